"""Figures leaders can trust, end to end (issue 12): baselines honour their day, dates carry their year,
missing is not zero, views for a chosen day, tree validation, indicators, the official form, official figures.

Demo commune (bot.demo_data): 12 villages; Thôn 3: l2 baseline 405 as of 01/08/2025, l2 target 530.
The clock is 14/08/2025 10:00 local. Expected numbers are computed here from the reports the test makes.
"""

from __future__ import annotations

import asyncio
from datetime import date

import pytest

from bot.demo_data import ADMIN_ID, GROUP_ID, LEADER_ID, member_id
from tests.helpers.telegram import Harness
from tests.helpers.zalo import ZaloHarness, link

THON_3 = 3
TARGET_3 = 530


def text_of(msgs: list) -> str:  # type: ignore[type-arg]
    return "\n".join(m.text or "" for m in msgs)


# ---- item 2: a baseline holds the reports up to its day ------------------------------------------


async def test_baseline_holds_reports_up_to_its_day(harness: Harness) -> None:
    h = harness
    uid = member_id(THON_3)
    reports = {date(2025, 8, 12): 6, date(2025, 8, 13): 10, date(2025, 8, 14): 5}
    for d, v in reports.items():
        r = await h.say(GROUP_ID, uid, f"Thôn 3 ngày {d:%d/%m} {v}")
        assert str(v) in (r[0].text or "")
    # the official count on 13/08 is 420: it holds 12/08 and 13/08 already
    r = await h.say(GROUP_ID, ADMIN_ID, "/moc th-3 m2 420 13/08/2025")
    assert "420" in (r[0].text or "") and "13/08/2025" in (r[0].text or "")
    expected = 420 + sum(v for d, v in reports.items() if d > date(2025, 8, 13))  # 425
    text = (await h.say(LEADER_ID, LEADER_ID, "/tiendo th-3"))[0].text or ""
    assert f"{expected}" in text and "435" not in text  # not 420 + 6 + 10 + 5 - ... nor 420 + 10 + 5

    # the commune's cumulative: every village's baseline (as of 01/08) + reports after it, Thôn 3 as above
    from bot.demo_data import VILLAGES

    commune = sum(b for _c, _n, _t, b in VILLAGES) - 405 + expected
    text = (await h.say(LEADER_ID, LEADER_ID, "/tiendo"))[0].text or ""
    assert f"{commune:,}".replace(",", ".") in text

    # no date: the baseline keeps its day (and says so); the reply to a new report agrees
    r = await h.say(GROUP_ID, ADMIN_ID, "/moc th-3 m2 430")
    text = r[0].text or ""
    assert "430" in text and "giữ nguyên 13/08/2025" in text
    r = await h.say(GROUP_ID, uid, "Thôn 3 hôm nay 7")
    assert f"{430 + 7}/{TARGET_3}" in (r[0].text or "")
    text = (await h.say(LEADER_ID, LEADER_ID, "/tiendo th-3"))[0].text or ""
    assert f"{430 + 7}" in text

    # a new day moves it, and says what changed
    r = await h.say(GROUP_ID, ADMIN_ID, "/moc th-3 m2 440 14/08/2025")
    text = r[0].text or ""
    assert "13/08/2025 sang 14/08/2025" in text
    text = (await h.say(LEADER_ID, LEADER_ID, "/tiendo th-3"))[0].text or ""
    assert "440" in text and "447" not in text


async def test_baseline_day_on_zalo(zalo: ZaloHarness) -> None:  # noqa: F811
    an = await zalo.join("An", "Thôn 3")
    await zalo.say(an, "Thôn 3 hôm qua 10")
    await zalo.say(an, "Thôn 3 hôm nay 5")
    admin = zalo.emu.user("Cán bộ xã")
    await link(zalo, admin, ADMIN_ID)
    replies = await zalo.say(admin, "moc th-3 m2 420 13/08/2025")
    assert "420" in replies[0].text
    replies = await zalo.say(admin, "moc th-3 m2 421")
    assert "giữ nguyên 13/08/2025" in replies[0].text
    replies = await zalo.say(an, "tiendo")
    assert str(421 + 5) in replies[0].text and "436" not in replies[0].text


# ---- item 5: dates outside this year show their year; a past deadline says so ----------------------


