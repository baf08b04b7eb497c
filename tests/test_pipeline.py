"""Reading and working at once: sheets parsed in the background, smallest first; each
typed when first asked for; rules and scorers run as their sheets are parsed."""

from __future__ import annotations

import pickle
import re
import tempfile
import threading
import zipfile
from collections.abc import Callable
from concurrent.futures import Future
from datetime import date
from functools import partial
from pathlib import Path
from threading import Event, Thread
from typing import Any, Final

import openpyxl
import pytest

from chantool import batch
from chantool.batch import Options, ReadError, load
from chantool.book import Book, Step, once_per_book, reads, run_steps
from chantool.check import check_file, score_file
from chantool.coerce import Cell
from chantool.io import reader
from chantool.io.reader import open_workbook, parse_sheets, read_sheet, smallest_first
from chantool.listings import Listing, Row, Rows, Scores
from chantool.scoring import score_book
from chantool.table import RawSheet, wait_for_any
from chantool.validate import read_book, reading_findings
from tests.conftest import MakeWorkbook
from tests.excel_edits import read_parts, write_parts
from tests.test_checks import CHANNEL, VISIT, Record
from tests.test_foreign_packages import with_backslashes

AS_OF: Final = date(2025, 6, 30)
EXAMPLE: Final = Path(__file__).parent.parent / "examples" / "浙江省_渠道台账_2025Q2.xlsx"


def _pending(name: str) -> tuple[RawSheet, Future[RawSheet]]:
    parse: Future[RawSheet] = Future()
    return RawSheet.parsing(name, parse), parse


def _sheet(name: str, record: Record) -> RawSheet:
    return RawSheet(name, [list(record), list(record.values())])


def test_a_pending_sheet_waits_for_its_parse_and_raises_what_it_raised() -> None:
    sheet, parse = _pending("渠道档案")
    assert not sheet.parsed
    parse.set_result(RawSheet("渠道档案", [["a"]]))
    assert sheet.parsed and sheet.rows == [["a"]] and sheet.merged == ()
    broken, failed = _pending("拜访日志")
    failed.set_exception(ReadError("坏了"))
    assert broken.parsed
    with pytest.raises(ReadError, match="坏了"):
        _ = broken.rows


def test_waiting_for_a_sheet_waits_for_one_not_parsed_yet() -> None:
    parsed, done = _pending("渠道档案")
    done.set_result(RawSheet("渠道档案", [["a"]]))  # parsed, its rows not read yet
    pending, parse = _pending("拜访日志")
    returned = Event()

    def wait() -> None:
        wait_for_any([parsed, pending])
        returned.set()

    waiting = Thread(target=wait)
    waiting.start()
    assert not returned.wait(0.2)  # a parsed sheet is no reason to stop waiting
    parse.set_result(RawSheet("拜访日志", [["b"]]))
    assert returned.wait(5)
    waiting.join()
    wait_for_any([parsed, pending])  # all parsed: at once


def test_sheets_are_parsed_in_the_order_given_and_a_failure_reaches_every_later_one() -> None:
    parsed: list[str] = []
    finished = Event()

    def parse(name: str) -> RawSheet:
        if name == "bad":
            raise ReadError("无法读取")
        parsed.append(name)
        return RawSheet(name, [[name]])

    for aside in (True, False):
        parsed.clear()
        finished.clear()
        sheets = parse_sheets(["a", "bad", "b", "c"], [3, 0, 1, 2], parse, finished.set,
                              aside=aside)
        assert [sheet.name for sheet in sheets] == ["a", "bad", "b", "c"]  # workbook order
        assert finished.is_set() or aside  # without a thread, parsed before returned
        assert sheets[0].rows == [["a"]] and sheets[3].rows == [["c"]]
        assert finished.wait(5)
        assert parsed == ["c", "a"]
        for sheet in sheets[1:3]:
            with pytest.raises(ReadError, match="无法读取"):
                _ = sheet.rows


def test_two_sheets_of_one_name_are_parsed_each() -> None:
    finished = Event()
    sheets = parse_sheets(["渠道档案", "渠道档案"], [1, 0],
                          lambda name: RawSheet(name, [[name]]), finished.set, aside=True)
    assert finished.wait(5) and [sheet.rows for sheet in sheets] == [[["渠道档案"]]] * 2


