"""Channel value and risk (R-40..R-44): 80/20, score and grade, credit risk, order drops
and complaint time limits, each with a worked example computed by hand."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Final

import pytest

from chantool.coerce import Cell
from chantool.findings import CATALOGUE, Finding, Lang
from chantool.listings import Row, Scores
from chantool.scoring import score_book
from chantool.table import RawSheet
from tests.conftest import unknown_year, weekday_in
from tests.scoring import Spot, policy, spots
from tests.scoring import rows as listing_rows

AS_OF: Final = date(2025, 6, 30)  # a Monday

# 渠道档案 columns from A: the channel's id is in A, its overdue amount in M.
CHANNEL_HEADER: Final = ["渠道编码", "渠道名称", "渠道类型", "渠道等级", "维护级别", "所属区域",
                         "客户经理", "合作开始日期", "档案完成日期", "销售人员数", "下游网点数",
                         "信用额度", "逾期金额"]
SALES_HEADER: Final = ["销售日期", "渠道编码", "型号", "数量", "成交单价"]
VISITS_HEADER: Final = ["拜访日期", "客户经理", "渠道编码", "拜访对象", "拜访形式", "是否达成一致",
                        "未达成原因", "后续计划", "跟进截止日期", "跟进完成日期"]
# 投诉记录 columns from A: on-site time in F, reported date in H, answered date in I.
COMPLAINTS_HEADER: Final = ["渠道编码", "类型", "受理日期", "受理时间", "到场日期", "到场时间",
                            "书面投诉", "上报总监日期", "答复日期"]

# Our codes: none of them may appear in a clean workbook.
# The codes of R-40..R-44, and the one about policy lists (here: assessment_weights).
VALUE_CODES: Final = frozenset(code for code, entry in CATALOGUE.items()
                               if entry.scored and entry.rule in {"R-40", "R-41", "R-42",
                                                                  "R-43", "R-44"}
                               ) | {"policy_bad_entry"}


def channel(channel_id: str, *, staff: int | None = None, outlets: int | None = None,
            limit: float | None = None, overdue: float | None = None) -> list[Cell]:
    return [channel_id, f"{channel_id}店", "直供", "V1", "重点", "东区", "张伟", "2025-01-02",
            "2025-01-10", staff, outlets, limit, overdue]


def channels(*rows: list[Cell]) -> RawSheet:
    return RawSheet("渠道档案", [CHANNEL_HEADER, *rows])


def sales(*rows: tuple[str, str, int, float]) -> RawSheet:
    """Sales as (date, channel, quantity, unit price)."""
    table: list[list[Cell]] = [[day, ch, "X100", qty, price] for day, ch, qty, price in rows]
    return RawSheet("销售记录", [SALES_HEADER, *table])


def visits(*rows: tuple[str, str, str | None]) -> RawSheet:
    """Visits as (date, channel, agreed); one without agreement has its follow-up done."""
    def row(day: str, channel_id: str, agreed: str | None) -> list[Cell]:
        follow_up: list[Cell] = (["价格", "再谈", day, day] if agreed == "否"
                                 else [None, None, None, None])
        return [day, "张伟", channel_id, "销售人员", "现场面谈", agreed, *follow_up]
    return RawSheet("拜访日志", [VISITS_HEADER, *(row(*visit) for visit in rows)])


def complaints(*rows: list[Cell]) -> RawSheet:
    return RawSheet("投诉记录", [COMPLAINTS_HEADER, *rows])


def score(*sheets: RawSheet, as_of: date = AS_OF) -> tuple[list[Finding], Scores]:
    _, findings, scores = score_book(list(sheets), as_of=as_of)
    return findings, scores


def channel_rows(scores: Scores) -> dict[str, Row]:
    listing = scores.listing("channels")
    assert listing is not None
    return {row["channel_id"]: row for row in listing.rows}


def ours(findings: list[Finding]) -> list[Spot]:
    """Where this module's findings are, and how serious they are."""
    return spots(findings, VALUE_CODES)


# --- 80/20 -------------------------------------------------------------------------

