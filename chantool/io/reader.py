"""Reading workbook files into the engine's raw sheets, with python-calamine.

Cell values are passed through as calamine gives them (blank cells as ``""``, numbers
as floats, date cells as dates); typing them is the engine's job, which reports rather
than drops. Only the sheets the engine knows are read.

The sheets are handed over at once and parsed one after the other, smallest first. In a
large workbook they are parsed in a thread of their own: calamine parses without holding
the GIL, so the engine types and scores the small sheets and the first large one while the
largest is still being parsed (see ``book.run_steps``), and a sheet's rows wait for its
parse. calamine parses a sheet in one thread: a large sheet's part is cut in two at a row,
and each half parsed at once in a thread of its own (``_read_in_halves``). A small
workbook's sheets are parsed before they are handed over: there is too little parsing to
overlap for the thread to pay for itself. So are a large one's in a child of a batch that
keeps every core busy (``isolation.crowded``): no core is free for the thread.

python-calamine hands error cells (``<c t="e"><v>#N/A</v></c>``) over as blank. So that
they give the same ``cell_error`` findings as in Excel (``xl.live``), their text is put
back: each sheet's part is scanned for ``t="e"`` at C speed (a large part in another
thread while calamine parses it), and only where it is found are those cells read. The
package is opened for that once a workbook, not once a sheet.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Callable, Sequence
from concurrent.futures import Future, wait
from pathlib import Path
from tempfile import TemporaryDirectory
from threading import Thread
from typing import Any, Final

from python_calamine import CalamineSheet, CalamineWorkbook, SheetTypeEnum

from chantool.io import package
from chantool.io.isolation import crowded
from chantool.io.xmltext import sheet_data
from chantool.table import MergedRange, RawSheet, split_address, wanted

_ERROR_TYPE: Final = b't="e"'
# The scan inflates a part this much at a time: below the size from which malloc maps
# each block afresh (128 KB), so that every chunk reuses the memory of the one before
# instead of touching new pages, which a child (io.isolation) pays for with a page fault
# each: 1 MB chunks cost about 1,200 of them a workbook of 10,000 rows.
_CHUNK: Final = 64 << 10
# A workbook whose sheets' XML is this large is parsed in a thread of its own. Below it the
# thread's cost (starting it, and the two threads handing the GIL to each other, some
# milliseconds in a batch's child) outweighs what the engine could do during the parse.
_PARSE_ASIDE_BYTES: Final = 1 << 20
# In such a workbook, a part this large is scanned for error cells in a thread of its own,
# while calamine parses it; a smaller one (as in most workbooks) before: scanning it costs
# less than starting the thread (a few hundred microseconds, scanning about 100 KB), and on
# a busy machine there is no free core for the thread anyway.
_SCAN_ASIDE_BYTES: Final = 256 << 10
# How a cell's start tag starts, a character of a name (t="e" ends another attribute's
# name after one), an error cell's address, and its value.
_CELL_TAG: Final = re.compile(rb"<c\b")
_WORD: Final = re.compile(rb"\w")
_REF: Final = re.compile(rb'\br="([A-Z]+[0-9]+)"')
_VALUE: Final = re.compile(rb"<v>([^<]*)</v>")
# A part this large (its XML), in a workbook parsed in threads, is parsed in two halves at
# once: about 20 ms a megabyte parsed in one thread, and inflating and cutting the part,
# and storing each half in a package, costs a tenth of that. Only when it holds this share
# of the workbook's sheets: the engine then waits for its parse, with a core free. When
# other large sheets are parsed before it, the engine types and scores them meanwhile, on
# that core (``score`` of 100,000 visits and 100,000 sales was no faster in halves, and
# held a sheet's XML more).
_HALVES_BYTES: Final = 4 << 20
_HALVES_SHARE: Final = 0.75
# The halves copy the workbook's other parts only when they are this many times smaller
# than the sheet's part (a workbook with large pictures is read whole).
_BESIDES_SHARE: Final = 8
# Rows tried for a cut, from the middle of the sheet's rows on.
_CUT_TRIES: Final = 16
_DECLARATION: Final = re.compile(rb"(?:\xef\xbb\xbf)?<\?xml\b[^>]*\?>")
# A row's or sheet data's start tag, in any namespace (calamine reads them so).
_ROWS_TAG: Final = re.compile(rb"<(?:[^\s<>/!?:=]+:)?(?:row|sheetData)(?=[\s/>])")
_ATTRIBUTE: Final = re.compile(rb"""([\w:.-]+)\s*=\s*(?:"([^"]*)"|'([^']*)')""")


