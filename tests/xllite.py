"""A stand-in for the workbook xlwings Lite hands a script, built on ``tests/xlfake.py``
(the desktop stand-in) with the differences of xlwings Lite's engine (xlwings 0.37,
``xlwings/pro/_xlremote.py``, which Lite runs in Pyodide), as its documentation and
errors state them:

- cell values come from Office.js: whole numbers as ``int`` (Pyodide turns a JS
  number without a fraction into an int), dates as datetimes;
- ``sheet.cells.conditional_formats`` cannot be listed synchronously
  (``NotImplementedError``); ``await rng.get_conditional_formats()`` lists them;
- ``rng.merge_cells`` and ``rng.merge_area`` cannot be read synchronously;
  ``await rng.get_merge_cells()`` and ``await rng.get_merge_area()`` read them;
- ``sheet.range(address)`` takes one area, no comma-joined list;
- a defined name's ``api`` is its entry of the payload (a dict): there is no
  ``Visible`` to set;
- a sheet's ``api`` is its payload, whose ``notes`` (present with ExcelApi 1.18) say
  whether notes can be added (``Book(notes=False)``: an Excel without them, where
  ``add_note`` raises).

It runs in CPython and under Pyodide (tests/pyodide/).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from chantool.table import RawSheet, address
from tests import xlfake


class Book(xlfake.Book):
    def __init__(self, app: xlfake.App | None = None, notes: bool = True) -> None:
        super().__init__(app)
        self.sheets = Sheets(self)
        self.notes = notes

    @classmethod
    def from_tables(cls, sheets: Sequence[RawSheet], notes: bool = True) -> Book:
        """A workbook of these sheets (as the file reader gives them) and their merges."""
        book = cls(notes=notes)
        for raw in sheets:
            name, rows = raw.name, raw.rows
            sheet = book.sheets.add(name)
            sheet.merged = [(m.first_row, m.first_col, m.last_row, m.last_col)
                            for m in raw.merged]
            for row_number, row in enumerate(rows, start=1):
                for column, value in enumerate(row, start=1):
                    if value is not None and value != "":
                        sheet.values[row_number, column] = lite_value(value)
        return book


def lite_value(value: Any) -> Any:
    """A cell value as xlwings Lite hands it over: as COM does, but a whole number as an
    int."""
    value = xlfake.com_value(value)
    return int(value) if isinstance(value, float) and value.is_integer() else value


class Sheets(xlfake.Sheets):
    def add(self, name: str, after: xlfake.Sheet | None = None) -> Sheet:
        added = super().add(name, after)
        sheet = Sheet(self.book, name)
        self.items[self.items.index(added)] = sheet
        return sheet


class Sheet(xlfake.Sheet):
    def range(self, first: xlfake.Cell | str, last: xlfake.Cell | None = None) -> Any:
        if isinstance(first, str) and "," in first:
            raise NotImplementedError("xlwings Lite: one area per range")
        found = super().range(first, last)
        return found if isinstance(found, xlfake.Areas) else _lite(found)

    @property
    def cells(self) -> Range:
        return _lite(super().cells)

    @property
    def names(self) -> Names:
        return Names(self)

    @property
    def api(self) -> dict[str, Any]:
        notes = [{"address": address(*cell)} for cell in sorted(self.notes_at)]
        assert isinstance(self.book, Book)
        return {"name": self.name, "notes": notes if self.book.notes else None}


def _lite(found: xlfake.Range) -> Range:
    return Range(found.sheet, found.first, found.last)


class Range(xlfake.Range):
    @property
    def conditional_formats(self) -> Any:
        return _Unlisted(self.sheet)

    async def get_conditional_formats(self) -> list[xlfake.Condition]:
        assert (self.first, self.last) == ((1, 1), (1_048_576, 16_384)), "sheet.cells only"
        return list(self.sheet.conditions)

    @property
    def merge_cells(self) -> bool | None:
        raise NotImplementedError("xlwings Lite: use 'await rng.get_merge_cells()'")

    @property
    def merge_area(self) -> xlfake.Range:
        raise NotImplementedError("xlwings Lite: use 'await rng.get_merge_area()'")

    def add_note(self, text: str) -> xlfake.Note:
        assert isinstance(self.sheet.book, Book)
        if not self.sheet.book.notes:
            raise NotImplementedError("Notes require ExcelApi 1.18")
        return super().add_note(text)

    async def get_merge_cells(self) -> bool | None:
        return xlfake.Range(self.sheet, self.first, self.last).merge_cells

    async def get_merge_area(self) -> xlfake.Range:
        return xlfake.Range(self.sheet, self.first, self.last).merge_area


class _Unlisted:
    def __init__(self, sheet: xlfake.Sheet) -> None:
        self.sheet = sheet

    def __iter__(self) -> Iterator[Any]:
        raise NotImplementedError("xlwings Lite: use 'await rng.get_conditional_formats()'")


class Names(xlfake.Names):
    def add(self, name: str, refers_to: str) -> xlfake.Name:
        super().add(name, refers_to)
        return Name(self.sheet, name)


class Name(xlfake.Name):
    @property
    def api(self) -> Any:
        return {"name": self.local, "refers_to": self.refers_to}
