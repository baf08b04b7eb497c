"""The 评分 / Scores sheet written into a workbook reads well: a contents block linking to
each table, styled titles, each column's number format from its field's unit, widths
from the content, money with its fen; read back by openpyxl, checked against the
ECMA-376 schemas and Excel's stricter rules, and opened by LibreOffice. The live add-in
writes the same cells and formats."""

from __future__ import annotations

import csv
import os
import re
import zipfile
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any, Final, TypeVar

import openpyxl
import pytest
from click.testing import CliRunner
from openpyxl.worksheet.worksheet import Worksheet

from chantool import check, layout, results
from chantool.batch import Job, Options, ReadError, load
from chantool.book import Book, Step
from chantool.cli import cli
from chantool.findings import Lang
from chantool.io import isolation, output, writer
from chantool.listings import Listing, Scores
from chantool.scoring import Section, money, score_book
from chantool.scoring import value as value_module
from chantool.table import column_letter
from chantool.validate import read_book
from chantool.xl import ribbon
from tests import xlfake
from tests.conftest import libreoffice_convert, needs_fork, needs_libreoffice
from tests.ooxml import package_problems

EXAMPLES: Final = Path(__file__).parent.parent / "examples"
BOOK: Final = EXAMPLES / "浙江省_渠道台账_2025Q2.xlsx"
AS_OF: Final = date(2025, 6, 29)
# Every sheet as UTF-8 CSV, cells as they are shown (their number formats applied).
T = TypeVar("T")
CSV_AS_SHOWN: Final = ("csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,true,false,"
                       "false,-1")


def _score(path: Path, out: Path, lang: str = "zh") -> Path:
    result = CliRunner().invoke(cli, ["score", str(path), "--as-of", AS_OF.isoformat(),
                                      "--out", str(out), "--lang", lang])
    assert result.exit_code in (0, 1), result.output
    return out / path.name


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _score(BOOK, tmp_path_factory.mktemp("out"))


def _listings() -> list[Listing]:
    """The listings the sheet shows, computed as ``score`` computes them."""
    _, _, scores = score_book(load(BOOK, Options(as_of=AS_OF)), as_of=AS_OF)
    return scores.listings


def _blocks(sheet: Worksheet) -> dict[str, int]:
    """Title -> row of each table title: the bold title cells of column A."""
    return {str(cell.value): cell.row for (cell,) in sheet.iter_rows(max_col=1)
            if cell.value is not None and cell.font.b and cell.font.sz == 14}


def test_contents_links_to_each_table_title(written: Path) -> None:
    book = openpyxl.load_workbook(written)
    sheet = book["评分"]
    assert sheet["A1"].value == "目录" and sheet["A2"].value == "表格"
    titles = _blocks(sheet)
    listings = _listings()
    assert list(titles) == ["目录", *(listing.title[0] for listing in listings)]
    for index, listing in enumerate(listings):
        cell = sheet.cell(3 + index, 1)
        assert cell.value == listing.title[0]
        assert sheet.cell(3 + index, 2).value == len(listing.rows)
        link = cell.hyperlink
        assert link is not None and link.target is None
        place = re.fullmatch(r"'(.+)'!A(\d+)", link.location)
        assert place is not None and place[1] == "评分"
        assert sheet.cell(int(place[2]), 1).value == listing.title[0]
        assert int(place[2]) == titles[listing.title[0]]


def test_number_formats_follow_each_fields_unit(written: Path) -> None:
    sheet = openpyxl.load_workbook(written)["评分"]
    titles = _blocks(sheet)
    checked: set[str] = set()
    for listing in _listings():
        header_row = titles[listing.title[0]] + 1
        assert [sheet.cell(header_row, c + 1).value for c in range(len(listing.fields))] == [
            f.zh for f in listing.fields]
        for offset, row in enumerate(listing.rows):
            for column, f in enumerate(listing.fields, start=1):
                cell = sheet.cell(header_row + 1 + offset, column)
                value = row.get(f.key)
                if value is None or f.words or isinstance(value, bool):
                    continue
                if f.unit != "text":
                    assert cell.number_format == layout.NUMBER_FORMATS[f.unit], (f.key, cell)
                    checked.add(f.unit)
                if f.unit in ("money", "rate", "count", "number"):
                    assert cell.value == value and not isinstance(cell.value, str)
                elif f.unit in ("date", "month"):
                    assert cell.is_date and cell.value.date().isoformat()[:len(value)] == value
    assert checked == {"money", "rate", "count", "number", "date", "month"}


def test_column_widths_come_from_the_content(written: Path) -> None:
    sheet = openpyxl.load_workbook(written)["评分"]
    needed: dict[int, int] = {}
    for listing in _listings():
        for column, f in enumerate(listing.fields, start=1):
            shown = [layout.text(f, row.get(f.key), "zh") for row in listing.rows]
            widest = max(map(layout.display_width, shown), default=0)
            needed[column] = max(needed.get(column, 0), widest)
    widths = {column: sheet.column_dimensions[column_letter(column - 1)].width
              for column in needed}
    for column, widest in needed.items():
        assert widths[column] >= min(widest + 1, layout.MAX_WIDTH), column
    assert len(set(widths.values())) > 3  # not one fixed width
    assert max(widths.values()) <= layout.MAX_WIDTH


