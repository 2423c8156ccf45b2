"""Property tests of the report parser (hypothesis)."""

from __future__ import annotations

import unicodedata
from datetime import date
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.core.parsing import ERROR_CODES, ParsedReport, match_unit, normalize, parse_report

UNITS = [
    "Thôn Đồng Tâm", "Thôn Đồng Tân", "Thôn Nhân Lý", "Thôn 3", "Thôn 5", "TDP 5", "Xóm Bãi", "Bản Nà Pục",
    "Thôn Thượng", "Thôn Trung", "Thôn Hạ", "Tổ 7",
]
TODAY = date(2025, 8, 14)

PROPS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# words people type in these groups, to reach deep into the parser more often than random text does
VOCAB = [
    *UNITS, "thôn", "Thôn 99", "Thôn Đồng", "xóm", "tổ", "bản", "tdp5", "thôn mình", "Xã", "hôm nay", "hnay",
    "hôm qua", "hqua", "hkia", "ngày mai", "ngày", "14/8", "ngày 13/8", "20/8", "31/2", "14/08/2025", "12/30",
    "được", "đc", "cài", "kích hoạt", "tk", "TK", "tài khoản", "ĐDĐT", "bc", "báo cáo", "chưa bc", "chưa báo cáo",
    "chưa có", "ko có", "không phát sinh", "mức 1", "mức 2", "mức 3", "m1", "m2", "MỨC 2", "lk", "LK", "lũy kế",
    "Tổng:", "tổng", "+", "-", "−", "–", "+5", "-3", "0", "7", "12", "1.046", "1 046", "1.312", "412/530", "79,7%",
    "4,5", "80%", "17h", "7h30", "16:30", "0912 345 678", "0912345678", "2 ngày", "50m2", "12m2", "lúc", "thêm",
    ":", ",", ";", "(", ")", "?", "\n", "\n", "1.", "2)", "•", "\t", "ạ", "nhé", "/baocao", "/report@Bot", "/start",
    "https://x.vn/a1", "\u200b", "\u00d0", "\ufeff", "\u0301", "👍",
]
vocab_text = st.lists(st.sampled_from(VOCAB), max_size=40).map(" ".join)
any_text = st.one_of(st.text(max_size=4096), vocab_text, st.lists(st.sampled_from(VOCAB), max_size=12).map("".join))
any_units = st.one_of(st.just(UNITS), st.lists(st.text(max_size=30), max_size=40), st.lists(st.sampled_from(VOCAB), max_size=10))
any_metrics = st.one_of(st.just(("l1", "l2")), st.lists(st.text(max_size=6), max_size=4).map(tuple))


def check_invariants(r: ParsedReport, today: date) -> None:
    assert r.kind in ("report", "not_report", "error")
    if r.kind == "report":
        assert r.day is not None and r.day <= today
        assert r.lines and r.error is None and r.error_code is None
        for line in r.lines:
            if line.no_report:
                assert line.value is None
            else:
                assert isinstance(line.value, int) and line.value >= 0
            assert line.mode in ("set", "add")
            assert line.cumulative is None or (isinstance(line.cumulative, int) and line.cumulative >= 0)
    elif r.kind == "error":
        assert r.lines == [] and r.day is None
        assert r.error and r.error.strip()
        assert r.error_code in ERROR_CODES
        assert r.error_line is None or r.error_line >= 1
    else:
        assert r.lines == [] and r.day is None and r.error is None and r.error_code is None


@PROPS
@given(text=any_text, units=any_units, today=st.dates(), metrics=any_metrics)
def test_never_raises_and_well_formed(text: str, units: list[str], today: date, metrics: tuple[str, ...]) -> None:
    r = parse_report(text, today=today, units=units, metrics=metrics)
    check_invariants(r, today)
    if r.kind == "report":
        for line in r.lines:
            assert line.unit is None or line.unit in units
            assert line.metric is None or line.metric in metrics


@PROPS
@given(text=any_text, units=any_units)
def test_nfc_and_nfd_agree(text: str, units: list[str]) -> None:
    nfc = parse_report(unicodedata.normalize("NFC", text), today=TODAY, units=units)
    nfd = parse_report(unicodedata.normalize("NFD", text), today=TODAY, units=units)
    assert nfc == nfd


