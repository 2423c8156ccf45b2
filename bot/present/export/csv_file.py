"""The CSV export (UTF-8 with BOM; cells that would be formulas are prefixed, OWASP) and file names."""

from __future__ import annotations

import csv
import io
import re
from datetime import date
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from bot.core.metrics import metric_names
from bot.texts import t
from storage import repo, views_repo
from storage.db import Database

if TYPE_CHECKING:
    pass
from bot.present.export.data import collect
from bot.present.export.xlsx import _raw_header, _raw_values, _SafeWriter

# ---- csv -----------------------------------------------------------------------------------------


def write_csv(db: Database, unit_id: int, start: date, end: date, *, lang: str = "vi", default_metric: str = "l2",
              sheet: str = "summary", tz: ZoneInfo | None = None) -> tuple[bytes, int]:
    """One sheet as CSV, UTF-8 with BOM (Excel then reads Vietnamese correctly), comma-separated."""
    buf = io.StringIO()
    w = _SafeWriter(csv.writer(buf, lineterminator="\r\n"))
    count = 0
    if sheet == "raw":
        w.writerow(_raw_header(lang))
        names = {}
        with db.session() as s:
            names = metric_names(db, lang)
            unit = repo.unit_by_id(s, unit_id)
            assert unit is not None
            for r in views_repo.raw_reports(s, unit, start, end):
                v = _raw_values(r, tz or ZoneInfo("Asia/Ho_Chi_Minh"), names)
                v[0] = v[0].strftime("%d/%m/%Y")
                v[7] = v[7].strftime("%d/%m/%Y %H:%M")
                w.writerow(v)
                count += 1
        return buf.getvalue().encode("utf-8-sig"), count
    data = collect(db, unit_id, start, end, lang=lang, default_metric=default_metric)
    dm = data.metric_names.get(data.default_metric, data.default_metric)
    if sheet == "daily":
        w.writerow([t("export.col.unit", lang), t("export.col.code", lang), t("export.col.metric", lang),
                    *[d.strftime("%d/%m/%Y") for d in data.days], t("export.col.total", lang)])
        for drow in data.daily:
            dvals = [drow.values.get(d) for d in data.days]
            w.writerow([drow.name, drow.code, data.metric_names.get(drow.metric, drow.metric),
                        *["" if v is None else v for v in dvals], sum(v for v in dvals if v is not None)])
            count += 1
        return buf.getvalue().encode("utf-8-sig"), count
    with_period = data.start < data.end
    head = [t("export.col.no", lang), t("export.col.unit", lang), t("export.col.code", lang),
            t("export.col.target", lang, metric=dm)]
    head += [t("export.col.today", lang, metric=data.metric_names.get(m, m), day=data.end.strftime("%d/%m"))
             for m in data.metrics]
    if with_period:
        head.append(t("export.col.period", lang, metric=dm, start=data.start.strftime("%d/%m"), end=data.end.strftime("%d/%m")))
    head += [t("export.col.cumulative", lang, metric=dm), t("export.col.pct", lang, metric=dm),
             t("export.col.remaining", lang, metric=dm), t("export.col.silent", lang, day=data.end.strftime("%d/%m"))]
    w.writerow(head)
    n = 0
    for row in data.summary:
        vals: list[Any] = ["" if row.is_total else (n := n + 1), row.name, row.code,
                           "" if row.target is None else row.target]
        vals += [row.today.get(m, 0) for m in data.metrics]
        if with_period:
            vals.append(row.period)
        vals += [row.cumulative, "" if row.pct is None else f"{row.pct * 100:.1f}",
                 "" if row.remaining is None else row.remaining, row.silent]
        w.writerow(vals)
        count += 1
    return buf.getvalue().encode("utf-8-sig"), count


def file_name(code: str, start: date, end: date, as_csv: bool) -> str:
    safe = re.sub(r"[^A-Za-z0-9_-]+", "-", code).strip("-") or "don-vi"
    span = end.strftime("%Y-%m-%d") if start == end else f"{start:%Y-%m-%d}_{end:%Y-%m-%d}"
    return f"bao-cao-{safe}-{span}.{'csv' if as_csv else 'xlsx'}"
