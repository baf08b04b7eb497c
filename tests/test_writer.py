"""Writing results back: nothing of the user's is lost, runs repeat to the byte, and
Excel's and LibreOffice's readers see what was written."""

from __future__ import annotations

import csv
import io
import json
import os
import random
import re
import shutil
import struct
import time
import zipfile
import zlib
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

import openpyxl
import pytest
import xlsxwriter
import xlwings
from click.testing import CliRunner
from oletools.olevba import VBA_Parser

from chantool import check
from chantool.batch import Job, Options, load, plan_jobs, validate_files
from chantool.cli import cli
from chantool.io import deflating, isolation, package, sheetxml, writer
from chantool.io.writer import Opened, write_plan
from chantool.io.xmltext import sheet_data
from chantool.layout import Value
from chantool.results import ResultColumn, SheetResults, WritePlan, validation_plan
from chantool.table import RawSheet
from chantool.validate import validate_book
from tests.conftest import CSV_EVERY_SHEET, libreoffice_convert, needs_fork, needs_libreoffice
from tests.excel_edits import read_parts, write_parts
from tests.ooxml import package_problems

CHANNEL_HEADER = ["渠道编码", "渠道名称", "渠道类型", "渠道等级", "维护级别", "所属区域",
                  "客户经理", "合作开始日期", "销售人员数", "重点联系人数", "备注"]
CHANNEL_ROWS = [
    ["CH001", "东区一店", "直供", "V1", "重点", "东区", "张伟", "2025-03-01", 5, 2, "老客户"],
    ["CH002", "", "直供", "V9", "一般", "东区", "张伟", "2025-03-05", 4, 7, None],
    ["CH003", "西区二店", "分销", "V2", "一般", "西区", "李娜", "2025/13/1", 3, 2, "新开"],
]
VISIT_HEADER = ["拜访日期", "客户经理", "渠道编码", "拜访对象", "拜访形式", "是否达成一致",
                "未达成原因", "后续计划", "跟进截止日期"]
VISIT_ROWS = [
    ["2025-06-02", "张伟", "CH001", "销售人员", "现场面谈", "是", None, None, None],
    ["2025-06-03", "张伟", "CH009", "渠道负责人", "电话", "否", "价格", None, "2025-07-10"],
]
AS_OF = date(2025, 6, 30)
# Parts the writer may rewrite: the sheets it writes to and what must name new parts.
OWNED = {"xl/workbook.xml", "xl/styles.xml", "xl/_rels/workbook.xml.rels",
         "[Content_Types].xml"}


