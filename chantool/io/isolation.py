"""Running each file's work in a child process with a memory and a time limit.

Parsers of untrusted files can abort the whole process (python-calamine does on some
hostile inputs), eat memory or hang. Each file is therefore handled in a child process:
a crash, an abort, running out of memory or time becomes an ``unreadable`` result with a
reason, and the batch goes on. Up to ``jobs`` children run at once.

A child is forked from the batch's process where the system can (not Windows), so it
starts in milliseconds with what that process imported. For a batch of more files than
workers, the batch's process imports the task's modules (the engine) once before the first
fork, so that no child imports them again; a batch of one file a worker leaves the import
to its child, where it overlaps reading the file. Where only spawn exists, each child is a
new interpreter that imports them itself.
"""

from __future__ import annotations

import faulthandler
import gc
import importlib
import multiprocessing
import os
import signal
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from pathlib import Path
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from chantool.errors import log_path
from chantool.settings import Limits

if TYPE_CHECKING:
    from multiprocessing.context import ForkContext, SpawnContext

Job = TypeVar("Job")
# The work done for one file in the child: it must return picklable data and never raise
# (errors become part of what it returns).
Task = Callable[[Job], Any]


@dataclass(frozen=True)
class Failure:
    """Why a child gave no result: a reason code of ``findings.REASONS`` and its fields."""

    code: str
    fields: dict[str, Any]


def _context() -> ForkContext | SpawnContext:
    # fork starts a child in milliseconds with everything imported; Windows has only spawn.
    if "fork" in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context("spawn")


def _child(task: Task[Job], job: Job, limits: Limits, log_to: Path, conn: Connection) -> None:
    # A parser that aborts prints its own backtrace: it goes to the log, not the screen.
    faulthandler.disable()
    with log_to.open("ab") as log:
        os.dup2(log.fileno(), 2)
    # The child lives for one file and frees nothing before it ends: the collector would
    # only walk its objects over and over.
    gc.disable()
    try:
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (limits.memory_bytes, limits.memory_bytes))
    except (ImportError, ValueError, OSError):
        pass  # no address-space limit on this system; the time limit still holds
    try:
        result: Any = task(job)
    except MemoryError:
        result = Failure("out_of_memory", {})
    conn.send(result)
    conn.close()


@dataclass
class _Running(Generic[Job]):
    job: Job
    process: multiprocessing.process.BaseProcess
    conn: Connection
    deadline: float


def run_isolated(
    task: Task[Job],
    jobs: Sequence[Job],
    *,
    limits: Limits,
    workers: int,
    done: Callable[[Job, Any], None],
    preload: Sequence[str] = (),
) -> None:
    """Run ``task`` on every job, each in its own child, ``workers`` at a time; ``done`` gets
    each job with the task's result or a ``Failure``, in the order they finish. ``preload``
    names the modules the task imports, imported here first when children are forked and
    more than one job falls to a worker."""
    context = _context()
    if context.get_start_method() == "fork" and len(jobs) > max(workers, 1):
        for module in (*preload, "resource"):  # and the module of the child's limits
            importlib.import_module(module)
    # Found once here: finding the temporary folder writes a test file there.
    log_to = log_path()
    waiting = list(reversed(jobs))
    running: dict[Connection, _Running[Job]] = {}
    # Children that sent their result and are exiting: the next child need not wait for
    # that. Each is dropped (with its pipes) once gone; the rest are joined at the end.
    ending: list[multiprocessing.process.BaseProcess] = []
    while waiting or running:
        ending = [process for process in ending if process.is_alive()]
        while waiting and len(running) < max(workers, 1):
            job = waiting.pop()
            receiver, sender = context.Pipe(duplex=False)
            process = context.Process(target=_child, args=(task, job, limits, log_to, sender),
                                      daemon=True)
            process.start()
            sender.close()
            running[receiver] = _Running(job, process, receiver,
                                         time.monotonic() + limits.seconds)
        timeout = max(0.0, min(item.deadline for item in running.values()) - time.monotonic())
        for conn in wait(list(running), timeout=timeout):
            assert isinstance(conn, Connection)
            item = running.pop(conn)
            done(item.job, _collect(item, ending))
        now = time.monotonic()
        for conn, item in list(running.items()):
            if now >= item.deadline:
                del running[conn]
                item.process.kill()
                item.process.join()
                conn.close()
                done(item.job, Failure("timeout", {"seconds": f"{limits.seconds:g}"}))
    for exiting in ending:
        exiting.join()


def _collect(item: _Running[Any], ending: list[multiprocessing.process.BaseProcess]) -> Any:
    try:
        result = item.conn.recv()
    except (EOFError, OSError):
        result = None
    finally:
        item.conn.close()
    if result is not None:
        ending.append(item.process)
        return result
    item.process.join()
    code = item.process.exitcode or 0
    if code < 0:
        name = signal.Signals(-code).name if -code in signal.valid_signals() else str(-code)
        return Failure("crashed", {"detail": name})
    return Failure("crashed", {"detail": f"exit {code}"})


def default_jobs() -> int:
    return os.cpu_count() or 1
