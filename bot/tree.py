"""The order of unit kinds (DESIGN §3): country > province > (district, in older trees) > commune > village.

A village (thôn, xóm, bản, tổ dân phố…) has nothing below it; a commune holds villages; a province holds
communes (or, in trees from before 1 Jul 2025, districts that hold communes). Any kind may be a root (a
commune using the bot on its own). Free-text kinds the bot does not know are not judged.
"""

from __future__ import annotations

from typing import Any

from bot.org.model import Msg

CHILD_KINDS: dict[str, tuple[str, ...]] = {
    "country": ("province",),
    "province": ("district", "commune"),
    "district": ("commune",),
    "commune": ("village",),
    "village": (),
}


def kind_allowed(kind: str | None, parent_kind: str | None) -> bool:
    """May a unit of `kind` sit under a unit of `parent_kind`? (None or unknown kinds: yes.)"""
    if kind is None or parent_kind is None or kind not in CHILD_KINDS or parent_kind not in CHILD_KINDS:
        return True
    return kind in CHILD_KINDS[parent_kind]


def kind_name(kind: str) -> Msg | str:
    """The kind as users say it ("xã/phường"); a free-text kind as it was written."""
    return Msg(f"fig.kind.{kind}") if kind in CHILD_KINDS else kind


def kind_error_args(kind: str, parent_kind: str) -> dict[str, Any]:
    """Values for the catalog's ``fig.kind_order`` (without the unit names)."""
    allowed = CHILD_KINDS.get(parent_kind, ())
    return {"kind": kind_name(kind), "parent_kind": kind_name(parent_kind),
            "allowed": [kind_name(k) for k in allowed] if allowed else Msg("fig.kind.nothing")}
