"""Archiving workbooks into the store: each file validated, then written in one transaction.

A file goes in under its own name (without folders). Content already in the store (same
SHA-256) changes nothing. A new content under a name archived before is the next version
of that file and supersedes the current one; the old versions stay. A file with error
findings is refused unless errors are accepted. Each file is read, validated and written
in a child process of its own (``io.isolation``), like every workbook chantool reads: a
hostile file cannot crash the batch, and a child killed half-way leaves nothing behind,
as its transaction is never committed.
"""

from __future__ import annotations

import hashlib
from calendar import monthrange
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import partial
from itertools import chain, islice, repeat
from operator import methodcaller
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, Literal

from sqlalchemy import (
    Boolean,
    Connection,
    Date,
    Dialect,
    Engine,
    ScalarSelect,
    Select,
    Time,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.engine import URL, make_url
from sqlalchemy.types import TypeEngine

from chantool.batch import ENGINE, Job, Options, ReadError, failure_reason, load
from chantool.coerce import is_blank
from chantool.findings import Finding, Lang, Severity, display
from chantool.history.schema import (
    SHEET_TABLES,
    channel_managers,
    file_versions,
    files,
    policy_entries,
    version_sheets,
)
from chantool.history.store import StoreError, archive_lock, kept_engine, transaction
from chantool.io.isolation import Failure, leave_to_exit, run_isolated
from chantool.memo import Memo
from chantool.policy import entry_text
from chantool.settings import POLICY_COLUMNS
from chantool.table import RawSheet, find_layout, is_policy_sheet

if TYPE_CHECKING:  # the engine is imported when files are archived, not before
    from chantool.book import Sheets

Status = Literal["archived", "unchanged", "refused", "unreadable"]


@dataclass(frozen=True)
class Outcome:
    """What became of one file. ``version`` is the version it became (archived) or the
    one that already holds its content (unchanged), of the file ``name``."""

    path: str
    status: Status
    name: str = ""
    version: int | None = None
    replaced: int | None = None  # the version it superseded
    # Unchanged: the version that superseded the one holding its content, if one did.
    superseded: int | None = None
    errors: int = 0  # error findings: refused for them, or accepted
    findings: tuple[Finding, ...] = ()  # refused: the error findings
    reason: str | None = None  # unreadable: why


# The file name and version holding a content, and the version that superseded that one.
Holding = tuple[str, int, int | None]
# A sheet's rows as its columns: the Excel row numbers, then each key's typed values.
Records = tuple[list[int], dict[str, list[Any]]]


@dataclass(frozen=True)
class Content:
    """What a workbook puts in the store."""

    size: int
    office: str | None
    months: tuple[str, str] | None  # first and last month of its dated rows
    warnings: int
    errors: int
    sheets: list[dict[str, Any]]  # rows of version_sheets, without the version
    policy: list[dict[str, Any]]  # rows of policy_entries, without the version
    rows: dict[str, Records]  # each standard sheet's rows, by kind


def archive_files(jobs: Sequence[Job], url: URL, options: Options, *, accept_errors: bool,
                  progress: Callable[[Path], None] | None = None) -> list[Outcome]:
    """Archive each file (each in its own child and transaction); outcomes in job order.
    The store's schema must be up to date (``store.open_store``)."""
    outcomes: dict[Job, Outcome] = {}

    def done(job: Job, result: Any) -> None:
        if isinstance(result, Failure):
            result = Outcome(str(job.path), "unreadable",
                             reason=failure_reason(job, result, options))
        outcomes[job] = result
        if progress is not None:
            progress(job.path)

    engine = kept_engine(url)  # the children's, forked with its dialect set up here
    with transaction(engine, url, options.lang, write=False) as connection:
        _holding_in(connection, "")  # and with the query each child asks first compiled
    engine.dispose()  # and without a connection: each child opens its own
    task = partial(archive_file, url=url.render_as_string(hide_password=False),
                   options=options, accept_errors=accept_errors)
    run_isolated(task, jobs, limits=options.limits, workers=options.jobs, done=done,
                 preload=(ENGINE,))
    return [outcomes[job] for job in jobs]


def archive_file(job: Job, *, url: str, options: Options, accept_errors: bool) -> Outcome:
    """Archive one file (in its child): never raises; a store that fails is ``unreadable``
    with the store's reason."""
    path, lang, store = job.path, options.lang, make_url(url)
    engine = kept_engine(store)  # one login for both transactions
    try:
        try:
            digest = sha256(path)
        except OSError:
            load(path, options)  # raises ReadError with the reason, as for any file
            raise
        known = _holding(engine, store, digest, lang)
        if known is not None:
            return _unchanged(path, known)
        from chantool.check import every_sheet_read  # the engine (preloaded by run_isolated)
        from chantool.validate import validate_book

        sheets = load(path, options)
        book, findings = validate_book(sheets, as_of=options.as_of, lang=lang)
        every_sheet_read(sheets)
        leave_to_exit(book, sheets)
        errors = [finding for finding in findings if finding.severity is Severity.ERROR]
        if errors and not accept_errors:
            return Outcome(str(path), "refused", path.name, errors=len(errors),
                           findings=tuple(errors))
        content = Content(
            size=path.stat().st_size, office=_office(book.sheets),
            months=_months(book.sheets, options.as_of), warnings=len(findings) - len(errors),
            errors=len(errors),
            sheets=[{"kind": kind, "name": sheet.name, "header_row": sheet.layout.header_row,
                     "columns": ",".join(sheet.values)} for kind, sheet in book.sheets.items()],
            policy=_policy_entries(sheets),
            rows={kind: (sheet.row_numbers, sheet.values)
                  for kind, sheet in book.sheets.items()})
        return _write(engine, store, lang, path, digest, content)
    except (ReadError, StoreError) as error:
        return Outcome(str(path), "unreadable", reason=str(error))
    finally:
        engine.dispose()


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _unchanged(path: Path, known: Holding) -> Outcome:
    name, version, superseded = known
    return Outcome(str(path), "unchanged", name, version, superseded=superseded)


def _holding(engine: Engine, url: URL, digest: str, lang: Lang) -> Holding | None:
    """The file name and version that hold this content already, if any, and the version
    that superseded it (None while it is current)."""
    with transaction(engine, url, lang, write=False) as connection:
        return _holding_in(connection, digest)


def _holding_in(connection: Connection, digest: str) -> Holding | None:
    newer = file_versions.alias("newer")
    found = connection.execute(
        select(files.c.name, file_versions.c.version, newer.c.version)
        .join(files, files.c.id == file_versions.c.file_id)
        .outerjoin(newer, newer.c.id == file_versions.c.superseded_by)
        .where(file_versions.c.sha256 == digest)).first()
    return None if found is None else (found[0], found[1], found[2])


def _office(sheets: Sheets) -> str | None:
    """The one office a workbook's assessments and planned customers name, if one."""
    offices = {office for kind in ("assessments", "planned") if kind in sheets
               for office in sheets[kind].column("office") if office}
    return offices.pop() if len(offices) == 1 else None


# The columns whose dates or months say which months a workbook covers.
_DATED: Final = (("visits", "visit_date"), ("sales", "sale_date"), ("assessments", "month"),
                 ("planned", "month"))


def _months(sheets: Sheets, as_of: date) -> tuple[str, str] | None:
    """The first and last month (YYYY-MM) of a workbook's dated rows, if it has any;
    months after ``as_of``'s are left out (a date in the future is an error finding).
    Each column's earliest and latest value are found first: a month is made only of those."""
    latest = f"{as_of.year:04d}-{as_of.month:02d}"
    last_day = _last_day(latest)
    months: list[str] = []
    for kind, key in _DATED:
        if kind not in sheets:
            continue
        # Each value once: a month's days repeat over thousands of rows. Dates (and
        # months, YYYY-MM text) compare as their months do.
        values = set(sheets[kind].column(key))
        days = [value for value in values if isinstance(value, date) and value <= last_day]
        months += [f"{day.year:04d}-{day.month:02d}" for day in
                   ((min(days), max(days)) if days else ())]
        months += [month for month in values if isinstance(month, str) and month <= latest]
    return (min(months), max(months)) if months else None


def _policy_entries(sheets: Sequence[RawSheet]) -> list[dict[str, Any]]:
    """The entries of the first policy sheet, as written (``policy.entry_text``): each row
    with a key."""
    sheet = next((sheet for sheet in sheets if is_policy_sheet(sheet.name)), None)
    layout = find_layout(sheet.rows, POLICY_COLUMNS) if sheet is not None else None
    if sheet is None or layout is None or not {"key", "value"} <= layout.positions.keys():
        return []
    key_col, value_col = layout.positions["key"], layout.positions["value"]
    entries = []
    for number, row in enumerate(sheet.rows[layout.header_row:], start=layout.header_row + 1):
        key = row[key_col] if key_col < len(row) else None
        if is_blank(key):
            continue
        value = row[value_col] if value_col < len(row) else None
        entries.append({"excel_row": number, "sheet": sheet.name, "key": display(key),
                        "value": None if is_blank(value) else entry_text(key, value)})
    return entries


def _write(engine: Engine, url: URL, lang: Lang, path: Path, digest: str,
           content: Content) -> Outcome:
    """Write one file's version and rows in one transaction: under the locks of its name
    and its content, and the archive lock to work out who managed which channel (on
    PostgreSQL, other writers meanwhile copy the rows of other files)."""
    name = path.name
    with transaction(engine, url, lang, only=(name, digest)) as connection:
        known = _holding_in(connection, digest)  # archived meanwhile by another process
        if known is not None:
            return _unchanged(path, known)
        file_id = connection.execute(select(files.c.id).where(files.c.name == name)).scalar()
        if file_id is None:
            file_id = connection.execute(
                insert(files).values(name=name).returning(files.c.id)).scalar_one()
        current = connection.execute(
            select(file_versions.c.id, file_versions.c.version)
            .where(file_versions.c.file_id == file_id, file_versions.c.superseded_by.is_(None))
        ).first()
        last = connection.execute(select(func.max(file_versions.c.version))
                                  .where(file_versions.c.file_id == file_id)).scalar()
        version = (last or 0) + 1
        first, final = (_first_day(content.months[0]), _last_day(content.months[1])) \
            if content.months else (None, None)
        version_id = connection.execute(insert(file_versions).values(
            file_id=file_id, version=version, path=str(path.absolute()), sha256=digest,
            size=content.size, office=content.office,
            period=_period_text(content.months), period_from=first, period_to=final,
            archived_at=datetime.now(UTC), errors=content.errors, warnings=content.warnings,
        ).returning(file_versions.c.id)).scalar_one()
        if current is not None:
            connection.execute(update(file_versions).where(file_versions.c.id == current.id)
                               .values(superseded_by=version_id))
        for table, entries in ((version_sheets, content.sheets),
                               (policy_entries, content.policy)):
            if entries:
                connection.execute(insert(table), [{"file_version_id": version_id, **entry}
                                                   for entry in entries])
        for kind, (numbers, columns) in content.rows.items():
            insert_rows(connection, kind, version_id, numbers, columns)
        # Each statement sees what other writers committed before it began: with the
        # archive lock, every profile archived before this file's (PostgreSQL's default
        # isolation, read committed).
        archive_lock(connection)
        refresh_managers(connection, [version_id, *([current.id] if current else [])])
    return Outcome(str(path), "archived", name, version,
                   replaced=current.version if current else None, errors=content.errors)


def insert_rows(connection: Connection, kind: str, version_id: int, numbers: list[int],
                columns: dict[str, list[Any]]) -> None:
    """The typed rows of one sheet of a version. This is the archive's hot loop, so the
    rows skip SQLAlchemy's statement, which made a dict per row and cost several times
    the database's own work (bench/bench_archive.py): they go to the driver of the
    transaction's connection, row tuples made as they are sent. SQLite gets them through
    ``executemany`` of statements of many rows each (bound parameters), each column
    converted as SQLAlchemy's own bind processor for it would (SQLite keeps dates and
    times as text; ``_sqlite_values``);
    PostgreSQL gets them through ``COPY ... FROM STDIN`` (binary), which sends the values
    apart from the statement, as bound parameters are, in one round trip instead of one a
    row."""
    if not numbers:
        return
    table = SHEET_TABLES[kind]
    dialect = connection.dialect
    quote = dialect.identifier_preparer.quote
    names = ", ".join(map(quote, ["file_version_id", "excel_row", *columns]))
    driver = connection.connection.driver_connection  # the DBAPI's, in this transaction
    assert driver is not None
    if dialect.name == "postgresql":
        # Binary: each value is sent as its column's type, which psycopg packs in C; text
        # would format each in Python and have the server parse it again.
        types = [table.c[key].type.compile(dialect=dialect).lower()
                 for key in ("file_version_id", "excel_row", *columns)]
        with (driver.cursor() as cursor,
              cursor.copy(f"COPY {quote(table.name)} ({names}) FROM STDIN (FORMAT BINARY)")
              as copy):
            copy.set_types(types)
            for row in zip(repeat(version_id), numbers, *columns.values()):
                copy.write_row(row)
        return
    converted = [_sqlite_values(table.c[key].type, values, dialect)
                 for key, values in columns.items()]
    # Many rows to a statement: SQLite runs a statement for each of ``executemany``'s
    # parameter sets; 10,000 rows one to a statement took 16.5 ms, 90 to one 10.7 ms.
    width = len(columns) + 2
    per = _SQLITE_VARIABLES // width
    values = chain.from_iterable(zip(repeat(version_id, len(numbers)), numbers, *converted,
                                     strict=True))
    marks = f"({', '.join(['?'] * width)})"

    def statement(rows: int) -> str:
        return f"INSERT INTO {quote(table.name)} ({names}) VALUES {', '.join([marks] * rows)}"

    full, rest = divmod(len(numbers), per)
    if full:
        driver.executemany(statement(per),
                           (tuple(islice(values, per * width)) for _ in range(full)))
    if rest:
        driver.execute(statement(rest), tuple(islice(values, rest * width)))


# Dates and times as SQLAlchemy's SQLite dialect stores them ("2025-06-30",
# "08:30:00.000000") and yes/no as 1/0, by C built-ins: SQLAlchemy's processors handle
# each value in Python, which took longer than SQLite's inserting the rows. A test holds
# the two to the same values.
_SQLITE_FAST: Final[dict[type[TypeEngine[Any]], Callable[[Any], str | int]]] = {
    Date: date.isoformat, Time: methodcaller("isoformat", timespec="microseconds"),
    Boolean: int}


# The bound values one SQLite statement may have in any SQLite a Python may link (3.32
# raised the limit from 999 to 32,766).
_SQLITE_VARIABLES: Final = 999


def _sqlite_values(column_type: TypeEngine[Any], values: list[Any],
                   dialect: Dialect) -> list[Any]:
    """A column's values as SQLite is given them, ``None`` kept (a blank cell)."""
    fast = _SQLITE_FAST.get(type(column_type))
    if fast is not None:
        return list(map(Memo(fast, {None: None}).__getitem__, values))  # each value once
    convert = column_type.dialect_impl(dialect).bind_processor(dialect)
    return values if convert is None else list(map(convert, values))


def _period_text(months: tuple[str, str] | None) -> str | None:
    if months is None:
        return None
    return months[0] if months[0] == months[1] else f"{months[0]}..{months[1]}"


def _first_day(month: str) -> date:
    return date(int(month[:4]), int(month[5:7]), 1)


def _last_day(month: str) -> date:
    year, number = int(month[:4]), int(month[5:7])
    return date(year, number, monthrange(year, number)[1])


@dataclass
class _Span:
    manager: str
    valid_from: date
    file_version_id: int


def refresh_managers(connection: Connection, version_ids: Iterable[int]) -> None:
    """Work out again who managed each channel named by these versions' profiles, from the
    profiles of every current version naming it (R-11). Each version says the manager of
    its profile held the channel over its period (from its first day: the day archived,
    for a version without dated rows); a manager holds it until the first later period
    that names another. Two versions naming different managers from the same day: the
    one archived later counts."""
    named = _named(version_ids)
    connection.execute(channel_managers.delete().where(channel_managers.c.channel_id.in_(named)))
    said = connection.execute(_stated(named)).all()
    by_channel: dict[str, list[tuple[date, int, str]]] = {}
    for channel, manager, version_id, period_from, archived_at in said:
        start = period_from or as_utc(archived_at).date()
        by_channel.setdefault(channel, []).append((start, version_id, manager))
    spans = [{"channel_id": channel, "manager": span.manager, "valid_from": span.valid_from,
              "valid_to": valid_to, "file_version_id": span.file_version_id}
             for channel, stated in sorted(by_channel.items())
             for span, valid_to in _spans(sorted(stated))]
    if spans:
        connection.execute(insert(channel_managers), spans)


def _named(version_ids: Iterable[int]) -> ScalarSelect[Any]:
    """The channels the profiles of these versions name."""
    channels = SHEET_TABLES["channels"]
    return (select(channels.c.channel_id).distinct()
            .where(channels.c.file_version_id.in_(list(version_ids)),
                   channels.c.channel_id.is_not(None))).scalar_subquery()


def _stated(named: ScalarSelect[Any]) -> Select[str, str, int, date | None, datetime]:
    """What the current versions' profiles say of the channels ``named``: channel,
    manager, version, and the version's first day and time archived. Found from each
    channel's own rows (its index): "current" is not compared as ``superseded_by IS NULL``,
    which SQLite, without statistics, would answer by the index of ``superseded_by``, going
    through every current version's profile: a file's archiving would then cost more with
    every file in the store."""
    channels = SHEET_TABLES["channels"]
    return (select(channels.c.channel_id, channels.c.manager, file_versions.c.id,
                   file_versions.c.period_from, file_versions.c.archived_at)
            .join(file_versions, file_versions.c.id == channels.c.file_version_id)
            .where(channels.c.channel_id.in_(named), channels.c.manager.is_not(None),
                   func.coalesce(file_versions.c.superseded_by, 0) == 0))


def _spans(stated: list[tuple[date, int, str]]) -> Iterator[tuple[_Span, date | None]]:
    """Each manager's span and its last day (``None``: still his), from statements
    sorted by first day and version."""
    spans: list[_Span] = []
    for start, version_id, manager in stated:
        if spans and spans[-1].valid_from == start and spans[-1].manager != manager:
            spans.pop()  # the same day, said otherwise by a later version
        if not spans or spans[-1].manager != manager:
            spans.append(_Span(manager, start, version_id))
    for span, following in zip(spans, [*spans[1:], None], strict=True):
        yield span, following.valid_from - timedelta(days=1) if following else None


def as_utc(moment: datetime) -> datetime:
    """A stored moment as UTC (SQLite gives it back without its zone)."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