# Revenue in the 12 months 2024-07-01..2025-06-30: CH1 6000, CH2 2000, CH3 1000, CH4 600,
# CH5 400 = 10000. CH5's 400 is on the window's first day; its 5000 on 2024-06-30 is
# one day too old.
PARETO_CHANNELS: Final = channels(*(channel(f"CH{n}") for n in range(1, 6)))
PARETO_SALES: Final = sales(
    ("2025-06-30", "CH1", 10, 600.0), ("2025-01-15", "CH2", 4, 500.0),
    ("2024-12-01", "CH3", 2, 500.0), ("2025-02-03", "CH4", 3, 200.0),
    ("2024-07-01", "CH5", 1, 400.0), ("2024-06-30", "CH5", 10, 500.0))


def test_revenue_shares_and_the_top_fifth_of_channels() -> None:
    # Top 20% of 5 channels = 1 channel (CH1): 6000 / 10000 = 60% < 80% expected.
    findings, scores = score(PARETO_CHANNELS, PARETO_SALES)
    assert listing_rows(scores, "pareto") == [{
        "period_from": "2024-07-01", "period_to": "2025-06-30", "channels": 5,
        "top_channels": 1, "revenue": 10000.0, "top_revenue": 6000.0, "top_share": 0.6,
        "expected_share": 0.8, "reached": False}]
    rows = channel_rows(scores)
    assert [(rows[ch]["revenue"], rows[ch]["revenue_share"], rows[ch]["top20"])
            for ch in ("CH1", "CH2", "CH5")] == [(6000.0, 0.6, True), (2000.0, 0.2, False),
                                                  (400.0, 0.04, False)]
    assert ours(findings) == []


@pytest.mark.parametrize(("pairs", "expected"), [
    # 40% of 5 = 2 channels: (6000 + 2000) / 10000 = 80%, which reaches 80%.
    pytest.param([("pareto_customer_share", "40%")], (2, 8000.0, 0.8, True), id="top_40_percent"),
    pytest.param([("pareto_revenue_share", "60%")], (1, 6000.0, 0.6, True),
                 id="expected_share_60_percent"),
    # Every sale: 10000 + 5000 = 15000; CH1's 6000 is 40%.
    pytest.param([("value_months", 0)], (1, 6000.0, 0.4, False), id="all_sales"),
    # One month, 2025-05-31..2025-06-30: only CH1's 6000.
    pytest.param([("value_months", 1)], (1, 6000.0, 1.0, True), id="one_month"),
])
def test_policy_changes_the_top_group_and_the_window(
    pairs: list[tuple[str, Cell]], expected: tuple[int, float, float, bool]
) -> None:
    _, scores = score(PARETO_CHANNELS, PARETO_SALES, policy(*pairs))
    row = listing_rows(scores, "pareto")[0]
    assert (row["top_channels"], row["top_revenue"], row["top_share"], row["reached"]) \
        == expected


@pytest.mark.parametrize(("amounts", "share", "top"), [
    # 20% of 6 channels is 1.2, rounded up to 2.
    pytest.param([600, 500, 400, 300, 200, 100], "20%", {"CH1", "CH2"}, id="rounded_up"),
    # 15% of 20 is exactly 3 in decimal (3.0000000000000004 in floating point).
    pytest.param([100 - n for n in range(20)], "15%", {"CH1", "CH2", "CH3"},
                 id="an_exact_count_is_not_rounded_up"),
    # 40% of 5 is 2, but CH3 brought as much as CH2: both are in.
    pytest.param([500, 300, 300, 100, 100], "40%", {"CH1", "CH2", "CH3"},
                 id="ties_at_the_boundary_are_all_in"),
])
def test_the_top_group_size(amounts: list[int], share: str, top: set[str]) -> None:
    names = [f"CH{n}" for n in range(1, len(amounts) + 1)]
    _, scores = score(channels(*map(channel, names)),
                      sales(*(("2025-06-01", name, 1, float(amount))
                              for name, amount in zip(names, amounts, strict=True))),
                      policy(("pareto_customer_share", share)))
    assert {ch for ch, row in channel_rows(scores).items() if row["top20"]} == top


def test_without_sales_the_value_fields_are_empty() -> None:
    _, scores = score(PARETO_CHANNELS)
    assert listing_rows(scores, "pareto") == []
    assert channel_rows(scores)["CH1"]["revenue"] is None


