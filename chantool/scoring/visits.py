"""Scoring the visit log (拜访日志): on-site visits per channel against its target (R-01,
R-02), key-contact visits (R-04), visit success (R-05), channels visited per manager and
working day (R-03), check-in and check-out times (R-07), and the plausibility of visit
times that no anchor system checks: overlapping visits of one manager, too many visits
in a day, visits shorter than a policy minimum.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterator
from datetime import date, time, timedelta
from typing import Any, Final

from chantool.book import Book, TypedSheet, reads
from chantool.coerce import is_blank
from chantool.findings import Finding, display
from chantool.listings import STATUS_WORDS, Field, Listing, ResultValues, Row
from chantool.policy import Policy
from chantool.scoring import Scorer, Section
from chantool.settings import ON_SITE_FORMS

# The visitee role of a channel's sales staff, among whom its key contacts are.
SALES_STAFF_ROLE: Final = "销售人员"
_TARGET_ENTRY: Final = re.compile(r"(.+?)[:：]\s*(\d+)\s*/\s*(周|月|week|month)", re.IGNORECASE)


def week_of(day: date) -> tuple[date, date]:
    """The Monday and Sunday of the week that contains ``day``."""
    monday = day - timedelta(days=day.weekday())
    return monday, monday + timedelta(days=6)


class VisitTargets:
    """On-site visits a channel needs: by care level (R-01), or by tier or channel type
    (R-02) when the policy's ``visit_scheme`` is ``tier``."""

    def __init__(self, book: Book) -> None:
        self.policy = policy = book.policy
        self.by_name: dict[str, tuple[int, str]] = {}  # name: (visits, "week" | "month")
        self.problems: list[Finding] = []
        if policy.visit_scheme != "tier":
            return
        for entry in policy.tier_visit_targets:
            match = _TARGET_ENTRY.fullmatch(entry.strip())
            if match is None:
                self.problems.append(book.bad_policy_entry("tier_visit_targets", entry, (
                    "应为 名称:次数/周 或 名称:次数/月，如 终端:3/周、三星:1/月；已忽略",
                    "write name:visits/周 or name:visits/月, e.g. 终端:3/周; ignored")))
                continue
            period = "week" if match[3].lower() in ("周", "week") else "month"
            self.by_name[match[1].strip()] = (int(match[2]), period)

    def target(self, care_level: Any, tier: Any, channel_type: Any) -> tuple[int, str] | None:
        """Visits and the period they are counted in, or None when no target applies."""
        if self.policy.visit_scheme == "tier":
            return self.by_name.get(tier) or self.by_name.get(channel_type)
        if care_level == "重点":
            return self.policy.visits_per_week_key, "week"
        if care_level == "一般":
            return self.policy.visits_per_week_general, "week"
        return None


def _on_site_rows(sheet: TypedSheet) -> list[bool]:
    return [form in ON_SITE_FORMS for form in sheet.column("visit_form")]


