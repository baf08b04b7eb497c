"""Books that did not come from one file: built from typed rows (the store's), and
several workbooks scored as one (``score --combine``; chantool.combine)."""

from __future__ import annotations

import gc
import json
import os
import shutil
import signal
from collections.abc import Callable
from dataclasses import replace
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from click.testing import CliRunner
from python_calamine import CalamineWorkbook

from chantool import batch, check
from chantool.batch import Options, plan_jobs, together_limits
from chantool.book import Book, RowRef, Sheets, TypedSheet
from chantool.cli import cli
from chantool.combine import Source, combine
from chantool.history import scoring
from chantool.io.output import backup_path
from chantool.policy import Policy
from chantool.samples import MANAGERS
from chantool.scoring import score_read_book
from chantool.settings import Limits
from chantool.texts import word
from tests.ooxml import package_problems

AS_OF = date(2025, 6, 29)


def _typed_book() -> Book:
    channels = TypedSheet.of_rows("channels", "东区_2025-06.xlsx", "渠道档案", 1, [2], {
        "channel_id": ["CH001"], "name": ["甲"], "manager": ["张伟"]})
    visits = TypedSheet.of_rows("visits", "东区_2025-06.xlsx", "拜访日志", 3, [4, 5], {
        "visit_date": [date(2025, 6, 3), date(2025, 6, 4)], "manager": ["张伟", "张伟"],
        "channel_id": ["CH001", "CH001"], "visit_form": ["现场面谈", "现场面谈"],
        "check_in": [time(9), time(15, 30)], "check_out": [time(10), time(11)]})
    return Book(Policy(), AS_OF, Sheets.of({"channels": channels, "visits": visits}))


def test_a_book_of_typed_rows_is_scored_and_its_findings_name_source_sheet_and_row() -> None:
    book = _typed_book()
    assert book.sheets["visits"].ref(1) == RowRef("东区_2025-06.xlsx", "拜访日志", 5)
    findings, scores = score_read_book(book)
    (late,) = [f for f in findings if f.code == "check_out_before_check_in"]
    assert (late.source, late.sheet, late.row, late.cell) == (
        "东区_2025-06.xlsx", "拜访日志", 5, None)
    # No column letter is known for a stored row: the message names the row instead.
    assert late.message.startswith("拜访日志 第5行：")
    assert late.to_dict()["file"] == "东区_2025-06.xlsx"
    (channel,) = scores.to_dict()["channels"]
    assert (channel["channel_id"], channel["manager"], channel["visits_month"]) == (
        "CH001", "张伟", 2)


def test_rows_the_same_within_a_file_all_count_and_the_first_stands_for_a_later_file(
) -> None:
    """A row repeated within one workbook is two rows (two visits may look alike); one
    repeating an earlier workbook's is left out, and its finding names that workbook's
    first such row, whether the earlier one had repeats of any other workbook or none."""
    def visits(name: str, rows: list[int], days: list[int]) -> Source:
        sheet = TypedSheet.of_rows("visits", name, "拜访日志", 1, rows, {
            "visit_date": [date(2025, 6, day) for day in days],
            "manager": ["张伟"] * len(rows), "channel_id": ["CH001"] * len(rows)})
        return Source(name, Book(Policy(), AS_OF, Sheets.of({"visits": sheet})), False)

    sources = [visits("a", [2, 3, 4], [1, 2, 1]),  # day 1 twice within a: both count
               visits("b", [2, 3], [3, 1]),  # day 1 again: a's row 2 stands for it
               visits("c", [2, 3], [5, 5]),  # nobody's repeat, day 5 twice within c
               visits("d", [7], [5])]  # c's day 5: c's row 2 stands for it
    combined = combine(sources, as_of=AS_OF, lang="zh")
    joined = combined.book.sheets["visits"]
    assert [(ref.source, ref.row) for ref in map(joined.ref, range(len(joined)))] == [
        ("a", 2), ("a", 3), ("a", 4), ("b", 2), ("c", 2), ("c", 3)]
    assert [(f.code, f.source, f.row, f.message.split("：", 1)[1])
            for f in combined.book.read_findings] == [
        ("combine_same_row", "b", 3, "这一行与“a”拜访日志 第2行完全相同，只计算一次"),
        ("combine_same_row", "d", 7, "这一行与“c”拜访日志 第2行完全相同，只计算一次")]


# ---------------------------------------------------------------- score PATH... --combine

