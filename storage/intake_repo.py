"""Durable retries: the confirmation outbox, the update intake (attempts per update) and dead letters."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, case, delete, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from storage.models import ConfirmDigest, DeadLetter, Inbox, ReplyOutbox, Report
from storage.repo import CURRENT


def _insert(s: Session):  # type: ignore[no-untyped-def]
    return postgresql.insert if s.get_bind().dialect.name == "postgresql" else sqlite.insert


# ---------------------------------------------------------------------------------------------- confirmations


@dataclass(frozen=True)
class DueReply:
    id: int
    channel: str
    chat_id: str
    reply_to: int
    report_id: int | None
    text: str
    button: str | None
    attempts: int
    created_at: datetime


def enqueue_reply(s: Session, *, channel: str, chat_id: str, reply_to: int, report_id: int | None, text: str,
                  button: str | None, error: str, now: datetime, next_attempt_at: datetime) -> None:
    """Queue a confirmation that could not be sent (once per message: a second failure keeps the first)."""
    s.execute(
        _insert(s)(ReplyOutbox)
        .values(channel=channel, chat_id=chat_id, reply_to=reply_to, report_id=report_id, text=text,
                button=button, status="pending", attempts=1, last_error=error[:500],
                next_attempt_at=next_attempt_at, created_at=now, updated_at=now)
        .on_conflict_do_nothing()
    )


def due_replies(s: Session, now: datetime, limit: int = 50) -> list[DueReply]:
    rows = s.scalars(
        select(ReplyOutbox)
        .where(ReplyOutbox.status == "pending", ReplyOutbox.next_attempt_at <= now)
        .order_by(ReplyOutbox.next_attempt_at, ReplyOutbox.id)
        .limit(limit)
    )
    return [DueReply(r.id, r.channel, r.chat_id, r.reply_to, r.report_id, r.text, r.button, r.attempts,
                     r.created_at) for r in rows]


def next_reply_due(s: Session) -> datetime | None:
    return s.scalar(select(ReplyOutbox.next_attempt_at).where(ReplyOutbox.status == "pending")
                    .order_by(ReplyOutbox.next_attempt_at).limit(1))


#: tables of rows sent with retries: one attempt at a time under a lease, by the attempts counter
Retried = type[ReplyOutbox] | type[ConfirmDigest]


def claim_row(s: Session, model: Retried, row_id: int, attempts: int, now: datetime, lease_until: datetime) -> bool:
    """Take the row for one attempt (another worker that read the same row loses: attempts moved on)."""
    res = s.execute(
        update(model)
        .where(model.id == row_id, model.status == "pending", model.attempts == attempts)
        .values(attempts=attempts + 1, next_attempt_at=lease_until, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(res, "rowcount", 0))


def finish_row(s: Session, model: Retried, row_id: int, status: str, now: datetime, *,
               sent_message_id: int | None = None, error: str | None = None,
               next_attempt_at: datetime | None = None) -> None:
    values: dict[str, Any] = {"status": status, "updated_at": now}
    if sent_message_id is not None:
        values["sent_message_id"] = sent_message_id
    if error is not None:
        values["last_error"] = error[:500]
    if next_attempt_at is not None:
        values["next_attempt_at"] = next_attempt_at
    s.execute(update(model).where(model.id == row_id).values(**values)
              .execution_options(synchronize_session=False))


def claim_reply(s: Session, reply_id: int, attempts: int, now: datetime, lease_until: datetime) -> bool:
    return claim_row(s, ReplyOutbox, reply_id, attempts, now, lease_until)


def finish_reply(s: Session, reply_id: int, status: str, now: datetime, *, sent_message_id: int | None = None,
                 error: str | None = None, next_attempt_at: datetime | None = None) -> None:
    finish_row(s, ReplyOutbox, reply_id, status, now, sent_message_id=sent_message_id, error=error,
               next_attempt_at=next_attempt_at)


def report_needs_reply(s: Session, report_id: int) -> bool:
    """The report's message still has current rows and no confirmation was recorded for it."""
    row = s.get(Report, report_id)
    if row is None:
        return False
    q = select(Report.reply_message_id, Report.superseded_at, Report.deleted_at).where(
        Report.channel == row.channel, Report.chat_id == row.chat_id, Report.message_id == row.message_id)
    rows = s.execute(q).all()
    if any(r.reply_message_id is not None for r in rows):
        return False
    current = s.scalar(select(Report.id).where(Report.channel == row.channel, Report.chat_id == row.chat_id,
                                               Report.message_id == row.message_id, *CURRENT).limit(1))
    return current is not None


# ---------------------------------------------------------------------------------------------- intake


def begin_attempt(s: Session, *, channel: str, bot: str, key: str, chat_id: str | None,
                  now: datetime) -> tuple[int, str]:
    """Count one more attempt at handling the update, BEFORE handling it: (attempts, previous status).
    A new update returns (1, "new")."""
    prev = s.execute(select(Inbox.attempts, Inbox.status).where(
        Inbox.channel == channel, Inbox.bot == bot, Inbox.update_key == key)).first()
    if prev is None:
        s.execute(_insert(s)(Inbox).values(channel=channel, bot=bot, update_key=key, chat_id=chat_id,
                                           status="processing", attempts=1, created_at=now, updated_at=now)
                  .on_conflict_do_update(index_elements=["channel", "bot", "update_key"],
                                         set_={"attempts": Inbox.attempts + 1, "updated_at": now}))
        return 1, "new"
    attempts, status = int(prev.attempts), str(prev.status)
    if status in ("done", "parked"):
        return attempts, status
    s.execute(update(Inbox).where(Inbox.channel == channel, Inbox.bot == bot, Inbox.update_key == key)
              .values(attempts=Inbox.attempts + 1, status="processing", updated_at=now)
              .execution_options(synchronize_session=False))
    return attempts + 1, status


