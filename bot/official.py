"""Official figures: a leader records the official cumulative (the police system C06's count) of a unit for a
day — ``/chinhthuc Thôn 3 m2 1.046 30/11`` — and the views show it beside the teams' figure with the difference.

Plain Python over storage (storage/official_repo.py); Telegram and Zalo call the same service.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Protocol

from bot import fmt
from bot.access import Caller
from bot.commands import Role
from bot.days import DayError, take_day
from bot.org import (
    MAX_VALUE,
    Fail,
    Html,
    Msg,
    OrgService,
    Outcome,
    _take_metric,
    parse_int,
    split_args,
    unit_label,
    usage,
)
from bot.rollup import compute_history
from bot.services import Services
from bot.texts import t
from storage import official_repo, repo


@dataclass(frozen=True)
class OfficialLine:
    metric: str
    day: date
    official: int
    ours: int  # the teams' cumulative as of that day

    @property
    def difference(self) -> int:
        return self.ours - self.official


def official_lines(svc: Services, unit_id: int, day: date, ours_today: dict[str, int] | None = None,
                   metrics: Sequence[str] | None = None) -> list[OfficialLine]:
    """The unit's newest official figure per metric on or before `day`, each with our cumulative on its day.
    `ours_today`: our cumulative on `day` per metric (saves a query when the official day is `day`)."""
    with svc.db.session() as s:
        rows = official_repo.latest(s, unit_id, day)
    out = []
    for metric, d, value in sorted(rows):
        if metrics is not None and metric not in metrics:
            continue
        if ours_today is not None and d == day and metric in ours_today:
            ours = ours_today[metric]
        else:
            ours = compute_history(svc.db, unit_id, metric, d, d)[0][1]
        out.append(OfficialLine(metric, d, value, ours))
    return out


def render_official(lines: Sequence[OfficialLine], names: dict[str, str], lang: str, ref: date) -> list[str]:
    out = []
    for x in lines:
        diff = x.difference
        key = "fig.official_same" if diff == 0 else "fig.official_line"
        out.append(t(key, lang, metric=fmt.esc(names.get(x.metric, x.metric.upper())), day=fmt.day(x.day, lang, ref=ref),
                     official=fmt.num(x.official, lang), ours=fmt.num(x.ours, lang),
                     diff=("+" if diff > 0 else "−") + fmt.num(abs(diff), lang)))
    return out


class _HasId(Protocol):
    @property
    def id(self) -> int: ...


class _Found(Protocol):  # bot.views.Resolved
    @property
    def unit(self) -> _HasId | None: ...
    @property
    def error(self) -> str | None: ...
    @property
    def error_args(self) -> dict[str, object]: ...


class UnitResolver(Protocol):
    """How the views find the unit a name means (bot.views.Views; given, as bot.views imports this module)."""

    def resolve(self, caller: Caller, chat_id: str | None, name: str, channel: str = ...) -> _Found: ...


class OfficialService:
    def __init__(self, svc: Services, views: UnitResolver) -> None:
        self.svc = svc
        self.org = OrgService(svc)
        self.views = views

    def cmd(self, caller: Caller, args: str) -> Outcome:
        """/chinhthuc UNIT [m1|m2|…] VALUE [dd/mm[/yyyy]] — the day defaults to today."""
        return self.org._run(lambda: self._record(caller, args))

    def _record(self, caller: Caller, args: str) -> Outcome:
        self.org._need_role(caller, Role.LEADER, "chinhthuc")
        today = self.svc.today()
        try:
            tokens, day = take_day(split_args(args), today)
        except DayError as exc:
            raise Fail("error", Msg(exc.key, dict(exc.values)), usage("chinhthuc")) from None
        value = parse_int(tokens[-1]) if tokens else None
        if value is None:
            raise Fail("usage", usage("chinhthuc"))
        if value < 0 or value > MAX_VALUE:
            raise Fail("error", Msg("org.bad_value", {"value": tokens[-1]}))
        with self.svc.db.session() as s:
            known = self.org._metrics(s)
        tokens, metric = _take_metric(tokens[:-1], known)
        if not tokens:
            raise Fail("usage", usage("chinhthuc"))
        # resolved as the views resolve: inside the caller's scope only (a unit outside it is not even named)
        found = self.views.resolve(caller, None, " ".join(tokens))
        if found.unit is None:
            self.org._refuse(caller, "chinhthuc", found.error or "view.need_unit", None,
                             **{k: Html(str(v)) for k, v in found.error_args.items()})
        with self.svc.db.session() as s:
            unit = repo.unit_by_id(s, found.unit.id)
            assert unit is not None
            if not caller.can(Role.LEADER, unit):
                self.org._refuse(caller, "chinhthuc", "view.unknown_unit", None, name=" ".join(tokens)[:60])
            m = self.org._metric(s, metric)
            old = official_repo.upsert(s, unit.id, m, day, value, caller.member_id)
            label, unit_id = unit_label(unit), unit.id
            names = {x.code: (x.name_vi if caller.language == "vi" else x.name_en) for x in repo.metrics(s)}
        self.org._audit(caller, "official.set", unit, {"value": old} if old is not None else None,
                        {"metric": m, "day": day.isoformat(), "value": value})
        ours = compute_history(self.svc.db, unit_id, m, day, day)[0][1]
        line = render_official([OfficialLine(m, day, value, ours)], names, caller.language, today)[0]
        return Outcome("ok", [Msg("fig.official_set", {"unit": label, "metric": names.get(m, m.upper()), "day": day,
                                                       "value": value, "old": old}),
                              Msg("fig.raw", {"text": Html(line)})])