async def test_past_deadline_and_far_finish_show_their_year(harness: Harness) -> None:
    from datetime import timedelta
    from math import ceil

    h = harness
    today = date(2025, 8, 14)
    r = await h.say(GROUP_ID, ADMIN_ID, "/chitieu th-3 m2 530 31/12/2024")
    assert "31/12/2024" in (r[0].text or "")
    await h.say(GROUP_ID, member_id(THON_3), "Thôn 3 hôm nay 1")
    text = (await h.say(LEADER_ID, LEADER_ID, "/tiendo th-3"))[0].text or ""
    overdue = (today - date(2024, 12, 31)).days  # 226
    assert f"đã quá hạn 31/12/2024 ({overdue} ngày)" in text
    assert "Cần/ngày" not in text
    finish = today + timedelta(days=ceil((530 - 405 - 1) / (1 / 7)))  # pace 1 over 7 days
    assert finish.year > 2025 and f"{finish:%d/%m/%Y}" in text

    text = text_of(await h.say(LEADER_ID, LEADER_ID, "/tonghop th-3", count=2))
    assert f"đã quá hạn 31/12/2024 ({overdue} ngày)" in text and "kịp hạn" not in text


# ---- item 6: missing is not zero; reporters only; Vietnamese order --------------------------------

VN_ORDER = ["Bản Nà Pục", "TDP 5", "Thôn 3", "Thôn 5", "Thôn Đồng Tâm", "Thôn Đồng Tân", "Thôn Hạ", "Thôn Nhân Lý",
            "Thôn Thượng", "Thôn Trung", "Tổ 7", "Xóm Bãi"]  # D < Đ, "Thôn 3" < "Thôn Ba", TDP < Thôn < Tổ


async def test_missing_is_not_zero_and_lists_in_vietnamese_order(harness: Harness) -> None:
    h = harness
    await h.say(GROUP_ID, member_id(THON_3), "Thôn 3 hôm nay 0")  # a real zero
    msgs = await h.say(GROUP_ID, LEADER_ID, "/xephang")
    lines = text_of(msgs).splitlines()
    thon3 = next(x for x in lines if "Thôn 3" in x)
    assert "hôm nay +0" in thon3
    for name in VN_ORDER:
        if name != "Thôn 3":
            line = next(x for x in lines if f" {name} —" in x)
            assert "chưa báo cáo" in line and "+0" not in line, line

    msgs = await h.say(GROUP_ID, LEADER_ID, "/chuabaocao")
    text = text_of(msgs)
    silent = [n for n in VN_ORDER if n != "Thôn 3"]
    assert f"{len(silent)}/12" in text
    bullets = [x[2:].split(" — ")[0] for x in text.splitlines() if x.startswith("• ")]
    assert bullets == silent  # by unit in Vietnamese order (the old order was the tree's insertion order)
    # 12 reporters (role member), one of them reported; leaders and the admin are not counted
    assert "chưa gửi báo cáo nào hôm nay 14/08: 11/12" in text


async def test_missing_on_zalo_counts_reporters(zalo: ZaloHarness) -> None:  # noqa: F811
    an = await zalo.join("An", "Thôn 3")
    await zalo.say(an, "Thôn 3 hôm nay 2")
    leader = zalo.emu.user("Chủ tịch xã Hùng")
    await link(zalo, leader, LEADER_ID)
    await asyncio.sleep(0.3)
    text = "\n".join(r.text or "" for r in await zalo.say_quiet(leader, "chuabaocao", wait=0.5))
    # the demo's Thôn 3 reporter is a Telegram member; An joined on Zalo: 13 reporters, An reported
    assert "11/12" in text and ": 12/13" in text
    assert text.index("Bản Nà Pục") < text.index("TDP 5") < text.index("Thôn 5") < text.index("Thôn Đồng Tâm")


# ---- item 8: views for a chosen day ---------------------------------------------------------------


async def _two_days(h: Harness) -> None:
    """13/08: Đồng Tâm 10, Thôn 3 7; 14/08: Đồng Tâm 3, Thôn 5 4."""
    for uid, text in ((member_id(0), "Thôn Đồng Tâm hôm qua 10"), (member_id(0), "Thôn Đồng Tâm hôm nay 3"), (member_id(THON_3), "Thôn 3 hôm qua 7"),
                      (member_id(4), "Thôn 5 hôm nay 4")):
        r = await h.say(GROUP_ID, uid, text)
        assert "Đã ghi" in (r[0].text or "") or "✅" in (r[0].text or ""), r[0].text


