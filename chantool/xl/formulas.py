"""The cell functions (UDFs) as plain Python: each the engine's function, thinly wrapped.

Inputs arrive as Excel hands them over: a single cell as a value, a range as a 2-D list
(rows of cells), ``None`` for an empty cell, floats for every number, datetimes for
dates. A function's first arguments may be ranges as well as single cells: it then
answers cell by cell with a range of the same shape (an array result). Tables (price,
rebate, commission tables; the 参数 sheet) are ranges that include their header row,
whose labels are those of the standard sheet, so a table copied from a template works.

Nothing here raises to Excel: a problem becomes a short Chinese text in the cell
starting with ``#``, and an unexpected error's details go to the log.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any, Final

from chantool.book import Book, TypedSheet
from chantool.coerce import CellError, parse_date, parse_number
from chantool.errors import log_exception
from chantool.rules.prices import InForce
from chantool.scoring.money import bands_of, rebate_for
from chantool.scoring.value import grade_of
from chantool.scoring.visits import VisitTargets
from chantool.settings import POLICY_SHEET, SHEETS_BY_KIND
from chantool.table import RawSheet
from chantool.validate import read_book
from chantool.workdays import WorkCalendar

Answer = str | float | int | None
Grid = list[list[Any]]

NOT_A_NUMBER: Final = "#不是数字"
NOT_A_DATE: Final = "#不是日期"
NO_TABLE: Final = "#表格无法识别（须含表头行）"
NO_ROW: Final = "#表中无此型号和渠道类型"
NO_TARGET: Final = "#无拜访目标"
FAILED: Final = "#计算出错（详情见日志）"
TOP_BAND: Final = "已达最高档"
PRICE_OK: Final = "正常"


class Problem(Exception):
    """A cell's problem, already worded for the cell."""


# --- shapes -----------------------------------------------------------------------------

def _is_grid(value: Any) -> bool:
    return isinstance(value, list)


def _grid(value: Any) -> Grid:
    """A range as rows; a 1-D list (one row or column as xlwings may give it) as a row."""
    if not value:
        return [[None]]
    if all(isinstance(row, list) for row in value):
        return [list(row) for row in value]
    return [list(value)]


def cellwise(function: Callable[..., Answer], *values: Any) -> Any:
    """``function`` applied cell by cell over its range arguments, which must all have
    the same shape (single values repeat); a single answer when every argument is one
    cell, else a range of answers."""
    grids = [_grid(value) if _is_grid(value) else None for value in values]
    shapes = {(len(grid), len(grid[0])) for grid in grids if grid is not None}
    shapes.discard((1, 1))
    if len(shapes) > 1:
        return "#区域大小不一致"
    if not shapes:
        return _safely(function, *(grid[0][0] if grid is not None else value
                                   for grid, value in zip(grids, values, strict=True)))
    rows, columns = shapes.pop()

    def at(index: int, row: int, column: int) -> Any:
        grid = grids[index]
        if grid is None:
            return values[index]
        return grid[0][0] if (len(grid), len(grid[0])) == (1, 1) else grid[row][column]

    return [[_safely(function, *(at(index, row, column) for index in range(len(values))))
             for column in range(columns)] for row in range(rows)]


def _safely(function: Callable[..., Answer], *arguments: Any) -> Answer:
    try:
        return function(*arguments)
    except Problem as problem:
        return str(problem)
    except Exception as error:  # a cell shows a short text, the log the details
        log_exception(error)
        return FAILED


def _number(value: Any) -> float:
    if value is None or value == "":
        raise Problem(NOT_A_NUMBER)
    try:
        return parse_number(value)
    except CellError:
        raise Problem(NOT_A_NUMBER) from None


