"""Benchmark: ``validate`` and ``score`` over a folder of 600 small workbooks.

Copies the three workbooks of ``examples/`` the issue copied (``ISSUE_EXAMPLES``; with
``--all-examples`` every workbook there, the May ones added later too) 200 times into one
folder, byte-compiles chantool as installing it does, then runs, each in its own process
and taking turns: a one-process python-calamine read of every sheet of every file,
``chantool validate`` and ``chantool score`` with the default jobs (one a core) and with
``--jobs 1``. It reports the median wall and processor times and the peak memory of the
whole run, its process and all the children together (sampled from /proc, Linux only, in
one more run of each: sampling takes processor time, so the timed runs are not sampled).
Targets (issue 15):
default jobs <= 4x the plain read; on two cores the default at least 1.8x faster than
``--jobs 1``.

    python bench/bench_folder.py [--copies 200] [--repeat 3] [--out bench/out] [--all-examples]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import NamedTuple

from bench_validate import adopted, adopting, compile_package

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
PLAIN_READ = (
    "import sys, pathlib, python_calamine\n"
    "for path in sorted(pathlib.Path(sys.argv[1]).iterdir()):\n"
    "    wb = python_calamine.CalamineWorkbook.from_path(str(path))\n"
    "    for meta in wb.sheets_metadata:\n"
    "        wb.get_sheet_by_name(meta.name).to_python(skip_empty_area=False)\n"
)
AS_OF = "2025-06-30"
# Reading a process's PSS walks its page tables: sampled often, it would slow the run.
SAMPLE_SECONDS = 0.02
# The examples issue 15's folder was made of (600 files: these three, 200 times each).
ISSUE_EXAMPLES = ("宁波办事处_渠道台账_2025年6月.xlsx", "浙江省_渠道台账_2025Q2.xlsx",
                  "温州办事处_拜访日志_2025年6月.xlsx")


def build_folder(folder: Path, copies: int, examples: list[Path]) -> int:
    """The folder of ``copies`` copies of each of ``examples``; returns how many files."""
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    for number in range(copies):
        for example in examples:
            shutil.copyfile(example, folder / f"{number:03d}_{example.name}")
    return copies * len(examples)


def _tree(pid: int) -> list[int]:
    """``pid`` and all its descendants alive now."""
    found = [pid]
    for parent in found:
        try:
            for task in os.listdir(f"/proc/{parent}/task"):
                children = Path(f"/proc/{parent}/task/{task}/children").read_text()
                found.extend(int(child) for child in children.split())
        except OSError:  # it ended while being looked at
            continue
    return found


def _memory_kib(pid: int) -> tuple[int, int]:
    """The resident and the proportional set size of one process (KiB; 0 once it ended):
    forked children share their parent's pages, which RSS counts in each and PSS once."""
    try:
        rollup = Path(f"/proc/{pid}/smaps_rollup").read_text()
    except OSError:
        return 0, 0
    fields = dict(line.split(":", 1) for line in rollup.splitlines()[1:])
    return int(fields["Rss"].split()[0]), int(fields["Pss"].split()[0])


class Run(NamedTuple):
    wall: float  # seconds
    cpu: float  # seconds of processor time, the process and all its children
    rss: float  # peak MiB, summed over the process tree
    pss: float


def measure(command: list[str], *, sampled: bool = True) -> Run:
    """One run of ``command``: its wall and processor time, and with ``sampled`` the peak
    summed RSS and PSS of it and its children. Sampling reads every process's page tables
    every ``SAMPLE_SECONDS``: on two cores that took processor time from the run, more
    from two jobs than from one, so a run that is timed is not sampled; unsampled, ``rss``
    is the peak of its largest process and ``pss`` 0."""
    before = adopting()
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL)
    rss = pss = 0
    while True:
        # wait4's usage counts the children the command waited for: all of them.
        pid, status, usage = os.wait4(process.pid, os.WNOHANG if sampled else 0)
        if pid:
            break
        sizes = [_memory_kib(pid) for pid in _tree(process.pid)]
        rss = max(rss, sum(size for size, _ in sizes))
        pss = max(pss, sum(size for _, size in sizes))
        time.sleep(SAMPLE_SECONDS)
    wall = time.perf_counter() - started
    process.returncode = code = os.waitstatus_to_exitcode(status)
    if code not in (0, 1):
        raise SystemExit(f"{command[:4]} exited with {code}")
    cpu, peak = adopted(before)
    if not sampled:
        rss = max(usage.ru_maxrss, peak)  # KiB on Linux
    return Run(wall, usage.ru_utime + usage.ru_stime + cpu, rss / 1024, pss / 1024)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--copies", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--out", type=Path, default=Path("bench/out"))
    parser.add_argument("--all-examples", action="store_true")
    args = parser.parse_args()
    folder = args.out / "folder"
    examples = (sorted(EXAMPLES.glob("*.xlsx")) if args.all_examples
                else [EXAMPLES / name for name in ISSUE_EXAMPLES])
    files = build_folder(folder, args.copies, examples)
    print(f"{folder}: {files} workbooks, {args.copies} copies of each of "
          f"{', '.join(example.name for example in examples)}")
    compile_package()
    chantool = [sys.executable, "-m", "chantool"]
    commands = {"plain calamine read": [sys.executable, "-c", PLAIN_READ, str(folder)]}
    for work in ("validate", "score"):
        commands[work] = [*chantool, work, str(folder), "--as-of", AS_OF]
        commands[f"{work} --jobs 1"] = [*commands[work], "--jobs", "1"]
    # The commands take turns, so that a slower spell of a shared machine weighs on all;
    # the timed runs are not sampled, the peaks come from one more sampled run of each.
    runs: dict[str, list[Run]] = {name: [] for name in commands}
    for _ in range(args.repeat):
        for name, command in commands.items():
            runs[name].append(measure(command, sampled=False))
    peaks = {name: measure(command) for name, command in commands.items()}
    wall = {name: statistics.median(run.wall for run in measured)
            for name, measured in runs.items()}
    cpu = {name: statistics.median(run.cpu for run in measured)
           for name, measured in runs.items()}
    for name in runs:
        print(f"{name:20s} wall {wall[name]:6.2f} s   cpu {cpu[name]:6.2f} s   peak RSS "
              f"{peaks[name].rss:4.0f} MiB, PSS {peaks[name].pss:4.0f} MiB   (medians of "
              f"{args.repeat}; peaks of one more run, sampled)")
    cores = os.cpu_count() or 1
    met = True
    for work in ("validate", "score"):
        ratio = wall[work] / wall["plain calamine read"]
        speedup = wall[f"{work} --jobs 1"] / wall[work]
        # On a machine others keep busy the wall times say little: the processor time
        # over the cores is what the run would take on a free machine.
        print(f"{work}: {ratio:.2f}x the plain read (target <= 4x; processor time over "
              f"{cores} cores: {cpu[work] / cores / cpu['plain calamine read']:.2f}x); "
              f"{cores} jobs {speedup:.2f}x faster than --jobs 1 (target >= 1.8x on 2 cores)")
        met = met and ratio <= 4 and (cores < 2 or speedup >= 1.8)
    sys.exit(0 if met else 1)


if __name__ == "__main__":
    main()
