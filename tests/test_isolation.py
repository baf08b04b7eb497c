"""Each file in a child process of its own: a reader that aborts, hangs or eats memory
costs only its own file, with a reason, and the rest of the batch is validated normally
and reported in input order."""

from __future__ import annotations

import gc
import json
import os
import resource
import signal
import subprocess
import sys
import threading
import time
import weakref
from collections.abc import Callable
from datetime import date
from functools import partial
from pathlib import Path

import pytest
from click.testing import CliRunner

from chantool import batch
from chantool.batch import Options, ReadError, channel_ids, plan_jobs, validate_files
from chantool.cli import cli
from chantool.collector import collector_paused
from chantool.io import isolation
from chantool.io.reader import Workbook, read_sheet
from chantool.listings import Listing, Rows
from chantool.settings import Limits
from chantool.table import RawSheet
from tests.conftest import MakeWorkbook, needs_fork
from tests.test_cli import CHANNEL_HEADER, GOOD_CHANNEL, VISIT_HEADER

AS_OF = date(2025, 6, 30)

pytestmark = needs_fork


def memory_limit() -> int:
    """An address-space limit (whole MB) 512 MB above what a child inherits from this
    process (a fixed 300 MB would starve sound files on some systems): room to read a
    small workbook, not for the hog's allocation."""
    status = Path("/proc/self/status")
    if not status.exists():
        pytest.skip("needs Linux's /proc to size the memory limit")
    size_kb = next(int(line.split()[1]) for line in status.read_text().splitlines()
                   if line.startswith("VmSize:"))
    return ((size_kb >> 10) + 512) << 20


class Faults:
    """Files whose reading goes wrong in the child, by name; the others read normally."""

    def __init__(self, folder: Path, memory: int) -> None:
        self.folder = folder
        self.memory = memory
        self.real = read_sheet
        self.faults: dict[str, Callable[[], None]] = {
            "abort.xlsx": self.abort, "hang.xlsx": self.hang, "hog.xlsx": self.hog}

    def read_sheet(self, workbook: Workbook, name: str) -> RawSheet:
        fault = self.faults.get(Path(workbook.path).name)
        if fault is not None:
            fault()
        return self.real(workbook, name)

    @staticmethod
    def abort() -> None:
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))  # no core file in the test's folder
        os.abort()

    def hang(self) -> None:
        (self.folder / "hang.pid").write_text(str(os.getpid()))
        time.sleep(60)

    def hog(self) -> None:
        hoard = bytearray(self.memory + (1 << 30))  # over the limit whatever is in use
        hoard[-1] = 1