async def test_views_for_a_chosen_day(harness: Harness) -> None:
    from bot.demo_data import VILLAGES

    h = harness
    await _two_days(h)
    base = sum(b for _c, _n, _t, b in VILLAGES)
    on_13, on_14 = base + 10 + 7, base + 10 + 7 + 3 + 4
    for cmd in ("/tonghop hqua", "/tonghop 13/08", "/summary hôm qua"):
        text = text_of(await h.say(LEADER_ID, LEADER_ID, cmd, count=2))  # the text and the chart
        assert "13/08/2025" in text, cmd
        assert f"{on_13:,}".replace(",", ".") in text and f"{on_14:,}".replace(",", ".") not in text
        assert "ngày 13/08 +17" in text and "Đã báo cáo ngày 13/08: <b>2/12</b>" not in text  # HTML is rendered
        assert "Đã báo cáo ngày 13/08: 2/12" in text
    text = text_of(await h.say(LEADER_ID, LEADER_ID, "/tonghop", count=2))
    assert f"{on_14:,}".replace(",", ".") in text and "hôm nay +7" in text

    text = text_of(await h.say(LEADER_ID, LEADER_ID, "/chuabaocao hqua"))
    assert "ngày 13/08" in text and "10/12" in text
    assert "• Thôn 5" in text and "• Thôn 3" not in text

    lines = text_of(await h.say(LEADER_ID, LEADER_ID, "/xephang 13/08")).splitlines()
    assert "13/08" in lines[0]
    assert "ngày 13/08 +10" in next(x for x in lines if "Thôn Đồng Tâm" in x)
    assert "chưa báo cáo" in next(x for x in lines if " Thôn 5 —" in x)

    text = text_of(await h.say(LEADER_ID, LEADER_ID, "/tiendo Thôn 3 13/08"))
    assert "13/08/2025" in text and "Ngày 13/08" in text and f"{405 + 7}" in text

    # bad arguments: the reason and the usage line, nothing else
    for cmd, usage in (("/tonghop 32/13", "/tonghop"), ("/xephang 15/08", "/xephang"),
                       ("/tiendo hqua 12/08", "/tiendo"), ("/chuabaocao 31/02", "/chuabaocao")):
        text = text_of(await h.say(LEADER_ID, LEADER_ID, cmd))
        assert "Cách dùng" in text and usage in text, (cmd, text)


async def test_chosen_day_on_zalo(zalo: ZaloHarness) -> None:  # noqa: F811
    an = await zalo.join("An", "Thôn 3")
    await zalo.say(an, "Thôn 3 hôm qua 9")
    leader = zalo.emu.user("Chủ tịch xã Hùng")
    await link(zalo, leader, LEADER_ID)
    await asyncio.sleep(0.3)
    text = "\n".join(r.text or "" for r in await zalo.say_quiet(leader, "tonghop hqua", wait=0.5))
    assert "13/08/2025" in text and "ngày 13/08 +9" in text
    text = "\n".join(r.text or "" for r in await zalo.say_quiet(leader, "chuabaocao hqua", wait=0.5))
    assert "11/12" in text and "ngày 13/08" in text
    text = (await zalo.say(leader, "xephang 40/08"))[0].text
    assert "không hợp lệ" in text and "xephang" in text


# ---- item 7: the kinds' order is enforced -----------------------------------------------------------


async def test_tree_kinds_are_validated(harness: Harness) -> None:
    from tests.helpers.org import dump

    h = harness
    before = dump(h.db)
    for cmd in ("/donvi them t-x Tỉnh X cap=tỉnh tren=x-tanhoa",  # a province under a commune
                "/donvi chuyen th-3 th-5",  # a village under a village
                "/donvi them th-9 Thôn 9 tren=th-3",  # anything under a village
                "/donvi them x-2 Xã Hai cap=xã tren=th-3"):
        text = (await h.say(ADMIN_ID, ADMIN_ID, cmd))[0].text or ""
        assert "Không thể đặt" in text, (cmd, text)
    units = "code,name,kind,parent_code\nth-3b,Thôn 3B,thôn,th-3\n"
    r = await h.send_document(ADMIN_ID, ADMIN_ID, "units.csv", units.encode(), caption="/nhap", count=2)
    text = text_of(r)  # "Đang xử lý…", then the result
    assert "Không thể đặt" in text and "units.csv dòng 2" in text
    assert {k: v for k, v in dump(h.db).items() if k in ("units", "members", "targets")} == \
        {k: v for k, v in before.items() if k in ("units", "members", "targets")}
    # what fits the order still works: a village under the commune
    text = (await h.say(ADMIN_ID, ADMIN_ID, "/donvi them th-9 Thôn 9"))[0].text or ""
    assert "Đã thêm đơn vị" in text


