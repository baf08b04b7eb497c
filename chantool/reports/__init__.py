"""Reports people act on, each a new workbook made from what ``score`` computed: the
weekly review, the monthly assessment, dealer statements and the management dashboard.

One module per kind turns a file's ``Scores`` (and findings) into a ``ReportBook``;
``xlsx`` writes it. The reports never compute a result: they choose, order and lay
out the listings' rows, so a report and ``score --format json`` cannot disagree.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Final

from chantool.batch import Job, Options, Progress, score_files
from chantool.findings import Finding, Lang
from chantool.listings import Scores
from chantool.report import Report
from chantool.reports import xlsx
from chantool.reports.dashboard import READS as DASHBOARD_READS
from chantool.reports.dashboard import dashboard
from chantool.reports.monthly import READS as MONTHLY_READS
from chantool.reports.monthly import monthly
from chantool.reports.statements import READS as STATEMENTS_READS
from chantool.reports.statements import statements
from chantool.reports.weekly import READS as WEEKLY_READS
from chantool.reports.weekly import weekly
from chantool.reports.xlsx import ReportBook
from chantool.settings import REPORT_KINDS
from chantool.texts import word

Builder = Callable[[Scores, Sequence[Finding]], ReportBook]
BUILDERS: Final[dict[str, Builder]] = dict(zip(
    REPORT_KINDS, (weekly, monthly, statements, dashboard), strict=True))
# The listings each kind lays out.
READS: Final[dict[str, frozenset[str]]] = dict(zip(
    REPORT_KINDS, (WEEKLY_READS, MONTHLY_READS, STATEMENTS_READS, DASHBOARD_READS),
    strict=True))


def report_name(source: Path, kind: str, as_of: date, lang: Lang) -> str:
    """``浙江省_渠道台账_2025Q2_夕会周报_2025-06-29.xlsx``: the source's name, the report's and
    the as-of date, so reports of several files and dates sit side by side."""
    return f"{source.stem}_{word(f'report.{kind}', lang)}_{as_of.isoformat()}.xlsx"


def write_report(kind: str, scores: Scores, findings: Sequence[Finding], path: Path, *,
                 source: str, lang: Lang) -> None:
    """Write the ``kind`` report of one file's scores to ``path`` (a new workbook)."""
    xlsx.write(BUILDERS[kind](scores, findings), path, as_of=scores.as_of, source=source,
                 lang=lang)


def report_files(kind: str, jobs: Sequence[Job], options: Options, out: Path,
                 progress: Progress | None = None) -> tuple[Report, list[Path]]:
    """Score each workbook as ``score`` does (each in its own process), then write the
    ``kind`` report of each file that could be read into ``out``; the run's Report and
    the reports written, in the jobs' order."""
    found = score_files(jobs, replace(options, listing_rows=None, listing_keys=READS[kind]),
                        progress=progress)
    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for job, result in zip(jobs, found.files, strict=True):
        if result.scores is None:
            continue
        name = report_name(job.path, kind, options.as_of, options.lang)
        path, number = out / name, 1
        while path in written:  # two inputs of one name in different folders
            number += 1
            path = out / f"{Path(name).stem} ({number}).xlsx"
        write_report(kind, result.scores, result.findings, path, source=job.path.name,
                     lang=options.lang)
        written.append(path)
    return found, written
