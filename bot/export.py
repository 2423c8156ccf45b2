"""Export a unit's figures as .xlsx (openpyxl) or CSV, in chat (`/xuat`) and from the shell (`vneid-bot export`).

Workbook:
1. summary ("Tổng hợp") in the shape communes send upward: STT, unit, target, level 1 and level 2 of
   the last day, (the period's figure), cumulative, % done, remaining, not-yet-reported; a total row.
2. per day ("Theo ngày"): each child unit x metric by day; an empty cell = no report, 0 = reported 0.
3. raw ("Dữ liệu gốc"): every current report of the period with reporter and local time.
Bold headers, frozen header rows, `#,##0` number formats, fitted column widths.

The raw sheet of a province holds hundreds of thousands of rows, which openpyxl (without lxml) writes
at ~60k cells/s; so that one sheet's XML is streamed straight into the package, with the cell styles
openpyxl registered for a template row. Everything else is plain openpyxl.
"""

from __future__ import annotations

import argparse
import csv
import io
import re
import sys
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any
from xml.etree import ElementTree
from zoneinfo import ZoneInfo

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from bot.cli_base import SubCommand, open_database
from bot.collation import vn_key
from bot.metrics import metric_names
from bot.official_form import form_sheet
from bot.rollup import Rollup, compute_rollup
from bot.texts import t
from storage import repo, views_repo
from storage.db import Database

if TYPE_CHECKING:
    from bot.config import Settings

MAX_DAYS = 366
NUM = "#,##0"
PCT = "0.0%"
DAY_FMT = "dd/mm/yyyy"
TIME_FMT = "dd/mm/yyyy hh:mm"
MAX_TEXT = 1000
BOLD = Font(bold=True)
HEAD_FILL = PatternFill("solid", fgColor="DDEBF7")
TOTAL_FILL = PatternFill("solid", fgColor="F2F2F2")
WRAP = Alignment(wrap_text=True, vertical="center")


class ExportError(Exception):
    """Bad arguments; `key`/`args` name a catalog message."""

    def __init__(self, key: str, **args: object) -> None:
        super().__init__(key)
        self.key = key
        self.args_ = args

    def text(self, lang: str) -> str:
        return t(self.key, lang, **self.args_)


# ---- dates ---------------------------------------------------------------------------------------

_DATE_RE = re.compile(r"^(\d{1,4})[/.-](\d{1,2})(?:[/.-](\d{2,4}))?$")


def looks_like_date(token: str) -> bool:
    return bool(_DATE_RE.match(token.strip()))


def parse_day(token: str, today: date) -> date:
    """`14/8`, `14/08/2025`, `14-8-25`, `2025-08-14` -> date; ExportError("export.bad_date") otherwise."""
    m = _DATE_RE.match(token.strip())
    if not m:
        raise ExportError("export.bad_date", value=token[:30])
    a, b, c = m.groups()
    try:
        if len(a) == 4:  # ISO yyyy-mm-dd
            if c is None:
                raise ValueError
            return date(int(a), int(b), int(c))
        year = today.year if c is None else int(c)
        if c is not None and len(c) == 2:
            year += 2000
        if c is not None and len(c) == 3:
            raise ValueError
        return date(year, int(b), int(a))
    except ValueError:
        raise ExportError("export.bad_date", value=token[:30]) from None


def period(tokens: list[str], today: date) -> tuple[date, date]:
    """0 dates: the 1st of this month .. today; 1 date: that day; 2 dates: from .. to."""
    if len(tokens) > 2:
        raise ExportError("export.too_many_dates")
    days = [parse_day(x, today) for x in tokens]
    if not days:
        start, end = today.replace(day=1), today
    elif len(days) == 1:
        start = end = days[0]
    else:
        start, end = days
    return check_period(start, end, today)


def check_period(start: date, end: date, today: date) -> tuple[date, date]:
    if end > today:
        raise ExportError("export.future", day=end.strftime("%d/%m/%Y"), today=today.strftime("%d/%m/%Y"))
    if start > end:
        raise ExportError("export.reversed", start=start.strftime("%d/%m/%Y"), end=end.strftime("%d/%m/%Y"))
    if (end - start).days + 1 > MAX_DAYS:
        raise ExportError("export.too_long", days=MAX_DAYS)
    return start, end


@dataclass
class ExportArgs:
    start: date
    end: date
    csv: bool
    unit_name: str


