"""Reading one column of a standard sheet into typed values.

A column is read in one pass: blank cells become ``None`` (and a finding when the
column is required), other cells go through the parser of the column's kind, and
values that cannot be read become ``None`` plus a finding. Ranges and dates in the
future are checked on the typed values. This runs over every cell of a workbook, so
it works a column at a time and keeps the common case (a cell already of the right
type) cheap.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence, Set
from dataclasses import dataclass
from datetime import date, time
from itertools import compress, repeat
from operator import is_, is_not
from typing import Any, Final

from chantool import coerce
from chantool.coerce import Cell, CellError
from chantool.settings import Column, Kind


@dataclass(frozen=True)
class Problem:
    """A cell of the column that cannot be used: its index in the column and why."""

    index: int
    code: str
    fields: dict[str, Any]


def _choice_parser(choices: Sequence[str]) -> Callable[[Cell], str]:
    exact = {choice: choice for choice in choices}
    folded = {coerce.fold_key(choice): choice for choice in choices}

    def parse(value: Cell) -> str:
        if isinstance(value, str):
            found = exact.get(value)
            if found is not None:
                return found
        text = coerce.parse_text(value)
        found = folded.get(coerce.fold_key(text))
        if found is None:
            raise CellError("bad_choice")
        return found

    return parse


_PARSERS: Final[dict[Kind, Callable[[Cell], Any]]] = {
    Kind.TEXT: coerce.parse_text,
    Kind.INTEGER: coerce.parse_integer,
    Kind.NUMBER: coerce.parse_number,
    Kind.RATE: coerce.parse_rate,
    Kind.DATE: coerce.parse_date,
    Kind.TIME: coerce.parse_time,
    Kind.YES_NO: coerce.parse_yes_no,
    Kind.MONTH: coerce.parse_month,
}


def bounds_text(column: Column) -> tuple[str, str]:
    """The allowed range of a column in words (Chinese, English)."""
    low, high = column.minimum, column.maximum
    shown_low = coerce.parse_text(low) if low is not None else ""
    shown_high = coerce.parse_text(high) if high is not None else ""
    if low is not None and high is not None:
        return f"在 {shown_low} 到 {shown_high} 之间", f"between {shown_low} and {shown_high}"
    if column.exclusive_minimum:
        return f"大于 {shown_low}", f"above {shown_low}"
    return f"不小于 {shown_low}", f"at least {shown_low}"


class _Slow:
    """Marks a cell the quick first pass could not type; the parsers look at it."""


_SLOW: Final = _Slow()
_YES_NO_WORDS: Final = {"是": True, "否": False, "Y": True, "N": False}


def _quick_pass(kind: Kind, cells: Sequence[Cell], choices: Sequence[str]) -> list[Any]:
    """Type the cells that are empty (``None``) or already have the column's type or a
    common exact spelling, with C-speed built-ins where the column allows: the bulk of a
    large sheet. Every other cell becomes ``_SLOW``, for the parsers."""
    slow = _SLOW
    if kind is Kind.CHOICE or kind is Kind.YES_NO:
        words: dict[Any, Any] = (
            {choice: choice for choice in choices} if kind is Kind.CHOICE else _YES_NO_WORDS)
        words[""] = words[None] = None
        return list(map(words.get, cells, repeat(slow)))
    types = set(map(type, cells))
    if kind is Kind.TEXT:
        errors = coerce.EXCEL_ERRORS
        if types == {str} and errors.isdisjoint(cells):
            return [text or None for text in map(str.strip, cells)]  # type: ignore[arg-type]
        if types <= {str, type(None)} and errors.isdisjoint(cells):  # optional text
            texts: list[Any] = list(cells)
            for index in compress(range(len(texts)), map(is_, map(type, cells), repeat(str))):
                texts[index] = texts[index].strip() or None
            return texts
        return [(c.strip() or None) if type(c) is str and c not in errors
                else None if c is None else slow for c in cells]
    if kind is Kind.INTEGER:
        return [int(c) if type(c) is float and c.is_integer()
                else None if c == "" or c is None else slow for c in cells]
    ready = {Kind.NUMBER: float, Kind.DATE: date, Kind.TIME: time}.get(kind)
    values: list[Any] = list(cells)
    if types == {ready}:
        return values
    # Only the cells of another type are looked at one by one.
    for index in compress(range(len(values)), map(is_not, map(type, cells), repeat(ready))):
        cell = values[index]
        values[index] = None if cell is None or cell == "" else slow
    return values


def _indexes(values: list[Any], marker: object) -> list[int]:
    """Indexes of the values that are ``marker`` itself."""
    return list(compress(range(len(values)), map(is_, values, repeat(marker))))


def read_column(
    column: Column,
    cells: Sequence[Cell],
    *,
    choices: Sequence[str] = (),
    as_of: date,
    merged: Set[int] = frozenset(),
) -> tuple[list[Any], list[Problem]]:
    """Typed values of one column (``None`` where blank or unreadable) and the problems.
    Cells at the ``merged`` indexes are covered by a merge and have no value of their own."""
    kind = column.kind
    parse = _choice_parser(choices) if kind is Kind.CHOICE else _PARSERS[kind]
    values = _quick_pass(kind, cells, choices)
    for index in merged:
        values[index] = None
    problems: list[Problem] = []
    if column.required:
        problems.extend(Problem(index, "required_missing", {})
                        for index in _indexes(values, None) if index not in merged)
    for index in _indexes(values, _SLOW):
        cell = cells[index]
        values[index] = None
        if coerce.is_blank(cell):
            if column.required:
                problems.append(Problem(index, "required_missing", {}))
            continue
        try:
            values[index] = parse(cell)
        except CellError as error:
            fields = {"choices": "、".join(choices)} if error.code == "bad_choice" else {}
            problems.append(Problem(index, error.code, fields))
    if column.minimum is not None or column.maximum is not None or column.not_future:
        present = [value for value in values if value is not None]
        if present:
            problems.extend(_range_problems(column, values, min(present), max(present), as_of))
    return values, problems


def _range_problems(
    column: Column, values: list[Any], least: Any, most: Any, as_of: date
) -> list[Problem]:
    """Values outside the column's range, or dates after the as-of date; the extremes of
    the column are looked at first, so a column that is all in range costs little."""
    if column.not_future:
        if most <= as_of:
            return []
        fields = {"as_of": as_of.isoformat()}
        return [Problem(index, "date_in_future", fields)
                for index, value in enumerate(values) if value is not None and value > as_of]
    low = column.minimum if column.minimum is not None else float("-inf")
    high = column.maximum if column.maximum is not None else float("inf")
    exclusive = column.exclusive_minimum
    if (least > low and most <= high) or (least == low and not exclusive and most <= high):
        return []
    bounds, bounds_en = bounds_text(column)
    problems = []
    for index, value in enumerate(values):
        if value is not None and (value < low or value > high or (exclusive and value == low)):
            problems.append(
                Problem(index, "out_of_range", {"bounds": bounds, "bounds_en": bounds_en})
            )
            values[index] = None
    return problems
