"""/lich and /tonghop services: parsing, permissions, changes applied and audited, holidays."""

from __future__ import annotations

from datetime import date, time
from typing import cast

import pytest
from sqlalchemy import Table

from bot.core.services import Services
from bot.delivery import scheduling
from bot.delivery.scheduling import ScheduleService, parse_date, parse_time, parse_weekdays
from bot.demo_data import ADMIN_ID, GROUP_ID, LEADER_ID, Demo, member_id, seed_demo
from storage import repo, schedule_repo
from storage.db import Database
from storage.models import AuditLog, Chat
from tests.helpers.schedule import ADMIN, at, make_services, report

G = str(GROUP_ID)

@pytest.fixture(autouse=True)
def no_charts(monkeypatch: pytest.MonkeyPatch) -> None:
    """Charts take ~0.3 s each to draw; these tests are about the texts (one test puts a fake back)."""
    monkeypatch.setattr(scheduling.scheduler, "chart_function", lambda: None)



@pytest.fixture
def db(sqlite_db: Database) -> Database:
    return sqlite_db


@pytest.fixture
def demo(db: Database) -> Demo:
    return seed_demo(db)


@pytest.fixture
def svc(db: Database, demo: Demo) -> Services:
    return make_services(db, at(2025, 8, 14, 10, 0))


def lich(svc: Services, user: int, args: str, chat: str = G) -> str:
    return ScheduleService(svc).lich(svc.caller("telegram", user), chat, args)


def group(db: Database) -> Chat:
    with db.session() as s:
        c = repo.chat_by_external(s, "telegram", G)
        assert c is not None
        s.expunge(c)
        return c


def audits(db: Database) -> list[AuditLog]:
    with db.session() as s:
        rows = list(s.query(AuditLog).order_by(AuditLog.id))
        s.expunge_all()
        return rows


def test_parse_time() -> None:
    assert parse_time("16:30") == time(16, 30)
    assert parse_time("16h30") == time(16, 30)
    assert parse_time("7h") == time(7, 0)
    assert parse_time("8 giờ 15") == time(8, 15)
    assert parse_time("20") == time(20, 0)
    for bad in ("25:00", "16:75", "abc", "", "16:30:00"):
        assert parse_time(bad) is None, bad


def test_parse_weekdays() -> None:
    assert parse_weekdays("CN") == {6}
    assert parse_weekdays("T7,CN") == {5, 6}
    assert parse_weekdays("thứ 7 và chủ nhật") == {5, 6}
    assert parse_weekdays("Thứ Hai") == {0}
    assert parse_weekdays("sat sun") == {5, 6}
    assert parse_weekdays("T8") is None
    assert parse_weekdays("") is None


def test_parse_date() -> None:
    today = date(2025, 8, 14)
    assert parse_date("01/01/2026", today) == date(2026, 1, 1)
    assert parse_date("2/9", today) == date(2025, 9, 2)
    assert parse_date("1/1", today) == date(2026, 1, 1)  # the next one
    assert parse_date("30-04-26", today) == date(2026, 4, 30)
    assert parse_date("31/02/2026", today) is None
    assert parse_date("hôm nay", today) is None


def test_show_the_schedule_with_defaults(svc: Services) -> None:
    text = lich(svc, LEADER_ID, "")
    assert "Xã Tân Hòa" in text
    assert "Nhắc báo cáo: 16:30 (mặc định)" in text
    assert "Tổng hợp hằng ngày: 20:00 (mặc định)" in text
    assert "Tổng kết tuần: Chủ nhật lúc 20:00" in text
    assert "Không nhắc vào: không" in text
    assert "02/09/2025 Quốc khánh" in text or "01/09/2025 Quốc khánh" in text


def test_leader_changes_times_and_days_and_they_are_audited(svc: Services, db: Database) -> None:
    assert "giờ nhắc báo cáo 17:15" in lich(svc, LEADER_ID, "nhac 17h15")
    assert "giờ tổng hợp 21:00" in lich(svc, LEADER_ID, "tổng hợp 21:00")
    assert "Thứ 6" in lich(svc, LEADER_ID, "tuan T6")
    assert "Thứ 7, Chủ nhật" in lich(svc, LEADER_ID, "bo T7,CN")
    c = group(db)
    assert (c.reminder_time, c.summary_time, c.weekly_day, c.skip_weekdays) == (time(17, 15), time(21, 0), 4, "5,6")
    assert "tắt nhắc báo cáo" in lich(svc, LEADER_ID, "nhac tat")
    assert "tắt tổng hợp" in lich(svc, LEADER_ID, "tonghop tắt")
    c = group(db)
    assert not c.reminders_enabled and not c.summaries_enabled
    assert "bật nhắc và tổng hợp" in lich(svc, LEADER_ID, "bat")
    assert "không nhắc vào không" in lich(svc, LEADER_ID, "bo khong")
    c = group(db)
    assert c.reminders_enabled and c.summaries_enabled and c.skip_weekdays == ""
    rows = [a for a in audits(db) if a.action == "schedule.change"]
    assert len(rows) == 8
    assert rows[0].before == {"reminder_time": None} and rows[0].after == {"reminder_time": "17:15"}
    assert rows[0].actor_external_id == str(LEADER_ID) and rows[0].outcome == "ok"
    shown = lich(svc, LEADER_ID, "")
    assert "Nhắc báo cáo: 17:15\n" in shown and "Tổng kết tuần: Thứ 6 lúc 21:00" in shown


