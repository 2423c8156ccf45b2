"""Scale-out with real processes: three `vneid-bot run` webhook workers behind nginx on one PostgreSQL.

* 10,000 reports (VNEID_SCALE_REPORTS to change it) posted by the Bot API emulator through nginx, one
  worker killed with -9 mid-run and restarted: 0 lost, 0 stored twice, each chat's reports recorded in the
  order they were sent;
* scheduler fail-over: the leader (the PostgreSQL advisory lock) is killed before a summary is due;
  another worker takes the lock and sends it, once.

nginx comes from Debian's package (CI installs it); without it the test is skipped with the reason.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import subprocess
import time
from collections import defaultdict
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.demo_data import GROUP_ID
from bot.emulator import Emulator
from storage.db import Database
from storage.models import Chat, Delivery, Inbox, Report
from tests.helpers.faultkit import (
    BotProcess,
    confirmations,
    make_chats,
    report_traffic,
    rows_per_message,
    seed,
    wait_for,
    webhook_env,
)
from tests.helpers.world import PG_URL, TZ, free_port, fresh_pg_schema, pg_available

pytestmark = [pytest.mark.faults, pytest.mark.postgres, pytest.mark.timeout(1500)]

REPORTS = int(os.environ.get("VNEID_SCALE_REPORTS", "10000"))
GROUPS = 500  # 20 reports per group: within Telegram's 20 messages a minute per group (the bot's limiter)
NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)


@pytest.fixture
def pg_schema() -> Iterator[str]:
    """A database URL of a fresh PostgreSQL schema that separate processes can use."""
    reason = pg_available()
    if reason:
        pytest.skip(reason)
    with fresh_pg_schema("scale") as schema:
        yield f"{PG_URL}?options=-csearch_path%3D{schema}"


class Nginx:
    """nginx in the foreground with a config of its own: round robin over the workers; a POST that cannot
    reach a worker (refused, reset: the worker was killed) goes to the next one."""

    def __init__(self, prefix: Path, port: int, upstreams: list[int]) -> None:
        self.prefix, self.port = prefix, port
        servers = "\n".join(f"    server 127.0.0.1:{p} max_fails=1 fail_timeout=3s;" for p in upstreams)
        (prefix / "logs").mkdir(parents=True, exist_ok=True)
        (prefix / "nginx.conf").write_text(f"""
