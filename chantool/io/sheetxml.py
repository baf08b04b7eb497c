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
from itertools import accumulate, chain, compress, repeat
from operator import add, itemgetter, methodcaller, mul, not_
from typing import TYPE_CHECKING, Final, NamedTuple, cast

from chantool.findings import Severity
from chantool.io.package import NS_MAIN
from chantool.io.preflight import MAX_COLUMNS
from chantool.io.xmltext import ROW_NUMBER, escape, insertion_point, sheet_data, spaced
from chantool.layout import Value
from chantool.table import cell_runs, column_index, column_letter

if TYPE_CHECKING:  # the reports use this module without the engine
    from chantool.results import Mark

NS_REL: Final = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
NOTES_VML_REL_ID: Final = "rIdChantoolVml"
MARK_FORMULA: Final = {Severity.ERROR: 'N("chantool:error")=0',
                       Severity.WARNING: 'N("chantool:warning")=0'}
_OUR_FORMULA: Final = re.compile(rb'N\((?:"|&quot;)chantool:')
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
_SPLIT_TAG: Final = methodcaller("partition", b">")  # a row: its start tag, the rest
_AFTER_LEGACY_DRAWING: Final = _AFTER_CONDITIONAL[_AFTER_CONDITIONAL.index("legacyDrawing") + 1:]


# A cell's start in a part whose elements carry a prefix (``<x:c>``), as chantool writes it.
_CELL_IN_MAIN: Final = b'<c xmlns="' + NS_MAIN.encode() + b'" r="'


class NoRoom(Exception):
    """No column is left right of a sheet's data for chantool's results: Excel's last
    column is XFD."""


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
        number_match = ROW_NUMBER.search(xml, begin, tag_end)
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


def cell_xml(ref: str, value: Value, style: int | None) -> bytes:
    """One cell: text as an inline string (the shared strings stay untouched), numbers."""
    rest = _after_address(value, _styled(style))
    return b'<c r="%s"%s' % (ref.encode(), rest) if rest else b""


def column_parts(letters: str, numbers: Sequence[bytes], values: Sequence[Value],
                 style: int | None) -> list[Iterable[bytes]]:
    """The cells (as ``cell_xml``) of the column ``letters`` in the rows numbered
    ``numbers`` (as text) that hold ``values``, in parts: iterables of a piece a row,
    whose pieces of a row, one after the other, make its cell (none for a cell left out).
    Made at C speed, a column of many cells at once, and rows join the parts of every
    column in one go: a cell is not a formatted text of its own."""
    styled = _styled(style)
    start = b'<c r="' + letters.encode()
    kinds = set(map(type, values))
    numbers_only, texts = cast("Sequence[float]", values), cast("Sequence[str]", values)
    if kinds <= {int, float} and all(map(math.isfinite, numbers_only)):
        return [repeat(start), numbers, repeat(b'"' + styled + _NUMBER[0]),
                _numbers_shown(numbers_only, one_kind=len(kinds) == 1), repeat(_NUMBER[1])]
    if kinds == {str} and "" not in texts and escape(text := "".join(texts)) == text:
        opening = (b'"' + styled + _TEXT[0], b'"' + styled + _SPACED_TEXT)
        spaces = spaced(texts)
        return [repeat(start), numbers,
                map(opening.__getitem__, spaces) if any(spaces) else repeat(opening[0]),
                map(str.encode, texts), repeat(_TEXT[1])]
    # Any other column repeats few values: what follows a cell's address is made once
    # for each. What a value makes is told by its type and its repr (True, 1 and 1.0 are
    # one key of a dict, and so are 0.0 and -0.0, and each makes a cell of its own).
    keys = list(zip(map(type, values), map(repr, values), strict=True))
    made = {key: _after_address(value, styled)
            for key, value in dict(zip(keys, values, strict=True)).items()}
    after = list(map(made.__getitem__, keys))
    if b"" in made.values():  # some cells left out: their addresses too (b"" * False)
        kept = list(map(bool, after))
        return [map(mul, repeat(start), kept), map(mul, numbers, kept),
                map(mul, repeat(b'"'), kept), after]
    return [repeat(start), numbers, repeat(b'"'), after]


