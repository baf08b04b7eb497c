"""A large batch: the engine imported once per run rather than once per file, progress
with files a second and the time left, children started by spawn (Windows), and each
file's part of the output drawn in its own process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from chantool.batch import Options, Output, plan_jobs, score_files, validate_files
from chantool.io import isolation
from chantool.render import TEXT_ROWS, to_json, to_text
from chantool.settings import Limits
from tests.conftest import MakeWorkbook, needs_fork
from tests.test_cli import CHANNEL_HEADER, GOOD_CHANNEL, VISIT_HEADER

AS_OF = date(2025, 6, 30)
CLEAN = {"渠道档案": [CHANNEL_HEADER, GOOD_CHANNEL]}
BAD = {"渠道档案": [CHANNEL_HEADER, GOOD_CHANNEL],
       "拜访日志": [VISIT_HEADER, ["2025-06-02", "张伟", "CH999", "销售人员", "现场面谈"]]}

# Runs the CLI with an audit hook that logs, with the process id, every fork and every
# time the engine's module is imported: its code run, however the import was made.
TRACED_CLI = """
import os, sys
log = os.open(sys.argv[1], os.O_WRONLY | os.O_APPEND | os.O_CREAT)
ENGINE = os.path.join("chantool", "check.py")
def hook(event, args):
    if event == "os.fork":
        os.write(log, f"{os.getpid()} fork\\n".encode())
    elif event == "exec" and getattr(args[0], "co_filename", "").endswith(ENGINE):
        os.write(log, f"{os.getpid()} engine\\n".encode())
