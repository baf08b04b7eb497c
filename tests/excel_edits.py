"""What a user does to a workbook in Excel between two runs, done to the package the way
Excel does it: rename, move or delete a sheet (Excel keeps each sheet-scoped name with
its sheet: it renumbers ``localSheetId`` on a move and drops the names of a deleted
sheet), add a note, and re-save (Excel renames every worksheet part ``sheetN.xml`` and
every relationship of the workbook ``rIdN``). Only the parts Excel would change for that
edit are rewritten; every other part is copied byte for byte.
"""

from __future__ import annotations

import posixpath
import re
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Final

from lxml import etree

from chantool.io import package

MAIN: Final = package.NS_MAIN
R_ID: Final = f"{{{package.NS_REL}}}id"
Parts = dict[str, bytes]


def read_parts(path: Path) -> Parts:
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def write_parts(path: Path, parts: Parts) -> None:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)


def _edit(path: Path, change: Callable[[Parts], None]) -> None:
    parts = read_parts(path)
    change(parts)
    write_parts(path, parts)


def _workbook(parts: Parts) -> tuple[etree._Element, list[etree._Element]]:
    root = etree.fromstring(parts["xl/workbook.xml"])
    return root, list(root.iter(f"{{{MAIN}}}sheet"))


def _save(parts: Parts, name: str, root: etree._Element) -> None:
    parts[name] = etree.tostring(root, xml_declaration=True, encoding="UTF-8",
                                 standalone=True)


def sheet_names(path: Path) -> list[str]:
    return [sheet.get("name", "") for sheet in _workbook(read_parts(path))[1]]


def rename_sheet(path: Path, old: str, new: str) -> None:
    def change(parts: Parts) -> None:
        root, sheets = _workbook(parts)
        next(sheet for sheet in sheets if sheet.get("name") == old).set("name", new)
        _save(parts, "xl/workbook.xml", root)

    _edit(path, change)


def _renumber_names(root: etree._Element, position: Callable[[int], int | None]) -> None:
    """Give each sheet-scoped name its sheet's new position (``None``: the sheet is gone,
    and so is the name)."""
    for name in list(root.iter(f"{{{MAIN}}}definedName")):
        scope = name.get("localSheetId")
        if scope is None:
            continue
        moved = position(int(scope))
        if moved is None:
            parent = name.getparent()
            assert parent is not None
            parent.remove(name)
        else:
            name.set("localSheetId", str(moved))
    names = root.find(f"{{{MAIN}}}definedNames")
    if names is not None and not len(names):
        root.remove(names)


def move_sheet(path: Path, name: str, to: int) -> None:
    """Move the sheet ``name`` to position ``to`` (0-based)."""
    def change(parts: Parts) -> None:
        root, sheets = _workbook(parts)
        order = list(range(len(sheets)))
        frm = next(i for i, sheet in enumerate(sheets) if sheet.get("name") == name)
        order.insert(to, order.pop(frm))
        container = sheets[0].getparent()
        assert container is not None
        for sheet in sheets:
            container.remove(sheet)
        for old in order:
            container.append(sheets[old])
        _renumber_names(root, order.index)
        _save(parts, "xl/workbook.xml", root)

    _edit(path, change)


def delete_sheet(path: Path, name: str) -> None:
    """Delete the sheet ``name`` with its part, relationships and scoped names."""
    def change(parts: Parts) -> None:
        root, sheets = _workbook(parts)
        gone = next(i for i, sheet in enumerate(sheets) if sheet.get("name") == name)
        rel_id = sheets[gone].get(R_ID)
        container = sheets[gone].getparent()
        assert container is not None
        container.remove(sheets[gone])
        _renumber_names(root, lambda i: None if i == gone else i - (i > gone))
        _save(parts, "xl/workbook.xml", root)
        rels = etree.fromstring(parts["xl/_rels/workbook.xml.rels"])
        rel = next(r for r in rels if r.get("Id") == rel_id)
        part = package.resolve("xl/workbook.xml", rel.get("Target", ""))
        rels.remove(rel)
        _save(parts, "xl/_rels/workbook.xml.rels", rels)
        for dropped in (part, package.rels_part(part)):
            parts.pop(dropped, None)
        types = etree.fromstring(parts["[Content_Types].xml"])
        for override in list(types):
            if override.get("PartName") == f"/{part}":
                types.remove(override)
        _save(parts, "[Content_Types].xml", types)

    _edit(path, change)


