"""Editing one worksheet part: result columns, mark formats, the notes link, the used range.

The worksheet part is edited as bytes in one pass over its rows. Rows that get no result
cell and hold no old result cell are copied as they are; the others get chantool's
cells appended at their end (result columns start right of every column in use, so
appending keeps the cells in column order). Cells of the user are never touched.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Final, NamedTuple

from chantool.findings import Severity
from chantool.io.xmltext import escape, insertion_point, root_prefix
from chantool.results import Mark, Value
from chantool.table import cell_runs, column_index, column_letter

NS_REL: Final = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
NOTES_VML_REL_ID: Final = "rIdChantoolVml"
MARK_FORMULA: Final = {Severity.ERROR: 'N("chantool:error")=0',
                       Severity.WARNING: 'N("chantool:warning")=0'}
_OUR_FORMULA: Final = re.compile(rb'N\((?:"|&quot;)chantool:')
_ROW_NUMBER: Final = re.compile(rb'\sr="(\d+)"')
_SPANS: Final = re.compile(rb'\sspans="[^"]*"')
_CELL_REF: Final = re.compile(rb'<(?:[\w.-]+:)?c\b[^>]*?\sr="([A-Z]+)(\d+)"')
# A cell's start tag (its attributes), and the address among them.
_CELL_TAG: Final = re.compile(rb"<(?:[\w.-]+:)?c(?=[\s/>])([^>]*)>")
_ADDRESS: Final = re.compile(rb'\sr="([A-Z]+)\d+"')
_PRIORITY: Final = re.compile(rb'\spriority="(\d+)"')
_DIMENSION_REF: Final = re.compile(r'(<(?:[\w.-]+:)?dimension\b[^>]*?\sref=")([^"]*)(")')
_REF: Final = re.compile(r"\$?([A-Z]+)\$?(\d+)")
# Worksheet children that follow <conditionalFormatting> and <legacyDrawing>.
_AFTER_CONDITIONAL: Final = (
    "dataValidations", "hyperlinks", "printOptions", "pageMargins", "pageSetup",
    "headerFooter", "rowBreaks", "colBreaks", "customProperties", "cellWatches",
    "ignoredErrors", "smartTags", "drawing", "legacyDrawing", "legacyDrawingHF", "drawingHF",
    "picture", "oleObjects", "controls", "webPublishItems", "tableParts", "extLst")
_CHUNK: Final = 1 << 20
_AFTER_LEGACY_DRAWING: Final = _AFTER_CONDITIONAL[_AFTER_CONDITIONAL.index("legacyDrawing") + 1:]


@dataclass(frozen=True)
class SheetEdit:
    """What to do to one worksheet part."""

    old_columns: frozenset[int]  # 1-based columns of the previous run's results
    headers: Sequence[str]
    header_row: int
    values: Sequence[dict[int, Value]]  # per result column: row -> value
    marks: Sequence[Mark]
    header_xf: int
    dxf: dict[Severity, int]
    with_notes: bool  # link chantool's notes drawing (else unlink it)


class _Row(NamedTuple):  # a tuple: made for every row of a large sheet
    number: int
    start: int
    tag_end: int  # index just past the start tag's '>'
    end: int
    self_closing: bool
    last_column: int  # of its last cell, 0 for a row without cells


def _rows(xml: bytes, prefix: bytes, start: int, end: int) -> list[_Row]:
    """The rows of the sheet data, each with the column of its last cell (cells are in
    column order, so that is the rightmost one)."""
    rows: list[_Row] = []
    opening, closing = b"<" + prefix + b"row", b"</" + prefix + b"row>"
    cell_start = b"<" + prefix + b"c "
    position, previous = start, 0
    while True:
        begin = xml.find(opening, position, end)
        if begin < 0:
            return rows
        if xml[begin + len(opening)] not in b" \t\r\n/>":
            position = begin + 1
            continue
        tag_end = xml.index(b">", begin) + 1
        number_match = _ROW_NUMBER.search(xml, begin, tag_end)
        number = int(number_match[1]) if number_match else previous + 1
        self_closing = xml[tag_end - 2] == ord("/")
        row_end = tag_end if self_closing else xml.index(closing, tag_end) + len(closing)
        last = xml.rfind(cell_start, tag_end, row_end)
        cell = _CELL_REF.match(xml, last) if last >= 0 else None
        if cell is not None and all(xml.find(b"<" + prefix + bare, last, row_end) < 0
                                    for bare in (b"c>", b"c/>")):
            last_column = column_index(cell[1].decode())
        else:  # cells without an address, or none
            last_column = max(_columns(xml, tag_end, row_end), default=0)
        rows.append(_Row(number, begin, tag_end, row_end, self_closing, last_column))
        position, previous = row_end, number


def cell_xml(ref: str, value: Value, style: int | None) -> str:
    """One cell: text as an inline string (the shared strings stay untouched), numbers."""
    return _cell(ref, value, f' s="{style}"' if style is not None else "")


def column_xml(letters: str, numbered: Iterable[tuple[int, Value]],
               style: int | None) -> list[str]:
    """``cell_xml`` of each (row number, value) of the column ``letters``, "" for a cell
    left out: the style's attribute made once for a column of many cells."""
    styled = f' s="{style}"' if style is not None else ""
    return [_cell(f"{letters}{number}", value, styled) for number, value in numbered]


