"""How ``archive`` hands typed values to SQLite: formatted by C built-ins for speed, they
must be exactly what SQLAlchemy's SQLite dialect stores, as it reads them back by that
format (the round trip itself: tests/test_history.py)."""

from __future__ import annotations

from datetime import date, time

from sqlalchemy import Boolean, Date, Time
from sqlalchemy.dialects import sqlite

from chantool.history.archive import _sqlite_values


def test_dates_times_and_yes_no_go_to_sqlite_as_sqlalchemy_stores_them() -> None:
    dialect = sqlite.dialect()
    for column_type, values in (
            (Date(), [date(2025, 6, 30), date(1, 1, 1), None, date(9999, 12, 31),
                      date(2025, 6, 30), None]),
            (Time(), [time(8, 30), None, time(23, 59, 59, 999999), time(0, 0, 0, 5),
                      time(8, 30)]),
            (Boolean(), [True, False, None, True, False])):
        convert = column_type.dialect_impl(dialect).bind_processor(dialect)
        assert convert is not None
        assert _sqlite_values(column_type, values, dialect) == [
            None if value is None else convert(value) for value in values]
