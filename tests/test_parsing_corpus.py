"""Parser precision on real-style group traffic (tests/corpus/*.jsonl, issue 11).

Every case must come out as expected, and - the rule that matters most - nothing that is chatter or a broken
report may ever come out as a stored report, nor a report with another day, unit, metric or value.
"""

from __future__ import annotations

import json
import unicodedata
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from bot.core.parsing import ERROR_CODES, ReportLine, parse_report

CORPUS = Path(__file__).resolve().parent / "corpus"


def _cases() -> list[Any]:
    out = []
    for path in sorted(CORPUS.glob("*.jsonl")):
        for raw in path.read_text(encoding="utf-8").splitlines():
            if raw.strip():
                case = json.loads(raw)
                out.append(pytest.param(case, id=f"{path.stem}-{case['id']}"))
    return out


def _line(d: dict[str, Any]) -> ReportLine:
    return ReportLine(unit=d.get("unit"), metric=d.get("metric"), value=d.get("value"), mode=d.get("mode", "set"),
                      cumulative=d.get("cumulative"), target=d.get("target"),
                      no_report=bool(d.get("no_report", False)))


@pytest.mark.parametrize("case", _cases())
def test_group_chat_corpus(case: dict[str, Any]) -> None:
    result = parse_report(case["text"], today=date.fromisoformat(case["today"]), units=case["units"])
    expect = case["expect"]
    if expect.get("not_report"):
        assert result.kind == "not_report", result
    elif expect.get("error"):
        assert result.kind == "error", result
        assert result.error_code in ERROR_CODES
        assert result.error and unicodedata.normalize("NFD", result.error) != result.error  # Vietnamese
    else:
        assert result.kind == "report", result
        assert result.day == date.fromisoformat(expect["day"])
        assert result.lines == [_line(x) for x in expect["lines"]]


def test_corpus_size() -> None:
    cases = [c.values[0] for c in _cases()]
    assert len(cases) >= 300
    assert sum(c.get("tag") == "chatter_num" for c in cases) >= 120
    assert len({c["text"] for c in cases}) == len(cases)
