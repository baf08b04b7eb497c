"""Scoring money: rebates (R-34), commission and the band watchlist (R-35), contests
(R-36) and payment terms (R-37), each with a worked example computed by hand, its edge
cases, a policy override that changes the result, and its findings at their cells."""

from __future__ import annotations

from datetime import date
from typing import Any, Final

import pytest

from chantool.coerce import Cell
from chantool.findings import CATALOGUE, Finding
from chantool.listings import Row, Scores
from chantool.scoring import score_book
from chantool.scoring.money import read_period
from chantool.table import RawSheet
from tests.scoring import Spot, pick, policy, rows, spots

AS_OF: Final = date(2025, 6, 30)
MONEY_CODES: Final = frozenset({"bad_commission_period", "contest_dates_reversed",
                                "contest_level_missing", "payment_overdue", "payment_late"})


def channel(channel_id: str, kind: str = "直供", region: str = "东区",
            target: float | None = None) -> list[Cell]:
    return [channel_id, f"渠道{channel_id}", kind, "V1", "重点", region, "张伟", "2024-01-01",
            target]


def channels(*rows: list[Cell]) -> RawSheet:
    return RawSheet("渠道档案", [
        ["渠道编码", "渠道名称", "渠道类型", "渠道等级", "维护级别", "所属区域", "客户经理",
         "合作开始日期", "月度目标"],
        *(rows or (channel("CH001"),))])


# Sales columns: A 销售日期, B 渠道编码, C 型号, D 数量, E 成交单价, F 是否提货, G 回款日期.
def sale(day: str, qty: int, channel_id: str = "CH001", model: str = "X100",
         price: float = 100.0, picked_up: str | None = None, paid: str | None = None
         ) -> list[Cell]:
    return [day, channel_id, model, qty, price, picked_up, paid]


def sales(*rows: list[Cell]) -> RawSheet:
    return RawSheet("销售记录", [
        ["销售日期", "渠道编码", "型号", "数量", "成交单价", "是否提货", "回款日期"], *rows])


def score(*sheets: RawSheet, as_of: date = AS_OF) -> tuple[list[Finding], Scores]:
    _, findings, scores = score_book(list(sheets), as_of=as_of)
    return findings, scores


def listing(key: str, *sheets: RawSheet, as_of: date = AS_OF) -> list[Row]:
    findings, scores = score(*sheets, as_of=as_of)
    assert not [finding for finding in findings if finding.severity.value == "error"]
    return rows(scores, key)


def money_findings(*sheets: RawSheet, as_of: date = AS_OF) -> list[Spot]:
    return spots(score(*sheets, as_of=as_of)[0], MONEY_CODES)


# --- R-34 rebates ------------------------------------------------------------------------

REBATE_HEADER: Final = ["型号", "渠道类型", "提货返利", "达量门槛", "达量返利", "仅限提货渠道",
                        "生效日期"]


def rebate_rows(*rows: list[Cell]) -> RawSheet:
    return RawSheet("返利政策", [REBATE_HEADER, *rows])


ONE_REBATE: Final = rebate_rows(["X100", "直供", 10, 100, 5, None, "2025-01-01"])


def test_rebates_pay_per_unit_and_the_volume_rebate_on_every_unit_once_reached() -> None:
    # 70 + 50 = 120 units in 2025Q2: pick-up 120 × 10 = 1,200; 120 >= 100, so the
    # volume rebate is paid on all 120 units: 120 × 5 = 600; total 1,800.
    rows = listing("rebates", channels(), ONE_REBATE,
                   sales(sale("2025-04-10", 70), sale("2025-05-20", 50)))
    assert rows == [{
        "channel_id": "CH001", "model": "X100", "period": "2025Q2", "qty": 120,
        "pickup_qty": 120, "volume_threshold": 100, "threshold_reached": True,
        "pickup_rebate": 1200.0, "volume_rebate": 600.0, "total": 1800.0,
        "explanation": "120台×10元提货返利；达量120≥100，每台5元"}]


# The X100 rebate for 直供 channels changes on 16 May, in the middle of 2025Q2.
CHANGED_REBATE: Final = rebate_rows(["X100", "直供", 10, 100, 5, None, "2025-04-01"],
                                    ["X100", "直供", 12, 150, 6, None, "2025-05-16"])


