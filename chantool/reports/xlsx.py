"""A report as sheets of tables and charts (``ReportBook``), and ``write``, which lays
every kind out the same way with XlsxWriter: cells, number formats and widths as
``chantool.layout`` gives them for each field's unit, Excel tables with filters, frozen
headers, native charts, print set-up, and fixed document properties, so that the same
inputs give the same bytes.

Nothing here computes a result: values are written as the listings hold them (a rate
stays 0.1599 and is shown 16.0% by its format; an ISO date becomes a date cell).
"""

from __future__ import annotations

import io
import os
import re
import zipfile
from bisect import bisect_right
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache, partial
from itertools import accumulate, chain, repeat
from math import copysign
from pathlib import Path
from typing import Any, Final, Literal, cast

import xlsxwriter
from xlsxwriter.chart import Chart as XlsxChart
from xlsxwriter.format import Format
from xlsxwriter.utility import xl_col_to_name, xl_rowcol_to_cell
from xlsxwriter.worksheet import Worksheet

from chantool.findings import Lang
from chantool.io import isolation
from chantool.io.deflating import Deflated, Deflater, Parts, deflated_piece, write_zip
from chantool.io.output import temporary_path
from chantool.io.sheetxml import joined_rows
from chantool.io.xmltext import spaced
from chantool.layout import NUMBER_FORMATS, Value, column_width, display_width, sheet_column
from chantool.layout import text as shown
from chantool.listings import Field, Listing, Row, Scores, Unit
from chantool.texts import TEXTS, word

Text = tuple[str, str]  # Chinese, English
ChartKind = Literal["column", "bar", "line", "pie", "doughnut", "pareto"]

_TEXT_WIDTH: Final = 40  # wider texts wrap
# What an inline string writes as Excel's _xHHHH_ escape: a character XML cannot hold, and
# the underscore that starts text reading like such an escape.
_UNSAFE: Final = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]|_(?=x[0-9A-Fa-f]{4}_)")
_CHART_ROWS: Final = 18  # rows a chart takes on a sheet, and the gap below it
_CHART_COLUMNS: Final = 9
_PORTRAIT_WIDTH: Final = 95  # wider sheets print landscape
_A4: Final = 9
# Where XlsxWriter's XML of a printed sheet has its rows (``_PrintedSheet``), by the
# sheet's index.
_ROWS_MARK: Final = "<?chantool-rows {index}?>"
_ROWS_FOUND: Final = re.compile(rb"<\?chantool-rows (\d+)\?>")
# Printed sheets of this many cells in all are laid out in two processes (``Writing.print``):
# the statements of 5,000 channels hold 700,000.
_BESIDE_CELLS: Final = 100_000
_HERE: Final = 0.5  # the share of the cells laid out here, which also writes the workbook
# The share laid out here when the laying out starts ahead, while the engine scores the
# workbook on one core: the child forked for the rest has a head start.
_AHEAD: Final = 0.3
# The pages a sheet holds at most: Excel keeps at most 1,026 manual page breaks on a
# sheet, and XlsxWriter writes at most 1,023 (``Worksheet._sort_pagebreaks``).
PAGES: Final = 1024


@dataclass(frozen=True)
class Table:
    """A listing's rows under a title: an Excel table with a filter; ``name`` lets charts
    refer to it."""

    name: str
    title: Text
    fields: tuple[Field, ...]
    rows: Sequence[Row]
    # On a ``Page``, the part of a statement the table is: the tables of a part are made
    # into cells together, and measured together, so that every statement is laid out
    # alike (``Writing.print``).
    part: str | None = None


@dataclass(frozen=True)
class Chart:
    """A native chart of a table's columns: categories from one field, a series per
    value field (a Pareto chart: the bars, then the cumulative share on a second axis)."""

    kind: ChartKind
    title: Text
    table: str
    category: str
    values: tuple[str, ...]
    axis: Text | None = None  # the value axis's title; the first value's heading if None


@dataclass(frozen=True)
class Page:
    """A part of a sheet printed from a new page (a dealer's statement): its own title
    line, the lines below it and its tables."""

    title: Text
    tables: tuple[Table, ...] = ()
    lines: tuple[Text, ...] = ()


@dataclass(frozen=True)
class Sheet:
    name: Text
    tables: tuple[Table, ...] = ()
    charts: tuple[Chart, ...] = ()
    # Instead of the tables: pages one below the other, each with its title and lines and
    # starting a new printed page (at most ``PAGES``). The tables of pages have plain
    # headers (printed statements: thousands of tables write several times faster); the
    # others are Excel tables with filters, the first header frozen.
    pages: tuple[Page, ...] = ()


@dataclass(frozen=True)
class ReportBook:
    title: Text
    sheets: tuple[Sheet, ...]


