"""One Zalo message -> the same domain services the Telegram handlers call -> the replies to send.

The dispatcher does no I/O with Zalo: it returns `Out` items (text, or a photo URL) and the runner sends
them. Everything it computes comes from the channel-neutral services: ``ReportService`` (bot/reports/)
for reports, undo and confirmations, ``OrgService`` (bot/org/) for joining and admin commands,
``ScheduleService`` for /tonghop, ``LinkService`` for linking accounts, and the leader views and exports
(bot/views.py, bot/export.py); charts and files go out as signed links. Text comes from the same catalog,
rendered by bot/render.py, then made Zalo-shaped (plain text, typed words instead of buttons).
"""

from __future__ import annotations

import hashlib
import json
import logging
import secrets
import time as _time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Any, ClassVar

from bot import fmt, render
from bot.access import Caller
from bot.audit import log_refusal, record
from bot.bootstrap import Container
from bot.charts import metric_label
from bot.commands import BY_NAME, Role
from bot.days import DayError, error_text
from bot.export import ExportError
from bot.export import file_name as export_file_name
from bot.export import parse_args as parse_export_args
from bot.fmt import esc
from bot.org import ChatRef, Msg
from bot.org import Outcome as OrgOutcome
from bot.reports import Outcome
from bot.texts import t
from bot.views import render_missing, render_progress, render_rank, split_metric, view_args
from bot.zalo import CHANNEL
from bot.zalo.linking import is_code
from bot.zalo.text import Command, for_zalo, parse_command, strip_mention
from bot.zalo.web import CHART_TTL, EXPORT_TTL, File, LinkSigner
from storage import link_repo, repo, schedule_repo, zalo_repo

log = logging.getLogger(__name__)

PENDING_MAX_AGE = timedelta(days=1)
TEXT_EVENTS = ("message.text.received", "message.text", "text", "")
#: on Zalo "lienket 123456" links an account: strangers may type it (the handler checks roles itself)
UNGATED = frozenset({"lienket", "lienketzalo"})


# ---- incoming -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Incoming:
    """A Zalo message, normalised (ids are strings whatever Zalo sent)."""

    event: str
    chat_id: str
    is_group: bool
    user_id: str
    name: str
    text: str
    message_id: str
    date_ms: int | None = None
    is_bot: bool = False
    addressed: bool = False  # a group message meant for the bot without a mention (an OA reads every one)

    @property
    def is_text(self) -> bool:
        return self.event in TEXT_EVENTS or (self.event.endswith(".text.received"))


def _s(value: Any) -> str:
    return "" if value is None else str(value).strip()


def parse_update(raw: dict[str, Any]) -> Incoming | None:
    """A Zalo update (``{"event_name", "message": {...}}``, possibly wrapped in ``result``) -> Incoming."""
    if not isinstance(raw, dict):
        return None
    if "message" not in raw and isinstance(raw.get("result"), dict):
        raw = raw["result"]
    msg = raw.get("message")
    if not isinstance(msg, dict):
        return None
    chat: dict[str, Any] = msg["chat"] if isinstance(msg.get("chat"), dict) else {}
    sender: dict[str, Any] = msg["from"] if isinstance(msg.get("from"), dict) else {}
    user_id = _s(sender.get("id"))
    chat_id = _s(chat.get("id")) or user_id
    if not chat_id or not user_id:
        return None
    chat_type = _s(chat.get("chat_type") or chat.get("type")).upper()
    name = _s(sender.get("display_name") or sender.get("name") or sender.get("first_name")) or user_id
    event = _s(raw.get("event_name"))
    text = msg.get("text")
    if not isinstance(text, str):
        text = ""
    date = msg.get("date")
    return Incoming(
        event=event, chat_id=chat_id, is_group=chat_type in ("GROUP", "SUPERGROUP"), user_id=user_id,
        name=name[:120], text=text, message_id=_s(msg.get("message_id")) or _derived_id(raw),
        date_ms=int(date) if isinstance(date, int | float) else None, is_bot=bool(sender.get("is_bot")),
    )


