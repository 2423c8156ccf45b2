"""Ingest benchmark: the real bot vs a minimal PTB echo bot, same emulator, same traffic, one run.

    python bench/bench_ingest.py                      # 3,000 messages: echo, project on SQLite, project on PostgreSQL
    python bench/bench_ingest.py --messages 10000     # more traffic
    python bench/bench_ingest.py --db sqlite          # or --db postgres
    python bench/bench_ingest.py --profile /tmp/prof  # cProfile each bot process (.pstats per run)
    python bench/bench_ingest.py --py-spy /tmp/spy    # py-spy samples of each bot process (needs py-spy)
    python bench/bench_ingest.py --timers             # CPU per message of the project's own steps
    python bench/bench_ingest.py --floor              # also an echo bot that replies like the project does
    python bench/bench_ingest.py --rtt 20             # 20 ms added to every Bot API request (remote Telegram)

What runs where:
* this process runs the Bot API emulator (``bot.emulator.Emulator``) with ``Limits.off()``: no flood
  limits (text/caption lengths still apply), so nobody's replies are throttled artificially;
* each bot runs in a fresh child process (so its peak RSS is its own), polling the emulator over HTTP
  with ``run_polling``'s defaults (poll_interval 0, long-poll timeout 10 s), with an ``AIORateLimiter``
  whose rates are 0 (= no throttling; the limiter's code path still runs) — the same for both bots;
* the project child is the REAL application (``bot.channels.telegram.app.build_application``: handlers, ReportService,
  SQLite file or a PostgreSQL schema of its own), seeded with many communes, villages and members;
* the echo child is ``Application`` + one ``MessageHandler`` that replies the text (quoted).

Traffic: ``--messages`` report messages from ``--communes`` x ``--villages`` villages' members (two per
village), each commune's members writing in their commune's group chat, mixed forms (``Thôn 7 hôm nay 12
mức 2``, ``hqua 5 m1``, ``/baocao 9``, ``bc 8 m2``). Every message names a distinct (village, metric, day)
so every message is stored as one report row. All messages are queued at t0; the clock stops when every
message was answered (and, for the project, each is in the database: checked afterwards, lost = 0,
duplicated = 0).

Prints reports/s for each run, ``ratio = project / echo`` (goal >= 0.7 on SQLite, >= 0.5 on PostgreSQL) and each bot's peak RSS
(``resource.getrusage(RUSAGE_SELF).ru_maxrss`` inside the bot process).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

PG_URL = os.environ.get("VNEID_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
TOKEN = "123456:BENCH-token-for-the-emulator-0000"
USER_BASE = 10_000_000  # Telegram user ids of the seeded members
GROUP_BASE = -1_009_000_000  # group chat id of commune c is GROUP_BASE - c


# ---------------------------------------------------------------------------------------------- seeding


def seed(db_url: str, communes: int, villages: int) -> None:
    """Province > communes > villages (target 100,000 per metric, baseline 100), 2 members per village."""
    from storage import repo
    from storage.db import Database

    db = Database(db_url)
    db.upgrade()
    today = local_today()
    with db.session() as s:
        prov = repo.create_unit(s, "bench-prov", "Tỉnh Bench", "province", None)
        for c in range(communes):
            com = repo.create_unit(s, f"bx-{c}", f"Xã {c}", "commune", prov)
            repo.add_member(s, "telegram", str(USER_BASE + c * 1000 + 999), f"Chủ tịch xã {c}", com, "leader")
            for v in range(villages):
                vil = repo.create_unit(s, f"bx-{c}-{v}", f"Thôn {v + 1}", "village", com)
                for metric in ("l1", "l2"):
                    repo.set_target(s, vil, metric, 100_000)
                    repo.set_baseline(s, vil, metric, today.replace(day=1), 100)
                for k in range(2):
                    repo.add_member(s, "telegram", str(user_id(c, v, k)), f"Tổ viên {k} thôn {v + 1} xã {c}",
                                    vil, "member" if k == 0 else "leader")
    db.dispose()


def local_today() -> date:
    """The bot's day (its TIMEZONE, the default setting), not this machine's: "hôm nay" and an explicit date
    must name different days also between 17:00 and 24:00 UTC."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from bot.config import Settings

    return datetime.now(ZoneInfo(Settings.model_fields["timezone"].default)).date()


