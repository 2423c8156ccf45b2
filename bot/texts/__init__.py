"""The message catalog: every user-facing string, Vietnamese first, English complete too.

Each feature keeps its strings in its own module (``VI`` and ``EN`` dicts with the same keys);
``t(key, lang, **values)`` formats one. Values are inserted with ``str.format``; callers escape
user-supplied text with ``bot.fmt.esc`` because replies use HTML parse mode.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

MODULES = ("common", "reporting", "org", "schedule", "views", "zalo", "reliability", "figures", "zalo_ops", "corrections")
LANGS = ("vi", "en")


def _load() -> dict[str, dict[str, str]]:
    cat: dict[str, dict[str, str]] = {lang: {} for lang in LANGS}
    for name in MODULES:
        try:
            mod = import_module(f"{__name__}.{name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"{__name__}.{name}":
                continue
            raise
        for lang in LANGS:
            part: dict[str, str] = getattr(mod, lang.upper())
            dup = cat[lang].keys() & part.keys()
            if dup:
                raise RuntimeError(f"duplicate catalog keys in {name}: {sorted(dup)}")
            cat[lang].update(part)
    return cat


CATALOG = _load()


def t(key: str, lang: str | None = "vi", /, **values: Any) -> str:
    table = CATALOG.get(lang or "vi") or CATALOG["vi"]
    template = table.get(key) or CATALOG["vi"][key]
    return template.format(**values) if values else template
