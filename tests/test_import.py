"""Bulk import (bot/core/importer.py): formats, validation of every row, scope, idempotency, all-or-nothing."""

from __future__ import annotations

import importlib.util
from collections.abc import Iterator
from datetime import date, datetime, time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from openpyxl import Workbook
from sqlalchemy import select

from bot.config import Settings
from bot.core.importer import kind_from_name, read_sources, run_import, shell_caller
from bot.core.services import Services
from bot.demo_data import ADMIN_ID, LEADER_ID, seed_demo
from storage import repo
from storage.db import Database
from storage.models import AuditLog, Baseline, Chat, Member, Target, Unit
from tests.helpers.org import dump
from tests.helpers.world import migrated_sqlite

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
NOW = datetime(2025, 8, 14, 10, 0, tzinfo=TZ)
EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
CSV_FILES = ("units.csv", "targets.csv", "baselines.csv", "members.csv", "chats.csv")


def services(db: Database) -> Services:
    return Services(Settings(_env_file=None, admin_ids=[]), db, lambda: NOW)  # type: ignore[call-arg]


def example_files() -> list[tuple[str, bytes]]:
    return [(name, (EXAMPLES / name).read_bytes()) for name in CSV_FILES]


def domain(db: Database) -> dict[str, Any]:
    """The imported content without ids or generated join codes (to compare two databases)."""
    with db.session() as s:
        units = {u.id: u for u in s.scalars(select(Unit))}
        code = {i: u.code for i, u in units.items()}
        return {
            "units": sorted((u.code, u.name, u.kind, code.get(u.parent_id or 0), u.depth, u.active,
                             "/".join(code[int(p)] for p in u.path.strip("/").split("/")))
                            for u in units.values()),
            "targets": sorted((code[t.unit_id], t.metric, t.value, t.deadline) for t in s.scalars(select(Target))),
            "baselines": sorted((code[b.unit_id], b.metric, b.as_of, b.value) for b in s.scalars(select(Baseline))),
            "members": sorted((m.external_id, m.display_name, code[m.unit_id], m.role, m.active)
                              for m in s.scalars(select(Member))),
            "chats": sorted((c.external_id, code.get(c.unit_id or 0), c.reminder_time, c.summary_time)
                            for c in s.scalars(select(Chat))),
        }


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    d = migrated_sqlite(tmp_path)  # upgrade(), copied from the template
    yield d
    d.dispose()


