"""Scoring channel profiles: each channel's profile deadline and status (R-10)."""

from __future__ import annotations

from typing import Final

from chantool.book import Book, reads
from chantool.rules.profiles import profile_states
from chantool.scoring import Scorer, Section


@reads("channels")
def profile_status(book: Book) -> Section:
    """The deadline of each channel's base profile and whether it was kept (R-10); the
    findings are validation's."""
    section = Section()
    sheet = book.sheets.get("channels")
    if sheet is None:
        return section
    channels = sheet.column("channel_id")
    for index, deadline, status in profile_states(book):
        if channels[index] is not None:
            section.channel_fields[channels[index]] = {
                "profile_status": status, "profile_deadline": deadline.isoformat()}
    return section


SCORERS: Final[tuple[Scorer, ...]] = (profile_status,)