def _derived_id(raw: dict[str, Any]) -> str:
    """A stable id for an update without ``message_id``: the digest of the whole update, so that a
    re-delivery of the same update gets the same key and two different messages never share one
    (``chat:date`` collapsed every id-less, date-less message of a chat into one key)."""
    canon = json.dumps(raw, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return "h:" + hashlib.sha256(canon.encode("utf-8")).hexdigest()[:32]


def message_key(message_id: str) -> int:
    """Zalo message ids are strings ("16f6366b3f02645a3d15"): a stable 63-bit integer for the reports table."""
    if message_id.isdigit() and int(message_id) < 2 ** 63:
        return int(message_id)
    return int.from_bytes(hashlib.sha256(message_id.encode("utf-8")).digest()[:8], "big") & (2 ** 63 - 1)


# ---- outgoing -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Out:
    """One thing to send back: a text, or a photo by URL with a caption."""

    text: str | None = None
    photo_url: str | None = None
    caption: str | None = None
    confirm: bool = False  # a report's confirmation: batched or left out in a group's budget mode


class BlobCache:
    """Short-lived in-memory files (a chart made for one /tonghop), fetched through signed links."""

    def __init__(self, size: int = 200, ttl: float = CHART_TTL.total_seconds()) -> None:
        self.size, self.ttl = size, ttl
        self._items: OrderedDict[str, tuple[float, File]] = OrderedDict()

    def put(self, f: File) -> str:
        key = secrets.token_urlsafe(12)
        self._items[key] = (_time.monotonic() + self.ttl, f)
        while len(self._items) > self.size:
            self._items.popitem(last=False)
        return key

    def get(self, key: str) -> File | None:
        item = self._items.get(key)
        if item is None or item[0] < _time.monotonic():
            return None
        return item[1]


Handler = Callable[[Caller, Incoming, Command], list[Out]]


class ZaloDispatcher:
    def __init__(self, container: Container, signer: LinkSigner | None = None, *, blobs: BlobCache | None = None,
                 bot_names: tuple[str, ...] = (), channel: str = CHANNEL, bot_id: str | None = None) -> None:
        self.svc = container.svc
        self.channel = channel  # "zalo" (Bot Platform) or "zalo_oa" (Official Account): same logic, own ids
        self.bot_id = bot_id  # updates sent by this id are the bot's own messages coming back
        self.track_private = True  # bind leaders' private chats for scheduled messages (not on the OA)
        self.signer = signer
        self.blobs = blobs or BlobCache()
        self.bot_names = bot_names
        self.reports, self.org, self.links = container.reports, container.org, container.links
        self.views, self.schedule = container.views, container.schedule
        self.official, self.indicators = container.official, container.indicators
        self.handlers: dict[str, Handler] = {
            "start": self._help, "trogiup": self._help, "dangky": self._join, "baocao": self._report_cmd,
            "huy": self._undo, "xacnhan": self._confirm, "huybo": self._confirm, "tiendo": self._view,
            "cong": self._confirm, "tong": self._confirm,
            "tonghop": self._summary, "xephang": self._view, "chuabaocao": self._view, "bieudo": self._view,
            "xuat": self._view, "madangky": self._org, "donvi": self._org, "chitieu": self._org, "moc": self._org,
            "thanhvien": self._org, "nhatky": self._org, "lienket": self._bind_or_link, "lich": self._lich,
            "nhap": self._not_here, "lienketzalo": self._link_elsewhere, "huylienketzalo": self._unlink,
            "tietkiem": self._budget, "chinhthuc": self._official, "chiso": self._indicator,
        }

    # ---- entry ----------------------------------------------------------------------------------

    def handle(self, msg: Incoming) -> list[Out]:
        """The replies to one incoming message ([] = say nothing)."""
        if msg.is_bot or not msg.is_text or (self.bot_id is not None and msg.user_id == self.bot_id):
            return []  # the bot's own messages can come back as updates: never answer them
        text = strip_mention(msg.text, self.bot_names) if msg.is_group else msg.text.strip()
        addressed = not msg.is_group or msg.text.lstrip().startswith("@") or msg.addressed
        if not text:
            return []
        caller = self.svc.caller(self.channel, msg.user_id, msg.name)
        cmd = parse_command(text)
        if cmd is not None and cmd.name in ("cong", "tong") and cmd.args:
            cmd = None  # "Tổng Thôn 3: 24" is a report, not the answer word
        if cmd is None:
            outs = self._report(caller, msg, text, addressed=addressed, is_command=False)
        else:
            outs = self._command(caller, msg, cmd)
        return outs + self._track_private_chat(msg)

    def _command(self, caller: Caller, msg: Incoming, cmd: Command) -> list[Out]:
        lang = caller.language
        spec = BY_NAME.get(cmd.name)
        gated = spec is not None and spec.role > Role.NONE and cmd.name not in UNGATED
        if gated and spec is not None and not caller.has_role(spec.role):
            key = "err.not_member" if not caller.on_roster and not caller.global_admin else "err.role"
            log_refusal(self.svc, caller, spec.name, reason=key)
            return [self._text(t(key, lang, command=spec.name, role=t(f"role.{spec.role.name.lower()}", lang)), lang)]
        handler = self.handlers.get(cmd.name)
        if handler is None:
            return [self._text(t("zalo.not_yet", lang, command=esc(cmd.name)), lang)]
        return handler(caller, msg, cmd)

    # ---- helpers --------------------------------------------------------------------------------

    @staticmethod
    def _text(text: str, lang: str) -> Out:
        return Out(text=for_zalo(text, lang))

    def _org_outs(self, out: OrgOutcome, lang: str) -> list[Out]:
        return [self._text(out.text(lang), lang)]

    # ---- reports --------------------------------------------------------------------------------

    def _report_cmd(self, caller: Caller, msg: Incoming, cmd: Command) -> list[Out]:
        return self._report(caller, msg, f"/baocao {cmd.args}".rstrip(), addressed=True, is_command=True)

    def _report(self, caller: Caller, msg: Incoming, text: str, *, addressed: bool, is_command: bool) -> list[Out]:
        out = self.reports.submit(caller, msg.chat_id, message_key(msg.message_id), text)
        if out.status == "ignored" and not is_command:
            return [self._text(t("zalo.hint", caller.language), caller.language)] if addressed else []
        return self._answer(out, caller.language, is_command=is_command)

    def _answer(self, out: Outcome, lang: str, *, is_command: bool) -> list[Out]:
        if out.status == "stored":
            return [replace(self._text(render.stored(out, lang), lang), confirm=True)]
        if out.status == "removed":
            return [self._text(render.removed(out, lang), lang)]
        if out.status == "confirm":
            return [self._text(render.confirm_question(out, lang), lang)]
        if out.status == "ask_share":
            return [self._text(render.share_question(out, lang), lang)]
        if out.status == "parse_error":
            return [self._text(render.parse_error(out, lang), lang)]
        if out.status == "refused":
            return [self._text(render.refused(out, lang), lang)]
        if out.status == "not_member":
            return [self._text(t("rep.not_member", lang), lang)]
        if out.status == "nothing" and out.no_report_units:
            return [self._text(t("rep.nothing_stored", lang, units=", ".join(out.no_report_units)), lang)]
        if out.status == "ignored" and is_command:
            return [self._text(render.parse_error(Outcome("parse_error", parse_error_code="no_value"), lang), lang)]
        return []

    def _undo(self, caller: Caller, msg: Incoming, cmd: Command) -> list[Out]:
        return self._answer(self.reports.undo(caller), caller.language, is_command=True)

    def _confirm(self, caller: Caller, msg: Incoming, cmd: Command) -> list[Out]:
        lang = caller.language
        if caller.member_id is None:
            return [self._text(t("rep.not_member", lang), lang)]
        with self.svc.db.session() as s:
            pending = link_repo.latest_pending(s, caller.member_id, self.channel, msg.chat_id,
                                               self.svc.clock() - PENDING_MAX_AGE)
            token = pending.token if pending is not None else None
        if token is None:
            return [self._text(t("zalo.no_pending", lang), lang)]
        share = {"cong": "add", "tong": "total"}.get(cmd.name)
        out = self.reports.confirm(caller, token, accept=cmd.name != "huybo", share=share)
        if out.status == "nothing":
            return [self._text(t("rep.cancelled", lang), lang)]
        if out.status in ("stored", "confirm", "ask_share"):
            return self._answer(out, lang, is_command=True)
        return [self._text(render.refused(out, lang) if out.error_key else t("rep.pending_gone", lang), lang)]

    # ---- roster, admin --------------------------------------------------------------------------

    def _join(self, caller: Caller, msg: Incoming, cmd: Command) -> list[Out]:
        if caller.on_roster and caller.member_id is not None and self._is_linked(msg.user_id):
            return [self._text(t("zalo.join_linked", caller.language), caller.language)]
        return self._org_outs(self.org.cmd_join(caller, cmd.args), caller.language)

    def _is_linked(self, user_id: str) -> bool:
        with self.svc.db.session() as s:
            row = repo.member_by_external(s, self.channel, user_id)
            return row is not None and row.linked_member_id is not None

    def _org(self, caller: Caller, msg: Incoming, cmd: Command) -> list[Out]:
        fn = {"madangky": self.org.cmd_join_code, "donvi": self.org.cmd_unit, "chitieu": self.org.cmd_target,
              "moc": self.org.cmd_baseline, "thanhvien": self.org.cmd_member, "nhatky": self.org.cmd_audit}[cmd.name]
        if cmd.name == "madangky" and msg.is_group:  # only the group's own code in a group (bot.org)
            out = self.org.join_code_in_chat(caller, self._chat_ref(msg), cmd.args)
            if out.data.get("private") is not None:
                out = OrgOutcome(out.status, [*out.msgs[:-1], Msg("org.join_code_private_failed")], out.data)
            return self._org_outs(out, caller.language)
        return self._org_outs(fn(caller, cmd.args), caller.language)

    def _official(self, caller: Caller, msg: Incoming, cmd: Command) -> list[Out]:
        return self._org_outs(self.official.cmd(caller, cmd.args), caller.language)

    def _indicator(self, caller: Caller, msg: Incoming, cmd: Command) -> list[Out]:
        return self._org_outs(self.indicators.cmd(caller, cmd.args), caller.language)

    def _chat_ref(self, msg: Incoming) -> ChatRef:
        return ChatRef(msg.chat_id, "group" if msg.is_group else "private", None, channel=self.channel)

    def _bind_or_link(self, caller: Caller, msg: Incoming, cmd: Command) -> list[Out]:
        lang = caller.language
        if is_code(cmd.args.replace(" ", "")):
            if msg.is_group:
                return [self._text(t("link.private_only_zalo", lang), lang)]
            res = self.links.redeem(self.channel, msg.user_id, msg.name, cmd.args.replace(" ", ""))
            return [self._text(res.text(lang), lang)]
        if not caller.has_role(Role.LEADER):  # "lienket" without a code, from a member: they meant linking
            return [self._text(t("link.how", lang), lang)]
        return self._org_outs(self.org.cmd_bind(caller, self._chat_ref(msg), cmd.args), lang)

    def _link_elsewhere(self, caller: Caller, msg: Incoming, cmd: Command) -> list[Out]:
        return [self._text(t("link.how", caller.language), caller.language)]

    def _unlink(self, caller: Caller, msg: Incoming, cmd: Command) -> list[Out]:
        res = self.links.unlink(self.channel, msg.user_id, msg.name)
        return [self._text(res.text(caller.language), caller.language)]

    def _not_here(self, caller: Caller, msg: Incoming, cmd: Command) -> list[Out]:
        return [self._text(t("zalo.not_here", caller.language, command=cmd.name), caller.language)]

    # ---- help -----------------------------------------------------------------------------------

    def _help(self, caller: Caller, msg: Incoming, cmd: Command) -> list[Out]:
        lang = caller.language
        lines = [t("zalo.help_title", lang)]
        if cmd.name == "start":
            key = "start.member" if caller.on_roster else "start.stranger"
            lines = [t(key, lang, name=esc(msg.name)), ""]
        lines += [t("zalo.help_report", lang), ""]
        for role in (Role.NONE, Role.MEMBER, Role.LEADER, Role.ADMIN):
            names = [n for n, spec in _specs().items() if spec.role == role and n in self.handlers
                     and n not in ("start", "nhap", "lienketzalo")]
            if not names or (role > Role.MEMBER and not caller.has_role(role)):
                continue
            lines.append(t(f"help.section.{role.name.lower()}", lang))
            lines += [t("zalo.help_line", lang, name=n, desc=t(f"cmd.{n}", lang)) for n in names]
        lines += ["", t("zalo.help_link", lang), "", t("zalo.disclosure", lang)]
        return [self._text("\n".join(lines), lang)]

    # ---- summaries and views --------------------------------------------------------------------

    def _bound_unit(self, chat_id: str) -> tuple[int, str] | None:
        with self.svc.db.session() as s:
            chat = repo.chat_by_external(s, self.channel, chat_id)
            if chat is None or chat.unit_id is None:
                return None
            unit = repo.unit_by_id(s, chat.unit_id)
            return (unit.id, unit.code) if unit is not None else None

    def _summary(self, caller: Caller, msg: Incoming, cmd: Command) -> list[Out]:
        lang = caller.language
        arg = cmd.args
        if not arg:
            bound = self._bound_unit(msg.chat_id)
            if bound is not None:
                arg = bound[1]  # the unit this Zalo chat is bound to (looked up by code)
        reply = self.schedule.summary(caller, msg.chat_id, arg)
        outs = [self._text(reply.text, lang)]
        if reply.photo:
            outs += self._photo(reply.photo, "chart.png", "image/png", reply.caption, lang)
        return outs

    def _photo(self, content: bytes, filename: str, content_type: str, caption: str | None, lang: str) -> list[Out]:
        if self.signer is None or not self.signer.enabled:
            return []
        key = self.blobs.put(File(content, content_type, filename))
        url = self.signer.url("blob", {"b": key}, filename, CHART_TTL)
        return [Out(photo_url=url, caption=for_zalo(caption or "", lang) or None)]

    def file_link(self, content: bytes, filename: str, content_type: str) -> str | None:
        """A download link (expiring) to a file made for this user, or None without a public URL."""
        if self.signer is None or not self.signer.enabled:
            return None
        key = self.blobs.put(File(content, content_type, filename))
        return self.signer.url("blob", {"b": key}, filename, EXPORT_TTL)

    def _resolve(self, caller: Caller, msg: Incoming, command: str, name: str) -> tuple[Any, list[Out]]:
        """(unit, []) or (None, the reply explaining why) — the same resolution as Telegram's views."""
        res = self.views.resolve(caller, msg.chat_id, name, channel=self.channel)
        if res.unit is not None:
            return res.unit, []
        lang = caller.language
        text = t(res.error or "view.need_unit", lang, **res.error_args)
        if res.error == "view.unknown_unit":
            text += "\n" + t("err.usage", lang, usage=t(f"usage.{command}", lang))
        return None, [self._text(text, lang)]

    def _view(self, caller: Caller, msg: Incoming, cmd: Command) -> list[Out]:
        """tiendo, xephang, chuabaocao, bieudo, xuat: bot.views / bot.export, as text, photo URL or link."""
        lang = caller.language
        today = self.svc.today()
        if cmd.name == "xuat":
            return self._export(caller, msg, cmd)
        words, metric = cmd.args.split(), None
        if cmd.name in ("xephang", "bieudo"):
            words, metric = split_metric(words, list(self.views.metric_names("vi")))
        day = today
        if cmd.name in ("tiendo", "xephang", "chuabaocao"):
            try:
                name, metric, day = view_args(cmd.args, today, list(self.views.metric_names("vi"))
                                              if cmd.name == "xephang" else None)
            except DayError as exc:
                return [self._text(error_text(exc, cmd.name, lang), lang)]
            words = name.split()
        unit, refusal = self._resolve(caller, msg, cmd.name, " ".join(words))
        if unit is None:
            return refusal
        if cmd.name == "tiendo":
            return [self._text(render_progress(self.views.progress(caller, unit, day), lang), lang)]
        if cmd.name == "xephang":
            return [self._text("\n".join(render_rank(self.views.ranking(caller, unit, day, metric), lang)), lang)]
        if cmd.name == "chuabaocao":
            return [self._text("\n".join(render_missing(self.views.missing(caller, unit, day), lang)), lang)]
        # bieudo: a photo by URL, rendered by the bot's web server when Zalo fetches it
        if self.signer is None or not self.signer.enabled:
            return [self._text(t("zalo.no_public_url", lang), lang)]
        metric_code = metric or self.views.default_metric
        params = {"u": unit.id, "d": today.isoformat(), "l": lang, "m": metric_code}
        url = self.signer.url("vchart", params, f"bieu-do-{unit.code}.png", CHART_TTL)
        caption = t("chart.caption", lang, metric=metric_label(metric_code, lang), unit=esc(unit.name),
                    day=fmt.day(today, lang, year=True))
        return [Out(photo_url=url, caption=for_zalo(caption, lang))]

    def _export(self, caller: Caller, msg: Incoming, cmd: Command) -> list[Out]:
        lang = caller.language
        try:
            args = parse_export_args(cmd.args, self.svc.today())
        except ExportError as exc:
            return [self._text(exc.text(lang) + "\n" + t("err.usage", lang, usage=t("usage.xuat", lang)), lang)]
        unit, refusal = self._resolve(caller, msg, "xuat", args.unit_name)
        if unit is None:
            return refusal
        if self.signer is None or not self.signer.enabled:
            return [self._text(t("zalo.no_public_url", lang), lang)]
        name = export_file_name(unit.code, args.start, args.end, args.csv)
        params = {"u": unit.id, "a": args.start.isoformat(), "b": args.end.isoformat(), "c": int(args.csv), "l": lang}
        url = self.signer.url("export", params, name, EXPORT_TTL)
        hours = int(EXPORT_TTL.total_seconds() // 3600)
        return [self._text(t("zalo.download", lang, name=name, hours=hours, url=url), lang)]

    # ---- schedule of a Zalo chat ----------------------------------------------------------------

    def _lich(self, caller: Caller, msg: Incoming, cmd: Command) -> list[Out]:
        """Show this Zalo chat's schedule; ``lich tat`` / ``lich bat`` switch its reminders and summaries;
        ``lich nghi`` / ``lich bonghi`` are the holidays of the schedule service (the same scope rule as Telegram)."""
        from bot.scheduling import ScheduleService

        lang = caller.language
        holiday = ScheduleService(self.svc).holiday_command(caller, cmd.args)
        if holiday is not None:
            return [self._text(holiday, lang)]
        word = cmd.args.strip().lower()
        st = self.svc.settings
        with self.svc.db.session() as s:
            chat = repo.chat_by_external(s, self.channel, msg.chat_id)
            unit = repo.unit_by_id(s, chat.unit_id) if chat is not None and chat.unit_id is not None else None
            if chat is None or unit is None:
                return [self._text(t("lich.unbound", lang), lang)]
            if not caller.can(Role.LEADER, unit):
                log_refusal(self.svc, caller, "lich", reason="scope", unit_id=unit.id)
                return [self._text(t("lich.scope", lang, unit=esc(unit.name)), lang)]
            on_words, off_words = {"bat", "bật", "on", "mo", "mở"}, {"tat", "tắt", "off", "dung", "dừng"}
            if word in on_words | off_words:
                on = word in on_words
                schedule_repo.update_chat(s, chat.id, reminders_enabled=on, summaries_enabled=on, active=True,
                                          disabled_reason=None)
                unit_id, changed = unit.id, True
            else:
                changed, unit_id = False, unit.id
                text = t("zalo.lich_show", lang, unit=esc(unit.name),
                         reminder=(chat.reminder_time or st.default_reminder_time).strftime("%H:%M")
                         if chat.reminders_enabled else t("zalo.off", lang),
                         summary=(chat.summary_time or st.default_summary_time).strftime("%H:%M")
                         if chat.summaries_enabled else t("zalo.off", lang))
        if not changed:
            return [self._text(text, lang)]
        record(self.svc, caller, "schedule.change", unit_id=unit_id, after={"chat": msg.chat_id, "enabled": on})
        return [self._text(t("zalo.lich_on" if on else "zalo.lich_off", lang), lang)]

    # ---- message budget of a group (Zalo plans cap the messages a month) -----------------------------

    BUDGET_WORDS: ClassVar[dict[str, str]] = {"gop": "batched", "gộp": "batched", "batch": "batched", "tonghop": "summaries",
                    "tổnghợp": "summaries", "summaries": "summaries", "tat": "full", "tắt": "full", "off": "full"}

    def _budget(self, caller: Caller, msg: Incoming, cmd: Command) -> list[Out]:
        """``tietkiem`` shows, ``tietkiem gop|tonghop|tat`` sets this group's budget mode (leaders of its unit)."""
        lang = caller.language
        word = cmd.args.strip().lower().replace(" ", "")
        minutes = fmt.num(self.svc.settings.zalo_batch_minutes, lang)
        with self.svc.db.session() as s:
            chat = repo.chat_by_external(s, self.channel, msg.chat_id)
            unit = repo.unit_by_id(s, chat.unit_id) if chat is not None and chat.unit_id is not None else None
            if not msg.is_group or chat is None or unit is None:
                return [self._text(t("zalo.budget_group_only", lang), lang)]
            if not caller.can(Role.LEADER, unit):
                log_refusal(self.svc, caller, "tietkiem", reason="scope", unit_id=unit.id)
                return [self._text(t("lich.scope", lang, unit=esc(unit.name)), lang)]
            if not word:
                current = zalo_repo.budget_mode(s, self.channel, msg.chat_id)
                return [self._text(t("zalo.budget_show", lang, mode=t(f"zalo.budget_mode.{current}", lang),
                                     minutes=minutes), lang)]
            mode = self.BUDGET_WORDS.get(word)
            if mode is None:
                return [self._text(t("err.usage", lang, usage=t("usage.tietkiem", lang)), lang)]
            zalo_repo.set_budget_mode(s, chat.id, mode)
            unit_id = unit.id
        record(self.svc, caller, "chat.budget", unit_id=unit_id, after={"chat": msg.chat_id, "mode": mode})
        return [self._text(t("zalo.budget_set", lang, mode=t(f"zalo.budget_mode.{mode}", lang)), lang)]

    def budget_mode(self, chat_id: str) -> str:
        with self.svc.db.session() as s:
            return zalo_repo.budget_mode(s, self.channel, chat_id)

    # ---- private chats of leaders get their unit's reminders and summaries ------------------------

    def _track_private_chat(self, msg: Incoming) -> list[Out]:
        if msg.is_group or not self.track_private:
            return []
        caller = self.svc.caller(self.channel, msg.user_id, msg.name)
        if caller.unit_id is None or not caller.has_role(Role.LEADER):
            return []
        st = self.svc.settings
        with self.svc.db.session() as s:
            if repo.chat_by_external(s, self.channel, msg.chat_id) is not None:
                return []
            unit = repo.unit_by_id(s, caller.unit_id)
            if unit is None:
                return []
            chat = repo.get_or_create_chat(s, self.channel, msg.chat_id, caller.name)
            repo.bind_chat(s, chat, unit)
            unit_name, unit_id = unit.name, unit.id
        record(self.svc, caller, "chat.bind", unit_id=unit_id, after={"chat": msg.chat_id, "channel": self.channel,
                                                                       "private": True})
        lang = caller.language
        return [self._text(t("zalo.private_bound", lang, unit=esc(unit_name),
                             reminder=st.default_reminder_time.strftime("%H:%M"),
                             summary=st.default_summary_time.strftime("%H:%M")), lang)]


def _specs() -> dict[str, Any]:
    out: dict[str, Any] = {}
    for spec in BY_NAME.values():
        out.setdefault(spec.name, spec)
    return out
