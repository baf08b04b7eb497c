"""An in-memory stand-in for the small part of xlwings (and of Excel's COM objects behind
``.api``) that ``chantool.xl`` uses, so the live adapter and the ribbon run in tests.

It is exactly this subset, each behaving as Excel does for what the adapter relies on:

- ``Book``: ``sheets`` (iterate, ``add(name, after=)``), ``name`` and ``fullname``
  (the file's name and path; only the name for a book never saved), ``app``
  (``books.add()``, ``books.open(fullname)``, ``alert(prompt, title)``), ``api.Saved``
  (Excel's Workbook.Saved);
- ``Sheet``: ``name``, ``used_range`` (the box of cells with a value, a format or a
  note; ``A1`` for an empty sheet), ``range((row, col)[, (row, col)])``, ``cells``,
  ``range(address)`` (cells and ranges joined by commas, for conditional formats),
  ``names`` (sheet-scoped: iterate, ``add(name, refers_to)``; each ``name``,
  ``refers_to``, ``delete()``, ``api.Visible``), ``notes`` (iterate, ``len``; each
  ``delete()``), ``delete()``;
- ``Range``: ``options(**options)``, ``value`` (get and set, through xlwings' own
  conversion pipeline, see below; a 2-D list fills from the top left; a string is read
  as Excel reads typed input, so ``2025-06`` becomes a date and ``12.5%`` a number,
  unless it starts with an apostrophe, which is dropped),
  ``clear()``, ``color``, ``font.bold``, ``font.size``, ``font.color``,
  ``number_format``, ``add_note``, ``note``,
  ``add_hyperlink``, ``column_width``, ``merge_cells``, ``merge_area``, ``address``,
  ``row``, ``column``, ``last_cell``, iteration over its cells, and
  ``conditional_formats`` (``add_custom(formula, fill_color=)``, which makes the new
  rule the first, as xlwings does; ``api.Item(1).SetLastPriority()``; iterating
  ``sheet.cells.conditional_formats`` gives every rule, in priority order, iterating a
  cell's the rules that cover it, each with ``formula`` and ``delete()``);
- ``Note``: ``text``, ``location``, ``delete()``.

Values go through xlwings itself: reading runs ``xlwings.conversion.read`` (the
pipeline of ``Range.value``: 2-D shape, cleaning, ``ndim``, ``err_to_str``) and writing
``xlwings.conversion.write``, with an engine whose value conversions are those of
xlwings' Windows engine, compiled from its source (``_xlwindows.py`` cannot be imported
without pywin32). The stand-in only stores what COM would hand over.

``Book.from_file`` loads a workbook file, its values as COM hands them over (numbers as
floats, a currency or accounting cell as a ``Decimal``, dates and times as datetimes,
an error as its COM number) and its conditional formats in priority order, so a test
can compare the live path with the file path on the same workbook.
"""

from __future__ import annotations

import ast
import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import xlwings
from xlwings import conversion

from chantool.table import address, column_letter, split_address

Cell = tuple[int, int]
DAY_ZERO = date(1899, 12, 30)


def windows_conversions() -> dict[str, Any]:
    """xlwings' Windows engine's own value conversions, compiled from its source: the
    COM error numbers (``cell_errors``), the cleaning of what COM hands over
    (``Engine.clean_value_data`` and the functions it calls) and the preparing of what
    goes to COM (``Engine.prepare_xl_data_element``). pywin32's time type is a
    datetime subclass, so datetime stands in for it; pandas and numpy are absent."""
    path = Path(xlwings.__file__).with_name("_xlwindows.py")
    tree = ast.parse(path.read_text(encoding="utf-8"))
    functions = {"_clean_value_data_element", "_com_time_to_datetime", "_datetime_to_com_time"}
    names = {"cell_errors", "time_types"}
    methods = {"clean_value_data", "prepare_xl_data_element"}
    taken: list[ast.stmt] = []
    for node in tree.body:
        if isinstance(node, ast.ClassDef) and node.name == "Engine":
            for method in node.body:
                if isinstance(method, ast.FunctionDef) and method.name in methods:
                    method.decorator_list = []  # static methods, used as functions
                    taken.append(method)
        elif (isinstance(node, ast.FunctionDef) and node.name in functions) or (
                isinstance(node, ast.Assign)
                and {ast.unparse(target) for target in node.targets} & names):
            taken.append(node)
    namespace: dict[str, Any] = {
        "dt": dt, "pd": None, "np": None, "pywintypes": SimpleNamespace(TimeType=datetime),
        "win32timezone": SimpleNamespace(TimeZoneInfo=SimpleNamespace(utc=lambda: dt.UTC))}
    exec(compile(ast.Module(taken, type_ignores=[]), str(path), "exec"), namespace)
    missing = {"cell_errors", "clean_value_data", "prepare_xl_data_element"} - set(namespace)
    assert not missing, f"xlwings' Windows engine changed: {missing}"
    return namespace


