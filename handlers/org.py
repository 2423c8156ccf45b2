"""Thin PTB callbacks for the organisation commands (units, targets, roster, binding, import, audit).

Each callback reads the update, calls `bot.org.OrgService` / `bot.importer.run_import`, and replies.
"""

from __future__ import annotations

import asyncio
import logging
import re
from typing import Any

from telegram import Document, InputFile, Message, Update
from telegram.constants import ChatMemberStatus, ChatType
from telegram.error import TelegramError
from telegram.ext import Application, ChatMemberHandler, MessageHandler, filters

from bot.access import Caller
from bot.audit import log_refusal
from bot.commands import Role
from bot.fmt import esc
from bot.importer import CHAT_LIMIT, issues_file, kind_from_name, run_import
from bot.org import ChatRef, Msg, OrgService, Outcome, UserRef, squash
from bot.setup import guides, setup_of
from bot.template import FILENAME as TEMPLATE_FILENAME
from bot.template import template_for
from bot.texts import t
from handlers.background import Progress, in_background
from handlers.base import CHANNEL, Ctx, add_command, args_text, caller_of, reply, services

log = logging.getLogger(__name__)

TEMPLATE_WORDS = {"mau", "template", "filemau", "maunhap", "tepmau"}
SPREADSHEET_SUFFIXES = (".csv", ".xlsx", ".xlsm", ".xls", ".txt", ".tsv")
IMPORT_CAPTION = re.compile(r"^/(?:nhap|import)(?:@(\w+))?(?:\s|$)", re.IGNORECASE)


def _org(context: Ctx) -> OrgService:
    return context.container.org


async def _send(update: Update, out: Outcome, lang: str) -> None:
    for chunk in out.chunks(lang):
        await reply(update, chunk)


async def _setup_next(update: Update, context: Ctx, caller: Caller, out: Outcome) -> None:
    """During the guided first run (bot.setup), a setup command's reply is followed by the next step."""
    if out.status != "ok" or not guides(caller):
        return
    setup = setup_of(services(context))
    if not setup.complete:
        await reply(update, setup.next_text(caller.language))


def _chat_ref(update: Update) -> ChatRef:
    chat = update.effective_chat
    if chat is None:
        return ChatRef("0", ChatType.PRIVATE)
    return ChatRef(str(chat.id), chat.type, chat.title)


def _reply_user(update: Update) -> UserRef | None:
    msg = update.effective_message
    target = msg.reply_to_message if msg is not None else None
    user = target.from_user if target is not None else None
    if user is None or user.is_bot:
        return None
    return UserRef(str(user.id), user.full_name)


# ---- commands ------------------------------------------------------------------------------------


async def join_cmd(update: Update, context: Ctx) -> None:
    caller = caller_of(update, context)
    user = update.effective_user
    chat = update.effective_chat
    out = _org(context).cmd_join(caller, args_text(update), username=user.username if user else None,
                                 chat=str(chat.id) if chat else None)
    await _send(update, out, caller.language)


async def join_code_cmd(update: Update, context: Ctx) -> None:
    caller = caller_of(update, context)
    out = _org(context).join_code_in_chat(caller, _chat_ref(update), args_text(update))
    private: Outcome | None = out.data.get("private")
    user = update.effective_user
    if private is not None and user is not None:
        try:  # the codes of the other units go to the leader only
            for chunk in private.chunks(caller.language):
                await context.bot.send_message(user.id, chunk)
        except TelegramError:  # never talked to the bot in private: Telegram refuses the message
            out = Outcome(out.status, [*out.msgs[:-1], Msg("org.join_code_private_failed")], out.data)
    await _send(update, out, caller.language)
    await _setup_next(update, context, caller, out)


async def unit_cmd(update: Update, context: Ctx) -> None:
    caller = caller_of(update, context)
    out = _org(context).cmd_unit(caller, args_text(update))
    await _send(update, out, caller.language)
    await _setup_next(update, context, caller, out)


async def target_cmd(update: Update, context: Ctx) -> None:
    caller = caller_of(update, context)
    out = _org(context).cmd_target(caller, args_text(update))
    await _send(update, out, caller.language)
    await _setup_next(update, context, caller, out)


async def baseline_cmd(update: Update, context: Ctx) -> None:
    caller = caller_of(update, context)
    await _send(update, _org(context).cmd_baseline(caller, args_text(update)), caller.language)


