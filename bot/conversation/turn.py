"""What goes into the conversation core (a `Turn`) and what comes out (`Reply` items), channel-neutral.

A channel adapter (handlers/ for Telegram, bot/channels/zalo/dispatch.py for Zalo) reads its update into a Turn,
awaits `Conversation.handle(turn)` and sends each Reply with its own API: buttons as inline keyboards where
the channel has them, as the typed words of `Choice.word` where it has not; photos and files as uploads or
as signed links; `deferred` work in the background with a "working…" reply.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

#: progress(stage, done, total), callable from any thread
Progress = Callable[[str, int, int], None]

#: which of these chat ids the channel confirms the bot is in (a sync call from the work's thread)
ChatCheck = Callable[[list[str]], frozenset[str]]

Kind = Literal["answer", "confirmation", "edit", "alert"]
When = Literal["always", "private_sent", "private_failed"]


@dataclass(frozen=True)
class Attachment:
    """A file the turn carries (or the message it replies to carries), not yet downloaded."""

    file_id: str
    name: str = ""
    mime_type: str = ""
    size: int | None = None


@dataclass(frozen=True)
class Person:
    """The author of the message a turn replies to."""

    user_id: str
    name: str = ""
    is_bot: bool = False


@dataclass(frozen=True)
class Turn:
    """One incoming message (or button press), normalised by the channel adapter."""

    channel: str  # "telegram", "zalo", "zalo_oa"
    chat_id: str
    chat_type: str  # private | group | supergroup
    user_id: str
    user_name: str  # the full display name
    text: str = ""  # the whole text ("/baocao Thôn 3 12", "Thôn 3 hôm nay 12 mức 2")
    message_id: int = 0
    first_name: str = ""  # the greeting name of /start
    username: str | None = None
    revision: int | None = None  # an edited message: its edit date (epoch seconds)
    reply_to_id: int | None = None
    reply_to_user: Person | None = None
    addressed: bool = False  # a group message meant for the bot (mention, or an OA that reads them all)
    chat_title: str | None = None
    attachment: Attachment | None = None  # the turn's own document, else the one of the message it replies to
    command: str | None = None  # the command as the channel's syntax reads it (a command-table name or a typed word)
    args: str = ""  # the text after the command word (line breaks kept)
    button: str | None = None  # the callback data of a pressed button
    bot_reads_group: bool = True  # the bot sees ordinary group messages (Telegram: privacy mode off)

    @property
    def is_group(self) -> bool:
        return self.chat_type in ("group", "supergroup")


@dataclass(frozen=True)
class Choice:
    """A button; on a channel without buttons the user types `word` (the catalog's texts say which)."""

    label: str
    data: str
    word: str


@dataclass(frozen=True)
class Deferred:
    """Long work (charts, exports, imports) the adapter runs in the background.

    `run(progress, data, check)` is synchronous (it is run in a worker thread) and returns the replies to send
    when done; `data` is the downloaded `download` attachment, if any; `check` asks the channel which chats
    the bot is in (None where it cannot tell). `params` says what the work is about, for a
    channel that serves it another way (Zalo: a signed link the web server renders when fetched)."""

    kind: Literal["chart", "export", "import"]
    run: Callable[[Progress, bytes | None, ChatCheck | None], list[Reply]]
    lang: str
    params: Mapping[str, Any] = field(default_factory=dict)
    download: Attachment | None = None


@dataclass(frozen=True)
class Reply:
    """One thing to send back.

    kind: "answer" (a reply to the turn's message), "confirmation" (a stored report's confirmation: durable
    on Telegram, batched on Zalo in a budget mode; `report_id` is the report whose reply id is recorded),
    "edit" (the pressed message is edited), "alert" (the answer to a button press; empty text: just stop
    the spinner). `parts`: the text as separate messages where a channel limits their length.
    `when`: sent only if the private sends before it went out ("private_sent") or failed ("private_failed").
    `react`: a confirmation the channel gives as a reaction on the turn's message (a chat in the "reaction"
    confirmation style, bot/core/confirm.py); the text is sent instead if the reaction fails.
    """

    text: str = ""
    parts: tuple[str, ...] = ()
    choices: tuple[tuple[Choice, ...], ...] = ()
    photo: bytes | None = None
    file: tuple[str, bytes] | None = None
    caption: str | None = None
    private: bool = False
    kind: Kind = "answer"
    report_id: int | None = None
    reply_to: int | None = None  # answer that message instead of the turn's (/sua answers the report)
    quote: bool | None = True  # a quoted reply to the turn's message; None: the channel's default; False: none
    when: When = "always"
    deferred: Deferred | None = None
    react: bool = False  # a reaction on the turn's message stands for it (the text is the fallback)
    lang: str = ""  # the language it is written in (set by the router; adapters render their own texts in it)

    @property
    def pieces(self) -> tuple[str, ...]:
        return self.parts or ((self.text,) if self.text else ())


def text_reply(text: str, **kwargs: Any) -> Reply:
    return Reply(text=text, **kwargs)


def parts_reply(parts: list[str] | tuple[str, ...], **kwargs: Any) -> Reply:
    """A text made of several messages (joined with line breaks where one message can hold it)."""
    return Reply(text="\n".join(parts), parts=tuple(parts), **kwargs)