def test_wrong_input_changes_nothing(svc: Services, db: Database) -> None:
    before = group(db)
    assert "không hợp lệ" in lich(svc, LEADER_ID, "nhac 25:99")
    assert "không phải ngày trong tuần" in lich(svc, LEADER_ID, "tuan thứ tám")
    assert "không phải ngày trong tuần" in lich(svc, LEADER_ID, "tuan T2,T3")
    assert "Cách dùng" in lich(svc, LEADER_ID, "linh tinh")
    assert "Cách dùng" in lich(svc, LEADER_ID, "nhac")
    assert f"/lich nghi 01/01/{date.today().year + 1}" in lich(svc, LEADER_ID, "?")  # computed from today
    after = group(db)
    assert (before.reminder_time, before.weekly_day) == (after.reminder_time, after.weekly_day)
    assert [a for a in audits(db) if a.action == "schedule.change"] == []


def test_only_leaders_of_the_bound_unit_or_admins(svc: Services, db: Database) -> None:
    village_leader = member_id(0, True)  # leader of a village, not of the commune
    assert "Chỉ trưởng/lãnh đạo của Xã Tân Hòa" in lich(svc, village_leader, "nhac 08:00")
    assert group(db).reminder_time is None
    refused = [a for a in audits(db) if a.outcome == "refused"]
    assert refused and refused[-1].action == "lich"
    assert "Đã lưu" in lich(svc, ADMIN_ID, "nhac 08:00")  # the commune's admin
    assert "Đã lưu" in lich(svc, ADMIN, "nhac 09:00")  # a global admin (ADMIN_IDS)


def test_an_unbound_chat_has_no_schedule(svc: Services) -> None:
    with svc.db.session() as s:
        repo.get_or_create_chat(s, "telegram", "-999", "lạ")
    assert "chưa liên kết" in lich(svc, LEADER_ID, "nhac 08:00", chat="-999")
    assert "chưa liên kết" in lich(svc, LEADER_ID, "", chat=str(LEADER_ID))


def test_national_holidays_listed_added_renamed_removed_by_global_admins(svc: Services, db: Database) -> None:
    listing = lich(svc, LEADER_ID, "nghi")
    assert "01/09/2025 (Thứ 2): Quốc khánh — toàn quốc" in listing and "Tết" in listing
    assert "chỉ quản trị" in lich(svc, LEADER_ID, "nghi 20/11/2025 Ngày Nhà giáo")
    assert "Đã thêm ngày nghỉ toàn quốc 20/11/2025: Ngày Nhà giáo" in lich(svc, ADMIN, "nghỉ 20/11/2025 Ngày Nhà giáo")
    assert "đổi tên" in lich(svc, ADMIN, "nghi 20/11/2025 Ngày Nhà giáo Việt Nam")
    with db.session() as s:
        h = schedule_repo.holiday_on(s, date(2025, 11, 20))
        assert h is not None and h.name == "Ngày Nhà giáo Việt Nam" and h.unit_id is None
    assert "Đã bỏ ngày nghỉ 20/11/2025" in lich(svc, ADMIN, "bỏ nghỉ 20/11/2025")
    assert "không có trong danh sách" in lich(svc, ADMIN, "bonghi 20/11/2025")
    assert "không hợp lệ" in lich(svc, ADMIN, "nghi 32/13/2025 X")
    ok = [a for a in audits(db) if a.outcome == "ok"]
    assert [a.action for a in ok] == ["holiday.add", "holiday.add", "holiday.remove"]
    assert all(a.unit_id is None for a in ok)
    # holiday commands work in a private chat too
    assert "Đã thêm" in lich(svc, ADMIN, "nghi 21/11/2025 Thử", chat=str(ADMIN))


def national(db: Database, day: date) -> str | None:
    with db.session() as s:
        h = schedule_repo.holiday_on(s, day)
        return None if h is None else h.name


