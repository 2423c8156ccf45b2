"""Report parser: every case of the shared corpus, then hand-written cases for each feature (DESIGN §4)."""

from __future__ import annotations

import json
import os
import unicodedata
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from bot.core.parsing import ERROR_CODES, ParsedReport, ReportLine, match_unit, normalize, parse_report

# ---------------------------------------------------------------------------------------------
# The shared corpus (../shared/corpus/reports.jsonl, or $VNEID_CORPUS_DIR)
# ---------------------------------------------------------------------------------------------

CORPUS_DIR = Path(os.environ.get("VNEID_CORPUS_DIR") or Path(__file__).resolve().parents[2] / "shared" / "corpus")
CORPUS_FILE = CORPUS_DIR / "reports.jsonl"

# Expectations we believe are wrong: {case id: reason}. Marked xfail, never edited.
CORPUS_XFAIL: dict[str, str] = {}


def _corpus_params() -> list[Any]:
    if not CORPUS_FILE.is_file():
        reason = f"report corpus not found at {CORPUS_FILE} (set VNEID_CORPUS_DIR to its folder)"
        return [pytest.param(None, id="corpus-missing", marks=pytest.mark.skip(reason=reason))]
    params = []
    with CORPUS_FILE.open(encoding="utf-8") as fh:
        for n, raw in enumerate(fh, 1):
            if not raw.strip():
                continue
            case = json.loads(raw)
            cid = str(case.get("id", f"line{n}"))
            marks = [pytest.mark.xfail(reason=CORPUS_XFAIL[cid], strict=True)] if cid in CORPUS_XFAIL else []
            params.append(pytest.param(case, id=cid, marks=marks))
    return params


def _line(d: dict[str, Any]) -> ReportLine:
    return ReportLine(
        unit=d.get("unit"),
        metric=d.get("metric"),
        value=d.get("value"),
        mode=d.get("mode", "set"),
        cumulative=d.get("cumulative"),
        target=d.get("target"),
        no_report=bool(d.get("no_report", False)),
    )


def _is_vietnamese(text: str | None) -> bool:
    """A non-empty text written with Vietnamese diacritics."""
    return text is not None and bool(text.strip()) and unicodedata.normalize("NFD", text) != text


@pytest.mark.parametrize("case", _corpus_params())
def test_corpus(case: dict[str, Any]) -> None:
    result = parse_report(case["text"], today=date.fromisoformat(case["today"]), units=case["units"])
    expect = case["expect"]
    if expect.get("not_report"):
        assert result.kind == "not_report", result
    elif expect.get("error"):
        assert result.kind == "error", result
        assert _is_vietnamese(result.error), result
        assert result.error_code in ERROR_CODES
    else:
        assert result.kind == "report", result
        assert result.day == date.fromisoformat(expect["day"])
        assert result.lines == [_line(x) for x in expect["lines"]]


# ---------------------------------------------------------------------------------------------
# Hand-written cases
# ---------------------------------------------------------------------------------------------

UNITS = [
    "Thôn Đồng Tâm", "Thôn Đồng Tân", "Thôn Nhân Lý", "Thôn 3", "Thôn 5", "TDP 5", "Xóm Bãi", "Bản Nà Pục",
    "Thôn Thượng", "Thôn Trung", "Thôn Hạ", "Tổ 7",
]
TODAY = date(2025, 8, 14)


def R(unit: str | None, value: int, metric: str | None = None, mode: str = "set",
      cum: int | None = None, tgt: int | None = None) -> ReportLine:
    return ReportLine(unit=unit, metric=metric, value=value, mode=mode, cumulative=cum, target=tgt)  # type: ignore[arg-type]


def NR(unit: str | None, metric: str | None = None) -> ReportLine:
    return ReportLine(unit=unit, metric=metric, no_report=True)


def nfd(s: str) -> str:
    return unicodedata.normalize("NFD", s)


D14, D13 = date(2025, 8, 14), date(2025, 8, 13)
TABLE_12 = "\n".join([
    "Báo cáo kết quả ngày 13/8:",
    "1. Thôn Đồng Tâm: 12 – LK 640 (81%)",
    "2. Thôn Đồng Tân: 9",
    "3. Thôn Nhân Lý: 7",
    "4. Thôn 3: 0",
    "5. Thôn 5: chưa bc",
    "6. TDP 5: 11 (lũy kế 412/530)",
    "7. Xóm Bãi: 18",
    "8. Bản Nà Pục: 3",
    "9. Thôn Thượng: 25",
    "10. Thôn Trung: 18",
    "11. Thôn Hạ: chưa báo cáo",
    "12. Tổ 7: 1.046",
    "Tổng: 1.149",
])
TABLE_12_LINES = [
    R("Thôn Đồng Tâm", 12, cum=640), R("Thôn Đồng Tân", 9), R("Thôn Nhân Lý", 7), R("Thôn 3", 0), NR("Thôn 5"),
    R("TDP 5", 11, cum=412, tgt=530), R("Xóm Bãi", 18), R("Bản Nà Pục", 3), R("Thôn Thượng", 25),
    R("Thôn Trung", 18), NR("Thôn Hạ"), R("Tổ 7", 1046),
]

