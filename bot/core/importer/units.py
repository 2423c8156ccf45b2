"""The units sheet: codes, names, parents within scope, kinds, no cycle, sibling names."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from bot.core.importer.columns import COLUMN_NAMES
from bot.core.importer.planner import _look_alike_of, _PlannerBase, _text, _UnitRow
from bot.core.importer.reading import Sheet
from bot.core.names import clean as clean_name
from bot.core.org import (
    CODE_RE,
    MAX_NAME,
    canonical_kind,
)
from storage import org_repo
from storage.models import Unit


class _PlannerUnits(_PlannerBase):
    """The units sheet: codes, names, parents within scope, kinds, no cycle, sibling names."""

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
        """Every unit's kind fits under its parent's (bot.core.tree: province > commune > village)."""
        from bot.core.tree import kind_allowed, kind_error_args

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
        from bot.core.parsing import normalize

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
