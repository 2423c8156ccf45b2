"""Numbers and dates the way Vietnamese (or English) readers write them."""

from __future__ import annotations

import html
from datetime import date


def num(n: int | float | None, lang: str = "vi") -> str:
    """1046 -> '1.046' (vi) or '1,046' (en); None -> '–'."""
    if n is None:
        return "–"
    s = f"{int(round(n)):,}"
    return s.replace(",", ".") if lang == "vi" else s


def pct(x: float | None, lang: str = "vi", digits: int = 1) -> str:
    """79.66 -> '79,7%' (vi) or '79.7%' (en)."""
    if x is None:
        return "–"
    s = f"{x:.{digits}f}"
    return (s.replace(".", ",") if lang == "vi" else s) + "%"


def day(d: date, lang: str = "vi", *, year: bool = False, ref: date | None = None) -> str:
    """dd/mm (vi and en alike: the users are in Vietnam), with the year when asked or when `d` is not in the
    year of `ref` (the day the text is about, normally today): "02/12/2028", never a bare "02/12" three years
    away. Every user-facing date goes through here."""
    if year or (ref is not None and d.year != ref.year):
        return d.strftime("%d/%m/%Y")
    return d.strftime("%d/%m")


def esc(s: object) -> str:
    """Escape user-supplied text for Telegram HTML parse mode."""
    return html.escape(str(s), quote=False)
