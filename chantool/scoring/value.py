"""Scoring: channel value and risk (R-40..R-44).

The 80/20 view of revenue (R-40); each channel's 0-100 score from its contribution,
willingness, operating ability and credit, and its A/B/C grade (R-41); credit risk from
overdue amounts against the credit limit (R-42); alerts on a sudden drop in a channel's
orders (R-43); and the time limits on complaints and after-sales cases (R-44).

Revenue and orders are the 销售记录 rows (quantity x unit price) dated up to the as-of
date; every window ends on the as-of date and includes it.
"""

from __future__ import annotations

import math
from calendar import monthrange
from collections import defaultdict
from collections.abc import Iterator, Mapping
from datetime import date, datetime, timedelta
from itertools import groupby
from operator import itemgetter
from typing import Final, NamedTuple, TypeVar

from chantool.book import Book, TypedSheet, once_per_book, reads
from chantool.coerce import CellError, fold_key, normalize_text, parse_number
from chantool.findings import Finding, display
from chantool.listings import Field, Listing, Row
from chantool.policy import Policy
from chantool.scoring import Scorer, Section

# Tolerance for comparing shares computed in floating point with policy thresholds:
# a drop of exactly 30% may come out as 0.29999999999999993.
_EPSILON: Final = 1e-9


def _percent(share: float) -> str:
    """A share as a message shows it: 0.3 -> 30%, 0.125 -> 12.5%."""
    return f"{share:.1%}".replace(".0%", "%")


def _money(amount: float) -> str:
    return display(round(amount, 2))


_Moment = TypeVar("_Moment", date, datetime)


def _shift(moment: _Moment, days: float) -> _Moment:
    """``moment`` moved by ``days`` days, kept within the calendar: a policy may well say
    999999999 days."""
    try:
        return moment + timedelta(days=days)
    except OverflowError:
        return type(moment).max if days > 0 else type(moment).min


def _months_before(day: date, months: int) -> date:
    """The same day ``months`` earlier, or the last day of that month when it is shorter."""
    year, month = divmod(day.year * 12 + day.month - 1 - months, 12)
    if year < date.min.year:
        return date.min
    return date(year, month + 1, min(day.day, monthrange(year, month + 1)[1]))


# --- revenue and 80/20 -------------------------------------------------------------

def _amounts(sales: TypedSheet) -> Iterator[tuple[date, str, float]]:
    """Each sale's day, channel and amount (数量 × 成交单价), skipping incomplete rows."""
    for day, channel, qty, price in zip(
            sales.column("sale_date"), sales.column("channel_id"), sales.column("qty"),
            sales.column("unit_price"), strict=True):
        if day is not None and channel is not None and qty is not None and price is not None:
            yield day, channel, qty * price


class _Revenue(NamedTuple):
    """Revenue by channel in the window ``first`` (None: every sale) to the as-of date."""

    first: date | None
    by_channel: dict[str, float]


@once_per_book
def _revenue(book: Book) -> _Revenue | None:
    """Each channel's revenue over the policy's months up to the as-of date, or ``None``
    without a 销售记录 sheet."""
    sales = book.sheets.get("sales")
    if sales is None:
        return None
    months = book.policy.value_months
    first = _shift(_months_before(book.as_of, months), 1) if months else None
    since, until = first or date.min, book.as_of
    revenue: defaultdict[str, float] = defaultdict(float)
    for day, channel, amount in _amounts(sales):
        if since <= day <= until:
            revenue[channel] += amount
    # In cents, so that equal revenues summed in another order still tie.
    return _Revenue(first, {channel: round(amount, 2) for channel, amount in revenue.items()})


