"""Benchmark: ``chantool validate`` against a plain python-calamine read of the same file.

Generates a visit sheet (拜访日志) of N rows with about 1% bad cells, then runs, each in
its own process and several times, a plain calamine read of every row, ``chantool
validate`` and ``chantool validate --mark --out DIR`` (which also writes the check
column, the marks, the notes and the Issues sheet, and verifies the written file), and
reports the median wall time, the peak memory (max RSS) and the ratios. Targets:
validate <= 1.5x the plain read (issue: foundation), validate --mark --out <= 2x
(issue 12); peak <= 400 MB for both.

    python bench/bench_validate.py [--rows 100000] [--repeat 15] [--out bench/out]
"""

from __future__ import annotations

import argparse
import ctypes
import os
import random
import statistics
import subprocess
import sys
import time
from datetime import date, datetime, timedelta
from pathlib import Path

import xlsxwriter

HEADER = ["拜访日期", "客户经理", "渠道编码", "拜访对象", "拜访形式", "达成目的数",
          "是否达成一致", "未达成原因", "后续计划", "跟进截止日期", "签到时间", "签退时间",
          "跟进完成日期"]
# 2,000 managers over 170 days: a few visits a manager a day, as in real visit logs.
MANAGERS = [f"经理{number:04d}" for number in range(2000)]
ROLES = ["销售人员", "客服经理", "渠道负责人"]
FORMS = ["现场面谈", "电话", "培训", "会议", "辅导"]
# Values that chantool must report, one kind per column type.
BAD: dict[int, list[object]] = {
    0: ["2025/13/45", "上周三", "#N/A"],
    3: ["老板娘"],
    4: ["上门"],
    5: [7, "三个"],
    6: ["也许"],
    10: ["25:99"],
}

_PR_SET_CHILD_SUBREAPER = 36  # prctl's option (linux/prctl.h)

PLAIN_READ = (
    "import sys, python_calamine\n"
    "wb = python_calamine.CalamineWorkbook.from_path(sys.argv[1])\n"
    "rows = wb.get_sheet_by_name('拜访日志').to_python(skip_empty_area=False)\n"
    "print(len(rows))\n"
)


def generate(path: Path, rows: int, seed: int = 7) -> int:
    """Write the visit sheet; returns how many cells were made bad on purpose."""
    rng = random.Random(seed)
    workbook = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    sheet = workbook.add_worksheet("拜访日志")
    date_format = workbook.add_format({"num_format": "yyyy-mm-dd"})
    time_format = workbook.add_format({"num_format": "hh:mm"})
    sheet.write_row(0, 0, HEADER)
    start = date(2025, 1, 1)
    bad = 0
    slots: dict[tuple[str, date], int] = {}  # a manager's visits that day so far
    for row in range(1, rows + 1):
        day = start + timedelta(days=rng.randrange(170))
        manager = rng.choice(MANAGERS)
        slot = slots[manager, day] = slots.get((manager, day), -1) + 1
        check_in = (8 * 60 + 70 * slot + rng.randrange(15)) / 1440  # one visit an hour or so
        agreed = rng.random() < 0.8
        values: list[object] = [
            day, manager, f"CH{rng.randrange(1, 2000):05d}", rng.choice(ROLES),
            rng.choice(FORMS), rng.randrange(6), "是" if agreed else "否",
            None if agreed else "价格分歧", None if agreed else "下周再访",
            None if agreed else day + timedelta(days=7),
            check_in, check_in + (30 + rng.randrange(25)) / 1440,
            None if agreed else day + timedelta(days=rng.randrange(1, 8)),
        ]
        if rng.random() < 0.12:  # ~1% of all cells: one bad cell in 12% of the rows
            column = rng.choice(list(BAD))
            values[column] = rng.choice(BAD[column])
            bad += 1
        for column, value in enumerate(values):
            if value is None:
                continue
            if isinstance(value, date):
                sheet.write_datetime(row, column, datetime.combine(value, datetime.min.time()),
                                     date_format)
            elif column in (10, 11) and isinstance(value, float):
                sheet.write_number(row, column, value, time_format)
            else:
                sheet.write(row, column, value)
    workbook.close()
    return bad