async def test_tree_kinds_on_zalo(zalo: ZaloHarness) -> None:  # noqa: F811
    admin = zalo.emu.user("Cán bộ xã")
    await link(zalo, admin, ADMIN_ID)
    replies = await zalo.say(admin, "donvi chuyen th-3 th-5")
    assert "Không thể đặt" in replies[0].text


# ---- item 12: official figures beside ours ----------------------------------------------------------


async def test_official_figures_are_reconciled(harness: Harness) -> None:
    from bot.demo_data import VILLAGES
    from tests.helpers.org import dump

    h = harness
    await h.say(GROUP_ID, member_id(THON_3), "Thôn 3 hôm qua 7")
    await h.say(GROUP_ID, member_id(THON_3), "Thôn 3 hôm nay 2")
    ours_13 = 405 + 7
    r = await h.say(LEADER_ID, LEADER_ID, "/chinhthuc Thôn 3 m2 420 13/08")
    text = r[0].text or ""
    assert "420" in text and "13/08/2025" in text
    assert f"số của tổ: {ours_13}" in text and f"chênh lệch (tổ − chính thức): −{420 - ours_13}" in text
    text = (await h.say(LEADER_ID, LEADER_ID, "/tiendo th-3"))[0].text or ""
    assert f"Số chính thức Mức 2 ngày 13/08: 420 · số của tổ: {ours_13}" in text and "−8" in text
    text = text_of(await h.say(LEADER_ID, LEADER_ID, "/tonghop th-3", count=2))
    assert "Số chính thức Mức 2 ngày 13/08: 420" in text

    # the commune today, written the Vietnamese way (1.046 style), no date = today
    commune_ours = sum(b for _c, _n, _t, b in VILLAGES) + 7 + 2
    r = await h.say(LEADER_ID, LEADER_ID, "/chinhthuc x-tanhoa m2 3.100")
    text = r[0].text or ""
    diff = commune_ours - 3100
    assert "3.100" in text and f"{commune_ours:,}".replace(",", ".") in text
    assert f"{'+' if diff > 0 else '−'}{abs(diff)}" in text
    # re-recording replaces, and says what it was
    assert "trước: 3.100" in ((await h.say(LEADER_ID, LEADER_ID, "/chinhthuc x-tanhoa m2 3.090"))[0].text or "")
    text = text_of(await h.say(LEADER_ID, LEADER_ID, "/tonghop", count=2))
    assert "Số chính thức Mức 2 ngày 14/08: 3.090" in text

    # bad input changes nothing; members and other villages' leaders may not
    before = dump(h.db)
    for uid, cmd, expect in ((LEADER_ID, "/chinhthuc Thôn 3 m2", "Cách dùng"),
                             (LEADER_ID, "/chinhthuc Thôn 3 m2 420 20/08", "chưa tới"),
                             (LEADER_ID, "/chinhthuc Thôn 99 m2 420", "Thôn 99"),
                             (member_id(THON_3), "/chinhthuc Thôn 3 m2 420", "chỉ dành cho"),
                             (member_id(4, second=True), "/chinhthuc th-3 m2 420", "Không tìm thấy")):
        text = (await h.say(uid, uid, cmd))[0].text or ""
        assert expect in text, (cmd, text)
    after = dump(h.db)
    assert after["official_figures"] == before["official_figures"]


async def test_official_figures_on_zalo(zalo: ZaloHarness) -> None:  # noqa: F811
    leader = zalo.emu.user("Chủ tịch xã Hùng")
    await link(zalo, leader, LEADER_ID)
    await asyncio.sleep(0.3)
    replies = await zalo.say_quiet(leader, "chinhthuc th-3 m2 410 13/08", wait=0.5)
    assert any("410" in (r.text or "") and "số của tổ: 405" in (r.text or "") for r in replies), replies
    text = "\n".join(r.text or "" for r in await zalo.say_quiet(leader, "tiendo th-3", wait=0.5))
    assert "Số chính thức Mức 2 ngày 13/08: 410 · số của tổ: 405" in text and "+5" not in text and "−5" in text


