"""Putting a written workbook in place without ever leaving a half-written file.

The writer always writes to a temporary file beside the destination, which is then read
back and checked; only then does it replace the destination, atomically. In place, the
original is first kept as a backup (``name.xlsx.bak``), and a workbook that Excel has open
(its ``~$`` lock file exists) is refused.
"""

from __future__ import annotations

import os
import re
import shutil
import zipfile
from bisect import bisect_right
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from functools import cached_property, partial
from itertools import accumulate, chain, compress, count, repeat
from operator import add, itemgetter, le, lt, ne, not_, or_, sub
from pathlib import Path
from typing import TYPE_CHECKING, Final, cast
from xml.etree.ElementTree import Element
from xml.parsers import expat
from xml.parsers.expat import XMLParserType

from defusedxml import ElementTree
from isal import isal_zlib

from chantool.io import isolation, package
from chantool.io.xmltext import ROW_NUMBER
from chantool.table import RawSheet, column_index, column_letter
from chantool.texts import TextError

if TYPE_CHECKING:  # the writer is only imported where files are written
    from chantool.io.sheetxml import Region
    from chantool.io.writer import Written


_EVERY: Final = slice(None)  # every region of a sheet written into (``_check_sheet``)


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
    """Check a written workbook against its source before it is put in place.

    It is a sound zip (every part read to its end, which checks its CRC) whose structure
    has no problem the source had not (``package.problems``: relationships, sheets,
    names, content types); every part chantool wrote is well-formed XML; every other
    part is the source's (the same CRC-32). And the user's sheets read as before: each
    sheet the engine read (``original``) is on the part it was on, the date system and
    every style already in the workbook are kept (chantool only appends its own), and
    each worksheet chantool wrote into is its original but in the regions the writer
    says it replaced (``Written.rewritten``): the part's start differs only in the used
    range, the rest after the rows is free, and in each row replaced or added every
    cell outside chantool's result columns is the original's, byte for byte, and
    chantool's cells end the row.

    Checked this way rather than by reading every cell back: the stretches between the
    regions are compared at memory speed, and only the rows chantool wrote into are
    taken apart. Whatever the writer claims, nothing passes that is not the original
    with such regions replaced: a region out of place, or bytes changed outside one,
    fail the comparison."""
    try:
        _verify(path, written, original)
    except _BROKEN as error:  # a damaged part read before its turn (the content types)
        raise OutputError("broken_zip", part=str(error)) from None


def _verify(path: Path, written: Written, original: Sequence[RawSheet]) -> None:
    names = {part: name for name, part in written.sheet_parts.items()}
    with package.Package(path) as archive:
        new = package.problems(archive) - written.problems_before
        if new:
            raise OutputError("package_problems", problems="；".join(sorted(new)))
        infos = archive.infolist()
        aside = _aside(infos, written)  # checked beside, by part: their regions so checked
        checked_aside = isolation.Beside(partial(_check_in_file, path, aside, written,
                                                 names)) if aside else None
        if checked_aside is not None and not checked_aside.started:  # all here, whole
            checked_aside, aside = None, {}
        try:
            for info in infos:
                regions = aside.get(info.filename)
                if regions is None:
                    _check_part(archive, info, written, names)
                elif regions.start is not None:  # the regions before them here
                    _check_part(archive, info, written, names, slice(regions.start))
            _check_kept(archive, written, [sheet.name for sheet in original])
        except BaseException:
            if checked_aside is not None:
                checked_aside.cancel()
            raise
        if checked_aside is not None:
            checked_aside.result()


def _check_part(archive: zipfile.ZipFile, info: zipfile.ZipInfo, written: Written,
                names: dict[str, str], regions: slice = _EVERY) -> None:
    """One part as ``verify_written`` checks it (``names``: sheet names by part); of a
    worksheet chantool wrote into, only ``regions`` of its regions (``_check_sheet``),
    its CRC checked with its last."""
    name = info.filename
    rewritten = name in written.rewritten
    parsed = not rewritten and name in written.parts and name.endswith(
        (".xml", ".rels", ".vml"))
    to_end = regions.stop is None or not rewritten
    with _reading(archive, info, to_end=to_end) as chunks:
        if rewritten:
            before, after = written.result_columns.get(names.get(name, ""),
                                                       (frozenset(), frozenset()))
            _check_sheet(names.get(name, name), written.originals[name], chunks,
                         written.rewritten[name], before, after, regions)
        elif parsed:
            _parse(name, chunks, expat.ParserCreate(), end=True)
    if name not in written.parts and written.source_crcs.get(name) != info.CRC:
        raise OutputError("part_changed", part=name)


