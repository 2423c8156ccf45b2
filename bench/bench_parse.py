"""Parser benchmark: precision over every corpus, then how many chat messages per second
`bot.core.parsing.parse_report` reads.

    python bench/bench_parse.py                    # every corpus, then 10,000 mixed messages
    python bench/bench_parse.py --messages 50000 --units 40

The messages are the shared corpus texts (../shared/corpus/reports.jsonl, or $VNEID_CORPUS_DIR) repeated, plus
generated ones of every kind the bot sees in a commune's group chat: single reports in many spellings
(diacritics or none, NFD, abbreviations, dates, +N, lũy kế), leaders' multi-line tables, slash commands,
errors (unknown unit, negative, future day) and chatter with numbers (times, phone numbers, durations).
The unit list is a commune of ``--units`` villages; the same list object is passed on every call, as the
bot does. Prints messages/s and the total time, wall clock and CPU (goal: well under 1 s for 10,000).

Precision: for each corpus (../shared/corpus/*.jsonl and tests/corpus/*.jsonl) the share of cases parsed as
expected and the count of *silently wrong* results - kind ``report`` where the case is chatter or an error, or
a report whose day, unit, metric or value differs from the expected one. The goal is 0 silently wrong everywhere
(a wrong number in front of a leader is the worst outcome); a report missed (silence or a hint instead) only
costs accuracy.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
import unicodedata
from collections import Counter
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.core.parsing import parse_report  # noqa: E402

CORPUS_DIR = Path(os.environ.get("VNEID_CORPUS_DIR") or ROOT.parent / "shared" / "corpus")
TODAY = date(2025, 8, 14)
NAMES = ["Đồng Tâm", "Đồng Tân", "Nhân Lý", "Thượng", "Trung", "Hạ", "Bãi Sậy", "Nà Pục", "Tân Lập", "Hòa Bình"]


def commune_units(n: int) -> list[str]:
    units = ["Thôn " + x for x in NAMES] + ["TDP 5", "Xóm Bãi", "Bản Nà Pục", "Tổ 7"]
    k = 1
    while len(units) < n:
        units.append(f"Thôn {k}")
        k += 1
    return units[:n]


def corpus_texts() -> list[str]:
    path = CORPUS_DIR / "reports.jsonl"
    if not path.is_file():
        print(f"(corpus not found at {path}: generated messages only)")
        return []
    return [json.loads(line)["text"] for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def strip_marks(s: str) -> str:
    s = s.replace("đ", "d").replace("Đ", "D")
    return "".join(c for c in unicodedata.normalize("NFD", s) if unicodedata.category(c) != "Mn")


def generated(rng: random.Random, units: list[str]) -> str:
    unit = rng.choice(units)
    value = rng.choice([0, 3, 7, 12, 25, 48, 120, 1046])
    kind = rng.random()
    if kind < 0.35:  # one report line, many spellings
        day = rng.choice(["", "hôm nay", "hnay", "hôm qua", "hqua", "ngày 13/8", "14/08/2025"])
        kw = rng.choice(["", "được", "đc", "cài", "kích hoạt", "cài được"])
        metric = rng.choice(["", "mức 2", "m2", "m1", "MỨC 1", "TK ĐDĐT mức 2"])
        plus = "+" if rng.random() < 0.1 else ""
        cum = f", lũy kế {value * 30}/{value * 40}" if rng.random() < 0.2 else ""
        text = f"{unit} {day} {kw} {plus}{value} tk {metric}{cum}"
        if rng.random() < 0.3:
            text = strip_marks(text)
        if rng.random() < 0.1:
            text = unicodedata.normalize("NFD", text)
        return text
    if kind < 0.45:  # a leader's table
        rows = rng.sample(units, k=min(len(units), rng.randint(3, 12)))
        lines = [f"Báo cáo ngày {rng.randint(10, 14)}/8:"]
        for i, u in enumerate(rows, 1):
            cell = "chưa bc" if rng.random() < 0.15 else f"{rng.randint(0, 40)} – LK {rng.randint(100, 900)}"
            lines.append(f"{i}. {u}: {cell}")
        return "\n".join(lines)
    if kind < 0.55:  # commands
        return rng.choice([f"/baocao {value}", f"/baocao {unit} {value} m2", f"/report@VneidTeamBot +{value}",
                           "/baocao", "/tiendo", "/start"])
    if kind < 0.62:  # errors
        return rng.choice([f"Thôn 99: {value}", f"{unit} hôm nay -{value}", f"{unit} ngày 20/8 được {value}",
                           f"{unit} đạt 79,7%", f"Thôn Đồng {value}"])
    return rng.choice([  # chatter
        "ok anh, mai em gửi", "Họp lúc 14h tại nhà văn hóa thôn 3 nhé mọi người", "Mai 7h30 tập trung ở UBND xã",
        "Cảm ơn các đồng chí đã nhiệt tình hỗ trợ bà con 2 ngày qua", "👍", "sđt em 0912 345 678 ạ",
        "Anh ơi cho em hỏi cách cài mức 2 với", "Dạ vâng", "Đã nhận ạ", "Chiều nay 15h30 họp giao ban",
    ])


def corpus_files() -> list[Path]:
    return sorted(CORPUS_DIR.glob("*.jsonl")) + sorted((ROOT / "tests" / "corpus").glob("*.jsonl"))


def score(path: Path) -> tuple[int, int, int, list[str]]:
    """(cases, right, silently wrong, texts of the silently wrong ones) of one corpus file."""
    total = right = wrong = 0
    bad: list[str] = []
    for raw in path.read_text(encoding="utf-8").splitlines():
        if not raw.strip():
            continue
        case = json.loads(raw)
        total += 1
        expect = case["expect"]
        got = parse_report(case["text"], today=date.fromisoformat(case["today"]), units=case["units"])
        if expect.get("not_report") or expect.get("error"):
            wanted = "not_report" if expect.get("not_report") else "error"
            right += got.kind == wanted
            if got.kind == "report":
                wrong += 1
                bad.append(case["text"])
            continue
        if got.kind != "report":
            continue
        lines = [(x.get("unit"), x.get("metric"), x.get("value"), bool(x.get("no_report", False)))
                 for x in expect["lines"]]
        full = [(x.get("unit"), x.get("metric"), x.get("value"), x.get("mode", "set"), x.get("cumulative"),
                 x.get("target"), bool(x.get("no_report", False))) for x in expect["lines"]]
        same_day = got.day == date.fromisoformat(expect["day"])
        if not same_day or [(ln.unit, ln.metric, ln.value, ln.no_report) for ln in got.lines] != lines:
            wrong += 1
            bad.append(case["text"])
        elif [(ln.unit, ln.metric, ln.value, ln.mode, ln.cumulative, ln.target, ln.no_report)
              for ln in got.lines] == full:
            right += 1
    return total, right, wrong, bad


def precision_report(verbose: bool) -> int:
    worst = 0
    for path in corpus_files():
        total, right, wrong, bad = score(path)
        worst += wrong
        rel = path.relative_to(ROOT.parent) if path.is_relative_to(ROOT.parent) else path
        print(f"corpus {rel}: {right}/{total} right ({100 * right / max(total, 1):.1f}%), "
              f"{wrong} silently wrong")
        for text in bad if verbose else bad[:5]:
            print(f"    silently wrong: {text!r}")
    return worst


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--messages", type=int, default=10_000)
    ap.add_argument("--units", type=int, default=30, help="villages in the commune (default 30)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("-v", "--verbose", action="store_true", help="list every silently wrong case")
    args = ap.parse_args()

    precision_report(args.verbose)

    rng = random.Random(args.seed)
    units = commune_units(args.units)
    corpus = corpus_texts()
    messages: list[str] = []
    while len(messages) < args.messages:
        if corpus and rng.random() < 0.3:
            messages.append(rng.choice(corpus))
        else:
            messages.append(generated(rng, units))

    parse_report("warm-up: Thôn 3 hôm nay 12", today=TODAY, units=units)  # unit table cached, as in the bot
    kinds: Counter[str] = Counter()
    t0, c0 = time.perf_counter(), time.process_time()
    for text in messages:
        kinds[parse_report(text, today=TODAY, units=units).kind] += 1
    elapsed, cpu = time.perf_counter() - t0, time.process_time() - c0

    print(f"messages:   {len(messages):,} ({args.units} units; {dict(kinds)})")
    print(f"total:      {elapsed:.3f} s wall, {cpu:.3f} s CPU (the CPU figure is steadier on a busy machine)")
    print(f"throughput: {len(messages) / elapsed:,.0f} messages/s ({elapsed / len(messages) * 1e6:.0f} µs each)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
