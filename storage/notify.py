"""Cross-process cache invalidation on PostgreSQL: LISTEN/NOTIFY.

A transaction that writes reference data (storage.db: the tables in CACHED_TABLES it flushed or touched)
sends ``pg_notify(<channel>, 'members,units')`` just before its COMMIT, in the same transaction: PostgreSQL
delivers it to the listeners only when (and if) the transaction commits, after its writes are visible.
Every long-lived process keeps one `CacheListener`: a dedicated connection in a daemon thread that LISTENs
on the channel and drops the in-process caches (storage.db.GENERATION) when a notification arrives. When
its connection drops it reconnects with backoff and drops the caches again (notifications sent while it
was away are lost). The channel is per schema, so that deployments (or test schemas) sharing one database
do not invalidate each other. The caches' TTL stays as the safety net (a listener that is down, a silent
network drop the TCP keepalives have not noticed yet). SQLite: one process, nothing to do.

This module imports nothing from storage.db (storage.db uses it).
"""

from __future__ import annotations

import contextlib
import logging
import os
import selectors
import socket
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

log = logging.getLogger(__name__)

#: the channel of the current schema, computed by the server on both sides (a channel name is at most 63
#: bytes, a schema name can be 63 already: a digest of it, not the name itself)
_CHANNEL_SQL = "'vneid_cache_' || left(md5(coalesce(current_schema(), '')), 16)"
#: payload meaning "everything" (a migration; also applied on every (re)connect of a listener)
EVERYTHING = "*"
APPLICATION_NAME = "vneid-bot cache listener"
STABLE = 60.0  #: a connection that lived this long resets the reconnect backoff (seconds)
IDLE_CHECK = 5.0  #: the idle thread looks at its connection at least this often (seconds)


def send(s: Session, kinds: Iterable[str]) -> None:
    """Queue the notification that the transaction of `s` wrote these reference tables (delivered on COMMIT;
    identical notifications of one transaction are folded into one by PostgreSQL)."""
    payload = ",".join(sorted(kinds)) or EVERYTHING
    s.execute(text(f"SELECT pg_notify({_CHANNEL_SQL}, :kinds)"), {"kinds": payload})


def send_everything(engine: Engine) -> None:
    """Tell the other processes to drop all their caches (after a migration)."""
    with engine.begin() as conn:
        conn.execute(text(f"SELECT pg_notify({_CHANNEL_SQL}, :kinds)"), {"kinds": EVERYTHING})


def kinds_of(payload: str) -> frozenset[str]:
    """The tables a notification names (``*``: everything)."""
    return frozenset(k for k in (p.strip() for p in payload.split(",")) if k)


