"""Reports people act on, each a new workbook made from what ``score`` computed: the
weekly review, the monthly assessment, dealer statements and the management dashboard.

One module per kind turns a file's ``Scores`` (and findings) into a ``ReportBook``;
``xlsx`` writes it. The reports never compute a result: they choose, order and lay
out the listings' rows, so a report and ``score --format json`` cannot disagree.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import date
from pathlib import Path, PurePath
from typing import TYPE_CHECKING, Final

from chantool import batch
from chantool.batch import Job, Options, Progress, score_together
from chantool.findings import Finding, Lang
from chantool.listings import Scores
from chantool.report import FileResult, Report
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

if TYPE_CHECKING:  # the store's modules (sqlalchemy) are imported by ``report --db`` only
    from chantool.history.scoring import Scope, StoreRun
    from chantool.scoring import Ahead

Builder = Callable[[Scores, Sequence[Finding]], ReportBook]
BUILDERS: Final[dict[str, Builder]] = dict(zip(
    REPORT_KINDS, (weekly, monthly, statements, dashboard), strict=True))
# The listings each kind lays out.
READS: Final[dict[str, frozenset[str]]] = dict(zip(
    REPORT_KINDS, (WEEKLY_READS, MONTHLY_READS, STATEMENTS_READS, DASHBOARD_READS),
    strict=True))
# The kinds laid out from the money scorers' listings alone (and the channels' profiles),
# as soon as those have run (``scoring.Ahead``): they lay out no finding.
AHEAD: Final = frozenset(("statements",))
# A combined book's source line names this many of its workbooks, then how many in all.
_NAMED: Final = 3


def report_name(stem: str, kind: str, as_of: date, lang: Lang) -> str:
    """``浙江省_渠道台账_2025Q2_夕会周报_2025-06-29.xlsx``: the source's name (a file's stem,
    or a combined book's, ``book_stem``), the report's and the as-of date, so reports of
    several files and dates sit side by side."""
    return f"{stem}_{word(f'report.{kind}', lang)}_{as_of.isoformat()}.xlsx"


def write_report(kind: str, scores: Scores, findings: Sequence[Finding], path: Path, *,
                 source: str, lang: Lang) -> None:
    """Write the ``kind`` report of one file's scores to ``path`` (a new workbook)."""
    xlsx.write(BUILDERS[kind](scores, findings), path, as_of=scores.as_of, source=source,
               lang=lang)


class FileReport:
    """The ``kind`` report of one file's scores, being written to ``path`` (a new
    workbook): of a kind in ``AHEAD``, started as soon as the scorers it lays out have
    run (``ahead``), while the engine still scores the workbook; written by ``finish``,
    or left by ``cancel``."""

    def __init__(self, kind: str, path: Path, *, source: str, lang: Lang) -> None:
        self.kind, self.path, self.source, self.lang = kind, path, source, lang
        self.writing: xlsx.Writing | None = None

    def ahead(self) -> Ahead | None:
        """What ``score_book`` starts ahead for this report, if anything."""
        if self.kind not in AHEAD:
            return None
        from chantool.scoring import Ahead, money  # the engine: in the file's process only

        return Ahead(money.SCORERS, self._start)

    def _start(self, scores: Scores) -> None:
        self.writing = xlsx.start(BUILDERS[self.kind](scores, ()), self.path,
                                  as_of=scores.as_of, source=self.source, lang=self.lang,
                                  ahead=True)

    def finish(self, scores: Scores, findings: Sequence[Finding]) -> None:
        """Write the report: of ``scores`` and ``findings``, unless it started ahead."""
        writing, self.writing = self.writing, None
        if writing is None:
            write_report(self.kind, scores, findings, self.path, source=self.source,
                         lang=self.lang)
        else:
            xlsx.finish(writing)

    def cancel(self) -> None:
        """Leave the report unwritten, ending what started ahead."""
        if self.writing is not None:
            self.writing.cancel()
            self.writing = None


