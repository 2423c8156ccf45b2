"""Leader views: /tiendo, /xephang, /chuabaocao, /bieudo, /xuat (answered by the conversation core)."""

from __future__ import annotations

from typing import Any

from telegram.ext import Application

from handlers.adapter import add_command


def register(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    for name in ("tiendo", "xephang", "chuabaocao", "bieudo", "xuat"):
        add_command(app, name)
