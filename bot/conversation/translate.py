"""Service results -> channel-neutral replies: one translation per result type, for every channel.

`reports.Outcome` (reports, edits, /huy, confirmations), `org.Outcome` (admin commands, /chinhthuc,
/chiso), `scheduling.Reply` (/tonghop), `views.Resolved` (which unit a view is about), `ExportError` and
`ImportReport`.
"""

from __future__ import annotations

from bot.conversation.turn import Choice, Reply, parts_reply, text_reply
from bot.core.importer import CHAT_LIMIT, ImportReport, issues_file
from bot.core.org import Outcome as OrgOutcome
from bot.core.reports import Outcome
from bot.core.views import Resolved
from bot.delivery.scheduling import Reply as ScheduleReply
from bot.present import render
from bot.present.export import ExportError
from bot.texts import t

#: refusals after which a question's buttons are dead: the pressed message loses them
DEAD_BUTTONS = ("rep.pending_expired", "rep.pending_stale", "rep.locked_day", "rep.out_of_scope")


# ---- buttons (typed words on channels without them) -------------------------------------------------


def undo_choices(undo_id: int | None, lang: str) -> tuple[tuple[Choice, ...], ...]:
    if undo_id is None:
        return ()
    return ((Choice(t("rep.btn_undo", lang), f"u:{undo_id}", "huy"),),)


def confirm_choices(token: str, lang: str) -> tuple[tuple[Choice, ...], ...]:
    return ((Choice(t("rep.btn_confirm", lang), f"cf:{token}", "xacnhan"),
             Choice(t("rep.btn_cancel", lang), f"cx:{token}", "huybo")),)


def share_choices(token: str, lang: str) -> tuple[tuple[Choice, ...], ...]:
    return ((Choice(t("rep.btn_share_add", lang), f"sa:{token}", "cong"),
             Choice(t("rep.btn_share_total", lang), f"st:{token}", "tong")),
            (Choice(t("rep.btn_cancel", lang), f"cx:{token}", "huybo"),))


# ---- reports ----------------------------------------------------------------------------------------


def stored(out: Outcome, lang: str, *, kind: str = "confirmation") -> Reply:
    return Reply(text=render.stored(out, lang), choices=undo_choices(out.undo_id, lang), kind=kind,  # type: ignore[arg-type]
                 report_id=out.undo_id)


def plain(out: Outcome) -> bool:
    """A stored report whose confirmation says no more than "stored" (a reaction may stand for it): no
    correction of an earlier figure, no figure of someone else replaced, no mismatch or baseline note, no
    unit noted as not reporting. Anything else needs its reply to be read."""
    if out.status not in ("stored", "duplicate") or out.edited or out.no_report_units or not out.lines:
        return False
    for r in out.lines:
        if (r.old is not None and r.old != r.new) or r.replaced or r.held_by_baseline is not None:
            return False
        if (r.stated_cumulative is not None and r.stated_cumulative != r.cumulative) or (
                r.stated_target is not None and r.stated_target != r.target):
            return False
    return True


def question(out: Outcome, lang: str, *, kind: str = "answer") -> Reply | None:
    """The add-or-total or the are-you-sure question of an outcome, with its buttons."""
    if out.pending_token is None:
        return None
    if out.status == "confirm":
        return Reply(text=render.confirm_question(out, lang), choices=confirm_choices(out.pending_token, lang),
                     kind=kind)  # type: ignore[arg-type]
    if out.status == "ask_share":
        return Reply(text=render.share_question(out, lang), choices=share_choices(out.pending_token, lang),
                     kind=kind)  # type: ignore[arg-type]
    return None


def report(out: Outcome, lang: str, *, is_command: bool, resends: bool) -> list[Reply]:
    """A report's outcome as the answer to the report message (`resends`: a duplicate whose confirmation
    was never sent is confirmed again, on channels that record confirmations)."""
    if out.status == "stored" or (out.status == "duplicate" and out.resend and resends):
        return [stored(out, lang)]
    asked = question(out, lang)
    if asked is not None:
        return [asked]
    text = _report_text(out, lang, is_command=is_command)
    return [text_reply(text)] if text is not None else []  # duplicate / ignored chatter: say nothing


