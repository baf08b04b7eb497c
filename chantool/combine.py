"""Several workbooks scored as one book (``score --combine``, ``score --db``).

Each workbook (a file read, or an archived version rebuilt from the store's typed rows)
is a ``Source``: its name and its own typed ``Book``. ``combine`` joins their sheets
kind by kind into one ``Book`` whose rows keep where they came from (``book.RowRef``), so
each finding still names its own file, sheet and cell. What two sources say differently
is a finding, never a silent pick:

- 参数 sheets that differ: the first source's policy is used, unless one is named;
- one channel id with different profiles: the first profile is used;
- one manager-month assessed twice: the first assessment is used;
- the same visit or sale row in two files: it counts once.

Any other row repeated whole in another source (price lists, rebate tables copied into
every office's workbook) counts once as well, without a finding: nothing differs.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any, Final

from chantool.book import Book, Part, RowRef, Sheets, TypedSheet
from chantool.coerce import Cell
from chantool.findings import ROW_PLACE, Finding, Lang, make_finding
from chantool.policy import Policy, PolicyCells
from chantool.settings import SHEETS, SHEETS_BY_KIND
from chantool.table import Layout

_SEPARATOR: Final = {"zh": "、", "en": ", "}
# Sheets whose repeated rows are findings: a visit or a sale entered in two workbooks.
_COUNTED_ONCE: Final = frozenset({"visits", "sales"})


@dataclass(frozen=True)
class Source:
    """One workbook of a combined book: its name (a path, or an archived file's name),
    its own book, and whether it has a 参数 sheet of its own."""

    name: str
    book: Book
    states_policy: bool


@dataclass(frozen=True)
class ChosenPolicy:
    """The policy a combined book uses, the workbook whose 参数 sheet it is, and the cell
    of each key there: the one ``--policy FILE`` names (then no source's 参数 sheet is
    compared), or the first source's with a 参数 sheet."""

    source: str
    policy: Policy
    cells: PolicyCells = field(default_factory=dict)


@dataclass
class Combined:
    """The combined book, and, per sheet kind, the rows that were the same as a kept row
    (its index in the combined sheet): results written back go to them too."""

    book: Book
    twins: dict[str, dict[int, list[RowRef]]]


def combine(sources: Sequence[Source], *, as_of: date, lang: Lang,
            chosen: ChosenPolicy | None = None) -> Combined:
    """One book of every source's typed sheets, in the sources' order; what they say
    differently is in the book's ``read_findings``."""
    found: list[Finding] = []
    if chosen is None:
        chosen, found = first_policy(sources, lang)
    twins: dict[str, dict[int, list[RowRef]]] = {}
    typed: dict[str, TypedSheet] = {}
    for spec in SHEETS:
        pieces = [source.book.sheets[spec.kind] for source in sources
                  if spec.kind in source.book.sheets]
        if pieces:
            typed[spec.kind], twins[spec.kind] = _join(spec.kind, pieces, lang, found)
    outside = frozenset().union(*(source.book.outside_channels for source in sources))
    book = Book(chosen.policy, as_of, Sheets.of(typed), outside_channels=outside, lang=lang,
                policy_cells=chosen.cells, read_findings=found, source=chosen.source)
    return Combined(book, twins)


def first_policy(sources: Sequence[Source], lang: Lang) -> tuple[ChosenPolicy, list[Finding]]:
    """The policy of the first source with a 参数 sheet (else the first source's), and a
    finding for each other source whose sheet says otherwise, naming the keys that differ."""
    stating = [source for source in sources if source.states_policy]
    if not stating:
        first = sources[0] if sources else None
        return ChosenPolicy(first.name if first else "", first.book.policy if first
                            else Policy()), []
    used = stating[0]
    kept = used.book.policy.model_dump()
    found = []
    for source in stating[1:]:
        differ = [key for key, value in source.book.policy.model_dump().items()
                  if kept.get(key) != value]
        if differ:
            found.append(make_finding("combine_policy_differs", lang=lang, source=source.name,
                                      file=source.name, other=used.name,
                                      keys=_SEPARATOR[lang].join(differ)))
    return ChosenPolicy(used.name, used.book.policy, used.book.policy_cells), found


def _join(kind: str, pieces: Sequence[TypedSheet], lang: Lang,
          found: list[Finding]) -> tuple[TypedSheet, dict[int, list[RowRef]]]:
    """One sheet of the rows of ``pieces`` (each a sheet of one source), each row once."""
    spec = SHEETS_BY_KIND[kind]
    keys = [column.key for column in spec.columns if any(piece.has(column.key)
                                                          for piece in pieces)]
    # A row's identity: its index in the joined sheet, and its piece and index there.
    kept: dict[Any, tuple[int, int, int]] = {}
    twins: dict[int, list[RowRef]] = {}
    rows: list[int] = []
    values: dict[str, list[Any]] = {key: [] for key in keys}
    raw: dict[str, list[Cell]] = {key: [] for key in keys}
    parts: list[Part] = []
    for position, piece in enumerate(pieces):
        parts.append(replace(piece.parts[0], start=len(rows), keys=frozenset(piece.values)))
        columns = [piece.column(key) for key in keys]
        keep: list[int] = []  # the piece's rows that are nobody's repeat
        for index, whole in enumerate(zip(*columns, strict=True)):
            identity = _identity(kind, keys, whole)
            first = kept.get(identity) if identity is not None else None
            if first is not None and first[1] != position:  # repeats within a piece count
                joined, earlier, local = first
                other = pieces[earlier]
                finding = _repeat(kind, piece, index, whole, other, local, keys, lang)
                if finding is not None:
                    found.append(finding)
                elif kind == "channels":
                    twins.setdefault(joined, []).append(piece.ref(index))
                continue
            if identity is not None:
                kept.setdefault(identity, (len(rows) + len(keep), position, index))
            keep.append(index)
        every = len(keep) == len(piece)
        rows.extend(piece.row_numbers if every else map(piece.row_numbers.__getitem__, keep))
        for key, column in zip(keys, columns, strict=True):
            cells = piece.raw.get(key, column)
            values[key].extend(column if every else map(column.__getitem__, keep))
            raw[key].extend(cells if every else map(cells.__getitem__, keep))
    # A piece whose every row was another's leaves no part.
    ends = [part.start for part in parts[1:]] + [len(rows)]
    parts = [part for part, end in zip(parts, ends, strict=True) if part.start < end]
    joined_sheet = TypedSheet(spec, pieces[0].name, Layout(pieces[0].layout.header_row, {}),
                              rows, raw, values, lang,
                              parts=parts or [replace(pieces[0].parts[0], start=0)])
    return joined_sheet, twins


def _identity(kind: str, keys: Sequence[str], whole: tuple[Any, ...]) -> Any:
    """What makes two rows of a kind the same row: a channel's id, an assessment's
    manager and month, else every value (None: a row without them is nobody's repeat)."""
    if kind == "channels":
        return whole[keys.index("channel_id")] if "channel_id" in keys else None
    if kind == "assessments":
        named = [whole[keys.index(key)] if key in keys else None for key in ("manager", "month")]
        return None if None in named else tuple(named)
    return whole


def _repeat(kind: str, piece: TypedSheet, index: int, whole: tuple[Any, ...],
            other: TypedSheet, local: int, keys: Sequence[str], lang: Lang) -> Finding | None:
    """The finding for row ``index`` of ``piece`` that the row ``local`` of ``other`` (a
    sheet of an earlier source) had first; None when no finding is due."""
    where = ROW_PLACE[lang].format(row=other.row_numbers[local])
    fields = {"other": other.parts[0].source or "", "other_place": f"{other.name} {where}"}
    if kind == "channels":
        differ = [piece.label(key) for key, mine in zip(keys, whole, strict=True)
                  if mine != other.column(key)[local]]
        if not differ:
            return None
        return piece.finding("combine_channel_differs", "channel_id", index,
                             labels=_SEPARATOR[lang].join(differ), **fields)
    if kind == "assessments":
        return piece.finding("combine_assessed_twice", "manager", index,
                             month=whole[keys.index("month")], **fields)
    if kind in _COUNTED_ONCE:
        shown = next(key for key in keys if key in piece.raw)
        return piece.finding("combine_same_row", shown, index, **fields)
    return None
