"""The work the Pyodide test and benchmark hand over: the engine and the Lite edition on
workbooks given as plain tables (JSON), run the same way in CPython and in Pyodide so
the two answers can be compared.

A job is ``{"name", "as_of", "sheets": [[sheet name, rows, merged]], "lite": bool}``;
cells are JSON values, dates and times tagged (``{"date": "2025-06-30"}``), merged
ranges ``[first row, first column, last row, last column]``. ``run`` answers each
job with the ``validate`` and ``score`` JSON of one file (``FileResult.to_dict()``), the
seconds of each phase (and with ``"profile": true`` in the request, cProfile's top), and,
with ``lite``, the cells, notes and marks after each Lite script, and the answers of
the cell functions. ``main`` reads the jobs from ``argv[1]`` and writes
the answers to ``argv[2]`` (tests/pyodide/run.mjs runs it).
"""

from __future__ import annotations

import asyncio
import importlib.util
import json
import sys
import time as clock
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

from chantool.report import FileResult
from chantool.scoring import score_book
from chantool.table import MergedRange, RawSheet, address
from chantool.validate import validate_book

_TAGS: dict[str, type[date] | type[time]] = {"date": date, "datetime": datetime, "time": time}


def encode(value: Any) -> Any:
    """A cell as JSON: dates and times tagged with their type."""
    for tag, kind in reversed(_TAGS.items()):  # a datetime is a date too: test it first
        if isinstance(value, kind):
            return {tag: value.isoformat()}
    return value


def decode(value: Any) -> Any:
    if isinstance(value, dict):
        ((tag, text),) = value.items()
        return _TAGS[tag].fromisoformat(text)
    return value


def job(name: str, as_of: date, sheets: list[RawSheet], *, lite: bool = False) -> dict[str, Any]:
    return {"name": name, "as_of": as_of.isoformat(), "lite": lite,
            "sheets": [[sheet.name, [[encode(cell) for cell in row] for row in sheet.rows],
                        [[m.first_row, m.first_col, m.last_row, m.last_col]
                         for m in sheet.merged]]
                       for sheet in sheets]}


def raw_sheets(job: dict[str, Any]) -> list[RawSheet]:
    return [RawSheet(name, [[decode(cell) for cell in row] for row in rows],
                     tuple(MergedRange(*box) for box in merged))
            for name, rows, merged in job["sheets"]]


def engine(job: dict[str, Any]) -> dict[str, Any]:
    """``validate`` and ``score`` of one job, as ``--format json`` shows one file, and
    the seconds each phase took."""
    as_of = date.fromisoformat(job["as_of"])
    seconds: dict[str, float] = {}
    started = clock.perf_counter()

    def lap(phase: str) -> None:
        nonlocal started
        now = clock.perf_counter()
        seconds[phase] = now - started
        started = now

    sheets = raw_sheets(job)
    lap("tables")
    _, findings = validate_book(sheets, as_of=as_of, lang="zh")
    lap("validate")
    _, scored, scores = score_book(sheets, as_of=as_of, lang="zh")
    lap("score")
    answer = {"validate": FileResult.checked(job["name"], findings).to_dict(),
              "score": FileResult.checked(job["name"], scored, scores).to_dict()}
    lap("json")
    return {**answer, "seconds": seconds}


async def lite_states(job: dict[str, Any], module: Any) -> dict[str, Any]:
    """The stand-in workbook after each Lite script of ``module`` (the built main.py)."""
    from tests.xllite import Book

    book = Book.from_tables(raw_sheets(job))
    states = {}
    for script in ("validate", "score", "clear_marks"):
        await getattr(module, script)(book)
        states[script] = state(book)
    return states


def state(book: Any) -> dict[str, Any]:
    """What a user sees of a stand-in workbook: cells, notes, marks, messages."""
    return {"sheets": [{"name": sheet.name,
                        "values": {address(*cell): encode(value)
                                   for cell, value in sorted(sheet.values.items())},
                        "notes": {address(*cell): text
                                  for cell, text in sorted(sheet.notes_at.items())},
                        "marks": {formula: sorted(cells)
                                  for formula, cells in sorted(sheet.marked().items())}}
                       for sheet in book.sheets],
            "alerts": [list(alert) for alert in book.app.alerts]}


def cell_functions(module: Any, lite: bool = True) -> list[Any]:
    """The six cell functions on arguments as xlwings Lite passes them: whole numbers as
    ints, ranges as 2-D lists, dates as Excel serial numbers (Excel's custom-function
    runtime sends a date cell as its number); with ``lite=False`` as the desktop add-in
    gets them (floats, datetimes)."""

    def day(when: date) -> Any:
        return (when - date(1899, 12, 30)).days if lite else datetime(when.year, when.month,
                                                                        when.day)

    def number(value: float) -> Any:
        return value if lite else float(value)

    rebates = [["型号", "渠道类型", "提货返利", "达量门槛", "达量返利", "生效日期"],
               ["X100", "直供", number(10), number(100), number(5), day(date(2025, 1, 1))]]
    prices = [["型号", "渠道类型", "出厂价", "零售价", "最低限价", "生效日期"],
              ["X100", "直供", number(800), number(1200), number(1000), day(date(2025, 1, 1))]]
    bands = [["季度销售额下限", "提成比例"], [number(0), 0.01], [number(100000), 0.02],
             [number(300000), "3%"]]
    june_30 = day(date(2025, 6, 30))
    calls = [
        module.CT_REBATE(number(120), rebates, "X100", "直供", june_30),
        module.CT_REBATE([[number(50)], [number(150)]], rebates, "X100", "直供", june_30),
        module.CT_VISIT_TARGET("重点"),
        module.CT_BAND_GAP(number(120000), bands),
        module.CT_BAND_GAP(number(400000), bands),
        module.CT_WORKDAYS(day(date(2025, 9, 26)), day(date(2025, 10, 9))),
        module.CT_GRADE(number(85)),
        module.CT_GRADE("abc"),
        module.CT_PRICE_CHECK(number(950), prices, "X100", "直供", june_30),
    ]
    return [encode(answer) if not isinstance(answer, list) else
            [[encode(cell) for cell in row] for row in answer] for answer in calls]


def load_main(path: Path) -> Any:
    """The main.py that ``chantool lite build`` wrote, as a module."""
    spec = importlib.util.spec_from_file_location("chantool_lite_main", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def profiled(job: dict[str, Any]) -> dict[str, Any]:
    """``engine`` under cProfile, with the functions that took the most time."""
    import cProfile
    import io
    import pstats

    profile = cProfile.Profile()
    answer = profile.runcall(engine, job)
    text = io.StringIO()
    pstats.Stats(profile, stream=text).sort_stats("tottime").print_stats(12)
    return {**answer, "profile": text.getvalue()}


async def run(jobs: list[dict[str, Any]], main_py: Path | None,
              profile: bool = False) -> list[dict[str, Any]]:
    module = load_main(main_py) if main_py is not None else None
    answers = []
    for one in jobs:
        answer = profiled(one) if profile else engine(one)
        if one["lite"] and module is not None:
            answer["lite"] = await lite_states(one, module)
            answer["functions"] = cell_functions(module)
        answers.append(answer)
    return answers


async def main(argv: list[str]) -> None:
    request = json.loads(Path(argv[1]).read_text(encoding="utf-8"))
    main_py = Path(request["main_py"]) if request.get("main_py") else None
    answers = await run(request["jobs"], main_py, request.get("profile", False))
    Path(argv[2]).write_text(json.dumps(answers, ensure_ascii=False), encoding="utf-8")


if __name__ == "__main__":
    asyncio.run(main(sys.argv))
