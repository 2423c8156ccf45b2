"""The update intake: every update's attempts are counted durably (`inbox` table) BEFORE it is handled.

* polling counts the first attempt of a batch's new updates at once (`count_fetched`); any other update
  is counted when it starts (`begin`);
* a new update is handled; one already handled (a re-delivery after a crash) is skipped;
* an update whose handling raised is marked failed; once it has failed (or been in flight when the process
  died) `MAX_UPDATE_ATTEMPTS` times it is parked in `dead_letters`, the admins are told once, and intake
  goes on;
* an update PTB cannot even parse (a poison update) is parked at once and replaced by an empty update, so
  that polling moves on instead of retrying the same batch forever.

Keyed by (channel, bot id, update key) so that a webhook intake (the payload kept until handled) and the
Zalo channel can use the same table. Plain Python over storage.intake_repo; the caller runs it in
`blocking` (inline on SQLite, a worker thread on PostgreSQL).
"""

from __future__ import annotations

import contextvars
import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from bot.core.services import Services
from storage import intake_repo

log = logging.getLogger(__name__)

Action = Literal["handle", "skip", "park"]
KEEP_DAYS = 7  # handled updates are forgotten after this (parked ones stay with their dead letters)
FETCHED_MAX = 10_000  # updates fetched and not yet started (a getUpdates batch is at most 100)


@dataclass
class Attempt:
    """The update being handled (a context variable of its task): the error handler notes a failure
    (`note_failure`), long work marks it `background` (handlers/background.py finishes it)."""

    key: str
    attempts: int
    error: str | None = None
    background: bool = False


_current: contextvars.ContextVar[Attempt | None] = contextvars.ContextVar("vneid_intake_attempt", default=None)


def track(key: str, attempts: int) -> tuple[Attempt, contextvars.Token[Attempt | None]]:
    holder = Attempt(key, attempts)
    return holder, _current.set(holder)


def untrack(token: contextvars.Token[Attempt | None]) -> None:
    _current.reset(token)


def current_attempt() -> Attempt | None:
    return _current.get()


def note_failure(exc: BaseException | None) -> None:
    """Called by the error handler: the update being handled failed."""
    holder = _current.get()
    if holder is not None and holder.error is None:
        holder.error = f"{type(exc).__name__}: {exc}"[:2000] if exc is not None else "error"


def _now() -> datetime:
    return datetime.now(UTC)


class Intake:
    def __init__(self, svc: Services, channel: str, bot: str) -> None:
        self.svc, self.channel, self.bot = svc, channel, bot
        self.max_attempts = svc.settings.max_update_attempts
        self._purged_at: datetime | None = None
        self.running: set[str] = set()  # keys of background work running in this process
        self.fetched: dict[str, bool] = {}  # count_fetched: update key -> its first attempt was counted then

    def begin(self, key: str, chat_id: str | None) -> tuple[Action, int]:
        """Count this attempt; what to do with the update and how many attempts it has had. The same
        transaction writes what trails behind (earlier updates' outcomes, confirmation ids: storage/behind.py),
        one round trip for the three."""
        now = _now()
        if key in self.running:
            return "skip", 0  # a re-delivery while its background work runs here
        with self.svc.db.carrying() as s:
            attempts, status = intake_repo.count_attempt(s, channel=self.channel, bot=self.bot, key=key,
                                                         chat_id=chat_id, now=now)
        if status == "done" or status == "parked":
            return "skip", attempts
        if attempts > self.max_attempts:
            return "park", attempts
        self._purge(now)
        return "handle", attempts

    def count_fetched(self, updates: list[tuple[str, str | None]]) -> None:
        """Polling: count the first attempt of every new update of a getUpdates batch in one transaction,
        before any of them is handled (with what trails behind). `fetched` then says, per update, whether
        that was its first attempt (True) or it had been seen before (False: a re-delivery after a crash,
        counted again by `begin` when it starts, and handled alone; see OrderedUpdateProcessor)."""
        now = _now()
        # fetched and counted already, never handed to a handler: PTB could not parse their batch (one
        # update of it was poison) and fetched it again; their first attempt is still to come
        updates = [(key, chat) for key, chat in updates if self.fetched.get(key) is not True]
        with self.svc.db.carrying() as s:
            new = intake_repo.count_new(s, channel=self.channel, bot=self.bot, updates=updates, now=now)
        if len(self.fetched) > FETCHED_MAX:  # never taken (cannot happen: each fetched update is handled)
            self.fetched.clear()
        self.fetched.update({key: key in new for key, _chat in updates})
        self._purge(now)

    def take_fetched(self, key: str) -> bool | None:
        """True: counted when fetched, handle it; False: seen before, count it now (`begin`); None: not
        fetched by polling (a webhook, resumed background work): `begin`."""
        return self.fetched.pop(key, None)

    def finish(self, key: str, error: str | None, attempts: int) -> bool:
        """Record the outcome; True when the update must now be parked (failed K times)."""
        with self.svc.db.carrying() as s:
            intake_repo.finish_attempt(s, channel=self.channel, bot=self.bot, key=key,
                                       status="failed" if error else "done", now=_now(), error=error)
        return error is not None and attempts >= self.max_attempts

    def done_later(self, key: str) -> None:
        """The update was handled: its row becomes "done" with the next intake transaction or `flush`
        (storage/behind.py; until then a re-delivery is handled again and found stored)."""
        self.svc.db.behind.done(self.channel, self.bot, key, _now())

    def flush(self) -> None:
        """Write what trails behind now (before a getUpdates confirms the updates to Telegram, at shutdown)."""
        self.svc.db.flush_behind()

    def to_background(self, key: str, payload: dict[str, Any]) -> None:
        """The update's work continues after its handler returned: keep it until that work ends."""
        with self.svc.db.session() as s:
            intake_repo.finish_attempt(s, channel=self.channel, bot=self.bot, key=key, status="background",
                                       now=_now(), payload=payload)

    def unfinished(self) -> list[dict[str, Any]]:
        """Payloads of background work a previous process did not finish (to be handled again)."""
        with self.svc.db.session() as s:
            return intake_repo.background_payloads(s, channel=self.channel, bot=self.bot)

    def park(self, key: str, chat_id: str | None, attempts: int, error: str | None,
             payload: dict[str, Any] | None) -> int | None:
        """Into the dead letters; the dead letter's id if it is new (the admins are to be told), else None."""
        with self.svc.db.session() as s:
            if error is None:
                error = intake_repo.last_error(s, channel=self.channel, bot=self.bot, key=key) or (
                    "the process stopped while handling it")
            return intake_repo.park(s, channel=self.channel, bot=self.bot, key=key, chat_id=chat_id,
                                    attempts=attempts, error=error, payload=payload, now=_now())

    def told(self, dead_letter_id: int) -> None:
        with self.svc.db.session() as s:
            intake_repo.mark_told(s, dead_letter_id, _now())

    def _purge(self, now: datetime) -> None:
        if self._purged_at is not None and now - self._purged_at < timedelta(hours=1):
            return
        self._purged_at = now
        with self.svc.db.session() as s:
            intake_repo.purge_inbox(s, now - timedelta(days=KEEP_DAYS))
