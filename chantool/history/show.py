"""What the history commands print: the outcome of each archived file, the files and
versions the store holds (``history files``), and the recorded runs (``history runs``,
``history show``), in Chinese or English."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import asdict
from datetime import datetime

from sqlalchemy import Engine, func, select
from sqlalchemy.engine import URL
from sqlalchemy.orm import aliased

from chantool.findings import Lang
from chantool.history.archive import Outcome, as_utc
from chantool.history.runs import Run, unpacked
from chantool.history.schema import file_versions, files, run_inputs, runs
from chantool.history.store import shown, transaction
from chantool.render import finding_line, table
from chantool.texts import word


def outcome_lines(outcome: Outcome, lang: Lang) -> Iterator[str]:
    """The lines telling what became of one file (a refused file's errors below it)."""
    fields = {"path": outcome.path, "name": outcome.name, "version": outcome.version,
              "replaced": outcome.replaced, "errors": outcome.errors, "reason": outcome.reason,
              "superseded": outcome.superseded}
    if outcome.status != "archived":
        yield word("history_" + outcome.status, lang).format(**fields) + (
            word("history_unchanged_superseded", lang).format(**fields)
            if outcome.superseded else "")
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


def runs_table(engine: Engine, url: URL, lang: Lang) -> str:
    """Every recorded run, newest first, with its summary, as a table."""
    inputs = (select(run_inputs.c.run_id, func.count().label("inputs"))
              .group_by(run_inputs.c.run_id).subquery())
    query = (select(runs.c.id, runs.c.recorded_at, runs.c.chantool_version, runs.c.as_of,
                    func.coalesce(inputs.c.inputs, 0).label("inputs"), runs.c.files,
                    runs.c.errors, runs.c.warnings, runs.c.unreadable)
             .outerjoin(inputs, inputs.c.run_id == runs.c.id).order_by(runs.c.id.desc()))
    with transaction(engine, url, lang, write=False) as connection:
        found = connection.execute(query).all()
    if not found:
        return word("history_runs_empty", lang).format(store=shown(url))
    rows = [[str(row.id), _local(row.recorded_at), row.chantool_version, row.as_of.isoformat(),
             *map(str, (row.inputs, row.files, row.errors, row.warnings, row.unreadable))]
            for row in found]
    return table(word("history_runs_header", lang).split("|"), rows,
                 right=(0, 4, 5, 6, 7, 8))


def run_report(run: Run, fmt: str, lang: Lang) -> str:
    """A recorded run as ``score`` printed it: the text report, then the run, its inputs
    and its policy; or the JSON report with a ``run`` object added (inputs, policy)."""
    if fmt == "json":
        results = json.loads(unpacked(run.results))
        results["run"] = {"id": run.id, "recorded_at": as_utc(run.recorded_at).isoformat(),
                          "chantool_version": run.chantool_version,
                          "as_of": run.as_of.isoformat(), "lang": run.lang,
                          "inputs": [asdict(given) for given in run.inputs],
                          "policies": run.policies}
        return json.dumps(results, ensure_ascii=False, indent=2)
    inputs = [[str(position), given.path, given.sha256 or word("history_unread", lang),
               "" if given.file_version_id is None else str(given.file_version_id)]
              for position, given in enumerate(run.inputs, start=1)]
    parts = [unpacked(run.text_zh if lang == "zh" else run.text_en), "",
             word("history_run_title", lang).format(
                 run=run.id, recorded=_local(run.recorded_at), version=run.chantool_version,
                 as_of=run.as_of.isoformat()),
             table(word("history_inputs_header", lang).split("|"), inputs, right=(0, 3))]
    for paths, entries in _policies(run):
        parts += ["", table(word("history_policy_header", lang).split("|"),
                            [[key, json.dumps(value, ensure_ascii=False)]
                             for key, value in entries],
                            title=word("history_policy_title", lang).format(
                                paths="、".join(paths) if lang == "zh" else ", ".join(paths)))]
    return "\n".join(parts)


def _policies(run: Run) -> list[tuple[list[str], list[tuple[str, object]]]]:
    """The run's distinct policies, each with the results it applied to, in the policy's
    own order of keys."""
    from chantool.policy import POLICY_KEYS  # the engine's policy: its order of keys

    order = {key: position for position, key in enumerate(POLICY_KEYS)}
    grouped: dict[str, tuple[list[str], list[tuple[str, object]]]] = {}
    for path, entries in run.policies.items():
        ordered = sorted(entries.items(), key=lambda item: order.get(item[0], len(order)))
        said = json.dumps(ordered, ensure_ascii=False)
        grouped.setdefault(said, ([], ordered))[0].append(path)
    return list(grouped.values())


def _local(moment: datetime) -> str:
    """A stored moment in local time."""
    return as_utc(moment).astimezone().strftime("%Y-%m-%d %H:%M")
