"""The reporter's scope: parsing a message against the units they may name; targets, baselines."""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import date
from typing import Concatenate, ParamSpec, TypeVar

from sqlalchemy.orm import Session

from bot.core.access import Caller
from bot.core.parsing import ParsedReport, parse_report
from bot.core.reports.model import Outcome, _Area, _Scope
from bot.core.services import Services
from storage import repo, report_repo
from storage.models import Unit

P = ParamSpec("P")
S = TypeVar("S", bound="_Base")


def _dated(fn: Callable[Concatenate[S, P], Outcome]) -> Callable[Concatenate[S, P], Outcome]:
    """The outcome of a public ReportService call carries the local day it was made on (for its dates)."""

    @functools.wraps(fn)
    def wrapper(self: S, *args: P.args, **kwargs: P.kwargs) -> Outcome:
        out = fn(self, *args, **kwargs)
        if out.today is None:
            out.today = self.svc.today()
        return out

    return wrapper


class _Base:
    """The reporter's scope: the units a message may name, targets and baselines (cached)."""

    def __init__(self, svc: Services) -> None:
        self.svc = svc

    # ---- parsing against the caller's scope -----------------------------------------------------

    def _scope(self, unit_id: int, unit_path: str | None = None) -> _Scope:
        """The caller's unit and the units whose names the parser may match.

        Names are matched in the caller's neighbourhood (the parent's subtree for a village member),
        so that naming a sibling village is recognised and refused as "outside your scope" rather than
        as an unknown name. Cached (Database.cached: exact for writes made by this process; other processes'
        writes drop it on PostgreSQL within milliseconds (storage/notify.py), at most CACHE_TTL seconds
        later otherwise): the parse step runs on every message.
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
        from bot.core.metrics import active_words

        parents = self.svc.db.cached(("rep.parents",), self._parent_ids)
        default = self._chat_village(caller, chat_id, parents, scope.area) or scope.own
        own_path = scope.own.path
        allowed = scope.area.names_within(own_path)
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