async def member_cmd(update: Update, context: Ctx) -> None:
    caller = caller_of(update, context)
    out = _org(context).cmd_member(caller, args_text(update), reply_user=_reply_user(update))
    await _send(update, out, caller.language)


async def bind_cmd(update: Update, context: Ctx) -> None:
    caller = caller_of(update, context)
    out = _org(context).cmd_bind(caller, _chat_ref(update), args_text(update))
    await _send(update, out, caller.language)
    await _setup_next(update, context, caller, out)


async def audit_cmd(update: Update, context: Ctx) -> None:
    caller = caller_of(update, context)
    await _send(update, _org(context).cmd_audit(caller, args_text(update)), caller.language)


# ---- /nhap -----------------------------------------------------------------------------------------


async def import_cmd(update: Update, context: Ctx) -> None:
    """`/nhap` typed as a reply to a document (the role gate already ran)."""
    caller = caller_of(update, context)
    msg = update.effective_message
    words = args_text(update).split()
    if words and squash(words[0]) in TEMPLATE_WORDS:  # '/nhap mau': the ready template
        await send_template(update, context, caller)
        return
    target = msg.reply_to_message if msg is not None else None
    doc = target.document if target is not None else None
    if doc is None:
        await reply(update, t("org.import_no_file", caller.language) + "\n" + t("usage.nhap", caller.language))
        return
    await _import(update, context, caller, doc, args_text(update))


async def import_caption(update: Update, context: Ctx) -> None:
    """A document sent with the caption `/nhap` (CommandHandler does not see captions)."""
    msg = update.effective_message
    user = update.effective_user
    if msg is None or msg.document is None or user is None or user.is_bot:
        return
    m = IMPORT_CAPTION.match(msg.caption or "")
    if m is None:
        return
    if m.group(1) and m.group(1).lower() != (context.bot.username or "").lower():
        return  # meant for another bot
    caller = caller_of(update, context)
    if not caller.has_role(Role.ADMIN):
        key = "err.not_member" if not caller.on_roster and not caller.global_admin else "err.role"
        log_refusal(services(context), caller, "nhap", reason=key)
        await reply(update, t(key, caller.language, command="nhap", role=t("role.admin", caller.language)))
        return
    await _import(update, context, caller, msg.document, args_text(update))


async def send_template(update: Update, context: Ctx, caller: Caller) -> None:
    """The import template as a document (also sent by the guided setup)."""
    msg = update.effective_message
    if msg is None:
        return
    content = template_for(services(context), caller)
    await msg.reply_document(InputFile(content, filename=TEMPLATE_FILENAME), caption=t("tpl.caption", caller.language))


async def _import(update: Update, context: Ctx, caller: Caller, doc: Document, args: str) -> None:
    lang = caller.language
    name = doc.file_name or ""
    media = (doc.mime_type or "").startswith(("image/", "video/", "audio/"))
    if (name and not name.lower().endswith(SPREADSHEET_SUFFIXES)) or (not name and media):  # a photo, a PDF…
        await reply(update, t("imp.wrong_type", lang, name=esc(name[:60] or "?")))
        return
    max_mb = services(context).settings.import_max_file_mb
    if doc.file_size and doc.file_size > max_mb * 1024 * 1024:
        await reply(update, t("org.import_too_big", lang, mb=max_mb))
        return

    async def work(progress: Progress) -> None:
        await _import_now(update, context, caller, doc, args, progress)

    await in_background(update, context, lang, work)  # download and import leave the ordered intake


async def _import_now(update: Update, context: Ctx, caller: Caller, doc: Document, args: str,
                      progress: Progress) -> None:
    lang = caller.language
    try:
        tg_file = await doc.get_file()
        data = bytes(await tg_file.download_as_bytearray())
    except TelegramError:
        log.warning("could not download import file %s", doc.file_name, exc_info=True)
        await reply(update, t("org.import_download_failed", lang))
        return
    word = args.split()[0] if args.split() else ""
    kind = kind_from_name(word) if word else None
    name = doc.file_name or "file.csv"
    files = [(name, data)]
    svc = services(context)
    report = await asyncio.to_thread(run_import, svc, caller, files, kind=kind, progress=progress,
                                     retry_unseen=not caller.global_admin)
    if report.unseen_chats and not caller.global_admin:  # ask Telegram whether the bot is in those groups
        verified = await _chats_with_bot(context, report.unseen_chats)
        report = await asyncio.to_thread(run_import, svc, caller, files, kind=kind, progress=progress,
                                         verified_chats=verified)
    out = report.outcome()
    for chunk in out.chunks(lang):
        await reply(update, chunk)
    if len(report.issues) > CHAT_LIMIT:
        filename, content = issues_file(report, lang)
        msg = update.effective_message
        if msg is not None:
            await msg.reply_document(InputFile(content, filename=filename), caption=t("org.import_attached", lang))


