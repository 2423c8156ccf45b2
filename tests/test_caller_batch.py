"""The senders of a getUpdates batch looked up at once (bot.conversation.router.know_callers): the same
callers `Conversation.caller` would find, one statement for the batch, nothing cached that must not be."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import event

from bot.config import Settings
from bot.conversation.router import caller_key, know_callers
from bot.core.services import Services
from bot.demo_data import member_id, seed_demo
from storage import link_repo, repo
from storage.db import Database

NOW = datetime(2025, 8, 14, 3, 0, tzinfo=UTC)


@pytest.fixture
def svc(any_db: Database) -> Services:
    seed_demo(any_db)
    return Services(Settings(_env_file=None, admin_ids=[member_id(5)]), any_db, clock=lambda: NOW)  # type: ignore[call-arg]


def _statements(db: Database) -> list[str]:
    seen: list[str] = []
    event.listen(db.engine, "before_cursor_execute", lambda _c, _cur, sql, *_a: seen.append(sql))
    return seen


def _cached(svc: Services, uid: str, name: str) -> object | None:
    hit = svc.db._cache.get(caller_key(svc, "telegram", uid, name))  # noqa: SLF001 - what the cache holds
    return hit[2] if hit is not None else None


def test_a_batch_of_senders_is_looked_up_in_one_statement_as_each_would_be(svc: Services) -> None:
    with svc.db.session() as s:  # a linked account (another channel's, here a Telegram id) of member 3
        primary = repo.member_by_external(s, "telegram", str(member_id(3)))
        assert primary is not None
        link_repo.link_account(s, "telegram", "777", "Liên kết", primary)
    users = [(str(member_id(i)), f"Tổ viên {i}") for i in (1, 2, 3, 4, 5)] + [("999999", "Người lạ"), ("777", "X")]
    seen = _statements(svc.db)
    know_callers(svc, "telegram", users)
    assert len(seen) == 1 and "members" in seen[0]
    for uid, name in users[:5]:
        assert _cached(svc, uid, name) == svc.caller("telegram", uid, name), uid
    assert _cached(svc, "999999", "Người lạ") is None  # strangers: looked up at their every message
    assert _cached(svc, "777", "X") is None  # a linked account: looked up on its own (its primary member)
    admin = _cached(svc, str(member_id(5)), "Tổ viên 5")
    assert admin is not None and getattr(admin, "global_admin", False)
    seen.clear()
    know_callers(svc, "telegram", users[:5])  # all known already: nothing read
    assert seen == []


def test_a_roster_change_after_the_batch_look_up_is_seen(svc: Services) -> None:
    uid = str(member_id(2))
    know_callers(svc, "telegram", [(uid, "A")])
    assert _cached(svc, uid, "A") is not None
    with svc.db.session() as s:
        member = repo.member_by_external(s, "telegram", uid)
        assert member is not None
        member.role = "admin"
    assert _cached(svc, uid, "A") is not None  # still held, but no longer valid:
    seen = _statements(svc.db)
    know_callers(svc, "telegram", [(uid, "A")])
    assert len(seen) == 1
    found = _cached(svc, uid, "A")
    assert found is not None and found == svc.caller("telegram", uid, "A") and "ADMIN" in str(found)