WINDOWS = windows_conversions()
COM_ERRORS = {text: code for code, text in WINDOWS["cell_errors"].items()}
# The COM numbers of the errors newer than xlwings' list (CVErr(n) is 0x800A0000 + n).
COM_ERRORS.update({text: 0x800A0000 + number - 2**32 for text, number in {
    "#GETTING_DATA": 2043, "#SPILL!": 2045, "#CALC!": 2050}.items()})


class _WindowsEngine:
    """The engine behind ``xlwings.conversion``: xlwings' Windows conversions."""

    name = "excel (chantool tests)"
    type = "desktop"
    clean_value_data = staticmethod(WINDOWS["clean_value_data"])
    prepare_xl_data_element = staticmethod(WINDOWS["prepare_xl_data_element"])


ENGINE = _WindowsEngine.name
xlwings.engines.add(xlwings.main.Engine(impl=_WindowsEngine()))

# Number formats Excel hands over through Range.Value as Currency (a Decimal): currency
# and accounting formats, which name a currency.
_CURRENCY_FORMAT = re.compile(r'[¥￥$€£]|\[\$')


def com_value(value: Any) -> Any:
    """A cell value as Excel's COM hands it to xlwings."""
    if isinstance(value, bool) or value is None or isinstance(value, str | Decimal):
        return value if value != "" else None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, datetime):
        return value.replace(tzinfo=None)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day)
    if isinstance(value, time):
        return datetime.combine(DAY_ZERO, value)
    return value


def file_value(cell: Any) -> Any:
    """What COM hands over for an openpyxl cell."""
    if cell.data_type == "e":
        return COM_ERRORS[cell.value]
    if isinstance(cell.value, int | float) and not isinstance(cell.value, bool) \
            and _CURRENCY_FORMAT.search(cell.number_format):
        return Decimal(str(cell.value))
    return com_value(cell.value)


_NUMBER = re.compile(r"[+-]?\d+(?:\.\d+)?")
# A number format that shows a date or a time (outside quoted text).
_DATE_FORMAT = re.compile(r'^(?:[^"]|"[^"]*")*?[ymdhs]', re.I)
_PERCENT = re.compile(r"([+-]?\d+(?:\.\d+)?)%")
_DATE = re.compile(r"(\d{4})[-/](\d{1,2})(?:[-/](\d{1,2}))?")


def typed_in(text: str) -> Any:
    """A string written to a cell through COM: Excel parses it as if typed."""
    if text.startswith("'"):
        return text[1:]
    if _NUMBER.fullmatch(text):
        return float(text)
    if match := _PERCENT.fullmatch(text):
        return float(match[1]) / 100
    if match := _DATE.fullmatch(text):
        return datetime(int(match[1]), int(match[2]), int(match[3] or 1))
    return text


class App:
    def __init__(self) -> None:
        self.alerts: list[tuple[str, str | None]] = []
        self.books = Books(self)

    def alert(self, prompt: str, title: str | None = None) -> None:
        self.alerts.append((prompt, title))


class Books:
    def __init__(self, app: App) -> None:
        self.app = app
        self.added: list[Book] = []
        self.opened: list[Path] = []

    def add(self) -> Book:
        book = Book(self.app)
        book.sheets.add("Sheet1")
        self.added.append(book)
        return book

    def open(self, fullname: str) -> Book:
        """The file's workbook, opened as Excel opens one: it must exist."""
        book = Book.from_file(Path(fullname))
        self.opened.append(Path(fullname))
        return book