def user_id(commune: int, village: int, k: int) -> int:
    return USER_BASE + commune * 1000 + village * 2 + k


@dataclass(frozen=True)
class Msg:
    chat_id: int
    user_id: int
    name: str
    text: str


def traffic(n: int, communes: int, villages: int, seed_: int = 7) -> list[Msg]:
    """n messages, each for a distinct (village, metric, day) — a second reporter of the same village/day
    would be asked whether it adds up or is the total, not stored — by either of the village's two
    members; days today / yesterday / 2 days ago."""
    rng = random.Random(seed_)
    keys = [(c, v, rng.randrange(2), m, d) for c in range(communes) for v in range(villages)
            for m in ("l1", "l2") for d in (0, 1, 2)]
    if n > len(keys):
        raise SystemExit(f"--messages {n} needs more villages: at most {len(keys)} distinct reports")
    rng.shuffle(keys)
    out = []
    for c, v, k, m, d in keys[:n]:
        value = rng.randint(1, 40)
        level = "2" if m == "l2" else "1"
        when = ("hôm nay", "hqua", "hôm kia")[d] if d != 2 else ""
        form = rng.randrange(4)
        if d == 2:
            day = date.fromordinal(local_today().toordinal() - 2)
            when = f"ngày {day.day}/{day.month}"
        if form == 0:
            text = f"Thôn {v + 1} {when} {value} mức {level}"
        elif form == 1:
            text = f"{when} {value} m{level}"
        elif form == 2:
            text = f"/baocao {when} {value} m{level}"
        else:
            text = f"bc {value} m{level} {when}"
        out.append(Msg(GROUP_BASE - c, user_id(c, v, k), f"Tổ viên {k}", " ".join(text.split())))
    return out


# ---------------------------------------------------------------------------------------------- child (a bot)


def no_throttle_limiter() -> Any:
    from telegram.ext import AIORateLimiter

    return AIORateLimiter(overall_max_rate=0, group_max_rate=0, max_retries=10)


