"""Shared fixtures: a factory that writes small workbooks for a test, the log file of
child processes kept in the test's folder, the mark of tests that need fork, and the
first year the installed holiday calendar does not know."""

from __future__ import annotations

import multiprocessing
import os
import shutil
import subprocess
from collections.abc import Callable, Sequence
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import chinese_calendar
import openpyxl
import pytest

MakeWorkbook = Callable[..., Path]

needs_fork = pytest.mark.skipif(
    "fork" not in multiprocessing.get_all_start_methods(),
    reason="faults are injected by monkeypatching, which only a forked child inherits")


# CI installs LibreOffice and sets CHANTOOL_NEEDS_LIBREOFFICE, so there it never skips.
needs_libreoffice = pytest.mark.skipif(
    shutil.which("soffice") is None and not os.environ.get("CHANTOOL_NEEDS_LIBREOFFICE"),
    reason="LibreOffice is not installed")
# Every sheet as UTF-8 CSV, one file per sheet (NAME-SHEET.csv).
CSV_EVERY_SHEET = ('csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,'
                   "false,-1")


def libreoffice_convert(path: Path | Sequence[Path], out: Path, convert_to: str,
                        *options: str) -> None:
    """Convert ``path`` (or several, in one start of LibreOffice) into the folder ``out``
    with LibreOffice headless, its profile in ``out`` too; fails the test with
    LibreOffice's own message when it cannot."""
    paths = [path] if isinstance(path, Path) else list(path)
    done = subprocess.run(
        ["soffice", "--headless", f"-env:UserInstallation=file://{out}/profile", *options,
         "--convert-to", convert_to, "--outdir", str(out), *map(str, paths)],
        capture_output=True, text=True, timeout=180, check=False)
    assert done.returncode == 0, done.stderr


def unknown_year() -> int:
    """The first year the installed chinesecalendar has no holiday data for: tests of
    chantool's fallback use it, so a release that adds a year breaks none of them."""
    def known(year: int) -> bool:
        try:
            chinese_calendar.is_workday(date(year, 6, 2))
        except NotImplementedError:
            return False
        return True

    return next(year for year in range(2004, 2300) if not known(year))


def weekday_in(year: int, month: int, weekday: int) -> date:
    """The first day of ``month`` in ``year`` that falls on ``weekday`` (0 is Monday)."""
    first = date(year, month, 1)
    return first + timedelta(days=(weekday - first.weekday()) % 7)


@pytest.fixture(autouse=True)
def _no_locale(monkeypatch: pytest.MonkeyPatch) -> None:
    """Chinese, the default, whatever locale the machine running the tests has set; a
    UTF-8 locale that names no language, so LibreOffice still writes Chinese file names."""
    for variable in ("LC_ALL", "LC_MESSAGES"):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("LANG", "C.UTF-8")


@pytest.fixture(autouse=True)
def _log_in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Children send their stderr (an abort's backtrace) to the log: keep it here."""
    monkeypatch.setenv("CHANTOOL_LOG", str(tmp_path / "chantool.log"))


@pytest.fixture
def make_workbook(tmp_path: Path) -> MakeWorkbook:
    """``make_workbook({"渠道档案": [[header...], [row...]]}, name="a.xlsx", merged={...})``
    writes the sheets (rows from A1, ``None`` for an empty cell) and returns the path."""

    def make(
        sheets: dict[str, Sequence[Sequence[Any]]],
        name: str = "book.xlsx",
        merged: dict[str, Sequence[str]] | None = None,
    ) -> Path:
        workbook = openpyxl.Workbook()
        workbook.remove(workbook.active)
        for title, rows in sheets.items():
            sheet = workbook.create_sheet(title)
            for row in rows:
                sheet.append(list(row))
            for ref in (merged or {}).get(title, ()):
                sheet.merge_cells(ref)
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        workbook.save(path)
        return path

    return make


# Every store test runs on SQLite and PostgreSQL (tests/stores.py).
from tests.stores import clerk_url, postgres_server, postgres_url, store_url  # noqa: E402, F401
