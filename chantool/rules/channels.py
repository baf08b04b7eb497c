"""Rules on channel profiles (渠道档案)."""

from __future__ import annotations

import math
from collections.abc import Iterator

from chantool.book import Book, rule
from chantool.findings import Finding


@rule("channels")
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


@rule("channels")
def key_contacts_reach_ratio(book: Book) -> Iterator[Finding]:
    """Key contacts are at least the policy's share of the channel's sales staff (R-04)."""
    sheet = book.sheets.get("channels")
    if sheet is None:
        return
    ratio = book.policy.key_contact_ratio
    staff = sheet.column("sales_staff")
    for index, contacts in enumerate(sheet.column("key_contacts")):
        if contacts is None or not staff[index] or contacts > staff[index]:
            continue  # more contacts than staff is an error of its own
        needed = math.ceil(ratio * staff[index] - 1e-9)
        if contacts < needed:
            yield sheet.finding("key_contacts_below_ratio", "key_contacts", index,
                                staff=staff[index], needed=needed, ratio=f"{ratio:.0%}")
