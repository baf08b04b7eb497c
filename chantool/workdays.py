"""Working days on the Chinese calendar (R-03, R-10, R-44).

Statutory holidays and the weekend days worked instead (调休) come from the
``chinesecalendar`` package, which follows the State Council's yearly notice. The
policy's ``holidays`` and ``workdays`` lists add company days off and extra working
days on top, and win over the calendar. For a year the package has no data for yet,
Monday to Friday are working days (plus the policy lists), and the year is remembered
so that a finding can say so.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta

from chinese_calendar.constants import holidays as HOLIDAYS
from chinese_calendar.constants import workdays as WORKED_WEEKEND_DAYS

# The years the package knows. Its own ``is_workday`` finds them by scanning every holiday
# on each call, which took a third of checking a small workbook (bench/bench_folder.py).
KNOWN_YEARS = range(min(HOLIDAYS).year, max(HOLIDAYS).year + 1)


class WorkCalendar:
    """Which days are working days, for one policy."""

    def __init__(self, holidays: Iterable[date] = (), workdays: Iterable[date] = ()) -> None:
        self._holidays = frozenset(holidays)
        self._workdays = frozenset(workdays)
        # Years asked about that the calendar package does not know.
        self.unknown_years: set[int] = set()
        # Days already looked up: the package checks its whole range on every call, and
        # rules ask about the same days for thousands of channels and managers.
        self._known: dict[date, bool] = {}
        self._added: dict[tuple[date, int], date] = {}

    def is_workday(self, day: date) -> bool:
        known = self._known.get(day)
        if known is None:
            known = self._known[day] = self._look_up(day)
        return known

    def _look_up(self, day: date) -> bool:
        if day in self._workdays:
            return True
        if day in self._holidays:
            return False
        if day.year not in KNOWN_YEARS:
            self.unknown_years.add(day.year)
            return day.weekday() < 5
        # The package's rule: a weekend day worked instead (调休), or a weekday no holiday.
        return day in WORKED_WEEKEND_DAYS or (day.weekday() < 5 and day not in HOLIDAYS)

    def add_workdays(self, start: date, count: int) -> date:
        """The day on which ``count`` working days after ``start`` have passed."""
        found = self._added.get((start, count))
        if found is None:
            day, left = start, count
            while left > 0:
                day += timedelta(days=1)
                left -= self.is_workday(day)
            found = self._added[start, count] = day
        return found

    def workdays_between(self, start: date, end: date) -> int:
        """Working days after ``start`` up to and including ``end`` (0 when end <= start)."""
        return sum(self.is_workday(start + timedelta(days=n))
                   for n in range(1, (end - start).days + 1))
