"""Shared fixtures: a factory that writes small workbooks for a test, the log file of
child processes kept in the test's folder, and the mark of tests that need fork."""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import openpyxl
import pytest

MakeWorkbook = Callable[..., Path]

needs_fork = pytest.mark.skipif(
    "fork" not in multiprocessing.get_all_start_methods(),
    reason="faults are injected by monkeypatching, which only a forked child inherits")


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
