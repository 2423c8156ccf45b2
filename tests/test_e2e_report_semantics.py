"""Report semantics leaders can trust (issue 12 items 1, 3, 4, 9), end to end over the emulators.

Two reporters of one village on one day are asked whether the second figure adds up or is the village's
total; old confirmation buttons expire and re-check scope and lock; edits delivered out of order leave
the newest revision current; leaders correct members' reports with /sua.
Expected numbers are computed by hand from the figures the test typed, never read back from the bot.
"""

from __future__ import annotations

import asyncio
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import func, select

from bot.demo_data import ADMIN_ID, GROUP_ID, LEADER_ID, member_id
from bot.emulator.models import SentMessage
from storage import repo
from storage.models import AuditLog, Member, PendingReport, Report
from tests.helpers.telegram import Harness
from tests.helpers.world import TZ
from tests.helpers.zalo import ZaloHarness

DAY = date(2025, 8, 14)
THON_3, DONG_TAM = 3, 0  # village indexes in bot.demo_data.VILLAGES
MEMBER = "Tổ viên Thôn 3"  # demo display names
HEAD = "Trưởng Thôn 3"


def daily(h: Harness | ZaloHarness, unit_name: str = "Thôn 3", metric: str = "l2", day: date = DAY) -> int:
    """The village's figure for the day, straight from the current rows (independent of the bot's replies)."""
    with h.db.session() as s:
        uid = h.demo.village_ids[unit_name]
        q = select(func.coalesce(func.sum(Report.value), 0)).where(
            Report.unit_id == uid, Report.metric == metric, Report.day == day,
            Report.superseded_at.is_(None), Report.deleted_at.is_(None))
        return int(s.scalar(q) or 0)


def rows(h: Harness) -> int:
    with h.db.session() as s:
        return int(s.scalar(select(func.count()).select_from(Report)) or 0)


def button(msg: SentMessage, prefix: str) -> str:
    return next(b["callback_data"] for b in msg.buttons if b["callback_data"].startswith(prefix))


async def reply_as(h: Harness, user_id: int, text: str, reply_to: int, count: int = 1) -> list[SentMessage]:
    mark = h.emu.mark()
    h.emu.send_message(GROUP_ID, h.user(user_id), text, reply_to=reply_to)
    return await h.emu.wait_for_messages(GROUP_ID, count, since=mark)


# ---- 1. two reporters, one village, one day ---------------------------------------------------------


async def test_second_reporter_is_asked_and_add_sums_with_who_contributed(harness: Harness) -> None:
    first = (await harness.say(GROUP_ID, member_id(THON_3), "Thôn 3 hôm nay 12"))[0]
    assert f"Thôn 3 hôm nay: 12 = {MEMBER} 12" in (first.text or "")
    ask = (await harness.say(GROUP_ID, member_id(THON_3, True), "Thôn 3 hôm nay 12"))[0]
    text = ask.text or ""
    assert "chưa ghi" in text and MEMBER in text and "12" in text
    assert daily(harness) == 12 and rows(harness) == 1  # nothing stored until answered
    # only the reporter may answer
    other = await harness.press(GROUP_ID, ask.message_id, member_id(DONG_TAM), button(ask, "sa:"))
    assert other.get("show_alert") and daily(harness) == 12
    await harness.press(GROUP_ID, ask.message_id, member_id(THON_3, True), button(ask, "sa:"))
    await harness.emu.wait_until(lambda: "24 =" in (harness.emu.sent_message(GROUP_ID, ask.message_id).text or ""))
    done = harness.emu.sent_message(GROUP_ID, ask.message_id).text or ""
    assert f"Thôn 3 hôm nay: 24 = {MEMBER} 12 + {HEAD} 12" in done
    assert daily(harness) == 12 + 12


