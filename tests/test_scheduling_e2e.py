"""Schedules e2e: the real bot (PTB + AIORateLimiter + JobQueue) against the Bot API emulator.

Reports are typed in the group as members would; the clock is moved and the scheduler ticks
(`scheduler_of(app).tick()`, the same call the JobQueue job makes every 30 s).
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import date, timedelta

import pytest

from bot.demo_data import GROUP_ID, LEADER_ID, VILLAGES, member_id
from bot.emulator import User
from bot.scheduling import chart_function
from storage import repo
from storage.models import Chat, Delivery
from tests.helpers.telegram import DAY, App, Harness, at, of_kind, start_app, stop_app, texts, tick

NAMES = [name for _c, name, _t, _b in VILLAGES]
ADMIN = 9001


@asynccontextmanager
async def restarted(h: Harness) -> AsyncIterator[App]:
    """Another process on the same database: a new Application (and Scheduler) with the same settings."""
    app = await start_app(h.svc.settings, h.db, h.clock)
    try:
        yield app
    finally:
        await stop_app(app)


async def test_the_scheduler_job_is_installed(harness: Harness) -> None:
    assert harness.app.job_queue is not None
    assert "vneid-scheduler" in [j.name for j in harness.app.job_queue.jobs()]


async def test_a_reminder_reaches_only_the_silent_units(harness: Harness) -> None:
    h = harness
    silent = {"Thôn Hạ", "Xóm Bãi", "Bản Nà Pục"}
    for i, name in enumerate(NAMES):
        if name not in silent:
            await h.say(GROUP_ID, member_id(i), f"{name} hôm nay 5 mức 2")
    h.clock.set(at(16, 31))
    await tick(h)
    (reminder,) = of_kind(h, GROUP_ID, "Nhắc báo cáo")
    named = {n for n in NAMES if f"<b>{n}</b>" in reminder or f"{n}:" in reminder}
    assert {n for n in NAMES if n in reminder} == silent, reminder
    assert named == silent
    ids = {int(x) for x in re.findall(r"tg://user\?id=(\d+)", _html(h, GROUP_ID, "Nhắc báo cáo"))}
    assert ids == {member_id(NAMES.index(n)) for n in silent} | {member_id(NAMES.index(n), True) for n in silent}
    await tick(h)
    assert len(of_kind(h, GROUP_ID, "Nhắc báo cáo")) == 1


def _html(h: Harness, chat_id: int, marker: str) -> str:
    """The mention links of the bot's message (the emulator keeps them as text_mention/text_link entities)."""
    for m in h.emu.sent(chat_id):
        if marker in (m.text or ""):
            return " ".join(f"tg://user?id={e['user']['id']}" if e.get("user") else str(e.get("url", ""))
                            for e in m.entities)
    return ""


async def test_the_summary_numbers_equal_an_independent_computation(harness: Harness) -> None:
    h = harness
    typed = {"Thôn Đồng Tâm": 12, "Thôn 3": 7, "TDP 5": 0, "Thôn Hạ": 21}
    for name, value in typed.items():
        await h.say(GROUP_ID, member_id(NAMES.index(name)), f"{name} hôm nay {value} mức 2")
    await h.say(GROUP_ID, member_id(NAMES.index("Thôn 3")), "Thôn 3 hôm nay 4 mức 1")
    h.clock.set(at(20, 1))
    await tick(h)
    (summary,) = of_kind(h, GROUP_ID, "Tổng hợp VNeID")
    targets = {name: t for _c, name, t, _b in VILLAGES}
    cum = {name: b + typed.get(name, 0) for _c, name, _t, b in VILLAGES}
    total, target = sum(cum.values()), sum(targets.values())

    def vn(n: int) -> str:
        return f"{n:,}".replace(",", ".")

    def pct(x: float) -> str:
        return f"{x:.1f}".replace(".", ",") + "%"

    assert f"Mức 2: hôm nay +{sum(typed.values())} · lũy kế {vn(total)}/{vn(target)} ({pct(100 * total / target)})" in summary
    assert "Mức 1: hôm nay +4" in summary
    assert "Đã báo cáo hôm nay: 4/12 đơn vị" in summary
    ranked = re.findall(r"^\d+\. (.+?) — ([\d,]+%)", summary, re.M)
    assert [n for n, _p in ranked] == sorted(NAMES, key=lambda n: (-round(100 * cum[n] / targets[n], 1), n))
    assert all(p == pct(100 * cum[n] / targets[n]) for n, p in ranked)
    silent_line = summary.split("Chưa báo cáo hôm nay (8):")[1]
    assert not any(n in silent_line for n in typed)