sys.addaudithook(hook)
os.write(log, f"{os.getpid()} start\\n".encode())
from chantool.cli import cli
cli(sys.argv[2:], prog_name="chantool")
"""


def _traced_run(tmp_path: Path, *args: str) -> tuple[dict[str, Any], list[tuple[int, str]]]:
    """The JSON report of ``chantool ARGS`` and the events it logged, as (pid, event)."""
    log = tmp_path / "events.log"
    done = subprocess.run(
        [sys.executable, "-c", TRACED_CLI, str(log), *args, "--format", "json",
         "--as-of", AS_OF.isoformat()],
        capture_output=True, text=True, check=False, timeout=120)
    assert done.returncode == 1, done.stderr
    events = [(int(pid), event) for pid, event in
              (line.split() for line in log.read_text().splitlines())]
    return json.loads(done.stdout), events


@needs_fork
@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_batch_imports_the_engine_once_not_once_per_file(
    make_workbook: MakeWorkbook, tmp_path: Path, jobs: str
) -> None:
    for number in range(6):
        make_workbook(BAD if number == 3 else CLEAN, name=f"team/{number}.xlsx")
    report, events = _traced_run(tmp_path, "validate", str(tmp_path / "team"), "--jobs", jobs)
    assert [item["status"] for item in report["files"]] == [
        "ok", "ok", "ok", "findings", "ok", "ok"]
    (parent,) = {pid for pid, event in events if event == "start"}
    assert [event for pid, event in events if pid == parent] == [
        "start", "engine", *["fork"] * 6]  # the engine first, then one child a file
    assert [pid for pid, event in events if event == "engine"] == [parent]


@needs_fork
def test_the_child_of_a_single_file_imports_the_engine_while_reading_it(
    make_workbook: MakeWorkbook, tmp_path: Path
) -> None:
    path = make_workbook(BAD, name="bad.xlsx")
    report, events = _traced_run(tmp_path, "score", str(path))
    assert [item["status"] for item in report["files"]] == ["findings"]
    (parent,) = {pid for pid, event in events if event == "start"}
    assert [event for pid, event in events if pid == parent] == ["start", "fork"]
    (importer,) = [pid for pid, event in events if event == "engine"]
    assert importer != parent


@pytest.mark.parametrize(("lang", "pace"), [("zh", "个文件/秒，剩余 0:00:00"),
                                            ("en", "files/s, 0:00:00 left")])
def test_a_batch_on_a_terminal_shows_files_a_second_and_the_time_left(
    make_workbook: MakeWorkbook, tmp_path: Path, lang: str, pace: str
) -> None:
    for number in range(4):
        make_workbook(CLEAN, name=f"team/{number}.xlsx")
    # rich takes TTY_COMPATIBLE as the answer to "is stderr a terminal?".
    done = subprocess.run(
        [sys.executable, "-m", "chantool", "validate", str(tmp_path / "team"), "--lang", lang,
         "--jobs", "2"],
        capture_output=True, text=True, check=False, timeout=60,
        env={**os.environ, "TTY_COMPATIBLE": "1", "COLUMNS": "200"})
    assert done.returncode == 0, done.stderr
    assert "4/4" in done.stderr
    assert pace in done.stderr  # the last frame: every file done, nothing left
    assert pace not in done.stdout


def test_children_started_by_spawn_as_on_windows_give_the_same_report(
    make_workbook: MakeWorkbook, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    paths = [make_workbook(BAD if number == 1 else CLEAN, name=f"team/{number}.xlsx")
             for number in range(3)]
    jobs = plan_jobs([*paths, tmp_path / "team" / "missing.xlsx"])
    options = Options(as_of=AS_OF, jobs=2)
    forked = [validate_files(jobs, options), score_files(jobs, options)]
    monkeypatch.setattr(isolation, "_forking", lambda: False)
    spawned = [validate_files(jobs, options), score_files(jobs, options)]
    assert [report.to_dict() for report in spawned] == [report.to_dict() for report in forked]
    assert [result.status for result in spawned[1].files] == [
        "ok", "findings", "ok", "unreadable"]


@needs_fork
def test_a_batch_of_more_files_than_handles_a_process_may_open_runs_to_the_end() -> None:
    # Each child's pipes are closed once it is gone, not when the batch ends: with 1024
    # handles allowed (Linux's default; 256 on macOS), a folder of 1000 files must run.
    import resource  # not on Windows, where this module's other tests run too

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    allowed = len(os.listdir("/proc/self/fd" if Path("/proc").exists() else "/dev/fd")) + 40
    results: list[object] = []
    resource.setrlimit(resource.RLIMIT_NOFILE, (allowed, hard))
    try:
        isolation.run_isolated(len, ["x" * size for size in range(100)], limits=Limits(),
                               workers=2, done=lambda job, result: results.append(result))
    finally:
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
    assert sorted(results) == list(range(100))  # type: ignore[type-var]


@needs_fork
def test_a_result_larger_than_a_pipe_holds_arrives_whole() -> None:
    results: list[object] = []
    sizes = [0, 1, 65_536, 3 << 20]
    isolation.run_isolated(lambda size: "x" * size, sizes, limits=Limits(), workers=2,
                           done=lambda job, result: results.append((job, result)))
    assert sorted(results) == [(size, "x" * size) for size in sizes]  # type: ignore[type-var]


@needs_fork
@pytest.mark.parametrize(("workers", "files", "busy"),
                         [(2, 3, True), (2, 2, True), (1, 3, False), (2, 1, False)])
def test_a_child_knows_whether_the_batch_keeps_every_core_busy(
    workers: int, files: int, busy: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(isolation, "default_jobs", lambda: 2)  # two cores
    results: list[object] = []
    isolation.run_isolated(lambda _: isolation.crowded(), range(files), limits=Limits(),
                           workers=workers, done=lambda job, result: results.append(result))
    assert results == [busy] * files
    assert not isolation.crowded()  # the batch's own process is no child


@needs_fork
def test_no_child_outlives_a_batch_that_stops(tmp_path: Path) -> None:
    def task(name: str) -> str:
        if name == "slow":
            (tmp_path / "slow.pid").write_text(str(os.getpid()))
            time.sleep(60)
        return name

    def done(job: str, result: object) -> None:
        while not (tmp_path / "slow.pid").exists():
            time.sleep(0.01)
        raise KeyboardInterrupt  # the user stops the batch while "slow" still runs

    with pytest.raises(KeyboardInterrupt):
        isolation.run_isolated(task, ["slow", "fast"], limits=Limits(), workers=2, done=done)
    pid = int((tmp_path / "slow.pid").read_text())
    with pytest.raises(ChildProcessError):  # killed and reaped: no zombie left either
        os.waitpid(pid, os.WNOHANG)
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)


@pytest.mark.parametrize("output", ["text", "json"])
def test_files_drawn_in_their_processes_give_the_output_drawn_in_the_batchs(
    make_workbook: MakeWorkbook, tmp_path: Path, output: Output
) -> None:
    # Each file's process draws its part of the output (render.drawn); the text and the
    # JSON must be exactly those the batch's process draws from the plain results.
    paths = [make_workbook(BAD if number == 1 else CLEAN, name=f"team/{number}.xlsx")
             for number in range(3)]
    jobs = plan_jobs([*paths, tmp_path / "team" / "missing.xlsx"])
    plain = Options(as_of=AS_OF, jobs=2, listing_rows=None if output == "json" else TEXT_ROWS)
    drawn = replace(plain, output=output)
    for run in (validate_files, score_files):
        reports = [run(jobs, plain), run(jobs, drawn)]
        assert all(result.scores is None and (result.json if output == "json" else
                                              result.drawn) is not None
                   for result in reports[1].files)
        if output == "json":
            assert to_json(reports[1]) == json.dumps(reports[0].to_dict(), ensure_ascii=False,
                                                     indent=2)
        else:
            assert to_text(reports[1], "zh") == to_text(reports[0], "zh")
        assert [result.status for result in reports[1].files] == [
            "ok", "findings", "ok", "unreadable"]