_NOW = bindparam("now", type_=Inbox.__table__.c.updated_at.type)


def _first_attempt(dialect: str) -> Any:
    """INSERT of an update's row at its first attempt (bound: channel, bot, key, chat_id, now)."""
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(Inbox).values(
        channel=bindparam("channel"), bot=bindparam("bot"), update_key=bindparam("key"),
        chat_id=bindparam("chat_id"), status="processing", attempts=1, created_at=_NOW, updated_at=_NOW)


def _count_attempt_statement(dialect: str) -> Any:
    final = Inbox.status.in_(("done", "parked"))
    return (
        _first_attempt(dialect)
        .on_conflict_do_update(
            index_elements=["channel", "bot", "update_key"],
            set_={"attempts": case((final, Inbox.attempts), else_=Inbox.attempts + 1),
                  "status": case((final, Inbox.status), else_="processing"),
                  "updated_at": case((final, Inbox.updated_at), else_=_NOW)})
        .returning(Inbox.attempts, Inbox.status)
    )


_COUNT_ATTEMPT = {d: _count_attempt_statement(d) for d in ("sqlite", "postgresql")}  # built once


def count_attempt(s: Session, *, channel: str, bot: str, key: str, chat_id: str | None,
                  now: datetime) -> tuple[int, str]:
    """`begin_attempt` in one statement (an upsert returning the row): (attempts, status). A handled or
    parked update is left as it was and returns its status ("done", "parked"); any other comes back
    "processing" with one attempt more (1 for a new update)."""
    conn = s.connection()
    row = conn.execute(_COUNT_ATTEMPT[conn.dialect.name],
                       {"channel": channel, "bot": bot, "key": key, "chat_id": chat_id, "now": now}).one()
    return int(row[0]), str(row[1])


_COUNT_NEW = {d: _first_attempt(d).on_conflict_do_nothing(index_elements=["channel", "bot", "update_key"])
              .returning(Inbox.update_key) for d in ("sqlite", "postgresql")}


def count_new(s: Session, *, channel: str, bot: str, updates: list[tuple[str, str | None]],
              now: datetime) -> set[str]:
    """The first attempt of each update of a batch that is new, in one statement (rows of one multi-row
    INSERT; an update seen before is left as it is): the keys that were new."""
    if not updates:
        return set()
    conn = s.connection()
    rows = conn.execute(_COUNT_NEW[conn.dialect.name],
                        [{"channel": channel, "bot": bot, "key": key, "chat_id": chat, "now": now}
                         for key, chat in updates])
    return {str(r[0]) for r in rows}


def finish_attempt(s: Session, *, channel: str, bot: str, key: str, status: str, now: datetime,
                   error: str | None = None, payload: dict[str, Any] | None = None) -> None:
    values: dict[str, Any] = {"status": status, "updated_at": now}
    if error is not None:
        values["last_error"] = error[:2000]
    if payload is not None:
        values["payload"] = payload
    s.execute(update(Inbox).where(Inbox.channel == channel, Inbox.bot == bot, Inbox.update_key == key)
              .values(**values).execution_options(synchronize_session=False))


def background_payloads(s: Session, *, channel: str, bot: str) -> list[dict[str, Any]]:
    q = (select(Inbox.payload).where(Inbox.channel == channel, Inbox.bot == bot, Inbox.status == "background",
                                     Inbox.payload.is_not(None)).order_by(Inbox.id))
    return [dict(p) for p in s.scalars(q) if p]


def park(s: Session, *, channel: str, bot: str, key: str, chat_id: str | None, attempts: int,
         error: str | None, payload: dict[str, Any] | None, now: datetime) -> int | None:
    """Move the update to the dead letters; the new dead letter's id, None if it was parked before."""
    s.execute(_insert(s)(Inbox).values(channel=channel, bot=bot, update_key=key, chat_id=chat_id,
                                       status="parked", attempts=attempts, last_error=error, created_at=now,
                                       updated_at=now)
              .on_conflict_do_update(index_elements=["channel", "bot", "update_key"],
                                     set_={"status": "parked", "updated_at": now}))
    res = s.execute(
        _insert(s)(DeadLetter)
        .values(channel=channel, bot=bot, update_key=key, chat_id=chat_id, attempts=attempts,
                error=(error or "")[:2000], payload=payload, created_at=now)
        .on_conflict_do_nothing()
        .returning(DeadLetter.id)
    )
    return res.scalar()


def last_error(s: Session, *, channel: str, bot: str, key: str) -> str | None:
    return s.scalar(select(Inbox.last_error).where(Inbox.channel == channel, Inbox.bot == bot,
                                                   Inbox.update_key == key))


def mark_told(s: Session, dead_letter_id: int, now: datetime) -> None:
    s.execute(update(DeadLetter).where(DeadLetter.id == dead_letter_id).values(told_at=now)
              .execution_options(synchronize_session=False))


def dead_letters(s: Session) -> list[DeadLetter]:
    return list(s.scalars(select(DeadLetter).order_by(DeadLetter.id)))


def purge_inbox(s: Session, before: datetime) -> int:
    """Forget handled updates older than `before` (parked ones stay, as their dead letters do)."""
    res = s.execute(delete(Inbox).where(Inbox.created_at < before, Inbox.status != "parked")
                    .execution_options(synchronize_session=False))
    return int(getattr(res, "rowcount", 0) or 0)
