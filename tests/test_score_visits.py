"""Scoring the visit log: weekly visit targets (R-01/R-02), key-contact visits (R-04),
visit success (R-05), daily visits per manager (R-03), check-in and check-out (R-07) and
the plausibility of visit times. Numbers are worked out by hand in the comments."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any, Final

import pytest

from chantool.coerce import Cell
from chantool.findings import CATALOGUE, Finding
from chantool.listings import Scores
from chantool.scoring import score_book
from chantool.table import RawSheet
from tests.scoring import policy as policy_sheet

# A Friday: its week runs from Monday 2025-06-23 to Sunday 2025-06-29.
AS_OF: Final = date(2025, 6, 27)

CHANNEL_HEADER: Final = ["渠道编码", "渠道名称", "渠道类型", "渠道等级", "维护级别", "所属区域",
                         "客户经理", "合作开始日期", "档案完成日期", "销售人员数", "重点联系人数"]
VISIT_HEADER: Final = ["拜访日期", "客户经理", "渠道编码", "拜访对象", "拜访形式", "达成目的数",
                       "是否达成一致", "签到时间", "签退时间", "驻点销售"]


def channel(channel_id: str, care: str = "重点", kind: str = "直供", tier: str = "V1",
            contacts: int = 0, manager: str = "张伟") -> list[Cell]:
    return [channel_id, f"{channel_id}店", kind, tier, care, "东区", manager, "2024-01-02",
            "2024-01-05", 5, contacts]


def visit(day: str, channel_id: str = "CH001", *, manager: str = "张伟",
          role: str = "渠道负责人", form: str = "现场面谈", purposes: int | None = None,
          check_in: str | None = None, check_out: str | None = None,
          stationed: str | None = None) -> list[Cell]:
    return [day, manager, channel_id, role, form, purposes, "是", check_in, check_out, stationed]


def book(channels: Sequence[list[Cell]], visits: Sequence[list[Cell]],
         policy: Sequence[tuple[str, Cell]] = ()) -> list[RawSheet]:
    sheets = [RawSheet("渠道档案", [CHANNEL_HEADER, *channels]),
              RawSheet("拜访日志", [VISIT_HEADER, *visits])]
    if policy:
        sheets.append(policy_sheet(*policy))
    return sheets


def score(sheets: list[RawSheet], as_of: date = AS_OF) -> tuple[list[Finding], Scores]:
    _, findings, scores = score_book(sheets, as_of=as_of)
    return findings, scores


def channel_row(scores: Scores, channel_id: str) -> dict[str, Any]:
    listing = scores.listing("channels")
    assert listing is not None
    return next(row for row in listing.rows if row["channel_id"] == channel_id)


def codes(findings: list[Finding], code: str) -> list[tuple[str | None, str | None]]:
    return [(finding.cell, finding.rule) for finding in findings if finding.code == code]


# --- on-site visits a week --------------------------------------------------

def test_key_and_general_channels_are_measured_against_their_weekly_targets() -> None:
    visits = [
        # CH001 (key, 3 a week): two on-site visits this week; the phone call and last
        # week's visit do not count: 2 < 3, short.
        visit("2025-06-23"), visit("2025-06-25", form="培训"), visit("2025-06-26", form="电话"),
        visit("2025-06-20"),
        # CH002 (general, 2 a week): a meeting and a face-to-face visit: 2 >= 2, met.
        visit("2025-06-24", "CH002", form="会议"), visit("2025-06-27", "CH002"),
    ]
    _, scores = score(book([channel("CH001"), channel("CH002", care="一般")], visits))
    first, second = channel_row(scores, "CH001"), channel_row(scores, "CH002")
    assert (first["visits_week"], first["visit_target"], first["visit_status"]) == (2, 3, "short")
    assert (second["visits_week"], second["visit_target"], second["visit_status"]) == (
        2, 2, "met")
    assert first["visits_month"] == 3  # 06-20, 06-23, 06-25


def test_policy_targets_change_the_weekly_status() -> None:
    visits = [visit("2025-06-23"), visit("2025-06-25")]
    _, scores = score(book([channel("CH001")], visits, [("visits_per_week_key", 2)]))
    assert channel_row(scores, "CH001")["visit_status"] == "met"


def test_the_tier_scheme_uses_the_tier_or_channel_type_and_monthly_targets() -> None:
    policy = [("visit_scheme", "tier"), ("tier_visit_targets", "终端:3/周, V4:1/月")]
    visits = [
        # CH001, a 终端 channel: 3 a week; two this week: short.
        visit("2025-06-23"), visit("2025-06-24"),
        # CH002, tier V4: once a month; one visit on 06-03 this month: met.
        visit("2025-06-03", "CH002"),
    ]
    channels = [channel("CH001", kind="终端"), channel("CH002", kind="直供", tier="V4")]
    findings, scores = score(book(channels, visits, policy))
    first, second = channel_row(scores, "CH001"), channel_row(scores, "CH002")
    assert (first["visit_target"], first["visit_period"], first["visit_status"]) == (
        3, "week", "short")
    assert (second["visits_week"], second["visits_month"]) == (0, 1)
    assert (second["visit_target"], second["visit_period"], second["visit_status"]) == (
        1, "month", "met")
    assert not codes(findings, "visit_target_unknown")


def test_a_channel_the_tier_scheme_has_no_target_for_is_reported_at_its_tier() -> None:
    policy = [("visit_scheme", "tier"), ("tier_visit_targets", "终端:3/周")]
    findings, scores = score(book([channel("CH001", kind="直供", tier="V2")], [], policy))
    assert codes(findings, "visit_target_unknown") == [("D2", "R-02")]
    assert channel_row(scores, "CH001")["visit_status"] is None


def test_an_unreadable_target_entry_is_reported_and_the_others_still_apply() -> None:
    policy = [("visit_scheme", "tier"), ("tier_visit_targets", "终端:3/周, 三星:每月一次")]
    findings, scores = score(book([channel("CH001", kind="终端")], [visit("2025-06-23")], policy))
    (bad,) = [finding for finding in findings if finding.code == "policy_bad_entry"]
    assert (bad.sheet, bad.cell, bad.severity, bad.rule) == ("参数", "B3", "error", "R-02")
    assert "参数 B3" in bad.message and "三星:每月一次" in bad.message
    assert "tier_visit_targets" in bad.message
    assert channel_row(scores, "CH001")["visit_target"] == 3


# --- R-04 / R-05 -------------------------------------------------------------------------

def test_key_contacts_are_visited_twice_a_week() -> None:
    visits = [visit("2025-06-23", role="销售人员"), visit("2025-06-24", role="渠道负责人"),
              visit("2025-06-25", role="销售人员", form="电话")]
    channels = [channel("CH001", contacts=2), channel("CH002", contacts=0)]
    _, scores = score(book(channels, visits))
    first = channel_row(scores, "CH001")
    # One on-site visit to the sales staff (the phone call does not count): 1 < 2.
    assert (first["key_contact_visits_week"], first["key_contact_status"]) == (1, "short")
    assert channel_row(scores, "CH002")["key_contact_status"] is None  # no key contacts


@pytest.mark.parametrize(("success_at", "rate", "column"), [
    (3, 0.3333, [False, True, False]),  # 2 < 3, 5 >= 3, 1 < 3: one of three
    (2, 0.6667, [True, True, False]),  # 2 >= 2, 5 >= 2: two of three
])
def test_a_visit_succeeds_when_enough_purposes_were_met(
    success_at: int, rate: float, column: list[bool]
) -> None:
    visits = [visit("2025-06-02", purposes=2), visit("2025-06-03", purposes=5),
              visit("2025-06-04", purposes=1), visit("2025-06-05")]
    _, scores = score(book([channel("CH001")], visits,
                           [("visit_success_purposes", success_at)]))
    assert channel_row(scores, "CH001")["visit_success_rate"] == rate
    (success,) = [c for c in scores.columns if c.field.key == "visit_success"]
    assert success.values == dict(enumerate(column))  # row 4 (no purposes) has no value


def test_a_visit_without_any_assessment_of_its_effect_is_a_warning() -> None:
    visits = [visit("2025-06-23", purposes=4),  # row 2: assessed
              visit("2025-06-24"),  # row 3: agreed 是, no purposes: assessed
              [*visit("2025-06-25")[:6], None, *visit("2025-06-25")[7:]]]  # row 4: neither
    findings, _ = score(book([channel("CH001")], visits))
    assert codes(findings, "effect_missing") == [("F4", "R-06")]


# --- channels a manager visits each working day --------------------------------------

def day_of(day: str, count: int, **options: Any) -> list[list[Cell]]:
    return [visit(day, f"CH00{n + 1}", **options) for n in range(count)]


FOUR: Final = [channel(f"CH00{n}") for n in range(1, 5)]


def test_a_working_day_with_fewer_than_four_channels_is_reported_on_its_last_visit() -> None:
    visits = [*day_of("2025-06-23", 4),  # rows 2-5: four channels, met
              *day_of("2025-06-24", 3),  # rows 6-8: three, short: reported at B8
              visit("2025-06-24", "CH001"),  # row 9: the same channel again counts once
              *day_of("2025-06-25", 1, stationed="是"),  # row 10: stationed, exempt
              *day_of("2025-06-28", 1)]  # row 11: a Saturday, not a working day
    findings, scores = score(book(FOUR, visits))
    assert codes(findings, "daily_visits_short") == [("B9", "R-03")]
    listing = scores.listing("manager_days")
    assert listing is not None
    days = {row["date"]: (row["channels_visited"], row["status"]) for row in listing.rows}
    # Monday to Friday of the as-of week, newest first; Thursday had no visit at all.
    assert list(days) == ["2025-06-27", "2025-06-26", "2025-06-25", "2025-06-24", "2025-06-23"]
    assert days["2025-06-26"] == (0, "short")
    assert days["2025-06-25"] == (1, "exempt")
    assert days["2025-06-24"] == (3, "short")
    assert days["2025-06-23"] == (4, "met")


def test_holidays_and_worked_weekend_days_follow_the_chinese_calendar() -> None:
    # 2025-10-01 is National Day (a holiday on a Wednesday); Sunday 2025-09-28 is worked.
    visits = [*day_of("2025-10-01", 1), *day_of("2025-09-28", 1)]
    findings, _ = score(book(FOUR, visits), as_of=date(2025, 10, 10))
    assert codes(findings, "daily_visits_short") == [("B3", "R-03")]


def test_the_daily_minimum_is_a_policy_key() -> None:
    findings, _ = score(book(FOUR, day_of("2025-06-24", 3), [("manager_daily_visits", 3)]))
    assert not codes(findings, "daily_visits_short")


# --- R-07 and plausibility ---------------------------------------------------------------

def test_the_days_first_check_in_and_last_check_out_are_held_to_the_policy() -> None:
    visits = [visit("2025-06-23", "CH001", check_in="08:20", check_out="10:00"),  # row 2
              visit("2025-06-23", "CH002", check_in="10:30", check_out="16:30"),  # row 3
              visit("2025-06-24", "CH001", check_in="07:55", check_out="12:00"),  # row 4
              visit("2025-06-24", "CH002", check_in="13:00", check_out="17:10")]  # row 5
    findings, _ = score(book(FOUR, visits))
    assert codes(findings, "late_check_in") == [("H2", "R-07")]
    assert codes(findings, "early_check_out") == [("I3", "R-07")]
    relaxed, _ = score(book(FOUR, visits, [("check_in_by", "08:30"),
                                           ("check_out_at", "16:30")]))
    assert not codes(relaxed, "late_check_in") and not codes(relaxed, "early_check_out")


def test_overlapping_visits_of_one_manager_are_reported_at_the_later_check_in() -> None:
    visits = [visit("2025-06-23", "CH002", check_in="09:30", check_out="10:30"),  # row 2
              visit("2025-06-23", "CH001", check_in="08:00", check_out="09:45"),  # row 3
              visit("2025-06-23", "CH003", check_in="10:30", check_out="17:00"),  # row 4
              visit("2025-06-23", "CH004", manager="李娜", check_in="08:00", check_out="17:00")]
    findings, _ = score(book(FOUR, visits))
    # 09:30 (row 2) starts before row 3 ends at 09:45; row 4 starts as row 2 ends: fine.
    (overlap,) = [f for f in findings if f.code == "visits_overlap"]
    assert overlap.cell == "H2" and "第3行" in overlap.message


def test_a_visit_within_an_earlier_longer_one_overlaps_it() -> None:
    visits = [visit("2025-06-23", "CH001", check_in="07:50", check_out="12:00"),  # row 2
              visit("2025-06-23", "CH002", check_in="08:30", check_out="08:45"),  # row 3
              visit("2025-06-23", "CH003", check_in="09:00", check_out="10:00"),  # row 4
              visit("2025-06-23", "CH004", check_in="13:00", check_out="17:30")]  # row 5
    findings, _ = score(book(FOUR, visits))
    # Rows 3 and 4 both lie within row 2's visit; row 5 starts after it ends.
    assert [(f.cell, "第2行" in f.message) for f in findings if f.code == "visits_overlap"] \
        == [("H3", True), ("H4", True)]


def test_more_visits_in_a_day_than_the_policy_maximum_are_reported_once() -> None:
    visits = [visit("2025-06-23", f"CH00{n % 4 + 1}") for n in range(5)]  # rows 2-6
    findings, _ = score(book(FOUR, visits, [("max_visits_per_day", 3)]))
    assert codes(findings, "too_many_visits") == [("B5", None)]  # the fourth visit
    assert not codes(score(book(FOUR, visits))[0], "too_many_visits")  # default 12


def test_a_visit_shorter_than_the_policy_minimum_is_reported_at_its_check_out() -> None:
    visits = [visit("2025-06-23", check_in="08:00", check_out="08:05"),  # 5 minutes
              visit("2025-06-23", "CH002", check_in="09:00", check_out="17:00")]
    findings, _ = score(book(FOUR, visits))
    assert codes(findings, "visit_too_short") == [("I2", None)]
    assert not codes(score(book(FOUR, visits, [("min_visit_minutes", 5)]))[0],
                     "visit_too_short")


def test_every_visit_scoring_code_is_a_warning_made_by_score_only() -> None:
    for code in ("effect_missing", "visit_target_unknown", "daily_visits_short", "late_check_in",
                 "early_check_out", "visits_overlap", "too_many_visits", "visit_too_short"):
        assert CATALOGUE[code].scored and CATALOGUE[code].severity == "warning"


# --- profile status per channel ------------------------------------------------------

def test_each_channel_has_its_profile_deadline_and_status() -> None:
    # Started on Monday 2025-06-02, the last day of the Dragon Boat Festival holiday: the
    # 15 working days after it are 06-03..06-06, 06-09..06-13, 06-16..06-20 and 06-23.
    # Started on 2025-06-20: 06-23..06-27, 06-30..07-04, 07-07..07-11.
    late, missing, pending, done = (channel(f"CH00{n}") for n in range(1, 5))
    for row, start, finished in ((late, "2025-06-02", "2025-06-24"),
                                 (missing, "2025-06-02", None),
                                 (pending, "2025-06-20", None),
                                 (done, "2025-06-02", "2025-06-23")):
        row[7], row[8] = start, finished
    _, scores = score(book([late, missing, pending, done], []))
    assert [(channel_row(scores, f"CH00{n}")["profile_status"],
             channel_row(scores, f"CH00{n}")["profile_deadline"]) for n in range(1, 5)] == [
        ("late", "2025-06-23"), ("missing", "2025-06-23"), ("ok", "2025-07-11"),
        ("ok", "2025-06-23")]


def test_without_a_profile_done_column_no_profile_status_is_given() -> None:
    header = [label for label in CHANNEL_HEADER if label != "档案完成日期"]
    row = [value for label, value in zip(CHANNEL_HEADER, channel("CH001"), strict=True)
           if label != "档案完成日期"]
    _, findings, scores = score_book([RawSheet("渠道档案", [header, row])], as_of=AS_OF)
    assert channel_row(scores, "CH001")["profile_status"] is None
    assert not [f for f in findings if f.rule == "R-10"]


def test_the_number_of_purposes_is_a_policy_key() -> None:
    # Of 8 purposes, 6 must be met: 6 and 7 succeed, 5 does not; 9 is more than there are.
    visits = [visit("2025-06-02", purposes=6), visit("2025-06-03", purposes=7),
              visit("2025-06-04", purposes=5), visit("2025-06-05", purposes=9)]
    findings, scores = score(book([channel("CH001")], visits,
                                  [("visit_purposes_total", 8), ("visit_success_purposes", 6)]))
    assert codes(findings, "out_of_range") == [("F5", None)]
    assert channel_row(scores, "CH001")["visit_success_rate"] == 0.6667
    default, _ = score(book([channel("CH001")], visits[:1]))
    assert codes(default, "out_of_range") == [("F2", None)]  # 6 of the default 5


def test_more_purposes_to_meet_than_there_are_is_a_policy_error() -> None:
    findings, _ = score(book([channel("CH001")], [],
                             [("visit_purposes_total", 4), ("visit_success_purposes", 5)]))
    (bad,) = [f for f in findings if f.code == "policy_bad_value"]
    assert (bad.sheet, bad.cell) == ("参数", "B3") and "不能多于目的总数 4" in bad.message


def test_without_a_visit_log_the_visit_results_are_unknown_not_zero_and_short() -> None:
    _, scores = score([RawSheet("渠道档案", [CHANNEL_HEADER, channel("CH001", contacts=2)])])
    row = channel_row(scores, "CH001")
    assert row["visit_target"] == 3  # the target is the policy's, with or without a log
    assert [row[key] for key in ("visits_week", "visits_month", "visit_status",
                                 "key_contact_visits_week", "key_contact_status")] == \
        [None] * 5
    # An empty log is a log: nothing happened, which is 0 and short.
    _, scores = score(book([channel("CH001")], []))
    assert [channel_row(scores, "CH001")[key] for key in ("visits_week", "visit_status")] == \
        [0, "short"]
