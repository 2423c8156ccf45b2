"""One person, one roster entry, on both channels: one-time link codes (channel-neutral).

In Telegram a member types ``/lienketzalo`` and gets a 6-digit code valid 10 minutes (private chat only:
in a group, anybody could use it). Typing ``lienket 123456`` to the Zalo bot makes that Zalo account a
*linked account* of the member: ``Services.caller("zalo", id)`` then resolves to the Telegram member, so
reports, undo, progress and roles are the same person's whichever app is used. The linked row stays
inactive (rosters and reminders name the person once). Codes are single use (one conditional UPDATE);
wrong guesses are limited per account (5 per 10 minutes) and every link is audited.
"""

from __future__ import annotations

import secrets
from collections import defaultdict, deque
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal

from bot import names
from bot.access import Caller
from bot.audit import log_refusal, record
from bot.fmt import esc
from bot.services import Services
from bot.texts import t
from storage import link_repo

CODE_TTL = timedelta(minutes=10)
CODE_DIGITS = 6
MAX_FAILURES = 5
FAILURE_WINDOW = timedelta(minutes=10)

Status = Literal["code", "linked", "relinked", "already", "bad_code", "too_many", "not_member", "private_only",
                 "unlinked", "not_linked"]


@dataclass
class LinkResult:
    status: Status
    key: str
    args: dict[str, Any] = field(default_factory=dict)
    code: str | None = None

    def text(self, lang: str) -> str:
        return t(self.key, lang, **self.args)


def is_code(text: str) -> bool:
    return len(text) == CODE_DIGITS and text.isdigit()


class LinkService:
    is_code = staticmethod(is_code)

    def __init__(self, svc: Services) -> None:
        self.svc = svc
        self._failures: dict[tuple[str, str], deque[datetime]] = defaultdict(deque)

    # ---- the primary side (Telegram) -------------------------------------------------------------

    def new_code(self, caller: Caller, *, private: bool = True, channel: str = "zalo") -> LinkResult:
        """A fresh code for `caller` (any earlier unused code of theirs stops working)."""
        if caller.member_id is None:
            return LinkResult("not_member", "link.not_member")
        if not private:
            return LinkResult("private_only", "link.private_only")
        now = self.svc.clock()
        with self.svc.db.session() as s:
            link_repo.purge_codes(s, now, caller.member_id)
            for _ in range(50):
                code = f"{secrets.randbelow(10 ** CODE_DIGITS):0{CODE_DIGITS}d}"
                if not link_repo.code_taken(s, code, now):
                    break
            else:  # pragma: no cover - a million codes in ten minutes
                raise RuntimeError("no free link code")
            link_repo.add_code(s, caller.member_id, code, channel, now, now + CODE_TTL)
        minutes = int(CODE_TTL.total_seconds() // 60)
        return LinkResult("code", "link.code", {"code": code, "minutes": minutes}, code=code)

    # ---- the other side (Zalo) --------------------------------------------------------------------

    def redeem(self, channel: str, external_id: str, name: str, code: str) -> LinkResult:
        """``lienket 123456`` typed by (channel, external_id)."""
        name = names.sanitize(name)  # the account's profile name is stored: no bidi/control characters
        now = self.svc.clock()
        who = (channel, str(external_id))
        stranger = Caller(channel, str(external_id), name)
        if self._blocked(who, now):
            log_refusal(self.svc, stranger, "member.link", reason="too many wrong codes")
            return LinkResult("too_many", "link.too_many", {"minutes": int(FAILURE_WINDOW.total_seconds() // 60)})
        code = code.strip()
        with self.svc.db.session() as s:
            # a code made "for Zalo" (/lienketzalo) links either Zalo surface: the Bot Platform or the OA
            code_channel = "zalo" if channel in ("zalo", "zalo_oa") else channel
            row = link_repo.valid_code(s, code, code_channel, now) if is_code(code) else None
            primary = link_repo.member_by_id(s, row.member_id) if row is not None else None
            if row is None or primary is None or not primary.active or primary.linked_member_id is not None:
                failed = True
            else:
                failed = False
                if not link_repo.use_code(s, row.id, str(external_id), now):
                    failed = True
        if failed:
            self._failures[who].append(now)
            log_refusal(self.svc, stranger, "member.link", reason="bad link code")
            return LinkResult("bad_code", "link.bad_code")
        assert primary is not None
        with self.svc.db.session() as s:
            primary = link_repo.member_by_id(s, primary.id)
            assert primary is not None
            account, before = link_repo.link_account(s, channel, str(external_id), name, primary)
            unit_name, primary_name, primary_id, unit_id = primary.unit.name, primary.display_name, primary.id, primary.unit_id
            account_id = account.id
        self._failures.pop(who, None)
        actor = Caller(channel, str(external_id), name, member_id=account_id)
        record(self.svc, actor, "member.link", unit_id=unit_id,
               before={"linked_to": before} if before is not None else None,
               after={"channel": channel, "account": str(external_id), "linked_to": primary_id})
        args = {"name": esc(primary_name), "unit": esc(unit_name)}
        if before == primary_id:
            return LinkResult("already", "link.already", args)
        return LinkResult("relinked" if before is not None else "linked", "link.done", args)

    def unlink(self, channel: str, external_id: str, name: str = "") -> LinkResult:
        with self.svc.db.session() as s:
            row = link_repo.unlink(s, channel, str(external_id))
            info = (row.id, row.unit_id) if row is not None else None
        if info is None:
            return LinkResult("not_linked", "link.not_linked")
        record(self.svc, Caller(channel, str(external_id), name, member_id=info[0]), "member.unlink",
               unit_id=info[1], before={"channel": channel, "account": str(external_id)}, after=None)
        return LinkResult("unlinked", "link.unlinked")

    def _blocked(self, who: tuple[str, str], now: datetime) -> bool:
        q = self._failures.get(who)
        if not q:
            return False
        while q and now - q[0] > FAILURE_WINDOW:
            q.popleft()
        return len(q) >= MAX_FAILURES