def test_channels_without_sales_in_the_window_have_no_share_of_nothing() -> None:
    _, scores = score(PARETO_CHANNELS, sales(("2020-01-01", "CH1", 1, 10.0)))
    row = listing_rows(scores, "pareto")[0]
    assert (row["channels"], row["top_channels"], row["top_share"], row["reached"]) \
        == (0, 0, None, None)
    assert channel_rows(scores)["CH1"]["revenue_share"] is None


# --- score and grade ---------------------------------------------------------------

# Revenue 400, 300, 200, 100, 0 -> contribution 100, 75, 50, 25, 0 (channels below / 4).
GRADE_CHANNELS: Final = channels(
    channel("CH1", staff=10, outlets=40, limit=50000.0, overdue=0.0),
    channel("CH2", staff=10, outlets=30, limit=100000.0, overdue=15000.0),
    channel("CH3", staff=5, outlets=20),
    channel("CH4", outlets=10),
    channel("CH5"))
GRADE_SALES: Final = sales(
    ("2025-06-02", "CH1", 1, 400.0), ("2025-06-02", "CH2", 1, 300.0),
    ("2025-06-02", "CH3", 1, 200.0), ("2025-06-02", "CH4", 1, 100.0))
# CH2 in the 90 days 2025-04-02..2025-06-30: 3 of 4 answered visits agreed = 75. The
# visit of 2025-04-01 is one day too old and the one without an answer does not count.
GRADE_VISITS: Final = visits(
    ("2025-04-02", "CH2", "是"), ("2025-05-10", "CH2", "是"), ("2025-06-10", "CH2", "是"),
    ("2025-06-30", "CH2", "否"), ("2025-04-01", "CH2", "否"), ("2025-06-20", "CH2", None))


def test_a_channels_grade_is_by_contribution_and_its_assessment_score_beside_it() -> None:
    # CH2: contribution 75 (3 of 4 others below): grade B (60 <= 75 < 80), whatever the
    # rest. Willingness 75; ability: outlets 30 has 2 of the 3 others below = 66.67;
    # staff 10 has CH3 below and CH1 level = (1 + 0.5) / 2 = 75; mean 70.83; credit:
    # 15000 / 100000 = 0.15 of the 0.3 high line = 100 x (1 - 0.5) = 50.
    # Assessment score (20 x 75 + 20 x 70.83 + 20 x 50) / 60 = 65.28 -> 65.3.
    # CH1: contribution 100: A; no visits, ability (100 + 75) / 2 = 87.5, credit 100:
    # (20 x 87.5 + 20 x 100) / 40 = 93.75 -> 93.8.
    # CH5: contribution 0: C; no willingness, ability or credit: no assessment score.
    findings, scores = score(GRADE_CHANNELS, GRADE_SALES, GRADE_VISITS)
    rows = channel_rows(scores)
    parts = ("score_contribution", "score_willingness", "score_ability", "score_credit",
             "score", "grade")
    assert [rows["CH2"][key] for key in parts] == [75.0, 75.0, 70.8, 50.0, 65.3, "B"]
    assert [rows["CH1"][key] for key in parts] == [100.0, None, 87.5, 100.0, 93.8, "A"]
    assert [rows["CH5"][key] for key in parts] == [0.0, None, None, None, None, "C"]
    assert ours(findings) == []


@pytest.mark.parametrize(("pairs", "score_", "grade"), [
    pytest.param([("grade_a_min", 75)], 65.3, "A", id="a_lower_a_line"),
    pytest.param([("grade_b_min", 76)], 65.3, "C", id="a_higher_b_line"),
    # Contribution may be weighted into the assessment; the grade stays by contribution.
    pytest.param([("assessment_weights", "贡献:100")], 75.0, "B", id="contribution_only"),
    pytest.param([("assessment_weights", "贡献:0,积极性:20,能力:20,信用:20")], 65.3, "B",
                 id="a_zero_weight_leaves_the_part_out"),
    # Weights are relative and a percent sign is ignored: the same as the default.
    pytest.param([("assessment_weights", "willingness:40%，能力：40%,credit:40")],
                 65.3, "B", id="english_names_full_width_colons_and_percent_signs"),
    # The key's former name is still read.
    pytest.param([("grade_weights", "信用:100")], 50.0, "B", id="former_name"),
])
def test_policy_changes_the_score_and_grade(
    pairs: list[tuple[str, Cell]], score_: float, grade: str
) -> None:
    findings, scores = score(GRADE_CHANNELS, GRADE_SALES, GRADE_VISITS, policy(*pairs))
    row = channel_rows(scores)["CH2"]
    assert (row["score"], row["grade"]) == (score_, grade)
    assert ours(findings) == []


