"""PostgreSQL: one scheduler per database (advisory lock), and the outbox under concurrent claimers."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from sqlalchemy import text

from bot import scheduling
from bot.demo_data import GROUP_ID, seed_demo
from bot.scheduling import LeaderLock, Scheduler
from storage import schedule_repo
from storage.db import Database
from tests.helpers.schedule import FakeBot, at, group_chat_id, make_services

pytestmark = pytest.mark.postgres

@pytest.fixture(autouse=True)
def no_charts(monkeypatch: pytest.MonkeyPatch) -> None:
    """Charts take ~0.3 s each to draw; these tests are about the texts (one test puts a fake back)."""
    monkeypatch.setattr(scheduling, "chart_function", lambda: None)



def test_only_one_process_holds_the_scheduler_lock(pg_db: Database) -> None:
    other = Database(pg_db.engine.url.render_as_string(hide_password=False),
                     connect_args=pg_db.engine.dialect.create_connect_args(pg_db.engine.url)[1].get("connect_args", {}))
    a, b = LeaderLock(pg_db, key=4242), LeaderLock(other, key=4242)
    try:
        assert a.acquire() and a.held
        assert a.acquire()  # cheap re-check on every tick
        assert not b.acquire() and not b.held
        a.release()
        assert b.acquire()
        assert not a.acquire()
    finally:
        a.release()
        b.release()
        other.dispose()


def test_a_lost_lock_connection_is_noticed_and_the_lock_taken_again(pg_db: Database) -> None:
    lock = LeaderLock(pg_db, key=4343)
    try:
        assert lock.acquire()
        assert lock._conn is not None
        pid = lock._conn.exec_driver_sql("SELECT pg_backend_pid()").scalar()
        lock._conn.commit()
        with pg_db.engine.connect() as conn:
            conn.execute(text("SELECT pg_terminate_backend(:p)"), {"p": pid})
            conn.commit()
        assert lock.acquire()  # reconnected and re-locked (nobody else had it)
        with pg_db.engine.connect() as conn:
            holders = conn.execute(text("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND objid = 4343")).scalar()
        assert holders == 1
    finally:
        lock.release()


async def test_two_schedulers_on_one_database_send_once(pg_db: Database) -> None:
    seed_demo(pg_db)
    now = at(2025, 8, 14, 20, 5)
    bot1, bot2 = FakeBot(), FakeBot()
    s1 = Scheduler(make_services(pg_db, now), bot1)  # type: ignore[arg-type]
    s2 = Scheduler(make_services(pg_db, now), bot2)  # type: ignore[arg-type]
    try:
        r1, r2 = await asyncio.gather(s1.tick(), s2.tick())
        assert sorted([r1.leader, r2.leader]) == [False, True]
        assert len(bot1.sent) + len(bot2.sent) == 1
        # the standby takes over when the leader goes away, and does not resend
        leader, standby = (s1, s2) if r1.leader else (s2, s1)
        leader.close()
        rep = await standby.tick(now + timedelta(minutes=1))
        assert rep.leader and rep.sent == 0
        assert len(bot1.sent) + len(bot2.sent) == 1
    finally:
        s1.close()
        s2.close()


def test_concurrent_claims_have_one_winner(pg_db: Database) -> None:
    seed_demo(pg_db)
    chat_id = group_chat_id(pg_db)
    now = at(2025, 8, 14, 20, 1)

    def claim(_: int) -> bool:
        with pg_db.session() as s:
            return schedule_repo.claim_delivery(s, chat_id, "daily", now.date(), now, now + timedelta(minutes=10),
                                                10) is not None

    with ThreadPoolExecutor(8) as pool:
        wins = list(pool.map(claim, range(16)))
    assert wins.count(True) == 1


async def test_the_outbox_works_on_postgres(pg_db: Database) -> None:
    seed_demo(pg_db)
    bot = FakeBot()
    sched = Scheduler(make_services(pg_db, at(2025, 8, 14, 16, 31)), bot)  # type: ignore[arg-type]
    try:
        first = await sched.tick()
        assert first.sent == 2 and {m.chat_id for m in bot.sent} == {GROUP_ID}
        assert (await sched.tick()).sent == 0
    finally:
        sched.close()
