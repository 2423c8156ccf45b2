"""Settings, database and clock of a process (the domain services take it; bot/bootstrap.py builds the rest)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime

from bot.config import Settings
from bot.core import names
from bot.core.access import Caller
from storage import repo
from storage.db import Database

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]


def system_clock() -> datetime:
    return datetime.now(UTC)


@dataclass
class Services:
    settings: Settings
    db: Database
    clock: Clock = system_clock

    def now(self) -> datetime:
        """Aware local time in the configured timezone."""
        return self.clock().astimezone(self.settings.tz)

    def today(self) -> date:
        return self.now().date()

    def _admin_id(self, channel: str, ext: str) -> bool:
        return channel == "telegram" and ext.lstrip("-").isdigit() and int(ext) in self.settings.admin_ids

    def caller(self, channel: str, external_id: str | int, name: str = "", language: str | None = None) -> Caller:
        ext = str(external_id)
        name = names.sanitize(name)  # a platform profile's name: no bidi/control characters, NFC (issue 15)
        is_admin = self._admin_id(channel, ext)
        with self.db.reading() as s:  # two statements at most (a linked account): no snapshot needed
            member = repo.roster_entry(s, channel, ext)
            if member is not None and member.linked_member_id is not None:  # a linked account: the primary member
                member = repo.roster_entry_by_id(s, member.linked_member_id)
                if member is not None and not is_admin and member.channel == "telegram":
                    is_admin = member.external_id.isdigit() and int(member.external_id) in self.settings.admin_ids
            return Caller.of(channel, ext, name, member, global_admin=is_admin,
                             language=language or self.settings.language)

    def roster_callers(self, channel: str, users: list[tuple[str, str]]) -> dict[tuple[str, str], Caller]:
        """`caller` for many senders at once (external id, name), in one statement: the roster members
        among them, as `caller` gives them. Strangers and linked accounts are left out (`caller` then
        looks them up one by one)."""
        wanted = {ext for ext, _name in users}
        with self.db.reading() as s:
            entries = repo.roster_entries(s, channel, sorted(wanted))
        found: dict[tuple[str, str], Caller] = {}
        for ext, name in users:
            entry = entries.get(ext)
            if entry is None or entry.linked_member_id is not None or not entry.active:
                continue
            found[(ext, name)] = Caller.of(channel, ext, names.sanitize(name), entry,
                                           global_admin=self._admin_id(channel, ext), language=self.settings.language)
        return found
