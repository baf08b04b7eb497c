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
from collections.abc import Callable, Sequence, Set
from operator import itemgetter
from pathlib import Path
from typing import TYPE_CHECKING
from xml.parsers import expat

from python_calamine import CalamineWorkbook

from chantool.coerce import Cell
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
    """A written workbook is a sound zip, every part chantool wrote is well-formed XML, and
    every cell of the user's sheets (all but chantool's result columns) reads back exactly
    as before."""
    with zipfile.ZipFile(path) as archive:
        broken = archive.testzip()
        if broken:
            raise OutputError("broken_zip", part=broken)
        for name in written.parts:
            if name.endswith((".xml", ".rels", ".vml")):
                parser = expat.ParserCreate()
                try:
                    parser.Parse(archive.read(name), True)
                except expat.ExpatError as error:
                    raise OutputError("bad_xml", part=name, error=error) from None
    with CalamineWorkbook.from_path(str(path)) as workbook:
        for sheet in original:
            rows = workbook.get_sheet_by_name(sheet.name).to_python(skip_empty_area=False)
            ours = {column - 1 for column in written.result_columns.get(sheet.name, ())}
            if not _same_cells(sheet.rows, rows, ours):
                raise OutputError("cells_changed", sheet=sheet.name)


def _same_cells(
    before: Sequence[Sequence[Cell]], after: Sequence[Sequence[Cell]], skip: Set[int]
) -> bool:
    """Every cell reads the same before and after, but in the ``skip`` columns (0-based)."""
    width = max(max(map(len, before), default=0), max(map(len, after), default=0))
    keep = [column for column in range(width) if column not in skip]
    if not keep:
        return True
    pick = itemgetter(*keep, keep[0])  # two items at least, so it always gives a tuple
    blank: list[Cell] = [""] * width
    for index in range(max(len(before), len(after))):
        old = before[index] if index < len(before) else blank
        new = after[index] if index < len(after) else blank
        if len(old) < width:
            old = [*old, *blank[len(old):]]
        if len(new) < width:
            new = [*new, *blank[len(new):]]
        if pick(old) != pick(new):
            return False
    return True
