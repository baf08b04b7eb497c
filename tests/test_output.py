"""Putting results on disk: --in-place keeps a backup and respects Excel's lock file,
--out mirrors the inputs, and neither an interruption nor a failed check ever leaves a
damaged workbook or a temporary file behind."""

from __future__ import annotations

import contextlib
import errno
import json
import os
import random
import resource
import shutil
import signal
import subprocess
import sys
import time
import zipfile
from collections.abc import Callable
from datetime import date
from functools import partial
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import xlwings
from click.testing import CliRunner

from chantool import check
from chantool.batch import Job, Options, TargetClash, load, plan_jobs, validate_files
from chantool.cli import cli
from chantool.io.output import OutputError, backup_path, temporary_path
from chantool.io.writer import write_plan
from chantool.settings import Limits
from tests.conftest import MakeWorkbook, needs_fork
from tests.test_cli import CHANNEL_HEADER, GOOD_CHANNEL

AS_OF = date(2025, 6, 30)
# An empty name and an unknown tier: two errors on row 3.
BAD_CHANNEL = ["CH002", "", "直供", "V9", "一般", "东区", "张伟", "2025-03-05"]


@pytest.fixture
def book(make_workbook: MakeWorkbook) -> Path:
    return make_workbook({"渠道档案": [CHANNEL_HEADER, GOOD_CHANNEL, BAD_CHANNEL]},
                         name="work/book.xlsx")


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["validate", *args, "--as-of", AS_OF.isoformat()])
    return result.exit_code, result.output


def has_results(path: Path, lang: str = "zh") -> bool:
    """The workbook opens and holds chantool's Issues sheet and result column."""
    issues, column = ("校验结果", "校验结果") if lang == "zh" else ("Issues", "Check")
    workbook = openpyxl.load_workbook(path)
    header = [cell.value for cell in workbook["渠道档案"][1]]
    return issues in workbook.sheetnames and header[-1] == column


def leftovers(folder: Path) -> list[str]:
    """Temporary files chantool left anywhere below ``folder``."""
    return sorted(p.name for p in folder.rglob("*") if p.name.endswith(".chantool-tmp"))


def listing(folder: Path) -> list[str]:
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*"))


# --- --in-place: backup and Excel's lock file -------------------------------------------

def test_in_place_keeps_a_byte_identical_backup_and_writes_the_results(book: Path) -> None:
    original = book.read_bytes()
    code, _ = run(str(book), "--in-place", "--mark")
    assert code == 1
    assert book.with_name("book.xlsx.bak").read_bytes() == original
    assert book.read_bytes() != original
    assert has_results(book)
    assert listing(book.parent) == ["book.xlsx", "book.xlsx.bak"]


@pytest.mark.parametrize(("name", "lock", "lang", "says"), [
    ("book.xlsx", "~$book.xlsx", "zh", "Excel 正在打开此文件"),
    # Excel drops the first two characters of long names in its lock file's name.
    ("channels_2025_east.xlsx", "~$annels_2025_east.xlsx", "en", "the file is open in Excel"),
])
def test_in_place_refuses_a_file_open_in_excel_and_still_writes_the_others(
    make_workbook: MakeWorkbook, name: str, lock: str, lang: str, says: str
) -> None:
    locked = make_workbook({"渠道档案": [CHANNEL_HEADER, GOOD_CHANNEL]}, name=f"work/{name}")
    other = make_workbook({"渠道档案": [CHANNEL_HEADER, GOOD_CHANNEL]}, name="work/other.xlsx")
    (locked.parent / lock).write_bytes(b"\x05zhang wei")  # Excel's lock holds the user name
    before = locked.read_bytes()
    code, output = run(str(locked), str(other), "--in-place", "--mark", "--format", "json",
                       "--lang", lang, "--jobs", "2")
    assert code == 1  # the refusal is an error finding: the workbook itself was read
    first, second = json.loads(output)["files"]
    assert first["status"] == "findings"
    (finding,) = first["findings"]
    assert (finding["code"], finding["severity"]) == ("not_written", "error")
    assert says in finding["message"] and lock in finding["message"]
    assert locked.read_bytes() == before
    assert not backup_path(locked).exists()
    assert second["status"] == "ok"
    assert has_results(other, lang) and backup_path(other).exists()
    assert leftovers(locked.parent) == []


def test_out_is_not_refused_for_a_file_open_in_excel(book: Path, tmp_path: Path) -> None:
    (book.parent / "~$book.xlsx").write_bytes(b"owner")
    before = book.read_bytes()
    code, _ = run(str(book), "--out", str(tmp_path / "out"))
    assert code == 1
    assert has_results(tmp_path / "out" / "book.xlsx")
    assert book.read_bytes() == before


