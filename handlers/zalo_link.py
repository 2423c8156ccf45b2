"""/lienketzalo (/linkzalo): a one-time code that links the caller's Zalo account (bot/zalo/linking.py)."""

from __future__ import annotations

from typing import Any

from telegram.ext import Application

from handlers.adapter import add_command


def register(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Only when the bot also serves Zalo (CHANNELS=zalo|both): otherwise the command would lead nowhere."""
    container = app.bot_data.get("container")
    if container is not None and container.settings.channel_names == {"telegram"}:
        return
    add_command(app, "lienketzalo")
