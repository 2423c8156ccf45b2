"""Text folding: three aligned copies of a line (cased, lower case, no diacritics)."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

# ---------------------------------------------------------------------------------------------
# Text folding
# ---------------------------------------------------------------------------------------------

_EXTRA_ZERO_WIDTH = "\u180e\u200b\u200c\u200d\u200e\u200f\u2060\u2061\u2062\u2063\u2064\ufeff\u00ad\u034f"
_NEWLINES = "\r\n\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"


def _build_tables() -> tuple[
    dict[int, int | None], dict[int, str | None], dict[int, str], dict[int, str], list[int]
]:
    """Translation tables: before NFC, after NFC, lower case, diacritics; and the combining marks."""
    pre: dict[int, int | None] = {ord(c): None for c in _EXTRA_ZERO_WIDTH}
    pre.update({0x00D0: 0x0110, 0x00F0: 0x0111, 0x0189: 0x0110, 0x0256: 0x0111})  # Ð ð Ɖ ɖ -> Đ đ
    post: dict[int, str | None] = {}  # after NFC: leftover combining marks, whitespace
    lower: dict[int, str] = {}
    strip: dict[int, str] = {ord("đ"): "d", ord("Đ"): "D"}
    marks: list[int] = []
    # CJK ideographs, Yi, Hangul syllables and private use have no case, marks or spaces: skipped
    codepoints = (*range(0x3400), *range(0xA000, 0xAC00), *range(0xD7A4, 0xD800), *range(0xF900, 0x10000))
    for cp in codepoints:
        ch = chr(cp)
        cat = unicodedata.category(ch)
        if cat == "Cf":
            pre[cp] = None
            continue
        if unicodedata.combining(ch):
            marks.append(cp)
        if unicodedata.combining(ch) or cat in ("Mn", "Me"):
            post[cp] = None
        elif ch in _NEWLINES:
            post[cp] = "\n"
        elif ch == "\t":
            pass
        elif ch.isspace():
            post[cp] = " "
        low = ch.lower()
        if len(low) == 1 and low != ch:
            lower[cp] = low
        base = "".join(c for c in unicodedata.normalize("NFD", ch) if not unicodedata.combining(c))
        if len(base) == 1 and base != ch and cp not in strip:
            strip[cp] = base
    for cp in range(0xE0000, 0xE0080):
        pre[cp] = None
    return pre, post, lower, strip, marks


_PRE, _POST, _LOWER, _STRIP, _MARKS = _build_tables()


def _char_class(codepoints: Iterable[int]) -> re.Pattern[str]:
    """A regex character class of these code points, written as ranges (a long list is slow)."""
    parts: list[str] = []
    cps = sorted(set(codepoints))
    start = 0
    while start < len(cps):
        end = start
        while end + 1 < len(cps) and cps[end + 1] == cps[end] + 1:
            end += 1
        lo, hi = re.escape(chr(cps[start])), re.escape(chr(cps[end]))
        parts.append(lo if start == end else f"{lo}-{hi}")
        start = end + 1
    return re.compile("[" + "".join(parts) + "]") if parts else re.compile(r"(?!)")


# quick checks so that the (slow, per character) translations only run when they change something
_PRE_RE = _char_class(_PRE)
_POST_RE = _char_class(cp for cp, to in _POST.items() if to != chr(cp))
_SPACES_RE = re.compile(r"[ \t]*\t[ \t]*| {2,}")
_MARKS_RE = _char_class(_MARKS)


def _fold_ws(m: re.Match[str]) -> str:
    return "\t" if "\t" in m.group() else " "


def _prepare(text: str) -> str:
    """Zero-width characters dropped, Ð -> Đ, NFC, leftover combining marks dropped, odd spaces -> ' '."""
    if _PRE_RE.search(text):
        text = text.translate(_PRE)
    if not text.isascii():
        text = unicodedata.normalize("NFC", text)
    if _POST_RE.search(text):
        text = text.translate(_POST)
    if "\t" in text or "  " in text:
        text = _SPACES_RE.sub(_fold_ws, text)
    return text


def _lower(cased: str) -> str:
    low = cased.lower()
    return low if len(low) == len(cased) else cased.translate(_LOWER)


def _plain(acc: str) -> str:
    """Diacritics stripped, character for character (same length as `acc`)."""
    if acc.isascii():
        return acc
    fast = _MARKS_RE.sub("", unicodedata.normalize("NFD", acc.replace("đ", "d")))
    # `acc` is NFC without stray marks, so every character decomposes to one base + marks, except a few
    # scripts (Hangul...) whose characters decompose to several: then the length differs -> the table
    return fast if len(fast) == len(acc) else acc.translate(_STRIP)


def _fold_lines(text: str) -> list[tuple[str, str, str]]:
    """Split into lines; each as (cased, acc, plain), all three of the same length."""
    cased_all = _prepare(text)
    acc_all = _lower(cased_all)
    plain_all = _plain(acc_all)
    if "\n" not in cased_all:
        return [_trim(cased_all, acc_all, plain_all)]
    return [
        _trim(c, a, p)
        for c, a, p in zip(cased_all.split("\n"), acc_all.split("\n"), plain_all.split("\n"), strict=True)
    ]


def _trim(c: str, a: str, p: str) -> tuple[str, str, str]:
    """The three forms of a line without its leading and trailing blanks."""
    if c and c[0] not in " \t" and c[-1] not in " \t":
        return c, a, p
    left = len(c) - len(c.lstrip(" \t"))
    right = len(c.rstrip(" \t"))
    return (c[left:right], a[left:right], p[left:right]) if left < right else ("", "", "")


def _fold_one(text: str) -> tuple[str, str, str]:
    """One-line (cased, acc, plain) of a name: newlines count as spaces."""
    cased = " ".join(_prepare(text).split())
    acc = _lower(cased)
    return cased, acc, _plain(acc)


def normalize(text: str) -> str:
    """Lower case, diacritics stripped, đ -> d, zero-width characters removed, whitespace folded."""
    return _fold_one(text)[2]