def _check_in_file(path: Path, parts: dict[str, slice], written: Written,
                   names: dict[str, str]) -> None:
    """``_check_part`` of each of ``parts`` (of the regions given) in the file at
    ``path``, opened anew."""
    with package.Package(path) as archive:
        for part, regions in parts.items():
            _check_part(archive, archive.getinfo(part), written, names, regions)


def _aside(infos: Sequence[zipfile.ZipInfo], written: Written) -> dict[str, slice]:
    """What to check beside the rest (``isolation.Beside``), by part (with the regions so
    checked, ``_check_sheet``), when a part is large: about half the work (``_weight``),
    the largest parts first. A part that is more than half the work is split when it is
    a worksheet written into: its regions from one at about the right share of it on
    beside (which also passes the others by)."""
    weights = {info.filename: _weight(info, written) for info in infos
               if info.filename in written.rewritten or info.filename in written.parts}
    if not weights or max(weights.values()) < _ASIDE_BYTES:
        return {}
    half = sum(weights.values()) / 2
    largest = max(weights, key=weights.__getitem__)
    if weights[largest] > half:
        split = _split(written, largest, 1 - half / weights[largest])
        return {largest: slice(split, None)}
    aside: dict[str, slice] = {}
    load = 0
    for part in sorted(weights, key=weights.__getitem__, reverse=True):
        if load + weights[part] <= half:
            aside[part] = _EVERY
            load += weights[part]
    return aside


def _weight(info: zipfile.ZipInfo, written: Written) -> int:
    """About how long checking a part takes, in bytes parsed: a part chantool made is
    parsed; a worksheet it wrote into is compared with the source (a fifth as long a
    byte) and the regions it wrote taken apart (half as long again a byte). Measured on
    the visit log written by ``validate`` (12,000 of 100,000 rows) and by ``score`` (all
    of them)."""
    regions = written.rewritten.get(info.filename)
    if regions is None:
        return info.file_size
    return info.file_size // 5 + sum(region.length for region in regions) * 3 // 2


def _split(written: Written, part: str, share: float) -> int | None:
    """Where the regions of ``part`` are split between two checks (``_check_sheet``):
    the first region at ``share`` of the part or after it with a row of the original
    before it, copied as it was or written into as it is (each check numbers the rows it
    is given from there, ``_RowNumbers``, and rows written into at the split keep their
    numbers, ``edge_kept``), when it is a worksheet chantool wrote into and each check
    then holds a region besides the part's start and its end; ``None`` (not split)
    otherwise."""
    regions = written.rewritten.get(part)
    if regions is None:
        return None
    original = written.originals[part]
    data = _SHEET_DATA.search(original)
    if data is None:
        return None
    row_start = b"<" + data[1] + b"row"
    at = len(original) * share
    split = next((index for index, region in enumerate(regions)
                  if region.start >= at and index and (
                      original.find(row_start, regions[index - 1].end, region.start) >= 0
                      or regions[index - 1].start < regions[index - 1].end == region.start
                      < region.end)),
                 len(regions))
    return split if 1 < split < len(regions) - 1 else None


@contextmanager
def _reading(archive: zipfile.ZipFile, info: zipfile.ZipInfo, *,
             to_end: bool = True) -> Iterator[Iterator[bytes]]:
    """A part's bytes a chunk at a time, read to its end after use, which checks its
    CRC (unless ``to_end`` is false: a check of its end does that); a damaged part is an
    ``OutputError``."""
    try:
        with archive.open(info) as stream:
            chunks = iter(partial(stream.read, _CHUNK), b"")
            yield chunks
            for _ in chunks if to_end else ():
                pass
    except _BROKEN as error:
        raise OutputError("broken_zip", part=f"{info.filename}：{error}") from None


def _parse(name: str, pieces: Iterable[bytes], parser: XMLParserType, *,
           end: bool = False) -> None:
    """Parse ``pieces`` with ``parser`` (and end the document, with ``end``)."""
    try:
        for piece in pieces:
            parser.Parse(piece, False)
        if end:
            parser.Parse(b"", True)
    except expat.ExpatError as error:
        raise OutputError("bad_xml", part=name, error=error) from None


def _check_kept(archive: zipfile.ZipFile, written: Written, names: Sequence[str]) -> None:
    """The sheets ``names`` are on their parts, the date system and the styles the user's
    cells refer to are as they were."""
    main = package.workbook_part(archive)
    parts = {sheet.name: sheet.part
             for sheet in (package.sheets(archive, main.target) if main else ())}
    for name in names:
        if parts.get(name) != written.sheet_parts.get(name):
            raise OutputError("cells_changed", sheet=name)
    workbook = written.workbook_part
    if _workbook_properties(written.originals[workbook]) != _workbook_properties(
            archive.read(workbook)):
        raise OutputError("part_changed", part=workbook)
    styles = written.styles_part
    if styles in written.parts and not _styles_kept(written.originals[styles],
                                                    archive.read(styles)):
        raise OutputError("part_changed", part=styles)


