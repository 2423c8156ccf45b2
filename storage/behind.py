"""Writes that may trail behind the work they record, flushed in batches (issue 16 item 6).

Two kinds, both bookkeeping about work that is already durable:

* an update's intake row becomes ``done`` once its handling succeeded (storage.intake_repo);
* a stored report's rows get the message id of the bot's confirmation (``reports.reply_message_id``),
  once that confirmation was sent — the report itself was committed before it was confirmed.

Losing a trailing write in a crash is the case the intake already handles: the update, not yet confirmed to
Telegram (the next getUpdates flushes first), is delivered again, counted once more and found stored (a
duplicate, confirmed again when no reply id was recorded). The buffer is flushed in the transaction of the
next update's intake (one round trip instead of three), before each getUpdates, after a short delay and at
shutdown; code that reads the reply ids (a /sua on a confirmation, the confirmation outbox) flushes first.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import bindparam, select, tuple_, update
from sqlalchemy.orm import Session

from storage.models import Inbox, Report

KEEP = 20_000  #: trailing writes of each kind kept while the database cannot be written


@dataclass
class Batch:
    done: list[tuple[str, str, str, datetime]] = field(default_factory=list)  #: (channel, bot, update key, when)
    replies: list[tuple[int, int]] = field(default_factory=list)  #: (report id, confirmation message id)

    def __bool__(self) -> bool:
        return bool(self.done or self.replies)


class Behind:
    """The process's trailing writes (thread safe: PostgreSQL work runs in worker threads)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._batch = Batch()
        self._reply_ids: dict[int, int] = {}  # report id -> confirmation id, not yet written

    def done(self, channel: str, bot: str, key: str, now: datetime) -> None:
        with self._lock:
            self._batch.done.append((channel, bot, key, now))

    def reply(self, report_id: int, message_id: int) -> None:
        with self._lock:
            self._batch.replies.append((report_id, message_id))
            self._reply_ids[report_id] = message_id

    def reply_of(self, report_id: int) -> int | None:
        """A confirmation id recorded for the report's message and not written yet."""
        with self._lock:
            return self._reply_ids.get(report_id)

    def __len__(self) -> int:
        with self._lock:
            return len(self._batch.done) + len(self._batch.replies)

    def take(self) -> Batch:
        with self._lock:
            batch, self._batch = self._batch, Batch()
            return batch

    def restore(self, batch: Batch) -> None:
        """A transaction that was to write `batch` failed: keep it for the next one (older entries first).
        During a long outage at most KEEP of each kind are kept (the newest): a lost one is a re-delivery
        handled again and found stored, as after a crash."""
        if not batch:
            return
        with self._lock:
            replies = (batch.replies + self._batch.replies)[-KEEP:]
            self._batch = Batch((batch.done + self._batch.done)[-KEEP:], replies)
            kept = {r for r, _m in replies}
            for report_id in [r for r in self._reply_ids if r not in kept]:
                del self._reply_ids[report_id]

    def written(self, batch: Batch) -> None:
        """`batch` is committed: its reply ids are in the database now."""
        with self._lock:
            for report_id, message_id in batch.replies:
                if self._reply_ids.get(report_id) == message_id:
                    del self._reply_ids[report_id]


_DONE = (
    update(Inbox)
    .where(Inbox.channel == bindparam("c"), Inbox.bot == bindparam("b"), Inbox.update_key == bindparam("k"),
           Inbox.status == "processing")
    .values(status="done", updated_at=bindparam("now", type_=Inbox.__table__.c.updated_at.type))
)
_REPLY = (
    update(Report)
    .where(tuple_(Report.channel, Report.chat_id, Report.message_id).in_(
        select(Report.channel, Report.chat_id, Report.message_id).where(Report.id == bindparam("rid"))))
    .values(reply_message_id=bindparam("mid"))
)


def write(s: Session, batch: Batch) -> None:
    """Write `batch` in the caller's transaction (one statement per kind, executed for many rows)."""
    if batch.done:
        s.connection().execute(_DONE, [{"c": c, "b": b, "k": k, "now": now} for c, b, k, now in batch.done])
    if batch.replies:
        s.connection().execute(_REPLY, [{"rid": r, "mid": m} for r, m in batch.replies])
