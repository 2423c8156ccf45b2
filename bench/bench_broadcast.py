"""Broadcast benchmark: one scheduler tick to N bound groups against the emulator's ENFORCED limits.

    python bench/bench_broadcast.py                      # 1,000 groups, the 16:30 reminder (1 message each)
    python bench/bench_broadcast.py --kind daily         # the 20:00 summary, text only
    python bench/bench_broadcast.py --kind daily --charts  # the summary with its chart (2 messages each)
    python bench/bench_broadcast.py --charts               # the same (--charts implies --kind daily)
    python bench/bench_broadcast.py --charts --groups-per-unit 4 --chart-workers 0  # 4 groups share a village
    python bench/bench_broadcast.py --rate 0                # PTB's AIORateLimiter alone, no pacing

The real application bot is used (PTB ExtBot + the app's AIORateLimiter, `build_application`), against
the local Bot API emulator with Telegram's limits (30 messages/s overall, 20/min per group). Each group
is bound to its own village (with two members, none has reported: every group is due a reminder).
Prints elapsed / (messages / 30 s) (goal <= 1.15; with charts <= 1.3), the 429 answers the emulator gave
(the limiter absorbs them), and the count of lost and duplicated deliveries (must be 0), checked against
both the emulator's record of what was delivered and the outbox. With charts: how many pictures were drawn
(in the pool or in threads; groups sharing a unit share one), when the last one was ready, and the CPU
time of the bot's own process (the emulator runs in it too).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
import tempfile
import time
from collections import Counter
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pydantic import SecretStr  # noqa: E402
from telegram.ext import AIORateLimiter  # noqa: E402

from bot.channels.telegram.app import build_application  # noqa: E402
from bot.channels.telegram.sender import TelegramSender  # noqa: E402
from bot.config import Settings  # noqa: E402
from bot.delivery import scheduling  # noqa: E402
from bot.delivery.scheduling import Scheduler  # noqa: E402
from bot.emulator import Emulator, Limits  # noqa: E402
from bot.present.chart_render import ChartRenderer  # noqa: E402
from storage import repo, schedule_repo  # noqa: E402
from storage.db import Database  # noqa: E402
from storage.models import Delivery  # noqa: E402

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
DAY = date(2025, 8, 14)
RATE = 30.0  # Telegram's overall limit, messages per second
MARKERS = {"reminder": "Nhắc báo cáo", "daily": "Tổng hợp VNeID"}


def seed(db: Database, groups: int, per_unit: int = 1) -> list[int]:
    """A province > communes (20 villages each) > villages; `per_unit` group chats bound to each village."""
    chat_ids: list[int] = []
    with db.session() as s:
        prov = repo.create_unit(s, "p", "Tỉnh Thử Nghiệm", "province", None)
        commune = None
        v = None
        for i in range(groups):
            k = i // per_unit  # the village of this group
            if i % per_unit == 0:
                if k % 20 == 0:
                    commune = repo.create_unit(s, f"x{k // 20}", f"Xã Số {k // 20 + 1}", "commune", prov)
                assert commune is not None
                v = repo.create_unit(s, f"v{k}", f"Thôn Số {k + 1}", "village", commune)
                repo.set_target(s, v, "l2", 500)
                repo.set_baseline(s, v, "l2", DAY, 100 + k % 300)
                repo.add_member(s, "telegram", str(100_000 + 2 * k), f"Tổ viên {k + 1}", v, "member")
                repo.add_member(s, "telegram", str(100_001 + 2 * k), f"Trưởng thôn {k + 1}", v, "leader")
            assert v is not None
            chat_id = -1_000_000 - i
            c = repo.get_or_create_chat(s, "telegram", str(chat_id), f"Nhóm Thôn {i + 1}")
            repo.bind_chat(s, c, v)
            chat_ids.append(chat_id)
    return chat_ids


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


async def run(groups: int, kind: str, charts: bool, limiter_kind: str, concurrency: int,
              rate: int = scheduling.BROADCAST_RATE, per_unit: int = 1, chart_workers: int | None = None) -> int:
    emu = Emulator("123456:BENCH", limits=Limits())  # Telegram's limits, enforced
    await emu.start()
    tmp = tempfile.TemporaryDirectory()
    db = Database(f"sqlite:///{tmp.name}/bench.db")
    db.upgrade()
    chat_ids = seed(db, groups, per_unit)
    for cid in chat_ids:
        emu.group_chat(cid, f"Nhóm {cid}")
    when = datetime(2025, 8, 14, 16, 31, tzinfo=TZ) if kind == "reminder" else datetime(2025, 8, 14, 20, 1, tzinfo=TZ)
    extra: dict[str, Any] = {"_env_file": None}  # BaseSettings' own argument: not among the fields mypy sees
    if chart_workers is not None:
        extra["chart_workers"] = chart_workers
    settings = Settings(telegram_bot_token=SecretStr(emu.token), telegram_api_base_url=emu.base_url,
                        telegram_api_file_url=emu.base_file_url, database_url=str(db.engine.url), **extra)
    limiter: Any = None  # None = the application's own limiter (bot/channels/telegram/app.py)
    if limiter_kind == "ptb":
        limiter = AIORateLimiter(max_retries=10)
    app = build_application(settings, db=db, clock=Clock(when), rate_limiter=limiter, start_scheduler=False)
    await app.initialize()
    if not charts:
        scheduling.scheduler.chart_function = lambda: None  # type: ignore[assignment]
    with db.session() as s:  # only the benchmarked kind is due
        for cid in chat_ids:
            c = repo.chat_by_external(s, "telegram", str(cid))
            assert c is not None
            if kind == "reminder":
                c.summaries_enabled = False
            else:
                c.reminders_enabled = False
    renderer = ChartRenderer(settings.chart_workers)  # what the app's scheduler gets (shared_renderer), fresh
    sched = Scheduler(app.bot_data["container"].svc, TelegramSender(app.bot), concurrency=concurrency,
                      rate=rate or None, renderer=renderer)
    ready: list[float] = []
    render = renderer.render

    async def timed_render(*args: Any, **kwargs: Any) -> bytes:
        png = await render(*args, **kwargs)
        ready.append(time.perf_counter())
        return png

    renderer.render = timed_render  # type: ignore[method-assign]
    try:
        wall0 = time.time()
        cpu0 = time.process_time()
        t0 = time.perf_counter()
        report = await sched.tick()
        elapsed = time.perf_counter() - t0
        cpu = time.process_time() - cpu0
        # second tick: nothing may be sent again
        again = await sched.tick()
    finally:
        sched.close()
        await app.shutdown()

    marker = MARKERS[kind]
    per_chat = Counter(m.chat_id for m in emu.sent() if marker in (m.text or ""))
    photos = Counter(m.chat_id for m in emu.sent() if m.kind == "photo")
    lost = sum(1 for cid in chat_ids if per_chat[cid] == 0)
    dup = sum(max(0, per_chat[cid] - 1) for cid in chat_ids) + sum(max(0, photos[cid] - 1) for cid in chat_ids)
    with db.session() as s:
        statuses = Counter(d.status for d in s.query(Delivery).filter(Delivery.kind == kind))
        counts = schedule_repo.delivery_counts(s)
    messages = sum(per_chat.values()) + sum(photos.values())
    ideal = messages / RATE
    print(f"groups: {groups}   kind: {kind}{' + chart' if charts else ''}   limiter: {limiter_kind}   "
          f"concurrency: {concurrency}   scheduler pace: {f'{rate:g}/s' if rate else 'off'}")
    print(f"messages delivered: {messages} ({sum(per_chat.values())} texts, {sum(photos.values())} photos)")
    print(f"elapsed: {elapsed:.2f} s   ideal at {RATE:.0f}/s: {ideal:.2f} s   "
          f"ratio elapsed/ideal: {elapsed / ideal:.3f}   (per the brief, elapsed/({groups}/30 s) = "
          f"{elapsed / (groups / RATE):.3f})")
    text_times = [m.timestamp - wall0 for m in emu.sent() if m.kind == "text"]
    if photos and text_times:
        print(f"all texts delivered after {max(text_times):.2f} s (charts are drawn and sent after the texts)")
    if charts:
        print(f"charts: {renderer.drawn} drawn ({renderer.drawn_in_pool} in {renderer.workers} worker processes), "
              f"{renderer.cache.hits} from the cache; last one ready after {max(ready) - t0 if ready else 0:.2f} s; "
              f"CPU of the bot's process (with the emulator) during the tick: {cpu:.1f} s")
        print(f"CHARTS RATIO elapsed/(messages/30 s) = {elapsed / ideal:.3f}   (goal <= 1.3: "
              f"{'OK' if elapsed / ideal <= 1.3 else 'OVER'}; load average at the end "
              f"{' '.join(f'{x:.2f}' for x in os.getloadavg())} on {os.cpu_count()} CPUs)")
    print(f"emulator 429 answers: {emu.stats.rate_limited} (absorbed by the rate limiter's retries)")
    print(f"tick report: sent={report.sent} failed={report.failed} skipped={report.skipped}; "
          f"second tick sent={again.sent}")
    print(f"outbox: {dict(statuses)}   all: {counts}")
    print(f"lost deliveries: {lost}   duplicated deliveries: {dup}")
    await emu.stop()
    db.dispose()
    tmp.cleanup()
    return 0 if lost == 0 and dup == 0 and again.sent == 0 else 1


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--groups", type=int, default=1000)
    p.add_argument("--kind", choices=["reminder", "daily"], default="reminder")
    p.add_argument("--charts", action="store_true", help="daily summary with its chart (bot.present.charts); "
                   "implies --kind daily")
    p.add_argument("--groups-per-unit", type=int, default=1, help="group chats bound to each village (charts: "
                   "one picture per village)")
    p.add_argument("--chart-workers", type=int, default=None, help="CHART_WORKERS (default: the setting's)")
    p.add_argument("--limiter", choices=["app", "ptb"], default="app",
                   help="app: the application's limiter (bot/channels/telegram/app.py); ptb: a stock AIORateLimiter(max_retries=10)")
    p.add_argument("--concurrency", type=int, default=30)
    p.add_argument("--rate", type=int, default=scheduling.BROADCAST_RATE,
                   help="the scheduler's broadcast pace, messages/s (0 = off: PTB's limiter alone)")
    args = p.parse_args()
    logging.basicConfig(level=logging.WARNING)
    kind = "daily" if args.charts else args.kind
    sys.exit(asyncio.run(run(args.groups, kind, args.charts, args.limiter, args.concurrency, args.rate,
                             args.groups_per_unit, args.chart_workers)))


if __name__ == "__main__":
    main()
