"""Hostile input: fuzzed parser, fuzzed commands through the real bot, injection in unit and member names,
update types the bot must ignore. Bounded (well under a minute): fixed seeds, a fixed number of inputs.

What "safe" means here: no crash (no error logged, no "bot gặp sự cố" reply), no garbage stored (report
values are small non-negative integers, tables intact), every reply renders (the emulator parses the HTML
of every message: broken entities would be a 400 in ``emu.stats.errors``).
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import TypeVar

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from bot.core.commands import COMMANDS
from bot.core.parsing import normalize, parse_report
from bot.demo_data import ADMIN_ID, GROUP_ID, LEADER_ID, VILLAGES, member_id
from bot.emulator import Emulator, Limits, User
from bot.texts import t
from storage import repo
from storage.db import Database
from storage.models import Member, PendingReport, Report, Unit
from tests.helpers.faultkit import FaultBot, seed, wait_for
from tests.helpers.world import TOKEN, sqlite_url

T = TypeVar("T")

DAY = date(2025, 8, 14)
UNITS = sorted({name for _c, name, _t, _b in VILLAGES} | {"Xã Tân Hòa"})
INT32 = 2**31 - 1

HOSTILE_NAMES = [
    "<b>x</b>",
    "'; DROP TABLE units;--",
    "&amp;",
    "Thôn <i>3",
    "a & b <c> \"d\" 'e'",
    "</code></b><a href='x'>",
    "Robert'); DELETE FROM reports;--",
    "\u202eRTL thôn",
    "Thôn 🦆 Vịt",
]

# ---------------------------------------------------------------------------------------------- the parser

big_number = st.integers(min_value=10**9, max_value=10**40).map(str)
word = st.sampled_from([
    "hôm nay", "hnay", "hqua", "hôm qua", "ngày 14/8", "14/08/2025", "ngày 31/2", "ngày 99/99", "m1", "m2",
    "mức 2", "LK", "lũy kế", "bc", "/baocao", "chưa bc", "+", "-", "%", "tk", ":", "/", "\n", "Thôn 3",
    "thon dong tam", "TDP 5", "xóm Bãi", "'; DROP TABLE reports;--", "<b>", "&amp;", "\u200b", "\u0301",
])
report_like = st.lists(st.one_of(word, big_number, st.integers(0, 10**6).map(str), st.text(max_size=8)),
                       max_size=14).map(" ".join)
message = st.one_of(st.text(max_size=200), report_like,
                    st.builds(lambda s, n: (s + " ") * n, report_like, st.integers(1, 400)).map(lambda s: s[:4096]))


@settings(max_examples=400, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(message)
def test_parser_never_crashes_and_never_returns_garbage(text: str) -> None:
    parsed = parse_report(text, today=DAY, units=UNITS, metrics=["l1", "l2"])
    assert parsed.kind in ("report", "not_report", "error")
    if parsed.kind == "error":
        assert parsed.error or parsed.error_code  # a hint for the member, never an exception
    for line in parsed.lines:
        assert line.unit is None or line.unit in UNITS, line
        assert line.metric in (None, "l1", "l2"), line
        if line.value is not None:  # storable: a non-negative 32-bit integer (PostgreSQL INTEGER)
            assert 0 <= line.value <= INT32, (text, line)
        for v in (line.cumulative, line.target):
            assert v is None or 0 <= v <= 10**15, (text, line)
    if parsed.day is not None:
        assert parsed.day <= DAY, (text, parsed.day)
    normalize(text)  # and the normaliser copes too


# ---------------------------------------------------------------------------------------------- through the bot


def _garbage_free(db: Database, max_value: int) -> tuple[int, int]:
    with db.session() as s:
        rows = s.execute(select(func.count(), func.min(Report.value), func.max(Report.value))).one()
        pend = list(s.scalars(select(PendingReport)))
        units = int(s.scalar(select(func.count()).select_from(Unit)) or 0)
    count, lo, hi = int(rows[0]), rows[1], rows[2]
    if count:
        assert lo >= 0 and hi <= max_value, (lo, hi)
    for p in pend:
        for item in p.payload.get("plan", []):
            assert 0 <= int(item["value"]) <= INT32, item
    return count, units


def _errors(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [f"{r.name}: {r.getMessage()}" for r in caplog.records if r.levelno >= logging.ERROR]


async def test_injection_in_unit_and_member_names_renders_safely(tmp_path: Path, emu: Emulator,
                                                                 caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING)
    db = Database(sqlite_url(tmp_path))
    seed(db, 0)
    people: list[tuple[int, str, str]] = []  # (user id, member name, unit name)
    with db.session() as s:
        commune = repo.unit_by_code(s, "x-tanhoa")
        assert commune is not None
        for i, name in enumerate(HOSTILE_NAMES):
            evil = repo.create_unit(s, f"evil-{i}", name, "village", commune)
            repo.set_target(s, evil, "l2", 300)
            uid = 70_000 + i
            repo.add_member(s, "telegram", str(uid), HOSTILE_NAMES[-1 - i], evil, "member")
            people.append((uid, HOSTILE_NAMES[-1 - i], name))
    emu.group_chat(GROUP_ID, "<b>Tổ</b> & 'nhóm'")
    async with FaultBot(emu, db):
        for uid, person, _unit in people:
            emu.send_message(GROUP_ID, User(uid, person), "hôm nay 7 m2")
        await wait_for(lambda: len(emu.sent(GROUP_ID)) >= len(people), 30, "confirmations")
        for uid, person, unit in people:  # naming their own (hostile) unit, and asking for progress
            emu.send_message(GROUP_ID, User(uid, person), f"{unit} hqua 3 m2")
            emu.send_message(uid, User(uid, person), "/tiendo")
        for who in (LEADER_ID, ADMIN_ID):
            for cmd in ("/tiendo", "/xephang", "/chuabaocao", "/tonghop", "/thanhvien", "/donvi", "/madangky"):
                emu.send_message(GROUP_ID, User(who, "Lãnh đạo <b>"), cmd)
        await emu.wait_idle(30)
        await asyncio.sleep(2.0)
    texts = [r.content for r in emu.sent()]
    confirmations = [x for x in texts if x.startswith("✅")]
    assert len(confirmations) >= len(people)
    for _uid, _person, unit in people:  # escaped, not interpreted: the plain text shows the name as typed
        assert any(unit in x for x in confirmations), unit
    assert 400 not in emu.stats.errors, f"a reply with broken HTML: {emu.stats.errors}"
    assert not [x for x in texts if x.startswith(t("err.internal")[:20])], "a handler crashed"
    assert not _errors(caplog), _errors(caplog)
    stored, units = _garbage_free(db, 500)
    assert units == 2 + len(VILLAGES) + len(HOSTILE_NAMES)  # nothing dropped or added by an "injection"
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(Member)) == 2 + 2 * len(VILLAGES) + len(HOSTILE_NAMES)
    print(f"hostile: {len(HOSTILE_NAMES)} units and members named like {HOSTILE_NAMES[:3]}: {stored} reports stored, "
          f"{len(texts)} replies rendered (0 HTML errors), tables intact")


def _fuzz_inputs(rng: random.Random, n: int) -> list[str]:
    names = [name for spec in COMMANDS for name in spec.names]
    pieces = ["Thôn 3", "th-3", "x-tanhoa", "m2", "m1", "xoa", "them", "doiten", "chuyen", "ngung", "mo", "ds",
              "vaitro", "quantri", "truong", "doi", "huy", "tat", "bat", "nhac", "tonghop", "ngày 14/8", "31/12/2025",
              "25:99", "hôm nay", "hqua", "|", "@VneidTestBot", "@otherbot", str(member_id(3)), "2003", "-5", "0",
              "1.046", "79,7%", *HOSTILE_NAMES, "\u0000", "\u200b", "\ufeff", "٣", "１２", "Ⅻ"]

    def arg() -> str:
        r = rng.random()
        if r < 0.3:
            return rng.choice(pieces)
        if r < 0.45:
            return str(rng.choice([10**9, 2**31, 2**63, 10**20, 10**40, -(2**63) - 1]))
        if r < 0.7:
            return "".join(chr(rng.choice([rng.randint(32, 0x2FF), rng.randint(0x300, 0x36F),
                                           rng.randint(0x1E00, 0x1EFF), rng.randint(0x1F300, 0x1FAFF),
                                           rng.randint(0x4E00, 0x9FFF)])) for _ in range(rng.randint(1, 12)))
        return str(rng.randint(0, 1000))

    out = []
    for _ in range(n):
        kind = rng.random()
        if kind < 0.7:
            cmd = "/" + rng.choice(names) + (rng.choice(["", "", "@VneidTestBot", "@otherbot"]))
            text = " ".join([cmd, *(arg() for _ in range(rng.randint(0, 6)))])
        elif kind < 0.9:
            text = " ".join(arg() for _ in range(rng.randint(1, 10)))
        else:  # long messages, up to Telegram's 4096 characters
            text = ((" ".join(arg() for _ in range(8)) + "\n") * 400)[: rng.choice([1000, 4096])]
        out.append(text.strip() or "/start")
    return out


async def test_fuzzed_commands_and_text_never_crash(tmp_path: Path, emu: Emulator,
                                                    caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING)
    db = Database(sqlite_url(tmp_path))
    seed(db, 0)
    rng = random.Random(2025)
    inputs = _fuzz_inputs(rng, 240)
    who = [ADMIN_ID, LEADER_ID, member_id(3), member_id(5, True), 99_999]
    emu.group_chat(GROUP_ID, "Tổ CNS Xã Tân Hòa")
    async with FaultBot(emu, db):
        for i, text in enumerate(inputs):
            uid = who[i % len(who)]
            chat = GROUP_ID if i % 3 else uid
            emu.send_message(chat, User(uid, f"Người {uid}"), text)
            if i % 40 == 39:  # let the bot keep up; the whole run stays bounded
                await emu.wait_idle(60)
        await emu.wait_idle(60)
        await asyncio.sleep(2.0)
    texts = [r.content for r in emu.sent()]
    internal = [x for x in texts if x.startswith(t("err.internal")[:20])]
    assert 400 not in emu.stats.errors, f"broken replies: {emu.stats.errors}"
    assert not internal, f"{len(internal)} handler crashes"
    assert not _errors(caplog), _errors(caplog)[:5]
    stored, units = _garbage_free(db, 500)
    assert units >= 2  # the tree is still there
    print(f"hostile: {len(inputs)} fuzzed commands/messages (random Unicode, numbers beyond int64, 4096-char "
          f"texts, SQL/HTML snippets) from admin/leader/member/stranger -> {len(texts)} replies, 0 HTML errors, "
          f"0 crashes, {stored} reports stored (all 0..500)")


def _message(chat: dict[str, object], user: dict[str, object], mid: int, **fields: object) -> dict[str, object]:
    return {"message_id": mid, "date": 1755140000, "chat": chat, "from": user, **fields}


async def test_unknown_update_types_are_ignored(tmp_path: Path, emu: Emulator,
                                                caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING)
    db = Database(sqlite_url(tmp_path))
    seed(db, 0)
    group = emu.group_chat(GROUP_ID, "Tổ CNS Xã Tân Hòa")
    member = User(member_id(3), "Tổ viên").to_dict()
    other_bot = {"id": 424242, "is_bot": True, "first_name": "Other bot", "username": "other_bot"}
    channel = {"id": -100777, "type": "channel", "title": "Kênh tin"}
    report = "Thôn 3 hôm nay 12 mức 2"
    updates: list[dict[str, object]] = [
        {"message": _message(group, member, 9001, sticker={"file_id": "s1", "file_unique_id": "u1", "type": "regular",
                                                          "width": 512, "height": 512, "is_animated": False,
                                                          "is_video": False})},
        {"message": _message(group, member, 9002, photo=[{"file_id": "p1", "file_unique_id": "pu1", "width": 90,
                                                          "height": 90}], caption=report)},
        {"message": _message(group, member, 9003, poll={"id": "1", "question": report, "options": [
            {"text": "a", "voter_count": 0, "persistent_id": "o1"}, {"text": "b", "voter_count": 0, "persistent_id": "o2"}], "total_voter_count": 0,
            "is_closed": False, "is_anonymous": True, "type": "regular", "allows_multiple_answers": False,
            "allows_revoting": False, "members_only": False})},
        {"poll": {"id": "2", "question": "?", "options": [{"text": "a", "voter_count": 1, "persistent_id": "o3"}], "total_voter_count": 1,
                  "is_closed": True, "is_anonymous": True, "type": "regular", "allows_multiple_answers": False,
                  "allows_revoting": False, "members_only": False}},
        {"channel_post": {"message_id": 5, "date": 1755140000, "chat": channel, "sender_chat": channel,
                          "text": report}},
        {"edited_channel_post": {"message_id": 5, "date": 1755140000, "edit_date": 1755140001, "chat": channel,
                                 "sender_chat": channel, "text": report + " 13"}},
        {"message": _message(group, other_bot, 9004, text=report)},
        {"message": _message(group, member, 9005, text=report,
                             forward_origin={"type": "user", "date": 1755130000, "sender_user": member})},
        {"message": _message(group, member, 9006, text=report, via_bot=other_bot)},
        {"message": {"message_id": 9007, "date": 1755140000, "chat": group, "sender_chat": group, "text": report}},
        {"message": _message(group, member, 9008, location={"latitude": 21.0, "longitude": 105.8})},
        {"message": _message(group, member, 9009, dice={"emoji": "🎲", "value": 6})},
        {"message": _message(group, member, 9010, new_chat_title="<b>Nhóm mới</b>")},
        {"message_reaction": {"chat": group, "message_id": 9005, "date": 1755140000, "user": member,
                              "old_reaction": [], "new_reaction": [{"type": "emoji", "emoji": "👍"}]}},
        {"my_chat_member": {"chat": group, "from": member, "date": 1755140000,
                            "old_chat_member": {"user": emu.bot_user, "status": "member"},
                            "new_chat_member": {"user": emu.bot_user, "status": "administrator",
                                                "can_be_edited": False, "is_anonymous": False,
                                                "can_manage_chat": True, "can_delete_messages": True,
                                                "can_manage_video_chats": True, "can_restrict_members": True,
                                                "can_promote_members": False, "can_change_info": True,
                                                "can_invite_users": True, "can_post_stories": False,
                                                "can_edit_stories": False, "can_delete_stories": False}}},
        {"chat_join_request": {"chat": group, "from": member, "user_chat_id": member["id"], "date": 1755140000}},
        {"inline_query": {"id": "iq1", "from": member, "query": report, "offset": ""}},
    ]
    async with FaultBot(emu, db):
        for u in updates:
            emu.send_update(u)
        await emu.wait_idle(20)
        await asyncio.sleep(1.0)
        # and the bot still works afterwards
        emu.send_message(GROUP_ID, User(member_id(3), "Tổ viên"), report)
        await wait_for(lambda: bool(emu.sent(GROUP_ID)), 15, "a normal report to be confirmed")
    sent = emu.sent()
    assert len(sent) == 1 and (sent[0].text or "").startswith("✅"), [s.content for s in sent]
    assert not emu.stats.errors, emu.stats.errors
    assert not _errors(caplog), _errors(caplog)
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(Report)) == 1
    print(f"hostile: {len(updates)} update types to ignore (sticker, photo with a report caption, polls, channel "
          "posts, another bot, forwarded, via bot, anonymous admin, location, dice, service message, reaction, "
          "my_chat_member, join request, inline query) -> 0 replies, 0 errors, 0 stored")


# ---------------------------------------------------------------------------------------------- crafted import files


def _xlsx_with_sheet_xml(sheet_xml: bytes | list[bytes], *, level: int = 9) -> bytes:
    """A minimal valid workbook (made by openpyxl) whose first sheet's XML is replaced (chunks: streamed)."""
    import io
    import zipfile

    from openpyxl import Workbook

    buf = io.BytesIO()
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "members"
    ws.append(["unit_code", "telegram_id", "name"])
    wb.save(buf)
    src = zipfile.ZipFile(io.BytesIO(buf.getvalue()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=level) as dst:
        for info in src.infolist():
            if info.filename != "xl/worksheets/sheet1.xml":
                dst.writestr(info.filename, src.read(info.filename))
                continue
            with dst.open(info.filename, "w", force_zip64=True) as f:
                for chunk in [sheet_xml] if isinstance(sheet_xml, bytes) else sheet_xml:
                    f.write(chunk)
    return out.getvalue()


_HEAD = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet '
         b'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>')
