"""The digest of a reaction-style chat (bot/core/confirm.py): what was stored since the last one, one line
per report, in messages that fit Telegram's length limit."""

from __future__ import annotations

from datetime import date, tzinfo

from bot.core import fmt
from bot.present.render import metric_name
from bot.texts import t
from storage.confirm_repo import DigestLine

#: one digest message at most this long (Telegram: 4096 characters after entity parsing)
PART_CHARS = 3800


def digest(lines: list[DigestLine], lang: str, tz: tzinfo, today: date) -> list[str]:
    """The digest's messages ([] when nothing in its range still counts)."""
    if not lines:
        return []
    start = min(x.at for x in lines).astimezone(tz).strftime("%H:%M")
    end = max(x.at for x in lines).astimezone(tz).strftime("%H:%M")
    head = t("dig.title", lang, count=fmt.num(len(lines), lang), start=start, end=end)
    rows = [_line(x, lang, today) for x in lines]
    parts: list[list[str]] = [[head]]
    size = len(head)
    for row in rows:
        if size + len(row) + 1 > PART_CHARS:
            parts.append([t("dig.more", lang)])
            size = len(parts[-1][0])
        parts[-1].append(row)
        size += len(row) + 1
    return ["\n".join(p) for p in parts]


def _line(x: DigestLine, lang: str, today: date) -> str:
    values = {"unit": fmt.esc(x.unit_name), "metric": metric_name(x.metric, lang), "value": fmt.num(x.value, lang),
              "who": fmt.esc(x.reporter)}
    if x.day == today:
        return t("dig.line", lang, **values)
    return t("dig.line_day", lang, day=fmt.day(x.day, lang, ref=today), **values)
