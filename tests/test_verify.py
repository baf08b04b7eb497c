"""The check of a written workbook before it is put in place (``io.output.verify_written``)
refuses every change to the user's data, wherever it is: a cell in a row chantool wrote
into or in a row copied as it was, a row, a row's attributes, the sheet's start, the
formats and the date system cells are read with, a sheet's part, a part chantool did
not write, the zip itself, also among rows written one after the other (checked a run
at a time). Honest writes pass: a first run, a run over a previous one's results with
user cells right of them, a sheet whose cells have no address, rows the run check cannot
tell about (checked row by row)."""

from __future__ import annotations

import dataclasses
import io
import os
import re
import zipfile
import zlib
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import xlsxwriter
from click.testing import CliRunner
from isal import isal_zlib

from chantool import check
from chantool.batch import Options, load
from chantool.cli import cli
from chantool.io import isolation, output, package
from chantool.io.output import _EVERY, OutputError, _RowCheck, temporary_path, verify_written
from chantool.io.sheetxml import Region
from chantool.io.writer import Written, write_plan
from chantool.results import ResultColumn, SheetResults, WritePlan, validation_plan
from chantool.table import RawSheet
from chantool.validate import validate_book
from tests import excel_edits
from tests.conftest import MakeWorkbook, needs_fork
from tests.test_writer import CHANNEL_HEADER, CHANNEL_ROWS, VISIT_HEADER, VISIT_ROWS

AS_OF = date(2025, 6, 30)
CHANNELS = "xl/worksheets/sheet1.xml"  # 渠道档案: results in L, row 3 has errors, row 2 none
Parts = dict[str, bytes]


@pytest.fixture
def book(make_workbook: MakeWorkbook) -> Path:
    return make_workbook({"渠道档案": [CHANNEL_HEADER, *CHANNEL_ROWS],
                          "拜访日志": [VISIT_HEADER, *VISIT_ROWS]}, name="work/book.xlsx")


def write(source: Path, target: Path) -> tuple[Written, list[RawSheet]]:
    """What ``validate --mark`` writes for ``source``, at ``target``, unchecked."""
    sheets = load(source, Options(as_of=AS_OF))
    validated, findings = validate_book(sheets, as_of=AS_OF, lang="zh")
    return write_plan(source, target, validation_plan(validated, findings, "zh", marks=True)), \
        sheets


def replace(parts: Parts, name: str, old: bytes, new: bytes) -> None:
    assert parts[name].count(old) == 1, (name, old)
    parts[name] = parts[name].replace(old, new)


def swap_sheets(parts: Parts) -> None:
    workbook = parts["xl/workbook.xml"]
    assert "渠道档案".encode() in workbook and "拜访日志".encode() in workbook
    parts["xl/workbook.xml"] = workbook.replace("渠道档案".encode(), b"\0").replace(
        "拜访日志".encode(), "渠道档案".encode()).replace(b"\0", "拜访日志".encode())


def format_before_the_users(parts: Parts) -> None:
    styles = parts["xl/styles.xml"]
    at = styles.index(b">", styles.index(b"<cellXfs")) + 1
    parts["xl/styles.xml"] = (styles[:at] + b'<xf numFmtId="14" fontId="0" fillId="0" '
                              b'borderId="0" xfId="0" applyNumberFormat="1"/>' + styles[at:])


def users_format_changed(parts: Parts) -> None:
    styles = parts["xl/styles.xml"]
    at = styles.index(b"<xf ", styles.index(b"<cellXfs"))
    parts["xl/styles.xml"] = styles[:at] + re.sub(
        rb'numFmtId="\d+"', b'numFmtId="14"', styles[at:], count=1)


CORRUPTIONS: dict[str, tuple[Callable[[Parts], None], str]] = {
    "a user's text in a row chantool wrote into": (lambda parts: replace(
        parts, CHANNELS, b"<t>V9</t>", b"<t>V8</t>"), "cells_changed"),
    "a user's number in a row chantool wrote into": (lambda parts: replace(
        parts, CHANNELS, b'<c r="J3" t="n"><v>7</v>', b'<c r="J3" t="n"><v>1</v>'),
        "cells_changed"),
    "a user's cell dropped from a row chantool wrote into": (lambda parts: replace(
        parts, CHANNELS, b'<c r="J3" t="n"><v>7</v></c>', b""), "cells_changed"),
    "a cell added right of chantool's column": (lambda parts: replace(
        parts, CHANNELS, b"</is></c></row><row r=\"4\"",
        b'</is></c><c r="M3"><v>1</v></c></row><row r="4"'), "cells_changed"),
    "chantool's cell put in the middle of its row": (lambda parts: parts.update({
        CHANNELS: re.sub(rb'(<c r="J3".*?</c>)(<c r="L3".*?</c>)', rb"\2\1", parts[CHANNELS],
                         count=1, flags=re.S)}), "cells_changed"),
    "a cell put in chantool's column of a row it did not write into": (lambda parts: parts.update({
        CHANNELS: re.sub(rb'(<row r="2".*?)(</row>)', rb'\1<c r="L2"><v>1</v></c>\2',
                         parts[CHANNELS], count=1, flags=re.S)}), "cells_changed"),
    "a row chantool wrote into hidden": (lambda parts: replace(
        parts, CHANNELS, b'<row r="3">', b'<row r="3" hidden="1">'), "cells_changed"),
    "a user's text in a row copied as it was": (lambda parts: replace(
        parts, CHANNELS, b"<t>V1</t>", b"<t>V7</t>"), "cells_changed"),
    "a user's number in a row copied as it was": (lambda parts: replace(
        parts, CHANNELS, b'<c r="I2" t="n"><v>5</v>', b'<c r="I2" t="n"><v>6</v>'),
        "cells_changed"),
    "a row copied as it was dropped": (lambda parts: parts.update({CHANNELS: re.sub(
        rb'<row r="2">.*?</row>', b"", parts[CHANNELS], flags=re.S)}), "cells_changed"),
    "the sheet's start": (lambda parts: replace(
        parts, CHANNELS, b'baseColWidth="8"', b'baseColWidth="9"'), "cells_changed"),
    "two sheets' names swapped": (swap_sheets, "cells_changed"),
    "a format put before the user's": (format_before_the_users, "part_changed"),
    "a user's format changed": (users_format_changed, "part_changed"),
    "the date system": (lambda parts: parts.update({"xl/workbook.xml": re.sub(
        rb"<workbookPr\b", b'<workbookPr date1904="1"', parts["xl/workbook.xml"])}),
        "part_changed"),
    "a part chantool did not write": (lambda parts: parts.update({
        "xl/theme/theme1.xml": parts["xl/theme/theme1.xml"] + b" "}), "part_changed"),
}


