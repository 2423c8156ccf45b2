"""Reporting e2e: members type reports in the group; the bot stores exactly what was meant, once."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

from sqlalchemy import event, func, select

from bot.demo_data import ADMIN_ID, GROUP_ID, LEADER_ID, member_id
from bot.emulator import Emulator
from storage import repo
from storage.db import Database
from storage.models import PendingReport, Report
from tests.helpers.faultkit import FaultBot, confirmations, make_chats, report_traffic, seed, wait_for
from tests.helpers.telegram import DAY, Harness
from tests.helpers.world import TZ, sqlite_url

DONG_TAM, THON_3 = 0, 3  # village indexes in bot.demo_data.VILLAGES


def daily(h: Harness, unit_name: str, metric: str = "l2", day: date = DAY) -> int:
    with h.db.session() as s:
        unit = s.get(repo.Unit, h.demo.village_ids[unit_name])
        assert unit is not None
        return repo.reported_total(s, unit, metric, since=day, until=day)


def row_count(h: Harness) -> int:
    with h.db.session() as s:
        return int(s.scalar(select(func.count()).select_from(Report)) or 0)


async def test_free_text_report_in_group(harness: Harness) -> None:
    replies = await harness.say(GROUP_ID, member_id(DONG_TAM), "Thôn Đồng Tâm hôm nay cài 12 mức 2")
    text = replies[0].text or ""
    assert "Thôn Đồng Tâm" in text and "12" in text and "14/08" in text
    assert "392/530" in text and "74,0%" in text  # baseline 380 + 12, target 530
    assert replies[0].reply_to_message_id == harness.last_message_id
    assert any(b["callback_data"].startswith("u:") for b in replies[0].buttons)
    assert daily(harness, "Thôn Đồng Tâm") == 12


async def test_report_in_private_chat(harness: Harness) -> None:
    uid = member_id(THON_3)
    replies = await harness.say(uid, uid, "hnay đc 7 tk m1")
    assert "Mức 1" in (replies[0].text or "")
    assert daily(harness, "Thôn 3", "l1") == 7


async def test_multiline_leader_table_all_or_nothing(harness: Harness) -> None:
    table = "Báo cáo ngày 14/8:\n1. Thôn 3: 12\n2. Thôn 5: 9\n3. Xóm Bãi: chưa bc\n4. Thôn Hạ: 4"
    replies = await harness.say(GROUP_ID, LEADER_ID, table)
    text = replies[0].text or ""
    assert "Thôn 3" in text and "Thôn 5" in text and "Xóm Bãi" in text
    assert (daily(harness, "Thôn 3"), daily(harness, "Thôn 5"), daily(harness, "Thôn Hạ")) == (12, 9, 4)
    assert daily(harness, "Xóm Bãi") == 0
    before = row_count(harness)
    bad = "Thôn 3: 13\nThôn 99: 5"
    replies = await harness.say(GROUP_ID, LEADER_ID, bad)
    assert "Thôn 99" in (replies[0].text or "")
    assert row_count(harness) == before and daily(harness, "Thôn 3") == 12


async def test_edit_changes_8_to_18(harness: Harness) -> None:
    uid = member_id(THON_3)
    await harness.say(GROUP_ID, uid, "Thôn 3 hôm nay 8")
    msg_id = harness.last_message_id
    assert daily(harness, "Thôn 3") == 8
    replies = await harness.edit(GROUP_ID, msg_id, "Thôn 3 hôm nay 18")
    assert "8 → 18" in (replies[-1].text or "") or any("8 → 18" in (m.text or "") for m in harness.emu.sent(GROUP_ID))
    assert daily(harness, "Thôn 3") == 18
    with harness.db.session() as s:
        rows = list(s.scalars(select(Report).where(Report.message_id == msg_id).order_by(Report.id)))
    assert [r.value for r in rows] == [8, 18] and rows[0].superseded_at is not None


async def test_same_update_delivered_twice_is_stored_once(harness: Harness) -> None:
    uid = member_id(THON_3)
    await harness.say(GROUP_ID, uid, "Thôn 3 hôm nay 5")
    update_id = harness.emu.last_update_id
    assert update_id is not None
    harness.emu.redeliver(update_id)
    await harness.emu.wait_idle()
    await harness.say(GROUP_ID, uid, "/start")  # handled after the duplicate: the queue is drained
    assert daily(harness, "Thôn 3") == 5
    assert row_count(harness) == 1


async def test_replace_and_add(harness: Harness) -> None:
    uid = member_id(THON_3)
    await harness.say(GROUP_ID, uid, "Thôn 3 hôm nay 12")
    replies = await harness.say(GROUP_ID, uid, "Thôn 3 hôm nay 15")
    assert "12 → 15" in (replies[0].text or "")
    await harness.say(GROUP_ID, uid, "Thôn 3 +5")
    assert daily(harness, "Thôn 3") == 20
    # another member's report for the same village: asked (adds up or is the total), "add" adds up
    second = member_id(THON_3, second=True)
    ask = (await harness.say(GROUP_ID, second, "Thôn 3 hôm nay 3"))[0]
    assert daily(harness, "Thôn 3") == 20
    add = next(b["callback_data"] for b in ask.buttons if b["callback_data"].startswith("sa:"))
    await harness.press(GROUP_ID, ask.message_id, second, add)
    await harness.emu.wait_until(lambda: daily(harness, "Thôn 3") == 23)


async def test_undo_command_and_button(harness: Harness) -> None:
    uid = member_id(THON_3)
    await harness.say(GROUP_ID, uid, "Thôn 3 hôm nay 12")
    await harness.say(GROUP_ID, uid, "Thôn 3 hôm nay 15")
    replies = await harness.say(GROUP_ID, uid, "/huy")
    assert "15 → 12" in (replies[0].text or "")
    assert daily(harness, "Thôn 3") == 12
    replies = await harness.say(GROUP_ID, uid, "/baocao 6")
    confirm = replies[0]
    undo = next(b["callback_data"] for b in confirm.buttons if b["callback_data"].startswith("u:"))
    # somebody else cannot undo it
    answer = await harness.press(GROUP_ID, confirm.message_id, member_id(DONG_TAM), undo)
    assert answer.get("show_alert")
    assert daily(harness, "Thôn 3") == 6
    await harness.press(GROUP_ID, confirm.message_id, uid, undo)
    assert daily(harness, "Thôn 3") == 12
    with harness.db.session() as s:  # history kept
        assert s.scalar(select(func.count()).select_from(Report).where(Report.deleted_at.is_not(None))) == 2


async def test_unit_outside_scope_refused(harness: Harness) -> None:
    replies = await harness.say(GROUP_ID, member_id(DONG_TAM), "Thôn 3 hôm nay 12")
    assert "Thôn 3" in (replies[0].text or "") and "phạm vi" in (replies[0].text or "")
    assert row_count(harness) == 0


async def test_future_and_locked_days_refused(harness: Harness) -> None:
    uid = member_id(THON_3)
    replies = await harness.say(GROUP_ID, uid, "Thôn 3 ngày 20/8 được 5")
    assert replies[0].text
    replies = await harness.say(GROUP_ID, uid, "Thôn 3 ngày 1/8 được 5")
    assert "khóa" in (replies[0].text or "")
    assert row_count(harness) == 0
    # an admin may override the lock window
    replies = await harness.say(GROUP_ID, ADMIN_ID, "Thôn 3 ngày 1/8 được 5")
    assert "01/08" in (replies[0].text or "")
    assert daily(harness, "Thôn 3", day=date(2025, 8, 1)) == 5


async def test_implausible_number_needs_confirmation(harness: Harness) -> None:
    uid = member_id(THON_3)
    replies = await harness.say(GROUP_ID, uid, "Thôn 3 hôm nay 900")
    ask = replies[0]
    assert "Xác nhận" in (ask.text or "") and row_count(harness) == 0
    token = next(b["callback_data"] for b in ask.buttons if b["callback_data"].startswith("cf:"))
    # another member cannot confirm it
    answer = await harness.press(GROUP_ID, ask.message_id, member_id(DONG_TAM), token)
    assert answer.get("show_alert") and row_count(harness) == 0
    await harness.press(GROUP_ID, ask.message_id, uid, token)
    await harness.emu.wait_until(lambda: row_count(harness) == 1)
    assert daily(harness, "Thôn 3") == 900
    # pressing again changes nothing
    await harness.press(GROUP_ID, ask.message_id, uid, token)
    assert daily(harness, "Thôn 3") == 900 and row_count(harness) == 1
    with harness.db.session() as s:
        assert s.scalar(select(PendingReport.status)) == "confirmed"


async def test_cancelled_confirmation_stores_nothing(harness: Harness) -> None:
    uid = member_id(THON_3)
    replies = await harness.say(GROUP_ID, uid, "Thôn 3 hôm nay 200")  # over the remaining target (530-405)
    cancel = next(b["callback_data"] for b in replies[0].buttons if b["callback_data"].startswith("cx:"))
    await harness.press(GROUP_ID, replies[0].message_id, uid, cancel)
    await harness.emu.wait_until(lambda: "Đã hủy" in (harness.emu.sent_message(GROUP_ID, replies[0].message_id).text or ""))
    assert row_count(harness) == 0


async def test_chatter_gets_no_reply(harness: Harness) -> None:
    for text in ("ok anh, mai em gửi", "Họp lúc 14h tại nhà văn hóa thôn 3 nhé mọi người", "👍"):
        assert await harness.say_quiet(GROUP_ID, member_id(THON_3), text) == []
    assert row_count(harness) == 0


async def test_reporter_not_on_roster(harness: Harness) -> None:
    replies = await harness.say(GROUP_ID, 999999, "Thôn 3 hôm nay 12 mức 2")
    assert "/dangky" in (replies[0].text or "")
    assert row_count(harness) == 0


async def test_parse_error_gets_hint(harness: Harness) -> None:
    replies = await harness.say(GROUP_ID, member_id(THON_3), "Thôn 3 hôm nay -3")
    assert "Ví dụ" in (replies[0].text or "")
    assert row_count(harness) == 0


async def test_cumulative_mismatch_is_reported_not_applied(harness: Harness) -> None:
    replies = await harness.say(GROUP_ID, member_id(THON_3), "thon 3 bc ngay 13/8: kich hoat 7, lk 420/530 dat 79,2%")
    text = replies[0].text or ""
    assert "420" in text and "412" in text  # stated vs ours (405 + 7)
    assert daily(harness, "Thôn 3", day=date(2025, 8, 13)) == 7


async def test_day_is_local_not_utc(harness: Harness) -> None:
    # 23:30 UTC on 13/08 is 06:30 on 14/08 in Vietnam
    harness.clock.set(datetime(2025, 8, 14, 6, 30, tzinfo=TZ))
    await harness.say(GROUP_ID, member_id(THON_3), "Thôn 3 hôm nay 4")
    assert daily(harness, "Thôn 3", day=date(2025, 8, 14)) == 4


async def test_the_senders_of_a_fetched_batch_are_looked_up_together_not_one_by_one(
        tmp_path: Path, emu: Emulator) -> None:
    """Through the real bot: the roster members who sent a getUpdates batch are looked up in one statement
    (bot.conversation.router.know_callers) before their reports run; each report then finds its sender."""
    db = Database(sqlite_url(tmp_path))
    members = seed(db, 12)
    msgs = report_traffic(members, 12, groups=3)
    users = make_chats(emu, msgs)
    lookups: list[str] = []

    def note(_conn: object, _cur: object, sql: str, *_args: object) -> None:
        if "members.external_id" in sql and "FROM members JOIN units" in sql:
            lookups.append(sql)

    async with FaultBot(emu, db):
        await emu.wait_idle(10)
        event.listen(db.engine, "before_cursor_execute", note)
        for m in msgs:
            emu.send_message(m.chat_id, users[m.user_id], m.text)
        await wait_for(lambda: len(confirmations(emu)) >= len(msgs), 60, "12 confirmations")
    assert [q for q in lookups if "members.external_id IN" in q], "no batch look-up"
    assert not [q for q in lookups if "members.external_id IN" not in q], "a sender looked up on their own"
    assert sum(confirmations(emu).values()) == len(msgs)
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(Report)) == len(msgs)