@reads("visits", "channels")
def channel_visits(book: Book) -> Section:
    """Per channel: on-site visits this week (Monday to Sunday of the as-of date) and this
    month against its target, key-contact visits this week, the share of successful
    visits; and a success column on the visit log (R-01, R-02, R-04, R-05)."""
    section = Section()
    visits, channels = book.sheets.get("visits"), book.sheets.get("channels")
    policy = book.policy
    week: dict[str, int] = defaultdict(int)
    month: dict[str, int] = defaultdict(int)
    key_week: dict[str, int] = defaultdict(int)
    tried: dict[str, int] = defaultdict(int)
    succeeded: dict[str, int] = defaultdict(int)
    if visits is not None:
        monday, _ = week_of(book.as_of)
        month_start = book.as_of.replace(day=1)
        roles = visits.column("visitee_role")
        purposes = visits.column("purposes_met")
        success = {}
        rows = zip(visits.column("channel_id"), visits.column("visit_date"),
                   _on_site_rows(visits), strict=True)
        for index, (channel, day, on_site) in enumerate(rows):
            met = purposes[index]
            if met is not None:
                success[index] = met >= policy.visit_success_purposes
                if channel is not None:
                    tried[channel] += 1
                    succeeded[channel] += success[index]
            if channel is None or day is None or not on_site or day > book.as_of:
                continue
            if day >= month_start:
                month[channel] += 1
            if day >= monday:
                week[channel] += 1
                key_week[channel] += roles[index] == SALES_STAFF_ROLE
        if visits.has("purposes_met"):
            section.columns.append(ResultValues(
                "visits", Field("visit_success", "成功拜访", "Successful visit"), success))
    if channels is None:
        return section
    targets = VisitTargets(book)
    section.findings.extend(targets.problems)
    logged = visits is not None
    contacts = channels.column("key_contacts")
    care, tiers, types = (channels.column(key) for key in ("care_level", "tier", "channel_type"))
    for index, channel in enumerate(channels.column("channel_id")):
        if channel is None:
            continue
        found = targets.target(care[index], tiers[index], types[index])
        # Without a visit log nothing is known of the visits: null, never 0 and short.
        fields: dict[str, Any] = {
            "visits_week": week[channel] if logged else None,
            "visits_month": month[channel] if logged else None,
            "visit_success_rate": round(succeeded[channel] / tried[channel], 4)
            if tried[channel] else None}
        if found is not None:
            needed, period = found
            done = week[channel] if period == "week" else month[channel]
            fields.update(visit_target=needed, visit_period=period,
                          visit_status=None if not logged else
                          "met" if done >= needed else "short")
        elif policy.visit_scheme == "tier" and tiers[index] is not None:
            section.findings.append(channels.finding(
                "visit_target_unknown", "tier", index, channel_type=types[index] or ""))
        if contacts[index] and logged:
            needed_key = policy.key_contact_visits_per_week
            fields.update(key_contact_visits_week=key_week[channel],
                          key_contact_status="met" if key_week[channel] >= needed_key
                          else "short")
        section.channel_fields[channel] = fields
    if logged:
        section.listings.append(_region_visits(channels, section.channel_fields))
    return section


_REGION_FIELDS: Final = (
    Field("region", "所属区域", "Region"),
    Field("channels", "有拜访目标的渠道", "Channels with a target", unit="count"),
    Field("met", "达标", "Met", unit="count"),
    Field("short", "未达标", "Short", unit="count"),
    Field("compliance", "达标率", "Compliance", unit="rate"),
)


def _region_visits(channels: TypedSheet, fields: dict[str, dict[str, Any]]) -> Listing:
    """Visit compliance per region of the profiles (R-01, R-02): channels with a target,
    how many met it, and the share that did, in the order regions first appear."""
    counts: dict[str, list[int]] = {}  # region: [met, short]
    for channel, region in zip(channels.column("channel_id"), channels.column("region"),
                               strict=True):
        status = fields.get(channel, {}).get("visit_status") if channel is not None else None
        if region is not None and status is not None:
            counts.setdefault(region, [0, 0])[status == "short"] += 1
    return Listing("region_visits", ("各区域拜访达标", "Visit compliance by region"),
                   _REGION_FIELDS, [
                       {"region": region, "channels": met + short, "met": met, "short": short,
                        "compliance": round(met / (met + short), 4)}
                       for region, (met, short) in counts.items()])


_DAY_FIELDS: Final = (
    Field("manager", "客户经理", "Manager"),
    Field("date", "日期", "Date", unit="date"),
    Field("workday", "工作日", "Working day"),
    Field("channels_visited", "现场拜访渠道数", "Channels visited on site", unit="count"),
    Field("target", "目标", "Target", unit="count"),
    Field("stationed", "驻点销售", "Stationed"),
    Field("status", "达标", "Status", {**STATUS_WORDS, "exempt": ("免考核", "exempt")}),
)


def _days(sheet: TypedSheet, as_of: date) -> dict[tuple[str, date], list[int]]:
    """The visit rows of each manager and day up to the as-of date, in sheet order."""
    days: dict[tuple[str, date], list[int]] = defaultdict(list)
    for index, key in enumerate(zip(sheet.column("manager"), sheet.column("visit_date"),
                                    strict=True)):
        if key[0] is not None and key[1] is not None and key[1] <= as_of:
            days[key].append(index)
    return days


