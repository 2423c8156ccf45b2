"""A local Zalo Bot API server for tests and demos, with Zalo's quirks (see docs/zalo.md).

    emu = ZaloEmulator()
    await emu.start()                                   # a free port on 127.0.0.1
    client = ZaloClient(emu.token, emu.base_url)        # the bot talks to it like to Zalo
    an = emu.user("An")                                  # a Zalo user (hex id, like Zalo's)
    emu.say(an, "Thôn 3 hôm nay 12")                     # as that user, in their private chat with the bot
    replies = await emu.wait_for_messages(an.id)         # what the bot sent to that chat

What it does like Zalo (verified against Zalo's documentation where possible, the rest as observed by
others — see docs/zalo.md):
- ``POST /bot<TOKEN>/<method>`` with a JSON body for every method (GET answers 405); wrong token 401;
- getMe, getUpdates, setWebhook / deleteWebhook / getWebhookInfo, sendMessage, sendPhoto (``photo`` is a
  URL; the emulator downloads it, so a test can check the PNG), sendSticker, sendChatAction;
- ``getUpdates`` takes only ``timeout`` and returns ONE update object (not a list); an empty poll is
  answered with HTTP 408 ``{"ok": false, "error_code": 408, "description": "Request timeout"}``;
  it refuses while a webhook is set;
- updates ``{"event_name": "message.text.received", "message": {"message_id": "<hex>", "date": <ms>,
  "chat": {"id": "<hex>", "chat_type": "PRIVATE" | "GROUP"}, "from": {"id", "display_name", "is_bot"},
  "text"}}``; a private chat's id is the user's id;
- webhooks POST the bare update with the secret in ``X-Bot-Api-Secret-Token`` (secret 8-256 characters);
- text and captions of 1-2,000 characters; no editing, no deleting, no inline buttons, no documents
  (those methods answer 404; ``reply_markup`` / ``parse_mode`` are ignored);
- groups (beta): the bot only receives messages that @mention it (``@`` + its full display name, which
  may have several words) or reply to one of its messages;
- getMe answers ``id``, ``account_name``, ``account_type``, ``can_join_groups`` — no display name;
- no replay after downtime: a message that arrives while no getUpdates is waiting (nor was within
  ``poll_grace`` seconds, nor an update is being handled) and no webhook is set is dropped, never
  delivered later (Zalo documents polling for development only; webhook is the production mode);
- ``echo_own=True``: the bot's own messages come back as updates (sender id = the bot's id);
- optional free-plan limits: at most ``Limits.users`` distinct users reach the bot, at most
  ``Limits.monthly_messages`` messages sent by the bot (then 429).
Quirk switches for tolerance tests: ``result_shape`` "object" (default) | "list" | "bare".
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import json
import logging
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

import httpx
from aiohttp import web

log = logging.getLogger(__name__)

JSON = dict[str, Any]
ResultShape = Literal["object", "list", "bare"]
TEXT_LIMIT = 2000


@dataclass(frozen=True)
class ZaloUser:
    id: str
    name: str


@dataclass
class ZaloLimits:
    text: int = TEXT_LIMIT
    users: int | None = None  # the free plan: 50 users per bot
    monthly_messages: int | None = None  # the free plan: a few thousand messages a month


@dataclass
class ZaloSent:
    """Something the bot sent."""

    seq: int
    chat_id: str
    message_id: str
    kind: str  # text | photo | sticker
    text: str = ""
    photo_url: str | None = None
    caption: str | None = None
    photo_bytes: bytes | None = None
    photo_type: str | None = None
    sticker: str | None = None
    date: int = 0

    @property
    def content(self) -> str:
        return self.text if self.kind == "text" else (self.caption or self.photo_url or self.sticker or "")


@dataclass
class _Chat:
    id: str
    type: str  # PRIVATE | GROUP
    title: str = ""
    members: set[str] = field(default_factory=set)


@dataclass
class _Fault:
    method: str
    status: int
    times: int
    body: JSON | None


class _Signal:
    def __init__(self) -> None:
        self._event = asyncio.Event()

    def notify(self) -> None:
        self._event.set()
        self._event = asyncio.Event()

    async def wait_for(self, predicate: Callable[[], bool], timeout: float) -> bool:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not predicate():
            remaining = deadline - loop.time()
            if remaining <= 0:
                return False
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._event.wait(), remaining)
        return True


def _hex_id() -> str:
    return secrets.token_hex(10)


class ZaloEmulator:
    def __init__(
        self,
        token: str = "3405012345678901234:zaloEMULATORtokenABCDEFGHIJKLMNOP",
        *,
        bot_name: str = "Bot VNeID",
        account_name: str = "bot.vneid",
        groups_enabled: bool = True,
        limits: ZaloLimits | None = None,
        fetch_photos: bool = True,
        result_shape: ResultShape = "object",
        max_poll: float = 30.0,
        echo_own: bool = False,
        poll_grace: float = 5.0,
    ) -> None:
        self.token = token
        self.bot_id = token.split(":", 1)[0]
        self.bot_name = bot_name
        self.account_name = account_name
        self.groups_enabled = groups_enabled
        self.limits = limits or ZaloLimits()
        self.fetch_photos = fetch_photos
        self.result_shape: ResultShape = result_shape
        self.max_poll = max_poll
        self.echo_own = echo_own
        self.poll_grace = poll_grace  # seconds after a poll ended during which new messages still wait
        self.buffer_while_offline = False  # test knob: keep messages while nobody receives (unlike Zalo)
        self._last_poll_end = 0.0
        self._in_flight_since = 0.0
        self.requests: list[tuple[str, str, JSON]] = []  # (HTTP method, API method, body)
        self.webhook_log: list[tuple[int, str]] = []  # (HTTP status, event) of webhook deliveries
        self.dropped: list[JSON] = []  # messages the bot never saw (group without mention, user cap)
        self.chat_actions: list[JSON] = []
        self._users: dict[str, ZaloUser] = {}
        self._reached: set[str] = set()  # users whose messages reach the bot
        self._chats: dict[str, _Chat] = {}
        self._bot_messages: set[tuple[str, str]] = set()
        self._queue: list[JSON] = []
        self._sent: list[ZaloSent] = []
        self._seq = 0
        self._month_sent = 0
        self._polls_waiting = 0
        self._in_flight = 0  # updates handed out (poll or webhook) whose handling is not known to be over
        self._signal = _Signal()
        self._faults: list[_Fault] = []
        self._webhook: JSON | None = None
        self._webhook_task: asyncio.Task[None] | None = None
        self._webhook_http: httpx.AsyncClient | None = None
        self._runner: web.AppRunner | None = None
        self._host = "127.0.0.1"
        self._port: int | None = None
        self._closing = False

    # ------------------------------------------------------------------ lifecycle

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> None:
        app = web.Application(client_max_size=4 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        self._closing = False
        self._runner = web.AppRunner(app, handler_cancellation=True, access_log=None, shutdown_timeout=2.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, host, port)
        await site.start()
        server = getattr(site, "_server", None)
        sockets = getattr(server, "sockets", None) or []
        self._host = host
        self._port = int(sockets[0].getsockname()[1]) if sockets else port
        self._webhook_http = httpx.AsyncClient(timeout=10.0)

    async def stop(self) -> None:
        self._closing = True
        self._signal.notify()
        if self._webhook_task is not None:
            self._webhook_task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._webhook_task
            self._webhook_task = None
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        if self._webhook_http is not None:
            await self._webhook_http.aclose()
            self._webhook_http = None

    async def __aenter__(self) -> ZaloEmulator:
        if self._runner is None:
            await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    @property
    def port(self) -> int:
        if self._port is None:
            raise RuntimeError("emulator not started")
        return self._port

    @property
    def url(self) -> str:
        return f"http://{self._host}:{self.port}"

    @property
    def base_url(self) -> str:
        """What ZALO_API_BASE_URL is set to (the token and the method are appended)."""
        return f"{self.url}/bot"

    # ------------------------------------------------------------------ HTTP side

    @staticmethod
    def _json(body: Any, status: int = 200) -> web.Response:
        return web.Response(text=json.dumps(body, ensure_ascii=False), status=status,
                            content_type="application/json")

    def _error(self, code: int, description: str, status: int | None = None) -> web.Response:
        return self._json({"ok": False, "error_code": code, "description": description}, status or code)

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        method = request.match_info["method"]
        if request.match_info["token"] != self.token:
            return self._error(401, "Unauthorized")
        if request.method != "POST":
            self.requests.append((request.method, method, {}))
            return self._error(405, "Method Not Allowed")
        try:
            raw = await request.read()
            body = json.loads(raw) if raw.strip() else {}
        except ValueError:
            return self._error(400, "Bad Request: body must be JSON")
        if not isinstance(body, dict):
            return self._error(400, "Bad Request: body must be a JSON object")
        self.requests.append(("POST", method, copy.deepcopy(body)))
        fault = self._take_fault(method)
        if fault is not None:
            return self._json(fault.body or {"ok": False, "error_code": fault.status,
                                             "description": f"injected {fault.status}"}, fault.status)
        handler = getattr(self, "_api_" + method, None)
        if handler is None:
            return self._error(404, f"Not Found: method {method} does not exist")
        try:
            result = await handler(body)
        except _ApiError as exc:
            return self._error(exc.code, exc.description, exc.status)
        if isinstance(result, web.StreamResponse):
            return result
        return self._json({"ok": True, "result": result})

    def _take_fault(self, method: str) -> _Fault | None:
        for f in self._faults:
            if f.method == method and f.times > 0:
                f.times -= 1
                return f
        return None

    # ------------------------------------------------------------------ API methods

    async def _api_getMe(self, body: JSON) -> JSON:
        return {"id": self.bot_id, "account_name": self.account_name, "account_type": "BASIC",
                "can_join_groups": self.groups_enabled}

    async def _api_getUpdates(self, body: JSON) -> Any:
        if self._webhook is not None:
            raise _ApiError(409, "Conflict: a webhook is set; call deleteWebhook before getUpdates")
        try:
            timeout = float(body.get("timeout", 30))
        except (TypeError, ValueError):
            raise _ApiError(400, "Bad Request: timeout must be a number") from None
        timeout = max(0.0, min(timeout, self.max_poll))
        self._polls_waiting += 1
        self._in_flight = 0  # the bot asks for more: it is done with what it had
        self._signal.notify()
        try:
            await self._signal.wait_for(lambda: bool(self._queue) or self._closing, timeout)
        finally:
            self._polls_waiting -= 1
            self._last_poll_end = time.monotonic()
        if not self._queue:
            return self._error(408, "Request timeout")
        update = self._queue.pop(0)
        self._in_flight = 1
        self._in_flight_since = time.monotonic()
        self._signal.notify()
        if self.result_shape == "list":
            return [update]
        if self.result_shape == "bare":
            return self._json(update)
        return update

    async def _api_setWebhook(self, body: JSON) -> JSON:
        url, secret = body.get("url"), body.get("secret_token")
        if not isinstance(url, str) or not url.startswith(("http://", "https://")):
            raise _ApiError(400, "Bad Request: url must be an HTTPS URL")
        if not isinstance(secret, str) or not 8 <= len(secret) <= 256:
            raise _ApiError(400, "Bad Request: secret_token must be 8-256 characters")
        self._webhook = {"url": url, "secret_token": secret, "updated_at": _ms()}
        if self._webhook_task is None or self._webhook_task.done():
            self._webhook_task = asyncio.create_task(self._webhook_loop())
        self._signal.notify()
        return {"url": url, "updated_at": self._webhook["updated_at"]}

    async def _api_deleteWebhook(self, body: JSON) -> JSON:
        self._webhook = None
        if self._webhook_task is not None:
            self._webhook_task.cancel()
            self._webhook_task = None
        return {"url": "", "updated_at": _ms()}

    async def _api_getWebhookInfo(self, body: JSON) -> JSON:
        hook = self._webhook or {}
        return {"url": hook.get("url", ""), "updated_at": hook.get("updated_at", 0)}

    def _target(self, body: JSON) -> _Chat:
        chat_id = body.get("chat_id")
        if chat_id is None or str(chat_id) == "":
            raise _ApiError(400, "Bad Request: chat_id is required")
        chat = self._chats.get(str(chat_id))
        if chat is None:
            raise _ApiError(400, "Bad Request: chat not found (the user has not messaged the bot)")
        return chat

    def _quota(self) -> None:
        lim = self.limits.monthly_messages
        if lim is not None and self._month_sent >= lim:
            raise _ApiError(429, "Too Many Requests: monthly message quota exceeded")
        self._month_sent += 1

    def _check_text(self, value: Any, name: str, *, required: bool) -> str:
        if value is None and not required:
            return ""
        if not isinstance(value, str) or (required and not value):
            raise _ApiError(400, f"Bad Request: {name} is required")
        if len(value) > self.limits.text:
            raise _ApiError(400, f"Bad Request: {name} is longer than {self.limits.text} characters")
        return value

    def _record(self, chat: _Chat, kind: str, **fields: Any) -> JSON:
        self._seq += 1
        message_id = _hex_id()
        sent = ZaloSent(self._seq, chat.id, message_id, kind, date=_ms(), **fields)
        self._sent.append(sent)
        self._bot_messages.add((chat.id, message_id))
        if self.echo_own and kind == "text":
            self._deliver({"event_name": "message.text.received", "message": {
                "message_id": message_id, "date": sent.date, "chat": {"id": chat.id, "chat_type": chat.type},
                "from": {"id": self.bot_id, "display_name": self.bot_name}, "text": fields.get("text", "")}})
        self._signal.notify()
        return {"message_id": message_id, "date": sent.date}

    async def _api_sendMessage(self, body: JSON) -> JSON:
        chat = self._target(body)
        text = self._check_text(body.get("text"), "text", required=True)
        self._quota()
        return self._record(chat, "text", text=text)

    async def _api_sendPhoto(self, body: JSON) -> JSON:
        chat = self._target(body)
        photo = body.get("photo")
        if not isinstance(photo, str) or not photo.startswith(("http://", "https://")):
            raise _ApiError(400, "Bad Request: photo must be an image URL")
        caption = self._check_text(body.get("caption"), "caption", required=False)
        data: bytes | None = None
        ctype: str | None = None
        if self.fetch_photos and self._webhook_http is not None:
            try:
                resp = await self._webhook_http.get(photo)
            except httpx.HTTPError as exc:
                raise _ApiError(400, f"Bad Request: cannot download photo ({type(exc).__name__})") from None
            ctype = resp.headers.get("content-type", "").split(";")[0]
            if resp.status_code != 200 or not ctype.startswith("image/"):
                raise _ApiError(400, f"Bad Request: photo URL answered {resp.status_code} {ctype}")
            data = resp.content
        self._quota()
        return self._record(chat, "photo", photo_url=photo, caption=caption or None, photo_bytes=data,
                            photo_type=ctype)

    async def _api_sendSticker(self, body: JSON) -> JSON:
        chat = self._target(body)
        sticker = body.get("sticker")
        if not isinstance(sticker, str) or not sticker:
            raise _ApiError(400, "Bad Request: sticker is required")
        self._quota()
        return self._record(chat, "sticker", sticker=sticker)

    async def _api_sendChatAction(self, body: JSON) -> bool:
        self._target(body)
        if body.get("action") not in ("typing", "upload_photo"):
            raise _ApiError(400, "Bad Request: action must be typing or upload_photo")
        self.chat_actions.append(dict(body))
        return True

    # ------------------------------------------------------------------ webhook delivery

    async def _webhook_loop(self) -> None:
        while not self._closing:
            await self._signal.wait_for(lambda: bool(self._queue) or self._closing or self._webhook is None, 3600)
            hook = self._webhook
            if hook is None or self._closing:
                return
            while self._queue and self._webhook is not None:
                update = self._queue[0]
                self._in_flight = 1
                status = await self._post_webhook(hook, update)
                self._queue.pop(0)
                self._in_flight = 0
                self.webhook_log.append((status, str(update.get("event_name"))))
                self._signal.notify()

    async def _post_webhook(self, hook: JSON, update: JSON) -> int:
        assert self._webhook_http is not None
        status = 0
        for attempt in range(3):
            try:
                resp = await self._webhook_http.post(
                    hook["url"], json=update, headers={"X-Bot-Api-Secret-Token": hook["secret_token"]})
                status = resp.status_code
                if status < 500:
                    return status
            except httpx.HTTPError:
                status = 0
            await asyncio.sleep(0.05 * (attempt + 1))
        return status

    # ------------------------------------------------------------------ user side

    def user(self, name: str, user_id: str | None = None) -> ZaloUser:
        """A Zalo user (a fresh hex id unless given)."""
        u = ZaloUser(user_id or _hex_id(), name)
        self._users[u.id] = u
        return u

    def private_chat(self, user: ZaloUser) -> str:
        """The user's private chat with the bot (its id is the user's id)."""
        self._users[user.id] = user
        chat = self._chats.setdefault(user.id, _Chat(user.id, "PRIVATE", user.name, {user.id}))
        return chat.id

    def group(self, title: str, members: list[ZaloUser] | tuple[ZaloUser, ...] = (), chat_id: str | None = None) -> str:
        """A group chat the bot is in."""
        if not self.groups_enabled:
            raise RuntimeError("this bot cannot join groups")
        chat = _Chat(chat_id or _hex_id(), "GROUP", title, {m.id for m in members})
        self._chats[chat.id] = chat
        return chat.id

    def say(self, user: ZaloUser, text: str) -> JSON:
        """The user writes to the bot in their private chat."""
        return self.send_message(self.private_chat(user), user, text)

    def send_message(self, chat_id: str, user: ZaloUser, text: str, *, mention: bool = False,
                     reply_to: str | None = None) -> JSON:
        """A user sends a text in a chat. In a group only a mention (``mention=True`` prefixes
        "@<bot name> ") or a reply to one of the bot's messages reaches the bot. Returns the message."""
        chat = self._chats.get(chat_id)
        if chat is None:
            raise KeyError(f"no chat {chat_id}")
        chat.members.add(user.id)
        self._users[user.id] = user
        if mention:
            text = f"@{self.bot_name} {text}"
        message = {
            "message_id": _hex_id(),
            "date": _ms(),
            "chat": {"id": chat.id, "chat_type": chat.type},
            "from": {"id": user.id, "display_name": user.name, "is_bot": False},
            "text": text,
        }
        update = {"event_name": "message.text.received", "message": message}
        if chat.type == "GROUP":
            addressed = f"@{self.bot_name}".lower() in text.lower() or (
                reply_to is not None and (chat.id, reply_to) in self._bot_messages)
            if not addressed:
                self.dropped.append(update)
                return message
        lim = self.limits.users
        if lim is not None and user.id not in self._reached and len(self._reached) >= lim:
            self.dropped.append(update)
            return message
        self._reached.add(user.id)
        self._deliver(update)
        return message

    @property
    def receiving(self) -> bool:
        """Someone takes updates now: a webhook is set, a poll is waiting (or just ended), or an update
        handed out is being handled (for at most a minute: a bot that died holding one receives nothing)."""
        now = time.monotonic()
        return (self._webhook is not None or self._polls_waiting > 0
                or now - self._last_poll_end < self.poll_grace
                or (self._in_flight > 0 and now - self._in_flight_since < 60.0)
                or self.buffer_while_offline)

    def _deliver(self, update: JSON) -> None:
        if not self.receiving:
            self.dropped.append(update)  # Zalo keeps nothing for a bot that is not receiving
            return
        self._queue.append(update)
        self._signal.notify()

    def go_offline(self) -> None:
        """Forget the poll grace (the bot stopped polling long ago): later messages are dropped."""
        self._last_poll_end = 0.0
        self._in_flight = 0

    async def wait_receiving(self, timeout: float = 10.0) -> None:
        """Until the bot polls (or set a webhook): before that, Zalo would drop what users send."""
        if not await self._signal.wait_for(lambda: self._webhook is not None or self._polls_waiting > 0, timeout):
            raise TimeoutError("the bot never started receiving")

    def send_raw(self, update: JSON) -> None:
        """Queue any update as is (odd shapes, stickers, images) — dropped too while nobody receives."""
        self._deliver(copy.deepcopy(update))

    def fail_next(self, method: str, status: int = 500, times: int = 1, body: JSON | None = None) -> None:
        """The next `times` calls of `method` answer `status` (with `body`, or a Zalo-style error)."""
        self._faults.append(_Fault(method, status, times, body))

    # ------------------------------------------------------------------ reading what the bot did

    def mark(self) -> int:
        return self._seq

    def sent(self, chat_id: str | None = None, since: int = 0) -> list[ZaloSent]:
        return [m for m in self._sent if (chat_id is None or m.chat_id == chat_id) and m.seq > since]

    async def wait_for_messages(self, chat_id: str, count: int = 1, timeout: float = 10.0,
                                since: int | None = None) -> list[ZaloSent]:
        """Wait until the bot has sent `count` messages to `chat_id` after marker `since`; return them all."""
        start = since or 0
        if not await self._signal.wait_for(lambda: len(self.sent(chat_id, start)) >= count, timeout):
            got = [m.content[:80] for m in self.sent(chat_id, start)]
            raise TimeoutError(f"expected {count} message(s) to {chat_id} within {timeout}s, got {got}")
        return self.sent(chat_id, start)

    async def wait_idle(self, timeout: float = 10.0) -> bool:
        """Wait until every queued update was taken and the bot came back for more (polling) or the
        webhook answered (webhook mode)."""
        def idle() -> bool:
            if self._queue or self._in_flight:
                return False
            return self._webhook is not None or self._polls_waiting > 0

        if not await self._signal.wait_for(idle, timeout):
            raise TimeoutError(f"{len(self._queue)} update(s) still queued")
        return True

    @property
    def pending_updates(self) -> int:
        return len(self._queue)

    @property
    def webhook(self) -> JSON | None:
        return copy.deepcopy(self._webhook)

    def calls(self, method: str) -> list[JSON]:
        return [b for (_http, m, b) in self.requests if m == method]


class _ApiError(Exception):
    def __init__(self, code: int, description: str, status: int | None = None) -> None:
        super().__init__(description)
        self.code, self.description, self.status = code, description, status or code


def _ms() -> int:
    return int(time.time() * 1000)
