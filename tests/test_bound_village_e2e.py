"""Bare figures in a group bound to one village (issue 17 item 9): "12" or "hôm nay 6" typed in the
village's own group is that village's figure — for anyone who may report for it (a member of another
village still reports for their own); in a group bound to the commune nothing says whose it is, so
nothing is stored (a hint for "hôm nay 6", silence for a lone "12"). Telegram and Zalo alike."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import date, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.core.services import Services
from bot.demo_data import GROUP_ID, LEADER_ID, Demo, member_id, seed_demo
from bot.emulator.zalo import ZaloEmulator
from storage import repo
from storage.db import Database
from storage.models import Report
from tests.helpers.telegram import Harness
from tests.helpers.world import TZ, FakeClock, free_port, sqlite_url
from tests.helpers.zalo import ZaloHarness, link, make_runner, zalo_settings

pytestmark = pytest.mark.e2e

DAY = date(2025, 8, 14)  # the harness clock's day
VILLAGE_GROUP = -100777


def figure(db: Database, unit_name: str, demo: Demo, metric: str = "l2") -> int:
    with db.session() as s:
        uid = demo.village_ids[unit_name]
        q = select(func.coalesce(func.sum(Report.value), 0)).where(
            Report.unit_id == uid, Report.metric == metric, Report.day == DAY,
            Report.superseded_at.is_(None), Report.deleted_at.is_(None))
        return int(s.scalar(q) or 0)


@pytest.fixture
async def named_zalo(tmp_path: Path) -> AsyncIterator[ZaloHarness]:
    """The Zalo harness with ZALO_BOT_DISPLAY_NAME set (as deployed): "@Bot VNeID hôm nay 6" reaches the
    service as the bare "hôm nay 6" (without it only "@Bot" is dropped and "VNeID hôm nay 6" is no bare figure)."""
    emu = ZaloEmulator()
    await emu.start()
    db = Database(sqlite_url(tmp_path))
    db.upgrade()
    demo = seed_demo(db)
    clock = FakeClock(datetime(2025, 8, 14, 10, 0, tzinfo=TZ))
    port = free_port()
    web_url = f"http://127.0.0.1:{port}"
    svc = Services(zalo_settings(sqlite_url(tmp_path), emu, web_url, zalo_bot_display_name=emu.bot_name), db, clock)
    runner = await make_runner(svc, emu, port, web_url)
    try:
        yield ZaloHarness(emu, runner, svc, db, clock, demo, web_url)
    finally:
        await runner.stop()
        await emu.stop()
        db.dispose()


def all_rows(db: Database) -> int:
    with db.session() as s:
        return int(s.scalar(select(func.count()).select_from(Report)) or 0)


async def test_bare_figures_in_a_village_group_are_that_villages(harness: Harness) -> None:
    h = harness
    h.group(VILLAGE_GROUP, "Tổ CNS Thôn 3")
    bound = await h.say(VILLAGE_GROUP, LEADER_ID, "/lienket th-3")
    assert "Thôn 3" in (bound[0].text or "")
    # the commune leader (their own unit is the commune) types a bare figure in Thôn 3's group
    reply = (await h.say(VILLAGE_GROUP, LEADER_ID, "hôm nay 6"))[0].text or ""
    assert "Thôn 3" in reply and figure(h.db, "Thôn 3", h.demo) == 6, reply
    reply = (await h.say(VILLAGE_GROUP, LEADER_ID, "12"))[0].text or ""
    assert "Thôn 3" in reply and figure(h.db, "Thôn 3", h.demo) == 12, reply  # the same reporter: replaced
    # a member of another village in that group still reports for their own village
    reply = (await h.say(VILLAGE_GROUP, member_id(0), "hôm nay 5"))[0].text or ""
    assert "Thôn 3" not in reply and figure(h.db, "Thôn 3", h.demo) == 12, reply


async def test_bare_figures_in_the_commune_group_store_nothing(harness: Harness) -> None:
    h = harness
    before = all_rows(h.db)
    hint = (await h.say(GROUP_ID, LEADER_ID, "hôm nay 6"))[0].text or ""
    assert "Thôn" in hint or "đơn vị" in hint.lower(), hint  # names where to report, stores nothing
    mark = h.emu.mark()
    h.emu.send_message(GROUP_ID, h.user(LEADER_ID), "12")
    await asyncio.sleep(0.5)
    assert [m for m in h.emu.sent(GROUP_ID) if m.seq > mark] == []  # a lone "12": silence
    assert all_rows(h.db) == before


async def test_bare_figure_in_a_village_group_of_another_commune_is_not_the_leaders(harness: Harness) -> None:
    """A leader whose commune does not hold the group's village may not report for it: their own unit (a
    commune) does not say whose the figure is, so nothing is stored (the hint names where to report)."""
    h = harness
    with h.db.session() as s:
        prov = repo.unit_by_id(s, h.demo.province_id)
        other = repo.create_unit(s, "x-binhan", "Xã Bình An", "commune", prov)
        repo.create_unit(s, "ba-1", "Thôn Mới", "village", other)
        repo.add_member(s, "telegram", "3001", "Chủ tịch Bình An", other, "leader")
    h.group(VILLAGE_GROUP, "Tổ CNS Thôn 3")
    assert "Thôn 3" in ((await h.say(VILLAGE_GROUP, LEADER_ID, "/lienket th-3"))[0].text or "")
    before = all_rows(h.db)
    hint = (await h.say(VILLAGE_GROUP, 3001, "hôm nay 6"))[0].text or ""
    assert "chưa ghi" in hint and "Thôn 3" not in hint, hint
    assert all_rows(h.db) == before


async def test_zalo_bare_figure_in_a_village_group(named_zalo: ZaloHarness) -> None:
    zalo = named_zalo
    leader = zalo.emu.user("Chủ tịch xã Hùng")
    await link(zalo, leader, LEADER_ID)
    group = zalo.emu.group("Tổ CNS Thôn 3", [leader])
    replies = await zalo.in_group(group, leader, "lienket th-3")
    assert "Thôn 3" in replies[0].text
    with zalo.db.session() as s:
        chat = repo.chat_by_external(s, "zalo", group)
        assert chat is not None and chat.unit_id == zalo.demo.village_ids["Thôn 3"]
    replies = await zalo.in_group(group, leader, "hôm nay 6")
    assert "Thôn 3" in replies[0].text and figure(zalo.db, "Thôn 3", zalo.demo) == 6, replies[0].text
    replies = await zalo.in_group(group, leader, "12")
    assert "Thôn 3" in replies[0].text and figure(zalo.db, "Thôn 3", zalo.demo) == 12, replies[0].text


async def test_zalo_bare_figure_in_the_commune_group_stores_nothing(named_zalo: ZaloHarness) -> None:
    zalo = named_zalo
    leader = zalo.emu.user("Chủ tịch xã Hùng")
    await link(zalo, leader, LEADER_ID)
    group = zalo.emu.group("Tổ CNS Xã Tân Hòa", [leader])
    assert "Tân Hòa" in (await zalo.in_group(group, leader, "lienket x-tanhoa"))[0].text
    before = all_rows(zalo.db)
    replies = await zalo.in_group(group, leader, "hôm nay 6")
    assert "chưa ghi" in replies[0].text, replies[0].text  # the hint: nothing stored
    assert all_rows(zalo.db) == before
