"""Corrections: a leader's /sua, undo, and recording the confirmation's message id."""

from __future__ import annotations

from bot.core import audit
from bot.core.access import Caller
from bot.core.commands import Role
from bot.core.reports.base import _dated
from bot.core.reports.model import Outcome, Planned, parse_fix_args
from bot.core.reports.recording import _Recording
from storage import repo, report_repo
from storage.models import Member, Report


class _Corrections(_Recording):
    """Leaders' corrections (/sua), undo, and the confirmation's message id."""

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
        with self.svc.db.carrying() as s:  # the confirmation ids trailing behind first: this reads them
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
                         unit_id=line.unit_id, before={"value": line.old},
                         after={"value": line.new, "reporter": reporter_name, "day": line.day.strftime("%d/%m/%Y"),
                                "reason": note or "–"})
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

    def set_reply(self, undo_id: int | None, reply_message_id: int, *, later: bool = False) -> None:
        """Record the confirmation's message id on the report's rows; `later`: with the next intake
        transaction (storage/behind.py; the readers of reply ids flush first)."""
        if undo_id is None:
            return
        if later:
            self.svc.db.behind.reply(undo_id, reply_message_id)
            return
        with self.svc.db.session() as s:
            report_repo.set_reply_id(s, undo_id, reply_message_id)
