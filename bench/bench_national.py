"""National benchmark (issue 16 items 9-10): one province's /tonghop, ranking and export on a national database.

    python bench/bench_national.py                      # seed a schema of its own, measure, drop it
    python bench/bench_national.py --keep SCHEMA        # seed SCHEMA once and keep it (reused next time)
    python bench/bench_national.py --l2 0.9 --l1 0.65   # report density (share of village-days)

PostgreSQL only (VNEID_TEST_PG_URL, default postgresql+psycopg://postgres@127.0.0.1:5432/test).

The data: Việt Nam > 34 provinces > 3,321 communes > 64,000 villages (each province holds ~98 communes
and ~1,880 villages), 340,000 members (a leader per commune, 5-6 members per village), a group chat
per commune, a target per village and metric, a baseline (as of the day before the 90 days) for one
village in five. 90 days of reports, generated server-side (INSERT ... SELECT over generate_series,
secondary indexes and foreign-key triggers off during the load, as a restore does):
- a village reports level 2 on 90 % of its days and level 1 on 65 % (one message, both lines);
- on 5 % of village-days a second member also reports level 2 (two current rows, summed);
- 3 % of level-2 rows were corrected (an older, superseded revision stays), 0.5 % were undone (deleted).
That is ~9.4 M report rows, ~8.6 M current.

Measured for the first province, each against a plain SQL query producing the same numbers (asserted
equal) and timed alternately (median of --runs):
1. /tonghop: `compute_rollup` (bot/core/rollup.py, as ScheduleService.summary calls it) and the chart's
   `compute_history` vs plain `GROUP BY commune, metric` (with FILTERs for the day and the week), the
   baselines' and the targets' GROUP BY, and a `GROUP BY day`; then the whole `ScheduleService.summary`
   (text and chart PNG) for the record.
2. Ranking: `Views.ranking` (today's and yesterday's ranks, the day's figure, who reported) vs one plain
   `GROUP BY commune` of the ranked metric with both days' sums and the day's, one `GROUP BY commune` of
   the day's rows (any metric), ranked in Python.
3. Export: `export.collect` (summary + per-day sheets) vs the plain per-commune / per-day GROUP BYs;
   the raw rows (`views_repo.raw_reports`) vs the same SELECT on a bare cursor; then the whole .xlsx
   and CSV for the record (bench_export's goal: under 10 s).
Goal: every ratio <= 1.5. Then the sizes (pg_total_relation_size per table) extrapolated to a year.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_rollup import median_times, pg_schema  # noqa: E402
from sqlalchemy import text  # noqa: E402

from bot.config import Settings  # noqa: E402
from bot.core.access import Caller  # noqa: E402
from bot.core.commands import Role  # noqa: E402
from bot.core.rollup import compute_history, compute_rollup  # noqa: E402
from bot.core.services import Services  # noqa: E402
from bot.core.views import HISTORY_DAYS, UnitRef, Views  # noqa: E402
from bot.present.export import collect, write_csv, write_xlsx  # noqa: E402
from storage import repo, views_repo  # noqa: E402
from storage.db import Database  # noqa: E402

END = date(2025, 8, 14)
DAYS = 90
PROVINCES, COMMUNES, VILLAGES, MEMBERS = 34, 3321, 64000, 340000
TZ = ZoneInfo("Asia/Ho_Chi_Minh")
GOAL = 1.5

# ---- the data --------------------------------------------------------------------------------------------
# ids: country 1, provinces 2..35, communes 36.., villages after; member m (id m + 1): m < COMMUNES leads
# commune m, the others are spread over the villages in order. h(k, g, salt): a hash in [0, 1000).

H = "(abs(hashint4(v.k * 128 + g + {salt} * 16777216)) % 1000)"


def _seed_sql(l2: float, l1: float) -> list[str]:
    n_p, n_c, n_v, n_m = PROVINCES, COMMUNES, VILLAGES, MEMBERS
    per = n_m - n_c  # village members
    ts = "TIMESTAMPTZ '2025-01-01 00:00:00+00'"
    village = (f"SELECT k, {n_c + n_p + 2} + k AS id, {n_p + 2} + k * {n_c} / {n_v} AS commune, "
               f"2 + (k * {n_c} / {n_v}) * {n_p} / {n_c} AS province, "
               f"{n_c + 1} + ceil(k::bigint * {per} / {n_v}.0)::int AS reporter FROM generate_series(0, {n_v - 1}) k")
    days = f"generate_series(0, {DAYS - 1}) g"
    start = f"(DATE '{END.isoformat()}' - {DAYS - 1})"
    l2_cut, l1_cut = round(l2 * 1000), round(l1 * 1000)
    common = ("INSERT INTO reports (unit_id, metric, day, value, reporter_id, channel, chat_id, message_id, source_rev, "
              "revision, raw_text, created_at, superseded_at, deleted_at) ")
    at = f"((({start} + g) + TIME '09:30') AT TIME ZONE 'UTC' + {H.format(salt=7)} * INTERVAL '36 second')"
    chat = "'-100' || (v.commune + 1000000)"
    msg = "(v.k::bigint * 128 + g) * 4"
    return [
        f"INSERT INTO units (id, code, name, kind, parent_id, path, depth, active, created_at) "
        f"VALUES (1, 'vn', 'Việt Nam', 'country', NULL, '/1/', 0, true, {ts})",
        f"INSERT INTO units (id, code, name, kind, parent_id, path, depth, active, created_at) "
        f"SELECT 2 + i, 'p' || i, 'Tỉnh Sơn ' || i, 'province', 1, '/1/' || (2 + i) || '/', 1, true, {ts} "
        f"FROM generate_series(0, {n_p - 1}) i",
        f"INSERT INTO units (id, code, name, kind, parent_id, path, depth, active, created_at) "
        f"SELECT {n_p + 2} + j, 'c' || j, 'Xã Hòa Bình ' || j, 'commune', 2 + j * {n_p} / {n_c}, "
        f"'/1/' || (2 + j * {n_p} / {n_c}) || '/' || ({n_p + 2} + j) || '/', 2, true, {ts} "
        f"FROM generate_series(0, {n_c - 1}) j",
        f"INSERT INTO units (id, code, name, kind, parent_id, path, depth, active, created_at) "
        f"SELECT id, 'v' || k, 'Thôn Đồng Tâm ' || k, 'village', commune, "
        f"'/1/' || province || '/' || commune || '/' || id || '/', 3, true, {ts} FROM ({village}) v",
        # members: a leader per commune, then the villages' members
        f"INSERT INTO members (id, channel, external_id, display_name, unit_id, role, active, created_at) "
        f"SELECT m + 1, 'telegram', (1000000 + m)::text, 'Nguyễn Văn ' || m, "
        f"CASE WHEN m < {n_c} THEN {n_p + 2} + m ELSE {n_c + n_p + 2} + ((m - {n_c})::bigint * {n_v} / {per})::int END, "
        f"CASE WHEN m < {n_c} THEN 'leader' ELSE 'member' END, true, {ts} FROM generate_series(0, {n_m - 1}) m",
        f"INSERT INTO chats (id, channel, external_id, title, unit_id, skip_weekdays, reminders_enabled, "
        f"summaries_enabled, active, created_at) SELECT j + 1, 'telegram', '-100' || ({n_p + 2} + j + 1000000), "
        f"'Nhóm Xã Hòa Bình ' || j, {n_p + 2} + j, '', true, true, true, {ts} FROM generate_series(0, {n_c - 1}) j",
        f"INSERT INTO targets (unit_id, metric, value, deadline, updated_at) "
        f"SELECT v.id, m.code, CASE m.code WHEN 'l2' THEN 1300 + v.k % 700 ELSE 900 + v.k % 400 END, "
        f"DATE '2025-12-31', {ts} FROM ({village}) v CROSS JOIN (VALUES ('l1'), ('l2')) m(code)",
        f"INSERT INTO baselines (unit_id, metric, as_of, value) "
        f"SELECT v.id, m.code, {start} - 1, 50 + v.k % 150 FROM ({village}) v CROSS JOIN (VALUES ('l1'), ('l2')) m(code) "
        f"WHERE v.k % 5 = 0",
        # level 2, the current (or undone) row of the village's main reporter
        common + f"SELECT v.id, 'l2', {start} + g, {H.format(salt=5)} % 20, v.reporter, 'telegram', {chat}, {msg}, "
        f"CASE WHEN {H.format(salt=3)} < 30 THEN 1 ELSE 0 END, CASE WHEN {H.format(salt=3)} < 30 THEN 2 ELSE 1 END, "
        f"'Thôn Đồng Tâm ' || v.k || ' mức 1 ' || ({H.format(salt=6)} % 8) || ' mức 2 ' || ({H.format(salt=5)} % 20), "
        f"{at}, NULL, CASE WHEN {H.format(salt=4)} < 5 THEN {at} + INTERVAL '5 minute' END "
        f"FROM ({village}) v CROSS JOIN {days} WHERE {H.format(salt=0)} < {l2_cut}",
        # the corrected rows' first revision (superseded by the edit)
        common + f"SELECT v.id, 'l2', {start} + g, {H.format(salt=5)} % 20 + 3, v.reporter, 'telegram', {chat}, {msg}, "
        f"0, 1, 'Thôn Đồng Tâm ' || v.k || ' mức 2 ' || ({H.format(salt=5)} % 20 + 3), {at} - INTERVAL '10 minute', "
        f"{at}, NULL FROM ({village}) v CROSS JOIN {days} WHERE {H.format(salt=0)} < {l2_cut} AND {H.format(salt=3)} < 30",
        # level 1, in the same message as level 2 when both were reported
        common + f"SELECT v.id, 'l1', {start} + g, {H.format(salt=6)} % 8, v.reporter, 'telegram', {chat}, {msg}, 0, 1, "
        f"'Thôn Đồng Tâm ' || v.k || ' mức 1 ' || ({H.format(salt=6)} % 8), {at}, NULL, NULL "
        f"FROM ({village}) v CROSS JOIN {days} WHERE {H.format(salt=1)} < {l1_cut}",
        # a second member's level 2 on a few days
        common + f"SELECT v.id, 'l2', {start} + g, {H.format(salt=2)} % 6, v.reporter + 1, 'telegram', {chat}, {msg} + 1, "
        f"0, 1, 'Thôn Đồng Tâm ' || v.k || ' thêm ' || ({H.format(salt=2)} % 6), {at} + INTERVAL '1 hour', NULL, NULL "
        f"FROM ({village}) v CROSS JOIN {days} WHERE {H.format(salt=0)} < {l2_cut} AND {H.format(salt=2)} < 50",
    ]


SIDE_TABLES = ("units", "members", "chats", "targets", "baselines")


def seed(db: Database, l2: float, l1: float) -> None:
    """The national tree and 90 days of reports (a couple of minutes); indexes built after the rows."""
    t0 = time.perf_counter()
    with db.engine.begin() as conn:
        defs = [str(d) for (d,) in conn.execute(text(
            "SELECT pg_get_indexdef(i.indexrelid) FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
            "WHERE i.indrelid = 'reports'::regclass AND NOT i.indisprimary AND NOT EXISTS "
            "(SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid)"))]
        cons = [(str(n), str(d)) for n, d in conn.execute(text(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid = 'reports'::regclass AND contype = 'u'"))]
        for d in defs:
            conn.execute(text(f'DROP INDEX "{d.split()[2 if d.startswith("CREATE INDEX") else 3]}"'))
        for n, _d in cons:
            conn.execute(text(f'ALTER TABLE reports DROP CONSTRAINT "{n}"'))
        conn.execute(text("SET LOCAL session_replication_role = replica"))  # no FK trigger per row: a restore
        for sql in _seed_sql(l2, l1):
            conn.execute(text(sql))
        for table in (*SIDE_TABLES, "reports"):
            conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"))
    t1 = time.perf_counter()
    with db.engine.begin() as conn:
        conn.execute(text("SET LOCAL maintenance_work_mem = '256MB'"))
        for n, d in cons:
            conn.execute(text(f'ALTER TABLE reports ADD CONSTRAINT "{n}" {d}'))
        for d in defs:
            conn.execute(text(d))
    t2 = time.perf_counter()
    vacuum(db)
    print(f"  seeded in {time.perf_counter() - t0:.0f} s (rows {t1 - t0:.0f} s, indexes {t2 - t1:.0f} s, "
          f"vacuum {time.perf_counter() - t2:.0f} s)")


def vacuum(db: Database) -> None:
    # index-only scans need the visibility map (autovacuum does it in production)
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE"))


# ---- timing (median_times: bench_rollup's) ----------------------------------------------------------------


@dataclass
class Line:
    what: str
    project: float
    plain: float | None

    @property
    def ratio(self) -> float | None:
        return None if self.plain is None else self.project / self.plain


TABLE: list[Line] = []


def record(what: str, project: float, plain: float | None = None) -> None:
    line = Line(what, project, plain)
    TABLE.append(line)
    r = line.ratio
    tail = "" if r is None or plain is None else f" | plain {plain * 1000:8.1f} ms | ratio {r:4.2f} {'OK' if r <= GOAL else 'OVER'}"
    print(f"  {what:44s} {project * 1000:9.1f} ms{tail}", flush=True)


# ---- plain SQL (the reference: what a DBA would write for the same numbers) ----------------------------------

CUR = "r.superseded_at IS NULL AND r.deleted_at IS NULL"


Sums = dict[tuple[int, str], tuple[int, int, int, int]]


def plain_rollup(db: Database, path: str, day: date) -> tuple[Sums, dict[tuple[int, str], int]]:
    """(commune, metric) -> (today, last 7 days, cumulative with baselines, report rows today); and the targets."""
    out: dict[tuple[int, str], list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    with db.engine.connect() as conn:
        conn.execute(text("SET LOCAL jit = off"))
        for c, m, t_, w, cum, n in conn.execute(text(
            "SELECT v.parent_id, r.metric, COALESCE(SUM(r.value) FILTER (WHERE r.day = :d), 0), "
            "COALESCE(SUM(r.value) FILTER (WHERE r.day >= :d7), 0), SUM(r.value), COUNT(*) FILTER (WHERE r.day = :d) "
            f"FROM reports r JOIN units v ON v.id = r.unit_id WHERE v.path LIKE :p AND {CUR} AND r.day <= :d "
            "GROUP BY v.parent_id, r.metric"), {"p": path + "%", "d": day, "d7": day - timedelta(days=6)}).all():
            out[(c, m)] = [int(t_), int(w), int(cum), int(n)]
        for c, m, b in conn.execute(text(
            "SELECT v.parent_id, b.metric, SUM(b.value) FROM baselines b JOIN units v ON v.id = b.unit_id "
            "WHERE v.path LIKE :p AND b.as_of <= :d GROUP BY v.parent_id, b.metric"), {"p": path + "%", "d": day}).all():
            out[(c, m)][2] += int(b)
        targets = {(int(c), str(m)): int(v) for c, m, v, _d in conn.execute(text(
            "SELECT v.parent_id, t.metric, SUM(t.value), MAX(t.deadline) FROM targets t JOIN units v ON v.id = t.unit_id "
            "WHERE v.path LIKE :p AND v.active GROUP BY v.parent_id, t.metric"), {"p": path + "%"}).all()}
        conn.rollback()
    return {k: (v[0], v[1], v[2], v[3]) for k, v in out.items()}, targets


def plain_history(db: Database, path: str, metric: str, start: date, end: date) -> list[tuple[date, int]]:
    with db.engine.connect() as conn:
        conn.execute(text("SET LOCAL jit = off"))
        rows: dict[date, int] = dict(conn.execute(text(
            f"SELECT r.day, SUM(r.value) FROM reports r JOIN units v ON v.id = r.unit_id WHERE v.path LIKE :p AND {CUR} "
            "AND r.metric = :m AND r.day <= :e GROUP BY r.day"), {"p": path + "%", "m": metric, "e": end}).all())
        base = conn.execute(text(
            "SELECT b.as_of, SUM(b.value) FROM baselines b JOIN units v ON v.id = b.unit_id WHERE v.path LIKE :p "
            "AND b.metric = :m AND b.as_of <= :e GROUP BY b.as_of"), {"p": path + "%", "m": metric, "e": end}).all()
        conn.rollback()
    for d, v in base:  # the seeded baselines hold no report (they are as of the day before the first report)
        rows[d] = rows.get(d, 0) + v
    out, total = [], sum(int(v) for d, v in rows.items() if d < start)
    d = start
    while d <= end:
        total += int(rows.get(d, 0))
        out.append((d, total))
        d += timedelta(days=1)
    return out


Ranks = dict[int, int | None]


def plain_ranking(db: Database, path: str, metric: str, day: date) -> tuple[Ranks, Ranks, dict[int, tuple[int, int]]]:
    """commune -> rank today, commune -> places gained since yesterday, commune -> (the metric's figure of the
    day, report rows of the day of any metric): what /xephang shows, from one GROUP BY with both days' sums
    and one over the day's rows."""
    y = day - timedelta(days=1)
    cum: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    shown: dict[int, tuple[int, int]] = {}
    with db.engine.connect() as conn:
        conn.execute(text("SET LOCAL jit = off"))
        for c, a, b, t_ in conn.execute(text(
            "SELECT v.parent_id, SUM(r.value), COALESCE(SUM(r.value) FILTER (WHERE r.day <= :y), 0), "
            "COALESCE(SUM(r.value) FILTER (WHERE r.day = :d), 0) FROM reports r "
            f"JOIN units v ON v.id = r.unit_id WHERE v.path LIKE :p AND {CUR} AND r.metric = :m AND r.day <= :d "
            "GROUP BY v.parent_id"), {"p": path + "%", "m": metric, "d": day, "y": y}).all():
            cum[c] = [int(a), int(b)]
            shown[c] = (int(t_), 0)
        for c, n in conn.execute(text(
            f"SELECT v.parent_id, COUNT(*) FROM reports r JOIN units v ON v.id = r.unit_id WHERE v.path LIKE :p AND {CUR} "
            "AND r.day = :d GROUP BY v.parent_id"), {"p": path + "%", "d": day}).all():
            shown[c] = (shown.get(c, (0, 0))[0], int(n))
        for c, a, b in conn.execute(text(
            "SELECT v.parent_id, SUM(b.value), COALESCE(SUM(b.value) FILTER (WHERE b.as_of <= :y), 0) FROM baselines b "
            "JOIN units v ON v.id = b.unit_id WHERE v.path LIKE :p AND b.metric = :m AND b.as_of <= :d "
            "GROUP BY v.parent_id"), {"p": path + "%", "m": metric, "d": day, "y": y}).all():
            cum[c][0] += int(a)
            cum[c][1] += int(b)
        targets: dict[int, int] = dict(conn.execute(text(
            "SELECT v.parent_id, SUM(t.value) FROM targets t JOIN units v ON v.id = t.unit_id "
            "WHERE v.path LIKE :p AND v.active AND t.metric = :m GROUP BY v.parent_id"), {"p": path + "%", "m": metric}).all())
        names: dict[int, str] = dict(conn.execute(text("SELECT id, name FROM units WHERE parent_id = (SELECT id FROM units WHERE path = :q)"),
                                  {"q": path}).all())
        conn.rollback()

    def ranks(i: int) -> dict[int, int | None]:
        pct = {c: round(100.0 * cum[c][i] / targets[c], 1) for c in names if targets.get(c)}
        order = sorted(pct, key=lambda c: (-pct[c], names[c]))  # (names are ASCII-distinct here)
        out: dict[int, int | None] = {c: None for c in names}
        prev, rank = None, 0
        for n, c in enumerate(order, start=1):
            if pct[c] != prev:
                rank, prev = n, pct[c]
            out[c] = rank
        return out

    today, before = ranks(0), ranks(1)
    change: dict[int, int | None] = {}
    for c in names:
        b, t_ = before[c], today[c]
        change[c] = None if b is None or t_ is None else b - t_
    return today, change, shown