_TAIL = b"</sheetData></worksheet>"


def _peak_mb(fn: Callable[[], T]) -> tuple[T, float]:
    import tracemalloc

    tracemalloc.start()
    try:
        got = fn()
        return got, tracemalloc.get_traced_memory()[1] / 1e6
    finally:
        tracemalloc.stop()


def test_import_zip_bomb_refused_before_inflating() -> None:
    """Issue 15 item 1: a small .xlsx whose sheet inflates to 200 MB (the attack: 1 MB -> 1 GB, 2.3 GB RSS) is
    refused from its zip directory, before anything is inflated."""
    from bot.core.importer import read_sources
    from bot.texts import t

    row = b'<row r="2"><c r="A2" t="inlineStr"><is><t>' + b"A" * 1000 + b"</t></is></c></row>"
    bomb = _xlsx_with_sheet_xml([_HEAD, *[row * 10_000] * 20, _TAIL], level=1)
    assert len(bomb) < 10 * 1024 * 1024
    (sheets, issues, _n), peak = _peak_mb(lambda: read_sources([("bomb.xlsx", bomb)]))
    assert not sheets and [i.key for i in issues] == ["imp.limit_uncompressed"]
    assert "40 MB" in t(issues[0].key, "vi", **issues[0].args)
    assert peak < 30, f"{peak:.0f} MB traced while refusing a zip bomb"
    # under the size limit but compressed more than 100 times: refused too
    flat = _xlsx_with_sheet_xml(_HEAD + b"<row r=\"2\"></row>" * 600_000 + _TAIL)
    sheets, issues, _n = read_sources([("flat.xlsx", flat)])
    assert [i.key for i in issues] == ["imp.limit_ratio"]