# --- interruptions: the original is intact and nothing temporary remains -----------------

def _fault_while_writing(book: Path, error: BaseException, monkeypatch: pytest.MonkeyPatch) -> None:
    def half_written(source: Path, target: Path, plan: Any) -> None:
        target.write_bytes(source.read_bytes()[:100])
        raise error

    monkeypatch.setattr(check, "write_plan", half_written)


def _fault_while_verifying(book: Path, error: BaseException,
                           monkeypatch: pytest.MonkeyPatch) -> None:
    def verify(*args: object) -> None:
        raise error

    monkeypatch.setattr(check, "verify_written", verify)


def _fault_while_copying_the_backup(book: Path, error: BaseException,
                                    monkeypatch: pytest.MonkeyPatch) -> None:
    def copy2(source: Path, target: Path) -> None:
        Path(target).write_bytes(b"PK\x03\x04 half a backup")
        raise error

    monkeypatch.setattr(shutil, "copy2", copy2)


def _fault_on_replace(destination: Callable[[Path], Path]) -> Callable[..., None]:
    def install(book: Path, error: BaseException, monkeypatch: pytest.MonkeyPatch) -> None:
        real = os.replace

        def replace(source: Any, target: Any) -> None:
            if Path(target) == destination(book):
                raise error
            real(source, target)

        monkeypatch.setattr(os, "replace", replace)

    return install


STAGES: dict[str, Callable[..., None]] = {
    "writing": _fault_while_writing,
    "verifying": _fault_while_verifying,
    "copying the backup": _fault_while_copying_the_backup,
    "replacing the backup": _fault_on_replace(backup_path),
    "replacing the workbook": _fault_on_replace(lambda book: book),
}
ERRORS = {
    "Ctrl-C": KeyboardInterrupt(),
    "disk full": OSError(errno.ENOSPC, "No space left on device"),
}


@pytest.mark.parametrize("error_name", ERRORS)
@pytest.mark.parametrize("stage", STAGES)
def test_interruption_at_any_stage_keeps_the_original_and_no_temporary_file(
    book: Path, stage: str, error_name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    original = book.read_bytes()
    error = ERRORS[error_name]
    options = Options(as_of=AS_OF, jobs=1)
    STAGES[stage](book, error, monkeypatch)
    work = partial(check.check_file, Job(book, book), options, partial(load, book, options),
                   mark=True)
    if isinstance(error, KeyboardInterrupt):
        with pytest.raises(KeyboardInterrupt):
            work()
    else:
        result = work()
        assert result.findings[-1].code == "not_written"
        assert "No space left on device" in result.findings[-1].message
    assert book.read_bytes() == original
    assert leftovers(book.parent) == []
    backup = backup_path(book)
    assert not backup.exists() or backup.read_bytes() == original


def _abort() -> None:
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))  # no core file in the test's folder
    os.abort()


def _hang() -> None:
    time.sleep(30)


@needs_fork
@pytest.mark.parametrize("death", ["abort", "time limit"])
@pytest.mark.parametrize("stage", ["writing", "copying the backup"])
def test_a_child_dying_mid_write_leaves_the_original_and_no_temporary_file(
    book: Path, stage: str, death: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    original = book.read_bytes()
    die = _abort if death == "abort" else _hang
    if stage == "writing":
        real_write = write_plan

        def write(source: Path, target: Path, plan: Any) -> Any:
            real_write(source, target, plan)
            die()

        monkeypatch.setattr(check, "write_plan", write)
    else:
        real_copy = shutil.copy2

        def copy2(source: Path, target: Path) -> Any:
            real_copy(source, target)
            die()

        monkeypatch.setattr(shutil, "copy2", copy2)
    options = Options(as_of=AS_OF, jobs=1, limits=Limits(seconds=1))
    started = time.monotonic()
    (result,) = validate_files(plan_jobs([book], in_place=True), options, mark=True).files
    assert time.monotonic() - started < 6
    assert result.status == "unreadable"
    assert book.read_bytes() == original
    assert leftovers(book.parent) == []
    assert not backup_path(book).exists()


def _group_alive(group: int) -> bool:
    """Whether a process of ``group`` still runs (zombies do not: they write nothing)."""
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[2]) == group and fields[0] != "Z":
            return True
    return False


