"""Report revisions: queries and state changes used by the recording service."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, cast

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Connection,
    String,
    Table,
    bindparam,
    event,
    func,
    insert,
    literal,
    null,
    or_,
    select,
    tuple_,
    union_all,
    update,
)
from sqlalchemy import (
    cast as sql_cast,
)
from sqlalchemy.orm import Session

from storage.models import Baseline, Member, PendingReport, Report, Target, Unit
from storage.repo import CURRENT, held_by_baseline


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


def current_rows_answering(s: Session, channel: str, chat_id: str, message_id: int) -> list[Report]:
    """The current rows of the report message `message_id`, or of the one the bot's confirmation
    `message_id` answered (a leader may reply to either)."""
    return list(s.scalars(
        select(Report)
        .where(Report.channel == channel, Report.chat_id == chat_id,
               or_(Report.message_id == message_id, Report.reply_message_id == message_id), *CURRENT)
        .order_by(Report.id)
    ))


# ---- the hot path: Core statements on the tables, run on the session's connection ------------------------
# (an ORM-enabled statement run by `Session.execute` goes through the ORM's compile and result machinery:
# several times the cost of the statement itself on SQLite; bench/bench_ingest.py --timers)

_REPORTS = cast(Table, Report.__table__)
_R = _REPORTS.c
_M = Member.__table__.c
_P = PendingReport.__table__.c


def _conn(s: Session) -> Connection:
    """The session's connection, after writing what the session holds: an ORM query would flush it first
    (autoflush), a Core statement does not."""
    s.flush()
    return s.connection()


# ---- read ahead: a new one-line report's reads in one round trip ----------------------------------------
# Recording a new report reads the revisions of its message, the day's figures of its unit and metric and
# the unit's reported total: three statements, each a round trip (and on PostgreSQL a thread's wait for the
# server and for the interpreter again). `read_ahead` reads all three in one statement at the start of the
# transaction; `revisions_of_message`, `day_rows` and `unit_reported_total` then take their answer from it,
# each answer once, and only until the transaction writes anything (a flush, or a Core write here): after
# that every read goes to the database again.

_AHEAD = "report_repo.read_ahead"


def _ahead(s: Session, key: tuple[object, ...]) -> object | None:
    """The read-ahead answer for `key` (taken: a second read of it goes to the database)."""
    ahead = s.info.get(_AHEAD)
    return ahead.pop(key, None) if ahead else None


def _wrote(s: Session) -> None:
    """The transaction writes: what was read ahead may be out of date."""
    s.info.pop(_AHEAD, None)


@event.listens_for(Session, "after_flush")
def _flushed(s: Session, _context: object) -> None:
    _wrote(s)


_UNIT_REPORTED_TOTAL = select(func.coalesce(func.sum(_R.value), 0)).where(
    _R.unit_id == bindparam("unit_id"), _R.metric == bindparam("metric"), _R.day <= bindparam("until"),
    *CURRENT,
    ~held_by_baseline(),
)


def unit_reported_total(s: Session, unit_id: int, metric: str, until: date) -> int:
    """repo.reported_total for a unit with nothing below it: one index range of that unit."""
    ahead = _ahead(s, ("total", unit_id, metric, until))
    if ahead is not None:
        return cast(int, ahead)
    return int(_conn(s).execute(_UNIT_REPORTED_TOTAL, {"unit_id": unit_id, "metric": metric, "until": until}
                                ).scalar() or 0)


def targets_under(s: Session, root: Unit) -> dict[tuple[int, str], int]:
    """(unit id, metric) -> own target, for every unit in root's subtree (active or not)."""
    q = (
        select(Target.unit_id, Target.metric, Target.value)
        .join(Unit, Unit.id == Target.unit_id)
        .where(Unit.path.startswith(root.path, autoescape=True))
    )
    return {(int(u), str(m)): int(v) for u, m, v in s.execute(q)}


def baselines_under(s: Session, root: Unit) -> list[tuple[str, str, int, int, date]]:
    """(unit path, metric, value, unit id, day) of every baseline in root's subtree (active units or not)."""
    q = (
        select(Unit.path, Baseline.metric, Baseline.value, Baseline.unit_id, Baseline.as_of)
        .join(Unit, Unit.id == Baseline.unit_id)
        .where(Unit.path.startswith(root.path, autoescape=True))
    )
    return [(str(p), str(m), int(v), int(u), d) for p, m, v, u, d in s.execute(q)]