def _report_text(out: Outcome, lang: str, *, is_command: bool) -> str | None:
    if out.status == "removed":
        return render.removed(out, lang)
    if out.status == "parse_error":
        return render.parse_error(out, lang)
    if out.status == "refused":
        return render.refused(out, lang)
    if out.status == "not_member":
        return t("rep.not_member", lang)
    if out.status == "nothing" and out.no_report_units:
        return t("rep.nothing_stored", lang, units=", ".join(out.no_report_units))
    if out.status == "ignored" and is_command:
        return render.parse_error(Outcome("parse_error", parse_error_code="no_value"), lang)
    return None


def refusal(out: Outcome, lang: str) -> str:
    return render.refused(out, lang) if out.status == "refused" else t("rep.not_member", lang)


def confirmation(out: Outcome, lang: str, *, pressed: bool) -> list[Reply]:
    """The answer to a question's button (`pressed`: the question's message is edited, refusals are alerts)
    or to its typed word."""
    if pressed and out.status in ("refused", "not_member"):
        dead = out.status == "refused" and out.error_key in DEAD_BUTTONS
        edit = [Reply(text=render.refused(out, lang), kind="edit")] if dead else []
        return [*edit, Reply(text=refusal(out, lang), kind="alert")]
    kind = "edit" if pressed else "answer"
    head = [Reply(kind="alert")] if pressed else []
    if out.status == "stored":
        return [*head, stored(out, lang, kind="edit" if pressed else "confirmation")]
    if out.status == "nothing":
        return [*head, Reply(text=t("rep.cancelled", lang), kind=kind)]  # type: ignore[arg-type]
    asked = question(out, lang, kind=kind)
    if asked is not None:  # answered, now implausible; or someone reported meanwhile
        return [*head, asked]
    text = render.refused(out, lang) if out.error_key else t("rep.pending_gone", lang)
    return [*head, Reply(text=text, kind=kind)]  # type: ignore[arg-type]


def undo_press(out: Outcome, lang: str) -> list[Reply]:
    """The Undo button under a confirmation."""
    if out.status != "removed":
        return [Reply(text=render.refused(out, lang), kind="alert")]
    return [Reply(kind="alert"), Reply(text=render.removed(out, lang), kind="edit")]


def fixed(out: Outcome, lang: str, reply_to: int) -> Reply:
    """/sua: told as a reply to the reporter's own message (the channel notifies them)."""
    if out.status != "fixed":
        return text_reply(refusal(out, lang))
    return Reply(text=render.fixed(out, lang), reply_to=out.report_message_id or reply_to)


# ---- organisation, views, files ---------------------------------------------------------------------


def org(out: OrgOutcome, lang: str, **kwargs: object) -> Reply:
    return parts_reply(out.chunks(lang), **kwargs)  # type: ignore[arg-type]


def schedule(out: ScheduleReply) -> list[Reply]:
    replies = [text_reply(out.text)]
    if out.photo:
        replies.append(Reply(photo=out.photo, caption=out.caption, quote=False))
    return replies


def unresolved(res: Resolved, command: str, lang: str) -> Reply:
    text = t(res.error or "view.need_unit", lang, **res.error_args)
    if res.error == "view.unknown_unit":
        text += "\n" + t("err.usage", lang, usage=t(f"usage.{command}", lang))
    return text_reply(text)


def export_error(exc: ExportError, lang: str) -> Reply:
    return text_reply(exc.text(lang) + "\n" + t("err.usage", lang, usage=t("usage.xuat", lang)))


def imported(report: ImportReport, lang: str) -> list[Reply]:
    replies = [org(report.outcome(), lang)]
    if len(report.issues) > CHAT_LIMIT:
        replies.append(Reply(file=issues_file(report, lang), caption=t("org.import_attached", lang), quote=None))
    return replies
