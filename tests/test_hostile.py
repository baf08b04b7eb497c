"""Files chantool did not make: each hostile file is refused with its own reason, quickly
and in little memory, and the rest of the batch is validated normally."""

from __future__ import annotations

import io
import resource
import time
import zipfile
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
import xlwt
from msoffcrypto.format.ooxml import OOXMLFile

from chantool.batch import Options, plan_jobs, validate_files
from chantool.findings import reason_text
from chantool.io.preflight import preflight
from chantool.settings import Limits
from chantool.table import wanted
from tests.conftest import MakeWorkbook

CHANNELS = [["渠道编码", "渠道名称", "渠道类型", "渠道等级", "维护级别", "所属区域", "客户经理",
             "合作开始日期"],
            ["CH001", "东区一店", "直供", "V1", "重点", "东区", "张伟", "2025-03-01"]]
SHEET_XML = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
             '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
             "<sheetData>{rows}</sheetData></worksheet>")


def _rewrite(source: Path, target: Path, changes: dict[str, bytes]) -> Path:
    """A copy of ``source`` with some parts replaced or added."""
    with zipfile.ZipFile(source) as original, zipfile.ZipFile(target, "w",
                                                              zipfile.ZIP_DEFLATED) as out:
        for info in original.infolist():
            out.writestr(info.filename, changes.pop(info.filename, original.read(info)))
        for name, data in changes.items():
            out.writestr(name, data)
    return target


@pytest.fixture
def good(make_workbook: MakeWorkbook) -> Path:
    return make_workbook({"渠道档案": CHANNELS}, name="good.xlsx")


def _sheet_part(path: Path) -> str:
    with zipfile.ZipFile(path) as archive:
        return next(n for n in archive.namelist() if n.startswith("xl/worksheets/sheet"))


def empty(tmp: Path, good: Path) -> Path:
    (tmp / "empty.xlsx").write_bytes(b"")
    return tmp / "empty.xlsx"


def csv_renamed(tmp: Path, good: Path) -> Path:
    path = tmp / "csv.xlsx"
    path.write_text("渠道编码,渠道名称\nCH001,东区一店\n", encoding="gb18030")
    return path


def legacy_xls(tmp: Path, good: Path) -> Path:
    book = xlwt.Workbook()
    book.add_sheet("渠道档案").write(0, 0, "渠道编码")
    path = tmp / "legacy.xlsx"
    book.save(str(path))
    return path


def encrypted(tmp: Path, good: Path) -> Path:
    path = tmp / "encrypted.xlsx"
    with good.open("rb") as plain, path.open("wb") as locked:
        OOXMLFile(plain).encrypt("secret", locked)
    return path


def xlsb(tmp: Path, good: Path) -> Path:
    path = tmp / "binary.xlsx"
    rels = ('<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/'
            'package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.'
            'openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
            'Target="xl/workbook.bin"/></Relationships>')
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("_rels/.rels", rels)
        archive.writestr("xl/workbook.bin", b"\x83\x01\x00")
    return path