def _workbook_properties(xml: bytes) -> dict[str, str]:
    """The attributes of ``<workbookPr>`` (``date1904`` among them)."""
    element = ElementTree.fromstring(xml).find(f"{{{package.NS_MAIN}}}workbookPr")
    return dict(element.attrib) if element is not None else {}


_CHUNK: Final = 1 << 20
# What reading a damaged part raises (isal's stubs declare its error an instance).
_BROKEN: Final = (zipfile.BadZipFile, EOFError, cast("type[Exception]", isal_zlib.error))
_PARSED_AT_ONCE: Final = 1 << 18
_RUN_BYTES: Final = 1 << 20  # rows written, checked at once
# A part that takes this long to check as this many bytes of a part chantool made is
# checked in a child of its own (``_aside``): forking costs some milliseconds.
_ASIDE_BYTES: Final = 16 << 20
# The styles part's lists that cells and formats refer to by position.
_STYLE_LISTS: Final = ("numFmts", "fonts", "fills", "borders", "cellStyleXfs", "cellXfs",
                       "cellStyles", "dxfs")


def _styles_kept(before: bytes, after: bytes) -> bool:
    """Every list of the styles part starts with the elements it had."""
    old, new = ElementTree.fromstring(before), ElementTree.fromstring(after)
    for name in _STYLE_LISTS:
        kept, now = _items(old, name), _items(new, name)
        if now[:len(kept)] != kept:
            return False
    return True


def _items(root: Element, name: str) -> list[bytes]:
    found = root.find(f"{{{package.NS_MAIN}}}{name}")
    return [] if found is None else [ElementTree.tostring(item) for item in found]


# What a cell of chantool's holds (a value, inline text, a formula): no other cell or row,
# and no comment, CDATA section or processing instruction, which could hide the cells after
# it.
_CELL_CONTENT: Final = rb"[^<]*(?:<(?![!?]|/?(?:[\w.-]+:)?(?:c|row)[\s/>])[^<]*)*"
# A cell element (its attributes), a cell's address, a row's spans, the used range, the
# start of the sheet data (the prefix, whether it is empty).
_CELL: Final = re.compile(rb"<(?:[\w.-]+:)?c\b([^>]*?)(?:/>|>.*?</(?:[\w.-]+:)?c>)", re.S)
_ADDRESS: Final = re.compile(rb'\sr="([A-Z]+)\d+"')
_SPANS: Final = re.compile(rb'\sspans="[^"]*"')
# A spans attribute as common writers write it, one space before it (the run check).
_ROW_SPANS: Final = b' spans="'
_LITERAL_SPANS: Final = re.compile(re.escape(_ROW_SPANS) + rb'[^"]*"')
_DIMENSION: Final = re.compile(rb'(<(?:[\w.-]+:)?dimension\b[^>]*?\sref=")[^"]*"')
_SHEET_DATA: Final = re.compile(rb"<((?:[\w.-]+:)?)sheetData\b[^>]*?(/?)>")


