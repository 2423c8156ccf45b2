"""/lienketzalo (/linkzalo): a one-time code that links the caller's Zalo account (bot/zalo/linking.py)."""

from __future__ import annotations

from typing import Any

from telegram.ext import Application

from handlers.base import add_command


def register(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Only when the bot also serves Zalo (CHANNELS=zalo|both): otherwise the command would lead nowhere."""
    svc = app.bot_data.get("svc")
    if svc is not None and svc.settings.channel_names == {"telegram"}:
        return
    add_command(app, "lienketzalo")
