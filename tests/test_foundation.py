"""Settings, migrations on both databases, logging without the token, catalogs complete."""

from __future__ import annotations

import logging
import re
import string
import subprocess
import sys
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from bot.config import SettingsError, load_settings
from bot.logs import RedactFilter, setup_logging
from bot.texts import CATALOG
from storage.db import Database
from storage.models import Base

TOKEN = "7654321098:AAH-secret-token-value-for-tests_xyz"


def _schema(db: Database) -> dict[str, object]:
    insp = inspect(db.engine)
    out: dict[str, object] = {}
    for table in sorted(insp.get_table_names()):
        cols = sorted((c["name"], bool(c["nullable"])) for c in insp.get_columns(table))
        ucs = insp.get_unique_constraints(table)
        uniques = sorted(tuple(u["column_names"]) for u in ucs)
        uc_names = {u["name"] for u in ucs}  # PostgreSQL also lists them as unique indexes
        indexes = sorted((i["name"], tuple(i["column_names"]), bool(i["unique"]))
                         for i in insp.get_indexes(table) if i["name"] not in uc_names)
        fks = sorted((tuple(f["constrained_columns"]), f["referred_table"]) for f in insp.get_foreign_keys(table))
        out[table] = (cols, uniques, indexes, fks)
    return out


@pytest.mark.postgres
def test_migrations_create_the_same_schema_on_sqlite_and_postgres(sqlite_db: Database, pg_db: Database) -> None:
    a, b = _schema(sqlite_db), _schema(pg_db)
    assert a.keys() == b.keys()
    for table in a:
        assert a[table] == b[table], table


def test_migrations_match_the_models(any_db: Database) -> None:
    with any_db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == []


def test_sqlite_runs_wal_with_foreign_keys(sqlite_db: Database) -> None:
    with sqlite_db.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


def test_upgrade_is_idempotent_and_seeds_metrics(sqlite_db: Database) -> None:
    sqlite_db.upgrade()
    with sqlite_db.engine.connect() as conn:
        assert [r[0] for r in conn.exec_driver_sql("SELECT code FROM metrics ORDER BY sort")] == ["l1", "l2"]
        assert int(conn.exec_driver_sql("SELECT count(*) FROM holidays").scalar() or 0) > 10


def test_settings_defaults(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    s = load_settings()
    assert s.timezone == "Asia/Ho_Chi_Minh" and s.language == "vi" and s.default_metric == "l2"
    assert s.lock_days == 3 and s.max_daily_value == 500 and s.database_url == "sqlite:///vneid-bot.db"
    assert s.file_base_url == "https://api.telegram.org/file/bot"


@pytest.mark.parametrize(
    ("env", "name"),
    [
        ({"TIMEZONE": "Mars/Base"}, "TIMEZONE"),
        ({"ADMIN_IDS": "12,abc"}, "ADMIN_IDS"),
        ({"LOCK_DAYS": "-1"}, "LOCK_DAYS"),
        ({"LANGUAGE": "fr"}, "LANGUAGE"),
        ({"WEBHOOK_PORT": "99999"}, "WEBHOOK_PORT"),
    ],
)
def test_bad_setting_names_the_setting(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, env: dict[str, str],
                                       name: str) -> None:
    monkeypatch.chdir(tmp_path)
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    with pytest.raises(SettingsError) as err:
        load_settings()
    assert str(err.value).startswith(name) and "\n" not in str(err.value)


def test_admin_ids_parse(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("ADMIN_IDS", "12, 34;56")
    assert load_settings().admin_ids == [12, 34, 56]


def _cli(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    base = {"PATH": "/usr/bin:/bin", "HOME": str(cwd)}
    return subprocess.run([sys.executable, "-m", "bot", *args], capture_output=True, text=True, env={**base, **env},
                          cwd=cwd, timeout=60)


@pytest.mark.parametrize(
    ("env", "expect"),
    [
        ({}, "TELEGRAM_BOT_TOKEN"),
        ({"TELEGRAM_BOT_TOKEN": TOKEN, "TIMEZONE": "Nowhere/City"}, "TIMEZONE"),
        ({"TELEGRAM_BOT_TOKEN": TOKEN, "DATABASE_URL": "postgresql://u:pw@127.0.0.1:1/x"}, "DATABASE_URL"),
        ({"TELEGRAM_BOT_TOKEN": TOKEN, "DATABASE_URL": "nonsense://"}, "DATABASE_URL"),
    ],
)
def test_bad_settings_exit_with_one_clear_line(tmp_path: Path, env: dict[str, str], expect: str) -> None:
    proc = _cli(["run"], env, tmp_path)
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and expect in lines[0], proc.stderr
    assert "Traceback" not in proc.stderr and TOKEN not in proc.stderr + proc.stdout
    assert "pw" not in proc.stderr


def test_db_upgrade_command(tmp_path: Path) -> None:
    proc = _cli(["db", "upgrade"], {"DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}"}, tmp_path)
    assert proc.returncode == 0, proc.stderr
    from alembic.script import ScriptDirectory
    from sqlalchemy import create_engine

    from storage.db import alembic_config

    head = ScriptDirectory.from_config(alembic_config(create_engine("sqlite://"))).get_current_head()
    assert head and head in proc.stdout, (head, proc.stdout)


def test_token_never_logged(caplog: pytest.LogCaptureFixture) -> None:
    flt = setup_logging("INFO", [TOKEN])
    logger = logging.getLogger("test.token")
    handler = logging.StreamHandler()
    records: list[str] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(self.format(record))

    keep = Keep()
    keep.addFilter(flt)
    logger.addHandler(keep)
    try:
        logger.info("POST https://api.telegram.org/bot%s/getUpdates", TOKEN)
        try:
            raise RuntimeError(f"failed url .../bot{TOKEN}/sendMessage")
        except RuntimeError:
            logger.exception("boom")
    finally:
        logger.removeHandler(keep)
        handler.close()
    joined = "\n".join(records)
    assert TOKEN not in joined and "<token>" in joined


def test_redaction_of_token_shaped_strings() -> None:
    assert "123456789:" not in RedactFilter().redact("x 123456789:ABCdefGHIjklMNOpqrSTUvwxYZ012 y")


_FIELDS = re.compile(r"\{(\w*)")


def test_catalogs_are_complete_and_consistent() -> None:
    vi, en = CATALOG["vi"], CATALOG["en"]
    assert vi.keys() == en.keys()
    for key in vi:
        names_vi = {f[1] for f in string.Formatter().parse(vi[key]) if f[1]}
        names_en = {f[1] for f in string.Formatter().parse(en[key]) if f[1]}
        assert names_vi == names_en, key


def test_every_registered_command_has_texts() -> None:
    from bot.core.commands import COMMANDS

    for spec in COMMANDS:
        assert f"cmd.{spec.name}" in CATALOG["vi"]
        assert f"usage.{spec.name}" in CATALOG["vi"], spec.name