_PARETO_FIELDS: Final = (
    Field("period_from", "统计起始日", "From", unit="date"),
    Field("period_to", "统计截止日", "To", unit="date"),
    Field("channels", "有销售的渠道数", "Channels with sales", unit="count"),
    Field("top_channels", "头部渠道数", "Top channels", unit="count"),
    Field("revenue", "销售额合计", "Revenue", unit="money"),
    Field("top_revenue", "头部渠道销售额", "Top channels' revenue", unit="money"),
    Field("top_share", "头部收入占比", "Top channels' share", unit="rate"),
    Field("expected_share", "应占比例", "Expected share", unit="rate"),
    Field("reached", "达到二八", "Reached"),
)


_MONTH_FIELDS: Final = (
    Field("month", "月份", "Month", unit="month"),
    Field("revenue", "销售额", "Revenue", unit="money"),
    Field("channels", "有销售的渠道数", "Channels with sales", unit="count"),
)
_RANKING_FIELDS: Final = (
    Field("rank", "排名", "Rank", unit="count"),
    Field("channel_id", "渠道编码", "Channel ID"),
    Field("revenue", "销售额", "Revenue", unit="money"),
    Field("share", "收入占比", "Share", unit="rate"),
    Field("cumulative_share", "累计占比", "Cumulative share", unit="rate"),
    Field("top20", "头部客户", "Top 20%"),
)


def _top_group(revenue: Mapping[str, float], share: float) -> set[str]:
    """The top ``share`` of the channels with revenue, by revenue, the count rounded up;
    channels level with the last one of the group belong to it as well, as cutting
    between equal revenues would be arbitrary."""
    selling = sorted((amount for amount in revenue.values() if amount > 0), reverse=True)
    count = math.ceil(share * len(selling) - _EPSILON)
    if count <= 0:
        return set()
    line = selling[count - 1]
    return {channel for channel, amount in revenue.items() if amount >= line}


@reads("sales", "channels")
def pareto(book: Book) -> Section:
    """R-40: each channel's revenue and share of the total, whether it is among the top
    ``pareto_customer_share`` of channels, and whether that group brings
    ``pareto_revenue_share`` of the revenue."""
    rows: list[Row] = []
    listing = Listing("pareto", ("二八分析", "80/20"), _PARETO_FIELDS, rows,
                      brief=("channels", "top_channels", "top_share", "expected_share",
                             "reached"))
    months: list[Row] = []
    ranking: list[Row] = []
    section = Section(listings=[
        listing, Listing("revenue_months", ("月度销售额", "Revenue by month"), _MONTH_FIELDS,
                         months),
        Listing("revenue_ranking", ("渠道销售额排名（二八）", "Channels by revenue (80/20)"),
                _RANKING_FIELDS, ranking)])
    found = _revenue(book)
    if found is None:
        return section
    revenue, policy = found.by_channel, book.policy
    months.extend(_by_month(book, found.first))
    total = sum(revenue.values())
    top = _top_group(revenue, policy.pareto_customer_share)
    top_revenue = sum(revenue[channel] for channel in top)
    top_share = top_revenue / total if total > 0 else None
    rows.append({
        "period_from": found.first.isoformat() if found.first else None,
        "period_to": book.as_of.isoformat(),
        "channels": sum(amount > 0 for amount in revenue.values()),
        "top_channels": len(top),
        "revenue": round(total, 2),
        "top_revenue": round(top_revenue, 2),
        "top_share": None if top_share is None else round(top_share, 4),
        "expected_share": policy.pareto_revenue_share,
        "reached": None if top_share is None
        else top_share >= policy.pareto_revenue_share - _EPSILON,
    })
    running = 0.0
    ordered = sorted((item for item in revenue.items() if item[1] > 0),
                     key=lambda item: (-item[1], item[0]))
    for rank, (channel, amount) in enumerate(ordered, 1):
        running += amount
        ranking.append({"rank": rank, "channel_id": channel, "revenue": amount,
                        "share": round(amount / total, 4),
                        "cumulative_share": round(running / total, 4),
                        "top20": channel in top})
    for channel in _profile_channels(book):
        amount = revenue.get(channel, 0.0)
        section.channel_fields[channel] = {
            "revenue": round(amount, 2),
            "revenue_share": round(amount / total, 4) if total > 0 else None,
            "top20": channel in top,
        }
    return section


