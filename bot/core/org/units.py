"""The unit tree: /donvi (add, rename, move, deactivate, show)."""

from __future__ import annotations

import re
from collections.abc import Callable

from sqlalchemy.orm import Session

from bot.core import names
from bot.core.access import Caller
from bot.core.commands import Role
from bot.core.org.base import _W_ADD, _W_INACTIVE, _W_LIST, _W_MOVE, _W_OFF, _W_ON, _W_RENAME, _OrgBase
from bot.core.org.helpers import _tree_lines
from bot.core.org.model import CODE_RE, MAX_NAME, Fail, Msg, Outcome, _fail, usage
from bot.core.org.words import _check_kind, canonical_kind, default_child_kind, split_args, squash, unit_label
from bot.core.parsing import normalize
from storage import org_repo, repo
from storage.models import Unit


class _Units(_OrgBase):
    """The unit tree: /donvi (add, rename, move, deactivate, show)."""

    def cmd_unit(self, caller: Caller, args: str) -> Outcome:
        return self._run(lambda: self._cmd_unit(caller, args))

    def _cmd_unit(self, caller: Caller, args: str) -> Outcome:
        self._need_role(caller, Role.ADMIN, "donvi")
        if "|" in args:
            head, _, rest = args.strip().partition(" ")
            rest = rest.strip()
            parts = [p.strip() for p in (rest[1:] if rest.startswith("|") else rest).split("|")]
            sub = squash(head)
        else:
            tokens = split_args(args)
            sub = squash(tokens[0]) if tokens else ""
            parts = []
        if sub in _W_ADD:
            if parts:
                code, name, kind, parent = (parts + ["", "", "", ""])[:4]
                return self.add_unit(caller, code, name, kind or None, parent or None)
            return self._add_from_tokens(caller, split_args(args)[1:])
        if sub in _W_RENAME:
            if parts and len(parts) >= 2:
                return self.rename_unit(caller, parts[0], parts[1])
            return self._two_part(caller, split_args(args)[1:], "unit.rename", self.rename_unit)
        if sub in _W_MOVE:
            if parts and len(parts) >= 2:
                return self.move_unit(caller, parts[0], parts[1])
            return self._two_part(caller, split_args(args)[1:], "unit.move", self.move_unit, rest_is_unit=True)
        if sub in _W_OFF:
            ref = " ".join(split_args(args)[1:])
            return self.set_unit_active(caller, ref, False) if ref else Outcome("usage", [usage("donvi")])
        if sub in _W_ON:
            ref = " ".join(split_args(args)[1:])
            return self.set_unit_active(caller, ref, True) if ref else Outcome("usage", [usage("donvi")])
        if sub in _W_LIST or sub in _W_INACTIVE:
            tokens = split_args(args)[1:] if sub in _W_LIST else split_args(args)
            inactive = bool(tokens) and squash(tokens[-1]) in _W_INACTIVE
            if inactive:
                tokens = tokens[:-1]
            return self.tree(caller, " ".join(tokens) or None, include_inactive=inactive)
        # '/donvi Thôn 3' = the tree under that unit
        return self._run(lambda: self._tree_or_usage(caller, args))

    def _tree_or_usage(self, caller: Caller, args: str) -> Outcome:
        with self.svc.db.session() as s:
            cands = self._candidates(s, caller, args, active_only=False)
        if len(cands) == 1:
            return self.tree(caller, args)
        raise Fail("usage", usage("donvi"))

    def _two_part(self, caller: Caller, tokens: list[str], action: str,
                  fn: Callable[[Caller, str, str], Outcome], *, rest_is_unit: bool = False) -> Outcome:
        if len(tokens) < 2:
            raise Fail("usage", usage("donvi"))
        with self.svc.db.session() as s:
            active_only = action != "unit.rename"
            unit, rest = self._split_unit(s, caller, tokens, action, active_only=active_only)
            code = unit.code
        if not rest:
            raise Fail("usage", usage("donvi"))
        return fn(caller, code, " ".join(rest))

    def _add_from_tokens(self, caller: Caller, tokens: list[str]) -> Outcome:
        kind: str | None = None
        parent: str | None = None
        rest: list[str] = []
        for tok in tokens:
            m = re.match(r"^([^=:]{2,20})[=:](.*)$", tok)
            key = squash(m.group(1)) if m else ""
            if m and key in ("cap", "kind", "loai"):
                kind = m.group(2).strip()
            elif m and key in ("tren", "parent", "captren", "thuoc", "cha", "under", "in"):
                parent = m.group(2).strip()
            else:
                rest.append(tok)
        if len(rest) < 2:
            raise Fail("usage", usage("donvi"))
        return self.add_unit(caller, rest[0], " ".join(rest[1:]), kind, parent)

    def _check_name(self, s: Session, name: str, parent: Unit | None, *, exclude: Unit | None = None) -> str:
        cleaned = names.clean(name)
        if cleaned is None:
            _fail("org.name_control")
        name = cleaned
        if not name or len(name) > MAX_NAME:
            _fail("org.bad_name", max=MAX_NAME)
        siblings = repo.children(s, parent) if parent is not None else repo.roots(s)
        n = normalize(name)
        for sib in siblings:
            if sib is not exclude and (normalize(sib.name) == n or names.look_alike(name, sib.name)):
                _fail("org.name_taken", name=name, parent=parent.name if parent else "–", unit=unit_label(sib))
        return name

    def add_unit(self, caller: Caller, code: str, name: str, kind: str | None = None,
                 parent_ref: str | None = None) -> Outcome:
        def run() -> Outcome:
            self._need_role(caller, Role.ADMIN, "unit.add")
            code_ = code.strip()
            if not CODE_RE.match(code_):
                _fail("org.bad_code", code=code_)
            with self.svc.db.session() as s:
                if parent_ref:
                    parent = self.resolve_unit(s, caller, parent_ref, "unit.add")
                elif caller.global_admin and caller.unit_id is None:
                    parent = None
                else:
                    parent = self._own_unit(s, caller)
                if parent is None and not caller.global_admin:
                    self._refuse(caller, "unit.add", "org.root_admin_only")
                if parent is not None:
                    self._need(caller, Role.ADMIN, parent, "unit.add")
                if repo.unit_by_code(s, code_) is not None:
                    _fail("org.code_taken", code=code_)
                name_ = self._check_name(s, name, parent)
                kind_ = canonical_kind(kind) if kind else default_child_kind(parent)
                _check_kind(kind_, name_, parent)
                unit = repo.create_unit(s, code_, name_, kind_, parent)
                after = {"code": unit.code, "name": unit.name, "kind": unit.kind,
                         "parent": parent.code if parent else None}
                out = Outcome("ok", [Msg("org.unit_added", {"unit": unit_label(unit),
                                                            "parent": unit_label(parent) if parent else "–",
                                                            "join": unit.join_code or ""})],
                              {"unit_id": unit.id, "join_code": unit.join_code})
            self._audit(caller, "unit.add", unit, None, after)
            return out

        return self._run(run)

    def rename_unit(self, caller: Caller, ref: str, new_name: str) -> Outcome:
        def run() -> Outcome:
            with self.svc.db.session() as s:
                unit = self.resolve_unit(s, caller, ref, "unit.rename", active_only=False)
                self._need(caller, Role.ADMIN, unit, "unit.rename")
                parent = repo.unit_by_id(s, unit.parent_id) if unit.parent_id else None
                name_ = self._check_name(s, new_name, parent, exclude=unit)
                old = unit.name
                if old == name_:
                    return Outcome("info", [Msg("org.no_change")])
                unit.name = name_
            self._audit(caller, "unit.rename", unit, {"name": old}, {"name": name_})
            return Outcome("ok", [Msg("org.unit_renamed", {"old": old, "unit": unit_label(unit)})])

        return self._run(run)

    def move_unit(self, caller: Caller, ref: str, parent_ref: str) -> Outcome:
        def run() -> Outcome:
            with self.svc.db.session() as s:
                unit = self.resolve_unit(s, caller, ref, "unit.move")
                self._need(caller, Role.ADMIN, unit, "unit.move")
                if not caller.global_admin and unit.id == caller.unit_id:
                    self._refuse(caller, "unit.move", "org.own_unit", unit, unit=unit_label(unit))
                new_parent = self.resolve_unit(s, caller, parent_ref, "unit.move")
                self._need(caller, Role.ADMIN, new_parent, "unit.move")
                if new_parent.path.startswith(unit.path):
                    _fail("org.move_cycle", unit=unit_label(unit), parent=unit_label(new_parent))
                if new_parent.id == unit.parent_id:
                    return Outcome("info", [Msg("org.no_change")])
                _check_kind(unit.kind, unit.name, new_parent)
                old_parent = repo.unit_by_id(s, unit.parent_id) if unit.parent_id else None
                self._check_name(s, unit.name, new_parent, exclude=unit)
                before = {"parent": old_parent.code if old_parent else None, "path": unit.path}
                count = org_repo.move_subtree(s, unit, new_parent)
                s.refresh(unit)
                after = {"parent": new_parent.code, "path": unit.path}
            self._audit(caller, "unit.move", unit, before, after)
            return Outcome("ok", [Msg("org.unit_moved", {"unit": unit_label(unit), "parent": unit_label(new_parent),
                                                         "count": count})], {"moved": count})

        return self._run(run)

    def set_unit_active(self, caller: Caller, ref: str, active: bool) -> Outcome:
        action = "unit.activate" if active else "unit.deactivate"

        def run() -> Outcome:
            with self.svc.db.session() as s:
                unit = self.resolve_unit(s, caller, ref, action, active_only=not active)
                self._need(caller, Role.ADMIN, unit, action)
                if not caller.global_admin and unit.id == caller.unit_id:
                    self._refuse(caller, action, "org.own_unit", unit, unit=unit_label(unit))
                if unit.active == active:
                    return Outcome("info", [Msg("org.no_change")])
                if active and unit.parent_id:
                    parent = repo.unit_by_id(s, unit.parent_id)
                    if parent is not None and not parent.active:
                        _fail("org.parent_inactive", unit=unit_label(parent))
                if active:
                    unit.active = True  # only this unit; its children are reopened one by one
                    count = 1
                else:
                    count = org_repo.set_subtree_active(s, unit, False)
                members = org_repo.count_active_members(s, unit)
            self._audit(caller, action, unit, {"active": not active}, {"active": active, "units": count})
            if active:
                return Outcome("ok", [Msg("org.unit_activated", {"unit": unit_label(unit)})])
            msgs = [Msg("org.unit_deactivated", {"unit": unit_label(unit), "count": count})]
            if members:
                msgs.append(Msg("org.unit_deactivated_members", {"count": members}))
            return Outcome("ok", msgs, {"count": count})

        return self._run(run)

    def tree(self, caller: Caller, ref: str | None = None, *, include_inactive: bool = False) -> Outcome:
        def run() -> Outcome:
            self._need_role(caller, Role.LEADER, "donvi")
            with self.svc.db.session() as s:
                if ref:
                    root = self.resolve_unit(s, caller, ref, "donvi", active_only=False)
                    roots = [root]
                elif not caller.global_admin or caller.unit_id is not None:
                    own = self._own_unit(s, caller)
                    roots = [own] if own is not None else []
                else:
                    roots = repo.roots(s)
                if not roots:
                    return Outcome("info", [Msg("org.tree_empty")])
                lines: list[Msg] = [Msg("org.tree_head")]
                total = 0
                for root in roots:
                    units = org_repo.scope_units(s, root.path, active_only=not include_inactive)
                    counts = org_repo.member_counts(s, root.path)
                    body, n = _tree_lines(root, units, counts)
                    lines += body
                    total += n
                return Outcome("info", lines, {"units": total})

        return self._run(run)

    # =============================================================================================
    # /chitieu and /moc
    # =============================================================================================