def truncated(tmp: Path, good: Path) -> Path:
    data = good.read_bytes()
    path = tmp / "truncated.xlsx"
    path.write_bytes(data[: len(data) // 2])
    return path


def xxe(tmp: Path, good: Path) -> Path:
    sheet = ('<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
             + SHEET_XML.split("?>", 1)[1].format(rows='<row r="1"><c r="A1" t="inlineStr">'
                                                      "<is><t>&x;</t></is></c></row>"))
    return _rewrite(good, tmp / "xxe.xlsx", {_sheet_part(good): sheet.encode()})


def entity_bomb(tmp: Path, good: Path) -> Path:
    entities = '<!ENTITY e0 "lol">' + "".join(
        f'<!ENTITY e{i} "{f"&e{i - 1};" * 10}">' for i in range(1, 10))
    sheet = f'<?xml version="1.0"?><!DOCTYPE lolz [{entities}]><worksheet/>'
    return _rewrite(good, tmp / "bomb_entities.xlsx", {"xl/styles.xml": sheet.encode()})


def zip_bomb(tmp: Path, good: Path) -> Path:
    """One part that unpacks to 528 MiB of zeros, over the 512 MiB per-part limit."""
    path = _rewrite(good, tmp / "bomb_zip.xlsx", {})
    with zipfile.ZipFile(path, "a", zipfile.ZIP_DEFLATED) as archive, \
            archive.open("xl/media/padding.bin", "w", force_zip64=True) as part:
        chunk = bytes(1 << 24)
        for _ in range(528 >> 4):
            part.write(chunk)
    return path


def compression_ratio(tmp: Path, good: Path) -> Path:
    """A 20 MB part packed about 1000:1, over the 200:1 limit for parts above 10 MB."""
    return _rewrite(good, tmp / "ratio.xlsx", {"xl/media/padding.bin": bytes(20_000_000)})


def shared_strings(tmp: Path, good: Path) -> Path:
    table = ('<?xml version="1.0"?><sst xmlns="http://schemas.openxmlformats.org/'
             'spreadsheetml/2006/main" count="2000000000" uniqueCount="2000000000">'
             "<si><t>x</t></si></sst>")
    return _rewrite(good, tmp / "strings.xlsx", {"xl/sharedStrings.xml": table.encode()})


def _far_cell(tmp: Path, good: Path, cell: str) -> Path:
    row = cell.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
    rows = ('<row r="1"><c r="A1" t="inlineStr"><is><t>渠道编码</t></is></c></row>'
            f'<row r="{row}"><c r="{cell}"><v>1</v></c></row>')
    sheet = SHEET_XML.format(rows=rows).encode()
    return _rewrite(good, tmp / f"{cell}.xlsx", {_sheet_part(good): sheet})


def last_cell(tmp: Path, good: Path) -> Path:
    """A cell at XFD1048576: python-calamine aborts the whole process on this one."""
    return _far_cell(tmp, good, "XFD1048576")


def out_of_grid(tmp: Path, good: Path) -> Path:
    """A cell right of column XFD, which no Excel has."""
    return _far_cell(tmp, good, "XFE1")


HOSTILE: dict[str, tuple[Callable[[Path, Path], Path], str]] = {
    "empty": (empty, "文件是空的"),
    "csv renamed": (csv_renamed, "文本/CSV 文件"),
    "legacy xls": (legacy_xls, "97-2003 (.xls)"),
    "encrypted": (encrypted, "打开密码"),
    "xlsb": (xlsb, ".xlsb"),
    "truncated zip": (truncated, "不是完整的 zip"),
    "xxe": (xxe, "DTD/实体声明"),
    "entity bomb": (entity_bomb, "DTD/实体声明"),
    "zip bomb": (zip_bomb, "超过上限 512.0 MB"),
    "compression ratio": (compression_ratio, "压缩比"),
    "shared strings": (shared_strings, "共享字符串表"),
    "cell at XFD1048576": (last_cell, "个单元格，超过上限"),
    "out of grid": (out_of_grid, "超出 Excel 的范围"),
}


@pytest.mark.parametrize("kind", HOSTILE)
def test_hostile_file_is_refused_with_its_reason_and_the_batch_goes_on(
    kind: str, good: Path, tmp_path: Path
) -> None:
    make, reason = HOSTILE[kind]
    hostile = make(tmp_path, good)
    started = time.monotonic()
    report = validate_files(plan_jobs([hostile, good]),
                            Options(as_of=date(2025, 6, 30), jobs=2))
    elapsed = time.monotonic() - started
    bad, fine = report.files
    assert bad.status == "unreadable"
    assert bad.reason is not None and reason in bad.reason
    assert fine.status == "ok"
    assert elapsed < 5
    peak_mib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    assert peak_mib < 500


def test_total_unpacked_size_limit_is_a_setting(good: Path, tmp_path: Path) -> None:
    path = _rewrite(good, tmp_path / "big.xlsx", {"xl/media/a.bin": bytes(3_000_000),
                                                 "xl/media/b.bin": bytes(3_000_000)})
    limits = Limits(max_unpacked_bytes=5_000_000)
    refusal = preflight(path, limits, wanted)
    assert refusal is not None and refusal.code == "bomb_total"
    assert preflight(path, Limits(), wanted) is None


def test_a_sound_workbook_passes_the_preflight(good: Path) -> None:
    assert preflight(good, Limits(), wanted) is None


def test_text_with_a_character_cut_at_the_sample_end_is_still_text(tmp_path: Path) -> None:
    path = tmp_path / "long.xlsx"
    path.write_bytes(("渠道" * 3000).encode("utf-8")[:4095] + b"x")
    refusal = preflight(path, Limits(), wanted)
    assert refusal is not None and refusal.code == "text_file"


def test_binary_garbage_is_not_a_workbook(tmp_path: Path) -> None:
    path = tmp_path / "noise.xlsx"
    path.write_bytes(bytes(range(256)) * 4)
    refusal = preflight(path, Limits(), wanted)
    assert refusal is not None and refusal.code == "not_xlsx_binary"


def test_zip_without_a_workbook_part_is_not_a_workbook(tmp_path: Path) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("word/document.xml", "<w/>")
    path = tmp_path / "document.xlsx"
    path.write_bytes(buffer.getvalue())
    refusal = preflight(path, Limits(), wanted)
    assert refusal is not None and refusal.code == "not_a_workbook"


@pytest.mark.parametrize(("name", "code", "words"), [
    pytest.param("清单.txt", "plain_text", "文本文件（.txt）", id="txt"),
    pytest.param("清单.csv", "csv_file", "CSV 文件", id="csv"),
    pytest.param("清单.xlsx", "text_file", "扩展名为 Excel", id="excel_name"),
])
def test_a_text_file_is_named_for_what_it_is(tmp_path: Path, name: str, code: str,
                                             words: str) -> None:
    path = tmp_path / name
    path.write_text("渠道编码,渠道名称\nCH001,一店\n", encoding="utf-8")
    refusal = preflight(path, Limits(), wanted)
    assert refusal is not None and refusal.code == code
    assert words in reason_text(refusal.code, "zh", **refusal.fields)
    assert ("CSV" in reason_text(refusal.code, "zh")) == (code != "plain_text")


@pytest.mark.parametrize("padding", [0, 2_000, 30_000])
def test_a_prolog_is_read_as_far_as_its_root_s_start_tag_however_long(
    padding: int, good: Path, tmp_path: Path
) -> None:
    # The preflight decompresses a part's first kilobyte, then whole chunks: a declaration
    # after a long comment, or a count at the end of a long start tag, is still found.
    comment = f"<!--{'x' * padding}-->"
    declared = ('<?xml version="1.0"?>' + comment
                + '<!DOCTYPE r [<!ENTITY x "y">]><styleSheet/>')
    path = _rewrite(good, tmp_path / "late_dtd.xlsx", {"xl/styles.xml": declared.encode()})
    refusal = preflight(path, Limits(), wanted)
    assert refusal is not None and refusal.code == "dtd"
    table = ('<?xml version="1.0"?><sst xmlns="http://schemas.openxmlformats.org/'
             f'spreadsheetml/2006/main" pad="{"x" * padding}" uniqueCount="2000000000">'
             "<si><t>x</t></si></sst>")
    path = _rewrite(good, tmp_path / "late_count.xlsx", {"xl/sharedStrings.xml": table.encode()})
    refusal = preflight(path, Limits(), wanted)
    assert refusal is not None and refusal.code == "shared_strings"