# (id, text, expected) — expected: "not_report", ("error", code), or (day, [lines])
CASES: list[tuple[str, str, Any]] = [
    # --- Unicode forms
    ("nfd", nfd("Thôn Đồng Tâm hôm nay cài 12 mức 2"), (D14, [R("Thôn Đồng Tâm", 12, "l2")])),
    ("nfd-unit-only", nfd("Thôn Nhân Lý: 7 tài khoản"), (D14, [R("Thôn Nhân Lý", 7)])),
    ("eth-u00d0", "Thôn \u00d0ồng Tâm: 5 tk", (D14, [R("Thôn Đồng Tâm", 5)])),
    ("eth-upper", "TH\u00d4N \u00d0\u1ed2NG T\u00c2N 7 TK M\u1ee8C 2", (D14, [R("Thôn Đồng Tân", 7, "l2")])),
    ("eth-in-keyword", "Thôn 3 \u00d0D\u00d0T 4", (D14, [R("Thôn 3", 4)])),
    ("zero-width", "Thôn\u200b Nhân\u200c Lý: 1\u200b2 tk\ufeff", (D14, [R("Thôn Nhân Lý", 12)])),
    ("zero-width-keyword", "Thôn 3 hôm nay 6 t\u200dk m\u20602", (D14, [R("Thôn 3", 6, "l2")])),
    ("no-diacritics-upper", "THON DONG TAM HOM NAY 12 MUC 2", (D14, [R("Thôn Đồng Tâm", 12, "l2")])),
    ("mixed-case", "tHôN đỒnG tÂn: 3", (D14, [R("Thôn Đồng Tân", 3)])),
    # --- numbers
    ("thousands-space", "Thôn Đồng Tâm cài được 1 046 tk", (D14, [R("Thôn Đồng Tâm", 1046)])),
    ("thousands-nbsp", "Thôn 3: 1\u00a0046 tk", (D14, [R("Thôn 3", 1046)])),
    ("thousands-dot-cum", "Thôn 5 hôm nay 12, lũy kế 1.046/1.312",
     (D14, [R("Thôn 5", 12, cum=1046, tgt=1312)])),
    ("leading-zero", "Thôn 3: 05 tk", (D14, [R("Thôn 3", 5)])),
    ("decimal-not-count", "Thôn 3 hôm nay 4,5 tk", ("error", "bad_number")),
    ("percent-only", "Thôn 5 đạt 79,7% kế hoạch", ("error", "no_value")),
    ("percent-beside-figure", "Thôn 5 hôm nay 9 tk, đạt 79,7%", (D14, [R("Thôn 5", 9)])),
    ("percent-integer", "Thôn Trung: 18 tk (76%)", (D14, [R("Thôn Trung", 18)])),
    ("phone-beside-figure", "Thôn 3 hôm nay 5 tk, cần hỗ trợ gọi 0912 345 678", (D14, [R("Thôn 3", 5)])),
    ("phone-only", "Thôn 3 cần hỗ trợ cài tk gọi 0912345678", "not_report"),
    ("glued-metric", "Thôn 3 12m2", (D14, [R("Thôn 3", 12, "l2")])),
    ("area-chatter", "Nhà văn hóa rộng 50m2, giá 2 tỷ", "not_report"),
    ("negative", "Thôn 5: -2 tk", ("error", "negative")),
    ("negative-minus-sign", "Thôn 5 hôm nay \u22122", ("error", "negative")),
    ("dash-separator", "Thôn 3 – 12 tk", (D14, [R("Thôn 3", 12)])),
    # --- abbreviations, keywords, metrics
    ("abbr-hnay-dc-tk", "thôn 5 bc hnay đc 6 tk", (D14, [R("Thôn 5", 6)])),
    ("abbr-upper-tk-lk", "TDP 5 HNAY 3 TK, LK 210", (D14, [R("TDP 5", 3, cum=210)])),
    ("abbr-dddt", "Thôn 3 ĐDĐT 5", (D14, [R("Thôn 3", 5)])),
    ("abbr-muc-glued", "muc1 3 muc2 5", (D14, [R(None, 3, "l1"), R(None, 5, "l2")])),
    ("metric-colon", "Thôn 5 m1: 4; m2: 9", (D14, [R("Thôn 5", 4, "l1"), R("Thôn 5", 9, "l2")])),
    ("metric-after", "Thôn Hạ được 4 mức 1, 6 mức 2", (D14, [R("Thôn Hạ", 4, "l1"), R("Thôn Hạ", 6, "l2")])),
    ("metric-unknown", "Thôn 3 hôm nay mức 3: 4", ("error", "unknown_metric")),
    ("metric-mismatch", "Thôn 3 m1 4 m2", ("error", "bad_line")),
    ("two-figures", "Thôn 3 hôm nay 4 tk 6 tk", ("error", "bad_line")),
    ("add-plus", "Thôn 3 +5 tk", (D14, [R("Thôn 3", 5, mode="add")])),
    ("add-them", "thêm 3 tk m2", (D14, [R(None, 3, "l2", mode="add")])),
    ("add-two-metrics", "Thôn 3 hôm nay +5 tk m1, +3 m2",
     (D14, [R("Thôn 3", 5, "l1", mode="add"), R("Thôn 3", 3, "l2", mode="add")])),
    ("zero", "Thôn 3 hôm nay 0 tk", (D14, [R("Thôn 3", 0)])),
    ("zero-ko-co", "Thôn 3 hôm nay ko có tk nào", (D14, [R("Thôn 3", 0)])),
    ("zero-khong-phat-sinh", "Xóm Bãi: không phát sinh", (D14, [R("Xóm Bãi", 0)])),
    # --- days
    ("date-full", "Thôn 3 ngày 14/08/2025 được 5 tk", (D14, [R("Thôn 3", 5)])),
    ("date-bare", "13/8 Thôn 5: 3 tk", (D13, [R("Thôn 5", 3)])),
    ("date-words", "Thôn 3 ngày 12 tháng 8 được 9 tk", (date(2025, 8, 12), [R("Thôn 3", 9)])),
    ("date-dots", "Thôn 3 ngày 12.8 được 9 tk", (date(2025, 8, 12), [R("Thôn 3", 9)])),
    ("date-other-year", "Thôn 3 ngày 30/12/2024: 4 tk", (date(2024, 12, 30), [R("Thôn 3", 4)])),
    ("date-two-digit-year", "Thôn 3 13/8/25: 4 tk", (D13, [R("Thôn 3", 4)])),
    ("hqua", "Xóm Bãi hqua 6 tk", (D13, [R("Xóm Bãi", 6)])),
    ("hkia", "Thôn 3 hôm kia 4 tk", (date(2025, 8, 12), [R("Thôn 3", 4)])),
    ("same-day-twice", "hôm nay 14/8 thôn 3 được 2 tk", (D14, [R("Thôn 3", 2)])),
    ("future-date", "Thôn 3 ngày 15/8: 2", ("error", "future_day")),
    ("future-year", "Thôn 3 14/08/2026 được 2 tk", ("error", "future_day")),
    ("future-ngay-mai", "ngày mai thôn 3 cài 10 tk", ("error", "future_day")),
    ("bad-date", "Thôn 3 ngày 31/2 được 5 tk", ("error", "bad_date")),
    ("mixed-days", "Thôn 3 hôm qua 5, hôm nay 7", ("error", "bad_date")),
    # --- times are never counts
    ("time-17h", "đến 17h thôn 3 được 12 tk", (D14, [R("Thôn 3", 12)])),
    ("time-7h30", "7h30 sáng nay thôn 5 cài 3 tk", (D14, [R("Thôn 5", 3)])),
    ("time-after", "Thôn 3 hôm nay 8 tk, 14h họp tiếp", (D14, [R("Thôn 3", 8)])),
    ("time-colon", "Tính đến 16:30 thôn 3 được 4 tk", (D14, [R("Thôn 3", 4)])),
    ("chatter-14h", "Họp lúc 14h", "not_report"),
    ("chatter-14h-unit", "Họp lúc 14h tại thôn 5", "not_report"),
    ("chatter-7h30", "Mai 7h30 họp ở thôn 3 nhé", "not_report"),
    ("chatter-17h30", "17h30 thôn 3 tập trung cài tk", "not_report"),
    # --- chatter
    ("chatter-2-ngay", "Cảm ơn các đồng chí 2 ngày qua đã vất vả", "not_report"),
    ("chatter-duration", "3 ngày nữa thôn 3 cài xong tk", "not_report"),
    ("chatter-phone", "sđt của em 0987 654 321", "not_report"),
    ("chatter-thanks", "Cảm ơn cả nhà 🙏", "not_report"),
    ("chatter-number", "12", "not_report"),
    ("chatter-weekday", "thứ 2 tuần sau họp thôn 3 nhé", "not_report"),
    ("chatter-question", "Thôn Hạ chưa bc?", "not_report"),
    ("chatter-url", "xem https://vneid.gov.vn/huong-dan-2025", "not_report"),
    # --- units
    ("unit-lower-ascii", "xom bai 3 tk", (D14, [R("Xóm Bãi", 3)])),
    ("unit-tdp-glued", "tdp5 3 tk", (D14, [R("TDP 5", 3)])),
    ("unit-tdp-long", "Tổ dân phố 5: 3 tk", (D14, [R("TDP 5", 3)])),
    ("unit-so", "thôn số 3: 4 tk", (D14, [R("Thôn 3", 4)])),
    ("unit-without-kind", "Nà Pục hôm nay 2 tk", (D14, [R("Bản Nà Pục", 2)])),
    ("unit-after-figure", "12 tk thôn Trung", (D14, [R("Thôn Trung", 12)])),
    ("unit-own-pronoun", "thôn mình hôm nay cài được 5 tk", (D14, [R(None, 5)])),
    ("unit-unknown-number", "Thôn 99: 5", ("error", "unknown_unit")),
    ("unit-unknown-name", "Xóm Mới hôm nay 3 tk", ("error", "unknown_unit")),
    ("unit-longer-name", "Thôn Hạ Long 5 tk", ("error", "unknown_unit")),
    ("unit-ambiguous-prefix", "Thôn Đồng: 5 tk", ("error", "ambiguous_unit")),
    ("unit-hyphen", "Thôn 3-12 tk", (D14, [R("Thôn 3", 12)])),
    ("unit-short-names", "Thượng: 25\nTrung: 18\nHạ: chưa bc", (D14, [R("Thôn Thượng", 25), R("Thôn Trung", 18), NR("Thôn Hạ")])),
    ("unit-url-ignored", "Thôn 3 xem https://vneid.gov.vn/abc123 hôm nay 5 tk", (D14, [R("Thôn 3", 5)])),
    # --- several units, tables
    ("commas", "Thôn Thượng 25, Thôn Trung 18, Thôn Hạ chưa bc",
     (D14, [R("Thôn Thượng", 25), R("Thôn Trung", 18), NR("Thôn Hạ")])),
    ("semicolons", "Thôn 3: 5; Thôn 5: 6", (D14, [R("Thôn 3", 5), R("Thôn 5", 6)])),
    ("shared-metric-prefix", "m2: Thôn 3 12, Thôn 5 9", (D14, [R("Thôn 3", 12, "l2"), R("Thôn 5", 9, "l2")])),
    ("numbered-paren", "1) Thôn 3: 5\n2) Thôn 5: 6", (D14, [R("Thôn 3", 5), R("Thôn 5", 6)])),
    ("bullets-dash", "- Thôn 3: 5\n- Thôn 5: 6", (D14, [R("Thôn 3", 5), R("Thôn 5", 6)])),
    ("bullets-dot", "• Thôn 3: 5\n• Thôn 5: +6", (D14, [R("Thôn 3", 5), R("Thôn 5", 6, mode="add")])),
    ("tab-table", "1\tThôn 3\t12\n2\tThôn 5\t9", (D14, [R("Thôn 3", 12), R("Thôn 5", 9)])),
    ("table-12-lines", TABLE_12, (D13, TABLE_12_LINES)),
    ("no-report-single", "Thôn Hạ chưa báo cáo", (D14, [NR("Thôn Hạ")])),
    ("no-report-prefix", "Chưa bc: Thôn Hạ, Thôn Trung", (D14, [NR("Thôn Hạ"), NR("Thôn Trung")])),
    ("header-then-metrics", "Thôn 5 hôm qua\nm1 4\nm2 9", (D13, [R("Thôn 5", 4, "l1"), R("Thôn 5", 9, "l2")])),
    ("cumulative-next-line", "Thôn 3: 12 tk\nLũy kế 412/530", (D14, [R("Thôn 3", 12, cum=412, tgt=530)])),
    ("day-from-header", "14/8\nThôn 3 5 tk\nThôn 5 6 tk", (D14, [R("Thôn 3", 5), R("Thôn 5", 6)])),
    ("cumulative-per-metric", "Kết quả ngày 13/8 thôn Trung: M1: 5, M2: 12. LK M2: 402/600",
     (D13, [R("Thôn Trung", 5, "l1"), R("Thôn Trung", 12, "l2", cum=402, tgt=600)])),
    ("remaining-not-count", "Thôn 3 hôm nay cài 12 tk, còn lại 20 người chưa cài", (D14, [R("Thôn 3", 12)])),
    ("chatter-remaining", "Thôn 3 còn 20 người chưa cài", "not_report"),
    ("signature-ignored", "Thôn 3: 12 tk\nNgười báo cáo: Lan, sđt 0912345678",
     (D14, [R("Thôn 3", 12)])),
    ("multi-bad-line", "Thôn 3: 5\nThôn 5: 6\nThôn 99: 7", ("error", "unknown_unit")),
    ("multi-negative-line", "Thôn 3: 5\nThôn 5: -6", ("error", "negative")),
    ("multi-duplicate", "Thôn 3 hôm nay 12 tk\nThôn 3 hôm nay 15 tk", ("error", "duplicate")),
    ("multi-header-without-figure", "Thôn 3: 5\nThôn 5 hôm nay", ("error", "no_value")),
    # --- commands
    ("cmd-unit-day-metric", "/baocao Thôn 5 hqua 4 m1", (D13, [R("Thôn 5", 4, "l1")])),
    ("cmd-botname-add", "/report@VneidTeamBot +2", (D14, [R(None, 2, mode="add")])),
    ("cmd-upper", "/BaoCao 3", (D14, [R(None, 3)])),
    ("cmd-zero-width", "/baocao\u200b 7 tk", (D14, [R(None, 7)])),
    ("cmd-multiline", "/baocao@SomeBot\nThôn 3: 5\nThôn 5: 6", (D14, [R("Thôn 3", 5), R("Thôn 5", 6)])),
    ("cmd-alone", "/baocao", ("error", "usage")),
    ("cmd-botname-alone", "/baocao@SomeBot", ("error", "usage")),
    ("cmd-garbage", "/baocao xin chào cả nhà", ("error", "usage")),
    ("cmd-unit-no-value", "/baocao Thôn 3", ("error", "no_value")),
    ("cmd-unknown-unit", "/baocao Thôn 42 5", ("error", "unknown_unit")),
]


