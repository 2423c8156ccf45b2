"""Scheduled delivery: the outbox scheduler, pacing, the leader lock."""
