"""Showing a Report in the terminal: findings per file and a summary table, or JSON."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from io import StringIO
from pathlib import Path
from typing import TYPE_CHECKING

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from chantool.batch import Progress as Advance
from chantool.findings import Lang, Severity
from chantool.report import FileResult, Report

if TYPE_CHECKING:
    from chantool.listings import Scores

_WORDS = {
    "zh": {
        "error": "错误", "warning": "警告", "ok": "通过", "findings": "有问题",
        "unreadable": "无法读取", "file": "文件", "status": "状态", "errors": "错误",
        "warnings": "警告", "total": "合计", "checking": "校验中", "scoring": "评分中", "no_files":
        "没有找到要校验的 .xlsx/.xlsm 文件", "more_rows":
        "另有 {count} 行，见 --format json 或用 --out 写回的“评分”表",
    },
    "en": {
        "error": "error", "warning": "warning", "ok": "ok", "findings": "findings",
        "unreadable": "unreadable", "file": "File", "status": "Status", "errors": "Errors",
        "warnings": "Warnings", "total": "Total", "checking": "Checking", "scoring": "Scoring",
        "no_files":
        "No .xlsx/.xlsm file to check was found", "more_rows":
        "{count} more rows: see --format json or the Scores sheet written with --out",
    },
}


def word(key: str, lang: Lang) -> str:
    return _WORDS[lang][key]


def to_json(report: Report) -> str:
    return json.dumps(report.to_dict(), ensure_ascii=False, indent=2)


def _file_lines(result: FileResult, lang: Lang) -> Iterator[str]:
    if result.status == "unreadable":
        yield f"{result.path}: {word('unreadable', lang)}: {result.reason}"
        return
    if not result.findings:
        return
    yield f"{result.path}:"
    for finding in result.findings:
        place = f"{finding.sheet}!{finding.cell}" if finding.cell else finding.sheet or ""
        rule = f" [{finding.rule}]" if finding.rule else ""
        severity = word("error" if finding.severity is Severity.ERROR else "warning", lang)
        yield f"  {severity} {place}{rule} {finding.message}".rstrip()


def summary_table(report: Report, lang: Lang) -> Table:
    table = Table(show_edge=False, header_style="bold")
    table.add_column(word("file", lang), overflow="fold")
    table.add_column(word("status", lang))
    table.add_column(word("errors", lang), justify="right")
    table.add_column(word("warnings", lang), justify="right")
    for result in report.files:
        table.add_row(result.path, word(result.status, lang),
                      str(result.count(Severity.ERROR)), str(result.count(Severity.WARNING)))
    table.add_section()
    table.add_row(word("total", lang), f"{len(report.files)}", str(report.errors),
                  str(report.warnings))
    return table


def to_text(report: Report, lang: Lang) -> str:
    """Every finding, one a line, grouped by file; the scores of each scored file; then
    the summary table."""
    lines = [line for result in report.files for line in _file_lines(result, lang)]
    buffer = StringIO()
    console = Console(file=buffer, width=120, no_color=True)
    for result in report.files:
        if result.scores is not None:
            console.print(f"{result.path}:")
            for table in _score_tables(result.scores, lang):
                console.print(table)
    console.print(summary_table(report, lang))
    return "\n".join([*lines, "", buffer.getvalue().rstrip()] if lines else [buffer.getvalue()])


# Rows of one listing shown in the terminal; the JSON and the Scores sheet hold them all.
TEXT_ROWS = 20


def _score_tables(scores: Scores, lang: Lang) -> Iterator[Table]:
    for listing in scores.listings:
        if not listing.rows:
            continue
        fields = listing.shown_fields()
        title = listing.title[0] if lang == "zh" else listing.title[1]
        table = Table(title=title, title_justify="left", show_edge=False, header_style="bold")
        for f in fields:
            table.add_column(f.heading(lang), overflow="fold")
        for row in listing.rows[:TEXT_ROWS]:
            table.add_row(*("" if (value := f.shown(row.get(f.key), lang)) is None
                            else f"{value:g}" if isinstance(value, float) else str(value)
                            for f in fields))
        more = (listing.count or len(listing.rows)) - TEXT_ROWS
        if more > 0:
            table.caption = word("more_rows", lang).format(count=more)
        yield table


@contextmanager
def progress_bar(total: int, lang: Lang, doing: str = "checking"
                 ) -> Iterator[Advance | None]:
    """A progress bar on stderr for batches, when stderr is a terminal; ``doing`` is the
    word it starts with (``checking`` or ``scoring``)."""
    console = Console(stderr=True)
    if total < 2 or not console.is_terminal:
        yield None
        return
    columns = (TextColumn(word(doing, lang)), BarColumn(), MofNCompleteColumn(),
               TimeElapsedColumn(), TextColumn("{task.description}"))
    with Progress(*columns, console=console, transient=True) as progress:
        task = progress.add_task("", total=total)

        def advance(path: Path) -> None:
            progress.update(task, advance=1, description=path.name)

        yield advance
