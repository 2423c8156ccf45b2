"""Adapter tier: each channel's adapter over the conversation core, offline.

Telegram: the real Application (build_application) fed updates through `Application.process_update`, its
Bot API calls answered and recorded by an offline `telegram.request.BaseRequest` (no network). Zalo: the
dispatcher fed JSON fixture updates (tests/fixtures/zalo_updates.json).
"""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr
from telegram import Update
from telegram.request import BaseRequest, RequestData

from bot.bootstrap import build
from bot.channels.telegram.app import build_application
from bot.channels.zalo.dispatch import ZaloDispatcher, parse_update
from bot.channels.zalo.text import for_zalo
from bot.config import Settings
from bot.core.services import Services
from bot.demo_data import GROUP_ID, LEADER_ID, VILLAGES, member_id, seed_demo
from bot.texts import t
from storage import repo
from storage.db import Database

pytestmark = pytest.mark.adapter

NOW = datetime(2025, 8, 14, 3, 0, tzinfo=UTC)
FIXTURES = json.loads((Path(__file__).parent / "fixtures" / "zalo_updates.json").read_text("utf-8"))
BOT = {"id": 42, "is_bot": True, "first_name": "VNeID", "username": "vneid_test_bot",
       "can_join_groups": True, "can_read_all_group_messages": True, "supports_inline_queries": False}


