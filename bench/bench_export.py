"""Export benchmark: a province (2,000 villages x 90 days, SQLite) to .xlsx and CSV (goal: under 10 s).

    python bench/bench_export.py [--villages 2000] [--days 90]
"""

from __future__ import annotations

import argparse
import io
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_rollup import END, build  # noqa: E402

from bot.present.export import write_csv, write_xlsx  # noqa: E402
from storage.db import Database  # noqa: E402

TZ = ZoneInfo("Asia/Ho_Chi_Minh")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--villages", type=int, default=2000)
    ap.add_argument("--days", type=int, default=90)
    ap.add_argument("--check", action="store_true", help="open the workbook with openpyxl and count the raw rows")
    a = ap.parse_args()
    print(f"SQLite, province ({a.villages:,} villages x {a.days} days)")
    with tempfile.TemporaryDirectory() as tmp:
        db = Database(f"sqlite:///{Path(tmp) / 'bench.db'}")
        db.upgrade()
        ds = build(db, a.villages, a.days)
        start = END - timedelta(days=a.days - 1)
        now = datetime.now(UTC)
        t0 = time.perf_counter()
        content, rows = write_xlsx(db, ds.root_id, start, END, tz=TZ, now=now)
        t_xlsx = time.perf_counter() - t0
        print(f"  .xlsx of the province, {start:%d/%m}-{END:%d/%m}: {t_xlsx:.2f} s "
              f"({'OK' if t_xlsx < 10 else 'OVER'} goal < 10 s), {rows:,} raw rows, {len(content) / 1e6:.1f} MB")
        t0 = time.perf_counter()
        data, n = write_csv(db, ds.root_id, start, END)
        print(f"  CSV summary: {time.perf_counter() - t0:.2f} s ({n} rows)")
        t0 = time.perf_counter()
        data, n = write_csv(db, ds.root_id, start, END, sheet="raw", tz=TZ)
        print(f"  CSV raw: {time.perf_counter() - t0:.2f} s ({n:,} rows, {len(data) / 1e6:.1f} MB)")
        t0 = time.perf_counter()
        content_c, rows_c = write_xlsx(db, ds.commune_id, start, END, tz=TZ, now=now)
        print(f"  .xlsx of one commune (20 villages): {time.perf_counter() - t0:.2f} s, {rows_c:,} raw rows")
        if a.check:
            from openpyxl import load_workbook

            t0 = time.perf_counter()
            wb = load_workbook(io.BytesIO(content), read_only=True)
            n_raw = sum(1 for _ in wb[wb.sheetnames[2]].iter_rows()) - 1
            print(f"  openpyxl reads it back: {n_raw:,} raw rows ({time.perf_counter() - t0:.1f} s)")
        db.dispose()


if __name__ == "__main__":
    main()
