"""Who has not reported, the reminder text, and escalation of units silent for days.

A chat bound to unit U reminds U's direct children that have no report today (a reported 0 counts),
or U itself when U has no children, and mentions the members of those units by name. Each level of
the tree reminds the level below it, so a commune group names its villages and a province group its
communes. A child silent for `escalate_after_days` working days (holidays and the chat's skip weekdays
do not count; today does not count either, it is not over) is named to the chats bound to its parent.

The data is loaded in bulk for all the chats due in one tick (a few queries whatever their number):
`load_reminder_data` / `load_escalation_data`, then `plan_for` / `streaks_for` per chat (pure).
"""

from __future__ import annotations

from collections.abc import Container, Sequence
from dataclasses import dataclass
from datetime import UTC, date, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from bot import fmt
from bot.collation import vn_key
from bot.fmt import esc
from bot.summaries import LIMIT, fit, join_fitting
from bot.texts import t
from storage import schedule_repo
from storage.schedule_repo import MemberLite, UnitLite

#: how far back a silent streak is counted (also the most days an escalation can show)
LOOKBACK_DAYS = 60


def parse_weekdays(value: str | None) -> frozenset[int]:
    """The stored skip-weekdays string ("5,6" or "56"; 0 = Monday) as a set."""
    return frozenset(int(ch) for ch in (value or "") if ch.isdigit() and int(ch) <= 6)


def format_weekdays(days: Container[int]) -> str:
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


def _people(members: Sequence[MemberLite]) -> tuple[Person, ...]:
    return tuple(Person(m.external_id, m.name) for m in members)


# ---- reminders -----------------------------------------------------------------------------------


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


@dataclass(frozen=True)
class ReminderData:
    day: date
    units: dict[int, UnitLite]
    children: dict[int, list[UnitLite]]
    reported: set[str]  # paths of the units (and their ancestors) that reported on `day`
    members: dict[int, list[MemberLite]]  # members and leaders of the silent units

    def expected(self, unit_id: int) -> list[UnitLite]:
        unit = self.units.get(unit_id)
        if unit is None:
            return []
        return self.children.get(unit_id) or [unit]


def load_reminder_data(s: Session, unit_ids: Sequence[int], day: date) -> ReminderData:
    units = schedule_repo.units_lite(s, unit_ids)
    children = schedule_repo.children_by_parent(s, list(units))
    under = schedule_repo.common_prefix([u.path for u in units.values()])
    reported = schedule_repo.reported_prefixes(s, day, under) if units else set()
    data = ReminderData(day, units, children, reported, {})
    silent = [e.id for uid in units for e in data.expected(uid) if e.path not in reported]
    data.members.update(schedule_repo.members_by_unit(s, silent, roles=("member", "leader")))
    return data


def plan_for(data: ReminderData, unit_id: int) -> ReminderPlan | None:
    unit = data.units.get(unit_id)
    if unit is None:
        return None
    expected = data.expected(unit_id)
    silent = sorted((u for u in expected if u.path not in data.reported), key=lambda u: vn_key(u.name))
    return ReminderPlan(unit.id, unit.name, len(expected),
                        [SilentUnit(u.id, u.name, _people(data.members.get(u.id, []))) for u in silent],
                        leaf=unit_id not in data.children)


def reminder_plan(s: Session, unit_id: int, day: date) -> ReminderPlan | None:
    """Who in the chat's unit has not reported on `day` (None when the unit is gone)."""
    return plan_for(load_reminder_data(s, [unit_id], day), unit_id)


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
        example = t("rem.example", lang, unit=plan.silent[0].name)
    tail = ["", t("rem.how", lang, example=esc(example))]
    return fit(head, items, tail, lang, limit)


# ---- escalation ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class SilentStreak:
    unit_id: int
    name: str
    days: int  # working days without a report, before today
    last: date | None  # the last day with a report (None: none within the look-back window)
    leaders: tuple[Person, ...]
    capped: bool = False  # silent for the whole look-back window: at least `days`


