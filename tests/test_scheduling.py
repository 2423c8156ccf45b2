"""The scheduler on SQLite: due-time logic, holidays and skip days, the outbox, failures, admins told.

The bot is a fake that records sends (or raises the configured Telegram errors); the clock is set by
each test and passed to `Scheduler.tick(now)`.
"""

from __future__ import annotations

from datetime import date, time, timedelta
from typing import Any

import pytest
from telegram.error import BadRequest, ChatMigrated, Forbidden, NetworkError, RetryAfter, TimedOut

from bot import scheduling
from bot.demo_data import GROUP_ID, VILLAGES, Demo, member_id, seed_demo
from bot.scheduling import Defaults, Scheduler, due_for_chat
from storage import repo, schedule_repo
from storage.db import Database
from storage.models import Chat
from storage.schedule_repo import BoundChat
from tests.helpers.schedule import ADMIN, FakeBot, Msg, at, deliveries, group_chat_id, make_services, report


@pytest.fixture(autouse=True)
def no_charts(monkeypatch: pytest.MonkeyPatch) -> None:
    """Charts take ~0.3 s each to draw; these tests are about the texts (one test puts a fake back)."""
    monkeypatch.setattr(scheduling, "chart_function", lambda: None)



@pytest.fixture
def db(sqlite_db: Database) -> Database:
    return sqlite_db


@pytest.fixture
def demo(db: Database) -> Demo:
    return seed_demo(db)


# ---- due-time logic (pure) ---------------------------------------------------------------------

DEFAULTS = Defaults(time(16, 30), time(20, 0), 6, timedelta(hours=3))


def chat(**kw: Any) -> BoundChat:
    values: dict[str, Any] = dict(id=1, channel="telegram", external_id="-1", title="g", unit_id=1, unit_name="X",
                                  unit_path="/1/", language=None, reminder_time=None, summary_time=None,
                                  weekly_day=None, skip_weekdays="", reminders_enabled=True, summaries_enabled=True)
    values.update(kw)
    return BoundChat(**values)


def kinds(items: list[scheduling.Due]) -> list[tuple[str, date]]:
    return [(i.kind, i.day) for i in items]


def test_nothing_is_due_before_its_time() -> None:
    assert due_for_chat(chat(), at(2025, 8, 14, 16, 29), DEFAULTS, set()) == []


def test_reminder_and_escalation_are_due_at_the_reminder_time() -> None:
    assert kinds(due_for_chat(chat(), at(2025, 8, 14, 16, 30), DEFAULTS, set())) == [
        ("reminder", date(2025, 8, 14)), ("escalation", date(2025, 8, 14))]


def test_daily_summary_due_at_summary_time_and_within_grace_only() -> None:
    d = date(2025, 8, 14)  # a Thursday
    assert ("daily", d) in kinds(due_for_chat(chat(), at(2025, 8, 14, 20, 0), DEFAULTS, set()))
    assert ("daily", d) in kinds(due_for_chat(chat(), at(2025, 8, 14, 23, 0), DEFAULTS, set()))
    # reminders are past their grace window by 20:00 + 3 h
    assert kinds(due_for_chat(chat(), at(2025, 8, 14, 23, 0), DEFAULTS, set())) == [("daily", d)]


def test_past_the_grace_window_nothing_is_caught_up() -> None:
    assert due_for_chat(chat(), at(2025, 8, 14, 23, 1), DEFAULTS, set()) == []
    assert due_for_chat(chat(summary_time=time(18, 0)), at(2025, 8, 14, 21, 30), DEFAULTS, set()) == []


def test_a_late_summary_is_caught_up_after_midnight_for_the_previous_day() -> None:
    late = chat(summary_time=time(23, 30))
    assert kinds(due_for_chat(late, at(2025, 8, 15, 0, 45), DEFAULTS, set())) == [("daily", date(2025, 8, 14))]


