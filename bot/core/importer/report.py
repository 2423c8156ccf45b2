"""What an import answers: issues (row by row), counts, the report and its chat text."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from bot.core.importer.columns import CHAT_LIMIT, KINDS
from bot.core.org import (
    Msg,
    Outcome,
)

# ---------------------------------------------------------------------------------------------
# results
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Issue:
    sheet: str
    row: int | None
    key: str
    args: dict[str, Any] = field(default_factory=dict)
    scope: bool = False  # a permission problem (logged as a refusal)

    def msg(self) -> Msg:
        args = {k: str(v) if k == "row" else v for k, v in self.args.items()}  # row numbers: no 1.056
        if self.row is None:
            return Msg("imp.issue_sheet", {"sheet": self.sheet, "text": Msg(self.key, args)})
        return Msg("imp.issue", {"sheet": self.sheet, "row": str(self.row), "text": Msg(self.key, args)})


@dataclass
class Counts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    @property
    def total(self) -> int:
        return self.created + self.updated + self.unchanged


@dataclass
class ImportReport:
    files: list[str]
    issues: list[Issue] = field(default_factory=list)
    counts: dict[str, Counts] = field(default_factory=dict)
    notes: list[Msg] = field(default_factory=list)
    committed: bool = False
    dry_run: bool = False
    # new chat ids a scoped admin named that the bot has no sign of being in (`imp.chat_unseen`): the
    # Telegram handler may check them with the Bot API and import again with them as `verified_chats`
    unseen_chats: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.issues

    @property
    def changed(self) -> int:
        return sum(c.created + c.updated for c in self.counts.values())

    def summary_msgs(self) -> list[Msg]:
        msgs: list[Msg] = []
        for kind in KINDS:
            c = self.counts.get(kind)
            if c is not None and c.total:
                msgs.append(Msg("imp.count_line", {"kind": Msg(f"imp.kind.{kind}"), "created": c.created,
                                                   "updated": c.updated, "unchanged": c.unchanged}))
        return msgs

    def outcome(self, limit: int = CHAT_LIMIT) -> Outcome:
        files = ", ".join(self.files)
        if self.issues:
            msgs = [Msg("imp.failed", {"files": files, "count": len(self.issues)})]
            msgs += [i.msg() for i in self.issues[:limit]]
            if len(self.issues) > limit:
                msgs.append(Msg("imp.more_issues", {"count": len(self.issues) - limit}))
            msgs.append(Msg("imp.fix_hint"))
            return Outcome("error", msgs, {"issues": len(self.issues)})
        if not any(c.total for c in self.counts.values()):
            return Outcome("error", [Msg("imp.empty", {"files": files}), *self.notes], {"issues": 0})
        head = "imp.checked" if self.dry_run else ("imp.done" if self.changed else "imp.nothing_changed")
        msgs = [Msg(head, {"files": files}), *self.summary_msgs(), *self.notes]
        return Outcome("ok", msgs, {"changed": self.changed})

    def issues_text(self, lang: str) -> str:
        """Every problem, one per line (the file attached in chat when there are many)."""
        return "\n".join(_plain(i.msg().render(lang)) for i in self.issues) + "\n"


def _plain(html: str) -> str:
    import html as h

    return h.unescape(re.sub(r"<[^>]+>", "", html))