def compile_package() -> None:
    """Byte-compile chantool, as installing a package does: where no bytecode is written
    (PYTHONDONTWRITEBYTECODE), every run would compile it again."""
    import compileall

    import chantool

    compileall.compile_dir(Path(chantool.__file__).parent, quiet=1)


def measure(command: list[str]) -> tuple[float, float]:
    """Wall seconds and peak resident MiB (of its largest process) of one run of
    ``command``."""
    before = adopting()
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    code = os.waitstatus_to_exitcode(status)
    if code not in (0, 1):
        raise SystemExit(f"{command[:3]} exited with {code}")
    return wall, max(usage.ru_maxrss, adopted(before)[1]) / 1024


def adopting() -> set[int]:
    """Make this process the one its orphaned descendants go to (Linux's child subreaper),
    and return its children now. chantool's batch does not wait for a file's child that
    sent its result to end: when the command ends first, that child becomes this
    process's, and ``adopted`` waits for it, so that its time and memory count (wait4's
    usage of the command counts only the children it waited for). A measured command must
    leave no process running for good (a server): ``adopted`` would wait for it."""
    if ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_CHILD_SUBREAPER)")
    return _children()


def adopted(before: set[int]) -> tuple[float, int]:
    """The processor seconds and the largest peak (KiB) of the children this process
    took in since ``before`` (``adopting``), once each has ended."""
    cpu, peak = 0.0, 0
    for pid in _children() - before:
        _, _, usage = os.wait4(pid, 0)
        cpu += usage.ru_utime + usage.ru_stime
        peak = max(peak, usage.ru_maxrss)
    return cpu, peak


def _children() -> set[int]:
    own = os.getpid()
    return {int(child) for task in os.listdir(f"/proc/{own}/task")
            for child in Path(f"/proc/{own}/task/{task}/children").read_text().split()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    # On a shared machine single runs vary by 10-20 %: the median of many is what counts.
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--out", type=Path, default=Path("bench/out"))
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / f"visits_{args.rows}.xlsx"
    bad = generate(path, args.rows)
    print(f"{path}: {args.rows} rows x {len(HEADER)} columns, {bad} bad cells")
    compile_package()

    commands = {
        "plain calamine read": [sys.executable, "-c", PLAIN_READ, str(path)],
        "chantool validate": [sys.executable, "-m", "chantool", "validate", str(path),
                              "--as-of", "2025-12-31"],
        "validate --mark --out": [sys.executable, "-m", "chantool", "validate", str(path),
                                  "--as-of", "2025-12-31", "--mark", "--out",
                                  str(args.out / "marked")],
    }
    # The two commands take turns, so that a slower spell of a shared machine weighs on
    # both alike; the medians are compared.
    runs: dict[str, list[tuple[float, float]]] = {name: [] for name in commands}
    for _ in range(args.repeat):
        for name, command in commands.items():
            runs[name].append(measure(command))
    results = {}
    for name, measured in runs.items():
        results[name] = (statistics.median(w for w, _ in measured), max(m for _, m in measured))
        print(f"{name:22s} wall {results[name][0]:6.2f} s   peak {results[name][1]:6.0f} MiB")
    read_wall = results["plain calamine read"][0]
    met = True
    for name, target in (("chantool validate", 1.5), ("validate --mark --out", 2.0)):
        wall, peak = results[name]
        ratio = wall / read_wall
        print(f"{name} / plain read: {ratio:.2f}x (target <= {target}x); peak {peak:.0f} MiB "
              f"(target <= 400 MiB)")
        met = met and ratio <= target and peak <= 400
    sys.exit(0 if met else 1)


if __name__ == "__main__":
    main()
