"""SQL for the organisation features: unit tree, roster, chat bindings, bulk import, audit view.

Every function takes an open Session; nothing here commits (the caller's unit of work does).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, time
from typing import Any

from sqlalchemy import and_, delete, func, literal, or_, select, update
from sqlalchemy.orm import Session
from sqlalchemy.types import String

from storage import repo
from storage.db import touch
from storage.models import AuditLog, Baseline, Chat, Delivery, Inbox, Member, Metric, Report, Target, Unit

CHUNK = 500


def _chunks(values: Sequence[Any], size: int = CHUNK) -> Iterable[Sequence[Any]]:
    for i in range(0, len(values), size):
        yield values[i : i + size]


# ---- units -------------------------------------------------------------------------------------


def scope_units(s: Session, scope_path: str | None, *, active_only: bool = True) -> list[Unit]:
    """Every unit under `scope_path` (None = the whole tree), ordered by path."""
    q = select(Unit)
    if scope_path is not None:
        q = q.where(Unit.path.startswith(scope_path, autoescape=True))
    if active_only:
        q = q.where(Unit.active.is_(True))
    return list(s.scalars(q.order_by(Unit.depth, Unit.name, Unit.id)))


def units_by_codes(s: Session, codes: Sequence[str]) -> dict[str, Unit]:
    """Units whose code (case-insensitive) is in `codes`, keyed by the lower-cased code."""
    wanted = sorted({c.strip().lower() for c in codes if c and c.strip()})
    out: dict[str, Unit] = {}
    for part in _chunks(wanted):
        for u in s.scalars(select(Unit).where(func.lower(Unit.code).in_(list(part)))):
            out[u.code.lower()] = u
    return out


def units_by_join_code(s: Session, join_code: str) -> Unit | None:
    return s.scalar(select(Unit).where(func.upper(Unit.join_code) == join_code.strip().upper()))


def join_code_taken(s: Session, join_code: str) -> bool:
    return units_by_join_code(s, join_code) is not None


def rotate_join_code(s: Session, unit: Unit) -> str:
    for _ in range(20):
        code = repo.new_join_code()
        if not join_code_taken(s, code):
            unit.join_code = code
            s.flush()
            return code
    raise RuntimeError("could not find a free join code")


def move_subtree(s: Session, unit: Unit, new_parent: Unit | None) -> int:
    """Put `unit` under `new_parent` and rewrite `path` and `depth` of its whole subtree.

    One UPDATE for the subtree (plus the parent_id of the unit itself). Refuses (ValueError) a move
    under the unit itself or one of its descendants. Returns the number of units whose path changed.
    """
    if new_parent is not None and new_parent.path.startswith(unit.path):
        raise ValueError("cannot move a unit under itself or one of its descendants")
    s.flush()
    old_prefix = unit.path
    new_prefix = f"{new_parent.path if new_parent else '/'}{unit.id}/"
    new_depth = (new_parent.depth + 1) if new_parent else 0
    delta = new_depth - unit.depth
    unit.parent_id = new_parent.id if new_parent else None
    if old_prefix == new_prefix:
        s.flush()
        return 0
    touch(s, "units")
    result = s.execute(
        update(Unit)
        .where(Unit.path.startswith(old_prefix, autoescape=True))
        .values(
            path=literal(new_prefix, String()) + func.substr(Unit.path, len(old_prefix) + 1),
            depth=Unit.depth + delta,
        )
        .execution_options(synchronize_session="fetch")
    )
    s.flush()
    return int(getattr(result, "rowcount", 0) or 0)


def set_subtree_active(s: Session, unit: Unit, active: bool) -> int:
    """(De)activate a unit and everything below it; returns how many rows changed."""
    s.flush()
    touch(s, "units")
    result = s.execute(
        update(Unit)
        .where(Unit.path.startswith(unit.path, autoescape=True), Unit.active != active)
        .values(active=active)
        .execution_options(synchronize_session="fetch")
    )
    return int(getattr(result, "rowcount", 0) or 0)


def count_active_members(s: Session, unit: Unit) -> int:
    q = (
        select(func.count(Member.id))
        .join(Unit, Unit.id == Member.unit_id)
        .where(Unit.path.startswith(unit.path, autoescape=True), Member.active.is_(True))
    )
    return int(s.scalar(q) or 0)


def member_counts(s: Session, scope_path: str | None) -> dict[int, int]:
    """Active members per unit id (units under scope_path)."""
    q = select(Member.unit_id, func.count(Member.id)).join(Unit, Unit.id == Member.unit_id).where(
        Member.active.is_(True)
    )
    if scope_path is not None:
        q = q.where(Unit.path.startswith(scope_path, autoescape=True))
    return {int(uid): int(n) for uid, n in s.execute(q.group_by(Member.unit_id))}


def add_unit_rows(s: Session, rows: Sequence[tuple[str, str, str, Unit | str | None]]) -> dict[str, Unit]:
    """Create units, parents before children: one flush for the ids, one for the paths.

    A row's parent is an existing Unit, the code of a unit created earlier in `rows`, or None (a root).
    Returns the new units by lower-cased code.
    """
    made: dict[str, Unit] = {}
    order: list[Unit] = []
    taken: set[str] = set()
    for code, name, kind, parent in rows:
        jc = repo.new_join_code()
        while jc in taken:
            jc = repo.new_join_code()
        taken.add(jc)
        u = Unit(code=code, name=name, kind=kind, path="/", depth=0, join_code=jc, active=True)
        u.parent = made[parent.lower()] if isinstance(parent, str) else parent
        made[code.lower()] = u
        order.append(u)
    s.add_all(order)
    s.flush()
    for u in order:  # parents come first, so their paths are final when a child is reached
        parent_unit = u.parent
        u.path = f"{parent_unit.path if parent_unit else '/'}{u.id}/"
        u.depth = (parent_unit.depth + 1) if parent_unit else 0
    s.flush()
    return made


# ---- metrics, targets, baselines ---------------------------------------------------------------


def metric_codes(s: Session) -> list[str]:
    return [m.code for m in s.scalars(select(Metric).where(Metric.active.is_(True)).order_by(Metric.sort))]


def targets_of(s: Session, unit_ids: Sequence[int]) -> dict[tuple[int, str], Target]:
    out: dict[tuple[int, str], Target] = {}
    for part in _chunks(list(unit_ids)):
        for t in s.scalars(select(Target).where(Target.unit_id.in_(list(part)))):
            out[(t.unit_id, t.metric)] = t
    return out


def baselines_of(s: Session, unit_ids: Sequence[int]) -> dict[tuple[int, str], Baseline]:
    out: dict[tuple[int, str], Baseline] = {}
    for part in _chunks(list(unit_ids)):
        for b in s.scalars(select(Baseline).where(Baseline.unit_id.in_(list(part)))):
            out[(b.unit_id, b.metric)] = b
    return out


def delete_target(s: Session, unit_id: int, metric: str) -> bool:
    touch(s, "targets")
    result = s.execute(delete(Target).where(Target.unit_id == unit_id, Target.metric == metric))
    return bool(getattr(result, "rowcount", 0))


def add_targets(s: Session, rows: Sequence[tuple[int, str, int, date | None]]) -> None:
    s.add_all([Target(unit_id=u, metric=m, value=v, deadline=d) for u, m, v, d in rows])
    s.flush()


def add_baselines(s: Session, rows: Sequence[tuple[int, str, date, int]]) -> None:
    s.add_all([Baseline(unit_id=u, metric=m, as_of=d, value=v) for u, m, d, v in rows])
    s.flush()


# ---- members -----------------------------------------------------------------------------------


def members_by_external(s: Session, channel: str, external_ids: Sequence[str]) -> dict[str, Member]:
    out: dict[str, Member] = {}
    for part in _chunks(sorted(set(external_ids))):
        q = select(Member).where(Member.channel == channel, Member.external_id.in_(list(part)))
        for m in s.scalars(q):
            out[m.external_id] = m
    return out


def add_members(s: Session, rows: Sequence[tuple[str, str, str, int, str]]) -> None:
    """rows: (channel, external_id, display_name, unit_id, role)."""
    s.add_all([Member(channel=c, external_id=e, display_name=n, unit_id=u, role=r, active=True)
               for c, e, n, u, r in rows])
    s.flush()


def members_in(s: Session, scope_path: str | None, *, active_only: bool = True) -> list[tuple[Member, Unit]]:
    """Members of a subtree with their unit, ordered by unit path, role (admins first) and name."""
    q = select(Member, Unit).join(Unit, Unit.id == Member.unit_id)
    if scope_path is not None:
        q = q.where(Unit.path.startswith(scope_path, autoescape=True))
    if active_only:
        q = q.where(Member.active.is_(True))
    rows = s.execute(q.order_by(Unit.path, Member.role, Member.display_name, Member.id)).all()
    return [(m, u) for m, u in rows]


def member_names_of_units(s: Session, unit_ids: Sequence[int]) -> dict[int, list[tuple[str, str]]]:
    """unit id -> (external id, display name) of its active members."""
    out: dict[int, list[tuple[str, str]]] = {}
    for part in _chunks(sorted(set(unit_ids))):
        q = select(Member.unit_id, Member.external_id, Member.display_name).where(
            Member.unit_id.in_(list(part)), Member.active.is_(True))
        for unit_id, ext, name in s.execute(q):
            out.setdefault(unit_id, []).append((ext, name))
    return out


def member_by_username(s: Session, channel: str, username: str) -> list[Member]:
    q = select(Member).where(Member.channel == channel, func.lower(Member.username) == username.lower())
    return list(s.scalars(q))


def member_with_unit(s: Session, member_id: int) -> tuple[Member, Unit] | None:
    row = s.execute(select(Member, Unit).join(Unit, Unit.id == Member.unit_id).where(Member.id == member_id)).first()
    return None if row is None else (row[0], row[1])


# ---- chats -------------------------------------------------------------------------------------


def chats_by_external(s: Session, channel: str, external_ids: Sequence[str]) -> dict[str, Chat]:
    out: dict[str, Chat] = {}
    for part in _chunks(sorted(set(external_ids))):
        for c in s.scalars(select(Chat).where(Chat.channel == channel, Chat.external_id.in_(list(part)))):
            out[c.external_id] = c
    return out


def seen_chat_ids(s: Session, channel: str, external_ids: Sequence[str]) -> set[str]:
    """The chats among `external_ids` the bot has had an update from: an update in the intake (kept
    KEEP_DAYS days) or a report typed there."""
    out: set[str] = set()
    for part in _chunks(sorted(set(external_ids))):
        ids = list(part)
        out.update(s.scalars(select(Inbox.chat_id).where(Inbox.channel == channel, Inbox.chat_id.in_(ids))
                             .distinct()))
        out.update(s.scalars(select(Report.chat_id).where(Report.channel == channel, Report.chat_id.in_(ids))
                             .distinct()))
    return {c for c in out if c is not None}


def chats_of_unit(s: Session, unit_id: int) -> list[Chat]:
    return list(s.scalars(select(Chat).where(Chat.unit_id == unit_id).order_by(Chat.id)))


def add_chats(s: Session, rows: Sequence[tuple[str, str, int, time | None, time | None]]) -> None:
    """rows: (channel, external_id, unit_id, reminder_time, summary_time)."""
    s.add_all([Chat(channel=c, external_id=e, unit_id=u, reminder_time=r, summary_time=st)
               for c, e, u, r, st in rows])
    s.flush()


def set_chat_active(s: Session, channel: str, external_id: str, active: bool, reason: str | None) -> Chat | None:
    chat = repo.chat_by_external(s, channel, external_id)
    if chat is None:
        return None
    chat.active = active
    chat.disabled_reason = None if active else reason
    s.flush()
    return chat


def migrate_chat(s: Session, channel: str, old_external: str, new_external: str,
                 title: str | None) -> tuple[str, Chat | None]:
    """A group became a supergroup: the row of the old id follows to the new id.

    Returns (what happened, the chat row now holding the binding):
    "moved" (the old row now has the new id), "merged" (both existed: settings folded into the new row,
    its deliveries re-pointed, the old row removed), "done" (already migrated) or "unknown".
    """
    old = repo.chat_by_external(s, channel, old_external)
    new = repo.chat_by_external(s, channel, new_external)
    if old is None:
        return ("done" if new is not None else "unknown"), new
    if new is None:
        old.external_id = new_external
        if title:
            old.title = title
        s.flush()
        return "moved", old
    # both rows exist (the new chat was seen first): keep the new row, fold the old one into it
    if new.unit_id is None:
        new.unit_id = old.unit_id
    for attr in ("language", "reminder_time", "summary_time", "weekly_day"):
        if getattr(new, attr) is None:
            setattr(new, attr, getattr(old, attr))
    if not new.skip_weekdays:
        new.skip_weekdays = old.skip_weekdays
    new.reminders_enabled = new.reminders_enabled and old.reminders_enabled
    new.summaries_enabled = new.summaries_enabled and old.summaries_enabled
    new.active = True
    new.disabled_reason = None
    if title:
        new.title = title
    s.flush()
    taken = {(d.kind, d.day) for d in s.scalars(select(Delivery).where(Delivery.chat_id == new.id))}
    for d in list(s.scalars(select(Delivery).where(Delivery.chat_id == old.id))):
        if (d.kind, d.day) in taken:
            s.delete(d)
        else:
            d.chat_id = new.id
    s.flush()
    s.delete(old)
    s.flush()
    return "merged", new


# ---- audit view --------------------------------------------------------------------------------


def audit_entries(s: Session, scope_path: str | None, limit: int) -> list[tuple[AuditLog, str | None, Unit | None]]:
    """Newest audit rows about units in the subtree (by the unit's current place in the tree; rows
    without a unit are only shown to global admins), with the actor's name and the unit."""
    q = (
        select(AuditLog, Member.display_name, Unit)
        .outerjoin(Member, Member.id == AuditLog.actor_id)
        .outerjoin(Unit, Unit.id == AuditLog.unit_id)
    )
    if scope_path is not None:
        q = q.where(
            or_(
                Unit.path.startswith(scope_path, autoescape=True),
                and_(AuditLog.unit_id.is_(None), AuditLog.unit_path.startswith(scope_path, autoescape=True)),
            )
        )
    rows = s.execute(q.order_by(AuditLog.id.desc()).limit(limit)).all()
    return [(a, name, u) for a, name, u in rows]


def children_of(s: Session, parent_ids: Sequence[int]) -> dict[int, list[Unit]]:
    """Active children of each parent id."""
    out: dict[int, list[Unit]] = {}
    for part in _chunks(sorted(set(parent_ids))):
        q = select(Unit).where(Unit.parent_id.in_(list(part)), Unit.active.is_(True))
        for u in s.scalars(q):
            assert u.parent_id is not None
            out.setdefault(u.parent_id, []).append(u)
    return out


def roots_active(s: Session) -> list[Unit]:
    return repo.roots(s)
