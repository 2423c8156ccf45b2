"""The commands behind the router: each step is `(conversation, turn, caller) -> replies`, synchronous (the
router runs it off the event loop), the same for every channel; what a channel lacks is in its `Channel`."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from bot.conversation import translate
from bot.conversation.turn import ChatCheck, Deferred, Progress, Reply, Turn, parts_reply, text_reply
from bot.core import fmt
from bot.core.access import Caller
from bot.core.commands import Role
from bot.core.days import DayError, error_text
from bot.core.fmt import esc
from bot.core.importer import kind_from_name, run_import
from bot.core.org import ChatRef, Msg, Outcome, UserRef, squash
from bot.core.setup import guides, setup_of
from bot.core.views import UnitRef, render_missing, render_progress, render_rank, split_metric, view_args
from bot.present.charts import metric_label, unit_chart
from bot.present.export import ExportError, file_name, parse_args, write_csv, write_xlsx
from bot.present.template import FILENAME as TEMPLATE_FILENAME
from bot.present.template import template_for
from bot.texts import t

if TYPE_CHECKING:
    from bot.conversation.router import Conversation

Step = Callable[["Conversation", Turn, Caller], list[Reply]]

TEMPLATE_WORDS = {"mau", "template", "filemau", "maunhap", "tepmau"}
SPREADSHEET_SUFFIXES = (".csv", ".xlsx", ".xlsm", ".xls", ".txt", ".tsv")
MAX_PHOTO_BARS = 80  # taller charts go out as a document (Telegram limits photo proportions)


def chat_ref(c: Conversation, turn: Turn) -> ChatRef:
    return ChatRef(turn.chat_id, turn.chat_type, turn.chat_title, channel=c.channel.name)


# ---- start, help ---------------------------------------------------------------------------------------


def start(c: Conversation, turn: Turn, caller: Caller) -> list[Reply]:
    return [text_reply(c.start(turn, caller))]


def help_(c: Conversation, turn: Turn, caller: Caller) -> list[Reply]:
    return [text_reply(c.help(turn, caller))]


# ---- reports -------------------------------------------------------------------------------------------


def report(c: Conversation, turn: Turn, caller: Caller) -> list[Reply]:
    return c.report(turn, caller, turn.text, is_command=True)


def undo(c: Conversation, turn: Turn, caller: Caller) -> list[Reply]:
    return translate.report(c.reports.undo(caller), caller.language, is_command=True,
                            resends=c.channel.records_replies)


def fix(c: Conversation, turn: Turn, caller: Caller) -> list[Reply]:
    """/sua 15 [lý do] | /sua xoa [lý do], as a reply to a member's report (or to the bot's confirmation)."""
    if turn.reply_to_id is None:
        return [text_reply(t("rep.fix_usage", caller.language))]
    out = c.reports.fix(caller, turn.chat_id, turn.reply_to_id, " ".join(turn.args.split()))
    return [translate.fixed(out, caller.language, turn.reply_to_id)]


def answer_word(c: Conversation, turn: Turn, caller: Caller) -> list[Reply]:
    """xacnhan / huybo / cong / tong: the typed answer to the caller's latest question in this chat."""
    lang = caller.language
    if caller.member_id is None:
        return [text_reply(t("rep.not_member", lang))]
    token = c.chats.pending_token(caller, turn.chat_id)
    if token is None:
        return [text_reply(t("zalo.no_pending", lang))]
    word = turn.command
    out = c.reports.confirm(caller, token, accept=word != "huybo", share={"cong": "add", "tong": "total"}.get(word or ""))
    return translate.confirmation(out, lang, pressed=False)


# ---- roster, admin -------------------------------------------------------------------------------------


def _setup_next(c: Conversation, caller: Caller, out: Outcome) -> list[Reply]:
    """During the guided first run (bot.core.setup), a setup command's reply is followed by the next step."""
    if out.status != "ok" or not guides(caller):
        return []
    setup = setup_of(c.svc)
    return [] if setup.complete else [text_reply(setup.next_text(caller.language))]


