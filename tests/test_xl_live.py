"""The live-workbook adapter and the ribbon, run against the in-memory xlwings stand-in:
the same workbook gives the same cells through the ribbon as through the CLI's file path."""

from __future__ import annotations

import re
import zipfile
from datetime import date, datetime, time
from decimal import Decimal
from functools import partial
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from openpyxl.formatting.rule import FormulaRule
from openpyxl.styles import PatternFill

from chantool.batch import Job, Options, load
from chantool.check import check_file, score_file
from chantool.findings import Severity
from chantool.io.styles import ERROR_FILL, WARNING_FILL
from chantool.results import Block, Table, WritePlan, columns_reference
from chantool.table import address
from chantool.validate import validate_book
from chantool.xl import live, ribbon
from tests import xlfake
from tests.conftest import MakeWorkbook

EXAMPLES = sorted((Path(__file__).parent.parent / "examples").glob("*.xlsx"))
# Every sheet, with deliberate problems; and the clean province book.
NINGBO_JUNE = EXAMPLES[0].parent / "宁波办事处_渠道台账_2025年6月.xlsx"
PROVINCE = EXAMPLES[0].parent / "浙江省_渠道台账_2025Q2.xlsx"
AS_OF = date(2025, 6, 30)
ERROR_FORMULA = live.MARK_FORMULA[Severity.ERROR]


def cells(book: xlfake.Book) -> dict[str, dict[tuple[int, int], Any]]:
    return {sheet.name: dict(sheet.values) for sheet in book.sheets}


def file_marks(path: Path) -> dict[str, dict[str, set[str]]]:
    """chantool's marks in a written file: cells by mark formula, per sheet."""
    found: dict[str, dict[str, set[str]]] = {}
    for sheet in openpyxl.load_workbook(path).worksheets:
        for formatting in sheet.conditional_formatting:
            for rule in formatting.rules:
                formula = "=" + rule.formula[0]
                if "chantool:" not in formula:
                    continue
                cells_of = found.setdefault(sheet.title, {}).setdefault(formula, set())
                for bounds in formatting.sqref.ranges:
                    cells_of.update(address(row, column)
                                    for row in range(bounds.min_row, bounds.max_row + 1)
                                    for column in range(bounds.min_col, bounds.max_col + 1))
    return found


def file_path(path: Path, tmp_path: Path, *, scoring: bool) -> Path:
    """The CLI's way: ``validate --mark --out`` or ``score --out`` on a copy."""
    target = tmp_path / "out" / path.name
    job = Job(path, target)
    options = Options(as_of=AS_OF, jobs=1)
    if scoring:
        score_file(job, options, partial(load, path, options))
    else:
        check_file(job, options, partial(load, path, options), mark=True)
    assert target.exists()
    return target


@pytest.mark.parametrize("button", ["validate", "score"])
@pytest.mark.parametrize("example", EXAMPLES, ids=[path.stem for path in EXAMPLES])
def test_ribbon_and_cli_give_the_same_cells_marks_and_notes(
    example: Path, button: str, tmp_path: Path
) -> None:
    written = file_path(example, tmp_path, scoring=button == "score")
    book = xlfake.Book.from_file(example)
    message = ribbon.run(button, book, AS_OF)
    assert "错误" in message
    expected = xlfake.Book.from_file(written)
    assert cells(book) == cells(expected)
    marks = {sheet.name: sheet.marked() for sheet in book.sheets if sheet.marked()}
    assert marks == file_marks(written)
    for sheet in book.sheets:
        assert sheet.notes_at == expected.sheets[sheet.name].notes_at, sheet.name


def test_running_twice_replaces_what_the_first_run_wrote(tmp_path: Path) -> None:
    book = xlfake.Book.from_file(NINGBO_JUNE)
    ribbon.run("score", book, AS_OF)
    first = cells(book)
    conditions = {sheet.name: len(sheet.conditions) for sheet in book.sheets}
    ribbon.run("score", book, AS_OF)
    assert cells(book) == first
    assert {sheet.name: len(sheet.conditions) for sheet in book.sheets} == conditions