Cells = dict[tuple[int, str, date], int]


def plain_daily(db: Database, path: str, start: date, end: date) -> tuple[Cells, set[int], dict[int, int]]:
    """The export's per-day sheet (commune, metric, day) -> sum; the villages that reported on `end`; village ->
    commune."""
    with db.engine.connect() as conn:
        conn.execute(text("SET LOCAL jit = off"))
        cells = {(c, m, d): int(v) for c, m, d, v in conn.execute(text(
            "SELECT v.parent_id, r.metric, r.day, SUM(r.value) FROM reports r JOIN units v ON v.id = r.unit_id "
            f"WHERE v.path LIKE :p AND {CUR} AND r.day BETWEEN :s AND :e GROUP BY v.parent_id, r.metric, r.day"),
            {"p": path + "%", "s": start, "e": end}).all()}
        reported = {int(u) for (u,) in conn.execute(text(
            f"SELECT DISTINCT r.unit_id FROM reports r JOIN units v ON v.id = r.unit_id WHERE v.path LIKE :p AND {CUR} "
            "AND r.day = :e"), {"p": path + "%", "e": end}).all()}
        villages = {int(i): int(c) for i, c, _n, _p in conn.execute(text(
            "SELECT id, parent_id, name, path FROM units WHERE path LIKE :p AND kind = 'village' AND active"),
            {"p": path + "%"}).all()}
        conn.rollback()
    return cells, reported, villages


