"""Targets and baselines: /chitieu and /moc."""

from __future__ import annotations

import re
from datetime import date

from sqlalchemy.orm import Session

from bot.core.access import Caller
from bot.core.commands import Role
from bot.core.org.base import _W_ASOF, _W_CLEAR, _W_DEADLINE, _OrgBase
from bot.core.org.helpers import _effective, _iso, _metric_name
from bot.core.org.model import MAX_VALUE, Fail, Html, Msg, Outcome, _fail, usage
from bot.core.org.words import (
    _take_metric,
    metric_code,
    parse_date,
    parse_int,
    split_args,
    squash,
    unit_label,
)
from storage import org_repo, repo


class _Values(_OrgBase):
    """Targets and baselines: /chitieu and /moc."""

    def cmd_target(self, caller: Caller, args: str) -> Outcome:
        return self._run(lambda: self._cmd_value(caller, args, "chitieu"))

    def cmd_baseline(self, caller: Caller, args: str) -> Outcome:
        return self._run(lambda: self._cmd_value(caller, args, "moc"))

    def _cmd_value(self, caller: Caller, args: str, cmd: str) -> Outcome:
        self._need_role(caller, Role.ADMIN, cmd)
        tokens = split_args(args)
        if not tokens:
            return self.show_values(caller, None, cmd)
        with self.svc.db.session() as s:
            known = self._metrics(s)
            whole = self._candidates(s, caller, args, active_only=True)
        # a trailing date, with its optional keyword
        when: date | None = None
        if tokens and parse_date(tokens[-1]) is not None and re.search(r"[/.-]", tokens[-1]):
            when = parse_date(tokens[-1])
            tokens = tokens[:-1]
            if tokens and squash(tokens[-1]) in (_W_DEADLINE if cmd == "chitieu" else _W_ASOF):
                tokens = tokens[:-1]
        elif tokens and re.fullmatch(r"\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}", tokens[-1]):
            _fail("org.bad_date", value=tokens[-1])
        clear = False
        value: int | None = None
        if when is None and len(whole) == 1:
            return self.show_values(caller, whole[0].code, cmd)
        if tokens and cmd == "chitieu" and squash(tokens[-1]) in _W_CLEAR:
            clear = True
            tokens = tokens[:-1]
        elif tokens and parse_int(tokens[-1]) is not None:
            value = parse_int(tokens[-1])
            tokens = tokens[:-1]
        elif tokens and (re.fullmatch(r"[+-]?[\d.,]*\d[\d.,]*", tokens[-1])
                         or len(tokens) > 1 and metric_code(tokens[-2], known) is not None):
            _fail("org.bad_value", value=tokens[-1][:20])  # '-5', '1,5', 'm2 abc': a number was meant
        else:
            if when is None:
                ref = " ".join(tokens)
                return self.show_values(caller, ref, cmd)
            raise Fail("usage", usage(cmd))
        tokens, metric = _take_metric(tokens, known)
        if metric is None and tokens and re.fullmatch(r"(?:l|m|muc|level)\d{1,2}", squash(tokens[-1])):
            _fail("org.unknown_metric", metric=tokens[-1], known=", ".join(known))
        if not tokens:
            raise Fail("usage", usage(cmd))
        ref = " ".join(tokens)
        if cmd == "chitieu":
            if clear:
                return self.clear_target(caller, ref, metric)
            assert value is not None
            return self.set_target(caller, ref, metric, value, when)
        assert value is not None
        return self.set_baseline(caller, ref, metric, value, when)

    def _metric(self, s: Session, metric: str | None) -> str:
        from bot.core.metrics import load

        load(self.svc.db)  # the names bot.core.metrics.metric_name gives in the reply
        known = self._metrics(s)
        if metric is None:
            return self.svc.settings.default_metric
        code = metric_code(metric, known)
        if code is None:
            _fail("org.unknown_metric", metric=metric, known=", ".join(known))
        return code

    def set_target(self, caller: Caller, ref: str, metric: str | None, value: int,
                   deadline: date | None = None) -> Outcome:
        def run() -> Outcome:
            with self.svc.db.session() as s:
                unit = self.resolve_unit(s, caller, ref, "target.set")
                self._need(caller, Role.ADMIN, unit, "target.set")
                m = self._metric(s, metric)
                if value < 0 or value > MAX_VALUE:
                    _fail("org.bad_value", value=str(value))
                old = repo.target_for(s, unit.id, m)
                before = {"value": old.value, "deadline": _iso(old.deadline)} if old else None
                if old is not None and old.value == value and old.deadline == deadline:
                    return Outcome("info", [Msg("org.no_change")])
                repo.set_target(s, unit, m, value, deadline)
                parent = repo.unit_by_id(s, unit.parent_id) if unit.parent_id else None
                parent_total = None
                if parent is not None and repo.target_for(s, parent.id, m) is None:
                    parent_total = repo.effective_target(s, parent, m)
            self._audit(caller, "target.set", unit, before, {"metric": m, "value": value, "deadline": _iso(deadline)})
            msgs = [Msg("org.target_set", {"unit": unit_label(unit), "metric": _metric_name(m), "value": value,
                                           "old": before["value"] if before else None})]
            if deadline:
                msgs.append(Msg("org.deadline", {"deadline": deadline}))
            if parent is not None and parent_total is not None:
                msgs.append(Msg("org.parent_sum", {"unit": parent.name, "value": parent_total}))
            return Outcome("ok", msgs)

        return self._run(run)

    def clear_target(self, caller: Caller, ref: str, metric: str | None) -> Outcome:
        def run() -> Outcome:
            with self.svc.db.session() as s:
                unit = self.resolve_unit(s, caller, ref, "target.clear")
                self._need(caller, Role.ADMIN, unit, "target.clear")
                m = self._metric(s, metric)
                old = repo.target_for(s, unit.id, m)
                if old is None:
                    return Outcome("info", [Msg("org.no_change")])
                before = {"metric": m, "value": old.value, "deadline": _iso(old.deadline)}
                org_repo.delete_target(s, unit.id, m)
                eff = repo.effective_target(s, unit, m)
            self._audit(caller, "target.clear", unit, before, None)
            return Outcome("ok", [Msg("org.target_cleared", {"unit": unit_label(unit), "metric": _metric_name(m),
                                                             "value": eff})])

        return self._run(run)

    def set_baseline(self, caller: Caller, ref: str, metric: str | None, value: int,
                     as_of: date | None = None) -> Outcome:
        def run() -> Outcome:
            with self.svc.db.session() as s:
                unit = self.resolve_unit(s, caller, ref, "baseline.set")
                self._need(caller, Role.ADMIN, unit, "baseline.set")
                m = self._metric(s, metric)
                if value < 0 or value > MAX_VALUE:
                    _fail("org.bad_value", value=str(value))
                old = next((b for (uid, mm), b in org_repo.baselines_of(s, [unit.id]).items() if mm == m), None)
                # no date given: an existing baseline keeps its day (a new one is as of today)
                day = as_of or (old.as_of if old is not None else self.svc.today())
                if day > self.svc.today():
                    _fail("org.future_day", day=day)
                before = {"value": old.value, "as_of": _iso(old.as_of)} if old else None
                if old is not None and old.value == value and old.as_of == day:
                    return Outcome("info", [Msg("org.no_change")])
                old_day = old.as_of if old is not None else None
                repo.set_baseline(s, unit, m, day, value)
            self._audit(caller, "baseline.set", unit, before, {"metric": m, "value": value, "as_of": _iso(day)})
            msgs = [Msg("org.baseline_set", {"unit": unit_label(unit), "metric": _metric_name(m),
                                             "value": value, "day": day, "old": before["value"] if before else None})]
            if old_day is not None and old_day != day:
                msgs.append(Msg("fig.baseline_day_moved", {"old": old_day, "new": day}))
            elif old_day is not None and as_of is None:
                msgs.append(Msg("fig.baseline_day_kept", {"day": day}))
            return Outcome("ok", msgs)

        return self._run(run)

    def show_values(self, caller: Caller, ref: str | None, cmd: str) -> Outcome:
        """Targets (or baselines) of a unit and its children."""
        def run() -> Outcome:
            with self.svc.db.session() as s:
                unit = self.resolve_unit(s, caller, ref, cmd) if ref else self._own_unit(s, caller)
                if unit is None:
                    raise Fail("usage", usage(cmd))
                self._need(caller, Role.ADMIN, unit, cmd)
                known = self._metrics(s)
                units = org_repo.scope_units(s, unit.path)
                kids = [u for u in units if u.parent_id == unit.id]
                lines: list[Msg] = []
                if cmd == "chitieu":
                    own = org_repo.targets_of(s, [u.id for u in units])
                    eff = _effective(units, own, known)
                    lines.append(Msg("org.targets_head", {"unit": unit_label(unit)}))
                    for u in [unit, *kids]:
                        parts = []
                        for m in known:
                            v = eff.get((u.id, m))
                            if v is None:
                                continue
                            tg = own.get((u.id, m))
                            parts.append(Msg("org.value_own" if tg else "org.value_sum",
                                             {"metric": _metric_name(m), "value": v,
                                              "deadline": tg.deadline if tg and tg.deadline else None}))
                        lines.append(Msg("org.values_line", {
                            "unit": u.name if u is unit else f"  {u.name}",
                            "values": Html("; ".join(p.render(caller.language) for p in parts))
                            if parts else Msg("org.none")}))
                else:
                    bases = org_repo.baselines_of(s, [u.id for u in [unit, *kids]])
                    lines.append(Msg("org.baselines_head", {"unit": unit_label(unit)}))
                    for u in [unit, *kids]:
                        parts = [Msg("org.baseline_value", {"metric": _metric_name(m), "value": b.value, "day": b.as_of})
                                 for (uid, m), b in sorted(bases.items(), key=lambda kv: kv[0][1]) if uid == u.id]
                        lines.append(Msg("org.values_line", {
                            "unit": u.name if u is unit else f"  {u.name}",
                            "values": Html("; ".join(p.render(caller.language) for p in parts))
                            if parts else Msg("org.none")}))
                lines.append(usage(cmd))
                return Outcome("info", lines)

        return self._run(run)

    # =============================================================================================
    # roster: /dangky, /madangky, /thanhvien
    # =============================================================================================