def test_import_50000_rows_to_xfd_refused_without_memory() -> None:
    """Issue 15 item 1: 50,000 rows each reaching column XFD (the attack file hit MemoryError)."""
    import io

    from bot.core.importer import ImportLimits, read_sources

    rows = b"".join(b'<row r="%d"><c r="A%d"><v>1</v></c><c r="XFD%d"><v>1</v></c></row>' % (i, i, i)
                    for i in range(2, 50_002))
    data = _xlsx_with_sheet_xml(_HEAD.replace(b"<sheetData>", b'<dimension ref="A1:XFD50001"/><sheetData>')
                                + rows + _TAIL)
    assert len(data) < 1_000_000
    (sheets, issues, _n), peak = _peak_mb(lambda: read_sources([("xfd.xlsx", data)]))
    assert not sheets and [i.key for i in issues] == ["imp.limit_columns"] and issues[0].row == 2
    assert peak < 30, f"{peak:.0f} MB"
    # within the column limit, but too many rows
    rows = b"".join(b'<row r="%d"><c r="A%d"><v>1</v></c></row>' % (i, i) for i in range(2, 50_002))
    sheets, issues, _n = read_sources([("rows.xlsx", _xlsx_with_sheet_xml(_HEAD + rows + _TAIL))])
    assert [(i.key, i.args) for i in issues] == [("imp.limit_rows", {"max": 20_000})]
    # the limit counts all sheets of a file together
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    for name in ("units", "members"):
        ws = wb.create_sheet(name)
        ws.append(["code", "name"] if name == "units" else ["unit_code", "telegram_id", "name"])
        for i in range(6_000):
            ws.append([f"u{i}", f"Thôn {i}"] if name == "units" else ["u1", 1000 + i, f"Tổ viên {i}"])
    buf = io.BytesIO()
    wb.save(buf)
    both = buf.getvalue()
    assert not [i for i in read_sources([("both.xlsx", both)])[1] if i.key.startswith("imp.limit")]
    got = read_sources([("both.xlsx", both)], limits=ImportLimits(rows=11_000))[1]
    assert [(i.key, i.sheet) for i in got] == [("imp.limit_rows", "both.xlsx")]
    # limits are settings
    sheets, issues, _n = read_sources([("rows.xlsx", _xlsx_with_sheet_xml(_HEAD + rows + _TAIL))],
                                      limits=ImportLimits(rows=60_000))
    assert not [i for i in issues if i.key.startswith("imp.limit")]


