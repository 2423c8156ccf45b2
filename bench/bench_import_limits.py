"""Import bounds benchmark (issue 15 item 1): peak RSS of the largest import the limits allow, and of
refusing a zip bomb and a 50,000-row file reaching column XFD. Goal: every run under 300 MB.

    python bench/bench_import_limits.py

The largest allowed file, at the defaults of .env.example (IMPORT_MAX_ROWS=20000 rows per file, all sheets
together): one .xlsx with a units sheet of 10,001 rows (1 province, 200 communes, 9,800 villages) and a
members sheet of 9,900 rows (names of ~110 characters). Each case runs in a fresh process (peak RSS = ru_maxrss), imported
into a fresh SQLite database as a global admin, like `vneid-bot import`.
"""

from __future__ import annotations

import argparse
import io
import json
import resource
import subprocess
import sys
import tempfile
import time
import zipfile
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

NOW = datetime(2025, 8, 14, 10, 0, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))


def largest(path: Path, member_sheets: int, rows: int) -> dict[str, int]:
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    units = wb.create_sheet("units")
    units.append(["code", "name", "kind", "parent_code"])
    units.append(["t-bench", "Tỉnh Bench", "province", ""])
    n_units = 1
    villages: list[str] = []
    for c in range(200):
        units.append([f"x-{c}", f"Xã số {c}", "commune", "t-bench"])
        n_units += 1
        for v in range(99):
            if n_units >= rows:
                break
            code = f"v-{c}-{v}"
            units.append([code, f"Thôn {v} của xã số {c} (địa bàn dài để thử giới hạn)", "village", f"x-{c}"])
            villages.append(code)
            n_units += 1
    tid = 10_000_000
    for k in range(member_sheets):
        ws = wb.create_sheet(f"tv{k}")
        ws.append(["unit_code", "telegram_id", "name", "role"])
        for i in range(rows):
            tid += 1
            ws.append([villages[(k * rows + i) % len(villages)], tid,
                       f"Nguyễn Văn Thành viên số {tid} " + "ư" * 80, "member"])
    wb.save(path)
    with zipfile.ZipFile(path) as z:
        raw = sum(i.file_size for i in z.infolist())
    return {"units": n_units, "members": tid - 10_000_000, "bytes": path.stat().st_size, "uncompressed": raw}


def bomb(path: Path) -> None:
    from openpyxl import Workbook

    buf = io.BytesIO()
    wb = Workbook()
    wb.save(buf)
    src = zipfile.ZipFile(io.BytesIO(buf.getvalue()))
    row = b'<row r="2"><c r="A2" t="inlineStr"><is><t>' + b"A" * 1000 + b"</t></is></c></row>"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as dst:
        for info in src.infolist():
            if info.filename != "xl/worksheets/sheet1.xml":
                dst.writestr(info.filename, src.read(info.filename))
                continue
            with dst.open(info.filename, "w", force_zip64=True) as f:
                f.write(b'<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/'
                        b'2006/main"><sheetData>')
                for _ in range(100):
                    f.write(row * 10_000)  # 1 GB in all
                f.write(b"</sheetData></worksheet>")


def xfd(path: Path) -> None:
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("members")
    ws.append(["unit_code", "telegram_id", "name"])
    for i in range(50_000):
        row: list[object] = [None] * 16_384
        row[0], row[-1] = "v-0-0", i
        ws.append(row)
    wb.save(path)


def run_one(file: str, db: str) -> None:
    """In the child process: import FILE into DB, print JSON with the outcome and the peak RSS."""
    from bot.config import Settings
    from bot.core.importer import run_import, shell_caller
    from bot.core.services import Services
    from storage.db import Database

    database = Database(f"sqlite:///{db}")
    database.upgrade()
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    svc = Services(settings, database, lambda: NOW)
    data = Path(file).read_bytes()
    t0 = time.perf_counter()
    report = run_import(svc, shell_caller(settings), [(Path(file).name, data)])
    took = time.perf_counter() - t0
    print(json.dumps({
        "committed": report.committed, "issues": [i.key for i in report.issues[:3]], "n_issues": len(report.issues),
        "created": {k: c.created for k, c in report.counts.items()}, "seconds": round(took, 1),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }))


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--member-sheets", type=int, default=1)
    p.add_argument("--rows", type=int, default=9_900, help="rows per sheet")
    p.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.child:
        run_one(*args.child)
        return 0
    ok = True
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        big = d / "largest.xlsx"
        info = largest(big, args.member_sheets, args.rows)
        bomb(d / "bomb.xlsx")
        xfd(d / "xfd.xlsx")
        print(f"largest allowed: {info['units']:,} units + {info['members']:,} members, {info['bytes'] / 1e6:.1f} MB "
              f"file, {info['uncompressed'] / 1e6:.1f} MB uncompressed")
        print(f"zip bomb: {(d / 'bomb.xlsx').stat().st_size / 1e6:.1f} MB file, 1,000 MB uncompressed")
        print(f"XFD: 50,000 rows reaching column XFD, {(d / 'xfd.xlsx').stat().st_size / 1e6:.2f} MB file")
        for name in ("largest.xlsx", "bomb.xlsx", "xfd.xlsx"):
            out = subprocess.run([sys.executable, __file__, "--child", str(d / name), str(d / f"{name}.db")],
                                 capture_output=True, text=True, cwd=tmp)
            if out.returncode != 0:
                print(out.stderr[-3000:])
                return 1
            r = json.loads(out.stdout.strip().splitlines()[-1])
            good = r["peak_rss_mb"] < 300 and (r["committed"] if name == "largest.xlsx" else not r["committed"])
            ok &= good
            print(f"{name:13} peak RSS {r['peak_rss_mb']:6.1f} MB, {r['seconds']:5.1f} s, committed={r['committed']} "
                  f"created={r['created']} issues={r['issues']} {'OK' if good else 'FAIL'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
