"""Recording reports exactly once: resolve, check, store all lines or none, correct, undo.

Plain Python over storage repositories (DESIGN §4). The handler parses nothing and stores nothing:
it calls `ReportService.submit` / `edit` / `confirm` / `undo` and renders the returned outcome.
"""

from __future__ import annotations

import secrets
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Literal

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.access import Caller
from bot.commands import Role
from bot.parsing import ParsedReport, parse_report
from bot.services import Services
from storage import repo, report_repo
from storage.models import PendingReport, Report, Unit

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
]


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


@dataclass(frozen=True)
class Planned:
    unit_id: int
    metric: str
    day: date
    mode: str
    value: int
    stated_cumulative: int | None = None
    stated_target: int | None = None


class ReportService:
    def __init__(self, svc: Services) -> None:
        self.svc = svc

    # ---- parsing against the caller's scope -----------------------------------------------------

    def _scope_units(self, s: Session, caller: Caller) -> tuple[Unit, list[Unit]]:
        """The caller's unit and the units whose names the parser may match.

        Names are matched in the caller's neighbourhood (the parent's subtree for a village member),
        so that naming a sibling village is recognised and refused as "outside your scope" rather than
        as an unknown name.
        """
        assert caller.unit_id is not None
        own = repo.unit_by_id(s, caller.unit_id)
        assert own is not None
        area = own
        if own.parent_id is not None and not repo.children(s, own):
            parent = repo.unit_by_id(s, own.parent_id)
            area = parent or own
        return own, repo.subtree(s, area)

    def parse(self, caller: Caller, text: str) -> tuple[ParsedReport, Unit | None, dict[str, list[Unit]]]:
        with self.svc.db.session() as s:
            if caller.unit_id is None:
                names: dict[str, list[Unit]] = {}
                return parse_report(text, today=self.svc.today(), units=[]), None, names
            own, units = self._scope_units(s, caller)
            names = {}
            for u in units:
                names.setdefault(u.name, []).append(u)
            metrics = [m.code for m in repo.metrics(s)]
            s.expunge_all()
        parsed = parse_report(text, today=self.svc.today(), units=sorted(names), metrics=metrics)
        return parsed, own, names

    # ---- submit / edit / confirm -----------------------------------------------------------------

    def submit(
        self, caller: Caller, chat_id: str, message_id: int, text: str, *, source_rev: int = 0
    ) -> Outcome:
        """A new message (or an edit when rows of the same message exist)."""
        parsed, own, names = self.parse(caller, text)
        if parsed.kind == "not_report":
            if source_rev:
                return self._remove_message(caller, chat_id, message_id)
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
        return self._store(caller, chat_id, message_id, source_rev, text, plan, confirmed=False,
                           skipped=skipped)

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
    ) -> Outcome:
        assert caller.member_id is not None
        ch = caller.channel
        now = self.svc.clock()
        try:
            with self.svc.db.session() as s:
                if repo.message_seen(s, ch, chat_id, message_id, source_rev):
                    return Outcome("duplicate")
                known = {m.code for m in repo.metrics(s)}
                for p in plan:
                    if p.metric not in known:
                        return Outcome("refused", error_key="rep.unknown_metric", error_args={"metric": p.metric})
                previous = report_repo.current_rows_of_message(s, ch, chat_id, message_id, caller.member_id)
                edited = bool(previous) or source_rev > 0
                # values after the change
                staged: list[tuple[Planned, Report | None, int | None, int]] = []
                for p in plan:
                    cur = repo.current_row(s, caller.member_id, p.unit_id, p.metric, p.day)
                    base_row = cur
                    if cur is not None and cur.message_id == message_id and cur.chat_id == chat_id:
                        base_row = report_repo.origin_replaced(s, cur)  # what this message replaced
                    old = cur.value if cur is not None else None
                    base = base_row.value if base_row is not None else 0
                    new = base + p.value if p.mode == "add" else p.value
                    staged.append((p, cur, old, new))
                if not confirmed:
                    reasons = self._implausible(s, staged)
                    if reasons:
                        token = secrets.token_urlsafe(12)
                        s.add(PendingReport(
                            token=token, reporter_id=caller.member_id, channel=ch, chat_id=chat_id,
                            message_id=message_id, source_rev=source_rev,
                            payload={"text": text[:4096], "plan": [_plan_json(p) for p in plan]},
                        ))
                        return Outcome("confirm", pending_token=token, reasons=reasons)
                # an edit drops the entries the new text no longer names
                keys = {(p.unit_id, p.metric, p.day) for p in plan}
                for row in previous:
                    if (row.unit_id, row.metric, row.day) not in keys:
                        report_repo.retract(s, row, now)
                results: list[LineResult] = []
                for p, cur, old, new in staged:
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
                    results.append(self._line_result(s, p, old, new))
                undo_id = row.id
            return Outcome("stored", lines=results, no_report_units=skipped or [], undo_id=undo_id,
                           edited=edited)
        except IntegrityError:
            # a concurrent delivery of the same message won the race: nothing of ours was stored
            return Outcome("duplicate")

    def _implausible(self, s: Session, staged: list[tuple[Planned, Report | None, int | None, int]]) -> list[str]:
        reasons: list[str] = []
        limit = self.svc.settings.max_daily_value
        for p, _cur, old, new in staged:
            unit = repo.unit_by_id(s, p.unit_id)
            assert unit is not None
            if new > limit:
                reasons.append(f"over_limit:{unit.name}:{new}:{limit}")
                continue
            target = repo.effective_target(s, unit, p.metric)
            if target is not None:
                done = repo.baseline_total(s, unit, p.metric) + repo.reported_total(s, unit, p.metric, until=p.day)
                remaining = max(target - (done - (old or 0)), 0)
                if new > remaining:
                    reasons.append(f"over_target:{unit.name}:{new}:{remaining}")
        return reasons

    def _line_result(self, s: Session, p: Planned, old: int | None, new: int) -> LineResult:
        unit = repo.unit_by_id(s, p.unit_id)
        assert unit is not None
        cumulative = repo.baseline_total(s, unit, p.metric) + repo.reported_total(s, unit, p.metric, until=p.day)
        return LineResult(
            unit_id=unit.id, unit_name=unit.name, metric=p.metric, day=p.day, old=old, new=new,
            cumulative=cumulative, target=repo.effective_target(s, unit, p.metric),
            stated_cumulative=p.stated_cumulative, stated_target=p.stated_target,
        )

    def confirm(self, caller: Caller, token: str, *, accept: bool) -> Outcome:
        with self.svc.db.session() as s:
            pending = report_repo.pending_by_token(s, token)
            if pending is None or pending.status != "pending":
                return Outcome("refused", error_key="rep.pending_gone")
            if pending.reporter_id != caller.member_id:
                return Outcome("refused", error_key="rep.not_yours")
            pending.status = "confirmed" if accept else "cancelled"
            chat_id, message_id, rev = pending.chat_id, pending.message_id, pending.source_rev
            payload = pending.payload
        if not accept:
            return Outcome("nothing")
        plan = [_plan_from_json(d) for d in payload["plan"]]
        out = self._store(caller, chat_id, message_id, rev, str(payload.get("text", "")), plan, confirmed=True)
        if out.status != "stored":
            with self.svc.db.session() as s:  # give the reporter another chance later
                pending2 = report_repo.pending_by_token(s, token)
                if pending2 is not None:
                    pending2.status = "pending"
        return out

    def edit(self, caller: Caller, chat_id: str, message_id: int, text: str, edit_date: int) -> Outcome:
        return self.submit(caller, chat_id, message_id, text, source_rev=max(edit_date, 1))

    def _remove_message(self, caller: Caller, chat_id: str, message_id: int) -> Outcome:
        if caller.member_id is None:
            return Outcome("ignored")
        with self.svc.db.session() as s:
            rows = report_repo.current_rows_of_message(s, caller.channel, chat_id, message_id, caller.member_id)
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

    # ---- undo --------------------------------------------------------------------------------------

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


def _plan_json(p: Planned) -> dict[str, object]:
    d = asdict(p)
    d["day"] = p.day.isoformat()
    return d


def _plan_from_json(d: dict[str, object]) -> Planned:
    return Planned(
        unit_id=int(str(d["unit_id"])), metric=str(d["metric"]), day=date.fromisoformat(str(d["day"])),
        mode=str(d["mode"]), value=int(str(d["value"])),
        stated_cumulative=None if d.get("stated_cumulative") is None else int(str(d["stated_cumulative"])),
        stated_target=None if d.get("stated_target") is None else int(str(d["stated_target"])),
    )

