"""build_application(settings) -> telegram.ext.Application: the ONE place handlers are registered."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Hashable
from importlib import import_module
from typing import Any

from telegram import (
    BotCommand,
    BotCommandScopeAllChatAdministrators,
    BotCommandScopeDefault,
    LinkPreviewOptions,
    Update,
)
from telegram.constants import ParseMode
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    BaseRateLimiter,
    BaseUpdateProcessor,
    Defaults,
)
from telegram.request import HTTPXRequest

from bot.commands import BY_NAME, Role
from bot.config import Settings
from bot.services import Clock, Services, system_clock
from bot.texts import t
from storage.db import Database

log = logging.getLogger(__name__)

# each module has register(app); order matters: commands first, then free text, then fallbacks
HANDLER_MODULES = (
    "handlers.common",
    "handlers.org",
    "handlers.views",
    "handlers.schedule",
    "handlers.zalo_link",
    "handlers.reporting",
    "handlers.outbox",
)

App = Application[Any, Any, Any, Any, Any, Any]

#: updates handled at the same time (different chats and users; see OrderedUpdateProcessor)
CONCURRENT_UPDATES = 8


class OrderedUpdateProcessor(BaseUpdateProcessor):
    """Concurrent handling, but the updates of one chat, and of one user, run one at a time in the order
    they arrived: a member's report, its edit, /huy and the Undo button are never reordered.

    PTB starts one task per update in arrival order and each enters ``do_process_update`` at once (the
    base semaphore is set high enough never to wait; at most 100 updates are in flight in polling mode,
    see AckAfterProcessingRequest). There each update first chains itself behind the last update with
    the same chat or user, then waits for one of ``limit`` slots.
    """

    def __init__(self, limit: int = CONCURRENT_UPDATES) -> None:
        super().__init__(max_concurrent_updates=4096)
        self._slots = asyncio.Semaphore(limit)
        self._tails: dict[Hashable, asyncio.Future[None]] = {}

    @staticmethod
    def order_keys(update: object) -> list[Hashable]:
        if not isinstance(update, Update):
            return ["other"]
        keys: list[Hashable] = []
        if update.effective_chat is not None:
            keys.append(("chat", update.effective_chat.id))
        if update.effective_user is not None:
            keys.append(("user", update.effective_user.id))
        return keys or ["other"]

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        keys = self.order_keys(update)
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        before = {id(f): f for f in (self._tails.get(k) for k in keys) if f is not None}
        for key in keys:
            self._tails[key] = done
        started = False
        try:
            if before:
                await asyncio.wait(list(before.values()))  # never cancels them
            async with self._slots:
                started = True
                await coroutine
        finally:
            if not started and asyncio.iscoroutine(coroutine):
                coroutine.close()
            done.set_result(None)
            for key in keys:
                if self._tails.get(key) is done:
                    del self._tails[key]

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        pass


class AckAfterProcessingRequest(HTTPXRequest):
    """The getUpdates connection: a getUpdates call (whose offset confirms every earlier update to
    Telegram) waits until every update fetched so far has been handled. PTB's Updater would otherwise
    confirm a batch as soon as it is queued, and a crash (kill -9, power loss) would lose the updates
    that were queued but not yet handled. Re-delivered updates are harmless: reports are recorded once
    per (chat, message, revision)."""

    def __init__(self, update_queue: asyncio.Queue[object]) -> None:
        super().__init__(connection_pool_size=1)  # PTB's default for getUpdates
        self._update_queue = update_queue

    async def do_request(self, *args: Any, **kwargs: Any) -> tuple[int, bytes]:
        await self._update_queue.join()  # PTB calls task_done() once an update was handled
        return await super().do_request(*args, **kwargs)


def build_application(
    settings: Settings,
    *,
    db: Database | None = None,
    clock: Clock | None = None,
    rate_limiter: BaseRateLimiter[Any] | None = None,
    start_scheduler: bool = True,
) -> App:
    svc = Services(settings, db or Database(settings.database_url), clock or system_clock)
    update_queue: asyncio.Queue[object] = asyncio.Queue()
    app: App = (
        ApplicationBuilder()
        .token(settings.token())
        .update_queue(update_queue)
        .get_updates_request(AckAfterProcessingRequest(update_queue))
        .base_url(settings.telegram_api_base_url)
        .base_file_url(settings.file_base_url)
        .defaults(
            Defaults(
                parse_mode=ParseMode.HTML,
                tzinfo=settings.tz,
                link_preview_options=LinkPreviewOptions(is_disabled=True),
            )
        )
        .rate_limiter(rate_limiter or AIORateLimiter(max_retries=10))
        .concurrent_updates(OrderedUpdateProcessor())
        .post_init(_post_init)
        .build()
    )
    app.bot_data["svc"] = svc
    app.bot_data["start_scheduler"] = start_scheduler
    for name in HANDLER_MODULES:
        try:
            mod = import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name == name:
                continue
            raise
        mod.register(app)
    import_module("handlers.common").register_fallbacks(app)
    return app


def menu(registered: list[str], lang: str, max_role: Role) -> list[BotCommand]:
    out = []
    for name in registered:
        spec = BY_NAME[name]
        if spec.role > max_role:
            continue
        cmd = spec.name if lang == "vi" else spec.alias
        out.append(BotCommand(cmd, t(f"cmd.{spec.name}", lang)[:256]))
    return out


async def _post_init(app: App) -> None:
    registered: list[str] = app.bot_data.get("commands", [])
    for lang, code in (("vi", None), ("en", "en")):
        await app.bot.set_my_commands(menu(registered, lang, Role.MEMBER), scope=BotCommandScopeDefault(),
                                      language_code=code)
        await app.bot.set_my_commands(menu(registered, lang, Role.ADMIN),
                                      scope=BotCommandScopeAllChatAdministrators(), language_code=code)
