"""One Zalo message -> the conversation core (bot/conversation, the same router as Telegram) -> replies.

The dispatcher does no I/O with Zalo: it returns `Out` items (text, or a photo URL) and the runner sends
them. It reads a Zalo update into a `Turn` (mention stripped, typed command words read), lets the core
answer, and shapes each `Reply` for Zalo: plain text with typed words instead of buttons, charts and
files as signed links.
"""

from __future__ import annotations

import hashlib
import json
import logging
import secrets
import time as _time
from collections import OrderedDict
from dataclasses import dataclass, replace
from typing import Any

from bot.bootstrap import Container
from bot.conversation import Conversation, Deferred, Reply, Turn, zalo
from bot.texts import t
from bot.zalo import CHANNEL
from bot.zalo.text import for_zalo, parse_command, strip_mention
from bot.zalo.web import CHART_TTL, EXPORT_TTL, File, LinkSigner

log = logging.getLogger(__name__)

TEXT_EVENTS = ("message.text.received", "message.text", "text", "")


# ---- incoming -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Incoming:
    """A Zalo message, normalised (ids are strings whatever Zalo sent)."""

    event: str
    chat_id: str
    is_group: bool
    user_id: str
    name: str
    text: str
    message_id: str
    date_ms: int | None = None
    is_bot: bool = False
    addressed: bool = False  # a group message meant for the bot without a mention (an OA reads every one)

    @property
    def is_text(self) -> bool:
        return self.event in TEXT_EVENTS or (self.event.endswith(".text.received"))


def _s(value: Any) -> str:
    return "" if value is None else str(value).strip()


def parse_update(raw: dict[str, Any]) -> Incoming | None:
    """A Zalo update (``{"event_name", "message": {...}}``, possibly wrapped in ``result``) -> Incoming."""
    if not isinstance(raw, dict):
        return None
    if "message" not in raw and isinstance(raw.get("result"), dict):
        raw = raw["result"]
    msg = raw.get("message")
    if not isinstance(msg, dict):
        return None
    chat: dict[str, Any] = msg["chat"] if isinstance(msg.get("chat"), dict) else {}
    sender: dict[str, Any] = msg["from"] if isinstance(msg.get("from"), dict) else {}
    user_id = _s(sender.get("id"))
    chat_id = _s(chat.get("id")) or user_id
    if not chat_id or not user_id:
        return None
    chat_type = _s(chat.get("chat_type") or chat.get("type")).upper()
    name = _s(sender.get("display_name") or sender.get("name") or sender.get("first_name")) or user_id
    event = _s(raw.get("event_name"))
    text = msg.get("text")
    if not isinstance(text, str):
        text = ""
    date = msg.get("date")
    return Incoming(
        event=event, chat_id=chat_id, is_group=chat_type in ("GROUP", "SUPERGROUP"), user_id=user_id,
        name=name[:120], text=text, message_id=_s(msg.get("message_id")) or _derived_id(raw),
        date_ms=int(date) if isinstance(date, int | float) else None, is_bot=bool(sender.get("is_bot")),
    )


