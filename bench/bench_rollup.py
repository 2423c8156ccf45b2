"""Roll-up benchmark: bot.core.rollup.compute_rollup vs the plain `SELECT unit, SUM(value) ... GROUP BY`.

    python bench/bench_rollup.py                 # province (SQLite) + national (PostgreSQL)
    python bench/bench_rollup.py --only sqlite   # or --only postgres
    python bench/bench_rollup.py --villages 2000 --days 365 --pg-villages 64000 --pg-days 90

Province scale: 2,000 villages x 365 days on SQLite. National scale: 64,000 villages x 90 days on
PostgreSQL (VNEID_TEST_PG_URL, default postgresql+psycopg://postgres@127.0.0.1:5432/test; skipped with a
message when unreachable). One l2 row per village per day, plus 5 % superseded and 2 % deleted rows and a
few l1 rows. Prints absolute times (median of several runs) and the ratio roll-up / plain GROUP BY
(goal <= 1.5) for the root, one mid-level unit and one commune.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import create_engine, text  # noqa: E402

from bot.core.rollup import compute_rollup  # noqa: E402
from storage import repo, rollup_repo  # noqa: E402
from storage.db import Database  # noqa: E402
from storage.models import Report  # noqa: E402

PG_URL = os.environ.get("VNEID_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
END = date(2025, 8, 14)


@dataclass
class Dataset:
    root_id: int
    mid_id: int  # a unit one level below the root (a province or a commune)
    commune_id: int  # a commune (parent of villages)
    villages: int
    days: int
    rows: int


def build_tree(db: Database, villages: int, *, per_commune: int = 20, communes_per_province: int = 100) -> tuple[int, int, int]:
    """Root > provinces > communes > villages, with targets, baselines and one member per village.

    Returns (root id, first province id or first commune id, first commune id).
    """
    n_communes = max(1, villages // per_commune)
    n_provinces = max(1, n_communes // communes_per_province)
    units: list[dict[str, Any]] = []
    next_id = 1

    def add(code: str, name: str, kind: str, parent: dict[str, Any] | None) -> dict[str, Any]:
        nonlocal next_id
        uid = next_id
        next_id += 1
        path = f"{parent['path'] if parent else '/'}{uid}/"
        row = {"id": uid, "code": code, "name": name, "kind": kind, "parent_id": parent["id"] if parent else None,
               "path": path, "depth": path.count("/") - 2}
        units.append(row)
        return row

    if n_provinces > 1:
        root = add("vn", "Việt Nam", "country", None)
        provinces = [add(f"p{i}", f"Tỉnh {i}", "province", root) for i in range(n_provinces)]
    else:
        root = add("p0", "Tỉnh Bắc Thái", "province", None)
        provinces = [root]
    communes = [add(f"c{i}", f"Xã Hòa Bình {i}", "commune", provinces[i % len(provinces)]) for i in range(n_communes)]
    vill = [add(f"v{i}", f"Thôn Đồng Tâm {i}", "village", communes[i % n_communes]) for i in range(villages)]
    with db.engine.begin() as conn:
        conn.execute(
            text("INSERT INTO units (id, code, name, kind, parent_id, path, depth, active, created_at) "
                 "VALUES (:id, :code, :name, :kind, :parent_id, :path, :depth, true, '2025-01-01 00:00:00')"),
            units,
        )
        conn.execute(
            text("INSERT INTO members (id, channel, external_id, display_name, unit_id, role, active, created_at) "
                 "VALUES (:id, 'telegram', :ext, :name, :id, 'member', true, '2025-01-01 00:00:00')"),
            [{"id": v["id"], "ext": str(100000 + int(v["id"])), "name": f"Tổ viên {v['id']}"} for v in vill],
        )
        conn.execute(
            text("INSERT INTO targets (unit_id, metric, value, updated_at) VALUES (:id, 'l2', :value, '2025-01-01 00:00:00')"),
            [{"id": v["id"], "value": 300 + int(v["id"]) % 400} for v in vill],
        )
        conn.execute(
            text("INSERT INTO baselines (unit_id, metric, as_of, value) VALUES (:id, 'l2', '2025-05-01', :value)"),
            [{"id": v["id"], "value": int(v["id"]) % 150} for v in vill],
        )
        if db.dialect == "postgresql":
            for table in ("units", "members", "targets", "baselines"):
                conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"))
    return int(root["id"]), int(provinces[0]["id"] if n_provinces > 1 else communes[0]["id"]), int(communes[0]["id"])


def fill_reports(db: Database, days: int, end: date = END) -> int:
    """One l2 row per village per day (INSERT ... SELECT), 5 % superseded duplicates, 2 % deleted, some l1."""
    start = end - timedelta(days=days - 1)
    indexes = list(Report.metadata.tables["reports"].indexes)
    if db.dialect == "postgresql":  # bulk load: build the secondary indexes after the rows (as a restore does)
        with db.engine.begin() as conn:
            for ix in indexes:
                conn.execute(text(f'DROP INDEX IF EXISTS "{ix.name}"'))
    with db.engine.begin() as conn:
        if db.dialect == "postgresql":
            conn.execute(text("""
                INSERT INTO reports (unit_id, metric, day, value, reporter_id, channel, chat_id, message_id, source_rev,
                                     revision, raw_text, created_at, superseded_at, deleted_at)
                SELECT u.id, 'l2', CAST(:start AS date) + g, (u.id * 7 + g * 13) % 20, u.id, 'telegram', '-1',
                       u.id::bigint * 1000 + g, 0, 1, '', now(), NULL,
                       CASE WHEN (u.id + g) % 50 = 0 THEN now() END
                FROM units u CROSS JOIN generate_series(0, :n - 1) AS g
                WHERE u.kind = 'village'
            """), {"start": start, "n": days})
            conn.execute(text("""
                INSERT INTO reports (unit_id, metric, day, value, reporter_id, channel, chat_id, message_id, source_rev,
                                     revision, raw_text, created_at, superseded_at)
                SELECT r.unit_id, r.metric, r.day, 99, r.reporter_id, 'telegram', '-2', r.message_id, 0, 1, '', now(), now()
                FROM reports r WHERE r.chat_id = '-1' AND r.message_id % 20 = 3
            """))
            conn.execute(text("""
                INSERT INTO reports (unit_id, metric, day, value, reporter_id, channel, chat_id, message_id, source_rev,
                                     revision, raw_text, created_at)
                SELECT r.unit_id, 'l1', r.day, 2, r.reporter_id, 'telegram', '-3', r.message_id, 0, 1, '', now()
                FROM reports r WHERE r.chat_id = '-1' AND r.message_id % 10 = 1
            """))
        else:
            conn.execute(text("""
                WITH RECURSIVE g(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM g WHERE n + 1 < :n)
                INSERT INTO reports (unit_id, metric, day, value, reporter_id, channel, chat_id, message_id, source_rev,
                                     revision, raw_text, created_at, superseded_at, deleted_at)
                SELECT u.id, 'l2', date(:start, '+' || g.n || ' days'), (u.id * 7 + g.n * 13) % 20, u.id, 'telegram', '-1',
                       u.id * 1000 + g.n, 0, 1, '', '2025-01-01 00:00:00.000000', NULL,
                       CASE WHEN (u.id + g.n) % 50 = 0 THEN '2025-01-01 00:00:00.000000' END
                FROM units u CROSS JOIN g WHERE u.kind = 'village'
            """), {"start": start.isoformat(), "n": days})
            conn.execute(text("""
                INSERT INTO reports (unit_id, metric, day, value, reporter_id, channel, chat_id, message_id, source_rev,
                                     revision, raw_text, created_at, superseded_at)
                SELECT unit_id, metric, day, 99, reporter_id, 'telegram', '-2', message_id, 0, 1, '',
                       '2025-01-01 00:00:00.000000', '2025-01-01 00:00:00.000000'
                FROM reports WHERE chat_id = '-1' AND message_id % 20 = 3
            """))
            conn.execute(text("""
                INSERT INTO reports (unit_id, metric, day, value, reporter_id, channel, chat_id, message_id, source_rev,
                                     revision, raw_text, created_at)
                SELECT unit_id, 'l1', day, 2, reporter_id, 'telegram', '-3', message_id, 0, 1, '', '2025-01-01 00:00:00.000000'
                FROM reports WHERE chat_id = '-1' AND message_id % 10 = 1
            """))
            conn.execute(text("ANALYZE"))
    if db.dialect == "postgresql":
        with db.engine.begin() as conn:
            for ix in indexes:
                ix.create(conn)
        # index-only scans need the visibility map (autovacuum does it in production)
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE"))
    with db.engine.connect() as conn:
        return int(conn.execute(text("SELECT count(*) FROM reports")).scalar() or 0)


def build(db: Database, villages: int, days: int) -> Dataset:
    t0 = time.perf_counter()
    root, mid, commune = build_tree(db, villages)
    rows = fill_reports(db, days)
    print(f"  data: {villages:,} villages x {days} days = {rows:,} report rows in {time.perf_counter() - t0:.1f} s")
    return Dataset(root, mid, commune, villages, days, rows)


def median_times(a: Callable[[], object], b: Callable[[], object], runs: int) -> tuple[float, float]:
    """Median times of a and b, run alternately (a shared machine's load then hits both alike)."""
    a(), b()  # warm-up (caches, plans)
    ta: list[float] = []
    tb: list[float] = []
    for _ in range(runs):
        for fn, acc in ((a, ta), (b, tb)):
            t0 = time.perf_counter()
            fn()
            acc.append(time.perf_counter() - t0)
    return statistics.median(ta), statistics.median(tb)


def plain(db: Database, unit_id: int, day: date) -> dict[tuple[int, str], int]:
    with db.session() as s:
        unit = repo.unit_by_id(s, unit_id)
        assert unit is not None
        rollup_repo.analytic(s)  # the same session settings as the roll-up (JIT off): a fair ratio
        return rollup_repo.plain_group_by(s, unit, day)


def measure(db: Database, ds: Dataset, label: str, runs: int) -> list[float]:
    ratios = []
    for what, uid in (("root", ds.root_id), ("level 1", ds.mid_id), ("commune", ds.commune_id)):
        r = compute_rollup(db, uid, END)
        totals = plain(db, uid, END)
        with db.session() as s:
            unit = repo.unit_by_id(s, uid)
            assert unit is not None
            # a baseline holds its unit's reports up to its day (DESIGN §4)
            held = sum(b.value - b.covered for b in rollup_repo.baseline_steps(s, unit, "l2", END))
        check = sum(v for (_u, m), v in totals.items() if m == "l2") + held
        assert check == r.unit.metrics["l2"].cumulative, (check, r.unit.metrics["l2"].cumulative)
        t_roll, t_plain = median_times(lambda uid=uid: compute_rollup(db, uid, END),  # type: ignore[misc]
                                       lambda uid=uid: plain(db, uid, END), runs)  # type: ignore[misc]
        ratio = t_roll / t_plain if t_plain > 0 else float("inf")
        ratios.append(ratio)
        print(f"  {label} {what:8s} ({len(r.children):>3} children): roll-up {t_roll * 1000:8.1f} ms | "
              f"plain GROUP BY {t_plain * 1000:8.1f} ms | ratio {ratio:4.2f} {'OK' if ratio <= 1.5 else 'OVER 1.5'}")
    return ratios


def run_sqlite(villages: int, days: int, runs: int) -> None:
    print(f"SQLite, province scale ({villages:,} villages x {days} days)")
    with tempfile.TemporaryDirectory() as tmp:
        db = Database(f"sqlite:///{Path(tmp) / 'bench.db'}")
        db.upgrade()
        ds = build(db, villages, days)
        measure(db, ds, "sqlite", runs)
        db.dispose()


@contextmanager
def pg_schema(keep: str | None = None) -> Iterator[tuple[Database, bool] | None]:
    """A migrated schema of its own (dropped afterwards), or the kept schema `keep` (reused if present)."""
    try:
        admin = create_engine(PG_URL, connect_args={"connect_timeout": 3})
        with admin.begin() as conn:
            schema = keep or f"bench_{uuid.uuid4().hex[:10]}"
            exists = bool(conn.execute(text("SELECT 1 FROM information_schema.schemata WHERE schema_name = :s"),
                                       {"s": schema}).first())
            if not exists:
                conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    except Exception as exc:  # noqa: BLE001
        print(f"PostgreSQL national scale SKIPPED: not reachable at {PG_URL} ({type(exc).__name__})")
        yield None
        return
    db = Database(PG_URL, connect_args={"options": f"-csearch_path={schema}"})
    try:
        if not exists:
            db.upgrade()
        yield db, exists
    finally:
        db.dispose()
        if not keep:
            with admin.begin() as conn:
                conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def run_pg(villages: int, days: int, runs: int, keep: str | None = None) -> None:
    with pg_schema(keep) as got:
        if got is None:
            return
        db, reused = got
        print(f"PostgreSQL, national scale ({villages:,} villages x {days} days)")
        if reused:
            with db.session() as s:
                root = repo.roots(s)[0]
                mid = repo.children(s, root)[0]
                com = repo.children(s, mid)[0] if root.kind == "country" else mid
                rows = int(s.execute(text("SELECT count(*) FROM reports")).scalar() or 0)
                ds = Dataset(root.id, mid.id, com.id, villages, days, rows)
            print(f"  data: reused schema {keep} ({rows:,} report rows)")
        else:
            ds = build(db, villages, days)
        measure(db, ds, "pg", runs)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--only", choices=["sqlite", "postgres"])
    ap.add_argument("--villages", type=int, default=2000)
    ap.add_argument("--days", type=int, default=365)
    ap.add_argument("--pg-villages", type=int, default=64000)
    ap.add_argument("--pg-days", type=int, default=90)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--keep-pg", metavar="SCHEMA", help="build the PostgreSQL data in SCHEMA and keep it (reused next time)")
    a = ap.parse_args()
    if a.only != "postgres":
        run_sqlite(a.villages, a.days, a.runs)
    if a.only != "sqlite":
        run_pg(a.pg_villages, a.pg_days, a.runs, a.keep_pg)


if __name__ == "__main__":
    main()
