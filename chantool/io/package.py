"""The parts of an .xlsx/.xlsm package that chantool needs to find its way around.

An Office Open XML workbook is a zip of parts tied together by relationship parts
(``_rels/*.rels``). This module finds the workbook part and its worksheets (name, part,
relationship id) and resolves relationship targets; it never changes anything. XML is
parsed with defusedxml, which refuses DTDs and entities.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass
from typing import Final
from zipfile import ZipFile

from defusedxml import ElementTree

NS_MAIN: Final = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
NS_STRICT_MAIN: Final = "http://purl.oclc.org/ooxml/spreadsheetml/main"
NS_REL: Final = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
NS_PKG_REL: Final = "http://schemas.openxmlformats.org/package/2006/relationships"
NS_CT: Final = "http://schemas.openxmlformats.org/package/2006/content-types"
REL_OFFICE_DOCUMENT: Final = f"{NS_REL}/officeDocument"
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