def test_titles_are_styled_and_the_first_column_frozen(written: Path) -> None:
    sheet = openpyxl.load_workbook(written)["评分"]
    titles = _blocks(sheet)
    for row in titles.values():
        assert sheet.cell(row, 1).font.b and sheet.cell(row, 1).font.color.rgb == "FF1F3864"
    header = sheet.cell(titles["返利"] + 1, 1)
    assert header.font.b and header.fill.fgColor.rgb == "FF1F3864"
    # Tables one below the other: what each row is about (column A) stays in view.
    assert sheet.freeze_panes == "B1"


def test_the_written_workbook_is_sound(written: Path) -> None:
    assert package_problems(written) == []


def test_a_second_run_finds_its_styles_and_changes_nothing(written: Path, tmp_path: Path
                                                           ) -> None:
    again = _score(written, tmp_path)
    assert again.read_bytes() == written.read_bytes()
    with zipfile.ZipFile(again) as archive:
        styles = archive.read("xl/styles.xml").decode("utf-8")
    assert styles.count('formatCode="0.0%"') == 1


def test_english_sheet_has_its_contents_too(tmp_path: Path) -> None:
    sheet = openpyxl.load_workbook(_score(BOOK, tmp_path, "en"))["Scores"]
    assert sheet["A1"].value == "Contents"
    link = sheet["A3"].hyperlink
    assert link is not None and link.location.startswith("'Scores'!A")


@needs_libreoffice
def test_libreoffice_shows_money_with_fen_and_rates_as_percentages(written: Path,
                                                                   tmp_path: Path) -> None:
    libreoffice_convert(written, tmp_path, CSV_AS_SHOWN)
    rows = list(csv.reader((tmp_path / f"{written.stem}-评分.csv").open(encoding="utf-8")))
    listings = {listing.key: listing for listing in _listings()}

    def first_row(listing: Listing) -> dict[str, str]:
        header = rows.index([f.zh for f in listing.fields] + [""] * (
            len(rows[0]) - len(listing.fields)))
        return {f.key: rows[header + 1][position] for position, f in enumerate(listing.fields)}

    by_key = first_row(listings["rebates"])
    assert by_key["total"] == f"{listings['rebates'].rows[0]['total']:,.2f}"
    by_key = first_row(listings["channels"])
    row = listings["channels"].rows[0]
    assert by_key["overdue_ratio"] == f"{row['overdue_ratio']:.1%}"
    assert by_key["profile_deadline"] == row["profile_deadline"]


def test_the_ribbon_writes_the_same_number_formats_and_widths(written: Path) -> None:
    book = xlfake.Book.from_file(BOOK)
    ribbon.run("score", book, AS_OF)
    live = book.sheets["评分"]
    sheet = openpyxl.load_workbook(written)["评分"]
    formats = {(cell.row, cell.column): cell.number_format for row in sheet.iter_rows()
               for cell in row if cell.value is not None and cell.number_format != "General"}
    assert formats
    assert {cell: found["number_format"] for cell, found in live.formats.items()
            if found.get("number_format", "General") != "General"
            and cell in live.values} == formats
    assert {column: sheet.column_dimensions[column_letter(column - 1)].width
            for column in live.widths} == live.widths
    assert live.links[(3, 1)][0] == "#" + sheet["A3"].hyperlink.location


def test_terminal_shows_money_with_fen_and_thousands() -> None:
    result = CliRunner().invoke(cli, ["score", str(BOOK), "--as-of", AS_OF.isoformat()])
    listings = {listing.key: listing for listing in _listings()}
    first = listings["commission"].rows[0]
    assert f"{first['commission']:,.2f}" in result.output
    assert re.search(r"\d{1,3}(,\d{3})+\.\d\d\b", result.output)