def test_a_workbook_whose_sheet_list_cannot_be_parsed_here_is_read_in_workbook_order(
    tmp_path: Path
) -> None:
    # An element of an undeclared namespace: calamine reads past it, defusedxml refuses.
    broken = tmp_path / "broken.xlsx"
    with zipfile.ZipFile(EXAMPLE) as source, zipfile.ZipFile(broken, "w") as copy:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == "xl/workbook.xml":
                data = data.replace(b"<sheets>", b"<x:unknown/><sheets>", 1)
            copy.writestr(info, data)
    workbook, names = open_workbook(broken)
    assert smallest_first(workbook, names) == list(range(len(names))) and len(names) > 2
    assert all(read_sheet(workbook, name).rows for name in names)
    # A name the file does not have counts as empty.
    workbook, _ = open_workbook(EXAMPLE)
    assert smallest_first(workbook, ["渠道档案", "价格表", "无此表"]) == [2, 1, 0]


def test_load_parses_the_smallest_sheets_first(monkeypatch: pytest.MonkeyPatch) -> None:
    order: list[str] = []

    def spy(workbook: object, name: str) -> RawSheet:
        order.append(name)
        return read_sheet(workbook, name)  # type: ignore[arg-type]

    monkeypatch.setattr(batch, "read_sheet", spy)
    sheets = load(EXAMPLE, Options(as_of=AS_OF))
    sizes = {sheet.name: sum(len(row) for row in sheet.rows) for sheet in sheets}
    assert sorted(order) == sorted(sizes)
    assert sizes[order[0]] < sizes[order[-1]]
    assert order[-1] == max(sizes, key=sizes.__getitem__)


def test_a_sheets_columns_pad_short_rows_and_come_ready_from_the_reader(
    monkeypatch: pytest.MonkeyPatch
) -> None:
    assert RawSheet("a", [[1, 2], [3], []]).columns == [[1, 3, None], [2, None, None]]
    assert RawSheet("a", [[1, 2], [3, 4]]).columns == [[1, 3], [2, 4]]
    assert RawSheet("a", []).columns == []
    handed, parse = _pending("a")
    parsed = RawSheet("a", [[1]])
    ready = parsed.columns  # as the reading thread does before handing it over
    parse.set_result(parsed)
    assert handed.columns is ready
    worked_out: list[str] = []
    columns: property = vars(RawSheet)["columns"]

    def spy(sheet: RawSheet) -> list[list[Cell]]:
        worked_out.append(threading.current_thread().name)
        found: list[list[Cell]] = columns.__get__(sheet)
        return found

    monkeypatch.setattr(RawSheet, "columns", property(spy))
    monkeypatch.setattr(reader, "_PARSE_ASIDE_BYTES", 0)  # a large workbook
    sheets = load(EXAMPLE, Options(as_of=AS_OF))
    assert all(sheet.rows for sheet in sheets)
    assert worked_out and set(worked_out) == {"chantool-reader"}


def test_a_small_workbooks_sheets_are_parsed_before_they_are_handed_over(
    monkeypatch: pytest.MonkeyPatch
) -> None:
    workbook, _ = open_workbook(EXAMPLE)
    assert not workbook.threads  # under a megabyte of sheets' XML
    workbook.close()
    monkeypatch.setattr(reader, "_PARSE_ASIDE_BYTES", 1)
    aside = [(sheet.name, sheet.rows) for sheet in load(EXAMPLE, Options(as_of=AS_OF))]
    monkeypatch.undo()
    started: list[str] = []
    monkeypatch.setattr(reader, "Thread", lambda **kwargs: started.append(kwargs["name"]))
    sheets = load(EXAMPLE, Options(as_of=AS_OF))
    assert sheets and all(sheet.parsed for sheet in sheets)
    assert started == []  # no thread, neither to parse nor to scan for error cells
    assert [(sheet.name, sheet.rows) for sheet in sheets] == aside


