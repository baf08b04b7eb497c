"""Reading workbook files into the engine's raw sheets, with python-calamine.

Cell values are passed through as calamine gives them (blank cells as ``""``, numbers
as floats, date cells as dates); typing them is the engine's job, which reports rather
than drops. Only the sheets the engine knows are read.

The sheets are handed over at once and parsed one after the other, smallest first. In a
large workbook they are parsed in a thread of their own: calamine parses without holding
the GIL, so the engine types and scores the small sheets and the first large one while the
largest is still being parsed (see ``book.run_steps``), and a sheet's rows wait for its
parse. A small workbook's sheets are parsed before they are handed over: there is too
little parsing to overlap for the thread to pay for itself. So are a large one's in a
child of a batch that keeps every core busy (``isolation.crowded``): no core is free for
the thread.

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
from concurrent.futures import Future
from pathlib import Path
from threading import Thread
from typing import Final

from python_calamine import CalamineWorkbook, SheetTypeEnum

from chantool.io import package
from chantool.io.isolation import crowded
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
# An error cell's start tag (not an empty one), its address, and its value.
_ERROR_CELL: Final = re.compile(rb'<c\b[^>]*?\bt="e"[^>]*(?<!/)>')
_REF: Final = re.compile(rb'\br="([A-Z]+[0-9]+)"')
_VALUE: Final = re.compile(rb"<v>([^<]*)</v>")


class Workbook:
    """An open workbook file: calamine's reading of it, and its worksheets' parts in its
    package (``package.open_package``), found once for all its sheets: their sizes order
    the parsing, their bytes show the error cells. Without parts (a package this stricter
    reading cannot follow) the sheets are read in workbook order, as calamine gives them."""

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
        self.threads = not crowded() and (not self.parts or sum(
            part.file_size for part in self.parts.values()) >= _PARSE_ASIDE_BYTES)

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
    errors: Future[dict[tuple[int, int], str]] = Future()
    part = workbook.parts.get(name)
    if part is not None and workbook.threads and part.file_size >= _SCAN_ASIDE_BYTES:
        Thread(target=lambda: errors.set_result(workbook.error_cells(name)),
               name="chantool-errors", daemon=True).start()
    else:
        errors.set_result(workbook.error_cells(name))
    sheet = workbook.calamine.get_sheet_by_name(name)
    merged = tuple(
        MergedRange(top + 1, left + 1, bottom + 1, right + 1)
        for (top, left), (bottom, right) in sheet.merged_cell_ranges or ()
    )
    rows = sheet.to_python(skip_empty_area=False)
    for (row, column), text in errors.result().items():
        if row <= len(rows) and column <= len(rows[row - 1]) and rows[row - 1][column - 1] == "":
            rows[row - 1][column - 1] = text
    return RawSheet(name, rows, merged)


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
    data = archive.read(part)
    errors: dict[tuple[int, int], str] = {}
    for cell in _ERROR_CELL.finditer(data):
        ref = _REF.search(cell[0])
        value = _VALUE.search(data, cell.end(), data.find(b"</c>", cell.end()))  # after <f>
        if ref is not None and value is not None:
            errors[split_address(ref[1].decode())] = value[1].decode()
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