@needs_fork
def test_a_large_sheet_made_and_checked_beside_the_users_sheets_is_the_same(
    written: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Every generated sheet made, and about half the check, in a child of the file's
    # child; that they were is noted in a file (the file's child is a fork).
    monkeypatch.setattr(writer, "_BESIDE_CELLS", 0)
    monkeypatch.setattr(output, "_ASIDE_BYTES", 0)
    noted = tmp_path / "beside.txt"

    class Noted(isolation.Beside[T]):
        def __init__(self, work: Callable[[], T], **options: Any) -> None:
            super().__init__(work, **options)
            with noted.open("a") as note:
                note.write(f"{getattr(work, 'func', work).__qualname__} {self.pid != 0}\n")

    monkeypatch.setattr(isolation, "Beside", Noted)
    beside = _score(BOOK, tmp_path / "beside")
    assert beside.read_bytes() == written.read_bytes()
    # A second run: each generated sheet comes out as it was, and is kept.
    again = _score(beside, tmp_path / "again")
    assert again.read_bytes() == written.read_bytes()
    made = noted.read_text().splitlines()
    # 校验结果 and 评分 made beside on the first run; on the second they are compared with
    # the source's, here.
    assert made.count("_Writer._make.<locals>.made True") == 2
    assert made.count("_Writer._make.<locals>.made False") == 2
    assert made.count("_check_in_file True") == 2  # about half the check, each run


def _noted_scoring(monkeypatch: pytest.MonkeyPatch, notes: Path, *, fails: bool = False
                   ) -> None:
    """Note in ``notes``, each with the process it ran in: each listing made a block of the
    Scores sheet, the start of the blocks made ahead, and the run of each scorer that runs
    after the money scorers (``value``); with ``fails``, the first of those finds a sheet
    unreadable."""
    def note(text: str) -> None:
        with notes.open("a") as noted:
            noted.write(f"{os.getpid()} {text}\n")

    listing_block = results._listing_block

    def block(listing: Listing, lang: Lang) -> results.MadeBlock:
        note(f"block {listing.key}")
        return listing_block(listing, lang)

    start = check._BlocksAhead._start

    def started(ahead: check._BlocksAhead, scores: Scores) -> None:
        start(ahead, scores)
        assert ahead.beside is not None
        note(f"ahead {ahead.beside.pid}")

    def told(step: Step[Section]) -> Step[Section]:
        def run(book: Book) -> Section:
            note("value")
            if fails:
                raise ReadError("不可读")
            return step(book)
        return Step(run, step.reads)

    monkeypatch.setattr(results, "_listing_block", block)
    monkeypatch.setattr(check._BlocksAhead, "_start", started)
    monkeypatch.setattr(value_module, "SCORERS", tuple(map(told, value_module.SCORERS)))


@needs_fork
def test_the_money_blocks_are_made_while_the_engine_scores_and_the_sheet_is_the_same(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """In the file's process, the Scores sheet's blocks of the money scorers' listings are
    made in a child forked for them as soon as those scorers have run, while the others
    run; the workbook written is the one written with every block made after scoring
    (as ``--format json`` does, whose rows are all handed back)."""
    monkeypatch.setattr(isolation, "_forked", True)
    monkeypatch.setattr(isolation, "BESIDE_ROWS", 1)  # the example's few hundred rows
    notes = tmp_path / "notes.txt"
    _noted_scoring(monkeypatch, notes)
    terminal = Options(as_of=AS_OF, listing_rows=20)
    result = check.score_file(Job(BOOK, tmp_path / "ahead.xlsx"), terminal,
                              lambda: load(BOOK, terminal))
    assert result.status == "findings" and not any(
        finding.code == "not_written" for finding in result.findings)
    noted = [line.split(" ", 1) for line in notes.read_text().splitlines()]
    here = str(os.getpid())
    assert [text.split()[0] for pid, text in noted if pid == here][:2] == ["ahead", "value"]
    beside = {text.split()[1] for pid, text in noted if pid != here}
    book = read_book(load(BOOK, terminal), as_of=AS_OF)
    assert beside == {listing.key for step in money.SCORERS for listing in step(book).listings}
    assert {text.split()[1] for pid, text in noted if pid == here and
            text.startswith("block")} == {listing.key for listing in _listings()} - beside
    notes.unlink()
    every_row = Options(as_of=AS_OF)
    check.score_file(Job(BOOK, tmp_path / "after.xlsx"), every_row,
                     lambda: load(BOOK, every_row))
    assert "ahead" not in notes.read_text()
    assert (tmp_path / "ahead.xlsx").read_bytes() == (tmp_path / "after.xlsx").read_bytes()


@needs_fork
def test_money_blocks_made_ahead_of_a_file_found_unreadable_are_not_written(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A sheet found unreadable after the money blocks started: the file is unreadable,
    nothing is written, and the child making them is ended."""
    monkeypatch.setattr(isolation, "_forked", True)
    monkeypatch.setattr(isolation, "BESIDE_ROWS", 1)
    notes = tmp_path / "notes.txt"
    _noted_scoring(monkeypatch, notes, fails=True)
    options = Options(as_of=AS_OF, listing_rows=20)
    result = check.score_file(Job(BOOK, tmp_path / "out" / "b.xlsx"), options,
                              lambda: load(BOOK, options))
    assert result.status == "unreadable" and "不可读" in str(result.reason)
    assert not (tmp_path / "out").exists()
    (child,) = [int(line.split()[2]) for line in notes.read_text().splitlines()
                if line.split()[1] == "ahead"]
    assert child != 0
    with pytest.raises(ProcessLookupError):  # the child making the blocks is gone
        os.kill(child, 0)
