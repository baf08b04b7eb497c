"""Reading one column of a standard sheet into typed values.

A column is read in one pass: blank cells become ``None`` (and a finding when the
column is required), other cells go through the parser of the column's kind, and
values that cannot be read become ``None`` plus a finding. Ranges and dates in the
future are checked on the typed values. This runs over every cell of a workbook, so
it works a column at a time and keeps the common case (a cell already of the right
type) cheap.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence, Set
from dataclasses import dataclass
from datetime import date, time
from itertools import compress, repeat
from operator import is_, is_not
from typing import Any, Final, NamedTuple

from chantool import coerce
from chantool.coerce import Cell, CellError
from chantool.settings import Column, Kind


@dataclass(slots=True)
class Problem:
    """A cell of the column that cannot be used: its index in the column and why. Not
    frozen: frozen dataclasses are several times slower to make, and large sheets make
    problems by the ten thousand."""

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
_NONE_TYPE: Final = type(None)
_NO_FIELDS: Final[dict[str, Any]] = {}  # shared by many problems: never changed
# Tables for ``map(table.get, cells, cells)``: a cell found in the table becomes its
# entry, any other cell stays as it is, at C speed.
_EMPTY_TO_NONE: Final[dict[Any, Any]] = {"": None}
_NONE_TO_EMPTY: Final[dict[Any, Any]] = {None: ""}
_ERRORS_AND_EMPTY: Final = coerce.EXCEL_ERRORS | {""}


class _Quick(NamedTuple):
    """What the quick first pass made of a column."""

    values: list[Any]  # typed values, None where blank, _SLOW for the parsers
    slow: list[int]  # the indexes of the _SLOW values, in order
    blanks: bool  # False when no value is None: then there is no blank to look for


def _quick_pass(kind: Kind, cells: Sequence[Cell], choices: Sequence[str]) -> _Quick:
    """Type the cells that are empty (``None``) or already have the column's type or a
    common exact spelling, with C-speed built-ins where the column allows: the bulk of a
    large sheet. Every other cell becomes ``_SLOW``, for the parsers."""
    slow = _SLOW
    if kind is Kind.CHOICE or kind is Kind.YES_NO:
        words: dict[Any, Any] = (
            {choice: choice for choice in choices} if kind is Kind.CHOICE else _YES_NO_WORDS)
        words[""] = words[None] = None
        values = list(map(words.get, cells, repeat(slow)))
        return _Quick(values, _indexes(values, slow), True)
    if kind is Kind.TEXT:
        return _quick_text(cells)
    if kind is Kind.INTEGER:
        return _quick_integer(cells)
    ready = {Kind.NUMBER: float, Kind.DATE: date, Kind.TIME: time}.get(kind)
    kinds = list(map(type, cells))  # the cells' types, looked at twice below
    types = set(kinds)
    values = list(cells)
    if types == {ready}:
        return _Quick(values, [], False)
    # Only the cells of another type (and not already None) are looked at one by one.
    usual = (_NONE_TYPE,) if ready is None else (ready, _NONE_TYPE)
    blanks = _NONE_TYPE in types
    slow_indexes = []
    for index in _other_types(kinds, usual):
        if values[index] == "":
            values[index] = None
            blanks = True
        else:
            values[index] = slow
            slow_indexes.append(index)
    return _Quick(values, slow_indexes, blanks)


def _quick_text(cells: Sequence[Cell]) -> _Quick:
    """The quick pass of a text column: trimmed text, ``None`` for blanks. Cells that are
    exactly an Excel error value, or not text, are left to the parser."""
    errors = coerce.EXCEL_ERRORS
    types = set(map(type, cells))
    values: list[Any]
    if not types <= {str, _NONE_TYPE}:
        values = [(c.strip() or None) if type(c) is str and c not in errors
                  else None if c is None else _SLOW for c in cells]
        return _Quick(values, _indexes(values, _SLOW), True)
    # Text and blanks only: None -> "" -> trimmed -> None, every step at C speed.
    texts = cells if _NONE_TYPE not in types else list(map(_NONE_TO_EMPTY.get, cells, cells))
    values = list(map(str.strip, texts))  # type: ignore[arg-type]
    # An error value has no spaces to trim, so the trimmed texts show any error cell too:
    # one pass over them settles the usual column, with no blank and no error.
    if _ERRORS_AND_EMPTY.isdisjoint(values):
        return _Quick(values, [], False)
    blanks = "" in values
    if blanks:
        values = list(map(_EMPTY_TO_NONE.get, values, values))
    if errors.isdisjoint(values):
        return _Quick(values, [], blanks)
    slow = list(compress(range(len(values)), map(errors.__contains__, cells)))
    for index in slow:
        values[index] = _SLOW
    return _Quick(values, slow, blanks)


def _quick_integer(cells: Sequence[Cell]) -> _Quick:
    """The quick pass of a whole-number column: whole floats become ints, blanks None."""
    types = set(map(type, cells))
    if types == {float} and all(map(float.is_integer, cells)):  # type: ignore[arg-type]
        return _Quick(list(map(int, cells)), [], False)  # type: ignore[arg-type]
    # Counts take few distinct values (the first hundred cells tell): each is typed once,
    # then looked up at C speed. Floats, text and None never clash as dict keys (as 1.0,
    # 1 and True would).
    values: list[Any] | None = None
    if types <= {float, str, _NONE_TYPE} and len(set(cells[:100])) <= 25:
        distinct = list(set(cells))
        if len(distinct) * 4 <= len(cells):
            table = dict(zip(distinct, _whole_numbers(distinct), strict=True))
            values = list(map(table.__getitem__, cells))
    if values is None:
        values = _whole_numbers(cells)
    return _Quick(values, _indexes(values, _SLOW), True)


def _whole_numbers(cells: Iterable[Cell]) -> list[Any]:
    """Whole floats as ints, blanks as None, any other cell ``_SLOW``."""
    return [int(c) if type(c) is float and c.is_integer()
            else None if c == "" or c is None else _SLOW for c in cells]


def _other_types(kinds: list[type], types: tuple[type, ...]) -> Iterator[int]:
    """Indexes of the ``kinds`` that are none of ``types``, found at C speed: the table
    answers False for those types and the default True for any other."""
    usual = dict.fromkeys(types, False)
    return compress(range(len(kinds)), map(usual.get, kinds, repeat(True)))


def _indexes(values: list[Any], marker: object) -> list[int]:
    """Indexes of the values that are ``marker`` itself (no value equals a marker without
    being it). ``list.count`` and ``list.index`` run at C speed without making an index
    per value, so a column with few or no markers costs about one pass."""
    count = values.count(marker)
    if count * 16 > len(values):
        return list(compress(range(len(values)), map(is_, values, repeat(marker))))
    found: list[int] = []
    index = -1
    for _ in range(count):
        index = values.index(marker, index + 1)
        found.append(index)
    return found


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
    values, slow, blanks = _quick_pass(kind, cells, choices)
    if merged:
        for index in merged:
            values[index] = None
        slow = [index for index in slow if index not in merged]
    problems: list[Problem] = []
    if column.required and blanks:
        problems.extend(Problem(index, "required_missing", _NO_FIELDS)
                        for index in _indexes(values, None) if index not in merged)
    # A bad text tends to repeat down a column (the same typo, #N/A): each distinct text
    # is read once. Only text is remembered: 1, 1.0 and True are equal dict keys.
    outcomes: dict[str, tuple[Any, str | None]] = {}
    listed = {"choices": "、".join(choices)}
    for index in slow:
        cell = cells[index]
        if type(cell) is str:
            outcome = outcomes.get(cell)
            if outcome is None:
                outcome = outcomes[cell] = _read_cell(parse, cell, column.required)
        else:
            outcome = _read_cell(parse, cell, column.required)
        values[index], code = outcome
        if code is not None:
            problems.append(Problem(index, code, listed if code == "bad_choice" else _NO_FIELDS))
    if column.minimum is not None or column.maximum is not None or column.not_future:
        present = list(compress(values, map(is_not, values, repeat(None))))
        if present:
            problems.extend(_range_problems(column, values, present, as_of))
    return values, problems


def _read_cell(
    parse: Callable[[Cell], Any], cell: Cell, required: bool
) -> tuple[Any, str | None]:
    """A cell left to the parser: its value and ``None``, or ``None`` and why not."""
    if coerce.is_blank(cell):
        return None, "required_missing" if required else None
    try:
        return parse(cell), None
    except CellError as error:
        return None, error.code


def _range_problems(
    column: Column, values: list[Any], present: list[Any], as_of: date
) -> list[Problem]:
    """Values outside the column's range, or dates after the as-of date; the extremes of
    the ``present`` values are looked at first, so a column all in range costs little."""
    if column.not_future:
        if max(present) <= as_of:
            return []
        fields = {"as_of": as_of.isoformat()}
        return [Problem(index, "date_in_future", fields)
                for index, value in enumerate(values) if value is not None and value > as_of]
    least, most = min(present), max(present)
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
