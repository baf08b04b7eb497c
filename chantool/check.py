"""The work done for one file, in its child process: validate it, write results back.

Each function takes the job, the batch options and a callable that returns the raw
sheets of the workbook (read by ``batch.load``; it and the rows of each sheet raise
``ReadError``), and returns plain data; none of them raises.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from chantool.batch import Job, Options, ReadError
from chantool.findings import Finding, make_finding
from chantool.io.output import OutputError, excel_lock, put_in_place, verify_written
from chantool.io.writer import Written, write_plan
from chantool.render import drawn
from chantool.report import FileResult
from chantool.results import WritePlan, score_plan, validation_plan
from chantool.scoring import score_book, scorers
from chantool.table import RawSheet
from chantool.validate import read_book, validate_book

Sheets = Callable[[], list[RawSheet]]

# The scorers' modules with the rest of the engine: a batch imports this module once
# before forking its children (``io.isolation``), so that no child imports them again.
scorers()


def check_file(job: Job, options: Options, sheets_of: Sheets, *, mark: bool = False) -> FileResult:
    """Validate a workbook and, for a job with a target, write the check column, the
    Issues sheet and (with ``mark``) the marks."""
    try:
        sheets = sheets_of()
        book, findings = validate_book(sheets, as_of=options.as_of, lang=options.lang,
                                       outside_channels=options.outside_channels)
        every_sheet_read(sheets)
    except ReadError as error:
        return _shown(FileResult.unreadable(str(job.path), str(error)), options, scored=False)
    if job.target is not None:
        plan = validation_plan(book, findings, options.lang, marks=mark)
        problem = _write(job, sheets, plan, options)
        if problem is not None:
            findings.append(problem)
    return _shown(FileResult.checked(str(job.path), findings), options, scored=False)


def score_file(job: Job, options: Options, sheets_of: Sheets) -> FileResult:
    """Validate a workbook and compute its scores; for a job with a target, write the
    result columns, marks, the Issues sheet and the Scores sheet."""
    try:
        sheets = sheets_of()
        book, findings, scores = score_book(sheets, as_of=options.as_of, lang=options.lang,
                                            outside_channels=options.outside_channels)
        every_sheet_read(sheets)
    except ReadError as error:
        return _shown(FileResult.unreadable(str(job.path), str(error)), options)
    if job.target is not None:
        problem = _write(job, sheets, score_plan(book, findings, scores, options.lang), options)
        if problem is not None:
            findings.append(problem)
    if options.listing_rows is not None:
        scores = scores.head(options.listing_rows)
    return _shown(FileResult.checked(str(job.path), findings, scores), options)


def _shown(result: FileResult, options: Options, *, scored: bool = True) -> FileResult:
    """The result as the batch's process needs it: with ``options.output``, its part of the
    output drawn here, in parallel with the other files', rather than there, one file
    after another."""
    if options.output is None:
        return result
    return drawn(result, options.output, options.lang, options.as_of if scored else None)


def every_sheet_read(sheets: Sequence[RawSheet]) -> None:
    """Raise ``ReadError`` when a sheet could not be read, also one the engine did not
    need (a second sheet of one kind, say): the file is then unreadable, whatever read."""
    for sheet in sheets:
        _ = sheet.rows


def _write(job: Job, sheets: Sequence[RawSheet], plan: WritePlan,
           options: Options) -> Finding | None:
    """Write the job's target; a reason it could not be written becomes a finding."""
    assert job.target is not None
    written: list[Written] = []

    def write(temporary: Path) -> None:
        written.append(write_plan(job.path, temporary, plan))

    in_place = job.target == job.path
    lock = excel_lock(job.path) if in_place else None
    if lock is not None:
        reason = (f"Excel 正在打开此文件（发现锁文件 {lock.name}），请关闭后重试"
                  if options.lang == "zh" else
                  f"the file is open in Excel (lock file {lock.name}); close it and retry")
        return make_finding("not_written", lang=options.lang, reason=reason)
    try:
        job.target.parent.mkdir(parents=True, exist_ok=True)
        put_in_place(job.target, write,
                     lambda temporary: verify_written(temporary, written[-1], sheets),
                     backup_of=job.path if in_place else None)
    except MemoryError:
        raise  # the isolation reports it with the limit
    except Exception as error:  # whatever failed, the original is intact: say why
        reason = error.text(options.lang) if isinstance(error, OutputError) else \
            str(error) if isinstance(error, OSError) else repr(error)
        return make_finding("not_written", lang=options.lang, reason=reason)
    return None


def channel_ids(job: Job, options: Options, sheets_of: Sheets) -> frozenset[str] | str:
    """The channel ids of a workbook's 渠道档案 sheet, or why it cannot be read."""
    try:
        book = read_book(sheets_of(), as_of=options.as_of, lang=options.lang)
        return book.known_channels() or frozenset()
    except ReadError as error:
        return str(error)