@pytest.mark.parametrize(("text", "expected"), [pytest.param(t, e, id=i) for i, t, e in CASES])
def test_own_cases(text: str, expected: Any) -> None:
    result = parse_report(text, today=TODAY, units=UNITS)
    _check(result, expected)


def _check(result: ParsedReport, expected: Any) -> None:
    if expected == "not_report":
        assert result.kind == "not_report", result
        assert result.lines == [] and result.error is None
    elif expected[0] == "error":
        assert result.kind == "error", result
        assert result.error_code == expected[1], result
        assert _is_vietnamese(result.error), result
        assert result.lines == [] and result.day is None
    else:
        day, lines = expected
        assert result.kind == "report", result
        assert result.day == day
        assert result.lines == lines
        assert result.error is None and result.error_code is None


def test_own_cases_count() -> None:
    assert len(CASES) >= 60
    assert len({c[0] for c in CASES}) == len(CASES), "case ids must be unique"


# --- cases that need another `today`, other units or metrics -------------------------------------


@pytest.mark.parametrize(
    ("today", "text", "expected"),
    [
        pytest.param(date(2025, 9, 1), "Xóm Bãi hqua 6 tk", (date(2025, 8, 31), [R("Xóm Bãi", 6)]), id="hqua-month"),
        pytest.param(date(2026, 1, 1), "hôm qua thôn 3 cài 2 tk", (date(2025, 12, 31), [R("Thôn 3", 2)]),
                     id="hqua-year"),
        pytest.param(date(2024, 3, 1), "thôn 3 hqua 2 tk", (date(2024, 2, 29), [R("Thôn 3", 2)]), id="hqua-leap"),
        pytest.param(date(2026, 1, 2), "Thôn 3 ngày 31/12: 4 tk", (date(2025, 12, 31), [R("Thôn 3", 4)]),
                     id="date-last-year-no-year"),
        pytest.param(date(2025, 8, 14), "Thôn 3 ngày 14/8/2024: 4 tk", (date(2024, 8, 14), [R("Thôn 3", 4)]),
                     id="date-year-before"),
    ],
)
def test_other_days(today: date, text: str, expected: Any) -> None:
    _check(parse_report(text, today=today, units=UNITS), expected)


