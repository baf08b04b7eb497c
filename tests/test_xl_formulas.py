"""The cell functions as plain Python, with inputs shaped as Excel passes them: 2-D lists
for ranges, None for empty cells, floats for whole numbers, datetimes for dates."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any, get_type_hints

import pytest

from chantool.policy import Policy
from chantool.scoring.money import rebate_for
from chantool.scoring.value import grade_of
from chantool.xl import formulas, udfs

REBATES = [["型号", "渠道类型", "提货返利(元/台)", "达量门槛", "达量返利", "生效日期"],
           ["X100", "直供", 10.0, 100.0, 5.0, datetime(2025, 1, 1)],
           ["X100", "直供", 12.0, 100.0, 6.0, datetime(2025, 7, 1)],
           [100.0, "分销", 3.0, None, None, datetime(2025, 1, 1)]]
PRICES: list[list[Any]] = [["型号", "渠道类型", "出厂价", "零售价", "最低限价", "生效日期"],
          ["X100", "直供", 100.0, 200.0, 150.0, datetime(2025, 1, 1)],
          ["X100", "直供", 100.0, 200.0, 160.0, datetime(2025, 7, 1)]]
BANDS = [["季度销售额下限", "提成比例"], [0.0, 0.01], [100000.0, "2%"], [300000.0, 0.03]]
TIER_POLICY = [["参数", "值"], ["visit_scheme", "tier"],
               ["tier_visit_targets", "VKA:4/周,终端:2/月"]]


@pytest.mark.parametrize(("qty", "on", "expected"), [
    (120.0, datetime(2025, 6, 30), 1800.0),   # 120 x 10 + 120 x 5 once 100 is reached
    (99.0, datetime(2025, 6, 30), 990.0),     # below the threshold: pick-up rebate only
    (100.0, datetime(2025, 7, 1), 1800.0),    # the July row is in force from its date
    (0.0, datetime(2025, 6, 30), 0.0),
])
def test_rebate_uses_the_row_in_force_on_the_date(qty: float, on: datetime,
                                                 expected: float) -> None:
    assert formulas.rebate(qty, REBATES, "X100", "直供", on) == expected


def test_rebate_over_a_range_answers_cell_by_cell_with_short_texts_for_problems() -> None:
    answer = formulas.rebate([[120.0], ["十台"], [None]], REBATES, "X100", "直供",
                             datetime(2025, 6, 30))
    assert answer == [[1800.0], ["#不是数字"], ["#不是数字"]]


def test_rebate_reads_a_numeric_model_and_a_row_without_threshold() -> None:
    assert formulas.rebate(10.0, REBATES, 100.0, "分销", datetime(2025, 6, 30)) == 30.0


def test_rebate_says_when_the_table_has_no_such_row_or_no_header() -> None:
    assert formulas.rebate(1.0, REBATES, "X999", "直供") == formulas.NO_ROW
    assert formulas.rebate(1.0, REBATES[1:], "X100", "直供") == formulas.NO_TABLE
    assert formulas.rebate(1.0, None, "X100", "直供") == formulas.NO_TABLE


def test_rebate_for_pays_volume_on_every_unit_once_reached() -> None:
    assert rebate_for(100, 10.0, 100, 5.0) == 1500.0
    assert rebate_for(99, 10.0, 100, 5.0) == 990.0
    assert rebate_for(500, None, None, 5.0) == 0.0


@pytest.mark.parametrize(("care", "tier", "expected"), [
    ("重点", None, 3), ("一般", "V1", 2), ("", None, formulas.NO_TARGET),
])
def test_visit_target_by_care_level_with_the_default_policy(care: Any, tier: Any,
                                                           expected: Any) -> None:
    assert formulas.visit_target(care, tier) == expected


def test_visit_target_follows_a_policy_range_with_the_tier_scheme() -> None:
    assert formulas.visit_target([["重点", "一般"]], [["VKA", "V3"]], [["直供", "终端"]],
                                 TIER_POLICY) == [[4, 2]]


@pytest.mark.parametrize(("sales", "expected"), [
    (50000.0, 50000.0), (100000.0, 200000.0), (299999.5, 0.5), (300000.0, formulas.TOP_BAND),
    ("abc", formulas.NOT_A_NUMBER),
])
def test_band_gap_is_the_distance_to_the_next_band(sales: Any, expected: Any) -> None:
    assert formulas.band_gap(sales, BANDS) == expected


def test_band_gap_of_a_range_keeps_its_shape() -> None:
    assert formulas.band_gap([[0.0, 350000.0]], BANDS) == [[100000.0, formulas.TOP_BAND]]


@pytest.mark.parametrize(("start", "end", "expected"), [
    (datetime(2025, 9, 30), datetime(2025, 10, 10), 2),   # National Day week off
    (datetime(2025, 10, 10), datetime(2025, 10, 11), 1),  # a Saturday worked instead
    (datetime(2025, 6, 2), datetime(2025, 6, 2), 0),
    ("2025/6/2", "2025年6月9日", 5),
    ("soon", datetime(2025, 6, 2), formulas.NOT_A_DATE),
])
def test_workdays_follow_the_chinese_calendar(start: Any, end: Any, expected: Any) -> None:
    assert formulas.workdays(start, end) == expected


def test_workdays_take_company_holidays_from_the_policy_range() -> None:
    policy = [["参数", "值"], ["holidays", "2025-06-03"]]
    assert formulas.workdays(datetime(2025, 6, 2), datetime(2025, 6, 6), policy) == 3


def test_workdays_pair_two_ranges_and_refuse_different_shapes() -> None:
    starts = [[datetime(2025, 6, 2)], [datetime(2025, 6, 9)]]
    assert formulas.workdays(starts, datetime(2025, 6, 13)) == [[9], [4]]
    assert formulas.workdays(starts, [[datetime(2025, 6, 13), None]]) == "#区域大小不一致"


@pytest.mark.parametrize(("score", "expected"), [
    (80.0, "A"), (79.96, "A"), (79.94, "B"), (60.0, "B"), (59.0, "C"), (None, "#不是数字"),
])
def test_grade_uses_the_rounded_score_and_policy_thresholds(score: Any, expected: str) -> None:
    assert formulas.grade(score) == expected


def test_grade_of_follows_policy_overrides() -> None:
    assert grade_of(75.0, Policy(grade_a_min=70)) == "A"
    assert formulas.grade([[75.0]], [["参数", "值"], ["grade_a_min", 70.0]]) == "A"


@pytest.mark.parametrize(("price", "on", "expected"), [
    (150.0, datetime(2025, 6, 30), formulas.PRICE_OK),
    (149.0, datetime(2025, 6, 30), "低于最低限价 150"),
    (155.0, datetime(2025, 7, 2), "低于最低限价 160"),
    (155.0, datetime(2024, 12, 31), formulas.NO_ROW),
])
def test_price_check_compares_with_the_floor_in_force(price: float, on: datetime,
                                                     expected: str) -> None:
    assert formulas.price_check(price, PRICES, "X100", "直供", on) == expected


def test_an_unexpected_error_is_a_short_text_and_a_log_entry(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Any
) -> None:
    def broken(score: float, policy: Policy) -> str:
        raise ZeroDivisionError("boom")

    monkeypatch.setattr(formulas, "grade_of", broken)
    assert formulas.grade(70.0) == formulas.FAILED
    assert "ZeroDivisionError" in (tmp_path / "chantool.log").read_text(encoding="utf-8")


def test_every_udf_passes_its_arguments_to_the_formula() -> None:
    assert udfs.CT_GRADE([[85.0]]) == "A"  # one cell as a 1x1 range: one answer
    assert udfs.CT_WORKDAYS(datetime(2025, 6, 2), datetime(2025, 6, 3)) == 1
    assert udfs.CT_BAND_GAP(0.0, BANDS) == 100000.0
    assert udfs.CT_VISIT_TARGET("重点") == 3
    assert udfs.CT_REBATE(1.0, REBATES, "X100", "直供", datetime(2025, 6, 1)) == 10.0
    assert udfs.CT_PRICE_CHECK(1.0, PRICES, "X100", "直供",
                               datetime(2025, 6, 1)) == "低于最低限价 150"
    assert [function.__name__ for function in udfs.UDFS] == [
        "CT_REBATE", "CT_VISIT_TARGET", "CT_BAND_GAP", "CT_WORKDAYS", "CT_GRADE",
        "CT_PRICE_CHECK"]


def test_udf_annotations_leave_conversion_to_xlwings_default() -> None:
    # On Windows xlwings picks a converter by each annotation; Any is its default value
    # converter (ranges as lists), anything else would change what the formulas get.
    for function in udfs.UDFS:
        assert set(get_type_hints(function).values()) == {Any}, function.__name__


def test_currency_cells_reach_the_functions_as_numbers() -> None:
    # A currency or accounting cell comes from xlwings on Windows as a Decimal.
    prices: list[list[Any]] = [PRICES[0]]
    prices += [[*row[:2], *(Decimal(str(value)) for value in row[2:5]), *row[5:]]
               for row in PRICES[1:]]
    assert formulas.price_check([[Decimal("149.00")]], prices, "X100", "直供",
                                datetime(2025, 6, 30)) == "低于最低限价 150"
    assert udfs.CT_BAND_GAP(Decimal("150000"), BANDS) == 150000.0
