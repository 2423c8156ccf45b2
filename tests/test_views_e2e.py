"""Leader views end to end: members report by free text, leaders ask in the group and in private.

Demo commune (bot.demo_data): 12 villages, l2 baselines sum 3.075, l2 targets sum 4.470.
"""

from __future__ import annotations

import csv
import io
import struct
from datetime import date

import pytest
from openpyxl import load_workbook

from bot.charts import chart_size
from bot.demo_data import ADMIN_ID, GROUP_ID, LEADER_ID, member_id
from storage import repo
from tests.helpers.telegram import Harness

DONG_TAM, DONG_TAN, THON_3, THON_5 = 0, 1, 3, 4
OTHER_MEMBER, OTHER_LEADER = 3000, 3001


async def _report(h: Harness) -> None:
    """Đồng Tâm 12 (l2), Thôn 3 a reported 0 (l2), Thôn 5 7 (l1)."""
    r = await h.say(GROUP_ID, member_id(DONG_TAM), "hôm nay 12 mức 2")
    assert "12" in (r[0].text or "")
    r = await h.say(GROUP_ID, member_id(THON_3), "hôm nay 0 mức 2")
    assert "Thôn 3" in (r[0].text or "")
    r = await h.say(GROUP_ID, member_id(THON_5), "hôm nay 7 mức 1")
    assert "Mức 1" in (r[0].text or "")


def _other_commune(h: Harness) -> None:
    with h.db.session() as s:
        prov = repo.unit_by_id(s, h.demo.province_id)
        other = repo.create_unit(s, "x-khac", "Xã Bình An", "commune", prov)
        v = repo.create_unit(s, "th-an", "Thôn An", "village", other)
        repo.set_target(s, v, "l2", 100)
        repo.add_member(s, "telegram", str(OTHER_MEMBER), "Tổ viên Thôn An", v, "member")
        repo.add_member(s, "telegram", str(OTHER_LEADER), "Chủ tịch xã Bình An", other, "leader")


async def test_progress_in_group_and_private(harness: Harness) -> None:
    h = harness
    await _report(h)
    text = (await h.say(GROUP_ID, LEADER_ID, "/tiendo"))[0].text or ""
    assert "Xã Tân Hòa" in text and "14/08/2025" in text
    assert "3.087" in text and "4.470" in text and "69,1%" in text  # 3.075 + 12 of 4.470
    assert "1.383" in text  # remaining
    assert "Mức 1" in text and "Mức 2" in text  # side by side
    assert "3/12" in text  # reported today (a 0 counts, an l1 report counts)

    uid = LEADER_ID
    text = (await h.say(uid, uid, "/tiendo dong tam"))[0].text or ""
    assert "Thôn Đồng Tâm" in text and "392" in text and "530" in text and "74,0%" in text
    assert "đã có báo cáo" in text

    text = (await h.say(uid, uid, "/progress th-3"))[0].text or ""  # by code, English alias
    assert "Thôn 3" in text and "405" in text and "76,4%" in text


async def test_member_sees_own_village_and_contribution(harness: Harness) -> None:
    h = harness
    await _report(h)
    uid = member_id(DONG_TAM)
    text = (await h.say(GROUP_ID, uid, "/tiendo"))[0].text or ""  # the group is bound to the commune
    assert "Thôn Đồng Tâm" in text and "Xã Tân Hòa" not in text
    assert "392" in text and "74,0%" in text
    assert "Phần của bạn" in text and "hôm nay 12, tổng 12" in text
    text = (await h.say(uid, uid, "/tiendo Thôn 3"))[0].text or ""  # another village: outside a member's scope
    assert "Không tìm thấy" in text and "405" not in text
    text = (await h.say(uid, uid, "/xephang"))[0].text or ""  # a leader command
    assert "chỉ dành cho" in text


async def test_rank_with_ties_and_change(harness: Harness) -> None:
    h = harness
    await _report(h)
    msgs = await h.say(GROUP_ID, LEADER_ID, "/xephang")
    text = "\n".join(m.text or "" for m in msgs)
    lines = text.splitlines()
    assert "Xếp hạng Xã Tân Hòa" in lines[0] and "Mức 2" in lines[0]
    first = next(x for x in lines if x.startswith("1."))
    assert "TDP 5" in first and "80,6%" in first
    dong_tam = next(x for x in lines if "Thôn Đồng Tâm" in x)
    assert dong_tam.startswith("5.") and "↑1" in dong_tam and "+12" in dong_tam  # was 6th yesterday
    to7 = next(x for x in lines if "Tổ 7" in x)
    assert to7.startswith("6.") and "↓1" in to7
    thon5 = next(x for x in lines if "Thôn 5" in x)
    bai = next(x for x in lines if "Xóm Bãi" in x)
    assert thon5.startswith("9.") and bai.startswith("9.")  # 200/350 = 120/210: a shared rank
    assert next(x for x in lines if "Bản Nà Pục" in x).startswith("12.")

    msgs = await h.say(LEADER_ID, LEADER_ID, "/rank m1")
    assert "Mức 1" in (msgs[0].text or "").splitlines()[0]


