"""Vietnamese sort order: one key function for every list and export.

Letters compare by their base letter first (``Đ`` is its own letter, right after ``D``; ``ă â ê ô ơ ư`` and
the tone marks sort with their base letter), then by the vowel marks (a < ă < â, o < ô < ơ, u < ư), then by
tone (none, huyền, hỏi, ngã, sắc, nặng), then by case. Runs of digits compare as numbers ("Tổ 7" before
"Tổ 10"). Plain ``sorted(names)`` puts "Đồng" after "Yên" and "Ấp" after "Bản"; this does not.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_MARKS = {"\u0306": 1, "\u0302": 2, "\u031b": 3}  # breve (ă), circumflex (â ê ô), horn (ơ ư)
_TONES = {"\u0300": 1, "\u0309": 2, "\u0303": 3, "\u0301": 4, "\u0323": 5}  # huyền hỏi ngã sắc nặng
_DIGITS = re.compile(r"(\d+)")


@lru_cache(maxsize=2048)  # one entry per distinct character: sorting a province's units reads each many times
def _letter(ch: str) -> tuple[int, int, int, int]:
    """(base letter rank, vowel mark, tone, case) of one character."""
    if ch in "đĐ":
        return (ord("d") * 2 + 1, 0, 0, int(ch == "Đ"))
    parts = unicodedata.normalize("NFD", ch)
    base = parts[0]
    mark = max((_MARKS.get(c, 0) for c in parts[1:]), default=0)
    tone = max((_TONES.get(c, 0) for c in parts[1:]), default=0)
    low = base.lower()
    return (ord(low) * 2, mark, tone, int(base != low))


def vn_key(text: str) -> tuple[tuple[tuple[int, int], ...], tuple[tuple[int, int], ...], tuple[int, ...]]:
    """Sort key for Vietnamese text (names of units and people): letters, then marks and tones, then case."""
    primary: list[tuple[int, int]] = []
    marks: list[tuple[int, int]] = []
    cases: list[int] = []
    for i, part in enumerate(_DIGITS.split(" ".join(text.split()))):
        if i % 2:  # a run of digits
            primary.append((0, int(part)))
            continue
        for ch in part:
            base, mark, tone, case = _letter(ch)
            primary.append((1, base))
            marks.append((mark, tone))
            cases.append(case)
    return tuple(primary), tuple(marks), tuple(cases)
