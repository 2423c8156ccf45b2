"""Migrated PostgreSQL schemas for tests, without running Alembic for every test.

Alembic on PostgreSQL costs ~0.5 s a schema (plus ~0.15 s to drop it) on this machine. Instead each test
process migrates ONE schema with Alembic (the real migrations, as before) and lends it to one test at a
time; when the test ends the schema is put back exactly as the migrations left it:

* every table is emptied (TRUNCATE ... CASCADE) and the rows the migrations wrote (metrics, holidays,
  alembic_version ...) are copied back from a snapshot taken right after the migration (a second schema);
* every sequence is set back to where the migration left it (ids start over as on a new schema);
* if the test changed the schema itself (a table, a column, an index, a constraint, a sequence: the
  catalog fingerprint differs) or the reset cannot get its locks (a connection the test left open), the
  schema is dropped and the next test gets a newly migrated one.

So a test sees what `CREATE SCHEMA` + `upgrade()` gave it before: the same tables, rows and next ids.
"""

from __future__ import annotations

import atexit
import contextlib
import hashlib
import uuid

from sqlalchemy import Connection, create_engine, text
from sqlalchemy.engine import Engine

from storage.db import GENERATION, Database
from tests.helpers.world import PG_URL

_FINGERPRINT = [
    "SELECT table_name, column_name, data_type, column_default, is_nullable, ordinal_position"
    " FROM information_schema.columns WHERE table_schema = :s ORDER BY 1, 6",
    "SELECT c.relname, c.relkind FROM pg_class c WHERE c.relnamespace = CAST(:s AS regnamespace) ORDER BY 1",
    "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint"
    " WHERE connamespace = CAST(:s AS regnamespace) ORDER BY 1, 2",
    "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = :s ORDER BY 1",
]


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def connect_args(schema: str) -> dict[str, str]:
    return {"options": f"-csearch_path={schema}"}


def _bare(qualified: str) -> str:
    return qualified.rsplit(".", 1)[-1].strip('"')


def _children_first(tables: list[str], edges: list[tuple[str, str]]) -> list[str] | None:
    """The tables in an order where each comes before every table it references (foreign keys, a table's
    references to itself aside); None when the references form a cycle."""
    refs = {t: {parent for child, parent in edges if child == t and parent != t} for t in tables}
    order: list[str] = []
    while refs:
        free = sorted(t for t in refs if not any(t in parents for parents in refs.values()))
        if not free:
            return None
        order += free
        for t in free:
            del refs[t]
    return order