class Recorder(BaseRequest):
    """Answers every Bot API call as Telegram would, minimally, and records (method, parameters)."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self._next = 500

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        pass

    @property
    def read_timeout(self) -> float | None:
        return 1.0

    async def do_request(self, url: str, method: str, request_data: RequestData | None = None,
                         read_timeout: object = BaseRequest.DEFAULT_NONE,
                         write_timeout: object = BaseRequest.DEFAULT_NONE,
                         connect_timeout: object = BaseRequest.DEFAULT_NONE,
                         pool_timeout: object = BaseRequest.DEFAULT_NONE) -> tuple[int, bytes]:
        name = url.rsplit("/", 1)[-1]
        params: dict[str, Any] = dict(request_data.parameters) if request_data is not None else {}
        self.calls.append((name, params))
        result: Any = True
        if name == "getMe":
            result = BOT
        elif name in ("sendMessage", "editMessageText", "sendPhoto", "sendDocument"):
            self._next += 1
            chat_id = params.get("chat_id", GROUP_ID)
            result = {"message_id": params.get("message_id", self._next), "date": 0,
                      "chat": {"id": chat_id, "type": "supergroup" if int(chat_id) < 0 else "private"},
                      "from": BOT, "text": params.get("text", "")}
        return 200, json.dumps({"ok": True, "result": result}, default=str).encode()

    def sent(self, *methods: str) -> list[dict[str, Any]]:
        return [p for m, p in self.calls if m in methods]


@pytest.fixture
def telegram(sqlite_db: Database) -> Any:
    seed_demo(sqlite_db)
    settings = Settings(telegram_bot_token=SecretStr("123:ABC"), database_url="sqlite://", admin_ids=[],  # type: ignore[call-arg]
                        _env_file=None)
    rec = Recorder()
    app = build_application(settings, db=sqlite_db, clock=lambda: NOW, start_scheduler=False, request=rec)
    app.bot_data.pop("intake", None)  # the update intake is the reliability tier's subject
    return app, rec


def message(update_id: int, user: int, text: str, *, chat: int = GROUP_ID, message_id: int = 1) -> dict[str, Any]:
    entities = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}] if text.startswith("/") else []
    return {"update_id": update_id, "message": {
        "message_id": message_id, "date": int(NOW.timestamp()), "text": text, "entities": entities,
        "chat": {"id": chat, "type": "supergroup" if chat < 0 else "private", "title": "Tổ CNS"},
        "from": {"id": user, "is_bot": False, "first_name": f"U{user}"}}}


async def feed(app: Any, *updates: dict[str, Any], until: Any = None) -> None:
    """Process the updates; with `until`, wait (at most 10 s) until it says the background work is done."""
    async with app:
        await app.start()
        try:
            for raw in updates:
                await app.process_update(Update.de_json(raw, app.bot))
            for _ in range(200):
                if until is None or until():
                    break
                await asyncio.sleep(0.05)
        finally:
            await app.stop()


async def test_telegram_report_confirmation_and_undo_button(telegram: Any) -> None:
    app, rec = telegram
    village = VILLAGES[2][1]
    await feed(app, message(1, member_id(2), f"{village} hôm nay 12 mức 2", message_id=77))
    (confirmation,) = rec.sent("sendMessage")
    assert confirmation["reply_parameters"]["message_id"] == 77 and village in confirmation["text"]
    (button,) = confirmation["reply_markup"]["inline_keyboard"][0]
    assert button["text"] == t("rep.btn_undo", "vi") and button["callback_data"].startswith("u:")
    rec.calls.clear()
    press = {"update_id": 2, "callback_query": {
        "id": "q1", "chat_instance": "c", "data": button["callback_data"],
        "from": {"id": member_id(2), "is_bot": False, "first_name": "U"},
        "message": {"message_id": 501, "date": 0, "chat": {"id": GROUP_ID, "type": "supergroup"}, "from": BOT,
                    "text": confirmation["text"]}}}
    await feed(app, press)
    assert [m for m, _ in rec.calls if m != "getMe"] == ["answerCallbackQuery", "editMessageText"]
    assert rec.sent("editMessageText")[0]["message_id"] == 501


async def test_telegram_role_gate_and_unknown_command(telegram: Any) -> None:
    app, rec = telegram
    await feed(app, message(1, member_id(2), "/donvi them Thôn Mới"), message(2, member_id(2), "/khongco"))
    texts = [p["text"] for p in rec.sent("sendMessage")]
    assert texts == [t("err.role", "vi", command="donvi", role=t("role.admin", "vi")),
                     t("err.unknown_command", "vi", command="khongco")]


async def test_telegram_long_work_answers_working_first(telegram: Any) -> None:
    app, rec = telegram
    await feed(app, message(1, LEADER_ID, "/bieudo", chat=LEADER_ID), until=lambda: rec.sent("sendPhoto"))
    methods = [m for m, _ in rec.calls if m in ("sendMessage", "editMessageText", "sendPhoto")]
    assert methods[0] == "sendMessage" and rec.sent("sendMessage")[0]["text"] == t("bg.working", "vi")
    assert methods[-1] == "editMessageText" and "sendPhoto" in methods  # the chart, then «done»
    assert rec.sent("editMessageText")[-1]["text"] == t("bg.done", "vi")


@pytest.fixture
def dispatcher(sqlite_db: Database) -> ZaloDispatcher:
    demo = seed_demo(sqlite_db)
    with sqlite_db.session() as s:
        village = repo.unit_by_id(s, demo.village_ids["Thôn 3"])
        commune = repo.unit_by_id(s, demo.commune_id)
        assert village is not None and commune is not None
        repo.add_member(s, "zalo", "z-3", "Lan Zalo", village, "member")
        repo.add_member(s, "zalo", "z-lead", "Hùng Zalo", commune, "leader")
    svc = Services(Settings(_env_file=None), sqlite_db, clock=lambda: NOW)  # type: ignore[call-arg]
    return ZaloDispatcher(build(svc), bot_names=("Bot VNeID",), bot_id="bot-1")


async def zalo_send(d: ZaloDispatcher, name: str) -> list[Any]:
    msg = parse_update(FIXTURES[name])
    assert msg is not None
    return await d.handle(msg)


async def test_zalo_report_is_a_plain_text_confirmation_with_typed_words(dispatcher: ZaloDispatcher) -> None:
    (out,) = await zalo_send(dispatcher, "report")
    assert out.confirm and "Thôn 3" in out.text and "<" not in out.text
    assert t("zalo.undo_hint", "vi") in out.text  # the Undo button as its typed word
    (undone,) = await zalo_send(dispatcher, "undo")
    assert not undone.confirm and undone.text


async def test_zalo_gate_own_echo_chatter_and_links(dispatcher: ZaloDispatcher) -> None:
    (refused,) = await zalo_send(dispatcher, "rank_by_member")
    assert refused.text.startswith("Lệnh /xephang chỉ dành cho")
    assert await zalo_send(dispatcher, "own_echo") == []
    assert await zalo_send(dispatcher, "chatter") == []  # not addressed to the bot: silence
    outs = await zalo_send(dispatcher, "chart_by_leader")
    assert outs[0].text == for_zalo(t("zalo.no_public_url", "vi"), "vi")  # no public URL for links
    # a leader's first private message binds that chat to their unit (the core, after every turn)
    assert [o.text for o in outs[1:]] == [for_zalo(t("zalo.private_bound", "vi", unit="Xã Tân Hòa", reminder="16:30",
                                                     summary="20:00"), "vi")]
