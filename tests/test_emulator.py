"""The Bot API emulator (bot/emulator), driven with raw httpx and with PTB's own telegram.Bot."""

from __future__ import annotations

import asyncio
import base64
import struct
import time
import zlib
from collections.abc import AsyncIterator

import httpx
import pytest
from aiohttp import web
from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeAllGroupChats,
    BotCommandScopeChat,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    MessageEntity,
    ReplyParameters,
    Update,
)
from telegram.error import BadRequest, ChatMigrated, Forbidden, NetworkError, RetryAfter, TimedOut
from telegram.ext import AIORateLimiter, ApplicationBuilder, CommandHandler, ContextTypes
from telegram.request import HTTPXRequest

from bot.emulator import ControlClient, Emulator, Limits, User

# PTB's own RetryAfter.__init__ warns about the int -> timedelta change of retry_after
pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")

GROUP = -1001
AN = User(101, "An", "Nguyễn", username="an_nguyen")
BINH = User(102, "Bình", language_code="vi")


def tiny_png(width: int = 3, height: int = 2) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    raw = b"".join(b"\x00" + b"\xff\x00\x00" * width for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


async def make_emulator(limits: Limits | None = None, **kwargs: object) -> Emulator:
    emu = Emulator(limits=limits or Limits.off(), **kwargs)  # type: ignore[arg-type]
    await emu.start()
    emu.private_chat(AN)
    emu.group_chat(GROUP, "UBND xã Đông Tâm", members=[AN], admins=[BINH])
    return emu


@pytest.fixture
async def emu() -> AsyncIterator[Emulator]:
    emulator = await make_emulator()
    yield emulator
    await emulator.stop()


@pytest.fixture
async def bot(emu: Emulator) -> AsyncIterator[Bot]:
    async with Bot(emu.token, base_url=emu.base_url, base_file_url=emu.base_file_url) as tg_bot:
        yield tg_bot


@pytest.fixture
async def http(emu: Emulator) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=f"{emu.base_url}{emu.token}/", timeout=10) as client:
        yield client


# ---------------------------------------------------------------- basics


async def test_get_me_and_http_errors(emu: Emulator, bot: Bot, http: httpx.AsyncClient) -> None:
    me = await bot.get_me()
    assert me.username == "VneidTestBot" and me.is_bot and me.id == 123456

    for response in (await http.get("getMe"), await http.post("getMe", json={}), await http.post("getme")):
        assert response.status_code == 200 and response.json()["result"]["username"] == "VneidTestBot"

    wrong = await http.get(f"{emu.base_url}999:WRONG/getMe")
    assert wrong.status_code == 401
    assert wrong.json() == {"ok": False, "error_code": 401, "description": "Unauthorized"}

    missing = await http.post("sendTelepathy", json={})
    assert missing.status_code == 404
    assert missing.json() == {"ok": False, "error_code": 404, "description": "Not Found: method not found"}

    unknown_chat = await http.post("sendMessage", json={"chat_id": 5, "text": "x"})
    assert unknown_chat.json() == {"ok": False, "error_code": 400, "description": "Bad Request: chat not found"}
    with pytest.raises(BadRequest, match="Chat not found"):
        await bot.send_message(5, "x")


async def test_parameters_as_json_form_query_and_multipart(emu: Emulator, http: httpx.AsyncClient) -> None:
    markup = '{"inline_keyboard": [[{"text": "OK", "callback_data": "ok"}]]}'
    as_json = await http.post("sendMessage", json={"chat_id": AN.id, "text": "json", "reply_markup": {
        "inline_keyboard": [[{"text": "OK", "callback_data": "ok"}]]}})
    as_form = await http.post("sendMessage", data={"chat_id": str(AN.id), "text": "123", "reply_markup": markup})
    as_query = await http.get("sendMessage", params={"chat_id": AN.id, "text": "query"})
    as_multipart = await http.post("sendMessage", data={"chat_id": str(AN.id), "text": "multi"},
                                   files={"unused": ("a.txt", b"a")})
    results = [r.json() for r in (as_json, as_form, as_query, as_multipart)]
    assert all(r["ok"] for r in results), results
    assert [r["result"]["text"] for r in results] == ["json", "123", "query", "multi"]
    assert results[1]["result"]["reply_markup"] == {"inline_keyboard": [[{"text": "OK", "callback_data": "ok"}]]}
    assert [m.text for m in emu.sent(AN.id)] == ["json", "123", "query", "multi"]
    assert emu.stats.calls["sendMessage"] == 4


