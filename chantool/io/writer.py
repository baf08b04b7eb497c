"""Carrying out a WritePlan on a workbook file without losing a byte of the user's.

The writer copies the package part by part. It rewrites only the parts it owns: the
worksheets it writes into, additions to the styles part, the workbook part (its sheet
list and chantool's hidden defined names), the relationship and content-type parts that
must name new parts, and the parts it creates (generated sheets, notes). Every other
part (charts, pictures, pivots, VBA, shared strings, ...) is copied byte for byte.

What a previous run wrote is found again and replaced: result columns through the hidden
defined name ``_chantool_results`` of their sheet (Excel keeps it pointing at them when
columns are inserted or deleted), marks through their conditional-format formula,
notes and generated sheets through their own part names and relationship ids.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

from chantool.findings import Severity
from chantool.io import package
from chantool.io.notes import (
    COMMENTS_TYPE,
    NOTES_REL_ID,
    REL_COMMENTS,
    REL_VML,
    VML_TYPE,
    comments_xml,
    vml_xml,
)
from chantool.io.sheetxml import (
    NOTES_VML_REL_ID,
    SheetEdit,
    cell_xml,
    edit_sheet,
    has_foreign_legacy_drawing,
)
from chantool.io.styles import StyleIds, Styles
from chantool.io.xmltext import escape, find_element, insertion_point, root_prefix
from chantool.results import (
    GENERATED_NOTE,
    SheetResults,
    Table,
    Value,
    WritePlan,
    quote_sheet,
)
from chantool.table import column_letter, split_address

RESULTS_NAME: Final = "_chantool_results"
GENERATED_NAME: Final = "_chantool_generated"
OWN_REL_PREFIX: Final = "rIdChantool"
WORKSHEET_TYPE: Final = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
_FIXED_TIME: Final = (1980, 1, 1, 0, 0, 0)
# The fastest deflate level: a large sheet compresses three times faster than at the
# default level, for a file about a quarter larger.
_LEVEL: Final = 1
_WORKBOOK_AFTER_DEFINED_NAMES: Final = (
    "calcPr", "oleSize", "customWorkbookViews", "pivotCaches", "smartTagPr", "smartTagTypes",
    "webPublishing", "fileRecoveryPr", "webPublishObjects", "extLst")
_DEFINED_NAME: Final = re.compile(
    r"<(?P<p>[\w.-]+:)?definedName\b(?P<attrs>[^>]*)>(?P<value>.*?)</(?P=p)?definedName>", re.S)
_COLUMNS_REF: Final = re.compile(r"!\$?([A-Z]+)(?:\$?\d+)?:\$?([A-Z]+)")


@dataclass(frozen=True)
class Written:
    """What a write changed: the parts it wrote, and per sheet the 1-based columns that
    held or now hold chantool's results."""

    parts: tuple[str, ...]
    result_columns: dict[str, frozenset[int]]


@dataclass
class _Parts:
    """Parts changed (new bytes), created, or removed, by part name."""

    changed: dict[str, bytes] = field(default_factory=dict)
    removed: set[str] = field(default_factory=set)


def write_plan(
    source: Path, target: Path, plan: WritePlan, *, max_notes: int = 1000
) -> Written:
    """Write ``plan`` into a copy of ``source`` at ``target`` (never ``source`` itself: the
    caller replaces files)."""
    with zipfile.ZipFile(source) as archive:
        writer = _Writer(archive, plan, max_notes)
        parts = writer.run()
        _write_zip(archive, target, parts)
    return Written(tuple(sorted(parts.changed)), writer.result_columns)


