"""The "reaction" confirmation style (issue 16 item 8, bot/core/confirm.py, docs/telegram-limits.md): the real PTB
Application over the Bot API emulator. A plain stored report in such a group gets 👍 and no reply, and shows
in exactly one digest; refusals, questions, corrections and /huy still get their reply; default chats are
unchanged; a reaction Telegram refuses becomes the usual reply; Zalo keeps replying and says why."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select
from telegram.ext import AIORateLimiter

from bot.channels.telegram.ratelimit import ReactionAwareRateLimiter, ReactionLimits
from bot.demo_data import ADMIN_ID, GROUP_ID, LEADER_ID, member_id
from bot.present.digest import digest
from handlers.reactions import run_digests
from storage import confirm_repo, repo
from storage.confirm_repo import DigestLine
from storage.models import Chat, ConfirmDigest
from tests.helpers.telegram import DAY, Harness, texts
from tests.helpers.world import TZ
from tests.helpers.zalo import THON_3, ZaloHarness, link

DONG_TAM, THON_3_IDX, THON_5 = 0, 3, 4  # village indexes in bot.demo_data.VILLAGES


@pytest.fixture(autouse=True)
def no_digest_job(request: pytest.FixtureRequest) -> None:
    """The tests run the digests themselves (run_digests): the app's own repeating job must not race them."""
    if "harness" in request.fixturenames:
        h: Harness = request.getfixturevalue("harness")
        assert h.app.job_queue is not None
        for job in h.app.job_queue.get_jobs_by_name("vneid-digests"):
            job.schedule_removal()


def style(h: Harness, chat_id: int = GROUP_ID) -> str:
    with h.db.session() as s:
        return confirm_repo.confirm_style(s, "telegram", str(chat_id))


def digests(h: Harness, chat_id: int = GROUP_ID) -> list[ConfirmDigest]:
    with h.db.session() as s:
        chat = repo.chat_by_external(s, "telegram", str(chat_id))
        assert chat is not None
        return confirm_repo.digests_of(s, chat.id)


async def digest_later(h: Harness, minutes: float = 6) -> int:
    """The digests once every report stored so far is old enough for its digest (the bot's clock moved on)."""
    h.clock.advance(timedelta(minutes=minutes))
    return await run_digests(h.app)


async def reaction_style(h: Harness) -> None:
    replies = await h.say(GROUP_ID, LEADER_ID, "/kieuxacnhan camxuc")
    assert "thả 👍" in (replies[0].text or "") and style(h) == "reaction"


async def reacted(h: Harness, message_id: int, timeout: float = 10.0) -> bool:
    return await h.emu.wait_until(lambda: h.emu.reactions_on(GROUP_ID, message_id) == ["👍"], timeout)


def test_the_digest_text_is_short_in_vietnamese_formatting_and_fits_telegram() -> None:
    at = datetime(2025, 8, 14, 12, 5, tzinfo=UTC)
    lines = [DigestLine(1, "TDP 5", "l2", DAY, 1234, "Lan", at),
             DigestLine(2, "Thôn 3", "l1", DAY - timedelta(days=1), 7, "Hùng <b>", at + timedelta(minutes=3))]
    [text] = digest(lines, "vi", TZ, DAY)
    assert text.splitlines() == ["👍 <b>Đã ghi nhận 2 báo cáo</b> (19:05–19:08):",
                                 "• TDP 5: Mức 2 <b>1.234</b> (Lan)",
                                 "• Thôn 3, ngày 13/08: Mức 1 <b>7</b> (Hùng &lt;b&gt;)"]
    many = [DigestLine(i, f"Thôn {i}", "l2", DAY, i, "Tổ viên " + "x" * 40, at) for i in range(400)]
    parts = digest(many, "vi", TZ, DAY)
    assert len(parts) > 1 and all(len(p) <= 4096 for p in parts)
    assert sum(p.count("\n• ") for p in parts) == 400  # every report, once
    assert digest([], "vi", TZ, DAY) == []


# ---- the setting ------------------------------------------------------------------------------------------


