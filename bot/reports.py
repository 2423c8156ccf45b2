"""Recording reports exactly once: resolve, check, store all lines or none, correct, undo.

Plain Python over storage repositories (DESIGN §4). The handler parses nothing and stores nothing:
it calls `ReportService.submit` / `edit` / `confirm` / `undo` and renders the returned outcome.
"""

from __future__ import annotations

import functools
import re
import secrets
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from datetime import date, datetime, time, timedelta
from typing import Concatenate, Literal, ParamSpec

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot import audit
from bot.access import Caller
from bot.commands import Role
from bot.parsing import ParsedReport, parse_report
from bot.services import Services
from storage import repo, report_repo
from storage.models import Member, PendingReport, Report, Unit

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


P = ParamSpec("P")


def _dated(fn: Callable[Concatenate[ReportService, P], Outcome]) -> Callable[Concatenate[ReportService, P], Outcome]:
    """The outcome of a public ReportService call carries the local day it was made on (for its dates)."""

    @functools.wraps(fn)
    def wrapper(self: ReportService, *args: P.args, **kwargs: P.kwargs) -> Outcome:
        out = fn(self, *args, **kwargs)
        if out.today is None:
            out.today = self.svc.today()
        return out

    return wrapper


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


class ReportService:
    def __init__(self, svc: Services) -> None:
        self.svc = svc

    # ---- parsing against the caller's scope -----------------------------------------------------

    def _scope(self, unit_id: int, unit_path: str | None = None) -> _Scope:
        """The caller's unit and the units whose names the parser may match.

        Names are matched in the caller's neighbourhood (the parent's subtree for a village member),
        so that naming a sibling village is recognised and refused as "outside your scope" rather than
        as an unknown name. Cached (Database.cached: exact for writes made by this process, at most
        CACHE_TTL seconds old for other processes' writes): the parse step runs on every message.
        """
        db = self.svc.db
        ids = [int(x) for x in (unit_path or "").strip("/").split("/") if x.isdigit()]
        if not ids or ids[-1] != unit_id:
            ids = db.cached(("rep.path", unit_id), lambda: self._path_ids(unit_id))
        parents = db.cached(("rep.parents",), self._parent_ids)  # units with active children
        area_id = ids[-2] if len(ids) >= 2 and unit_id not in parents else unit_id
        area = db.cached(("rep.area", area_id), lambda: self._load_area(area_id))
        own = area.by_id.get(unit_id)
        if own is None:  # an inactive own unit
            area = db.cached(("rep.area", unit_id), lambda: self._load_area(unit_id))
            own = area.root
        return _Scope(own, area)

    def _path_ids(self, unit_id: int) -> list[int]:
        with self.svc.db.session() as s:
            own = repo.unit_by_id(s, unit_id)
            assert own is not None
            return [int(x) for x in own.path.strip("/").split("/") if x.isdigit()]

    def _parent_ids(self) -> frozenset[int]:
        with self.svc.db.session() as s:
            return frozenset(repo.parent_ids(s))

    def _load_area(self, area_id: int) -> _Area:
        with self.svc.db.session() as s:
            root = repo.unit_by_id(s, area_id)
            assert root is not None
            everything = repo.subtree(s, root, active_only=False)
            targets = report_repo.targets_under(s, root)
            baselines = report_repo.baselines_under(s, root)
            s.expunge_all()
        units = [u for u in everything if u.active]
        parents = frozenset(u.parent_id for u in everything if u.parent_id is not None)
        names: dict[str, list[Unit]] = {}
        children: dict[int, list[int]] = {}
        for u in units:
            names.setdefault(u.name, []).append(u)
            if u.parent_id is not None:
                children.setdefault(u.parent_id, []).append(u.id)
        by_id = {u.id: u for u in units}
        by_id.setdefault(root.id, root)
        return _Area(root, names, sorted(names), by_id, children, targets, baselines, parents)

    def _metric_codes(self) -> list[str]:
        def load() -> list[str]:
            with self.svc.db.session() as s:
                return [m.code for m in repo.metrics(s)]

        return self.svc.db.cached(("rep.metrics",), load)

    def _target(self, s: Session, unit: Unit, metric: str, area: _Area | None = None) -> int | None:
        if area is not None and unit.id in area.by_id:
            return area.target(unit.id, metric)
        return self.svc.db.cached(("rep.target", unit.id, metric), lambda: repo.effective_target(s, unit, metric))

    def _baseline(self, s: Session, unit: Unit, metric: str, area: _Area | None = None) -> int:
        if area is not None and unit.id in area.by_id:
            return area.baseline(unit, metric)
        return self.svc.db.cached(("rep.baseline", unit.id, metric), lambda: repo.baseline_total(s, unit, metric))

    @staticmethod
    def _reported(s: Session, unit: Unit, metric: str, until: date, area: _Area | None = None) -> int:
        if area is not None and unit.id in area.by_id and unit.id not in area.parents:
            return report_repo.unit_reported_total(s, unit.id, metric, until)  # nothing below it
        return repo.reported_total(s, unit, metric, until=until)

    def parse(self, caller: Caller, text: str, chat_id: str | None = None
              ) -> tuple[ParsedReport, Unit | None, dict[str, list[Unit]]]:
        """The parsed report, the unit a line without a unit name is for, and the names in scope.

        A bare "12" / "hôm nay 6" is for a known unit only: the village of a group bound to one village
        (when the reporter may report for it), else the reporter's own unit when it is a village (a unit
        without units below it); otherwise the parser hints instead of storing a guess."""
        if caller.unit_id is None:
            names: dict[str, list[Unit]] = {}
            return parse_report(text, today=self.svc.today(), units=[]), None, names
        scope = self._scope(caller.unit_id, caller.unit_path)
        from bot.metrics import active_words

        parents = self.svc.db.cached(("rep.parents",), self._parent_ids)
        default = self._chat_village(caller, chat_id, parents, scope.area) or scope.own
        own_path = scope.own.path
        allowed = [n for n, us in scope.area.names.items() if any(u.path.startswith(own_path) for u in us)]
        parsed = parse_report(text, today=self.svc.today(), units=scope.area.sorted_names,
                              metrics=self._metric_codes(), unit_known=default.id not in parents,
                              metric_words=active_words(self.svc.db), lang=caller.language, allowed=allowed)
        return parsed, default, scope.names

    def _chat_village(self, caller: Caller, chat_id: str | None, parents: frozenset[int],
                      area: _Area) -> Unit | None:
        """The village (a unit without units below it) the chat is bound to, if the caller may report for it."""
        if chat_id is None:
            return None
        unit_id = self.svc.db.cached(("rep.chat_unit", caller.channel, chat_id),
                                     lambda: self._bound_unit_id(caller.channel, chat_id))
        if unit_id is None or unit_id in parents or unit_id == caller.unit_id:
            return None
        known = area.by_id.get(unit_id)
        if known is not None:
            return known if caller.within(known) else None
        with self.svc.db.session() as s:
            unit = repo.unit_by_id(s, unit_id)
            if unit is None or not unit.active or not caller.within(unit):
                return None
            s.expunge(unit)
            return unit

    def _bound_unit_id(self, channel: str, chat_id: str) -> int | None:
        with self.svc.db.session() as s:
            chat = repo.chat_by_external(s, channel, chat_id)
            return chat.unit_id if chat is not None and chat.active else None

    # ---- submit / edit / confirm -----------------------------------------------------------------

    @_dated
    def submit(
        self, caller: Caller, chat_id: str, message_id: int, text: str, *, source_rev: int = 0
    ) -> Outcome:
        """A new message (or an edit when rows of the same message exist)."""
        parsed, own, names = self.parse(caller, text, chat_id)
        if parsed.kind == "not_report":
            if source_rev:
                return self._remove_message(caller, chat_id, message_id, source_rev)
            return Outcome("ignored")
        if not caller.on_roster:
            return Outcome("not_member")
        if parsed.kind == "error":
            return Outcome("parse_error", parse_error=parsed.error, parse_error_code=parsed.error_code)
        assert own is not None and parsed.day is not None
        plan: list[Planned] = []
        skipped: list[str] = []
        default_metric = self.svc.settings.default_metric
        for line in parsed.lines:
            if line.unit is None:
                unit = own
            else:
                cands = names.get(line.unit, [])
                inside = [u for u in cands if caller.within(u)]
                if not inside:
                    return Outcome("refused", error_key="rep.out_of_scope", error_args={"unit": line.unit})
                if len(inside) > 1:
                    return Outcome("refused", error_key="rep.ambiguous", error_args={"unit": line.unit})
                unit = inside[0]
            if line.no_report:
                skipped.append(unit.name)
                continue
            if line.value is None:
                return Outcome("parse_error", parse_error=None, parse_error_code="no_value")
            plan.append(
                Planned(unit.id, line.metric or default_metric, parsed.day, line.mode, line.value,
                        line.cumulative, line.target)
            )
        if not plan:
            return Outcome("nothing", no_report_units=skipped)
        refusal = self._check_day(caller, parsed.day)
        if refusal:
            return refusal
        area = self._scope(caller.unit_id, caller.unit_path).area if caller.unit_id is not None else None
        return self._store(caller, chat_id, message_id, source_rev, text, plan, confirmed=False,
                           skipped=skipped, area=area)

    def _check_day(self, caller: Caller, day: date) -> Outcome | None:
        today = self.svc.today()
        if day > today:
            return Outcome("refused", error_key="rep.future_day", error_args={"day": day})
        lock = self.svc.settings.lock_days
        if (today - day).days > lock and not caller.has_role(Role.ADMIN):
            return Outcome("refused", error_key="rep.locked_day", error_args={"day": day, "days": lock})
        return None

    def _store(
        self,
        caller: Caller,
        chat_id: str,
        message_id: int,
        source_rev: int,
        text: str,
        plan: list[Planned],
        *,
        confirmed: bool,
        skipped: list[str] | None = None,
        area: _Area | None = None,
        pending_token: str | None = None,
    ) -> Outcome:
        assert caller.member_id is not None
        ch = caller.channel
        now = self.svc.clock()
        known = set(self._metric_codes())
        for p in plan:
            if p.metric not in known:
                return Outcome("refused", error_key="rep.unknown_metric", error_args={"metric": p.metric})
        try:
            with self.svc.db.session() as s:
                # one query: was this revision of the message stored (by anyone), and the reporter's rows
                of_message = repo.rows_of_message(s, ch, chat_id, message_id)
                if any(r.source_rev == source_rev for r in of_message):
                    return self._replay(s, caller, of_message, source_rev, area)
                # an older revision delivered after a newer one (edits out of order): the newest edit wins
                newest = max([r.source_rev for r in of_message]
                             + report_repo.pending_revs_of_message(s, ch, chat_id, message_id), default=-1)
                if source_rev < newest:
                    return Outcome("stale")
                previous = [r for r in of_message if r.reporter_id == caller.member_id
                            and r.superseded_at is None and r.deleted_at is None]
                edited = bool(previous) or source_rev > 0

                staged = self._stage(s, caller.member_id, chat_id, message_id, plan)
                # another reporter already has a figure for that unit/metric/day and this reporter none:
                # never guess whether this one adds to it or is the unit's whole total — ask, store nothing
                shares = []
                # the other reporters' figures per line (also the confirmation's "who contributed")
                others_of = [[(n, v) for _, n, v in report_repo.day_contributions(s, p.unit_id, p.metric, p.day,
                                                                                  exclude=caller.member_id)]
                             for p, _cur, _old, _new in staged]
                for (p, cur, _old, new), others in zip(staged, others_of, strict=True):
                    if p.share is None and cur is None and others:
                        unit = self._unit(s, p.unit_id, area)
                        shares.append((unit.name, p.metric, p.day, p.day == self.svc.today(), new, others))
                if shares:
                    token = self._new_pending(s, caller, chat_id, message_id, source_rev, text, plan, "share",
                                              pending_token)
                    return Outcome("ask_share", pending_token=token, share_lines=shares, edited=edited)
                done: dict[int, int] = {}  # staged index -> unit's cumulative before the change
                if not confirmed:
                    # a unit's total replaces the others' figures: it is checked against the rest without them
                    checked = [(p, cur, sum(v for _, v in others) if p.share == "total" and cur is None else old, new)
                               for (p, cur, old, new), others in zip(staged, others_of, strict=True)]
                    reasons = self._implausible(s, checked, area, done)
                    if reasons:
                        token = self._new_pending(s, caller, chat_id, message_id, source_rev, text, plan,
                                                  "implausible", pending_token)
                        return Outcome("confirm", pending_token=token, reasons=reasons)
                retracted = self._retract_dropped(s, previous, plan, now)
                # one line, nothing else changed: the cumulative follows from the one computed before
                shortcut = len(staged) == 1 and not retracted and all(p.share != "total" for p in plan)
                results: list[LineResult] = []
                for i, (p, cur, old, new) in enumerate(staged):
                    rev = 1
                    if cur is not None:
                        if cur.message_id == message_id and cur.chat_id == chat_id:
                            rev = cur.revision + 1
                        cur.superseded_at = now
                        s.flush()
                    row = Report(
                        unit_id=p.unit_id, metric=p.metric, day=p.day, value=new, reporter_id=caller.member_id,
                        channel=ch, chat_id=chat_id, message_id=message_id, source_rev=source_rev,
                        revision=rev, replaces_id=cur.id if cur is not None else None, raw_text=text[:4096],
                        created_at=now,
                    )
                    s.add(row)
                    s.flush()
                    replaced: list[tuple[str, int]] = []
                    if p.share == "total" and cur is None:
                        # the unit's whole total: it replaces the other reporters' figures for that day (kept
                        # in the history, brought back if this figure is undone)
                        replaced = report_repo.supersede_others(s, row, now)
                    cumulative = self._known_cumulative(s, p, area, done.get(i), old, new) if shortcut else None
                    contributors = [*(others_of[i] if not replaced else []), (caller.name, new)]
                    results.append(self._line_result(s, p, old, new, area, cumulative, replaced=replaced,
                                                     contributors=contributors))
                undo_id = row.id
                if pending_token is not None and not report_repo.take_pending(s, pending_token):
                    raise _PendingTaken  # confirmed (or cancelled) meanwhile by another press: roll back
            return Outcome("stored", lines=results, no_report_units=skipped or [], undo_id=undo_id,
                           edited=edited)
        except _PendingTaken:
            return Outcome("refused", error_key="rep.pending_gone")
        except IntegrityError:
            # a concurrent delivery of the same message won the race: nothing of ours was stored
            return Outcome("duplicate")

    @staticmethod
    def _stage(s: Session, reporter_id: int, chat_id: str, message_id: int,
               plan: list[Planned]) -> list[tuple[Planned, Report | None, int | None, int]]:
        """Per line: (the line, the reporter's current row, its value, the value after the change)."""
        staged: list[tuple[Planned, Report | None, int | None, int]] = []
        for p in plan:
            cur = repo.current_row(s, reporter_id, p.unit_id, p.metric, p.day)
            base_row = cur
            if cur is not None and cur.message_id == message_id and cur.chat_id == chat_id:
                base_row = report_repo.origin_replaced(s, cur)  # what this message replaced
            old = cur.value if cur is not None else None
            base = base_row.value if base_row is not None else 0
            new = base + p.value if p.mode == "add" else p.value
            staged.append((p, cur, old, new))
        return staged

    @staticmethod
    def _retract_dropped(s: Session, previous: list[Report], plan: list[Planned], now: datetime) -> bool:
        """An edit drops the entries the new text no longer names; True when it dropped any."""
        keys = {(p.unit_id, p.metric, p.day) for p in plan}
        retracted = False
        for row in previous:
            if (row.unit_id, row.metric, row.day) not in keys:
                report_repo.retract(s, row, now)
                retracted = True
        return retracted

    def _replay(self, s: Session, caller: Caller, of_message: list[Report], source_rev: int,
                area: _Area | None) -> Outcome:
        """This revision of the message was stored before (a re-delivered update). Nothing changes.
        If its confirmation was never sent (a crash between storing and replying, or the reply failed),
        the duplicate carries the confirmation again (`resend`, `lines`); otherwise it is silent."""
        rows = [r for r in of_message if r.source_rev == source_rev]
        mine = [r for r in rows if r.reporter_id == caller.member_id]
        if (not mine or any(r.reply_message_id is not None for r in rows)
                or any(r.superseded_at is not None or r.deleted_at is not None for r in mine)):
            return Outcome("duplicate")
        results = []
        for r in mine:
            replaced = s.get(Report, r.replaces_id) if r.replaces_id else None
            p = Planned(r.unit_id, r.metric, r.day, "set", r.value)
            results.append(self._line_result(s, p, replaced.value if replaced else None, r.value, area))
        return Outcome("duplicate", lines=results, undo_id=mine[-1].id, edited=source_rev > 0, resend=True)

    @staticmethod
    def _unit(s: Session, unit_id: int, area: _Area | None = None) -> Unit:
        unit = (area.by_id.get(unit_id) if area is not None else None) or repo.unit_by_id(s, unit_id)
        assert unit is not None
        return unit

    def _implausible(self, s: Session, staged: list[tuple[Planned, Report | None, int | None, int]],
                     area: _Area | None = None, done_out: dict[int, int] | None = None) -> list[str]:
        reasons: list[str] = []
        limit = self.svc.settings.max_daily_value
        for i, (p, _cur, old, new) in enumerate(staged):
            unit = self._unit(s, p.unit_id, area)
            if new > limit:
                reasons.append(f"over_limit:{unit.name}:{new}:{limit}")
                continue
            target = self._target(s, unit, p.metric, area)
            if target is not None:
                done = self._baseline(s, unit, p.metric, area) + self._reported(s, unit, p.metric, p.day, area)
                if done_out is not None:
                    done_out[i] = done
                remaining = max(target - (done - (old or 0)), 0)
                if new > remaining:
                    reasons.append(f"over_target:{unit.name}:{new}:{remaining}")
        return reasons

    def _line_result(self, s: Session, p: Planned, old: int | None, new: int,
                     area: _Area | None = None, cumulative: int | None = None, *,
                     replaced: list[tuple[str, int]] | None = None,
                     contributors: list[tuple[str, int]] | None = None) -> LineResult:
        unit = self._unit(s, p.unit_id, area)
        if cumulative is None:
            cumulative = self._baseline(s, unit, p.metric, area) + self._reported(s, unit, p.metric, p.day, area)
        if contributors is None:
            contributors = [(n, v) for _, n, v in report_repo.day_contributions(s, unit.id, p.metric, p.day)]
        return LineResult(
            unit_id=unit.id, unit_name=unit.name, metric=p.metric, day=p.day, old=old, new=new,
            cumulative=cumulative, target=self._target(s, unit, p.metric, area),
            stated_cumulative=p.stated_cumulative, stated_target=p.stated_target,
            contributors=contributors, replaced=replaced or [], is_today=p.day == self.svc.today(),
            held_by_baseline=self._held_by_baseline(s, unit, p, area),
        )

    def _known_cumulative(self, s: Session, p: Planned, area: _Area | None, before: int | None, old: int | None,
                          new: int) -> int | None:
        """The unit's cumulative after this one change, from the one computed before it (None: recompute).
        A figure on or before its unit's baseline day does not move the cumulative (the baseline holds it)."""
        if before is None or self._held_by_baseline(s, self._unit(s, p.unit_id, area), p, area):
            return None
        return before - (old or 0) + new

    @staticmethod
    def _held_by_baseline(s: Session, unit: Unit, p: Planned, area: _Area | None) -> date | None:
        as_of = area.baseline_day(unit.id, p.metric) if area is not None and unit.id in area.by_id \
            else report_repo.baseline_day(s, unit.id, p.metric)
        return as_of if as_of is not None and p.day <= as_of else None

    def _new_pending(self, s: Session, caller: Caller, chat_id: str, message_id: int, source_rev: int, text: str,
                     plan: list[Planned], ask: str, answered: str | None) -> str:
        """Store a question (nothing else); the pending it answers, if any, is settled in the same transaction."""
        assert caller.member_id is not None
        if answered is not None and not report_repo.take_pending(s, answered):
            raise _PendingTaken
        token = secrets.token_urlsafe(12)
        s.add(PendingReport(
            token=token, reporter_id=caller.member_id, channel=caller.channel, chat_id=chat_id,
            message_id=message_id, source_rev=source_rev, created_at=self.svc.clock(),
            payload={"text": text[:4096], "plan": [_plan_json(p) for p in plan], "ask": ask},
        ))
        return token

    def _pending_deadline(self, created_at: datetime, days: list[date], caller: Caller) -> datetime:
        """A pending confirmation expires after PENDING_TTL, and for non-admins at the end of the lock
        window of its (earliest) day: pressing it later could only store into a locked day."""
        deadline = created_at + PENDING_TTL
        if days and not caller.has_role(Role.ADMIN):
            tz = self.svc.settings.tz
            last_open = min(days) + timedelta(days=self.svc.settings.lock_days + 1)
            deadline = min(deadline, datetime.combine(last_open, time(0), tz))
        return deadline

    @_dated
    def confirm(self, caller: Caller, token: str, *, accept: bool, share: str | None = None) -> Outcome:
        """Answer a pending question: «Xác nhận» of an implausible figure (accept), or for the two-reporter
        question `share` = "add" (adds to the others' figures) / "total" (is the unit's whole total).
        Role, scope and the lock are checked again: the button may be pressed long after it was sent."""
        with self.svc.db.session() as s:
            pending = report_repo.pending_by_token(s, token)
            if pending is None or pending.status != "pending":
                return Outcome("refused", error_key="rep.pending_gone")
            if caller.member_id is None:
                return Outcome("not_member")
            if pending.reporter_id != caller.member_id:
                return Outcome("refused", error_key="rep.not_yours")
            if not accept:
                pending.status = "cancelled"
                return Outcome("nothing")
            payload = pending.payload
            ask = str(payload.get("ask", "implausible"))
            if ask == "share" and share not in SHARE_CHOICES:
                return Outcome("refused", error_key="rep.share_choose")
            if ask != "share" and share is not None:
                return Outcome("refused", error_key="rep.share_not_asked")
            plan = [_plan_from_json(d) for d in payload["plan"]]
            if self.svc.clock() >= self._pending_deadline(pending.created_at, [p.day for p in plan], caller):
                pending.status = "expired"
                return Outcome("refused", error_key="rep.pending_expired")
            refusal = self._recheck(s, caller, plan)
            if refusal is not None:
                pending.status = "expired"
                return refusal
            chat_id, message_id, rev = pending.chat_id, pending.message_id, pending.source_rev
        if ask == "share":
            plan = [replace(p, share=share) for p in plan]
        # the pending row becomes "confirmed" in the transaction that stores the report (all or nothing:
        # a database drop mid-confirm leaves it pending, nothing stored); if nothing is stored it stays pending
        out = self._store(caller, chat_id, message_id, rev, str(payload.get("text", "")), plan,
                          confirmed=ask != "share", pending_token=token)
        if out.status == "stale":  # a newer revision of the message was stored meanwhile: this one never will be
            with self.svc.db.session() as s:
                pending2 = report_repo.pending_by_token(s, token)
                if pending2 is not None and pending2.status == "pending":
                    pending2.status = "expired"
            return Outcome("refused", error_key="rep.pending_stale")
        return out

    def _recheck(self, s: Session, caller: Caller, plan: list[Planned]) -> Outcome | None:
        """The caller may still report every line: units active and inside their (current) scope, days open."""
        for p in plan:
            unit = repo.unit_by_id(s, p.unit_id)
            if unit is None or not unit.active or not caller.within(unit):
                return Outcome("refused", error_key="rep.out_of_scope",
                               error_args={"unit": unit.name if unit is not None else "?"})
        for d in sorted({p.day for p in plan}):
            refusal = self._check_day(caller, d)
            if refusal is not None:
                return refusal
        return None

    @_dated
    def edit(self, caller: Caller, chat_id: str, message_id: int, text: str, edit_date: int) -> Outcome:
        return self.submit(caller, chat_id, message_id, text, source_rev=max(edit_date, 1))

    def _remove_message(self, caller: Caller, chat_id: str, message_id: int, source_rev: int) -> Outcome:
        if caller.member_id is None:
            return Outcome("ignored")
        ch = caller.channel
        with self.svc.db.session() as s:
            revs = [r.source_rev for r in repo.rows_of_message(s, ch, chat_id, message_id)]
            asked = report_repo.pending_revs_of_message(s, ch, chat_id, message_id)
            if source_rev < max(revs + asked, default=-1):
                return Outcome("ignored")  # an older edit than one already handled: the newest wins
            if source_rev not in asked:
                # remember this revision: an older edit delivered after it must not bring the figure back
                s.add(PendingReport(token=secrets.token_urlsafe(12), reporter_id=caller.member_id, channel=ch,
                                    chat_id=chat_id, message_id=message_id, source_rev=source_rev,
                                    payload={"ask": "removed"}, status="removed", created_at=self.svc.clock()))
            rows = report_repo.current_rows_of_message(s, ch, chat_id, message_id, caller.member_id)
            if not rows:
                return Outcome("ignored")
            results = self._retract_all(s, rows)
        return Outcome("removed", lines=results)

    def _retract_all(self, s: Session, rows: list[Report]) -> list[LineResult]:
        now = self.svc.clock()
        results = []
        for row in rows:
            report_repo.retract(s, row, now)
        s.flush()
        for row in rows:
            restored = report_repo.current_value(s, row.reporter_id, row.unit_id, row.metric, row.day)
            p = Planned(row.unit_id, row.metric, row.day, "set", restored or 0)
            results.append(self._line_result(s, p, row.value, restored or 0))
        return results

    # ---- leaders correct others' reports (/sua) -----------------------------------------------------

    @_dated
    def fix(self, caller: Caller, chat_id: str, message_id: int, args: str) -> Outcome:
        """A leader/admin corrects (`/sua 15 [lý do]`) or removes (`/sua xoa [lý do]`) the figure of the
        report message `message_id` (the member's message, or the bot's confirmation of it) in this chat.
        Within the caller's scope and the lock window (admins beyond it). The correction is a new revision
        of the reporter's own figure (it stays theirs), marked with who changed it and why."""
        parsed = parse_fix_args(args)
        if parsed is None:
            return Outcome("refused", error_key="rep.fix_usage")
        value, note = parsed
        limit = self.svc.settings.max_daily_value
        if value is not None and value > limit:
            return Outcome("refused", error_key="rep.fix_too_big", error_args={"limit": limit})
        if caller.member_id is None and not caller.global_admin:
            return Outcome("not_member")
        if not caller.has_role(Role.LEADER):
            return Outcome("refused", error_key="rep.fix_role")
        now = self.svc.clock()
        with self.svc.db.session() as s:
            rows = report_repo.current_rows_answering(s, caller.channel, chat_id, message_id)
            if not rows:
                return Outcome("refused", error_key="rep.fix_nothing")
            if value is not None and len(rows) > 1:
                return Outcome("refused", error_key="rep.fix_many", error_args={"count": len(rows)})
            for r in rows:
                unit = self._unit(s, r.unit_id)
                if not caller.within(unit):
                    return Outcome("refused", error_key="rep.out_of_scope", error_args={"unit": unit.name})
            for d in sorted({r.day for r in rows}):
                refusal = self._check_day(caller, d)
                if refusal is not None:
                    return refusal
            reporter = s.get(Member, rows[0].reporter_id)
            reporter_name = reporter.display_name if reporter is not None else "?"
            first = rows[0]
            if value is None:
                for r in rows:
                    r.changed_by_id, r.note = caller.member_id, note or None
                results = self._retract_all(s, rows)
            else:
                if first.value == value:
                    return Outcome("refused", error_key="rep.fix_same", error_args={"value": value})
                revs = [r.source_rev for r in repo.rows_of_message(s, first.channel, first.chat_id,
                                                                   first.message_id)]
                first.superseded_at = now
                s.flush()
                row = Report(
                    unit_id=first.unit_id, metric=first.metric, day=first.day, value=value,
                    reporter_id=first.reporter_id, channel=first.channel, chat_id=first.chat_id,
                    message_id=first.message_id, source_rev=max([int(now.timestamp()), *[r + 1 for r in revs]]),
                    revision=first.revision + 1, replaces_id=first.id, raw_text=f"/sua {args}"[:4096],
                    reply_message_id=first.reply_message_id, created_at=now, changed_by_id=caller.member_id,
                    note=note or None,
                )
                s.add(row)
                s.flush()
                p = Planned(first.unit_id, first.metric, first.day, "set", value)
                results = [self._line_result(s, p, first.value, value)]
            report_message_id = int(first.message_id)
        for line in results:
            audit.record(self.svc, caller, "report.remove" if value is None else "report.fix",
                         unit_id=line.unit_id, before={"số": line.old},
                         after={"số": line.new, "người báo": reporter_name, "ngày": line.day.strftime("%d/%m/%Y"),
                                "lý do": note or "–"})
        return Outcome("fixed", lines=results, reporter_name=reporter_name, fixer_name=caller.name, note=note,
                       report_message_id=report_message_id, edited=value is not None)

    # ---- undo --------------------------------------------------------------------------------------

    @_dated
    def undo(self, caller: Caller, report_id: int | None = None) -> Outcome:
        """Remove the caller's last report (or the one the Undo button names); history is kept."""
        if caller.member_id is None:
            return Outcome("not_member")
        with self.svc.db.session() as s:
            if report_id is None:
                last = repo.last_message_of(s, caller.member_id)
            else:
                last = s.get(Report, report_id)
                if last is not None and last.reporter_id != caller.member_id:
                    return Outcome("refused", error_key="rep.not_yours")
            if last is None:
                return Outcome("refused", error_key="rep.nothing_to_undo")
            rows = report_repo.current_rows_of_message(s, last.channel, last.chat_id, last.message_id,
                                                       caller.member_id)
            if not rows:
                return Outcome("refused", error_key="rep.nothing_to_undo")
            day = rows[0].day
            refusal = self._check_day(caller, day)
            if refusal:
                return refusal
            results = self._retract_all(s, rows)
        return Outcome("removed", lines=results)

    def set_reply(self, undo_id: int | None, reply_message_id: int) -> None:
        if undo_id is None:
            return
        with self.svc.db.session() as s:
            report_repo.set_reply_id(s, undo_id, reply_message_id)


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

