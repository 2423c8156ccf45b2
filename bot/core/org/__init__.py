"""Organisation services: unit tree, targets and baselines, roster and roles, chat binding, audit view.

Plain Python over storage repositories (no PTB). Every public method takes the `Caller`, checks its
role and subtree scope, and returns an `Outcome`: the messages to show (catalog keys + values, rendered
in the caller's language), a status, and structured data for tests. A refusal changes nothing, says why
in Vietnamese, and is logged (`bot.core.audit.log_refusal`); every change is audited (`bot.core.audit.record`).

Command texts (`/donvi them ...`) are parsed here too, so the PTB handlers stay thin.

The package: `model` (messages, outcomes), `words` (reading arguments), `base` (shared plumbing),
one module per group of commands (`units`, `values`, `roster`, `chats`), `helpers`.
"""

from __future__ import annotations

from bot.core.org.base import (
    _W_ADD,
    _W_ASOF,
    _W_CLEAR,
    _W_CONFIRM,
    _W_DEADLINE,
    _W_INACTIVE,
    _W_LIST,
    _W_MOVE,
    _W_OFF,
    _W_ON,
    _W_REMOVE,
    _W_RENAME,
    _W_ROLE,
    _W_ROTATE,
    _W_UNBIND,
    ChatRef,
    UserRef,
    _OrgBase,
)
from bot.core.org.chats import _Chats
from bot.core.org.helpers import _action_name, _diff, _effective, _iso, _metric_name, _short, _tree_lines
from bot.core.org.model import (
    _QUOTES,
    CODE_RE,
    LIST_LIMIT,
    MAX_NAME,
    MAX_VALUE,
    Fail,
    Html,
    LangHtml,
    Msg,
    Outcome,
    Status,
    _fail,
    render_value,
    usage,
)
from bot.core.org.roster import _Roster
from bot.core.org.units import _Units
from bot.core.org.values import _Values
from bot.core.org.words import (
    _KIND_WORDS,
    _ROLE_WORDS,
    ACTION_COMMAND,
    CHILD_KIND,
    ROLE_CODE,
    SPECIAL_COMMAND,
    _check_kind,
    _take_metric,
    canonical_kind,
    command_of,
    default_child_kind,
    metric_code,
    parse_date,
    parse_int,
    parse_role,
    parse_time,
    split_args,
    squash,
    unit_label,
)


class OrgService(_Units, _Values, _Roster, _Chats):
    """Every organisation command: the unit tree, targets and baselines, the roster, chats, the audit view."""

__all__ = ['ACTION_COMMAND', 'CHILD_KIND', 'CODE_RE', 'ChatRef', 'Fail', 'Html', 'LIST_LIMIT', 'LangHtml', 'MAX_NAME', 'MAX_VALUE', 'Msg', 'Outcome', 'ROLE_CODE', 'SPECIAL_COMMAND', 'Status', 'UserRef', '_KIND_WORDS', '_OrgBase', '_QUOTES', '_ROLE_WORDS', '_W_ADD', '_W_ASOF', '_W_CLEAR', '_W_CONFIRM', '_W_DEADLINE', '_W_INACTIVE', '_W_LIST', '_W_MOVE', '_W_OFF', '_W_ON', '_W_REMOVE', '_W_RENAME', '_W_ROLE', '_W_ROTATE', '_W_UNBIND', '_action_name', '_check_kind', '_diff', '_effective', '_fail', '_iso', '_metric_name', '_short', '_take_metric', '_tree_lines', 'canonical_kind', 'command_of', 'default_child_kind', 'metric_code', 'parse_date', 'parse_int', 'parse_role', 'parse_time', 'render_value', 'split_args', 'squash', 'unit_label', 'usage', 'OrgService']
