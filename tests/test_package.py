"""Generated sheets are found by what they are, never by their name, and every written
package is one Excel opens without repair: runs in either language, after the user
renamed, moved or deleted a generated sheet, added a note, or re-saved the file, replace
chantool's own parts and never duplicate or orphan one; the verification before the
atomic rename refuses a package with a structural problem the source did not have."""

from __future__ import annotations

import math
import re
import shutil
import zipfile
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import xlsxwriter
from click.testing import CliRunner

from chantool import check
from chantool.batch import Options, load
from chantool.cli import cli
from chantool.io import package, sheetxml
from chantool.io.output import verify_written
from chantool.io.writer import write_plan
from chantool.results import Block, ResultColumn, SheetResults, Table, Value, WritePlan
from tests import excel_edits
from tests.conftest import MakeWorkbook, libreoffice_convert, needs_libreoffice
from tests.ooxml import package_problems
from tests.test_writer import CHANNEL_HEADER, CHANNEL_ROWS, VISIT_HEADER, VISIT_ROWS

ISSUE_HEADERS = {"严重程度", "Severity"}
SCORES_FIRST_TITLES = {"目录", "Contents"}  # the contents block comes first


@pytest.fixture
def book(make_workbook: MakeWorkbook) -> Path:
    return make_workbook({"渠道档案": [CHANNEL_HEADER, *CHANNEL_ROWS],
                          "拜访日志": [VISIT_HEADER, *VISIT_ROWS]}, name="work/book.xlsx")


def run(command: str, path: Path, lang: str = "zh", *extra: str) -> int:
    result = CliRunner().invoke(cli, [command, str(path), "--in-place", "--lang", lang,
                                      "--as-of", "2025-06-30", "--jobs", "1", *extra])
    assert "not_written" not in result.output and "未写入" not in result.output, result.output
    return result.exit_code


def generated(path: Path) -> dict[str, str]:
    """Sheet name -> kind ("issues", "scores") of chantool's sheets, told by their first
    cell (what the sheet holds, whatever it is called)."""
    book = openpyxl.load_workbook(path)
    kinds = {}
    for sheet in book.worksheets:
        first = sheet.cell(1, 1).value
        if first in ISSUE_HEADERS:
            kinds[sheet.title] = "issues"
        elif first in SCORES_FIRST_TITLES:
            kinds[sheet.title] = "scores"
    return kinds


def sound(path: Path) -> None:
    assert package_problems(path) == []


def test_runs_in_either_language_keep_one_sheet_of_each_kind(book: Path) -> None:
    for command, lang, expected in [
        ("validate", "zh", {"校验结果": "issues"}),
        ("validate", "en", {"Issues": "issues"}),
        ("score", "zh", {"校验结果": "issues", "评分": "scores"}),
        ("score", "en", {"Issues": "issues", "Scores": "scores"}),
        ("validate", "zh", {"校验结果": "issues", "Scores": "scores"}),
        ("score", "zh", {"校验结果": "issues", "评分": "scores"}),
    ]:
        run(command, book, lang, *(["--mark"] if command == "validate" else []))
        sound(book)
        assert generated(book) == expected, (command, lang)
    with zipfile.ZipFile(book) as archive:
        names = archive.namelist()
    assert sum("chantool_issues" in name for name in names) == 1
    assert sum("chantool_scores" in name for name in names) == 1


def _renamed_moved_resaved(path: Path) -> None:
    excel_edits.rename_sheet(path, "校验结果", "Issues old")
    excel_edits.move_sheet(path, "Issues old", 1)
    excel_edits.excel_resave(path)


EDITS: dict[str, Callable[[Path], None]] = {
    "renamed": lambda path: excel_edits.rename_sheet(path, "校验结果", "我的检查"),
    "moved first": lambda path: excel_edits.move_sheet(path, "校验结果", 0),
    "deleted": lambda path: excel_edits.delete_sheet(path, "校验结果"),
    "re-saved by Excel": excel_edits.excel_resave,
    "renamed, moved, re-saved": lambda path: _renamed_moved_resaved(path),
    "a note added": lambda path: excel_edits.add_note(path, "渠道档案", "C2", "张伟：已核实"),
}


