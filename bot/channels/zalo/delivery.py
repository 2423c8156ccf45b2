"""Scheduled reminders and summaries to Zalo chats, through the scheduler's own outbox.

`zalo_scheduler` is the one scheduler (bot/delivery/scheduling/) with `ZaloSender` as its transport:
the same due-times, the same content (reminder, escalation, daily and weekly summary texts built by
`Scheduler._build`), the same ``deliveries`` outbox (unique per chat/kind/day, leases, backoff), but it
reads the chats whose ``channel`` is "zalo", sends plain text in ≤2,000-character parts, and sends the
chart as a photo URL served by the bot's web server (only when ZALO_PUBLIC_BASE_URL is set). It holds an
advisory lock of its own on PostgreSQL, so it runs next to the Telegram scheduler in the same process.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta, tzinfo
from typing import Any

from bot.channels.zalo import CHANNEL
from bot.channels.zalo.client import ZaloError
from bot.channels.zalo.dispatch import message_key
from bot.channels.zalo.text import for_zalo
from bot.channels.zalo.transport import Sender as Transport
from bot.channels.zalo.web import CHART_TTL, LinkSigner
from bot.core.services import Services
from bot.delivery.scheduling import Scheduler
from bot.delivery.sender import ChartRef, Retry

log = logging.getLogger(__name__)

#: the advisory lock key of the Zalo scheduler ("vneidZAL"), distinct from the Telegram one
ZALO_LOCK_KEY = 0x766E_6569_645A_414C
#: ... and the Official Account's ("vneidZOA")
OA_LOCK_KEY = 0x766E_6569_645A_4F41


class ZaloSender:
    """The scheduler's `Sender` for Zalo (the Bot Platform's client or the OA's): plain text in parts,
    the chart as a photo link served by the bot's web server (only with ZALO_PUBLIC_BASE_URL)."""

    needs_png = False  # Zalo fetches the chart from a signed link: it is drawn when fetched

    def __init__(self, svc: Services, client: Transport, signer: LinkSigner | None = None) -> None:
        self.svc, self.client, self.signer = svc, client, signer

    async def send_text(self, chat_id: str, text: str, lang: str) -> int:
        try:
            sent = await self.client.send_text(chat_id, for_zalo(text, lang))
        except ZaloError as exc:
            raise self._outcome(exc, chat_id) from exc
        ids = [str(m.get("message_id", "")) for m in sent if m.get("message_id")]
        return message_key(ids[0]) if ids else 0

    async def send_chart(self, chat_id: str, chart: ChartRef, png: bytes | None, caption: str | None) -> None:
        if self.signer is None or not self.signer.enabled:
            return
        url = self.signer.url("chart", {"u": chart.unit_id, "d": chart.day.isoformat(), "l": chart.lang},
                              "chart.png", CHART_TTL)
        if url is None:
            return
        try:
            await self.client.send_photo(chat_id, url, for_zalo(caption or "", chart.lang) or None)
        except ZaloError as exc:
            raise self._outcome(exc, chat_id) from exc

    async def tell_admin(self, admin_id: int, text: str) -> None:
        """Admins are told through Telegram's scheduler (the Zalo schedulers run with notify_admins off)."""

    def _outcome(self, exc: ZaloError, chat_id: str) -> Retry:
        """What a refused send means on Zalo (docs/zalo.md §7): never switch a chat off on a guess.

        - 429 = the month's quota is used up: wait for the next month (the meter already told the admins);
        - network, 5xx, 403 (Zalo's "internal server error"), 401 (our token): retry with backoff;
        - anything else (unknown chat, bot removed from a group — the sources document no code for these):
          retry with backoff up to the attempt limit, logged with Zalo's words, the chat stays on.
        """
        now = self.svc.clock()
        if exc.quota:
            return Retry(f"zalo quota: {exc.description}", next_month(now.astimezone(self.svc.settings.tz)) - now)
        if exc.retryable or exc.code == 401:
            return Retry(f"zalo: {exc.description}",
                         timedelta(seconds=exc.retry_after) if exc.retry_after else timedelta(0))
        log.warning("Zalo refused a send to chat %s (%s): %s; will retry, chat left on", chat_id, exc.code,
                    exc.description)
        return Retry(f"zalo {exc.code}: {exc.description}")


def zalo_scheduler(svc: Services, client: Transport, signer: LinkSigner | None = None, *,
                   channel: str = CHANNEL, **kwargs: Any) -> Scheduler:
    """The scheduler of a Zalo channel: the chats whose channel is `channel`, its own advisory lock on
    PostgreSQL (it runs next to the Telegram scheduler in the same process), admins told by Telegram's."""
    kwargs.setdefault("notify_admins", False)
    return Scheduler(svc, ZaloSender(svc, client, signer), channel=channel,
                     lock_key=ZALO_LOCK_KEY if channel == CHANNEL else OA_LOCK_KEY, **kwargs)


def next_month(local: datetime) -> datetime:
    """The first instant of the month after `local` (aware), in its time zone."""
    tz: tzinfo | None = local.tzinfo
    year, month = (local.year + 1, 1) if local.month == 12 else (local.year, local.month + 1)
    return datetime(year, month, 1, tzinfo=tz)
