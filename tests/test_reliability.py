"""Durable retries (RELIABILITY.md): stored => eventually confirmed, a failure after the commit is never
"not stored", the update intake parks poison updates, Zalo keys without ids. Driven through the real bot."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.exc import OperationalError

from bot.demo_data import GROUP_ID, member_id
from storage.models import PendingReport, ReplyOutbox, Report
from tests.conftest import Harness
from tests.faultkit import wait_for

pytestmark = pytest.mark.e2e

DONG_TAM = 0


def _reports(h: Harness) -> list[Report]:
    with h.db.session() as s:
        rows = list(s.scalars(select(Report).order_by(Report.id)))
        s.expunge_all()
        return rows


def _outbox(h: Harness) -> list[tuple[str, int]]:
    with h.db.session() as s:
        return [(r.status, r.attempts) for r in s.scalars(select(ReplyOutbox))]


@contextmanager
def db_drops_on(h: Harness, sql_start: str, times: int = 1) -> Iterator[list[str]]:
    """The database connection 'drops' (OperationalError from the driver) on the next `times` statements
    starting with `sql_start`: a fault below the code under test, like a PostgreSQL restart."""
    hits: list[str] = []

    def before(conn: Any, cursor: Any, statement: str, params: Any, context: Any, executemany: bool) -> None:
        if statement.lstrip().upper().startswith(sql_start.upper()) and len(hits) < times:
            hits.append(statement)
            raise OperationalError(statement, params, Exception("server closed the connection unexpectedly"))

    event.listen(h.db.engine, "before_cursor_execute", before)
    try:
        yield hits
    finally:
        event.remove(h.db.engine, "before_cursor_execute", before)


# ---------------------------------------------------------------------------------------------- item 0


async def test_a_confirmation_that_fails_every_retry_is_sent_later_from_the_outbox(harness: Harness) -> None:
    h = harness
    user = member_id(DONG_TAM)
    h.emu.inject_faults(1.0, kinds=("500",), methods=["sendMessage"])  # every reply fails, all its retries
    message = h.emu.send_message(GROUP_ID, h.user(user), "Thôn Đồng Tâm hôm nay cài 12 mức 2")
    await wait_for(lambda: bool(_outbox(h)), 30, "the failed confirmation queued in the outbox")
    assert [r.value for r in _reports(h)] == [12] and _reports(h)[0].reply_message_id is None
    assert not [m for m in h.emu.sent(GROUP_ID) if (m.text or "").startswith("✅")]
    h.emu.clear_faults()
    await wait_for(lambda: any((m.text or "").startswith("✅") for m in h.emu.sent(GROUP_ID)), 30,
                   "the confirmation sent from the outbox")
    conf = [m for m in h.emu.sent(GROUP_ID) if (m.text or "").startswith("✅")]
    assert len(conf) == 1 and "12" in (conf[0].text or "")
    assert conf[0].reply_to_message_id == message["message_id"], "quoted to the member's message"
    assert any(b["callback_data"].startswith("u:") for b in conf[0].buttons), "the Undo button comes too"
    await wait_for(lambda: _reports(h)[0].reply_message_id == conf[0].message_id, 10, "reply id recorded")
    assert _outbox(h)[0][0] == "sent"
    # nothing is sent twice: a later sweep finds the row sent
    await asyncio.sleep(1.5)
    assert len([m for m in h.emu.sent(GROUP_ID) if (m.text or "").startswith("✅")]) == 1


# ---------------------------------------------------------------------------------------------- item 6


async def test_db_drop_after_the_commit_is_never_reported_as_not_stored(harness: Harness) -> None:
    h = harness
    with db_drops_on(h, "UPDATE reports SET reply_message_id") as hits:
        replies = await h.say_quiet(GROUP_ID, member_id(DONG_TAM), "Thôn Đồng Tâm hôm nay cài 12 mức 2", wait=1.0)
    assert hits, "the fault was injected"
    texts = [m.text or "" for m in replies]
    assert len(texts) == 1 and texts[0].startswith("✅"), texts
    assert not any("CHƯA" in x for x in texts)
    assert [r.value for r in _reports(h)] == [12]


# ---------------------------------------------------------------------------------------------- item 13


async def test_db_drop_mid_confirm_leaves_the_pending_report_pending(harness: Harness) -> None:
    h = harness
    user = member_id(DONG_TAM)
    replies = await h.say(GROUP_ID, user, "Thôn Đồng Tâm hôm nay cài 400 mức 2")  # over the remaining target
    question = replies[0]
    cf = next(b["callback_data"] for b in question.buttons if b["callback_data"].startswith("cf:"))
    with db_drops_on(h, "INSERT INTO reports") as hits:
        answer = await h.press(GROUP_ID, question.message_id, user, cf)
    assert hits
    assert "CHƯA" in str(answer.get("text")), answer  # the button's answer: nothing stored, send again
    with h.db.session() as s:
        assert s.scalar(select(PendingReport.status)) == "pending"
        assert s.scalar(select(func.count()).select_from(Report)) == 0
    # the member presses again once the database is back: stored
    await h.press(GROUP_ID, question.message_id, user, cf)
    await wait_for(lambda: [r.value for r in _reports(h)] == [400], 10, "stored on the second press")
    with h.db.session() as s:
        assert s.scalar(select(PendingReport.status)) == "confirmed"
