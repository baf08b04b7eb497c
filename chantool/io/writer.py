"""Carrying out a WritePlan on a workbook file without losing a byte of the user's.

The writer copies the package part by part. It rewrites only the parts it owns: the
worksheets it writes into, additions to the styles part, the workbook part (its sheet
list and chantool's hidden defined names), the relationship and content-type parts that
must name new parts, and the parts it creates (generated sheets, notes). Every other
part (charts, pictures, pivots, VBA, shared strings, ...) is copied byte for byte.

What a previous run wrote is found again and replaced: result columns through the hidden
defined name ``_chantool_results`` of their sheet (Excel keeps it pointing at them when
columns are inserted or deleted), marks through their conditional-format formula,
notes through their own part names and relationship ids. A generated sheet is found by
what it is, never by its name: the hidden sheet-scoped name ``_chantool_generated``
holds its key (``"issues"``, ``"scores"``); Excel and LibreOffice keep a sheet's scoped
names, and their scope, when the sheet is renamed or moved or the file re-saved, and
drop them with the sheet. A file whose names were lost is still known by chantool's
relationship id for the sheet.
"""

from __future__ import annotations

import io
import posixpath
import re
import zipfile
from collections.abc import Collection, Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import nullcontext
from dataclasses import dataclass, field
from functools import partial
from itertools import repeat
from pathlib import Path
from typing import ClassVar, Final

from chantool.findings import Severity
from chantool.io import isolation, package
from chantool.io.deflating import Deflated, Deflater, Parts, write_zip
from chantool.io.notes import (
    AUTHOR,
    COMMENTS_TYPE,
    NOTES_REL_ID,
    REL_COMMENTS,
    REL_VML,
    VML_TYPE,
    comments_xml,
    vml_xml,
)
from chantool.io.output import OutputError
from chantool.io.sheetxml import (
    NOTES_VML_REL_ID,
    NoRoom,
    Probe,
    Region,
    SheetEdit,
    column_parts,
    edit_sheet,
    has_foreign_legacy_drawing,
    joined_rows,
    probe,
)
from chantool.io.styles import StyleIds, Styles, TableStyles
from chantool.io.xmltext import escape, find_element, insertion_point, root_prefix, unescape
from chantool.results import (
    GENERATED_NOTE,
    SheetResults,
    Table,
    Value,
    WritePlan,
    columns_reference,
    place_blocks,
    quote_sheet,
    referenced_columns,
)
from chantool.settings import ISSUES_SHEET, SCORES_SHEET
from chantool.table import column_letter, split_address

RESULTS_NAME: Final = "_chantool_results"
GENERATED_NAME: Final = "_chantool_generated"
OWN_REL_PREFIX: Final = "rIdChantool"
WORKSHEET_TYPE: Final = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
_ROWS_AT_ONCE: Final = 2000  # rows of a generated sheet made and deflated at once
# A new generated sheet of this many cells is made beside the user's sheets (``_make``):
# the 评分 sheet of 100,000 visits and sales (1.2 million cells) takes 0.4 s, the 校验结果
# sheet of 12,000 findings (72,000 cells) 0.05 s; forking costs some milliseconds.
_BESIDE_CELLS: Final = 50_000
# A sheet of this size is probed in a child forked for it, which takes only a core the
# reading leaves idle; forking costs 10-25 ms, probing 4 ms a megabyte.
_PROBE_ASIDE_BYTES: Final = 4 << 20
_PROBE_NICE: Final = 19
_WORKBOOK_AFTER_DEFINED_NAMES: Final = (
    "calcPr", "oleSize", "customWorkbookViews", "pivotCaches", "smartTagPr", "smartTagTypes",
    "webPublishing", "fileRecoveryPr", "webPublishObjects", "extLst")
_DEFINED_NAME: Final = re.compile(
    r"<(?P<p>[\w.-]+:)?definedName\b(?P<attrs>[^>]*)>(?P<value>.*?)</(?P=p)?definedName>", re.S)
_KEY_VALUE: Final = re.compile(r'^"(\w+)"$')
_OWN_PART: Final = re.compile(r"/chantool_(\w+?)(?:_\d+)?\.xml$")
# The names chantool gives each generated sheet, in either language: a sheet that still
# has one of them is renamed to the run's language; one the user renamed keeps its name.
DEFAULT_NAMES: Final = {"issues": ISSUES_SHEET, "scores": SCORES_SHEET}
MAX_SHEET_NAME: Final = 31


