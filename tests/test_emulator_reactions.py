"""setMessageReaction in the Bot API emulator (bot/emulator/reactions.py), with PTB's telegram.Bot and raw
HTTP: the allowed emoji, True, REACTION_INVALID, a wrong message, one reaction per message, a chat that
allows none, the flood limits, the record tests read and the control API."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from telegram import Bot, ReactionTypeCustomEmoji, ReactionTypeEmoji
from telegram.constants import ReactionEmoji
from telegram.error import BadRequest

from bot.emulator import ControlClient, Emulator, Limits, User
from bot.emulator.reactions import ALLOWED

GROUP = -1001
AN = User(101, "An")


@pytest.fixture
async def emu() -> AsyncIterator[Emulator]:
    emulator = Emulator(limits=Limits.off())
    await emulator.start()
    emulator.group_chat(GROUP, "Tổ CNS", members=[AN])
    try:
        yield emulator
    finally:
        await emulator.stop()


@pytest.fixture
async def bot(emu: Emulator) -> AsyncIterator[Bot]:
    async with Bot(emu.token, base_url=emu.base_url, base_file_url=emu.base_file_url) as tg_bot:
        yield tg_bot


def _said(emu: Emulator, text: str = "Thôn 3 hôm nay 12") -> int:
    return int(emu.send_message(GROUP, AN, text)["message_id"])


def test_the_allowed_list_is_the_bot_apis() -> None:
    assert {e.value.replace("\ufe0f", "") for e in ReactionEmoji} == ALLOWED
    assert "👍" in ALLOWED


async def test_a_thumbs_up_answers_true_and_is_recorded(emu: Emulator, bot: Bot) -> None:
    mid = _said(emu)
    assert await bot.set_message_reaction(GROUP, mid, ReactionTypeEmoji("👍")) is True
    assert emu.reactions_on(GROUP, mid) == ["👍"]
    assert [(r["chat_id"], r["message_id"], r["emoji"]) for r in emu.reaction_log(GROUP)] == [(GROUP, mid, ["👍"])]
    assert await bot.set_message_reaction(GROUP, mid, ReactionTypeEmoji("👍")) is True  # the same again: fine
    assert await bot.set_message_reaction(GROUP, mid, []) is True  # an empty list removes it
    assert emu.reactions_on(GROUP, mid) == [] and len(emu.reaction_log(GROUP)) == 3
    assert emu.sent(GROUP) == []  # a reaction is no message


async def test_refusals_as_telegram_words_them(emu: Emulator, bot: Bot) -> None:
    mid = _said(emu)
    with pytest.raises(BadRequest, match="Reaction_invalid"):
        await bot.set_message_reaction(GROUP, mid, ReactionTypeEmoji("🦆"))  # not in the list
    with pytest.raises(BadRequest, match="Reaction_invalid"):
        await bot.set_message_reaction(GROUP, mid, ReactionTypeCustomEmoji("5368324170671202286"))
    with pytest.raises(BadRequest, match="Message to react not found"):
        await bot.set_message_reaction(GROUP, mid + 50, ReactionTypeEmoji("👍"))
    with pytest.raises(BadRequest, match="Reactions_too_many"):
        await bot.set_message_reaction(GROUP, mid, [ReactionTypeEmoji("👍"), ReactionTypeEmoji("🔥")])
    with pytest.raises(BadRequest, match="Chat not found"):
        await bot.set_message_reaction(-999, mid, ReactionTypeEmoji("👍"))
    assert emu.reaction_log() == [] and emu.reactions_on(GROUP, mid) == []


async def test_a_chat_that_allows_no_reactions_refuses_them(emu: Emulator, bot: Bot) -> None:
    mid = _said(emu)
    emu.set_available_reactions(GROUP, [])
    with pytest.raises(BadRequest, match="Reaction_invalid"):
        await bot.set_message_reaction(GROUP, mid, ReactionTypeEmoji("👍"))
    emu.set_available_reactions(GROUP, ["❤"])
    assert await bot.set_message_reaction(GROUP, mid, ReactionTypeEmoji("❤️")) is True  # VS16 or not: one emoji
    emu.set_available_reactions(GROUP, None)
    assert await bot.set_message_reaction(GROUP, mid, ReactionTypeEmoji("👍")) is True


async def test_a_deleted_message_cannot_be_reacted_to(emu: Emulator, bot: Bot) -> None:
    mid = _said(emu)
    emu.set_bot_status(GROUP, "administrator")
    assert await bot.delete_message(GROUP, mid)
    with pytest.raises(BadRequest, match="Message to react not found"):
        await bot.set_message_reaction(GROUP, mid, ReactionTypeEmoji("👍"))


async def test_reactions_count_against_the_group_limit_like_sends() -> None:
    emu = Emulator(limits=Limits(group_per_window=3, group_window=60.0))
    await emu.start()
    try:
        emu.group_chat(GROUP, "Tổ CNS", members=[AN])
        ids = [_said(emu, f"Thôn 3 hôm nay {i}") for i in range(3)]
        async with httpx.AsyncClient(base_url=f"{emu.base_url}{emu.token}/") as http:
            sent = (await http.post("sendMessage", json={"chat_id": GROUP, "text": "x"})).json()
            answers = [(await http.post("setMessageReaction", json={
                "chat_id": GROUP, "message_id": mid, "reaction": [{"type": "emoji", "emoji": "👍"}]})).json()
                for mid in ids]
        assert sent["ok"] and [a["ok"] for a in answers] == [True, True, False]
        assert answers[0]["result"] is True
        assert answers[2]["error_code"] == 429 and answers[2]["parameters"]["retry_after"] >= 1
        assert len(emu.reaction_log(GROUP)) == 2
    finally:
        await emu.stop()


async def test_reactions_can_be_left_out_of_the_group_window() -> None:
    """The assumption TELEGRAM_REACTION_LIMITS=token plays: the token's window counts a reaction, its group's not."""
    emu = Emulator(limits=Limits(group_per_window=1, group_window=60.0, global_per_window=4,
                                 group_counted_methods=frozenset({"sendMessage"})))
    await emu.start()
    try:
        emu.group_chat(GROUP, "Tổ CNS", members=[AN])
        ids = [_said(emu, f"Thôn 3 hôm nay {i}") for i in range(4)]
        async with httpx.AsyncClient(base_url=f"{emu.base_url}{emu.token}/") as http:
            answers = [(await http.post("setMessageReaction", json={
                "chat_id": GROUP, "message_id": mid, "reaction": [{"type": "emoji", "emoji": "👍"}]})).json()
                for mid in ids]
            sent = (await http.post("sendMessage", json={"chat_id": GROUP, "text": "x"})).json()
        assert [a["ok"] for a in answers] == [True, True, True, True]  # past the group's 1, within the token's 4
        assert sent["error_code"] == 429  # the token's window is full
    finally:
        await emu.stop()


async def test_the_control_api_reads_reactions_and_sets_what_a_chat_allows(emu: Emulator, bot: Bot) -> None:
    mid = _said(emu)
    async with ControlClient(emu.url) as control:
        assert await control.allow_reactions(GROUP, [])
        with pytest.raises(BadRequest):
            await bot.set_message_reaction(GROUP, mid, ReactionTypeEmoji("👍"))
        assert await control.allow_reactions(GROUP, None)
        await bot.set_message_reaction(GROUP, mid, ReactionTypeEmoji("👍"))
        log = await control.reactions(GROUP)
    assert [(r["message_id"], r["emoji"]) for r in log] == [(mid, ["👍"])]
