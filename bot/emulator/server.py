"""A local Telegram Bot API server for tests and the demo (see DESIGN.md §6).

The bot talks to it over HTTP exactly as to api.telegram.org
(``ApplicationBuilder().base_url(emu.base_url).base_file_url(emu.base_file_url)``); tests act as users
through the Python methods of :class:`Emulator` (same event loop) or through the ``/control/...`` HTTP API.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import copy
import itertools
import json
import logging
import mimetypes
import random
import struct
import time
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from aiohttp import ClientSession, ClientTimeout, web

from .control import add_control_routes
from .entities import EntityParseError, auto_entities, parse_text
from .models import JSON, ApiError, EmulatorStats, Limits, SentMessage, User, bad_request
from .ratelimit import FloodControl
from .reactions import ReactionState, check_available, parse_reactions

log = logging.getLogger(__name__)

#: Update types delivered when a bot never set ``allowed_updates`` (Telegram's default).
DEFAULT_ALLOWED = frozenset(
    {
        "message", "edited_message", "channel_post", "edited_channel_post", "business_connection",
        "business_message", "edited_business_message", "deleted_business_messages", "inline_query",
        "chosen_inline_result", "callback_query", "shipping_query", "pre_checkout_query",
        "purchased_paid_media", "poll", "poll_answer", "my_chat_member", "chat_join_request",
        "chat_boost", "removed_chat_boost",
    }
)
FAULT_KINDS = ("429", "500", "502", "timeout")
SERVICE_USER: JSON = {"id": 777000, "is_bot": False, "first_name": "Telegram"}
_CONFLICT_POLL = (
    "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running"
)
_NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly the same as a "
    "current content and reply markup of the message"
)
_BUTTON_ACTIONS = (
    "callback_data", "url", "web_app", "login_url", "switch_inline_query", "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat", "copy_text", "callback_game", "pay",
)
_ADMIN_RIGHTS = {
    "can_be_edited": False, "is_anonymous": False, "can_manage_chat": True, "can_delete_messages": True,
    "can_manage_video_chats": True, "can_restrict_members": True, "can_promote_members": False,
    "can_change_info": True, "can_invite_users": True, "can_post_stories": False, "can_edit_stories": False,
    "can_delete_stories": False, "can_pin_messages": True,
}
_CHAT_ACTIONS = {
    "typing", "upload_photo", "record_video", "upload_video", "record_voice", "upload_voice",
    "upload_document", "choose_sticker", "find_location", "record_video_note", "upload_video_note",
}


class _Signal:
    """Broadcast "something changed" to waiting coroutines; ``notify`` is synchronous (no lock needed)."""

    def __init__(self) -> None:
        self._event = asyncio.Event()

    def notify(self) -> None:
        self._event.set()
        self._event = asyncio.Event()

    async def wait(self, timeout: float) -> None:
        """Wait for the next notify, at most ``timeout`` seconds."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._event.wait(), timeout)

    async def wait_for(self, predicate: Callable[[], bool], timeout: float) -> bool:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not predicate():
            remaining = deadline - loop.time()
            if remaining <= 0:
                return False
            await self.wait(remaining)
        return True


@dataclass
class _Upload:
    filename: str | None
    data: bytes
    content_type: str | None


@dataclass
class _File:
    file_id: str
    file_unique_id: str
    data: bytes
    file_path: str
    filename: str | None
    mime_type: str | None


@dataclass
class _Chat:
    data: JSON  # the Telegram Chat object
    members: dict[int, JSON] = field(default_factory=dict)  # user id -> {"user": ..., "status": ...}
    bot_status: str = "member"  # member | administrator | left | kicked
    blocked: bool = False  # private chat: the user blocked the bot
    migrated_to: int | None = None
    next_message_id: int = 1

    @property
    def id(self) -> int:
        return int(self.data["id"])

    @property
    def type(self) -> str:
        return str(self.data["type"])


@dataclass
class _Fault:
    rate: float
    kinds: tuple[str, ...]
    methods: frozenset[str] | None
    rng: random.Random
    timeout_delay: float | None


class _Params:
    """Bot API parameters from a query string, a JSON body, a form or a multipart body."""

    def __init__(self, values: dict[str, Any], files: dict[str, _Upload]) -> None:
        self.values = values
        self.files = files

    def has(self, name: str) -> bool:
        return self.values.get(name) not in (None, "")

    def string(self, name: str, default: str | None = None) -> str | None:
        value = self.values.get(name)
        if value is None:
            return default
        if isinstance(value, dict | list):
            return json.dumps(value)
        return str(value)

    def integer(self, name: str, default: int | None = None, *, required: bool = False) -> int | None:
        value = self.values.get(name)
        if value is None or value == "":
            if required:
                raise bad_request(f"{name} is empty")
            return default
        if isinstance(value, bool):
            return int(value)
        try:
            return int(value)
        except (TypeError, ValueError):
            try:
                as_float = float(value)
            except (TypeError, ValueError):
                raise bad_request(f"invalid {name} specified") from None
            return int(as_float)

    def number(self, name: str, default: float) -> float:
        value = self.values.get(name)
        if value is None or value == "":
            return default
        try:
            return float(value)
        except (TypeError, ValueError):
            raise bad_request(f"invalid {name} specified") from None

    def flag(self, name: str, default: bool = False) -> bool:
        value = self.values.get(name)
        if value is None or value == "":
            return default
        if isinstance(value, bool):
            return value
        return str(value).strip().lower() in ("true", "1", "yes", "on")

    def obj(self, name: str) -> Any:
        value = self.values.get(name)
        if value is None or value == "":
            return None
        if isinstance(value, str):
            try:
                return json.loads(value)
            except ValueError:
                raise bad_request(f"can't parse {name} JSON object") from None
        return value


def _image_size(data: bytes) -> tuple[int, int] | None:
    """(width, height) of a PNG/JPEG/GIF/WebP image, None if it is not one."""
    if data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) >= 24:
        w, h = struct.unpack(">II", data[16:24])
        return int(w), int(h)
    if data[:6] in (b"GIF87a", b"GIF89a") and len(data) >= 10:
        w, h = struct.unpack("<HH", data[6:10])
        return int(w), int(h)
    if data.startswith(b"RIFF") and data[8:12] == b"WEBP":
        return 512, 512
    if data.startswith(b"\xff\xd8"):
        i = 2
        while i + 9 < len(data):
            if data[i] != 0xFF:
                i += 1
                continue
            marker = data[i + 1]
            if marker in (0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF):
                h, w = struct.unpack(">HH", data[i + 5 : i + 9])
                return int(w), int(h)
            if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:
                i += 2
                continue
            (length,) = struct.unpack(">H", data[i + 2 : i + 4])
            i += 2 + length
        return 320, 320
    return None


def _without_reply(message: JSON) -> JSON:
    snapshot = copy.deepcopy(message)
    snapshot.pop("reply_to_message", None)
    return snapshot


def _update_type(update: JSON) -> str:
    return next((key for key in update if key != "update_id"), "")


