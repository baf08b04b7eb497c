"""Running the engine over files: finding the workbooks of a batch and checking each.

This is the adapter between paths on disk and the engine. Each file is looked at by the
preflight, then read, checked and (when asked) written in a child process of its own
(the work itself is in ``check.py``), so that no file can crash or hang the batch: a
file that cannot be read becomes an ``unreadable`` result with its reason, and the batch
goes on. This module stays light to import: the engine (``check``) is imported in the
child of a single file, and once in the batch's process before it forks the children of a
larger batch (``io.isolation``).
"""

from __future__ import annotations

import importlib
import pickle
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import date
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from chantool.findings import Lang, reason_text
from chantool.io.isolation import Failure, default_jobs, run_isolated
from chantool.io.output import backup_path, temporary_path
from chantool.io.preflight import diagnose_extents, extent_refusal, preflight
from chantool.io.reader import (
    open_workbook,
    parse_sheets,
    read_sheet,
    smallest_first,
)
from chantool.report import FileResult, Report
from chantool.settings import Limits
from chantool.table import RawSheet, wanted
from chantool.texts import TextError

if TYPE_CHECKING:  # the engine is imported in the children (see above)
    from chantool.combine import ChosenPolicy

WORKBOOK_SUFFIXES = (".xlsx", ".xlsm")
ENGINE = "chantool.check"  # the module a child runs, and with it the whole engine
# What a child imports besides: zipfile decodes the name of a workbook's part with this
# codec unless the file marks it UTF-8 (the examples' files do not).
PRELOAD = (ENGINE, "encodings.cp437")
Progress = Callable[[Path], None]
Output = Literal["text", "json"]  # what the CLI prints: --format


@dataclass(frozen=True)
class Options:
    """How a batch runs: the engine's inputs and the guards around each file."""

    as_of: date
    lang: Lang = "zh"
    outside_channels: frozenset[str] = frozenset()
    limits: Limits = field(default_factory=Limits)
    jobs: int = field(default_factory=default_jobs)
    # Rows of each score listing a file's process hands back (None: all, for JSON).
    listing_rows: int | None = None
    # The score listings a file's process hands back (None: all; a report: those it lays
    # out, so that the others are neither made nor sent).
    listing_keys: frozenset[str] | None = None
    # The output each file's process draws its part of (``render.drawn``); None: none.
    output: Output | None = None


@dataclass(frozen=True)
class Job:
    """One workbook of a batch, and where its marked copy or its report goes (``None``:
    nowhere)."""

    path: Path
    target: Path | None = None


def find_workbooks(paths: Iterable[Path]) -> Iterator[tuple[Path, Path]]:
    """Each file given, and every .xlsx/.xlsm below each folder given (sorted), skipping
    Excel's ``~$`` lock files; with each, its path relative to the folder it was found in."""
    for path in paths:
        if path.is_dir():
            for found in sorted(path.rglob("*")):
                if (found.suffix.lower() in WORKBOOK_SUFFIXES and found.is_file()
                        and not found.name.startswith("~$")):
                    yield found, found.relative_to(path)
        else:
            yield path, Path(path.name)


def plan_jobs(paths: Iterable[Path], *, out: Path | None = None,
              in_place: bool = False) -> list[Job]:
    """The jobs of a batch: report only, marked copies under ``out`` (same names and
    extensions, folders mirrored), or the files themselves changed in place. ``out``
    never writes over an input: that is what --in-place is for."""
    jobs: list[Job] = []
    seen: set[Path] = set()
    writers: dict[Path, Path] = {}  # target: the file written there
    found = list(find_workbooks(paths))
    inputs = {path.resolve(): path for path, _ in found}
    for path, relative in found:
        if path.resolve() in seen:  # the same file given twice is checked once
            continue
        seen.add(path.resolve())
        target = path if in_place else (out / relative if out is not None else None)
        if target is not None and not in_place and target.resolve() in inputs:
            raise TargetClash("over_input", path=inputs[target.resolve()])
        if target is not None:
            clash = writers.setdefault(target, path)
            if clash != path:
                raise TargetClash("clash", first=clash, second=path, target=target)
        jobs.append(Job(path, target))
    return jobs


class TargetClash(TextError):
    """``--out`` would write over an input file, or two input files would be written to
    the same output file (``target_`` texts)."""

    prefix = "target_"


class ReadError(Exception):
    """A file that cannot be read; the message is the reason shown to the user."""


