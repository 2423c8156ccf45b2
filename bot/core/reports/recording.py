"""Recording reports: submit, edit, confirm — all lines of a message or none, exactly once."""

from __future__ import annotations

import secrets
from dataclasses import replace
from datetime import date, datetime, time, timedelta

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.core.access import Caller
from bot.core.commands import Role
from bot.core.reports.base import _Base, _dated
from bot.core.reports.model import (
    PENDING_TTL,
    SHARE_CHOICES,
    LineResult,
    Outcome,
    Planned,
    _Area,
    _PendingTaken,
    _plan_from_json,
    _plan_json,
)
from storage import repo, report_repo
from storage.models import PendingReport, Report, Unit


class _Recording(_Base):
    """Submit, edit, confirm: every line of a message stored exactly once, or none."""

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
                if len(plan) == 1:  # the usual report: its first reads in one round trip
                    p0 = plan[0]
                    report_repo.read_ahead(s, ch, chat_id, message_id, p0.unit_id, p0.metric, p0.day)
                # one query: the revisions of this message stored or asked about (a new message: none); then
                # only if there are any, its rows: was this revision stored (by anyone), the reporter's rows
                stored_revs, asked_revs = report_repo.revisions_of_message(s, ch, chat_id, message_id)
                of_message = repo.rows_of_message(s, ch, chat_id, message_id) if stored_revs else []
                if any(r.source_rev == source_rev for r in of_message):
                    return self._replay(s, caller, of_message, source_rev, area)
                # an older revision delivered after a newer one (edits out of order): the newest edit wins
                newest = max([r.source_rev for r in of_message] + asked_revs, default=-1)
                if source_rev < newest:
                    return Outcome("stale")
                previous = [r for r in of_message if r.reporter_id == caller.member_id
                            and r.superseded_at is None and r.deleted_at is None]
                edited = bool(previous) or source_rev > 0

                # per line: the reporter's current row and the other reporters' figures (also the
                # confirmation's "who contributed"), from one statement
                staged, others_of = self._stage(s, caller.member_id, chat_id, message_id, plan)
                # another reporter already has a figure for that unit/metric/day and this reporter none:
                # never guess whether this one adds to it or is the unit's whole total — ask, store nothing
                shares = []
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
                    undo_id = report_repo.insert_report(
                        s, unit_id=p.unit_id, metric=p.metric, day=p.day, value=new, reporter_id=caller.member_id,
                        channel=ch, chat_id=chat_id, message_id=message_id, source_rev=source_rev,
                        revision=rev, replaces_id=cur.id if cur is not None else None, raw_text=text[:4096],
                        created_at=now,
                    )
                    replaced: list[tuple[str, int]] = []
                    if p.share == "total" and cur is None:
                        # the unit's whole total: it replaces the other reporters' figures for that day (kept
                        # in the history, brought back if this figure is undone)
                        row = s.get(Report, undo_id)
                        assert row is not None
                        replaced = report_repo.supersede_others(s, row, now)
                    cumulative = self._known_cumulative(s, p, area, done.get(i), old, new) if shortcut else None
                    contributors = [*(others_of[i] if not replaced else []), (caller.name, new)]
                    results.append(self._line_result(s, p, old, new, area, cumulative, replaced=replaced,
                                                     contributors=contributors))
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
    def _stage(s: Session, reporter_id: int, chat_id: str, message_id: int, plan: list[Planned]
               ) -> tuple[list[tuple[Planned, Report | None, int | None, int]], list[list[tuple[str, int]]]]:
        """Per line: (the line, the reporter's current row, its value, the value after the change), and the
        other reporters' current figures [(name, value)]."""
        staged: list[tuple[Planned, Report | None, int | None, int]] = []
        others_of: list[list[tuple[str, int]]] = []
        for p in plan:
            rows = report_repo.day_rows(s, p.unit_id, p.metric, p.day)
            own = [row_id for reporter, _n, _v, row_id in rows if reporter == reporter_id]
            others_of.append([(n, v) for reporter, n, v, _id in rows if reporter != reporter_id])
            cur = s.get(Report, own[0]) if own else None  # at most one current row per reporter
            base_row = cur
            if cur is not None and cur.message_id == message_id and cur.chat_id == chat_id:
                base_row = report_repo.origin_replaced(s, cur)  # what this message replaced
            old = cur.value if cur is not None else None
            base = base_row.value if base_row is not None else 0
            new = base + p.value if p.mode == "add" else p.value
            staged.append((p, cur, old, new))
        return staged, others_of

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
        behind = self.svc.db.behind
        if (not mine or any(r.reply_message_id is not None or behind.reply_of(r.id) is not None for r in rows)
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
            # a one-line report's cumulative follows from this one (`_known_cumulative`), target or not
            if target is None and (done_out is None or len(staged) > 1):
                continue
            done = self._baseline(s, unit, p.metric, area) + self._reported(s, unit, p.metric, p.day, area)
            if done_out is not None:
                done_out[i] = done
            if target is None:
                continue
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
        A figure on or before its unit's baseline day does not move the cumulative (the baseline holds it,
        and the figure it replaces, of the same day, was held too)."""
        if before is None:
            return None
        if self._held_by_baseline(s, self._unit(s, p.unit_id, area), p, area):
            return before
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
