"""Report revisions: queries and state changes used by the recording service."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select, tuple_, update
from sqlalchemy.orm import Session

from storage.models import PendingReport, Report
from storage.repo import CURRENT


def current_rows_of_message(s: Session, channel: str, chat_id: str, message_id: int, reporter_id: int) -> list[Report]:
    return list(
        s.scalars(
            select(Report)
            .where(
                Report.channel == channel,
                Report.chat_id == chat_id,
                Report.message_id == message_id,
                Report.reporter_id == reporter_id,
                *CURRENT,
            )
            .order_by(Report.id)
        )
    )


def origin_replaced(s: Session, row: Report) -> Report | None:
    """Walk back over the revisions of row's own message: the row that message first replaced."""
    prev = s.get(Report, row.replaces_id) if row.replaces_id else None
    while prev is not None and prev.chat_id == row.chat_id and prev.message_id == row.message_id:
        prev = s.get(Report, prev.replaces_id) if prev.replaces_id else None
    if prev is not None and prev.deleted_at is not None:
        return None
    return prev


def retract(s: Session, row: Report, now: datetime) -> None:
    """Delete a current row and bring back the figure its message replaced (if still valid)."""
    restore = origin_replaced(s, row)
    row.deleted_at = now
    s.flush()
    if restore is not None and restore.superseded_at is not None:
        restore.superseded_at = None
        s.flush()


def current_value(s: Session, reporter_id: int, unit_id: int, metric: str, day: date) -> int | None:
    return s.scalar(
        select(Report.value).where(
            Report.reporter_id == reporter_id,
            Report.unit_id == unit_id,
            Report.metric == metric,
            Report.day == day,
            *CURRENT,
        )
    )


def pending_by_token(s: Session, token: str) -> PendingReport | None:
    return s.scalar(select(PendingReport).where(PendingReport.token == token))


def set_reply_id(s: Session, report_id: int, reply_message_id: int) -> None:
    """Record the bot's confirmation on every row of the report's message (one statement)."""
    source = select(Report.channel, Report.chat_id, Report.message_id).where(Report.id == report_id)
    s.execute(
        update(Report)
        .where(tuple_(Report.channel, Report.chat_id, Report.message_id).in_(source))
        .values(reply_message_id=reply_message_id)
        .execution_options(synchronize_session=False)
    )


def reply_id_of_message(s: Session, channel: str, chat_id: str, message_id: int) -> int | None:
    return s.scalar(
        select(Report.reply_message_id)
        .where(Report.channel == channel, Report.chat_id == chat_id, Report.message_id == message_id,
               Report.reply_message_id.is_not(None))
        .limit(1)
    )
