"""Parser precision through the real bot in a group (issue 11, issue 17 item 9): numeric chatter is silent, the
report forms the parser used to miss are stored, broken reports get a hint, and nothing wrong is ever stored."""

from __future__ import annotations

from sqlalchemy import func, select

from bot.demo_data import GROUP_ID, LEADER_ID, member_id
from bot.texts import CATALOG
from storage import repo
from storage.models import Report
from tests.helpers.telegram import DAY, Harness

THON_3, THON_5, THON_HA = 3, 4, 10  # village indexes in bot.demo_data.VILLAGES


def daily(h: Harness, unit_name: str, metric: str = "l2") -> int:
    with h.db.session() as s:
        unit = s.get(repo.Unit, h.demo.village_ids[unit_name])
        assert unit is not None
        return repo.reported_total(s, unit, metric, since=DAY, until=DAY)


def row_count(h: Harness) -> int:
    with h.db.session() as s:
        return int(s.scalar(select(func.count()).select_from(Report)) or 0)


def head(key: str, lang: str = "vi", **values: str) -> str:
    """The fixed start of a catalog text (up to its first value)."""
    return CATALOG[lang][key].split("{")[0]


CHATTER = [
    "nhà số 7 Thôn 3 nhé", "8h sáng mai họp ở thôn 5, mời 40 hộ", "mai bọn em xuống thôn 3 cài cho 15 người",
    "Kế hoạch số 211/KH-UBND ngày 3/9 về định danh mức 2", "Công văn 45/CAX gửi Thôn 5", "mã OTP 482913 nhé anh",
    "10p nữa em gửi số thôn 5", "thôn 3 có 3 máy hỏng", "cảm ơn 8 bạn đoàn viên thôn 5", "Xóm Bãi còn 2 cụ chưa cài",
    "KH tháng 9 của thôn 3 là 250", "Triển khai Đề án 06 tại Thôn 3", "thon 5 co 12 ho vang nha",
    "SĐT anh Hùng thôn 3: 0912 345 678", "hotline hỗ trợ Thôn 5: 1900 0368", "đợi em 5 phút nhé thôn 3",
]


async def test_numeric_chatter_is_silent_and_stores_nothing(harness: Harness) -> None:
    before = row_count(harness)
    for text in CHATTER:
        assert await harness.say_quiet(GROUP_ID, member_id(THON_3), text, wait=0.2) == [], text
    assert row_count(harness) == before


async def test_forms_missed_before_are_stored(harness: Harness) -> None:
    stored = head("rep.stored", day="x")
    cases = [
        ("Thôn 3 cài 15, kích hoạt thành công 11 tk m2", {"Thôn 3": 11}),  # activated, not installed
        ("Thôn 5 hôm nay 14 tk mức 2 chứ không phải 11", {"Thôn 5": 14}),  # a correction naming the old value
        ("BÁO CÁO MỨC 2 NGÀY 14/8\n1. Thôn Hạ: 6\n2. Xóm Bãi: 3", {"Thôn Hạ": 6, "Xóm Bãi": 3}),  # heading metric
        ("Đơn vị | Mức 1 | Mức 2\nThôn Trung | 2 | 7", {"Thôn Trung": 7}),  # table with a header row
        ("hqua:\nThượng 6", {}),  # short name under a day heading (yesterday: checked below)
        ("Thôn Đồng Tâm trong ngày 9 TK MĐ2", {"Thôn Đồng Tâm": 9}),
        ("TDP 05: 4 tk mức 2", {"TDP 5": 4}),  # zero-padded
        ("Thôn Nhân Lý hôm nay 5 tk m2, 315 lũy kế", {"Thôn Nhân Lý": 5}),  # cumulative before its keyword
    ]
    for text, expect in cases:
        replies = await harness.say(GROUP_ID, LEADER_ID, text)
        assert (replies[0].text or "").startswith(stored), (text, replies[0].text)
        for unit, value in expect.items():
            assert daily(harness, unit) == value, text
    assert daily(harness, "Thôn Trung", "l1") == 2
    with harness.db.session() as s:
        thuong = s.get(repo.Unit, harness.demo.village_ids["Thôn Thượng"])
        assert thuong is not None
        yesterday = DAY.replace(day=DAY.day - 1)
        assert repo.reported_total(s, thuong, "l2", since=yesterday, until=yesterday) == 6


async def test_broken_reports_get_a_hint_and_store_nothing(harness: Harness) -> None:
    before = row_count(harness)
    replies = await harness.say(GROUP_ID, LEADER_ID, "Thôn 3 hôm nay mức 2")
    assert (replies[0].text or "").startswith(head("prs.no_value", ex="x"))
    replies = await harness.say(GROUP_ID, LEADER_ID, "Xóm Quê: 4")
    assert (replies[0].text or "").startswith(head("prs.unknown_unit", name="x", where="", ex="x"))
    assert "Xóm Quê" in (replies[0].text or "")
    replies = await harness.say(GROUP_ID, LEADER_ID, "Thôn Nhân Lí: 5")
    text = replies[0].text or ""
    assert "Thôn Nhân Lý" in text and "Thôn Nhân Lí" in text
    assert row_count(harness) == before


async def test_short_forms_issue_17_9(harness: Harness) -> None:
    # a village member: the bare figure is their village's
    replies = await harness.say(GROUP_ID, member_id(THON_5), "12")
    assert (replies[0].text or "").startswith(head("rep.stored", day="x"))
    assert daily(harness, "Thôn 5") == 12
    await harness.say(GROUP_ID, member_id(THON_HA), "hôm nay 6")
    assert daily(harness, "Thôn Hạ") == 6
    # "th3" is Thôn 3
    replies = await harness.say(GROUP_ID, LEADER_ID, "th3 hnay 8")
    assert daily(harness, "Thôn 3") == 8, replies[0].text
    # the commune leader's unit does not say which village: a hint, nothing stored
    before = row_count(harness)
    replies = await harness.say(GROUP_ID, LEADER_ID, "hôm nay 6")
    assert (replies[0].text or "").startswith(head("prs.no_unit", ex="x"))
    assert row_count(harness) == before


async def test_hint_in_the_members_language(harness: Harness) -> None:
    with harness.db.session() as s:
        member = repo.member_by_external(s, "telegram", str(LEADER_ID))
        assert member is not None
        member.language = "en"
    replies = await harness.say(GROUP_ID, LEADER_ID, "Xóm Quê: 4")
    assert (replies[0].text or "").startswith(head("prs.unknown_unit", lang="en"))
    assert "Xóm Quê" in (replies[0].text or "")