def _cell(ref: str, value: Value, styled: str) -> str:
    if not isinstance(value, str):
        if isinstance(value, bool):
            return f'<c r="{ref}"{styled} t="b"><v>{int(value)}</v></c>'
        if isinstance(value, int | float) and math.isfinite(value):
            return f'<c r="{ref}"{styled}><v>{value!r}</v></c>'
        value = None  # no cell value spells nan or inf: left blank
    if not value:
        return f'<c r="{ref}"{styled}/>' if styled else ""
    return (f'<c r="{ref}"{styled} t="inlineStr"><is><t xml:space="preserve">{escape(value)}'
            "</t></is></c>")


class Region(NamedTuple):
    """A stretch ``start:end`` of the original part that the edited part replaces with
    ``length`` bytes of its own; everything between two regions is copied as it was."""

    start: int
    end: int
    length: int


@dataclass(frozen=True)
class EditedSheet:
    """What editing a worksheet part did: the 1-based columns now holding chantool's
    results, and the regions of the original it replaced, in order: the part's start up
    to the sheet data (the used range widened), each row edited or added, and the rest
    after the rows (the marks, the notes link). What lies between them is the original's
    bytes, so the written file can be checked region by region (``io.output``)."""

    columns: list[int]
    regions: tuple[Region, ...]


class _Chunks:
    """Bytes added a piece at a time and handed to ``out`` a megabyte at a time: a sheet
    of a hundred thousand edited rows goes out in a few dozen chunks, not an object or
    two a row, each as soon as it is made (to be deflated while the next is)."""

    def __init__(self, out: Callable[[bytes], None]) -> None:
        self.out = out
        self.pending: list[bytes | memoryview] = []
        self.size = 0

    def add(self, piece: bytes | memoryview) -> None:
        self.pending.append(piece)
        self.size += len(piece)
        if self.size >= _CHUNK:
            self._join()

    def _join(self) -> None:
        self.out(b"".join(self.pending))
        self.pending, self.size = [], 0

    def done(self) -> None:
        if self.pending:
            self._join()


