"""Cross-process cache invalidation on PostgreSQL (issue 16 item 5): LISTEN/NOTIFY (storage/notify.py).

The reader is this process: a container on a PostgreSQL schema (its cache listener started by
`bootstrap.build`) and the real cached lookups of the bot (who is speaking, the reporter's neighbourhood
with its unit names and targets). The writer is another OS process (tests/helpers/cache_writer.py: a
container on the same schema, changes made through OrgService). A change committed there is seen here
within a second; with the listener stopped the 30 s TTL keeps the old value (so these tests fail without
the notification path).
"""

from __future__ import annotations

import asyncio
import re
import signal
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine

from bot.bootstrap import build
from bot.config import Settings
from bot.conversation import TELEGRAM, Conversation
from bot.core.commands import Role
from bot.core.org import OrgService
from bot.core.services import Services
from bot.demo_data import ADMIN_ID, seed_demo
from bot.emulator import Emulator, Limits, User
from storage import notify
from storage.db import CACHE_TTL, Database
from storage.models import Unit
from tests.helpers.cachekit import (
    COUNTER,
    KINDS,
    LATENCIES,
    MEMBER,
    NOW,
    WITHIN,
    World,
    Writer,
    change,
    options,
    poll,
    unit_name,
)
from tests.helpers.faultkit import BotProcess, replies_to, wait_for
from tests.helpers.world import PG_URL, TOKEN, pg_available

pytestmark = pytest.mark.postgres

@pytest.fixture(scope="module")
def world() -> Iterator[World]:
    reason = pg_available()
    if reason:
        pytest.skip(reason)
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_URL)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    db = Database(PG_URL, connect_args=options(schema))
    writer: Writer | None = None
    try:
        db.upgrade()
        demo = seed_demo(db)
        svc = Services(Settings(_env_file=None, admin_ids=[]), db, lambda: NOW)  # type: ignore[call-arg]
        container = build(svc)  # starts this process's cache listener
        writer = Writer(PG_URL, schema)
        yield World(db, svc, demo, Conversation(container, TELEGRAM), container.reports, writer, admin, schema,
                    PG_URL)
    finally:
        if writer is not None:
            writer.close()
        db.dispose()
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()
        if LATENCIES:
            print("\ncross-process invalidation latency (other process's commit -> its change seen here): "
                  + ", ".join(f"{k} {v * 1000:.1f} ms" for k, v in LATENCIES))


@pytest.fixture
def listening(world: World) -> Iterator[notify.CacheListener]:
    listener = world.db.listen()
    assert listener is not None
    assert listener.connected.wait(10), "the cache listener did not connect"
    yield listener


@pytest.mark.parametrize("kind", KINDS)
def test_another_process_change_is_seen_within_a_second(world: World, listening: notify.CacheListener,
                                                        kind: str) -> None:
    lookup, command = change(world, kind)
    old = lookup(world)
    assert lookup(world) == old  # cached
    received = listening.received
    committed = world.writer.do(command)  # committed in the other process
    value, _elapsed = poll(lambda: lookup(world), old, WITHIN)
    assert value != old, f"{kind}: still {old!r} after {WITHIN} s"
    LATENCIES.append((kind, time.time() - committed))  # same machine: one wall clock
    assert listening.received > received  # by the notification (not the TTL: 30 s)
    world.db.clear_cache()
    assert lookup(world) == value  # what the database says


@pytest.mark.parametrize("kind", KINDS)
def test_without_the_listener_the_ttl_keeps_the_old_value(world: World, kind: str) -> None:
    """The control: the same change with this process's listener stopped is NOT seen within the second
    (the cache's TTL is 30 s): the test above passes because of the notification path."""
    world.db.stop_listening()
    try:
        lookup, command = change(world, kind)
        old = lookup(world)
        world.writer.do(command)
        value, _elapsed = poll(lambda: lookup(world), old, WITHIN)
        assert value == old and CACHE_TTL > 10 * WITHIN
        world.db.clear_cache()
        assert lookup(world) != old  # the change was committed: only the cache was stale
    finally:
        listener = world.db.listen()
        assert listener is not None and listener.connected.wait(10)