def _by_month(book: Book, first: date | None) -> list[Row]:
    """Revenue and selling channels per calendar month of the value window, oldest first."""
    sales = book.sheets.get("sales")
    assert sales is not None
    since, until = first or date.min, book.as_of
    revenue: defaultdict[str, float] = defaultdict(float)
    selling: defaultdict[str, set[str]] = defaultdict(set)
    for day, channel, amount in _amounts(sales):
        if since <= day <= until:
            month = f"{day.year:04d}-{day.month:02d}"
            revenue[month] += amount
            selling[month].add(channel)
    return [{"month": month, "revenue": round(revenue[month], 2),
             "channels": len(selling[month])} for month in sorted(revenue)]


def _profile_channels(book: Book) -> Iterator[str]:
    """The channel ids of the 渠道档案 sheet, in sheet order."""
    sheet = book.sheets.get("channels")
    if sheet is not None:
        yield from (channel for channel in sheet.column("channel_id") if channel is not None)


# --- credit risk -------------------------------------------------------------------

class _Credit(NamedTuple):
    """A channel's credit standing: its row in 渠道档案, overdue / credit limit (``None``
    without a positive limit), the risk band and the 0-100 credit score."""

    data_row: int
    overdue: float
    limit: float | None
    ratio: float | None
    risk: str
    score: float


def _credit(book: Book) -> dict[str, _Credit]:
    """The credit standing of each channel whose overdue amount is filled in; a blank
    overdue amount is unknown, not zero."""
    sheet = book.sheets.get("channels")
    if sheet is None:
        return {}
    medium, high = book.policy.credit_medium_ratio, book.policy.credit_high_ratio
    limits = sheet.column("credit_limit")
    found: dict[str, _Credit] = {}
    for index, (channel, overdue) in enumerate(
            zip(sheet.column("channel_id"), sheet.column("overdue_amount"), strict=True)):
        if channel is None or overdue is None:
            continue
        limit = limits[index]
        ratio = overdue / limit if limit else None
        if ratio is None:  # overdue money without credit is high risk; nothing overdue is not
            risk, used = ("high", 1.0) if overdue > 0 else ("low", 0.0)
        else:
            risk = ("high" if ratio >= high - _EPSILON
                    else "medium" if ratio >= medium - _EPSILON else "low")
            used = min(1.0, ratio / high) if high > 0 else float(ratio > 0)
        found[channel] = _Credit(index, overdue, limit, ratio, risk, 100 * (1 - used))
    return found


@reads("channels")
def credit_risk(book: Book) -> Section:
    """R-42: overdue amount / credit limit per channel and its risk band: high at
    ``credit_high_ratio`` or above, or any overdue amount without a credit limit; medium
    at ``credit_medium_ratio`` or above; else low. High risk is a warning."""
    section = Section()
    sheet = book.sheets.get("channels")
    if sheet is None:
        return section
    high = _percent(book.policy.credit_high_ratio)
    for channel, credit in _credit(book).items():
        section.channel_fields[channel] = {
            "overdue_ratio": None if credit.ratio is None else round(credit.ratio, 4),
            "credit_risk": credit.risk}
        if credit.risk != "high":
            continue
        if credit.ratio is None:
            section.findings.append(
                sheet.finding("overdue_without_credit", "overdue_amount", credit.data_row))
        else:
            section.findings.append(sheet.finding(
                "credit_risk_high", "overdue_amount", credit.data_row,
                limit=_money(credit.limit or 0), ratio=_percent(credit.ratio), high=high))
    return section


# --- score and grade ---------------------------------------------------------------

# The parts of the score as assessment_weights names them (Chinese or English), by field key.
_PARTS: Final = {"contribution": "贡献", "willingness": "积极性", "ability": "能力",
                 "credit": "信用"}
_PART_NAMES: Final = {fold_key(name): part for part, zh in _PARTS.items()
                      for name in (part, zh)}