@reads("visits")
def manager_days(book: Book) -> Section:
    """Each manager's days in the visit log: channels visited on site against the policy's
    daily minimum, except on days stationed in one store (R-03); the day's first check-in
    and last check-out (R-07); and visit times that cannot be right. A short working day
    is a warning on its last visit; the Scores sheet lists every working day of the as-of
    week for every manager in the log, days without any visit included."""
    section = Section()
    sheet = book.sheets.get("visits")
    if sheet is None:
        return section
    policy = book.policy
    calendar = book.calendar
    needed = policy.manager_daily_visits
    channels, stationed = sheet.column("channel_id"), sheet.column("stationed")
    on_site = _on_site_rows(sheet)
    timed = sheet.has("check_in") or sheet.has("check_out")
    times = _Times(sheet, policy) if timed else None
    monday, _ = week_of(book.as_of)
    week_days = [day for n in range((book.as_of - monday).days + 1)
                 if calendar.is_workday(day := monday + timedelta(days=n))]
    listed: list[Row] = []
    listing = Listing("manager_days", ("客户经理每日拜访（R-03，本周）",
                                       "Channels visited per manager and day (R-03, this week)"),
                      _DAY_FIELDS, listed)
    managers: set[str] = set()
    summary: dict[tuple[str, date], tuple[int, bool]] = {}
    findings = section.findings
    for (manager, day), rows in _days(sheet, book.as_of).items():
        managers.add(manager)
        visited = len({channels[i] for i in rows if on_site[i] and channels[i] is not None})
        away = any(stationed[i] for i in rows)
        if day >= monday:
            summary[manager, day] = (visited, away)
        if visited < needed and not away and calendar.is_workday(day):
            findings.append(sheet.finding("daily_visits_short", "manager", rows[-1],
                                          day=day.isoformat(), visited=visited, needed=needed))
        if len(rows) > policy.max_visits_per_day:
            findings.append(sheet.finding("too_many_visits", "manager",
                                          rows[policy.max_visits_per_day], count=len(rows),
                                          most=policy.max_visits_per_day))
        if times is not None:
            findings.extend(times.findings(rows))
    for day in reversed(week_days):
        for manager in sorted(managers):
            visited, away = summary.get((manager, day), (0, False))
            status = "exempt" if away else "met" if visited >= needed else "short"
            listed.append({"manager": manager, "date": day.isoformat(), "workday": True,
                           "channels_visited": visited, "target": needed, "stationed": away,
                           "status": status})
    section.listings.append(listing)
    return section


def _minutes(moment: time) -> float:
    return moment.hour * 60 + moment.minute + moment.second / 60


class _Times:
    """The check-in and check-out times of a visit log, in minutes of the day, checked one
    manager's day at a time against the policy."""

    def __init__(self, sheet: TypedSheet, policy: Policy) -> None:
        self.sheet, self.policy = sheet, policy
        self.ins = ins = self._in_minutes(sheet.column("check_in"))
        self.outs = outs = self._in_minutes(sheet.column("check_out"))
        self.check_in_by, self.check_out_at = (_minutes(policy.check_in_by),
                                               _minutes(policy.check_out_at))
        # Each visit's (check-in, check-out, index) when it has both and ends after it
        # starts (one ending before it starts is an error of its own), else None.
        self.spans = [(start, end, index) if start is not None and end is not None
                      and end > start else None
                      for index, (start, end) in enumerate(zip(ins, outs, strict=True))]

    @staticmethod
    def _in_minutes(times: list[time | None]) -> list[float | None]:
        # A log repeats a few hundred times of day: each is worked out once.
        minutes: dict[time | None, float | None] = {
            moment: None if moment is None else _minutes(moment) for moment in set(times)}
        return list(map(minutes.__getitem__, times))

    def findings(self, rows: list[int]) -> Iterator[Finding]:
        """Over one manager's day: the first check-in and last check-out against the
        policy (R-07), visits shorter than its minimum, and overlapping visits."""
        sheet, policy, ins, outs = self.sheet, self.policy, self.ins, self.outs
        starts = [(start, i) for i in rows if (start := ins[i]) is not None]
        if starts and (first := min(starts))[0] > self.check_in_by:
            yield sheet.finding("late_check_in", "check_in", first[1],
                                limit=display(policy.check_in_by))
        ends = [(end, i) for i in rows if (end := outs[i]) is not None]
        if ends and (last := max(ends))[0] < self.check_out_at:
            yield sheet.finding("early_check_out", "check_out", last[1],
                                limit=display(policy.check_out_at))
        # In order of check-in; a visit overlaps when it starts before the latest end so
        # far (which may be that of a long visit a few rows back).
        spans = sorted(filter(None, map(self.spans.__getitem__, rows)))
        latest: tuple[float, int] | None = None
        for start, end, index in spans:
            if end - start < policy.min_visit_minutes:
                yield sheet.finding("visit_too_short", "check_out", index,
                                    minutes=policy.min_visit_minutes,
                                    check_in=display(sheet.column("check_in")[index]))
            if latest is not None and start < latest[0]:
                yield sheet.finding("visits_overlap", "check_in", index,
                                    other=sheet.row_numbers[latest[1]],
                                    other_file=sheet.named_elsewhere(index, sheet, latest[1]),
                                    other_out=display(sheet.column("check_out")[latest[1]]))
            if latest is None or end > latest[0]:
                latest = (end, index)