def joined_rows(parts: Sequence[Iterable[bytes]]) -> Iterator[bytes]:
    """A piece a row: ``parts`` (``column_parts`` and the like, at least one of them as
    long as the rows, the others endless) joined."""
    return map(b"".join, zip(*parts, strict=False))


def _numbers_shown(values: Sequence[float], *, one_kind: bool) -> Iterable[bytes]:
    """The repr of each number, each distinct one made once (a column of amounts repeats
    many, and making the repr of a float is what takes time), but where two equal numbers
    are shown differently: 1 and 1.0 (``one_kind``: all of one type), 0.0 and -0.0."""
    if one_kind and min(
            map(math.copysign, repeat(1.0), filter(not_, values)), default=1.0) > 0:
        distinct = set(values)
        shown = dict(zip(distinct, map(str.encode, map(repr, distinct)), strict=True))
        return map(shown.__getitem__, values)
    return map(str.encode, map(repr, values))


# A cell after its address and style, around its value: a number (its repr), a text
# (escaped), the start of one with spaces at either end; a yes/no.
_NUMBER: Final = (b"><v>", b"</v></c>")
_TEXT: Final = (b' t="inlineStr"><is><t>', b"</t></is></c>")
_SPACED_TEXT: Final = b' t="inlineStr"><is><t xml:space="preserve">'
_TRUTH: Final = b' t="b"><v>%d</v></c>'


def _styled(style: int | None) -> bytes:
    return b' s="%d"' % style if style is not None else b""


def _after_address(value: Value, styled: bytes) -> bytes:
    """A cell's XML after its address (``<c r="A1"``); b"" for no cell at all."""
    if not isinstance(value, str):
        if isinstance(value, bool):
            return styled + _TRUTH % value
        if isinstance(value, int | float) and math.isfinite(value):
            return styled + _NUMBER[0] + repr(value).encode() + _NUMBER[1]
        value = None  # no cell value spells nan or inf: left blank
    if not value:
        return styled + b"/>" if styled else b""
    text = escape(value)  # what it is written as: characters XML cannot hold dropped
    return styled + (_SPACED_TEXT if spaced((text,))[0] else _TEXT[0]) + text.encode() + _TEXT[1]


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


class Probe(NamedTuple):
    """What ``probe`` finds in a worksheet part, before it is edited: the rightmost column
    of any cell but the previous run's results (``None`` when a few searches cannot
    tell), and where each row starts, by its number (the first ``<row r="N"``)."""

    last_column: int | None
    rows_at: dict[int, int]


