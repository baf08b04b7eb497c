"""Looking at a file before any parser touches it, and refusing what is not safe to parse.

Workbooks come from anyone. A file that is empty, text renamed .xlsx, a legacy .xls, an
encrypted workbook, an .xlsb, a broken zip, a zip bomb, an XML part with a DTD or entity
declaration, or a shared-string table whose declared size cannot be true is refused
here, each with its own reason. Only the zip directory, the first bytes of each XML part
and the few small parts that map the workbook are read. Strict Open XML and zips with
backslashes in their entry names are looked at through ``package.open_package``, once
the zip directory has shown no bomb.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from chantool.io import package
from chantool.settings import Limits
from chantool.table import address, column_index

OLE_MAGIC: Final = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC: Final = b"PK\x03\x04"
_XML_SUFFIXES: Final = (".xml", ".rels", ".vml")
_ROOT_START: Final = re.compile(rb"<[A-Za-z_]")
_DECLARATION: Final = re.compile(rb"<!(DOCTYPE|ENTITY)", re.IGNORECASE)
_UNIQUE_COUNT: Final = re.compile(rb'uniqueCount="(\d+)"')
_CELL_REF: Final = re.compile(rb'<c r="([A-Z]+)(\d+)"')
_CHUNK: Final = 1 << 16
# Where a part's root element starts: within its first few hundred bytes, nearly always
# (only as much is decompressed, not a whole chunk of every part).
_FIRST_CHUNK: Final = 1 << 10
# The smallest shared string, <si><t/></si>, takes 13 bytes.
_MIN_SHARED_STRING_BYTES: Final = 13
MAX_ROWS: Final = 1_048_576
MAX_COLUMNS: Final = 16_384


@dataclass(frozen=True)
class Refusal:
    """Why a file is not parsed: a reason code of ``findings.REASONS`` and its fields."""

    code: str
    fields: dict[str, Any] = field(default_factory=dict)


def size_text(size: float) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    raise AssertionError("unreachable")


def preflight(path: Path, limits: Limits, wanted: Callable[[str], bool]) -> Refusal | None:
    """The reason to refuse ``path``, or ``None`` when its parsers may read it. ``wanted``
    tells which sheets (by name) will be parsed, so only their extents are checked."""
    with path.open("rb") as stream:
        head = stream.read(8)
    if not head:
        return Refusal("empty")
    if head == OLE_MAGIC:
        return _ole_kind(path)
    if not head.startswith(ZIP_MAGIC):
        if not _looks_like_text(path):
            return Refusal("not_xlsx_binary")
        # Say what the file is by its name: a .txt is plain text, a .csv a CSV export,
        # anything else text under an Excel name.
        return Refusal(_TEXT_REASONS.get(path.suffix.lower(), "text_file"))
    try:
        with package.Package(path) as archive:
            refusal = _check_sizes(archive, limits)
            if refusal:
                return refusal
            with package.open_package(archive) as mapped:
                return _check_package(mapped, wanted)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, ValueError) as error:
        return Refusal("broken_zip", {"detail": str(error) or type(error).__name__})


def _ole_kind(path: Path) -> Refusal:
    """An OLE2 compound file is an encrypted workbook, a legacy .xls, or something else."""
    import olefile  # only these rare files need it

    try:
        with olefile.OleFileIO(str(path)) as ole:
            if ole.exists("EncryptedPackage") or ole.exists("EncryptionInfo"):
                return Refusal("encrypted")
            if ole.exists("Workbook") or ole.exists("Book"):
                return Refusal("legacy_xls")
    except OSError as error:
        return Refusal("broken_ole", {"detail": str(error)})
    return Refusal("other_office_binary")


_TEXT_REASONS: Final = {".txt": "plain_text", ".csv": "csv_file"}


def _looks_like_text(path: Path) -> bool:
    with path.open("rb") as stream:
        sample = stream.read(4096)
    if b"\x00" in sample:
        return sample.startswith((b"\xff\xfe", b"\xfe\xff"))  # UTF-16 text
    for encoding in ("utf-8", "gb18030"):
        try:
            sample.decode(encoding)
            return True
        except UnicodeDecodeError as error:
            if error.start >= len(sample) - 4:  # a character cut off at the sample's end
                return True
    return False


def _check_package(archive: zipfile.ZipFile, wanted: Callable[[str], bool]) -> Refusal | None:
    names = set(archive.NameToInfo)
    for info in archive.infolist():
        if info.filename.lower().endswith(_XML_SUFFIXES):
            refusal = _check_prolog(archive, info)
            if refusal:
                return refusal
    main = package.workbook_part(archive)
    if main is None or main.target not in names:
        if "xl/workbook.bin" in names:
            return Refusal("xlsb")
        return Refusal("not_a_workbook")
    if main.target.endswith(".bin"):
        return Refusal("xlsb")
    # Readers also look for the shared strings at their usual place, linked or not.
    tables = {rel.target for rel in package.relationships(archive, main.target)
              if rel.type.endswith("/sharedStrings")} | {"xl/sharedStrings.xml"}
    for part in sorted(tables & names):
        refusal = _check_shared_strings(archive, part)
        if refusal:
            return refusal
    return None


def _check_sizes(archive: zipfile.ZipFile, limits: Limits) -> Refusal | None:
    """Zip bombs, judged by the sizes the zip directory declares."""
    total = 0
    for info in archive.infolist():
        total += info.file_size
        if info.file_size > limits.max_part_bytes:
            return Refusal("bomb_part", {"part": info.filename, "size": size_text(info.file_size),
                                         "limit": size_text(limits.max_part_bytes)})
        if info.file_size > limits.ratio_from_bytes and info.compress_size and (
            info.file_size / info.compress_size > limits.max_ratio
        ):
            return Refusal("bomb_ratio", {
                "part": info.filename, "ratio": f"{info.file_size / info.compress_size:.0f}",
                "limit": f"{limits.max_ratio:g}"})
    if total > limits.max_unpacked_bytes:
        return Refusal("bomb_total", {"size": size_text(total),
                                      "limit": size_text(limits.max_unpacked_bytes)})
    return None


def _prolog(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes:
    """The bytes of an XML part up to and including the start of its root element, or
    as far as the chunk in which that start tag begins."""
    read = text = b""
    match = None
    with archive.open(info) as stream:
        # The first read is short; the next ones end where whole chunks end.
        while chunk := stream.read(_CHUNK - len(read) % _CHUNK if read else _FIRST_CHUNK):
            read += chunk
            text = _as_utf8(read)
            match = _ROOT_START.search(text)
            if match:
                end = text.find(b">", match.end())
                if end >= 0:
                    return text[: end + 1]
                if len(read) % _CHUNK == 0:
                    return text
    return text if match else read


def _as_utf8(data: bytes) -> bytes:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", errors="replace").encode("utf-8")
    return data


def _check_prolog(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> Refusal | None:
    if _DECLARATION.search(_prolog(archive, info)):
        return Refusal("dtd", {"part": info.filename})
    return None


def _check_shared_strings(archive: zipfile.ZipFile, part: str) -> Refusal | None:
    """A shared-string table cannot hold more strings than its bytes can spell out."""
    info = archive.getinfo(part)
    match = _UNIQUE_COUNT.search(_prolog(archive, info))
    if match is None:
        return None
    declared = int(match[1])
    if declared * _MIN_SHARED_STRING_BYTES > info.file_size + _MIN_SHARED_STRING_BYTES:
        return Refusal("shared_strings", {"count": f"{declared:,}",
                                          "size": size_text(info.file_size)})
    return None


def diagnose_extents(path: Path, limits: Limits, wanted: Callable[[str], bool]) -> Refusal | None:
    """After a parser died on ``path``: a worksheet with a cell outside Excel's grid, or
    with a used range larger than the reader can hold. Every cell reference of the sheets
    that were to be parsed is read, so this runs only when something went wrong."""
    with package.Package(path) as archive:
        main = package.workbook_part(archive)
        if main is None:
            return None
        for sheet in package.sheets(archive, main.target):
            if not wanted(sheet.name) or sheet.part not in archive.NameToInfo:
                continue
            last_row = last_col = 0
            with archive.open(sheet.part) as stream:
                tail = b""
                while chunk := stream.read(1 << 20):
                    text = tail + chunk
                    for letters, row in _CELL_REF.findall(text):
                        last_row = max(last_row, int(row))
                        last_col = max(last_col, column_index(letters.decode()))
                    tail = text[-32:]
            refusal = extent_refusal(sheet.name, last_row, last_col, limits)
            if refusal:
                return refusal
    return None


def extent_refusal(sheet: str, last_row: int, last_col: int, limits: Limits) -> Refusal | None:
    """A used range (read from A1) outside the grid, or of more cells than allowed."""
    if last_row > MAX_ROWS or last_col > MAX_COLUMNS:
        return Refusal("out_of_grid", {"sheet": sheet, "cell": address(last_row, last_col)})
    if last_row * last_col > limits.max_cells:
        return Refusal("too_many_cells", {"sheet": sheet, "cell": address(last_row, last_col),
                                          "cells": f"{last_row * last_col:,}",
                                          "limit": f"{limits.max_cells:,}"})
    return None
