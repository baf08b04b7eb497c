"""Opening the store named by a URL, and bringing its schema to the newest version.

``--db`` takes a SQLite file (a plain path or ``sqlite:///PATH``) or a PostgreSQL URL
(``postgresql://user@host/db``); without it, ``$CHANTOOL_DB``, else ``chantool.db`` in
the current folder. A password comes from the URL, ``PGPASSWORD`` or ``~/.pgpass``
(libpq reads the last two itself) and is never shown: every message names the store by
``shown``, which leaves it out, and a database error becomes a ``StoreError`` whose text
is the server's own first line.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from importlib.resources import files as package_files
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from sqlalchemy import Connection, Engine, create_engine, event, inspect, select, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, SQLAlchemyError
from sqlalchemy.pool import NullPool, StaticPool

from chantool.findings import Lang
from chantool.texts import word

if TYPE_CHECKING:
    from alembic.config import Config

DEFAULT_FILE: Final = "chantool.db"
# The schema version this chantool writes: its newest migration's (a test holds them
# equal). Known here, an up-to-date store is opened without importing Alembic, which
# took a quarter of a second of every run.
HEAD: Final = "0003"
# How long a writer waits for another to finish (SQLite's lock, PostgreSQL's advisory
# lock) before giving up, and how long connecting to a server may take.
LOCK_SECONDS: Final = 120
CONNECT_SECONDS: Final = 10
# The advisory lock every archive transaction takes on PostgreSQL (any fixed number):
# archives then follow one another, as they do on SQLite.
_ARCHIVE_LOCK: Final = 0x63686E74
# The execution options that mark a transaction that only reads, and one that migrates.
_READING: Final = "chantool_reading"
_MIGRATING: Final = "chantool_migrating"
# Query parameters of a PostgreSQL URL that hold a secret (libpq's).
_SECRET_PARAMETERS: Final = frozenset({"password", "sslpassword"})


class StoreError(Exception):
    """The store cannot be opened or used; the message says why, without credentials."""


def parse_url(given: str | None, lang: Lang = "zh") -> URL:
    """The URL of the store ``--db`` names (or the default), with its driver."""
    given = given or os.environ.get("CHANTOOL_DB") or DEFAULT_FILE
    if "://" not in given:
        return URL.create("sqlite", database=str(Path(given).expanduser().absolute()))
    # A password with an unescaped "@" would be read as part of the host, and shown.
    netloc = given.split("://", 1)[1].split("/", 1)[0]
    try:
        if netloc.count("@") > 1:
            raise ArgumentError(given)
        url = make_url(given)
    except (ArgumentError, ValueError):  # ValueError: a port that is not a number
        raise StoreError(
            word("history_bad_url", lang).format(url=_without_password(given))) from None
    if url.drivername in ("postgresql", "postgres", "postgresql+psycopg"):
        return url.set(drivername="postgresql+psycopg")
    if url.drivername == "sqlite" and url.database and url.database != ":memory:":
        return url  # (an in-memory database would be a new, empty one each transaction)
    raise StoreError(word("history_bad_url", lang).format(url=shown(url)))


def shown(url: URL) -> str:
    """The store as messages name it: never its password (nor one given in its query)."""
    if url.get_backend_name() == "sqlite":
        return str(url.database)
    secrets = [key for key in url.query if key.lower() in _SECRET_PARAMETERS]
    return url.set(drivername="postgresql").difference_update_query(secrets).render_as_string(
        hide_password=True)


def _without_password(given: str) -> str:
    """A URL that could not be parsed, with whatever sits between ``:`` and ``@`` hidden."""
    head, at, tail = given.rpartition("@")
    if not at:
        return given
    scheme, _, user = head.partition("://")
    return f"{scheme}://{user.split(':', 1)[0]}:***@{tail}"


def connect(url: URL, *, keep: bool = False) -> Engine:
    """An engine for the store; no connection is made yet. Each transaction connects anew,
    unless ``keep``: then the engine's first connection serves all its transactions until
    it is disposed (a child archiving one file: logging in to a server with a password
    (scram-sha-256) costs more than writing the file's rows). Each writing transaction on
    SQLite begins with ``BEGIN IMMEDIATE``: it takes the write lock at once, so two
    writers queue instead of failing half-way, and DDL is part of the transaction
    (pysqlite left alone commits before DDL)."""
    pool = StaticPool if keep else NullPool
    if url.get_backend_name() == "sqlite":
        engine = create_engine(url, poolclass=pool,
                               connect_args={"timeout": LOCK_SECONDS})

        @event.listens_for(engine, "connect")
        def _connected(dbapi_connection: Any, _: Any) -> None:
            dbapi_connection.isolation_level = None  # SQLAlchemy's "begin" below decides

        @event.listens_for(engine, "begin")
        def _begin(connection: Connection) -> None:
            options = connection.get_execution_options()
            # Outside a transaction: SQLite ignores the pragma within one.
            connection.exec_driver_sql("PRAGMA foreign_keys = "
                                       + ("OFF" if options.get(_MIGRATING, False) else "ON"))
            connection.exec_driver_sql("BEGIN" if options.get(_READING, False)
                                       else "BEGIN IMMEDIATE")

        return engine
    arguments = {"connect_timeout": CONNECT_SECONDS,
                 "options": f"-c lock_timeout={LOCK_SECONDS * 1000}"}
    # Read committed whatever the server's default: a statement after the archive lock
    # must see what the writers before committed (archive_lock).
    return create_engine(url, poolclass=pool, isolation_level="READ COMMITTED",
                         connect_args={key: value for key, value in arguments.items()
                                       if key not in url.query})


# The engines of ``kept_engine``, by URL: one per store and process.
_kept: dict[str, Engine] = {}


def kept_engine(url: URL) -> Engine:
    """This process's engine for the store that keeps its connection between transactions
    (``connect(keep=True)``). A child forked after its parent made it (``archive``) starts
    with it, its dialect already set up from the server: it does not ask the server again,
    which on PostgreSQL took several round trips for each file."""
    key = url.render_as_string(hide_password=False)
    if key not in _kept:
        _kept[key] = connect(url, keep=True)
    return _kept[key]


@contextmanager
def transaction(engine: Engine, url: URL, lang: Lang, *, write: bool = True,
                only: Sequence[str] = (), migrating: bool = False) -> Iterator[Connection]:
    """One transaction, committed when the block ends, rolled back if it raises; database
    errors come out as ``StoreError``. A writing one first takes the archive lock (SQLite's
    write lock, PostgreSQL's advisory lock); a reading one waits for no writer. With
    ``only``, a writing one on PostgreSQL first takes only the locks of those names (any
    text; see ``archive_lock``). ``migrating``: see ``migration``."""
    try:
        with engine.connect() as connection:
            connection.execution_options(**{_READING: not write, _MIGRATING: migrating})
            with connection.begin():
                if write and engine.dialect.name == "postgresql":
                    if only:
                        _name_locks(connection, only)
                    else:
                        archive_lock(connection)
                yield connection
    # Rows are handed to the driver itself (``archive.insert_rows``): its own errors too,
    # and a value it cannot convert (an integer beyond 64 bits).
    except (SQLAlchemyError, engine.dialect.loaded_dbapi.Error, OverflowError) as error:
        raise StoreError(word("history_failed", lang).format(store=shown(url),
                                 detail=_detail(error))) from None


def archive_lock(connection: Connection) -> None:
    """Take the archive lock in a transaction begun with ``only``, until it ends: what
    every writer changes is then changed by one at a time. On PostgreSQL, ``archive``
    takes it only for its last step, so that writers copy the rows of different files at
    the same time; SQLite has no other lock, taken when a writing transaction begins."""
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _ARCHIVE_LOCK})


def _name_locks(connection: Connection, names: Sequence[str]) -> None:
    """PostgreSQL's advisory locks of these names (two-key locks: apart from the archive
    lock's), taken in one order by every writer, so that none waits for another in turn."""
    keys = sorted({int.from_bytes(hashlib.sha256(name.encode()).digest()[:4], "big",
                                  signed=True) for name in names})
    for key in keys:
        connection.execute(text("SELECT pg_advisory_xact_lock(:kind, :key)"),
                           {"kind": _ARCHIVE_LOCK, "key": key})


def _detail(error: Exception) -> str:
    """What the database said, first line only (SQLAlchemy's own text adds the statement
    and its parameters: rows of a workbook)."""
    original = error.orig if isinstance(error, DBAPIError) else error
    lines = str(original).strip().splitlines()
    return lines[0] if lines else type(original).__name__


def alembic_config(connection: Connection | None = None) -> Config:
    """Alembic's configuration for the store's migrations (``connection``: the one the
    migrations run on)."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location",
                           str(package_files("chantool.history") / "migrations"))
    config.attributes["connection"] = connection
    return config


def open_store(given: str | None, lang: Lang = "zh", *, create: bool = True
               ) -> tuple[URL, Engine]:
    """The store's URL and engine, its schema brought to the newest version first (an
    empty database gets every table). Migrations run in one transaction under the
    archive lock: two processes opening a new store do not both create it. Without
    ``create``, a SQLite file that does not exist is an error, not a new store."""
    url = parse_url(given, lang)
    if not create and url.get_backend_name() == "sqlite" and not Path(str(url.database)).is_file():
        raise StoreError(word("history_missing", lang).format(store=shown(url)))
    engine = connect(url)
    # Looked at without the lock first, so that opening an up-to-date store waits for
    # no writer.
    with transaction(engine, url, lang, write=False) as connection:
        found = _revision(connection)
    if found != HEAD:
        _upgrade(engine, url, lang, found)
    return url, engine


def _revision(connection: Connection) -> str | None:
    """The store's schema version, as Alembic keeps it; None for a database without one."""
    if not inspect(connection).has_table("alembic_version"):
        return None
    return connection.execute(select(text("version_num")).select_from(
        text("alembic_version"))).scalar()


def _upgrade(engine: Engine, url: URL, lang: Lang, found: str | None) -> None:
    """Bring the store's schema from ``found`` to ``HEAD``, under the archive lock (where it
    is looked at again); ``StoreError`` when a newer chantool made it."""
    from alembic import command
    from alembic.script import ScriptDirectory

    known = {revision.revision for revision in
             ScriptDirectory.from_config(alembic_config()).walk_revisions()}

    def refuse_newer(found: str | None) -> None:
        if found is not None and found not in known:
            raise StoreError(word("history_newer", lang).format(store=shown(url), found=found))

    refuse_newer(found)
    with migration(engine, url, lang) as connection:
        found = _revision(connection)
        refuse_newer(found)
        # Another program's database: chantool's tables are not added to it.
        if found is None and inspect(connection).get_table_names():
            raise StoreError(word("history_foreign", lang).format(store=shown(url)))
        if found != HEAD:
            command.upgrade(alembic_config(connection), HEAD)


@contextmanager
def migration(engine: Engine, url: URL, lang: Lang) -> Iterator[Connection]:
    """The transaction migrations run in, under the archive lock. On SQLite its foreign
    keys are off, as Alembic asks: a migration that changes a table's columns there copies
    the table and drops the old one, and dropping a table with foreign keys on first
    deletes its rows, and in cascade every row that refers to them (a run's inputs and
    policy). They are checked before it commits."""
    with transaction(engine, url, lang, migrating=True) as connection:
        yield connection
        if connection.dialect.name == "sqlite" and connection.exec_driver_sql(
                "PRAGMA foreign_key_check").first() is not None:
            raise StoreError(word("history_failed", lang).format(
                store=shown(url), detail="PRAGMA foreign_key_check"))