def test_extra_metric() -> None:
    result = parse_report("Thôn 3 mức 3: 4", today=TODAY, units=UNITS, metrics=("l1", "l2", "l3"))
    _check(result, (D14, [R("Thôn 3", 4, "l3")]))


def test_same_name_different_diacritics() -> None:
    units = ["Thôn Đông", "Thôn Đồng", "Thôn 3"]
    _check(parse_report("Thôn Đồng: 5 tk", today=TODAY, units=units), (D14, [R("Thôn Đồng", 5)]))
    _check(parse_report("Thôn Đông: 5 tk", today=TODAY, units=units), (D14, [R("Thôn Đông", 5)]))
    _check(parse_report("thon dong: 5 tk", today=TODAY, units=units), ("error", "ambiguous_unit"))


def test_no_units_at_all() -> None:
    _check(parse_report("cài được 4 tk", today=TODAY, units=[]), (D14, [R(None, 4)]))
    _check(parse_report("Thôn 3: 4 tk", today=TODAY, units=[]), ("error", "unknown_unit"))


def test_error_details() -> None:
    r = parse_report("Thôn 3 hôm nay 12 mức 2\nThôn 99: 5", today=TODAY, units=UNITS)
    assert (r.kind, r.error_code, r.error_line) == ("error", "unknown_unit", 2)
    assert r.error is not None and "Thôn 99" in r.error and "Dòng 2" in r.error
    r = parse_report("Thôn Đồng 12", today=TODAY, units=UNITS)
    assert r.error_code == "ambiguous_unit" and r.error_line is None
    assert r.error is not None and "Thôn Đồng Tâm" in r.error and "Thôn Đồng Tân" in r.error
    r = parse_report("Thôn 3 ngày 20/8 được 5", today=TODAY, units=UNITS)
    assert r.error_code == "future_day" and r.error is not None and "20/08/2025" in r.error
    r = parse_report("/baocao", today=TODAY, units=UNITS)
    assert r.is_command and r.error is not None and "/baocao" in r.error
    r = parse_report(TABLE_12.replace("Thôn Trung: 18", "Thôn Trung: 18 m7"), today=TODAY, units=UNITS)
    assert (r.error_code, r.error_line) == ("unknown_metric", 11)


