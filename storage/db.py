"""Engine, session factory and migrations."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine, event, inspect
from sqlalchemy.engine import Engine
from sqlalchemy.exc import (
    DBAPIError,
    DisconnectionError,
    InterfaceError,
    OperationalError,
    PendingRollbackError,
    SQLAlchemyError,
)
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm import Session, sessionmaker

from storage import notify
from storage.behind import Behind
from storage.behind import write as write_behind

MIGRATIONS = Path(__file__).with_name("migrations")
T = TypeVar("T")
K = TypeVar("K", bound=Hashable)

#: reference data that `Database.cached` may keep in memory (units, roster, metrics, targets ...)
CACHED_TABLES = frozenset({"units", "members", "metrics", "targets", "baselines", "chats"})
#: entries of `Database.cached` are reloaded after this many seconds even when nothing changed in this
#: process: on PostgreSQL other processes' changes arrive by NOTIFY (storage.notify) within milliseconds,
#: and this is the safety net (a listener down or reconnecting); on SQLite there is one process
CACHE_TTL = 30.0
CACHE_MAX_ENTRIES = 50_000
_TOUCHED = "vneid_touched"  # Session.info: the reference tables this transaction wrote


class _Generation:
    """A process-wide counter, bumped when a transaction that wrote reference data ends.

    A transaction writes reference data when it flushes a new, changed or deleted row of a table in
    CACHED_TABLES (the ORM knows the row's table: `_note_flush`), or when its code says so with `touch`
    (UPDATE/DELETE statements the ORM does not see row by row). Every cache of the process is dropped at
    once, after the commit (and after a rollback too: simpler, and rare for reference data).
    """

    def __init__(self) -> None:
        self.value = 0
        self._lock = threading.Lock()

    def bump(self) -> None:
        with self._lock:
            self.value += 1


GENERATION = _Generation()


def touch(s: Session, *tables: str) -> None:
    """This transaction writes reference data (`tables`, among CACHED_TABLES) with a statement the ORM does
    not see row by row (``update(Chat)...``): every `Database.cached` entry is dropped when it ends."""
    unknown = set(tables) - CACHED_TABLES
    if unknown or not tables:
        raise ValueError(f"touch() takes tables among {sorted(CACHED_TABLES)}, got {tables}")
    s.info.setdefault(_TOUCHED, set()).update(tables)


def touched(s: Session) -> frozenset[str]:
    """The reference tables the current transaction of `s` has written so far (flushed or touched)."""
    return frozenset(s.info.get(_TOUCHED, ()))


def _note_flush(s: Session, _context: Any) -> None:
    """After a flush: the reference rows it inserted, changed or deleted, by their mapped table."""
    found = {t for obj in (*s.new, *s.deleted) if (t := _table(obj)) in CACHED_TABLES}
    found.update(t for obj in s.dirty if (t := _table(obj)) in CACHED_TABLES and s.is_modified(obj))
    if found:
        s.info.setdefault(_TOUCHED, set()).update(found)


def _table(obj: object) -> str | None:
    return getattr(type(obj), "__tablename__", None)


def _on_end(s: Session) -> None:
    if s.info.pop(_TOUCHED, None):
        GENERATION.bump()


def _before_commit(s: Session) -> None:
    """PostgreSQL: tell the other processes, in this transaction (delivered on COMMIT only)."""
    try:
        postgres = s.get_bind().dialect.name == "postgresql"
    except SQLAlchemyError:  # an unbound session
        return
    if not postgres:
        return
    s.flush()  # what COMMIT would flush next: its tables count too
    tables = s.info.get(_TOUCHED)
    if tables:
        notify.send(s, tables)


event.listen(Session, "after_flush", _note_flush)
event.listen(Session, "before_commit", _before_commit)
event.listen(Session, "after_commit", _on_end)
event.listen(Session, "after_rollback", _on_end)


def unavailable(exc: BaseException | None) -> bool:
    """The database could not be reached or answered (server down, connection lost, pool exhausted,
    SQLite locked): the transaction was rolled back, nothing was written; trying later may work."""
    if isinstance(exc, (OperationalError, InterfaceError, PoolTimeout, PendingRollbackError)):
        return True  # PendingRollbackError: a connection lost earlier in this session
    return isinstance(exc, DBAPIError) and bool(exc.connection_invalidated)


class DatabaseError(Exception):
    """The database cannot be reached or migrated; the message is one line, without credentials."""


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA busy_timeout=10000")
    cur.execute("PRAGMA cache_size=-16000")  # 16 MB page cache per connection
    cur.execute("PRAGMA temp_store=MEMORY")
    cur.close()


#: a pooled PostgreSQL connection idle for longer than this is pinged before it is used again. A burst of
#: reports reuses connections within milliseconds, and a ping at every checkout (``pool_pre_ping``) was a
#: round trip per transaction, two per report: ~0.3 ms of the worker's CPU (bench/bench_ingest.py)
PING_AFTER_IDLE = 1.0


def _ping_after_idle(engine: Engine) -> None:
    """SQLAlchemy's pessimistic disconnect handling, for connections that sat idle: a dead one raises
    DisconnectionError, and the pool replaces it with a new connection (a down server: OperationalError)."""

    @event.listens_for(engine, "checkin")
    def _checkin(_dbapi_conn: Any, record: Any) -> None:
        if record is not None:
            record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _checkout(dbapi_conn: Any, record: Any, _proxy: Any) -> None:
        since = record.info.pop("idle_since", None)
        if since is not None and time.monotonic() - since < PING_AFTER_IDLE:
            return
        try:
            engine.dialect.do_ping(dbapi_conn)
        except Exception as exc:  # noqa: BLE001 - whatever the driver raises on a dead connection
            raise DisconnectionError(type(exc).__name__) from exc


def make_engine(url: str, **kwargs: Any) -> Engine:
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    ping_idle = False
    if url.startswith("sqlite"):
        kwargs.setdefault("connect_args", {"check_same_thread": False, "timeout": 10})
    else:
        if url.startswith("postgresql"):
            kwargs.setdefault("connect_args", {"connect_timeout": 10})
        ping_idle = not kwargs.get("pool_pre_ping", False)  # an explicit pre-ping: every checkout
        kwargs.setdefault("pool_size", 10)
        kwargs.setdefault("max_overflow", 20)
        kwargs.setdefault("pool_timeout", 10)
        if url.startswith("postgresql"):  # an unreachable server fails in seconds, not after minutes
            kwargs["connect_args"] = {"connect_timeout": 5, **kwargs.get("connect_args", {})}
    engine = create_engine(url, **kwargs)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    elif ping_idle:
        _ping_after_idle(engine)
    return engine


def safe_url(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=True)


def alembic_config(engine: Engine) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["engine"] = engine
    return cfg


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Apply the Alembic migrations shipped in the package."""
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql("SELECT 1")
    except SQLAlchemyError as exc:
        orig = getattr(exc, "orig", None)
        reason = (str(orig if orig is not None else exc).strip().splitlines() or ["unknown error"])[0]
        raise DatabaseError(f"DATABASE_URL: cannot connect to {safe_url(engine)}: {reason}") from None
    command.upgrade(alembic_config(engine), revision)


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        if not inspect(conn).has_table("alembic_version"):
            return None
        row = conn.exec_driver_sql("SELECT version_num FROM alembic_version").first()
        return None if row is None else str(row[0])


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


class Database:
    """The engine plus a session factory; pass it to repositories and services."""

    def __init__(self, url: str, **kwargs: Any) -> None:
        self.engine = make_engine(url, **kwargs)
        self.sessions = session_factory(self.engine)
        #: `reading`: PostgreSQL sessions outside a transaction (each statement on its own)
        self._reads = (session_factory(self.engine.execution_options(isolation_level="AUTOCOMMIT"))
                       if self.engine.dialect.name == "postgresql" else self.sessions)
        self._cache: dict[Hashable, tuple[int, float, Any]] = {}
        self.listener: notify.CacheListener | None = None
        self.behind = Behind()  #: trailing writes (storage/behind.py), flushed by `carrying`

    def cached(self, key: Hashable, load: Callable[[], T], ttl: float = CACHE_TTL) -> T:
        """`load()` once per `key` until reference data changes (see CACHED_TABLES) or `ttl` passes.

        `load` must return plain values or detached ORM objects (read only their loaded attributes).
        Exact within this process: any transaction that wrote a reference table drops every entry when it
        ends (GENERATION). Changes made by other processes: on PostgreSQL with `listen()` running, as soon
        as their notification arrives (milliseconds after their commit); else after at most `ttl` seconds.
        """
        now = time.monotonic()
        hit = self._cache.get(key)
        if self._fresh(hit, GENERATION.value, now, ttl):
            assert hit is not None
            return hit[2]  # type: ignore[no-any-return]
        generation = GENERATION.value  # read before loading: a write committed meanwhile invalidates
        value = load()
        self._keep({key: value}, generation, now)
        return value

    def cached_many(self, keys: Sequence[K], load: Callable[[list[K]], Mapping[K, T]], ttl: float = CACHE_TTL) -> None:
        """`cached` for many keys at once: `load(missing)` is called once with the keys that hold no valid
        entry, and what it returns is kept as `cached` would have kept it (a key it leaves out stays
        uncached)."""
        now = time.monotonic()
        generation = GENERATION.value  # read before loading: a write committed meanwhile invalidates
        missing = [key for key in keys if not self._fresh(self._cache.get(key), generation, now, ttl)]
        if missing:
            self._keep(load(missing), generation, now)

    @staticmethod
    def _fresh(hit: tuple[int, float, Any] | None, generation: int, now: float, ttl: float) -> bool:
        return hit is not None and hit[0] == generation and now - hit[1] < ttl

    def _keep(self, values: Mapping[K, object], generation: int, now: float) -> None:
        if len(self._cache) + len(values) > CACHE_MAX_ENTRIES:
            self._cache.clear()
        for key, value in values.items():
            self._cache[key] = (generation, now, value)

    def forget(self, key: Hashable) -> None:
        self._cache.pop(key, None)

    def clear_cache(self) -> None:
        self._cache.clear()

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def upgrade(self) -> None:
        upgrade(self.engine)
        GENERATION.bump()  # a migration may write reference data (metrics ...)
        if self.dialect == "postgresql":  # ... and so for the other processes
            notify.send_everything(self.engine)

    def listen(self) -> notify.CacheListener | None:
        """PostgreSQL: start this process's cache listener (once; other processes' reference writes then
        drop the caches at once, see storage.notify). SQLite: nothing (one process). Stopped by
        `stop_listening` or `dispose`."""
        if self.dialect != "postgresql":
            return None
        if self.listener is None:
            self.listener = notify.CacheListener(self.engine, lambda _kinds: GENERATION.bump())
        self.listener.start()
        return self.listener

    def stop_listening(self) -> None:
        listener, self.listener = self.listener, None
        if listener is not None:
            listener.stop()

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A unit of work: commits on success, rolls back on error."""
        with self.sessions.begin() as s:
            yield s

    @contextmanager
    def reading(self) -> Iterator[Session]:
        """For a read that needs no snapshot (one statement, or statements that may see each other's
        commits): on PostgreSQL without a transaction, so no BEGIN and no COMMIT (two round trips of three
        for the roster lookup of a member's first message); on SQLite a session. Never write in it."""
        with self._reads() as s:
            yield s

    @contextmanager
    def carrying(self) -> Iterator[Session]:
        """A unit of work that also writes the trailing writes buffered so far (storage/behind.py); if it
        fails they stay buffered for the next one."""
        batch = self.behind.take()
        try:
            with self.sessions.begin() as s:
                write_behind(s, batch)
                yield s
        except BaseException:
            self.behind.restore(batch)
            raise
        self.behind.written(batch)

    def flush_behind(self) -> None:
        """Write the trailing writes now (nothing to do: no transaction)."""
        if len(self.behind):
            with self.carrying():
                pass

    def dispose(self) -> None:
        self.stop_listening()
        self.engine.dispose()
