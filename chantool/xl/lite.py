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
- a rule's priority cannot be set (no COM object behind the range): chantool's marks
  come first among a cell's conditional formats, so where a user's own rule also
  formats a marked cell, the mark's fill shows;
- notes need ExcelApi 1.18: where the payload says there are none, no notes are written
  (the marks and the 校验结果 sheet still carry every finding) and the message says so;
- a defined name cannot be hidden (Office.js names have no such setting here): the
  names show in Name Manager;
- whether cells are merged takes ``await rng.get_merge_cells()``: each script finds
  the merged ranges up front (one call for a sheet without any), and ``live`` reads
  them from that list.

The scripts are the ribbon's handlers (``chantool.xl.ribbon``) run on the bridged book;
their message goes to Lite's output pane and a message box, and nothing raises to the
user: the details of an unexpected error go to the output pane.
"""

from __future__ import annotations

import traceback
from collections.abc import Callable
from datetime import date
from types import SimpleNamespace
from typing import Any

from chantool.errors import log_path
from chantool.table import wanted
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
        message = _with_details(lambda: ribbon.run(button_id, bridged, as_of))
        if button_id != "clear" and not bridged.notes:
            message += "\n此 Excel 版本不支持批注，未写批注；问题说明见“校验结果”工作表"
    print(message)
    try:
        book.app.alert(message, title=ribbon.TITLE)
    except Exception:  # the work is done and the output pane has the message
        traceback.print_exc()
    return message


def _with_details(step: Callable[[], str]) -> str:
    """``step``'s message; the details ``ribbon`` logs of an error (a file inside Pyodide,
    out of the user's reach) go to the output pane, and the message says so."""
    log = log_path()
    before = log.stat().st_size if log.exists() else 0
    message = step()
    if log.exists() and log.stat().st_size > before:
        with log.open("rb") as details:
            details.seek(before)
            print(details.read().decode("utf-8", errors="replace"))
        message = message.replace(str(log), "xlwings Lite 的输出窗格")
    return message


# --- the bridge -------------------------------------------------------------------------

Box = tuple[int, int, int, int]  # top, left, bottom, right: 1-based, inclusive


async def _bridged(book: Any) -> _Book:
    """The Lite book as ``live`` expects it, with chantool's marks and the merged ranges
    of the sheets it reads found up front."""
    found: dict[str, _Found] = {}
    for sheet in book.sheets:
        formats = await sheet.cells.get_conditional_formats()
        marks = [condition for condition in formats
                 if live.OUR_FORMULA in (condition.formula or "")]
        merged = await _merged(sheet) if wanted(sheet.name) else []
        found[sheet.name] = _Found(marks, merged, _with_notes(sheet))
    return _Book(book, found)


def _with_notes(sheet: Any) -> bool:
    """Whether notes can be added: Lite says so in the sheet's payload (an Excel without
    ExcelApi 1.18 has none; ``add_note`` would raise)."""
    payload = sheet.api
    return payload.get("notes") is not None and payload.get("notes_supported") is not False


async def _merged(sheet: Any) -> list[Box]:
    """The merged ranges of the used range: a part is looked into, halved, only when
    Excel says it holds merged cells, so a sheet without any takes one call."""
    used = sheet.used_range
    last = used.last_cell
    found: dict[Box, None] = {}
    pending = [(used.row, used.column, last.row, last.column)]
    while pending:
        top, left, bottom, right = pending.pop()
        if await sheet.range((top, left), (bottom, right)).get_merge_cells() is False:
            continue
        if (top, left) == (bottom, right):
            area = await sheet.range((top, left)).get_merge_area()
            found[area.row, area.column, area.last_cell.row, area.last_cell.column] = None
        elif bottom - top >= right - left:
            middle = (top + bottom) // 2
            pending += [(middle + 1, left, bottom, right), (top, left, middle, right)]
        else:
            middle = (left + right) // 2
            pending += [(top, middle + 1, bottom, right), (top, left, bottom, middle)]
    return list(found)


class _Found:
    """What a script found on a sheet before ``live`` runs: chantool's marks (a deleted
    one leaves the list), the merged ranges, and whether notes can be added."""

    def __init__(self, marks: list[Any], merged: list[Box], notes: bool = True) -> None:
        self.marks, self.merged, self.notes = marks, merged, notes


class _Book:
    def __init__(self, book: Any, found: dict[str, _Found]) -> None:
        self._book, self._found = book, found

    def __getattr__(self, name: str) -> Any:
        return getattr(self._book, name)

    @property
    def sheets(self) -> _Sheets:
        return _Sheets(self._book.sheets, self._found)

    @property
    def notes(self) -> bool:
        """Whether every sheet can take notes."""
        return all(found.notes for found in self._found.values())


class _Sheets:
    def __init__(self, sheets: Any, found: dict[str, _Found]) -> None:
        self._sheets, self._found = sheets, found

    def __iter__(self) -> Any:
        return iter([_Sheet(sheet, self._found.setdefault(sheet.name, _Found([], [])))
                     for sheet in self._sheets])

    def add(self, name: str, after: _Sheet) -> _Sheet:
        return _Sheet(self._sheets.add(name, after=after._sheet), _Found([], []))


class _Sheet:
    def __init__(self, sheet: Any, found: _Found) -> None:
        self._sheet, self._found = sheet, found
        self._marks = found.marks

    def __getattr__(self, name: str) -> Any:
        return getattr(self._sheet, name)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Sheet) and other._sheet.name == self._sheet.name

    def __hash__(self) -> int:
        return hash(self._sheet.name)

    def range(self, first: Any, last: Any = None) -> Any:
        if isinstance(first, str):  # only marks ask for areas joined with commas
            return _Areas(self._sheet, first.split(","))
        return _Range(self._sheet.range(first, last), self._found.merged)

    @property
    def cells(self) -> Any:
        return SimpleNamespace(conditional_formats=[_Mark(mark, self._marks)
                                                    for mark in self._marks],
                               clear=self._sheet.cells.clear)

    @property
    def names(self) -> _Names:
        return _Names(self._sheet.names)

    @property
    def notes(self) -> list[Any]:
        # Where notes cannot be added, ``live`` is shown a note that is not chantool's:
        # it then writes none, as on a sheet with notes of the user's own.
        return self._sheet.notes if self._found.notes else [None]


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
    """A Lite range that answers ``merge_cells`` and ``merge_area`` from the merged ranges
    found up front, as Excel would."""

    def __init__(self, rng: Any, merged: list[Box]) -> None:
        object.__setattr__(self, "_range", rng)
        object.__setattr__(self, "_merged", merged)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._range, name)

    def __setattr__(self, name: str, value: Any) -> None:
        setattr(self._range, name, value)

    def _box(self) -> Box:
        last = self._range.last_cell
        return self._range.row, self._range.column, last.row, last.column

    @property
    def merge_cells(self) -> bool | None:
        """True when every cell is in a merged range, False when none is, else None."""
        top, left, bottom, right = self._box()
        covered = sum(max(0, min(bottom, low) - max(top, high) + 1)
                      * max(0, min(right, east) - max(left, west) + 1)
                      for high, west, low, east in self._merged)  # merges never overlap
        if covered == 0:
            return False
        return True if covered == (bottom - top + 1) * (right - left + 1) else None

    @property
    def merge_area(self) -> Any:
        top, left, _, _ = self._box()
        for high, west, low, east in self._merged:
            if high <= top <= low and west <= left <= east:
                return self._range.sheet.range((high, west), (low, east))
        return self._range


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