# ---------------------------------------------------------------- getUpdates


async def test_long_poll_returns_early_when_an_update_arrives(emu: Emulator, bot: Bot) -> None:
    async def user_writes_later() -> None:
        await asyncio.sleep(0.3)
        emu.send_message(AN.id, AN, "xin chào")

    started = time.monotonic()
    writer = asyncio.create_task(user_writes_later())
    updates = await bot.get_updates(timeout=5)
    elapsed = time.monotonic() - started
    await writer
    assert 0.25 <= elapsed < 2.0
    assert len(updates) == 1 and updates[0].message is not None
    assert updates[0].message.text == "xin chào" and updates[0].message.from_user is not None
    assert updates[0].message.from_user.id == AN.id


async def test_long_poll_waits_for_the_timeout_when_nothing_arrives(bot: Bot) -> None:
    started = time.monotonic()
    updates = await bot.get_updates(timeout=1)
    elapsed = time.monotonic() - started
    assert updates == ()
    assert 0.9 <= elapsed < 2.5


async def test_offset_confirms_and_limit(emu: Emulator, bot: Bot) -> None:
    for text in ("1", "2", "3"):
        emu.send_message(AN.id, AN, text)
    first = await bot.get_updates(timeout=0)
    assert [u.message.text for u in first if u.message] == ["1", "2", "3"]
    again = await bot.get_updates(timeout=0)  # not confirmed: delivered again
    assert [u.update_id for u in again] == [u.update_id for u in first]
    limited = await bot.get_updates(offset=first[1].update_id, limit=1, timeout=0)
    assert [u.update_id for u in limited] == [first[1].update_id]
    with pytest.raises(TimeoutError):
        await emu.wait_idle(timeout=0.05)
    assert await bot.get_updates(offset=first[-1].update_id + 1, timeout=0) == ()
    assert await emu.wait_idle(timeout=0.1)

    for text in ("4", "5", "6"):
        emu.send_message(AN.id, AN, text)
    last = await bot.get_updates(offset=-1, timeout=0)
    assert [u.message.text for u in last if u.message] == ["6"]


async def test_second_poller_conflicts_the_first(emu: Emulator, http: httpx.AsyncClient) -> None:
    first = asyncio.create_task(http.post("getUpdates", json={"timeout": 5}))
    await asyncio.sleep(0.2)
    second = await http.post("getUpdates", json={"timeout": 0})
    answer = await first
    assert second.json() == {"ok": True, "result": []}
    assert answer.status_code == 409 and "terminated by other getUpdates request" in answer.json()["description"]


async def test_allowed_updates_filter(emu: Emulator, http: httpx.AsyncClient) -> None:
    emu.send_message(AN.id, AN, "hello")
    emu.send_update({"message_reaction": {"chat": emu.chat(GROUP), "message_id": 1, "date": 0,
                                          "old_reaction": [], "new_reaction": []}})
    answer = await http.post("getUpdates", data={"allowed_updates": '["callback_query"]', "timeout": "0"})
    assert answer.json()["result"] == []
    assert emu.pending_updates == []


async def test_redelivered_update_keeps_its_id(emu: Emulator, bot: Bot) -> None:
    emu.send_message(GROUP, AN, "Thôn Đông Tâm hôm nay 12")
    update_id = emu.last_update_id
    assert update_id is not None
    first = await bot.get_updates(timeout=0)
    assert await bot.get_updates(offset=first[-1].update_id + 1, timeout=0) == ()
    emu.redeliver(update_id)
    again = await bot.get_updates(offset=first[-1].update_id + 1, timeout=1)
    assert [u.update_id for u in again] == [update_id]
    assert again[0].message is not None and again[0].message.text == "Thôn Đông Tâm hôm nay 12"


# ---------------------------------------------------------------- messages


