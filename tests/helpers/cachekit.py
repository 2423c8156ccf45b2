"""What the cross-process cache tests and their benchmark share: the writer process, the reader's world, the
bot's cached lookups (tests/test_cache_notify.py, bench/bench_cache_notify.py)."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine

from bot.conversation import Conversation, Turn
from bot.core.reports import ReportService
from bot.core.services import Services
from bot.demo_data import Demo, member_id
from storage.db import Database
from tests.helpers.world import TZ

ROOT = Path(__file__).resolve().parents[2]
NOW = datetime(2025, 8, 14, 10, 0, tzinfo=TZ)
WITHIN = 1.0  #: the promise: another process's change is seen within this many seconds
MEMBER = member_id(3)  # a member of Thôn 3
LATENCIES: list[tuple[str, float]] = []


class Writer:
    """The other process: one command a line, one answer a line once committed."""

    def __init__(self, url: str, schema: str) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tests.helpers.cache_writer", url, schema], cwd=ROOT, text=True,
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, env={**os.environ, "PYTHONPATH": str(ROOT)})
        ready = self._line(60)
        assert ready.startswith("ready "), ready
        self.listener_pid = int(ready.split()[1])

    def _line(self, timeout: float) -> str:
        assert self.proc.stdout is not None
        out: list[str] = []
        reader = threading.Thread(target=lambda: out.append(self.proc.stdout.readline()))  # type: ignore[union-attr]
        reader.start()
        reader.join(timeout)
        assert out and out[0], f"the writer process did not answer (exit code {self.proc.poll()})"
        return out[0].strip()

    def do(self, command: str) -> float:
        """Run `command` there; the wall-clock time just after its commit."""
        assert self.proc.stdin is not None
        self.proc.stdin.write(command + "\n")
        self.proc.stdin.flush()
        answer = self._line(30)
        assert answer.startswith("ok "), (command, answer)
        return float(answer.split()[1])

    def close(self) -> None:
        if self.proc.poll() is None and self.proc.stdin is not None:
            with contextlib.suppress(OSError):
                self.proc.stdin.write("quit\n")
                self.proc.stdin.close()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


@dataclass
class World:
    db: Database
    svc: Services
    demo: Demo
    conversation: Conversation
    reports: ReportService
    writer: Writer
    admin: Engine
    schema: str
    url: str


def options(schema: str) -> dict[str, Any]:
    return {"options": f"-csearch_path={schema}"}


# ---- the cached lookups of the bot, as a report or a command makes them ---------------------------------


def role(w: World) -> str:
    turn = Turn("telegram", str(MEMBER), "private", str(MEMBER), "Tổ viên Thôn 3")
    return w.conversation.caller(turn).role.name


def unit_name(w: World) -> str:
    caller = w.svc.caller("telegram", MEMBER, "Tổ viên Thôn 3")
    assert caller.unit_id is not None
    scope = w.reports._scope(caller.unit_id, caller.unit_path)  # noqa: SLF001 - the parse step's cache
    return scope.own.name


def commune_target(w: World) -> int | None:
    caller = w.svc.caller("telegram", MEMBER, "Tổ viên Thôn 3")
    assert caller.unit_id is not None
    scope = w.reports._scope(caller.unit_id, caller.unit_path)  # noqa: SLF001 - the parse step's cache
    return scope.area.target(w.demo.commune_id, "l2")


COUNTER = iter(range(1, 10_000))


def change(w: World, kind: str) -> tuple[Callable[[World], object], str]:
    """The lookup that shows `kind`, and the writer's command that changes it."""
    n = next(COUNTER)
    if kind == "role":
        new = "leader" if role(w) == "MEMBER" else "member"
        return role, f"role {MEMBER} {new}"
    if kind == "rename":
        return unit_name, f"rename th-3 Thôn Ba {n}"
    assert kind == "target"
    return commune_target, f"target x-tanhoa l2 {9000 + n}"


def poll(lookup: Callable[[], object], old: object, within: float) -> tuple[object, float]:
    start = time.monotonic()
    while True:
        value = lookup()
        elapsed = time.monotonic() - start
        if value != old or elapsed >= within:
            return value, elapsed
        time.sleep(0.002)


KINDS = ["role", "rename", "target"]
