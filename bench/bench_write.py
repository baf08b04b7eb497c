"""Benchmark: writing result columns for N rows back into a workbook file.

Generates the visit sheet of ``bench_validate.py`` (N rows, default 100,000), then, in a
fresh process and several times, writes three result columns for every row (text and
numbers) plus a mark on every hundredth row through chantool's byte-preserving writer,
and reports the median wall time and the peak memory. Targets (issue: safe files):
<= 3 s and <= 500 MB. With ``--openpyxl`` it also times an openpyxl load-and-save of the
same file, for comparison.

    python bench/bench_write.py [--rows 100000] [--repeat 3] [--openpyxl]
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from bench_validate import compile_package, generate, measure

WRITE = """
import sys
from pathlib import Path
from chantool.findings import Severity
from chantool.io.writer import write_plan
from chantool.results import Mark, ResultColumn, SheetResults, WritePlan

rows = int(sys.argv[3])
numbers = range(2, rows + 2)
columns = (
    ResultColumn("评分", {row: row % 101 for row in numbers}),
    ResultColumn("本周拜访", {row: row % 7 for row in numbers}),
    ResultColumn("状态", {row: "达标" if row % 3 else "未达标" for row in numbers}),
)
marks = tuple(Mark(f"B{row}", Severity.WARNING, "示例标记") for row in numbers[::100])
plan = WritePlan((SheetResults("拜访日志", 1, columns, marks),), ())
write_plan(Path(sys.argv[1]), Path(sys.argv[2]), plan)
"""

OPENPYXL = """
import sys, openpyxl
openpyxl.load_workbook(sys.argv[1]).save(sys.argv[2])
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--out", type=Path, default=Path("bench/out"))
    parser.add_argument("--openpyxl", action="store_true")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    source = args.out / f"visits_{args.rows}.xlsx"
    generate(source, args.rows)
    compile_package()
    target = args.out / "written.xlsx"
    commands = {"chantool writer": [sys.executable, "-c", WRITE, str(source), str(target),
                                    str(args.rows)]}
    if args.openpyxl:
        commands["openpyxl load+save"] = [sys.executable, "-c", OPENPYXL, str(source),
                                          str(target)]
    results = {}
    for name, command in commands.items():
        runs = [measure(command) for _ in range(args.repeat)]
        results[name] = (statistics.median(w for w, _ in runs), max(m for _, m in runs))
        print(f"{name:20s} wall {results[name][0]:6.2f} s   peak {results[name][1]:6.0f} MiB")
    wall, peak = results["chantool writer"]
    print(f"chantool writer: {wall:.2f} s (target <= 3 s), peak {peak:.0f} MiB "
          "(target <= 500 MiB)")
    sys.exit(0 if wall <= 3 and peak <= 500 else 1)


if __name__ == "__main__":
    main()