def test_a_child_among_children_on_every_core_parses_without_threads(
    monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(reader, "_PARSE_ASIDE_BYTES", 0)  # a large workbook
    monkeypatch.setattr(reader, "_SCAN_ASIDE_BYTES", 0)  # with large parts
    workbook, _ = open_workbook(EXAMPLE)
    assert workbook.threads
    workbook.close()
    monkeypatch.setattr(reader, "crowded", lambda: True)
    started: list[str] = []
    monkeypatch.setattr(reader, "Thread", lambda **kwargs: started.append(kwargs["name"]))
    sheets = load(EXAMPLE, Options(as_of=AS_OF))
    assert sheets and all(sheet.parsed for sheet in sheets)
    assert started == []


def test_a_sheet_is_typed_once_when_first_asked_for() -> None:
    visits, parse = _pending("拜访日志")
    book = read_book([_sheet("渠道档案", CHANNEL), visits], as_of=AS_OF)
    assert book.sheets.parsed(["channels", "contests"])  # a missing sheet waits for nothing
    assert not book.sheets.parsed(["channels", "visits"])
    pending, typed = _pending("渠道档案")
    # Typing the visits checks their channel ids against the profiles: it waits for those.
    assert not read_book([pending, _sheet("拜访日志", VISIT)], as_of=AS_OF).sheets.parsed(
        ["visits"])
    typed.set_result(_sheet("渠道档案", CHANNEL))
    assert book.sheets["channels"].column("channel_id") == ["CH001"]
    parse.set_result(_sheet("拜访日志", {**VISIT, "渠道编码": "CH404"}))
    first = book.sheets["visits"]
    assert book.sheets["visits"] is first
    found = reading_findings(book)
    assert [(f.code, f.cell) for f in found] == [("unknown_channel", "C2")]
    assert reading_findings(book) == found  # asking again finds nothing twice


def test_steps_run_as_their_sheets_are_parsed_and_return_in_their_order() -> None:
    visits, parse = _pending("拜访日志")
    book = read_book([_sheet("渠道档案", CHANNEL), visits], as_of=AS_OF)
    ran: list[str] = []

    def step(name: str, *kinds: str) -> Step[str]:
        def run(book: Book) -> str:
            ran.append(name)
            return name
        return reads(*kinds)(run)

    def undeclared(book: Book) -> str:
        # Reads the visits without naming them: it waits for their parse, right but late.
        ran.append("undeclared")
        parse.set_result(_sheet("拜访日志", VISIT))
        return f"undeclared {len(book.sheets['visits'])}"

    steps = [step("on visits", "visits", "channels"), step("on channels", "channels"),
             reads("channels")(undeclared), step("on nothing")]
    assert run_steps(book, steps) == ["on visits", "on channels", "undeclared 1",
                                      "on nothing"]
    assert ran == ["on channels", "undeclared", "on nothing", "on visits"]


@pytest.mark.parametrize("damaged", ["拜访日志", "Channels"])
def test_a_sheet_that_fails_to_parse_makes_the_file_unreadable(
    damaged: str, make_workbook: MakeWorkbook, monkeypatch: pytest.MonkeyPatch
) -> None:
    # "Channels" is a second channel-profile sheet, which no rule reads.
    path = make_workbook({"渠道档案": [list(CHANNEL), list(CHANNEL.values())],
                          "拜访日志": [list(VISIT), list(VISIT.values())],
                          "Channels": [list(CHANNEL), list(CHANNEL.values())]})

    def fail_on_visits(workbook: object, name: str) -> RawSheet:
        if name == damaged:
            raise ValueError("damaged sheet")
        return read_sheet(workbook, name)  # type: ignore[arg-type]

    monkeypatch.setattr(batch, "read_sheet", fail_on_visits)
    options = Options(as_of=AS_OF, jobs=1)
    for work in (check_file, score_file):
        result = work(batch.Job(path), options, lambda: load(path, options))
        assert result.status == "unreadable"
        assert "damaged sheet" in (result.reason or "")


def test_scores_do_not_depend_on_when_sheets_are_parsed() -> None:
    eager = load(EXAMPLE, Options(as_of=AS_OF))
    assert all(sheet.rows for sheet in eager)  # every sheet parsed before the engine starts
    _, at_once, scores = score_book(eager, as_of=AS_OF)
    _, as_parsed, parsed_scores = score_book(load(EXAMPLE, Options(as_of=AS_OF)), as_of=AS_OF)
    assert at_once == as_parsed and at_once
    assert scores.to_dict() == parsed_scores.to_dict()
    assert len(scores.listings) > 5 and all(listing.rows for listing in scores.listings[:3])


def test_listing_rows_are_made_when_read_and_cross_processes_as_a_list() -> None:
    made: list[int] = []

    def make(key: int) -> Row:
        made.append(key)
        return {"key": key}

    rows = Rows([10, 20, 30, 40], make)
    listing = Listing("demo", ("演示", "Demo"), (), rows)
    assert len(rows) == 4 and made == []
    (head,) = Scores(AS_OF, [listing], []).head(2).listings
    assert head.rows == [{"key": 10}, {"key": 20}] and head.count == 4
    assert made == [10, 20]
    assert rows[-1] == {"key": 40} and rows[1] is rows[1] and made == [10, 20, 40]
    copied = pickle.loads(pickle.dumps(rows))
    assert type(copied) is list and copied == rows == [{"key": k} for k in (10, 20, 30, 40)]
    assert made == [10, 20, 40, 30]  # each row made once
    for outside in (4, -5):
        with pytest.raises(IndexError):
            rows[outside]
    assert rows != tuple(copied)  # a list is not equal to a tuple either


def test_a_shortened_listing_says_so_and_never_becomes_json() -> None:
    listing = Listing("demo", ("演示", "Demo"), (), [{"key": k} for k in range(5)])
    scores = Scores(AS_OF, [listing], [])
    assert listing.left_out == 0 and scores.to_dict()["demo"] == listing.rows
    head = scores.head(2)
    assert head.listings[0].left_out == 3
    with pytest.raises(ValueError, match="shortened"):
        head.to_dict()


def test_a_value_derived_once_per_book_is_shared_by_the_steps_that_ask() -> None:
    worked: list[int] = []

    @once_per_book
    def channel_count(book: Book) -> int:
        worked.append(1)
        return len(book.sheets["channels"])

    one, other = (read_book([_sheet("渠道档案", CHANNEL)], as_of=AS_OF) for _ in range(2))
    steps = [reads("channels")(channel_count), reads("channels")(channel_count)]
    assert run_steps(one, steps) == [1, 1] and worked == [1]
    assert channel_count(other) == 1 and worked == [1, 1]  # another book works it out anew


@pytest.mark.parametrize("kind", ["ordinary", "backslashes"])
@pytest.mark.parametrize("large", [False, True])
def test_error_cells_are_read_as_their_text_in_small_and_large_sheets(
    kind: str, large: bool, make_workbook: MakeWorkbook, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch
) -> None:
    # In a large workbook, the large sheet's part is scanned in a thread beside calamine,
    # the small one's before; in a small workbook both before.
    monkeypatch.setattr(reader, "_PARSE_ASIDE_BYTES", 0 if large else 1 << 40)
    visits = [list(VISIT), *([list(VISIT.values())] * 4000)]
    path = make_workbook({"渠道档案": [list(CHANNEL), list(CHANNEL.values())],
                          "拜访日志": visits})
    workbook = openpyxl.load_workbook(path)
    for title, ref in (("渠道档案", "B2"), ("拜访日志", "C4001")):
        workbook[title][ref].value = "#N/A"
        workbook[title][ref].data_type = "e"
    workbook.save(path)
    if kind == "backslashes":
        path = with_backslashes(path, tmp_path / "export.xlsx")
    opened, names = open_workbook(path)
    sizes = {name: opened.parts[name].file_size for name in names}
    assert sizes["渠道档案"] < reader._SCAN_ASIDE_BYTES <= sizes["拜访日志"]
    assert opened.threads == large
    sheets = {sheet.name: sheet.rows for sheet in map(partial(read_sheet, opened), names)}
    opened.close()
    assert sheets["渠道档案"][1][1] == "#N/A" and sheets["拜访日志"][4000][2] == "#N/A"
    assert sheets["拜访日志"][3999][2] == VISIT["渠道编码"]


# --- a large sheet parsed in two halves at once --------------------------------------------

def _halves_and_whole(path: Path, monkeypatch: pytest.MonkeyPatch
                      ) -> tuple[dict[str, RawSheet], dict[str, RawSheet], int]:
    """Each sheet of ``path`` read with every part cut in halves where it can be, and read
    whole; and how many halves calamine parsed."""
    parsed = []

    def counted(*args: object, **kwargs: bool) -> object:
        parsed.append(args)
        return real(*args, **kwargs)  # type: ignore[arg-type]

    real = reader._parsed
    monkeypatch.setattr(reader, "_parsed", counted)
    monkeypatch.setattr(reader, "_PARSE_ASIDE_BYTES", 0)
    monkeypatch.setattr(reader, "_BESIDES_SHARE", 1)  # small sheets: the theme's as large
    read: list[dict[str, RawSheet]] = []
    for halves_from in (0, 1 << 40):
        monkeypatch.setattr(reader, "_HALVES_BYTES", halves_from)
        opened, names = open_workbook(path)
        assert opened.threads
        read.append({name: read_sheet(opened, name) for name in names})
        opened.close()
    return read[0], read[1], len(parsed)


def _sheet_part(path: Path) -> str:
    return next(name for name in read_parts(path) if name.startswith("xl/worksheets/"))


def _edit_rows(path: Path, edit: Callable[[bytes], bytes]) -> Path:
    parts = read_parts(path)
    name = _sheet_part(path)
    parts[name] = edit(parts[name])
    write_parts(path, parts)
    return path


def _rows_of(sheet: RawSheet) -> tuple[list[list[object]], tuple[object, ...]]:
    return [list(row) for row in sheet.rows], sheet.merged


def _visits(count: int, *, from_column: int = 0, width: int | None = None) -> list[list[Any]]:
    values = list(VISIT.values())[:width]
    return [[*[None] * from_column, *values] for _ in range(count)]


@pytest.mark.parametrize("variant", [
    "plain", "blank rows at the cut", "second half narrower", "first half narrower",
    "second half from column C", "merged, error and date cells", "1904 dates",
    "prefixed elements", "only the first half holds cells"])
def test_a_large_sheet_read_in_halves_is_the_sheet_read_whole(
    variant: str, make_workbook: MakeWorkbook, monkeypatch: pytest.MonkeyPatch
) -> None:
    rows: list[list[Any]] = [[*VISIT], *_visits(400)]
    if variant == "blank rows at the cut":
        rows[150:250] = [[None]] * 100
    elif variant == "second half narrower":
        rows[201:] = _visits(200, width=3)
    elif variant == "first half narrower":
        rows[:201] = [[*VISIT][:4], *_visits(200, width=4)]
    elif variant == "second half from column C":
        rows[201:] = _visits(200, from_column=2, width=3)
    elif variant == "only the first half holds cells":
        rows = rows[:201]
    path = make_workbook({"拜访日志": rows}, merged={"拜访日志": ["A300:B301"]}
                         if variant == "merged, error and date cells" else None)
    if variant == "merged, error and date cells":
        workbook = openpyxl.load_workbook(path)
        workbook["拜访日志"]["C350"].value = "#N/A"
        workbook["拜访日志"]["C350"].data_type = "e"
        workbook["拜访日志"]["D320"].value = date(2025, 5, 6)
        workbook.save(path)
    elif variant == "1904 dates":
        workbook = openpyxl.load_workbook(path)
        workbook.epoch = openpyxl.utils.datetime.CALENDAR_MAC_1904
        workbook["拜访日志"]["D320"].value = date(2025, 5, 6)
        workbook.save(path)
    elif variant == "only the first half holds cells":  # then rows without cells
        _edit_rows(path, lambda xml: xml.replace(b"</sheetData>", b"".join(
            b'<row r="%d"/>' % number for number in range(202, 900)) + b"</sheetData>"))
    elif variant == "prefixed elements":
        _edit_rows(path, lambda xml: re.sub(rb"<(/?)(?!\?)", rb"<\1x:", xml).replace(
            b"<x:worksheet xmlns=", b"<x:worksheet xmlns:x="))
    halves, whole, parsed = _halves_and_whole(path, monkeypatch)
    assert parsed == 2  # the sheet was cut, and each half parsed
    assert list(map(_rows_of, halves.values())) == list(map(_rows_of, whole.values()))
    sheet = halves["拜访日志"]
    assert len(sheet.rows) == 201 if variant == "only the first half holds cells" else (
        sheet.rows[400][2] == VISIT["渠道编码"] or variant in {
            "second half narrower", "second half from column C"})
    if variant == "merged, error and date cells":
        assert sheet.rows[349][2] == "#N/A" and sheet.merged
        assert sheet.rows[319][3] == date(2025, 5, 6) == whole["拜访日志"].rows[319][3]


@pytest.mark.parametrize("variant", [
    "comment among the rows", "CDATA among the rows", "row without its number at the cut",
    "rows out of order", "entries with backslashes", "comment before the rows",
    "number in another attribute", "merged range among the rows", "names alike but case",
    "rows not one after another", "large picture", "sheet data among the rows",
    "a row inside a cell", "a > in a text"])
def test_a_large_sheet_that_cannot_be_cut_safely_is_read_whole(
    variant: str, make_workbook: MakeWorkbook, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch
) -> None:
    path = make_workbook({"拜访日志": [list(VISIT), *_visits(400)]})
    if variant == "comment among the rows":
        _edit_rows(path, lambda xml: xml.replace(b'<row r="300"', b'<!-- r --><row r="300"'))
    elif variant == "CDATA among the rows":
        # A row's start tag as text: cut there, the first half would end inside it.
        _edit_rows(path, lambda xml: re.sub(rb"<t>([^<&]*)</t>", rb"<t><![CDATA[\1]]></t>",
                                            xml[:-5000]) + xml[-5000:])
    elif variant == "row without its number at the cut":
        _edit_rows(path, lambda xml: re.sub(rb'<row r="\d+"', b"<row", xml))
    elif variant == "rows out of order":  # the last row written first
        def last_first(xml: bytes) -> bytes:
            rows = re.findall(rb"<row .*?</row>", xml)
            return xml.replace(b"".join(rows), b"".join([rows[-1], *rows[:-1]]))
        _edit_rows(path, last_first)
    elif variant == "entries with backslashes":
        path = with_backslashes(path, tmp_path / "export.xlsx")
    elif variant == "comment before the rows":  # "<sheetData>" in it is no sheet data
        _edit_rows(path, lambda xml: xml.replace(b"<sheetData>", b"<!-- <sheetData> -->"
                                                 b"<sheetData>"))
    elif variant == "number in another attribute":  # calamine counts such rows
        _edit_rows(path, lambda xml: re.sub(rb'<row r="(\d+)"', rb"""<row x=' r="\1"'""",
                                            xml))
    elif variant == "merged range among the rows":  # calamine reads the first it finds
        _edit_rows(path, lambda xml: xml.replace(
            b'<row r="300"', b'<mergeCells count="1"><mergeCell ref="A1:B2"/></mergeCells>'
            b'<row r="300"'))
    elif variant == "names alike but case":  # calamine reads either
        parts = read_parts(path)
        parts["xl/worksheets/SHEET1.xml"] = parts[_sheet_part(path)]
        write_parts(path, parts)
    elif variant == "rows not one after another":  # a row inside another, say, whose
        # cells calamine counts on from the other's
        _edit_rows(path, lambda xml: xml.replace(b"</row><row", b"</row><x/><row"))
    elif variant == "sheet data among the rows":  # its end, in any namespace, ends them
        _edit_rows(path, lambda xml: xml.replace(
            b'<row r="50">', b'<row r="50"><q:sheetData xmlns:q="urn:q"></q:sheetData>'))
    elif variant == "a row inside a cell":  # calamine reads no row in a cell's text
        def row_in_text(xml: bytes) -> bytes:  # the row after the middle, in the last
            # cell's text of the row before
            middle = xml.index(b"<row ", len(xml) // 2)
            end = xml.index(b"</row>", middle) + len(b"</row>")
            ending = b"</is></c></row>"
            assert xml.endswith(ending, 0, middle)
            return (xml[:middle - len(ending)] + b'<row r="9"/>' + xml[middle:end] + ending
                    + xml[end:])
        _edit_rows(path, row_in_text)
    elif variant == "a > in a text":  # then where the rows start and end is not counted
        _edit_rows(path, lambda xml: xml.replace(b"<t>CH001</t>", b"<t>CH>001</t>", 1))
    elif variant == "large picture":  # other parts too large to copy for the time saved
        parts = read_parts(path)
        parts["xl/media/image1.png"] = bytes(range(256)) * 4000
        write_parts(path, parts)
    halves, whole, parsed = _halves_and_whole(path, monkeypatch)
    assert list(map(_rows_of, halves.values())) == list(map(_rows_of, whole.values()))
    assert len(halves["拜访日志"].rows) == (49 if variant == "sheet data among the rows"
                                        else 401)
    # These are found while the halves are parsed, or once they are.
    assert parsed == (2 if variant in {"rows out of order", "merged range among the rows",
                                       "sheet data among the rows", "a row inside a cell",
                                       "a > in a text"} else 0)


def test_a_large_sheet_beside_another_large_one_is_read_whole(
    make_workbook: MakeWorkbook, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The engine types and scores the sheet parsed first while the other is parsed.
    path = make_workbook({"拜访日志": [[*VISIT], *_visits(400)],
                          "销售记录": [[*VISIT], *_visits(300)]})
    halves, whole, parsed = _halves_and_whole(path, monkeypatch)
    assert parsed == 0
    assert list(map(_rows_of, halves.values())) == list(map(_rows_of, whole.values()))
    monkeypatch.setattr(reader, "_HALVES_SHARE", 0.5)
    assert _halves_and_whole(path, monkeypatch)[2] == 2  # the larger one, in halves


@pytest.mark.parametrize("failing", [0, 1])
def test_a_half_that_cannot_be_parsed_leaves_the_sheet_read_whole_and_no_file(
    failing: int, make_workbook: MakeWorkbook, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch
) -> None:
    path = make_workbook({"拜访日志": [[*VISIT], *_visits(400)]})
    folder = tmp_path / "temporary"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    halves_read = []

    def parsed(half: Path, name: str, *, skip_empty_area: bool) -> object:
        halves_read.append(half.read_bytes())
        if skip_empty_area == bool(failing):
            raise ValueError("a half calamine cannot read")
        return real(half, name, skip_empty_area=skip_empty_area)

    real = reader._parsed
    monkeypatch.setattr(reader, "_parsed", parsed)
    monkeypatch.setattr(reader, "_PARSE_ASIDE_BYTES", 0)
    monkeypatch.setattr(reader, "_HALVES_BYTES", 0)
    opened, _ = open_workbook(path)
    sheet = read_sheet(opened, "拜访日志")
    opened.close()
    assert len(halves_read) == 2 and all(half.startswith(b"PK") for half in halves_read)
    assert len(sheet.rows) == 401 and sheet.rows[400][2] == VISIT["渠道编码"]
    assert list(folder.iterdir()) == []


def test_a_large_sheet_is_read_whole_when_no_temporary_folder_can_be_made(
    make_workbook: MakeWorkbook, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = make_workbook({"拜访日志": [[*VISIT], *_visits(400)]})
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "gone"))
    halves, whole, parsed = _halves_and_whole(path, monkeypatch)
    assert parsed == 0
    assert list(map(_rows_of, halves.values())) == list(map(_rows_of, whole.values()))


def test_error_cells_are_found_once_a_tag_however_many_error_types_it_seems_to_hold() -> None:
    cells = (b'<row r="1"><c r="A1" t="e"><v>#N/A</v></c><c r="B1" t="e"/>'
             b'<c r="C1" s="1" t="e"><f>1/0</f><v>#DIV/0!</v></c><c r="D1" xt="e"><v>1</v></c>'
             b'<c r="E1" x-t="e"><v>#REF!</v></c><c r="F1" t="str"><v>t="e"</v></c></row>')
    assert reader._errors_of(cells) == {(1, 1): "#N/A", (1, 3): "#DIV/0!", (1, 5): "#REF!"}
    # Each t="e" once: a pattern that tried every one of them again from each took
    # minutes on a part of a few hundred kilobytes.
    many = b'<c r="A2" t="e"' + b"".join(b' x%d-t="e"' % n for n in range(6000)) + b"/>"
    assert reader._errors_of(many * 4 + b'<c t="e" ' * 3000) == {}
