"""Names people type (issue 15 item 12): NFC, no bidi/control characters, no mixed-script look-alikes."""

from __future__ import annotations

import re
import unicodedata

BIDI = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\x00-\x1f\x7f]")
# Cyrillic and Greek letters that look like Latin ones
_CONFUSABLE = str.maketrans("АВЕКМНОРСТХаеорсухіјѕԁԛԝΑΒΕΗΙΚΜΝΟΡΤΥΧοϲ",
                            "ABEKMHOPCTXaeopcyxijsdqwABEHIKMNOPTYXoc")


def clean(name: str) -> str | None:
    """The name in NFC with spaces squashed, or None when it holds bidi or control characters."""
    name = unicodedata.normalize("NFC", name)
    if BIDI.search(name):
        return None
    return " ".join(name.split())


def skeleton(name: str) -> str:
    """Look-alike letters as Latin, compared with their marks apart (a Cyrillic о + hook is «ỏ»)."""
    return unicodedata.normalize("NFC", unicodedata.normalize("NFD", name).translate(_CONFUSABLE)).casefold()


def mixed_script(name: str) -> bool:
    scripts = set()
    for ch in name:
        if ch.isalpha():
            n = unicodedata.name(ch, "")
            scripts.add("CYRILLIC" if "CYRILLIC" in n else "GREEK" if "GREEK" in n else "LATIN" if "LATIN" in n else n)
    return "LATIN" in scripts and ("CYRILLIC" in scripts or "GREEK" in scripts)


def look_alike(name: str, other: str) -> bool:
    """`name` is a mixed-script look-alike of `other` (Cyrillic «Тhôn 3» of «Thôn 3»)."""
    return mixed_script(name) and skeleton(other) == skeleton(name)


_INVISIBLE = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\x7f]")


def sanitize(name: str) -> str:
    """A name taken from a platform profile (never refused): NFC, bidi controls dropped, other control
    characters as spaces, spaces squashed."""
    name = _INVISIBLE.sub("", unicodedata.normalize("NFC", name))
    return " ".join(re.sub("[\x00-\x1f]", " ", name).split())