@dataclass(frozen=True)
class Written:
    """What a write changed, for the check of the written file (``io.output``): the parts
    it wrote, per sheet the 1-based columns that held chantool's results before and
    those that hold them now, the structural problems the source package already had
    (``package.problems``: the user's, which a write need not cure), and what the source
    held: the CRC-32 of every part, each worksheet's part by sheet name, and the bytes
    of the parts the check compares with what was written: the user's worksheets
    chantool wrote into (with the regions it replaced, ``rewritten``), the styles part
    and the workbook part."""

    parts: tuple[str, ...]
    result_columns: dict[str, tuple[frozenset[int], frozenset[int]]]
    problems_before: frozenset[str] = frozenset()
    source_crcs: dict[str, int] = field(default_factory=dict)
    sheet_parts: dict[str, str] = field(default_factory=dict)
    originals: dict[str, bytes] = field(default_factory=dict)
    rewritten: dict[str, tuple[Region, ...]] = field(default_factory=dict)
    styles_part: str = ""
    workbook_part: str = ""


class Opened:
    """A workbook opened to be written into before what to write is known: its package
    and structure read, and the worksheets named ``read_ahead`` probed for their last
    column in use and where their rows start (``sheetxml.probe``), in a thread meanwhile.
    Opened while the engine reads the workbook (which calamine parses without holding
    the GIL), this costs a large sheet's write no time. Until it is closed (by
    ``write_plan``, or ``close``), ``write_plan`` of ``source`` writes from it."""

    _open: ClassVar[dict[Path, Opened]] = {}  # by source

    def __init__(self, source: Path, read_ahead: Collection[str] = ()) -> None:
        self.source = source
        self.archive = package.open_package(source)
        try:
            self.problems = frozenset(package.problems(self.archive))
            self.writer = _Writer(self.archive)
            self.writer.read_ahead(read_ahead)
        except BaseException:
            self.archive.close()
            raise
        Opened._open.setdefault(source, self)

    @staticmethod
    def of(source: Path) -> Opened:
        """``source`` as it was opened, or opened now."""
        return Opened._open.get(source) or Opened(source)

    def inflate_ahead(self, names: Collection[str]) -> None:
        """Start inflating the worksheets ``names`` read ahead, in the reading thread, for a
        write into them that is to start soon (``validate``'s: held until the write, large
        sheets' XML would add to the peak of a long scoring)."""
        self.writer.inflate_ahead(names)

    def close(self) -> None:
        if Opened._open.get(self.source) is self:
            del Opened._open[self.source]
        self.writer.reading.shutdown(cancel_futures=True)
        self.writer.stop_probing()
        self.archive.close()

    def __enter__(self) -> Opened:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


def write_plan(
    source: Path, target: Path, plan: WritePlan, *, max_notes: int = 1000
) -> Written:
    """Write ``plan`` into a copy of ``source`` at ``target`` (never ``source`` itself: the
    caller replaces files); from the workbook as it was ``Opened``, when it was."""
    with Opened.of(source) as opened:
        writer, archive, before = opened.writer, opened.archive, opened.problems
        parts = writer.run(plan, max_notes)
        write_zip(archive, target, parts)
        crcs = {info.filename: info.CRC for info in archive.infolist()}
    originals = {part: data for part, (data, _) in writer.rewritten.items()}
    originals[writer.styles_part] = writer.styles_source
    originals[writer.workbook_part] = writer.workbook_source
    return Written(tuple(sorted(parts.names())), writer.result_columns, before, crcs,
                   {sheet.name: sheet.part for sheet in writer.sheets}, originals,
                   {part: regions for part, (_, regions) in writer.rewritten.items()},
                   writer.styles_part, writer.workbook_part)


