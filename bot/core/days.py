"""The day a leader's view is about: ``hqua``, ``hôm qua``, ``30/11``, ``ngày 30/11/2025`` in a command's arguments.

Used by /tonghop, /tiendo, /xephang, /chuabaocao (Telegram and Zalo alike). Pure functions, no I/O.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

from bot.core.parsing import normalize

_DAY_RE = re.compile(r"(\d{1,2})[/.-](\d{1,2})(?:[/.-](\d{4}|\d{2}))?")
_YESTERDAY = {"hqua", "homqua", "hq"}
_TODAY = {"hnay", "homnay"}
#: "30/12" typed in early January means last December (not a day ~11 months ahead)
_WRAP = timedelta(days=180)


class DayError(Exception):
    def __init__(self, key: str, args: dict[str, object] | None = None) -> None:
        super().__init__(key)
        self.key = key  # catalog key
        self.values: dict[str, object] = args or {}


def _parse(token: str, today: date) -> date:
    m = _DAY_RE.fullmatch(token)
    assert m is not None
    dd, mm, yy = int(m.group(1)), int(m.group(2)), m.group(3)
    try:
        if yy is not None:
            return date(int(yy) + (2000 if len(yy) == 2 else 0), mm, dd)
        d = date(today.year, mm, dd)
    except ValueError:
        raise DayError("fig.bad_day", {"value": token}) from None
    if d > today and d - today > _WRAP:
        d = date(today.year - 1, mm, dd) if not (mm == 2 and dd == 29) else d
    return d


def take_day(words: list[str], today: date) -> tuple[list[str], date]:
    """(the other words, the day named among them — today when none). At most one day; never a future one.

    Raises DayError (bad date, future day, two days)."""
    rest: list[str] = []
    found: list[date] = []
    i = 0
    while i < len(words):
        w = normalize(words[i])
        nxt = normalize(words[i + 1]) if i + 1 < len(words) else ""
        if w in _YESTERDAY or (w == "hom" and nxt == "qua"):
            found.append(today - timedelta(days=1))
            i += 2 if w == "hom" else 1
        elif w in _TODAY or (w == "hom" and nxt == "nay"):
            found.append(today)
            i += 2 if w == "hom" else 1
        elif w == "ngay" and _DAY_RE.fullmatch(nxt):
            found.append(_parse(nxt, today))
            i += 2
        elif _DAY_RE.fullmatch(w):
            found.append(_parse(w, today))
            i += 1
        else:
            rest.append(words[i])
            i += 1
    if len(found) > 1:
        raise DayError("fig.two_days")
    day = found[0] if found else today
    if day > today:
        raise DayError("fig.future_view_day", {"day": day, "today": today})
    return rest, day


def error_text(exc: DayError, command: str, lang: str) -> str:
    """The reason, then the command's usage line."""
    from bot.core import fmt
    from bot.texts import t

    values = {k: fmt.day(v, lang, year=True) if isinstance(v, date) else fmt.esc(v) for k, v in exc.values.items()}
    return t(exc.key, lang, **values) + "\n" + t("err.usage", lang, usage=t(f"usage.{command}", lang))


def when(day: date, today: date | None, lang: str, *, with_day: bool = False) -> str:
    """ "hôm nay" (or "hôm nay 14/08") for today's figures, else "ngày 30/11" (with the year when not this year)."""
    from bot.core import fmt
    from bot.texts import t

    if today is None or day == today:
        word = t("fig.when_today", lang)
        return f"{word} {fmt.day(day, lang)}" if with_day else word
    return t("fig.when_day", lang, day=fmt.day(day, lang, ref=today))