async def test_send_reply_edit_delete(emu: Emulator, bot: Bot) -> None:
    user_msg = emu.send_message(GROUP, AN, "Thôn 3 hôm nay 12")
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("Hoàn tác", callback_data="undo:7")]])
    sent = await bot.send_message(GROUP, "Đã ghi <b>12</b>", parse_mode="HTML", reply_markup=keyboard,
                                  reply_parameters=ReplyParameters(user_msg["message_id"]))
    assert sent.text == "Đã ghi 12" and sent.message_id == user_msg["message_id"] + 1
    assert sent.entities == (MessageEntity("bold", 7, 2),)
    assert sent.reply_to_message is not None and sent.reply_to_message.text == "Thôn 3 hôm nay 12"
    assert sent.from_user is not None and sent.from_user.id == emu.bot_id
    assert sent.reply_markup == keyboard

    old_style = await bot.send_message(GROUP, "again", reply_to_message_id=user_msg["message_id"])
    assert old_style.reply_to_message is not None
    with pytest.raises(BadRequest, match="Message to be replied not found"):
        await bot.send_message(GROUP, "x", reply_parameters=ReplyParameters(999))

    edited = await bot.edit_message_text("Đã hoàn tác", chat_id=GROUP, message_id=sent.message_id)
    assert isinstance(edited, Message)
    assert edited.text == "Đã hoàn tác" and edited.edit_date is not None and edited.reply_markup is None
    with pytest.raises(BadRequest, match="Message is not modified"):
        await bot.edit_message_text("Đã hoàn tác", chat_id=GROUP, message_id=sent.message_id)
    with pytest.raises(BadRequest, match="can't be edited"):
        await bot.edit_message_text("hack", chat_id=GROUP, message_id=user_msg["message_id"])
    await bot.edit_message_reply_markup(GROUP, sent.message_id, reply_markup=keyboard)

    assert await bot.delete_message(GROUP, sent.message_id)
    with pytest.raises(BadRequest, match="Message to delete not found"):
        await bot.delete_message(GROUP, sent.message_id)

    record = emu.sent_message(GROUP, sent.message_id)
    assert record.deleted and record.edited and record.text == "Đã hoàn tác"
    assert [h["text"] for h in record.history] == ["Đã ghi 12", "Đã hoàn tác"]
    assert record.reply_to_message_id == user_msg["message_id"] and record.parse_mode is None
    assert record.reply_markup == keyboard.to_dict()
    assert [r.kind for r in emu.sent(GROUP)] == ["text", "text"]
    assert await bot.send_chat_action(GROUP, "typing")
    assert emu.chat_actions[-1]["action"] == "typing"


async def test_document_and_photo_upload_round_trip(emu: Emulator, bot: Bot) -> None:
    payload = "mã,tên\nDT,Đông Tâm\n".encode() + bytes(range(256))
    doc = await bot.send_document(GROUP, payload, filename="tien-do.csv", caption="<i>Xuất</i>",
                                  parse_mode="HTML")
    assert doc.document is not None and doc.document.file_name == "tien-do.csv"
    assert doc.document.file_size == len(payload) and doc.caption == "Xuất"
    png = tiny_png(30, 20)
    photo = await bot.send_photo(GROUP, png, caption="Biểu đồ")
    assert photo.photo[-1].width == 30 and photo.photo[-1].height == 20

    doc_record, photo_record = emu.sent(GROUP)
    assert doc_record.kind == "document" and doc_record.file_bytes == payload
    assert doc_record.filename == "tien-do.csv" and doc_record.mime_type == "text/csv"
    assert doc_record.caption == "Xuất"
    assert photo_record.kind == "photo" and photo_record.file_bytes == png and photo_record.caption == "Biểu đồ"

    again = await bot.send_document(AN.id, doc.document.file_id)  # re-send by file_id
    assert again.document is not None and again.document.file_id == doc.document.file_id
    downloaded = await (await bot.get_file(doc.document.file_id)).download_as_bytearray()
    assert bytes(downloaded) == payload

    with pytest.raises(BadRequest, match="Image_process_failed|IMAGE_PROCESS_FAILED"):
        await bot.send_photo(GROUP, b"not an image at all")
    with pytest.raises(BadRequest, match="caption is too long"):
        await bot.send_document(GROUP, b"x", filename="x.txt", caption="c" * 1025)
    assert len(emu.sent(GROUP)) == 2


