"""The xlwings Lite edition in CPython: its scripts on the Lite stand-in
(tests/xllite.py) leave the same cells, notes and marks as the desktop ribbon on the
desktop stand-in, 清除标记 gives the user's workbook back, and ``chantool lite build``
writes pinned files. Under Pyodide: tests/test_pyodide.py."""

from __future__ import annotations

import asyncio
import zipfile
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from chantool import lite as builder
from chantool.cli import cli
from chantool.xl import lite, ribbon
from tests import xlfake, xllite
from tests.pyodide.engine_run import cell_functions, load_main, raw_sheets, state
from tests.test_pyodide import EXAMPLES, example_jobs, read_file

# Every sheet, with deliberate problems.
NINGBO_JUNE = EXAMPLES[0].parent / "宁波办事处_渠道台账_2025年6月.xlsx"

AS_OF = date(2025, 6, 30)


def seen(book: Any) -> dict[str, Any]:
    """A stand-in's state with every number a float (Lite reads whole numbers as ints)."""
    found = state(book)
    for sheet in found["sheets"]:
        sheet["values"] = {cell: float(value) if isinstance(value, int | float)
                           and not isinstance(value, bool) else value
                           for cell, value in sheet["values"].items()}
    return found


def test_an_example_has_merged_cells_in_a_table() -> None:
    """So the comparison below covers finding merged ranges through Lite's async API."""
    assert any(sheet.merged for path in EXAMPLES for sheet in read_file(path))


@pytest.mark.parametrize("button", ["validate", "score"])
@pytest.mark.parametrize("path", EXAMPLES, ids=[path.name for path in EXAMPLES])
def test_lite_script_writes_what_the_desktop_ribbon_writes(path: Path, button: str) -> None:
    """The same workbook file, as the desktop and Lite each hand it over."""
    desktop = xlfake.Book.from_file(path)
    on_lite = xllite.Book.from_tables(read_file(path))
    unread = {sheet.name for sheet in desktop.sheets} - {sheet.name for sheet in on_lite.sheets}
    ribbon_message = ribbon.run(button, desktop, AS_OF)
    lite_message = asyncio.run(lite.run(button, on_lite, AS_OF))
    assert lite_message == ribbon_message
    assert "未能完成" not in lite_message
    assert on_lite.app.alerts == [(lite_message, ribbon.TITLE)]
    assert seen(on_lite)["sheets"] == [sheet for sheet in seen(desktop)["sheets"]
                                       if sheet["name"] not in unread]
    # The one difference: Lite cannot hide chantool's defined names.
    assert any(sheet.hidden for sheet in desktop.sheets.items)
    assert not any(sheet.hidden for sheet in on_lite.sheets.items)


@pytest.mark.parametrize("job", example_jobs(), ids=[path.name for path in EXAMPLES])
def test_clear_gives_back_the_users_workbook(job: dict[str, Any]) -> None:
    book = xllite.Book.from_tables(raw_sheets(job))
    before = state(book)["sheets"]
    asyncio.run(lite.run("score", book, AS_OF))
    assert state(book)["sheets"] != before
    asyncio.run(lite.run("clear", book, AS_OF))
    assert state(book)["sheets"] == before
    assert all(not sheet.defined for sheet in book.sheets.items)


def test_an_excel_without_notes_gets_marks_and_no_notes() -> None:
    with_notes = xllite.Book.from_tables(read_file(NINGBO_JUNE))
    without = xllite.Book.from_tables(read_file(NINGBO_JUNE), notes=False)
    message = asyncio.run(lite.run("validate", with_notes, AS_OF))
    assert asyncio.run(lite.run("validate", without, AS_OF)) == (
        message + "\n此 Excel 版本不支持批注，未写批注；问题说明见“校验结果”工作表")
    noted, bare = state(with_notes)["sheets"], state(without)["sheets"]
    assert any(sheet["notes"] for sheet in noted)
    assert not any(sheet["notes"] for sheet in bare)
    assert [{**sheet, "notes": {}} for sheet in noted] == bare
    assert asyncio.run(lite.run("clear", without, AS_OF)).startswith("已清除")


