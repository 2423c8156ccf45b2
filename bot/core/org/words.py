"""Reading command words and values: arguments, numbers, dates, roles, kinds, metric codes."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date, datetime, time
from typing import Any

from bot.core.commands import Role
from bot.core.org.model import _QUOTES, _fail
from bot.core.parsing import normalize
from storage.models import Unit


def split_args(text: str) -> list[str]:
    """Whitespace-separated tokens; "quoted words" (straight, curly or «») stay one token."""
    tokens: list[str] = []
    cur: list[str] = []
    started = False
    close: str | None = None
    for ch in text:
        if close is not None:
            if ch == close:
                close = None
            else:
                cur.append(ch)
            continue
        if ch in _QUOTES:
            close = _QUOTES[ch]
            started = True
            continue
        if ch.isspace():
            if started:
                tokens.append("".join(cur))
                cur, started = [], False
            continue
        cur.append(ch)
        started = True
    if started:
        tokens.append("".join(cur))
    return tokens


def squash(text: str) -> str:
    """normalize() without spaces and punctuation: 'Mã cấp trên' -> 'macaptren'."""
    return re.sub(r"[^a-z0-9]", "", normalize(str(text)))


def parse_int(value: Any) -> int | None:
    """A non-negative count: 1046, '1.046', '1 046', '1,046' (groups of 3), 530.0 from Excel."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if value.is_integer() else None
    s = str(value).strip().replace("\u00a0", " ")
    # ASCII digits, at most 15 (far above any allowed count): a 5,000-digit string is "not a number",
    # never int()'s ValueError (Python refuses to convert more than 4,300 digits)
    if re.fullmatch(r"[0-9]{1,15}", s):
        return int(s)
    if re.fullmatch(r"[0-9]{1,3}(?:([., ])[0-9]{3})(?:\1[0-9]{3}){0,3}", s):
        return int(re.sub(r"[., ]", "", s))
    return None


def parse_date(value: Any) -> date | None:
    """dd/mm/yyyy (also d/m/yy, '-' or '.'), ISO yyyy-mm-dd, or an Excel date cell."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    s = str(value).strip()
    m = re.fullmatch(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{2}|\d{4})", s)
    try:
        if m:
            y = int(m.group(3))
            return date(y + 2000 if y < 100 else y, int(m.group(2)), int(m.group(1)))
        m = re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]00:00(?::00)?)?", s)
        if m:
            return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError:
        return None
    return None


def parse_time(value: Any) -> time | None:
    """HH:MM, 7h30, 7h, 07:30:00, or an Excel time cell."""
    if isinstance(value, datetime):
        return value.time().replace(second=0, microsecond=0)
    if isinstance(value, time):
        return value.replace(second=0, microsecond=0)
    if isinstance(value, float) and 0 <= value < 1:  # Excel fraction of a day
        minutes = round(value * 24 * 60)
        return time(minutes // 60 % 24, minutes % 60)
    s = normalize(str(value)).replace(" ", "")
    m = re.fullmatch(r"(\d{1,2})(?:[:h](\d{2})?)?(?::\d{2})?", s)
    if not m:
        return None
    hh, mm = int(m.group(1)), int(m.group(2) or 0)
    if hh > 23 or mm > 59:
        return None
    return time(hh, mm)


_ROLE_WORDS: dict[str, Role] = {
    **dict.fromkeys(("member", "thanhvien", "tv", "tovien", "thanhvientoi", "thanhvientocns"), Role.MEMBER),
    **dict.fromkeys(("leader", "truong", "truongthon", "totruong", "lanhdao", "tt", "truongnhom", "truongto"),
                    Role.LEADER),
    **dict.fromkeys(("admin", "quantri", "qt", "quantrivien", "canbo"), Role.ADMIN),
}


def parse_role(text: Any) -> Role | None:
    return _ROLE_WORDS.get(squash(text))


ROLE_CODE = {Role.MEMBER: "member", Role.LEADER: "leader", Role.ADMIN: "admin"}

_KIND_WORDS: dict[str, str] = {
    **dict.fromkeys(("tinh", "province", "thanhphotructhuoctrunguong", "tp"), "province"),
    **dict.fromkeys(("huyen", "quan", "thixa", "district"), "district"),
    **dict.fromkeys(("xa", "phuong", "thitran", "commune", "ward", "dackhu", "dacKhu"), "commune"),
    **dict.fromkeys(("thon", "xom", "ban", "ap", "tdp", "todanpho", "khupho", "kp", "buon", "bon", "soc", "khom",
                     "plei", "lang", "to", "village", "hamlet"), "village"),
}
CHILD_KIND = {"province": "commune", "district": "commune", "commune": "village"}


def canonical_kind(text: str) -> str:
    """'Xã' -> commune, 'thôn' -> village ...; unknown kinds are kept (free text, lower case)."""
    key = squash(text)
    if key in _KIND_WORDS:
        return _KIND_WORDS[key]
    return " ".join(str(text).split()).lower()[:32]


def default_child_kind(parent: Unit | None) -> str:
    if parent is None:
        return "province"
    return CHILD_KIND.get(parent.kind, "village")


def metric_code(token: str, known: Sequence[str]) -> str | None:
    """'l2', 'm2', 'mức 2', 'muc2', 'level 2' -> 'l2' when known; other known codes as they are."""
    s = squash(token)
    if s in known:
        return s
    m = re.fullmatch(r"(?:l|m|muc|level|lv|cap|capdo)(\d{1,2})", s)
    if m and f"l{m.group(1)}" in known:
        return f"l{m.group(1)}"
    return None


def _take_metric(tokens: list[str], known: Sequence[str]) -> tuple[list[str], str | None]:
    """Split a metric off the end of `tokens` (one token, or two like 'mức 2')."""
    if len(tokens) >= 2:
        code = metric_code(" ".join(tokens[-2:]), known)
        if code and squash(tokens[-2]) in ("muc", "level", "lv", "cap", "capdo"):
            return tokens[:-2], code
    if tokens:
        code = metric_code(tokens[-1], known)
        if code:
            return tokens[:-1], code
    return tokens, None


ACTION_COMMAND = {"unit": "donvi", "target": "chitieu", "baseline": "moc", "member": "thanhvien", "chat": "lienket",
                  "import": "nhap", "audit": "nhatky"}
SPECIAL_COMMAND = {"member.join": "dangky", "unit.join_code": "madangky"}


def command_of(action: str) -> str:
    """The command an audit action belongs to: 'unit.move' -> 'donvi'."""
    if action in SPECIAL_COMMAND:
        return SPECIAL_COMMAND[action]
    return ACTION_COMMAND.get(action.split(".")[0], action.split(".")[0])


def _check_kind(kind: str, name: str, parent: Unit | None) -> None:
    """Refuse a unit of `kind` under `parent` when the kinds' order forbids it (bot.core.tree)."""
    from bot.core.tree import kind_allowed, kind_error_args

    if parent is not None and not kind_allowed(kind, parent.kind):
        _fail("fig.kind_order", unit=name, parent=unit_label(parent), **kind_error_args(kind, parent.kind))


def unit_label(u: Unit) -> str:
    return f"{u.name} ({u.code})"


# ---------------------------------------------------------------------------------------------
# the service
# ---------------------------------------------------------------------------------------------