async def test_user_document_can_be_downloaded(emu: Emulator, bot: Bot) -> None:
    content = b"code,name,kind,parent_code\nDT,Dong Tam,commune,\n"
    emu.send_document(GROUP, BINH, "units.csv", content, caption="/nhap")
    (update,) = await bot.get_updates(timeout=1)
    assert update.message is not None and update.message.document is not None
    assert update.message.caption == "/nhap" and update.message.document.mime_type == "text/csv"
    file = await bot.get_file(update.message.document.file_id)
    assert file.file_path is not None and file.file_path.startswith(emu.base_file_url)
    assert bytes(await file.download_as_bytearray()) == content
    with pytest.raises(BadRequest):
        await bot.get_file("nope")


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("<b>12", 'Can\'t find end tag corresponding to start tag "b"'),
        ("dòng 1<br>dòng 2", 'Unsupported start tag "br" at byte offset 7'),
        ("12 < 15", 'Unsupported start tag "" at byte offset 3'),
        ("<b><i>x</b></i>", 'Unmatched end tag at byte offset 7, expected "</i>", found "</b>"'),
        ("x</b>", "Unexpected end tag at byte offset 1"),
        ("<span>x</span>", 'Tag "span" must have class "tg-spoiler" at byte offset 0'),
        ("<b", "Unclosed start tag at byte offset 0"),
    ],
)
async def test_html_must_be_well_formed(http: httpx.AsyncClient, text: str, error: str) -> None:
    answer = (await http.post("sendMessage", json={"chat_id": AN.id, "text": text, "parse_mode": "HTML"})).json()
    assert answer["ok"] is False and answer["error_code"] == 400
    assert answer["description"] == f"Bad Request: can't parse entities: {error}"


async def test_html_entities_and_utf16_offsets(bot: Bot) -> None:
    text = ('📊 <b>Tiến độ</b> &lt;xã&gt; &amp; <a href="https://example.org/?a=1&amp;b=2">link</a> '
            '<tg-spoiler>s</tg-spoiler> <pre><code class="language-python">x = 1</code></pre> '
            '<blockquote expandable>q</blockquote> &#128512;')
    message = await bot.send_message(AN.id, text, parse_mode="HTML")
    assert message.text == "📊 Tiến độ <xã> & link s x = 1 q 😀"
    by_type = {e.type: e for e in message.entities}
    assert by_type["bold"].offset == 3 and by_type["bold"].length == 7  # 📊 is two UTF-16 units
    assert by_type["text_link"].url == "https://example.org/?a=1&b=2"
    assert by_type["pre"].language == "python"
    assert "expandable_blockquote" in by_type and "spoiler" in by_type
    assert message.parse_entity(by_type["bold"]) == "Tiến độ"


async def test_markdown_v2_reserved_characters(bot: Bot) -> None:
    with pytest.raises(BadRequest, match="(?i)character '.' is reserved"):
        await bot.send_message(AN.id, "Đạt 79.7%", parse_mode="MarkdownV2")
    with pytest.raises(BadRequest, match="(?i)can.t find end of bold entity"):
        await bot.send_message(AN.id, "*đậm", parse_mode="MarkdownV2")
    ok = await bot.send_message(AN.id, r"*Đạt* 79\.7% _x_ `a.b` [l](https://e.org)", parse_mode="MarkdownV2")
    assert ok.text == "Đạt 79.7% x a.b l"
    assert [e.type for e in ok.entities] == ["bold", "italic", "code", "text_link"]


async def test_text_length_limits(emu: Emulator, bot: Bot) -> None:
    assert len((await bot.send_message(AN.id, "a" * 4096)).text or "") == 4096
    # markup does not count: 4096 characters after entity parsing
    assert await bot.send_message(AN.id, "<b>" + "ệ" * 4096 + "</b>", parse_mode="HTML")
    with pytest.raises(BadRequest, match="Message is too long"):
        await bot.send_message(AN.id, "a" * 4097)
    with pytest.raises(BadRequest, match="Message text is empty"):
        await bot.send_message(AN.id, "<b> </b>", parse_mode="HTML")
    assert len(emu.sent(AN.id)) == 2


