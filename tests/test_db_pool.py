"""PostgreSQL's connection pool: a pooled connection is pinged only after it sat idle (storage.db.PING_AFTER_IDLE),
and a dead one is then replaced before any statement runs on it."""

from __future__ import annotations

import time
from typing import Any

import pytest
from sqlalchemy import text

from storage import db as dbmod
from storage.db import Database

pytestmark = pytest.mark.postgres


def _count_pings(db: Database, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    pings: list[int] = []
    real = db.engine.dialect.do_ping

    def counted(conn: Any) -> bool:
        pings.append(1)
        return bool(real(conn))

    monkeypatch.setattr(db.engine.dialect, "do_ping", counted)
    return pings


def test_a_connection_reused_at_once_is_not_pinged_and_one_idle_longer_is(
        pg_db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(dbmod, "PING_AFTER_IDLE", 0.3)
    with pg_db.engine.connect() as conn:  # the pool's connection, made
        conn.execute(text("SELECT 1"))
    pings = _count_pings(pg_db, monkeypatch)
    for _ in range(20):  # a burst: the same connection back within milliseconds
        with pg_db.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    assert pings == []
    time.sleep(0.4)
    with pg_db.engine.connect() as conn:
        conn.execute(text("SELECT 1"))
    assert pings == [1]


def test_an_idle_connection_the_server_dropped_is_replaced_before_use(
        pg_db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(dbmod, "PING_AFTER_IDLE", 0.2)
    with pg_db.engine.connect() as conn:
        pid = conn.execute(text("SELECT pg_backend_pid()")).scalar()
    other = Database(dbmod.safe_url(pg_db.engine).replace("***", ""))  # same server, its own pool
    try:
        with other.engine.connect() as conn:
            assert conn.execute(text("SELECT pg_terminate_backend(:p)"), {"p": pid}).scalar() is True
            conn.commit()
    finally:
        other.dispose()
    time.sleep(0.3)
    with pg_db.engine.connect() as conn:  # no OperationalError: the dead connection was pinged, replaced
        assert conn.execute(text("SELECT pg_backend_pid()")).scalar() != pid


def test_a_read_runs_outside_a_transaction_and_the_pool_gets_its_connection_back_transactional(
        pg_db: Database) -> None:
    from psycopg.pq import TransactionStatus

    with pg_db.reading() as s:
        assert s.execute(text("SELECT 1")).scalar() == 1
        dbapi = s.connection().connection.dbapi_connection
        assert dbapi is not None and dbapi.info.transaction_status == TransactionStatus.IDLE  # no BEGIN sent
    with pg_db.session() as s:  # the same pooled connection, in a transaction again
        s.execute(text("SELECT 1"))
        dbapi = s.connection().connection.dbapi_connection
        assert dbapi is not None and dbapi.info.transaction_status == TransactionStatus.INTRANS
