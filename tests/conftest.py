"""Shared fixtures: a factory that writes small workbooks for a test."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import openpyxl
import pytest

MakeWorkbook = Callable[..., Path]


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