def _derived_id(raw: dict[str, Any]) -> str:
    """A stable id for an update without ``message_id``: the digest of the whole update, so that a
    re-delivery of the same update gets the same key and two different messages never share one
    (``chat:date`` collapsed every id-less, date-less message of a chat into one key)."""
    canon = json.dumps(raw, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return "h:" + hashlib.sha256(canon.encode("utf-8")).hexdigest()[:32]


def message_key(message_id: str) -> int:
    """Zalo message ids are strings ("16f6366b3f02645a3d15"): a stable 63-bit integer for the reports table."""
    if message_id.isdigit() and int(message_id) < 2 ** 63:
        return int(message_id)
    return int.from_bytes(hashlib.sha256(message_id.encode("utf-8")).digest()[:8], "big") & (2 ** 63 - 1)


# ---- outgoing -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Out:
    """One thing to send back: a text, or a photo by URL with a caption."""

    text: str | None = None
    photo_url: str | None = None
    caption: str | None = None
    confirm: bool = False  # a report's confirmation: batched or left out in a group's budget mode


class BlobCache:
    """Short-lived in-memory files (a chart made for one /tonghop), fetched through signed links."""

    def __init__(self, size: int = 200, ttl: float = CHART_TTL.total_seconds()) -> None:
        self.size, self.ttl = size, ttl
        self._items: OrderedDict[str, tuple[float, File]] = OrderedDict()

    def put(self, f: File) -> str:
        key = secrets.token_urlsafe(12)
        self._items[key] = (_time.monotonic() + self.ttl, f)
        while len(self._items) > self.size:
            self._items.popitem(last=False)
        return key

    def get(self, key: str) -> File | None:
        item = self._items.get(key)
        if item is None or item[0] < _time.monotonic():
            return None
        return item[1]


class ZaloDispatcher:
    """The Zalo adapter over the conversation core: Incoming -> Turn -> `Conversation.handle` -> `Out` items.

    Zalo specifics stay here: the "@Bot name" mention, typed command words (bot/zalo/text.py), plain text with
    the button lines swapped for typed words (`for_zalo`), charts and files as signed links (bot/zalo/web.py).
    """

    def __init__(self, container: Container, signer: LinkSigner | None = None, *, blobs: BlobCache | None = None,
                 bot_names: tuple[str, ...] = (), channel: str = CHANNEL, bot_id: str | None = None) -> None:
        self.container = container
        self.svc = container.svc
        self.channel = channel  # "zalo" (Bot Platform) or "zalo_oa" (Official Account): same logic, own ids
        self.bot_id = bot_id  # updates sent by this id are the bot's own messages coming back
        self.signer = signer
        self.blobs = blobs or BlobCache()
        self.bot_names = bot_names
        self.links = container.links
        self.conversation = Conversation(container, zalo(channel), links=self.links)

    @property
    def track_private(self) -> bool:
        """Bind leaders' private chats for scheduled messages (not on the OA)."""
        return self.conversation.channel.track_private

    @track_private.setter
    def track_private(self, on: bool) -> None:
        self.conversation = Conversation(self.container, zalo(self.channel, track_private=on), links=self.links)

    # ---- entry ----------------------------------------------------------------------------------

    def turn_of(self, msg: Incoming) -> Turn | None:
        """The message as a Turn (None: the bot's own message, no text, or nothing after the mention)."""
        if msg.is_bot or not msg.is_text or (self.bot_id is not None and msg.user_id == self.bot_id):
            return None  # the bot's own messages can come back as updates: never answer them
        text = strip_mention(msg.text, self.bot_names) if msg.is_group else msg.text.strip()
        if not text:
            return None
        cmd = parse_command(text)
        if cmd is not None and cmd.name in ("cong", "tong") and cmd.args:
            cmd = None  # "Tổng Thôn 3: 24" is a report, not the answer word
        return Turn(
            channel=self.channel, chat_id=msg.chat_id, chat_type="group" if msg.is_group else "private",
            user_id=msg.user_id, user_name=msg.name, first_name=msg.name,
            text=text if cmd is None else f"/{cmd.name} {cmd.args}".rstrip(), message_id=message_key(msg.message_id),
            addressed=not msg.is_group or msg.text.lstrip().startswith("@") or msg.addressed,
            command=cmd.name if cmd is not None else None, args=cmd.args if cmd is not None else "",
        )

    async def handle(self, msg: Incoming) -> list[Out]:
        """The replies to one incoming message ([] = say nothing)."""
        turn = self.turn_of(msg)
        if turn is None:
            return []
        outs: list[Out] = []
        for r in await self.conversation.handle(turn):
            outs += self._outs(r)
        return outs

    def budget_mode(self, chat_id: str) -> str:
        return self.conversation.budget_mode(chat_id)

    # ---- Reply -> Out ---------------------------------------------------------------------------

    def _outs(self, r: Reply) -> list[Out]:
        lang = r.lang or self.svc.settings.language
        if r.private or r.when == "private_sent":
            return []  # Zalo offers no private sends of its own: the core says "failed" instead
        if r.deferred is not None:
            return self._deferred(r.deferred)
        if r.photo is not None:
            return self._photo(r.photo, "chart.png", "image/png", r.caption, lang)
        if r.file is not None:
            link = self.file_link(r.file[1], r.file[0], "application/octet-stream")
            if link is None:
                return [self._text(t("zalo.no_public_url", lang), lang)]
            hours = int(EXPORT_TTL.total_seconds() // 3600)
            return [self._text(t("zalo.download", lang, name=r.file[0], hours=hours, url=link), lang)]
        if not r.text:
            return []
        return [replace(self._text(r.text, lang), confirm=r.kind == "confirmation")]

    def _deferred(self, job: Deferred) -> list[Out]:
        """Charts and exports as signed links: the web server renders them when Zalo (or the user) fetches."""
        lang, p = job.lang, job.params
        if self.signer is None or not self.signer.enabled or job.kind == "import":
            return [self._text(t("zalo.no_public_url", lang), lang)]
        unit = p["unit"]
        if job.kind == "chart":
            params = {"u": unit.id, "d": p["day"].isoformat(), "l": lang, "m": p["metric"]}
            url = self.signer.url("vchart", params, p["name"], CHART_TTL)
            return [Out(photo_url=url, caption=for_zalo(p["caption"], lang))]
        params = {"u": unit.id, "a": p["start"].isoformat(), "b": p["end"].isoformat(), "c": int(p["csv"]), "l": lang}
        url = self.signer.url("export", params, p["name"], EXPORT_TTL)
        hours = int(EXPORT_TTL.total_seconds() // 3600)
        return [self._text(t("zalo.download", lang, name=p["name"], hours=hours, url=url), lang)]

    @staticmethod
    def _text(text: str, lang: str) -> Out:
        return Out(text=for_zalo(text, lang))

    def _photo(self, content: bytes, filename: str, content_type: str, caption: str | None, lang: str) -> list[Out]:
        if self.signer is None or not self.signer.enabled:
            return []
        key = self.blobs.put(File(content, content_type, filename))
        url = self.signer.url("blob", {"b": key}, filename, CHART_TTL)
        return [Out(photo_url=url, caption=for_zalo(caption or "", lang) or None)]

    def file_link(self, content: bytes, filename: str, content_type: str) -> str | None:
        """A download link (expiring) to a file made for this user, or None without a public URL."""
        if self.signer is None or not self.signer.enabled:
            return None
        key = self.blobs.put(File(content, content_type, filename))
        return self.signer.url("blob", {"b": key}, filename, EXPORT_TTL)