def edit_sheet(xml: bytes, edit: SheetEdit, out: Callable[[bytes | memoryview], None],
               probed: Probe | None) -> EditedSheet:
    """The part with chantool's result columns, marks and notes link replaced, handed to
    ``out`` a piece at a time as it is made (the stretches copied as views of ``xml``).
    ``probed`` is ``probe`` of ``xml`` when it was probed before, else ``None``."""
    original_length = len(xml)
    prefix, data_match, rows_end = sheet_data(xml)
    if data_match is None or rows_end < 0:
        raise ValueError("worksheet without sheetData")
    if data_match[1]:  # <sheetData/>: open it up to hold rows
        opened = b"<" + prefix + b"sheetData></" + prefix + b"sheetData>"
        xml = xml[:data_match.start()] + opened + xml[data_match.end():]
        data_start = data_end = data_match.start() + len(b"<" + prefix + b"sheetData>")
        # In the original, the element <sheetData/> is the start's, its end the rest's.
        original_start = original_end = data_match.end()
    else:
        data_start = original_start = data_match.end()
        data_end = original_end = rows_end
    old_letters = [column_letter(col - 1).encode() for col in sorted(edit.old_columns)]
    old = _OldCells(old_letters, prefix) if old_letters else None
    old_cell = old.any if old is not None else None
    if probed is None:
        probed = Probe(_probe_last_user_column(xml, prefix, data_start, data_end,
                                               edit.old_columns), {})
    last_column = probed.last_column
    rows: list[_Row] | None = None
    if last_column is None:
        rows = _rows(xml, prefix, data_start, data_end)
        last_column = max((_last_user_column(xml, row, edit.old_columns) for row in rows),
                          default=0)
    first = last_column + 1
    columns = list(range(first, first + len(edit.headers)))
    if columns and columns[-1] > MAX_COLUMNS:
        raise NoRoom

    new_cells = _new_cells(edit, columns)
    if prefix:  # the part's elements are prefixed: chantool's cells declare their namespace
        new_cells = {number: cells.replace(b'<c r="', _CELL_IN_MAIN)
                     for number, cells in new_cells.items()}
    edited = sorted(set(new_cells) | _rows_holding(xml, data_start, data_end, old_letters))
    numbers = _every_row(xml, prefix, data_start, data_end, edited) if rows is None else None
    located = (_locate_rows(xml, prefix, data_start, data_end, edited, probed.rows_at)
               if rows is None and numbers is None else None)
    if numbers is None and located is None and rows is None:
        rows = _rows(xml, prefix, data_start, data_end)
    last_row = max(new_cells, default=1) if rows is None else max(
        [row.number for row in rows] + list(new_cells), default=1)
    # The part in pieces, its start first, the copied stretches taken from views: a large
    # part is copied once, into the result. A row's positions are the original's too (a
    # part whose <sheetData/> was opened up has no rows).
    start = _widen_dimension(xml[:data_start].decode("utf-8"), columns[-1] if columns else 0,
                             last_row).encode()
    view = memoryview(xml)
    out(start)
    regions: list[Region] = []

    def replace(start: int, end: int, new: bytes) -> None:
        out(new)
        regions.append(Region(start, end, len(new)))

    if numbers is not None:  # every row, or most, changes
        for piece in _each_row(xml, prefix, data_start, data_end, numbers, new_cells,
                               set(edited), old, regions):
            out(piece)
    elif located is not None:  # only the edited rows change; the stretches between are copied
        at = data_start
        for row in located:
            out(view[at:row.start])
            replace(row.start, row.end,
                    _edited_row(xml, row, old_cell, new_cells.get(row.number), prefix))
            at = row.end
        out(view[at:data_end])
    else:
        assert rows is not None
        existing = {row.number for row in rows}
        pending = sorted(number for number in new_cells if number not in existing)
        at = data_start
        for row in rows:
            out(view[at:row.start])
            while pending and pending[0] < row.number:
                replace(row.start, row.start, _new_row(pending.pop(0), new_cells, prefix))
            piece = _edited_row(xml, row, old_cell, new_cells.get(row.number), prefix)
            if len(piece) == row.end - row.start and xml.startswith(piece, row.start):
                out(view[row.start:row.end])
            else:
                replace(row.start, row.end, piece)
            at = row.end
        out(view[at:data_end])
        for number in pending:
            replace(original_end, original_end, _new_row(number, new_cells, prefix))

    closing = b"</" + prefix + b"sheetData>"
    tail = xml[data_end + len(closing):].decode("utf-8")
    tail = _edit_marks(tail, prefix.decode(), edit)
    tail = _edit_notes_link(tail, prefix.decode(), edit.with_notes)
    end = closing + tail.encode()
    out(end)
    return EditedSheet(columns, (Region(0, original_start, len(start)), *regions,
                                 Region(original_end, original_length, len(end))))


