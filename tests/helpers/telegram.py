"""The e2e harness: the REAL PTB Application, polling over HTTP, against the Bot API emulator
(bot/emulator), on a database seeded with the demo commune, with a controllable clock; and the helpers
of the schedule journeys (the clock at a time of the day, one scheduler tick, the messages of a kind)."""

from __future__ import annotations

import asyncio
from datetime import date, datetime
from typing import Any

from telegram import Update
from telegram.ext import AIORateLimiter, Application

from bot.app import build_application
from bot.config import Settings
from bot.demo_data import GROUP_ID, Demo
from bot.emulator import Emulator, SentMessage, User
from bot.scheduling import scheduler_of
from storage.db import Database
from tests.helpers.world import GROUP_WINDOW, TZ, FakeClock

App = Application[Any, Any, Any, Any, Any, Any]
DAY = date(2025, 8, 14)  # the demo world's day (its clock starts at 10:00)


class Harness:
    """Acts as users in chats and reads what the real bot answered."""

    def __init__(self, emu: Emulator, app: App, db: Database,
                 clock: FakeClock, demo: Demo) -> None:
        self.emu, self.app, self.db, self.clock, self.demo = emu, app, db, clock, demo
        self.svc = app.bot_data["container"].svc
        self._users: dict[int, User] = {}
        self.last_message_id = 0  # the newest message a user sent through say()/say_quiet()

    def user(self, user_id: int, name: str | None = None) -> User:
        if user_id not in self._users or name:
            self._users[user_id] = User(user_id, name or f"Người dùng {user_id}")
        return self._users[user_id]

    def group(self, chat_id: int = GROUP_ID, title: str = "Tổ CNS Xã Tân Hòa", type: str = "group") -> None:  # noqa: A002
        self.emu.group_chat(chat_id, title, type)

    def _ensure_chat(self, chat_id: int, user: User) -> None:
        if chat_id < 0:
            try:
                self.emu.chat(chat_id)
            except (KeyError, Exception):
                self.group(chat_id, f"Nhóm {chat_id}")
        else:
            self.emu.private_chat(user)

    async def say_quiet(self, chat_id: int, user_id: int, text: str, wait: float = 0.5) -> list[SentMessage]:
        """Send and collect whatever the bot answers in that chat once the update was handled."""
        user = self.user(user_id)
        self._ensure_chat(chat_id, user)
        mark = self.emu.mark()
        self.last_message_id = int(self.emu.send_message(chat_id, user, text)["message_id"])
        await self.emu.wait_idle(10)
        await asyncio.sleep(wait)
        return [m for m in self.emu.sent(chat_id) if m.seq > mark]

    async def say(self, chat_id: int, user_id: int, text: str, count: int = 1, timeout: float = 10.0) -> list[SentMessage]:
        """Send as that user; wait for at least `count` bot messages in that chat and return them."""
        user = self.user(user_id)
        self._ensure_chat(chat_id, user)
        mark = self.emu.mark()
        self.last_message_id = int(self.emu.send_message(chat_id, user, text)["message_id"])
        return await self.emu.wait_for_messages(chat_id, count, timeout=timeout, since=mark)

    async def edit(self, chat_id: int, message_id: int, text: str, count: int = 1) -> list[SentMessage]:
        mark = self.emu.mark()
        self.emu.edit_message(chat_id, message_id, text)
        return await self.emu.wait_for_messages(chat_id, count, since=mark) if count else []

    async def press(self, chat_id: int, message_id: int, user_id: int, data: str) -> dict[str, Any]:
        answers = len(self.emu.callback_answers)
        self.emu.press_button(chat_id, message_id, self.user(user_id), data)
        return await self.emu.wait_for_answer(since=answers)

    async def send_document(self, chat_id: int, user_id: int, filename: str, content: bytes,
                            caption: str | None = None, count: int = 1, timeout: float = 20.0) -> list[SentMessage]:
        user = self.user(user_id)
        self._ensure_chat(chat_id, user)
        mark = self.emu.mark()
        self.emu.send_document(chat_id, user, filename, content, caption=caption)
        return await self.emu.wait_for_messages(chat_id, count, timeout=timeout, since=mark)


async def start_app(settings: Settings, db: Database, clock: FakeClock) -> App:
    limiter = AIORateLimiter(overall_max_rate=30, overall_time_period=1, group_max_rate=20,
                             group_time_period=GROUP_WINDOW, max_retries=10)
    return await run_app(build_application(settings, db=db, clock=clock, rate_limiter=limiter))


async def run_app(app: App) -> App:
    """Initialise and start a built Application and start it polling the emulator (what `run` does)."""
    await app.initialize()
    if app.post_init:
        await app.post_init(app)
    await app.start()
    assert app.updater is not None
    await app.updater.start_polling(poll_interval=0.0, timeout=1, allowed_updates=Update.ALL_TYPES)
    return app


async def stop_app(app: App) -> None:
    if app.updater is not None and app.updater.running:
        await app.updater.stop()
    if app.running:
        await app.stop()
    await app.shutdown()


# ---- schedule journeys -------------------------------------------------------------------------------


def at(h: int, m: int, day: date = DAY) -> datetime:
    return datetime(day.year, day.month, day.day, h, m, tzinfo=TZ)


def texts(msgs: list[SentMessage]) -> list[str]:
    return [m.text or m.caption or "" for m in msgs]


def of_kind(h: Harness, chat_id: int, marker: str) -> list[str]:
    return [x for x in texts(h.emu.sent(chat_id)) if marker in x]


async def tick(h: Harness, app: App | None = None) -> None:
    await scheduler_of(app or h.app).tick()
