"""The parts of an .xlsx/.xlsm package that chantool needs to find its way around.

An Office Open XML workbook is a zip of parts tied together by relationship parts
(``_rels/*.rels``). This module finds the workbook part and its worksheets (name, part,
relationship id) and resolves relationship targets, and lists what in a package Excel
would repair (``problems``); it never changes anything. XML is parsed with defusedxml,
which refuses DTDs and entities.

Every package chantool reads is opened as a ``Package``: a zip whose deflated parts
ISA-L inflates, about twice as fast as zlib (a worksheet of a hundred thousand rows is
fifty megabytes of XML, inflated when its error cells are looked for, when it is written
into and when what was written is checked).

Two kinds of packages that python-calamine reads are seen through a mapped copy
(``open_package``): zips whose entry names use backslashes (``xl\\workbook.xml``, as
some reporting systems write them), and Strict Open XML, whose namespaces are mapped to
the transitional ones. A file written from such a package is an ordinary one.
"""

from __future__ import annotations

import io
import os
import posixpath
import re
import struct
from collections import Counter
from dataclasses import dataclass
from os import PathLike
from typing import IO, Final, Literal
from urllib.parse import unquote
from zipfile import ZIP_DEFLATED, BadZipFile, ZipFile, ZipInfo

from defusedxml import ElementTree
from isal import isal_zlib

NS_MAIN: Final = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
NS_STRICT_MAIN: Final = "http://purl.oclc.org/ooxml/spreadsheetml/main"
NS_REL: Final = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
NS_PKG_REL: Final = "http://schemas.openxmlformats.org/package/2006/relationships"
NS_CT: Final = "http://schemas.openxmlformats.org/package/2006/content-types"
REL_OFFICE_DOCUMENT: Final = f"{NS_REL}/officeDocument"
_STRICT: Final = b"http://purl.oclc.org/ooxml/"
_LOCAL_HEADER: Final = 30  # bytes of a zip entry's local header before its name
_ENCRYPTED: Final = 0x1  # flag bits of a zip entry
_PATCHED: Final = 0x20  # compressed patched data, which zipfile refuses
_UTF8: Final = 0x800
_OPENXML: Final = "http://schemas.openxmlformats.org/"
# Strict namespaces and relationship types -> transitional ones (ECMA-376 Part 1 and
# Part 4); the longer of two that share a start comes first.
STRICT_TO_TRANSITIONAL: Final = tuple((strict.encode(), transitional.encode()) for strict,
                                      transitional in (
    ("http://purl.oclc.org/ooxml/officeDocument/relationships/extendedProperties",
     f"{NS_REL}/extended-properties"),
    ("http://purl.oclc.org/ooxml/officeDocument/relationships/customProperties",
     f"{NS_REL}/custom-properties"),
    ("http://purl.oclc.org/ooxml/officeDocument/relationships", NS_REL),
    ("http://purl.oclc.org/ooxml/officeDocument/extendedProperties",
     f"{_OPENXML}officeDocument/2006/extended-properties"),
    ("http://purl.oclc.org/ooxml/officeDocument/customProperties",
     f"{_OPENXML}officeDocument/2006/custom-properties"),
    ("http://purl.oclc.org/ooxml/officeDocument/docPropsVTypes",
     f"{_OPENXML}officeDocument/2006/docPropsVTypes"),
    ("http://purl.oclc.org/ooxml/officeDocument/sharedTypes",
     f"{_OPENXML}officeDocument/2006/sharedTypes"),
    ("http://purl.oclc.org/ooxml/officeDocument/math", f"{_OPENXML}officeDocument/2006/math"),
    ("http://purl.oclc.org/ooxml/spreadsheetml/main", NS_MAIN),
    ("http://purl.oclc.org/ooxml/drawingml/spreadsheetDrawing",
     f"{_OPENXML}drawingml/2006/spreadsheetDrawing"),
    ("http://purl.oclc.org/ooxml/drawingml/chartDrawing", f"{_OPENXML}drawingml/2006/chartDrawing"),
    ("http://purl.oclc.org/ooxml/drawingml/chart", f"{_OPENXML}drawingml/2006/chart"),
    ("http://purl.oclc.org/ooxml/drawingml/picture", f"{_OPENXML}drawingml/2006/picture"),
    ("http://purl.oclc.org/ooxml/drawingml/main", f"{_OPENXML}drawingml/2006/main"),
))
_XML_PARTS: Final = (".xml", ".rels", ".vml")
_STRICT_ONLY: Final = re.compile(rb'\s(?:conformance|dateCompatibility)="[^"]*"')
_OFFICE_DOCUMENT_TARGET: Final = re.compile(
    rb'<Relationship\b[^>]*?(?:Type="[^"]*/officeDocument"[^>]*?Target="([^"]*)"'
    rb'|Target="([^"]*)"[^>]*?Type="[^"]*/officeDocument")')
