"""Chat binding and the audit view: /lienket, bot added/removed, /nhatky."""

from __future__ import annotations

from functools import partial

from bot.core import fmt
from bot.core.access import Caller
from bot.core.audit_text import sentence
from bot.core.commands import Role
from bot.core.org.base import _W_UNBIND, ChatRef, _OrgBase
from bot.core.org.model import Fail, Html, LangHtml, Msg, Outcome, usage
from bot.core.org.words import split_args, squash, unit_label
from storage import org_repo, repo


class _Chats(_OrgBase):
    """Chat binding and the audit view: /lienket, bot added/removed, /nhatky."""

    def cmd_bind(self, caller: Caller, chat: ChatRef, args: str) -> Outcome:
        tokens = split_args(args)
        if tokens and len(tokens) == 1 and squash(tokens[0]) in _W_UNBIND:
            return self.unbind(caller, chat)
        if not tokens:
            return self.binding_status(caller, chat)
        return self.bind(caller, chat, args)

    def binding_status(self, caller: Caller, chat: ChatRef) -> Outcome:
        def run() -> Outcome:
            self._need_role(caller, Role.LEADER, "lienket")
            if not chat.is_group:
                raise Fail("error", Msg("org.group_only"), usage("lienket"))
            with self.svc.db.session() as s:
                row = repo.chat_by_external(s, chat.channel, chat.external_id)
                unit = repo.unit_by_id(s, row.unit_id) if row is not None and row.unit_id else None
            key = "org.bound_status" if unit else "org.unbound_status"
            return Outcome("info", [Msg(key, {"unit": unit_label(unit) if unit else ""}), usage("lienket")])

        return self._run(run)

    def bind(self, caller: Caller, chat: ChatRef, ref: str) -> Outcome:
        def run() -> Outcome:
            self._need_role(caller, Role.LEADER, "chat.bind")
            if not chat.is_group:
                raise Fail("error", Msg("org.group_only"), usage("lienket"))
            with self.svc.db.session() as s:
                unit = self.resolve_unit(s, caller, ref, "chat.bind")
                self._need(caller, Role.LEADER, unit, "chat.bind")
                row = repo.chat_by_external(s, chat.channel, chat.external_id)
                old = repo.unit_by_id(s, row.unit_id) if row is not None and row.unit_id else None
                if old is not None and old.id != unit.id and not caller.can(Role.LEADER, old):
                    self._refuse(caller, "chat.bind", "org.chat_bound_elsewhere", old, unit=unit_label(old))
                if row is not None and old is not None and old.id == unit.id and row.active:
                    return Outcome("info", [Msg("org.already_bound", {"unit": unit_label(unit)})])
                row = repo.get_or_create_chat(s, chat.channel, chat.external_id, chat.title)
                repo.bind_chat(s, row, unit)
                row.active, row.disabled_reason = True, None
                others = len(org_repo.chats_of_unit(s, unit.id)) - 1
            self._audit(caller, "chat.bind", unit, {"chat": chat.external_id, "unit": old.code if old else None},
                        {"chat": chat.external_id, "unit": unit.code})
            msgs = [Msg("org.bound", {"unit": unit_label(unit)})]
            if others > 0:
                msgs.append(Msg("org.bound_others", {"count": others}))
            return Outcome("ok", msgs)

        return self._run(run)

    def unbind(self, caller: Caller, chat: ChatRef) -> Outcome:
        def run() -> Outcome:
            self._need_role(caller, Role.LEADER, "chat.unbind")
            if not chat.is_group:
                raise Fail("error", Msg("org.group_only"), usage("lienket"))
            with self.svc.db.session() as s:
                row = repo.chat_by_external(s, chat.channel, chat.external_id)
                unit = repo.unit_by_id(s, row.unit_id) if row is not None and row.unit_id else None
                if row is None or unit is None:
                    return Outcome("info", [Msg("org.unbound_status")])
                self._need(caller, Role.LEADER, unit, "chat.unbind")
                repo.bind_chat(s, row, None)
            self._audit(caller, "chat.unbind", unit, {"chat": chat.external_id, "unit": unit.code},
                        {"chat": chat.external_id, "unit": None})
            return Outcome("ok", [Msg("org.unbound", {"unit": unit_label(unit)})])

        return self._run(run)

    def bot_status_changed(self, chat: ChatRef, old_status: str, new_status: str, actor: Caller) -> Outcome:
        """my_chat_member: the bot was removed (chat disabled) or added back (chat enabled again)."""
        gone = new_status in ("left", "kicked", "banned")
        back = new_status in ("member", "administrator", "creator", "restricted") and old_status in (
            "left", "kicked", "banned")
        if not gone and not back:
            return Outcome("info", data={"changed": False})
        when = self.svc.now().strftime("%d/%m/%Y %H:%M")
        reason = f"bot {new_status} by {actor.external_id} at {when}"
        with self.svc.db.session() as s:
            row = repo.chat_by_external(s, chat.channel, chat.external_id)
            if row is None or row.active != gone:
                bound = bool(row and row.unit_id)
                return Outcome("info", data={"changed": False, "known": row is not None, "bound": bound})
            org_repo.set_chat_active(s, chat.channel, chat.external_id, not gone, reason if gone else None)
            unit = repo.unit_by_id(s, row.unit_id) if row.unit_id else None
            bound = unit is not None
        action = "chat.disabled" if gone else "chat.enabled"
        self._audit(actor, action, unit, {"chat": chat.external_id, "active": gone},
                    {"chat": chat.external_id, "active": not gone, "reason": reason if gone else None})
        return Outcome("ok", data={"changed": True, "known": True, "bound": bound})

    def migrate_chat(self, old_id: str, new_id: str, title: str | None, actor: Caller,
                     channel: str = "telegram") -> Outcome:
        """A group became a supergroup: the binding (and settings) follow to the new chat id."""
        with self.svc.db.session() as s:
            what, row = org_repo.migrate_chat(s, channel, old_id, new_id, title)
            unit = repo.unit_by_id(s, row.unit_id) if row is not None and row.unit_id else None
        if what in ("moved", "merged"):
            self._audit(actor, "chat.migrate", unit, {"chat": old_id}, {"chat": new_id, "how": what})
        return Outcome("ok" if what in ("moved", "merged") else "info", data={"result": what})

    # =============================================================================================
    # /nhatky
    # =============================================================================================

    def cmd_audit(self, caller: Caller, args: str) -> Outcome:
        tokens = split_args(args)
        limit = 20
        with self.svc.db.session() as s:  # 'Thôn 3' is a unit, not 'Thôn' and 3 lines
            whole = len(self._candidates(s, caller, args, active_only=False)) == 1 if tokens else False
        if tokens and tokens[-1].isdigit() and not whole:
            limit = max(1, min(100, int(tokens[-1])))
            tokens = tokens[:-1]
        return self.audit_log(caller, " ".join(tokens) or None, limit)

    def audit_log(self, caller: Caller, ref: str | None = None, limit: int = 20) -> Outcome:
        def run() -> Outcome:
            self._need_role(caller, Role.ADMIN, "nhatky")
            with self.svc.db.session() as s:
                if ref:
                    unit = self.resolve_unit(s, caller, ref, "nhatky", active_only=False)
                    self._need(caller, Role.ADMIN, unit, "nhatky")
                    path: str | None = unit.path
                    title = unit_label(unit)
                else:
                    path = self._scope_path(caller)
                    own = self._own_unit(s, caller)
                    title = unit_label(own) if own is not None and path is not None else "–"
                rows = org_repo.audit_entries(s, path, limit)
                ids = sorted({str(p["member"]) for a, _n, _u in rows for p in (a.before, a.after)
                              if isinstance(p, dict) and p.get("member")})
                names = {ext: m.display_name for channel in ("telegram", "zalo")
                         for ext, m in org_repo.members_by_external(s, channel, ids).items()}
            tz = self.svc.settings.tz
            today = self.svc.today()
            lines = [Msg("org.audit_head", {"unit": title, "count": len(rows)})]
            for a, actor_name, about in rows:
                at = a.at.astimezone(tz)
                lines.append(Msg("audit.entry", {
                    "when": Html(f"{fmt.day(at.date(), ref=today)} {at:%H:%M}"),
                    "who": actor_name or a.actor_external_id or "?",
                    "what": LangHtml(partial(sentence, a.action, a.before, a.after,
                                             unit=about.name if about is not None else "",
                                             refused=a.outcome == "refused", today=today, names=names)),
                }))
            if not rows:
                lines.append(Msg("org.none"))
            return Outcome("info", lines, {"count": len(rows)})

        return self._run(run)