def excel_resave(path: Path) -> None:
    """Rename worksheet parts ``xl/worksheets/sheetN.xml``, notes parts
    ``xl/commentsN.xml`` and ``xl/drawings/vmlDrawingN.vml``, and every relationship id of
    the workbook and its sheets ``rIdN``, as Excel does on every save (the parts' contents
    stay, but for the ids they name: what else Excel rewrites inside them is not what
    chantool looks at)."""
    def change(parts: Parts) -> None:
        root, sheets = _workbook(parts)
        rels = etree.fromstring(parts["xl/_rels/workbook.xml.rels"])
        new_ids = {rel.get("Id"): f"rId{n}" for n, rel in enumerate(rels, start=1)}
        moved: dict[str, str] = {}
        for number, sheet in enumerate(sheets, start=1):
            rel = next(r for r in rels if r.get("Id") == sheet.get(R_ID))
            old = package.resolve("xl/workbook.xml", rel.get("Target", ""))
            moved[old] = f"xl/worksheets/sheet{number}.xml"
            rel.set("Target", f"worksheets/sheet{number}.xml")
        for rel in rels:
            rel.set("Id", new_ids[rel.get("Id")])
        for sheet in sheets:
            sheet.set(R_ID, new_ids[sheet.get(R_ID)])
        _save(parts, "xl/workbook.xml", root)
        _save(parts, "xl/_rels/workbook.xml.rels", rels)
        contents = {old: parts.pop(old) for old in moved}
        sheet_rels = {old: parts.pop(package.rels_part(old)) for old in moved
                      if package.rels_part(old) in parts}
        for old, new in moved.items():
            parts[new] = contents[old]
            if old in sheet_rels:
                parts[package.rels_part(new)] = sheet_rels[old]
        for sheet_part in list(moved.values()):
            _renumber_sheet_relationships(parts, sheet_part, moved)
        types = etree.fromstring(parts["[Content_Types].xml"])
        for override in types:
            part = override.get("PartName", "").lstrip("/")
            if part in moved:
                override.set("PartName", f"/{moved[part]}")
        _save(parts, "[Content_Types].xml", types)

    _edit(path, change)


def _renumber_sheet_relationships(parts: Parts, sheet: str, moved: dict[str, str]) -> None:
    """A sheet's relationships renamed ``rIdN``, its notes parts renamed as Excel names
    them (recorded in ``moved``)."""
    rels_name = package.rels_part(sheet)
    if rels_name not in parts:
        return
    rels = etree.fromstring(parts[rels_name])
    renamed = {rel.get("Id"): f"rId{n}" for n, rel in enumerate(rels, start=1)}
    for rel in rels:
        rel.set("Id", renamed[rel.get("Id")])
        kind = rel.get("Type", "").rsplit("/", 1)[-1]
        target = package.resolve(sheet, rel.get("Target", ""))
        pattern = {"comments": "xl/comments{}.xml",
                   "vmlDrawing": "xl/drawings/vmlDrawing{}.vml"}.get(kind)
        if pattern and target in parts and not re.fullmatch(pattern.format(r"\d+"), target):
            new = next(pattern.format(n) for n in range(1, len(parts) + 2)
                       if pattern.format(n) not in parts)
            moved[target] = new
            parts[new] = parts.pop(target)
            rel.set("Target", posixpath.relpath(new, posixpath.dirname(sheet)))
            types = etree.fromstring(parts["[Content_Types].xml"])
            for override in types:
                if override.get("PartName") == f"/{target}":
                    override.set("PartName", f"/{new}")
            _save(parts, "[Content_Types].xml", types)
    _save(parts, rels_name, rels)
    worksheet = etree.fromstring(parts[sheet])
    for element in worksheet.iter():
        if element.get(R_ID) in renamed:
            element.set(R_ID, renamed[element.get(R_ID)])
    _save(parts, sheet, worksheet)


