"""Dealer statements (对账单, R-34..R-37), sent by the back office to each dealer: one
printable statement per channel with its sales by model and period and the rebates that
applied, the commission with its band, rate and base and the payments made before, the
contest rewards, and its statements with their due dates and what is still owed.

A sheet per account manager (客户经理) holds the statements of that manager's channels one
below the other, each from a new printed page (a manual page break), so that printing a
sheet prints the manager's statements, one (or more) pages each. A sheet holds at most
``xlsx.PAGES`` statements (the manual page breaks XlsxWriter writes): a manager of more channels has
further sheets, ``张伟 (2)`` and on. Thousands of channels on a few hundred sheets write
several times faster than a sheet each, and a workbook of a sheet per channel is no
workbook to find one's way in."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from chantool.findings import Finding
from chantool.listings import Rows, Scores, channels_of
from chantool.reports.xlsx import PAGES, Page, ReportBook, Sheet, Table, listing, table, text
from chantool.texts import TEXTS

# What a dealer reads of each part. The explanation is the second column of each, so
# that the four tables share one wide column and the statement prints one page wide.
_PARTS = {
    "rebates": ("model", "explanation", "period", "qty", "pickup_qty", "volume_threshold",
                "threshold_reached", "pickup_rebate", "volume_rebate", "total"),
    "commission": ("period", "explanation", "sales", "band_from", "rate", "mode",
                   "commission", "target_bonus", "first_order_bonus", "total", "paid_before",
                   "due"),
    "contests": ("contest", "explanation", "model", "level", "qty", "rank", "reward"),
    "payments": ("statement_month", "explanation", "close_date", "due_date", "amount", "paid",
                 "unpaid", "overdue", "discount"),
}

# The listings this report lays out (``listing`` reads no other).
READS: Final = frozenset(("rebates", "commission", "contests", "payments", "channels"))


def statements(scores: Scores, findings: Sequence[Finding]) -> ReportBook:
    """对账单: a sheet per manager in the order of the profiles, with the statements of
    the manager's channels in that order; then a sheet of any other channel with money
    (no profile, or no manager). A channel with nothing to state has no statement. The
    rows are grouped by channel before they are made: each is made where its sheet is
    laid out (``xlsx``)."""
    parts = {key: listing(scores, key) for key in _PARTS}
    shapes = {key: table(part, _PARTS[key]) for key, part in parts.items()}
    by_channel: dict[str, dict[str, list[int]]] = {}
    for key, part in parts.items():
        for index, channel in enumerate(channels_of(part.rows)):
            if channel is not None:  # a contest's vacant place is no dealer's
                by_channel.setdefault(channel, {}).setdefault(key, []).append(index)
    profiles = {row["channel_id"]: row for row in listing(scores, "channels").rows}
    order = [*profiles, *sorted(set(by_channel) - set(profiles))]
    by_manager: dict[str, list[Page]] = {}
    zh, en = TEXTS["report.statements.to"]
    for channel in order:
        rows = by_channel.get(channel)
        if rows is None:
            continue
        profile = profiles.get(channel, {})
        name = profile.get("name") or ""
        manager = profile.get("manager") or ""
        addressee = {"channel": channel, "name": name, "manager": manager}
        by_manager.setdefault(manager, []).append(Page(
            (f"{channel} {name}".strip(),) * 2, tuple(
                Table(f"{key}:{channel}", shape.title, shape.fields,
                      Rows(rows.get(key, []), parts[key].rows.__getitem__), key)
                for key, shape in shapes.items()),
            lines=((zh.format(**addressee), en.format(**addressee)),)))
    # The channels of no manager (no profile, or none named in it) last.
    none = by_manager.pop("", [])
    sheets: list[Sheet] = []
    for manager, pages in [*by_manager.items(), ("", none)]:
        name = (manager, manager) if manager else text("report.statements.no_manager")
        # A sheet of each PAGES statements: a repeated name is numbered, as any repeated
        # sheet name is (``xlsx``), 张伟 (2).
        sheets.extend(Sheet(name, pages=tuple(pages[start:start + PAGES]))
                      for start in range(0, len(pages), PAGES))
    return ReportBook(text("report.statements"), tuple(sheets))