async def child_main(args: argparse.Namespace) -> None:
    import logging

    from telegram import Update
    from telegram.ext import Application, ApplicationBuilder, MessageHandler, filters

    logging.basicConfig(level=logging.WARNING)
    app: Application[Any, Any, Any, Any, Any, Any]
    if args.child == "echo":
        async def echo(update: Update, _context: Any) -> None:
            assert update.message is not None and update.message.text is not None
            await update.message.reply_text(update.message.text, do_quote=True)

        app = (ApplicationBuilder().token(TOKEN).base_url(args.api + "/bot").base_file_url(args.api + "/file/bot")
               .rate_limiter(no_throttle_limiter()).build())
        app.add_handler(MessageHandler(filters.TEXT, echo))
    elif args.child == "echo-button":
        # the floor: what PTB and HTTP cost for the project's reply (quoted, one inline button), nothing else
        from telegram import InlineKeyboardButton, InlineKeyboardMarkup

        async def echo_button(update: Update, _context: Any) -> None:
            assert update.message is not None and update.message.text is not None
            markup = InlineKeyboardMarkup([[InlineKeyboardButton("↩️ Hủy báo cáo này", callback_data="u:12345")]])
            await update.message.reply_text("✅ " + update.message.text, do_quote=True, reply_markup=markup)

        app = (ApplicationBuilder().token(TOKEN).base_url(args.api + "/bot").base_file_url(args.api + "/file/bot")
               .rate_limiter(no_throttle_limiter()).build())
        app.add_handler(MessageHandler(filters.TEXT, echo_button))
    else:
        from bot.channels.telegram.app import build_application
        from bot.config import Settings
        from storage.db import Database

        settings = Settings(telegram_bot_token=TOKEN, telegram_api_base_url=args.api + "/bot",  # type: ignore[arg-type]
                            database_url=args.db_url, _env_file=None)  # type: ignore[call-arg]
        app = build_application(settings, db=Database(args.db_url), rate_limiter=no_throttle_limiter())
        if args.timers:
            install_timers()
    await app.initialize()
    if app.post_init:
        await app.post_init(app)
    await app.start()
    assert app.updater is not None
    await app.updater.start_polling(poll_interval=0.0, timeout=10, allowed_updates=Update.ALL_TYPES)
    profiler = None
    if args.profile:
        import cProfile

        profiler = cProfile.Profile(time.process_time)  # CPU: coroutines wait for HTTP, that is no cost
        profiler.enable()
    cpu0 = time.process_time()
    print("READY", flush=True)
    loop = asyncio.get_running_loop()
    await loop.run_in_executor(None, sys.stdin.readline)  # the parent says "stop"
    cpu_window = time.process_time() - cpu0  # CPU of the measured window (startup excluded)
    if profiler is not None:
        profiler.disable()
        profiler.dump_stats(args.profile)
    await app.updater.stop()
    await app.stop()
    await app.shutdown()
    usage = resource.getrusage(resource.RUSAGE_SELF)
    print("RESULT " + json.dumps({"maxrss_kb": usage.ru_maxrss, "cpu_s": cpu_window, "timers": TIMERS}), flush=True)


TIMERS: dict[str, list[float]] = {}


def install_timers() -> None:
    """CPU time spent in the project's own synchronous steps (the rest is PTB, HTTP and the event loop): the
    CPU of the thread that runs them, so that steps run in worker threads (PostgreSQL) are not charged with
    what the other threads did meanwhile."""
    import functools

    from bot.conversation import Conversation
    from bot.core.intake import Intake
    from bot.core.reports import ReportService
    from bot.present import render

    def timed(owner: Any, name: str, label: str) -> None:
        fn = getattr(owner, name, None)
        if fn is None:  # a step another version of the code does not have
            return

        @functools.wraps(fn)
        def wrapper(*a: Any, **kw: Any) -> Any:
            t0 = time.thread_time()
            try:
                return fn(*a, **kw)
            finally:
                acc = TIMERS.setdefault(label, [0.0, 0])
                acc[0] += time.thread_time() - t0
                acc[1] += 1

        setattr(owner, name, wrapper)

    timed(ReportService, "submit", "ReportService.submit")
    timed(ReportService, "set_reply", "ReportService.set_reply")
    timed(Conversation, "caller", "Conversation.caller")
    timed(render, "stored", "render.stored")
    timed(ReportService, "parse", "ReportService.parse")  # inside submit
    timed(Intake, "begin", "Intake.begin")  # the intake's transaction (with what trails behind)
    timed(Intake, "count_fetched", "Intake.count_fetched")  # polling: a batch's first attempts, at once
    timed(Intake, "finish", "Intake.finish")  # failed updates (and background work)
    timed(Intake, "flush", "Intake.flush")  # what trails behind, before each getUpdates / after a pause

    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    @event.listens_for(Engine, "before_cursor_execute")
    def _sql_start(conn: Any, _cur: Any, _stmt: str, _params: Any, _ctx: Any, _many: bool) -> None:
        conn.info["bench_t0"] = time.thread_time()

    @event.listens_for(Engine, "after_cursor_execute")
    def _sql_end(conn: Any, _cur: Any, stmt: str, _params: Any, _ctx: Any, _many: bool) -> None:
        label = "SQL " + " ".join(stmt.split())[:70]
        acc = TIMERS.setdefault(label, [0.0, 0])
        acc[0] += time.thread_time() - conn.info.pop("bench_t0", time.thread_time())
        acc[1] += 1


