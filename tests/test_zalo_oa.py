"""The Zalo Official Account channel (issue 14 B) end to end: the real OA runner (signed webhook, worker,
dispatcher, scheduler, web server) and the token store over the OA emulator (bot/emulator/zalo_oa.py).

report -> confirm -> reminder -> summary in a GMF group; signatures and replays; OAuth v4 tokens (one
refresh per expiry, single-use refresh tokens stored with the retirement of the old ones, one refresher
across processes); linking an OA user to a Telegram member; CHANNELS=zalo_oa; the `zalo-oa auth` CLI.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from bot.bootstrap import build
from bot.config import Settings
from bot.demo_data import LEADER_ID, Demo, member_id
from bot.emulator.zalo_oa import OASent, OAUser, ZaloOAEmulator
from bot.services import Services
from bot.zalo.client import ZaloError
from bot.zalo.linking import LinkService
from bot.zalo.oa import OAClient, ReplayGuard, parse_event, signature, verify
from bot.zalo.oa_runner import OARunner
from bot.zalo.oa_tokens import TokenError, TokenStore
from storage import repo
from storage.db import Database
from storage.models import OAToken
from tests.helpers.world import TZ, FakeClock, demo_world, free_port, sqlite_url

DAY = date(2025, 8, 14)
THON_3 = "Thôn 3"


def oa_settings(db_url: str, emu: ZaloOAEmulator, web_url: str, **extra: Any) -> Settings:
    values: dict[str, Any] = {
        "database_url": db_url, "channels": "zalo_oa", "zalo_oa_app_id": emu.app_id,
        "zalo_oa_app_secret": emu.app_secret, "zalo_oa_secret_key": emu.oa_secret_key,
        "zalo_oa_api_base_url": emu.url, "zalo_oa_oauth_base_url": emu.url, "zalo_oa_public_base_url": web_url,
        "admin_ids": [], "_env_file": None}
    values.update(extra)
    return Settings(**values)


@dataclass
class OAHarness:
    emu: ZaloOAEmulator
    runner: OARunner
    svc: Services
    db: Database
    clock: FakeClock
    demo: Demo

    @property
    def tokens(self) -> TokenStore:
        return self.runner.oa.tokens

    async def say(self, user: OAUser, text: str, count: int = 1) -> list[OASent]:
        mark = self.emu.mark()
        assert await self.emu.say(user, text) == 200
        return await self.emu.wait_for_messages(user.id, count, since=mark)

    async def in_group(self, group: str, user: OAUser, text: str, count: int = 1) -> list[OASent]:
        mark = self.emu.mark()
        assert await self.emu.in_group(group, user, text) == 200
        return await self.emu.wait_for_messages(group, count, since=mark)

    async def settle(self) -> None:
        await self.runner._queue.join()
        await asyncio.sleep(0.1)

    async def join(self, name: str, village: str) -> OAUser:
        user = self.emu.user(name)
        replies = await self.say(user, f"dangky {self.demo.join_codes[village]}")
        assert village in replies[0].text, replies[0].text
        return user

    async def link(self, user: OAUser, telegram_id: int) -> None:
        code = LinkService(self.svc).new_code(self.svc.caller("telegram", telegram_id, "")).code
        replies = await self.say(user, f"lienket {code}")
        assert "Đã liên kết" in replies[0].text, replies[0].text

    def daily(self, unit_name: str, day: date = DAY) -> int:
        with self.db.session() as s:
            unit = s.get(repo.Unit, self.demo.village_ids[unit_name])
            assert unit is not None
            return repo.reported_total(s, unit, "l2", since=day, until=day)


@pytest.fixture
async def oa(tmp_path: Path) -> AsyncIterator[OAHarness]:
    emu = ZaloOAEmulator()
    await emu.start()
    w = demo_world(tmp_path)
    db, demo, clock = w.db, w.demo, w.clock
    port = free_port()
    web_url = f"http://127.0.0.1:{port}"
    svc = Services(oa_settings(w.url, emu, web_url), db, clock)
    tokens = TokenStore(svc, emu.app_id, emu.app_secret, emu.url)
    await asyncio.to_thread(tokens.authorize, emu.auth_code())  # what `vneid-bot zalo-oa auth --code` does
    client = OAClient(tokens, emu.url, retries=1, backoff=0.01)
    runner = OARunner(build(svc), client, oa_secret_key=emu.oa_secret_key, public_base_url=web_url, web_host="127.0.0.1",
                      web_port=port, schedule=False)
    await runner.start()
    emu.webhook_url = f"{web_url}/zalo/oa/webhook"
    h = OAHarness(emu, runner, svc, db, clock, demo)
    try:
        yield h
    finally:
        await runner.stop()
        await emu.stop()
        db.dispose()


# ---- 7. webhook intake: signature, events, replay protection ----------------------------------------------


def test_signature_recipe_and_event_shapes() -> None:
    body = json.dumps({"app_id": "123", "event_name": "user_send_group_text", "timestamp": "1700000000000",
                       "sender": {"id": "u1"}, "recipient": {"id": "grp9"},
                       "message": {"msg_id": "m1", "text": "Thôn 3 hôm nay 5"}}).encode()
    good = signature("123", body, "1700000000000", "oa-key")
    import hashlib
    assert good == hashlib.sha256(b"123" + body + b"1700000000000" + b"oa-key").hexdigest()
    event = verify(body, good, "oa-key")
    assert event is not None and verify(body, "mac=" + good, "oa-key") is not None
    assert verify(body, good, "other-key") is None and verify(body + b" ", good, "oa-key") is None
    assert verify(body, None, "oa-key") is None
    msg = parse_event(event)
    assert msg is not None and msg.chat_id == "g:grp9" and msg.is_group and msg.user_id == "u1"
    assert parse_event({**event, "event_name": "oa_send_group_text"}) is None  # the OA's own message
    alt = {**event, "recipient": {"group_id": "grp7", "id": "oa"}}
    assert parse_event(alt) is not None and parse_event(alt).chat_id == "g:grp7"  # type: ignore[union-attr]


def test_replay_guard_by_message_id_and_timestamp() -> None:
    now = 1_800_000_000_000
    guard = ReplayGuard(lambda: now)
    ev = {"event_name": "user_send_text", "timestamp": str(now - 1000), "message": {"msg_id": "a"}}
    assert guard.accept(ev) and not guard.accept(dict(ev))
    assert not guard.accept({**ev, "message": {"msg_id": "b"}, "timestamp": str(now - 3 * 3600 * 1000)})
    assert not guard.accept({**ev, "message": {"msg_id": "c"}, "timestamp": str(now + 3600 * 1000)})
    assert not guard.accept({**ev, "message": {"msg_id": "d"}, "timestamp": "yesterday"})


async def test_webhook_refuses_forged_and_replayed_events(oa: OAHarness) -> None:
    an = await oa.join("An", THON_3)
    url = oa.emu.webhook_url
    assert url is not None
    event = oa.emu.event("user_send_text", an, "Thôn 3 hôm nay 6")
    body, headers = oa.emu.signed(event)
    async with httpx.AsyncClient() as http:
        forged = await http.post(url, content=body, headers={"X-ZEvent-Signature": "0" * 64})
        unsigned = await http.post(url, content=body)
        tampered = await http.post(url, content=body.replace(b"6", b"9"), headers=headers)
        assert (forged.status_code, unsigned.status_code, tampered.status_code) == (401, 401, 401)
        await oa.settle()
        assert oa.daily(THON_3) == 0
        first = await http.post(url, content=body, headers=headers)
        again = await http.post(url, content=body, headers=headers)  # a replay of the same signed event
        assert (first.status_code, again.status_code) == (200, 409)
    await oa.settle()
    assert oa.daily(THON_3) == 6


# ---- 8 + 11 + 12: a GMF group end to end ---------------------------------------------------------------


async def test_report_confirm_reminder_summary_in_a_gmf_group(oa: OAHarness) -> None:
    an = await oa.join("An", THON_3)
    binh = await oa.join("Bình", THON_3)
    leader = oa.emu.user("Chủ tịch xã Hùng")
    await oa.link(leader, LEADER_ID)  # an OA user linked to the Telegram commune leader (item 12)
    group = oa.emu.group("Tổ CNS Xã Tân Hòa", [an, binh, leader])

    replies = await oa.in_group(group, leader, "lienket x-tanhoa")  # no @mention: the OA reads every message
    assert "Xã Tân Hòa" in replies[0].text, replies[0].text
    with oa.db.session() as s:
        chat = repo.chat_by_external(s, "zalo_oa", group)
        assert chat is not None and chat.unit_id == oa.demo.commune_id

    replies = await oa.in_group(group, an, "Thôn 3 hôm nay 12")  # report -> confirmation in the group
    assert "12" in replies[0].text and "Thôn 3" in replies[0].text and "<" not in replies[0].text
    assert oa.daily(THON_3) == 12
    mark = oa.emu.mark()
    assert await oa.emu.in_group(group, binh, "chào cả nhà, chiều nay họp nhé") == 200  # chatter: silence
    await oa.settle()
    assert oa.emu.sent(group, mark) == []

    replies = await oa.in_group(group, an, "Thôn 3 hôm nay 450")  # implausible: asks to confirm
    assert "XACNHAN" in replies[0].text, replies[0].text
    assert oa.daily(THON_3) == 12
    replies = await oa.in_group(group, an, "XACNHAN")
    assert oa.daily(THON_3) == 450, replies[0].text

    sched = oa.runner.scheduler
    oa.clock.set(datetime(2025, 8, 14, 16, 31, tzinfo=TZ))  # reminder: the villages that are silent
    mark = oa.emu.mark()
    report = await sched.tick()
    assert report.sent >= 1, report
    reminder = oa.emu.sent(group, mark)
    assert reminder and "Thôn Đồng Tâm" in reminder[0].text, [m.text for m in reminder]
    assert "Thôn 3" not in reminder[0].text.split("\n")[0] and "<a" not in reminder[0].text

    oa.clock.set(datetime(2025, 8, 14, 20, 1, tzinfo=TZ))  # evening summary, with its chart uploaded
    mark = oa.emu.mark()
    report = await sched.tick()
    assert report.sent >= 1, report
    sent = oa.emu.sent(group, mark)
    assert sent and "Xã Tân Hòa" in sent[0].text and "Thôn 3" in sent[0].text, sent[0].text
    images = [m for m in sent if m.image]
    assert images and images[0].image is not None and images[0].image.startswith(b"\x89PNG")
    mark = oa.emu.mark()
    await sched.tick()
    assert oa.emu.sent(group, mark) == []  # exactly once


async def test_private_consultation_replies_and_export_link(oa: OAHarness) -> None:
    an = await oa.join("An", THON_3)
    with oa.db.session() as s:  # events carry no name: the profile API gave the roster a real one
        member = repo.member_by_external(s, "zalo_oa", an.id)
        assert member is not None and member.display_name == "An"
    replies = await oa.say(an, "Thôn 3 hôm nay 4")
    assert "Thôn 3" in replies[0].text and oa.daily(THON_3) == 4
    leader = oa.emu.user("Trưởng Thôn 3")
    await oa.link(leader, member_id(3, second=True))
    replies = await oa.say(leader, "xuat th-3")
    assert "/zalo/f/" in replies[0].text  # exports are download links
    with oa.db.session() as s:  # no private chat is bound for scheduled (paid / out-of-window) messages
        assert repo.chat_by_external(s, "zalo_oa", leader.id) is None


async def test_consultation_messages_respect_the_free_reply_window(oa: OAHarness) -> None:
    an = oa.emu.user("An")
    await oa.say(an, "trogiup")  # one reply used
    client = oa.runner.oa
    for i in range(7):
        await client.send_text(an.id, f"tin {i}")
    requests = len(oa.emu.requests)
    with pytest.raises(ZaloError) as info:  # the 9th reply since the user's last message
        await client.send_text(an.id, "một tin nữa")
    assert info.value.code == -213 and len(oa.emu.requests) == requests  # refused here, no request
    await oa.say(an, "tiendo")  # the user writes again: the window reopens
    base = client.clock_ms()
    client.clock_ms = lambda: base + 49 * 3600 * 1000  # 49 hours later
    with pytest.raises(ZaloError):
        await client.send_text(an.id, "quá 48 giờ")


# ---- 9 + 10: OAuth v4 tokens ------------------------------------------------------------------------------


def token_rows(h: OAHarness) -> list[OAToken]:
    with h.db.session() as s:
        return list(s.scalars(select(OAToken).order_by(OAToken.id)))


async def test_expired_token_gets_one_refresh_not_a_storm(oa: OAHarness) -> None:
    an = await oa.join("An", THON_3)
    b = oa.emu.user("B")
    await oa.emu.say(b, "xin chào")  # opens B's consultation window
    await oa.settle()
    before = len(oa.emu.token_requests)
    old = token_rows(oa)[-1]
    oa.emu.expire_access_tokens()  # Zalo says -124 now, though our clock thinks the token is fine
    results = await asyncio.gather(*(oa.runner.oa.send_text(u.id, f"tin {i}") for i, u in enumerate([an, b] * 3)))
    assert len(results) == 6
    assert len(oa.emu.token_requests) == before + 1 and oa.emu.token_requests[-1] == {"grant": "refresh_token",
                                                                                       "ok": True}
    rows = token_rows(oa)
    live = [r for r in rows if r.retired_at is None]
    assert len(live) == 1 and live[0].refresh_token == oa.emu.live_refresh_token
    assert live[0].refresh_token != old.refresh_token
    retired = [r for r in rows if r.id == old.id][0]
    assert retired.retired_at is not None  # retired in the same transaction that stored the new pair


async def test_refresh_tokens_are_single_use_and_one_refresher_across_processes(oa: OAHarness) -> None:
    old = token_rows(oa)[-1]
    other = TokenStore(oa.svc, oa.emu.app_id, oa.emu.app_secret, oa.emu.url)  # a second process
    a, b = await asyncio.gather(oa.tokens.refresh(stale=old.access_token), other.refresh(stale=old.access_token))
    assert a == b and oa.tokens.refreshes + other.refreshes == 1  # the one that waited used the new token
    with pytest.raises(TokenError) as info:  # the spent refresh token can never be used again
        await asyncio.to_thread(oa.tokens._post, {"app_id": oa.emu.app_id, "grant_type": "refresh_token",
                                                  "refresh_token": old.refresh_token})
    assert info.value.dead and info.value.code == -14014
    assert old.refresh_token not in str(info.value)


async def test_proactive_refresh_before_expiry(oa: OAHarness) -> None:
    before = len(oa.emu.token_requests)
    oa.clock.set(datetime(2025, 8, 14, 10, 58, tzinfo=TZ))  # within 5 minutes of the hour's expiry
    await oa.tokens.access_token()
    await oa.tokens.access_token()
    assert len(oa.emu.token_requests) == before + 1


# ---- 10: quota -------------------------------------------------------------------------------------------


async def test_group_quota_exceeded_stops_sending(oa: OAHarness) -> None:
    an = await oa.join("An", THON_3)
    group = oa.emu.group("Tổ", [an])
    oa.emu.group_monthly_quota = 0
    mark = oa.emu.mark()
    assert await oa.emu.in_group(group, an, "Thôn 3 hôm nay 3") == 200
    await oa.settle()
    assert oa.daily(THON_3) == 3 and oa.emu.sent(group, mark) == []
    calls = len([r for r in oa.emu.requests if r[0] == "group"])
    with pytest.raises(ZaloError) as info:
        await oa.runner.oa.send_text(group, "x")
    assert info.value.quota and len([r for r in oa.emu.requests if r[0] == "group"]) == calls  # no request


# ---- CHANNELS and the CLI --------------------------------------------------------------------------------


def test_channels_setting_accepts_zalo_oa() -> None:
    assert Settings(channels="zalo_oa", _env_file=None).channel_names == {"zalo_oa"}  # type: ignore[call-arg]
    assert Settings(channels="telegram, zalo_oa", _env_file=None).channel_names == {"telegram", "zalo_oa"}  # type: ignore[call-arg]
    assert Settings(channels="both", _env_file=None).channel_names == {"telegram", "zalo"}  # type: ignore[call-arg]
    with pytest.raises(ValueError):
        Settings(channels="zalo_xx", _env_file=None)  # type: ignore[call-arg]


async def test_cli_auth_stores_the_first_token_and_prints_none(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    from bot.cli import main

    emu = ZaloOAEmulator()
    await emu.start()
    try:
        url = sqlite_url(tmp_path)
        for k, v in {"DATABASE_URL": url, "ZALO_OA_APP_ID": emu.app_id, "ZALO_OA_APP_SECRET": emu.app_secret,
                     "ZALO_OA_OAUTH_BASE_URL": emu.url, "CHANNELS": "zalo_oa"}.items():
            monkeypatch.setenv(k, v)
        monkeypatch.chdir(tmp_path)
        rc = await asyncio.to_thread(main, ["zalo-oa", "auth", "--code", emu.auth_code()])
        out = capsys.readouterr()
        assert rc == 0 and "Đã lưu token" in out.out
        rc = await asyncio.to_thread(main, ["zalo-oa", "auth", "--code", "wrong"])
        err = capsys.readouterr().err
        assert rc == 2 and "Không lấy được token" in err
        db = Database(url)
        with db.session() as s:
            rows = list(s.scalars(select(OAToken)))
        db.dispose()
        assert len(rows) == 1 and rows[0].source == "auth"
        assert rows[0].access_token not in out.out + err and emu.app_secret not in out.out + err
    finally:
        await emu.stop()


async def test_one_refresher_on_sqlite_and_postgresql(any_db: Database, tmp_path: Path) -> None:
    """Two processes' stores (no shared in-process lock) refresh at once: the database lock lets one
    spend the refresh token; the other waits and takes the new pair."""
    emu = ZaloOAEmulator()
    await emu.start()
    try:
        clock = FakeClock(datetime(2025, 8, 14, 10, 0, tzinfo=TZ))
        svc = Services(oa_settings(str(any_db.engine.url), emu, "http://127.0.0.1:1"), any_db, clock)
        first = TokenStore(svc, emu.app_id, emu.app_secret, emu.url)
        second = TokenStore(svc, emu.app_id, emu.app_secret, emu.url)
        await asyncio.to_thread(first.authorize, emu.auth_code())
        with any_db.session() as s:
            stale = s.scalars(select(OAToken.access_token)).one()
        a, b = await asyncio.gather(first.refresh(stale=stale), second.refresh(stale=stale))
        assert a == b != stale
        assert [r["grant"] for r in emu.token_requests] == ["authorization_code", "refresh_token"]
        with any_db.session() as s:
            rows = list(s.scalars(select(OAToken)))
        assert len(rows) == 2 and sum(r.retired_at is None for r in rows) == 1
    finally:
        await emu.stop()
