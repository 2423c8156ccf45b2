"""Formatting of message text the way the Bot API does it: parse_mode parsing and automatic entities.

Offsets and lengths of entities are in UTF-16 code units, as in Telegram. Error texts follow the ones the
real Bot API (tdlib) returns after ``Bad Request: can't parse entities: ``.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from typing import Any

JSON = dict[str, Any]


class EntityParseError(ValueError):
    pass


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _byte_offset(text: str, index: int) -> int:
    return len(text[:index].encode("utf-8"))


@dataclass
class _Builder:
    """Accumulates plain text and tracks the UTF-16 position."""

    parts: list[str] = field(default_factory=list)
    pos: int = 0  # UTF-16 units so far
    entities: list[JSON] = field(default_factory=list)

    def add(self, chunk: str) -> None:
        if chunk:
            self.parts.append(chunk)
            self.pos += utf16_len(chunk)

    def entity(self, kind: str, start: int, **extra: Any) -> None:
        length = self.pos - start
        if length <= 0:
            return
        ent: JSON = {"type": kind, "offset": start, "length": length}
        ent.update({k: v for k, v in extra.items() if v is not None})
        self.entities.append(ent)

    def result(self) -> tuple[str, list[JSON]]:
        ents = sorted(self.entities, key=lambda e: (e["offset"], -e["length"]))
        return "".join(self.parts), ents


# ---------------------------------------------------------------- HTML

_HTML_SIMPLE = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
}
_HTML_TAGS = set(_HTML_SIMPLE) | {"a", "span", "tg-emoji", "tg-time"}
_ENTITY_RE = re.compile(r"&(#[xX][0-9a-fA-F]{1,8}|#[0-9]{1,8}|[a-zA-Z]{2,8});")
_TAG_NAME_RE = re.compile(r"[a-zA-Z0-9-]*")
_ATTR_RE = re.compile(r"\s*([a-zA-Z0-9_-]+)\s*(?:=\s*(\"[^\"]*\"|'[^']*'|[^\s>\"']+))?")


def _decode_entity(match: re.Match[str]) -> str | None:
    name = match.group(1)
    if name.startswith(("#x", "#X")):
        code = int(name[2:], 16)
    elif name.startswith("#"):
        code = int(name[1:])
    else:
        return {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}.get(name)
    if code == 0 or code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
        return None
    return chr(code)


def parse_html(text: str) -> tuple[str, list[JSON]]:
    out = _Builder()
    # stack items: (tag name, start position, attributes, byte offset of the tag)
    stack: list[tuple[str, int, dict[str, str], int]] = []
    pre_language: dict[int, str] = {}  # stack depth of a <pre> -> language from a nested <code class=...>
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c == "&":
            i = _html_entity(text, i, out)
        elif c != "<":
            j = i
            while j < n and text[j] not in "<&":
                j += 1
            out.add(text[i:j])
            i = j
        elif text.startswith("</", i):
            i = _html_end_tag(text, i, out, stack, pre_language)
        else:
            i = _html_start_tag(text, i, out, stack)
    if stack:
        raise EntityParseError(f'Can\'t find end tag corresponding to start tag "{stack[-1][0]}"')
    return out.result()


def _html_entity(text: str, i: int, out: _Builder) -> int:
    m = _ENTITY_RE.match(text, i)
    decoded = _decode_entity(m) if m else None
    if m and decoded is not None:
        out.add(decoded)
        return m.end()
    out.add("&")
    return i + 1


def _html_end_tag(text: str, i: int, out: _Builder, stack: list[tuple[str, int, dict[str, str], int]],
                  pre_language: dict[int, str]) -> int:
    tag_offset = _byte_offset(text, i)
    close = text.find(">", i)
    if close == -1:
        raise EntityParseError(f"Unclosed end tag at byte offset {tag_offset}")
    name = text[i + 2 : close].strip().lower()
    if not stack:
        raise EntityParseError(f"Unexpected end tag at byte offset {tag_offset}")
    open_name, start, open_attrs, _ = stack[-1]
    if name != open_name:
        raise EntityParseError(
            f'Unmatched end tag at byte offset {tag_offset}, expected "</{open_name}>", found "</{name}>"'
        )
    stack.pop()
    depth = len(stack)
    if open_name == "code" and stack and stack[-1][0] == "pre":
        cls = open_attrs.get("class", "")
        if cls.startswith("language-"):
            pre_language[depth - 1] = cls[len("language-") :]
    elif open_name == "pre":
        out.entity("pre", start, language=pre_language.pop(depth, None))
    else:
        _html_close_entity(out, open_name, start, open_attrs)
    return close + 1


def _html_close_entity(out: _Builder, open_name: str, start: int, open_attrs: dict[str, str]) -> None:
    if open_name in _HTML_SIMPLE:
        kind = _HTML_SIMPLE[open_name]
        if kind == "blockquote" and "expandable" in open_attrs:
            kind = "expandable_blockquote"
        out.entity(kind, start)
    elif open_name == "span":
        out.entity("spoiler", start)
    elif open_name == "a":
        href = open_attrs.get("href", "")
        user_id = href[len("tg://user?id="):] if href.startswith("tg://user?id=") else ""
        if user_id.isdigit():
            out.entity("text_mention", start, user={"id": int(user_id), "is_bot": False, "first_name": "User"})
        elif href:
            out.entity("text_link", start, url=href)
    elif open_name == "tg-emoji":
        out.entity("custom_emoji", start, custom_emoji_id=open_attrs.get("emoji-id"))
    elif open_name == "tg-time":
        out.entity("date_time", start)


def _html_start_tag(text: str, i: int, out: _Builder, stack: list[tuple[str, int, dict[str, str], int]]) -> int:
    tag_offset = _byte_offset(text, i)
    m = _TAG_NAME_RE.match(text, i + 1)
    name = m.group(0).lower() if m else ""
    if name not in _HTML_TAGS:
        raise EntityParseError(f'Unsupported start tag "{name}" at byte offset {tag_offset}')
    j, attrs = _html_attributes(text, m.end() if m else i + 1, name, tag_offset)
    if name == "span" and attrs.get("class") != "tg-spoiler":
        raise EntityParseError(f'Tag "span" must have class "tg-spoiler" at byte offset {tag_offset}')
    if name == "tg-emoji" and not attrs.get("emoji-id"):
        raise EntityParseError(f'Tag "tg-emoji" must have attribute "emoji-id" at byte offset {tag_offset}')
    stack.append((name, out.pos, attrs, tag_offset))
    return j + 1


def _html_attributes(text: str, j: int, name: str, tag_offset: int) -> tuple[int, dict[str, str]]:
    """The attributes of a start tag from position j: (position of its '>', attributes)."""
    n = len(text)
    attrs: dict[str, str] = {}
    while True:
        while j < n and text[j].isspace():
            j += 1
        if j >= n:
            raise EntityParseError(f"Unclosed start tag at byte offset {tag_offset}")
        if text[j] == ">":
            return j, attrs
        am = _ATTR_RE.match(text, j)
        if not am or am.end() == j:
            raise EntityParseError(f'Unclosed start tag "{name}" at byte offset {tag_offset}')
        value = am.group(2) or ""
        if value[:1] in ("'", '"'):
            value = value[1:-1]
        attrs[am.group(1).lower()] = html.unescape(value)
        j = am.end()


# ---------------------------------------------------------------- MarkdownV2

_MDV2_RESERVED = set("_*[]()~`>#+-=|{}.!")
_MDV2_NAMES = {
    "*": "Bold",
    "_": "Italic",
    "__": "Underline",
    "~": "Strikethrough",
    "||": "Spoiler",
}
_MDV2_TYPES = {"*": "bold", "_": "italic", "__": "underline", "~": "strikethrough", "||": "spoiler"}


def parse_markdown_v2(text: str) -> tuple[str, list[JSON]]:
    md = _MarkdownV2(text)
    return md.parse()


class _MarkdownV2:
    """One MarkdownV2 text being parsed (the state the steps below share)."""

    def __init__(self, text: str) -> None:
        self.text, self.n = text, len(text)
        self.out = _Builder()
        self.stack: list[tuple[str, int, int]] = []  # (marker, start pos, byte offset)
        self.link_stack: list[tuple[int, int]] = []  # (start pos, byte offset) of an open "["
        self.quote_start: int | None = None

    def parse(self) -> tuple[str, list[JSON]]:
        text, n, out = self.text, self.n, self.out
        i = 0
        at_line_start = True
        while i < n:
            c = text[i]
            if at_line_start and c == ">" and self.quote_start is None:
                self.quote_start = out.pos
                i += 1
                at_line_start = False
                continue
            at_line_start = False
            if c == "\\" and i + 1 < n and 0 < ord(text[i + 1]) < 127:
                out.add(text[i + 1])
                i += 2
            elif c == "`":
                i = self._code(i)
            elif c == "[":
                self.link_stack.append((out.pos, _byte_offset(text, i)))
                i += 1
            elif c == "]" and self.link_stack:
                i = self._link_end(i)
            elif (marker := self._marker_at(i)) is not None:
                i = self._marker(marker, i)
            elif c in _MDV2_RESERVED:
                raise EntityParseError(f"Character '{c}' is reserved and must be escaped with the preceding '\\'")
            elif c == "\n":
                i, at_line_start = self._newline(i)
            else:
                out.add(c)
                i += 1
        return self._finish()

    def _code(self, i: int) -> int:
        text, n, out = self.text, self.n, self.out
        offset = _byte_offset(text, i)
        if text.startswith("```", i):
            end = text.find("```", i + 3)
            if end == -1:
                raise EntityParseError(f"Can't find end of Pre entity at byte offset {offset}")
            body = text[i + 3 : end]
            language = None
            if "\n" in body:
                first, rest = body.split("\n", 1)
                if first and not first.isspace():
                    language, body = first.strip(), rest
            start = out.pos
            out.add(_unescape_code(body))
            out.entity("pre", start, language=language)
            return end + 3
        end = i + 1
        while end < n and text[end] != "`":
            end += 2 if text[end] == "\\" else 1
        if end >= n:
            raise EntityParseError(f"Can't find end of Code entity at byte offset {offset}")
        start = out.pos
        out.add(_unescape_code(text[i + 1 : end]))
        out.entity("code", start)
        return end + 1

    def _link_end(self, i: int) -> int:
        text, n = self.text, self.n
        start, offset = self.link_stack.pop()
        if i + 1 >= n or text[i + 1] != "(":
            raise EntityParseError(f"Can't find end of TextUrl entity at byte offset {offset}")
        close = text.find(")", i + 2)
        if close == -1:
            raise EntityParseError(f"Can't find end of a URL at byte offset {_byte_offset(text, i + 1)}")
        url = text[i + 2 : close].replace("\\)", ")").replace("\\\\", "\\")
        self.out.entity("text_link", start, url=url)
        return close + 1

    def _marker_at(self, i: int) -> str | None:
        for candidate in ("__", "||", "*", "_", "~"):
            if self.text.startswith(candidate, i):
                return candidate
        return None

    def _marker(self, marker: str, i: int) -> int:
        stack = self.stack
        if stack and stack[-1][0] == marker:
            _, start, _ = stack.pop()
            self.out.entity(_MDV2_TYPES[marker], start)
        elif any(item[0] == marker for item in stack):
            raise EntityParseError(
                f"Can't find end of {_MDV2_NAMES[stack[-1][0]]} entity at byte offset {stack[-1][2]}"
            )
        else:
            stack.append((marker, self.out.pos, _byte_offset(self.text, i)))
        return i + len(marker)

    def _newline(self, i: int) -> tuple[int, bool]:
        text = self.text
        if self.quote_start is not None and not text.startswith(">", i + 1):
            self.out.entity("blockquote", self.quote_start)
            self.quote_start = None
        self.out.add("\n")
        i += 1
        if self.quote_start is not None and text.startswith(">", i):
            return i + 1, False
        return i, True

    def _finish(self) -> tuple[str, list[JSON]]:
        if self.stack:
            marker, _, offset = self.stack[-1]
            raise EntityParseError(f"Can't find end of {_MDV2_NAMES[marker]} entity at byte offset {offset}")
        if self.link_stack:
            raise EntityParseError(f"Can't find end of TextUrl entity at byte offset {self.link_stack[-1][1]}")
        if self.quote_start is not None:
            self.out.entity("blockquote", self.quote_start)
        return self.out.result()


def _unescape_code(body: str) -> str:
    return re.sub(r"\\([`\\])", r"\1", body)


# ---------------------------------------------------------------- legacy Markdown

_MD_TYPES = {"*": "bold", "_": "italic"}


def parse_markdown(text: str) -> tuple[str, list[JSON]]:
    out = _Builder()
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c == "\\" and i + 1 < n and text[i + 1] in "_*`[":
            out.add(text[i + 1])
            i += 2
            continue
        if c in "*_`[":
            offset = _byte_offset(text, i)
            if text.startswith("```", i):
                end = text.find("```", i + 3)
                if end == -1:
                    raise EntityParseError(f"Can't find end of the entity starting at byte offset {offset}")
                body = text[i + 3 : end]
                language = None
                if "\n" in body:
                    first, rest = body.split("\n", 1)
                    if first and " " not in first.strip():
                        language, body = first.strip() or None, rest
                start = out.pos
                out.add(body)
                out.entity("pre", start, language=language)
                i = end + 3
                continue
            if c == "[":
                close = text.find("]", i + 1)
                if close == -1 or not text.startswith("(", close + 1) or text.find(")", close) == -1:
                    raise EntityParseError(f"Can't find end of the entity starting at byte offset {offset}")
                url_end = text.find(")", close)
                start = out.pos
                out.add(text[i + 1 : close])
                out.entity("text_link", start, url=text[close + 2 : url_end])
                i = url_end + 1
                continue
            end = text.find(c, i + 1)
            if end == -1:
                raise EntityParseError(f"Can't find end of the entity starting at byte offset {offset}")
            start = out.pos
            out.add(text[i + 1 : end])
            out.entity(_MD_TYPES.get(c, "code"), start)
            i = end + 1
            continue
        out.add(c)
        i += 1
    return out.result()


# ---------------------------------------------------------------- entry points

def parse_text(text: str, parse_mode: str | None) -> tuple[str, list[JSON]]:
    """Apply ``parse_mode`` (None, "HTML", "MarkdownV2", "Markdown"); raises EntityParseError."""
    mode = (parse_mode or "").strip().lower()
    if not mode:
        return text, []
    if mode == "html":
        return parse_html(text)
    if mode == "markdownv2":
        return parse_markdown_v2(text)
    if mode == "markdown":
        return parse_markdown(text)
    raise EntityParseError(f'Unsupported parse_mode "{parse_mode}"')


_COMMAND_RE = re.compile(r"/[A-Za-z0-9_]{1,64}(?:@[A-Za-z0-9_]{3,64})?")
_MENTION_RE = re.compile(r"(?<![\w@])@[A-Za-z0-9_]{4,32}\b")
_URL_RE = re.compile(r"\bhttps?://[^\s<>\"]+")


def auto_entities(text: str) -> list[JSON]:
    """Entities Telegram adds to a user's plain message: bot_command (at the start), mention, url."""
    ents: list[JSON] = []

    def add(kind: str, start: int, end: int) -> None:
        ents.append({"type": kind, "offset": utf16_len(text[:start]), "length": utf16_len(text[start:end])})

    m = _COMMAND_RE.match(text)
    if m and (m.end() == len(text) or not (text[m.end()].isalnum() or text[m.end()] in "_@/")):
        add("bot_command", 0, m.end())
    for m in _MENTION_RE.finditer(text):
        add("mention", m.start(), m.end())
    for m in _URL_RE.finditer(text):
        add("url", m.start(), m.end())
    return sorted(ents, key=lambda e: e["offset"])
