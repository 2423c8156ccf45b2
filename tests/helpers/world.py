"""The test world: clock, URLs, settings, free ports, and migrated SQLite databases.

Running the Alembic migrations (and seeding the demo commune) costs 0.3-0.9 s a database on this
machine; tests pay it once a process: `migrated_sqlite` and `demo_world` copy a template file made on
first use (the same schema and rows the migrations and `seed_demo` make; each test gets its own copy).
"""

from __future__ import annotations

import atexit
import contextlib
import copy
import os
import shutil
import socket
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import create_engine, text

from bot.config import Settings
from bot.demo_data import Demo, seed_demo
from bot.emulator import Emulator
from storage.db import Database

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
PG_URL = os.environ.get("VNEID_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
TOKEN = "123456:TEST-token-for-the-emulator-0000"
#: Telegram's flood limits in the harness run 20 times faster than Telegram's (the bot's limiter is scaled
#: alike): a group's window is 3 s instead of 60 s, a private chat's bucket (5 messages) refills at 20 a
#: second instead of 1. At Telegram's own private rate a test of a dozen commands in one private chat
#: spent most of its time waiting out 429s (retry_after is at least 1 s); the 429 path itself is tested
#: by test_emulator (the limits), test_scheduling (the pacer) and the faults tier (429 storms).
LIMITS_SPEEDUP = 20.0
GROUP_WINDOW = 60.0 / LIMITS_SPEEDUP
PRIVATE_RATE = 1.0 * LIMITS_SPEEDUP
START = datetime(2025, 8, 14, 10, 0, tzinfo=TZ)  # the clock of the demo world


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


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


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


# ---- template databases ------------------------------------------------------------------------------

_TEMPLATES: dict[str, tuple[Path, Demo | None]] = {}


def _template(kind: str) -> tuple[Path, Demo | None]:
    """A closed SQLite file, migrated ("migrated") or migrated and seeded with the demo ("demo")."""
    if kind not in _TEMPLATES:
        folder = Path(tempfile.mkdtemp(prefix=f"vneid-{kind}-"))
        atexit.register(shutil.rmtree, folder, True)
        db = Database(sqlite_url(folder))
        db.upgrade()
        demo = seed_demo(db) if kind == "demo" else None
        db.dispose()  # the last connection checkpoints the WAL: the one file holds everything
        _TEMPLATES[kind] = (folder / "test.db", demo)
    return _TEMPLATES[kind]


def _copy(kind: str, tmp_path: Path) -> tuple[Database, Demo | None]:
    source, demo = _template(kind)
    shutil.copyfile(source, tmp_path / "test.db")
    return Database(sqlite_url(tmp_path)), copy.deepcopy(demo)


def migrated_sqlite(tmp_path: Path) -> Database:
    """What `Database(sqlite_url(tmp_path)).upgrade()` gives, from the template."""
    return _copy("migrated", tmp_path)[0]


@dataclass
class World:
    """A migrated SQLite database at `url` seeded with the demo commune, and a clock at START."""

    url: str
    db: Database
    demo: Demo
    clock: FakeClock


def demo_world(tmp_path: Path) -> World:
    """What upgrade + `seed_demo` give, from the template (each call its own file and clock)."""
    db, demo = _copy("demo", tmp_path)
    assert demo is not None
    return World(sqlite_url(tmp_path), db, demo, FakeClock(START))


@contextlib.contextmanager
def fresh_pg_schema(prefix: str = "t") -> Iterator[str]:
    """A new, empty PostgreSQL schema (its name), dropped afterwards; the caller skips when PostgreSQL is absent."""
    schema = f"{prefix}_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_URL)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield schema
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()
