"""bot.channels.telegram.request.AiohttpRequest, PTB's Bot API connection of the application, against the Bot
API emulator: JSON bodies (multipart uploads as PTB's httpx request), PTB's errors, proxies from the
environment, and no token in any error message."""

from __future__ import annotations

import json
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest
from aiohttp import ClientSession, web
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, ReplyParameters
from telegram.error import BadRequest, NetworkError, TimedOut

from bot.channels.telegram.request import AiohttpRequest
from bot.emulator import Emulator, Limits, User
from tests.test_emulator import tiny_png

GROUP = -1001
AN = User(101, "An", "Nguyễn")


@pytest.fixture
async def emu() -> AsyncIterator[Emulator]:
    emulator = Emulator(limits=Limits.off())
    await emulator.start()
    emulator.group_chat(GROUP, "UBND xã Đông Tâm", members=[AN])
    yield emulator
    await emulator.stop()


@pytest.fixture
async def bot(emu: Emulator) -> AsyncIterator[Bot]:
    async with Bot(emu.token, base_url=emu.base_url, base_file_url=emu.base_file_url,
                   request=AiohttpRequest(read_timeout=1.0)) as tg_bot:
        yield tg_bot


async def test_messages_markup_and_uploads_arrive_as_sent(emu: Emulator, bot: Bot) -> None:
    member = emu.send_message(GROUP, AN, "Thôn 3 hôm nay 12 mức 2")
    markup = InlineKeyboardMarkup([[InlineKeyboardButton("↩️ Hủy báo cáo này", callback_data="u:7")]])
    reply = await bot.send_message(GROUP, "✅ Đã ghi <b>12</b> mức 2 — Thôn 3", parse_mode="HTML",
                                   reply_parameters=ReplyParameters(member["message_id"]), reply_markup=markup)
    assert reply.text == "✅ Đã ghi 12 mức 2 — Thôn 3" and reply.reply_to_message is not None
    assert reply.reply_to_message.message_id == member["message_id"]
    payload = "mã,tên\nDT,Đông Tâm\n".encode() + bytes(range(256))  # not UTF-8: raw bytes
    doc = await bot.send_document(GROUP, payload, filename="tiến-độ.csv", caption="<i>Xuất</i>", parse_mode="HTML")
    assert doc.document is not None and doc.document.file_size == len(payload)
    png = tiny_png(30, 20)
    await bot.send_photo(GROUP, png, caption="Biểu đồ")
    text_record, doc_record, photo_record = emu.sent(GROUP)
    assert text_record.reply_markup == markup.to_dict()
    assert doc_record.file_bytes == payload and doc_record.filename == "tiến-độ.csv" and doc_record.caption == "Xuất"
    assert photo_record.kind == "photo" and photo_record.file_bytes == png
    with pytest.raises(BadRequest, match="(?i)image_process_failed"):
        await bot.send_photo(GROUP, b"not an image at all")


async def test_ptb_errors_for_timeouts_server_errors_and_dropped_connections(emu: Emulator, bot: Bot) -> None:
    emu.inject_faults(1.0, kinds=("timeout",), methods=["sendMessage"], timeout_delay=1.5)
    with pytest.raises(TimedOut):
        await bot.send_message(GROUP, "x")
    emu.inject_faults(1.0, kinds=("timeout",), methods=["sendMessage"])  # closed at once, no answer
    with pytest.raises(NetworkError) as dropped:
        await bot.send_message(GROUP, "x")
    assert not isinstance(dropped.value, TimedOut) and emu.token not in str(dropped.value)
    emu.inject_faults(1.0, kinds=("500",))
    with pytest.raises(NetworkError):
        await bot.get_me()
    emu.clear_faults()
    assert (await bot.send_message(GROUP, "ok")).text == "ok"


async def test_an_unreachable_server_is_a_network_error_without_the_token() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again: nobody listens there
    token = "123456:SECRET-token-that-must-not-leak"
    with pytest.raises(NetworkError) as refused:  # Bot.initialize asks getMe
        async with Bot(token, base_url=f"http://127.0.0.1:{port}/bot", request=AiohttpRequest(connect_timeout=1)):
            pass
    assert "Cannot connect" in str(refused.value)
    assert "SECRET" not in str(refused.value) and "123456" not in str(refused.value)
    assert refused.value.__cause__ is None and refused.value.__suppress_context__  # no chained aiohttp error


@asynccontextmanager
async def forward_proxy() -> AsyncIterator[tuple[int, list[tuple[str, str, bytes]]]]:
    """A forward HTTP proxy on a free port (absolute-form request lines), recording each request it carries:
    (path, content type, body)."""
    seen: list[tuple[str, str, bytes]] = []

    async def forward(request: web.Request) -> web.Response:
        body = await request.read()
        seen.append((request.path, request.content_type, body))
        headers = {"Content-Type": request.headers.get("Content-Type", "")}  # a multipart body's boundary with it
        async with ClientSession() as client, client.request(request.method, str(request.url), data=body,
                                                              headers=headers) as r:
            return web.Response(status=r.status, body=await r.read(), content_type=r.content_type)

    proxy = web.Application()
    proxy.router.add_route("*", "/{tail:.*}", forward)
    runner = web.AppRunner(proxy)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        yield site._server.sockets[0].getsockname()[1], seen  # type: ignore[union-attr]  # noqa: SLF001
    finally:
        await runner.cleanup()


async def test_an_http_proxy_from_the_environment_carries_the_requests(
        emu: Emulator, monkeypatch: pytest.MonkeyPatch) -> None:
    async with forward_proxy() as (port, seen):
        monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{port}")
        monkeypatch.setenv("NO_PROXY", "example.invalid")
        async with Bot(emu.token, base_url=emu.base_url, request=AiohttpRequest()) as b:
            assert (await b.send_message(GROUP, "qua proxy")).text == "qua proxy"
        assert seen and seen[-1][0].endswith("/sendMessage")
        monkeypatch.setenv("NO_PROXY", "127.0.0.1")
        async with Bot(emu.token, base_url=emu.base_url, request=AiohttpRequest()) as b:
            await b.send_message(GROUP, "thẳng")
        assert len(seen) == 2  # getMe + sendMessage through the proxy before, nothing more


async def test_a_request_without_files_is_one_json_object(emu: Emulator, monkeypatch: pytest.MonkeyPatch) -> None:
    """application/json (the Bot API takes it for every method but uploads), objects nested as objects;
    an upload stays multipart."""
    markup = InlineKeyboardMarkup([[InlineKeyboardButton("↩️ Hủy báo cáo này", callback_data="u:7")]])
    async with forward_proxy() as (port, seen):
        monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{port}")
        monkeypatch.setenv("NO_PROXY", "example.invalid")
        async with Bot(emu.token, base_url=emu.base_url, request=AiohttpRequest()) as b:
            await b.send_message(GROUP, "✅ Đã ghi 12 mức 2", reply_markup=markup)
            await b.send_photo(GROUP, tiny_png(10, 10), caption="Biểu đồ")
    (_path, ctype, body), (_photo_path, photo_type, _photo) = seen[-2:]
    assert ctype == "application/json" and photo_type == "multipart/form-data"
    sent = json.loads(body)
    assert sent["chat_id"] == GROUP and sent["text"] == "✅ Đã ghi 12 mức 2"
    assert sent["reply_markup"] == markup.to_dict()
    assert emu.sent(GROUP)[0].reply_markup == markup.to_dict()
