"""/tonghop (/summary), /lich (/schedule), /kieuxacnhan (/confirmstyle): the conversation core answers them
(the scheduler's JobQueue job is installed by bot/channels/telegram/app.py; the digests' by handlers/reactions.py)."""

from __future__ import annotations

from typing import Any

from telegram.ext import Application

from handlers.adapter import add_command


def register(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    add_command(app, "tonghop")
    add_command(app, "lich")
    add_command(app, "kieuxacnhan")
