"""The Zalo client, update parsing, text shaping and signed links (no database, no bot)."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from bot.channels.zalo.client import ZaloClient, ZaloError, as_list, split_text, utf16_len
from bot.channels.zalo.dispatch import message_key, parse_update
from bot.channels.zalo.text import for_zalo, parse_command, strip_mention, to_plain
from bot.channels.zalo.web import LinkSigner, derive_key
from bot.emulator.zalo import ZaloEmulator

TOKEN = "3405012345678901234:SecretZaloTokenValue_abcdefghijklmn"
UPDATE = {"event_name": "message.text.received", "message": {
    "message_id": "16f6366b3f02645a3d15", "date": 1766619597466, "text": "Xin chào",
    "chat": {"id": "e4ea2cd5189df1c3a88c", "chat_type": "PRIVATE"},
    "from": {"id": "e4ea2cd5189df1c3a88c", "display_name": "Nguyen Van A", "is_bot": False}}}


def mock_client(handler: Any, **kw: Any) -> tuple[ZaloClient, list[float]]:
    slept: list[float] = []

    async def sleep(d: float) -> None:
        slept.append(d)

    http = httpx.AsyncClient(transport=httpx.MockTransport(handler))
    return ZaloClient(TOKEN, "https://zalo.test/bot", http=http, sleep=sleep, **kw), slept


# ---- getUpdates: one object, 408 = empty, tolerant shapes ----------------------------------------------------


@pytest.mark.parametrize("response", [
    httpx.Response(408, json={"ok": False, "error_code": 408, "description": "Request timeout"}),
    httpx.Response(200, json={"ok": False, "error_code": 408, "description": "Request timeout"}),
    httpx.Response(408, text="Request Timeout"),
    httpx.Response(200, json={"ok": True, "result": None}),
    httpx.Response(200, json={"ok": True, "result": {}}),
    httpx.Response(200, json={"ok": True, "result": []}),
])
async def test_empty_polls_are_not_errors(response: httpx.Response) -> None:
    client, _ = mock_client(lambda req: response)
    assert await client.get_updates(5) == []
    await client.aclose()


async def test_a_long_poll_outliving_the_http_timeout_is_empty() -> None:
    def handler(req: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("slow", request=req)

    client, _ = mock_client(handler)
    assert await client.get_updates(1) == []
    await client.aclose()


@pytest.mark.parametrize("body", [
    {"ok": True, "result": UPDATE},
    {"ok": True, "result": [UPDATE]},
    UPDATE,
    [UPDATE],
    {"ok": True, "result": {"ok": True, "result": UPDATE}},
])
async def test_update_shapes(body: Any) -> None:
    client, _ = mock_client(lambda req: httpx.Response(200, json=body))
    updates = await client.get_updates(5)
    assert len(updates) == 1 and updates[0]["message"]["text"] == "Xin chào"
    await client.aclose()


async def test_every_method_is_a_json_post_with_the_token_in_the_path() -> None:
    seen: list[tuple[str, str, Any]] = []

    def handler(req: httpx.Request) -> httpx.Response:
        seen.append((req.method, req.url.path, json.loads(req.content or b"{}")))
        return httpx.Response(200, json={"ok": True, "result": {"message_id": "m1", "date": 1}})

    client, _ = mock_client(handler)
    await client.get_me()
    await client.send_message("c1", "xin chào")
    await client.send_photo("c1", "https://x.test/a.png", "cap")
    await client.send_chat_action("c1")
    await client.get_updates(7)
    await client.set_webhook("https://x.test/hook", "secret123")
    await client.delete_webhook()
    assert all(m == "POST" for m, _, _ in seen)
    assert [p.rsplit("/", 1)[1] for _, p, _ in seen] == [
        "getMe", "sendMessage", "sendPhoto", "sendChatAction", "getUpdates", "setWebhook", "deleteWebhook"]
    assert all(p.startswith(f"/bot{TOKEN}/") for _, p, _ in seen)
    assert seen[1][2] == {"chat_id": "c1", "text": "xin chào"}
    assert seen[4][2] == {"timeout": "7"}  # getUpdates takes only `timeout` (a string, as Zalo documents)
    await client.aclose()


# ---- retries ---------------------------------------------------------------------------------------


async def test_5xx_and_network_errors_are_retried_with_backoff() -> None:
    answers = [httpx.Response(502, text="bad gateway"), "boom", httpx.Response(200, json={"ok": True, "result": {
        "message_id": "m9", "date": 1}})]

    def handler(req: httpx.Request) -> httpx.Response:
        a = answers.pop(0)
        if a == "boom":
            raise httpx.ConnectError("connection refused", request=req)
        assert isinstance(a, httpx.Response)
        return a

    client, slept = mock_client(handler, backoff=0.5)
    res = await client.send_message("c", "hi")
    assert res["message_id"] == "m9" and client.calls == 3
    assert len(slept) == 2 and slept[1] > slept[0] * 1.2  # exponential
    await client.aclose()


async def test_429_is_quota_exceeded_and_never_retried() -> None:
    """Zalo's 429 is "quota exceeded" (python-zalo-bot's error mapping): retrying only burns requests."""
    answers = [httpx.Response(429, json={"ok": False, "error_code": 429, "description": "Quota exceeded",
                                         "parameters": {"retry_after": 3}}),
               httpx.Response(200, json={"ok": True, "result": {"message_id": "m", "date": 1}})]
    client, slept = mock_client(lambda req: answers.pop(0))
    with pytest.raises(ZaloError) as info:
        await client.send_message("c", "hi")
    assert info.value.quota and not info.value.retryable and slept == [] and client.calls == 1
    await client.aclose()


async def test_403_is_zalo_internal_error_and_retried() -> None:
    """On the Bot Platform 403 means "internal server error": retry it like a 5xx."""
    answers = [httpx.Response(403, json={"ok": False, "error_code": 403, "description": "Internal server error"}),
               httpx.Response(200, json={"ok": True, "result": {"message_id": "m", "date": 1}})]
    client, slept = mock_client(lambda req: answers.pop(0))
    res = await client.send_message("c", "hi")
    assert res["message_id"] == "m" and client.calls == 2 and len(slept) == 1
    await client.aclose()


async def test_client_errors_are_not_retried_and_never_show_the_token(caplog: pytest.LogCaptureFixture) -> None:
    def handler(req: httpx.Request) -> httpx.Response:
        return httpx.Response(400, json={"ok": False, "error_code": 400,
                                         "description": f"bad chat for {req.url}"})

    client, slept = mock_client(handler)
    with pytest.raises(ZaloError) as info:
        await client.send_message("nope", "hi")
    assert info.value.code == 400 and not info.value.retryable and slept == [] and client.calls == 1
    assert TOKEN not in str(info.value) and "<token>" in str(info.value)
    await client.aclose()


async def test_network_failure_message_and_logs_are_redacted(caplog: pytest.LogCaptureFixture) -> None:
    def handler(req: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError(f"cannot connect to {req.url}", request=req)

    caplog.set_level(logging.DEBUG)
    logging.getLogger("httpx").setLevel(logging.DEBUG)
    client, slept = mock_client(handler, retries=2)
    with pytest.raises(ZaloError) as info:
        await client.send_message("c", "hi")
    assert len(slept) == 2
    assert TOKEN not in str(info.value)
    assert info.value.__cause__ is None and info.value.__suppress_context__
    for record in caplog.records:
        assert TOKEN not in record.getMessage()
        assert TOKEN.split(":")[1] not in record.getMessage()
    await client.aclose()


async def test_against_the_emulator() -> None:
    emu = ZaloEmulator(token=TOKEN)
    await emu.start()
    client = ZaloClient(TOKEN, emu.base_url, retries=0)
    try:
        me = await client.get_me()
        assert me["account_name"] == emu.account_name
        assert await client.get_updates(1) == []  # 408 after a second
        an = emu.user("An")
        emu.say(an, "xin chào")
        updates = await client.get_updates(1)
        assert updates[0]["message"]["text"] == "xin chào"
        msg = parse_update(updates[0])
        assert msg is not None and msg.chat_id == an.id and not msg.is_group
        long = "\n".join(f"Dòng {i}: " + "x" * 90 for i in range(60))
        parts = await client.send_text(an.id, long)
        assert len(parts) == 3
        assert [m.text for m in emu.sent(an.id)] == split_text(long)
        with pytest.raises(ZaloError) as info:
            await client.send_message(an.id, "x" * 2001)
        assert info.value.code == 400
        with pytest.raises(ZaloError):
            await client.send_message("unknown-chat", "hi")
        bad = ZaloClient("1:wrong-token-value", emu.base_url, retries=0)
        with pytest.raises(ZaloError) as info:
            await bad.get_me()
        assert info.value.code == 401
        await bad.aclose()
        async with httpx.AsyncClient() as http:  # Zalo answers POST only
            r = await http.get(f"{emu.base_url}{TOKEN}/getMe")
            assert r.status_code == 405
        assert [m for m, _, _ in emu.requests].count("GET") == 1  # only our deliberate GET; the client POSTs
    finally:
        await client.aclose()
        await emu.stop()


@pytest.mark.parametrize("shape", ["list", "bare"])
async def test_emulator_quirk_shapes_are_understood(shape: Any) -> None:
    emu = ZaloEmulator(token=TOKEN, result_shape=shape)
    emu.buffer_while_offline = True  # the message is sent before the first poll
    await emu.start()
    client = ZaloClient(TOKEN, emu.base_url, retries=0)
    try:
        emu.say(emu.user("B"), "hello")
        updates = await client.get_updates(1)
        assert len(updates) == 1 and parse_update(updates[0]) is not None
    finally:
        await client.aclose()
        await emu.stop()


# ---- pure helpers ------------------------------------------------------------------------------------


def test_split_text_on_line_boundaries() -> None:
    assert split_text("ngắn") == ["ngắn"]
    assert split_text("") == []
    lines = [f"{i:04d} " + "a" * 45 for i in range(100)]  # 50 characters each
    parts = split_text("\n".join(lines))
    assert all(utf16_len(p) <= 2000 for p in parts)
    assert "\n".join(parts) == "\n".join(lines)  # nothing lost, cuts only between lines
    assert all(p.split("\n")[0][:4].isdigit() for p in parts)
    one_line = " ".join(["từ"] * 1500)
    parts = split_text(one_line)
    assert all(utf16_len(p) <= 2000 for p in parts) and " ".join(parts) == one_line
    emoji = "📈" * 1500  # two UTF-16 units each
    assert all(utf16_len(p) <= 2000 for p in split_text(emoji))


def test_as_list() -> None:
    assert as_list(None) == [] and as_list({}) == [] and as_list([]) == []
    assert as_list(UPDATE) == [UPDATE] and as_list([UPDATE, None]) == [UPDATE]


def test_parse_update_is_tolerant() -> None:
    raw: dict[str, Any] = {"result": {"message": {"message_id": 123, "chat": {"id": 42, "chat_type": "GROUP"},
                                                  "from": {"id": 7, "name": "Bình"}, "text": "hi", "date": 5}}}
    msg = parse_update(raw)
    assert msg is not None and (msg.chat_id, msg.user_id, msg.message_id, msg.name) == ("42", "7", "123", "Bình")
    assert msg.is_group and msg.is_text
    private = parse_update({"message": {"from": {"id": "u1", "first_name": "C"}, "text": "x"}})
    assert private is not None and private.chat_id == "u1" and not private.is_group and private.name == "C"
    assert parse_update({"event_name": "message.sticker.received", "message": {
        "from": {"id": "u"}, "chat": {"id": "u"}}}) is not None
    assert parse_update({"nothing": 1}) is None and parse_update({"message": {"text": "x"}}) is None
    sticker = parse_update({"event_name": "message.sticker.received", "message": {"from": {"id": "u"}}})
    assert sticker is not None and not sticker.is_text


def test_message_key_is_stable_and_fits_bigint() -> None:
    assert message_key("16f6366b3f02645a3d15") == message_key("16f6366b3f02645a3d15")
    assert 0 <= message_key("16f6366b3f02645a3d15") < 2 ** 63
    assert message_key("123") == 123 and message_key("99999999999999999999") < 2 ** 63


@pytest.mark.parametrize(("text", "name", "args"), [
    ("tiendo", "tiendo", ""), ("/tiendo", "tiendo", ""), ("Tiến độ", "tiendo", ""), ("TIEN DO", "tiendo", ""),
    ("/tiendo@bot", "tiendo", ""), ("huy", "huy", ""), ("Hủy", "huy", ""), ("dang ky ABC123", "dangky", "ABC123"),
    ("dangky ABC123", "dangky", "ABC123"), ("chưa báo cáo", "chuabaocao", ""), ("progress", "tiendo", ""),
    ("báo cáo 12", "baocao", "12"), ("bc 12", "baocao", "12"), ("XACNHAN", "xacnhan", ""),
    ("xác nhận", "xacnhan", ""), ("HUYBO", "huybo", ""), ("hủy bỏ", "huybo", ""), ("lienket 123456", "lienket", "123456"),
    ("hủy liên kết zalo", "huylienketzalo", ""), ("donvi them\nx y", "donvi", "them\nx y"),
])
def test_command_words(text: str, name: str, args: str) -> None:
    cmd = parse_command(text)
    assert cmd is not None and (cmd.name, cmd.args) == (name, args)


@pytest.mark.parametrize("text", ["Thôn 3 hôm nay 12", "xin chào", "12", "", "/", "hôm nay 5 mức 2"])
def test_not_commands(text: str) -> None:
    assert parse_command(text) is None


def test_zalo_text_has_no_html_and_no_buttons() -> None:
    assert to_plain('<b>12</b> &amp; <code>/huy</code> <a href="tg://user?id=5">An</a>') == "12 & /huy An"
    from bot.texts import t

    text = for_zalo("✅ x\n" + t("rep.undo_hint", "vi"), "vi")
    assert "Bấm" not in text and "HUY" in text
    assert strip_mention("@Bot VNeID tiendo", ("Bot VNeID",)) == "tiendo"
    assert strip_mention("@bot tiendo") == "tiendo"
    assert strip_mention("tiendo") == "tiendo"


def test_signed_links() -> None:
    now = [datetime(2025, 8, 14, 10, tzinfo=UTC)]
    signer = LinkSigner(derive_key("k"), "https://bot.example.vn/", lambda: now[0])
    url = signer.url("chart", {"u": 5, "d": "2025-08-14"}, "biểu đồ.png", timedelta(hours=1))
    assert url is not None and url.startswith("https://bot.example.vn/zalo/f/") and url.endswith("/bi_u_.png")
    token = url.split("/")[-2]
    assert signer.verify(token) is not None and signer.verify(token)["u"] == 5  # type: ignore[index]
    raw, sig = token.split(".")
    assert signer.verify(raw[:-2] + "xx." + sig) is None
    assert LinkSigner(derive_key("other"), None, lambda: now[0]).verify(token) is None
    now[0] += timedelta(hours=2)
    assert signer.verify(token) is None
    assert LinkSigner(derive_key("k"), None, lambda: now[0]).url("chart", {}, "x", timedelta(1)) is None
