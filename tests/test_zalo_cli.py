"""`vneid-bot run` with CHANNELS=zalo and CHANNELS=both, as a real process against the emulators."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

from bot.demo_data import member_id, seed_demo
from bot.emulator import Emulator, User
from bot.emulator.zalo import ZaloEmulator
from storage.db import Database

ZALO_TOKEN = "3405012345678901234:zaloCLItokenABCDEFGHIJKLMNOPQRSTU"
TG_TOKEN = "123456:TEST-token-for-the-cli-test-000000"


def seeded(tmp_path: Path) -> tuple[str, dict[str, str]]:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    db = Database(url)
    db.upgrade()
    demo = seed_demo(db)
    db.dispose()
    return url, demo.join_codes


async def run_bot(env: dict[str, str], tmp_path: Path) -> asyncio.subprocess.Process:
    full = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "ZALO_", "CHANNELS"))}
    full.update(env)
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", cwd=str(tmp_path), env=full,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)


async def stop(proc: asyncio.subprocess.Process) -> str:
    if proc.returncode is None:
        proc.send_signal(signal.SIGINT)
        try:
            await asyncio.wait_for(proc.wait(), 20)
        except TimeoutError:
            proc.kill()
            await proc.wait()
    out = await proc.stdout.read() if proc.stdout else b""
    return out.decode("utf-8", "replace")


async def test_run_zalo_only(tmp_path: Path) -> None:
    emu = ZaloEmulator(token=ZALO_TOKEN, max_poll=2)
    await emu.start()
    url, codes = seeded(tmp_path)
    proc = await run_bot({"CHANNELS": "zalo", "ZALO_BOT_TOKEN": ZALO_TOKEN, "ZALO_API_BASE_URL": emu.base_url,
                          "DATABASE_URL": url, "LOG_LEVEL": "DEBUG", "PYTHONPATH": str(Path.cwd())}, tmp_path)
    try:
        an = emu.user("An")
        await emu.wait_receiving(30)  # Zalo keeps nothing sent before the bot polls
        emu.say(an, f"dangky {codes['Thôn 3']}")
        replies = await emu.wait_for_messages(an.id, timeout=30)
        assert "Thôn 3" in replies[0].text
    finally:
        out = await stop(proc)
        await emu.stop()
    assert ZALO_TOKEN not in out and ZALO_TOKEN.split(":")[1] not in out, out[-2000:]
    assert proc.returncode in (0, -signal.SIGINT), out[-2000:]


async def test_run_both_channels_in_one_process(tmp_path: Path) -> None:
    tg = Emulator(TG_TOKEN)
    await tg.start()
    emu = ZaloEmulator(token=ZALO_TOKEN, max_poll=2)
    await emu.start()
    url, codes = seeded(tmp_path)
    proc = await run_bot({"CHANNELS": "both", "ZALO_BOT_TOKEN": ZALO_TOKEN, "ZALO_API_BASE_URL": emu.base_url,
                          "TELEGRAM_BOT_TOKEN": TG_TOKEN, "TELEGRAM_API_BASE_URL": tg.base_url,
                          "DATABASE_URL": url, "PYTHONPATH": str(Path.cwd())}, tmp_path)
    try:
        uid = member_id(3)
        user = User(uid, "Tổ viên Thôn 3")
        tg.private_chat(user)
        mark = tg.mark()
        tg.send_message(uid, user, "/lienketzalo")
        replies = await tg.wait_for_messages(uid, since=mark, timeout=30)
        text = replies[0].text or ""
        code = next(w for w in text.replace("<b>", " ").replace("</b>", " ").split() if w.isdigit() and len(w) == 6)
        an = emu.user("An")
        await emu.wait_receiving(30)
        emu.say(an, f"lienket {code}")
        zreplies = await emu.wait_for_messages(an.id, timeout=30)
        assert "Tổ viên Thôn 3" in zreplies[0].text
    finally:
        out = await stop(proc)
        await emu.stop()
        await tg.stop()
    assert ZALO_TOKEN.split(":")[1] not in out and TG_TOKEN.split(":")[1] not in out, out[-2000:]


async def test_run_zalo_without_token_says_which_setting(tmp_path: Path) -> None:
    url, _ = seeded(tmp_path)
    proc = await run_bot({"CHANNELS": "zalo", "DATABASE_URL": url, "PYTHONPATH": str(Path.cwd())}, tmp_path)
    await asyncio.wait_for(proc.wait(), 30)
    out = await stop(proc)
    assert proc.returncode == 2 and "ZALO_BOT_TOKEN" in out and "Traceback" not in out


async def test_run_zalo_oa_as_a_process(tmp_path: Path) -> None:
    """`vneid-bot zalo-oa auth`, then `vneid-bot run` with CHANNELS=zalo_oa: a signed event in, a reply out."""
    from bot.emulator.zalo_oa import ZaloOAEmulator
    from tests.helpers.world import free_port

    emu = ZaloOAEmulator()
    await emu.start()
    url, codes = seeded(tmp_path)
    port = free_port()
    env = {"CHANNELS": "zalo_oa", "DATABASE_URL": url, "PYTHONPATH": str(Path.cwd()),
           "ZALO_OA_APP_ID": emu.app_id, "ZALO_OA_APP_SECRET": emu.app_secret,
           "ZALO_OA_SECRET_KEY": emu.oa_secret_key, "ZALO_OA_API_BASE_URL": emu.url,
           "ZALO_OA_OAUTH_BASE_URL": emu.url, "ZALO_OA_PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
           "ZALO_OA_WEB_PORT": str(port), "WEBHOOK_LISTEN": "127.0.0.1", "LOG_LEVEL": "DEBUG"}
    full = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "ZALO_", "CHANNELS"))}
    full.update(env)
    auth = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "zalo-oa", "auth", "--code", emu.auth_code(), cwd=str(tmp_path), env=full,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
    auth_out = (await asyncio.wait_for(auth.communicate(), 60))[0].decode()
    assert auth.returncode == 0, auth_out
    proc = await run_bot(env, tmp_path)
    try:
        emu.webhook_url = f"http://127.0.0.1:{port}/zalo/oa/webhook"
        an = emu.user("An")
        for _ in range(150):  # until the process listens
            if await emu.say(an, f"dangky {codes['Thôn 3']}") == 200:
                break
            await asyncio.sleep(0.2)
        replies = await emu.wait_for_messages(an.id, timeout=30)
        assert "Thôn 3" in replies[0].text
    finally:
        out = await stop(proc)
        await emu.stop()
    for secret in (emu.app_secret, emu.oa_secret_key):
        assert secret not in out and secret not in auth_out, out[-2000:]
    assert proc.returncode in (0, -signal.SIGINT), out[-2000:]