RAW_SQL = (
    "SELECT r.day, v.code, v.name, c.name, r.metric, r.value, m.display_name, r.created_at, "
    "COALESCE(ch.title, r.chat_id), r.raw_text FROM reports r JOIN units v ON v.id = r.unit_id "
    "LEFT JOIN chats ch ON ch.channel = r.channel AND ch.external_id = r.chat_id "
    "LEFT JOIN units c ON c.id = v.parent_id JOIN members m ON m.id = r.reporter_id "
    f"WHERE v.path LIKE %(p)s AND r.day BETWEEN %(s)s AND %(e)s AND {CUR} ORDER BY r.day, v.path, r.created_at, r.id"
)


def plain_raw(db: Database, path: str, start: date, end: date) -> tuple[int, int]:
    """The raw sheet's rows on a bare psycopg cursor (server-side, like the export's yield_per): (rows, sum)."""
    raw = db.engine.raw_connection()
    try:
        cur: Any = raw.cursor(name="raw")  # type: ignore[call-arg]
        with cur:
            cur.itersize = 5000
            cur.execute(RAW_SQL, {"p": path + "%", "s": start, "e": end})
            n = total = 0
            for row in cur:
                n += 1
                total += row[5]
        raw.rollback()
    finally:
        raw.close()
    return n, total