def _write_zip(archive: zipfile.ZipFile, target: Path, parts: _Parts) -> None:
    names = set(archive.NameToInfo)
    with zipfile.ZipFile(target, "w") as out:
        for info in archive.infolist():
            if info.filename in parts.removed:
                continue
            data = parts.changed.get(info.filename)
            out.writestr(_copy_info(info), archive.read(info) if data is None else data,
                         compresslevel=_LEVEL)
        for name in sorted(set(parts.changed) - names):
            info = zipfile.ZipInfo(name, _FIXED_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            out.writestr(info, parts.changed[name], compresslevel=_LEVEL)


def _copy_info(info: zipfile.ZipInfo) -> zipfile.ZipInfo:
    copy = zipfile.ZipInfo(info.filename, info.date_time)
    copy.compress_type = info.compress_type
    copy.external_attr = info.external_attr
    copy.create_system = info.create_system
    copy.comment = info.comment
    return copy


class _Writer:
    def __init__(self, archive: zipfile.ZipFile, plan: WritePlan, max_notes: int) -> None:
        self.archive = archive
        self.plan = plan
        self.max_notes = max_notes
        self.parts = _Parts()
        main = package.workbook_part(archive)
        if main is None:
            raise ValueError("no workbook part")
        self.workbook_part = main.target
        self.workbook = archive.read(main.target).decode("utf-8")
        self.prefix = root_prefix(self.workbook, "workbook")
        self.types = archive.read("[Content_Types].xml").decode("utf-8")
        self.workbook_rels = self._read_text(package.rels_part(main.target))
        self.sheets = package.sheets(archive, main.target)
        self.names = self._sheet_order()
        self.defined = self._our_defined_names()
        self.result_columns: dict[str, frozenset[int]] = {}

    def _read_text(self, name: str) -> str:
        if name in self.parts.changed:
            return self.parts.changed[name].decode("utf-8")
        return self.archive.read(name).decode("utf-8")

    def _sheet_order(self) -> list[str]:
        """Every sheet name in workbook order (worksheets, chart sheets, ...): the positions
        that localSheetId counts."""
        span = find_element(self.workbook, self.prefix, "sheets")
        assert span is not None
        return [_unescape(name) for name in re.findall(
            rf'<{re.escape(self.prefix)}sheet\b[^>]*?\sname="([^"]*)"',
            self.workbook[span[0]:span[1]])]

    def _our_defined_names(self) -> dict[tuple[str, int], str]:
        found = {}
        for match in _DEFINED_NAME.finditer(self.workbook):
            name = re.search(r'\sname="([^"]*)"', match["attrs"])
            local = re.search(r'\slocalSheetId="(\d+)"', match["attrs"])
            if name and local and name[1] in (RESULTS_NAME, GENERATED_NAME):
                found[(name[1], int(local[1]))] = _unescape(match["value"])
        return found

    def run(self) -> _Parts:
        styles_rel = next((rel for rel in package.relationships(self.archive, self.workbook_part)
                           if rel.type.endswith("/styles")), None)
        if styles_rel is None:
            raise ValueError("no styles part")
        styles = Styles(self.archive.read(styles_rel.target).decode("utf-8"))
        ids = styles.ensure_chantool_styles()
        new_names: dict[tuple[str, int], str] = {}
        by_name = {sheet.name: sheet for sheet in self.sheets}
        for results in self.plan.sheets:
            sheet = by_name.get(results.sheet)
            if sheet is not None:
                columns = self._write_sheet(sheet, results, ids)
                if columns:
                    position = self.names.index(sheet.name)
                    new_names[(RESULTS_NAME, position)] = (
                        f"{quote_sheet(sheet.name)}!${column_letter(columns[0] - 1)}:"
                        f"${column_letter(columns[-1] - 1)}")
        for table in self.plan.tables:
            position = self._write_table(table, ids.header_xf)
            new_names[(GENERATED_NAME, position)] = f"{quote_sheet(self.names[position])}!$A$1"
        self._set_defined_names(new_names)
        self._put(styles_rel.target, styles.xml)
        self._put(self.workbook_part, self.workbook)
        self._put("[Content_Types].xml", self.types)
        self._put(package.rels_part(self.workbook_part), self.workbook_rels)
        return self.parts

    def _put(self, name: str, text: str) -> None:
        """Keep a text part as changed only when its bytes differ from the source."""
        data = text.encode("utf-8")
        if name not in self.archive.NameToInfo or self.archive.read(name) != data:
            self.parts.changed[name] = data

    # --- the user's sheets ----------------------------------------------------------------

    def _write_sheet(
        self, sheet: package.SheetRef, results: SheetResults, ids: StyleIds
    ) -> list[int]:
        xml = self.archive.read(sheet.part)
        position = self.names.index(sheet.name)
        old = self.defined.get((RESULTS_NAME, position), "")
        old_columns = frozenset(_columns_of(old))
        rels_name = package.rels_part(sheet.part)
        rels = package.relationships(self.archive, sheet.part)
        foreign_notes = has_foreign_legacy_drawing(xml) or any(
            "comment" in rel.type.lower() or rel.type == REL_VML
            for rel in rels if not rel.id.startswith(OWN_REL_PREFIX))
        notes = [(mark.cell, mark.message) for mark in results.marks][: self.max_notes]
        edit = SheetEdit(
            old_columns=old_columns,
            headers=[column.header for column in results.columns],
            header_row=results.header_row,
            values=[column.values for column in results.columns],
            marks=results.marks,
            header_xf=ids.header_xf,
            dxf={Severity.ERROR: ids.error_dxf, Severity.WARNING: ids.warning_dxf},
            with_notes=not foreign_notes and bool(notes or results.columns),
        )
        new_xml, columns = edit_sheet(xml, edit)
        self.result_columns[sheet.name] = old_columns | frozenset(columns)
        if new_xml != xml:
            self.parts.changed[sheet.part] = new_xml
        header_notes = [(f"{column_letter(col - 1)}{results.header_row}",
                         GENERATED_NOTE[self.plan.lang]) for col in columns]
        self._write_notes(sheet, rels_name, header_notes + notes if edit.with_notes else [])
        return columns

    def _write_notes(self, sheet: package.SheetRef, rels_name: str,
                     notes: list[tuple[str, str]]) -> None:
        stem = Path(sheet.part).stem
        comments_part = f"xl/chantool/notes_{stem}.xml"
        vml_part = f"xl/chantool/notes_{stem}.vml"
        rels = self._read_text(rels_name) if rels_name in self.archive.NameToInfo else ""
        rels = re.sub(rf'<(?:[\w.-]+:)?Relationship\b[^>]*?Id="{OWN_REL_PREFIX}[^"]*"[^>]*?/>',
                      "", rels)
        if not notes:
            self.types = _remove_override(self.types, comments_part)
            self.parts.removed.update({comments_part, vml_part})
            if rels_name in self.archive.NameToInfo:
                self._put(rels_name, rels)
            return
        unique = {cell: text for cell, text in notes}  # a header note and a mark may share
        positions = [split_address(cell) for cell in unique]
        drawing_id = 900 + self.names.index(sheet.name)
        self.parts.changed[comments_part] = comments_xml(list(unique.items()))
        self.parts.changed[vml_part] = vml_xml(positions, drawing_id)
        target = "../chantool/"
        own = (f'<Relationship Id="{NOTES_REL_ID}" Type="{REL_COMMENTS}" '
               f'Target="{target}notes_{stem}.xml"/>'
               f'<Relationship Id="{NOTES_VML_REL_ID}" Type="{REL_VML}" '
               f'Target="{target}notes_{stem}.vml"/>')
        if not rels:
            rels = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                    f'<Relationships xmlns="{package.NS_PKG_REL}"></Relationships>')
        at = rels.rindex("</")
        self._put(rels_name, rels[:at] + own + rels[at:])
        self.types = _add_override(self.types, comments_part, COMMENTS_TYPE)
        if not re.search(r'<Default\b[^>]*Extension="vml"', self.types):
            at = self.types.index("<Override") if "<Override" in self.types \
                else self.types.rindex("</Types>")
            self.types = (self.types[:at] + f'<Default Extension="vml" ContentType="{VML_TYPE}"/>'
                          + self.types[at:])

    # --- generated sheets -----------------------------------------------------------------

    def _write_table(self, table: Table, header_xf: int) -> int:
        """Write a generated sheet; returns its position among the workbook's sheets."""
        ours = {self.names[position] for (kind, position) in self.defined
                if kind == GENERATED_NAME and position < len(self.names)}
        name = table.name
        existing = next((sheet for sheet in self.sheets if sheet.name == name), None)
        if existing is not None and name not in ours:  # a sheet of the user's by that name
            name = f"{table.name} (chantool)"
            existing = next((sheet for sheet in self.sheets if sheet.name == name), None)
        xml = table_xml(table, header_xf)
        if existing is not None:
            if self.archive.read(existing.part) != xml:
                self.parts.changed[existing.part] = xml
            return self.names.index(name)
        part = f"xl/worksheets/chantool_{table.key}.xml"
        rel_id = f"{OWN_REL_PREFIX}{table.key.capitalize()}"
        self.parts.changed[part] = xml
        self.types = _add_override(self.types, part, WORKSHEET_TYPE)
        at = self.workbook_rels.rindex("</")
        target = Path(part).relative_to(Path(self.workbook_part).parent).as_posix()
        self.workbook_rels = (self.workbook_rels[:at] + f'<Relationship Id="{rel_id}" '
                              f'Type="{package.REL_WORKSHEET}" Target="{target}"/>'
                              + self.workbook_rels[at:])
        sheet_ids = [int(i) for i in re.findall(r'\ssheetId="(\d+)"', self.workbook)]
        p = self.prefix
        element = (f'<{p}sheet name="{escape(name)}" sheetId="{max(sheet_ids, default=0) + 1}" '
                   f'xmlns:r="{package.NS_REL}" r:id="{rel_id}"/>')
        at = self.workbook.index(f"</{p}sheets>")
        self.workbook = self.workbook[:at] + element + self.workbook[at:]
        self.names.append(name)
        return len(self.names) - 1

    def _set_defined_names(self, names: dict[tuple[str, int], str]) -> None:
        p = self.prefix
        kept = [m[0] for m in _DEFINED_NAME.finditer(self.workbook)
                if not re.search(rf'\sname="({RESULTS_NAME}|{GENERATED_NAME})"', m["attrs"])]
        ours = [f'<{p}definedName name="{kind}" localSheetId="{position}" hidden="1">'
                f"{escape(value)}</{p}definedName>"
                for (kind, position), value in sorted(names.items())]
        span = find_element(self.workbook, p, "definedNames")
        if span is not None:
            self.workbook = self.workbook[:span[0]] + self.workbook[span[1]:]
        if kept or ours:
            element = f"<{p}definedNames>{''.join(kept + ours)}</{p}definedNames>"
            at = insertion_point(self.workbook, p, _WORKBOOK_AFTER_DEFINED_NAMES, "workbook")
            self.workbook = self.workbook[:at] + element + self.workbook[at:]