REL_WORKSHEET: Final = f"{NS_REL}/worksheet"


@dataclass(frozen=True)
class Relationship:
    id: str
    type: str
    target: str  # the part name inside the zip, resolved; or the URL when external
    external: bool


@dataclass(frozen=True)
class SheetRef:
    """A sheet of the workbook: its name, its part and the relationship that links it."""

    name: str
    part: str
    rel_id: str
    sheet_id: str
    state: str


class Package(ZipFile):
    """A zip read as ``zipfile`` reads it (its CRCs and sizes checked the same way), but
    its deflated parts inflated by ISA-L: zipfile's reader of a part (``ZipExtFile``)
    keeps its decompressor in an attribute and takes any with zlib's interface, which
    ``isal_zlib``'s is (tests/test_verify.py checks that it is used). A damaged part
    raises ``isal_zlib.error`` where zipfile's own would raise ``zlib.error``."""

    def open(self, name: str | ZipInfo, mode: Literal["r", "w"] = "r",
             pwd: bytes | None = None, *, force_zip64: bool = False) -> IO[bytes]:
        stream = super().open(name, mode, pwd, force_zip64=force_zip64)
        state = vars(stream)
        if mode == "r" and state.get("_compress_type") == ZIP_DEFLATED:
            state["_decompressor"] = isal_zlib.decompressobj(-isal_zlib.MAX_WBITS)
        return stream


def read_part(archive: ZipFile, part: str | ZipInfo) -> bytes:
    """``archive.read(part)``, and as it checks the part (its local header, its size and
    its CRC): a deflated part is read as its entry holds it (``deflated_entry``) and
    inflated by ISA-L at once into a buffer of its size. ``ZipFile.read`` takes the GIL
    again for each block of its output: beside busy Python code, a thread inflating a
    sheet of fifty megabytes so took three times as long."""
    info = archive.getinfo(part) if isinstance(part, str) else part
    entry = deflated_entry(archive, info)
    if entry is None:
        return archive.read(info)
    name, deflated = entry
    if name != info.orig_filename:
        raise BadZipFile(f"File name in directory {info.orig_filename!r} and header differ")
    data = isal_zlib.decompress(deflated, -isal_zlib.MAX_WBITS, max(info.file_size, 1))
    if len(data) != info.file_size or isal_zlib.crc32(data) != info.CRC:
        raise BadZipFile(f"Bad CRC-32 for file {info.filename!r}")
    return data


def deflated_entry(archive: ZipFile, info: ZipInfo) -> tuple[str, bytes] | None:
    """A deflated part as its zip entry holds it: the name in its local header and its
    deflated bytes, read where that header says without moving the zip's position (which
    other threads may be using): ``os.pread`` of a file, a view of a zip in memory.
    ``None`` for a part stored otherwise (or encrypted, or patched, which zipfile
    refuses), or where its entry cannot be read so (no ``os.pread``); a ``BadZipFile``
    where no local header starts, as zipfile raises."""
    if info.compress_type != ZIP_DEFLATED or info.flag_bits & (_ENCRYPTED | _PATCHED):
        return None
    header = _read_at(archive, info.header_offset, _LOCAL_HEADER)
    if header is None:
        return None
    if len(header) < _LOCAL_HEADER or not header.startswith(b"PK\x03\x04"):
        raise BadZipFile(f"Bad magic number for file header of {info.filename!r}")
    (flags,) = struct.unpack("<H", header[6:8])
    name_length, extra_length = struct.unpack("<HH", header[26:30])
    start = info.header_offset + _LOCAL_HEADER
    name = _read_at(archive, start, name_length) or b""
    data = _read_at(archive, start + name_length + extra_length, info.compress_size)
    if data is None:
        return None
    return name.decode("utf-8" if flags & _UTF8 else "cp437", errors="replace"), data


