"""Bulk import of units, targets, baselines, members and chats from CSV or XLSX (DESIGN §3a, docs/import.md).

Three steps: read every file into sheets (kind from the file/sheet name, the headers, or ``--kind``),
validate EVERY row against the database and the importing admin's scope (all problems are collected
with their sheet and row number), then - only when nothing is wrong - write everything in one
transaction. Rows are upserted by unit code / telegram id / chat id, so importing the same files again
changes nothing.

Also the shell command ``vneid-bot import FILE... [--kind KIND] [--dry-run]``.

The package: `columns` (kinds, column names), `reading` (bounded CSV/XLSX reading), `planner` and its
sheet groups (`units`, `values`, `roster`, `write`: every row checked before anything is written), `run`
(one transaction), `report` (issues and counts), `shell` (the `vneid-bot import` command).
"""

from __future__ import annotations

from bot.core.importer.columns import (
    _UNIT_CODE,
    CHAT_LIMIT,
    COLUMN_FIELDS,
    COLUMN_NAMES,
    FIELDS,
    KIND_ALIASES,
    KINDS,
    MAX_FILE_BYTES,
    REQUIRED,
    SHEET_NAMES,
    kind_from_name,
)
from bot.core.importer.reading import (
    _CONTROL,
    ImportLimits,
    RawRows,
    Sheet,
    _blank,
    _check_row,
    _check_zip,
    _col_name,
    _is_xlsx,
    _kind_from_headers,
    _Limit,
    _make_sheet,
    _map_headers,
    _read_csv,
    _read_xlsx,
    _stream_rows,
    read_sources,
)
from bot.core.importer.report import Counts, ImportReport, Issue, _plain
from bot.core.importer.run import _issue_order, _Rollback, run_import
from bot.core.importer.shell import COMMAND, _add_arguments, _Bar, _run_cli, issues_file, shell_caller

__all__ = ['CHAT_LIMIT', 'COLUMN_FIELDS', 'COLUMN_NAMES', 'FIELDS', 'KINDS', 'KIND_ALIASES', 'MAX_FILE_BYTES', 'REQUIRED', 'SHEET_NAMES', '_UNIT_CODE', 'kind_from_name', 'Counts', 'ImportReport', 'Issue', '_plain', 'ImportLimits', 'RawRows', 'Sheet', '_CONTROL', '_Limit', '_blank', '_check_row', '_check_zip', '_col_name', '_is_xlsx', '_kind_from_headers', '_make_sheet', '_map_headers', '_read_csv', '_read_xlsx', '_stream_rows', 'read_sources', '_Rollback', '_issue_order', 'run_import', 'COMMAND', '_Bar', '_add_arguments', '_run_cli', 'issues_file', 'shell_caller']