def test_what_is_written_passes(book: Path, tmp_path: Path) -> None:
    target = tmp_path / "out.xlsx"
    verify_written(target, *write(book, target))
    channels = openpyxl.load_workbook(target)["渠道档案"]
    assert (channels["L1"].value, channels["L2"].value, channels["L3"].value) == (
        "校验结果", None, "错误 3")


@pytest.fixture(params=["here", pytest.param("aside", marks=needs_fork),
                        pytest.param("split", marks=needs_fork)])
def checked(request: pytest.FixtureRequest,
            monkeypatch: pytest.MonkeyPatch) -> list[str] | None:
    """Where the parts that take longest to check are checked: here with the others
    (``None``), or beside them in a child forked for it, as in a file's child of a batch
    (about half the work: then each part so checked is listed, once its child is
    forked), or the sheet of 渠道档案 split, its regions from the third on checked beside."""
    if request.param == "here":
        return None
    monkeypatch.setattr(isolation, "_forked", True)
    monkeypatch.setattr(output, "_ASIDE_BYTES", 0)

    def split_at_the_third(*_: Any) -> dict[str, slice]:
        return {CHANNELS: slice(2, None)}

    chosen = split_at_the_third if request.param == "split" else output._aside
    aside: list[str] = []
    fork = os.fork

    def listed(*args: Any) -> dict[str, slice]:
        parts = chosen(*args)

        def counted() -> int:
            aside.extend(parts)
            return fork()

        monkeypatch.setattr(os, "fork", counted)
        return parts

    monkeypatch.setattr(output, "_aside", listed)
    return aside


@pytest.mark.parametrize("corruption", CORRUPTIONS, ids=str)
def test_a_change_to_the_users_data_is_refused(book: Path, tmp_path: Path,
                                               corruption: str,
                                               checked: list[str] | None) -> None:
    change, code = CORRUPTIONS[corruption]
    target = tmp_path / "out.xlsx"
    written, sheets = write(book, target)
    parts = excel_edits.read_parts(target)
    assert b'<c r="L3"' in parts[CHANNELS] and b'<c r="L2"' not in parts[CHANNELS]
    change(parts)
    excel_edits.write_parts(target, parts)
    with pytest.raises(OutputError) as refused:
        verify_written(target, written, sheets)
    assert refused.value.key == code
    assert checked is None or CHANNELS in checked  # 渠道档案's sheet, the largest written into


def test_what_is_written_passes_when_its_largest_part_is_checked_aside(
    book: Path, tmp_path: Path, checked: list[str] | None
) -> None:
    target = tmp_path / "out.xlsx"
    verify_written(target, *write(book, target))
    assert checked is None or CHANNELS in checked


