"""Benchmark: ``chantool score`` on a workbook of 100,000 visits and 100,000 sales lines.

Generates one workbook with every sheet ``score`` reads (5,000 channels of 160 managers,
the visit log, the sales lines, prices, rebates, commission bands, six months of
assessments and planned customers), byte-compiles chantool as installing it does, then
runs, each in its own process and taking turns, a plain python-calamine read of the same
sheets and ``chantool score``, and reports the median wall times and the peak memory
(max RSS). Targets (issue: every channel rule):
<= 3 s, peak <= 600 MB; the plain read shows how much of it parsing the file alone takes
on this machine. With ``--write`` it also times ``chantool score --out`` (the results
and the 评分 sheet written into a copy); targets (issue 11): at most 2.5 times the plain
read and a peak of at most 500 MB.

    python bench/bench_score.py [--rows 100000] [--repeat 7] [--out bench/out] [--format json]
                                [--write]
                                [--db URL]

With ``--db``, ``score --db URL`` (scoring and recording the run in that store, which
keeps every row of every listing) is timed too.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
from datetime import date, datetime, timedelta
from pathlib import Path

import xlsxwriter
from bench_validate import compile_package, measure

PLAIN_READ = (
    "import sys, python_calamine\n"
    "wb = python_calamine.CalamineWorkbook.from_path(sys.argv[1])\n"
    "for meta in wb.sheets_metadata:\n"
    "    wb.get_sheet_by_name(meta.name).to_python(skip_empty_area=False)\n"
)

# 160 managers of about 31 channels each, visiting five a working day: 100,000 visits
# over the half year.
MANAGERS = [f"经理{number:03d}" for number in range(160)]
OFFICES = [f"办事处{number:02d}" for number in range(25)]
CHANNELS = [f"CH{number:05d}" for number in range(5000)]
TYPES = ["直供", "分销", "大客户", "终端", "业务", "村级"]
TIERS = ["VKA", "V1", "V2", "V3", "V4"]
MODELS = [f"M{number:02d}" for number in range(40)]
ROLES = ["销售人员", "客服经理", "渠道负责人"]
ON_SITE = ["现场面谈", "现场面谈", "现场面谈", "培训", "会议", "辅导"]
START = date(2025, 1, 1)
AS_OF = date(2025, 6, 30)


def _write(sheet: xlsxwriter.worksheet.Worksheet, header: list[str], rows: list[list[object]],
           formats: dict[str, xlsxwriter.format.Format]) -> None:
    sheet.write_row(0, 0, header)
    for number, values in enumerate(rows, start=1):
        for column, value in enumerate(values):
            if value is None:
                continue
            if isinstance(value, date):
                sheet.write_datetime(number, column, datetime.combine(value, datetime.min.time()),
                                     formats["date"])
            elif isinstance(value, float) and header[column].endswith("时间"):
                sheet.write_number(number, column, value, formats["time"])
            else:
                sheet.write(number, column, value)


def generate(path: Path, rows: int, seed: int = 11) -> None:
    """Write the workbook with ``rows`` visits and ``rows`` sales lines."""
    rng = random.Random(seed)
    # Shared strings, as in a file Excel saved (xlsxwriter's constant_memory mode would
    # write inline strings, which take calamine longer to read).
    workbook = xlsxwriter.Workbook(str(path))
    formats = {"date": workbook.add_format({"num_format": "yyyy-mm-dd"}),
               "time": workbook.add_format({"num_format": "hh:mm"})}
    owner = {channel: MANAGERS[number % len(MANAGERS)] for number, channel in enumerate(CHANNELS)}
    kind = {channel: rng.choice(TYPES) for channel in CHANNELS}
    region = {manager: f"区域{number % 80:02d}" for number, manager in enumerate(MANAGERS)}
    started = {channel: START - timedelta(days=rng.randrange(900)) for channel in CHANNELS}
    staff = {channel: 4 + rng.randrange(20) for channel in CHANNELS}
    _write(workbook.add_worksheet("渠道档案"),
           ["渠道编码", "渠道名称", "渠道类型", "渠道等级", "维护级别", "所属区域", "客户经理",
            "合作开始日期", "档案完成日期", "销售人员数", "重点联系人数", "下游网点数", "信用额度",
            "逾期金额", "月度目标"],
           [[channel, f"渠道{channel}", kind[channel], rng.choice(TIERS),
             rng.choice(["重点", "一般"]), region[owner[channel]], owner[channel],
             started[channel], started[channel] + timedelta(days=10), staff[channel],
             -(-staff[channel] * 2 // 5), rng.randrange(40), 100_000.0,
             float(rng.randrange(40_000)) if rng.random() < 0.1 else 0.0, 50_000.0]
            for channel in CHANNELS], formats)
    visits: list[list[object]] = []
    days = [START + timedelta(days=n) for n in range(181)]
    workdays = [day for day in days if day.weekday() < 5]
    mine: dict[str, list[str]] = {}
    for channel in CHANNELS:
        mine.setdefault(owner[channel], []).append(channel)
    # A manager's working day: four to six channels one after the other, from before
    # 08:00 to after 17:00, as the rules ask; some days stationed in one store.
    shifts = [(day, manager) for day in workdays for manager in MANAGERS]
    rng.shuffle(shifts)
    for day, manager in shifts:
        if len(visits) >= rows:
            break
        count = rng.choice((4, 5, 5, 6))
        start = (7 * 60 + 30 + rng.randrange(28)) / 1440
        length = (9 * 60 + 45) / 1440 / count
        stationed = "是" if rng.random() < 0.02 else "否"
        for slot, channel in enumerate(rng.sample(mine[manager], count)):
            agreed = rng.random() < 0.85
            check_in = start + slot * length
            form = rng.choice(ON_SITE)
            visits.append([day, manager, channel, rng.choice(ROLES), form,
                           rng.randrange(6), "是" if agreed else "否",
                           None if agreed else "价格分歧", None if agreed else "下周再访",
                           None if agreed else day + timedelta(days=7),
                           None if agreed else min(day + timedelta(days=rng.randrange(1, 7)),
                                                   AS_OF),
                           check_in, check_in + length - 10 / 1440, stationed])
    del visits[rows:]
    visits.sort(key=lambda row: (row[0], row[1]))
    _write(workbook.add_worksheet("拜访日志"),
           ["拜访日期", "客户经理", "渠道编码", "拜访对象", "拜访形式", "达成目的数",
            "是否达成一致", "未达成原因", "后续计划", "跟进截止日期", "跟进完成日期", "签到时间",
            "签退时间", "驻点销售"], visits, formats)
    _write(workbook.add_worksheet("价格表"),
           ["型号", "渠道类型", "出厂价", "批发价", "零售价", "最低限价", "生效日期"],
           [[model, channel_type, 1000.0, 1100.0, 1300.0, 1050.0, START]
            for model in MODELS for channel_type in TYPES], formats)
    _write(workbook.add_worksheet("返利政策"),
           ["型号", "渠道类型", "提货返利", "达量门槛", "达量返利", "仅限提货渠道", "生效日期"],
           [[model, channel_type, 10.0, 50, 5.0, "否", day]
            for model in MODELS for channel_type in TYPES for day in (START, date(2025, 5, 16))],
           formats)
    _write(workbook.add_worksheet("提成档位"), ["季度销售额下限", "提成比例"],
           [[0.0, 0.02], [50_000.0, 0.04], [200_000.0, 0.06]], formats)
    sales: list[list[object]] = []
    # Each channel buys a few models of its own, and nearly every sale is paid in time.
    favourite = {channel: rng.sample(MODELS, 3) for channel in CHANNELS}
    for _ in range(rows):
        channel = rng.choice(CHANNELS)
        day = START + timedelta(days=rng.randrange(181))
        statement = day.month + (day.day > 25)  # the statement closes on the 25th
        due = date(2025, statement + 1, 10)  # and is paid by the 10th of the next month
        paid = day + timedelta(days=rng.randrange(3, (due - day).days + 1))
        if rng.random() < 0.03:
            paid += timedelta(days=30)  # a few are paid late, or not yet
        sales.append([day, channel, rng.choice(favourite[channel]), 1 + rng.randrange(20),
                      1100.0 + rng.randrange(200), region[owner[channel]], "是",
                      paid if paid <= AS_OF else None])
    sales.sort(key=lambda row: (row[0], row[1]))
    _write(workbook.add_worksheet("销售记录"),
           ["销售日期", "渠道编码", "型号", "数量", "成交单价", "销售区域", "是否提货", "回款日期"],
           sales, formats)
    trained = {(month, manager): date(2025, month, 1 + rng.randrange(7))
               for month in range(1, 7) for manager in MANAGERS}
    _write(workbook.add_worksheet("考核记录"),
           ["月份", "客户经理", "办事处", "考核得分", "培训考试成绩", "培训日期", "效果检查日期"],
           [[f"2025-{month:02d}", manager, OFFICES[number % len(OFFICES)],
             float(50 + rng.randrange(50)), float(60 + rng.randrange(40)),
             trained[month, manager], trained[month, manager] + timedelta(days=1)]
            for month in range(1, 7) for number, manager in enumerate(MANAGERS)], formats)
    _write(workbook.add_worksheet("计划客户"), ["月份", "办事处", "渠道编码", "达成得分"],
           [[f"2025-{month:02d}", OFFICES[number % len(OFFICES)], channel,
             float(rng.randrange(101))]
            for month in range(1, 7) for number, channel in enumerate(CHANNELS[:1000])],
           formats)
    workbook.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--out", type=Path, default=Path("bench/out"))
    parser.add_argument("--format", choices=["text", "json"], default="text")
    parser.add_argument("--write", action="store_true",
                        help="also time score --out, which writes the results into a copy")
    parser.add_argument("--db", default=None)
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / f"score_{args.rows}.xlsx"
    generate(path, args.rows)
    print(f"{path}: {args.rows} visits, {args.rows} sales lines, {len(CHANNELS)} channels")
    compile_package()
    commands = {
        "plain calamine read": [sys.executable, "-c", PLAIN_READ, str(path)],
        "chantool score": [sys.executable, "-m", "chantool", "score", str(path), "--as-of",
                           AS_OF.isoformat(), "--format", args.format],
    }
    if args.write:
        commands["chantool score --out"] = [
            sys.executable, "-m", "chantool", "score", str(path), "--as-of", AS_OF.isoformat(),
            "--out", str(args.out / "written")]
    if args.db is not None:
        commands["score, run recorded"] = [*commands["chantool score"], "--db", args.db]
    runs: dict[str, list[tuple[float, float]]] = {name: [] for name in commands}
    for _ in range(args.repeat):
        for name, command in commands.items():
            runs[name].append(measure(command))
    for name, measured in runs.items():
        print(f"{name:20s} wall {statistics.median(w for w, _ in measured):6.2f} s   "
              f"peak {max(m for _, m in measured):6.0f} MiB   (median of {args.repeat})")
    wall = statistics.median(w for w, _ in runs["chantool score"])
    peak = max(m for _, m in runs["chantool score"])
    read = statistics.median(w for w, _ in runs["plain calamine read"])
    print(f"chantool score: {wall:.2f} s (target <= 3 s), of which {wall - read:.2f} s beyond "
          f"reading the file; peak {peak:.0f} MiB (target <= 600 MiB)")
    met = wall <= 3 and peak <= 600
    if args.write:
        written = statistics.median(w for w, _ in runs["chantool score --out"])
        written_peak = max(m for _, m in runs["chantool score --out"])
        print(f"chantool score --out: {written:.2f} s, {written / read:.1f} times the plain read "
              f"(target <= 2.5); peak {written_peak:.0f} MiB (target <= 500 MiB)")
        met = met and written <= 2.5 * read and written_peak <= 500
    sys.exit(0 if met else 1)

if __name__ == "__main__":
    main()
