"""Roll-up aggregates over the materialised unit path (all SQL of bot/core/rollup.py lives here).

Every aggregate is ONE query over the subtree of a unit ``U`` (path ``P``), grouped by the *child key*:
the path of the child of ``U`` whose subtree holds the row's unit, computed from the row unit's path
(``substr(path, 1, len(P) + instr(substr(path, len(P) + 1), '/'))``). Rows of ``U`` itself get
key ``P``. The path only holds digits and ``/``, so ``LIKE 'P%'`` needs no escaping.

Reports are first summed per unit (the plain GROUP BY), then those few-per-unit rows are regrouped
by child key, so the string work is done per unit, not per report row. The partial covering index
``ix_reports_rollup (unit_id, metric, day, value) WHERE current`` makes the per-unit sums index-only
scans (whole tree) or seeks (a commune inside a national database).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, NamedTuple, TypeVar

from sqlalchemy import (
    ColumnElement,
    Integer,
    Select,
    and_,
    any_,
    case,
    cast,
    func,
    literal,
    select,
    text,
    union_all,
)
from sqlalchemy.orm import Session

from storage.models import Baseline, Metric, Report, Target, Unit
from storage.repo import CURRENT


def _instr(session: Session, haystack: Any, needle: str) -> ColumnElement[int]:
    if session.get_bind().dialect.name == "postgresql":
        return func.strpos(haystack, needle)
    return func.instr(haystack, needle)


def child_key(session: Session, path: Any, prefix_len: int) -> ColumnElement[str]:
    """The path of the child of the unit whose path has `prefix_len` characters (or that unit's own path)."""
    rest = func.substr(path, prefix_len + 1)
    return func.substr(path, 1, literal(prefix_len, Integer) + _instr(session, rest, "/"))


def child_ids_cte(session: Session, unit: Unit) -> Any:
    """PostgreSQL: the units of the subtree as a MATERIALIZED CTE ``ru(id, child)``, `child` the id of the
    child of `unit` above it (NULL for `unit` itself), read from the path. Computed once per unit
    (inlined, PostgreSQL would compute it for every report row it joins) and an integer, which groups
    faster than the child's path; `key_of` turns it back into the child key."""
    rest = func.substr(Unit.path, len(unit.path) + 1)
    digits = func.substr(rest, 1, func.greatest(func.strpos(rest, "/") - 1, 0))
    child = cast(func.nullif(digits, ""), Integer)
    return (select(Unit.id.label("id"), child.label("child")).where(*in_subtree(session, Unit.path, unit))
            .cte("ru").prefix_with("MATERIALIZED"))


def key_of(unit: Unit, child: int | None) -> str:
    """The child key of a `child_ids_cte` row (a unit's path is its parent's path + its id + "/")."""
    return unit.path if child is None else f"{unit.path}{child}/"


def in_subtree(session: Session, path: Any, unit: Unit) -> list[ColumnElement[bool]]:
    """`path` lies in the unit's subtree. On SQLite, below a root, also as a range the path index can seek
    (LIKE is not indexable there), so a commune inside a big database reads only its own rows."""
    conds: list[ColumnElement[bool]] = [path.like(unit.path + "%")]
    if unit.parent_id is not None and session.get_bind().dialect.name == "sqlite":
        # paths hold digits and "/", and "/" < "0": every descendant sorts in [P, P[:-1] + "0")
        conds += [path >= unit.path, path < unit.path[:-1] + "0"]
    return conds


S = TypeVar("S", bound="Select[*tuple[Any, ...]]")


def scoped_reports(session: Session, q: S, unit: Unit, unit_col: Any = None) -> S:
    """Restrict a SELECT over `reports` (or another table, by its `unit_col`) to the unit's subtree.

    Below a root on SQLite: `unit_id IN (units of the subtree)`, which SQLite runs as seeks into
    ix_reports_rollup per unit; otherwise a join on units with the path LIKE (a scan of everything
    is what a root needs anyway, and PostgreSQL plans either form well).
    """
    col = Report.unit_id if unit_col is None else unit_col
    if unit.parent_id is not None and session.get_bind().dialect.name == "sqlite":
        ids = select(Unit.id).where(*in_subtree(session, Unit.path, unit))
        return q.where(col.in_(ids))
    return q.join(Unit, Unit.id == col).where(Unit.path.like(unit.path + "%"))


@dataclass(frozen=True)
class ReportSums:
    key: str  # child path (or the unit's own path)
    metric: str
    today: int
    last7: int
    cumulative: int  # current reports up to the day not held by a baseline (baselines not included)
    rows_today: int  # current report rows on `day` (a reported 0 counts)
    baseline: int = 0  # sum of the baselines as of the day or earlier
    previous: int = 0  # the whole cumulative (baselines included) as of the `previous` day, when asked


def analytic(session: Session) -> None:
    """PostgreSQL settings for one aggregate transaction (reverted at its end by SET LOCAL).

    JIT compilation costs seconds on these short queries (2.4 s of a 5.5 s national roll-up when
    measured) and never pays back. (A bigger work_mem was tried: it turns the index-only merge plan
    into a slower hash plan over a sequential scan.)
    Custom plans only: psycopg prepares a statement it has run five times, and PostgreSQL may then plan it
    once for any parameters; such a generic plan cannot read a subtree (`path LIKE $1`) from the path
    index, since the pattern's prefix is unknown when it is planned (a commune's sums 18.8 ms instead of
    1.5 ms when measured). The same trap as the webhook queue's claim (storage/queue_repo.py).
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SET LOCAL jit = off"))
        session.execute(text("SET LOCAL plan_cache_mode = force_custom_plan"))


def report_sums(session: Session, unit: Unit, day: date, metrics: list[str] | None = None,
                previous: date | None = None, only: str | None = None) -> list[ReportSums]:
    """Today / last-7-days / cumulative report sums and baselines, per child key and metric, in ONE query;
    with `previous` (a day before `day`), also each key's cumulative as of that day (what a ranking compares);
    with `only` (a metric code), the sums of that metric alone plus, for the other metrics, the number of
    report rows on `day` (`rows_today`: any metric counts) — PostgreSQL reads only those rows, SQLite
    returns every metric (the caller keeps the one it asked for).

    PostgreSQL: one pass over the subtree's reports with FILTER aggregates (today, the week, the previous
    day: all in the index the pass reads) and one pass over its baselines. Below a root the rows are summed
    straight into their child key (computed once per unit, in a MATERIALIZED CTE: inlined, PostgreSQL would
    compute it for every report row); a root sums per unit first (one ordered pass over the whole index),
    then regroups those few rows by child key.
    SQLite: per-unit sums regrouped by child key, a UNION ALL of
    - the cumulative aggregate (exactly the plain GROUP BY),
    - a 7-day aggregate with conditional aggregation for "today", which the (unit_id, metric, day)
      index serves as a short range per unit (conditional aggregation over all history costs ~1.6x the
      plain GROUP BY on SQLite),
    - the baselines per unit.
    """
    if previous is not None and previous >= day:
        raise ValueError("previous must be before day")
    pg = session.get_bind().dialect.name == "postgresql"
    ru: Any
    by_child = pg and unit.parent_id is not None
    if by_child:
        ru = child_ids_cte(session, unit)
        keyed = union_all(*_pg_branches(session, unit, day, previous, only, ru)).subquery("keyed")
        key: Any = keyed.c.key
        source: Any = keyed
    else:
        branches = (_pg_branches(session, unit, day, previous, only, None) if pg
                    else _sqlite_branches(session, unit, day, metrics, previous))
        per_unit = union_all(*branches).subquery("per_unit")
        ru = select(Unit.id, Unit.path).where(*in_subtree(session, Unit.path, unit)).subquery("ru")
        key = child_key(session, ru.c.path, len(unit.path)).label("key")
        keyed = per_unit
        source = per_unit.join(ru, ru.c.id == per_unit.c.unit_id)
    q = (
        select(
            key,
            keyed.c.metric,
            func.sum(keyed.c.today),
            func.sum(keyed.c.last7),
            func.sum(keyed.c.cum),
            func.sum(keyed.c.n_today),
            func.sum(keyed.c.base),
            func.sum(keyed.c.prev),
        )
        .select_from(source)
        .group_by(key, keyed.c.metric)
    )
    return [
        ReportSums(key_of(unit, k) if by_child else str(k), str(m), int(t or 0), int(w or 0), int(c or 0), int(n or 0),
                   int(b or 0), int(p or 0))
        for k, m, t, w, c, n, b, p in session.connection().execute(q).all()
    ]


_ZERO = literal(0, Integer)


def _pg_branches(session: Session, unit: Unit, day: date, previous: date | None, only: str | None,
                 ru: Any) -> list[Any]:
    """(unit_id or key, metric, today, last7, cum, n_today, base, prev) on PostgreSQL: per unit, or per child
    (its id, as `key`) when `ru` (`child_ids_cte`) is given."""
    is_today = Report.day == day

    def scoped(q: Any, unit_col: Any) -> Any:
        if ru is None:
            return scoped_reports(session, q.add_columns(unit_col.label("unit_id")), unit, unit_col)
        return q.add_columns(ru.c.child.label("key")).join(ru, ru.c.id == unit_col)

    def by(q: Any, unit_col: Any, metric_col: Any) -> Any:
        return q.group_by(unit_col if ru is None else ru.c.child, metric_col)

    sums = select(
        Report.metric.label("metric"),
        func.coalesce(func.sum(Report.value).filter(is_today), 0).label("today"),
        func.coalesce(func.sum(Report.value).filter(Report.day >= day - timedelta(days=6)), 0).label("last7"),
        func.sum(Report.value).label("cum"),  # every report up to the day; the held ones are taken off below
        func.count().filter(is_today).label("n_today"),
        _ZERO.label("base"),
        (_ZERO if previous is None else func.coalesce(func.sum(Report.value).filter(Report.day <= previous), 0))
        .label("prev"),
    ).select_from(Report).where(*CURRENT, Report.day <= day)
    if only is not None:
        sums = sums.where(Report.metric == only)
    branches = [by(scoped(sums, Report.unit_id), Report.unit_id, Report.metric)]
    if only is not None:  # the other metrics' rows of the day: a unit that reported any metric has reported
        others = select(Report.metric, _ZERO, _ZERO, _ZERO, func.count(), _ZERO, _ZERO).select_from(Report).where(
            *CURRENT, Report.day == day, Report.metric != only)
        branches.append(by(scoped(others, Report.unit_id), Report.unit_id, Report.metric))
    # a baseline counts from its day on and holds every report of its unit up to that day (DESIGN §4): take
    # those off with a correlated sum per baseline, i.e. one short index range each (a join is planned as a
    # hash over every report; baselines are set when a unit starts using the bot, so the ranges are short)
    held = (
        select(func.coalesce(func.sum(Report.value), 0)).where(_covers(), *CURRENT).correlate(Baseline)
        .scalar_subquery()
    )
    prev: Any = _ZERO if previous is None else case((Baseline.as_of <= previous, Baseline.value - held), else_=0)
    base = select(Baseline.metric, _ZERO, _ZERO, -held, _ZERO, Baseline.value, prev).select_from(Baseline).where(
        Baseline.as_of <= day)  # one baseline per unit and metric
    if only is not None:
        base = base.where(Baseline.metric == only)
    branches.append(scoped(base, Baseline.unit_id))
    return branches


def _sqlite_branches(session: Session, unit: Unit, day: date, metrics: list[str] | None,
                     previous: date | None) -> list[Any]:
    """Per unit and metric: (unit_id, metric, today, last7, cum, n_today, base, prev) on SQLite."""
    is_today = Report.day == day
    # per (unit, metric) of the subtree, one index range of its reports from after its baseline's day (the
    # range bound comes from the outer row), so no report is read twice
    cum = (
        select(
            Report.unit_id.label("unit_id"),
            Report.metric.label("metric"),
            _ZERO.label("today"),
            _ZERO.label("last7"),
            func.sum(Report.value).label("cum"),
            _ZERO.label("n_today"),
            _ZERO.label("base"),
            (_ZERO if previous is None else func.sum(case((Report.day <= previous, Report.value), else_=0)))
            .label("prev"),
        )
        .select_from(Unit)
        .join(Metric, literal(True))
        .outerjoin(Baseline, and_(Baseline.unit_id == Unit.id, Baseline.metric == Metric.code,
                                  Baseline.as_of <= day))
        .join(Report, and_(Report.unit_id == Unit.id, Report.metric == Metric.code,
                           Report.day > func.coalesce(Baseline.as_of, literal(date(1900, 1, 1)))))
        .where(*in_subtree(session, Unit.path, unit), *CURRENT, Report.day <= day)
        .group_by(Report.unit_id, Report.metric)
    )
    week = select(
        Report.unit_id,
        Report.metric,
        func.sum(case((is_today, Report.value), else_=0)),
        func.sum(Report.value),
        _ZERO,
        func.count(case((is_today, 1))),
        _ZERO,
        _ZERO,
    ).where(*CURRENT, Report.day >= day - timedelta(days=6), Report.day <= day)
    if metrics:  # lets the 7-day branch seek (unit_id, metric, day >= ...)
        week = week.where(Report.metric.in_(metrics))
    prev_base: Any = _ZERO if previous is None else func.sum(case((Baseline.as_of <= previous, Baseline.value), else_=0))
    base = select(Baseline.unit_id, Baseline.metric, _ZERO, _ZERO, _ZERO, _ZERO, func.sum(Baseline.value),
                  prev_base).where(Baseline.as_of <= day)
    branches: list[Any] = [
        cum,
        scoped_reports(session, week, unit).group_by(Report.unit_id, Report.metric),
        scoped_reports(session, base, unit, Baseline.unit_id).group_by(Baseline.unit_id, Baseline.metric),
    ]
    if previous is not None:
        # a baseline of a day after `previous` did not count yet then: its unit's reports up to `previous`
        # did (the cumulative branch starts after that baseline's day)
        unheld = (
            select(func.coalesce(func.sum(Report.value), 0))
            .where(Report.unit_id == Baseline.unit_id, Report.metric == Baseline.metric, Report.day <= previous,
                   *CURRENT)
            .correlate(Baseline).scalar_subquery()
        )
        later = select(Baseline.unit_id, Baseline.metric, _ZERO, _ZERO, _ZERO, _ZERO, _ZERO, unheld).where(
            Baseline.as_of > previous, Baseline.as_of <= day)
        branches.append(scoped_reports(session, later, unit, Baseline.unit_id))
    return branches


def _covers() -> ColumnElement[bool]:
    """A report row that its unit's baseline already holds (same unit and metric, on or before its day)."""
    return and_(Report.unit_id == Baseline.unit_id, Report.metric == Baseline.metric, Report.day <= Baseline.as_of)