@pytest.mark.parametrize("edit", EDITS)
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_after_a_user_edit_the_next_run_replaces_the_generated_sheet(
    book: Path, edit: str, lang: str
) -> None:
    run("validate", book, "zh", "--mark")
    EDITS[edit](book)
    sound(book)
    run("validate", book, lang, "--mark")
    sound(book)
    kinds = generated(book)
    assert list(kinds.values()) == ["issues"], kinds
    (name,) = kinds
    if "renamed" in edit:  # the user's name is kept
        assert name == ("我的检查" if edit == "renamed" else "Issues old")
    else:
        assert name == ("校验结果" if lang == "zh" else "Issues")
    if edit == "a note added":
        comments = [c for c in openpyxl.load_workbook(book)["渠道档案"]._cells.values()
                    if c.comment is not None]
        assert [(c.coordinate, c.comment.text) for c in comments if c.coordinate == "C2"] == [
            ("C2", "张伟：已核实")]
    first = book.read_bytes()
    run("validate", book, lang, "--mark")
    assert book.read_bytes() == first  # found again: the same bytes


def test_a_users_sheet_with_the_name_is_left_alone(make_workbook: MakeWorkbook) -> None:
    path = make_workbook({"渠道档案": [CHANNEL_HEADER, *CHANNEL_ROWS],
                          "校验结果": [["我的笔记"]], "issues": [["mine"]]}, name="own.xlsx")
    before = {name: data for name, data in excel_edits.read_parts(path).items()
              if name.startswith("xl/worksheets/")}
    run("validate", path)
    users = ["渠道档案", "校验结果", "issues"]
    assert excel_edits.sheet_names(path) == [*users, "校验结果 (chantool)"]
    run("validate", path, "en")  # sheet names are the same without case in Excel
    assert excel_edits.sheet_names(path) == [*users, "Issues (chantool)"]
    sound(path)
    after = excel_edits.read_parts(path)
    assert all(after[name] == data for name, data in before.items() if "sheet1" not in name)


def test_an_old_chantool_name_holding_a_reference_is_still_found(book: Path) -> None:
    run("validate", book)
    parts = excel_edits.read_parts(book)
    parts["xl/workbook.xml"] = parts["xl/workbook.xml"].replace(
        b'"issues"', "'校验结果'!$A$1".encode()).replace(b"&quot;issues&quot;",
                                                         "'校验结果'!$A$1".encode())
    excel_edits.write_parts(book, parts)
    excel_edits.excel_resave(book)
    run("validate", book, "en")
    assert list(generated(book)) == ["Issues"]
    sound(book)


@needs_libreoffice
def test_after_a_libreoffice_save_the_next_run_replaces_the_generated_sheet(
    book: Path, tmp_path: Path
) -> None:
    run("score", book)
    excel_edits.rename_sheet(book, "评分", "本月评分")
    libreoffice_convert(book, tmp_path / "saved", "xlsx")
    saved = tmp_path / "saved" / book.name
    run("score", saved, "en")
    sound(saved)
    assert generated(saved) == {"Issues": "issues", "本月评分": "scores"}