# ---- the measurements ------------------------------------------------------------------------------------


def services(db: Database) -> Services:
    settings = Settings(_env_file=None, database_url=str(db.engine.url))  # type: ignore[call-arg]
    return Services(settings, db, lambda: datetime.combine(END, datetime.min.time().replace(hour=13), UTC))


def tonghop(db: Database, svc: Services, unit: UnitRef, runs: int) -> None:
    r = compute_rollup(db, unit.id, END, default_metric="l2")
    plain, targets = plain_rollup(db, unit.path, END)
    for c in r.children:
        for m, f in c.metrics.items():
            today, last7, cum, n = plain.get((c.unit_id, m), (0, 0, 0, 0))
            assert (f.today, round(f.pace7 * 7), f.cumulative) == (today, last7, cum), (c.code, m, f, plain[(c.unit_id, m)])
            assert f.target == targets.get((c.unit_id, m)), (c.code, m, f.target)
        assert c.reported_today == any(plain.get((c.unit_id, m), (0, 0, 0, 0))[3] > 0 for m in r.metrics)
    for m in r.metrics:
        assert r.unit.metrics[m].cumulative == sum(v[2] for (_c, mm), v in plain.items() if mm == m)
    a, b = median_times(lambda: compute_rollup(db, unit.id, END, default_metric="l2"),
                        lambda: plain_rollup(db, unit.path, END), runs)
    record(f"/tonghop roll-up ({len(r.children)} communes)", a, b)
    start = END - timedelta(days=HISTORY_DAYS - 1)
    hist = compute_history(db, unit.id, "l2", start, END)
    assert hist == plain_history(db, unit.path, "l2", start, END)
    a, b = median_times(lambda: compute_history(db, unit.id, "l2", start, END),
                        lambda: plain_history(db, unit.path, "l2", start, END), runs)
    record(f"/tonghop chart history ({HISTORY_DAYS} days)", a, b)
    from bot.delivery.scheduling.service import ScheduleService

    caller = Caller("telegram", "1", "admin", role=Role.ADMIN, global_admin=True)
    sched = ScheduleService(svc)
    reply = sched.summary(caller, "-1", unit.code)
    assert reply.photo, reply.text
    t0 = time.perf_counter()
    for _ in range(max(1, runs // 2)):
        sched.summary(caller, "-1", unit.code)
    record("/tonghop whole reply (text + chart PNG)", (time.perf_counter() - t0) / max(1, runs // 2))


def ranking(db: Database, svc: Services, unit: UnitRef, runs: int) -> None:
    views = Views(svc)
    caller = Caller("telegram", "1", "admin", role=Role.ADMIN, global_admin=True)
    v = views.ranking(caller, unit, END)
    ranks, changes, shown = plain_ranking(db, unit.path, "l2", END)
    assert {c.unit_id: c.rank for c in v.rollup.children} == ranks
    assert v.changes == changes
    assert {c.unit_id: (c.metrics["l2"].today, c.reported_today) for c in v.rollup.children} == \
        {c: (t_, n > 0) for c, (t_, n) in shown.items()}
    a, b = median_times(lambda: views.ranking(caller, unit, END), lambda: plain_ranking(db, unit.path, "l2", END), runs)
    record("/xephang ranking (today and yesterday)", a, b)


def export(db: Database, unit: UnitRef, days: int, runs: int) -> None:
    start = END - timedelta(days=days - 1)
    data = collect(db, unit.id, start, END, default_metric="l2")
    cells, reported, villages = plain_daily(db, unit.path, start, END)
    plain, _targets = plain_rollup(db, unit.path, END)
    by_code = {c: i for i, c in _codes(db, unit.path).items()}
    for row in data.daily:
        if not row.is_total:
            cid = by_code[row.code]
            assert {d: x for d, x in row.values.items() if x is not None} == \
                {d: x for (c, m, d), x in cells.items() if c == cid and m == row.metric}, row.code
    for srow in data.summary:
        if not srow.is_total:
            cid = by_code[srow.code]
            assert srow.period == sum(x for (c, m, _d), x in cells.items() if c == cid and m == "l2")
            assert srow.cumulative == plain[(cid, "l2")][2]
            under = [v for v, c in villages.items() if c == cid]
            assert srow.silent == f"{sum(1 for v in under if v not in reported)}/{len(under)}", (srow.code, srow.silent)
    a, b = median_times(lambda: collect(db, unit.id, start, END, default_metric="l2"),
                        lambda: (plain_rollup(db, unit.path, END), plain_daily(db, unit.path, start, END)), runs)
    record(f"/xuat summary + per-day sheets ({days} days)", a, b)

    def project_raw() -> tuple[int, int]:
        with db.session() as s:
            root = repo.unit_by_id(s, unit.id)
            assert root is not None
            n = total = 0
            for r in views_repo.raw_reports(s, root, start, END):
                n += 1
                total += r.value
            return n, total

    got = project_raw()
    assert got == plain_raw(db, unit.path, start, END), got
    a, b = median_times(project_raw, lambda: plain_raw(db, unit.path, start, END), max(1, runs // 2))
    record(f"/xuat raw rows ({got[0]:,} rows)", a, b)
    now = datetime.combine(END, datetime.min.time(), UTC)
    t0 = time.perf_counter()
    content, rows = write_xlsx(db, unit.id, start, END, tz=TZ, now=now)
    record(f"/xuat whole .xlsx ({rows:,} raw rows, {len(content) / 1e6:.1f} MB)", time.perf_counter() - t0)
    t0 = time.perf_counter()
    write_csv(db, unit.id, start, END)
    record("/xuat whole CSV (summary)", time.perf_counter() - t0)


def _codes(db: Database, path: str) -> dict[int, str]:
    with db.engine.connect() as conn:
        return {int(i): str(c) for i, c in conn.execute(text(
            "SELECT id, code FROM units WHERE path LIKE :p AND kind = 'commune'"), {"p": path + "%"})}


# ---- sizes ---------------------------------------------------------------------------------------------------


def sizes(db: Database) -> None:
    print(f"\nPostgreSQL size of the data ({DAYS} days), and extrapolated to {MEMBERS:,} members x 365 days")
    print(f"  {'table':12s} {'rows':>12s} {'table+TOAST':>12s} {'indexes':>10s} {'total':>10s} {'x 365 days':>11s}")
    grand = grand_year = 0.0
    with db.engine.connect() as conn:
        rows = conn.execute(text(
            "SELECT c.relname, c.reltuples::bigint, pg_table_size(c.oid), pg_indexes_size(c.oid), "
            "pg_total_relation_size(c.oid) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = current_schema() AND c.relkind = 'r' ORDER BY pg_total_relation_size(c.oid) DESC")).all()
    for name, n, tbl, idx, total in rows:
        if total <= 64 * 1024 and name != "reports":
            continue
        year = total * 365 / DAYS if name == "reports" else total  # reports grow with the days, the rest does not
        grand += total
        grand_year += year
        print(f"  {name:12s} {max(int(n), 0):>12,} {tbl / 2**20:>10.1f}MB {idx / 2**20:>8.1f}MB {total / 2**20:>8.1f}MB "
              f"{year / 2**30:>9.2f}GB")
    print(f"  {'all':12s} {'':>12s} {'':>12s} {'':>10s} {grand / 2**20:>8.1f}MB {grand_year / 2**30:>9.2f}GB")
    rep = next((r for r in rows if r[0] == "reports"), None)
    if rep is not None and rep[1] > 0:
        print(f"  reports: {rep[4] / rep[1]:.0f} bytes per row with its indexes "
              f"({rep[2] / rep[1]:.0f} heap, {rep[3] / rep[1]:.0f} indexes); a year at this density: "
              f"{rep[1] * 365 / DAYS / 1e6:.1f} M rows")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--l2", type=float, default=0.9, help="share of village-days with a level-2 report")
    ap.add_argument("--l1", type=float, default=0.65, help="share of village-days with a level-1 report")
    ap.add_argument("--export-days", type=int, default=DAYS, help="the export's period (ending on the last day)")
    ap.add_argument("--keep", metavar="SCHEMA", help="seed SCHEMA and keep it (reused next time)")
    a = ap.parse_args()
    with pg_schema(a.keep) as got:
        if got is None:
            sys.exit(1)
        db, reused = got
        if reused:
            db.upgrade()  # a kept schema gets the newer migrations (indexes)
            vacuum(db)
        else:
            seed(db, a.l2, a.l1)
        with db.session() as s:
            n = int(s.execute(text("SELECT count(*) FROM reports")).scalar() or 0)
            cur = int(s.execute(text("SELECT count(*) FROM reports WHERE superseded_at IS NULL AND deleted_at IS NULL"))
                      .scalar() or 0)
            province = repo.children(s, repo.roots(s)[0])[0]
            unit = UnitRef(province.id, province.code, province.name, province.kind, province.path, province.parent_id)
            villages = int(s.execute(text("SELECT count(*) FROM units WHERE path LIKE :p AND kind = 'village'"),
                                     {"p": province.path + "%"}).scalar() or 0)
        print(f"PostgreSQL, national: {PROVINCES} provinces, {COMMUNES:,} communes, {VILLAGES:,} villages, "
              f"{MEMBERS:,} members, {DAYS} days: {n:,} report rows ({cur:,} current)")
        print(f"  province {unit.code}: {villages:,} villages; times are medians of {a.runs} (alternating)")
        svc = services(db)
        tonghop(db, svc, unit, a.runs)
        ranking(db, svc, unit, a.runs)
        export(db, unit, a.export_days, a.runs)
        sizes(db)
    over = [x for x in TABLE if x.ratio is not None and x.ratio > GOAL]
    print(f"\n{len(over)} ratio(s) over {GOAL}" + (": " + ", ".join(x.what for x in over) if over else ""))


if __name__ == "__main__":
    main()
