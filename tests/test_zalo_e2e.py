"""Zalo e2e: the real runner (poll loop, dispatcher, scheduler, web server) over the Zalo emulator.

A member reports, undoes, confirms an implausible figure by typing XACNHAN, asks for progress; leaders
get the summary on request and the scheduled reminder and summary in their private chat; a Telegram
member links their Zalo account with a one-time code and then reports from Zalo as the same person.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from bot.demo_data import LEADER_ID, member_id
from bot.emulator import Emulator
from bot.emulator.zalo import ZaloEmulator
from bot.zalo.client import ZaloClient
from storage import repo
from storage.models import AuditLog, Chat, Delivery, Member, Report
from tests.helpers.telegram import Harness, start_app, stop_app
from tests.helpers.world import TZ, demo_world, free_port, make_settings
from tests.helpers.zalo import THON_3, ZaloHarness, link, make_runner, start_zalo, stop_zalo

# ---- reporting -----------------------------------------------------------------------------------


async def test_member_reports_undoes_and_reports_again(zalo: ZaloHarness) -> None:
    an = await zalo.join("Nguyễn Văn An", THON_3)
    replies = await zalo.say(an, "Thôn 3 hôm nay 12 mức 2")
    text = replies[0].text
    assert "Thôn 3" in text and "12" in text and "14/08" in text
    assert "417/530" in text  # baseline 405 + 12
    assert "HUY" in text and "Bấm" not in text  # typed words instead of a button
    assert "<b>" not in text and "&lt;" not in text  # plain text, no HTML
    assert zalo.daily(THON_3) == 12

    replies = await zalo.say(an, "huy")
    assert "Đã hủy" in replies[0].text and "12 → 0" in replies[0].text
    assert zalo.daily(THON_3) == 0

    replies = await zalo.say(an, "/baocao 7")  # with the slash, as in Telegram
    assert "7" in replies[0].text
    replies = await zalo.say(an, "báo cáo +5")  # words with diacritics, "+N" adds
    assert "7 → 12" in replies[0].text
    assert zalo.daily(THON_3) == 12
    with zalo.db.session() as s:
        rows = s.scalars(select(Report).where(Report.channel == "zalo")).all()
        assert rows and all(r.chat_id == an.id for r in rows)


async def test_redelivered_update_is_stored_once(zalo: ZaloHarness) -> None:
    an = await zalo.join("An", THON_3)
    mark = zalo.emu.mark()
    message = zalo.emu.say(an, "Thôn 3 hôm nay 9")
    await zalo.emu.wait_for_messages(an.id, since=mark)
    zalo.runner._seen.clear()  # a restarted process: only the database remembers
    zalo.emu.send_raw({"event_name": "message.text.received", "message": message})
    await zalo.emu.wait_idle()
    await asyncio.sleep(0.3)
    assert zalo.daily(THON_3) == 9
    assert len(zalo.emu.sent(an.id, mark)) == 1  # the duplicate is silent


async def test_implausible_number_is_confirmed_by_typing(zalo: ZaloHarness) -> None:
    an = await zalo.join("An", THON_3)
    replies = await zalo.say(an, "Thôn 3 hôm nay 600")
    assert "XACNHAN" in replies[0].text and "HUYBO" in replies[0].text
    assert zalo.daily(THON_3) == 0
    replies = await zalo.say(an, "xác nhận")
    assert "600" in replies[0].text
    assert zalo.daily(THON_3) == 600

    await zalo.say(an, "huy")
    replies = await zalo.say(an, "Thôn 3 hôm nay 700")
    assert "XACNHAN" in replies[0].text
    replies = await zalo.say(an, "HUYBO")
    assert "không ghi" in replies[0].text
    assert zalo.daily(THON_3) == 0
    replies = await zalo.say(an, "XACNHAN")
    assert "Không có báo cáo nào đang chờ" in replies[0].text


async def test_strangers_and_chatter_get_clear_vietnamese_hints(zalo: ZaloHarness) -> None:
    stranger = zalo.emu.user("Người lạ")
    replies = await zalo.say(stranger, "Thôn 3 hôm nay 12")
    assert "dangky" in replies[0].text
    replies = await zalo.say(stranger, "tiendo")
    assert "danh sách tổ" in replies[0].text
    replies = await zalo.say(stranger, "xin chào")
    assert "TROGIUP" in replies[0].text
    replies = await zalo.say(stranger, "trogiup")
    assert "baocao" in replies[0].text and "lienket" in replies[0].text
    an = await zalo.join("An", THON_3)
    replies = await zalo.say(an, "Thôn 99 hôm nay 5")
    assert "Thôn 99" in replies[0].text
    assert zalo.daily(THON_3) == 0


async def test_progress_and_summary(zalo: ZaloHarness) -> None:
    an = await zalo.join("An", THON_3)
    await zalo.say(an, "Thôn 3 hôm nay 12")
    replies = await zalo.say(an, "tiến độ")
    assert "Thôn 3" in replies[0].text and "417" in replies[0].text
    replies = await zalo.say(an, "tonghop")  # members may not
    assert "chỉ dành cho" in replies[0].text

    # the commune leader, on Zalo through a linked account
    leader = zalo.emu.user("Chủ tịch xã Hùng")
    await link(zalo, leader, LEADER_ID)
    mark = zalo.emu.mark()
    zalo.emu.say(leader, "tonghop")
    replies = await zalo.emu.wait_for_messages(leader.id, since=mark)
    text = replies[0].text
    assert "Xã Tân Hòa" in text and "Thôn 3" in text
    assert len(text) <= 2000
    photos = [m for m in await zalo.emu.wait_for_messages(leader.id, 2, since=mark) if m.kind == "photo"]
    assert photos, "the summary chart, sent as a URL the emulator downloaded"
    assert photos[0].photo_url and photos[0].photo_url.startswith(zalo.web_url)
    assert photos[0].photo_bytes and photos[0].photo_bytes.startswith(b"\x89PNG")


async def test_leader_views_chart_and_export_links(zalo: ZaloHarness) -> None:
    an = await zalo.join("An", THON_3)
    await zalo.say(an, "Thôn 3 hôm nay 12")
    leader = zalo.emu.user("Chủ tịch xã Hùng")
    await link(zalo, leader, LEADER_ID)
    await asyncio.sleep(0.3)

    replies = await zalo.say(leader, "xep hang")
    assert "Thôn 3" in replies[0].text and "<b>" not in replies[0].text
    replies = await zalo.say(leader, "chưa báo cáo")
    assert "Thôn Đồng Tâm" in replies[0].text and "11/12" in replies[0].text
    replies = await zalo.say(leader, "tiendo Thôn 99")
    assert "Thôn 99" in replies[0].text

    mark = zalo.emu.mark()
    zalo.emu.say(leader, "bieudo")
    photo = (await zalo.emu.wait_for_messages(leader.id, since=mark))[0]
    assert photo.kind == "photo" and photo.photo_url and photo.photo_url.startswith(zalo.web_url)
    assert photo.photo_bytes and photo.photo_bytes.startswith(b"\x89PNG") and "Xã Tân Hòa" in (photo.caption or "")

    replies = await zalo.say(leader, "xuat")
    text = replies[0].text
    url = next(w for w in text.split() if w.startswith("http"))
    assert url.startswith(zalo.web_url) and url.endswith(".xlsx")
    async with httpx.AsyncClient() as http:
        r = await http.get(url)
        assert r.status_code == 200 and r.content.startswith(b"PK")  # a zip: the workbook
        tampered = url.replace("/zalo/f/", "/zalo/f/x")
        assert (await http.get(tampered)).status_code == 403
    replies = await zalo.say(leader, "xuat csv")
    url = next(w for w in replies[0].text.split() if w.startswith("http"))
    async with httpx.AsyncClient() as http:
        r = await http.get(url)
        assert r.status_code == 200 and "Thôn 3" in r.content.decode("utf-8-sig")
    # links expire
    from datetime import timedelta

    zalo.clock.advance(timedelta(days=3))
    async with httpx.AsyncClient() as http:
        assert (await http.get(url)).status_code == 403


async def test_long_replies_are_split_at_2000_characters(zalo: ZaloHarness) -> None:
    admin = zalo.emu.user("Cán bộ xã")
    await link(zalo, admin, 1000)
    mark = zalo.emu.mark()
    zalo.emu.say(admin, "trogiup")
    replies = await zalo.emu.wait_for_messages(admin.id, since=mark)
    await asyncio.sleep(0.3)
    replies = zalo.emu.sent(admin.id, mark)
    assert all(0 < len(m.text) <= 2000 for m in replies)
    assert "Quản trị" in "\n".join(m.text for m in replies)


# ---- groups --------------------------------------------------------------------------------------


async def test_group_sees_mentions_only_and_binds_to_a_unit(zalo: ZaloHarness) -> None:
    an = await zalo.join("An", THON_3)
    leader = zalo.emu.user("Trưởng Thôn 3")
    await link(zalo, leader, member_id(3, second=True))
    group = zalo.emu.group("Tổ CNS Thôn 3", [an, leader])
    zalo.emu.send_message(group, an, "Thôn 3 hôm nay 4")  # no mention: Zalo does not deliver it
    await asyncio.sleep(0.3)
    assert zalo.daily(THON_3) == 0 and zalo.emu.dropped
    replies = await zalo.in_group(group, an, "Thôn 3 hôm nay 4")
    assert "Thôn 3" in replies[0].text
    assert zalo.daily(THON_3) == 4

    replies = await zalo.in_group(group, leader, "lienket th-3")
    assert "Thôn 3" in replies[0].text
    with zalo.db.session() as s:
        chat = repo.chat_by_external(s, "zalo", group)
        assert chat is not None and chat.unit_id == zalo.demo.village_ids[THON_3]
    replies = await zalo.in_group(group, leader, "tonghop", count=2)  # the text, then the chart
    assert "Thôn 3" in replies[0].text and replies[1].kind == "photo"
    # a reply to one of the bot's messages reaches it without a mention
    mark = zalo.emu.mark()
    zalo.emu.send_message(group, an, "huy", reply_to=replies[0].message_id)
    undone = await zalo.emu.wait_for_messages(group, since=mark)
    assert "Đã hủy" in undone[0].text and zalo.daily(THON_3) == 0


# ---- linking -------------------------------------------------------------------------------------


async def test_wrong_link_codes_are_refused_and_limited(zalo: ZaloHarness) -> None:
    user = zalo.emu.user("Kẻ đoán mã")
    for _ in range(5):
        replies = await zalo.say(user, "lienket 000000")
        assert "không đúng" in replies[0].text
    replies = await zalo.say(user, "lienket 000001")
    assert "sai mã nhiều lần" in replies[0].text
    with zalo.db.session() as s:
        refused = s.scalar(select(func.count()).select_from(AuditLog).where(AuditLog.outcome == "refused",
                                                                           AuditLog.action == "member.link"))
        assert refused == 6


async def test_link_code_is_single_use_and_expires(zalo: ZaloHarness) -> None:
    from datetime import timedelta

    from bot.zalo.linking import LinkService

    links = LinkService(zalo.svc)
    code = links.new_code(zalo.svc.caller("telegram", member_id(3), "")).code
    assert code
    first, second = zalo.emu.user("A"), zalo.emu.user("B")
    assert "Đã liên kết" in (await zalo.say(first, f"lienket {code}"))[0].text
    assert "không đúng" in (await zalo.say(second, f"lienket {code}"))[0].text
    code2 = links.new_code(zalo.svc.caller("telegram", member_id(4), "")).code
    zalo.clock.advance(timedelta(minutes=11))
    assert "không đúng" in (await zalo.say(second, f"lienket {code2}"))[0].text


@pytest.fixture
async def both(tmp_path: Path) -> AsyncIterator[tuple[Harness, ZaloHarness]]:
    """Telegram (emulator + the real PTB app) and Zalo (emulator + runner) on ONE database and clock."""
    tg = Emulator("123456:TEST-token-for-the-emulator-0000")
    await tg.start()
    zemu = ZaloEmulator()
    await zemu.start()
    w = demo_world(tmp_path)
    url, db, demo, clock = w.url, w.db, w.demo, w.clock
    settings = make_settings(url, tg, channels="both", zalo_bot_token=zemu.token, zalo_api_base_url=zemu.base_url)
    app = await start_app(settings, db, clock)
    h = Harness(tg, app, db, clock, demo)
    runner = await make_runner(app.bot_data["container"], zemu, free_port(), None)  # one process: one container
    z = ZaloHarness(zemu, runner, h.svc, db, clock, demo, "")
    try:
        yield h, z
    finally:
        await runner.stop()
        await stop_app(app)
        await zemu.stop()
        await tg.stop()
        db.dispose()


async def test_one_person_on_both_channels(both: tuple[Harness, ZaloHarness]) -> None:
    h, z = both
    uid = member_id(3)
    replies = await h.say(-100500, uid, "/lienketzalo")  # in a group: refused, the code would be public
    assert "nhắn riêng" in (replies[0].text or "")
    replies = await h.say(uid, uid, "/lienketzalo")
    text = replies[0].text or ""
    code = next(w for w in text.replace("<b>", " ").replace("</b>", " ").split() if w.isdigit() and len(w) == 6)

    zalo_user = z.emu.user("An trên Zalo")
    zreplies = await z.say(zalo_user, f"lienket {code}")
    assert "Tổ viên Thôn 3" in zreplies[0].text and "Thôn 3" in zreplies[0].text

    # a report from Zalo counts for the Telegram member; /huy on Telegram undoes it
    zreplies = await z.say(zalo_user, "Thôn 3 hôm nay 6")
    assert "411/530" in zreplies[0].text
    with h.db.session() as s:
        row = s.scalars(select(Report).where(Report.channel == "zalo")).one()
        tg_member = repo.member_by_external(s, "telegram", str(uid))
        assert tg_member is not None and row.reporter_id == tg_member.id
        linked = repo.member_by_external(s, "zalo", zalo_user.id)
        assert linked is not None and linked.linked_member_id == tg_member.id and not linked.active
    replies = await h.say(uid, uid, "/huy")
    assert "6 → 0" in (replies[0].text or "")
    assert z.daily(THON_3) == 0
    zreplies = await z.say(zalo_user, "hủy liên kết zalo")
    assert "Đã hủy liên kết" in zreplies[0].text
    zreplies = await z.say(zalo_user, "Thôn 3 hôm nay 6")
    assert "dangky" in zreplies[0].text  # a stranger again
    assert z.daily(THON_3) == 0
    # the roster still lists the person once
    with h.db.session() as s:
        active = s.scalar(select(func.count()).select_from(Member).where(
            Member.unit_id == h.demo.village_ids[THON_3], Member.active.is_(True)))
        assert active == 2


# ---- scheduled reminders and summaries ---------------------------------------------------------------


async def test_leader_gets_reminder_and_summary_in_private_chat(zalo: ZaloHarness) -> None:
    leader = zalo.emu.user("Chủ tịch xã Hùng")
    await link(zalo, leader, LEADER_ID)
    await asyncio.sleep(0.3)  # the "you will receive reminders here" note
    with zalo.db.session() as s:
        chat = repo.chat_by_external(s, "zalo", leader.id)
        assert chat is not None and chat.unit_id == zalo.demo.commune_id
    an = await zalo.join("An", THON_3)
    await zalo.say(an, "Thôn 3 hôm nay 12")

    sched = zalo.runner.scheduler
    zalo.clock.set(datetime(2025, 8, 14, 16, 31, tzinfo=TZ))
    mark = zalo.emu.mark()
    report = await sched.tick()
    assert report.sent >= 1, report
    reminder = [m for m in zalo.emu.sent(leader.id, mark) if m.kind == "text"]
    assert reminder and "Thôn Đồng Tâm" in reminder[0].text and "Thôn 3" not in reminder[0].text.split("\n")[0]
    assert "tg://" not in reminder[0].text and "<a" not in reminder[0].text

    zalo.clock.set(datetime(2025, 8, 14, 20, 1, tzinfo=TZ))
    mark = zalo.emu.mark()
    report = await sched.tick()
    assert report.sent >= 1, report
    texts = [m for m in zalo.emu.sent(leader.id, mark) if m.kind == "text"]
    assert texts and "Xã Tân Hòa" in texts[0].text and "Thôn 3" in texts[0].text
    photos = [m for m in zalo.emu.sent(leader.id, mark) if m.kind == "photo"]
    assert photos, "a chart URL on the bot's own web server, downloaded by 'Zalo'"
    assert photos[0].photo_bytes and photos[0].photo_bytes.startswith(b"\x89PNG")
    assert photos[0].photo_url and "/zalo/f/" in photos[0].photo_url

    # exactly once: another tick sends nothing more, and the outbox says sent
    mark = zalo.emu.mark()
    await sched.tick()
    assert zalo.emu.sent(leader.id, mark) == []
    with zalo.db.session() as s:
        rows = s.scalars(select(Delivery).join(Chat, Chat.id == Delivery.chat_id).where(Chat.channel == "zalo")).all()
        assert {r.kind for r in rows} >= {"reminder", "daily"} and all(r.status in ("sent", "skipped") for r in rows)


async def test_failed_delivery_is_retried_and_lich_tat_stops_them(zalo: ZaloHarness) -> None:
    leader = zalo.emu.user("Trưởng Thôn 3")
    await link(zalo, leader, member_id(3, second=True))
    await asyncio.sleep(0.3)
    sched = zalo.runner.scheduler
    zalo.emu.fail_next("sendMessage", 500, times=10)
    zalo.clock.set(datetime(2025, 8, 14, 20, 1, tzinfo=TZ))
    report = await sched.tick()
    assert report.failed == 1 and report.sent == 0
    zalo.clock.set(datetime(2025, 8, 14, 20, 10, tzinfo=TZ))  # after the backoff
    zalo.emu._faults.clear()
    mark = zalo.emu.mark()
    report = await sched.tick()
    assert report.sent == 1
    assert "Thôn 3" in zalo.emu.sent(leader.id, mark)[0].text

    replies = await zalo.say(leader, "lich tat")
    assert "Đã tắt" in replies[0].text
    zalo.clock.set(datetime(2025, 8, 15, 20, 1, tzinfo=TZ))
    mark = zalo.emu.mark()
    report = await sched.tick()
    assert report.due == 0 and zalo.emu.sent(leader.id, mark) == []


# ---- webhook mode ----------------------------------------------------------------------------------


async def test_webhook_mode_checks_the_secret(tmp_path: Path) -> None:
    h = await start_zalo(tmp_path, ZaloEmulator(), secret="s3cret-for-tests")
    emu, demo, web_url = h.emu, h.demo, h.web_url
    try:
        assert emu.webhook is not None and emu.webhook["url"] == f"{web_url}/zalo/webhook"
        an = emu.user("An")
        mark = emu.mark()
        emu.say(an, f"dangky {demo.join_codes[THON_3]}")
        replies = await emu.wait_for_messages(an.id, since=mark)
        assert "Thôn 3" in replies[0].text
        assert emu.webhook_log and emu.webhook_log[0][0] == 200
        async with httpx.AsyncClient() as http:
            bad = await http.post(f"{web_url}/zalo/webhook", json={"event_name": "message.text.received"},
                                  headers={"X-Bot-Api-Secret-Token": "wrong"})
            assert bad.status_code == 401
            none = await http.post(f"{web_url}/zalo/webhook", json={})
            assert none.status_code == 401
            forged = await http.get(f"{web_url}/zalo/f/abc.def/chart.png")
            assert forged.status_code == 403
        assert emu.calls("getUpdates") == []
    finally:
        await stop_zalo(h)


async def test_zalo_403_is_retried_and_never_switches_a_chat_off(zalo: ZaloHarness) -> None:
    """Zalo's 403 is "internal server error" (not "blocked"): the delivery is retried, the chat stays on."""
    leader = zalo.emu.user("Trưởng Thôn 5")
    await link(zalo, leader, member_id(4, second=True))
    await asyncio.sleep(0.3)
    zalo.emu.fail_next("sendMessage", 403, times=3, body={"ok": False, "error_code": 403,
                                                          "description": "Internal server error"})
    zalo.clock.set(datetime(2025, 8, 14, 20, 1, tzinfo=TZ))
    report = await zalo.runner.scheduler.tick()
    assert report.disabled == 0 and report.failed == 1
    with zalo.db.session() as s:
        chat = repo.chat_by_external(s, "zalo", leader.id)
        assert chat is not None and chat.active
    zalo.clock.set(datetime(2025, 8, 14, 20, 15, tzinfo=TZ))  # after the backoff
    mark = zalo.emu.mark()
    report = await zalo.runner.scheduler.tick()
    assert report.sent == 1 and "Thôn 5" in zalo.emu.sent(leader.id, mark)[0].text


