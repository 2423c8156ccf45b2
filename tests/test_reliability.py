"""Durable retries (RELIABILITY.md): stored => eventually confirmed, a failure after the commit is never
"not stored", the update intake parks poison updates, Zalo keys without ids. Driven through the real bot."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.exc import OperationalError

from bot.demo_data import ADMIN_ID, GROUP_ID, member_id
from bot.emulator import Emulator, User
from storage.db import Database
from storage.models import DeadLetter, Inbox, PendingReport, ReplyOutbox, Report
from tests.helpers.faultkit import FaultBot, seed, wait_for
from tests.helpers.telegram import Harness
from tests.helpers.world import sqlite_url
from tests.helpers.zalo import ZaloHarness

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


@pytest.mark.faults
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


@pytest.mark.faults
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


@pytest.mark.faults
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


# ---------------------------------------------------------------------------------------------- item 14


async def test_zalo_updates_without_message_id_and_date_are_not_collapsed(zalo: ZaloHarness) -> None:  # noqa: F811
    an = await zalo.join("An", "Thôn 3")
    mark = zalo.emu.mark()
    template = zalo.emu.say(an, "Thôn 3 hôm nay 9 mức 1")
    await zalo.emu.wait_for_messages(an.id, since=mark)
    bare = {k: v for k, v in template.items() if k not in ("message_id", "date")}
    today = dict(bare, text="Thôn 3 hôm nay 4 mức 2")
    yesterday = dict(bare, text="Thôn 3 hôm qua 3 mức 2")
    mark = zalo.emu.mark()
    for m in (today, today, yesterday):  # `today` twice (a webhook retry): stored once
        zalo.emu.send_raw({"event_name": "message.text.received", "message": m})
    await zalo.emu.wait_for_messages(an.id, count=2, since=mark)
    await zalo.emu.wait_idle()
    await asyncio.sleep(0.3)
    assert zalo.daily("Thôn 3", "l2") == 4
    assert zalo.daily("Thôn 3", "l2", date(2025, 8, 13)) == 3, "the second id-less message was dropped"
    with zalo.db.session() as s:
        assert s.scalar(select(func.count()).select_from(Report).where(Report.metric == "l2")) == 2


# ---------------------------------------------------------------------------------------------- items 2 and 7


async def _intake_bot(tmp_path: Path, emu: Emulator) -> tuple[Database, FaultBot, User]:
    db = Database(sqlite_url(tmp_path))
    seed(db, 0)
    emu.group_chat(GROUP_ID, "Tổ CNS Xã Tân Hòa")
    emu.group_chat(OTHER_GROUP, "Tổ khác")
    admin = User(ADMIN_ID, "Quản trị")
    emu.private_chat(admin)
    return db, FaultBot(emu, db, admin_ids=[ADMIN_ID], max_update_attempts=3), admin


OTHER_GROUP = -1_009_001


def _dead(db: Database) -> list[DeadLetter]:
    with db.session() as s:
        rows = list(s.scalars(select(DeadLetter)))
        s.expunge_all()
        return rows


@pytest.mark.faults
async def test_poison_update_is_parked_once_and_polling_goes_on(
        tmp_path: Path, emulator: Emulator, caplog: pytest.LogCaptureFixture) -> None:
    emu = emulator
    db, bot, admin = await _intake_bot(tmp_path, emu)
    caplog.set_level(logging.INFO)
    async with bot:
        # an update PTB cannot parse (a date that is not a timestamp), then a normal report in another chat
        poison = emu.send_update({"message": {"message_id": 77, "date": "hôm nay", "text": "+6",
                                              "chat": {"id": OTHER_GROUP, "type": "group"},
                                              "from": {"id": member_id(1), "is_bot": False, "first_name": "X"}}})
        emu.send_message(GROUP_ID, User(member_id(DONG_TAM), "Tổ viên"), "Thôn Đồng Tâm hôm nay cài 12 mức 2")
        await wait_for(lambda: any((m.text or "").startswith("✅") for m in emu.sent(GROUP_ID)), 20,
                       "the report after the poison update confirmed")
        await emu.wait_idle(10)
        emu.redeliver(poison["update_id"])  # Telegram sends it again: parked already, nobody is told again
        await emu.wait_idle(10)
        await asyncio.sleep(0.5)
    dead = _dead(db)
    assert [d.update_key for d in dead] == [str(poison["update_id"])] and dead[0].told_at is not None
    assert dead[0].payload and dead[0].payload["message"]["date"] == "hôm nay"  # kept for the admins
    told = [m for m in emu.sent(ADMIN_ID) if "⚠️" in (m.text or "")]
    assert len(told) == 1, [m.text for m in emu.sent(ADMIN_ID)]
    loud = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(loud) <= 3, [r.getMessage()[:120] for r in loud]  # no log storm
    assert not [r for r in caplog.records if "Đồng Tâm" in r.getMessage() or "hôm nay" in r.getMessage()]
    assert emu.stats.calls["getUpdates"] < 60  # polling did not spin on the same batch


@pytest.mark.faults
async def test_an_update_that_fails_k_times_is_parked_and_admins_told_once(
        tmp_path: Path, emulator: Emulator) -> None:
    emu = emulator
    db, bot, admin = await _intake_bot(tmp_path, emu)
    member = User(member_id(DONG_TAM), "Tổ viên")
    hits: list[str] = []

    def fail_reports(conn: Any, cursor: Any, statement: str, params: Any, context: Any, many: bool) -> None:
        if statement.lstrip().upper().startswith("INSERT INTO REPORTS") and "99" in str(params):
            hits.append(statement)
            raise OperationalError(statement, params, Exception("the import crashed"))

    event.listen(db.engine, "before_cursor_execute", fail_reports)
    async with bot:
        message = emu.send_message(GROUP_ID, member, "Thôn Đồng Tâm hôm nay cài 99 mức 1")
        await emu.wait_idle(10)
        update_id = emu.updates_log[-1]["update_id"]
        for _ in range(4):  # delivered again and again (after crashes, or webhook retries)
            await wait_for(lambda: not emu._forced, 10, "re-delivery fetched")  # noqa: SLF001
            emu.redeliver(update_id)
            await emu.wait_idle(10)
        # intake goes on: another chat's report is handled at once
        emu.send_message(OTHER_GROUP, User(member_id(1), "B"), "Thôn 3 hôm nay 5 mức 2")
        await emu.wait_idle(10)
        await asyncio.sleep(0.5)
    event.remove(db.engine, "before_cursor_execute", fail_reports)
    assert len(hits) == 3, "handled exactly K = 3 times, then parked"
    dead = _dead(db)
    assert len(dead) == 1 and dead[0].attempts == 3 and "the import crashed" in (dead[0].error or "")
    told = [m for m in emu.sent(ADMIN_ID) if "⚠️" in (m.text or "")]
    assert len(told) == 1
    parked_notice = [m for m in emu.sent(GROUP_ID) if m.reply_to_message_id == message["message_id"]
                     and "quản trị viên" in (m.text or "")]
    assert len(parked_notice) == 1
    assert any(m.reply_to_message_id is not None for m in emu.sent(OTHER_GROUP))


# ---------------------------------------------------------------------------------------------- item 3


async def test_a_long_import_does_not_hold_up_other_chats(harness: Harness) -> None:
    h = harness
    h.emu.file_gate = asyncio.Event()  # the import file downloads slowly: held until the test opens the gate
    csv_bytes = "unit_code,telegram_id,name,role\nth-3,880011,Người Mới,\n".encode()
    admin = h.user(ADMIN_ID)
    h.emu.private_chat(admin)
    doc = h.emu.send_document(ADMIN_ID, admin, "members.csv", csv_bytes, caption="/nhap")
    await wait_for(lambda: h.emu.file_waiting >= 1, 20, "the import's download started")
    progress = [m for m in h.emu.sent(ADMIN_ID) if m.reply_to_message_id == doc["message_id"]]
    assert len(progress) == 1 and "Đang xử lý" in (progress[0].text or "")
    # meanwhile another chat's report is answered (the download is still held)
    replies = await h.say(GROUP_ID, member_id(DONG_TAM), "Thôn Đồng Tâm hôm nay cài 12 mức 2")
    assert (replies[0].text or "").startswith("✅") and not h.emu.file_gate.is_set()
    mark = h.emu.mark()
    h.emu.file_gate.set()
    done = await h.emu.wait_for_messages(ADMIN_ID, 1, since=mark, timeout=20)
    assert "Đã nhập xong" in (done[0].text or "")
    await wait_for(lambda: "xong" in (h.emu.sent(ADMIN_ID)[0].text or ""), 10, "progress message marked done")
    with h.db.session() as s:  # the intake row is done: a restart does not import it again
        assert s.scalar(select(Inbox.status).where(Inbox.update_key == str(h.emu.updates_log[0]["update_id"]))) \
            == "done"
