"""Checking every row against the database and the caller's scope before anything is written."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, time
from typing import Any

from sqlalchemy.orm import Session

from bot.config import Settings
from bot.core.access import Caller
from bot.core.commands import Role
from bot.core.importer.columns import COLUMN_NAMES, KINDS
from bot.core.importer.reading import Sheet
from bot.core.importer.report import Counts, Issue
from bot.core.names import look_alike
from bot.core.org import (
    parse_int,
)
from storage import org_repo
from storage.models import Baseline, Chat, Member, Target, Unit

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


class _PlannerBase:
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
