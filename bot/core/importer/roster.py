"""The members and chats sheets (who may bind which chat)."""

from __future__ import annotations

from collections import defaultdict
from datetime import time
from typing import Any

from bot.core.commands import Role
from bot.core.importer.columns import COLUMN_NAMES
from bot.core.importer.planner import _MemberRow, _signed_int, _text
from bot.core.importer.reading import Sheet
from bot.core.importer.values import _PlannerValues
from bot.core.names import clean as clean_name
from bot.core.names import look_alike, mixed_script
from bot.core.org import (
    MAX_NAME,
    ROLE_CODE,
    parse_role,
    parse_time,
)
from storage import org_repo
from storage.models import Member


class _PlannerRoster(_PlannerValues):
    """The members and chats sheets (who may bind which chat)."""

    def _member_row(self, sh: Sheet, n: int, cells: Any, seen: dict[str, tuple[str, int]]) -> _MemberRow | None:
        """One member row checked on its own (id, name, role, duplicates); None when refused or unit unknown."""
        key = self.unit_ref(sh.label, n, sh.get(cells, "unit_code"))
        raw_id = sh.get(cells, "telegram_id")
        tid = _signed_int(raw_id) if raw_id is not None else None
        if raw_id is None:
            self.err(sh.label, n, "imp.required", column=COLUMN_NAMES["telegram_id"])
            return None
        if tid is None or tid <= 0:
            self.err(sh.label, n, "imp.bad_user_id", value=_text(raw_id))
            return None
        raw_name = sh.get(cells, "name")
        name = _text(raw_name) if raw_name is not None else None
        if name is not None and (name := clean_name(name)) is None:  # NFC; bidi/control refused
            self.err(sh.label, n, "imp.name_control", column=COLUMN_NAMES["name"])
            return None
        if name is not None and len(name) > MAX_NAME:
            self.err(sh.label, n, "imp.too_long", column=COLUMN_NAMES["name"], max=MAX_NAME)
            return None
        raw_role = sh.get(cells, "role")
        role = parse_role(_text(raw_role)) if raw_role is not None else None
        if raw_role is not None and role is None:
            self.err(sh.label, n, "imp.bad_role", value=_text(raw_role))
            return None
        if role is not None and not self.caller.global_admin and role > self.caller.role:
            self.err(sh.label, n, "imp.role_above", scope=True, role=role)
            return None
        ext = str(tid)
        if ext in seen:
            first = seen[ext]
            self.err(sh.label, n, "imp.duplicate", value=ext, sheet=first[0], row=first[1])
            return None
        seen[ext] = (sh.label, n)
        if key is None:
            return None
        return (sh, n, key, ext, name, role)

    def _plan_members(self, sheets: list[Sheet]) -> None:
        seen: dict[str, tuple[str, int]] = {}
        pending: list[_MemberRow] = []
        for sh in sheets:
            for i, (n, cells) in enumerate(sh.rows):
                self._tick("members", i + 1, len(sh.rows))
                row = self._member_row(sh, n, cells, seen)
                if row is not None:
                    pending.append(row)
        existing = org_repo.members_by_external(self.s, "telegram", [p[3] for p in pending])
        pending = self._drop_look_alike_members(pending, existing)
        for sh, n, key, ext, name, role in pending:
            m = existing.get(ext)
            if m is None:
                if name is None:
                    self.err(sh.label, n, "imp.required", column=COLUMN_NAMES["name"])
                    continue
                self.member_new.append((ext, name, key, ROLE_CODE[role or Role.MEMBER]))
                self.counts["members"].created += 1
                continue
            cur_unit = self.unit_by_id(m.unit_id)
            if cur_unit is not None and not self.within(cur_unit):
                self.err(sh.label, n, "imp.member_outside", scope=True, id=ext)
                continue
            changes: dict[str, Any] = {}
            if self.moves_to(key, m.unit_id):
                changes["unit"] = key
            if name is not None and name != m.display_name:
                changes["display_name"] = name
            if role is not None and ROLE_CODE[role] != m.role:
                changes["role"] = ROLE_CODE[role]
            if not m.active:
                changes["active"] = True
            if changes and not self.caller.global_admin and ("unit" in changes or "role" in changes
                                                              or "active" in changes):
                if ext == self.caller.external_id and self.caller.channel == "telegram":
                    self.err(sh.label, n, "imp.self", scope=True)
                    continue
                if m.unit_id == self.caller.unit_id and Role.parse(m.role) >= self.caller.role:
                    self.err(sh.label, n, "imp.peer", scope=True, id=ext)
                    continue
            if changes:
                self.member_upd.append((m, changes))
                self.counts["members"].updated += 1
            else:
                self.counts["members"].unchanged += 1

    def _drop_look_alike_members(self, pending: list[_MemberRow], existing: dict[str, Member]) -> list[_MemberRow]:
        """A mixed-script name that looks like another member's of the same unit (in the database or in the
        file) is refused: «Nguyễn Văn Аn» with a Cyrillic А beside «Nguyễn Văn An» (issue 15 item 12)."""
        suspects = [p for p in pending if p[4] is not None and mixed_script(p[4])]
        if not suspects:
            return pending
        in_db = org_repo.member_names_of_units(self.s, [self.db_units[p[2]].id for p in suspects
                                                        if p[2] in self.db_units])
        by_unit: dict[str, list[tuple[str, str]]] = defaultdict(list)
        for p in pending:
            m = existing.get(p[3])
            name = p[4] if p[4] is not None else (m.display_name if m is not None else None)
            if name is not None:
                by_unit[p[2]].append((p[3], name))
        bad: set[int] = set()
        for p in suspects:
            sh, n, key, ext, name, _role = p
            assert name is not None
            unit = self.db_units.get(key)
            others = by_unit[key] + (in_db.get(unit.id, []) if unit is not None else [])
            clash = next((o for e, o in others if e != ext and look_alike(name, o)), None)
            if clash is not None:
                self.err(sh.label, n, "imp.member_look_alike", name=name, other=clash)
                bad.add(id(p))
        return [p for p in pending if id(p) not in bad]

    def _plan_chats(self, sheets: list[Sheet]) -> None:
        seen: dict[str, tuple[str, int]] = {}
        pending: list[tuple[Sheet, int, str, str, time | None, time | None]] = []
        for sh in sheets:
            for n, cells in sh.rows:
                key = self.unit_ref(sh.label, n, sh.get(cells, "unit_code"))
                raw_id = sh.get(cells, "telegram_chat_id")
                cid = _signed_int(raw_id) if raw_id is not None else None
                if raw_id is None:
                    self.err(sh.label, n, "imp.required", column=COLUMN_NAMES["telegram_chat_id"])
                    continue
                if cid is None or cid == 0:
                    self.err(sh.label, n, "imp.bad_chat_id", value=_text(raw_id))
                    continue
                times: list[time | None] = []
                bad = False
                for col in ("reminder_time", "summary_time"):
                    raw = sh.get(cells, col)
                    tm = parse_time(raw) if raw is not None else None
                    if raw is not None and tm is None:
                        self.err(sh.label, n, "imp.bad_time", column=COLUMN_NAMES[col], value=_text(raw))
                        bad = True
                    times.append(tm)
                ext = str(cid)
                if ext in seen:
                    first = seen[ext]
                    self.err(sh.label, n, "imp.duplicate", value=ext, sheet=first[0], row=first[1])
                    continue
                seen[ext] = (sh.label, n)
                if bad or key is None:
                    continue
                pending.append((sh, n, key, ext, times[0], times[1]))
        existing = org_repo.chats_by_external(self.s, "telegram", [p[3] for p in pending])
        new_ids = [p[3] for p in pending if p[3] not in existing]
        known = set(new_ids) if self.caller.global_admin or not new_ids else (
            org_repo.seen_chat_ids(self.s, "telegram", new_ids) | self.verified_chats)
        for sh, n, key, ext, rem, summ in pending:
            c = existing.get(ext)
            if c is None and ext not in known:
                # issue 15 item 15: a scoped admin binds only a chat the bot is in (an update from it, or
                # the Bot API confirmed it: `verified_chats`), never any id typed into a sheet
                self.err(sh.label, n, "imp.chat_unseen", scope=True, id=ext)
                self.unseen_chats.append(ext)
                continue
            if c is None:
                self.chat_new.append((ext, key, rem, summ))
                self.counts["chats"].created += 1
                continue
            cur = self.unit_by_id(c.unit_id)
            if cur is not None and not self.within(cur):
                self.err(sh.label, n, "imp.chat_outside", scope=True, id=ext)
                continue
            changes: dict[str, Any] = {}
            if self.moves_to(key, c.unit_id):
                changes["unit"] = key
            if sh.has("reminder_time") and c.reminder_time != rem:
                changes["reminder_time"] = rem
            if sh.has("summary_time") and c.summary_time != summ:
                changes["summary_time"] = summ
            if changes:
                self.chat_upd.append((c, changes))
                self.counts["chats"].updated += 1
            else:
                self.counts["chats"].unchanged += 1

    # ---- writing