async def test_is_the_total_replaces_others_and_undo_brings_them_back(harness: Harness) -> None:
    await harness.say(GROUP_ID, member_id(THON_3), "Thôn 3 hôm nay 12")
    ask = (await harness.say(GROUP_ID, member_id(THON_3, True), "Thôn 3 hôm nay 20"))[0]
    await harness.press(GROUP_ID, ask.message_id, member_id(THON_3, True), button(ask, "st:"))
    await harness.emu.wait_until(lambda: "20 =" in (harness.emu.sent_message(GROUP_ID, ask.message_id).text or ""))
    done = harness.emu.sent_message(GROUP_ID, ask.message_id).text or ""
    assert f"Thôn 3 hôm nay: 20 = {HEAD} 20" in done and f"{MEMBER} 12" in done  # says what it replaced
    assert daily(harness) == 20  # what the head said, not 12 + 20
    with harness.db.session() as s:  # the member's figure is kept in the history, replaced by the head's
        old = s.scalar(select(Report).where(Report.value == 12))
        assert old is not None and old.superseded_at is not None and old.superseded_by_id is not None
    # the head's /huy brings the member's figure back
    replies = await harness.say(GROUP_ID, member_id(THON_3, True), "/huy")
    assert f"Thôn 3 hôm nay: 12 = {MEMBER} 12" in (replies[0].text or "")
    assert daily(harness) == 12
    # the member replaces their own figure: nobody else has one now, nothing to ask
    replies = await harness.say(GROUP_ID, member_id(THON_3), "Thôn 3 hôm nay 14")
    assert "12 → 14" in (replies[0].text or "") and daily(harness) == 14


async def test_same_reporter_replacing_their_own_figure_is_not_asked(harness: Harness) -> None:
    await harness.say(GROUP_ID, member_id(THON_3), "Thôn 3 hôm nay 5")
    ask = (await harness.say(GROUP_ID, member_id(THON_3, True), "Thôn 3 hôm nay 7"))[0]
    await harness.press(GROUP_ID, ask.message_id, member_id(THON_3, True), button(ask, "sa:"))
    await harness.emu.wait_until(lambda: "12 =" in (harness.emu.sent_message(GROUP_ID, ask.message_id).text or ""))
    replies = await harness.say(GROUP_ID, member_id(THON_3, True), "Thôn 3 hôm nay 9")
    assert "7 → 9" in (replies[0].text or "")
    assert f"Thôn 3 hôm nay: 14 = {MEMBER} 5 + {HEAD} 9" in (replies[0].text or "")
    assert daily(harness) == 5 + 9


async def test_zalo_second_reporter_answers_by_typing(zalo: ZaloHarness) -> None:  # noqa: F811
    an = await zalo.join("An", "Thôn 3")
    binh = await zalo.join("Bình", "Thôn 3")
    chi = await zalo.join("Chi", "Thôn 3")
    replies = await zalo.say(an, "Thôn 3 hôm nay 12")
    assert "Thôn 3 hôm nay: 12 = An 12" in replies[0].text
    replies = await zalo.say(binh, "Thôn 3 hôm nay 12")
    assert "CONG" in replies[0].text and "TONG" in replies[0].text and "Bấm" not in replies[0].text
    assert zalo.daily("Thôn 3") == 12
    replies = await zalo.say(binh, "cộng")
    assert "Thôn 3 hôm nay: 24 = An 12 + Bình 12" in replies[0].text
    assert zalo.daily("Thôn 3") == 24
    replies = await zalo.say(chi, "Thôn 3 hôm nay 30")
    assert "TONG" in replies[0].text and zalo.daily("Thôn 3") == 24
    replies = await zalo.say(chi, "TONG")
    assert "Thôn 3 hôm nay: 30 = Chi 30" in replies[0].text
    assert zalo.daily("Thôn 3") == 30
    # the answer word with nothing pending
    replies = await zalo.say(an, "tong")
    assert "Không có báo cáo nào đang chờ" in replies[0].text


# ---- 3. old confirmation buttons -----------------------------------------------------------------------


