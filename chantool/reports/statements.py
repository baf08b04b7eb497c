"""Dealer statements (对账单, R-34..R-37), sent by the back office to each dealer: one
printable sheet per channel with its sales by model and period and the rebates that
applied, the commission with its band, rate and base and the payments made before, the
contest rewards, and its statements with their due dates and what is still owed."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from chantool.findings import Finding
from chantool.listings import Row, Scores
from chantool.reports.xlsx import ReportBook, Sheet, listing, table, text
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
    """对账单: the channels of the profiles in their order, then any other channel with
    money; a channel with nothing to state has no sheet."""
    parts = {key: listing(scores, key) for key in _PARTS}
    by_channel: dict[str, dict[str, list[Row]]] = {}
    for key, part in parts.items():
        for row in part.rows:
            by_channel.setdefault(row["channel_id"], {}).setdefault(key, []).append(row)
    profiles = {row["channel_id"]: row for row in listing(scores, "channels").rows}
    order = [*profiles, *sorted(set(by_channel) - set(profiles))]
    sheets = []
    for channel in order:
        rows = by_channel.get(channel)
        if rows is None:
            continue
        profile = profiles.get(channel, {})
        name = profile.get("name") or ""
        addressee = {"channel": channel, "name": name, "manager": profile.get("manager") or ""}
        zh, en = TEXTS["report.statements.to"]
        line = (zh.format(**addressee), en.format(**addressee))
        sheets.append(Sheet((f"{channel} {name}".strip(), f"{channel} {name}".strip()), tuple(
            table(part, _PARTS[key], rows=rows.get(key, []), name=f"{key}:{channel}",
                  measured=True)
            for key, part in parts.items()), lines=(line,), filters=False))
    return ReportBook(text("report.statements"), tuple(sheets))