def _weights(book: Book) -> tuple[dict[str, float], list[Finding]]:
    """The weight of each part from ``assessment_weights``; an entry that cannot be read, or
    repeats a part, is a warning and left out."""
    weights: dict[str, float] = {}
    findings = []
    for entry in book.policy.assessment_weights:
        name, colon, number = normalize_text(entry).partition(":")
        part = _PART_NAMES.get(fold_key(name))
        try:  # the weights are relative, so "40%" is read as 40
            weight = parse_number(number.strip().removesuffix("%")) if colon else None
        except CellError:
            weight = None
        if part is None or part in weights or weight is None or weight < 0:
            findings.append(book.bad_policy_entry("assessment_weights", entry, (
                f"应为 部分:权重，部分为 {'、'.join(_PARTS.values())} 之一且各写一次，"
                "权重为不小于 0 的数字；已忽略",
                f"write part:weight, the part one of {', '.join(_PARTS)}, each once, the "
                "weight a number of at least 0; ignored")))
        else:
            weights[part] = weight
    return weights, findings


def _ranks(values: Mapping[str, float]) -> dict[str, float]:
    """Each channel's place among all of them on a 0-100 scale: 100 x (channels below it
    + half of the others level with it) / (channels - 1). The best scores 100, the
    lowest 0, and a channel with nothing (no revenue, no outlets) always 0."""
    others = len(values) - 1
    ranks: dict[str, float] = {}
    below = 0
    for value, group in groupby(sorted(values.items(), key=itemgetter(1)), key=itemgetter(1)):
        level = [channel for channel, _ in group]
        rank = (0.0 if value <= 0 else 100.0 if others == 0
                else 100 * (below + (len(level) - 1) / 2) / others)
        ranks.update(dict.fromkeys(level, rank))
        below += len(level)
    return ranks


def _willingness(book: Book, channels: set[str]) -> dict[str, float]:
    """Per channel, 100 x the share of its visits in the last ``willingness_days`` days
    (as-of date included) that reached agreement; visits without an answer are left out."""
    visits = book.sheets.get("visits")
    if visits is None or not visits.has("agreed"):
        return {}
    since = _shift(book.as_of, 1 - book.policy.willingness_days)
    until = book.as_of
    agreed: defaultdict[str, int] = defaultdict(int)
    answered: defaultdict[str, int] = defaultdict(int)
    for day, channel, yes in zip(visits.column("visit_date"), visits.column("channel_id"),
                                 visits.column("agreed"), strict=True):
        if yes is not None and day is not None and since <= day <= until:
            answered[channel] += 1
            agreed[channel] += yes
    return {channel: 100 * agreed[channel] / count for channel, count in answered.items()
            if channel in channels}


def _ability(sheet: TypedSheet) -> dict[str, float]:
    """Per channel, the mean of its ranks (see ``_ranks``) in downstream outlets and in
    sales staff, over those of the two that are filled in."""
    ids = sheet.column("channel_id")
    ranks = [_ranks({channel: value for channel, value in zip(ids, sheet.column(key),
                                                              strict=True)
                     if channel is not None and value is not None})
             for key in ("downstream_outlets", "sales_staff")]
    ability = {}
    for channel in ids:
        known = [found[channel] for found in ranks if channel in found]
        if known:
            ability[channel] = sum(known) / len(known)
    return ability


def grade_of(score: float, policy: Policy) -> str:
    """A channel's grade for its (rounded) contribution score: A from ``grade_a_min``, B
    from ``grade_b_min``, else C (R-41)."""
    return "A" if score >= policy.grade_a_min else "B" if score >= policy.grade_b_min else "C"


def _grade(score: float, book: Book) -> str:
    return grade_of(score, book.policy)


