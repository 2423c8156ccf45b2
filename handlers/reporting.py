"""Report handlers: /baocao, free text, edited messages, /huy, confirm/undo buttons."""

from __future__ import annotations

import logging
import re
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, ReplyParameters, Update
from telegram.error import BadRequest, Forbidden, TelegramError
from telegram.ext import Application, CallbackQueryHandler, MessageHandler, filters

from bot import render
from bot.reports import Outcome, ReportService
from bot.texts import t
from handlers.base import Ctx, add_command, blocking, caller_of, chat_key, reply
from handlers.outbox import queue_confirmation
from storage.db import unavailable

log = logging.getLogger(__name__)


def _service(context: Ctx) -> ReportService:
    return context.container.reports


def _undo_markup(out: Outcome, lang: str) -> InlineKeyboardMarkup | None:
    if out.undo_id is None:
        return None
    return InlineKeyboardMarkup([[InlineKeyboardButton(t("rep.btn_undo", lang), callback_data=f"u:{out.undo_id}")]])


def _confirm_markup(token: str, lang: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[
        InlineKeyboardButton(t("rep.btn_confirm", lang), callback_data=f"cf:{token}"),
        InlineKeyboardButton(t("rep.btn_cancel", lang), callback_data=f"cx:{token}"),
    ]])


def _share_markup(token: str, lang: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[
        InlineKeyboardButton(t("rep.btn_share_add", lang), callback_data=f"sa:{token}"),
        InlineKeyboardButton(t("rep.btn_share_total", lang), callback_data=f"st:{token}"),
    ], [InlineKeyboardButton(t("rep.btn_cancel", lang), callback_data=f"cx:{token}")]])


async def _answer(update: Update, context: Ctx, out: Outcome, lang: str, *, is_command: bool) -> None:
    """Render one outcome as a reply to the report message."""
    if out.status == "stored" or (out.status == "duplicate" and out.resend):
        text = render.stored(out, lang)
        try:
            sent = await reply(update, text, reply_markup=_undo_markup(out, lang))
        except TelegramError as exc:
            # the report IS stored: never let the error handler say "nothing was changed". A transient
            # failure goes to the confirmation outbox (retried until sent or stale); a permanent one is logged.
            msg = update.effective_message
            if isinstance(exc, BadRequest | Forbidden) or msg is None:
                log.error("report stored but its confirmation could not be sent: %s", exc)
                return
            await queue_confirmation(context, chat_id=msg.chat_id, reply_to=msg.message_id,
                                     report_id=out.undo_id, text=text,
                                     button=t("rep.btn_undo", lang) if out.undo_id is not None else None,
                                     error=exc)
            return
        if sent is not None:
            await _record_reply(context, out.undo_id, sent.message_id)
    elif out.status == "removed":
        await reply(update, render.removed(out, lang))
    elif out.status == "confirm":
        assert out.pending_token is not None
        await reply(update, render.confirm_question(out, lang), reply_markup=_confirm_markup(out.pending_token, lang))
    elif out.status == "ask_share":
        assert out.pending_token is not None
        await reply(update, render.share_question(out, lang), reply_markup=_share_markup(out.pending_token, lang))
    elif out.status == "parse_error":
        await reply(update, render.parse_error(out, lang))
    elif out.status == "refused":
        await reply(update, render.refused(out, lang))
    elif out.status == "not_member":
        await reply(update, t("rep.not_member", lang))
    elif out.status == "nothing" and out.no_report_units:
        await reply(update, t("rep.nothing_stored", lang, units=", ".join(out.no_report_units)))
    elif out.status == "ignored" and is_command:
        await reply(update, render.parse_error(Outcome("parse_error", parse_error_code="no_value"), lang))
    # duplicate / ignored chatter: say nothing


async def _record_reply(context: Ctx, undo_id: int | None, reply_message_id: int) -> None:
    """Record the confirmation's message id. The report was committed and confirmed: a failure here
    (the database dropped after the commit) must never turn into «CHƯA ghi» — at worst a re-delivery
    of the update sends the confirmation again."""
    try:
        await blocking(context, _service(context).set_reply, undo_id, reply_message_id)
    except Exception as exc:  # noqa: BLE001 - see the docstring: whatever failed, the report is stored
        level = logging.WARNING if unavailable(exc) else logging.ERROR
        log.log(level, "report stored and confirmed; its reply id could not be recorded (%s)", type(exc).__name__)


def _acceptable(msg: Message | None) -> bool:
    """Only fresh human messages count: no bots, no forwards, no via-bot, no channel posts."""
    if msg is None or msg.from_user is None or msg.from_user.is_bot:
        return False
    if msg.forward_origin is not None or msg.via_bot is not None or msg.is_automatic_forward:
        return False
    return msg.sender_chat is None


async def on_report(update: Update, context: Ctx) -> None:
    msg = update.message
    if not _acceptable(msg) or msg is None or msg.from_user is None:
        return
    text = msg.text or ""
    is_command = text.startswith("/")
    caller = caller_of(update, context)
    out = await blocking(context, _service(context).submit, caller, chat_key(update), msg.message_id, text)
    if out.status == "ignored" and not is_command:
        return
    await _answer(update, context, out, caller.language, is_command=is_command)