@dataclass(frozen=True)
class BaselineStep:
    as_of: date
    value: int  # the baseline's value
    covered: int  # current reports of that unit and metric on or before as_of (held by the baseline)


def baseline_steps(session: Session, unit: Unit, metric: str, end: date) -> list[BaselineStep]:
    """The baselines of the subtree up to `end`, each with the reports it holds, in one query."""
    covered = (
        select(func.coalesce(func.sum(Report.value), 0)).where(_covers(), *CURRENT).correlate(Baseline)
        .scalar_subquery()
    )
    q = (
        select(Baseline.as_of, Baseline.value, covered)
        .join(Unit, Unit.id == Baseline.unit_id)
        .where(*in_subtree(session, Unit.path, unit), Baseline.metric == metric, Baseline.as_of <= end)
    )
    return [BaselineStep(d if isinstance(d, date) else date.fromisoformat(str(d)), int(v), int(c or 0))
            for d, v, c in session.execute(q)]


def baseline_sums(session: Session, unit: Unit) -> list[tuple[str, str, int]]:
    """(child key, metric, sum of baselines) over the subtree, in one query."""
    key = child_key(session, Unit.path, len(unit.path)).label("key")
    q = (
        select(key, Baseline.metric, func.sum(Baseline.value))
        .join(Unit, Unit.id == Baseline.unit_id)
        .where(*in_subtree(session, Unit.path, unit))
        .group_by(key, Baseline.metric)
    )
    return [(str(k), str(m), int(v or 0)) for k, m, v in session.execute(q)]