@reads("sales", "channels", "visits")
def grades(book: Book) -> Section:
    """R-41: each channel's parts (0-100; ``None`` without data); its grade by
    contribution alone (seed 004 第五条), from the rounded contribution score: A from
    ``grade_a_min``, B from ``grade_b_min``; and beside it its assessment score, the
    parts weighted by ``assessment_weights`` (willingness, ability, credit by default),
    those without data left out and the rest renormalised."""
    weights, findings = _weights(book)
    section = Section(findings=findings)
    sheet = book.sheets.get("channels")
    if sheet is None:
        return section
    channels = set(_profile_channels(book))
    found = _revenue(book)
    contribution = {} if found is None or sum(found.by_channel.values()) <= 0 else _ranks(
        {channel: found.by_channel.get(channel, 0.0) for channel in channels})
    parts = {"contribution": contribution, "willingness": _willingness(book, channels),
             "ability": _ability(sheet),
             "credit": {channel: credit.score for channel, credit in _credit(book).items()}}
    weighted = [(weights[part], scores) for part, scores in parts.items()
                if weights.get(part, 0) > 0]
    shown = [(f"score_{part}", scores) for part, scores in parts.items()]
    for channel in _profile_channels(book):
        total = sum_of = 0.0
        for weight, scores in weighted:
            value = scores.get(channel)
            if value is not None:
                total += weight
                sum_of += weight * value
        row: Row = {key: None if (value := scores.get(channel)) is None else round(value, 1)
                    for key, scores in shown}
        contributed = row["score_contribution"]
        row.update(score=round(sum_of / total, 1) if total > 0 else None,
                   grade=None if contributed is None else _grade(contributed, book))
        section.channel_fields[channel] = row
    section.listings.append(_grade_mix(section.channel_fields, found))
    return section


_MIX_FIELDS: Final = (
    Field("grade", "等级", "Grade"),
    Field("channels", "渠道数", "Channels", unit="count"),
    Field("revenue", "销售额", "Revenue", unit="money"),
)


def _grade_mix(graded: Mapping[str, Row], found: _Revenue | None) -> Listing:
    """Channels and revenue per grade, A first; none without revenue to grade by."""
    rows: list[Row] = []
    by_channel = {} if found is None else found.by_channel
    for grade in sorted({row["grade"] for row in graded.values() if row["grade"]}):
        channels = [channel for channel, row in graded.items() if row["grade"] == grade]
        rows.append({"grade": grade, "channels": len(channels),
                     "revenue": round(sum(by_channel.get(channel, 0.0)
                                          for channel in channels), 2)})
    return Listing("grade_mix", ("渠道等级分布", "Channels by grade"), _MIX_FIELDS, rows)




# --- order drop --------------------------------------------------------------------

@reads("channels", "sales")
def order_drops(book: Book) -> Section:
    """R-43: a channel's orders in the last ``order_drop_window_days`` days against the
    average of the ``order_drop_periods`` windows before; a drop of ``order_drop_ratio``
    or more is a warning at the channel's id in 渠道档案. ``order_drop`` is 1 - current /
    average (negative when orders grew), ``None`` without orders in the earlier windows.
    Earlier windows that end before the sales sheet's first sale count as zero, or with
    ``order_drop_before_data`` = ``skip`` are left out of the average."""
    section = Section()
    sheet, sales = book.sheets.get("channels"), book.sheets.get("sales")
    if sheet is None or sales is None:
        return section
    policy = book.policy
    days, periods = policy.order_drop_window_days, policy.order_drop_periods
    if days == 0 or periods == 0:
        return section
    # The current window ends on the as-of date; the earlier ones come just before it.
    until = book.as_of
    start, since = _shift(until, 1 - days), _shift(until, 1 - days * (periods + 1))
    current: defaultdict[str, float] = defaultdict(float)
    earlier: defaultdict[str, float] = defaultdict(float)
    for day, channel, amount in _amounts(sales):
        if since <= day <= until:
            (current if day >= start else earlier)[channel] += amount
    # The earlier windows averaged: all of them, or those ending on or after the first
    # sale in the sheet (a window before the data is not known to be a window of none).
    counted = periods
    if policy.order_drop_before_data == "skip":
        first_day = min(filter(None, sales.column("sale_date")), default=until)
        counted = sum(1 for number in range(1, periods + 1)
                      if _shift(until, -days * number) >= first_day)
    for index, channel in enumerate(sheet.column("channel_id")):
        average = earlier.get(channel, 0.0) / counted if counted else 0.0
        if average <= 0:
            continue
        drop = 1 - current.get(channel, 0.0) / average
        section.channel_fields[channel] = {"order_drop": round(drop, 4)}
        if drop >= policy.order_drop_ratio - _EPSILON:
            section.findings.append(sheet.finding(
                "order_drop", "channel_id", index, days=days, periods=periods,
                current=_money(current.get(channel, 0.0)), average=_money(average),
                drop=_percent(drop), ratio=_percent(policy.order_drop_ratio)))
    return section