def test_grade_lines_apply_to_the_contribution_score_at_their_values() -> None:
    # Six channels by revenue: contribution 100 x (channels below) / 5 = 100, 80, 60, 40,
    # 20, 0: 80 is exactly the A line, 60 exactly the B line. CH2 and CH4 carry overdue
    # amounts at their whole credit limit: a credit score of 0 changes no grade.
    ladder = channels(*(channel(f"CH{number}", limit=1000.0,
                                overdue=1000.0 if number in (2, 4) else 0.0)
                        for number in range(1, 7)))
    _, scores = score(ladder, sales(*(("2025-06-02", f"CH{number}", 1, 700.0 - 100 * number)
                                      for number in range(1, 7))))
    rows = channel_rows(scores)
    assert [(rows[f"CH{n}"]["score_contribution"], rows[f"CH{n}"]["grade"])
            for n in range(1, 7)] == [(100.0, "A"), (80.0, "A"), (60.0, "B"), (40.0, "C"),
                                      (20.0, "C"), (0.0, "C")]
    assert (rows["CH2"]["score_credit"], rows["CH2"]["score"]) == (0.0, 0.0)


def test_a_channel_without_any_data_has_no_score_and_no_grade() -> None:
    _, scores = score(channels(channel("CH1")))
    row = channel_rows(scores)["CH1"]
    assert (row["score_contribution"], row["score"], row["grade"]) == (None, None, None)


def test_unreadable_weights_are_reported_and_ignored() -> None:
    # 贡献:x, 魅力:10, the repeated 积极性 and 能力 without a weight are ignored: contribution
    # and ability have no weight, so (20 x 75 + 20 x 50) / 40 = 62.5.
    weights = "贡献:x,魅力:10,积极性:20,积极性:30,能力,信用:20,能力:-5"
    findings, scores = score(GRADE_CHANNELS, GRADE_SALES, GRADE_VISITS,
                             policy(("assessment_weights", weights)))
    assert channel_rows(scores)["CH2"]["score"] == 62.5
    unreadable = [f for f in findings if f.code == "policy_bad_entry"]
    assert [f.value for f in unreadable] == ["贡献:x", "魅力:10", "积极性:30", "能力", "能力:-5"]
    assert {Spot(f.code, f.sheet, f.cell, f.severity.value, f.rule) for f in unreadable} \
        == {Spot("policy_bad_entry", "参数", "B2", "error", "R-41")}
    assert "贡献、积极性、能力、信用" in unreadable[0].message


def test_no_weight_at_all_gives_no_score() -> None:
    findings, scores = score(GRADE_CHANNELS, GRADE_SALES, policy(("assessment_weights", "魅力:10")))
    assert channel_rows(scores)["CH2"]["score"] is None
    assert [f.code for f in findings if f.code in VALUE_CODES] == ["policy_bad_entry"]


@pytest.mark.parametrize(("days", "willingness"), [
    pytest.param(90, 75.0, id="ninety_days"),
    pytest.param(91, 60.0, id="ninety_one_days_take_the_visit_of_1_april"),  # 3 of 5
    pytest.param(1, 0.0, id="the_as_of_day_only"),  # the visit of 30 June: 否
])
def test_the_willingness_window(days: int, willingness: float) -> None:
    _, scores = score(GRADE_CHANNELS, GRADE_VISITS, policy(("willingness_days", days)))
    assert channel_rows(scores)["CH2"]["score_willingness"] == willingness


# --- credit risk -------------------------------------------------------------------

