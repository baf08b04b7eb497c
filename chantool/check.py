"""The work done for one file, in its child process: validate it, write results back.

Each function takes the job, the batch options and a callable that returns the raw
sheets of the workbook (read by ``batch.load``; it and the rows of each sheet raise
``ReadError``), and returns plain data; none of them raises.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import ExitStack
from dataclasses import replace
from pathlib import Path

from chantool.batch import Job, Options, ReadError, load
from chantool.book import Book
from chantool.combine import ChosenPolicy, Source, combine, first_policy
from chantool.errors import log_exception
from chantool.findings import Finding, Lang, make_finding
from chantool.io import isolation
from chantool.io.isolation import leave_to_exit, make_rows
from chantool.io.output import OutputError, excel_lock, put_in_place, verify_written
from chantool.io.writer import Opened, Written, write_plan
from chantool.listings import Scores
from chantool.policy import read_policy
from chantool.render import drawn
from chantool.report import FileResult
from chantool.results import (
    MadeBlock,
    WritePlan,
    listing_blocks,
    score_plan,
    score_plans,
    validation_plan,
)
from chantool.scoring import Ahead, money, score_book, score_read_book, scorers
from chantool.table import RawSheet, is_policy_sheet
from chantool.texts import cannot_write, word
from chantool.validate import read_book, reading_findings, sort_by_place, validate_book

Sheets = Callable[[], list[RawSheet]]

# The scorers' modules with the rest of the engine: a batch imports this module once
# before forking its children (``io.isolation``), so that no child imports them again.
scorers()


def check_file(job: Job, options: Options, sheets_of: Sheets, *, mark: bool = False) -> FileResult:
    """Validate a workbook and, for a job with a target, write the check column, the
    Issues sheet and (with ``mark``) the marks."""
    with ExitStack() as opened:
        try:
            sheets = sheets_of()
            writing = _open(job, sheets, opened)
            book, findings = validate_book(sheets, as_of=options.as_of, lang=options.lang,
                                           outside_channels=options.outside_channels)
            every_sheet_read(sheets)
            leave_to_exit(book, sheets)
        except ReadError as error:
            return _shown(FileResult.unreadable(str(job.path), str(error)), options,
                          scored=False)
        if job.target is not None:
            if writing is not None:  # the typed sheets, written as soon as the plan is made
                writing.inflate_ahead({sheet.name for sheet in book.sheets.values()})
            plan = validation_plan(book, findings, options.lang, marks=mark)
            problem = _write(job, sheets, plan, options)
            if problem is not None:
                findings.append(problem)
    return _shown(FileResult.checked(str(job.path), findings), options, scored=False)


def score_file(job: Job, options: Options, sheets_of: Sheets, *,
               ahead: Ahead | None = None) -> FileResult:
    """Validate a workbook and compute its scores; for a job with a target, write the
    result columns, marks, the Issues sheet and the Scores sheet. ``ahead``: what to
    start as soon as some scorers have run (``score_book``); by default, for a job with
    a target, the Scores sheet's largest blocks (``_BlocksAhead``)."""
    with ExitStack() as opened:
        blocks = _BlocksAhead(options)
        opened.callback(blocks.cancel)  # after ``result``, nothing is left to end
        if job.target is not None and ahead is None:
            ahead = blocks.ahead()
        try:
            sheets = sheets_of()
            _open(job, sheets, opened)
            book, findings, scores = score_book(sheets, as_of=options.as_of, lang=options.lang,
                                                outside_channels=options.outside_channels,
                                                ahead=ahead)
            every_sheet_read(sheets)
            if job.target is None:  # else let go before the write (``score_plan`` below)
                leave_to_exit(book, sheets)
        except ReadError as error:
            return _shown(FileResult.unreadable(str(job.path), str(error)), options)
        handed_back = _handed_back(scores, options)
        if job.target is not None:
            made = blocks.result()
            make_rows([listing for listing in scores.listings if listing.key not in made])
            plan = score_plan(book, findings, scores, options.lang, made)
            # Only what is written and what is handed back are kept: the book and the
            # sheets' cells, most of the memory, are let go before the results are written.
            del book, scores, made
            for sheet in sheets:
                sheet.release()
            problem = _write(job, sheets, plan, options)
            if problem is not None:
                findings.append(problem)
    return _shown(FileResult.checked(str(job.path), findings, handed_back), options)