# ---- item 10: indicators beyond VNeID ---------------------------------------------------------------

PROVINCE_ADMIN = 4000


def _province_admin(h: Harness) -> None:
    from storage import repo

    with h.db.session() as s:
        prov = repo.unit_by_id(s, h.demo.province_id)
        assert prov is not None
        repo.add_member(s, "telegram", str(PROVINCE_ADMIN), "Cán bộ tỉnh", prov, "admin")


async def test_indicators_added_reported_shown_and_retired(harness: Harness) -> None:
    from sqlalchemy import select

    from storage.models import Report

    h = harness
    _province_admin(h)
    add = "/chiso them bdhvs | Bình dân học vụ số | Digital literacy | bình dân học vụ, bdhv"
    text = (await h.say(ADMIN_ID, ADMIN_ID, add))[0].text or ""
    assert "cấp cao nhất" in text  # a commune admin may not change what every commune shares
    text = (await h.say(PROVINCE_ADMIN, PROVINCE_ADMIN, add))[0].text or ""
    assert "Đã thêm chỉ số" in text and "bdhvs" in text
    text = (await h.say(ADMIN_ID, ADMIN_ID, "/chitieu th-3 bdhvs 300"))[0].text or ""
    assert "Bình dân học vụ số" in text and "300" in text and "BDHVS" not in text

    # members type the words; the reply, the progress and the summary name it the same way
    r = await h.say(GROUP_ID, member_id(THON_3), "Thôn 3 hôm nay bình dân học vụ 12")
    assert "Bình dân học vụ số" in (r[0].text or "") and "12" in (r[0].text or "")
    with h.db.session() as s:
        rows = s.scalars(select(Report).where(Report.metric == "bdhvs")).all()
        assert [(x.value, x.unit_id) for x in rows] == [(12, h.demo.village_ids["Thôn 3"])]
    text = (await h.say(LEADER_ID, LEADER_ID, "/tiendo th-3"))[0].text or ""
    assert "Bình dân học vụ số" in text and "4,0%" in text  # 12 of 300
    text = text_of(await h.say(LEADER_ID, LEADER_ID, "/tonghop", count=2))
    assert "Bình dân học vụ số</b>: hôm nay +12 · lũy kế 12/300" in text or \
        "Bình dân học vụ số: hôm nay +12 · lũy kế 12/300" in text

    # rename: every place follows
    r = await h.say(PROVINCE_ADMIN, PROVINCE_ADMIN, "/chiso doiten bdhvs | Bình dân học vụ | Digital skills")
    assert "Bình dân học vụ số → Bình dân học vụ" in (r[0].text or "")
    text = (await h.say(LEADER_ID, LEADER_ID, "/tiendo th-3"))[0].text or ""
    assert "Bình dân học vụ" in text and "Bình dân học vụ số" not in text
    # bad input: clear message, nothing changed
    for cmd, expect in (("/chiso them BAD CODE | x", "không hợp lệ"), ("/chiso them bdhvs | Lại", "Đã có"),
                        ("/chiso them ck | Chữ ký số | Digital signature | bdhv", "đã dùng cho chỉ số bdhvs"),
                        ("/chiso ngung l2", "mặc định"), ("/chiso xoa bdhvs", "Cách dùng")):
        assert expect in ((await h.say(PROVINCE_ADMIN, PROVINCE_ADMIN, cmd))[0].text or ""), cmd
    # retire: gone from the views, the words no longer store it
    assert "Đã ngừng" in ((await h.say(PROVINCE_ADMIN, PROVINCE_ADMIN, "/chiso ngung bdhvs"))[0].text or "")
    text = (await h.say(LEADER_ID, LEADER_ID, "/tiendo th-3"))[0].text or ""
    assert "Bình dân học vụ" not in text
    await h.say_quiet(GROUP_ID, member_id(THON_3), "Thôn 3 hôm nay bdhv 5")
    with h.db.session() as s:
        assert len(s.scalars(select(Report).where(Report.metric == "bdhvs")).all()) == 1
    text = (await h.say(PROVINCE_ADMIN, PROVINCE_ADMIN, "/chiso"))[0].text or ""
    assert "bdhvs" in text and "đã ngừng" in text and "Mức 2" in text