def office_book(path: Path, office: str, managers: dict[str, tuple[str, ...]], *,
                month: int = 6, kpi: dict[str, float] | None = None,
                rank_cards: int | None = None, extra_visits: int = 0,
                sales: tuple[tuple[date, str, int], ...] = ()) -> Path:
    """An office's workbook for one month of 2025: each manager's channels, two on-site
    visits to each, each manager's assessment, ``sales`` (day, channel, quantity) when
    given, and a 参数 sheet when ``rank_cards``."""
    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    profiles = workbook.create_sheet("渠道档案")
    profiles.append(["渠道编码", "渠道名称", "渠道类型", "渠道等级", "维护级别", "所属区域",
                     "客户经理", "合作开始日期"])
    visits = workbook.create_sheet("拜访日志")
    visits.append(["拜访日期", "客户经理", "渠道编码", "拜访对象", "拜访形式"])
    for manager, channels in managers.items():
        for channel in channels:
            profiles.append([channel, f"{channel}商行", "直供", "V1", "一般", office, manager,
                             date(2024, 1, 1)])
            for day in (2, 3, 4)[:2 + extra_visits]:
                visits.append([date(2025, month, day), manager, channel, "销售人员",
                               "现场面谈"])
    assessments = workbook.create_sheet("考核记录")
    assessments.append(["月份", "客户经理", "办事处", "考核得分"])
    for manager in managers:
        assessments.append([f"2025-{month:02d}", manager, office, (kpi or {}).get(manager, 80)])
    if sales:
        sold = workbook.create_sheet("销售记录")
        sold.append(["销售日期", "渠道编码", "型号", "数量", "成交单价", "销售区域", "是否提货"])
        for sold_on, channel, qty in sales:
            sold.append([sold_on, channel, "X100", qty, 1000.0, office, "是"])
    if rank_cards is not None:
        workbook.create_sheet("参数").append(["参数", "值"])
        workbook["参数"].append(["rank_card_count", rank_cards])
    path.parent.mkdir(parents=True, exist_ok=True)
    workbook.save(path)
    return path


def score(*arguments: object) -> tuple[int, dict[str, Any]]:
    result = CliRunner().invoke(cli, ["score", "--format", "json", "--as-of", "2025-06-29",
                                      *map(str, arguments)])
    assert result.exit_code in (0, 1), result.output
    return result.exit_code, json.loads(result.stdout)


def by_code(found: dict[str, Any], code: str) -> list[dict[str, Any]]:
    return [finding for finding in found["findings"] if finding["code"] == code]


def two_offices(folder: Path) -> tuple[Path, Path]:
    east = office_book(folder / "东区_2025年6月.xlsx", "东区",
                       {"张伟": ("CH001", "CH002"), "李娜": ("CH003",)},
                       kpi={"张伟": 91, "李娜": 70})
    west = office_book(folder / "西区_2025年6月.xlsx", "西区", {"王强": ("CH004",)},
                       kpi={"王强": 85})
    return east, west


def test_managers_are_ranked_across_every_file_combined(tmp_path: Path) -> None:
    east, west = two_offices(tmp_path)
    _, alone = score(west)
    assert [(row["manager"], row["rank"]) for row in alone["files"][0]["managers"]] == [
        ("王强", 1)]
    code, found = score(tmp_path, "--combine")
    assert code == 0
    (result,) = found["files"]
    assert result["sources"] == [str(east), str(west)]
    assert result["path"] == str(tmp_path)
    ranks = {row["manager"]: row["rank"] for row in result["managers"]}
    assert ranks == {"张伟": 1, "王强": 2, "李娜": 3}
    assert {row["office"] for row in result["offices"] + result["channels"]
            if "office" in row} <= {"东区", "西区"}
    assert [row["channel_id"] for row in result["channels"]] == [
        "CH001", "CH002", "CH003", "CH004"]
    assert found["summary"]["errors"] == 0
    assert not [finding for finding in result["findings"]
                if finding["code"].startswith("combine_")]
    # Each finding names its file: a visit count of 西区 is 西区's.
    assert {finding["file"] for finding in result["findings"]} == {str(east), str(west)}


