"""Issue 17 item 5: an ADMIN_IDS admin's /start on an empty database guides the setup step by step
(the real bot over the emulator)."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path

import openpyxl
import pytest

from bot.emulator import Emulator, SentMessage, User
from storage import repo
from storage.db import Database
from tests.helpers.telegram import start_app, stop_app
from tests.helpers.world import TZ, FakeClock, make_settings, sqlite_url

ADMIN = 5000
GROUP = -100600
MEMBER = 5001


def body(replies: list[SentMessage]) -> str:
    return "\n".join((m.text or m.caption or "") for m in replies)


@pytest.fixture
async def empty(emulator: Emulator, tmp_path: Path) -> AsyncIterator[tuple[Emulator, Database]]:
    db = Database(sqlite_url(tmp_path))
    db.upgrade()
    app = await start_app(make_settings(sqlite_url(tmp_path), emulator, admin_ids=[ADMIN]), db,
                          FakeClock(datetime(2025, 8, 14, 10, 0, tzinfo=TZ)))
    try:
        yield emulator, db
    finally:
        await stop_app(app)
        db.dispose()


async def say(emu: Emulator, chat: int, user: int, text: str, count: int = 1) -> list[SentMessage]:
    u = User(user, "Cán bộ Lan" if user == ADMIN else "Tổ viên An")
    if chat > 0:
        emu.private_chat(u)
    mark = emu.mark()
    emu.send_message(chat, u, text)
    return await emu.wait_for_messages(chat, count, since=mark)


async def test_start_guides_an_admin_through_setup(empty: tuple[Emulator, Database]) -> None:
    emu, db = empty
    first = body(await say(emu, ADMIN, ADMIN, "/start"))
    assert "chưa có trong danh sách" not in first
    assert "Cài đặt bot" in first and first.count("⬜") == 5 and "✅" not in first
    assert "Bước tiếp theo" in first and "/donvi them x-tanhoa Xã Tân Hòa cap=xa" in first
    # step 1: the commune; the reply says what comes next
    replies = body(await say(emu, ADMIN, ADMIN, "/donvi them x-tanhoa Xã Tân Hòa cap=xa", count=2))
    assert "Đã thêm đơn vị" in replies and "Bước tiếp theo" in replies and "tren=x-tanhoa" in replies
    # the template, with the right sheets and Vietnamese headers
    doc = (await say(emu, ADMIN, ADMIN, "/nhap mau"))[0]
    book = openpyxl.load_workbook(io.BytesIO(doc.file_bytes or b""))
    assert {"Đơn vị", "Chỉ tiêu", "Mốc", "Thành viên"} <= set(book.sheetnames)
    assert [c.value for c in book["Thành viên"][1]] == ["Mã đơn vị", "Telegram ID", "Họ tên", "Vai trò"]
    # step 2: a village
    replies = body(await say(emu, ADMIN, ADMIN, "/donvi them th-3 Thôn 3 tren=x-tanhoa", count=2))
    assert "Đã thêm đơn vị" in replies and "/lienket x-tanhoa" in replies
    # /start again: what is done and what is left
    again = body(await say(emu, ADMIN, ADMIN, "/start"))
    assert again.count("✅") == 2 and again.count("⬜") == 3 and "/lienket x-tanhoa" in again
    # step 3: bind the group
    emu.group_chat(GROUP, "Tổ CNS Xã Tân Hòa")
    replies = body(await say(emu, GROUP, ADMIN, "/lienket x-tanhoa", count=2))
    assert "Đã liên kết" in replies and "/chitieu th-3 m2 530" in replies
    # step 4: targets
    replies = body(await say(emu, ADMIN, ADMIN, "/chitieu th-3 m2 530", count=2))
    assert "530" in replies and "/madangky x-tanhoa" in replies
    # step 5: join codes; a member joins; then /start says it is all done
    codes = body(await say(emu, ADMIN, ADMIN, "/madangky x-tanhoa", count=2))
    with db.session() as s:
        th3 = repo.unit_by_code(s, "th-3")
        assert th3 is not None and th3.join_code
        code = th3.join_code
    assert code in codes
    assert "Thôn 3" in body(await say(emu, MEMBER, MEMBER, f"/dangky {code}"))
    done = body(await say(emu, ADMIN, ADMIN, "/start"))
    assert "Cài đặt bot" not in done and "⬜" not in done and "Bot đã sẵn sàng" in done


async def test_start_of_a_stranger_is_unchanged(empty: tuple[Emulator, Database]) -> None:
    emu, _db = empty
    text = body(await say(emu, MEMBER, MEMBER, "/start"))
    assert "Cài đặt" not in text and "/dangky" in text
