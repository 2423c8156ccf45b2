"""The figures of an export: per unit and metric, the period's total, cumulative, target; per day."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, timedelta

from bot.core.collation import vn_key
from bot.core.metrics import metric_names
from bot.core.rollup import Rollup, compute_rollup
from bot.texts import t
from storage import repo, views_repo
from storage.db import Database

# ---- the data ------------------------------------------------------------------------------------


@dataclass
class SummaryRow:
    name: str
    code: str
    target: int | None
    today: dict[str, int]
    period: int
    cumulative: int
    pct: float | None  # 0..1 (Excel percent)
    remaining: int | None
    silent: str  # "chưa" / "" for a village, "3/20" for a group
    is_total: bool = False


@dataclass
class DailyRow:
    name: str
    code: str
    metric: str
    values: dict[date, int | None]
    is_total: bool = False


@dataclass
class ExportData:
    unit_name: str
    unit_code: str
    start: date
    end: date
    metrics: list[str]
    metric_names: dict[str, str]
    default_metric: str
    summary: list[SummaryRow]
    daily: list[DailyRow]
    days: list[date] = field(default_factory=list)
    parent_name: str | None = None  # the issuing unit's superior (the form's heading)


@dataclass
class _Sheets:
    """What the export reads besides the roll-up."""
    names: dict[str, str]
    cells: list[views_repo.DailyCell]
    leaves: list[views_repo.Leaf]
    reported: set[int]
    kid_paths: dict[int, str]
    unit_path: str
    parent_name: str | None


def _sheets(db: Database, unit_id: int, start: date, end: date, lang: str) -> _Sheets:
    with db.session() as s:
        unit = repo.unit_by_id(s, unit_id)
        if unit is None:
            raise LookupError(f"unit {unit_id} does not exist")
        parent = repo.unit_by_id(s, unit.parent_id) if unit.parent_id is not None else None
        return _Sheets(metric_names(db, lang), views_repo.daily_by_child(s, unit, start, end),
                       views_repo.leaves(s, unit), views_repo.reported_unit_ids(s, unit, end),
                       {k.id: k.path for k in repo.children(s, unit)}, unit.path,
                       parent.name if parent is not None else None)


def collect(db: Database, unit_id: int, start: date, end: date, *, lang: str = "vi",
            default_metric: str = "l2") -> ExportData:
    """Everything but the raw rows: one roll-up, one daily query, the leaves and who reported.

    On PostgreSQL the roll-up and the daily sheet are read side by side on two connections (two server
    processes): they are independent, and each is one pass over the subtree's reports (a province:
    ~270,000 rows for 90 days). SQLite reads them one after the other."""
    if db.engine.dialect.name == "postgresql":
        with ThreadPoolExecutor(max_workers=1) as pool:
            later = pool.submit(_sheets, db, unit_id, start, end, lang)
            r: Rollup = compute_rollup(db, unit_id, end, default_metric=default_metric)
            sh = later.result()
    else:
        r = compute_rollup(db, unit_id, end, default_metric=default_metric)
        sh = _sheets(db, unit_id, start, end, lang)
    names, cells, leaves, reported = sh.names, sh.cells, sh.leaves, sh.reported
    kid_paths, unit_path, parent_name = sh.kid_paths, sh.unit_path, sh.parent_name
    metric = r.default_metric
    rows_units = r.children or [r.unit]
    paths = {c.unit_id: kid_paths.get(c.unit_id, unit_path) for c in rows_units}
    days = [start + timedelta(days=i) for i in range((end - start).days + 1)]

    by_key: dict[tuple[str, str], dict[date, int]] = {}
    for cell in cells:
        by_key.setdefault((cell.key, cell.metric), {})[cell.day] = cell.value

    # the leaves under each child, in one pass (a province has ~100 children and ~2,000 villages)
    by_child: dict[str, list[views_repo.Leaf]] = {}
    for lf in leaves:
        cut = lf.path.find("/", len(unit_path))
        by_child.setdefault(lf.path[: cut + 1] if cut >= 0 else lf.path, []).append(lf)

    def leaves_under(path: str) -> list[views_repo.Leaf]:
        return leaves if path == unit_path else by_child.get(path, [])

    def silent_of(path: str, leaf_row: bool) -> tuple[int, int, str]:
        under = leaves_under(path)
        quiet = sum(1 for lf in under if lf.unit_id not in reported)
        if leaf_row:
            return quiet, len(under), (t("export.not_reported", lang) if quiet else "")
        return quiet, len(under), f"{quiet}/{len(under)}" if under else ""

    summary: list[SummaryRow] = []
    daily: list[DailyRow] = []
    for c in rows_units:
        m = c.metrics[metric]
        path = paths[c.unit_id]
        is_leaf = all(lf.path == path for lf in leaves_under(path))
        own = by_key.get((path, metric), {}) if r.children else _merge(by_key, metric)
        _q, _n, silent = silent_of(path, is_leaf)
        summary.append(SummaryRow(
            c.name, c.code, m.target, {k: c.metrics[k].today for k in r.metrics}, sum(own.values()), m.cumulative,
            None if m.pct is None else m.pct / 100.0, m.remaining, silent,
        ))
        for k in r.metrics:
            vals = by_key.get((path, k), {}) if r.children else _merge(by_key, k)
            daily.append(DailyRow(c.name, c.code, k, {d: vals.get(d) for d in days}))
    u = r.unit.metrics[metric]
    quiet, total, _s = silent_of(unit_path, False)
    summary.append(SummaryRow(
        t("export.total", lang), r.unit.code, u.target, {k: r.unit.metrics[k].today for k in r.metrics},
        sum(_merge(by_key, metric).values()), u.cumulative, None if u.pct is None else u.pct / 100.0, u.remaining,
        f"{quiet}/{total}" if total else "", is_total=True,
    ))
    order = {k: i for i, k in enumerate(r.metrics)}
    daily.sort(key=lambda d: (vn_key(d.name), d.code, order.get(d.metric, 99)))  # units in Vietnamese order
    for k in r.metrics:
        merged = _merge(by_key, k)
        daily.append(DailyRow(t("export.total", lang), r.unit.code, k, {d: merged.get(d) for d in days}, is_total=True))
    return ExportData(r.unit.name, r.unit.code, start, end, r.metrics, names, metric, summary, daily, days,
                      parent_name)


def _merge(by_key: dict[tuple[str, str], dict[date, int]], metric: str) -> dict[date, int]:
    out: dict[date, int] = {}
    for (_k, m), vals in by_key.items():
        if m == metric:
            for d, v in vals.items():
                out[d] = out.get(d, 0) + v
    return out