def _read_at(archive: ZipFile, offset: int, length: int) -> bytes | None:
    """``length`` bytes of the zip from ``offset``, its position left alone; ``None``
    where they cannot be read so."""
    stream = archive.fp
    if isinstance(stream, io.BytesIO):
        with stream.getbuffer() as view:
            return bytes(view[offset:offset + length])
    try:
        return os.pread(stream.fileno(), length, offset) if stream is not None else None
    except (AttributeError, OSError, io.UnsupportedOperation):  # no os.pread, no file
        return None


def open_package(path: str | PathLike[str] | Package) -> Package:
    """The package at ``path`` (or the zip already open there, which it then owns); one
    with backslashes in its entry names or in Strict Open XML as a mapped copy in memory
    (forward slashes, transitional namespaces, every part otherwise as it was). Zip bombs
    are judged on the file itself before (preflight)."""
    archive = path if isinstance(path, Package) else Package(path)
    try:
        names = {name.replace("\\", "/"): name for name in archive.namelist()}
        backslashes = any("\\" in name for name in names.values())
        # Told from the bytes, before any part is parsed: the preflight refuses DTDs first.
        rels = archive.read(names["_rels/.rels"]) if "_rels/.rels" in names else b""
        main = _OFFICE_DOCUMENT_TARGET.search(rels)
        target = (main[1] or main[2]).decode() if main else None
        workbook = names.get(resolve("", target)) if target else None
        strict = _STRICT in rels or (workbook is not None and NS_STRICT_MAIN.encode() in (
            archive.read(workbook)[:4096]))
    except BaseException:
        archive.close()
        raise
    if not backslashes and not strict:
        return archive
    mapped = io.BytesIO()
    with archive, ZipFile(mapped, "w") as out:
        for info in archive.infolist():
            data = archive.read(info)
            if strict and info.filename.lower().endswith(_XML_PARTS):
                data = _transitional(data)
            out.writestr(copy_info(info, info.filename.replace("\\", "/")), data)
    return Package(mapped)


def copy_info(info: ZipInfo, name: str | None = None) -> ZipInfo:
    """A zip entry's header to write its part again (under ``name``, when given)."""
    copy = ZipInfo(info.filename if name is None else name, info.date_time)
    copy.compress_type = info.compress_type
    copy.external_attr = info.external_attr
    copy.create_system = info.create_system
    copy.comment = info.comment
    return copy


def _transitional(data: bytes) -> bytes:
    for strict, transitional in STRICT_TO_TRANSITIONAL:
        data = data.replace(strict, transitional)
    # Attributes only Strict has: the conformance class, and the 1900 leap-year choice
    # (transitional readers always count dates as Excel's 1900 system does).
    return _STRICT_ONLY.sub(b"", data)


def rels_part(part: str) -> str:
    """The relationship part of ``part``: xl/workbook.xml -> xl/_rels/workbook.xml.rels."""
    folder, name = posixpath.split(part)
    return posixpath.join(folder, "_rels", f"{name}.rels")


def resolve(source: str, target: str) -> str:
    """A relationship target as a part name, relative to the part that holds it."""
    if target.startswith("/"):
        return target.lstrip("/")
    return posixpath.normpath(posixpath.join(posixpath.dirname(source), target))


def relationships(archive: ZipFile, source: str) -> list[Relationship]:
    """The relationships of ``source`` ("" for the package itself), in document order."""
    name = rels_part(source) if source else "_rels/.rels"
    if name not in archive.NameToInfo:
        return []
    root = ElementTree.fromstring(archive.read(name))
    found = []
    for element in root.iter(f"{{{NS_PKG_REL}}}Relationship"):
        external = element.get("TargetMode") == "External"
        target = element.get("Target", "")
        found.append(Relationship(
            element.get("Id", ""), element.get("Type", ""),
            target if external else resolve(source, target), external))
    return found


def workbook_part(archive: ZipFile) -> Relationship | None:
    """The package's main document relationship (its type tells Strict from transitional)."""
    return next(
        (rel for rel in relationships(archive, "") if rel.type.endswith("/officeDocument")),
        None,
    )


def sheets(archive: ZipFile, workbook: str) -> list[SheetRef]:
    """The worksheets of the workbook part, in workbook order."""
    root = ElementTree.fromstring(archive.read(workbook))
    targets = {rel.id: rel.target for rel in relationships(archive, workbook)
               if rel.type == REL_WORKSHEET}
    found = []
    for element in root.iter(f"{{{NS_MAIN}}}sheet"):
        rel_id = element.get(f"{{{NS_REL}}}id", "")
        if rel_id in targets:
            found.append(SheetRef(element.get("name", ""), targets[rel_id], rel_id,
                                  element.get("sheetId", ""), element.get("state", "visible")))
    return found


