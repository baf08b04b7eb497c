"""The validation engine over in-memory sheets: every finding it can make, at its cell.

Each case is a small workbook with one problem and the same workbook corrected; the
problem must be reported exactly where it is (sheet, cell, row, column key) with its
severity and rule, and the corrected workbook must be clean.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from dataclasses import dataclass
from datetime import date
from typing import Final, NamedTuple

import pytest

from chantool.book import Book
from chantool.coerce import Cell
from chantool.findings import CATALOGUE, Finding
from chantool.table import MergedRange, RawSheet
from chantool.validate import validate_book

AS_OF: Final = date(2025, 6, 30)

Record = dict[str, Cell]

# One good row of each sheet, by header label; columns follow in this order from A.
CHANNEL: Final[Record] = {
    "渠道编码": "CH001", "渠道名称": "东区一店", "渠道类型": "直供", "渠道等级": "V1",
    "维护级别": "重点", "所属区域": "东区", "客户经理": "张伟", "合作开始日期": "2025-03-01",
    "销售人员数": 5, "重点联系人数": 2, "信用额度": 50000.0,
}  # A..K
VISIT: Final[Record] = {
    "拜访日期": "2025-06-02", "客户经理": "张伟", "渠道编码": "CH001", "拜访对象": "销售人员",
    "拜访形式": "现场面谈", "是否达成一致": "是", "未达成原因": None, "后续计划": None,
    "跟进截止日期": None, "签到时间": "08:30", "签退时间": "17:30",
}  # A..K
PRICE: Final[Record] = {
    "型号": "X100", "渠道类型": "直供", "出厂价": 100.0, "零售价": 150.0, "生效日期": "2025-01-01",
}  # A..E
BAND: Final[Record] = {"季度销售额下限": 0.0, "提成比例": "10%"}  # A..B
SALE: Final[Record] = {
    "销售日期": "2025-06-01", "渠道编码": "CH001", "型号": "X100", "数量": 10.0, "成交单价": 120.0,
}  # A..E
ASSESSMENT: Final[Record] = {"月份": "2025-06", "客户经理": "张伟", "考核得分": 90.0}  # A..C


def table(name: str, base: Record, *changes: Record, merged: tuple[MergedRange, ...] = ()
          ) -> RawSheet:
    """A sheet with the header of ``base`` in row 1 and one row per change of ``base``
    (one unchanged row when no change is given)."""
    header = list(base)
    records = [{**base, **change} for change in changes or ({},)]
    return RawSheet(name, [header, *([record[label] for label in header] for record in records)],
                    merged)


def channels(*changes: Record, merged: tuple[MergedRange, ...] = ()) -> RawSheet:
    return table("渠道档案", CHANNEL, *changes, merged=merged)


def visits(*changes: Record) -> RawSheet:
    return table("拜访日志", VISIT, *changes)


def policy(*pairs: tuple[str, Cell], name: str = "参数") -> RawSheet:
    return RawSheet(name, [["参数", "值", "说明"], *([key, value, None] for key, value in pairs)])


def check(sheets: list[RawSheet], outside: frozenset[str] = frozenset()) -> list[Finding]:
    return validate_book(sheets, as_of=AS_OF, outside_channels=outside)[1]


def read(sheets: list[RawSheet]) -> Book:
    return validate_book(sheets, as_of=AS_OF)[0]


class Spot(NamedTuple):
    """Where a finding is and how serious it is."""

    code: str
    sheet: str | None
    cell: str | None
    row: int | None
    column: str | None
    severity: str
    rule: str | None


def spot(finding: Finding) -> Spot:
    return Spot(finding.code, finding.sheet, finding.cell, finding.row, finding.column,
                finding.severity.value, finding.rule)


def spots(sheets: list[RawSheet], outside: frozenset[str] = frozenset()) -> list[Spot]:
    return [spot(finding) for finding in check(sheets, outside)]


def error(code: str, sheet: str | None, cell: str | None, row: int | None, column: str | None,
          rule: str | None = None) -> Spot:
    return Spot(code, sheet, cell, row, column, "error", rule)


def warning(code: str, sheet: str, cell: str | None, row: int | None, column: str | None
            ) -> Spot:
    return Spot(code, sheet, cell, row, column, "warning", None)


@dataclass(frozen=True)
class Case:
    """A workbook with one problem, the same workbook corrected, and the finding."""

    bad: list[RawSheet]
    good: list[RawSheet]
    expected: Spot


CASES: Final[dict[str, Case]] = {
    "a_workbook_without_any_known_sheet": Case(
        [RawSheet("Sheet1", [["随便", "写点"], ["什么", 1]])], [channels()],
        error("no_known_sheet", None, None, None, None),
    ),
    "the_same_sheet_in_chinese_and_english": Case(
        [channels(), table("Channels", CHANNEL)], [channels(), visits()],
        warning("duplicate_sheet", "Channels", None, None, None),
    ),
    "two_policy_sheets": Case(
        [channels(), policy(("tiers", "V1")), policy(("tiers", "V1"), name="Policy")],
        [channels(), policy(("tiers", "V1"))],
        warning("duplicate_sheet", "Policy", None, None, None),
    ),
    "a_sheet_without_a_header_row": Case(
        [RawSheet("渠道档案", [["编号", "名字", "备注"], ["CH001", "东区一店", None]])],
        [channels()],
        error("header_not_found", "渠道档案", None, None, None),
    ),
    "a_required_column_is_missing": Case(
        [table("渠道档案", {k: v for k, v in CHANNEL.items() if k != "客户经理"})], [channels()],
        error("column_missing", "渠道档案", None, 1, "manager"),
    ),
    "a_column_label_occurs_twice": Case(
        [table("渠道档案", {**CHANNEL, "渠道名称 ": "重复"})],
        [table("渠道档案", {**CHANNEL, "备注": "x"})],
        warning("duplicate_column", "渠道档案", "L1", 1, "name"),
    ),
    "merged_cells_in_the_data_area": Case(
        [channels({}, {"渠道编码": "CH002", "渠道名称": None},
                  merged=(MergedRange(2, 2, 3, 2),))],
        [channels({}, {"渠道编码": "CH002"})],
        error("merged_cells", "渠道档案", "B2", 2, "name"),
    ),
    "a_required_cell_is_blank": Case(
        [channels({"渠道名称": None})], [channels()],
        error("required_missing", "渠道档案", "B2", 2, "name"),
    ),
    "a_formula_error_value": Case(
        [channels({"合作开始日期": "#REF!"})], [channels()],
        error("cell_error", "渠道档案", "H2", 2, "start_date"),
    ),
    "text_in_a_number_column": Case(
        [channels({"信用额度": "很多"})], [channels({"信用额度": "5,000"})],
        error("not_a_number", "渠道档案", "K2", 2, "credit_limit"),
    ),
    "a_fraction_in_a_count_column": Case(
        [channels({"销售人员数": 5.5})], [channels({"销售人员数": "５"})],
        error("not_an_integer", "渠道档案", "I2", 2, "sales_staff"),
    ),
    "an_impossible_date": Case(
        [channels({"合作开始日期": "2025/13/45"})], [channels({"合作开始日期": "2025年3月1日"})],
        error("not_a_date", "渠道档案", "H2", 2, "start_date"),
    ),
    "an_impossible_time": Case(
        [visits({"签到时间": "25:99"})], [visits({"签到时间": 8 / 24})],
        error("not_a_time", "拜访日志", "J2", 2, "check_in"),
    ),
    "neither_yes_nor_no": Case(
        [visits({"是否达成一致": "也许"})], [visits({"是否达成一致": "Y"})],
        error("not_yes_no", "拜访日志", "F2", 2, "agreed"),
    ),
    "a_month_without_its_year": Case(
        [table("考核记录", ASSESSMENT, {"月份": "六月"})], [table("考核记录", ASSESSMENT)],
        error("not_a_month", "考核记录", "A2", 2, "month"),
    ),
    "a_value_outside_the_choices": Case(
        [channels({"维护级别": "特别"})], [channels({"维护级别": "一般"})],
        error("bad_choice", "渠道档案", "E2", 2, "care_level"),
    ),
    "a_negative_amount": Case(
        [channels({"信用额度": -1.0})], [channels({"信用额度": 0.0})],
        error("out_of_range", "渠道档案", "K2", 2, "credit_limit"),
    ),
    "a_quantity_of_zero": Case(
        [table("销售记录", SALE, {"数量": 0.0})], [table("销售记录", SALE, {"数量": 1.0})],
        error("out_of_range", "销售记录", "D2", 2, "qty"),
    ),
    "a_rate_above_one_hundred_percent": Case(
        [table("提成档位", BAND, {"提成比例": "120%"})],
        [table("提成档位", BAND, {"提成比例": "100%"})],
        error("out_of_range", "提成档位", "B2", 2, "rate"),
    ),
    "a_visit_after_the_as_of_date": Case(
        [visits({"拜访日期": "2025-07-01"})], [visits({"拜访日期": "2025-06-30"})],
        error("date_in_future", "拜访日志", "A2", 2, "visit_date"),
    ),
    "a_repeated_channel_id": Case(
        [channels({}, {})], [channels({}, {"渠道编码": "CH002"})],
        error("not_unique", "渠道档案", "A3", 3, "channel_id"),
    ),
    "a_repeated_model_channel_type_and_date": Case(
        [table("价格表", PRICE, {}, {"生效日期": "2025/1/1"})],
        [table("价格表", PRICE, {}, {"渠道类型": "分销"})],
        error("not_unique", "价格表", "E3", 3, "effective_from"),
    ),
    "a_repeated_month_and_manager": Case(
        [table("考核记录", ASSESSMENT, {}, {"月份": "2025年6月"})],
        [table("考核记录", ASSESSMENT, {}, {"客户经理": "李娜"})],
        error("not_unique", "考核记录", "B3", 3, "manager"),
    ),
    "a_visit_to_a_channel_without_a_profile": Case(
        [channels(), visits({"渠道编码": "CH999"})], [channels(), visits()],
        error("unknown_channel", "拜访日志", "C2", 2, "channel_id"),
    ),
    "a_sale_to_a_channel_without_a_profile": Case(
        [channels(), table("销售记录", SALE, {"渠道编码": "CH002"})],
        [channels(), table("销售记录", SALE)],
        error("unknown_channel", "销售记录", "B2", 2, "channel_id"),
    ),
    "more_key_contacts_than_sales_staff": Case(
        [channels({"重点联系人数": 6})], [channels({"重点联系人数": 5})],
        error("key_contacts_exceed_staff", "渠道档案", "J2", 2, "key_contacts", "R-04"),
    ),
    "too_few_key_contacts_for_the_sales_staff": Case(
        # 40 % of 5 sales staff, rounded up, is 2.
        [channels({"重点联系人数": 1})], [channels({"重点联系人数": 2})],
        Spot("key_contacts_below_ratio", "渠道档案", "J2", 2, "key_contacts", "warning", "R-04"),
    ),
    "a_profile_completed_after_fifteen_working_days": Case(
        # Started Saturday 1 March 2025: the 15th working day after it is Friday the 21st.
        [table("渠道档案", {**CHANNEL, "档案完成日期": "2025-03-24"})],
        [table("渠道档案", {**CHANNEL, "档案完成日期": "2025-03-21"})],
        Spot("profile_late", "渠道档案", "L2", 2, "profile_done_date", "warning", "R-10"),
    ),
    "a_profile_still_missing_after_its_deadline": Case(
        [table("渠道档案", {**CHANNEL, "档案完成日期": None})],
        [table("渠道档案", {**CHANNEL, "档案完成日期": "2025-03-20"})],
        Spot("profile_missing", "渠道档案", "L2", 2, "profile_done_date", "warning", "R-10"),
    ),
    "a_retail_price_below_the_company_price": Case(
        [table("价格表", PRICE, {"出厂价": 200.0})], [table("价格表", PRICE, {"出厂价": 150.0})],
        error("price_ladder_broken", "价格表", "D2", 2, "price_c", "R-30"),
    ),
    "a_sale_below_the_floor_price": Case(
        [channels(), table("价格表", {**PRICE, "最低限价": 110.0}),
         table("销售记录", SALE, {"成交单价": 109.0})],
        [channels(), table("价格表", {**PRICE, "最低限价": 110.0}),
         table("销售记录", SALE, {"成交单价": 110.0})],
        Spot("below_floor_price", "销售记录", "E2", 2, "unit_price", "warning", "R-32"),
    ),
    "a_sale_outside_the_channels_region": Case(
        [channels(), table("销售记录", {**SALE, "销售区域": "西区"})],
        [channels(), table("销售记录", {**SALE, "销售区域": "东区"})],
        Spot("cross_area_sale", "销售记录", "F2", 2, "sale_region", "warning", "R-33"),
    ),
    "a_follow_up_not_done_after_its_due_date": Case(
        [visits({"跟进截止日期": "2025-06-20"})], [visits({"跟进截止日期": "2025-07-05"})],
        Spot("follow_up_overdue", "拜访日志", "I2", 2, "follow_up_due", "warning", "R-06"),
    ),
    "a_follow_up_done_after_its_due_date": Case(
        [table("拜访日志", {**VISIT, "跟进截止日期": "2025-06-20", "跟进完成日期": "2025-06-25"})],
        [table("拜访日志", {**VISIT, "跟进截止日期": "2025-06-20", "跟进完成日期": "2025-06-20"})],
        Spot("follow_up_done_late", "拜访日志", "L2", 2, "follow_up_done", "warning", "R-06"),
    ),
    "check_out_not_after_check_in": Case(
        [visits({"签到时间": "08:30", "签退时间": "08:30"})],
        [visits({"签到时间": "08:30", "签退时间": "09:00"})],
        error("check_out_before_check_in", "拜访日志", "K2", 2, "check_out", "R-07"),
    ),
    "no_agreement_without_a_follow_up_date": Case(
        [visits({"是否达成一致": "否", "未达成原因": "价格", "后续计划": "再谈",
                 "跟进截止日期": " "})],
        [visits({"是否达成一致": "否", "未达成原因": "价格", "后续计划": "再谈",
                 "跟进截止日期": "2025-07-05"})],
        error("no_agreement_incomplete", "拜访日志", "I2", 2, "follow_up_due", "R-06"),
    ),
    "a_failed_checklist_item_without_a_fix_by_date": Case(
        [table("拜访日志", {**VISIT, "检查不合格项": "门头不达标", "整改期限": None})],
        [table("拜访日志", {**VISIT, "检查不合格项": "门头不达标", "整改期限": "2025-07-05"})],
        error("fix_by_missing", "拜访日志", "M2", 2, "fix_by", "R-08"),
    ),
    "commission_bands_that_do_not_increase": Case(
        [table("提成档位", BAND, {}, {"季度销售额下限": 100000.0}, {"季度销售额下限": 100000.0})],
        [table("提成档位", BAND, {}, {"季度销售额下限": 100000.0}, {"季度销售额下限": 200000.0})],
        error("bands_not_increasing", "提成档位", "A4", 4, "sales_from", "R-35"),
    ),
    "an_unknown_policy_key": Case(
        [channels(), policy(("tiers", "V1"), ("colour", "红"))],
        [channels(), policy(("tiers", "V1"))],
        warning("policy_unknown_key", "参数", "A3", 3, "key"),
    ),
    "a_policy_key_set_twice": Case(
        [channels(), policy(("tiers", "V1"), ("TIERS", "V2"))],
        [channels(), policy(("tiers", "V1"))],
        warning("policy_duplicate_key", "参数", "A3", 3, "key"),
    ),
    "a_policy_value_of_the_wrong_type": Case(
        [channels(), policy(("rank_card_count", "三"))],
        [channels(), policy(("rank_card_count", 3))],
        error("policy_bad_value", "参数", "B2", 2, "value"),
    ),
}


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_the_problem_is_reported_at_its_cell_and_nothing_else(case: Case) -> None:
    findings = check(case.bad)
    assert [spot(finding) for finding in findings] == [case.expected]
    if case.expected.cell is not None:
        assert case.expected.cell in findings[0].message


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_the_corrected_workbook_is_clean(case: Case) -> None:
    assert check(case.good) == []


def test_every_code_the_engine_can_make_has_a_case() -> None:
    covered = {case.expected.code for case in CASES.values()}
    # not_written comes from writing results to a file, not from the engine;
    # calendar_year_unknown needs an as-of date beyond the holiday data (test_workdays.py).
    # Codes made by score only are covered by the scoring tests (tests/test_score_*.py).
    scored = {code for code, entry in CATALOGUE.items() if entry.scored}
    assert covered == set(CATALOGUE) - {"not_written", "calendar_year_unknown"} - scored


# --- Finding sheets, headers and columns ----------------------------------------------

LABELS: Final = list(CHANNEL)
KEYS: Final = ["channel_id", "name", "channel_type", "tier", "care_level", "region", "manager",
               "start_date", "sales_staff", "key_contacts", "credit_limit"]
# A row with more key contacts (6, column J) than sales staff (5).
TOO_MANY_CONTACTS: Final = [*list(CHANNEL.values())[:9], 6, 50000.0]


def full_width(text: str) -> str:
    """ASCII letters, digits and signs as their full-width forms."""
    return "".join(chr(ord(char) + 0xFEE0) if "!" <= char <= "~" else char for char in text)


@pytest.mark.parametrize(
    ("name", "rows", "cell"),
    [
        pytest.param("渠道档案", [LABELS, TOO_MANY_CONTACTS], "J2", id="chinese_labels"),
        pytest.param("渠道档案", [["渠道档案（每行一个渠道）"], ["带 * 的列必填", None, "说明"],
                                  LABELS, TOO_MANY_CONTACTS], "J4",
                     id="header_below_a_title_and_an_instruction_row"),
        pytest.param("渠道档案", [KEYS, TOO_MANY_CONTACTS], "J2", id="english_keys"),
        pytest.param("渠道档案", [[key.upper().replace("_", " ") for key in KEYS],
                                  TOO_MANY_CONTACTS], "J2", id="english_keys_in_capitals"),
        pytest.param("渠道档案", [[full_width(key) for key in KEYS], TOO_MANY_CONTACTS], "J2",
                     id="full_width_english_keys"),
        pytest.param("渠道档案", [[f"\u3000{label} " for label in LABELS], TOO_MANY_CONTACTS],
                     "J2", id="padded_chinese_labels"),
        pytest.param("渠道档案", [[*LABELS[:8], "销售人员数(人)", "重点联系人数（人）",
                                   "信用额度【元】"], TOO_MANY_CONTACTS], "J2",
                     id="labels_with_a_trailing_unit_in_brackets"),
        pytest.param("渠道档案", [["备注", *LABELS, "照片"],
                                  ["老客户", *TOO_MANY_CONTACTS, "x.jpg"]],
                     "K2", id="extra_user_columns_are_kept_and_ignored"),
        pytest.param("渠道档案", [[LABELS[i] for i in range(10, -1, -1)],
                                  TOO_MANY_CONTACTS[::-1]], "B2",
                     id="columns_in_any_order"),
        pytest.param("Channels", [LABELS, TOO_MANY_CONTACTS], "J2", id="english_sheet_name"),
        pytest.param(" CHANNELS ", [LABELS, TOO_MANY_CONTACTS], "J2",
                     id="english_sheet_name_in_capitals"),
    ],
)
def test_columns_are_found_by_header_text_wherever_the_header_is(
    name: str, rows: list[list[Cell]], cell: str
) -> None:
    row = int(cell[1:])
    assert spots([RawSheet(name, rows)]) == [
        error("key_contacts_exceed_staff", name, cell, row, "key_contacts", "R-04")]


def test_a_label_with_a_unit_in_brackets_is_read_as_its_column() -> None:
    rebates = RawSheet("返利政策", [["型号", "渠道类型", "提货返利(元/台)", "生效日期"],
                                   ["X100", "直供", -5.0, "2025-01-01"],
                                   ["X200", "直供", "50", "2025-01-01"]])
    assert spots([rebates]) == [error("out_of_range", "返利政策", "C2", 2, "pickup_rebate")]
    assert read([rebates]).sheets["rebates"].column("pickup_rebate") == [None, 50.0]


def test_blank_rows_are_skipped_and_rows_keep_their_excel_numbers() -> None:
    blank_rows: list[list[Cell]] = [[], [None] * 11, [""] * 11, ["  ", None, "\u3000"]]
    second = ["CH002", *TOO_MANY_CONTACTS[1:]]
    sheet = RawSheet("渠道档案", [LABELS, list(CHANNEL.values()), *blank_rows, second])
    book, findings = validate_book([sheet], as_of=AS_OF)
    assert [spot(finding) for finding in findings] == [
        error("key_contacts_exceed_staff", "渠道档案", "J7", 7, "key_contacts", "R-04")]
    assert book.sheets["channels"].row_numbers == [2, 7]


def test_a_row_holding_only_zero_is_data_not_a_blank_row() -> None:
    sheet = RawSheet("渠道档案", [LABELS, [None] * 8 + [0]])
    assert {finding.code for finding in check([sheet])} == {"required_missing"}
    assert read([sheet]).sheets["channels"].column("sales_staff") == [0]


def test_merged_cells_above_the_header_are_not_reported() -> None:
    sheet = RawSheet("渠道档案", [["渠道档案"], LABELS, list(CHANNEL.values())],
                     (MergedRange(1, 1, 1, 11),))
    assert check([sheet]) == []


def test_a_merged_cell_has_no_value_of_its_own_in_the_rows_it_covers() -> None:
    sheet = channels({}, {"渠道编码": "CH002", "所属区域": None},
                     merged=(MergedRange(2, 6, 3, 6),))
    book, findings = validate_book([sheet], as_of=AS_OF)
    assert [spot(finding) for finding in findings] == [
        error("merged_cells", "渠道档案", "F2", 2, "region")]
    assert "F2:F3" in findings[0].message
    assert book.sheets["channels"].column("region") == ["东区", None]


def test_a_sheet_missing_a_required_column_is_still_checked() -> None:
    sheet = table("渠道档案", {k: v for k, v in CHANNEL.items() if k != "客户经理"},
                  {"重点联系人数": 6})
    assert [finding.code for finding in check([sheet])] == [
        "column_missing", "key_contacts_exceed_staff"]


def test_choices_match_regardless_of_case_and_width() -> None:
    sheet = channels({"渠道等级": "ｖ１", "维护级别": " 一般 "})
    typed = read([sheet]).sheets["channels"]
    assert (typed.column("tier"), typed.column("care_level")) == (["V1"], ["一般"])
    assert check([sheet]) == []


def test_the_policy_sheet_supplies_the_choices() -> None:
    franchise = channels({"渠道类型": "加盟"})
    assert spots([franchise]) == [error("bad_choice", "渠道档案", "C2", 2, "channel_type")]
    assert check([franchise, policy(("channel_types", "直供, 加盟"))]) == []
    assert check([policy(("Channel_Types", "直供，加盟"), name="Policy"), franchise]) == []


def test_policy_choices_replace_the_defaults() -> None:
    assert spots([channels(), policy(("tiers", "金牌, 银牌"))]) == [
        error("bad_choice", "渠道档案", "D2", 2, "tier")]


def test_the_choices_are_named_in_the_message() -> None:
    [finding] = check([channels({"渠道类型": "加盟"}), policy(("channel_types", "直供,分销"))])
    assert "直供、分销" in finding.message


# --- Rules across rows and sheets -----------------------------------------------------


def test_without_channel_profiles_channel_ids_are_not_checked() -> None:
    assert check([visits({"渠道编码": "CH999"})]) == []


def test_channels_given_from_outside_the_workbook_are_known() -> None:
    visit_log = visits({}, {"渠道编码": "CH999", "拜访日期": "2025-06-03"})
    assert spots([visit_log], outside=frozenset({"CH001"})) == [
        error("unknown_channel", "拜访日志", "C3", 3, "channel_id")]
    assert check([channels({"渠道编码": "CH999"}), visit_log], outside=frozenset({"CH001"})) == []


def test_planned_customers_may_name_channels_without_a_profile() -> None:
    planned = RawSheet("计划客户", [["月份", "办事处", "渠道编码", "达成得分"],
                                   ["2025-06", "东区", "CH999", 80.0]])
    assert check([channels(), planned]) == []


def test_every_missing_follow_up_field_is_reported_when_no_agreement_was_reached() -> None:
    assert spots([visits({"是否达成一致": "否"})]) == [
        error("no_agreement_incomplete", "拜访日志", cell, 2, key, "R-06")
        for cell, key in (("G2", "cause"), ("H2", "follow_up"), ("I2", "follow_up_due"))]


def test_follow_up_columns_absent_from_the_sheet_are_named_on_the_agreed_cell() -> None:
    sheet = table("拜访日志", {k: v for k, v in VISIT.items() if k in list(VISIT)[:6]},
                  {"是否达成一致": "否"})
    [finding] = check([sheet])
    assert spot(finding) == error("no_agreement_incomplete", "拜访日志", "F2", 2, "agreed", "R-06")
    assert "未达成原因、后续计划、跟进截止日期" in finding.message


def test_an_unreadable_follow_up_date_is_reported_once_as_a_bad_date() -> None:
    sheet = visits({"是否达成一致": "否", "未达成原因": "价格", "后续计划": "再谈",
                    "跟进截止日期": "下周"})
    assert [finding.code for finding in check([sheet])] == ["not_a_date"]


def test_every_later_band_at_or_below_an_earlier_one_is_reported() -> None:
    bands = table("提成档位", BAND, {}, {"季度销售额下限": 100000.0}, {"季度销售额下限": 50000.0},
                  {"季度销售额下限": 150000.0})
    assert [finding.cell for finding in check([bands])] == ["A4"]


def test_findings_come_in_sheet_then_row_then_column_order() -> None:
    findings = check([
        visits({"拜访日期": "2025-07-01", "渠道编码": "CH999", "签退时间": "08:00"}),
        channels({"渠道编码": "CH002", "维护级别": "特别"}, {"渠道名称": None}),
    ])
    assert [(finding.sheet, finding.cell) for finding in findings] == [
        ("拜访日志", "A2"), ("拜访日志", "C2"), ("拜访日志", "K2"),
        ("渠道档案", "E2"), ("渠道档案", "B3"),
    ]


# --- The engine stays free of files and terminals --------------------------------------


def test_the_engine_imports_no_excel_or_command_line_library() -> None:
    script = textwrap.dedent("""
        import sys
        import chantool.rules
        import chantool.validate
        loaded = {"openpyxl", "python_calamine", "xlwings", "click"} & set(sys.modules)
        assert not loaded, sorted(loaded)
    """)
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            check=False)
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize(("staff", "contacts", "ratio", "short"), [
    pytest.param(15, 6, None, False, id="exactly_40_percent_of_15"),
    pytest.param(15, 5, None, True, id="one_short_of_40_percent"),
    pytest.param(15, 5, "30%", False, id="policy_asks_for_30_percent"),
    pytest.param(0, 0, None, False, id="no_sales_staff"),
])
def test_key_contacts_are_measured_against_the_policy_share_of_the_staff(
    staff: int, contacts: int, ratio: str | None, short: bool
) -> None:
    sheets = [channels({"销售人员数": staff, "重点联系人数": contacts})]
    if ratio is not None:
        sheets.append(policy(("key_contact_ratio", ratio)))
    codes = [finding.code for finding in check(sheets)]
    assert codes == (["key_contacts_below_ratio"] if short else [])