def test_import_cells_sheets_and_csv_bounded() -> None:
    import io

    from openpyxl import Workbook

    from bot.core.importer import read_sources

    def book(n_sheets: int, cell: str = "x") -> bytes:
        wb = Workbook()
        for i in range(n_sheets - 1):
            wb.create_sheet(f"s{i}")
        for ws in wb.worksheets:
            ws.append(["unit_code", "telegram_id", "name"])
            ws.append(["th-3", "123", cell])
        buf = io.BytesIO()
        wb.save(buf)
        return buf.getvalue()

    assert [i.key for i in read_sources([("many.xlsx", book(11))])[1]] == ["imp.limit_sheets"]
    assert [i.key for i in read_sources([("long.xlsx", book(1, "x" * 1001))])[1]] == ["imp.limit_cell"]
    got = read_sources([("nul.csv", "unit_code,telegram_id,name\nth-3,123,Tổ\x00viên\n".encode())])[1]
    assert [(i.key, i.row, i.args) for i in got] == [("imp.control_chars", 2, {"column": "C"})]
    got = read_sources([("wide.csv", ("a," * 60 + "\n").encode())])[1]
    assert [i.key for i in got] == ["imp.limit_columns"]
    got = read_sources([("tall.csv", ("unit_code,telegram_id,name\n" + "th-3,1,a\n" * 20_001).encode())])[1]
    assert [i.key for i in got] == ["imp.limit_rows"]
    got = read_sources([("cell.csv", ("unit_code,telegram_id,name\nth-3,1," + "a" * 2000 + "\n").encode())])[1]
    assert [i.key for i in got] == ["imp.limit_cell"]