def _org(out: Outcome, c: Conversation, caller: Caller, *, setup: bool = False) -> list[Reply]:
    return [translate.org(out, caller.language), *(_setup_next(c, caller, out) if setup else [])]


def join(c: Conversation, turn: Turn, caller: Caller) -> list[Reply]:
    if caller.on_roster and caller.member_id is not None and c.chats.is_linked(turn.user_id):
        return [text_reply(t("zalo.join_linked", caller.language))]
    return _org(c.org.cmd_join(caller, turn.args, username=turn.username, chat=turn.chat_id), c, caller)


def join_code(c: Conversation, turn: Turn, caller: Caller) -> list[Reply]:
    """In a group only the group's own code is posted; the codes of other units go to the leader privately."""
    lang = caller.language
    out = c.org.join_code_in_chat(caller, chat_ref(c, turn), turn.args)
    private: Outcome | None = out.data.get("private")
    if private is None:
        return _org(out, c, caller, setup=True)
    failed = Outcome(out.status, [*out.msgs[:-1], Msg("org.join_code_private_failed")], out.data)
    if not c.channel.private_sends:
        return _org(failed, c, caller, setup=True)
    return [translate.org(private, lang, private=True), translate.org(out, lang, when="private_sent"),
            translate.org(failed, lang, when="private_failed"), *_setup_next(c, caller, out)]


def _admin(method: str, *, setup: bool = False) -> Step:
    def step(c: Conversation, turn: Turn, caller: Caller) -> list[Reply]:
        return _org(getattr(c.org, method)(caller, turn.args), c, caller, setup=setup)

    return step


def member(c: Conversation, turn: Turn, caller: Caller) -> list[Reply]:
    who = turn.reply_to_user
    ref = UserRef(who.user_id, who.name) if who is not None and not who.is_bot else None
    return _org(c.org.cmd_member(caller, turn.args, reply_user=ref), c, caller)


def bind(c: Conversation, turn: Turn, caller: Caller) -> list[Reply]:
    """/lienket binds the chat to a unit; where link codes are redeemed, "lienket CODE" links an account."""
    lang = caller.language
    code = turn.args.replace(" ", "")
    if not c.channel.issues_link_codes and c.links is not None:
        if c.links.is_code(code):
            if turn.is_group:
                return [text_reply(t("link.private_only_zalo", lang))]
            return [text_reply(c.links.redeem(c.channel.name, turn.user_id, turn.user_name, code).text(lang))]
        if not caller.has_role(Role.LEADER):  # "lienket" without a code, from a member: they meant linking
            return [text_reply(t("link.how", lang))]
    return _org(c.org.cmd_bind(caller, chat_ref(c, turn), turn.args), c, caller, setup=True)


def link_code(c: Conversation, turn: Turn, caller: Caller) -> list[Reply]:
    """/lienketzalo: a one-time code for linking another channel's account (typed there)."""
    lang = caller.language
    if not c.channel.issues_link_codes or c.links is None:
        return [text_reply(t("link.how", lang))]
    return [text_reply(c.links.new_code(caller, private=not turn.is_group).text(lang))]


def unlink(c: Conversation, turn: Turn, caller: Caller) -> list[Reply]:
    if c.links is None:
        return [text_reply(t("link.how", caller.language))]
    return [text_reply(c.links.unlink(c.channel.name, turn.user_id, turn.user_name).text(caller.language))]


def official(c: Conversation, turn: Turn, caller: Caller) -> list[Reply]:
    return _org(c.container.official.cmd(caller, turn.args), c, caller)


def indicator(c: Conversation, turn: Turn, caller: Caller) -> list[Reply]:
    return _org(c.container.indicators.cmd(caller, turn.args), c, caller)


# ---- /nhap -----------------------------------------------------------------------------------------------