class _BlocksAhead:
    """The Scores sheet's blocks of the money listings (``money.SCORERS``: rebates,
    commission, contests, payments; most of its rows), made beside the engine
    (``isolation.Beside``) as soon as those scorers have run, while it scores the rest:
    their rows made, typed and measured on a core that is otherwise idle by then, rather
    than after scoring: when they are many (``isolation.BESIDE_ROWS``), and not when every
    row is handed back (``--format json``, ``--db``), which makes them here anyway."""

    def __init__(self, options: Options) -> None:
        self.lang: Lang = options.lang
        self.wanted = options.listing_rows is not None
        self.beside: isolation.Beside[dict[str, MadeBlock]] | None = None

    def ahead(self) -> Ahead | None:
        return Ahead(money.SCORERS, self._start) if self.wanted else None

    def _start(self, scores: Scores) -> None:
        listings = scores.listings[1:]  # the channels' first (``Ahead``), yet to be scored
        rows = sum(len(listing.rows) for listing in listings)
        self.beside = isolation.Beside(lambda: listing_blocks(listings, self.lang),
                                       start=rows >= isolation.BESIDE_ROWS)

    def result(self) -> dict[str, MadeBlock]:
        """The blocks, by listing key (none when they were not made ahead), made here
        when they could not be made beside; this no longer holds the listings."""
        beside, self.beside = self.beside, None
        return {} if beside is None else beside.result()

    def cancel(self) -> None:
        if self.beside is not None:
            self.beside.cancel()


def report_file(job: Job, options: Options, sheets_of: Sheets, *, kind: str) -> FileResult:
    """Score a workbook as ``score_file`` does and write its ``kind`` report to the job's
    target, here: the report's rows (all of them, for a statement of every channel) are
    not handed back to the batch's process. The result holds no scores; a report that
    could not be written makes it ``unreadable``, with the reason ``report`` would give."""
    assert job.target is not None
    from chantool.reports import FileReport  # XlsxWriter: for a report only

    report = FileReport(kind, job.target, source=job.path.name, lang=options.lang)
    try:
        result = score_file(replace(job, target=None), options, sheets_of,
                            ahead=report.ahead())
    except BaseException:
        report.cancel()
        raise
    if result.scores is None:
        report.cancel()
        return result
    try:
        report.finish(result.scores, result.findings)
    except OSError as error:
        return FileResult.unreadable(str(job.path),
                                     cannot_write(job.target, error, options.lang))
    leave_to_exit(result.scores)
    return replace(result, scores=None)


def _handed_back(scores: Scores, options: Options) -> Scores:
    """The listings of ``scores``, and the rows of each, that the child hands back
    (``Options.listing_keys`` and ``listing_rows``)."""
    if options.listing_keys is not None:
        scores = scores.only(options.listing_keys)
    if options.listing_rows is not None:
        scores = scores.head(options.listing_rows)
    return scores


def _shown(result: FileResult, options: Options, *, scored: bool = True) -> FileResult:
    """The result as the batch's process needs it: with ``options.output``, its part of the
    output drawn here, in parallel with the other files', rather than there, one file
    after another."""
    if options.output is None:
        return result
    return drawn(result, options.output, options.lang, options.as_of if scored else None)


