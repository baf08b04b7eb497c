"""The tables ``score`` computes, as plain data: listings of rows, and result columns.

Listings hold JSON-ready values only (text, numbers, booleans, ``None``; dates as ISO
text), so the same rows become JSON, a sheet or, later, a report or an archive row; each
field's unit says what its values are, and ``chantool.layout`` formats them at the edge. This
module imports nothing of the engine (scoring, the book, pydantic): the batch's own
process unpickles and shows what a file's process computed without importing it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any, Final, Generic, Literal, TypeVar, overload

from chantool.findings import Lang

Row = dict[str, Any]
K = TypeVar("K")


# What a field's values are, which decides how each edge shows them (chantool.layout):
# ``count`` whole numbers, ``number`` measures such as scores, ``money`` amounts in yuan,
# ``rate`` shares (0.45 is 45%), ``date`` ISO dates (``"2025-06-29"``), ``month`` ISO
# months (``"2025-06"``), ``time`` ISO times of day (``"08:30"``); ``text`` everything
# else (codes, names, yes/no).
Unit = Literal["text", "count", "number", "money", "rate", "date", "month", "time"]


@dataclass(frozen=True)
class Field:
    """A column of a listing: its JSON key, its heading in the sheet, the unit of its
    values; ``words`` shows coded values (``"met"``) in words (Chinese, English). The rows
    keep the values as they are (a rate 0.45, a date ``"2025-06-29"``): the edge that
    shows them formats them (``chantool.layout``)."""

    key: str
    zh: str
    en: str
    words: Mapping[str, tuple[str, str]] | None = None
    unit: Unit = "text"

    def heading(self, lang: Lang) -> str:
        return self.zh if lang == "zh" else self.en


STATUS_WORDS: Final = {"met": ("达标", "met"), "short": ("未达标", "short")}


class Rows(Sequence[Row], Generic[K]):
    """A listing's rows, each made from its key when first read: a listing of tens of
    thousands of rows costs little when only its first rows are shown (``Scores.head``).
    Pickled, it is a list of every row."""

    def __init__(self, keys: Sequence[K], make: Callable[[K], Row],
                 channel: Callable[[K], str] | None = None) -> None:
        self._keys = keys
        self._make: Callable[[K], Row] | None = make
        self._made: dict[int, Row] = {}
        # The channel_id of a key's row, when it can be told without making the row.
        self._channel = channel

    def __len__(self) -> int:
        return len(self._keys)

    @overload
    def __getitem__(self, index: int) -> Row: ...

    @overload
    def __getitem__(self, index: slice) -> list[Row]: ...

    def __getitem__(self, index: int | slice) -> Row | list[Row]:
        if isinstance(index, slice):
            return [self[position] for position in range(*index.indices(len(self)))]
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError("listing row out of range")
        row = self._made.get(index)
        if row is None:
            assert self._make is not None  # let go only once every row is made
            row = self._made[index] = self._make(self._keys[index])
        return row

    def __iter__(self) -> Iterator[Row]:  # without ``__getitem__``'s checks, row after row
        made, make = self._made, self._make
        for index, key in enumerate(self._keys):
            row = made.get(index)
            if row is None:
                assert make is not None
                row = made[index] = make(key)
            yield row
        # Every row made: what makes them, and the engine's data it refers to, is let go.
        self._make = None

    def channels(self) -> list[str] | None:
        """The channel_id of each row told by its key, where the listing knows how."""
        return None if self._channel is None else list(map(self._channel, self._keys))

    @property
    def pending(self) -> bool:
        """Whether rows are yet to be made."""
        return self._make is not None and len(self._made) < len(self._keys)

    def fill(self, start: int, rows: Sequence[Row]) -> None:
        """Rows from ``start`` on made elsewhere (``isolation.make_rows``); a row made here
        is kept."""
        made = self._made
        for index, row in enumerate(rows, start):
            made.setdefault(index, row)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, list | Rows) and list(self) == list(other)

    __hash__ = None  # type: ignore[assignment]

    def __reduce__(self) -> tuple[type[list[Row]], tuple[list[Row]]]:
        return list, (list(self),)


def channels_of(rows: Sequence[Row]) -> list[Any]:
    """The channel_id of each of a listing's ``rows``, without making rows yet to be made
    where their keys tell it (``Rows.channels``)."""
    told = rows.channels() if isinstance(rows, Rows) else None
    return [row["channel_id"] for row in rows] if told is None else told


@dataclass
class Listing:
    """One table of results: a key of the JSON object and a block of the Scores sheet."""

    key: str
    title: tuple[str, str]  # Chinese, English
    fields: tuple[Field, ...]
    rows: Sequence[Row] = field(default_factory=list)
    # The keys of the fields shown in the terminal (all when empty).
    brief: tuple[str, ...] = ()
    # How many rows there are when ``rows`` holds only the first of them (see Scores.head).
    count: int | None = None

    @property
    def left_out(self) -> int:
        """How many rows ``rows`` does not hold: 0 but for a listing ``Scores.head``
        shortened for the terminal."""
        return 0 if self.count is None else self.count - len(self.rows)

    def heading(self, lang: Lang) -> str:
        """The title in ``lang``."""
        return self.title[0] if lang == "zh" else self.title[1]

    def shown_fields(self) -> tuple[Field, ...]:
        return tuple(f for f in self.fields if f.key in self.brief) if self.brief \
            else self.fields


@dataclass
class ResultValues:
    """A result column for one of the user's sheets: values by data-row index."""

    sheet: str  # sheet kind
    field: Field
    values: dict[int, Any]


