"""Writing a checked plan (parents first), and the whole plan's order."""

from __future__ import annotations

from collections import defaultdict

from bot.core.importer.planner import _text
from bot.core.importer.reading import Sheet
from bot.core.importer.roster import _PlannerRoster
from bot.core.org import (
    CHILD_KIND,
    default_child_kind,
)
from storage import org_repo
from storage.models import Unit


class _Planner(_PlannerRoster):
    """Writing a checked plan (parents first), and the whole plan's order."""

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