class Workbook:
    """An open workbook file: calamine's reading of it, and its worksheets' parts in its
    package (``package.open_package``), found once for all its sheets: their sizes order
    the parsing and tell the sheet parsed in halves, their bytes show the error cells.
    Without parts (a package this stricter reading cannot follow) the sheets are read in
    workbook order, as calamine gives them."""

    def __init__(self, path: Path) -> None:
        self.path = str(path)
        self.calamine = CalamineWorkbook.from_path(self.path)
        self._package: zipfile.ZipFile | None = None
        self.parts: dict[str, zipfile.ZipInfo] = {}
        try:
            self._package = package.open_package(path)
            self.parts = _sheet_parts(self._package)
        except Exception:  # any reason this stricter reading fails; calamine's stands
            self.close_package()
        # Whether its sheets are read in threads: a core may be free for them, and their
        # XML is large, or its size cannot be known here.
        self.size = sum(part.file_size for part in self.parts.values())
        self.threads = not crowded() and (not self.parts or self.size >= _PARSE_ASIDE_BYTES)

    def error_cells(self, name: str) -> dict[tuple[int, int], str]:
        """The error cells of sheet ``name`` by (row, column), 1-based; none when its part
        cannot be read here."""
        part = self.parts.get(name)
        if part is None or self._package is None:
            return {}
        try:
            return _errors_in(self._package, part)
        except Exception:  # any reason this stricter reading fails
            return {}

    def package_of_file(self) -> zipfile.ZipFile | None:
        """The package as it is in the file (not a mapped copy), if it could be read."""
        package = self._package
        return package if package is not None and package.filename is not None else None

    def close_package(self) -> None:
        if self._package is not None:
            self._package.close()
            self._package = None

    def close(self) -> None:
        self.calamine.close()
        self.close_package()


def open_workbook(path: Path) -> tuple[Workbook, list[str]]:
    """The workbook, and the names of the worksheets the engine reads, in workbook order."""
    workbook = Workbook(path)
    return workbook, [meta.name for meta in workbook.calamine.sheets_metadata
                      if meta.typ == SheetTypeEnum.WorkSheet and wanted(meta.name)]


def read_sheet(workbook: Workbook, name: str) -> RawSheet:
    """One sheet's cells from A1, with its merged ranges; error cells as their text."""
    part = workbook.parts.get(name)
    if (part is not None and workbook.threads and part.file_size >= _HALVES_BYTES
            and part.file_size >= workbook.size * _HALVES_SHARE):
        halves = _read_in_halves(workbook, name, part)
        if halves is not None:
            return halves
    errors: Future[dict[tuple[int, int], str]] = Future()
    if part is not None and workbook.threads and part.file_size >= _SCAN_ASIDE_BYTES:
        Thread(target=lambda: errors.set_result(workbook.error_cells(name)),
               name="chantool-errors", daemon=True).start()
    else:
        errors.set_result(workbook.error_cells(name))
    sheet = workbook.calamine.get_sheet_by_name(name)
    return _raw_sheet(name, sheet.to_python(skip_empty_area=False), sheet, errors.result())


def _raw_sheet(name: str, rows: list[list[Any]], sheet: CalamineSheet,
               errors: dict[tuple[int, int], str]) -> RawSheet:
    """The sheet ``name`` of ``rows``, with the merged ranges calamine read in ``sheet``
    and ``errors`` (by row and column, 1-based) where a cell is blank."""
    merged = tuple(
        MergedRange(top + 1, left + 1, bottom + 1, right + 1)
        for (top, left), (bottom, right) in sheet.merged_cell_ranges or ()
    )
    for (row, column), text in errors.items():
        if row <= len(rows) and column <= len(rows[row - 1]) and rows[row - 1][column - 1] == "":
            rows[row - 1][column - 1] = text
    return RawSheet(name, rows, merged)