# ---------------------------------------------------------------------------------------------- fuzzed import columns

_cell = st.one_of(
    st.text(max_size=40),
    st.text(alphabet=st.characters(min_codepoint=0, max_codepoint=0x3000), max_size=20),
    st.sampled_from(["\x00", "a\x00b", "\u202e", "=1+1", "-5", "1.046", "1,5", "31/02/2025", "25:99", "NaN",
                     "9" * 5000, "9" * 25, "-" + "9" * 30, "  ", "th-3", "x-tanhoa", "admin", "trưởng", "0", "-100123"]),
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
)


# a valid row per kind (against the demo commune); the fuzz replaces one of its columns
_VALID: dict[str, dict[str, str]] = {
    "units": {"code": "th-moi", "name": "Thôn Mới", "kind": "village", "parent_code": "x-tanhoa"},
    "targets": {"unit_code": "th-3", "metric": "l2", "target": "600", "deadline": "31/12/2026"},
    "baselines": {"unit_code": "th-3", "metric": "l2", "as_of": "01/08/2025", "value": "400"},
    "members": {"unit_code": "th-3", "telegram_id": "777000111", "name": "Tổ viên Mới", "role": "member"},
    "chats": {"unit_code": "th-3", "telegram_chat_id": "-100777", "reminder_time": "16:30", "summary_time": "20:00"},
}


