"""The durable intake of webhook updates, shared by every worker process of a bot.

The webhook endpoint `put`s the raw update (committed before it answers 200: an update the platform was
told we have is never lost, kill -9 or not); each worker `take`s due rows, handles them and reports
`done`. The rows of one chat, and of one user, go one at a time in arrival order across all workers
(storage.queue_repo.claim). A claim is a lease the worker renews while it handles the row; when a worker
dies its rows become due again once the lease has run out, and are handled again: reports are recorded
once per (chat, message, revision), so that is safe. Every claim counts an attempt; an update that failed,
or was in flight when its worker died, MAX_UPDATE_ATTEMPTS times is parked (bot.core.intake.Intake.park:
dead letters, the admins told once), and the chat goes on.

Plain Python over storage.queue_repo; callers run it off the event loop on PostgreSQL.
"""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from bot.core.services import Services
from storage import queue_repo
from storage.queue_repo import Claimed

__all__ = ["Claimed", "InboxQueue", "Outcome"]

Outcome = Literal["done", "retry", "park", "lost"]

LEASE = timedelta(seconds=20)  # a claimed row is taken again this long after its worker stopped renewing
RETRY_BASE = 1.0  # seconds before the first retry of a failed update; doubled each time, at most RETRY_MAX
RETRY_MAX = 60.0


def _now() -> datetime:
    return datetime.now(UTC)


def worker_name() -> str:
    """host:pid, unique among the live workers of one database."""
    return f"{socket.gethostname()[:40]}:{os.getpid()}"


@dataclass
class InboxQueue:
    svc: Services
    channel: str
    bot: str
    worker: str
    lease: timedelta = LEASE

    @property
    def max_attempts(self) -> int:
        return self.svc.settings.max_update_attempts

    def put(self, key: str, chat_id: str | None, user_id: str | None, payload: dict[str, Any]) -> bool:
        """Commit the update; False when it was received before (a re-delivery: nothing to do)."""
        with self.svc.db.session() as s:
            return queue_repo.enqueue(s, channel=self.channel, bot=self.bot, key=key, chat_id=chat_id,
                                      user_id=user_id, payload=payload, now=_now())

    def take(self, limit: int) -> list[Claimed]:
        if limit <= 0:
            return []
        now = _now()
        with self.svc.db.carrying() as s:
            return queue_repo.claim(s, channel=self.channel, bot=self.bot, worker=self.worker, now=now,
                                    lease_until=now + self.lease, limit=limit)

    def renew(self, ids: list[int]) -> int:
        now = _now()
        with self.svc.db.session() as s:
            return queue_repo.renew(s, ids=ids, worker=self.worker, lease_until=now + self.lease, now=now)

    def done(self, item: Claimed, error: str | None) -> Outcome:
        """Record how handling went: done; to be retried later (failed, attempts left); to be parked
        (failed its last attempt: the caller parks it); lost (our lease ran out and another worker has
        the row now: nothing recorded here)."""
        if error is not None and item.attempts >= self.max_attempts:
            return "park"
        now = _now()
        retry_at = None
        if error is not None:
            retry_at = now + timedelta(seconds=min(RETRY_MAX, RETRY_BASE * 2 ** (item.attempts - 1)))
        with self.svc.db.carrying() as s:  # with the reply ids written behind (storage/behind.py)
            ok = queue_repo.finish(s, row_id=item.id, worker=self.worker, now=now, error=error, retry_at=retry_at)
        if not ok:
            return "lost"
        return "done" if error is None else "retry"

    def exhausted(self, item: Claimed) -> bool:
        """Claimed once more than allowed: it was in flight each time its worker died. Park, don't handle."""
        return item.attempts > self.max_attempts

    def backlog(self) -> int:
        with self.svc.db.session() as s:
            return queue_repo.backlog(s, channel=self.channel, bot=self.bot)