def parse_args(text: str, today: date) -> ExportArgs:
    """`/xuat [from] [to] [csv] [unit name]` in any order: dates, the word csv, the rest names a unit."""
    dates, rest, as_csv = [], [], False
    for tok in text.split():
        if tok.lower() in ("csv", ".csv"):
            as_csv = True
        elif looks_like_date(tok) or (tok[:1].isdigit() and ("/" in tok or "-" in tok[1:])):
            dates.append(tok)
        else:
            rest.append(tok)
    start, end = period(dates, today)
    return ExportArgs(start, end, as_csv, " ".join(rest))


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


def collect(db: Database, unit_id: int, start: date, end: date, *, lang: str = "vi",
            default_metric: str = "l2") -> ExportData:
    """Everything but the raw rows: one roll-up, one daily query, the leaves and who reported."""
    r: Rollup = compute_rollup(db, unit_id, end, default_metric=default_metric)
    with db.session() as s:
        unit = repo.unit_by_id(s, unit_id)
        assert unit is not None
        names = metric_names(db, lang)
        cells = views_repo.daily_by_child(s, unit, start, end)
        leaves = views_repo.leaves(s, unit)
        reported = views_repo.reported_unit_ids(s, unit, end)
        kid_paths = {k.id: k.path for k in repo.children(s, unit)}
        unit_path = unit.path
        parent = repo.unit_by_id(s, unit.parent_id) if unit.parent_id is not None else None
        parent_name = parent.name if parent is not None else None
    metric = r.default_metric
    rows_units = r.children or [r.unit]
    paths = {c.unit_id: kid_paths.get(c.unit_id, unit_path) for c in rows_units}
    days = [start + timedelta(days=i) for i in range((end - start).days + 1)]

    by_key: dict[tuple[str, str], dict[date, int]] = {}
    for cell in cells:
        by_key.setdefault((cell.key, cell.metric), {})[cell.day] = cell.value

    def silent_of(path: str, leaf_row: bool) -> tuple[int, int, str]:
        under = [lf for lf in leaves if lf.path.startswith(path)]
        quiet = sum(1 for lf in under if lf.unit_id not in reported)
        if leaf_row:
            return quiet, len(under), (t("export.not_reported", lang) if quiet else "")
        return quiet, len(under), f"{quiet}/{len(under)}" if under else ""

    summary: list[SummaryRow] = []
    daily: list[DailyRow] = []
    for c in rows_units:
        m = c.metrics[metric]
        path = paths[c.unit_id]
        is_leaf = not any(lf.path != path and lf.path.startswith(path) for lf in leaves)
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


# ---- xlsx ----------------------------------------------------------------------------------------


def _clean(s: object) -> str:
    return ILLEGAL_CHARACTERS_RE.sub("", str(s))


def _no_formulas(wb: Any) -> None:
    """Every cell openpyxl took for a formula (a text starting with '=') is user text: store it as text.

    The workbook never writes formulas of its own, so a unit or member named `=HYPERLINK(...)` stays a name
    (CSV-injection / formula-injection, OWASP)."""
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if cell.data_type == "f":
                    cell.data_type = "s"


_CSV_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def csv_safe(v: object) -> object:
    """A CSV cell that a spreadsheet will not run: text starting with = + - @ tab or CR gets a leading
    apostrophe (OWASP CSV-injection guidance); numbers are left as numbers."""
    if isinstance(v, str) and v.startswith(_CSV_TRIGGERS):
        return "'" + v
    return v


class _SafeWriter:
    def __init__(self, w: Any) -> None:
        self._w = w

    def writerow(self, row: Iterable[Any]) -> None:
        self._w.writerow([csv_safe(v) for v in row])


def _fit(ws: Any, widths: dict[int, float]) -> None:
    for col, w in widths.items():
        ws.column_dimensions[get_column_letter(col)].width = max(6.0, min(w + 2, 60.0))


def _text_len(v: object) -> int:
    if v is None:
        return 0
    if isinstance(v, datetime):
        return 16
    if isinstance(v, date):
        return 10
    if isinstance(v, int | float):
        return len(f"{v:,.0f}") + 1
    return max(len(line) for line in str(v).split("\n"))


