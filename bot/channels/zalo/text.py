"""Zalo text: the catalog's HTML as plain text, button hints as typed words, typed command words.

Zalo's sendMessage takes plain text (no parse mode), has no inline buttons and no slash-command menu.
So the same catalog text (bot/texts/*) is rendered, then:
- lines that talk about buttons are swapped for their typed equivalents ("gõ HUY để hủy"),
- mentions ``<a href="tg://user?id=…">Tên</a>`` become the plain name, other tags are dropped,
  entities unescaped.
A message is a command when it starts with a command word, with or without "/", with or without
diacritics and spaces: "/tiendo", "tiendo", "Tiến độ", "dang ky ABC123", "HUY".
"""

from __future__ import annotations

import html
import re
import unicodedata
from dataclasses import dataclass

from bot.core.commands import BY_NAME
from bot.core.parsing import normalize
from bot.texts import t

_BR = re.compile(r"<br\s*/?>", re.I)
_TAG = re.compile(r"</?[a-zA-Z][^>]*>")

#: catalog lines about buttons -> the Zalo wording (typed words instead of buttons)
BUTTON_LINES = {
    "rep.undo_hint": "zalo.undo_hint",
    "rep.confirm_tail": "zalo.confirm_tail",
    "rep.share_tail": "zalo.share_tail",
    "rep.share_choose": "zalo.share_tail",
}

#: Zalo-only words (no Telegram command behind them)
EXTRA_WORDS = {
    "xacnhan": "xacnhan", "confirm": "xacnhan", "dongy": "xacnhan",
    "huybo": "huybo", "cancel": "huybo",
    "cong": "cong", "congthem": "cong", "add": "cong", "tong": "tong", "latong": "tong", "total": "tong",
    "lienketzalo": "lienketzalo", "linkzalo": "lienketzalo",
    "huylienketzalo": "huylienketzalo", "unlinkzalo": "huylienketzalo",
    "tietkiem": "tietkiem", "budget": "tietkiem",
}
_MAX_WORDS = 4


def to_plain(text: str) -> str:
    """Telegram-HTML catalog text -> plain text for Zalo."""
    text = _BR.sub("\n", text)
    text = _TAG.sub("", text)
    return html.unescape(text)


def for_zalo(text: str, lang: str) -> str:
    """Swap the button lines for typed words, then make it plain text."""
    for tg_key, zalo_key in BUTTON_LINES.items():
        line = t(tg_key, lang)
        if line in text:
            text = text.replace(line, t(zalo_key, lang))
    return to_plain(text).strip()


@dataclass(frozen=True)
class Command:
    name: str  # a bot.core.commands name ("tiendo") or a Zalo word ("xacnhan")
    args: str  # what follows the command word(s), original spelling and line breaks
    word: str  # the words as typed


def parse_command(text: str) -> Command | None:
    """The command a message starts with, or None (then it may be a report, or chatter)."""
    body = text.strip()
    if not body:
        return None
    slash = body.startswith("/")
    if slash:
        body = body[1:]
    # the first line holds the command; up to four words ("chua bao cao", "huy lien ket zalo")
    first_line, _, rest_lines = body.partition("\n")
    words = first_line.split()
    if not words:
        return None
    for n in range(min(_MAX_WORDS, len(words)), 0, -1):
        typed = words[:n]
        key = normalize(" ".join(typed)).replace(" ", "")
        if n == 1:
            key = key.split("@", 1)[0]  # "/tiendo@bot"
        name = _lookup(key)
        if name is None:
            continue
        args = " ".join(words[n:])
        if rest_lines:
            args = (args + "\n" + rest_lines).strip("\n")
        return Command(name, args.strip(), " ".join(typed))
    return None


def _lookup(key: str) -> str | None:
    if not key or not key.isascii():
        return None
    if key in EXTRA_WORDS:
        return EXTRA_WORDS[key]
    spec = BY_NAME.get(key)
    return spec.name if spec is not None else None


_MENTION = re.compile(r"^\s*@\S+\s*")
#: how many words after "@" a bot's display name may take when the name is not configured
_NAME_WORDS = 6


def _fold(text: str) -> str:
    return unicodedata.normalize("NFC", text).casefold()


def strip_mention(text: str, bot_names: tuple[str, ...] = ()) -> str:
    """A group message addressed to the bot: drop the whole "@Bot VNeID Tân Hòa" mention.

    Zalo puts the bot's full display name (several words) after "@"; getMe does not return it, so it
    comes from the ZALO_BOT_DISPLAY_NAME setting (``bot_names``; compared without case, NFC). Without a
    matching name: if a command word follows within the next few words, everything before it is the
    name; else only the first "@word" is dropped (a report is then parsed as before).
    """
    text = unicodedata.normalize("NFC", text)
    folded = _fold(text)
    for name in sorted((n for n in bot_names if n and n.strip()), key=len, reverse=True):
        tag = "@" + _fold(name.strip().lstrip("@"))
        i = folded.find(tag)
        if i != -1 and (i + len(tag) == len(folded) or not folded[i + len(tag)].isalnum()):
            return (text[:i] + text[i + len(tag):]).strip()
    if not text.lstrip().startswith("@"):
        return text.strip()
    words = text.strip().split(" ")
    for n in range(1, min(_NAME_WORDS, len(words) - 1) + 1):
        rest = " ".join(words[n:]).strip()
        if parse_command(rest) is not None:
            return rest
    return _MENTION.sub("", text, count=1).strip()
