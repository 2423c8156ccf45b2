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

The package: `period` (arguments), `data` (the figures), `xlsx`, `csv`, `shell` (`vneid-bot export`).
"""

from __future__ import annotations

from bot.present.export.csv_file import file_name, write_csv
from bot.present.export.data import DailyRow, ExportData, SummaryRow, _merge, collect
from bot.present.export.period import (
    _DATE_RE,
    BOLD,
    DAY_FMT,
    HEAD_FILL,
    MAX_DAYS,
    MAX_TEXT,
    NUM,
    PCT,
    TIME_FMT,
    TOTAL_FILL,
    WRAP,
    ExportArgs,
    ExportError,
    check_period,
    looks_like_date,
    parse_args,
    parse_day,
    period,
)
from bot.present.export.shell import COMMAND, _add_arguments, _plain, _run
from bot.present.export.xlsx import (
    _CSV_TRIGGERS,
    _CTRL,
    _NS,
    EPOCH,
    RAW_COLUMNS,
    RAW_FORMATS,
    _chain,
    _clean,
    _col,
    _column_writer,
    _daily_sheet,
    _fit,
    _no_formulas,
    _raw_header,
    _raw_values,
    _SafeWriter,
    _stream_raw_sheet,
    _summary_sheet,
    _text_len,
    _xml_text,
    csv_safe,
    write_xlsx,
)

__all__ = ['BOLD', 'DAY_FMT', 'ExportArgs', 'ExportError', 'HEAD_FILL', 'MAX_DAYS', 'MAX_TEXT', 'NUM', 'PCT', 'TIME_FMT', 'TOTAL_FILL', 'WRAP', '_DATE_RE', 'check_period', 'looks_like_date', 'parse_args', 'parse_day', 'period', 'DailyRow', 'ExportData', 'SummaryRow', '_merge', 'collect', 'EPOCH', 'RAW_COLUMNS', 'RAW_FORMATS', '_CSV_TRIGGERS', '_CTRL', '_NS', '_SafeWriter', '_chain', '_clean', '_col', '_column_writer', '_daily_sheet', '_fit', '_no_formulas', '_raw_header', '_raw_values', '_stream_raw_sheet', '_summary_sheet', '_text_len', '_xml_text', 'csv_safe', 'write_xlsx', 'file_name', 'write_csv', 'COMMAND', '_add_arguments', '_plain', '_run']
