"""Chart benchmark: rendering the progress chart of a 40-village commune (goal: under 1 s).

    python bench/bench_chart.py [--villages 40] [--runs 5]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

t_import = time.perf_counter()
from bot.present.charts import chart_size, progress_chart  # noqa: E402

t_import = time.perf_counter() - t_import
from bot.core.rollup import Rollup, UnitFigures, figures  # noqa: E402

D = date(2025, 8, 14)


def unit(i: int, name: str, target: int, cum: int, today: int) -> UnitFigures:
    return UnitFigures(i, f"v{i}", name, "village",
                       {"l2": figures(D, today, cum, today * 7, target, D + timedelta(days=60)),
                        "l1": figures(D, 0, 0, 0, None, None)}, today > 0, None)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--villages", type=int, default=40)
    ap.add_argument("--runs", type=int, default=5)
    a = ap.parse_args()
    kids = [unit(i + 2, f"Thôn Đồng Tâm Thượng {i}", 300 + 11 * i, 120 + 7 * i, i % 9) for i in range(a.villages)]
    kids.sort(key=lambda u: -(u.metrics["l2"].pct or 0))
    r = Rollup(unit(1, "Xã Tân Hòa", sum(k.metrics["l2"].target or 0 for k in kids),
                    sum(k.metrics["l2"].cumulative for k in kids), 40), D, kids, [], ["l1", "l2"], "l2")
    history = [(D - timedelta(days=29 - i), 5000 + 40 * i) for i in range(30)]
    t0 = time.perf_counter()
    png = progress_chart(r, history, "vi")
    cold = time.perf_counter() - t0
    times = []
    for _ in range(a.runs):
        t0 = time.perf_counter()
        png = progress_chart(r, history, "vi")
        times.append(time.perf_counter() - t0)
    med = statistics.median(times)
    w, h = chart_size(a.villages)
    print(f"chart of {a.villages} villages: {w}x{h} px, {len(png) / 1024:.0f} KiB")
    print(f"  import matplotlib + bot.present.charts: {t_import * 1000:.0f} ms (once per process)")
    print(f"  first render: {cold * 1000:.0f} ms; median of {a.runs}: {med * 1000:.0f} ms "
          f"({'OK' if med < 1.0 else 'OVER'} goal < 1 s)")


if __name__ == "__main__":
    main()