def test_a_commune_admin_cannot_add_rename_or_remove_a_national_holiday(svc: Services, db: Database,
                                                                       demo: Demo) -> None:
    """Issue 15 item 4: a commune admin silenced every commune by editing the national holidays."""
    answer = lich(svc, ADMIN_ID, "nghi 02/09/2025 Nghỉ của xã")
    assert "ngày nghỉ toàn quốc «Quốc khánh»" in answer and "Bot không thay đổi gì" in answer, answer
    answer = lich(svc, ADMIN_ID, "bonghi 02/09/2025")
    assert "chỉ quản trị toàn hệ thống" in answer and "Bot không thay đổi gì" in answer, answer
    assert national(db, date(2025, 9, 2)) == "Quốc khánh"
    with db.session() as s:  # nothing added for the commune either
        assert schedule_repo.holiday_on(s, date(2025, 9, 2), demo.commune_id) is None
    # a new day is the commune's own day off, never a national one
    assert "riêng của Xã Tân Hòa" in lich(svc, ADMIN_ID, "nghi 20/11/2025 Ngày Nhà giáo")
    assert national(db, date(2025, 11, 20)) is None
    refused = [a for a in audits(db) if a.outcome == "refused"]
    assert [(a.action, a.unit_id, (a.after or {}).get("reason")) for a in refused] == [
        ("lich.nghi", demo.commune_id, "national holiday"), ("lich.bonghi", demo.commune_id, "national holiday")]


def test_a_commune_admin_adds_lists_renames_and_removes_its_own_day_off(svc: Services, db: Database,
                                                                       demo: Demo) -> None:
    assert "Đã thêm ngày nghỉ riêng của Xã Tân Hòa 20/11/2025: Ngày hội" in lich(svc, ADMIN_ID, "nghi 20/11/2025 Ngày hội")
    assert "đổi tên «Ngày hội» → «Ngày hội xã»" in lich(svc, ADMIN_ID, "nghi 20/11/2025 Ngày hội xã")
    with db.session() as s:
        h = schedule_repo.holiday_on(s, date(2025, 11, 20), demo.commune_id)
        assert h is not None and h.name == "Ngày hội xã"
    listing = lich(svc, ADMIN_ID, "nghi")
    assert "01/09/2025 (Thứ 2): Quốc khánh — toàn quốc" in listing
    assert "20/11/2025 (Thứ 5): Ngày hội xã — riêng Xã Tân Hòa" in listing
    assert "Ngày hội xã — riêng Xã Tân Hòa" in lich(svc, LEADER_ID, "nghi")  # the commune's leader sees it too
    assert "Ngày hội xã" not in lich(svc, ADMIN, "nghi")  # the national list (global admin) does not
    # a global admin's bonghi is about national holidays: the commune's day off stays
    assert "không có trong danh sách" in lich(svc, ADMIN, "bonghi 20/11/2025")
    assert "Đã bỏ ngày nghỉ riêng của Xã Tân Hòa 20/11/2025" in lich(svc, ADMIN_ID, "bonghi 20/11/2025")
    assert "không phải ngày nghỉ riêng của Xã Tân Hòa" in lich(svc, ADMIN_ID, "bonghi 20/11/2025")
    ok = [a for a in audits(db) if a.outcome == "ok"]
    assert [(a.action, a.unit_id) for a in ok] == [("holiday.add", demo.commune_id)] * 2 + [
        ("holiday.remove", demo.commune_id)]
    # the group's /lich shows what applies to its unit, marked
    lich(svc, ADMIN_ID, "nghi 15/08/2025 Họp xã")
    shown = lich(svc, LEADER_ID, "")
    assert "Ngày nghỉ sắp tới: 15/08/2025 Họp xã (riêng Xã Tân Hòa); 01/09/2025 Quốc khánh (toàn quốc)" in shown, shown


def test_holiday_audit_entries_read_as_sentences_with_their_scope() -> None:
    from bot.core.audit_text import sentence

    def say(action: str, before: dict | None, after: dict | None, unit: str = "", refused: bool = False) -> str:
        return sentence(action, before, after, "vi", unit=unit, refused=refused, today=date(2025, 8, 14), names={})

    assert say("holiday.add", None, {"day": "2025-11-20", "name": "Ngày hội", "scope": "unit"}, "Xã Tân Hòa") == \
        "thêm ngày nghỉ riêng của Xã Tân Hòa 20/11 «Ngày hội»"
    assert say("holiday.remove", {"day": "2025-11-20", "name": "Tết", "scope": "national"}, None) == \
        "bỏ ngày nghỉ toàn quốc 20/11 «Tết»"
    assert say("holiday.add", None, {"day": "2025-11-20", "name": "Tết"}) == "thêm ngày nghỉ toàn quốc 20/11 «Tết»"
    refused = say("lich.nghi", None, {"reason": "national holiday"}, "Xã Tân Hòa", refused=True)
    assert refused == ("định thêm ngày nghỉ (Xã Tân Hòa) nhưng bị từ chối: ngày nghỉ toàn quốc chỉ quản trị "
                       "toàn hệ thống mới đổi được")
    en = sentence("holiday.add", None, {"day": "2025-11-20", "name": "Fair", "scope": "unit"}, "en", unit="Tân Hòa",
                  refused=False, today=date(2025, 8, 14), names={})
    assert "Tân Hòa day-off" in en and "Fair" in en


