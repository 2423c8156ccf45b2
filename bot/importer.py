"""Bulk import of units, targets, baselines, members and chats from CSV or XLSX (DESIGN §3a, docs/import.md).

Three steps: read every file into sheets (kind from the file/sheet name, the headers, or ``--kind``),
validate EVERY row against the database and the importing admin's scope (all problems are collected
with their sheet and row number), then - only when nothing is wrong - write everything in one
transaction. Rows are upserted by unit code / telegram id / chat id, so importing the same files again
changes nothing.

Also the shell command ``vneid-bot import FILE... [--kind KIND] [--dry-run]``.
"""

from __future__ import annotations

import argparse
import csv
import getpass
import io
import re
import sys
import zipfile
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, time
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from bot import fmt
from bot.access import Caller
from bot.audit import log_refusal, record
from bot.cli_base import SubCommand, open_database
from bot.commands import Role
from bot.config import Settings
from bot.names import clean as clean_name
from bot.names import look_alike, mixed_script
from bot.org import (
    CHILD_KIND,
    CODE_RE,
    MAX_NAME,
    MAX_VALUE,
    ROLE_CODE,
    LangHtml,
    Msg,
    Outcome,
    canonical_kind,
    default_child_kind,
    metric_code,
    parse_date,
    parse_int,
    parse_role,
    parse_time,
    squash,
)
from bot.services import Services
from bot.texts import t
from storage import org_repo
from storage.models import Baseline, Chat, Member, Target, Unit

KINDS = ("units", "targets", "baselines", "members", "chats", "official")
MAX_FILE_BYTES = 10 * 1024 * 1024  # the default of IMPORT_MAX_FILE_MB (a download larger than this is refused)
CHAT_LIMIT = 30  # error lines shown in chat

_UNIT_CODE = ("unitcode", "madonvi", "ma", "madv", "unit", "donvi", "mathon", "maxa")
FIELDS: dict[str, dict[str, tuple[str, ...]]] = {
    "units": {
        "code": ("code", "ma", "madonvi", "unitcode", "madv"),
        "name": ("name", "ten", "tendonvi", "unitname", "tendv"),
        "kind": ("kind", "cap", "loai", "capdonvi", "loaidonvi", "level"),
        "parent_code": ("parentcode", "parent", "macaptren", "captren", "madonvicaptren", "mactren", "thuoc",
                        "madonvicha", "tren"),
    },
    "targets": {
        "unit_code": _UNIT_CODE,
        "metric": ("metric", "chiso", "muc", "mucdo"),
        "target": ("target", "chitieu", "chitieuduocgiao", "value", "soluong"),
        "deadline": ("deadline", "han", "hanhoanthanh", "thoihan", "ngayhethan", "hancuoi"),
    },
    "baselines": {
        "unit_code": _UNIT_CODE,
        "metric": ("metric", "chiso", "muc", "mucdo"),
        "as_of": ("asof", "ngay", "tinhden", "tinhdenngay", "ngaychot", "date"),
        "value": ("value", "soluong", "so", "dadat", "giatri", "luyke", "moc", "baseline"),
    },
    "members": {
        "unit_code": _UNIT_CODE,
        "telegram_id": ("telegramid", "idtelegram", "telegram", "telegramuserid", "tgid", "userid", "id"),
        "name": ("name", "hoten", "hovaten", "ten", "fullname"),
        "role": ("role", "vaitro", "quyen"),
    },
    "chats": {
        "unit_code": _UNIT_CODE,
        "telegram_chat_id": ("telegramchatid", "chatid", "idnhom", "telegramgroupid", "groupid", "idchat",
                             "manhom", "nhom", "telegramchat"),
        "reminder_time": ("remindertime", "gionhac", "nhac", "reminder"),
        "summary_time": ("summarytime", "giotonghop", "tonghop", "summary"),
    },
    "official": {  # official figures (C06) to reconcile with the teams' (bot/official.py)
        "unit_code": _UNIT_CODE,
        "metric": ("metric", "chiso", "muc", "mucdo"),
        "day": ("day", "ngay", "date", "tinhden", "tinhdenngay", "asof"),
        "official": ("official", "sochinhthuc", "chinhthuc", "c06", "value", "soluong", "so"),
    },
}
REQUIRED: dict[str, tuple[str, ...]] = {
    "units": ("code", "name"),
    "targets": ("unit_code", "target"),
    "baselines": ("unit_code", "as_of", "value"),
    "members": ("unit_code", "telegram_id", "name"),
    "chats": ("unit_code", "telegram_chat_id"),
    "official": ("unit_code", "day", "official"),
}
# documented column names (English / Vietnamese, catalog keys imp.col.*), shown when a column is missing
COLUMN_FIELDS = ("code", "name", "kind", "parent_code", "unit_code", "metric", "target", "deadline", "as_of", "value", "telegram_id", "role", "telegram_chat_id", "reminder_time", "summary_time", "day", "official")
COLUMN_NAMES: dict[str, Msg] = {f: Msg(f"imp.col.{f}") for f in COLUMN_FIELDS}
SHEET_NAMES: dict[str, tuple[str, ...]] = {
    "units": ("units", "unit", "donvi", "dv", "cacdonvi", "danhsachdonvi"),
    "targets": ("targets", "target", "chitieu", "ct"),
    "baselines": ("baselines", "baseline", "moc", "mocbandau", "solieubandau", "solieudau"),
    "members": ("members", "member", "thanhvien", "tv", "danhsachthanhvien", "nhansu", "roster"),
    "chats": ("chats", "chat", "nhom", "nhomchat", "groups", "group", "lienket"),
    "official": ("official", "chinhthuc", "sochinhthuc", "c06", "doichieu"),
}
KIND_ALIASES: dict[str, str] = {alias: kind for kind, names in SHEET_NAMES.items() for alias in names}


