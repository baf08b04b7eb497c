"""The weekly review (夕会周报, R-20..R-22), read by area managers at the Tuesday and Friday
reviews: per area and manager the week's two segments, sales and active channels
against their targets, the shortfall diagnosis, visit compliance per channel, and the
follow-ups, fixes and deadlines that fall due this week."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from chantool.findings import Finding
from chantool.listings import Field, Row, Scores
from chantool.reports.xlsx import Chart, ReportBook, Sheet, listing, table, text

_VISIT_KEYS = ("channel_id", "name", "manager", "visits_week", "visit_target", "visit_period",
               "visit_status", "key_contact_visits_week", "key_contact_status",
               "visit_success_rate")
_DUE = frozenset({"overdue", "soon"})

# The listings this report lays out (``listing`` reads no other).
READS: Final = frozenset(("weeks", "managers", "channels", "diagnosis", "region_visits",
                          "manager_days", "open_items", "complaints"))


def offices(scores: Scores) -> dict[str, str]:
    """Each manager's office, from the newest month of the assessment that names one."""
    found: dict[str, str] = {}
    for row in sorted(listing(scores, "managers").rows, key=lambda row: row["month"] or ""):
        if row["manager"] is not None and row["office"] is not None:
            found[row["manager"]] = row["office"]
    return found


def with_area(rows: Sequence[Row], office_of: dict[str, str]) -> list[Row]:
    """The rows with their manager's area, by area and manager (sorted, stable)."""
    return sorted(({**row, "area": office_of.get(row["manager"])} for row in rows),
                  key=lambda row: (row["area"] or "", row["manager"] or ""))


def reviewed_week(rows: Sequence[Row]) -> list[Row]:
    """The rows of the newest week already reviewed (not pending), or of the newest week."""
    reviewed = [row for row in rows if row.get("sales_status") != "pending"] or list(rows)
    newest = max((row["week_start"] for row in reviewed), default=None)
    return [row for row in reviewed if row["week_start"] == newest]


def weekly(scores: Scores, findings: Sequence[Finding]) -> ReportBook:
    """夕会周报."""
    weeks, channels = listing(scores, "weeks"), listing(scores, "channels")
    office_of = offices(scores)
    area = Field("area", *text("report.area"))
    segments = tuple(f.key for f in weeks.fields if f.key.startswith("segment_"))
    this_week = table(weeks, rows=with_area(reviewed_week(weeks.rows), office_of),
                      name="this_week", title=text("report.weekly.this_week"), extra=(area,))
    items = listing(scores, "open_items")
    profiles = [row for row in channels.rows if row.get("profile_status") == "missing"]
    return ReportBook(text("report.weekly"), (
        Sheet(text("report.overview"), charts=(
            Chart("column", text("report.weekly.sales_chart"), "this_week", "manager",
                  ("sales_week", "sales_target")),
            Chart("column", text("report.weekly.segments_chart"), "this_week", "manager",
                  segments),
            Chart("column", text("report.weekly.active_chart"), "this_week", "manager",
                  ("active_week",)),
            Chart("column", text("report.visit_compliance"), "region_visits", "region",
                  ("compliance",)),
        )),
        Sheet(text("report.weekly.week"), (
            this_week,
            table(listing(scores, "diagnosis"),
                  rows=with_area(listing(scores, "diagnosis").rows, office_of), extra=(area,)),
        )),
        Sheet(text("report.visits"), (
            table(channels, _VISIT_KEYS, title=text("report.weekly.visits")),
            table(listing(scores, "region_visits")),
            table(listing(scores, "manager_days")),
        )),
        Sheet(text("report.weekly.due"), (
            table(items, rows=[row for row in items.rows if row["status"] in _DUE],
                  title=text("report.weekly.open_items")),
            table(listing(scores, "complaints")),
            table(channels, ("channel_id", "name", "manager", "profile_status",
                             "profile_deadline"), rows=profiles, name="profiles",
                  title=text("report.weekly.profiles")),
        )),
        Sheet(text("report.weekly.all_weeks"), (
            table(weeks, rows=with_area(weeks.rows, office_of), extra=(area,)),
        )),
    ))
