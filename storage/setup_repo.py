"""What the guided first-run setup (bot/core/setup.py) needs to know: how far the organisation is built."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from storage.models import Chat, Member, Target, Unit


@dataclass(frozen=True)
class SetupState:
    top_units: int  # provinces/communes without a parent
    top_name: str | None  # the first of them
    top_code: str | None
    child_units: int  # villages etc. below them
    bound_chats: int
    targets: int
    members: int  # team members on a roster (not counting admins)


def setup_state(s: Session) -> SetupState:
    top = s.execute(select(Unit.name, Unit.code).where(Unit.parent_id.is_(None), Unit.active.is_(True))
                    .order_by(Unit.id).limit(1)).first()
    count = lambda q: int(s.scalar(q) or 0)  # noqa: E731
    return SetupState(
        top_units=count(select(func.count(Unit.id)).where(Unit.parent_id.is_(None), Unit.active.is_(True))),
        top_name=top[0] if top else None,
        top_code=top[1] if top else None,
        child_units=count(select(func.count(Unit.id)).where(Unit.parent_id.is_not(None), Unit.active.is_(True))),
        bound_chats=count(select(func.count(Chat.id)).where(Chat.unit_id.is_not(None))),
        targets=count(select(func.count(Target.id))),
        members=count(select(func.count(Member.id)).where(Member.active.is_(True), Member.role != "admin")),
    )


def unit_name(s: Session, unit_id: int) -> str | None:
    return s.scalar(select(Unit.name).where(Unit.id == unit_id))
