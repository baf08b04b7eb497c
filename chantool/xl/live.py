"""The workbook open in Excel, read into the engine's raw sheets and written back.

``read_sheets`` turns the open workbook into the same ``RawSheet`` list the file reader
makes (xlwings hands some cells over differently from a file: currency and accounting
cells as ``Decimal``, error cells as text only when asked and the newest errors as COM
numbers, dates and times as datetimes); ``apply_plan`` carries out the engine's
``WritePlan`` through xlwings with the file writer's layout (result columns right of the
user's columns, marks as conditional formats with chantool's own formula and after the
user's own rules, notes only on sheets without notes of the user, generated sheets found
again by a hidden name), so the ribbon and ``chantool validate --in-place`` give the
same cells; ``clear`` takes all of it out again, and only that: a note is chantool's
when it sits on a cell chantool marked and its text is one chantool wrote there. Not
carried over: the frozen header row and filter of a one-table generated sheet (view
settings only).

Only a small subset of xlwings' public API is used (listed in ``tests/xlfake.py``, the
in-memory stand-in the tests run this module against). The two steps xlwings has no
property for go through ``.api``: hiding chantool's defined names as the file writer
does (Excel's ``Name.Visible``), and putting a new mark after the user's rules (Excel's
``FormatCondition.SetLastPriority``: xlwings puts a new rule first).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Iterator
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any, Final

from chantool.coerce import Cell
from chantool.findings import Lang, Severity
from chantool.layout import NUMBER_FORMATS
from chantool.results import (
    GENERATED_NOTE,
    SheetResults,
    Table,
    Value,
    WritePlan,
    columns_reference,
    place_blocks,
    quote_sheet,
    referenced_columns,
)
from chantool.table import (
    MergedRange,
    RawSheet,
    cell_runs,
    column_letter,
    split_address,
    wanted,
)

# xlwings objects (or the tests' stand-in). They are typed ``Any`` because the adapter
# relies on a handful of attributes only; the stand-in pins down which.
XlBook = Any
XlSheet = Any

RESULTS_NAME: Final = "_chantool_results"  # the file writer's names, for the same role
GENERATED_NAME: Final = "_chantool_generated"
# On a sheet chantool wrote notes to: a digest of each text it wrote, as a formula of
# string constants (Excel keeps the name with the workbook).
NOTES_NAME: Final = "_chantool_notes"
# The file writer's mark formulas and fills: always true, and recognisable as ours.
MARK_FORMULA: Final = {Severity.ERROR: '=N("chantool:error")=0',
                       Severity.WARNING: '=N("chantool:warning")=0'}
OUR_FORMULA: Final = "chantool:"
MARK_FILL: Final = {Severity.ERROR: (0xFF, 0xC7, 0xCE), Severity.WARNING: (0xFF, 0xEB, 0x9C)}
HEADER_FILL: Final = (0x1F, 0x38, 0x64)
# A generated sheet's table titles: the file writer's title font (chantool.io.styles).
TITLE_COLOR: Final = (0x1F, 0x38, 0x64)
TITLE_SIZE: Final = 14
WHITE: Final = (255, 255, 255)
MAX_NOTES: Final = 1000
MAX_ROW: Final = 1_048_576
# Excel's Range() takes an address of at most 255 characters.
_ADDRESS_LIMIT: Final = 250
# Time-only cells come through COM as a datetime on Excel's day zero.
_DAY_ZERO: Final = date(1899, 12, 30)
# Excel's error values as COM hands them over: CVErr(n) is the HRESULT 0x800A0000 + n.
# xlwings turns the seven oldest into text when asked (err_to_str) and hands the newer
# ones over as these numbers (Excel hands a number cell over as a float, never an int).
_COM_ERRORS: Final = {0x800A0000 + code - 2**32: text for code, text in {
    2000: "#NULL!", 2007: "#DIV/0!", 2015: "#VALUE!", 2023: "#REF!", 2029: "#NAME?",
    2036: "#NUM!", 2042: "#N/A", 2043: "#GETTING_DATA", 2045: "#SPILL!", 2046: "#CONNECT!",
    2047: "#BLOCKED!", 2048: "#UNKNOWN!", 2049: "#FIELD!", 2050: "#CALC!"}.items()}
# A string constant in a formula holds at most 255 characters; a name's formula at most
# 8192 (kept well below).
_TEXT_LIMIT: Final = 255
_FORMULA_LIMIT: Final = 8000


# --- reading --------------------------------------------------------------------------

def read_sheets(book: XlBook) -> list[RawSheet]:
    """The engine's sheets of the open workbook: every sheet it knows, cells from A1."""
    sheets = []
    for sheet in book.sheets:
        if not wanted(sheet.name):
            continue
        last = sheet.used_range.last_cell
        rows: list[list[Cell]] = []
        if last.row and last.column:
            values = sheet.range((1, 1), (last.row, last.column)).options(
                ndim=2, err_to_str=True).value
            rows = [[_plain(value) for value in row] for row in values or []]
        sheets.append(RawSheet(sheet.name, rows, tuple(_merged(sheet))))
    return sheets


