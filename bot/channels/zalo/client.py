"""A thin async client of the Zalo Bot API (no Zalo SDK).

``POST {base}{token}/{method}`` with a JSON body, for every method (Zalo documents POST for all of them).
Answers look like Telegram's (``{"ok": true, "result": ...}`` / ``{"ok": false, "error_code", "description"}``)
but the client is tolerant about the shape: a ``result`` wrapper or not, one update or a list of them,
string or integer ids (see docs/zalo.md for what was verified and what was assumed).

- The token is part of every URL: it is redacted from every log line (a RedactFilter on this module's
  logger and on httpx's) and from every exception this client raises (raised ``from None``, so no chained
  httpx exception carries the URL either).
- ``getUpdates`` long-polls and returns ONE update; an empty poll is answered with 408 (as the HTTP
  status or as ``error_code``): both mean "no update", never an error.
- Network errors, 5xx and 403 are retried with exponential backoff: on the Bot Platform 403 means
  "internal server error" (as python-zalo-bot maps it; docs/zalo.md), never "forbidden".
- 429 means "quota exceeded": never retried. With a ``QuotaMeter`` the month is marked exhausted, the
  admins are told once, and every later send fails at once (no request) until the next month.
- Every message sent is counted per bot per month in the database (``meter``).
- ``send_text`` splits long texts at 2,000 characters on line boundaries.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

import httpx

from bot.logs import RedactFilter

if TYPE_CHECKING:
    from bot.channels.zalo.quota import QuotaMeter

log = logging.getLogger(__name__)

DEFAULT_BASE_URL = "https://bot-api.zaloplatforms.com/bot"
TEXT_LIMIT = 2000


class ZaloError(Exception):
    """A Zalo Bot API call failed. The message never contains the token."""

    def __init__(self, method: str, description: str, *, error_code: int | None = None,
                 status: int | None = None, retry_after: float | None = None) -> None:
        self.method = method
        self.description = description
        self.error_code = error_code
        self.status = status
        self.retry_after = retry_after
        code = error_code if error_code is not None else status
        super().__init__(f"Zalo {method} failed" + (f" ({code})" if code is not None else "") + f": {description}")

    @property
    def code(self) -> int | None:
        return self.error_code if self.error_code is not None else self.status

    @property
    def quota(self) -> bool:
        """Zalo's 429: the plan's message quota is used up (not a short rate limit)."""
        return self.code == 429

    @property
    def retryable(self) -> bool:
        """Worth trying again later: network trouble, server errors (Zalo's 403 is one, see the module doc)."""
        c = self.code
        return c is None or c == 403 or c >= 500


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def split_text(text: str, limit: int = TEXT_LIMIT) -> list[str]:
    """Pieces of at most `limit` characters (counted in UTF-16 units, the stricter count), cut at line
    boundaries; a longer line is cut at its last space, or hard."""
    text = text.strip("\n")
    if utf16_len(text) <= limit:
        return [text] if text else []
    out: list[str] = []
    cur = ""
    for line in text.split("\n"):
        while utf16_len(line) > limit:
            if cur:
                out.append(cur)
                cur = ""
            cut = _cut(line, limit)
            out.append(line[:cut].rstrip())
            line = line[cut:].lstrip(" ")
        candidate = f"{cur}\n{line}" if cur else line
        if cur and utf16_len(candidate) > limit:
            out.append(cur)
            cur = line
        else:
            cur = candidate
    if cur.strip():
        out.append(cur)
    return [p for p in out if p.strip()]


def _cut(line: str, limit: int) -> int:
    """The longest prefix of `line` within `limit` UTF-16 units, preferably ending at a space."""
    n, used = 0, 0
    for ch in line:
        w = 2 if ord(ch) > 0xFFFF else 1
        if used + w > limit:
            break
        used += w
        n += 1
    space = line.rfind(" ", 0, n)
    return space if space > n // 2 else max(n, 1)


def as_list(result: Any) -> list[dict[str, Any]]:
    """getUpdates' result as a list of update dicts: one object, a list, or nothing."""
    if result is None or result == {} or result == []:
        return []
    if isinstance(result, list):
        return [u for u in result if isinstance(u, dict) and u]
    if isinstance(result, dict):
        if "result" in result and ("ok" in result or len(result) == 1):  # doubly wrapped
            return as_list(result["result"])
        return [result]
    return []


class ZaloClient:
    """``ZaloClient(token)``; ``await client.send_text(chat_id, text)``; ``await client.aclose()``."""

    def __init__(
        self,
        token: str,
        base_url: str = DEFAULT_BASE_URL,
        *,
        http: httpx.AsyncClient | None = None,
        timeout: float = 20.0,
        retries: int = 4,
        backoff: float = 0.5,
        max_backoff: float = 8.0,
        sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
    ) -> None:
        if not token:
            raise ValueError("a Zalo bot token is required")
        self.token = token
        base = base_url.rstrip("/")
        self.base_url = base if base.endswith("/bot") else base + "/bot"
        self._own_http = http is None
        self._http = http or httpx.AsyncClient(timeout=timeout)
        self.timeout = timeout
        self.retries = retries
        self.backoff = backoff
        self.max_backoff = max_backoff
        self._sleep = sleep
        self.redactor = RedactFilter([token])
        for name in (__name__, "httpx", "httpcore"):
            logging.getLogger(name).addFilter(self.redactor)
        self.calls = 0  # HTTP requests made (tests, metrics)
        self.meter: QuotaMeter | None = None  # counts sends per month (bot/channels/zalo/quota.py)

    async def aclose(self) -> None:
        for name in (__name__, "httpx", "httpcore"):
            logging.getLogger(name).removeFilter(self.redactor)
        if self._own_http:
            await self._http.aclose()

    async def __aenter__(self) -> ZaloClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    def redact(self, text: str) -> str:
        return self.redactor.redact(text)

    # ---- the one request function ------------------------------------------------------------------

    async def call(self, method: str, payload: dict[str, Any] | None = None, *, timeout: float | None = None,
                   retry: bool = True, empty_on_408: bool = False) -> Any:
        """POST one method; returns ``result`` (or the whole body when there is no ``result``)."""
        url = f"{self.base_url}{self.token}/{method}"
        attempts = (self.retries if retry else 0) + 1
        for attempt in range(1, attempts + 1):
            try:
                return await self._once(method, url, payload or {}, timeout, empty_on_408)
            except ZaloError as exc:
                if attempt >= attempts or not exc.retryable:
                    raise
                delay = exc.retry_after if exc.retry_after is not None else self._delay(attempt)
                log.warning("Zalo %s: %s; retry %d/%d in %.1fs", method, exc.description, attempt,
                            attempts - 1, delay)
                await self._sleep(delay)
        raise AssertionError("unreachable")  # pragma: no cover

    def _delay(self, attempt: int) -> float:
        return min(self.max_backoff, self.backoff * 2 ** (attempt - 1)) * (0.75 + random.random() / 2)

    async def _once(self, method: str, url: str, payload: dict[str, Any], timeout: float | None,
                    empty_on_408: bool) -> Any:
        self.calls += 1
        try:
            response = await self._http.post(url, json=payload, timeout=timeout or self.timeout)
        except httpx.TimeoutException as exc:
            if empty_on_408:
                return None  # the long poll outlived our timeout: same as an empty poll
            raise ZaloError(method, f"timeout ({type(exc).__name__})") from None
        except httpx.HTTPError as exc:
            raise ZaloError(method, f"network error: {type(exc).__name__}: {self.redact(str(exc))[:200]}") from None
        body: Any
        try:
            body = response.json()
        except ValueError:
            body = None
        status = response.status_code
        if status == 408 and empty_on_408:
            return None
        if not isinstance(body, dict):
            if 200 <= status < 300 and body is not None:
                return body  # a bare list: tolerate it
            raise ZaloError(method, f"HTTP {status}: {self.redact(response.text[:200]) or 'no body'}", status=status,
                            retry_after=_retry_after(response, None))
        ok = body.get("ok")
        if ok is False or status >= 400:
            code = _int(body.get("error_code"))
            if empty_on_408 and (code == 408 or "timeout" in str(body.get("description", "")).lower()):
                return None
            desc = self.redact(str(body.get("description") or body.get("message") or f"HTTP {status}"))
            raise ZaloError(method, desc[:300], error_code=code if code is not None else None,
                            status=status, retry_after=_retry_after(response, body))
        return body.get("result", body)

    # ---- methods -----------------------------------------------------------------------------------

    async def get_me(self) -> dict[str, Any]:
        res = await self.call("getMe")
        return res if isinstance(res, dict) else {}

    async def get_updates(self, timeout: int = 30) -> list[dict[str, Any]]:
        """One long poll: the updates that arrived (Zalo gives one at a time), [] when none did."""
        res = await self.call("getUpdates", {"timeout": str(int(timeout))}, timeout=timeout + 10.0, retry=False,
                              empty_on_408=True)
        return as_list(res)

    async def set_webhook(self, url: str, secret_token: str) -> Any:
        return await self.call("setWebhook", {"url": url, "secret_token": secret_token})

    async def delete_webhook(self) -> Any:
        return await self.call("deleteWebhook")

    async def get_webhook_info(self) -> dict[str, Any]:
        res = await self.call("getWebhookInfo")
        return res if isinstance(res, dict) else {}

    @property
    def bot_id(self) -> str:
        return self.token.split(":", 1)[0]

    async def _send(self, method: str, payload: dict[str, Any], *, timeout: float | None = None) -> dict[str, Any]:
        """A method that sends a message: refused at once when the month's quota is used up, counted after."""
        meter = self.meter
        if meter is not None and await asyncio.to_thread(meter.exhausted):
            raise ZaloError(method, "monthly message quota exceeded (waiting for next month)", error_code=429)
        try:
            res = await self.call(method, payload, timeout=timeout)
        except ZaloError as exc:
            if exc.quota and meter is not None:
                await meter.exceeded()
            raise
        if meter is not None:
            await meter.record(1)
        return res if isinstance(res, dict) else {}

    async def send_message(self, chat_id: str | int, text: str) -> dict[str, Any]:
        return await self._send("sendMessage", {"chat_id": str(chat_id), "text": text})

    async def send_text(self, chat_id: str | int, text: str) -> list[dict[str, Any]]:
        """Send a text of any length as as many messages as needed (each ≤ 2,000 characters)."""
        return [await self.send_message(chat_id, part) for part in split_text(text)]

    async def send_photo(self, chat_id: str | int, photo_url: str, caption: str | None = None) -> dict[str, Any]:
        """A photo by URL (Zalo takes no uploads): the URL must be reachable from Zalo's servers."""
        if not photo_url.startswith(("http://", "https://")):
            raise ValueError("Zalo photos are sent by http(s) URL")
        payload: dict[str, Any] = {"chat_id": str(chat_id), "photo": photo_url}
        if caption:
            payload["caption"] = split_text(caption)[0] if caption.strip() else caption
        return await self._send("sendPhoto", payload, timeout=max(self.timeout, 60.0))

    async def send_sticker(self, chat_id: str | int, sticker: str) -> dict[str, Any]:
        return await self._send("sendSticker", {"chat_id": str(chat_id), "sticker": sticker})

    async def send_chat_action(self, chat_id: str | int, action: str = "typing") -> None:
        try:
            await self.call("sendChatAction", {"chat_id": str(chat_id), "action": action}, retry=False)
        except ZaloError as exc:  # a typing indicator is never worth failing for
            log.debug("sendChatAction: %s", exc)


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _retry_after(response: httpx.Response, body: dict[str, Any] | None) -> float | None:
    if body is not None:
        params = body.get("parameters")
        if isinstance(params, dict) and _int(params.get("retry_after")) is not None:
            return float(params["retry_after"])
        if _int(body.get("retry_after")) is not None:
            return float(body["retry_after"])
    header = response.headers.get("Retry-After")
    try:
        return float(header) if header is not None else None
    except ValueError:
        return None
