"""/lienketzalo (/linkzalo): a one-time code that links the caller's Zalo account (bot/zalo/linking.py)."""

from __future__ import annotations

from typing import Any

from telegram import Update
from telegram.constants import ChatType
from telegram.ext import Application

from bot.zalo.linking import LinkService
from handlers.base import Ctx, add_command, caller_of, reply, services


def _service(context: Ctx) -> LinkService:
    svc = services(context)
    links: LinkService = svc.extras.setdefault("links", LinkService(svc))
    return links


async def link_zalo(update: Update, context: Ctx) -> None:
    caller = caller_of(update, context)
    chat = update.effective_chat
    private = chat is not None and chat.type == ChatType.PRIVATE
    res = _service(context).new_code(caller, private=private)
    await reply(update, res.text(caller.language))


def register(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Only when the bot also serves Zalo (CHANNELS=zalo|both): otherwise the command would lead nowhere."""
    svc = app.bot_data.get("svc")
    if svc is not None and svc.settings.channel_names == {"telegram"}:
        return
    add_command(app, "lienketzalo", link_zalo)
