"""Thin PTB callbacks for the organisation commands (units, targets, roster, binding, import, audit).

The commands (and a document captioned /nhap) are answered by the conversation core (handlers/adapter.py);
here are only the chat-membership updates: the bot added to or removed from a group, a group migrated.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from telegram import Message, Update
from telegram.constants import ChatMemberStatus, ChatType
from telegram.error import TelegramError
from telegram.ext import Application, ChatMemberHandler, MessageHandler, filters

from bot.access import Caller
from bot.org import ChatRef, OrgService
from bot.texts import t
from handlers.adapter import add_command, command_turn, route
from handlers.base import CHANNEL, Ctx, blocking, services

log = logging.getLogger(__name__)

IMPORT_CAPTION = re.compile(r"^/(?:nhap|import)(?:@(\w+))?(?:\s|$)", re.IGNORECASE)


def _org(context: Ctx) -> OrgService:
    return context.container.org


async def import_caption(update: Update, context: Ctx) -> None:
    """A document sent with the caption `/nhap` (CommandHandler does not see captions)."""
    msg = update.effective_message
    user = update.effective_user
    if msg is None or msg.document is None or user is None or user.is_bot:
        return
    m = IMPORT_CAPTION.match(msg.caption or "")
    if m is None:
        return
    if m.group(1) and m.group(1).lower() != (context.bot.username or "").lower():
        return  # meant for another bot
    await route(update, context, command_turn(update))


# ---- bot added/removed, group -> supergroup -----------------------------------------------------------


async def on_my_chat_member(update: Update, context: Ctx) -> None:
    cmu = update.my_chat_member
    if cmu is None:
        return
    chat = cmu.chat
    actor_user = cmu.from_user
    svc = services(context)
    actor = (await blocking(context, svc.caller, CHANNEL, actor_user.id, actor_user.full_name) if actor_user
             else Caller(CHANNEL, "0", ""))
    old, new = cmu.old_chat_member.status, cmu.new_chat_member.status
    out = await blocking(context, _org(context).bot_status_changed, ChatRef(str(chat.id), chat.type, chat.title),
                         old, new, actor)
    gone = (ChatMemberStatus.LEFT, ChatMemberStatus.BANNED)
    added = old in gone and new in (ChatMemberStatus.MEMBER, ChatMemberStatus.ADMINISTRATOR)
    if added and chat.type in (ChatType.GROUP, ChatType.SUPERGROUP) and not out.data.get("bound"):
        try:
            await context.bot.send_message(chat.id, t("org.added_hint", svc.settings.language))
        except TelegramError:
            log.info("could not greet chat %s", chat.id)


async def on_migrate(update: Update, context: Ctx) -> None:
    msg: Message | None = update.effective_message
    if msg is None:
        return
    if msg.migrate_to_chat_id:
        old, new = msg.chat.id, msg.migrate_to_chat_id
    elif msg.migrate_from_chat_id:
        old, new = msg.migrate_from_chat_id, msg.chat.id
    else:
        return
    user = msg.from_user
    actor = Caller(CHANNEL, str(user.id) if user else "0", user.full_name if user else "")
    out = await blocking(context, _org(context).migrate_chat, str(old), str(new), msg.chat.title, actor)
    log.info("chat %s migrated to %s: %s", old, new, out.data.get("result"))


def register(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    for name in ("dangky", "madangky", "donvi", "chitieu", "moc", "thanhvien", "lienket", "nhap", "nhatky"):
        add_command(app, name)
    app.add_handler(MessageHandler(filters.Document.ALL & filters.CaptionRegex(IMPORT_CAPTION), import_caption))
    app.add_handler(ChatMemberHandler(on_my_chat_member, ChatMemberHandler.MY_CHAT_MEMBER))
    app.add_handler(MessageHandler(filters.StatusUpdate.MIGRATE, on_migrate))
