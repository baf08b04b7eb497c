"""Running each file's work in a child process with a memory and a time limit.

Parsers of untrusted files can abort the whole process (python-calamine does on some
hostile inputs), eat memory or hang. Each file is therefore handled in a child process:
a crash, an abort, running out of memory or time becomes an ``unreadable`` result with a
reason, and the batch goes on. Up to ``jobs`` children run at once.

A child is forked from the batch's process where the system can (not Windows), so it
starts in milliseconds with what that process imported. For a batch of more files than
workers, the batch's process imports the task's modules (the engine) once before the first
fork, so that no child imports them again; a batch of one file a worker leaves the import
to its child, where it overlaps reading the file. A forked child is started with
``os.fork`` and sends its pickled result down a pipe: ``multiprocessing``'s start-up and
shutdown of a process would cost both processes more than a small workbook's reading.
Where only spawn exists, each child is a ``multiprocessing`` process, a new interpreter
that imports the task's modules itself.

A child knows whether the batch keeps every core busy with children (``crowded``): then
a thread of its own would find no free core, and it does its work in one thread.
"""

from __future__ import annotations

import faulthandler
import importlib
import multiprocessing
import os
import pickle
import signal
import sys
import time
from collections.abc import Callable, Sequence
from contextlib import suppress
from dataclasses import dataclass
from functools import cache, partial
from itertools import islice
from multiprocessing.connection import Connection, wait
from pathlib import Path
from threading import Thread
from typing import TYPE_CHECKING, Any, Final, Generic, NoReturn, Protocol, TypeVar, cast

from chantool.collector import collector_paused
from chantool.errors import log_path
from chantool.listings import Listing, Rows
from chantool.settings import Limits

if TYPE_CHECKING:
    from multiprocessing.process import BaseProcess

Job = TypeVar("Job")
# The work done for one file in the child: it must return picklable data and never raise
# (errors become part of what it returns).
Task = Callable[[Job], Any]

_CHUNK = 1 << 20  # read from a forked child's pipe at a time


@dataclass(frozen=True)
class Failure:
    """Why a child gave no result: a reason code of ``findings.REASONS`` and its fields."""

    code: str
    fields: dict[str, Any]


def _forking() -> bool:
    # fork starts a child in milliseconds with everything imported; Windows has only spawn.
    return "fork" in multiprocessing.get_all_start_methods()


# Whether this process is a child of a batch that keeps every core busy (``crowded``).
_crowded = False


def crowded() -> bool:
    """Whether this process is one of as many children running at once as there are
    cores: a thread of its own would find no free core, and would only cost switching
    between threads (in a year of 200 workbooks archived on two cores, 8% of the time)."""
    return _crowded


# What a forked child's work leaves for the system to free (``leave_to_exit``).
_left: list[object] = []
_forked = False  # whether this process is a child forked for one file
_sending: int | None = None  # the pipe such a child sends its result down


T = TypeVar("T")
# Listings of this many rows, some yet to be made, have half of them made beside
# (``make_rows``), or all of them (``check._BlocksAhead``); fewer are made here.
BESIDE_ROWS: Final = 20_000
_PR_SET_PDEATHSIG = 1  # Linux's prctl: the signal a process gets when its parent ends