class Book:
    def __init__(self, app: App | None = None, fullname: str = "工作簿1") -> None:
        self.app = app or App()
        self.sheets = Sheets(self)
        # Excel's names: a workbook never saved has a name but no folder; ``Saved`` is
        # False while it has changes not saved yet.
        self.fullname = fullname
        self.name = Path(fullname).name
        self.api = SimpleNamespace(Saved=True)

    @classmethod
    def from_file(cls, path: Path) -> Book:
        """Every sheet of a workbook file: values, styled cells, merges and notes."""
        import openpyxl  # here, so the stand-in also runs under Pyodide, without openpyxl

        workbook = openpyxl.load_workbook(path)
        book = cls(fullname=str(path))
        for source in workbook.worksheets:
            sheet = book.sheets.add(source.title)
            for (row, column), cell in source._cells.items():
                value = file_value(cell)
                if value is not None:
                    sheet.values[row, column] = value
                elif cell.has_style:
                    sheet.formats[row, column] = {"styled": True}
                if cell.comment is not None:
                    sheet.notes_at[row, column] = cell.comment.text
            sheet.merged = [(m.min_row, m.min_col, m.max_row, m.max_col)
                            for m in source.merged_cells.ranges]
            rules = sorted((rule.priority, str(formatting.sqref).replace(" ", ","),
                            "=" + (rule.formula or [""])[0])
                           for formatting in source.conditional_formatting
                           for rule in formatting.rules)
            sheet.conditions = [Condition(where, formula, None, sheet)
                                for _, where, formula in rules]
        return book


class Sheets:
    def __init__(self, book: Book) -> None:
        self.book = book
        self.items: list[Sheet] = []

    def __iter__(self) -> Iterator[Sheet]:
        return iter(list(self.items))

    def __len__(self) -> int:
        return len(self.items)

    def __getitem__(self, name: str) -> Sheet:
        return next(sheet for sheet in self.items if sheet.name == name)

    def add(self, name: str, after: Sheet | None = None) -> Sheet:
        if any(sheet.name == name for sheet in self.items):
            raise ValueError(f"sheet {name} exists")
        sheet = Sheet(self.book, name)
        at = self.items.index(after) + 1 if after is not None else len(self.items)
        self.items.insert(at, sheet)
        return sheet


@dataclass
class Condition:
    """A conditional-format rule: where, its formula, its fill."""

    address: str
    formula: str
    fill_color: Any
    sheet: Sheet

    def delete(self) -> None:
        self.sheet.conditions.remove(self)


    def cells(self) -> set[Cell]:
        found: set[Cell] = set()
        for part in self.address.split(","):
            first, _, last = part.partition(":")
            (top, left), (bottom, right) = split_address(first), split_address(last or first)
            found.update((row, column) for row in range(top, bottom + 1)
                         for column in range(left, right + 1))
        return found

    def SetLastPriority(self) -> None:  # Excel's FormatCondition method, through .api
        self.sheet.conditions.remove(self)
        self.sheet.conditions.append(self)


class ConditionalFormats:
    """The rules of the whole sheet (``where`` None), of a cell (the rules that cover
    it), or of the range of ``add_custom``; in priority order, the first rule first."""

    def __init__(self, sheet: Sheet, where: str | None) -> None:
        self.sheet, self.where = sheet, where

    def __iter__(self) -> Iterator[Condition]:
        if self.where is None:
            return iter(list(self.sheet.conditions))
        (cell,) = Condition(self.where, "", None, self.sheet).cells()
        return iter([rule for rule in self.sheet.conditions if cell in rule.cells()])

    @property
    def api(self) -> ConditionalFormats:
        return self  # Excel's FormatConditions, for Item only

    def Item(self, index: int) -> Condition:
        assert self.where is not None
        return [rule for rule in self.sheet.conditions
                if rule.cells() & Condition(self.where, "", None, self.sheet).cells()][index - 1]

    def add_custom(self, formula: str, *, fill_color: Any = None) -> Condition:
        assert self.where is not None and len(self.where) <= 255  # Excel's Range() limit
        assert formula.startswith("=")
        condition = Condition(self.where, formula, fill_color, self.sheet)
        self.sheet.conditions.insert(0, condition)  # xlwings: SetFirstPriority
        return condition


class Areas:
    """Cells and ranges joined by commas, as Excel's Range() takes them."""

    def __init__(self, sheet: Sheet, where: str) -> None:
        self.sheet, self.where = sheet, where

    @property
    def conditional_formats(self) -> ConditionalFormats:
        return ConditionalFormats(self.sheet, self.where)