# --- complaints and after-sales ----------------------------------------------------

_STEPS: Final = {"onsite": ("到场", "on site"), "report": ("报总监", "report"),
                 "answer": ("售后答复", "answer")}
_STATUSES: Final = {"open": ("未到期", "open"), "late": ("超时完成", "late"),
                    "missing": ("逾期未完成", "missing"),
                    "escalated": ("应升级", "to escalate")}
_KINDS: Final = {"投诉": ("投诉", "complaint"), "售后": ("售后", "after-sales")}
_COMPLAINT_FIELDS: Final = (
    Field("channel_id", "渠道编码", "Channel ID"),
    Field("kind", "类型", "Kind", _KINDS),
    Field("received", "受理日期", "Received", unit="date"),
    Field("step", "环节", "Step", _STEPS),
    Field("deadline", "期限", "Deadline", unit="date"),
    Field("done", "完成", "Done", unit="date"),
    Field("status", "状态", "Status", _STATUSES),
    Field("row", "行号", "Row", unit="count"),
)


class _Step(NamedTuple):
    """One time limit of one complaint that is not met on time or not met yet."""

    step: str
    deadline: str
    done: str | None
    status: str
    finding: Finding | None = None


def _clock(moment: datetime) -> str:
    return moment.isoformat(sep=" ", timespec="minutes")