def kind_from_name(name: str) -> str | None:
    """'don_vi.csv' -> 'units', 'Thành viên' -> 'members', 'units_2025.csv' -> 'units'."""
    stem = squash(Path(name).stem if "." in name else name)
    if stem in KIND_ALIASES:
        return KIND_ALIASES[stem]
    for alias in sorted(KIND_ALIASES, key=len, reverse=True):
        if len(alias) >= 4 and stem.startswith(alias):
            return KIND_ALIASES[alias]
    return None


# ---------------------------------------------------------------------------------------------
# results
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Issue:
    sheet: str
    row: int | None
    key: str
    args: dict[str, Any] = field(default_factory=dict)
    scope: bool = False  # a permission problem (logged as a refusal)

    def msg(self) -> Msg:
        args = {k: str(v) if k == "row" else v for k, v in self.args.items()}  # row numbers: no 1.056
        if self.row is None:
            return Msg("imp.issue_sheet", {"sheet": self.sheet, "text": Msg(self.key, args)})
        return Msg("imp.issue", {"sheet": self.sheet, "row": str(self.row), "text": Msg(self.key, args)})


@dataclass
class Counts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    @property
    def total(self) -> int:
        return self.created + self.updated + self.unchanged


@dataclass
class ImportReport:
    files: list[str]
    issues: list[Issue] = field(default_factory=list)
    counts: dict[str, Counts] = field(default_factory=dict)
    notes: list[Msg] = field(default_factory=list)
    committed: bool = False
    dry_run: bool = False
    # new chat ids a scoped admin named that the bot has no sign of being in (`imp.chat_unseen`): the
    # Telegram handler may check them with the Bot API and import again with them as `verified_chats`
    unseen_chats: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.issues

    @property
    def changed(self) -> int:
        return sum(c.created + c.updated for c in self.counts.values())

    def summary_msgs(self) -> list[Msg]:
        msgs: list[Msg] = []
        for kind in KINDS:
            c = self.counts.get(kind)
            if c is not None and c.total:
                msgs.append(Msg("imp.count_line", {"kind": Msg(f"imp.kind.{kind}"), "created": c.created,
                                                   "updated": c.updated, "unchanged": c.unchanged}))
        return msgs

    def outcome(self, limit: int = CHAT_LIMIT) -> Outcome:
        files = ", ".join(self.files)
        if self.issues:
            msgs = [Msg("imp.failed", {"files": files, "count": len(self.issues)})]
            msgs += [i.msg() for i in self.issues[:limit]]
            if len(self.issues) > limit:
                msgs.append(Msg("imp.more_issues", {"count": len(self.issues) - limit}))
            msgs.append(Msg("imp.fix_hint"))
            return Outcome("error", msgs, {"issues": len(self.issues)})
        if not any(c.total for c in self.counts.values()):
            return Outcome("error", [Msg("imp.empty", {"files": files}), *self.notes], {"issues": 0})
        head = "imp.checked" if self.dry_run else ("imp.done" if self.changed else "imp.nothing_changed")
        msgs = [Msg(head, {"files": files}), *self.summary_msgs(), *self.notes]
        return Outcome("ok", msgs, {"changed": self.changed})

    def issues_text(self, lang: str) -> str:
        """Every problem, one per line (the file attached in chat when there are many)."""
        return "\n".join(_plain(i.msg().render(lang)) for i in self.issues) + "\n"


def _plain(html: str) -> str:
    import html as h
    import re

    return h.unescape(re.sub(r"<[^>]+>", "", html))


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


# ---------------------------------------------------------------------------------------------
# validation + writing
# ---------------------------------------------------------------------------------------------

Progress = Callable[[str, int, int], None]


@dataclass
class _UnitRow:
    sheet: str
    row: int
    code: str
    name: str | None
    kind: str | None
    parent: str | None  # lower-cased parent code; None = empty cell
    final_parent: str | None = None  # lower-cased code after resolution (None = root)
    depth: int = 0
    ok: bool = True


_MemberRow = tuple[Sheet, int, str, str, str | None, Role | None]  # sheet, row, unit key, id, name, role


def _look_alike_of(name: str, rows: Iterable[_UnitRow]) -> _UnitRow | None:
    """The row whose name `name` is a mixed-script look-alike of, or that is one of `name`."""
    for r in rows:
        if r.name is not None and (look_alike(name, r.name) or look_alike(r.name, name)):
            return r
    return None


def _signed_int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if value.is_integer() else None
    s = str(value).strip()
    neg = s.startswith("-")
    n = parse_int(s[1:] if neg else s)
    return None if n is None else (-n if neg else n)


def _text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return " ".join(str(value).split())