class Sheet:
    def __init__(self, book: Book, name: str) -> None:
        self.book = book
        self.name = name
        self.values: dict[Cell, Any] = {}
        self.formats: dict[Cell, dict[str, Any]] = {}
        self.notes_at: dict[Cell, str] = {}
        self.links: dict[Cell, tuple[str, str | None]] = {}
        self.widths: dict[int, float] = {}
        self.merged: list[tuple[int, int, int, int]] = []
        self.conditions: list[Condition] = []
        self.defined: dict[str, str] = {}
        self.hidden: set[str] = set()
        self.merge_queries = 0

    def __repr__(self) -> str:
        return f"<Sheet {self.name}>"

    def range(self, first: Cell | str, last: Cell | None = None) -> Any:
        if isinstance(first, str):
            return Areas(self, first)
        return Range(self, first, last or first)

    @property
    def cells(self) -> Range:
        return Range(self, (1, 1), (1_048_576, 16_384))

    @property
    def used_range(self) -> Range:
        cells = set(self.values) | set(self.formats) | set(self.notes_at)
        if not cells:
            return Range(self, (1, 1), (1, 1))
        rows = [row for row, _ in cells]
        columns = [column for _, column in cells]
        return Range(self, (min(rows), min(columns)), (max(rows), max(columns)))

    @property
    def names(self) -> Names:
        return Names(self)

    @property
    def notes(self) -> list[Note]:
        return [Note(self, cell) for cell in sorted(self.notes_at)]

    def delete(self) -> None:
        self.book.sheets.items.remove(self)

    def marked(self) -> dict[str, set[str]]:
        """Cells under a conditional format, by its formula."""
        found: dict[str, set[str]] = {}
        for condition in self.conditions:
            found.setdefault(condition.formula, set()).update(
                address(row, column) for row, column in condition.cells())
        return found


class Names:
    def __init__(self, sheet: Sheet) -> None:
        self.sheet = sheet

    def __iter__(self) -> Iterator[Name]:
        return iter([Name(self.sheet, name) for name in self.sheet.defined])

    def add(self, name: str, refers_to: str) -> Name:
        self.sheet.defined[name] = refers_to
        return Name(self.sheet, name)


class Name:
    def __init__(self, sheet: Sheet, local: str) -> None:
        self.sheet, self.local = sheet, local

    @property
    def name(self) -> str:
        return f"'{self.sheet.name}'!{self.local}"  # xlwings shows a sheet name like this

    @property
    def refers_to(self) -> str:
        return self.sheet.defined[self.local]

    @property
    def api(self) -> _NameApi:
        return _NameApi(self)

    def delete(self) -> None:
        del self.sheet.defined[self.local]
        self.sheet.hidden.discard(self.local)


class _NameApi:
    """Excel's Name object, for its Visible property only."""

    name: Name

    def __init__(self, name: Name) -> None:
        object.__setattr__(self, "name", name)

    def __setattr__(self, key: str, value: Any) -> None:
        assert key == "Visible"
        sheet, local = self.name.sheet, self.name.local
        if value:
            sheet.hidden.discard(local)
        else:
            sheet.hidden.add(local)


class Note:
    def __init__(self, sheet: Sheet, cell: Cell) -> None:
        self.sheet, self.cell = sheet, cell

    @property
    def text(self) -> str:
        return self.sheet.notes_at[self.cell]

    @property
    def location(self) -> Range:
        return Range(self.sheet, self.cell, self.cell)

    def delete(self) -> None:
        del self.sheet.notes_at[self.cell]


class Font:
    def __init__(self, owner: Range) -> None:
        self.owner = owner

    def __setattr__(self, key: str, value: Any) -> None:
        if key == "owner":
            object.__setattr__(self, key, value)
        else:
            self.owner.format(f"font.{key}", value)