def test_a_column_the_user_inserts_among_the_results_is_kept() -> None:
    """The results' name refers to each column on its own: after Excel inserts a column
    among them (each area moves, none covers the new column), the next run clears
    chantool's columns only."""
    book = xlfake.Book.from_file(NINGBO_JUNE)
    ribbon.run("score", book, AS_OF)
    channels = next(sheet for sheet in book.sheets if live.RESULTS_NAME in sheet.defined)
    columns = live._old_columns(channels)
    assert len(columns) > 2 and channels.defined[live.RESULTS_NAME].count("!") == len(columns)
    inserted = columns[1] + 1  # as Excel leaves it: chantool's columns after it move right
    moved = [column if column < inserted else column + 1 for column in columns]
    channels.defined[live.RESULTS_NAME] = "=" + columns_reference(channels.name, moved)
    channels.values[2, inserted] = "我的备注"
    ribbon.run("score", book, AS_OF)
    assert channels.values[2, inserted] == "我的备注"


def test_validate_after_score_drops_the_score_columns(tmp_path: Path) -> None:
    book = xlfake.Book.from_file(NINGBO_JUNE)
    ribbon.run("score", book, AS_OF)
    ribbon.run("validate", book, AS_OF)
    expected = xlfake.Book.from_file(file_path(NINGBO_JUNE, tmp_path, scoring=False))
    assert cells(book) == {**cells(expected), "评分": cells(book)["评分"]}


def test_clearing_takes_out_everything_chantool_wrote_and_nothing_else() -> None:
    book = xlfake.Book.from_file(NINGBO_JUNE)
    original = cells(book)
    ribbon.run("score", book, AS_OF)
    message = ribbon.run("clear", book, AS_OF)
    assert message.startswith("已清除")
    assert cells(book) == original
    for sheet in book.sheets:
        assert not sheet.conditions and not sheet.defined and not sheet.notes_at
        assert not any("font.bold" in style for style in sheet.formats.values())
    assert ribbon.run("clear", book, AS_OF) == "没有需要清除的 chantool 标记"


def one_bad_visit(make_workbook: MakeWorkbook) -> tuple[xlfake.Book, xlfake.Sheet]:
    """A workbook open in the stand-in whose visit log has one visit with a bad date."""
    path = make_workbook({"拜访日志": [
        ["拜访日期", "客户经理", "渠道编码", "拜访对象", "拜访形式"],
        ["not a date", "张伟", "CH001", "销售人员", "现场面谈"]]})
    book = xlfake.Book.from_file(path)
    return book, book.sheets["拜访日志"]


def test_a_sheet_with_notes_of_the_user_gets_marks_but_no_notes(
    make_workbook: MakeWorkbook,
) -> None:
    book, visits = one_bad_visit(make_workbook)
    visits.notes_at[1, 1] = "the user's own note"
    ribbon.run("validate", book, AS_OF)
    assert visits.notes_at == {(1, 1): "the user's own note"}
    assert visits.marked()[ERROR_FORMULA] >= {"A2"}
    ribbon.run("clear", book, AS_OF)
    assert visits.notes_at == {(1, 1): "the user's own note"}
    assert not visits.conditions


def test_a_sheet_of_the_user_named_like_the_issues_sheet_is_left_alone(
    make_workbook: MakeWorkbook,
) -> None:
    header = ["拜访日期", "客户经理", "渠道编码", "拜访对象", "拜访形式"]
    path = make_workbook({"拜访日志": [header], "校验结果": [["mine"]]})
    book = xlfake.Book.from_file(path)
    ribbon.run("validate", book, AS_OF)
    ribbon.run("validate", book, AS_OF)
    assert book.sheets["校验结果"].values == {(1, 1): "mine"}
    assert [sheet.name for sheet in book.sheets] == ["拜访日志", "校验结果", "校验结果 (chantool)"]
    ribbon.run("clear", book, AS_OF)
    assert [sheet.name for sheet in book.sheets] == ["拜访日志", "校验结果"]


def test_result_columns_are_named_by_a_hidden_sheet_level_name() -> None:
    book = xlfake.Book.from_file(NINGBO_JUNE)
    ribbon.run("validate", book, AS_OF)
    channels = next(sheet for sheet in book.sheets if live.RESULTS_NAME in sheet.defined)
    refers_to = channels.defined[live.RESULTS_NAME]
    assert refers_to.startswith(f"='{channels.name}'!$")
    assert live.RESULTS_NAME in channels.hidden
    assert live._old_columns(channels)


