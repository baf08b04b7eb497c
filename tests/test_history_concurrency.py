"""Writers archiving at the same time, on SQLite and PostgreSQL: on PostgreSQL they copy
the rows of different files side by side and take the archive lock only to work out who
managed which channel when (``store.archive_lock``); the outcome must be what archiving
the same files one after the other gives."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

from sqlalchemy import select

from chantool.history.schema import SHEET_TABLES, channel_managers, file_versions, files
from tests.test_history import archive, count, engine_of, office_month


def _managers(url: str) -> list[tuple[Any, ...]]:
    with engine_of(url).connect() as connection:
        return [tuple(row) for row in connection.execute(
            select(channel_managers.c.channel_id, channel_managers.c.manager,
                   channel_managers.c.valid_from, channel_managers.c.valid_to, files.c.name)
            .join(file_versions, file_versions.c.id == channel_managers.c.file_version_id)
            .join(files, files.c.id == file_versions.c.file_id)
            .order_by(channel_managers.c.channel_id, channel_managers.c.valid_from))]


def test_two_processes_archiving_the_same_channels_give_who_managed_them_when(
        store_url: str, tmp_path: Path) -> None:
    # The same channels, their manager changing from month to month, in files of two
    # offices' clerks archiving at once, each with two children at a time.
    channels = ("CH001", "CH002", "CH003")
    managers = ("张伟", "李娜", "王强")
    batches = [[office_month(tmp_path / clerk, f"{clerk}_2025年{month}月.xlsx", month,
                             managers[month % 3], channels) for month in months]
               for clerk, months in (("东区", range(1, 13, 2)), ("西区", range(2, 13, 2)))]
    engine_of(store_url)  # the schema first: creating it at once is another test's
    runs = [subprocess.Popen([sys.executable, "-m", "chantool", "archive", *map(str, batch),
                              "--db", store_url, "--jobs", "2"], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True) for batch in batches]
    outputs = [run.communicate(timeout=300) for run in runs]
    assert [run.returncode for run in runs] == [0, 0], outputs

    one_by_one = str(tmp_path / "one_by_one.db")
    for path in sorted((path for batch in batches for path in batch), key=lambda p: p.name):
        assert archive(path, "--db", one_by_one).exit_code == 0
    assert _managers(store_url) == _managers(one_by_one)
    assert len(_managers(store_url)) == 3 * 12  # every month another manager
    engine = engine_of(store_url)
    assert (count(engine, file_versions), count(engine, SHEET_TABLES["visits"])) == (
        12, 12 * 6)
