"""What the parser returns: ParsedReport, ReportLine, the error codes."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Literal

Kind = Literal["report", "not_report", "error"]
Mode = Literal["set", "add"]

#: Every ``error_code`` the parser can return.
ERROR_CODES = (
    "unknown_unit",  # the message names a unit that is not in `units`
    "ambiguous_unit",  # the name matches several units
    "negative",  # a negative figure
    "future_day",  # a day after `today`
    "no_value",  # looks like a report, but has no daily figure
    "bad_line",  # a line whose figures cannot be told apart (several numbers, metric mismatch)
    "bad_date",  # an impossible date (31/2), or several different days in one message
    "bad_number",  # a decimal where a count is expected (4,5)
    "duplicate",  # the same unit and metric twice in one message
    "unknown_metric",  # "mức 3" when there is no such metric
    "usage",  # /baocao without a readable report
    "no_unit",  # a bare figure ("12", "hôm nay 6") and nothing says whose it is (see `unit_known`)
)

REPORT_COMMANDS = frozenset({"baocao", "report"})


@dataclass(frozen=True)
class ReportLine:
    unit: str | None = None  # canonical name from `units`; None = the reporter's own unit
    metric: str | None = None  # "l1", "l2", another code from `metrics`; None = the default metric
    value: int | None = None  # the daily figure; None only on a no_report line
    mode: Mode = "set"  # "add" for "+N"
    cumulative: int | None = None  # stated lũy kế, to be checked
    target: int | None = None  # the "/530" in "412/530"
    no_report: bool = False  # "chưa bc": the unit has not reported (not a zero)


@dataclass(frozen=True)
class ParsedReport:
    kind: Kind
    day: date | None = None
    lines: list[ReportLine] = field(default_factory=list)
    error: str | None = None  # short explanation for the user (catalog bot/texts/parsing.py, in `lang`)
    error_code: str | None = None  # one of ERROR_CODES
    error_line: int | None = None  # 1-based number of the bad line, when the message has several lines
    is_command: bool = False
