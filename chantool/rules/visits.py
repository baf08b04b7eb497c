"""Rules on the visit log (拜访日志)."""

from __future__ import annotations

from collections.abc import Iterator
from itertools import compress, repeat
from operator import is_

from chantool.book import Book, rule
from chantool.coerce import is_blank
from chantool.findings import Finding, display


@rule("visits")
def check_out_after_check_in(book: Book) -> Iterator[Finding]:
    """A visit ends after it starts (R-07)."""
    sheet = book.sheets.get("visits")
    if sheet is None:
        return
    pairs = zip(sheet.column("check_in"), sheet.column("check_out"), strict=True)
    for index, (check_in, check_out) in enumerate(pairs):
        if check_out is not None and check_in is not None and check_out <= check_in:
            yield sheet.finding("check_out_before_check_in", "check_out", index,
                                check_in=display(check_in))


@rule("visits")
def no_agreement_needs_follow_up(book: Book) -> Iterator[Finding]:
    """A visit without agreement names its cause, a follow-up plan and its due date (R-06)."""
    sheet = book.sheets.get("visits")
    if sheet is None:
        return
    needed = [key for key in ("cause", "follow_up", "follow_up_due") if sheet.has(key)]
    missing = [key for key in ("cause", "follow_up", "follow_up_due") if not sheet.has(key)]
    agreed = sheet.column("agreed")
    # Most visits reach agreement: the others, and their empty cells, are picked out at C
    # speed. A value that could not be read was reported already; only blanks are new.
    unagreed = list(compress(range(len(agreed)), map(is_, agreed, repeat(False))))
    places: list[tuple[int, int]] = []  # (row index, position in needed; past it: missing)
    for position, key in enumerate(needed):
        values, raw = sheet.column(key), sheet.raw[key]
        empty = compress(unagreed, map(is_, map(values.__getitem__, unagreed), repeat(None)))
        places.extend((index, position) for index in empty if is_blank(raw[index]))
    if missing:
        places.extend((index, len(needed)) for index in unagreed)
    for index, position in sorted(places):  # row by row, as the cells are laid out
        if position < len(needed):
            yield sheet.finding("no_agreement_incomplete", needed[position], index)
        else:
            yield sheet.finding("no_agreement_incomplete", "agreed", index,
                                label="、".join(sheet.label(key) for key in missing))


@rule("visits")
def follow_up_by_its_due_date(book: Book) -> Iterator[Finding]:
    """Follow-ups are done by their due date (R-06): one done later, or not done once its
    due date has passed (as of the check date), is a warning."""
    sheet = book.sheets.get("visits")
    if sheet is None or not sheet.has("follow_up_due"):
        return
    done = sheet.column("follow_up_done")
    for index, due in enumerate(sheet.column("follow_up_due")):
        if due is None:
            continue
        if done[index] is None and due < book.as_of:
            yield sheet.finding("follow_up_overdue", "follow_up_due", index)
        elif done[index] is not None and done[index] > due:
            yield sheet.finding("follow_up_done_late", "follow_up_done", index,
                                due=display(due))


@rule("visits")
def checklist_failure_needs_fix_by(book: Book) -> Iterator[Finding]:
    """A store checklist item that failed needs a fix-by date (R-08)."""
    sheet = book.sheets.get("visits")
    if sheet is None or not sheet.has("checklist_failed"):
        return
    fix_by, raw = sheet.column("fix_by"), sheet.raw.get("fix_by")
    for index, failed in enumerate(sheet.column("checklist_failed")):
        if failed is not None and fix_by[index] is None and (raw is None or is_blank(raw[index])):
            yield sheet.finding("fix_by_missing", "fix_by" if raw is not None else
                                "checklist_failed", index, failed=failed)
