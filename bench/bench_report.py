"""Benchmark: ``chantool report`` of each kind on the workbook of ``bench_score.py``
(100,000 visits and 100,000 sales lines, 5,000 channels), against ``chantool score`` on
the same file.

Runs, each in its own process and taking turns, ``chantool score`` (text output) and
``chantool report KIND`` for the four kinds, and reports the median wall times and the
peak memory (max RSS). Target (issue 11): each report at most 1.5x the time of ``score``.

    python bench/bench_report.py [--rows 100000] [--repeat 5] [--out bench/out]
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

from bench_score import AS_OF, generate
from bench_validate import compile_package, measure

from chantool.settings import REPORT_KINDS

TARGET = 1.5


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--out", type=Path, default=Path("bench/out"))
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / f"score_{args.rows}.xlsx"
    generate(path, args.rows)
    print(f"{path}: {args.rows} visits, {args.rows} sales lines")
    compile_package()
    chantool = [sys.executable, "-m", "chantool"]
    commands = {"score": [*chantool, "score", str(path), "--as-of", AS_OF.isoformat()]}
    for kind in REPORT_KINDS:
        commands[f"report {kind}"] = [*chantool, "report", kind, str(path), "--as-of",
                                      AS_OF.isoformat(), "--out", str(args.out / "reports")]
    runs: dict[str, list[tuple[float, float]]] = {name: [] for name in commands}
    for _ in range(args.repeat):
        for name, command in commands.items():
            runs[name].append(measure(command))
    walls = {name: statistics.median(w for w, _ in measured) for name, measured in runs.items()}
    for name, measured in runs.items():
        print(f"{name:18s} wall {walls[name]:6.2f} s   x{walls[name] / walls['score']:4.2f}   "
              f"peak {max(m for _, m in measured):6.0f} MiB   (median of {args.repeat})")
    slowest = max(walls[f"report {kind}"] for kind in REPORT_KINDS) / walls["score"]
    print(f"slowest report: {slowest:.2f}x score (target <= {TARGET}x)")
    sys.exit(0 if slowest <= TARGET else 1)


if __name__ == "__main__":
    main()