def _check_sheet(sheet: str, original: bytes, written: Iterator[bytes],
                 regions: Sequence[Region],
                 before: frozenset[int], after: frozenset[int], only: slice = _EVERY) -> None:
    """The part read from ``written`` is ``original`` but in ``regions``, each of which
    keeps what it must (see ``verify_written``); what chantool wrote into it is
    well-formed XML. The cells of chantool's results are those in the columns ``before``
    in the original and ``after`` in what was written (1-based), whose chunks are
    ``written``. The part is read once, a piece at a time: only what chantool wrote, and
    at most a megabyte of the rows between, is held.

    With ``only``, a slice of the regions, this checks those regions and the bytes before
    each; the bytes after the last only when it is the part's last. Two checks, of
    ``regions[:k]`` and of ``regions[k:]``, check what one check does: the second takes
    what the first region was written as (the part's start) to parse its rows in, and
    skips what comes before its first region as written, where it would be if the
    regions before it are as the first check finds them."""
    data = _SHEET_DATA.search(original)
    if data is None:
        raise OutputError("cells_changed", sheet=sheet)
    first, last, _ = only.indices(len(regions))
    rows_start = data.end()
    rows_end = rows_start if data[2] else original.rindex(b"</" + data[1] + b"sheetData>")
    runs = _Runs(regions, rows_start, rows_end)
    if not runs.sound:
        raise OutputError("cells_changed", sheet=sheet)
    at = 0
    part = _Pieces(written)
    check = _RowCheck(data[1], before, after)
    numbering = _RowNumbers(original, check.start, rows_start, rows_end)
    # Each region (or run of rows) is checked as it is read, and what chantool wrote parsed
    # a quarter megabyte at a time: a sheet of a hundred thousand rows written into is
    # never held a second time.
    parser = expat.ParserCreate()
    if first:
        at = regions[first].start
        written_at = at + sum(region.length - region.end + region.start
                              for region in regions[:first])
        head = part.take(regions[0].length)
        if (regions[0].start or at < regions[0].end or len(head) < regions[0].length
                or not part.skip(written_at - len(head))):
            raise OutputError("cells_changed", sheet=sheet)
        _parse(sheet, (head,), parser)
    wrote: list[bytes] = []
    wrote_size = 0
    carried: tuple[int, int] | None = None  # where rows checked one by one ended, their last
    # Whether the check is split (``_split``) right before its first region, or right after
    # its last, with no row of the original copied between the two checks.
    joined = tuple(0 < split < len(regions) and original.find(
        check.start, regions[split - 1].end, regions[split].start) < 0 for split in (first, last))
    index = first
    while index < last:
        region = regions[index]
        if region.start < at or not part.same(original, at, region.start):
            raise OutputError("cells_changed", sheet=sheet)
        end = min(runs.end(index), last)
        taken = _taken(part, original, regions[index:end])
        if taken is None:
            raise OutputError("cells_changed", sheet=sheet)
        olds, news, places = taken
        at = regions[end - 1].end
        new = parsed = b"".join(news)  # what of it is parsed
        if region.start == 0 and region.end == rows_start:
            kept = _without_used_range(original[:rows_start]) == _without_used_range(new)
        elif region.end == len(original) and region.start == rows_end:
            kept = new.startswith(b"</" + data[1] + b"sheetData>")
        else:
            ours = check.rows_only_appended(olds, news) if end - index > 1 else None
            if ours is not None:  # the rows are the original's bytes: only ours are parsed
                kept, parsed = True, check.start + b">" + ours + check.end
            else:
                kept = rows_start <= region.start <= region.end <= rows_end
                for old, written_row, place in zip(olds, news, places, strict=True):
                    if not kept:
                        break
                    if check.only_appended(old, written_row):
                        continue
                    lower = numbering.before(place[0])
                    if carried is not None and original.find(check.start, carried[0],
                                                              place[0]) < 0:
                        lower = max(lower, carried[1])  # rows added just before
                    edges = (joined[0] and place[0] == regions[first].start,
                             joined[1] and place[1] == regions[last - 1].end)
                    number = (check.same_user_cells(old, written_row, lower,
                                                    numbering.after(place[1]), edges)
                              if numbering.plain
                              and check.between_rows(original, rows_start, place, rows_end)
                              else None)
                    kept, carried = number is not None, (place[1], number or 0)
        if not kept:
            raise OutputError("cells_changed", sheet=sheet)
        wrote.append(parsed)
        wrote_size += len(parsed)
        if wrote_size >= _PARSED_AT_ONCE:
            _parse(sheet, (b"".join(wrote),), parser)
            wrote, wrote_size = [], 0
        index = end
    if last < len(regions):  # the bytes up to the next region; a later check goes on
        if regions[last].start < at or not part.same(original, at, regions[last].start):
            raise OutputError("cells_changed", sheet=sheet)
        _parse(sheet, (b"".join(wrote),), parser)
        return
    if not part.same(original, at, len(original)) or part.take(1):
        raise OutputError("cells_changed", sheet=sheet)
    _parse(sheet, (b"".join(wrote),), parser, end=True)


class _Runs:
    """Where each run of regions that are rows ends (``end``): from a region, the regions
    that follow it in order, together under ``_RUN_BYTES`` written with the bytes between
    them (the rows chantool wrote into, taken together); only the region itself when it
    is not one of the rows. Told at C speed, with a search in the sums of the bytes each
    region adds to a run, for a sheet of a hundred thousand rows written into. ``sound``:
    no region is written as fewer than no bytes, or ends before it starts."""

    def __init__(self, regions: Sequence[Region], rows_start: int, rows_end: int) -> None:
        self.regions = regions
        self.rows_start, self.rows_end = rows_start, rows_end
        starts, ends, lengths = (list(values) for values in zip(*regions, strict=True)) \
            if regions else ([], [], [])
        self.lengths = lengths
        self.sound = min(lengths, default=0) >= 0 and all(map(le, starts, ends))
        # A region in order after the one before it, within the rows, goes on a run; the
        # regions that do not, the end of any run before them.
        in_order = map(min, map(le, ends, starts[1:]), map(le, ends[1:], repeat(rows_end)))
        self.breaks = [*compress(count(1), map(not_, in_order)), len(regions)]
        # What each region adds to a run: the bytes before it and what it was written as.
        self.sums = list(accumulate(map(add, map(sub, starts[1:], ends), lengths[1:]),
                                    initial=0))

    def end(self, index: int) -> int:
        region = self.regions[index]
        if not self.rows_start <= region.start <= region.end <= self.rows_end:
            return index + 1
        # Up to the next region out of order, the sums only grow.
        until = self.breaks[bisect_right(self.breaks, index)]
        most = self.sums[index] + _RUN_BYTES - self.lengths[index]
        return bisect_right(self.sums, most, index + 1, until)


