"""Helpers for the fault-injection, hostile-input and security suites.

* ``FaultBot``: the REAL application polling the in-process emulator (like the harness of conftest), with
  a configurable rate limiter (default: no throttling, so that bursts finish quickly);
* ``BotProcess``: ``python -m bot run`` as a child process (the deployable entry point) against an
  emulator the test runs, so that it can be killed with SIGKILL;
* ``TcpProxy``: a TCP proxy in its own thread between the bot and PostgreSQL, that can be cut;
* traffic and bookkeeping: extra roster members, report messages each for a distinct
  (reporter, metric, day), and the stored-rows-per-message view of the database.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import signal
import subprocess
import sys
import threading
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, select, update
from telegram.ext import AIORateLimiter, Application

from bot.channels.telegram.app import build_application
from bot.demo_data import VILLAGES, seed_demo
from bot.emulator import Emulator, SentMessage, User
from storage import repo
from storage.db import Database
from storage.models import Chat, Report, Unit
from tests.helpers.telegram import run_app
from tests.helpers.world import TZ, FakeClock, make_settings

ROOT = Path(__file__).resolve().parents[2]
EXTRA_BASE = 30_000  # Telegram user ids of the extra members added by add_members()
GROUP_BASE = -1_007_000  # group chat ids used by the fault suites: GROUP_BASE - k

App = Application[Any, Any, Any, Any, Any, Any]


def no_throttle(max_retries: int = 20) -> AIORateLimiter:
    """An AIORateLimiter that never delays (rates 0) but still waits out 429s (retry_after)."""
    return AIORateLimiter(overall_max_rate=0, group_max_rate=0, max_retries=max_retries)


# ---------------------------------------------------------------------------------------------- roster


def seed(db: Database, extra_members: int = 100) -> list[int]:
    """The demo commune plus `extra_members` members spread over its villages; their Telegram ids."""
    db.upgrade()
    demo = seed_demo(db)
    quiet_schedule(db)
    return add_members(db, demo.village_ids, extra_members)


def quiet_schedule(db: Database) -> None:
    """Switch off the scheduled reminders and summaries of every bound chat. The bot processes of these
    tests run on the wall clock: after the summary time (evening, local) the scheduler would post to the
    demo group, which these tests never create in the emulator ("chat not found" = a 400 the checks count
    as a broken request) — a failure depending on the hour the suite runs."""
    with db.session() as s:
        s.execute(update(Chat).values(reminders_enabled=False, summaries_enabled=False))


def add_members(db: Database, village_ids: dict[str, int], n: int) -> list[int]:
    """n members, each the only reporter of a village of their own (next to the demo villages): a second
    reporter of a village/day is asked whether the figure adds up or is the total, which is not what
    these traffic tests are about."""
    names = [name for _code, name, _t, _b in VILLAGES]
    ids = []
    with db.session() as s:
        for i in range(n):
            demo_village = s.get(Unit, village_ids[names[i % len(names)]])
            assert demo_village is not None and demo_village.parent is not None
            village = repo.create_unit(s, f"tv-{i}", f"Xóm thành viên {i}", "village", demo_village.parent)
            uid = EXTRA_BASE + i
            repo.add_member(s, "telegram", str(uid), f"Thành viên {i}", village, "member")
            ids.append(uid)
    return ids


@dataclass(frozen=True)
class Msg:
    chat_id: int
    user_id: int
    text: str


def report_traffic(members: list[int], n: int, *, groups: int = 20, private: bool = False,
                   seed_: int = 1) -> list[Msg]:
    """n report messages, each for a distinct (member, metric, day) so each is stored as its own row.

    Members write in one of `groups` group chats (GROUP_BASE - k), or in their private chat."""
    rng = random.Random(seed_)
    keys = [(m, metric, day) for m in members for metric in ("l1", "l2") for day in ("hôm nay", "hqua")]
    if n > len(keys):
        raise ValueError(f"{n} messages need more members ({len(keys)} distinct reports available)")
    rng.shuffle(keys)
    out = []
    for i, (m, metric, day) in enumerate(keys[:n]):
        value = rng.randint(1, 9)
        level = metric[1]
        text = rng.choice([f"{day} {value} m{level}", f"/baocao {day} {value} mức {level}",
                           f"bc {value} m{level} {day}"])
        chat = m if private else GROUP_BASE - (i % groups)
        out.append(Msg(chat, m, text))
    return out


def make_chats(emu: Emulator, msgs: list[Msg]) -> dict[int, User]:
    users = {m.user_id: User(m.user_id, f"Thành viên {m.user_id}") for m in msgs}
    for m in msgs:
        if m.chat_id < 0:
            with contextlib.suppress(Exception):
                emu.chat(m.chat_id)
                continue
            emu.group_chat(m.chat_id, f"Tổ {m.chat_id}")
        else:
            emu.private_chat(users[m.user_id])
    return users


def rows_per_message(db: Database) -> Counter[tuple[str, int]]:
    """(chat id, message id) -> number of report rows (revisions included) stored for that message."""
    with db.session() as s:
        rows = s.execute(select(Report.chat_id, Report.message_id, func.count()).group_by(
            Report.chat_id, Report.message_id)).all()
    return Counter({(str(c), int(m)): int(n) for c, m, n in rows})


def confirmations(emu: Emulator) -> Counter[tuple[str, int]]:
    """(chat id, user message id) -> how many report confirmations (✅ replies) the bot sent for it."""
    out: Counter[tuple[str, int]] = Counter()
    for r in emu.sent():
        if r.reply_to_message_id is not None and r.text and r.text.startswith("✅"):
            out[(str(r.chat_id), r.reply_to_message_id)] += 1
    return out


def replies_to(emu: Emulator, chat_id: int, message_id: int) -> list[SentMessage]:
    return [r for r in emu.sent(chat_id) if r.reply_to_message_id == message_id]


# ---------------------------------------------------------------------------------------------- in-process bot


class FaultBot:
    """The real Application polling `emu` over HTTP, on `db`, with a fake clock."""

    def __init__(self, emu: Emulator, db: Database, *, clock: FakeClock | None = None,
                 limiter: AIORateLimiter | None = None, **settings: Any) -> None:
        self.emu, self.db = emu, db
        self.clock = clock or FakeClock(datetime(2025, 8, 14, 10, 0, tzinfo=TZ))
        self.settings = make_settings(str(db.engine.url.render_as_string(hide_password=False)), emu, **settings)
        self.limiter = limiter or no_throttle()
        self.app: App | None = None

    async def start(self) -> App:
        self.app = await run_app(build_application(self.settings, db=self.db, clock=self.clock,
                                                   rate_limiter=self.limiter, start_scheduler=False))
        return self.app

    async def stop(self) -> None:
        app, self.app = self.app, None
        if app is None:
            return
        if app.updater is not None and app.updater.running:
            await app.updater.stop()
        if app.running:
            await app.stop()
        await app.shutdown()

    async def __aenter__(self) -> FaultBot:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()


#: the waits below are liveness bounds (a test waits for an event, never for a time to pass): on a loaded
#: 2-core CI machine a bot process can take well over 30 s to start polling. Scaled, so that only a bot
#: that really hangs fails a test (VNEID_TEST_TIMEOUT_SCALE, default 4).
TIMEOUT_SCALE = float(os.environ.get("VNEID_TEST_TIMEOUT_SCALE", "4"))


async def wait_for(predicate: Any, timeout: float, what: str, poll: float = 0.05) -> None:
    loop = asyncio.get_running_loop()
    timeout *= TIMEOUT_SCALE
    deadline = loop.time() + timeout
    while not predicate():
        if loop.time() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}")
        await asyncio.sleep(poll)


# ---------------------------------------------------------------------------------------------- bot process


class BotProcess:
    """`python -m bot run` (polling) against the emulator, with its output in a log file."""

    def __init__(self, emu: Emulator, db_url: str, log_path: Path, **env: str) -> None:
        self.emu, self.db_url, self.log_path = emu, db_url, log_path
        self.env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "DATABASE_", "WEBHOOK_"))},
            "TELEGRAM_BOT_TOKEN": emu.token,
            "TELEGRAM_API_BASE_URL": emu.base_url,
            "DATABASE_URL": db_url,
            "LOG_LEVEL": "INFO",
            "PYTHONUNBUFFERED": "1",
            **env,
        }
        self.proc: subprocess.Popen[bytes] | None = None
        self.starts = 0

    def start(self) -> None:
        assert self.proc is None or self.proc.poll() is not None
        self.starts += 1
        with self.log_path.open("ab") as out:
            out.write(f"\n===== start {self.starts} =====\n".encode())
            out.flush()
            # cwd without a .env file: settings come from this environment only
            self.proc = subprocess.Popen([sys.executable, "-m", "bot", "run"], cwd=str(self.log_path.parent),
                                         env={**self.env, "PYTHONPATH": str(ROOT)}, stdout=out,
                                         stderr=subprocess.STDOUT)

    def kill9(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(10)

    async def stop(self, timeout: float = 20.0) -> int:
        """SIGTERM (run_polling stops gracefully) and wait."""
        if self.proc is None or self.proc.poll() is not None:
            return self.proc.returncode if self.proc else 0
        self.proc.send_signal(signal.SIGTERM)
        for _ in range(int(timeout * 20)):
            if self.proc.poll() is not None:
                return self.proc.returncode
            await asyncio.sleep(0.05)
        self.proc.kill()
        self.proc.wait(5)
        raise AssertionError("the bot did not stop within the timeout")

    @property
    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    async def wait_polling(self, timeout: float = 30.0) -> None:
        """Until the child has called getUpdates (it is up)."""
        start = self.emu.stats.calls["getUpdates"]
        await wait_for(lambda: self.emu.stats.calls["getUpdates"] > start or not self.alive, timeout,
                       "the bot process to poll")
        if not self.alive:
            raise AssertionError("the bot process died:\n" + self.log()[-3000:])


def webhook_env(port: int, public: int | None = None) -> dict[str, str]:
    """The environment of a webhook worker listening on `port`, reached by Telegram at `public` (a load
    balancer's port; the worker's own by default)."""
    return {"WEBHOOK_URL": f"http://127.0.0.1:{public or port}", "WEBHOOK_PORT": str(port),
            "WEBHOOK_LISTEN": "127.0.0.1", "WEBHOOK_SECRET": "s3cret-for-the-test-webhook-0000"}


# ---------------------------------------------------------------------------------------------- TCP proxy


class TcpProxy:
    """127.0.0.1:<port> -> target, in a thread of its own (the bot's synchronous DB calls may block the
    test's event loop). ``cut()`` closes every open connection and refuses new ones until ``restore()``."""

    def __init__(self, target_host: str = "127.0.0.1", target_port: int = 5432) -> None:
        self.target = (target_host, target_port)
        self.port = 0
        self.refused = 0
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="tcp-proxy", daemon=True)
        self._server: asyncio.base_events.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        self._up = True

    def start(self) -> TcpProxy:
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._listen(), self._loop).result(10)
        return self

    async def _listen(self) -> None:
        self._server = await asyncio.start_server(self._client, "127.0.0.1", self.port)
        self.port = self._server.sockets[0].getsockname()[1]

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if not self._up:
            self.refused += 1
            writer.transport.abort()
            return
        try:
            up_reader, up_writer = await asyncio.open_connection(*self.target)
        except OSError:
            writer.transport.abort()
            return
        self._writers |= {writer, up_writer}

        async def pipe(src: asyncio.StreamReader, dst: asyncio.StreamWriter) -> None:
            try:
                while data := await src.read(65536):
                    dst.write(data)
                    await dst.drain()
            except (ConnectionError, OSError):
                pass
            finally:
                dst.transport.abort()

        await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))
        self._writers -= {writer, up_writer}

    def _run(self, fn: Any) -> None:
        async def call() -> None:
            fn()

        asyncio.run_coroutine_threadsafe(call(), self._loop).result(10)

    def cut(self) -> None:
        def do() -> None:
            self._up = False
            for w in list(self._writers):
                w.transport.abort()
            self._writers.clear()

        self._run(do)

    def restore(self) -> None:
        def do() -> None:
            self._up = True

        self._run(do)

    def close(self) -> None:
        def do() -> None:
            if self._server is not None:
                self._server.close()
            for w in list(self._writers):
                w.transport.abort()

        self._run(do)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)