def baseline_day(s: Session, unit_id: int, metric: str) -> date | None:
    """The day of the unit's own baseline for the metric."""
    return s.scalar(select(Baseline.as_of).where(Baseline.unit_id == unit_id, Baseline.metric == metric))


def origin_replaced(s: Session, row: Report) -> Report | None:
    """Walk back over the revisions of row's own message: the row that message first replaced."""
    prev = s.get(Report, row.replaces_id) if row.replaces_id else None
    while prev is not None and prev.chat_id == row.chat_id and prev.message_id == row.message_id:
        prev = s.get(Report, prev.replaces_id) if prev.replaces_id else None
    if prev is not None and prev.deleted_at is not None:
        return None
    return prev


def retract(s: Session, row: Report, now: datetime) -> None:
    """Delete a current row and bring back the figure its message replaced (if still valid), and the other
    reporters' figures it (or an earlier revision of its message) replaced as the unit's total."""
    restore = origin_replaced(s, row)
    row.deleted_at = now
    s.flush()
    if restore is not None and restore.superseded_at is not None:
        restore.superseded_at = None
        s.flush()
    chain = [row.id]
    prev = s.get(Report, row.replaces_id) if row.replaces_id else None
    while prev is not None and prev.chat_id == row.chat_id and prev.message_id == row.message_id:
        chain.append(prev.id)
        prev = s.get(Report, prev.replaces_id) if prev.replaces_id else None
    for other in s.scalars(select(Report).where(Report.superseded_by_id.in_(chain),
                                                Report.superseded_at.is_not(None), Report.deleted_at.is_(None))):
        if current_value(s, other.reporter_id, other.unit_id, other.metric, other.day) is None:
            other.superseded_at = None
            s.flush()


_DAY_ROWS = (
    select(_R.reporter_id, _M.display_name, _R.value, _R.id)
    .join(Member.__table__, _M.id == _R.reporter_id)
    .where(_R.unit_id == bindparam("unit_id"), _R.metric == bindparam("metric"), _R.day == bindparam("day"),
           *CURRENT)
    .order_by(_R.created_at, _R.id)
)


def day_rows(s: Session, unit_id: int, metric: str, day: date) -> list[tuple[int, str, int, int]]:
    """The current figures for one unit / metric / day, oldest first: [(reporter id, name, value, row id)]
    (every reporter's, the caller's own included: one statement for both)."""
    ahead = _ahead(s, ("day", unit_id, metric, day))
    if ahead is not None:
        return cast(list[tuple[int, str, int, int]], ahead)
    rows = _conn(s).execute(_DAY_ROWS, {"unit_id": unit_id, "metric": metric, "day": day})
    return [(int(r), str(n), int(v), int(i)) for r, n, v, i in rows]


def day_contributions(s: Session, unit_id: int, metric: str, day: date,
                      exclude: int | None = None) -> list[tuple[int, str, int]]:
    """The current figures for one unit / metric / day, by reporter: [(reporter id, name, value)]."""
    return [(r, n, v) for r, n, v, _id in day_rows(s, unit_id, metric, day) if r != exclude]


def supersede_others(s: Session, row: Report, now: datetime) -> list[tuple[str, int]]:
    """`row` is its unit's whole total for the day: the other reporters' current figures step aside
    (superseded by it, kept in the history). Returns what they were: [(name, value)]."""
    others = [(other, str(name)) for other, name in s.execute(
        select(Report, Member.display_name).join(Member, Member.id == Report.reporter_id)
        .where(Report.unit_id == row.unit_id, Report.metric == row.metric, Report.day == row.day,
               Report.reporter_id != row.reporter_id, *CURRENT)
        .order_by(Report.created_at, Report.id)
    )]
    for other, _name in others:
        other.superseded_at = now
        other.superseded_by_id = row.id
    s.flush()
    return [(name, int(other.value)) for other, name in others]


_PENDING_REVS_OF_MESSAGE = select(PendingReport.source_rev).where(
    PendingReport.channel == bindparam("channel"), PendingReport.chat_id == bindparam("chat_id"),
    PendingReport.message_id == bindparam("message_id"))


_STORED_REVS = select(literal(1).label("kind"), _R.source_rev).where(
    _R.channel == bindparam("channel"), _R.chat_id == bindparam("chat_id"), _R.message_id == bindparam("message_id"))