def score_together(jobs: Sequence[Job], options: Options, *, label: str,
                   policy: Path | None = None) -> list[FileResult]:
    """Score the workbooks of ``jobs`` as one book (``chantool.combine``): one result named
    ``label`` whose findings name their file, then a result for each file that could not
    be read (left out of the book). With ``policy``, the 参数 sheet of that workbook is the
    policy. For jobs with a target, each file gets its own findings and result columns."""
    unreadable: list[FileResult] = []
    opened: list[tuple[Job, list[RawSheet], Book]] = []
    for job in jobs:  # each workbook's sheets parse (in threads) while the next are opened
        try:
            sheets = load(job.path, options)
            opened.append((job, sheets, read_book(
                sheets, as_of=options.as_of, lang=options.lang,
                outside_channels=options.outside_channels, source=str(job.path))))
        except ReadError as error:
            unreadable.append(FileResult.unreadable(str(job.path), str(error)))
    read: list[tuple[Job, list[RawSheet], Book]] = []
    for job, sheets, book in opened:
        try:
            every_sheet_read(sheets)
            read.append((job, sheets, book))
        except ReadError as error:
            unreadable.append(FileResult.unreadable(str(job.path), str(error)))
    chosen: ChosenPolicy | None = None
    stated: list[Finding] = []
    if policy is not None:
        try:
            chosen, stated = _policy_of(load(policy, options), policy, options)
        except ReadError as error:
            # An input that could not be read is listed once.
            listed = any(Path(result.path).resolve() == policy.resolve()
                         for result in unreadable)
            return [*([] if listed else [FileResult.unreadable(str(policy), str(error))]),
                    *unreadable]
        if any(job.path.resolve() == policy.resolve() for job, _, _ in read):
            stated = []  # found already, reading that file
    if not read:
        return unreadable
    # Every file's cells are checked against the policy the book is scored by: the one
    # --policy names, else the first file's with a 参数 sheet (combine.first_policy).
    sources = [Source(str(job.path), book, any(map(is_policy_sheet,
                                                   (sheet.name for sheet in sheets))))
               for job, sheets, book in read]
    used = chosen or first_policy(sources, options.lang)[0]
    own = [book.policy for _, _, book in read]
    for _, _, book in read:
        book.policy = used.policy
    known = frozenset().union(*(book.known_channels() or () for _, _, book in read))
    findings: list[Finding] = []
    for (job, _, book), policy_of_its_own in zip(read, own, strict=True):
        book.outside_channels = known
        findings.extend(_of_source(reading_findings(book), str(job.path)))
        book.policy = policy_of_its_own  # compared with the one used (combine)
    findings.extend(stated)
    kept = [(job, sheets) for job, sheets, _ in read]
    combined = combine(sources, as_of=options.as_of, lang=options.lang, chosen=chosen)
    leave_to_exit(read, sources, combined)
    scored, scores = score_read_book(combined.book)
    findings.extend(scored)
    sort_by_place(findings, {None: [], **{str(job.path): [sheet.name for sheet in sheets]
                                          for job, sheets in kept}})
    if any(job.target is not None for job, _ in kept):
        plans = score_plans({source.name: source.book for source in sources}, combined.book,
                            findings, scores, options.lang, combined.twins)
        for job, sheets in kept:
            if job.target is not None:
                problem = _write(job, sheets, plans[str(job.path)], options)
                if problem is not None:
                    findings.append(replace(problem, source=str(job.path)))
    names = tuple(source.name for source in sources)
    return [FileResult.checked(label, findings, _handed_back(scores, options), names),
            *unreadable]


def _of_source(findings: Sequence[Finding], source: str) -> list[Finding]:
    """Findings of reading one workbook of several, each naming it."""
    return [finding if finding.source is not None else replace(finding, source=source)
            for finding in findings]


def chosen_policy(job: Job, options: Options, sheets_of: Sheets) -> ChosenPolicy | str:
    """The policy of the workbook ``--policy`` names (``score --db``), or why it cannot
    be read."""
    try:
        return _policy_of(sheets_of(), job.path, options)[0]
    except ReadError as error:
        return str(error)


def _policy_of(sheets: Sequence[RawSheet], path: Path,
               options: Options) -> tuple[ChosenPolicy, list[Finding]]:
    """The policy of the 参数 sheet of the workbook ``--policy`` names, and what reading
    it found; ``ReadError`` when it cannot be read or has no 参数 sheet."""
    sheet = next((sheet for sheet in sheets if is_policy_sheet(sheet.name)), None)
    if sheet is None:
        raise ReadError(word("combine_no_policy", options.lang))
    policy, found, cells = read_policy(sheet, options.lang)
    return ChosenPolicy(str(path), policy, cells), _of_source(found, str(path))


def _open(job: Job, sheets: Sequence[RawSheet], stack: ExitStack) -> Opened | None:
    """For a job with a target, open its workbook to be written into, the sheets the
    engine reads read ahead while it reads them (``writer.Opened``), until ``stack``
    closes; writing then starts from there. ``None`` when it could not be opened so."""
    if job.target is None:
        return None
    try:
        return stack.enter_context(Opened(job.path, {sheet.name for sheet in sheets}))
    except Exception:  # whatever it is, writing opens the workbook again and says why
        return None


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
        if isinstance(error, OutputError):
            reason = error.text(options.lang)
        elif isinstance(error, OSError):
            reason = str(error)
        else:  # a fault of chantool's: its details go to the log
            reason = word("internal_error", options.lang).format(
                error=type(error).__name__, log=log_exception(error))
        return make_finding("not_written", lang=options.lang, reason=reason)
    return None


def channel_ids(job: Job, options: Options, sheets_of: Sheets) -> frozenset[str] | str:
    """The channel ids of a workbook's 渠道档案 sheet, or why it cannot be read."""
    try:
        book = read_book(sheets_of(), as_of=options.as_of, lang=options.lang)
        return book.known_channels() or frozenset()
    except ReadError as error:
        return str(error)
