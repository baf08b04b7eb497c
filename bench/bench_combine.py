"""Benchmark: ``chantool score DIR --combine`` vs ``chantool score --db`` on the same data.

Generates ``--files`` office-month workbooks (those of ``bench_archive.py``: ``--rows``
visits and sales lines each, 300 channels and 12 managers an office), archives them into
a new store once (SQLite, or a new PostgreSQL database with ``--pg URL``), then runs, each
in its own process and taking turns, ``score DIR --combine`` (every file read, scored as
one book), ``score --db`` (the store's current versions, scored as one book) and, for
scale, ``score DIR`` (each file on its own, on all cores), and reports the median wall
times and the peak memory. Target (issue 10): ``--combine`` within 1.3x of ``--db``.

    python bench/bench_combine.py [--files 20] [--rows 5000] [--repeat 3] [--pg URL]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from bench_archive import generate, new_store
from bench_validate import compile_package, measure

AS_OF = "2025-12-31"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--files", type=int, default=20)
    parser.add_argument("--rows", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--pg", default=None, help="a PostgreSQL superuser's URL")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="chantool-bench-") as temporary:
        folder = Path(temporary) / "workbooks"
        folder.mkdir()
        generate(folder, args.files, args.rows)
        print(f"{args.files} workbooks of {args.rows} visits and {args.rows} sales lines")
        compile_package()
        store = new_store(Path(temporary), 0, args.pg)
        subprocess.run([sys.executable, "-m", "chantool", "archive", str(folder), "--db", store,
                        "--accept-errors"], check=True, capture_output=True)
        runs: dict[str, list[tuple[float, float]]] = {"combine": [], "db": [], "files": []}
        commands = {
            "combine": ["score", str(folder), "--combine", "--format", "json"],
            "db": ["score", "--db", store, "--format", "json"],
            "files": ["score", str(folder), "--format", "json"],
        }
        for _ in range(args.repeat):
            for name, command in commands.items():
                runs[name].append(measure([sys.executable, "-m", "chantool", *command,
                                           "--as-of", AS_OF]))
    walls = {name: statistics.median(wall for wall, _ in found) for name, found in runs.items()}
    peaks = {name: max(memory for _, memory in found) for name, found in runs.items()}
    store_kind = "PostgreSQL" if args.pg else "SQLite"
    print(f"score --combine      wall {walls['combine']:6.2f} s   peak {peaks['combine']:6.0f} MiB"
          f"   (median of {args.repeat})")
    print(f"score --db           wall {walls['db']:6.2f} s   peak {peaks['db']:6.0f} MiB"
          f"   ({store_kind})")
    print(f"score (each file)    wall {walls['files']:6.2f} s   peak {peaks['files']:6.0f} MiB")
    ratio = walls["combine"] / walls["db"]
    print(f"combine / db: {ratio:.2f}x (target <= 1.3x)")
    sys.exit(0 if ratio <= 1.3 else 1)


if __name__ == "__main__":
    main()