class _Complaints:
    """The time limits of the 投诉记录 rows, checked one row at a time."""

    def __init__(self, book: Book, sheet: TypedSheet) -> None:
        self.book, self.sheet, self.policy = book, sheet, book.policy
        self.calendar = book.calendar
        self.kinds = sheet.column("complaint_kind")
        self.received = sheet.column("received_date")
        self._deadlines: dict[date, date] = {}

    def steps(self, index: int) -> Iterator[_Step]:
        if self.received[index] is None:
            return
        kind = self.kinds[index]
        found = (self._onsite(index) if kind == "投诉" else None,
                 self._report(index),
                 self._answer(index) if kind == "售后" else None)
        yield from (step for step in found if step is not None)

    def _onsite(self, index: int) -> _Step | None:
        """On site within ``complaint_onsite_hours`` of receipt (both times needed; a
        blank on-site date is the day of receipt). Without an on-site time, the limit
        counts as passed only once its whole day is before the as-of date, which has no
        time of day."""
        sheet = self.sheet
        received_time = sheet.column("received_time")[index]
        if received_time is None:
            return None
        received = datetime.combine(self.received[index], received_time)
        hours = self.policy.complaint_onsite_hours
        deadline = _shift(received, hours / 24)
        fields = {"received": _clock(received), "deadline": _clock(deadline),
                  "hours": display(hours)}
        onsite_time = sheet.column("onsite_time")[index]
        if onsite_time is not None:
            onsite_day = sheet.column("onsite_date")[index] or self.received[index]
            arrived = datetime.combine(onsite_day, onsite_time)
            if arrived <= deadline:
                return None
            return _Step("onsite", _clock(deadline), _clock(arrived), "late", sheet.finding(
                "complaint_onsite_late", "onsite_time", index, arrived=_clock(arrived),
                **fields))
        if deadline.date() < self.book.as_of:
            return _Step("onsite", _clock(deadline), None, "missing", sheet.finding(
                "complaint_onsite_missing", self._key("onsite_time", "received_time"), index,
                **fields))
        return _Step("onsite", _clock(deadline), None, "open")

    def _report(self, index: int) -> _Step | None:
        """A written complaint reaches the channel director within
        ``complaint_report_workdays`` working days of receipt (Chinese calendar)."""
        sheet = self.sheet
        if sheet.column("written")[index] is not True:
            return None
        received = self.received[index]
        deadline = self._deadlines.get(received)
        if deadline is None:
            deadline = self.calendar.add_workdays(received, self.policy.complaint_report_workdays)
            self._deadlines[received] = deadline
        reported = sheet.column("reported_date")[index]
        fields = {"received": received.isoformat(), "deadline": deadline.isoformat(),
                  "days": self.policy.complaint_report_workdays}
        if reported is not None:
            if reported <= deadline:
                return None
            return _Step("report", deadline.isoformat(), reported.isoformat(), "late",
                         sheet.finding("complaint_report_late", "reported_date", index,
                                       **fields))
        if self.book.as_of > deadline:
            return _Step("report", deadline.isoformat(), None, "missing",
                         sheet.finding("complaint_report_missing",
                                       self._key("reported_date", "written"), index, **fields))
        return _Step("report", deadline.isoformat(), None, "open")

    def _answer(self, index: int) -> _Step | None:
        """An after-sales case unanswered for more than ``after_sales_escalate_days``
        days as of the as-of date is escalated; one answered later than that is listed
        as late, without a warning, as escalating it is moot."""
        sheet = self.sheet
        received = self.received[index]
        days = self.policy.after_sales_escalate_days
        due = _shift(received, days)
        answered = sheet.column("answered_date")[index]
        if answered is not None:
            if answered <= due:
                return None
            return _Step("answer", due.isoformat(), answered.isoformat(), "late")
        if self.book.as_of > due:
            return _Step("answer", due.isoformat(), None, "escalated", sheet.finding(
                "after_sales_escalate", self._key("answered_date", "received_date"), index,
                received=received.isoformat(), days=days,
                open_days=(self.book.as_of - received).days))
        return _Step("answer", due.isoformat(), None, "open")

    def _key(self, column: str, instead: str) -> str:
        """The column a finding about a missing value points at: its own, or, when the
        sheet lacks that optional column, the cell the limit counts from."""
        return column if self.sheet.has(column) else instead



@reads("complaints")
def complaints(book: Book) -> Section:
    """R-44: complaints on site within ``complaint_onsite_hours``; written complaints to
    the channel director within ``complaint_report_workdays`` working days; after-sales
    cases answered within ``after_sales_escalate_days`` days. Missed limits are warnings;
    the ``complaints`` listing holds every limit missed or still open, newest first."""
    rows: list[Row] = []
    listing = Listing("complaints", ("投诉与售后", "Complaints and after-sales"),
                      _COMPLAINT_FIELDS, rows, brief=("channel_id", "kind", "received", "step",
                                                "deadline", "status"))
    section = Section(listings=[listing])
    sheet = book.sheets.get("complaints")
    if sheet is None:
        return section
    checks = _Complaints(book, sheet)
    channels, kinds = sheet.column("channel_id"), sheet.column("complaint_kind")
    for index in range(len(sheet)):
        for step in checks.steps(index):
            rows.append({
                "channel_id": channels[index], "kind": kinds[index],
                "received": checks.received[index].isoformat(), "step": step.step,
                "deadline": step.deadline, "done": step.done, "status": step.status,
                "row": sheet.row_numbers[index]})
            if step.finding is not None:
                section.findings.append(step.finding)
    rows.sort(key=lambda row: (row["received"], -row["row"]), reverse=True)
    return section


SCORERS: Final[tuple[Scorer, ...]] = (pareto, grades, credit_risk, order_drops, complaints)