def edit_sheet(xml: bytes, edit: SheetEdit, out: Callable[[bytes], None],
               last_column: int | None = None) -> EditedSheet:
    """The part with chantool's result columns, marks and notes link replaced, handed to
    ``out`` a chunk at a time as it is made. ``last_column`` is ``last_user_column`` of
    the part when already probed."""
    original_length = len(xml)
    prefix, data_match = _sheet_data(xml)
    if data_match is None:
        raise ValueError("worksheet without sheetData")
    if data_match[1]:  # <sheetData/>: open it up to hold rows
        opened = b"<" + prefix + b"sheetData></" + prefix + b"sheetData>"
        xml = xml[:data_match.start()] + opened + xml[data_match.end():]
        data_start = data_end = data_match.start() + len(b"<" + prefix + b"sheetData>")
        # In the original, the element <sheetData/> is the start's, its end the rest's.
        original_start = original_end = data_match.end()
    else:
        data_start = original_start = data_match.end()
        data_end = original_end = xml.index(b"</" + prefix + b"sheetData>", data_start)
    old_letters = [column_letter(col - 1).encode() for col in sorted(edit.old_columns)]
    old_cell = (re.compile(rb"<(?:[\w.-]+:)?c\b[^>]*?\sr=\"(?:" + b"|".join(old_letters)
                           + rb")\d+\"[^>]*?(?:/>|>.*?</(?:[\w.-]+:)?c>)", re.S)
                if old_letters else None)
    probed = last_column if last_column is not None else _probe_last_user_column(
        xml, prefix, data_start, data_end, edit.old_columns)
    rows: list[_Row] | None = None
    if probed is None:
        rows = _rows(xml, prefix, data_start, data_end)
        probed = max((_last_user_column(xml, row, edit.old_columns) for row in rows), default=0)
    first = probed + 1
    columns = list(range(first, first + len(edit.headers)))

    # Each row's new cells as one text: a sheet of a hundred thousand rows holds a string
    # a row rather than a list and a string a cell.
    new_cells: dict[int, str] = {}
    for offset, (header, values) in enumerate(zip(edit.headers, edit.values, strict=True)):
        letters = column_letter(columns[offset] - 1)
        new_cells[edit.header_row] = new_cells.get(edit.header_row, "") + cell_xml(
            f"{letters}{edit.header_row}", header, edit.header_xf)
        for number, cell in zip(values, column_xml(letters, values.items(), None),
                                strict=True):
            if cell:
                new_cells[number] = new_cells.get(number, "") + cell

    edited = sorted(set(new_cells) | _rows_holding(xml, prefix, data_start, data_end, old_letters))
    located = _locate_rows(xml, prefix, data_start, data_end, edited) if rows is None else None
    if located is None and rows is None:
        rows = _rows(xml, prefix, data_start, data_end)
    last_row = max(new_cells, default=1) if rows is None else max(
        [row.number for row in rows] + list(new_cells), default=1)
    # The part in chunks, its start first, the copied stretches taken from views: a large
    # part is copied once, into the result. A row's positions are the original's too (a
    # part whose <sheetData/> was opened up has no rows).
    start = _widen_dimension(xml[:data_start].decode("utf-8"), columns[-1] if columns else 0,
                             last_row).encode()
    view = memoryview(xml)
    pieces = _Chunks(out)
    pieces.add(start)
    regions: list[Region] = []

    def replace(start: int, end: int, new: bytes) -> None:
        pieces.add(new)
        regions.append(Region(start, end, len(new)))

    if located is not None:  # only the edited rows change; the stretches between are copied
        at = data_start
        for row in located:
            pieces.add(view[at:row.start])
            replace(row.start, row.end,
                    _edited_row(xml, row, old_cell, new_cells.get(row.number), prefix))
            at = row.end
        pieces.add(view[at:data_end])
    else:
        assert rows is not None
        existing = {row.number for row in rows}
        pending = sorted(number for number in new_cells if number not in existing)
        at = data_start
        for row in rows:
            pieces.add(view[at:row.start])
            while pending and pending[0] < row.number:
                replace(row.start, row.start, _new_row(pending.pop(0), new_cells, prefix))
            piece = _edited_row(xml, row, old_cell, new_cells.get(row.number), prefix)
            if len(piece) == row.end - row.start and xml.startswith(piece, row.start):
                pieces.add(view[row.start:row.end])
            else:
                replace(row.start, row.end, piece)
            at = row.end
        pieces.add(view[at:data_end])
        for number in pending:
            replace(original_end, original_end, _new_row(number, new_cells, prefix))

    closing = b"</" + prefix + b"sheetData>"
    tail = xml[data_end + len(closing):].decode("utf-8")
    tail = _edit_marks(tail, prefix.decode(), edit)
    tail = _edit_notes_link(tail, prefix.decode(), edit.with_notes)
    end = closing + tail.encode()
    pieces.add(end)
    pieces.done()
    return EditedSheet(columns, (Region(0, original_start, len(start)), *regions,
                                 Region(original_end, original_length, len(end))))


def _sheet_data(xml: bytes) -> tuple[bytes, re.Match[bytes] | None]:
    """The prefix of a worksheet part's elements, and the start tag of its sheet data."""
    prefix = root_prefix(xml[:4096].decode("utf-8", errors="replace"), "worksheet").encode()
    return prefix, re.compile(b"<" + re.escape(prefix) + rb"sheetData\b[^>]*?(/?)>").search(xml)


# A large sheet is edited without a Python step per row when its cells and rows are
# written as every common writer writes them (``<c r="..."``, ``<row r="..."``, in order):
# the last column in use is probed from the used range the sheet declares, and only the
# rows that change are looked up. Anything else takes the row-by-row way.
_MAX_PROBES: Final = 8


