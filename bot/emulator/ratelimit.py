"""Telegram-like flood control: sliding windows (global, per group) and a token bucket (private chats)."""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable

from .models import Limits


def _retry(seconds: float) -> int:
    """Whole seconds to wait so that a call made after waiting them passes (at least 1)."""
    return max(1, math.ceil(seconds - 1e-9))


class _Window:
    """At most ``limit`` events in any sliding window of ``period`` seconds."""

    __slots__ = ("events", "limit", "period")

    def __init__(self, limit: int, period: float) -> None:
        self.limit = limit
        self.period = period
        self.events: deque[float] = deque()

    def wait_time(self, now: float) -> float:
        while self.events and self.events[0] <= now - self.period:
            self.events.popleft()
        if len(self.events) < self.limit:
            return 0.0
        # the (len - limit + 1)-th oldest event has to leave the window
        return self.events[len(self.events) - self.limit] + self.period - now

    def add(self, now: float) -> None:
        self.events.append(now)


class _Bucket:
    """Token bucket: ``burst`` tokens, refilled at ``rate`` per second."""

    __slots__ = ("burst", "rate", "stamp", "tokens")

    def __init__(self, burst: int, rate: float, now: float) -> None:
        self.burst = burst
        self.rate = rate
        self.tokens = float(burst)
        self.stamp = now

    def _refill(self, now: float) -> None:
        self.tokens = min(float(self.burst), self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now

    def wait_time(self, now: float) -> float:
        self._refill(now)
        if self.tokens >= 1.0:
            return 0.0
        return (1.0 - self.tokens) / self.rate

    def add(self, now: float) -> None:
        self._refill(now)
        self.tokens -= 1.0


class FloodControl:
    """Decides whether one more message may be sent now. Not thread-safe; the event loop serialises it."""

    def __init__(self, limits: Limits, clock: Callable[[], float] = time.monotonic) -> None:
        self.limits = limits
        self.clock = clock
        self._global = _Window(limits.global_per_window, limits.global_window)
        self._groups: dict[int, _Window] = {}
        self._private: dict[int, _Bucket] = {}

    def acquire(self, chat_id: int, chat_type: str, *, in_group: bool = True) -> int | None:
        """Record one send and return None, or return retry_after (seconds) and record nothing.
        `in_group`: a group's own window counts it too."""
        if not self.limits.rate_limits:
            return None
        now = self.clock()
        wait = self._global.wait_time(now)
        group: _Window | None = None
        bucket: _Bucket | None = None
        if chat_type in ("group", "supergroup") and in_group:
            group = self._groups.get(chat_id)
            if group is None:
                group = self._groups[chat_id] = _Window(self.limits.group_per_window, self.limits.group_window)
            wait = max(wait, group.wait_time(now))
        elif chat_type == "private" and self.limits.private_per_second > 0:
            bucket = self._private.get(chat_id)
            if bucket is None:
                bucket = self._private[chat_id] = _Bucket(
                    self.limits.private_burst, self.limits.private_per_second, now
                )
            wait = max(wait, bucket.wait_time(now))
        if wait > 0:
            return _retry(wait)
        self._global.add(now)
        if group is not None:
            group.add(now)
        if bucket is not None:
            bucket.add(now)
        return None

    def reset(self) -> None:
        self._global = _Window(self.limits.global_per_window, self.limits.global_window)
        self._groups.clear()
        self._private.clear()
