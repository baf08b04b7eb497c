"""The command line: exit codes, text and JSON output, folders, unreadable files."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from chantool import cli as cli_module
from chantool.cli import cli
from chantool.findings import Finding, Severity
from chantool.render import summary_table
from chantool.report import FileResult, Report
from tests.conftest import MakeWorkbook

CHANNEL_HEADER = ["渠道编码", "渠道名称", "渠道类型", "渠道等级", "维护级别", "所属区域",
                  "客户经理", "合作开始日期"]
GOOD_CHANNEL = ["CH001", "东区一店", "直供", "V1", "重点", "东区", "张伟", "2025-03-01"]
VISIT_HEADER = ["拜访日期", "客户经理", "渠道编码", "拜访对象", "拜访形式"]

FINDING_KEYS = {"severity", "rule", "code", "sheet", "cell", "row", "column", "value", "message"}


@pytest.fixture
def clean_book(make_workbook: MakeWorkbook) -> Path:
    return make_workbook({"渠道档案": [CHANNEL_HEADER, GOOD_CHANNEL]}, name="clean.xlsx")


@pytest.fixture
def bad_book(make_workbook: MakeWorkbook) -> Path:
    return make_workbook(
        {
            "渠道档案": [CHANNEL_HEADER, GOOD_CHANNEL],
            "拜访日志": [VISIT_HEADER, ["2025-06-02", "张伟", "CH999", "销售人员", "现场面谈"]],
        },
        name="bad.xlsx",
    )


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.output


def test_clean_workbook_exits_zero_with_a_summary(clean_book: Path) -> None:
    code, output = run("validate", str(clean_book), "--as-of", "2025-06-30")
    assert code == 0
    assert "clean.xlsx" in output
    assert "通过" in output


def test_the_summary_table_lines_up_chinese_text_and_numbers() -> None:
    report = Report(files=(FileResult("甲.xlsx", "ok"), FileResult("a/long-name.xlsx", "ok")))
    assert summary_table(report, "zh").split("\n") == [
        " 文件             ┃ 状态 ┃ 错误 ┃ 警告",
        "━━━━━━━━━━━━━━━━━━╇━━━━━━╇━━━━━━╇━━━━━━",
        " 甲.xlsx          │ 通过 │    0 │    0",
        " a/long-name.xlsx │ 通过 │    0 │    0",
        "──────────────────┼──────┼──────┼──────",
        " 合计（2 个文件） │      │    0 │    0",
    ]


def test_a_file_with_warnings_only_is_not_a_file_with_errors() -> None:
    def finding(severity: Severity) -> Finding:
        return Finding(severity, None, "code", "渠道档案", "A2", 2, "channel_id", "x", "...")

    report = Report(files=(
        FileResult.checked("警告.xlsx", [finding(Severity.WARNING)]),
        FileResult.checked("错误.xlsx", [finding(Severity.WARNING), finding(Severity.ERROR)])))
    lines = summary_table(report, "zh").split("\n")
    assert "│ 有警告 │" in lines[2] and "│ 有问题 │" in lines[3]
    english = summary_table(report, "en").split("\n")
    assert "│ warnings │" in english[2] and "│ errors   │" in english[3]
    # The total's numbers stand under their headings, the status column left blank.
    assert lines[-1].split("│")[1:] == ["        ", "    1 ", "    2"]


def test_a_table_cell_with_a_line_break_stays_on_one_line() -> None:
    report = Report(files=(FileResult("王强\n(兼)\t.xlsx", "ok"),))
    lines = summary_table(report, "zh").split("\n")
    assert len(lines) == 5 and lines[2] == " 王强 (兼) .xlsx  │ 通过 │    0 │    0"


def test_errors_exit_one_and_name_sheet_and_cell(bad_book: Path) -> None:
    code, output = run("validate", str(bad_book), "--as-of", "2025-06-30")
    assert code == 1
    assert "拜访日志!C2" in output
    assert "CH999" in output


def test_json_output_has_the_contract_shape(bad_book: Path, clean_book: Path) -> None:
    code, output = run("validate", str(bad_book), str(clean_book), "--format", "json",
                       "--as-of", "2025-06-30")
    assert code == 1
    data = json.loads(output)
    assert set(data) == {"files", "summary"}
    assert data["summary"] == {"files": 2, "errors": 1, "warnings": 0, "unreadable": 0}
    first, second = data["files"]
    assert set(first) == {"path", "status", "reason", "findings"}
    assert first["status"] == "findings" and first["reason"] is None
    assert second["status"] == "ok" and second["findings"] == []
    (finding,) = first["findings"]
    assert set(finding) == FINDING_KEYS
    assert finding == {
        "severity": "error", "rule": None, "code": "unknown_channel", "sheet": "拜访日志",
        "cell": "C2", "row": 2, "column": "channel_id", "value": "CH999",
        "message": finding["message"],
    }


def test_warnings_alone_exit_zero(make_workbook: MakeWorkbook) -> None:
    path = make_workbook({"渠道档案": [CHANNEL_HEADER, GOOD_CHANNEL],
                          "参数": [["参数", "值", "说明"], ["no_such_key", 1, ""]]})
    code, output = run("validate", str(path), "--format", "json", "--as-of", "2025-06-30")
    assert code == 0
    assert json.loads(output)["summary"]["warnings"] == 1


def test_folder_is_searched_recursively_skipping_lock_files(
    make_workbook: MakeWorkbook, tmp_path: Path
) -> None:
    make_workbook({"渠道档案": [CHANNEL_HEADER, GOOD_CHANNEL]}, name="team/b/one.xlsx")
    make_workbook({"渠道档案": [CHANNEL_HEADER, GOOD_CHANNEL]}, name="team/a.xlsm")
    (tmp_path / "team" / "~$a.xlsm").write_bytes(b"lock")
    (tmp_path / "team" / "notes.txt").write_text("not a workbook")
    code, output = run("validate", str(tmp_path / "team"), "--format", "json")
    assert code == 0
    paths = [Path(item["path"]).relative_to(tmp_path).as_posix()
             for item in json.loads(output)["files"]]
    assert paths == ["team/a.xlsm", "team/b/one.xlsx"]


def test_unreadable_file_is_reported_and_the_batch_goes_on(
    clean_book: Path, tmp_path: Path
) -> None:
    broken = tmp_path / "broken.xlsx"
    broken.write_text("渠道编码,渠道名称\nCH001,一店\n", encoding="utf-8")
    code, output = run("validate", str(broken), str(clean_book), "--format", "json")
    assert code == 2
    data = json.loads(output)
    assert [item["status"] for item in data["files"]] == ["unreadable", "ok"]
    assert data["files"][0]["reason"]
    assert data["summary"]["unreadable"] == 1


def test_missing_path_is_unreadable(tmp_path: Path) -> None:
    code, output = run("validate", str(tmp_path / "nowhere.xlsx"))
    assert code == 2
    assert "文件不存在" in output


def test_folder_without_workbooks_exits_two(tmp_path: Path) -> None:
    code, output = run("validate", str(tmp_path))
    assert code == 2
    assert "没有找到" in output


def test_bad_as_of_date_is_a_usage_error(clean_book: Path) -> None:
    code, output = run("validate", str(clean_book), "--as-of", "next week")
    assert code == 2
    assert "不是日期" in output


def test_as_of_decides_what_is_in_the_future(clean_book: Path) -> None:
    code, output = run("validate", str(clean_book), "--as-of", "2025/2/1", "--format", "json")
    assert code == 1
    (finding,) = json.loads(output)["files"][0]["findings"]
    assert (finding["code"], finding["cell"]) == ("date_in_future", "H2")


def test_channels_option_supplies_known_channel_ids(
    make_workbook: MakeWorkbook, bad_book: Path
) -> None:
    visits_only = make_workbook(
        {"拜访日志": [VISIT_HEADER, ["2025-06-02", "张伟", "CH001", "销售人员", "现场面谈"],
                      ["2025-06-03", "张伟", "CH404", "销售人员", "现场面谈"]]},
        name="visits.xlsx")
    code, output = run("validate", str(visits_only), "--channels", str(bad_book),
                       "--format", "json", "--as-of", "2025-06-30")
    assert code == 1
    findings = json.loads(output)["files"][0]["findings"]
    assert [(f["code"], f["cell"]) for f in findings] == [("unknown_channel", "C3")]


def test_english_messages_with_lang_en(bad_book: Path) -> None:
    code, output = run("validate", str(bad_book), "--lang", "en", "--as-of", "2025-06-30")
    assert code == 1
    assert "is not in the Channels sheet" in output
    assert "Errors" in output


def test_validate_changes_no_file(bad_book: Path) -> None:
    before = bad_book.read_bytes(), bad_book.stat().st_mtime_ns
    run("validate", str(bad_book))
    assert (bad_book.read_bytes(), bad_book.stat().st_mtime_ns) == before


def test_unexpected_error_shows_no_traceback(
    clean_book: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    def explode(*args: object, **kwargs: object) -> None:
        raise RuntimeError("boom")

    log = tmp_path / "chantool.log"
    monkeypatch.setenv("CHANTOOL_LOG", str(log))
    monkeypatch.setattr(cli_module, "validate_files", explode)
    monkeypatch.setattr(sys, "argv", ["chantool", "validate", str(clean_book)])
    with pytest.raises(SystemExit) as exit_info:
        cli_module.main()
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert "内部错误" in err and "Traceback" not in err
    assert "RuntimeError: boom" in log.read_text(encoding="utf-8")


def test_installed_entry_point_runs(bad_book: Path) -> None:
    executable = shutil.which("chantool")
    assert executable, "the chantool console script is not installed"
    done = subprocess.run([executable, "validate", str(bad_book), "--format", "json"],
                          capture_output=True, text=True, check=False)
    assert done.returncode == 1
    assert json.loads(done.stdout)["summary"]["errors"] == 1


def test_python_dash_m_runs() -> None:
    done = subprocess.run([sys.executable, "-m", "chantool", "--version"],
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0
    assert "chantool" in done.stdout


@pytest.mark.parametrize(("terminal", "shown"), [("1", True), ("0", False)])
def test_a_batch_shows_a_progress_bar_on_stderr_only_on_a_terminal(
    bad_book: Path, clean_book: Path, terminal: str, shown: bool
) -> None:
    # rich takes TTY_COMPATIBLE as the answer to "is stderr a terminal?".
    done = subprocess.run(
        [sys.executable, "-m", "chantool", "validate", str(bad_book), str(clean_book)],
        capture_output=True, text=True, check=False,
        env={**os.environ, "TTY_COMPATIBLE": terminal})
    assert done.returncode == 1
    assert ("校验中" in done.stderr) is shown
    assert "校验中" not in done.stdout