class Range:
    def __init__(self, sheet: Sheet, first: Cell, last: Cell,
                 options: dict[str, Any] | None = None) -> None:
        self.sheet, self.first, self.last = sheet, first, last
        self.settings = options or {}

    def options(self, **options: Any) -> Range:
        return Range(self.sheet, self.first, self.last, options)

    def _cells(self) -> Iterator[Cell]:
        for row in range(self.first[0], self.last[0] + 1):
            for column in range(self.first[1], self.last[1] + 1):
                yield row, column

    def __iter__(self) -> Iterator[Range]:
        return iter([Range(self.sheet, cell, cell) for cell in self._cells()])

    @property
    def row(self) -> int:
        return self.first[0]

    @property
    def column(self) -> int:
        return self.first[1]

    @property
    def address(self) -> str:
        first = f"${column_letter(self.first[1] - 1)}${self.first[0]}"
        if self.first == self.last:
            return first
        return f"{first}:${column_letter(self.last[1] - 1)}${self.last[0]}"

    @property
    def last_cell(self) -> Range:
        return Range(self.sheet, self.last, self.last)

    @property
    def value(self) -> Any:
        """What xlwings' ``Range.value`` makes of what COM hands over."""
        rows = [[self.sheet.values.get((row, column))
                 for column in range(self.first[1], self.last[1] + 1)]
                for row in range(self.first[0], self.last[0] + 1)]
        return conversion.read(  # type: ignore[no-untyped-call]
            None, rows, self.settings, engine_name=ENGINE)

    @value.setter
    def value(self, value: Any) -> None:
        """What Excel keeps of what xlwings' ``Range.value`` hands COM."""
        rows = conversion.write(  # type: ignore[no-untyped-call]
            value, None, self.settings, engine_name=ENGINE)
        for offset, row in enumerate(rows):
            for shift, item in enumerate(row):
                cell = (self.first[0] + offset, self.first[1] + shift)
                item = typed_in(item) if isinstance(item, str) else com_value(item)
                if item is None or item == "":
                    self.sheet.values.pop(cell, None)
                else:
                    self.sheet.values[cell] = item

    def clear(self) -> None:
        for store in (self.sheet.values, self.sheet.formats, self.sheet.notes_at,
                      self.sheet.links):
            for cell in [cell for cell in store if self._holds(cell)]:
                del store[cell]

    def _holds(self, cell: Cell) -> bool:
        return (self.first[0] <= cell[0] <= self.last[0]
                and self.first[1] <= cell[1] <= self.last[1])

    def format(self, key: str, value: Any) -> None:
        for cell in self._cells():
            self.sheet.formats.setdefault(cell, {})[key] = value

    @property
    def conditional_formats(self) -> ConditionalFormats:
        if self.first == self.last:
            return ConditionalFormats(self.sheet, address(*self.first))
        assert (self.first, self.last) == ((1, 1), (1_048_576, 16_384)), "a cell or sheet.cells"
        return ConditionalFormats(self.sheet, None)

    @property
    def font(self) -> Font:
        return Font(self)

    @property
    def color(self) -> Any:
        return self.sheet.formats.get(self.first, {}).get("color")

    @color.setter
    def color(self, value: Any) -> None:
        self.format("color", value)

    @property
    def number_format(self) -> Any:
        return self.sheet.formats.get(self.first, {}).get("number_format")

    @number_format.setter
    def number_format(self, value: str) -> None:
        """Excel hands a number in a date or time format over as a datetime."""
        self.format("number_format", value)
        if _DATE_FORMAT.search(value):
            for cell in self._cells():
                number = self.sheet.values.get(cell)
                if isinstance(number, float):
                    self.sheet.values[cell] = datetime.combine(DAY_ZERO, time()) + \
                        dt.timedelta(days=number)

    @property
    def note(self) -> Note | None:
        return Note(self.sheet, self.first) if self.first in self.sheet.notes_at else None

    def add_note(self, text: str) -> Note:
        if self.first != self.last or self.first in self.sheet.notes_at or not text:
            raise ValueError("a note goes on one cell without a note")
        self.sheet.notes_at[self.first] = text
        return Note(self.sheet, self.first)

    def add_hyperlink(self, target: str, text_to_display: str | None = None) -> None:
        self.sheet.links[self.first] = (target, text_to_display)
        self.value = text_to_display or target

    @property
    def column_width(self) -> float | None:
        return self.sheet.widths.get(self.first[1])

    @column_width.setter
    def column_width(self, width: float) -> None:
        for column in range(self.first[1], self.last[1] + 1):
            self.sheet.widths[column] = width

    def _merge_of(self, cell: Cell) -> tuple[int, int, int, int] | None:
        return next((m for m in self.sheet.merged
                     if m[0] <= cell[0] <= m[2] and m[1] <= cell[1] <= m[3]), None)

    @property
    def merge_cells(self) -> bool | None:
        """True, False, or None when the range holds merged and unmerged cells (COM)."""
        self.sheet.merge_queries += 1
        found = {self._merge_of(cell) is not None for cell in self._cells()}
        return None if len(found) > 1 else found.pop()

    @property
    def merge_area(self) -> Range:
        merge = self._merge_of(self.first)
        if merge is None:
            return self
        return Range(self.sheet, (merge[0], merge[1]), (merge[2], merge[3]))