def _taken(part: _Pieces, original: bytes, run: Sequence[Region]
           ) -> tuple[list[bytes], list[bytes], list[tuple[int, int]]] | None:
    """The regions of ``run`` as they were and as written, and where each was in the
    original, the written ones and the bytes between them taken from ``part`` at once and
    cut at C speed, regions that follow each other with nothing between as one; ``None``
    when the bytes between them are not the original's."""
    starts, ends, lengths = zip(*run, strict=True)
    gaps = list(map(sub, starts[1:], ends[:-1]))
    block = part.take(sum(lengths) + sum(gaps))
    # Where each region is written in the block, and where the bytes after it end.
    written = list(accumulate(map(add, lengths[:-1], gaps), initial=0))
    after = list(map(add, written, lengths))
    if len(block) != after[-1]:
        return None
    # The regions after a stretch between: each stretch as long in the block as in the
    # original, compared where it is in the original, without copying either.
    apart = list(compress(count(1), gaps))
    with memoryview(block) as view:
        if not all(original.startswith(view[after[index - 1]:written[index]], ends[index - 1])
                   for index in apart):
            return None
    pieces = list(zip([0, *apart], [index - 1 for index in apart] + [len(run) - 1],
                      strict=True))  # the first and last region of each
    return ([original[starts[first]:ends[last]] for first, last in pieces],
            [block[written[first]:after[last]] for first, last in pieces],
            [(starts[first], ends[last]) for first, last in pieces])


class _Pieces:
    """A part's chunks taken in pieces, in order."""

    def __init__(self, chunks: Iterator[bytes]) -> None:
        self.chunks = chunks
        self.chunk = b""
        self.at = 0  # in the chunk

    def _next(self) -> bool:
        """Whether more is left, in the chunk or after it."""
        if self.at == len(self.chunk):
            self.chunk, self.at = next(self.chunks, b""), 0
        return bool(self.chunk)

    def same(self, original: bytes, start: int, end: int) -> bool:
        """The next ``end - start`` bytes are ``original[start:end]``."""
        while start < end:
            if not self._next():
                return False
            length = min(end - start, len(self.chunk) - self.at)
            if not original.startswith(memoryview(self.chunk)[self.at:self.at + length], start):
                return False
            start, self.at = start + length, self.at + length
        return True

    def skip(self, length: int) -> bool:
        """Pass the next ``length`` bytes by; whether there were as many."""
        while length > 0 and self._next():
            step = min(length, len(self.chunk) - self.at)
            length, self.at = length - step, self.at + step
        return length == 0

    def take(self, length: int) -> bytes:
        """The next ``length`` bytes (fewer at the end)."""
        pieces = []
        while length and self._next():
            piece = self.chunk[self.at:self.at + length]
            pieces.append(piece)
            length, self.at = length - len(piece), self.at + len(piece)
        return b"".join(pieces)


def _without_used_range(head: bytes) -> bytes:
    """The start of a worksheet part (up to its rows) without the used range, its
    ``<sheetData/>`` opened up."""
    head = _DIMENSION.sub(rb'\1"', head, count=1)
    data = _SHEET_DATA.search(head)
    if data is None or not data[2]:
        return head
    return head[:data.start()] + b"<" + data[1] + b"sheetData>" + head[data.end():]