def _plain(value: Any) -> Cell:
    """A cell as the file reader gives it: COM hands every date and time over as a
    datetime, where python-calamine gives a date for a date cell and a time for a time;
    a currency or accounting cell as a ``Decimal``, where a file holds a float; an error
    xlwings does not know as its COM number."""
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return _COM_ERRORS.get(value, float(value))
    if isinstance(value, datetime):
        if value.date() == _DAY_ZERO:
            return value.time()
        if value.time() == time(0):
            return value.date()
    result: Cell = value
    return result


def _merged(sheet: XlSheet) -> Iterator[MergedRange]:
    """The merged ranges of the used range. Asking each cell is far too slow through COM
    for a large sheet, so the used range is halved again and again, and only parts that
    say they hold merged cells are looked into: a few calls per merged range."""
    used = sheet.used_range
    last = used.last_cell
    seen: set[str] = set()
    pending = [(used.row, used.column, last.row, last.column)]
    while pending:
        top, left, bottom, right = pending.pop()
        if sheet.range((top, left), (bottom, right)).merge_cells is False:
            continue
        if (top, left) == (bottom, right):
            area = sheet.range((top, left)).merge_area
            if area.address not in seen:
                seen.add(area.address)
                yield MergedRange(area.row, area.column, area.last_cell.row,
                                  area.last_cell.column)
        elif bottom - top >= right - left:
            middle = (top + bottom) // 2
            pending += [(middle + 1, left, bottom, right), (top, left, middle, right)]
        else:
            middle = (left + right) // 2
            pending += [(top, middle + 1, bottom, right), (top, left, bottom, middle)]


# --- writing --------------------------------------------------------------------------

def apply_plan(book: XlBook, plan: WritePlan) -> None:
    """Carry out ``plan`` on the open workbook, replacing what an earlier run wrote."""
    by_name = {sheet.name: sheet for sheet in book.sheets}
    for results in plan.sheets:
        sheet = by_name.get(results.sheet)
        if sheet is not None:
            _write_results(sheet, results, plan.lang)
    for table in plan.tables:
        _write_table(book, table)


def clear(book: XlBook) -> int:
    """Remove chantool's result columns, marks, notes and generated sheets; returns how
    many sheets had something removed."""
    touched = 0
    for sheet in list(book.sheets):
        if _local_name(sheet, GENERATED_NAME) is not None:
            sheet.delete()
            touched += 1
            continue
        removed = bool(_old_columns(sheet))
        _clear_results(sheet)
        removed |= _clear_notes(sheet)  # before the marks, which tell where they are
        removed |= _clear_marks(sheet) > 0
        touched += removed
    return touched


def _local_name(sheet: XlSheet, name: str) -> Any | None:
    """The sheet's own defined name ``name`` (xlwings shows it as ``Sheet!name``)."""
    return next((found for found in sheet.names if found.name.split("!")[-1] == name), None)


def _set_local_name(sheet: XlSheet, name: str, refers_to: str) -> None:
    old = _local_name(sheet, name)
    if old is not None:
        old.delete()
    # Hidden like the file writer's names, so Name Manager does not offer them to users.
    sheet.names.add(name, refers_to).api.Visible = False