@pytest.mark.parametrize(("days", "expected"), [
    # 60 + 50 = 110 units, all under the first row; the last sale (10 May) is under
    # it too, so the threshold is 100: pick-up 110 × 10 = 1,100, volume 110 × 5 = 550.
    pytest.param({"2025-04-10": 60, "2025-05-10": 50},
                 (110, 100, True, 1100.0, 550.0, 1650.0,
                  "110台×10元提货返利；达量110≥100，每台5元"), id="all_before_the_change"),
    # 60 units at 10 and 70 at 12: pick-up 600 + 840 = 1,440; the last sale (20 May) is
    # under the second row, whose threshold 150 the 130 units miss: no volume rebate.
    pytest.param({"2025-04-10": 60, "2025-05-20": 70},
                 (130, 150, False, 1440.0, 0.0, 1440.0,
                  "60台×10元＋70台×12元提货返利；未达量130<150"), id="threshold_of_the_new_row"),
    # Another 30 in June: 160 >= 150. Pick-up 600 + 100 × 12 = 1,800; volume: each unit
    # at its own row's amount, 60 × 5 + 100 × 6 = 900; total 2,700.
    pytest.param({"2025-04-10": 60, "2025-05-20": 70, "2025-06-10": 30},
                 (160, 150, True, 1800.0, 900.0, 2700.0,
                  "60台×10元＋100台×12元提货返利；达量160≥150，60台×5元＋100台×6元"),
                 id="new_threshold_reached"),
])
def test_a_rebate_row_changing_mid_quarter_pays_each_unit_its_own_row_and_the_last_threshold(
    days: dict[str, int], expected: tuple[Any, ...]
) -> None:
    rows = listing("rebates", channels(), CHANGED_REBATE,
                   sales(*(sale(day, units) for day, units in days.items())))
    assert pick(rows, "qty", "volume_threshold", "threshold_reached", "pickup_rebate",
                "volume_rebate", "total", "explanation") == [expected]


@pytest.mark.parametrize("value", ["第一笔", "first"])
def test_the_threshold_may_be_the_one_in_force_on_the_periods_first_sale(value: str) -> None:
    # As above, 60 in April at 10 and 70 after the change at 12, 130 units: under the
    # threshold of the first sale's row (100) they reach it, volume 60 × 5 + 70 × 6 = 720.
    rows = listing("rebates", channels(), CHANGED_REBATE,
                   policy(("volume_threshold_sale", value)),
                   sales(sale("2025-04-10", 60), sale("2025-05-20", 70)))
    assert pick(rows, "qty", "volume_threshold", "threshold_reached", "volume_rebate",
                "total") == [(130, 100, True, 720.0, 2160.0)]


def test_a_pick_up_only_rebate_pays_nothing_for_units_not_picked_up() -> None:
    # 80 units picked up (是), 20 with 是否提货 blank (counted as picked up), 40 not
    # picked up (否): 140 units reach the threshold 100, but only 100 earn the rebates:
    # pick-up 100 × 10 = 1,000, volume 100 × 5 = 500.
    only = rebate_rows(["X100", "直供", 10, 100, 5, "是", "2025-01-01"])
    rows = listing("rebates", channels(), only, sales(
        sale("2025-04-10", 80, picked_up="是"), sale("2025-04-11", 20),
        sale("2025-04-12", 40, picked_up="否")))
    assert pick(rows, "qty", "pickup_qty", "pickup_rebate", "volume_rebate", "total") == [
        (140, 100, 1000.0, 500.0, 1500.0)]
    assert rows[0]["explanation"].endswith("40台未提货，仅限提货渠道的返利不计")


def test_units_not_picked_up_earn_a_rebate_that_is_not_pick_up_only() -> None:
    rows = listing("rebates", channels(), ONE_REBATE,
                   sales(sale("2025-04-12", 40, picked_up="否")))
    assert pick(rows, "pickup_qty", "pickup_rebate") == [(40, 400.0)]


@pytest.mark.parametrize(("period", "expected"), [
    # Quarter: 70 + 50 = 120 >= 100, as in the worked example.
    pytest.param("quarter", [("2025Q2", 120, True, 1800.0)], id="quarter"),
    # Month: 70 in April and 50 in May each miss 100: pick-up only, 700 and 500.
    pytest.param("month", [("2025-05", 50, False, 500.0), ("2025-04", 70, False, 700.0)],
                 id="month"),
    pytest.param("year", [("2025", 120, True, 1800.0)], id="year"),
])
def test_the_rebate_period_is_a_policy_key(period: str, expected: list[tuple[Any, ...]]
                                           ) -> None:
    rows = listing("rebates", channels(), ONE_REBATE, policy(("rebate_period", period)),
                   sales(sale("2025-04-10", 70), sale("2025-05-20", 50)))
    assert pick(rows, "period", "qty", "threshold_reached", "total") == expected


def test_rebates_by_channel_type_newest_period_first_and_units_before_any_row() -> None:
    # CH002 is 村级, without a rebate row: no line. CH001's 30 units of 2025Q1 were sold
    # before the first row (1 March): they count for the threshold but earn nothing.
    rebate = rebate_rows(["X100", "直供", 10, 100, 5, None, "2025-03-01"])
    rows = listing("rebates", channels(channel("CH001"), channel("CH002", "村级")), rebate,
                   sales(sale("2025-02-10", 30), sale("2025-03-10", 80),
                         sale("2025-04-10", 10), sale("2025-04-10", 50, "CH002")))
    assert pick(rows, "period", "channel_id", "qty", "pickup_qty", "threshold_reached",
                "total") == [("2025Q2", "CH001", 10, 10, False, 100.0),
                             ("2025Q1", "CH001", 110, 80, True, 1200.0)]
    assert rows[1]["explanation"] == ("80台×10元提货返利；达量110≥100，每台5元；"
                                      "30台销售时尚无返利政策")


