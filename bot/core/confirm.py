"""A chat's confirmation style (docs/telegram-limits.md): ``reply`` (the default: every stored report gets
its confirmation message) or ``reaction`` (a plain stored report gets 👍 on the member's own message, and the
chat gets a short digest of what was stored every REACTION_DIGEST_MINUTES). Times are the service clock's,
as the reports' own `created_at`.

The digest is derived from the stored reports, never from what was sent: each one is a range of the chat's
report ids, (after_id, upto_id], written to `confirm_digests` before it is sent, and the next range starts
where the newest one ends. Ranges are contiguous and cannot overlap (unique per chat and start), so a report
is in exactly one digest; a range that could not be sent yet is retried, its content read again.
"""

from __future__ import annotations

import logging
import threading
import time
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from bot.core import audit, fmt
from bot.core.access import Caller
from bot.core.commands import Role
from bot.core.fmt import esc
from bot.core.org.words import squash
from bot.core.services import Services
from bot.texts import t
from storage import confirm_repo, repo
from storage.confirm_repo import DigestLine, DueDigest

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

log = logging.getLogger(__name__)

#: the reaction of a plain stored report: in the Bot API's list of ReactionTypeEmoji emoji
REACTION_EMOJI = "👍"
STYLE_WORDS: dict[str, str] = {
    "traloi": "reply", "reply": "reply", "tinnhan": "reply", "tat": "reply", "off": "reply",
    "camxuc": "reaction", "reaction": "reaction", "react": "reaction", "like": "reaction", "thich": "reaction",
}
#: a report stored this recently waits for the next digest (its transaction may still be committing)
DIGEST_SETTLE = timedelta(seconds=10)
#: an attempt in progress: another worker leaves the digest alone this long
DIGEST_LEASE = timedelta(minutes=2)
#: pauses between attempts to send a digest; given up (stale) after DIGEST_STALE
DIGEST_BACKOFF = (5.0, 15.0, 30.0, 60.0, 120.0)
DIGEST_STALE = timedelta(hours=6)
#: every reaction-style chat is looked at this often (else only the chats that had a report since)
SWEEP_SECONDS = 600.0


