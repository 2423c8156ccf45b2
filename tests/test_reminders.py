"""Who is reminded (only the silent), mentions, escalation of units silent for days."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

import pytest

from bot import reminders, scheduling
from bot.demo_data import GROUP_ID, VILLAGES, Demo, seed_demo
from bot.scheduling import Scheduler
from storage import repo, schedule_repo
from storage.db import Database
from storage.models import Report
from tests.helpers.schedule import TZ, FakeBot, at, deliveries, make_services, report

D = date(2025, 8, 14)  # Thursday
ALL = [name for _c, name, _t, _b in VILLAGES]

@pytest.fixture(autouse=True)
def no_charts(monkeypatch: pytest.MonkeyPatch) -> None:
    """Charts take ~0.3 s each to draw; these tests are about the texts (one test puts a fake back)."""
    monkeypatch.setattr(scheduling, "chart_function", lambda: None)



@pytest.fixture
def db(sqlite_db: Database) -> Database:
    return sqlite_db


@pytest.fixture
def demo(db: Database) -> Demo:
    return seed_demo(db)


def mentioned_ids(text: str) -> set[int]:
    return {int(x) for x in re.findall(r'href="tg://user\?id=(\d+)"', text)}


def names_in(text: str) -> set[str]:
    return {n for n in ALL if f"<b>{n}</b>" in text}


def plan(db: Database, unit_id: int, day: date = D) -> reminders.ReminderPlan:
    with db.session() as s:
        p = reminders.reminder_plan(s, unit_id, day)
    assert p is not None
    return p


def test_only_units_without_a_report_today_are_silent(db: Database, demo: Demo) -> None:
    report(db, demo.village_ids["Thôn 3"], D, 12)
    report(db, demo.village_ids["TDP 5"], D, 0)  # a reported zero counts
    report(db, demo.village_ids["Xóm Bãi"], D - timedelta(days=1), 9)  # yesterday does not
    p = plan(db, demo.commune_id)
    assert p.total == 12 and not p.leaf
    assert {u.name for u in p.silent} == set(ALL) - {"Thôn 3", "TDP 5"}


def test_retracted_reports_do_not_count(db: Database, demo: Demo) -> None:
    report(db, demo.village_ids["Thôn 3"], D, 12)
    with db.session() as s:
        row = s.query(Report).one()
        row.deleted_at = datetime(2025, 8, 14, 5, tzinfo=TZ)
    assert "Thôn 3" in {u.name for u in plan(db, demo.commune_id).silent}


def test_reminder_names_the_silent_units_and_mentions_their_members(db: Database, demo: Demo) -> None:
    for name in ALL:
        if name not in ("Thôn Hạ", "Xóm Bãi"):
            report(db, demo.village_ids[name], D, 3)
    text = reminders.reminder_text(plan(db, demo.commune_id), D, "vi")
    assert text is not None
    assert names_in(text) == {"Thôn Hạ", "Xóm Bãi"}
    ha, bai = ALL.index("Thôn Hạ"), ALL.index("Xóm Bãi")
    assert mentioned_ids(text) == {2000 + ha, 2100 + ha, 2000 + bai, 2100 + bai}
    assert "(2/12)" in text


def test_nobody_is_reminded_when_everyone_reported(db: Database, demo: Demo) -> None:
    for name in ALL:
        report(db, demo.village_ids[name], D, 1)
    assert reminders.reminder_text(plan(db, demo.commune_id), D, "vi") is None


def test_member_names_are_escaped(db: Database, demo: Demo) -> None:
    with db.session() as s:
        v = repo.unit_by_id(s, demo.village_ids["Thôn Hạ"])
        assert v is not None
        repo.add_member(s, "telegram", "31337", "Tí <b>& Tèo</b>", v)
    text = reminders.reminder_text(plan(db, demo.commune_id), D, "vi")
    assert text is not None
    assert '<a href="tg://user?id=31337">Tí &lt;b&gt;&amp; Tèo&lt;/b&gt;</a>' in text


def test_inactive_members_and_units_are_left_out(db: Database, demo: Demo) -> None:
    with db.session() as s:
        m = repo.member_by_external(s, "telegram", "2010")
        assert m is not None
        m.active = False
        u = repo.unit_by_id(s, demo.village_ids["Tổ 7"])
        assert u is not None
        u.active = False
    p = plan(db, demo.commune_id)
    assert "Tổ 7" not in {u.name for u in p.silent} and p.total == 11
    text = reminders.reminder_text(p, D, "vi") or ""
    assert 2010 not in mentioned_ids(text)


def test_a_village_chat_reminds_its_own_members(db: Database, demo: Demo) -> None:
    vid = demo.village_ids["Thôn 3"]
    p = plan(db, vid)
    assert p.leaf and [u.name for u in p.silent] == ["Thôn 3"]
    text = reminders.reminder_text(p, D, "vi") or ""
    i = ALL.index("Thôn 3")
    assert mentioned_ids(text) == {2000 + i, 2100 + i}
    report(db, vid, D, 4)
    assert reminders.reminder_text(plan(db, vid), D, "vi") is None


def test_a_huge_reminder_fits_one_message(db: Database) -> None:
    with db.session() as s:
        root = repo.create_unit(s, "big", "Tỉnh Rất Lớn", "province", None)
        for i in range(400):
            v = repo.create_unit(s, f"v{i}", f"Xã có tên khá dài số {i:03d}", "commune", root)
            for k in range(3):
                repo.add_member(s, "telegram", str(50_000 + i * 10 + k), f"Cán bộ số {k} của xã {i}", v)
        root_id = root.id
    text = reminders.reminder_text(plan(db, root_id), D, "vi")
    assert text is not None and len(text) <= 4096
    assert re.search(r"… và \d+ đơn vị khác", text)
    assert text.rstrip().endswith("<code>/baocao 0</code>.")  # the how-to line survives the cut


async def test_tick_sends_the_reminder_only_to_the_silent_and_nothing_when_all_reported(db: Database, demo: Demo) -> None:
    for name in ALL:
        report(db, demo.village_ids[name], D - timedelta(days=1), 1)  # no escalation today
        if name != "Thôn Hạ":
            report(db, demo.village_ids[name], D, 2)
    bot = FakeBot()
    await Scheduler(make_services(db, at(2025, 8, 14, 16, 31)), bot).tick()  # type: ignore[arg-type]
    (msg,) = bot.to(GROUP_ID)
    assert names_in(msg.text) == {"Thôn Hạ"}
    # next day everyone reports before 16:30: the reminder is skipped, nothing is sent
    for name in ALL:
        report(db, demo.village_ids[name], D + timedelta(days=1), 2)
    bot2 = FakeBot()
    rep = await Scheduler(make_services(db, at(2025, 8, 15, 16, 31)), bot2).tick()  # type: ignore[arg-type]
    assert bot2.sent == [] and rep.skipped == 2  # the reminder and the (empty) escalation
    rows = [r for r in deliveries(db) if r.day == D + timedelta(days=1)]
    assert {(r.kind, r.status) for r in rows} == {("reminder", "skipped"), ("escalation", "skipped")}


# ---- escalation --------------------------------------------------------------------------------


def streaks(db: Database, demo: Demo, today: date = D, after: int = 2, skip: frozenset[int] = frozenset(),
            holidays: frozenset[date] = frozenset()) -> dict[str, reminders.SilentStreak]:
    with db.session() as s:
        out = reminders.silent_streaks(s, demo.commune_id, today, after, skip, holidays, TZ)
    return {st.name: st for st in out}


def test_a_unit_silent_for_n_working_days_is_escalated(db: Database, demo: Demo) -> None:
    v = demo.village_ids
    for name in ALL:
        report(db, v[name], D - timedelta(days=1), 1)  # everyone reported yesterday (Wed)...
    for name in ("Thôn Hạ", "Xóm Bãi"):
        with db.session() as s:  # ...except these two, whose last report was Monday
            s.query(Report).filter(Report.unit_id == v[name]).delete()
        report(db, v[name], D - timedelta(days=3), 1)
    report(db, v["Xóm Bãi"], D, 4)  # Xóm Bãi reported today: not silent any more
    found = streaks(db, demo)
    assert set(found) == {"Thôn Hạ"}
    st = found["Thôn Hạ"]
    assert st.days == 2 and st.last == D - timedelta(days=3) and not st.capped
    assert [p.external_id for p in st.leaders] == [str(2100 + ALL.index("Thôn Hạ"))]
    assert streaks(db, demo, after=3) == {}


def test_holidays_and_skip_days_do_not_count_as_silent_days(db: Database, demo: Demo) -> None:
    v = demo.village_ids
    for name in ALL:
        report(db, v[name], D - timedelta(days=1), 1)
    with db.session() as s:
        s.query(Report).filter(Report.unit_id == v["Thôn Hạ"]).delete()
    report(db, v["Thôn Hạ"], D - timedelta(days=3), 1)  # Monday; Tue and Wed silent
    assert "Thôn Hạ" in streaks(db, demo)
    assert "Thôn Hạ" not in streaks(db, demo, holidays=frozenset({D - timedelta(days=2)}))
    assert "Thôn Hạ" not in streaks(db, demo, skip=frozenset({1}))  # Tuesdays off


def test_never_reported_units_show_at_least_the_look_back(db: Database, demo: Demo) -> None:
    found = streaks(db, demo)
    assert len(found) == 12  # the demo's units were created "after" the test clock: no creation bound
    st = found["Thôn 3"]
    assert st.last is None and st.capped
    text = reminders.escalation_text("Xã Tân Hòa", list(found.values()), "vi") or ""
    assert "— ≥ 60 ngày làm việc liền" in text and "lần cuối" not in text


def test_a_unit_created_days_ago_that_never_reported_says_so(db: Database, demo: Demo) -> None:
    with db.session() as s:
        for uid in demo.village_ids.values():
            u = repo.unit_by_id(s, uid)
            assert u is not None
            u.created_at = datetime(2025, 8, 8, 9, tzinfo=TZ)  # a Friday
    found = streaks(db, demo)
    st = found["Thôn 3"]
    assert (st.days, st.last, st.capped) == (5, None, False)  # Sat 9, Sun 10, Mon 11 ... Wed 13
    text = reminders.escalation_text("Xã Tân Hòa", [st], "vi") or ""
    assert "Thôn 3</b> — 5 ngày làm việc liền (chưa báo cáo lần nào)" in text


async def test_escalation_goes_to_the_parent_chat_once_per_day(db: Database, demo: Demo) -> None:
    v = demo.village_ids
    with db.session() as s:  # Thôn Hạ has its own group too: it gets the reminder, not the escalation
        c = repo.get_or_create_chat(s, "telegram", "-4242", "Nhóm Thôn Hạ")
        repo.bind_chat(s, c, repo.unit_by_id(s, v["Thôn Hạ"]))
    for name in ALL:
        if name != "Thôn Hạ":
            for back in (1, 2, 3):
                report(db, v[name], D - timedelta(days=back), 1)
            report(db, v[name], D, 1)
    bot = FakeBot()
    sched = Scheduler(make_services(db, at(2025, 8, 14, 16, 31)), bot)  # type: ignore[arg-type]
    await sched.tick()
    await sched.tick(at(2025, 8, 14, 17, 0))
    esc = [m for m in bot.sent if "nhiều ngày" in m.text]
    assert len(esc) == 1 and esc[0].chat_id == GROUP_ID and names_in(esc[0].text) == {"Thôn Hạ"}
    assert sorted(m.chat_id for m in bot.sent if "Nhắc báo cáo" in m.text) == sorted([GROUP_ID, -4242])
    # the next day it is named again (once)
    await sched.tick(at(2025, 8, 15, 16, 31))
    await sched.tick(at(2025, 8, 15, 16, 45))
    assert len([m for m in bot.sent if "nhiều ngày" in m.text]) == 2


def test_units_created_recently_are_not_escalated(db: Database) -> None:
    # a unit created yesterday (by the test clock) cannot have been silent for two days
    demo = seed_demo(db)
    with db.session() as s:
        for uid in demo.village_ids.values():
            u = repo.unit_by_id(s, uid)
            assert u is not None
            u.created_at = datetime(2025, 8, 13, 9, tzinfo=TZ)
    assert streaks(db, demo) == {}
    assert len(streaks(db, demo, today=D + timedelta(days=3))) == 12  # Fri, Sat, Sun...


def test_weekday_parsing_of_stored_values() -> None:
    assert reminders.parse_weekdays("5,6") == {5, 6}
    assert reminders.parse_weekdays("6") == {6}
    assert reminders.parse_weekdays("") == frozenset()
    assert reminders.format_weekdays({6, 5}) == "5,6"
    assert schedule_repo.common_prefix(["/1/2/3/", "/1/2/45/"]) == "/1/2/"
    assert schedule_repo.common_prefix(["/1/2/3/"]) == "/1/2/3/"
    assert schedule_repo.common_prefix(["/1/", "/2/"]) == "/"
