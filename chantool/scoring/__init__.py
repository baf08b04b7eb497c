"""Computing what the channel rules demand: ``score_book`` and the listings it returns.

Validation says whether a workbook is filled in right; scoring computes, from the same
typed ``Book``, what the rules ask of the people in it: visit compliance, assessment
and rankings, rebates and commission, grades and risk. Each module of this package
holds one domain area, and ``SCORERS`` is the complete, ordered list of its scorers.

A scorer is a function from a ``Book`` to a ``Section``, a ``Step`` that names the
sheets it reads (``book.reads``). A section holds listings (``chantool.listings``),
fields to add to each channel's row, result columns for the user's sheets, and findings.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Final

from chantool.book import Book, Step, run_steps
from chantool.findings import Finding, Lang
from chantool.listings import STATUS_WORDS, Field, Listing, ResultValues, Row, Scores
from chantool.rules import RULES, Rule
from chantool.table import RawSheet
from chantool.validate import calendar_findings, read_book, reading_findings, sort_findings


@dataclass
class Section:
    """What one scorer adds: listings, fields of channel rows (by channel id), result
    columns and findings."""

    listings: list[Listing] = field(default_factory=list)
    channel_fields: dict[str, Row] = field(default_factory=dict)
    columns: list[ResultValues] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)


Scorer = Step[Section]


@dataclass(frozen=True)
class Ahead:
    """Work on some listings started as soon as the ``scorers`` that make them have run,
    while the other rules and scorers run (``score_book``): ``start`` is called once, with
    scores of the channels' listing first (the profiles' ids, names and managers, in sheet
    order; no scorer's fields), then their listings. What it starts must not read a
    sheet that may not be parsed yet: a child forked then would wait for it for ever, the
    threads parsing it being left behind (``isolation.Beside``)."""

    scorers: tuple[Scorer, ...]
    start: Callable[[Scores], None]


# The channel listing's fields: the contract's keys first, then what scorers add.
CHANNEL_FIELDS: Final = (
    Field("channel_id", "渠道编码", "Channel ID"),
    Field("name", "渠道名称", "Name"),
    Field("manager", "客户经理", "Manager"),
    Field("visits_week", "本周现场拜访", "On-site visits this week", unit="count"),
    Field("visits_month", "本月现场拜访", "On-site visits this month", unit="count"),
    Field("visit_target", "拜访目标", "Visit target", unit="count"),
    Field("visit_period", "目标周期", "Target period",
          {"week": ("每周", "a week"), "month": ("每月", "a month")}),
    Field("visit_status", "拜访达标", "Visit status", STATUS_WORDS),
    Field("key_contact_visits_week", "本周重点联系人拜访", "Key-contact visits this week",
          unit="count"),
    Field("key_contact_status", "重点联系人拜访达标", "Key-contact status", STATUS_WORDS),
    Field("visit_success_rate", "成功拜访率", "Visit success rate", unit="rate"),
    Field("profile_status", "档案状态", "Profile status",
          {"ok": ("正常", "ok"), "late": ("逾期完成", "late"),
           "missing": ("逾期未完成", "missing")}),
    Field("profile_deadline", "档案期限", "Profile deadline", unit="date"),
    Field("revenue", "销售额", "Revenue", unit="money"),
    Field("revenue_share", "收入占比", "Revenue share", unit="rate"),
    Field("top20", "头部客户", "Top 20%"),
    Field("score", "评估得分", "Assessment score", unit="number"),
    Field("score_contribution", "贡献得分", "Contribution", unit="number"),
    Field("score_willingness", "积极性得分", "Willingness", unit="number"),
    Field("score_ability", "能力得分", "Ability", unit="number"),
    Field("score_credit", "信用得分", "Credit", unit="number"),
    Field("grade", "等级", "Grade"),
    Field("overdue_ratio", "逾期比例", "Overdue ratio", unit="rate"),
    Field("credit_risk", "信用风险", "Credit risk",
          {"low": ("低", "low"), "medium": ("中", "medium"), "high": ("高", "high")}),
    Field("order_drop", "订单下降", "Order drop", unit="rate"),
)
def scorers() -> tuple[Scorer, ...]:
    """Every scorer, in order. The modules import this one (Section, Field...), so they
    are imported here, when scoring starts (or when ``chantool.check`` is imported)."""
    from chantool.scoring import assessment, money, profiles, value, visits

    return (*visits.SCORERS, *profiles.SCORERS, *assessment.SCORERS, *money.SCORERS,
            *value.SCORERS)


def score_book(
    sheets: Sequence[RawSheet],
    *,
    as_of: date,
    lang: Lang = "zh",
    outside_channels: frozenset[str] = frozenset(),
    ahead: Ahead | None = None,
) -> tuple[Book, list[Finding], Scores]:
    """Validate a workbook, then compute every score; findings of both, in sheet order.
    Rules and scorers run as the sheets they read are parsed (``book.run_steps``), and
    ``ahead`` starts as soon as its scorers have run."""
    book = read_book(sheets, as_of=as_of, lang=lang, outside_channels=outside_channels)
    findings, scores = score_read_book(book, ahead)
    sort_findings(findings, sheets)
    return book, findings, scores


def score_read_book(book: Book, ahead: Ahead | None = None) -> tuple[list[Finding], Scores]:
    """Run every rule and scorer over a book (read from a workbook, or gathered from
    several: ``chantool.combine``), starting ``ahead`` as soon as its scorers have run;
    findings of reading it, of the rules and of the scorers, unsorted."""
    sections = run_steps(book, (*map(_rule_section, RULES), *scorers()),
                         None if ahead is None else _started(book, ahead))
    channels, indexes = _channel_listing(book, sections)
    listings = [channels]
    findings = reading_findings(book)
    for section in sections:
        listings.extend(section.listings)
        findings.extend(section.findings)
    findings.extend(calendar_findings(book))
    columns = [column for section in sections for column in section.columns]
    return findings, Scores(book.as_of, listings,
                            columns + _channel_columns(channels, indexes),
                            book.policy.model_dump(mode="json"))


def _started(book: Book, ahead: Ahead) -> Callable[[Scorer, Section], None]:
    """What ``run_steps`` tells of each step it ran, for ``ahead``: once the last of its
    scorers has run, ``ahead.start`` is called with their listings."""
    ran: dict[int, Section] = {}

    def step_ran(step: Scorer, section: Section) -> None:
        position = next((position for position, scorer in enumerate(ahead.scorers)
                         if scorer is step), None)
        if position is None:
            return
        ran[position] = section
        if len(ran) == len(ahead.scorers):
            listings = [listing for position in sorted(ran) for listing in ran[position].listings]
            ahead.start(Scores(book.as_of, [_channel_listing(book, ())[0], *listings], []))

    return step_ran


def _rule_section(rule: Rule) -> Scorer:
    """A rule as a scorer whose section holds only its findings."""
    return Step(lambda book: Section(findings=rule(book)), rule.reads)


def _channel_listing(book: Book, sections: Sequence[Section]) -> tuple[Listing, list[int]]:
    """One row per channel of the profiles, in sheet order, with every scorer's fields;
    and the data-row index of each row."""
    rows: list[Row] = []
    listing = Listing("channels", ("渠道", "Channels"), CHANNEL_FIELDS, rows, brief=(
        "channel_id", "manager", "visits_week", "visit_target", "visit_status",
        "profile_status", "score", "grade", "credit_risk"))
    indexes: list[int] = []
    sheet = book.sheets.get("channels")
    if sheet is None:
        return listing, indexes
    names, managers = sheet.column("name"), sheet.column("manager")
    blank: Row = dict.fromkeys(f.key for f in CHANNEL_FIELDS)
    adding = [section.channel_fields for section in sections if section.channel_fields]
    for index, channel in enumerate(sheet.column("channel_id")):
        if channel is None:
            continue
        row = blank.copy()
        row.update(channel_id=channel, name=names[index], manager=managers[index])
        for fields in adding:
            row.update(fields.get(channel, ()))
        rows.append(row)
        indexes.append(index)
    return listing, indexes


# Channel fields also written as result columns on the 渠道档案 sheet.
_CHANNEL_COLUMNS: Final = ("visits_week", "visit_target", "visit_status", "profile_status",
                           "score", "grade", "credit_risk")


def _channel_columns(listing: Listing, indexes: list[int]) -> list[ResultValues]:
    by_key = {f.key: f for f in CHANNEL_FIELDS}
    return [ResultValues("channels", by_key[key],
                         {index: row[key] for index, row in zip(indexes, listing.rows,
                                                                strict=True)})
            for key in _CHANNEL_COLUMNS if listing.rows]