def test_command_flags() -> None:
    assert parse_report("/start", today=TODAY, units=UNITS) == ParsedReport(kind="not_report", is_command=True)
    assert parse_report("/tiendo Thôn 3", today=TODAY, units=UNITS).is_command
    assert parse_report("/baocao 5", today=TODAY, units=UNITS).is_command
    assert not parse_report("Thôn 3: 5", today=TODAY, units=UNITS).is_command


# --- the helpers other modules reuse ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Thôn Đồng Tâm", "thon dong tam"),
        (nfd("Thôn Đồng Tâm"), "thon dong tam"),
        ("\u00d0ỒNG  TÂM\u200b", "dong tam"),
        ("  Bản\tNà\nPục ", "ban na puc"),
        ("Lũy kế", "luy ke"),
    ],
)
def test_normalize(text: str, expected: str) -> None:
    assert normalize(text) == expected


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Thôn 3", ["Thôn 3"]),
        ("thon dong tam", ["Thôn Đồng Tâm"]),
        ("ĐỒNG TÂM", ["Thôn Đồng Tâm"]),
        ("thôn Đồng", ["Thôn Đồng Tâm", "Thôn Đồng Tân"]),
        ("tổ dân phố 5", ["TDP 5"]),
        ("5", ["Thôn 5", "TDP 5"]),
        ("Thôn 99", []),
        ("", []),
    ],
)
def test_match_unit(name: str, expected: list[str]) -> None:
    assert match_unit(name, UNITS) == expected