@pytest.fixture
def faults(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Faults:
    injected = Faults(tmp_path, memory_limit())
    monkeypatch.setattr(batch, "read_sheet", injected.read_sheet)
    return injected


@pytest.fixture
def batch_files(make_workbook: MakeWorkbook) -> list[Path]:
    """Sound workbooks around the three faulty ones, in the order they are given."""
    clean = {"渠道档案": [CHANNEL_HEADER, GOOD_CHANNEL]}
    bad = {"渠道档案": [CHANNEL_HEADER, GOOD_CHANNEL],
           "拜访日志": [VISIT_HEADER, ["2025-06-02", "张伟", "CH999", "销售人员", "现场面谈"]]}
    return [make_workbook(clean, name="in/first.xlsx"),
            make_workbook(clean, name="in/abort.xlsx"),
            make_workbook(bad, name="in/bad.xlsx"),
            make_workbook(clean, name="in/hang.xlsx"),
            make_workbook(clean, name="in/hog.xlsx"),
            make_workbook(clean, name="in/last.xlsx")]


def _gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"


@pytest.mark.parametrize("jobs", [1, 2])
def test_abort_hang_and_memory_hog_become_unreadable_and_the_batch_goes_on(
    jobs: int, faults: Faults, batch_files: list[Path]
) -> None:
    limits = Limits(seconds=2, memory_bytes=faults.memory)
    started = time.monotonic()
    report = validate_files(plan_jobs(batch_files),
                            Options(as_of=AS_OF, limits=limits, jobs=jobs))
    elapsed = time.monotonic() - started
    assert [Path(result.path) for result in report.files] == batch_files
    first, aborted, bad, hung, hog, last = report.files
    assert [r.status for r in (first, bad, last)] == ["ok", "findings", "ok"]
    assert [f.code for f in bad.findings] == ["unknown_channel"]
    assert [r.status for r in (aborted, hung, hog)] == ["unreadable"] * 3
    assert aborted.reason == "读取时解析程序异常退出（SIGABRT）"
    assert hung.reason == "读取超过 2 秒仍未完成，已中止"
    assert hog.reason == f"读取所需内存超过上限 {faults.memory >> 20} MB，已中止"
    assert report.summary() == {"files": 6, "errors": 1, "warnings": 0, "unreadable": 3}
    assert report.exit_code == 2
    assert elapsed < 8
    assert _gone(int((faults.folder / "hang.pid").read_text())), "the hung child still runs"


def test_cli_limits_reach_the_children_and_reasons_follow_the_language(
    faults: Faults, batch_files: list[Path]
) -> None:
    files = [str(path) for path in batch_files]
    result = CliRunner().invoke(cli, [
        "validate", *files, "--format", "json", "--lang", "en", "--jobs", "2",
        "--as-of", AS_OF.isoformat(), "--time-limit", "1",
        "--memory-limit", str(faults.memory >> 20)])
    assert result.exit_code == 2
    data = json.loads(result.output)
    assert [item["path"] for item in data["files"]] == files
    reasons = {Path(item["path"]).name: item["reason"] for item in data["files"]}
    assert reasons == {
        "first.xlsx": None, "abort.xlsx": "the reader stopped abnormally (SIGABRT)",
        "bad.xlsx": None, "hang.xlsx": "not read within 1 s; stopped",
        "hog.xlsx": f"reading needed more than the {faults.memory >> 20} MB memory limit; "
                    "stopped",
        "last.xlsx": None}


def test_parallel_cli_run_over_a_folder_reports_every_file_in_order(
    make_workbook: MakeWorkbook, tmp_path: Path
) -> None:
    names = ["a.xlsx", "b.xlsm", "c/d.xlsx", "c/e.xlsx", "f.xlsx"]
    for name in names:
        make_workbook({"渠道档案": [CHANNEL_HEADER, GOOD_CHANNEL]}, name=f"team/{name}")
    done = subprocess.run(
        [sys.executable, "-m", "chantool", "validate", str(tmp_path / "team"), "--jobs", "2",
         "--format", "json", "--as-of", AS_OF.isoformat()],
        capture_output=True, text=True, check=False, timeout=60,
        env={**os.environ, "CHANTOOL_LOG": str(tmp_path / "chantool.log")})
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert [Path(item["path"]).relative_to(tmp_path / "team").as_posix()
            for item in data["files"]] == names
    assert {item["status"] for item in data["files"]} == {"ok"}
    assert data["summary"] == {"files": 5, "errors": 0, "warnings": 0, "unreadable": 0}


def test_channels_workbook_that_runs_out_of_memory_is_a_read_error_naming_the_limit(
    faults: Faults, make_workbook: MakeWorkbook
) -> None:
    path = make_workbook({"渠道档案": [CHANNEL_HEADER, GOOD_CHANNEL]}, name="hog.xlsx")
    options = Options(as_of=AS_OF, jobs=1, limits=Limits(seconds=5, memory_bytes=faults.memory))
    with pytest.raises(ReadError) as error:
        channel_ids(path, options)
    assert str(error.value) == f"读取所需内存超过上限 {faults.memory >> 20} MB，已中止"


@pytest.mark.parametrize("enabled", [True, False])
def test_the_collector_paused_for_a_block_is_as_it_was_after_what_it_made_frozen(
        enabled: bool) -> None:
    (gc.enable if enabled else gc.disable)()
    try:
        with pytest.raises(ValueError), collector_paused():
            assert not gc.isenabled()
            made = [[number] for number in range(1000)]
            raise ValueError("the block failed")
        assert gc.isenabled() == enabled
        assert gc.get_freeze_count() >= len(made)
    finally:
        gc.unfreeze()
        gc.enable()


class _Cells(list[int]):
    """A list a weak reference can follow."""


def _left_alive(_: int) -> bool:
    """Whether what this process left to its end is still there after its last name went."""
    cells = _Cells(range(1000))
    gone = weakref.ref(cells)
    isolation.leave_to_exit(cells)
    del cells
    return gone() is not None


def test_a_forked_child_leaves_its_cells_to_its_end_and_elsewhere_they_go() -> None:
    results: list[bool] = []
    isolation.run_isolated(_left_alive, [1], limits=Limits(), workers=1,
                           done=lambda _, alive: results.append(alive))
    assert results == [True]
    kept = list(isolation._left)  # by tests before that took this process for a child
    assert not _left_alive(1) and isolation._left == kept


def test_a_batch_does_not_wait_for_a_child_that_sent_its_result_to_end(
        monkeypatch: pytest.MonkeyPatch) -> None:
    real_exit = os._exit

    def slow_exit(code: int) -> None:  # in the child: what freeing its memory takes, and more
        time.sleep(3)
        real_exit(code)

    monkeypatch.setattr(os, "_exit", slow_exit)
    results: list[bool] = []
    started = time.monotonic()
    isolation.run_isolated(_left_alive, [1], limits=Limits(), workers=1,
                           done=lambda _, alive: results.append(alive))
    assert results == [True] and time.monotonic() - started < 2.5
    assert len(isolation._ending) == 1  # still ending
    monkeypatch.undo()
    deadline = time.monotonic() + 30
    while isolation._ending and time.monotonic() < deadline:  # gone after its 3 s: reaped
        time.sleep(0.1)
        isolation._reap_ended()
    assert not isolation._ending


def _nested_batch(_: int) -> int:
    """A batch run in a child: what it inherited of its parent's ending children."""
    inherited = len(isolation._ending)
    isolation.run_isolated(_left_alive, [1], limits=Limits(), workers=1,
                           done=lambda *_: None)
    return inherited


def test_a_child_does_not_take_its_parents_ending_children_for_its_own(
        monkeypatch: pytest.MonkeyPatch) -> None:
    real_exit = os._exit

    def slow_exit(code: int) -> None:  # in each child: still ending when the next forks
        time.sleep(1)
        real_exit(code)

    monkeypatch.setattr(os, "_exit", slow_exit)
    isolation.run_isolated(_left_alive, [1], limits=Limits(), workers=1, done=lambda *_: None)
    assert len(isolation._ending) == 1
    inherited: list[int] = []
    isolation.run_isolated(_nested_batch, [1], limits=Limits(), workers=1,
                           done=lambda _, count: inherited.append(count))
    assert inherited == [0]
    monkeypatch.undo()
    deadline = time.monotonic() + 30
    while isolation._ending and time.monotonic() < deadline:
        time.sleep(0.1)
        isolation._reap_ended()
    assert not isolation._ending


def test_work_beside_is_done_here_outside_a_files_child() -> None:
    work = isolation.Beside(os.getpid)
    assert work.pid == 0 and work.result() == os.getpid()
    work.cancel()  # nothing to end


def test_work_beside_is_done_in_a_child_and_its_result_sent_back_however_large(
    monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(isolation, "_forked", True)
    done = isolation.Beside(lambda: (os.getpid(), b"x" * (5 << 20)))
    assert done.pid and done.started
    pid, large = done.result()
    assert pid != os.getpid() and large == b"x" * (5 << 20)  # far more than a pipe holds
    assert done.result()[0] == pid and not done.started  # once
    if os.nice(0) <= 16:  # its niceness raised by 3 (19 at most)
        assert isolation.Beside(partial(os.nice, 0), nice=3).result() == os.nice(0) + 3
    assert isolation.Beside(os.getpid, start=False).result() == os.getpid()
    monkeypatch.setattr(isolation, "_crowded", True)  # no core free for it: done here
    assert isolation.Beside(os.getpid).result() == os.getpid()


def test_rows_made_beside_are_the_rows_made_here(monkeypatch: pytest.MonkeyPatch) -> None:
    def listings() -> list[Listing]:
        made = [Listing(key, (key, key), (), Rows(range(count), lambda n: {
            "n": n, "by": os.getpid(), "text": f"{n}" * (n % 7)})) for key, count in
            (("a", 5), ("b", 0), ("c", 1), ("d", 1001))]
        made.append(Listing("e", ("e", "e"), (), [{"n": 0, "by": 0, "text": ""}]))
        return made

    here = listings()
    isolation.make_rows(here)  # fewer rows than BESIDE_ROWS: all made here
    monkeypatch.setattr(isolation, "_forked", True)
    monkeypatch.setattr(isolation, "BESIDE_ROWS", 1)
    beside = listings()
    first = beside[3].rows[0]  # a row made before is kept
    isolation.make_rows(beside)
    assert beside[3].rows[0] is first
    for done in (here, beside):
        for listing in done:
            assert not isinstance(listing.rows, Rows) or not listing.rows.pending
    assert [[{**row, "by": 0} for row in listing.rows] for listing in here] == \
        [[{**row, "by": 0} for row in listing.rows] for listing in beside]
    assert {row["by"] for row in here[3].rows} == {os.getpid()}
    # The later half of each listing made in the child, the first here.
    assert [row["by"] == os.getpid() for row in beside[3].rows] == \
        [True] * 500 + [False] * 501
    assert beside[0].rows[2]["by"] != os.getpid() and beside[2].rows[0]["by"] != os.getpid()


def test_work_beside_that_fails_in_its_child_is_done_here_and_raises_as_it_does(
    monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(isolation, "_forked", True)
    parent = os.getpid()

    def work() -> int:
        if os.getpid() != parent:
            os.kill(os.getpid(), signal.SIGKILL)  # the child killed (out of memory, say)
        raise ValueError("done here")

    done = isolation.Beside(work)
    with pytest.raises(ValueError, match="done here"):
        done.result()


def test_work_beside_leaves_the_files_result_to_its_parent_and_is_cancelled_when_it_fails(
    monkeypatch: pytest.MonkeyPatch
) -> None:
    # The pipe a file's child sends its result down: the child beside it holds none of it,
    # so that the batch sees the result end when the file's child has sent it.
    reading, sending = os.pipe()
    monkeypatch.setattr(isolation, "_forked", True)
    monkeypatch.setattr(isolation, "_sending", sending)

    def holds_the_pipe() -> bool:
        try:
            os.fstat(sending)
        except OSError:
            return False
        return True

    assert isolation.Beside(holds_the_pipe).result() is False
    os.close(sending)
    os.close(reading)
    monkeypatch.setattr(isolation, "_sending", None)
    # Cancelled (what this process did meanwhile failed), the child ends at once.
    long = isolation.Beside(lambda: time.sleep(600))
    started = long.pid
    long.cancel()
    assert long.pid == 0 and not Path(f"/proc/{started}").exists()


@pytest.mark.skipif(sys.platform != "linux", reason="Linux's parent-death signal")
def test_work_beside_ends_with_the_process_it_was_started_by() -> None:
    # A file's child killed (its time is up) takes the child doing its work beside along.
    started, told = os.pipe()  # the work's child, to the file's child: it has started
    reading, writing = os.pipe()  # the file's child, to this process: the work's child
    files_child = os.fork()
    if files_child == 0:  # as a file's child: starts work beside, then is killed
        try:
            isolation._forked = True

            def work() -> None:
                os.write(told, b"%d " % os.getpid())
                time.sleep(600)

            isolation.Beside(work)
            os.write(writing, os.read(started, 32))
        finally:
            os.kill(os.getpid(), signal.SIGKILL)
    for unused in (started, told, writing):
        os.close(unused)
    os.waitpid(files_child, 0)
    pid = int(os.read(reading, 32))
    os.close(reading)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        status = Path(f"/proc/{pid}/status")
        if not status.exists() or "\nState:\tZ" in status.read_text():
            break
        time.sleep(0.05)
    else:
        pytest.fail(f"the work beside ({pid}) outlived the process that started it")


@pytest.mark.parametrize("missing", ["pipe", "fork", "thread"])
def test_work_beside_is_done_here_when_a_pipe_process_or_thread_cannot_be_had(
    missing: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(isolation, "_forked", True)
    fds = set(os.listdir("/proc/self/fd")) if Path("/proc/self/fd").exists() else set()

    def refused(*_: object) -> None:
        raise OSError("refused") if missing != "thread" else RuntimeError("refused")

    if missing == "thread":
        monkeypatch.setattr(threading.Thread, "start", refused)
    else:
        monkeypatch.setattr(os, missing, refused)
    work = isolation.Beside(lambda: os.getpid())
    assert work.pid == 0 and work.result() == os.getpid()  # done here, its child ended
    monkeypatch.undo()
    if fds:
        assert set(os.listdir("/proc/self/fd")) == fds  # no pipe left open
