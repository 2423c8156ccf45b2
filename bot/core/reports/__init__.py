"""Recording reports exactly once: resolve, check, store all lines or none, correct, undo.

Plain Python over storage repositories (DESIGN §4). The handler parses nothing and stores nothing:
it calls `ReportService.submit` / `edit` / `confirm` / `undo` and renders the returned outcome.

The package: `model` (outcomes), `base` (the reporter's scope), `recording` (submit, edit, confirm),
`corrections` (/sua, undo).
"""

from __future__ import annotations

from bot.core.reports.corrections import _Corrections
from bot.core.reports.model import (
    _FIX_NUMBER,
    _REMOVE_WORDS,
    NOTE_MAX,
    PENDING_TTL,
    SHARE_CHOICES,
    LineResult,
    Outcome,
    Planned,
    Status,
    _Area,
    _PendingTaken,
    _plan_from_json,
    _plan_json,
    _Scope,
    parse_fix_args,
)


class ReportService(_Corrections):
    """Recording, correcting and undoing reports (the one service every channel calls)."""

__all__ = ['LineResult', 'NOTE_MAX', 'Outcome', 'PENDING_TTL', 'Planned', 'SHARE_CHOICES', 'Status', '_Area', '_FIX_NUMBER', '_PendingTaken', '_REMOVE_WORDS', '_Scope', '_plan_from_json', '_plan_json', 'parse_fix_args', 'ReportService']