def import_(c: Conversation, turn: Turn, caller: Caller) -> list[Reply]:
    """/nhap mau: the template; /nhap as a reply to (or the caption of) a spreadsheet: the import, in the
    background (download and import leave the ordered intake)."""
    lang = caller.language
    if not c.channel.files:
        return [text_reply(t("zalo.not_here", lang, command="nhap"))]
    words = turn.args.split()
    if words and squash(words[0]) in TEMPLATE_WORDS:
        return [Reply(file=(TEMPLATE_FILENAME, template_for(c.svc, caller)), caption=t("tpl.caption", lang),
                      quote=None)]
    doc = turn.attachment
    if doc is None:
        return [text_reply(t("org.import_no_file", lang) + "\n" + t("usage.nhap", lang))]
    name = doc.name
    media = doc.mime_type.startswith(("image/", "video/", "audio/"))
    if (name and not name.lower().endswith(SPREADSHEET_SUFFIXES)) or (not name and media):  # a photo, a PDF…
        return [text_reply(t("imp.wrong_type", lang, name=esc(name[:60] or "?")))]
    max_mb = c.svc.settings.import_max_file_mb
    if doc.size and doc.size > max_mb * 1024 * 1024:
        return [text_reply(t("org.import_too_big", lang, mb=max_mb))]
    kind = kind_from_name(words[0]) if words else None

    def run(progress: Progress, data: bytes | None, check: ChatCheck | None) -> list[Reply]:
        files = [(name or "file.csv", data or b"")]
        retry = check is not None and not caller.global_admin
        report = run_import(c.svc, caller, files, kind=kind, progress=progress, retry_unseen=retry)
        if report.unseen_chats and retry and check is not None:  # ask the channel whether the bot is in them
            report = run_import(c.svc, caller, files, kind=kind, progress=progress,
                                verified_chats=check(report.unseen_chats))
        return translate.imported(report, lang)

    return [Reply(deferred=Deferred("import", run, lang, {"name": name}, download=doc))]


# ---- leader views ------------------------------------------------------------------------------------------


def _unit(c: Conversation, turn: Turn, caller: Caller, command: str, name: str) -> UnitRef | Reply:
    res = c.views.resolve(caller, turn.chat_id, name, channel=c.channel.name)
    return res.unit if res.unit is not None else translate.unresolved(res, command, caller.language)


def _metrics(c: Conversation) -> list[str]:
    return list(c.views.metric_names("vi"))


def _view(command: str, render: Callable[[Any, str], str | list[str]], compute: str, metrics: bool = False) -> Step:
    def step(c: Conversation, turn: Turn, caller: Caller) -> list[Reply]:
        lang = caller.language
        try:
            name, metric, day = view_args(turn.args, c.svc.today(), _metrics(c) if metrics else None)
        except DayError as exc:
            return [text_reply(error_text(exc, command, lang))]
        unit = _unit(c, turn, caller, command, name)
        if isinstance(unit, Reply):
            return [unit]
        args = (caller, unit, day, metric) if metrics else (caller, unit, day)
        text = render(getattr(c.views, compute)(*args), lang)
        return [text_reply(text)] if isinstance(text, str) else [parts_reply(text)]

    return step


def chart(c: Conversation, turn: Turn, caller: Caller) -> list[Reply]:
    lang = caller.language
    words, metric = split_metric(turn.args.split(), _metrics(c))
    unit = _unit(c, turn, caller, "bieudo", " ".join(words))
    if isinstance(unit, Reply):
        return [unit]
    day = c.svc.today()
    metric_code = metric or c.views.default_metric
    caption = t("chart.caption", lang, metric=metric_label(metric_code, lang), unit=esc(unit.name),
                day=fmt.day(day, lang, year=True))
    filename = f"bieu-do-{unit.code}.png"

    def run(progress: Progress, data: bytes | None, check: ChatCheck | None) -> list[Reply]:
        png, bars = unit_chart(c.views, unit.id, day, lang, metric)
        if bars > MAX_PHOTO_BARS:
            return [Reply(file=(filename, png), caption=caption)]
        return [Reply(photo=png, caption=caption)]

    params = {"unit": unit, "day": day, "metric": metric_code, "lang": lang, "caption": caption, "name": filename}
    return [Reply(deferred=Deferred("chart", run, lang, params))]


