"""The targets, baselines and official-figure sheets."""

from __future__ import annotations

from datetime import date
from typing import Any

from bot.core.importer.columns import COLUMN_NAMES
from bot.core.importer.planner import _text
from bot.core.importer.reading import Sheet
from bot.core.importer.units import _PlannerUnits
from bot.core.org import (
    MAX_VALUE,
    metric_code,
    parse_date,
    parse_int,
)
from storage import org_repo


class _PlannerValues(_PlannerUnits):
    """The targets, baselines and official-figure sheets."""

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

    def _dated_row(self, sh: Sheet, n: int, cells: list[Any], value_column: str, day_column: str
                   ) -> tuple[str, str, date, int] | None:
        """(unit key, metric, day, value) of a row of a dated sheet (baselines, official figures), or None when
        a cell is missing or wrong (each such cell is reported)."""
        key = self.unit_ref(sh.label, n, sh.get(cells, "unit_code"))
        metric = self._metric(sh, n, cells)
        value = self._count(sh, n, cells, value_column)
        raw_day = sh.get(cells, day_column)
        if raw_day is None:
            self.err(sh.label, n, "imp.required", column=COLUMN_NAMES[day_column])
            return None
        day = parse_date(raw_day)
        if day is None:
            self.err(sh.label, n, "imp.bad_date", column=COLUMN_NAMES[day_column], value=_text(raw_day))
            return None
        if day > self.today:
            self.err(sh.label, n, "imp.future_day", day=day)
            return None
        if key is None or metric is None or value is None:
            return None
        return key, metric, day, value

    def _plan_baselines(self, sheets: list[Sheet]) -> None:
        seen: dict[tuple[str, str], tuple[str, int]] = {}
        pending: list[tuple[str, str, date, int]] = []
        for sh in sheets:
            for i, (n, cells) in enumerate(sh.rows):
                self._tick("baselines", i + 1, len(sh.rows))
                row = self._dated_row(sh, n, cells, "value", "as_of")
                if row is None:
                    continue
                key, metric, day, value = row
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
                row = self._dated_row(sh, n, cells, "official", "day")
                if row is None:
                    continue
                key, metric, day, value = row
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
