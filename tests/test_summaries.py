"""Summary texts: numbers equal an independent computation, layout, one message however big."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest

from bot import fmt, summaries
from bot.demo_data import VILLAGES, Demo, seed_demo
from bot.rollup import MetricFigures, Rollup, UnitFigures, compute_rollup
from storage import repo
from storage.db import Database
from tests.helpers.schedule import report

D = date(2025, 8, 14)


@pytest.fixture
def db(sqlite_db: Database) -> Database:
    return sqlite_db


@pytest.fixture
def demo(db: Database) -> Demo:
    return seed_demo(db)


def mf(today: int = 0, cum: int = 0, target: int | None = 100, pace7: float = 0.0) -> MetricFigures:
    pct = 100.0 * cum / target if target else None
    remaining = max(target - cum, 0) if target is not None else None
    return MetricFigures(today, cum, target, pct, remaining, pace7, None, None, None)


def uf(uid: int, name: str, *, l2: MetricFigures, l1: MetricFigures | None = None, reported: bool = True,
       rank: int | None = None) -> UnitFigures:
    return UnitFigures(uid, f"u{uid}", name, "village", {"l1": l1 or mf(), "l2": l2}, reported, rank)


def rollup(children: list[UnitFigures], unit: UnitFigures | None = None, day: date = D) -> Rollup:
    unit = unit or uf(0, "Xã Thử", l2=mf(5, 500, 1000))
    return Rollup(unit, day, children, [c for c in children if not c.reported_today], ["l1", "l2"], "l2")


def test_daily_summary_numbers_match_an_independent_computation(db: Database, demo: Demo) -> None:
    reports = {"Thôn 3": [(D, 12), (D - timedelta(days=2), 5)], "TDP 5": [(D, 0)], "Xóm Bãi": [(D - timedelta(days=1), 9)]}
    for name, rows in reports.items():
        for day, value in rows:
            report(db, demo.village_ids[name], day, value)
    report(db, demo.village_ids["Thôn 3"], D, 4, metric="l1")
    text = summaries.daily_text(compute_rollup(db, demo.commune_id, D), "vi")

    targets = {name: t for _c, name, t, _b in VILLAGES}
    bases = {name: b for _c, name, _t, b in VILLAGES}
    cum = {n: bases[n] + sum(v for d, v in reports.get(n, []) if d <= D) for n in targets}
    total_cum, total_target = sum(cum.values()), sum(targets.values())
    today_total = sum(v for rows in reports.values() for d, v in rows if d == D)
    assert f"hôm nay +{fmt.num(today_total)} · lũy kế {fmt.num(total_cum)}/{fmt.num(total_target)} " \
           f"(<b>{fmt.pct(100 * total_cum / total_target)}</b>)" in text
    l1_target = sum(t + 100 for t in targets.values())
    assert f"<b>Mức 1</b>: hôm nay +4 · lũy kế 4/{fmt.num(l1_target)}" in text
    # the default metric comes first, then the others
    assert text.index("Mức 2") < text.index("Mức 1")
    # children sorted by % done, each with its own %
    lines = re.findall(r"^(\d+)\. (.+?) — ([\d,]+%)", text, re.M)
    assert [name for _r, name, _p in lines] == sorted(targets, key=lambda n: (-round(100 * cum[n] / targets[n], 1), n))
    for _rank, name, pct in lines:
        assert pct == fmt.pct(100 * cum[name] / targets[name])
    assert "2. Thôn 3 — " in text or "Thôn 3 — " in text
    assert re.search(r"Thôn 3 — [\d,]+% · \+12", text)
    assert re.search(r"TDP 5 — [\d,]+% · \+0", text)  # a reported zero shows as +0
    assert "Đã báo cáo hôm nay: <b>2/12</b>" in text
    silent = text.split("Chưa báo cáo hôm nay (10):")[1]
    assert "Thôn 3" not in silent and "TDP 5" not in silent and "Xóm Bãi" in silent


def test_layout_totals_then_children_then_silent() -> None:
    kids = [uf(1, "Thôn A", l2=mf(3, 90), rank=1), uf(2, "Thôn B", l2=mf(0, 50), reported=False, rank=2)]
    text = summaries.daily_text(rollup(kids), "vi")
    assert text.index("lũy kế 500/1.000") < text.index("1. Thôn A") < text.index("2. Thôn B") \
        < text.index("Chưa báo cáo hôm nay (1):")
    assert "1. Thôn A — 90,0% · +3" in text and "2. Thôn B — 50,0%\n" in text


def test_everyone_reported_is_said() -> None:
    text = summaries.daily_text(rollup([uf(1, "Thôn A", l2=mf(3, 90), rank=1)]), "vi")
    assert "Tất cả đơn vị đã báo cáo" in text and "Chưa báo cáo" not in text


def test_no_target_and_pace_lines() -> None:
    unit = uf(0, "Xã", l2=MetricFigures(5, 600, 1000, 60.0, 400, 10.0, 20.0, date(2025, 10, 1), date(2025, 9, 3)))
    kids = [uf(1, "Thôn Không Chỉ Tiêu", l2=mf(1, 10, None), rank=None)]
    text = summaries.daily_text(rollup(kids, unit), "vi")
    assert "Còn 400 · cần 20/ngày để kịp hạn 03/09 · 7 ngày qua 10/ngày" in text
    assert "– . Thôn" not in text and "Thôn Không Chỉ Tiêu — chưa có chỉ tiêu" in text
    done = uf(0, "Xã", l2=mf(0, 1000, 1000))
    assert "Đã đạt chỉ tiêu" in summaries.daily_text(rollup([], done), "vi")


def test_a_leaf_unit_summary_says_if_it_has_not_reported() -> None:
    leaf = uf(7, "Thôn Lá", l2=mf(0, 40), reported=False)
    text = summaries.daily_text(rollup([], leaf), "vi")
    assert "Thôn Lá chưa báo cáo hôm nay" in text and "Các đơn vị" not in text


def test_names_are_escaped() -> None:
    kids = [uf(1, "Thôn <A&B>", l2=mf(1, 10), reported=False, rank=1)]
    text = summaries.daily_text(rollup(kids, uf(0, "Xã <i>", l2=mf())), "vi")
    assert "Thôn &lt;A&amp;B&gt;" in text and "Xã &lt;i&gt;" in text and "<A&B>" not in text


def test_a_thousand_children_fit_one_message_with_a_graceful_cut() -> None:
    kids = [uf(i, f"Xã có tên rất dài để thử cắt danh sách số {i:04d}", l2=mf(i % 7, 1000 - i, 2000),
               reported=i % 3 != 0, rank=i + 1) for i in range(1000)]
    text = summaries.daily_text(rollup(kids), "vi")
    assert len(text) <= 4096
    m = re.search(r"… và (\d+) đơn vị khác", text)
    assert m is not None
    shown = len(re.findall(r"^\d+\. ", text, re.M))
    assert shown + int(m.group(1)) == 1000
    assert shown >= 30
    silent_part = text.split("Chưa báo cáo hôm nay (334):")[1]
    assert re.search(r"… và \d+ đơn vị khác", silent_part)
    assert text.index("lũy kế") < text.index("1. ")  # totals are never cut


def test_english_summary() -> None:
    text = summaries.daily_text(rollup([uf(1, "Thôn A", l2=mf(3, 90), rank=1)]), "en")
    assert "VNeID summary" in text and "Level 2" in text and "total 500/1,000" in text


def test_weekly_summary_totals_and_rank_changes() -> None:
    cur = rollup([
        uf(1, "Thôn A", l2=mf(2, 95, pace7=3.0), rank=1),
        uf(2, "Thôn B", l2=mf(0, 80, pace7=10.0), rank=2),
        uf(3, "Thôn C", l2=mf(0, 70, pace7=0.0), rank=3),
        uf(4, "Thôn Mới", l2=mf(0, 10, pace7=1.0), rank=4),
    ], uf(0, "Xã", l2=mf(2, 255, 400, pace7=14.0)))
    prev = rollup([
        uf(2, "Thôn B", l2=mf(0, 10), rank=1),
        uf(1, "Thôn A", l2=mf(0, 74), rank=2),
        uf(3, "Thôn C", l2=mf(0, 70), rank=3),
    ], uf(0, "Xã", l2=mf(0, 157, 400, pace7=7.0)), day=D - timedelta(days=7))
    text = summaries.weekly_text(cur, prev, "vi")
    assert "Tổng kết tuần 08/08–14/08 — Xã" in text
    assert "<b>Mức 2</b>: +98 trong tuần · lũy kế 255/400" in text
    assert "Tuần trước: +49 (+100%)" in text
    assert "1. Thôn A — 95,0% · +21 tuần ▲1" in text
    assert "2. Thôn B — 80,0% · +70 tuần ▼1" in text
    assert "3. Thôn C — 70,0% · +0 tuần =" in text
    assert "4. Thôn Mới — 10,0% · +7 tuần (mới)" in text
    assert "Tăng nhiều nhất tuần: Thôn B (+70)" in text


def test_weekly_summary_from_the_database(db: Database, demo: Demo) -> None:
    v = demo.village_ids
    report(db, v["Bản Nà Pục"], D - timedelta(days=8), 50)  # last week: pushes it up the ranking
    for back in range(7):
        report(db, v["Thôn Hạ"], D - timedelta(days=back), 10)
    cur = compute_rollup(db, demo.commune_id, D)
    prev = compute_rollup(db, demo.commune_id, D - timedelta(days=7))
    text = summaries.weekly_text(cur, prev, "vi")
    assert "<b>Mức 2</b>: +70 trong tuần" in text
    assert re.search(r"Thôn Hạ — [\d,]+% · \+70 tuần ▲\d", text)
    assert "Tăng nhiều nhất tuần: Thôn Hạ (+70)" in text
    assert "Tuần trước: +50 (+40%)" in text


def test_fit_and_join_helpers() -> None:
    assert summaries.fit(["h"], ["a", "b"], ["t"], "vi") == "h\na\nb\nt"
    cut = summaries.fit(["h"], ["x" * 50] * 10, ["t"], "vi", limit=200)
    assert len(cut) <= 200 and cut.endswith("đơn vị khác\nt")
    assert summaries.join_fitting(["a", "b", "c"], 100, "vi") == "a, b, c"
    joined = summaries.join_fitting(["n" * 20] * 10, 60, "vi")
    assert len(joined) <= 60 + 30 and "… và" in joined
    assert summaries.week_end_for(date(2025, 8, 14), 6) == date(2025, 8, 10)
    assert summaries.week_end_for(date(2025, 8, 17), 6) == date(2025, 8, 17)


def test_metric_names_from_the_catalog(db: Database) -> None:
    with db.session() as s:
        names = {m.code: m.name_vi for m in repo.metrics(s)}
    assert summaries.metric_name("l2", "vi", names) == "Mức 2"
    assert summaries.metric_name("xx", "vi", names) == "XX"