async def test_the_setting_shows_sets_refuses_bad_words_and_other_leaders(harness: Harness) -> None:
    h = harness
    shown = await h.say(GROUP_ID, LEADER_ID, "/kieuxacnhan")
    assert "trả lời từng tin báo cáo" in (shown[0].text or "") and style(h) == "reply"
    bad = await h.say(GROUP_ID, LEADER_ID, "/kieuxacnhan camxucc")
    assert "không hiểu «camxucc»" in (bad[0].text or "") and "Không có gì thay đổi" in (bad[0].text or "")
    assert style(h) == "reply"
    member = await h.say(GROUP_ID, member_id(DONG_TAM), "/kieuxacnhan camxuc")  # a member: the role gate
    village_leader = await h.say(GROUP_ID, member_id(DONG_TAM, True), "/confirmstyle reaction")  # not the commune's
    assert "thả 👍" not in (member[0].text or "") + (village_leader[0].text or "") and style(h) == "reply"
    private = await h.say(LEADER_ID, LEADER_ID, "/kieuxacnhan camxuc")
    assert "chỉ đặt được trong nhóm" in (private[0].text or "")
    await reaction_style(h)
    again = await h.say(GROUP_ID, LEADER_ID, "/confirmstyle reaction")
    assert "đã dùng cách xác nhận" in (again[0].text or "")
    help_text = await h.say(GROUP_ID, LEADER_ID, "/trogiup kieuxacnhan")
    assert "/kieuxacnhan camxuc" in (help_text[0].text or "")
    audit = await h.say(ADMIN_ID, ADMIN_ID, "/nhatky")
    log = "\n".join(texts(audit))
    assert "đổi cách xác nhận báo cáo của nhóm (Xã Tân Hòa): thả 👍 vào tin báo cáo" in log, log
    assert "đổi cách xác nhận báo cáo" in log and "cfs." not in log and "chat.confirm_style" not in log


# ---- reports in a reaction-style group --------------------------------------------------------------------


async def test_a_report_gets_a_reaction_no_reply_and_one_digest(harness: Harness) -> None:
    h = harness
    await reaction_style(h)
    quiet = await h.say_quiet(GROUP_ID, member_id(DONG_TAM), "Thôn Đồng Tâm hôm nay cài 12 mức 2")
    first = h.last_message_id
    assert await reacted(h, first)
    assert quiet == []  # no reply
    assert await run_digests(h.app) == 0  # not due yet: the digest waits REACTION_DIGEST_MINUTES

    assert await digest_later(h) == 1
    digest = h.emu.sent(GROUP_ID)[-1]
    assert "Đã ghi nhận 1 báo cáo" in (digest.text or "") and "Thôn Đồng Tâm" in (digest.text or "")
    assert "Mức 2" in (digest.text or "") and "12" in (digest.text or "") and digest.reply_to_message_id is None
    assert await digest_later(h) == 0  # exactly once

    await h.say_quiet(GROUP_ID, member_id(THON_3_IDX), "Thôn 3 hôm nay 15")
    assert await reacted(h, h.last_message_id)
    await h.say_quiet(GROUP_ID, member_id(THON_5), "Thôn 5 hôm nay 7")
    assert await reacted(h, h.last_message_id)
    assert await digest_later(h) == 1
    second = h.emu.sent(GROUP_ID)[-1].text or ""
    assert "Đã ghi nhận 2 báo cáo" in second and "Thôn 3" in second and "Thôn 5" in second
    assert "Đồng Tâm" not in second  # counted in the first digest only
    rows = digests(h)
    assert [r.status for r in rows] == ["sent", "sent"] and rows[1].after_id == rows[0].upto_id


async def test_refusals_questions_corrections_and_undo_still_reply(harness: Harness) -> None:
    h = harness
    await reaction_style(h)
    refused = await h.say(GROUP_ID, member_id(DONG_TAM), "Thôn 5 hôm nay 3")  # not the member's village
    assert refused and h.emu.reactions_on(GROUP_ID, h.last_message_id) == []
    question = await h.say(GROUP_ID, member_id(THON_3_IDX), "Thôn 3 hôm nay 5000")  # implausible: asks
    assert question[0].buttons and h.emu.reactions_on(GROUP_ID, h.last_message_id) == []

    await h.say_quiet(GROUP_ID, member_id(THON_5), "Thôn 5 hôm nay 7")
    assert await reacted(h, h.last_message_id)
    corrected = await h.say(GROUP_ID, member_id(THON_5), "Thôn 5 hôm nay 9")  # a new figure: "7 → 9"
    assert "7 → 9" in (corrected[0].text or "") and h.emu.reactions_on(GROUP_ID, h.last_message_id) == []
    undone = await h.say(GROUP_ID, member_id(THON_5), "/huy")
    assert undone and "9" in (undone[0].text or "")
    edited = h.last_message_id
    await h.say_quiet(GROUP_ID, member_id(DONG_TAM), "Thôn Đồng Tâm hôm nay 4")
    replies = await h.edit(GROUP_ID, h.last_message_id, "Thôn Đồng Tâm hôm nay 6")  # an edit: its reply
    assert any("4 → 6" in t for t in texts(replies)) and edited