def _new_cells(edit: SheetEdit, columns: list[int]) -> dict[int, bytes]:
    """Each row's new cells, in column order, as one piece: a sheet of a hundred thousand
    rows holds a piece a row rather than a list and a piece a cell."""
    by_column = []
    for column, header, values in zip(columns, edit.headers, edit.values, strict=True):
        letters = column_letter(column - 1)
        cells = list(joined_rows(column_parts(
            letters, list(map(b"%d".__mod__, values)), list(values.values()), None)))
        by_column.append({edit.header_row: cell_xml(f"{letters}{edit.header_row}", header,
                                                    edit.header_xf),
                          **dict(compress(zip(values, cells, strict=True), cells))})
    if len(by_column) == 1:
        return by_column[0]
    numbers = sorted(set().union(*by_column))
    return dict(zip(numbers, map(b"".join, zip(*(map(cells.get, numbers, repeat(b""))
                                                 for cells in by_column), strict=True)),
                    strict=True))


# Where at least _MANY_ROWS rows and one row in _EVERY_ROW change (a result column on
# every row), the rows are split from each other at C speed (``_each_row``) rather than
# looked up one by one.
_MANY_ROWS: Final = 1000
_EVERY_ROW: Final = 4


def _every_row(xml: bytes, prefix: bytes, start: int, end: int,
               edited: list[int]) -> list[int] | None:
    """The numbers of the rows from ``start`` to ``end`` when rows ``edited`` are many of
    them, all there, and the rows follow each other with nothing between, each
    ``<row r="N" ...>...</row>`` (as common writers write a sheet whose rows all hold
    cells); found at C speed. ``None`` otherwise."""
    if len(edited) < _MANY_ROWS:
        return None
    opening, closing = b"<" + prefix + b'row r="', b"</" + prefix + b"row>"
    if not (xml.startswith(opening, start) and xml.endswith(closing, start, end)):
        return None
    # Told first from the last row's number, without finding every row: rows numbered
    # beyond _EVERY_ROW times the edited ones are, where every row holds cells, too many.
    last = ROW_NUMBER.match(xml, xml.rfind(opening, start, end) + len(b"<" + prefix + b"row"))
    if last is None or int(last[1]) > len(edited) * _EVERY_ROW:
        return None
    # Every row's start tag, with the number where it is the first attribute.
    found = re.compile(re.escape(b"<" + prefix + b"row") + rb'(?: r="(\d+)")?').findall(
        xml, start, end)
    # As many end tags as rows (so none is empty), each but the last followed by a row.
    if (b"" in found or len(edited) * _EVERY_ROW < len(found)
            or xml.count(closing, start, end) != len(found)
            or xml.count(closing + opening, start, end) != len(found) - 1):
        return None
    numbers = list(map(int, found))
    return numbers if set(numbers).issuperset(edited) else None


def _each_row(xml: bytes, prefix: bytes, start: int, end: int, numbers: list[int],
              new_cells: dict[int, bytes], edited: set[int],
              old: _OldCells | None, regions: list[Region]) -> Iterator[bytes]:
    """The rows from ``start`` to ``end``, numbered ``numbers`` (``_every_row``), about a
    megabyte at a time, split from each other at C speed: the rows ``edited`` with their
    new cells, their old ones (``old``) left out, each a region in ``regions``; the
    others as they were."""
    closing = b"</" + prefix + b"row>"
    at, done = start, 0
    while at < end:
        stop = xml.find(closing, min(at + _CHUNK, end - len(closing)), end) + len(closing)
        rows = xml[at:stop].split(closing)
        rows.pop()  # what follows the last end tag: nothing
        here = numbers[done:done + len(rows)]
        cells = list(map(new_cells.get, here))
        made = (_all_with_cells(rows, cast("list[bytes]", cells), closing, old)
                if None not in cells else None)
        joined, lengths = made or _some_with_cells(rows, here, cells, edited,
                                                   old.any if old is not None else None, closing)
        # Where each row starts and ends in the original, and the regions, made at C speed.
        ends = list(accumulate(map(add, map(len, rows), repeat(len(closing))), initial=at))
        regions.extend(map(Region._make, compress(
            zip(ends, ends[1:], lengths, strict=False), lengths)))  # ends: one more
        yield joined
        at, done = stop, done + len(rows)


