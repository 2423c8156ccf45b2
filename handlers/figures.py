"""/chinhthuc (/official): thin callback over bot.official (reconciling with official C06 figures)."""

from __future__ import annotations

from typing import Any

from telegram import Update
from telegram.ext import Application

from handlers.base import Ctx, add_command, args_text, caller_of, reply


async def official_cmd(update: Update, context: Ctx) -> None:
    caller = caller_of(update, context)
    out = context.container.official.cmd(caller, args_text(update))
    for chunk in out.chunks(caller.language):
        await reply(update, chunk)


async def indicator_cmd(update: Update, context: Ctx) -> None:
    caller = caller_of(update, context)
    out = context.container.indicators.cmd(caller, args_text(update))
    for chunk in out.chunks(caller.language):
        await reply(update, chunk)


def register(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    add_command(app, "chinhthuc", official_cmd)
    add_command(app, "chiso", indicator_cmd)
