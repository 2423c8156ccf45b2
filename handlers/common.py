"""/start, /help and unknown commands (answered by the conversation core), and the one error handler."""

from __future__ import annotations

import logging
from typing import Any

from telegram import Update
from telegram.ext import Application, MessageHandler, filters

from bot.intake import note_failure
from bot.texts import t
from handlers.adapter import add_command, command_turn, route
from handlers.base import Ctx
from storage.db import unavailable

log = logging.getLogger(__name__)


async def unknown_command(update: Update, context: Ctx) -> None:
    msg = update.effective_message
    if msg is None or update.effective_user is None or update.effective_user.is_bot:
        return
    word = (msg.text or "").split(maxsplit=1)[0]
    _name, _, target = word[1:].partition("@")
    if target and target.lower() != (context.bot.username or "").lower():
        return  # a command for another bot in the same group
    await route(update, context, command_turn(update))


async def on_error(update: object, context: Ctx) -> None:
    note_failure(context.error)  # the update intake counts it (bot.intake)
    lang = context.container.settings.language
    if unavailable(context.error):  # database down: the transaction was rolled back, nothing stored
        log.warning("database unavailable while handling an update: %s", type(context.error).__name__)
        text = t("rep.db_busy", lang)
    else:
        log.error("error while handling an update", exc_info=context.error)
        text = t("err.internal", lang)
    if isinstance(update, Update) and update.callback_query is not None:
        try:  # stop the button's spinner with the same message
            await update.callback_query.answer(text[:190], show_alert=True)
            return
        except Exception:  # noqa: BLE001 - never let the error handler raise
            log.warning("could not answer the button press about the error")
    if isinstance(update, Update) and update.effective_chat is not None:
        try:
            if update.message is not None:
                await update.message.reply_text(text, do_quote=True)
            else:
                await update.effective_chat.send_message(text)
        except Exception:  # noqa: BLE001 - never let the error handler raise
            log.warning("could not tell the user about the error")


def register(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    add_command(app, "start")
    add_command(app, "trogiup")
    app.add_error_handler(on_error)


def register_fallbacks(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Registered after every module: a command nobody handled gets a usage hint."""
    app.add_handler(MessageHandler(filters.COMMAND, unknown_command))