def test_reading_turns_com_dates_and_times_into_the_file_reader_s_values(
    make_workbook: MakeWorkbook,
) -> None:
    path = make_workbook({"拜访日志": [["拜访日期", "签到时间"],
                                    [datetime(2025, 6, 3), time(8, 30)],
                                    [datetime(2025, 6, 3, 9, 15), 3.0]]},
                         merged={"拜访日志": ["A4:A5"]})
    book = xlfake.Book.from_file(path)
    book.sheets["拜访日志"].values[4, 1] = datetime(2025, 6, 4)
    (sheet,) = live.read_sheets(book)
    assert sheet.rows[1] == [date(2025, 6, 3), time(8, 30)]
    assert sheet.rows[2] == [datetime(2025, 6, 3, 9, 15), 3.0]
    assert [merged.ref for merged in sheet.merged] == ["A4:A5"]
    files = load(path, Options(as_of=AS_OF))
    assert files[0].rows[1] == sheet.rows[1]


@pytest.mark.parametrize(("button", "kind"), [
    ("weekly", "夕会周报"), ("monthly", "月度考核"), ("statements", "对账单"),
    ("dashboard", "管理层看板")])
def test_a_report_button_writes_the_report_beside_the_workbook_and_opens_it(
        button: str, kind: str, tmp_path: Path) -> None:
    """The same report, byte for byte, as ``chantool report`` writes from the file (from
    only the listings the kind reads, where the ribbon has every listing); the open
    workbook is unchanged."""
    from click.testing import CliRunner

    from chantool.cli import cli

    source = tmp_path / PROVINCE.name
    source.write_bytes(PROVINCE.read_bytes())
    book = xlfake.Book.from_file(source)
    original = cells(book)
    message = ribbon.run(button, book, AS_OF)
    written = tmp_path / f"{source.stem}_{kind}_{AS_OF.isoformat()}.xlsx"
    assert message == f"已生成截至 2025-06-30 的{kind}并打开：{written}"
    assert book.app.books.opened == [written]
    assert cells(book) == original and not book.app.books.added
    result = CliRunner().invoke(cli, ["report", button, str(source), "--as-of",
                                      AS_OF.isoformat(), "--out", str(tmp_path / "cli")])
    assert result.exit_code in (0, 1), result.output
    assert (tmp_path / "cli" / written.name).read_bytes() == written.read_bytes()


