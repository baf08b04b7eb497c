"""Turning raw cell values into typed values.

Readers hand over cell values as they are (text, floats, dates, times, booleans, or
``None``/``""`` for an empty cell; xlwings on Windows hands a currency or accounting
cell over as a ``Decimal``). Each ``parse_*`` function here returns the typed
value, or raises ``CellError`` with the catalogue code that explains why the value
cannot be read. Nothing is guessed silently: a value that does not fit is reported.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from functools import lru_cache
from typing import Final

Cell = str | float | int | bool | Decimal | date | datetime | time | timedelta | None

# Excel's 1900 date system counts from 1899-12-30 once its phantom 1900-02-29 is skipped.
_EXCEL_EPOCH: Final = date(1899, 12, 30)
_SERIAL_MIN: Final = 1  # 1900-01-01
_SERIAL_MAX: Final = 2958465  # 9999-12-31

EXCEL_ERRORS: Final = frozenset(
    {"#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A", "#GETTING_DATA",
     "#SPILL!", "#CALC!", "#FIELD!", "#BLOCKED!", "#UNKNOWN!", "#CONNECT!", "#BUSY!"}
)

_YES: Final = frozenset({"是", "y", "yes", "true", "1", "对", "√"})
_NO: Final = frozenset({"否", "n", "no", "false", "0", "不", "×"})

# 2025-6-4, 2025/6/4, 2025.6.4 (with or without leading zeros), 2025年6月4日, and the
# eight digits 20250604 that many Chinese systems export as text.
_DATE_PATTERNS: Final = (
    re.compile(r"(\d{4})([-/.])(\d{1,2})\2(\d{1,2})"),
    re.compile(r"(\d{4})()年(\d{1,2})月(\d{1,2})日"),
    re.compile(r"(\d{4})()(\d{2})(\d{2})"),
)
_DATETIME_SUFFIX: Final = re.compile(r"[ T]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?$")
_TIME_PATTERN: Final = re.compile(r"(\d{1,2})[:：](\d{2})(?:[:：](\d{2}))?")
_CN_TIME_PATTERN: Final = re.compile(r"(\d{1,2})[点時时](?:(\d{1,2})分?)?")
_MONTH_PATTERNS: Final = (
    re.compile(r"(\d{4})-(\d{1,2})"),
    re.compile(r"(\d{4})/(\d{1,2})"),
    re.compile(r"(\d{4})年(\d{1,2})月"),
    re.compile(r"(\d{4})\.(\d{1,2})"),
)
_NUMBER: Final = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")
_THOUSANDS: Final = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d*)?$")


class CellError(ValueError):
    """A cell value that cannot be read as the column's type; ``code`` is a catalogue code."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def normalize_text(value: str) -> str:
    """Fold full-width characters to half-width and trim, keeping Chinese text as it is."""
    return unicodedata.normalize("NFKC", value).strip()


def is_blank(value: Cell) -> bool:
    """True for an empty cell: ``None``, ``""`` or text made of spaces only."""
    return value is None or (isinstance(value, str) and not value.strip())


def _reject_error_value(text: str) -> None:
    if text.upper() in EXCEL_ERRORS:
        raise CellError("cell_error")


def parse_text(value: Cell) -> str:
    """Text as typed, trimmed; numbers that Excel stored as numbers read as their digits."""
    if isinstance(value, str):
        text = value.strip()
        _reject_error_value(text)
        return text
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, date | time):
        return value.isoformat()
    return str(value)


def parse_number(value: Cell) -> float:
    """A number from a number cell or from text such as ``1,200``, ``１２００`` or ``¥1200``."""
    if isinstance(value, bool):
        raise CellError("not_a_number")
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, Decimal) and value.is_finite():
        return float(value)
    if isinstance(value, str):
        text = normalize_text(value)
        _reject_error_value(text)
        text = text.replace("¥", "").replace("￥", "").replace("元", "").strip()
        if _THOUSANDS.match(text):
            text = text.replace(",", "")
        if _NUMBER.fullmatch(text):
            return float(text)
    raise CellError("not_a_number")


def parse_integer(value: Cell) -> int:
    """A whole number; ``12.0`` is 12, ``12.5`` is not a whole number."""
    number = parse_number(value) if not isinstance(value, float) else value
    if not number.is_integer():
        raise CellError("not_an_integer")
    return int(number)


def parse_rate(value: Cell) -> float:
    """A share from 0 to 1, written as ``0.12`` or as a percentage like ``12%``."""
    if isinstance(value, str):
        text = normalize_text(value)
        if text.endswith("%"):
            return parse_number(text[:-1]) / 100
    return parse_number(value)