class Beside(Generic[T]):
    """``work`` started beside what this process does next, in a child forked for it,
    when this process is a child forked for one file (``_Forked``) with a core free (not
    ``crowded``): ``result`` waits for it and returns what it returned, sent back
    pickled. Where it is not started so, or the child could not do it (it raised, or was
    killed), ``result`` does the work itself, here, and returns or raises what it does.
    ``cancel`` ends the child without its result (when what this process did meanwhile
    failed); one of the two must be called. With ``start`` false, the work is only done
    by ``result``. The work must not use what this process's other threads may be using
    (an open file's position, a lock): it runs in a copy of this process. The child ends
    when the thread that started it does (Linux), as the batch's limits apply to this
    process only: started from the file's child's main thread, it ends with it."""

    def __init__(self, work: Callable[[], T], *, start: bool = True, nice: int = 0) -> None:
        self.work = work
        self.nice = nice
        self.pid = 0
        self.chunks: list[bytes] = []
        self.done: tuple[T] | None = None
        if not (start and _forked) or _crowded:
            return
        parent, ending = os.getpid(), _ending_with_parent()
        try:
            reading, writing = os.pipe()
        except OSError:  # no more files allowed: done here
            return
        try:
            self.pid = os.fork()
        except OSError:  # no more processes allowed: done here
            os.close(reading)
            os.close(writing)
            return
        if self.pid == 0:
            self._in_child(parent, ending, reading, writing)
        os.close(writing)
        self.reading = reading
        # The pipe is emptied as the child fills it, so that it never waits for this process.
        self.drain = Thread(target=lambda: self.chunks.extend(iter(partial(
            os.read, reading, _CHUNK), b"")), name="chantool-beside", daemon=True)
        try:
            self.drain.start()
        except RuntimeError:  # no more threads allowed: done here
            self.cancel()

    def _in_child(self, parent: int, ending: Callable[[], object] | None, reading: int,
                  writing: int) -> NoReturn:
        global _sending
        code = 1
        try:
            os.close(reading)
            if _sending is not None:  # the file's result is this process's parent's to send
                os.close(_sending)
                _sending = None
            if ending is not None:
                ending()
            if self.nice:
                os.nice(self.nice)
            if os.getppid() == parent:  # else it ended before that was asked
                _send(writing, self.work())
                code = 0
        finally:
            os._exit(code)

    @property
    def started(self) -> bool:
        """Whether the work is being done in a child (started there, and neither collected
        nor cancelled yet)."""
        return self.pid != 0

    @property
    def sent(self) -> bool:
        """Whether the child has sent its result, or ended: ``result`` then waits for
        nothing more."""
        return self.started and not self.drain.is_alive()

    def result(self) -> T:
        if self.done is None:
            sent = b"".join(self.chunks) if self._ended() == 0 else b""
            self.chunks.clear()
            with suppress(Exception):  # a result cut short: the work is done here
                self.done = (cast("T", pickle.loads(sent)),) if sent else None
            if self.done is None:
                self.done = (self.work(),)
        return self.done[0]

    def cancel(self) -> None:
        """End the child without its result (or do nothing, where there is none)."""
        if self.pid:
            with suppress(ProcessLookupError):
                os.kill(self.pid, signal.SIGKILL)
            self._ended()
            self.chunks.clear()

    def _ended(self) -> int:
        """The child's exit code, once it is gone and its pipe closed (1 without one);
        each is waited for and closed once, whatever is raised meanwhile."""
        pid, self.pid = self.pid, 0
        if not pid:
            return 1
        if self.drain.ident is not None:
            self.drain.join()
        os.close(self.reading)
        try:
            return os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])
        except ChildProcessError:  # reaped elsewhere: its end is not known
            return 1


def _send(pipe: int, result: object) -> None:
    """Send ``result``, pickled, down the pipe ``pipe`` (a forked child's to its parent)."""
    data = memoryview(pickle.dumps(result, pickle.HIGHEST_PROTOCOL))
    while data:
        data = data[os.write(pipe, data):]


@cache
def _ending_with_parent() -> Callable[[], object] | None:
    """What makes a forked child end when the thread that forked it does: Linux's
    ``prctl(PR_SET_PDEATHSIG)``, looked up before forking; ``None`` elsewhere."""
    if sys.platform != "linux":
        return None
    try:
        import ctypes  # only here, and only on Linux

        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (ImportError, OSError, AttributeError):
        return None
    prctl.argtypes = (ctypes.c_int, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong,
                      ctypes.c_ulong)
    return partial(prctl, _PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)


def leave_to_exit(*objects: object) -> None:
    """Keep ``objects`` to the end of this process when it is a child forked for one file:
    it ends with ``os._exit``, and the system takes its memory back at once, where freeing
    a large workbook's cells and typed values object by object would take a twentieth of
    a second after the result is made. Elsewhere nothing: they go as usual."""
    if _forked:
        _left.extend(objects)