@dataclass(frozen=True)
class EscalationData:
    day: date
    units: dict[int, UnitLite]
    children: dict[int, list[UnitLite]]
    last: dict[str, date]  # unit path -> last day with a report in its subtree (within the look-back)
    leaders: dict[int, list[MemberLite]]  # leaders of the children that are silent today


def load_escalation_data(s: Session, parent_ids: Sequence[int], day: date) -> EscalationData:
    units = schedule_repo.units_lite(s, parent_ids)
    children = schedule_repo.children_by_parent(s, list(units))
    under = schedule_repo.common_prefix([u.path for u in units.values()])
    last = (schedule_repo.last_report_by_prefix(s, day - timedelta(days=LOOKBACK_DAYS + 1), day, under)
            if children else {})
    silent = [k.id for kids in children.values() for k in kids if last.get(k.path) != day]
    leaders = schedule_repo.members_by_unit(s, silent, roles=("leader",))
    return EscalationData(day, units, children, last, leaders)


def _created_on(unit: UnitLite, tz: ZoneInfo) -> date | None:
    created = unit.created_at
    if created is None:
        return None
    if created.tzinfo is None:
        created = created.replace(tzinfo=UTC)
    return created.astimezone(tz).date()


def streaks_for(data: EscalationData, parent_id: int, after_days: int, skip: Container[int],
                holidays: Container[date], tz: ZoneInfo) -> list[SilentStreak]:
    """Children of `parent_id` that have not reported today nor on any of their last `after_days`
    working days, longest silence first."""
    today = data.day
    floor = today - timedelta(days=LOOKBACK_DAYS)
    out: list[SilentStreak] = []
    for k in data.children.get(parent_id, []):
        last = data.last.get(k.path)
        if last == today:
            continue
        start = floor
        if last is not None:
            start = max(start, last + timedelta(days=1))
        created = _created_on(k, tz)
        if created is not None and created <= today:  # a unit created "in the future" (test clocks): ignore
            start = max(start, created + timedelta(days=1))
        n = sum(1 for i in range((today - start).days) if is_working_day(start + timedelta(days=i), skip, holidays))
        if n >= after_days:
            out.append(SilentStreak(k.id, k.name, n, last if last and last >= floor else None,
                                    _people(data.leaders.get(k.id, [])), capped=start == floor))
    out.sort(key=lambda st: (-st.days, vn_key(st.name)))
    return out


def silent_streaks(s: Session, parent_id: int, today: date, after_days: int, skip: Container[int],
                   holidays: Container[date], tz: ZoneInfo) -> list[SilentStreak]:
    return streaks_for(load_escalation_data(s, [parent_id], today), parent_id, after_days, skip, holidays, tz)


def escalation_text(parent_name: str, streaks: list[SilentStreak], lang: str = "vi", limit: int = LIMIT) -> str | None:
    if not streaks:
        return None
    head = [t("esc.title", lang, unit=esc(parent_name))]
    items = []
    for st in streaks:
        if st.last is not None:
            last = t("esc.last", lang, day=fmt.day(st.last, lang))
        else:
            last = "" if st.capped else t("esc.never", lang)
        days = t("esc.at_least", lang, n=st.days) if st.capped else str(st.days)
        who = join_fitting([p.mention() for p in st.leaders], 300, lang)
        items.append(t("esc.line", lang, unit=esc(st.name), days=days, last=last,
                       leaders=t("esc.leaders", lang, names=who) if who else ""))
    return fit(head, items, ["", t("esc.footer", lang)], lang, limit)


def holidays_window(s: Session, today: date) -> schedule_repo.HolidayCalendar:
    """The holidays (national and units' days off) of the escalation look-back around `today`:
    ``.dates_for(chat.unit_path)`` is what applies to one chat."""
    return schedule_repo.holiday_calendar(s, today - timedelta(days=LOOKBACK_DAYS + 1), today + timedelta(days=1))
