"""Import benchmark: a province-sized file set into SQLite (goal: under 30 s).

    python bench/bench_import.py [--communes 100] [--villages-per-commune 20] [--members-per-village 5]

Generates units.csv (1 province, 100 communes, 2,000 villages), targets.csv (l1 and l2 per village),
baselines.csv, members.csv (10,000 members: a commune admin and leader, village leaders and members)
and chats.csv (a group per commune and per village) into a temporary directory, imports them into a
fresh SQLite database the way `vneid-bot import` does (as the shell: a global admin), and prints the
time. Then it imports the same files again (idempotent: nothing changes), and finally imports a copy
with errors sprinkled over every file into another fresh database: nothing is imported and every bad
row is listed.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import func, select  # noqa: E402

from bot.config import Settings  # noqa: E402
from bot.core.importer import run_import, shell_caller  # noqa: E402
from bot.core.services import Services  # noqa: E402
from storage.db import Database  # noqa: E402
from storage.models import Baseline, Chat, Member, Target, Unit  # noqa: E402

NOW = datetime(2025, 8, 14, 10, 0, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))
FILES = ("units.csv", "targets.csv", "baselines.csv", "members.csv", "chats.csv")


def generate(out: Path, communes: int, villages: int, per_village: int) -> dict[str, int]:
    rng = random.Random(7)
    units = ["code,name,kind,parent_code", "t-bench,Tỉnh Bench,province,"]
    targets = ["unit_code,metric,target,deadline"]
    baselines = ["unit_code,metric,as_of,value"]
    members = ["unit_code,telegram_id,name,role"]
    chats = ["unit_code,telegram_chat_id,reminder_time,summary_time"]
    uid = 500_000_000
    for c in range(communes):
        cc = f"x-{c:03d}"
        units.append(f"{cc},Xã Số {c},commune,t-bench")
        chats.append(f"{cc},-100{7000000 + c},16:30,20:00")
        for role in ("admin", "leader"):
            uid += 1
            members.append(f"{cc},{uid},Cán bộ {role} xã {c},{role}")
        for v in range(villages):
            vc = f"{cc}-th{v:02d}"
            units.append(f"{vc},Thôn {v + 1},village,{cc}")
            target = rng.randint(150, 900)
            targets.append(f"{vc},l2,{target},31/12/2025")
            targets.append(f"{vc},l1,{target + 100},")
            baselines.append(f"{vc},l2,01/08/2025,{rng.randint(0, target // 2)}")
            chats.append(f"{vc},-100{8000000 + c * 100 + v},,")
            for m in range(per_village):
                uid += 1
                role = "trưởng" if m == 0 else "thành viên"
                members.append(f"{vc},{uid},Người {c}-{v}-{m},{role}")
    for name, rows in zip(FILES, (units, targets, baselines, members, chats), strict=True):
        (out / name).write_text("\n".join(rows) + "\n", encoding="utf-8")
    return {"units": len(units) - 1, "targets": len(targets) - 1, "baselines": len(baselines) - 1,
            "members": len(members) - 1, "chats": len(chats) - 1}


def spoil(src: Path, dst: Path) -> int:
    """Copy the files with errors in each of them; returns how many rows are bad."""
    bad = 0
    for name in FILES:
        lines = (src / name).read_text(encoding="utf-8").splitlines()
        for i in range(5, len(lines), max(1, len(lines) // 12)):
            cells = lines[i].split(",")
            if name == "units.csv":
                cells[3] = "khong-co-cap-tren"
            elif name in ("targets.csv", "baselines.csv"):
                cells[-1 if name == "baselines.csv" else 2] = "nhiều"
            elif name == "members.csv":
                cells[1] = "abc"
            else:
                cells[2] = "25:99"
            lines[i] = ",".join(cells)
            bad += 1
        (dst / name).write_text("\n".join(lines) + "\n", encoding="utf-8")
    return bad


def counts(db: Database) -> dict[str, int]:
    with db.session() as s:
        return {t.__tablename__: int(s.scalar(select(func.count()).select_from(t)) or 0)
                for t in (Unit, Target, Baseline, Member, Chat)}


def fresh(path: Path) -> tuple[Database, Services]:
    db = Database(f"sqlite:///{path}")
    db.upgrade()
    return db, Services(Settings(_env_file=None, admin_ids=[]), db, lambda: NOW)  # type: ignore[call-arg]


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--communes", type=int, default=100)
    p.add_argument("--villages-per-commune", type=int, default=20)
    p.add_argument("--members-per-village", type=int, default=5)
    args = p.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        (d / "ok").mkdir()
        (d / "bad").mkdir()
        sizes = generate(d / "ok", args.communes, args.villages_per_commune, args.members_per_village)
        print("file set:", ", ".join(f"{k} {v:,}" for k, v in sizes.items()))
        files = [(n, (d / "ok" / n).read_bytes()) for n in FILES]

        db, svc = fresh(d / "bench.db")
        shell = shell_caller(svc.settings)
        t0 = time.perf_counter()
        report = run_import(svc, shell, files)
        first = time.perf_counter() - t0
        assert report.ok and report.committed, report.outcome(limit=10).text("en")
        print(f"import into an empty SQLite database: {first:.2f} s  (goal < 30 s)  -> {counts(db)}")

        before = counts(db)
        t0 = time.perf_counter()
        again = run_import(svc, shell, files)
        second = time.perf_counter() - t0
        assert again.ok and again.changed == 0 and counts(db) == before
        print(f"same files again (idempotent, nothing changed): {second:.2f} s")
        db.dispose()

        expected_bad = spoil(d / "ok", d / "bad")
        db2, svc2 = fresh(d / "bad.db")
        t0 = time.perf_counter()
        bad = run_import(svc2, shell, [(n, (d / "bad" / n).read_bytes()) for n in FILES])
        third = time.perf_counter() - t0
        after = counts(db2)
        print(f"file set with {expected_bad} bad rows: {len(bad.issues)} problems listed in {third:.2f} s, "
              f"rows written: {sum(after.values())}")
        for line in bad.issues_text("en").splitlines()[:8]:
            print("   ", line)
        print(f"    ... ({len(bad.issues) - 8} more)")
        db2.dispose()
        ok = (first < 30 and not bad.ok and sum(after.values()) == 0 and len(bad.issues) >= expected_bad)
        print("OK" if ok else "FAILED")
        return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
