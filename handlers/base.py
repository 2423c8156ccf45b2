"""Shared plumbing for the thin PTB callbacks: services, database work, replies, command registration."""

from __future__ import annotations

import asyncio
import logging
import warnings
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, TypeVar

from telegram import InlineKeyboardMarkup, Message, Update
from telegram.error import BadRequest, NetworkError
from telegram.ext import CallbackContext, ExtBot
from telegram.warnings import PTBUserWarning

from bot.bootstrap import Container
from bot.core.access import Caller
from bot.core.services import Services

log = logging.getLogger(__name__)

T = TypeVar("T")
#: pauses before re-sending a reply after a transient failure (5xx, dropped connection, timeout)
REPLY_RETRY_DELAYS = (0.5, 1.0, 2.0)

# reply_id asks the Bot API's sendMessage through do_api_request on purpose (the answer is not made a Message)
warnings.filterwarnings("ignore", message=r"Please use 'Bot\.sendMessage' instead", category=PTBUserWarning)


class AppContext(CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], dict[Any, Any]]):
    """PTB's callback context with the process's typed container (bot/bootstrap.py), which
    bot.channels.telegram.app.build_application builds once and keeps in ``bot_data["container"]``."""

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

    async def send() -> Message | None:
        msg = update.effective_message
        if msg is not None:
            return await msg.reply_text(text, do_quote=True, **kwargs)
        chat = update.effective_chat
        if chat is not None:
            return await chat.send_message(text, **kwargs)
        return None

    return await _retrying(send)


async def reply_id(update: Update, text: str, *, reply_markup: InlineKeyboardMarkup | None = None,
                   allow_sending_without_reply: bool = False) -> int | None:
    """Like ``reply``, for a report's confirmation, whose only use of the sent message is its id: the Bot
    API's answer is not turned into a PTB Message (with the member's quoted message inside), which was
    ~0.2 ms of CPU per report (bench/bench_ingest.py). Same request as ``reply``: the bot's defaults
    (parse mode, link previews), the quote, the topic of a forum message, the rate limiter."""
    msg = update.effective_message
    if msg is None:
        sent = await reply(update, text, reply_markup=reply_markup)
        return sent.message_id if sent is not None else None
    bot = msg.get_bot()
    quote: dict[str, Any] = {"message_id": msg.message_id}
    if allow_sending_without_reply:
        quote["allow_sending_without_reply"] = True
    params: dict[str, Any] = {"chat_id": msg.chat_id, "text": text, "reply_parameters": quote}
    defaults = bot.defaults if isinstance(bot, ExtBot) else None
    if defaults is not None and defaults.parse_mode is not None:
        params["parse_mode"] = defaults.parse_mode
    if defaults is not None and defaults.link_preview_options is not None:
        params["link_preview_options"] = defaults.link_preview_options
    if msg.is_topic_message and msg.message_thread_id is not None:
        params["message_thread_id"] = msg.message_thread_id
    if reply_markup is not None:
        params["reply_markup"] = reply_markup

    async def send() -> int | None:
        result = await bot.do_api_request("sendMessage", api_kwargs=params)
        return int(result["message_id"]) if isinstance(result, dict) else None

    return await _retrying(send)


async def _retrying(send: Callable[[], Awaitable[T]]) -> T | None:
    for delay in (*REPLY_RETRY_DELAYS, None):
        try:
            return await send()
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