async def test_missing(harness: Harness) -> None:
    h = harness
    await _report(h)
    msgs = await h.say(GROUP_ID, LEADER_ID, "/chuabaocao")
    text = "\n".join(m.text or "" for m in msgs)
    assert "9/12" in text
    assert "Thôn Đồng Tân" in text and "Tổ viên Thôn Đồng Tân" in text and "Trưởng Thôn Đồng Tân" in text
    for reported in ("Thôn Đồng Tâm", "Thôn 3 ", "Thôn 5 "):
        assert f"• {reported.strip()} —" not in text
    # a leader of one village: only that village
    uid = member_id(DONG_TAN, second=True)
    text = (await h.say(uid, uid, "/missing"))[0].text or ""
    assert "Thôn Đồng Tân" in text and "1/1" in text and "Thôn Hạ" not in text
    uid = member_id(DONG_TAM, second=True)
    text = (await h.say(uid, uid, "/chuabaocao"))[0].text or ""
    assert "Tất cả 1 đơn vị" in text


async def test_chart_photo(harness: Harness) -> None:
    h = harness
    await _report(h)
    msgs = await h.say(GROUP_ID, LEADER_ID, "/bieudo", count=2, timeout=30)
    assert (msgs[0].text or "").startswith(("⏳", "✅"))  # long work: acknowledged at once, then the photo
    photo = msgs[1]
    assert photo.kind == "photo" and photo.file_bytes is not None
    data = photo.file_bytes
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    assert (width, height) == chart_size(12)
    assert "Xã Tân Hòa" in (photo.caption or "")
    uid = member_id(DONG_TAM, second=True)  # a village leader, in private: the village alone, level 1
    msgs = (await h.say(uid, uid, "/chart m1", count=2, timeout=30))[1:]
    assert msgs[0].kind == "photo" and "Mức 1" in (msgs[0].caption or "") and "Thôn Đồng Tâm" in (msgs[0].caption or "")
    assert struct.unpack(">II", (msgs[0].file_bytes or b"")[16:24]) == chart_size(1)


async def test_export_xlsx_totals_match_reports(harness: Harness) -> None:
    h = harness
    await _report(h)
    msgs = await h.say(GROUP_ID, LEADER_ID, "/xuat", count=2, timeout=30)
    doc = msgs[1]
    assert doc.kind == "document" and (doc.filename or "").endswith(".xlsx") and doc.file_bytes
    wb = load_workbook(io.BytesIO(doc.file_bytes))
    _form, summary, daily, raw = (wb[n] for n in wb.sheetnames)
    assert summary.title == "Tổng hợp" and daily.title == "Theo ngày" and raw.title == "Dữ liệu gốc"
    header = [c.value for c in summary[3]]
    assert header[0] == "STT" and header[1] == "Đơn vị"
    col = {v: i for i, v in enumerate(header)}
    rows = list(summary.iter_rows(min_row=4, values_only=True))
    total = rows[-1]
    assert total[1] == "Tổng cộng"
    assert total[col["Mức 2 ngày 14/08"]] == 12 and total[col["Mức 1 ngày 14/08"]] == 7
    assert total[col["Lũy kế Mức 2"]] == 3087 and total[col["Chỉ tiêu (số đủ điều kiện) Mức 2"]] == 4470
    assert total[col["Còn lại Mức 2"]] == 1383
    assert total[col["Chưa báo cáo ngày 14/08"]] == "9/12"
    assert sum(r[col["Mức 2 ngày 14/08"]] for r in rows[:-1]) == 12
    dong_tam = next(r for r in rows if r[1] == "Thôn Đồng Tâm")
    assert dong_tam[col["Lũy kế Mức 2"]] == 392 and dong_tam[col["% đạt Mức 2"]] == pytest.approx(392 / 530)
    assert summary.freeze_panes == "C4"
    assert summary.cell(4, col["Lũy kế Mức 2"] + 1).number_format == "#,##0"
    assert summary.cell(3, 1).font.bold

    raw_rows = list(raw.iter_rows(min_row=2, values_only=True))
    assert len(raw_rows) == 3
    assert sorted((r[1], r[4], r[5]) for r in raw_rows) == [
        ("Thôn 3", "Mức 2", 0), ("Thôn 5", "Mức 1", 7), ("Thôn Đồng Tâm", "Mức 2", 12)]
    assert {r[6] for r in raw_rows} == {"Tổ viên Thôn Đồng Tâm", "Tổ viên Thôn 3", "Tổ viên Thôn 5"}
    assert all(r[7].hour == 10 for r in raw_rows)  # local time (the clock is 10:00 in Hà Nội)
    assert raw.freeze_panes == "A2" and raw.cell(1, 1).font.bold

    head = [c.value for c in daily[1]]
    assert head[:3] == ["Đơn vị", "Mã", "Chỉ số"]
    days = [d.date() for d in head[3:-1]]
    assert days[0] == date(2025, 8, 1) and days[-1] == date(2025, 8, 14)
    drows = list(daily.iter_rows(min_row=2, values_only=True))
    t3 = next(r for r in drows if r[0] == "Thôn 3" and r[2] == "Mức 2")
    assert t3[3 + 13] == 0 and t3[3] is None  # reported 0 on the 14th, nothing on the 1st
    tot = next(r for r in drows if r[0] == "Tổng cộng" and r[2] == "Mức 2")
    assert tot[-1] == 12