class _Planner:
    """Validates all sheets against the database (inside the import's session) and writes them."""

    def __init__(self, s: Session, caller: Caller, settings: Settings, today: date, progress: Progress | None,
                 verified_chats: frozenset[str] = frozenset()):
        self.s = s
        self.verified_chats = verified_chats  # chat ids the caller's channel confirmed the bot is in
        self.unseen_chats: list[str] = []
        self.caller = caller
        self.settings = settings
        self.today = today
        self.progress = progress
        self.issues: list[Issue] = []
        self.counts: dict[str, Counts] = {k: Counts() for k in KINDS}
        self.metrics = org_repo.metric_codes(s)
        self.file_units: dict[str, _UnitRow] = {}
        self.db_units: dict[str, Unit] = {}
        self._by_id: dict[int, Unit] = {}
        # planned writes
        self.new_units: list[_UnitRow] = []
        self.unit_updates: list[tuple[Unit, dict[str, Any]]] = []
        self.moves: list[tuple[_UnitRow, Unit]] = []
        self.target_new: list[tuple[str, str, int, date | None]] = []
        self.target_upd: list[tuple[Target, int, date | None, bool]] = []
        self.base_new: list[tuple[str, str, date, int]] = []
        self.base_upd: list[tuple[Baseline, date, int]] = []
        self.official_rows: list[tuple[str, str, date, int]] = []
        self.member_new: list[tuple[str, str, str, str]] = []  # ext id, name, unit key, role
        self.member_upd: list[tuple[Member, dict[str, Any]]] = []
        self.chat_new: list[tuple[str, str, time | None, time | None]] = []
        self.chat_upd: list[tuple[Chat, dict[str, Any]]] = []

    # ---- helpers

    def err(self, sheet: str, row: int | None, key: str, /, *, scope: bool = False, **args: Any) -> None:
        self.issues.append(Issue(sheet, row, key, args, scope))

    def within(self, unit: Unit) -> bool:
        return self.caller.within(unit)

    def moves_to(self, key: str, current_unit_id: int | None) -> bool:
        """The row puts its member/chat in another unit than now (a unit created by this import is
        never in `db_units`, so it counts as another unit)."""
        target = self.db_units.get(key)
        return target is None or target.id != current_unit_id

    def unit_by_id(self, unit_id: int | None) -> Unit | None:
        if unit_id is None:
            return None
        u = self._by_id.get(unit_id)
        if u is None:
            u = self.s.get(Unit, unit_id)
            if u is not None:
                self._by_id[unit_id] = u
        return u

    def _tick(self, stage: str, done: int, total: int) -> None:
        if self.progress is not None and (done == total or done % 500 == 0 or stage == "write"):
            self.progress(stage, done, total)

    def unit_ref(self, sheet: str, row: int, code: Any) -> str | None:
        """A unit code of a row -> the lower-cased key of a unit in the file or the database."""
        if code is None:
            self.err(sheet, row, "imp.required", column=COLUMN_NAMES["unit_code"])
            return None
        key = _text(code).lower()
        u = self.db_units.get(key)
        if u is None:
            if key in self.file_units:
                return key
            self.err(sheet, row, "imp.unknown_unit", code=_text(code))
            return None
        if not self.within(u):
            self.err(sheet, row, "imp.unit_scope", scope=True, code=u.code)
            return None
        if not u.active and key not in self.file_units:  # a units row reactivates it
            self.err(sheet, row, "imp.unit_inactive", code=u.code)
            return None
        return key

    # ---- the plan

    def plan(self, sheets: list[Sheet]) -> None:
        by_kind: dict[str, list[Sheet]] = defaultdict(list)
        for sh in sheets:
            by_kind[sh.kind].append(sh)
        codes: set[str] = set()
        for sh in sheets:
            for _n, cells in sh.rows:
                for f in ("code", "parent_code", "unit_code"):
                    v = sh.get(cells, f) if sh.has(f) else None
                    if v is not None:
                        codes.add(_text(v).lower())
        self.db_units = org_repo.units_by_codes(self.s, sorted(codes))
        for u in self.db_units.values():
            self._by_id[u.id] = u
        self._plan_units(by_kind["units"])
        self._plan_targets(by_kind["targets"])
        self._plan_baselines(by_kind["baselines"])
        self._plan_members(by_kind["members"])
        self._plan_chats(by_kind["chats"])
        self._plan_official(by_kind["official"])

    def _final_kind(self, key: str | None) -> str | None:
        """A unit's kind after the import (None: not known yet, it will default from its parent)."""
        if key is None:
            return None
        row = self.file_units.get(key)
        if row is not None and row.kind:
            return row.kind
        existing = self.db_units.get(key)
        return existing.kind if existing is not None else None

    def _check_kinds(self, rows: list[_UnitRow]) -> None:
        """Every unit's kind fits under its parent's (bot.tree: province > commune > village)."""
        from bot.tree import kind_allowed, kind_error_args

        for r in rows:
            if not r.ok or r.final_parent is None:
                continue
            kind, parent_kind = self._final_kind(r.code.lower()), self._final_kind(r.final_parent)
            if kind is not None and parent_kind is not None and not kind_allowed(kind, parent_kind):
                self.err(r.sheet, r.row, "fig.kind_order", unit=r.code, parent=r.final_parent,
                         **kind_error_args(kind, parent_kind))
                r.ok = False

    def _plan_units(self, sheets: list[Sheet]) -> None:
        rows = self._unit_rows(sheets)
        for i, r in enumerate(rows):  # parents and scope
            self._tick("units", i + 1, len(rows))
            self._check_unit_place(r)
        self._check_cycles(rows)
        self._check_kinds(rows)
        self._check_sibling_names(rows)
        if any(not r.ok for r in rows):
            return
        for r in rows:
            self._plan_unit_change(r)

    def _unit_rows(self, sheets: list[Sheet]) -> list[_UnitRow]:
        """The rows of the unit sheets, each checked on its own (code, name)."""
        rows: list[_UnitRow] = []
        seen: dict[str, tuple[str, int]] = {}
        for sh in sheets:
            for n, cells in sh.rows:
                r = self._unit_row(sh, n, cells, seen)
                if r is not None:
                    rows.append(r)
                    self.file_units[r.code.lower()] = r
        return rows

    def _unit_row(self, sh: Sheet, n: int, cells: Any, seen: dict[str, tuple[str, int]]) -> _UnitRow | None:
        code = sh.get(cells, "code")
        name = sh.get(cells, "name")
        kind = sh.get(cells, "kind")
        parent = sh.get(cells, "parent_code")
        if code is None:
            self.err(sh.label, n, "imp.required", column=COLUMN_NAMES["code"])
            return None
        code_s = _text(code)
        if not CODE_RE.match(code_s):
            self.err(sh.label, n, "imp.bad_code", code=code_s)
            return None
        if code_s.lower() in seen:
            first = seen[code_s.lower()]
            self.err(sh.label, n, "imp.duplicate", value=code_s, sheet=first[0], row=first[1])
            return None
        seen[code_s.lower()] = (sh.label, n)
        r = _UnitRow(sh.label, n, code_s, _text(name) if name is not None else None,
                     canonical_kind(_text(kind)) if kind is not None else None,
                     _text(parent).lower() if parent is not None else None)
        if r.name is None:
            self.err(sh.label, n, "imp.required", column=COLUMN_NAMES["name"])
            r.ok = False
        elif (cleaned := clean_name(r.name)) is None:  # bidi/control characters (issue 15 item 12)
            self.err(sh.label, n, "imp.name_control", column=COLUMN_NAMES["name"])
            r.ok = False
        elif len(cleaned) > MAX_NAME:
            self.err(sh.label, n, "imp.too_long", column=COLUMN_NAMES["name"], max=MAX_NAME)
            r.ok = False
        else:
            r.name = cleaned  # NFC
        return r

    def _refuse(self, r: _UnitRow, key: str, **values: Any) -> None:
        self.err(r.sheet, r.row, key, **values)
        r.ok = False

    def _check_unit_place(self, r: _UnitRow) -> None:
        """The row's parent exists and is within the caller's scope; its final parent is set."""
        key = r.code.lower()
        existing = self.db_units.get(key)
        if existing is not None and not self.within(existing):
            return self._refuse(r, "imp.code_outside", scope=True, code=r.code)
        if r.parent:
            if not self._parent_ok(r, key):
                return None
            r.final_parent = r.parent
        elif existing is not None:
            parent_unit = self.unit_by_id(existing.parent_id)
            r.final_parent = parent_unit.code.lower() if parent_unit else None
        else:
            r.final_parent = None
            if not self.caller.global_admin:
                return self._refuse(r, "imp.root_admin_only", scope=True, code=r.code)
        if (existing is not None and not self.caller.global_admin and existing.id == self.caller.unit_id
                and r.final_parent != self._db_parent_key(existing)):
            self._refuse(r, "imp.own_unit", scope=True, code=r.code)
        return None

    def _parent_ok(self, r: _UnitRow, key: str) -> bool:
        assert r.parent is not None
        if r.parent == key:
            self._refuse(r, "imp.self_parent", code=r.code)
            return False
        p = self.db_units.get(r.parent)
        if p is None and r.parent not in self.file_units:
            self._refuse(r, "imp.unknown_parent", code=r.parent)
            return False
        if p is not None and not self.within(p):
            self._refuse(r, "imp.parent_scope", scope=True, code=p.code)
            return False
        if p is not None and not p.active and r.parent not in self.file_units:
            self._refuse(r, "imp.unit_inactive", code=p.code)
            return False
        return True

    def _check_cycles(self, rows: list[_UnitRow]) -> None:
        """The final tree must have no cycle; depths give the write order."""
        cyclic = []
        for r in rows:
            if not r.ok:
                continue
            r.depth, cycle = self._final_depth(r.code.lower())
            if cycle:
                cyclic.append(r)
        for r in cyclic:  # marked afterwards: every unit of a loop is reported
            self._refuse(r, "imp.cycle", code=r.code)

    def _plan_unit_change(self, r: _UnitRow) -> None:
        existing = self.db_units.get(r.code.lower())
        if existing is None:
            self.new_units.append(r)
            self.counts["units"].created += 1
            return
        changes: dict[str, Any] = {}
        assert r.name is not None
        if existing.name != r.name:
            changes["name"] = r.name
        if r.kind and existing.kind != r.kind:
            changes["kind"] = r.kind
        if not existing.active:
            changes["active"] = True
        if r.final_parent != self._db_parent_key(existing):
            self.moves.append((r, existing))
        if changes:
            self.unit_updates.append((existing, changes))
        if changes or r.final_parent != self._db_parent_key(existing):
            self.counts["units"].updated += 1
        else:
            self.counts["units"].unchanged += 1

    def _db_parent_key(self, u: Unit) -> str | None:
        p = self.unit_by_id(u.parent_id)
        return p.code.lower() if p else None

    def _final_parent(self, key: str) -> str | None:
        r = self.file_units.get(key)
        if r is not None and r.ok:
            return r.final_parent
        u = self.db_units.get(key)
        if u is None:
            return None
        return self._db_parent_key(u)

    def _final_depth(self, key: str) -> tuple[int, bool]:
        seen = {key}
        depth = 0
        cur: str | None = self._final_parent(key)
        while cur is not None:
            if cur in seen or depth > 64:
                return depth, True
            seen.add(cur)
            depth += 1
            if cur not in self.db_units and cur not in self.file_units:
                break
            nxt = self._final_parent(cur)
            if cur not in self.file_units and nxt is not None and nxt not in self.db_units:
                # a database unit outside the loaded set: load it to keep walking up
                parent_unit = self.unit_by_id(self.db_units[cur].parent_id)
                if parent_unit is not None:
                    self.db_units.setdefault(parent_unit.code.lower(), parent_unit)
            cur = nxt
        return depth, False

    def _check_sibling_names(self, rows: list[_UnitRow]) -> None:
        from bot.parsing import normalize

        groups: dict[str | None, dict[str, _UnitRow]] = defaultdict(dict)
        for r in sorted(rows, key=lambda x: (x.sheet, x.row)):
            if not r.ok or r.name is None:
                continue
            n = normalize(r.name)
            other = groups[r.final_parent].get(n) or _look_alike_of(r.name, groups[r.final_parent].values())
            if other is not None:
                self.err(r.sheet, r.row, "imp.duplicate_name", name=r.name, sheet=other.sheet, row=other.row)
                r.ok = False
            else:
                groups[r.final_parent][n] = r
        parent_ids = [self.db_units[k].id for k in groups if k is not None and k in self.db_units]
        kids = org_repo.children_of(self.s, parent_ids)
        for pkey, names in groups.items():
            if pkey is None or pkey not in self.db_units:
                continue
            for child in kids.get(self.db_units[pkey].id, []):
                if child.code.lower() in self.file_units:
                    continue  # listed in the file: checked above with its final name and parent
                r2 = names.get(normalize(child.name)) or _look_alike_of(child.name, names.values())
                if r2 is not None and r2.ok:
                    self.err(r2.sheet, r2.row, "imp.name_taken", name=r2.name, code=child.code)
                    r2.ok = False

    def _metric(self, sh: Sheet, n: int, cells: list[Any]) -> str | None:
        raw = sh.get(cells, "metric")
        if raw is None:
            return self.settings.default_metric
        code = metric_code(_text(raw), self.metrics)
        if code is None:
            self.err(sh.label, n, "imp.unknown_metric", metric=_text(raw), known=", ".join(self.metrics))
        return code

    def _count(self, sh: Sheet, n: int, cells: list[Any], col: str) -> int | None:
        raw = sh.get(cells, col)
        if raw is None:
            self.err(sh.label, n, "imp.required", column=COLUMN_NAMES[col])
            return None
        v = parse_int(raw)
        if v is None or v > MAX_VALUE:
            self.err(sh.label, n, "imp.bad_number", column=COLUMN_NAMES[col], value=_text(raw))
            return None
        return v

    def _plan_targets(self, sheets: list[Sheet]) -> None:
        seen: dict[tuple[str, str], tuple[str, int]] = {}
        pending: list[tuple[Sheet, int, str, str, int, date | None]] = []
        for sh in sheets:
            for i, (n, cells) in enumerate(sh.rows):
                self._tick("targets", i + 1, len(sh.rows))
                key = self.unit_ref(sh.label, n, sh.get(cells, "unit_code"))
                metric = self._metric(sh, n, cells)
                value = self._count(sh, n, cells, "target")
                raw_deadline = sh.get(cells, "deadline")
                deadline = parse_date(raw_deadline) if raw_deadline is not None else None
                if raw_deadline is not None and deadline is None:
                    self.err(sh.label, n, "imp.bad_date", column=COLUMN_NAMES["deadline"], value=_text(raw_deadline))
                    continue
                if key is None or metric is None or value is None:
                    continue
                if (key, metric) in seen:
                    first = seen[(key, metric)]
                    self.err(sh.label, n, "imp.duplicate", value=f"{key} {metric}", sheet=first[0], row=first[1])
                    continue
                seen[(key, metric)] = (sh.label, n)
                pending.append((sh, n, key, metric, value, deadline))
        existing = org_repo.targets_of(self.s, [u.id for u in self.db_units.values()])
        for sh, _n, key, metric, value, deadline in pending:
            u = self.db_units.get(key)
            tg = existing.get((u.id, metric)) if u is not None else None
            if tg is None:
                self.target_new.append((key, metric, value, deadline))
                self.counts["targets"].created += 1
            elif tg.value != value or (sh.has("deadline") and tg.deadline != deadline):
                self.target_upd.append((tg, value, deadline, sh.has("deadline")))
                self.counts["targets"].updated += 1
            else:
                self.counts["targets"].unchanged += 1

    def _plan_baselines(self, sheets: list[Sheet]) -> None:
        seen: dict[tuple[str, str], tuple[str, int]] = {}
        pending: list[tuple[str, str, date, int]] = []
        for sh in sheets:
            for i, (n, cells) in enumerate(sh.rows):
                self._tick("baselines", i + 1, len(sh.rows))
                key = self.unit_ref(sh.label, n, sh.get(cells, "unit_code"))
                metric = self._metric(sh, n, cells)
                value = self._count(sh, n, cells, "value")
                raw_day = sh.get(cells, "as_of")
                day = parse_date(raw_day) if raw_day is not None else None
                if raw_day is None:
                    self.err(sh.label, n, "imp.required", column=COLUMN_NAMES["as_of"])
                    continue
                if day is None:
                    self.err(sh.label, n, "imp.bad_date", column=COLUMN_NAMES["as_of"], value=_text(raw_day))
                    continue
                if day > self.today:
                    self.err(sh.label, n, "imp.future_day", day=day)
                    continue
                if key is None or metric is None or value is None:
                    continue
                if (key, metric) in seen:
                    first = seen[(key, metric)]
                    self.err(sh.label, n, "imp.duplicate", value=f"{key} {metric}", sheet=first[0], row=first[1])
                    continue
                seen[(key, metric)] = (sh.label, n)
                pending.append((key, metric, day, value))
        existing = org_repo.baselines_of(self.s, [u.id for u in self.db_units.values()])
        for key, metric, day, value in pending:
            u = self.db_units.get(key)
            b = existing.get((u.id, metric)) if u is not None else None
            if b is None:
                self.base_new.append((key, metric, day, value))
                self.counts["baselines"].created += 1
            elif b.value != value or b.as_of != day:
                self.base_upd.append((b, day, value))
                self.counts["baselines"].updated += 1
            else:
                self.counts["baselines"].unchanged += 1

    def _plan_official(self, sheets: list[Sheet]) -> None:
        """Official figures: (unit, metric, day) -> value; recorded like /chinhthuc (re-recording replaces)."""
        from storage import official_repo

        seen: dict[tuple[str, str, date], tuple[str, int]] = {}
        for sh in sheets:
            for i, (n, cells) in enumerate(sh.rows):
                self._tick("official", i + 1, len(sh.rows))
                key = self.unit_ref(sh.label, n, sh.get(cells, "unit_code"))
                metric = self._metric(sh, n, cells)
                value = self._count(sh, n, cells, "official")
                raw_day = sh.get(cells, "day")
                day = parse_date(raw_day) if raw_day is not None else None
                if raw_day is None:
                    self.err(sh.label, n, "imp.required", column=COLUMN_NAMES["day"])
                    continue
                if day is None:
                    self.err(sh.label, n, "imp.bad_date", column=COLUMN_NAMES["day"], value=_text(raw_day))
                    continue
                if day > self.today:
                    self.err(sh.label, n, "imp.future_day", day=day)
                    continue
                if key is None or metric is None or value is None:
                    continue
                if (key, metric, day) in seen:
                    first = seen[(key, metric, day)]
                    self.err(sh.label, n, "imp.duplicate", value=f"{key} {metric} {day:%d/%m/%Y}", sheet=first[0],
                             row=first[1])
                    continue
                seen[(key, metric, day)] = (sh.label, n)
                u = self.db_units.get(key)
                old = official_repo.value_on(self.s, u.id, metric, day) if u is not None else None
                if old is None:
                    self.counts["official"].created += 1
                elif old != value:
                    self.counts["official"].updated += 1
                else:
                    self.counts["official"].unchanged += 1
                    continue
                self.official_rows.append((key, metric, day, value))

    def _member_row(self, sh: Sheet, n: int, cells: Any, seen: dict[str, tuple[str, int]]) -> _MemberRow | None:
        """One member row checked on its own (id, name, role, duplicates); None when refused or unit unknown."""
        key = self.unit_ref(sh.label, n, sh.get(cells, "unit_code"))
        raw_id = sh.get(cells, "telegram_id")
        tid = _signed_int(raw_id) if raw_id is not None else None
        if raw_id is None:
            self.err(sh.label, n, "imp.required", column=COLUMN_NAMES["telegram_id"])
            return None
        if tid is None or tid <= 0:
            self.err(sh.label, n, "imp.bad_user_id", value=_text(raw_id))
            return None
        raw_name = sh.get(cells, "name")
        name = _text(raw_name) if raw_name is not None else None
        if name is not None and (name := clean_name(name)) is None:  # NFC; bidi/control refused
            self.err(sh.label, n, "imp.name_control", column=COLUMN_NAMES["name"])
            return None
        if name is not None and len(name) > MAX_NAME:
            self.err(sh.label, n, "imp.too_long", column=COLUMN_NAMES["name"], max=MAX_NAME)
            return None
        raw_role = sh.get(cells, "role")
        role = parse_role(_text(raw_role)) if raw_role is not None else None
        if raw_role is not None and role is None:
            self.err(sh.label, n, "imp.bad_role", value=_text(raw_role))
            return None
        if role is not None and not self.caller.global_admin and role > self.caller.role:
            self.err(sh.label, n, "imp.role_above", scope=True, role=role)
            return None
        ext = str(tid)
        if ext in seen:
            first = seen[ext]
            self.err(sh.label, n, "imp.duplicate", value=ext, sheet=first[0], row=first[1])
            return None
        seen[ext] = (sh.label, n)
        if key is None:
            return None
        return (sh, n, key, ext, name, role)

    def _plan_members(self, sheets: list[Sheet]) -> None:
        seen: dict[str, tuple[str, int]] = {}
        pending: list[_MemberRow] = []
        for sh in sheets:
            for i, (n, cells) in enumerate(sh.rows):
                self._tick("members", i + 1, len(sh.rows))
                row = self._member_row(sh, n, cells, seen)
                if row is not None:
                    pending.append(row)
        existing = org_repo.members_by_external(self.s, "telegram", [p[3] for p in pending])
        pending = self._drop_look_alike_members(pending, existing)
        for sh, n, key, ext, name, role in pending:
            m = existing.get(ext)
            if m is None:
                if name is None:
                    self.err(sh.label, n, "imp.required", column=COLUMN_NAMES["name"])
                    continue
                self.member_new.append((ext, name, key, ROLE_CODE[role or Role.MEMBER]))
                self.counts["members"].created += 1
                continue
            cur_unit = self.unit_by_id(m.unit_id)
            if cur_unit is not None and not self.within(cur_unit):
                self.err(sh.label, n, "imp.member_outside", scope=True, id=ext)
                continue
            changes: dict[str, Any] = {}
            if self.moves_to(key, m.unit_id):
                changes["unit"] = key
            if name is not None and name != m.display_name:
                changes["display_name"] = name
            if role is not None and ROLE_CODE[role] != m.role:
                changes["role"] = ROLE_CODE[role]
            if not m.active:
                changes["active"] = True
            if changes and not self.caller.global_admin and ("unit" in changes or "role" in changes
                                                              or "active" in changes):
                if ext == self.caller.external_id and self.caller.channel == "telegram":
                    self.err(sh.label, n, "imp.self", scope=True)
                    continue
                if m.unit_id == self.caller.unit_id and Role.parse(m.role) >= self.caller.role:
                    self.err(sh.label, n, "imp.peer", scope=True, id=ext)
                    continue
            if changes:
                self.member_upd.append((m, changes))
                self.counts["members"].updated += 1
            else:
                self.counts["members"].unchanged += 1

    def _drop_look_alike_members(self, pending: list[_MemberRow], existing: dict[str, Member]) -> list[_MemberRow]:
        """A mixed-script name that looks like another member's of the same unit (in the database or in the
        file) is refused: «Nguyễn Văn Аn» with a Cyrillic А beside «Nguyễn Văn An» (issue 15 item 12)."""
        suspects = [p for p in pending if p[4] is not None and mixed_script(p[4])]
        if not suspects:
            return pending
        in_db = org_repo.member_names_of_units(self.s, [self.db_units[p[2]].id for p in suspects
                                                        if p[2] in self.db_units])
        by_unit: dict[str, list[tuple[str, str]]] = defaultdict(list)
        for p in pending:
            m = existing.get(p[3])
            name = p[4] if p[4] is not None else (m.display_name if m is not None else None)
            if name is not None:
                by_unit[p[2]].append((p[3], name))
        bad: set[int] = set()
        for p in suspects:
            sh, n, key, ext, name, _role = p
            assert name is not None
            unit = self.db_units.get(key)
            others = by_unit[key] + (in_db.get(unit.id, []) if unit is not None else [])
            clash = next((o for e, o in others if e != ext and look_alike(name, o)), None)
            if clash is not None:
                self.err(sh.label, n, "imp.member_look_alike", name=name, other=clash)
                bad.add(id(p))
        return [p for p in pending if id(p) not in bad]

    def _plan_chats(self, sheets: list[Sheet]) -> None:
        seen: dict[str, tuple[str, int]] = {}
        pending: list[tuple[Sheet, int, str, str, time | None, time | None]] = []
        for sh in sheets:
            for n, cells in sh.rows:
                key = self.unit_ref(sh.label, n, sh.get(cells, "unit_code"))
                raw_id = sh.get(cells, "telegram_chat_id")
                cid = _signed_int(raw_id) if raw_id is not None else None
                if raw_id is None:
                    self.err(sh.label, n, "imp.required", column=COLUMN_NAMES["telegram_chat_id"])
                    continue
                if cid is None or cid == 0:
                    self.err(sh.label, n, "imp.bad_chat_id", value=_text(raw_id))
                    continue
                times: list[time | None] = []
                bad = False
                for col in ("reminder_time", "summary_time"):
                    raw = sh.get(cells, col)
                    tm = parse_time(raw) if raw is not None else None
                    if raw is not None and tm is None:
                        self.err(sh.label, n, "imp.bad_time", column=COLUMN_NAMES[col], value=_text(raw))
                        bad = True
                    times.append(tm)
                ext = str(cid)
                if ext in seen:
                    first = seen[ext]
                    self.err(sh.label, n, "imp.duplicate", value=ext, sheet=first[0], row=first[1])
                    continue
                seen[ext] = (sh.label, n)
                if bad or key is None:
                    continue
                pending.append((sh, n, key, ext, times[0], times[1]))
        existing = org_repo.chats_by_external(self.s, "telegram", [p[3] for p in pending])
        new_ids = [p[3] for p in pending if p[3] not in existing]
        known = set(new_ids) if self.caller.global_admin or not new_ids else (
            org_repo.seen_chat_ids(self.s, "telegram", new_ids) | self.verified_chats)
        for sh, n, key, ext, rem, summ in pending:
            c = existing.get(ext)
            if c is None and ext not in known:
                # issue 15 item 15: a scoped admin binds only a chat the bot is in (an update from it, or
                # the Bot API confirmed it: `verified_chats`), never any id typed into a sheet
                self.err(sh.label, n, "imp.chat_unseen", scope=True, id=ext)
                self.unseen_chats.append(ext)
                continue
            if c is None:
                self.chat_new.append((ext, key, rem, summ))
                self.counts["chats"].created += 1
                continue
            cur = self.unit_by_id(c.unit_id)
            if cur is not None and not self.within(cur):
                self.err(sh.label, n, "imp.chat_outside", scope=True, id=ext)
                continue
            changes: dict[str, Any] = {}
            if self.moves_to(key, c.unit_id):
                changes["unit"] = key
            if sh.has("reminder_time") and c.reminder_time != rem:
                changes["reminder_time"] = rem
            if sh.has("summary_time") and c.summary_time != summ:
                changes["summary_time"] = summ
            if changes:
                self.chat_upd.append((c, changes))
                self.counts["chats"].updated += 1
            else:
                self.counts["chats"].unchanged += 1

    # ---- writing

    def _add_new_units(self) -> dict[str, Unit]:
        """The new units, parents first (a kind left out follows from the parent's)."""
        if not self.new_units:
            return {}
        rows: list[tuple[str, str, str, Unit | str | None]] = []
        new_keys = {r.code.lower() for r in self.new_units}
        kinds: dict[str, str] = {}
        for r in sorted(self.new_units, key=lambda x: x.depth):
            parent: Unit | str | None = None
            if r.final_parent is not None:
                parent = r.final_parent if r.final_parent in new_keys else self.db_units[r.final_parent]
            if r.kind:
                kind = r.kind
            elif isinstance(parent, str):
                kind = CHILD_KIND.get(kinds[parent], "village")
            else:
                kind = default_child_kind(parent)
            kinds[r.code.lower()] = kind
            assert r.name is not None
            rows.append((r.code, r.name, kind, parent))
        return org_repo.add_unit_rows(self.s, rows)

    def apply(self) -> None:
        s = self.s
        made = self._add_new_units()

        def unit_of(key: str) -> Unit:
            return made.get(key) or self.db_units[key]

        for u, changes in self.unit_updates:
            for k, v in changes.items():
                setattr(u, k, v)
        for r, u in sorted(self.moves, key=lambda m: m[0].depth):
            org_repo.move_subtree(s, u, unit_of(r.final_parent) if r.final_parent else None)
        self._tick("write", 1, 4)
        for tg, value, deadline, has_deadline in self.target_upd:
            tg.value = value
            if has_deadline:
                tg.deadline = deadline
        org_repo.add_targets(s, [(unit_of(k).id, m, v, d) for k, m, v, d in self.target_new])
        for b, day, value in self.base_upd:
            b.as_of, b.value = day, value
        org_repo.add_baselines(s, [(unit_of(k).id, m, d, v) for k, m, d, v in self.base_new])
        if self.official_rows:
            from storage import official_repo

            for code, metric, day, value in self.official_rows:
                official_repo.upsert(s, unit_of(code).id, metric, day, value, self.caller.member_id)
        self._tick("write", 2, 4)
        for m, changes in self.member_upd:
            for k, v in changes.items():
                if k == "unit":
                    m.unit_id = unit_of(v).id
                else:
                    setattr(m, k, v)
        org_repo.add_members(s, [("telegram", e, n, unit_of(k).id, r) for e, n, k, r in self.member_new])
        for c, changes in self.chat_upd:
            for k, v in changes.items():
                if k == "unit":
                    c.unit_id = unit_of(v).id
                else:
                    setattr(c, k, v)
        self._tick("write", 3, 4)
        org_repo.add_chats(s, [("telegram", e, unit_of(k).id, r, st) for e, k, r, st in self.chat_new])
        s.flush()
        self._tick("write", 4, 4)


