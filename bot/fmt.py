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


def day(d: date, lang: str = "vi", *, year: bool = False) -> str:
    """dd/mm (vi and en alike: the users are in Vietnam); with the year on request."""
    return d.strftime("%d/%m/%Y" if year else "%d/%m")


def esc(s: object) -> str:
    """Escape user-supplied text for Telegram HTML parse mode."""
    return html.escape(str(s), quote=False)
