"""The durable webhook queue (bot.core.inbox_queue over storage.queue_repo): kept once, per-chat and
per-user order across workers, leases that run out when a worker dies, retries, parking."""

from __future__ import annotations

import random
import threading
from collections import defaultdict
from datetime import UTC, datetime, timedelta

import pytest
from pydantic import SecretStr
from sqlalchemy import select, update

from bot.channels.telegram.webhook import _ids
from bot.config import Settings
from bot.core.inbox_queue import InboxQueue
from bot.core.services import Services, system_clock
from storage import queue_repo
from storage.db import Database
from storage.models import Inbox


def _queue(db: Database, worker: str, **kw: object) -> InboxQueue:
    settings = Settings(telegram_bot_token=SecretStr("1:x"), database_url="sqlite://", max_update_attempts=3)
    return InboxQueue(Services(settings, db, system_clock), "telegram", "1", worker, **kw)  # type: ignore[arg-type]


def _msg(update_id: int, chat: int, user: int) -> dict[str, object]:
    return {"update_id": update_id, "message": {"message_id": update_id, "date": 0, "text": "x",
                                                "chat": {"id": chat, "type": "group"},
                                                "from": {"id": user, "is_bot": False, "first_name": "A"}}}


def _put(q: InboxQueue, update_id: int, chat: int, user: int) -> bool:
    raw = _msg(update_id, chat, user)
    c, u = _ids(raw)
    return q.put(str(update_id), c, u, raw)


def test_ids_of_a_message_and_a_button_press() -> None:
    assert _ids(_msg(1, -5, 7)) == ("-5", "7")
    press = {"update_id": 2, "callback_query": {"id": "q", "from": {"id": 9}, "chat_instance": "c",
                                                "message": {"message_id": 3, "chat": {"id": -4}}}}
    assert _ids(press) == ("-4", "9")
    assert _ids({"update_id": 3}) == (None, None)


def test_an_update_is_kept_once(any_db: Database) -> None:
    q = _queue(any_db, "w1")
    assert _put(q, 1, -1, 10) is True
    assert _put(q, 1, -1, 10) is False  # Telegram sent it again (our 200 was lost): kept once
    assert q.backlog() == 1
    [item] = q.take(10)
    assert item.key == "1" and item.attempts == 1 and item.payload["update_id"] == 1
    assert q.done(item, None) == "done"
    assert q.backlog() == 0
    assert _put(q, 1, -1, 10) is False  # handled, then re-delivered: still not handled again
    assert q.take(10) == []


def test_one_chat_and_one_user_at_a_time_in_arrival_order(any_db: Database) -> None:
    a, b = _queue(any_db, "w1"), _queue(any_db, "w2")
    _put(a, 1, -1, 10)  # chat -1, user 10
    _put(a, 2, -1, 11)  # same chat
    _put(a, 3, -2, 10)  # same user, another chat
    _put(a, 4, -3, 12)  # unrelated
    first = a.take(10)
    assert [i.key for i in first] == ["1", "4"]  # 2 waits for 1 (chat), 3 for 1 (user)
    assert b.take(10) == []  # another worker gets nothing of those chats meanwhile
    a.done(first[0], None)
    assert [i.key for i in b.take(10)] == ["2", "3"]  # once 1 is done, both are due (any worker)
    assert a.take(10) == []


def test_a_dead_workers_rows_are_taken_again_after_the_lease(any_db: Database) -> None:
    dead, alive = _queue(any_db, "dead", lease=timedelta(seconds=30)), _queue(any_db, "alive")
    _put(dead, 1, -1, 10)
    _put(dead, 2, -1, 10)
    [item] = dead.take(10)
    assert alive.take(10) == []  # leased: and its chat's next row waits behind it
    with any_db.session() as s:  # the lease ran out (the worker was killed and renewed nothing)
        s.execute(update(Inbox).where(Inbox.id == item.id).values(lease_until=Inbox.created_at))
    [again] = alive.take(10)
    assert again.key == "1" and again.attempts == 2
    assert dead.done(item, None) == "lost"  # the dead worker's late answer records nothing
    assert dead.renew([item.id]) == 0
    assert alive.done(again, None) == "done"
    assert [i.key for i in alive.take(10)] == ["2"]


def test_a_failing_update_is_retried_then_parked(any_db: Database) -> None:
    q = _queue(any_db, "w1")
    _put(q, 1, -1, 10)
    _put(q, 2, -1, 11)
    [item] = q.take(10)
    assert q.done(item, "boom") == "retry"
    assert q.take(10) == []  # not due yet (back-off), and row 2 of the same chat keeps waiting
    with any_db.session() as s:  # the first retry is due one second after the failure
        retry_at = s.scalar(select(Inbox.lease_until).where(Inbox.update_key == "1"))
    assert retry_at is not None and 0 < (retry_at - datetime.now(UTC)).total_seconds() <= 1.0
    for attempt in (2, 3):
        with any_db.session() as s:
            s.execute(update(Inbox).where(Inbox.update_key == "1").values(lease_until=Inbox.created_at))
        [item] = q.take(10)
        assert item.attempts == attempt
        outcome = q.done(item, "boom")
    assert outcome == "park"  # the third failure of three allowed: the caller parks it