@pytest.mark.parametrize(("limit", "overdue", "ratio", "risk"), [
    pytest.param(100000.0, 0.0, 0.0, "low", id="nothing_overdue"),
    pytest.param(100000.0, 9999.0, 0.1, "low", id="just_below_medium"),  # 0.09999 shown 0.1
    pytest.param(100000.0, 10000.0, 0.1, "medium", id="at_medium"),
    pytest.param(100000.0, 29999.0, 0.3, "medium", id="just_below_high"),
    pytest.param(100000.0, 30000.0, 0.3, "high", id="at_high"),
    pytest.param(None, 0.0, None, "low", id="no_limit_nothing_overdue"),
    pytest.param(None, 500.0, None, "high", id="overdue_without_a_limit"),
    pytest.param(0.0, 500.0, None, "high", id="overdue_with_a_zero_limit"),
    pytest.param(100000.0, None, None, None, id="overdue_blank_is_unknown"),
])
def test_credit_risk_bands_at_their_boundaries(
    limit: float | None, overdue: float | None, ratio: float | None, risk: str | None
) -> None:
    _, scores = score(channels(channel("CH1", limit=limit, overdue=overdue)))
    row = channel_rows(scores)["CH1"]
    assert (row["overdue_ratio"], row["credit_risk"]) == (ratio, risk)


@pytest.mark.parametrize(("overdue", "code"), [
    pytest.param(30000.0, "credit_risk_high", id="at_the_high_line"),
    pytest.param(500.0, "overdue_without_credit", id="without_a_credit_limit"),
])
def test_high_credit_risk_is_a_warning_at_the_overdue_amount(overdue: float, code: str) -> None:
    limit = 100000.0 if code == "credit_risk_high" else None
    findings, _ = score(channels(channel("CH0"), channel("CH1", limit=limit, overdue=overdue)))
    assert ours(findings) == [Spot(code, "渠道档案", "M3", "warning", "R-42")]
    assert "M3" in findings[-1].message
    assert "30%" in findings[-1].message or code == "overdue_without_credit"


def test_the_high_risk_suggestion_says_prepayment_or_shorter_terms() -> None:
    from chantool.findings import suggestion

    for code in ("credit_risk_high", "overdue_without_credit"):
        assert "预付款" in suggestion(code) and "缩短账期" in suggestion(code)


@pytest.mark.parametrize(("pairs", "risk", "credit"), [
    # 30000 / 100000 = 0.3 is medium under a 50% high line; credit 100 x (1 - 0.3/0.5) = 40.
    pytest.param([("credit_high_ratio", "50%")], "medium", 40.0, id="higher_high_line"),
    pytest.param([("credit_medium_ratio", "35%"), ("credit_high_ratio", "40%")], "low", 25.0,
                 id="higher_medium_line"),
])
def test_policy_moves_the_risk_bands(pairs: list[tuple[str, Cell]], risk: str, credit: float
                                     ) -> None:
    findings, scores = score(channels(channel("CH1", limit=100000.0, overdue=30000.0)),
                             policy(*pairs))
    row = channel_rows(scores)["CH1"]
    assert (row["credit_risk"], row["score_credit"]) == (risk, credit)
    assert ours(findings) == []


# --- order drop --------------------------------------------------------------------

# 30-day windows ending 2025-06-30: now 06-01..06-30; before it 05-02..05-31,
# 04-02..05-01 and 03-03..04-01. Each earlier window holds 1000 (sold on its last day),
# so the average is 1000.
def history(name: str) -> list[tuple[str, str, int, float]]:
    return [("2025-05-31", name, 1, 1000.0), ("2025-05-01", name, 1, 1000.0),
            ("2025-04-01", name, 1, 1000.0)]


DROP_CHANNELS: Final = channels(*(channel(f"CH{n}") for n in range(1, 6)))
DROP_SALES: Final = sales(
    *history("CH1"), ("2025-06-01", "CH1", 7, 100.0),  # 700: 1 - 0.7 = 30% drop
    *history("CH2"), ("2025-06-30", "CH2", 1, 701.0),  # 701: 29.9%
    ("2025-06-15", "CH3", 1, 100.0),  # no history
    ("2025-03-02", "CH4", 1, 900.0),  # 120 days back: before the three windows
    *history("CH5"), ("2025-06-15", "CH5", 3, 500.0))  # 1500: grew by 50%


def test_an_order_drop_at_the_ratio_is_a_warning_and_just_below_is_not() -> None:
    findings, scores = score(DROP_CHANNELS, DROP_SALES)
    rows = channel_rows(scores)
    assert [rows[f"CH{n}"]["order_drop"] for n in range(1, 6)] == [0.3, 0.299, None, None, -0.5]
    assert ours(findings) == [Spot("order_drop", "渠道档案", "A2", "warning", "R-43")]
    message = next(f.message for f in findings if f.code == "order_drop")
    assert "700" in message and "1000" in message and "30%" in message