def _in_child(task: Task[Job], job: Job, limits: Limits, log_to: Path, busy: bool) -> Any:
    """The task's result for the job, run under the child's limits; in the child. ``busy``:
    whether it is ``crowded``."""
    global _crowded
    _crowded = busy
    # A parser that aborts prints its own backtrace: it goes to the log, not the screen.
    faulthandler.disable()
    with log_to.open("ab") as log:
        os.dup2(log.fileno(), 2)
    try:
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (limits.memory_bytes, limits.memory_bytes))
    except (ImportError, ValueError, OSError):
        pass  # no address-space limit on this system; the time limit still holds
    try:
        with collector_paused():  # the child lives for one file
            return task(job)
    except MemoryError:
        return Failure("out_of_memory", {})


class _Child(Protocol):
    """A running child: ``waitable`` becomes ready (for ``connection.wait``) as its result
    comes in or it ends."""

    waitable: Any

    def receive(self) -> bool:
        """Take in what is ready; whether the child is done sending."""

    def result(self) -> Any:
        """What the child sent, or ``None`` if it ended without sending it."""

    def ended(self, *, block: bool) -> int | None:
        """The exit code (``-signal`` if killed) once the child is gone; ``None`` while it
        still runs, unless ``block``."""

    def kill(self) -> None:
        """Kill the child and wait until it is gone."""


class _Forked:
    """A child forked from this process with ``os.fork``; it sends the pickled result of
    the task down a pipe and ends."""

    def __init__(self, task: Task[Job], job: Job, limits: Limits, log_to: Path,
                 busy: bool) -> None:
        reading, writing = os.pipe()
        try:
            self.pid = os.fork()
        except OSError:  # no more processes allowed: the batch stops, with its pipes closed
            os.close(reading)
            os.close(writing)
            raise
        if self.pid == 0:  # the child: runs the task and never returns from here
            global _forked, _sending
            _forked, _sending = True, writing
            _ending.clear()  # its parent's children, not its own
            code = 1
            try:
                os.close(reading)
                _send(writing, _in_child(task, job, limits, log_to, busy))
                # Closed before the end: the batch's process sees the whole result, and
                # starts the next child, without waiting for the system to free this one's
                # memory, which it does before closing what a process left open.
                os.close(writing)
                code = 0
            finally:
                os._exit(code)
        os.close(writing)
        self.waitable = reading
        self._chunks: list[bytes] = []
        self._sending = True
        self._code: int | None = None

    def receive(self) -> bool:
        chunk = os.read(self.waitable, _CHUNK)
        if chunk:
            self._chunks.append(chunk)
            return False
        self._close()
        return True

    def _close(self) -> None:
        if self._sending:
            os.close(self.waitable)
            self._sending = False

    def result(self) -> Any:
        try:
            return pickle.loads(b"".join(self._chunks)) if self._chunks else None
        except Exception:  # cut short: the child was killed while sending
            return None

    def ended(self, *, block: bool) -> int | None:
        if self._code is None:
            pid, status = os.waitpid(self.pid, 0 if block else os.WNOHANG)
            if pid:
                self._code = os.waitstatus_to_exitcode(status)
        return self._code

    def kill(self) -> None:
        if self._code is None:
            os.kill(self.pid, signal.SIGKILL)
            self.ended(block=True)
        self._close()


def _spawned_child(task: Task[Job], job: Job, limits: Limits, log_to: Path, busy: bool,
                   conn: Connection) -> None:
    conn.send(_in_child(task, job, limits, log_to, busy))
    conn.close()


class _Spawned:
    """A child started by ``multiprocessing`` (spawn: a new interpreter)."""

    def __init__(self, task: Task[Job], job: Job, limits: Limits, log_to: Path,
                 busy: bool) -> None:
        context = multiprocessing.get_context("spawn")
        self.waitable, sender = context.Pipe(duplex=False)
        self.process: BaseProcess = context.Process(
            target=_spawned_child, args=(task, job, limits, log_to, busy, sender),
            daemon=True)
        self.process.start()
        sender.close()
        self._result: Any = None

    def receive(self) -> bool:
        try:
            self._result = self.waitable.recv()
        except (EOFError, OSError):
            self._result = None
        finally:
            self.waitable.close()
        return True

    def result(self) -> Any:
        return self._result

    def ended(self, *, block: bool) -> int | None:
        if block:
            self.process.join()
        return self.process.exitcode

    def kill(self) -> None:
        self.process.kill()
        self.process.join()
        self.waitable.close()


