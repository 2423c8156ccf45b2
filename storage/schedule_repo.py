"""SQL of the scheduler: bound chats, holidays, the delivery outbox, who is silent.

Every function takes an open Session. The outbox functions are written so that each claim or state
change is one conditional statement: two schedulers racing for the same row cannot both win.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time

from sqlalchemy import ColumnElement, and_, exists, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, aliased

from storage.db import touch
from storage.models import Chat, Delivery, Holiday, Member, Report, Unit
from storage.repo import CURRENT

# ---- bound chats ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class BoundChat:
    """A snapshot of one active chat bound to a unit, with its schedule (None = the default)."""

    id: int
    channel: str
    external_id: str
    title: str | None
    unit_id: int
    unit_name: str
    unit_path: str
    language: str | None
    reminder_time: time | None
    summary_time: time | None
    weekly_day: int | None
    skip_weekdays: str
    reminders_enabled: bool
    summaries_enabled: bool
    has_children: bool = True  # False: the unit reports itself (no escalation to send)


def _bound(chat: Chat, unit: Unit, has_children: bool = True) -> BoundChat:
    return BoundChat(
        id=chat.id,
        channel=chat.channel,
        external_id=chat.external_id,
        title=chat.title,
        unit_id=unit.id,
        unit_name=unit.name,
        unit_path=unit.path,
        language=chat.language,
        reminder_time=chat.reminder_time,
        summary_time=chat.summary_time,
        weekly_day=chat.weekly_day,
        skip_weekdays=chat.skip_weekdays or "",
        reminders_enabled=chat.reminders_enabled,
        summaries_enabled=chat.summaries_enabled,
        has_children=has_children,
    )


def active_bound_chats(s: Session, channel: str = "telegram") -> list[BoundChat]:
    """Every active chat bound to an active unit, as plain snapshots (safe outside the session)."""
    child = aliased(Unit)
    has_children = exists().where(child.parent_id == Unit.id, child.active.is_(True))
    rows = s.execute(
        select(Chat, Unit, has_children)
        .join(Unit, Unit.id == Chat.unit_id)
        .where(Chat.channel == channel, Chat.active.is_(True), Unit.active.is_(True))
        .where(or_(Chat.reminders_enabled.is_(True), Chat.summaries_enabled.is_(True)))
        .order_by(Chat.id)
    ).all()
    return [_bound(c, u, bool(kids)) for c, u, kids in rows]


def bound_chat(s: Session, chat_id: int) -> BoundChat | None:
    row = s.execute(select(Chat, Unit).join(Unit, Unit.id == Chat.unit_id).where(Chat.id == chat_id)).first()
    return None if row is None else _bound(row[0], row[1])


def chat_by_id(s: Session, chat_id: int) -> Chat | None:
    return s.get(Chat, chat_id)


def update_chat(s: Session, chat_id: int, **values: object) -> None:
    touch(s, "chats")
    s.execute(update(Chat).where(Chat.id == chat_id).values(**values))


def disable_chat(s: Session, chat_id: int, reason: str) -> bool:
    """Deactivate an active chat; True only for the call that actually switched it off."""
    touch(s, "chats")
    done = s.execute(
        update(Chat).where(Chat.id == chat_id, Chat.active.is_(True)).values(active=False, disabled_reason=reason[:255])
        .returning(Chat.id).execution_options(synchronize_session=False)
    ).scalar_one_or_none()
    return done is not None


def migrate_chat(s: Session, chat_id: int, new_external_id: str) -> bool:
    """A group became a supergroup: follow it unless another row already holds the new id."""
    taken = s.scalar(select(Chat.id).where(Chat.external_id == new_external_id, Chat.id != chat_id))
    if taken is not None:
        return False
    touch(s, "chats")
    s.execute(update(Chat).where(Chat.id == chat_id).values(external_id=new_external_id))
    return True


# ---- holidays ------------------------------------------------------------------------------------


def path_ids(unit_path: str | None) -> list[int]:
    """The unit ids of a materialised path, root first ("/1/12/305/" -> [1, 12, 305])."""
    return [int(x) for x in (unit_path or "").strip("/").split("/") if x.isdigit()]


@dataclass(frozen=True)
class HolidayCalendar:
    """The holidays of a period: national ones and the days off of units (a snapshot, no session)."""

    national: dict[date, str]
    by_unit: dict[int, dict[date, str]]

    def for_path(self, unit_path: str | None) -> dict[date, str]:
        """What applies to a unit: national holidays plus the days off of the unit and its ancestors."""
        out = dict(self.national)
        for uid in path_ids(unit_path):
            for d, n in self.by_unit.get(uid, {}).items():
                out.setdefault(d, n)
        return out

    def dates_for(self, unit_path: str | None) -> frozenset[date]:
        return frozenset(self.for_path(unit_path))


def holiday_calendar(s: Session, start: date, end: date) -> HolidayCalendar:
    rows = s.execute(select(Holiday.day, Holiday.name, Holiday.unit_id).where(Holiday.day >= start, Holiday.day <= end))
    national: dict[date, str] = {}
    by_unit: dict[int, dict[date, str]] = defaultdict(dict)
    for d, n, uid in rows:
        if uid is None:
            national[d] = n
        else:
            by_unit[uid][d] = n
    return HolidayCalendar(national, dict(by_unit))


def holidays_between(s: Session, start: date, end: date, unit_path: str | None = None) -> dict[date, str]:
    """The holidays applying to the unit at `unit_path` (None: the national ones only)."""
    return holiday_calendar(s, start, end).for_path(unit_path)


def holiday_on(s: Session, day: date, unit_id: int | None = None) -> Holiday | None:
    """The holiday of exactly that scope on `day` (unit_id None: the national one)."""
    scope = Holiday.unit_id.is_(None) if unit_id is None else Holiday.unit_id == unit_id
    return s.scalar(select(Holiday).where(Holiday.day == day, scope))


def add_holiday(s: Session, day: date, name: str, unit_id: int | None = None) -> tuple[Holiday, str | None]:
    """Insert or rename (in that scope); returns the row and the previous name (None when new)."""
    row = holiday_on(s, day, unit_id)
    if row is None:
        row = Holiday(day=day, name=name, unit_id=unit_id)
        s.add(row)
        s.flush()
        return row, None
    old = row.name
    row.name = name
    s.flush()
    return row, old


def remove_holiday(s: Session, day: date, unit_id: int | None = None) -> str | None:
    row = holiday_on(s, day, unit_id)
    if row is None:
        return None
    name = row.name
    s.delete(row)
    s.flush()
    return name


@dataclass(frozen=True)
class HolidayItem:
    day: date
    name: str
    unit_id: int | None  # None: national
    unit_name: str | None


def upcoming_holidays(s: Session, start: date, limit: int = 10, unit_ids: Sequence[int] = ()) -> list[HolidayItem]:
    """National holidays from `start` on, plus the days off of `unit_ids`, by day (national first)."""
    scope: ColumnElement[bool] = Holiday.unit_id.is_(None)
    if unit_ids:
        scope = or_(scope, Holiday.unit_id.in_(list(unit_ids)))
    rows = s.execute(
        select(Holiday.day, Holiday.name, Holiday.unit_id, Unit.name)
        .outerjoin(Unit, Unit.id == Holiday.unit_id)
        .where(Holiday.day >= start, scope)
        .order_by(Holiday.day, Holiday.unit_id.is_not(None), Holiday.id).limit(limit)
    )
    return [HolidayItem(d, n, uid, un) for d, n, uid, un in rows]


# ---- the delivery outbox -------------------------------------------------------------------------

Key = tuple[int, str, date]  # chat id, kind, day


def deliveries_between(s: Session, start: date, end: date, kinds: Iterable[str] | None = None) -> dict[Key, Delivery]:
    q = select(Delivery).where(Delivery.day >= start, Delivery.day <= end)
    if kinds is not None:
        q = q.where(Delivery.kind.in_(list(kinds)))
    return {(d.chat_id, d.kind, d.day): d for d in s.scalars(q)}


def delivery(s: Session, chat_id: int, kind: str, day: date) -> Delivery | None:
    return s.scalar(select(Delivery).where(Delivery.chat_id == chat_id, Delivery.kind == kind, Delivery.day == day))


def _insert(s: Session):  # type: ignore[no-untyped-def]
    return postgresql.insert if s.get_bind().dialect.name == "postgresql" else sqlite.insert


RETRYABLE = ("failed",)


@dataclass(frozen=True)
class Claim:
    id: int
    attempts: int
    sent_message_id: int | None  # set when a previous attempt already sent the first part


def claim_delivery(s: Session, chat_id: int, kind: str, day: date, now: datetime, lease_until: datetime,
                   max_attempts: int) -> Claim | None:
    """Take the (chat, kind, day) row for sending, or None when it is not ours to send.

    New: inserted as 'sending'. Existing: taken over only if 'failed' and its next attempt is due, or
    'sending' whose lease ran out (the sender crashed between claim and send). 'sent', 'skipped', 'dead'
    and a live 'sending' are left alone. One statement each, so a concurrent claimer cannot also win.
    """
    ins = (
        _insert(s)(Delivery)
        .values(chat_id=chat_id, kind=kind, day=day, status="sending", attempts=1, next_attempt_at=lease_until,
                created_at=now, updated_at=now)
        .on_conflict_do_nothing(index_elements=["chat_id", "kind", "day"])
        .returning(Delivery.id)
    )
    new_id = s.execute(ins).scalar_one_or_none()
    if new_id is not None:
        return Claim(new_id, 1, None)
    row = s.execute(
        update(Delivery)
        .where(
            Delivery.chat_id == chat_id,
            Delivery.kind == kind,
            Delivery.day == day,
            Delivery.attempts < max_attempts,
            or_(
                and_(Delivery.status.in_(RETRYABLE),
                     or_(Delivery.next_attempt_at.is_(None), Delivery.next_attempt_at <= now)),
                and_(Delivery.status == "sending", Delivery.next_attempt_at <= now),
            ),
        )
        .values(status="sending", attempts=Delivery.attempts + 1, next_attempt_at=lease_until, updated_at=now)
        .returning(Delivery.id, Delivery.attempts, Delivery.sent_message_id)
        .execution_options(synchronize_session=False)
    ).first()
    return None if row is None else Claim(row[0], row[1], row[2])


def record_part(s: Session, delivery_id: int, message_id: int, now: datetime) -> None:
    """The first message of a multi-part delivery went out: a retry must not send it again."""
    s.execute(update(Delivery).where(Delivery.id == delivery_id).execution_options(synchronize_session=False)
              .values(sent_message_id=message_id, updated_at=now))


def mark_sent(s: Session, delivery_id: int, message_id: int | None, now: datetime) -> None:
    values: dict[str, object] = {"status": "sent", "sent_at": now, "next_attempt_at": None, "updated_at": now,
                                 "last_error": None}
    if message_id is not None:
        values["sent_message_id"] = message_id
    s.execute(update(Delivery).where(Delivery.id == delivery_id)
              .execution_options(synchronize_session=False).values(**values))


def mark_skipped(s: Session, delivery_id: int, reason: str, now: datetime) -> None:
    s.execute(update(Delivery).where(Delivery.id == delivery_id).execution_options(synchronize_session=False)
              .values(status="skipped", last_error=reason, next_attempt_at=None, updated_at=now))


def mark_failed(s: Session, delivery_id: int, error: str, next_attempt_at: datetime | None, now: datetime,
                *, dead: bool = False) -> None:
    s.execute(
        update(Delivery)
        .where(Delivery.id == delivery_id)
        .execution_options(synchronize_session=False)
        .values(status="dead" if dead else "failed", last_error=error[:2000],
                next_attempt_at=None if dead else next_attempt_at, updated_at=now)
    )


def delivery_counts(s: Session, day: date | None = None) -> dict[tuple[str, str], int]:
    """(kind, status) -> rows, for monitoring and tests."""
    q = select(Delivery.kind, Delivery.status, func.count()).group_by(Delivery.kind, Delivery.status)
    if day is not None:
        q = q.where(Delivery.day == day)
    return {(k, st): int(n) for k, st, n in s.execute(q)}


# ---- who is silent (bulk: a few queries per tick, whatever the number of chats) -------------------

CHUNK = 5000  # ids per IN (...) list


def _chunks(ids: Sequence[int]) -> Iterable[list[int]]:
    items = list(dict.fromkeys(ids))
    for i in range(0, len(items), CHUNK):
        yield items[i : i + CHUNK]


@dataclass(frozen=True)
class UnitLite:
    id: int
    name: str
    path: str
    parent_id: int | None
    created_at: datetime | None


@dataclass(frozen=True)
class MemberLite:
    unit_id: int
    external_id: str
    name: str
    role: str


def _lite(u: Unit) -> UnitLite:
    return UnitLite(u.id, u.name, u.path, u.parent_id, u.created_at)


def units_lite(s: Session, ids: Sequence[int]) -> dict[int, UnitLite]:
    out: dict[int, UnitLite] = {}
    for part in _chunks(ids):
        for u in s.scalars(select(Unit).where(Unit.id.in_(part), Unit.active.is_(True))):
            out[u.id] = _lite(u)
    return out


def children_by_parent(s: Session, parent_ids: Sequence[int]) -> dict[int, list[UnitLite]]:
    """Active children of each parent (parents without any are absent)."""
    out: dict[int, list[UnitLite]] = defaultdict(list)
    for part in _chunks(parent_ids):
        q = select(Unit).where(Unit.parent_id.in_(part), Unit.active.is_(True)).order_by(Unit.name)
        for u in s.scalars(q):
            assert u.parent_id is not None
            out[u.parent_id].append(_lite(u))
    return dict(out)


def active_children(s: Session, unit_id: int) -> list[UnitLite]:
    return children_by_parent(s, [unit_id]).get(unit_id, [])


def path_prefixes(path: str) -> list[str]:
    """'/1/12/305/' -> ['/1/', '/1/12/', '/1/12/305/']."""
    parts = [p for p in path.split("/") if p]
    return ["/" + "/".join(parts[: i + 1]) + "/" for i in range(len(parts))]


def reported_prefixes(s: Session, day: date, under: str = "/") -> set[str]:
    """Every unit path (and each of its ancestors' paths) with a current report on `day`, below `under`.

    A unit has reported that day iff its path is in the set (a report anywhere in its subtree counts;
    a reported 0 counts)."""
    rows = s.execute(
        select(Unit.path)
        .join(Report, Report.unit_id == Unit.id)
        .where(Unit.path.startswith(under, autoescape=True), Report.day == day, *CURRENT)
        .distinct()
    )
    out: set[str] = set()
    for (path,) in rows:
        out.update(path_prefixes(path))
    return out


def last_report_by_prefix(s: Session, since: date, until: date, under: str = "/") -> dict[str, date]:
    """For every unit path (and its ancestors' paths) below `under`: the last day in [since, until] with a
    current report in that subtree."""
    rows = s.execute(
        select(Unit.path, func.max(Report.day))
        .join(Report, Report.unit_id == Unit.id)
        .where(Unit.path.startswith(under, autoescape=True), Report.day >= since, Report.day <= until, *CURRENT)
        .group_by(Unit.path)
    )
    out: dict[str, date] = {}
    for path, day in rows:
        if day is None:
            continue
        for prefix in path_prefixes(path):
            if prefix not in out or out[prefix] < day:
                out[prefix] = day
    return out


def members_by_unit(s: Session, unit_ids: Sequence[int], roles: Sequence[str] | None = None,
                    channel: str = "telegram") -> dict[int, list[MemberLite]]:
    """Active members whose own unit is one of `unit_ids`, by unit, ordered by name."""
    out: dict[int, list[MemberLite]] = defaultdict(list)
    for part in _chunks(unit_ids):
        q = select(Member.unit_id, Member.external_id, Member.display_name, Member.role).where(
            Member.unit_id.in_(part), Member.active.is_(True), Member.channel == channel)
        if roles is not None:
            q = q.where(Member.role.in_(list(roles)))
        for uid, ext, name, role in s.execute(q.order_by(Member.display_name)):
            out[uid].append(MemberLite(uid, ext, name, role))
    return dict(out)


def subtree_has_reports(s: Session, path: str, day: date) -> bool:
    q = (
        select(Report.id)
        .join(Unit, Unit.id == Report.unit_id)
        .where(Unit.path.startswith(path, autoescape=True), Report.day == day, *CURRENT)
        .limit(1)
    )
    return s.scalar(q) is not None


def common_prefix(paths: Sequence[str]) -> str:
    """The longest common prefix of materialised paths that ends with '/'."""
    if not paths:
        return "/"
    first = min(paths)
    last = max(paths)
    i = 0
    while i < len(first) and i < len(last) and first[i] == last[i]:
        i += 1
    prefix = first[:i]
    return prefix[: prefix.rfind("/") + 1] if "/" in prefix else "/"