_ASKED_REVS = select(literal(2).label("kind"), _P.source_rev).where(
    _P.channel == bindparam("channel"), _P.chat_id == bindparam("chat_id"), _P.message_id == bindparam("message_id"))
_REVS_OF_MESSAGE = union_all(_STORED_REVS, _ASKED_REVS)


def revisions_of_message(s: Session, channel: str, chat_id: str, message_id: int) -> tuple[list[int], list[int]]:
    """One round trip: (the source revisions of the message's report rows, those of its questions and
    removals, as `pending_revs_of_message`). A new message has neither: nothing more to read."""
    ahead = _ahead(s, ("revs", channel, chat_id, message_id))
    if ahead is not None:
        return cast(tuple[list[int], list[int]], ahead)
    stored: list[int] = []
    asked: list[int] = []
    params = {"channel": channel, "chat_id": chat_id, "message_id": message_id}
    for kind, rev in _conn(s).execute(_REVS_OF_MESSAGE, params):
        (stored if kind == 1 else asked).append(int(rev))
    return stored, asked


_INSERT_REPORT = insert(_REPORTS).returning(_R.id)


def insert_report(s: Session, **values: object) -> int:
    """A new report row, its id. The hot path: a Core statement on the session's connection (the ORM's bulk
    insert machinery, which `s.execute` on the mapped class goes through, costs four times as much)."""
    _wrote(s)
    return int(_conn(s).execute(_INSERT_REPORT, values).scalar_one())


def _nulls() -> tuple[ColumnElement[Any], ColumnElement[Any], ColumnElement[Any]]:
    """Typed NULLs for the value, row id and name columns of the read-ahead's other kinds."""
    return sql_cast(null(), BigInteger), sql_cast(null(), BigInteger), sql_cast(null(), String)


_READ_AHEAD = union_all(  # the kinds: 1, 2 = _REVS_OF_MESSAGE's, 3 = _DAY_ROWS, 4 = _UNIT_REPORTED_TOTAL
    _STORED_REVS.add_columns(*_nulls(), _R.created_at.label("at")),
    _ASKED_REVS.add_columns(*_nulls(), _P.created_at),
    _DAY_ROWS.order_by(None).with_only_columns(
        literal(3), _R.reporter_id, _R.value, _R.id, _M.display_name, _R.created_at),
    select(literal(4), _UNIT_REPORTED_TOTAL.scalar_subquery(), *_nulls(), null()),
)


def read_ahead(s: Session, channel: str, chat_id: str, message_id: int, unit_id: int, metric: str,
               day: date) -> None:
    """Read, in one statement, what recording a one-line report of this message for (unit, metric, day)
    reads first: `revisions_of_message`, `day_rows` and `unit_reported_total` until `day` (see above)."""
    params = {"channel": channel, "chat_id": chat_id, "message_id": message_id, "unit_id": unit_id,
              "metric": metric, "day": day, "until": day}
    stored: list[int] = []
    asked: list[int] = []
    day_of: list[tuple[Any, tuple[int, str, int, int]]] = []
    total = 0
    for kind, n, value, row_id, name, at in _conn(s).execute(_READ_AHEAD, params):
        if kind == 1:
            stored.append(int(n))
        elif kind == 2:
            asked.append(int(n))
        elif kind == 3:
            day_of.append((at, (int(n), str(name), int(value), int(row_id))))
        else:
            total = int(n or 0)
    day_of.sort(key=lambda r: (r[0], r[1][3]))  # as _DAY_ROWS: oldest first (created_at, id)
    s.info[_AHEAD] = {("revs", channel, chat_id, message_id): (stored, asked),
                      ("day", unit_id, metric, day): [row for _at, row in day_of],
                      ("total", unit_id, metric, day): total}


def pending_revs_of_message(s: Session, channel: str, chat_id: str, message_id: int) -> list[int]:
    """The revisions of a message that asked a question (whatever became of it) or removed its figures."""
    return [int(r) for r in s.scalars(_PENDING_REVS_OF_MESSAGE,
                                      {"channel": channel, "chat_id": chat_id, "message_id": message_id})]


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


def take_pending(s: Session, token: str) -> bool:
    """pending -> confirmed, only if still pending (in the caller's transaction)."""
    _wrote(s)
    res = s.execute(
        update(PendingReport)
        .where(PendingReport.token == token, PendingReport.status == "pending")
        .values(status="confirmed")
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(res, "rowcount", 0))


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
