"""Scoring the assessment (R-20..R-26): the weekly review and its shortfall diagnosis, the
monthly ranking with cards and quarterly actions, training results, office scores and
planned customers per tier. Every number below is worked out by hand in a comment.

Calendar used throughout: 2025-06-01 is a Sunday, so the review weeks (Saturday to
Friday) overlapping June 2025 start on 05-31, 06-07, 06-14, 06-21 and 06-28.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any, Final, NamedTuple

import pytest

from chantool import layout
from chantool.coerce import Cell
from chantool.findings import CATALOGUE, Finding
from chantool.listings import Scores
from chantool.scoring import score_book
from chantool.scoring.assessment import IMPROVEMENT_PLANS, SUB_CAUSES
from chantool.settings import SHEETS_BY_KIND
from chantool.table import RawSheet
from tests.scoring import Spot, pick, policy, rows
from tests.scoring import spots as shared_spots

AS_OF: Final = date(2025, 6, 30)
ASSESSMENT_CODES: Final = frozenset({
    "policy_bad_entry", "training_below_pass", "training_penalty", "training_late",
    "effect_check_late", "effect_check_missing"})

# --- Workbook factory -------------------------------------------------------------------

def sheet(kind: str, keys: Sequence[str], *rows: Sequence[Cell]) -> RawSheet:
    """A standard sheet with the header labels of ``keys`` in row 1 and ``rows`` below."""
    spec = SHEETS_BY_KIND[kind]
    return RawSheet(spec.name, [[spec.column(key).label for key in keys], *map(list, rows)])


def channels(*rows: tuple[str, str, str, str, str]) -> RawSheet:
    """Channels as (id, manager, care level, tier, type)."""
    return sheet("channels", ("channel_id", "name", "channel_type", "tier", "care_level",
                              "region", "manager", "start_date"),
                 *[(cid, f"{cid}店", kind, tier, care, "东区", manager, "2025-01-01")
                   for cid, manager, care, tier, kind in rows])


def sales(*rows: tuple[str, str, int]) -> RawSheet:
    """Sales as (date, channel id, quantity)."""
    return sheet("sales", ("sale_date", "channel_id", "model", "qty", "unit_price"),
                 *[(day, cid, "X100", qty, 100.0) for day, cid, qty in rows])


def visits(*rows: tuple[str, str, str, str, bool, int]) -> RawSheet:
    """Visits as (date, manager, channel id, form, agreed, purposes met)."""
    return sheet("visits", ("visit_date", "manager", "channel_id", "visitee_role",
                            "visit_form", "purposes_met", "agreed", "cause", "follow_up",
                            "follow_up_due", "follow_up_done"),
                 *[(day, manager, cid, "销售人员", form, purposes, "是" if agreed else "否",
                    None if agreed else "价格", None if agreed else "再谈",
                    None if agreed else day, None if agreed else day)
                   for day, manager, cid, form, agreed, purposes in rows])


ASSESSMENT_KEYS: Final = ("month", "manager", "office", "kpi_score", "training_score",
                          "training_date", "effect_check_date")  # columns A..G


def assessments(*rows: Sequence[Cell]) -> RawSheet:
    """Assessment rows as (month, manager, office, kpi, training score[, training date,
    effect check date])."""
    return sheet("assessments", ASSESSMENT_KEYS, *[(*row, *[None] * (7 - len(row)))
                                                   for row in rows])


def planned(*rows: tuple[str, str, str, float]) -> RawSheet:
    return sheet("planned", ("month", "office", "channel_id", "achievement"), *rows)


def score(sheets: list[RawSheet], as_of: date = AS_OF) -> tuple[list[Finding], Scores]:
    _, findings, scores = score_book(sheets, as_of=as_of)
    return findings, scores


def spots(findings: list[Finding]) -> list[Spot]:
    return shared_spots(findings, ASSESSMENT_CODES)


# --- The weekly review (R-20, R-21) -----------------------------------------------------

TEAM: Final = channels(("CH001", "张伟", "重点", "V1", "直供"),
                       ("CH002", "张伟", "一般", "V2", "直供"),
                       ("CH003", "李娜", "一般", "V1", "分销"))
# CH003 first sold in May: still active (活动渠道, R-21) in each week and month it sells in.
JUNE_SALES: Final = sales(("2025-05-20", "CH003", 3), ("2025-06-10", "CH003", 12),
                          ("2025-06-14", "CH001", 10), ("2025-06-17", "CH002", 5),
                          ("2025-06-18", "CH001", 20), ("2025-06-23", "CH001", 10))


def test_weekly_sales_add_up_per_review_segment_and_week() -> None:
    findings, scores = score([TEAM, JUNE_SALES])
    weeks = rows(scores, "weeks")
    # Five weeks x two managers, newest week first, managers in profile order.
    assert pick(weeks, "week_start", "manager")[:4] == [
        ("2025-06-28", "张伟"), ("2025-06-28", "李娜"), ("2025-06-21", "张伟"),
        ("2025-06-21", "李娜")]
    assert len(weeks) == 10
    by_week = {(row["manager"], row["week_start"]): row for row in weeks}
    # 张伟, week Sat 06-14 .. Fri 06-20: Sat 14th 10 + Tue 17th 5 = 15 in segment 1
    # (Sat-Tue), Wed 18th 20 in segment 2 (Wed-Fri); 35 >= 30 is met. CH001 and CH002
    # sold that week: 2 active channels, at least 1 asked: met.
    assert by_week["张伟", "2025-06-14"] == {
        "manager": "张伟", "week_start": "2025-06-14", "week_end": "2025-06-20",
        "segment_1_sales": 15, "segment_2_sales": 20, "sales_week": 35, "sales_target": 30.0,
        "sales_status": "met", "active_week": 2, "active_target": "1-2",
        "active_status": "met"}
    # 李娜, week 06-07: Tue 10th is still segment 1; 12 < 30 is short. CH003 sold that
    # week: 1 active channel, met, although it first sold in May (not newly won).
    assert pick([by_week["李娜", "2025-06-07"]], "segment_1_sales", "segment_2_sales",
                "sales_status", "active_week", "active_status") == [
        (12, 0, "short", 1, "met")]
    # 李娜, week 06-14: no sale, no active channel: short.
    assert pick([by_week["李娜", "2025-06-14"]], "active_week", "active_status") == [
        (0, "short")]
    # The week of the as-of date (Mon 06-30) runs to Fri 07-04: not short yet, pending.
    assert pick([by_week["张伟", "2025-06-28"]], "sales_week", "sales_status",
                "active_status") == [(0, "pending", "pending")]
    assert spots(findings) == []


def test_a_holiday_week_keeps_its_review_segments() -> None:
    # National Day 2025: Wed 10-01 to Wed 10-08 are holidays and Sun 09-28 a working day.
    # The review week Sat 09-27 .. Fri 10-03 keeps its calendar segments: Sun 28th (10)
    # is segment 1; Wed 1st (8) and Fri 3rd (7) are segment 2: 15; the week 25.
    _, scores = score([channels(("CH001", "张伟", "重点", "V1", "直供")),
                       sales(("2025-09-28", "CH001", 10), ("2025-10-01", "CH001", 8),
                             ("2025-10-03", "CH001", 7))], as_of=date(2025, 10, 10))
    assert pick(rows(scores, "weeks"), "week_start", "week_end", "segment_1_sales",
                "segment_2_sales", "sales_week", "sales_status") == [
        ("2025-10-04", "2025-10-10", 0, 0, 0, "short"),
        ("2025-09-27", "2025-10-03", 10, 15, 25, "short")]


@pytest.mark.parametrize(("pairs", "expected"), [
    # 25 units in the week: short of the default 30, met against 20.
    ((), ("2025-09-27", 10, 15, 25, "short")),
    ((("weekly_sales_target", 20),), ("2025-09-27", 10, 15, 25, "met")),
    # Monday weeks: Mon 09-29 .. Sun 10-05; Sun 28th falls in the week before, so the
    # week holds Wed 1st (8, segment 1: Mon-Wed) and Fri 3rd (7, segment 2: Thu-Sun).
    ((("review_segments", "周一-周三,周四-周日"),), ("2025-09-29", 8, 7, 15, "short")),
], ids=["default", "weekly_sales_target_20", "monday_weeks"])
def test_the_policy_sets_the_weekly_target_and_the_review_segments(
    pairs: tuple[tuple[str, Cell], ...], expected: tuple[Any, ...]
) -> None:
    _, scores = score([channels(("CH001", "张伟", "重点", "V1", "直供")),
                       sales(("2025-09-28", "CH001", 10), ("2025-10-01", "CH001", 8),
                             ("2025-10-03", "CH001", 7)), policy(*pairs)],
                      as_of=date(2025, 10, 10))
    found = {row["week_start"]: row for row in rows(scores, "weeks")}
    week = found[expected[0]]
    assert (week["week_start"], week["segment_1_sales"], week["segment_2_sales"],
            week["sales_week"], week["sales_status"]) == expected


def test_the_segment_headings_come_from_the_policy() -> None:
    _, scores = score([TEAM, JUNE_SALES, policy(("review_segments", "周一-周三,周四-周日"))])
    listing = scores.listing("weeks")
    assert listing is not None
    assert [f.heading("zh") for f in listing.fields if f.key.startswith("segment_")] == [
        "段1（周一-周三）销售", "段2（周四-周日）销售"]


@pytest.mark.parametrize(("low", "status"), [(2, "met"), (3, "short")])
def test_the_policy_sets_the_weekly_active_minimum(low: int, status: str) -> None:
    # 张伟 had 2 active channels in the week 06-14.
    _, scores = score([TEAM, JUNE_SALES, policy(("weekly_active_min", low),
                                                ("weekly_active_max", 4))])
    week = next(row for row in rows(scores, "weeks")
                if (row["manager"], row["week_start"]) == ("张伟", "2025-06-14"))
    assert (week["active_target"], week["active_status"]) == (f"{low}-4", status)


def test_the_former_names_of_the_active_channel_keys_are_still_read() -> None:
    findings, scores = score([TEAM, JUNE_SALES, policy(("weekly_new_active_min", 3),
                                                       ("monthly_new_active_min", 1))])
    assert [f for f in findings if f.code.startswith("policy_")] == []
    assert {row["active_target"] for row in rows(scores, "weeks")} == {"3-2"}


@pytest.mark.parametrize("value", ["周六-周二,周四-周五", "周六-周三,周三-周五", "六到二,三到五"],
                         ids=["a_day_left_out", "a_day_twice", "not_weekdays"])
def test_unreadable_review_segments_are_an_error_and_the_default_is_used(value: str) -> None:
    findings, scores = score([TEAM, JUNE_SALES, policy(("review_segments", value))])
    assert spots(findings) == [Spot("policy_bad_entry", "参数", "B2", "error", "R-20")]
    assert value in findings[0].message
    # The default Saturday-Tuesday / Wednesday-Friday segments were used.
    week = next(row for row in rows(scores, "weeks")
                if (row["manager"], row["week_start"]) == ("张伟", "2025-06-14"))
    assert (week["segment_1_sales"], week["segment_2_sales"]) == (15, 20)


def test_a_week_needs_the_profiles_and_the_sales() -> None:
    _, scores = score([TEAM])
    assert rows(scores, "weeks") == [] and rows(scores, "diagnosis") == []


# --- The shortfall diagnosis (R-22) -----------------------------------------------------

# 张伟's visits in the week 06-21 .. 06-27, and two that do not count: one the week before
# and one by 李娜.
DIAGNOSIS_VISITS: Final = visits(
    ("2025-06-23", "张伟", "CH001", "现场面谈", True, 4),
    ("2025-06-24", "张伟", "CH002", "电话", False, 1),
    ("2025-06-25", "张伟", "CH001", "培训", False, 3),
    ("2025-06-26", "张伟", "CH002", "现场面谈", False, 3),
    ("2025-06-20", "张伟", "CH001", "现场面谈", True, 5),
    ("2025-06-23", "李娜", "CH003", "现场面谈", True, 5),
)


def test_a_short_week_is_diagnosed_from_three_indicators() -> None:
    _, scores = score([TEAM, JUNE_SALES, DIAGNOSIS_VISITS])
    row = next(row for row in rows(scores, "diagnosis")
               if (row["manager"], row["week_start"]) == ("张伟", "2025-06-21"))
    # Sales: 10 on Mon 06-23, short of 30 by 20. CH001 sold that week: 1 active channel,
    # the minimum.
    # Relationship: 3 on-site visits (现场面谈, 培训, 现场面谈; the phone call is not) for
    # 2 channels: 1.5 a channel; R-01 asks 3 (CH001 重点) + 2 (CH002 一般) = 5: 3/5 = 60%.
    # Willingness: 1 of 4 visits agreed: 25%. Skill: 3 of 4 met >= 3 purposes: 75%.
    # The weakest is willingness.
    assert row == {
        "manager": "张伟", "week_start": "2025-06-21", "week_end": "2025-06-27",
        "sales_week": 10, "sales_gap": 20.0, "active_week": 1, "active_gap": 0,
        "visits_on_site": 3, "channels": 2, "visits_per_channel": 1.5,
        "relationship": 0.6, "willingness": 0.25, "skill": 0.75, "cause": "willingness",
        "sub_causes": "；".join(SUB_CAUSES["willingness"]), "actions": row["actions"]}
    first_plan, first_actions = IMPROVEMENT_PLANS["willingness"][0]
    assert row["actions"].startswith(f"{first_plan}：{first_actions[0]}；")
    assert "客户经理意愿改善方案" in row["actions"] and "相关经办人员意愿改善方案" in row["actions"]


@pytest.mark.parametrize(("pairs", "cause", "skill"), [
    ((), "willingness", 0.75),
    # Success needs 5 purposes: none of the 4 visits: skill 0 %, now the weakest.
    ((("visit_success_purposes", 5),), "skill", 0.0),
    # Success needs 4: 1 of 4 (25 %) ties willingness; the cause named first wins.
    ((("visit_success_purposes", 4),), "willingness", 0.25),
], ids=["default", "five_purposes", "a_tie"])
def test_the_weakest_indicator_is_the_suspected_cause(
    pairs: tuple[tuple[str, Cell], ...], cause: str, skill: float
) -> None:
    _, scores = score([TEAM, JUNE_SALES, DIAGNOSIS_VISITS, policy(*pairs)])
    row = next(row for row in rows(scores, "diagnosis")
               if (row["manager"], row["week_start"]) == ("张伟", "2025-06-21"))
    assert (row["cause"], row["skill"]) == (cause, skill)


def test_a_manager_without_visits_is_short_of_relationship() -> None:
    _, scores = score([TEAM, JUNE_SALES, DIAGNOSIS_VISITS])
    # 李娜 was not visiting in the week 06-14: relationship 0 %, nothing else to measure.
    row = next(row for row in rows(scores, "diagnosis")
               if (row["manager"], row["week_start"]) == ("李娜", "2025-06-14"))
    assert pick([row], "visits_on_site", "relationship", "willingness", "skill", "cause") == [
        (0, 0.0, None, None, "relationship")]


def test_only_weeks_short_of_a_target_are_diagnosed() -> None:
    _, scores = score([TEAM, JUNE_SALES, DIAGNOSIS_VISITS])
    diagnosed = set(pick(rows(scores, "diagnosis"), "manager", "week_start"))
    # 张伟 met both targets in the week 06-14; the week of the as-of date is pending.
    assert ("张伟", "2025-06-14") not in diagnosed
    assert ("张伟", "2025-06-28") not in diagnosed
    assert ("张伟", "2025-06-21") in diagnosed


def test_the_policy_names_the_causes_in_the_sheet() -> None:
    _, scores = score([TEAM, JUNE_SALES, DIAGNOSIS_VISITS,
                       policy(("shortfall_causes", "客情,积极性,能力"))])
    listing = scores.listing("diagnosis")
    assert listing is not None
    cause = next(f for f in listing.fields if f.key == "cause")
    assert layout.text(cause, "willingness", "zh") == "积极性"


def test_without_a_visit_log_a_short_week_has_no_cause() -> None:
    _, scores = score([TEAM, JUNE_SALES])
    row = next(row for row in rows(scores, "diagnosis")
               if (row["manager"], row["week_start"]) == ("张伟", "2025-06-21"))
    assert (row["sales_gap"], row["visits_on_site"], row["cause"]) == (20.0, None, None)


# --- Office scores (R-23) ---------------------------------------------------------------

def test_the_office_score_is_the_mean_achievement_of_its_planned_customers() -> None:
    _, scores = score([planned(
        ("2025-05", "东区", "CH001", 60.0), ("2025-05", "东区", "CH002", 70.0),
        ("2025-06", "东区", "CH001", 90.0), ("2025-06", "东区", "CH002", 80.0),
        ("2025-06", "东区", "CH003", 40.0), ("2025-06", "西区", "CH004", 100.0))])
    # 东区 June: (90 + 80 + 40) / 3 planned = 70 (achievements are 0-100, so "x 100%"
    # keeps the mean on that scale); 西区 June: 100 / 1; 东区 May: (60 + 70) / 2 = 65.
    assert rows(scores, "offices") == [
        {"office": "东区", "month": "2025-06", "planned": 3, "achievement_total": 210.0,
         "score": 70.0},
        {"office": "西区", "month": "2025-06", "planned": 1, "achievement_total": 100.0,
         "score": 100.0},
        {"office": "东区", "month": "2025-05", "planned": 2, "achievement_total": 130.0,
         "score": 65.0}]


def test_a_fraction_of_a_score_is_rounded() -> None:
    _, scores = score([planned(("2025-06", "东区", "CH001", 90.0),
                               ("2025-06", "东区", "CH002", 80.0),
                               ("2025-06", "东区", "CH003", 81.0))])
    assert rows(scores, "offices")[0]["score"] == 83.67  # 251 / 3 = 83.666...


# --- Ranking and cards (R-24) -----------------------------------------------------------

def june(*scored: tuple[str, float]) -> RawSheet:
    return assessments(*[("2025-06", manager, "东区", kpi) for manager, kpi in scored])


def test_ties_share_a_rank_and_the_card_at_the_boundary() -> None:
    findings, scores = score([june(("甲", 95.0), ("乙", 90.0), ("丙", 85.0), ("丁", 85.0),
                                   ("戊", 80.0), ("己", 70.0), ("庚", 60.0), ("辛", 60.0))])
    # Competition ranks: 95 1, 90 2, 85 3 and 3, 80 5, 70 6, 60 7 and 7. The top 3 by
    # rank are 甲 乙 丙 丁 (丙 and 丁 tie at 3rd): all rewarded. From the bottom: 庚 辛 1st,
    # 己 3rd: yellow; 戊 is 4th from the bottom: no card.
    assert pick(rows(scores, "managers"), "manager", "rank", "card") == [
        ("甲", 1, "reward"), ("乙", 2, "reward"), ("丙", 3, "reward"), ("丁", 3, "reward"),
        ("戊", 5, None), ("己", 6, "yellow"), ("庚", 7, "yellow"), ("辛", 7, "yellow")]
    assert spots(findings) == []


def test_with_fewer_than_twice_n_managers_the_reward_wins() -> None:
    _, scores = score([june(("甲", 90.0), ("乙", 80.0), ("丙", 70.0), ("丁", 60.0))])
    # Top 3: 甲 乙 丙; bottom 3: 乙 丙 丁. 乙 and 丙 are in both: the reward wins.
    assert pick(rows(scores, "managers"), "manager", "rank", "card") == [
        ("甲", 1, "reward"), ("乙", 2, "reward"), ("丙", 3, "reward"), ("丁", 4, "yellow")]


@pytest.mark.parametrize(("count", "cards"), [
    ("3", ["reward", "reward", "reward", None, "yellow", "yellow", "yellow"]),
    ("2", ["reward", "reward", None, None, None, "yellow", "yellow"]),
    ("0", [None] * 7),
], ids=["default", "two", "none"])
def test_the_policy_sets_how_many_get_a_card(count: str, cards: list[str | None]) -> None:
    _, scores = score([june(("甲", 99.0), ("乙", 98.0), ("丙", 97.0), ("丁", 96.0),
                            ("戊", 95.0), ("己", 94.0), ("庚", 93.0)),
                       policy(("rank_card_count", count))])
    assert [row["card"] for row in rows(scores, "managers")] == cards


# Three managers over four months, one card each end (rank_card_count 1):
#   03: 甲 90 reward, 乙 80, 丙 70 yellow       04: 甲 90 reward, 丙 80, 乙 70 yellow
#   05: 甲 90 reward, 乙 70, 丙 60 yellow       06: 甲 90 reward, 乙 60 and 丙 60 yellow
QUARTERS: Final = [
    assessments(*[(month, manager, "东区", kpi) for month, scored in (
        ("2025-03", (("甲", 90.0), ("乙", 80.0), ("丙", 70.0))),
        ("2025-04", (("甲", 90.0), ("乙", 70.0), ("丙", 80.0))),
        ("2025-05", (("甲", 90.0), ("乙", 70.0), ("丙", 60.0))),
        ("2025-06", (("甲", 90.0), ("乙", 60.0), ("丙", 60.0))),
    ) for manager, kpi in scored]),
    policy(("rank_card_count", 1)),
]


def test_yellow_cards_count_in_their_quarter_up_to_the_month() -> None:
    _, scores = score(QUARTERS)
    found = {(row["manager"], row["month"]): row for row in rows(scores, "managers")}
    # 乙: yellow in April and June (Q2): one card up to April and May, two in June: focus.
    assert [pick([found["乙", month]], "card", "quarter_yellow_cards", "action")[0]
            for month in ("2025-03", "2025-04", "2025-05", "2025-06")] == [
        (None, 0, None), ("yellow", 1, None), (None, 1, None), ("yellow", 2, "focus")]


def test_yellow_cards_in_consecutive_quarters_mean_reassignment_over_focus() -> None:
    _, scores = score(QUARTERS)
    found = {(row["manager"], row["month"]): row for row in rows(scores, "managers")}
    # 丙: yellow in March (Q1), none in April, then May and June (Q2). April counts no Q2
    # card yet; May is the first Q2 card after a Q1 card: reassign; June has two Q2 cards
    # (focus) but reassignment wins.
    assert [pick([found["丙", month]], "rank", "card", "quarter_yellow_cards", "action")[0]
            for month in ("2025-03", "2025-04", "2025-05", "2025-06")] == [
        (3, "yellow", 1, None), (2, None, 0, None), (3, "yellow", 1, "reassign"),
        (2, "yellow", 2, "reassign")]


def test_a_higher_focus_threshold_needs_more_cards() -> None:
    _, scores = score([QUARTERS[0], policy(("rank_card_count", 1), ("yellow_cards_focus", 3))])
    found = {(row["manager"], row["month"]): row for row in rows(scores, "managers")}
    assert found["乙", "2025-06"]["action"] is None


def test_managers_are_listed_newest_month_first_by_rank() -> None:
    _, scores = score(QUARTERS)
    assert pick(rows(scores, "managers"), "month", "manager")[:4] == [
        ("2025-06", "甲"), ("2025-06", "乙"), ("2025-06", "丙"), ("2025-05", "甲")]


def test_rank_card_and_action_are_written_to_the_assessment_sheet() -> None:
    _, scores = score(QUARTERS)
    columns = {column.field.key: column for column in scores.columns
               if column.sheet == "assessments"}
    assert list(columns) == ["rank", "card", "action"]
    # Data row 11 is 乙 in June (the 12th data row is 丙 in June).
    assert [columns[key].values[10] for key in columns] == [2, "yellow", "focus"]
    assert [layout.sheet_value(columns[key].field, columns[key].values[11], "zh")
            for key in columns] == [
        2, "黄牌", "调岗"]
    assert layout.text(columns["card"].field, "reward", "zh") == "奖励"
    assert layout.text(columns["action"].field, "focus", "zh") == "重点改进"


def test_a_row_without_a_kpi_score_is_not_ranked() -> None:
    _, scores = score([assessments(("2025-06", "甲", "东区", 90.0),
                                   ("2025-06", "乙", "东区", None))])
    assert pick(rows(scores, "managers"), "manager", "rank", "card") == [
        ("甲", 1, "reward"), ("乙", None, None)]


# --- Active channels of the month (R-21) ------------------------------------------------

@pytest.mark.parametrize(("as_of", "pairs", "status"), [
    # CH001 and CH002 sold in June: 2 active channels, below 3 once June is over.
    (date(2025, 6, 30), (), "short"),
    (date(2025, 6, 20), (), "pending"),
    (date(2025, 6, 30), (("monthly_active_min", 2),), "met"),
], ids=["month_over", "month_running", "minimum_two"])
def test_active_channels_of_the_month_against_the_minimum(
    as_of: date, pairs: tuple[tuple[str, Cell], ...], status: str
) -> None:
    _, scores = score([TEAM, JUNE_SALES, assessments(("2025-06", "张伟", "东区", 80.0)),
                       policy(*pairs)], as_of=as_of)
    assert pick(rows(scores, "managers"), "active_month", "active_status") == [
        (2, status)]


def test_a_channel_won_before_the_month_is_active_in_each_month_it_sells_in() -> None:
    # CH003 first sold in May and sold again in June: active in both months for 李娜;
    # a sale after the as-of date does not count.
    later = sales(("2025-05-20", "CH003", 3), ("2025-06-10", "CH003", 12),
                  ("2025-06-11", "CH003", 1), ("2025-07-02", "CH003", 4))
    _, scores = score([TEAM, later, assessments(("2025-05", "李娜", "东区", 80.0),
                                                ("2025-06", "李娜", "东区", 80.0),
                                                ("2025-07", "李娜", "东区", 80.0))])
    assert pick(rows(scores, "managers"), "month", "active_month") == [
        ("2025-07", 0), ("2025-06", 1), ("2025-05", 1)]


# --- Training (R-25) --------------------------------------------------------------------

TRAINING: Final = assessments(
    ("2025-04", "张伟", "东区", 80.0, 85.0),  # row 2: pass
    ("2025-05", "张伟", "东区", 80.0, 75.0),  # row 3: first month under 80: notice
    ("2025-06", "张伟", "东区", 80.0, 70.0),  # row 4: second month in a row: penalty 200
    ("2025-04", "李娜", "东区", 80.0, 70.0),  # row 5: notice
    ("2025-06", "李娜", "东区", 80.0, 70.0),  # row 6: May has no score: a new run, notice
)


def test_training_scores_under_the_pass_mark_are_a_notice_then_a_penalty() -> None:
    findings, scores = score([TRAINING])
    found = {(row["manager"], row["month"]): row for row in rows(scores, "managers")}
    assert [pick([found[key]], "training_status", "penalty")[0] for key in (
        ("张伟", "2025-04"), ("张伟", "2025-05"), ("张伟", "2025-06"), ("李娜", "2025-04"),
        ("李娜", "2025-06"))] == [
        ("pass", 0.0), ("notice", 0.0), ("penalty", 200.0), ("notice", 0.0), ("notice", 0.0)]
    assert spots(findings) == [
        Spot("training_below_pass", "考核记录", "E3", "warning", "R-25"),
        Spot("training_penalty", "考核记录", "E4", "warning", "R-25"),
        Spot("training_below_pass", "考核记录", "E5", "warning", "R-25"),
        Spot("training_below_pass", "考核记录", "E6", "warning", "R-25")]
    penalty = next(f for f in findings if f.code == "training_penalty")
    assert "连续 2 个月" in penalty.message and "200 元" in penalty.message


@pytest.mark.parametrize(("pairs", "expected"), [
    # Three months in a row needed: June is the second, a notice.
    ((("training_penalty_months", 3),), [("notice", 0.0), ("notice", 0.0)]),
    ((("training_penalty", 500),), [("notice", 0.0), ("penalty", 500.0)]),
    # Pass mark 70: 75 and 70 pass.
    ((("training_pass_score", 70),), [("pass", 0.0), ("pass", 0.0)]),
], ids=["three_months", "penalty_500", "pass_mark_70"])
def test_the_policy_sets_the_pass_mark_and_the_penalty(
    pairs: tuple[tuple[str, Cell], ...], expected: list[tuple[str, float]]
) -> None:
    _, scores = score([TRAINING, policy(*pairs)])
    found = {(row["manager"], row["month"]): row for row in rows(scores, "managers")}
    assert [pick([found["张伟", month]], "training_status", "penalty")[0]
            for month in ("2025-05", "2025-06")] == expected


class TrainingCase(NamedTuple):
    training_date: str
    effect_check_date: str | None
    expected: list[Spot]


TRAINING_CASES: Final = {
    "held_by_the_8th_and_checked_in_two_days": TrainingCase("2025-06-08", "2025-06-10", []),
    "held_after_the_8th": TrainingCase(
        "2025-06-10", "2025-06-11",
        [Spot("training_late", "考核记录", "F2", "warning", "R-25")]),
    "checked_three_days_after": TrainingCase(
        "2025-06-05", "2025-06-08",
        [Spot("effect_check_late", "考核记录", "G2", "warning", "R-25")]),
    "not_checked_and_the_window_passed": TrainingCase(
        "2025-06-05", None,
        [Spot("effect_check_missing", "考核记录", "G2", "warning", "R-25")]),
    # Trained on the 29th: the check is due by 07-01, after the as-of date 06-30.
    "not_checked_yet_within_the_window": TrainingCase("2025-06-29", None, [
        Spot("training_late", "考核记录", "F2", "warning", "R-25")]),
}


@pytest.mark.parametrize("case", TRAINING_CASES.values(), ids=TRAINING_CASES.keys())
def test_training_is_held_in_time_and_its_effect_checked(case: TrainingCase) -> None:
    findings, _ = score([assessments(("2025-06", "张伟", "东区", 80.0, 90.0,
                                      case.training_date, case.effect_check_date))])
    assert spots(findings) == case.expected


def test_a_later_training_day_in_the_policy_allows_later_training() -> None:
    findings, _ = score([assessments(("2025-06", "张伟", "东区", 80.0, 90.0, "2025-06-10",
                                      "2025-06-11")), policy(("training_day", 10))])
    assert spots(findings) == []


def test_the_effect_check_window_comes_from_the_policy() -> None:
    findings, _ = score([assessments(("2025-06", "张伟", "东区", 80.0, 90.0, "2025-06-05",
                                      "2025-06-08")), policy(("training_check_days", 3))])
    assert spots(findings) == []


# --- Planned customers per tier (R-26) --------------------------------------------------

TIERED: Final = channels(("CH001", "张伟", "重点", "VKA", "直供"),
                         ("CH002", "张伟", "一般", "V1", "直供"),
                         ("CH003", "李娜", "一般", "V1", "直供"),
                         ("CH004", "李娜", "一般", "V4", "分销"))


def test_channels_per_tier_and_type_against_the_planned_targets() -> None:
    findings, scores = score([TIERED])
    # Defaults VKA:9, V1:19, V2:25, V3:30, V4:91, 分销:2 against 1 VKA, 2 V1, 1 V4 and one
    # channel of the type 分销 (CH004, which also counts as V4).
    assert pick(rows(scores, "tiers"), "tier", "basis", "target", "actual", "gap",
                "status") == [
        ("VKA", "tier", 9, 1, 8, "short"), ("V1", "tier", 19, 2, 17, "short"),
        ("V2", "tier", 25, 0, 25, "short"), ("V3", "tier", 30, 0, 30, "short"),
        ("V4", "tier", 91, 1, 90, "short"), ("分销", "channel_type", 2, 1, 1, "short")]
    assert spots(findings) == []


def test_the_policy_sets_the_tier_targets() -> None:
    _, scores = score([TIERED, policy(("tier_targets", "VKA:1，V1：3,分销:1"))])
    assert pick(rows(scores, "tiers"), "tier", "target", "actual", "gap", "status") == [
        ("VKA", 1, 1, 0, "met"), ("V1", 3, 2, 1, "short"), ("分销", 1, 1, 0, "met")]


@pytest.mark.parametrize("entry", ["VKA:x", "VKA", "V9:3", ":3"],
                         ids=["count_not_a_number", "no_count", "unknown_tier", "no_tier"])
def test_an_unreadable_tier_target_is_an_error_and_is_skipped(entry: str) -> None:
    findings, scores = score([TIERED, policy(("tier_targets", f"V1:2,{entry}"))])
    assert spots(findings) == [Spot("policy_bad_entry", "参数", "B2", "error", "R-26")]
    assert entry in findings[0].message
    assert pick(rows(scores, "tiers"), "tier", "status") == [("V1", "met")]


def test_changing_the_tiers_leaves_the_untouched_default_targets_out_without_errors() -> None:
    stars = channels(("CH001", "张伟", "重点", "五星", "直供"),
                     ("CH002", "张伟", "一般", "一星", "分销"))
    findings, scores = score([stars, policy(
        ("tiers", "一星,二星,三星,四星,五星"), ("visit_scheme", "等级"))])
    assert [f for f in findings if f.code.startswith("policy_")] == []
    # Only the default entry naming a channel type still applies.
    assert pick(rows(scores, "tiers"), "tier", "target", "actual") == [("分销", 2, 1)]


def test_a_tier_target_set_on_the_sheet_naming_an_unknown_tier_is_still_an_error() -> None:
    findings, _ = score([TIERED, policy(("tiers", "一星,二星"), ("tier_targets", "VKA:9"))])
    (bad,) = [f for f in findings if f.code == "policy_bad_entry"]
    assert (bad.sheet, bad.cell, bad.rule) == ("参数", "B3", "R-26")
    assert bad.message.startswith("参数 B3：参数 tier_targets 中的“VKA:9”")


# --- Clean books and the catalogue ------------------------------------------------------

def test_a_complete_book_in_order_has_none_of_the_assessment_findings() -> None:
    findings, scores = score([
        TEAM, JUNE_SALES, DIAGNOSIS_VISITS,
        assessments(("2025-06", "张伟", "东区", 90.0, 85.0, "2025-06-06", "2025-06-08"),
                    ("2025-06", "李娜", "东区", 70.0, 95.0, "2025-06-08", "2025-06-09")),
        planned(("2025-06", "东区", "CH001", 90.0)),
        policy(("tier_targets", "V1:2,V2:1,分销:1"))])
    assert spots(findings) == []
    assert all(rows(scores, key) for key in ("weeks", "diagnosis", "managers", "offices",
                                             "tiers"))


def test_the_managers_rows_hold_the_contract_keys() -> None:
    _, scores = score(QUARTERS)
    row = scores.to_dict()["managers"][0]
    assert {"manager", "month", "kpi_score", "rank", "card", "quarter_yellow_cards",
            "action"} <= set(row)
    assert {"office", "score", "month"} <= set(score([planned(
        ("2025-06", "东区", "CH001", 90.0))])[1].to_dict()["offices"][0])


def test_every_assessment_finding_reads_in_english() -> None:
    sheets = [TIERED, assessments(
        ("2025-05", "张伟", "东区", 80.0, 70.0, "2025-05-10", "2025-05-20"),
        ("2025-06", "张伟", "东区", 80.0, 70.0, "2025-06-05", None)),
        policy(("review_segments", "周六-周一"), ("tier_targets", "VKA:x"))]
    _, findings, _ = score_book(sheets, as_of=AS_OF, lang="en")
    assert {f.code for f in findings} == ASSESSMENT_CODES
    assert all("{" not in f.message and "的" not in f.message for f in findings)


def test_every_assessment_code_is_in_the_catalogue_made_by_score_only() -> None:
    assert all(CATALOGUE[code].scored for code in ASSESSMENT_CODES)
    assert {code for code, entry in CATALOGUE.items()
            if entry.scored and entry.rule in {f"R-2{n}" for n in range(7)}} \
        == ASSESSMENT_CODES - {"policy_bad_entry"}  # about any policy list: its key's rule


def test_a_managers_month_entered_twice_is_ranked_once_by_its_first_row() -> None:
    # Seven managers score 90..60; M1's month is entered again with 50 (row 9). Ranked by
    # the first rows only: M1..M3 the top three (reward), M5..M7 the bottom three (yellow);
    # counting the repeat would have made M5 fifth of eight, with no card.
    entries = [("2025-06", f"M{n}", "东区", 100.0 - 5 * n - 5, 90.0, None, None)
               for n in range(1, 8)]
    entries.append(("2025-06", "M1", "东区", 50.0, 90.0, None, None))
    findings, scores = score([assessments(*entries)])
    assert [f.cell for f in findings if f.code == "not_unique"] == ["B9"]
    managers = pick(rows(scores, "managers"), "manager", "kpi_score", "rank", "card")
    assert managers[:7] == [("M1", 90.0, 1, "reward"), ("M2", 85.0, 2, "reward"),
                            ("M3", 80.0, 3, "reward"), ("M4", 75.0, 4, None),
                            ("M5", 70.0, 5, "yellow"), ("M6", 65.0, 6, "yellow"),
                            ("M7", 60.0, 7, "yellow")]
    assert managers[7] == ("M1", 50.0, None, None)