class TargetRow(NamedTuple):  # a tuple: a province's roll-up reads thousands
    unit_id: int
    path: str
    metric: str
    value: int
    deadline: date | None


def targets_in_subtree(session: Session, unit: Unit, metric: str | None = None) -> list[TargetRow]:
    """Targets of the active units of the subtree (the unit's own included; of one metric if given), in one
    query."""
    q = (
        select(Target.unit_id, Unit.path, Target.metric, Target.value, Target.deadline)
        .join(Unit, Unit.id == Target.unit_id)
        .where(*in_subtree(session, Unit.path, unit), Unit.active.is_(True))
    )
    if unit.parent_id is not None and session.get_bind().dialect.name == "postgresql":
        # below a root: seek the targets of the subtree's units by unit_id (joined on the path instead,
        # PostgreSQL hashes every target of the country to find a province's few thousand)
        ids = func.array(select(Unit.id).where(*in_subtree(session, Unit.path, unit)).scalar_subquery())
        q = q.where(Target.unit_id == any_(ids))
    if metric is not None:
        q = q.where(Target.metric == metric)
    return [TargetRow._make(row) for row in session.connection().execute(q).all()]


def inactive_ids_in_subtree(session: Session, unit: Unit) -> set[int]:
    q = select(Unit.id).where(*in_subtree(session, Unit.path, unit), Unit.active.is_(False))
    return {int(i) for i in session.scalars(q)}