async def test_indicators_on_zalo(zalo: ZaloHarness) -> None:  # noqa: F811
    from storage import repo

    with zalo.db.session() as s:
        prov = repo.unit_by_id(s, zalo.demo.province_id)
        assert prov is not None
        repo.add_member(s, "telegram", str(PROVINCE_ADMIN), "Cán bộ tỉnh", prov, "admin")
    admin = zalo.emu.user("Cán bộ tỉnh")
    await link(zalo, admin, PROVINCE_ADMIN)
    await asyncio.sleep(0.3)
    text = "\n".join(r.text or "" for r in await zalo.say_quiet(admin, "chiso them ansinh | Tài khoản an sinh xã hội"
                                                                " | Social security account | an sinh", wait=0.5))
    assert "Đã thêm chỉ số" in text
    an = await zalo.join("An", "Thôn 3")
    replies = await zalo.say(an, "Thôn 3 hôm nay an sinh 4")
    assert "Tài khoản an sinh xã hội" in replies[0].text and "4" in replies[0].text
    assert zalo.daily("Thôn 3", metric="ansinh") == 4


# ---- item 11: the official upward form, group names, the chart's legend ----------------------------


async def test_export_has_the_official_form(harness: Harness) -> None:
    import io

    from openpyxl import load_workbook

    from bot.demo_data import VILLAGES

    h = harness
    reports = [("Thôn 3", "Thôn 3 ngày 13/08 7", "l2", 7), ("Thôn 3", "Thôn 3 hôm nay 3 mức 1", "l1", 3),
               ("Thôn Đồng Tâm", "Thôn Đồng Tâm hôm nay 12", "l2", 12)]
    for name, text, _m, _v in reports:
        idx = next(i for i, v in enumerate(VILLAGES) if v[1] == name)
        await h.say(GROUP_ID, member_id(idx), text)
    msgs = await h.say(GROUP_ID, LEADER_ID, "/xuat 01/08 14/08", count=2, timeout=30)
    doc = msgs[1]
    assert doc.kind == "document" and doc.file_bytes
    wb = load_workbook(io.BytesIO(doc.file_bytes))
    assert wb.sheetnames[0] == "Mẫu báo cáo"
    ws = wb["Mẫu báo cáo"]
    cells = list(ws.iter_rows(values_only=True))
    flat = [str(c) for row in cells for c in row if c is not None]
    for text in ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc", "TỈNH DEMO", "XÃ TÂN HÒA",
                 "(Kỳ báo cáo: từ ngày 01/08/2025 đến ngày 14/08/2025)", "Xã Tân Hòa, ngày 14 tháng 08 năm 2025",
                 "NGƯỜI LẬP BIỂU", "THỦ TRƯỞNG ĐƠN VỊ"):
        assert text in flat, text
    assert cells[6][:4] == ("STT", "Đơn vị", "Chỉ tiêu (Mức 2)", "Trong kỳ") and "Ghi chú" in cells[6]
    assert cells[7][3:5] == ("Mức 1", "Mức 2")
    body = cells[8:8 + 12]
    assert [r[1] for r in body] == VN_ORDER
    # independent: targets and baselines of the demo + the reports above
    per = {(n, m): v for n, _t, m, v in reports}
    for r in body:
        code, name, target, base = next(v for v in VILLAGES if v[1] == r[1])
        l1, l2 = per.get((name, "l1"), 0), per.get((name, "l2"), 0)
        assert r[0] == body.index(r) + 1 and r[2] == target and r[3:5] == (l1, l2)
        assert r[5] == base + l2 and r[6] == pytest.approx((base + l2) / target)
        reported_14 = name in ("Thôn 3", "Thôn Đồng Tâm")  # Thôn 3: mức 1 today; Đồng Tâm: mức 2 today
        assert (r[7] or "") == ("" if reported_14 else "Chưa báo cáo ngày 14/08")
    total = cells[8 + 12]
    assert total[1] == "Tổng cộng" and total[2] == sum(v[2] for v in VILLAGES)
    assert total[3:5] == (3, 19) and total[5] == sum(v[3] for v in VILLAGES) + 19
    assert ws.page_setup.orientation == "landscape" and int(ws.page_setup.paperSize) == int(ws.PAPERSIZE_A4) == 9
    assert ws.sheet_properties.pageSetUpPr.fitToPage and ws.page_setup.fitToWidth == 1
    assert ws.page_setup.fitToHeight == 0 and ws.print_title_rows == "$7:$8"
    # the per-day sheet lists the units in Vietnamese order too (then the totals)
    names = [r[0] for r in wb["Theo ngày"].iter_rows(min_row=2, values_only=True)]
    assert list(dict.fromkeys(names)) == [*VN_ORDER, "Tổng cộng"]
    # the raw data names the group, not its id
    raw = list(wb["Dữ liệu gốc"].iter_rows(min_row=2, values_only=True))
    assert raw and all(r[8] == "Tổ CNS Xã Tân Hòa" for r in raw)


