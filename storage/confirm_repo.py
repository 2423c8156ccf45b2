"""SQL of the confirmation style (docs/telegram-limits.md): a chat's style, and the digests of the reports
stored in a reaction-style chat (`confirm_digests`: one row per range of report ids, written before it is
sent; a chat's next range starts at its digest mark, the newest row's ``upto_id``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from storage.db import touch
from storage.intake_repo import claim_row, finish_row
from storage.models import Chat, ConfirmDigest, Member, Report, Unit

STYLES = ("reply", "reaction")


@dataclass(frozen=True)
class DigestChat:
    id: int  # chats.id
    external_id: str
    language: str | None
    style: str


@dataclass(frozen=True)
class DueDigest:
    id: int
    chat_id: int
    external_id: str
    language: str | None
    after_id: int
    upto_id: int
    attempts: int
    created_at: datetime


@dataclass(frozen=True)
class DigestLine:
    """One current report of a digest's range."""

    report_id: int
    unit_name: str
    metric: str
    day: date
    value: int
    reporter: str
    at: datetime


def confirm_style(s: Session, channel: str, external_id: str) -> str:
    style = s.scalar(select(Chat.confirm_style).where(Chat.channel == channel, Chat.external_id == external_id))
    return style if style in STYLES else "reply"


def set_confirm_style(s: Session, chat_id: int, style: str) -> None:
    if style not in STYLES:
        raise ValueError(f"unknown confirmation style {style!r}")
    touch(s, "chats")
    s.execute(update(Chat).where(Chat.id == chat_id).values(confirm_style=style))


def digest_mark(s: Session, chat_id: int) -> int:
    """The id of the last report a digest (or a skipped range) of this chat covers; 0 if none."""
    return int(s.scalar(select(func.max(ConfirmDigest.upto_id)).where(ConfirmDigest.chat_id == chat_id)) or 0)


def newest_report_id(s: Session, channel: str, external_id: str, after: int, until: datetime | None = None) -> int:
    """The newest report id of that chat above `after` (stored at `until` or before), else `after`."""
    q = select(func.max(Report.id)).where(Report.channel == channel, Report.chat_id == external_id, Report.id > after)
    if until is not None:
        q = q.where(Report.created_at <= until)
    return int(s.scalar(q) or after)


def oldest_report_at(s: Session, channel: str, external_id: str, after: int) -> datetime | None:
    """When the oldest report of that chat above `after` was stored (None: nothing to digest)."""
    return s.scalar(select(func.min(Report.created_at))
                    .where(Report.channel == channel, Report.chat_id == external_id, Report.id > after))


def open_range(s: Session, chat_id: int, after_id: int, upto_id: int, now: datetime, *,
               status: str = "pending") -> int | None:
    """Write the range (after_id, upto_id] of the chat; None if another worker wrote the range from
    `after_id` first (the unique (chat_id, after_id) decides)."""
    row = ConfirmDigest(chat_id=chat_id, after_id=after_id, upto_id=upto_id, status=status, attempts=0,
                        next_attempt_at=now, created_at=now, updated_at=now)
    try:
        with s.begin_nested():
            s.add(row)
            s.flush()
    except IntegrityError:
        return None
    return row.id


def has_pending(s: Session, chat_id: int) -> bool:
    """A digest of this chat is written and not sent yet."""
    return s.scalar(select(ConfirmDigest.id).where(ConfirmDigest.chat_id == chat_id,
                                                   ConfirmDigest.status == "pending").limit(1)) is not None


def digest_chats(s: Session, channel: str) -> list[DigestChat]:
    """Active chats of the channel in reaction style (their digests are planned)."""
    rows = s.execute(select(Chat.id, Chat.external_id, Chat.language, Chat.confirm_style)
                     .where(Chat.channel == channel, Chat.confirm_style == "reaction", Chat.active.is_(True))
                     .order_by(Chat.id))
    return [DigestChat(r.id, r.external_id, r.language, r.confirm_style) for r in rows]


def due_digests(s: Session, channel: str, now: datetime, limit: int = 100) -> list[DueDigest]:
    rows = s.execute(
        select(ConfirmDigest, Chat.external_id, Chat.language)
        .join(Chat, Chat.id == ConfirmDigest.chat_id)
        .where(Chat.channel == channel, ConfirmDigest.status == "pending", ConfirmDigest.next_attempt_at <= now)
        .order_by(ConfirmDigest.next_attempt_at, ConfirmDigest.id)
        .limit(limit)
    )
    return [DueDigest(d.id, d.chat_id, ext, lang, d.after_id, d.upto_id, d.attempts, d.created_at)
            for d, ext, lang in rows]


def claim_digest(s: Session, digest_id: int, attempts: int, now: datetime, lease_until: datetime) -> bool:
    return claim_row(s, ConfirmDigest, digest_id, attempts, now, lease_until)


def finish_digest(s: Session, digest_id: int, status: str, now: datetime, *, sent_message_id: int | None = None,
                  error: str | None = None, next_attempt_at: datetime | None = None) -> None:
    finish_row(s, ConfirmDigest, digest_id, status, now, sent_message_id=sent_message_id, error=error,
               next_attempt_at=next_attempt_at)


def digest_lines(s: Session, channel: str, external_id: str, after_id: int, upto_id: int) -> list[DigestLine]:
    """The reports of that chat in (after_id, upto_id] that still count (neither undone nor replaced)."""
    rows = s.execute(
        select(Report.id, Unit.name, Report.metric, Report.day, Report.value, Member.display_name, Report.created_at)
        .join(Unit, Unit.id == Report.unit_id)
        .join(Member, Member.id == Report.reporter_id)
        .where(Report.channel == channel, Report.chat_id == external_id, Report.id > after_id,
               Report.id <= upto_id, Report.superseded_at.is_(None), Report.deleted_at.is_(None))
        .order_by(Report.id)
    )
    return [DigestLine(r[0], r[1], r[2], r[3], r[4], r[5], r[6]) for r in rows]


def digests_of(s: Session, chat_id: int) -> list[ConfirmDigest]:
    """Every range of a chat, oldest first (tests, ops)."""
    return list(s.scalars(select(ConfirmDigest).where(ConfirmDigest.chat_id == chat_id).order_by(ConfirmDigest.id)))
