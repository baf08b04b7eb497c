"""Reading the 参数 / Policy sheet: chantool.policy.read_policy."""

from __future__ import annotations

import re
from datetime import date, datetime, time
from typing import Any, Final

import pytest

from chantool.coerce import Cell
from chantool.findings import Finding
from chantool.policy import POLICY_KEYS, Policy, policy_note, policy_rule, read_policy
from chantool.table import RawSheet

HEADER: Final[list[Cell]] = ["参数", "值", "说明"]
DEFAULTS: Final = Policy()


def sheet(*pairs: tuple[Cell, Cell], name: str = "参数") -> RawSheet:
    """A policy sheet with one key and value per row from row 2."""
    return RawSheet(name, [HEADER, *([key, value, "说明"] for key, value in pairs)])


def where(finding: Finding) -> tuple[str, str, str | None, str | None, int | None, str | None]:
    return (finding.code, finding.severity.value, finding.sheet, finding.cell, finding.row,
            finding.column)


@pytest.mark.parametrize(
    "policy_sheet",
    [
        pytest.param(None, id="no_policy_sheet"),
        pytest.param(sheet(), id="a_policy_sheet_with_only_its_header"),
        pytest.param(sheet(("tiers", None), ("rank_card_count", " ")), id="keys_without_values"),
    ],
)
def test_without_values_every_key_keeps_its_default(policy_sheet: RawSheet | None) -> None:
    policy, findings, _ = read_policy(policy_sheet)
    assert findings == []
    assert policy == DEFAULTS


def test_the_defaults_are_the_numbers_of_the_rules() -> None:
    assert (DEFAULTS.visits_per_week_key, DEFAULTS.visits_per_week_general) == (3, 2)
    assert DEFAULTS.key_contact_ratio == 0.4
    assert (DEFAULTS.check_in_by, DEFAULTS.check_out_at) == (time(8, 0), time(17, 0))
    assert DEFAULTS.profile_workdays == 15
    assert DEFAULTS.rank_card_count == 3
    assert DEFAULTS.tiers == ["VKA", "V1", "V2", "V3", "V4"]
    assert DEFAULTS.channel_types == ["直供", "分销", "大客户", "终端", "业务", "村级"]


@pytest.mark.parametrize(
    ("key", "value", "expected"),
    [
        pytest.param("tiers", "金牌, 银牌，铜牌", ["金牌", "银牌", "铜牌"], id="list"),
        pytest.param("channel_types", "直供、加盟", ["直供", "加盟"], id="list_with_chinese_comma"),
        pytest.param("key_contact_ratio", "12%", 0.12, id="rate_as_percentage"),
        pytest.param("key_contact_ratio", 0.5, 0.5, id="rate_as_share"),
        pytest.param("check_in_by", "07:30", time(7, 30), id="time_as_text"),
        pytest.param("check_out_at", 0.75, time(18, 0), id="time_as_excel_fraction"),
        pytest.param("holidays", "2025-10-01, 2025/10/2、2025年10月3日",
                     [date(2025, 10, 1), date(2025, 10, 2), date(2025, 10, 3)], id="dates_list"),
        pytest.param("workdays", datetime(2025, 9, 28), [date(2025, 9, 28)],
                     id="dates_list_of_one_excel_date"),
        pytest.param("rank_card_count", "5", 5, id="count_as_text"),
        pytest.param("rank_card_count", 5.0, 5, id="count_as_number"),
        pytest.param("weekly_sales_target", "1,200", 1200.0, id="amount_with_separator"),
        pytest.param("visit_scheme", "TIER", "tier", id="choice_in_capitals"),
        pytest.param("rebate_period", " Month ", "month", id="choice_padded"),
        pytest.param("commission_mode", "Incremental", "incremental", id="choice_capitalised"),
    ],
)
def test_each_kind_of_value_overrides_its_default(key: str, value: Cell, expected: Any) -> None:
    policy, findings, _ = read_policy(sheet((key, value)))
    assert findings == []
    assert getattr(policy, key) == expected
    assert getattr(policy, key) != getattr(DEFAULTS, key)


@pytest.mark.parametrize(
    "policy_sheet",
    [
        pytest.param(sheet((" TIERS ", "A")), id="key_in_capitals"),
        pytest.param(sheet(("ｔｉｅｒｓ", "A")), id="key_in_full_width"),
        pytest.param(RawSheet("Policy", [["key", "value"], ["tiers", "A"]]),
                     id="english_sheet_and_header"),
        pytest.param(RawSheet("参数", [["参数设置"], ["按需修改"], ["值", "参数"], ["A", "tiers"]]),
                     id="header_below_a_title_in_any_column_order"),
    ],
)
def test_keys_and_the_header_are_found_as_users_write_them(policy_sheet: RawSheet) -> None:
    policy, findings, _ = read_policy(policy_sheet)
    assert findings == []
    assert policy.tiers == ["A"]


def test_an_unknown_key_is_a_warning_naming_its_cell_and_the_rest_applies() -> None:
    policy, findings, _ = read_policy(sheet(("tiers", "A"), ("colour", "红")))
    assert [where(finding) for finding in findings] == [
        ("policy_unknown_key", "warning", "参数", "A3", 3, "key")]
    assert "A3" in findings[0].message
    assert "colour" in findings[0].message
    assert policy.tiers == ["A"]


