"""Working days on the Chinese calendar, and the profile deadline (R-10) built on them."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Final

import chinese_calendar
import pytest

from chantool.table import RawSheet
from chantool.validate import validate_book
from chantool.workdays import KNOWN_YEARS, WorkCalendar
from tests.conftest import unknown_year, weekday_in


@pytest.mark.parametrize(("day", "expected"), [
    pytest.param(date(2025, 10, 1), False, id="national_day"),
    pytest.param(date(2025, 10, 8), False, id="last_day_of_the_national_day_break"),
    pytest.param(date(2025, 9, 28), True, id="sunday_worked_instead"),
    pytest.param(date(2025, 10, 11), True, id="saturday_worked_instead"),
    pytest.param(date(2025, 10, 12), False, id="ordinary_sunday"),
    pytest.param(date(2025, 10, 13), True, id="ordinary_monday"),
    pytest.param(date(2025, 6, 2), False, id="dragon_boat_festival_monday"),
])
def test_working_days_follow_holidays_and_the_days_worked_instead(
    day: date, expected: bool
) -> None:
    assert WorkCalendar().is_workday(day) is expected


def test_every_day_the_calendar_package_knows_is_judged_as_the_package_does() -> None:
    calendar = WorkCalendar()
    first = date(KNOWN_YEARS[0], 1, 1)
    days = [first + timedelta(days=n)
            for n in range((date(KNOWN_YEARS[-1], 12, 31) - first).days + 1)]
    assert [calendar.is_workday(day) for day in days] == [
        chinese_calendar.is_workday(day) for day in days]
    assert not calendar.unknown_years
    with pytest.raises(NotImplementedError):  # the years either side are unknown to both
        chinese_calendar.is_workday(date(KNOWN_YEARS[-1] + 1, 1, 2))
    assert calendar.is_workday(date(KNOWN_YEARS[-1] + 1, 1, 2)) is (
        date(KNOWN_YEARS[-1] + 1, 1, 2).weekday() < 5)
    assert calendar.unknown_years == {KNOWN_YEARS[-1] + 1}


def test_fifteen_working_days_across_the_national_day_break() -> None:
    # By hand: after Fri 26 Sep 2025 come Sun 28 (worked), Mon 29, Tue 30; 1-8 Oct off;
    # Thu 9, Fri 10, Sat 11 (worked), then 13-17 and 20-23: the 15th is Thu 23 Oct.
    calendar = WorkCalendar()
    assert calendar.add_workdays(date(2025, 9, 26), 15) == date(2025, 10, 23)
    assert calendar.workdays_between(date(2025, 9, 26), date(2025, 10, 23)) == 15
    assert calendar.workdays_between(date(2025, 10, 23), date(2025, 9, 26)) == 0


def test_policy_days_off_and_extra_working_days_win_over_the_calendar() -> None:
    company_day_off = WorkCalendar(holidays=[date(2025, 10, 23)])
    assert company_day_off.add_workdays(date(2025, 9, 26), 15) == date(2025, 10, 24)
    extra_working_day = WorkCalendar(workdays=[date(2025, 10, 4)])
    assert extra_working_day.add_workdays(date(2025, 9, 26), 15) == date(2025, 10, 22)


UNKNOWN: Final = unknown_year()


def test_a_year_without_holiday_data_counts_monday_to_friday_and_is_remembered() -> None:
    # A Friday in March of the first year the calendar package does not know: 3 working
    # days later is the Wednesday after, the weekend between being days off.
    friday = weekday_in(UNKNOWN, 3, 4)
    calendar = WorkCalendar()
    assert calendar.add_workdays(friday, 3) == friday + timedelta(days=5)
    assert calendar.unknown_years == {UNKNOWN}
    assert not calendar.is_workday(friday + timedelta(days=1))  # its Saturday


def test_the_unknown_year_of_these_tests_follows_the_installed_calendar() -> None:
    # Whatever release is installed: the year before is known, the year itself is not.
    calendar = WorkCalendar()
    calendar.is_workday(date(UNKNOWN - 1, 6, 2))
    assert calendar.unknown_years == set()
    calendar.is_workday(date(UNKNOWN, 6, 2))
    assert calendar.unknown_years == {UNKNOWN}


def channels(start: str, done: str | None, *policy: tuple[str, str]) -> list[RawSheet]:
    header = ["渠道编码", "渠道名称", "渠道类型", "渠道等级", "维护级别", "所属区域", "客户经理",
              "合作开始日期", "档案完成日期"]
    row = ["CH001", "东区一店", "直供", "V1", "重点", "东区", "张伟", start, done]
    sheets = [RawSheet("渠道档案", [header, row])]
    if policy:
        sheets.append(RawSheet("参数", [["参数", "值"], *map(list, policy)]))
    return sheets


def codes(sheets: list[RawSheet], as_of: date) -> list[tuple[str, str | None]]:
    return [(f.code, f.cell) for f in validate_book(sheets, as_of=as_of)[1]]


def test_profile_deadline_counts_working_days_across_a_holiday_break() -> None:
    as_of = date(2025, 12, 31)
    assert codes(channels("2025-09-26", "2025-10-23"), as_of) == []
    assert codes(channels("2025-09-26", "2025-10-24"), as_of) == [("profile_late", "I2")]


def test_policy_overrides_move_the_profile_deadline() -> None:
    as_of = date(2025, 12, 31)
    sheets = channels("2025-09-26", "2025-10-24", ("profile_workdays", "16"))
    assert codes(sheets, as_of) == []
    sheets = channels("2025-09-26", "2025-10-23", ("holidays", "2025-10-10"))
    assert codes(sheets, as_of) == []
    sheets = channels("2025-09-26", "2025-10-23", ("workdays", "2025-10-04,2025-10-05"))
    assert codes(sheets, as_of) == [("profile_late", "I2")]


def test_a_missing_profile_is_reported_only_once_its_deadline_has_passed() -> None:
    assert codes(channels("2025-09-26", None), date(2025, 10, 23)) == []
    assert codes(channels("2025-09-26", None), date(2025, 10, 24)) == [("profile_missing", "I2")]


def test_a_deadline_beyond_the_holiday_data_says_which_year_is_assumed() -> None:
    start = weekday_in(UNKNOWN, 3, 0)  # a Monday: done 7 days later, 5 working days
    sheets = channels(start.isoformat(), (start + timedelta(days=7)).isoformat())
    findings = validate_book(sheets, as_of=start + timedelta(days=60))[1]
    assert [(f.code, f.severity.value) for f in findings] == [
        ("calendar_year_unknown", "warning")]
    assert str(UNKNOWN) in findings[0].message