class _Writer:
    def __init__(self, archive: zipfile.ZipFile) -> None:
        self.archive = archive
        self.parts = Parts()
        main = package.workbook_part(archive)
        if main is None:
            raise ValueError("no workbook part")
        self.workbook_part = main.target
        self.workbook_source = archive.read(main.target)
        self.workbook = self.workbook_source.decode("utf-8")
        self.prefix = root_prefix(self.workbook, "workbook")
        self.types = archive.read("[Content_Types].xml").decode("utf-8")
        self.workbook_rels = self._read_text(package.rels_part(main.target))
        self.sheets = package.sheets(archive, main.target)
        self.names = self._sheet_order()
        self.defined = self._our_defined_names()
        self.generated = self._generated_sheets()
        self.result_columns: dict[str, tuple[frozenset[int], frozenset[int]]] = {}
        # A worksheet part chantool wrote into: what it was, and the regions replaced.
        self.rewritten: dict[str, tuple[bytes, tuple[Region, ...]]] = {}
        # The user's worksheets, being read (inflated without holding the GIL) and probed.
        self.reading = ThreadPoolExecutor(max_workers=1)
        self.probes: dict[str, Future[Probe] | isolation.Beside[Probe | None]] = {}  # by part
        self.sources: dict[str, Future[bytes]] = {}  # parts inflated ahead, by part
        # The generated sheets, each being made (``_make``), by part.
        self.beside: dict[str, isolation.Beside[Deflated | None]] = {}
        styles = next((rel for rel in package.relationships(archive, self.workbook_part)
                       if rel.type.endswith("/styles")), None)
        if styles is None:
            raise ValueError("no styles part")
        self.styles_part = styles.target
        self.styles_source = archive.read(styles.target)

    def _read_text(self, name: str) -> str:
        if name in self.parts.changed:
            return self.parts.changed[name].decode("utf-8")
        return self.archive.read(name).decode("utf-8")

    def _sheet_order(self) -> list[str]:
        """Every sheet name in workbook order (worksheets, chart sheets, ...): the positions
        that localSheetId counts."""
        span = find_element(self.workbook, self.prefix, "sheets")
        assert span is not None
        return [unescape(name) for name in re.findall(
            rf'<{re.escape(self.prefix)}sheet\b[^>]*?\sname="([^"]*)"',
            self.workbook[span[0]:span[1]])]

    def _our_defined_names(self) -> dict[tuple[str, int], str]:
        found = {}
        for match in _DEFINED_NAME.finditer(self.workbook):
            name = re.search(r'\sname="([^"]*)"', match["attrs"])
            local = re.search(r'\slocalSheetId="(\d+)"', match["attrs"])
            if name and local and name[1] in (RESULTS_NAME, GENERATED_NAME):
                found[(name[1], int(local[1]))] = unescape(match["value"])
        return found

    def _generated_sheets(self) -> dict[str, int]:
        """chantool's generated sheets: key -> position among the workbook's sheets. Of two
        sheets that claim one key (a copy made in Excel copies the sheet's names), the one
        on chantool's own relationship id is chantool's, else the first."""
        by_name = {sheet.name: sheet for sheet in self.sheets}
        found: dict[str, int] = {}
        own: set[str] = set()  # keys found on chantool's own relationship id
        for (kind, position), value in sorted(self.defined.items(), key=lambda i: i[0][1]):
            if kind != GENERATED_NAME or position >= len(self.names):
                continue
            sheet = by_name.get(self.names[position])
            key = _generated_key(value, sheet.part if sheet else "", self.names[position])
            if key is None or sheet is None or key in own:
                continue
            if sheet.rel_id.startswith(OWN_REL_PREFIX):
                own.add(key)
                found[key] = position
            else:
                found.setdefault(key, position)
        for sheet in self.sheets:  # names lost: chantool's own relationship id tells
            if sheet.rel_id.startswith(OWN_REL_PREFIX) and sheet.name in self.names:
                key = sheet.rel_id[len(OWN_REL_PREFIX):].lower()
                if key in DEFAULT_NAMES and key not in found:
                    found[key] = self.names.index(sheet.name)
        return found

    def read_ahead(self, names: Collection[str]) -> None:
        """Start probing the worksheets ``names`` for their last column in use: a large one
        in a child forked for it where one can be (niced, it takes a core the reading
        leaves idle), else in the reading thread. Each part is inflated for it, and again
        when written (``inflate_ahead`` for a write soon after the reading): held in
        between, the large sheets' XML would add to the peak of scoring."""
        try:
            for sheet in self.sheets:
                if sheet.name in names and sheet.part not in self.probes:
                    self._start_probing(sheet)
        except BaseException:  # the probes started end with the workbook not opened
            self.stop_probing()
            raise

    def inflate_ahead(self, names: Collection[str]) -> None:
        """Start inflating the worksheets ``names`` read ahead (``Opened.inflate_ahead``)."""
        for sheet in self.sheets:
            if sheet.name in names and sheet.part in self.probes:
                self.sources[sheet.part] = self._source(sheet.part)

    def _source(self, part: str) -> Future[bytes]:
        """A part's XML, inflated ahead or now, in the reading thread."""
        return self.sources.get(part) or self.reading.submit(package.read_part, self.archive,
                                                             part)

    def _start_probing(self, sheet: package.SheetRef) -> None:
        info = self.archive.NameToInfo.get(sheet.part)
        aside = (isolation.Beside(partial(self._probe_file, sheet), nice=_PROBE_NICE)
                 if self.archive.filename is not None and info is not None
                 and info.file_size >= _PROBE_ASIDE_BYTES else None)
        self.probes[sheet.part] = (aside if aside is not None and aside.started
                                   else self.reading.submit(self._probe, sheet))

    def _probe(self, sheet: package.SheetRef) -> Probe:
        return probe(package.read_part(self.archive, sheet.part), self._old_columns(sheet))

    def _probe_file(self, sheet: package.SheetRef) -> Probe | None:
        """``_probe`` in a child forked for it (``isolation.Beside``), which reads the part
        from the file anew (a file's position is shared with this process): ``None`` when
        it cannot, or the part there is no longer the one opened (another CRC)."""
        assert self.archive.filename is not None
        try:
            with package.Package(self.archive.filename) as archive:
                info = archive.getinfo(sheet.part)
                if info.CRC != self.archive.getinfo(sheet.part).CRC:
                    return None
                return probe(package.read_part(archive, info), self._old_columns(sheet))
        except Exception:  # any reason it cannot: the sheet is written without a probe
            return None

    def _probed(self, part: str) -> Probe | None:
        """The probe of ``part``, if it was probed: a child still probing it (niced, it may
        find no idle core for long) is ended, and the edit looks for itself."""
        probing = self.probes.get(part)
        if isinstance(probing, isolation.Beside) and probing.started and not probing.sent:
            probing.cancel()
            return None
        return probing.result() if probing is not None else None

    def stop_probing(self) -> None:
        """End the probes not collected."""
        for probing in self.probes.values():
            if isinstance(probing, isolation.Beside):
                probing.cancel()

    def _old_columns(self, sheet: package.SheetRef) -> frozenset[int]:
        """The 1-based columns of the previous run's results on the sheet."""
        position = self.names.index(sheet.name)
        return frozenset(referenced_columns(self.defined.get((RESULTS_NAME, position), "")))

    def run(self, plan: WritePlan, max_notes: int) -> Parts:
        self.plan, self.max_notes = plan, max_notes
        styles = Styles(self.styles_source.decode("utf-8"))
        ids = styles.ensure_chantool_styles()
        by_name = {sheet.name: sheet for sheet in self.sheets}
        # What this run does not rewrite keeps its names: result columns of sheets not in
        # the plan, generated sheets of another command (评分 after validate).
        planned = {self.names.index(r.sheet) for r in self.plan.sheets if r.sheet in by_name}
        new_names = {(kind, position): value for (kind, position), value in self.defined.items()
                     if kind == RESULTS_NAME and position not in planned
                     and position < len(self.names)}
        new_names.update({(GENERATED_NAME, position): f'"{key}"'
                          for key, position in self.generated.items()})
        sheets = [(results, by_name[results.sheet]) for results in self.plan.sheets
                  if results.sheet in by_name]
        # The user's sheets are read while the generated sheets are made.
        with self.reading:
            sources = [self._source(sheet.part) for _, sheet in sheets]
            self.sources.clear()
            try:
                for table in self.plan.tables:
                    units = {unit for block in table.blocks for unit in block.units}
                    position = self._write_table(table,
                                                 styles.table_styles(ids.header_xf, units))
                    new_names[(GENERATED_NAME, position)] = f'"{table.key}"'
                for made in self.beside.values():  # those made here, while the sources inflate
                    if not made.started:
                        made.result()
                for (results, sheet), source in zip(sheets, sources, strict=True):
                    columns = self._write_sheet(sheet, results, ids, source.result(),
                                                self._probed(sheet.part))
                    if columns:
                        position = self.names.index(sheet.name)
                        new_names[(RESULTS_NAME, position)] = columns_reference(sheet.name,
                                                                              columns)
                for part, made in self.beside.items():
                    deflated = made.result()
                    if deflated is not None:
                        self.parts.deflated[part] = deflated
            finally:  # those not collected, the write having failed
                for made in self.beside.values():
                    made.cancel()
        self._set_defined_names(new_names)
        self._put(self.styles_part, styles.xml)
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
        self, sheet: package.SheetRef, results: SheetResults, ids: StyleIds, xml: bytes,
        probed: Probe | None,
    ) -> list[int]:
        """Write into the user's sheet ``sheet`` (its part is ``xml``, ``probed`` as
        ``edit_sheet`` takes it); returns the result columns."""
        old_columns = self._old_columns(sheet)
        rels_name = package.rels_part(sheet.part)
        released = self._release_saved_notes(sheet, xml)
        if probed is not None and released is not xml:  # its rows may have moved
            probed = probed._replace(rows_at={})
        xml = released
        rels = _relationships(self._read_text(rels_name)
                              if rels_name in self.archive.NameToInfo else "")
        foreign_notes = has_foreign_legacy_drawing(xml) or any(
            "comment" in kind.lower() or kind == REL_VML
            for rel_id, kind, _ in rels if not rel_id.startswith(OWN_REL_PREFIX))
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
        # The part is deflated as it is made.
        deflater = Deflater(io.BytesIO(xml))
        try:
            edited = edit_sheet(xml, edit, deflater.write, probed)
        except NoRoom:
            raise OutputError("no_room", sheet=sheet.name) from None
        columns = edited.columns
        self.result_columns[sheet.name] = (old_columns, frozenset(columns))
        if self._keep(sheet.part, deflater):
            self.rewritten[sheet.part] = (xml, edited.regions)
        header_notes = [(f"{column_letter(col - 1)}{results.header_row}",
                         GENERATED_NOTE[self.plan.lang]) for col in columns]
        self._write_notes(sheet, rels_name, header_notes + notes if edit.with_notes else [])
        return columns

    def _release_saved_notes(self, sheet: package.SheetRef, xml: bytes) -> bytes:
        """Remove chantool's notes from a notes part Excel's save made a plain one (its
        ids and names renamed, its author ``chantool`` kept): they are found by their
        author, one by one, with their shapes; the user's notes stay. A part left with
        no note goes, with its drawing and their links. Returns the sheet part."""
        rels_name = package.rels_part(sheet.part)
        if rels_name not in self.archive.NameToInfo:
            return xml
        rels = _relationships(self._read_text(rels_name))
        comments = next(((rel_id, target) for rel_id, kind, target in rels
                         if kind == REL_COMMENTS and not rel_id.startswith(OWN_REL_PREFIX)),
                        None)
        drawing = next(((rel_id, target) for rel_id, kind, target in rels
                        if kind == REL_VML and not rel_id.startswith(OWN_REL_PREFIX)), None)
        if comments is None:
            return xml
        part = package.resolve(sheet.part, comments[1])
        if part not in self.archive.NameToInfo:
            return xml
        text = self._read_text(part)
        authors = re.findall(r"<(?:[\w.-]+:)?author\b[^>]*>(.*?)</(?:[\w.-]+:)?author>", text,
                             re.S)
        ours = {str(index) for index, name in enumerate(authors) if name == AUTHOR}
        if not ours:
            return xml
        notes = list(re.finditer(r"<(?:[\w.-]+:)?comment\b[^>]*?/>|<(?:[\w.-]+:)?comment\b"
                                 r"[^>]*>.*?</(?:[\w.-]+:)?comment>", text, re.S))
        mine = [note for note in notes if _attribute(note[0], "authorId") in ours]
        if not mine:
            return xml
        cells = {_attribute(note[0], "ref") for note in mine}
        vml = package.resolve(sheet.part, drawing[1]) if drawing else None
        if len(mine) == len(notes):  # all chantool's: the notes go whole
            self.parts.removed.update({part} | ({vml} if vml else set()))
            self.types = _remove_override(self.types, part)
            gone = {comments[0]} | ({drawing[0]} if drawing else set())
            kept = re.sub(r'<(?:[\w.-]+:)?Relationship\b[^>]*?\sId="(' + "|".join(
                map(re.escape, gone)) + r')"[^>]*?/>', "", self._read_text(rels_name))
            self._put(rels_name, kept)
            if drawing:
                xml = re.sub(rb'<(?:[\w.-]+:)?legacyDrawing\b[^>]*?"' + re.escape(
                    drawing[0].encode()) + rb'"[^>]*?/>', b"", xml)
            return xml
        for note in reversed(mine):
            text = text[:note.start()] + text[note.end():]
        self._put(part, text)
        if vml and vml in self.archive.NameToInfo:
            self._put(vml, _without_shapes(self._read_text(vml), cells))
        return xml

    def _write_notes(self, sheet: package.SheetRef, rels_name: str,
                     notes: list[tuple[str, str]]) -> None:
        """Replace chantool's notes of the sheet: the parts its own relationships link
        (wherever a re-save left them), or new ones."""
        ours = {rel.id: rel.target for rel in package.relationships(self.archive, sheet.part)
                if rel.id in (NOTES_REL_ID, NOTES_VML_REL_ID)}
        rels = self._read_text(rels_name) if rels_name in self.archive.NameToInfo else ""
        rels = re.sub(rf'<(?:[\w.-]+:)?Relationship\b[^>]*?Id="{OWN_REL_PREFIX}[^"]*"[^>]*?/>',
                      "", rels)
        # Parts that another relationship now links are no longer chantool's alone
        # (Excel's save renamed the ids, and the user may have added a note to them).
        linked = {package.resolve(sheet.part, target)
                  for target in re.findall(r'\sTarget="([^"]*)"', rels)}
        old = set(ours.values()) - linked
        if not notes:
            for part in old:
                self.types = _remove_override(self.types, part)
            self.parts.removed.update(old)
            if rels_name in self.archive.NameToInfo:
                self._put(rels_name, rels)
            return
        taken = (set(self.archive.NameToInfo) | set(self.parts.changed)) - old
        comments_part = ours.get(NOTES_REL_ID, "")
        if comments_part not in old:
            comments_part = _free(f"xl/chantool/notes_{Path(sheet.part).stem}", ".xml", taken)
        vml_part = ours.get(NOTES_VML_REL_ID, "")
        if vml_part not in old:
            vml_part = _free(comments_part[:-len(".xml")], ".vml", taken)
        unique = {cell: text for cell, text in notes}  # a header note and a mark may share
        positions = [split_address(cell) for cell in unique]
        drawing_id = 900 + self.names.index(sheet.name)
        self.parts.changed[comments_part] = comments_xml(list(unique.items()))
        self.parts.changed[vml_part] = vml_xml(positions, drawing_id)
        folder = posixpath.dirname(sheet.part)
        own = (f'<Relationship Id="{NOTES_REL_ID}" Type="{REL_COMMENTS}" '
               f'Target="{posixpath.relpath(comments_part, folder)}"/>'
               f'<Relationship Id="{NOTES_VML_REL_ID}" Type="{REL_VML}" '
               f'Target="{posixpath.relpath(vml_part, folder)}"/>')
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

    def _write_table(self, table: Table, styles: TableStyles) -> int:
        """Write a generated sheet; returns its position among the workbook's sheets."""
        position = self.generated.get(table.key)
        if position is not None:
            sheet = next(sheet for sheet in self.sheets if sheet.name == self.names[position])
            # Called as chantool calls it, it follows the run's language, unless the user's
            # formulas, links or charts refer to it by that name (looked for only then).
            if _is_default_name(self.names[position], table.key):
                name = self._free_name(table.name, position)
                if name != self.names[position] and not self._referred_to(position,
                                                                          sheet.part):
                    self._rename(position, name)
            self._make(sheet.part, table, styles, self.names[position], as_it_was=True)
            return position
        name = self._free_name(table.name, None)
        part = _free(f"xl/worksheets/chantool_{table.key}", ".xml", set(self.archive.NameToInfo))
        rel_ids = set(re.findall(r'\sId="([^"]*)"', self.workbook_rels))
        rel_id = _free(f"{OWN_REL_PREFIX}{table.key.capitalize()}", "", rel_ids)
        self._make(part, table, styles, name, as_it_was=False)
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
        self.generated[table.key] = len(self.names) - 1
        return len(self.names) - 1

    def _make(self, part: str, table: Table, styles: TableStyles, name: str, *,
              as_it_was: bool) -> None:
        """Have the generated sheet ``part`` written as ``table_xml`` makes it, deflated
        as it is made (collected by ``run``); with ``as_it_was``, not when it comes out as
        the source's part. A large new one is made beside the user's sheets, in a child
        forked for it (``isolation.Beside``): it needs nothing of the source's."""

        def made() -> Deflated | None:
            with self.archive.open(part) if as_it_was else nullcontext() as same_as:
                deflater = Deflater(same_as)
                for piece in table_xml(table, styles, name):
                    deflater.write(piece)
                return None if deflater.unchanged() else deflater.close()

        cells = sum(len(block.rows) * len(block.header) for block in table.blocks)
        self.beside[part] = isolation.Beside(made, start=cells >= _BESIDE_CELLS
                                             and not as_it_was)

    def _keep(self, part: str, deflater: Deflater) -> bool:
        """Have ``part`` written as what ``deflater`` was given, unless that is the
        source's part as it was. Whether the part is written."""
        if deflater.unchanged():
            return False
        self.parts.deflated[part] = deflater.close()
        return True

    def _free_name(self, wanted: str, position: int | None) -> str:
        """``wanted``, or ``wanted (chantool)``, ``wanted (chantool 2)``...: the first that
        no other sheet has (Excel compares sheet names without case)."""
        taken = {name.casefold() for index, name in enumerate(self.names) if index != position}
        for number in range(1, len(self.names) + 2):
            suffix = "" if number == 1 else " (chantool)" if number == 2 else \
                f" (chantool {number - 1})"
            name = wanted[:MAX_SHEET_NAME - len(suffix)] + suffix
            if name.casefold() not in taken:
                return name
        raise AssertionError("unreachable: more candidates than sheets")

    def _referred_to(self, position: int, own_part: str) -> bool:
        """Whether a part other than the workbook's and the sheet's own refers to the sheet
        at ``position`` by its name (a formula, a link, a chart's range): renaming it would
        break them (the workbook's defined names ``_rename`` renames in)."""
        old = self.names[position]
        needles = {f"{quote_sheet(old)}!", *_sheet_references(old)}
        # As characters, or as character references (openpyxl writes every character
        # beyond ASCII as &#N;).
        encoded = [form.encode() for needle in needles for form in (
            needle, *("".join(char if char.isascii() else reference.format(ord(char))
                              for char in needle) for reference in ("&#{};", "&#x{:x};",
                                                                    "&#x{:X};")))]
        for info in self.archive.infolist():
            if info.filename.endswith(".xml") and info.filename not in (own_part,
                                                                         self.workbook_part):
                data = self.archive.read(info)
                if any(needle in data for needle in encoded):
                    return True
        return False

    def _rename(self, position: int, name: str) -> None:
        """Rename the sheet at ``position``, and the references of defined names to it."""
        old = self.names[position]
        if name == old:
            return
        p = self.prefix
        span = find_element(self.workbook, p, "sheets")
        assert span is not None
        elements = list(re.finditer(rf"<{re.escape(p)}sheet\b[^>]*>",
                                    self.workbook[span[0]:span[1]]))
        tag = elements[position]
        start, end = span[0] + tag.start(), span[0] + tag.end()
        renamed = re.sub(r'(\sname=")[^"]*(")', lambda m: m[1] + escape(name) + m[2],
                         self.workbook[start:end], count=1)
        self.workbook = self.workbook[:start] + renamed + self.workbook[end:]
        references = _sheet_references(old)

        def rename_in(match: re.Match[str]) -> str:
            value = match["value"]
            for reference in references:
                value = re.sub(rf"(?<![\w.']){re.escape(reference)}",
                               lambda _: escape(quote_sheet(name)) + "!", value)
            return match[0][:match.start("value") - match.start()] + value + \
                match[0][match.end("value") - match.start():]

        self.workbook = _DEFINED_NAME.sub(rename_in, self.workbook)
        self.names[position] = name

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


