"""Rules on channel profiles over time: the profile deadline (R-10)."""

from __future__ import annotations

from collections.abc import Iterator

from chantool.book import Book
from chantool.findings import Finding, make_finding
from chantool.workdays import WorkCalendar


def profile_within_deadline(book: Book) -> Iterator[Finding]:
    """A new channel's base profile is complete within the policy's number of working
    days after the start of cooperation (R-10, Chinese calendar): completed later, or
    still missing once the deadline has passed, is a warning."""
    sheet = book.sheets.get("channels")
    if sheet is None or not sheet.has("start_date") or not sheet.has("profile_done_date"):
        return
    calendar = WorkCalendar(book.policy.holidays, book.policy.workdays)
    days = book.policy.profile_workdays
    done = sheet.column("profile_done_date")
    for index, start in enumerate(sheet.column("start_date")):
        if start is None:
            continue
        deadline = calendar.add_workdays(start, days)
        if done[index] is None and book.as_of > deadline:
            yield sheet.finding("profile_missing", "profile_done_date", index,
                                deadline=deadline.isoformat(), days=days)
        elif done[index] is not None and done[index] > deadline:
            yield sheet.finding("profile_late", "profile_done_date", index,
                                deadline=deadline.isoformat(), days=days)
    if calendar.unknown_years:
        years = "、".join(str(year) for year in sorted(calendar.unknown_years))
        yield make_finding("calendar_year_unknown", lang=book.lang, years=years)
