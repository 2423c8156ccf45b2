"""/start, /help, unknown commands, chat tracking and the one error handler."""

from __future__ import annotations

import logging
from typing import Any

from telegram import Update
from telegram.constants import ChatType
from telegram.ext import Application, MessageHandler, filters

from bot.commands import BY_NAME, Role
from bot.fmt import esc
from bot.intake import note_failure
from bot.setup import example_unit, guides, setup_of
from bot.texts import t
from handlers.base import Ctx, add_command, args_text, caller_of, lang_of, reply, services
from storage.db import unavailable

log = logging.getLogger(__name__)


async def start(update: Update, context: Ctx) -> None:
    caller = caller_of(update, context)
    lang = lang_of(update, context, caller)
    if guides(caller):  # an ADMIN_IDS admin: the guided setup, until it is done (bot.setup)
        setup = setup_of(services(context))
        if not setup.complete:
            await reply(update, t("setup.hello", lang, name=_esc_name(update)) + "\n\n" + setup.checklist(lang))
            return
    key = "start.member" if caller.on_roster or guides(caller) else "start.stranger"
    unit = esc(example_unit(services(context), caller))
    await reply(update, t(key, lang, name=_esc_name(update)) + "\n\n" + t("help.report", lang, unit=unit))


async def help_cmd(update: Update, context: Ctx) -> None:
    caller = caller_of(update, context)
    lang = lang_of(update, context, caller)
    wanted = args_text(update).lstrip("/").split("@")[0].strip().lower()
    if wanted:
        spec = BY_NAME.get(wanted)
        if spec is None:
            await reply(update, t("help.no_such", lang, command=esc(wanted[:32])))
            return
        await reply(update, t("help.command", lang, name=spec.name, alias=spec.alias,
                              desc=t(f"cmd.{spec.name}", lang), usage=t(f"usage.{spec.name}", lang)))
        return
    lines = [t("help.title", lang), t("help.report", lang, unit=esc(example_unit(services(context), caller))), ""]
    registered: list[str] = context.application.bot_data.get("commands", [])
    for role in (Role.NONE, Role.MEMBER, Role.LEADER, Role.ADMIN):
        names = [n for n in registered if BY_NAME[n].role == role and n not in ("start",)]
        if not names or (role > Role.MEMBER and not caller.has_role(role)):
            continue
        lines.append(t(f"help.section.{role.name.lower()}", lang))
        for n in names:
            spec = BY_NAME[n]
            lines.append(t("help.line", lang, name=spec.name, alias=spec.alias, desc=t(f"cmd.{spec.name}", lang)))
    chat = update.effective_chat
    if chat is not None and chat.type in (ChatType.GROUP, ChatType.SUPERGROUP):
        me = await context.bot.get_me()
        if not me.can_read_all_group_messages:
            lines += ["", t("help.privacy", lang)]
    lines += ["", t("help.footer", lang)]
    await reply(update, "\n".join(lines))


async def unknown_command(update: Update, context: Ctx) -> None:
    msg = update.effective_message
    if msg is None or update.effective_user is None or update.effective_user.is_bot:
        return
    word = (msg.text or "").split(maxsplit=1)[0]
    name, _, target = word[1:].partition("@")
    if target and target.lower() != (context.bot.username or "").lower():
        return  # a command for another bot in the same group
    lang = lang_of(update, context)
    await reply(update, t("err.unknown_command", lang, command=esc(name[:32])))


async def on_error(update: object, context: Ctx) -> None:
    note_failure(context.error)  # the update intake counts it (bot.intake)
    lang = context.container.settings.language
    if unavailable(context.error):  # database down: the transaction was rolled back, nothing stored
        log.warning("database unavailable while handling an update: %s", type(context.error).__name__)
        text = t("rep.db_busy", lang)
    else:
        log.error("error while handling an update", exc_info=context.error)
        text = t("err.internal", lang)
    if isinstance(update, Update) and update.callback_query is not None:
        try:  # stop the button's spinner with the same message
            await update.callback_query.answer(text[:190], show_alert=True)
            return
        except Exception:  # noqa: BLE001 - never let the error handler raise
            log.warning("could not answer the button press about the error")
    if isinstance(update, Update) and update.effective_chat is not None:
        try:
            if update.message is not None:
                await update.message.reply_text(text, do_quote=True)
            else:
                await update.effective_chat.send_message(text)
        except Exception:  # noqa: BLE001 - never let the error handler raise
            log.warning("could not tell the user about the error")


def _esc_name(update: Update) -> str:
    return esc(update.effective_user.first_name if update.effective_user else "")


def register(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    add_command(app, "start", start)
    add_command(app, "trogiup", help_cmd)
    app.add_error_handler(on_error)


def register_fallbacks(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Registered after every module: a command nobody handled gets a usage hint."""
    app.add_handler(MessageHandler(filters.COMMAND, unknown_command))