class _Rollback(Exception):
    pass


def run_import(svc: Services, caller: Caller, files: Sequence[tuple[str, bytes]], *, kind: str | None = None,
               dry_run: bool = False, progress: Progress | None = None,
               verified_chats: frozenset[str] = frozenset(), retry_unseen: bool = False) -> ImportReport:
    """Read, validate and (when everything is right) write the files in one transaction.
    `verified_chats`: chat ids the caller's channel confirmed the bot is a member of (a scoped admin
    may bind only those or chats the bot has had an update from). `retry_unseen`: the caller will check
    `report.unseen_chats` and import again, so a refusal that is only about them is not logged now."""
    names = [Path(n).name for n, _d in files]
    report = ImportReport(names, dry_run=dry_run)
    if not (caller.global_admin or caller.has_role(Role.ADMIN)):
        log_refusal(svc, caller, "import", reason="err.role")
        report.issues.append(Issue(", ".join(names), None, "imp.not_admin", scope=True))
        return report
    if kind is not None and kind not in KINDS:
        report.issues.append(Issue(", ".join(names), None, "imp.bad_kind", {"kind": kind, "kinds": ", ".join(KINDS)}))
        return report
    if progress:
        progress("read", 0, len(files))
    sheets, issues, notes = read_sources(files, kind, ImportLimits.of(svc.settings))
    report.notes = notes
    report.issues += issues
    if progress:
        progress("read", len(files), len(files))
    if report.issues:
        return report
    planner: _Planner | None = None
    try:
        with svc.db.session() as s:
            planner = _Planner(s, caller, svc.settings, svc.today(), progress, verified_chats)
            planner.plan(sheets)
            report.counts = planner.counts
            report.unseen_chats = planner.unseen_chats
            if planner.issues:
                report.issues = sorted(planner.issues, key=_issue_order(sheets))
                raise _Rollback
            if dry_run:
                raise _Rollback
            planner.apply()
        report.committed = True
    except _Rollback:
        pass
    deferred = retry_unseen and bool(report.unseen_chats) and all(
        i.key == "imp.chat_unseen" for i in report.issues if i.scope)
    if report.issues and any(i.scope for i in report.issues) and not deferred:
        unit_id = caller.unit_id if not caller.global_admin else None
        log_refusal(svc, caller, "import", reason="imp.scope", unit_id=unit_id)
    if report.committed and report.changed:
        after: dict[str, Any] = {"files": names}
        for k, c in report.counts.items():
            if c.created or c.updated:
                after[k] = {"created": c.created, "updated": c.updated}
        record(svc, caller, "import", unit_id=caller.unit_id if not caller.global_admin else None, after=after)
    return report


