"""Run records: every ``score`` run with a store is kept, so its numbers can be shown again.

A run keeps the chantool version, the as-of date, each input with its SHA-256 (a file's
bytes as scored, or the stored version scored), the policy each result was computed
with, and the results: the JSON report (compact; ``history show`` prints it exactly as
``score --format json`` does), and the text report as ``score`` prints it, in both
languages, each kept deflated (``packed``). Nothing in the results
depends on the clock: the moment of recording is a column of its own, so the same
inputs scored twice give the same record but for its number and time.
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, insert, select
from sqlalchemy.engine import URL

from chantool import __version__
from chantool.findings import Lang
from chantool.history.archive import sha256
from chantool.history.schema import run_inputs, run_policies, runs
from chantool.history.store import StoreError, open_store, transaction
from chantool.render import to_text
from chantool.report import Report
from chantool.texts import word

# A policy: each key of ``chantool.policy.Policy`` with its value in force, as JSON.
PolicyEntries = Mapping[str, Any]


@dataclass(frozen=True)
class RunInput:
    """One input of a run: a file scored (``sha256`` of its bytes; ``None`` when it could
    not be read), or a stored version (``file_version_id``, its file name and SHA-256)."""

    path: str
    sha256: str | None
    file_version_id: int | None = None


@dataclass(frozen=True)
class Run:
    """A run as recorded."""

    id: int
    recorded_at: datetime
    chantool_version: str
    as_of: date
    lang: Lang
    files: int
    errors: int
    warnings: int
    unreadable: int
    # As stored (``packed``): ``unpacked`` gives the one a caller shows.
    results: bytes
    text_zh: bytes
    text_en: bytes
    inputs: tuple[RunInput, ...]
    policies: dict[str, dict[str, Any]]  # by the path of the result it applied to


def file_inputs(paths: Iterable[Path]) -> list[RunInput]:
    """The files of a run as inputs, each with the SHA-256 of its bytes (taken before
    scoring, which may write into the file)."""
    inputs = []
    for path in paths:
        try:
            digest: str | None = sha256(path)
        except OSError:  # the report says why it could not be read
            digest = None
        inputs.append(RunInput(str(path), digest))
    return inputs


def policies(report: Report) -> dict[str, PolicyEntries]:
    """The policy each scored result of a report was computed with, by its path."""
    return {result.path: result.scores.policy for result in report.files
            if result.scores is not None and result.scores.policy}


def packed(text: str) -> bytes:
    """A run's text as stored: its UTF-8 deflated. Zlib's fastest level: the texts repeat
    themselves line after line, and a year's run deflates about sixteenfold at it."""
    return zlib.compress(text.encode(), 1)


def unpacked(stored: bytes) -> str:
    """A run's text from what ``packed`` stored."""
    return zlib.decompress(stored).decode()


def record_run(store: str | tuple[URL, Engine], report: Report, inputs: Sequence[RunInput],
               policy: Mapping[str, PolicyEntries], as_of: date, lang: Lang) -> int:
    """Record a ``score`` run in the store (a ``--db`` URL, or a store opened already) in
    one transaction; its number. ``report`` must hold every row of every listing (as
    for ``--format json``), ``policy`` is the policy of each result by its path
    (``policies``), ``lang`` the language the run's findings were made in."""
    url, engine = open_store(store, lang) if isinstance(store, str) else store
    # Made before the transaction, which holds the store's write lock, one text at a time
    # (each is deflated before the next is made). The JSON is compact: json's C encoder
    # writes it several times faster than the indented form, and ``history show``
    # indents it again as ``score`` prints it.
    record = {**report.summary(), "chantool_version": __version__, "as_of": as_of,
              "lang": lang, "text_zh": packed(to_text(report, "zh")),
              "text_en": packed(to_text(report, "en")),
              "results": packed(json.dumps(report.to_dict(), ensure_ascii=False,
                                           separators=(",", ":")))}
    with transaction(engine, url, lang) as connection:
        run_id: int = connection.execute(
            insert(runs).values(recorded_at=datetime.now(UTC), **record)
            .returning(runs.c.id)).scalar_one()
        if inputs:
            connection.execute(insert(run_inputs), [
                {"run_id": run_id, "position": position, "path": given.path,
                 "sha256": given.sha256, "file_version_id": given.file_version_id}
                for position, given in enumerate(inputs, start=1)])
        entries = [{"run_id": run_id, "path": path, "key": key,
                    "value": json.dumps(value, ensure_ascii=False)}
                   for path, policy_of in policy.items() for key, value in policy_of.items()]
        if entries:
            connection.execute(insert(run_policies), entries)
    return run_id


def read_run(engine: Engine, url: URL, run_id: int, lang: Lang) -> Run:
    """A recorded run; ``StoreError`` when the store has no run of that number."""
    with transaction(engine, url, lang, write=False) as connection:
        found = connection.execute(select(runs).where(runs.c.id == run_id)).first()
        if found is None:
            raise StoreError(word("history_no_run", lang).format(run=run_id))
        inputs = connection.execute(
            select(run_inputs.c.path, run_inputs.c.sha256, run_inputs.c.file_version_id)
            .where(run_inputs.c.run_id == run_id).order_by(run_inputs.c.position)).all()
        entries = connection.execute(
            select(run_policies.c.path, run_policies.c.key, run_policies.c.value)
            .where(run_policies.c.run_id == run_id)
            .order_by(run_policies.c.path, run_policies.c.key)).all()
    policies_of: dict[str, dict[str, Any]] = {}
    for path, key, value in entries:
        policies_of.setdefault(path, {})[key] = json.loads(value)
    return Run(**found._mapping,
               inputs=tuple(RunInput(*row) for row in inputs), policies=policies_of)