def _day(value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return parse_date(value)
    except CellError:
        raise Problem(NOT_A_DATE) from None


def _text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # a numeric model number comes through as 100.0
    return "" if value is None else str(value).strip()


def _book(table: Any, sheet_name: str, on: date | None = None) -> Book:
    """A table range typed by the engine as the standard sheet ``sheet_name``."""
    rows = _grid(table) if _is_grid(table) else []
    return read_book([RawSheet(sheet_name, rows)] if rows else [],
                     as_of=on or date.today(), lang="zh")


def _sheet(table: Any, kind: str) -> TypedSheet:
    sheet = _book(table, SHEETS_BY_KIND[kind].name).sheets.get(kind)
    if sheet is None or not len(sheet):
        raise Problem(NO_TABLE)
    return sheet


# --- the functions ------------------------------------------------------------------------

def rebate(qty: Any, table: Any, model: Any, channel_type: Any, on: Any = None) -> Any:
    """CT_REBATE: the rebate on a quantity under the 返利政策 row in force for the model
    and channel type on the date (default today): pick-up rebate on every unit, volume
    rebate on every unit once the threshold is reached (R-34)."""
    try:
        sheet = _sheet(table, "rebates")
    except Problem as problem:
        return str(problem)
    in_force = InForce(sheet, ("model", "channel_type"))
    pickup, threshold, volume = (sheet.column(key) for key in
                                 ("pickup_rebate", "volume_threshold", "volume_rebate"))

    def one(qty: Any, model: Any, channel_type: Any, on: Any) -> Answer:
        count = _number(qty)
        row = in_force.row((_text(model), _text(channel_type)),
                           date.today() if on in (None, "") else _day(on))
        if row is None:
            raise Problem(NO_ROW)
        return rebate_for(count, pickup[row], threshold[row], volume[row])

    return cellwise(one, qty, model, channel_type, on)


def visit_target(care_level: Any, tier: Any = None, channel_type: Any = None,
                 policy: Any = None) -> Any:
    """CT_VISIT_TARGET: on-site visits a channel needs in its period, by care level (R-01)
    or, when the policy (a 参数 table range) selects the tier scheme, by tier or
    channel type (R-02)."""
    targets = VisitTargets(_book(policy, POLICY_SHEET[0]))

    def one(care_level: Any, tier: Any, channel_type: Any) -> Answer:
        found = targets.target(_text(care_level), _text(tier), _text(channel_type))
        if found is None:
            raise Problem(NO_TARGET)
        return found[0]

    return cellwise(one, care_level, tier, channel_type)


def band_gap(sales: Any, bands: Any) -> Any:
    """CT_BAND_GAP: how much more sales reach the next commission band of a 提成档位
    table (R-35); 已达最高档 when the top band is reached."""
    try:
        sheet = _sheet(bands, "commission")
    except Problem as problem:
        return str(problem)
    table = bands_of(sheet)
    if table is None:
        return NO_TABLE

    def one(sales: Any) -> Answer:
        amount = _number(sales)
        reached = table.reached(amount)
        following = 0 if reached is None else reached + 1
        if following >= len(table.starts):
            return TOP_BAND
        return round(table.starts[following] - amount, 2)

    return cellwise(one, sales)


def workdays(start: Any, end: Any, policy: Any = None) -> Any:
    """CT_WORKDAYS: working days after the start date up to and including the end date on
    the Chinese calendar, with the policy's holidays and extra working days."""
    settings = _book(policy, POLICY_SHEET[0]).policy
    calendar = WorkCalendar(settings.holidays, settings.workdays)

    def one(start: Any, end: Any) -> Answer:
        return calendar.workdays_between(_day(start), _day(end))

    return cellwise(one, start, end)


def grade(score: Any, policy: Any = None) -> Any:
    """CT_GRADE: the channel grade A/B/C for a score (R-41), by the policy's thresholds."""
    settings = _book(policy, POLICY_SHEET[0]).policy

    def one(score: Any) -> Answer:
        return grade_of(round(_number(score), 1), settings)

    return cellwise(one, score)


def price_check(price: Any, table: Any, model: Any, channel_type: Any, on: Any = None) -> Any:
    """CT_PRICE_CHECK: a selling price against the 价格表 row in force for the model and
    channel type on the date (default today): below the floor price is dumping (R-32)."""
    try:
        sheet = _sheet(table, "prices")
    except Problem as problem:
        return str(problem)
    in_force = InForce(sheet, ("model", "channel_type"))
    floors = sheet.column("floor_price") if sheet.has("floor_price") else [None] * len(sheet)

    def one(price: Any, model: Any, channel_type: Any, on: Any) -> Answer:
        amount = _number(price)
        row = in_force.row((_text(model), _text(channel_type)),
                           date.today() if on in (None, "") else _day(on))
        if row is None:
            raise Problem(NO_ROW)
        floor = floors[row]
        if floor is not None and amount < floor:
            return f"低于最低限价 {floor:g}"
        return PRICE_OK

    return cellwise(one, price, model, channel_type, on)

