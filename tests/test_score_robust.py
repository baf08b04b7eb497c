"""``score`` never crashes on what people type: the province example with cells blanked,
garbled or given the wrong type at random still gives findings and results, never an
exception, and its results write back into a sound workbook."""

from __future__ import annotations

import random
from datetime import date, time
from pathlib import Path
from typing import Final

import openpyxl
import pytest

from chantool.batch import Options, load
from chantool.coerce import Cell
from chantool.findings import Lang
from chantool.io.output import verify_written
from chantool.io.writer import write_plan
from chantool.results import score_plan
from chantool.scoring import score_book
from chantool.table import RawSheet

EXAMPLE: Final = Path(__file__).parent.parent / "examples" / "浙江省_渠道台账_2025Q2.xlsx"
# What a cell may become: blank, text, a number of the wrong size or sign, a date or time
# where something else belongs, an Excel error value.
GARBAGE: Final[tuple[Cell, ...]] = (
    None, "", "  ", "不详", "#N/A", 0.0, -1.0, 1e12, 2.5, True, date(1900, 1, 1),
    date(2099, 12, 31), time(23, 59), "2025/2/30", "25:99", "VKA:x", "是否", "0%", "１２")


@pytest.fixture(scope="module")
def sheets() -> list[RawSheet]:
    return load(EXAMPLE, Options(as_of=date(2025, 6, 30)))


@pytest.mark.parametrize("share", [0.05, 0.3])
@pytest.mark.parametrize("seed", range(25))
def test_garbled_cells_give_findings_not_crashes(
    sheets: list[RawSheet], seed: int, share: float
) -> None:
    rng = random.Random(seed)
    garbled = []
    for sheet in sheets:
        rows = [list(row) for row in sheet.rows]
        for row in rows[2:]:  # below the title and header rows
            for column in range(len(row)):
                if rng.random() < share:
                    row[column] = rng.choice(GARBAGE)
        garbled.append(RawSheet(sheet.name, rows, sheet.merged))
    # The as-of date of the example, and one beyond the holiday calendar's data.
    runs: tuple[tuple[Lang, date], ...] = (("zh", date(2025, 6, 30)), ("en", date(2031, 3, 1)))
    for lang, as_of in runs:
        _, findings, scores = score_book(garbled, as_of=as_of, lang=lang)
        assert findings  # the garbage is reported
        assert all("{" not in finding.message for finding in findings)
        assert scores.listing("channels") is not None
        scores.to_dict()


@pytest.mark.parametrize("seed", range(4))
def test_results_of_garbled_cells_write_back_into_a_sound_workbook(
    sheets: list[RawSheet], seed: int, tmp_path: Path
) -> None:
    rng = random.Random(seed)
    garbled = [RawSheet(sheet.name, [row if number < 2 else
                                     [rng.choice(GARBAGE) if rng.random() < 0.2 else cell
                                      for cell in row]
                                     for number, row in enumerate(sheet.rows)], sheet.merged)
               for sheet in sheets]
    book, findings, scores = score_book(garbled, as_of=date(2025, 6, 30))
    target = tmp_path / "scored.xlsx"
    written = write_plan(EXAMPLE, target, score_plan(book, findings, scores, "zh"))
    verify_written(target, written, sheets)  # sound zip, well-formed parts, user cells kept
    assert "评分" in openpyxl.load_workbook(target, read_only=True).sheetnames
