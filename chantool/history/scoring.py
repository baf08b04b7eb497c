"""Scoring from the store (``score --db`` without paths): the same engine, the same JSON.

The current version of each archived file in scope (superseded versions are left out)
is rebuilt as a book from its typed rows (``TypedSheet.of_rows``) and its 参数 entries,
and the versions are scored as one book, as ``score --combine`` scores files
(``chantool.combine``): files and the store give the same scores. A version's rows name
its file's name, sheet and Excel row; their column letters are not stored, so a finding
names the row.

Scope: ``--office`` keeps the versions whose rows name that office; ``--from``/``--to``
(months) keep those whose period overlaps them, and the versions without dated rows
(profiles, price lists), which belong to every period.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from operator import attrgetter
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, or_, select
from sqlalchemy.engine import URL

from chantool.book import Book, Sheets, TypedSheet
from chantool.combine import ChosenPolicy, Source, combine
from chantool.findings import Lang
from chantool.history.archive import _first_day, _last_day
from chantool.history.schema import (
    SHEET_TABLES,
    file_versions,
    files,
    policy_entries,
    version_sheets,
)
from chantool.history.store import transaction
from chantool.listings import Scores
from chantool.policy import Policy, PolicyCells, read_policy
from chantool.report import FileResult
from chantool.scoring import score_read_book
from chantool.settings import POLICY_COLUMNS, SCORES_SHEET
from chantool.table import RawSheet
from chantool.texts import word
from chantool.validate import sort_by_place


@dataclass(frozen=True)
class Scope:
    """Which current versions a store run scores."""

    office: str | None = None
    first: str | None = None  # YYYY-MM
    last: str | None = None

    def label(self, lang: Lang) -> str:
        """The scope as a result's path and a file name name it: 全部 (all), or the office
        and months given (宁波办事处_2025-05_2025-06)."""
        months = "_".join(month for month in (self.first, self.last) if month)
        return "_".join(part for part in (self.office, months) if part) or word(
            "score_scope_all", lang)


@dataclass(frozen=True)
class Version:
    """A file version scored: a run's input."""

    id: int
    name: str
    sha256: str


@dataclass(frozen=True)
class StoreRun:
    """What scoring from the store gave: the result (with every row of every listing),
    and the versions scored (the run's inputs)."""

    result: FileResult
    scores: Scores
    versions: list[Version]


def score_store(url: URL, engine: Engine, scope: Scope, *, as_of: date, lang: Lang,
                chosen: ChosenPolicy | None = None) -> StoreRun:
    """Score the current versions in ``scope`` as one book (its result's path is
    ``db:`` and the scope)."""
    with transaction(engine, url, lang, write=False) as connection:
        versions = _versions(connection, scope)
        sources = [_source(connection, version, as_of, lang) for version in versions]
    combined = combine(sources, as_of=as_of, lang=lang, chosen=chosen)
    findings, scores = score_read_book(combined.book)
    sort_by_place(findings, {None: [], **{source.name: [sheet.name for sheet in
                                                        source.book.sheets.values()]
                                          for source in sources}})
    names = tuple(source.name for source in sources)
    result = FileResult.checked(f"db:{scope.label(lang)}", findings, scores, names)
    return StoreRun(result, scores, versions)


def _versions(connection: Connection, scope: Scope) -> list[Version]:
    """The current versions in scope, by file name in code-point order (as ``--combine``
    sorts a folder's files), whatever the database's own collation."""
    query = (select(file_versions.c.id, files.c.name, file_versions.c.sha256)
             .join(files, files.c.id == file_versions.c.file_id)
             .where(file_versions.c.superseded_by.is_(None)))
    if scope.office is not None:
        query = query.where(file_versions.c.office == scope.office)
    if scope.first is not None:
        query = query.where(or_(file_versions.c.period_to.is_(None),
                                file_versions.c.period_to >= _first_day(scope.first)))
    if scope.last is not None:
        query = query.where(or_(file_versions.c.period_from.is_(None),
                                file_versions.c.period_from <= _last_day(scope.last)))
    return sorted((Version(*row) for row in connection.execute(query)),
                  key=attrgetter("name"))


def _source(connection: Connection, version: Version, as_of: date, lang: Lang) -> Source:
    """A version as a book of its typed rows, with the policy of its 参数 entries."""
    entries = connection.execute(
        select(policy_entries.c.sheet, policy_entries.c.excel_row, policy_entries.c.key,
               policy_entries.c.value)
        .where(policy_entries.c.file_version_id == version.id)
        .order_by(policy_entries.c.excel_row)).all()
    policy, cells = Policy(), PolicyCells()
    if entries:
        policy, _, cells = read_policy(_policy_sheet(entries), lang)
    typed: dict[str, TypedSheet] = {}
    for kind, name, header_row, columns in connection.execute(
            select(version_sheets.c.kind, version_sheets.c.name, version_sheets.c.header_row,
                   version_sheets.c.columns)
            .where(version_sheets.c.file_version_id == version.id)):
        table = SHEET_TABLES[kind]
        keys = [key for key in columns.split(",") if key]
        rows = connection.execute(
            select(table.c.excel_row, *(table.c[key] for key in keys))
            .where(table.c.file_version_id == version.id).order_by(table.c.id)).all()
        # Rows to columns, at C speed.
        numbers, *columns = map(list, zip(*rows, strict=True)) if rows else \
            [[] for _ in range(len(keys) + 1)]
        typed[kind] = TypedSheet.of_rows(kind, version.name, name, header_row, numbers,
                                         dict(zip(keys, columns, strict=True)), lang)
    book = Book(policy, as_of, Sheets.of(typed), lang=lang, policy_cells=cells,
                source=version.name)
    return Source(version.name, book, bool(entries))


def _policy_sheet(entries: Sequence[Any]) -> RawSheet:
    """A 参数 sheet holding the stored entries at their rows, below a header in row 1
    (where it is found however far below it the entries start)."""
    rows: list[list[Any]] = [[] for _ in range(entries[-1].excel_row)]
    rows[0] = [POLICY_COLUMNS["key"][0], POLICY_COLUMNS["value"][0]]
    for entry in entries:
        rows[entry.excel_row - 1] = [entry.key, entry.value]
    return RawSheet(entries[0].sheet, rows)


def scores_path(directory: Path, scope: Scope, lang: Lang) -> Path:
    """Where ``--out DIR`` writes the store run's 评分 workbook: 评分_<scope>.xlsx."""
    sheet = SCORES_SHEET[0] if lang == "zh" else SCORES_SHEET[1]
    return directory / f"{sheet}_{scope.label(lang)}.xlsx"