def _read_in_halves(workbook: Workbook, name: str, part: zipfile.ZipInfo) -> RawSheet | None:
    """``read_sheet``, its part parsed in two halves at once: each is the part with only
    the rows before (after) a row near its middle (``_cut``), in a package of its own
    with every part of the workbook's but its worksheets (``_besides``), stored in a
    temporary file (so that calamine streams it as it does the workbook, rather than
    holding it); the rows of the second half follow the first's at their row numbers
    (``_joined``). ``None`` when the part cannot be cut so (told in part while calamine
    parses the halves, ``_only_rows``), is read from a mapped copy of the package
    (``open_package``), or a half cannot be read: the sheet is then read whole, as
    calamine reads it, and fails as it fails."""
    archive = workbook.package_of_file()
    if archive is None:
        return None
    try:
        folder = TemporaryDirectory(prefix="chantool-", ignore_cleanup_errors=True)
    except OSError:
        return None
    with folder:
        halves = (Path(folder.name, "1.xlsx"), Path(folder.name, "2.xlsx"))
        try:
            worksheets = {info.filename for info in workbook.parts.values()}
            besides = _besides(archive, part, worksheets)
            xml = package.read_part(archive, part) if besides is not None else b""
            cut = _cut(xml)
            if besides is None or cut is None:
                return None
            start, middle, end = cut
            with memoryview(xml) as view:
                _store(halves[0], besides, part.filename,
                       (view[:start], view[start:middle], view[end:]))
                _store(halves[1], besides, part.filename,
                       (view[:start], view[middle:end], view[end:]))
            errors = _errors_of(xml) if _ERROR_TYPE in xml else {}
        except Exception:  # any reason this stricter reading fails; calamine's stands
            return None
        parses: list[Future[tuple[list[list[Any]], CalamineSheet]]] = [Future(), Future()]
        for half, parse, skip_empty_area in zip(halves, parses, (False, True), strict=True):
            Thread(target=_parse_into, args=(parse, half, name, skip_empty_area),
                   name="chantool-half", daemon=True).start()
        try:
            rows_only = _only_rows(xml, start, middle, end)
            del xml
            (rows, sheet), (after, sheet_after) = (parse.result() for parse in parses)
        except Exception:
            return None
        except BaseException as error:  # a parser's panic: the sheet read whole raises it
            if isinstance(error, KeyboardInterrupt | SystemExit):
                raise
            return None
        finally:  # each half's file closed before their folder is removed (Windows)
            wait(parses)
    joined = _joined(rows, after, sheet_after.start, sheet_after.end) if rows_only else None
    return None if joined is None else _raw_sheet(name, joined, sheet, errors)


def _parse_into(parse: Future[tuple[list[list[Any]], CalamineSheet]], path: Path, name: str,
                skip_empty_area: bool) -> None:
    """``_parsed``, its result or what it raised (a parser's panic too) set in ``parse``."""
    try:
        parse.set_result(_parsed(path, name, skip_empty_area=skip_empty_area))
    except BaseException as error:
        parse.set_exception(error)


def _besides(archive: zipfile.ZipFile, sheet: zipfile.ZipInfo, worksheets: set[str]
             ) -> dict[str, bytes] | None:
    """Every part of the package but its ``worksheets``, by name: calamine reads the shared
    strings and the styles where it looks for them, whatever the relationships say.
    ``None`` when they are too large to copy for what the halves save, or two entries'
    names differ only in case (calamine takes either)."""
    names = archive.namelist()
    if len({name.casefold() for name in names}) != len(names):
        return None
    others = [info for info in archive.infolist() if info.filename not in worksheets]
    if sum(info.file_size for info in others) * _BESIDES_SHARE > sheet.file_size:
        return None
    return {info.filename: archive.read(info) for info in others}


