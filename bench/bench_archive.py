"""Benchmark: ``chantool archive`` of office-month workbooks vs a plain python-calamine read.

Generates ``--files`` workbooks of one province's year (17 offices, 12 months; the issue's
figure is 200 files, the default 20 to be quick), each with 5,000 visits and 5,000 sales
lines, the office's 300 channels and its 12 managers' assessments. Byte-compiles chantool
as installing it does, then runs, each in its own process and taking turns, a plain
python-calamine read of every file (one after the other), ``chantool validate`` of the
folder, and ``chantool archive`` of the folder into a new store (both on all cores, as
the commands run by default), and reports the median wall times and the peak memory.
Target (issue 10): archive <= 1.5x the plain read. ``--pg URL`` (a superuser's URL)
archives into a new PostgreSQL database each run instead of a new SQLite file.

    python bench/bench_archive.py [--files 20] [--rows 5000] [--repeat 3] [--pg URL]
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
from datetime import date
from pathlib import Path

import psycopg
import xlsxwriter
from bench_score import _write
from bench_validate import compile_package, measure
from psycopg import sql
from sqlalchemy.engine import make_url

PLAIN_READ = (
    "import sys, pathlib, python_calamine\n"
    "for path in sorted(pathlib.Path(sys.argv[1]).glob('*.xlsx')):\n"
    "    wb = python_calamine.CalamineWorkbook.from_path(str(path))\n"
    "    for meta in wb.sheets_metadata:\n"
    "        wb.get_sheet_by_name(meta.name).to_python(skip_empty_area=False)\n"
)
OFFICES = [f"办事处{number:02d}" for number in range(17)]
TYPES = ["直供", "分销", "大客户", "终端", "业务", "村级"]
MODELS = [f"M{number:02d}" for number in range(40)]
ON_SITE = ["现场面谈", "现场面谈", "培训", "会议", "辅导"]


def generate(folder: Path, files: int, rows: int, seed: int = 13) -> None:
    """Write ``files`` office-month workbooks of 2025, ``rows`` visits and sales each."""
    rng = random.Random(seed)
    for number in range(files):
        office, month = OFFICES[number % len(OFFICES)], 1 + number // len(OFFICES) % 12
        managers = [f"{office}经理{index:02d}" for index in range(12)]
        channels = [f"CH{number % len(OFFICES):02d}{index:03d}" for index in range(300)]
        owner = {channel: managers[index % len(managers)]
                 for index, channel in enumerate(channels)}
        days = [date(2025, month, day) for day in range(1, 29)
                if date(2025, month, day).weekday() < 5]
        workbook = xlsxwriter.Workbook(str(folder / f"{office}_渠道台账_2025年{month}月.xlsx"))
        formats = {"date": workbook.add_format({"num_format": "yyyy-mm-dd"}),
                   "time": workbook.add_format({"num_format": "hh:mm"})}
        _write(workbook.add_worksheet("渠道档案"),
               ["渠道编码", "渠道名称", "渠道类型", "渠道等级", "维护级别", "所属区域", "客户经理",
                "合作开始日期", "销售人员数", "信用额度", "逾期金额"],
               [[channel, f"渠道{channel}", rng.choice(TYPES), "V1", "一般", office,
                 owner[channel], date(2024, 1, 1), 10, 100_000.0, 0.0]
                for channel in channels], formats)
        _write(workbook.add_worksheet("拜访日志"),
               ["拜访日期", "客户经理", "渠道编码", "拜访对象", "拜访形式", "达成目的数",
                "是否达成一致", "签到时间", "签退时间"],
               sorted(([day, owner[channel], channel, "销售人员", rng.choice(ON_SITE),
                        rng.randrange(6), "是", (8 * 60 + rng.randrange(400)) / 1440,
                        (16 * 60 + rng.randrange(60)) / 1440]
                       for day, channel in ((rng.choice(days), rng.choice(channels))
                                            for _ in range(rows))),
                      key=lambda row: (row[0], row[1])), formats)
        _write(workbook.add_worksheet("销售记录"),
               ["销售日期", "渠道编码", "型号", "数量", "成交单价", "销售区域", "是否提货"],
               [[rng.choice(days), channel, rng.choice(MODELS), 1 + rng.randrange(20),
                 1100.0 + rng.randrange(200), office, "是"]
                for channel in (rng.choice(channels) for _ in range(rows))], formats)
        _write(workbook.add_worksheet("考核记录"), ["月份", "客户经理", "办事处", "考核得分"],
               [[f"2025-{month:02d}", manager, office, float(50 + rng.randrange(50))]
                for manager in managers], formats)
        workbook.close()


def new_store(folder: Path, run: int, server: str | None) -> str:
    """The ``--db`` of a new, empty store for one run."""
    if server is None:
        return str(folder / f"store_{run}.db")
    name = f"chantool_bench_{run}"
    with psycopg.connect(server, autocommit=True) as connection:
        connection.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))
        connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return make_url(server).set(database=name).render_as_string(hide_password=False)


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
        read: list[tuple[float, float]] = []
        validated: list[tuple[float, float]] = []
        archived: list[tuple[float, float]] = []
        for run in range(args.repeat):
            read.append(measure([sys.executable, "-c", PLAIN_READ, str(folder)]))
            # What archiving adds to validating the same files (both validate each file
            # in a child process of its own).
            validated.append(measure([sys.executable, "-m", "chantool", "validate",
                                      str(folder)]))
            store = new_store(Path(temporary), run, args.pg)
            archived.append(measure([sys.executable, "-m", "chantool", "archive", str(folder),
                                     "--db", store, "--accept-errors"]))
    read_wall = statistics.median(wall for wall, _ in read)
    validate_wall = statistics.median(wall for wall, _ in validated)
    wall = statistics.median(wall for wall, _ in archived)
    peak = max(memory for _, memory in archived)
    store_kind = "PostgreSQL" if args.pg else "SQLite"
    print(f"plain calamine read  wall {read_wall:6.2f} s   (median of {args.repeat})")
    print(f"chantool validate    wall {validate_wall:6.2f} s")
    print(f"chantool archive     wall {wall:6.2f} s   peak {peak:6.0f} MiB ({store_kind})")
    print(f"archive / plain read: {wall / read_wall:.2f}x (target <= 1.5x); "
          f"archive / validate: {wall / validate_wall:.2f}x")
    sys.exit(0 if wall / read_wall <= 1.5 else 1)


if __name__ == "__main__":
    main()
