"""Shared plumbing for the thin PTB callbacks: services, caller, role gate, replies."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from telegram import Message, Update
from telegram.error import BadRequest, NetworkError
from telegram.ext import Application, CallbackContext, CommandHandler, ExtBot

from bot.access import Caller
from bot.audit import log_refusal
from bot.bootstrap import Container
from bot.commands import BY_NAME, Role
from bot.services import Services
from bot.texts import t

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
Callback = Callable[[Update, Ctx], Awaitable[Any]]
CHANNEL = "telegram"


def services(context: Ctx) -> Services:
    return context.container.svc


def caller_of(update: Update, context: Ctx) -> Caller:
    """Who sent the update. Roster members are cached (`Database.cached`: dropped on any roster or unit
    change made by this process, at most CACHE_TTL old otherwise); strangers are looked up every time,
    so that someone who just joined (perhaps through another worker) is recognised at once."""
    user = update.effective_user
    if user is None:
        return Caller(CHANNEL, "0", "")
    svc = services(context)
    key = ("caller", CHANNEL, user.id, user.full_name)
    caller = svc.db.cached(key, lambda: svc.caller(CHANNEL, user.id, user.full_name))
    if not caller.on_roster:
        svc.db.forget(key)
    return caller


async def blocking(context: Ctx, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run a handler's database work. On PostgreSQL in a worker thread, so that the waits (round trips,
    commit flushes) of updates handled concurrently overlap; on SQLite inline (one writer at a time),
    except while long work runs in the background (handlers/background.py): then a wait for its write
    lock must not freeze the event loop for every chat."""
    svc = services(context)
    if svc.db.dialect == "sqlite" and not context.container.background.active:
        return fn(*args, **kwargs)
    return await asyncio.to_thread(fn, *args, **kwargs)


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


def add_command(app: Application[Any, Any, Any, Any, Any, Any], name: str, callback: Callback) -> None:
    """Register a command from the command table, with its alias and the role gate."""
    spec = BY_NAME[name]

    async def gated(update: Update, context: Ctx) -> None:
        if update.effective_user is None or update.effective_message is None:
            return
        if update.effective_user.is_bot:
            return
        if spec.role > Role.NONE:
            caller = caller_of(update, context)
            if not caller.has_role(spec.role):
                lang = lang_of(update, context, caller)
                key = "err.not_member" if not caller.on_roster and not caller.global_admin else "err.role"
                log_refusal(services(context), caller, spec.name, reason=key)
                await reply(update, t(key, lang, command=spec.name, role=t(f"role.{spec.role.name.lower()}", lang)))
                return
        await callback(update, context)

    app.add_handler(CommandHandler(list(spec.names), gated))
    registered: list[str] = app.bot_data.setdefault("commands", [])  # the menu is built from it
    if spec.name not in registered:
        registered.append(spec.name)