async def test_confirmation_pressed_after_the_lock_window_stores_nothing(harness: Harness) -> None:
    uid = member_id(THON_3)
    ask = (await harness.say(GROUP_ID, uid, "Thôn 3 ngày 12/8 được 900"))[0]
    token = button(ask, "cf:")
    harness.clock.advance(timedelta(hours=20))  # 15/08 06:00: 12/08 is still open (3 days)...
    harness.clock.advance(timedelta(days=1))  # ...16/08 06:00: 12/08 is locked, and the TTL is over
    answer = await harness.press(GROUP_ID, ask.message_id, uid, token)
    assert answer.get("show_alert") and "hết hạn" in (answer.get("text") or "")
    assert rows(harness) == 0
    with harness.db.session() as s:
        assert s.scalar(select(PendingReport.status)) == "expired"


async def test_confirmation_expires_after_a_day(harness: Harness) -> None:
    uid = member_id(THON_3)
    ask = (await harness.say(GROUP_ID, uid, "Thôn 3 hôm nay 900"))[0]
    harness.clock.advance(timedelta(hours=25))
    answer = await harness.press(GROUP_ID, ask.message_id, uid, button(ask, "cf:"))
    assert "hết hạn" in (answer.get("text") or "") and rows(harness) == 0


async def test_confirmation_rechecks_scope_when_pressed(harness: Harness) -> None:
    uid = member_id(THON_3)
    ask = (await harness.say(GROUP_ID, uid, "Thôn 3 hôm nay 900"))[0]
    with harness.db.session() as s:  # meanwhile the member was moved to another village
        m = s.scalar(select(Member).where(Member.external_id == str(uid)))
        assert m is not None
        m.unit_id = harness.demo.village_ids["Thôn Đồng Tâm"]
    answer = await harness.press(GROUP_ID, ask.message_id, uid, button(ask, "cf:"))
    assert answer.get("show_alert") and "phạm vi" in (answer.get("text") or "")
    assert rows(harness) == 0


async def test_confirmation_within_the_window_still_works(harness: Harness) -> None:
    uid = member_id(THON_3)
    ask = (await harness.say(GROUP_ID, uid, "Thôn 3 hôm nay 900"))[0]
    harness.clock.advance(timedelta(hours=10))
    await harness.press(GROUP_ID, ask.message_id, uid, button(ask, "cf:"))
    await harness.emu.wait_until(lambda: daily(harness) == 900)
    assert daily(harness) == 900


async def test_zalo_typed_confirmation_after_the_lock_window_stores_nothing(zalo: ZaloHarness) -> None:  # noqa: F811
    an = await zalo.join("An", "Thôn 3")
    replies = await zalo.say(an, "Thôn 3 ngày 11/8 được 600")  # 11/08 is open on 14/08 until 15/08 00:00
    assert "XACNHAN" in replies[0].text and zalo.daily("Thôn 3", day=date(2025, 8, 11)) == 0
    zalo.clock.advance(timedelta(hours=14, minutes=30))  # 15/08 00:30: 11/08 is locked (the 24 h are not over)
    replies = await zalo.say(an, "XACNHAN")
    assert "hết hạn" in replies[0].text
    assert zalo.daily("Thôn 3", day=date(2025, 8, 11)) == 0


# ---- 4. edits delivered out of order ---------------------------------------------------------------------


def _message(h: Harness, user_id: int, message_id: int, text: str, date_: int, edit_date: int | None = None
             ) -> dict[str, Any]:
    msg: dict[str, Any] = {"message_id": message_id, "from": h.user(user_id).to_dict(), "chat": h.emu.chat(GROUP_ID),
                           "date": date_, "text": text}
    if edit_date is not None:
        msg["edit_date"] = edit_date
    return msg


async def _deliver(h: Harness, kind: str, msg: dict[str, Any]) -> None:
    h.emu.send_update({kind: msg})
    await h.emu.wait_idle(10)
    await asyncio.sleep(0.3)


async def test_edit_delivered_before_its_original_stays_current(harness: Harness) -> None:
    uid = member_id(THON_3)
    t0 = int(harness.clock().timestamp())
    original = _message(harness, uid, 9001, "Thôn 3 hôm nay 12", t0)
    edited = _message(harness, uid, 9001, "Thôn 3 hôm nay 18", t0, edit_date=t0 + 60)
    await _deliver(harness, "edited_message", edited)
    await harness.emu.wait_until(lambda: daily(harness) == 18)
    await _deliver(harness, "message", original)
    assert daily(harness) == 18


