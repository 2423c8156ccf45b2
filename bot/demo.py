"""`vneid-bot demo`: the emulator, a demo commune in a fresh SQLite file and the real bot, in one process.

You type as a team member of Thôn 3 in the commune's group chat; the bot's answers are printed.
Lines starting with ':' are demo controls (see DEMO_HELP, DEMO_LIMITS). Ctrl-C or Ctrl-D exits at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import re
import shutil
import subprocess
import sys
import tempfile
import threading
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
  :paste                         gõ (dán) tin nhiều dòng, kết thúc bằng một dòng trống
  :file ĐƯỜNG_DẪN [chú thích]    gửi một tệp, ví dụ  :file don_vi.xlsx /nhap
  :open                          mở ảnh/tệp bot gửi gần nhất (nếu máy có trình xem)
  :help                          danh sách này và giới hạn của bản demo
  :quit                          thoát (hoặc Ctrl-C, Ctrl-D)
Gõ tin như trong nhóm Zalo/Telegram, ví dụ: Thôn 3 hôm nay 12 mức 2  —  /tiendo  —  /tonghop  —  /help"""

DEMO_LIMITS = """Giới hạn của bản demo (demo limits):
  • không có Telegram/Zalo thật: bot nói chuyện với máy giả lập Bot API chạy trong chương trình này;
  • một xã mẫu (Xã Tân Hòa), một nhóm và ba vai cố định (tổ viên Thôn 3, chủ tịch xã, cán bộ xã);
  • dữ liệu nằm trong một tệp SQLite mới, tạo lại mỗi lần chạy demo;
  • nhắc việc và báo cáo tối chạy theo giờ thật, không tua nhanh được; không có chế độ webhook;
  • ảnh và tệp bot gửi được lưu vào thư mục tạm, bản demo in đường dẫn."""

TAG = re.compile(r"<[^>]+>")
SAFE_NAME = re.compile(r"[^\w.-]+")


def plain(text: str) -> str:
    return html.unescape(TAG.sub("", text))


