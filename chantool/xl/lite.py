"""The Lite edition's scripts: 校验, 重算评分 and 清除标记 on the workbook open in xlwings Lite.

xlwings Lite runs Python inside Excel through Pyodide and hands a script the workbook
as an ``xlwings.Book`` of its own engine. The layout is the desktop add-in's
(``chantool.xl.live``: result columns, marks, notes, generated sheets found again by
their names); this module bridges the few places where xlwings Lite's synchronous API
differs from the desktop subset ``live`` relies on (xlwings 0.37, ``xlwings/pro/
_xlremote.py``, the engine Lite runs):

- conditional formats can be added, but listing them takes
  ``await range.get_conditional_formats()``: each script lists chantool's marks up
  front, and ``live`` deletes them from that list;
- a range is one area: marks that ``live`` joins with commas go on area by area;
- a defined name cannot be hidden (Office.js names have no such setting here): the
  names show in Name Manager;
- whether cells are merged is not known synchronously: the sheets are read without
  merged ranges, so a merged cell in a table is not reported in Lite.

The scripts are the ribbon's handlers (``chantool.xl.ribbon``) run on the bridged book;
their message goes to Lite's output pane and a message box, and nothing raises to the
user (details of an unexpected error go to the log ``ribbon`` names, inside Pyodide's
file system, and the traceback of a failed reading to the output pane).
"""

from __future__ import annotations

import traceback
from datetime import date
from types import SimpleNamespace
from typing import Any, Final

from chantool.xl import live, ribbon


async def run(button_id: str, book: Any, as_of: date) -> str:
    """Run the ribbon button ``button_id``'s handler (``chantool.xl.ribbon``) on ``book``
    and show its message in the output pane and a message box; never raises."""
    try:
        bridged = await _bridged(book)
    except Exception as error:  # no traceback in a message box: the output pane has it
        traceback.print_exception(error)
        message = f"渠道工具无法读取当前工作簿：{str(error)[:120]}"
    else:
        message = ribbon.run(button_id, bridged, as_of)
    print(message)
    try:
        book.app.alert(message, title=ribbon.TITLE)
    except Exception:  # the work is done and the output pane has the message
        traceback.print_exc()
    return message


# --- the bridge -------------------------------------------------------------------------

async def _bridged(book: Any) -> _Book:
    """The Lite book as ``live`` expects it, with chantool's marks listed up front."""
    marks = {}
    for sheet in book.sheets:
        formats = await sheet.cells.get_conditional_formats()
        marks[sheet.name] = [condition for condition in formats
                             if live.OUR_FORMULA in (condition.formula or "")]
    return _Book(book, marks)


class _Book:
    def __init__(self, book: Any, marks: dict[str, list[Any]]) -> None:
        self._book, self._marks = book, marks

    def __getattr__(self, name: str) -> Any:
        return getattr(self._book, name)

    @property
    def sheets(self) -> _Sheets:
        return _Sheets(self._book.sheets, self._marks)


class _Sheets:
    def __init__(self, sheets: Any, marks: dict[str, list[Any]]) -> None:
        self._sheets, self._marks = sheets, marks

    def __iter__(self) -> Any:
        return iter([_Sheet(sheet, self._marks.setdefault(sheet.name, []))
                     for sheet in self._sheets])

    def add(self, name: str, after: _Sheet) -> _Sheet:
        return _Sheet(self._sheets.add(name, after=after._sheet), [])


class _Sheet:
    def __init__(self, sheet: Any, marks: list[Any]) -> None:
        self._sheet, self._marks = sheet, marks

    def __getattr__(self, name: str) -> Any:
        return getattr(self._sheet, name)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Sheet) and other._sheet.name == self._sheet.name

    def __hash__(self) -> int:
        return hash(self._sheet.name)

    def range(self, first: Any, last: Any = None) -> Any:
        if isinstance(first, str):  # only marks ask for areas joined with commas
            return _Areas(self._sheet, first.split(","))
        return _Range(self._sheet.range(first, last))

    @property
    def cells(self) -> Any:
        return SimpleNamespace(conditional_formats=[_Mark(mark, self._marks)
                                                    for mark in self._marks],
                               clear=self._sheet.cells.clear)

    @property
    def names(self) -> _Names:
        return _Names(self._sheet.names)


class _Mark:
    """One of chantool's conditional formats, leaving the list once deleted (Lite refuses
    to delete a rule twice)."""

    def __init__(self, condition: Any, marks: list[Any]) -> None:
        self._condition, self._marks = condition, marks

    @property
    def formula(self) -> Any:
        return self._condition.formula

    def delete(self) -> None:
        self._condition.delete()
        self._marks.remove(self._condition)


class _Range:
    """A Lite range, saying no merged cells are known (Lite cannot tell synchronously)."""

    def __init__(self, rng: Any) -> None:
        self._range = rng

    def __getattr__(self, name: str) -> Any:
        return getattr(self._range, name)

    def __setattr__(self, name: str, value: Any) -> None:
        if name == "_range":
            object.__setattr__(self, name, value)
        else:
            setattr(self._range, name, value)

    merge_cells: Final = False


class _Areas:
    """Several areas, each given the same conditional format."""

    def __init__(self, sheet: Any, parts: list[str]) -> None:
        self._sheet, self._parts = sheet, parts

    @property
    def conditional_formats(self) -> _Areas:
        return self

    def add_custom(self, formula: str, *, fill_color: Any) -> None:
        for part in self._parts:
            self._sheet.range(part).conditional_formats.add_custom(formula,
                                                                   fill_color=fill_color)


class _Names:
    def __init__(self, names: Any) -> None:
        self._names = names

    def __iter__(self) -> Any:
        return iter(self._names)

    def add(self, name: str, refers_to: str) -> Any:
        added = self._names.add(name, refers_to)
        # ``live`` hides its names through Excel's Name.Visible, which Lite lacks.
        return SimpleNamespace(name=added.name, api=SimpleNamespace(Visible=True))
