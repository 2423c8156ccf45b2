"""The durable webhook queue: rows of the `inbox` table (see storage.models.Inbox).

* `enqueue` commits the raw update before the webhook answers 200 (unique by channel, bot and update key:
  a re-delivery is a no-op);
* `claim` takes, for one worker, up to `limit` rows that are due and are the OLDEST open row of their chat
  and of their sender: the rows of one chat, and of one user, are handled one at a time in arrival order,
  whichever worker takes them. On PostgreSQL `FOR UPDATE SKIP LOCKED` lets several workers claim at once
  without waiting for each other (an open earlier row, even one another worker is claiming right now, is
  seen by the NOT EXISTS and holds the later rows back); on SQLite the one writer serialises claims;
* a claim is a lease: a worker that dies (kill -9) stops renewing it, and once it has run out the row is
  claimed again by any worker (its attempts counted: the intake parks it after MAX_UPDATE_ATTEMPTS).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, exists, func, literal_column, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, aliased

from storage.models import OPEN_STATUSES, Inbox


def _open(status: Any) -> Any:
    """`status IN ('queued', 'claimed')` with the values written into the SQL, not bound: psycopg prepares a
    statement run five times and PostgreSQL then plans it once for any parameters, and such a generic plan
    cannot use the partial indexes (their predicate is OPEN_INBOX): every claim became a scan of every open
    row for each candidate, seconds per claim with thousands queued (the scale test's stall)."""
    return status.in_([literal_column(f"'{v}'") for v in OPEN_STATUSES])


@dataclass(frozen=True)
class Claimed:
    id: int
    key: str
    chat_id: str | None
    attempts: int
    payload: dict[str, Any]


def enqueue(s: Session, *, channel: str, bot: str, key: str, chat_id: str | None, user_id: str | None,
            payload: dict[str, Any], now: datetime) -> bool:
    """Keep the update until it is handled; False when it was known already (a re-delivery)."""
    insert = postgresql.insert if s.get_bind().dialect.name == "postgresql" else sqlite.insert
    res = s.execute(
        insert(Inbox)
        .values(channel=channel, bot=bot, update_key=key, chat_id=chat_id, user_id=user_id, status="queued",
                attempts=0, payload=payload, created_at=now, updated_at=now)
        .on_conflict_do_nothing(index_elements=["channel", "bot", "update_key"])
        .returning(Inbox.id)
    )
    return res.scalar() is not None


def claim_query(*, channel: str, bot: str, now: datetime, limit: int) -> Select[Any]:
    """The ids `claim` takes: due open rows, each the oldest open row of its chat and of its sender."""
    row = Inbox

    def earlier_open(column: str) -> Any:
        """An earlier open row of the same chat (or sender): an index probe of ix_inbox_open_<column>."""
        other = aliased(Inbox)
        return exists().where(getattr(other, column) == getattr(row, column), _open(other.status),
                              other.id < row.id, other.channel == channel, other.bot == bot)

    # two anti-joins, not one with an OR of conditions: each is an index probe, whatever the planner's
    # statistics say (one join with an OR made it scan every open row for each candidate)
    held_back = or_(earlier_open("chat_id"), earlier_open("user_id"))
    due = or_(row.lease_until.is_(None), row.lease_until <= now)
    return (select(row.id)
            .where(row.channel == channel, row.bot == bot, _open(row.status), due, ~held_back)
            .order_by(row.id)
            .limit(limit)
            .with_for_update(skip_locked=True, of=row))


def claim(s: Session, *, channel: str, bot: str, worker: str, now: datetime, lease_until: datetime,
          limit: int) -> list[Claimed]:
    """Up to `limit` due rows, each the oldest open row of its chat and of its sender, claimed for `worker`."""
    ids = list(s.scalars(claim_query(channel=channel, bot=bot, now=now, limit=limit)))
    if not ids:
        return []
    s.execute(update(Inbox).where(Inbox.id.in_(ids), _open(Inbox.status))
              .values(status="claimed", worker=worker, lease_until=lease_until, attempts=Inbox.attempts + 1,
                      updated_at=now)
              .execution_options(synchronize_session=False))
    rows = s.execute(select(Inbox.id, Inbox.update_key, Inbox.chat_id, Inbox.attempts, Inbox.payload)
                     .where(Inbox.id.in_(ids), Inbox.worker == worker).order_by(Inbox.id)).all()
    return [Claimed(int(r.id), str(r.update_key), r.chat_id, int(r.attempts), dict(r.payload or {}))
            for r in rows]


def renew(s: Session, *, ids: list[int], worker: str, lease_until: datetime, now: datetime) -> int:
    """Extend this worker's leases of rows it is still handling."""
    if not ids:
        return 0
    res = s.execute(update(Inbox).where(Inbox.id.in_(ids), Inbox.worker == worker, Inbox.status == "claimed")
                    .values(lease_until=lease_until, updated_at=now)
                    .execution_options(synchronize_session=False))
    return int(getattr(res, "rowcount", 0) or 0)


def finish(s: Session, *, row_id: int, worker: str, now: datetime, error: str | None = None,
           retry_at: datetime | None = None) -> bool:
    """Handled (`done`, its payload dropped) or to be tried again at `retry_at` (back to `queued`).
    Only the worker holding the claim may; a row its long work moved to `background` is left alone."""
    values: dict[str, Any] = {"updated_at": now, "worker": None}
    if retry_at is None:
        values.update(status="done", payload=None, lease_until=None)
    else:
        values.update(status="queued", lease_until=retry_at)
    if error is not None:
        values["last_error"] = error[:2000]
    res = s.execute(update(Inbox).where(Inbox.id == row_id, Inbox.worker == worker, Inbox.status == "claimed")
                    .values(**values).execution_options(synchronize_session=False))
    return bool(getattr(res, "rowcount", 0))


def backlog(s: Session, *, channel: str, bot: str) -> int:
    """Open rows: received and not yet handled."""
    return int(s.scalar(select(func.count()).select_from(Inbox).where(
        Inbox.channel == channel, Inbox.bot == bot, _open(Inbox.status))) or 0)
