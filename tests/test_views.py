"""Leader views as plain Python (bot/core/views.py): unit resolution and scope, silent units, rendering."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from bot.config import Settings
from bot.core.rollup import compute_rollup
from bot.core.services import Services
from bot.core.views import (
    ProgressView,
    Views,
    chunk,
    render_missing,
    render_progress,
    render_rank,
    split_metric,
)
from bot.demo_data import ADMIN_ID, GROUP_ID, LEADER_ID, Demo, member_id, seed_demo
from bot.texts import t
from storage import repo
from storage.db import Database
from storage.models import Report

D = date(2025, 8, 14)
NOW = datetime(2025, 8, 14, 3, 0, tzinfo=UTC)
GLOBAL_ADMIN = 777


@pytest.fixture
def world(any_db: Database) -> tuple[Views, Demo]:
    demo = seed_demo(any_db)
    settings = Settings(_env_file=None, admin_ids=[GLOBAL_ADMIN])  # type: ignore[call-arg]
    svc = Services(settings, any_db, lambda: NOW)
    with any_db.session() as s:
        prov = repo.unit_by_id(s, demo.province_id)
        other = repo.create_unit(s, "x-binhan", "Xã Bình An", "commune", prov)
        for code, name in (("ba-1", "Thôn 3"), ("ba-2", "Thôn Mới")):
            v = repo.create_unit(s, code, name, "village", other)
            repo.set_target(s, v, "l2", 100)
        repo.add_member(s, "telegram", "3001", "Chủ tịch Bình An", other, "leader")
        m = repo.member_by_external(s, "telegram", str(member_id(0)))
        assert m is not None
        s.add(Report(unit_id=demo.village_ids["Thôn Đồng Tâm"], metric="l2", day=D, value=12, reporter_id=m.id,
                     chat_id=str(GROUP_ID), message_id=1, created_at=NOW))
        s.add(Report(unit_id=demo.village_ids["Thôn Đồng Tâm"], metric="l2", day=D - timedelta(days=1), value=5,
                     reporter_id=m.id, chat_id=str(GROUP_ID), message_id=2, created_at=NOW))
    return Views(svc), demo


def test_split_metric() -> None:
    ms = ["l1", "l2"]
    assert split_metric(["Thôn", "3", "m1"], ms) == (["Thôn", "3"], "l1")
    assert split_metric(["l2"], ms) == ([], "l2")
    assert split_metric(["tân", "hòa", "mức", "1"], ms) == (["tân", "hòa"], "l1")
    assert split_metric(["Mức2"], ms) == ([], "l2")
    assert split_metric(["Thôn", "3"], ms) == (["Thôn", "3"], None)
    assert split_metric(["m9"], ms) == (["m9"], None)
    assert split_metric([], ms) == ([], None)


def test_chunk_keeps_lines_whole() -> None:
    lines = [f"line {i} " + "x" * 50 for i in range(300)]
    parts = chunk(lines, limit=1000)
    assert all(len(p) <= 1000 for p in parts)
    assert "\n".join(parts).splitlines() == lines
    assert chunk(["short"]) == ["short"]


def test_resolve_scope(world: tuple[Views, Demo]) -> None:
    views, demo = world
    svc = views.svc
    leader = svc.caller("telegram", LEADER_ID)
    assert views.resolve(leader, str(GROUP_ID), "").unit.name == "Xã Tân Hòa"  # type: ignore[union-attr]
    assert views.resolve(leader, str(LEADER_ID), "").unit.name == "Xã Tân Hòa"  # type: ignore[union-attr]
    assert views.resolve(leader, None, "dong tam").unit.name == "Thôn Đồng Tâm"  # type: ignore[union-attr]
    assert views.resolve(leader, None, "TH-3").unit.code == "th-3"  # type: ignore[union-attr]
    # "Thôn 3" exists in both communes, but only one is in the leader's scope
    assert views.resolve(leader, None, "thon 3").unit.code == "th-3"  # type: ignore[union-attr]
    out = views.resolve(leader, None, "Thôn Mới")
    assert out.unit is None and out.error == "view.unknown_unit"
    out = views.resolve(leader, None, "ba-2")  # a code outside the scope reads as unknown too
    assert out.unit is None and out.error == "view.unknown_unit"

    member = svc.caller("telegram", member_id(0))
    assert views.resolve(member, str(GROUP_ID), "").unit.name == "Thôn Đồng Tâm"  # type: ignore[union-attr]
    assert views.resolve(member, None, "Thôn 3").error == "view.unknown_unit"

    other = svc.caller("telegram", 3001)
    # in Tân Hòa's group, Bình An's leader gets nothing: neither Tân Hòa's figures nor his own posted there
    assert views.resolve(other, str(GROUP_ID), "").error == "view.foreign_chat"
    assert views.resolve(other, str(3001), "").unit.name == "Xã Bình An"  # type: ignore[union-attr]
    assert views.resolve(member, str(GROUP_ID), "Thôn Đồng Tâm").unit.name == "Thôn Đồng Tâm"  # type: ignore[union-attr]

    admin = svc.caller("telegram", GLOBAL_ADMIN)
    assert views.resolve(admin, str(GLOBAL_ADMIN), "").error == "view.need_unit"
    assert views.resolve(admin, str(GROUP_ID), "").unit.name == "Xã Tân Hòa"  # type: ignore[union-attr]
    amb = views.resolve(admin, None, "Thôn 3")  # two communes have a "Thôn 3"
    assert amb.error == "view.ambiguous_unit"
    assert "th-3" in str(amb.error_args["options"]) and "ba-1" in str(amb.error_args["options"])
    assert "Xã Bình An" in str(amb.error_args["options"])
    stranger = svc.caller("telegram", 424242)
    assert views.resolve(stranger, str(GROUP_ID), "").error == "view.need_unit"
    assert views.resolve(stranger, None, "Xã Tân Hòa").error == "view.need_unit"


def test_progress_member_contribution_and_render(world: tuple[Views, Demo]) -> None:
    views, demo = world
    member = views.svc.caller("telegram", member_id(0))
    unit = views.resolve(member, None, "").unit
    assert unit is not None
    v = views.progress(member, unit, D)
    assert v.own == {"l2": (12, 17)}
    text = render_progress(v, "vi")
    assert "Thôn Đồng Tâm" in text and "397" in text and "Phần của bạn" in text and "tổng 17" in text
    en = render_progress(v, "en")
    assert "Your part" in en and "Cumulative" in en

    leader = views.svc.caller("telegram", LEADER_ID)
    lv = views.progress(leader, views.resolve(leader, None, "").unit, D)  # type: ignore[arg-type]
    assert lv.own is None
    assert "1/12" in render_progress(lv, "vi")


def test_render_deadline_and_done(any_db: Database) -> None:
    demo = seed_demo(any_db)
    with any_db.session() as s:
        v = repo.unit_by_id(s, demo.village_ids["Xóm Bãi"])
        assert v is not None
        repo.set_target(s, v, "l2", 100, D + timedelta(days=10))  # baseline 120: done
        w = repo.unit_by_id(s, demo.village_ids["Thôn Hạ"])
        assert w is not None
        repo.set_target(s, w, "l2", 250, D + timedelta(days=20))  # baseline 150: 100 to go in 20 days
    r = compute_rollup(any_db, demo.village_ids["Xóm Bãi"], D)
    text = render_progress(ProgressView(r, {"l1": "Mức 1", "l2": "Mức 2"}), "vi")
    assert "đã xong" in text and "24/08" in text and "120,0%" in text
    r = compute_rollup(any_db, demo.village_ids["Thôn Hạ"], D)
    text = render_progress(ProgressView(r, {"l1": "Mức 1", "l2": "Mức 2"}), "vi")
    assert "Cần/ngày" in text and "5,0" in text and "03/09" in text


def test_rank_view(world: tuple[Views, Demo]) -> None:
    views, demo = world
    leader = views.svc.caller("telegram", LEADER_ID)
    unit = views.resolve(leader, None, "").unit
    assert unit is not None
    rv = views.ranking(leader, unit, D)
    dong_tam = next(c for c in rv.rollup.children if c.name == "Thôn Đồng Tâm")
    assert dong_tam.rank == 5 and rv.changes[dong_tam.unit_id] == 1  # 397/530 today, 385/530 yesterday
    parts = render_rank(rv, "vi")
    assert "5. Thôn Đồng Tâm — <b>74,9%</b> (397/530, hôm nay +12) ↑1" in parts[0]
    village = views.resolve(leader, None, "Xóm Bãi").unit
    assert village is not None
    assert render_rank(views.ranking(leader, village, D), "vi") == [
        t("view.rank.no_children", "vi", unit="Xóm Bãi")]


def test_missing_commune_and_province(world: tuple[Views, Demo]) -> None:
    views, demo = world
    leader = views.svc.caller("telegram", LEADER_ID)
    unit = views.resolve(leader, None, "").unit
    assert unit is not None
    mv = views.missing(leader, unit, D)
    assert mv.leaves_total == 12 and len(mv.silent) == 11 and not mv.groups
    # reporters only (issue 12): 12 members, not the village leaders, the commune leader or the admin
    assert mv.members_total == 12 and mv.members_silent == 11
    names = {leaf.name for leaf, _ in mv.silent}
    assert "Thôn Đồng Tâm" not in names and "Thôn 3" in names
    members = dict((leaf.name, [m.name for m in ms]) for leaf, ms in mv.silent)
    assert sorted(members["Thôn 3"]) == sorted(["Trưởng Thôn 3", "Tổ viên Thôn 3"])
    text = "\n".join(render_missing(mv, "vi"))
    assert "11/12" in text and "• Thôn 3 — nhắc:" in text

    admin = views.svc.caller("telegram", GLOBAL_ADMIN)
    prov = views.resolve(admin, None, "t-demo").unit
    assert prov is not None
    pv = views.missing(admin, prov, D)
    assert pv.leaves_total == 14 and len(pv.silent) == 13
    groups = {g.name: (g.silent, g.total) for g in pv.groups}
    assert groups == {"Xã Tân Hòa": (11, 12), "Xã Bình An": (2, 2)}
    text = "\n".join(render_missing(pv, "vi"))
    assert "• Xã Bình An: 2/2 — Thôn 3, Thôn Mới" in text

    village = views.resolve(leader, None, "Thôn Đồng Tâm").unit
    assert village is not None
    done = views.missing(leader, village, D)
    assert render_missing(done, "vi") == [t("view.missing.all", "vi", unit="Thôn Đồng Tâm", day="14/08", total=1,
                                                    when="hôm nay 14/08")]


def test_catalog_has_usage_for_every_view_command() -> None:
    for name in ("tiendo", "xephang", "chuabaocao", "bieudo", "xuat"):
        for lang in ("vi", "en"):
            assert t(f"usage.{name}", lang).startswith("<code>/")
    from bot.texts import views as texts

    assert texts.VI.keys() == texts.EN.keys()


def test_admin_id_constant_is_on_roster(world: tuple[Views, Demo]) -> None:
    views, _demo = world
    admin = views.svc.caller("telegram", ADMIN_ID)
    assert views.resolve(admin, None, "").unit.name == "Xã Tân Hòa"  # type: ignore[union-attr]


def test_views_of_a_day_in_another_year_show_its_year(world: tuple[Views, Demo]) -> None:
    """Issue 12 item 5: the ranking's heading and the progress table's day row carry the year of a day
    outside the current year (today is 14/08/2025); this year's days stay dd/mm."""
    views, _demo = world
    leader = views.svc.caller("telegram", LEADER_ID)
    unit = views.resolve(leader, None, "").unit
    assert unit is not None
    old = date(2024, 12, 30)
    head = render_rank(views.ranking(leader, unit, old), "vi")[0].splitlines()[0]
    assert "30/12/2024" in head, head
    head = render_rank(views.ranking(leader, unit, D - timedelta(days=1)), "vi")[0].splitlines()[0]
    assert "13/08" in head and "13/08/2025" not in head, head
    text = render_progress(views.progress(leader, unit, old), "vi")
    assert "30/12/2024" in text and text.count("30/12") == text.count("30/12/2024"), text
