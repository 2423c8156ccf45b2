"""What is due when: chat times, the due list of a chat, retry backoff, the broadcast pacer."""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from collections.abc import Awaitable, Callable, Container
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import TypeVar

from bot.present import reminders
from storage.schedule_repo import BoundChat

TICK_SECONDS = 30
#: the advisory lock key of the scheduler ("vneidSCH"), one per database
LOCK_KEY = 0x766E_6569_6453_4348
KINDS = ("reminder", "escalation", "daily", "weekly")
KIND_ORDER = {k: i for i, k in enumerate(KINDS)}
FINAL = ("sent", "skipped", "dead")
T = TypeVar("T")
CHANNEL = "telegram"
HISTORY_DAYS = 30


# ---------------------------------------------------------------------------------------------
# What is due (pure)
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Due:
    chat: BoundChat
    kind: str
    day: date
    due_at: datetime
    off_day: bool = False  # a holiday or one of the chat's skip weekdays


@dataclass(frozen=True)
class Defaults:
    reminder_time: time
    summary_time: time
    weekly_day: int
    grace: timedelta


def chat_times(chat: BoundChat, d: Defaults) -> tuple[time, time, int]:
    return (chat.reminder_time or d.reminder_time, chat.summary_time or d.summary_time,
            d.weekly_day if chat.weekly_day is None else chat.weekly_day)


def due_for_chat(chat: BoundChat, now: datetime, d: Defaults, holidays: Container[date]) -> list[Due]:
    """What of `chat` is due at `now`: its time on that day has passed, at most `grace` ago.

    Days from (now - grace) to now are looked at, so a summary at 23:30 caught up after midnight is
    still the previous day's. Reminders and escalations are not due on holidays or skip weekdays;
    summaries are (the sender skips them when nobody reported that day).
    """
    tz = now.tzinfo
    reminder_at, summary_at, weekly_day = chat_times(chat, d)
    skip = reminders.parse_weekdays(chat.skip_weekdays)
    out: list[Due] = []
    day = (now - d.grace).date()
    while day <= now.date():
        off = not reminders.is_working_day(day, skip, holidays)
        candidates: list[tuple[str, time]] = []
        if chat.reminders_enabled and not off:
            candidates.append(("reminder", reminder_at))
            if chat.has_children:  # a unit that reports itself has nobody below it to escalate
                candidates.append(("escalation", reminder_at))
        if chat.summaries_enabled:
            candidates.append(("daily", summary_at))
            if day.weekday() == weekly_day:
                candidates.append(("weekly", summary_at))
        for kind, at in candidates:
            due_at = datetime.combine(day, at, tzinfo=tz)
            if due_at <= now <= due_at + d.grace:
                out.append(Due(chat, kind, day, due_at, off))
        day += timedelta(days=1)
    out.sort(key=lambda x: (x.due_at, KIND_ORDER[x.kind]))
    return out


def pending(row_status: str | None, next_attempt_at: datetime | None, now: datetime) -> bool:
    """Whether an outbox row (None: no row yet) may be claimed at `now`."""
    if row_status is None:
        return True
    if row_status in FINAL:
        return False
    return next_attempt_at is None or next_attempt_at <= now


def backoff(attempts: int, base: float = 60.0, cap: float = 1800.0) -> timedelta:
    """60 s, 2 min, 4 min, ... up to 30 min."""
    return timedelta(seconds=min(cap, base * 2 ** max(0, attempts - 1)))


class Pacer:
    """Lets concurrent senders through evenly spaced, so that at most `limit` sends fall in any `window`.

    Why: PTB's AIORateLimiter is a leaky bucket. After an idle period it lets a burst of 30 through and
    then 30/s, i.e. up to ~60 messages in the first second, which a strict 30-per-second window
    (Telegram's, and the emulator's) answers with 429s; each 429 pauses every request for
    retry_after + 0.1 s, and the requests held during the pause then go out together and cause more.
    Measured on 1,000 groups: ~650 429s and 1.65x the ideal time. Pacing the broadcast just under the
    limit keeps the limiter (still in the path, with its RetryAfter retries and the per-group limit)
    from ever having to throttle.

    How: slots `window / limit` apart are reserved without awaiting (concurrent callers get
    consecutive slots); then a guard counts every send that is still in flight or completed less than
    `window` ago and waits while that reaches `limit`. Telegram receives a request between its release
    and its completion, so any `window` at Telegram's end holds at most `limit` of our sends, however
    the event loop or the network delays them (and requests stuck in a limiter pause are counted too).
    The price is one round trip per window: at 50 ms per request, 29 per 1.05 s.
    """

    def __init__(self, limit: int, window: float = 1.0) -> None:
        self.limit = max(1, limit)
        self.window = window
        self.interval = window / self.limit
        self._next = 0.0
        self._inflight = 0
        self._done: deque[float] = deque()
        self._changed = asyncio.Event()

    async def run(self, send: Callable[[], Awaitable[T]]) -> T:
        loop = asyncio.get_running_loop()
        now = loop.time()
        slot = max(now, self._next)
        self._next = slot + self.interval
        if slot > now:
            await asyncio.sleep(slot - now)
        while True:
            now = loop.time()
            while self._done and self._done[0] <= now - self.window:
                self._done.popleft()
            if self._inflight + len(self._done) < self.limit:
                break
            self._changed.clear()
            timeout = self._done[0] + self.window - now if self._done else None
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), timeout)
        self._inflight += 1
        try:
            return await send()
        finally:
            self._inflight -= 1
            self._done.append(loop.time())
            self._changed.set()