def test_order_drops_compare_a_channel_with_the_months_of_other_files(tmp_path: Path) -> None:
    managers: dict[str, tuple[str, ...]] = {"张伟": ("CH001",)}
    office_book(tmp_path / "东区_2025年5月.xlsx", "东区", managers, month=5,
                sales=((date(2025, 5, 20), "CH001", 100),))
    june = office_book(tmp_path / "东区_2025年6月.xlsx", "东区", managers,
                       sales=((date(2025, 6, 20), "CH001", 10),))
    _, alone = score(june)
    assert alone["files"][0]["channels"][0]["order_drop"] is None  # no earlier orders
    _, found = score(tmp_path, "--combine")
    (channel,) = found["files"][0]["channels"]
    assert channel["order_drop"] is not None and channel["order_drop"] > 0.5
    (drop,) = by_code(found["files"][0], "order_drop")
    assert drop["rule"] == "R-43" and drop["sheet"] == "渠道档案"


def test_one_channel_with_two_profiles_is_an_error_naming_both_files(tmp_path: Path) -> None:
    east, _ = two_offices(tmp_path)
    moved = office_book(tmp_path / "西区_2025年5月.xlsx", "西区", {"王强": ("CH001",)},
                        month=5)
    code, found = score(tmp_path, "--combine")
    assert code == 1
    result = found["files"][0]
    (differs,) = by_code(result, "combine_channel_differs")
    assert (differs["file"], differs["sheet"], differs["cell"], differs["value"]) == (
        str(moved), "渠道档案", "A2", "CH001")
    assert str(east) in differs["message"] and "客户经理" in differs["message"]
    # The text names the place as Excel names another workbook's cell.
    text = CliRunner().invoke(cli, ["score", str(tmp_path), "--combine",
                                    "--as-of", "2025-06-29"]).output
    assert f"[{moved}]渠道档案!A2" in text
    # The first profile counts: the channel stays 张伟's.
    (channel,) = [row for row in result["channels"] if row["channel_id"] == "CH001"]
    assert channel["manager"] == "张伟"


def test_the_same_visit_in_two_files_is_a_warning_and_counts_once(tmp_path: Path) -> None:
    east, _ = two_offices(tmp_path)
    again = tmp_path / "再报" / "东区_2025年6月.xlsx"  # found after the first
    again.parent.mkdir()
    shutil.copy(east, again)
    code, found = score(tmp_path, "--combine")
    result = found["files"][0]
    repeats = by_code(result, "combine_same_row")
    assert {finding["file"] for finding in repeats} == {str(again)}
    assert len(repeats) == 6  # the copy's visits; its profiles are the same, its assessments
    assert len(by_code(result, "combine_assessed_twice")) == 2  # ... are assessed twice
    (channel,) = [row for row in result["channels"] if row["channel_id"] == "CH001"]
    assert channel["visits_month"] == 2
    assert code == 1


def test_one_manager_month_assessed_twice_is_an_error_and_the_first_counts(
        tmp_path: Path) -> None:
    two_offices(tmp_path)
    twice = office_book(tmp_path / "西区_补充.xlsx", "西区", {"王强": ("CH005",)},
                        kpi={"王强": 50})
    code, found = score(tmp_path, "--combine")
    assert code == 1
    result = found["files"][0]
    (assessed,) = by_code(result, "combine_assessed_twice")
    assert (assessed["file"], assessed["sheet"], assessed["cell"]) == (
        str(twice), "考核记录", "B2")
    (wang,) = [row for row in result["managers"] if row["manager"] == "王强"]
    assert wang["kpi_score"] == 85


def test_policy_sheets_that_differ_are_an_error_unless_policy_names_one(
        tmp_path: Path) -> None:
    office_book(tmp_path / "东区.xlsx", "东区", {"张伟": ("CH001",), "李娜": ("CH002",)},
                kpi={"张伟": 90, "李娜": 60}, rank_cards=1)
    west = office_book(tmp_path / "西区.xlsx", "西区", {"王强": ("CH003",)}, kpi={"王强": 75},
                       rank_cards=0)
    code, found = score(tmp_path, "--combine")
    assert code == 1
    result = found["files"][0]
    (differs,) = by_code(result, "combine_policy_differs")
    assert differs["file"] == str(west) and "rank_card_count" in differs["message"]
    # The first file's policy was used (one card each way), and the finding says so.
    cards = {row["manager"]: row["card"] for row in result["managers"]}
    assert cards == {"张伟": "reward", "王强": None, "李娜": "yellow"}
    code, found = score(tmp_path, "--combine", "--policy", west)
    assert code == 0
    result = found["files"][0]
    assert not by_code(result, "combine_policy_differs")
    assert {row["card"] for row in result["managers"]} == {None}


