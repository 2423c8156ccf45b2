"""What the organisation services return: messages (catalog keys + values), outcomes, failures."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any, Literal, NoReturn

from bot.core import fmt
from bot.core.commands import Role
from bot.texts import t

Status = Literal["ok", "refused", "usage", "error", "confirm", "info"]

CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$")
MAX_NAME = 120
MAX_VALUE = 10_000_000
LIST_LIMIT = 150  # lines of a tree or roster shown in chat

# ---------------------------------------------------------------------------------------------
# messages
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Html:
    """A value that is already HTML (not escaped when rendered)."""

    s: str


@dataclass(frozen=True)
class LangHtml:
    """HTML made in the reader's language at render time."""

    fn: Callable[[str], str]


@dataclass(frozen=True)
class Msg:
    """One catalog line: `key` formatted with `args` in the reader's language at render time.

    Values: str is HTML-escaped, int -> 1.046, date -> dd/mm/yyyy, time -> HH:MM, None -> '–',
    Html as is, a nested Msg rendered in the same language, a Role -> its name.
    """

    key: str
    args: dict[str, Any] = field(default_factory=dict)

    def render(self, lang: str) -> str:
        return t(self.key, lang, **{k: render_value(v, lang) for k, v in self.args.items()})


def render_value(v: Any, lang: str) -> str:
    if isinstance(v, Msg):
        return v.render(lang)
    if isinstance(v, Html):
        return v.s
    if isinstance(v, LangHtml):
        return v.fn(lang)
    if isinstance(v, Role):
        return t(f"role.{v.name.lower()}", lang)
    if isinstance(v, bool):
        return t("org.yes" if v else "org.no", lang)
    if isinstance(v, int):
        return fmt.num(v, lang)
    if isinstance(v, datetime):
        return v.strftime("%d/%m/%Y %H:%M")
    if isinstance(v, date):
        return fmt.day(v, lang, year=True)
    if isinstance(v, time):
        return v.strftime("%H:%M")
    if v is None:
        return "–"
    if isinstance(v, list | tuple):
        return ", ".join(render_value(x, lang) for x in v)
    return fmt.esc(v)


@dataclass
class Outcome:
    status: Status
    msgs: list[Msg] = field(default_factory=list)
    data: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.status in ("ok", "info")

    def text(self, lang: str) -> str:
        return "\n".join(m.render(lang) for m in self.msgs)

    def chunks(self, lang: str, limit: int = 3900) -> list[str]:
        """The text cut at line boundaries into pieces Telegram accepts."""
        out: list[str] = []
        cur = ""
        for line in self.text(lang).split("\n"):
            while len(line) > limit:
                if cur:
                    out.append(cur)
                    cur = ""
                out.append(line[:limit])
                line = line[limit:]
            if cur and len(cur) + 1 + len(line) > limit:
                out.append(cur)
                cur = line
            else:
                cur = f"{cur}\n{line}" if cur else line
        if cur:
            out.append(cur)
        return out or [""]


class Fail(Exception):
    """Raised inside a service method; turned into an Outcome by `_run`."""

    def __init__(self, status: Status, *msgs: Msg) -> None:
        super().__init__(msgs[0].key if msgs else status)
        self.outcome = Outcome(status, list(msgs))


def usage(name: str) -> Msg:
    return Msg("err.usage", {"usage": Msg(f"usage.{name}")})


def _fail(key: str, /, **args: Any) -> NoReturn:
    raise Fail("error", Msg(key, args))


# ---------------------------------------------------------------------------------------------
# small parsers (command arguments, import cells)
# ---------------------------------------------------------------------------------------------

_QUOTES = {'"': '"', "“": "”", "«": "»", "„": "“"}
