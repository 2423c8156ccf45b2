"""What recording a report returns (Outcome, LineResult) and the shapes it works with."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from typing import Literal

from storage.models import Unit

Status = Literal[
    "stored",  # lines stored (see .lines)
    "duplicate",  # this exact message revision was stored before: nothing changed
    "not_member",  # reporter not on the roster
    "ignored",  # chatter: say nothing
    "parse_error",  # looks like a report but cannot be read
    "refused",  # unit outside scope, locked day, unknown metric ...
    "confirm",  # implausible: asks to confirm (pending token), nothing stored
    "nothing",  # only "chưa bc" lines, or an edit that removed nothing
    "removed",  # an edit turned the report into chatter: entries removed
    "stale",  # an older revision of a message delivered after a newer one: nothing changed, say nothing
    "ask_share",  # another reporter has a figure for that unit/day: add to it, or the unit's total? (pending)
    "fixed",  # a leader corrected or removed another reporter's figure (/sua)
]

#: a pending confirmation lives this long at most (and never past the end of its day's lock window)
PENDING_TTL = timedelta(hours=24)
SHARE_CHOICES = ("add", "total")
NOTE_MAX = 200


class _PendingTaken(Exception):
    """The pending report was settled by a concurrent press while this one stored it."""


@dataclass
class LineResult:
    unit_id: int
    unit_name: str
    metric: str
    day: date
    old: int | None  # reporter's previous figure for that unit/metric/day
    new: int
    cumulative: int = 0  # unit's cumulative after the change (baseline + reports up to `day`)
    target: int | None = None
    stated_cumulative: int | None = None
    stated_target: int | None = None
    # the unit's figure for that day after the change, by reporter: [(name, value)] (sum = the day total)
    contributors: list[tuple[str, int]] = field(default_factory=list)
    # other reporters' figures this one replaced because it was declared the unit's total: [(name, value)]
    replaced: list[tuple[str, int]] = field(default_factory=list)
    is_today: bool = False
    # the unit's baseline day when this figure's day is on or before it: the baseline already holds it, so
    # the cumulative does not move (cumulative = baseline as of its day + reports strictly after it)
    held_by_baseline: date | None = None

    @property
    def day_total(self) -> int:
        return sum(v for _, v in self.contributors)

    @property
    def pct(self) -> float | None:
        return None if not self.target else 100.0 * self.cumulative / self.target


@dataclass
class Outcome:
    status: Status
    lines: list[LineResult] = field(default_factory=list)
    error_key: str | None = None  # catalog key for refusals
    error_args: dict[str, object] = field(default_factory=dict)
    parse_error: str | None = None  # parser's Vietnamese explanation
    parse_error_code: str | None = None
    pending_token: str | None = None
    reasons: list[str] = field(default_factory=list)  # why a confirmation is asked
    no_report_units: list[str] = field(default_factory=list)
    undo_id: int | None = None  # a report row id the Undo button refers to
    edited: bool = False
    resend: bool = False  # "duplicate" whose confirmation was never sent: `lines` holds it again
    # ask_share: per line, (unit name, metric, day, is it today, the new figure, others' figures [(name, value)])
    share_lines: list[tuple[str, str, date, bool, int, list[tuple[str, int]]]] = field(default_factory=list)
    # fixed: who reported the corrected figure, who corrected it, why; the report message to answer
    reporter_name: str = ""
    fixer_name: str = ""
    note: str = ""
    report_message_id: int | None = None
    today: date | None = None  # the local day the outcome was made on: dates of other years show their year


@dataclass
class _Area:
    """A subtree kept in memory (Database.cached): its active units (detached), their names, and the
    targets and baselines of the whole subtree, so that a report needs no query for them."""

    root: Unit
    names: dict[str, list[Unit]]
    sorted_names: list[str]
    by_id: dict[int, Unit]
    children: dict[int, list[int]]
    targets: dict[tuple[int, str], int]
    baselines: list[tuple[str, str, int, int, date]]
    parents: frozenset[int]  # units with anything below them (active or not)
    _memo: dict[tuple[str, int, str], int | None] = field(default_factory=dict)
    _allowed: dict[str, list[str]] = field(default_factory=dict)

    def target(self, unit_id: int, metric: str) -> int | None:
        """repo.effective_target: the unit's own target, else the sum of its active children's."""
        key = ("t", unit_id, metric)
        if key not in self._memo:
            own = self.targets.get((unit_id, metric))
            if own is None:
                vals = [v for v in (self.target(k, metric) for k in self.children.get(unit_id, [])) if v is not None]
                own = sum(vals) if vals else None
            self._memo[key] = own
        return self._memo[key]

    def baseline(self, unit: Unit, metric: str) -> int:
        """repo.baseline_total: baselines of every unit under `unit` (by path)."""
        key = ("b", unit.id, metric)
        if key not in self._memo:
            self._memo[key] = sum(v for p, m, v, _u, _d in self.baselines if m == metric and p.startswith(unit.path))
        return self._memo[key] or 0

    def names_within(self, path: str) -> list[str]:
        """The names of the area's units inside `path` (a reporter's own subtree), in the area's order."""
        found = self._allowed.get(path)
        if found is None:
            found = self._allowed[path] = [n for n, us in self.names.items()
                                           if any(u.path.startswith(path) for u in us)]
        return found

    def baseline_day(self, unit_id: int, metric: str) -> date | None:
        """The day of the unit's own baseline for the metric (None without one)."""
        return next((d for _p, m, _v, u, d in self.baselines if u == unit_id and m == metric), None)


@dataclass(frozen=True)
class _Scope:
    """A reporter's neighbourhood for name matching: their unit within a cached area."""

    own: Unit
    area: _Area

    @property
    def names(self) -> dict[str, list[Unit]]:
        return self.area.names


@dataclass(frozen=True)
class Planned:
    unit_id: int
    metric: str
    day: date
    mode: str
    value: int
    stated_cumulative: int | None = None
    stated_target: int | None = None
    share: str | None = None  # "add" | "total" once the reporter answered the two-reporter question


_REMOVE_WORDS = frozenset({"xoa", "xóa", "xoá", "huy", "hủy", "delete", "remove"})
_FIX_NUMBER = re.compile(r"^(\d{1,3}(?:\.\d{3})+|\d{1,7})$")


def parse_fix_args(args: str) -> tuple[int | None, str] | None:
    """`/sua 15 [lý do]` -> (15, lý do); `/sua xoa [lý do]` -> (None, lý do); anything else -> None."""
    first, _, rest = args.strip().partition(" ")
    note = " ".join(rest.split())[:NOTE_MAX]
    if first.lower() in _REMOVE_WORDS:
        return None, note
    if _FIX_NUMBER.match(first):
        return int(first.replace(".", "")), note
    return None


def _plan_json(p: Planned) -> dict[str, object]:
    d = asdict(p)
    d["day"] = p.day.isoformat()
    if p.share is None:
        del d["share"]
    return d


def _plan_from_json(d: dict[str, object]) -> Planned:
    return Planned(
        unit_id=int(str(d["unit_id"])), metric=str(d["metric"]), day=date.fromisoformat(str(d["day"])),
        mode=str(d["mode"]), value=int(str(d["value"])),
        stated_cumulative=None if d.get("stated_cumulative") is None else int(str(d["stated_cumulative"])),
        stated_target=None if d.get("stated_target") is None else int(str(d["stated_target"])),
        share=str(d["share"]) if d.get("share") in SHARE_CHOICES else None,
    )
