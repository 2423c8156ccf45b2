"""`vneid-bot demo`: the emulator, a demo commune in a fresh SQLite file and the real bot, in one process.

You type as a team member of Thôn 3 in the commune's group chat; the bot's answers are printed.
Lines starting with ':' are demo controls (see DEMO_HELP). Ctrl-C or Ctrl-D exits cleanly.
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import re
import sys
import tempfile
from pathlib import Path
from typing import Any

from pydantic import SecretStr
from telegram import Update

from bot.app import build_application
from bot.config import Settings
from bot.demo_data import ADMIN_ID, GROUP_ID, LEADER_ID, VILLAGES, member_id, seed_demo
from bot.emulator import Emulator, Limits, SentMessage, User
from storage.db import Database

DEMO_HELP = """Lệnh của bản demo (demo controls):
  :as member | leader | admin   đổi vai: tổ viên Thôn 3 / chủ tịch xã / cán bộ xã quản trị
  :private | :group              nói trong tin nhắn riêng với bot / trong nhóm của xã
  :press N                       bấm nút thứ N của tin bot gửi gần nhất
  :quit                          thoát (hoặc Ctrl-C, Ctrl-D)
Gõ tin như trong nhóm Zalo/Telegram, ví dụ: Thôn 3 hôm nay 12 mức 2  —  /tiendo  —  /tonghop  —  /help"""

TAG = re.compile(r"<[^>]+>")


def plain(text: str) -> str:
    return html.unescape(TAG.sub("", text))


class Terminal:
    def __init__(self, emu: Emulator) -> None:
        self.emu = emu
        self.users = {
            "member": User(member_id(3), "Tổ viên Thôn 3"),
            "leader": User(LEADER_ID, "Chủ tịch xã Hùng"),
            "admin": User(ADMIN_ID, "Cán bộ xã Lan"),
        }
        self.user = self.users["member"]
        self.chat_id = GROUP_ID
        self.seen = 0
        self.last_buttons: list[tuple[int, int, str]] = []  # (chat, message, callback_data)

    def show(self, m: SentMessage) -> None:
        where = "nhóm" if m.chat_id < 0 else "riêng"
        body = plain(m.content) if m.content else ""
        if m.kind != "text":
            body = f"[{m.kind}: {m.filename or 'ảnh'}, {len(m.file_bytes or b'')} bytes] {body}"
        print(f"\n🤖 Bot ({where}):\n{body}")
        if m.buttons:
            self.last_buttons = [(m.chat_id, m.message_id, b.get("callback_data", "")) for b in m.buttons]
            print("   " + "  ".join(f"[{i + 1}] {b.get('text')}" for i, b in enumerate(m.buttons)))
        sys.stdout.flush()

    async def printer(self) -> None:
        while True:
            await self.emu.wait_until(lambda: self.emu.mark() > self.seen, timeout=3600)
            for m in self.emu.sent():
                if m.seq > self.seen:
                    self.seen = m.seq
                    self.show(m)

    def handle(self, line: str) -> bool:
        """Act on one typed line; False = quit."""
        line = line.strip()
        if not line:
            return True
        if line.startswith(":"):
            cmd, _, arg = line[1:].partition(" ")
            if cmd in ("quit", "q", "exit"):
                return False
            if cmd == "as" and arg.strip() in self.users:
                self.user = self.users[arg.strip()]
                print(f"(bây giờ bạn là {self.user.first_name})")
            elif cmd == "private":
                self.chat_id = self.user.id
                print("(tin nhắn riêng với bot)")
            elif cmd == "group":
                self.chat_id = GROUP_ID
                print("(nhóm Tổ CNS Xã Tân Hòa)")
            elif cmd == "press" and arg.strip().isdigit() and 0 < int(arg) <= len(self.last_buttons):
                chat, msg, data = self.last_buttons[int(arg) - 1]
                self.emu.press_button(chat, msg, self.user, data)
            else:
                print(DEMO_HELP)
            return True
        if self.chat_id > 0 and self.chat_id != self.user.id:
            self.chat_id = self.user.id
        self.emu.send_message(self.chat_id, self.user, line)
        return True


async def _read_lines(term: Terminal) -> None:
    loop = asyncio.get_running_loop()
    while True:
        line = await loop.run_in_executor(None, sys.stdin.readline)
        if line == "":  # Ctrl-D / end of input
            return
        if not term.handle(line):
            return
        await asyncio.sleep(0)


async def _demo(settings: Settings, db_file: Path, port: int) -> None:
    emu = Emulator(limits=Limits())
    await emu.start(port=port)
    db = Database(f"sqlite:///{db_file}")
    db.upgrade()
    seed_demo(db)
    emu.group_chat(GROUP_ID, "Tổ CNS Xã Tân Hòa")
    cfg = settings.model_copy(update={
        "telegram_bot_token": SecretStr(emu.token), "telegram_api_base_url": emu.base_url,
        "telegram_api_file_url": emu.base_file_url, "database_url": f"sqlite:///{db_file}", "admin_ids": [],
    })
    app: Any = build_application(cfg, db=db)
    await app.initialize()
    await app.post_init(app)
    await app.start()
    await app.updater.start_polling(poll_interval=0.0, timeout=10, allowed_updates=Update.ALL_TYPES)
    term = Terminal(emu)
    print(f"vneid-bot demo — emulator at {emu.url}, database {db_file}")
    print(f"Xã Tân Hòa: {len(VILLAGES)} thôn, chỉ tiêu và thành viên mẫu. Bạn là tổ viên Thôn 3, trong nhóm của xã.")
    print(DEMO_HELP)
    printer = asyncio.create_task(term.printer())
    try:
        await _read_lines(term)
        with contextlib.suppress(TimeoutError):  # let the last answers arrive
            await emu.wait_idle(10)
        await asyncio.sleep(1.0)
    finally:
        printer.cancel()
        await app.updater.stop()
        await app.stop()
        await app.shutdown()
        await emu.stop()
        db.dispose()
    print("\nTạm biệt! (demo stopped)")


def run_demo(settings: Settings, *, db_path: str | None = None, port: int = 0) -> int:
    from bot.logs import setup_logging

    setup_logging("WARNING")
    if db_path:
        db_file = Path(db_path)
        if db_file.exists():
            db_file.unlink()
    else:
        db_file = Path(tempfile.mkdtemp(prefix="vneid-demo-")) / "demo.db"
    try:
        asyncio.run(_demo(settings, db_file, port))
    except KeyboardInterrupt:
        print("\nTạm biệt! (demo stopped)")
    return 0
