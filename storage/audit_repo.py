"""Audit log rows."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.models import AuditLog, Unit


def add(s: Session, actor_id: int | None, actor_external_id: str, action: str, unit_id: int | None,
        before: dict[str, Any] | None, after: dict[str, Any] | None, outcome: str, at: datetime) -> AuditLog:
    unit = s.get(Unit, unit_id) if unit_id is not None else None
    row = AuditLog(actor_id=actor_id, actor_external_id=actor_external_id, action=action, unit_id=unit_id,
                   unit_path=unit.path if unit else None, before=before, after=after, outcome=outcome, at=at)
    s.add(row)
    s.flush()
    return row


def recent(s: Session, path_prefix: str | None, limit: int = 20) -> list[AuditLog]:
    q = select(AuditLog)
    if path_prefix is not None:
        q = q.where(AuditLog.unit_path.startswith(path_prefix, autoescape=True))
    return list(s.scalars(q.order_by(AuditLog.id.desc()).limit(limit)))


def last_role_change(s: Session, unit_id: int, member_external_id: str) -> AuditLog | None:
    """The latest successful `member.role` entry about that member in that unit (None when there is none)."""
    q = (select(AuditLog).where(AuditLog.action == "member.role", AuditLog.unit_id == unit_id,
                                AuditLog.outcome == "ok").order_by(AuditLog.id.desc()).limit(500))
    for row in s.scalars(q):
        if (row.after or {}).get("member") == member_external_id:
            return row
    return None