def _gold_tier(path: Path) -> Path:
    """The workbook with its first channel of the tier 金牌 (no tier of the defaults)."""
    workbook = openpyxl.load_workbook(path)
    workbook["渠道档案"]["D2"] = "金牌"
    workbook.save(path)
    return path


def _policy_sheet(path: Path, *entries: tuple[str, object]) -> Path:
    """The workbook (a new one if it does not exist) with a 参数 sheet of ``entries``."""
    workbook = openpyxl.load_workbook(path) if path.exists() else openpyxl.Workbook()
    if not path.exists():
        workbook.remove(workbook.active)
    sheet = workbook.create_sheet("参数")
    for entry in (("参数", "值"), *entries):
        sheet.append(list(entry))
    workbook.save(path)
    return path


def test_every_file_is_checked_against_the_policy_the_book_is_scored_by(
        tmp_path: Path) -> None:
    east, west = (_gold_tier(path) for path in two_offices(tmp_path / "in"))
    _, alone = score(west)
    assert by_code(alone["files"][0], "bad_choice")  # not a tier of the defaults
    policy = _policy_sheet(tmp_path / "参数.xlsx", ("tiers", "金牌,V1"))
    code, found = score(tmp_path / "in", "--combine", "--policy", policy)
    assert not by_code(found["files"][0], "bad_choice")
    # Without --policy, the first file's 参数 sheet: also for the file without one.
    _policy_sheet(east, ("tiers", "金牌,V1"))
    code, found = score(tmp_path / "in", "--combine")
    assert not by_code(found["files"][0], "bad_choice")
    assert code == 0


def test_the_policy_file_among_the_inputs_is_read_once(tmp_path: Path) -> None:
    east, _ = two_offices(tmp_path)
    _policy_sheet(east, ("no_such_key", 5))
    _, found = score(tmp_path, "--combine", "--policy", east)
    assert len(by_code(found["files"][0], "policy_unknown_key")) == 1
    empty = tmp_path / "参数.xlsx"
    empty.write_bytes(b"")
    result = CliRunner().invoke(cli, ["score", str(tmp_path), "--combine", "--policy",
                                      str(empty), "--format", "json"])
    assert result.exit_code == 2
    assert [(f["path"], f["status"]) for f in json.loads(result.stdout)["files"]] == [
        (str(empty), "unreadable")]


def test_without_a_readable_workbook_there_is_no_combined_result_nor_report(
        tmp_path: Path) -> None:
    (tmp_path / "a.xlsx").write_bytes(b"")
    (tmp_path / "b.xlsx").write_bytes(b"not a workbook")
    result = CliRunner().invoke(cli, ["score", str(tmp_path), "--combine", "--format", "json"])
    assert result.exit_code == 2
    assert [f["status"] for f in json.loads(result.stdout)["files"]] == ["unreadable"] * 2
    reported = CliRunner().invoke(cli, ["report", "monthly", str(tmp_path), "--combine",
                                        "--out", str(tmp_path / "reports")])
    assert reported.exit_code == 2
    assert not list(tmp_path.glob("reports/*"))


def test_findings_about_no_file_are_in_every_files_issues_sheet(tmp_path: Path) -> None:
    east, west = two_offices(tmp_path / "in")
    score(tmp_path / "in", "--combine", "--as-of", "2031-06-29", "--out", tmp_path / "out")
    for path in (east, west):
        rows = CalamineWorkbook.from_path(str(tmp_path / "out" / path.name)).get_sheet_by_name(
            "校验结果").to_python()
        assert [row[4] for row in rows if str(row[4]).startswith("2031 年的法定节假日")], path


