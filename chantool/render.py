"""Showing a Report in the terminal: findings per file and a summary table, or JSON."""

from __future__ import annotations

import json
from collections.abc import Collection, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from datetime import date, timedelta
from itertools import chain
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from rich.cells import cell_len

from chantool import layout
from chantool.batch import Output
from chantool.batch import Progress as Advance
from chantool.findings import Finding, Lang, Severity
from chantool.report import Drawn, FileResult, Report
from chantool.texts import word

if TYPE_CHECKING:
    from chantool.listings import Scores

def to_json(report: Report) -> str:
    """The report's JSON, exactly as ``json.dumps`` writes ``report.to_dict()``, from each
    file's object as ``file_json`` gives it."""
    files = [file_json(result, report.scored_as_of) for result in report.files]
    # The objects' places, written as null: nothing else in the frame is null.
    frame = _dumps(report.around([None] * len(files))).split("null")
    return "".join(chain.from_iterable(zip(frame, [*files, ""], strict=True)))


# A file's object stands two levels in, in the report's "files" list.
_FILE_INDENT: Final = "\n" + " " * 4


def file_json(result: FileResult, scored_as_of: date | None) -> str:
    """A file's object in the report's JSON, indented for its place there; serialized here
    unless its process did (``drawn``). A JSON text has no line break but between items,
    so indenting it is putting spaces after each."""
    if result.json is not None:
        return result.json
    return _dumps(result.to_dict(scored_as_of)).replace("\n", _FILE_INDENT)


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, indent=2)


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
    # Each row with its cells' widths, measured once: they set the columns' widths, then
    # each cell's padding.
    measured = [(row, list(map(cell_len, row)))
                for row in (headings, *rows, *filter(None, [total]))]
    widths = [max(sizes[column] for _, sizes in measured) for column in range(len(headings))]

    def row_line(row: tuple[Sequence[str], list[int]], bar: str) -> str:
        cells, sizes = row
        padded = (" " * (width - size) + cell if column in right
                  else cell + " " * (width - size)
                  for column, (cell, size, width) in enumerate(
                      zip(cells, sizes, widths, strict=True)))
        return " " + f" {bar} ".join(padded) + " "

    def rule(dash: str, cross: str) -> str:
        return cross.join(dash * (width + 2) for width in widths)

    lines = [title] if title else []
    lines += [row_line(measured[0], "┃"), rule("━", "╇"),
              *(row_line(row, "│") for row in measured[1:len(rows) + 1])]
    if total:
        lines += [rule("─", "┼"), row_line(measured[-1], "│")]
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
    parts = [file_text(result, lang) for result in report.files]
    lines = [part.findings for part in parts if part.findings]
    tables = [part.scores for part in parts if part.scores is not None]
    tables.append(summary_table(report, lang))
    return "\n".join([*lines, "", *tables] if lines else tables)


def file_text(result: FileResult, lang: Lang) -> Drawn:
    """A file's part of ``to_text``: its findings, and its path with its score tables;
    drawn here unless its process drew them (``drawn``)."""
    if result.drawn is not None:
        return result.drawn
    scores = None if result.scores is None else "\n".join(
        [f"{result.path}:", *_score_tables(result.scores, lang)])
    return Drawn("\n".join(_file_lines(result, lang)), scores)


def drawn(result: FileResult, output: Output, lang: Lang,
          scored_as_of: date | None) -> FileResult:
    """The result with its part of one output drawn (``file_text`` or ``file_json``), for
    that output only: called in the file's process, so that the files are drawn in
    parallel, and the scores, which the drawing then holds, need not cross to the batch's
    process."""
    if output == "json":
        return replace(result, scores=None, json=file_json(result, scored_as_of))
    return replace(result, scores=None, drawn=file_text(result, lang))


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
                     title=listing.heading(lang),
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
