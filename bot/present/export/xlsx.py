"""The .xlsx workbook: summary and daily sheets (every user text a string cell), the raw sheet streamed."""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any
from xml.etree import ElementTree
from zoneinfo import ZoneInfo

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from bot.present.official_form import form_sheet
from bot.texts import t
from storage import repo, views_repo
from storage.db import Database

if TYPE_CHECKING:
    pass
from bot.present.export.data import ExportData, collect
from bot.present.export.period import BOLD, DAY_FMT, HEAD_FILL, MAX_TEXT, NUM, PCT, TIME_FMT, TOTAL_FILL, WRAP

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