def _issue_order(sheets: list[Sheet]) -> Callable[[Issue], tuple[int, int]]:
    order = {sh.label: i for i, sh in enumerate(sheets)}
    return lambda i: (order.get(i.sheet, len(order)), i.row or 0)


# ---------------------------------------------------------------------------------------------
# shell: vneid-bot import FILE... [--kind KIND] [--dry-run]
# ---------------------------------------------------------------------------------------------


class _Bar:
    """A one-line progress bar on stderr."""

    def __init__(self, stream: Any = None, width: int = 30) -> None:
        self.stream = stream or sys.stderr
        self.width = width
        self._last = ""
        self._stage = ""

    def __call__(self, stage: str, done: int, total: int) -> None:
        frac = 1.0 if total <= 0 else min(1.0, done / total)
        filled = int(frac * self.width)
        line = f"{stage:<10} [{'#' * filled}{'.' * (self.width - filled)}] {int(frac * 100):3d}% ({done}/{total})"
        if line == self._last:
            return
        if self._stage and stage != self._stage:
            self.stream.write("\n")
        self.stream.write("\r" + line)
        self.stream.flush()
        self._last, self._stage = line, stage

    def close(self) -> None:
        if self._last:
            self.stream.write("\n")
            self.stream.flush()


def shell_caller(settings: Settings) -> Caller:
    try:
        user = getpass.getuser()
    except Exception:  # noqa: BLE001 - no login name in some containers
        user = "shell"
    return Caller("cli", f"shell:{user}", user, role=Role.ADMIN, global_admin=True, language=settings.language)


