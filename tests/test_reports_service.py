"""ReportService on SQLite and PostgreSQL: exactly once, replace/add, edits, undo, races."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select

from bot.config import Settings
from bot.core.access import Caller
from bot.core.reports import Outcome, ReportService
from bot.core.services import Services
from bot.demo_data import LEADER_ID, Demo, member_id, seed_demo
from storage import repo
from storage.db import Database
from storage.models import Report

DAY = date(2025, 8, 14)
NOW = datetime(2025, 8, 14, 3, 0, tzinfo=UTC)  # 10:00 in Vietnam


@pytest.fixture
def setup(any_db: Database) -> tuple[Services, ReportService, Demo]:
    demo = seed_demo(any_db)
    svc = Services(Settings(_env_file=None), any_db, clock=lambda: NOW)  # type: ignore[call-arg]
    return svc, ReportService(svc), demo


def total(svc: Services, demo: Demo, name: str, metric: str = "l2") -> int:
    with svc.db.session() as s:
        unit = repo.unit_by_id(s, demo.village_ids[name])
        assert unit is not None
        return repo.reported_total(s, unit, metric, since=DAY, until=DAY)


def rows(svc: Services) -> int:
    with svc.db.session() as s:
        return int(s.scalar(select(func.count()).select_from(Report)) or 0)


def test_same_message_twice_is_stored_once(setup: tuple[Services, ReportService, Demo]) -> None:
    svc, rs, demo = setup
    who = svc.caller("telegram", member_id(3))
    assert rs.submit(who, "-1", 10, "Thôn 3 hôm nay 12").status == "stored"
    assert rs.submit(who, "-1", 10, "Thôn 3 hôm nay 12").status == "duplicate"
    assert total(svc, demo, "Thôn 3") == 12 and rows(svc) == 1


def test_concurrent_duplicate_deliveries_store_once(setup: tuple[Services, ReportService, Demo]) -> None:
    svc, rs, demo = setup
    who = svc.caller("telegram", member_id(3))
    with ThreadPoolExecutor(8) as pool:
        outcomes = list(pool.map(lambda _: rs.submit(who, "-1", 77, "Thôn 3 hôm nay 9").status, range(8)))
    assert outcomes.count("stored") == 1 and set(outcomes) <= {"stored", "duplicate"}
    assert total(svc, demo, "Thôn 3") == 9 and rows(svc) == 1


def test_concurrent_distinct_messages_of_one_reporter_keep_one_current_row(
    setup: tuple[Services, ReportService, Demo],
) -> None:
    svc, rs, demo = setup
    who = svc.caller("telegram", member_id(3))
    with ThreadPoolExecutor(6) as pool:
        list(pool.map(lambda i: rs.submit(who, "-1", 100 + i, f"Thôn 3 hôm nay {i + 1}").status, range(6)))
    with svc.db.session() as s:
        current = s.scalar(select(func.count()).select_from(Report).where(
            Report.superseded_at.is_(None), Report.deleted_at.is_(None)))
    assert current == 1
    assert 1 <= total(svc, demo, "Thôn 3") <= 6


def test_replace_add_edit_undo(setup: tuple[Services, ReportService, Demo]) -> None:
    svc, rs, demo = setup
    who = svc.caller("telegram", member_id(3))
    rs.submit(who, "-1", 1, "Thôn 3 hôm nay 12")
    out = rs.submit(who, "-1", 2, "Thôn 3 hôm nay 15")
    assert (out.lines[0].old, out.lines[0].new) == (12, 15)
    out = rs.submit(who, "-1", 3, "/baocao +5")
    assert out.lines[0].new == 20 and total(svc, demo, "Thôn 3") == 20
    # editing the +5 message to +7 adds to what it replaced (15), not to itself
    out = rs.edit(who, "-1", 3, "/baocao +7", edit_date=1000)
    assert (out.lines[0].old, out.lines[0].new) == (20, 22)
    assert rs.edit(who, "-1", 3, "/baocao +7", edit_date=1000).status == "duplicate"
    out = rs.undo(who)
    assert out.status == "removed" and total(svc, demo, "Thôn 3") == 15
    rs.undo(who)
    assert total(svc, demo, "Thôn 3") == 12
    rs.undo(who)
    assert total(svc, demo, "Thôn 3") == 0
    assert rs.undo(who).status == "refused"


def test_edit_to_other_unit_moves_the_entry(setup: tuple[Services, ReportService, Demo]) -> None:
    svc, rs, demo = setup
    leader = svc.caller("telegram", LEADER_ID)
    rs.submit(leader, "-1", 5, "Thôn 3: 4\nThôn 5: 6")
    rs.edit(leader, "-1", 5, "Thôn 3: 4\nThôn Hạ: 6", edit_date=99)
    assert (total(svc, demo, "Thôn 3"), total(svc, demo, "Thôn 5"), total(svc, demo, "Thôn Hạ")) == (4, 0, 6)
    out = rs.edit(leader, "-1", 5, "cảm ơn mọi người", edit_date=100)
    assert out.status == "removed" and total(svc, demo, "Thôn 3") == 0


def test_multiline_all_or_nothing_when_one_line_is_out_of_scope(setup: tuple[Services, ReportService, Demo]) -> None:
    svc, rs, demo = setup
    member = svc.caller("telegram", member_id(3))
    out = rs.submit(member, "-1", 6, "Thôn 3: 4\nThôn 5: 6")
    assert out.status == "refused" and rows(svc) == 0


def test_two_reporters_asked_then_add_up(setup: tuple[Services, ReportService, Demo]) -> None:
    svc, rs, demo = setup
    rs.submit(svc.caller("telegram", member_id(3)), "-1", 1, "hôm nay được 5 tk")
    second = svc.caller("telegram", member_id(3, True))
    out = rs.submit(second, "-1", 2, "hôm nay được 7 tk")
    assert out.status == "ask_share" and total(svc, demo, "Thôn 3") == 5  # nothing stored until answered
    assert out.pending_token is not None
    out = rs.confirm(second, out.pending_token, accept=True, share="add")
    assert out.status == "stored" and total(svc, demo, "Thôn 3") == 12
    assert [(r.day_total, len(r.contributors)) for r in out.lines] == [(12, 2)]


def test_zero_is_a_report_and_chua_bc_is_not(setup: tuple[Services, ReportService, Demo]) -> None:
    svc, rs, demo = setup
    leader = svc.caller("telegram", LEADER_ID)
    out = rs.submit(leader, "-1", 1, "Thôn 3: 0\nThôn 5: chưa bc")
    assert out.status == "stored" and out.no_report_units == ["Thôn 5"]
    assert rows(svc) == 1


def _answer_total(rs: ReportService, who: Caller, out: Outcome) -> Outcome:
    assert out.status == "ask_share" and out.pending_token is not None, out
    return rs.confirm(who, out.pending_token, accept=True, share="total")


def test_unit_total_supersedes_the_others_and_undo_restores_them(setup: tuple[Services, ReportService, Demo]) -> None:
    svc, rs, demo = setup
    member, head = svc.caller("telegram", member_id(3)), svc.caller("telegram", member_id(3, True))
    rs.submit(member, "-1", 1, "Thôn 3 hôm nay 12")
    out = _answer_total(rs, head, rs.submit(head, "-1", 2, "Thôn 3 hôm nay 20"))
    assert out.status == "stored"
    assert total(svc, demo, "Thôn 3") == 20
    assert [(r.contributors, r.replaced) for r in out.lines] == [([(head.name, 20)], [(member.name, 12)])]
    assert rs.undo(head).status == "removed"
    assert total(svc, demo, "Thôn 3") == 12 and rows(svc) == 2  # history kept


def test_unit_total_is_checked_against_the_target_without_the_figures_it_replaces(
        setup: tuple[Services, ReportService, Demo]) -> None:
    svc, rs, demo = setup  # Thôn 3: baseline 405, target 530 -> 125 left
    member, head = svc.caller("telegram", member_id(3)), svc.caller("telegram", member_id(3, True))
    assert rs.submit(member, "-1", 1, "Thôn 3 hôm nay 100").status == "stored"
    out = _answer_total(rs, head, rs.submit(head, "-1", 2, "Thôn 3 hôm nay 110"))
    assert out.status == "stored", out  # 110 <= 125, not 110 > 530 - 505
    assert total(svc, demo, "Thôn 3") == 110


def test_original_delivered_after_its_edit_changes_nothing(setup: tuple[Services, ReportService, Demo]) -> None:
    svc, rs, demo = setup
    member = svc.caller("telegram", member_id(3))
    assert rs.edit(member, "-1", 7, "Thôn 3 hôm nay 18", edit_date=1_700_000_100).status == "stored"
    assert rs.submit(member, "-1", 7, "Thôn 3 hôm nay 12").status == "stale"
    assert rs.edit(member, "-1", 7, "Thôn 3 hôm nay 15", edit_date=1_700_000_050).status == "stale"
    assert total(svc, demo, "Thôn 3") == 18


def test_leader_fix_is_a_revision_newer_edits_win_older_ones_do_not(setup: tuple[Services, ReportService, Demo]) -> None:
    svc, rs, demo = setup
    member, leader = svc.caller("telegram", member_id(3)), svc.caller("telegram", LEADER_ID)
    rs.submit(member, "-1", 5, "Thôn 3 hôm nay 12")
    out = rs.fix(leader, "-1", 5, "15 đếm thiếu")
    assert out.status == "fixed" and out.note == "đếm thiếu" and total(svc, demo, "Thôn 3") == 15
    with svc.db.session() as s:
        cur = s.scalar(select(Report).where(Report.superseded_at.is_(None), Report.deleted_at.is_(None)))
        assert cur is not None and cur.value == 15 and cur.note == "đếm thiếu"
        assert cur.reporter_id != cur.changed_by_id and cur.changed_by_id is not None
    now = int(NOW.timestamp())
    assert rs.edit(member, "-1", 5, "Thôn 3 hôm nay 13", edit_date=now - 30).status == "stale"  # made before the fix
    assert total(svc, demo, "Thôn 3") == 15
    assert rs.edit(member, "-1", 5, "Thôn 3 hôm nay 13", edit_date=now + 60).status == "stored"  # after: it wins
    assert total(svc, demo, "Thôn 3") == 13
    assert rs.fix(leader, "-1", 5, "mười lăm").error_key == "rep.fix_usage"
    assert rs.fix(leader, "-1", 5, "9999").error_key == "rep.fix_too_big"
    assert rs.fix(leader, "-1", 99, "15").error_key == "rep.fix_nothing"


def test_read_ahead_answers_as_the_reads_it_replaces_and_only_until_the_transaction_writes(
        setup: tuple[Services, ReportService, Demo]) -> None:
    """storage.report_repo.read_ahead: one statement for a new report's first reads. Its answers equal
    the three reads' own (another reporter's figure, a figure a baseline holds, this message's revisions);
    each is given once, and none after the transaction wrote."""
    from storage import report_repo

    svc, rs, demo = setup
    a, b = svc.caller("telegram", member_id(3)), svc.caller("telegram", member_id(4))
    unit = demo.village_ids["Thôn 3"]
    assert rs.submit(a, "-1", 10, "Thôn 3 hôm nay 12").status == "stored"
    assert a.member_id is not None and b.member_id is not None
    with svc.db.session() as s:  # on the baseline day (the baseline holds it), and the day before today
        for mid, day, value in ((11, date(2025, 8, 1), 5), (12, date(2025, 8, 13), 4)):
            report_repo.insert_report(s, unit_id=unit, metric="l2", day=day, value=value, reporter_id=a.member_id,
                                      channel="telegram", chat_id="-1", message_id=mid, source_rev=0, revision=1,
                                      raw_text=str(value), created_at=NOW)
    with svc.db.session() as s:
        direct = (report_repo.revisions_of_message(s, "telegram", "-1", 10),
                  report_repo.day_rows(s, unit, "l2", DAY), report_repo.unit_reported_total(s, unit, "l2", DAY))
    assert direct[0] == ([0], []) and [r[2] for r in direct[1]] == [12] and direct[2] == 16
    with svc.db.session() as s:
        report_repo.read_ahead(s, "telegram", "-1", 10, unit, "l2", DAY)
        ahead = (report_repo.revisions_of_message(s, "telegram", "-1", 10),
                 report_repo.day_rows(s, unit, "l2", DAY), report_repo.unit_reported_total(s, unit, "l2", DAY))
        assert ahead == direct
        assert s.info.get("report_repo.read_ahead") == {}  # each answer given once
    with svc.db.session() as s:
        report_repo.read_ahead(s, "telegram", "-1", 20, unit, "l2", DAY)
        report_repo.insert_report(s, unit_id=unit, metric="l2", day=DAY, value=3, reporter_id=b.member_id,
                                  channel="telegram", chat_id="-1", message_id=20, source_rev=0, revision=1,
                                  raw_text="3", created_at=NOW)
        assert report_repo.revisions_of_message(s, "telegram", "-1", 20) == ([0], [])
        assert [r[2] for r in report_repo.day_rows(s, unit, "l2", DAY)] == [12, 3]
        assert report_repo.unit_reported_total(s, unit, "l2", DAY) == 19
    with svc.db.session() as s:  # an ORM write (flushed) ends the read-ahead too
        report_repo.read_ahead(s, "telegram", "-1", 30, unit, "l2", DAY)
        cur = s.get(Report, report_repo.day_rows(s, unit, "l2", DAY)[1][3])
        assert cur is not None
        report_repo.read_ahead(s, "telegram", "-1", 30, unit, "l2", DAY)
        cur.superseded_at = NOW
        s.flush()
        assert [r[2] for r in report_repo.day_rows(s, unit, "l2", DAY)] == [12]
        assert report_repo.unit_reported_total(s, unit, "l2", DAY) == 16
        s.rollback()


def test_the_cumulative_of_a_metric_without_a_target_counts_every_day_and_each_replacement_once(
        setup: tuple[Services, ReportService, Demo]) -> None:
    """Without a target the confirmation's cumulative is still the unit's running total (computed once
    before storing, then moved by the change)."""
    from storage.models import Target

    svc, rs, demo = setup
    with svc.db.session() as s:  # no level-1 targets
        for row in s.scalars(select(Target).where(Target.metric == "l1")):
            s.delete(row)
    a = svc.caller("telegram", member_id(3))
    first = rs.submit(a, "-1", 10, "Thôn 3 hôm qua 7 mức 1")
    assert first.status == "stored" and first.lines[0].target is None and first.lines[0].cumulative == 7
    out = rs.submit(a, "-1", 11, "Thôn 3 hôm nay 5 mức 1")
    assert out.status == "stored" and out.lines[0].cumulative == 12
    out = rs.submit(a, "-1", 12, "Thôn 3 hôm nay 9 mức 1")  # the same day again: replaces the 5
    assert out.status == "stored" and out.lines[0].old == 5 and out.lines[0].cumulative == 16
    with svc.db.session() as s:
        unit = repo.unit_by_id(s, demo.village_ids["Thôn 3"])
        assert unit is not None and repo.reported_total(s, unit, "l1", until=DAY) == 16
