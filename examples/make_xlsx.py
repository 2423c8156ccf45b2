"""Build examples/example.xlsx from the example CSV files (one sheet per file, same names).

Run: python examples/make_xlsx.py   (needs openpyxl, a dependency of vneid-bot)

Numbers become number cells and dd/mm/yyyy dates become date cells, as an admin's spreadsheet would
have them; a first sheet "Hướng dẫn" (instructions) shows that other sheets are skipped on import.
"""

from __future__ import annotations

import csv
import re
from datetime import date, time
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Font

HERE = Path(__file__).resolve().parent
SHEETS = ("units", "targets", "baselines", "members", "chats")


def cell(value: str) -> object:
    v = value.strip()
    if re.fullmatch(r"-?\d+", v):
        return int(v)
    if re.fullmatch(r"\d{1,3}(\.\d{3})+", v):
        return int(v.replace(".", ""))
    m = re.fullmatch(r"(\d{1,2})/(\d{1,2})/(\d{4})", v)
    if m:
        return date(int(m.group(3)), int(m.group(2)), int(m.group(1)))
    m = re.fullmatch(r"(\d{1,2}):(\d{2})", v)
    if m:
        return time(int(m.group(1)), int(m.group(2)))
    return v or None


def read_csv(path: Path) -> list[list[str]]:
    text = path.read_text(encoding="utf-8-sig")
    delim = ";" if text.splitlines()[0].count(";") > text.splitlines()[0].count(",") else ","
    return [row for row in csv.reader(text.splitlines(), delimiter=delim) if any(c.strip() for c in row)]


def build(out: Path = HERE / "example.xlsx") -> Path:
    wb = Workbook()
    guide = wb.active
    assert guide is not None
    guide.title = "Hướng dẫn"
    guide.append(["Mỗi trang là một loại dữ liệu: units, targets, baselines, members, chats."])
    guide.append(["Xem docs/import.md. Trang này bị bỏ qua khi nhập."])
    for name in SHEETS:
        ws = wb.create_sheet(name)
        rows = read_csv(HERE / f"{name}.csv")
        ws.append(rows[0])
        for c in ws[1]:
            c.font = Font(bold=True)
        for row in rows[1:]:
            ws.append([cell(v) for v in row])
        for col in ws.columns:
            for c in col:
                if isinstance(c.value, date):
                    c.number_format = "DD/MM/YYYY"
                elif isinstance(c.value, time):
                    c.number_format = "HH:MM"
            ws.column_dimensions[col[0].column_letter].width = max(12, max(len(str(c.value or "")) for c in col) + 2)
    wb.save(out)
    return out


if __name__ == "__main__":
    print(build())
