"""The digests' ranges (bot/core/confirm.py, storage/confirm_repo.py) on SQLite and PostgreSQL: contiguous,
never overlapping, one range per start even when two workers plan the same chat at once; a report undone
before its digest is not listed; a range is due only when its oldest report is REACTION_DIGEST_MINUTES old."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest

from bot.config import Settings
from bot.core.confirm import ConfirmStyles
from bot.core.reports import ReportService
from bot.core.services import Services
from bot.demo_data import GROUP_ID, LEADER_ID, VILLAGES, Demo, member_id, seed_demo
from storage import confirm_repo, repo
from storage.db import Database

START = datetime(2025, 8, 14, 12, 0, tzinfo=UTC)  # 19:00 in Vietnam
CHAT = str(GROUP_ID)


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def world(any_db: Database) -> tuple[Services, ReportService, ConfirmStyles, Clock, Demo]:
    demo = seed_demo(any_db)
    clock = Clock()
    svc = Services(Settings(_env_file=None), any_db, clock=clock)  # type: ignore[call-arg]
    confirms = ConfirmStyles(svc)
    leader = svc.caller("telegram", LEADER_ID)
    assert "thả 👍" in confirms.command(leader, "telegram", CHAT, True, "camxuc", reactions=True)
    return svc, ReportService(svc), confirms, clock, demo


def chat_pk(svc: Services) -> int:
    with svc.db.session() as s:
        chat = repo.chat_by_external(s, "telegram", CHAT)
        assert chat is not None
        return chat.id


def test_ranges_are_contiguous_and_each_report_is_in_one(world: tuple[Services, ReportService, ConfirmStyles,
                                                                        Clock, Demo]) -> None:
    svc, rs, confirms, clock, _ = world
    listed: list[int] = []
    for round_ in range(4):
        for i in range(3):
            who = svc.caller("telegram", member_id(i))
            unit = VILLAGES[i][1]
            out = rs.submit(who, CHAT, 100 * round_ + i + 1, f"{unit} hôm nay {round_ + 1}")
            assert out.status == "stored", out
            confirms.stored_in("telegram", CHAT)
            clock.now += timedelta(seconds=20)
        assert confirms.plan("telegram") == []  # nothing is 5 minutes old yet
        clock.now += timedelta(minutes=6)
        for row in confirms.plan("telegram"):
            assert confirms.claim(row) == "go"
            listed += [x.report_id for x in confirms.lines("telegram", row)]
            confirms.finish(row, "sent")
    with svc.db.session() as s:
        ranges = confirm_repo.digests_of(s, chat_pk(svc))
        current = sorted(x.report_id for x in confirm_repo.digest_lines(s, "telegram", CHAT, 0, 2**31 - 1))
    assert all(a.upto_id == b.after_id for a, b in zip(ranges, ranges[1:], strict=False))
    assert len(listed) == len(set(listed))  # never twice
    # every report that still counts was listed (those replaced by a newer figure of the same reporter were
    # listed when current, in their own digest)
    assert set(current) <= set(listed)


def test_two_workers_planning_at_once_write_one_range(world: tuple[Services, ReportService, ConfirmStyles,
                                                                   Clock, Demo]) -> None:
    svc, rs, _, clock, _ = world
    who = svc.caller("telegram", member_id(3))
    assert rs.submit(who, CHAT, 1, "Thôn 3 hôm nay 5").status == "stored"
    clock.now += timedelta(minutes=6)
    workers = [ConfirmStyles(svc) for _ in range(4)]
    with ThreadPoolExecutor(4) as pool:
        planned = list(pool.map(lambda w: w.plan("telegram"), workers))
    assert {tuple(r.id for r in p) for p in planned} == {(planned[0][0].id,)}  # all see the same one row
    claims = [w.claim(planned[0][0]) for w in workers]
    assert claims.count("go") == 1 and claims.count("taken") == 3
    with svc.db.session() as s:
        assert len(confirm_repo.digests_of(s, chat_pk(svc))) == 1


def test_an_undone_report_is_left_out_and_an_empty_range_sends_nothing(
        world: tuple[Services, ReportService, ConfirmStyles, Clock, Demo]) -> None:
    svc, rs, confirms, clock, _ = world
    who = svc.caller("telegram", member_id(3))
    assert rs.submit(who, CHAT, 1, "Thôn 3 hôm nay 5").status == "stored"
    assert rs.undo(who).status == "removed"
    clock.now += timedelta(minutes=6)
    [row] = confirms.plan("telegram")
    assert confirms.lines("telegram", row) == []


def test_a_range_waits_for_its_oldest_report_and_for_the_settle(
        world: tuple[Services, ReportService, ConfirmStyles, Clock, Demo]) -> None:
    svc, rs, confirms, clock, _ = world
    who = svc.caller("telegram", member_id(3))
    assert rs.submit(who, CHAT, 1, "Thôn 3 hôm nay 5").status == "stored"
    clock.now += timedelta(minutes=4, seconds=55)
    other = svc.caller("telegram", member_id(4))
    assert rs.submit(other, CHAT, 2, "Thôn 5 hôm nay 2").status == "stored"  # just now: settling
    assert confirms.plan("telegram") == []  # 4 min 55 s: not due
    clock.now += timedelta(seconds=5)
    [row] = confirms.plan("telegram")
    assert [x.unit_name for x in confirms.lines("telegram", row)] == ["Thôn 3"]  # Thôn 5 is in the next one
    confirms.finish(row, "sent")
    clock.now += timedelta(minutes=5)
    [nxt] = confirms.plan("telegram")
    assert nxt.after_id == row.upto_id and [x.unit_name for x in confirms.lines("telegram", nxt)] == ["Thôn 5"]