def test_an_error_is_a_short_message_with_details_in_the_output_pane(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    def protected(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("the workbook is protected")

    book = xllite.Book.from_tables(read_file(NINGBO_JUNE))
    monkeypatch.setattr(xllite.Sheets, "add", protected)
    message = asyncio.run(lite.run("validate", book, AS_OF))
    assert message == ("校验未能完成：the workbook is protected。"
                       "详细信息已记录在 xlwings Lite 的输出窗格")
    printed = capsys.readouterr().out
    assert "Traceback" in printed and "RuntimeError: the workbook is protected" in printed
    assert book.app.alerts == [(message, ribbon.TITLE)]


def test_a_failing_reading_is_a_message_not_a_traceback() -> None:
    class Broken(xllite.Book):
        @property
        def sheets(self) -> Any:
            raise RuntimeError("payload lost")

        @sheets.setter
        def sheets(self, value: Any) -> None:
            pass

    book = Broken()
    message = asyncio.run(lite.run("validate", book, AS_OF))
    assert message == "渠道工具无法读取当前工作簿：payload lost"
    assert book.app.alerts == [(message, ribbon.TITLE)]


def test_cell_functions_answer_lite_arguments_as_desktop_ones(tmp_path: Path) -> None:
    builder.build(tmp_path, "https://intranet.example/chantool")
    main = load_main(tmp_path / "main.py")
    answers = cell_functions(main)
    assert answers == cell_functions(main, lite=False)
    assert answers == [1800.0, [[500.0], [2250.0]], 3, 180000.0, "已达最高档", 4, "A",
                       "#不是数字", "低于最低限价 1000"]


def test_lite_build_writes_pinned_requirements_main_and_wheel(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["lite", "build", "-o", str(tmp_path),
                                      "--url", "https://intranet.example/chantool/"])
    assert result.exit_code == 0, result.output
    requirements = (tmp_path / "requirements.txt").read_text(encoding="utf-8").splitlines()
    assert requirements[1:] == ["pydantic==2.14.4", "chinesecalendar==1.11.0", "xlwings==0.37.8",
                                "https://intranet.example/chantool/"
                                "chantool_lite-0.1.0-py3-none-any.whl"]
    main = (tmp_path / "main.py").read_text(encoding="utf-8")
    assert '@script(name="校验")' in main and "from chantool.xl.udfs import" in main
    with zipfile.ZipFile(tmp_path / builder.wheel_name()) as wheel:
        names = set(wheel.namelist())
    assert {"chantool/xl/lite.py", "chantool/xl/live.py", "chantool/scoring/assessment.py",
            "chantool_lite-0.1.0.dist-info/METADATA"} <= names
    assert not any(name.startswith(("chantool/io/", "chantool/cli")) for name in names)


def test_lite_build_needs_an_https_url(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["lite", "build"])
    assert result.exit_code == 2
    assert "--url" in result.output
    result = CliRunner().invoke(cli, ["lite", "build", "-o", str(tmp_path / "lite"),
                                      "--url", "http://intranet.example/chantool"])
    assert result.exit_code == 2
    assert "须以 https:// 开头" in result.output
    assert not (tmp_path / "lite").exists()


def test_lite_build_into_a_file_is_a_message_not_a_traceback(tmp_path: Path) -> None:
    taken = tmp_path / "taken"
    taken.write_text("a file", encoding="utf-8")
    result = CliRunner().invoke(cli, ["lite", "build", "-o", str(taken / "lite"),
                                      "--url", "https://intranet.example/chantool"])
    assert result.exit_code == 2
    assert "Traceback" not in result.output and str(taken) in result.output
    assert taken.read_text(encoding="utf-8") == "a file"


def test_two_builds_give_the_same_wheel(tmp_path: Path) -> None:
    first = builder.build(tmp_path / "a", "https://intranet.example/chantool")[2]
    second = builder.build(tmp_path / "b", "https://intranet.example/chantool")[2]
    assert first.read_bytes() == second.read_bytes()
    assert not list(tmp_path.glob("*/*.part"))


@pytest.mark.parametrize("button", ["validate", "score"])
def test_running_a_script_again_replaces_what_it_wrote(button: str) -> None:
    book = xllite.Book.from_tables(read_file(NINGBO_JUNE))
    asyncio.run(lite.run(button, book, AS_OF))
    once = state(book)["sheets"]
    asyncio.run(lite.run(button, book, AS_OF))
    assert state(book)["sheets"] == once