def test_about_half_the_check_is_done_beside_the_largest_parts_first(
    book: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What is checked beside (``output._aside``): nothing while every part is small;
    parts by weight (``output._weight``: a sheet written into by its size and by what was
    written into it), the largest first, as long as they make at most half of the whole;
    a part of more than half alone, split at the share that leaves about half of the
    whole here when it is a sheet written into."""
    written, _ = write(book, tmp_path / "out.xlsx")
    issues = "xl/worksheets/chantool_issues.xml"  # a part chantool made
    styles, workbook = "xl/styles.xml", "xl/workbook.xml"

    def infos(sizes: dict[str, int]) -> list[zipfile.ZipInfo]:
        made = []
        for name, size in sizes.items():
            info = zipfile.ZipInfo(name)
            info.file_size = size
            made.append(info)
        return made

    wrote = sum(region.length for region in written.rewritten[CHANNELS])
    assert output._weight(infos({CHANNELS: 1000})[0], written) == 200 + wrote * 3 // 2
    assert output._weight(infos({issues: 1000})[0], written) == 1000
    assert output._aside(infos({CHANNELS: 1000, issues: 1000}), written) == {}
    monkeypatch.setattr(output, "_ASIDE_BYTES", 0)
    sheet = output._weight(infos({CHANNELS: 1000})[0], written)
    assert output._aside(infos({CHANNELS: 1000, issues: sheet * 2}), written) == {
        issues: _EVERY}  # a part chantool made, of more than half: beside, whole
    length = len(written.originals[CHANNELS])
    starts = [region.start for region in written.rewritten[CHANNELS]]
    for others in (0, sheet // 4, sheet // 2, sheet * 3 // 4):
        split = output._aside(infos({CHANNELS: 1000, issues: others}), written)[CHANNELS].start
        assert split is not None and 1 < split < len(starts) - 1
        # Here: the other part and the sheet up to its split, about half of the whole: the
        # region before the split starts before the share that would be just half.
        share = 1 - (sheet + others) / 2 / sheet
        assert starts[split - 1] < length * share <= starts[split]
    assert output._aside(infos({CHANNELS: 1000, issues: sheet * 9 // 10,
                                styles: sheet * 6 // 10, workbook: sheet * 6 // 10}),
                         written) == {
        CHANNELS: _EVERY}  # the largest, then none of the others fit in half
    assert output._aside(infos({CHANNELS: 1000, issues: sheet * 3 // 4, styles: sheet // 2,
                                workbook: sheet // 5}), written) == {
        CHANNELS: _EVERY, workbook: _EVERY}  # the largest that fit


def test_a_damaged_zip_member_is_refused(book: Path, tmp_path: Path,
                                         checked: list[str] | None) -> None:
    target = tmp_path / "out.xlsx"
    written, sheets = write(book, target)
    with zipfile.ZipFile(target) as archive:
        info = archive.getinfo(CHANNELS)
    data = bytearray(target.read_bytes())
    name_length, extra_length = (int.from_bytes(data[info.header_offset + at:][:2], "little")
                                 for at in (26, 28))
    middle = info.header_offset + 30 + name_length + extra_length + info.compress_size // 2
    data[middle] ^= 0xFF
    target.write_bytes(bytes(data))
    with pytest.raises(OutputError) as refused:
        verify_written(target, written, sheets)
    assert refused.value.key == "broken_zip"
    assert checked is None or CHANNELS in checked


def test_packages_are_inflated_by_isal_and_checked_as_zipfile_checks(tmp_path: Path) -> None:
    path = tmp_path / "parts.zip"
    sheet = b'<row r="1"><c r="A1"><v>1</v></c></row>' * 50_000
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("sheet.xml", sheet)
        archive.writestr("stored.xml", b"<stored/>", compress_type=zipfile.ZIP_STORED)
    with package.Package(path) as archive, archive.open("sheet.xml") as stream:
        assert isinstance(vars(stream)["_decompressor"], type(isal_zlib.decompressobj()))
        assert stream.read() == sheet
        assert archive.read("stored.xml") == b"<stored/>"
    crc = zlib.crc32(sheet).to_bytes(4, "little")  # in the entry's header and the directory
    data = path.read_bytes()
    assert data.count(crc) == 2
    path.write_bytes(data.replace(crc, bytes(4)))
    with package.Package(path) as archive, pytest.raises(zipfile.BadZipFile, match="CRC"):
        archive.read("sheet.xml")


def test_a_part_read_at_once_is_what_zipfile_reads_and_checked_as_it_checks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``package.read_part`` inflates a deflated part of a zip in a file at once; what it
    gives, and what it refuses, is what ``ZipFile.read`` gives and refuses: a stored
    part, a zip in memory and a damaged part (its CRC, its data, its local header)
    alike."""
    path = tmp_path / "parts.zip"
    sheet = b'<row r="1"><c r="A1"><v>1</v></c></row>' * 50_000
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("表.xml", sheet)
        archive.writestr("empty.xml", b"")
        archive.writestr("stored.xml", b"<stored/>", compress_type=zipfile.ZIP_STORED)
    data = path.read_bytes()
    in_memory = zipfile.ZipFile(io.BytesIO(data))
    with package.Package(path) as archive:
        for archived in (archive, in_memory):
            for name in ("表.xml", "empty.xml", "stored.xml"):
                assert package.read_part(archived, name) == archive.read(name)
                assert package.read_part(archived, archived.getinfo(name)) == archive.read(name)
        info = archive.getinfo("表.xml")
        with monkeypatch.context() as patched:  # read with os.pread, not ZipFile.read
            patched.setattr(archive, "read", None)
            assert package.read_part(archive, "表.xml") == sheet
    crc = zlib.crc32(sheet).to_bytes(4, "little")  # in the entry's header and the directory
    starts = info.header_offset + 30 + len("表.xml".encode()) + len(info.extra)
    damaged = {
        "its CRC": data.replace(crc, bytes(4)),
        "its data": data[:starts + 100] + bytes([data[starts + 100] ^ 0xFF])
        + data[starts + 101:],
        "its name in its header": data.replace("表.xml".encode(), "衣.xml".encode(), 1),
        "its header": data[:info.header_offset] + b"PK\x05\x06" + data[info.header_offset + 4:],
    }
    for changed in damaged.values():
        path.write_bytes(changed)
        with package.Package(path) as archive:
            with pytest.raises(output._BROKEN) as by_zipfile:
                archive.read("表.xml")
            monkeypatch.setattr(archive, "read", None)
            with pytest.raises(type(by_zipfile.value)):
                package.read_part(archive, "表.xml")


def claimed_longer(written: Written, grown: dict[int, int]) -> Written:
    """``written`` with the regions of the rows ``grown`` claimed that much longer."""
    original = written.originals[CHANNELS]
    regions = list(written.rewritten[CHANNELS])
    for number, more in grown.items():
        at = next(at for at, region in enumerate(regions)
                  if original.startswith(b'<row r="%d"' % number, region.start))
        regions[at] = regions[at]._replace(length=regions[at].length + more)
    return dataclasses.replace(written,
                               rewritten={**written.rewritten, CHANNELS: tuple(regions)})


def test_a_cell_after_chantools_in_a_row_it_wrote_is_refused(book: Path,
                                                               tmp_path: Path) -> None:
    # Even with the row's region claimed as long as what was written: chantool's cell is
    # not read as stretching over the cell after it.
    target = tmp_path / "out.xlsx"
    written, sheets = write(book, target)
    parts = excel_edits.read_parts(target)
    extra = b'<c r="N3" t="inlineStr"><is><t>not the user</t></is></c>'
    parts[CHANNELS], count = re.subn(rb'(<c r="L3"[^>]*>.*?</c>)(</row>)', rb"\1" + extra + rb"\2",
                                     parts[CHANNELS], count=1, flags=re.S)
    assert count == 1
    excel_edits.write_parts(target, parts)
    with pytest.raises(OutputError) as refused:
        verify_written(target, claimed_longer(written, {3: len(extra)}), sheets)
    assert refused.value.key == "cells_changed"


def test_a_cdata_section_hiding_the_rows_between_is_refused(book: Path,
                                                             tmp_path: Path) -> None:
    # Opened in chantool's cell of row 1 and closed in that of row 3, it would make the
    # user's row 2, copied between them, text: what chantool wrote alone is well-formed.
    target = tmp_path / "out.xlsx"
    written, sheets = write(book, target)
    parts = excel_edits.read_parts(target)
    xml = parts[CHANNELS]
    first = re.search(rb'<c r="L1"[^>]*>.*?(</c>)', xml, re.S)
    third = re.search(rb'<c r="L3"[^>]*>.*?(</c>)', xml, re.S)
    assert first is not None and third is not None
    parts[CHANNELS] = (xml[:first.start(1)] + b"<![CDATA[" + xml[first.start(1):third.start(1)]
                       + b"]]>" + xml[third.start(1):])
    excel_edits.write_parts(target, parts)
    with pytest.raises(OutputError) as refused:
        verify_written(target, claimed_longer(written, {1: 9, 3: 3}), sheets)
    assert refused.value.key == "cells_changed"


def test_a_region_claimed_shorter_than_nothing_is_refused(book: Path, tmp_path: Path) -> None:
    # A byte of the user's row 2, copied, gone; the claim "explains" it with an insertion
    # of length -1 there.
    target = tmp_path / "out.xlsx"
    written, sheets = write(book, target)
    parts = excel_edits.read_parts(target)
    at = parts[CHANNELS].index(b"<t>CH001</t>") + len(b"<t>CH0")
    parts[CHANNELS] = parts[CHANNELS][:at] + parts[CHANNELS][at + 1:]
    excel_edits.write_parts(target, parts)
    original = written.originals[CHANNELS]
    there = original.index(b"<t>CH001</t>") + len(b"<t>CH0")
    regions = sorted([*written.rewritten[CHANNELS], Region(there, there, -1)])
    claimed = dataclasses.replace(written,
                                  rewritten={**written.rewritten, CHANNELS: tuple(regions)})
    with pytest.raises(OutputError) as refused:
        verify_written(target, claimed, sheets)
    assert refused.value.key == "cells_changed"


def test_rows_far_apart_are_not_held_with_what_lies_between() -> None:
    regions = [Region(100, 200, 150), Region(300, 400, 150), Region(2_000_000, 2_000_100, 150)]
    runs = output._Runs(regions, 50, 3_000_000)
    assert runs.end(0) == 2
    assert runs.end(2) == 3


def test_a_run_ends_before_a_region_out_of_order_or_outside_the_rows() -> None:
    regions = [Region(0, 50, 60), Region(50, 100, 70), Region(100, 200, 150),
               Region(150, 160, 10), Region(200, 300, 100), Region(300, 400, 100),
               Region(400, 3_000_100, 10)]
    runs = output._Runs(regions, 50, 3_000_000)
    assert runs.end(0) == 1  # the part's start: not one of the rows
    assert runs.end(1) == 3  # the next starts before this one ends
    assert [runs.end(index) for index in (3, 4, 5)] == [6, 6, 6]  # the last: past the rows
    assert runs.end(6) == 7
    many = [Region(start, start + 100, 300_000) for start in range(50, 2_000, 100)]
    assert output._Runs(many, 50, 3_000_000).end(0) == 3  # 900,000 bytes; 1,200,000 not


def test_a_damaged_part_read_before_the_parts_turn_is_a_broken_zip(book: Path,
                                                                   tmp_path: Path) -> None:
    target = tmp_path / "out.xlsx"
    written, sheets = write(book, target)
    with zipfile.ZipFile(target) as archive:
        info = archive.getinfo("[Content_Types].xml")
    data = bytearray(target.read_bytes())
    name_length, extra_length = (int.from_bytes(data[info.header_offset + at:][:2], "little")
                                 for at in (26, 28))
    start = info.header_offset + 30 + name_length + extra_length + info.compress_size // 3
    data[start:start + 8] = bytes(byte ^ 0xFF for byte in data[start:start + 8])
    target.write_bytes(bytes(data))
    with pytest.raises(OutputError) as refused:
        verify_written(target, written, sheets)
    assert refused.value.key == "broken_zip"


def test_a_run_over_results_with_user_cells_right_of_them_passes(book: Path,
                                                                 tmp_path: Path) -> None:
    first = tmp_path / "first.xlsx"
    verify_written(first, *write(book, first))
    parts = excel_edits.read_parts(first)
    replace(parts, CHANNELS, b"</is></c></row><row r=\"4\"",
            b'</is></c><c r="M3"><v>42</v></c></row><row r="4"')  # typed right of L3
    excel_edits.write_parts(first, parts)
    again = tmp_path / "again.xlsx"
    verify_written(again, *write(first, again))
    channels = openpyxl.load_workbook(again)["渠道档案"]
    assert [channels.cell(3, column).value for column in (12, 13, 14)] == [None, 42, "错误 3"]


def without_addresses(path: Path) -> None:
    """Cells written without ``r`` (their column follows the cell before), as some
    reporting systems write them."""
    parts = excel_edits.read_parts(path)
    parts[CHANNELS] = re.sub(rb'<c r="[A-Z]+\d+"', b"<c", parts[CHANNELS])
    excel_edits.write_parts(path, parts)


def test_cells_without_an_address_pass_and_a_change_among_them_is_refused(
    book: Path, tmp_path: Path
) -> None:
    without_addresses(book)
    target = tmp_path / "out.xlsx"
    written, sheets = write(book, target)
    verify_written(target, written, sheets)
    channels = openpyxl.load_workbook(target)["渠道档案"]
    assert [channels.cell(3, column).value for column in (4, 10, 11, 12)] == [
        "V9", 7, None, "错误 3"]
    parts = excel_edits.read_parts(target)
    replace(parts, CHANNELS, b'<c t="inlineStr"><is><t>V9</t>',
            b'<c t="n"><v>1</v></c><c t="inlineStr"><is><t>V9</t>')
    excel_edits.write_parts(target, parts)  # D3 is 1 now, V9 moved on to E3
    with pytest.raises(OutputError) as refused:
        verify_written(target, written, sheets)
    assert refused.value.key == "cells_changed"


def test_a_refused_write_leaves_no_file(book: Path, tmp_path: Path,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    def corrupting(source: Path, target: Path, plan: Any) -> Written:
        written = write_plan(source, target, plan)
        parts = excel_edits.read_parts(target)
        replace(parts, CHANNELS, b"<t>V1</t>", b"<t>V7</t>")
        excel_edits.write_parts(target, parts)
        return written

    monkeypatch.setattr(check, "write_plan", corrupting)
    original = book.read_bytes()
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["validate", str(book), "--mark", "--out", str(out),
                                      "--as-of", AS_OF.isoformat(), "--jobs", "1"])
    assert result.exit_code == 1
    assert "未写入" in result.output and "数据与原文件不一致" in result.output, result.output
    assert book.read_bytes() == original
    assert not (out / book.name).exists() and not temporary_path(out / book.name).exists()


# A sheet whose every row chantool writes into: its rows are checked a run at a time.
ROWS = "xl/worksheets/sheet1.xml"


@pytest.fixture
def every_row(tmp_path: Path) -> Path:
    """40 channels back to back, each row's start tag with its spans as Excel writes them;
    B5 holds text that looks like a spans attribute."""
    source = tmp_path / "rows.xlsx"
    workbook = xlsxwriter.Workbook(str(source))
    sheet = workbook.add_worksheet("渠道档案")
    for number, row in enumerate([CHANNEL_HEADER, *([f"CH{number:03d}", *CHANNEL_ROWS[0][1:]]
                                                    for number in range(40))]):
        sheet.write_row(number, 0, row)
    workbook.close()
    parts = excel_edits.read_parts(source)
    parts[ROWS] = re.sub(rb'<c r="B5" t="s"><v>\d+</v></c>',
                         b'<c r="B5" t="inlineStr"><is><t> spans="1:11"</t></is></c>', parts[ROWS])
    excel_edits.write_parts(source, parts)
    return source


def write_every_row(source: Path, target: Path) -> tuple[Written, list[RawSheet]]:
    plan = WritePlan((SheetResults("渠道档案", 1, (
        ResultColumn("值", {row: row * 1.5 for row in range(2, 42)}),
        ResultColumn("说明", {3: "x", 9: "a<b"}))),), ())
    return write_plan(source, target, plan), load(source, Options(as_of=AS_OF))


def test_rows_written_one_after_the_other_are_checked_a_run_at_a_time(
    every_row: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    at_once: list[bool] = []
    real = _RowCheck.rows_only_appended

    def spy(self: _RowCheck, olds: Sequence[bytes], news: Sequence[bytes]) -> bytes | None:
        ours = real(self, olds, news)
        at_once.append(ours is not None)
        return ours

    monkeypatch.setattr(_RowCheck, "rows_only_appended", spy)
    target = tmp_path / "out.xlsx"
    verify_written(target, *write_every_row(every_row, target))
    assert at_once == [False]  # B5's text holds what looks like spans: row by row
    parts = excel_edits.read_parts(every_row)
    parts[ROWS] = parts[ROWS].replace(b' spans="1:11"</t>', b"spans</t>")
    excel_edits.write_parts(every_row, parts)
    at_once.clear()
    verify_written(target, *write_every_row(every_row, target))
    assert at_once == [True]
    cells = openpyxl.load_workbook(target)["渠道档案"]
    assert [cells[f"L{row}"].value for row in (1, 2, 41)] == ["值", 3.0, 61.5]
    assert (cells["M3"].value, cells["M9"].value) == ("x", "a<b")


def write_some_rows(source: Path, target: Path) -> tuple[Written, list[RawSheet]]:
    plan = WritePlan((SheetResults("渠道档案", 1, (
        ResultColumn("值", {row: row * 1.5 for row in (7, 9, 20, 33)}),)),), ())
    return write_plan(source, target, plan), load(source, Options(as_of=AS_OF))


def change_refused(target: Path, written: Written, sheets: list[RawSheet],
                   change: tuple[bytes, bytes]) -> None:
    """The written copy at ``target``, changed within what the writer wrote
    (``changed_within``), is refused."""
    with pytest.raises(OutputError) as refused:
        verify_written(target, changed_within(target, written, *change), sheets)
    assert refused.value.key == "cells_changed"


def changed_within(target: Path, written: Written, pattern: bytes,
                   replacement: bytes) -> Written:
    """Change the written 渠道档案 sheet once, within what the writer wrote, and claim the
    region the change is in as long as it now is: the check must find the change in what
    it takes apart, not in the lengths."""
    parts = excel_edits.read_parts(target)
    before = parts[ROWS]
    parts[ROWS], count = re.subn(pattern, replacement, before)
    assert count == 1
    excel_edits.write_parts(target, parts)
    found = re.search(pattern, before)
    assert found is not None
    at = found.start()
    regions = list(written.rewritten[ROWS])
    shift = 0  # how much longer the part is written than it was, before a region
    for index, region in enumerate(regions):
        if region.start + shift <= at < region.start + shift + region.length:
            regions[index] = region._replace(
                length=region.length + len(parts[ROWS]) - len(before))
            return dataclasses.replace(written,
                                       rewritten={**written.rewritten, ROWS: tuple(regions)})
        shift += region.length - (region.end - region.start)
    raise AssertionError("the change is not within what the writer wrote")


def rows_edited(source: Path, pattern: bytes, replacement: bytes) -> int:
    """The 渠道档案 sheet of ``source`` edited by a regular expression; in how many places."""
    parts = excel_edits.read_parts(source)
    parts[ROWS], count = re.subn(pattern, replacement, parts[ROWS])
    excel_edits.write_parts(source, parts)
    return count


def test_what_a_row_of_cells_without_addresses_holds_besides_cells_is_kept(
    every_row: Path, tmp_path: Path
) -> None:
    without_text_like_spans(every_row)
    assert rows_edited(every_row, rb'(<c) r="[A-Z]+20"', rb"\1") == 11
    target = tmp_path / "out.xlsx"
    written, sheets = write_some_rows(every_row, target)
    verify_written(target, written, sheets)
    assert openpyxl.load_workbook(target)["渠道档案"]["L20"].value == 30.0
    change_refused(target, written, sheets,
                   (rb'(<row r="20"[^>]*><c\b.*?</c>)', rb'\1<row r="99"/>'))


def without_text_like_spans(source: Path) -> None:
    parts = excel_edits.read_parts(source)
    parts[ROWS] = parts[ROWS].replace(b' spans="1:11"</t>', b"spans</t>")
    excel_edits.write_parts(source, parts)


def test_rows_apart_are_checked_together_and_a_change_among_them_is_refused(
    every_row: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    without_text_like_spans(every_row)
    at_once: list[int] = []
    real = _RowCheck.rows_only_appended

    def spy(self: _RowCheck, olds: Sequence[bytes], news: Sequence[bytes]) -> bytes | None:
        ours = real(self, olds, news)
        at_once.append(len(olds) if ours is not None else 0)
        return ours

    monkeypatch.setattr(_RowCheck, "rows_only_appended", spy)
    target = tmp_path / "out.xlsx"
    written, sheets = write_some_rows(every_row, target)
    verify_written(target, written, sheets)
    assert at_once == [5]  # the header's row and the four rows, with rows between them
    assert openpyxl.load_workbook(target)["渠道档案"]["L20"].value == 30.0
    parts = excel_edits.read_parts(target)
    parts[ROWS], count = re.subn(rb'(<c r="I20"[^>]*><v>)5<', rb"\g<1>6<", parts[ROWS])
    assert count == 1
    excel_edits.write_parts(target, parts)
    with pytest.raises(OutputError) as refused:
        verify_written(target, written, sheets)
    assert refused.value.key == "cells_changed"


def text_like_spans_in_row_20(source: Path) -> None:
    """B5's text that looks like a spans attribute moved to B20."""
    parts = excel_edits.read_parts(source)
    parts[ROWS] = parts[ROWS].replace(b'<c r="B5" t="inlineStr"><is><t> spans="1:11"</t>',
                                      b'<c r="B5" t="inlineStr"><is><t>spans</t>')
    parts[ROWS], count = re.subn(rb'<c r="B20" t="s"><v>\d+</v></c>',
                                 b'<c r="B20" t="inlineStr"><is><t> spans="1:11"</t></is></c>',
                                 parts[ROWS])
    assert count == 1
    excel_edits.write_parts(source, parts)


WRONG_ROW = (rb'<c r="L9"', rb'<c r="L8"')  # row 9's result addressed in row 8
SWAPPED = (rb'(<c r="L9".*?</c>)(<c r="M9".*?</c>)', rb"\2\1")  # its columns out of order


def test_rows_added_where_no_row_starts_or_ends_are_refused(every_row: Path,
                                                            tmp_path: Path) -> None:
    # A row claimed added inside the last row's start tag: numbered after it, and well-
    # formed itself, but in the file it breaks that tag.
    without_text_like_spans(every_row)
    target = tmp_path / "out.xlsx"
    written, sheets = write_some_rows(every_row, target)
    added = b'<row r="42"/>'
    parts = excel_edits.read_parts(target)
    at = parts[ROWS].index(b'<row r="41"') + len(b'<row r="41"')
    parts[ROWS] = parts[ROWS][:at] + added + parts[ROWS][at:]
    excel_edits.write_parts(target, parts)
    original = written.originals[ROWS]
    there = original.index(b'<row r="41"') + len(b'<row r="41"')
    regions = sorted([*written.rewritten[ROWS], Region(there, there, len(added))])
    claimed = dataclasses.replace(written,
                                  rewritten={**written.rewritten, ROWS: tuple(regions)})
    with pytest.raises(OutputError) as refused:
        verify_written(target, claimed, sheets)
    assert refused.value.key == "cells_changed"


def unnumber(source: Path) -> None:
    """``every_row`` with neither its rows nor its cells addressed: each is where it is."""
    without_text_like_spans(source)
    parts = excel_edits.read_parts(source)
    parts[ROWS] = re.sub(rb'(<c) r="[A-Z]+\d+"', rb"\1",
                         re.sub(rb'(<row) r="\d+"', rb"\1", parts[ROWS]))
    excel_edits.write_parts(source, parts)


@pytest.fixture
def unnumbered(every_row: Path) -> Path:
    unnumber(every_row)
    return every_row


def write_past_the_rows(source: Path, target: Path) -> tuple[Written, list[RawSheet]]:
    plan = WritePlan((SheetResults("渠道档案", 1, (
        ResultColumn("值", {row: row * 1.5 for row in (7, 9, 20, 33, 45)}),)),), ())
    return write_plan(source, target, plan), load(source, Options(as_of=AS_OF))


def test_rows_without_numbers_get_their_results_where_they_are(unnumbered: Path,
                                                                tmp_path: Path) -> None:
    target = tmp_path / "out.xlsx"
    verify_written(target, *write_past_the_rows(unnumbered, target))
    cells = openpyxl.load_workbook(target)["渠道档案"]
    assert [cells[f"L{row}"].value for row in (7, 9, 20, 33, 45)] == [
        10.5, 13.5, 30.0, 49.5, 67.5]
    assert (cells["A20"].value, cells["A41"].value) == ("CH018", "CH039")


def as_it_is(source: Path) -> None:
    """``every_row`` as it is: B5 holds text that looks like a spans attribute."""


@pytest.mark.parametrize(("prepare", "write", "change"), [
    # Rows written one after the other. A user's value in a row among the others.
    (as_it_is, write_every_row, (rb'(<c r="I20"[^>]*><v>)5<', rb"\g<1>6<")),
    # A cell of ours moved to the start of the next row: as many rows, as many bytes.
    (as_it_is, write_every_row,
     (rb'(<c r="L20"[^>]*><v>[^<]*</v></c>)</row>(<row r="21"[^>]*>)', rb"</row>\2\1")),
    # A row hidden.
    (as_it_is, write_every_row, (rb'(<row r="22")', rb'\1 hidden="1"')),
    # A row inside a cell of ours: well-formed, but no worksheet holds it.
    (as_it_is, write_every_row,
     (rb'(<c r="L20"[^>]*>)<v>[^<]*</v>', rb'\1<is><row r="99"/></is>')),
    # Rows written apart. A row added before row 20 with a number the rows before have,
    # or row 20's.
    (without_text_like_spans, write_some_rows, (rb'(<row r="20")', rb'<row r="3"/>\1')),
    (without_text_like_spans, write_some_rows, (rb'(<row r="20")', rb'<row r="20"/>\1')),
    # A row added after row 20, numbered as the row after it is.
    (without_text_like_spans, write_some_rows,
     (rb'(<row r="20".*?</row>)', rb'\1<row r="21"/>')),
    # A cell of ours out of its row or column order, in rows written one after the other
    # checked at C speed...
    (without_text_like_spans, write_every_row, WRONG_ROW),
    (without_text_like_spans, write_every_row, SWAPPED),
    # ... or as runs of rows (text in a cell that looks like a spans attribute)...
    (as_it_is, write_every_row, WRONG_ROW),
    (as_it_is, write_every_row, SWAPPED),
    # ... and in rows written apart, one at a time.
    (text_like_spans_in_row_20, write_some_rows, WRONG_ROW),
    (text_like_spans_in_row_20, write_some_rows, (rb'<c r="L20"', rb'<c r="L21"')),
    # Rows without numbers, told by their place. A row added before row 20, numbered as
    # it is: it and every row after it move down.
    (unnumber, write_past_the_rows,
     (rb'(<row\b(?:(?!<row\b).)*?<c r="L20")', rb'<row r="20"/>\1')),
    # Row 20's result addressed in row 21.
    (unnumber, write_past_the_rows, (rb'<c r="L20"', rb'<c r="L21"')),
    # The row added after the last numbered as row 2, which is there already.
    (unnumber, write_past_the_rows, (rb'<row r="45"><c r="L45"', rb'<row r="2"><c r="L2"')),
])
def test_a_change_within_what_the_writer_wrote_is_refused(
    every_row: Path, tmp_path: Path, prepare: Callable[[Path], None],
    write: Callable[[Path, Path], tuple[Written, list[RawSheet]]], change: tuple[bytes, bytes]
) -> None:
    prepare(every_row)
    target = tmp_path / "out.xlsx"
    written, sheets = write(every_row, target)
    verify_written(target, written, sheets)
    change_refused(target, written, sheets, change)


def test_a_row_numbered_with_a_leading_zero_is_written(every_row: Path,
                                                        tmp_path: Path) -> None:
    without_text_like_spans(every_row)
    parts = excel_edits.read_parts(every_row)
    parts[ROWS] = parts[ROWS].replace(b'<row r="20"', b'<row r="020"')
    excel_edits.write_parts(every_row, parts)
    target = tmp_path / "out.xlsx"
    verify_written(target, *write_every_row(every_row, target))
    assert openpyxl.load_workbook(target)["渠道档案"]["L20"].value == 30.0


@pytest.mark.parametrize("added", [
    b'<row r="7"><c r="B7"><v>9</v></c></row>',  # before row 8, added just before it
    b'<row><c r="B6"><v>9</v></c></row>',  # row 9 to Excel, addressed in row 6
    b'<row r="8"><c r="B8"><v>9</v></c></row>',  # row 8 again
])
def test_rows_added_in_one_gap_by_two_regions_follow_each_other(added: bytes) -> None:
    # Row 8 is added after row 5, and the next region, past the line break between the
    # rows, adds another row before row 10: numbered after row 5, but not after row 8.
    five = b'<row r="5"><c r="A5"><v>1</v></c></row>'
    ten = b'<row r="10"><c r="A10"><v>2</v></c></row>'
    head, tail = b'<worksheet><dimension ref="A1:B10"/><sheetData>', b"</sheetData></worksheet>"
    eight = b'<row r="8"><c r="B8"><v>9</v></c></row>'
    original = head + five + b"\n" + ten + tail
    written = head + five + eight + b"\n" + added + ten + tail
    at = len(head + five) + 1
    regions = [Region(0, len(head), len(head)), Region(len(head), at - 1, len(five + eight)),
               Region(at, at, len(added)), Region(at + len(ten), len(original), len(tail))]
    with pytest.raises(OutputError):
        output._check_sheet("渠道档案", original, iter([written]), regions, frozenset(),
                            frozenset({2}))
    fine = head + five + eight + b"\n" + ten + tail  # row 8 alone is where it belongs
    output._check_sheet("渠道档案", original, iter([fine]),
                        [*regions[:2], Region(at + len(ten), len(original), len(tail))],
                        frozenset(), frozenset({2}))


@pytest.mark.parametrize(("ten", "between"), [
    (b'<row r="10"><c r="A10" t="inlineStr"><is><t><![CDATA[<row r="60">]]></t></is></c></row>',
     b""),
    (b'<row r="10"><c r="A10"><v>1</v></c></row>', b'<!-- <row r="99"> -->'),
])
def test_rows_are_not_added_among_rows_that_hide_a_start_tag(ten: bytes,
                                                            between: bytes) -> None:
    # Row 50 added between rows 10 and 12: after a row start tag in a CDATA section or a
    # comment, it could look in order.
    head, tail = b'<worksheet><dimension ref="A1:B12"/><sheetData>', b"</sheetData></worksheet>"
    twelve = b'<row r="12"><c r="A12"><v>2</v></c></row>'
    added = b'<row r="50"><c r="B50"><v>9</v></c></row>'
    original = head + ten + between + twelve + tail
    at = len(head + ten)
    written = original[:at] + added + original[at:]
    regions = [Region(0, len(head), len(head)), Region(at, at, len(added)),
               Region(len(original) - len(tail), len(original), len(tail))]
    with pytest.raises(OutputError):
        output._check_sheet("渠道档案", original, iter([written]), regions, frozenset(),
                            frozenset({2}))


def test_the_check_is_split_only_after_a_row_copied_or_written_into_as_it_was(
        every_row: Path, tmp_path: Path) -> None:
    without_text_like_spans(every_row)
    target = tmp_path / "out.xlsx"
    apart, _ = write_some_rows(every_row, target)
    split = output._split(apart, ROWS, 0.5)
    regions, original = apart.rewritten[ROWS], apart.originals[ROWS]
    assert split is not None
    assert original.find(b"<row", regions[split - 1].end, regions[split].start) >= 0
    # Every row written into, one after the other: split between two of them...
    together, _ = write_every_row(every_row, target)
    regions = together.rewritten[ROWS]
    split = output._split(together, ROWS, 0.5)
    assert split is not None
    assert regions[split - 1].start < regions[split - 1].end == regions[split].start
    # ... but not next to rows added there: past the row they are added before.
    added = [*regions[:split], Region(regions[split].start, regions[split].start, 10),
             *regions[split:]]
    assert output._split(dataclasses.replace(together, rewritten={ROWS: tuple(added)}),
                         ROWS, 0.5) == split + 2


def test_rows_added_on_both_sides_of_where_the_check_is_split_are_refused(
        every_row: Path, tmp_path: Path) -> None:
    # Rows 20 and 25 follow each other (21 to 24 are not there), and the check is split
    # between them. Row 22 is added after row 20, claimed in its region, and again before
    # row 25, claimed in its: each check alone finds its row 22 between 20 and 25.
    without_text_like_spans(every_row)
    assert rows_edited(every_row, rb'<row r="2[1-4]".*?</row>', b"") == 4
    target = tmp_path / "out.xlsx"
    plan = WritePlan((SheetResults("渠道档案", 1, (ResultColumn("值", {
        row: row * 1.5 for row in (*range(2, 21), *range(25, 42))}),)),), ())
    written = write_plan(every_row, target, plan)
    regions, original = list(written.rewritten[ROWS]), written.originals[ROWS]
    k = next(index for index, region in enumerate(regions)
             if original.startswith(b'<row r="25"', region.start))
    assert regions[k - 1].end == regions[k].start
    parts = excel_edits.read_parts(target)
    at = parts[ROWS].index(b'<row r="25"')
    extra = b'<row r="22"/>'
    parts[ROWS] = parts[ROWS][:at] + extra + extra + parts[ROWS][at:]
    excel_edits.write_parts(target, parts)
    for grown in (k - 1, k):
        regions[grown] = regions[grown]._replace(length=regions[grown].length + len(extra))
    claimed = dataclasses.replace(written, rewritten={**written.rewritten, ROWS: tuple(regions)})
    names = {part: name for name, part in written.sheet_parts.items()}
    with package.Package(target) as archive:
        info = archive.getinfo(ROWS)
        for half in (slice(k), slice(k, None)):
            with pytest.raises(OutputError):
                output._check_part(archive, info, claimed, names, half)


def test_a_row_split_around_the_rows_between_is_refused(every_row: Path,
                                                         tmp_path: Path) -> None:
    # What the writer wrote for row 9 ends with the start of row 20's, and row 20's region
    # is as much shorter: the rows written, taken together, are the right ones, but in
    # the file the rows copied between (10 to 19) fall inside row 20.
    without_text_like_spans(every_row)
    target = tmp_path / "out.xlsx"
    written, sheets = write_some_rows(every_row, target)
    regions = list(written.rewritten[ROWS])
    nine = next(at for at, region in enumerate(regions)
                if written.originals[ROWS].startswith(b'<row r="9"', region.start))
    parts = excel_edits.read_parts(target)
    xml = parts[ROWS]
    row_20 = xml.index(b'<row r="20"')
    moved = xml[row_20:row_20 + 12]
    row_10 = xml.index(b'<row r="10"')
    parts[ROWS] = xml[:row_10] + moved + xml[row_10:row_20] + xml[row_20 + 12:]
    excel_edits.write_parts(target, parts)
    regions[nine] = regions[nine]._replace(length=regions[nine].length + 12)
    regions[nine + 1] = regions[nine + 1]._replace(length=regions[nine + 1].length - 12)
    claimed = dataclasses.replace(written, rewritten={**written.rewritten, ROWS: tuple(regions)})
    with pytest.raises(OutputError) as refused:
        verify_written(target, claimed, sheets)
    assert refused.value.key == "cells_changed"


def test_a_row_moved_from_rows_one_after_the_other_past_the_rows_between_is_refused(
        every_row: Path, tmp_path: Path) -> None:
    # Rows 7 and 8 are written one after the other and checked as one stretch; row 8 as
    # written is moved to just before row 20, and the regions claimed say so: row 8
    # written as nothing, row 20 as row 8 and row 20. Taken together, the rows written
    # are the right ones, in order; in the file, row 8 comes after rows 9 to 19.
    without_text_like_spans(every_row)
    target = tmp_path / "out.xlsx"
    plan = WritePlan((SheetResults("渠道档案", 1, (
        ResultColumn("值", {row: row * 1.5 for row in (7, 8, 20)}),)),), ())
    written, sheets = write_plan(every_row, target, plan), load(every_row, Options(as_of=AS_OF))
    verify_written(target, written, sheets)
    regions = list(written.rewritten[ROWS])
    eight = next(at for at, region in enumerate(regions)
                 if written.originals[ROWS].startswith(b'<row r="8"', region.start))
    assert regions[eight - 1].end == regions[eight].start  # one after the other
    parts = excel_edits.read_parts(target)
    xml = parts[ROWS]
    row_8, row_9, row_20 = (xml.index(b'<row r="%d"' % number) for number in (8, 9, 20))
    parts[ROWS] = xml[:row_8] + xml[row_9:row_20] + xml[row_8:row_9] + xml[row_20:]
    excel_edits.write_parts(target, parts)
    assert regions[eight + 1].start > regions[eight].end  # row 20's, after the rows between
    regions[eight + 1] = regions[eight + 1]._replace(
        length=regions[eight + 1].length + regions[eight].length)
    regions[eight] = regions[eight]._replace(length=0)
    claimed = dataclasses.replace(written, rewritten={**written.rewritten, ROWS: tuple(regions)})
    with pytest.raises(OutputError) as refused:
        verify_written(target, claimed, sheets)
    assert refused.value.key == "cells_changed"


def test_a_users_row_dropped_after_an_empty_row_written_into_is_refused(
        tmp_path: Path) -> None:
    # Row 11 is empty but for its height (<row r="11" .../>), row 12 a channel's; both
    # get a result, their regions one after the other, checked as one stretch. The
    # written copy lacks row 12, and the regions claimed say it was written as nothing.
    source = tmp_path / "rows.xlsx"
    workbook = xlsxwriter.Workbook(str(source))
    sheet = workbook.add_worksheet("渠道档案")
    sheet.write_row(0, 0, CHANNEL_HEADER)
    for number in range(1, 20):
        if number == 10:
            sheet.set_row(number, 30)
        else:
            sheet.write_row(number, 0, [f"CH{number:03d}", *CHANNEL_ROWS[0][1:]])
    workbook.close()
    target = tmp_path / "out.xlsx"
    plan = WritePlan((SheetResults("渠道档案", 1, (ResultColumn("值", {11: 1.5, 12: 2.5}),)),), ())
    written, sheets = write_plan(source, target, plan), load(source, Options(as_of=AS_OF))
    verify_written(target, written, sheets)
    original, regions = written.originals[ROWS], list(written.rewritten[ROWS])
    eleven = next(at for at, region in enumerate(regions)
                  if original.startswith(b'<row r="11"', region.start))
    assert original[regions[eleven].end - 2:regions[eleven].end] == b"/>"
    assert regions[eleven].end == regions[eleven + 1].start
    parts = excel_edits.read_parts(target)
    xml = parts[ROWS]
    parts[ROWS] = xml[:xml.index(b'<row r="12"')] + xml[xml.index(b'<row r="13"'):]
    excel_edits.write_parts(target, parts)
    regions[eleven + 1] = regions[eleven + 1]._replace(length=0)
    claimed = dataclasses.replace(written, rewritten={**written.rewritten, ROWS: tuple(regions)})
    with pytest.raises(OutputError) as refused:
        verify_written(target, claimed, sheets)
    assert refused.value.key == "cells_changed"


def run_corruption(pattern: bytes, replacement: bytes) -> Callable[[Parts], None]:
    def change(parts: Parts) -> None:
        parts[ROWS], count = re.subn(pattern, replacement, parts[ROWS], count=1, flags=re.S)
        assert count == 1, pattern
    return change


RUN_CORRUPTIONS: dict[str, Callable[[Parts], object]] = {
    "a user's number": run_corruption(rb'(<c r="I20"[^>]*><v>)5<', rb"\g<1>6<"),
    "a user's cell dropped": run_corruption(rb'<c r="K20".*?</c>', b""),
    "a row's attribute": run_corruption(rb'<row r="20"', b'<row r="20" hidden="1"'),
    "chantool's cell put before a user's": run_corruption(
        rb'(<c r="K20".*?</c>)(<c r="L20".*?</c>)', rb"\2\1"),
    "a cell right of chantool's": run_corruption(
        rb'(<c r="L20".*?</c>)(</row>)', rb'\1<c r="N20"><v>1</v></c>\2'),
    "a row dropped": run_corruption(rb'<row r="20".*?</row>', b""),
    "text that looks like spans": run_corruption(rb' spans="1:11"</t>', b"</t>"),
    "it, the run as long as before": lambda parts: [change(parts) for change in (
        run_corruption(rb' spans="1:11"</t>', b"</t>"),  # 13 bytes fewer, 13 more:
        run_corruption(rb'<c r="L2"><v>3.0</v>', b'<c r="L2"><v>3.0' + b"0" * 13 + b"</v>"))],
}


@pytest.mark.parametrize("corruption", RUN_CORRUPTIONS, ids=str)
def test_a_change_among_rows_checked_at_once_is_refused(
    every_row: Path, tmp_path: Path, corruption: str
) -> None:
    target = tmp_path / "out.xlsx"
    written, sheets = write_every_row(every_row, target)
    parts = excel_edits.read_parts(target)
    RUN_CORRUPTIONS[corruption](parts)
    excel_edits.write_parts(target, parts)
    with pytest.raises(OutputError) as refused:
        verify_written(target, written, sheets)
    assert refused.value.key == "cells_changed"


@pytest.mark.parametrize("kind", ["an empty row", "line breaks"])
def test_rows_the_run_check_cannot_tell_about_pass_row_by_row(
    every_row: Path, tmp_path: Path, kind: str
) -> None:
    parts = excel_edits.read_parts(every_row)
    if kind == "an empty row":  # row 20 without cells, written as <row .../>
        parts[ROWS] = re.sub(rb'(<row r="20"[^>]*?)>.*?</row>', rb"\1/>", parts[ROWS],
                             flags=re.S)
    elif kind == "line breaks":
        parts[ROWS] = parts[ROWS].replace(b"</row><row", b"</row>\n<row")
    excel_edits.write_parts(every_row, parts)
    target = tmp_path / "out.xlsx"
    written, sheets = write_every_row(every_row, target)
    verify_written(target, written, sheets)
    assert openpyxl.load_workbook(target)["渠道档案"]["L20"].value == 30.0


@pytest.mark.parametrize("corruption", [None, *(
    name for name, (_, code) in CORRUPTIONS.items()
    if code == "cells_changed" and name != "two sheets' names swapped")], ids=str)
def test_a_sheet_checked_in_two_is_checked_as_whole_wherever_it_is_split(
    book: Path, tmp_path: Path, corruption: str | None
) -> None:
    """A sheet written into, checked in two (its regions before a split, then those from
    it, as ``verify_written`` checks its largest part here and beside): what passes the
    check of the whole passes both, at every split, and what fails it fails one of them."""
    target = tmp_path / "out.xlsx"
    written, _ = write(book, target)
    if corruption is not None:
        parts = excel_edits.read_parts(target)
        CORRUPTIONS[corruption][0](parts)
        excel_edits.write_parts(target, parts)
    names = {part: name for name, part in written.sheet_parts.items()}
    regions = written.rewritten[CHANNELS]
    assert len(regions) >= 4

    def fails(only: slice) -> bool:
        with package.Package(target) as archive:
            try:
                output._check_part(archive, archive.getinfo(CHANNELS), written, names, only)
            except OutputError as error:
                assert error.key == "cells_changed"
                return True
        return False

    whole = fails(slice(None))
    assert whole == (corruption is not None)
    for split in range(1, len(regions)):
        assert (fails(slice(split)) or fails(slice(split, None))) == whole, split
