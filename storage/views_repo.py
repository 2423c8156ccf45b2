"""Queries for the leader views and the export (bot/core/views.py, bot/present/export.py). Each takes an open Session."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, NamedTuple

from sqlalchemy import case, exists, func, select, type_coerce
from sqlalchemy.orm import Session, aliased
from sqlalchemy.types import NullType

from storage.models import Chat, Member, Report, Unit
from storage.repo import CURRENT
from storage.rollup_repo import child_ids_cte, child_key, in_subtree, key_of, scoped_reports


def chat_unit(s: Session, channel: str, chat_external_id: str) -> Unit | None:
    """The unit a chat is bound to (None: not bound, or unknown chat)."""
    row = s.execute(
        select(Unit).join(Chat, Chat.unit_id == Unit.id).where(Chat.channel == channel, Chat.external_id == chat_external_id)
    ).first()
    return None if row is None else row[0]


def units_in(s: Session, root: Unit | None) -> list[Unit]:
    """Active units of the subtree (every active unit when root is None), shallowest first."""
    q = select(Unit).where(Unit.active.is_(True))
    if root is not None:
        q = q.where(*in_subtree(s, Unit.path, root))
    return list(s.scalars(q.order_by(Unit.depth, Unit.name)))


def units_by_code(s: Session, code: str) -> Unit | None:
    return s.scalar(select(Unit).where(func.lower(Unit.code) == code.strip().lower(), Unit.active.is_(True)))


def member_totals(s: Session, member_id: int, day: date) -> dict[str, tuple[int, int]]:
    """metric -> (the member's own current figure on `day`, their own total up to `day`)."""
    is_day = Report.day == day
    q = (
        select(Report.metric, func.sum(case((is_day, Report.value), else_=0)), func.sum(Report.value))
        .where(Report.reporter_id == member_id, Report.day <= day, *CURRENT)
        .group_by(Report.metric)
    )
    return {str(m): (int(a or 0), int(b or 0)) for m, a, b in s.execute(q)}


@dataclass(frozen=True)
class Leaf:
    unit_id: int
    code: str
    name: str
    path: str
    parent_id: int | None


def leaves(s: Session, root: Unit) -> list[Leaf]:
    """Active units of the subtree without active children (villages), by path."""
    child = aliased(Unit)
    has_child = exists().where(child.parent_id == Unit.id, child.active.is_(True))
    q = (
        select(Unit.id, Unit.code, Unit.name, Unit.path, Unit.parent_id)
        .where(*in_subtree(s, Unit.path, root), Unit.active.is_(True), ~has_child)
        .order_by(Unit.path)
    )
    return [Leaf(int(i), str(c), str(n), str(p), pid) for i, c, n, p, pid in s.connection().execute(q).all()]


def reported_unit_ids(s: Session, root: Unit, day: date) -> set[int]:
    """Units of the subtree with at least one current report row on `day` (a 0 counts)."""
    q = scoped_reports(s, select(Report.unit_id).where(Report.day == day, *CURRENT), root).distinct()
    return {int(i) for i in s.connection().execute(q).scalars().all()}


@dataclass(frozen=True)
class MemberRow:
    member_id: int
    unit_id: int
    name: str
    username: str | None
    role: str
    external_id: str


def members_in(s: Session, root: Unit) -> list[MemberRow]:
    q = (
        select(Member.id, Member.unit_id, Member.display_name, Member.username, Member.role, Member.external_id)
        .join(Unit, Unit.id == Member.unit_id)
        .where(*in_subtree(s, Unit.path, root), Member.active.is_(True))
        .order_by(Unit.path, Member.display_name)
    )
    return [MemberRow(int(i), int(u), str(n), un, str(r), str(e)) for i, u, n, un, r, e in s.connection().execute(q).all()]


def reporters_on(s: Session, root: Unit, day: date) -> set[int]:
    """Members with a current report row on `day` for a unit of the subtree."""
    q = scoped_reports(s, select(Report.reporter_id).where(Report.day == day, *CURRENT), root).distinct()
    return {int(i) for i in s.connection().execute(q).scalars().all()}


class DailyCell(NamedTuple):  # a tuple: a province's 90 days are ~18,000 cells
    key: str  # child path (or the unit's own path)
    metric: str
    day: date
    value: int
    rows: int


def daily_by_child(s: Session, root: Unit, start: date, end: date) -> list[DailyCell]:
    """Per child of `root` (by child key), metric and day in [start, end]: sum and number of current rows.

    One query. PostgreSQL: one aggregation by child (rollup_repo.child_ids_cte); per-unit sums first would
    not shrink anything there (a unit has about one row per metric and day), only add a second aggregation.
    SQLite: per-unit daily sums (seeks by unit), regrouped by the child key computed from the unit path.
    """
    if s.get_bind().dialect.name == "postgresql":
        units = child_ids_cte(s, root)
        q = (
            select(units.c.child, Report.metric, Report.day, func.sum(Report.value), func.count())
            .select_from(Report).join(units, units.c.id == Report.unit_id)
            .where(Report.day >= start, Report.day <= end, *CURRENT)
            .group_by(units.c.child, Report.metric, Report.day)
        )
        keys: dict[int | None, str] = {}
        cells = []
        for c, m, d, v, n in s.connection().execute(q).all():
            k = keys.get(c)
            if k is None:
                k = keys[c] = key_of(root, c)
            cells.append(DailyCell(k, m, d, v, n))
        return cells
    per_unit = scoped_reports(
        s,
        select(
            Report.unit_id.label("unit_id"),
            Report.metric.label("metric"),
            Report.day.label("day"),
            func.sum(Report.value).label("value"),
            func.count().label("n"),
        ).where(Report.day >= start, Report.day <= end, *CURRENT),
        root,
    ).group_by(Report.unit_id, Report.metric, Report.day).subquery("per_unit")
    ru = select(Unit.id, Unit.path).where(*in_subtree(s, Unit.path, root)).subquery("ru")
    key = child_key(s, ru.c.path, len(root.path)).label("key")
    q = (
        select(key, per_unit.c.metric, per_unit.c.day, func.sum(per_unit.c.value), func.sum(per_unit.c.n))
        .select_from(per_unit.join(ru, ru.c.id == per_unit.c.unit_id))
        .group_by(key, per_unit.c.metric, per_unit.c.day)
    )
    return _cells(s.connection().execute(q).all())


def _cells(rows: Sequence[Any]) -> list[DailyCell]:
    if all(isinstance(r[2], date) for r in rows):  # the driver's types already (a province: ~18,000 cells)
        return [DailyCell._make(r) for r in rows]
    return [DailyCell(str(k), str(m), date.fromisoformat(str(d)), int(v or 0), int(n or 0)) for k, m, d, v, n in rows]


class RawRow(NamedTuple):
    day: date
    unit_code: str
    unit_name: str
    parent_name: str | None
    metric: str
    value: int
    reporter: str
    created_at: datetime  # aware UTC
    chat_id: str  # the chat's title (the group's name), else its id
    raw_text: str


def raw_reports(s: Session, root: Unit, start: date, end: date) -> Iterator[RawRow]:
    """Every current report row of the subtree in [start, end], by day, unit path, time (streamed).

    Runs on the Core connection with the day / time columns unprocessed (a province exports ~200k rows;
    the ORM and the UTC type decorator would triple the time), converting them here.
    """
    parent = aliased(Unit)
    q = (
        select(
            type_coerce(Report.day, NullType()), Unit.code, Unit.name, parent.name, Report.metric, Report.value,
            Member.display_name, type_coerce(Report.created_at, NullType()),
            func.coalesce(Chat.title, Report.chat_id), Report.raw_text,
        )
        .join(Unit, Unit.id == Report.unit_id)
        .outerjoin(Chat, (Chat.channel == Report.channel) & (Chat.external_id == Report.chat_id))
        .outerjoin(parent, parent.id == Unit.parent_id)
        .join(Member, Member.id == Report.reporter_id)
        .where(*in_subtree(s, Unit.path, root), Report.day >= start, Report.day <= end, *CURRENT)
        .order_by(Report.day, Unit.path, Report.created_at, Report.id)
    )
    result = s.connection().execution_options(yield_per=5000).execute(q)
    fromiso_d, fromiso_t = date.fromisoformat, datetime.fromisoformat
    row: Any
    for row in result:
        d, code, name, pname, metric, value, reporter, created, chat, raw = row
        day: date = fromiso_d(d) if isinstance(d, str) else d
        at: datetime = fromiso_t(created) if isinstance(created, str) else created
        if at.tzinfo is None:
            at = at.replace(tzinfo=UTC)
        yield RawRow(day, code, name, pname, metric, value, reporter, at, chat, raw or "")


def first_report_day(s: Session, root: Unit) -> date | None:
    q = scoped_reports(s, select(func.min(Report.day)).where(*CURRENT), root)
    d = s.scalar(q)
    return d if d is None or isinstance(d, date) else date.fromisoformat(str(d))
