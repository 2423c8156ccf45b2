"""Report callbacks: /baocao, free text, edited messages, /huy, /sua, confirm/undo buttons — all answered by
the conversation core (bot/conversation) through handlers/adapter.py."""

from __future__ import annotations

from typing import Any

from telegram.ext import Application, CallbackQueryHandler, MessageHandler, filters

from handlers.adapter import add_command, on_button, on_edit, on_text


def register(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    add_command(app, "baocao")
    add_command(app, "huy")
    add_command(app, "sua")
    app.add_handler(CallbackQueryHandler(on_button, pattern=r"^(u|cf|cx|sa|st):"))
    app.add_handler(MessageHandler(filters.UpdateType.MESSAGE & filters.TEXT & ~filters.COMMAND, on_text))
    app.add_handler(MessageHandler(filters.UpdateType.EDITED_MESSAGE & filters.TEXT, on_edit))
