"""OAuth v4 tokens of a Zalo Official Account: stored in the database, refreshed by one process at a time.

Facts (docs/zalo.md §8): ``POST https://oauth.zaloapp.com/v4/oa/access_token`` with the app's secret key in
the ``secret_key`` header and a form body ``app_id`` + ``grant_type=authorization_code`` + ``code`` (first
token, ``vneid-bot zalo-oa auth``) or ``grant_type=refresh_token`` + ``refresh_token``; the answer holds
``access_token``, ``refresh_token`` and ``expires_in`` (seconds, about an hour). A refresh token works
ONCE: the answer carries the next one. So:

- the new pair is inserted in the same transaction that retires the old row (``oa_tokens``): a crash
  either keeps the old pair (Zalo's answer was never stored... and the old refresh token may then be
  spent — the one unavoidable window, logged) or stores the new one;
- only one refresher at a time: a PostgreSQL transaction advisory lock, on SQLite the database write
  lock (taken by a first UPDATE), and in-process an asyncio lock. A second refresher that waited finds
  a fresh token and uses it instead of spending the refresh token again;
- a 401 / "access token invalid" triggers ONE refresh (``refresh(stale=token)``): callers that hit it
  together refresh once.
Tokens and secrets are never logged.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import text, update

from bot.core.services import Services
from bot.logs import RedactFilter
from storage import zalo_repo
from storage.models import OAToken

log = logging.getLogger(__name__)

DEFAULT_OAUTH_BASE = "https://oauth.zaloapp.com"
TOKEN_PATH = "/v4/oa/access_token"
#: refresh this long before the access token expires
EARLY = timedelta(minutes=5)
#: PostgreSQL advisory lock key of the refresher ("vneidOAT")
REFRESH_LOCK_KEY = 0x766E_6569_644F_4154
#: Zalo's OAuth errors for a refresh token or code that can no longer be used (docs/zalo.md §8)
DEAD_REFRESH = {-14014, -14020, -14005, -14019}


class TokenError(Exception):
    """No usable token: the reason never contains a token or secret."""

    def __init__(self, reason: str, *, code: int | None = None, dead: bool = False) -> None:
        super().__init__(reason)
        self.reason, self.code, self.dead = reason, code, dead


@dataclass(frozen=True)
class Token:
    access_token: str
    expires_at: datetime


class TokenStore:
    def __init__(self, svc: Services, app_id: str, app_secret: str, oauth_base: str = DEFAULT_OAUTH_BASE,
                 *, timeout: float = 20.0) -> None:
        if not app_id or not app_secret:
            raise ValueError("ZALO_OA_APP_ID and ZALO_OA_APP_SECRET are required")
        self.svc = svc
        self.app_id = app_id
        self.app_secret = app_secret
        self.oauth_base = oauth_base.rstrip("/")
        self.timeout = timeout
        self._lock = asyncio.Lock()
        self.refreshes = 0  # refresh requests this process made (tests, metrics)
        self.redactor = RedactFilter([app_secret])
        self.on_dead: Any = None  # async callable(reason) when re-authorisation is needed

    # ---- reading --------------------------------------------------------------------------------------

    def _current(self) -> Token | None:
        with self.svc.db.session() as s:
            row = zalo_repo.current_token(s, self.app_id)
            return Token(row.access_token, row.access_expires_at) if row is not None else None

    async def access_token(self) -> str:
        tok = await asyncio.to_thread(self._current)
        if tok is None:
            raise TokenError("no Official Account token yet: run `vneid-bot zalo-oa auth`", dead=True)
        if tok.expires_at - EARLY <= self.svc.clock():
            return await self.refresh(stale=tok.access_token)
        return tok.access_token

    # ---- refreshing (one at a time) -------------------------------------------------------------------

    async def refresh(self, stale: str | None = None) -> str:
        """A fresh access token. `stale` is the token a call was refused with: when the stored one differs,
        someone refreshed meanwhile and no refresh is made (one refresh per expiry, not a storm)."""
        async with self._lock:
            try:
                return await asyncio.to_thread(self._refresh_locked, stale)
            except TokenError as exc:
                if exc.dead and self.on_dead is not None:
                    await self.on_dead(exc.reason)
                raise

    def _refresh_locked(self, stale: str | None) -> str:
        now = self.svc.clock()
        with self.svc.db.session() as s:
            if self.svc.db.dialect == "postgresql":
                s.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": REFRESH_LOCK_KEY})
            else:  # SQLite: take the write lock now (held to commit) so a second process waits here
                s.execute(update(OAToken).where(OAToken.app_id == self.app_id, OAToken.retired_at.is_(None))
                          .values(app_id=OAToken.app_id))
            row = zalo_repo.current_token(s, self.app_id)
            if row is None:
                raise TokenError("no Official Account token yet: run `vneid-bot zalo-oa auth`", dead=True)
            fresh = row.access_expires_at - EARLY > now
            if fresh and (stale is None or row.access_token != stale):
                return row.access_token  # another refresher did it while we waited
            answer = self._post({"app_id": self.app_id, "grant_type": "refresh_token",
                                 "refresh_token": row.refresh_token})
            self.refreshes += 1
            new = zalo_repo.rotate_token(s, self.app_id, answer["access_token"], answer["refresh_token"],
                                         now + timedelta(seconds=answer["expires_in"]), now, "refresh")
            log.info("Official Account token refreshed (valid until %s)", new.access_expires_at.isoformat())
            return new.access_token

    def authorize(self, code: str, code_verifier: str | None = None) -> datetime:
        """The first pair from an authorisation code (the CLI); retires whatever was stored."""
        form = {"app_id": self.app_id, "grant_type": "authorization_code", "code": code.strip()}
        if code_verifier:
            form["code_verifier"] = code_verifier.strip()
        answer = self._post(form)
        now = self.svc.clock()
        with self.svc.db.session() as s:
            row = zalo_repo.rotate_token(s, self.app_id, answer["access_token"], answer["refresh_token"],
                                         now + timedelta(seconds=answer["expires_in"]), now, "auth")
            return row.access_expires_at

    def _post(self, form: dict[str, str]) -> dict[str, Any]:
        url = self.oauth_base + TOKEN_PATH
        try:
            with httpx.Client(timeout=self.timeout) as http:
                resp = http.post(url, data=form, headers={"secret_key": self.app_secret})
        except httpx.HTTPError as exc:
            raise TokenError(f"network error: {type(exc).__name__}") from None
        try:
            body = resp.json()
        except ValueError:
            body = None
        if not isinstance(body, dict):
            raise TokenError(f"HTTP {resp.status_code}, no JSON")
        if body.get("access_token") and body.get("refresh_token"):
            try:
                expires = int(body.get("expires_in") or 3600)
            except (TypeError, ValueError):
                expires = 3600
            return {"access_token": str(body["access_token"]), "refresh_token": str(body["refresh_token"]),
                    "expires_in": max(60, expires)}
        code = _int(body.get("error"))
        reason = self.redactor.redact(str(body.get("error_description") or body.get("message")
                                          or body.get("error_name") or f"HTTP {resp.status_code}"))[:200]
        dead = code in DEAD_REFRESH
        log.error("Zalo OAuth refused (%s): %s%s", code, reason, " — re-authorise the OA" if dead else "")
        raise TokenError(reason, code=code, dead=dead)


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