def _old_columns(sheet: XlSheet) -> list[int]:
    """The 1-based columns an earlier run's results are in (Excel keeps the name
    pointing at them when the user inserts or deletes columns)."""
    name = _local_name(sheet, RESULTS_NAME)
    return referenced_columns(name.refers_to or "") if name is not None else []


def _clear_results(sheet: XlSheet) -> None:
    for column in _old_columns(sheet):  # not a user's column inserted among them
        sheet.range((1, column), (MAX_ROW, column)).clear()
    name = _local_name(sheet, RESULTS_NAME)
    if name is not None:
        name.delete()


def _clear_marks(sheet: XlSheet) -> int:
    """Delete chantool's conditional formats (found by their formula), no other."""
    removed = 0
    for condition in list(sheet.cells.conditional_formats):
        if OUR_FORMULA in (condition.formula or ""):
            condition.delete()
            removed += 1
    return removed


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:10]


def _texts_formula(texts: Iterable[str]) -> str | None:
    """The digests of ``texts`` as a name's formula (string constants joined by ``&``),
    or None when they do not fit in one."""
    digests = " ".join(sorted({_digest(text) for text in texts}))
    pieces = [digests[start:start + _TEXT_LIMIT - 1]
              for start in range(0, len(digests), _TEXT_LIMIT - 1)]
    formula = "=" + "&".join(f'"{piece}"' for piece in pieces)
    return formula if len(formula) <= _FORMULA_LIMIT else None


def _recorded(formula: str) -> set[str]:
    """The digests a ``_texts_formula`` holds."""
    return set("".join(re.findall(r'"([0-9a-f ]*)"', formula)).split())


def _ours(note: Any, digests: set[str]) -> bool:
    """A note chantool wrote: its text is one chantool wrote on the sheet, and its cell
    is one chantool marks (where a mark's note goes; header notes go with the result
    columns)."""
    if _digest(note.text) not in digests:
        return False
    cell = note.location
    return any(OUR_FORMULA in (condition.formula or "")
               for condition in cell.conditional_formats)


def _clear_notes(sheet: XlSheet) -> bool:
    """Delete the notes chantool wrote on the sheet, cell by cell; a note the user added
    or changed since stays."""
    marker = _local_name(sheet, NOTES_NAME)
    if marker is None:
        return False
    digests = _recorded(marker.refers_to or "")
    for note in list(sheet.notes):
        if _ours(note, digests):
            note.delete()
    marker.delete()
    return True


def _first_free_column(sheet: XlSheet) -> int:
    """The column right of every column the user uses (after the old results are gone):
    where the file writer puts result columns."""
    last = sheet.used_range.last_cell
    if (last.row, last.column) == (1, 1) and sheet.range((1, 1)).value is None:
        return 1  # an empty sheet's used range is A1
    return int(last.column) + 1


def _write_results(sheet: XlSheet, results: SheetResults, lang: Lang) -> None:
    old = _old_columns(sheet)
    rightmost = sheet.used_range.last_cell.column
    _clear_results(sheet)
    _clear_notes(sheet)
    _clear_marks(sheet)
    # As the file writer: notes only on a sheet without notes of the user.
    with_notes = len(sheet.notes) == 0
    # Results that were the rightmost columns, side by side, are replaced where they are,
    # which does not rely on Excel shrinking its used range once they are cleared.
    side_by_side = old == list(range(old[0], old[-1] + 1)) if old else False
    first = old[0] if side_by_side and rightmost <= old[-1] else _first_free_column(sheet)
    notes: list[tuple[str, str]] = []
    if results.columns:
        _write_columns(sheet, results, first)
        last_column = first + len(results.columns) - 1
        _set_local_name(sheet, RESULTS_NAME,
                        "=" + columns_reference(sheet.name, range(first, last_column + 1)))
        note = GENERATED_NOTE[lang]
        notes = [(f"{column_letter(col - 1)}{results.header_row}", note)
                 for col in range(first, last_column + 1)]
    _write_marks(sheet, results)
    notes += [(mark.cell, mark.message) for mark in results.marks][:MAX_NOTES]
    by_cell = dict(notes)  # a header note and a mark may share a cell
    record = _texts_formula(by_cell.values())
    if with_notes and by_cell and record is not None:
        for cell, text in by_cell.items():
            sheet.range(split_address(cell)).add_note(text)
        _set_local_name(sheet, NOTES_NAME, record)


