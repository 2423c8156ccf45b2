"""A local Zalo Official Account (OA) OpenAPI + OAuth server, and the Zalo side of its webhook, for tests.

    emu = ZaloOAEmulator(); await emu.start()
    code = emu.auth_code()                       # what the admin gets after granting the app access
    emu.webhook_url = "http://127.0.0.1:<port>/zalo/oa/webhook"
    an = emu.user("An"); group = emu.group("Tổ Thôn 3", [an])
    await emu.say(an, "dangky ABC")              # user_send_text, signed, POSTed to the webhook
    await emu.in_group(group, an, "Thôn 3 hôm nay 12")   # user_send_group_text (no mention needed)
    replies = await emu.wait_for_messages(group)

Like Zalo (docs/zalo.md §8; what is not public is marked "assumed" there):
- OAuth v4 ``POST /v4/oa/access_token`` (form, ``secret_key`` header): ``authorization_code`` -> a pair;
  ``refresh_token`` -> a NEW pair, the used refresh token is dead (-14014); access tokens expire after
  ``access_ttl`` seconds (-124 on use);
- ``POST /v3.0/oa/message/cs`` and ``/v3.0/oa/group/message`` with the ``access_token`` header,
  ``{"recipient": {"user_id"|"group_id"}, "message": {"text"} | {"attachment": media template}}``,
  answers ``{"error": 0, "message": "Success", "data": {"message_id"}}``;
- ``POST /v2.0/oa/upload/image`` (multipart ``file``) -> ``data.attachment_id``; a media message must use
  an uploaded id;
- consultation messages only to a user who wrote within ``cs_window`` seconds (assumed 7 days);
- group messages count against an optional monthly group quota (assumed "quota" error);
- events are signed: ``X-ZEvent-Signature`` = sha256(app_id + body + timestamp + OA secret key); a
  failed delivery (not 200) is retried (a few times, quickly here); the OA's own group messages come back
  as ``oa_send_group_text`` events.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import secrets
import time
from dataclasses import dataclass, field
from typing import Any

import httpx
from aiohttp import web

JSON = dict[str, Any]


@dataclass(frozen=True)
class OAUser:
    id: str
    name: str


@dataclass
class OASent:
    seq: int
    chat_id: str  # the user id, or "g:<group_id>"
    message_id: str
    text: str
    image: bytes | None = None


@dataclass
class _Group:
    id: str
    name: str
    members: set[str] = field(default_factory=set)


def _sig(app_id: str, body: bytes, ts: str, key: str) -> str:
    return hashlib.sha256(app_id.encode() + body + ts.encode() + key.encode()).hexdigest()


class ZaloOAEmulator:
    def __init__(self, *, app_id: str = "2826623761416750119", app_secret: str = "EMUappSECRETkey0123",
                 oa_id: str = "579745863508352884", oa_secret_key: str = "EMUoaSECRETkey456789",
                 access_ttl: int = 3600, cs_window: float = 7 * 86400, group_monthly_quota: int | None = None) -> None:
        self.app_id, self.app_secret, self.oa_id, self.oa_secret_key = app_id, app_secret, oa_id, oa_secret_key
        self.access_ttl = access_ttl
        self.cs_window = cs_window
        self.group_monthly_quota = group_monthly_quota
        self.webhook_url: str | None = None
        self.offset = 0.0  # seconds added to the emulator's clock (token expiry tests)
        self.token_requests: list[JSON] = []  # every OAuth call (grant type, ok or error)
        self.webhook_log: list[int] = []  # HTTP status of every delivery attempt
        self.requests: list[tuple[str, JSON]] = []
        self._codes: set[str] = set()
        self._access: dict[str, float] = {}  # token -> expiry
        self._refresh_live: str | None = None
        self._refresh_used: set[str] = set()
        self._users: dict[str, OAUser] = {}
        self._last_interaction: dict[str, float] = {}
        self._groups: dict[str, _Group] = {}
        self._uploads: dict[str, bytes] = {}
        self._sent: list[OASent] = []
        self._group_sent = 0
        self._seq = 0
        self._event = asyncio.Event()
        self._runner: web.AppRunner | None = None
        self._port: int | None = None
        self._http: httpx.AsyncClient | None = None

    # ---- lifecycle ------------------------------------------------------------------------------------

    async def start(self, host: str = "127.0.0.1") -> None:
        app = web.Application(client_max_size=8 * 1024 * 1024)
        app.router.add_post("/v4/oa/access_token", self._oauth)
        app.router.add_post("/v3.0/oa/message/cs", self._cs)
        app.router.add_post("/v3.0/oa/group/message", self._group_message)
        app.router.add_post("/v2.0/oa/upload/image", self._upload)
        app.router.add_get("/v3.0/oa/user/detail", self._user_detail)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, host, 0)
        await site.start()
        sockets = getattr(getattr(site, "_server", None), "sockets", None) or []
        self._port = int(sockets[0].getsockname()[1])
        self._http = httpx.AsyncClient(timeout=10.0)

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        if self._http is not None:
            await self._http.aclose()
            self._http = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._port}"

    def now(self) -> float:
        return time.time() + self.offset

    def _notify(self) -> None:
        self._event.set()
        self._event = asyncio.Event()

    # ---- OAuth ----------------------------------------------------------------------------------------

    def auth_code(self) -> str:
        code = secrets.token_urlsafe(24)
        self._codes.add(code)
        return code

    def _pair(self) -> JSON:
        access, refresh = secrets.token_urlsafe(32), secrets.token_urlsafe(48)
        self._access[access] = self.now() + self.access_ttl
        self._refresh_live = refresh
        return {"access_token": access, "refresh_token": refresh, "expires_in": str(self.access_ttl)}

    async def _oauth(self, request: web.Request) -> web.Response:
        form = dict(await request.post())
        grant = str(form.get("grant_type", ""))
        if request.headers.get("secret_key") != self.app_secret or form.get("app_id") != self.app_id:
            self.token_requests.append({"grant": grant, "ok": False})
            return web.json_response({"error": -14002, "error_name": "Invalid app", "error_description":
                                      "app_id or secret_key is invalid"})
        if grant == "authorization_code":
            code = str(form.get("code", ""))
            if code not in self._codes:
                self.token_requests.append({"grant": grant, "ok": False})
                return web.json_response({"error": -14005, "error_description": "Invalid authorization code"})
            self._codes.discard(code)
            self.token_requests.append({"grant": grant, "ok": True})
            return web.json_response(self._pair())
        if grant == "refresh_token":
            token = str(form.get("refresh_token", ""))
            if token in self._refresh_used or token != self._refresh_live:
                self.token_requests.append({"grant": grant, "ok": False})
                return web.json_response({"error": -14014, "error_description": "Invalid refresh token"})
            self._refresh_used.add(token)  # single use
            self.token_requests.append({"grant": grant, "ok": True})
            return web.json_response(self._pair())
        return web.json_response({"error": -14001, "error_description": "Invalid grant_type"})

    def expire_access_tokens(self) -> None:
        for token in self._access:
            self._access[token] = 0.0

    def _authorised(self, request: web.Request) -> bool:
        exp = self._access.get(request.headers.get("access_token", ""))
        return exp is not None and exp > self.now()

    # ---- OpenAPI --------------------------------------------------------------------------------------

    @staticmethod
    def _err(code: int, message: str) -> web.Response:
        return web.json_response({"error": code, "message": message})

    async def _body(self, request: web.Request) -> JSON | None:
        try:
            body = await request.json()
        except ValueError:
            return None
        return body if isinstance(body, dict) else None

    def _message(self, body: JSON) -> tuple[str, bytes | None] | web.Response:
        msg = body.get("message")
        if not isinstance(msg, dict):
            return self._err(-201, "message is required")
        raw = msg.get("text")
        text: str = raw if isinstance(raw, str) else ""
        image = None
        att = msg.get("attachment")
        if att is not None:
            try:
                el = att["payload"]["elements"][0]
                assert att["type"] == "template" and att["payload"]["template_type"] == "media"
                image = self._uploads[str(el["attachment_id"])]
            except (KeyError, IndexError, TypeError, AssertionError):
                return self._err(-201, "invalid attachment")
        elif not text:
            return self._err(-201, "text is required")
        if len(text) > 2000:
            return self._err(-201, "text is longer than 2000 characters")
        return text, image

    def _record(self, chat_id: str, text: str, image: bytes | None) -> web.Response:
        self._seq += 1
        mid = secrets.token_hex(10)
        self._sent.append(OASent(self._seq, chat_id, mid, text, image))
        self._notify()
        return web.json_response({"error": 0, "message": "Success", "data": {"message_id": mid}})

    async def _cs(self, request: web.Request) -> web.Response:
        body = await self._body(request)
        self.requests.append(("cs", body or {}))
        if not self._authorised(request):
            return self._err(-124, "Access token is invalid or expired")
        if body is None:
            return self._err(-201, "body must be JSON")
        user_id = str((body.get("recipient") or {}).get("user_id", ""))
        if user_id not in self._users:
            return self._err(-213, "User has not followed or interacted with the OA")
        if self.now() - self._last_interaction.get(user_id, 0.0) > self.cs_window:
            return self._err(-213, "User has not interacted with the OA within the allowed window")
        got = self._message(body)
        if isinstance(got, web.Response):
            return got
        return self._record(user_id, *got)

    async def _group_message(self, request: web.Request) -> web.Response:
        body = await self._body(request)
        self.requests.append(("group", body or {}))
        if not self._authorised(request):
            return self._err(-124, "Access token is invalid or expired")
        if body is None:
            return self._err(-201, "body must be JSON")
        group_id = str((body.get("recipient") or {}).get("group_id", ""))
        if group_id not in self._groups:
            return self._err(-230, "Group not found or the OA is not in it")
        if self.group_monthly_quota is not None and self._group_sent >= self.group_monthly_quota:
            return self._err(-232, "Group message quota exceeded")
        got = self._message(body)
        if isinstance(got, web.Response):
            return got
        self._group_sent += 1
        resp = self._record("g:" + group_id, *got)
        asyncio.get_running_loop().create_task(self._post_event({  # the OA's own message comes back
            "app_id": self.app_id, "event_name": "oa_send_group_text", "sender": {"id": self.oa_id},
            "recipient": {"id": group_id}, "message": {"msg_id": self._sent[-1].message_id, "text": got[0]},
            "timestamp": str(int(self.now() * 1000))}))
        return resp

    async def _user_detail(self, request: web.Request) -> web.Response:
        if not self._authorised(request):
            return self._err(-124, "Access token is invalid or expired")
        try:
            user_id = str(json.loads(request.query.get("data", "{}")).get("user_id", ""))
        except (ValueError, AttributeError):
            return self._err(-201, "data must be JSON")
        user = self._users.get(user_id)
        if user is None:
            return self._err(-213, "User has not followed or interacted with the OA")
        return web.json_response({"error": 0, "message": "Success", "data": {
            "user_id": user.id, "display_name": user.name, "user_is_follower": True}})

    async def _upload(self, request: web.Request) -> web.Response:
        if not self._authorised(request):
            return self._err(-124, "Access token is invalid or expired")
        post = await request.post()
        f = post.get("file")
        content = getattr(f, "file", None)
        if content is None:
            return self._err(-201, "file is required")
        data = content.read()
        if not data.startswith(b"\x89PNG") and not data.startswith(b"\xff\xd8"):
            return self._err(-201, "only jpg/png images")
        att = secrets.token_hex(12)
        self._uploads[att] = data
        return web.json_response({"error": 0, "message": "Success", "data": {"attachment_id": att}})

    # ---- the users' side ------------------------------------------------------------------------------

    def user(self, name: str) -> OAUser:
        u = OAUser(str(secrets.randbelow(9 * 10 ** 18) + 10 ** 18), name)
        self._users[u.id] = u
        return u

    def group(self, name: str, members: list[OAUser] | tuple[OAUser, ...] = ()) -> str:
        g = _Group(secrets.token_hex(10), name, {m.id for m in members})
        self._groups[g.id] = g
        return "g:" + g.id

    def event(self, name: str, user: OAUser, text: str, *, group: str | None = None, ts_ms: int | None = None,
              msg_id: str | None = None) -> JSON:
        return {"app_id": self.app_id, "event_name": name, "sender": {"id": user.id},
                "recipient": {"id": group[2:] if group else self.oa_id},
                "message": {"msg_id": msg_id or secrets.token_hex(10), "text": text},
                "timestamp": str(ts_ms if ts_ms is not None else int(self.now() * 1000)),
                "user_id_by_app": user.id}

    async def say(self, user: OAUser, text: str) -> int:
        """The user writes to the OA privately (this opens the consultation window)."""
        self._last_interaction[user.id] = self.now()
        return await self._post_event(self.event("user_send_text", user, text))

    async def in_group(self, group: str, user: OAUser, text: str) -> int:
        self._groups[group[2:]].members.add(user.id)
        self._last_interaction[user.id] = self.now()
        return await self._post_event(self.event("user_send_group_text", user, text, group=group))

    def signed(self, event: JSON) -> tuple[bytes, dict[str, str]]:
        body = json.dumps(event, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        sig = _sig(str(event.get("app_id", "")), body, str(event.get("timestamp", "")), self.oa_secret_key)
        return body, {"X-ZEvent-Signature": sig, "Content-Type": "application/json"}

    async def _post_event(self, event: JSON) -> int:
        if self.webhook_url is None or self._http is None:
            return 0
        body, headers = self.signed(event)
        status = 0
        for attempt in range(3):  # Zalo retries a delivery that did not get 200 (later; quickly here)
            with contextlib.suppress(httpx.HTTPError):
                status = (await self._http.post(self.webhook_url, content=body, headers=headers)).status_code
            self.webhook_log.append(status)
            if status == 200 or 400 <= status < 500:
                return status
            await asyncio.sleep(0.05 * (attempt + 1))
        return status

    # ---- reading what the OA sent -------------------------------------------------------------------

    def mark(self) -> int:
        return self._seq

    def sent(self, chat_id: str | None = None, since: int = 0) -> list[OASent]:
        return [m for m in self._sent if (chat_id is None or m.chat_id == chat_id) and m.seq > since]

    async def wait_for_messages(self, chat_id: str, count: int = 1, timeout: float = 15.0,
                                since: int = 0) -> list[OASent]:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while len(self.sent(chat_id, since)) < count:
            remaining = deadline - loop.time()
            if remaining <= 0:
                got = [m.text[:80] for m in self.sent(chat_id, since)]
                raise TimeoutError(f"expected {count} message(s) to {chat_id}, got {got}")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._event.wait(), remaining)
        return self.sent(chat_id, since)

    @property
    def live_refresh_token(self) -> str | None:
        return self._refresh_live
