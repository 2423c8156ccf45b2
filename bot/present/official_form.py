"""The official upward report form (the sheet a commune sends to the district/province), first sheet of
`/xuat` and `vneid-bot export`: national heading, issuing unit, title with the period, the table
STT · đơn vị · chỉ tiêu · trong kỳ (one column per active indicator: mức 1, mức 2, …) · lũy kế · tỷ lệ % ·
ghi chú, a totals row, the place and date line and the signature block; A4 landscape, one page wide,
header rows repeated on every printed page.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter

from bot.core.collation import vn_key
from bot.texts import t

THIN = Side(style="thin", color="000000")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
LEFT = Alignment(horizontal="left", vertical="center", wrap_text=True)
FONT = "Times New Roman"  # what Vietnamese administrative documents use (Nghị định 30/2020/NĐ-CP)


def _f(size: int = 12, bold: bool = False, italic: bool = False) -> Font:
    return Font(name=FONT, size=size, bold=bold, italic=italic)


def period_sums(data: Any) -> dict[tuple[str, str, bool], int]:
    """(unit code, metric, is total) -> the sum of the period's daily figures."""
    out: dict[tuple[str, str, bool], int] = {}
    for row in data.daily:
        out[(row.code, row.metric, row.is_total)] = sum(v or 0 for v in row.values.values())
    return out


def form_sheet(ws: Any, data: Any, lang: str, now_local: datetime) -> None:
    """Fill `ws` (an openpyxl sheet) with the form for `data` (bot.present.export.ExportData)."""
    metrics: list[str] = list(data.metrics)
    dm = data.default_metric
    ncols = 3 + len(metrics) + 3  # STT, unit, target | period per metric | cumulative, %, note
    last = get_column_letter(ncols)
    half = max(3, ncols // 2)

    def merged(row: int, c1: int, c2: int, value: str, font: Font, align: Alignment = CENTER) -> None:
        ws.merge_cells(start_row=row, start_column=c1, end_row=row, end_column=c2)
        cell = ws.cell(row, c1, value)
        cell.font, cell.alignment = font, align

    # national heading (right) and issuing unit (left)
    merged(1, 1, half - 1, (data.parent_name or "").upper(), _f(12))
    merged(2, 1, half - 1, data.unit_name.upper(), _f(12, bold=True))
    merged(1, half, ncols, t("form.nation", lang), _f(12, bold=True))
    merged(2, half, ncols, t("form.motto", lang), _f(13, bold=True))
    merged(4, 1, ncols, t("form.title", lang), _f(14, bold=True))
    merged(5, 1, ncols, t("form.period", lang, start=data.start.strftime("%d/%m/%Y"), end=data.end.strftime("%d/%m/%Y")),
           _f(12, italic=True))

    # the table header: two rows ("Trong kỳ" spans one column per indicator)
    h1, h2 = 7, 8
    names = data.metric_names
    singles = [(1, t("form.col.no", lang)), (2, t("form.col.unit", lang)),
               (3, t("form.col.target", lang, metric=names.get(dm, dm))),
               (4 + len(metrics), t("form.col.cumulative", lang, metric=names.get(dm, dm))),
               (5 + len(metrics), t("form.col.pct", lang)), (6 + len(metrics), t("form.col.note", lang))]
    for col, text in singles:
        ws.merge_cells(start_row=h1, start_column=col, end_row=h2, end_column=col)
        ws.cell(h1, col, text)
    ws.merge_cells(start_row=h1, start_column=4, end_row=h1, end_column=3 + len(metrics))
    ws.cell(h1, 4, t("form.col.period", lang))
    for i, m in enumerate(metrics):
        ws.cell(h2, 4 + i, names.get(m, m))
    for r in (h1, h2):
        for c in range(1, ncols + 1):
            cell = ws.cell(r, c)
            cell.font, cell.alignment, cell.border = _f(11, bold=True), CENTER, BOX
    ws.row_dimensions[h1].height = 24
    ws.row_dimensions[h2].height = 36

    # the rows: units in Vietnamese order, then the totals
    sums = period_sums(data)
    body = sorted((r for r in data.summary if not r.is_total), key=lambda r: vn_key(r.name))
    total = next(r for r in data.summary if r.is_total)
    end_s = data.end.strftime("%d/%m")
    row_no = h2
    for n, r in enumerate([*body, total], start=1):
        row_no += 1
        is_total = r is total
        note = ""
        if r.silent == t("export.not_reported", lang):
            note = t("form.note_silent", lang, day=end_s)
        elif r.silent and not r.silent.startswith("0/"):
            note = t("form.note_silent_n", lang, n=r.silent, day=end_s)
        values: list[Any] = ["" if is_total else n, t("form.total", lang) if is_total else r.name, r.target]
        values += [sums.get((r.code, m, is_total), 0) for m in metrics]
        values += [r.cumulative, r.pct, note]
        for c, v in enumerate(values, start=1):
            cell = ws.cell(row_no, c, v)
            cell.border, cell.font = BOX, _f(12, bold=is_total)
            cell.alignment = LEFT if c in (2, ncols) else CENTER
            if isinstance(v, int) and c > 1:
                cell.number_format = "#,##0"
        ws.cell(row_no, 5 + len(metrics)).number_format = "0.0%"

    # place and date, signatures
    d: date = now_local.date()
    place = row_no + 2
    merged(place, half, ncols, t("form.place_date", lang, place=data.unit_name, dd=f"{d.day:02d}", mm=f"{d.month:02d}",
                                 yyyy=d.year), _f(12, italic=True))
    merged(place + 1, 1, half - 1, t("form.maker", lang), _f(12, bold=True))
    merged(place + 1, half, ncols, t("form.head", lang), _f(12, bold=True))
    merged(place + 2, 1, half - 1, t("form.maker_hint", lang), _f(11, italic=True))
    merged(place + 2, half, ncols, t("form.head_hint", lang), _f(11, italic=True))

    widths = {1: 6, 2: 30, 3: 13, **{4 + i: 12 for i in range(len(metrics))}}
    widths |= {4 + len(metrics): 13, 5 + len(metrics): 10, 6 + len(metrics): 26}
    for c, w in widths.items():
        ws.column_dimensions[get_column_letter(c)].width = w

    # print: A4 landscape, one page wide, the table header on every page
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.print_title_rows = f"{h1}:{h2}"
    ws.print_area = f"A1:{last}{place + 6}"
    ws.page_margins.left = ws.page_margins.right = 0.5