class ConfirmStyles:
    """The style of each chat (cached), the `/kieuxacnhan` command and the digests' ranges."""

    def __init__(self, svc: Services) -> None:
        self.svc = svc
        self._lock = threading.Lock()
        self._dirty: set[tuple[str, str]] = set()  # (channel, chat) with a report since its last look
        self._swept: dict[str, float] = {}  # channel -> when every reaction chat was last looked at

    # ---- the style -----------------------------------------------------------------------------------

    def style(self, channel: str, chat_id: str) -> str:
        """``reply`` or ``reaction`` (cached: a change in another process is seen within CACHE_TTL)."""
        db = self.svc.db

        def load() -> str:
            with db.session() as s:
                return confirm_repo.confirm_style(s, channel, chat_id)

        return db.cached(("confirm_style", channel, chat_id), load)

    def stored_in(self, channel: str, chat_id: str) -> None:
        """A report was stored in that chat: its digest is looked at on the next round."""
        with self._lock:
            self._dirty.add((channel, chat_id))

    def command(self, caller: Caller, channel: str, chat_id: str, is_group: bool, args: str, *,
                reactions: bool) -> str:
        """``/kieuxacnhan`` shows the group's style; ``/kieuxacnhan camxuc|traloi`` sets it (leaders of the
        group's unit). `reactions`: the channel can react to a message (else it always replies)."""
        lang = caller.language
        word = squash(args)
        with self.svc.db.session() as s:
            chat = repo.chat_by_external(s, channel, chat_id)
            unit = repo.unit_by_id(s, chat.unit_id) if chat is not None and chat.unit_id is not None else None
            if not is_group or chat is None or unit is None:
                return t("cfs.group_only", lang)
            if not caller.can(Role.LEADER, unit):
                audit.log_refusal(self.svc, caller, "kieuxacnhan", reason="scope", unit_id=unit.id)
                return t("lich.scope", lang, unit=esc(unit.name))
            minutes = fmt.num(self.svc.settings.reaction_digest_minutes, lang)
            if not reactions:
                return t("cfs.no_reactions", lang)
            current = confirm_repo.confirm_style(s, channel, chat_id)
            if not word:
                return t("cfs.show", lang, style=t(f"cfs.style.{current}", lang), minutes=minutes)
            style = STYLE_WORDS.get(word)
            if style is None:
                return t("cfs.bad_word", lang, word=esc(args.strip()[:40])) + "\n" + t(
                    "err.usage", lang, usage=t("usage.kieuxacnhan", lang))
            if style == current:
                return t("cfs.unchanged", lang, style=t(f"cfs.style.{style}", lang))
            self._switch(s, chat.id, channel, chat_id, style)
            unit_id = unit.id
        self.svc.db.forget(("confirm_style", channel, chat_id))
        audit.record(self.svc, caller, "chat.confirm_style", unit_id=unit_id,
                     after={"chat": chat_id, "style": style})
        return t(f"cfs.set.{style}", lang, minutes=minutes)

    def _switch(self, s: Session, chat_pk: int, channel: str, chat_id: str, style: str) -> None:
        """Reports up to now were replied to (-> reaction: skipped by the digests), or are owed a digest
        (-> reply: the last one is written now, sent by the next round)."""
        now = self.svc.clock()
        mark = confirm_repo.digest_mark(s, chat_pk)
        newest = confirm_repo.newest_report_id(s, channel, chat_id, mark)
        if newest > mark:
            confirm_repo.open_range(s, chat_pk, mark, newest, now, status="mark" if style == "reaction" else "pending")
        confirm_repo.set_confirm_style(s, chat_pk, style)

    # ---- the digests ---------------------------------------------------------------------------------

    def plan(self, channel: str, now: datetime | None = None) -> list[DueDigest]:
        """Write the range of every chat whose oldest undigested report is REACTION_DIGEST_MINUTES old, and
        return every digest due to be sent (new ones, and earlier ones not sent yet)."""
        now = now or self.svc.clock()
        interval = timedelta(minutes=self.svc.settings.reaction_digest_minutes)
        with self._lock:
            dirty = {c for ch, c in self._dirty if ch == channel}
            self._dirty -= {(channel, c) for c in dirty}
        sweep = time.monotonic() - self._swept.get(channel, float("-inf")) >= SWEEP_SECONDS
        keep: set[str] = set()
        with self.svc.db.session() as s:
            for chat in confirm_repo.digest_chats(s, channel):
                if not sweep and chat.external_id not in dirty:
                    continue
                if confirm_repo.has_pending(s, chat.id):  # the digest before is sent first (it is retried)
                    keep.add(chat.external_id)
                    continue
                mark = confirm_repo.digest_mark(s, chat.id)
                oldest = confirm_repo.oldest_report_at(s, channel, chat.external_id, mark)
                if oldest is None:
                    continue
                if oldest > now - interval:
                    keep.add(chat.external_id)  # not due yet: looked at again next round
                    continue
                upto = confirm_repo.newest_report_id(s, channel, chat.external_id, mark, now - DIGEST_SETTLE)
                if upto > mark:
                    confirm_repo.open_range(s, chat.id, mark, upto, now)
                if confirm_repo.newest_report_id(s, channel, chat.external_id, upto) > upto:
                    keep.add(chat.external_id)  # stored while settling: the next digest
            due = confirm_repo.due_digests(s, channel, now)
        if sweep:
            self._swept[channel] = time.monotonic()
        with self._lock:
            self._dirty |= {(channel, c) for c in keep}
        return due

    def claim(self, row: DueDigest, now: datetime | None = None) -> str:
        """"go" (this worker sends it), "taken" (another does) or "stale" (given up: too old)."""
        now = now or self.svc.clock()
        with self.svc.db.session() as s:
            if now - row.created_at > DIGEST_STALE:
                confirm_repo.finish_digest(s, row.id, "stale", now)
                log.warning("digest of chat %s given up after %d attempts (its reports were confirmed by 👍)",
                            row.external_id, row.attempts)
                return "stale"
            return "go" if confirm_repo.claim_digest(s, row.id, row.attempts, now, now + DIGEST_LEASE) else "taken"

    def lines(self, channel: str, row: DueDigest) -> list[DigestLine]:
        with self.svc.db.session() as s:
            return confirm_repo.digest_lines(s, channel, row.external_id, row.after_id, row.upto_id)

    def finish(self, row: DueDigest, status: str, *, message_id: int | None = None, error: str | None = None) -> None:
        """sent | empty | gone (permanent refusal) | pending (try again after a pause)."""
        now = self.svc.clock()
        nxt = None
        if status == "pending":
            nxt = now + timedelta(seconds=DIGEST_BACKOFF[min(row.attempts, len(DIGEST_BACKOFF) - 1)])
        with self.svc.db.session() as s:
            confirm_repo.finish_digest(s, row.id, status, now, sent_message_id=message_id, error=error,
                                       next_attempt_at=nxt)
