"""Export (bot/present/export.py): dates, the xlsx sheets, CSV with BOM, and `vneid-bot export`."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook

from bot.demo_data import Demo, member_id, seed_demo
from bot.present.export import ExportError, file_name, parse_args, parse_day, period, write_csv, write_xlsx
from bot.texts import t
from storage import repo
from storage.db import Database
from storage.models import Report

D = date(2025, 8, 14)
TZ = ZoneInfo("Asia/Ho_Chi_Minh")
NOW = datetime(2025, 8, 14, 3, 0, tzinfo=UTC)  # 10:00 in Hà Nội


def test_parse_day() -> None:
    assert parse_day("14/8", D) == D
    assert parse_day("14/08/2025", D) == D
    assert parse_day("1-8-25", D) == date(2025, 8, 1)
    assert parse_day("2025-08-03", D) == date(2025, 8, 3)
    assert parse_day("3.8.2024", D) == date(2024, 8, 3)
    for bad in ("31/02/2025", "14/13", "abc", "14/8/202", "2025-08"):
        with pytest.raises(ExportError) as exc:
            parse_day(bad, D)
        assert exc.value.key == "export.bad_date"
        assert "không hợp lệ" in exc.value.text("vi")


def test_period_and_args() -> None:
    assert period([], D) == (date(2025, 8, 1), D)
    assert period(["10/8"], D) == (date(2025, 8, 10), date(2025, 8, 10))
    assert period(["1/7", "14/8"], D) == (date(2025, 7, 1), D)
    for tokens, key in ((["14/8", "1/8"], "export.reversed"), (["20/8"], "export.future"),
                        (["1/1/2024", "14/8/2025"], "export.too_long"), (["1/8", "2/8", "3/8"], "export.too_many_dates")):
        with pytest.raises(ExportError) as exc:
            period(tokens, D)
        assert exc.value.key == key
    a = parse_args("01/08 14/08 csv Thôn 3", D)
    assert (a.start, a.end, a.csv, a.unit_name) == (date(2025, 8, 1), D, True, "Thôn 3")
    a = parse_args("", D)
    assert (a.start, a.end, a.csv, a.unit_name) == (date(2025, 8, 1), D, False, "")
    with pytest.raises(ExportError):
        parse_args("32/8", D)
    assert file_name("x-tanhoa", date(2025, 8, 1), D, False) == "bao-cao-x-tanhoa-2025-08-01_2025-08-14.xlsx"
    assert file_name("Xã/1", D, D, True) == "bao-cao-X-1-2025-08-14.csv"


def _seed(db: Database) -> Demo:
    demo = seed_demo(db)
    with db.session() as s:
        mid = 1
        for i, name in enumerate(("Thôn Đồng Tâm", "Thôn 3", "Thôn 5")):
            m = repo.member_by_external(s, "telegram", str(member_id(i if i == 0 else i + 2)))
            assert m is not None
            for k in range(3):
                s.add(Report(unit_id=demo.village_ids[name], metric="l2", day=D - timedelta(days=k), value=k * (i + 1),
                             reporter_id=m.id, chat_id="-100500", message_id=mid, created_at=NOW - timedelta(days=k),
                             raw_text="hôm nay <b>&</b>\x01 mức 2" if mid == 1 else "  ok  "))
                mid += 1
        m = repo.member_by_external(s, "telegram", str(member_id(0)))
        assert m is not None
        s.add(Report(unit_id=demo.village_ids["Thôn Đồng Tâm"], metric="l2", day=D, value=50, reporter_id=m.id,
                     chat_id="-100500", message_id=99, created_at=NOW, superseded_at=NOW))  # not current
        s.add(Report(unit_id=demo.village_ids["Thôn Đồng Tâm"], metric="l1", day=D - timedelta(days=40), value=9,
                     reporter_id=m.id, chat_id="-100500", message_id=98, created_at=NOW))  # before the period
    return demo


def test_xlsx(any_db: Database) -> None:
    demo = _seed(any_db)
    content, rows = write_xlsx(any_db, demo.commune_id, D - timedelta(days=2), D, tz=TZ, now=NOW)
    assert rows == 9
    wb = load_workbook(io.BytesIO(content))
    assert wb.sheetnames == ["Mẫu báo cáo", "Tổng hợp", "Theo ngày", "Dữ liệu gốc"]
    s1 = wb["Tổng hợp"]
    assert "VNeID" in str(s1["A1"].value) and "12/08/2025" in str(s1["A2"].value)
    head = [c.value for c in s1[3]]
    assert "Mức 2 từ 12/08 đến 14/08" in head  # a period column when from < to
    col = {h: i for i, h in enumerate(head)}
    body = list(s1.iter_rows(min_row=4, values_only=True))
    assert [r[0] for r in body[:3]] == [1, 2, 3] and len(body) == 13
    total = body[-1]
    # l2 today: 2 + 4 + 6 = 12 (days back k=0 has value 0: D is k=0 -> 0) -> recompute from the seed
    today = {"Thôn Đồng Tâm": 0, "Thôn 3": 0, "Thôn 5": 0}
    period_sum = {"Thôn Đồng Tâm": 0 + 1 + 2, "Thôn 3": 0 + 2 + 4, "Thôn 5": 0 + 3 + 6}
    assert total[col["Mức 2 ngày 14/08"]] == sum(today.values())
    assert total[col["Mức 2 từ 12/08 đến 14/08"]] == sum(period_sum.values()) == 18
    assert total[col["Lũy kế Mức 2"]] == 3075 + 18
    t3 = next(r for r in body if r[1] == "Thôn 3")
    assert t3[col["Lũy kế Mức 2"]] == 405 + 6 and t3[col["Chưa báo cáo ngày 14/08"]] in (None, "")
    xb = next(r for r in body if r[1] == "Xóm Bãi")
    assert xb[col["Chưa báo cáo ngày 14/08"]] == "chưa" and xb[col["Mức 2 ngày 14/08"]] == 0
    assert total[col["Chưa báo cáo ngày 14/08"]] == "9/12"

    s2 = wb["Theo ngày"]
    d_rows = list(s2.iter_rows(min_row=2, values_only=True))
    dt = next(r for r in d_rows if r[0] == "Thôn Đồng Tâm" and r[2] == "Mức 2")
    assert dt[3:] == (2, 1, 0, 3)  # 12/08, 13/08, 14/08 (a reported 0), total
    hb = next(r for r in d_rows if r[0] == "Thôn Hạ" and r[2] == "Mức 2")
    assert hb[3:6] == (None, None, None) and hb[6] == 0
    tot = next(r for r in d_rows if r[0] == "Tổng cộng" and r[2] == "Mức 1")
    assert tot[-1] == 0  # the l1 row 40 days ago is outside the period

    s3 = wb["Dữ liệu gốc"]
    raw = list(s3.iter_rows(values_only=True))
    assert raw[0][:3] == ("Ngày", "Đơn vị", "Mã") and len(raw) == 10
    first = raw[1]
    assert first[0] == datetime(2025, 8, 12) and first[7] == datetime(2025, 8, 12, 10, 0)
    texts = [r[9] for r in raw[1:]]
    assert "hôm nay <b>&</b> mức 2" in texts and "  ok  " in texts  # escaped, control character dropped
    assert s3.column_dimensions["B"].width >= len("Thôn Đồng Tâm")
    assert s3.cell(2, 6).number_format == "#,##0" and s3.cell(2, 8).number_format == "dd/mm/yyyy hh:mm"
    assert s3.freeze_panes == "A2"


def test_xlsx_village_and_empty_period(sqlite_db: Database) -> None:
    demo = _seed(sqlite_db)
    content, rows = write_xlsx(sqlite_db, demo.village_ids["Xóm Bãi"], D, D, tz=TZ, lang="en", now=NOW)
    assert rows == 0
    wb = load_workbook(io.BytesIO(content))
    assert wb.sheetnames == ["Report form", "Summary", "Per day", "Raw data"]
    body = list(wb["Summary"].iter_rows(min_row=4, values_only=True))
    assert body[0][1] == "Xóm Bãi" and body[-1][1] == "Total"
    assert list(wb["Raw data"].iter_rows(values_only=True))[1:] == []


def test_csv(sqlite_db: Database) -> None:
    demo = _seed(sqlite_db)
    data, n = write_csv(sqlite_db, demo.commune_id, D, D)
    assert data.startswith(b"\xef\xbb\xbf") and n == 13
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0][:3] == ["STT", "Đơn vị", "Mã"]
    dong_tam = next(r for r in rows if r[1] == "Thôn Đồng Tâm")
    assert dong_tam[rows[0].index("Lũy kế Mức 2")] == "383" and dong_tam[rows[0].index("% đạt Mức 2")] == "72.3"
    data, n = write_csv(sqlite_db, demo.commune_id, D - timedelta(days=2), D, sheet="raw", tz=TZ)
    assert n == 9 and "14/08/2025 10:00" in data.decode("utf-8-sig")
    data, n = write_csv(sqlite_db, demo.commune_id, D - timedelta(days=2), D, sheet="daily")
    assert "12/08/2025" in data.decode("utf-8-sig").splitlines()[0]


def test_cli_export(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    from bot.cli import main

    url = f"sqlite:///{tmp_path / 'cli.db'}"
    db = Database(url)
    db.upgrade()
    _seed(db)
    db.dispose()
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.chdir(tmp_path)  # no .env from the work tree
    out = tmp_path / "out.xlsx"
    today = datetime.now(UTC).astimezone(TZ).date()
    assert main(["export", "--unit", "X-TANHOA", "--from", "12/08/2025", "--to", "14/08/2025", "-o", str(out)]) == 0
    wb = load_workbook(out)
    assert len(list(wb["Dữ liệu gốc"].iter_rows())) == 10
    assert "Đã ghi" in capsys.readouterr().out
    out_csv = tmp_path / "out.csv"
    assert main(["export", "--unit", "x-tanhoa", "--csv", "--from", "14/08/2025", "--to", "14/08/2025",
                 "-o", str(out_csv)]) == 0
    assert out_csv.read_bytes().startswith(b"\xef\xbb\xbf")

    assert main(["export", "--unit", "x-tanhoa", "--from", "31/02/2025", "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert "31/02/2025" in err and "không hợp lệ" in err
    assert main(["export", "--unit", "nope", "-o", str(out)]) == 2
    assert t("export.unknown_unit", "vi", code="nope") in capsys.readouterr().err
    later = (today + timedelta(days=3)).strftime("%d/%m/%Y")
    assert main(["export", "--unit", "x-tanhoa", "--to", later, "-o", str(out)]) == 2
    assert "chưa tới" in capsys.readouterr().err