def daily_sums(session: Session, unit: Unit, metric: str, start: date, end: date) -> tuple[int, list[tuple[date, int]]]:
    """(sum of current reports before `start`, [(day, sum) for days in [start, end] that have rows])."""
    bucket = case((Report.day < start, literal(start - timedelta(days=1))), else_=Report.day).label("bucket")
    q = scoped_reports(
        session,
        select(bucket, func.sum(Report.value)).where(Report.metric == metric, Report.day <= end, *CURRENT),
        unit,
    ).group_by(bucket)
    before = 0
    days: list[tuple[date, int]] = []
    for d, v in session.connection().execute(q).all():
        d = d if isinstance(d, date) else date.fromisoformat(str(d))
        if d < start:
            before += int(v or 0)
        else:
            days.append((d, int(v or 0)))
    days.sort()
    return before, days


def baseline_total(session: Session, unit: Unit, metric: str) -> int:
    q = (
        select(func.coalesce(func.sum(Baseline.value), 0))
        .join(Unit, Unit.id == Baseline.unit_id)
        .where(*in_subtree(session, Unit.path, unit), Baseline.metric == metric)
    )
    return int(session.scalar(q) or 0)


def plain_group_by(session: Session, unit: Unit, day: date) -> dict[tuple[int, str], int]:
    """The plain `SELECT unit, metric, SUM(value) ... GROUP BY unit, metric` over the subtree (benchmark baseline)."""
    q = scoped_reports(
        session, select(Report.unit_id, Report.metric, func.sum(Report.value)).where(Report.day <= day, *CURRENT), unit
    ).group_by(Report.unit_id, Report.metric)
    return {(int(u), str(m)): int(v or 0) for u, m, v in session.execute(q)}
