"""The typed workbook that rules and scoring work on.

A ``TypedSheet`` holds one standard sheet after reading: the Excel row number of each
data row, the raw cell values and the typed values of each known column. A ``Book``
holds the typed sheets of one workbook with the policy in force and the as-of date.

Each sheet is typed when a rule or scorer first asks for it, once the reader has parsed
it. Rules and scorers are ``Step``s that name the sheets they read, and ``run_steps``
runs each as soon as those have been parsed, so the engine works on the sheets parsed
first while the reader parses the others.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property, wraps
from typing import Any, Generic, TypeVar

from chantool.coerce import Cell
from chantool.columns import Problem
from chantool.findings import ROW_PLACE, CellFindings, Finding, Lang, make_finding
from chantool.policy import Policy, PolicyCells, policy_rule
from chantool.settings import SHEETS_BY_KIND, SheetSpec
from chantool.table import Layout, RawSheet, column_letter, wait_for_any
from chantool.workdays import WorkCalendar


@dataclass(frozen=True)
class RowRef:
    """Where a typed row came from: a file's sheet and Excel row, or the store."""

    source: str  # "2025Q2/东区.xlsx", the archived file's name; "" for the one workbook
    sheet: str
    row: int | None  # Excel's own number; None for a row never in a sheet


@dataclass(frozen=True)
class Part:
    """A run of a typed sheet's rows that came from one place: from index ``start`` on,
    rows of the sheet ``sheet`` of ``source`` (None: the one workbook being checked),
    whose columns have these letters (none known for rows from the store)."""

    start: int
    source: str | None
    sheet: str
    letters: Mapping[str, str]
    # The columns its sheet had, where rows of sheets with other columns are joined (None:
    # the typed sheet's): a column its sheet lacked is not a blank cell in its rows.
    keys: frozenset[str] | None = None


@dataclass
class TypedSheet:
    """One standard sheet, column by column; index ``i`` is the ``i``-th data row. Its
    rows come from one sheet of one workbook, or from several (``parts``, in row order:
    a book that gathers workbooks, or the store's rows)."""

    spec: SheetSpec
    name: str
    layout: Layout
    row_numbers: list[int]
    raw: Mapping[str, Sequence[Cell]]
    values: dict[str, list[Any]]
    lang: Lang = "zh"
    source: str | None = None
    parts: list[Part] = field(default_factory=list)
    # Each column's label, worked out once: findings come by the ten thousand.
    _labels: dict[str, str] = field(init=False, repr=False, compare=False)
    _starts: list[int] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not self.parts:
            self.parts = [Part(0, self.source, self.name,
                               {key: column_letter(position)
                                for key, position in self.layout.positions.items()})]
        self._starts = [part.start for part in self.parts]
        self._labels = {column.key: column.label if self.lang == "zh" else column.label_en
                        for column in self.spec.columns}

    @classmethod
    def of_rows(cls, kind: str, source: str, name: str, header_row: int,
                row_numbers: list[int], values: dict[str, list[Any]],
                lang: Lang = "zh") -> TypedSheet:
        """A sheet made of typed rows (the store's), not of a sheet's cells: each row's
        Excel number is known, its column letters are not; its values stand for its cells."""
        return cls(SHEETS_BY_KIND[kind], name, Layout(header_row, {}), row_numbers,
                   dict(values), values, lang, source)

    def __len__(self) -> int:
        return len(self.row_numbers)

    def has(self, key: str) -> bool:
        return key in self.values

    def column(self, key: str) -> list[Any]:
        """Typed values of a column; all ``None`` when the sheet lacks the column."""
        found = self.values.get(key)
        return found if found is not None else [None] * len(self.row_numbers)

    def label(self, key: str) -> str:
        return self._labels[key]

    def part(self, index: int) -> Part:
        """The part data row ``index`` belongs to."""
        if len(self.parts) == 1:
            return self.parts[0]
        return self.parts[bisect_right(self._starts, index) - 1]

    def lacks(self, key: str, index: int) -> bool:
        """Whether data row ``index`` came from a sheet without the column ``key`` (rows of
        several sheets joined, ``Part.keys``): its ``None`` there says nothing."""
        keys = self.part(index).keys
        return keys is not None and key not in keys

    def named_elsewhere(self, index: int, other: TypedSheet, row: int) -> str:
        """How a message about data row ``index`` names the workbook of data row ``row`` of
        ``other`` (this sheet or another) it refers to: not at all when it is the same
        workbook (or a book of one), else in quotes (" of '…'" in English)."""
        there = other.part(row).source
        if there is None or there == self.part(index).source:
            return ""
        return f"“{there}”" if self.lang == "zh" else f" of '{there}'"

    def ref(self, index: int) -> RowRef:
        part = self.part(index)
        return RowRef(part.source or "", part.sheet, self.row_numbers[index])

    def cell(self, key: str, index: int) -> str | None:
        """The address of ``key``'s cell in data row ``index``; None when its column's
        letter is not known (a row from the store)."""
        letter = self.part(index).letters.get(key)
        return None if letter is None else f"{letter}{self.row_numbers[index]}"

    def finding(self, code: str, key: str, index: int, **fields: Any) -> Finding:
        """A finding at the cell of ``key`` in data row ``index``, showing its raw value."""
        part, row = self.part(index), self.row_numbers[index]
        cell = self.cell(key, index)
        fields.setdefault("value", self.raw[key][index])
        fields.setdefault("label", self._labels[key])
        finding = make_finding(code, lang=self.lang, sheet=part.sheet,
                               cell=cell or ROW_PLACE[self.lang].format(row=row), row=row,
                               column=key, source=part.source, **fields)
        if cell is None:
            finding.cell = None
        return finding

    def cell_findings(self, code: str, key: str,
                      fields: Mapping[str, Any]) -> Callable[[int], Finding]:
        """What ``finding`` makes, for many rows of one code and column that share
        ``fields`` (besides the value): what they share is looked up once per part."""
        makers = [CellFindings(code, self.lang, part.sheet, key,
                               {"label": self._labels[key], **fields}, part.source)
                  for part in self.parts]
        raw, rows = self.raw[key], self.row_numbers

        def make(index: int) -> Finding:
            part = 0 if len(makers) == 1 else bisect_right(self._starts, index) - 1
            return makers[part](self.cell(key, index), rows[index], raw[index])

        return make

    def problem_findings(self, key: str, problems: Iterable[Problem]) -> list[Finding]:
        """``finding`` for each problem of one column (whose fields name neither value nor
        label), with what they share looked up once. Problems are found as a workbook's
        sheet is typed, so its rows are one part."""
        (part,) = self.parts
        raw, rows, letters = self.raw[key], self.row_numbers, part.letters[key]
        # One maker per code and fields (problems share their fields objects).
        makers: dict[tuple[str, int], CellFindings] = {}
        found = []
        for problem in problems:
            make = makers.get((problem.code, id(problem.fields)))
            if make is None:
                fields = {"label": self._labels[key], **problem.fields}
                make = CellFindings(problem.code, self.lang, self.name, key, fields,
                                    part.source)
                makers[problem.code, id(problem.fields)] = make
            row = rows[problem.index]
            found.append(make(f"{letters}{row}", row, raw[problem.index]))
        return found


