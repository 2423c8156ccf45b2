"""Issue 17 (the first hour): help and error texts through the real bot over the emulator."""

from __future__ import annotations

import re
from datetime import date, datetime
from pathlib import Path

import pytest

from bot.cli import main as cli_main
from bot.demo_data import ADMIN_ID, GROUP_ID, LEADER_ID, member_id
from bot.texts import CATALOG, EXAMPLE_TZ
from storage import repo
from storage.db import Database
from storage.models import Member
from tests.helpers.telegram import Harness

DATE = re.compile(r"\b(\d{2})/(\d{2})/(\d{4})\b")


def text(replies: list) -> str:  # type: ignore[type-arg]
    return "\n".join((m.text or m.caption or "") for m in replies)


async def test_examples_compute_dates_from_today(harness: Harness) -> None:
    today = datetime.now(EXAMPLE_TZ).date()
    shown = []
    for cmd in ("/trogiup chitieu", "/trogiup moc", "/trogiup lich", "/lich ?", "/chitieu Thôn 3 m2 5 32/13/2025"):
        shown.append(text(await harness.say(ADMIN_ID, ADMIN_ID, cmd)))
    dates = [date(int(y), int(m), int(d)) for s in shown for d, m, y in DATE.findall(s.replace("32/13/2025", ""))]
    assert len(dates) >= 4, shown
    assert all(d >= today for d in dates), (today, dates)


async def test_invalid_numbers_say_the_number_is_invalid(harness: Harness) -> None:
    h = harness
    with h.db.session() as s:
        th3 = repo.unit_by_code(s, "th-3")
        assert th3 is not None
        before = repo.target_for(s, th3.id, "l2")
        assert before is not None
        before_value = before.value
    for cmd, bad in (("/chitieu Thôn 3 m2 -5", "-5"), ("/chitieu Thôn 3 m2 abc", "abc"),
                     ("/moc Thôn 5 m2 -1", "-1"), ("/chitieu Thôn 3 1,5", "1,5")):
        reply = text(await h.say(ADMIN_ID, ADMIN_ID, cmd))
        assert f"«{bad}» không hợp lệ" in reply and "Không tìm thấy" not in reply, (cmd, reply)
    with h.db.session() as s:
        tg = repo.target_for(s, th3.id, "l2")
        assert tg is not None and tg.value == before_value


async def test_audit_log_of_a_unit_whose_name_ends_in_a_number(harness: Harness) -> None:
    reply = text(await harness.say(ADMIN_ID, ADMIN_ID, "/nhatky Thôn 3"))
    assert "Nhật ký thao tác" in reply and "Thôn 3" in reply, reply
    reply = text(await harness.say(ADMIN_ID, ADMIN_ID, "/nhatky Thôn 3 5"))
    assert "Nhật ký thao tác" in reply and "Thôn 3" in reply, reply


async def test_join_code_rotation_names_the_unit(harness: Harness) -> None:
    h = harness
    with h.db.session() as s:
        th3, com = repo.unit_by_code(s, "th-3"), repo.unit_by_code(s, "x-tanhoa")
        assert th3 is not None and com is not None
        old3, old_com = th3.join_code, com.join_code
    shown = text(await h.say(LEADER_ID, LEADER_ID, "/madangky Thôn 3"))
    assert "/madangky doi th-3" in shown, shown  # the hint rotates Thôn 3's code, not the commune's
    rotated = text(await h.say(LEADER_ID, LEADER_ID, "/madangky Thôn 3 doi"))
    assert "Đã đổi mã đăng ký" in rotated and "Thôn 3" in rotated, rotated
    with h.db.session() as s:
        th3, com = repo.unit_by_code(s, "th-3"), repo.unit_by_code(s, "x-tanhoa")
        assert th3 is not None and com is not None
        assert th3.join_code != old3 and com.join_code == old_com


