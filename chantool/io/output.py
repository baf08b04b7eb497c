"""Putting a written workbook in place without ever leaving a half-written file.

The writer always writes to a temporary file beside the destination, which is then read
back and checked; only then does it replace the destination, atomically. In place, the
original is first kept as a backup (``name.xlsx.bak``), and a workbook that Excel has open
(its ``~$`` lock file exists) is refused.
"""

from __future__ import annotations

import os
import shutil
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator, Sequence, Set
from concurrent.futures import ThreadPoolExecutor
from itertools import zip_longest
from operator import itemgetter
from pathlib import Path
from typing import TYPE_CHECKING, cast
from xml.parsers import expat
from xml.parsers.expat import XMLParserType

from python_calamine import CalamineSheet, CalamineWorkbook

from chantool.coerce import Cell
from chantool.io import package
from chantool.table import RawSheet
from chantool.texts import TextError

if TYPE_CHECKING:  # the writer is only imported where files are written
    from chantool.io.writer import Written


class OutputError(TextError):
    """The result could not be put in place (``output_`` texts)."""

    prefix = "output_"


def temporary_path(target: Path) -> Path:
    """Where ``target`` is written first: hidden, and not named like a workbook."""
    return target.with_name(f".{target.name}.chantool-tmp")


def backup_path(path: Path) -> Path:
    return path.with_name(f"{path.name}.bak")


def excel_lock(path: Path) -> Path | None:
    """Excel's lock file for ``path`` (``~$name``; names of eight characters or more
    before the extension may lose their first two), when it exists."""
    names = [f"~${path.name}"] + ([f"~${path.name[2:]}"] if len(path.stem) >= 8 else [])
    for name in names:
        lock = path.with_name(name)
        if lock.exists():
            return lock
    return None


def put_in_place(
    target: Path,
    write: Callable[[Path], None],
    verify: Callable[[Path], None],
    *,
    backup_of: Path | None = None,
) -> None:
    """Write through a temporary file, verify it, keep a backup of ``backup_of`` (the
    original, when writing in place), then atomically replace ``target``."""
    temporary = temporary_path(target)
    try:
        write(temporary)
        verify(temporary)
        if backup_of is not None:
            backup = backup_path(backup_of)
            backup_temporary = temporary_path(backup)
            shutil.copy2(backup_of, backup_temporary)
            os.replace(backup_temporary, backup)
        os.replace(temporary, target)
    finally:
        for leftover in (temporary, temporary_path(backup_path(target))):
            leftover.unlink(missing_ok=True)


def verify_written(path: Path, written: Written, original: Sequence[RawSheet]) -> None:
    """A written workbook is a sound zip whose structure has no problem the source had
    not (``package.problems``: relationships, sheets, names, content types), every part
    chantool wrote is well-formed XML, and every cell of the user's sheets (all but
    chantool's result columns) reads back exactly as before.

    python-calamine reads the sheets back in a thread (it parses without the GIL) while
    the zip and the XML are checked here; the rows are compared one at a time, never
    all held twice."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        parsed = pool.submit(_read_back, path, [sheet.name for sheet in original])
        try:
            with zipfile.ZipFile(path) as archive:
                new = package.problems(archive) - written.problems_before
                if new:
                    raise OutputError("package_problems", problems="；".join(sorted(new)))
                for info in archive.infolist():
                    _check_part(archive, info, info.filename in written.parts,
                                written.written_of.get(info.filename))
        except BaseException:
            if parsed.exception() is None:
                parsed.result()[0].close()
            raise
    workbook, sheets = parsed.result()
    with workbook:
        for sheet, back in zip(original, sheets, strict=True):
            ours = {column - 1 for column in written.result_columns.get(sheet.name, ())}
            if not _same_cells(sheet.rows, *_rows_from_a1(back), ours):
                raise OutputError("cells_changed", sheet=sheet.name)


def _read_back(path: Path, names: list[str]) -> tuple[CalamineWorkbook, list[CalamineSheet]]:
    workbook = CalamineWorkbook.from_path(str(path))
    return workbook, [workbook.get_sheet_by_name(name) for name in names]


def _check_part(archive: zipfile.ZipFile, info: zipfile.ZipInfo, ours: bool,
                written_of: bytes | None) -> None:
    """Read a part to its end, which checks its CRC; a part chantool wrote is parsed as
    XML on the way (streamed: a large sheet is never held whole). Of a user's sheet with
    rows copied as they were, what chantool wrote into it is parsed instead."""
    xml = ours and info.filename.endswith((".xml", ".rels", ".vml"))
    try:
        with archive.open(info) as stream:
            if xml and written_of is None:
                _parse(info.filename, lambda parser: parser.ParseFile(stream))
            else:
                while stream.read(1 << 20):
                    pass
    except (zipfile.BadZipFile, zlib.error, EOFError) as error:
        raise OutputError("broken_zip", part=f"{info.filename}：{error}") from None
    if xml and written_of is not None:
        _parse(info.filename, lambda parser: parser.Parse(written_of, True))


def _parse(name: str, parse: Callable[[XMLParserType], object]) -> None:
    parser = expat.ParserCreate()
    try:
        parse(parser)
    except expat.ExpatError as error:
        raise OutputError("bad_xml", part=name, error=error) from None


def _rows_from_a1(sheet: CalamineSheet) -> tuple[Iterator[list[Cell]], int]:
    """A sheet's rows from A1 (as ``to_python(skip_empty_area=False)`` gives them), one at
    a time, and their width."""
    top, left = sheet.start or (0, 0)

    def rows() -> Iterator[list[Cell]]:
        for _ in range(top):
            yield []
        pad: list[Cell] = [""] * left
        for row in sheet.iter_rows():
            yield [*pad, *row] if left else cast("list[Cell]", row)

    return rows(), left + sheet.width


def _same_cells(
    before: Sequence[Sequence[Cell]], after: Iterable[Sequence[Cell]], after_width: int,
    skip: Set[int],
) -> bool:
    """Every cell reads the same before and after, but in the ``skip`` columns (0-based)."""
    width = max(max(map(len, before), default=0), after_width)
    keep = [column for column in range(width) if column not in skip]
    if not keep:
        return True
    pick = itemgetter(*keep, keep[0])  # two items at least, so it always gives a tuple
    blank: list[Cell] = [""] * width
    for old, new in zip_longest(before, after, fillvalue=()):
        if len(old) < width:
            old = [*old, *blank[len(old):]]
        if len(new) < width:
            new = [*new, *blank[len(new):]]
        if pick(old) != pick(new):
            return False
    return True
