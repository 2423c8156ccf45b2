"""Zalo chats' schedule switch, message budget, leaders' private chats and pending answers."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from bot.core import audit, fmt
from bot.core.access import Caller
from bot.core.commands import Role
from bot.core.fmt import esc
from bot.core.services import Services
from bot.texts import t
from storage import link_repo, repo, schedule_repo, zalo_repo
from storage.models import Unit

# ---------------------------------------------------------------------------------------------
# A chat's own settings where the channel has no full /lich (Zalo): show/switch, message budget,
# leaders' private chats, the question waiting for a typed answer
# ---------------------------------------------------------------------------------------------

ZALO_ON_WORDS = frozenset({"bat", "bật", "on", "mo", "mở"})
ZALO_OFF_WORDS = frozenset({"tat", "tắt", "off", "dung", "dừng"})
BUDGET_WORDS: dict[str, str] = {"gop": "batched", "gộp": "batched", "batch": "batched", "tonghop": "summaries",
                                "tổnghợp": "summaries", "summaries": "summaries", "tat": "full", "tắt": "full",
                                "off": "full"}
PENDING_MAX_AGE = timedelta(days=1)


class ChatService:
    """Per-chat settings of a channel, by its external chat id (the Zalo `lich`, `tietkiem`, private chats)."""

    def __init__(self, svc: Services, channel: str) -> None:
        self.svc = svc
        self.channel = channel

    def _bound(self, s: Any, chat_id: str) -> tuple[Any, Unit | None]:
        chat = repo.chat_by_external(s, self.channel, chat_id)
        unit = repo.unit_by_id(s, chat.unit_id) if chat is not None and chat.unit_id is not None else None
        return chat, unit

    def lich(self, caller: Caller, chat_id: str, args: str) -> str:
        """Show this chat's schedule; ``lich tat`` / ``lich bat`` switch its reminders and summaries."""
        lang = caller.language
        word = args.strip().lower()
        st = self.svc.settings
        with self.svc.db.session() as s:
            chat, unit = self._bound(s, chat_id)
            if chat is None or unit is None:
                return t("lich.unbound", lang)
            if not caller.can(Role.LEADER, unit):
                audit.log_refusal(self.svc, caller, "lich", reason="scope", unit_id=unit.id)
                return t("lich.scope", lang, unit=esc(unit.name))
            if word not in ZALO_ON_WORDS | ZALO_OFF_WORDS:
                off = t("zalo.off", lang)
                return t("zalo.lich_show", lang, unit=esc(unit.name),
                         reminder=(chat.reminder_time or st.default_reminder_time).strftime("%H:%M")
                         if chat.reminders_enabled else off,
                         summary=(chat.summary_time or st.default_summary_time).strftime("%H:%M")
                         if chat.summaries_enabled else off)
            on = word in ZALO_ON_WORDS
            schedule_repo.update_chat(s, chat.id, reminders_enabled=on, summaries_enabled=on, active=True,
                                      disabled_reason=None)
            unit_id = unit.id
        audit.record(self.svc, caller, "schedule.change", unit_id=unit_id, after={"chat": chat_id, "enabled": on})
        return t("zalo.lich_on" if on else "zalo.lich_off", lang)

    def budget(self, caller: Caller, chat_id: str, is_group: bool, args: str) -> str:
        """``tietkiem`` shows, ``tietkiem gop|tonghop|tat`` sets a group's budget mode (leaders of its unit)."""
        lang = caller.language
        word = args.strip().lower().replace(" ", "")
        minutes = fmt.num(self.svc.settings.zalo_batch_minutes, lang)
        with self.svc.db.session() as s:
            chat, unit = self._bound(s, chat_id)
            if not is_group or chat is None or unit is None:
                return t("zalo.budget_group_only", lang)
            if not caller.can(Role.LEADER, unit):
                audit.log_refusal(self.svc, caller, "tietkiem", reason="scope", unit_id=unit.id)
                return t("lich.scope", lang, unit=esc(unit.name))
            if not word:
                current = zalo_repo.budget_mode(s, self.channel, chat_id)
                return t("zalo.budget_show", lang, mode=t(f"zalo.budget_mode.{current}", lang), minutes=minutes)
            mode = BUDGET_WORDS.get(word)
            if mode is None:
                return t("err.usage", lang, usage=t("usage.tietkiem", lang))
            zalo_repo.set_budget_mode(s, chat.id, mode)
            unit_id = unit.id
        audit.record(self.svc, caller, "chat.budget", unit_id=unit_id, after={"chat": chat_id, "mode": mode})
        return t("zalo.budget_set", lang, mode=t(f"zalo.budget_mode.{mode}", lang))

    def budget_mode(self, chat_id: str) -> str:
        with self.svc.db.session() as s:
            return zalo_repo.budget_mode(s, self.channel, chat_id)

    def bind_private(self, caller: Caller, chat_id: str) -> str | None:
        """A leader's first private message binds that chat to their unit; the text telling them so, or None."""
        if caller.unit_id is None or not caller.has_role(Role.LEADER):
            return None
        st = self.svc.settings
        with self.svc.db.session() as s:
            if repo.chat_by_external(s, self.channel, chat_id) is not None:
                return None
            unit = repo.unit_by_id(s, caller.unit_id)
            if unit is None:
                return None
            chat = repo.get_or_create_chat(s, self.channel, chat_id, caller.name)
            repo.bind_chat(s, chat, unit)
            unit_name, unit_id = unit.name, unit.id
        audit.record(self.svc, caller, "chat.bind", unit_id=unit_id,
                     after={"chat": chat_id, "channel": self.channel, "private": True})
        return t("zalo.private_bound", caller.language, unit=esc(unit_name),
                 reminder=st.default_reminder_time.strftime("%H:%M"), summary=st.default_summary_time.strftime("%H:%M"))

    def pending_token(self, caller: Caller, chat_id: str) -> str | None:
        """The caller's newest question in this chat still waiting for a typed answer."""
        if caller.member_id is None:
            return None
        with self.svc.db.session() as s:
            pending = link_repo.latest_pending(s, caller.member_id, self.channel, chat_id,
                                               self.svc.clock() - PENDING_MAX_AGE)
            return pending.token if pending is not None else None

    def is_linked(self, user_id: str) -> bool:
        """This account is the second account of a linked member."""
        with self.svc.db.session() as s:
            row = repo.member_by_external(s, self.channel, user_id)
            return row is not None and row.linked_member_id is not None
