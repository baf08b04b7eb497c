"""How ``archive`` hands typed values to SQLite: formatted by C built-ins for speed, they
must be exactly what SQLAlchemy's SQLite dialect stores, as it reads them back by that
format (the round trip itself: tests/test_history.py); and many rows to a statement,
every row stored, in order."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Boolean, Date, Time, insert, select
from sqlalchemy.dialects import sqlite

from chantool.history.archive import _SQLITE_VARIABLES, _sqlite_values, insert_rows
from chantool.history.schema import SHEET_TABLES, file_versions, files
from chantool.history.store import open_store, transaction

# Rows of three columns go this many to a statement (with the version and the row number).
PER = _SQLITE_VARIABLES // 5


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


@pytest.mark.parametrize("count", [1, PER - 1, PER, PER + 1, 3 * PER + 7])
def test_rows_go_many_to_a_statement_and_every_one_is_stored_in_order(
        tmp_path: Path, count: int) -> None:
    url, engine = open_store(str(tmp_path / "store.db"))
    numbers = list(range(2, count + 2))
    columns: dict[str, list[Any]] = {
        "visit_date": [date(2025, 6, 1) + timedelta(days=n % 30) for n in numbers],
        "manager": [f"经理{n % 7}" for n in numbers],
        "channel_id": [None if n % 11 == 0 else f"CH{n:05d}" for n in numbers]}
    with transaction(engine, url, "zh") as connection:
        file_id = connection.execute(
            insert(files).values(name="东区.xlsx").returning(files.c.id)).scalar_one()
        version_id = connection.execute(insert(file_versions).values(
            file_id=file_id, version=1, path="东区.xlsx", sha256="0" * 64, size=1,
            archived_at=datetime.now(UTC), errors=0, warnings=0,
        ).returning(file_versions.c.id)).scalar_one()
        insert_rows(connection, "visits", version_id, numbers, columns)
    visits = SHEET_TABLES["visits"]
    with engine.connect() as connection:
        stored = connection.execute(
            select(visits.c.excel_row, *(visits.c[key] for key in columns))
            .where(visits.c.file_version_id == version_id).order_by(visits.c.id)).all()
    assert [tuple(row) for row in stored] == list(zip(numbers, *columns.values(), strict=True))
