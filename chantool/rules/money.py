"""Rules on prices, rebates and commission."""

from __future__ import annotations

from collections.abc import Iterator

from chantool.book import Book, rule
from chantool.findings import Finding, display


@rule("commission")
def commission_bands_increase(book: Book) -> Iterator[Finding]:
    """Commission bands start at strictly increasing quarterly sales (R-35)."""
    sheet = book.sheets.get("commission")
    if sheet is None:
        return
    previous = None
    for index, start in enumerate(sheet.column("sales_from")):
        if start is None:
            continue
        if previous is not None and start <= previous:
            yield sheet.finding("bands_not_increasing", "sales_from", index,
                                previous=display(previous))
        previous = start