def png() -> bytes:
    """A 1x1 red PNG."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))
    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00")) + chunk(b"IEND", b""))


@pytest.fixture
def rich_workbook(tmp_path: Path) -> Path:
    return write_rich_workbook(tmp_path / "rich.xlsx")


def write_rich_workbook(path: Path) -> Path:
    """A workbook with what staff put in theirs: chart, picture, data validation, a data
    bar, a table, notes, sparklines, defined names, hyperlinks."""
    image = path.with_name("logo.png")
    image.write_bytes(png())
    book = xlsxwriter.Workbook(str(path))
    channels = book.add_worksheet("渠道档案")
    channels.write_row(0, 0, CHANNEL_HEADER)
    for number, row in enumerate(CHANNEL_ROWS, start=1):
        channels.write_row(number, 0, row)
    channels.write_comment("A2", "张伟写的批注：重点客户")
    channels.data_validation("E2:E100", {"validate": "list", "source": ["重点", "一般"]})
    channels.conditional_format("I2:I4", {"type": "data_bar", "bar_solid": True})
    channels.write_url("K4", "https://example.com/store/3", string="新开")
    visits = book.add_worksheet("拜访日志")
    visits.write_row(0, 0, VISIT_HEADER)
    for number, visit in enumerate(VISIT_ROWS, start=1):
        visits.write_row(number, 0, visit)
    summary = book.add_worksheet("汇总")
    summary.add_table("A1:B4", {"data": [["东区", 10], ["西区", 20], ["南区", 5]],
                                "columns": [{"header": "区域"}, {"header": "销量"}]})
    chart = book.add_chart({"type": "column"})
    chart.add_series({"categories": "=汇总!$A$2:$A$4", "values": "=汇总!$B$2:$B$4"})
    summary.insert_chart("D2", chart)
    summary.insert_image("D20", str(image))
    summary.write_row("A8", [1, 2, 3, 4])
    summary.add_sparkline("E8", {"range": "汇总!A8:D8"})
    book.define_name("销量", "=汇总!$B$2:$B$4")
    book.close()
    return path


def parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def sheet_parts(path: Path) -> dict[str, str]:
    """Sheet name -> its part, for the sheets of the workbook."""
    book = openpyxl.load_workbook(path)
    return {sheet.title: f"xl/worksheets/sheet{index}.xml"
            for index, sheet in enumerate(book.worksheets, start=1)}


def mark_in_place(path: Path) -> int:
    result = CliRunner().invoke(cli, ["validate", str(path), "--mark", "--in-place",
                                      "--as-of", "2025-06-30", "--jobs", "1"])
    return result.exit_code


def test_in_place_keeps_every_part_it_does_not_own(rich_workbook: Path) -> None:
    before = parts(rich_workbook)
    written_sheets = {sheet_parts(rich_workbook)[name] for name in ("渠道档案", "拜访日志")}
    assert mark_in_place(rich_workbook) == 1
    after = parts(rich_workbook)
    sheet_rels = {f"xl/worksheets/_rels/{Path(part).name}.rels" for part in written_sheets}
    changed = {name for name in before if before[name] != after.get(name)}
    assert changed <= OWNED | written_sheets | sheet_rels
    assert set(before) <= set(after)
    added = set(after) - set(before)
    assert added and all("chantool" in name or name in sheet_rels for name in added), added


def test_a_part_not_changed_is_copied_deflated_as_it_was(rich_workbook: Path) -> None:
    """Its deflated bytes are copied, not inflated and deflated again (at another level)."""
    with zipfile.ZipFile(rich_workbook) as archive:
        originals = {info.filename: archive.read(info) for info in archive.infolist()}
    theme = "xl/theme/theme1.xml"
    with zipfile.ZipFile(rich_workbook, "w") as archive:  # deflated harder than chantool does
        for name, data in originals.items():
            archive.writestr(name, data, zipfile.ZIP_DEFLATED, compresslevel=9)
    with zipfile.ZipFile(rich_workbook) as archive:
        before = archive.getinfo(theme)
    start = before.header_offset + 30 + len(theme)  # no extra field: zipfile writes none
    deflated = rich_workbook.read_bytes()[start:start + before.compress_size]
    fastest = zlib.compressobj(1, zlib.DEFLATED, -zlib.MAX_WBITS)
    assert fastest.compress(originals[theme]) + fastest.flush() != deflated
    assert mark_in_place(rich_workbook) == 1
    with zipfile.ZipFile(rich_workbook) as archive:
        after = archive.getinfo(theme)
        assert archive.read(theme) == originals[theme]
    assert (after.CRC, after.compress_size) == (before.CRC, before.compress_size)
    assert deflated in rich_workbook.read_bytes()


def test_a_part_deflated_as_its_pieces_come_is_one_stream_of_its_bytes() -> None:
    # Pieces of every size, some repeating what came before them across a piece's border
    # (which deflate refers back to), written as the sheets' and the tables' pieces are.
    rng = random.Random(5)
    row = b"".join(b'<row r="%d"><c r="A%d" t="s"><v>%d</v></c></row>' % (n, n, n % 97)
                   for n in range(40_000))
    sizes = [0, 1, 70, 40_000, deflating._PIECE - 1, deflating._PIECE,
             3 * deflating._PIECE + 11, *(rng.randrange(1, 300_000) for _ in range(20))]
    pieces = [row[: size] if index % 2 else rng.randbytes(size)
              for index, size in enumerate(sizes)]
    data = b"".join(pieces)
    deflater = deflating.Deflater()
    for piece in pieces:
        deflater.write(memoryview(piece))
    deflated = deflater.close()
    source = deflating.Deflater(io.BytesIO(data))  # the source's bytes: unchanged
    for piece in pieces:
        source.write(piece)
    assert source.unchanged()
    changed = deflating.Deflater(io.BytesIO(data[:-1] + b"!"))
    for piece in pieces:
        changed.write(piece)
    assert not changed.unchanged()
    inflater = zlib.decompressobj(-zlib.MAX_WBITS)  # what Excel's zip reader reads
    assert inflater.decompress(deflated.data) == data and inflater.eof
    assert not inflater.unused_data
    assert (deflated.crc, deflated.size) == (zlib.crc32(data), len(data))


def test_pieces_deflated_apart_make_one_stream_of_the_parts_bytes() -> None:
    # A report's sheets: the rows deflated where they were made (another process), put
    # between the sheet's head and tail; empty pieces and pieces one after another too.
    rng = random.Random(7)
    parts = [rng.randbytes(rng.randrange(0, 200_000)) if index % 3 else
             b"<row/>" * rng.randrange(0, 50_000) for index in range(12)]
    deflater = deflating.Deflater()
    for index, part in enumerate(parts):
        if index % 2:
            deflater.add(deflating.deflated_piece(part))
        else:
            deflater.write(part)
    deflated = deflater.close()
    data = b"".join(parts)
    inflater = zlib.decompressobj(-zlib.MAX_WBITS)
    assert inflater.decompress(deflated.data) == data and inflater.eof
    assert not inflater.unused_data
    assert (deflated.crc, deflated.size) == (zlib.crc32(data), len(data))


def test_a_sheet_is_deflated_smaller_than_at_zlibs_fastest_level() -> None:
    sheet = b"".join(b'<row r="%d"><c r="A%d" t="s"><v>%d</v></c><c r="B%d"><v>%d.5</v></c>'
                     b"</row>" % (n, n, n % 97, n, n * 7) for n in range(100_000))
    deflater = deflating.Deflater()
    deflater.write(sheet)
    fastest = zlib.compressobj(1, zlib.DEFLATED, -zlib.MAX_WBITS)
    assert len(deflater.close().data) < len(fastest.compress(sheet) + fastest.flush())


def test_results_marks_and_issues_sheet_are_written(rich_workbook: Path) -> None:
    assert mark_in_place(rich_workbook) == 1
    book = openpyxl.load_workbook(rich_workbook)
    channels = book["渠道档案"]
    assert [c.value for c in channels[1]] == [*CHANNEL_HEADER, "校验结果"]
    assert channels["L3"].value == "错误 3"
    assert channels["L2"].value is None
    assert [c.value for c in channels[2]][:11] == CHANNEL_ROWS[0]
    ranges = {str(cf.sqref) for cf in channels.conditional_formatting}
    assert "B3 D3 H4 J3" in ranges
    issues = book["校验结果"]
    assert [c.value for c in issues[1]] == ["严重程度", "规则", "工作表", "单元格", "说明", "建议"]
    assert issues.max_row == 7
    assert issues["D2"].hyperlink.location == "'渠道档案'!B3"
    # the user's note stays the only note of that sheet; the visit log gets chantool's
    assert channels["A2"].comment.text == "张伟写的批注：重点客户"
    assert channels["B3"].comment is None
    assert "拜访对象" not in (book["拜访日志"]["C3"].comment.text or "")
    assert "CH009" in book["拜访日志"]["C3"].comment.text


def test_second_run_gives_exactly_the_same_bytes(rich_workbook: Path) -> None:
    mark_in_place(rich_workbook)
    first = rich_workbook.read_bytes()
    mark_in_place(rich_workbook)
    assert rich_workbook.read_bytes() == first


def test_fixed_data_loses_its_marks_and_keeps_one_result_column(rich_workbook: Path) -> None:
    mark_in_place(rich_workbook)
    book = openpyxl.load_workbook(rich_workbook)
    sheet = book["拜访日志"]
    sheet["C3"] = "CH002"
    sheet["H3"] = "下周再访"
    fixed = rich_workbook.with_name("fixed.xlsx")
    book.save(fixed)
    mark_in_place(fixed)
    again = openpyxl.load_workbook(fixed)["拜访日志"]
    assert [c.value for c in again[1]] == [*VISIT_HEADER, "校验结果"]
    assert again["J3"].value is None
    assert not list(again.conditional_formatting)


def test_out_writes_same_names_and_changes_no_original(
    rich_workbook: Path, tmp_path: Path
) -> None:
    before = rich_workbook.read_bytes()
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(rich_workbook, folder / "a.xlsx")
    (folder / "team").mkdir()
    shutil.copy(rich_workbook, folder / "team" / "b.xlsx")
    report = validate_files(plan_jobs([folder], out=tmp_path / "out"),
                            Options(as_of=date(2025, 6, 30), jobs=1))
    assert [f.status for f in report.files] == ["findings", "findings"]
    assert (tmp_path / "out" / "a.xlsx").exists()
    assert (tmp_path / "out" / "team" / "b.xlsx").exists()
    assert (folder / "a.xlsx").read_bytes() == before


def test_xlsm_stays_a_working_macro_workbook(tmp_path: Path) -> None:
    source = Path(xlwings.__file__).parent / "quickstart.xlsm"
    book = openpyxl.load_workbook(source, keep_vba=True)
    sheet = book.create_sheet("渠道档案")
    for row in [CHANNEL_HEADER, *CHANNEL_ROWS]:
        sheet.append(row)
    path = tmp_path / "macro.xlsm"
    book.save(path)
    before = parts(path)
    assert mark_in_place(path) == 1
    after = parts(path)
    assert after["xl/vbaProject.bin"] == before["xl/vbaProject.bin"]
    assert b"macroEnabled.main+xml" in after["[Content_Types].xml"]
    parser = VBA_Parser(str(path))
    modules = {name for _, _, name, _ in parser.extract_macros()}
    parser.close()
    assert any(name.endswith(".bas") for name in modules)


@needs_libreoffice
def test_libreoffice_opens_the_result_and_shows_the_written_values(
    rich_workbook: Path, tmp_path: Path
) -> None:
    mark_in_place(rich_workbook)
    out = tmp_path / "csv"
    libreoffice_convert(rich_workbook, out, CSV_EVERY_SHEET)
    channels = list(csv.reader((out / "rich-渠道档案.csv").open(encoding="utf-8")))
    assert channels[0][-1] == "校验结果"
    assert channels[2][-1] == "错误 3"
    issues = list(csv.reader((out / "rich-校验结果.csv").open(encoding="utf-8")))
    assert issues[0][:4] == ["严重程度", "规则", "工作表", "单元格"]
    assert len(issues) == 7


@needs_libreoffice
def test_text_with_spaces_at_either_end_keeps_them_and_only_such_text_says_so(
    rich_workbook: Path, tmp_path: Path
) -> None:
    texts: dict[int, Value] = {2: "甲乙", 3: " 前有空格", 4: "后有空格 ", 5: "换行\n"}
    mixed: dict[int, Value] = {2: 1.5, 3: " 空格", 4: "末尾 \x01"}  # a cell at a time
    plan = WritePlan((SheetResults("渠道档案", 1, (
        ResultColumn("说明", texts), ResultColumn("混合", mixed))),), ())
    target = tmp_path / "out.xlsx"
    write_plan(rich_workbook, target, plan)
    xml = parts(target)["xl/worksheets/sheet1.xml"]
    cells = dict(re.findall(rb'<c r="([LM]\d)"[^>]*>(.*?)</c>', xml, re.S))
    assert cells[b"L2"] == "<is><t>甲乙</t></is>".encode()
    assert cells[b"L3"] == '<is><t xml:space="preserve"> 前有空格</t></is>'.encode()
    assert cells[b"L4"] == '<is><t xml:space="preserve">后有空格 </t></is>'.encode()
    assert cells[b"L5"] == '<is><t xml:space="preserve">换行\n</t></is>'.encode()
    assert cells[b"M3"] == '<is><t xml:space="preserve"> 空格</t></is>'.encode()
    # A character XML cannot hold is dropped: the space before it ends the text.
    assert cells[b"M4"] == '<is><t xml:space="preserve">末尾 </t></is>'.encode()
    assert package_problems(target) == []
    out = tmp_path / "csv"
    libreoffice_convert(target, out, CSV_EVERY_SHEET)
    shown = list(csv.reader((out / "out-渠道档案.csv").open(encoding="utf-8", newline="")))
    assert [row[11] for row in shown[1:5]] == ["甲乙", " 前有空格", "后有空格 ", "换行\n"]
    assert (shown[2][12], shown[3][12]) == (" 空格", "末尾 ")


def test_rows_are_taken_where_the_probe_found_them_or_else_looked_for() -> None:
    xml = (b'<worksheet><dimension ref="A1:A5"/><sheetData><row r="1"><c r="A1"><v>1</v></c></row>'
           b'<row r="2" spans="1:1"><c r="A2"><v>2</v></c></row><row r="4"/>'
           b'<row r="5"><c r="A5"><v>5</v></c></row></sheetData></worksheet>')
    prefix, data, end = sheet_data(xml)
    assert data is not None
    probed = sheetxml.probe(xml, frozenset())
    starts = {number: xml.index(b'<row r="%d"' % number) for number in (1, 2, 4, 5)}
    assert probed == sheetxml.Probe(1, starts)
    looked_for = sheetxml._locate_rows(xml, prefix, data.end(), end, [2, 4, 5], {})
    assert looked_for is not None and [row.start for row in looked_for] == [
        starts[2], starts[4], starts[5]]
    for rows_at in (probed.rows_at, {2: 0, 4: starts[2], 5: 10**6}):  # found, out of place
        assert sheetxml._locate_rows(xml, prefix, data.end(), end, [2, 4, 5],
                                     rows_at) == looked_for


T = TypeVar("T")


def written_cold(source: Path, tmp_path: Path) -> tuple[list[RawSheet], WritePlan, Path]:
    """The sheets of ``source``, what ``validate --mark`` plans for them, and the plan
    written by a write that opens the file itself, at ``tmp_path/cold.xlsx``."""
    sheets = load(source, Options(as_of=AS_OF))
    book, findings = validate_book(sheets, as_of=AS_OF, lang="zh")
    plan = validation_plan(book, findings, "zh", marks=True)
    cold = tmp_path / "cold.xlsx"
    write_plan(source, cold, plan)
    return sheets, plan, cold


@pytest.mark.parametrize("forked", [False, pytest.param(True, marks=needs_fork)])
def test_a_workbook_opened_beforehand_is_written_from_to_the_same_bytes(
    rich_workbook: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, forked: bool
) -> None:
    """``writer.Opened`` probes the last column of the sheets the engine reads, ahead (in
    a thread, or in a file's child a large one in a child forked for it), and inflates
    them when asked, and ``write_plan`` of that file writes from it: the bytes are those
    of a write that opened the file itself, which it does again once it is closed."""
    monkeypatch.setattr(isolation, "_forked", forked)
    with zipfile.ZipFile(rich_workbook) as archive:
        sizes = {info.filename: info.file_size for info in archive.infolist()}
    # The larger sheet large enough to be probed in a child, the other not.
    larger = max(sizes[f"xl/worksheets/sheet{number}.xml"] for number in (1, 2))
    monkeypatch.setattr(writer, "_PROBE_ASIDE_BYTES", larger)
    sheets, plan, cold = written_cold(rich_workbook, tmp_path)
    with Opened(rich_workbook, {sheet.name for sheet in sheets}) as opened:
        probes = opened.writer.probes
        assert {part: isinstance(probing, isolation.Beside) for part, probing in probes.items()
                } == {part: forked and sizes[part] == larger for part in probes}
        ahead = {part: probing.result() for part, probing in probes.items()}
        assert {part: probed and probed.last_column for part, probed in ahead.items()} == {
            "xl/worksheets/sheet1.xml": 11, "xl/worksheets/sheet2.xml": 9}
        channels = read_parts(rich_workbook)["xl/worksheets/sheet1.xml"]
        rows_at = ahead["xl/worksheets/sheet1.xml"].rows_at  # type: ignore[union-attr]
        assert len(rows_at) > 3 and rows_at == {
            number: channels.index(b'<row r="%d"' % number) for number in rows_at}
        assert Opened.of(rich_workbook) is opened
        # As a write soon after the reading asks: only the sheets named.
        opened.inflate_ahead({sheets[0].name, "其他"})
        sources = opened.writer.sources
        assert list(sources) == ["xl/worksheets/sheet1.xml"]
        opened.inflate_ahead({sheet.name for sheet in sheets})
        assert {part: source.result() for part, source in sources.items()} == {
            part: data for part, data in read_parts(rich_workbook).items() if part in ahead}
        warm = tmp_path / "warm.xlsx"
        write_plan(rich_workbook, warm, plan)
        assert not sources  # written from them
    assert warm.read_bytes() == cold.read_bytes()
    with Opened.of(rich_workbook) as again:
        assert again is not opened and not again.writer.probes


@needs_fork
def test_a_probe_forked_beside_reads_the_file_anew_and_only_the_part_that_was_opened(
    rich_workbook: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A forked probe reads the file by its path (its position is this process's too): a
    file replaced meanwhile, whose sheet is another, gives no probe, and the sheet is
    written from the file that was opened, as a write without a probe writes it. A probe
    not collected ends with the workbook closed."""
    monkeypatch.setattr(isolation, "_forked", True)
    monkeypatch.setattr(writer, "_PROBE_ASIDE_BYTES", 0)
    source = tmp_path / "book.xlsx"
    shutil.copyfile(rich_workbook, source)
    sheets, plan, cold = written_cold(source, tmp_path)
    parent, replaced = os.getpid(), tmp_path / "replaced"

    class Waiting(package.Package):  # in the probe's child, until the file is replaced
        def __init__(self, *arguments: Any) -> None:
            for _ in range(500):
                if os.getpid() == parent or replaced.exists():
                    break
                time.sleep(0.01)
            super().__init__(*arguments)

    monkeypatch.setattr(package, "Package", Waiting)
    with Opened(source, {sheet.name for sheet in sheets}) as opened:
        other = tmp_path / "other.xlsx"
        parts = read_parts(rich_workbook)
        parts["xl/worksheets/sheet1.xml"] = parts["xl/worksheets/sheet1.xml"].replace(
            b"<sheetData>", b'<sheetData><row r="999"/>', 1)
        with zipfile.ZipFile(other, "w") as out:
            for name, data in parts.items():
                out.writestr(name, data)
        other.replace(source)
        replaced.touch()
        probes = opened.writer.probes
        assert [probes[part].result() is None for part in sorted(probes)] == [True, False]
        warm = tmp_path / "warm.xlsx"
        write_plan(source, warm, plan)
    assert warm.read_bytes() == cold.read_bytes()
    with Opened(source, {sheet.name for sheet in sheets}) as opened:
        probing = opened.writer.probes["xl/worksheets/sheet1.xml"]
        assert isinstance(probing, isolation.Beside) and probing.started
    assert not probing.started  # cancelled, and its child waited for


@needs_fork
def test_a_probe_still_running_when_the_sheet_is_written_is_ended_and_not_waited_for(
    rich_workbook: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A probe's child is niced: where it finds no idle core for long, the write does
    not wait for it, but ends it, and the edit looks for itself (the same bytes)."""
    monkeypatch.setattr(isolation, "_forked", True)
    monkeypatch.setattr(writer, "_PROBE_ASIDE_BYTES", 0)
    sheets, plan, cold = written_cold(rich_workbook, tmp_path)
    parent = os.getpid()
    slow = sheetxml.probe

    def starved(xml: bytes, old_columns: frozenset[int]) -> sheetxml.Probe:
        if os.getpid() != parent:
            time.sleep(60)
        return slow(xml, old_columns)

    monkeypatch.setattr(writer, "probe", starved)
    started = time.monotonic()
    with Opened(rich_workbook, {sheet.name for sheet in sheets}) as opened:
        probes = list(opened.writer.probes.values())
        assert all(isinstance(probing, isolation.Beside) and probing.started
                   for probing in probes)
        warm = tmp_path / "warm.xlsx"
        write_plan(rich_workbook, warm, plan)
        assert not any(isinstance(probing, isolation.Beside) and probing.started
                       for probing in probes)  # ended, their children waited for
    assert time.monotonic() - started < 30
    assert warm.read_bytes() == cold.read_bytes()


@needs_fork
def test_probes_started_end_when_the_workbook_cannot_be_opened_for_writing(
    rich_workbook: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Opening a workbook to write into that fails after a probe's child was started
    (no thread to be had for the next sheet's probe, say) ends that child."""
    monkeypatch.setattr(isolation, "_forked", True)
    with zipfile.ZipFile(rich_workbook) as archive:
        first, second = (archive.getinfo(f"xl/worksheets/sheet{number}.xml").file_size
                         for number in (1, 2))
    assert first > second  # the first probed in a child, the second in a thread
    monkeypatch.setattr(writer, "_PROBE_ASIDE_BYTES", first)
    made: list[isolation.Beside[Any]] = []

    class Kept(isolation.Beside[T]):
        def __init__(self, work: Callable[[], T], **options: Any) -> None:
            super().__init__(work, **options)
            made.append(self)

    def no_thread(*_: Any, **__: Any) -> Any:
        raise RuntimeError("can't start new thread")

    monkeypatch.setattr(isolation, "Beside", Kept)
    monkeypatch.setattr(ThreadPoolExecutor, "submit", no_thread)
    with pytest.raises(RuntimeError):
        Opened(rich_workbook, {"渠道档案", "拜访日志"})
    assert len(made) == 1 and not made[0].started  # ended, its child waited for
    assert rich_workbook not in Opened._open


def test_validating_with_a_target_reads_its_sheets_for_writing_meanwhile(
    rich_workbook: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    options = Options(as_of=AS_OF)
    while_validating: list[set[str]] = []

    def validate(sheets: list[RawSheet], **arguments: Any) -> Any:
        while_validating.append(set(Opened._open[rich_workbook].writer.probes))
        return validate_book(sheets, **arguments)

    monkeypatch.setattr(check, "validate_book", validate)
    target = tmp_path / "out.xlsx"
    result = check.check_file(Job(rich_workbook, target), options,
                              partial(load, rich_workbook, options), mark=True)
    assert while_validating == [{"xl/worksheets/sheet1.xml", "xl/worksheets/sheet2.xml"}]
    assert "not_written" not in {finding.code for finding in result.findings}
    assert openpyxl.load_workbook(target)["渠道档案"]["L1"].value == "校验结果"
    assert not Opened._open  # closed once written


# --- workbooks at Excel's limits, and as other writers write them -------------------------

EXAMPLE = Path(__file__).parent.parent / "examples" / "宁波办事处_渠道台账_2025年6月.xlsx"


def _rewritten(path: Path, part: str, change: Any) -> Path:
    """The workbook with one part's XML text changed by ``change``."""
    parts = read_parts(EXAMPLE)
    parts[part] = change(parts[part].decode()).encode()
    write_parts(path, parts)
    return path


def _validate_in_place(path: Path) -> Any:
    return CliRunner().invoke(cli, ["validate", str(path), "--in-place", "--as-of",
                                    "2025-06-29", "--format", "json"])


def test_no_result_column_is_written_beyond_excels_last_column(tmp_path: Path) -> None:
    def remark_in_xfd(xml: str) -> str:
        end = xml.index("</row>", xml.index('<row r="2"'))
        return xml[:end] + '<c r="XFD2" t="inlineStr"><is><t>备注</t></is></c>' + xml[end:]

    book = _rewritten(tmp_path / "book.xlsx", "xl/worksheets/sheet2.xml", remark_in_xfd)
    original = book.read_bytes()
    result = _validate_in_place(book)
    (problem,) = [f for f in json.loads(result.stdout)["files"][0]["findings"]
                  if f["code"] == "not_written"]
    assert "没有空列写结果" in problem["message"] and "渠道档案" in problem["message"]
    assert book.read_bytes() == original


def test_sheet_names_written_as_character_references_are_read_as_names(
        tmp_path: Path) -> None:
    referenced = "".join(f"&#{ord(char)};" for char in "渠道档案")
    book = _rewritten(tmp_path / "book.xlsx", "xl/workbook.xml",
                      lambda xml: xml.replace('name="渠道档案"', f'name="{referenced}"'))
    result = _validate_in_place(book)
    assert not [f for f in json.loads(result.stdout)["files"][0]["findings"]
                if f["code"] == "not_written"]
    assert "校验结果" in openpyxl.load_workbook(book).sheetnames


def test_a_copy_of_the_issues_sheet_made_before_it_is_left_alone(tmp_path: Path) -> None:
    """Excel's Move or Copy copies a sheet with its sheet-scoped names: chantool's own
    sheet is the one on its relationship id, wherever the copy is."""
    book = tmp_path / "book.xlsx"
    shutil.copy(EXAMPLE, book)
    assert _validate_in_place(book).exit_code in (0, 1)
    parts = read_parts(book)
    workbook = parts["xl/workbook.xml"].decode()
    position = openpyxl.load_workbook(book).sheetnames.index("校验结果")
    generated = re.search(rf'<definedName name="_chantool_generated" '
                          rf'localSheetId="{position}"[^>]*>[^<]*</definedName>', workbook)
    assert generated is not None
    copied = generated[0].replace(f'"{position}"', f'"{position + 1}"')  # the original's, moved
    workbook = workbook.replace(generated[0], generated[0] + copied).replace(
        '<sheet name="校验结果"', '<sheet name="校验结果 (2)" sheetId="99" '
        'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships" '
        'r:id="rIdCopy"/><sheet name="校验结果"')
    parts["xl/workbook.xml"] = workbook.encode()
    parts["xl/_rels/workbook.xml.rels"] = parts["xl/_rels/workbook.xml.rels"].replace(
        b"</Relationships>", b'<Relationship Id="rIdCopy" Type="http://schemas.openxmlformats'
        b'.org/officeDocument/2006/relationships/worksheet" Target="worksheets/copy.xml"/>'
        b"</Relationships>")
    parts["xl/worksheets/copy.xml"] = parts["xl/worksheets/chantool_issues.xml"]
    parts["[Content_Types].xml"] = parts["[Content_Types].xml"].replace(
        b"</Types>", b'<Override PartName="/xl/worksheets/copy.xml" ContentType="application/'
        b'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>')
    write_parts(book, parts)

    english = CliRunner().invoke(cli, ["validate", str(book), "--in-place", "--lang", "en",
                                       "--as-of", "2025-06-29"])
    assert english.exit_code in (0, 1), english.output
    read = openpyxl.load_workbook(book)
    assert read["校验结果 (2)"]["A1"].value == "严重程度"  # the user's copy, as it was
    assert "Issues" in read.sheetnames and read["Issues"]["A1"].value == "Severity"


def test_results_in_a_worksheet_whose_elements_carry_a_prefix_are_in_its_namespace(
        tmp_path: Path) -> None:
    """Some exporters write ``<x:worksheet xmlns:x="…main">``: chantool's cells there are
    in that namespace too, or Excel repairs the file."""
    def prefixed(xml: str) -> str:
        xml = re.sub(r"<(/?)([A-Za-z]\w*)(?=[\s/>])", r"<\1x:\2", xml)
        return xml.replace('<x:worksheet xmlns="', '<x:worksheet xmlns:x="', 1)

    book = _rewritten(tmp_path / "book.xlsx", "xl/worksheets/sheet2.xml", prefixed)
    assert package_problems(book) == []
    result = _validate_in_place(book)
    assert not [f for f in json.loads(result.stdout)["files"][0]["findings"]
                if f["code"] == "not_written"]
    assert package_problems(book) == []
    assert openpyxl.load_workbook(book)["渠道档案"]["P2"].value == "校验结果"  # its header row
    # A second run finds the first run's results there, in rows it gives none too.
    runs: tuple[dict[int, Value], ...] = ({3: 1.5, 4: 3.0, 5: 4.5}, {3: 9.0})
    first, second = (WritePlan((SheetResults("渠道档案", 2, (ResultColumn("值", values),)),), ())
                     for values in runs)
    again = tmp_path / "again.xlsx"
    write_plan(book, again, first)
    write_plan(again, book, second)
    cells = openpyxl.load_workbook(book)["渠道档案"]
    assert [cells[f"P{row}"].value for row in (2, 3, 4, 5)] == ["值", 9.0, None, None]
    assert package_problems(book) == []


def test_a_second_run_finds_the_first_runs_results_however_their_attributes_are_spaced(
        tmp_path: Path) -> None:
    runs: tuple[dict[int, Value], ...] = ({3: 1.5, 4: 3.0, 5: 4.5}, {3: 9.0})
    first, second = (WritePlan((SheetResults("渠道档案", 2, (ResultColumn("值", values),)),), ())
                     for values in runs)
    once, twice = tmp_path / "once.xlsx", tmp_path / "twice.xlsx"
    write_plan(EXAMPLE, once, first)
    parts = read_parts(once)
    part = "xl/worksheets/sheet2.xml"
    parts[part], count = re.subn(rb'<c r="(P[345]")', b'<c\nr="\\1', parts[part])
    assert count == 3  # a line break between a cell's name and its address
    write_parts(once, parts)
    write_plan(once, twice, second)
    cells = openpyxl.load_workbook(twice)["渠道档案"]
    assert [cells[f"P{row}"].value for row in (2, 3, 4, 5)] == ["值", 9.0, None, None]


def test_a_generated_sheet_a_formula_refers_to_keeps_its_name_in_the_other_language(
        tmp_path: Path) -> None:
    book = tmp_path / "book.xlsx"
    shutil.copy(EXAMPLE, book)
    assert _validate_in_place(book).exit_code in (0, 1)
    workbook = openpyxl.load_workbook(book)
    workbook["说明"]["Z1"] = "=COUNTA(校验结果!A:A)-1"  # the user counts chantool's findings
    workbook.save(book)
    english = CliRunner().invoke(cli, ["validate", str(book), "--in-place", "--lang", "en",
                                       "--as-of", "2025-06-29"])
    assert english.exit_code in (0, 1), english.output
    read = openpyxl.load_workbook(book)
    assert "校验结果" in read.sheetnames and "Issues" not in read.sheetnames
    assert read["校验结果"]["A1"].value == "Severity"  # its content in the run's language
    assert read["说明"]["Z1"].value == "=COUNTA(校验结果!A:A)-1"


def _insert_column(book: Path, sheet_part: str, position: int, column: int,
                   cells: dict[int, str]) -> None:
    """What Excel's Insert Column does to chantool's names and cells: the cells from
    ``column`` (1-based) on move one column right, and so does each area of the sheet's
    ``_chantool_results`` name (localSheetId ``position``) that starts there, while one
    that spans it widens; then the user types ``cells`` (row: text) into the new column."""
    from chantool.table import column_index, column_letter

    parts = read_parts(book)

    def moved(letters: str) -> str:
        index = column_index(letters)
        return column_letter(index if index >= column else index - 1)

    def area(found: re.Match[str]) -> str:
        first, last = column_index(found[1]), column_index(found[2])
        first, last = (first + 1 if first >= column else first), (
            last + 1 if last >= column else last)
        return f"!${column_letter(first - 1)}:${column_letter(last - 1)}"

    sheet = re.sub(r'(<c r=")([A-Z]+)(\d+")', lambda found: found[1] + moved(found[2])
                   + found[3], parts[sheet_part].decode())
    letter = column_letter(column - 1)
    for row, text in cells.items():
        end = sheet.index("</row>", sheet.index(f'<row r="{row}"'))
        cell = f'<c r="{letter}{row}" t="inlineStr"><is><t>{text}</t></is></c>'
        sheet = sheet[:end] + cell + sheet[end:]
    # Cells in column order within each row, as Excel keeps them.
    sheet = re.sub(r"(<row\b[^>]*>)(.*?)(</row>)", lambda found: found[1] + "".join(sorted(
        re.findall(r"<c\b.*?(?:/>|</c>)", found[2]), key=lambda cell: column_index(
            re.match(r'<c r="([A-Z]+)', cell)[1]))) + found[3], sheet)  # type: ignore[index]
    parts[sheet_part] = sheet.encode()
    workbook = parts["xl/workbook.xml"].decode()
    named = re.search(rf'(<definedName name="_chantool_results" localSheetId="{position}"'
                      rf'[^>]*>)([^<]*)', workbook)
    assert named is not None
    workbook = workbook.replace(named[0], named[1] + re.sub(
        r"!\$([A-Z]+):\$([A-Z]+)", area, named[2]))
    parts["xl/workbook.xml"] = workbook.encode()
    write_parts(book, parts)


def test_a_column_the_user_inserts_among_chantools_results_is_kept(tmp_path: Path) -> None:
    book = tmp_path / "book.xlsx"
    shutil.copy(EXAMPLE, book)

    def score_in_place() -> None:
        result = CliRunner().invoke(cli, ["score", str(book), "--in-place", "--as-of",
                                          "2025-06-29"])
        assert result.exit_code in (0, 1), result.output

    score_in_place()
    position = openpyxl.load_workbook(book).sheetnames.index("渠道档案")
    _insert_column(book, "xl/worksheets/sheet2.xml", position, column=18,  # R
                   cells={2: "我的备注", 3: "已回访，数据无误"})
    score_in_place()
    written = openpyxl.load_workbook(book)["渠道档案"]
    kept = [row for row in written.iter_rows(min_row=2, max_row=3, values_only=True)]
    assert [row for row in kept if "我的备注" in row or "已回访，数据无误" in row] == kept
    assert package_problems(book) == []