def test_chat_times_override_the_defaults() -> None:
    c = chat(reminder_time=time(9, 0), summary_time=time(17, 0))
    assert kinds(due_for_chat(c, at(2025, 8, 14, 9, 1), DEFAULTS, set()))[0] == ("reminder", date(2025, 8, 14))
    assert ("daily", date(2025, 8, 14)) in kinds(due_for_chat(c, at(2025, 8, 14, 17, 1), DEFAULTS, set()))


def test_no_reminder_on_holidays_or_skip_weekdays_but_summaries_still_due() -> None:
    holiday = date(2025, 9, 2)
    assert kinds(due_for_chat(chat(), at(2025, 9, 2, 16, 40), DEFAULTS, {holiday})) == []
    items = due_for_chat(chat(), at(2025, 9, 2, 20, 5), DEFAULTS, {holiday})
    assert kinds(items) == [("daily", holiday)] and items[0].off_day
    saturday = date(2025, 8, 16)
    assert due_for_chat(chat(skip_weekdays="5,6"), at(2025, 8, 16, 16, 40), DEFAULTS, set()) == []
    assert kinds(due_for_chat(chat(skip_weekdays="6"), at(2025, 8, 16, 16, 40), DEFAULTS, set())) == [
        ("reminder", saturday), ("escalation", saturday)]


def test_weekly_summary_on_the_chats_weekly_day() -> None:
    sunday = date(2025, 8, 17)
    assert kinds(due_for_chat(chat(), at(2025, 8, 17, 20, 1), DEFAULTS, set())) == [("daily", sunday), ("weekly", sunday)]
    assert ("weekly", date(2025, 8, 15)) in kinds(due_for_chat(chat(weekly_day=4), at(2025, 8, 15, 20, 1), DEFAULTS, set()))
    assert kinds(due_for_chat(chat(), at(2025, 8, 16, 20, 1), DEFAULTS, set())) == [("daily", date(2025, 8, 16))]


def test_switches_turn_kinds_off() -> None:
    assert due_for_chat(chat(reminders_enabled=False), at(2025, 8, 14, 16, 31), DEFAULTS, set()) == []
    assert due_for_chat(chat(summaries_enabled=False), at(2025, 8, 17, 20, 1), DEFAULTS, set()) == []


def test_pending_and_backoff() -> None:
    now = at(2025, 8, 14, 12)
    assert scheduling.pending(None, None, now)
    assert not scheduling.pending("sent", None, now)
    assert not scheduling.pending("skipped", None, now)
    assert not scheduling.pending("sending", now + timedelta(seconds=1), now)
    assert scheduling.pending("sending", now, now)
    assert scheduling.pending("failed", now - timedelta(seconds=1), now)
    assert [scheduling.backoff(n).total_seconds() for n in (1, 2, 3, 10)] == [60, 120, 240, 1800]


# ---- the outbox --------------------------------------------------------------------------------


async def test_a_reminder_is_sent_once_however_often_the_scheduler_ticks(db: Database, demo: Demo) -> None:
    svc = make_services(db, at(2025, 8, 14, 16, 31))
    bot = FakeBot()
    sched = Scheduler(svc, bot)  # type: ignore[arg-type]
    first = await sched.tick()
    assert first.sent == 2  # the reminder, and the escalation (nobody in the demo ever reported)
    sent = list(bot.to(GROUP_ID))
    for minutes in (0, 1, 30, 120):
        await sched.tick(at(2025, 8, 14, 16, 31) + timedelta(minutes=minutes))
    assert bot.to(GROUP_ID) == sent
    reminders_sent = [m for m in sent if "Nhắc báo cáo" in m.text]
    assert len(reminders_sent) == 1
    rem = [r for r in deliveries(db) if r.kind == "reminder"]
    assert len(rem) == 1 and rem[0].status == "sent" and rem[0].sent_message_id == reminders_sent[0].message_id


