"""What the history commands print: the outcome of each archived file, and the files and
versions the store holds (``history files``), in Chinese or English."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from typing import Any, Final

from sqlalchemy import Engine, select
from sqlalchemy.engine import URL
from sqlalchemy.orm import aliased

from chantool.findings import Lang
from chantool.history.archive import Outcome
from chantool.history.schema import file_versions, files
from chantool.history.store import shown, transaction
from chantool.render import finding_line, table

_TEXTS: Final = {
    "archived": ("{path}：已归档为 {name} 第 {version} 版",
                 "{path}: archived as {name} version {version}"),
    "replaced": ("（取代第 {replaced} 版）", " (supersedes version {replaced})"),
    "accepted": ("，含 {errors} 个错误（--accept-errors）",
                 ", with {errors} errors (--accept-errors)"),
    "unchanged": ("{path}：内容未变，已是 {name} 第 {version} 版，未改动",
                  "{path}: unchanged, already {name} version {version}; nothing changed"),
    "refused": ("{path}：有 {errors} 个错误，未归档（修正后再归档，或加 --accept-errors）：",
                "{path}: {errors} errors, not archived (fix them, or add --accept-errors):"),
    "unreadable": ("{path}：未归档：{reason}", "{path}: not archived: {reason}"),
    "empty": ("{store} 中还没有归档的文件", "{store} holds no archived file yet"),
    "current": ("当前", "current"),
    "superseded": ("已被第 {version} 版取代", "superseded by version {version}"),
    "header": ("文件|版本|办事处|期间|归档时间|状态|SHA-256|来源",
               "File|Version|Office|Period|Archived|Status|SHA-256|From"),
}


def text(key: str, lang: Lang, **fields: Any) -> str:
    zh, en = _TEXTS[key]
    return (zh if lang == "zh" else en).format(**fields)


def outcome_lines(outcome: Outcome, lang: Lang) -> Iterator[str]:
    """The lines telling what became of one file (a refused file's errors below it)."""
    fields = {"path": outcome.path, "name": outcome.name, "version": outcome.version,
              "replaced": outcome.replaced, "errors": outcome.errors, "reason": outcome.reason}
    if outcome.status != "archived":
        yield text(outcome.status, lang, **fields)
        yield from (f"  {finding_line(finding, lang)}" for finding in outcome.findings)
        return
    yield "".join([text("archived", lang, **fields),
                   text("replaced", lang, **fields) if outcome.replaced else "",
                   text("accepted", lang, **fields) if outcome.errors else ""])


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
    with transaction(engine, url, lang) as connection:
        found = connection.execute(query).all()
    rows = [[row.name, str(row.version), row.office or "", row.period or "",
             _local(row.archived_at),
             text("superseded", lang, version=row.newer) if row.newer else text("current", lang),
             row.sha256[:12], row.path] for row in found]
    if not rows:
        return text("empty", lang, store=shown(url))
    return table(text("header", lang).split("|"), rows, right=(1,))


def _local(moment: datetime) -> str:
    """A stored moment in local time (SQLite gives it back without its zone: UTC)."""
    moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return moment.astimezone().strftime("%Y-%m-%d %H:%M")
