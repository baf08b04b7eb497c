"""How values look wherever chantool shows them: one place for each.

A listing's rows keep their values as the engine computed them (a rate 0.45, an amount
54025.84, a date ``"2025-06-29"``); each field's ``unit`` says what they are. The edges
format them here:

- a sheet (the 评分 sheet, reports, templates) gets typed cells, numbers as numbers and
  dates as Excel dates (``sheet_value``), with the number format of their unit
  (``NUMBER_FORMATS``), in columns as wide as their text (``column_width``);
- the terminal gets text (``text``): money with its fen and thousands separators
  (``54,025.84``), rates as percentages (``45.0%``);
- JSON gets the rows as they are.

Widths count display columns: a Chinese (wide) character takes two (``display_width``).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping
from datetime import date, time
from types import NoneType
from typing import Any, Final, cast

from chantool.findings import Lang
from chantool.listings import Field, Unit

# Excel's number format for each unit (``text`` keeps what is typed as text).
NUMBER_FORMATS: Final[Mapping[Unit, str]] = {
    "text": "@",
    "count": "0",
    "number": "General",  # scores and the like, rounded by the engine as they matter
    "money": "#,##0.00",
    "rate": "0.0%",
    "date": "yyyy-mm-dd",
    "month": "yyyy-mm",
    "time": "hh:mm",
}
# Units whose values are numbers in a sheet, and so stand right-aligned in the terminal.
NUMERIC: Final[frozenset[Unit]] = frozenset({"count", "number", "money", "rate"})
# The values a sheet takes as they are, by unit (a column of only these needs no work).
_AS_THEY_ARE: Final[Mapping[Unit, tuple[type, ...]]] = {
    **{unit: (int, float, NoneType) for unit in NUMERIC}, "text": (str, NoneType)}
# Excel's day zero: serial 1 is 1900-01-01, counting the 1900-02-29 Excel believes in.
_DAY_ZERO: Final = date(1899, 12, 30)
_YES_NO: Final = {"zh": ("是", "否"), "en": ("yes", "no")}
# Column widths in a sheet: room for a margin, and limits so that one long explanation
# does not make a column wider than a screen.
_MARGIN: Final = 2
MIN_WIDTH: Final = 6
MAX_WIDTH: Final = 60
HEADING_WIDTH: Final = 24

Value = str | float | int | None


def display_width(text: str) -> int:
    """Columns a text takes on screen: wide (CJK) characters count two."""
    if text.isascii():
        return len(text)
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)


def column_width(texts: Iterable[str], heading: str = "") -> float:
    """An Excel column width (in characters) that shows the widest of ``texts`` whole,
    within ``MIN_WIDTH`` and ``MAX_WIDTH``; a ``heading`` wider than ``HEADING_WIDTH``
    wraps (the header style wraps) rather than widen the column further."""
    widest = min(display_width(heading), HEADING_WIDTH)
    # Longest first: a text of n characters takes at most 2n columns, so the search
    # stops early on a column of many texts.
    for candidate in sorted(set(texts), key=len, reverse=True):
        if 2 * len(candidate) <= widest or widest + _MARGIN >= MAX_WIDTH:
            break
        widest = max(widest, display_width(candidate))
    return float(min(max(widest + _MARGIN, MIN_WIDTH), MAX_WIDTH))


def field_width(field: Field, values: Iterable[Value], lang: Lang) -> float:
    """The width of a column of a field's sheet values (``sheet_value``), shown in its
    unit's number format, under the field's heading."""
    distinct = set(values)
    distinct.discard(None)
    kinds = set(map(type, distinct))
    texts: list[str]
    numbers: list[float]
    if kinds <= {str}:  # a column of text, or of numbers: no value to tell apart
        texts, numbers = list(cast("set[str]", distinct)), []
    elif kinds <= {int, float}:
        texts, numbers = [], list(cast("set[float]", distinct))
    else:
        texts = [value for value in distinct if isinstance(value, str)]
        numbers = [value for value in distinct if isinstance(value, int | float)]
    if numbers:
        if field.unit in ("date", "month", "time"):  # as wide as the format's pattern
            texts.append(NUMBER_FORMATS[field.unit])
        else:  # the widest number is the smallest or the largest
            texts += [text(field, min(numbers), lang), text(field, max(numbers), lang)]
    return column_width(texts, field.heading(lang))


def excel_serial(day: date) -> int:
    """A date as Excel stores it: days since its day zero."""
    return (day - _DAY_ZERO).days


def _coded(field: Field, value: Any, lang: Lang) -> str | None:
    """A yes/no or a coded value in words; None for any other value."""
    if isinstance(value, bool):
        return _YES_NO[lang][0 if value else 1]
    if field.words is not None and isinstance(value, str) and value in field.words:
        zh, en = field.words[value]
        return zh if lang == "zh" else en
    return None


def sheet_value(field: Field, value: Any, lang: Lang) -> Value:
    """A value as a sheet holds it: words for codes and yes/no, numbers as they are (the
    column's number format shows them), dates, months and times as Excel's serial
    numbers (text that is not one stays text)."""
    if value is None:
        return None
    words = _coded(field, value, lang)
    if words is not None:
        return words
    if isinstance(value, int | float):
        return value
    text = str(value)
    try:
        if field.unit == "date":
            return excel_serial(date.fromisoformat(text))
        if field.unit == "month":
            return excel_serial(date.fromisoformat(f"{text}-01"))
        if field.unit == "time":
            moment = time.fromisoformat(text)
            return (moment.hour * 3600 + moment.minute * 60 + moment.second) / 86400
    except ValueError:
        pass
    return text


def sheet_column(field: Field, values: Iterable[Any], lang: Lang) -> list[Value]:
    """``sheet_value`` of each of a column's values; a column of tens of thousands of
    rows goes fast (numbers and plain text as they are, each other value shown once)."""
    values = list(values)
    plain = _AS_THEY_ARE.get(field.unit)
    if field.words is None and plain and set(map(type, values)) <= set(plain):
        return values
    keys = list(zip(map(type, values), values, strict=True))  # True is 1 and 1.0 as a key
    shown = {key: sheet_value(field, key[1], lang) for key in dict.fromkeys(keys)}
    return list(map(shown.__getitem__, keys))


def text(field: Field, value: Any, lang: Lang) -> str:
    """A value as text, as the terminal shows it and as its number format shows it in a
    sheet: money with its fen and thousands separators, rates as percentages."""
    if value is None:
        return ""
    words = _coded(field, value, lang)
    if words is not None:
        return words
    if isinstance(value, int | float):
        if field.unit == "money":
            return f"{value:,.2f}"
        if field.unit == "rate":
            return f"{value:.1%}"
        if isinstance(value, float) and value.is_integer():
            return str(int(value))
        return f"{value:.10g}" if isinstance(value, float) else str(value)
    return str(value)