class Terminal:
    def __init__(self, emu: Emulator, files_dir: Path) -> None:
        self.emu = emu
        self.files_dir = files_dir
        self.users = {
            "member": User(member_id(3), "Tổ viên Thôn 3"),
            "leader": User(LEADER_ID, "Chủ tịch xã Hùng"),
            "admin": User(ADMIN_ID, "Cán bộ xã Lan"),
        }
        self.user = self.users["member"]
        self.chat_id = GROUP_ID
        self.seen = 0
        self.versions: dict[tuple[int, int], tuple[int, bool]] = {}  # (chat, message) -> (edits, deleted)
        self.answers = 0
        self.last_buttons: list[tuple[int, int, str]] = []  # (chat, message, callback_data)
        self.last_file: Path | None = None
        self.pasting: list[str] | None = None

    def _save(self, m: SentMessage) -> Path:
        self.files_dir.mkdir(parents=True, exist_ok=True)
        data = m.file_bytes or b""
        if m.kind == "photo":  # Telegram keeps no file name for photos
            name = "anh.png" if data.startswith(b"\x89PNG") else "anh.jpg"
        else:
            name = SAFE_NAME.sub("_", Path(m.filename or "tep").name) or "tep"
        path = self.files_dir / f"{m.seq:03d}-{name}"
        path.write_bytes(data)
        self.last_file = path
        return path

    def show(self, m: SentMessage, *, edited: bool = False) -> None:
        where = "nhóm" if m.chat_id < 0 else "riêng"
        body = plain(m.content) if m.content else ""
        if m.kind != "text" and not edited:
            what = "ảnh" if m.kind == "photo" else "tệp"
            body = f"[{what} đã lưu: {self._save(m)} ({len(m.file_bytes or b'')} bytes)]\n{body}".rstrip()
        if m.deleted:
            print(f"\n🗑  Bot đã xoá một tin ({where}).")
        elif edited:
            print(f"\n✏️  Bot sửa tin ({where}):\n{body}")
        else:
            print(f"\n🤖 Bot ({where}):\n{body}")
        if m.buttons and not m.deleted:
            self.last_buttons = [(m.chat_id, m.message_id, b.get("callback_data", "")) for b in m.buttons]
            print("   " + "  ".join(f"[{i + 1}] {b.get('text')}" for i, b in enumerate(m.buttons)))
        sys.stdout.flush()

    def show_news(self) -> None:
        """Print every new message, edit, deletion and button answer since the last call."""
        for m in self.emu.sent():
            key = (m.chat_id, m.message_id)
            state = (len(m.history), m.deleted)
            if m.seq > self.seen:
                self.seen = m.seq
                self.versions[key] = state
                self.show(m)
            elif self.versions.get(key, state) != state:
                self.versions[key] = state
                self.show(m, edited=True)
        answers = self.emu.callback_answers
        for answer in answers[self.answers:]:
            if answer.get("text"):
                print(f"\n🔔 {answer['text']}")
                sys.stdout.flush()
        self.answers = len(answers)

    def _changed(self) -> bool:
        if self.emu.mark() > self.seen or len(self.emu.callback_answers) > self.answers:
            return True
        return any(self.versions.get((m.chat_id, m.message_id)) not in (None, (len(m.history), m.deleted))
                   for m in self.emu.sent())

    async def printer(self) -> None:
        while True:
            await self.emu.wait_until(self._changed, timeout=3600)
            self.show_news()

    def _send_file(self, arg: str) -> None:
        path_text, _, caption = arg.strip().partition(" ")
        path = Path(path_text).expanduser()
        if not path_text or not path.is_file():
            print(f"(không tìm thấy tệp «{path_text}»; dùng :file ĐƯỜNG_DẪN)")
            return
        self.emu.send_document(self._chat(), self.user, path.name, path.read_bytes(), caption.strip() or None)
        print(f"(đã gửi tệp {path.name}, {path.stat().st_size} bytes)")

    def _open(self) -> None:
        opener = shutil.which("xdg-open") or shutil.which("open")
        if self.last_file is None:
            print("(bot chưa gửi ảnh hay tệp nào)")
        elif opener is None:
            print(f"(máy này không có trình mở tệp; tệp ở {self.last_file})")
        else:
            subprocess.Popen([opener, str(self.last_file)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def _chat(self) -> int:
        if self.chat_id > 0 and self.chat_id != self.user.id:
            self.chat_id = self.user.id
        return self.chat_id

    def handle(self, line: str) -> bool:
        """Act on one typed line; False = quit."""
        if self.pasting is not None:
            if line.strip():
                self.pasting.append(line.rstrip("\r\n"))
                return True
            text, self.pasting = "\n".join(self.pasting).strip(), None
            if text:
                self.emu.send_message(self._chat(), self.user, text)
            else:
                print("(không có gì để gửi)")
            return True
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
            elif cmd == "press":
                print("(không có nút đó; tin gần nhất có nút: "
                      f"{len(self.last_buttons)} nút)")
            elif cmd == "paste":
                self.pasting = []
                print("(dán hoặc gõ nhiều dòng; một dòng trống để gửi)")
            elif cmd == "file":
                self._send_file(arg)
            elif cmd == "open":
                self._open()
            else:
                print(DEMO_HELP)
                print(DEMO_LIMITS)
            sys.stdout.flush()
            return True
        self.emu.send_message(self._chat(), self.user, line)
        return True


def _stdin_reader(loop: asyncio.AbstractEventLoop, queue: asyncio.Queue[str]) -> None:
    """Read stdin in a daemon thread: unlike an executor thread it never keeps the process alive on Ctrl-C."""
    while True:
        try:
            line = sys.stdin.readline()
        except (OSError, ValueError):
            line = ""
        try:
            loop.call_soon_threadsafe(queue.put_nowait, line)
        except RuntimeError:  # the loop is closed: the demo is over
            return
        if line == "":
            return


async def _read_lines(term: Terminal) -> None:
    queue: asyncio.Queue[str] = asyncio.Queue()
    threading.Thread(target=_stdin_reader, args=(asyncio.get_running_loop(), queue), daemon=True).start()
    while True:
        line = await queue.get()
        if line == "":  # Ctrl-D / end of input
            if term.pasting:
                term.handle("\n")
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
    term = Terminal(emu, db_file.parent / "files")
    print(f"vneid-bot demo — emulator at {emu.url}, database {db_file}")
    print(f"Xã Tân Hòa: {len(VILLAGES)} thôn, chỉ tiêu và thành viên mẫu. Bạn là tổ viên Thôn 3, trong nhóm của xã.")
    print(DEMO_HELP)
    printer = asyncio.create_task(term.printer())
    try:
        await _read_lines(term)
        with contextlib.suppress(TimeoutError):  # let the last answers arrive
            await emu.wait_idle(10)
        await asyncio.sleep(1.0)
        term.show_news()
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
