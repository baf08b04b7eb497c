"""Reading workbook files into the engine's raw sheets, with python-calamine.

Cell values are passed through as calamine gives them (blank cells as ``""``, numbers
as floats, date cells as dates); typing them is the engine's job, which reports rather
than drops. Only the sheets the engine knows are read.
"""

from __future__ import annotations

from pathlib import Path

from python_calamine import CalamineWorkbook, SheetTypeEnum

from chantool.table import MergedRange, RawSheet, is_policy_sheet, sheet_spec


def wanted(name: str) -> bool:
    """A sheet the engine reads: a standard sheet or the policy sheet."""
    return sheet_spec(name) is not None or is_policy_sheet(name)


def read_workbook(path: Path) -> list[RawSheet]:
    """The known sheets of a workbook, with their cells from A1 and their merged ranges."""
    sheets = []
    with CalamineWorkbook.from_path(str(path)) as workbook:
        for meta in workbook.sheets_metadata:
            if meta.typ != SheetTypeEnum.WorkSheet or not wanted(meta.name):
                continue
            sheet = workbook.get_sheet_by_name(meta.name)
            merged = tuple(
                MergedRange(top + 1, left + 1, bottom + 1, right + 1)
                for (top, left), (bottom, right) in sheet.merged_cell_ranges or ()
            )
            sheets.append(RawSheet(meta.name, sheet.to_python(skip_empty_area=False), merged))
    return sheets
