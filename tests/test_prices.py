"""Prices and where goods are sold: the price row in force, the price ladder (R-30),
dumping (R-32) and cross-area selling (R-33), with the floor price changing in
mid-quarter."""

from __future__ import annotations

from datetime import date

import pytest

from chantool.coerce import Cell
from chantool.table import RawSheet
from chantool.validate import validate_book

AS_OF = date(2025, 6, 30)
CHANNELS = RawSheet("渠道档案", [
    ["渠道编码", "渠道名称", "渠道类型", "渠道等级", "维护级别", "所属区域", "客户经理",
     "合作开始日期"],
    ["CH001", "东区一店", "直供", "V1", "重点", "东区", "张伟", "2024-03-01"],
    ["CH002", "西区村级站", "村级", "V4", "一般", "西区", "李娜", "2024-03-01"],
])
# The X100 floor price for 直供 channels drops from 2,000 to 1,900 on 16 May.
PRICES = RawSheet("价格表", [
    ["型号", "渠道类型", "出厂价", "批发价", "零售价", "最低限价", "生效日期"],
    ["X100", "直供", 1800, 1900, 2200, 2000, "2025-04-01"],
    ["X100", "直供", 1700, 1800, 2100, 1900, "2025-05-16"],
])
SALE_HEADER = ["销售日期", "渠道编码", "型号", "数量", "成交单价", "销售区域"]


def findings(*sales: list[Cell], prices: RawSheet = PRICES) -> list[tuple[str, str | None]]:
    sheet = RawSheet("销售记录", [SALE_HEADER, *sales])
    found = validate_book([CHANNELS, prices, sheet], as_of=AS_OF)[1]
    return [(finding.code, finding.cell) for finding in found]


@pytest.mark.parametrize(("day", "price", "expected"), [
    pytest.param("2025-05-15", 1950, [("below_floor_price", "E2")], id="day_before_the_change"),
    pytest.param("2025-05-16", 1950, [], id="day_of_the_change"),
    pytest.param("2025-05-16", 1899, [("below_floor_price", "E2")], id="below_the_new_floor"),
    pytest.param("2025-04-01", 2000, [], id="at_the_floor_is_allowed"),
    pytest.param("2025-03-31", 1000, [], id="before_any_price_row"),
])
def test_dumping_is_judged_against_the_floor_price_in_force_on_the_sale_date(
    day: str, price: float, expected: list[tuple[str, str]]
) -> None:
    assert findings([day, "CH001", "X100", 10, price, "东区"]) == expected


def test_dumping_names_the_floor_and_the_price_row_in_force() -> None:
    sheet = RawSheet("销售记录", [SALE_HEADER, ["2025-05-20", "CH001", "X100", 10, 1850, "东区"]])
    (finding,) = validate_book([CHANNELS, PRICES, sheet], as_of=AS_OF)[1]
    assert (finding.severity.value, finding.rule) == ("warning", "R-32")
    assert "1900" in finding.message and "第3行" in finding.message


def test_a_channel_type_without_prices_is_not_judged() -> None:
    assert findings(["2025-05-20", "CH002", "X100", 10, 100, "西区"]) == []


def test_a_sale_outside_the_channels_own_region_is_cross_area_selling() -> None:
    assert findings(["2025-05-20", "CH001", "X100", 10, 2000, "西区"],
                    ["2025-05-20", "CH001", "X100", 10, 2000, "东区"],
                    ["2025-05-20", "CH001", "X100", 10, 2000, None]) == [
        ("cross_area_sale", "F2")]


@pytest.mark.parametrize(("a", "b", "c", "cell"), [
    pytest.param(1800, 1900, 2200, None, id="in_order"),
    pytest.param(1800, None, 2200, None, id="no_wholesale_price"),
    pytest.param(1800, 1800, 1800, None, id="all_equal"),
    pytest.param(2000, 1900, 2200, "D2", id="wholesale_below_company_price"),
    pytest.param(1800, 2300, 2200, "E2", id="retail_below_wholesale"),
    pytest.param(2300, None, 2200, "E2", id="retail_below_company_price"),
])
def test_prices_climb_the_ladder_from_company_to_wholesale_to_retail(
    a: float, b: float | None, c: float, cell: str | None
) -> None:
    prices = RawSheet("价格表", [PRICES.rows[0], ["X100", "直供", a, b, c, None, "2025-04-01"]])
    found = validate_book([prices], as_of=AS_OF)[1]
    assert [(f.code, f.cell, f.rule) for f in found] == (
        [("price_ladder_broken", cell, "R-30")] if cell else [])