def _add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("files", nargs="+", metavar="FILE", help="CSV files (units.csv, targets.csv ...) or one XLSX")
    p.add_argument("--kind", choices=KINDS, default=None,
                   help="what the CSV files hold (default: from the file name or the headers)")
    p.add_argument("--dry-run", action="store_true", help="check everything, write nothing")


def _run_cli(settings: Settings, args: argparse.Namespace) -> int:
    files: list[tuple[str, bytes]] = []
    for name in args.files:
        try:
            files.append((name, Path(name).read_bytes()))
        except OSError as exc:
            print(f"vneid-bot import: cannot read {name}: {exc.strerror}", file=sys.stderr)
            return 2
    db = open_database(settings)
    try:
        svc = Services(settings, db)
        bar = _Bar()
        try:
            report = run_import(svc, shell_caller(settings), files, kind=args.kind, dry_run=args.dry_run,
                                progress=bar)
        finally:
            bar.close()
        lang = settings.language
        out = report.outcome(limit=len(report.issues) or CHAT_LIMIT)
        print(_plain(out.text(lang)))
        return 0 if report.ok else 1
    finally:
        db.dispose()


COMMAND = SubCommand("import", "import units, targets, baselines, members and chats from CSV/XLSX files",
                     _add_arguments, _run_cli)  # listed in bot/cli.py


def issues_file(report: ImportReport, lang: str) -> tuple[str, bytes]:
    """All problems as a UTF-8 text file (sent in chat when there are more than fit in a message)."""
    head = _plain(t("imp.failed", lang, files=", ".join(report.files), count=len(report.issues)))
    return "loi-nhap.txt" if lang == "vi" else "import-errors.txt", (head + "\n" + report.issues_text(lang)).encode("utf-8")
