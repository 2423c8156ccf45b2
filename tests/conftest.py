"""Shared fixtures: databases (SQLite, PostgreSQL) and the e2e harness.

The harness runs the REAL PTB Application, polling over HTTP, against the local Bot API emulator
(bot/emulator), on a fresh database seeded with the demo commune, with a controllable clock.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import create_engine, text
from telegram import Update
from telegram.ext import AIORateLimiter, Application

from bot.app import build_application
from bot.config import Settings
from bot.demo_data import GROUP_ID, Demo, seed_demo
from bot.emulator import Emulator, Limits, SentMessage, User
from storage.db import Database

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
PG_URL = os.environ.get("VNEID_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
TOKEN = "123456:TEST-token-for-the-emulator-0000"
GROUP_WINDOW = 3.0  # the emulator's per-group window, scaled down from 60 s (the bot's limiter is scaled alike)


class FakeClock:
    """A settable clock for Services (aware datetimes)."""

    def __init__(self, start: datetime) -> None:
        self._now = start

    def __call__(self) -> datetime:
        return self._now

    def set(self, when: datetime) -> None:
        self._now = when if when.tzinfo else when.replace(tzinfo=TZ)

    def advance(self, delta: timedelta) -> None:
        self._now = self._now + delta


def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'test.db'}"


def pg_available() -> str | None:
    """None when PostgreSQL answers, else the reason."""
    try:
        eng = create_engine(PG_URL, connect_args={"connect_timeout": 3})
        with eng.connect() as conn:
            conn.execute(text("SELECT 1"))
        eng.dispose()
        return None
    except Exception as exc:  # noqa: BLE001 - any failure means "skip"
        return f"PostgreSQL not reachable at {PG_URL}: {type(exc).__name__}"


@pytest.fixture
def sqlite_db(tmp_path: Path) -> Iterator[Database]:
    db = Database(sqlite_url(tmp_path))
    db.upgrade()
    yield db
    db.dispose()


@pytest.fixture
def pg_db() -> Iterator[Database]:
    """A migrated PostgreSQL database in a schema of its own (dropped afterwards)."""
    reason = pg_available()
    if reason:
        pytest.skip(reason)
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_URL)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    db = Database(PG_URL, connect_args={"options": f"-csearch_path={schema}"})
    db.upgrade()
    try:
        yield db
    finally:
        db.dispose()
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def any_db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    """The same test on SQLite and on PostgreSQL."""
    if request.param == "sqlite":
        yield request.getfixturevalue("sqlite_db")
    else:
        yield request.getfixturevalue("pg_db")


def make_settings(db_url: str, emu: Emulator, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "telegram_bot_token": emu.token,
        "telegram_api_base_url": emu.base_url,
        "telegram_api_file_url": emu.base_file_url,
        "database_url": db_url,
        "admin_ids": [],
        "_env_file": None,
    }
    values.update(overrides)
    return Settings(**values)


class Harness:
    """Acts as users in chats and reads what the real bot answered."""

    def __init__(self, emu: Emulator, app: Application[Any, Any, Any, Any, Any, Any], db: Database,
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



async def start_app(settings: Settings, db: Database, clock: FakeClock) -> Application[Any, Any, Any, Any, Any, Any]:
    limiter = AIORateLimiter(overall_max_rate=30, overall_time_period=1, group_max_rate=20,
                             group_time_period=GROUP_WINDOW, max_retries=10)
    app = build_application(settings, db=db, clock=clock, rate_limiter=limiter)
    await app.initialize()
    if app.post_init:
        await app.post_init(app)
    await app.start()
    assert app.updater is not None
    await app.updater.start_polling(poll_interval=0.0, timeout=1, allowed_updates=Update.ALL_TYPES)
    return app


async def stop_app(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    if app.updater is not None and app.updater.running:
        await app.updater.stop()
    if app.running:
        await app.stop()
    await app.shutdown()


@pytest.fixture
async def emulator() -> AsyncIterator[Emulator]:
    emu = Emulator(TOKEN, limits=Limits(group_window=GROUP_WINDOW))
    await emu.start()
    try:
        yield emu
    finally:
        await emu.stop()


@pytest.fixture
async def harness(emulator: Emulator, tmp_path: Path) -> AsyncIterator[Harness]:
    db = Database(sqlite_url(tmp_path))
    db.upgrade()
    demo = seed_demo(db)
    clock = FakeClock(datetime(2025, 8, 14, 10, 0, tzinfo=TZ))
    settings = make_settings(sqlite_url(tmp_path), emulator)
    emulator.group_chat(GROUP_ID, "Tổ CNS Xã Tân Hòa")
    app = await start_app(settings, db, clock)
    h = Harness(emulator, app, db, clock, demo)
    try:
        yield h
    finally:
        await stop_app(app)
        db.dispose()
