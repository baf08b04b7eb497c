"""渠道工具 (chantool) for xlwings Lite: the main.py that ``chantool lite build`` writes.

Paste it into xlwings Lite's main.py tab (and requirements.txt into its tab). The three
scripts appear in Lite's script list; the cell functions (CT_REBATE, CT_VISIT_TARGET,
CT_BAND_GAP, CT_WORKDAYS, CT_GRADE, CT_PRICE_CHECK) are those of the desktop add-in,
registered by importing them here.
"""

from datetime import date

import xlwings as xw
from xlwings import script

from chantool.xl import lite
from chantool.xl.udfs import (  # noqa: F401  imported to be registered as cell functions
    CT_BAND_GAP,
    CT_GRADE,
    CT_PRICE_CHECK,
    CT_REBATE,
    CT_VISIT_TARGET,
    CT_WORKDAYS,
)


@script(name="校验")
async def validate(book: xw.Book) -> None:
    await lite.run("validate", book, date.today())


@script(name="重算评分")
async def score(book: xw.Book) -> None:
    await lite.run("score", book, date.today())


@script(name="清除标记")
async def clear_marks(book: xw.Book) -> None:
    await lite.run("clear", book, date.today())
