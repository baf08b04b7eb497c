"""Raw sheets as every adapter hands them to the engine, and finding their layout.

A ``RawSheet`` is a sheet name, its rows of plain cell values starting at Excel row 1
and column A, and its merged ranges. Here the engine recognises which standard sheet
it is, where its header row is and which column holds which key (CONTRACT.md).
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, wait
from dataclasses import dataclass, field
from operator import itemgetter
from typing import Final

from chantool.coerce import Cell, fold_key
from chantool.settings import HEADER_SEARCH_ROWS, POLICY_COLUMNS, POLICY_SHEET, SHEETS, SheetSpec

# A trailing unit in brackets is ignored: 提货返利(元/台) matches 提货返利.
_TRAILING_UNIT: Final = re.compile(r"\s*[(\[【][^()\[\]【】]*[)\]】]\s*$")


@dataclass(frozen=True)
class MergedRange:
    """Merged cells, 1-based and inclusive, as Excel numbers rows and columns."""

    first_row: int
    first_col: int
    last_row: int
    last_col: int

    @property
    def ref(self) -> str:
        return f"{address(self.first_row, self.first_col)}:{address(self.last_row, self.last_col)}"


Rows = Sequence[Sequence[Cell]]


class RawSheet:
    """A sheet's cells as plain values; ``rows[0]`` is Excel row 1, ``rows[r][0]`` column A.

    A reader may hand a sheet over before it has parsed it (``RawSheet.parsing``), so the
    engine can start on the sheets parsed first: ``rows`` and ``merged`` then wait for the
    parse, and raise what it raised.
    """

    __slots__ = ("_cells", "_columns", "_parse", "name")

    def __init__(self, name: str, rows: Rows = (), merged: tuple[MergedRange, ...] = ()) -> None:
        self.name = name
        self._cells = rows, merged
        self._parse: Future[RawSheet] | None = None
        self._columns: list[list[Cell]] | None = None

    @classmethod
    def parsing(cls, name: str, parse: Future[RawSheet]) -> RawSheet:
        """The sheet ``name``, whose cells ``parse`` will give."""
        sheet = cls(name)
        sheet._parse = parse
        return sheet

    @property
    def parsed(self) -> bool:
        """Whether the cells are there, so that reading them does not wait."""
        return self._parse is None or self._parse.done()

    @property
    def rows(self) -> Rows:
        return self._parsed()[0]

    @property
    def merged(self) -> tuple[MergedRange, ...]:
        return self._parsed()[1]

    @property
    def columns(self) -> list[list[Cell]]:
        """The cells column by column from A, each as long as the sheet (a short row's
        missing cells are ``None``). Worked out once: by the reader, which hands a sheet
        over with its columns while the engine works on other sheets."""
        rows = self.rows  # waits for the parse, which may bring the columns along
        if self._columns is None:
            width = max(map(len, rows), default=0)
            if min(map(len, rows), default=0) == width:  # as readers give them: at C speed
                self._columns = [list(map(itemgetter(column), rows)) for column in range(width)]
            else:
                self._columns = [[row[column] if column < len(row) else None for row in rows]
                                 for column in range(width)]
        return self._columns

    def release(self) -> None:
        """Let go of the cells, once the engine is done with them: the sheet keeps its
        name, and its rows are empty. A large workbook's cells are not held while its
        results are written."""
        self._parsed()
        self._cells, self._columns = ((), ()), None

    def _parsed(self) -> tuple[Rows, tuple[MergedRange, ...]]:
        if self._parse is not None:
            parsed = self._parse.result()
            self._cells, self._columns = parsed._cells, parsed._columns
            self._parse = None
        return self._cells

    def __repr__(self) -> str:
        return f"RawSheet({self.name!r})"


def wait_for_any(sheets: Iterable[RawSheet]) -> None:
    """Wait until one more of ``sheets`` has been parsed (at once when all have been)."""
    wait([sheet._parse for sheet in sheets if not sheet.parsed and sheet._parse is not None],
         return_when=FIRST_COMPLETED)


@dataclass(frozen=True)
class Layout:
    """Where a standard sheet's header is and which column (0-based) holds each key."""

    header_row: int
    positions: dict[str, int]
    # (key, column of the repeat, column that was kept) for labels that occur twice.
    repeats: tuple[tuple[str, int, int], ...] = field(default=())