def test_a_rebate_row_without_a_threshold_pays_no_volume_rebate() -> None:
    rows = listing("rebates", channels(),
                   rebate_rows(["X100", "直供", 10, None, 5, None, "2025-01-01"]),
                   sales(sale("2025-04-10", 70)))
    assert pick(rows, "volume_threshold", "threshold_reached", "total", "explanation") == [
        (None, False, 700.0, "70台×10元提货返利；无达量门槛")]


# --- R-35 commission -----------------------------------------------------------------------

BANDS: Final = RawSheet("提成档位", [["季度销售额下限", "提成比例"], [0, "2%"], [5000, "4%"]])
# 200 × 100 = 20,000 in April and 70 × 100 = 7,000 in May: 27,000 in 2025Q2 (paid).
SALES_27000: Final = (sale("2025-04-15", 200, paid="2025-04-20"),
                      sale("2025-05-20", 70, paid="2025-05-25"))


# Commission paid columns: A 渠道编码, B 期间, C 已付金额.
def paid(*rows: tuple[str, Cell, float]) -> RawSheet:
    return RawSheet("已付提成", [["渠道编码", "期间", "已付金额"], *(list(row) for row in rows)])


COMMISSION_KEYS: Final = ("period", "sales", "band_from", "rate", "retroactive",
                          "incremental", "mode", "commission", "uplift", "total",
                          "paid_before", "due")


def test_the_issues_worked_example_retroactive_1080_incremental_980_and_940_due() -> None:
    # Bands from 0 at 2% and from 5,000 at 4%; 27,000 in the period reaches the 5,000
    # band. Retroactive: 27,000 × 4% = 1,080. Incremental: 5,000 × 2% + 22,000 × 4%
    # = 100 + 880 = 980. Mode retroactive; 140 paid earlier: 1,080 - 140 = 940 due.
    rows = listing("commission", channels(), BANDS, sales(*SALES_27000),
                   paid(("CH001", "2025Q2", 140)))
    assert pick(rows, *COMMISSION_KEYS) == [
        ("2025Q2", 27000.0, 5000.0, 0.04, 1080.0, 980.0, "retroactive", 1080.0, 0.0, 1080.0,
         140.0, 940.0)]
    assert rows[0]["explanation"] == ("销售额27,000元；达到5,000元档，全额累进27,000×4%=1,080元；"
                                      "合计1,080元，已付140元；应付940元")


def test_incremental_mode_pays_each_bands_rate_on_its_part() -> None:
    # As above in incremental mode: 980 - 140 = 840 due.
    rows = listing("commission", channels(), BANDS, sales(*SALES_27000),
                   paid(("CH001", "2025Q2", 140)), policy(("commission_mode", "incremental")))
    assert pick(rows, "mode", "commission", "total", "due") == [
        ("incremental", 980.0, 980.0, 840.0)]
    assert "分段累进5,000×2%＋22,000×4%=980元" in rows[0]["explanation"]


def test_sales_below_the_first_band_earn_no_commission() -> None:
    # The first band starts at 30,000: 27,000 earns nothing, and is 3,000 (10%) short.
    bands = RawSheet("提成档位", [["季度销售额下限", "提成比例"], [30000, "5%"]])
    _, scores = score(channels(), bands, sales(*SALES_27000))
    commission, watch = scores.listing("commission"), scores.listing("watchlist")
    assert commission is not None and watch is not None
    assert pick(commission.rows, "band_from", "rate", "commission", "due", "explanation") == [
        (None, 0.0, 0.0, 0.0, "销售额27,000元；未达到最低档位（30,000元起）；应付0元")]
    # Reaching it pays 30,000 × 5% = 1,500.
    assert pick(watch.rows, "next_band_from", "gap", "extra_commission") == [
        (30000.0, 3000.0, 1500.0)]


def test_paid_more_than_earned_is_a_clawback_even_without_sales() -> None:
    # CH001: 1,080 earned, 1,200 paid: -120. CH002 sold nothing in 2025Q1 but was paid
    # 50 for it: -50. Newest period first.
    rows = listing("commission", channels(channel("CH001"), channel("CH002")), BANDS,
                   sales(*SALES_27000),
                   paid(("CH001", "2025Q2", 1200), ("CH002", "2025 Q1", 30),
                        ("CH002", "2025年第一季度", 20)))
    assert pick(rows, "channel_id", "period", "sales", "total", "paid_before", "due") == [
        ("CH001", "2025Q2", 27000.0, 1080.0, 1200.0, -120.0),
        ("CH002", "2025Q1", 0.0, 0.0, 50.0, -50.0)]
    assert rows[0]["explanation"].endswith("多付120元，应追回")
    assert rows[1]["explanation"] == "本期无销售；合计0元，已付50元；多付50元，应追回"