def problems(archive: ZipFile) -> set[str]:
    """What is wrong in the package's structure, as Excel sees it (it repairs such a
    file, or refuses it): a relationship id used twice in one part, a relationship to a
    part that is not there, two sheets on one part, a sheet name used twice or too long,
    a defined name given twice or scoped to no sheet, a part without a content type.
    Each problem is a short text naming the part."""
    found: set[str] = set()
    names = archive.namelist()
    parts = set(names)
    found.update(f"zip 条目重复：{name}" for name, count in Counter(names).items() if count > 1)
    for name in names:
        if not name.endswith(".rels"):
            continue
        folder = posixpath.dirname(posixpath.dirname(name))
        source = posixpath.join(folder, posixpath.basename(name)[:-len(".rels")])
        root = ElementTree.fromstring(archive.read(name))
        ids = Counter(element.get("Id", "")
                      for element in root.iter(f"{{{NS_PKG_REL}}}Relationship"))
        found.update(f"{name} 中关系 ID 重复：{rel_id}" for rel_id, n in ids.items() if n > 1)
        for element in root.iter(f"{{{NS_PKG_REL}}}Relationship"):
            target = element.get("Target", "")
            if element.get("TargetMode") == "External" or not target:
                continue
            resolved = resolve(source, target)
            if resolved not in parts and unquote(resolved) not in parts:
                found.add(f"{name} 指向不存在的部件：{target}")
    found.update(_workbook_problems(archive))
    found.update(_content_type_problems(archive, parts))
    return found


def _workbook_problems(archive: ZipFile) -> set[str]:
    main = workbook_part(archive)
    if main is None or main.target not in archive.NameToInfo:
        return set()
    root = ElementTree.fromstring(archive.read(main.target))
    targets = {rel.id: rel.target for rel in relationships(archive, main.target)}
    elements = list(root.iter(f"{{{NS_MAIN}}}sheet"))
    found: set[str] = set()
    on_part = Counter(targets.get(element.get(f"{{{NS_REL}}}id", ""), "")
                      for element in elements)
    found.update(f"多个工作表指向同一部件：{part}" for part, n in on_part.items() if n > 1)
    sheet_names = Counter(element.get("name", "").casefold() for element in elements)
    found.update(f"工作表名称重复：{name}" for name, n in sheet_names.items() if n > 1)
    found.update(f"工作表名称无效：{element.get('name', '')}" for element in elements
                 if not 0 < len(element.get("name", "")) <= 31)
    sheet_ids = Counter(element.get("sheetId", "") for element in elements)
    found.update(f"工作表 sheetId 重复：{i}" for i, n in sheet_ids.items() if n > 1)
    defined = Counter((element.get("name", "").casefold(), element.get("localSheetId"))
                      for element in root.iter(f"{{{NS_MAIN}}}definedName"))
    for (name, scope), n in defined.items():
        if n > 1:
            found.add(f"定义名称重复：{name}")
        if scope is not None and not (scope.isdigit() and int(scope) < len(elements)):
            found.add(f"定义名称 {name} 的 localSheetId 无效：{scope}")
    return found


def _content_type_problems(archive: ZipFile, parts: set[str]) -> set[str]:
    if "[Content_Types].xml" not in parts:
        return {"缺少 [Content_Types].xml"}
    root = ElementTree.fromstring(archive.read("[Content_Types].xml"))
    defaults = Counter(element.get("Extension", "").lower()
                       for element in root.iter(f"{{{NS_CT}}}Default"))
    overrides = Counter(element.get("PartName", "").lstrip("/").lower()
                        for element in root.iter(f"{{{NS_CT}}}Override"))
    found = {f"内容类型重复：{name}" for counts in (defaults, overrides)
             for name, n in counts.items() if n > 1}
    for part in parts:
        if part.endswith("/") or part == "[Content_Types].xml":
            continue
        name = posixpath.basename(part)
        extension = name.rsplit(".", 1)[1].lower() if "." in name else ""  # ".rels" too
        if part.lower() not in overrides and extension not in defaults:
            found.add(f"部件没有内容类型：{part}")
    return found
