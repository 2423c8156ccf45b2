"""The conversation core without any channel library: Turn in, Reply out (bot/conversation).

The same router serves every channel; what differs is the `Channel` profile. These tests run the Zalo
profile against the Telegram accounts of the demo (its name set to "telegram") to compare like with like.
"""

from __future__ import annotations

import asyncio
import threading
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import select

from bot.bootstrap import Container, build
from bot.config import Settings
from bot.conversation import TELEGRAM, Conversation, Reply, Turn, zalo
from bot.demo_data import ADMIN_ID, GROUP_ID, LEADER_ID, VILLAGES, member_id, seed_demo
from bot.services import Services
from bot.texts import t
from storage.db import Database
from storage.models import AuditLog

NOW = datetime(2025, 8, 14, 3, 0, tzinfo=UTC)  # 10:00 in Vietnam
VILLAGE = VILLAGES[2][1]
TG = TELEGRAM
ZL = zalo("telegram", track_private=False)  # Zalo's profile over the demo's accounts


@pytest.fixture
def svc(sqlite_db: Database) -> Services:
    seed_demo(sqlite_db)
    return Services(Settings(_env_file=None), sqlite_db, clock=lambda: NOW)  # type: ignore[call-arg]


_CORES: dict[int, tuple[Services, Container]] = {}


def core(svc: Services) -> Container:
    """The process's one container (bot.bootstrap.build), shared by every Conversation of a test."""
    hit = _CORES.get(id(svc))
    if hit is None or hit[0] is not svc:
        hit = _CORES[id(svc)] = (svc, build(svc))
    return hit[1]


def turn(user: int, text: str = "", *, group: bool = True, message_id: int = 1, **fields: Any) -> Turn:
    return Turn(channel="telegram", chat_id=str(GROUP_ID) if group else str(user),
                chat_type="supergroup" if group else "private", user_id=str(user), user_name=f"U{user}",
                first_name=f"U{user}", text=text, message_id=message_id, **fields)


def cmd(user: int, name: str, args: str = "", **fields: Any) -> Turn:
    return turn(user, f"/{name} {args}".rstrip(), command=name, args=args, **fields)


def run(conv: Conversation, tr: Turn) -> list[Reply]:
    return asyncio.run(conv.handle(tr))


def refusals(svc: Services) -> list[str]:
    with svc.db.session() as s:
        return [row.action for row in s.scalars(select(AuditLog).where(AuditLog.outcome != "ok").order_by(AuditLog.id))]


def test_one_role_gate_for_every_channel_with_its_audit(svc: Services) -> None:
    member = member_id(2)
    for channel in (TG, ZL):
        out = run(Conversation(core(svc), channel), cmd(member, "donvi", "them Thôn Mới"))
        assert [r.text for r in out] == [t("err.role", "vi", command="donvi", role=t("role.admin", "vi"))]
    stranger = run(Conversation(core(svc), TG), cmd(999_999, "xephang"))
    assert stranger[0].text == t("err.not_member", "vi", command="xephang", role=t("role.leader", "vi"))
    assert refusals(svc) == ["donvi", "donvi", "xephang"]


def test_a_stored_report_is_a_confirmation_with_an_undo_choice(svc: Services) -> None:
    for i, channel in enumerate((TG, ZL)):
        out = run(Conversation(core(svc), channel), turn(member_id(2 + i), f"{VILLAGES[2 + i][1]} hôm nay 12 mức 2",
                                                   message_id=10 + i))
        assert len(out) == 1 and out[0].kind == "confirmation" and out[0].report_id is not None
        (undo,), = out[0].choices
        assert (undo.data, undo.word) == (f"u:{out[0].report_id}", "huy")