def _sheet_references(name: str) -> list[str]:
    """How the XML of a formula names the sheet ``name`` (before the cell): quoted, its
    quotes escaped, and bare where a name may go without quotes."""
    references = [escape(quote_sheet(name)) + "!"]
    if re.fullmatch(r"[^\W\d]\w*", name):
        references.append(f"{name}!")
    return references


def _relationships(rels: str) -> list[tuple[str, str, str]]:
    """Id, type and target of each relationship of a relationships part's text."""
    found = []
    for element in re.findall(r"<(?:[\w.-]+:)?Relationship\b[^>]*>", rels):
        found.append((_attribute(element, "Id"), _attribute(element, "Type"),
                      _attribute(element, "Target")))
    return found


def _attribute(element: str, name: str) -> str:
    """An attribute of an element's start tag ("" when it has none)."""
    match = re.search(rf'\s{name}="([^"]*)"', element[:element.find(">") + 1])
    return match[1] if match else ""


def _without_shapes(vml: str, cells: set[str]) -> str:
    """The notes drawing without the shapes of the notes on ``cells``."""
    def keep(match: re.Match[str]) -> str:
        row = re.search(r"<x:Row>(\d+)</x:Row>", match[0])
        column = re.search(r"<x:Column>(\d+)</x:Column>", match[0])
        if row and column and f"{column_letter(int(column[1]))}{int(row[1]) + 1}" in cells:
            return ""
        return match[0]

    return re.sub(r"<v:shape\b.*?</v:shape>", keep, vml, flags=re.S)