class Sheets(Mapping[str, TypedSheet]):
    """A workbook's typed sheets by kind; each is typed (by ``typing``) when first asked
    for, waiting for its parse. A sheet whose header cannot be found is not among them."""

    def __init__(self, raw: Mapping[str, RawSheet] | None = None,
                 typing: Callable[[str, RawSheet], TypedSheet | None] | None = None) -> None:
        self._raw = dict(raw or {})
        self._typing = typing
        self._typed: dict[str, TypedSheet | None] = {}

    @classmethod
    def of(cls, typed: Mapping[str, TypedSheet]) -> Sheets:
        """Sheets typed already (rows that did not come from one file's cells)."""
        sheets = cls()
        sheets._typed.update(typed)
        return sheets

    def __getitem__(self, kind: str) -> TypedSheet:
        if kind not in self._typed and kind in self._raw:
            assert self._typing is not None
            self._typed[kind] = self._typing(kind, self._raw[kind])
            if self._typed.keys() >= self._raw.keys():
                # Every sheet typed: the typing, which refers to the book that holds these
                # sheets, is let go, so that the book is freed as soon as it is no longer
                # used (the child of a large workbook runs without the cycle collector).
                self._typing = None
        typed = self._typed.get(kind)
        if typed is None:
            raise KeyError(kind)
        return typed

    def __iter__(self) -> Iterator[str]:
        return (kind for kind in list(self._raw or self._typed) if kind in self)

    def __len__(self) -> int:
        return sum(1 for _ in self)

    def parsed(self, kinds: Iterable[str]) -> bool:
        """Whether the sheets of ``kinds`` can be typed without waiting (a kind the
        workbook lacks has nothing to wait for): they are parsed, and so are the sheets
        they refer to (typing a sheet checks its channel ids against the profiles)."""
        needed = set(kinds)
        needed |= {column.refers_to for kind in needed if kind in SHEETS_BY_KIND
                   for column in SHEETS_BY_KIND[kind].columns if column.refers_to}
        return all(kind not in self._raw or self._raw[kind].parsed for kind in needed)

    def wait(self) -> None:
        """Wait until one more of the sheets has been parsed."""
        wait_for_any(self._raw.values())


