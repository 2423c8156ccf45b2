"""What /xuat asks for: the period (dates, 'thang nay'...), bounded; the export's errors and formats."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from openpyxl.styles import Alignment, Font, PatternFill

from bot.texts import t

if TYPE_CHECKING:
    pass




MAX_DAYS = 366
NUM = "#,##0"
PCT = "0.0%"
DAY_FMT = "dd/mm/yyyy"
TIME_FMT = "dd/mm/yyyy hh:mm"
MAX_TEXT = 1000
BOLD = Font(bold=True)
HEAD_FILL = PatternFill("solid", fgColor="DDEBF7")
TOTAL_FILL = PatternFill("solid", fgColor="F2F2F2")
WRAP = Alignment(wrap_text=True, vertical="center")


class ExportError(Exception):
    """Bad arguments; `key`/`args` name a catalog message."""

    def __init__(self, key: str, **args: object) -> None:
        super().__init__(key)
        self.key = key
        self.args_ = args

    def text(self, lang: str) -> str:
        return t(self.key, lang, **self.args_)


# ---- dates ---------------------------------------------------------------------------------------

_DATE_RE = re.compile(r"^(\d{1,4})[/.-](\d{1,2})(?:[/.-](\d{2,4}))?$")


def looks_like_date(token: str) -> bool:
    return bool(_DATE_RE.match(token.strip()))


def parse_day(token: str, today: date) -> date:
    """`14/8`, `14/08/2025`, `14-8-25`, `2025-08-14` -> date; ExportError("export.bad_date") otherwise."""
    m = _DATE_RE.match(token.strip())
    if not m:
        raise ExportError("export.bad_date", value=token[:30])
    a, b, c = m.groups()
    try:
        if len(a) == 4:  # ISO yyyy-mm-dd
            if c is None:
                raise ValueError
            return date(int(a), int(b), int(c))
        year = today.year if c is None else int(c)
        if c is not None and len(c) == 2:
            year += 2000
        if c is not None and len(c) == 3:
            raise ValueError
        return date(year, int(b), int(a))
    except ValueError:
        raise ExportError("export.bad_date", value=token[:30]) from None


def period(tokens: list[str], today: date) -> tuple[date, date]:
    """0 dates: the 1st of this month .. today; 1 date: that day; 2 dates: from .. to."""
    if len(tokens) > 2:
        raise ExportError("export.too_many_dates")
    days = [parse_day(x, today) for x in tokens]
    if not days:
        start, end = today.replace(day=1), today
    elif len(days) == 1:
        start = end = days[0]
    else:
        start, end = days
    return check_period(start, end, today)


def check_period(start: date, end: date, today: date) -> tuple[date, date]:
    if end > today:
        raise ExportError("export.future", day=end.strftime("%d/%m/%Y"), today=today.strftime("%d/%m/%Y"))
    if start > end:
        raise ExportError("export.reversed", start=start.strftime("%d/%m/%Y"), end=end.strftime("%d/%m/%Y"))
    if (end - start).days + 1 > MAX_DAYS:
        raise ExportError("export.too_long", days=MAX_DAYS)
    return start, end


@dataclass
class ExportArgs:
    start: date
    end: date
    csv: bool
    unit_name: str


def parse_args(text: str, today: date) -> ExportArgs:
    """`/xuat [from] [to] [csv] [unit name]` in any order: dates, the word csv, the rest names a unit."""
    dates, rest, as_csv = [], [], False
    for tok in text.split():
        if tok.lower() in ("csv", ".csv"):
            as_csv = True
        elif looks_like_date(tok) or (tok[:1].isdigit() and ("/" in tok or "-" in tok[1:])):
            dates.append(tok)
        else:
            rest.append(tok)
    start, end = period(dates, today)
    return ExportArgs(start, end, as_csv, " ".join(rest))
