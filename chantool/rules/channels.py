"""Rules on channel profiles (渠道档案)."""

from __future__ import annotations

from collections.abc import Iterator

from chantool.book import Book
from chantool.findings import Finding


def key_contacts_within_staff(book: Book) -> Iterator[Finding]:
    """Key contacts are part of the sales staff, so never more than them (R-04)."""
    sheet = book.sheets.get("channels")
    if sheet is None:
        return
    staff = sheet.column("sales_staff")
    for index, contacts in enumerate(sheet.column("key_contacts")):
        if contacts is not None and staff[index] is not None and contacts > staff[index]:
            yield sheet.finding("key_contacts_exceed_staff", "key_contacts", index,
                                staff=staff[index])