async def test_two_edits_in_reverse_order_newest_wins(harness: Harness) -> None:
    uid = member_id(THON_3)
    t0 = int(harness.clock().timestamp())
    await _deliver(harness, "message", _message(harness, uid, 9002, "Thôn 3 hôm nay 12", t0))
    await harness.emu.wait_until(lambda: daily(harness) == 12)
    await _deliver(harness, "edited_message", _message(harness, uid, 9002, "Thôn 3 hôm nay 20", t0, t0 + 120))
    await harness.emu.wait_until(lambda: daily(harness) == 20)
    mark = harness.emu.mark()
    await _deliver(harness, "edited_message", _message(harness, uid, 9002, "Thôn 3 hôm nay 18", t0, t0 + 60))
    assert daily(harness) == 20
    assert [m for m in harness.emu.sent(GROUP_ID) if m.seq > mark] == []  # the stale edit is silent


async def test_edit_into_chatter_then_an_older_edit_delivered_late_stays_removed(harness: Harness) -> None:
    uid = member_id(THON_3)
    t0 = int(harness.clock().timestamp())
    await _deliver(harness, "message", _message(harness, uid, 9003, "Thôn 3 hôm nay 12", t0))
    await harness.emu.wait_until(lambda: daily(harness) == 12)
    await _deliver(harness, "edited_message", _message(harness, uid, 9003, "nhầm, bỏ qua tin này", t0, t0 + 120))
    await harness.emu.wait_until(lambda: daily(harness) == 0)
    await _deliver(harness, "edited_message", _message(harness, uid, 9003, "Thôn 3 hôm nay 18", t0, t0 + 60))
    assert daily(harness) == 0


# ---- 9. leaders correct others' reports -------------------------------------------------------------------


async def test_leader_corrects_a_member_report_by_replying(harness: Harness) -> None:
    uid = member_id(THON_3)
    await harness.say(GROUP_ID, uid, "Thôn 3 hôm nay 12")
    report_id = harness.last_message_id
    # a member may not, a leader of another village may not
    replies = await reply_as(harness, uid, "/sua 15", report_id)
    assert "/sua" in (replies[0].text or "") and "Bot không thay đổi gì" in (replies[0].text or "")
    assert daily(harness) == 12
    replies = await reply_as(harness, member_id(DONG_TAM, True), "/sua 15 nhầm", report_id)
    assert "phạm vi" in (replies[0].text or "") and daily(harness) == 12
    replies = await reply_as(harness, LEADER_ID, "/sua", report_id)
    assert "/sua 15" in (replies[0].text or "") and daily(harness) == 12  # usage, nothing changed
    replies = await reply_as(harness, LEADER_ID, "/sua 15 đếm thiếu 3 người", report_id)
    told = replies[0]
    assert told.reply_to_message_id == report_id  # the reporter is told under their own message
    assert "12 → <b>15</b>" in (told.text or "") or "12 → 15" in (told.text or "")
    assert "đếm thiếu 3 người" in (told.text or "") and MEMBER in (told.text or "")
    assert daily(harness) == 15
    with harness.db.session() as s:
        cur = s.scalar(select(Report).where(Report.superseded_at.is_(None), Report.deleted_at.is_(None)))
        assert cur is not None and cur.note == "đếm thiếu 3 người" and cur.reporter_id != cur.changed_by_id
        assert s.scalar(select(func.count()).select_from(AuditLog).where(AuditLog.action == "report.fix")) == 1
    replies = await harness.say(GROUP_ID, ADMIN_ID, "/nhatky")
    log = replies[0].text or ""
    assert "sửa báo cáo" in log and "đếm thiếu 3 người" in log and "12 → 15" in log