def text(key: str) -> Text:
    """A text of the catalogue in both languages."""
    return TEXTS[key]


def listing(scores: Scores, key: str) -> Listing:
    """A listing of ``scores``; an empty one when the source did not compute it."""
    found = scores.listing(key)
    return found if found is not None else Listing(key, text("report.none"), ())


def table(listing: Listing, keys: Sequence[str] = (), rows: Sequence[Row] | None = None,
          name: str | None = None, title: Text | None = None,
          extra: Sequence[Field] = ()) -> Table:
    """A table of ``listing``'s fields ``keys`` (all when empty), ``extra`` fields first,
    of ``rows`` (all of the listing's when None)."""
    fields = {f.key: f for f in listing.fields}
    chosen = tuple(fields[key] for key in keys if key in fields) if keys else listing.fields
    return Table(name or listing.key, title or listing.title, (*extra, *chosen),
                 listing.rows if rows is None else rows)


# A column of a table: its values as the sheet holds them, the format of its numbers,
# its width.
_Column = tuple[list[Value], Format | None, float]


@dataclass
class _Placed:
    sheet: str
    first_row: int  # the header row
    last_row: int
    columns: dict[str, int]


@dataclass
class _Laid:
    """Printed sheets laid out in one process (``Writing.lay_out``): each sheet's rows
    deflated, its last cell, the rows its pages start at and the parts on it; each part's
    column widths, measured on the rows laid out."""

    sheets: list[tuple[Deflated, tuple[int, int], list[int], set[str]]]
    widths: dict[str, list[float]]


@dataclass(frozen=True)
class _Printing:
    """Printed sheets being laid out (``Writing.print``): the first ``split`` here, the
    others ``beside``."""

    sheets: Sequence[tuple[_PrintedSheet, Sheet]]
    split: int
    beside: isolation.Beside[_Laid]


class _Sheet(Worksheet):  # type: ignore[misc]
    """A sheet of Excel tables and charts, its cells kept and written by XlsxWriter."""

    def write_block(self, row: int, columns: Sequence[_Column], wrap: Format) -> None:
        """A table's rows from ``row`` down, given by column: each column's values and
        the format of its numbers; long texts (explanations) wrap, so that rows grow
        taller, not pages wider."""
        for column, (values, numbers, _) in enumerate(columns):
            for offset, value in enumerate(values, row):
                if isinstance(value, str):
                    self.write_string(offset, column, value, wrap if _long(value) else None)
                elif value is not None:
                    self.write_number(offset, column, value, numbers)