def _summary_sheet(ws: Any, data: ExportData, lang: str, now_local: datetime) -> None:
    dm = data.metric_names.get(data.default_metric, data.default_metric)
    end_s, start_s = data.end.strftime("%d/%m/%Y"), data.start.strftime("%d/%m/%Y")
    ws.append([t("export.title", lang)])
    ws.append([t("export.subtitle", lang, unit=_clean(data.unit_name), start=start_s, end=end_s,
                 now=now_local.strftime("%d/%m/%Y %H:%M"))])
    ws["A1"].font = Font(bold=True, size=13)
    with_period = data.start < data.end
    head = [t("export.col.no", lang), t("export.col.unit", lang), t("export.col.target", lang, metric=dm)]
    head += [t("export.col.today", lang, metric=data.metric_names.get(m, m), day=data.end.strftime("%d/%m"))
             for m in data.metrics]
    if with_period:
        head.append(t("export.col.period", lang, metric=dm, start=data.start.strftime("%d/%m"), end=data.end.strftime("%d/%m")))
    head += [t("export.col.cumulative", lang, metric=dm), t("export.col.pct", lang, metric=dm),
             t("export.col.remaining", lang, metric=dm), t("export.col.silent", lang, day=data.end.strftime("%d/%m"))]
    ws.append(head)
    header_row = ws.max_row
    widths: dict[int, float] = {i + 1: min(_text_len(h), 18) for i, h in enumerate(head)}
    n = 0
    for row in data.summary:
        values: list[Any] = ["" if row.is_total else (n := n + 1), _clean(row.name), row.target]
        values += [row.today.get(m, 0) for m in data.metrics]
        if with_period:
            values.append(row.period)
        values += [row.cumulative, row.pct, row.remaining, row.silent]
        ws.append(values)
        r = ws.max_row
        for i, v in enumerate(values, start=1):
            cell = ws.cell(r, i)
            if isinstance(v, int) and i > 1:
                cell.number_format = NUM
            if row.is_total:
                cell.font = BOLD
                cell.fill = TOTAL_FILL
            widths[i] = max(widths.get(i, 0), _text_len(v))
        pct_col = len(values) - 2
        ws.cell(r, pct_col).number_format = PCT
    for cell in ws[header_row]:
        cell.font = BOLD
        cell.fill = HEAD_FILL
        cell.alignment = WRAP
    ws.row_dimensions[header_row].height = 45
    ws.freeze_panes = ws.cell(header_row + 1, 3)
    _fit(ws, widths)


def _daily_sheet(ws: Any, data: ExportData, lang: str) -> None:
    head: list[Any] = [t("export.col.unit", lang), t("export.col.code", lang), t("export.col.metric", lang), *data.days,
                       t("export.col.total", lang)]
    ws.append(head)
    for cell in ws[1]:
        cell.font = BOLD
        cell.fill = HEAD_FILL
    for i in range(4, 4 + len(data.days)):
        ws.cell(1, i).number_format = "dd/mm"
    widths: dict[int, float] = {1: 10, 2: 6, 3: 8}
    for row in data.daily:
        vals = [row.values.get(d) for d in data.days]
        ws.append([_clean(row.name), row.code, data.metric_names.get(row.metric, row.metric), *vals,
                   sum(v for v in vals if v is not None)])
        r = ws.max_row
        widths[1] = max(widths[1], _text_len(row.name))
        widths[2] = max(widths[2], _text_len(row.code))
        widths[3] = max(widths[3], _text_len(data.metric_names.get(row.metric, row.metric)))
        for i in range(4, 5 + len(data.days)):
            c = ws.cell(r, i)
            c.number_format = NUM
            if row.is_total:
                c.font = BOLD
        if row.is_total:
            for i in range(1, 4):
                ws.cell(r, i).font = BOLD
    ws.freeze_panes = "D2"
    _fit(ws, widths)
    for i in range(4, 5 + len(data.days)):
        ws.column_dimensions[get_column_letter(i)].width = 8


RAW_COLUMNS = ("day", "unit", "code", "parent", "metric", "value", "reporter", "time", "chat", "text")


def _raw_header(lang: str) -> list[str]:
    return [t(f"export.col.{c}", lang) for c in RAW_COLUMNS]


def _raw_values(r: views_repo.RawRow, tz: ZoneInfo, names: dict[str, str]) -> list[Any]:
    created = r.created_at if r.created_at.tzinfo else r.created_at.replace(tzinfo=UTC)
    return [r.day, r.unit_name, r.unit_code, r.parent_name or "", names.get(r.metric, r.metric), r.value, r.reporter,
            created.astimezone(tz).replace(tzinfo=None), r.chat_id, r.raw_text[:MAX_TEXT]]


RAW_FORMATS: dict[int, str] = {0: DAY_FMT, 5: NUM, 7: TIME_FMT}


