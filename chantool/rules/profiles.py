"""Rules on channel profiles over time: the profile deadline (R-10)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Literal

from chantool.book import Book, rule
from chantool.findings import Finding

ProfileStatus = Literal["ok", "late", "missing"]


def profile_states(book: Book) -> Iterator[tuple[int, date, ProfileStatus]]:
    """Each channel's profile deadline and status (R-10): ``late`` when completed after
    the deadline, ``missing`` when not completed once the deadline has passed, ``ok``
    otherwise (completed in time, or still within the deadline)."""
    sheet = book.sheets.get("channels")
    # Without the 档案完成日期 column there is nothing to say about any profile.
    if sheet is None or not sheet.has("start_date") or not sheet.has("profile_done_date"):
        return
    done = sheet.column("profile_done_date")
    for index, start in enumerate(sheet.column("start_date")):
        if start is None or sheet.lacks("profile_done_date", index):
            continue
        deadline = book.calendar.add_workdays(start, book.policy.profile_workdays)
        if done[index] is None:
            yield index, deadline, "missing" if book.as_of > deadline else "ok"
        else:
            yield index, deadline, "late" if done[index] > deadline else "ok"


@rule("channels")
def profile_within_deadline(book: Book) -> Iterator[Finding]:
    """A new channel's base profile is complete within the policy's number of working
    days after the start of cooperation (R-10, Chinese calendar): completed later, or
    still missing once the deadline has passed, is a warning."""
    sheet = book.sheets.get("channels")
    if sheet is None:
        return
    days = book.policy.profile_workdays
    for index, deadline, status in profile_states(book):
        if status != "ok":
            yield sheet.finding(f"profile_{status}", "profile_done_date", index,
                                deadline=deadline.isoformat(), days=days)