def _reported(options: Options, kind: str) -> Options:
    """The options of scoring for a ``kind`` report: every row of the listings it lays out."""
    return replace(options, listing_rows=None, listing_keys=READS[kind])


def report_files(kind: str, jobs: Sequence[Job], options: Options, out: Path,
                 progress: Progress | None = None) -> tuple[Report, list[Path]]:
    """Score each workbook as ``score`` does and write its ``kind`` report into ``out``,
    both in the file's own process (``batch.report_files``); the run's Report and the
    reports written, in the jobs' order. Two inputs of one name in different folders
    give ``<name>.xlsx`` and ``<name> (2).xlsx``, in the order given."""
    out.mkdir(parents=True, exist_ok=True)
    targets: list[Path] = []
    for job in jobs:
        name = report_name(job.path.stem, kind, options.as_of, options.lang)
        path, number = out / name, 1
        while path in targets:
            number += 1
            path = out / f"{Path(name).stem} ({number}).xlsx"
        targets.append(path)
    found = batch.report_files([replace(job, target=target)
                                for job, target in zip(jobs, targets, strict=True)],
                               _reported(options, kind), kind, progress=progress)
    return found, [target for target, result in zip(targets, found.files, strict=True)
                   if result.status != "unreadable"]


def report_together(kind: str, jobs: Sequence[Job], options: Options, out: Path, *,
                    label: str, policy: Path | None = None) -> tuple[Report, list[Path]]:
    """Score the workbooks as one book as ``score --combine`` does (``score_together``),
    then write ONE ``kind`` report of it into ``out``, ``<folder>_合并_<report>_<as-of>.xlsx``
    (the folder the workbooks have in common); the run's Report and the report written
    (none when no book could be made: the Report says why)."""
    found = score_together(jobs, _reported(options, kind), label=label, policy=policy)
    stem = "_".join(part for part in (_common_folder([job.path for job in jobs]),
                                      word("report.combined", options.lang)) if part)
    written = [report_book(kind, result, stem, options, out)
               for result in found.files if result.scores is not None]
    return found, written


def report_store(kind: str, run: StoreRun, scope: Scope, options: Options, out: Path) -> Path:
    """Write the ``kind`` report of the store's current versions in ``scope`` (as ``score
    --db`` scored them) into ``out``, ``历史库_<scope>_<report>_<as-of>.xlsx``."""
    stem = f"{word('report.store', options.lang)}_{scope.label(options.lang)}"
    return report_book(kind, run.result, stem, options, out)


def report_book(kind: str, result: FileResult, stem: str, options: Options, out: Path) -> Path:
    """Write the ``kind`` report of a book of several workbooks (``score --combine``'s or
    the store's result) into ``out``; its source line names the workbooks (not where they
    were read), so the same book, from files or from the store, gives the same bytes."""
    assert result.scores is not None
    out.mkdir(parents=True, exist_ok=True)
    path = out / report_name(stem, kind, options.as_of, options.lang)
    write_report(kind, result.scores, result.findings, path,
                 source=_named(result.sources, options.lang), lang=options.lang)
    return path


def _common_folder(paths: Sequence[Path]) -> str:
    """The name of the folder the files have in common when one of them is in it ('' for
    none: files only far apart, say /tmp/a/x.xlsx and /tmp/b/y.xlsx, whose common /tmp
    would name the report after neither, or files on different drives)."""
    folders = {path.resolve().parent for path in paths}
    try:
        common = Path(os.path.commonpath(folders))
    except ValueError:  # Windows: files on different drives have no common path
        return ""
    return common.name if common in folders else ""


def _named(sources: Sequence[str], lang: Lang) -> str:
    """The workbooks of a book by their file names: all of a few, else the first few and
    how many more."""
    names = [PurePath(source).name for source in sources]
    if len(names) <= _NAMED:
        return word("separator", lang).join(names)
    return word("report.more", lang).format(
        names=word("separator", lang).join(names[:_NAMED]), count=len(names))