class _PrintedSheet(Worksheet):  # type: ignore[misc]
    """A printed sheet (dealers' statements): plain cells, no tables or charts. XlsxWriter
    keeps each cell as an object and writes it element by element, ~10 µs a cell: the
    statements of thousands of channels hold near a million cells. Here the cells are
    laid out as the pages are written, the tables' as where their rows are among their
    part's (``write_part``), and made into rows of XML in one go (``rows_xml``);
    XlsxWriter writes the rest of the sheet, its rows a mark that the package's rows
    replace (``_package``). Numbers are ``<v>`` values and texts inline strings
    (``t="inlineStr"``), as ECMA-376 allows; the styles are XlsxWriter's formats."""

    def __init__(self) -> None:
        super().__init__()
        self.cells: dict[int, dict[int, str]] = {}  # row -> column -> the cell's XML
        # The rows of tables' headers (``write_row``), no row of which is in ``cells``:
        # row -> the XML of its cells.
        self.rows: dict[int, str] = {}
        # The tables' rows (``write_part``): the first row, the part, where the rows
        # start among the part's rows laid out, how many there are.
        self.blocks: list[tuple[int, str, int, int]] = []
        self.columns = 0  # how many columns ``rows`` and ``blocks`` take
        self.extent = (0, 0)  # the last row and column in use, as ``_write_dimension`` says
        self.heights: dict[int, float] = {}
        # The cells of a header before and after its row number, by the header.
        self.headers: dict[tuple[tuple[str, ...], int, Format | None], list[tuple[str, str]]] = {}
        # A text cell after its reference, by its text and format (``write_string``).
        self.strings: dict[tuple[str, Format | None], str] = {}

    def write_string(self, row: int, col: int, string: str,
                     cell_format: Format | None = None) -> int:
        key = (string, cell_format)
        after = self.strings.get(key)  # a table's title, the as-of line: made once
        if after is None:
            after = self.strings[key] = _text_end(_style(cell_format), string)
        self.cells.setdefault(row, {})[col] = f'<c r="{_column_name(col)}{row + 1}"{after}'
        return 0

    def write_row(self, row: int, col: int, data: Sequence[str],
                  cell_format: Format | None = None) -> int:
        """A table's header: a row of its own (``rows``), the same for every channel's
        table of a part but for the row number."""
        key = (tuple(data), col, cell_format)
        around = self.headers.get(key)
        if around is None:
            style = _style(cell_format)
            around = self.headers[key] = [
                (f'<c r="{_column_name(column)}', f'"{_text_end(style, value)}')
                for column, value in enumerate(data, col)]
        number = row + 1
        self.rows[row] = "".join([f"{before}{number}{after}" for before, after in around])
        self.columns = max(self.columns, col + len(data))
        return 0

    def write_part(self, row: int, part: str, start: int, count: int) -> None:
        """A table's ``count`` rows from ``row`` down, below its header (``write_row``,
        which counts their columns): the rows of ``part`` laid out from ``start`` on."""
        self.blocks.append((row, part, start, count))

    def set_row(self, row: int, height: float) -> int:
        self.heights[row] = height
        return 0

    def last_cell(self) -> tuple[int, int]:
        """The last row and the last column in use."""
        return (max((*self.cells, *self.rows,
                     *(row + count - 1 for row, _, _, count in self.blocks)), default=0),
                max((*(max(cells) for cells in self.cells.values()), self.columns - 1, 0)))

    def rows_xml(self, parts: Mapping[str, Sequence[bytes]]) -> bytes:
        """The sheet's rows as ``<sheetData>`` holds them, in UTF-8: the tables' from the
        rows of their parts laid out (``_part_rows``), each table's together (no other
        cell is in a table's rows, nor a row of a set height: ``Writing.lay_out``)."""
        pieces = {row: self._row(row, cells) for row, cells in self.rows.items()}
        for row, cells in self.cells.items():  # most of them of one cell
            pieces[row] = self._row(row, "".join(map(cells.__getitem__, sorted(cells)))
                                    if len(cells) > 1 else next(iter(cells.values())))
        for row, part, start, count in self.blocks:
            numbers = list(map(b"%d".__mod__, range(row + 1, row + 1 + count)))
            pieces[row] = b"".join(chain.from_iterable(zip(
                repeat(b'<row r="'), numbers, repeat(b'">'),
                map(bytes.replace, parts[part][start:start + count], repeat(_NUMBER), numbers),
                repeat(b"</row>"))))
        return b"".join(map(pieces.__getitem__, sorted(pieces)))

    def _row(self, row: int, cells: str) -> bytes:
        """A row of ``cells``, of its set height if it has one."""
        height = self.heights.get(row)
        if height is None:
            return b'<row r="%d">%b</row>' % (row + 1, cells.encode())
        return f'<row r="{row + 1}" ht="{height}" customHeight="1">{cells}</row>'.encode()

    # The two parts of the sheet's XML that hold its cells (XlsxWriter's are empty: it
    # holds none of them).
    def _write_dimension(self) -> None:
        self._xml_empty_tag("dimension", [("ref", f"A1:{xl_rowcol_to_cell(*self.extent)}")])

    def _write_sheet_data(self) -> None:
        self.fh.write(f"<sheetData>{_ROWS_MARK.format(index=self.index)}</sheetData>")


def _style(cell_format: Format | None) -> str:
    """A cell's ``s`` attribute: its format's number (none: no attribute). The formats of
    printed sheets are numbered before they are laid out (``Writing.number``), as
    XlsxWriter numbers a format when a sheet first uses it, and a sheet may be laid out
    in another process."""
    if cell_format is None:
        return ""
    assert cell_format.xf_index is not None, "a format of a printed sheet not numbered"
    return f' s="{cell_format.xf_index}"'


def _text_end(style: str, value: str) -> str:
    """A text cell after its reference: its ``s`` attribute (``_style``) and its text."""
    return f'{style} t="inlineStr">{_inline(value)}</c>'


def _text(texts: dict[str, bytes], value: str, wrapped: str) -> bytes:
    """The end of a text cell of a table after its reference, made once for each text
    (``texts``): a text is often repeated (a model, a mode), and escaped once."""
    made = texts[value] = _text_end(wrapped if _long(value) else "", value).encode()
    return made


# Where a row's number goes in the cells of a row of a part made before its place is
# known (``_part_rows``): no XML holds it (``_inline`` escapes control characters).
_NUMBER: Final = b"\0"


def _part_rows(columns: Sequence[tuple[Sequence[Value], str]], wrapped: str) -> list[bytes]:
    """The cells of each row of a part's ``columns`` (their values and the style of their
    numbers), with ``_NUMBER`` where the row's number goes: made once for all of the
    part's tables, a column at a time, and joined in one go (``sheetxml.joined_rows``);
    a table's rows are then each one replacement away (``rows_xml``). A text's end is
    made once for each text, a blank cell left out."""
    texts: dict[str, bytes] = {}
    cells: list[Iterable[bytes]] = []
    for column, (values, style) in enumerate(columns):
        start = b'<c r="' + _column_name(column).encode() + _NUMBER + b'"'
        if set(map(type, values)) <= {int, float}:
            cells += [repeat(start + style.encode() + b"><v>"),
                      map(str.encode, map(repr, values)), repeat(b"</v></c>")]
            continue
        number = start + style.encode() + b"><v>%b</v></c>"
        cells.append([b"" if value is None
                      else start + (texts.get(value) or _text(texts, value, wrapped))
                      if isinstance(value, str) else number % repr(value).encode()
                      for value in values])
    return list(joined_rows(cells))