def test_sales_above_the_target_earn_the_target_bonus() -> None:
    # Monthly target 8,000: 24,000 for the quarter; 27,000 - 24,000 = 3,000 above it,
    # × 5% = 150. Total 1,080 + 150 = 1,230.
    rows = listing("commission", channels(channel("CH001", target=8000)), BANDS,
                   sales(*SALES_27000), policy(("commission_target_bonus", "5%")))
    assert pick(rows, "target", "target_bonus", "uplift", "total") == [
        (24000.0, 150.0, 150.0, 1230.0)]
    assert "超出目标24,000元的3,000元×5%=150元" in rows[0]["explanation"]


def test_sales_below_the_target_or_without_one_earn_no_target_bonus() -> None:
    rows = listing("commission", channels(channel("CH001", target=10000), channel("CH002")),
                   BANDS, policy(("commission_target_bonus", "5%")),
                   sales(*SALES_27000, sale("2025-04-15", 300, "CH002")))
    assert pick(rows, "channel_id", "target", "target_bonus") == [
        ("CH001", 30000.0, 0.0), ("CH002", None, 0.0)]


# X100 20,000 in April; the new model X200: 10 × 500 = 5,000 on 20 May (its first
# order) and 4 × 500 = 2,000 in June: 27,000 in 2025Q2.
NEW_MODEL_SALES: Final = (sale("2025-04-15", 200), sale("2025-05-20", 10, model="X200", price=500),
                          sale("2025-06-01", 4, model="X200", price=500))


@pytest.mark.parametrize(("pairs", "bonus"), [
    # The first order's commission: 5,000 × 4% = 200, paid again (2 - 1) times: 200.
    pytest.param([], 200.0, id="default_double"),
    # Triple: 200 × (3 - 1) = 400.
    pytest.param([("first_order_multiplier", 3)], 400.0, id="triple"),
    # Incremental: the order's share of 980, 5,000 / 27,000 × 980 = 181.48.
    pytest.param([("commission_mode", "incremental")], 181.48, id="incremental"),
])
def test_the_first_order_of_a_new_model_earns_its_commission_again(
    pairs: list[tuple[str, Cell]], bonus: float
) -> None:
    rows = listing("commission", channels(), BANDS, sales(*NEW_MODEL_SALES),
                   policy(("new_models", "X200"), *pairs))
    assert pick(rows, "first_order_bonus", "uplift") == [(bonus, bonus)]


def test_a_new_model_first_ordered_in_an_earlier_period_earns_no_bonus_now() -> None:
    # The first X200 order is on 1 March (500 in 2025Q1: 500 × 2% = 10, again × 1).
    rows = listing("commission", channels(), BANDS, policy(("new_models", "X200")),
                   sales(*NEW_MODEL_SALES, sale("2025-03-01", 1, model="X200", price=500)))
    assert pick(rows, "period", "commission", "first_order_bonus") == [
        ("2025Q2", 1080.0, 0.0), ("2025Q1", 10.0, 10.0)]
    assert rows[1]["explanation"] == ("销售额500元；达到0元档，全额累进500×2%=10元；"
                                      "新品X200首单500元的提成10元×(2−1)=10元；应付20元")


@pytest.mark.parametrize(("period", "expected"), [
    # Month: April 20,000 × 4% = 800; May 7,000 × 4% = 280, less the 140 paid for May.
    pytest.param("month", [("2025-05", 280.0, 140.0, 140.0), ("2025-04", 800.0, 0.0, 800.0)],
                 id="month"),
    pytest.param("year", [("2025", 1080.0, 0.0, 1080.0)], id="year"),
])
def test_the_commission_period_is_a_policy_key(period: str, expected: list[tuple[Any, ...]]
                                               ) -> None:
    rows = listing("commission", channels(), BANDS, sales(*SALES_27000),
                   policy(("commission_period", period)),
                   paid(("CH001", {"month": "2025-05", "year": "2025"}[period],
                         140 if period == "month" else 0)))
    assert pick(rows, "period", "total", "paid_before", "due") == expected


def test_a_paid_period_that_cannot_be_read_or_is_not_a_quarter_is_an_error_at_its_cell(
) -> None:
    found = money_findings(channels(), BANDS, sales(*SALES_27000),
                           paid(("CH001", "2025Q2", 100), ("CH001", "2025-06", 40),
                                ("CH001", "第二季度", 40)))
    assert found == [("bad_commission_period", "已付提成", "B3", "error", "R-35"),
                     ("bad_commission_period", "已付提成", "B4", "error", "R-35")]
    findings, scores = score(channels(), BANDS, sales(*SALES_27000),
                             paid(("CH001", "2025-06", 40)))
    assert findings[-1].message == ("已付提成 B2：期间“2025-06”不是季度提成期间，应写作如 2025Q2"
                                    "（参数 commission_period = 季度），本行未计入已付提成")
    commission = scores.listing("commission")
    assert commission is not None and commission.rows[0]["paid_before"] == 0.0