def test_holiday_scopes_on_both_databases(any_db: Database) -> None:
    """One national holiday per day and one day off per (unit, day), on SQLite and PostgreSQL (NULLs are
    distinct in unique constraints: the national rule is a partial unique index); the rule of /lich too."""
    from sqlalchemy.exc import IntegrityError

    from storage.models import Holiday

    demo = seed_demo(any_db)
    with any_db.session() as s:
        other = repo.create_unit(s, "x-binhan", "Xã Bình An", "commune", repo.unit_by_id(s, demo.province_id))
        other_id = other.id
    day = date(2025, 11, 20)
    with any_db.session() as s:  # national + two communes on one day: three rows
        s.add_all([Holiday(day=day, name="A"), Holiday(day=day, name="B", unit_id=demo.commune_id),
                   Holiday(day=day, name="C", unit_id=other_id)])
    for unit_id in (None, demo.commune_id):
        with pytest.raises(IntegrityError), any_db.session() as s:
            s.add(Holiday(day=day, name="dup", unit_id=unit_id))
            s.flush()
    with any_db.session() as s:
        cal = schedule_repo.holiday_calendar(s, day, day)
        tanhoa = repo.unit_by_id(s, demo.village_ids["Thôn 3"])
        binhan = repo.unit_by_id(s, other_id)
        assert tanhoa is not None and binhan is not None
        assert cal.for_path(tanhoa.path) == {day: "A"} and cal.national == {day: "A"}
        assert cal.by_unit == {demo.commune_id: {day: "B"}, other_id: {day: "C"}}
        s.execute(cast(Table, Holiday.__table__).delete())
    svc = make_services(any_db, at(2025, 8, 14, 10, 0))
    assert "riêng của Xã Tân Hòa" in lich(svc, ADMIN_ID, "nghi 02/09/2025 Ngày hội")
    assert "Đã thêm ngày nghỉ toàn quốc" in lich(svc, ADMIN, "nghi 02/09/2025 Quốc khánh")
    assert "ngày nghỉ toàn quốc «Quốc khánh»" in lich(svc, ADMIN_ID, "nghi 02/09/2025 Đổi tên")
    assert "Đã bỏ ngày nghỉ riêng của Xã Tân Hòa" in lich(svc, ADMIN_ID, "bonghi 02/09/2025")  # its own row
    assert "ngày nghỉ toàn quốc «Quốc khánh»" in lich(svc, ADMIN_ID, "bonghi 02/09/2025")  # never the national one
    with any_db.session() as s:
        cal = schedule_repo.holiday_calendar(s, date(2025, 9, 2), date(2025, 9, 2))
        assert cal.by_unit == {}
        assert cal.national == {date(2025, 9, 2): "Quốc khánh"}


def test_bat_switches_a_disabled_chat_back_on(svc: Services, db: Database) -> None:
    with db.session() as s:
        schedule_repo.disable_chat(s, group(db).id, "forbidden: kicked")
    assert "Nhóm đang bị tắt" in lich(svc, LEADER_ID, "")
    lich(svc, LEADER_ID, "bat")
    c = group(db)
    assert c.active and c.disabled_reason is None


def test_summary_on_demand_for_leaders(svc: Services, db: Database, demo: Demo) -> None:
    report(db, demo.village_ids["Thôn 3"], date(2025, 8, 14), 12)
    ss = ScheduleService(svc)
    out = ss.summary(svc.caller("telegram", LEADER_ID), G)
    assert "Tổng hợp VNeID — Xã Tân Hòa" in out.text and "+12" in out.text
    # in a private chat: the caller's own unit; a unit by name within scope
    village_leader = member_id(3, True)  # Thôn 3
    assert "Tổng hợp VNeID — Thôn 3" in ss.summary(svc.caller("telegram", village_leader), str(village_leader)).text
    assert "Thôn 3" in ss.summary(svc.caller("telegram", LEADER_ID), str(LEADER_ID), "thon 3").text
    assert "Không tìm thấy" in ss.summary(svc.caller("telegram", village_leader), str(village_leader), "Thôn Hạ").text
    # a village leader cannot see the commune's summary
    assert "Chỉ trưởng/lãnh đạo của Xã Tân Hòa" in ss.summary(svc.caller("telegram", village_leader), G).text
