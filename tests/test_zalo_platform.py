"""Zalo Bot Platform within its real limits (issue 14 A): group mentions with the real getMe, the bot's own
messages, error semantics, no replay after downtime, the monthly quota and budget modes, disclosure.

The real runner over the Zalo emulator, with payloads shaped like Zalo's (getMe without a display name,
"@<full display name>" in group texts, the bot's own messages echoed back with its id).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.channels.zalo.client import ZaloClient, ZaloError
from bot.channels.zalo.text import strip_mention
from bot.demo_data import ADMIN_ID, member_id
from bot.emulator.zalo import ZaloEmulator, ZaloLimits
from storage.models import SendCounter
from tests.helpers.world import TZ, free_port
from tests.helpers.zalo import THON_3, ZaloHarness, link, make_runner, start_zalo, stop_zalo

DISPLAY = "Bot VNeID Tân Hòa"
ACCOUNT_NAME = "bot.VDKyGxQvc"
REAL_GETME = {"id": "1459232241454765289", "account_name": ACCOUNT_NAME, "account_type": "BASIC",
              "can_join_groups": True}


@pytest.fixture
async def named(tmp_path: Path) -> AsyncIterator[ZaloHarness]:
    """A bot whose display name has several words, configured in ZALO_BOT_DISPLAY_NAME."""
    h = await start_zalo(tmp_path, ZaloEmulator(bot_name=DISPLAY, account_name="bot.VDKyGxQvc"),
                      zalo_bot_display_name=DISPLAY)
    try:
        yield h
    finally:
        await stop_zalo(h)


# ---- 1. group mentions ----------------------------------------------------------------------------------


def test_whole_multiword_mention_is_stripped() -> None:
    names = (DISPLAY, ACCOUNT_NAME)
    assert strip_mention("@Bot VNeID Tân Hòa lienket th-3", names) == "lienket th-3"
    assert strip_mention("@bot vneid tân hòa   Thôn 3 hôm nay 12", names) == "Thôn 3 hôm nay 12"
    # decomposed (NFD) diacritics typed in the setting still match Zalo's NFC text
    import unicodedata
    assert strip_mention("@Bot VNeID Tân Hòa tiendo", (unicodedata.normalize("NFD", DISPLAY),)) == "tiendo"
    # only what getMe gives (the account name): before the fix this left "VNeID Tân Hòa lienket th-3";
    # now a command word after the name is still found
    assert strip_mention("@Bot VNeID Tân Hòa lienket th-3", (ACCOUNT_NAME,)) == "lienket th-3"


async def test_emulator_getme_has_the_real_shape(named: ZaloHarness) -> None:
    client = ZaloClient(named.emu.token, named.emu.base_url)
    me = await client.get_me()
    await client.aclose()
    assert set(me) == set(REAL_GETME) and "display_name" not in me


async def test_group_commands_and_reports_after_a_multiword_mention(named: ZaloHarness) -> None:
    an = await named.join("An", THON_3)
    leader = named.emu.user("Trưởng Thôn 3")
    await link(named, leader, member_id(3, second=True))
    group = named.emu.group("Tổ CNS Thôn 3", [an, leader])
    replies = await named.in_group(group, leader, "lienket th-3")  # "@Bot VNeID Tân Hòa lienket th-3"
    assert named.emu.sent(group)[0].text == replies[0].text and "Thôn 3" in replies[0].text
    with named.db.session() as s:
        from storage import repo
        chat = repo.chat_by_external(s, "zalo", group)
        assert chat is not None and chat.unit_id == named.demo.village_ids[THON_3]
    replies = await named.in_group(group, an, "Thôn 3 hôm nay 7")
    assert named.daily(THON_3) == 7, replies[0].text
    replies = await named.in_group(group, leader, "tiendo")
    assert "Thôn 3" in replies[0].text and "chưa hiểu" not in replies[0].text


# ---- 2. the bot's own messages --------------------------------------------------------------------------


async def test_own_messages_coming_back_are_never_answered(tmp_path: Path) -> None:
    h = await start_zalo(tmp_path, ZaloEmulator(echo_own=True, bot_name=DISPLAY), zalo_bot_display_name=DISPLAY)
    try:
        an = await h.join("An", THON_3)
        mark = h.emu.mark()
        h.emu.say(an, "Thôn 3 hôm nay 12")
        await h.emu.wait_for_messages(an.id, 1, since=mark)
        for _ in range(3):  # the echo of the bot's reply is handled (and ignored) by now
            await h.emu.wait_idle(10)
            await asyncio.sleep(0.2)
        assert len(h.emu.sent(an.id, mark)) == 1, [m.text for m in h.emu.sent(an.id, mark)]
        assert h.daily(THON_3) == 12
    finally:
        await stop_zalo(h)


# ---- 4. no replay after downtime ------------------------------------------------------------------------


async def test_messages_sent_while_the_bot_is_down_are_lost_not_replayed(tmp_path: Path) -> None:
    h = await start_zalo(tmp_path, ZaloEmulator())
    try:
        an = await h.join("An", THON_3)
        await h.runner.stop()
        h.emu.go_offline()
        h.emu.say(an, "Thôn 3 hôm nay 9")  # nobody polls: Zalo keeps nothing
        assert h.emu.pending_updates == 0 and h.emu.dropped
        mark = h.emu.mark()
        h.runner = await make_runner(h.svc, h.emu, free_port(), h.web_url)
        await h.emu.wait_idle(10)
        await asyncio.sleep(0.3)
        assert h.daily(THON_3) == 0 and h.emu.sent(an.id, mark) == []  # nothing replayed, nothing answered
        replies = await h.say(an, "Thôn 3 hôm nay 9")  # sent again once the bot is back: stored
        assert h.daily(THON_3) == 9, replies[0].text
    finally:
        await stop_zalo(h)


# ---- 5. quota: counted per bot per month, 80 % warning, 429 stops and resumes next month ------------------


def sent_counted(h: ZaloHarness) -> int:
    with h.db.session() as s:
        return sum(s.scalars(select(SendCounter.sent).where(SendCounter.channel == "zalo")))


async def settled(h: ZaloHarness) -> None:
    """The bot counts a send right after Zalo answered it: wait until it took its next update."""
    await h.emu.wait_idle(10)
    for _ in range(100):
        if sent_counted(h) >= len(h.emu.sent()):
            return
        await asyncio.sleep(0.05)


async def test_sends_are_counted_admins_warned_once_and_429_stops_until_next_month(tmp_path: Path) -> None:
    emu = ZaloEmulator(limits=ZaloLimits(monthly_messages=12))
    h = await start_zalo(tmp_path, emu, zalo_monthly_messages=10, zalo_quota_warn_percent=80)
    try:
        admin = h.emu.user("Cán bộ xã Lan")
        await link(h, admin, ADMIN_ID)  # a Zalo admin: told in the private chat
        an = await h.join("An", THON_3)
        for n in range(1, 7):  # link + join + 6 confirmations = 8 sends = 80 % of 10
            await h.say(an, f"Thôn 3 hôm nay {n}")
        await settled(h)
        assert sent_counted(h) == len(h.emu.sent()) == 9  # every message the bot sent is counted (+ warning)
        warnings = [m for m in h.emu.sent(admin.id) if "tin nhắn trong tháng 08/2025" in m.text]
        assert len(warnings) == 1, [m.text for m in h.emu.sent(admin.id)]
        for n in range(7, 10):
            await h.say(an, f"Thôn 3 hôm nay {n}")
        await settled(h)
        assert len([m for m in h.emu.sent(admin.id) if "tin nhắn trong tháng" in m.text]) == 1  # once
        # Zalo's own cap (12) is reached: its 429 stops the bot — no retry, no more requests this month
        assert len(h.emu.sent()) == 12
        before = len(h.emu.calls("sendMessage"))
        await h.say_quiet(an, "Thôn 3 hôm nay 10")
        await h.say_quiet(an, "Thôn 3 hôm nay 11")
        assert len(h.emu.calls("sendMessage")) == before + 1  # one refused request, then none
        assert h.daily(THON_3) == 11  # reports are stored whatever the quota
        with h.db.session() as s:
            row = s.scalar(select(SendCounter))
            assert row is not None and row.exhausted_at is not None and row.period == "2025-08"
        client = h.runner.bp  # the ZaloClient
        with pytest.raises(ZaloError) as info:
            await client.send_message(an.id, "x")
        assert info.value.quota
        # next month: sending resumes by itself
        h.emu._month_sent = 0
        h.clock.set(datetime(2025, 9, 1, 8, 0, tzinfo=TZ))
        replies = await h.say(an, "Thôn 3 hôm nay 2")
        assert "Thôn 3" in replies[0].text
    finally:
        await stop_zalo(h)


# ---- 5b. budget modes per group -------------------------------------------------------------------------


async def test_budget_modes_batch_or_drop_group_confirmations(named: ZaloHarness) -> None:
    an = await named.join("An", THON_3)
    binh = await named.join("Bình", THON_3)
    leader = named.emu.user("Trưởng Thôn 3")
    await link(named, leader, member_id(3, second=True))
    group = named.emu.group("Tổ CNS Thôn 3", [an, binh, leader])
    await named.in_group(group, leader, "lienket th-3")
    replies = await named.in_group(group, an, "tietkiem gop")  # a member may not
    assert "gộp xác nhận" not in replies[0].text
    replies = await named.in_group(group, leader, "tietkiem gop")
    assert "gộp xác nhận" in replies[0].text
    mark = named.emu.mark()
    for text in ("Thôn 3 hôm nay 3", "Thôn 3 hôm qua 4"):  # two reports (one reporter: no add-or-total question)
        named.emu.send_message(group, an, text, mention=True)
        await named.emu.wait_idle(10)
    await asyncio.sleep(0.3)
    assert named.emu.sent(group, mark) == [] and named.daily(THON_3) == 3  # stored, not yet confirmed
    await named.runner.flush_batches()
    batch = named.emu.sent(group, mark)
    assert len(batch) == 1 and batch[0].text.count("Thôn 3") >= 2, batch[0].text

    replies = await named.in_group(group, leader, "tietkiem tonghop")
    assert "chỉ gửi tổng hợp" in replies[0].text
    mark = named.emu.mark()
    named.emu.send_message(group, an, "Thôn 3 hôm nay 5", mention=True)
    await named.emu.wait_idle(10)
    await asyncio.sleep(0.3)
    await named.runner.flush_batches()
    assert named.emu.sent(group, mark) == [] and named.daily(THON_3) == 5  # An's new figure replaces hers
    replies = await named.in_group(group, an, "tiendo")  # questions are still answered
    assert "Thôn 3" in replies[0].text


# ---- 6. disclosure --------------------------------------------------------------------------------------


async def test_start_and_help_say_it_is_an_automated_system(named: ZaloHarness) -> None:
    stranger = named.emu.user("Khách")
    for word in ("start", "trogiup"):
        replies = await named.say(stranger, word)
        assert "trợ lý tự động" in replies[0].text, replies[0].text