def _write_columns(sheet: XlSheet, results: SheetResults, first: int) -> None:
    """The headers, styled, and the values as one block (one call to Excel)."""
    header_row = results.header_row
    last_row = max((row for column in results.columns for row in column.values),
                   default=header_row)
    block: list[list[Value]] = [[_as_text(column.header) for column in results.columns]]
    block += [[_as_text(column.values.get(row)) for column in results.columns]
              for row in range(header_row + 1, last_row + 1)]
    sheet.range((header_row, first)).value = block
    header = sheet.range((header_row, first), (header_row, first + len(results.columns) - 1))
    _style_header(header)


def _as_text(value: Value) -> Value:
    """A value to write through COM. Excel reads a string written there as if it were
    typed (2025-06 becomes a date, 12.5% a number); a leading apostrophe keeps it the
    text the file writer writes, and is not part of the cell's value."""
    return "'" + value if isinstance(value, str) and value else value


def _style_header(header: Any) -> None:
    header.color = HEADER_FILL
    header.font.bold = True
    header.font.color = WHITE


def _write_marks(sheet: XlSheet, results: SheetResults) -> None:
    for severity in (Severity.ERROR, Severity.WARNING):
        cells = [mark.cell for mark in results.marks if mark.severity is severity]
        for address in _addresses(cells):
            formats = sheet.range(address).conditional_formats
            formats.add_custom(MARK_FORMULA[severity], fill_color=MARK_FILL[severity])
            # xlwings made the new rule the first of the range's: the file writer's marks
            # come after the user's own rules, so that the user's formats win. xlwings
            # Lite has no COM object to reorder with (chantool.xl.lite).
            com = getattr(formats, "api", None)
            if com is not None:
                com.Item(1).SetLastPriority()


def _addresses(cells: Iterable[str]) -> Iterator[str]:
    """Cell addresses joined with commas, runs down a column as ranges, in pieces short
    enough for Excel's Range()."""
    piece: list[str] = []
    for part in cell_runs(cells):
        if piece and len(",".join([*piece, part])) > _ADDRESS_LIMIT:
            yield ",".join(piece)
            piece = []
        piece.append(part)
    if piece:
        yield ",".join(piece)




# --- generated sheets -----------------------------------------------------------------

def _write_table(book: XlBook, table: Table) -> None:
    """A generated sheet: found again by its hidden name, never a user's sheet of the
    same name (that one is left alone and ours gets ``(chantool)`` added)."""
    sheets = list(book.sheets)
    ours = [sheet for sheet in sheets if _local_name(sheet, GENERATED_NAME) is not None]
    name = table.name
    if any(sheet.name == name for sheet in sheets if sheet not in ours):
        name = f"{table.name} (chantool)"
    sheet = next((found for found in ours if found.name == name), None)
    if sheet is None:
        sheet = book.sheets.add(name, after=sheets[-1])
        _set_local_name(sheet, GENERATED_NAME, f"={quote_sheet(name)}!$A$1")
    else:
        sheet.cells.clear()
    placed = place_blocks(table)
    for spot in placed:
        block = spot.block
        if spot.title_row is not None:
            title = sheet.range((spot.title_row, 1))
            title.value = _as_text(block.title)
            title.font.bold = True
            title.font.size = TITLE_SIZE
            title.font.color = TITLE_COLOR
        rows = [block.header, *block.rows]
        width = len(block.header)
        sheet.range((spot.header_row, 1)).value = [
            [_as_text(value) for value in row] + [None] * (width - len(row)) for row in rows]
        _style_header(sheet.range((spot.header_row, 1), (spot.header_row, width)))
        if block.rows:
            last = spot.first_row + len(block.rows) - 1
            for column, unit in enumerate(block.units, start=1):
                if unit != "text":
                    sheet.range((spot.first_row, column), (last, column)).number_format = \
                        NUMBER_FORMATS[unit]
        for number, column, place, text in spot.links(table, placed, name):
            sheet.range((number, column)).add_hyperlink(f"#{place}", text)
    for column, width_chars in enumerate(table.widths, start=1):
        sheet.range((1, column)).column_width = width_chars
