"""The Telegram adapter over the conversation core: update -> Turn -> `Conversation.handle` -> PTB calls.

Every callback of handlers/ ends here. Telegram specifics stay here: inline keyboards, the button's
callback answer and the edit of the pressed message, quoting, private sends, document downloads, the
confirmation outbox for a stored report whose confirmation could not be sent (handlers/outbox.py), and
long work in the background with «⏳ Đang xử lý…» (handlers/background.py).
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, InputFile, Message, ReplyParameters, Update
from telegram.constants import ChatMemberStatus, ChatType
from telegram.error import BadRequest, Forbidden, TelegramError
from telegram.ext import Application, CommandHandler

from bot.conversation import TELEGRAM, Attachment, Conversation, Person, Reply, Turn
from bot.core.commands import BY_NAME
from bot.texts import t
from handlers.background import Progress, in_background
from handlers.base import CHANNEL, Callback, Ctx, args_text, reply, reply_id
from handlers.outbox import queue_confirmation
from handlers.reactions import react_or_reply

log = logging.getLogger(__name__)

ALERT_CHARS = 190  # a callback answer shows at most 200 characters


def conversation(context: Ctx) -> Conversation:
    """The router for Telegram, made once (after every handler module registered its commands)."""
    data = context.application.bot_data
    conv: Conversation | None = data.get("conversation")
    if conv is None:
        container = context.container
        links = container.links if container.settings.channel_names != {"telegram"} else None
        channel = TELEGRAM.with_commands(data.get("commands", []))
        conv = data["conversation"] = Conversation(container, channel, links=links)
        conv.replies_behind = data.get("intake") is not None  # its transactions write them (storage/behind.py)
    return conv


# ---- update -> Turn ---------------------------------------------------------------------------------


def _document(msg: Message | None) -> Attachment | None:
    if msg is None:
        return None
    doc = msg.document or (msg.reply_to_message.document if msg.reply_to_message is not None else None)
    if doc is None:
        return None
    return Attachment(doc.file_id, doc.file_name or "", doc.mime_type or "", doc.file_size)


def turn_of(update: Update, **fields: Any) -> Turn:
    user = update.effective_user
    chat = update.effective_chat
    msg = update.effective_message
    target = msg.reply_to_message if msg is not None else None
    author = target.from_user if target is not None else None
    return Turn(
        channel=CHANNEL, chat_id=str(chat.id) if chat else "0", chat_type=chat.type if chat else ChatType.PRIVATE,
        user_id=str(user.id) if user else "0", user_name=user.full_name if user else "",
        first_name=user.first_name if user else "", username=user.username if user else None,
        text=(msg.text or msg.caption or "") if msg is not None else "",
        message_id=msg.message_id if msg is not None else 0,
        reply_to_id=target.message_id if target is not None else None,
        reply_to_user=Person(str(author.id), author.full_name, author.is_bot) if author is not None else None,
        chat_title=chat.title if chat else None, attachment=_document(msg), **fields,
    )


def command_turn(update: Update) -> Turn:
    msg = update.effective_message
    word = ((msg.text or msg.caption or "") if msg is not None else "").split(maxsplit=1)
    name = word[0][1:].partition("@")[0] if word else ""
    return turn_of(update, command=name, args=args_text(update))


# ---- the callbacks ------------------------------------------------------------------------------------


async def route(update: Update, context: Ctx, turn: Turn) -> None:
    conv = conversation(context)

    async def reads_group() -> bool:
        return bool((await context.bot.get_me()).can_read_all_group_messages)

    replies = await conv.handle(turn, reads_group)
    await send(update, context, conv, replies)


async def on_command(update: Update, context: Ctx) -> None:
    if update.effective_user is None or update.effective_message is None or update.effective_user.is_bot:
        return
    await route(update, context, command_turn(update))


def acceptable(msg: Message | None) -> bool:
    """Only fresh human messages count: no bots, no forwards, no via-bot, no channel posts."""
    if msg is None or msg.from_user is None or msg.from_user.is_bot:
        return False
    if msg.forward_origin is not None or msg.via_bot is not None or msg.is_automatic_forward:
        return False
    return msg.sender_chat is None


async def on_text(update: Update, context: Ctx) -> None:
    if acceptable(update.message):
        await route(update, context, turn_of(update))


async def on_edit(update: Update, context: Ctx) -> None:
    msg = update.edited_message
    if not acceptable(msg) or msg is None:
        return
    revision = int(msg.edit_date.timestamp()) if msg.edit_date else int(msg.date.timestamp()) + 1
    await route(update, context, turn_of(update, revision=revision))


async def on_button(update: Update, context: Ctx) -> None:
    q = update.callback_query
    if q is None or q.data is None or q.from_user is None:
        return
    await route(update, context, turn_of(update, button=q.data))


# ---- Reply -> PTB calls -----------------------------------------------------------------------------


def markup(r: Reply) -> InlineKeyboardMarkup | None:
    if not r.choices:
        return None
    return InlineKeyboardMarkup([[InlineKeyboardButton(c.label, callback_data=c.data) for c in row]
                                 for row in r.choices])


async def send(update: Update, context: Ctx, conv: Conversation, replies: list[Reply]) -> None:
    private_failed = False
    for r in replies:
        if (r.when == "private_sent" and private_failed) or (r.when == "private_failed" and not private_failed):
            continue
        if r.private:
            private_failed = not await _send_private(update, context, r)
        elif r.deferred is not None:
            await _defer(update, context, conv, r)
        else:
            await _send_one(update, context, conv, r)


async def _send_one(update: Update, context: Ctx, conv: Conversation, r: Reply) -> None:
    q = update.callback_query
    if r.kind == "alert" and q is not None:
        await (q.answer(r.text[:ALERT_CHARS], show_alert=True) if r.text else q.answer())
    elif r.kind == "edit" and q is not None:
        sent = await _edit_or_send(q.message, r.text, markup(r))
        if sent is not None and r.report_id is not None:
            await conv.record_reply(r.report_id, sent.message_id)
    elif r.kind == "confirmation" and r.react:
        await react_or_reply(update, context, conv, r, _confirm_unquoted_ok)
    elif r.kind == "confirmation":
        await _confirm(update, context, conv, r)
    elif r.photo is not None or r.file is not None:
        await _send_media(update, r)
    elif r.reply_to is not None and update.effective_chat is not None:
        await context.bot.send_message(update.effective_chat.id, r.text,
                                       reply_parameters=ReplyParameters(r.reply_to, allow_sending_without_reply=True))
    else:
        for i, piece in enumerate(r.pieces):
            await reply(update, piece, reply_markup=markup(r) if i == len(r.pieces) - 1 else None)


async def _send_private(update: Update, context: Ctx, r: Reply) -> bool:
    user = update.effective_user
    if user is None:
        return False
    try:
        for piece in r.pieces:
            await context.bot.send_message(user.id, piece)
    except TelegramError:  # never talked to the bot in private: Telegram refuses the message
        return False
    return True


async def _confirm(update: Update, context: Ctx, conv: Conversation, r: Reply, *, unquoted_ok: bool = False) -> None:
    """A stored report's confirmation: its message id is recorded; a transient failure goes to the outbox.
    `unquoted_ok`: sent even if the member's message is gone (then it quotes nothing)."""
    try:
        sent = await reply_id(update, r.text, reply_markup=markup(r), allow_sending_without_reply=unquoted_ok)
    except TelegramError as exc:
        # the report IS stored: never let the error handler say "nothing was changed". A transient
        # failure goes to the confirmation outbox (retried until sent or stale); a permanent one is logged.
        msg = update.effective_message
        if isinstance(exc, BadRequest | Forbidden) or msg is None:
            log.error("report stored but its confirmation could not be sent: %s", exc)
            return
        button = r.choices[0][0].label if r.choices else None
        await queue_confirmation(context, chat_id=msg.chat_id, reply_to=msg.message_id, report_id=r.report_id,
                                 text=r.text, button=button, error=exc)
        return
    if sent is not None:
        await conv.record_reply(r.report_id, sent)


