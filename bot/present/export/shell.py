"""The shell command: vneid-bot export --unit CODE [--from] [--to] [--csv]."""

from __future__ import annotations

import argparse
import re
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from bot.cli_base import SubCommand, open_database
from bot.texts import t
from storage import views_repo

if TYPE_CHECKING:
    from bot.config import Settings
from bot.present.export.csv_file import write_csv
from bot.present.export.period import ExportError, check_period, parse_day
from bot.present.export.xlsx import write_xlsx

# ---- vneid-bot export ----------------------------------------------------------------------------


def _add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--unit", required=True, help="unit code")
    p.add_argument("--from", dest="start", default=None, help="first day, dd/mm/yyyy (default: the 1st of this month)")
    p.add_argument("--to", dest="end", default=None, help="last day, dd/mm/yyyy (default: today)")
    p.add_argument("--csv", action="store_true", help="write CSV (UTF-8 with BOM) instead of .xlsx")
    p.add_argument("--sheet", choices=["summary", "daily", "raw"], default="summary", help="which table to write as CSV")
    p.add_argument("--lang", choices=["vi", "en"], default=None, help="language of the headers (default: LANGUAGE)")
    p.add_argument("-o", "--output", required=True, help="output file")


def _run(settings: Settings, args: argparse.Namespace) -> int:
    lang = args.lang or settings.language
    tz = settings.tz
    today = datetime.now(UTC).astimezone(tz).date()
    try:
        end = parse_day(args.end, today) if args.end else today
        start = parse_day(args.start, today) if args.start else end.replace(day=1)
        start, end = check_period(start, end, today)
    except ExportError as exc:
        print(f"vneid-bot: {_plain(exc.text(lang))}", file=sys.stderr)
        return 2
    db = open_database(settings)
    with db.session() as s:
        unit = views_repo.units_by_code(s, args.unit)
        unit_id = unit.id if unit else None
        unit_name = unit.name if unit else ""
    if unit_id is None:
        print(f"vneid-bot: {_plain(t('export.unknown_unit', lang, code=args.unit))}", file=sys.stderr)
        return 2
    if args.csv:
        content, rows = write_csv(db, unit_id, start, end, lang=lang, default_metric=settings.default_metric,
                                  sheet=args.sheet, tz=tz)
    else:
        content, rows = write_xlsx(db, unit_id, start, end, tz=tz, lang=lang, default_metric=settings.default_metric)
    Path(args.output).write_bytes(content)
    key = "export.written_table" if args.csv and args.sheet != "raw" else "export.written"
    print(_plain(t(key, lang, path=args.output, unit=unit_name, start=start.strftime("%d/%m/%Y"),
                   end=end.strftime("%d/%m/%Y"), rows=rows)))
    return 0


def _plain(html: str) -> str:
    return re.sub(r"</?(code|b|i)>", "", html)


COMMAND = SubCommand("export", "export a unit's figures to .xlsx or CSV", _add_arguments, _run)  # listed in bot/cli.py
