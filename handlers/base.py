"""Shared plumbing for the thin PTB callbacks: services, database work, replies, command registration."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

from telegram import Message, Update
from telegram.error import BadRequest, NetworkError
from telegram.ext import CallbackContext, ExtBot

from bot.access import Caller
from bot.bootstrap import Container
from bot.services import Services

log = logging.getLogger(__name__)

T = TypeVar("T")
#: pauses before re-sending a reply after a transient failure (5xx, dropped connection, timeout)
REPLY_RETRY_DELAYS = (0.5, 1.0, 2.0)


class AppContext(CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], dict[Any, Any]]):
    """PTB's callback context with the process's typed container (bot/bootstrap.py), which
    bot.app.build_application builds once and keeps in ``bot_data["container"]``."""

    @property
    def container(self) -> Container:
        container: Container = self.application.bot_data["container"]
        return container


Ctx = AppContext
Callback = Callable[[Update, Ctx], Coroutine[Any, Any, Any]]
CHANNEL = "telegram"


def services(context: Ctx) -> Services:
    return context.container.svc


async def blocking(context: Ctx, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Database work of a callback, the way the conversation core runs its own (bot/conversation/work.py):
    a worker thread on PostgreSQL; inline on SQLite unless long work runs in the background."""
    return await context.container.worker.blocking(fn, *args, **kwargs)


def lang_of(update: Update, context: Ctx, caller: Caller | None = None) -> str:
    if caller is not None:
        return caller.language
    return services(context).settings.language


def chat_key(update: Update) -> str:
    chat = update.effective_chat
    return str(chat.id) if chat else "0"


async def reply(update: Update, text: str, **kwargs: Any) -> Message | None:
    """Reply to the message that triggered the update (quoted), or send to the chat.

    Transient failures (Bot API 5xx, a dropped connection, a timeout) are retried a few times; 429s are
    waited out by the rate limiter. A timeout after Telegram did deliver may show the reply twice:
    better than a confirmation that never arrives."""
    for delay in (*REPLY_RETRY_DELAYS, None):
        try:
            msg = update.effective_message
            if msg is not None:
                return await msg.reply_text(text, do_quote=True, **kwargs)
            chat = update.effective_chat
            if chat is not None:
                return await chat.send_message(text, **kwargs)
            return None
        except BadRequest:  # a NetworkError subclass, but permanent
            raise
        except NetworkError as exc:
            if delay is None:
                raise
            log.info("reply failed (%s); retrying in %.1fs", type(exc).__name__, delay)
            await asyncio.sleep(delay)
    return None


def args_text(update: Update) -> str:
    """The text after `/command[@bot]` (keeps the original line breaks)."""
    msg = update.effective_message
    text = (msg.text or msg.caption or "") if msg else ""
    if not text.startswith("/"):
        return text.strip()
    parts = text.split(maxsplit=1)
    return parts[1].strip() if len(parts) > 1 else ""
