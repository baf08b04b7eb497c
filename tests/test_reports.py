"""``chantool report``: every report of the examples, read back as Excel and LibreOffice
would: LibreOffice renders each to PDF and PNG, each chart draws from cells holding
numbers, every number is one ``score --format json`` gave, every part is valid against
the ECMA-376 schemas, and two runs give the same bytes."""

from __future__ import annotations

import hashlib
import importlib
import json
import os
import random
import re
import zipfile
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import xlsxwriter
from click.testing import CliRunner, Result
from lxml import etree
from openpyxl.utils.cell import range_boundaries
from python_calamine import CalamineWorkbook

from chantool import check
from chantool.batch import Job, Options, ReadError, load
from chantool.book import Book, Step
from chantool.cli import cli
from chantool.history.store import open_store, shown
from chantool.io import isolation
from chantool.listings import Field, Rows, channels_of
from chantool.reports import READS, write_report, xlsx
from chantool.samples import MANAGERS
from chantool.scoring import Section, score_book
from chantool.settings import REPORT_KINDS
from chantool.texts import word
from tests.conftest import libreoffice_convert, needs_fork, needs_libreoffice
from tests.ooxml import package_problems
from tests.scoring import rows as listing_rows

EXAMPLES = Path(__file__).parent.parent / "examples"
# The module (``chantool.reports.statements`` is also the name of its function there).
statements_module = importlib.import_module("chantool.reports.statements")
value_module = importlib.import_module("chantool.scoring.value")
AS_OF = ("--as-of", "2025-06-29")
PROVINCE = "浙江省_渠道台账_2025Q2"
EXAMPLE_COUNT = len(list(EXAMPLES.glob("*.xlsx")))
CHART = "{http://schemas.openxmlformats.org/drawingml/2006/chart}"
MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"


def run(*args: Any) -> Result:
    return CliRunner().invoke(cli, [str(arg) for arg in args])


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, str], Path]:
    """Every report of every example: (example's name, kind) -> the report."""
    out = tmp_path_factory.mktemp("reports")
    found: dict[tuple[str, str], Path] = {}
    for kind in REPORT_KINDS:
        result = run("report", kind, EXAMPLES, *AS_OF, "--out", out)
        assert result.exit_code in (0, 1), result.output  # error findings: exit 1 as score
        for line in result.stdout.splitlines():
            path = Path(line)
            found[path.name.split(f"_{_kind_word(kind)}_")[0], kind] = path
    assert len(found) == EXAMPLE_COUNT * len(REPORT_KINDS)
    return found


@pytest.fixture(scope="module")
def scored() -> dict[str, dict[str, Any]]:
    """``score --format json`` of each example, by its name."""
    result = run("score", EXAMPLES, "--format", "json", *AS_OF)
    return {Path(entry["path"]).stem: entry for entry in json.loads(result.stdout)["files"]}


def _kind_word(kind: str) -> str:
    return word(f"report.{kind}", "zh")


def test_the_report_names_say_source_kind_and_as_of(
        reports: dict[tuple[str, str], Path]) -> None:
    assert reports[PROVINCE, "weekly"].name == f"{PROVINCE}_夕会周报_2025-06-29.xlsx"
    assert {path.suffix for path in reports.values()} == {".xlsx"}


def test_the_inputs_are_never_changed(tmp_path: Path) -> None:
    before = {path: hashlib.sha256(path.read_bytes()).hexdigest()
              for path in EXAMPLES.glob("*.xlsx")}
    for kind in REPORT_KINDS:
        run("report", kind, EXAMPLES, *AS_OF, "--out", tmp_path)
    assert before == {path: hashlib.sha256(path.read_bytes()).hexdigest()
                      for path in EXAMPLES.glob("*.xlsx")}
    assert len(list(tmp_path.glob("*.xlsx"))) == EXAMPLE_COUNT * len(REPORT_KINDS)


@pytest.mark.parametrize("kind", REPORT_KINDS)
def test_two_runs_give_the_same_bytes(kind: str, tmp_path: Path) -> None:
    source = EXAMPLES / f"{PROVINCE}.xlsx"
    first, second = tmp_path / "1", tmp_path / "2"
    for out in (first, second):
        assert run("report", kind, source, *AS_OF, "--out", out).exit_code == 0
    (one,), (two,) = first.glob("*.xlsx"), second.glob("*.xlsx")
    assert one.read_bytes() == two.read_bytes()


def test_every_part_is_valid_against_the_schemas(
        reports: dict[tuple[str, str], Path]) -> None:
    for path in reports.values():
        assert package_problems(path) == [], path.name


@pytest.mark.parametrize("kind", REPORT_KINDS)
def test_every_part_of_an_english_report_is_valid_and_a_second_run_the_same(
        kind: str, tmp_path: Path) -> None:
    for out in ("one", "two"):
        result = run("report", kind, EXAMPLES / f"{PROVINCE}.xlsx", *AS_OF, "--lang", "en",
                     "--out", tmp_path / out)
        assert result.exit_code == 0, result.output
    (one,), (two,) = (list((tmp_path / out).glob("*.xlsx")) for out in ("one", "two"))
    assert package_problems(one) == [], one.name
    assert one.read_bytes() == two.read_bytes()


def _charts(path: Path) -> list[etree._Element]:
    with zipfile.ZipFile(path) as archive:
        return [etree.fromstring(archive.read(name)) for name in sorted(archive.namelist())
                if re.fullmatch(r"xl/charts/chart\d+\.xml", name)]