def load(path: Path, options: Options) -> list[RawSheet]:
    """The raw sheets of one workbook, once the preflight let it through; a large
    workbook's are parsed in the background (``io.reader``). A sheet that cannot be read
    raises ``ReadError`` from its rows, and so does every sheet parsed after it."""
    lang = options.lang
    if not path.exists():
        raise ReadError(reason_text("not_found", lang))
    if not path.is_file():
        raise ReadError(reason_text("not_a_file", lang))
    with _reading(lang):
        refusal = preflight(path, options.limits, wanted)
        if refusal is not None:
            raise ReadError(reason_text(refusal.code, lang, **refusal.fields))
        workbook, names = open_workbook(path)
        order = smallest_first(workbook, names)

    def parse(name: str) -> RawSheet:
        with _reading(lang):
            sheet = read_sheet(workbook, name)
            width = max(map(len, sheet.rows), default=0)
            refusal = extent_refusal(sheet.name, len(sheet.rows), width, options.limits)
            if refusal is not None:
                raise ReadError(reason_text(refusal.code, lang, **refusal.fields))
            # Its columns too, here in the reading thread (if any), while the engine works on
            # others.
            _ = sheet.columns
            return sheet

    return parse_sheets(names, order, parse, workbook.close, aside=workbook.threads)


@contextmanager
def _reading(lang: Lang) -> Iterator[None]:
    """What goes wrong reading a workbook, as a ``ReadError`` with the reason."""
    try:
        yield
    except OSError as error:
        raise ReadError(reason_text("cannot_open", lang, detail=error.strerror or error)) from None
    except (ReadError, MemoryError):  # out of memory: the child reports it (isolation.py)
        raise
    except Exception as error:  # calamine raises its own errors for damaged files
        raise ReadError(reason_text("read_failed", lang, detail=error)) from None


def _packed(task: Callable[[Job], FileResult], job: Job) -> bytes:
    # Pickled here and unpickled when the batch ends: until then the batch's process holds
    # each result as a few compact bytes rather than many objects, so it stays small, and
    # forking the next child (which copies its page tables) stays fast.
    return pickle.dumps(task(job).pack(), pickle.HIGHEST_PROTOCOL)


def run_jobs(
    task: Callable[[Job], FileResult],
    jobs: Sequence[Job],
    options: Options,
    progress: Progress | None = None,
) -> Report:
    """Run ``task`` on every job, each isolated; results come in the jobs' order."""
    results: dict[Job, FileResult | bytes] = {}

    def done(job: Job, packed: Any) -> None:
        if isinstance(packed, Failure):
            results[job] = FileResult.unreadable(str(job.path),
                                                 failure_reason(job, packed, options))
            _remove_leftovers(job)
        else:
            results[job] = packed
        if progress is not None:
            progress(job.path)

    run_isolated(partial(_packed, task), jobs, limits=options.limits, workers=options.jobs,
                 done=done, preload=PRELOAD)
    return Report(files=tuple(
        result if isinstance(result, FileResult) else FileResult.unpack(pickle.loads(result))
        for result in map(results.__getitem__, jobs)))


def failure_reason(job: Job, failure: Failure, options: Options) -> str:
    """Why a child gave no result; after a crash, the sheets' extents may tell why."""
    if failure.code == "crashed":
        try:
            refusal = diagnose_extents(job.path, options.limits, wanted)
        except Exception:  # the diagnosis is a courtesy; the crash is reported anyway
            refusal = None
        if refusal is not None:
            return reason_text(refusal.code, options.lang, **refusal.fields)
    if failure.code == "out_of_memory":
        limit = f"{options.limits.memory_bytes >> 20} MB"
        return reason_text("out_of_memory", options.lang, limit=limit)
    return reason_text(failure.code, options.lang, **failure.fields)


def _in_child(job: Job, options: Options, work: str, **arguments: Any) -> Any:
    """Run ``chantool.check``'s ``work`` on a job, in its child process (``load`` reads
    its sheets). Unless the batch's process imported the
    engine before forking, the workbook is opened in a thread while the engine is imported
    here: calamine parses without holding the GIL, so on a large file the import costs no
    time (see bench/); with the engine there, that thread would overlap nothing."""
    if ENGINE in sys.modules:
        work_on: Callable[..., Any] = getattr(sys.modules[ENGINE], work)
        return work_on(job, options, partial(load, job.path, options), **arguments)
    with ThreadPoolExecutor(max_workers=1) as pool:
        reading = pool.submit(load, job.path, options)
        work_on = getattr(importlib.import_module(ENGINE), work)
        return work_on(job, options, reading.result, **arguments)


