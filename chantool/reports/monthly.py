"""The monthly assessment (月度考核, R-23..R-26), read by the channel director: the
managers' ranking with rewards and yellow cards, the quarter's cards and actions, the
offices' channel scores, training, and planned customers per tier."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from chantool.findings import Finding
from chantool.listings import Scores
from chantool.reports.xlsx import Chart, ReportBook, Sheet, listing, table, text

_RANKING = ("rank", "manager", "office", "kpi_score", "card", "quarter_yellow_cards", "action",
            "active_month", "active_min", "active_status")
_TRAINING = ("manager", "office", "training_score", "training_status", "penalty")

# The listings this report lays out (``listing`` reads no other).
READS: Final = frozenset(("managers", "offices", "tiers"))


def monthly(scores: Scores, findings: Sequence[Finding]) -> ReportBook:
    """月度考核."""
    managers = listing(scores, "managers")
    # The newest month assessed up to the as-of date (a later one only when none is).
    months = {row["month"] for row in managers.rows if row["month"]}
    month = max((each for each in months if each <= scores.as_of.strftime("%Y-%m")),
                default=max(months, default=None))
    ranked = sorted((row for row in managers.rows if row["month"] == month),
                    key=lambda row: (row["rank"] is None, row["rank"] or 0, row["manager"]))
    quarter = sorted(managers.rows, key=lambda row: (row["manager"], row["month"] or ""))
    return ReportBook(text("report.monthly"), (
        Sheet(text("report.overview"), charts=(
            Chart("bar", text("report.monthly.kpi_chart"), "ranking", "manager",
                  ("kpi_score",)),
            Chart("column", text("report.monthly.office_chart"), "offices", "office",
                  ("score",)),
            Chart("column", text("report.monthly.tier_chart"), "tiers", "tier",
                  ("target", "actual")),
            Chart("column", text("report.monthly.training_chart"), "training", "manager",
                  ("training_score",)),
        )),
        Sheet(text("report.monthly.ranking"), (
            table(managers, _RANKING, rows=ranked, name="ranking",
                  title=text("report.monthly.ranking_title")),)),
        Sheet(text("report.monthly.quarter"), (
            table(managers, ("manager", "month", "office", "rank", "card",
                             "quarter_yellow_cards", "action"), rows=quarter, name="quarter",
                  title=text("report.monthly.quarter_title")),)),
        Sheet(text("report.monthly.offices"), (
            table(listing(scores, "offices")), table(listing(scores, "tiers")))),
        Sheet(text("report.monthly.training"), (
            table(managers, _TRAINING, rows=ranked, name="training",
                  title=text("report.monthly.training_title")),)),
    ))