@pytest.mark.parametrize(("text", "expected"), [
    ("2025Q2", ("quarter", "2025Q2")), ("2025 q2", ("quarter", "2025Q2")),
    ("2025-Q3", ("quarter", "2025Q3")), ("2025年Q4", ("quarter", "2025Q4")),
    ("2025年第二季度", ("quarter", "2025Q2")), ("2025年1季度", ("quarter", "2025Q1")),
    ("2025-06", ("month", "2025-06")), ("2025年6月", ("month", "2025-06")),
    ("2025/6", ("month", "2025-06")), ("2025", ("year", "2025")), ("2025年度", ("year", "2025")),
    ("２０２５Ｑ２", ("quarter", "2025Q2")),
    ("2025Q5", None), ("二季度", None), ("2025-13", None), ("", None),
])
def test_paid_periods_are_read_in_their_usual_forms(text: str, expected: Any) -> None:
    assert read_period(text) == expected


# --- R-35 watchlist ------------------------------------------------------------------------

THREE_BANDS: Final = RawSheet("提成档位", [["季度销售额下限", "提成比例"], [0, 0.02], [5000, 0.04],
                                       [30000, 0.06]])
WATCH_SALES: Final = sales(
    sale("2025-04-15", 270),  # CH001: 27,000, 3,000 short of 30,000
    sale("2025-05-15", 23, "CH002", price=200),  # CH002: 4,600, 400 short of 5,000
    sale("2025-05-15", 200, "CH003"),  # CH003: 20,000, 10,000 short of 30,000
    sale("2025-03-15", 290, "CH004"))  # CH004: 29,000, but in 2025Q1
WATCH_CHANNELS: Final = channels(*(channel(f"CH00{n}") for n in range(1, 5)))
WATCH_KEYS: Final = ("channel_id", "period", "sales", "next_band_from", "next_rate", "gap",
                     "gap_units", "extra_commission")


def test_channels_within_reach_of_the_next_band_are_watched() -> None:
    # Within 10% of the next band's start: CH001's gap 3,000 <= 3,000 (10% of 30,000),
    # 30 units at its average 100; reaching 30,000 pays 30,000 × 6% - 27,000 × 4%
    # = 1,800 - 1,080 = 720 more. CH002's gap 400 <= 500: 2 units at 200; 5,000 × 4%
    # - 4,600 × 2% = 200 - 92 = 108. Closest (by share of the band start) first.
    rows = listing("watchlist", WATCH_CHANNELS, THREE_BANDS, WATCH_SALES)
    assert pick(rows, *WATCH_KEYS) == [
        ("CH002", "2025Q2", 4600.0, 5000.0, 0.04, 400.0, 2, 108.0),
        ("CH001", "2025Q2", 27000.0, 30000.0, 0.06, 3000.0, 30, 720.0)]


@pytest.mark.parametrize(("pairs", "expected"), [
    # Incremental: CH002 at 5,000 earns 100, at 4,600 92: 8 more. CH001 at 30,000 earns
    # 100 + 25,000 × 4% = 1,100, at 27,000 100 + 880 = 980: 120 more.
    pytest.param([("commission_mode", "incremental")], [("CH002", 8.0), ("CH001", 120.0)],
                 id="incremental"),
    # 8%: CH001's 3,000 is above 2,400; CH002's 400 is exactly 8% of 5,000.
    pytest.param([("band_watch_pct", "8%")], [("CH002", 108.0)], id="narrower_watch"),
])
def test_the_watchlist_follows_the_policy(pairs: list[tuple[str, Cell]],
                                          expected: list[tuple[str, float]]) -> None:
    rows = listing("watchlist", WATCH_CHANNELS, THREE_BANDS, WATCH_SALES, policy(*pairs))
    assert pick(rows, "channel_id", "extra_commission") == expected


def test_the_watchlist_is_the_period_of_the_as_of_date() -> None:
    # As of 31 March, 2025Q1 is current: CH004's 29,000 is 1,000 short of 30,000.
    rows = listing("watchlist", WATCH_CHANNELS, THREE_BANDS,
                   sales(sale("2025-03-15", 290, "CH004")), as_of=date(2025, 3, 31))
    assert pick(rows, "channel_id", "period", "gap", "gap_units") == [
        ("CH004", "2025Q1", 1000.0, 10)]


# --- R-36 contests -------------------------------------------------------------------------

# Contest columns: A 竞赛名称, B 竞赛类型, C 开始日期, D 结束日期, E 型号, F 档位, G 奖励.
def contest_sheet(*rows: list[Cell]) -> RawSheet:
    return RawSheet("竞赛方案", [["竞赛名称", "竞赛类型", "开始日期", "结束日期", "型号", "档位",
                               "奖励"], *rows])


def contest(name: str, kind: str, level: Cell, reward: float,
            model: str | None = "X100", first: str = "2025-06-01", last: str = "2025-06-20"
            ) -> list[Cell]:
    return [name, kind, first, last, model, level, reward]