async def test_a_restart_after_the_summary_time_sends_it_once(harness: Harness) -> None:
    h = harness
    await h.say(GROUP_ID, member_id(3), "Thôn 3 hôm nay 9 mức 2")
    h.clock.set(at(19, 55))
    await tick(h)
    assert of_kind(h, GROUP_ID, "Tổng hợp VNeID") == []
    await stop_app(h.app)  # the process dies before 20:00 ...
    h.clock.set(at(21, 10))  # ... and comes back at 21:10
    mark = h.emu.mark()
    async with restarted(h) as app:
        # the JobQueue's first tick runs at start: the missed summary is caught up without any help
        got = await h.emu.wait_for_messages(GROUP_ID, 1, timeout=15, since=mark)
        assert any("Tổng hợp VNeID" in x for x in texts(got))
        await tick(h, app)
    assert len(of_kind(h, GROUP_ID, "Tổng hợp VNeID")) == 1
    h.clock.set(at(21, 20))
    async with restarted(h) as app:  # a second restart does not send it again
        await tick(h, app)
        await tick(h, app)
    assert len(of_kind(h, GROUP_ID, "Tổng hợp VNeID")) == 1
    with h.db.session() as s:
        row = s.query(Delivery).filter(Delivery.kind == "daily").one()
        assert row.status == "sent" and row.day == DAY and row.sent_message_id is not None


@pytest.mark.faults
async def test_a_429_storm_delays_but_loses_nothing(harness: Harness) -> None:
    h = harness
    groups = {}
    with h.db.session() as s:
        for i, (code, name, _t, _b) in enumerate(VILLAGES):
            chat_id = -3000 - i
            h.emu.group_chat(chat_id, f"Nhóm {name}")
            c = repo.get_or_create_chat(s, "telegram", str(chat_id), f"Nhóm {name}")
            repo.bind_chat(s, c, repo.unit_by_code(s, code))
            groups[chat_id] = name
    h.emu.inject_faults(0.5, kinds=("429",), methods=["sendMessage"], seed=7)
    h.clock.set(at(16, 31))
    await tick(h)
    injected = h.emu.stats.faults["429"]
    h.emu.clear_faults()
    for minutes in (5, 15, 40):  # whatever exhausted the limiter's retries is retried with backoff
        h.clock.set(at(16, 31) + timedelta(minutes=minutes))
        await tick(h)
    assert injected > 0
    for chat_id, name in groups.items():
        got = of_kind(h, chat_id, "Nhắc báo cáo")
        assert len(got) == 1 and name in got[0], (chat_id, got)
    assert len(of_kind(h, GROUP_ID, "Nhắc báo cáo")) == 1
    with h.db.session() as s:
        rows = s.query(Delivery).filter(Delivery.kind == "reminder").all()
        assert len(rows) == 13 and {r.status for r in rows} == {"sent"}


async def test_a_blocked_group_is_disabled_and_the_admins_told(harness: Harness) -> None:
    h = harness
    h.svc.settings.admin_ids = [ADMIN]
    h.emu.private_chat(User(ADMIN, "Quản trị"))
    h.emu.block_chat(GROUP_ID)
    h.clock.set(at(16, 31))
    await tick(h)
    with h.db.session() as s:
        chat = repo.chat_by_external(s, "telegram", str(GROUP_ID))
        assert isinstance(chat, Chat) and chat.active is False and "forbidden" in (chat.disabled_reason or "")
    (notice,) = texts(h.emu.sent(ADMIN))
    assert "Tổ CNS Xã Tân Hòa" in notice and "bị chặn" in notice
    h.clock.set(at(20, 5))
    await tick(h)
    assert len(h.emu.sent(ADMIN)) == 1  # told once; the disabled chat is not tried again
    assert h.emu.sent(GROUP_ID) == []


