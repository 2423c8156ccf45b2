"""Who has not reported, the reminder text, and escalation of units silent for days.

A chat bound to unit U reminds U's direct children that have no report today (a reported 0 counts),
or U itself when U has no children, and mentions the members of those units by name. Each level of
the tree reminds the level below it, so a commune group names its villages and a province group its
communes. A child silent for `escalate_after_days` working days (holidays and the chat's skip weekdays
do not count; today does not count either, it is not over) is named to the chats bound to its parent.
"""

from __future__ import annotations

from collections.abc import Container, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from bot import fmt
from bot.fmt import esc
from bot.summaries import LIMIT, fit, join_fitting
from bot.texts import t
from storage import repo, schedule_repo
from storage.models import Member, Unit

#: how far back a silent streak is counted (also the most days an escalation can show)
LOOKBACK_DAYS = 60


def parse_weekdays(value: str | None) -> frozenset[int]:
    """The stored skip-weekdays string ("5,6" or "56"; 0 = Monday) as a set."""
    return frozenset(int(ch) for ch in (value or "") if ch.isdigit() and int(ch) <= 6)


def format_weekdays(days: Container[int] | frozenset[int]) -> str:
    return ",".join(str(d) for d in range(7) if d in days)


def is_working_day(day: date, skip: Container[int], holidays: Container[date]) -> bool:
    return day.weekday() not in skip and day not in holidays


@dataclass(frozen=True)
class Person:
    external_id: str
    name: str

    def mention(self) -> str:
        """An HTML mention that notifies the user (plain escaped name when the id is not numeric)."""
        if self.external_id.isdigit():
            return f'<a href="tg://user?id={self.external_id}">{esc(self.name)}</a>'
        return esc(self.name)


def _people(members: list[Member]) -> tuple[Person, ...]:
    return tuple(Person(m.external_id, m.display_name) for m in members)


@dataclass(frozen=True)
class SilentUnit:
    unit_id: int
    name: str
    members: tuple[Person, ...]


@dataclass(frozen=True)
class ReminderPlan:
    unit_id: int
    unit_name: str
    total: int  # units the chat expects a report from
    silent: list[SilentUnit]
    leaf: bool  # the chat's unit itself is the one reporting


def reminder_plan(s: Session, unit_id: int, day: date) -> ReminderPlan | None:
    """Who in the chat's unit has not reported on `day` (None when the unit is gone)."""
    unit = repo.unit_by_id(s, unit_id)
    if unit is None or not unit.active:
        return None
    kids = schedule_repo.active_children(s, unit.id)
    expected = kids or [unit]
    done = schedule_repo.units_reported(s, expected, day)
    silent_units = [u for u in expected if u.id not in done]
    members = schedule_repo.members_of(s, [u.id for u in silent_units], roles=("member", "leader"))
    silent = [SilentUnit(u.id, u.name, _people(members.get(u.id, []))) for u in silent_units]
    return ReminderPlan(unit.id, unit.name, len(expected), silent, leaf=not kids)


def reminder_text(plan: ReminderPlan, day: date, lang: str = "vi", limit: int = LIMIT) -> str | None:
    """The reminder naming the silent units and their members; None when everybody reported."""
    if not plan.silent:
        return None
    head = [t("rem.title", lang, day=fmt.day(day, lang))]
    if plan.leaf:
        only = plan.silent[0]
        head.append(t("rem.one", lang, unit=esc(only.name)))
        mentions = join_fitting([p.mention() for p in only.members], limit // 2, lang)
        items = [mentions] if mentions else []
        example = "/baocao 12" if lang == "vi" else "/report 12"
    else:
        head.append(t("rem.many", lang, n=len(plan.silent), total=plan.total))
        items = []
        for su in plan.silent:
            who = join_fitting([p.mention() for p in su.members], 600, lang)
            items.append(t("rem.line", lang, unit=esc(su.name), members=t("rem.members", lang, names=who) if who else ""))
        example = f"{plan.silent[0].name} hôm nay 12 mức 2"
    tail = ["", t("rem.how", lang, example=esc(example))]
    return fit(head, items, tail, lang, limit)


@dataclass(frozen=True)
class SilentStreak:
    unit_id: int
    name: str
    days: int  # working days without a report, before today
    last: date | None  # the last day with a report (None: never)
    leaders: tuple[Person, ...]


def _created_on(unit: Unit, tz: ZoneInfo) -> date | None:
    created = unit.created_at
    if created is None:
        return None
    if created.tzinfo is None:
        created = created.replace(tzinfo=UTC)
    return created.astimezone(tz).date()


def silent_streaks(s: Session, parent_id: int, today: date, after_days: int, skip: Container[int],
                   holidays: Container[date], tz: ZoneInfo) -> list[SilentStreak]:
    """Children of `parent_id` that have not reported today nor on any of their last `after_days`
    working days, longest silence first."""
    parent = repo.unit_by_id(s, parent_id)
    if parent is None:
        return []
    kids = schedule_repo.active_children(s, parent.id)
    if not kids:
        return []
    last = schedule_repo.last_report_days(s, kids, today)
    silent = [k for k in kids if last.get(k.id) != today]
    floor = today - timedelta(days=LOOKBACK_DAYS)
    streaks: list[tuple[Unit, int]] = []
    for k in silent:
        start = floor
        if k.id in last:
            start = max(start, last[k.id] + timedelta(days=1))
        created = _created_on(k, tz)
        if created is not None and created <= today:  # a unit created "in the future" (test clocks): ignore
            start = max(start, created + timedelta(days=1))
        n = 0
        d = start
        while d < today:
            if is_working_day(d, skip, holidays):
                n += 1
            d += timedelta(days=1)
        if n >= after_days:
            streaks.append((k, n))
    if not streaks:
        return []
    leaders = schedule_repo.members_of(s, [k.id for k, _ in streaks], roles=("leader",))
    streaks.sort(key=lambda kn: (-kn[1], kn[0].name))
    return [SilentStreak(k.id, k.name, n, last.get(k.id), _people(leaders.get(k.id, []))) for k, n in streaks]


def escalation_text(parent_name: str, streaks: list[SilentStreak], lang: str = "vi", limit: int = LIMIT) -> str | None:
    if not streaks:
        return None
    head = [t("esc.title", lang, unit=esc(parent_name))]
    items = []
    for st in streaks:
        last = t("esc.last", lang, day=fmt.day(st.last, lang)) if st.last else t("esc.never", lang)
        who = join_fitting([p.mention() for p in st.leaders], 300, lang)
        items.append(t("esc.line", lang, unit=esc(st.name), days=st.days, last=last,
                       leaders=t("esc.leaders", lang, names=who) if who else ""))
    return fit(head, items, ["", t("esc.footer", lang)], lang, limit)


def holidays_window(s: Session, today: date) -> Mapping[date, str]:
    return schedule_repo.holidays_between(s, today - timedelta(days=LOOKBACK_DAYS + 1), today + timedelta(days=1))


def local_now(tz: ZoneInfo) -> datetime:  # pragma: no cover - convenience for scripts
    return datetime.now(tz)