def add_note(path: Path, sheet: str, cell: str, text: str) -> None:
    """A note of the user's on ``cell`` of ``sheet``, as Excel links one: a comments part,
    a VML drawing and the sheet's ``<legacyDrawing>``. On a sheet that already has notes
    (its own or chantool's) the note goes into its comments part, and Excel's save gives
    the sheet's relationships and notes parts its own names."""
    def change(parts: Parts) -> None:
        _, sheets = _workbook(parts)
        rel_id = next(s.get(R_ID) for s in sheets if s.get("name") == sheet)
        rels = etree.fromstring(parts["xl/_rels/workbook.xml.rels"])
        part = package.resolve("xl/workbook.xml",
                               next(r.get("Target", "") for r in rels if r.get("Id") == rel_id))
        rels_name = package.rels_part(part)
        sheet_rels = (etree.fromstring(parts[rels_name]) if rels_name in parts else
                      etree.fromstring(f'<Relationships xmlns="{package.NS_PKG_REL}"/>'))
        comments = next((package.resolve(part, r.get("Target", "")) for r in sheet_rels
                         if r.get("Type", "").endswith("/comments")), None)
        if comments is not None:
            tree = etree.fromstring(parts[comments])
            authors = tree.find(f"{{{MAIN}}}authors")
            assert authors is not None
            author = etree.SubElement(authors, f"{{{MAIN}}}author")
            author.text = "张伟"
            notes = tree.find(f"{{{MAIN}}}commentList")
            assert notes is not None
            for existing in list(notes):
                if existing.get("ref") == cell:
                    notes.remove(existing)
            _append_comment(notes, cell, text, len(authors) - 1)
            _save(parts, comments, tree)
            _renumber_sheet_relationships(parts, part, {})
            return
        number = 1 + max((int(n) for name in parts
                          for n in re.findall(r"xl/comments(\d+)\.xml$", name)), default=0)
        comments = f"xl/comments{number}.xml"
        vml = f"xl/drawings/vmlDrawing{number}.vml"
        tree = etree.fromstring(
            f'<comments xmlns="{MAIN}"><authors><author>张伟</author></authors>'
            "<commentList/></comments>")
        notes = tree.find(f"{{{MAIN}}}commentList")
        assert notes is not None
        _append_comment(notes, cell, text, 0)
        _save(parts, comments, tree)
        parts[vml] = (b'<xml xmlns:v="urn:schemas-microsoft-com:vml" xmlns:x="urn:schemas-'
                      b'microsoft-com:office:excel"><v:shape type="#_x0000_t202"><x:ClientData '
                      b'ObjectType="Note"/></v:shape></xml>')
        taken = {r.get("Id") for r in sheet_rels}
        ids = [f"rId{n}" for n in range(1, len(taken) + 3) if f"rId{n}" not in taken][:2]
        for rel_id, kind, target in ((ids[0], "comments", comments), (ids[1], "vmlDrawing", vml)):
            etree.SubElement(sheet_rels, f"{{{package.NS_PKG_REL}}}Relationship", Id=rel_id,
                             Type=f"{package.NS_REL}/{kind}",
                             Target=posixpath.relpath(target, posixpath.dirname(part)))
        _save(parts, rels_name, sheet_rels)
        worksheet = etree.fromstring(parts[part])
        link = etree.Element(f"{{{MAIN}}}legacyDrawing", nsmap={"r": package.NS_REL})
        link.set(R_ID, ids[1])
        after = [f"{{{MAIN}}}{name}" for name in ("legacyDrawingHF", "drawingHF", "picture",
                                                  "oleObjects", "controls", "webPublishItems",
                                                  "tableParts", "extLst")]
        follower = next((child for child in worksheet if child.tag in after), None)
        if follower is None:
            worksheet.append(link)
        else:
            follower.addprevious(link)
        _save(parts, part, worksheet)
        types = etree.fromstring(parts["[Content_Types].xml"])
        etree.SubElement(types, f"{{{package.NS_CT}}}Override", PartName=f"/{comments}",
                         ContentType="application/vnd.openxmlformats-officedocument."
                                     "spreadsheetml.comments+xml")
        if not any(d.get("Extension") == "vml" for d in types):
            default = etree.Element(f"{{{package.NS_CT}}}Default", Extension="vml",
                                    ContentType="application/vnd.openxmlformats-"
                                                "officedocument.vmlDrawing")
            types.insert(0, default)
        _save(parts, "[Content_Types].xml", types)

    _edit(path, change)


def _append_comment(notes: etree._Element, cell: str, text: str, author: int) -> None:
    comment = etree.SubElement(notes, f"{{{MAIN}}}comment", ref=cell, authorId=str(author))
    run = etree.SubElement(etree.SubElement(comment, f"{{{MAIN}}}text"), f"{{{MAIN}}}r")
    etree.SubElement(run, f"{{{MAIN}}}t").text = text