def _generated_key(value: str, part: str, name: str) -> str | None:
    """The key of a generated sheet from its ``_chantool_generated`` name; names written
    before the key was kept there hold a reference, and the part or the name tells."""
    match = _KEY_VALUE.match(value)
    if match:
        return match[1]
    own = _OWN_PART.search(part)
    if own and own[1] in DEFAULT_NAMES:
        return own[1]
    return next((key for key in DEFAULT_NAMES if _is_default_name(name, key)), None)


def _is_default_name(name: str, key: str) -> bool:
    """A name chantool gives the generated sheet ``key`` (with a ``(chantool)`` suffix
    when a user's sheet had the name)."""
    base = re.sub(r" \(chantool(?: \d+)?\)$", "", name)
    return base in DEFAULT_NAMES[key]


def _free(stem: str, suffix: str, taken: set[str]) -> str:
    """``stem + suffix``, or with ``_2``, ``_3``... before the suffix: the first not taken."""
    name = stem + suffix
    number = 1
    while name in taken:
        number += 1
        name = f"{stem}_{number}{suffix}"
    return name


def _add_override(types: str, part: str, content_type: str) -> str:
    if f'PartName="/{part}"' in types:
        return types
    at = types.rindex("</Types>")
    return types[:at] + f'<Override PartName="/{part}" ContentType="{content_type}"/>' + types[at:]


