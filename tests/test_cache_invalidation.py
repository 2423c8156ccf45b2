"""Cache invalidation by meaning (issue 13): `Database.cached` entries are dropped when a transaction that
wrote reference data (units, members, metrics, targets, baselines, chats) ends, whichever path wrote it:
the ORM rows a flush writes (by their mapped table), the UPDATE/DELETE statements repositories declare
with `storage.db.touch`, migrations. A report (the hot path) flushes no cache."""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterator
from datetime import date, datetime, time
from pathlib import Path
from typing import Any, cast
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Table
from sqlalchemy.orm import Session

from bot.config import Settings
from bot.core.access import Caller
from bot.core.importer import run_import
from bot.core.indicators import IndicatorService
from bot.core.org import OrgService
from bot.core.reports import ReportService
from bot.core.services import Services
from bot.demo_data import ADMIN_ID, GROUP_ID, Demo, member_id
from storage import link_repo, metric_repo, org_repo, repo, schedule_repo, zalo_repo
from storage.db import CACHED_TABLES, GENERATION, touch, touched
from storage.models import Base, Chat, Member, Unit
from tests.helpers.world import demo_world

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
NOW = datetime(2025, 8, 14, 10, 0, tzinfo=TZ)
STORAGE = Path(__file__).resolve().parent.parent / "storage"


@pytest.fixture
def env(tmp_path: Path) -> Iterator[tuple[Services, Demo]]:
    w = demo_world(tmp_path)  # upgrade + seed_demo, copied from the template
    db, demo = w.db, w.demo
    svc = Services(Settings(_env_file=None, admin_ids=[]), db, lambda: NOW)  # type: ignore[call-arg]
    yield svc, demo
    db.dispose()


def _unit(s: Session, code: str) -> Unit:
    unit = repo.unit_by_code(s, code)
    assert unit is not None
    return unit


def _chat(s: Session) -> Chat:
    chat = repo.chat_by_external(s, "telegram", str(GROUP_ID))
    assert chat is not None
    return chat


def _member(s: Session, external_id: int) -> Member:
    member = repo.member_by_external(s, "telegram", str(external_id))
    assert member is not None
    return member


def _merge_chats(s: Session) -> None:
    repo.get_or_create_chat(s, "telegram", "-100555", "new")
    org_repo.migrate_chat(s, "telegram", str(GROUP_ID), "-100555", None)


#: every repository function that writes reference data, called as the application calls it
WRITES: dict[str, Callable[[Session], Any]] = {
    "repo.create_unit": lambda s: repo.create_unit(s, "th-moi", "Thôn Mới", "village", _unit(s, "x-tanhoa")),
    "repo.add_member": lambda s: repo.add_member(s, "telegram", "880001", "Người Mới", _unit(s, "th-3")),
    "repo.set_target (new)": lambda s: repo.set_target(s, _unit(s, "x-tanhoa"), "l2", 5),
    "repo.set_target (change)": lambda s: repo.set_target(s, _unit(s, "th-3"), "l2", 12345),
    "repo.set_baseline": lambda s: repo.set_baseline(s, _unit(s, "th-3"), "l2", date(2025, 8, 1), 77),
    "repo.get_or_create_chat (new)": lambda s: repo.get_or_create_chat(s, "telegram", "-100999", "Nhóm mới"),
    "repo.bind_chat": lambda s: repo.bind_chat(s, _chat(s), _unit(s, "th-3")),
    "org_repo.rotate_join_code": lambda s: org_repo.rotate_join_code(s, _unit(s, "th-3")),
    "org_repo.move_subtree": lambda s: org_repo.move_subtree(s, _unit(s, "th-3"), _unit(s, "t-demo")),
    "org_repo.set_subtree_active": lambda s: org_repo.set_subtree_active(s, _unit(s, "th-3"), False),
    "org_repo.add_unit_rows": lambda s: org_repo.add_unit_rows(
        s, [("th-moi", "Thôn Mới", "village", _unit(s, "x-tanhoa"))]),
    "org_repo.delete_target": lambda s: org_repo.delete_target(s, _unit(s, "th-3").id, "l2"),
    "org_repo.add_targets": lambda s: org_repo.add_targets(s, [(_unit(s, "x-tanhoa").id, "l2", 5, None)]),
    "org_repo.add_baselines": lambda s: org_repo.add_baselines(s, [(_unit(s, "th-3").id, "l1", date(2025, 8, 1), 5)]),
    "org_repo.add_members": lambda s: org_repo.add_members(
        s, [("telegram", "880002", "Người Mới", _unit(s, "th-3").id, "member")]),
    "org_repo.add_chats": lambda s: org_repo.add_chats(
        s, [("telegram", "-100998", _unit(s, "th-3").id, time(17, 0), None)]),
    "org_repo.set_chat_active": lambda s: org_repo.set_chat_active(s, "telegram", str(GROUP_ID), False, "test"),
    "org_repo.migrate_chat (moved)": lambda s: org_repo.migrate_chat(s, "telegram", str(GROUP_ID), "-100777", "t"),
    "org_repo.migrate_chat (merged)": _merge_chats,
    "schedule_repo.update_chat": lambda s: schedule_repo.update_chat(s, _chat(s).id, summary_time=time(18, 30)),
    "schedule_repo.disable_chat": lambda s: schedule_repo.disable_chat(s, _chat(s).id, "blocked"),
    "schedule_repo.migrate_chat": lambda s: schedule_repo.migrate_chat(s, _chat(s).id, "-100888"),
    "zalo_repo.set_budget_mode": lambda s: zalo_repo.set_budget_mode(s, _chat(s).id, "batched"),
    "metric_repo.add": lambda s: metric_repo.add(s, "l9", "Chỉ số 9", "Metric 9", "c9"),
    "link_repo.link_account": lambda s: link_repo.link_account(s, "zalo", "z-1", "An", _member(s, member_id(1))),
}


