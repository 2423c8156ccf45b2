"""/lienketzalo (/linkzalo): a one-time code that links the caller's Zalo account (bot/zalo/linking.py)."""

from __future__ import annotations

from typing import Any

from telegram import Update
from telegram.constants import ChatType
from telegram.ext import Application

from bot.zalo.linking import LinkService
from handlers.base import Ctx, add_command, caller_of, reply


def _service(context: Ctx) -> LinkService:
    return context.container.links


async def link_zalo(update: Update, context: Ctx) -> None:
    caller = caller_of(update, context)
    chat = update.effective_chat
    private = chat is not None and chat.type == ChatType.PRIVATE
    res = _service(context).new_code(caller, private=private)
    await reply(update, res.text(caller.language))


def register(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Only when the bot also serves Zalo (CHANNELS=zalo|both): otherwise the command would lead nowhere."""
    container = app.bot_data.get("container")
    if container is not None and container.settings.channel_names == {"telegram"}:
        return
    add_command(app, "lienketzalo", link_zalo)
