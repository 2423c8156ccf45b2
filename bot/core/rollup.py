"""The shared roll-up: a unit's and its children's figures for one day (plain Python over storage).

Semantics (DESIGN §3-4):
- cumulative = every baseline in the subtree as of `day` or earlier + the current report rows up to `day`
  that no baseline holds (a baseline holds its unit's reports on or before its own day);
- a unit's target is its own, else the sum of its (active) children's effective targets, recursively;
  a summed target's deadline is the latest deadline among the targets it sums;
- `reported_today`: any current report row on `day` in the subtree, any metric (a reported 0 counts);
- `rank`: among the listed siblings by % done of the default metric, compared at the displayed
  precision (0.1 %); equal % share a rank (1, 1, 3); units without a target get None and are listed last.
  The roll-up's own unit has rank None (rank it with a roll-up of its parent).

Each aggregate is one SQL query over the materialised path (storage/rollup_repo.py).
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

from bot.core.collation import vn_key
from storage import repo, rollup_repo
from storage.db import Database
from storage.models import Unit


@dataclass(frozen=True)
class MetricFigures:
    today: int
    cumulative: int
    target: int | None
    pct: float | None
    remaining: int | None
    pace7: float  # average daily figure over the last 7 days (day-6 .. day)
    needed_pace: float | None  # per day to reach the target by its deadline (None: no target/deadline, done, or past)
    projected_finish: date | None  # at pace7 (None if pace 0 or no target); = day if already done
    deadline: date | None
    overdue_days: int | None = None  # the deadline has passed with work left: days since it (else None)


@dataclass(frozen=True)
class UnitFigures:
    unit_id: int
    code: str
    name: str
    kind: str
    metrics: dict[str, MetricFigures]  # every active metric code
    reported_today: bool
    rank: int | None

    def pct(self, metric: str) -> float | None:
        m = self.metrics.get(metric)
        return None if m is None else m.pct


@dataclass(frozen=True)
class Rollup:
    unit: UnitFigures
    day: date
    children: list[UnitFigures]  # sorted by % done desc (default metric), no target last
    silent: list[UnitFigures]  # children that have not reported that day
    metrics: list[str]
    default_metric: str

    def child(self, unit_id: int) -> UnitFigures | None:
        return next((c for c in self.children if c.unit_id == unit_id), None)


def figures(
    day: date,
    today: int,
    cumulative: int,
    last7: int,
    target: int | None,
    deadline: date | None,
) -> MetricFigures:
    """Derive %, remaining, paces and the projected finish from the raw sums."""
    pct = 100.0 * cumulative / target if target else None
    remaining = max(target - cumulative, 0) if target is not None else None
    pace7 = last7 / 7.0
    needed: float | None = None
    projected: date | None = None
    overdue: int | None = None
    if remaining is not None:
        if remaining == 0:
            projected = day
        else:
            if deadline is not None and deadline < day:
                overdue = (day - deadline).days  # too late for a pace to meet it
            elif deadline is not None:
                needed = remaining / max((deadline - day).days, 1)
            if pace7 > 0:
                projected = day + timedelta(days=math.ceil(remaining / pace7 - 1e-9))
    return MetricFigures(today, cumulative, target, pct, remaining, pace7, needed, projected, deadline, overdue)


def effective_targets(
    unit: Unit, child_paths: dict[str, int], rows: list[rollup_repo.TargetRow], inactive: set[int]
) -> dict[int, dict[str, tuple[int, date | None]]]:
    """unit id (the unit and each child) -> metric -> (effective target, deadline).

    One pass over the subtree's targets (a province holds thousands): only the part of each holder's path
    below the unit is read."""
    prefix = len(unit.path)
    child_ids = set(child_paths.values())
    by_metric: dict[str, dict[int, rollup_repo.TargetRow]] = defaultdict(dict)
    for r in rows:
        by_metric[r.metric][r.unit_id] = r
    out: dict[int, dict[str, tuple[int, date | None]]] = defaultdict(dict)
    for metric, holders in by_metric.items():
        sums: dict[int, int] = defaultdict(int)
        deadlines: dict[int, date] = {}
        for r in holders.values():
            below = r.path[prefix:-1]  # "child/.../holder" (empty: the unit's own target, handled below)
            if not below:
                continue
            ids = [int(x) for x in below.split("/")]
            # ancestors from the child down to the holder's parent: shadowed by a nearer target, or inactive
            if len(ids) > 1 and any(i in holders or i in inactive for i in ids[:-1]):
                continue
            child_id = ids[0]
            if child_id not in child_ids:
                continue  # an inactive child
            sums[child_id] += r.value
            if r.deadline is not None and (child_id not in deadlines or r.deadline > deadlines[child_id]):
                deadlines[child_id] = r.deadline
        own = holders.get(unit.id)
        for child_id, total in sums.items():
            out[child_id][metric] = (total, deadlines.get(child_id))
        if own is not None:
            out[unit.id][metric] = (own.value, own.deadline)
        elif sums:
            out[unit.id][metric] = (sum(sums.values()), max(deadlines.values(), default=None))
    return out


def _rank(units: list[UnitFigures], metric: str) -> list[UnitFigures]:
    """Sort by % done desc (ties by name, in Vietnamese order), assign shared ranks; units without a target
    last, rank None."""

    def key(u: UnitFigures) -> float | None:
        p = u.pct(metric)
        return None if p is None else round(p, 1)

    with_pct = sorted((u for u in units if key(u) is not None), key=lambda u: (-(key(u) or 0.0), vn_key(u.name)))
    without = sorted((u for u in units if key(u) is None), key=lambda u: vn_key(u.name))
    ranked: list[UnitFigures] = []
    prev: float | None = None
    rank = 0
    for i, u in enumerate(with_pct, start=1):
        k = key(u)
        if k != prev:
            rank, prev = i, k
        ranked.append(_with_rank(u, rank))
    return ranked + [_with_rank(u, None) for u in without]


def _with_rank(u: UnitFigures, rank: int | None) -> UnitFigures:
    return UnitFigures(u.unit_id, u.code, u.name, u.kind, u.metrics, u.reported_today, rank)


def compute_rollup(db: Database, unit_id: int, day: date, *, default_metric: str = "l2") -> Rollup:
    return _rollup(db, unit_id, day, default_metric, None)[0]


def compute_ranking(db: Database, unit_id: int, day: date, *, default_metric: str = "l2"
                    ) -> tuple[Rollup, dict[int, int | None]]:
    """What /xephang shows, from one pass over the ranked metric's reports: the roll-up of `day` holding that
    metric alone (`metrics` = [it]; `reported_today` still counts any metric), and each child's rank of the
    day before (child id -> rank, None: unranked then; the ranks a roll-up of the day before gives)."""
    r, before = _rollup(db, unit_id, day, default_metric, day - timedelta(days=1), ranking=True)
    return r, before or {}


def _rollup(db: Database, unit_id: int, day: date, default_metric: str, previous: date | None, *,
            ranking: bool = False) -> tuple[Rollup, dict[int, int | None] | None]:
    with db.session() as s:
        unit = repo.unit_by_id(s, unit_id)
        if unit is None:
            raise LookupError(f"unit {unit_id} does not exist")
        rollup_repo.analytic(s)
        metric_codes = [m.code for m in repo.metrics(s)]
        if default_metric not in metric_codes and metric_codes:
            default_metric = metric_codes[0]
        kids = repo.children(s, unit)
        only = default_metric if ranking else None
        sums = rollup_repo.report_sums(s, unit, day, metric_codes, previous, only)
        if ranking:
            metric_codes = [default_metric] if metric_codes else []
        target_rows = rollup_repo.targets_in_subtree(s, unit, only)
        inactive = rollup_repo.inactive_ids_in_subtree(s, unit) if target_rows else set()
        s.expunge_all()

    child_paths = {k.path: k.id for k in kids}
    targets = effective_targets(unit, child_paths, target_rows, inactive)

    # raw sums per unit id (the unit itself: everything; each child: its key) and metric
    zero = (0, 0, 0, 0)  # today, last7, cumulative, cumulative of the previous day
    raw: dict[int, dict[str, list[int]]] = defaultdict(lambda: defaultdict(lambda: list(zero)))
    rows_today: dict[int, int] = defaultdict(int)
    for r in sums:
        for uid in _owners(r.key, unit.id, child_paths):
            acc = raw[uid][r.metric]
            acc[0] += r.today
            acc[1] += r.last7
            acc[2] += r.cumulative + r.baseline
            acc[3] += r.previous
            rows_today[uid] += r.rows_today

    def unit_figures(u: Unit, on: date, *, before: bool = False) -> UnitFigures:
        ms: dict[str, MetricFigures] = {}
        for m in metric_codes:
            t_, w, c, p = raw[u.id].get(m, zero)
            tgt, deadline = targets.get(u.id, {}).get(m, (None, None))
            ms[m] = figures(on, 0, p, 0, tgt, deadline) if before else figures(on, t_, c, w, tgt, deadline)
        return UnitFigures(u.id, u.code, u.name, u.kind, ms, rows_today[u.id] > 0 and not before, None)

    children = _rank([unit_figures(k, day) for k in kids], default_metric)
    before: dict[int, int | None] | None = None
    if previous is not None:  # the ranks of the day before (only the cumulative matters to a rank)
        before = {c.unit_id: c.rank for c in _rank([unit_figures(k, previous, before=True) for k in kids],
                                                    default_metric)}
    rollup = Rollup(
        unit=unit_figures(unit, day),
        day=day,
        children=children,
        silent=[c for c in children if not c.reported_today],
        metrics=metric_codes,
        default_metric=default_metric,
    )
    return rollup, before


def _owners(key: str, unit_id: int, child_paths: dict[str, int]) -> tuple[int, ...]:
    child = child_paths.get(key)
    return (unit_id,) if child is None else (unit_id, child)


def compute_history(db: Database, unit_id: int, metric: str, start: date, end: date) -> list[tuple[date, int]]:
    """Cumulative (as compute_rollup: baselines as of that day + the reports they do not hold) for every day
    in [start, end]."""
    with db.session() as s:
        unit = repo.unit_by_id(s, unit_id)
        if unit is None:
            raise LookupError(f"unit {unit_id} does not exist")
        rollup_repo.analytic(s)
        steps = rollup_repo.baseline_steps(s, unit, metric, end)
        before, days = rollup_repo.daily_sums(s, unit, metric, start, end)
    per_day = dict(days)
    step_on: dict[date, int] = defaultdict(int)  # a baseline replaces, from its day on, the reports it holds
    total = before
    for b in steps:
        if b.as_of < start:
            total += b.value - b.covered
        else:
            step_on[b.as_of] += b.value - b.covered
    out: list[tuple[date, int]] = []
    d = start
    while d <= end:
        total += per_day.get(d, 0) + step_on.get(d, 0)
        out.append((d, total))
        d += timedelta(days=1)
    return out