def test_a_combined_run_that_dies_writing_leaves_no_temporary_file(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    east, west = two_offices(tmp_path)
    originals = {path: path.read_bytes() for path in (east, west)}

    def dies_writing(_: Path, temporary: Path, *__: object) -> None:
        temporary.write_bytes(b"PK\x03\x04 cut short")
        os.kill(os.getpid(), signal.SIGKILL)  # the child scoring them (forked with this)

    monkeypatch.setattr(check, "write_plan", dies_writing)
    report = batch.score_together(plan_jobs([tmp_path], in_place=True),
                                  Options(as_of=AS_OF, jobs=1), label=str(tmp_path))
    assert [result.status for result in report.files] == ["unreadable"]
    assert not [path.name for path in tmp_path.iterdir() if path.name.endswith(".chantool-tmp")]
    assert all(path.read_bytes() == data for path, data in originals.items())


def test_a_column_one_file_has_is_not_blank_in_the_rows_of_a_file_without_it(
        tmp_path: Path) -> None:
    """Profiles completed (R-10), visits assessed (R-06), sales paid (R-37) and training
    checked (R-25) are only checked in the rows of a workbook that keeps that column."""
    sold = ((date(2025, 3, 3), "CH001", 1),)
    a = office_book(tmp_path / "A.xlsx", "东区", {"张伟": ("CH001",)}, sales=sold)
    workbook = openpyxl.load_workbook(a)
    workbook["考核记录"].cell(1, 5, "培训日期")
    workbook["考核记录"].cell(2, 5, date(2025, 6, 5))
    workbook.save(a)
    b = office_book(tmp_path / "B.xlsx", "西区", {"王强": ("CH002",)},
                    sales=((date(2025, 3, 3), "CH002", 1),))
    workbook = openpyxl.load_workbook(b)
    profiles, visits, sales = (workbook[name] for name in ("渠道档案", "拜访日志", "销售记录"))
    profiles.cell(1, 9, "档案完成日期")
    profiles.cell(2, 9, date(2024, 1, 10))
    visits.cell(1, 6, "达成目的数")
    for row in range(2, visits.max_row + 1):
        visits.cell(row, 6, 4)
    sales.cell(1, 8, "回款日期")
    sales.cell(2, 8, date(2025, 3, 20))
    workbook["考核记录"].cell(1, 5, "培训日期")
    workbook["考核记录"].cell(1, 6, "效果检查日期")
    workbook.save(b)
    _, combined = score(tmp_path, "--combine")
    result = combined["files"][0]
    assert [(f["code"], f["file"]) for f in result["findings"] if f["code"] in (
        "profile_missing", "effect_missing", "payment_overdue", "effect_check_missing")] == []
    assert {row["channel_id"]: row["profile_status"] for row in result["channels"]} == {
        "CH001": None, "CH002": "ok"}


def test_a_finding_about_a_row_of_another_file_names_that_file(tmp_path: Path) -> None:
    head_office = openpyxl.Workbook()
    profiles = head_office.active
    profiles.title = "渠道档案"
    profiles.append(["渠道编码", "渠道名称", "渠道类型", "渠道等级", "维护级别", "所属区域",
                     "客户经理", "合作开始日期"])
    profiles.append(["CH001", "东区一店", "直供", "V1", "一般", "东区", "张伟", date(2024, 3, 1)])
    prices = head_office.create_sheet("价格表")
    prices.append(["型号", "渠道类型", "出厂价", "批发价", "零售价", "最低限价", "生效日期"])
    prices.append(["X100", "直供", 1700, 1800, 2100, 1900, date(2025, 4, 1)])
    head_office.save(tmp_path / "总部.xlsx")
    office = openpyxl.Workbook()
    office.active.title = "销售记录"
    office.active.append(["销售日期", "渠道编码", "型号", "数量", "成交单价", "销售区域"])
    office.active.append([date(2025, 5, 20), "CH001", "X100", 10, 1850, "东区"])
    office.save(tmp_path / "东区.xlsx")
    for lang, named in (("zh", f"（“{tmp_path / '总部.xlsx'}”价格表第2行）"),
                        ("en", f"(price row 2 of '{tmp_path / '总部.xlsx'}')")):
        _, found = score(tmp_path, "--combine", "--lang", lang)
        (dumping,) = by_code(found["files"][0], "below_floor_price")
        assert dumping["file"] == str(tmp_path / "东区.xlsx") and named in dumping["message"]


def test_visits_that_overlap_across_files_name_the_other_file() -> None:
    def visit(name: str, check_in: time, check_out: time) -> Source:
        sheet = TypedSheet.of_rows("visits", name, "拜访日志", 1, [2], {
            "visit_date": [date(2025, 6, 3)], "manager": ["张伟"], "channel_id": ["CH001"],
            "visit_form": ["现场面谈"], "check_in": [check_in], "check_out": [check_out]})
        return Source(name, Book(Policy(), AS_OF, Sheets.of({"visits": sheet})), False)

    combined = combine([visit("a.xlsx", time(9), time(11)), visit("b.xlsx", time(10), time(12))],
                       as_of=AS_OF, lang="zh")
    (overlap,) = [f for f in score_read_book(combined.book)[0] if f.code == "visits_overlap"]
    assert overlap.source == "b.xlsx" and "当天“a.xlsx”第2行拜访" in overlap.message


def test_out_and_in_place_write_each_file_its_own_findings_and_results(
        tmp_path: Path) -> None:
    inputs = tmp_path / "in"
    east, west = two_offices(inputs)
    moved = office_book(inputs / "西区_2025年5月.xlsx", "西区", {"王强": ("CH001",)}, month=5)
    out = tmp_path / "out"
    code, _ = score(inputs, "--combine", "--out", out)
    assert code == 1
    issues = {path.name: _sheet(out / path.name, "校验结果")[1:] for path in (east, west, moved)}
    assert [row[2:4] for row in issues[moved.name]] == [["渠道档案", "A2"]]
    # The others' rows: their own visit counts (R-03), at their own cells.
    assert [row[2:4] for row in issues[east.name]] == [["拜访日志", "B5"], ["拜访日志", "B7"]]
    assert [row[2:4] for row in issues[west.name]] == [["拜访日志", "B3"]]
    assert "王强" in issues[west.name][0][4] and "张伟" in issues[east.name][0][4]
    # Each file's rows get their own result columns; the ranking is across files.
    profiles = _sheet(out / west.name, "渠道档案")
    assert "本周现场拜访" in profiles[0] and profiles[1][0] == "CH004"
    scores_sheet = _sheet(out / east.name, "评分")
    assert any(row[:1] == ["王强"] or "王强" in row for row in scores_sheet)
    # In place: the files themselves, each with a backup.
    code, _ = score(inputs, "--combine", "--in-place")
    assert _sheet(moved, "校验结果")[1][2:4] == ["渠道档案", "A2"]
    assert backup_path(moved).exists()


def _sheet(path: Path, name: str) -> list[list[Any]]:
    workbook = CalamineWorkbook.from_path(str(path))
    rows: list[list[Any]] = workbook.get_sheet_by_name(name).to_python()
    return rows


def test_combine_usage_errors(tmp_path: Path) -> None:
    runner = CliRunner()
    policy = office_book(tmp_path / "p.xlsx", "东区", {"张伟": ("CH001",)}, rank_cards=1)
    for arguments, key in ((["score"], "score_needs_input"),
                           (["score", "x.xlsx", "--policy", str(policy)],
                            "policy_needs_combine"),
                           (["score", "x.xlsx", "--office", "东区"], "scope_needs_db"),
                           (["score", "--db", "x.db", "--in-place"], "db_no_in_place")):
        result = runner.invoke(cli, arguments)
        assert result.exit_code == 2 and word(key, "zh") in result.output, arguments
    result = runner.invoke(cli, ["score", "--db", "x.db", "--from", "2025-13"])
    assert result.exit_code == 2 and "2025-13" in result.output
    result = runner.invoke(cli, ["score", "--db", "x.db", "--from", "2025-06", "--to", "2025-05"])
    assert result.exit_code == 2 and "--from 2025-06 在 --to 2025-05 之后" in result.output


# ---------------------------------------------------------------- score --db (no PATH)

def archive(*arguments: object) -> None:
    result = CliRunner().invoke(cli, ["archive", *map(str, arguments)])
    assert result.exit_code == 0, result.output


def months(folder: Path) -> list[Path]:
    """Two offices, two months, one policy (one card each way)."""
    east: dict[str, tuple[str, ...]] = {"张伟": ("CH001",), "李娜": ("CH002",)}
    return [
        office_book(folder / "东区_2025年5月.xlsx", "东区", east, month=5,
                    kpi={"张伟": 70, "李娜": 88}, rank_cards=1),
        office_book(folder / "东区_2025年6月.xlsx", "东区", east,
                    kpi={"张伟": 91, "李娜": 72}, rank_cards=1),
        office_book(folder / "西区_2025年5月.xlsx", "西区", {"王强": ("CH003",)}, month=5,
                    kpi={"王强": 60}, rank_cards=1),
        office_book(folder / "西区_2025年6月.xlsx", "西区", {"王强": ("CH003",)},
                    kpi={"王强": 80}, rank_cards=1),
    ]


def results(found: dict[str, Any]) -> dict[str, Any]:
    """A result's scores: what is not about where its rows came from."""
    (result,) = found["files"]
    return {key: value for key, value in result.items()
            if key not in ("path", "sources", "findings")}


def test_scoring_from_the_store_gives_the_scores_of_combining_the_files(
        store_url: str, tmp_path: Path) -> None:
    files = months(tmp_path / "files")
    archive(tmp_path / "files", "--db", store_url)
    _, combined = score(tmp_path / "files", "--combine")
    _, stored = score("--db", store_url)
    assert results(stored) == results(combined)
    result = stored["files"][0]
    assert result["path"] == "db:全部"
    assert result["sources"] == [path.name for path in files]
    ranks = {(row["manager"], row["month"]): (row["rank"], row["card"])
             for row in result["managers"]}
    assert ranks == {("李娜", "2025-05"): (1, "reward"), ("张伟", "2025-05"): (2, None),
                     ("王强", "2025-05"): (3, "yellow"), ("张伟", "2025-06"): (1, "reward"),
                     ("王强", "2025-06"): (2, None), ("李娜", "2025-06"): (3, "yellow")}
    # The findings are the same, each naming the archived file and its row.
    assert [(finding["code"], Path(finding["file"]).name, finding["sheet"], finding["row"])
            for finding in result["findings"]] == [
        (finding["code"], Path(finding["file"]).name, finding["sheet"], finding["row"])
        for finding in combined["files"][0]["findings"]]
    assert {finding["cell"] for finding in result["findings"]} == {None}


def test_a_policy_entry_far_below_its_header_is_read_from_the_store_too(
        store_url: str, tmp_path: Path) -> None:
    book = office_book(tmp_path / "files" / "东区_2025年6月.xlsx", "东区", {"张伟": ("CH001",)})
    workbook = openpyxl.load_workbook(book)
    sheet = workbook.create_sheet("参数")
    sheet.append(["参数", "值"])
    sheet["A40"], sheet["B40"] = "manager_daily_visits", 9  # 38 blank rows between
    workbook.save(book)
    archive(tmp_path / "files", "--db", store_url)
    targets = [{row["target"] for row in found["files"][0]["manager_days"]}
               for found in (score(tmp_path / "files", "--combine")[1],
                             score("--db", store_url)[1])]
    assert targets == [{9}, {9}]


def test_policy_times_written_as_durations_or_dates_read_the_same_from_the_store(
        store_url: str, tmp_path: Path) -> None:
    book = office_book(tmp_path / "files" / "东区_2025年6月.xlsx", "东区", {"张伟": ("CH001",)})
    workbook = openpyxl.load_workbook(book)
    visits = workbook["拜访日志"]
    visits.cell(1, 6, "签到时间")
    for row in range(2, visits.max_row + 1):
        visits.cell(row, 6, time(9))
    sheet = workbook.create_sheet("参数")
    sheet.append(["参数", "值"])
    sheet.append(["check_in_by", timedelta(hours=9, minutes=30)])  # a duration cell
    sheet.append(["check_out_at", datetime(2025, 1, 1, 18)])  # a date with its time
    workbook.save(book)
    archive(tmp_path / "files", "--db", store_url)
    for found in (score(tmp_path / "files", "--combine")[1], score("--db", store_url)[1]):
        assert not by_code(found["files"][0], "late_check_in")  # 09:00, not after 09:30


def test_the_store_is_read_and_scored_with_the_collector_paused(
        store_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A year's store took twice as long to score with Python's cyclic collector walking
    its millions of rows again and again: ``score --db`` pauses it while the store is read
    and scored, and freezes what it made before it is on again."""
    months(tmp_path / "files")
    archive(tmp_path / "files", "--db", store_url)
    collecting: list[tuple[str, bool]] = []

    def seen(name: str, done: Callable[..., Any]) -> Callable[..., Any]:
        def step(*arguments: Any) -> Any:
            collecting.append((name, gc.isenabled()))
            return done(*arguments)
        return step

    for name in ("_source", "score_read_book"):
        monkeypatch.setattr(scoring, name, seen(name, getattr(scoring, name)))
    frozen = gc.get_freeze_count()
    try:
        _, stored = score("--db", store_url)
        assert gc.isenabled() and gc.get_freeze_count() > frozen
    finally:
        gc.unfreeze()  # this process goes on to other tests
    assert len(stored["files"][0]["sources"]) == 4
    assert collecting == [("_source", False)] * 4 + [("score_read_book", False)]


def test_the_store_scores_current_versions_only(store_url: str, tmp_path: Path) -> None:
    months(tmp_path / "files")
    archive(tmp_path / "files", "--db", store_url)
    office_book(tmp_path / "corrected" / "西区_2025年6月.xlsx", "西区", {"王强": ("CH003",)},
                kpi={"王强": 99}, rank_cards=1)
    archive(tmp_path / "corrected", "--db", store_url)
    _, stored = score("--db", store_url)
    june = {row["manager"]: row["kpi_score"] for row in stored["files"][0]["managers"]
            if row["month"] == "2025-06"}
    assert june == {"张伟": 91, "李娜": 72, "王强": 99}
    assert len(stored["files"][0]["sources"]) == 4


def test_office_from_and_to_choose_the_files_scored(store_url: str, tmp_path: Path) -> None:
    months(tmp_path / "files")
    archive(tmp_path / "files", "--db", store_url)

    def scored(*scope: str) -> tuple[str, list[str], set[tuple[str, str]]]:
        _, found = score("--db", store_url, *scope)
        (result,) = found["files"]
        return (result["path"], result["sources"],
                {(row["manager"], row["month"]) for row in result["managers"]})

    path, sources, managers = scored("--office", "西区")
    assert path == "db:西区"
    assert sources == ["西区_2025年5月.xlsx", "西区_2025年6月.xlsx"]
    assert managers == {("王强", "2025-05"), ("王强", "2025-06")}
    path, sources, managers = scored("--from", "2025-06")
    assert sources == ["东区_2025年6月.xlsx", "西区_2025年6月.xlsx"]
    assert {month for _, month in managers} == {"2025-06"}
    path, sources, _ = scored("--office", "东区", "--from", "2025-05", "--to", "2025-05")
    assert (path, sources) == ("db:东区_2025-05_2025-05", ["东区_2025年5月.xlsx"])
    result = CliRunner().invoke(cli, ["score", "--db", store_url, "--office", "北区"])
    assert result.exit_code == 2 and "没有符合" in result.stderr


def test_score_from_the_store_writes_a_new_scores_workbook(store_url: str,
                                                           tmp_path: Path) -> None:
    months(tmp_path / "files")
    archive(tmp_path / "files", "--db", store_url)
    result = CliRunner().invoke(cli, ["score", "--db", store_url, "--as-of", "2025-06-29",
                                      "--office", "西区", "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    written = tmp_path / "out" / "评分_西区.xlsx"
    assert str(written) in result.stderr
    workbook = CalamineWorkbook.from_path(str(written))
    assert workbook.sheet_names == ["评分", "校验结果"]
    assert package_problems(written) == []  # OOXML schemas and Excel's own rules
    rows = _sheet(written, "评分")
    assert ["王强"] in [row[:1] for row in rows]
    # The issues name each finding's file, as Excel names another workbook's sheet.
    issues = _sheet(written, "校验结果")[1:]
    assert issues and all(row[2].startswith("[西区_2025年") for row in issues)


def test_the_examples_combined_rank_the_managers_of_every_office_over_two_months() -> None:
    examples = Path(__file__).parent.parent / "examples"
    _, found = score(examples, "--combine", "--policy", examples / "浙江省_渠道台账_2025Q2.xlsx")
    (result,) = found["files"]
    assert len(result["sources"]) == 5
    june = [(row["manager"], row["rank"], row["card"]) for row in result["managers"]
            if row["month"] == "2025-06"]
    assert june == [("李娜", 1, "reward"), ("刘洋", 2, None), ("王强", 3, None),
                    ("赵磊", 4, None), ("陈静", 5, None), ("张伟", 6, "yellow")]
    assert {MANAGERS[manager][0] for manager, _, _ in june} == {
        "杭州办事处", "宁波办事处", "温州办事处"}
    # The second month adds its visits and repeats nothing: no finding names a May file.
    assert not [finding for finding in result["findings"]
                if finding.get("file", "").endswith("2025年5月.xlsx")]



def test_the_limits_of_a_combined_run_are_those_of_every_file_together() -> None:
    """``--time-limit`` and ``--memory-limit`` are per file: the one process scoring 200
    workbooks together may use 200 times them (the year of bench_archive.py needs about
    3.4 GB, which one file's 2 GB refused)."""
    given = replace(Limits(), seconds=60, memory_bytes=2 << 30)
    together = together_limits(given, 200)
    assert (together.seconds, together.memory_bytes) == (60 * 200, 200 * (2 << 30))
    assert replace(together, seconds=60, memory_bytes=2 << 30) == given  # the rest as given
    assert together_limits(given, 0) == given