async def test_leader_removes_a_report_and_the_lock_binds_leaders_not_admins(harness: Harness) -> None:
    uid = member_id(THON_3)
    await harness.say(GROUP_ID, uid, "Thôn 3 hôm nay 12")
    first = harness.last_message_id
    replies = await reply_as(harness, LEADER_ID, "/sua xoa báo trùng", first)
    assert "xóa" in (replies[0].text or "") and "báo trùng" in (replies[0].text or "")
    assert daily(harness) == 0
    # an old report: locked for the leader, the admin may still correct it
    old_day = date(2025, 8, 10)
    await harness.say(GROUP_ID, ADMIN_ID, "Thôn 3 ngày 10/8 được 7")
    old = harness.last_message_id
    replies = await reply_as(harness, LEADER_ID, "/sua 9", old)
    assert "khóa" in (replies[0].text or "") and daily(harness, day=old_day) == 7
    replies = await reply_as(harness, ADMIN_ID, "/fix 9 theo sổ", old)
    assert daily(harness, day=old_day) == 9
    with harness.db.session() as s:
        thon3 = s.get(repo.Unit, harness.demo.village_ids["Thôn 3"])
        assert thon3 is not None
        assert repo.reported_total(s, thon3, "l2", since=old_day, until=old_day) == 9


# ---- 5. dates without a year; a figure the baseline already holds --------------------------------------


async def test_confirmation_of_a_day_in_last_year_shows_its_year(harness: Harness) -> None:
    harness.clock.set(datetime(2026, 1, 2, 9, 0, tzinfo=TZ))  # within the 3-day lock window of 31/12/2025
    reply = (await harness.say(GROUP_ID, member_id(THON_3), "Thôn 3 ngày 31/12 mức 2 7"))[0]
    text = reply.text or ""
    assert "31/12/2025" in text, text
    assert daily(harness, day=date(2025, 12, 31)) == 7
    # this year's dates stay short
    today = (await harness.say(GROUP_ID, member_id(THON_3), "Thôn 3 hôm qua mức 2 4"))[0].text or ""
    assert "01/01" in today and "01/01/2026" not in today


async def test_zalo_confirmation_of_a_day_in_last_year_shows_its_year(zalo: ZaloHarness) -> None:  # noqa: F811
    an = await zalo.join("An", "Thôn 3")
    zalo.clock.set(datetime(2026, 1, 2, 9, 0, tzinfo=TZ))
    replies = await zalo.say(an, "Thôn 3 ngày 31/12 mức 2 7")
    assert "31/12/2025" in replies[0].text, replies[0].text


async def test_figure_on_or_before_the_baseline_day_says_it_is_not_added(harness: Harness) -> None:
    await harness.say(GROUP_ID, ADMIN_ID, f"/moc Thôn 3 m2 405 {DAY.strftime('%d/%m/%Y')}")
    note = "không cộng thêm vào lũy kế"
    # 13/08 and 14/08 (the baseline day): stored as the day's figure, but the baseline already holds them
    for when, value in (("hôm qua", 9), ("hôm nay", 6)):
        text = (await harness.say(GROUP_ID, member_id(THON_3), f"Thôn 3 {when} mức 2 {value}"))[0].text or ""
        assert note in text and "14/08" in text, text
        assert "lũy kế 405" in text.lower() or "405" in text, text
        assert str(405 + value) not in text, text
    assert daily(harness, day=DAY - timedelta(days=1)) == 9 and daily(harness, day=DAY) == 6
    # a new figure for the baseline day replaces the day's 6: still held, the cumulative does not move
    text = (await harness.say(GROUP_ID, member_id(THON_3), "Thôn 3 hôm nay mức 2 8"))[0].text or ""
    assert note in text and "405" in text and "413" not in text and "407" not in text, text
    assert daily(harness, day=DAY) == 8
    # the day after: counted (405 + 12), no note
    harness.clock.advance(timedelta(days=1))
    text = (await harness.say(GROUP_ID, member_id(THON_3), "Thôn 3 hôm nay mức 2 12"))[0].text or ""
    assert note not in text and "417" in text, text