def column_letter(index: int) -> str:
    """Excel's letters for a 0-based column index: 0 -> A, 26 -> AA."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def column_index(letters: str) -> int:
    """Excel's 1-based column number of its letters: A -> 1, AA -> 27."""
    number = 0
    for letter in letters:
        number = number * 26 + ord(letter) - 64
    return number


def split_address(cell: str) -> tuple[int, int]:
    """(row, column), both 1-based, of a cell address like ``K12``."""
    letters = cell.rstrip("0123456789")
    return int(cell[len(letters):]), column_index(letters)


def address(row: int, col: int) -> str:
    """A cell address from a 1-based row and a 1-based column."""
    return f"{column_letter(col - 1)}{row}"


def fold_label(text: str) -> str:
    return fold_key(_TRAILING_UNIT.sub("", fold_key(text)))


def _sheet_names(spec: SheetSpec) -> tuple[str, ...]:
    return (spec.name, spec.name_en, spec.kind)


_SHEET_INDEX: Final = {
    fold_key(name): spec for spec in SHEETS for name in _sheet_names(spec)
}
_POLICY_NAMES: Final = frozenset(fold_key(name) for name in POLICY_SHEET)


def sheet_spec(name: str) -> SheetSpec | None:
    """The standard sheet a workbook sheet is, by its Chinese or English name."""
    return _SHEET_INDEX.get(fold_key(name))


def is_policy_sheet(name: str) -> bool:
    return fold_key(name) in _POLICY_NAMES


def wanted(name: str) -> bool:
    """A sheet the engine reads: a standard sheet or the policy sheet."""
    return sheet_spec(name) is not None or is_policy_sheet(name)


def label_index(labels: Mapping[str, Sequence[str]]) -> dict[str, str]:
    """Folded label -> key, for every accepted spelling of each key."""
    return {fold_label(text): key for key, names in labels.items() for text in (key, *names)}


# Each standard sheet's labels, and the index of those and of the policy sheet's, made
# when the engine is imported: a batch's children, forked after, find them made rather
# than folding some three hundred labels for every file.
_SHEET_LABELS: Final = {id(spec): {column.key: (column.label, column.label_en)
                                   for column in spec.columns} for spec in SHEETS}
_INDEXES: Final = {id(labels): label_index(labels)
                   for labels in (*_SHEET_LABELS.values(), POLICY_COLUMNS)}


def find_layout(
    rows: Sequence[Sequence[Cell]],
    labels: Mapping[str, Sequence[str]],
    required: Collection[str] = (),
) -> Layout | None:
    """The first row (within the search limit) whose cells match at least half of the
    known labels, or every required one, with the column of each key found in it."""
    index = _INDEXES.get(id(labels)) or label_index(labels)
    for row_number, row in enumerate(rows[:HEADER_SEARCH_ROWS], start=1):
        positions: dict[str, int] = {}
        repeats: list[tuple[str, int, int]] = []
        for col, cell in enumerate(row):
            if not isinstance(cell, str) or not cell.strip():
                continue
            key = index.get(fold_label(cell))
            if key is None:
                continue
            if key in positions:
                repeats.append((key, col, positions[key]))
            else:
                positions[key] = col
        if positions and (len(positions) * 2 >= len(labels)
                          or (required and all(key in positions for key in required))):
            return Layout(row_number, positions, tuple(repeats))
    return None


def sheet_layout(rows: Sequence[Sequence[Cell]], spec: SheetSpec) -> Layout | None:
    """The layout of a standard sheet."""
    labels = _SHEET_LABELS[id(spec)]
    return find_layout(rows, labels, [c.key for c in spec.columns if c.required])


def cell_runs(cells: Iterable[str]) -> list[str]:
    """Cell addresses with each run down a column joined as a range (A2, A3, A4 -> A2:A4),
    column by column from the left."""
    by_column: dict[int, list[int]] = {}
    for cell in cells:
        number, column = split_address(cell)
        by_column.setdefault(column, []).append(number)
    runs = []
    for column in sorted(by_column):
        letters = column_letter(column - 1)
        rows = sorted(set(by_column[column]))
        first = previous = rows[0]
        for row in [*rows[1:], None]:
            if row is not None and row == previous + 1:
                previous = row
                continue
            runs.append(f"{letters}{first}" if first == previous
                        else f"{letters}{first}:{letters}{previous}")
            if row is not None:
                first = previous = row
    return runs