def _all_with_cells(rows: list[bytes], cells: list[bytes], closing: bytes,
                    old: _OldCells | None) -> tuple[bytes, list[int]] | None:
    """``rows`` (each without its end tag), each with its ``cells`` and without the
    previous run's (``old``), made at C speed: the rows' start tags, gathered, lose their
    spans in one go, and their cells the old ones. With each row's length; ``None`` for a
    row that no XML holds."""
    tags = list(map(_SPLIT_TAG, rows))
    starts = _SPANS.sub(b"", b"\0".join(map(itemgetter(0), tags))).split(b"\0")
    if len(starts) != len(rows):
        return None
    rests = list(map(itemgetter(2), tags))
    kept = old.without(rests) if old is not None else rests
    if kept is None:
        return None
    rests = kept
    lengths = list(map(sum, zip(map(len, starts), map(len, rests), map(len, cells),
                                repeat(len(b">" + closing)))))
    return b"".join(chain.from_iterable(zip(starts, repeat(b">"), rests, cells,
                                            repeat(closing)))), lengths


class _OldCells:
    """The cells of the previous run's results, in the columns ``letters``, in rows
    written with ``prefix``: in any form a cell takes (``any``), and most, as common
    writers write cells (``<c r="...``), found at C speed, many rows at once."""

    def __init__(self, letters: list[bytes], prefix: bytes) -> None:
        columns = b"(?:" + b"|".join(letters) + rb")\d+\""
        self.any = re.compile(rb"<(?:[\w.-]+:)?c\b[^>]*?\sr=\"" + columns
                              + rb"[^>]*?(?:/>|>.*?</(?:[\w.-]+:)?c>)", re.S)
        self.common = re.compile(re.escape(b"<" + prefix + b'c r="') + columns
                                 + rb"[^>]*?(?:/>|>.*?" + re.escape(b"</" + prefix + b"c>")
                                 + b")", re.S)
        self.addresses = [b'r="' + letter for letter in letters]

    def without(self, cells: list[bytes]) -> list[bytes] | None:
        """Each of ``cells`` (a row's, after its start tag) without the old ones: those
        written as common writers write cells taken out at C speed, all at once, the
        others then as ``any`` finds them; ``None`` for a row's cells that no XML holds
        (a zero byte)."""
        joined = b"\0".join(cells)
        left = self.common.sub(b"", joined)
        if any(address in left for address in self.addresses):  # maybe one written otherwise
            left = self.any.sub(b"", joined)
        kept = left.split(b"\0")
        return kept if len(kept) == len(cells) else None


def _some_with_cells(rows: list[bytes], numbers: list[int], cells: list[bytes | None],
                     edited: set[int], old_cell: re.Pattern[bytes] | None, closing: bytes
                     ) -> tuple[bytes, list[int]]:
    """``rows`` (each without its end tag): those ``edited`` with their ``cells``, if
    any, and their old cells left out, the others as they were; with the length of each
    row edited, 0 for one kept."""
    pieces: list[bytes] = []
    lengths: list[int] = []
    for row, number, added in zip(rows, numbers, cells, strict=True):
        if added is None and number not in edited:
            pieces += (row, closing)
            lengths.append(0)
        else:
            tag_end = row.index(b">") + 1
            piece = _rebuilt(row[:tag_end], row[tag_end:], old_cell, added, closing)
            pieces.append(piece)
            lengths.append(len(piece))
    return b"".join(pieces), lengths


# A large sheet is edited without a Python step per row when its cells and rows are
# written as every common writer writes them (``<c r="..."``, ``<row r="..."``, in order):
# the last column in use is probed from the used range the sheet declares, and only the
# rows that change are looked up. Anything else takes the row-by-row way.
_MAX_PROBES: Final = 8