async def test_a_second_scheduler_on_the_same_database_does_not_resend(db: Database, demo: Demo) -> None:
    now = at(2025, 8, 14, 20, 5)
    bot1, bot2 = FakeBot(), FakeBot()
    await Scheduler(make_services(db, now), bot1).tick()  # type: ignore[arg-type]
    assert [m for m in bot1.to(GROUP_ID)]  # the daily summary
    await Scheduler(make_services(db, now + timedelta(minutes=5)), bot2).tick()  # type: ignore[arg-type]
    assert bot2.sent == []


async def test_restart_after_the_summary_time_catches_up_once(db: Database, demo: Demo) -> None:
    # the process was down from 19:50 to 21:10: the 20:00 summary is sent at 21:10, once
    bot = FakeBot()
    await Scheduler(make_services(db, at(2025, 8, 14, 19, 50)), bot).tick()  # type: ignore[arg-type]
    before = len(bot.to(GROUP_ID))
    restarted = Scheduler(make_services(db, at(2025, 8, 14, 21, 10)), bot)  # type: ignore[arg-type]
    rep = await restarted.tick()
    assert rep.sent == 1
    daily = [m for m in bot.to(GROUP_ID)[before:] if "Tổng hợp" in m.text]
    assert len(daily) == 1
    again = Scheduler(make_services(db, at(2025, 8, 14, 21, 15)), bot)  # type: ignore[arg-type]
    assert (await again.tick()).sent == 0


async def test_crash_between_claim_and_send_is_retried_after_the_lease(db: Database, demo: Demo) -> None:
    now = at(2025, 8, 14, 20, 1)
    chat_id = group_chat_id(db)
    with db.session() as s:  # a scheduler claimed the daily summary and died before sending it
        assert schedule_repo.claim_delivery(s, chat_id, "daily", now.date(), now, now + timedelta(minutes=10), 10)
    bot = FakeBot()
    sched = Scheduler(make_services(db, now), bot)  # type: ignore[arg-type]
    rep = await sched.tick(now + timedelta(minutes=5))
    assert rep.sent == 0 and bot.sent == []
    rep = await sched.tick(now + timedelta(minutes=11))
    assert rep.sent == 1 and len(bot.to(GROUP_ID)) == 1
    row = next(r for r in deliveries(db) if r.kind == "daily")
    assert row.status == "sent" and row.attempts == 2


def test_claim_is_exclusive(db: Database, demo: Demo) -> None:
    now = at(2025, 8, 14, 20, 1)
    chat_id = group_chat_id(db)
    lease = now + timedelta(minutes=10)
    with db.session() as s:
        first = schedule_repo.claim_delivery(s, chat_id, "daily", now.date(), now, lease, 10)
    with db.session() as s:
        second = schedule_repo.claim_delivery(s, chat_id, "daily", now.date(), now, lease, 10)
    assert first is not None and second is None
    with db.session() as s:
        schedule_repo.mark_sent(s, first.id, 7, now)
    with db.session() as s:  # sent is final, even long after the lease
        assert schedule_repo.claim_delivery(s, chat_id, "daily", now.date(), now + timedelta(days=1),
                                            lease + timedelta(days=1), 10) is None