class _Ours:
    """Cells of chantool's result columns ``columns`` (1-based) in rows written with
    ``prefix``: any such cell, and those written as every common writer writes cells
    (``<c r="..."``), found faster."""

    def __init__(self, prefix: bytes, columns: frozenset[int]) -> None:
        self.columns = columns
        letters = b"|".join(column_letter(column - 1).encode() for column in sorted(columns))
        cell = re.escape(b"<" + prefix + b"c") + rb' r="(?:' + letters + rb")\d"
        self.any = re.compile(rb"<(?:[\w.-]+:)?c\b[^>]*?\sr=\"(?:" + letters
                              + rb")\d+\"[^>]*?(?:/>|>" + _CELL_CONTENT
                              + rb"</(?:[\w.-]+:)?c>)")
        self.first = re.compile(cell)
        one = cell + rb'+"[^>]*?(?:/>|>' + _CELL_CONTENT + re.escape(b"</" + prefix + b"c>") + b")"
        self.one, self.run = re.compile(one), re.compile(rb"(?:" + one + rb")*")
        # The letters and the row of the address of each cell of ours, and each column's
        # number by its letters.
        self.addresses = re.compile(rb"<(?:[\w.-]+:)?c\b[^>]*?\sr=\"(" + letters
                                    + rb')(\d+)"')
        self.order = {column_letter(column - 1).encode(): column for column in columns}

    def without(self, cells: bytes) -> bytes:
        """``cells`` without those of ours."""
        return self.any.sub(b"", cells) if self.columns else cells

    def in_row(self, cells: bytes, number: int) -> bool:
        """The cells of ours ``cells`` are addressed in the row numbered ``number``, in
        the order of their columns."""
        found = self.addresses.findall(cells)
        columns = [self.order[letters] for letters, row in found if int(row) == number]
        return len(columns) == len(found) and all(map(lt, columns, columns[1:]))