@pytest.mark.parametrize(("pairs", "alerted"), [
    pytest.param([("order_drop_ratio", "29.9%")], ["A2", "A3"], id="lower_ratio"),
    pytest.param([("order_drop_ratio", "31%")], [], id="higher_ratio"),
    # One earlier window: CH4's 900 of 2025-03-02 is far outside; the rest as before.
    pytest.param([("order_drop_periods", 1)], ["A2"], id="one_period"),
    # 60-day windows: now 05-02..06-30 holds 1000 + 700 for CH1, before it 03-03..05-01
    # holds 2000: 1 - 1700 / 2000 = 15%; CH2's 1701 is 14.95%.
    pytest.param([("order_drop_window_days", 60), ("order_drop_periods", 1),
                  ("order_drop_ratio", "15%")], ["A2"], id="sixty_day_windows"),
])
def test_policy_changes_which_drops_are_alerted(pairs: list[tuple[str, Cell]],
                                                alerted: list[str]) -> None:
    findings, _ = score(DROP_CHANNELS, DROP_SALES, policy(*pairs))
    assert [spot.cell for spot in ours(findings)] == alerted


@pytest.mark.parametrize(("value", "drops"), [
    # The sheet's first sale is 2025-05-20: the windows 04-02..05-01 and 03-03..04-01 end
    # before it. Counted as zero, CH1's 1500 over three windows averages 500 and its 400
    # now is a 20% drop; left out, 1500 over one window is a 73.3% drop.
    pytest.param("计为零", 0.2, id="zero"),
    pytest.param("skip", 0.7333, id="skip"),
])
def test_windows_before_the_first_sale_in_the_sheet_count_as_the_policy_says(
        value: str, drops: float) -> None:
    found, scores = score(channels(channel("CH1")),
                          sales(("2025-05-20", "CH1", 3, 500.0), ("2025-06-10", "CH1", 4, 100.0)),
                          policy(("order_drop_before_data", value)))
    assert channel_rows(scores)["CH1"]["order_drop"] == drops
    assert bool(ours(found)) == (value == "skip")


# --- complaints --------------------------------------------------------------------

COMPLAINTS_AS_OF: Final = date(2025, 10, 10)
# 2025-09-30 is a Tuesday; 1-8 October are the National Day break, so the next working
# day is Thursday 9 October; Saturday 11 October is worked instead.
COMPLAINT_ROWS: Final[list[list[Cell]]] = [
    ["CH1", "投诉", "2025-10-09", "09:00", None, "10:00", None, None, None],  # 2: on time
    ["CH1", "投诉", "2025-10-09", "09:00", None, "10:01", None, None, None],  # 3: late
    ["CH1", "投诉", "2025-10-09", "23:30", "2025-10-10", "00:20", None, None, None],  # 4
    ["CH1", "投诉", "2025-10-09", "09:00", None, None, None, None, None],  # 5: missing
    ["CH1", "投诉", "2025-10-10", "09:00", None, None, None, None, None],  # 6: open today
    ["CH2", "投诉", "2025-09-30", "09:00", None, "09:30", "是", "2025-10-09", None],  # 7
    ["CH2", "投诉", "2025-09-30", "09:00", None, "09:30", "是", "2025-10-10", None],  # 8
    ["CH2", "投诉", "2025-09-29", "09:00", None, "09:30", "是", None, None],  # 9: missing
    ["CH2", "投诉", "2025-10-10", "08:00", None, "08:30", "是", None, None],  # 10: open
    ["CH3", "售后", "2025-10-03", None, None, None, None, None, None],  # 11: 7 days open
    ["CH3", "售后", "2025-10-02", None, None, None, None, None, None],  # 12: 8 days
    ["CH3", "售后", "2025-09-20", None, None, None, None, None, "2025-09-29"],  # 13: 9 days
    ["CH3", "售后", "2025-09-20", None, None, None, None, None, "2025-09-27"],  # 14: 7 days
    ["CH3", "投诉", "2025-10-01", None, None, None, None, None, None],  # 15: no time
]