def test_metric_words_from_the_database() -> None:
    words = {"bdhvs": ["bình dân học vụ số", "bdhvs"], "sk": ["sổ sức khỏe điện tử"]}
    r = parse_report("Thôn 3 hôm nay 12 bình dân học vụ số", today=TODAY, units=UNITS, metric_words=words)
    _check(r, (D14, [R("Thôn 3", 12, "bdhvs")]))
    r = parse_report("thon 3 binh dan hoc vu so: 7, m2 4", today=TODAY, units=UNITS, metric_words=words)
    _check(r, (D14, [R("Thôn 3", 7, "bdhvs"), R("Thôn 3", 4, "l2")]))
    r = parse_report("Thôn 3 BDHVS 5", today=TODAY, units=UNITS, metric_words=words)
    _check(r, (D14, [R("Thôn 3", 5, "bdhvs")]))
    r = parse_report("Thôn 3 Sổ sức khỏe điện tử 9", today=TODAY, units=UNITS, metric_words=words)
    _check(r, (D14, [R("Thôn 3", 9, "sk")]))
    # without the vocabulary the same text is not that metric; built-in words keep working with it
    r = parse_report("Thôn 3 hôm nay 12 bình dân học vụ số", today=TODAY, units=UNITS)
    assert r.kind != "report" or r.lines[0].metric != "bdhvs"
    _check(parse_report("Thôn 3 hôm nay 12 mức 2", today=TODAY, units=UNITS, metric_words=words),
           (D14, [R("Thôn 3", 12, "l2")]))
    # bad vocabulary never breaks parsing
    bad: Any = {"x": "not a list", 3: ["y"], "z": [None, ""]}
    _check(parse_report("Thôn 3 hôm nay 12 mức 2", today=TODAY, units=UNITS, metric_words=bad),
           (D14, [R("Thôn 3", 12, "l2")]))


