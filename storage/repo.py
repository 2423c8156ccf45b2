"""Shared repository functions (all SQL lives in storage/). Each takes an open Session."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import NamedTuple

from sqlalchemy import ColumnElement, bindparam, exists, func, select
from sqlalchemy.orm import Session, joinedload

from storage.models import Baseline, Chat, Member, Metric, Report, Target, Unit

# ---- units -------------------------------------------------------------------------------------


def unit_by_id(s: Session, unit_id: int) -> Unit | None:
    return s.get(Unit, unit_id)


def unit_by_code(s: Session, code: str) -> Unit | None:
    return s.scalar(select(Unit).where(func.lower(Unit.code) == code.strip().lower()))


def subtree(s: Session, root: Unit, *, active_only: bool = True) -> list[Unit]:
    """The root and every unit below it, ordered by path."""
    q = select(Unit).where(Unit.path.startswith(root.path, autoescape=True))
    if active_only:
        q = q.where(Unit.active.is_(True))
    return list(s.scalars(q.order_by(Unit.depth, Unit.name)))


def children(s: Session, parent: Unit, *, active_only: bool = True) -> list[Unit]:
    q = select(Unit).where(Unit.parent_id == parent.id)
    if active_only:
        q = q.where(Unit.active.is_(True))
    return list(s.scalars(q.order_by(Unit.name)))


def roots(s: Session) -> list[Unit]:
    return list(s.scalars(select(Unit).where(Unit.parent_id.is_(None), Unit.active.is_(True)).order_by(Unit.name)))


def parent_ids(s: Session) -> list[int]:
    """Ids of the units that have at least one active child."""
    q = select(Unit.parent_id).where(Unit.parent_id.is_not(None), Unit.active.is_(True)).distinct()
    return [i for i in s.scalars(q) if i is not None]


def is_within(unit: Unit, scope: Unit) -> bool:
    return unit.path.startswith(scope.path)


# ---- members and chats -------------------------------------------------------------------------


# the hot path's statements are built once (bound parameters): building one costs more than running it
_MEMBER_BY_EXTERNAL = (  # with its unit (Caller needs the unit's path): one query instead of two
    select(Member).options(joinedload(Member.unit))
    .where(Member.channel == bindparam("channel"), Member.external_id == bindparam("external_id"))
)


def member_by_external(s: Session, channel: str, external_id: str) -> Member | None:
    return s.scalar(_MEMBER_BY_EXTERNAL, {"channel": channel, "external_id": external_id})


class RosterEntry(NamedTuple):
    """A member with its unit's path: what a caller is (bot.core.access.Caller). Read as one Core row:
    every report looks its sender up, and the ORM's object and identity machinery cost several times
    the statement itself."""

    id: int
    channel: str
    external_id: str
    display_name: str
    unit_id: int
    unit_path: str
    role: str
    language: str | None
    active: bool
    linked_member_id: int | None


_MEMBERS, _UNITS = Member.__table__.c, Unit.__table__.c
_ROSTER_ENTRY = select(
    _MEMBERS.id, _MEMBERS.channel, _MEMBERS.external_id, _MEMBERS.display_name, _MEMBERS.unit_id, _UNITS.path,
    _MEMBERS.role, _MEMBERS.language, _MEMBERS.active, _MEMBERS.linked_member_id,
).join(Unit.__table__, _UNITS.id == _MEMBERS.unit_id)
_ENTRY_BY_EXTERNAL = _ROSTER_ENTRY.where(_MEMBERS.channel == bindparam("channel"),
                                         _MEMBERS.external_id == bindparam("external_id"))
_ENTRY_BY_ID = _ROSTER_ENTRY.where(_MEMBERS.id == bindparam("member_id"))


def roster_entry(s: Session, channel: str, external_id: str) -> RosterEntry | None:
    row = s.connection().execute(_ENTRY_BY_EXTERNAL, {"channel": channel, "external_id": external_id}).first()
    return RosterEntry._make(row) if row is not None else None


_ENTRIES_BY_EXTERNAL = _ROSTER_ENTRY.where(_MEMBERS.channel == bindparam("channel"),
                                           _MEMBERS.external_id.in_(bindparam("external_ids", expanding=True)))


def roster_entries(s: Session, channel: str, external_ids: Sequence[str]) -> dict[str, RosterEntry]:
    """`roster_entry` of many accounts in one statement: external id -> entry (those on the roster)."""
    if not external_ids:
        return {}
    rows = s.connection().execute(_ENTRIES_BY_EXTERNAL, {"channel": channel, "external_ids": list(external_ids)})
    return {str(r.external_id): RosterEntry._make(r) for r in rows}


def roster_entry_by_id(s: Session, member_id: int) -> RosterEntry | None:
    row = s.connection().execute(_ENTRY_BY_ID, {"member_id": member_id}).first()
    return RosterEntry._make(row) if row is not None else None


def chat_by_external(s: Session, channel: str, external_id: str) -> Chat | None:
    return s.scalar(select(Chat).where(Chat.channel == channel, Chat.external_id == external_id))


def get_or_create_chat(s: Session, channel: str, external_id: str, title: str | None) -> Chat:
    chat = chat_by_external(s, channel, external_id)
    if chat is None:
        chat = Chat(channel=channel, external_id=external_id, title=title)
        s.add(chat)
        s.flush()
    elif title and chat.title != title:
        chat.title = title
    return chat


# ---- metrics, targets, baselines ---------------------------------------------------------------


def metrics(s: Session) -> list[Metric]:
    return list(s.scalars(select(Metric).where(Metric.active.is_(True)).order_by(Metric.sort, Metric.code)))


def all_metrics(s: Session) -> list[Metric]:
    """Active and retired metrics (history keeps a retired metric's name)."""
    return list(s.scalars(select(Metric).order_by(Metric.sort, Metric.code)))


def target_for(s: Session, unit_id: int, metric: str) -> Target | None:
    return s.scalar(select(Target).where(Target.unit_id == unit_id, Target.metric == metric))


def effective_target(s: Session, unit: Unit, metric: str) -> int | None:
    """The unit's own target, else the sum of its children's effective targets (None if nobody has one)."""
    own = target_for(s, unit.id, metric)
    if own is not None:
        return own.value
    kids = children(s, unit)
    vals = [v for v in (effective_target(s, k, metric) for k in kids) if v is not None]
    return sum(vals) if vals else None


def baseline_total(s: Session, unit: Unit, metric: str) -> int:
    q = (
        select(func.coalesce(func.sum(Baseline.value), 0))
        .join(Unit, Unit.id == Baseline.unit_id)
        .where(Unit.path.startswith(unit.path, autoescape=True), Baseline.metric == metric)
    )
    return int(s.scalar(q) or 0)


# ---- reports -----------------------------------------------------------------------------------

# on the tables' columns: usable in ORM statements and in the Core statements of the hot path alike
_report_c, _baseline_c = Report.__table__.c, Baseline.__table__.c
CURRENT = (_report_c.superseded_at.is_(None), _report_c.deleted_at.is_(None))


def held_by_baseline() -> ColumnElement[bool]:
    """The report row is on or before its unit's baseline day for its metric (the baseline holds it)."""
    b, r = _baseline_c, _report_c
    return exists().where(b.unit_id == r.unit_id, b.metric == r.metric, b.as_of >= r.day)


def reported_total(s: Session, unit: Unit, metric: str, *, until: date, since: date | None = None) -> int:
    """Sum of current report values in the unit's subtree for days in [since, until]. Without `since` (the
    reports part of a cumulative), the reports a baseline holds (on or before its day) are left out.

    Driven by the units (`unit_id IN subtree`), so that reports are read through the per-unit index: a
    join filtered on the path made SQLite scan every report up to `until` (slower as history grows)."""
    subtree_ids = select(Unit.id).where(Unit.path.startswith(unit.path, autoescape=True))
    q = select(func.coalesce(func.sum(Report.value), 0)).where(
        Report.unit_id.in_(subtree_ids), Report.metric == metric, Report.day <= until, *CURRENT
    )
    # a cumulative (no `since`) leaves out what a baseline holds
    q = q.where(Report.day >= since) if since is not None else q.where(~held_by_baseline())
    return int(s.scalar(q) or 0)


_ROWS_OF_MESSAGE = (
    select(Report)
    .where(Report.channel == bindparam("channel"), Report.chat_id == bindparam("chat_id"),
           Report.message_id == bindparam("message_id"))
    .order_by(Report.id)
)


def rows_of_message(s: Session, channel: str, chat_id: str, message_id: int) -> list[Report]:
    return list(s.scalars(_ROWS_OF_MESSAGE, {"channel": channel, "chat_id": chat_id, "message_id": message_id}))


def message_seen(s: Session, channel: str, chat_id: str, message_id: int, source_rev: int) -> bool:
    return (
        s.scalar(
            select(Report.id)
            .where(
                Report.channel == channel,
                Report.chat_id == chat_id,
                Report.message_id == message_id,
                Report.source_rev == source_rev,
            )
            .limit(1)
        )
        is not None
    )


def last_message_of(s: Session, reporter_id: int) -> Report | None:
    """The newest current row of the reporter (its message is the one /huy removes)."""
    return s.scalar(select(Report).where(Report.reporter_id == reporter_id, *CURRENT).order_by(Report.id.desc()).limit(1))


def units_by_ids(s: Session, ids: Sequence[int]) -> dict[int, Unit]:
    if not ids:
        return {}
    return {u.id: u for u in s.scalars(select(Unit).where(Unit.id.in_(list(ids))))}


# ---- writing units and members (shared by admin commands, import, demo and tests) ---------------


def new_join_code() -> str:
    """8 characters from an alphabet without look-alikes (~40 bits): not guessable, easy to type."""
    import secrets

    alphabet = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
    return "".join(secrets.choice(alphabet) for _ in range(8))


def create_unit(s: Session, code: str, name: str, kind: str, parent: Unit | None) -> Unit:
    unit = Unit(code=code, name=name, kind=kind, parent_id=parent.id if parent else None,
                depth=(parent.depth + 1) if parent else 0, join_code=new_join_code(), path="/")
    s.add(unit)
    s.flush()
    unit.path = f"{parent.path if parent else '/'}{unit.id}/"
    s.flush()
    return unit


def add_member(s: Session, channel: str, external_id: str, name: str, unit: Unit, role: str = "member",
               username: str | None = None) -> Member:
    m = member_by_external(s, channel, external_id)
    if m is None:
        m = Member(channel=channel, external_id=external_id, display_name=name, unit_id=unit.id, role=role,
                   username=username)
        s.add(m)
    else:
        m.display_name, m.unit_id, m.role, m.active = name, unit.id, role, True
    s.flush()
    return m


def set_target(s: Session, unit: Unit, metric: str, value: int, deadline: date | None = None) -> Target:
    tgt = target_for(s, unit.id, metric)
    if tgt is None:
        tgt = Target(unit_id=unit.id, metric=metric, value=value, deadline=deadline)
        s.add(tgt)
    else:
        tgt.value, tgt.deadline = value, deadline
    s.flush()
    return tgt


def set_baseline(s: Session, unit: Unit, metric: str, as_of: date, value: int) -> Baseline:
    b = s.scalar(select(Baseline).where(Baseline.unit_id == unit.id, Baseline.metric == metric))
    if b is None:
        b = Baseline(unit_id=unit.id, metric=metric, as_of=as_of, value=value)
        s.add(b)
    else:
        b.as_of, b.value = as_of, value
    s.flush()
    return b


def bind_chat(s: Session, chat: Chat, unit: Unit | None) -> Chat:
    chat.unit_id = unit.id if unit else None
    s.flush()
    return chat