async def test_network_errors_are_retried_with_backoff(db: Database, demo: Demo) -> None:
    now = at(2025, 8, 14, 16, 31)
    with db.session() as s:
        schedule_repo.update_chat(s, group_chat_id(db), skip_weekdays="")
    for name in demo.village_ids.values():  # reported yesterday: no escalation today
        report(db, name, now.date() - timedelta(days=1), 1)
    bot = FakeBot(errors={GROUP_ID: [NetworkError("Bad Gateway"), TimedOut("timed out")]})
    sched = Scheduler(make_services(db, now), bot)  # type: ignore[arg-type]
    rep = await sched.tick(now)
    assert rep.failed == 1 and rep.skipped == 1 and bot.sent == []
    row = next(r for r in deliveries(db) if r.kind == "reminder")
    assert row.status == "failed" and row.attempts == 1 and "Bad Gateway" in (row.last_error or "")
    assert row.next_attempt_at == now + timedelta(seconds=60)
    assert (await sched.tick(now + timedelta(seconds=30))).failed == 0  # not yet due again
    await sched.tick(now + timedelta(seconds=61))  # second failure: 2 minutes
    row = next(r for r in deliveries(db) if r.kind == "reminder")
    assert row.attempts == 2 and row.next_attempt_at == now + timedelta(seconds=61 + 120)
    await sched.tick(now + timedelta(seconds=61 + 120))
    assert len([m for m in bot.to(GROUP_ID) if "Nhắc báo cáo" in m.text]) == 1
    row = next(r for r in deliveries(db) if r.kind == "reminder")
    assert row.status == "sent" and row.attempts == 3 and row.last_error is None


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
async def test_retry_after_beyond_the_limiter_waits_at_least_that_long(db: Database, demo: Demo) -> None:
    now = at(2025, 8, 14, 16, 31)
    bot = FakeBot(errors={GROUP_ID: [RetryAfter(timedelta(seconds=300))]})
    await Scheduler(make_services(db, now), bot).tick(now)  # type: ignore[arg-type]
    row = next(r for r in deliveries(db) if r.kind == "reminder")
    assert row.status == "failed" and row.next_attempt_at == now + timedelta(seconds=300)


async def test_after_max_attempts_a_delivery_is_dead(db: Database, demo: Demo) -> None:
    now = at(2025, 8, 14, 16, 31)
    bot = FakeBot(always={GROUP_ID: NetworkError("down")})
    sched = Scheduler(make_services(db, now), bot, max_attempts=3)  # type: ignore[arg-type]
    t0 = now
    for _ in range(6):
        await sched.tick(t0)
        t0 += timedelta(minutes=31)
        if t0 > now + timedelta(hours=3):
            break
    row = next(r for r in deliveries(db) if r.kind == "reminder")
    assert row.status == "dead" and row.attempts == 3


async def test_a_chat_that_blocked_the_bot_is_disabled_and_admins_told(db: Database, demo: Demo) -> None:
    now = at(2025, 8, 14, 16, 31)
    bot = FakeBot(always={GROUP_ID: Forbidden("Forbidden: bot was kicked from the group chat")})
    sched = Scheduler(make_services(db, now), bot)  # type: ignore[arg-type]
    rep = await sched.tick(now)
    assert rep.disabled == 1
    with db.session() as s:
        c = s.get(Chat, group_chat_id(db))
        assert c is not None and c.active is False and "forbidden" in (c.disabled_reason or "")
    told = bot.to(ADMIN)
    assert len(told) == 1 and "Tổ CNS Xã Tân Hòa" in told[0].text and "Xã Tân Hòa" in told[0].text
    # nothing more is attempted for that chat, and admins are not told twice
    await sched.tick(now + timedelta(hours=4))
    assert len(bot.to(ADMIN)) == 1
    assert all(r.status == "dead" for r in deliveries(db))


async def test_chat_not_found_disables_too_but_other_bad_requests_only_kill_the_delivery(db: Database, demo: Demo) -> None:
    now = at(2025, 8, 14, 16, 31)
    bot = FakeBot(errors={GROUP_ID: [BadRequest("Bad Request: can't parse entities")]})
    rep = await Scheduler(make_services(db, now), bot).tick(now)  # type: ignore[arg-type]
    assert rep.failed == 1 and rep.disabled == 0
    with db.session() as s:
        c = s.get(Chat, group_chat_id(db))
        assert c is not None and c.active
    bot2 = FakeBot(always={GROUP_ID: BadRequest("Bad Request: chat not found")})
    rep = await Scheduler(make_services(db, now + timedelta(hours=4)), bot2).tick()  # type: ignore[arg-type]
    assert rep.disabled == 1


async def test_a_group_upgraded_to_supergroup_is_followed(db: Database, demo: Demo) -> None:
    now = at(2025, 8, 14, 16, 31)
    chat_id = group_chat_id(db)
    bot = FakeBot(errors={GROUP_ID: [ChatMigrated(-100123)]})
    rep = await Scheduler(make_services(db, now), bot).tick(now)  # type: ignore[arg-type]
    assert rep.sent == 2 and len(bot.to(-100123)) == 2 and bot.to(GROUP_ID) == []
    with db.session() as s:
        c = s.get(Chat, chat_id)
        assert c is not None and c.external_id == "-100123"