daemon off;
worker_processes 1;
pid {prefix}/nginx.pid;
error_log {prefix}/logs/error.log warn;
events {{ worker_connections 1024; }}
http {{
  access_log off;
  client_body_temp_path {prefix}/body; proxy_temp_path {prefix}/proxy;
  fastcgi_temp_path {prefix}/fcgi; uwsgi_temp_path {prefix}/uwsgi; scgi_temp_path {prefix}/scgi;
  upstream bots {{
{servers}
    keepalive 16;
  }}
  server {{
    listen 127.0.0.1:{port};
    location / {{
      proxy_pass http://bots;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_next_upstream error timeout http_502 http_503 non_idempotent;
      proxy_connect_timeout 2s;
      proxy_read_timeout 30s;
    }}
  }}
}}
""")
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        assert NGINX is not None
        self.proc = subprocess.Popen([NGINX, "-p", str(self.prefix), "-c", str(self.prefix / "nginx.conf")],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError("nginx did not start: " + (self.prefix / "logs/error.log").read_text())
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", self.port)) == 0:
                    return
            time.sleep(0.05)
        raise AssertionError("nginx is not listening")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(10)


def worker(emu: Emulator, url: str, tmp: Path, name: str, port: int, public: int, **env: str) -> BotProcess:
    return BotProcess(emu, url, tmp / f"{name}.log", **webhook_env(port, public), MAX_UPDATE_ATTEMPTS="5", **env)


async def wait_up(bot: BotProcess, port: int) -> None:
    async def healthy() -> bool:
        try:
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
        except OSError:
            return False
        writer.write(b"GET /healthz HTTP/1.0\r\n\r\n")
        await writer.drain()
        head = await reader.read(64)
        writer.close()
        return b" 200 " in head

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if not bot.alive:
            raise AssertionError("a worker died:\n" + bot.log()[-3000:])
        if await healthy():
            return
        await asyncio.sleep(0.2)
    raise AssertionError("a worker did not come up:\n" + bot.log()[-3000:])


async def wait_progress(emu: Emulator, db: Database, bots: list[BotProcess], target: int, what: str,
                        stall: float = 180.0) -> None:
    """Until `target` reports are confirmed; fails with what the queue holds when nothing moved for `stall` s."""
    seen, moved = -1, time.monotonic()
    while (done := len(confirmations(emu))) < target:
        if done != seen:
            seen, moved = done, time.monotonic()
        elif time.monotonic() - moved > stall:
            with db.session() as s:
                counts = dict(s.execute(select(Inbox.status, func.count()).group_by(Inbox.status)).all())
            logs = "\n".join(f"--- {b.log()[-1500:]}" for b in bots)
            raise AssertionError(f"{what}: stuck at {done} confirmations for {stall:.0f} s; inbox {counts}\n{logs}")
        await asyncio.sleep(0.5)


@pytest.mark.skipif(NGINX is None, reason="nginx is not installed (Debian package nginx; .ci/run installs it)")
async def test_three_workers_behind_nginx_kill9_loses_nothing(tmp_path: Path, emu: Emulator,
                                                              pg_schema: str) -> None:
    db = Database(pg_schema)
    members = seed(db, (REPORTS + 3) // 4)  # four distinct reports per member (two metrics, two days)
    msgs = report_traffic(members, REPORTS, groups=GROUPS)
    users = make_chats(emu, msgs)
    ports = [free_port() for _ in range(3)]
    lb = Nginx(tmp_path / "nginx", free_port(), ports)
    lb.start()
    bots = [worker(emu, pg_schema, tmp_path, f"w{i}", p, lb.port) for i, p in enumerate(ports)]
    t0 = time.monotonic()
    try:
        for bot in bots:
            bot.start()
        for bot, port in zip(bots, ports, strict=True):
            await wait_up(bot, port)
        sent: dict[tuple[str, int], str] = {}
        for m in msgs:
            message = emu.send_message(m.chat_id, users[m.user_id], m.text)
            sent[(str(m.chat_id), int(message["message_id"]))] = m.text
        await wait_progress(emu, db, bots, int(REPORTS * 0.3), "30% confirmed before the kill")
        bots[1].kill9()
        killed_at = len(confirmations(emu))
        await asyncio.sleep(2.0)
        bots[1].start()
        await wait_up(bots[1], ports[1])
        await wait_progress(emu, db, bots, REPORTS, "every report confirmed")
        await emu.wait_idle(60)
        elapsed = time.monotonic() - t0
        for bot in bots:
            assert await bot.stop() == 0, bot.log()[-2000:]
    finally:
        for bot in bots:
            if bot.alive:
                bot.kill9()
        lb.stop()
    rows = rows_per_message(db)
    lost = [k for k in sent if k not in rows]
    assert not lost, f"{len(lost)} reports lost, e.g. {lost[:3]}"
    assert set(rows) == set(sent), "rows for messages nobody sent"
    doubled = {k: n for k, n in rows.items() if n > 1}
    assert not doubled, f"{len(doubled)} reports stored twice"
    with db.session() as s:  # per chat, the reports were recorded in the order they were sent
        order: dict[str, list[tuple[int, int]]] = defaultdict(list)
        for chat_id, message_id, report_id in s.execute(select(Report.chat_id, Report.message_id, Report.id)):
            order[str(chat_id)].append((int(message_id), int(report_id)))
    out_of_order = [c for c, pairs in order.items() if [r for _m, r in sorted(pairs)] != sorted(r for _m, r in pairs)]
    assert not out_of_order, f"{len(out_of_order)} chats recorded out of order, e.g. {out_of_order[:3]}"
    handled_by = [bot.log().count("now the scheduler") for bot in bots]
    db.dispose()
    print(f"scale: {REPORTS} reports in {GROUPS} groups through nginx to 3 workers on PostgreSQL, worker 2 "
          f"killed -9 after {killed_at} confirmations and restarted -> stored {len(rows)}, lost 0, stored "
          f"twice 0, chats out of order 0; {elapsed:.0f} s ({REPORTS / elapsed:.0f} reports/s); "
          f"scheduler lock taken {handled_by}")


async def test_scheduler_fails_over_when_the_leader_is_killed(tmp_path: Path, emu: Emulator,
                                                              pg_schema: str) -> None:
    now = datetime.now(TZ)
    due = now + timedelta(seconds=75)
    if due.date() != now.date():
        pytest.skip("too close to midnight for a summary due in a minute")
    db = Database(pg_schema)
    seed(db, 0)
    with db.session() as s:
        chat = s.scalar(select(Chat).where(Chat.external_id == str(GROUP_ID)))
        assert chat is not None
        chat.reminders_enabled, chat.summaries_enabled = False, True
    emu.group_chat(GROUP_ID, "Tổ CNS Xã Tân Hòa")
    env = {"DEFAULT_SUMMARY_TIME": due.strftime("%H:%M:%S"), "TIMEZONE": "Asia/Ho_Chi_Minh",
           "DEFAULT_WEEKLY_DAY": str((now.weekday() + 3) % 7)}
    ports = [free_port() for _ in range(2)]
    a = worker(emu, pg_schema, tmp_path, "a", ports[0], ports[0], **env)
    b = worker(emu, pg_schema, tmp_path, "b", ports[1], ports[0], **env)

    def daily() -> list[tuple[str, int]]:
        with db.session() as s:
            return [(d.status, d.attempts) for d in s.scalars(select(Delivery).where(Delivery.kind == "daily"))]

    def summaries() -> int:
        return len([r for r in emu.sent(GROUP_ID) if r.kind == "text" and r.reply_to_message_id is None])

    try:
        a.start()
        await wait_up(a, ports[0])
        await wait_for(lambda: "now the scheduler" in a.log() or not a.alive, 30, "the first worker to lead")
        b.start()
        await wait_up(b, ports[1])
        await asyncio.sleep(1.0)
        assert "now the scheduler" not in b.log(), "two leaders"
        assert datetime.now(TZ) < due - timedelta(seconds=5), "the machine is too slow for this timing"
        a.kill9()  # the leader dies before the summary is due
        killed = datetime.now(TZ)
        await wait_for(lambda: ("sent", 1) in daily() or not b.alive, 150, "the summary sent by the other worker")
        sent_at = datetime.now(TZ)
        assert "now the scheduler" in b.log()
        await asyncio.sleep(35.0)  # one more tick of the new leader: nothing sent again
        assert await b.stop() == 0, b.log()[-2000:]
    finally:
        for bot in (a, b):
            if bot.alive:
                bot.kill9()
    assert daily() == [("sent", 1)], daily()
    assert summaries() == 1
    assert (sent_at - due).total_seconds() < 60, "sent more than a minute after it was due"
    db.dispose()
    print(f"scale: leader killed {(due - killed).total_seconds():.0f} s before the summary was due; the other "
          f"worker took the lock and sent it {(sent_at - due).total_seconds():.0f} s after its time, once")
