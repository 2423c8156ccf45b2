"""Bare figures in a group bound to one village (issue 17 item 9): "12" or "hôm nay 6" typed in the
village's own group is that village's figure — for anyone who may report for it (a member of another
village still reports for their own); in a group bound to the commune nothing says whose it is, so
nothing is stored (a hint for "hôm nay 6", silence for a lone "12"). Telegram and Zalo alike."""

from __future__ import annotations

import asyncio
from datetime import date

from sqlalchemy import func, select

from bot.demo_data import GROUP_ID, LEADER_ID, Demo, member_id
from storage import repo
from storage.db import Database
from storage.models import Report
from tests.helpers.telegram import Harness
from tests.helpers.zalo import ZaloHarness, link

DAY = date(2025, 8, 14)  # the harness clock's day
VILLAGE_GROUP = -100777


def figure(db: Database, unit_name: str, demo: Demo, metric: str = "l2") -> int:
    with db.session() as s:
        uid = demo.village_ids[unit_name]
        q = select(func.coalesce(func.sum(Report.value), 0)).where(
            Report.unit_id == uid, Report.metric == metric, Report.day == DAY,
            Report.superseded_at.is_(None), Report.deleted_at.is_(None))
        return int(s.scalar(q) or 0)


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


async def test_zalo_bare_figure_in_a_village_group(zalo: ZaloHarness) -> None:  # noqa: F811
    leader = zalo.emu.user("Chủ tịch xã Hùng")
    await link(zalo, leader, LEADER_ID)
    group = zalo.emu.group("Tổ CNS Thôn 3", [leader])
    replies = await zalo.in_group(group, leader, "lienket th-3")
    assert "Thôn 3" in replies[0].text
    replies = await zalo.in_group(group, leader, "hôm nay 6")
    assert "Thôn 3" in replies[0].text and figure(zalo.db, "Thôn 3", zalo.demo) == 6, replies[0].text
    with zalo.db.session() as s:
        chat = repo.chat_by_external(s, "zalo", group)
        assert chat is not None and chat.unit_id == zalo.demo.village_ids["Thôn 3"]