async def test_default_chats_are_unchanged(harness: Harness) -> None:
    h = harness
    replies = await h.say(GROUP_ID, member_id(DONG_TAM), "Thôn Đồng Tâm hôm nay cài 12 mức 2")
    assert replies[0].reply_to_message_id == h.last_message_id
    assert any(b["callback_data"].startswith("u:") for b in replies[0].buttons)
    await asyncio.sleep(0.2)
    assert h.emu.reaction_log() == [] and h.emu.stats.calls["setMessageReaction"] == 0
    assert await digest_later(h) == 0 and digests(h) == []


async def test_a_refused_reaction_becomes_the_usual_reply(harness: Harness) -> None:
    h = harness
    await reaction_style(h)
    h.emu.set_available_reactions(GROUP_ID, [])  # an admin allowed no reactions in the group
    replies = await h.say(GROUP_ID, member_id(DONG_TAM), "Thôn Đồng Tâm hôm nay cài 12 mức 2")
    assert replies[0].reply_to_message_id == h.last_message_id and "Thôn Đồng Tâm" in (replies[0].text or "")
    assert any(b["callback_data"].startswith("u:") for b in replies[0].buttons)
    assert h.emu.reaction_log() == [] and h.emu.stats.errors[400] >= 1

    h.emu.set_available_reactions(GROUP_ID, None)
    h.emu.inject_faults(1.0, kinds=("500",), methods=["setMessageReaction"])  # Telegram failing: a reply too
    replies = await h.say(GROUP_ID, member_id(THON_5), "Thôn 5 hôm nay 7")
    h.emu.clear_faults()
    assert replies[0].reply_to_message_id == h.last_message_id and "Thôn 5" in (replies[0].text or "")
    assert await digest_later(h) == 1  # stored: in the digest all the same, once
    assert "Đã ghi nhận 2 báo cáo" in (h.emu.sent(GROUP_ID)[-1].text or "")


async def test_a_message_deleted_before_its_reaction_still_gets_its_confirmation(harness: Harness) -> None:
    h = harness
    await reaction_style(h)
    user = h.user(member_id(DONG_TAM))
    mark = h.emu.mark()
    mid = int(h.emu.send_message(GROUP_ID, user, "Thôn Đồng Tâm hôm nay 4")["message_id"])
    h.emu.user_deletes(GROUP_ID, mid)  # before the bot could react (it has not even fetched the update)
    [reply] = await h.emu.wait_for_messages(GROUP_ID, 1, since=mark)
    assert "Thôn Đồng Tâm" in (reply.text or "") and reply.reply_to_message_id is None  # quoting nothing
    assert h.emu.reaction_log() == [] and h.emu.stats.errors[400] >= 1


async def test_back_to_replies_the_owed_digest_is_sent_and_nothing_later_is_digested(harness: Harness) -> None:
    h = harness
    await reaction_style(h)
    await h.say_quiet(GROUP_ID, member_id(DONG_TAM), "Thôn Đồng Tâm hôm nay 4")
    assert await reacted(h, h.last_message_id)
    back = await h.say(GROUP_ID, LEADER_ID, "/kieuxacnhan traloi")
    assert "trả lời từng tin" in (back[0].text or "") and style(h) == "reply"
    assert await run_digests(h.app) == 1  # the range owed is written at the switch: sent on the next round
    assert "Thôn Đồng Tâm" in (h.emu.sent(GROUP_ID)[-1].text or "")
    replies = await h.say(GROUP_ID, member_id(THON_5), "Thôn 5 hôm nay 7")
    assert replies[0].reply_to_message_id == h.last_message_id
    assert await digest_later(h) == 0
    await reaction_style(h)  # again: what was replied to meanwhile is skipped, not digested
    assert await digest_later(h) == 0
    assert [r.status for r in digests(h)] == ["sent", "mark"]


