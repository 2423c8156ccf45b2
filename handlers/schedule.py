"""/tonghop (/summary), /lich (/schedule) and the scheduler's repeating JobQueue job."""

from __future__ import annotations

from typing import Any

from telegram.ext import Application

from bot.scheduling import install
from handlers.adapter import add_command


def register(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    add_command(app, "tonghop")
    add_command(app, "lich")
    install(app)