@dataclass
class Book:
    """The typed sheets of one workbook, by sheet kind, with the policy in force."""

    policy: Policy
    as_of: date
    sheets: Sheets = field(default_factory=Sheets)
    # Channel ids known from outside the workbook (``--channels``).
    outside_channels: frozenset[str] = frozenset()
    lang: Lang = "zh"
    # The cell of each policy value the workbook's policy sheet sets.
    policy_cells: PolicyCells = field(default_factory=dict)
    # What reading the workbook found so far: its policy, its sheets, each typed sheet.
    read_findings: list[Finding] = field(default_factory=list)
    # The workbook a book's cells are in when several are scored together (None: one
    # workbook); for a book gathering several, the one whose policy is used.
    source: str | None = None
    # Values several steps derive from the book, by the function that works them out.
    derived: dict[Callable[[Book], Any], Any] = field(default_factory=dict, repr=False)

    @cached_property
    def calendar(self) -> WorkCalendar:
        """The working days of this workbook's policy, one calendar for every rule and
        scorer: each day is looked up once, and the years without holiday data are
        collected in one place (``validate.calendar_findings``)."""
        return WorkCalendar(self.policy.holidays, self.policy.workdays)

    def bad_policy_entry(self, key: str, entry: str, form: tuple[str, str]) -> Finding:
        """An entry of the policy list ``key`` that cannot be read, at the key's value cell;
        ``form`` (Chinese, English) says how to write it and what was done instead."""
        place = self.policy_cells.get(key)
        # A default value has no cell: the message then starts with the key it names.
        where = (f"{place.sheet} {place.cell}" + ("：" if self.lang == "zh" else ": ")) \
            if place else ""
        return make_finding(
            "policy_bad_entry", lang=self.lang, sheet=place.sheet if place else None,
            cell=place.cell if place else None, row=place.row if place else None,
            column="value", value=entry, source=self.source if place else None,
            key=key, rule=policy_rule(key), place=where,
            form=form[0] if self.lang == "zh" else form[1])

    def channel_field(self, key: str) -> dict[str, Any]:
        """Each channel's value in one column of the 渠道档案 sheet, by channel id (channels
        without a value are left out)."""
        channels = self.sheets.get("channels")
        if channels is None:
            return {}
        return {channel: value for channel, value in
                zip(channels.column("channel_id"), channels.column(key), strict=True)
                if channel is not None and value is not None}

    def known_channels(self) -> frozenset[str] | None:
        """Every channel id a reference may name, or ``None`` when none is known."""
        channels = self.sheets.get("channels")
        if channels is None or not channels.has("channel_id"):
            return self.outside_channels or None
        ids = {value for value in channels.column("channel_id") if value is not None}
        return frozenset(ids) | self.outside_channels


T = TypeVar("T")


@dataclass(frozen=True)
class Step(Generic[T]):
    """A rule or a scorer: a function of a book, and the kinds of the sheets it reads.
    ``reads`` only tells ``run_steps`` when the step can run without waiting: a sheet it
    reads without naming it is still read whole, once parsed."""

    function: Callable[[Book], T]
    reads: frozenset[str]

    def __call__(self, book: Book) -> T:
        return self.function(book)


def reads(*kinds: str) -> Callable[[Callable[[Book], T]], Step[T]]:
    """Make a function of a book a ``Step`` that reads the sheets of ``kinds``."""
    return lambda function: Step(function, frozenset(kinds))


def rule(*kinds: str) -> Callable[[Callable[[Book], Iterable[Finding]]], Step[list[Finding]]]:
    """``reads`` for a rule, a function of a book that yields findings: the step returns
    them as a list, so they are found when the step runs."""
    return lambda function: Step(lambda book: list(function(book)), frozenset(kinds))


def once_per_book(function: Callable[[Book], T]) -> Callable[[Book], T]:
    """A value several steps derive from a book (a sheet's totals, say): the first step
    that asks works it out, the others share it and must not change it."""

    @wraps(function)
    def shared(book: Book) -> T:
        if function not in book.derived:
            book.derived[function] = function(book)
        found: T = book.derived[function]
        return found

    return shared


def run_steps(book: Book, steps: Sequence[Step[T]],
              ran: Callable[[Step[T], T], None] | None = None) -> list[T]:
    """What each step returns, in the order of ``steps``. Each runs, in that order, as
    soon as the sheets it reads have been parsed; ``ran`` is told of each step and what
    it returned as soon as it has run."""
    done: dict[int, T] = {}
    while len(done) < len(steps):
        ready = [index for index, step in enumerate(steps)
                 if index not in done and book.sheets.parsed(step.reads)]
        if not ready:
            book.sheets.wait()
        for index in ready:
            done[index] = steps[index](book)
            if ran is not None:
                ran(steps[index], done[index])
    return [done[index] for index in range(len(steps))]
