"""Cross-process cache invalidation latency on PostgreSQL (LISTEN/NOTIFY, storage/notify.py).

    python bench/bench_cache_notify.py [-n 60]

A writer process (tests/helpers/cache_writer.py: a bot container on its own schema) renames a unit, sets
a target or changes a role, ``-n`` times in turn; this process keeps the bot's cached lookups (the
reporter's neighbourhood, who is speaking) and its cache listener. For each change: the time from the
COMMIT of the writing transaction returning in the writer to (a) the notification reaching this
process's listener (PostgreSQL sends it at the COMMIT: about 0, either sign), (b) this process's cached
lookup returning the new value (polled as soon as the writer has answered: includes the writer's audit
transaction, the pipe between the processes and reloading the cached data). Both use the machine's one
wall clock. Prints p50 / p95 / max. A figure for RELIABILITY.md, not a timed test.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import create_engine, text  # noqa: E402

from bot.bootstrap import build  # noqa: E402
from bot.config import Settings  # noqa: E402
from bot.conversation import TELEGRAM, Conversation  # noqa: E402
from bot.core.services import Services  # noqa: E402
from bot.demo_data import seed_demo  # noqa: E402
from storage.db import GENERATION, Database  # noqa: E402
from tests.helpers.cachekit import KINDS, NOW, World, Writer, change, options, poll  # noqa: E402
from tests.helpers.world import PG_URL, pg_available  # noqa: E402


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("-n", type=int, default=60)
    args = ap.parse_args()
    reason = pg_available()
    if reason:
        print(reason)
        return 2
    schema = f"b_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_URL)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    db = Database(PG_URL, connect_args=options(schema))
    writer = None
    try:
        db.upgrade()
        demo = seed_demo(db)
        svc = Services(Settings(_env_file=None, admin_ids=[]), db, lambda: NOW)  # type: ignore[call-arg]
        container = build(svc)
        listener = db.listener
        assert listener is not None and listener.connected.wait(10)
        arrivals: list[float] = []

        def on_change(_kinds: frozenset[str]) -> None:
            arrivals.append(time.time())
            GENERATION.bump()

        listener.on_change = on_change
        writer = Writer(PG_URL, schema)
        w = World(db, svc, demo, Conversation(container, TELEGRAM), container.reports, writer, admin, schema, PG_URL)
        notified, seen = [], []
        for i in range(args.n):
            lookup, command = change(w, KINDS[i % len(KINDS)])
            old = lookup(w)
            count = len(arrivals)
            committed = writer.do(command)
            value, _ = poll(lambda lookup=lookup: lookup(w), old, 1.0)  # type: ignore[misc]
            seen.append(time.time() - committed)
            assert value != old, f"change {i} not seen within 1 s"
            deadline = time.monotonic() + 1
            while len(arrivals) == count and time.monotonic() < deadline:
                time.sleep(0.001)
            notified.append(arrivals[count] - committed)
        for name, vals in (("notification received", notified), ("cached lookup sees it", seen)):
            print(f"{name:>22}: p50 {statistics.median(vals) * 1000:6.1f} ms  p95 {pct(vals, 0.95) * 1000:6.1f} ms"
                  f"  max {max(vals) * 1000:6.1f} ms  (n={len(vals)}, from the COMMIT of the writing transaction)")
    finally:
        if writer is not None:
            writer.close()
        db.dispose()
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
