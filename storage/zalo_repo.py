"""SQL of Zalo in production: monthly send counters per bot, chats' budget mode, Zalo admins' chats,
Official Account OAuth tokens. Every function takes an open Session; nothing here commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, aliased

from storage.db import touch
from storage.models import Chat, Member, OAToken, SendCounter

BUDGET_MODES = ("full", "batched", "summaries")


@dataclass(frozen=True)
class Counter:
    sent: int
    warned: bool
    exhausted: bool


def _row(s: Session, channel: str, bot: str, period: str) -> SendCounter | None:
    return s.scalar(select(SendCounter).where(SendCounter.channel == channel, SendCounter.bot == bot,
                                              SendCounter.period == period))


def count_sends(s: Session, channel: str, bot: str, period: str, n: int, now: datetime) -> Counter:
    """Add `n` sends to this bot's month (atomic increment; the row is created on first use)."""
    cond = (SendCounter.channel == channel, SendCounter.bot == bot, SendCounter.period == period)
    done = s.execute(update(SendCounter).where(*cond).values(sent=SendCounter.sent + n, updated_at=now))
    if not done.rowcount:  # type: ignore[attr-defined]
        try:
            with s.begin_nested():
                s.add(SendCounter(channel=channel, bot=bot, period=period, sent=n, updated_at=now))
        except IntegrityError:  # another process created it meanwhile
            s.execute(update(SendCounter).where(*cond).values(sent=SendCounter.sent + n, updated_at=now))
    return counter(s, channel, bot, period)


def counter(s: Session, channel: str, bot: str, period: str) -> Counter:
    row = _row(s, channel, bot, period)
    if row is None:
        return Counter(0, False, False)
    s.refresh(row)
    return Counter(row.sent, row.warned_at is not None, row.exhausted_at is not None)


def mark_once(s: Session, channel: str, bot: str, period: str, field: str, now: datetime) -> bool:
    """Set warned_at / exhausted_at if not set yet; True for the one caller that set it (tell admins once)."""
    if _row(s, channel, bot, period) is None:
        count_sends(s, channel, bot, period, 0, now)
    col = {"warned_at": SendCounter.warned_at, "exhausted_at": SendCounter.exhausted_at}[field]
    res = s.execute(update(SendCounter).where(SendCounter.channel == channel, SendCounter.bot == bot,
                                              SendCounter.period == period, col.is_(None)).values({field: now}))
    return bool(res.rowcount)  # type: ignore[attr-defined]


def budget_mode(s: Session, channel: str, external_id: str) -> str:
    mode = s.scalar(select(Chat.budget_mode).where(Chat.channel == channel, Chat.external_id == external_id))
    return mode if mode in BUDGET_MODES else "full"


def set_budget_mode(s: Session, chat_id: int, mode: str) -> None:
    if mode not in BUDGET_MODES:
        raise ValueError(f"unknown budget mode {mode!r}")
    touch(s, "chats")
    s.execute(update(Chat).where(Chat.id == chat_id).values(budget_mode=mode))


def admin_accounts(s: Session, channel: str) -> list[str]:
    """External ids on `channel` of active admins (their own role, or the role of the member they link to)."""
    primary = aliased(Member)
    q = (select(Member.external_id)
         .outerjoin(primary, primary.id == Member.linked_member_id)
         .where(Member.channel == channel)
         .where(((Member.linked_member_id.is_(None)) & (Member.active.is_(True)) & (Member.role == "admin"))
                | ((primary.active.is_(True)) & (primary.role == "admin"))))
    return sorted(set(s.scalars(q)))


# ---- Official Account tokens -------------------------------------------------------------------------


def current_token(s: Session, app_id: str) -> OAToken | None:
    return s.scalar(select(OAToken).where(OAToken.app_id == app_id, OAToken.retired_at.is_(None))
                    .order_by(OAToken.id.desc()).limit(1))


def rotate_token(s: Session, app_id: str, access_token: str, refresh_token: str, expires_at: datetime,
                 now: datetime, source: str) -> OAToken:
    """Retire every live token of the app and insert the new one (one transaction: the caller's)."""
    s.execute(update(OAToken).where(OAToken.app_id == app_id, OAToken.retired_at.is_(None)).values(retired_at=now))
    row = OAToken(app_id=app_id, access_token=access_token, refresh_token=refresh_token,
                  access_expires_at=expires_at, created_at=now, source=source)
    s.add(row)
    s.flush()
    return row