def _cells(workbook: Any, reference: str) -> list[Any]:
    """The values of a chart's reference such as ``'看板'!$B$5:$B$9``."""
    sheet, _, cells = reference.rpartition("!")
    worksheet = workbook[sheet.strip("'").replace("''", "'")]
    low_column, low_row, high_column, high_row = range_boundaries(cells.replace("$", ""))
    return [cell.value for row in worksheet.iter_rows(
        min_row=low_row, max_row=high_row, min_col=low_column, max_col=high_column)
        for cell in row]


@pytest.mark.parametrize(("kind", "count"), [
    ("weekly", 4), ("monthly", 4), ("dashboard", 5), ("statements", 0)])
def test_each_chart_draws_from_cells_that_hold_its_numbers(
        reports: dict[tuple[str, str], Path], kind: str, count: int) -> None:
    """The province's charts (its dashboard has no order-drop alert to chart)."""
    path = reports[PROVINCE, kind]
    charts = _charts(path)
    assert len(charts) == count
    workbook = openpyxl.load_workbook(path)
    for chart in charts:
        assert chart.find(f".//{CHART}title") is not None
        for series in chart.iter(f"{CHART}ser"):
            reference = series.find(f"{CHART}val/{CHART}numRef/{CHART}f")
            assert reference is not None and reference.text
            values = _cells(workbook, reference.text)
            assert values and all(isinstance(value, int | float) for value in values), \
                (reference.text, values)
            cached = [float(point.findtext(f"{CHART}v") or "nan") for point in series.iterfind(
                f"{CHART}val/{CHART}numRef/{CHART}numCache/{CHART}pt")]
            assert cached in ([], [float(value) for value in values])
            category = series.find(f"{CHART}cat//{CHART}f")
            assert category is not None and category.text
            assert all(value is not None for value in _cells(workbook, category.text))


def test_the_pareto_chart_is_columns_with_a_cumulative_line_on_a_second_axis(
        reports: dict[tuple[str, str], Path]) -> None:
    (pareto,) = [chart for chart in _charts(reports[PROVINCE, "dashboard"])
                 if chart.find(f".//{CHART}lineChart") is not None
                 and chart.find(f".//{CHART}barChart") is not None]
    assert len(pareto.findall(f".//{CHART}valAx")) == 2
    line = pareto.find(f".//{CHART}lineChart")
    assert line is not None
    reference = line.findtext(f".//{CHART}val/{CHART}numRef/{CHART}f") or ""
    workbook = openpyxl.load_workbook(reports[PROVINCE, "dashboard"])
    shares = _cells(workbook, reference)
    assert shares == sorted(shares) and shares[-1] == pytest.approx(1.0, abs=1e-3)


def _numbers(value: Any, found: set[Any]) -> None:
    if isinstance(value, dict):
        for item in value.values():
            _numbers(item, found)
    elif isinstance(value, list):
        for item in value:
            _numbers(item, found)
    elif isinstance(value, int | float) and not isinstance(value, bool):
        found.add(round(float(value), 6))
    elif isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        found.add(date.fromisoformat(value))
    elif isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}", value):  # a month
        found.add(date.fromisoformat(f"{value}-01"))


def _numbers_seen(path: Path, entry: dict[str, Any]) -> int:
    """How many numbers and dates the report at ``path`` holds, each asserted to be one of
    the JSON result ``entry``."""
    numbers: set[Any] = set()
    _numbers({key: value for key, value in entry.items() if key != "findings"}, numbers)
    workbook = openpyxl.load_workbook(path)
    seen = 0
    for worksheet in workbook.worksheets:
        for row in worksheet.iter_rows(min_row=3):
            for cell in row:
                value = cell.value
                if isinstance(value, datetime):
                    assert value.date() in numbers, (path.name, worksheet.title, cell.coordinate)
                    seen += 1
                elif isinstance(value, int | float) and not isinstance(value, bool):
                    assert round(float(value), 6) in numbers, \
                        (path.name, worksheet.title, cell.coordinate, value)
                    seen += 1
    return seen


@pytest.mark.parametrize("kind", REPORT_KINDS)
def test_every_number_in_a_report_is_one_score_computed(
        reports: dict[tuple[str, str], Path], scored: dict[str, dict[str, Any]],
        kind: str) -> None:
    for name, entry in scored.items():
        seen = _numbers_seen(reports[name, kind], entry)
        assert seen or (kind == "statements" and not entry["rebates"]), (name, kind)


