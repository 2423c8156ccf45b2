"""What the web server renders behind signed links (Zalo takes photos by URL and has no file upload).

Each renderer takes the signed parameters and returns a `File` (or None: 404). They run in a worker
thread. The parameters are the request itself, so nothing is stored between sending a link and
opening it: charts of scheduled summaries (`chart`), /bieudo charts (`vchart`), /xuat files (`export`).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from bot.channels.zalo.web import File
from bot.core.services import Services


def _day(value: Any) -> date | None:
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        return None


def summary_chart(svc: Services, params: dict[str, Any]) -> File | None:
    """The chart of the daily summary of (unit, day, language), as the Telegram summary has it."""
    from bot.core.rollup import compute_rollup
    from bot.delivery.scheduling import render_chart

    day = _day(params.get("d"))
    if day is None or not isinstance(params.get("u"), int):
        return None
    try:
        r = compute_rollup(svc.db, params["u"], day, default_metric=svc.settings.default_metric)
    except LookupError:
        return None
    png = render_chart(svc.db, r, str(params.get("l", "vi")))
    return File(bytes(png), "image/png", f"bieu-do-{day.isoformat()}.png") if png else None


def view_chart(svc: Services, params: dict[str, Any]) -> File | None:
    """/bieudo: the progress chart of a unit for a metric."""
    from bot.present.charts import chart_for

    day = _day(params.get("d"))
    if day is None or not isinstance(params.get("u"), int):
        return None
    try:
        png = chart_for(svc, params["u"], day, str(params.get("l", "vi")), params.get("m") or None)
    except LookupError:
        return None
    return File(bytes(png), "image/png", f"bieu-do-{day.isoformat()}.png")


def export_file(svc: Services, params: dict[str, Any]) -> File | None:
    """/xuat: the Excel workbook (or CSV) of a unit over a period."""
    from bot.present.export import file_name, write_csv, write_xlsx
    from storage import repo

    start, end = _day(params.get("a")), _day(params.get("b"))
    if start is None or end is None or not isinstance(params.get("u"), int):
        return None
    with svc.db.session() as s:
        unit = repo.unit_by_id(s, params["u"])
        code = unit.code if unit is not None else None
    if code is None:
        return None
    lang, as_csv, st = str(params.get("l", "vi")), bool(params.get("c")), svc.settings
    if as_csv:
        content, _ = write_csv(svc.db, params["u"], start, end, lang=lang, default_metric=st.default_metric, tz=st.tz)
        ctype = "text/csv"
    else:
        content, _ = write_xlsx(svc.db, params["u"], start, end, tz=st.tz, lang=lang,
                                default_metric=st.default_metric, now=svc.now())
        ctype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return File(content, ctype, file_name(code, start, end, as_csv))