class _Lent:
    """The one migrated schema of this process, its snapshot and its catalog fingerprint."""

    def __init__(self, admin: Engine) -> None:
        self.admin = admin
        self.schema = f"t_{uuid.uuid4().hex[:12]}"
        self.snap = self.schema + "_snap"
        with admin.begin() as conn:
            conn.execute(text(f"CREATE SCHEMA {_q(self.schema)}"))
        db = Database(PG_URL, connect_args=connect_args(self.schema))
        try:
            db.upgrade()  # the real migrations
        finally:
            db.dispose()
        with admin.begin() as conn:
            self.tables = [str(r[0]) for r in conn.execute(
                text("SELECT tablename FROM pg_tables WHERE schemaname = :s ORDER BY 1"), {"s": self.schema})]
            self.sequences = [(str(name), None if last is None else int(last)) for name, last in conn.execute(
                text("SELECT sequencename, last_value FROM pg_sequences WHERE schemaname = :s ORDER BY 1"),
                {"s": self.schema})]
            edges = conn.execute(text(
                "SELECT c.conrelid::regclass::text, c.confrelid::regclass::text FROM pg_constraint c"
                " WHERE c.contype = 'f' AND c.connamespace = CAST(:s AS regnamespace)"), {"s": self.schema}).all()
            self.delete_order = _children_first(self.tables, [(_bare(a), _bare(b)) for a, b in edges])
            conn.execute(text(f"CREATE SCHEMA {_q(self.snap)}"))
            self.filled = []
            for table in self.tables:
                src, dst = f"{_q(self.schema)}.{_q(table)}", f"{_q(self.snap)}.{_q(table)}"
                if conn.execute(text(f"SELECT EXISTS (SELECT 1 FROM {src})")).scalar():
                    conn.execute(text(f"CREATE TABLE {dst} AS SELECT * FROM {src}"))
                    self.filled.append(table)
            self.fingerprint = self._fingerprint(conn)

    def _fingerprint(self, conn: Connection) -> str:
        digest = hashlib.sha256()
        for query in _FINGERPRINT:
            digest.update(repr(conn.execute(text(query), {"s": self.schema}).all()).encode())
        return digest.hexdigest()

    def reset(self) -> bool:
        """Put the schema back as migrated; False when it cannot be (then drop it with `drop`)."""
        try:
            with self.admin.begin() as conn:
                conn.execute(text("SET LOCAL lock_timeout = '5s'"))
                if self._fingerprint(conn) != self.fingerprint:
                    return False
                self._empty(conn)
                for table in self.filled:
                    conn.execute(text(f"INSERT INTO {_q(self.schema)}.{_q(table)} "
                                      f"SELECT * FROM {_q(self.snap)}.{_q(table)}"))
                for seq, last in self.sequences:
                    name = f"{_q(self.schema)}.{_q(seq)}"
                    conn.execute(text("SELECT setval(CAST(:n AS regclass), :v, :called)"),
                                 {"n": name, "v": last if last is not None else 1, "called": last is not None})
            return True
        except Exception:  # noqa: BLE001 - a lock timeout, a dropped table ...: a new schema then
            return False

    def _empty(self, conn: Connection) -> None:
        """DELETE, children first (TRUNCATE takes ~0.3 s: new files for every table and index)."""
        if self.delete_order is None:
            names = ", ".join(f"{_q(self.schema)}.{_q(t)}" for t in self.tables)
            conn.execute(text(f"TRUNCATE {names} CASCADE"))
            return
        for table in self.delete_order:
            conn.execute(text(f"DELETE FROM {_q(self.schema)}.{_q(table)}"))

    def drop(self) -> None:
        with self.admin.begin() as conn:
            conn.execute(text("SET LOCAL lock_timeout = '10s'"))
            conn.execute(text(f"DROP SCHEMA IF EXISTS {_q(self.schema)} CASCADE"))
            conn.execute(text(f"DROP SCHEMA IF EXISTS {_q(self.snap)} CASCADE"))


_state: dict[str, _Lent | Engine | None] = {}


def _admin() -> Engine:
    admin = _state.get("admin")
    if not isinstance(admin, Engine):
        admin = _state["admin"] = create_engine(PG_URL, pool_size=1)
        atexit.register(_close)
    return admin


def _close() -> None:
    lent = _state.pop("lent", None)
    admin = _state.pop("admin", None)
    if isinstance(lent, _Lent):
        with contextlib.suppress(Exception):  # the server went away: nothing to clean up
            lent.drop()
    if isinstance(admin, Engine):
        admin.dispose()


def borrow() -> str:
    """The name of a schema as the migrations leave a new one; give it back with `give_back`."""
    lent = _state.get("lent")
    if not isinstance(lent, _Lent):
        lent = _state["lent"] = _Lent(_admin())
    GENERATION.bump()  # as `upgrade()` does: no cache keeps rows of an earlier test
    return lent.schema


def give_back() -> None:
    """After the test (its engines disposed): reset the schema, or drop it if it cannot be reset."""
    lent = _state.get("lent")
    if isinstance(lent, _Lent) and not lent.reset():
        _state["lent"] = None
        with contextlib.suppress(Exception):  # left behind in the test database; a new one is made
            lent.drop()
