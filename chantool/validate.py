"""The validation pipeline: raw sheets -> typed book -> rules -> findings.

This is the engine's entry point. It knows nothing of files, Excel or terminals: the
adapters hand it ``RawSheet`` tables and get back the typed ``Book`` (for scoring and
write-back) and every finding, collected, never raised.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import replace
from datetime import date
from itertools import compress
from typing import Final

from chantool.book import Book, Sheets, TypedSheet, run_steps
from chantool.coerce import Cell, is_blank
from chantool.columns import read_column
from chantool.findings import Finding, Lang, make_finding
from chantool.policy import Policy, read_policy
from chantool.rules import RULES
from chantool.settings import HEADER_SEARCH_ROWS, SHEETS, SHEETS_BY_KIND, Column
from chantool.table import (
    RawSheet,
    address,
    column_letter,
    is_policy_sheet,
    sheet_layout,
    sheet_spec,
)


def read_book(
    sheets: Sequence[RawSheet],
    *,
    as_of: date,
    lang: Lang = "zh",
    outside_channels: frozenset[str] = frozenset(),
    source: str | None = None,
) -> Book:
    """The typed book of a workbook. The policy is read at once; each standard sheet is
    typed and checked when first asked for (``book.Sheets``). ``reading_findings`` gives
    what reading found. ``source`` names the workbook when it is one of several scored
    together: its rows (and their findings) then name it."""
    found: list[Finding] = []
    policy_sheet: RawSheet | None = None
    standard: dict[str, RawSheet] = {}
    for sheet in sheets:
        spec = sheet_spec(sheet.name)
        kind = "policy" if is_policy_sheet(sheet.name) else spec.kind if spec else None
        if kind is None:
            continue
        kept = policy_sheet if kind == "policy" else standard.get(kind)
        if kept is not None:
            found.append(make_finding("duplicate_sheet", lang=lang, sheet=sheet.name,
                                      other=kept.name))
        elif kind == "policy":
            policy_sheet = sheet
        else:
            standard[kind] = sheet
    if not standard:
        expected = "、".join(spec.name for spec in SHEETS)
        found.append(make_finding("no_known_sheet", lang=lang, expected=expected))

    policy, policy_problems, policy_cells = read_policy(policy_sheet, lang)
    found.extend(policy_problems)
    book = Book(policy, as_of, outside_channels=outside_channels, lang=lang,
                policy_cells=policy_cells, read_findings=found, source=source)
    book.sheets = Sheets(standard, lambda kind, sheet: _read_sheet(book, kind, sheet))
    return book


def reading_findings(book: Book) -> list[Finding]:
    """What reading a book found: of its policy and sheets, and of every sheet's cells
    (typing the sheets no step asked for)."""
    list(book.sheets)  # types every sheet
    return list(book.read_findings)


def validate_book(
    sheets: Sequence[RawSheet],
    *,
    as_of: date,
    lang: Lang = "zh",
    outside_channels: frozenset[str] = frozenset(),
) -> tuple[Book, list[Finding]]:
    """Read a workbook and run every rule over it; findings come in sheet and cell order."""
    book = read_book(sheets, as_of=as_of, lang=lang, outside_channels=outside_channels)
    found = run_steps(book, RULES)
    findings = [*reading_findings(book), *(finding for each in found for finding in each),
                *calendar_findings(book)]
    sort_findings(findings, sheets)
    return book, findings


def calendar_findings(book: Book) -> list[Finding]:
    """The years the rules asked the working-day calendar about that it has no holiday
    data for, in one finding (call once every rule and scorer has run)."""
    years = book.calendar.unknown_years
    if not years:
        return []
    return [make_finding("calendar_year_unknown", lang=book.lang,
                         years="、".join(str(year) for year in sorted(years)))]


def sort_findings(findings: list[Finding], sheets: Sequence[RawSheet]) -> None:
    """Sort findings in sheet order (findings about no sheet first), then by row, then by
    column."""
    sort_by_place(findings, {None: [sheet.name for sheet in sheets]})


def sort_by_place(findings: list[Finding], sheets: Mapping[str | None, Sequence[str]]) -> None:
    """Sort findings by source in the order of ``sheets`` (its keys; findings about no
    source first), then in the order of that source's sheet names (findings about no
    sheet first), then by row, then by column."""
    sources = {source: rank for rank, source in enumerate(sheets)}
    orders = {source: {name: rank for rank, name in enumerate(names)}
              for source, names in sheets.items()}
    nowhere: dict[str, int] = {}

    def place(finding: Finding) -> tuple[int, int, int, int, str]:
        # Sheet, row, then column: by the length of the column letters first (Z < AA).
        letters = (finding.cell or "").rstrip("0123456789")
        return (sources.get(finding.source, -1),
                orders.get(finding.source, nowhere).get(finding.sheet or "", -1),
                finding.row or 0, len(letters), letters)

    findings.sort(key=place)


def column_choices(column: Column, policy: Policy) -> Sequence[str]:
    """The values a column may take: its fixed list, or the policy's list it names."""
    if isinstance(column.choices, str):
        listed: list[str] = getattr(policy, column.choices)
        return listed
    return column.choices or ()


