"""Small helpers of the organisation services: audit diffs, effective targets, tree lines."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any

from bot.core.collation import vn_key
from bot.core.org.model import LIST_LIMIT, Html, Msg
from storage.models import Unit

# ---------------------------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------------------------


def _iso(d: date | None) -> str | None:
    return d.isoformat() if d else None


def _metric_name(code: str) -> Msg:
    from bot.core.metrics import MetricMsg

    return MetricMsg(code)


def _action_name(action: str) -> Msg:
    from bot.texts import CATALOG

    key = f"org.act.{action}"
    return Msg(key) if key in CATALOG["vi"] else Msg("org.act.other", {"action": action})


def _short(v: Any) -> str:
    if isinstance(v, dict):
        return ", ".join(f"{k}={_short(x)}" for k, x in v.items())
    if isinstance(v, list):
        return ", ".join(_short(x) for x in v[:5]) + ("…" if len(v) > 5 else "")
    return "–" if v is None else str(v)


def _diff(before: dict[str, Any] | None, after: dict[str, Any] | None) -> str:
    """'value: 500 → 530' for the keys that changed."""
    before, after = before or {}, after or {}
    parts = []
    for k in list(dict.fromkeys([*before, *after])):
        b, a = before.get(k), after.get(k)
        if k in before and k in after and b == a:
            if k in ("member", "chat", "metric"):
                parts.append(f"{k}={_short(a)}")
            continue
        if k not in before:
            parts.append(f"{k}={_short(a)}")
        elif k not in after:
            parts.append(f"{k}: {_short(b)} → –")
        else:
            parts.append(f"{k}: {_short(b)} → {_short(a)}")
    text = "; ".join(parts)
    return text[:300] + ("…" if len(text) > 300 else "")


def _effective(units: Sequence[Unit], own: dict[tuple[int, str], Any], metrics: Iterable[str]) -> dict[tuple[int, str], int]:
    """Own target, else the sum of the children's effective targets (active units only)."""
    kids: dict[int, list[Unit]] = defaultdict(list)
    for u in units:
        if u.parent_id is not None:
            kids[u.parent_id].append(u)
    out: dict[tuple[int, str], int] = {}
    for u in sorted(units, key=lambda x: -x.depth):  # children before parents
        for m in metrics:
            tg = own.get((u.id, m))
            if tg is not None:
                out[(u.id, m)] = tg.value
                continue
            vals = [out[(k.id, m)] for k in kids.get(u.id, []) if (k.id, m) in out]
            if vals:
                out[(u.id, m)] = sum(vals)
    return out


def _tree_lines(root: Unit, units: Sequence[Unit], counts: dict[int, int]) -> tuple[list[Msg], int]:
    kids: dict[int, list[Unit]] = defaultdict(list)
    for u in units:
        if u.parent_id is not None and u.id != root.id:
            kids[u.parent_id].append(u)
    for lst in kids.values():
        lst.sort(key=lambda x: (vn_key(x.name), x.code))
    # show as many levels as fit in LIST_LIMIT lines
    by_depth: dict[int, int] = defaultdict(int)
    for u in units:
        by_depth[u.depth - root.depth] += 1
    max_level, running = 0, 1
    for level in sorted(d for d in by_depth if d > 0):
        running += by_depth[level]
        if running > LIST_LIMIT:
            break
        max_level = level

    def below(u: Unit) -> int:
        return sum(1 + below(k) for k in kids.get(u.id, []))

    lines: list[Msg] = []

    def walk(u: Unit, level: int) -> None:
        hidden = below(u) if level == max_level else 0
        lines.append(Msg("org.tree_line", {
            "indent": Html("    " * level + ("└ " if level else "")),
            "name": u.name, "code": u.code,
            "members": counts.get(u.id, 0),
            "extra": Msg("org.tree_hidden", {"count": hidden}) if hidden else Html(""),
            "off": Msg("org.tree_off") if not u.active else Html(""),
        }))
        if level < max_level:
            for k in kids.get(u.id, []):
                walk(k, level + 1)

    walk(root, 0)
    return lines, len(units)
