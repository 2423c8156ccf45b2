"""One busy group under Telegram's group limit: how long its reports wait for their confirmation, and what
each confirmation style costs in Bot API calls and in messages posted to the group (docs/telegram-limits.md).

    python bench/bench_confirm_style.py [--reports 60] [--window 6]

The REAL application (``build_application``, polling, SQLite, the demo commune) runs in this process against
the Bot API emulator with Telegram's limits: 30 sends/s per token and 20 per ``--window`` seconds per group
(Telegram's window is 60 s; a shorter one scales every wait by the same factor, the ratios do not change).
Both the emulator and the bot's own rate limiter use that window. One member per village sends
``--reports`` plain reports, all at once, in the commune's group (one per village, indicator and day, so
every one is stored as a plain report). Runs:

* ``reply``: today's behaviour, a reply per report;
* ``reaction/messages``: 👍, a reaction counted like a message by the bot's limiter and by the emulator
  (the default, the safe assumption);
* ``reaction/token``: 👍, counted in the token's 30/s only (TELEGRAM_REACTION_LIMITS=token; the emulator plays
  a Telegram that does not count reactions per group).

For each run it prints the time until the last report was confirmed (a reply or a 👍; in seconds and as a
multiple of the group window: what the group limit binds scales with the window, what the 30/s binds does
not), p50 of the waits, the Bot API calls, the messages posted in the group, and the digests that
follow (the bot's clock moved past REACTION_DIGEST_MINUTES). It measures our bot under each assumption;
what Telegram itself does with reactions only a run on real Telegram can say.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from telegram import Update  # noqa: E402

from bot.channels.telegram.app import build_application  # noqa: E402
from bot.channels.telegram.ratelimit import ReactionAwareRateLimiter, ReactionLimits  # noqa: E402
from bot.demo_data import GROUP_ID, LEADER_ID, VILLAGES, member_id  # noqa: E402
from bot.emulator import Emulator, Limits, User  # noqa: E402
from bot.emulator.models import SEND_METHODS  # noqa: E402
from handlers.reactions import run_digests  # noqa: E402
from tests.helpers.world import demo_world, make_settings  # noqa: E402

TOKEN = "123456:BENCH-token-for-the-emulator-0000"
FORMS = ("hôm nay {v} mức 2", "hôm nay {v} mức 1", "hôm qua {v} mức 2", "hôm qua {v} mức 1",
         "hôm kia {v} mức 2", "hôm kia {v} mức 1")


async def run(style: str, limits_mode: ReactionLimits, reports: int, window: float) -> dict[str, Any]:
    in_group = None if limits_mode == "messages" else SEND_METHODS
    emu = Emulator(TOKEN, limits=Limits(group_window=window, group_counted_methods=in_group))
    await emu.start()
    with tempfile.TemporaryDirectory() as tmp:
        w = demo_world(Path(tmp))
        emu.group_chat(GROUP_ID, "Tổ CNS Xã Tân Hòa")
        limiter = ReactionAwareRateLimiter(limits_mode, overall_max_rate=30, overall_time_period=1,
                                           group_max_rate=20, group_time_period=window, max_retries=10)
        app = build_application(make_settings(w.url, emu), db=w.db, clock=w.clock, rate_limiter=limiter)
        await app.initialize()
        await app.start()
        assert app.updater is not None and app.job_queue is not None
        for job in app.job_queue.get_jobs_by_name("vneid-digests"):
            job.schedule_removal()  # run below, once, after the clock moved on
        await app.updater.start_polling(poll_interval=0.0, timeout=1, allowed_updates=Update.ALL_TYPES)
        try:
            leader = User(LEADER_ID, "Chủ tịch xã Hùng")
            if style == "reaction":
                mark = emu.mark()
                emu.send_message(GROUP_ID, leader, "/kieuxacnhan camxuc")
                await emu.wait_for_messages(GROUP_ID, 1, since=mark)
            await asyncio.sleep(window * 1.05)  # the group's window empty again
            before_calls = dict(emu.stats.calls)
            mark = emu.mark()
            members = [User(member_id(i), f"Tổ viên {name}") for i, (_c, name, _t, _b) in enumerate(VILLAGES)]
            sent_at: dict[int, float] = {}
            for k in range(reports):
                i = k % len(members)
                name = VILLAGES[i][1]
                text = f"{name} " + FORMS[(k // len(members)) % len(FORMS)].format(v=1 + k % 9)
                sent_at[int(emu.send_message(GROUP_ID, members[i], text)["message_id"])] = time.monotonic()
            confirmed: dict[int, float] = {}

            def done() -> bool:
                now = time.monotonic()
                for m in emu.sent(GROUP_ID):
                    if m.seq > mark and m.reply_to_message_id in sent_at:
                        confirmed.setdefault(m.reply_to_message_id, now)
                for r in emu.reaction_log(GROUP_ID):
                    if r["message_id"] in sent_at:
                        confirmed.setdefault(r["message_id"], now)
                return len(confirmed) >= reports

            start = time.monotonic()
            while not done() and time.monotonic() - start < window * (reports / 20 + 4):
                await asyncio.sleep(0.02)
            elapsed = max(confirmed.values(), default=start) - start
            waits = [confirmed[m] - sent_at[m] for m in confirmed]
            posted = len([m for m in emu.sent(GROUP_ID) if m.seq > mark])
            calls = {k: v - before_calls.get(k, 0) for k, v in emu.stats.calls.items()}
            w.clock.advance(timedelta(minutes=6))
            digests = await run_digests(app)
            return {"run": f"{style}/{limits_mode}" if style == "reaction" else style, "confirmed": len(confirmed),
                    "elapsed": elapsed, "p50": statistics.median(waits) if waits else float("nan"),
                    "send": calls.get("sendMessage", 0), "react": calls.get("setMessageReaction", 0),
                    "posted": posted, "digests": digests, "429": emu.stats.rate_limited}
        finally:
            await app.updater.stop()
            await app.stop()
            await app.shutdown()
            w.db.dispose()
            await emu.stop()


async def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--reports", type=int, default=60)
    p.add_argument("--window", type=float, default=6.0, help="the group window in seconds (Telegram: 60)")
    args = p.parse_args()
    logging.basicConfig(level=logging.WARNING)
    print(f"{args.reports} plain reports at once in one group; group limit 20 per {args.window:g} s, 30/s per token")
    print(f"{'run':<20}{'confirmed':>10}{'last s':>8}{'p50 s':>7}{'last/window':>13}{'sendMessage':>12}"
          f"{'reactions':>10}{'posted':>8}{'digests':>9}{'429s':>6}")
    for style, mode in (("reply", "messages"), ("reaction", "messages"), ("reaction", "token")):
        r = await run(style, mode, args.reports, args.window)  # type: ignore[arg-type]
        print(f"{r['run']:<20}{r['confirmed']:>10}{r['elapsed']:>8.1f}{r['p50']:>7.1f}{r['elapsed'] / args.window:>13.2f}"
              f"{r['send']:>12}{r['react']:>10}{r['posted']:>8}{r['digests']:>9}{r['429']:>6}")


if __name__ == "__main__":
    asyncio.run(main())