def test_verification_refuses_a_package_with_a_new_structural_problem(
    book: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    original = book.read_bytes()

    def duplicated_relationship(source: Path, target: Path, plan: Any) -> Any:
        written = write_plan(source, target, plan)
        parts = excel_edits.read_parts(target)
        rels = parts["xl/_rels/workbook.xml.rels"]
        at = rels.rindex(b"</")
        parts["xl/_rels/workbook.xml.rels"] = (
            rels[:at] + b'<Relationship Id="rId1" Type="x" Target="styles.xml"/>' + rels[at:])
        excel_edits.write_parts(target, parts)
        return written

    monkeypatch.setattr(check, "write_plan", duplicated_relationship)
    result = CliRunner().invoke(cli, ["validate", str(book), "--in-place", "--format", "json",
                                      "--as-of", "2025-06-30", "--jobs", "1"])
    assert result.exit_code == 1
    assert "关系 ID 重复" in result.output and "not_written" in result.output, result.output[-1500:]
    assert book.read_bytes() == original


def test_a_problem_the_source_had_does_not_stop_the_write(book: Path) -> None:
    parts = excel_edits.read_parts(book)
    rels = parts["xl/_rels/workbook.xml.rels"]
    at = rels.rindex(b"</")
    parts["xl/_rels/workbook.xml.rels"] = (
        rels[:at] + b'<Relationship Id="rIdGone" Type="http://schemas.openxmlformats.org/'
        b'officeDocument/2006/relationships/customXml" Target="../customXml/item9.xml"/>'
        + rels[at:])
    excel_edits.write_parts(book, parts)
    with zipfile.ZipFile(book) as archive:
        assert package.problems(archive) == {
            "xl/_rels/workbook.xml.rels 指向不存在的部件：../customXml/item9.xml"}
    run("validate", book)
    assert "校验结果" in generated(book)


def test_schema_check_sees_what_excel_would_repair(book: Path, tmp_path: Path) -> None:
    """The checker itself: a copy with a second <sheet> on chantool's part fails."""
    run("validate", book)
    broken = tmp_path / "broken.xlsx"
    shutil.copy(book, broken)
    parts = excel_edits.read_parts(broken)
    parts["xl/workbook.xml"] = parts["xl/workbook.xml"].replace(
        b"</sheets>", b'<sheet xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/'
        b'relationships" name="again" sheetId="99" r:id="rIdChantoolIssues"/></sheets>')
    excel_edits.write_parts(broken, parts)
    assert any("多个工作表指向同一部件" in problem for problem in package_problems(broken))


# --- cells as Excel writes them -----------------------------------------------------------

def test_rows_with_spans_get_cells_beyond_them_without_a_stale_hint(tmp_path: Path) -> None:
    path = tmp_path / "spans.xlsx"
    workbook = xlsxwriter.Workbook(str(path))  # xlsxwriter writes spans, as Excel does
    sheet = workbook.add_worksheet("渠道档案")
    for number, row in enumerate([CHANNEL_HEADER, *CHANNEL_ROWS]):
        sheet.write_row(number, 0, row)
    workbook.close()
    assert b'spans="1:11"' in excel_edits.read_parts(path)["xl/worksheets/sheet1.xml"]
    run("validate", path, "zh", "--mark")
    sound(path)
    assert openpyxl.load_workbook(path)["渠道档案"]["L3"].value == "错误 3"


def test_a_non_finite_number_is_never_written(book: Path, tmp_path: Path) -> None:
    column = ResultColumn("值", {2: math.nan, 3: math.inf, 4: -math.inf, 5: 1.5})
    plan = WritePlan((SheetResults("渠道档案", 1, (column,)),),
                     (Table("issues", "校验结果", (Block(("a",), ((math.nan,), (2.0,))),)),))
    target = tmp_path / "out.xlsx"
    write_plan(book, target, plan)
    sound(target)
    parts = excel_edits.read_parts(target)
    assert not re.search(rb"<v>[^<]*(nan|inf)", b"".join(parts.values()), re.I)
    sheet = openpyxl.load_workbook(target)["渠道档案"]
    assert [sheet.cell(row, 12).value for row in range(1, 6)] == ["值", None, None, None, 1.5]


@pytest.mark.parametrize("path", sorted([*Path("templates").rglob("*.xlsx"),
                                         *Path("examples").glob("*.xlsx")]), ids=str)
def test_committed_templates_and_examples_are_what_excel_opens_without_repair(
    path: Path
) -> None:
    assert package_problems(path) == []


# --- the row-by-row way and the quick way of editing a sheet agree ----------------------

def _marked(book: Path, target: Path) -> bytes:
    result = CliRunner().invoke(cli, ["validate", str(book), "--mark", "--out", str(target),
                                      "--as-of", "2025-06-30", "--jobs", "1"])
    assert result.exit_code == 1, result.output
    return (target / book.name).read_bytes()


def test_the_quick_edit_writes_what_the_row_by_row_edit_writes(
    book: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    run("score", book, "en")  # old result columns to replace, on two sheets
    excel_edits.add_note(book, "拜访日志", "B2", "用户备注")
    quick = _marked(book, tmp_path / "quick")
    monkeypatch.setattr(sheetxml, "_probe_last_user_column", lambda *args: None)
    assert _marked(book, tmp_path / "row by row") == quick
    sound(tmp_path / "quick" / book.name)


@pytest.mark.parametrize("again", [False, True], ids=["first run", "over a previous run"])
@pytest.mark.parametrize("every", [True, False], ids=["every row", "most rows"])
def test_the_every_row_edit_writes_what_the_row_by_row_edit_writes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, again: bool, every: bool
) -> None:
    source = tmp_path / "rows.xlsx"
    workbook = xlsxwriter.Workbook(str(source))  # rows back to back with spans, as Excel's
    sheet = workbook.add_worksheet("渠道档案")
    for number, row in enumerate([CHANNEL_HEADER, *([f"CH{number:03d}", *CHANNEL_ROWS[0][1:]]
                                                    for number in range(40))]):
        sheet.write_row(number, 0, row)
    workbook.close()
    kinds: list[Value] = [1.5, -0.0, 7, "是", "a<b", True]
    values = {row: kinds[row % 6] for row in range(2, 42) if every or row % 7}
    plan = WritePlan((SheetResults("渠道档案", 1, (ResultColumn("值", values),
                                                   ResultColumn("说明", {3: "x", 9: ""}))),),
                     ())
    if again:  # result columns of a previous run to replace, on every row
        write_plan(source, tmp_path / "first.xlsx", plan)
        source = tmp_path / "first.xlsx"

    def written(way: str) -> bytes:
        target = tmp_path / f"{way}.xlsx"
        verify_written(target, write_plan(source, target, plan),
                       load(source, Options(as_of=date(2025, 6, 30))))
        return target.read_bytes()

    quick = written("quick")
    with monkeypatch.context() as patched:  # a sheet of many rows, split a few at a time
        patched.setattr(sheetxml, "_MANY_ROWS", 1)
        patched.setattr(sheetxml, "_CHUNK", 300)
        patched.setattr(sheetxml, "_locate_rows", None)  # not the quick way
        assert written("every row") == quick
    monkeypatch.setattr(sheetxml, "_probe_last_user_column", lambda *args: None)
    assert written("row by row") == quick
    part = excel_edits.read_parts(tmp_path / "every row.xlsx")["xl/worksheets/sheet1.xml"]
    assert b'<c r="L5" t="b"><v>1</v></c>' in part and b"a&lt;b" in part
    # A row without a cell added keeps its spans.
    assert (b'<c r="L7"><v>-0.0</v></c>' in part) == every == (b"spans" not in part)
    cells = openpyxl.load_workbook(tmp_path / "every row.xlsx")["渠道档案"]
    assert [cells[f"L{row}"].value for row in range(1, 8)] == [
        "值", 7, "是", "a<b", True, 1.5, -0.0 if every else None]
    assert (cells["M1"].value, cells["M3"].value, cells["M9"].value) == ("说明", "x", None)


def test_verification_parses_what_the_quick_edit_wrote_into_a_sheet(
    book: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = sheetxml._edited_row

    def broken(*args: Any) -> bytes:
        return real(*args).replace(b"</c></row>", b"<x></c></row>")  # in chantool's cell

    monkeypatch.setattr(sheetxml, "_edited_row", broken)
    result = CliRunner().invoke(cli, ["validate", str(book), "--out", str(tmp_path / "out"),
                                      "--as-of", "2025-06-30", "--jobs", "1",
                                      "--format", "json"])
    assert "不是合法的 XML" in result.output and "not_written" in result.output
    assert not (tmp_path / "out" / book.name).exists()


@pytest.mark.parametrize("cell", ['<c r="P3"><v>7</v></c>', '<c s="0" r="P3"><v>7</v></c>'])
def test_a_cell_outside_the_declared_range_or_written_otherwise_is_seen(
    book: Path, cell: str
) -> None:
    parts = excel_edits.read_parts(book)
    sheet = parts["xl/worksheets/sheet1.xml"]
    assert b'<dimension ref="A1:K4"/>' in sheet
    at = sheet.index(b"</row>", sheet.index(b'<row r="3"'))
    parts["xl/worksheets/sheet1.xml"] = sheet[:at] + cell.encode() + sheet[at:]
    excel_edits.write_parts(book, parts)
    run("validate", book, "zh", "--mark")
    sound(book)
    channels = openpyxl.load_workbook(book)["渠道档案"]
    assert (channels["P3"].value, channels["Q1"].value, channels["Q3"].value) == (
        7, "校验结果", "错误 3")


def notes_of(path: Path, sheet: str) -> dict[str, tuple[str, str]]:
    """Cell -> (author, text) of a sheet's notes."""
    cells = openpyxl.load_workbook(path)[sheet]._cells.values()
    return {cell.coordinate: (cell.comment.author, cell.comment.text)
            for cell in cells if cell.comment is not None}


def test_chantools_notes_are_found_by_their_author_after_an_excel_save(book: Path) -> None:
    run("validate", book, "zh", "--mark")
    marked = notes_of(book, "渠道档案")
    assert marked and {author for author, _ in marked.values()} == {"chantool"}
    excel_edits.excel_resave(book)  # xl/comments1.xml, linked by rId ids now
    assert "xl/comments1.xml" in excel_edits.read_parts(book)
    run("validate", book, "en", "--mark")
    sound(book)
    again = notes_of(book, "渠道档案")
    assert again.keys() == marked.keys()  # replaced (in English), none left twice
    assert {author for author, _ in again.values()} == {"chantool"}
    assert again != marked  # the English messages
    assert "xl/comments1.xml" not in excel_edits.read_parts(book)


def test_after_an_excel_save_a_users_note_stays_and_chantools_go(book: Path) -> None:
    run("validate", book, "zh", "--mark")
    marked = notes_of(book, "渠道档案")
    excel_edits.excel_resave(book)
    excel_edits.add_note(book, "渠道档案", "A2", "张伟：老客户")  # into Excel's notes part
    run("validate", book, "zh", "--mark")
    sound(book)
    assert notes_of(book, "渠道档案") == {"A2": ("张伟", "张伟：老客户")}
    assert marked  # chantool's were there, and only they went