@reads("visits")
def effect_assessed(book: Book) -> Section:
    """Every visit is logged with an assessment of its effect (R-06): a visit with neither
    达成目的数 nor 是否达成一致 is a warning. (That it was logged the same day cannot be
    checked: the log has no time of entry.)"""
    section = Section()
    sheet = book.sheets.get("visits")
    if sheet is None or not (sheet.has("purposes_met") or sheet.has("agreed")):
        return section
    key = "purposes_met" if sheet.has("purposes_met") else "agreed"
    raw = [sheet.raw.get(name) for name in ("purposes_met", "agreed")]
    for index, (met, agreed) in enumerate(zip(sheet.column("purposes_met"),
                                              sheet.column("agreed"), strict=True)):
        # A value that could not be read was reported already; only blanks are new (in a
        # workbook that has one of the columns).
        if met is None and agreed is None and all(
                cells is None or is_blank(cells[index]) for cells in raw) and not (
                sheet.lacks("purposes_met", index) and sheet.lacks("agreed", index)):
            section.findings.append(sheet.finding("effect_missing", key, index))
    return section


_TODO_FIELDS: Final = (
    Field("kind", "事项", "Item", {"follow_up": ("跟进计划", "follow-up"),
                                   "fix_by": ("整改", "fix")}),
    Field("due_date", "截止日期", "Due", unit="date"),
    Field("status", "状态", "Status", {"overdue": ("已逾期", "overdue"),
                                       "soon": ("七天内到期", "due within 7 days"),
                                       "later": ("以后到期", "later")}),
    Field("manager", "客户经理", "Manager"),
    Field("channel_id", "渠道编码", "Channel ID"),
    Field("visit_date", "拜访日期", "Visit date", unit="date"),
    Field("what", "内容", "What"),
    Field("row", "行号", "Row", unit="count"),
)


@reads("visits")
def open_items(book: Book) -> Section:
    """Follow-ups not done yet (R-06) and failed checklist items with a fix-by date
    (R-08), by due date: overdue before the as-of date, due within the seven days from
    it (the week a weekly review looks ahead to), or later. A done follow-up, or a
    checklist item without a fix-by date (a finding of its own), is not listed."""
    rows: list[Row] = []
    section = Section(listings=[Listing(
        "open_items", ("待办跟进与整改", "Open follow-ups and fixes"), _TODO_FIELDS, rows)])
    sheet = book.sheets.get("visits")
    if sheet is None:
        return section
    soon = book.as_of + timedelta(days=6)
    blank: list[Any] = [None] * len(sheet.column("visit_date"))
    done = sheet.column("follow_up_done") if sheet.has("follow_up_done") else blank
    items = (("follow_up", "follow_up_due", "follow_up"), ("fix_by", "fix_by", "checklist_failed"))
    for kind, due_key, what_key in items:
        if not sheet.has(due_key):
            continue
        what = sheet.column(what_key) if sheet.has(what_key) else blank
        for index, due in enumerate(sheet.column(due_key)):
            if due is None or (kind == "follow_up" and done[index] is not None):
                continue
            rows.append({
                "kind": kind, "due_date": due.isoformat(),
                "status": "overdue" if due < book.as_of else
                "soon" if due <= soon else "later",
                "manager": sheet.column("manager")[index],
                "channel_id": sheet.column("channel_id")[index],
                "visit_date": None if (day := sheet.column("visit_date")[index]) is None
                else day.isoformat(),
                "what": what[index], "row": sheet.row_numbers[index]})
    rows.sort(key=lambda row: (row["due_date"], row["row"]))
    return section


SCORERS: Final[tuple[Scorer, ...]] = (channel_visits, manager_days, effect_assessed,
                                      open_items)
