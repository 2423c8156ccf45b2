"""/chinhthuc (/official), /chiso (/indicator): answered by the conversation core."""

from __future__ import annotations

from typing import Any

from telegram.ext import Application

from handlers.adapter import add_command


def register(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    add_command(app, "chinhthuc")
    add_command(app, "chiso")
