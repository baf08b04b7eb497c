"""Every workbook python-calamine reads is read: a zip whose entry names use backslashes
(``xl\\workbook.xml``, as a Chinese reporting system exports them) and a Strict Open XML
workbook (Excel's "Strict Open XML Spreadsheet"), both made here part by part. chantool
finds in them what it finds in the same data saved ordinarily, and writes them back as
ordinary packages Excel opens without repair; a hostile part is still refused."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from python_calamine import CalamineWorkbook

from chantool.cli import cli
from tests.conftest import MakeWorkbook
from tests.ooxml import package_problems

HEADER = ["渠道编码", "渠道名称", "渠道类型", "渠道等级", "维护级别", "所属区域", "客户经理",
          "合作开始日期"]
ROWS = [["CH001", "东区一店", "直供", "V1", "重点", "东区", "张伟", "2025-03-01"],
        ["CH002", "", "直供", "V9", "一般", "东区", "张伟", "2025-03-05"]]
STRICT_MAIN = "http://purl.oclc.org/ooxml/spreadsheetml/main"
STRICT_REL = "http://purl.oclc.org/ooxml/officeDocument/relationships"
PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
CT = "application/vnd.openxmlformats-officedocument.spreadsheetml"


def _column(index: int) -> str:
    return chr(ord("A") + index)


def strict_workbook(path: Path) -> Path:
    """The sheet 渠道档案 as Excel saves it as Strict Open XML: purl.oclc.org namespaces
    and relationship types, conformance="strict", shared strings."""
    strings: list[str] = []
    rows = []
    for number, row in enumerate([HEADER, *ROWS], start=1):
        cells = []
        for index, value in enumerate(row):
            if value == "":
                continue
            if value not in strings:
                strings.append(value)
            cells.append(f'<c r="{_column(index)}{number}" t="s"><v>{strings.index(value)}</v></c>')
        rows.append(f'<row r="{number}">{"".join(cells)}</row>')
    shared = "".join(f"<si><t>{text}</t></si>" for text in strings)
    parts = {
        "[Content_Types].xml":
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Types xmlns="http://'
            'schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" '
            'ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default '
            'Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml"'
            f' ContentType="{CT}.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" '
            f'ContentType="{CT}.worksheet+xml"/><Override PartName="/xl/styles.xml" ContentType='
            f'"{CT}.styles+xml"/><Override PartName="/xl/sharedStrings.xml" ContentType="'
            f'{CT}.sharedStrings+xml"/><Override PartName="/docProps/app.xml" ContentType="'
            'application/vnd.openxmlformats-officedocument.extended-properties+xml"/></Types>',
        "_rels/.rels":
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="'
            f'{PKG_REL}"><Relationship Id="rId1" Type="{STRICT_REL}/officeDocument" Target="xl/'
            f'workbook.xml"/><Relationship Id="rId2" Type="{STRICT_REL}/extendedProperties" '
            'Target="docProps/app.xml"/></Relationships>',
        "docProps/app.xml":
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Properties xmlns="http://'
            'purl.oclc.org/ooxml/officeDocument/extendedProperties"><Application>Microsoft '
            "Excel</Application></Properties>",
        "xl/workbook.xml":
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<workbook xmlns="'
            f'{STRICT_MAIN}" xmlns:r="{STRICT_REL}" conformance="strict"><workbookPr '
            'dateCompatibility="0"/><sheets><sheet name="渠道档案" sheetId="1" r:id="rId1"/>'
            "</sheets></workbook>",
        "xl/_rels/workbook.xml.rels":
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="'
            f'{PKG_REL}"><Relationship Id="rId1" Type="{STRICT_REL}/worksheet" Target='
            f'"worksheets/sheet1.xml"/><Relationship Id="rId2" Type="{STRICT_REL}/styles" '
            f'Target="styles.xml"/><Relationship Id="rId3" Type="{STRICT_REL}/sharedStrings" '
            'Target="sharedStrings.xml"/></Relationships>',
        "xl/worksheets/sheet1.xml":
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="'
            f'{STRICT_MAIN}" xmlns:r="{STRICT_REL}"><dimension ref="A1:H3"/><sheetData>'
            f'{"".join(rows)}</sheetData></worksheet>',
        "xl/styles.xml":
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<styleSheet xmlns="'
            f'{STRICT_MAIN}"><fonts count="1"><font><sz val="11"/><name val="Calibri"/></font>'
            '</fonts><fills count="2"><fill><patternFill patternType="none"/></fill><fill>'
            '<patternFill patternType="gray125"/></fill></fills><borders count="1"><border/>'
            '</borders><cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" '
            'borderId="0"/></cellStyleXfs><cellXfs count="1"><xf numFmtId="0" fontId="0" '
            'fillId="0" borderId="0" xfId="0"/></cellXfs></styleSheet>',
        "xl/sharedStrings.xml":
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<sst xmlns="{STRICT_MAIN}"'
            f' count="{len(strings)}" uniqueCount="{len(strings)}">{shared}</sst>',
    }
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in parts.items():
            archive.writestr(name, text.encode())
    return path


def with_backslashes(source: Path, path: Path) -> Path:
    """``source`` with every entry name written with backslashes."""
    with zipfile.ZipFile(source) as original, zipfile.ZipFile(path, "w",
                                                              zipfile.ZIP_DEFLATED) as out:
        for info in original.infolist():
            out.writestr(info.filename.replace("/", "\\"), original.read(info))
    return path


@pytest.fixture
def ordinary(make_workbook: MakeWorkbook) -> Path:
    return make_workbook({"渠道档案": [HEADER, *ROWS]}, name="ordinary.xlsx")


def findings(path: Path) -> list[tuple[str, str]]:
    result = CliRunner().invoke(cli, ["validate", str(path), "--format", "json",
                                      "--as-of", "2025-06-30"])
    (file,) = json.loads(result.output)["files"]
    assert file["status"] == "findings", file
    return [(finding["code"], finding["cell"]) for finding in file["findings"]]


FOREIGN = {
    "backslashes": lambda tmp, ordinary: with_backslashes(ordinary, tmp / "export.xlsx"),
    "strict": lambda tmp, ordinary: strict_workbook(tmp / "strict.xlsx"),
    "strict with backslashes": lambda tmp, ordinary: with_backslashes(
        strict_workbook(tmp / "s.xlsx"), tmp / "strict_export.xlsx"),
}


@pytest.mark.parametrize("kind", FOREIGN)
def test_a_package_calamine_reads_is_checked_and_written_as_an_ordinary_one(
    kind: str, ordinary: Path, tmp_path: Path
) -> None:
    path = FOREIGN[kind](tmp_path, ordinary)
    assert CalamineWorkbook.from_path(str(path)).sheet_names == ["渠道档案"]
    expected = findings(ordinary)
    assert expected and findings(path) == expected
    result = CliRunner().invoke(cli, ["validate", str(path), "--mark", "--out",
                                      str(tmp_path / "out"), "--as-of", "2025-06-30"])
    assert result.exit_code == 1, result.output
    written = tmp_path / "out" / path.name
    with zipfile.ZipFile(written) as archive:
        names = archive.namelist()
        assert not any("\\" in name for name in names)
        assert b"purl.oclc.org" not in b"".join(archive.read(name) for name in names)
    assert package_problems(written) == []
    rows = CalamineWorkbook.from_path(str(written)).get_sheet_by_name("渠道档案").to_python()
    assert rows[0] == [*HEADER, "校验结果"]
    assert rows[2][-1] == "错误 2"


def test_a_hostile_part_behind_backslashes_is_still_refused(
    ordinary: Path, tmp_path: Path
) -> None:
    path = with_backslashes(ordinary, tmp_path / "export.xlsx")
    with zipfile.ZipFile(path, "a") as archive:
        archive.writestr("xl\\evil.xml", '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM '
                                         '"file:///etc/passwd">]><r>&x;</r>')
    result = CliRunner().invoke(cli, ["validate", str(path), "--format", "json"])
    (file,) = json.loads(result.output)["files"]
    assert file["status"] == "unreadable" and "DTD" in file["reason"]
