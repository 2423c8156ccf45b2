"""Monthly message quota of a Zalo bot (Bot Platform or Official Account), counted in the database.

Zalo's plans cap what a bot may send a month (Basic Bot Platform plan, as publicly reported: 3,000
messages; docs/zalo.md). Every message the bot sends is counted per bot per calendar month (local time)
in ``send_counters`` — across restarts and processes. At ``warn_percent`` of the limit the admins are
told once; when Zalo answers "quota exceeded" (429) the meter is marked exhausted for the month: the
bot stops sending (no retry storm), tells the admins once, and resumes by itself next month.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from bot.core import fmt
from bot.core.services import Services
from storage import zalo_repo

log = logging.getLogger(__name__)

Notify = Callable[[str, dict[str, Any]], Awaitable[None]]


class QuotaMeter:
    def __init__(self, svc: Services, channel: str, bot: str, limit: int, warn_percent: int = 80,
                 notify: Notify | None = None) -> None:
        self.svc = svc
        self.channel = channel
        self.bot = bot
        self.limit = limit
        self.warn_percent = warn_percent
        self.notify = notify
        self._exhausted_period: str | None = None

    def period(self) -> str:
        return self.svc.clock().astimezone(self.svc.settings.tz).strftime("%Y-%m")

    def month_label(self) -> str:
        p = self.period()
        return f"{p[5:]}/{p[:4]}"

    # ---- sync parts (SQL) -----------------------------------------------------------------------------

    def _count(self, n: int) -> tuple[int, bool]:
        """(sent this month, True when this send crossed the warning threshold first)."""
        now, period = self.svc.clock(), self.period()
        with self.svc.db.session() as s:
            c = zalo_repo.count_sends(s, self.channel, self.bot, period, n, now)
            crossed = (not c.warned and c.sent * 100 >= self.limit * self.warn_percent
                       and zalo_repo.mark_once(s, self.channel, self.bot, period, "warned_at", now))
        return c.sent, crossed

    def _exhaust(self) -> bool:
        with self.svc.db.session() as s:
            return zalo_repo.mark_once(s, self.channel, self.bot, self.period(), "exhausted_at", self.svc.clock())

    def exhausted(self) -> bool:
        """Zalo said "quota exceeded" this month (cached per month; a new month starts clean)."""
        period = self.period()
        if self._exhausted_period == period:
            return True
        with self.svc.db.session() as s:
            if zalo_repo.counter(s, self.channel, self.bot, period).exhausted:
                self._exhausted_period = period
                return True
        return False

    def sent(self) -> int:
        with self.svc.db.session() as s:
            return zalo_repo.counter(s, self.channel, self.bot, self.period()).sent

    # ---- async API (the clients call these) ------------------------------------------------------------

    async def record(self, n: int = 1) -> None:
        try:
            sent, crossed = await asyncio.to_thread(self._count, n)
        except Exception:  # noqa: BLE001 - counting must never lose the message that was sent
            log.warning("cannot count a %s send", self.channel, exc_info=True)
            return
        if crossed:
            log.warning("%s bot %s: %d of %d monthly messages sent", self.channel, self.bot, sent, self.limit)
            await self._tell("zalo.quota_warn", {"sent": fmt.num(sent, "vi"), "limit": fmt.num(self.limit, "vi"),
                                                 "month": self.month_label(),
                                                 "percent": fmt.pct(sent / self.limit, "vi")})

    async def exceeded(self) -> None:
        """Zalo answered "quota exceeded": stop sending for the month; tell the admins once."""
        self._exhausted_period = self.period()
        try:
            first = await asyncio.to_thread(self._exhaust)
        except Exception:  # noqa: BLE001
            log.warning("cannot record the %s quota stop", self.channel, exc_info=True)
            first = False
        if first:
            log.error("%s bot %s: Zalo says the monthly quota is exceeded; sending stops until next month",
                      self.channel, self.bot)
            await self._tell("zalo.quota_stop", {"month": self.month_label()})

    async def _tell(self, key: str, values: dict[str, Any]) -> None:
        if self.notify is None:
            return
        try:
            await self.notify(key, values)
        except Exception:  # noqa: BLE001 - a failed notice must not fail the send it follows
            log.warning("cannot tell the admins (%s)", key, exc_info=True)