async def test_unknown_chat_is_retried_and_logged_not_switched_off(zalo: ZaloHarness,
                                                                   caplog: pytest.LogCaptureFixture) -> None:
    """No public source documents Zalo's code for a removed bot / unknown chat: be conservative."""
    leader = zalo.emu.user("Trưởng Thôn 5")
    await link(zalo, leader, member_id(4, second=True))
    await asyncio.sleep(0.3)
    zalo.emu.fail_next("sendMessage", 404, times=20, body={"ok": False, "error_code": 404,
                                                           "description": "Not found: chat not found"})
    zalo.clock.set(datetime(2025, 8, 14, 20, 1, tzinfo=TZ))
    with caplog.at_level("WARNING"):
        report = await zalo.runner.scheduler.tick()
    assert report.disabled == 0 and report.failed == 1
    assert any("chat not found" in r.getMessage() for r in caplog.records)
    with zalo.db.session() as s:
        chat = repo.chat_by_external(s, "zalo", leader.id)
        assert chat is not None and chat.active and chat.disabled_reason is None


async def test_emulator_free_plan_limits(tmp_path: Path) -> None:
    from bot.emulator.zalo import ZaloLimits

    emu = ZaloEmulator(limits=ZaloLimits(users=2, monthly_messages=1))
    emu.buffer_while_offline = True  # no bot polls in this test: keep the messages to count them
    await emu.start()
    client = ZaloClient(emu.token, emu.base_url, retries=0)
    try:
        a, b, c = emu.user("A"), emu.user("B"), emu.user("C")
        for u in (a, b, c):
            emu.say(u, "xin chào")
        assert emu.pending_updates == 2 and len(emu.dropped) == 1  # the third user never reaches the bot
        await client.send_message(a.id, "một")
        from bot.zalo.client import ZaloError

        with pytest.raises(ZaloError) as info:
            await client.send_message(b.id, "hai")
        assert info.value.code == 429
    finally:
        await client.aclose()
        await emu.stop()
