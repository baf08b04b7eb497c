"""Showing a Report in the terminal: findings per file and a summary table, or JSON."""

from __future__ import annotations

import json
from collections.abc import Collection, Iterator, Sequence
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Final

from rich.cells import cell_len

from chantool import layout
from chantool.batch import Progress as Advance
from chantool.findings import Finding, Lang, Severity
from chantool.report import FileResult, Report
from chantool.texts import word

if TYPE_CHECKING:
    from chantool.listings import Scores

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
        yield f"  {finding_line(finding, lang)}"


def finding_line(finding: Finding, lang: Lang) -> str:
    """One finding on one line: severity, place, rule, message."""
    place = f"{finding.sheet}!{finding.cell}" if finding.cell else finding.sheet or ""
    if finding.source:  # one of several workbooks: named as Excel names another's cells
        place = f"[{finding.source}]{place}"
    rule = f" [{finding.rule}]" if finding.rule else ""
    severity = word("error" if finding.severity is Severity.ERROR else "warning", lang)
    return f"{severity} {place}{rule} {finding.message}".rstrip()


# Line breaks (Alt+Enter in a cell) and tabs, which would break a table's lines.
_ONE_LINE: Final = str.maketrans({"\n": " ", "\r": " ", "\t": " "})


def table(headings: Sequence[str], rows: Sequence[Sequence[str]], *, title: str = "",
          right: Collection[int] = (), total: Sequence[str] = (), caption: str = "") -> str:
    """A table in plain text, columns as wide as their widest cell (a Chinese character
    takes two places): an optional title, the header, the rows, an optional total row
    under a rule, and an optional caption under the table. A cell's line breaks and tabs
    are shown as spaces, so that each row stays on one line."""
    rows = [[cell.translate(_ONE_LINE) for cell in row] for row in rows]
    widths = [max(cell_len(row[column]) for row in (headings, *rows, *filter(None, [total])))
              for column in range(len(headings))]

    def row_line(cells: Sequence[str], bar: str) -> str:
        padded = (" " * (width - cell_len(cell)) + cell if column in right
                  else cell + " " * (width - cell_len(cell))
                  for column, (cell, width) in enumerate(zip(cells, widths, strict=True)))
        return " " + f" {bar} ".join(padded) + " "

    def rule(dash: str, cross: str) -> str:
        return cross.join(dash * (width + 2) for width in widths)

    lines = [title] if title else []
    lines += [row_line(headings, "┃"), rule("━", "╇"), *(row_line(row, "│") for row in rows)]
    if total:
        lines += [rule("─", "┼"), row_line(total, "│")]
    if caption:  # centred under the table
        lines.append(" " * max(0, (cell_len(lines[-1]) - cell_len(caption)) // 2) + caption)
    return "\n".join(line.rstrip() for line in lines)


def _status_word(result: FileResult, lang: Lang) -> str:
    """A file's status in words: 有问题 for errors, 有警告 for warnings only."""
    warned = result.status == "findings" and not result.count(Severity.ERROR)
    return word("warned" if warned else result.status, lang)


def summary_table(report: Report, lang: Lang) -> str:
    headings = [word(key, lang) for key in ("file", "status", "errors", "warnings")]
    rows = [[result.path, _status_word(result, lang), str(result.count(Severity.ERROR)),
             str(result.count(Severity.WARNING))] for result in report.files]
    # The file count goes with the word, so each number stands under its own heading.
    total = [word("total", lang).format(count=len(report.files)), "", str(report.errors),
             str(report.warnings)]
    return table(headings, rows, right=(2, 3), total=total)


def to_text(report: Report, lang: Lang) -> str:
    """Every finding, one a line, grouped by file; the scores of each scored file; then
    the summary table."""
    lines = [line for result in report.files for line in _file_lines(result, lang)]
    tables = []
    for result in report.files:
        if result.scores is not None:
            tables.append(f"{result.path}:")
            tables.extend(_score_tables(result.scores, lang))
    tables.append(summary_table(report, lang))
    return "\n".join([*lines, "", *tables] if lines else tables)


# Rows of one listing shown in the terminal; the JSON and the Scores sheet hold them all.
TEXT_ROWS = 20


def _score_tables(scores: Scores, lang: Lang) -> Iterator[str]:
    for listing in scores.listings:
        if not listing.rows:
            continue
        fields = listing.shown_fields()
        rows = [[layout.text(f, row.get(f.key), lang) for f in fields]
                for row in listing.rows[:TEXT_ROWS]]
        yield table([f.heading(lang) for f in fields], rows,
                     title=listing.title[0] if lang == "zh" else listing.title[1],
                     right=[i for i, f in enumerate(fields) if f.unit in layout.NUMERIC],
                     caption=_left_out(listing.left_out + len(listing.rows) - len(rows),
                                       len(listing.fields) - len(fields), lang))


def _left_out(rows: int, columns: int, lang: Lang) -> str:
    """What a terminal table does not show, and where to find it ("" for nothing)."""
    if rows and columns:
        return word("more_rows_columns", lang).format(rows=rows, columns=columns)
    if columns:
        return word("more_columns", lang).format(count=columns)
    return word("more_rows", lang).format(count=rows) if rows else ""


@contextmanager
def progress_bar(total: int, lang: Lang, doing: str = "checking"
                 ) -> Iterator[Advance | None]:
    """A progress bar on stderr for batches, when stderr is a terminal; ``doing`` is the
    word it starts with (``checking`` or ``scoring``). Beside the files done and the time
    taken, it shows files a second and the time left, once two files are done."""
    if total < 2:
        yield None
        return
    # rich's console and progress take a while to import: for batches only.
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
    )
    from rich.table import Column

    console = Console(stderr=True)
    if not console.is_terminal:
        yield None
        return
    columns = (TextColumn(word(doing, lang)), BarColumn(), MofNCompleteColumn(),
               TimeElapsedColumn(), TextColumn("{task.fields[pace]}"),
               # The file's name gives way first in a narrow terminal.
               TextColumn("{task.description}", table_column=Column(
                   ratio=1, no_wrap=True, overflow="ellipsis", min_width=0)))
    with Progress(*columns, console=console, transient=True, expand=True) as progress:
        task = progress.add_task("", total=total, pace="")

        def advance(path: Path) -> None:
            progress.update(task, advance=1, description=path.name)
            # rich's pace: files done over the last 30 s of the run.
            (state,) = progress.tasks
            if state.speed:
                left = round((total - state.completed) / state.speed)
                pace = word("pace", lang).format(rate=state.speed, left=timedelta(seconds=left))
                progress.update(task, pace=pace)

        yield advance
