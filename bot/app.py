"""build_application(settings) -> telegram.ext.Application: the ONE place handlers are registered."""

from __future__ import annotations

import logging
from importlib import import_module
from typing import Any

from telegram import (
    BotCommand,
    BotCommandScopeAllChatAdministrators,
    BotCommandScopeDefault,
    LinkPreviewOptions,
)
from telegram.constants import ParseMode
from telegram.ext import AIORateLimiter, Application, ApplicationBuilder, BaseRateLimiter, Defaults

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
    "handlers.reporting",
)

App = Application[Any, Any, Any, Any, Any, Any]


def build_application(
    settings: Settings,
    *,
    db: Database | None = None,
    clock: Clock | None = None,
    rate_limiter: BaseRateLimiter[Any] | None = None,
    start_scheduler: bool = True,
) -> App:
    svc = Services(settings, db or Database(settings.database_url), clock or system_clock)
    app: App = (
        ApplicationBuilder()
        .token(settings.token())
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
        .concurrent_updates(False)
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