async def test_export_csv_and_bad_dates(harness: Harness) -> None:
    h = harness
    await _report(h)
    uid = LEADER_ID
    msgs = await h.say(uid, uid, "/xuat 14/08 csv", count=2, timeout=30)
    doc = msgs[1]
    assert (doc.filename or "").endswith(".csv") and doc.file_bytes is not None
    assert doc.file_bytes.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(doc.file_bytes.decode("utf-8-sig"))))
    assert rows[0][1] == "Đơn vị"
    total = rows[-1]
    assert total[1] == "Tổng cộng" and "3087" in total and "12" in total

    text = (await h.say(uid, uid, "/xuat 31/02/2025"))[0].text or ""
    assert "không hợp lệ" in text and "Cách dùng" in text
    text = (await h.say(uid, uid, "/xuat 14/08 01/08"))[0].text or ""
    assert "sau ngày kết thúc" in text
    text = (await h.say(uid, uid, "/xuat 20/08"))[0].text or ""
    assert "chưa tới" in text


async def test_scope_other_commune_sees_nothing_of_this_one(harness: Harness) -> None:
    h = harness
    await _report(h)
    _other_commune(h)
    lead = OTHER_LEADER
    for cmd in ("/tiendo Xã Tân Hòa", "/tiendo x-tanhoa", "/xephang Tân Hòa", "/chuabaocao x-tanhoa",
                "/bieudo x-tanhoa", "/xuat x-tanhoa", "/tiendo Thôn Đồng Tâm"):
        msgs = await h.say(lead, lead, cmd)
        assert len(msgs) == 1 and msgs[0].kind == "text", cmd
        text = msgs[0].text or ""
        assert "Không tìm thấy" in text, (cmd, text)
        assert "3.087" not in text and "4.470" not in text and "392" not in text
    # in the group bound to Tân Hòa, the other commune's leader gets a refusal: no figures of either commune
    for cmd in ("/tiendo", "/chuabaocao", "/xuat", "/xephang", "/bieudo"):
        msgs = await h.say(GROUP_ID, lead, cmd)
        assert len(msgs) == 1 and msgs[0].kind == "text", cmd
        text = msgs[0].text or ""
        assert "đơn vị khác" in text and "Thôn An" not in text and "3.087" not in text, (cmd, text)
    # a member of the other commune
    m = OTHER_MEMBER
    text = (await h.say(m, m, "/tiendo Thôn Đồng Tâm"))[0].text or ""
    assert "Không tìm thấy" in text and "392" not in text
    # a stranger gets a refusal
    text = (await h.say(9999, 9999, "/tiendo"))[0].text or ""
    assert "3.087" not in text and "Tân Hòa" not in text


async def test_admin_views_commune_by_name(harness: Harness) -> None:
    h = harness
    await _report(h)
    text = (await h.say(ADMIN_ID, ADMIN_ID, "/tiendo tan hoa"))[0].text or ""
    assert "Xã Tân Hòa" in text and "3.087" in text
    text = (await h.say(ADMIN_ID, ADMIN_ID, "/tiendo Thôn"))[0].text or ""  # ambiguous: several villages
    assert "Có nhiều đơn vị" in text and "<code>" not in text  # rendered as HTML, not shown raw
