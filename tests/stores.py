"""Fixtures of the store's tests: every store test runs on SQLite and on PostgreSQL.

PostgreSQL is the server ``CHANTOOL_TEST_PG_URL`` names (a superuser's URL), else a
throwaway server this session starts from the binaries (``tests/pgserver.py``). Each
test gets a database of its own, dropped afterwards. Without PostgreSQL the PostgreSQL
cases are skipped, except where ``CHANTOOL_NEEDS_POSTGRES`` is set (CI): there they fail.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
import pytest
from psycopg import sql
from sqlalchemy.engine import URL, make_url

from tests import pgserver


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str | None]:
    """A PostgreSQL superuser's URL, or ``None`` when there is no server to test with."""
    given = os.environ.get("CHANTOOL_TEST_PG_URL")
    if given:
        yield given
    elif pgserver.binaries() is None:
        yield None
    else:
        with pgserver.throwaway_server() as url:
            yield url


def admin(server: str) -> psycopg.Connection[tuple[object, ...]]:
    """A connection to the server's own database, outside any transaction (for CREATE
    DATABASE and roles)."""
    return psycopg.connect(server.replace("postgresql+psycopg://", "postgresql://"),
                           autocommit=True)


@contextmanager
def _database(request: pytest.FixtureRequest) -> Iterator[str]:
    """A new PostgreSQL database on the test server, dropped afterwards: its URL."""
    server: str | None = request.getfixturevalue("postgres_server")
    if server is None:
        if os.environ.get("CHANTOOL_NEEDS_POSTGRES"):
            pytest.fail("PostgreSQL is needed (CHANTOOL_NEEDS_POSTGRES) but not installed")
        pytest.skip("PostgreSQL is not installed")
    name = f"chantool_test_{secrets.token_hex(6)}"
    with admin(server) as connection:
        connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield make_url(server).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin(server) as connection:
            connection.execute(
                sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The ``--db`` of a new, empty store: a SQLite file, or a new PostgreSQL database."""
    if request.param == "sqlite":
        yield str(tmp_path / "store.db")
        return
    with _database(request) as url:
        yield url


@pytest.fixture
def postgres_url(request: pytest.FixtureRequest) -> Iterator[str]:
    """The URL of a new, empty PostgreSQL database (for what only PostgreSQL has)."""
    with _database(request) as url:
        yield url


# The password of ``clerk_url``'s role: the tests search every output for it.
CLERK_PASSWORD = "Clerk-Secret-7f3a"


@pytest.fixture
def clerk_url(postgres_url: str) -> Iterator[URL]:
    """The URL, with its password, of a new PostgreSQL database owned by a role ``clerk``
    that logs in with ``CLERK_PASSWORD`` (as a team's clerk would); the role is dropped
    afterwards."""
    url = make_url(postgres_url)
    with admin(postgres_url) as server:
        server.execute(sql.SQL("CREATE ROLE clerk LOGIN PASSWORD {}").format(
            sql.Literal(CLERK_PASSWORD)))
        server.execute(sql.SQL("ALTER DATABASE {} OWNER TO clerk").format(
            sql.Identifier(str(url.database))))
    try:
        yield url.set(username="clerk", password=CLERK_PASSWORD)
    finally:
        with admin(postgres_url) as server:
            server.execute("REASSIGN OWNED BY clerk TO CURRENT_USER")
            server.execute("DROP OWNED BY clerk")
            server.execute("DROP ROLE clerk")
