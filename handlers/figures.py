"""/chinhthuc (/official): thin callback over bot.official (reconciling with official C06 figures)."""

from __future__ import annotations

from typing import Any

from telegram import Update
from telegram.ext import Application

from bot.official import OfficialService
from handlers.base import Ctx, add_command, args_text, caller_of, reply, services


async def official_cmd(update: Update, context: Ctx) -> None:
    caller = caller_of(update, context)
    out = OfficialService(services(context)).cmd(caller, args_text(update))
    for chunk in out.chunks(caller.language):
        await reply(update, chunk)


async def indicator_cmd(update: Update, context: Ctx) -> None:
    from bot.indicators import IndicatorService

    caller = caller_of(update, context)
    out = IndicatorService(services(context)).cmd(caller, args_text(update))
    for chunk in out.chunks(caller.language):
        await reply(update, chunk)


def register(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    add_command(app, "chinhthuc", official_cmd)
    add_command(app, "chiso", indicator_cmd)