@pytest.mark.parametrize("name", sorted(WRITES))
def test_every_reference_write_drops_the_caches(env: tuple[Services, Demo], name: str) -> None:
    svc, _demo = env
    db = svc.db
    loads: list[int] = []
    db.cached(("probe",), lambda: loads.append(1))
    db.cached(("probe",), lambda: loads.append(1))
    assert len(loads) == 1  # cached
    before = GENERATION.value
    with db.session() as s:
        WRITES[name](s)
        s.flush()
        assert touched(s) & CACHED_TABLES, f"{name}: not seen as a reference write"
        assert GENERATION.value == before  # only when the transaction ends (its writes are then visible)
    assert GENERATION.value > before, f"{name} did not invalidate the caches"
    db.cached(("probe",), lambda: loads.append(1))
    assert len(loads) == 2  # reloaded


def test_services_writing_through_orm_objects_drop_the_caches(env: tuple[Services, Demo]) -> None:
    """Services change reference rows as ORM objects (a rename, a role, a metric's words, an import): the
    flush says which tables they belong to, no call site has to remember."""
    svc, demo = env
    org = OrgService(svc)
    admin = svc.caller("telegram", ADMIN_ID, "Lan")
    actions: list[tuple[str, Callable[[], Any]]] = [
        ("rename", lambda: org.rename_unit(admin, "th-3", "Thôn Ba Mới")),
        ("target", lambda: org.set_target(admin, "th-5", "l2", 321)),
        ("import", lambda: run_import(svc, admin, [("units.csv", "code,name,parent_code\nth-x,Thôn X,x-tanhoa\n"
                                                                 .encode())])),
    ]
    global_admin = Caller.of("telegram", "1", "root", None, global_admin=True, language="vi")
    actions.append(("indicator", lambda: IndicatorService(svc).cmd(global_admin, "tu l2 cccd")))
    for what, act in actions:
        before = GENERATION.value
        out = act()
        ok = getattr(out, "ok", None)
        status = getattr(out, "status", "ok")
        assert ok is not False and status == "ok", (what, out)
        assert GENERATION.value > before, f"{what} did not invalidate the caches"


def test_a_report_does_not_drop_the_caches(env: tuple[Services, Demo]) -> None:
    """The hot path: storing figures writes reports only; the roster, units and targets stay cached."""
    svc, _demo = env
    reports = ReportService(svc)
    caller = svc.caller("telegram", member_id(3), "Tổ viên")  # of Thôn 3
    chat = str(member_id(3))  # the private chat
    first = reports.submit(caller, chat, 1001, "12")  # warms the caches (scope, metrics ...)
    assert first.status == "stored" and first.lines, first
    before = GENERATION.value
    loads: list[int] = []
    svc.db.cached(("probe",), lambda: loads.append(1))
    out = reports.submit(caller, chat, 1002, "hôm nay 15")
    assert out.status == "stored" and out.lines, out
    assert reports.undo(caller).status == "removed"
    assert GENERATION.value == before
    svc.db.cached(("probe",), lambda: loads.append(1))
    assert len(loads) == 1


def test_rolled_back_reference_write_leaves_nothing_stale(env: tuple[Services, Demo]) -> None:
    """A reference write rolled back drops the caches too (rare; simpler than telling the two apart)."""
    db = env[0].db
    before = GENERATION.value
    with pytest.raises(RuntimeError), db.session() as s:
        _unit(s, "th-3").name = "Tạm"
        s.flush()
        raise RuntimeError("abort")
    assert GENERATION.value > before
    with db.session() as s:
        assert _unit(s, "th-3").name != "Tạm"
        before = GENERATION.value
    assert GENERATION.value == before  # a read-only transaction changes nothing


def test_touch_takes_reference_tables_only(env: tuple[Services, Demo]) -> None:
    with env[0].db.session() as s:
        with pytest.raises(ValueError):
            touch(s, "reports")
        with pytest.raises(ValueError):
            touch(s)
        touch(s, "units", "chats")
        assert touched(s) == {"units", "chats"}


def test_migrations_drop_the_caches(env: tuple[Services, Demo]) -> None:
    db = env[0].db
    before = GENERATION.value
    db.upgrade()
    assert GENERATION.value > before


def test_cached_tables_are_tables() -> None:
    assert set(Base.metadata.tables) >= CACHED_TABLES


_REFERENCE_MODELS = {name for name, mapper in ((m.class_.__name__, m) for m in Base.registry.mappers)
                     if cast(Table, mapper.local_table).name in CACHED_TABLES}


def _statement_writes(fn: ast.FunctionDef) -> set[str]:
    """Reference models this function writes with insert()/update()/delete() statements."""
    out = set()
    for node in ast.walk(fn):
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                and node.func.id in ("insert", "update", "delete", "_insert") and node.args
                and isinstance(node.args[0], ast.Name) and node.args[0].id in _REFERENCE_MODELS):
            out.add(node.args[0].id)
    return out


def _touches(fn: ast.FunctionDef) -> bool:
    return any(isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id == "touch" for n in ast.walk(fn))


def test_statements_writing_reference_tables_say_so() -> None:
    """An UPDATE/DELETE statement bypasses the ORM's rows: its repository function must call touch()."""
    assert {"Unit", "Member", "Chat", "Target", "Baseline", "Metric"} <= _REFERENCE_MODELS
    missing, seen = [], 0
    for path in sorted(STORAGE.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef) and _statement_writes(node):
                seen += 1
                if not _touches(node):
                    missing.append(f"{path.name}:{node.lineno} {node.name}")
    assert seen >= 7  # the guard does find them
    assert not missing, missing