def test_a_report_of_a_workbook_never_saved_goes_to_the_temporary_folder(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("tempfile.tempdir", str(tmp_path))
    book = xlfake.Book.from_file(PROVINCE)
    book.fullname = book.name = "工作簿1"
    message = ribbon.run("dashboard", book, AS_OF)
    written = tmp_path / "工作簿1_管理层看板_2025-06-30.xlsx"
    assert message.endswith(str(written)) and written.exists()
    assert book.app.books.opened == [written]


def test_a_failing_button_shows_a_short_chinese_message_and_logs_the_details(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(book: Any) -> list[Any]:
        raise RuntimeError("COM object went away\nsecond line")

    monkeypatch.setattr(live, "read_sheets", broken)
    message = ribbon.run("validate", xlfake.Book(), AS_OF)
    assert message.startswith("校验未能完成：COM object went away。详细信息已记录在")
    assert "Traceback" not in message and "second line" not in message
    assert "Traceback" in (tmp_path / "chantool.log").read_text(encoding="utf-8")


def test_an_unknown_button_and_an_empty_workbook_get_messages_not_errors() -> None:
    assert "未知的按钮" in ribbon.run("nope", xlfake.Book(), AS_OF)
    empty = xlfake.Book()
    empty.sheets.add("Sheet1")
    assert ribbon.run("validate", empty, AS_OF).startswith("没有找到")
    assert ribbon.run("score", empty, AS_OF).startswith("没有找到")


def test_help_lists_every_other_button_and_the_log() -> None:
    text = ribbon.run("help", xlfake.Book(), AS_OF)
    for key, button in ribbon.BUTTONS.items():
        assert (button.label in text) == (key != "help")
    assert "chantool.log" in text


def test_dispatch_shows_the_message_in_excel(monkeypatch: pytest.MonkeyPatch) -> None:
    import xlwings

    book = xlfake.Book.from_file(NINGBO_JUNE)
    monkeypatch.setattr(xlwings.Book, "caller", classmethod(lambda cls: book))
    ribbon.dispatch("help")
    ((prompt, title),) = book.app.alerts
    assert title == "渠道工具" and prompt.startswith("校验：")



def test_marks_have_the_file_writer_s_fills() -> None:
    assert {severity: "FF" + "".join(f"{part:02X}" for part in fill)
            for severity, fill in live.MARK_FILL.items()} == {
        Severity.ERROR: ERROR_FILL, Severity.WARNING: WARNING_FILL}


def test_a_column_the_user_adds_right_of_the_results_pushes_them_further_right(
    make_workbook: MakeWorkbook,
) -> None:
    book, visits = one_bad_visit(make_workbook)
    ribbon.run("validate", book, AS_OF)
    assert visits.values[1, 6] == "校验结果" and live._old_columns(visits) == [6]
    ribbon.run("validate", book, AS_OF)
    assert live._old_columns(visits) == [6]  # replaced where it was
    visits.values[1, 7] = "备注"
    ribbon.run("validate", book, AS_OF)
    assert live._old_columns(visits) == [8]
    assert visits.values[1, 8] == "校验结果" and (1, 6) not in visits.values


def test_text_that_looks_like_a_date_or_number_is_written_as_text() -> None:
    book = xlfake.Book()
    book.sheets.add("拜访日志")
    table = Table("scores", "评分", (Block(("期间", "说明"), (("2025-06", "12.5%"),)),))
    live.apply_plan(book, WritePlan((), (table,)))
    assert {"2025-06", "12.5%"} <= set(book.sheets["评分"].values.values())


def test_months_and_rates_are_written_as_numbers() -> None:
    book = xlfake.Book.from_file(PROVINCE)
    ribbon.run("score", book, AS_OF)
    shown = set(book.sheets["评分"].values.values())
    assert datetime(2025, 6, 1) in shown and 0.9375 in shown
    assert not any(isinstance(v, str) and v.endswith("%") for v in shown)


def test_merged_ranges_are_found_with_a_few_questions_on_a_large_sheet() -> None:
    book = xlfake.Book()
    sheet = book.sheets.add("拜访日志")
    for row in range(1, 20_001):
        for column in range(1, 14):
            sheet.values[row, column] = 1.0
    sheet.merged = [(5, 1, 6, 1), (1_000, 3, 1_000, 5)]
    (raw,) = live.read_sheets(book)
    assert [merged.ref for merged in raw.merged] == ["A5:A6", "C1000:E1000"]
    assert sheet.merge_queries < 200


def test_dispatch_without_a_calling_workbook_says_so_in_chinese(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    import xlwings

    def no_caller(cls: type) -> Any:
        raise RuntimeError("no caller")

    app = xlfake.App()
    monkeypatch.setattr(xlwings.Book, "caller", classmethod(no_caller))
    monkeypatch.setattr(xlwings, "apps", type("Apps", (), {"active": app})())
    ribbon.dispatch("validate")
    ((prompt, title),) = app.alerts
    assert prompt.startswith("渠道工具无法连接到当前工作簿") and title == "渠道工具"
    assert "no caller" in (tmp_path / "chantool.log").read_text(encoding="utf-8")


# --- xlwings' conversions, as on Windows ------------------------------------------------

def test_the_stand_in_hands_values_over_as_xlwings_does(tmp_path: Path) -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append([1, 2.5, "x"])
    sheet.append(["#N/A", "#SPILL!", datetime(2025, 6, 3, 9, 15)])
    sheet["A2"].data_type = sheet["B2"].data_type = "e"
    sheet["A1"].number_format = '"¥"#,##0.00'
    workbook.save(tmp_path / "values.xlsx")
    stand_in = xlfake.Book.from_file(tmp_path / "values.xlsx").sheets[sheet.title]
    assert stand_in.range((1, 1), (1, 3)).value == [Decimal("1"), 2.5, "x"]  # one row: 1-D
    assert stand_in.range((1, 1), (1, 3)).options(ndim=2).value == [[Decimal("1"), 2.5, "x"]]
    assert stand_in.range((2, 1), (2, 3)).value == [
        None, xlfake.COM_ERRORS["#SPILL!"], datetime(2025, 6, 3, 9, 15)]
    assert stand_in.range((2, 1), (2, 2)).options(err_to_str=True).value == [
        "#N/A", xlfake.COM_ERRORS["#SPILL!"]]  # xlwings knows the seven oldest errors only
    stand_in.range((3, 1)).value = [[date(2025, 6, 4), None, 3]]
    assert stand_in.values[3, 1] == datetime(2025, 6, 4) and (3, 2) not in stand_in.values


def test_currency_cells_are_numbers_as_in_the_file(tmp_path: Path) -> None:
    workbook = openpyxl.load_workbook(NINGBO_JUNE)
    for title, columns in {"价格表": "CDEF", "销售记录": "E", "已付提成": "C"}.items():
        for column in columns:
            for cell in workbook[title][column][1:]:
                cell.number_format = '"¥"#,##0.00'
    path = tmp_path / "currency.xlsx"
    workbook.save(path)
    book = xlfake.Book.from_file(path)
    assert isinstance(book.sheets["价格表"].values[3, 3], Decimal)
    # The same sheets as without the currency format, where COM hands floats over.
    plain = live.read_sheets(xlfake.Book.from_file(NINGBO_JUNE))
    assert [sheet.rows for sheet in live.read_sheets(book)] == [sheet.rows for sheet in plain]
    assert "错误" in ribbon.run("score", book, AS_OF)
    written = file_path(path, tmp_path, scoring=True)
    assert cells(book) == cells(xlfake.Book.from_file(written))


def test_error_cells_are_cell_errors_as_in_a_file(
    make_workbook: MakeWorkbook, tmp_path: Path
) -> None:
    header = ["拜访日期", "客户经理", "渠道编码", "拜访对象", "拜访形式"]
    rows = [["#N/A", "张伟", "CH001", "销售人员", "现场面谈"],
            [datetime(2025, 6, 3), "#REF!", "CH001", "销售人员", "现场面谈"],
            [datetime(2025, 6, 3), "张伟", "CH001", "#DIV/0!", "现场面谈"]]
    path = make_workbook({"拜访日志": [header, *rows]})
    workbook = openpyxl.load_workbook(path)
    for ref in ("A2", "B3", "D4"):
        workbook["拜访日志"][ref].data_type = "e"  # openpyxl makes the first one an error
    workbook.save(path)
    book = xlfake.Book.from_file(path)

    def cell_errors(sheets: list[Any]) -> set[tuple[str, str | None]]:
        _, findings = validate_book(sheets, as_of=AS_OF, lang="zh")
        return {(finding.code, finding.cell) for finding in findings
                if finding.code == "cell_error"}

    assert cell_errors(live.read_sheets(book)) == {
        ("cell_error", "A2"), ("cell_error", "B3"), ("cell_error", "D4")}
    # The file itself, whose error cells python-calamine hands over as blank.
    assert cell_errors(live.read_sheets(book)) == cell_errors(load(path, Options(as_of=AS_OF)))
    # A newer error, which xlwings hands over as COM's number (calamine refuses the file).
    book.sheets["拜访日志"].values[4, 4] = xlfake.COM_ERRORS["#SPILL!"]
    assert ("cell_error", "D4") in cell_errors(live.read_sheets(book))


def test_marks_come_after_the_user_s_own_conditional_formats(
    make_workbook: MakeWorkbook, tmp_path: Path
) -> None:
    path = make_workbook({"拜访日志": [
        ["拜访日期", "客户经理", "渠道编码", "拜访对象", "拜访形式"],
        ["not a date", "张伟", "CH001", "销售人员", "现场面谈"]]})
    workbook = openpyxl.load_workbook(path)
    workbook["拜访日志"].conditional_formatting.add(
        "A1:E9", FormulaRule(formula=['$B1="张伟"'], fill=PatternFill(bgColor="FF00FF00")))
    workbook.save(path)
    book = xlfake.Book.from_file(path)
    visits = book.sheets["拜访日志"]
    for _ in range(2):
        ribbon.run("validate", book, AS_OF)
        formulas = [condition.formula for condition in visits.conditions]
        assert formulas[0] == '=$B1="张伟"'
        assert len(formulas) > 1 and all("chantool:" in formula for formula in formulas[1:])
    written = openpyxl.load_workbook(file_path(path, tmp_path, scoring=False))["拜访日志"]
    by_priority = sorted((rule.priority, rule.formula[0]) for formatting in
                         written.conditional_formatting for rule in formatting.rules)
    assert ["=" + formula for _, formula in by_priority] == formulas


def test_clearing_deletes_chantool_s_notes_only_never_one_the_user_added_or_changed(
    make_workbook: MakeWorkbook,
) -> None:
    book, visits = one_bad_visit(make_workbook)
    ribbon.run("validate", book, AS_OF)
    ours = dict(visits.notes_at)
    assert (2, 1) in ours and len(ours) >= 2
    visits.notes_at[1, 2] = "the user's note on a cell chantool did not mark"
    visits.notes_at[2, 1] = "the user's text in chantool's note"
    assert ribbon.run("clear", book, AS_OF).startswith("已清除")
    assert visits.notes_at == {(1, 2): "the user's note on a cell chantool did not mark",
                               (2, 1): "the user's text in chantool's note"}
    assert not visits.conditions and not visits.defined


def test_a_note_the_user_adds_after_a_run_stays_through_the_next_run(
    make_workbook: MakeWorkbook,
) -> None:
    book, visits = one_bad_visit(make_workbook)
    ribbon.run("validate", book, AS_OF)
    visits.notes_at[1, 2] = "mine"
    ribbon.run("validate", book, AS_OF)
    # As the file writer: a sheet with a note of the user gets marks but no notes.
    assert visits.notes_at == {(1, 2): "mine"}
    assert visits.marked()[ERROR_FORMULA] >= {"A2"}


def test_the_record_of_chantool_s_notes_fits_in_a_name_or_no_notes_are_written() -> None:
    texts = [f"第 {number} 行有问题" for number in range(300)]
    formula = live._texts_formula(texts * 2)
    assert formula is not None and len(formula) <= 8192
    assert all(len(piece) <= 255 for piece in re.findall(r'"([^"]*)"', formula))
    assert live._recorded(formula) == {live._digest(text) for text in texts}
    assert live._texts_formula(f"第 {number} 行" for number in range(2000)) is None


def test_formula_error_cells_in_a_file_are_cell_errors(
    make_workbook: MakeWorkbook, tmp_path: Path
) -> None:
    header = ["拜访日期", "客户经理", "渠道编码", "拜访对象", "拜访形式"]
    rows = [[datetime(2025, 6, 3), "张伟", "CH001", "销售人员", "现场面谈"] for _ in range(3)]
    source = make_workbook({"拜访日志": [header, *rows]})
    path = tmp_path / "formulas.xlsx"
    errors = {"A2": '<c r="A2" s="1" t="e"><f>NA()</f><v>#N/A</v></c>',
              "B3": '<c r="B3" t="e"><f>1/0</f><v>#DIV/0!</v></c>',
              "D4": '<c r="D4" t="e"/>'}  # no value: blank, as calamine reads it
    with zipfile.ZipFile(source) as archive, zipfile.ZipFile(path, "w") as out:
        for info in archive.infolist():
            data = archive.read(info)
            if info.filename.startswith("xl/worksheets/"):
                text = data.decode()
                for ref, cell in errors.items():
                    text = re.sub(rf'<c r="{ref}"[^>]*?(?:/>|>.*?</c>)', cell, text, count=1)
                data = text.encode()
            out.writestr(info, data)
    _, findings = validate_book(load(path, Options(as_of=AS_OF)), as_of=AS_OF, lang="zh")
    assert {(finding.code, finding.cell) for finding in findings
            if finding.cell in errors} == {("cell_error", "A2"), ("cell_error", "B3"),
                                           ("required_missing", "D4")}
