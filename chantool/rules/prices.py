"""Rules on prices and where goods are sold: the price ladder (R-30), dumping below the
floor price (R-32) and cross-area selling (R-33)."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterator
from datetime import date
from typing import Any

from chantool.book import Book, TypedSheet, rule
from chantool.findings import Finding, display


@rule("prices")
def price_ladder(book: Book) -> Iterator[Finding]:
    """For one model, channel type and date, the company price (A) is at most the
    wholesale price (B), which is at most the retail price (C) (R-30)."""
    sheet = book.sheets.get("prices")
    if sheet is None:
        return
    ladder = [(key, sheet.column(key)) for key in ("price_a", "price_b", "price_c")]
    for index in range(len(sheet)):
        below: tuple[str, Any] | None = None
        for key, prices in ladder:
            price = prices[index]
            if price is None:
                continue
            if below is not None and price < below[1]:
                yield sheet.finding("price_ladder_broken", key, index,
                                    lower=sheet.label(below[0]), lower_price=display(below[1]))
                break
            below = (key, price)


class InForce:
    """The rows of a dated table (prices, rebates) by key, to find the row in force on a
    day: the latest one whose effective date is on or before it."""

    def __init__(self, sheet: TypedSheet, keys: tuple[str, ...]) -> None:
        rows: dict[tuple[Any, ...], list[tuple[date, int]]] = {}
        columns = [sheet.column(key) for key in keys]
        for index, effective in enumerate(sheet.column("effective_from")):
            key = tuple(column[index] for column in columns)
            if effective is not None and None not in key:
                rows.setdefault(key, []).append((effective, index))
        # Per key, effective dates in order and the row of each (of two rows with the
        # same date, which are reported as repeats, the later one counts).
        self._dates = {key: [day for day, _ in sorted(found)] for key, found in rows.items()}
        self._rows = {key: [index for _, index in sorted(found)] for key, found in rows.items()}

    def row(self, key: tuple[Any, ...], day: date) -> int | None:
        """The index of the row in force for ``key`` on ``day``, if any. (A bisection of a
        key's few dates is quicker than looking the answer up again.)"""
        dates = self._dates.get(key)
        position = bisect_right(dates, day) if dates else 0
        return self._rows[key][position - 1] if position else None


@rule("sales", "prices", "channels")
def below_floor_price(book: Book) -> Iterator[Finding]:
    """A sale below the floor price in force for its model and its channel's type on
    the sale date is dumping (R-32)."""
    sales, prices = book.sheets.get("sales"), book.sheets.get("prices")
    if sales is None or prices is None or not prices.has("floor_price"):
        return
    types = book.channel_field("channel_type")
    in_force = InForce(prices, ("model", "channel_type"))
    floors = prices.column("floor_price")
    days, models, channels = (sales.column(key) for key in ("sale_date", "model", "channel_id"))
    for index, price in enumerate(sales.column("unit_price")):
        kind = types.get(channels[index])
        if price is None or days[index] is None or kind is None:
            continue
        row = in_force.row((models[index], kind), days[index])
        if row is not None and floors[row] is not None and price < floors[row]:
            yield sales.finding("below_floor_price", "unit_price", index,
                                floor=display(floors[row]), price_row=prices.row_numbers[row],
                                price_file=sales.named_elsewhere(index, prices, row))


@rule("sales", "channels")
def outside_own_region(book: Book) -> Iterator[Finding]:
    """A sale in another region than the channel's own is cross-area selling (R-33)."""
    sales = book.sheets.get("sales")
    if sales is None or not sales.has("sale_region"):
        return
    regions = book.channel_field("region")
    channels = sales.column("channel_id")
    for index, region in enumerate(sales.column("sale_region")):
        own = regions.get(channels[index])
        if region is not None and own is not None and region != own:
            yield sales.finding("cross_area_sale", "sale_region", index, own=own)
