"""The scheduler tests' world: a fake bot that records sends (or raises the Telegram errors it is given),
services on a fixed clock, report rows stored directly, the deliveries table."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from bot.config import Settings
from bot.demo_data import GROUP_ID
from bot.services import Services
from storage import repo
from storage.db import Database
from storage.models import Delivery, Member, Report
from tests.helpers.world import TZ

ADMIN = 999
_msg_ids = itertools.count(10_000)


def at(y: int, mo: int, d: int, h: int = 0, mi: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, tzinfo=TZ)


@dataclass
class Sent:
    chat_id: int
    kind: str
    text: str
    message_id: int


@dataclass
class FakeBot:
    """Records sends; `errors[chat_id]` is a list of exceptions raised by the next sends to that chat."""

    sent: list[Sent] = field(default_factory=list)
    errors: dict[int, list[Exception]] = field(default_factory=dict)
    always: dict[int, Exception] = field(default_factory=dict)
    photo_errors: list[Exception] = field(default_factory=list)
    counter: Iterator[int] = field(default_factory=lambda: itertools.count(1))

    def _check(self, chat_id: int) -> None:
        if chat_id in self.always:
            raise self.always[chat_id]
        pending = self.errors.get(chat_id)
        if pending:
            raise pending.pop(0)

    async def send_message(self, chat_id: int | str, text: str, **_: Any) -> Any:
        self._check(int(chat_id))
        mid = next(self.counter)
        self.sent.append(Sent(int(chat_id), "text", text, mid))
        return Msg(mid)

    async def send_photo(self, chat_id: int | str, photo: bytes, caption: str | None = None, **_: Any) -> Any:
        self._check(int(chat_id))
        if self.photo_errors:
            raise self.photo_errors.pop(0)
        mid = next(self.counter)
        self.sent.append(Sent(int(chat_id), "photo", caption or "", mid))
        return Msg(mid)

    def to(self, chat_id: int) -> list[Sent]:
        return [m for m in self.sent if m.chat_id == chat_id]


@dataclass
class Msg:
    message_id: int


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def make_services(db: Database, now: datetime, **overrides: Any) -> Services:
    values: dict[str, Any] = {"telegram_bot_token": "1:x", "_env_file": None, "admin_ids": [ADMIN]}
    values.update(overrides)
    return Services(Settings(**values), db, Clock(now))


def report(db: Database, unit_id: int, day: date, value: int, metric: str = "l2", reporter_ext: int | None = None) -> None:
    """Store one current report row (as the recording service would)."""
    with db.session() as s:
        if reporter_ext is None:
            reporter = s.query(Member).filter(Member.unit_id == unit_id).order_by(Member.id).first()
        else:
            reporter = repo.member_by_external(s, "telegram", str(reporter_ext))
        assert reporter is not None
        s.add(Report(unit_id=unit_id, metric=metric, day=day, value=value, reporter_id=reporter.id,
                     chat_id=str(GROUP_ID), message_id=next(_msg_ids), raw_text=f"{value}"))


def group_chat_id(db: Database) -> int:
    with db.session() as s:
        chat = repo.chat_by_external(s, "telegram", str(GROUP_ID))
        assert chat is not None
        return chat.id


def deliveries(db: Database) -> list[Delivery]:
    with db.session() as s:
        rows = list(s.query(Delivery).order_by(Delivery.id))
        s.expunge_all()
    return rows