def test_a_statement_per_channel_holds_all_of_its_rows(
        reports: dict[tuple[str, str], Path], scored: dict[str, dict[str, Any]]) -> None:
    """A sheet per manager holds the statements of the manager's channels, each from a
    new printed page; every row of a channel's rebates, commission, contests and payments
    is on that channel's statement, in order, each number one of that row's."""
    entry = scored[PROVINCE]
    workbook = openpyxl.load_workbook(reports[PROVINCE, "statements"])
    parts = {"返利": "rebates", "提成": "commission", "销售竞赛": "contests",
             "货款结算": "payments"}
    channels = {row["channel_id"] for key in parts.values() for row in entry[key]}
    profiles = [row for row in entry["channels"] if row["channel_id"] in channels]
    assert len(profiles) == len(channels)  # every channel with money has a profile here
    # The managers in the order of the profiles, each channel's statement on its sheet.
    assert workbook.sheetnames == list(dict.fromkeys(row["manager"] for row in profiles))
    stated: list[str] = []
    for sheet in workbook.worksheets:
        column = [cell.value for cell in sheet["A"]]
        starts = [number for number, value in enumerate(column)
                  if isinstance(value, str) and value.startswith("对账单 · ")]
        # Each statement from a new printed page: a page break above each but the first.
        assert starts[0] == 0
        assert [brk.id for brk in sheet.row_breaks.brk] == starts[1:]
        for start, end in zip(starts, [*starts[1:], len(column)], strict=True):
            channel = column[start].split(" · ")[1].split()[0]
            stated.append(channel)
            assert column[start + 2].startswith(f"渠道：{channel} ")
            assert column[start + 2].endswith(f"客户经理：{sheet.title}")
            statement = column[start:end]
            for title, key in parts.items():
                rows = [row for row in entry[key] if row["channel_id"] == channel]
                first = start + statement.index(title) + 2  # below the title and header
                cells = list(sheet.iter_rows(min_row=first + 1, max_row=first + len(rows) + 1,
                                             values_only=True))
                for row, values in zip(rows, cells, strict=False):
                    numbers: set[Any] = set()
                    _numbers(row, numbers)
                    for value in values:
                        if isinstance(value, datetime):
                            assert value.date() in numbers, (channel, key, value)
                        elif isinstance(value, int | float) and not isinstance(value, bool):
                            assert round(float(value), 6) in numbers, (channel, key, value)
                    assert row["explanation"] in values, (channel, key)
                if rows:  # then nothing more of the part: an empty row
                    assert cells[len(rows)][0] is None, (channel, key)
                else:  # no row: said under the part's title
                    assert column[first - 1] == "（无）", (channel, key)
    assert stated == [row["channel_id"] for manager in workbook.sheetnames
                      for row in profiles if row["manager"] == manager]
    sheet = workbook["张伟"]
    money = next(cell for row in sheet.iter_rows() for cell in row if cell.value == 54025.84)
    assert money.number_format == "#,##0.00"
    # Printed, not filtered: plain headers, no Excel tables, nothing frozen or repeated;
    # the footer names the sheet beside its page numbers.
    assert not sheet.tables and sheet.freeze_panes is None and sheet.print_title_rows is None
    assert sheet.oddFooter.right.text.startswith("&A") and sheet.page_setup.paperSize == 9