def _remove_override(types: str, part: str) -> str:
    return re.sub(rf'<Override\b[^>]*PartName="/{re.escape(part)}"[^>]*/>', "", types)


def table_xml(table: Table, styles: TableStyles, sheet: str) -> Iterator[bytes]:
    """A generated sheet named ``sheet``, in pieces: its blocks with styled titles and
    headers, each column's number format, column widths, links; a single untitled block
    gets a frozen header and a filter, several blocks a frozen first column."""
    placed = place_blocks(table)
    widths = "".join(f'<col min="{i}" max="{i}" width="{w:g}" customWidth="1"/>'
                     for i, w in enumerate(table.widths, start=1))
    columns = max((len(block.header) for block in table.blocks), default=1)
    last_row = placed[-1].first_row - 1 + len(placed[-1].block.rows) if placed else 1
    last = f"{column_letter(columns - 1)}{last_row}"
    # One table: its header row stays in view. Tables one below the other: their first
    # column (what each row is about: channel, manager, office...) stays in view.
    view = ('<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>'
            if table.plain else
            '<pane xSplit="1" topLeftCell="B1" activePane="topRight" state="frozen"/>')
    yield (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        f'xmlns:r="{package.NS_REL}"><dimension ref="A1:{last}"/><sheetViews><sheetView '
        f'workbookViewId="0">{view}</sheetView></sheetViews>'
        '<sheetFormatPr defaultRowHeight="15"/>'
        + (f"<cols>{widths}</cols>" if widths else "")
        + "<sheetData>").encode("utf-8")
    links: list[str] = []
    letters = [column_letter(i) for i in range(max(
        (max(len(block.header), max(map(len, block.rows), default=0))
         for block in table.blocks),
        default=1))]

    def rows(first: int, values: Sequence[Sequence[Value]], style: Sequence[int | None]
             ) -> bytes:
        """Rows from ``first`` on, made a column at a time (a column's cells share their
        letters and style)."""
        numbers = list(map(b"%d".__mod__, range(first, first + len(values))))
        parts: list[Iterable[bytes]] = [repeat(b'<row r="'), numbers, repeat(b'">')]
        for column, column_values, xf in zip(letters, zip(*values, strict=True), style,
                                             strict=False):
            parts += column_parts(column, numbers, column_values, xf)
        parts.append(repeat(b"</row>"))
        return b"".join(joined_rows(parts))

    for spot in placed:
        block = spot.block
        if spot.title_row is not None:
            yield rows(spot.title_row, ((block.title,),), (styles.title_xf,))
        yield rows(spot.header_row, (block.header,), (styles.header_xf,) * len(block.header))
        formats = [styles.units.get(unit) for unit in block.units]
        formats += [None] * (len(block.header) - len(formats))
        linked = {column for _, column in block.links}
        cell_styles = [styles.link_xf if column in linked else xf
                       for column, xf in enumerate(formats)]
        # A large block goes out a few thousand rows at a time: the sheet, with Chinese
        # in it, is never held as text nor whole.
        for start in range(0, len(block.rows), _ROWS_AT_ONCE):
            yield rows(spot.first_row + start, block.rows[start:start + _ROWS_AT_ONCE],
                       cell_styles)
        links.extend(
            f'<hyperlink ref="{column_letter(column - 1)}{number}" location="{escape(place)}" '
            f'display="{escape(text)}"/>'
            for number, column, place, text in spot.links(table, placed, sheet))
    yield (
        "</sheetData>"
        + (f"<autoFilter ref=\"A1:{last}\"/>" if table.plain and table.blocks[0].rows else "")
        + (f"<hyperlinks>{''.join(links)}</hyperlinks>" if links else "")
        + "</worksheet>").encode("utf-8")