async def test_admin_can_demote_someone_they_promoted(harness: Harness) -> None:
    h = harness
    assert "quản trị" in text(await h.say(ADMIN_ID, ADMIN_ID, f"/thanhvien vaitro {LEADER_ID} quantri"))
    reply = text(await h.say(ADMIN_ID, ADMIN_ID, f"/thanhvien vaitro {LEADER_ID} truong"))
    assert "ngang hoặc cao hơn" not in reply, reply
    with h.db.session() as s:
        m = s.query(Member).filter_by(external_id=str(LEADER_ID)).one()
        assert m.role == "leader"
    # someone promoted by another admin stays protected
    other = member_id(0, True)
    with h.db.session() as s:
        com = repo.unit_by_code(s, "x-tanhoa")
        assert com is not None
        repo.add_member(s, "telegram", "777", "Cán bộ khác", com, "admin")
    reply = text(await h.say(ADMIN_ID, ADMIN_ID, "/thanhvien vaitro 777 thanhvien"))
    assert "ngang hoặc cao hơn" in reply, reply
    assert other


async def test_holidays_same_name_and_past_days(harness: Harness) -> None:
    h = harness  # the harness clock: 14/08/2025
    added = text(await h.say(GROUP_ID, ADMIN_ID, "/lich nghi 10/10/2025 Giải phóng Thủ đô"))
    assert "Đã thêm ngày nghỉ" in added, added
    same = text(await h.say(GROUP_ID, ADMIN_ID, "/lich nghi 10/10/2025 Giải phóng Thủ đô"))
    assert "đã là ngày nghỉ «Giải phóng Thủ đô»" in same and "→" not in same and "không thay đổi gì" in same, same
    past = text(await h.say(GROUP_ID, ADMIN_ID, "/lich nghi 01/08/2025 Nghỉ bù"))
    assert "đã qua" in past and "không thay đổi gì" in past, past
    listing = text(await h.say(GROUP_ID, ADMIN_ID, "/lich nghi"))
    assert "Nghỉ bù" not in listing and "Giải phóng Thủ đô" in listing


def test_one_quotation_style_in_the_catalog() -> None:
    for lang, table in CATALOG.items():
        bad = [k for k, v in table.items() if "“" in v or "”" in v or re.search(r'"\{\w+\}"', v)]
        assert bad == [], (lang, bad)


