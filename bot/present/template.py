"""The import template: a ready .xlsx with one sheet per kind of data, Vietnamese headers the importer reads,
and an instructions sheet (which the importer skips). No example rows in the data sheets, so that a template
sent back unchanged never stores a made-up number."""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from bot.texts import t
from storage import repo

if TYPE_CHECKING:
    from bot.core.access import Caller
    from bot.core.services import Services

FILENAME = "mau_nhap_du_lieu.xlsx"

#: the sheets of the template, in order; their names and headers come from the catalog (tpl.sheet.*,
#: tpl.cols.* — "|" between headers); bot/core/importer.py accepts the headers of either language
SHEETS = ("units", "targets", "baselines", "members")


def sheets(lang: str) -> dict[str, list[str]]:
    """Sheet title -> headers, in the language."""
    return {t(f"tpl.sheet.{k}", lang): t(f"tpl.cols.{k}", lang).split("|") for k in SHEETS}


def build_template(lang: str = "vi", parent_code: str | None = None) -> bytes:
    """The template as .xlsx bytes; `parent_code` (the admin's own unit) fills the examples."""
    wb = Workbook()
    guide = wb.active
    assert guide is not None
    guide.title = t("tpl.guide_sheet", lang)
    parent = parent_code or "x-tanhoa"
    for line in t("tpl.guide", lang, parent=parent).split("\n"):
        guide.append([line])
    guide.column_dimensions["A"].width = 110
    guide["A1"].font = Font(bold=True)
    for title, headers in sheets(lang).items():
        ws = wb.create_sheet(title)
        ws.append(headers)
        for i, _ in enumerate(headers, start=1):
            ws.cell(row=1, column=i).font = Font(bold=True)
            ws.column_dimensions[get_column_letter(i)].width = 22
        ws.freeze_panes = "A2"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def template_for(svc: Services, caller: Caller) -> bytes:
    """The template in the caller's language, its examples naming the caller's own unit."""
    own = None
    if caller.unit_id is not None:
        with svc.db.session() as s:
            unit = repo.unit_by_id(s, caller.unit_id)
            own = unit.code if unit is not None else None
    return build_template(caller.language, own)