@pytest.mark.parametrize("profiles", [True, False])
def test_a_sheet_holds_at_most_pages_statements_and_a_manager_of_more_gets_more_sheets(
        profiles: bool, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Excel keeps at most 1,026 page breaks on a sheet: a manager of more statements
    than a sheet holds (``PAGES``, two here) gets more sheets, ``张伟 (2)`` and on; the
    channels of no profile come last, on sheets of their own."""
    monkeypatch.setattr(statements_module, "PAGES", 2)
    options = Options(as_of=date(2025, 6, 29))
    _, findings, scores = score_book(load(EXAMPLES / f"{PROVINCE}.xlsx", options),
                                     as_of=options.as_of)
    managers = {row["channel_id"]: row["manager"] if profiles else "无客户经理"
                for row in listing_rows(scores, "channels")}
    stated = {row["channel_id"] for key in ("rebates", "commission", "payments")
              for row in listing_rows(scores, key)}
    if not profiles:
        scores = scores.only(statements_module.READS - {"channels"})
    path = tmp_path / "statements.xlsx"
    xlsx.write(statements_module.statements(scores, findings), path, as_of=options.as_of,
               source="x", lang="zh")
    expected: list[str] = []
    for manager in dict.fromkeys(managers[channel] for channel in managers
                                 if channel in stated):
        count = sum(managers[channel] == manager for channel in stated)
        expected += [manager, *(f"{manager} ({number})"
                                for number in range(2, (count + 1) // 2 + 1))]
    workbook = openpyxl.load_workbook(path)
    assert workbook.sheetnames == expected and len(expected) > len(set(managers.values()))
    titles = [cell.value.split(" · ")[1].split()[0] for sheet in workbook.worksheets
              for cell in sheet["A"] if str(cell.value).startswith("对账单 · ")]
    assert sorted(titles) == sorted(stated)
    for sheet in workbook.worksheets:
        assert len(sheet.row_breaks.brk) <= 1, sheet.title


@needs_fork
def test_statements_laid_out_beside_are_the_bytes_of_statements_laid_out_here(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Printed sheets of many cells are laid out half in a child forked for it, each
    process making only the rows of its sheets and measuring each part's columns on them:
    with the widest of both on every sheet, the workbook is the one a single process
    writes. The last statement's model is the widest: the child's."""
    monkeypatch.setattr(statements_module, "PAGES", 2)  # 18 sheets
    monkeypatch.setattr(xlsx, "_BESIDE_CELLS", 0)
    options = Options(as_of=date(2025, 6, 29))

    def written(forked: bool) -> tuple[bytes, bool]:
        monkeypatch.setattr(isolation, "_forked", forked)
        _, findings, scores = score_book(load(EXAMPLES / f"{PROVINCE}.xlsx", options),
                                         as_of=options.as_of)
        book = statements_module.statements(scores, findings)
        last = next(page.title[0].split()[0] for page in reversed(book.sheets[-1].pages)
                    if page.tables[0].rows)
        rebates = scores.listing("rebates")
        assert rebates is not None and isinstance(rebates.rows, Rows)
        make = rebates.rows._make
        assert make is not None
        monkeypatch.setattr(rebates.rows, "_make", lambda key: {
            **make(key), **({"model": "M" * 30} if key[0][0] == last else {})})
        path = tmp_path / f"{forked}.xlsx"
        xlsx.write(book, path, as_of=options.as_of, source="x", lang="zh")
        return path.read_bytes(), rebates.rows.pending

    here, all_made_here = written(False)
    beside, some_made_there = written(True)
    assert not all_made_here and some_made_there  # the child made the rows of its sheets
    assert beside == here
    assert not package_problems(tmp_path / "True.xlsx")
    first = openpyxl.load_workbook(tmp_path / "True.xlsx").worksheets[0]
    assert first.column_dimensions["A"].width > 30  # the child's widest model, here too


def test_each_cell_of_a_statement_is_in_its_row(tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """A part's rows are made once, a mark where a row's number goes, and a table's rows
    take their numbers where they are laid out: every cell is in its row; a text holding
    the mark's character is written escaped, as Excel writes it; a blank is no cell."""
    options = Options(as_of=date(2025, 6, 29))
    _, findings, scores = score_book(load(EXAMPLES / f"{PROVINCE}.xlsx", options),
                                     as_of=options.as_of)
    rebates = scores.listing("rebates")
    assert rebates is not None and isinstance(rebates.rows, Rows)
    make = rebates.rows._make
    assert make is not None
    monkeypatch.setattr(rebates.rows, "_make", lambda key: {
        **make(key), "model": "M\0&<>", "volume_threshold": None})
    path = tmp_path / "statements.xlsx"
    xlsx.write(statements_module.statements(scores, findings), path, as_of=options.as_of,
               source="x", lang="zh")
    threshold = xlsx._column_name(statements_module._PARTS["rebates"].index("volume_threshold"))
    rebate_rows = 0
    with zipfile.ZipFile(path) as archive:
        for name in archive.namelist():
            if not name.startswith("xl/worksheets/sheet"):
                continue
            for row in etree.fromstring(archive.read(name)).iter(f"{MAIN}row"):
                cells = list(row.iter(f"{MAIN}c"))
                assert all(re.fullmatch(f"[A-Z]+{row.get('r')}", cell.get("r", ""))
                           for cell in cells), name
                if any(text.text == "M_x0000_&<>" for text in row.iter(f"{MAIN}t")):
                    rebate_rows += 1
                    assert not [cell for cell in cells
                                if cell.get("r") == f"{threshold}{row.get('r')}"]
    assert rebate_rows == len(listing_rows(scores, "rebates")) > 0


def _scored_value(events: list[str], monkeypatch: pytest.MonkeyPatch,
                  fails: bool = False) -> None:
    """Have the scorers that run after the money scorers (``value``) tell ``events``
    when they run; with ``fails``, the first of them finds a sheet unreadable."""
    def told(step: Step[Section]) -> Step[Section]:
        def run(book: Book) -> Section:
            events.append("value")
            if fails:
                raise ReadError("不可读")
            return step(book)
        return Step(run, step.reads)

    monkeypatch.setattr(value_module, "SCORERS", tuple(map(told, value_module.SCORERS)))


@needs_fork
def test_statements_are_laid_out_while_the_engine_scores_and_are_the_same_bytes(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The statements lay out the money scorers' listings and the profiles only: in the
    file's process their laying out starts (half of it in a child forked for it) as soon
    as those scorers have run, while the others run. The workbook is the one written
    from the finished scores."""
    monkeypatch.setattr(isolation, "_forked", True)
    monkeypatch.setattr(xlsx, "_BESIDE_CELLS", 0)
    events: list[str] = []
    start = xlsx.start

    def started(*args: Any, ahead: bool = False, **kwargs: Any) -> xlsx.Writing:
        events.append(f"start ahead={ahead}")
        return start(*args, ahead=ahead, **kwargs)

    monkeypatch.setattr(xlsx, "start", started)
    laid_out_by = tmp_path / "pids"
    lay_out = xlsx.Writing.lay_out

    def laid_out(writing: xlsx.Writing, printed: Any) -> Any:
        with laid_out_by.open("a") as pids:
            pids.write(f"{os.getpid()}\n")
        return lay_out(writing, printed)

    monkeypatch.setattr(xlsx.Writing, "lay_out", laid_out)
    _scored_value(events, monkeypatch)
    book = EXAMPLES / f"{PROVINCE}.xlsx"
    options = replace(Options(as_of=date(2025, 6, 29)), listing_keys=READS["statements"])
    target = tmp_path / "ahead.xlsx"
    result = check.report_file(Job(book, target), options, lambda: load(book, options),
                               kind="statements")
    assert result.status != "unreadable" and result.scores is None
    assert events[0] == "start ahead=True" and "value" in events[1:]
    assert len(set(laid_out_by.read_text().split())) == 2  # here and beside
    scored = check.score_file(Job(book), options, lambda: load(book, options))
    assert scored.scores is not None
    events.clear()
    write_report("statements", scored.scores, scored.findings, tmp_path / "after.xlsx",
                 source=book.name, lang="zh")
    assert events == ["start ahead=False"]
    assert target.read_bytes() == (tmp_path / "after.xlsx").read_bytes()


@needs_fork
def test_statements_laid_out_ahead_of_a_file_found_unreadable_are_not_written(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(isolation, "_forked", True)
    monkeypatch.setattr(xlsx, "_BESIDE_CELLS", 0)
    events: list[str] = []
    _scored_value(events, monkeypatch, fails=True)
    children: list[int] = []
    start = xlsx.Writing.start

    def started(writing: xlsx.Writing, *, ahead: bool) -> None:
        start(writing, ahead=ahead)
        assert ahead and writing.printing is not None
        children.append(writing.printing.beside.pid)

    monkeypatch.setattr(xlsx.Writing, "start", started)
    book = EXAMPLES / f"{PROVINCE}.xlsx"
    options = replace(Options(as_of=date(2025, 6, 29)), listing_keys=READS["statements"])
    result = check.report_file(Job(book, tmp_path / "out" / "s.xlsx"), options,
                               lambda: load(book, options), kind="statements")
    assert result.status == "unreadable" and "不可读" in str(result.reason)
    assert events == ["value"] and not (tmp_path / "out").exists()
    (child,) = children
    with pytest.raises(ProcessLookupError):  # the child laying out beside is gone
        os.kill(child, 0)


@pytest.mark.parametrize("unit", ["count", "number", "money", "rate", "text", "date"])
def test_a_columns_width_measured_on_parts_of_its_rows_is_its_width_on_all(
        unit: str, tmp_path: Path) -> None:
    # What lets the statements be laid out in two processes, each measuring its rows.
    rng = random.Random(unit)
    writer = xlsx.Writing(xlsx.ReportBook(("t", "t"), ()), tmp_path / "x.xlsx",
                          date(2025, 1, 1), "x", "zh")
    field = Field("value", "值", "Value", unit=unit)  # type: ignore[arg-type]

    def width(values: list[Any]) -> float:
        ((_, _, measured),) = writer.columns((field,), ["值"],
                                             [{"value": v} for v in values])
        return measured

    cases: list[list[Any]] = [[0.0, 1.5, -0.0], [0, -0.0], [-0.0, 0.0, 0.25], [0.125, 5, 0.5]]
    for values in cases:
        for split in range(len(values) + 1):  # a zero's minus shown whichever comes first
            assert max(width(values[:split]), width(values[split:])) == width(values)
    for _ in range(200):
        values = [rng.choice([0.1234567891, 5, 3.0, -0.001, 1e7, 123456.78, None, 0, -0.0,
                              rng.uniform(-1e5, 1e5), rng.randrange(-99, 10**6),
                              "文" * rng.randrange(0, 25)]) if unit != "date" else
                  date.fromordinal(rng.randrange(700_000, 740_000)).isoformat()
                  for _ in range(rng.randrange(1, 9))]
        split = rng.randrange(0, len(values) + 1)
        assert max(width(values[:split]), width(values[split:])) == width(values), values


def _unused_styles(path: Path) -> set[int]:
    """The cell styles of a workbook no cell uses (the first is every cell's default)."""
    with zipfile.ZipFile(path) as archive:
        styles = etree.fromstring(archive.read("xl/styles.xml"))
        used = {int(index) for name in archive.namelist()
                if name.startswith("xl/worksheets/sheet")
                for index in re.findall(rb' s="(\d+)"', archive.read(name))}
    return set(range(1, len(styles.find(f"{MAIN}cellXfs")))) - used


def test_every_style_of_a_report_is_one_a_cell_uses(
        reports: dict[tuple[str, str], Path], tmp_path: Path) -> None:
    for path in reports.values():
        assert not _unused_styles(path), path.name
    # Statements of which one part has no row: its number formats are no style either.
    options = Options(as_of=date(2025, 6, 29))
    _, findings, scores = score_book(load(EXAMPLES / f"{PROVINCE}.xlsx", options),
                                     as_of=options.as_of)
    scores.listings = [replace(listing, rows=[]) if listing.key == "payments" else listing
                       for listing in scores.listings]
    xlsx.write(statements_module.statements(scores, findings), tmp_path / "s.xlsx",
               as_of=options.as_of, source="x", lang="zh")
    assert not _unused_styles(tmp_path / "s.xlsx")


def test_the_rows_of_money_listings_tell_their_channels_before_they_are_made() -> None:
    options = Options(as_of=date(2025, 6, 29))
    _, _, scores = score_book(load(EXAMPLES / f"{PROVINCE}.xlsx", options),
                              as_of=options.as_of)
    for key in ("rebates", "commission", "payments"):
        found = scores.listing(key)
        assert found is not None and isinstance(found.rows, Rows)
        told = channels_of(found.rows)
        assert found.rows.pending  # told by the keys, not by the rows
        assert told == [row["channel_id"] for row in found.rows] and told
    assert channels_of([{"channel_id": "C1"}, {"channel_id": None}]) == ["C1", None]


def test_sheet_names_made_from_any_names_are_ones_excel_accepts(tmp_path: Path) -> None:
    # Managers' names as typed: apostrophes at either end, characters Excel refuses, names
    # too long (one counted in UTF-16 units: each 𠀀 is two), the same name in other case.
    names = ["'王五'", "''", "a[b]:c*d?e/f\\g", "长" * 40, "𠀀" * 20, "x" * 30 + "'y",
             "Zhang", "zhang", "ZHANG", "'"]
    made = xlsx._sheet_names(names)
    assert made[:3] == ["王五", "_", "a_b__c_d_e_f_g"]
    assert made[6:9] == ["Zhang", "zhang (2)", "ZHANG (3)"]
    workbook = xlsxwriter.Workbook(str(tmp_path / "names.xlsx"))
    for name in made:  # XlsxWriter's own check of each name, as Excel's rules say
        assert workbook.add_worksheet(name).get_name() == name
    workbook.close()
    assert openpyxl.load_workbook(tmp_path / "names.xlsx").sheetnames == made


def test_a_report_in_english_has_english_sheets_and_headings(tmp_path: Path) -> None:
    result = run("report", "monthly", EXAMPLES / f"{PROVINCE}.xlsx", *AS_OF, "--lang", "en",
                 "--out", tmp_path)
    assert result.exit_code == 0, result.output
    (path,) = tmp_path.glob("*.xlsx")
    assert path.name == f"{PROVINCE}_Monthly assessment_2025-06-29.xlsx"
    workbook = openpyxl.load_workbook(path)
    assert workbook.sheetnames == ["Overview", "Ranking", "Quarter", "Offices and tiers",
                                   "Training"]
    ranking = workbook["Ranking"]
    assert [cell.value for cell in ranking[5]][:4] == ["Rank", "Manager", "Office",
                                                      "KPI score"]


def test_the_layout_freezes_headers_and_sets_up_printing(
        reports: dict[tuple[str, str], Path]) -> None:
    workbook = openpyxl.load_workbook(reports[PROVINCE, "monthly"])
    ranking = workbook["排名"]
    assert ranking.freeze_panes == "A6"
    assert ranking.print_title_rows == "$5:$5"
    assert ranking.page_setup.paperSize == 9
    # One page wide (Excel's default width of 1 is left out), as many pages tall as needed.
    assert ranking.sheet_properties.pageSetUpPr.fitToPage
    assert ranking.page_setup.fitToWidth in (None, 1) and ranking.page_setup.fitToHeight == 0
    assert "&P" in ranking.oddFooter.right.text and "2025-06-29" in ranking.oddFooter.center.text
    assert workbook["概览"].page_setup.orientation == "landscape"
    # A Chinese heading of six characters takes twelve places, and a bit more.
    office = next(cell for cell in ranking[5] if cell.value == "本季度黄牌数")
    assert ranking.column_dimensions[office.column_letter].width >= 12
    assert ranking.tables and all(table.autoFilter is not None
                                  for table in ranking.tables.values())


def test_an_unreadable_file_is_reported_and_the_others_get_their_reports(
        tmp_path: Path) -> None:
    broken = tmp_path / "in" / "broken.xlsx"
    broken.parent.mkdir()
    broken.write_bytes(b"not a workbook")
    result = run("report", "dashboard", broken, EXAMPLES / f"{PROVINCE}.xlsx", *AS_OF,
                 "--out", tmp_path / "out")
    assert result.exit_code == 2
    assert "broken.xlsx" in result.stderr and "Traceback" not in result.output
    assert [path.name for path in (tmp_path / "out").iterdir()] == [
        f"{PROVINCE}_管理层看板_2025-06-29.xlsx"]


def test_a_report_that_cannot_be_written_is_named_and_the_others_are_written(
        tmp_path: Path) -> None:
    """Each file's report is written in the file's own process: one that cannot be
    written (a folder where it would go) is named with the reason, exit code 2, and the
    other files get theirs."""
    out = tmp_path / "out"
    (out / f"{PROVINCE}_对账单_2025-06-29.xlsx").mkdir(parents=True)
    other = "宁波办事处_拜访日志_2025年5月"
    result = run("report", "statements", EXAMPLES / f"{PROVINCE}.xlsx",
                 EXAMPLES / f"{other}.xlsx", *AS_OF, "--out", out)
    assert result.exit_code == 2
    target = out / f"{PROVINCE}_对账单_2025-06-29.xlsx"
    assert f"{PROVINCE}.xlsx: 无法写入 {target}：" in result.stderr
    assert "Traceback" not in result.output
    assert result.stdout.splitlines() == [str(out / f"{other}_对账单_2025-06-29.xlsx")]
    assert not [path for path in out.iterdir() if path.suffix != ".xlsx"]  # no leftovers


def test_a_report_with_nothing_to_state_says_so(reports: dict[tuple[str, str], Path]) -> None:
    workbook = openpyxl.load_workbook(reports["温州办事处_拜访日志_2025年6月", "statements"])
    assert workbook.sheetnames == ["（无）"]
    assert workbook.active["A4"].value == "（无）"


@needs_libreoffice
def test_libreoffice_renders_every_report_to_pdf_and_png(
        reports: dict[tuple[str, str], Path], tmp_path: Path) -> None:
    paths = sorted(reports.values())
    libreoffice_convert(paths, tmp_path / "pdf", "pdf")
    libreoffice_convert(paths, tmp_path / "png", "png")
    for path in paths:
        pdf = (tmp_path / "pdf" / path.name).with_suffix(".pdf").read_bytes()
        pages = len(re.findall(rb"/Type\s*/Page\b", pdf))
        assert pages > 0, path.name
        png = (tmp_path / "png" / path.name).with_suffix(".png").read_bytes()
        assert png.startswith(b"\x89PNG") and len(png) > 5000, path.name
    statements = (tmp_path / "pdf" / reports[PROVINCE, "statements"].name).with_suffix(".pdf")
    # One page (at least) for each of the province's 30 channels.
    assert len(re.findall(rb"/Type\s*/Page\b", statements.read_bytes())) >= 30


# ------------------------------------------------- report --combine and report --db

COMBINED = ("--combine", "--policy", EXAMPLES / f"{PROVINCE}.xlsx")


@pytest.fixture(scope="module")
def combined(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Each report of the examples scored as one book: kind -> the report."""
    out = tmp_path_factory.mktemp("combined")
    found: dict[str, Path] = {}
    for kind in REPORT_KINDS:
        result = run("report", kind, EXAMPLES, *COMBINED, *AS_OF, "--out", out)
        assert result.exit_code in (0, 1), result.output
        (found[kind],) = map(Path, result.stdout.splitlines())
    return found


def test_a_combined_report_is_one_report_named_after_the_folder(
        combined: dict[str, Path]) -> None:
    assert combined["weekly"].name == "examples_合并_夕会周报_2025-06-29.xlsx"
    assert len(list(combined["weekly"].parent.iterdir())) == len(REPORT_KINDS)
    # The source line names the workbooks of the book.
    sheet = openpyxl.load_workbook(combined["monthly"]).worksheets[0]
    assert sheet["A2"].value == ("截至 2025-06-29 · 数据来源 宁波办事处_拜访日志_2025年5月.xlsx、"
                                 "宁波办事处_渠道台账_2025年6月.xlsx、浙江省_渠道台账_2025Q2.xlsx "
                                 f"等 {EXAMPLE_COUNT} 个工作簿")


def test_the_combined_monthly_report_ranks_the_managers_of_every_office(
        combined: dict[str, Path]) -> None:
    ranking = openpyxl.load_workbook(combined["monthly"])["排名"]
    rows = [[cell.value for cell in row][:5] for row in ranking.iter_rows(min_row=6)]
    june = [(row[1], row[0], row[4]) for row in rows if row[0] is not None]
    assert june == [("李娜", 1, "奖励"), ("刘洋", 2, None), ("王强", 3, None),
                    ("赵磊", 4, None), ("陈静", 5, None), ("张伟", 6, "黄牌")]
    # Managers of three offices, kept in three different workbooks.
    assert {MANAGERS[manager][0] for manager, _, _ in june} == {
        "杭州办事处", "宁波办事处", "温州办事处"}


@pytest.mark.parametrize("kind", REPORT_KINDS)
def test_every_number_in_a_combined_report_is_one_score_combine_computed(
        combined: dict[str, Path], kind: str) -> None:
    result = run("score", EXAMPLES, *COMBINED, "--format", "json", *AS_OF)
    (entry,) = json.loads(result.stdout)["files"]
    assert len(entry["sources"]) == EXAMPLE_COUNT
    assert _numbers_seen(combined[kind], entry)


def test_a_report_from_the_store_is_the_combined_report_byte_for_byte(
        store_url: str, combined: dict[str, Path], tmp_path: Path) -> None:
    """The same book, from the files or from the store's current versions, gives the
    same bytes; a report records no run in the store."""
    archived = run("archive", EXAMPLES, "--db", store_url, "--accept-errors")
    assert archived.exit_code == 0, archived.output
    for kind in REPORT_KINDS:
        result = run("report", kind, "--db", store_url, "--policy",
                     EXAMPLES / f"{PROVINCE}.xlsx", *AS_OF, "--out", tmp_path)
        assert result.exit_code in (0, 1), result.output  # as score --db: error findings
        (path,) = map(Path, result.stdout.splitlines())
        assert path.name == f"历史库_全部_{_kind_word(kind)}_2025-06-29.xlsx"
        assert path.read_bytes() == combined[kind].read_bytes(), kind
    runs = run("history", "runs", "--db", store_url)
    assert runs.exit_code == 0
    assert runs.stdout.strip() == word("history_runs_empty", "zh").format(
        store=shown(open_store(store_url, create=False)[0]))


def test_a_report_from_the_store_takes_the_scope_of_score_db(
        store_url: str, tmp_path: Path) -> None:
    assert run("archive", EXAMPLES, "--db", store_url, "--accept-errors").exit_code == 0
    result = run("report", "monthly", "--db", store_url, "--office", "宁波办事处", "--from",
                 "2025-06", *AS_OF, "--out", tmp_path, "--lang", "en")
    assert result.exit_code in (0, 1), result.output
    (path,) = map(Path, result.stdout.splitlines())
    assert path.name == "history_宁波办事处_2025-06_Monthly assessment_2025-06-29.xlsx"
    scored = run("score", "--db", store_url, "--office", "宁波办事处", "--from", "2025-06",
                 *AS_OF, "--format", "json")
    (entry,) = json.loads(scored.stdout)["files"]
    assert entry["sources"] == ["宁波办事处_渠道台账_2025年6月.xlsx"]
    assert _numbers_seen(path, entry)
    nothing = run("report", "monthly", "--db", store_url, "--office", "北区", "--out",
                  tmp_path / "none")
    assert nothing.exit_code == 2 and "没有符合" in nothing.stderr
    assert not (tmp_path / "none").exists()


def test_report_usage_errors(tmp_path: Path) -> None:
    policy = str(EXAMPLES / f"{PROVINCE}.xlsx")
    for arguments, key in ((["report", "weekly"], "score_needs_input"),
                           (["report", "weekly", policy, "--policy", policy],
                            "policy_needs_combine"),
                           (["report", "weekly", policy, "--office", "东区"], "scope_needs_db"),
                           (["report", "weekly", policy, "--db", str(tmp_path / "h.db")],
                            "report_db_no_paths")):
        result = run(*arguments, "--out", tmp_path / "out")
        assert result.exit_code == 2 and word(key, "zh") in result.output, arguments
    missing = run("report", "weekly", "--db", tmp_path / "missing.db", "--out", tmp_path / "out")
    assert missing.exit_code == 2 and "Traceback" not in missing.output
    assert not (tmp_path / "missing.db").exists() and not (tmp_path / "out").exists()


def test_a_combined_report_leaves_out_an_unreadable_file_and_says_so(tmp_path: Path) -> None:
    broken = tmp_path / "in" / "broken.xlsx"
    broken.parent.mkdir()
    broken.write_bytes(b"not a workbook")
    result = run("report", "dashboard", broken, EXAMPLES / f"{PROVINCE}.xlsx", "--combine",
                 *AS_OF, "--out", tmp_path / "out")
    assert result.exit_code == 2 and "broken.xlsx" in result.stderr
    # Files whose common folder holds neither directly (here a folder above both, /tmp
    # in CI): the report is named 合并 only.
    assert [path.name for path in (tmp_path / "out").iterdir()] == [
        "合并_管理层看板_2025-06-29.xlsx"]
    unreadable_policy = run("report", "dashboard", EXAMPLES / f"{PROVINCE}.xlsx",
                            "--combine", "--policy", broken, "--out", tmp_path / "none")
    assert unreadable_policy.exit_code == 2 and "broken.xlsx" in unreadable_policy.stderr
    assert not (tmp_path / "none").exists()


def _province(path: Path, change: Any) -> Path:
    """The province's example workbook, changed by ``change`` (an openpyxl workbook)."""
    workbook = openpyxl.load_workbook(EXAMPLES / f"{PROVINCE}.xlsx")
    change(workbook)
    workbook.save(path)
    return path


def test_names_with_control_characters_give_well_formed_statements(tmp_path: Path) -> None:
    def named(workbook: Any) -> None:
        profiles = workbook["渠道档案"]
        profiles["B3"] = "杭州_x000B_西湖店"  # Excel's own escape: calamine reads a tab
        profiles["G3"] = "张_x000B_伟"  # a manager: a sheet of the statements

    book = _province(tmp_path / "book.xlsx", named)
    result = run("report", "statements", book, *AS_OF, "--out", tmp_path / "out")
    assert result.exit_code in (0, 1), result.output
    (written,) = (tmp_path / "out").glob("*.xlsx")
    assert "张_伟" in openpyxl.load_workbook(written).sheetnames  # well-formed, or it raises
    assert package_problems(written) == []
    read = CalamineWorkbook.from_path(str(written))
    texts = [value for name in read.sheet_names
             for row in read.get_sheet_by_name(name).to_python() for value in row]
    assert "对账单 · CH001 杭州\x0b西湖店" in texts  # the text as it was
    # Text that only reads like Excel's escape keeps its underscore.
    assert "门店_x005F_x0031_号" in xlsx._inline("门店_x0031_号")


def test_a_contest_place_left_vacant_is_no_statement(tmp_path: Path) -> None:
    # At the end of March the province's ranking contest has places no channel filled.
    result = run("report", "statements", EXAMPLES / f"{PROVINCE}.xlsx", "--as-of",
                 "2025-03-31", "--out", tmp_path / "out")
    assert result.exit_code in (0, 1), result.output
    (written,) = (tmp_path / "out").glob("*.xlsx")
    texts = {str(cell.value) for sheet in openpyxl.load_workbook(written) for row in
             sheet.iter_rows() for cell in row if cell.value is not None}
    assert not [value for value in texts if "None" in value]


def test_dashboard_alerts_find_channels_written_as_numbers(tmp_path: Path) -> None:
    def numbered(workbook: Any) -> None:
        for name in ("渠道档案", "拜访日志", "销售记录"):
            sheet = workbook[name]
            column = next(cell.column for cell in sheet[2] if cell.value == "渠道编码")
            for row in range(3, sheet.max_row + 1):
                value = sheet.cell(row, column).value
                if isinstance(value, str) and value.startswith("CH"):
                    sheet.cell(row, column).value = int(value[2:]) + 1000

    book = _province(tmp_path / "book.xlsx", numbered)
    as_of = ("--as-of", "2025-07-20")
    found = json.loads(run("score", book, "--format", "json", *as_of).stdout)["files"][0]
    dropped = {str(int(f["value"])) for f in found["findings"] if f["code"] == "order_drop"}
    assert dropped
    run("report", "dashboard", book, *as_of, "--out", tmp_path / "out")
    (written,) = (tmp_path / "out").glob("*.xlsx")
    shown = {str(cell.value) for sheet in openpyxl.load_workbook(written) for row in
             sheet.iter_rows() for cell in row if cell.value is not None}
    assert dropped <= shown


def test_the_monthly_report_ranks_the_month_of_its_as_of_date(tmp_path: Path) -> None:
    book, as_of = EXAMPLES / f"{PROVINCE}.xlsx", ("--as-of", "2025-05-31")  # June assessed too
    found = json.loads(run("score", book, "--format", "json", *as_of).stdout)["files"][0]
    (first,) = [row["manager"] for row in found["managers"]
                if row["month"] == "2025-05" and row["rank"] == 1]
    run("report", "monthly", book, *as_of, "--out", tmp_path / "out")
    (written,) = (tmp_path / "out").glob("*.xlsx")
    ranked = [row for row in openpyxl.load_workbook(written)["排名"].iter_rows(values_only=True)
              if row[0] == 1]
    assert ranked[0][1] == first
