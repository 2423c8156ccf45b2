"""bot.channels.telegram.app.OrderedUpdateProcessor with the polling intake: new updates of different chats
run side by side (their first attempts were counted when fetched); an update fetched before (a re-delivery
after a crash) runs alone, so that an update which kills the process is the only one counted for it."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

import pytest
from telegram import Update

from bot.channels.telegram.app import OrderedUpdateProcessor, _keys_and_chats, _result_of
from bot.config import Settings
from bot.core.intake import Intake
from bot.core.services import Services
from bot.demo_data import seed_demo
from storage.db import Database

NOW = datetime(2025, 8, 14, 3, 0, tzinfo=UTC)


def _update(update_id: int, chat: int) -> Update:
    return Update.de_json({"update_id": update_id, "message": {
        "message_id": update_id, "date": 1_755_140_000, "text": "x",
        "chat": {"id": chat, "type": "group", "title": "g"},
        "from": {"id": 1000 + update_id, "is_bot": False, "first_name": "U"}}}, None)


class _App:
    def __init__(self, intake: Intake) -> None:
        self.bot_data: dict[str, Any] = {"intake": intake}


async def _run(intake: Intake, updates: list[Update]) -> list[tuple[int, int]]:
    """Handle the updates like PTB does (one task each, in arrival order): (update id, updates in flight)."""
    processor = OrderedUpdateProcessor(limit=8)
    processor.app = _App(intake)  # type: ignore[assignment]
    in_flight: list[int] = []
    seen: list[tuple[int, int]] = []

    async def handler(u: Update) -> None:
        in_flight.append(u.update_id)
        await asyncio.sleep(0.02)
        seen.append((u.update_id, len(in_flight)))
        in_flight.remove(u.update_id)

    await asyncio.gather(*(processor.process_update(u, handler(u)) for u in updates))
    return seen


@pytest.fixture
def intake(sqlite_db: Database) -> Intake:
    seed_demo(sqlite_db)
    return Intake(Services(Settings(_env_file=None), sqlite_db, clock=lambda: NOW), "telegram", "1")  # type: ignore[call-arg]


async def test_new_updates_of_different_chats_run_side_by_side(intake: Intake) -> None:
    updates = [_update(10 + i, -100 - i) for i in range(4)]
    intake.count_fetched([(str(u.update_id), str(u.effective_chat.id)) for u in updates if u.effective_chat])
    seen = await _run(intake, updates)
    assert sorted(i for i, _ in seen) == [10, 11, 12, 13]
    assert max(n for _, n in seen) == 4
    assert intake.fetched == {}  # each taken when it started


async def test_a_redelivered_update_runs_alone(intake: Intake) -> None:
    first = [_update(20 + i, -200 - i) for i in range(4)]
    intake.count_fetched([(str(u.update_id), None) for u in first])
    intake.fetched.clear()  # the process died before handling them
    again = [_update(20 + i, -200 - i) for i in range(4)] + [_update(30, -300)]  # then a new one
    intake.count_fetched([(str(u.update_id), None) for u in again])
    assert intake.fetched["20"] is False and intake.fetched["30"] is True
    seen = await _run(intake, again)
    assert sorted(i for i, _ in seen) == [20, 21, 22, 23, 30]
    assert all(n == 1 for i, n in seen if i != 30), seen  # nothing else in flight with a re-delivery


async def test_a_batch_fetched_again_before_any_of_it_ran_keeps_its_first_attempts(intake: Intake) -> None:
    """PTB could not parse the batch (one update in it was poison) and fetched it again: the others were
    never handled, so they are still on their first attempt and still run side by side."""
    batch = [_update(40 + i, -400 - i) for i in range(3)]
    intake.count_fetched([(str(u.update_id), None) for u in batch])
    again: list[tuple[str, str | None]] = [(str(u.update_id), None) for u in batch]
    intake.count_fetched([*again, ("43", None)])
    assert intake.fetched == {"40": True, "41": True, "42": True, "43": True}
    seen = await _run(intake, batch)
    assert sorted(i for i, _ in seen) == [40, 41, 42] and max(n for _, n in seen) == 3


def test_the_keys_and_chats_of_a_get_updates_answer() -> None:
    body = (b'{"ok": true, "result": [{"update_id": 5, "message": {"chat": {"id": -7}}},'
            b' {"update_id": 6, "callback_query": {"id": "q", "message": {"chat": {"id": -8}}}},'
            b' {"update_id": 7, "inline_query": {"id": "i"}}, {"update_id": "x"}, 3]}')
    result = _result_of(body)
    assert result is not None and _keys_and_chats(result) == [("5", "-7"), ("6", "-8"), ("7", None)]
    assert _result_of(b"not json") is None and _result_of(b'{"ok": true, "result": true}') is None
