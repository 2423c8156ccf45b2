"""One import: read, plan, write in one transaction (or nothing), report."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from bot.core.access import Caller
from bot.core.audit import log_refusal, record
from bot.core.commands import Role
from bot.core.importer.columns import KINDS
from bot.core.importer.planner import Progress
from bot.core.importer.reading import ImportLimits, Sheet, read_sources
from bot.core.importer.report import ImportReport, Issue
from bot.core.importer.write import _Planner
from bot.core.services import Services


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