def validate_files(jobs: Sequence[Job], options: Options, *, mark: bool = False,
                   progress: Progress | None = None) -> Report:
    """Validate each workbook; for jobs with a target, write the check column and the
    Issues sheet, and with ``mark`` the cell marks too."""
    task = partial(_in_child, options=options, work="check_file", mark=mark)
    return run_jobs(task, jobs, options, progress)


def score_files(jobs: Sequence[Job], options: Options, *,
                progress: Progress | None = None) -> Report:
    """Validate and score each workbook; for jobs with a target, write the results back."""
    return _scored(jobs, options, progress, "score_file")


def report_files(jobs: Sequence[Job], options: Options, kind: str, *,
                 progress: Progress | None = None) -> Report:
    """Score each workbook and write its ``kind`` report to the job's target, both in its
    child (``check.report_file``)."""
    return _scored(jobs, options, progress, "report_file", kind=kind)


def _scored(jobs: Sequence[Job], options: Options, progress: Progress | None, work: str,
            **arguments: Any) -> Report:
    """The report of ``chantool.check``'s scoring ``work`` on each job, scored as of the
    options' day."""
    task = partial(_in_child, options=options, work=work, **arguments)
    return replace(run_jobs(task, jobs, options, progress), scored_as_of=options.as_of)


def score_together(jobs: Sequence[Job], options: Options, *, label: str,
                   policy: Path | None = None) -> Report:
    """Score the workbooks of ``jobs`` as one book (``check.score_together``), in one child
    process, its time and memory limits those of every file together (the limits are per
    file): a result named ``label`` whose findings name their files, and one for each file
    that could not be read."""
    limits = together_limits(options.limits, len(jobs))
    found: list[Any] = []
    task = partial(_together, jobs=jobs, options=options, label=label, policy=policy)
    run_isolated(task, [Job(Path(label))], limits=limits, workers=1,
                 done=lambda _, result: found.append(result), preload=(ENGINE,))
    (result,) = found
    if isinstance(result, Failure):
        reason = failure_reason(Job(jobs[0].path), result, replace(options, limits=limits))
        results: tuple[FileResult, ...] = (FileResult.unreadable(label, reason),)
        for job in jobs:
            _remove_leftovers(job)
    else:
        results = tuple(FileResult.unpack(packed) for packed in pickle.loads(result))
    return Report(files=results, scored_as_of=options.as_of)


def _remove_leftovers(job: Job) -> None:
    """Remove what a child that died was writing for ``job``: the temporary files of its
    target and of the target's backup."""
    if job.target is not None:
        for leftover in (job.target, backup_path(job.target)):
            temporary_path(leftover).unlink(missing_ok=True)


def together_limits(limits: Limits, files: int) -> Limits:
    """The limits of the one process scoring ``files`` workbooks together: the time and
    memory of every file together (the limits are per file)."""
    files = max(files, 1)
    return replace(limits, seconds=limits.seconds * files,
                   memory_bytes=limits.memory_bytes * files)


def _together(_: Job, *, jobs: Sequence[Job], options: Options, label: str,
              policy: Path | None) -> bytes:
    check = importlib.import_module(ENGINE)
    results: list[FileResult] = check.score_together(jobs, options, label=label, policy=policy)
    return pickle.dumps([result.pack() for result in results], pickle.HIGHEST_PROTOCOL)


def channel_ids(path: Path, options: Options) -> frozenset[str]:
    """The channel ids of the 渠道档案 sheet of another workbook (``--channels``), read in
    a child like every workbook; ``ReadError`` when it cannot be read."""
    result = _one_file(path, options, "channel_ids")
    assert isinstance(result, frozenset)
    return result


def chosen_policy(path: Path, options: Options) -> ChosenPolicy:
    """The policy of the 参数 sheet of the workbook ``--policy`` names (``score --db``),
    read in a child like every workbook; ``ReadError`` when it cannot be read."""
    chosen: ChosenPolicy = _one_file(path, options, "chosen_policy")
    return chosen


def _one_file(path: Path, options: Options, work: str) -> Any:
    """What ``chantool.check``'s ``work`` gives for one workbook, read in a child; a
    text it gives is the reason it cannot be read (``ReadError``)."""
    found: list[Any] = []
    run_isolated(partial(_in_child, options=options, work=work), [Job(path)],
                 limits=options.limits, workers=1, done=lambda _, result: found.append(result))
    (result,) = found
    if isinstance(result, Failure):
        raise ReadError(failure_reason(Job(path), result, options))
    if isinstance(result, str):
        raise ReadError(result)
    return result