def _columns_of(value: str) -> range:
    match = _COLUMNS_REF.search(value)
    if match is None:
        return range(0)
    first, last = (_column(letters) for letters in match.groups())
    return range(first, last + 1)


def _column(letters: str) -> int:
    return split_address(f"{letters}1")[1]


def _unescape(text: str) -> str:
    return (text.replace("&quot;", '"').replace("&apos;", "'").replace("&lt;", "<")
            .replace("&gt;", ">").replace("&amp;", "&"))


def _add_override(types: str, part: str, content_type: str) -> str:
    if f'PartName="/{part}"' in types:
        return types
    at = types.rindex("</Types>")
    return types[:at] + f'<Override PartName="/{part}" ContentType="{content_type}"/>' + types[at:]


def _remove_override(types: str, part: str) -> str:
    return re.sub(rf'<Override\b[^>]*PartName="/{re.escape(part)}"[^>]*/>', "", types)


def table_xml(table: Table, header_xf: int) -> bytes:
    """A generated sheet: its blocks with styled headers, column widths, links to cells;
    a single untitled block gets a frozen header and a filter."""
    widths = "".join(f'<col min="{i}" max="{i}" width="{w:g}" customWidth="1"/>'
                     for i, w in enumerate(table.widths, start=1))
    rows: list[str] = []
    links: list[str] = []
    number = 0

    def row(values: Sequence[Value], style: int | None) -> None:
        nonlocal number
        number += 1
        rows.append(f'<row r="{number}">' + "".join(
            cell_xml(f"{column_letter(i)}{number}", value, style)
            for i, value in enumerate(values)) + "</row>")

    for position, block in enumerate(table.blocks):
        if position:
            number += 1  # a blank line between blocks
        if block.title is not None:
            row((block.title,), None)
        row(block.header, header_xf)
        first = number + 1
        for values in block.rows:
            row(values, None)
        links.extend(
            f'<hyperlink ref="{column_letter(col)}{first + index}" location="{escape(place)}" '
            f'display="{escape(str(block.rows[index][col]))}"/>'
            for (index, col), place in sorted(block.links.items()))
    columns = max((len(block.header) for block in table.blocks), default=1)
    last = f"{column_letter(columns - 1)}{max(number, 1)}"
    plain = len(table.blocks) == 1 and table.blocks[0].title is None
    view = ('<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>'
            if plain else "")
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        f'xmlns:r="{package.NS_REL}"><dimension ref="A1:{last}"/><sheetViews><sheetView '
        f'workbookViewId="0">{view}</sheetView></sheetViews>'
        '<sheetFormatPr defaultRowHeight="15"/>'
        + (f"<cols>{widths}</cols>" if widths else "")
        + f"<sheetData>{''.join(rows)}</sheetData>"
        + (f"<autoFilter ref=\"A1:{last}\"/>" if plain and table.blocks[0].rows else "")
        + (f"<hyperlinks>{''.join(links)}</hyperlinks>" if links else "")
        + "</worksheet>"
    ).encode("utf-8")
