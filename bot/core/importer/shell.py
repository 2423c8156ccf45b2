"""The shell command: vneid-bot import FILE... [--kind KIND] [--dry-run]."""

from __future__ import annotations

import argparse
import getpass
import sys
from pathlib import Path
from typing import Any

from bot.cli_base import SubCommand, open_database
from bot.config import Settings
from bot.core.access import Caller
from bot.core.commands import Role
from bot.core.importer.columns import CHAT_LIMIT, KINDS
from bot.core.importer.report import ImportReport, _plain
from bot.core.importer.run import run_import
from bot.core.services import Services
from bot.texts import t

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
