"""The management dashboard (管理层看板, R-40..R-43 and visits), read by the channel
director and management: revenue by month, the 80/20 Pareto chart, channels by grade,
credit risk, order-drop alerts and visit compliance by region, charts first and the
tables they draw from behind them."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from chantool.coerce import parse_text
from chantool.findings import Finding
from chantool.listings import Scores
from chantool.reports.xlsx import Chart, ReportBook, Sheet, listing, table, text

_RISKIEST = 15  # channels the credit chart shows
_CREDIT = ("channel_id", "name", "manager", "overdue_ratio", "credit_risk", "score_credit")

# The listings this report lays out (``listing`` reads no other).
READS: Final = frozenset(("channels", "revenue_months", "pareto", "revenue_ranking",
                          "grade_mix", "region_visits"))


def dashboard(scores: Scores, findings: Sequence[Finding]) -> ReportBook:
    """管理层看板."""
    channels = listing(scores, "channels")
    names = {f.key: f for f in channels.fields}
    name_of = {row["channel_id"]: row["name"] for row in channels.rows}
    ranking = listing(scores, "revenue_ranking")
    ranked = [{**row, "name": name_of.get(row["channel_id"])} for row in ranking.rows]
    owing = sorted((row for row in channels.rows if row.get("overdue_ratio") is not None),
                   key=lambda row: (-row["overdue_ratio"], row["channel_id"]))
    # A finding's value is its cell as typed (a number, spaces around): its channel id as read.
    alerted = {parse_text(finding.value) for finding in findings
               if finding.code == "order_drop"}
    drops = sorted((row for row in channels.rows if row["channel_id"] in alerted),
                   key=lambda row: (-(row.get("order_drop") or 0), row["channel_id"]))
    extra = (names["name"],) if "name" in names else ()
    return ReportBook(text("report.dashboard"), (
        Sheet(text("report.dashboard.sheet"), charts=(
            Chart("line", text("report.dashboard.revenue_chart"), "revenue_months", "month",
                  ("revenue",)),
            Chart("pareto", text("report.dashboard.pareto_chart"), "revenue_ranking",
                  "channel_id", ("revenue", "cumulative_share")),
            Chart("doughnut", text("report.dashboard.grade_chart"), "grade_mix", "grade",
                  ("channels",)),
            Chart("bar", text("report.dashboard.credit_chart"), "riskiest", "channel_id",
                  ("overdue_ratio",)),
            Chart("bar", text("report.dashboard.drop_chart"), "drops", "channel_id",
                  ("order_drop",)),
            Chart("column", text("report.visit_compliance"), "region_visits", "region",
                  ("compliance",)),
        )),
        Sheet(text("report.dashboard.revenue"), (
            table(listing(scores, "revenue_months")), table(listing(scores, "pareto")),
            table(ranking, rows=ranked, extra=extra))),
        Sheet(text("report.dashboard.grades"), (
            table(listing(scores, "grade_mix")),
            table(channels, ("channel_id", "name", "manager", "grade", "score",
                             "score_contribution", "score_willingness", "score_ability",
                             "score_credit"), name="graded",
                  title=text("report.dashboard.graded")))),
        Sheet(text("report.dashboard.credit"), (
            table(channels, _CREDIT, rows=owing[:_RISKIEST], name="riskiest",
                  title=text("report.dashboard.riskiest")),
            table(channels, _CREDIT, rows=owing, name="credit",
                  title=text("report.dashboard.credit_all")))),
        Sheet(text("report.dashboard.drops"), (
            table(channels, ("channel_id", "name", "manager", "revenue", "order_drop"),
                  rows=drops, name="drops", title=text("report.dashboard.drops_title")),)),
        Sheet(text("report.visits"), (table(listing(scores, "region_visits")),)),
    ))
