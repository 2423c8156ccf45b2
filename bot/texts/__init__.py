"""The message catalog: every user-facing string, Vietnamese first, English complete too.

Each feature keeps its strings in its own module (``VI`` and ``EN`` dicts with the same keys);
``t(key, lang, **values)`` formats one. Values are inserted with ``str.format``; callers escape
user-supplied text with ``bot.core.fmt.esc`` because replies use HTML parse mode.
"""

from __future__ import annotations

from datetime import date, datetime
from types import ModuleType
from typing import Any
from zoneinfo import ZoneInfo

from bot.texts import (
    common,
    confirm,
    corrections,
    demo,
    figures,
    firsthour,
    hardening,
    org,
    parsing,
    reliability,
    reporting,
    schedule,
    views,
    zalo,
    zalo_ops,
)

#: every part of the catalog (a new module is imported above and listed here)
MODULES: tuple[ModuleType, ...] = (common, reporting, org, schedule, views, zalo, reliability, figures, zalo_ops,
                                   corrections, parsing, firsthour, hardening, demo, confirm)
LANGS = ("vi", "en")


def _load() -> dict[str, dict[str, str]]:
    cat: dict[str, dict[str, str]] = {lang: {} for lang in LANGS}
    for mod in MODULES:
        name = mod.__name__.rsplit(".", 1)[-1]
        for lang in LANGS:
            part: dict[str, str] = getattr(mod, lang.upper())
            dup = cat[lang].keys() & part.keys()
            if dup:
                raise RuntimeError(f"duplicate catalog keys in {name}: {sorted(dup)}")
            cat[lang].update(part)
    return cat


CATALOG = _load()


EXAMPLE_TZ = ZoneInfo("Asia/Ho_Chi_Minh")


def example_dates(today: date | None = None) -> dict[str, str]:
    """Dates the examples in the catalog use, computed from today so that no example lies in the past:
    %DEADLINE% the end of this year (of next year in December), %HOLIDAY% the next New Year's Day,
    %TODAY% today (a baseline day, an export start)."""
    d = today or datetime.now(EXAMPLE_TZ).date()
    return {
        "%DEADLINE%": f"31/12/{d.year + 1 if d.month == 12 else d.year}",
        "%HOLIDAY%": f"01/01/{d.year + 1}",
        "%TODAY_SHORT%": f"{d.day:02d}/{d.month:02d}",
        "%TODAY%": f"{d.day:02d}/{d.month:02d}/{d.year}",
    }


def t(key: str, lang: str | None = "vi", /, **values: Any) -> str:
    table = CATALOG.get(lang or "vi") or CATALOG["vi"]
    template = table.get(key) or CATALOG["vi"][key]
    text = template.format(**values) if values else template
    if "%" in text:
        for marker, day in example_dates().items():
            text = text.replace(marker, day)
    return text
