"""`vneid-bot demo`: the emulator, a demo commune in a fresh SQLite file and the real bot, in one process.

You type as a team member of Thôn 3 in the commune's group chat; the bot's answers are printed.
Lines starting with ':' are demo controls (catalog keys demo.help, demo.limits in bot/texts/demo.py). Ctrl-C or Ctrl-D exits at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from pydantic import SecretStr
from telegram import Update

from bot.channels.telegram.app import build_application
from bot.config import Settings
from bot.demo_data import (
    ADMIN_ID,
    ADMIN_NAME,
    COMMUNE_NAME,
    GROUP_ID,
    GROUP_TITLE,
    LEADER_ID,
    LEADER_NAME,
    MEMBER_NAME,
    VILLAGES,
    member_id,
    seed_demo,
)
from bot.emulator import Emulator, Limits, SentMessage, User
from bot.texts import t
from storage.db import Database

TAG = re.compile(r"<[^>]+>")
STOP_WAIT = 5.0  # seconds each shutdown step of the demo may take
QUIT_DEADLINE = 10.0  # after Ctrl-C the demo is gone within this many seconds
SAFE_NAME = re.compile(r"[^\w.-]+")


def plain(text: str) -> str:
    return html.unescape(TAG.sub("", text))


class Terminal:
    def __init__(self, emu: Emulator, files_dir: Path, lang: str = "vi") -> None:
        self.emu = emu
        self.files_dir = files_dir
        self.lang = lang
        self.users = {
            "member": User(member_id(3), MEMBER_NAME),
            "leader": User(LEADER_ID, LEADER_NAME),
            "admin": User(ADMIN_ID, ADMIN_NAME),
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
        where = t("demo.where_group" if m.chat_id < 0 else "demo.where_private", self.lang)
        body = plain(m.content) if m.content else ""
        if m.kind != "text" and not edited:
            what = t("demo.photo" if m.kind == "photo" else "demo.file", self.lang)
            saved = t("demo.saved", self.lang, what=what, path=self._save(m), size=len(m.file_bytes or b""))
            body = f"{saved}\n{body}".rstrip()
        if m.deleted:
            print(t("demo.deleted", self.lang, where=where))
        elif edited:
            print(t("demo.edited", self.lang, where=where, body=body))
        else:
            print(t("demo.message", self.lang, where=where, body=body))
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
            print(t("demo.no_such_file", self.lang, path=path_text))
            return
        self.emu.send_document(self._chat(), self.user, path.name, path.read_bytes(), caption.strip() or None)
        print(t("demo.file_sent", self.lang, name=path.name, size=path.stat().st_size))

    def _open(self) -> None:
        opener = shutil.which("xdg-open") or shutil.which("open")
        if self.last_file is None:
            print(t("demo.nothing_to_open", self.lang))
        elif opener is None:
            print(t("demo.no_opener", self.lang, path=self.last_file))
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
                print(t("demo.nothing_to_send", self.lang))
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
                print(t("demo.now_you_are", self.lang, name=self.user.first_name))
            elif cmd == "private":
                self.chat_id = self.user.id
                print(t("demo.in_private", self.lang))
            elif cmd == "group":
                self.chat_id = GROUP_ID
                print(t("demo.in_group", self.lang, title=GROUP_TITLE))
            elif cmd == "press" and arg.strip().isdigit() and 0 < int(arg) <= len(self.last_buttons):
                chat, msg, data = self.last_buttons[int(arg) - 1]
                self.emu.press_button(chat, msg, self.user, data)
            elif cmd == "press":
                print(t("demo.no_button", self.lang, n=len(self.last_buttons)))
            elif cmd == "paste":
                self.pasting = []
                print(t("demo.paste", self.lang))
            elif cmd == "file":
                self._send_file(arg)
            elif cmd == "open":
                self._open()
            else:
                print(t("demo.help", self.lang))
                print(t("demo.limits", self.lang))
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
    emu.group_chat(GROUP_ID, GROUP_TITLE)
    cfg = settings.model_copy(update={
        "telegram_bot_token": SecretStr(emu.token), "telegram_api_base_url": emu.base_url,
        "telegram_api_file_url": emu.base_file_url, "database_url": f"sqlite:///{db_file}", "admin_ids": [],
    })
    app: Any = build_application(cfg, db=db)
    await app.initialize()
    await app.post_init(app)
    await app.start()
    # a short long-poll: stopping (Ctrl-C, :quit) waits for the running getUpdates at most this long
    await app.updater.start_polling(poll_interval=0.0, timeout=1, allowed_updates=Update.ALL_TYPES)
    lang = settings.language
    term = Terminal(emu, db_file.parent / "files", lang)
    print(f"vneid-bot demo — emulator at {emu.url}, database {db_file}")
    print(t("demo.banner", lang, commune=COMMUNE_NAME, villages=len(VILLAGES)))
    print(t("demo.help", lang))
    printer = asyncio.create_task(term.printer())
    try:
        try:
            await _read_lines(term)
        except asyncio.CancelledError:  # Ctrl-C (asyncio.run cancels this task): gone within QUIT_DEADLINE
            _exit_soon(QUIT_DEADLINE, lang)
            raise
        with contextlib.suppress(TimeoutError):  # let the last answers arrive
            await emu.wait_idle(10)
        await asyncio.sleep(1.0)
        term.show_news()
    finally:
        printer.cancel()
        # quit at once: each step may wait for work in flight (a summary being sent) only briefly
        for step in (app.updater.stop, app.stop, app.shutdown, emu.stop):
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(step(), STOP_WAIT)
        db.dispose()
    print(t("demo.bye", lang))


def run_demo(settings: Settings, *, db_path: str | None = None, port: int = 0) -> int:
    from bot.logs import setup_logging

    setup_logging("WARNING")
    if db_path:
        db_file = Path(db_path)
        if db_file.exists():
            db_file.unlink()
    else:
        db_file = Path(tempfile.mkdtemp(prefix="vneid-demo-")) / "demo.db"
    # Ctrl-C must quit even when the demo was started with SIGINT ignored (a background job of a script
    # inherits SIG_IGN): then asyncio.run would not install its own handler and ^C would do nothing
    signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        asyncio.run(_demo(settings, db_file, port))
    except KeyboardInterrupt:
        print(t("demo.bye", settings.language))
    return 0


def _exit_soon(delay: float, lang: str) -> None:
    """Ctrl-C quits at once: the shutdown may wait for work in flight (a summary being delivered, a chart
    being drawn); whatever it waits for, the demo process is gone within `delay` seconds."""

    def leave() -> None:
        time.sleep(delay)
        print(t("demo.bye", lang), flush=True)
        os._exit(0)

    threading.Thread(target=leave, daemon=True).start()
