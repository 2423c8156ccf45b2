"""Explicit wiring (issue 13): no import cycles, no module registered by a name looked up at run time,
one container per process."""

from __future__ import annotations

import pkgutil
import shutil
import subprocess
import sys
from pathlib import Path

import grimp
import pytest

import bot.texts
import handlers
from bot.app import HANDLER_MODULES
from bot.bootstrap import Container, build
from bot.cli import EXTRA_COMMANDS, build_parser
from bot.config import Settings
from bot.services import Services
from storage.db import Database

ROOT = Path(__file__).resolve().parent.parent


def _cycles(graph: grimp.ImportGraph) -> list[list[str]]:
    """Strongly connected groups of modules (Tarjan), largest first."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph.find_modules_directly_imported_by(v):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10_000))
    for module in sorted(graph.modules):
        if module not in index:
            visit(module)
    return sorted(found, key=len, reverse=True)


def test_no_import_cycles_between_modules() -> None:
    """Every import counts, inside functions and under TYPE_CHECKING too (cli -> zalo.runner -> dispatch
    -> export -> cli and emulator.control <-> emulator.server were the last ones)."""
    graph = grimp.build_graph("bot", "handlers", "storage")
    assert _cycles(graph) == []


@pytest.mark.skipif(shutil.which("lint-imports") is None, reason="import-linter not installed")
def test_import_linter_contracts_are_kept() -> None:
    done = subprocess.run(["lint-imports", "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]


def test_every_handler_module_is_registered() -> None:
    """The application registers the handler modules it imports (no name looked up and skipped when
    missing): a module with a register() that is not listed would never run."""
    with_register = {f"handlers.{m.name}" for m in pkgutil.iter_modules(handlers.__path__)
                     if hasattr(__import__(f"handlers.{m.name}", fromlist=["register"]), "register")}
    assert {m.__name__ for m in HANDLER_MODULES} == with_register


def test_every_catalog_module_is_loaded() -> None:
    parts = {f"bot.texts.{m.name}" for m in pkgutil.iter_modules(bot.texts.__path__)}
    assert {m.__name__ for m in bot.texts.MODULES} == parts


def test_sub_commands_are_listed() -> None:
    assert set(EXTRA_COMMANDS) == {"import", "export", "zalo-oa"}
    args = build_parser().parse_args(["export", "--unit", "x", "-o", "out.xlsx"])
    assert args.command == "export"


def test_one_container_shares_its_services(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'c.db'}")
    try:
        svc = Services(Settings(_env_file=None), db)  # type: ignore[call-arg]
        c = build(svc)
        assert isinstance(c, Container) and c.db is db and c.settings is svc.settings
        assert c.org.join_throttle is c.join_throttle  # wrong /dangky codes counted once for every channel
        assert c.official.views is c.views
        assert all(x.svc is svc for x in (c.reports, c.org, c.schedule, c.views, c.links, c.official, c.indicators))
        assert not hasattr(svc, "extras")
    finally:
        db.dispose()
