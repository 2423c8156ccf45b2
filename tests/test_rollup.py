"""The shared roll-up (bot/core/rollup.py) against hand-computed figures, on SQLite and PostgreSQL.

Tree (l2 targets / baselines):
    P  province (no target)
      C1 commune (no target -> 100+200+50 = 350; own report 2 on D-1)
        V1 "Thôn A"  target 100 (deadline D+10), baseline 40
        V2 "Thôn B"  target 200, baseline 100
        V3 "Thôn C"  target 50, baseline 25
        V5 "Thôn Đ"  no target
      C2 commune, own target 300 (deadline D+20); V4 below it has 1000 (ignored: C2's own wins)
        V4 "Thôn E"
      C3 commune, nothing at all
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import text

from bot.core.rollup import compute_history, compute_ranking, compute_rollup, figures
from storage import repo, rollup_repo
from storage.db import Database
from storage.models import Report

D = date(2025, 8, 14)
NOW = datetime(2025, 8, 14, 3, 0, tzinfo=UTC)


@dataclass
class Tree:
    p: int
    c1: int
    c2: int
    c3: int
    v: dict[str, int]


def build(db: Database) -> Tree:
    with db.session() as s:
        p = repo.create_unit(s, "p", "Tỉnh P", "province", None)
        c1 = repo.create_unit(s, "c1", "Xã Một", "commune", p)
        c2 = repo.create_unit(s, "c2", "Xã Hai", "commune", p)
        c3 = repo.create_unit(s, "c3", "Xã Ba", "commune", p)
        v1 = repo.create_unit(s, "v1", "Thôn A", "village", c1)
        v2 = repo.create_unit(s, "v2", "Thôn B", "village", c1)
        v3 = repo.create_unit(s, "v3", "Thôn C", "village", c1)
        v5 = repo.create_unit(s, "v5", "Thôn Đ", "village", c1)
        v4 = repo.create_unit(s, "v4", "Thôn E", "village", c2)
        repo.set_target(s, v1, "l2", 100, D + timedelta(days=10))
        repo.set_target(s, v2, "l2", 200)
        repo.set_target(s, v3, "l2", 50)
        repo.set_target(s, c2, "l2", 300, D + timedelta(days=20))
        repo.set_target(s, v4, "l2", 1000)
        repo.set_baseline(s, v1, "l2", date(2025, 8, 1), 40)
        repo.set_baseline(s, v2, "l2", date(2025, 8, 1), 100)
        repo.set_baseline(s, v3, "l2", date(2025, 8, 1), 25)
        m1 = repo.add_member(s, "telegram", "1", "M1", v1)
        m2 = repo.add_member(s, "telegram", "2", "M2", v1)
        m3 = repo.add_member(s, "telegram", "3", "M3", v2)
        m4 = repo.add_member(s, "telegram", "4", "M4", v4)
        m5 = repo.add_member(s, "telegram", "5", "M5", v5)
        lead = repo.add_member(s, "telegram", "9", "Lead", c1, "leader")
        msg = iter(range(1, 1000))

        def rep(member_id: int, unit_id: int, value: int, day: date, metric: str = "l2", **kw: object) -> None:
            s.add(Report(unit_id=unit_id, metric=metric, day=day, value=value, reporter_id=member_id,
                         chat_id="-1", message_id=next(msg), created_at=NOW, **kw))

        rep(m1.id, v1.id, 50, D, superseded_at=NOW)  # superseded: must not count
        rep(m1.id, v1.id, 10, D)
        rep(m2.id, v1.id, 5, D)
        rep(m1.id, v1.id, 8, D - timedelta(days=1))
        rep(m1.id, v1.id, 7, D - timedelta(days=10))  # outside the 7-day window, inside the cumulative
        rep(m1.id, v1.id, 99, D + timedelta(days=1))  # after the day: not counted
        rep(m2.id, v1.id, 30, D - timedelta(days=2), deleted_at=NOW)  # deleted: must not count
        rep(m1.id, v1.id, 3, D, metric="l1")
        rep(m3.id, v2.id, 0, D)  # a reported zero: V2 has reported today
        rep(m3.id, v2.id, 20, D - timedelta(days=3))
        rep(m3.id, v3.id, 10, D - timedelta(days=1))  # V3 reported yesterday only: silent today
        rep(m5.id, v5.id, 3, D)
        rep(m4.id, v4.id, 25, D - timedelta(days=2))
        rep(m4.id, v4.id, 4, D, metric="l1")  # C2 reported today (another metric counts)
        rep(lead.id, c1.id, 2, D - timedelta(days=1))  # a report on the commune itself
        s.flush()
        return Tree(p.id, c1.id, c2.id, c3.id, {"A": v1.id, "B": v2.id, "C": v3.id, "Đ": v5.id, "E": v4.id})


@pytest.fixture
def tree(any_db: Database) -> tuple[Database, Tree]:
    return any_db, build(any_db)


def test_commune_rollup(tree: tuple[Database, Tree]) -> None:
    db, t = tree
    r = compute_rollup(db, t.c1, D)
    assert r.metrics == ["l1", "l2"] and r.default_metric == "l2" and r.day == D
    u = r.unit.metrics["l2"]
    # cumulative: baselines 165 + V1 10+5+8+7 + V2 0+20 + V3 10 + V5 3 + own 2 = 230
    assert (u.today, u.cumulative, u.target, u.remaining) == (18, 230, 350, 120)
    assert u.pct == pytest.approx(100 * 230 / 350)
    assert u.pace7 == pytest.approx(58 / 7)  # 15+8 + 20 + 10 + 3 + 2
    assert u.deadline == D + timedelta(days=10)  # the latest deadline among the summed targets
    assert u.needed_pace == pytest.approx(12.0)
    assert u.projected_finish == D + timedelta(days=15)  # ceil(120 / 8.2857) = 15
    assert r.unit.reported_today and r.unit.rank is None

    names = [c.name for c in r.children]
    assert names == ["Thôn A", "Thôn C", "Thôn B", "Thôn Đ"]  # 70 %, 70 %, 60 %, no target
    assert [c.rank for c in r.children] == [1, 1, 3, None]
    a, c, b, dd = r.children
    fa = a.metrics["l2"]
    assert (fa.today, fa.cumulative, fa.target, fa.remaining) == (15, 70, 100, 30)
    assert fa.pct == pytest.approx(70.0)
    assert fa.pace7 == pytest.approx(23 / 7)
    assert fa.needed_pace == pytest.approx(3.0)
    assert fa.projected_finish == D + timedelta(days=10)  # ceil(30 / 3.2857) = 10
    assert a.metrics["l1"].today == 3 and a.metrics["l1"].target is None and a.metrics["l1"].pct is None
    fb = b.metrics["l2"]
    assert (fb.today, fb.cumulative, fb.target, fb.remaining) == (0, 120, 200, 80)
    assert fb.needed_pace is None and fb.deadline is None
    assert fb.projected_finish == D + timedelta(days=28)
    assert b.reported_today  # a reported 0 counts
    fc = c.metrics["l2"]
    assert (fc.today, fc.cumulative, fc.pct) == (0, 35, pytest.approx(70.0))
    assert not c.reported_today
    assert dd.metrics["l2"].target is None and dd.metrics["l2"].cumulative == 3 and dd.reported_today
    assert [x.name for x in r.silent] == ["Thôn C"]


def test_province_rollup(tree: tuple[Database, Tree]) -> None:
    db, t = tree
    r = compute_rollup(db, t.p, D)
    u = r.unit.metrics["l2"]
    assert (u.today, u.cumulative, u.target) == (18, 255, 650)  # 350 + C2's own 300 (not V4's 1000)
    assert u.deadline == D + timedelta(days=20)
    assert u.needed_pace == pytest.approx(395 / 20)
    assert u.pace7 == pytest.approx(83 / 7)
    assert u.projected_finish == D + timedelta(days=34)
    assert [c.code for c in r.children] == ["c1", "c2", "c3"]
    assert [c.rank for c in r.children] == [1, 2, None]
    c2 = r.children[1].metrics["l2"]
    assert (c2.cumulative, c2.target, c2.deadline) == (25, 300, D + timedelta(days=20))
    assert c2.needed_pace == pytest.approx(275 / 20)
    assert c2.projected_finish == D + timedelta(days=77)
    assert r.children[1].reported_today  # an l1 report today
    assert [x.code for x in r.silent] == ["c3"]
    c3 = r.children[2].metrics["l2"]
    assert (c3.cumulative, c3.target, c3.pct, c3.remaining, c3.projected_finish) == (0, None, None, None, None)


def test_village_rollup_and_earlier_day(tree: tuple[Database, Tree]) -> None:
    db, t = tree
    r = compute_rollup(db, t.v["A"], D)
    assert r.children == [] and r.silent == []
    assert r.unit.metrics["l2"].cumulative == 70 and r.unit.reported_today
    y = compute_rollup(db, t.v["A"], D - timedelta(days=1))
    assert (y.unit.metrics["l2"].today, y.unit.metrics["l2"].cumulative) == (8, 55)
    # the day after includes the D+1 row
    n = compute_rollup(db, t.v["A"], D + timedelta(days=1))
    assert n.unit.metrics["l2"].cumulative == 169


def test_history(tree: tuple[Database, Tree]) -> None:
    db, t = tree
    h = compute_history(db, t.c1, "l2", D - timedelta(days=3), D)
    assert h == [
        (D - timedelta(days=3), 192),  # 165 + 7 (D-10) + 20
        (D - timedelta(days=2), 192),  # the deleted 30 does not count
        (D - timedelta(days=1), 212),
        (D, 230),
    ]
    assert h[-1][1] == compute_rollup(db, t.c1, D).unit.metrics["l2"].cumulative


def test_plain_group_by_agrees(tree: tuple[Database, Tree]) -> None:
    db, t = tree
    r = compute_rollup(db, t.p, D)
    with db.session() as s:
        p = repo.unit_by_id(s, t.p)
        assert p is not None
        plain = rollup_repo.plain_group_by(s, p, D)
        base = rollup_repo.baseline_total(s, p, "l2")
    assert sum(v for (_u, m), v in plain.items() if m == "l2") + base == r.unit.metrics["l2"].cumulative
    assert plain[(t.v["A"], "l2")] == 30


def test_rank_ignores_inactive_child_and_unknown_unit(tree: tuple[Database, Tree]) -> None:
    db, t = tree
    with db.session() as s:
        u = repo.unit_by_id(s, t.v["C"])
        assert u is not None
        u.active = False
    r = compute_rollup(db, t.c1, D)
    assert [c.name for c in r.children] == ["Thôn A", "Thôn B", "Thôn Đ"]
    assert r.unit.metrics["l2"].target == 300  # the inactive village's target no longer counts
    assert r.unit.metrics["l2"].cumulative == 230  # its history still does
    with pytest.raises(LookupError):
        compute_rollup(db, 999999, D)


def test_previous_day_in_the_same_pass_equals_a_rollup_of_that_day(tree: tuple[Database, Tree]) -> None:
    """report_sums(previous=P) gives each key's cumulative as of P (baselines of P or earlier counted, the
    reports they hold not; a baseline after P not yet), and compute_ranking the ranks a roll-up of P gives."""
    db, t = tree
    with db.session() as s:
        for code, as_of, value in (("v4", D, 30), ("v5", D - timedelta(days=1), 9), ("v3", D - timedelta(days=1), 60)):
            u = repo.unit_by_code(s, code)
            assert u is not None
            repo.set_baseline(s, u, "l2", as_of, value)  # on the day, on the day before (v3: moved later)
    for day in (D + timedelta(days=1), D, D - timedelta(days=1), D - timedelta(days=3)):
        prev = day - timedelta(days=1)
        for unit_id in (t.p, t.c1, t.c2):
            with db.session() as s:
                unit = repo.unit_by_id(s, unit_id)
                assert unit is not None
                got = {(r.key, r.metric): r.previous for r in rollup_repo.report_sums(s, unit, day, None, prev)}
                then = {(r.key, r.metric): r.cumulative + r.baseline for r in rollup_repo.report_sums(s, unit, prev)}
            assert {k: v for k, v in got.items() if v} == {k: v for k, v in then.items() if v}, (unit_id, day)
            r, before = compute_ranking(db, unit_id, day)
            full = compute_rollup(db, unit_id, day)
            assert r.metrics == ["l2"]
            assert [(c.unit_id, c.rank, c.reported_today, c.metrics) for c in r.children] == \
                [(c.unit_id, c.rank, c.reported_today, {"l2": c.metrics["l2"]}) for c in full.children]
            assert (r.unit.reported_today, r.unit.metrics) == (full.unit.reported_today, {"l2": full.unit.metrics["l2"]})
            assert before == {c.unit_id: c.rank for c in compute_rollup(db, unit_id, prev).children}
    # on D-1: C1 = 40+8+7 (A) + 100+20 (B) + 60 (C's baseline of D-1 holds its 10) + 9 (Đ) + 2 (own) = 246 of
    # 350; C2 = 25 of 300 (E's baseline as of D does not count yet)
    with db.session() as s:
        p = repo.unit_by_id(s, t.p)
        assert p is not None
        by_path = {r.key: r.previous for r in rollup_repo.report_sums(s, p, D, ["l2"], D - timedelta(days=1))
                   if r.metric == "l2"}
    assert (by_path[f"{p.path}{t.c1}/"], by_path[f"{p.path}{t.c2}/"]) == (246, 25)
    _r, before = compute_ranking(db, t.p, D)
    assert before == {t.c1: 1, t.c2: 2, t.c3: None}


def test_figures_edge_cases() -> None:
    done = figures(D, 5, 120, 14, 100, D + timedelta(days=3))
    assert (done.remaining, done.needed_pace, done.projected_finish) == (0, None, D)
    assert done.pct == pytest.approx(120.0)
    idle = figures(D, 0, 10, 0, 100, None)
    assert (idle.pace7, idle.projected_finish, idle.needed_pace) == (0.0, None, None)
    late = figures(D, 0, 10, 7, 100, D - timedelta(days=5))
    # past the deadline: no pace can meet it any more (issue 12): no "needed", the days overdue instead
    assert late.needed_pace is None and late.overdue_days == 5
    none = figures(D, 1, 10, 7, None, D)
    assert (none.pct, none.remaining, none.needed_pace, none.projected_finish) == (None, None, None, None)
    zero_target = figures(D, 0, 0, 0, 0, None)
    assert zero_target.pct is None and zero_target.remaining == 0 and zero_target.projected_finish == D


@pytest.mark.postgres
def test_a_prepared_subtree_query_in_an_aggregate_transaction_reads_the_path_index(pg_db: Database) -> None:
    """psycopg prepares a statement run five times and PostgreSQL may then use one generic plan for any
    parameters: with `path LIKE $1` unknown at planning time, the path index cannot serve the subtree. An
    aggregate transaction (rollup_repo.analytic) asks for custom plans; outside one the generic plan stays."""
    build(pg_db)

    def plan_of_prepared(analytic: bool) -> str:
        with pg_db.session() as s:
            s.execute(text("SET LOCAL plan_cache_mode = force_generic_plan"))  # what a prepared statement may get
            s.execute(text("SET LOCAL enable_seqscan = off"))  # a few rows: else a scan is cheapest anyway
            if analytic:
                rollup_repo.analytic(s)
            s.execute(text("PREPARE subtree(varchar) AS SELECT id FROM units WHERE path LIKE $1"))
            try:
                rows = s.execute(text("EXPLAIN EXECUTE subtree('/1/%')")).scalars().all()
            finally:
                s.execute(text("DEALLOCATE subtree"))
            return "\n".join(rows)

    custom = plan_of_prepared(analytic=True)
    assert "ix_units_path" in custom and "Index Cond" in custom and "~>=~" in custom, custom
    generic = plan_of_prepared(analytic=False)
    assert "~>=~" not in generic, generic  # the control: without it the pattern is no index range
