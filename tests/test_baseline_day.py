"""A baseline holds its unit's reports up to its own day (issue 12, item 2), on SQLite and PostgreSQL,
for a commune (SQLite's per-pair ranges / PostgreSQL's held branch) and for the root (one-pass path)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from bot.core.rollup import compute_history, compute_rollup
from storage import repo
from storage.db import Database
from storage.models import Report

D = date(2025, 8, 14)


def test_baseline_holds_reports_up_to_its_day(any_db: Database) -> None:
    db = any_db
    with db.session() as s:
        p = repo.create_unit(s, "p", "Tỉnh P", "province", None)
        c = repo.create_unit(s, "c", "Xã C", "commune", p)
        v1 = repo.create_unit(s, "v1", "Thôn A", "village", c)
        v2 = repo.create_unit(s, "v2", "Thôn B", "village", c)
        m = repo.add_member(s, "telegram", "1", "M", v1)
        repo.set_baseline(s, v1, "l2", D - timedelta(days=2), 100)
        reports = [(v1, D - timedelta(days=3), 5), (v1, D - timedelta(days=2), 7), (v1, D - timedelta(days=1), 11),
                   (v1, D, 13), (v2, D, 4)]
        for i, (u, d, v) in enumerate(reports, start=1):
            s.add(Report(unit_id=u.id, metric="l2", day=d, value=v, reporter_id=m.id, chat_id="-1", message_id=i,
                         created_at=datetime(2025, 8, 14, 3, tzinfo=UTC)))
        ids = (p.id, c.id, v1.id)
    p_id, c_id, v1_id = ids

    def expected(day: date) -> int:  # independent: baseline (if its day has come) + reports after it
        as_of = D - timedelta(days=2)
        if day >= as_of:
            return 100 + sum(v for u, d, v in reports if d <= day and (u.id != v1_id or d > as_of))
        return sum(v for _u, d, v in reports if d <= day)

    for uid in (p_id, c_id):
        r = compute_rollup(db, uid, D)
        assert r.unit.metrics["l2"].cumulative == expected(D) == 128
        assert r.unit.metrics["l2"].today == 17  # the day's figures are unchanged
    r = compute_rollup(db, c_id, D)
    assert r.child(v1_id) is not None and r.child(v1_id).metrics["l2"].cumulative == 124  # type: ignore[union-attr]
    assert compute_rollup(db, c_id, D - timedelta(days=3)).unit.metrics["l2"].cumulative == expected(D - timedelta(3))
    hist = compute_history(db, c_id, "l2", D - timedelta(days=3), D)
    assert hist == [(D - timedelta(days=k), expected(D - timedelta(days=k))) for k in (3, 2, 1, 0)]
    assert [v for _d, v in hist] == [5, 100, 111, 128]