class CacheListener:
    """LISTEN on the cache channel in a daemon thread; `on_change(kinds)` for every notification, and
    `on_change({"*"})` after every (re)connect. `start()` once, `stop()` at exit (also safe never to call:
    the thread is a daemon, and a killed process's connection is dropped by the server)."""

    def __init__(self, engine: Engine, on_change: Callable[[frozenset[str]], None], *,
                 backoff: tuple[float, float] = (0.5, 30.0)) -> None:
        self.engine = engine
        self.on_change = on_change
        self.backoff = backoff
        self.connected = threading.Event()
        self.connects = 0  #: successful (re)connections
        self.received = 0  #: notifications applied
        self.backend_pid: int | None = None  #: the listening connection's server process (pg_stat_activity)
        self.channel: str | None = None
        self._stop = threading.Event()
        self._wake: tuple[socket.socket, socket.socket] | None = None  # stop() writes a byte: select returns
        self._thread: threading.Thread | None = None

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> None:
        if self.running:
            return
        self._stop.clear()
        self._wake = socket.socketpair()
        self._thread = threading.Thread(target=self._run, args=(self._wake,), name="vneid-cache-listener",
                                        daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 2.0) -> None:
        """Stop listening: at once when idle; returns within `timeout` seconds whatever the connection is
        doing (connecting to an unreachable server: the daemon thread then ends on its own)."""
        self._stop.set()
        if self._wake is not None:
            with contextlib.suppress(OSError):
                self._wake[1].send(b"x")
        thread, self._thread = self._thread, None
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout)

    # ---- the thread ------------------------------------------------------------------------------

    def _run(self, wake: tuple[socket.socket, socket.socket]) -> None:
        try:
            self._loop(wake[0])
        finally:
            for sock in wake:
                sock.close()

    def _loop(self, wake: socket.socket) -> None:
        failures = 0  # in a row: the backoff doubles with each, from backoff[0] up to backoff[1]
        while not self._stop.is_set():
            try:
                conn = self._connect()
            except Exception as exc:  # noqa: BLE001 - database unreachable: try again later
                delay, failures = self._delay(failures), failures + 1
                # the class name only: a driver's message may quote connection parameters
                log.warning("cache listener: cannot connect (%s); retrying in %.1f s", type(exc).__name__, delay)
                self._stop.wait(delay)
                continue
            since = time.monotonic()
            try:
                self._listen(conn, wake)
            except Exception as exc:  # noqa: BLE001 - the connection died (server restart, terminated ...)
                self.connected.clear()
                with contextlib.suppress(Exception):
                    conn.close()
                if time.monotonic() - since > STABLE:
                    failures = 0  # it had been fine for a while: reconnect soon
                if not self._stop.is_set():
                    delay, failures = self._delay(failures), failures + 1
                    log.warning("cache listener: connection lost (%s); reconnecting in %.1f s",
                                type(exc).__name__, delay)
                    self._stop.wait(delay)
            finally:
                self.connected.clear()
                with contextlib.suppress(Exception):
                    conn.close()

    def _delay(self, failures: int) -> float:
        low, high = self.backoff
        return float(min(low * 2 ** min(failures, 20), high))

    def _connect(self) -> Any:
        """A connection of its own (made like the engine's, then taken out of its pool), LISTENing."""
        fairy = self.engine.raw_connection()
        fairy.detach()  # closing it closes it: it never goes back to the pool
        conn = fairy.dbapi_connection
        assert conn is not None
        try:
            conn.rollback()
            conn.autocommit = True
            _keepalive(conn.fileno())
            conn.execute("SELECT set_config('application_name', %s, false)", (APPLICATION_NAME,))
            row = conn.execute(f"SELECT {_CHANNEL_SQL}").fetchone()
            channel = str(row[0])
            conn.execute(f'LISTEN "{channel}"')  # hex digits and underscores only
        except BaseException:
            with contextlib.suppress(Exception):
                conn.close()
            raise
        self.channel, self.backend_pid = channel, int(conn.info.backend_pid)
        return conn

    def _listen(self, conn: Any, wake: socket.socket) -> None:
        self.connects += 1
        if self.connects > 1:
            log.info("cache listener: reconnected (server pid %s); dropping the caches (notifications may have "
                     "been missed)", self.backend_pid)
        else:
            log.info("cache listener: listening for other processes' reference changes (server pid %s)",
                     self.backend_pid)
        # anything committed before LISTEN took effect was not notified to us
        self.on_change(frozenset({EVERYTHING}))
        self.connected.set()
        with selectors.DefaultSelector() as idle:
            idle.register(conn.fileno(), selectors.EVENT_READ)
            idle.register(wake, selectors.EVENT_READ)
            while not self._stop.is_set():
                # until the server sends something (a notification, an error, the socket closing) or stop()
                idle.select(IDLE_CHECK)
                for note in conn.notifies(timeout=0):  # reads what arrived, raises if the connection died
                    self.received += 1
                    self.on_change(kinds_of(note.payload))
                if conn.closed:
                    raise ConnectionError("closed")


def _keepalive(fd: int) -> None:
    """TCP keepalives on the listening socket: a peer gone silently is noticed in about a minute."""
    sock = socket.socket(fileno=os.dup(fd))
    try:
        if sock.family not in (socket.AF_INET, socket.AF_INET6):
            return
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
        for name, value in (("TCP_KEEPIDLE", 30), ("TCP_KEEPINTVL", 10), ("TCP_KEEPCNT", 3)):
            if hasattr(socket, name):
                sock.setsockopt(socket.IPPROTO_TCP, getattr(socket, name), value)
    finally:
        sock.close()

