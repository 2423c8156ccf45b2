"""SQLAlchemy 2 typed models for the whole data model (DESIGN §3).

Times are stored in UTC (timezone-aware in Python); report days are local dates.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    Time,
    UniqueConstraint,
    text,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes on every backend (SQLite stores them naive)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Metric(Base):
    __tablename__ = "metrics"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    name_vi: Mapped[str] = mapped_column(String(100))
    name_en: Mapped[str] = mapped_column(String(100))
    sort: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    words: Mapped[str] = mapped_column(Text, default="", server_default="")  # what members type for it, "|"-separated


class Unit(Base):
    __tablename__ = "units"
    # varchar_pattern_ops: PostgreSQL serves `path LIKE '/1/12/%'` from the index whatever the collation
    __table_args__ = (Index("ix_units_path", "path", postgresql_ops={"path": "varchar_pattern_ops"}),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(32), default="village")
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    # materialised path of ids, e.g. "/1/12/305/": a subtree is `path LIKE '/1/12/%'`
    path: Mapped[str] = mapped_column(String(255), default="/")
    depth: Mapped[int] = mapped_column(Integer, default=0)
    join_code: Mapped[str | None] = mapped_column(String(16), unique=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    parent: Mapped[Unit | None] = relationship(remote_side=[id])


class Target(Base):
    __tablename__ = "targets"
    __table_args__ = (UniqueConstraint("unit_id", "metric"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    metric: Mapped[str] = mapped_column(ForeignKey("metrics.code"))
    value: Mapped[int] = mapped_column(Integer)
    deadline: Mapped[date | None] = mapped_column(Date)
    effective_from: Mapped[date | None] = mapped_column(Date)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)


class Baseline(Base):
    __tablename__ = "baselines"
    __table_args__ = (UniqueConstraint("unit_id", "metric"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    metric: Mapped[str] = mapped_column(ForeignKey("metrics.code"))
    as_of: Mapped[date] = mapped_column(Date)
    value: Mapped[int] = mapped_column(Integer)


class Member(Base):
    __tablename__ = "members"
    __table_args__ = (UniqueConstraint("channel", "external_id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel: Mapped[str] = mapped_column(String(16), default="telegram")
    external_id: Mapped[str] = mapped_column(String(64))
    display_name: Mapped[str] = mapped_column(String(120))
    username: Mapped[str | None] = mapped_column(String(64))
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    role: Mapped[str] = mapped_column(String(16), default="member")  # member | leader | admin
    language: Mapped[str | None] = mapped_column(String(8))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # another channel's account of the same person (bot/channels/zalo/linking.py): callers resolve to this member
    linked_member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"))

    unit: Mapped[Unit] = relationship()


class LinkCode(Base):
    """A one-time code (valid a few minutes) that links an account on another channel to a member."""

    __tablename__ = "link_codes"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(16), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    channel: Mapped[str] = mapped_column(String(16), default="zalo")  # where the code may be redeemed
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    used_by: Mapped[str | None] = mapped_column(String(64))  # the external id that redeemed it


class Chat(Base):
    __tablename__ = "chats"
    __table_args__ = (UniqueConstraint("channel", "external_id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel: Mapped[str] = mapped_column(String(16), default="telegram")
    external_id: Mapped[str] = mapped_column(String(64))
    title: Mapped[str | None] = mapped_column(String(255))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    language: Mapped[str | None] = mapped_column(String(8))
    reminder_time: Mapped[time | None] = mapped_column(Time)
    summary_time: Mapped[time | None] = mapped_column(Time)
    weekly_day: Mapped[int | None] = mapped_column(Integer)  # 0 = Monday
    skip_weekdays: Mapped[str] = mapped_column(String(20), default="")  # e.g. "6" = Sundays
    reminders_enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    summaries_enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)  # False once the bot is blocked/removed
    disabled_reason: Mapped[str | None] = mapped_column(String(255))
    # Zalo message budget (docs/zalo.md): full | batched (confirmations joined) | summaries (no confirmations)
    budget_mode: Mapped[str] = mapped_column(String(16), default="full", server_default="full")
    # how a stored report is confirmed (docs/telegram-limits.md): reply | reaction (👍 + a periodic digest)
    confirm_style: Mapped[str] = mapped_column(String(16), default="reply", server_default="reply")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    unit: Mapped[Unit | None] = relationship()


class Holiday(Base):
    """A day without reminders. ``unit_id`` NULL: a national holiday (global admins only), for everyone;
    otherwise a day off of that unit's subtree (added by its scoped admin).

    One row per (day, unit): NULLs are distinct in unique constraints on SQLite and PostgreSQL alike, so
    "one national holiday per day" is a partial unique index of its own.
    """

    __tablename__ = "holidays"
    __table_args__ = (
        Index("uq_holidays_unit_day", "unit_id", "day", unique=True,
              sqlite_where=text("unit_id IS NOT NULL"), postgresql_where=text("unit_id IS NOT NULL")),
        Index("uq_holidays_national_day", "day", unique=True,
              sqlite_where=text("unit_id IS NULL"), postgresql_where=text("unit_id IS NULL")),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    day: Mapped[date] = mapped_column(Date)
    name: Mapped[str] = mapped_column(String(120))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))


class Report(Base):
    """Append-only report revisions.

    A *current* row (superseded_at and deleted_at both NULL) holds one reporter's figure for one
    unit / metric / day; the village's daily figure is the sum of current rows. At most one current
    row exists per (reporter, unit, metric, day) — enforced by a partial unique index.
    (channel, chat_id, message_id, source_rev, unit, metric) is unique: a re-delivered update is a no-op,
    an edited message (source_rev = its edit_date) makes new revisions.
    """

    __tablename__ = "reports"
    __table_args__ = (
        UniqueConstraint("channel", "chat_id", "message_id", "source_rev", "unit_id", "metric", "day"),
        Index(
            "uq_reports_current",
            "reporter_id",
            "unit_id",
            "metric",
            "day",
            unique=True,
            sqlite_where=text("superseded_at IS NULL AND deleted_at IS NULL"),
            postgresql_where=text("superseded_at IS NULL AND deleted_at IS NULL"),
        ),
        Index("ix_reports_day_unit", "day", "unit_id", "metric"),
        # roll-ups (bot/core/rollup.py): per-unit sums of current rows as index-only scans / seeks by unit
        Index(
            "ix_reports_rollup",
            "unit_id",
            "metric",
            "day",
            "value",
            sqlite_where=text("superseded_at IS NULL AND deleted_at IS NULL"),
            postgresql_where=text("superseded_at IS NULL AND deleted_at IS NULL"),
        ),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    metric: Mapped[str] = mapped_column(ForeignKey("metrics.code"))
    day: Mapped[date] = mapped_column(Date)
    value: Mapped[int] = mapped_column(Integer)
    reporter_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    channel: Mapped[str] = mapped_column(String(16), default="telegram")
    chat_id: Mapped[str] = mapped_column(String(64))
    message_id: Mapped[int] = mapped_column(BigInteger)
    source_rev: Mapped[int] = mapped_column(BigInteger, default=0)
    revision: Mapped[int] = mapped_column(Integer, default=1)
    replaces_id: Mapped[int | None] = mapped_column(ForeignKey("reports.id"))
    raw_text: Mapped[str] = mapped_column(Text, default="")
    reply_message_id: Mapped[int | None] = mapped_column(BigInteger)  # the bot's confirmation
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    superseded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # a figure another reporter declared to be the unit's whole total for the day replaced this one
    superseded_by_id: Mapped[int | None] = mapped_column(ForeignKey("reports.id"))
    # a leader/admin who corrected (or removed) this reporter's figure with /sua, and why
    changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"))
    note: Mapped[str | None] = mapped_column(String(200))


class PendingReport(Base):
    """A report waiting for the reporter's confirmation (implausible value): nothing stored yet."""

    __tablename__ = "pending_reports"
    # the revisions of a message that asked (edits delivered out of order: the newest one wins)
    __table_args__ = (Index("ix_pending_reports_message", "channel", "chat_id", "message_id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token: Mapped[str] = mapped_column(String(32), unique=True)
    reporter_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    channel: Mapped[str] = mapped_column(String(16), default="telegram")
    chat_id: Mapped[str] = mapped_column(String(64))
    message_id: Mapped[int] = mapped_column(BigInteger)
    source_rev: Mapped[int] = mapped_column(BigInteger, default=0)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    # pending | confirmed | cancelled | expired (too old, or a newer revision of the message came) | removed
    # (not a question: an edit turned the message into chatter; an older edit delivered later must not count)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Delivery(Base):
    """Outbox: one row per (chat, kind, day); a summary is never sent twice, a failed one is retried."""

    __tablename__ = "deliveries"
    __table_args__ = (UniqueConstraint("chat_id", "kind", "day"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    chat_id: Mapped[int] = mapped_column(ForeignKey("chats.id"), index=True)
    kind: Mapped[str] = mapped_column(String(32))  # reminder | daily | weekly | escalation | ...
    day: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), default="pending")  # sending | sent | failed | dead
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    sent_message_id: Mapped[int | None] = mapped_column(BigInteger)
    # status "sending": when the claim's lease expires; "failed": when the next attempt is due
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)


class ConfirmDigest(Base):
    """One digest of a reaction-style chat (docs/telegram-limits.md): the chat's reports with
    ``after_id < id <= upto_id``. Its range is written before it is sent, and a chat's next range starts
    where its newest row ends (the digest mark, ``upto_id``): no report is counted twice or skipped.
    status: pending | sending (lease until next_attempt_at) | sent | empty (all undone meanwhile) |
    gone (the chat refuses it) | stale | mark (a range not to digest: replied to before the style changed)."""

    __tablename__ = "confirm_digests"
    __table_args__ = (UniqueConstraint("chat_id", "after_id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    chat_id: Mapped[int] = mapped_column(ForeignKey("chats.id"))  # (chat_id, after_id) is unique: indexed
    after_id: Mapped[int] = mapped_column(BigInteger)
    upto_id: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(16), default="pending", index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    sent_message_id: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)


class AuditLog(Base):
    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"))
    actor_external_id: Mapped[str | None] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(64))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    unit_path: Mapped[str | None] = mapped_column(String(255), index=True)
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    outcome: Mapped[str] = mapped_column(String(16), default="ok")  # ok | refused


class ReplyOutbox(Base):
    """A report confirmation whose send failed in the handler: retried with backoff until it is sent,
    the report is gone, or it is stale (RELIABILITY.md, "The confirmation")."""

    __tablename__ = "reply_outbox"
    __table_args__ = (UniqueConstraint("channel", "chat_id", "reply_to"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel: Mapped[str] = mapped_column(String(16), default="telegram")
    chat_id: Mapped[str] = mapped_column(String(64))
    reply_to: Mapped[int] = mapped_column(BigInteger)  # the member's message
    report_id: Mapped[int | None] = mapped_column(ForeignKey("reports.id"))  # the Undo button's row
    text: Mapped[str] = mapped_column(Text)  # rendered (HTML), in the reporter's language
    button: Mapped[str | None] = mapped_column(String(64))  # the Undo button's label
    status: Mapped[str] = mapped_column(String(16), default="pending", index=True)  # pending|sent|gone|stale
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    sent_message_id: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)


#: the statuses of the webhook queue's rows not yet handled, and their SQL (the partial indexes' predicate;
#: storage/queue_repo.py writes the same values into its statements)
OPEN_STATUSES = ("queued", "claimed")
OPEN_INBOX = "status IN (" + ", ".join(f"'{v}'" for v in OPEN_STATUSES) + ")"


class Inbox(Base):
    """Update intake: one row per (channel, bot, update key), its attempts counted BEFORE it is handled,
    so that an update that fails or kills the process K times is parked (DeadLetter) instead of retried
    forever.

    The durable webhook intake (storage.queue_repo) uses the same rows: the webhook commits the raw update
    (`payload`, status `queued`) before answering 200; a worker claims it (`claimed`, `worker`, a lease
    until `lease_until`), handles it and marks it `done`. A queued row waiting for a retry has its
    not-before time in `lease_until`. The partial indexes cover only the open rows (queued, claimed)."""

    __tablename__ = "inbox"
    __table_args__ = (
        UniqueConstraint("channel", "bot", "update_key"),
        Index("ix_inbox_open", "channel", "bot", "id", sqlite_where=text(OPEN_INBOX),
              postgresql_where=text(OPEN_INBOX)),
        Index("ix_inbox_open_chat", "chat_id", "id", sqlite_where=text(OPEN_INBOX),
              postgresql_where=text(OPEN_INBOX)),
        Index("ix_inbox_open_user", "user_id", "id", sqlite_where=text(OPEN_INBOX),
              postgresql_where=text(OPEN_INBOX)),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel: Mapped[str] = mapped_column(String(16), default="telegram")
    bot: Mapped[str] = mapped_column(String(64))  # the bot's id (several bots may share a database)
    update_key: Mapped[str] = mapped_column(String(128))  # update_id, or a derived key (Zalo)
    chat_id: Mapped[str | None] = mapped_column(String(64))
    user_id: Mapped[str | None] = mapped_column(String(64))  # the sender: a user's updates keep their order
    # processing|done|failed|parked|background (in-process intake); queued|claimed (the webhook queue)
    status: Mapped[str] = mapped_column(String(16), default="processing")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    payload: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    worker: Mapped[str | None] = mapped_column(String(64))  # the process that claimed the row
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)


class DeadLetter(Base):
    """An update parked after failing (or killing the process) K times: kept for the admins, never
    handled again automatically; the admins are told once (`told_at`)."""

    __tablename__ = "dead_letters"
    __table_args__ = (UniqueConstraint("channel", "bot", "update_key"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel: Mapped[str] = mapped_column(String(16), default="telegram")
    bot: Mapped[str] = mapped_column(String(64))
    update_key: Mapped[str] = mapped_column(String(128))
    chat_id: Mapped[str | None] = mapped_column(String(64))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text)
    payload: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    told_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class SendCounter(Base):
    """Messages one bot sent in one calendar month (Zalo plans cap them): counted at every send."""

    __tablename__ = "send_counters"
    __table_args__ = (UniqueConstraint("channel", "bot", "period"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    bot: Mapped[str] = mapped_column(String(64))  # the bot's id (Zalo bot id, OA app id)
    period: Mapped[str] = mapped_column(String(7))  # "2026-12", local time
    sent: Mapped[int] = mapped_column(Integer, default=0)
    warned_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # the 80% warning went out
    exhausted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # Zalo answered "quota exceeded"
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class OAToken(Base):
    """Zalo Official Account OAuth v4 tokens, one row per generation; refresh tokens are single-use, so the
    new row is inserted in the same transaction that retires the old one (bot/channels/zalo/oa_tokens.py)."""

    __tablename__ = "oa_tokens"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    app_id: Mapped[str] = mapped_column(String(64), index=True)
    access_token: Mapped[str] = mapped_column(Text)
    refresh_token: Mapped[str] = mapped_column(Text)
    access_expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    source: Mapped[str] = mapped_column(String(16), default="refresh")  # auth | refresh


class OfficialFigure(Base):
    """An official cumulative (e.g. the police system C06's activation count) for a unit, metric and day,
    recorded by a leader to reconcile with the teams' figures. One per unit/metric/day (re-recording replaces)."""

    __tablename__ = "official_figures"
    __table_args__ = (UniqueConstraint("unit_id", "metric", "day"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    metric: Mapped[str] = mapped_column(ForeignKey("metrics.code"))
    day: Mapped[date] = mapped_column(Date)
    value: Mapped[int] = mapped_column(Integer)
    recorded_by: Mapped[int | None] = mapped_column(ForeignKey("members.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
