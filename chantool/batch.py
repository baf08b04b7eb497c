"""Running the engine over files: finding the workbooks of a batch and checking each.

This is the adapter between paths on disk and the engine. A file that cannot be read
becomes an ``unreadable`` result with its reason, and the batch goes on.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterable, Iterator
from datetime import date
from pathlib import Path

from chantool.findings import Lang, reason_text
from chantool.io.reader import read_workbook
from chantool.report import FileResult, Report
from chantool.table import RawSheet
from chantool.validate import read_book, validate_book

WORKBOOK_SUFFIXES = (".xlsx", ".xlsm")
Progress = Callable[[Path], None]


def find_workbooks(paths: Iterable[Path]) -> Iterator[Path]:
    """Each file given, and every .xlsx/.xlsm below each folder given (sorted), skipping
    Excel's ``~$`` lock files."""
    for path in paths:
        if path.is_dir():
            yield from sorted(
                found for found in path.rglob("*")
                if found.suffix.lower() in WORKBOOK_SUFFIXES
                and not found.name.startswith("~$")
                and found.is_file()
            )
        else:
            yield path


class ReadError(Exception):
    """A file that cannot be read; the message is the reason shown to the user."""


def load(path: Path, lang: Lang) -> list[RawSheet]:
    """The raw sheets of one workbook, or ``ReadError`` with the reason in the user's words."""
    if not path.exists():
        raise ReadError(reason_text("not_found", lang))
    if not path.is_file():
        raise ReadError(reason_text("not_a_file", lang))
    try:
        return read_workbook(path)
    except OSError as error:
        raise ReadError(reason_text("cannot_open", lang, detail=error.strerror or error)) from None
    except Exception as error:  # calamine raises its own errors for broken files
        raise ReadError(reason_text("read_failed", lang, detail=error)) from None


def channel_ids(path: Path, *, as_of: date, lang: Lang) -> frozenset[str]:
    """The channel ids of the 渠道档案 sheet of another workbook (``--channels``)."""
    book, _ = read_book(load(path, lang), as_of=as_of, lang=lang)
    return book.known_channels() or frozenset()


def validate_file(
    path: Path, *, as_of: date, lang: Lang, outside_channels: frozenset[str] = frozenset()
) -> FileResult:
    try:
        sheets = load(path, lang)
    except ReadError as error:
        return FileResult.unreadable(str(path), str(error))
    # Validation makes many small objects and frees none of them until the end; the
    # collector would only walk them over and over.
    gc.disable()
    try:
        _, findings = validate_book(
            sheets, as_of=as_of, lang=lang, outside_channels=outside_channels)
    finally:
        gc.enable()
    return FileResult.checked(str(path), findings)


def validate_files(
    files: Iterable[Path],
    *,
    as_of: date,
    lang: Lang = "zh",
    outside_channels: frozenset[str] = frozenset(),
    progress: Progress | None = None,
) -> Report:
    """Validate each workbook; the report has one result per file, in the given order."""
    results = []
    for path in files:
        results.append(
            validate_file(path, as_of=as_of, lang=lang, outside_channels=outside_channels))
        if progress is not None:
            progress(path)
    return Report(files=tuple(results))
