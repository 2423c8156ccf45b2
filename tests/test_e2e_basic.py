"""Foundation e2e: the real bot over HTTP against the emulator, in a group and in private."""

from __future__ import annotations

from bot.demo_data import GROUP_ID, LEADER_ID, member_id
from tests.helpers.telegram import Harness


async def test_start_in_private_for_stranger(harness: Harness) -> None:
    replies = await harness.say(555, 555, "/start")
    assert "/dangky" in replies[0].content
    assert replies[0].chat_id == 555


async def test_start_and_help_in_group(harness: Harness) -> None:
    replies = await harness.say(GROUP_ID, member_id(0), "/start")
    assert "Bot đã sẵn sàng" in replies[0].content
    replies = await harness.say(GROUP_ID, member_id(0), "/help")
    text = replies[0].content
    assert "Cách báo cáo" in text and "/baocao" in text
    assert "/donvi" not in text  # admin commands are not shown to a plain member
    replies = await harness.say(GROUP_ID, LEADER_ID, "/trogiup@VneidTestBot")
    assert "/huy" in replies[0].content
    assert "/xephang" not in text  # nor leader commands


async def test_unknown_command_gets_hint(harness: Harness) -> None:
    replies = await harness.say(GROUP_ID, member_id(0), "/khongco")
    assert "/khongco" in replies[0].content and "/trogiup" in replies[0].content


async def test_command_for_another_bot_is_ignored(harness: Harness) -> None:
    assert await harness.say_quiet(GROUP_ID, member_id(0), "/start@OtherBot") == []


async def test_command_menus_registered(harness: Harness) -> None:
    vi = [c["command"] for c in harness.emu.get_commands("default", "")]
    en = [c["command"] for c in harness.emu.get_commands("default", "en")]
    assert "baocao" in vi and "report" in en
    admin_vi = [c["command"] for c in harness.emu.get_commands("all_chat_administrators", "")]
    assert "baocao" in admin_vi


async def test_member_only_command_refused_for_stranger(harness: Harness) -> None:
    replies = await harness.say(777, 777, "/huy")
    assert "/dangky" in replies[0].content


async def test_help_for_one_command_shows_its_usage(harness: Harness) -> None:
    replies = await harness.say(GROUP_ID, member_id(0), "/help baocao")
    assert "/baocao Thôn 3 12 m2" in (replies[0].content or "")
    replies = await harness.say(GROUP_ID, member_id(0), "/trogiup khongco")
    assert "Không có lệnh" in (replies[0].content or "")
