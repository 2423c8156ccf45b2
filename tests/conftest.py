"""Shared fixtures (databases, the Telegram and Zalo harnesses) and the test tiers.

Tiers (markers, registered in pyproject.toml; `pytest -m <tier>` runs one, `pytest` runs all):
  unit     pure logic, no database
  service  services on a database (SQLite, and PostgreSQL where the test is parametrised `any_db`)
  adapter  a channel's wire format: PTB against the Bot API emulator, the Zalo client fed JSON
  e2e      journeys: the real bot (PTB Application or Zalo runner, or `vneid-bot` processes) over an emulator
  faults   the bot under injected failure or attack: kill -9, database drops and outages, Bot API error
           and 429 storms, fuzzed and hostile input (CI runs it in a step of its own)
Every test has exactly one. A module's tier is in TIERS below: the heaviest machinery its tests need (a
lighter test in it keeps the module's tier). A test needing more, or a fault test, carries its own
marker (`@pytest.mark.e2e`, `@pytest.mark.faults`), which replaces the module's.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from bot.demo_data import GROUP_ID
from bot.emulator import Emulator, Limits
from bot.emulator.zalo import ZaloEmulator
from storage.db import Database
from tests.helpers import pg
from tests.helpers.telegram import Harness, start_app, stop_app
from tests.helpers.world import (
    GROUP_WINDOW,
    PG_URL,
    PRIVATE_RATE,
    TOKEN,
    demo_world,
    make_settings,
    migrated_sqlite,
    pg_available,
)
from tests.helpers.zalo import ZaloHarness, start_zalo, stop_zalo

TIER_NAMES = ("unit", "service", "adapter", "e2e", "faults")
TIERS = {
    "test_adapters": "adapter",
    "test_baseline_day": "service",
    "test_bound_village_e2e": "e2e",
    "test_cache_invalidation": "service",
    "test_caller_batch": "service",
    "test_cache_notify": "service",
    "test_catalog_literals": "unit",
    "test_chart_render": "service",
    "test_charts": "unit",
    "test_collation_days": "unit",
    "test_confirm_digests": "service",
    "test_conversation": "service",
    "test_demo": "e2e",
    "test_demo_pty": "e2e",
    "test_deploy": "unit",
    "test_e2e_basic": "e2e",
    "test_e2e_report_semantics": "e2e",
    "test_e2e_reporting": "e2e",
    "test_emulator": "adapter",
    "test_emulator_reactions": "adapter",
    "test_export": "service",
    "test_faults": "faults",
    "test_figures_e2e": "e2e",
    "test_firsthour_e2e": "e2e",
    "test_firsthour_setup": "e2e",
    "test_foundation": "service",
    "test_hostile": "faults",
    "test_import": "service",
    "test_import_graph": "unit",
    "test_org": "service",
    "test_org_e2e": "e2e",
    "test_parsing": "unit",
    "test_parsing_corpus": "unit",
    "test_parsing_e2e": "e2e",
    "test_parsing_props": "unit",
    "test_permissions_leader_views": "e2e",
    "test_reactions_e2e": "e2e",
    "test_reliability": "e2e",
    "test_reminders": "service",
    "test_reports_service": "service",
    "test_rollup": "service",
    "test_scheduling": "service",
    "test_scheduling_e2e": "e2e",
    "test_scheduling_lich": "service",
    "test_scheduling_pg": "service",
    "test_db_pool": "service",
    "test_telegram_request": "adapter",
    "test_update_order": "adapter",
    "test_security": "service",
    "test_summaries": "service",
    "test_views": "service",
    "test_views_e2e": "e2e",
    "test_write_behind": "service",
    "test_zalo_cli": "e2e",
    "test_zalo_client": "adapter",
    "test_zalo_e2e": "e2e",
    "test_zalo_oa": "e2e",
    "test_zalo_platform": "e2e",
    "test_webhook_queue": "service",
    "test_webhook_workers": "faults",
    "test_scale": "faults",
}


@pytest.hookimpl(tryfirst=True)  # before `-m` selects
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Give every test its module's tier unless it carries one; a test with none or two is an error."""
    errors = []
    for item in items:
        own = [name for name in TIER_NAMES if item.get_closest_marker(name)]
        mod = item.getparent(pytest.Module)
        module = mod.obj.__name__.rsplit(".", 1)[-1] if mod is not None else ""
        if not own and module in TIERS:
            item.add_marker(TIERS[module])
        elif len(own) != 1:
            errors.append(f"{item.nodeid}: tiers {own or 'none'} (add the module to TIERS in tests/conftest.py, "
                          "or give the test exactly one of " + ", ".join(TIER_NAMES) + ")")
    if errors:
        raise pytest.UsageError("tests without exactly one tier:\n  " + "\n  ".join(errors))


# ---- databases ---------------------------------------------------------------------------------------


@pytest.fixture
def sqlite_db(tmp_path: Path) -> Iterator[Database]:
    db = migrated_sqlite(tmp_path)
    yield db
    db.dispose()


@pytest.fixture
def pg_db() -> Iterator[Database]:
    """A migrated PostgreSQL database in a schema of its own (tests/helpers/pg.py: one schema per process,
    migrated once, put back as migrated after each test)."""
    reason = pg_available()
    if reason:
        pytest.skip(reason)
    db = Database(PG_URL, connect_args=pg.connect_args(pg.borrow()))
    try:
        yield db
    finally:
        db.dispose()
        pg.give_back()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def any_db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    """The same test on SQLite and on PostgreSQL."""
    if request.param == "sqlite":
        yield request.getfixturevalue("sqlite_db")
    else:
        yield request.getfixturevalue("pg_db")


# ---- the Telegram and Zalo harnesses -----------------------------------------------------------------


@pytest.fixture
async def emulator() -> AsyncIterator[Emulator]:
    emu = Emulator(TOKEN, limits=Limits(group_window=GROUP_WINDOW, private_per_second=PRIVATE_RATE))
    await emu.start()
    try:
        yield emu
    finally:
        await emu.stop()


@pytest.fixture
async def emu() -> AsyncIterator[Emulator]:
    """The emulator without flood limits (fault and scale tests: traffic far above Telegram's rates)."""
    emulator = Emulator(TOKEN, limits=Limits.off())
    await emulator.start()
    try:
        yield emulator
    finally:
        await emulator.stop()


@pytest.fixture
async def harness(emulator: Emulator, tmp_path: Path) -> AsyncIterator[Harness]:
    w = demo_world(tmp_path)
    settings = make_settings(w.url, emulator)
    emulator.group_chat(GROUP_ID, "Tổ CNS Xã Tân Hòa")
    app = await start_app(settings, w.db, w.clock)
    h = Harness(emulator, app, w.db, w.clock, w.demo)
    try:
        yield h
    finally:
        await stop_app(app)
        w.db.dispose()


@pytest.fixture
async def zalo(tmp_path: Path) -> AsyncIterator[ZaloHarness]:
    """The Zalo runner over the Zalo emulator on the demo world."""
    h = await start_zalo(tmp_path, ZaloEmulator())
    try:
        yield h
    finally:
        await stop_zalo(h)