def _cut(xml: bytes) -> tuple[int, int, int] | None:
    """Where a worksheet part's rows start, the start of a row near their middle, and
    where they end; ``None`` when the part is not cut there. Every ``<`` must start a tag
    (no comment, CDATA section, processing instruction or DTD after the XML declaration,
    in which a row's start tag could be text), and neither the part before the rows nor
    the part after holds a row or sheet data (each half holds both). The row cut at
    follows a row's end (calamine counts a cell without its address from the one before,
    until a row ends) and has its number (``r``: calamine would count it from the half's
    first row). What takes longer to tell is told by ``_only_rows``."""
    declared = _DECLARATION.match(xml)
    after = declared.end() if declared else 0
    # "!" and "?" are rare in a sheet's XML, and found at memchr's speed; "<" is not.
    if any(xml.find(mark, after) >= 0 and xml.find(b"<" + mark, after) >= 0
           for mark in (b"!", b"?")):
        return None
    prefix, data, end = sheet_data(xml)
    if data is None or data[1] or end < 0:
        return None
    start = data.end()
    tail = end + len(b"</" + prefix + b"sheetData>")
    if _ROWS_TAG.search(xml, 0, data.start()) or _ROWS_TAG.search(xml, tail):
        return None
    closing = b"</" + prefix + b"row>"
    start_tag = re.compile(b"<" + re.escape(prefix) + rb"row((?:\s+[\w:.-]+\s*=\s*"
                           rb"""(?:"[^"]*"|'[^']*'))*)\s*/?>""")
    at = (start + end) // 2
    for _ in range(_CUT_TRIES):
        found = xml.find(b"<" + prefix + b"row", at, end)
        if found < 0:
            return None
        at = found + 1
        tag = start_tag.match(xml, found)
        previous = xml.rfind(b"<", start, found)  # the tag before it
        before = xml[previous:found].rstrip() if previous >= 0 else b""
        ended = before == closing or (before.endswith(b"/>") and start_tag.fullmatch(before))
        if tag is None or not ended:
            continue
        numbers = [double or single for name, double, single in _ATTRIBUTE.findall(tag[1])
                   if name == b"r"]
        if len(numbers) == 1 and numbers[0].isdigit():
            return start, found, end
    return None


def _only_rows(xml: bytes, start: int, middle: int, end: int) -> bool:
    """Whether the rows cut at ``middle`` (``_cut``) hold no other sheet data (whose end
    calamine takes for theirs, in any namespace) and no merged ranges (calamine reads the
    first it finds), and the row at ``middle`` is one of the rows, not an element inside
    one: every element started since ``start`` ends before it. That is counted at C
    speed: each ``<`` starts a tag, ``</`` an end tag and ``/>`` ends an empty element,
    which holds when there are as many ``>`` as ``<`` (none in text or a value; when
    there are, it cannot be told so)."""
    if xml.find(b"sheetData", start, end) >= 0 or xml.find(b"mergeCell", start, end) >= 0:
        return False
    tags = xml.count(b"<", start, middle)
    ends = xml.count(b"</", start, middle)
    return (xml.count(b">", start, middle) == tags
            and tags - ends - xml.count(b"/>", start, middle) == ends)


def _store(path: Path, besides: dict[str, bytes], name: str,
           pieces: Sequence[memoryview]) -> None:
    """A package at ``path``, stored rather than deflated, of the parts ``besides`` and the
    part ``name`` made of ``pieces``."""
    with zipfile.ZipFile(path, "w") as out:
        for part_name, data in besides.items():
            out.writestr(part_name, data)
        with out.open(name, "w") as stream:
            for piece in pieces:
                stream.write(piece)


def _parsed(path: Path, name: str, *, skip_empty_area: bool
            ) -> tuple[list[list[Any]], CalamineSheet]:
    """The rows of the sheet ``name`` of the package at ``path`` as calamine gives them,
    and the sheet (its range and merged ranges)."""
    book = CalamineWorkbook.from_path(str(path))
    try:
        sheet = book.get_sheet_by_name(name)
        return sheet.to_python(skip_empty_area=skip_empty_area), sheet
    finally:
        book.close()