def date_from_serial(serial: float) -> date:
    """The date of an Excel serial number in the 1900 date system."""
    if not _SERIAL_MIN <= serial <= _SERIAL_MAX:
        raise CellError("not_a_date")
    days = int(serial)
    if days < 60:  # before Excel's phantom 1900-02-29
        days += 1
    return _EXCEL_EPOCH + timedelta(days=days)


def parse_date(value: Cell) -> date:
    """A date from a date cell, an Excel serial number or ``2023-02-05``, ``2023-2-5``,
    ``2023/2/5``, ``2023.2.5``, ``2023.02.05``, ``2023年2月5日`` or the eight digits
    ``20230205`` typed as text (a time of day after the date is allowed and dropped)."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, bool):
        raise CellError("not_a_date")
    if isinstance(value, int | float):
        return date_from_serial(float(value))
    if isinstance(value, str):
        text = normalize_text(value)
        _reject_error_value(text)
        text = _DATETIME_SUFFIX.sub("", text)
        for pattern in _DATE_PATTERNS:
            match = pattern.fullmatch(text)
            if match:
                try:
                    return date(int(match[1]), int(match[3]), int(match[4]))
                except ValueError:
                    raise CellError("not_a_date") from None
    raise CellError("not_a_date")


def parse_time(value: Cell) -> time:
    """A time of day from a time cell, a day fraction, or text like ``8:30``, ``08:30:00``
    or ``8点30分``."""
    if isinstance(value, time):
        return value
    if isinstance(value, datetime):
        return value.time()
    if isinstance(value, timedelta):
        seconds = round(value.total_seconds())
        if 0 <= seconds < 86400:
            return time(seconds // 3600, seconds // 60 % 60, seconds % 60)
        raise CellError("not_a_time")
    if isinstance(value, bool):
        raise CellError("not_a_time")
    if isinstance(value, int | float):
        if 0 <= value < 1:  # a fraction just below 1 rounds to the day's last second
            seconds = min(round(value * 86400), 86399)
            return time(seconds // 3600, seconds // 60 % 60, seconds % 60)
        raise CellError("not_a_time")
    if isinstance(value, str):
        text = normalize_text(value)
        _reject_error_value(text)
        match = _TIME_PATTERN.fullmatch(text) or _CN_TIME_PATTERN.fullmatch(text)
        if match:
            second = match[3] if match.re is _TIME_PATTERN else None
            try:
                return time(int(match[1]), int(match[2] or 0), int(second or 0))
            except ValueError:
                raise CellError("not_a_time") from None
    raise CellError("not_a_time")


def parse_yes_no(value: Cell) -> bool:
    """是/否, Y/N, yes/no, TRUE/FALSE, 1/0 (any case, full- or half-width)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        if value in (0, 1):
            return bool(value)
        raise CellError("not_yes_no")
    if isinstance(value, str):
        text = normalize_text(value).lower()
        if text in _YES:
            return True
        if text in _NO:
            return False
        _reject_error_value(text)
    raise CellError("not_yes_no")


def parse_month(value: Cell) -> str:
    """A month as ``YYYY-MM``, from a date cell, text like ``2025-06``, ``2025/6``,
    ``2025年6月``, or a whole date typed as text."""
    if isinstance(value, date):
        return f"{value.year:04d}-{value.month:02d}"
    if isinstance(value, str):
        text = normalize_text(value)
        _reject_error_value(text)
        for pattern in _MONTH_PATTERNS:
            match = pattern.fullmatch(text)
            if match and 1 <= int(match[2]) <= 12:
                return f"{int(match[1]):04d}-{int(match[2]):02d}"
        try:
            return parse_month(parse_date(text))
        except CellError:
            pass
    raise CellError("not_a_month")


# Labels and choices are few and folded over and over (every header cell searched, every
# cell of a choice column): each is folded once.
_FOLDED: Final = 4096


@lru_cache(maxsize=_FOLDED)
def fold_key(text: str) -> str:
    """The form in which labels and choices are compared: full-width folded, case folded,
    spaces, hyphens and underscores alike."""
    folded = normalize_text(text).lower()
    return _SEPARATORS.sub("_", folded)


_SEPARATORS: Final = re.compile(r"[\s_\-]+")


def split_list(value: Cell) -> list[str]:
    """A comma-separated list cell (``,``, ``，``, ``、`` or ``;``) as its trimmed items."""
    if is_blank(value):
        return []
    text = parse_text(value)
    return [item.strip() for item in re.split(r"[,，、;；\n]", text) if item.strip()]
