"""setMessageReaction as the Bot API answers it (the emulator's part of docs/telegram-limits.md).

What the Bot API documents: a bot (no Premium) sets at most one reaction per message; the method answers
True; an emoji reaction must be one of the emoji listed for ReactionTypeEmoji; an empty or missing list
removes the bot's reaction. What real bots report seeing (Telegram does not document the error texts):
``Bad Request: REACTION_INVALID`` for an emoji not in the list (or one the chat does not allow),
``Bad Request: message to react not found`` for a wrong or deleted message, ``Bad Request:
REACTIONS_TOO_MANY`` for more than one. Which flood limits reactions count against is not documented: the
emulator counts them like messages (Limits.counted_methods), the conservative assumption.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .models import JSON, bad_request

#: the emoji of ReactionTypeEmoji (Bot API 9.x, the list python-telegram-bot 22 carries)
ALLOWED_EMOJI: frozenset[str] = frozenset({
    "👍", "👎", "❤", "🔥", "🥰", "👏", "😁", "🤔", "🤯", "😱", "🤬", "😢", "🎉", "🤩", "🤮", "💩", "🙏", "👌", "🕊",
    "🤡", "🥱", "🥴", "😍", "🐳", "❤\u200d🔥", "🌚", "🌭", "💯", "🤣", "⚡", "🍌", "🏆", "💔", "🤨", "😐", "🍓", "🍾",
    "💋", "🖕", "😈", "😴", "😭", "🤓", "👻", "👨\u200d💻", "👀", "🎃", "🙈", "😇", "😨", "🤝", "✍", "🤗", "🫡", "🎅",
    "🎄", "☃", "💅", "🤪", "🗿", "🆒", "💘", "🙉", "🦄", "😘", "💊", "🙊", "😎", "👾", "🤷\u200d♂", "🤷", "🤷\u200d♀",
    "😡",
})
_VS16 = "\ufe0f"  # emoji presentation selector: "❤️" and "❤" are the same reaction


def _canonical(emoji: str) -> str:
    return emoji.replace(_VS16, "")


ALLOWED = frozenset(_canonical(e) for e in ALLOWED_EMOJI)


@dataclass
class ReactionState:
    """The bot's reactions: current ones per message, and every successful call in order."""

    current: dict[tuple[int, int], list[str]] = field(default_factory=dict)
    log: list[JSON] = field(default_factory=list)
    #: chat id -> the emoji the chat allows (None or absent: all of ALLOWED); an empty set: no reactions
    available: dict[int, frozenset[str] | None] = field(default_factory=dict)


def parse_reactions(raw: Any) -> list[str]:
    """The emoji of a `reaction` parameter (already JSON-decoded, or None), or the Bot API's 400."""
    if raw is None or raw == "":
        return []
    if isinstance(raw, dict):
        raw = [raw]
    if not isinstance(raw, list):
        raise bad_request("expected an Array of ReactionType")
    emoji: list[str] = []
    for item in raw:
        if not isinstance(item, dict):
            raise bad_request("can't parse ReactionType: expected an Object")
        kind = item.get("type")
        if kind is None:
            raise bad_request('can\'t parse ReactionType: Can\'t find field "type"')
        if kind == "custom_emoji":
            raise bad_request("REACTION_INVALID")  # no emulated chat allows custom emoji
        if kind != "emoji":
            raise bad_request("can't parse ReactionType: invalid reaction type specified")
        value = item.get("emoji")
        if not isinstance(value, str):
            raise bad_request('can\'t parse ReactionType: Can\'t find field "emoji"')
        if not value:
            raise bad_request("invalid reaction type specified")
        if _canonical(value) not in ALLOWED:
            raise bad_request("REACTION_INVALID")
        emoji.append(_canonical(value))
    if len(emoji) > 1:
        raise bad_request("REACTIONS_TOO_MANY")  # a bot without Premium: one reaction per message
    return emoji


def check_available(state: ReactionState, chat_id: int, emoji: list[str]) -> None:
    allowed = state.available.get(chat_id)
    if allowed is not None and any(e not in allowed for e in emoji):
        raise bad_request("REACTION_INVALID")
