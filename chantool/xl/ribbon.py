"""The 渠道工具 ribbon tab's buttons: one dispatch function for every button.

Each button of ``macros/customUI14.xml`` calls the one VBA callback ``ChantoolButton``,
which runs ``dispatch`` with the button's id; ``BUTTONS`` maps each id (the ribbon's and
this dict's keys are the same, a test checks it) to its handler. A handler works on the
open workbook through ``chantool.xl.live`` and returns the message to show. Whatever
goes wrong, the user sees a short Chinese message box, and the details go to the log.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Final

from chantool.errors import log_exception, log_path
from chantool.findings import Severity
from chantool.results import score_plan, validation_plan
from chantool.scoring import score_book
from chantool.texts import word
from chantool.validate import validate_book
from chantool.xl import live

TITLE: Final = "渠道工具"
Handler = Callable[[Any, date], str]


@dataclass(frozen=True)
class Button:
    """A ribbon button: its handler, and its label and tip (shown in the ribbon XML)."""

    handler: Handler
    label: str
    tip: str


def _counts(findings: list[Any]) -> str:
    errors = sum(1 for finding in findings if finding.severity is Severity.ERROR)
    warnings = len(findings) - errors
    return f"错误 {errors} 个，警告 {warnings} 个"


def validate(book: Any, as_of: date) -> str:
    """校验: check the workbook, mark problem cells, write the check column and 校验结果."""
    sheets = live.read_sheets(book)
    checked, findings = validate_book(sheets, as_of=as_of, lang="zh")
    if not checked.sheets:
        return "没有找到可校验的工作表（如 渠道档案、拜访日志）"
    live.apply_plan(book, validation_plan(checked, findings, "zh", marks=True))
    return f"校验完成：{_counts(findings)}，详见“校验结果”工作表"


def score(book: Any, as_of: date) -> str:
    """重算评分: validate, compute the scores, write result columns and the 评分 sheet."""
    sheets = live.read_sheets(book)
    checked, findings, scores = score_book(sheets, as_of=as_of, lang="zh")
    if not checked.sheets:
        return "没有找到可计算的工作表（如 渠道档案、拜访日志）"
    live.apply_plan(book, score_plan(checked, findings, scores, "zh"))
    return f"评分已重算（截至 {as_of:%Y-%m-%d}）：{_counts(findings)}，详见“评分”工作表"


def _report_folder(book: Any) -> Path:
    """Where a report of ``book`` goes: beside the workbook, or the temporary folder for
    one never saved (its ``fullname`` is then only its name) or saved online."""
    folder = Path(str(book.fullname)).parent
    return folder if folder != Path() and folder.is_dir() else Path(tempfile.gettempdir())


def _report(kind: str, label: str) -> Handler:
    """周报, 月报, 对账单, 看板: the ``kind`` report of the open workbook as of today, a new
    workbook beside it (``chantool report``'s own), which Excel then opens; the open
    workbook is not changed."""

    def handler(book: Any, as_of: date) -> str:
        from chantool.reports import report_name, write_report  # XlsxWriter: here only

        sheets = live.read_sheets(book)
        checked, findings, scores = score_book(sheets, as_of=as_of, lang="zh")
        if not checked.sheets:
            return "没有找到可生成报表的工作表（如 渠道档案、拜访日志）"
        path = _report_folder(book) / report_name(Path(str(book.name)).stem, kind, as_of, "zh")
        write_report(kind, scores, findings, path, source=str(book.name), lang="zh")
        book.app.books.open(str(path))
        return f"已生成截至 {as_of:%Y-%m-%d} 的{label}并打开：{path}"

    return handler


def archive(book: Any, as_of: date) -> str:
    """归档: keep the workbook, as saved on disk, in the history store the add-in's
    configuration names (``addin.STORE_KEY``); a store that cannot be reached within
    ``store.CONNECT_SECONDS`` is a message, as is an unsaved workbook."""
    # Files and the store are this button's only: the others (and xlwings Lite) need
    # neither.
    from chantool.addin import STORE_KEY, config_path, config_values
    from chantool.batch import Job, Options
    from chantool.history.archive import archive_files
    from chantool.history.show import outcome_lines
    from chantool.history.store import StoreError, open_store, shown

    path = Path(book.fullname)  # a workbook never saved has a name but no folder
    if not path.is_absolute() or not path.is_file() or not book.api.Saved:
        return word("ribbon_archive_unsaved", "zh")
    store = config_values(config_path()).get(STORE_KEY)
    if not store:
        return word("ribbon_archive_no_store", "zh").format(config=config_path())
    try:
        url, _ = open_store(store, "zh", create=False)
    except StoreError as error:
        return word("ribbon_archive_failed", "zh").format(reason=error)
    (outcome,) = archive_files([Job(path)], url, Options(as_of=as_of, lang="zh", jobs=1),
                               accept_errors=False)
    lines = list(outcome_lines(outcome, "zh"))
    if len(lines) > _FINDINGS_SHOWN + 1:  # a message box shows a few; 校验 marks them all
        lines = [*lines[:_FINDINGS_SHOWN + 1],
                 word("ribbon_archive_more", "zh").format(count=outcome.errors)]
    return "\n".join([*lines, word("ribbon_archive_store", "zh").format(store=shown(url))])


# The error findings a refused 归档 lists in its message box.
_FINDINGS_SHOWN: Final = 5


def clear_marks(book: Any, as_of: date) -> str:
    """清除标记: remove chantool's marks, notes, result columns and generated sheets."""
    touched = live.clear(book)
    return f"已清除 {touched} 个工作表上的 chantool 标记与结果" if touched \
        else "没有需要清除的 chantool 标记"


def help_text(book: Any, as_of: date) -> str:
    """帮助: what each button does and where the log is."""
    lines = [f"{button.label}：{button.tip}" for key, button in BUTTONS.items() if key != "help"]
    return "\n".join([*lines, f"出错时的详细信息记录在 {log_path()}"])


BUTTONS: Final[dict[str, Button]] = {
    "validate": Button(validate, "校验",
                       "检查当前工作簿，标出有问题的单元格，生成“校验结果”工作表"),
    "score": Button(score, "重算评分",
                    "校验并重算拜访达标、考核排名、返利提成与渠道等级，生成“评分”工作表"),
    "weekly": Button(_report("weekly", "夕会周报"), "周报",
                     "生成截至今天的夕会周报（新工作簿，含图表）并打开，不改动当前工作簿"),
    "monthly": Button(_report("monthly", "月度考核"), "月报",
                      "生成截至今天的月度考核报表（新工作簿，含图表）并打开，不改动当前工作簿"),
    "statements": Button(_report("statements", "对账单"), "对账单",
                         "生成每个渠道一页的对账单（新工作簿）并打开，不改动当前工作簿"),
    "dashboard": Button(_report("dashboard", "管理层看板"), "看板",
                        "生成管理层看板（新工作簿，含图表）并打开，不改动当前工作簿"),
    "archive": Button(archive, "归档",
                      "把已保存的当前工作簿校验后存入历史库（插件配置中设置的数据库）；"
                      "同名文件再次归档即取代上一版"),
    "clear": Button(clear_marks, "清除标记",
                    "去掉 chantool 写入的标记、批注、结果列和生成的工作表"),
    "help": Button(help_text, "帮助", "说明各按钮的作用和日志位置"),
}


def run(button_id: str, book: Any, as_of: date) -> str:
    """The message for the user after the button's handler ran; never raises."""
    button = BUTTONS.get(button_id)
    if button is None:
        return f"未知的按钮“{button_id}”，请重新安装渠道工具插件"
    try:
        return button.handler(book, as_of)
    except Exception as error:  # no traceback reaches the user: a message and the log
        path = log_exception(error)
        return f"{button.label}未能完成：{_short(error)}。详细信息已记录在 {path}"


def _short(error: Exception) -> str:
    text = str(error).strip().splitlines()
    return text[0][:120] if text else type(error).__name__


def dispatch(button_id: str) -> None:
    """What the VBA callback runs (through xlwings' RunPython): the button's work on the
    workbook that called, then a message box."""
    import xlwings

    try:
        book = xlwings.Book.caller()
    except Exception as error:
        path = log_exception(error)
        try:  # no workbook to work on, but Excel itself can still show why
            app = xlwings.apps.active
            if app is not None:
                app.alert(f"渠道工具无法连接到当前工作簿。详细信息已记录在 {path}", TITLE)
        except Exception as second:
            log_exception(second)
        return
    message = run(button_id, book, date.today())
    try:
        book.app.alert(message, TITLE)
    except Exception as error:  # the work is done; only the message box failed
        log_exception(error)