def test_complaint_time_limits_are_warnings_at_their_cells() -> None:
    findings, _ = score(complaints(*COMPLAINT_ROWS), as_of=COMPLAINTS_AS_OF)
    assert ours(findings) == [
        Spot("complaint_onsite_late", "投诉记录", "F3", "warning", "R-44"),
        Spot("complaint_onsite_missing", "投诉记录", "F5", "warning", "R-44"),
        Spot("complaint_report_late", "投诉记录", "H8", "warning", "R-44"),
        Spot("complaint_report_missing", "投诉记录", "H9", "warning", "R-44"),
        Spot("after_sales_escalate", "投诉记录", "I12", "warning", "R-44"),
    ]
    messages = {f.code: f.message for f in findings}
    assert "2025-10-09 10:00" in messages["complaint_onsite_late"]
    assert "2025-10-09" in messages["complaint_report_late"]  # the holiday-crossing deadline
    assert "8 天" in messages["after_sales_escalate"]


def test_the_complaints_listing_holds_what_is_late_or_open_newest_first() -> None:
    _, scores = score(complaints(*COMPLAINT_ROWS), as_of=COMPLAINTS_AS_OF)
    assert [(row["row"], row["step"], row["deadline"], row["done"], row["status"])
            for row in listing_rows(scores, "complaints")] == [
        (6, "onsite", "2025-10-10 10:00", None, "open"),
        (10, "report", "2025-10-11", None, "open"),  # a Saturday worked instead
        (3, "onsite", "2025-10-09 10:00", "2025-10-09 10:01", "late"),
        (5, "onsite", "2025-10-09 10:00", None, "missing"),
        (11, "answer", "2025-10-10", None, "open"),
        (12, "answer", "2025-10-09", None, "escalated"),
        (8, "report", "2025-10-09", "2025-10-10", "late"),
        (9, "report", "2025-09-30", None, "missing"),
        (13, "answer", "2025-09-27", "2025-09-29", "late"),
    ]
    first = listing_rows(scores, "complaints")[0]
    assert (first["channel_id"], first["kind"], first["received"]) == ("CH1", "投诉", "2025-10-10")


@pytest.mark.parametrize(("pairs", "cells"), [
    # Two hours: 10:01 is in time; row 5 (no on-site time, limit 11:00 on 9 Oct) is not.
    pytest.param([("complaint_onsite_hours", 2)], ["F5", "H8", "H9", "I12"], id="two_hours"),
    # Two working days from 30 Sep: 9 and 10 Oct, so 10 Oct is in time.
    pytest.param([("complaint_report_workdays", 2)], ["F3", "F5", "H9", "I12"],
                 id="two_working_days"),
    # A company day off on 9 Oct moves the deadline of 30 Sep to 10 Oct.
    pytest.param([("holidays", "2025-10-09")], ["F3", "F5", "H9", "I12"],
                 id="a_company_day_off"),
    pytest.param([("after_sales_escalate_days", 10)], ["F3", "F5", "H8", "H9"],
                 id="ten_days_for_after_sales"),
])
def test_policy_changes_the_complaint_limits(pairs: list[tuple[str, Cell]], cells: list[str]
                                            ) -> None:
    findings, _ = score(complaints(*COMPLAINT_ROWS), policy(*pairs), as_of=COMPLAINTS_AS_OF)
    assert [spot.cell for spot in ours(findings)] == cells


def test_a_year_without_holiday_data_is_named() -> None:
    # A Monday of the first year the calendar package does not know, reported on Tuesday.
    monday = weekday_in(unknown_year(), 3, 0)
    findings, scores = score(complaints(
        ["CH1", "投诉", monday.isoformat(), None, None, None, "是",
         (monday + timedelta(days=1)).isoformat(), None]), as_of=monday + timedelta(days=6))
    assert "calendar_year_unknown" in [f.code for f in findings]
    assert listing_rows(scores, "complaints") == []


# --- Together ----------------------------------------------------------------------------