# East: CH001 and CH002; west: CH003 and CH004.
CONTEST_CHANNELS: Final = channels(channel("CH001"), channel("CH002"),
                                   channel("CH003", region="西区"), channel("CH004", region="西区"))
# X100 from 1 to 20 June: CH001 120, CH002 120, CH003 60, CH004 40. Not counted for an
# X100 contest of those dates: CH004's 500 on 25 June and CH003's 100 of X200.
CONTEST_SALES: Final = sales(
    sale("2025-06-01", 70), sale("2025-06-20", 50), sale("2025-06-10", 120, "CH002"),
    sale("2025-06-05", 60, "CH003"), sale("2025-06-05", 100, "CH003", model="X200"),
    sale("2025-06-15", 40, "CH004"), sale("2025-06-25", 500, "CH004"))
CONTEST_KEYS: Final = ("channel_id", "team", "level", "qty", "rank", "reward")


def contest_rows(*rows: list[Cell]) -> list[Row]:
    return listing("contests", CONTEST_CHANNELS, CONTEST_SALES, contest_sheet(*rows))


def test_a_threshold_contest_pays_every_channel_the_highest_level_it_reaches() -> None:
    # Levels 50 units → 300, 100 units → 800: CH001 and CH002 (120) reach 100, CH003
    # (60) reaches 50, CH004 (40) none.
    rows = contest_rows(contest("冲量", "达标", 50, 300), contest("冲量", "达标", 100, 800))
    assert pick(rows, *CONTEST_KEYS) == [("CH001", None, 100, 120, None, 800.0),
                                         ("CH002", None, 100, 120, None, 800.0),
                                         ("CH003", None, 50, 60, None, 300.0)]
    assert rows[0]["explanation"] == "120台达到100台档，奖励800元"
    assert pick(rows[:1], "contest", "contest_type", "date_from", "date_to", "model") == [
        ("冲量", "达标", "2025-06-01", "2025-06-20", "X100")]


def test_a_contest_without_a_model_counts_every_model() -> None:
    # CH003: 60 X100 + 100 X200 = 160 units, reaching 100.
    rows = contest_rows(contest("冲量", "达标", 100, 800, model=None))
    assert pick(rows, "channel_id", "qty") == [("CH003", 160), ("CH001", 120), ("CH002", 120)]


def test_a_ranking_contest_pays_places_and_ties_share_a_rank() -> None:
    # CH001 and CH002 tie at 120: both 1st (1,000 each); 2nd place is vacant; CH003
    # (60) is 3rd: 200.
    rows = contest_rows(contest("排位", "排名", 1, 1000), contest("排位", "排名", 2, 500),
                        contest("排位", "排名", 3, 200))
    assert pick(rows, *CONTEST_KEYS) == [("CH001", None, 1, 120, 1, 1000.0),
                                         ("CH002", None, 1, 120, 1, 1000.0),
                                         (None, None, 2, 0, None, 0.0),
                                         ("CH003", None, 3, 60, 3, 200.0)]
    assert rows[0]["explanation"] == "120台排第1名（并列），奖励1,000元"


def test_a_universal_contest_pays_per_unit_sold() -> None:
    # 10 per unit: 120 × 10 = 1,200 twice, 60 × 10 = 600, 40 × 10 = 400.
    rows = contest_rows(contest("普奖", "普惠", None, 10))
    assert pick(rows, "channel_id", "qty", "reward") == [
        ("CH001", 120, 1200.0), ("CH002", 120, 1200.0), ("CH003", 60, 600.0),
        ("CH004", 40, 400.0)]


def test_a_team_contest_pays_the_region_that_sold_most() -> None:
    # East 120 + 120 = 240 against west 60 + 40 = 100: east wins 5,000; a 2nd place
    # row pays the west 2,000.
    rows = contest_rows(contest("区域赛", "团队", None, 5000), contest("区域赛", "团队", 2, 2000))
    assert pick(rows, *CONTEST_KEYS) == [(None, "东区", None, 240, 1, 5000.0),
                                         (None, "西区", 2, 100, 2, 2000.0)]
    assert rows[0]["explanation"] == "东区2个渠道合计240台，排第1名，奖励5,000元"


def test_tied_teams_each_get_the_full_reward() -> None:
    # East (CH001) and west (CH003) sell 120 units each: both are 1st.
    tied = sales(sale("2025-06-01", 120), sale("2025-06-02", 120, "CH003"))
    rows = listing("contests", CONTEST_CHANNELS, tied,
                   contest_sheet(contest("区域赛", "团队", None, 5000)))
    assert pick(rows, "team", "qty", "rank", "reward") == [("东区", 120, 1, 5000.0),
                                                          ("西区", 120, 1, 5000.0)]
    assert rows[0]["explanation"].endswith("排第1名（并列，各得全额奖励），奖励5,000元")


def test_contests_ending_last_come_first() -> None:
    rows = listing("contests", CONTEST_CHANNELS,
                   sales(sale("2025-05-10", 10), sale("2025-06-05", 20)),
                   contest_sheet(contest("五月", "普惠", None, 1, first="2025-05-01",
                                         last="2025-05-31"), contest("六月", "普惠", None, 1)))
    assert pick(rows, "contest", "qty", "reward") == [("六月", 20, 20.0), ("五月", 10, 10.0)]