def test_button_press_and_typed_word_answer_the_same_question(svc: Services) -> None:
    """A second reporter of a village and day is asked add-or-total: Telegram presses a button (the question
    is edited, the press answered), Zalo types "cong" (an answer); both store through the same translation."""
    tg, zl = Conversation(core(svc), TG), Conversation(core(svc), ZL)
    run(tg, turn(member_id(2), f"{VILLAGE} hôm nay 12", message_id=1))
    asked = run(tg, turn(member_id(2, True), f"{VILLAGE} hôm nay 5", message_id=2))
    assert asked[0].kind == "answer" and [c.word for c in asked[0].choices[0]] == ["cong", "tong"]
    pressed = run(tg, replace(turn(member_id(2, True)), button=asked[0].choices[0][0].data))
    assert [r.kind for r in pressed] == ["alert", "edit"] and pressed[1].report_id is not None

    run(zl, turn(member_id(3), f"{VILLAGES[3][1]} hôm nay 7", message_id=3))
    run(zl, turn(member_id(3, True), f"{VILLAGES[3][1]} hôm nay 4", message_id=4))
    typed = run(zl, cmd(member_id(3, True), "cong"))
    assert [r.kind for r in typed] == ["confirmation"]
    assert "17" in pressed[1].text and "11" in typed[0].text  # added to the day's figure: 12 + 5, 7 + 4
    assert run(zl, cmd(member_id(3, True), "xacnhan"))[0].text == t("zalo.no_pending", "vi")


def test_unknown_and_unsupported_commands(svc: Services) -> None:
    tg = run(Conversation(core(svc), TG), cmd(member_id(2), "khongco"))
    assert tg[0].text == t("err.unknown_command", "vi", command="khongco")
    # Zalo has no /sua: the gate still answers first, then "not on Zalo"
    assert run(Conversation(core(svc), ZL), cmd(member_id(2), "sua"))[0].text.startswith("Lệnh /sua chỉ dành cho")
    assert run(Conversation(core(svc), ZL), cmd(LEADER_ID, "sua"))[0].text == t("zalo.not_yet", "vi", command="sua")


def test_help_is_one_implementation_listing_what_each_channel_supports(svc: Services) -> None:
    tg = run(Conversation(core(svc), TG), cmd(member_id(2), "trogiup", group=False))[0].text
    zl = run(Conversation(core(svc), ZL), cmd(member_id(2), "trogiup", group=False))[0].text
    assert tg.startswith(t("help.title", "vi")) and zl.startswith(t("zalo.help_title", "vi"))
    assert "/sua" not in zl and t("zalo.disclosure", "vi") in zl and t("help.footer", "vi") in tg
    assert t("help.section.admin", "vi") not in tg  # a member sees no admin section
    admin = run(Conversation(core(svc), TG), cmd(ADMIN_ID, "trogiup", group=False))[0].text
    assert t("help.section.admin", "vi") in admin
    detail = run(Conversation(core(svc), TG), cmd(member_id(2), "trogiup", "tiendo"))[0].text
    assert t("usage.tiendo", "vi") in detail


def test_long_work_is_deferred_with_what_a_channel_needs_to_serve_it(svc: Services) -> None:
    out = run(Conversation(core(svc), TG), cmd(LEADER_ID, "bieudo"))
    job = out[0].deferred
    assert job is not None and job.kind == "chart" and job.params["unit"].name == "Xã Tân Hòa"
    done = job.run(lambda *_: None, None, None)
    assert done[0].photo is not None and done[0].photo[:4] == b"\x89PNG"


def test_every_command_runs_through_the_worker(svc: Services, monkeypatch: pytest.MonkeyPatch) -> None:
    """Inline on SQLite; in a worker thread while background work runs (and always on PostgreSQL)."""
    threads: list[str] = []
    conv = Conversation(core(svc), TG)
    real = conv.views.resolve

    def spy(*args: Any, **kwargs: Any) -> Any:
        threads.append(threading.current_thread().name)
        return real(*args, **kwargs)

    monkeypatch.setattr(conv.views, "resolve", spy)

    async def twice() -> None:
        await conv.handle(cmd(LEADER_ID, "tiendo"))
        core(svc).worker.background_active += 1
        try:
            await conv.handle(cmd(LEADER_ID, "tiendo"))
        finally:
            core(svc).worker.background_active -= 1

    asyncio.run(twice())
    assert threads[0] == "MainThread" and threads[1] != "MainThread"