@PROPS
@given(name=st.one_of(st.text(max_size=60), st.sampled_from(VOCAB)), units=any_units)
def test_helpers_never_raise(name: str, units: list[str]) -> None:
    found = match_unit(name, units)
    assert all(u in units for u in found)
    n = normalize(name)
    assert n == n.strip() and "  " not in n and n == n.lower()
    assert normalize(n) == n
    assert normalize(unicodedata.normalize("NFD", name)) == n


# --- generated reports ----------------------------------------------------------------------------


def strip_diacritics(text: str) -> str:
    """What a phone without a Vietnamese keyboard sends."""
    text = text.replace("đ", "d").replace("Đ", "D").replace("\u00d0", "D")
    return "".join(c for c in unicodedata.normalize("NFD", text) if unicodedata.category(c) != "Mn")


def _case(draw: Any, unit: str) -> str:
    how = draw(st.sampled_from(["as is", "upper", "lower"]))
    return unit.upper() if how == "upper" else unit.lower() if how == "lower" else unit


def _value(draw: Any) -> str:
    v = draw(st.integers(min_value=0, max_value=5000))
    if v >= 1000 and draw(st.booleans()):
        sep = draw(st.sampled_from([".", " ", "\u00a0"]))
        return f"{v // 1000}{sep}{v % 1000:03d}"
    return str(v)


@st.composite
def report_line(draw: Any, unit: str) -> str:
    parts = [_case(draw, unit) + draw(st.sampled_from(["", ":", " -"]))]
    parts.append(draw(st.sampled_from(["", "được", "đc", "cài", "cài được", "kích hoạt", "ĐDĐT"])))
    parts.append(draw(st.sampled_from(["", "+", "+ "])) + _value(draw))
    parts.append(draw(st.sampled_from(["", "tk", "TK", "tài khoản"])))
    parts.append(draw(st.sampled_from(["", "mức 1", "mức 2", "m1", "m2", "MỨC 2", "muc2"])))
    if draw(st.booleans()):
        parts.append(draw(st.sampled_from(["lũy kế", "LK", "lk"])) + " " + _value(draw))
        if draw(st.booleans()):
            parts[-1] += "/" + _value(draw)
    parts.append(draw(st.sampled_from(["", "ạ", "nhé", "(đạt 79,7%)"])))
    return " ".join(p for p in parts if p)


@st.composite
def report_text(draw: Any) -> str:
    units = draw(st.lists(st.sampled_from(UNITS), min_size=1, max_size=6, unique=True))
    lines = [draw(report_line(u)) for u in units]
    day = draw(st.sampled_from(["", "hôm nay", "hnay", "hôm qua", "hqua", "ngày 12/8", "13/8", "ngày 14/08/2025"]))
    if day:
        lines[0] = f"{day} {lines[0]}" if draw(st.booleans()) else f"{lines[0]} {day}"
    bullets = draw(st.sampled_from(["", "- ", "• ", "number"]))
    if bullets == "number":
        lines = [f"{k}. {x}" for k, x in enumerate(lines, 1)]
    elif bullets:
        lines = [bullets + x for x in lines]
    return "\n".join(lines)


@PROPS
@given(text=report_text())
def test_generated_reports_parse(text: str) -> None:
    r = parse_report(text, today=TODAY, units=UNITS)
    assert r.kind == "report", (text, r)
    check_invariants(r, TODAY)
    assert len(r.lines) == text.count("\n") + 1


@PROPS
@given(text=report_text())
def test_without_diacritics_same_result(text: str) -> None:
    with_marks = parse_report(text, today=TODAY, units=UNITS)
    without = parse_report(strip_diacritics(text), today=TODAY, units=UNITS)
    assert (with_marks.kind, with_marks.day, with_marks.lines) == (without.kind, without.day, without.lines)


@PROPS
@given(text=report_text())
def test_generated_reports_nfd(text: str) -> None:
    assert parse_report(unicodedata.normalize("NFD", text), today=TODAY, units=UNITS) == parse_report(
        text, today=TODAY, units=UNITS
    )