def last_user_column(xml: bytes, old_columns: frozenset[int]) -> int | None:
    """The rightmost column of any cell of the worksheet part ``xml`` but the previous
    run's results (``old_columns``), probed by a few searches: ``edit_sheet``'s first
    step, which it can be given done. ``None`` when the sheet does not allow it."""
    prefix, data = _sheet_data(xml)
    end = -1 if data is None else data.end() if data[1] else xml.find(
        b"</" + prefix + b"sheetData>", data.end())
    if data is None or end < 0:
        return None
    return _probe_last_user_column(xml, prefix, data.end(), end, old_columns)


def _probe_last_user_column(xml: bytes, prefix: bytes, start: int, end: int,
                            old_columns: frozenset[int]) -> int | None:
    """The rightmost column of any cell but the previous run's results, found by a few
    searches; ``None`` when the sheet does not allow it."""
    cell = b"<" + prefix + b"c"
    dimension = _DIMENSION_REF.search(xml[:start].decode("utf-8", errors="replace"))
    refs = _REF.findall(dimension[2]) if dimension else []
    if not refs:
        return None
    declared = max(column_index(letters) for letters, _ in refs)
    beyond = _columns_after(column_letter(declared - 1))
    # One pass over the rows: a cell without r, or with another attribute first, or a
    # cell right of the declared range (the range is wrong).
    if re.compile(re.escape(cell) + rb'(?:>|/>| (?!r=")' + (
            rb'| r="(?:' + beyond + rb")\d" if beyond else b"") + rb")").search(xml, start, end):
        return None
    probes = 0
    for column in range(declared, 0, -1):
        if column in old_columns:
            continue
        probes += 1
        if probes > _MAX_PROBES:
            return None
        letters = column_letter(column - 1).encode()
        if re.compile(re.escape(cell) + rb' r="' + letters + rb"\d").search(xml, start, end):
            return column
    return 0


def _columns_after(letters: str) -> bytes:
    """A pattern for the column letters right of ``letters`` (up to three letters)."""
    found = [f"[A-Z]{{{len(letters) + 1},3}}"] if len(letters) < 3 else []
    for index, char in enumerate(letters):
        if char != "Z":
            found.append(letters[:index] + f"[{chr(ord(char) + 1)}-Z]"
                         + "[A-Z]" * (len(letters) - index - 1))
    return "|".join(found).encode()


def _rows_holding(xml: bytes, prefix: bytes, start: int, end: int,
                  letters: list[bytes]) -> set[int]:
    """The rows with a cell in the columns ``letters``."""
    if not letters:
        return set()
    pattern = re.compile(b"<" + re.escape(prefix) + rb'c\b[^>]*?\sr="(?:' + b"|".join(letters)
                         + rb')(\d+)"')
    return {int(number) for number in pattern.findall(xml, start, end)}


def _locate_rows(xml: bytes, prefix: bytes, start: int, end: int,
                 numbers: list[int]) -> list[_Row] | None:
    """The rows ``numbers`` (ascending), each found by its ``r``; ``None`` when one is not
    there as ``<row r="N"`` (a row to create, or rows written otherwise)."""
    found = []
    at = start
    closing = b"</" + prefix + b"row>"
    for number in numbers:
        begin = xml.find(b"<" + prefix + b'row r="%d"' % number, at, end)
        if begin < 0:
            return None
        tag_end = xml.index(b">", begin) + 1
        self_closing = xml[tag_end - 2] == ord("/")
        row_end = tag_end if self_closing else xml.index(closing, tag_end) + len(closing)
        found.append(_Row(number, begin, tag_end, row_end, self_closing, 0))
        at = row_end
    return found


def _last_user_column(xml: bytes, row: _Row, old_columns: frozenset[int]) -> int:
    """The rightmost column of the row's cells, leaving out the previous run's results."""
    if row.last_column not in old_columns:
        return row.last_column
    return max((column for column in _columns(xml, row.tag_end, row.end)
                if column not in old_columns), default=0)


def _columns(xml: bytes, start: int, end: int) -> Iterator[int]:
    """The columns of the cells between ``start`` and ``end`` (in a row), in order: a
    cell's address, or for a cell without one the column after the cell before it."""
    column = 0
    for tag in _CELL_TAG.finditer(xml, start, end):
        address = _ADDRESS.search(tag[1])
        column = column_index(address[1].decode()) if address else column + 1
        yield column


