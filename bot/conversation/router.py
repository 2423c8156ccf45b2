"""The one router: a Turn in, Reply items out, for every channel.

It holds the command table (bot.core.commands), the single role gate with its refusal audit, /start and
/trogiup, unknown commands, the free-text report path, edits and button presses. Each command's work
(bot/conversation/commands.py) and the caller look-up run through `Worker.blocking` (a worker thread on
PostgreSQL, see bot/conversation/work.py); summaries and charts always in a thread. What differs between
channels is data (`Channel`), never a second copy of the logic.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable
from dataclasses import replace
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from bot.conversation import translate
from bot.conversation.channel import Channel
from bot.conversation.turn import Reply, Turn, text_reply
from bot.core.access import Caller
from bot.core.audit import log_refusal
from bot.core.commands import BY_NAME, Role
from bot.core.fmt import esc
from bot.core.reports import Outcome
from bot.core.setup import example_unit, guides, setup_of
from bot.delivery.scheduling import ChatService
from bot.texts import t
from storage.db import unavailable

if TYPE_CHECKING:
    from bot.bootstrap import Container
    from bot.core.services import Services

log = logging.getLogger(__name__)

T = TypeVar("T")
ROLES = (Role.NONE, Role.MEMBER, Role.LEADER, Role.ADMIN)
#: commands whose work is CPU-heavy (a roll-up and its chart): always in a worker thread
HEAVY = frozenset({"tonghop"})
_UNDO_ID = re.compile(r"[0-9]{1,18}")  # a forged u:99999999999999999999 is no int64


def caller_key(svc: Services, channel: str, user_id: str, user_name: str) -> tuple[object, ...]:
    """The cache key of a caller (`Conversation.caller`). Who is a global admin is part of who is speaking
    (ADMIN_IDS, read when the caller is looked up)."""
    return ("caller", channel, user_id, user_name, tuple(svc.settings.admin_ids))


def know_callers(svc: Services, channel: str, users: list[tuple[str, str]]) -> None:
    """The senders (user id, name) of a batch of updates that are on the roster, looked up in one statement
    and cached as `Conversation.caller` caches them, before their updates are handled one by one (in an
    evening burst most senders write their first message of the day: one look-up each otherwise)."""
    wanted = {caller_key(svc, channel, uid, name): (uid, name) for uid, name in users}

    def load(missing: list[tuple[object, ...]]) -> dict[tuple[object, ...], Caller]:
        found = svc.roster_callers(channel, [wanted[k] for k in missing])
        return {k: found[wanted[k]] for k in missing if wanted[k] in found}

    svc.db.cached_many(list(wanted), load)


class LinkCodes(Protocol):
    """One person on two channels (bot/channels/zalo/linking.LinkService)."""

    def new_code(self, caller: Caller, *, private: bool = True, channel: str = "zalo") -> Any: ...
    def redeem(self, channel: str, external_id: str, name: str, code: str) -> Any: ...
    def unlink(self, channel: str, external_id: str, name: str = "") -> Any: ...
    def is_code(self, text: str) -> bool: ...


class Conversation:
    def __init__(self, container: Container, channel: Channel, *, links: LinkCodes | None = None) -> None:
        from bot.conversation.commands import STEPS

        svc = container.svc
        self.container = container
        self.svc = svc
        self.channel = channel
        self.links = links
        self.worker = container.worker
        self.reports = container.reports
        self.org = container.org
        self.views = container.views
        self.schedule = container.schedule
        self.chats = ChatService(svc, channel.name)
        self.steps = STEPS
        #: confirmation ids trail behind (set by a channel whose intake flushes them: bot/core/intake.py)
        self.replies_behind = False

    # ---- entry ----------------------------------------------------------------------------------

    async def handle(self, turn: Turn, reads_group: Callable[[], Awaitable[bool]] | None = None) -> list[Reply]:
        """The replies to one turn ([] = say nothing). `reads_group`: whether the bot sees ordinary group
        messages (asked only where the channel's help says so)."""
        if turn.button is not None:
            return await self.worker.blocking(self._press, turn)
        if turn.command is None:
            return await self.worker.blocking(self._free_text, turn)
        return await self._command_turn(turn, reads_group)

    async def _command_turn(self, turn: Turn, reads_group: Callable[[], Awaitable[bool]] | None) -> list[Reply]:
        assert turn.command is not None
        typed = turn.command.lower()
        spec = BY_NAME.get(typed)
        name = spec.name if spec is not None else typed
        if name not in self.channel.commands and self.channel.unsupported == "err.unknown_command":
            lang = self.svc.settings.language
            return [text_reply(t("err.unknown_command", lang, command=esc(turn.command[:32])), lang=lang)]
        if name == "trogiup" and turn.is_group and self.channel.help.privacy_note and reads_group is not None:
            turn = replace(turn, bot_reads_group=await reads_group())
        run = self.worker.thread if name in HEAVY else self.worker.blocking
        return await run(self._command, turn, name)

    def caller(self, turn: Turn) -> Caller:
        """Who sent the turn. Roster members are cached (`Database.cached`: dropped on any roster or unit
        change made by this process, or on PostgreSQL by another one (storage/notify.py), at most CACHE_TTL
        old otherwise); strangers are looked up every time,
        so that someone who just joined (perhaps through another worker) is recognised at once."""
        svc = self.svc
        key = caller_key(svc, turn.channel, turn.user_id, turn.user_name)
        found = svc.db.cached(key, lambda: svc.caller(turn.channel, turn.user_id, turn.user_name))
        if not found.on_roster:
            svc.db.forget(key)
        return found

    async def caller_async(self, turn: Turn) -> Caller:
        return await self.worker.blocking(self.caller, turn)

    # ---- the role gate --------------------------------------------------------------------------

    def gate(self, caller: Caller, name: str) -> Reply | None:
        """None if the caller may use the command, else the refusal (audited)."""
        spec = BY_NAME.get(name)
        if spec is None or spec.role == Role.NONE or name in self.channel.ungated or caller.has_role(spec.role):
            return None
        lang = caller.language
        key = "err.not_member" if not caller.on_roster and not caller.global_admin else "err.role"
        log_refusal(self.svc, caller, spec.name, reason=key)
        return text_reply(t(key, lang, command=spec.name, role=t(f"role.{spec.role.name.lower()}", lang)))

    def _command(self, turn: Turn, name: str) -> list[Reply]:
        caller = self.caller(turn)
        refusal = self.gate(caller, name)
        if refusal is not None:
            return _written(caller, [refusal, *self._track(turn)])
        step = self.steps.get(name)
        if step is None or name not in self.channel.commands:
            replies = [text_reply(t(self.channel.unsupported, caller.language, command=esc(name)))]
        else:
            replies = step(self, turn, caller)
        return _written(caller, replies + self._track(turn))

    # ---- reports: free text, edits, buttons -----------------------------------------------------

    def _free_text(self, turn: Turn) -> list[Reply]:
        caller = self.caller(turn)
        if turn.revision is not None:
            return _written(caller, self._edited(turn, caller))
        return _written(caller, self.report(turn, caller, turn.text, is_command=False) + self._track(turn))

    def report(self, turn: Turn, caller: Caller, text: str, *, is_command: bool) -> list[Reply]:
        out = self.reports.submit(caller, turn.chat_id, turn.message_id, text)
        lang = caller.language
        if out.status == "ignored" and not is_command:
            hint = self.channel.hint
            return [text_reply(t(hint, lang))] if hint and turn.addressed else []
        replies = translate.report(out, lang, is_command=is_command, resends=self.channel.records_replies)
        return self._confirm_style(turn, out, replies)

    def _edited(self, turn: Turn, caller: Caller) -> list[Reply]:
        assert turn.revision is not None
        out = self.reports.edit(caller, turn.chat_id, turn.message_id, turn.text, turn.revision)
        if out.status == "ignored" or (out.status == "duplicate" and not out.resend):
            return []
        replies = translate.report(out, caller.language, is_command=False, resends=self.channel.records_replies)
        return self._confirm_style(turn, out, replies)  # an edit is a correction: always its reply

    def _press(self, turn: Turn) -> list[Reply]:
        """A button under a confirmation (u:<report>) or a question (cf|cx|sa|st:<token>)."""
        assert turn.button is not None
        caller = self.caller(turn)
        lang = caller.language
        kind, _, arg = turn.button.partition(":")
        if kind == "u" and _UNDO_ID.fullmatch(arg):
            return _written(caller, translate.undo_press(self.reports.undo(caller, int(arg)), lang))
        if kind in ("cf", "cx", "sa", "st") and len(arg) <= 32:
            share = {"sa": "add", "st": "total"}.get(kind)
            out = self.reports.confirm(caller, arg, accept=kind != "cx", share=share)
            self._confirm_style(turn, out, [])  # stored after a question: in the chat's next digest
            return _written(caller, translate.confirmation(out, lang, pressed=True))
        return [Reply(kind="alert", lang=lang)]

    def _confirm_style(self, turn: Turn, out: Outcome, replies: list[Reply]) -> list[Reply]:
        """In a group in the "reaction" confirmation style (bot/core/confirm.py) a plain stored report of a
        fresh message is confirmed by a reaction on it (its text kept for a fallback), and every stored
        report is noted for the chat's digest. Everything else keeps its reply."""
        if out.status not in ("stored", "duplicate") or not turn.is_group or not self.channel.reactions:
            return replies
        confirms = self.container.confirms
        if confirms.style(self.channel.name, turn.chat_id) != "reaction":
            return replies
        if out.status == "stored":
            confirms.stored_in(self.channel.name, turn.chat_id)
        if turn.revision is not None or turn.button is not None or not translate.plain(out):
            return replies
        return [replace(r, react=True) if r.kind == "confirmation" else r for r in replies]

    async def record_reply(self, report_id: int | None, message_id: int) -> None:
        """Record a confirmation's message id. The report was committed and confirmed: a failure here (the
        database dropped after the commit) must never turn into «CHƯA ghi» — at worst a re-delivery of the
        update sends the confirmation again."""
        if self.replies_behind:  # written with the next intake transaction (storage/behind.py)
            self.reports.set_reply(report_id, message_id, later=True)
            return
        try:
            await self.worker.blocking(self.reports.set_reply, report_id, message_id)
        except Exception as exc:  # noqa: BLE001 - see the docstring: whatever failed, the report is stored
            level = logging.WARNING if unavailable(exc) else logging.ERROR
            log.log(level, "report stored and confirmed; its reply id could not be recorded (%s)", type(exc).__name__)

    # ---- help -----------------------------------------------------------------------------------

    def start(self, turn: Turn, caller: Caller) -> str:
        lang = caller.language
        name = esc(turn.first_name)
        if self.channel.help.start_menu:
            key = "start.member" if caller.on_roster else "start.stranger"
            return "\n".join([t(key, lang, name=name), "", *self._menu(caller, title=False)])
        if guides(caller):  # an ADMIN_IDS admin: the guided setup, until it is done (bot.core.setup)
            setup = setup_of(self.svc)
            if not setup.complete:
                return t("setup.hello", lang, name=name) + "\n\n" + setup.checklist(lang)
        key = "start.member" if caller.on_roster or guides(caller) else "start.stranger"
        return t(key, lang, name=name) + "\n\n" + t(self.channel.help.report, lang, unit=self._example(caller))

    def help(self, turn: Turn, caller: Caller) -> str:
        lang = caller.language
        wanted = turn.args.lstrip("/").split("@")[0].strip().lower()
        if wanted and self.channel.help.details:
            spec = BY_NAME.get(wanted)
            if spec is None:
                return t("help.no_such", lang, command=esc(wanted[:32]))
            return t("help.command", lang, name=spec.name, alias=spec.alias, desc=t(f"cmd.{spec.name}", lang),
                     usage=t(f"usage.{spec.name}", lang))
        privacy = turn.is_group and self.channel.help.privacy_note and not turn.bot_reads_group
        return "\n".join(self._menu(caller, title=True, privacy=privacy))

    def _example(self, caller: Caller) -> str:
        return esc(example_unit(self.svc, caller))

    def _menu(self, caller: Caller, *, title: bool, privacy: bool = False) -> list[str]:
        lang, h = caller.language, self.channel.help
        lines = [t(h.title, lang)] if title else []
        lines += [t(h.report, lang, unit=self._example(caller)), ""]
        for role in ROLES:
            names = [n for n in self.channel.commands
                     if n in BY_NAME and BY_NAME[n].role == role and n not in h.hidden]
            if not names or (role > Role.MEMBER and not caller.has_role(role)):
                continue
            lines.append(t(f"help.section.{role.name.lower()}", lang))
            lines += [t(h.line, lang, name=n, alias=BY_NAME[n].alias, desc=t(f"cmd.{n}", lang)) for n in names]
        if privacy:
            lines += ["", t("help.privacy", lang)]
        for key in h.tail:
            lines += ["", t(key, lang)]
        return lines

    # ---- after every message: a leader's private chat gets their unit's scheduled messages ---------

    def _track(self, turn: Turn) -> list[Reply]:
        if turn.is_group or not self.channel.track_private:
            return []
        caller = self.svc.caller(turn.channel, turn.user_id, turn.user_name)  # fresh: they may have just joined
        text = self.chats.bind_private(caller, turn.chat_id)
        return [text_reply(text)] if text else []

    def budget_mode(self, chat_id: str) -> str:
        return self.chats.budget_mode(chat_id)


def _written(caller: Caller, replies: list[Reply]) -> list[Reply]:
    return [replace(r, lang=caller.language) for r in replies]