def probe(xml: bytes, old_columns: frozenset[int]) -> Probe:
    """What ``edit_sheet`` first looks for in the worksheet part ``xml``, which it can be
    given found: its last column in use, but the previous run's results (``old_columns``),
    probed by a few searches, and where its rows start, found at C speed."""
    prefix, data, end = sheet_data(xml)
    if data is None or end < 0:
        return Probe(None, {})
    rows = list(re.compile(re.escape(b"<" + prefix + b'row r="') + rb'(\d+)"').finditer(
        xml, data.end(), end))[::-1]  # the first of a number last, where it stays
    return Probe(_probe_last_user_column(xml, prefix, data.end(), end, old_columns),
                 dict(zip(map(int, map(itemgetter(1), rows)), map(re.Match.start, rows),
                          strict=True)))


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


def _rows_holding(xml: bytes, start: int, end: int, letters: list[bytes]) -> set[int]:
    """The rows with a cell in the columns ``letters``, found by the cells' addresses
    (among rows, only a cell's ``r`` names a column), whatever a cell's prefix: in a
    part whose elements carry one, chantool's cells declare their namespace instead."""
    if not letters:
        return set()
    # Attributes one space apart, as every common writer writes them, are found four times
    # faster than after any white space; whether the rows hold other white space is told
    # at memchr's speed.
    gaps = (b"\t", b"\n", b"\r")
    space = rb"\s" if any(xml.find(gap, start, end) >= 0 for gap in gaps) else b" "
    pattern = re.compile(space + rb'r="(?:' + b"|".join(letters) + rb')(\d+)"')
    return {int(number) for number in pattern.findall(xml, start, end)}


def _locate_rows(xml: bytes, prefix: bytes, start: int, end: int, numbers: list[int],
                 rows_at: dict[int, int]) -> list[_Row] | None:
    """The rows ``numbers`` (ascending), each found by its ``r`` (where ``rows_at`` says,
    when it is there); ``None`` when one is not there as ``<row r="N"`` (a row to create,
    or rows written otherwise)."""
    found = []
    at = start
    closing = b"</" + prefix + b"row>"
    for number in numbers:
        tag = b"<" + prefix + b'row r="%d"' % number
        begin = rows_at.get(number, -1)
        if not (at <= begin < end and xml.startswith(tag, begin)):
            begin = xml.find(tag, at, end)
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
    xml: bytes, row: _Row, old_cell: re.Pattern[bytes] | None, cells: bytes | None,
    prefix: bytes,
) -> bytes:
    original = xml[row.start:row.end]
    if old_cell is None and not cells:
        return original
    closing = b"</" + prefix + b"row>"
    if row.self_closing:
        if not cells:
            return original
        return _SPANS.sub(b"", original[:-2]).rstrip() + b">" + cells + closing
    return _rebuilt(xml[row.start:row.tag_end], xml[row.tag_end:row.end - len(closing)],
                    old_cell, cells, closing)


def _rebuilt(start_tag: bytes, inner: bytes, old_cell: re.Pattern[bytes] | None,
             cells: bytes | None, closing: bytes) -> bytes:
    """A row from its start tag and its cells: the previous run's results (``old_cell``)
    left out, ``cells`` added at its end. A row's spans (the columns its cells take, a
    hint for readers) would no longer cover the cells added: the hint is dropped."""
    if cells:
        start_tag = _SPANS.sub(b"", start_tag)
    if old_cell is not None:
        inner = old_cell.sub(b"", inner)
    return start_tag + inner + (cells or b"") + closing


def _new_row(number: int, new_cells: dict[int, bytes], prefix: bytes) -> bytes:
    return b'<%srow r="%d">%s</%srow>' % (prefix, number, new_cells[number], prefix)


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
