"""Audit log of admin actions and refusals."""

from __future__ import annotations

import logging
from typing import Any

from bot.core.access import Caller
from bot.core.services import Services
from storage import audit_repo

log = logging.getLogger("vneid.audit")


def record(svc: Services, caller: Caller, action: str, *, unit_id: int | None = None,
           before: dict[str, Any] | None = None, after: dict[str, Any] | None = None) -> None:
    with svc.db.session() as s:
        audit_repo.add(s, caller.member_id, caller.external_id, action, unit_id, before, after, "ok",
                       svc.clock())


def log_refusal(svc: Services, caller: Caller, action: str, *, reason: str, unit_id: int | None = None) -> None:
    log.info("refused %s for user %s: %s", action, caller.external_id, reason)
    with svc.db.session() as s:
        audit_repo.add(s, caller.member_id, caller.external_id, action, unit_id, None, {"reason": reason},
                       "refused", svc.clock())