async def _confirm_unquoted_ok(update: Update, context: Ctx, conv: Conversation, r: Reply) -> None:
    """The reply that stands in for a refused reaction: the member's message may be gone (hence the refusal)."""
    await _confirm(update, context, conv, r, unquoted_ok=True)


async def _send_media(update: Update, r: Reply) -> None:
    msg, chat = update.effective_message, update.effective_chat
    quote: dict[str, Any] = {} if r.quote is None else {"do_quote": True}
    if r.photo is not None:
        if r.quote is False and chat is not None:
            await chat.send_photo(r.photo, caption=r.caption)
        elif msg is not None:
            await msg.reply_photo(r.photo, caption=r.caption, **quote)
    elif r.file is not None:
        doc = InputFile(r.file[1], filename=r.file[0])
        if r.quote is False and chat is not None:
            await chat.send_document(doc, caption=r.caption)
        elif msg is not None:
            await msg.reply_document(doc, caption=r.caption, **quote)


async def _edit_or_send(message: object, text: str, keyboard: InlineKeyboardMarkup | None = None) -> Message | None:
    if isinstance(message, Message):
        try:
            edited = await message.edit_text(text, reply_markup=keyboard)
            return edited if isinstance(edited, Message) else message
        except BadRequest:
            return await message.reply_text(text, reply_markup=keyboard)
    return None


async def _defer(update: Update, context: Ctx, conv: Conversation, r: Reply) -> None:
    """Long work: «⏳ Đang xử lý…» at once, the work as a task (a download first, if any), then its replies."""
    job = r.deferred
    assert job is not None

    async def work(progress: Progress) -> None:
        data: bytes | None = None
        if job.download is not None:
            try:
                tg_file = await context.bot.get_file(job.download.file_id)
                data = bytes(await tg_file.download_as_bytearray())
            except TelegramError:
                log.warning("could not download import file %s", job.download.name, exc_info=True)
                await reply(update, t("org.import_download_failed", job.lang))
                return
        loop = asyncio.get_running_loop()

        def check(chat_ids: list[str]) -> frozenset[str]:
            return asyncio.run_coroutine_threadsafe(_chats_with_bot(context, chat_ids), loop).result()

        done = await asyncio.to_thread(job.run, progress, data, check)
        await send(update, context, conv, done)

    await in_background(update, context, job.lang, work)


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


def add_command(app: Application[Any, Any, Any, Any, Any, Any], name: str, callback: Callback | None = None) -> None:
    """Register a command from the command table, with its alias; the conversation core gates and answers it
    (handlers/adapter.on_command) unless `callback` says otherwise."""
    spec = BY_NAME[name]
    app.add_handler(CommandHandler(list(spec.names), on_command if callback is None else callback))
    registered: list[str] = app.bot_data.setdefault("commands", [])  # the menu and /trogiup are built from it
    if spec.name not in registered:
        registered.append(spec.name)