@settings(max_examples=150, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(kind=st.sampled_from(sorted(_VALID)), column=st.integers(0, 3), cell=_cell, as_xlsx=st.booleans())
@example(kind="targets", column=2, cell="9" * 5000, as_xlsx=False)  # the issue's 5,000-digit target
@example(kind="members", column=2, cell="Tổ\x00viên", as_xlsx=False)  # NUL: DataError on PostgreSQL
@example(kind="chats", column=1, cell="-" + "9" * 30, as_xlsx=True)
def test_fuzzed_import_columns_never_raise(any_db: Database, kind: str, column: int, cell: str, as_xlsx: bool) -> None:
    """Issue 15 item 8: every column of every import kind gets a hostile cell (NUL, 5,000 digits, numbers
    beyond int64, formulas, look-alikes), as CSV and xlsx, on SQLite and PostgreSQL: run_import returns a
    report (never raises: no DataError, no ValueError) and stores no NUL."""
    import csv
    import io
    from datetime import UTC, datetime

    from openpyxl import Workbook
    from openpyxl.utils.exceptions import IllegalCharacterError

    from bot.config import Settings
    from bot.core.importer import run_import, shell_caller
    from bot.core.services import Services
    from bot.demo_data import seed_demo

    with any_db.session() as s:
        seeded = repo.unit_by_code(s, "x-tanhoa") is not None
    if not seeded:
        seed_demo(any_db)
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    svc = Services(settings, any_db, lambda: datetime(2025, 8, 14, 3, tzinfo=UTC))
    head = list(_VALID[kind])
    row = [_VALID[kind][h] for h in head]
    row[column] = cell
    if as_xlsx:
        wb = Workbook()
        ws = wb.active
        assert ws is not None
        ws.title = kind
        ws.append(head)
        try:
            ws.append(row)
        except IllegalCharacterError:  # openpyxl refuses control characters in cells: Excel cannot hold them
            return
        buf = io.BytesIO()
        wb.save(buf)
        files = [(f"{kind}.xlsx", buf.getvalue())]
    else:
        out = io.StringIO()
        csv.writer(out).writerows([head, row])
        files = [(f"{kind}.csv", out.getvalue().encode())]
    report = run_import(svc, shell_caller(settings), files)
    assert report.committed or report.issues
    for lang in ("vi", "en"):
        report.outcome().text(lang)
        report.issues_text(lang)
    with any_db.session() as s:
        names = [u.name for u in s.scalars(select(Unit))] + [m.display_name for m in s.scalars(select(Member))]
    assert not [n for n in names if "\x00" in n]


# ---------------------------------------------------------------------------------------------- every command's arguments

_arg = st.one_of(
    st.text(max_size=12),
    st.sampled_from(["9" * 5000, "99999999999999999999", "-1", "0", "1.046", "²", "١٢", "\x00", "\u202e", "Thôn 3",
                     "th-3", "x-tanhoa", "@x", "|", "31/02", "25:99", "99/99/9999", "csv", "m2", "l1", "bat", "tat",
                     "nghi", "bonghi", "doi", "vaitro", "xoa", "chuyen", "-100123", "=1+1", "<b>", "' OR 1=1 --"]),
    st.integers(min_value=-(10**25), max_value=10**25).map(str),
)


@settings(max_examples=1, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(args=st.lists(st.lists(_arg, max_size=5).map(" ".join), min_size=len(COMMANDS) * 3,
                     max_size=len(COMMANDS) * 3))
def test_every_command_with_fuzzed_arguments_and_forged_buttons(tmp_path_factory: pytest.TempPathFactory,
                                                                 args: list[str]) -> None:
    """Issue 15 item 8: every command name (and alias) with hypothesis-made arguments (5,000 digits, beyond
    int64, Unicode digits, NUL, bidi...) from an admin, plus forged button data (u:99999999999999999999
    was an OverflowError): 0 exceptions reach the error handler, 0 'bot gặp sự cố' replies."""
    asyncio.run(_commands_and_buttons(tmp_path_factory.mktemp("cmdfuzz"), args))


async def _commands_and_buttons(tmp: Path, args: list[str]) -> None:
    emu = Emulator(TOKEN, limits=Limits.off())
    await emu.start()
    db = Database(sqlite_url(tmp))
    seed(db, 0)
    emu.group_chat(GROUP_ID, "Tổ CNS Xã Tân Hòa")
    records: list[logging.LogRecord] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record)

    keep = Keep(logging.ERROR)
    logging.getLogger().addHandler(keep)
    names = [n for spec in COMMANDS for n in spec.names]
    try:
        async with FaultBot(emu, db):
            admin = User(ADMIN_ID, "Quản trị")
            for i, a in enumerate(args):
                name = names[i % len(names)]
                emu.send_message(GROUP_ID if i % 2 else ADMIN_ID, admin, f"/{name} {a}".strip()[:4096])
                if i % 40 == 39:
                    await emu.wait_idle(60)
            emu.send_message(GROUP_ID, User(member_id(3), "Tổ viên"), "hôm nay 3 m2")
            await emu.wait_idle(60)
            # forged button data under the bot's confirmation (a modified client can send any data)
            conf = emu.sent(GROUP_ID)[-1]
            message = emu._messages[(GROUP_ID, conf.message_id)]  # noqa: SLF001
            presser = User(member_id(3), "Tổ viên")
            for data in ["u:99999999999999999999", "u:²", "u:-1", "u:" + "9" * 60, "cf:" + "A" * 32, "cx:\x00",
                         "sa:", "st:" + "9" * 32, "u:", "u:0"]:
                qid = f"{emu.bot_id}{next(emu._callback_counter):010d}"  # noqa: SLF001
                emu._callback_queries[qid] = {"answered": False, "data": data, "chat_id": GROUP_ID,  # noqa: SLF001
                                              "message_id": conf.message_id, "user_id": presser.id}
                emu.send_update({"callback_query": {"id": qid, "from": presser.to_dict(), "message": message,
                                                    "chat_instance": "1", "data": data}})
            await emu.wait_idle(60)
            await asyncio.sleep(1.0)
    finally:
        logging.getLogger().removeHandler(keep)
        await emu.stop()
    texts = [r.content for r in emu.sent()]
    internal = [x for x in texts if x.startswith(t("err.internal")[:20])]
    errors = [f"{r.name}: {r.getMessage()} {r.exc_info[1]!r}" if r.exc_info else r.getMessage() for r in records]
    assert not errors, errors[:5]
    assert not internal, internal[:3]
    assert 400 not in emu.stats.errors, emu.stats.errors
    _garbage_free(db, 500)