def write_xlsx(db: Database, unit_id: int, start: date, end: date, *, tz: ZoneInfo, lang: str = "vi",
               default_metric: str = "l2", now: datetime | None = None) -> tuple[bytes, int]:
    """The workbook as bytes, and the number of raw report rows in it."""
    data = collect(db, unit_id, start, end, lang=lang, default_metric=default_metric)
    now_local = (now or datetime.now(UTC)).astimezone(tz)
    wb = Workbook()
    form = wb.active
    assert form is not None
    form.title = t("export.sheet.form", lang)
    form_sheet(form, data, lang, now_local)  # the official upward form first
    _summary_sheet(wb.create_sheet(t("export.sheet.summary", lang)), data, lang, now_local)
    _daily_sheet(wb.create_sheet(t("export.sheet.daily", lang)), data, lang)
    raw_ws = wb.create_sheet(t("export.sheet.raw", lang))
    raw_ws.append(_raw_header(lang))
    for cell in raw_ws[1]:
        cell.font = BOLD
        cell.fill = HEAD_FILL
    # a template row registers the cell styles; the streamed sheet replaces it
    template: list[Any] = [date(2000, 1, 1), "x", "x", "x", "x", 0, "x", datetime(2000, 1, 1), "x", "x"]
    raw_ws.append(template)
    for i, fmt_ in RAW_FORMATS.items():
        raw_ws.cell(2, i + 1).number_format = fmt_
    raw_ws.freeze_panes = "A2"
    _no_formulas(wb)
    base = io.BytesIO()
    wb.save(base)

    with db.session() as s:
        unit = repo.unit_by_id(s, unit_id)
        assert unit is not None
        rows = (_raw_values(r, tz, data.metric_names) for r in views_repo.raw_reports(s, unit, start, end))
        out, count = _stream_raw_sheet(base.getvalue(), len(wb.sheetnames), rows, _raw_header(lang), template)
    return out, count


_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_CTRL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
EPOCH = datetime(1899, 12, 30)


def _xml_text(s: str) -> str:
    s = _CTRL.sub("", s).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return s


def _col(i: int) -> str:
    return get_column_letter(i + 1)


def _stream_raw_sheet(package: bytes, sheet_no: int, rows: Iterable[list[Any]], header: list[str],
                      template: list[Any]) -> tuple[bytes, int]:
    """Rewrite worksheet `sheet_no` of the package: header + every row, with the template row's styles."""
    name = f"xl/worksheets/sheet{sheet_no}.xml"
    src = zipfile.ZipFile(io.BytesIO(package))
    tree = ElementTree.fromstring(src.read(name))
    data = tree.find(f"{_NS}sheetData")
    assert data is not None
    styles: list[list[str]] = []
    for row in data.findall(f"{_NS}row")[:2]:
        styles.append([c.get("s", "0") for c in row.findall(f"{_NS}c")])
    head_style, row_style = styles[0], styles[1]
    cols = [_col(i) for i in range(len(header))]

    it: Iterator[list[Any]] = iter(rows)
    sample: list[list[Any]] = []
    for r in it:
        sample.append(r)
        if len(sample) >= 2000:
            break
    widths = [float(len(h)) for h in header]
    for r in sample:
        for i, v in enumerate(r):
            widths[i] = max(widths[i], float(_text_len(v)))
    widths = [max(6.0, min(w + 2, 60.0)) for w in widths]

    out = io.BytesIO()
    count = 0
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as dst:
        for info in src.infolist():
            if info.filename != name:
                dst.writestr(info, src.read(info.filename))
                continue
            with dst.open(name, "w", force_zip64=True) as f:
                f.write(
                    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                    b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
                    b'<sheetViews><sheetView workbookViewId="0"><pane ySplit="1" topLeftCell="A2" activePane="bottomLeft"'
                    b' state="frozen"/><selection pane="bottomLeft" activeCell="A2" sqref="A2"/></sheetView></sheetViews>'
                    b'<sheetFormatPr baseColWidth="8" defaultRowHeight="15"/><cols>'
                )
                f.write("".join(f'<col min="{i + 1}" max="{i + 1}" width="{w:.1f}" customWidth="1"/>'
                                for i, w in enumerate(widths)).encode())
                f.write(b"</cols><sheetData>")
                cells = "".join(f'<c r="{c}1" s="{s}" t="inlineStr"><is><t>{_xml_text(h)}</t></is></c>'
                                for c, s, h in zip(cols, head_style, header, strict=True))
                f.write(f'<row r="1">{cells}</row>'.encode())
                writers = [_column_writer(c, st, x) for c, st, x in zip(cols, row_style, template, strict=True)]
                buf: list[str] = []
                n = 1
                for r in _chain(sample, it):
                    n += 1
                    buf.append(f'<row r="{n}">' + "".join([w(n, v) for w, v in zip(writers, r, strict=True)]) + "</row>")
                    if len(buf) >= 2000:
                        f.write("".join(buf).encode())
                        buf.clear()
                f.write("".join(buf).encode())
                f.write(b"</sheetData></worksheet>")
                count = n - 1
    return out.getvalue(), count