def _csv(text: str, *, bom: bool = False) -> bytes:
    return (b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8")


# ---- the shipped examples ----------------------------------------------------------------------


def check_examples_imported(db: Database) -> None:
    d = domain(db)
    units = {u[0]: u for u in d["units"]}
    assert len(units) == 11
    assert units["th-ab-1"][3] == "x-anbinh" and units["th-ab-1"][4] == 2
    assert units["th-ab-1"][6] == "t-mau/x-anbinh/th-ab-1"
    assert units["tdp-bm-5"][2] == "village" and units["t-mau"][2] == "province"
    assert ("th-ab-dongtam", "l2", 1046, date(2025, 12, 31)) in d["targets"]
    assert ("th-bm-1", "l2", 350, None) in d["targets"]
    assert ("th-ab-1", "l2", date(2025, 8, 1), 380) in d["baselines"]
    members = {m[0]: m for m in d["members"]}
    assert members["710000001"][3] == "admin" and members["710000002"][3] == "leader"
    assert members["710000202"][3] == "member" and members["720000001"][2] == "x-binhminh"
    assert ("-1001710000001", "x-anbinh", time(16, 30), time(20, 0)) in d["chats"]
    assert ("-1001710000101", "th-ab-1", None, None) in d["chats"]
    # both 'Thôn 1' exist, one per commune
    assert sorted(u[0] for u in d["units"] if u[1] == "Thôn 1") == ["th-ab-1", "th-bm-1"]
    with db.session() as s:
        assert all(u.join_code for u in s.scalars(select(Unit)))
        com = repo.unit_by_code(s, "x-anbinh")
        assert com is not None and repo.effective_target(s, com, "l2") == 530 + 480 + 400 + 1046


def test_examples_csv_import_and_reimport_is_a_no_op(db: Database) -> None:
    svc = services(db)
    report = run_import(svc, shell_caller(svc.settings), example_files())
    assert report.ok and report.committed, report.outcome().text("vi")
    assert report.counts["units"].created == 11 and report.counts["members"].created == 11
    check_examples_imported(db)
    text = report.outcome().text("vi")
    assert "Đã nhập xong" in text and "thêm mới 11" in text
    before = dump(db)
    again = run_import(svc, shell_caller(svc.settings), example_files())
    assert again.ok and again.changed == 0 and "không có gì thay đổi" in again.outcome().text("vi")
    assert dump(db) == before
    # the XLSX holds the same data: importing it changes nothing either
    xlsx = run_import(svc, shell_caller(svc.settings), [("example.xlsx", (EXAMPLES / "example.xlsx").read_bytes())])
    assert xlsx.ok and xlsx.changed == 0, xlsx.outcome().text("vi")
    assert dump(db) == before
    with db.session() as s:
        rows = list(s.scalars(select(AuditLog).where(AuditLog.action == "import")))
    assert len(rows) == 1 and rows[0].after is not None and rows[0].after["units"] == {"created": 11, "updated": 0}


def test_xlsx_import_matches_csv_import(tmp_path: Path, db: Database) -> None:
    spec = importlib.util.spec_from_file_location("make_xlsx", EXAMPLES / "make_xlsx.py")
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    built = mod.build(tmp_path / "built.xlsx")
    svc = services(db)
    report = run_import(svc, shell_caller(svc.settings), [("built.xlsx", built.read_bytes())])
    assert report.ok, report.outcome().text("vi")
    assert any("Hướng dẫn" in m.render("vi") for m in report.notes)
    other = Database(f"sqlite:///{tmp_path / 'csv.db'}")
    other.upgrade()
    assert run_import(services(other), shell_caller(svc.settings), example_files()).ok
    assert domain(db) == domain(other)
    other.dispose()


# ---- formats -------------------------------------------------------------------------------------


def test_headers_are_case_and_diacritics_insensitive_in_both_languages(db: Database) -> None:
    svc = services(db)
    files = [
        ("đơn vị.csv", _csv("MÃ;TÊN;Cấp;Mã cấp trên\nt-a;Tỉnh A;tỉnh;\nx-a;Xã A;Xã;t-a\nth-a1;Thôn 1;thôn;x-a\n", bom=True)),
        ("chi_tieu.csv", _csv("ma don vi,chi so,CHI TIEU,han\nth-a1,Mức 2,\"1.200\",31/12/2025\n")),
        ("moc.csv", _csv("Unit_Code\tAs_Of\tValue\nth-a1\t01/08/2025\t100\n")),
        ("danh sach.csv", _csv("mã đơn vị,telegram id,họ và tên,vai trò\nth-a1,123456,Người A,Trưởng thôn\n")),
        ("groups.csv", _csv("Unit code,Telegram chat ID,Giờ nhắc\nx-a,-100123,7h30\n")),
    ]
    report = run_import(svc, shell_caller(svc.settings), files)
    assert report.ok, report.outcome().text("vi")
    d = domain(db)
    assert ("th-a1", "Thôn 1", "village", "x-a", 2, True, "t-a/x-a/th-a1") in d["units"]
    assert d["targets"] == [("th-a1", "l2", 1200, date(2025, 12, 31))]
    assert d["baselines"] == [("th-a1", "l2", date(2025, 8, 1), 100)]  # default metric
    assert d["members"] == [("123456", "Người A", "th-a1", "leader", True)]
    assert d["chats"] == [("-100123", "x-a", time(7, 30), None)]


def test_kind_from_name_headers_or_option(db: Database) -> None:
    assert kind_from_name("don_vi.csv") == "units" and kind_from_name("Thành viên.csv") == "members"
    assert kind_from_name("units_2025.csv") == "units" and kind_from_name("xyz.csv") is None
    sheets, issues, _n = read_sources([("xyz.csv", _csv("code,name,parent_code\na,A,\n"))])
    assert not issues and sheets[0].kind == "units"  # from the headers
    sheets, issues, _n = read_sources([("xyz.csv", _csv("ma,ten\na,A\n"))], kind="units")
    assert not issues and sheets[0].kind == "units"
    sheets, issues, _n = read_sources([("xyz.csv", _csv("foo,bar\n1,2\n"))])
    assert issues and issues[0].key == "imp.unknown_kind"


def test_unreadable_files_are_reported(db: Database) -> None:
    svc = services(db)
    report = run_import(svc, shell_caller(svc.settings), [
        ("units.csv", b"code,name\nx,X\xe3\n"),
        ("old.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"0" * 100),
        ("broken.xlsx", b"PK\x03\x04 not really a zip"),
        ("members.csv", _csv("unit_code,name\nx,A\n")),
    ])
    keys = [i.key for i in report.issues]
    assert keys == ["imp.not_utf8", "imp.old_xls", "imp.bad_xlsx", "imp.missing_columns"]
    assert "telegram_id" in report.outcome().text("vi")


# ---- validation: every bad row, nothing written ----------------------------------------------------


BAD_FILES = [
    ("units.csv", _csv(
        "code,name,kind,parent_code\n"
        "t-x,Tỉnh X,province,\n"
        "x-1,Xã 1,commune,t-x\n"
        "x-1,Xã 1 lặp,commune,t-x\n"  # 4: duplicate code
        "bad code!,Xã 2,commune,t-x\n"  # 5: bad code
        "th-1,Thôn 1,village,x-9\n"  # 6: unknown parent
        "th-2,,village,x-1\n"  # 7: no name
        "th-3,thon 1,village,x-1\n"  # 8: ok
        "th-4,Thôn 1,village,x-1\n"  # 9: same name as a sibling (row 8)
        "c-1,Vòng 1,commune,c-2\n"  # 10: cycle
        "c-2,Vòng 2,commune,c-1\n"  # 11: cycle
    )),
    ("targets.csv", _csv(
        "unit_code,metric,target,deadline\n"
        "th-3,l2,100,31/12/2025\n"
        "th-3,l2,200,\n"  # 3: duplicate unit+metric
        "th-3,l9,100,\n"  # 4: unknown metric
        "th-3,l1,-5,\n"  # 5: negative
        "th-3,l1,\"4,5\",\n"  # 6: not a whole number
        "nope,l2,1,\n"  # 7: unknown unit
        "th-3,l1,10,32/01/2025\n"  # 8: bad date
    )),
    ("baselines.csv", _csv(
        "unit_code,metric,as_of,value\n"
        "th-3,l2,20/08/2025,5\n"  # 2: future day
        "th-3,l2,,5\n"  # 3: no date
    )),
    ("members.csv", _csv(
        "unit_code,telegram_id,name,role\n"
        "th-3,12.5,A,member\n"  # 2: bad id
        "th-3,111,B,vua\n"  # 3: bad role
        "th-3,222,C,member\n"
        "th-3,222,C again,member\n"  # 5: duplicate id
    )),
    ("chats.csv", _csv(
        "unit_code,telegram_chat_id,reminder_time,summary_time\n"
        "th-3,0,16:30,\n"  # 2: bad chat id
        "th-3,-100,25:00,\n"  # 3: bad time
    )),
]
BAD_ROWS = {
    ("units.csv", 4), ("units.csv", 5), ("units.csv", 6), ("units.csv", 7), ("units.csv", 9), ("units.csv", 10),
    ("units.csv", 11), ("targets.csv", 3), ("targets.csv", 4), ("targets.csv", 5), ("targets.csv", 6),
    ("targets.csv", 7), ("targets.csv", 8), ("baselines.csv", 2), ("baselines.csv", 3), ("members.csv", 2),
    ("members.csv", 3), ("members.csv", 5), ("chats.csv", 2), ("chats.csv", 3),
}


def test_every_bad_row_is_reported_and_nothing_is_written(db: Database) -> None:
    svc = services(db)
    before = dump(db)
    report = run_import(svc, shell_caller(svc.settings), BAD_FILES)
    assert not report.ok and not report.committed
    assert {(i.sheet, i.row) for i in report.issues} == BAD_ROWS
    assert dump(db) == before
    text = report.outcome().text("vi")
    assert "Chưa nhập gì" in text and f"có {len(report.issues)} lỗi" in text
    assert "units.csv dòng 4" in text and "chats.csv dòng 3" in text
    # in chat only the first lines are shown, with the count of the others
    short = report.outcome(limit=5).text("vi")
    assert f"và {len(report.issues) - 5} lỗi khác" in short
    assert len(report.issues_text("vi").strip().splitlines()) == len(report.issues)


def test_dry_run_writes_nothing(db: Database) -> None:
    svc = services(db)
    before = dump(db)
    report = run_import(svc, shell_caller(svc.settings), example_files(), dry_run=True)
    assert report.ok and not report.committed and "chạy thử" in report.outcome().text("vi")
    assert dump(db) == before


# ---- scope -----------------------------------------------------------------------------------------


def test_commune_admin_imports_only_inside_the_commune(db: Database) -> None:
    seed_demo(db)
    svc = services(db)
    admin = svc.caller("telegram", ADMIN_ID, "Lan")
    ok_files = [
        ("units.csv", _csv("code,name,parent_code\nth-moi,Thôn Mới,x-tanhoa\nxom-moi,Xóm Mới,th-moi\n")),
        ("members.csv", _csv("unit_code,telegram_id,name,role\nth-moi,880001,Người Mới,trưởng\n"
                             "th-3,2003,Tổ viên Thôn 3,quản trị\n")),
        ("targets.csv", _csv("unit_code,metric,target\nth-moi,l2,99\n")),
    ]
    report = run_import(svc, admin, ok_files)
    assert report.ok, report.outcome().text("vi")
    d = domain(db)
    assert ("xom-moi", "Xóm Mới", "village", "th-moi", 3, True, "t-demo/x-tanhoa/th-moi/xom-moi") in d["units"]
    assert ("2003", "Tổ viên Thôn 3", "th-3", "admin", True) in d["members"]
    before = dump(db)
    bad = [
        ("units.csv", _csv("code,name,parent_code\n"
                           "x-khac,Xã Khác,t-demo\n"  # parent outside the commune
                           "t-moi,Tỉnh Mới,\n"  # a root
                           "t-demo,Tỉnh Demo đổi tên,\n"  # a unit outside the scope
                           "x-tanhoa,Xã Tân Hòa,th-3\n")),  # moving one's own unit (and into its child)
        ("members.csv", _csv("unit_code,telegram_id,name,role\n"
                             "th-3,1000,Cán bộ xã Lan,member\n"  # oneself
                             "th-3,1001,Chủ tịch xã Hùng,member\n")),  # ok: a leader at the same level
        ("chats.csv", _csv("unit_code,telegram_chat_id\nt-demo,-1\n")),  # unit outside the scope
    ]
    report = run_import(svc, admin, bad)
    assert not report.ok
    rows = {(i.sheet, i.row) for i in report.issues}
    assert rows == {("units.csv", 2), ("units.csv", 3), ("units.csv", 4), ("units.csv", 5),
                    ("members.csv", 2), ("chats.csv", 2)}
    assert dump(db) == before
    with db.session() as s:
        refused = list(s.scalars(select(AuditLog).where(AuditLog.outcome == "refused")))
    assert [r.action for r in refused] == ["import"]
    # leaders and members cannot import at all
    leader = svc.caller("telegram", LEADER_ID, "Hùng")
    assert run_import(svc, leader, example_files()).issues[0].key == "imp.not_admin"
    assert dump(db) == before


# ---- upserts, moves, cycles -------------------------------------------------------------------------


def test_upserts_update_and_moves_rewrite_paths(db: Database) -> None:
    svc = services(db)
    shell = shell_caller(svc.settings)
    assert run_import(svc, shell, example_files()).ok
    changed = [
        # rename, change kind, move a village (with a new child) to the other commune, swap-free cycle check
        ("units.csv", _csv("code,name,kind,parent_code\n"
                           "th-ab-3,Thôn Ba,,x-binhminh\n"
                           "xom-ab-3a,Xóm 3A,cụm,th-ab-3\n"
                           "x-anbinh,Xã An Bình,phường,\n")),  # empty parent: stays where it is
        ("targets.csv", _csv("unit_code,metric,target\nth-ab-1,l2,540\n")),  # no deadline column: kept
        ("members.csv", _csv("unit_code,telegram_id,name,role\nth-ab-3,710000102,Trần Thị Bình,\n")),
        ("chats.csv", _csv("unit_code,telegram_chat_id,reminder_time\nth-ab-1,-1001710000001,\n")),
    ]
    report = run_import(svc, shell, changed)
    assert report.ok, report.outcome().text("vi")
    c = report.counts["units"]
    assert (c.created, c.updated, c.unchanged) == (1, 1, 1)
    d = domain(db)
    units = {u[0]: u for u in d["units"]}
    assert units["th-ab-3"][1:5] == ("Thôn Ba", "village", "x-binhminh", 2)
    assert units["th-ab-3"][6] == "t-mau/x-binhminh/th-ab-3"
    assert units["xom-ab-3a"][6] == "t-mau/x-binhminh/th-ab-3/xom-ab-3a" and units["xom-ab-3a"][4] == 3
    assert units["x-anbinh"][2] == "commune" and units["x-anbinh"][3] == "t-mau"
    assert ("th-ab-1", "l2", 540, date(2025, 12, 31)) in d["targets"]
    assert ("710000102", "Trần Thị Bình", "th-ab-3", "member", True) in d["members"]
    assert ("-1001710000001", "th-ab-1", None, time(20, 0)) in d["chats"]
    # moving a commune under its own village is a cycle: refused, nothing written
    before = dump(db)
    report = run_import(svc, shell, [("units.csv", _csv("code,name,parent_code\nx-binhminh,Xã Bình Minh,th-bm-1\n"))])
    assert [i.key for i in report.issues] == ["imp.cycle"]
    assert dump(db) == before
    # swapping parent and child in one file is fine (the final tree has no cycle)
    report = run_import(svc, shell, [("units.csv", _csv(
        "code,name,parent_code\nxom-ab-3a,Xóm 3A,x-binhminh\nth-ab-3,Thôn Ba,xom-ab-3a\n"))])
    assert report.ok, report.outcome().text("vi")
    units = {u[0]: u for u in domain(db)["units"]}
    assert units["th-ab-3"][6] == "t-mau/x-binhminh/xom-ab-3a/th-ab-3"


def test_name_clash_with_existing_sibling(db: Database) -> None:
    svc = services(db)
    shell = shell_caller(svc.settings)
    assert run_import(svc, shell, example_files()).ok
    report = run_import(svc, shell, [("units.csv", _csv("code,name,parent_code\nth-ab-x,THÔN 1,x-anbinh\n"))])
    assert [i.key for i in report.issues] == ["imp.name_taken"]


# ---- shell -------------------------------------------------------------------------------------------


def test_cli_import_with_progress(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    from bot.cli import main

    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("ADMIN_IDS", "")
    monkeypatch.chdir(tmp_path)  # no .env from the repository
    rc = main(["import", *(str(EXAMPLES / n) for n in CSV_FILES)])
    out = capsys.readouterr()
    assert rc == 0, out
    assert "Đã nhập xong" in out.out and "%" in out.err and "#" in out.err
    bad = tmp_path / "thanh_vien.csv"
    bad.write_text("unit_code,telegram_id,name\nkhong-co,1,A\nth-ab-1,x,B\n", encoding="utf-8")
    rc = main(["import", str(bad)])
    out = capsys.readouterr()
    assert rc == 1 and "dòng 2" in out.out and "dòng 3" in out.out
    rc = main(["import", "--kind", "members", str(tmp_path / "missing.csv")])
    assert rc == 2
    db = Database(url)
    assert len(domain(db)["units"]) == 11
    db.dispose()


# ---- PostgreSQL -----------------------------------------------------------------------------------------


@pytest.mark.postgres
def test_import_on_postgres(pg_db: Database) -> None:
    svc = services(pg_db)
    shell = shell_caller(svc.settings)
    report = run_import(svc, shell, example_files())
    assert report.ok and report.committed, report.outcome().text("vi")
    check_examples_imported(pg_db)
    before = dump(pg_db)
    assert run_import(svc, shell, example_files()).changed == 0
    assert dump(pg_db) == before
    bad = run_import(svc, shell, BAD_FILES)
    assert {(i.sheet, i.row) for i in bad.issues} == BAD_ROWS
    assert dump(pg_db) == before
    moved = run_import(svc, shell, [("units.csv", _csv("code,name,parent_code\nth-ab-3,Thôn 3,x-binhminh\n"))])
    assert moved.ok
    units = {u[0]: u for u in domain(pg_db)["units"]}
    assert units["th-ab-3"][6] == "t-mau/x-binhminh/th-ab-3" and units["th-ab-3"][4] == 2


def test_workbook_with_typed_cells(db: Database, tmp_path: Path) -> None:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "Đơn vị"
    ws.append(["Mã", "Tên", "Mã cấp trên"])
    ws.append(["t-z", "Tỉnh Z", None])
    ws.append(["x-z", "Xã Z", "t-z"])
    ws2 = wb.create_sheet("Mốc")
    ws2.append(["Mã đơn vị", "Chỉ số", "Ngày", "Số lượng"])
    ws2.append(["x-z", "l2", datetime(2025, 8, 1), 412.0])
    ws3 = wb.create_sheet("Nhóm")
    ws3.append(["Mã đơn vị", "telegram_chat_id", "Giờ nhắc", "Giờ tổng hợp"])
    ws3.append(["x-z", -1001234567890, time(16, 30), 0.875])
    path = tmp_path / "tinh-z.xlsx"
    wb.save(path)
    svc = services(db)
    report = run_import(svc, shell_caller(svc.settings), [(path.name, path.read_bytes())])
    assert report.ok, report.outcome().text("vi")
    d = domain(db)
    assert d["baselines"] == [("x-z", "l2", date(2025, 8, 1), 412)]
    assert d["chats"] == [("-1001234567890", "x-z", time(16, 30), time(21, 0))]


# ---- hardening (issue 15) ------------------------------------------------------------------------------


def test_scoped_admin_imports_only_chats_the_bot_has_seen(db: Database) -> None:
    """Issue 15 item 15, without the network: a commune admin's new chat id is refused (nothing bound) until
    the intake holds an update from that chat, or the channel verified it; a global admin binds any id."""
    from storage import intake_repo

    seed_demo(db)
    svc = services(db)
    admin = svc.caller("telegram", ADMIN_ID, "Lan")
    files = [("chats.csv", _csv("unit_code,telegram_chat_id\nth-3,-1009990001\nth-5,-1009990002\n"))]
    before = dump(db)
    report = run_import(svc, admin, files)
    assert [(i.row, i.key, i.args["id"]) for i in report.issues] == [
        (2, "imp.chat_unseen", "-1009990001"), (3, "imp.chat_unseen", "-1009990002")]
    assert report.unseen_chats == ["-1009990001", "-1009990002"]
    assert "thêm bot vào nhóm đó và gửi một tin nhắn" in report.outcome().text("vi")
    assert "Add the bot to that group and send a message there" in report.outcome().text("en")
    assert dump(db) == before
    with db.session() as s:  # an update from the first chat reached the bot
        intake_repo.begin_attempt(s, channel="telegram", bot="1", key="77", chat_id="-1009990001", now=NOW)
    report = run_import(svc, admin, files)
    assert [(i.row, i.key) for i in report.issues] == [(3, "imp.chat_unseen")]
    assert dump(db) == before
    report = run_import(svc, admin, files, verified_chats=frozenset({"-1009990002"}))
    assert report.ok, report.outcome().text("vi")
    assert ("-1009990001", "th-3", None, None) in domain(db)["chats"]
    assert ("-1009990002", "th-5", None, None) in domain(db)["chats"]
    # a global admin: any id
    glob = Services(Settings(_env_file=None, admin_ids=[ADMIN_ID]), db, lambda: NOW)  # type: ignore[call-arg]
    report = run_import(glob, glob.caller("telegram", ADMIN_ID, "Lan"),
                        [("chats.csv", _csv("unit_code,telegram_chat_id\nth-3,-1009990003\n"))])
    assert report.ok, report.outcome().text("vi")
    assert ("-1009990003", "th-3", None, None) in domain(db)["chats"]


def test_look_alike_and_bidi_names_refused_in_imports(db: Database) -> None:
    """Issue 15 item 12 (imports): a unit or member name with bidi/control characters, a mixed-script
    look-alike of a sibling unit (in the system or the file) or of a member of the same unit is refused per
    row, nothing applied; decomposed Vietnamese is stored in NFC."""
    import unicodedata

    seed_demo(db)
    svc = services(db)
    shell = shell_caller(svc.settings)
    cyr = "\u0422h\u00f4n 3"  # Cyrillic Т + hôn 3
    bad = [
        ("units.csv", _csv("code,name,parent_code\n"
                           "th-rtl,\u202eThôn 9,x-tanhoa\n"  # row 2: bidi override
                           f"th-cyr,{cyr},x-tanhoa\n"  # row 3: look-alike of the existing Thôn 3
                           "th-a,Xóm Ba,th-3\n"  # row 4: fine
                           "th-b,X\u03bf\u0301m Ba,th-3\n"  # row 5: Greek ο: look-alike of row 4
                           "th-ok,Thôn Mới,x-tanhoa\n")),  # row 6: fine
        ("members.csv", _csv("unit_code,telegram_id,name\n"
                             "th-3,880001,\u2067Kẻ Giả\u2069\n"  # row 2: isolate controls
                             "th-3,880002,T\u043e\u0302\u0309 viên Thôn 3\n"  # row 3: Cyrillic о, look-alike of 2003's
                             "th-5,880003,T\u043e\u0302\u0309 viên Thôn 3\n"  # row 4: same name, another unit: fine
                             "th-3,880004,Người Thật\n")),  # row 5: fine
    ]
    before = dump(db)
    report = run_import(svc, shell, bad)
    got = [(i.sheet, i.row, i.key) for i in report.issues]
    assert got == [("units.csv", 2, "imp.name_control"), ("units.csv", 3, "imp.name_taken"),
                   ("units.csv", 5, "imp.duplicate_name"), ("members.csv", 2, "imp.name_control"),
                   ("members.csv", 3, "imp.member_look_alike")], got
    text = report.outcome().text("vi")
    assert "ký tự đảo chiều" in text and "trông giống hệt thành viên «Tổ viên Thôn 3»" in text
    assert dump(db) == before
    nfd = unicodedata.normalize("NFD", "Nguyễn Thị Huệ")
    ok = [("units.csv", _csv("code,name,parent_code\nth-nfd," + unicodedata.normalize("NFD", "Xóm Mới") + ",th-3\n")),
          ("members.csv", _csv(f"unit_code,telegram_id,name\nth-3,880005,{nfd}\n"))]
    report = run_import(svc, shell, ok)
    assert report.ok, report.outcome().text("vi")
    d = domain(db)
    assert any(u[0] == "th-nfd" and u[1] == "Xóm Mới" for u in d["units"])
    assert ("880005", "Nguyễn Thị Huệ", "th-3", "member", True) in d["members"]