def _read_sheet(book: Book, kind: str, sheet: RawSheet) -> TypedSheet | None:
    """A standard sheet typed, its findings (cells, and channels it names that are not
    known) added to the book's; ``None`` when its header cannot be found."""
    spec, policy, as_of, lang = SHEETS_BY_KIND[kind], book.policy, book.as_of, book.lang
    findings = book.read_findings
    layout = sheet_layout(sheet.rows, spec)
    if layout is None:
        labels = "、".join(c.label if lang == "zh" else c.label_en for c in spec.columns)
        findings.append(make_finding("header_not_found", lang=lang, sheet=sheet.name,
                                     rows=HEADER_SEARCH_ROWS, labels=labels))
        return None
    header = layout.header_row
    for column in spec.columns:
        if column.required and column.key not in layout.positions:
            findings.append(make_finding(
                "column_missing", lang=lang, sheet=sheet.name, row=header, column=column.key,
                label=column.label if lang == "zh" else column.label_en))
    for key, repeat, kept in layout.repeats:
        column = spec.column(key)
        findings.append(make_finding(
            "duplicate_column", lang=lang, sheet=sheet.name, cell=address(header, repeat + 1),
            row=header, column=key, label=column.label if lang == "zh" else column.label_en,
            other=column_letter(kept)))

    kept_rows, columns = _data(sheet, header, layout.positions)
    first = header + 1
    row_numbers = (list(range(first, first + len(kept_rows))) if isinstance(kept_rows, range)
                   else [first + index for index in kept_rows])
    merged = _merged_cells(sheet, header, row_numbers, layout.positions, findings, lang)

    typed = TypedSheet(spec, sheet.name, layout, row_numbers, columns, {}, lang, book.source)
    for key, cells in columns.items():
        column = spec.column(key)
        if column.maximum_key is not None:
            column = replace(column, maximum=getattr(policy, column.maximum_key))
        values, problems = read_column(column, cells, choices=column_choices(column, policy),
                                       as_of=as_of, merged=merged.get(key, frozenset()))
        typed.values[key] = values
        findings.extend(typed.problem_findings(key, problems))
        if column.unique:
            findings.extend(_repeats(typed, (key,)))
    if spec.unique_together and all(typed.has(key) for key in spec.unique_together):
        findings.extend(_repeats(typed, spec.unique_together))
    findings.extend(_unknown_channels(book, typed))
    return typed


def _data(
    sheet: RawSheet, header: int, positions: dict[str, int]
) -> tuple[range | list[int], dict[str, Sequence[Cell]]]:
    """The indexes of the rows below the header that are not blank, and the cells of each
    known column in those rows (taken from the sheet's columns, at C speed)."""
    body = sheet.rows[header:]
    columns = sheet.columns
    known: dict[str, Sequence[Cell]] = {key: columns[position][header:]
                                        for key, position in positions.items()}
    # Column A tells most blank rows apart.
    blank = _blank_rows(body, columns[0][header:] if columns else [])
    if not blank:
        return range(len(body)), known
    keep = [True] * len(body)
    for index in blank:
        keep[index] = False
    return (list(compress(range(len(body)), keep)),
            {key: list(compress(cells, keep)) for key, cells in known.items()})


# Types of a first cell that may still belong to a blank row.
_MAYBE_BLANK: Final = frozenset({str, type(None)})


def _blank_rows(body: Sequence[Sequence[Cell]], firsts: Iterable[Cell]) -> set[int]:
    """Indexes of the rows without any value (0 and FALSE are values; spaces are not);
    ``firsts`` are the rows' first cells (``None`` for an empty row)."""
    # A number, date or boolean in the first cell makes a row count: such rows are told
    # apart at C speed, and only the others are looked at cell by cell.
    maybe = compress(range(len(body)), map(_MAYBE_BLANK.__contains__, map(type, firsts)))
    return {index for index in maybe if all(map(is_blank, body[index]))}


def _merged_cells(
    sheet: RawSheet,
    header: int,
    row_numbers: list[int],
    positions: dict[str, int],
    findings: list[Finding],
    lang: Lang,
) -> dict[str, set[int]]:
    """Report merged cells in the data area; returns, per column, the data rows whose cell
    is covered by a merge, so that a merged value is never read as every row's value."""
    if not sheet.merged:
        return {}
    keys_at = {position + 1: key for key, position in positions.items()}
    index_of = {row: index for index, row in enumerate(row_numbers)}
    covered: dict[str, set[int]] = {}
    for merged in sheet.merged:
        columns = [col for col in range(merged.first_col, merged.last_col + 1) if col in keys_at]
        if merged.last_row <= header or not columns:
            continue
        first_row = max(merged.first_row, header + 1)
        for row in range(first_row, merged.last_row + 1):
            for col in columns:
                if (row, col) != (merged.first_row, merged.first_col) and row in index_of:
                    covered.setdefault(keys_at[col], set()).add(index_of[row])
        findings.append(make_finding(
            "merged_cells", lang=lang, sheet=sheet.name, cell=address(first_row, columns[0]),
            row=first_row, column=keys_at[columns[0]], range=merged.ref))
    return covered


def _repeats(sheet: TypedSheet, keys: tuple[str, ...]) -> Iterator[Finding]:
    """Rows whose values in ``keys`` repeat an earlier row's."""
    first: dict[tuple[object, ...], int] = {}
    for index, values in enumerate(zip(*(sheet.column(key) for key in keys), strict=True)):
        if any(value is None for value in values):
            continue
        seen = first.setdefault(values, index)
        if seen != index:
            shown = " / ".join(str(value) for value in values)
            label = " + ".join(sheet.label(key) for key in keys)
            yield sheet.finding("not_unique", keys[-1], index, other=sheet.row_numbers[seen],
                                value=shown, label=label)


def _unknown_channels(book: Book, sheet: TypedSheet) -> Iterator[Finding]:
    """Channel ids named in a sheet must exist in the channel profiles."""
    columns = [column.key for column in sheet.spec.columns
               if column.refers_to == "channels" and sheet.has(column.key)
               and sheet.spec.kind != "channels"]
    known = book.known_channels() if columns else None
    if known is None:
        return
    for key in columns:
        for index, value in enumerate(sheet.column(key)):
            if value is not None and value not in known:
                yield sheet.finding("unknown_channel", key, index)