def test_inconsistent_contest_rows_are_errors_at_their_cells_and_are_not_awarded() -> None:
    sheets = (CONTEST_CHANNELS, CONTEST_SALES, contest_sheet(
        contest("倒挂", "普惠", None, 10, first="2025-06-20", last="2025-06-01"),
        contest("冲量", "达标", None, 800), contest("排位", "排名", None, 1000),
        contest("普奖", "普惠", None, 10)))
    assert money_findings(*sheets) == [
        ("contest_dates_reversed", "竞赛方案", "D2", "error", "R-36"),
        ("contest_level_missing", "竞赛方案", "F3", "error", "R-36"),
        ("contest_level_missing", "竞赛方案", "F4", "error", "R-36")]
    findings, scores = score(*sheets)
    messages = [f.message for f in findings if f.code in MONEY_CODES]
    assert messages[:2] == ["竞赛方案 D2：结束日期 2025-06-01 早于开始日期 2025-06-20，本行未计奖",
                            "竞赛方案 F3：达标竞赛须填写“档位”（数量门槛），本行未计奖"]
    awarded = scores.listing("contests")
    assert awarded is not None and {row["contest"] for row in awarded.rows} == {"普奖"}


def test_an_unreadable_level_is_reported_by_validation_only() -> None:
    sheets = (CONTEST_CHANNELS, CONTEST_SALES, contest_sheet(contest("冲量", "达标", "五十", 800)))
    found = [(f.code, f.cell) for f in score(*sheets)[0]]
    assert found == [("not_a_number", "F2")]


# --- R-37 payments -------------------------------------------------------------------------

PAYMENT_SALES: Final = sales(
    # Row 2: 10 April, 800, unpaid: statement 2025-04 (closes 25 April), due 10 May.
    sale("2025-04-10", 8),
    # Row 3: 30 April is after the 25th: statement 2025-05, due 10 June; paid 12 June.
    sale("2025-04-30", 5, paid="2025-06-12"),
    # Row 4: 20 May, 1,000, paid on the close day 25 May: early.
    sale("2025-05-20", 10, paid="2025-05-25"),
    # Row 5: 26 May, 2,000, unpaid: statement 2025-06, due 10 July, not yet overdue.
    sale("2025-05-26", 20),
    # Row 6: 1 June, 300, paid 30 June: after the close, before the due date.
    sale("2025-06-01", 3, paid="2025-06-30"))
PAYMENT_KEYS: Final = ("statement_month", "close_date", "due_date", "amount", "paid",
                       "unpaid", "overdue", "paid_late", "paid_early", "discount")


def test_sales_add_up_by_statement_month_with_what_is_paid_late_early_or_overdue() -> None:
    rows = listing("payments", channels(), PAYMENT_SALES)
    assert pick(rows, *PAYMENT_KEYS) == [
        ("2025-06", "2025-06-25", "2025-07-10", 2300.0, 300.0, 2000.0, 0.0, 0.0, 0.0, 0.0),
        ("2025-05", "2025-05-25", "2025-06-10", 1500.0, 1500.0, 0.0, 0.0, 500.0, 1000.0, 0.0),
        ("2025-04", "2025-04-25", "2025-05-10", 800.0, 0.0, 800.0, 800.0, 0.0, 0.0, 0.0)]
    assert rows[0]["explanation"] == ("2025-06 账单于 2025-06-25 结账，应于 2025-07-10 前付清"
                                      "2,300元；未付2,000元，尚未到期")


def test_paying_by_the_statement_close_earns_the_early_payment_discount() -> None:
    # 1% of the 1,000 paid on the close day: 10. The 500 paid late earns nothing.
    rows = listing("payments", channels(), PAYMENT_SALES,
                   policy(("early_payment_discount", "1%")))
    assert pick(rows, "statement_month", "discount") == [
        ("2025-06", 0.0), ("2025-05", 10.0), ("2025-04", 0.0)]
    assert "结账日前付清1,000元，折扣1%=10元" in rows[1]["explanation"]


def test_unpaid_after_the_due_date_and_paid_after_it_are_warnings_at_the_paid_date() -> None:
    assert money_findings(channels(), PAYMENT_SALES) == [
        ("payment_overdue", "销售记录", "G2", "warning", "R-37"),
        ("payment_late", "销售记录", "G3", "warning", "R-37")]
    findings = [f for f in score(channels(), PAYMENT_SALES)[0] if f.code in MONEY_CODES]
    assert [f.message for f in findings] == [
        "销售记录 G2：2025-04 账单的货款应于 2025-05-10 前付清，至今（2025-06-30）未付",
        "销售记录 G3：回款日期 2025-06-12 晚于 2025-05 账单的付款截止日 2025-06-10"]