async def test_bot_command_entities_and_callback_query(emu: Emulator, bot: Bot) -> None:
    emu.send_message(GROUP, AN, "/baocao@VneidTestBot 12 mức 2")
    emu.send_message(GROUP, AN, "/tiendo")
    updates = await bot.get_updates(timeout=0)
    first, second = (u.message for u in updates)
    assert first is not None and second is not None
    assert first.entities == (MessageEntity("bot_command", 0, 20),)
    assert first.parse_entities([MessageEntity.BOT_COMMAND]) == {first.entities[0]: "/baocao@VneidTestBot"}
    assert second.entities == (MessageEntity("bot_command", 0, 7),)

    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("Hoàn tác", callback_data="undo:42"),
                                      InlineKeyboardButton("Web", url="https://example.org")]])
    sent = await bot.send_message(GROUP, "Đã ghi 12", reply_markup=keyboard)
    with pytest.raises(LookupError):
        emu.press_button(GROUP, sent.message_id, AN, "undo:43")
    emu.press_button(GROUP, sent.message_id, AN, "undo:42")
    (update,) = await bot.get_updates(offset=updates[-1].update_id + 1, timeout=1)
    query = update.callback_query
    assert query is not None and query.data == "undo:42" and query.from_user.id == AN.id
    assert query.message is not None and query.message.message_id == sent.message_id
    assert query.message.chat.id == GROUP

    assert await bot.answer_callback_query(query.id, text="Đã hoàn tác")
    assert emu.callback_answers[-1]["text"] == "Đã hoàn tác" and emu.callback_answers[-1]["data"] == "undo:42"
    with pytest.raises(BadRequest, match="[Qq]uery is too old"):
        await bot.answer_callback_query(query.id)

    with pytest.raises(BadRequest, match="Button_data_invalid|BUTTON_DATA_INVALID"):
        await bot.send_message(GROUP, "x", reply_markup=InlineKeyboardMarkup(
            [[InlineKeyboardButton("x", callback_data="x" * 65)]]))


async def test_commands_per_scope_and_language(emu: Emulator, bot: Bot) -> None:
    await bot.set_my_commands([BotCommand("baocao", "Báo cáo"), BotCommand("tiendo", "Tiến độ")])
    await bot.set_my_commands([BotCommand("report", "Report")], language_code="en")
    await bot.set_my_commands([BotCommand("tonghop", "Tổng hợp")], scope=BotCommandScopeChat(GROUP))
    await bot.set_my_commands([BotCommand("xephang", "Xếp hạng")], scope=BotCommandScopeAllGroupChats())
    assert [c["command"] for c in emu.get_commands()] == ["baocao", "tiendo"]
    assert [c["command"] for c in emu.get_commands("default", "en")] == ["report"]
    assert [c["command"] for c in emu.get_commands(f"chat:{GROUP}")] == ["tonghop"]
    assert emu.commands[("all_group_chats", "")] == [{"command": "xephang", "description": "Xếp hạng"}]
    got = await bot.get_my_commands(scope=BotCommandScopeChat(GROUP))
    assert [c.command for c in got] == ["tonghop"]
    with pytest.raises(BadRequest, match="Bot_command_invalid|BOT_COMMAND_INVALID"):
        await bot.set_my_commands([BotCommand("BaoCao", "x")])
    await bot.delete_my_commands(language_code="en")
    assert emu.get_commands("default", "en") == []
    assert await bot.set_my_description("Báo cáo VNeID", language_code="vi")
    assert (await bot.get_my_description(language_code="vi")).description == "Báo cáo VNeID"
    assert emu.profile[("description", "vi")] == "Báo cáo VNeID"


async def test_chat_info_members_and_admins(emu: Emulator, bot: Bot) -> None:
    chat = await bot.get_chat(GROUP)
    assert chat.title == "UBND xã Đông Tâm" and chat.type == "group"
    assert (await bot.get_chat(AN.id)).username == "an_nguyen"
    assert (await bot.get_chat_member(GROUP, AN.id)).status == "member"
    assert (await bot.get_chat_member(GROUP, emu.bot_id)).status == "member"
    admins = await bot.get_chat_administrators(GROUP)
    assert [a.user.id for a in admins] == [BINH.id] and admins[0].status == "administrator"
    assert await bot.get_chat_member_count(GROUP) == 3
    emu.set_bot_status(GROUP, "administrator")
    assert len(await bot.get_chat_administrators(GROUP)) == 2


async def test_blocked_removed_and_migrated_chats(emu: Emulator, bot: Bot) -> None:
    emu.block_chat(AN.id)
    with pytest.raises(Forbidden, match="bot was blocked by the user"):
        await bot.send_message(AN.id, "nhắc báo cáo")
    emu.unblock_chat(AN.id)
    assert await bot.send_message(AN.id, "nhắc báo cáo")

    emu.group_chat(-2002, "Thôn Bãi", members=[AN])
    new_id = emu.migrate_group(-2002, by=AN)
    assert str(new_id).startswith("-100")
    with pytest.raises(ChatMigrated) as migrated:
        await bot.send_message(-2002, "x")
    assert migrated.value.new_chat_id == new_id
    assert (await bot.send_message(new_id, "ok")).chat.type == "supergroup"

    emu.bot_removed_from(GROUP)
    with pytest.raises(Forbidden, match="kicked from the group chat"):
        await bot.send_message(GROUP, "x")
    updates = await bot.get_updates(timeout=0)
    assert updates[0].message is not None and updates[0].message.migrate_to_chat_id == new_id
    assert updates[1].message is not None and updates[1].message.migrate_from_chat_id == -2002
    member_update = updates[2].my_chat_member
    assert member_update is not None and member_update.new_chat_member.status == "kicked"
    assert member_update.chat.id == GROUP
    assert len(emu.sent()) == 2