VERIFY_CHATS_MAX = 20  # chat ids of one import checked with the Bot API (the others stay refused)
VERIFY_TIMEOUT_S = 5.0


async def _bot_in_chat(context: Ctx, chat_id: str) -> bool:
    """The Bot API confirms the bot is in that group: getChat answers for that very id with a group or
    supergroup, and getChatMember of the bot itself says it is there. Any error or timeout: no."""
    try:
        cid = int(chat_id)
        chat = await asyncio.wait_for(context.bot.get_chat(cid), VERIFY_TIMEOUT_S)
        if chat.id != cid or chat.type not in (ChatType.GROUP, ChatType.SUPERGROUP):
            return False
        me = await asyncio.wait_for(context.bot.get_chat_member(cid, context.bot.id), VERIFY_TIMEOUT_S)
    except (TelegramError, TimeoutError, ValueError, OverflowError):
        return False
    if me.status == ChatMemberStatus.RESTRICTED:
        return bool(getattr(me, "is_member", False))
    return me.status in (ChatMemberStatus.MEMBER, ChatMemberStatus.ADMINISTRATOR, ChatMemberStatus.OWNER)


async def _chats_with_bot(context: Ctx, chat_ids: list[str]) -> frozenset[str]:
    ids = list(dict.fromkeys(chat_ids))[:VERIFY_CHATS_MAX]
    found = await asyncio.gather(*(_bot_in_chat(context, c) for c in ids))
    return frozenset(c for c, ok in zip(ids, found, strict=True) if ok)


# ---- bot added/removed, group -> supergroup -----------------------------------------------------------


async def on_my_chat_member(update: Update, context: Ctx) -> None:
    cmu = update.my_chat_member
    if cmu is None:
        return
    chat = cmu.chat
    actor_user = cmu.from_user
    svc = services(context)
    actor = svc.caller(CHANNEL, actor_user.id, actor_user.full_name) if actor_user else Caller(CHANNEL, "0", "")
    old, new = cmu.old_chat_member.status, cmu.new_chat_member.status
    out = _org(context).bot_status_changed(ChatRef(str(chat.id), chat.type, chat.title), old, new, actor)
    gone = (ChatMemberStatus.LEFT, ChatMemberStatus.BANNED)
    added = old in gone and new in (ChatMemberStatus.MEMBER, ChatMemberStatus.ADMINISTRATOR)
    if added and chat.type in (ChatType.GROUP, ChatType.SUPERGROUP) and not out.data.get("bound"):
        try:
            await context.bot.send_message(chat.id, t("org.added_hint", svc.settings.language))
        except TelegramError:
            log.info("could not greet chat %s", chat.id)


async def on_migrate(update: Update, context: Ctx) -> None:
    msg: Message | None = update.effective_message
    if msg is None:
        return
    if msg.migrate_to_chat_id:
        old, new = msg.chat.id, msg.migrate_to_chat_id
    elif msg.migrate_from_chat_id:
        old, new = msg.migrate_from_chat_id, msg.chat.id
    else:
        return
    user = msg.from_user
    actor = Caller(CHANNEL, str(user.id) if user else "0", user.full_name if user else "")
    out = _org(context).migrate_chat(str(old), str(new), msg.chat.title, actor)
    log.info("chat %s migrated to %s: %s", old, new, out.data.get("result"))


def register(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    add_command(app, "dangky", join_cmd)
    add_command(app, "madangky", join_code_cmd)
    add_command(app, "donvi", unit_cmd)
    add_command(app, "chitieu", target_cmd)
    add_command(app, "moc", baseline_cmd)
    add_command(app, "thanhvien", member_cmd)
    add_command(app, "lienket", bind_cmd)
    add_command(app, "nhap", import_cmd)
    add_command(app, "nhatky", audit_cmd)
    app.add_handler(MessageHandler(filters.Document.ALL & filters.CaptionRegex(IMPORT_CAPTION), import_caption))
    app.add_handler(ChatMemberHandler(on_my_chat_member, ChatMemberHandler.MY_CHAT_MEMBER))
    app.add_handler(MessageHandler(filters.StatusUpdate.MIGRATE, on_migrate))
