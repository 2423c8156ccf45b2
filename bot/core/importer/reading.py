"""Reading files, bounded: CSV and streamed XLSX (sizes, sheets, rows, columns, cells), headers -> sheets."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.config import Settings
from bot.core import fmt
from bot.core.importer.columns import COLUMN_NAMES, FIELDS, KINDS, REQUIRED, kind_from_name
from bot.core.importer.report import Issue
from bot.core.org import (
    LangHtml,
    Msg,
    squash,
)

# ---------------------------------------------------------------------------------------------
# reading files
# ---------------------------------------------------------------------------------------------


@dataclass
class Sheet:
    label: str  # shown in messages: 'units.csv' or 'example.xlsx › units'
    kind: str
    columns: dict[str, int]  # field -> column index
    rows: list[tuple[int, list[Any]]]  # (row number in the sheet, cells)

    def has(self, name: str) -> bool:
        return name in self.columns

    def get(self, cells: list[Any], name: str) -> Any:
        """The cell of a column, stripped; None when absent or empty."""
        idx = self.columns.get(name)
        if idx is None or idx >= len(cells):
            return None
        v = cells[idx]
        if v is None:
            return None
        if isinstance(v, str):
            v = v.strip()
            return v or None
        return v


RawRows = list[tuple[int, list[Any]]]


@dataclass(frozen=True)
class ImportLimits:
    """Bounds checked before and while a file is parsed (settings IMPORT_MAX_*, see .env.example)."""

    file_mb: int = 10
    uncompressed_mb: int = 40
    ratio: int = 100
    sheets: int = 10
    rows: int = 20_000
    columns: int = 40
    cell_chars: int = 1_000

    @classmethod
    def of(cls, settings: Settings | None) -> ImportLimits:
        if settings is None:
            return cls()
        return cls(settings.import_max_file_mb, settings.import_max_uncompressed_mb, settings.import_max_ratio,
                   settings.import_max_sheets, settings.import_max_rows, settings.import_max_columns,
                   settings.import_max_cell_chars)


# control characters a spreadsheet cell has no business holding (NUL breaks PostgreSQL text); tab/LF/CR pass
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class _Limit(Exception):
    def __init__(self, issue: Issue) -> None:
        self.issue = issue


def _check_row(label: str, n: int, cells: Sequence[Any], lim: ImportLimits) -> None:
    if n > lim.rows + 1:  # + the header row
        raise _Limit(Issue(label, None, "imp.limit_rows", {"max": lim.rows}))
    if len(cells) > lim.columns and any(c not in (None, "") for c in cells[lim.columns:]):
        raise _Limit(Issue(label, n, "imp.limit_columns", {"max": lim.columns}))
    for i, c in enumerate(cells[:lim.columns]):
        if isinstance(c, str):
            if len(c) > lim.cell_chars:
                raise _Limit(Issue(label, n, "imp.limit_cell", {"column": _col_name(i), "max": lim.cell_chars}))
            if _CONTROL.search(c):
                raise _Limit(Issue(label, n, "imp.control_chars", {"column": _col_name(i)}))


def _col_name(i: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(i + 1)


def _read_csv(label: str, data: bytes, lim: ImportLimits | None = None) -> RawRows | Issue:
    lim = lim or ImportLimits()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return Issue(label, None, "imp.not_utf8")
    text = text.lstrip("\ufeff")
    first = next((line for line in text.splitlines() if line.strip()), "")
    delim = max((";", ",", "\t"), key=lambda d: (first.count(d), d == ","))
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delim)
    rows: RawRows = []
    prev = 0
    try:
        for rec in reader:
            _check_row(label, prev + 1, rec, lim)
            rows.append((prev + 1, rec[:lim.columns]))
            prev = reader.line_num
    except csv.Error as exc:
        if "field larger than field limit" in str(exc):
            return Issue(label, prev + 1, "imp.limit_cell", {"column": "?", "max": lim.cell_chars})
        return Issue(label, prev + 1, "imp.bad_csv", {"error": str(exc)})
    except _Limit as exc:
        return exc.issue
    return rows


def _is_xlsx(name: str, data: bytes) -> bool:
    return name.lower().endswith((".xlsx", ".xlsm")) or data[:4] == b"PK\x03\x04"


def _check_zip(label: str, data: bytes, lim: ImportLimits) -> Issue | None:
    """The zip directory, before openpyxl inflates anything: total size, compression ratio, sheet count.

    Python's zipfile never inflates a member beyond the size its directory entry declares (it stops and
    fails the CRC), so bounding the declared sizes bounds what parsing can allocate."""
    try:
        infos = zipfile.ZipFile(io.BytesIO(data)).infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return Issue(label, None, "imp.bad_xlsx")
    total = sum(i.file_size for i in infos)
    if total > lim.uncompressed_mb * 1024 * 1024:
        return Issue(label, None, "imp.limit_uncompressed", {"mb": lim.uncompressed_mb})
    for i in infos:
        if i.file_size > 1024 * 1024 and i.file_size > lim.ratio * max(i.compress_size, 1):
            return Issue(label, None, "imp.limit_ratio", {"ratio": lim.ratio})
    sheets = [i for i in infos if i.filename.startswith("xl/worksheets/") and i.filename.endswith(".xml")]
    if len(sheets) > lim.sheets:
        return Issue(label, None, "imp.limit_sheets", {"max": lim.sheets})
    return None


def _stream_rows(wb: Any, ws: Any, label: str, lim: ImportLimits) -> Iterator[tuple[int, list[Any]]]:
    """The rows of a read-only worksheet, parsed one <row> at a time (openpyxl's streaming parser).

    Unlike ``iter_rows`` this never builds a row as wide as its right-most cell (a cell at XFD would make
    16,384 entries per row), and it sees a value beyond the column limit wherever it is."""
    from openpyxl.worksheet._reader import WorkSheetParser

    with ws._get_source() as src:
        parser = WorkSheetParser(src, ws._shared_strings, data_only=True, epoch=wb.epoch,
                                 date_formats=wb._date_formats, timedelta_formats=wb._timedelta_formats)
        for idx, cells in parser.parse():
            values: list[Any] = []
            for c in cells:
                col, v = c["column"], c["value"]
                if v is None or v == "":
                    continue
                if col > lim.columns:
                    raise _Limit(Issue(label, idx, "imp.limit_columns", {"max": lim.columns}))
                if len(values) < col:
                    values.extend([None] * (col - len(values)))
                values[col - 1] = v
            _check_row(label, idx, values, lim)
            yield idx, values


def _read_xlsx(label: str, data: bytes, lim: ImportLimits | None = None) -> list[tuple[str, RawRows]] | Issue:
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    lim = lim or ImportLimits()
    bad = _check_zip(label, data, lim)
    if bad is not None:
        return bad
    try:
        wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError):
        return Issue(label, None, "imp.bad_xlsx")
    out: list[tuple[str, RawRows]] = []
    try:
        if len(wb.worksheets) > lim.sheets:
            return Issue(label, None, "imp.limit_sheets", {"max": lim.sheets})
        total = 0
        for ws in wb.worksheets:
            sheet_label = f"{label} › {ws.title}"
            rows = list(_stream_rows(wb, ws, sheet_label, lim))
            total += sum(1 for _n, c in rows if not _blank(c))
            if total > lim.rows + len(out) + 1:  # all sheets together (one header row each)
                return Issue(label, None, "imp.limit_rows", {"max": lim.rows})
            out.append((ws.title, rows))
    except _Limit as exc:
        return exc.issue
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, EOFError):
        return Issue(label, None, "imp.bad_xlsx")
    finally:
        wb.close()
    return out


def _blank(cells: Sequence[Any]) -> bool:
    return all(c is None or (isinstance(c, str) and not c.strip()) for c in cells)


def _map_headers(kind: str, header: Sequence[Any]) -> tuple[dict[str, int], list[str], list[str]]:
    """(field -> column, duplicated fields, unknown header names)."""
    aliases = {a: f for f, names in FIELDS[kind].items() for a in names}
    cols: dict[str, int] = {}
    dups: list[str] = []
    unknown: list[str] = []
    for i, cell in enumerate(header):
        if cell is None or not str(cell).strip():
            continue
        f = aliases.get(squash(str(cell)))
        if f is None:
            unknown.append(str(cell).strip())
        elif f in cols:
            dups.append(str(cell).strip())
        else:
            cols[f] = i
    return cols, dups, unknown


def _kind_from_headers(header: Sequence[Any]) -> str | None:
    best: tuple[int, int, str] | None = None
    for prio, kind in enumerate(reversed(KINDS)):  # the more specific sheets win ties
        cols, _d, _u = _map_headers(kind, header)
        if all(r in cols for r in REQUIRED[kind]):
            score = (len(cols), prio, kind)
            if best is None or score > best:
                best = score
    return best[2] if best else None


def _make_sheet(label: str, name_for_kind: str, rows: RawRows, kind: str | None, *,
                strict: bool, notes: list[Msg]) -> Sheet | Issue | None:
    rows = [(n, cells) for n, cells in rows if not _blank(cells)]
    if not rows:
        return None if not strict else Issue(label, None, "imp.empty_sheet")
    header_row, header = rows[0]
    kind = kind or kind_from_name(name_for_kind) or _kind_from_headers(header)
    if kind is None:
        if not strict:
            notes.append(Msg("imp.sheet_skipped", {"sheet": label}))
            return None
        return Issue(label, None, "imp.unknown_kind")
    cols, dups, unknown = _map_headers(kind, header)
    missing = [f for f in REQUIRED[kind] if f not in cols]
    if missing:
        return Issue(label, header_row, "imp.missing_columns", {
            "kind": Msg(f"imp.kind.{kind}"), "columns": LangHtml(lambda lang: "; ".join(fmt.esc(COLUMN_NAMES[f].render(lang)) for f in missing))})
    if dups:
        return Issue(label, header_row, "imp.duplicate_columns", {"columns": ", ".join(dups)})
    if unknown:
        notes.append(Msg("imp.columns_ignored", {"sheet": label, "columns": ", ".join(unknown)}))
    return Sheet(label, kind, cols, rows[1:])


def read_sources(files: Sequence[tuple[str, bytes]], kind: str | None = None,
                 limits: ImportLimits | None = None) -> tuple[list[Sheet], list[Issue], list[Msg]]:
    """Files -> sheets of known kinds; problems reading them; notes (skipped sheets, ignored columns)."""
    lim = limits or ImportLimits()
    sheets: list[Sheet] = []
    issues: list[Issue] = []
    notes: list[Msg] = []
    for name, data in files:
        label = Path(name).name or name
        if len(data) > lim.file_mb * 1024 * 1024:
            issues.append(Issue(label, None, "imp.too_big", {"mb": lim.file_mb}))
            continue
        if label.lower().endswith(".xls") or data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
            issues.append(Issue(label, None, "imp.old_xls"))
            continue
        if _is_xlsx(label, data):
            got = _read_xlsx(label, data, lim)
            if isinstance(got, Issue):
                issues.append(got)
                continue
            single = len([1 for _t, rows in got if not all(_blank(c) for _n, c in rows)]) == 1
            for title, rows in got:
                made = _make_sheet(f"{label} › {title}", title, rows, kind if single else None,
                                   strict=False, notes=notes)
                if isinstance(made, Issue):
                    issues.append(made)
                elif made is not None:
                    sheets.append(made)
            continue
        raw = _read_csv(label, data, lim)
        if isinstance(raw, Issue):
            issues.append(raw)
            continue
        made = _make_sheet(label, label, raw, kind, strict=True, notes=notes)
        if isinstance(made, Issue):
            issues.append(made)
        elif made is not None:
            sheets.append(made)
    if not sheets and not issues:
        issues.append(Issue(", ".join(Path(n).name for n, _d in files) or "–", None, "imp.no_sheets"))
    return sheets, issues, notes
