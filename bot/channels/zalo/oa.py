"""The Zalo Official Account (OA) channel's wire side: webhook signatures, events, and the OpenAPI client.

Facts used (sources in docs/zalo.md §8):
- webhook: Zalo POSTs JSON events; ``X-ZEvent-Signature`` = hex SHA-256 of
  ``app_id + raw body + timestamp + OA secret key`` (app_id and timestamp are the event's own fields);
- events: ``user_send_text`` (a user writes to the OA: ``sender.id`` = user, ``recipient.id`` = OA) and
  ``user_send_group_text`` (a member writes in a GMF group the OA owns: the group's id is in
  ``recipient.id``, or ``recipient.group_id`` / ``message.conversation_id`` in some clients'
  observations); ``message.msg_id``, ``message.text``; ``timestamp`` in milliseconds (a string);
- sending (header ``access_token``): consultation messages ``POST /v3.0/oa/message/cs``
  ``{"recipient": {"user_id"}, "message": {...}}``, group messages ``POST /v3.0/oa/group/message``
  ``{"recipient": {"group_id"}, "message": {...}}``; an image is uploaded first
  (``POST /v2.0/oa/upload/image``, multipart ``file`` -> ``data.attachment_id``) and sent as a ``media``
  template attachment; answers ``{"error": 0, "message", "data"}``, errors have ``error`` != 0;
- an expired / invalid access token is ``error`` -124 (some clients also see -216): ONE refresh, then
  the call is repeated once.
What is not documented publicly (quota error codes, rate limits of group messages) is handled
defensively: "quota" in the answer or HTTP 429 stops sending for the month like the Bot Platform's 429.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
import time as _time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

import httpx

from bot.channels.zalo.client import TEXT_LIMIT, ZaloError, split_text
from bot.channels.zalo.dispatch import Incoming
from bot.channels.zalo.oa_tokens import TokenError, TokenStore
from bot.logs import RedactFilter

if TYPE_CHECKING:
    from bot.channels.zalo.quota import QuotaMeter

log = logging.getLogger(__name__)

DEFAULT_API_BASE = "https://openapi.zalo.me"
GROUP_PREFIX = "g:"  # our chat id of a GMF group ("g:<group_id>"); a user's chat id is their user id
TOKEN_ERRORS = {-124, -216}
USER_TEXT, GROUP_TEXT = "user_send_text", "user_send_group_text"
#: consultation replies are free for 48 hours after the user's last message, at most 8 of them
#: (as publicly reported; docs/zalo.md §8): beyond that the bot does not send a consultation message
FREE_WINDOW_MS = 48 * 3600 * 1000
FREE_REPLIES = 8
#: events older than this are refused (Zalo retries a failed delivery for about 1.8 hours)
REPLAY_WINDOW_MS = 2 * 3600 * 1000
FUTURE_SKEW_MS = 5 * 60 * 1000


# ---- webhook ---------------------------------------------------------------------------------------


def signature(app_id: str, raw_body: bytes, timestamp: str, oa_secret_key: str) -> str:
    data = app_id.encode("utf-8") + raw_body + timestamp.encode("utf-8") + oa_secret_key.encode("utf-8")
    return hashlib.sha256(data).hexdigest()


def verify(raw_body: bytes, header: str | None, oa_secret_key: str) -> dict[str, Any] | None:
    """The event if `header` is its valid signature, else None (malformed, forged, wrong key)."""
    if not header or not oa_secret_key:
        return None
    try:
        event = json.loads(raw_body)
    except ValueError:
        return None
    if not isinstance(event, dict):
        return None
    given = header.strip()
    if given.lower().startswith("mac="):
        given = given[4:]
    good = signature(str(event.get("app_id", "")), raw_body, str(event.get("timestamp", "")), oa_secret_key)
    return event if hmac.compare_digest(given.lower(), good) else None


class ReplayGuard:
    """Refuse an event seen before (by message id) or outside the time window (by its timestamp)."""

    def __init__(self, clock_ms: Callable[[], int], size: int = 5000) -> None:
        self.clock_ms = clock_ms
        self.size = size
        self._seen: OrderedDict[str, None] = OrderedDict()

    def accept(self, event: dict[str, Any]) -> bool:
        try:
            ts = int(str(event.get("timestamp", "")))
        except ValueError:
            return False
        now = self.clock_ms()
        if ts < now - REPLAY_WINDOW_MS or ts > now + FUTURE_SKEW_MS:
            return False
        msg = _d(event.get("message"))
        key = f"{event.get('event_name')}:{msg.get('msg_id') or ''}:{ts}"
        if key in self._seen:
            return False
        self._seen[key] = None
        while len(self._seen) > self.size:
            self._seen.popitem(last=False)
        return True


def _d(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _s(value: Any) -> str:
    return "" if value is None else str(value).strip()


def parse_event(event: dict[str, Any]) -> Incoming | None:
    """A user or group text event -> Incoming (other events -> None: follows, the OA's own messages...)."""
    name = _s(event.get("event_name"))
    if name not in (USER_TEXT, GROUP_TEXT):
        return None
    msg, sender, recipient = _d(event.get("message")), _d(event.get("sender")), _d(event.get("recipient"))
    user_id = _s(sender.get("id"))
    raw_text = msg.get("text")
    text = raw_text if isinstance(raw_text, str) else ""
    if not user_id:
        return None
    if name == GROUP_TEXT:
        group = _s(recipient.get("group_id")) or _s(msg.get("conversation_id")) or _s(recipient.get("id"))
        if not group:
            return None
        chat_id, is_group = GROUP_PREFIX + group, True
    else:
        chat_id, is_group = user_id, False
    try:
        ts = int(_s(event.get("timestamp")))
    except ValueError:
        ts = None
    name_ = _s(sender.get("display_name") or sender.get("name")) or user_id
    return Incoming(event="message.text.received", chat_id=chat_id, is_group=is_group, user_id=user_id,
                    name=name_[:120], text=text, message_id=_s(msg.get("msg_id")) or f"{chat_id}:{ts}",
                    date_ms=ts)


# ---- the OpenAPI client ----------------------------------------------------------------------------


class OAClient:
    """Sends as the OA; the same ``send_text`` / ``send_photo`` shape as the Bot Platform's ZaloClient, so the
    runner and the scheduler take either (``chat_id`` "g:<id>" is a group, anything else a user)."""

    def __init__(self, tokens: TokenStore, base_url: str = DEFAULT_API_BASE, *,
                 http: httpx.AsyncClient | None = None, timeout: float = 20.0, retries: int = 2,
                 backoff: float = 0.5, sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
                 fetch_image: Callable[[str], Awaitable[tuple[bytes, str, str] | None]] | None = None) -> None:
        self.tokens = tokens
        self.base_url = base_url.rstrip("/")
        self._own_http = http is None
        self._http = http or httpx.AsyncClient(timeout=timeout)
        self.timeout = timeout
        self.retries = retries
        self.backoff = backoff
        self._sleep = sleep
        self.fetch_image = fetch_image  # signed URL of our web server -> (bytes, type, name)
        self.meter: QuotaMeter | None = None
        self.calls = 0
        self.clock_ms = now_ms
        self._window: dict[str, tuple[int, int]] = {}  # user id -> (their last message, replies since)
        self._names: dict[str, str] = {}
        self.redactor = RedactFilter([tokens.app_secret])
        for name in (__name__, "httpx", "httpcore"):
            logging.getLogger(name).addFilter(self.redactor)

    @property
    def bot_id(self) -> str:
        return self.tokens.app_id

    @property
    def token(self) -> str:  # the key the runner derives its link-signing key from
        return self.tokens.app_secret

    async def aclose(self) -> None:
        for name in (__name__, "httpx", "httpcore"):
            logging.getLogger(name).removeFilter(self.redactor)
        if self._own_http:
            await self._http.aclose()

    # ---- one request -----------------------------------------------------------------------------------

    async def call(self, path: str, *, json_body: dict[str, Any] | None = None,
                   files: dict[str, tuple[str, bytes, str]] | None = None,
                   query: dict[str, str] | None = None) -> dict[str, Any]:
        method = path.rsplit("/", 1)[-1]
        try:
            token = await self.tokens.access_token()
        except TokenError as exc:
            raise ZaloError(method, exc.reason, error_code=401) from None
        refreshed = False
        attempt = 0
        while True:
            attempt += 1
            try:
                return await self._once(method, path, token, json_body, files, query)
            except ZaloError as exc:
                if exc.code in TOKEN_ERRORS and not refreshed:
                    refreshed = True  # ONE refresh per refused call; concurrent ones share it
                    try:
                        token = await self.tokens.refresh(stale=token)
                    except TokenError as terr:
                        raise ZaloError(method, terr.reason, error_code=401) from None
                    continue
                if exc.retryable and attempt <= self.retries:
                    await self._sleep(min(8.0, self.backoff * 2 ** (attempt - 1)))
                    continue
                raise

    async def _once(self, method: str, path: str, token: str, json_body: dict[str, Any] | None,
                    files: dict[str, tuple[str, bytes, str]] | None,
                    query: dict[str, str] | None = None) -> dict[str, Any]:
        self.calls += 1
        headers = {"access_token": token}
        try:
            if query is not None:
                resp = await self._http.get(self.base_url + path, params=query, headers=headers, timeout=self.timeout)
            elif files is not None:
                resp = await self._http.post(self.base_url + path, files=files, headers=headers, timeout=60.0)
            else:
                resp = await self._http.post(self.base_url + path, json=json_body or {}, headers=headers,
                                             timeout=self.timeout)
        except httpx.TimeoutException:
            raise ZaloError(method, "timeout") from None
        except httpx.HTTPError as exc:
            raise ZaloError(method, f"network error: {type(exc).__name__}") from None
        try:
            body = resp.json()
        except ValueError:
            body = None
        if not isinstance(body, dict):
            raise ZaloError(method, f"HTTP {resp.status_code}", status=resp.status_code)
        err = body.get("error")
        try:
            code = int(err) if err is not None else 0
        except (TypeError, ValueError):
            code = -1
        desc = str(body.get("message") or f"HTTP {resp.status_code}")[:300]
        if resp.status_code == 429 or (code != 0 and "quota" in desc.lower()):
            raise ZaloError(method, desc, error_code=429, status=resp.status_code)
        if resp.status_code >= 500:
            raise ZaloError(method, desc, status=resp.status_code)
        if code != 0:
            raise ZaloError(method, desc, error_code=code, status=resp.status_code)
        data = body.get("data")
        return data if isinstance(data, dict) else {}

    # ---- sending ---------------------------------------------------------------------------------------

    async def user_name(self, user_id: str) -> str | None:
        """The user's Zalo display name (``GET /v3.0/oa/user/detail?data={"user_id"}``), cached; None on error
        (webhook events carry no name)."""
        if user_id in self._names:
            return self._names[user_id]
        try:
            data = await self.call("/v3.0/oa/user/detail", query={"data": json.dumps({"user_id": user_id})})
        except ZaloError as exc:
            log.debug("no profile for an OA user: %s", exc.description)
            return None
        name = _s(data.get("display_name"))[:120] or None
        if name is not None:
            self._names[user_id] = name
            while len(self._names) > 5000:
                self._names.pop(next(iter(self._names)))
        return name

    def user_wrote(self, user_id: str) -> None:
        """A user's message (re)opens their free reply window."""
        self._window[user_id] = (self.clock_ms(), 0)

    def _window_check(self, user_id: str) -> None:
        """Refuse a consultation message outside the free window (unknown users: Zalo decides)."""
        seen = self._window.get(user_id)
        if seen is None:
            return
        since, replies = seen
        if self.clock_ms() - since > FREE_WINDOW_MS or replies >= FREE_REPLIES:
            raise ZaloError("message/cs", "outside the free reply window (48 h, 8 replies)", error_code=-213)
        self._window[user_id] = (since, replies + 1)

    async def _send(self, chat_id: str, message: dict[str, Any]) -> dict[str, Any]:
        if not chat_id.startswith(GROUP_PREFIX):
            self._window_check(chat_id)
        meter = self.meter
        path = "/v3.0/oa/group/message" if chat_id.startswith(GROUP_PREFIX) else "/v3.0/oa/message/cs"
        recipient = ({"group_id": chat_id[len(GROUP_PREFIX):]} if chat_id.startswith(GROUP_PREFIX)
                     else {"user_id": chat_id})
        if meter is not None and await asyncio.to_thread(meter.exhausted):
            raise ZaloError(path.rsplit("/", 1)[-1], "monthly message quota exceeded (waiting for next month)",
                            error_code=429)
        try:
            res = await self.call(path, json_body={"recipient": recipient, "message": message})
        except ZaloError as exc:
            if exc.quota and meter is not None:
                await meter.exceeded()
            raise
        if meter is not None:
            await meter.record(1)
        return res

    async def send_text(self, chat_id: str | int, text: str) -> list[dict[str, Any]]:
        return [await self._send(str(chat_id), {"text": part}) for part in split_text(text, TEXT_LIMIT)]

    async def upload_image(self, content: bytes, filename: str, content_type: str) -> str:
        data = await self.call("/v2.0/oa/upload/image", files={"file": (filename, content, content_type)})
        attachment = str(data.get("attachment_id") or "")
        if not attachment:
            raise ZaloError("upload/image", "no attachment_id in the answer")
        return attachment

    async def send_photo(self, chat_id: str | int, photo_url: str, caption: str | None = None) -> dict[str, Any]:
        """A chart: our own signed URL is rendered here, uploaded, then sent by attachment id."""
        if self.fetch_image is None:
            raise ValueError("no image source for the Official Account")
        got = await self.fetch_image(photo_url)
        if got is None:
            raise ValueError("the chart link could not be rendered")
        content, ctype, name = got
        attachment = await self.upload_image(content, name, ctype)
        message: dict[str, Any] = {"attachment": {"type": "template", "payload": {
            "template_type": "media", "elements": [{"media_type": "image", "attachment_id": attachment}]}}}
        if caption:
            message["text"] = split_text(caption, TEXT_LIMIT)[0]
        return await self._send(str(chat_id), message)


def now_ms() -> int:
    return int(_time.time() * 1000)