class Emulator:
    """An in-process Telegram Bot API server with a user-side simulation API.

    >>> emu = Emulator()
    >>> await emu.start()                      # port 0 = a free port
    >>> app = ApplicationBuilder().token(emu.token).base_url(emu.base_url).base_file_url(emu.base_file_url)
    """

    def __init__(
        self,
        token: str = "123456:TEST",
        *,
        limits: Limits | None = None,
        bot_username: str = "VneidTestBot",
        bot_name: str = "Vneid Test Bot",
        privacy_mode: bool = False,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.token = token
        self.limits = limits or Limits()
        self.bot_username = bot_username
        self.privacy_mode = privacy_mode
        self.clock = clock
        try:
            self.bot_id = int(token.split(":", 1)[0])
        except ValueError:
            self.bot_id = 123456
        self.bot_user: JSON = {
            "id": self.bot_id, "is_bot": True, "first_name": bot_name, "username": bot_username,
        }
        self.flood = FloodControl(self.limits)
        self.stats = EmulatorStats()
        self.callback_answers: list[JSON] = []
        self.commands: dict[tuple[str, str], list[JSON]] = {}
        self.chat_actions: list[JSON] = []
        self.profile: dict[tuple[str, str], str] = {}  # (name|description|short_description, language) -> text
        self.pinned: dict[int, int] = {}  # chat id -> pinned message id
        self.reactions = ReactionState()  # the bot's reactions (setMessageReaction)
        self.updates_log: list[JSON] = []
        self._chats: dict[int, _Chat] = {}
        self._users: dict[int, User] = {}
        self._messages: dict[tuple[int, int], JSON] = {}
        self._deleted: set[tuple[int, int]] = set()
        self._sent: list[SentMessage] = []
        self._sent_index: dict[tuple[int, int], SentMessage] = {}
        self._files: dict[str, _File] = {}
        self._file_paths: dict[str, _File] = {}
        self._file_counter = itertools.count(1)
        self._callback_queries: dict[str, JSON] = {}
        self._callback_counter = itertools.count(1)
        self._pending: list[JSON] = []  # queued, not yet confirmed, in update_id order
        self._forced: list[JSON] = []  # re-deliveries: returned by the next getUpdates whatever the offset
        self._log: dict[int, JSON] = {}
        self._next_update_id = 1
        self._allowed_updates: frozenset[str] = DEFAULT_ALLOWED
        self._poll_generation = 0
        self._signal = _Signal()
        self._fault: _Fault | None = None
        #: when not None, file downloads wait until this event is set (see _handle_file)
        self.file_gate: asyncio.Event | None = None
        self.file_waiting = 0  # downloads that reached the gate
        self._webhook: JSON | None = None
        self._webhook_task: asyncio.Task[None] | None = None
        self._runner: web.AppRunner | None = None
        self._host = "127.0.0.1"
        self._port: int | None = None
        self._seq = 0
        self._closing = False
        self._methods: dict[str, tuple[str, Callable[[_Params], Awaitable[Any]]]] = {}
        for name in (
            "getMe", "logOut", "close", "deleteWebhook", "setWebhook", "getWebhookInfo", "getUpdates",
            "sendMessage", "editMessageText", "editMessageCaption", "editMessageReplyMarkup", "deleteMessage",
            "deleteMessages", "sendPhoto", "sendDocument", "sendChatAction", "answerCallbackQuery",
            "setMyCommands", "getMyCommands", "deleteMyCommands", "getChat", "getChatMember",
            "getChatAdministrators", "getChatMemberCount", "getFile", "leaveChat", "pinChatMessage",
            "unpinChatMessage", "setMyName", "getMyName", "setMyDescription", "getMyDescription",
            "setMyShortDescription", "getMyShortDescription", "setChatMenuButton", "getChatMenuButton",
            "setMessageReaction",
        ):
            self._methods[name.lower()] = (name, getattr(self, "_api_" + name))

    # ------------------------------------------------------------------ lifecycle

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> None:
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle_api)
        app.router.add_get("/file/bot{token}/{path:.+}", self._handle_file)
        add_control_routes(app, self)
        self._closing = False
        self._runner = web.AppRunner(app, handler_cancellation=True, access_log=None, shutdown_timeout=2.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, host, port)
        await site.start()
        server = getattr(site, "_server", None)
        sockets = getattr(server, "sockets", None) or []
        self._host = host
        self._port = int(sockets[0].getsockname()[1]) if sockets else port
        log.info("Bot API emulator listening on %s", self.url)

    async def stop(self) -> None:
        self._closing = True  # waiting long polls answer now
        self._signal.notify()
        self._stop_webhook()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        self._signal.notify()

    async def __aenter__(self) -> Emulator:
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
        """Root URL of the server, e.g. ``http://127.0.0.1:8081`` (the control API is under ``/control``)."""
        host = f"[{self._host}]" if ":" in self._host else self._host
        return f"http://{host}:{self.port}"

    @property
    def base_url(self) -> str:
        return f"{self.url}/bot"

    @property
    def base_file_url(self) -> str:
        return f"{self.url}/file/bot"

    # ------------------------------------------------------------------ HTTP side

    def _json(self, body: JSON, status: int = 200) -> web.Response:
        return web.Response(
            text=json.dumps(body, ensure_ascii=False), status=status, content_type="application/json"
        )

    def _error(self, err: ApiError) -> web.Response:
        self.stats.errors[err.code] += 1
        if err.code == 429:
            self.stats.too_many_requests += 1
        return self._json(err.to_json(), err.code)

    async def _handle_api(self, request: web.Request) -> web.StreamResponse:
        if request.match_info["token"] != self.token:
            return self._error(ApiError(401, "Unauthorized"))
        entry = self._methods.get(request.match_info["method"].lower())
        if entry is None:
            return self._error(ApiError(404, "Not Found: method not found"))
        name, handler = entry
        self.stats.calls[name] += 1
        try:
            params = await self._read_params(request)
            fault = self._pick_fault(name)
            if fault == "timeout":
                return await self._drop_connection(request)
            if isinstance(fault, ApiError):
                raise fault
            result = await handler(params)
        except ApiError as err:
            return self._error(err)
        except Exception as exc:  # an emulator bug: answer like a Telegram 500 and say what broke
            log.exception("emulator failed in %s", name)
            return self._error(ApiError(500, f"Internal Server Error: emulator bug: {exc!r}"))
        return self._json({"ok": True, "result": result})

    async def _read_params(self, request: web.Request) -> _Params:
        values: dict[str, Any] = dict(request.query)
        files: dict[str, _Upload] = {}
        if request.can_read_body:
            ctype = request.content_type
            if ctype == "application/json":
                try:
                    body = await request.json()
                except ValueError:
                    raise bad_request("can't parse JSON object") from None
                if not isinstance(body, dict):
                    raise bad_request("parameters must be a JSON object")
                values.update(body)
            elif ctype in ("application/x-www-form-urlencoded", "multipart/form-data"):
                form = await request.post()
                for key, value in form.items():
                    if isinstance(value, web.FileField):
                        files[key] = _Upload(value.filename, value.file.read(), value.content_type)
                    else:
                        values[key] = value
        return _Params(values, files)

    def _pick_fault(self, method: str) -> ApiError | str | None:
        fault = self._fault
        if fault is None or (fault.methods is not None and method.lower() not in fault.methods):
            return None
        if fault.rng.random() >= fault.rate:
            return None
        kind = fault.rng.choice(fault.kinds)
        self.stats.faults[kind] += 1
        if kind == "429":
            return ApiError(429, "Too Many Requests: retry after 1", {"retry_after": 1})
        if kind == "500":
            return ApiError(500, "Internal Server Error")
        if kind == "502":
            return ApiError(502, "Bad Gateway")
        return "timeout"

    async def _drop_connection(self, request: web.Request) -> web.StreamResponse:
        fault = self._fault
        if fault is not None and fault.timeout_delay:
            await asyncio.sleep(fault.timeout_delay)
        if request.transport is not None:
            request.transport.abort()
        raise asyncio.CancelledError  # aiohttp drops the request without writing a response

    async def _handle_file(self, request: web.Request) -> web.StreamResponse:
        if request.match_info["token"] != self.token:
            return self._json({"ok": False, "error_code": 401, "description": "Unauthorized"}, 401)
        stored = self._file_paths.get(request.match_info["path"])
        if stored is None:
            return self._json({"ok": False, "error_code": 404, "description": "Not Found"}, 404)
        if self.file_gate is not None:  # a slow file server (a big file over a weak link): held until set
            self.file_waiting += 1
            self._notify()
            await self.file_gate.wait()
        return web.Response(body=stored.data, content_type=stored.mime_type or "application/octet-stream")

    # ------------------------------------------------------------------ helpers

    def _now(self) -> int:
        return int(self.clock())

    def _notify(self) -> None:
        self._signal.notify()

    def _chat(self, chat_id: int | str) -> _Chat:
        if isinstance(chat_id, str) and chat_id.startswith("@"):
            name = chat_id[1:].lower()
            for chat in self._chats.values():
                if str(chat.data.get("username", "")).lower() == name:
                    return chat
            raise bad_request("chat not found")
        try:
            key = int(chat_id)
        except (TypeError, ValueError):
            raise bad_request("chat not found") from None
        found = self._chats.get(key)
        if found is None:
            if key in self._users:  # a user who never opened a private chat with the bot, as Telegram answers
                raise ApiError(403, "Forbidden: bot can't initiate conversation with a user")
            raise bad_request("chat not found")
        return found

    def _target(self, p: _Params, *, check_access: bool = True) -> _Chat:
        raw = p.values.get("chat_id")
        if raw is None or raw == "":
            raise bad_request("chat_id is empty")
        chat = self._chat(raw)
        if chat.migrated_to is not None:
            raise bad_request(
                "group chat was upgraded to a supergroup chat", {"migrate_to_chat_id": chat.migrated_to}
            )
        if check_access:
            self._check_access(chat)
        return chat

    def _check_access(self, chat: _Chat) -> None:
        if chat.type == "private":
            if chat.blocked:
                raise ApiError(403, "Forbidden: bot was blocked by the user")
            return
        kind = {"group": "group chat", "supergroup": "supergroup chat", "channel": "channel chat"}.get(
            chat.type, "chat"
        )
        if chat.blocked or chat.bot_status == "kicked":
            raise ApiError(403, f"Forbidden: bot was kicked from the {kind}")
        if chat.bot_status == "left":
            raise ApiError(403, f"Forbidden: bot is not a member of the {kind}")

    def _format(self, text: str, parse_mode: str | None, entities: Any) -> tuple[str, list[JSON]]:
        if parse_mode:
            try:
                return parse_text(text, parse_mode)
            except EntityParseError as exc:
                raise bad_request(f"can't parse entities: {exc}") from None
        if entities is not None and not isinstance(entities, list):
            raise bad_request("can't parse entities JSON object")
        return text, list(entities or [])

    def _reply_target(self, chat: _Chat, p: _Params) -> JSON | None:
        params = p.obj("reply_parameters")
        if params is not None and not isinstance(params, dict):
            raise bad_request("can't parse reply parameters JSON object")
        if params:
            message_id = params.get("message_id")
            allow = bool(params.get("allow_sending_without_reply"))
            target_chat = self._chat(params["chat_id"]) if params.get("chat_id") not in (None, "") else chat
        else:
            message_id = p.integer("reply_to_message_id")
            allow = p.flag("allow_sending_without_reply")
            target_chat = chat
        if message_id in (None, 0):
            return None
        key = (target_chat.id, int(message_id))
        message = self._messages.get(key)
        if message is None or key in self._deleted:
            if allow:
                return None
            raise bad_request("message to be replied not found")
        return message

    def _markup(self, p: _Params) -> JSON | None:
        markup = p.obj("reply_markup")
        if markup is None:
            return None
        if not isinstance(markup, dict):
            raise bad_request("can't parse reply keyboard markup JSON object")
        if "inline_keyboard" in markup:
            rows = markup["inline_keyboard"]
            if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
                raise bad_request("can't parse inline keyboard markup JSON object: field \"inline_keyboard\" "
                                  "must be an Array of Arrays")
            for row in rows:
                for button in row:
                    if not isinstance(button, dict) or not isinstance(button.get("text"), str):
                        raise bad_request("can't parse inline keyboard button: Field \"text\" must be of type "
                                          "String")
                    if not any(key in button for key in _BUTTON_ACTIONS):
                        raise bad_request("can't parse inline keyboard button: Text buttons are unallowed in "
                                          "the inline keyboard")
                    data = button.get("callback_data")
                    if data is not None and (
                        not isinstance(data, str)
                        or not 1 <= len(data.encode("utf-8")) <= self.limits.max_callback_data_bytes
                    ):
                        raise bad_request("BUTTON_DATA_INVALID")
        elif not any(key in markup for key in ("keyboard", "remove_keyboard", "force_reply")):
            raise bad_request("can't parse reply keyboard markup JSON object")
        return markup

    def _flood(self, chat: _Chat, method: str) -> None:
        if method not in self.limits.counted_methods:
            return
        in_group = self.limits.group_counted_methods is None or method in self.limits.group_counted_methods
        retry = self.flood.acquire(chat.id, chat.type, in_group=in_group)
        if retry is not None:
            self.stats.rate_limited += 1
            raise ApiError(429, f"Too Many Requests: retry after {retry}", {"retry_after": retry})

    def _new_message(self, chat: _Chat, sender: JSON, fields: JSON, reply_to: JSON | None = None) -> JSON:
        message_id = chat.next_message_id
        chat.next_message_id += 1
        message: JSON = {
            "message_id": message_id,
            "from": dict(sender),
            "chat": dict(chat.data),
            "date": self._now(),
        }
        if reply_to is not None:
            message["reply_to_message"] = _without_reply(reply_to)
        message.update(fields)
        self._messages[(chat.id, message_id)] = message
        return message

    def _record_sent(self, message: JSON, kind: str, parse_mode: str | None, markup: JSON | None,
                     upload: _File | None = None) -> SentMessage:
        self._seq += 1
        reply = message.get("reply_to_message")
        record = SentMessage(
            seq=self._seq,
            message_id=message["message_id"],
            chat_id=message["chat"]["id"],
            kind=kind,
            text=message.get("text"),
            caption=message.get("caption"),
            parse_mode=parse_mode,
            entities=list(message.get("entities") or message.get("caption_entities") or []),
            reply_to_message_id=reply["message_id"] if reply else None,
            reply_markup=markup,
            file_bytes=upload.data if upload else None,
            filename=upload.filename if upload else None,
            mime_type=upload.mime_type if upload else None,
            file_id=upload.file_id if upload else None,
            message=message,
        )
        self._sent.append(record)
        self._sent_index[(record.chat_id, record.message_id)] = record
        self._notify()
        return record

    def _store_file(self, data: bytes, filename: str | None, mime_type: str | None, folder: str) -> _File:
        n = next(self._file_counter)
        suffix = ""
        if filename and "." in filename:
            suffix = "." + filename.rsplit(".", 1)[1]
        elif mime_type:
            suffix = mimetypes.guess_extension(mime_type) or ""
        stored = _File(
            file_id=f"EMU{folder[:3].upper()}{n:06d}{base64.urlsafe_b64encode(struct.pack('>I', n)).decode()}",
            file_unique_id=f"U{n:08d}",
            data=data,
            file_path=f"{folder}/file_{n}{suffix}",
            filename=filename,
            mime_type=mime_type,
        )
        self._files[stored.file_id] = stored
        self._file_paths[stored.file_path] = stored
        return stored

    def _resolve_input(self, p: _Params, field_name: str) -> _Upload | _File:
        """The uploaded file or the stored one a file_id names; no side effect."""
        upload = p.files.get(field_name)
        value = p.values.get(field_name)
        if upload is None and isinstance(value, str) and value.startswith("attach://"):
            upload = p.files.get(value[len("attach://") :])
        if upload is not None:
            return upload
        if isinstance(value, str) and value in self._files:
            return self._files[value]
        if not value:
            raise bad_request(f"there is no {field_name} in the request")
        raise bad_request("wrong file identifier/HTTP URL specified")

    def _materialize(self, source: _Upload | _File, folder: str) -> _File:
        if isinstance(source, _File):
            return source
        mime = source.content_type
        if not mime or mime == "application/octet-stream":
            mime = mimetypes.guess_type(source.filename or "")[0] or mime
        return self._store_file(source.data, source.filename, mime, folder)

    def _caption(self, p: _Params) -> tuple[JSON, str | None]:
        caption = p.string("caption")
        fields: JSON = {}
        if caption:
            plain, entities = self._format(caption, p.string("parse_mode"), p.obj("caption_entities"))
            if len(plain) > self.limits.max_caption_length:
                raise bad_request("message caption is too long")
            fields["caption"] = plain
            if entities:
                fields["caption_entities"] = entities
        return fields, p.string("parse_mode")

    def _queue_update(self, kind: str, payload: JSON) -> JSON:
        update = {"update_id": self._next_update_id, kind: copy.deepcopy(payload)}
        self._next_update_id += 1
        return self._enqueue(update)

    def _enqueue(self, update: JSON) -> JSON:
        self._log[update["update_id"]] = update
        self.updates_log.append(update)
        self._pending.append(update)
        self._pending.sort(key=lambda u: u["update_id"])
        self._notify()
        return copy.deepcopy(update)

    def _register_user(self, user: User) -> None:
        self._users[user.id] = user

    def _join(self, chat: _Chat, user: User) -> None:
        self._register_user(user)
        member = chat.members.get(user.id)
        if member is None or member["status"] in ("left", "kicked"):
            chat.members[user.id] = {"user": user.to_dict(), "status": "member"}

    def _bot_sees(self, chat: _Chat, message: JSON) -> bool:
        if chat.bot_status in ("left", "kicked"):
            return False
        if chat.type == "private" or not self.privacy_mode or chat.bot_status == "administrator":
            return True
        text = message.get("text") or message.get("caption") or ""
        if text.startswith("/"):
            command = text.split()[0] if text.split() else text
            return "@" not in command or command.lower().endswith("@" + self.bot_username.lower())
        reply = message.get("reply_to_message")
        if reply and reply.get("from", {}).get("id") == self.bot_id:
            return True
        return f"@{self.bot_username.lower()}" in text.lower()

    def _chat_member(self, chat: _Chat, user_id: int) -> JSON:
        if user_id == self.bot_id:
            status = chat.bot_status
            member: JSON = {"user": self.bot_user, "status": status}
        elif chat.type == "private" and user_id == chat.id:
            user = self._users.get(user_id)
            member = {"user": user.to_dict() if user else {"id": user_id, "is_bot": False,
                                                          "first_name": "User"}, "status": "member"}
        elif user_id in chat.members:
            member = dict(chat.members[user_id])
        elif user_id in self._users:
            member = {"user": self._users[user_id].to_dict(), "status": "left"}
        else:
            raise bad_request("user not found")
        status = member["status"]
        if status == "administrator":
            member.update(_ADMIN_RIGHTS)
        elif status == "creator":
            member["is_anonymous"] = False
        elif status == "kicked":
            member["until_date"] = 0
        return member

    # ------------------------------------------------------------------ Bot API methods

    async def _api_getMe(self, p: _Params) -> JSON:
        return {
            **self.bot_user,
            "can_join_groups": True,
            "can_read_all_group_messages": not self.privacy_mode,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    async def _api_logOut(self, p: _Params) -> bool:
        return True

    async def _api_close(self, p: _Params) -> bool:
        return True

    async def _api_leaveChat(self, p: _Params) -> bool:
        chat = self._target(p)
        chat.bot_status = "left"
        return True

    async def _api_deleteWebhook(self, p: _Params) -> bool:
        self._stop_webhook()
        self._webhook = None
        if p.flag("drop_pending_updates"):
            self._pending.clear()
            self._forced.clear()
        self._notify()
        return True

    async def _api_setWebhook(self, p: _Params) -> bool:
        url = p.string("url") or ""
        if p.flag("drop_pending_updates"):
            self._pending.clear()
            self._forced.clear()
        if p.has("allowed_updates"):
            self._set_allowed(p.obj("allowed_updates"))
        self._stop_webhook()
        if not url:
            self._webhook = None
            return True
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or parts.hostname not in ("127.0.0.1", "localhost", "::1"):
            raise bad_request("bad webhook: the emulator delivers webhooks only to loopback http(s) URLs")
        self._webhook = {
            "url": url,
            "secret_token": p.string("secret_token"),
            "max_connections": p.integer("max_connections", 40),
            "last_error_date": None,
            "last_error_message": None,
        }
        self._webhook_task = asyncio.get_running_loop().create_task(self._webhook_loop(dict(self._webhook)))
        self._poll_generation += 1  # a waiting getUpdates ends with a conflict
        self._notify()
        return True

    async def _api_getWebhookInfo(self, p: _Params) -> JSON:
        info: JSON = {
            "url": self._webhook["url"] if self._webhook else "",
            "has_custom_certificate": False,
            "pending_update_count": len(self._pending) + len(self._forced),
        }
        if self._webhook:
            info["max_connections"] = self._webhook["max_connections"]
            if self._webhook.get("last_error_date"):
                info["last_error_date"] = self._webhook["last_error_date"]
                info["last_error_message"] = self._webhook["last_error_message"]
            if self._allowed_updates != DEFAULT_ALLOWED:
                info["allowed_updates"] = sorted(self._allowed_updates)
        return info

    def _set_allowed(self, allowed: Any) -> None:
        if allowed is None:
            return
        if not isinstance(allowed, list):
            raise bad_request("can't parse allowed_updates JSON object")
        self._allowed_updates = frozenset(allowed) if allowed else DEFAULT_ALLOWED

    def _drop_disallowed(self) -> None:
        allowed = self._allowed_updates
        self._pending = [u for u in self._pending if _update_type(u) in allowed]

    async def _api_getUpdates(self, p: _Params) -> list[JSON]:
        if self._webhook is not None:
            raise ApiError(
                409, "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to "
                "delete the webhook first"
            )
        offset = p.integer("offset", 0) or 0
        limit = max(1, min(100, p.integer("limit", 100) or 100))
        timeout = max(0.0, p.number("timeout", 0.0))
        if p.has("allowed_updates"):
            self._set_allowed(p.obj("allowed_updates"))
        self._poll_generation += 1
        generation = self._poll_generation
        self._notify()  # an older long poll still waiting gets a conflict
        if offset > 0:
            self._pending = [u for u in self._pending if u["update_id"] >= offset]
            self._notify()
        elif offset < 0:
            self._pending = self._pending[offset:]
            self._notify()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            if generation != self._poll_generation:
                raise ApiError(409, _CONFLICT_POLL)
            self._drop_disallowed()
            batch = self._forced[:limit]
            del self._forced[: len(batch)]
            batch += self._pending[: limit - len(batch)]
            if batch:
                self._notify()
                return copy.deepcopy(batch)
            remaining = deadline - loop.time()
            if remaining <= 0 or self._closing:
                return []
            await self._signal.wait(remaining)

    async def _webhook_loop(self, hook: JSON) -> None:
        backoff = 0.1
        headers = {"X-Telegram-Bot-Api-Secret-Token": hook["secret_token"]} if hook.get("secret_token") else {}
        me = asyncio.current_task()
        async with ClientSession(timeout=ClientTimeout(total=30)) as session:
            # not `while True`: asyncio.wait_for (3.11) may swallow a cancel that comes as its wait ends
            # (stop() notifies, then cancels); a loop that is no longer the webhook's own ends by itself
            while self._webhook_task is me and not self._closing:
                update = self._forced[0] if self._forced else (self._pending[0] if self._pending else None)
                if update is None:
                    await self._signal.wait(5.0)
                    continue
                try:
                    async with session.post(hook["url"], json=update, headers=headers) as response:
                        await response.read()
                        ok = response.status == 200
                        error = f"Wrong response from the webhook: {response.status} {response.reason}"
                except Exception as exc:
                    ok, error = False, f"Connection failed: {exc}"
                if ok:
                    for queue in (self._forced, self._pending):
                        if queue and queue[0] is update:
                            queue.pop(0)
                            break
                    backoff = 0.1
                    self._notify()
                    continue
                if self._webhook is not None:
                    self._webhook["last_error_date"] = self._now()
                    self._webhook["last_error_message"] = error
                await asyncio.sleep(backoff)
                backoff = min(2.0, backoff * 2)

    def _stop_webhook(self) -> None:
        if self._webhook_task is not None:
            self._webhook_task.cancel()
            self._webhook_task = None

    async def _api_sendMessage(self, p: _Params) -> JSON:
        chat = self._target(p)
        text = p.string("text")
        if not text:
            raise bad_request("message text is empty")
        plain, entities = self._format(text, p.string("parse_mode"), p.obj("entities"))
        if not plain.strip():
            raise bad_request("message text is empty")
        if len(plain) > self.limits.max_text_length:
            raise bad_request("message is too long")
        reply_to = self._reply_target(chat, p)
        markup = self._markup(p)
        self._flood(chat, "sendMessage")
        fields: JSON = {"text": plain}
        if entities:
            fields["entities"] = entities
        if markup and "inline_keyboard" in markup:
            fields["reply_markup"] = markup
        message = self._new_message(chat, self.bot_user, fields, reply_to)
        self._record_sent(message, "text", p.string("parse_mode"), markup)
        return message

    async def _api_sendPhoto(self, p: _Params) -> JSON:
        chat = self._target(p)
        caption, parse_mode = self._caption(p)
        reply_to = self._reply_target(chat, p)
        markup = self._markup(p)
        source = self._resolve_input(p, "photo")
        if isinstance(source, _Upload) and _image_size(source.data) is None:
            raise bad_request("IMAGE_PROCESS_FAILED")
        self._flood(chat, "sendPhoto")
        stored = self._materialize(source, "photos")
        width, height = _image_size(stored.data) or (320, 320)
        scale = min(1.0, 90 / max(width, height, 1))
        thumb = self._store_file(stored.data, stored.filename, stored.mime_type, "thumbnails")
        sizes = [
            {"file_id": thumb.file_id, "file_unique_id": thumb.file_unique_id, "file_size": len(thumb.data),
             "width": max(1, int(width * scale)), "height": max(1, int(height * scale))},
            {"file_id": stored.file_id, "file_unique_id": stored.file_unique_id, "file_size": len(stored.data),
             "width": width, "height": height},
        ]
        fields: JSON = {"photo": sizes, **caption}
        if markup and "inline_keyboard" in markup:
            fields["reply_markup"] = markup
        message = self._new_message(chat, self.bot_user, fields, reply_to)
        self._record_sent(message, "photo", parse_mode, markup, stored)
        return message

    async def _api_sendDocument(self, p: _Params) -> JSON:
        chat = self._target(p)
        caption, parse_mode = self._caption(p)
        reply_to = self._reply_target(chat, p)
        markup = self._markup(p)
        source = self._resolve_input(p, "document")
        self._flood(chat, "sendDocument")
        stored = self._materialize(source, "documents")
        document: JSON = {"file_id": stored.file_id, "file_unique_id": stored.file_unique_id,
                          "file_size": len(stored.data)}
        if stored.filename:
            document["file_name"] = stored.filename
        if stored.mime_type:
            document["mime_type"] = stored.mime_type
        fields: JSON = {"document": document, **caption}
        if markup and "inline_keyboard" in markup:
            fields["reply_markup"] = markup
        message = self._new_message(chat, self.bot_user, fields, reply_to)
        self._record_sent(message, "document", parse_mode, markup, stored)
        return message

    def _editable(self, p: _Params) -> tuple[_Chat, JSON, str]:
        if p.has("inline_message_id"):
            raise bad_request("the emulator does not support inline messages")
        chat = self._target(p)
        message_id = p.integer("message_id", required=True)
        assert message_id is not None
        key = (chat.id, message_id)
        message = self._messages.get(key)
        if message is None or key in self._deleted:
            raise bad_request("message to edit not found")
        if message.get("from", {}).get("id") != self.bot_id:
            raise bad_request("message can't be edited")
        return chat, message, "text" if "text" in message else "caption"

    def _apply_edit(self, chat: _Chat, message: JSON, changes: JSON, markup: JSON | None,
                    parse_mode: str | None) -> JSON:
        record = self._sent_index.get((chat.id, message["message_id"]))
        if record is not None:
            record.history.append({"text": record.text, "caption": record.caption,
                                   "reply_markup": record.reply_markup, "timestamp": time.time()})
        for key, value in changes.items():
            if value in (None, []):
                message.pop(key, None)
            else:
                message[key] = value
        inline = markup if markup and "inline_keyboard" in markup else None
        if inline:
            message["reply_markup"] = inline
        else:
            message.pop("reply_markup", None)
        message["edit_date"] = self._now()
        if record is not None:
            record.text = message.get("text")
            record.caption = message.get("caption")
            record.entities = list(message.get("entities") or message.get("caption_entities") or [])
            record.reply_markup = inline
            if "text" in changes or "caption" in changes:
                record.parse_mode = parse_mode
        self._notify()
        return message

    async def _api_editMessageText(self, p: _Params) -> JSON:
        chat, message, field_name = self._editable(p)
        if field_name != "text":
            raise bad_request("there is no text in the message to edit")
        text = p.string("text")
        if not text:
            raise bad_request("message text is empty")
        plain, entities = self._format(text, p.string("parse_mode"), p.obj("entities"))
        if not plain.strip():
            raise bad_request("message text is empty")
        if len(plain) > self.limits.max_text_length:
            raise bad_request("message is too long")
        markup = self._markup(p)
        inline = markup if markup and "inline_keyboard" in markup else None
        if (plain == message.get("text") and entities == message.get("entities", [])
                and inline == message.get("reply_markup")):
            raise bad_request(_NOT_MODIFIED)
        self._flood(chat, "editMessageText")
        return self._apply_edit(chat, message, {"text": plain, "entities": entities}, markup,
                                p.string("parse_mode"))

    async def _api_editMessageCaption(self, p: _Params) -> JSON:
        chat, message, field_name = self._editable(p)
        if field_name != "caption":
            raise bad_request("there is no caption in the message to edit")
        caption, parse_mode = self._caption(p)
        markup = self._markup(p)
        inline = markup if markup and "inline_keyboard" in markup else None
        if (caption.get("caption") == message.get("caption")
                and caption.get("caption_entities") == message.get("caption_entities")
                and inline == message.get("reply_markup")):
            raise bad_request(_NOT_MODIFIED)
        self._flood(chat, "editMessageCaption")
        changes = {"caption": caption.get("caption"), "caption_entities": caption.get("caption_entities")}
        return self._apply_edit(chat, message, changes, markup, parse_mode)

    async def _api_editMessageReplyMarkup(self, p: _Params) -> JSON:
        chat, message, _ = self._editable(p)
        markup = self._markup(p)
        inline = markup if markup and "inline_keyboard" in markup else None
        if inline == message.get("reply_markup"):
            raise bad_request(_NOT_MODIFIED)
        self._flood(chat, "editMessageReplyMarkup")
        return self._apply_edit(chat, message, {}, markup, None)

    def _delete(self, chat: _Chat, message_id: int) -> None:
        key = (chat.id, message_id)
        message = self._messages.get(key)
        if message is None or key in self._deleted:
            raise bad_request("message to delete not found")
        own = message.get("from", {}).get("id") == self.bot_id
        if not own and chat.type != "private" and chat.bot_status != "administrator":
            raise bad_request("message can't be deleted")
        self._deleted.add(key)
        record = self._sent_index.get(key)
        if record is not None:
            record.deleted = True
        self._notify()

    async def _api_deleteMessage(self, p: _Params) -> bool:
        chat = self._target(p)
        message_id = p.integer("message_id", required=True)
        assert message_id is not None
        self._delete(chat, message_id)
        return True

    async def _api_deleteMessages(self, p: _Params) -> bool:
        chat = self._target(p)
        ids = p.obj("message_ids")
        if not isinstance(ids, list) or not ids:
            raise bad_request("message_ids is empty")
        for message_id in ids:
            with contextlib.suppress(ApiError):
                self._delete(chat, int(message_id))
        return True

    async def _api_sendChatAction(self, p: _Params) -> bool:
        chat = self._target(p)
        action = p.string("action")
        if action not in _CHAT_ACTIONS:
            raise bad_request("wrong parameter action in request")
        self.chat_actions.append({"chat_id": chat.id, "action": action, "timestamp": time.time()})
        return True

    async def _api_setMessageReaction(self, p: _Params) -> bool:
        """One emoji of the Bot API's list per message (bot/emulator/reactions.py); True."""
        chat = self._target(p)
        emoji = parse_reactions(p.obj("reaction"))
        message_id = p.integer("message_id")
        key = (chat.id, message_id or 0)
        if not message_id or message_id < 0 or key not in self._messages or key in self._deleted:
            raise bad_request("message to react not found")
        check_available(self.reactions, chat.id, emoji)
        self._flood(chat, "setMessageReaction")
        if emoji:
            self.reactions.current[key] = emoji
        else:
            self.reactions.current.pop(key, None)
        self.reactions.log.append({"chat_id": chat.id, "message_id": message_id, "emoji": emoji,
                                   "is_big": p.flag("is_big"), "timestamp": time.time()})
        self._notify()
        return True

    async def _api_answerCallbackQuery(self, p: _Params) -> bool:
        query_id = p.string("callback_query_id")
        query = self._callback_queries.get(query_id or "")
        if query is None or query["answered"]:
            raise bad_request("query is too old and response timeout expired or query ID is invalid")
        text = p.string("text")
        if text and len(text) > 200:
            raise bad_request("MESSAGE_TOO_LONG")
        query["answered"] = True
        self.callback_answers.append({
            "callback_query_id": query_id,
            "text": text,
            "show_alert": p.flag("show_alert"),
            "url": p.string("url"),
            "cache_time": p.integer("cache_time"),
            "data": query["data"],
            "chat_id": query["chat_id"],
            "message_id": query["message_id"],
            "user_id": query["user_id"],
        })
        self._notify()
        return True

    def _scope_key(self, p: _Params) -> tuple[str, str]:
        scope = p.obj("scope") or {"type": "default"}
        if not isinstance(scope, dict) or "type" not in scope:
            raise bad_request("can't parse BotCommandScope JSON object")
        kind = str(scope["type"])
        if kind in ("default", "all_private_chats", "all_group_chats", "all_chat_administrators"):
            key = kind
        elif kind in ("chat", "chat_administrators"):
            key = f"{kind}:{self._chat(scope.get('chat_id', '')).id}"
        elif kind == "chat_member":
            key = f"{kind}:{self._chat(scope.get('chat_id', '')).id}:{int(scope.get('user_id', 0))}"
        else:
            raise bad_request("unsupported BotCommandScope type")
        language = p.string("language_code") or ""
        if language and (len(language) != 2 or not language.isalpha()):
            raise bad_request("invalid language code specified")
        return key, language

    async def _api_setMyCommands(self, p: _Params) -> bool:
        commands = p.obj("commands")
        if not isinstance(commands, list):
            raise bad_request("can't parse commands JSON object")
        if len(commands) > 100:
            raise bad_request("too many commands specified")
        clean: list[JSON] = []
        for item in commands:
            if not isinstance(item, dict):
                raise bad_request("can't parse BotCommand JSON object")
            command = str(item.get("command", "")).lstrip("/")
            description = str(item.get("description", ""))
            if not 1 <= len(command) <= 32 or not all(c.isascii() and (c.islower() or c.isdigit() or c == "_")
                                                     for c in command):
                raise bad_request("BOT_COMMAND_INVALID")
            if not 1 <= len(description) <= 256:
                raise bad_request("command description must be non-empty")
            clean.append({"command": command, "description": description})
        key = self._scope_key(p)
        if clean:
            self.commands[key] = clean
        else:
            self.commands.pop(key, None)
        self._notify()
        return True

    async def _api_getMyCommands(self, p: _Params) -> list[JSON]:
        return copy.deepcopy(self.commands.get(self._scope_key(p), []))

    async def _api_deleteMyCommands(self, p: _Params) -> bool:
        self.commands.pop(self._scope_key(p), None)
        return True

    async def _api_getChat(self, p: _Params) -> JSON:
        chat = self._target(p, check_access=False)
        info: JSON = {
            **chat.data,
            "accent_color_id": 0,
            "max_reaction_count": 11,
            "accepted_gift_types": {"unlimited_gifts": False, "limited_gifts": False, "unique_gifts": False,
                                    "premium_subscription": False, "gifts_from_channels": False},
        }
        if chat.type in ("group", "supergroup"):
            info["permissions"] = {"can_send_messages": True}
        return info

    async def _api_getChatMember(self, p: _Params) -> JSON:
        chat = self._target(p)
        user_id = p.integer("user_id", required=True)
        assert user_id is not None
        return self._chat_member(chat, user_id)

    async def _api_getChatAdministrators(self, p: _Params) -> list[JSON]:
        chat = self._target(p)
        if chat.type == "private":
            raise bad_request("there are no administrators in the private chat")
        admins = [self._chat_member(chat, uid) for uid, m in chat.members.items()
                  if m["status"] in ("creator", "administrator")]
        if chat.bot_status == "administrator":
            admins.append(self._chat_member(chat, self.bot_id))
        return admins

    async def _api_getChatMemberCount(self, p: _Params) -> int:
        chat = self._target(p)
        if chat.type == "private":
            return 2
        present = sum(1 for m in chat.members.values() if m["status"] in ("creator", "administrator", "member"))
        return present + (1 if chat.bot_status in ("member", "administrator") else 0)

    async def _api_getFile(self, p: _Params) -> JSON:
        file_id = p.string("file_id")
        if not file_id:
            raise bad_request("file_id is empty")
        stored = self._files.get(file_id)
        if stored is None:
            raise bad_request("invalid file_id")
        return {"file_id": stored.file_id, "file_unique_id": stored.file_unique_id,
                "file_size": len(stored.data), "file_path": stored.file_path}

    async def _api_pinChatMessage(self, p: _Params) -> bool:
        chat = self._target(p)
        message_id = p.integer("message_id", required=True)
        assert message_id is not None
        if (chat.id, message_id) not in self._messages or (chat.id, message_id) in self._deleted:
            raise bad_request("message to pin not found")
        if chat.type != "private" and chat.bot_status != "administrator":
            raise bad_request("not enough rights to manage pinned messages in the chat")
        self.pinned[chat.id] = message_id
        return True

    async def _api_unpinChatMessage(self, p: _Params) -> bool:
        chat = self._target(p)
        self.pinned.pop(chat.id, None)
        return True

    def _set_profile(self, p: _Params, key: str, limit: int) -> bool:
        value = p.string(key) or ""
        if len(value) > limit:
            raise bad_request(f"{key} is too long")
        self.profile[(key, p.string("language_code") or "")] = value
        return True

    def _get_profile(self, p: _Params, key: str) -> JSON:
        default = self.bot_user["first_name"] if key == "name" else ""
        return {key: self.profile.get((key, p.string("language_code") or ""), default)}

    async def _api_setMyName(self, p: _Params) -> bool:
        return self._set_profile(p, "name", 64)

    async def _api_getMyName(self, p: _Params) -> JSON:
        return self._get_profile(p, "name")

    async def _api_setMyDescription(self, p: _Params) -> bool:
        return self._set_profile(p, "description", 512)

    async def _api_getMyDescription(self, p: _Params) -> JSON:
        return self._get_profile(p, "description")

    async def _api_setMyShortDescription(self, p: _Params) -> bool:
        return self._set_profile(p, "short_description", 120)

    async def _api_getMyShortDescription(self, p: _Params) -> JSON:
        return self._get_profile(p, "short_description")

    async def _api_setChatMenuButton(self, p: _Params) -> bool:
        return True

    async def _api_getChatMenuButton(self, p: _Params) -> JSON:
        return {"type": "commands"}

    # ------------------------------------------------------------------ fault injection

    def inject_faults(
        self,
        rate: float,
        kinds: Iterable[str] = ("429", "500", "timeout"),
        methods: Iterable[str] | None = None,
        seed: int = 0,
        *,
        timeout_delay: float | None = None,
    ) -> None:
        """Make a share ``rate`` of the calls to ``methods`` (None = every Bot API method, getUpdates too)
        fail before any side effect: ``"429"`` (retry_after 1), ``"500"``, ``"502"`` or ``"timeout"``
        (the connection is closed without an answer, after ``timeout_delay`` seconds if given — pass more
        than the client's read timeout to make PTB raise TimedOut instead of NetworkError)."""
        kinds = tuple(kinds)
        unknown = set(kinds) - set(FAULT_KINDS)
        if unknown or not kinds:
            raise ValueError(f"fault kinds must be among {FAULT_KINDS}, got {kinds}")
        if not 0.0 <= rate <= 1.0:
            raise ValueError("rate must be within [0, 1]")
        self._fault = _Fault(
            rate=rate,
            kinds=kinds,
            methods=frozenset(m.lower() for m in methods) if methods is not None else None,
            rng=random.Random(seed),
            timeout_delay=timeout_delay,
        )

    def clear_faults(self) -> None:
        self._fault = None

    def block_chat(self, chat_id: int, blocked: bool = True) -> None:
        """Sends to this chat answer 403 (private: blocked by the user; group: bot kicked)."""
        self._chat(chat_id).blocked = blocked

    def unblock_chat(self, chat_id: int) -> None:
        self.block_chat(chat_id, False)

    # ------------------------------------------------------------------ user side: chats

    def private_chat(self, user: User) -> JSON:
        self._register_user(user)
        chat = self._chats.get(user.id)
        if chat is None:
            data: JSON = {"id": user.id, "type": "private", "first_name": user.first_name}
            if user.last_name:
                data["last_name"] = user.last_name
            if user.username:
                data["username"] = user.username
            chat = self._chats[user.id] = _Chat(data=data)
        return dict(chat.data)

    def group_chat(
        self,
        chat_id: int,
        title: str,
        type: str = "group",  # noqa: A002 - the Bot API's name
        *,
        members: Iterable[User] = (),
        admins: Iterable[User] = (),
        creator: User | None = None,
        bot_admin: bool = False,
        username: str | None = None,
    ) -> JSON:
        if type not in ("group", "supergroup", "channel"):
            raise ValueError("type must be group, supergroup or channel")
        chat = self._chats.get(chat_id)
        if chat is None:
            data: JSON = {"id": chat_id, "type": type, "title": title}
            if username:
                data["username"] = username
            chat = self._chats[chat_id] = _Chat(data=data)
        chat.data["title"] = title
        if bot_admin:
            chat.bot_status = "administrator"
        for user in members:
            self.set_member(chat_id, user, "member")
        for user in admins:
            self.set_member(chat_id, user, "administrator")
        if creator is not None:
            self.set_member(chat_id, creator, "creator")
        return dict(chat.data)

    def set_member(self, chat_id: int, user: User, status: str = "member") -> None:
        """Set a user's status in a chat: creator | administrator | member | left | kicked."""
        self._register_user(user)
        self._chat(chat_id).members[user.id] = {"user": user.to_dict(), "status": status}

    def set_available_reactions(self, chat_id: int, emoji: Iterable[str] | None) -> None:
        """The reactions a chat allows (None: every emoji of the list; empty: none, as an admin can set)."""
        self._chat(chat_id)
        self.reactions.available[chat_id] = None if emoji is None else frozenset(emoji)

    def reactions_on(self, chat_id: int, message_id: int) -> list[str]:
        """The bot's current reactions on a message ([] if none)."""
        return list(self.reactions.current.get((chat_id, message_id), []))

    def reaction_log(self, chat_id: int | None = None) -> list[JSON]:
        """Every successful setMessageReaction call, oldest first."""
        return [r for r in self.reactions.log if chat_id is None or r["chat_id"] == chat_id]

    def set_bot_status(self, chat_id: int, status: str) -> None:
        """The bot's own status in a chat (member | administrator | left | kicked), no update sent."""
        self._chat(chat_id).bot_status = status

    def chat(self, chat_id: int) -> JSON:
        return dict(self._chat(chat_id).data)

    def message(self, chat_id: int, message_id: int) -> JSON:
        """A copy of a stored message (sent by a user or by the bot)."""
        message = self._messages.get((chat_id, message_id))
        if message is None:
            raise KeyError(f"no message {message_id} in chat {chat_id}")
        return copy.deepcopy(message)

    def _user_chat(self, chat_id: int, user: User) -> _Chat:
        if chat_id == user.id and chat_id not in self._chats:
            self.private_chat(user)
        chat = self._chats.get(chat_id)
        if chat is None:
            raise KeyError(f"unknown chat {chat_id}: create it with private_chat() or group_chat() first")
        if chat.migrated_to is not None:
            raise ValueError(f"chat {chat_id} was migrated to {chat.migrated_to}")
        if chat.type != "private":
            self._join(chat, user)
        else:
            self._register_user(user)
        return chat

    # ------------------------------------------------------------------ user side: actions

    def send_message(self, chat_id: int, user: User, text: str, *, reply_to: int | None = None,
                     entities: list[JSON] | None = None) -> JSON:
        """A user writes ``text`` in a chat; queues a ``message`` update. Returns the Message."""
        chat = self._user_chat(chat_id, user)
        reply = None
        if reply_to is not None:
            reply = self._messages.get((chat.id, reply_to))
            if reply is None:
                raise KeyError(f"no message {reply_to} in chat {chat_id}")
        fields: JSON = {"text": text}
        found = entities if entities is not None else auto_entities(text)
        if found:
            fields["entities"] = found
        message = self._new_message(chat, user.to_dict(), fields, reply)
        if self._bot_sees(chat, message):
            self._queue_update("message", message)
        else:
            self._notify()
        return copy.deepcopy(message)

    def user_deletes(self, chat_id: int, message_id: int) -> None:
        """A user deletes a message in a chat (Telegram tells a bot nothing of it)."""
        key = (chat_id, message_id)
        if key not in self._messages:
            raise KeyError(f"no message {message_id} in chat {chat_id}")
        self._deleted.add(key)

    def edit_message(self, chat_id: int, message_id: int, new_text: str) -> JSON:
        """The author edits their message; queues an ``edited_message`` update. Returns the Message."""
        chat = self._chat(chat_id)
        message = self._messages.get((chat.id, message_id))
        if message is None or (chat.id, message_id) in self._deleted:
            raise KeyError(f"no message {message_id} in chat {chat_id}")
        if message.get("from", {}).get("id") == self.bot_id:
            raise ValueError("users cannot edit the bot's messages")
        field_name = "text" if "text" in message else "caption"
        message[field_name] = new_text
        found = auto_entities(new_text)
        entity_field = "entities" if field_name == "text" else "caption_entities"
        if found:
            message[entity_field] = found
        else:
            message.pop(entity_field, None)
        message["edit_date"] = self._now()
        if self._bot_sees(chat, message):
            self._queue_update("edited_message", message)
        else:
            self._notify()
        return copy.deepcopy(message)

    def press_button(self, chat_id: int, message_id: int, user: User, data: str) -> JSON:
        """A user presses the inline button with ``callback_data == data`` under a bot message.

        Raises LookupError if the message does not exist or has no such button. Returns the Update."""
        chat = self._chat(chat_id)
        key = (chat.id, message_id)
        message = self._messages.get(key)
        if message is None or key in self._deleted:
            raise LookupError(f"no message {message_id} in chat {chat_id}")
        rows = (message.get("reply_markup") or {}).get("inline_keyboard") or []
        if not any(button.get("callback_data") == data for row in rows for button in row):
            available = [button.get("callback_data") for row in rows for button in row]
            raise LookupError(f"message {message_id} has no button with callback_data {data!r}; "
                              f"it has {available}")
        self._register_user(user)
        query_id = f"{self.bot_id}{next(self._callback_counter):010d}"
        self._callback_queries[query_id] = {"answered": False, "data": data, "chat_id": chat.id,
                                            "message_id": message_id, "user_id": user.id}
        query = {
            "id": query_id,
            "from": user.to_dict(),
            "message": message,
            "chat_instance": str(abs(hash((chat.id, self.bot_id))) % 10**18),
            "data": data,
        }
        return self._queue_update("callback_query", query)

    def send_document(self, chat_id: int, user: User, filename: str, content: bytes,
                      caption: str | None = None, *, mime_type: str | None = None,
                      reply_to: int | None = None) -> JSON:
        """A user sends a file; the bot can getFile it and download it. Returns the Message."""
        chat = self._user_chat(chat_id, user)
        mime = mime_type or mimetypes.guess_type(filename)[0] or "application/octet-stream"
        stored = self._store_file(bytes(content), filename, mime, "documents")
        fields: JSON = {"document": {"file_id": stored.file_id, "file_unique_id": stored.file_unique_id,
                                     "file_name": filename, "mime_type": mime, "file_size": len(content)}}
        if caption:
            fields["caption"] = caption
            found = auto_entities(caption)
            if found:
                fields["caption_entities"] = found
        reply = self._messages.get((chat.id, reply_to)) if reply_to is not None else None
        message = self._new_message(chat, user.to_dict(), fields, reply)
        if self._bot_sees(chat, message):
            self._queue_update("message", message)
        return copy.deepcopy(message)

    def send_update(self, raw: JSON) -> JSON:
        """Queue an arbitrary update (``update_id`` is assigned when missing). Messages inside it are
        stored so that the bot can reply to them. Returns the Update."""
        update = copy.deepcopy(raw)
        if "update_id" not in update:
            update = {"update_id": self._next_update_id, **update}
        self._next_update_id = max(self._next_update_id, int(update["update_id"]) + 1)
        for key in ("message", "edited_message", "channel_post", "edited_channel_post"):
            message = update.get(key)
            if isinstance(message, dict) and isinstance(message.get("chat"), dict) and "message_id" in message:
                chat_data = message["chat"]
                chat = self._chats.get(int(chat_data["id"]))
                if chat is None:
                    chat = self._chats[int(chat_data["id"])] = _Chat(data=dict(chat_data))
                chat.next_message_id = max(chat.next_message_id, int(message["message_id"]) + 1)
                self._messages[(chat.id, int(message["message_id"]))] = copy.deepcopy(message)
        return self._enqueue(update)

    def redeliver(self, update_id: int) -> JSON:
        """Deliver an update again with the same update_id (the next getUpdates returns it whatever its
        offset, as when Telegram repeats an update)."""
        update = self._log.get(update_id)
        if update is None:
            raise KeyError(f"no update {update_id}")
        self._forced.append(update)
        self._notify()
        return copy.deepcopy(update)

    @property
    def last_update_id(self) -> int | None:
        return self.updates_log[-1]["update_id"] if self.updates_log else None

    def _my_chat_member(self, chat: _Chat, by: JSON, old: str, new: str) -> JSON:
        new_member: JSON = {"user": self.bot_user, "status": new}
        if new == "kicked":
            new_member["until_date"] = 0
        if new == "administrator":
            new_member.update(_ADMIN_RIGHTS)
        old_member: JSON = {"user": self.bot_user, "status": old}
        if old == "administrator":
            old_member.update(_ADMIN_RIGHTS)
        if old == "kicked":
            old_member["until_date"] = 0
        payload = {"chat": dict(chat.data), "from": by, "date": self._now(),
                   "old_chat_member": old_member, "new_chat_member": new_member}
        return self._queue_update("my_chat_member", payload)

    def _actor(self, chat: _Chat, by: User | None) -> JSON:
        if by is not None:
            self._register_user(by)
            return by.to_dict()
        for member in chat.members.values():
            if member["status"] in ("creator", "administrator"):
                return dict(member["user"])
        for member in chat.members.values():
            return dict(member["user"])
        return dict(SERVICE_USER)

    def bot_removed_from(self, chat_id: int, status: str = "kicked", by: User | None = None) -> JSON:
        """The bot is removed (``kicked``) or leaves (``left``); queues a ``my_chat_member`` update and makes
        further sends to the chat answer 403. Returns the Update."""
        if status not in ("kicked", "left"):
            raise ValueError("status must be kicked or left")
        chat = self._chat(chat_id)
        old = chat.bot_status
        chat.bot_status = status
        if chat.type == "private":
            chat.blocked = status == "kicked"
        return self._my_chat_member(chat, self._actor(chat, by), old, status)

    def bot_added_to(self, chat_id: int, by: User | None = None, status: str = "member") -> JSON:
        """The bot is added to a group (or promoted): ``my_chat_member`` update, and for groups the
        ``new_chat_members`` service message. Returns the my_chat_member Update."""
        chat = self._chat(chat_id)
        old = chat.bot_status if chat.bot_status != "member" or chat.type == "private" else "left"
        chat.bot_status = status
        chat.blocked = False
        actor = self._actor(chat, by)
        update = self._my_chat_member(chat, actor, old, status)
        if chat.type in ("group", "supergroup") and old in ("left", "kicked"):
            message = self._new_message(chat, actor, {"new_chat_members": [self.bot_user],
                                                      "new_chat_member": self.bot_user,
                                                      "new_chat_participant": self.bot_user})
            self._queue_update("message", message)
        return update

    def migrate_group(self, chat_id: int, by: User | None = None) -> int:
        """Upgrade a group to a supergroup, as Telegram does: the old chat gets a ``migrate_to_chat_id``
        service message, the new one a ``migrate_from_chat_id`` one; sends to the old id answer 400 with
        ``parameters.migrate_to_chat_id``. Returns the new chat id."""
        old = self._chat(chat_id)
        if old.type != "group":
            raise ValueError("only basic groups migrate")
        new_id = int(f"-100{abs(chat_id)}")
        while new_id in self._chats:
            new_id -= 1
        data = {k: v for k, v in old.data.items() if k != "all_members_are_administrators"}
        data.update({"id": new_id, "type": "supergroup"})
        new = self._chats[new_id] = _Chat(data=data, members=copy.deepcopy(old.members),
                                          bot_status=old.bot_status)
        actor = self._actor(old, by)
        first = self._new_message(old, actor, {"migrate_to_chat_id": new_id})
        self._queue_update("message", first)
        old.migrated_to = new_id
        second = self._new_message(new, actor, {"migrate_from_chat_id": chat_id})
        self._queue_update("message", second)
        return new_id

    # ------------------------------------------------------------------ reading what the bot did

    def sent(self, chat_id: int | None = None) -> list[SentMessage]:
        """What the bot sent (in order), to one chat or to all; deleted ones are included (flagged)."""
        return [r for r in self._sent if chat_id is None or r.chat_id == chat_id]

    def sent_message(self, chat_id: int, message_id: int) -> SentMessage:
        return self._sent_index[(chat_id, message_id)]

    def mark(self) -> int:
        """A marker for ``wait_for_messages(since=...)``: messages sent after this call."""
        return self._seq

    async def wait_until(self, predicate: Callable[[], bool], timeout: float = 10.0) -> bool:
        """Wait (no polling) until ``predicate()`` holds after some emulator state change; False on timeout
        (or when the emulator stops)."""
        await self._signal.wait_for(lambda: self._closing or predicate(), timeout)
        return predicate()

    async def wait_for_messages(self, chat_id: int, count: int = 1, timeout: float = 10.0,
                                since: int | None = None) -> list[SentMessage]:
        """Wait until the bot has sent ``count`` messages to ``chat_id`` after marker ``since``
        (None = from the start); return all of them. Raises TimeoutError listing what was sent."""
        start = since or 0

        def found() -> list[SentMessage]:
            return [r for r in self._sent if r.chat_id == chat_id and r.seq > start]

        if not await self._signal.wait_for(lambda: len(found()) >= count, timeout):
            got = [r.content[:80] for r in found()]
            raise TimeoutError(f"expected {count} message(s) to chat {chat_id} within {timeout}s, got {got}")
        return found()

    async def wait_for_answer(self, timeout: float = 10.0, since: int = 0) -> JSON:
        """Wait for an answerCallbackQuery after the first ``since`` answers; return it."""
        if not await self._signal.wait_for(lambda: len(self.callback_answers) > since, timeout):
            raise TimeoutError("no answerCallbackQuery")
        return self.callback_answers[since]

    async def wait_idle(self, timeout: float = 10.0) -> bool:
        """Wait until every queued update was fetched and confirmed (offset) or delivered to the webhook."""
        ok = await self._signal.wait_for(lambda: not self._pending and not self._forced, timeout)
        if not ok:
            raise TimeoutError(f"{len(self._pending) + len(self._forced)} update(s) still pending")
        return True

    @property
    def pending_updates(self) -> list[JSON]:
        return copy.deepcopy(self._forced + self._pending)

    def get_commands(self, scope: str = "default", language_code: str = "") -> list[JSON]:
        """Commands stored by setMyCommands; scope keys: default, all_private_chats, all_group_chats,
        all_chat_administrators, chat:<id>, chat_administrators:<id>, chat_member:<id>:<user id>."""
        return copy.deepcopy(self.commands.get((scope, language_code), []))

    def file_bytes(self, file_id: str) -> bytes:
        return self._files[file_id].data