async def test_a_failed_chart_does_not_resend_the_text(db: Database, demo: Demo, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(scheduling, "chart_function", lambda: (lambda r, h, lang: b"\x89PNG fake"))
    now = at(2025, 8, 14, 20, 1)
    bot = FakeBot(photo_errors=[NetworkError("reset")])
    sched = Scheduler(make_services(db, now), bot)  # type: ignore[arg-type]
    await sched.tick(now)
    assert [m.kind for m in bot.to(GROUP_ID)] == ["text"]
    row = next(r for r in deliveries(db) if r.kind == "daily")
    assert row.status == "failed" and row.sent_message_id == bot.to(GROUP_ID)[0].message_id
    await sched.tick(now + timedelta(minutes=2))
    assert [m.kind for m in bot.to(GROUP_ID)] == ["text", "photo"]
    row = next(r for r in deliveries(db) if r.kind == "daily")
    assert row.status == "sent"


async def test_schedule_changes_apply_at_the_next_tick(db: Database, demo: Demo) -> None:
    bot = FakeBot()
    sched = Scheduler(make_services(db, at(2025, 8, 14, 9, 0)), bot)  # type: ignore[arg-type]
    await sched.tick()
    assert bot.sent == []
    with db.session() as s:
        schedule_repo.update_chat(s, group_chat_id(db), reminder_time=time(8, 45))
    await sched.tick()
    assert "Nhắc báo cáo" in bot.to(GROUP_ID)[0].text


async def test_inactive_or_unbound_chats_get_nothing(db: Database, demo: Demo) -> None:
    with db.session() as s:
        schedule_repo.update_chat(s, group_chat_id(db), active=False)
        other = repo.get_or_create_chat(s, "telegram", "-777", "unbound")
        assert other.unit_id is None
    bot = FakeBot()
    await Scheduler(make_services(db, at(2025, 8, 14, 20, 30)), bot).tick()  # type: ignore[arg-type]
    assert bot.sent == []


async def test_a_holiday_suppresses_reminders_and_an_idle_day_off_has_no_summary(db: Database, demo: Demo) -> None:
    bot = FakeBot()
    sched = Scheduler(make_services(db, at(2025, 9, 2, 16, 40)), bot)  # type: ignore[arg-type]
    await sched.tick()
    await sched.tick(at(2025, 9, 2, 20, 10))
    assert bot.sent == []
    row = next(r for r in deliveries(db) if r.kind == "daily")
    assert row.status == "skipped"


async def test_a_day_off_with_reports_still_gets_its_summary(db: Database, demo: Demo) -> None:
    report(db, demo.village_ids["Thôn 3"], date(2025, 9, 2), 7)
    bot = FakeBot()
    await Scheduler(make_services(db, at(2025, 9, 2, 20, 10)), bot).tick()  # type: ignore[arg-type]
    assert len(bot.to(GROUP_ID)) == 1 and "Tổng hợp" in bot.to(GROUP_ID)[0].text


async def test_skip_weekdays_suppress_reminders(db: Database, demo: Demo) -> None:
    with db.session() as s:
        schedule_repo.update_chat(s, group_chat_id(db), skip_weekdays="5,6")
    bot = FakeBot()
    await Scheduler(make_services(db, at(2025, 8, 16, 16, 40)), bot).tick()  # type: ignore[arg-type]
    assert bot.sent == []


async def test_many_chats_are_sent_concurrently_and_each_once(db: Database, demo: Demo) -> None:
    with db.session() as s:
        for i, (code, _name, _t, _b) in enumerate(VILLAGES):
            unit = repo.unit_by_code(s, code)
            c = repo.get_or_create_chat(s, "telegram", str(-2000 - i), f"Nhóm {code}")
            repo.bind_chat(s, c, unit)
    bot = FakeBot()
    sched = Scheduler(make_services(db, at(2025, 8, 14, 16, 31)), bot, concurrency=5)  # type: ignore[arg-type]
    rep = await sched.tick()
    # each village group: its reminder; the commune group: reminder + escalation
    assert rep.sent == 14
    assert sorted(m.chat_id for m in bot.sent) == sorted([GROUP_ID, GROUP_ID] + [-2000 - i for i in range(12)])
    assert (await sched.tick()).sent == 0


def test_member_ids_in_demo_are_stable() -> None:
    assert member_id(0) == 2000 and member_id(0, True) == 2100


async def test_the_pacer_keeps_every_window_under_the_limit_whatever_the_latency() -> None:
    import asyncio
    import random

    pacer = scheduling.Pacer(10, window=0.2)  # 10 per 0.2 s = 50/s
    loop = asyncio.get_running_loop()
    arrivals: list[float] = []
    rng = random.Random(3)

    async def send() -> Any:
        await asyncio.sleep(rng.uniform(0, 0.03))  # the request travels ...
        arrivals.append(loop.time())  # ... arrives ("Telegram counts it") ...
        await asyncio.sleep(rng.uniform(0, 0.03))  # ... and the answer comes back
        return Msg(1)

    t0 = loop.time()
    await asyncio.gather(*(pacer.run(send) for _ in range(60)))
    elapsed = loop.time() - t0
    arrivals.sort()
    worst = max(sum(1 for b in arrivals if a - 0.2 < b <= a) for a in arrivals)
    assert worst <= 10
    # a send holds its place in the window from its release until `window` after its answer, so the pace
    # is limit / (window + round trip): 10 / (0.2 + 0.03) s here (~1.4 s), not a sequential crawl (~1.8 s+)
    assert 1.0 <= elapsed < 1.6


async def test_a_commune_day_off_silences_only_that_communes_reminders(db: Database, demo: Demo) -> None:
    """Issue 15 item 4: a commune admin's /lich nghi is that commune's day off (its villages, its chats);
    another commune of the same province is reminded as usual, and so is the province above it."""
    from bot.demo_data import ADMIN_ID
    from bot.scheduling import ScheduleService

    with db.session() as s:
        prov = repo.unit_by_id(s, demo.province_id)
        other = repo.create_unit(s, "x-binhan", "Xã Bình An", "commune", prov)
        for i, name in enumerate(("Thôn Đông", "Thôn Tây")):
            v = repo.create_unit(s, f"ba-{i}", name, "village", other)
            repo.add_member(s, "telegram", str(5000 + i), f"Tổ viên {name}", v, "member")
        for ext, unit in ((-3000, other), (-3003, repo.unit_by_id(s, demo.village_ids["Thôn 3"])), (-3009, prov)):
            repo.bind_chat(s, repo.get_or_create_chat(s, "telegram", str(ext), f"Nhóm {ext}"), unit)
    svc = make_services(db, at(2025, 8, 14, 10, 0))
    answer = ScheduleService(svc).lich(svc.caller("telegram", ADMIN_ID), str(GROUP_ID), "nghi 20/08/2025 Hội làng")
    assert "riêng của Xã Tân Hòa" in answer, answer
    bot = FakeBot()
    sched = Scheduler(make_services(db, at(2025, 8, 20, 16, 40)), bot)  # type: ignore[arg-type]
    await sched.tick()
    reminded = {m.chat_id for m in bot.sent if "Nhắc báo cáo" in m.text}
    assert GROUP_ID not in reminded and -3003 not in reminded  # Tân Hòa's subtree: a day off
    assert {-3000, -3009} <= reminded  # the other commune and the province: a working day
    await sched.tick(at(2025, 8, 20, 20, 10))
    assert not bot.to(GROUP_ID) and not bot.to(-3003)  # an idle day off has no summary either
    assert any("Tổng hợp" in m.text for m in bot.to(-3000))