def test_an_error_value_in_the_key_column_is_an_unknown_key_not_a_crash() -> None:
    _, findings, _ = read_policy(sheet(("tiers", "A"), ("#N/A", 3)))
    assert [where(finding) for finding in findings] == [
        ("policy_unknown_key", "warning", "参数", "A3", 3, "key")]


def test_the_cell_of_each_value_the_sheet_sets_is_kept() -> None:
    _, _, cells = read_policy(sheet(("tiers", "A"), ("Rank_Card_Count", 4)))
    assert cells == {"tiers": ("参数", "B2", 2), "rank_card_count": ("参数", "B3", 3)}


def test_a_key_set_twice_is_a_warning_and_the_first_value_wins() -> None:
    policy, findings, _ = read_policy(sheet(("tiers", "A"), ("rank_card_count", 4), ("Tiers", "B")))
    assert [where(finding) for finding in findings] == [
        ("policy_duplicate_key", "warning", "参数", "A4", 4, "key")]
    assert "第2行" in findings[0].message
    assert (policy.tiers, policy.rank_card_count) == (["A"], 4)


@pytest.mark.parametrize(
    ("key", "value", "reason"),
    [
        pytest.param("rank_card_count", "三", "不是数字", id="count_in_words"),
        pytest.param("rank_card_count", 2.5, "应为整数", id="count_with_fraction"),
        pytest.param("yellow_cards_focus", -1, "不能小于 0", id="negative_count"),
        pytest.param("training_day", 32, "不能大于 31", id="day_of_month_beyond_31"),
        pytest.param("after_sales_escalate_days", 10**9, "不能大于 3660",
                     id="days_beyond_ten_years"),
        pytest.param("key_contact_ratio", "150%", "不能大于 1", id="rate_above_one"),
        pytest.param("check_in_by", "25:00", "不是时间", id="impossible_time"),
        pytest.param("holidays", "2025-10-01, 2025-13-01", "不是日期", id="impossible_date"),
        pytest.param("visit_scheme", "weekly", "维护级别、等级", id="choice_not_offered"),
    ],
)
def test_a_bad_value_is_an_error_naming_key_and_cell_and_keeps_the_default(
    key: str, value: Cell, reason: str
) -> None:
    policy, findings, _ = read_policy(sheet(("tiers", "A"), (key, value), ("profile_workdays", 10)))
    assert [where(finding) for finding in findings] == [
        ("policy_bad_value", "error", "参数", "B3", 3, "value")]
    message = findings[0].message
    assert key in message
    assert "B3" in message
    assert reason in message
    assert getattr(policy, key) == getattr(DEFAULTS, key)
    assert (policy.tiers, policy.profile_workdays) == (["A"], 10)


def test_every_bad_value_is_reported_once_in_english_too() -> None:
    policy, findings, _ = read_policy(
        sheet(("rank_card_count", "三"), ("holidays", "x, y"), ("key_contact_ratio", "2")),
        lang="en")
    assert sorted(finding.cell or "" for finding in findings) == ["B2", "B3", "B4"]
    assert all("policy key" in finding.message for finding in findings)
    assert policy == DEFAULTS


def test_a_policy_sheet_without_its_header_is_reported_and_defaults_apply() -> None:
    policy, findings, _ = read_policy(RawSheet("参数", [["名称", "数值"], ["tiers", "A"]]))
    assert [(finding.code, finding.sheet) for finding in findings] == [
        ("header_not_found", "参数")]
    assert policy == DEFAULTS


@pytest.mark.parametrize("key", POLICY_KEYS)
def test_every_key_names_its_rule_and_explains_itself(key: str) -> None:
    assert re.fullmatch(r"R-\d{2}", policy_rule(key))
    assert policy_note(key).strip()


@pytest.mark.parametrize(("key", "values", "code"), [
    pytest.param("commission_mode", ["全额累进", "retroactive", "全额"], "retroactive",
                 id="retroactive"),
    pytest.param("commission_mode", ["超额累进", "分段累进", "Incremental"], "incremental",
                 id="incremental"),
    pytest.param("rebate_period", ["季度", "quarter", "季"], "quarter", id="quarter"),
    pytest.param("commission_period", ["月", "月度", "month"], "month", id="month"),
    pytest.param("rebate_period", ["年", "年度", "YEAR"], "year", id="year"),
    pytest.param("visit_scheme", ["等级", "tier"], "tier", id="tier_scheme"),
    pytest.param("visit_scheme", ["维护级别", "care"], "care", id="care_scheme"),
])
def test_choices_are_accepted_in_chinese_and_english(key: str, values: list[str],
                                                      code: str) -> None:
    for value in values:
        policy, findings, _ = read_policy(sheet((key, value)))
        assert findings == [] and getattr(policy, key) == code, value


def test_a_choice_not_in_the_list_names_the_chinese_choices() -> None:
    _, findings, _ = read_policy(sheet(("commission_mode", "按季")))
    (bad,) = findings
    assert (bad.code, bad.cell) == ("policy_bad_value", "B2")
    assert "应为 全额累进、超额累进 之一" in bad.message
    _, (english,), _ = read_policy(sheet(("rebate_period", "weekly")), "en")
    assert "must be one of month or quarter or year" in english.message