# ---------------------------------------------------------------------------------------------- parent


@dataclass
class RunResult:
    label: str
    messages: int
    seconds: float
    maxrss_kb: int
    cpu_s: float
    stored: int | None = None
    duplicated: int | None = None

    @property
    def rate(self) -> float:
        return self.messages / self.seconds


def pg_reason() -> str | None:
    from sqlalchemy import create_engine, text

    try:
        eng = create_engine(PG_URL, connect_args={"connect_timeout": 3})
        with eng.connect() as conn:
            conn.execute(text("SELECT 1"))
        eng.dispose()
        return None
    except Exception as exc:  # noqa: BLE001
        return f"{type(exc).__name__}"


class DelayProxy:
    """Adds `rtt` seconds to every request on its way to the emulator: a Bot API that is not local."""

    def __init__(self, target_port: int, rtt: float) -> None:
        self.target_port, self.rtt, self.port = target_port, rtt, 0
        self.server: asyncio.base_events.Server | None = None

    async def start(self) -> None:
        self.server = await asyncio.start_server(self._client, "127.0.0.1", 0)
        self.port = self.server.sockets[0].getsockname()[1]

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.target_port)

        async def pipe(src: asyncio.StreamReader, dst: asyncio.StreamWriter, delay: float) -> None:
            try:
                while data := await src.read(65536):
                    if delay:
                        await asyncio.sleep(delay)
                    dst.write(data)
                    await dst.drain()
            except (ConnectionError, OSError):
                pass
            finally:
                dst.close()

        await asyncio.gather(pipe(reader, up_writer, self.rtt), pipe(up_reader, writer, 0.0))

    async def stop(self) -> None:
        if self.server is not None:
            self.server.close()


async def run_one(label: str, kind: str, msgs: list[Msg], communes: int, db_url: str | None,
                  profile: str | None, py_spy: str | None = None, timers: bool = False,
                  rtt: float = 0.0) -> RunResult:
    from bot.emulator import Emulator, Limits, User

    emu = Emulator(TOKEN, limits=Limits.off())
    await emu.start()
    proxy = DelayProxy(emu.port, rtt) if rtt else None
    if proxy is not None:
        await proxy.start()
    api = f"http://127.0.0.1:{proxy.port}" if proxy is not None else emu.url
    try:
        for c in range(communes):
            emu.group_chat(GROUP_BASE - c, f"Tổ CNS xã {c}")
        cmd = [sys.executable, str(Path(__file__).resolve()), "--child", kind, "--api", api]
        if db_url:
            cmd += ["--db-url", db_url]
        if profile:
            cmd += ["--profile", profile]
        if timers:
            cmd += ["--timers"]
        if py_spy:  # sampling profile of the whole bot process (collapsed stacks, for flame graphs)
            cmd = ["py-spy", "record", "--format", "raw", "--rate", "250", "-o", py_spy, "--", *cmd]
        proc = await asyncio.create_subprocess_exec(*cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                                    cwd=str(ROOT))
        assert proc.stdout is not None and proc.stdin is not None
        line = b""
        for _ in range(20):  # py-spy says a word first
            line = await asyncio.wait_for(proc.stdout.readline(), 60)
            if line.strip() == b"READY" or not line:
                break
        if line.strip() != b"READY":
            raise SystemExit(f"{label}: the bot did not start: {line!r}")
        users = {m.user_id: User(m.user_id, m.name) for m in msgs}
        n = len(msgs)
        mark = emu.mark()
        t0 = time.perf_counter()
        for m in msgs:
            emu.send_message(m.chat_id, users[m.user_id], m.text)
        deadline = t0 + max(120.0, n / 10)
        while emu.mark() - mark < n:
            if time.perf_counter() > deadline:
                got = emu.mark() - mark
                raise SystemExit(f"{label}: only {got}/{n} replies after {deadline - t0:.0f}s; "
                                 f"last: {[r.content[:120] for r in emu.sent()[-3:]]}")
            await asyncio.sleep(0.005)
        seconds = time.perf_counter() - t0
        await emu.wait_idle(30)
        proc.stdin.write(b"stop\n")
        await proc.stdin.drain()
        out = await asyncio.wait_for(proc.stdout.read(), 60)
        await proc.wait()
        result_line = [x for x in out.decode().splitlines() if x.startswith("RESULT ")]
        info: dict[str, Any] = json.loads(result_line[-1][7:]) if result_line else {"maxrss_kb": 0, "cpu_s": 0.0}
        for step, (cpu, calls) in sorted(info.get("timers", {}).items()):
            print(f"{label}: {step:<24} {calls:>6} calls {1000 * cpu / max(n, 1):7.2f} ms CPU per message")
        replies = [r for r in emu.sent() if r.seq > mark]
        bad = [r.content[:100] for r in replies if "✅" not in r.content] if kind == "project" else []
        if bad:
            raise SystemExit(f"{label}: {len(bad)} replies are not confirmations, e.g. {bad[:3]}")
        res = RunResult(label, n, seconds, int(info["maxrss_kb"]), float(info["cpu_s"]))
        if db_url:
            res.stored, res.duplicated = count_stored(db_url, msgs)
            if res.stored != n or res.duplicated:
                raise SystemExit(f"{label}: stored {res.stored}/{n}, duplicated {res.duplicated}")
        return res
    finally:
        if proxy is not None:
            await proxy.stop()
        await emu.stop()


