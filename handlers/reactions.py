"""The "reaction" confirmation style on Telegram (bot/core/confirm.py, docs/telegram-limits.md).

A plain stored report in such a group is confirmed by 👍 on the member's own message (setMessageReaction);
if Telegram refuses the reaction (the chat allows no such reaction, the message is gone, a network error)
the confirmation is sent as the usual reply instead: a stored report is never left unconfirmed. A job
sends each chat's digest (what was stored since the last one) from the `confirm_digests` ranges.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from telegram import ReactionTypeEmoji, Update
from telegram.error import BadRequest, Forbidden, TelegramError
from telegram.ext import Application

from bot.conversation import Conversation, Reply
from bot.core.confirm import REACTION_EMOJI
from bot.present.digest import digest
from handlers.base import CHANNEL, Ctx

log = logging.getLogger(__name__)

App = Application[Any, Any, Any, Any, Any, Any]
Confirm = Callable[[Update, Ctx, Conversation, Reply], Awaitable[None]]
#: how often the digests are looked at (each chat gets one at most every REACTION_DIGEST_MINUTES)
DIGEST_TICK_SECONDS = 30.0


async def react_or_reply(update: Update, context: Ctx, conv: Conversation, r: Reply, confirm: Confirm) -> None:
    """👍 on the member's message; the reply (`confirm`, with its retries and outbox) if that fails."""
    msg = update.effective_message
    if msg is not None:
        try:
            if await context.bot.set_message_reaction(msg.chat_id, msg.message_id, ReactionTypeEmoji(REACTION_EMOJI)):
                return
            log.warning("setMessageReaction did not answer True: confirmed by a reply instead")
        except TelegramError as exc:  # a timeout may have set it anyway: a reply too is better than none
            log.info("reaction refused (%s: %s): confirmed by a reply instead", type(exc).__name__, exc)
    await confirm(update, context, conv, r)


async def run_digests(app: App, now: datetime | None = None) -> int:
    """Plan the due digests and send each once (another worker may take one: it is claimed first).
    Returns how many digest messages were sent. `now`: tests make the digests due."""
    container = app.bot_data["container"]
    confirms, worker, settings = container.confirms, container.worker, container.settings
    rows = await worker.blocking(confirms.plan, CHANNEL, now)
    sent = 0
    for row in rows:
        if await worker.blocking(confirms.claim, row) != "go":
            continue
        lines = await worker.blocking(confirms.lines, CHANNEL, row)
        parts = digest(lines, row.language or settings.language, settings.tz, container.svc.today())
        if not parts:  # everything in its range was undone or replaced meanwhile
            await worker.blocking(confirms.finish, row, "empty")
            continue
        first: int | None = None
        try:
            for part in parts:
                message = await app.bot.send_message(int(row.external_id), part)
                first = first or message.message_id
                sent += 1
        except (BadRequest, Forbidden) as exc:  # the chat is gone or refuses the bot: nobody to tell
            log.warning("digest of chat %s cannot be sent (%s)", row.external_id, type(exc).__name__)
            await worker.blocking(confirms.finish, row, "gone", error=f"{type(exc).__name__}: {exc}")
            continue
        except TelegramError as exc:
            log.info("digest of chat %s failed (%s); will retry", row.external_id, type(exc).__name__)
            await worker.blocking(confirms.finish, row, "pending", error=f"{type(exc).__name__}: {exc}")
            continue
        await worker.blocking(confirms.finish, row, "sent", message_id=first)
    return sent


async def digest_job(context: Ctx) -> None:
    try:
        await run_digests(context.application)
    except Exception:  # noqa: BLE001 - the database may be down: the next tick tries again
        log.warning("digests: could not plan or send (will retry)", exc_info=True)


def register(app: App) -> None:
    if app.job_queue is not None:
        app.job_queue.run_repeating(digest_job, interval=DIGEST_TICK_SECONDS, first=5.0, name="vneid-digests")