async def test_a_digest_that_fails_is_retried_with_the_same_range(harness: Harness) -> None:
    h = harness
    await reaction_style(h)
    await h.say_quiet(GROUP_ID, member_id(DONG_TAM), "Thôn Đồng Tâm hôm nay 4")
    assert await reacted(h, h.last_message_id)
    h.emu.inject_faults(1.0, kinds=("500",), methods=["sendMessage"])
    assert await digest_later(h) == 0
    h.emu.clear_faults()
    [row] = digests(h)
    assert row.status == "pending" and row.attempts == 1
    with h.db.session() as s:  # its pause over
        s.get(ConfirmDigest, row.id).next_attempt_at = h.clock()  # type: ignore[union-attr]
    await h.say_quiet(GROUP_ID, member_id(THON_5), "Thôn 5 hôm nay 7")  # after the range: the next digest
    assert await reacted(h, h.last_message_id)
    assert await run_digests(h.app) == 1
    first = h.emu.sent(GROUP_ID)[-1].text or ""
    assert "Thôn Đồng Tâm" in first and "Thôn 5" not in first
    assert await digest_later(h) == 1 and "Thôn 5" in (h.emu.sent(GROUP_ID)[-1].text or "")


async def test_a_chat_that_removed_the_bot_gets_no_digest_and_no_retry(harness: Harness) -> None:
    h = harness
    await reaction_style(h)
    await h.say_quiet(GROUP_ID, member_id(DONG_TAM), "Thôn Đồng Tâm hôm nay 4")
    assert await reacted(h, h.last_message_id)
    h.emu.set_bot_status(GROUP_ID, "kicked")
    assert await digest_later(h) == 0
    assert [r.status for r in digests(h)] == ["gone"]
    with h.db.session() as s:
        assert s.scalar(select(Chat.confirm_style).where(Chat.external_id == str(GROUP_ID))) == "reaction"


# ---- our own rate limiter: which limits a reaction goes through (TELEGRAM_REACTION_LIMITS) ------------------


@pytest.mark.parametrize(("mode", "limits"), [("messages", (True, -100)), ("token", (True, False)),
                                              ("none", (False, False))])
async def test_the_rate_limiter_throttles_reactions_as_configured(
        mode: ReactionLimits, limits: tuple[object, object], monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[tuple[object, object]] = []

    async def run(self: AIORateLimiter, chat: bool, group: object, allow_paid_broadcast: bool, callback: Any,
                  args: Any, kwargs: Any) -> bool:
        seen.append((chat, group))  # which of PTB's limiters the request would wait for
        return True

    monkeypatch.setattr(AIORateLimiter, "_run_request", run)
    limiter = ReactionAwareRateLimiter(mode)

    async def call() -> bool:
        return True

    for endpoint in ("setMessageReaction", "sendMessage"):
        await limiter.process_request(call, (), {}, endpoint, {"chat_id": -100, "message_id": 5}, None)
    assert seen == [limits, (True, -100)]  # a message is always throttled as one


# ---- Zalo: no reactions, it keeps replying --------------------------------------------------------------


async def test_zalo_keeps_replying_and_says_so(zalo: ZaloHarness) -> None:
    an = await zalo.join("An", THON_3)
    leader = zalo.emu.user("Trưởng Thôn 3")
    await link(zalo, leader, member_id(3, second=True))
    group = zalo.emu.group("Tổ CNS Thôn 3", [an, leader])
    await zalo.in_group(group, leader, "lienket th-3")
    replies = await zalo.in_group(group, leader, "kieuxacnhan camxuc")
    assert "Zalo chưa cho bot thả cảm xúc" in replies[0].text
    with zalo.db.session() as s:
        assert confirm_repo.confirm_style(s, "zalo", group) == "reply"
    replies = await zalo.in_group(group, an, "Thôn 3 hôm nay 3")
    assert "Thôn 3" in replies[0].text and zalo.daily(THON_3) == 3