async def on_edit(update: Update, context: Ctx) -> None:
    msg = update.edited_message
    if not _acceptable(msg) or msg is None:
        return
    caller = caller_of(update, context)
    edit_date = int(msg.edit_date.timestamp()) if msg.edit_date else int(msg.date.timestamp()) + 1
    out = await blocking(context, _service(context).edit, caller, chat_key(update), msg.message_id, msg.text or "",
                         edit_date)
    if out.status == "ignored" or (out.status == "duplicate" and not out.resend):
        return
    await _answer(update, context, out, caller.language, is_command=False)


async def undo_cmd(update: Update, context: Ctx) -> None:
    caller = caller_of(update, context)
    out = await blocking(context, _service(context).undo, caller)
    await _answer(update, context, out, caller.language, is_command=True)


async def fix_cmd(update: Update, context: Ctx) -> None:
    """/sua 15 [lý do] | /sua xoa [lý do], as a reply to a member's report (or to the bot's confirmation)."""
    msg = update.effective_message
    if msg is None:
        return
    caller = caller_of(update, context)
    lang = caller.language
    target = msg.reply_to_message
    args = " ".join(context.args or [])
    if target is None:
        await reply(update, t("rep.fix_usage", lang))
        return
    out = await blocking(context, _service(context).fix, caller, chat_key(update), target.message_id, args)
    if out.status != "fixed":
        await reply(update, render.refused(out, lang) if out.status == "refused" else t("rep.not_member", lang))
        return
    # told as a reply to the reporter's own message: Telegram notifies them
    await context.bot.send_message(msg.chat_id, render.fixed(out, lang),
                                   reply_parameters=ReplyParameters(out.report_message_id or target.message_id,
                                                                    allow_sending_without_reply=True))


async def on_button(update: Update, context: Ctx) -> None:
    q = update.callback_query
    if q is None or q.data is None or q.from_user is None:
        return
    caller = caller_of(update, context)
    lang = caller.language
    kind, _, arg = q.data.partition(":")
    rs = _service(context)
    if kind == "u" and re.fullmatch(r"[0-9]{1,18}", arg):  # a forged u:99999999999999999999 is no int64
        out = rs.undo(caller, int(arg))
        if out.status != "removed":
            await q.answer(render.refused(out, lang)[:190], show_alert=True)
            return
        await q.answer()
        await _edit_or_send(q.message, render.removed(out, lang))
        return
    if kind in ("cf", "cx", "sa", "st") and len(arg) <= 32:
        share = {"sa": "add", "st": "total"}.get(kind)
        out = await blocking(context, rs.confirm, caller, arg, accept=kind != "cx", share=share)
        if out.status in ("refused", "not_member"):
            if out.status == "refused" and out.error_key in ("rep.pending_expired", "rep.pending_stale",
                                                             "rep.locked_day", "rep.out_of_scope"):
                await _edit_or_send(q.message, render.refused(out, lang))  # the buttons are dead: remove them
            text = render.refused(out, lang) if out.status == "refused" else t("rep.not_member", lang)
            await q.answer(text[:190], show_alert=True)
            return
        if out.status == "refused":
            await q.answer(render.refused(out, lang)[:190], show_alert=True)
            return
        await q.answer()
        if out.status == "stored":
            text = render.stored(out, lang)
            sent = await _edit_or_send(q.message, text, _undo_markup(out, lang))
            if sent is not None:
                await _record_reply(context, out.undo_id, sent.message_id)
        elif out.status == "nothing":
            await _edit_or_send(q.message, t("rep.cancelled", lang))
        elif out.status == "confirm" and out.pending_token is not None:  # answered, now implausible: ask that
            await _edit_or_send(q.message, render.confirm_question(out, lang),
                                _confirm_markup(out.pending_token, lang))
        elif out.status == "ask_share" and out.pending_token is not None:  # someone reported meanwhile
            await _edit_or_send(q.message, render.share_question(out, lang), _share_markup(out.pending_token, lang))
        else:
            await _edit_or_send(q.message, render.refused(out, lang) if out.error_key else t("rep.pending_gone", lang))
        return
    await q.answer()


async def _edit_or_send(message: object, text: str, markup: InlineKeyboardMarkup | None = None) -> Message | None:
    if isinstance(message, Message):
        try:
            edited = await message.edit_text(text, reply_markup=markup)
            return edited if isinstance(edited, Message) else message
        except BadRequest:
            return await message.reply_text(text, reply_markup=markup)
    return None


def register(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    add_command(app, "baocao", on_report)
    add_command(app, "huy", undo_cmd)
    add_command(app, "sua", fix_cmd)
    app.add_handler(CallbackQueryHandler(on_button, pattern=r"^(u|cf|cx|sa|st):"))
    app.add_handler(MessageHandler(filters.UpdateType.MESSAGE & filters.TEXT & ~filters.COMMAND, on_report))
    app.add_handler(MessageHandler(filters.UpdateType.EDITED_MESSAGE & filters.TEXT, on_edit))
