"""Joining, join codes and the roster: /dangky, /madangky, /thanhvien."""

from __future__ import annotations

import re
from collections import defaultdict

from sqlalchemy.orm import Session

from bot import fmt, names
from bot.access import Caller
from bot.collation import vn_key
from bot.commands import Role
from bot.org.base import (
    _W_CONFIRM,
    _W_LIST,
    _W_MOVE,
    _W_REMOVE,
    _W_ROLE,
    _W_ROTATE,
    ChatRef,
    UserRef,
    _OrgBase,
)
from bot.org.model import LIST_LIMIT, MAX_NAME, Fail, Html, Msg, Outcome, _fail, usage
from bot.org.words import ROLE_CODE, parse_role, split_args, squash, unit_label
from bot.parsing import normalize
from storage import audit_repo, org_repo, repo
from storage.models import Member, Unit


class _Roster(_OrgBase):
    """Joining, join codes and the roster: /dangky, /madangky, /thanhvien."""

    def cmd_join(self, caller: Caller, args: str, username: str | None = None, chat: str | None = None) -> Outcome:
        tokens = split_args(args)
        if not tokens or len(tokens) > 2:
            return Outcome("usage", [usage("dangky")])
        confirm = len(tokens) == 2 and squash(tokens[1]) in _W_CONFIRM
        if len(tokens) == 2 and not confirm:
            return Outcome("usage", [usage("dangky")])
        return self.join(caller, tokens[0], confirm=confirm, username=username, chat=chat)

    def join(self, caller: Caller, code: str, *, confirm: bool = False, username: str | None = None,
             chat: str | None = None) -> Outcome:
        throttle = self.join_throttle
        user_key = f"{caller.channel}:{caller.external_id}"
        chat_key = f"{caller.channel}:{chat}" if chat else None

        def run() -> Outcome:
            now = self.svc.now().timestamp()
            if throttle.blocked(user_key, chat_key, now):  # guessing codes: no database work, no audit line
                return Outcome("refused", [Msg("org.join_throttled", {"minutes": int(throttle.window_s // 60)})])
            with self.svc.db.session() as s:
                unit = org_repo.units_by_join_code(s, code) if re.fullmatch(r"[A-Za-z0-9]{4,16}", code) else None
                if unit is None or not unit.active:
                    if throttle.failed(user_key, chat_key, now):
                        self._refuse(caller, "member.join", "org.bad_join_code", code=code)
                    raise Fail("refused", Msg("org.bad_join_code", {"code": code}))
                member = repo.member_by_external(s, caller.channel, caller.external_id)
                if member is not None and member.active and member.unit_id == unit.id:
                    if username and member.username != username:
                        member.username = username
                    return Outcome("info", [Msg("org.already_member", {"unit": unit.name,
                                                                       "role": Role.parse(member.role)})])
                if member is not None and member.active and not confirm:
                    old = repo.unit_by_id(s, member.unit_id)
                    return Outcome("confirm", [Msg("org.join_confirm", {
                        "old": old.name if old else "–", "role": Role.parse(member.role), "new": unit.name,
                        "code": code.upper()})])
                before = None
                if member is not None:
                    old_unit = repo.unit_by_id(s, member.unit_id)
                    before = {"unit": old_unit.code if old_unit else None, "role": member.role,
                              "active": member.active}
                    member.unit_id, member.role, member.active = unit.id, "member", True
                    if username:
                        member.username = username
                else:
                    member = repo.add_member(s, caller.channel, caller.external_id,
                                             (names.sanitize(caller.name) or caller.external_id)[:MAX_NAME], unit, "member",
                                             username=username)
                s.flush()
                member_id = member.id
            self._audit(Caller(caller.channel, caller.external_id, caller.name, member_id=member_id,
                               global_admin=caller.global_admin),
                        "member.join", unit, before, {"unit": unit.code, "role": "member"})
            key = "org.moved_member" if before else "org.joined"
            return Outcome("ok", [Msg(key, {"unit": unit.name, "name": caller.name})], {"member_id": member_id})

        return self._run(run)

    def cmd_join_code(self, caller: Caller, args: str) -> Outcome:
        tokens = split_args(args)
        rotate = bool(tokens) and squash(tokens[0]) in _W_ROTATE  # '/madangky doi [ĐƠN_VỊ]'
        if rotate:
            tokens = tokens[1:]
        elif len(tokens) > 1 and squash(tokens[-1]) in _W_ROTATE:  # '/madangky ĐƠN_VỊ doi'
            rotate, tokens = True, tokens[:-1]
        return self.join_code(caller, " ".join(tokens) or None, rotate=rotate)

    def join_code_in_chat(self, caller: Caller, chat: ChatRef, args: str) -> Outcome:
        """`/madangky` where it was typed. In a group only the group's own unit's code is posted; the full
        answer (other units, the codes of the units below) is in ``data["private"]`` for the leader's private
        chat (everyone in the group could otherwise join any village)."""
        out = self.cmd_join_code(caller, args)
        if not chat.is_group or not out.ok:
            return out
        with self.svc.db.session() as s:
            row = repo.chat_by_external(s, chat.channel, chat.external_id)
            bound = repo.unit_by_id(s, row.unit_id) if row is not None and row.unit_id else None
        code = out.data.get("join_code")
        public: list[Msg] = []
        if bound is not None and out.data.get("unit_id") == bound.id:
            public.append(out.msgs[0])  # the group's own code (rotated or not), without the list below it
        more = len(out.msgs) > len(public)
        if more:
            public.append(Msg("org.join_code_private"))
        return Outcome(out.status, public, {"join_code": code, "private": out if more else None})

    def join_code(self, caller: Caller, ref: str | None = None, *, rotate: bool = False) -> Outcome:
        action = "unit.join_code"

        def run() -> Outcome:
            self._need_role(caller, Role.LEADER, "madangky")
            with self.svc.db.session() as s:
                unit = self.resolve_unit(s, caller, ref, action) if ref else self._own_unit(s, caller)
                if unit is None:
                    raise Fail("usage", usage("madangky"))
                self._need(caller, Role.LEADER, unit, action)
                old = unit.join_code
                new = org_repo.rotate_join_code(s, unit) if rotate or not old else old
                kids = repo.children(s, unit)
                kid_lines = [Msg("org.join_code_child", {"unit": k.name, "code": Html(f"<code>{k.join_code}</code>")})
                             for k in kids[:60]]
            if new != old:
                self._audit(caller, action, unit, {"join_code": old}, {"join_code": new})
            key = "org.join_code_rotated" if rotate else "org.join_code"
            msgs = [Msg(key, {"unit": unit_label(unit), "code": Html(f"<code>{new}</code>"), "raw": new,
                              "ref": unit.code})]
            if kid_lines and not rotate:
                msgs.append(Msg("org.join_code_children"))
                msgs += kid_lines
            return Outcome("ok", msgs, {"join_code": new, "unit_id": unit.id})

        return self._run(run)

    def cmd_member(self, caller: Caller, args: str, reply_user: UserRef | None = None) -> Outcome:
        return self._run(lambda: self._cmd_member(caller, args, reply_user))

    def _cmd_member(self, caller: Caller, args: str, reply_user: UserRef | None) -> Outcome:
        self._need_role(caller, Role.ADMIN, "thanhvien")
        tokens = split_args(args)
        sub = squash(tokens[0]) if tokens else ""
        rest = tokens[1:]
        if sub in _W_ROLE:
            role = None
            for n in (2, 1):
                if len(rest) >= n and (role := parse_role(" ".join(rest[-n:]))) is not None:
                    rest = rest[:-n]
                    break
            if role is None or (not rest and reply_user is None):
                raise Fail("usage", usage("thanhvien"))
            return self.set_role(caller, " ".join(rest), role, reply_user=reply_user)
        if sub in _W_REMOVE:
            if not rest and reply_user is None:
                raise Fail("usage", usage("thanhvien"))
            return self.remove_member(caller, " ".join(rest), reply_user=reply_user)
        if sub in _W_MOVE:
            if not rest:
                raise Fail("usage", usage("thanhvien"))
            if "|" in " ".join(rest):
                who, _, where = " ".join(rest).partition("|")
                return self.move_member(caller, who.strip(), where.strip(), reply_user=reply_user)
            if reply_user is not None:
                return self.move_member(caller, "", " ".join(rest), reply_user=reply_user)
            return self.move_member(caller, rest[0], " ".join(rest[1:]))
        if sub in _W_LIST:
            return self.list_members(caller, " ".join(rest) or None)
        with self.svc.db.session() as s:
            cands = self._candidates(s, caller, args, active_only=True)
        if len(cands) == 1:
            return self.list_members(caller, args)
        raise Fail("usage", usage("thanhvien"))

    def _resolve_member(self, s: Session, caller: Caller, ref: str, reply_user: UserRef | None,
                        action: str) -> tuple[Member, Unit]:
        ref = ref.strip()
        found: list[Member] = []
        if not ref and reply_user is not None:
            m = repo.member_by_external(s, caller.channel, reply_user.external_id)
            found = [m] if m is not None else []
        elif re.fullmatch(r"\d{3,20}", ref):
            m = repo.member_by_external(s, caller.channel, ref)
            found = [m] if m is not None else []
        elif ref.startswith("@") and len(ref) > 1:
            found = org_repo.member_by_username(s, caller.channel, ref[1:])
        elif ref:
            rows = org_repo.members_in(s, self._scope_path(caller))
            n = normalize(ref)
            found = [m for m, _u in rows if normalize(m.display_name) == n]
            if not found:
                by_name: dict[str, list[Member]] = defaultdict(list)
                for m, _u in rows:
                    by_name[m.display_name].append(m)
                names = [name for name in by_name if n in normalize(name)]
                found = [m for name in names for m in by_name[name]]
        if not found:
            _fail("org.unknown_member", ref=ref or (reply_user.name if reply_user else ""))
        if len(found) > 1:
            _fail("org.ambiguous_member", ref=ref,
                  members="; ".join(f"{m.display_name} ({m.external_id})" for m in found[:10]))
        got = org_repo.member_with_unit(s, found[0].id)
        assert got is not None
        member, unit = got
        if not caller.within(unit):
            # generic: never name (or place) a member of another commune to the caller
            self._refuse(caller, action, "org.member_scope", unit)
        return member, unit

    def _guard_member(self, caller: Caller, member: Member, unit: Unit, action: str) -> None:
        """Nobody acts on themselves, or on someone of equal or higher role at their own level."""
        if caller.global_admin:
            return
        if member.id == caller.member_id:
            self._refuse(caller, action, "org.self", unit)
        if unit.id == caller.unit_id and Role.parse(member.role) >= caller.role and not self._promoted_by(
                caller, member, unit):
            self._refuse(caller, action, "org.peer", unit, name=member.display_name)

    def _promoted_by(self, caller: Caller, member: Member, unit: Unit) -> bool:
        """The caller gave that member their current role (so may take it back)."""
        with self.svc.db.session() as s:
            last = audit_repo.last_role_change(s, unit.id, member.external_id)
        return (last is not None and caller.member_id is not None and last.actor_id == caller.member_id
                and (last.after or {}).get("role") == member.role)

    def set_role(self, caller: Caller, ref: str, role: Role, *, reply_user: UserRef | None = None) -> Outcome:
        def run() -> Outcome:
            self._need_role(caller, Role.ADMIN, "member.role")
            with self.svc.db.session() as s:
                member, unit = self._resolve_member(s, caller, ref, reply_user, "member.role")
                self._guard_member(caller, member, unit, "member.role")
                if role > caller.role and not caller.global_admin:
                    self._refuse(caller, "member.role", "org.role_above", unit, role=role)
                if role == Role.NONE:
                    raise Fail("usage", usage("thanhvien"))
                old = member.role
                if old == ROLE_CODE[role] and member.active:
                    return Outcome("info", [Msg("org.no_change")])
                member.role = ROLE_CODE[role]
                member.active = True
                name = member.display_name
            self._audit(caller, "member.role", unit, {"member": member.external_id, "role": old},
                        {"member": member.external_id, "role": ROLE_CODE[role]})
            return Outcome("ok", [Msg("org.role_set", {"name": name, "unit": unit.name, "role": role,
                                                       "old": Role.parse(old)})])

        return self._run(run)

    def remove_member(self, caller: Caller, ref: str, *, reply_user: UserRef | None = None) -> Outcome:
        def run() -> Outcome:
            self._need_role(caller, Role.ADMIN, "member.remove")
            with self.svc.db.session() as s:
                member, unit = self._resolve_member(s, caller, ref, reply_user, "member.remove")
                self._guard_member(caller, member, unit, "member.remove")
                if not member.active:
                    return Outcome("info", [Msg("org.no_change")])
                member.active = False
                name = member.display_name
            self._audit(caller, "member.remove", unit, {"member": member.external_id, "active": True},
                        {"member": member.external_id, "active": False})
            return Outcome("ok", [Msg("org.member_removed", {"name": name, "unit": unit.name})])

        return self._run(run)

    def move_member(self, caller: Caller, ref: str, unit_ref: str, *, reply_user: UserRef | None = None) -> Outcome:
        def run() -> Outcome:
            self._need_role(caller, Role.ADMIN, "member.move")
            if not unit_ref:
                raise Fail("usage", usage("thanhvien"))
            with self.svc.db.session() as s:
                member, unit = self._resolve_member(s, caller, ref, reply_user, "member.move")
                self._guard_member(caller, member, unit, "member.move")
                target = self.resolve_unit(s, caller, unit_ref, "member.move")
                self._need(caller, Role.ADMIN, target, "member.move")
                if target.id == member.unit_id and member.active:
                    return Outcome("info", [Msg("org.no_change")])
                member.unit_id = target.id
                member.active = True
                name = member.display_name
            self._audit(caller, "member.move", target, {"member": member.external_id, "unit": unit.code},
                        {"member": member.external_id, "unit": target.code})
            return Outcome("ok", [Msg("org.member_moved", {"name": name, "old": unit.name, "unit": target.name})])

        return self._run(run)

    def list_members(self, caller: Caller, ref: str | None = None) -> Outcome:
        def run() -> Outcome:
            self._need_role(caller, Role.ADMIN, "thanhvien")
            with self.svc.db.session() as s:
                if ref:
                    unit = self.resolve_unit(s, caller, ref, "thanhvien")
                    self._need(caller, Role.ADMIN, unit, "thanhvien")
                    path: str | None = unit.path
                    title = unit_label(unit)
                else:
                    path = self._scope_path(caller)
                    own = self._own_unit(s, caller)
                    title = unit_label(own) if own is not None and path is not None else "–"
                rows = org_repo.members_in(s, path)
            # by level, then unit and name in Vietnamese order (admins, leaders, members within a unit)
            rank = {"admin": 0, "leader": 1, "member": 2}
            rows.sort(key=lambda mu: (mu[1].depth, vn_key(mu[1].name), mu[1].id, rank.get(mu[0].role, 3),
                                      vn_key(mu[0].display_name)))
            lines = [Msg("org.members_head", {"unit": title, "count": len(rows)})]
            last_unit = None
            for shown, (m, u) in enumerate(rows):
                if shown >= LIST_LIMIT:
                    lines.append(Msg("org.more", {"count": len(rows) - shown}))
                    break
                if u.id != last_unit:
                    lines.append(Msg("org.members_unit", {"unit": unit_label(u)}))
                    last_unit = u.id
                lines.append(Msg("org.members_line", {"name": m.display_name, "role": Role.parse(m.role),
                                                      "id": Html(f"<code>{fmt.esc(m.external_id)}</code>")}))
            if not rows:
                lines.append(Msg("org.none"))
            return Outcome("info", lines, {"count": len(rows)})

        return self._run(run)

    # =============================================================================================
    # /lienket, bot removed, migration
    # =============================================================================================