@cache
def _column_name(column: int) -> str:
    return str(xl_col_to_name(column))


def _inline(value: str) -> str:
    """An inline string's ``<is>`` element; spaces at either end kept. A control character
    XML cannot hold is written as Excel writes it (``_x000B_``), and text that reads like
    such an escape keeps its underscore (``_x005F_``), as XlsxWriter does for its cells."""
    if _UNSAFE.search(value):
        value = _UNSAFE.sub(lambda found: f"_x{ord(found[0][0]):04X}_", value)
    escaped = value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    space = ' xml:space="preserve"' if spaced((value,))[0] else ""
    return f"<is><t{space}>{escaped}</t></is>"


class Writing:
    """One report's workbook being written: ``start`` it, then ``finish`` it (or ``cancel``
    it, the workbook not to be written)."""

    def __init__(self, book: ReportBook, path: Path, as_of: date, source: str,
                 lang: Lang) -> None:
        self.book, self.as_of, self.source, self.lang = book, as_of, source, lang
        # Written beside ``path`` first, then moved there (``finish``).
        self.path, self.temporary = path, temporary_path(path)
        # In memory: XlsxWriter otherwise writes every part to a temporary file first, which
        # costs more than the writing itself for a statement of a hundred sheets. Its
        # package is only the frame of the workbook written (``_package``).
        self.frame = io.BytesIO()
        self.workbook = xlsxwriter.Workbook(self.frame, {"in_memory": True,
                                                        "strings_to_numbers": False,
                                                        "strings_to_formulas": False,
                                                        "strings_to_urls": False})
        created = datetime(as_of.year, as_of.month, as_of.day)
        self.title = self.text(book.title)
        self.as_of_line = word("report.as_of", lang).format(as_of=as_of.isoformat(),
                                                             source=source)
        self.workbook.set_properties({"title": self.title, "author": "chantool",
                                      "company": "", "created": created})
        self.formats: dict[tuple[str, bool], Format] = {}
        self.placed: dict[str, _Placed] = {}
        self.rows: dict[int, Deflated] = {}  # each printed sheet's rows, by its index
        self.sheets: list[tuple[Worksheet, Sheet]] = []
        self.printing: _Printing | None = None

    def text(self, text: Text) -> str:
        return text[0] if self.lang == "zh" else text[1]

    def format(self, kind: str, wrap: bool = False) -> Format:
        key = (kind, wrap)
        if key not in self.formats:
            properties: dict[str, Any] = {"valign": "top"}
            if kind in NUMBER_FORMATS and kind != "text":
                properties["num_format"] = NUMBER_FORMATS[kind]  # type: ignore[index]
            if kind == "title":
                properties.update(bold=True, font_size=14)
            if kind == "heading":
                properties.update(bold=True, font_size=12, font_color="#1F4E78")
            if kind == "header":
                properties.update(bold=True, bottom=1, bg_color="#DDEBF7")
            if wrap:
                properties["text_wrap"] = True
            self.formats[key] = self.workbook.add_format(properties)
        return self.formats[key]

    def start(self, *, ahead: bool) -> None:
        """Add the sheets, and start laying out the printed ones (``print``); ``ahead``:
        while the engine still scores the workbook, which leaves a core free."""
        # A report with nothing to show still says so on a sheet of its own.
        sheets = self.book.sheets or (Sheet(text("report.none")),)
        names = _sheet_names(tuple(self.text(sheet.name) for sheet in sheets))
        self.sheets = [(self.workbook.add_worksheet(
            name, worksheet_class=_PrintedSheet if sheet.pages else _Sheet), sheet)
            for name, sheet in zip(names, sheets, strict=True)]
        self.printing = self.print([(worksheet, sheet) for worksheet, sheet in self.sheets
                                    if isinstance(worksheet, _PrintedSheet)],
                                   _AHEAD if ahead else _HERE)

    def finish(self) -> None:
        """Write the workbook ``start`` started."""
        if self.printing is not None:
            self.printed(self.printing)
        # Tables first: the charts of an earlier sheet refer to them.
        for worksheet, sheet in self.sheets:
            if isinstance(worksheet, _Sheet):
                self.tables(worksheet, sheet)
        for worksheet, sheet in self.sheets:
            self.charts(worksheet, sheet)
        self.workbook.close()
        _package(self.frame.getvalue(), self.temporary, self.rows)

    def cancel(self) -> None:
        """End the laying out ``start`` started beside, the workbook not to be written."""
        if self.printing is not None:
            self.printing.beside.cancel()

    def print(self, printed: Sequence[tuple[_PrintedSheet, Sheet]], here: float
              ) -> _Printing | None:
        """Start laying out the printed sheets' pages: of ``_BESIDE_CELLS`` or more, the
        later sheets in a child forked for it (``isolation.Beside``, where a core is
        free), beside the first ``here`` of the cells, laid out here (``printed``); fewer
        are all laid out here. Each
        process makes only the rows of its sheets, and measures each part's columns on
        them: the widths are the widest of both, on every sheet (``printed``). ``None``
        without printed sheets."""
        if not printed:  # no format of theirs numbered: a workbook holds no unused style
            return None
        self.number(printed)
        weights = [sum(len(block.rows) * len(block.fields) for page in sheet.pages
                       for block in page.tables) for _, sheet in printed]
        total = sum(weights)
        share = here if total >= _BESIDE_CELLS else 1.0  # fewer: all laid out here at once
        split = bisect_right(list(accumulate(weights)), share * total)
        return _Printing(printed, split, isolation.Beside(
            partial(self.lay_out, printed[split:]), start=split < len(printed)))

    def printed(self, printing: _Printing) -> None:
        """Lay out the printed sheets ``print`` left here, and set every printed sheet's
        rows, widths, page breaks and print set-up from both processes' layout."""
        printed, split, beside = printing.sheets, printing.split, printing.beside
        try:
            here = self.lay_out(printed[:split])
            there = beside.result()
        except BaseException:
            beside.cancel()
            raise
        widths = dict(here.widths)
        for part, found in there.widths.items():
            widths[part] = list(map(max, widths.get(part, found), found))
        for (worksheet, _), (rows, extent, starts, parts) in zip(
                printed, (*here.sheets, *there.sheets), strict=True):
            self.rows[worksheet.index] = rows
            worksheet.extent = extent
            by_column: dict[int, float] = {}
            for part in sorted(parts):
                for column, width in enumerate(widths[part]):
                    by_column[column] = max(by_column.get(column, 0), width)
            for column, width in sorted(by_column.items()):
                worksheet.set_column(column, column, width)
            worksheet.set_h_pagebreaks(starts[1:])  # each page from a new printed page
            self.print_setup(worksheet, landscape=sum(by_column.values()) > _PORTRAIT_WIDTH,
                             pages=True)

    def number(self, printed: Sequence[tuple[_PrintedSheet, Sheet]]) -> None:
        """Number every format the printed sheets use (``_style``), in one order: a
        table's header, numbers and long texts only where a table has rows."""
        blocks = [block for _, sheet in printed for page in sheet.pages for block in page.tables]
        filled = [block for block in blocks if block.rows]
        units = {field.unit for block in filled for field in block.fields} - {"text"}
        used = [self.format("title"), *([self.format("heading")] if blocks else []),
                *([self.format("header"), self.format("text", wrap=True)] if filled else []),
                *map(self.format, sorted(units))]
        for cell_format in used:
            cell_format._get_xf_index()

    def lay_out(self, printed: Sequence[tuple[_PrintedSheet, Sheet]]) -> _Laid:
        """Lay out ``printed`` sheets' pages, then make each part's rows on them into
        cells, and their rows into XML."""
        laid: dict[str, list[Row]] = {}  # each part's rows, in the order laid out
        fields: dict[str, tuple[Field, ...]] = {}
        headings: dict[str, list[str]] = {}
        sheets = []
        for worksheet, sheet in printed:
            assert len(sheet.pages) <= PAGES, sheet.name
            row, starts, parts = 0, [], set()
            for page in sheet.pages:
                starts.append(row)
                row = self.header(worksheet, page, row)
                if not page.tables:
                    worksheet.write_string(row, 0, word("report.none", self.lang))
                for block in page.tables:
                    worksheet.write_string(row, 0, self.text(block.title),
                                           self.format("heading"))
                    row += 1
                    if not block.rows:
                        worksheet.write_string(row, 0, word("report.none", self.lang))
                        row += 2
                        continue
                    assert block.part is not None, block.name
                    rows = laid.setdefault(block.part, [])
                    if block.part not in fields:
                        fields[block.part] = block.fields
                        headings[block.part] = self.headings(block.fields)
                    worksheet.write_row(row, 0, headings[block.part], self.format("header"))
                    worksheet.write_part(row + 1, block.part, len(rows), len(block.rows))
                    rows.extend(block.rows)
                    parts.add(block.part)
                    row += len(block.rows) + 3
            sheets.append((starts, parts))
        columns = {part: self.columns(fields[part], headings[part], rows)
                   for part, rows in laid.items()}
        wrapped = _style(self.format("text", wrap=True))
        cells = {part: _part_rows([(values, _style(numbers)) for values, numbers, _ in made],
                                  wrapped) for part, made in columns.items()}
        return _Laid([(deflated_piece(worksheet.rows_xml(cells)),
                       worksheet.last_cell(), starts, parts)
                      for (worksheet, _), (starts, parts) in zip(printed, sheets, strict=True)],
                     {part: [width for _, _, width in made] for part, made in columns.items()})

    def header(self, worksheet: Worksheet, page: Page, row: int) -> int:
        """A page's title lines from ``row``; the row its first block starts at."""
        worksheet.set_row(row, 22)  # the title's larger font
        worksheet.write_string(row, 0, f"{self.title} · {self.text(page.title)}",
                               self.format("title"))
        worksheet.write_string(row + 1, 0, self.as_of_line)
        for number, line in enumerate(page.lines, row + 2):
            worksheet.write_string(number, 0, self.text(line))
        return row + 3 + len(page.lines)

    def tables(self, worksheet: _Sheet, sheet: Sheet) -> None:
        page = Page(sheet.name, sheet.tables)
        widths: dict[int, float] = {}
        frozen = None
        row = self.header(worksheet, page, 0)
        if not page.tables and not sheet.charts:
            worksheet.write_string(row, 0, word("report.none", self.lang))
        for block in page.tables:
            worksheet.write_string(row, 0, self.text(block.title), self.format("heading"))
            row += 1
            if not block.rows:
                worksheet.write_string(row, 0, word("report.none", self.lang))
                row += 2
                continue
            frozen = row + 1 if frozen is None else frozen
            row = self.table(worksheet, block, row, widths)
        for column, width in sorted(widths.items()):
            worksheet.set_column(column, column, width)
        if frozen is not None:
            worksheet.freeze_panes(frozen, 0)
            worksheet.repeat_rows(frozen - 1)
        self.print_setup(worksheet, landscape=sum(widths.values()) > _PORTRAIT_WIDTH
                         or bool(sheet.charts))

    def table(self, worksheet: _Sheet, block: Table, row: int, widths: dict[int, float]) -> int:
        """Write ``block`` from ``row`` (its header) as an Excel table with a filter; the
        row after the gap below it."""
        headings = self.headings(block.fields)
        made = self.columns(block.fields, headings, block.rows)
        for column, (_, _, width) in enumerate(made):
            widths[column] = max(widths.get(column, 0), width)
        worksheet.write_block(row + 1, made, self.format("text", wrap=True))
        last = row + len(block.rows)
        worksheet.add_table(row, 0, last, len(block.fields) - 1, {
            "columns": [{"header": heading} for heading in headings],
            "style": "Table Style Light 9", "autofilter": True})
        self.placed[block.name] = _Placed(worksheet.get_name(), row, last,
                                          {f.key: n for n, f in enumerate(block.fields)})
        return last + 3

    def headings(self, fields: Sequence[Field]) -> list[str]:
        return _unique([field.heading(self.lang) for field in fields])

    def columns(self, fields: Sequence[Field], headings: Sequence[str],
                rows: Sequence[Row]) -> list[_Column]:
        """For each column of a table of ``fields`` under ``headings``: the values of
        ``rows`` as the sheet holds them, the format of its numbers and its width."""
        rows = list(rows)  # gone through once (a listing's rows are made as first read)
        columns = []
        for field, heading in zip(fields, headings, strict=True):
            raws = list(map(dict.get, rows, repeat(field.key)))
            values = sheet_column(field, raws, self.lang)
            columns.append((values, self.format(field.unit) if field.unit != "text" else None,
                            self.width(field, heading, raws, values)))
        return columns

    def width(self, field: Field, heading: str, raws: Sequence[Any],
              values: Sequence[Value]) -> float:
        """The width of a column of ``field``, its values ``raws`` shown in a sheet as
        ``values``: its widest text or number as shown, at most ``_TEXT_WIDTH`` (longer
        texts wrap)."""
        widest, places = heading, display_width(heading)
        # Told by the kinds of values first: a column of thousands holds one kind or two.
        kinds = set(map(type, values))
        texts = cast("set[str]", set(values)) if kinds == {str} else {
            value for value in values if isinstance(value, str)}
        for value in texts:
            if _long(value):  # it wraps at the widest
                return _TEXT_WIDTH
            width = display_width(value)
            if width > places:
                widest, places = value, width
        if places > _TEXT_WIDTH:
            return _TEXT_WIDTH
        numbers: Sequence[Any] = raws if kinds <= {int, float} else [
            raw for raw, value in zip(raws, values, strict=True) if isinstance(value, int | float)]
        # The widest number as shown is the largest or the smallest (a minus sign) of
        # those shown with fixed decimals (money, rates) or none (whole numbers; dates,
        # whose cells hold day numbers, the first or the last); a fraction shown with its
        # significant digits may be wider (0.125 than 5): each is measured. So the widest
        # of the widths measured on parts of a column's rows is the width measured on them
        # all (``print``).
        fractions = set() if field.unit in ("money", "rate") or not any(
            issubclass(kind, float) for kind in set(map(type, numbers))) else {
            number for number in numbers if isinstance(number, float) and not number.is_integer()}
        ordered = ([number for number in numbers if number not in fractions] if fractions
                   else numbers)
        measured = [*fractions, *((min(ordered), max(ordered)) if ordered else ())]
        if 0 in measured and any(copysign(1, number) < 0 for number in ordered if number == 0):
            measured.append(-0.0)  # shown with its minus: whichever zero min or max kept
        extremes = [shown(field, value, self.lang) for value in measured]
        return min(column_width([widest, *extremes]), _TEXT_WIDTH)

    def print_setup(self, worksheet: Worksheet, *, landscape: bool, pages: bool = False) -> None:
        """A4, one page wide, the footer; a sheet of ``pages`` (a manager's statements,
        each sent on its own) names itself beside the page number, which counts the
        sheet's pages, not a statement's."""
        worksheet.set_paper(_A4)
        if landscape:
            worksheet.set_landscape()
        else:
            worksheet.set_portrait()
        worksheet.fit_to_pages(1, 0)
        worksheet.set_margins(left=0.5, right=0.5, top=0.6, bottom=0.7)
        footer = word("report.footer.pages" if pages else "report.footer", self.lang).format(
            title=self.title.replace("&", "&&"), as_of=self.as_of.isoformat())
        worksheet.set_footer(footer)

    def charts(self, worksheet: Worksheet, sheet: Sheet) -> None:
        if not sheet.charts:
            return
        row = 3
        if sheet.tables:  # below the tables
            ends = [placed.last_row for name, placed in self.placed.items()
                    if placed.sheet == worksheet.get_name()]
            row = max(ends, default=row) + 3
        shown = [chart for chart in sheet.charts if chart.table in self.placed]
        for number, spec in enumerate(shown):
            chart = self.chart(spec)
            worksheet.insert_chart(row + _CHART_ROWS * (number // 2),
                                   _CHART_COLUMNS * (number % 2), chart,
                                   {"x_scale": 1.1, "y_scale": 1.2, "object_position": 3})
        for missing in sheet.charts:
            if missing.table not in self.placed:
                row_at = row + _CHART_ROWS * ((len(shown) + 1) // 2)
                worksheet.write_string(row_at, 0, word("report.no_chart", self.lang).format(
                    title=self.text(missing.title)))
                row += 1
        if not sheet.tables:  # a page of charts: on one page
            self.print_setup(worksheet, landscape=True)
            worksheet.fit_to_pages(1, 1)

    def chart(self, spec: Chart) -> XlsxChart:
        placed = self.placed[spec.table]
        block = next(table for sheet in self.book.sheets for table in sheet.tables
                     if table.name == spec.table)
        fields = {f.key: f for f in block.fields}
        first, last = placed.first_row + 1, placed.last_row
        sheet = placed.sheet
        categories = [sheet, first, placed.columns[spec.category], last,
                      placed.columns[spec.category]]
        kind = "column" if spec.kind == "pareto" else spec.kind
        chart = self.workbook.add_chart({"type": kind})
        assert chart is not None
        labels = last - first < 12
        for position, key in enumerate(spec.values):
            column = placed.columns[key]
            unit = fields[key].unit
            series: dict[str, Any] = {
                "name": [sheet, placed.first_row, column],
                "categories": categories, "values": [sheet, first, column, last, column]}
            if spec.kind in ("pie", "doughnut"):
                series["data_labels"] = {"percentage": True, "category": True,
                                         "leader_lines": True}
            elif labels:
                series["data_labels"] = {"value": True, "num_format": _label_format(unit)}
            if spec.kind == "pareto" and position == 1:
                line = self.workbook.add_chart({"type": "line"})
                assert line is not None
                line.add_series({**series, "y2_axis": True, "marker": {"type": "circle"},
                                 "data_labels": {"value": labels, "num_format": "0%"}})
                line.set_y2_axis({"name": fields[key].heading(self.lang), "min": 0, "max": 1,
                                  "num_format": "0%"})
                chart.combine(line)
            else:
                chart.add_series(series)
        chart.set_title({"name": self.text(spec.title), "name_font": {"size": 12}})
        if spec.kind not in ("pie", "doughnut"):
            value_field, category = fields[spec.values[0]], fields[spec.category]
            axis = {"name": self.text(spec.axis) if spec.axis else
                    value_field.heading(self.lang),
                    "num_format": _label_format(value_field.unit), "min": 0,
                    "major_gridlines": {"visible": True, "line": {"color": "#D9D9D9"}}}
            category_axis: dict[str, Any] = {"name": category.heading(self.lang)}
            if category.unit in ("date", "month"):  # the cells hold Excel's day numbers
                category_axis["num_format"] = NUMBER_FORMATS[category.unit]
            if spec.kind == "bar":
                chart.set_x_axis(axis)
                chart.set_y_axis({**category_axis, "reverse": True})
            else:
                chart.set_y_axis(axis)
                chart.set_x_axis(category_axis)
        single = len(spec.values) == 1 and spec.kind not in ("pie", "doughnut")
        chart.set_legend({"none": True} if single else {"position": "bottom"})
        return chart


def _long(value: str) -> bool:
    """Whether a text is wider than ``_TEXT_WIDTH`` (a character takes at most two)."""
    return len(value) > _TEXT_WIDTH or (2 * len(value) > _TEXT_WIDTH
                                        and display_width(value) > _TEXT_WIDTH)


def _label_format(unit: Unit) -> str:
    """Data labels short enough to sit on a bar: yuan without fen, whole percentages."""
    return {"money": "#,##0", "rate": "0%"}.get(unit, NUMBER_FORMATS[unit])


def _unique(headings: list[str]) -> list[str]:
    """Excel tables need distinct headings: a repeated one gets a number."""
    seen: dict[str, int] = {}
    unique = []
    for heading in headings:
        seen[heading] = seen.get(heading, 0) + 1
        unique.append(heading if seen[heading] == 1 else f"{heading}{seen[heading]}")
    return unique


def _sheet_names(names: Sequence[str]) -> list[str]:
    """Names Excel accepts: at most 31 characters (UTF-16 units: a character beyond the
    Basic Multilingual Plane counts two), no []:*?/\\ nor control character, none at
    either end an apostrophe, distinct."""
    found: list[str] = []
    taken: set[str] = set()
    for name in names:
        clean = _fit("".join("_" if char in "[]:*?/\\" or char < " " else char
                             for char in name)
                     .strip("'"), 31) or "_"
        candidate, number = clean, 1
        while candidate.lower() in taken:
            number += 1
            suffix = f" ({number})"
            candidate = _fit(clean, 31 - len(suffix)) + suffix
        found.append(candidate)
        taken.add(candidate.lower())
    return found


def _fit(name: str, units: int) -> str:
    """``name`` cut to at most ``units`` UTF-16 units, without an apostrophe at its end."""
    while len(name.encode("utf-16-le")) > 2 * units:
        name = name[:-1]
    return name.rstrip("'")


def _package(frame: bytes, path: Path, rows: Mapping[int, Deflated]) -> None:
    """Write XlsxWriter's package ``frame`` to ``path``, each printed sheet's ``rows``
    deflated into its place (by ISA-L, as ``Deflater`` does: the statements' fifty
    megabytes of XML several times as fast as zipfile's zlib); every other part as the
    frame holds it (``deflating.write_zip``)."""
    parts = Parts()
    with zipfile.ZipFile(io.BytesIO(frame)) as archive:
        for info in archive.infolist():
            if not (rows and info.filename.startswith("xl/worksheets/")):
                continue
            data = archive.read(info)
            found = _ROWS_FOUND.search(data)
            if found is not None:
                deflater = Deflater()
                deflater.write(data[:found.start()])
                deflater.add(rows[int(found[1])])
                deflater.write(data[found.end():])
                parts.deflated[info.filename] = deflater.close()
        write_zip(archive, path, parts)


def start(book: ReportBook, path: Path, *, as_of: date, source: str, lang: Lang,
          ahead: bool = False) -> Writing:
    """Start writing ``book`` to ``path`` (``finish`` writes it): the later of its printed
    sheets are laid out from now on, beside, the others by ``finish`` (``Writing.print``);
    ``ahead``: while the engine still scores the workbook."""
    writing = Writing(book, path, as_of, source, lang)
    writing.start(ahead=ahead)
    return writing


def finish(writing: Writing) -> None:
    """Write the workbook ``writing`` started to its path: first beside it, then moved
    there, so that a failure leaves no half-written report."""
    try:
        writing.finish()
        os.replace(writing.temporary, writing.path)
    except BaseException:
        writing.cancel()
        raise
    finally:
        writing.temporary.unlink(missing_ok=True)
    isolation.leave_to_exit(writing)  # the statements' rows and cells: a million objects


def write(book: ReportBook, path: Path, *, as_of: date, source: str, lang: Lang) -> None:
    """Write ``book`` to ``path`` (``start``, then ``finish``)."""
    finish(start(book, path, as_of=as_of, source=source, lang=lang))
