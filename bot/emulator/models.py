"""Plain data types of the Bot API emulator: users, limits, records of what the bot sent, stats."""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

JSON = dict[str, Any]

#: Bot API methods that send or edit a message; they count against the flood limits.
SEND_METHODS: frozenset[str] = frozenset({"sendMessage", "sendPhoto", "sendDocument", "editMessageText"})
#: what counts against the flood limits: the sends, and reactions (undocumented: assumed to count like a send,
#: docs/telegram-limits.md)
COUNTED_METHODS: frozenset[str] = SEND_METHODS | {"setMessageReaction"}


class ApiError(Exception):
    """An error answer of the Bot API: ``{"ok": false, "error_code": N, "description": ...}``."""

    def __init__(self, code: int, description: str, parameters: JSON | None = None) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.parameters = parameters

    def to_json(self) -> JSON:
        body: JSON = {"ok": False, "error_code": self.code, "description": self.description}
        if self.parameters:
            body["parameters"] = self.parameters
        return body


def bad_request(text: str, parameters: JSON | None = None) -> ApiError:
    return ApiError(400, f"Bad Request: {text}", parameters)


@dataclass(frozen=True)
class User:
    """A (human) Telegram user that tests make act in chats."""

    id: int
    first_name: str
    last_name: str | None = None
    username: str | None = None
    language_code: str | None = "vi"

    def to_dict(self) -> JSON:
        data: JSON = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        if self.last_name:
            data["last_name"] = self.last_name
        if self.username:
            data["username"] = self.username
        if self.language_code:
            data["language_code"] = self.language_code
        return data

    @classmethod
    def from_dict(cls, data: JSON) -> User:
        return cls(
            id=int(data["id"]),
            first_name=str(data.get("first_name") or data.get("name") or f"User {data['id']}"),
            last_name=data.get("last_name"),
            username=data.get("username"),
            language_code=data.get("language_code", "vi"),
        )


@dataclass
class Limits:
    """Telegram's documented limits. Rate limits answer 429 with ``parameters.retry_after``.

    * global: at most ``global_per_window`` sends in any sliding ``global_window`` seconds (all chats);
    * group/supergroup chat: at most ``group_per_window`` sends in any sliding ``group_window`` seconds;
    * private chat: a token bucket of ``private_burst`` messages refilled at ``private_per_second``.
    """

    global_per_window: int = 30
    global_window: float = 1.0
    group_per_window: int = 20
    group_window: float = 60.0
    private_per_second: float = 1.0
    private_burst: int = 5
    max_text_length: int = 4096
    max_caption_length: int = 1024
    max_callback_data_bytes: int = 64
    rate_limits: bool = True
    counted_methods: frozenset[str] = COUNTED_METHODS
    #: of those, what also counts against a group's window (None: all of them); e.g. the sends only, to play
    #: the assumption that a reaction costs the token's budget but not its group's (docs/telegram-limits.md)
    group_counted_methods: frozenset[str] | None = None

    @classmethod
    def off(cls, **overrides: Any) -> Limits:
        """Limits with the rate limits disabled (text and caption lengths still apply)."""
        return cls(rate_limits=False, **overrides)


@dataclass
class SentMessage:
    """One message the bot sent, as the emulator recorded it (kept up to date on edit/delete)."""

    seq: int
    message_id: int
    chat_id: int
    kind: str  # "text" | "photo" | "document"
    text: str | None = None
    caption: str | None = None
    parse_mode: str | None = None
    entities: list[JSON] = field(default_factory=list)
    reply_to_message_id: int | None = None
    reply_markup: JSON | None = None
    file_bytes: bytes | None = None
    filename: str | None = None
    mime_type: str | None = None
    file_id: str | None = None
    history: list[JSON] = field(default_factory=list)  # earlier versions: text/caption/reply_markup/timestamp
    deleted: bool = False
    timestamp: float = field(default_factory=time.time)
    message: JSON = field(default_factory=dict)  # the Telegram Message object as last returned

    @property
    def edited(self) -> bool:
        return bool(self.history)

    @property
    def content(self) -> str:
        """The text, or the caption of a photo/document ("" when none)."""
        return self.text if self.text is not None else (self.caption or "")

    @property
    def buttons(self) -> list[JSON]:
        """All inline keyboard buttons, flattened."""
        if not self.reply_markup:
            return []
        rows = self.reply_markup.get("inline_keyboard") or []
        return [button for row in rows for button in row]

    def to_dict(self, include_file: bool = False) -> JSON:
        data: JSON = {
            "seq": self.seq,
            "message_id": self.message_id,
            "chat_id": self.chat_id,
            "kind": self.kind,
            "text": self.text,
            "caption": self.caption,
            "parse_mode": self.parse_mode,
            "entities": self.entities,
            "reply_to_message_id": self.reply_to_message_id,
            "reply_markup": self.reply_markup,
            "filename": self.filename,
            "mime_type": self.mime_type,
            "file_id": self.file_id,
            "file_size": len(self.file_bytes) if self.file_bytes is not None else None,
            "history": self.history,
            "edited": self.edited,
            "deleted": self.deleted,
            "timestamp": self.timestamp,
            "message": self.message,
        }
        if include_file and self.file_bytes is not None:
            import base64

            data["file_base64"] = base64.b64encode(self.file_bytes).decode("ascii")
        return data


@dataclass
class EmulatorStats:
    calls: Counter[str] = field(default_factory=Counter)  # Bot API calls per method name
    rate_limited: int = 0  # 429s caused by the flood limits
    too_many_requests: int = 0  # every 429 returned (flood limits + injected)
    faults: Counter[str] = field(default_factory=Counter)  # injected faults per kind
    errors: Counter[int] = field(default_factory=Counter)  # error answers per error_code

    @property
    def faults_injected(self) -> int:
        return sum(self.faults.values())

    def to_dict(self) -> JSON:
        return {
            "calls": dict(self.calls),
            "rate_limited": self.rate_limited,
            "too_many_requests": self.too_many_requests,
            "faults": dict(self.faults),
            "faults_injected": self.faults_injected,
            "errors": {str(k): v for k, v in self.errors.items()},
        }