def _joined(rows: list[list[Any]], after: list[list[Any]],
            start: tuple[int, int] | None, end: tuple[int, int] | None
            ) -> list[list[Any]] | None:
    """The first half's ``rows`` (from A1) followed by the second half's, ``after``, which
    calamine gave from ``start`` to ``end`` (0-based row and column): each row as wide as
    the widest, blank rows between, as calamine gives a whole sheet; ``None`` when a row
    of the second half comes before one of the first (rows out of order)."""
    if not after or start is None or end is None:
        return rows
    width = max(len(rows[0]) if rows else 0, end[1] + 1)
    if rows and len(rows[0]) < width:
        for row in rows:
            row.extend([""] * (width - len(row)))
    if start[0] < len(rows):
        return None
    rows.extend([""] * width for _ in range(start[0] - len(rows)))
    if start[1] == 0 and end[1] + 1 == width:
        rows.extend(after)
    else:
        rows.extend([*[""] * start[1], *row, *[""] * (width - end[1] - 1)] for row in after)
    return rows


def _errors_in(archive: zipfile.ZipFile, part: zipfile.ZipInfo) -> dict[tuple[int, int], str]:
    """The error cells of a worksheet part; read whole only if ``t="e"`` is in it."""
    with archive.open(part) as stream:
        tail = b""
        while chunk := stream.read(_CHUNK):
            if _ERROR_TYPE in tail + chunk[:len(_ERROR_TYPE)] or _ERROR_TYPE in chunk:
                break
            tail = chunk[-len(_ERROR_TYPE):]
        else:
            return {}
    return _errors_of(package.read_part(archive, part))


def _errors_of(data: bytes) -> dict[tuple[int, int], str]:
    """The error cells of a worksheet part's XML ``data``: each ``t="e"`` found, the start
    tag it is in is taken (a cell's, not an empty one), and the text of its value. Each
    tag is looked at once, however many such attributes it holds."""
    errors: dict[tuple[int, int], str] = {}
    at = data.find(_ERROR_TYPE)
    while at >= 0:
        tag_start, tag_end = data.rfind(b"<", 0, at), data.find(b">", at)
        if tag_end < 0:
            break
        if (tag_start >= 0 and data.find(b">", tag_start, at) < 0  # the t="e" is the tag's
                and _CELL_TAG.match(data, tag_start) and not _WORD.match(data, at - 1)
                and data[tag_end - 1] != ord("/")):
            ref = _REF.search(data, tag_start, tag_end)
            value = _VALUE.search(data, tag_end, data.find(b"</c>", tag_end))  # after <f>
            if ref is not None and value is not None:
                errors[split_address(ref[1].decode())] = value[1].decode()
        at = data.find(_ERROR_TYPE, tag_end)
    return errors


def smallest_first(workbook: Workbook, names: Sequence[str]) -> list[int]:
    """The positions of ``names`` in the order of the size of their sheets' XML in the
    file; a sheet whose part is not known here counts as empty (it only orders the
    reading: calamine, which reads the sheets, may still read them)."""
    sizes = {name: part.file_size for name, part in workbook.parts.items()}
    return sorted(range(len(names)), key=lambda position: sizes.get(names[position], 0))


def _sheet_parts(archive: zipfile.ZipFile) -> dict[str, zipfile.ZipInfo]:
    """The parts of the package's worksheets that are in it, by sheet name."""
    main = package.workbook_part(archive)
    return {sheet.name: archive.NameToInfo[sheet.part]
            for sheet in (package.sheets(archive, main.target) if main else ())
            if sheet.part in archive.NameToInfo}


def parse_sheets(names: Sequence[str], order: Sequence[int],
                 parse: Callable[[str], RawSheet], done: Callable[[], None], *,
                 aside: bool) -> list[RawSheet]:
    """The sheets ``names``, each parsed by ``parse`` in ``order`` (their positions): in a
    thread if ``aside``, else before they are returned; ``done`` is called after the last.
    What ``parse`` raises, a sheet's ``rows`` raise; the sheets after it are not parsed and
    raise it too."""
    parses: list[Future[RawSheet]] = [Future() for _ in names]

    def run() -> None:
        try:
            for position in order:
                parses[position].set_result(parse(names[position]))
        except BaseException as error:  # a parser's panic too: the engine raises it
            for pending in parses:
                if not pending.done():
                    pending.set_exception(error)
        finally:
            done()

    if aside:
        Thread(target=run, name="chantool-reader", daemon=True).start()
    else:
        run()
    return [RawSheet.parsing(name, parse) for name, parse in zip(names, parses, strict=True)]