@pytest.mark.parametrize(("as_of", "overdue"), [
    pytest.param(date(2025, 5, 10), [], id="on_the_due_date"),
    pytest.param(date(2025, 5, 11), ["G2"], id="the_day_after"),
])
def test_a_sale_is_overdue_only_after_its_due_date(as_of: date, overdue: list[str]) -> None:
    found = money_findings(channels(), sales(sale("2025-04-10", 8)), as_of=as_of)
    assert [cell for _, _, cell, _, _ in found] == overdue


@pytest.mark.parametrize(("day", "month", "close", "due"), [
    # Close day 31 is February's 28th; due by the 31st of March.
    pytest.param("2025-02-28", "2025-02", "2025-02-28", "2025-03-31", id="february"),
    # January closes on the 31st and is due by February's last day, the 28th.
    pytest.param("2025-01-31", "2025-01", "2025-01-31", "2025-02-28", id="january"),
    # April has 30 days: it closes on the 30th.
    pytest.param("2025-04-30", "2025-04", "2025-04-30", "2025-05-31", id="april"),
])
def test_a_close_or_due_day_beyond_the_months_length_is_its_last_day(
    day: str, month: str, close: str, due: str
) -> None:
    rows = listing("payments", channels(), sales(sale(day, 1, paid=day)),
                   policy(("statement_close_day", 31), ("payment_due_day", 31)))
    assert pick(rows, "statement_month", "close_date", "due_date") == [(month, close, due)]


def test_a_december_sale_after_the_close_is_on_januarys_statement() -> None:
    rows = listing("payments", channels(), sales(sale("2024-12-28", 1, paid="2025-01-05")))
    assert pick(rows, "statement_month", "close_date", "due_date") == [
        ("2025-01", "2025-01-25", "2025-02-10")]


def test_a_workbook_without_paid_dates_tracks_no_payments() -> None:
    no_paid = RawSheet("销售记录", [["销售日期", "渠道编码", "型号", "数量", "成交单价"],
                                 ["2025-01-10", "CH001", "X100", 1, 100]])
    findings, scores = score(channels(), no_paid)
    assert scores.listing("payments") is None
    assert not [f for f in findings if f.code in MONEY_CODES]


# --- Together ------------------------------------------------------------------------------

def test_a_clean_workbook_has_every_money_listing_and_none_of_its_findings() -> None:
    findings, scores = score(
        CONTEST_CHANNELS, ONE_REBATE, BANDS, paid(("CH001", "2025Q2", 140)),
        contest_sheet(contest("冲量", "达标", 50, 300)),
        sales(sale("2025-06-01", 120, paid="2025-06-20"),
              # 4,800: 200 short of the 5,000 band, watched.
              sale("2025-06-02", 48, "CH003", paid="2025-06-25")))
    assert [f.code for f in findings] == []
    for key in ("rebates", "commission", "watchlist", "contests", "payments"):
        found = scores.listing(key)
        assert found is not None and found.rows, key
    assert set(scores.to_dict()) >= {"rebates", "commission", "watchlist", "contests",
                                     "payments"}


def test_every_money_finding_reads_in_english_too() -> None:
    sheets = [CONTEST_CHANNELS, BANDS, paid(("CH001", "2025-06", 40)), PAYMENT_SALES,
              contest_sheet(contest("倒挂", "普惠", None, 10, first="2025-06-20",
                                    last="2025-06-01"), contest("排位", "排名", None, 1000))]
    findings = [f for f in score_book(sheets, as_of=AS_OF, lang="en")[1]
                if f.code in MONEY_CODES]
    assert {f.code for f in findings} == MONEY_CODES
    assert all("{" not in f.message and "：" not in f.message for f in findings)
    (level,) = [f for f in findings if f.code == "contest_level_missing"]
    assert level.message == ("竞赛方案 F3: a ranking contest needs 'Level' (the place); the row "
                             "was not awarded")


def test_every_money_code_is_scored_and_has_a_rule() -> None:
    for code in MONEY_CODES:
        assert CATALOGUE[code].scored and CATALOGUE[code].rule


def test_a_sale_dated_after_the_as_of_date_earns_nothing() -> None:
    # The 2052 sale is an error of validation's (date_in_future); it adds no units to the
    # rebate, no sales to the commission and no statement: 10 units, 1,000 yuan, 20 yuan.
    sheets = (channels(), ONE_REBATE, BANDS,
              sales(sale("2025-06-01", 10, paid="2025-06-05"), sale("2052-06-01", 100)))
    findings, scores = score(*sheets)
    assert [f.code for f in findings if f.severity.value == "error"] == ["date_in_future"]
    rows = {key: listing.rows for key in ("rebates", "commission", "payments")
            if (listing := scores.listing(key)) is not None}
    assert pick(rows["rebates"], "period", "qty", "total") == [("2025Q2", 10, 100.0)]
    assert pick(rows["commission"], "period", "sales", "total") == [("2025Q2", 1000.0, 20.0)]
    assert pick(rows["payments"], "statement_month", "amount") == [("2025-06", 1000.0)]
