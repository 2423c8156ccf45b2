"""The emulator's HTTP control API (``/control/...``): act as users and read what the bot did.

Every answer is ``{"ok": true, "result": ...}`` or ``{"ok": false, "description": ...}`` (HTTP 400/404).

    POST /control/chat/private     {"user": U}                                          -> Chat
    POST /control/chat/group       {"chat_id", "title", "type"?, "members"?: [U], "admins"?: [U],
                                    "bot_admin"?}                                       -> Chat
    POST /control/message          {"chat_id", "user": U, "text", "reply_to"?}          -> Message
    POST /control/edit             {"chat_id", "message_id", "text"}                     -> Message
    POST /control/press            {"chat_id", "message_id", "user": U, "data"}          -> Update
    POST /control/document         {"chat_id", "user": U, "filename", "content" (base64), "caption"?,
                                    "mime_type"?}                                       -> Message
    POST /control/update           {"update": {...}} or the raw update                   -> Update
    POST /control/redeliver        {"update_id"}                                          -> Update
    POST /control/block            {"chat_id", "blocked"?: true}                          -> true
    POST /control/faults           {"rate", "kinds"?, "methods"?, "seed"?} (rate 0 clears) -> true
    GET  /control/sent?chat_id=&after_id=            bot messages (message_id > after_id) -> [SentMessage]
    GET  /control/wait?chat_id=&after_id=&count=&timeout=   long-poll for those            -> [SentMessage]
    GET  /control/file?chat_id=&message_id=          the bytes of a photo/document the bot sent
    GET  /control/reactions?chat_id=               the bot's setMessageReaction calls     -> [{chat_id, message_id,
                                                                                         emoji, is_big, timestamp}]
    POST /control/chat/reactions   {"chat_id", "emoji": [..] | null}  what the chat allows -> true
    GET  /control/commands | /control/stats | /control/callback_answers | /control/info

A user ``U`` is ``{"id", "first_name", "last_name"?, "username"?, "language_code"?}``.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Awaitable, Callable, Iterable
from typing import Any, Protocol

from aiohttp import web

from .models import JSON, EmulatorStats, SentMessage, User


class ControlledEmulator(Protocol):
    """What the control API drives: bot.emulator.server.Emulator (which adds these routes when it starts)."""

    token: str
    bot_user: JSON
    stats: EmulatorStats
    callback_answers: list[JSON]
    commands: dict[tuple[str, str], list[JSON]]

    @property
    def url(self) -> str: ...
    @property
    def base_url(self) -> str: ...
    @property
    def base_file_url(self) -> str: ...
    def private_chat(self, user: User) -> JSON: ...
    def group_chat(self, chat_id: int, title: str, type: str = ..., *,  # noqa: A002 - the Bot API's name
                   members: Iterable[User] = ..., admins: Iterable[User] = ..., bot_admin: bool = ...) -> JSON: ...
    def send_message(self, chat_id: int, user: User, text: str, *, reply_to: int | None = ...) -> JSON: ...
    def edit_message(self, chat_id: int, message_id: int, new_text: str) -> JSON: ...
    def press_button(self, chat_id: int, message_id: int, user: User, data: str) -> JSON: ...
    def send_document(self, chat_id: int, user: User, filename: str, content: bytes, caption: str | None = ..., *,
                      mime_type: str | None = ...) -> JSON: ...
    def send_update(self, raw: JSON) -> JSON: ...
    def redeliver(self, update_id: int) -> JSON: ...
    def block_chat(self, chat_id: int, blocked: bool = ...) -> None: ...
    def clear_faults(self) -> None: ...
    def inject_faults(self, rate: float, kinds: Iterable[str] = ..., methods: Iterable[str] | None = ...,
                      seed: int = ...) -> None: ...
    def sent(self, chat_id: int | None = ...) -> list[SentMessage]: ...
    def sent_message(self, chat_id: int, message_id: int) -> SentMessage: ...
    async def wait_until(self, predicate: Callable[[], bool], timeout: float = ...) -> bool: ...
    def reaction_log(self, chat_id: int | None = ...) -> list[JSON]: ...
    def set_available_reactions(self, chat_id: int, emoji: Iterable[str] | None) -> None: ...

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class ControlError(Exception):
    def __init__(self, description: str, status: int = 400) -> None:
        super().__init__(description)
        self.description = description
        self.status = status


def _ok(result: Any) -> web.Response:
    return web.Response(text=json.dumps({"ok": True, "result": result}, ensure_ascii=False),
                        content_type="application/json")


async def _body(request: web.Request) -> JSON:
    if not request.can_read_body:
        return {}
    try:
        body = await request.json()
    except ValueError:
        raise ControlError("body must be JSON") from None
    if not isinstance(body, dict):
        raise ControlError("body must be a JSON object")
    return body


def _need(body: JSON, *names: str) -> None:
    missing = [name for name in names if body.get(name) in (None, "")]
    if missing:
        raise ControlError(f"missing field(s): {', '.join(missing)}")


def _user(body: JSON, key: str = "user") -> User:
    raw = body.get(key)
    if not isinstance(raw, dict) or "id" not in raw:
        raise ControlError(f"{key} must be an object with an id")
    return User.from_dict(raw)


def _int_query(request: web.Request, name: str, default: int | None = None) -> int | None:
    value = request.query.get(name)
    if value in (None, ""):
        return default
    try:
        return int(value)
    except ValueError:
        raise ControlError(f"{name} must be an integer") from None


def _after(records: list[SentMessage], after_id: int | None) -> list[SentMessage]:
    return [r for r in records if after_id is None or r.message_id > after_id]


def _route(func: Callable[[web.Request], Awaitable[Any]]) -> Handler:
    async def handler(request: web.Request) -> web.StreamResponse:
        try:
            result = await func(request)
        except ControlError as exc:
            status, text = exc.status, exc.description
        except (KeyError, LookupError, ValueError, TypeError) as exc:
            status, text = 400, str(exc.args[0] if exc.args else exc)
        else:
            return result if isinstance(result, web.StreamResponse) else _ok(result)
        return web.Response(text=json.dumps({"ok": False, "description": text}, ensure_ascii=False),
                            status=status, content_type="application/json")

    return handler


class _Control:
    """The control endpoints of one emulator (a test drives the emulator through them)."""

    def __init__(self, emu: ControlledEmulator) -> None:
        self.emu = emu

    async def chat_private(self, request: web.Request) -> Any:
        emu = self.emu
        return emu.private_chat(_user(await _body(request)))

    async def chat_group(self, request: web.Request) -> Any:
        emu = self.emu
        body = await _body(request)
        _need(body, "chat_id", "title")
        return emu.group_chat(
            int(body["chat_id"]),
            str(body["title"]),
            str(body.get("type") or "group"),
            members=[User.from_dict(u) for u in body.get("members") or []],
            admins=[User.from_dict(u) for u in body.get("admins") or []],
            bot_admin=bool(body.get("bot_admin")),
        )

    async def message(self, request: web.Request) -> Any:
        emu = self.emu
        body = await _body(request)
        _need(body, "chat_id", "text")
        reply_to = body.get("reply_to")
        return emu.send_message(int(body["chat_id"]), _user(body), str(body["text"]),
                                reply_to=int(reply_to) if reply_to else None)

    async def edit(self, request: web.Request) -> Any:
        emu = self.emu
        body = await _body(request)
        _need(body, "chat_id", "message_id", "text")
        return emu.edit_message(int(body["chat_id"]), int(body["message_id"]), str(body["text"]))

    async def press(self, request: web.Request) -> Any:
        emu = self.emu
        body = await _body(request)
        _need(body, "chat_id", "message_id", "data")
        return emu.press_button(int(body["chat_id"]), int(body["message_id"]), _user(body), str(body["data"]))

    async def document(self, request: web.Request) -> Any:
        emu = self.emu
        body = await _body(request)
        _need(body, "chat_id", "filename")
        try:
            content = base64.b64decode(str(body.get("content") or ""), validate=True)
        except (binascii.Error, ValueError):
            raise ControlError("content must be base64") from None
        return emu.send_document(int(body["chat_id"]), _user(body), str(body["filename"]), content,
                                 body.get("caption"), mime_type=body.get("mime_type"))

    async def update(self, request: web.Request) -> Any:
        emu = self.emu
        body = await _body(request)
        raw = body["update"] if isinstance(body.get("update"), dict) else body
        return emu.send_update(raw)

    async def redeliver(self, request: web.Request) -> Any:
        emu = self.emu
        body = await _body(request)
        _need(body, "update_id")
        return emu.redeliver(int(body["update_id"]))

    async def block(self, request: web.Request) -> Any:
        emu = self.emu
        body = await _body(request)
        _need(body, "chat_id")
        emu.block_chat(int(body["chat_id"]), bool(body.get("blocked", True)))
        return True

    async def faults(self, request: web.Request) -> Any:
        emu = self.emu
        body = await _body(request)
        rate = float(body.get("rate") or 0)
        if rate <= 0:
            emu.clear_faults()
        else:
            emu.inject_faults(rate, tuple(body.get("kinds") or ("429", "500", "timeout")),
                              body.get("methods"), int(body.get("seed") or 0))
        return True

    async def sent(self, request: web.Request) -> Any:
        emu = self.emu
        chat_id = _int_query(request, "chat_id")
        records = _after(emu.sent(chat_id), _int_query(request, "after_id"))
        return [r.to_dict() for r in records]

    async def wait(self, request: web.Request) -> Any:
        emu = self.emu
        chat_id = _int_query(request, "chat_id")
        if chat_id is None:
            raise ControlError("chat_id is required")
        after_id = _int_query(request, "after_id", 0)
        count = _int_query(request, "count", 1) or 1
        try:
            timeout = min(120.0, float(request.query.get("timeout") or 10.0))
        except ValueError:
            raise ControlError("timeout must be a number") from None

        def found() -> list[SentMessage]:
            return _after(emu.sent(chat_id), after_id)

        await emu.wait_until(lambda: len(found()) >= count, timeout)
        return [r.to_dict() for r in found()]

    async def file(self, request: web.Request) -> Any:
        emu = self.emu
        chat_id = _int_query(request, "chat_id")
        message_id = _int_query(request, "message_id")
        if chat_id is None or message_id is None:
            raise ControlError("chat_id and message_id are required")
        record = emu.sent_message(chat_id, message_id)
        if record.file_bytes is None:
            raise ControlError("that message has no file", 404)
        return web.Response(body=record.file_bytes, content_type=record.mime_type or "application/octet-stream",
                            headers={"Content-Disposition": f'attachment; filename="{record.filename or "file"}"'})

    async def commands(self, request: web.Request) -> Any:
        emu = self.emu
        return [{"scope": scope, "language_code": lang, "commands": cmds}
                for (scope, lang), cmds in emu.commands.items()]

    async def stats(self, request: web.Request) -> Any:
        emu = self.emu
        return emu.stats.to_dict()

    async def callback_answers(self, request: web.Request) -> Any:
        emu = self.emu
        return emu.callback_answers

    async def reactions(self, request: web.Request) -> Any:
        return self.emu.reaction_log(_int_query(request, "chat_id"))

    async def chat_reactions(self, request: web.Request) -> Any:
        body = await _body(request)
        _need(body, "chat_id")
        emoji = body.get("emoji")
        if emoji is not None and not isinstance(emoji, list):
            raise ControlError("emoji must be a list or null")
        self.emu.set_available_reactions(int(body["chat_id"]), emoji)
        return True

    async def info(self, request: web.Request) -> Any:
        emu = self.emu
        return {"url": emu.url, "base_url": emu.base_url, "base_file_url": emu.base_file_url,
                "token": emu.token, "bot": emu.bot_user}


def add_control_routes(app: web.Application, emu: ControlledEmulator) -> None:
    c = _Control(emu)
    post = {
        "chat/private": c.chat_private, "chat/group": c.chat_group, "message": c.message, "edit": c.edit,
        "press": c.press, "document": c.document, "update": c.update, "redeliver": c.redeliver, "block": c.block,
        "faults": c.faults, "chat/reactions": c.chat_reactions,
    }
    get = {
        "sent": c.sent, "wait": c.wait, "file": c.file, "commands": c.commands, "stats": c.stats,
        "callback_answers": c.callback_answers, "info": c.info, "reactions": c.reactions,
    }
    for name, func in post.items():
        app.router.add_post(f"/control/{name}", _route(func))
    for name, func in get.items():
        app.router.add_get(f"/control/{name}", _route(func))
