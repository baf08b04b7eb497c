"""Scoring: money. Rebates (R-34), commission and the channels close to the next band
(R-35), sales contests (R-36) and payment terms (R-37), all computed from the sales
records.

R-31 (one price whoever sells) needs no code here: the price table has one row per
model, channel type and effective date and no seller column, so the company and its
dealers share that row; a second row for the same model, type and date is already
``not_unique`` in validation.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from calendar import monthrange
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache, partial
from math import ceil
from operator import itemgetter
from typing import Final, Literal, get_args

from chantool.book import Book, TypedSheet, reads
from chantool.coerce import CellError, is_blank, normalize_text, parse_month
from chantool.findings import Finding, Lang
from chantool.listings import Field, Listing, Row, Rows
from chantool.memo import Memo
from chantool.policy import choice_word
from chantool.rules.prices import InForce
from chantool.scoring import Scorer, Section
from chantool.texts import TEXTS, word

Period = Literal["month", "quarter", "year"]

_MONTHS: Final[dict[Period, int]] = {"month": 1, "quarter": 3, "year": 12}


def period_of(day: date, length: Period) -> str:
    """The period containing ``day``: ``2025-06``, ``2025Q2`` or ``2025``."""
    if length == "month":
        return f"{day.year:04d}-{day.month:02d}"
    if length == "quarter":
        return f"{day.year:04d}Q{(day.month + 2) // 3}"
    return f"{day.year:04d}"


def _yuan(amount: float) -> str:
    """An amount in an explanation: thousands separated, cents only when there are any."""
    amount = round(amount, 2) + 0.0  # no "-0"
    return f"{amount:,.0f}" if amount.is_integer() else f"{amount:,.2f}"


def _percent(rate: float) -> str:
    return f"{round(rate * 100, 4):g}%"


# 计算说明: each part of an explanation is a code and its values, said in the run's
# language by the catalogue's ``explain.<code>`` template (chantool/texts.py).
def _say(code: str, lang: Lang, **values: object) -> str:
    return _SAYINGS[lang][code].format(**values)


# The ``explain.<code>`` templates by language and code: explanations are said by the
# hundred thousand.
_SAYINGS: Final = {lang: {key.removeprefix("explain."): word(key, lang) for key in TEXTS
                          if key.startswith("explain.")} for lang in get_args(Lang)}


def _explanation(parts: Iterable[str], lang: Lang) -> str:
    return _say("separator", lang).join(parts)


def _periods(length: Period) -> Memo[date, str]:
    """The period of each day, worked out once per day (sales come by the hundred
    thousand, on a few hundred days)."""
    return Memo(partial(period_of, length=length))


# --- R-34 rebates ----------------------------------------------------------------------

REBATE_FIELDS: Final = (
    Field("channel_id", "渠道编码", "Channel ID"),
    Field("model", "型号", "Model"),
    Field("period", "期间", "Period"),
    Field("qty", "数量", "Quantity", unit="count"),
    Field("pickup_qty", "计返利数量", "Units rebated", unit="count"),
    Field("volume_threshold", "达量门槛", "Volume threshold", unit="count"),
    Field("threshold_reached", "是否达量", "Threshold reached"),
    Field("pickup_rebate", "提货返利", "Pick-up rebate", unit="money"),
    Field("volume_rebate", "达量返利", "Volume rebate", unit="money"),
    Field("total", "返利合计", "Total", unit="money"),
    Field("explanation", "计算说明", "Explanation"),
)


@dataclass(slots=True)
class _RebateGroup:
    """The sales of one channel, model and rebate period."""

    kind: str  # the channel's type
    qty: int = 0
    last: date = date.min
    # Units rebated, by the rebate row in force on their sale date.
    units: dict[int, int] = field(default_factory=dict)
    not_picked_up: int = 0  # on a pick-up-only row, sold without picking up
    unrated: int = 0  # sold before any rebate row for the model and channel type


@lru_cache(maxsize=1024)  # a few per-unit amounts, shown on tens of thousands of rows
def _each(amount: float, lang: Lang) -> str:
    return _say("yuan", lang, amount=_yuan(amount))


def _units_at(units: Mapping[float, int], lang: Lang) -> str:
    """``120台×10元``, or ``60台×10元＋60台×12元`` when the row changed in the period."""
    return _say("plus", lang).join(_say("units_at", lang, count=count, each=_each(amount, lang))
                                   for amount, count in units.items())


@dataclass(frozen=True)
class _RebateTable:
    """The columns of the 返利政策 sheet, and its rows by model and channel type."""

    in_force: InForce
    pickup: list[float | None]
    volume: list[float | None]
    threshold: list[int | None]
    only: list[bool | None]
    effective: list[date | None]

    @classmethod
    def of(cls, table: TypedSheet) -> _RebateTable:
        return cls(InForce(table, ("model", "channel_type")),
                   *(table.column(key) for key in ("pickup_rebate", "volume_rebate",
                                                   "volume_threshold", "pickup_only",
                                                   "effective_from")))


@reads("sales", "rebates", "channels")
def rebates(book: Book) -> Section:
    """Pick-up and volume rebates per channel, model and rebate period (R-34).

    Each unit earns the amounts of the rebate row in force on its sale date (the latest
    row for the model and the channel's type effective on or before it); a pick-up-only
    row pays nothing for units of sales rows marked not picked up. The volume rebate is
    paid on every rebated unit of the period once the period's quantity (every unit)
    reaches the threshold of the row in force on the period's last sale — or, with the
    policy's ``volume_threshold_sale`` = ``first``, on its first rebated unit's sale.
    """
    sales, sheet = book.sheets.get("sales"), book.sheets.get("rebates")
    if sales is None or sheet is None:
        return Section()
    table = _RebateTable.of(sheet)
    periods = _periods(book.policy.rebate_period)
    types = book.channel_field("channel_type")
    only = table.only
    groups: dict[tuple[str, str, str], _RebateGroup] = {}
    for day, channel, model, qty, picked_up in zip(
            *(sales.column(key) for key in ("sale_date", "channel_id", "model", "qty",
                                            "picked_up")), strict=True):
        kind = types.get(channel)
        # A sale dated after the as-of date is an error of validation's, and earns nothing.
        if kind is None or day is None or model is None or qty is None or day > book.as_of:
            continue
        key = (channel, model, periods[day])
        group = groups.get(key)
        if group is None:
            group = groups[key] = _RebateGroup(kind)
        group.qty += qty
        if day > group.last:
            group.last = day
        row = table.in_force.row((model, kind), day)
        if row is None:
            group.unrated += qty
        elif picked_up is False and only[row]:
            group.not_picked_up += qty
        else:
            group.units[row] = group.units.get(row, 0) + qty
    lines = []
    first = book.policy.volume_threshold_sale == "first"
    # Newest period first, then by channel and model.
    for key in sorted(sorted(groups), key=itemgetter(2), reverse=True):
        group = groups[key]
        last_row = table.in_force.row((key[1], group.kind), group.last)
        if last_row is None:  # no rebate row was in force for any of its sales
            continue
        if first and group.units:  # the row in force on the first rebated unit's sale
            last_row = min(group.units, key=lambda row: table.effective[row] or date.min)
        lines.append((key, group, last_row))
    listing = Listing("rebates", ("返利", "Rebates"), REBATE_FIELDS,
                      Rows(lines, lambda line: _rebate_row(table, *line, book.lang),
                           channel=lambda line: line[0][0]),
                      brief=("channel_id", "model", "period", "qty", "pickup_rebate",
                             "volume_rebate", "total"))
    return Section(listings=[listing])


def threshold_reached(qty: float, threshold: float | None) -> bool:
    """Whether a period's quantity earns the volume rebate (R-34): a row without a
    threshold pays none, as there is no volume to reach."""
    return threshold is not None and qty >= threshold


def rebate_for(qty: float, pickup: float | None, threshold: float | None,
               volume: float | None) -> float:
    """The rebate on ``qty`` units under one rebate row (R-34): the pick-up rebate on
    every unit, and the volume rebate on every unit once the threshold is reached."""
    volume_part = qty * (volume or 0.0) if threshold_reached(qty, threshold) else 0.0
    return round(qty * (pickup or 0.0) + volume_part, 2)


def _rebate_row(table: _RebateTable, key: tuple[str, str, str], group: _RebateGroup,
                last_row: int, lang: Lang) -> Row:
    threshold = table.threshold[last_row]
    reached = threshold_reached(group.qty, threshold)
    # Units by per-unit amount, the rows in the order they took effect.
    pickup: dict[float, int] = {}
    volume: dict[float, int] = {}
    pickup_total = volume_total = 0.0
    units = group.units
    ordered = units if len(units) == 1 else sorted(
        units, key=lambda row: table.effective[row] or date.min)
    for row in ordered:
        count = units[row]
        amount = table.pickup[row] or 0.0
        pickup_total += amount * count
        pickup[amount] = pickup.get(amount, 0) + count
        amount = table.volume[row] or 0.0
        volume_total += amount * count
        volume[amount] = volume.get(amount, 0) + count
    if not reached:
        volume_total = 0.0
    parts = [_say("rebate_pickup", lang, units=_units_at(pickup, lang))] if pickup else []
    if threshold is None:
        parts.append(_say("rebate_no_threshold", lang))
    elif not reached:
        parts.append(_say("rebate_short", lang, qty=group.qty, threshold=threshold))
    elif len(volume) == 1:
        parts.append(_say("rebate_reached_each", lang, qty=group.qty, threshold=threshold,
                          each=_each(next(iter(volume)), lang)))
    else:
        parts.append(_say("rebate_reached", lang, qty=group.qty, threshold=threshold,
                          units=_units_at(volume, lang)))
    if group.not_picked_up:
        parts.append(_say("rebate_not_picked_up", lang, count=group.not_picked_up))
    if group.unrated:
        parts.append(_say("rebate_unrated", lang, count=group.unrated))
    channel, model, period = key
    return {
        "channel_id": channel, "model": model, "period": period, "qty": group.qty,
        "pickup_qty": sum(units.values()), "volume_threshold": threshold,
        "threshold_reached": reached, "pickup_rebate": round(pickup_total, 2),
        "volume_rebate": round(volume_total, 2),
        "total": round(pickup_total + volume_total, 2),
        "explanation": _explanation(parts, lang),
    }


# --- R-35 commission and the band watchlist --------------------------------------------

MODE_WORDS: Final = {"retroactive": ("全额累进", "retroactive"),
                     "incremental": ("分段累进", "incremental")}
COMMISSION_FIELDS: Final = (
    Field("channel_id", "渠道编码", "Channel ID"),
    Field("period", "期间", "Period"),
    Field("sales", "销售额", "Sales", unit="money"),
    Field("band_from", "达到档位", "Band reached", unit="money"),
    Field("rate", "提成比例", "Rate", unit="rate"),
    Field("retroactive", "全额累进提成", "Retroactive commission", unit="money"),
    Field("incremental", "分段累进提成", "Incremental commission", unit="money"),
    Field("mode", "提成方式", "Mode", MODE_WORDS),
    Field("commission", "基本提成", "Base commission", unit="money"),
    Field("target", "期间目标", "Target", unit="money"),
    Field("target_bonus", "超目标奖励", "Target bonus", unit="money"),
    Field("first_order_bonus", "新品首单奖励", "First-order bonus", unit="money"),
    Field("uplift", "奖励合计", "Uplift", unit="money"),
    Field("total", "提成合计", "Total", unit="money"),
    Field("paid_before", "已付提成", "Paid before", unit="money"),
    Field("due", "应付提成", "Due", unit="money"),
    Field("explanation", "计算说明", "Explanation"),
)
WATCH_FIELDS: Final = (
    Field("channel_id", "渠道编码", "Channel ID"),
    Field("period", "期间", "Period"),
    Field("sales", "销售额", "Sales", unit="money"),
    Field("next_band_from", "下一档起点", "Next band from", unit="money"),
    Field("next_rate", "下一档比例", "Next rate", unit="rate"),
    Field("gap", "差额", "Gap", unit="money"),
    Field("gap_units", "约差数量", "Gap in units", unit="count"),
    Field("extra_commission", "可多得提成", "Extra commission", unit="money"),
)


@dataclass(frozen=True)
class Bands:
    """Commission bands: the sales each band starts at (increasing) and its rate."""

    starts: tuple[float, ...]
    rates: tuple[float, ...]

    def reached(self, sales: float) -> int | None:
        """The index of the highest band whose start ``sales`` reaches, if any."""
        position = bisect_right(self.starts, sales)
        return position - 1 if position else None

    def retroactive(self, sales: float) -> float:
        """The whole amount at the rate of the band reached."""
        band = self.reached(sales)
        return 0.0 if band is None else sales * self.rates[band]

    def parts(self, sales: float) -> list[tuple[float, float]]:
        """Each band's part of ``sales`` with its rate, for incremental commission."""
        ends = (*self.starts[1:], float("inf"))
        return [(min(sales, end) - start, rate)
                for start, end, rate in zip(self.starts, ends, self.rates, strict=True)
                if sales > start]

    def incremental(self, sales: float) -> float:
        return sum(part * rate for part, rate in self.parts(sales))

    def commission(self, sales: float, mode: str) -> float:
        return self.retroactive(sales) if mode == "retroactive" else self.incremental(sales)


def bands_of(sheet: TypedSheet | None) -> Bands | None:
    """The bands of a 提成档位 sheet, or None without any band."""
    if sheet is None:
        return None
    # Bands out of order are reported by validation; sorted, they still make sense (of
    # two bands with the same start, the later row counts).
    found = {start: rate for start, rate in zip(sheet.column("sales_from"),
                                                 sheet.column("rate"), strict=True)
             if start is not None and rate is not None}
    if not found:
        return None
    starts = tuple(sorted(found))
    return Bands(starts, tuple(found[start] for start in starts))


_YEAR: Final = re.compile(r"(\d{4})年?度?")
_QUARTER: Final = re.compile(r"(\d{4})年?[-/ ]?Q([1-4])")
_QUARTER_ZH: Final = re.compile(r"(\d{4})年第?([1-4一二三四])季度?")
_QUARTER_DIGITS: Final = {"一": "1", "二": "2", "三": "3", "四": "4"}
_PERIOD_WORDS: Final[dict[Period, tuple[str, str, str]]] = {
    "month": ("月度", "monthly", "2025-06"),
    "quarter": ("季度", "quarterly", "2025Q2"),
    "year": ("年度", "yearly", "2025"),
}


def read_period(text: str) -> tuple[Period, str] | None:
    """A period typed as ``2025Q2`` (``2025年第二季度``), ``2025-06`` (``2025年6月``) or
    ``2025``: its length and its canonical text, or ``None`` when it is none of these."""
    folded = normalize_text(text).upper().replace(" ", "")
    if match := _YEAR.fullmatch(folded):
        return "year", match[1]
    if match := _QUARTER.fullmatch(folded) or _QUARTER_ZH.fullmatch(folded):
        return "quarter", f"{match[1]}Q{_QUARTER_DIGITS.get(match[2], match[2])}"
    try:
        return "month", parse_month(text)
    except CellError:
        return None


def _commission_paid(book: Book, length: Period) -> tuple[dict[tuple[str, str], float],
                                                         list[Finding]]:
    """Commission paid before, by channel and period; a period that cannot be read or is
    not of the policy's length is an error at its cell, and its row is not counted."""
    sheet = book.sheets.get("commission_paid")
    if sheet is None:
        return {}, []
    kind, kind_en, example = _PERIOD_WORDS[length]
    paid: dict[tuple[str, str], float] = {}
    findings = []
    for index, (channel, text, amount) in enumerate(zip(
            *(sheet.column(key) for key in ("channel_id", "period", "amount")), strict=True)):
        if text is None:
            continue
        period = read_period(text)
        if period is None or period[0] != length:
            findings.append(sheet.finding("bad_commission_period", "period", index, kind=kind,
                                          kind_en=kind_en, example=example,
                                          period=choice_word("commission_period", length,
                                                             book.lang)))
        elif channel is not None and amount is not None:
            paid[channel, period[1]] = paid.get((channel, period[1]), 0.0) + amount
    return paid, findings


@dataclass
class _SalesByPeriod:
    """Sales amount and units per channel and commission period, and the first order of
    each new model per channel (date, amount, period)."""

    totals: dict[tuple[str, str], list[float]] = field(default_factory=dict)
    first_orders: dict[tuple[str, str], tuple[date, float, str]] = field(default_factory=dict)


def _sales_by_period(sales: TypedSheet | None, length: Period,
                     new_models: frozenset[str], as_of: date) -> _SalesByPeriod:
    found = _SalesByPeriod()
    if sales is None:
        return found
    totals, firsts, periods = found.totals, found.first_orders, _periods(length)
    for day, channel, model, qty, price in zip(
            *(sales.column(key) for key in ("sale_date", "channel_id", "model", "qty",
                                            "unit_price")), strict=True):
        if day is None or channel is None or qty is None or price is None or day > as_of:
            continue
        period = periods[day]
        amount = qty * price
        total = totals.get((channel, period))
        if total is None:
            totals[channel, period] = [amount, qty]
        else:
            total[0] += amount
            total[1] += qty
        if model in new_models:
            first = firsts.get((channel, model))
            # The first order is the earliest sale row (the upper one of a day's rows).
            if first is None or day < first[0]:
                firsts[channel, model] = (day, amount, period)
    return found


@reads("commission", "sales", "channels", "commission_paid")
def commission(book: Book) -> Section:
    """Commission per channel and commission period (R-35), and the watchlist of channels
    close to the next band in the period of the as-of date.

    Base commission is computed both ways — retroactive (the whole period's sales at
    the rate of the band reached) and incremental (each band's rate on that band's part)
    — and ``commission_mode`` says which is paid. On top: the target bonus (the bonus
    rate on sales above the channel's monthly target times the months of the period)
    and, for the first order of a new model, that order's share of the commission again
    times (multiplier - 1). Commission paid before for the period is deducted; a
    negative amount due is a clawback.
    """
    policy = book.policy
    length: Period = policy.commission_period
    paid, findings = _commission_paid(book, length)
    bands = bands_of(book.sheets.get("commission"))
    if bands is None:
        return Section(findings=findings)
    found = _sales_by_period(book.sheets.get("sales"), length, frozenset(policy.new_models),
                             book.as_of)
    orders: dict[tuple[str, str], list[tuple[str, float]]] = {}
    for (channel, model), (_, amount, period) in found.first_orders.items():
        orders.setdefault((channel, period), []).append((model, amount))
    targets = book.channel_field("monthly_target")

    def row(key: tuple[str, str]) -> Row:
        channel, period = key
        monthly = targets.get(channel)
        # A blank or zero monthly target means no target, hence no bonus.
        target = monthly * _MONTHS[length] if monthly else None
        sales = found.totals.get(key)
        return _commission_row(book, bands, channel, period, sales[0] if sales else 0.0,
                               target, sorted(orders.get(key, [])), paid.get(key, 0.0))

    # Newest period first, then by channel.
    keys = sorted(sorted(found.totals.keys() | paid.keys()), key=itemgetter(1), reverse=True)
    listing = Listing("commission", ("提成", "Commission"), COMMISSION_FIELDS,
                      Rows(keys, row, channel=itemgetter(0)),
                      brief=("channel_id", "period", "sales", "rate", "commission", "uplift",
                             "total", "paid_before", "due"))
    current = period_of(book.as_of, length)
    watch = Listing("watchlist", ("临近提成档位", "Close to the next band"), WATCH_FIELDS,
                    _watchlist(book, bands, current, found),
                    brief=("channel_id", "sales", "next_band_from", "gap", "gap_units",
                           "extra_commission"))
    return Section(listings=[listing, watch], findings=findings)


def _commission_row(book: Book, bands: Bands, channel: str, period: str, sales: float,
                    target: float | None, orders: list[tuple[str, float]],
                    paid: float) -> Row:
    policy, lang = book.policy, book.lang
    mode = policy.commission_mode
    band = bands.reached(sales) if sales > 0 else None
    rate = 0.0 if band is None else bands.rates[band]
    retroactive, incremental = bands.retroactive(sales), bands.incremental(sales)
    base = retroactive if mode == "retroactive" else incremental
    parts = [_say("commission_sales", lang, sales=_yuan(sales))]
    if sales <= 0:
        parts = [_say("commission_no_sales", lang)]
    elif band is None:
        parts.append(_say("commission_below", lang, start=_yuan(bands.starts[0])))
    elif mode == "retroactive":
        parts.append(_say("commission_retroactive", lang, start=_yuan(bands.starts[band]),
                          sales=_yuan(sales), rate=_percent(rate), base=_yuan(base)))
    else:
        steps = _say("plus", lang).join(
            _say("commission_step", lang, part=_yuan(part), rate=_percent(step))
            for part, step in bands.parts(sales))
        parts.append(_say("commission_incremental", lang, start=_yuan(bands.starts[band]),
                          steps=steps, base=_yuan(base)))
    excess = sales - target if target is not None else 0.0
    target_bonus = policy.commission_target_bonus * excess if excess > 0 else 0.0
    if target_bonus:
        parts.append(_say("commission_target_bonus", lang, target=_yuan(target or 0.0),
                          excess=_yuan(excess), rate=_percent(policy.commission_target_bonus),
                          bonus=_yuan(target_bonus)))
    first_order_bonus = 0.0
    multiplier = policy.first_order_multiplier
    for model, amount in orders:
        # The order's share of the period's commission, paid again (multiplier - 1) times.
        earned = amount * base / sales
        bonus = earned * (multiplier - 1)
        first_order_bonus += bonus
        parts.append(_say("commission_first_order", lang, model=model, amount=_yuan(amount),
                          earned=_yuan(earned), multiplier=f"{multiplier:g}",
                          bonus=_yuan(bonus)))
    uplift = target_bonus + first_order_bonus
    total = base + uplift
    due = total - paid
    if paid:
        parts.append(_say("commission_paid", lang, total=_yuan(total), paid=_yuan(paid)))
    parts.append(_say("commission_due", lang, due=_yuan(due)) if due >= 0
                 else _say("commission_clawback", lang, over=_yuan(-due)))
    return {
        "channel_id": channel, "period": period, "sales": round(sales, 2),
        "band_from": None if band is None else bands.starts[band], "rate": rate,
        "retroactive": round(retroactive, 2), "incremental": round(incremental, 2),
        "mode": mode, "commission": round(base, 2),
        "target": None if target is None else round(target, 2),
        "target_bonus": round(target_bonus, 2), "first_order_bonus": round(first_order_bonus, 2),
        "uplift": round(uplift, 2), "total": round(total, 2), "paid_before": round(paid, 2),
        "due": round(due, 2), "explanation": _explanation(parts, lang),
    }


def _watchlist(book: Book, bands: Bands, current: str, found: _SalesByPeriod) -> list[Row]:
    """Channels whose sales this period are within ``band_watch_pct`` of the next band's
    start: the gap in money and in units at the channel's average price this period, and
    the base commission that reaching the band would add (in the mode in force)."""
    mode, share = book.policy.commission_mode, book.policy.band_watch_pct
    rows: list[Row] = []
    for (channel, period), (sales, units) in found.totals.items():
        if period != current or sales <= 0:
            continue
        position = bisect_right(bands.starts, sales)
        if position == len(bands.starts):
            continue  # already in the top band
        start = bands.starts[position]
        gap = start - sales
        if gap > share * start:
            continue
        average = sales / units
        rows.append({
            "channel_id": channel, "period": period, "sales": round(sales, 2),
            "next_band_from": start, "next_rate": bands.rates[position], "gap": round(gap, 2),
            # Rounded first so that a gap of exactly 3 units is not taken for 3.0000001.
            "gap_units": ceil(round(gap / average, 6)),
            "extra_commission": round(bands.commission(start, mode)
                                      - bands.commission(sales, mode), 2),
        })
    rows.sort(key=lambda row: (row["gap"] / row["next_band_from"], row["channel_id"]))
    return rows


# --- R-36 contests -----------------------------------------------------------------------

CONTEST_WORDS: Final = {"达标": ("达标", "threshold"), "排名": ("排名", "ranking"),
                        "普惠": ("普惠", "universal"), "团队": ("团队", "team")}
CONTEST_FIELDS: Final = (
    Field("contest", "竞赛名称", "Contest"),
    Field("contest_type", "竞赛类型", "Contest type", CONTEST_WORDS),
    Field("date_from", "开始日期", "From", unit="date"),
    Field("date_to", "结束日期", "To", unit="date"),
    Field("model", "型号", "Model"),
    Field("level", "档位", "Level", unit="number"),
    Field("channel_id", "渠道编码", "Channel ID"),
    Field("team", "团队（区域）", "Team (region)"),
    Field("qty", "数量", "Quantity", unit="count"),
    Field("rank", "名次", "Rank", unit="count"),
    Field("reward", "奖励", "Reward", unit="money"),
    Field("explanation", "计算说明", "Explanation"),
)
# What the level of a contest type means, for the missing-level finding (zh, en).
_LEVEL_MEANING: Final = {"达标": ("数量门槛", "the units to reach", "threshold"),
                         "排名": ("名次", "the place", "ranking")}

# A contest: name, type, first and last day, model (None: every model).
_ContestKey = tuple[str, str, date, date, str | None]


class _DailySales:
    """Units sold per day, channel and model from ``first`` to ``last`` (the days of all
    contests together), to add up any contest's dates quickly."""

    def __init__(self, sales: TypedSheet, first: date, last: date) -> None:
        by_day: dict[date, dict[tuple[str, str], int]] = {}
        for day, channel, model, qty in zip(
                *(sales.column(key) for key in ("sale_date", "channel_id", "model", "qty")),
                strict=True):
            if day is None or channel is None or model is None or qty is None \
                    or not first <= day <= last:
                continue
            units = by_day.setdefault(day, {})
            units[channel, model] = units.get((channel, model), 0) + qty
        self._days = sorted(by_day)
        self._by_day = by_day

    def units(self, first: date, last: date, model: str | None) -> dict[str, int]:
        """Units per channel sold from ``first`` to ``last`` (of ``model``, or any)."""
        found: dict[str, int] = {}
        for day in self._days[bisect_left(self._days, first):bisect_right(self._days, last)]:
            for (channel, sold), qty in self._by_day[day].items():
                if model is None or sold == model:
                    found[channel] = found.get(channel, 0) + qty
        return found


def _ranks(totals: Mapping[str, int]) -> dict[str, int]:
    """Competition ranks by units, most first: ties share a rank and the next is skipped."""
    first: dict[int, int] = {}
    for position, qty in enumerate(sorted(totals.values(), reverse=True), 1):
        first.setdefault(qty, position)
    return {name: first[qty] for name, qty in totals.items()}


def _contest_rows(book: Book) -> tuple[dict[_ContestKey, list[tuple[float | None, float]]],
                                       list[Finding]]:
    """The contests of the 竞赛方案 sheet with their (level, reward) rows; rows with the
    last day before the first, or a threshold or ranking row without a level, are
    findings and are left out."""
    sheet = book.sheets.get("contests")
    contests: dict[_ContestKey, list[tuple[float | None, float]]] = {}
    findings: list[Finding] = []
    if sheet is None:
        return contests, findings
    raw_levels = sheet.raw.get("level")
    starts = sheet.column("date_from")
    for index, (name, kind, first, last, model, level, reward) in enumerate(zip(
            *(sheet.column(key) for key in ("contest", "contest_type", "date_from", "date_to",
                                            "model", "level", "reward")), strict=True)):
        if None in (name, kind, first, last, reward):
            continue
        if last < first:
            findings.append(sheet.finding("contest_dates_reversed", "date_to", index,
                                          start=starts[index].isoformat()))
            continue
        if level is None and kind in _LEVEL_MEANING:
            # A level that is there but unreadable was reported by validation already.
            if raw_levels is None or is_blank(raw_levels[index]):
                meaning, meaning_en, kind_en = _LEVEL_MEANING[kind]
                findings.append(_missing_level(sheet, index, kind, kind_en, meaning,
                                               meaning_en))
            continue
        contests.setdefault((name, kind, first, last, model), []).append((level, reward))
    return contests, findings


def _missing_level(sheet: TypedSheet, index: int, kind: str, kind_en: str, meaning: str,
                   meaning_en: str) -> Finding:
    if sheet.has("level"):
        return sheet.finding("contest_level_missing", "level", index, kind=kind,
                             kind_en=kind_en, meaning=meaning, meaning_en=meaning_en)
    # Without a level column the finding points at the row's contest type.
    return sheet.finding("contest_level_missing", "contest_type", index,
                         label=sheet.label("level"), kind=kind, kind_en=kind_en,
                         meaning=meaning, meaning_en=meaning_en)


@reads("contests", "sales", "channels")
def contests(book: Book) -> Section:
    """Winners and rewards of each sales contest (R-36), counting units sold in the
    contest's dates (of its model, or of every model when blank).

    达标 (threshold): every channel reaching a level gets the reward of the highest level
    it reaches, with no limit on winners. 排名 (ranking): channels ranked by units, ties
    sharing a rank; each level is a place and pays its reward to the channels holding it
    (a place skipped by a tie stays vacant). 普惠 (universal): the reward per unit sold.
    团队 (team): channels grouped by their region, teams ranked by units; the level is
    the place (blank: first), and teams tied for it each get the reward.
    """
    found, findings = _contest_rows(book)
    sales = book.sheets.get("sales")
    if sales is None or book.sheets.get("contests") is None:
        return Section(findings=findings)
    rows = []
    if found:
        # Units count up to the as-of date: a contest still running has no later sales.
        daily = _DailySales(sales, min(key[2] for key in found),
                            min(book.as_of, max(key[3] for key in found)))
        rows = _contest_awards(found, daily, book.channel_field("region"), book.lang)
    listing = Listing("contests", ("销售竞赛", "Contests"), CONTEST_FIELDS, rows,
                      brief=("contest", "contest_type", "channel_id", "team", "qty", "rank",
                             "reward"))
    return Section(listings=[listing], findings=findings)


def _contest_awards(found: Mapping[_ContestKey, list[tuple[float | None, float]]],
                    daily: _DailySales, regions: Mapping[str, str], lang: Lang) -> list[Row]:
    """One row per award, contests ending last first (then by name)."""
    rows: list[Row] = []
    # Contests ending last first, then by name, type and model (none: every model).
    by_name = sorted(found, key=lambda key: (key[0], key[1], key[4] or ""))
    for key in sorted(by_name, key=lambda key: (key[3], key[2]), reverse=True):
        name, kind, first, last, model = key
        units = daily.units(first, last, model)
        head: Row = {"contest": name, "contest_type": kind, "date_from": first.isoformat(),
                     "date_to": last.isoformat(), "model": model}
        levels = found[key]
        if kind == "达标":
            awards = _threshold(units, levels, lang)
        elif kind == "排名":
            awards = _ranking(units, levels, lang)
        elif kind == "普惠":
            awards = _universal(units, levels, lang)
        else:
            awards = _team(units, levels, regions, lang)
        rows.extend({**head, **award} for award in awards)
    return rows


def _award(level: float | None, qty: int, reward: float, explanation: str, *,
           channel: str | None = None, team: str | None = None,
           rank: int | None = None) -> Row:
    return {"level": level, "channel_id": channel, "team": team, "qty": qty, "rank": rank,
            "reward": round(reward, 2), "explanation": explanation}


def _by_units(units: Mapping[str, int]) -> list[tuple[str, int]]:
    return sorted(units.items(), key=lambda item: (-item[1], item[0]))


def _threshold(units: Mapping[str, int], levels: Iterable[tuple[float | None, float]],
               lang: Lang) -> list[Row]:
    # Of two rows with the same level, the later one counts.
    steps = sorted({level: reward for level, reward in levels if level is not None}.items())
    starts = [level for level, _ in steps]
    awards = []
    for channel, qty in _by_units(units):
        position = bisect_right(starts, qty)
        if position:
            level, reward = steps[position - 1]
            awards.append(_award(level, qty, reward,
                                 _say("contest_threshold", lang, qty=qty, level=f"{level:g}",
                                      reward=_yuan(reward)),
                                 channel=channel))
    return awards


def _ranking(units: Mapping[str, int], levels: Iterable[tuple[float | None, float]],
             lang: Lang) -> list[Row]:
    ranks, ordered = _ranks(units), _by_units(units)
    awards = []
    for place, reward in sorted((level, reward) for level, reward in levels
                                if level is not None):
        holders = [(channel, qty) for channel, qty in ordered if ranks[channel] == place]
        if not holders:
            awards.append(_award(place, 0, 0.0,
                                 _say("contest_place_vacant", lang, place=f"{place:g}")))
        for channel, qty in holders:
            tie = _say("contest_tie", lang) if len(holders) > 1 else ""
            awards.append(_award(place, qty, reward,
                                 _say("contest_rank", lang, qty=qty, rank=ranks[channel],
                                      tie=tie, reward=_yuan(reward)),
                                 channel=channel, rank=ranks[channel]))
    return awards


def _universal(units: Mapping[str, int], levels: Iterable[tuple[float | None, float]],
               lang: Lang) -> list[Row]:
    return [_award(level, qty, qty * reward,
                   _say("contest_universal", lang, qty=qty, reward=_yuan(reward)),
                   channel=channel)
            for level, reward in levels for channel, qty in _by_units(units)]


def _team(units: Mapping[str, int], levels: Iterable[tuple[float | None, float]],
          regions: Mapping[str, str], lang: Lang) -> list[Row]:
    # Channels without a known region belong to no team.
    teams: dict[str, int] = {}
    members: dict[str, int] = {}
    for channel, qty in units.items():
        region = regions.get(channel)
        if region is not None:
            teams[region] = teams.get(region, 0) + qty
            members[region] = members.get(region, 0) + 1
    ranks, ordered = _ranks(teams), _by_units(teams)
    awards = []
    for level, reward in levels:
        place = 1 if level is None else level
        holders = [(team, qty) for team, qty in ordered if ranks[team] == place]
        if not holders:
            awards.append(_award(level, 0, 0.0,
                                 _say("team_place_vacant", lang, place=f"{place:g}")))
        for team, qty in holders:
            tie = _say("team_tie", lang) if len(holders) > 1 else ""
            awards.append(_award(level, qty, reward,
                                 _say("contest_team", lang, team=team, members=members[team],
                                      qty=qty, rank=ranks[team], tie=tie,
                                      reward=_yuan(reward)),
                                 team=team, rank=ranks[team]))
    return awards


# --- R-37 payment terms ----------------------------------------------------------------

PAYMENT_FIELDS: Final = (
    Field("channel_id", "渠道编码", "Channel ID"),
    Field("statement_month", "账单月份", "Statement month", unit="month"),
    Field("close_date", "结账日", "Closes on", unit="date"),
    Field("due_date", "付款截止日", "Due by", unit="date"),
    Field("amount", "应付货款", "Amount", unit="money"),
    Field("paid", "已付", "Paid", unit="money"),
    Field("unpaid", "未付", "Unpaid", unit="money"),
    Field("overdue", "逾期未付", "Overdue", unit="money"),
    Field("paid_late", "逾期支付", "Paid late", unit="money"),
    Field("paid_early", "结账日前付清", "Paid by the close", unit="money"),
    Field("discount", "提前付款折扣", "Early-payment discount", unit="money"),
    Field("explanation", "说明", "Explanation"),
)


def _day_in(year: int, month: int, day: int) -> date:
    """Day ``day`` of a month, or its last day when the month is shorter."""
    return date(year, month, max(1, min(day, monthrange(year, month)[1])))


@dataclass(frozen=True)
class _Statement:
    month: str
    close: date
    due: date


@dataclass(slots=True)
class _Account:
    """The sales of one channel on one statement."""

    statement: _Statement
    amount: float = 0.0
    paid: float = 0.0
    overdue: float = 0.0
    paid_late: float = 0.0
    paid_early: float = 0.0


def _statement(day: date, close_day: int, due_day: int) -> _Statement:
    """The statement of a sale day: statements close on ``close_day`` of each month (a
    sale after it goes on next month's) and are due by ``due_day`` of the month after."""

    def made(year: int, month: int) -> _Statement:
        return _Statement(f"{year:04d}-{month:02d}", _day_in(year, month, close_day),
                          _day_in(*_next_month(year, month), due_day))

    this = made(day.year, day.month)
    return this if day <= this.close else made(*_next_month(day.year, day.month))


def _next_month(year: int, month: int) -> tuple[int, int]:
    return (year + 1, 1) if month == 12 else (year, month + 1)


@reads("sales")
def payments(book: Book) -> Section:
    """Sales amounts by channel and statement month, what is paid, overdue, paid late,
    and the early-payment discount (R-37).

    A sale is on the statement of its month when made on or before the close day
    (``statement_close_day``, or the month's last day when the month is shorter), else
    on next month's; the statement is due by ``payment_due_day`` of the month after.
    A sale paid on or before its statement's close date earns ``early_payment_discount``
    of its amount. A sale still unpaid after its due date (as of the as-of date) and a
    sale paid after it are warnings at its 回款日期 cell.
    """
    sales = book.sheets.get("sales")
    if sales is None or not sales.has("paid_date"):
        return Section()  # payments are not tracked in this workbook
    policy, as_of = book.policy, book.as_of
    statements = Memo(partial(_statement, close_day=policy.statement_close_day,
                              due_day=policy.payment_due_day))  # once per sale day
    accounts: dict[tuple[str, str], _Account] = {}
    makers: dict[tuple[str, str], Callable[[int], Finding]] = {}
    findings = []
    raw = sales.raw["paid_date"]
    for index, (day, channel, qty, price, paid) in enumerate(zip(
            *(sales.column(key) for key in ("sale_date", "channel_id", "qty", "unit_price",
                                            "paid_date")), strict=True)):
        if day is None or channel is None or qty is None or price is None or day > as_of or (
                paid is None and sales.lacks("paid_date", index)):  # not tracked there
            continue
        statement = statements[day]
        account = accounts.get((channel, statement.month))
        if account is None:
            account = accounts[channel, statement.month] = _Account(statement)
        amount = qty * price
        account.amount += amount
        if paid is not None:
            account.paid += amount
            if paid <= statement.close:
                account.paid_early += amount
            elif paid > statement.due:
                account.paid_late += amount
                findings.append(_payment_finding(book, sales, makers, "payment_late",
                                                 statement, index))
        # A paid date that could not be read was reported by validation already.
        elif as_of > statement.due and is_blank(raw[index]):
            account.overdue += amount
            findings.append(_payment_finding(book, sales, makers, "payment_overdue",
                                             statement, index))
    # Newest statement first, then by channel.
    keys = sorted(sorted(accounts), key=itemgetter(1), reverse=True)
    rows = Rows(keys, lambda key: _payment_row(key[0], accounts[key],
                                               policy.early_payment_discount, book.lang),
                channel=itemgetter(0))
    listing = Listing("payments", ("货款结算", "Payments"), PAYMENT_FIELDS, rows,
                      brief=("channel_id", "statement_month", "due_date", "amount", "paid",
                             "overdue", "discount"))
    return Section(listings=[listing], findings=findings)


def _payment_finding(book: Book, sales: TypedSheet,
                     makers: dict[tuple[str, str], Callable[[int], Finding]], code: str,
                     statement: _Statement, index: int) -> Finding:
    """A finding at a sale's paid-date cell, made by one maker per code and statement:
    unpaid sales can come by the ten thousand."""
    make = makers.get((code, statement.month))
    if make is None:
        make = makers[code, statement.month] = sales.cell_findings(
            code, "paid_date",
            {"month": statement.month, "due": statement.due.isoformat(),
             "as_of": book.as_of.isoformat()})
    return make(index)


def _payment_row(channel: str, account: _Account, discount_rate: float, lang: Lang) -> Row:
    statement = account.statement
    close, due = statement.close.isoformat(), statement.due.isoformat()
    unpaid = account.amount - account.paid
    discount = account.paid_early * discount_rate
    parts = [_say("payment_statement", lang, month=statement.month, close=close, due=due,
                  amount=_yuan(account.amount))]
    if account.paid_early and discount:
        parts.append(_say("payment_early", lang, paid=_yuan(account.paid_early),
                          rate=_percent(discount_rate), discount=_yuan(discount)))
    if account.paid_late:
        parts.append(_say("payment_late", lang, amount=_yuan(account.paid_late)))
    if account.overdue:
        parts.append(_say("payment_overdue", lang, amount=_yuan(account.overdue)))
    elif unpaid > 0:
        parts.append(_say("payment_unpaid", lang, amount=_yuan(unpaid)))
    return {
        "channel_id": channel, "statement_month": statement.month,
        "close_date": close, "due_date": due,
        "amount": round(account.amount, 2), "paid": round(account.paid, 2),
        "unpaid": round(unpaid, 2), "overdue": round(account.overdue, 2),
        "paid_late": round(account.paid_late, 2), "paid_early": round(account.paid_early, 2),
        "discount": round(discount, 2), "explanation": _explanation(parts, lang),
    }


SCORERS: Final[tuple[Scorer, ...]] = (rebates, commission, contests, payments)
