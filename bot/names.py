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
    return name.translate(_CONFUSABLE).casefold()


def mixed_script(name: str) -> bool:
    scripts = set()
    for ch in name:
        if ch.isalpha():
            n = unicodedata.name(ch, "")
            scripts.add("CYRILLIC" if "CYRILLIC" in n else "GREEK" if "GREEK" in n else "LATIN" if "LATIN" in n else n)
    return "LATIN" in scripts and ("CYRILLIC" in scripts or "GREEK" in scripts)
