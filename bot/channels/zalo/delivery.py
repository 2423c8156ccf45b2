"""Scheduled reminders and summaries to Zalo chats, through the scheduler's own outbox.

`ZaloScheduler` is the Telegram scheduler (bot/delivery/scheduling.py) with the Zalo client as its transport:
the same due-times, the same content (reminder, escalation, daily and weekly summary texts built by
`Scheduler._build`), the same ``deliveries`` outbox (unique per chat/kind/day, leases, backoff), but it
reads the chats whose ``channel`` is "zalo", sends plain text in ≤2,000-character parts, and sends the
chart as a photo URL served by the bot's web server (only when ZALO_PUBLIC_BASE_URL is set). It holds an
advisory lock of its own on PostgreSQL, so it runs next to the Telegram scheduler in the same process.
"""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta, tzinfo
from typing import Any, cast

from telegram import Bot

from bot.channels.zalo import CHANNEL
from bot.channels.zalo.client import ZaloError
from bot.channels.zalo.dispatch import message_key
from bot.channels.zalo.text import for_zalo
from bot.channels.zalo.transport import Sender
from bot.channels.zalo.web import CHART_TTL, LinkSigner
from bot.core.services import Services
from bot.delivery.scheduling import Content, Due, LeaderLock, Scheduler, TickReport
from storage import schedule_repo
from storage.schedule_repo import BoundChat

log = logging.getLogger(__name__)

#: the advisory lock key of the Zalo scheduler ("vneidZAL"), distinct from the Telegram one
ZALO_LOCK_KEY = 0x766E_6569_645A_414C
#: ... and the Official Account's ("vneidZOA")
OA_LOCK_KEY = 0x766E_6569_645A_4F41


class ZaloScheduler(Scheduler):
    channel = CHANNEL

    def __init__(self, svc: Services, client: Sender, signer: LinkSigner | None = None, *, channel: str = CHANNEL,
                 **kwargs: Any) -> None:
        kwargs.setdefault("notify_admins", False)  # admins are told through Telegram's scheduler
        super().__init__(svc, cast(Bot, None), **kwargs)
        self.channel = channel  # "zalo" or "zalo_oa": the chats it serves
        self.client = client
        self.signer = signer
        self.lock = LeaderLock(svc.db, key=ZALO_LOCK_KEY if channel == CHANNEL else OA_LOCK_KEY)

    async def _deliver(self, item: Due, now: datetime, report: TickReport) -> str:
        chat = item.chat
        with self.svc.db.session() as s:
            row = schedule_repo.claim_delivery(s, chat.id, item.kind, item.day, now, now + self.lease,
                                               self.max_attempts)
            if row is None:
                report.busy += 1
                return "busy"
            delivery_id, attempts, first_part = row.id, row.attempts, row.sent_message_id
        try:
            content = self._build(item)
        except Exception as exc:  # noqa: BLE001 - a bug in building must not stop other chats
            log.exception("cannot build %s for Zalo chat %s", item.kind, chat.external_id)
            self._failed(delivery_id, attempts, f"build: {exc!r}", now, report)
            return "failed"
        if content is None:
            with self.svc.db.session() as s:
                schedule_repo.mark_skipped(s, delivery_id, "nothing to send", now)
            report.skipped += 1
            return "skipped"
        try:
            message_id = await self._send_zalo(chat, item.day, content, delivery_id, first_part, now)
        except ZaloError as exc:
            return self._zalo_failed(exc, item, delivery_id, attempts, now, report)
        with self.svc.db.session() as s:
            schedule_repo.mark_sent(s, delivery_id, message_id, now)
        report.sent += 1
        return "sent"

    def _zalo_failed(self, exc: ZaloError, item: Due, delivery_id: int, attempts: int, now: datetime,
                     report: TickReport) -> str:
        """What a refused send means on Zalo (docs/zalo.md §7): never switch a chat off on a guess.

        - 429 = the month's quota is used up: wait for the next month (the meter already told the admins);
        - network, 5xx, 403 (Zalo's "internal server error"), 401 (our token): retry with backoff;
        - anything else (unknown chat, bot removed from a group — the sources document no code for these):
          retry with backoff up to the attempt limit, logged with Zalo's words, the chat stays on.
        """
        if exc.quota:
            wait = next_month(now.astimezone(self.svc.settings.tz)) - now
            self._failed(delivery_id, attempts, f"zalo quota: {exc.description}", now, report, at_least=wait)
            return "failed"
        if exc.retryable or exc.code == 401:
            wait = timedelta(seconds=exc.retry_after) if exc.retry_after else timedelta(0)
            self._failed(delivery_id, attempts, f"zalo: {exc.description}", now, report, at_least=wait)
            return "failed"
        log.warning("Zalo refused %s for chat %s (%s): %s; will retry, chat left on", item.kind,
                    item.chat.external_id, exc.code, exc.description)
        self._failed(delivery_id, attempts, f"zalo {exc.code}: {exc.description}", now, report)
        return "failed"

    async def _send_zalo(self, chat: BoundChat, day: date, content: Content, delivery_id: int,
                         first_part: int | None, now: datetime) -> int | None:
        lang = chat.language or self.svc.settings.language
        message_id = first_part
        if message_id is None:
            sent = await self.client.send_text(chat.external_id, for_zalo(content.text, lang))
            ids = [str(m.get("message_id", "")) for m in sent if m.get("message_id")]
            message_id = message_key(ids[0]) if ids else 0
            if content.photo is not None:
                with self.svc.db.session() as s:
                    schedule_repo.record_part(s, delivery_id, message_id, now)
        if content.photo is not None and self.signer is not None and self.signer.enabled:
            url = self.signer.url("chart", {"u": chat.unit_id, "d": day.isoformat(), "l": lang},
                                  "chart.png", CHART_TTL)
            if url is not None:
                caption = for_zalo(content.caption or "", lang) or None
                await self.client.send_photo(chat.external_id, url, caption)
        return message_id


def next_month(local: datetime) -> datetime:
    """The first instant of the month after `local` (aware), in its time zone."""
    tz: tzinfo | None = local.tzinfo
    year, month = (local.year + 1, 1) if local.month == 12 else (local.year, local.month + 1)
    return datetime(year, month, 1, tzinfo=tz)