def test_a_clean_workbook_has_none_of_these_findings() -> None:
    findings, scores = score(
        channels(channel("CH1", staff=4, outlets=8, limit=10000.0, overdue=0.0)),
        sales(("2025-06-10", "CH1", 2, 300.0), ("2025-05-10", "CH1", 2, 300.0)),
        visits(("2025-06-10", "CH1", "是")),
        complaints(["CH1", "投诉", "2025-06-10", "09:00", None, "09:40", "是", "2025-06-11",
                    None], ["CH1", "售后", "2025-06-10", None, None, None, None, None,
                            "2025-06-12"]))
    assert ours(findings) == []
    assert listing_rows(scores, "complaints") == []
    row = channel_rows(scores)["CH1"]
    assert (row["score"], row["grade"], row["credit_risk"], row["top20"]) \
        == (100.0, "A", "low", True)


@pytest.mark.parametrize("pairs", [
    pytest.param([("value_months", 99999999)], id="months"),
    pytest.param([("willingness_days", 999999999)], id="willingness_days"),
    pytest.param([("order_drop_window_days", 999999999), ("order_drop_periods", 999999999)],
                 id="order_windows"),
    pytest.param([("after_sales_escalate_days", 999999999)], id="after_sales_days"),
])
def test_spans_of_days_beyond_ten_years_are_refused_and_keep_their_defaults(
    pairs: list[tuple[str, Cell]]
) -> None:
    findings, scores = score(GRADE_CHANNELS, GRADE_SALES, GRADE_VISITS,
                             complaints(*COMPLAINT_ROWS), policy(*pairs), as_of=COMPLAINTS_AS_OF)
    assert channel_rows(scores)["CH1"]["revenue"] == 400.0
    refused = [f for f in findings if f.code == "policy_bad_value"]
    assert [f.message.split("“")[1].split("”")[0] for f in refused] == [k for k, _ in pairs]
    assert all("不能大于 3660" in f.message for f in refused)


def test_an_on_site_limit_beyond_the_calendar_is_read_as_endless() -> None:
    findings, scores = score(GRADE_CHANNELS, GRADE_SALES, GRADE_VISITS,
                             complaints(*COMPLAINT_ROWS), policy(("complaint_onsite_hours", 1e15)),
                             as_of=COMPLAINTS_AS_OF)
    assert channel_rows(scores)["CH1"]["revenue"] == 400.0
    codes = [f.code for f in findings]
    assert "policy_bad_value" not in codes and "complaint_onsite_late" not in codes


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_message_names_its_cell_in_both_languages(lang: Lang) -> None:
    sheets = [channels(channel("CH1", limit=100000.0, overdue=30000.0),
                       channel("CH2", overdue=10.0)),
              sales(*history("CH1")), complaints(*COMPLAINT_ROWS),
              policy(("grade_weights", "贡献:x"))]
    # In June CH1's orders stopped (the complaints are in the future, so not read); in
    # October the complaints are late.
    _, findings, _ = score_book(sheets, as_of=AS_OF, lang=lang)
    _, late, _ = score_book(sheets, as_of=COMPLAINTS_AS_OF, lang=lang)
    made = {f.code: f for f in [*findings, *late] if f.code in VALUE_CODES}
    assert set(made) == VALUE_CODES
    for finding in made.values():
        assert "{" not in finding.message
        assert finding.cell is None or finding.cell in finding.message


def test_every_code_of_this_module_is_produced_by_a_test() -> None:
    produced = {"policy_bad_entry", "credit_risk_high", "overdue_without_credit",
                "order_drop", "complaint_onsite_late", "complaint_onsite_missing",
                "complaint_report_late", "complaint_report_missing", "after_sales_escalate"}
    assert produced == VALUE_CODES


def test_complaints_are_checked_when_the_optional_columns_are_not_in_the_sheet() -> None:
    # Only 渠道编码, 类型, 受理日期, 受理时间: nothing was recorded on site or answered, so
    # the complaint's on-site limit and the after-sales case's week have both passed.
    sheet = RawSheet("投诉记录", [["渠道编码", "类型", "受理日期", "受理时间"],
                                  ["CH1", "投诉", "2025-06-01", "09:00"],
                                  ["CH1", "售后", "2025-06-01", None]])
    findings, scores = score(channels(channel("CH1")), sheet, as_of=date(2025, 6, 30))
    assert [(f.code, f.cell) for f in findings if f.code in VALUE_CODES] == [
        ("complaint_onsite_missing", "D2"), ("after_sales_escalate", "C3")]
    assert [(row["step"], row["status"]) for row in listing_rows(scores, "complaints")] == [
        ("onsite", "missing"), ("answer", "escalated")]