async def test_arbitrary_updates_and_privacy_mode() -> None:
    emu = await make_emulator(privacy_mode=True)
    try:
        async with Bot(emu.token, base_url=emu.base_url) as bot:
            assert (await bot.get_me()).can_read_all_group_messages is False
            emu.send_message(GROUP, AN, "chuyện phiếm")  # hidden from the bot
            emu.send_message(GROUP, AN, "/tiendo")
            emu.send_update({"message": {"message_id": 50, "date": 0, "chat": emu.chat(GROUP),
                                         "from": AN.to_dict(), "sticker": {
                                             "file_id": "s", "file_unique_id": "s", "width": 1, "height": 1,
                                             "is_animated": False, "is_video": False, "type": "regular"}}})
            updates = await bot.get_updates(timeout=0)
            assert [u.message.text for u in updates if u.message] == ["/tiendo", None]
            assert updates[1].message is not None and updates[1].message.sticker is not None
            reply = await bot.send_message(GROUP, "x", reply_parameters=ReplyParameters(50))
            assert reply.reply_to_message is not None and reply.message_id == 51
    finally:
        await emu.stop()


# ---------------------------------------------------------------- limits


async def test_group_limit_25_messages_exactly_20_pass() -> None:
    emu = await make_emulator(Limits(group_window=2.0))
    try:
        async with httpx.AsyncClient(base_url=f"{emu.base_url}{emu.token}/") as http:
            answers = [(await http.post("sendMessage", json={"chat_id": GROUP, "text": f"m{i}"})).json()
                       for i in range(25)]
            passed = [a for a in answers if a["ok"]]
            limited = [a for a in answers if not a["ok"]]
            assert len(passed) == 20 and len(limited) == 5
            for answer in limited:
                assert answer["error_code"] == 429
                retry = answer["parameters"]["retry_after"]
                assert isinstance(retry, int) and retry >= 1
                assert answer["description"] == f"Too Many Requests: retry after {retry}"
            assert len(emu.sent(GROUP)) == 20 and emu.stats.rate_limited == 5
            await asyncio.sleep(limited[-1]["parameters"]["retry_after"])
            honoured = (await http.post("sendMessage", json={"chat_id": GROUP, "text": "after"})).json()
            assert honoured["ok"], honoured
    finally:
        await emu.stop()


async def test_private_burst_then_one_per_second_and_global_limit() -> None:
    emu = await make_emulator(Limits())
    try:
        request = HTTPXRequest(connection_pool_size=40)
        async with Bot(emu.token, base_url=emu.base_url, request=request) as bot:
            for i in range(5):
                await bot.send_message(AN.id, f"burst {i}")
            with pytest.raises(RetryAfter) as limited:
                await bot.send_message(AN.id, "too fast")
            assert "Retry in 1 seconds" in str(limited.value)
            await asyncio.sleep(1.0)
            await bot.send_message(AN.id, "after waiting")

            users = [User(1000 + i, f"U{i}") for i in range(31)]
            for user in users:
                emu.private_chat(user)
            results = await asyncio.gather(*(bot.send_message(u.id, "hi") for u in users),
                                           return_exceptions=True)
            errors = [r for r in results if isinstance(r, Exception)]
            assert len(errors) >= 1 and all(isinstance(e, RetryAfter) for e in errors)
            assert len(emu.sent()) == 6 + 31 - len(errors)
    finally:
        await emu.stop()