def test_export_csv_does_not_call_table_rows_reports(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    from bot.demo_data import seed_demo

    url = f"sqlite:///{tmp_path / 'x.db'}"
    db = Database(url)
    db.upgrade()
    seed_demo(db)
    db.dispose()
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.chdir(tmp_path)
    assert cli_main(["export", "--unit", "x-tanhoa", "--csv", "-o", "t.csv"]) == 0
    out = capsys.readouterr().out
    rows = (tmp_path / "t.csv").read_text(encoding="utf-8-sig").strip().splitlines()
    assert "dòng báo cáo" not in out and f"{len(rows) - 1} dòng" in out, out
    assert cli_main(["export", "--unit", "x-tanhoa", "--csv", "--sheet", "raw", "-o", "r.csv"]) == 0
    out = capsys.readouterr().out
    raw = (tmp_path / "r.csv").read_text(encoding="utf-8-sig").strip().splitlines()
    assert f"{len(raw) - 1} dòng báo cáo" in out, out


async def test_join_codes_in_a_group_show_only_the_groups_own_unit(harness: Harness) -> None:
    h = harness  # GROUP_ID is bound to Xã Tân Hòa
    with h.db.session() as s:
        com, th3 = repo.unit_by_code(s, "x-tanhoa"), repo.unit_by_code(s, "th-3")
        assert com is not None and th3 is not None
        com_code, th3_code = com.join_code, th3.join_code
        assert com_code is not None and th3_code is not None
    h.emu.private_chat(h.user(LEADER_ID))  # the leader has talked to the bot privately before
    mark = h.emu.mark()
    in_group = text(await h.say(GROUP_ID, LEADER_ID, "/madangky"))
    assert com_code in in_group and th3_code not in in_group and "gửi riêng" in in_group, in_group
    private = text(await h.emu.wait_for_messages(LEADER_ID, 1, since=mark))
    assert com_code in private and th3_code in private, private
    # another unit's code asked for in the group: nothing of it is posted there
    mark = h.emu.mark()
    other = text(await h.say(GROUP_ID, LEADER_ID, "/madangky Thôn 3"))
    assert th3_code not in other and com_code not in other, other
    assert th3_code in text(await h.emu.wait_for_messages(LEADER_ID, 1, since=mark))
    # in private the whole list, as before
    assert th3_code in text(await h.say(LEADER_ID, LEADER_ID, "/madangky"))


PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4


async def test_import_template_and_wrong_file_types(harness: Harness) -> None:
    import io

    import openpyxl

    from bot.core.importer import read_sources

    h = harness
    replies = await h.say(ADMIN_ID, ADMIN_ID, "/nhap mau")
    doc = replies[0]
    assert doc.kind == "document" and (doc.filename or "").endswith(".xlsx"), doc
    book = openpyxl.load_workbook(io.BytesIO(doc.file_bytes or b""))
    assert book.sheetnames == ["Hướng dẫn", "Đơn vị", "Chỉ tiêu", "Mốc", "Thành viên"]
    assert [c.value for c in book["Đơn vị"][1]] == ["Mã", "Tên", "Cấp", "Mã cấp trên"]
    sheets, issues, _notes = read_sources([(doc.filename or "x.xlsx", doc.file_bytes or b"")], None)
    assert issues == [] and sorted(sh.kind for sh in sheets) == ["baselines", "members", "targets", "units"]
    # sent back unchanged it stores nothing
    back = text((await h.send_document(ADMIN_ID, ADMIN_ID, doc.filename or "x.xlsx", doc.file_bytes or b"", "/nhap",
                                       count=2))[1:])  # after «⏳ Đang xử lý…»
    assert "không có dòng dữ liệu" in back or "không có gì thay đổi" in back, back
    # a photo sent as a file: what is accepted, and the template
    wrong = text(await h.send_document(ADMIN_ID, ADMIN_ID, "anh.png", PNG, "/nhap"))
    assert ".xlsx" in wrong and "CSV" in wrong and "/nhap mau" in wrong and "UTF-8…" not in wrong, wrong
    # a PNG renamed .csv: still says what is accepted and offers the template
    renamed = text((await h.send_document(ADMIN_ID, ADMIN_ID, "don_vi.csv", PNG, "/nhap", count=2))[1:])
    assert ".xlsx" in renamed and "/nhap mau" in renamed, renamed
    # no shell option or repository path in any import message
    for key, value in CATALOG["vi"].items():
        if key.startswith(("imp.", "usage.nhap", "org.import")):
            assert "--" not in value and "docs/" not in value, key


async def test_audit_log_entries_read_as_sentences(harness: Harness) -> None:
    h = harness
    steps = [
        (ADMIN_ID, "/chitieu th-3 m2 540 31/12/2025"),
        (ADMIN_ID, "/moc th-5 m2 210 01/08/2025"),
        (ADMIN_ID, "/donvi ngung Tổ 7"),
        (ADMIN_ID, f"/thanhvien vaitro {member_id(3)} truong"),
        (member_id(3), "/chitieu th-3 m2 1"),  # refused: not an admin
    ]
    for user, cmd in steps:
        await h.say(user, user, cmd)
    await h.say(GROUP_ID, LEADER_ID, "/lich tuan T6 21:00")
    await h.say(GROUP_ID, LEADER_ID, "/lich bo T7,CN")
    await h.say(GROUP_ID, ADMIN_ID, "/lich nghi 10/10/2025 Giải phóng Thủ đô")
    log = text(await h.say(ADMIN_ID, ADMIN_ID, "/nhatky 30"))
    assert "đặt chỉ tiêu Mức 2 cho Thôn 3: 530 → 540, hạn 31/12" in log, log
    assert "nhập số mốc Mức 2 cho Thôn 5" in log and "ngừng theo dõi đơn vị Tổ 7" in log, log
    assert "đổi vai trò của" in log and "từ thành viên tổ thành trưởng thôn/lãnh đạo" in log, log
    assert "ngày không nhắc từ không có thành Thứ 7, Chủ nhật" in log, log
    # no raw keys, no ISO dates, no Python values, no key=value pairs
    for raw in ("schedule.change", "skip_weekdays", "reason=", "imp.", "True", "False", "→ –", "=", "l2"):
        assert raw not in log, (raw, log)
    assert not re.search(r"\d{4}-\d{2}-\d{2}", log), log


def test_audit_sentences_of_holidays_refusals_and_unknown_fields() -> None:
    from bot.core.audit_text import sentence

    today = date(2025, 8, 14)
    names = {"2003": "Tổ viên An"}
    assert sentence("holiday.add", None, {"day": "2025-10-10", "name": "Giải phóng Thủ đô"}, "vi", unit="",
                    refused=False, today=today, names=names) == "thêm ngày nghỉ toàn quốc 10/10 «Giải phóng Thủ đô»"
    refused = sentence("target.set", None, {"reason": "imp.scope"}, "vi", unit="Thôn 3", refused=True, today=today, names=names)
    assert refused == "định đặt chỉ tiêu (Thôn 3) nhưng bị từ chối: ngoài phạm vi của người đó"
    odd = sentence("schedule.change", {"reminders_enabled": True, "x_new": "2026-01-02"},
                   {"reminders_enabled": False, "x_new": "2026-01-03"}, "vi", unit="Xã Tân Hòa", refused=False, today=today, names=names)
    assert odd == ("đổi lịch của nhóm Xã Tân Hòa: nhắc báo cáo từ bật thành tắt; "
                   "thông tin khác từ 02/01/2026 thành 03/01/2026")
    member = sentence("member.remove", {"member": "2003", "active": True}, {"member": "2003", "active": False},
                      "en", unit="Thôn 3", refused=False, today=today, names=names)
    assert member == "removed Tổ viên An from the team of Thôn 3"


async def test_hints_and_examples_name_the_members_own_unit(harness: Harness) -> None:
    h = harness
    napuc = member_id(7)  # a member of Bản Nà Pục
    helptext = text(await h.say(napuc, napuc, "/trogiup"))
    assert "Bản Nà Pục hôm nay 12 mức 2" in helptext and "Thôn 3 hôm nay" not in helptext, helptext
    start = text(await h.say(napuc, napuc, "/start"))
    assert "Bản Nà Pục hôm nay 12 mức 2" in start and "Thôn 3" not in start, start
    hint = text(await h.say(GROUP_ID, napuc, "Thôn 9 hôm nay 5"))
    assert "Bản Nà Pục" in hint, hint
    for other in ("Thôn 3", "TDP 5", "Thôn Đồng Tâm", "Xóm Bãi"):
        assert other not in hint, (other, hint)


async def test_join_codes_for_a_leader_who_never_opened_a_private_chat(harness: Harness) -> None:
    h = harness  # the leader has never talked to the bot privately: Telegram answers 403 to the bot
    with h.db.session() as s:
        th3 = repo.unit_by_code(s, "th-3")
        assert th3 is not None
        th3_code = th3.join_code
        assert th3_code is not None
    reply = text(await h.say(GROUP_ID, LEADER_ID, "/madangky"))
    assert th3_code not in reply and "mở chat riêng với bot" in reply, reply
    assert 400 not in h.emu.stats.errors and h.emu.stats.errors[403] == 1