def count_stored(db_url: str, msgs: list[Msg]) -> tuple[int, int]:
    """(distinct messages with a report row, extra rows beyond one per message)."""
    from sqlalchemy import func, select

    from storage.db import Database
    from storage.models import Report

    db = Database(db_url)
    with db.session() as s:
        rows = s.execute(select(Report.chat_id, Report.message_id, func.count()).group_by(
            Report.chat_id, Report.message_id)).all()
    db.dispose()
    return len(rows), sum(int(c) - 1 for _chat, _mid, c in rows)


def make_pg_schema() -> tuple[str, str]:
    from sqlalchemy import create_engine, text

    schema = f"bench_{uuid.uuid4().hex[:10]}"
    eng = create_engine(PG_URL)
    with eng.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    eng.dispose()
    sep = "&" if "?" in PG_URL else "?"
    return schema, f"{PG_URL}{sep}options=-csearch_path%3D{schema}"


def drop_pg_schema(schema: str) -> None:
    from sqlalchemy import create_engine, text

    eng = create_engine(PG_URL)
    with eng.begin() as conn:
        conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    eng.dispose()


async def parent_main(args: argparse.Namespace) -> int:
    msgs = traffic(args.messages, args.communes, args.villages)
    groups = len({m.chat_id for m in msgs})
    members = len({m.user_id for m in msgs})
    print(f"ingest benchmark: {len(msgs)} report messages from {members} members in {groups} groups "
          f"({args.communes} communes x {args.villages} villages); emulator Limits.off(), bots' AIORateLimiter "
          "rates 0 (no throttling)" + (f"; {args.rtt:.0f} ms added to every Bot API request" if args.rtt else ""))

    def prof(name: str) -> str | None:
        if not args.profile:
            return None
        Path(args.profile).mkdir(parents=True, exist_ok=True)
        return str(Path(args.profile) / f"{name}.pstats")

    def spy(name: str) -> str | None:
        if not args.py_spy:
            return None
        Path(args.py_spy).mkdir(parents=True, exist_ok=True)
        return str(Path(args.py_spy) / f"{name}.txt")

    results: list[RunResult] = []
    rtt = args.rtt / 1000
    echo = await run_one("echo bot", "echo", msgs, args.communes, None, prof("echo"), spy("echo"), rtt=rtt)
    results.append(echo)
    if args.floor:
        results.append(await run_one("echo + button", "echo-button", msgs, args.communes, None, prof("echo-button"), spy("echo-button"),
                                     rtt=rtt))
    targets = ["sqlite", "postgres"] if args.db == "all" else [args.db]
    with tempfile.TemporaryDirectory() as tmp:
        for target in targets:
            if target == "sqlite":
                url = f"sqlite:///{Path(tmp) / 'bench.db'}"
                seed(url, args.communes, args.villages)
                results.append(await run_one("project (SQLite)", "project", msgs, args.communes, url,
                                             prof("project-sqlite"), spy("project-sqlite"), args.timers, rtt))
            else:
                reason = pg_reason()
                if reason:
                    print(f"PostgreSQL not reachable at {PG_URL} ({reason}): skipped")
                    continue
                schema, url = make_pg_schema()
                try:
                    seed(url, args.communes, args.villages)
                    results.append(await run_one("project (PostgreSQL)", "project", msgs, args.communes, url,
                                                 prof("project-postgres"), spy("project-postgres"), args.timers,
                                                 rtt))
                finally:
                    drop_pg_schema(schema)
    print()
    print(f"{'run':<22}{'msgs':>7}{'seconds':>9}{'reports/s':>11}{'ratio':>8}{'peak RSS':>11}{'CPU ms/msg':>12}"
          f"{'stored':>8}{'dup':>5}")
    for r in results:
        ratio = "" if r is echo else f"{r.rate / echo.rate:.2f}"
        stored = "" if r.stored is None else str(r.stored)
        dup = "" if r.duplicated is None else str(r.duplicated)
        print(f"{r.label:<22}{r.messages:>7}{r.seconds:>9.2f}{r.rate:>11.0f}{ratio:>8}"
              f"{r.maxrss_kb / 1024:>9.0f}MB{1000 * r.cpu_s / r.messages:>12.2f}{stored:>8}{dup:>5}")
    print()
    for r in results:
        if r.label.startswith("project"):
            db = r.label.split('(')[1].rstrip(')')
            goal = 0.7 if db == "SQLite" else 0.5  # issue 16 item 6
            print(f"ratio = project / echo ({db}) = {r.rate:.0f} / {echo.rate:.0f} = {r.rate / echo.rate:.2f}"
                  f"   (goal >= {goal})")
    if args.profile:
        print(f"profiles in {args.profile}: python -m pstats {args.profile}/project-sqlite.pstats")
    return 0


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--messages", "-n", type=int, default=3000, help="report messages to push (default 3000)")
    p.add_argument("--communes", type=int, default=40, help="communes = group chats (default 40)")
    p.add_argument("--villages", type=int, default=25, help="villages per commune (default 25)")
    p.add_argument("--db", choices=["all", "sqlite", "postgres"], default="all",
                   help="project runs: SQLite then PostgreSQL if reachable (default), or one of them")
    p.add_argument("--profile", default=None, help="directory for cProfile stats of each bot process")
    p.add_argument("--py-spy", default=None, help="directory for py-spy samples (collapsed stacks) of each bot")
    p.add_argument("--timers", action="store_true",
                   help="CPU per message of the project's own steps (the CPU of the thread that runs each, so "
                        "also meaningful on PostgreSQL, where they run in worker threads)")
    p.add_argument("--rtt", type=float, default=0.0,
                   help="milliseconds added to every Bot API request (a remote Telegram); default 0 = local")
    p.add_argument("--floor", action="store_true",
                   help="also run the echo bot replying like the project (quoted, one inline button): the share "
                        "of the gap that is PTB's")
    p.add_argument("--child", choices=["echo", "echo-button", "project"], help=argparse.SUPPRESS)
    p.add_argument("--api", help=argparse.SUPPRESS)
    p.add_argument("--db-url", help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.child:
        asyncio.run(child_main(args))
        return 0
    return asyncio.run(parent_main(args))


if __name__ == "__main__":
    sys.exit(main())
