"""SQL for linking accounts across channels (one person, one roster entry) and Zalo's typed confirmations.

A linked account is a `members` row of another channel whose `linked_member_id` points at the primary
member; it is kept inactive so that rosters and reminders list the person once. Every function takes
an open Session; nothing here commits.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, or_, select, update
from sqlalchemy.orm import Session

from storage import repo
from storage.models import LinkCode, Member, PendingReport


def member_by_id(s: Session, member_id: int) -> Member | None:
    return s.get(Member, member_id)


def code_taken(s: Session, code: str, now: datetime) -> bool:
    q = select(LinkCode.id).where(LinkCode.code == code, LinkCode.used_at.is_(None), LinkCode.expires_at > now)
    return s.scalar(q.limit(1)) is not None


def purge_codes(s: Session, now: datetime, member_id: int | None = None) -> None:
    """Drop expired and used codes, and (with `member_id`) that member's unused ones: a new code replaces them."""
    cond = or_(LinkCode.expires_at <= now, LinkCode.used_at.is_not(None))
    if member_id is not None:
        cond = or_(cond, LinkCode.member_id == member_id)
    s.execute(delete(LinkCode).where(cond))


def add_code(s: Session, member_id: int, code: str, channel: str, now: datetime, expires_at: datetime) -> LinkCode:
    row = LinkCode(code=code, member_id=member_id, channel=channel, created_at=now, expires_at=expires_at)
    s.add(row)
    s.flush()
    return row


def valid_code(s: Session, code: str, channel: str, now: datetime) -> LinkCode | None:
    return s.scalar(
        select(LinkCode)
        .where(LinkCode.code == code, LinkCode.channel == channel, LinkCode.used_at.is_(None),
               LinkCode.expires_at > now)
        .order_by(LinkCode.id.desc())
        .limit(1)
    )


def use_code(s: Session, code_id: int, used_by: str, now: datetime) -> bool:
    """Mark the code used; False when someone else used it first (one statement: no double use)."""
    res = s.execute(
        update(LinkCode).where(LinkCode.id == code_id, LinkCode.used_at.is_(None)).values(used_at=now, used_by=used_by)
    )
    return bool(getattr(res, "rowcount", 0))


def link_account(s: Session, channel: str, external_id: str, name: str, primary: Member) -> tuple[Member, int | None]:
    """Point (channel, external_id) at `primary`; returns the account row and the member it pointed at before."""
    row = repo.member_by_external(s, channel, external_id)
    if row is None:
        row = Member(channel=channel, external_id=external_id, display_name=(name or external_id)[:120],
                     unit_id=primary.unit_id, role=primary.role, active=False, linked_member_id=primary.id)
        s.add(row)
        s.flush()
        return row, None
    before = row.linked_member_id
    row.linked_member_id = primary.id
    row.unit_id, row.role, row.active = primary.unit_id, primary.role, False
    if name:
        row.display_name = name[:120]
    s.flush()
    return row, before


def linked_accounts(s: Session, member_id: int) -> list[Member]:
    return list(s.scalars(select(Member).where(Member.linked_member_id == member_id).order_by(Member.id)))


def unlink(s: Session, channel: str, external_id: str) -> Member | None:
    row = repo.member_by_external(s, channel, external_id)
    if row is None or row.linked_member_id is None:
        return None
    row.linked_member_id = None
    s.flush()
    return row


def latest_pending(s: Session, reporter_id: int, channel: str, chat_id: str, since: datetime) -> PendingReport | None:
    """The newest report of this reporter in this chat still waiting for a typed confirmation."""
    return s.scalar(
        select(PendingReport)
        .where(PendingReport.reporter_id == reporter_id, PendingReport.channel == channel,
               PendingReport.chat_id == chat_id, PendingReport.status == "pending",
               PendingReport.created_at >= since)
        .order_by(PendingReport.id.desc())
        .limit(1)
    )
