"""Rules on the visit log (拜访日志)."""

from __future__ import annotations

from collections.abc import Iterator

from chantool.book import Book
from chantool.coerce import is_blank
from chantool.findings import Finding, display


def check_out_after_check_in(book: Book) -> Iterator[Finding]:
    """A visit ends after it starts (R-07)."""
    sheet = book.sheets.get("visits")
    if sheet is None:
        return
    check_in = sheet.column("check_in")
    for index, check_out in enumerate(sheet.column("check_out")):
        if check_out is not None and check_in[index] is not None and check_out <= check_in[index]:
            yield sheet.finding("check_out_before_check_in", "check_out", index,
                                check_in=display(check_in[index]))


def no_agreement_needs_follow_up(book: Book) -> Iterator[Finding]:
    """A visit without agreement names its cause, a follow-up plan and its due date (R-06)."""
    sheet = book.sheets.get("visits")
    if sheet is None:
        return
    needed = [key for key in ("cause", "follow_up", "follow_up_due") if sheet.has(key)]
    missing = [key for key in ("cause", "follow_up", "follow_up_due") if not sheet.has(key)]
    columns = {key: sheet.column(key) for key in needed}
    raw = {key: sheet.raw[key] for key in needed}
    for index, agreed in enumerate(sheet.column("agreed")):
        if agreed is not False:
            continue
        for key in needed:
            # A value that could not be read was reported already; only blanks are new.
            if columns[key][index] is None and is_blank(raw[key][index]):
                yield sheet.finding("no_agreement_incomplete", key, index)
        if missing:
            yield sheet.finding("no_agreement_incomplete", "agreed", index,
                                label="、".join(sheet.label(key) for key in missing))
