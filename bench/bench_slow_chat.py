"""One slow chat must not stall the others: reply latency of reports in other chats during a large import.

    python bench/bench_slow_chat.py [--rows 5000] [--chats 40] [--gap 0.05]

The REAL bot (``python -m bot run``, polling, SQLite) runs in a child process against the Bot API emulator
of this process (``Limits.off()``). Members (one per village) write reports in their private chats (``--chats`` chats, one
message every ``--gap`` seconds, round robin). Phase 1: that traffic alone for a few seconds (baseline).
Phase 2: the commune admin sends a ``members.csv`` of ``--rows`` rows with the caption ``/nhap`` and the
same traffic runs until the import's result arrives. The latency of a report is the time from the
member's message to the bot's confirmation (both clocks of this process). Prints p50 / p95 / max per
phase, the import's duration, and whether the goal (p95 < 1 s during the import) is met.

The figures go to RELIABILITY.md ("Measured"); the goal is a ratio of this machine's own numbers, not a
timed test.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.demo_data import ADMIN_ID, VILLAGES  # noqa: E402
from bot.emulator import Emulator, Limits, User  # noqa: E402
from storage.db import Database  # noqa: E402
from tests.helpers.faultkit import BotProcess, seed, wait_for  # noqa: E402

TOKEN = "123456:BENCH-token-for-the-emulator-0000"


def members_csv(rows: int) -> bytes:
    codes = [code for code, _n, _t, _b in VILLAGES]
    lines = ["unit_code,telegram_id,name,role"]
    lines += [f"{codes[i % len(codes)]},{7_000_000 + i},Thành viên nhập {i}," for i in range(rows)]
    return ("\n".join(lines) + "\n").encode("utf-8")


def pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


async def traffic(emu: Emulator, users: list[User], gap: float, stop: asyncio.Event,
                  latencies: list[float], timeout: float = 60.0) -> None:
    """Round-robin reports; each one's latency appended once its confirmation arrives."""
    pending: dict[tuple[int, int], float] = {}
    i = 0
    texts = ("hôm nay {v} mức 2", "hqua {v} m1", "bc {v} m2 hôm nay", "hôm qua {v} mức 2")
    while not stop.is_set():
        user = users[i % len(users)]
        text = texts[(i // len(users)) % len(texts)].format(v=1 + i % 9)
        message = emu.send_message(user.id, user, text)
        pending[(user.id, int(message["message_id"]))] = time.time()
        i += 1
        await asyncio.sleep(gap)
    deadline = time.time() + timeout
    while pending and time.time() < deadline:
        await asyncio.sleep(0.05)
        _collect(emu, pending, latencies)
    _collect(emu, pending, latencies)
    if pending:
        print(f"  {len(pending)} reports unanswered after {timeout:.0f} s", file=sys.stderr)


def _collect(emu: Emulator, pending: dict[tuple[int, int], float], latencies: list[float]) -> None:
    for m in emu.sent():
        key = (m.chat_id, m.reply_to_message_id or 0)
        if key in pending:  # the bot's answer to that report (a confirmation, or a question)
            latencies.append(m.timestamp - pending.pop(key))


async def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, default=5000, help="rows of the imported members.csv (default 5000)")
    ap.add_argument("--chats", type=int, default=len(VILLAGES),
                    help="members reporting in their private chats (default: one per demo village, so that no "
                         "two reporters share a village and day)")
    ap.add_argument("--gap", type=float, default=0.05, help="seconds between two reports (default 0.05)")
    ap.add_argument("--baseline", type=float, default=5.0, help="seconds of traffic without the import")
    args = ap.parse_args()

    emu = Emulator(TOKEN, limits=Limits.off())
    await emu.start()
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'bench.db'}"
        db = Database(url)
        member_ids = seed(db, args.chats)
        db.dispose()
        users = [User(uid, f"Thành viên {uid}") for uid in member_ids]
        for u in users:
            emu.private_chat(u)
        admin = User(ADMIN_ID, "Cán bộ xã")
        emu.private_chat(admin)
        bot = BotProcess(emu, url, Path(tmp) / "bot.log", LOG_LEVEL="WARNING")
        bot.start()
        try:
            await bot.wait_polling()
            warm: list[float] = []
            stop = asyncio.Event()
            task = asyncio.create_task(traffic(emu, users, args.gap, stop, warm))
            await asyncio.sleep(1.0)
            stop.set()
            await task
            base: list[float] = []
            stop = asyncio.Event()
            task = asyncio.create_task(traffic(emu, users, args.gap, stop, base))
            await asyncio.sleep(args.baseline)
            stop.set()
            await task

            during: list[float] = []
            stop = asyncio.Event()
            doc = emu.send_document(ADMIN_ID, admin, "members.csv", members_csv(args.rows), caption="/nhap")
            t0 = time.time()
            task = asyncio.create_task(traffic(emu, users, args.gap, stop, during))

            def imported() -> bool:
                return any(m.reply_to_message_id == doc["message_id"] and "Đang xử lý" not in (m.text or "")
                           and "Đã xử lý xong" not in (m.text or "") for m in emu.sent(ADMIN_ID))

            await wait_for(imported, 600, "the import's result")
            import_s = time.time() - t0
            stop.set()
            await task
            result = next(m.text or "" for m in emu.sent(ADMIN_ID) if m.reply_to_message_id == doc["message_id"]
                          and "Đang xử lý" not in (m.text or "") and "Đã xử lý xong" not in (m.text or ""))
            first = min((m.timestamp for m in emu.sent(ADMIN_ID) if m.reply_to_message_id == doc["message_id"]),
                        default=float("nan"))
            await bot.stop()
        finally:
            if bot.alive:
                bot.kill9()
    await emu.stop()

    def line(name: str, xs: list[float]) -> str:
        return (f"{name:<28} n={len(xs):>4}  p50={pct(xs, 50) * 1000:7.0f} ms  p95={pct(xs, 95) * 1000:7.0f} ms  "
                f"max={max(xs, default=float('nan')) * 1000:7.0f} ms  mean={statistics.fmean(xs) * 1000 if xs else 0:6.0f} ms")

    print(f"import of {args.rows} members.csv rows: {import_s:.1f} s; first answer to the admin after "
          f"{(first - t0) * 1000:.0f} ms; result: {result.splitlines()[0][:80] if result else '-'}")
    print(line("reports, no import", base))
    print(line("reports during the import", during))
    p95 = pct(during, 95)
    print(f"goal p95 < 1 s during the import: {'met' if p95 < 1.0 else 'NOT met'} ({p95 * 1000:.0f} ms)")


if __name__ == "__main__":
    asyncio.run(main())
