"""Benchmark: the engine under Pyodide (as xlwings Lite runs it) against CPython, on the
100k-visit sheet of bench_validate.py handed over as tables.

The sheet is read once here (python-calamine) and handed to both as the same JSON
tables (tests/pyodide/engine_run.py); each side then types the tables, validates,
scores and makes the JSON, taking turns ``--repeat`` times (CPython in this process,
Pyodide in a Node process of its own each time, tests/pyodide/run.mjs). Reported:
medians of each phase, the ratio, Pyodide's start (WebAssembly and wheels), and
cProfile's top functions inside Pyodide for where the time goes. Needs .ci/run's
Pyodide set-up (.pyodide/). No target.

    python bench/bench_lite.py [--rows 100000] [--repeat 5] [--out bench/out]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
from datetime import date
from pathlib import Path
from typing import Any

from bench_validate import compile_package, generate

# The runner and the way the tests read a file live in tests/ (run from the repository).
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.pyodide import engine_run  # noqa: E402
from tests.test_pyodide import read_file, run_in_pyodide  # noqa: E402

PHASES = ("tables", "validate", "score", "json")


def medians(answers: list[dict[str, Any]]) -> dict[str, float]:
    found = {phase: statistics.median(answer["seconds"][phase] for answer in answers)
             for phase in PHASES}
    found["total"] = statistics.median(sum(answer["seconds"].values()) for answer in answers)
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--out", type=Path, default=Path("bench/out"))
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / f"visits_{args.rows}.xlsx"
    generate(path, args.rows)
    compile_package()
    job = engine_run.job(path.name, date(2025, 12, 31), read_file(path))

    # The Lite build and the tables for Pyodide go to a temporary folder: a main.py under
    # bench/ would be checked by mypy.
    with tempfile.TemporaryDirectory() as folder:
        compare(job, Path(folder), args.repeat)


def compare(job: dict[str, Any], io: Path, repeat: int) -> None:
    """Print CPython's and Pyodide's figures on ``job``, ``io`` their shared folder."""
    # The two take turns, so that a slower spell of a shared machine weighs on both alike.
    here, there, starts = [], [], []
    for _ in range(repeat):
        here += asyncio.run(engine_run.run([job], None))
        answers, times = run_in_pyodide(io, [job], None)
        there += answers
        starts.append(times["start_seconds"])
    assert [answer["validate"] for answer in there] == [answer["validate"] for answer in here]
    assert [answer["score"] for answer in there] == [answer["score"] for answer in here]
    cpython, pyodide = medians(here), medians(there)
    findings = len(here[0]["validate"]["findings"])
    print(f"{job['name']}: {findings} findings; medians of {repeat}")
    print(f"{'phase':10s} {'CPython':>9s} {'Pyodide':>9s} {'ratio':>6s}")
    for phase in (*PHASES, "total"):
        print(f"{phase:10s} {cpython[phase]:8.2f}s {pyodide[phase]:8.2f}s "
              f"{pyodide[phase] / cpython[phase]:5.1f}x")
    print(f"Pyodide start (WebAssembly, wheels, installing chantool-lite): "
          f"{statistics.median(starts):.2f}s")
    profile, _ = run_in_pyodide(io, [job], None, profile=True)
    print("Where the time goes inside Pyodide (cProfile, one run):")
    print(profile[0]["profile"])


if __name__ == "__main__":
    main()