def test_figure_then_cumulative_keyword_then_its_value() -> None:
    # "N lũy kế" is a cumulative only when no value follows the keyword ("0 lũy kế 0/0": 0 today, LK 0/0)
    _check(parse_report("Thôn 3 5 lũy kế 412/530", today=TODAY, units=UNITS),
           (D14, [R("Thôn 3", 5, cum=412, tgt=530)]))
    _check(parse_report("Thôn 3 hôm nay 9, 1.204 lũy kế", today=TODAY, units=UNITS),
           (D14, [R("Thôn 3", 9, cum=1204)]))


def test_short_forms_issue_17_9() -> None:
    units = ["Thôn 1", "Thôn 2", "Thôn 3", "Xóm 4"]
    _check(parse_report("th3 hnay 5", today=TODAY, units=units), (D14, [R("Thôn 3", 5)]))
    _check(parse_report("T1 10 T2 7", today=TODAY, units=units), (D14, [R("Thôn 1", 10), R("Thôn 2", 7)]))
    # the member's village determines the unit: a bare figure is theirs
    for text, value in (("12", 12), ("hôm nay 6", 6), ("hqua: 5 tk", 5)):
        r = parse_report(text, today=TODAY, units=units, unit_known=True)
        assert r.kind == "report" and [ln.value for ln in r.lines] == [value] and r.lines[0].unit is None
    # otherwise a hint (a lone "12" stays silent: it answers anything)
    r = parse_report("hôm nay 6", today=TODAY, units=units)
    assert (r.kind, r.error_code) == ("error", "no_unit")
    assert parse_report("12", today=TODAY, units=units).kind == "not_report"
    # a bare figure with something else around it is not bare
    for text in ("12 người", "mai 6", "ok 2", "phòng 12"):
        assert parse_report(text, today=TODAY, units=units, unit_known=True).kind == "not_report", text
    # "T3" is ambiguous when both Thôn 3 and Tổ 3 exist
    r = parse_report("T3 10", today=TODAY, units=["Thôn 3", "Tổ 3"])
    assert r.kind == "error"


def test_one_letter_off_suggests_never_stores() -> None:
    r = parse_report("Thôn Nhân Lí: 5", today=TODAY, units=UNITS)
    assert (r.kind, r.error_code) == ("error", "unknown_unit")
    assert r.error is not None and "Thôn Nhân Lý" in r.error and "«Thôn Nhân Lí»" in r.error


def test_precheck_needles_cover_their_patterns() -> None:
    # the cheap substring tests in front of the context regexes never hide a match
    import bot.core.parsing.tokens as p

    groups = (
        (p._TARGET_NEEDLES, p._TARGET_RE, ["ke hoach thang 9 la 250", "chi tieu 300", "muc tieu 3", "hotline 1900",
                                           "so dien thoai 0912", "lien he 0912", "goi 0912", "phan dau 100", "kh 5"]),
        (p._REF_NEEDLES, p._REF_RE, ["quyet dinh 15", "nghi dinh 13", "thong tu 01", "de an 06", "qd 757", "nd 13",
                                     "van ban 5", "so 7", "ma 5678", "otp 1234", "cccd 0340", "can cuoc 0340",
                                     "cong van 45", "cv 45", "211/kh"]),
        (p._PLAN_NEEDLES, p._PLAN_RE, ["mai 5", "se lam 5", "du kien 5", "tuan sau 5", "thang sau 5", "sap 5",
                                       "dang ky 5", "5 nua", "hop 5"]),
    )
    for needles, pattern, texts in groups:
        for text in texts:
            assert pattern.search(text) and p._has_any(text, needles), text


