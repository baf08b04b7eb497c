"""A new workbook of results (``score --db --out DIR``): the 校验结果 and 评分 sheets only.

openpyxl makes an empty workbook whose one sheet is marked as chantool's 评分 sheet, and the file
writer (``io.writer``) then writes the plan into it as into any workbook: the generated
sheets look the same whether written into a user's file or into a book of their own.
The file is written through a temporary file and checked before it replaces ``target``.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from openpyxl import Workbook
from openpyxl.workbook.defined_name import DefinedName

from chantool.findings import Finding, Lang
from chantool.io.output import put_in_place, temporary_path, verify_written
from chantool.io.writer import GENERATED_NAME, Written, write_plan
from chantool.listings import Scores
from chantool.results import WritePlan, issues_table, scores_table
from chantool.settings import SCORES_SHEET


def write_scores_book(target: Path, findings: Sequence[Finding], scores: Scores,
                      lang: Lang) -> None:
    """Write the Issues and Scores sheets of a run into a new workbook at ``target``."""
    target.parent.mkdir(parents=True, exist_ok=True)
    blank = temporary_path(target.with_name(f"{target.stem}.blank.xlsx"))
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = SCORES_SHEET[0] if lang == "zh" else SCORES_SHEET[1]
    # Marked as chantool's Scores sheet, so that the writer replaces it.
    sheet.defined_names[GENERATED_NAME] = DefinedName(GENERATED_NAME, localSheetId=0,
                                                      attr_text='"scores"')
    written: list[Written] = []
    plan = WritePlan((), (issues_table(findings, lang, elsewhere=True),
                          scores_table(scores.listings, lang)), lang)
    try:
        book.save(blank)
        put_in_place(target, lambda temporary: written.append(
            write_plan(blank, temporary, plan)),
            lambda temporary: verify_written(temporary, written[-1], []))
    finally:
        blank.unlink(missing_ok=True)
