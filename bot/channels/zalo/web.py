"""The bot's own small web server: the Zalo webhook, chart photos and export downloads.

Zalo takes photos by URL only and has no file upload, so a chart is sent as the URL of a PNG this server
renders on request, and an export as a download link. Links carry no state on the server: the token is
the signed request itself (kind, unit, day, language, expiry) — ``base64url(json).base64url(HMAC-SHA256)``
with a key derived from the bot token — so they survive restarts, work behind several workers, and stop
working when they expire or when anything in them is changed.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import logging
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from aiohttp import web

log = logging.getLogger(__name__)

CHART_TTL = timedelta(days=2)
EXPORT_TTL = timedelta(hours=24)
_SAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def derive_key(secret: str, purpose: str = "vneid-zalo-links") -> bytes:
    return hmac.new(secret.encode("utf-8"), purpose.encode("utf-8"), hashlib.sha256).digest()


def safe_filename(name: str) -> str:
    return _SAFE_NAME.sub("_", name).strip("._")[:80] or "file"


class LinkSigner:
    """Signed, expiring links to files the web server renders."""

    def __init__(self, key: bytes, base_url: str | None, clock: Callable[[], datetime]) -> None:
        self.key = key
        self.base_url = (base_url or "").rstrip("/") or None
        self.clock = clock

    @property
    def enabled(self) -> bool:
        return self.base_url is not None

    def token(self, kind: str, params: dict[str, Any], ttl: timedelta) -> str:
        body = {"k": kind, **params, "e": int((self.clock() + ttl).timestamp())}
        raw = json.dumps(body, separators=(",", ":"), sort_keys=True).encode("utf-8")
        sig = hmac.new(self.key, raw, hashlib.sha256).digest()[:18]
        return f"{_b64(raw)}.{_b64(sig)}"

    def verify(self, token: str) -> dict[str, Any] | None:
        """The signed parameters, or None (malformed, forged, or expired)."""
        try:
            raw_b64, sig_b64 = token.split(".", 1)
            raw, sig = _unb64(raw_b64), _unb64(sig_b64)
        except (ValueError, TypeError):
            return None
        good = hmac.new(self.key, raw, hashlib.sha256).digest()[:18]
        if not hmac.compare_digest(sig, good):
            return None
        try:
            body = json.loads(raw)
        except ValueError:
            return None
        if not isinstance(body, dict) or int(body.get("e", 0)) < self.clock().timestamp():
            return None
        return body

    def url(self, kind: str, params: dict[str, Any], filename: str, ttl: timedelta) -> str | None:
        if self.base_url is None:
            return None
        return f"{self.base_url}/zalo/f/{self.token(kind, params, ttl)}/{safe_filename(filename)}"


@dataclass
class File:
    content: bytes
    content_type: str
    filename: str


#: kind -> renderer(params) -> File | None; renderers run in a worker thread (matplotlib, openpyxl, SQL)
Renderer = Callable[[dict[str, Any]], "File | None"]
WebhookHandler = Callable[[dict[str, Any]], Awaitable[None]]
#: the OA webhook: (raw body, X-ZEvent-Signature) -> HTTP status (200 accepted, 401 bad signature, ...)
RawWebhookHandler = Callable[[bytes, "str | None"], Awaitable[int]]


def build_app(signer: LinkSigner, renderers: dict[str, Renderer], *, webhook: WebhookHandler | None = None,
              webhook_secret: str | None = None, oa_webhook: RawWebhookHandler | None = None) -> web.Application:
    app = web.Application(client_max_size=1024 * 1024)

    async def get_file(request: web.Request) -> web.StreamResponse:
        params = signer.verify(request.match_info["token"])
        if params is None:
            return web.Response(status=403, text="link expired or invalid\n")
        render = renderers.get(str(params.get("k")))
        if render is None:
            return web.Response(status=404, text="not found\n")
        try:
            f = await asyncio.to_thread(render, params)
        except Exception:  # noqa: BLE001 - a broken file must not take the server down
            log.exception("rendering %s failed", params.get("k"))
            return web.Response(status=500, text="error\n")
        if f is None:
            return web.Response(status=404, text="not found\n")
        disposition = "inline" if f.content_type.startswith("image/") else "attachment"
        return web.Response(body=f.content, content_type=f.content_type,
                            charset="utf-8" if f.content_type.startswith("text/") else None, headers={
            "Content-Disposition": f'{disposition}; filename="{safe_filename(f.filename)}"',
            "Cache-Control": "private, max-age=300",
        })

    async def post_webhook(request: web.Request) -> web.StreamResponse:
        if webhook is None or not webhook_secret:
            return web.Response(status=404, text="not found\n")
        given = request.headers.get("X-Bot-Api-Secret-Token", "")
        if not hmac.compare_digest(given.encode("utf-8"), webhook_secret.encode("utf-8")):
            return web.Response(status=401, text="unauthorized\n")
        try:
            body = await request.json()
        except ValueError:
            return web.Response(status=400, text="bad request\n")
        if not isinstance(body, dict):
            return web.Response(status=400, text="bad request\n")
        await webhook(body)
        return web.json_response({"ok": True})

    async def post_oa_webhook(request: web.Request) -> web.StreamResponse:
        if oa_webhook is None:
            return web.Response(status=404, text="not found\n")
        raw = await request.read()
        status = await oa_webhook(raw, request.headers.get("X-ZEvent-Signature"))
        return web.json_response({"ok": status == 200}, status=status)

    async def health(_request: web.Request) -> web.StreamResponse:
        return web.Response(text="ok\n")

    app.router.add_post("/zalo/oa/webhook", post_oa_webhook)

    app.router.add_get("/zalo/f/{token}/{name}", get_file)
    app.router.add_post("/zalo/webhook", post_webhook)
    app.router.add_get("/zalo/health", health)
    return app


class WebServer:
    """The aiohttp app on a port (0 = any free port, for tests)."""

    def __init__(self, app: web.Application, host: str = "0.0.0.0", port: int = 8088) -> None:
        self.app, self.host, self._port = app, host, port
        self._runner: web.AppRunner | None = None

    async def start(self) -> None:
        self._runner = web.AppRunner(self.app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self._port)
        await site.start()
        if self._port == 0:
            sockets = getattr(getattr(site, "_server", None), "sockets", None) or []
            if sockets:
                self._port = int(sockets[0].getsockname()[1])

    @property
    def port(self) -> int:
        return self._port

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
