"""One scheduler per database: the PostgreSQL advisory lock (leader), held for the process's life."""

from __future__ import annotations

import logging

from sqlalchemy import text
from sqlalchemy.engine import Connection

from bot.delivery.scheduling.rules import LOCK_KEY
from storage.db import Database

log = logging.getLogger(__name__)


# ---------------------------------------------------------------------------------------------
# One scheduler per database
# ---------------------------------------------------------------------------------------------


class LeaderLock:
    """A PostgreSQL session-level advisory lock held on a dedicated connection for the process's life."""

    def __init__(self, db: Database, key: int = LOCK_KEY) -> None:
        self.db = db
        self.key = key
        self._conn: Connection | None = None

    @property
    def held(self) -> bool:
        return self._conn is not None or self.db.dialect != "postgresql"

    def acquire(self) -> bool:
        """True when this process is (still) the scheduler; cheap to call on every tick."""
        if self.db.dialect != "postgresql":
            return True
        if self._conn is not None:
            try:
                self._conn.exec_driver_sql("SELECT 1")
                self._conn.commit()
                return True
            except Exception:  # noqa: BLE001 - the connection died: the server dropped our lock
                log.warning("scheduler lock connection lost; trying to take the lock again")
                self._discard()
        conn: Connection | None = None
        try:
            conn = self.db.engine.connect()
            got = bool(conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": self.key}).scalar())
            conn.commit()
        except Exception:  # noqa: BLE001 - database unreachable: not the leader this tick
            log.warning("cannot reach the database for the scheduler lock", exc_info=True)
            if conn is not None:
                conn.invalidate()
                conn.close()
            return False
        if got:
            log.info("this process is now the scheduler (advisory lock %d)", self.key)
            self._conn = conn
            return True
        conn.close()
        return False

    def release(self) -> None:
        if self._conn is None:
            return
        try:
            self._conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": self.key})
            self._conn.commit()
            self._conn.close()
        except Exception:  # noqa: BLE001
            self._discard()
        self._conn = None

    def _discard(self) -> None:
        if self._conn is not None:
            try:
                self._conn.invalidate()
                self._conn.close()
            except Exception:  # noqa: BLE001
                pass
        self._conn = None