# Every listing ``score`` makes, in the order of the scorers: each is a key of every
# file's JSON object, an empty list where the workbook has nothing for it (the contract
# requires channels, managers, offices and rebates; the others are kept alike).
LISTING_KEYS: Final = ("channels", "region_visits", "manager_days", "open_items", "weeks",
                       "diagnosis", "managers", "offices", "tiers", "rebates", "commission",
                       "watchlist", "contests", "payments", "pareto", "revenue_months",
                       "revenue_ranking", "grade_mix", "complaints")


def empty_results(as_of: date) -> dict[str, Any]:
    """The keys of a file's ``score`` JSON object when nothing could be computed."""
    return {"as_of": as_of.isoformat(), **{key: [] for key in LISTING_KEYS}}


@dataclass
class Scores:
    """Everything ``score`` computed for one workbook."""

    as_of: date
    listings: list[Listing]
    columns: list[ResultValues]
    # The policy in force, every key with its value as JSON (a run record keeps it).
    policy: dict[str, Any] = field(default_factory=dict)

    def listing(self, key: str) -> Listing | None:
        return next((listing for listing in self.listings if listing.key == key), None)

    def head(self, rows: int) -> Scores:
        """The first ``rows`` of each listing, each knowing how many it had (the terminal
        says how many more there are), and no result columns: what the terminal shows,
        which crosses from a file's process much faster than everything (the results are
        written back in that process already). Only the terminal takes a shortened
        Scores: ``to_dict`` refuses one, so JSON, a sheet, a report or the history
        always get every row."""
        return Scores(self.as_of, [replace(listing, rows=listing.rows[:rows],
                                           count=len(listing.rows))
                                   for listing in self.listings], [], self.policy)

    def only(self, keys: frozenset[str]) -> Scores:
        """The listings of ``keys`` and no result columns: what a report lays out, without
        making and sending the rows of the others (the results are written back in the
        file's process already)."""
        return Scores(self.as_of, [listing for listing in self.listings if listing.key in keys],
                      [])

    def to_dict(self) -> dict[str, Any]:
        """The keys of one file's ``score`` JSON object besides its path and findings."""
        shortened = [listing.key for listing in self.listings if listing.left_out]
        if shortened:
            raise ValueError(f"listings shortened for the terminal: {shortened}")
        found = empty_results(self.as_of)
        found.update({listing.key: list(listing.rows) for listing in self.listings})
        return found
