"""An async httpx client of the emulator's control API, for a separate process (the terminal demo)."""

from __future__ import annotations

import base64
from collections.abc import Iterable
from dataclasses import asdict
from typing import Any

import httpx

from .models import JSON, User


class ControlError(RuntimeError):
    pass


def _user(user: User | JSON) -> JSON:
    return asdict(user) if isinstance(user, User) else dict(user)


class ControlClient:
    """``ControlClient("http://127.0.0.1:8081")`` — the emulator's root URL (``emu.url``); a URL ending in
    ``/bot`` (``emu.base_url``) or ``/control`` is accepted too."""

    def __init__(self, base: str, *, timeout: float = 30.0) -> None:
        base = base.rstrip("/")
        for suffix in ("/control", "/bot"):
            if base.endswith(suffix):
                base = base[: -len(suffix)]
        self.base = base
        self._http = httpx.AsyncClient(base_url=f"{base}/control", timeout=timeout)

    async def __aenter__(self) -> ControlClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    async def _result(self, response: httpx.Response) -> Any:
        try:
            body = response.json()
        except ValueError:
            raise ControlError(f"HTTP {response.status_code}: {response.text[:200]}") from None
        if not body.get("ok"):
            raise ControlError(body.get("description") or f"HTTP {response.status_code}")
        return body["result"]

    async def _post(self, path: str, payload: JSON) -> Any:
        return await self._result(await self._http.post(path, json=payload))

    async def _get(self, path: str, params: JSON | None = None, http_timeout: float | None = None) -> Any:
        query = {k: v for k, v in (params or {}).items() if v is not None}
        kwargs: dict[str, Any] = {"params": query}
        if http_timeout is not None:
            kwargs["timeout"] = http_timeout
        return await self._result(await self._http.get(path, **kwargs))

    # chats
    async def private_chat(self, user: User | JSON) -> JSON:
        return await self._post("/chat/private", {"user": _user(user)})

    async def group_chat(self, chat_id: int, title: str, type: str = "group", *,  # noqa: A002
                         members: Iterable[User | JSON] = (), admins: Iterable[User | JSON] = (),
                         bot_admin: bool = False) -> JSON:
        return await self._post("/chat/group", {
            "chat_id": chat_id, "title": title, "type": type, "bot_admin": bot_admin,
            "members": [_user(u) for u in members], "admins": [_user(u) for u in admins],
        })

    # user actions
    async def message(self, chat_id: int, user: User | JSON, text: str, *, reply_to: int | None = None) -> JSON:
        return await self._post("/message", {"chat_id": chat_id, "user": _user(user), "text": text,
                                             "reply_to": reply_to})

    async def edit(self, chat_id: int, message_id: int, text: str) -> JSON:
        return await self._post("/edit", {"chat_id": chat_id, "message_id": message_id, "text": text})

    async def press(self, chat_id: int, message_id: int, user: User | JSON, data: str) -> JSON:
        return await self._post("/press", {"chat_id": chat_id, "message_id": message_id,
                                           "user": _user(user), "data": data})

    async def document(self, chat_id: int, user: User | JSON, filename: str, content: bytes,
                       caption: str | None = None, *, mime_type: str | None = None) -> JSON:
        return await self._post("/document", {
            "chat_id": chat_id, "user": _user(user), "filename": filename,
            "content": base64.b64encode(content).decode("ascii"), "caption": caption, "mime_type": mime_type,
        })

    async def update(self, raw: JSON) -> JSON:
        return await self._post("/update", {"update": raw})

    async def redeliver(self, update_id: int) -> JSON:
        return await self._post("/redeliver", {"update_id": update_id})

    async def block(self, chat_id: int, blocked: bool = True) -> bool:
        return bool(await self._post("/block", {"chat_id": chat_id, "blocked": blocked}))

    async def faults(self, rate: float, kinds: Iterable[str] = ("429", "500", "timeout"),
                     methods: Iterable[str] | None = None, seed: int = 0) -> bool:
        return bool(await self._post("/faults", {"rate": rate, "kinds": list(kinds), "seed": seed,
                                                 "methods": list(methods) if methods is not None else None}))

    # reads
    async def sent(self, chat_id: int | None = None, after_id: int | None = None) -> list[JSON]:
        """Messages the bot sent (to ``chat_id``; with message_id > ``after_id``)."""
        return list(await self._get("/sent", {"chat_id": chat_id, "after_id": after_id}))

    async def wait(self, chat_id: int, after_id: int = 0, timeout: float = 10.0, count: int = 1) -> list[JSON]:
        """Long-poll until the bot sent ``count`` messages to ``chat_id`` after ``after_id`` (a message_id,
        e.g. the user's own message); returns them (possibly fewer when the timeout passed)."""
        params = {"chat_id": chat_id, "after_id": after_id, "count": count, "timeout": timeout}
        return list(await self._get("/wait", params, http_timeout=timeout + 10.0))

    async def file(self, chat_id: int, message_id: int) -> bytes:
        response = await self._http.get("/file", params={"chat_id": chat_id, "message_id": message_id})
        if response.status_code != 200:
            await self._result(response)
        return response.content

    async def commands(self) -> list[JSON]:
        return list(await self._get("/commands"))

    async def stats(self) -> JSON:
        return dict(await self._get("/stats"))

    async def callback_answers(self) -> list[JSON]:
        return list(await self._get("/callback_answers"))

    async def reactions(self, chat_id: int | None = None) -> list[JSON]:
        """The bot's setMessageReaction calls (in ``chat_id``), oldest first."""
        return list(await self._get("/reactions", {"chat_id": chat_id}))

    async def allow_reactions(self, chat_id: int, emoji: Iterable[str] | None) -> bool:
        """The reactions a chat allows (None: all; []: none)."""
        return bool(await self._post("/chat/reactions", {"chat_id": chat_id,
                                                         "emoji": list(emoji) if emoji is not None else None}))

    async def info(self) -> JSON:
        return dict(await self._get("/info"))
