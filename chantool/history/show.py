"""What the history commands print: the outcome of each archived file, and the files and
versions the store holds (``history files``), in Chinese or English."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Sequence
from datetime import datetime

from sqlalchemy import Engine, select
from sqlalchemy.engine import URL
from sqlalchemy.orm import aliased

from chantool.findings import Lang
from chantool.history.archive import Outcome, as_utc
from chantool.history.schema import file_versions, files
from chantool.history.store import shown, transaction
from chantool.render import finding_line, table
from chantool.texts import word


def outcome_lines(outcome: Outcome, lang: Lang) -> Iterator[str]:
    """The lines telling what became of one file (a refused file's errors below it)."""
    fields = {"path": outcome.path, "name": outcome.name, "version": outcome.version,
              "replaced": outcome.replaced, "errors": outcome.errors, "reason": outcome.reason}
    if outcome.status != "archived":
        yield word("history_" + outcome.status, lang).format(**fields)
        yield from (f"  {finding_line(finding, lang)}" for finding in outcome.findings)
        return
    yield "".join([word("history_archived", lang).format(**fields),
                   word("history_replaced", lang).format(**fields) if outcome.replaced else "",
                   word("history_accepted", lang).format(**fields) if outcome.errors else ""])


def report(outcomes: Sequence[Outcome], lang: Lang) -> str:
    """What became of each file, then how many files became what."""
    counts = Counter(outcome.status for outcome in outcomes)
    lines = [line for outcome in outcomes for line in outcome_lines(outcome, lang)]
    lines.append(word("history_summary", lang).format(**{status: counts[status] for status in
                                             ("archived", "unchanged", "refused", "unreadable")}))
    return "\n".join(lines)


def exit_code(outcomes: Sequence[Outcome]) -> int:
    """2 when a file could not be read or stored, 1 when one was refused, else 0."""
    statuses = {outcome.status for outcome in outcomes}
    return 2 if "unreadable" in statuses else 1 if "refused" in statuses else 0


def files_table(engine: Engine, url: URL, lang: Lang) -> str:
    """Every archived version, by file name and version, as a table."""
    newer = aliased(file_versions)
    query = (select(files.c.name, file_versions, newer.c.version.label("newer"))
             .join(files, files.c.id == file_versions.c.file_id)
             .outerjoin(newer, newer.c.id == file_versions.c.superseded_by)
             .order_by(files.c.name, file_versions.c.version))
    with transaction(engine, url, lang, write=False) as connection:
        found = connection.execute(query).all()
    rows = [[row.name, str(row.version), row.office or "", row.period or "",
             _local(row.archived_at),
             word("history_superseded", lang).format(version=row.newer) if row.newer
             else word("history_current", lang),
             str(row.errors), str(row.warnings), row.sha256[:12], row.path] for row in found]
    if not rows:
        return word("history_empty", lang).format(store=shown(url))
    return table(word("history_header", lang).split("|"), rows, right=(1, 6, 7))


def _local(moment: datetime) -> str:
    """A stored moment in local time."""
    return as_utc(moment).astimezone().strftime("%Y-%m-%d %H:%M")
