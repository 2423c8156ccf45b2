"""The Zalo Bot Platform runner (poll loop, dispatcher, scheduler, web server) over the Zalo emulator, on a
database seeded with the demo commune: one start/stop for every Zalo test, and the steps they share."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from bot.bootstrap import Container, build
from bot.config import Settings
from bot.demo_data import Demo
from bot.emulator.zalo import ZaloEmulator, ZaloSent, ZaloUser
from bot.services import Services
from bot.zalo.client import ZaloClient
from bot.zalo.linking import LinkService
from bot.zalo.runner import ZaloRunner
from storage import repo
from storage.db import Database
from tests.helpers.telegram import DAY
from tests.helpers.world import FakeClock, demo_world, free_port

THON_3 = "Thôn 3"


@dataclass
class ZaloHarness:
    emu: ZaloEmulator
    runner: ZaloRunner
    svc: Services
    db: Database
    clock: FakeClock
    demo: Demo
    web_url: str

    async def say(self, user: ZaloUser, text: str, count: int = 1, timeout: float = 10.0) -> list[ZaloSent]:
        mark = self.emu.mark()
        self.emu.say(user, text)
        return await self.emu.wait_for_messages(user.id, count, timeout=timeout, since=mark)

    async def say_quiet(self, user: ZaloUser, text: str, wait: float = 0.3) -> list[ZaloSent]:
        mark = self.emu.mark()
        self.emu.say(user, text)
        await self.emu.wait_idle(10)
        await asyncio.sleep(wait)
        return self.emu.sent(user.id, mark)

    async def in_group(self, chat_id: str, user: ZaloUser, text: str, *, mention: bool = True,
                       count: int = 1) -> list[ZaloSent]:
        mark = self.emu.mark()
        self.emu.send_message(chat_id, user, text, mention=mention)
        return await self.emu.wait_for_messages(chat_id, count, since=mark)

    async def join(self, name: str, village: str) -> ZaloUser:
        user = self.emu.user(name)
        replies = await self.say(user, f"dangky {self.demo.join_codes[village]}")
        assert village in replies[0].text, replies[0].text
        return user

    def daily(self, unit_name: str, metric: str = "l2", day: date = DAY) -> int:
        with self.db.session() as s:
            unit = s.get(repo.Unit, self.demo.village_ids[unit_name])
            assert unit is not None
            return repo.reported_total(s, unit, metric, since=day, until=day)


def zalo_settings(db_url: str, emu: ZaloEmulator, web_url: str | None, **extra: Any) -> Settings:
    values: dict[str, Any] = {"database_url": db_url, "channels": "zalo", "zalo_bot_token": emu.token,
                              "zalo_api_base_url": emu.base_url, "zalo_public_base_url": web_url,
                              "admin_ids": [], "_env_file": None}
    values.update(extra)
    return Settings(**values)


async def make_runner(svc: Services | Container, emu: ZaloEmulator, web_port: int, web_url: str | None,
                      secret: str | None = None) -> ZaloRunner:
    """A Zalo runner over `svc` (a container of its own), or over the container of a Telegram application."""
    client = ZaloClient(emu.token, emu.base_url, retries=2, backoff=0.01)
    container = svc if isinstance(svc, Container) else build(svc)
    runner = ZaloRunner(container, client, public_base_url=web_url, webhook_secret=secret, web_host="127.0.0.1",
                        web_port=web_port, poll_timeout=1, schedule=False)
    await runner.start()
    await emu.wait_receiving()  # Zalo drops what arrives before the bot polls (no replay)
    return runner


async def start_zalo(tmp_path: Path, emu: ZaloEmulator, *, secret: str | None = None, **settings: Any) -> ZaloHarness:
    """Start `emu` and the runner (its web server on a free port) on a demo world of its own."""
    await emu.start()
    w = demo_world(tmp_path)
    port = free_port()
    web_url = f"http://127.0.0.1:{port}"
    svc = Services(zalo_settings(w.url, emu, web_url, **settings), w.db, w.clock)
    runner = await make_runner(svc, emu, port, web_url, secret=secret)
    return ZaloHarness(emu, runner, svc, w.db, w.clock, w.demo, web_url)


async def stop_zalo(h: ZaloHarness) -> None:
    await h.runner.stop()
    await h.emu.stop()
    h.db.dispose()


async def link(zalo: ZaloHarness, user: ZaloUser, telegram_id: int) -> None:
    """Link a Zalo user to a Telegram member the way /lienketzalo does (the code from the service)."""
    caller = zalo.svc.caller("telegram", telegram_id, "")
    code = LinkService(zalo.svc).new_code(caller).code
    assert code is not None
    replies = await zalo.say(user, f"lienket {code}")
    assert "Đã liên kết" in replies[0].text, replies[0].text