@dataclass
class _Running(Generic[Job]):
    job: Job
    child: _Child
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
    workers = max(workers, 1)
    forking = _forking()
    if forking and len(jobs) > workers:
        for module in (*preload, "resource"):  # and the module of the child's limits
            importlib.import_module(module)
    # Found once here: finding the temporary folder writes a test file there.
    log_to = log_path()
    # Children keep every core busy: at least as many run at once as there are cores.
    busy = min(len(jobs), workers) >= default_jobs()
    waiting = list(reversed(jobs))
    running: dict[Any, _Running[Job]] = {}
    try:
        while waiting or running:
            _reap_ended()
            while waiting and len(running) < workers:
                job = waiting.pop()
                child: _Child = (_Forked(task, job, limits, log_to, busy) if forking else
                                 _Spawned(task, job, limits, log_to, busy))
                running[child.waitable] = _Running(job, child, time.monotonic() + limits.seconds)
            timeout = max(0.0, min(item.deadline for item in running.values()) - time.monotonic())
            for ready in wait(list(running), timeout=timeout):
                item = running[ready]
                if item.child.receive():
                    del running[ready]
                    done(item.job, _collect(item.child))
            now = time.monotonic()
            for waitable, item in list(running.items()):
                if now >= item.deadline:
                    del running[waitable]
                    item.child.kill()
                    done(item.job, Failure("timeout", {"seconds": f"{limits.seconds:g}"}))
    finally:  # also when the batch is stopped (Ctrl-C): no running child outlives it
        for item in running.values():
            item.child.kill()
        _reap_ended()


# Children that sent their whole result and are ending, of this batch and those before:
# neither the next child nor the batch's end waits while the system frees an ended
# child's memory (a large workbook's child takes about 10 ms to go). Each is reaped once
# gone, by this batch or a later one; one still ending when this process ends is left to
# the system (forked) or ended by multiprocessing (spawned), its result already sent.
_ending: list[_Child] = []


def _reap_ended() -> None:
    _ending[:] = [child for child in _ending if child.ended(block=False) is None]


def _collect(child: _Child) -> Any:
    result = child.result()
    if result is not None:
        _ending.append(child)
        return result
    code = child.ended(block=True) or 0
    if code < 0:
        name = signal.Signals(-code).name if -code in signal.valid_signals() else str(-code)
        return Failure("crashed", {"detail": name})
    return Failure("crashed", {"detail": f"exit {code}"})


def default_jobs() -> int:
    return os.cpu_count() or 1


def make_rows(listings: Sequence[Listing]) -> None:
    """Make every row of ``listings`` now, that each is only read after (a report, the
    Scores sheet): with ``BESIDE_ROWS`` or more rows to make, the later half of each
    listing's in a child forked for it (``Beside``, where a core is free),
    sent back pickled, beside the first half, made here. A row takes 5 to 10 µs to make
    (its explanation said): the rebates, commission and payments of 100,000 sales, 70,000
    rows, take 0.6 s."""
    lazy = [listing.rows for listing in listings
            if isinstance(listing.rows, Rows) and listing.rows.pending]
    halves = [len(rows) // 2 for rows in lazy]
    beside = Beside(lambda: [rows[half:] for rows, half in zip(lazy, halves, strict=True)],
                    start=sum(map(len, lazy)) >= BESIDE_ROWS)
    try:
        for rows, half in zip(lazy, halves, strict=True):
            for _ in islice(rows, half):  # made and kept by the rows
                pass
        made = beside.result()
    except BaseException:
        beside.cancel()
        raise
    for rows, half, there in zip(lazy, halves, made, strict=True):
        rows.fill(half, there)