def _backends_on(admin: Engine, pid: int) -> int:
    with admin.connect() as conn:
        return int(conn.execute(text("SELECT count(*) FROM pg_stat_activity WHERE pid = :p"), {"p": pid}).scalar_one())


def _backends(w: World, pid: int) -> int:
    return _backends_on(w.admin, pid)


def _wait(cond: Callable[[], bool], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if cond():
            return True
        time.sleep(0.02)
    return cond()


@pytest.mark.faults
def test_a_dropped_listener_reconnects_and_drops_the_caches(world: World, listening: notify.CacheListener) -> None:
    """pg_terminate_backend on the listening connection: a change committed while it is away (its
    notification lost) is seen once it has reconnected, and notifications flow again afterwards."""
    listening.backoff = (5.0, 5.0)  # long enough for the change below to land while it is away
    try:
        name = unit_name(world)
        pid, connects = listening.backend_pid, listening.connects
        assert pid is not None
        with world.admin.connect() as conn:
            assert conn.execute(text("SELECT pg_terminate_backend(:p)"), {"p": pid}).scalar_one()
        assert _wait(lambda: not listening.connected.is_set(), 10), "the listener did not notice"
        world.writer.do(f"rename th-3 Thôn Ba {next(COUNTER)}")  # its notification reaches nobody here
        assert not listening.connected.is_set() and unit_name(world) == name  # stale while away
        assert _wait(lambda: unit_name(world) != name, 15), "not invalidated after the reconnect"
        assert listening.connects == connects + 1 and listening.connected.is_set()
        assert listening.backend_pid != pid and _backends(world, pid) == 0
        # and the new connection is listening
        lookup, command = change(world, "target")
        old = lookup(world)
        world.writer.do(command)
        value, _elapsed = poll(lambda: lookup(world), old, WITHIN)
        assert value != old
    finally:
        listening.backoff = (0.5, 30.0)


def test_only_committed_reference_writes_notify(world: World) -> None:
    """The notification is sent in the writing transaction: delivered on COMMIT, never after a rollback, and
    not by a transaction that wrote no reference table."""
    with psycopg.connect(world.url.replace("+psycopg", ""), autocommit=True, **options(world.schema)) as conn:
        channel = str(conn.execute(f"SELECT {notify._CHANNEL_SQL}").fetchone()[0])  # type: ignore[index]  # noqa: SLF001
        conn.execute(f'LISTEN "{channel}"')

        def received() -> list[str]:
            return [n.payload for n in conn.notifies(timeout=0.3)]

        with pytest.raises(RuntimeError), world.db.session() as s:
            unit = s.query(Unit).filter_by(code="th-5").one()
            unit.name = "Tạm"
            s.flush()
            raise RuntimeError("abort")
        with world.db.session() as s:
            s.query(Unit).filter_by(code="th-5").one()
        assert received() == []
        with world.db.session() as s:
            s.query(Unit).filter_by(code="th-5").one().name = f"Thôn Năm {next(COUNTER)}"  # flushed at commit
        assert received() == ["units"]


def test_stopping_leaves_no_connection_and_sqlite_has_no_listener(world: World, tmp_path: Path) -> None:
    listener = world.db.listen()
    assert listener is not None and listener.connected.wait(10)
    pid = listener.backend_pid
    assert pid is not None and _backends(world, pid) == 1
    world.db.stop_listening()
    assert not listener.running
    assert _wait(lambda: _backends(world, pid) == 0, 5)
    assert world.db.listen() is not None  # again, for the other tests
    lite = Database(f"sqlite:///{tmp_path / 'one.db'}")
    assert lite.listen() is None and lite.listener is None
    lite.dispose()


@pytest.mark.parametrize("how", ["quit", "leave"])
def test_a_bot_process_exits_at_once_and_leaves_no_listener(world: World, how: str) -> None:
    """`quit`: Database.dispose stops the listener (as `vneid-bot run` does at exit); `leave`: the
    interpreter exits with the listener still running (a daemon thread: exit is not held up)."""
    other = Writer(world.url, world.schema)
    pid = other.listener_pid
    assert _backends(world, pid) == 1
    assert other.proc.stdin is not None
    other.proc.stdin.write(how + "\n")
    other.proc.stdin.close()
    assert other.proc.wait(30) == 0  # a liveness bound: a hung exit never returns
    assert _wait(lambda: _backends(world, pid) == 0, 10)


@pytest.mark.faults
def test_a_killed_process_leaves_no_listener_behind(world: World) -> None:
    other = Writer(world.url, world.schema)
    pid = other.listener_pid
    assert _backends(world, pid) == 1
    other.proc.send_signal(signal.SIGKILL)
    other.proc.wait(10)
    assert _wait(lambda: _backends(world, pid) == 0, 10), "the killed process's LISTEN connection stayed"


def test_the_listener_never_logs_the_password(caplog: pytest.LogCaptureFixture) -> None:
    """An unreachable server: it retries with backoff and says why, without the URL's password."""
    db = Database("postgresql+psycopg://vneid:S3cretPassw0rd@127.0.0.1:1/nowhere")
    caplog.set_level("INFO", logger="storage.notify")
    try:
        listener = db.listen()
        assert listener is not None
        assert _wait(lambda: "retrying in 1.0 s" in caplog.text, 30), caplog.text  # backing off: 0.5, 1, 2 ...
        assert "cannot connect (OperationalError); retrying in 0.5 s" in caplog.text
    finally:
        db.dispose()
    assert "S3cretPassw0rd" not in caplog.text


# ---- the real bot ---------------------------------------------------------------------------------------


@pytest.mark.e2e
@pytest.mark.timeout(600)
async def test_a_running_bot_sees_a_role_change_committed_by_another_process(tmp_path: Path) -> None:
    """`vneid-bot run` (polling the emulator, PostgreSQL) refuses a leader command to a member and keeps
    who is speaking cached; another process (this one) promotes the member; a second later the running
    bot lets the command through (its TTL alone would refuse it for 30 s). SIGTERM: it exits at once, its
    listening connection gone."""
    reason = pg_available()
    if reason:
        pytest.skip(reason)
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_URL)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    db = Database(PG_URL, connect_args=options(schema))
    emu = Emulator(TOKEN, limits=Limits.off())
    bot: BotProcess | None = None
    try:
        db.upgrade()
        seed_demo(db)
        await emu.start()
        bot = BotProcess(emu, f"{PG_URL}?options=-csearch_path%3D{schema}", tmp_path / "bot.log")
        member = User(MEMBER, "Tổ viên Thôn 3")
        emu.private_chat(member)
        bot.start()
        await bot.wait_polling()
        await wait_for(lambda: "cache listener: listening" in bot.log(), 60, "the bot's cache listener")
        listener_pid = int(re.findall(r"listening for other processes' reference changes \(server pid (\d+)\)",
                                      bot.log())[0])

        async def answer(text_: str) -> str:
            message = emu.send_message(MEMBER, member, text_)
            await wait_for(lambda: bool(replies_to(emu, MEMBER, int(message["message_id"]))), 60, "the answer")
            return replies_to(emu, MEMBER, int(message["message_id"]))[0].text or ""

        refused = "chỉ dành cho"  # err.role
        assert refused in await answer("/xephang")  # and who is speaking is now cached in the bot
        svc = Services(Settings(_env_file=None, admin_ids=[]), db, lambda: NOW)  # type: ignore[call-arg]
        promoted = OrgService(svc).set_role(svc.caller("telegram", ADMIN_ID, "Lan"), str(MEMBER), Role.LEADER)
        assert promoted.status == "ok", promoted
        await asyncio.sleep(WITHIN)  # the promise: seen within a second
        assert refused not in await answer("/xephang")
        assert await bot.stop() == 0, bot.log()[-2000:]
        assert _wait(lambda: _backends_on(admin, listener_pid) == 0, 10)
        assert "cannot connect" not in bot.log() and "connection lost" not in bot.log()
    finally:
        if bot is not None and bot.alive:
            bot.kill9()
        await emu.stop()
        db.dispose()
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()
