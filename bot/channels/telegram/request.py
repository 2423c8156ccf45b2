"""The Bot API connection: PTB's ``BaseRequest`` over aiohttp instead of PTB's default httpx.

Why: on the report hot path every message costs a ``sendMessage`` (and a share of a ``getUpdates``), and
httpx + httpcore + anyio spend ~0.67 ms of CPU on one such request against ~0.18 ms for aiohttp (measured
against the Bot API emulator, see docs/scale.md) — more than a third of what a whole report costs the worker.
aiohttp is already a dependency (the Zalo webhook server and the emulator). A request without files is
sent as one JSON object (``application/json``, which the Bot API accepts for every method but uploads;
objects such as ``reply_markup`` nested as objects): encoding it costs a fraction of a form's URL
quoting, most of all for Vietnamese text. Uploads are multipart as with ``HTTPXRequest``; the same
User-Agent, and the same errors (``TimedOut``, ``NetworkError``) for PTB's retry and error handling.

An error message never carries the request URL: it holds the bot token (``/bot<token>/method``).
"""

from __future__ import annotations

import json
import urllib.request
from http import HTTPStatus
from typing import Any
from urllib.parse import urlsplit

import aiohttp
from telegram._utils.defaultvalue import DefaultValue
from telegram._utils.types import ODVInput
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData


class AiohttpRequest(BaseRequest):
    """Same parameters and defaults as PTB's ``HTTPXRequest`` (pool of 256, timeouts 5/5/5 s, pool 1 s,
    uploads 20 s). Proxies come from the environment (``HTTPS_PROXY``, ``NO_PROXY``), as with httpx; read
    once per host (aiohttp's own ``trust_env`` asks a worker thread at every request)."""

    __slots__ = ("_connect_timeout", "_initialized", "_media_write_timeout", "_pool_size", "_pool_timeout", "_proxies",
                 "_read_timeout", "_session", "_write_timeout", "_headers", "_json_headers")

    def __init__(
        self,
        connection_pool_size: int = 256,
        read_timeout: float | None = 5.0,
        write_timeout: float | None = 5.0,
        connect_timeout: float | None = 5.0,
        pool_timeout: float | None = 1.0,
        media_write_timeout: float | None = 20.0,
    ) -> None:
        self._pool_size = connection_pool_size
        self._read_timeout = read_timeout
        self._write_timeout = write_timeout
        self._connect_timeout = connect_timeout
        self._pool_timeout = pool_timeout
        self._media_write_timeout = media_write_timeout
        self._session: aiohttp.ClientSession | None = None
        self._proxies: dict[tuple[str, str], str | None] = {}
        self._initialized = False
        self._headers = {"User-Agent": self.USER_AGENT}
        self._json_headers = {"User-Agent": self.USER_AGENT, "Content-Type": "application/json"}

    @property
    def read_timeout(self) -> float | None:
        return self._read_timeout

    async def initialize(self) -> None:
        """The session is made at the first request: PTB does not shut down a Bot whose initialize failed
        (a rejected token), and an unused open session would be reported at exit."""
        self._initialized = True

    async def shutdown(self) -> None:
        self._initialized = False
        if self._session is not None and not self._session.closed:
            await self._session.close()
        self._session = None

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        write_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        connect_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        pool_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        if not self._initialized:
            raise RuntimeError("This AiohttpRequest is not initialized!")
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=self._pool_size),
                                                  trust_env=False)
        files = bool(request_data and request_data.contains_files)
        read = self._read_timeout if isinstance(read_timeout, DefaultValue) else read_timeout
        connect = self._connect_timeout if isinstance(connect_timeout, DefaultValue) else connect_timeout
        pool = self._pool_timeout if isinstance(pool_timeout, DefaultValue) else pool_timeout
        write = ((self._media_write_timeout if files else self._write_timeout)
                 if isinstance(write_timeout, DefaultValue) else write_timeout)
        # aiohttp has no write timeout of its own: the whole request is bounded by the sum of the phases
        phases = (pool, connect, write, read)
        total = None if any(p is None for p in phases) else sum(p for p in phases if p is not None)
        waiting = None if pool is None or connect is None else pool + connect  # a free connection, or a new one
        timeout = aiohttp.ClientTimeout(total=total, connect=waiting, sock_connect=connect, sock_read=read)
        body: Any = None
        headers = self._headers
        if request_data is not None:
            if files:
                body = _form(request_data)
            else:
                body, headers = json.dumps(request_data.parameters, ensure_ascii=False).encode(), self._json_headers
        try:
            async with self._session.request(method, url, data=body, timeout=timeout, proxy=self._proxy(url),
                                             headers=headers) as res:
                status, content = res.status, await res.read()
        except (TimeoutError, aiohttp.ServerTimeoutError):
            raise TimedOut from None
        except aiohttp.ClientError as err:
            raise NetworkError(f"aiohttp.{type(err).__name__}: {_without(str(err), url)}") from None
        if status == HTTPStatus.UNAUTHORIZED:
            # a rejected token ends the bot (PTB raises InvalidToken), and PTB does not shut a Bot down whose
            # initialize failed: closed now, else aiohttp logs "Unclosed client session" at exit
            await self._session.close()
            self._session = None
        return status, content

    def _proxy(self, url: str) -> str | None:
        parts = urlsplit(url)
        key = (parts.scheme, parts.hostname or "")
        if key not in self._proxies:
            bypass = bool(urllib.request.proxy_bypass(key[1])) if key[1] else True
            self._proxies[key] = None if bypass else urllib.request.getproxies_environment().get(key[0])
        return self._proxies[key]


def _form(request_data: RequestData) -> aiohttp.FormData:
    """multipart/form-data: the parameters as fields, then the files (PTB's (filename, content, mimetype))."""
    form = aiohttp.FormData(quote_fields=False)
    for name, value in request_data.json_parameters.items():
        form.add_field(name, value)
    for name, (filename, content, mimetype) in request_data.multipart_data.items():
        form.add_field(name, content, filename=filename, content_type=mimetype)
    return form


def _without(message: str, url: str) -> str:
    """The message without the URL or any part of its path (which holds the token)."""
    path = url.split("://", 1)[-1]
    host, _, rest = path.partition("/")
    for secret in (url, path, rest):
        if secret:
            message = message.replace(secret, "…")
    return message[:300]