def _mark_in_place_here(book: Path) -> None:
    """What the command below does to ``book``, in this process."""
    options = Options(as_of=AS_OF, jobs=1)
    check.check_file(Job(book, book), options, partial(load, book, options), mark=True)


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs Linux's /proc")
def test_sigkill_at_a_random_moment_leaves_the_original_or_the_complete_result(
    make_workbook: MakeWorkbook, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rows = [[f"CH{n:04d}", "店", "直供", "V9" if n % 3 else "V1", "重点", "东区", "张伟",
             "2025-03-01"] for n in range(2000)]
    book = make_workbook({"渠道档案": [CHANNEL_HEADER, *rows]}, name="kill/book.xlsx")
    original = book.read_bytes()
    # The result to expect, and how long writing it takes (write, verify, back up, replace).
    reference = tmp_path / "reference" / book.name
    reference.parent.mkdir()
    shutil.copy(book, reference)
    real_write = write_plan
    writing: list[float] = []

    def timed_write(*args: Any) -> Any:
        writing.append(time.monotonic())
        return real_write(*args)

    with monkeypatch.context() as patch:
        patch.setattr(check, "write_plan", timed_write)
        _mark_in_place_here(reference)
    window = time.monotonic() - writing[0] + 0.05
    result = reference.read_bytes()
    assert result != original and has_results(reference)

    command = [sys.executable, "-m", "chantool", "validate", str(book), "--mark", "--in-place",
               "--as-of", AS_OF.isoformat(), "--jobs", "1"]
    environment = {**os.environ, "CHANTOOL_LOG": str(tmp_path / "chantool.log")}
    # Each kill lands at a random moment from when the child for the file starts writing
    # (its temporary file appears) to past the end of the run.
    delays = sorted(random.uniform(0, window) for _ in range(5))
    outcomes = []
    for delay in delays:
        book.write_bytes(original)
        for stale in (backup_path(book), temporary_path(book),
                      temporary_path(backup_path(book))):
            stale.unlink(missing_ok=True)
        process = subprocess.Popen(command, env=environment, start_new_session=True,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        while not temporary_path(book).exists() and process.poll() is None:
            time.sleep(0.001)
        assert process.returncode in (None, 1), "the run ended before it wrote anything"
        time.sleep(delay)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)  # the CLI and its child for the file
        process.wait()
        deadline = time.monotonic() + 5
        while _group_alive(process.pid) and time.monotonic() < deadline:
            time.sleep(0.01)
        now = book.read_bytes()
        assert now in (original, result), f"half-written after a kill at +{delay:.3f} s"
        backup = backup_path(book)
        assert not backup.exists() or backup.read_bytes() == original, f"at +{delay:.3f} s"
        outcomes.append("result" if now == result else "original")

    # Whatever temporary files a kill left behind, the next run removes them.
    book.write_bytes(original)
    for stale in (temporary_path(book), temporary_path(backup_path(book))):
        stale.write_bytes(b"PK\x03\x04 cut short")
    _mark_in_place_here(book)
    assert book.read_bytes() == result
    assert leftovers(book.parent) == [], outcomes


# --- --out -----------------------------------------------------------------------------

def _macro_workbook(path: Path) -> Path:
    source = Path(xlwings.__file__).parent / "quickstart.xlsm"
    workbook = openpyxl.load_workbook(source, keep_vba=True)
    sheet = workbook.create_sheet("渠道档案")
    for row in [CHANNEL_HEADER, GOOD_CHANNEL, BAD_CHANNEL]:
        sheet.append(row)
    path.parent.mkdir(parents=True, exist_ok=True)
    workbook.save(path)
    return path


def _part(path: Path, name: str) -> bytes:
    with zipfile.ZipFile(path) as archive:
        return archive.read(name)


def test_plan_jobs_mirrors_folders_under_out_and_puts_single_files_at_its_top(
    tmp_path: Path
) -> None:
    folder = tmp_path / "in"
    for name in ("a.xlsx", "team/east/b.xlsm", "team/~$c.xlsx", "loose.xlsm"):
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(b"")
    out = tmp_path / "out"
    jobs = plan_jobs([folder / "team", folder / "loose.xlsm"], out=out)
    assert [(job.path, job.target) for job in jobs] == [
        (folder / "team/east/b.xlsm", out / "east/b.xlsm"),
        (folder / "loose.xlsm", out / "loose.xlsm"),
    ]
    assert [job.target for job in plan_jobs([folder / "a.xlsx"])] == [None]
    assert [job.target for job in plan_jobs([folder / "a.xlsx"], in_place=True)] == [
        folder / "a.xlsx"]


def test_a_file_given_twice_is_checked_once_and_two_files_for_one_target_are_refused(
    tmp_path: Path
) -> None:
    for name in ("east/a.xlsx", "west/a.xlsx"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_bytes(b"")
    east, west = tmp_path / "east/a.xlsx", tmp_path / "west/a.xlsx"
    assert [job.path for job in plan_jobs([east, east, tmp_path / "east"])] == [east]
    with pytest.raises(TargetClash, match=r"a\.xlsx"):
        plan_jobs([east, west], out=tmp_path / "out")
    code, output = run(str(east), str(west), "--out", str(tmp_path / "out"))
    assert code == 2 and "都会写到" in output
    assert not (tmp_path / "out").exists()


def test_a_short_name_is_not_refused_for_the_lock_file_of_another_workbook(
    make_workbook: MakeWorkbook
) -> None:
    book = make_workbook({"渠道档案": [CHANNEL_HEADER, GOOD_CHANNEL]}, name="work/xyc.xlsx")
    (book.parent / "~$c.xlsx").write_bytes(b"owner of c.xlsx")
    code, _ = run(str(book), "--in-place")
    assert code == 0 and has_results(book, "zh")


def test_out_writes_same_names_and_extensions_with_folders_and_leaves_the_inputs_alone(
    make_workbook: MakeWorkbook, tmp_path: Path
) -> None:
    make_workbook({"渠道档案": [CHANNEL_HEADER, GOOD_CHANNEL, BAD_CHANNEL]}, name="in/a.xlsx")
    macro = _macro_workbook(tmp_path / "in" / "east" / "b.xlsm")
    single = make_workbook({"渠道档案": [CHANNEL_HEADER, GOOD_CHANNEL]}, name="single.xlsx")
    inputs = {path: path.read_bytes() for path in (tmp_path / "in").rglob("*")
              if path.is_file()} | {single: single.read_bytes()}
    before = listing(tmp_path / "in")
    out = tmp_path / "out"
    code, output = run(str(tmp_path / "in"), str(single), "--out", str(out), "--mark",
                       "--format", "json", "--jobs", "2")
    assert code == 1
    assert [f["status"] for f in json.loads(output)["files"]] == ["findings", "findings", "ok"]
    assert listing(out) == ["a.xlsx", "east", "east/b.xlsm", "single.xlsx"]
    assert all(has_results(out / name) for name in ("a.xlsx", "east/b.xlsm", "single.xlsx"))
    written = out / "east" / "b.xlsm"
    assert b"macroEnabled.main+xml" in _part(written, "[Content_Types].xml")
    assert _part(written, "xl/vbaProject.bin") == _part(macro, "xl/vbaProject.bin")
    assert {path: path.read_bytes() for path in inputs} == inputs
    assert listing(tmp_path / "in") == before  # no backup, no temporary file
    assert not backup_path(single).exists()


# --- a failed check of the written file --------------------------------------------------

@needs_fork
@pytest.mark.parametrize("mode", ["in place", "out"])
def test_failed_verification_keeps_the_original_and_reports_not_written(
    book: Path, tmp_path: Path, mode: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    def verify(*args: object) -> None:
        raise OutputError("cells_changed", sheet="渠道档案")

    monkeypatch.setattr(check, "verify_written", verify)  # inherited by the forked child
    original = book.read_bytes()
    out = tmp_path / "out"
    jobs = plan_jobs([book], in_place=True) if mode == "in place" else plan_jobs([book], out=out)
    report = validate_files(jobs, Options(as_of=AS_OF, jobs=1), mark=True)
    (result,) = report.files
    assert result.status == "findings"
    problem = result.findings[-1]
    assert problem.code == "not_written"
    assert "数据与原文件不一致" in problem.message
    assert [f.code for f in result.findings].count("not_written") == 1
    assert report.exit_code == 1
    assert book.read_bytes() == original
    assert listing(book.parent) == ["book.xlsx"]
    assert not (out / "book.xlsx").exists()
    assert leftovers(tmp_path) == []
    assert not temporary_path(out / "book.xlsx").exists()


@pytest.mark.parametrize(("command", "lang", "says"), [
    ("score", "zh", "要修改原文件请用 --in-place"),
    ("validate", "en", "use --in-place"),
])
def test_out_over_an_input_file_is_refused_before_anything_runs(
    book: Path, command: str, lang: str, says: str
) -> None:
    original = book.read_bytes()
    for paths, out in [([book], book.parent),                      # b.xlsx --out its folder
                       ([book.parent], book.parent),               # a folder into itself
                       ([book, book.parent / "sub"], book.parent / "sub")]:
        (book.parent / "sub").mkdir(exist_ok=True)
        shutil.copy(book, book.parent / "sub" / book.name)  # in/sub/book.xlsx is an input
        result = CliRunner().invoke(cli, [command, *map(str, paths), "--out", str(out),
                                          "--lang", lang, "--as-of", AS_OF.isoformat()])
        assert result.exit_code == 2, result.output
        assert says in result.output and "Traceback" not in result.output
        assert book.read_bytes() == original
        assert not backup_path(book).exists() and leftovers(book.parent) == []