def export(c: Conversation, turn: Turn, caller: Caller) -> list[Reply]:
    lang = caller.language
    svc = c.svc
    try:
        args = parse_args(turn.args, svc.today())
    except ExportError as exc:
        return [translate.export_error(exc, lang)]
    unit = _unit(c, turn, caller, "xuat", args.unit_name)
    if isinstance(unit, Reply):
        return [unit]
    name = file_name(unit.code, args.start, args.end, args.csv)
    st = svc.settings

    def run(progress: Progress, data: bytes | None, check: ChatCheck | None) -> list[Reply]:
        if args.csv:
            content, _rows = write_csv(svc.db, unit.id, args.start, args.end, lang=lang,
                                       default_metric=st.default_metric, tz=st.tz)
            caption = t("export.caption_csv", lang, unit=esc(unit.name), end=fmt.day(args.end, lang, year=True))
        else:
            content, rows = write_xlsx(svc.db, unit.id, args.start, args.end, tz=st.tz, lang=lang,
                                       default_metric=st.default_metric, now=svc.now())
            caption = t("export.caption", lang, unit=esc(unit.name), start=fmt.day(args.start, lang),
                        end=fmt.day(args.end, lang, year=True), rows=fmt.num(rows, lang))
        return [Reply(file=(name, content), caption=caption)]

    params = {"unit": unit, "start": args.start, "end": args.end, "csv": args.csv, "lang": lang, "name": name}
    return [Reply(deferred=Deferred("export", run, lang, params))]


# ---- summaries, schedules, a chat's budget -----------------------------------------------------------------


def summary(c: Conversation, turn: Turn, caller: Caller) -> list[Reply]:
    return translate.schedule(c.schedule.summary(caller, turn.chat_id, turn.args, channel=c.channel.name))


def lich(c: Conversation, turn: Turn, caller: Caller) -> list[Reply]:
    if c.channel.full_schedule:
        return [text_reply(c.schedule.lich(caller, turn.chat_id, turn.args))]
    holiday = c.schedule.holiday_command(caller, turn.args)  # holidays: the same scope rule on every channel
    if holiday is not None:
        return [text_reply(holiday)]
    return [text_reply(c.chats.lich(caller, turn.chat_id, turn.args))]


def budget(c: Conversation, turn: Turn, caller: Caller) -> list[Reply]:
    return [text_reply(c.chats.budget(caller, turn.chat_id, turn.is_group, turn.args))]


def confirm_style(c: Conversation, turn: Turn, caller: Caller) -> list[Reply]:
    """/kieuxacnhan [camxuc|traloi]: how stored reports are confirmed in this group (bot/core/confirm.py)."""
    return [text_reply(c.container.confirms.command(caller, c.channel.name, turn.chat_id, turn.is_group, turn.args,
                                                    reactions=c.channel.reactions))]


STEPS: dict[str, Step] = {
    "start": start, "trogiup": help_, "dangky": join, "baocao": report, "huy": undo, "sua": fix,
    "xacnhan": answer_word, "huybo": answer_word, "cong": answer_word, "tong": answer_word,
    "madangky": join_code, "donvi": _admin("cmd_unit", setup=True), "chitieu": _admin("cmd_target", setup=True),
    "moc": _admin("cmd_baseline"), "thanhvien": member, "nhatky": _admin("cmd_audit"), "lienket": bind,
    "lienketzalo": link_code, "huylienketzalo": unlink, "chinhthuc": official, "chiso": indicator, "nhap": import_,
    "tiendo": _view("tiendo", render_progress, "progress"),
    "xephang": _view("xephang", render_rank, "ranking", metrics=True),
    "chuabaocao": _view("chuabaocao", render_missing, "missing"),
    "bieudo": chart, "xuat": export, "tonghop": summary, "lich": lich, "tietkiem": budget,
    "kieuxacnhan": confirm_style,
}