async def test_aio_rate_limiter_burst_passes_without_errors() -> None:
    emu = await make_emulator(Limits(group_window=2.0))
    try:
        app = (
            ApplicationBuilder()
            .token(emu.token)
            .base_url(emu.base_url)
            .base_file_url(emu.base_file_url)
            .rate_limiter(AIORateLimiter(group_max_rate=20, group_time_period=2.0, max_retries=5))
            .updater(None)
            .build()
        )
        async with app:
            started = time.monotonic()
            texts = [f"Thông báo {i}" for i in range(40)]
            results = await asyncio.gather(*(app.bot.send_message(GROUP, t) for t in texts),
                                           return_exceptions=True)
            elapsed = time.monotonic() - started
        assert [r for r in results if isinstance(r, BaseException)] == []
        sent_texts = [r.content for r in emu.sent(GROUP)]
        assert sorted(sent_texts) == sorted(texts) and len(sent_texts) == 40  # each exactly once
        assert emu.stats.calls["sendMessage"] == 40 + emu.stats.rate_limited
        assert elapsed < 15
    finally:
        await emu.stop()


# ---------------------------------------------------------------- faults


async def test_fault_injection_fails_before_side_effects(emu: Emulator, bot: Bot) -> None:
    emu.inject_faults(1.0, kinds=("500",), methods=["sendMessage"])
    with pytest.raises(NetworkError, match="Internal Server Error"):
        await bot.send_message(AN.id, "x")
    assert await bot.get_me()  # other methods untouched
    emu.inject_faults(1.0, kinds=("429",), methods=["sendMessage"])
    with pytest.raises(RetryAfter):
        await bot.send_message(AN.id, "x")
    emu.inject_faults(1.0, kinds=("timeout",), methods=["sendMessage"])
    with pytest.raises(NetworkError):
        await bot.send_message(AN.id, "x")
    assert emu.sent() == [] and emu.stats.faults_injected == 3 and emu.stats.too_many_requests == 1

    emu.inject_faults(0.5, seed=7, methods=["sendMessage"])
    failures = 0
    for i in range(20):
        try:
            await bot.send_message(AN.id, f"m{i}")
        except (NetworkError, RetryAfter):
            failures += 1
    assert 3 <= failures <= 17 and len(emu.sent()) == 20 - failures
    emu.clear_faults()
    assert await bot.send_message(AN.id, "ok")

    emu.inject_faults(1.0, kinds=("timeout",), methods=["sendMessage"], timeout_delay=0.5)
    async with Bot(emu.token, base_url=emu.base_url, request=HTTPXRequest(read_timeout=0.2)) as impatient:
        with pytest.raises(TimedOut):
            await impatient.send_message(AN.id, "x")

    emu.inject_faults(1.0, kinds=("500",))  # every method by default
    with pytest.raises(NetworkError):
        await bot.get_me()
    emu.clear_faults()
    with pytest.raises(ValueError):
        emu.inject_faults(0.5, kinds=("teapot",))


# ---------------------------------------------------------------- a PTB Application, control API, webhook


async def test_ptb_application_polls_and_replies(emu: Emulator) -> None:
    async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None
        await update.effective_message.reply_text(f"pong {' '.join(context.args or [])}")

    app = ApplicationBuilder().token(emu.token).base_url(emu.base_url).base_file_url(emu.base_file_url).build()
    app.add_handler(CommandHandler("ping", echo))
    async with app:
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(timeout=2, drop_pending_updates=True)
        try:
            mark = emu.mark()
            user_msg = emu.send_message(GROUP, AN, "/ping@VneidTestBot 1 2")
            (reply,) = await emu.wait_for_messages(GROUP, count=1, timeout=5, since=mark)
            assert reply.text == "pong 1 2" and reply.reply_to_message_id == user_msg["message_id"]
            await emu.wait_idle(timeout=5)
            with pytest.raises(TimeoutError):
                await emu.wait_for_messages(GROUP, count=2, timeout=0.2, since=mark)
        finally:
            await app.updater.stop()
            await app.stop()


