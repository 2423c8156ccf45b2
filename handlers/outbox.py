"""Stored => eventually confirmed: a report confirmation that could not be sent in the handler (after its
in-line retries) is written to the `reply_outbox` table and sent again with backoff, by a job, until it is
sent, the report is gone (undone, replaced) or it is stale (CONFIRM_RETRY_HOURS). Rows left by a process
that died are picked up by the next one."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from typing import Any, cast

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, ReplyParameters
from telegram.error import BadRequest, Forbidden, TelegramError
from telegram.ext import Application, JobQueue

from handlers.base import Ctx, blocking, services
from storage import intake_repo, report_repo

log = logging.getLogger(__name__)

CHANNEL = "telegram"
#: pauses between attempts from the outbox (the last one repeats until the row is stale)
BACKOFF = (1.0, 2.0, 4.0, 8.0, 15.0, 30.0, 60.0)
LEASE = timedelta(minutes=2)  # an attempt in progress (another worker leaves the row alone)
SWEEP_SECONDS = 30.0  # rows left by an earlier process, or whose one-shot job was lost


def _now() -> datetime:
    return datetime.now(UTC)  # retry timing is real time, not the report day's clock


def _delay(attempts: int) -> float:
    return BACKOFF[min(max(attempts - 1, 0), len(BACKOFF) - 1)]


async def queue_confirmation(context: Ctx, *, chat_id: int, reply_to: int, report_id: int | None, text: str,
                             button: str | None, error: BaseException) -> bool:
    """Keep the confirmation for a later attempt; False if even that failed (logged)."""
    now = _now()
    delay = _delay(1)

    def write() -> None:
        with services(context).db.session() as s:
            intake_repo.enqueue_reply(s, channel=CHANNEL, chat_id=str(chat_id), reply_to=reply_to,
                                      report_id=report_id, text=text, button=button,
                                      error=f"{type(error).__name__}: {error}", now=now,
                                      next_attempt_at=now + timedelta(seconds=delay))

    try:
        await blocking(context, write)
    except Exception:  # noqa: BLE001 - the database is down too: the re-delivered update resends it
        log.warning("report stored, its confirmation failed (%s) and could not be queued", type(error).__name__)
        return False
    log.info("report stored, confirmation failed (%s): queued for another attempt", type(error).__name__)
    _wake(context, delay)
    return True


def _wake(context: Ctx, delay: float) -> None:
    jq = cast("JobQueue[Ctx] | None", context.application.job_queue)  # PTB leaves its context type unbound
    if jq is not None:
        jq.run_once(drain_replies, when=delay, name="vneid-reply-outbox")


async def drain_replies(context: Ctx) -> None:
    """Send every due confirmation once; reschedule itself for the next due one."""
    svc = services(context)
    stale_after = timedelta(hours=svc.settings.confirm_retry_hours)

    def due() -> list[intake_repo.DueReply]:
        with svc.db.session() as s:
            return intake_repo.due_replies(s, _now())

    try:
        rows = await blocking(context, due)
    except Exception:  # noqa: BLE001 - database down: the sweep comes back
        log.warning("confirmation outbox: database unavailable, will retry")
        return
    for row in rows:
        await _attempt(context, row, stale_after)
    try:
        nxt = await blocking(context, _next_due, svc)
    except Exception:  # noqa: BLE001
        return
    if nxt is not None:
        _wake(context, max((nxt - _now()).total_seconds(), 0.05))


def _next_due(svc: Any) -> datetime | None:
    with svc.db.session() as s:
        return intake_repo.next_reply_due(s)


async def _attempt(context: Ctx, row: intake_repo.DueReply, stale_after: timedelta) -> None:
    svc = services(context)
    now = _now()

    def claim() -> str:
        with svc.db.carrying() as s:  # confirmation ids trailing behind (storage/behind.py) first: read below
            if row.report_id is not None and not intake_repo.report_needs_reply(s, row.report_id):
                intake_repo.finish_reply(s, row.id, "gone", now)  # confirmed by a re-delivery, or undone
                return "gone"
            if now - row.created_at > stale_after:
                intake_repo.finish_reply(s, row.id, "stale", now)
                return "stale"
            return "go" if intake_repo.claim_reply(s, row.id, row.attempts, now, now + LEASE) else "taken"

    state = await blocking(context, claim)
    if state == "stale":
        log.warning("confirmation outbox: gave up on a confirmation after %d attempts (stale)", row.attempts)
    if state != "go":
        return
    markup = None
    if row.button and row.report_id is not None:
        markup = InlineKeyboardMarkup([[InlineKeyboardButton(row.button, callback_data=f"u:{row.report_id}")]])
    try:
        sent = await context.bot.send_message(
            chat_id=int(row.chat_id), text=row.text, reply_markup=markup,
            reply_parameters=ReplyParameters(message_id=row.reply_to, allow_sending_without_reply=True))
    except (BadRequest, Forbidden) as exc:  # permanent: chat gone, bot blocked
        log.warning("confirmation outbox: cannot be sent (%s)", type(exc).__name__)
        await blocking(context, _finish, svc, row.id, "gone", None, f"{type(exc).__name__}: {exc}", None)
        return
    except TelegramError as exc:
        nxt = _now() + timedelta(seconds=_delay(row.attempts + 1))
        log.info("confirmation outbox: attempt %d failed (%s)", row.attempts + 1, type(exc).__name__)
        await blocking(context, _finish, svc, row.id, "pending", None, f"{type(exc).__name__}: {exc}", nxt)
        return
    await blocking(context, _finish, svc, row.id, "sent", sent.message_id, None, None)
    if row.report_id is not None:
        await blocking(context, _set_reply, svc, row.report_id, sent.message_id)


def _finish(svc: Any, reply_id: int, status: str, message_id: int | None, error: str | None,
            nxt: datetime | None) -> None:
    with svc.db.session() as s:
        intake_repo.finish_reply(s, reply_id, status, _now(), sent_message_id=message_id, error=error,
                                 next_attempt_at=nxt)


def _set_reply(svc: Any, report_id: int, message_id: int) -> None:
    with svc.db.session() as s:
        report_repo.set_reply_id(s, report_id, message_id)


def register(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    if app.job_queue is not None:  # rows left by an earlier process, and a safety net for lost wake-ups
        app.job_queue.run_repeating(drain_replies, interval=SWEEP_SECONDS, first=1.0, name="vneid-reply-sweep")