def _chain(first: list[list[Any]], rest: Iterator[list[Any]]) -> Iterator[list[Any]]:
    yield from first
    yield from rest


def _column_writer(col: str, style: str, kind: Any) -> Callable[[int, Any], str]:
    """A function (row number, value) -> the cell's XML, for one column whose values are like `kind`.

    Strings are inline strings, escaped once per distinct value (names repeat on every row); dates and
    times are Excel serial numbers with the template cell's number format; empty values are omitted.
    """
    if isinstance(kind, datetime):

        def when(n: int, v: Any) -> str:
            if v is None:
                return ""
            return f'<c r="{col}{n}" s="{style}"><v>{(v - EPOCH).total_seconds() / 86400.0:.8f}</v></c>'

        return when
    if isinstance(kind, date):
        epoch = EPOCH.date()

        def day(n: int, v: Any) -> str:
            return "" if v is None else f'<c r="{col}{n}" s="{style}"><v>{(v - epoch).days}</v></c>'

        return day
    if isinstance(kind, int | float):

        def number(n: int, v: Any) -> str:
            return "" if v is None else f'<c r="{col}{n}" s="{style}"><v>{v}</v></c>'

        return number
    memo: dict[str, str] = {}
    head = f'" s="{style}" t="inlineStr"><is><t'

    def text(n: int, v: Any) -> str:
        if v is None or v == "":
            return ""
        tail = memo.get(v)
        if tail is None:
            x = _xml_text(str(v))
            space = ' xml:space="preserve"' if x != x.strip() or "\n" in x else ""
            tail = f"{space}>{x}</t></is></c>"
            if len(memo) < 100_000:
                memo[v] = tail
        return f'<c r="{col}{n}{head}{tail}'

    return text


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


# ---- vneid-bot export ----------------------------------------------------------------------------


def _add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--unit", required=True, help="unit code")
    p.add_argument("--from", dest="start", default=None, help="first day, dd/mm/yyyy (default: the 1st of this month)")
    p.add_argument("--to", dest="end", default=None, help="last day, dd/mm/yyyy (default: today)")
    p.add_argument("--csv", action="store_true", help="write CSV (UTF-8 with BOM) instead of .xlsx")
    p.add_argument("--sheet", choices=["summary", "daily", "raw"], default="summary", help="which table to write as CSV")
    p.add_argument("--lang", choices=["vi", "en"], default=None, help="language of the headers (default: LANGUAGE)")
    p.add_argument("-o", "--output", required=True, help="output file")


def _run(settings: Settings, args: argparse.Namespace) -> int:
    lang = args.lang or settings.language
    tz = settings.tz
    today = datetime.now(UTC).astimezone(tz).date()
    try:
        end = parse_day(args.end, today) if args.end else today
        start = parse_day(args.start, today) if args.start else end.replace(day=1)
        start, end = check_period(start, end, today)
    except ExportError as exc:
        print(f"vneid-bot: {_plain(exc.text(lang))}", file=sys.stderr)
        return 2
    db = open_database(settings)
    with db.session() as s:
        unit = views_repo.units_by_code(s, args.unit)
        unit_id = unit.id if unit else None
        unit_name = unit.name if unit else ""
    if unit_id is None:
        print(f"vneid-bot: {_plain(t('export.unknown_unit', lang, code=args.unit))}", file=sys.stderr)
        return 2
    if args.csv:
        content, rows = write_csv(db, unit_id, start, end, lang=lang, default_metric=settings.default_metric,
                                  sheet=args.sheet, tz=tz)
    else:
        content, rows = write_xlsx(db, unit_id, start, end, tz=tz, lang=lang, default_metric=settings.default_metric)
    Path(args.output).write_bytes(content)
    key = "export.written_table" if args.csv and args.sheet != "raw" else "export.written"
    print(_plain(t(key, lang, path=args.output, unit=unit_name, start=start.strftime("%d/%m/%Y"),
                   end=end.strftime("%d/%m/%Y"), rows=rows)))
    return 0


def _plain(html: str) -> str:
    return re.sub(r"</?(code|b|i)>", "", html)


COMMAND = SubCommand("export", "export a unit's figures to .xlsx or CSV", _add_arguments, _run)  # listed in bot/cli.py