async def test_lich_changes_take_effect_without_a_restart(harness: Harness) -> None:
    h = harness
    replies = await h.say(GROUP_ID, LEADER_ID, "/lich nhac 17:00")
    assert "Đã lưu" in (replies[0].text or "") and "17:00" in (replies[0].text or "")
    h.clock.set(at(16, 45))
    await tick(h)
    assert of_kind(h, GROUP_ID, "Nhắc báo cáo") == []
    h.clock.set(at(17, 1))
    await tick(h)
    assert len(of_kind(h, GROUP_ID, "Nhắc báo cáo")) == 1
    shown = await h.say(GROUP_ID, LEADER_ID, "/schedule")
    assert "Nhắc báo cáo: 17:00" in (shown[0].text or "")
    refused = await h.say(GROUP_ID, member_id(0), "/lich nhac 08:00")
    assert "chỉ dành cho" in (refused[0].text or "")
    wrong = await h.say(GROUP_ID, LEADER_ID, "/lich nhac 99:99")
    assert "không hợp lệ" in (wrong[0].text or "")


async def test_tonghop_on_demand(harness: Harness) -> None:
    h = harness
    await h.say(GROUP_ID, member_id(3), "Thôn 3 hôm nay 9 mức 2")
    with_chart = chart_function() is not None
    replies = await h.say(GROUP_ID, LEADER_ID, "/tonghop", count=2 if with_chart else 1)
    text = replies[0].text or ""
    assert "Tổng hợp VNeID — Xã Tân Hòa" in text and "Thôn 3 — " in text and "+9" in text
    if with_chart:
        assert replies[1].kind == "photo" and (replies[1].file_bytes or b"").startswith(b"\x89PNG")
    member = await h.say(GROUP_ID, member_id(0), "/summary")
    assert "chỉ dành cho" in (member[0].text or "")


async def test_a_commune_admin_cannot_change_national_holidays_a_global_admin_can(harness: Harness) -> None:
    """Issue 15 item 4 over Telegram: /lich nghi and /lich bonghi of a commune admin leave the national
    holidays alone (refused, audited); a global admin (ADMIN_IDS) edits them."""
    from bot.demo_data import ADMIN_ID
    from storage import schedule_repo
    from storage.models import AuditLog

    h = harness
    day = date(2025, 9, 2)
    add = await h.say(GROUP_ID, ADMIN_ID, "/lich nghi 02/09/2025 Nghỉ bù của xã")
    assert "ngày nghỉ toàn quốc «Quốc khánh»" in (add[0].text or "") and "không thay đổi" in (add[0].text or "")
    remove = await h.say(GROUP_ID, ADMIN_ID, "/lich bonghi 02/09/2025")
    assert "chỉ quản trị toàn hệ thống" in (remove[0].text or "")
    with h.db.session() as s:
        national = schedule_repo.holiday_on(s, day)
        assert national is not None and national.name == "Quốc khánh"
        assert [a.action for a in s.query(AuditLog).filter(AuditLog.outcome == "refused")] == ["lich.nghi",
                                                                                              "lich.bonghi"]
    own = await h.say(GROUP_ID, ADMIN_ID, "/lich nghi 20/08/2025 Hội làng")
    assert "ngày nghỉ riêng của Xã Tân Hòa" in (own[0].text or "")
    h.svc.settings.admin_ids = [ADMIN]
    h.emu.private_chat(User(ADMIN, "Quản trị"))
    done = await h.say(ADMIN, ADMIN, "/lich bonghi 02/09/2025")
    assert "Đã bỏ ngày nghỉ 02/09/2025 (Quốc khánh)" in (done[0].text or "")
    with h.db.session() as s:
        assert schedule_repo.holiday_on(s, day) is None
    h.clock.set(at(16, 40, day))
    await tick(h)
    assert len(of_kind(h, GROUP_ID, "Nhắc báo cáo")) == 1  # no longer a holiday: reminded