class _RowCheck:
    """Whether rows chantool rewrote keep every cell of the user's: the cells outside
    chantool's result columns, ``before`` in the original rows and ``after`` in the
    written ones (1-based), in rows written with ``prefix``."""

    def __init__(self, prefix: bytes, before: frozenset[int], after: frozenset[int]) -> None:
        self.start, self.end = b"<" + prefix + b"row", b"</" + prefix + b"row>"
        self.cell = b"<" + prefix + b"c"
        # A cell whose address is not its first attribute (as common writers write it).
        self.unaddressed = re.compile(re.escape(self.cell) + rb'(?! r=")')
        self.spans = re.compile(re.escape(self.start) + rb"\b[^>]*?" + re.escape(_ROW_SPANS))
        # A row's number, where it is its first attribute (as common writers write it).
        self.numbers = re.compile(re.escape(self.start) + rb' r="(\d+)"')
        self.old, self.new = _Ours(prefix, before), _Ours(prefix, after)

    def all_addressed(self, cells: bytes) -> bool:
        """Every cell of ``cells`` has its address first (``<c r="``)."""
        return self.unaddressed.search(cells) is None

    def only_appended(self, old: bytes, new: bytes) -> bool:
        """``new`` is the row ``old`` (one row) with cells of ours added at its end (and
        its spans dropped), and none of its cells is in a column of ours: the quick answer
        for a row chantool had not written into before. Its cells are the original's
        bytes, with nothing new before them."""
        if not (self.new.columns and old.startswith(self.start)
                and new.startswith(self.start) and new.endswith(self.end)):
            return False
        old_tag, new_tag = old.find(b">") + 1, new.find(b">") + 1
        if old[old_tag - 2:old_tag] == b"/>" and old_tag == len(old):
            inner = b""
        elif old.endswith(self.end) and old.find(self.end, old_tag) == len(old) - len(self.end):
            inner = old[old_tag:-len(self.end)]
        else:
            return False
        ours = new[new_tag + len(inner):len(new) - len(self.end)]
        number = _row_number(old)  # without one, told from the rows before
        return (number is not None
                and self.all_addressed(inner)
                and self.new.first.search(inner) is None
                and _plain_tag(old[:old_tag]) == _plain_tag(new[:new_tag])
                and new.startswith(inner, new_tag)
                and self.new.run.fullmatch(ours) is not None
                and self.new.in_row(ours, number))

    def rows_only_appended(self, olds: Sequence[bytes], news: Sequence[bytes]) -> bytes | None:
        """``only_appended`` for every row of ``olds`` (regions of whole rows) and the row
        written for it in ``news`` (each region as many rows), at C speed, the rows taken
        together: each is the row as it was, its spans dropped and the previous run's
        results (``before``) left out, with cells of ours added at its end. The cells of
        ours, or ``None`` when it cannot tell so this way (a row that was empty, say, or
        a region that is not whole rows): each region is then checked on its own."""
        # What was not chantool's in the rows: a second run's previous results left out,
        # wherever they were (where they are written as common writers write cells).
        old = b"".join(olds)
        old = self.old.one.sub(b"", old) if self.old.columns else old
        new = b"".join(news)
        if not (self.new.columns
                and all(map(bytes.endswith, olds, repeat(self.end)))
                and all(map(bytes.endswith, news, repeat(self.end)))
                and self.all_addressed(old)
                and self.new.first.search(old) is None
                # Every spans attribute in a row's start tag, none in a cell's text.
                and old.count(_ROW_SPANS) == len(self.spans.findall(old))):
            return None
        old_rows = _LITERAL_SPANS.sub(b"", old).split(self.end)
        new_rows = new.split(self.end)
        # As many rows in each region as it was and as written (each ends a row): the
        # rows are split where the regions are.
        if not (len(old_rows) == len(new_rows)
                and (len(olds) == 1 or list(map(bytes.count, olds, repeat(self.end)))
                     == list(map(bytes.count, news, repeat(self.end))))
                and all(map(bytes.startswith, old_rows[:-1], repeat(self.start)))
                and all(map(bytes.startswith, new_rows, old_rows))):
            return None
        tails = [row[cut:] for row, cut in zip(new_rows, map(len, old_rows), strict=True)]
        if not all(map(self.new.run.fullmatch, tails)):
            return None
        ours = b"".join(tails)
        return ours if self._in_their_rows(old, tails, ours) else None

    def _in_their_rows(self, old: bytes, tails: list[bytes], ours: bytes) -> bool:
        """The cells of ours in ``tails`` (those ending each row of ``old``, and nothing
        after its last), ``ours`` joined, are addressed in their rows, in the order of
        their columns: told at C speed, each row's number its first attribute."""
        numbers = self.numbers.findall(old)
        counts = list(map(bytes.count, tails, repeat(self.cell + b' r="')))
        found = self.new.addresses.findall(ours)
        if len(numbers) != len(tails) - 1 or counts[-1] or sum(counts) != len(found):
            return False
        rows = list(chain.from_iterable(map(repeat, map(int, numbers), counts)))
        columns = list(map(self.new.order.__getitem__, map(itemgetter(0), found)))
        return rows == list(map(int, map(itemgetter(1), found))) and all(
            map(or_, map(ne, rows, rows[1:]), map(lt, columns, columns[1:])))

    def same_user_cells(self, old: bytes, new: bytes, lower: int,
                        upper: tuple[int | None, bool],
                        edge_kept: tuple[bool, bool]) -> int | None:
        """The number of the last row of ``new`` (``lower`` when none), when both are
        runs of whole rows, and every row of ``old`` is in ``new`` with the
        same start tag (but for its spans), the same number and the same cells outside
        ours, which end the row, each addressed in it; a row only in ``new`` holds none.
        The rows are numbered as Excel numbers them, from ``lower``, the number of the row
        before (``_RowNumbers``), in order, and before the row after: ``upper`` says its
        number, if its start tag gives one, and whether there is a row after; without a
        number, its own follows from the rows of ``new``, which must then end with the
        number the rows of ``old`` ended with. Where the check is split (``_split``),
        ``edge_kept`` says whether its first row and whether its last must be one of
        ``old``'s: no row is added there, which the other check could not tell."""
        before = self._user_rows(old, self.old)
        after = self._user_rows(new, self.new, ours_last=True)
        if before is None or after is None:
            return None
        olds = [(tag, users, number) for (tag, users, _), number
                in zip(before, _numbered(before, lower), strict=True)]
        kept = iter(olds)
        expected = next(kept, None)
        number = lower
        matched: list[bool] = []
        for (tag, users, ours), following in zip(after, _numbered(after, lower), strict=True):
            if following <= number or not self.new.in_row(ours, following):
                return None
            number = following
            matched.append((tag, users, number) == expected)
            if matched[-1]:
                expected = next(kept, None)
            elif users:  # user cells in a row that was not there
                return None
        if any(must and not (matched and matched[end])
               for end, must in zip((0, -1), edge_kept, strict=True)):
            return None
        next_number, follows = upper
        ended = olds[-1][2] if olds else lower
        before_next = (number < next_number if next_number is not None
                       else not follows or number == ended)
        return number if expected is None and before_next else None

    def between_rows(self, original: bytes, rows_start: int, place: tuple[int, int],
                     rows_end: int) -> bool:
        """Whether ``place`` (a stretch of the rows of ``original``, empty where rows are
        added) starts and ends where a row starts or ends, or the rows do."""
        return all(at in (rows_start, rows_end) or original.startswith(self.start, at)
                   or original.endswith(self.end, rows_start, at)
                   or _after_empty_row(original, self.start, rows_start, at) for at in place)

    def _user_rows(self, fragment: bytes, ours: _Ours, *,
                   ours_last: bool = False) -> list[tuple[bytes, object, bytes]] | None:
        """Each row's start tag without spans, its cells outside ``ours`` and those of
        ``ours``: the first as bytes, or as (column, cell) pairs where a cell may have no
        address (its column is then the one after the cell before it), with what else the
        row holds; ``None`` when ``fragment`` is not a run of whole rows, or with
        ``ours_last`` when a cell of ours comes before another or is not one chantool
        writes."""
        rows: list[tuple[bytes, object, bytes]] = []
        at = 0
        while at < len(fragment):
            if fragment[at:at + 1].isspace():
                at += 1
                continue
            tag_end = fragment.find(b">", at) + 1
            if not fragment.startswith(self.start, at) or tag_end == 0:
                return None
            tag = fragment[at:tag_end]
            if tag.endswith(b"/>"):
                inner, at = b"", tag_end
            else:
                close = fragment.find(self.end, tag_end)
                if close < 0:
                    return None
                inner, at = fragment[tag_end:close], close + len(self.end)
            if self.all_addressed(inner):
                users = ours.without(inner)
                if ours_last and not inner.startswith(users):
                    return None
                rows.append((_plain_tag(tag), users, inner[len(users):]))
                continue
            cells, column, after_ours, mine = [], 0, False, []
            for match in _CELL.finditer(inner):
                address = _ADDRESS.search(match[1])
                column = column_index(address[1].decode()) if address else column + 1
                if column in ours.columns:
                    if ours_last and not ours.any.fullmatch(match[0]):  # not one we write
                        return None
                    after_ours = ours_last
                    mine.append(match[0])
                elif after_ours:
                    return None
                else:
                    cells.append((column, match[0]))
            # And what it holds besides cells, but white space: the same too.
            rest = b"".join(_CELL.sub(b"", inner).split())
            rows.append((_plain_tag(tag), (cells, rest) if cells or rest else b"",
                         b"".join(mine)))
        return rows