def test_total_then_breakdown() -> None:
    # "trong đó" parts that add up to the total: the parts are the figures; otherwise a hint, never a guess
    _check(parse_report("Thôn 3 hôm nay được 8 tk, trong đó mức 2: 5, mức 1: 3", today=TODAY, units=UNITS),
           (D14, [R("Thôn 3", 5, "l2"), R("Thôn 3", 3, "l1")]))
    _check(parse_report("Thôn 3: 12 tk trong đó 4 mức 1, 8 mức 2", today=TODAY, units=UNITS),
           (D14, [R("Thôn 3", 4, "l1"), R("Thôn 3", 8, "l2")]))
    assert parse_report("Thôn 3 hôm nay được 8 tk, trong đó mức 2: 5, mức 1: 4", today=TODAY,
                        units=UNITS).kind == "error"
    assert parse_report("Thôn 3 8 tk trong đó 5 mức 2", today=TODAY, units=UNITS).kind == "error"


@pytest.mark.parametrize("text", [
    "Thôn 3 tuần này được 45 tk", "Thôn 3 tháng 8 được 120 tk", "Thôn 3 năm 2025 được 300 tk",
    "Thôn 3 từ đầu đợt đến nay được 120 tk",  # another period than the day
    "Thôn 3 giao 50 tk", "Thôn 3 còn thiếu 50 tk", "Thôn 3 cần 20 tk",  # "tk" after a verb of needing/assigning
])
def test_not_a_daily_figure_even_with_tk(text: str) -> None:
    assert parse_report(text, today=TODAY, units=UNITS).kind != "report"


def test_daily_figure_with_tk_after_a_weak_verb() -> None:
    _check(parse_report("Thôn 3 hôm nay có 12 tk", today=TODAY, units=UNITS), (D14, [R("Thôn 3", 12)]))
    _check(parse_report("Thôn 3 ngày 13 tháng 8: 5 tk", today=TODAY, units=UNITS),
           (date(2025, 8, 13), [R("Thôn 3", 5)]))


@pytest.mark.parametrize("text", [
    "Thôn 3 hôm nay 30 độ nắng quá", "Thôn 5 bị lỗi 3 tài khoản", "Anh ơi Thôn 3 hôm qua 6 hay 8 ạ?",
    "Thôn 3 hôm nay 12 tk?",  # a question is never stored
])
def test_more_numbers_that_are_not_daily_figures(text: str) -> None:
    assert parse_report(text, today=TODAY, units=UNITS).kind != "report"


def test_explanations_in_english_from_the_catalog() -> None:
    from bot.texts import CATALOG

    r = parse_report("Xóm Quê: 4", today=TODAY, units=UNITS, lang="en")
    assert r.error_code == "unknown_unit" and r.error is not None and r.error.startswith("No unit «Xóm Quê»")
    r = parse_report("Thôn 3 hôm nay 12 mức 2\nThôn 99: 5", today=TODAY, units=UNITS, lang="en")
    assert r.error is not None and r.error.startswith("Line 2 («Thôn 99: 5»): No unit «Thôn 99»")
    assert parse_report("hôm nay 6", today=TODAY, units=UNITS, lang="en").error == CATALOG["en"]["prs.no_unit"].format(
        ex=UNITS[0])
    # every parser text exists in both languages
    prs = {k for k in CATALOG["vi"] if k.startswith("prs.")}
    assert prs and prs == {k for k in CATALOG["en"] if k.startswith("prs.")}


def test_explanations_of_own_unit_lines_and_examples_without_units_come_from_the_catalog() -> None:
    # two lines without a unit name for the same metric: the reporter's own unit, named in the reader's language
    en = parse_report("m2 5\nm2 6", today=TODAY, units=UNITS, unit_known=True, lang="en")
    assert en.error_code == "duplicate" and en.error is not None
    assert en.error.startswith("Line 2 («m2 6»): Your unit is reported twice in one message.")
    vi = parse_report("m2 5\nm2 6", today=TODAY, units=UNITS, unit_known=True)
    assert vi.error is not None and vi.error.startswith("Dòng 2 («m2 6»): Đơn vị của bạn được báo hai lần")
    # no unit the reporter may name: the examples use the catalog's example unit
    r = parse_report("Thôn 3 hôm nay -4", today=TODAY, units=[], lang="en")
    assert r.error_code == "unknown_unit" and r.error is not None and "«Thôn 3 hôm nay 12 mức 2»" in r.error