async def test_control_api_via_client(emu: Emulator, bot: Bot) -> None:
    async with ControlClient(emu.url) as control:
        info = await control.info()
        assert info["base_url"] == emu.base_url
        await control.group_chat(-3003, "Thôn Nà Pục", members=[AN], admins=[{"id": 7, "first_name": "Trưởng"}])
        posted = await control.message(-3003, AN, "Thôn Nà Pục hôm nay 5")
        (update,) = await bot.get_updates(timeout=1)
        assert update.message is not None and update.message.text == "Thôn Nà Pục hôm nay 5"

        waiting = asyncio.create_task(control.wait(-3003, after_id=posted["message_id"], timeout=5))
        await asyncio.sleep(0.1)
        keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("Hoàn tác", callback_data="undo:1")]])
        reply = await bot.send_message(-3003, "Đã ghi 5", reply_markup=keyboard,
                                       reply_parameters=ReplyParameters(posted["message_id"]))
        (seen,) = await waiting
        assert seen["text"] == "Đã ghi 5" and seen["reply_to_message_id"] == posted["message_id"]
        assert await control.wait(-3003, after_id=reply.message_id, timeout=0.2) == []
        assert [m["message_id"] for m in await control.sent(-3003)] == [reply.message_id]

        edited = await control.edit(-3003, posted["message_id"], "Thôn Nà Pục hôm nay 6")
        pressed = await control.press(-3003, reply.message_id, AN, "undo:1")
        assert pressed["callback_query"]["data"] == "undo:1"
        doc = await control.document(-3003, AN, "t.csv", b"a;b\n1;2\n", caption="nhập")
        updates = await bot.get_updates(offset=update.update_id + 1, timeout=1)
        assert updates[0].edited_message is not None and updates[0].edited_message.text == edited["text"]
        assert updates[1].callback_query is not None
        assert updates[2].message is not None and updates[2].message.document is not None
        assert updates[2].message.message_id == doc["message_id"]
        file = await bot.get_file(updates[2].message.document.file_id)
        assert bytes(await file.download_as_bytearray()) == b"a;b\n1;2\n"

        photo = await bot.send_photo(-3003, tiny_png())
        assert await control.file(-3003, photo.message_id) == tiny_png()
        raw = await control.update({"my_chat_member": {
            "chat": emu.chat(-3003), "from": AN.to_dict(), "date": 0,
            "old_chat_member": {"user": emu.bot_user, "status": "member"},
            "new_chat_member": {"user": emu.bot_user, "status": "left"}}})
        assert raw["update_id"] > updates[-1].update_id
        assert (await control.stats())["calls"]["sendMessage"] == 1
        assert await control.block(AN.id)
        with pytest.raises(Forbidden):
            await bot.send_message(AN.id, "x")
        assert (await control.commands()) == []

        answer = await control._http.post("/message", json={"chat_id": -9, "user": AN.to_dict(), "text": "x"})
        assert answer.status_code == 400 and answer.json()["ok"] is False


async def test_webhook_delivery(emu: Emulator, bot: Bot) -> None:
    received: list[dict[str, object]] = []
    secrets: list[str | None] = []
    arrived = asyncio.Event()

    async def hook(request: web.Request) -> web.Response:
        received.append(await request.json())
        secrets.append(request.headers.get("X-Telegram-Bot-Api-Secret-Token"))
        arrived.set()
        return web.Response()

    app = web.Application()
    app.router.add_post("/hook", hook)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        assert await bot.set_webhook(f"http://127.0.0.1:{port}/hook", secret_token="s3cret")
        assert (await bot.get_webhook_info()).url.endswith("/hook")
        with pytest.raises(Exception, match="webhook is active"):
            await bot.get_updates(timeout=0)
        emu.send_message(AN.id, AN, "/start")
        await asyncio.wait_for(arrived.wait(), 5)
        await emu.wait_idle(timeout=5)
        assert received[0]["message"]["text"] == "/start"  # type: ignore[index]
        assert secrets == ["s3cret"]
        assert (await bot.get_webhook_info()).pending_update_count == 0
        assert await bot.delete_webhook()
        assert await bot.get_updates(timeout=0) == ()
        with pytest.raises(BadRequest):
            await bot.set_webhook("https://example.org/hook")
    finally:
        await runner.cleanup()


def test_module_entry_point_help() -> None:
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-m", "bot.emulator", "--help"], capture_output=True, text=True,
                          timeout=30, check=False)
    assert done.returncode == 0 and "--no-limits" in done.stdout


async def test_user_document_payload_is_base64_on_the_wire(emu: Emulator) -> None:
    async with httpx.AsyncClient(base_url=f"{emu.url}/control") as http:
        bad = await http.post("/document", json={"chat_id": AN.id, "user": AN.to_dict(), "filename": "a",
                                                 "content": "***"})
        assert bad.status_code == 400
        good = await http.post("/document", json={"chat_id": AN.id, "user": AN.to_dict(), "filename": "a.txt",
                                                  "content": base64.b64encode(b"xyz").decode()})
        assert good.json()["result"]["document"]["file_size"] == 3