class _RowNumbers:
    """The numbers of the rows of a worksheet part, as Excel numbers them (a row's ``r``,
    else one more than the row before's), told going forward through the part (asked
    about stretches in order): each row start tag is looked at at most once."""

    def __init__(self, original: bytes, row_start: bytes, rows_start: int,
                 rows_end: int) -> None:
        self.original, self.row_start, self.rows_end = original, row_start, rows_end
        self.rows_start = rows_start
        self.at, self.number = rows_start, 0  # the number of the last row before ``at``

    @cached_property
    def plain(self) -> bool:
        """Rows told apart by their start tags alone: no comment, CDATA section or
        processing instruction among them, which could hold one."""
        return all(self.original.find(mark, self.rows_start, self.rows_end) < 0
                   for mark in (b"<!", b"<?"))

    def before(self, at: int) -> int:
        """The number of the last row that starts before ``at`` (0: none), at or after
        where it was last asked."""
        unnumbered, end = 0, at
        while (start := self.original.rfind(self.row_start, self.at, end)) >= 0:
            number = _row_number(self.original, start)
            if number is not None:
                break
            unnumbered, end = unnumbered + 1, start
        else:
            number = self.number
        self.at, self.number = at, number + unnumbered
        return self.number

    def after(self, at: int) -> tuple[int | None, bool]:
        """The number the start tag of the first row from ``at`` gives it, if any, and
        whether there is such a row."""
        start = self.original.find(self.row_start, at, self.rows_end)
        return (_row_number(self.original, start) if start >= 0 else None), start >= 0


def _numbered(rows: Sequence[tuple[bytes, object, bytes]], lower: int) -> list[int]:
    """The numbers of ``rows`` (as ``_user_rows`` gives them), after a row numbered
    ``lower``: each row's ``r``, else one more than the row before's."""
    numbers: list[int] = []
    number = lower
    for tag, _, _ in rows:
        found = _row_number(tag)
        number = found if found is not None else number + 1
        numbers.append(number)
    return numbers


def _after_empty_row(xml: bytes, row_start: bytes, rows_start: int, at: int) -> bool:
    """Whether ``at`` in ``xml`` follows a row's empty element (``<row .../>``)."""
    tag = xml.rfind(b"<", rows_start, at)
    return (tag >= 0 and xml.startswith(row_start, tag) and xml.find(b">", tag) == at - 1
            and xml.endswith(b"/>", tag, at))


def _row_number(xml: bytes, at: int = 0) -> int | None:
    """The number the row start tag at ``at`` in ``xml`` (to its end, or to the end of
    ``xml``) gives its row, if any."""
    end = xml.find(b">", at)
    found = ROW_NUMBER.search(xml, at, end if end >= 0 else len(xml))
    return int(found[1]) if found else None


def _plain_tag(tag: bytes) -> bytes:
    """A row's start tag without its spans, whether it ends ``/>`` or ``>``."""
    return _SPANS.sub(b"", tag.rstrip(b">").rstrip(b"/")).rstrip()