def test_chart_has_a_legend_for_its_colours(sqlite_db: object) -> None:
    from datetime import timedelta

    from bot.core.rollup import compute_history, compute_rollup
    from bot.demo_data import seed_demo
    from bot.present.charts import COLORS, GREY, figure

    db = sqlite_db
    demo = seed_demo(db)  # type: ignore[arg-type]
    day = date(2025, 8, 14)
    r = compute_rollup(db, demo.commune_id, day)  # type: ignore[arg-type]
    fig = figure(r, compute_history(db, demo.commune_id, "l2", day - timedelta(days=6), day), "vi")  # type: ignore[arg-type]
    assert len(fig.legends) == 1
    legend = fig.legends[0]
    assert [x.get_text() for x in legend.get_texts()] == ["đạt ≥ 100%", "80–99%", "50–79%", "dưới 50%",
                                                          "chưa có chỉ tiêu"]
    from matplotlib.colors import to_hex

    assert [to_hex(p.get_facecolor()) for p in legend.get_patches()] == [c for _l, c in COLORS] + [GREY]


async def test_official_figures_by_import(harness: Harness) -> None:
    h = harness
    sheet = "unit_code,metric,day,official\nth-3,m2,13/08/2025,420\nx-tanhoa,l2,14/08/2025,3.100\n"
    r = await h.send_document(ADMIN_ID, ADMIN_ID, "chinh_thuc.csv", sheet.encode(), caption="/nhap", count=2)
    text = text_of(r)
    assert "Đã nhập xong" in text and "Số chính thức (C06)" in text, text
    text = (await h.say(LEADER_ID, LEADER_ID, "/tiendo th-3"))[0].text or ""
    assert "Số chính thức Mức 2 ngày 13/08: 420 · số của tổ: 405" in text and "−15" in text
    from bot.demo_data import VILLAGES

    ours = sum(v[3] for v in VILLAGES)
    text = (await h.say(LEADER_ID, LEADER_ID, "/tiendo"))[0].text or ""
    assert f"Số chính thức Mức 2 ngày 14/08: 3.100 · số của tổ: {ours:,}".replace(",", ".") in text
    # a bad row: nothing imported, the row named
    bad = "unit_code,metric,day,official\nth-3,m2,20/08/2025,430\n"
    text = text_of(await h.send_document(ADMIN_ID, ADMIN_ID, "official.csv", bad.encode(), caption="/nhap", count=2))
    assert "official.csv dòng 2" in text
    text = (await h.say(LEADER_ID, LEADER_ID, "/tiendo th-3"))[0].text or ""
    assert "430" not in text


async def test_the_evening_summary_shows_official_figures(harness: Harness) -> None:
    from tests.helpers.telegram import at, of_kind, tick

    h = harness
    await h.say(GROUP_ID, member_id(THON_3), "Thôn 3 hôm nay 5")
    await h.say(LEADER_ID, LEADER_ID, "/chinhthuc x-tanhoa m2 3.000")
    from bot.demo_data import VILLAGES

    ours = sum(v[3] for v in VILLAGES) + 5
    h.clock.set(at(20, 1))
    await tick(h)
    (summary,) = of_kind(h, GROUP_ID, "Tổng hợp VNeID")
    assert f"Số chính thức Mức 2 ngày 14/08: 3.000 · số của tổ: {ours:,}".replace(",", ".") in summary
    assert f"+{ours - 3000}" in summary


async def test_roster_in_vietnamese_order(harness: Harness) -> None:
    h = harness
    text = text_of(await h.say_quiet(ADMIN_ID, ADMIN_ID, "/thanhvien", wait=1.0))
    positions = [text.index(f"{name} (") for name in VN_ORDER]
    assert positions == sorted(positions), text[:500]
    assert text.index("Tổ viên Thôn Đồng Tâm") < text.index("Tổ viên Thôn Đồng Tân")