def test_rows_claimed_more_often_than_allowed_are_exhausted(sqlite_db: Database) -> None:
    q = _queue(sqlite_db, "w1")
    _put(q, 1, -1, 10)
    with sqlite_db.session() as s:
        s.execute(update(Inbox).values(attempts=3))
    [item] = q.take(1)
    assert item.attempts == 4 and q.exhausted(item)


@pytest.mark.postgres
def test_concurrent_workers_never_hold_two_rows_of_one_chat(pg_db: Database) -> None:
    """Four workers in threads (own connections) drain 600 rows of 12 chats and 30 users: no two rows of
    one chat or one user are ever held at once, every row is handled once, each chat in arrival order."""
    rng = random.Random(3)
    feeder = _queue(pg_db, "feeder")
    for uid in range(1, 601):
        _put(feeder, uid, -rng.randrange(1, 13), rng.randrange(100, 130))
    with pg_db.session() as s:
        owner = {r.update_key: (r.chat_id, r.user_id) for r in s.scalars(select(Inbox))}
    lock = threading.Lock()
    held: set[str] = set()
    order: dict[str | None, list[int]] = defaultdict(list)  # Inbox.chat_id
    handled: list[str] = []
    clashes: list[str] = []

    def work(name: str) -> None:
        q = _queue(pg_db, name)
        idle = 0
        while idle < 20:
            items = q.take(3)
            if not items:
                idle += 1
                threading.Event().wait(0.01)
                continue
            idle = 0
            with lock:
                for it in items:
                    chat, user = owner[it.key]
                    for k in (f"c{chat}", f"u{user}"):
                        if k in held:
                            clashes.append(k)
                        held.add(k)
                    order[chat].append(int(it.key))
            threading.Event().wait(0.002)
            for it in items:
                with lock:
                    chat, user = owner[it.key]
                    held.discard(f"c{chat}")
                    held.discard(f"u{user}")
                    handled.append(it.key)
                assert q.done(it, None) == "done"

    threads = [threading.Thread(target=work, args=(f"w{i}",)) for i in range(4)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(120)
    assert not clashes, clashes[:5]
    assert sorted(map(int, handled)) == list(range(1, 601))
    for chat, ids in order.items():
        assert ids == sorted(ids), f"chat {chat} out of order"


@pytest.mark.postgres
def test_the_claim_uses_the_open_row_indexes_even_in_a_generic_plan(pg_db: Database) -> None:
    psycopg_sql = pytest.importorskip("psycopg.sql")
    """psycopg prepares a statement it has run five times, and PostgreSQL then may plan it once for any
    parameters. The claim must still probe the partial indexes of open rows: with `status IN ($1, $2)` a
    generic plan cannot use them, and each claim scanned every open row for every candidate (seconds per
    claim with 10,000 queued: the scale test stalled in CI)."""
    feeder = _queue(pg_db, "feeder")
    rng = random.Random(5)
    for uid in range(1, 2001):
        _put(feeder, uid, -rng.randrange(1, 200), rng.randrange(100, 1100))
    with pg_db.engine.begin() as conn:
        # as in a running deployment most rows are handled ones (kept KEEP_DAYS); then statistics of them:
        # the schema is reused by the tests of this process, and what an earlier test left (or autovacuum's
        # timing) would otherwise decide the plan (one row in the statistics: any index will do)
        conn.exec_driver_sql("UPDATE inbox SET status = 'done' WHERE mod(id, 4) <> 0")
        conn.exec_driver_sql("ANALYZE inbox")
    query = queue_repo.claim_query(channel="telegram", bot="1", now=datetime.now(UTC), limit=8)
    compiled = query.compile(dialect=pg_db.engine.dialect)
    names = list(compiled.params)
    sql = str(compiled)
    for i, name in enumerate(names, 1):
        sql = sql.replace(f"%({name})s", f"${i}")
    with pg_db.engine.connect() as conn:
        conn.exec_driver_sql("SET plan_cache_mode = force_generic_plan")
        conn.exec_driver_sql(f"PREPARE claim_q AS {sql}")
        raw = conn.connection.driver_connection
        args = ", ".join(psycopg_sql.Literal(compiled.params[n]).as_string(raw) for n in names)
        plan = "\n".join(r[0] for r in conn.exec_driver_sql(f"EXPLAIN EXECUTE claim_q({args})"))
        conn.exec_driver_sql("DEALLOCATE claim_q")
        conn.rollback()
    assert "$1" in plan, plan  # a generic plan: the parameters are not in it
    for index in ("ix_inbox_open ", "ix_inbox_open_chat", "ix_inbox_open_user"):
        assert f"using {index.strip()} on" in plan, plan
    assert "Seq Scan" not in plan, plan