def _edited_row(
    xml: bytes, row: _Row, old_cell: re.Pattern[bytes] | None, cells: str | None,
    prefix: bytes,
) -> bytes:
    original = xml[row.start:row.end]
    if old_cell is None and not cells:
        return original
    # A row's spans (the columns its cells take, a hint for readers) would no longer
    # cover the cells added: the hint is dropped.
    if row.self_closing:
        if not cells:
            return original
        return (_SPANS.sub(b"", original[:-2]).rstrip() + b">" + cells.encode()
                + b"</" + prefix + b"row>")
    start_tag = xml[row.start:row.tag_end]
    if cells:
        start_tag = _SPANS.sub(b"", start_tag)
    inner = xml[row.tag_end:row.end - len(b"</" + prefix + b"row>")]
    if old_cell is not None:
        inner = old_cell.sub(b"", inner)
    return start_tag + inner + (cells or "").encode() + b"</" + prefix + b"row>"


def _new_row(number: int, new_cells: dict[int, str], prefix: bytes) -> bytes:
    row = prefix.decode() + "row"
    return f'<{row} r="{number}">{new_cells[number]}</{row}>'.encode()


def _widen_dimension(head: str, last_column: int, last_row: int) -> str:
    match = _DIMENSION_REF.search(head)
    if match is None or not last_column:
        return head
    refs = _REF.findall(match[2])
    if not refs:
        return head
    first_letters, first_row = refs[0]
    end_letters, end_row = refs[-1]
    column = max(column_index(end_letters), last_column)
    row = max(int(end_row), last_row)
    ref = f"{first_letters}{first_row}:{column_letter(column - 1)}{row}"
    return head[:match.start(2)] + ref + head[match.end(2):]


def _edit_marks(tail: str, prefix: str, edit: SheetEdit) -> str:
    """Replace chantool's conditional formats (the marks) and keep every other one."""
    pattern = re.compile(rf"<{re.escape(prefix)}conditionalFormatting\b.*?"
                         rf"</{re.escape(prefix)}conditionalFormatting>", re.S)
    kept = [m for m in pattern.finditer(tail) if not _OUR_FORMULA.search(m[0].encode())]
    removed = [m for m in pattern.finditer(tail) if _OUR_FORMULA.search(m[0].encode())]
    for match in reversed(removed):
        tail = tail[:match.start()] + tail[match.end():]
    if not edit.marks:
        return tail
    priority = max((int(p) for p in _PRIORITY.findall(tail.encode())), default=0)
    blocks = []
    for severity in (Severity.ERROR, Severity.WARNING):
        cells = [mark.cell for mark in edit.marks if mark.severity is severity]
        if not cells:
            continue
        priority += 1
        blocks.append(
            f'<{prefix}conditionalFormatting sqref="{" ".join(cell_runs(cells))}"><{prefix}cfRule '
            f'type="expression" dxfId="{edit.dxf[severity]}" priority="{priority}">'
            f"<{prefix}formula>{escape(MARK_FORMULA[severity])}</{prefix}formula>"
            f"</{prefix}cfRule></{prefix}conditionalFormatting>")
    if kept:
        last = list(pattern.finditer(tail))[-1]
        at = last.end()
    else:
        at = insertion_point(tail, prefix, _AFTER_CONDITIONAL, "worksheet")
    return tail[:at] + "".join(blocks) + tail[at:]


def _edit_notes_link(tail: str, prefix: str, with_notes: bool) -> str:
    """Link chantool's notes drawing (<legacyDrawing>), or remove the link."""
    ours = re.compile(rf'<{re.escape(prefix)}legacyDrawing\b[^>]*?"{NOTES_VML_REL_ID}"[^>]*?/>')
    tail = ours.sub("", tail)
    if not with_notes:
        return tail
    at = insertion_point(tail, prefix, _AFTER_LEGACY_DRAWING, "worksheet")
    element = (f'<{prefix}legacyDrawing xmlns:r="{NS_REL}" r:id="{NOTES_VML_REL_ID}"/>')
    return tail[:at] + element + tail[at:]


def has_foreign_legacy_drawing(xml: bytes) -> bool:
    """True when the sheet links a notes drawing that is not chantool's (the link comes
    after the sheet data)."""
    tail = xml[max(xml.rfind(b"sheetData>"), 0):]
    for match in re.finditer(rb"<(?:[\w.-]+:)?legacyDrawing\b[^>]*?/>", tail):
        if NOTES_VML_REL_ID.encode() not in match[0]:
            return True
    return False
