"""The one Finding type and the closed catalogue of finding codes.

Every problem chantool reports is a Finding whose message comes from the template of
its code. The catalogue is the complete list: a code not in it cannot be reported.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from typing import Any, Final, Literal

from pydantic import BaseModel, ConfigDict

Lang = Literal["zh", "en"]


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True)
class Code:
    """A catalogue entry: title, message templates (Chinese, English) and defaults."""

    title: str
    zh: str
    en: str
    severity: Severity = Severity.ERROR
    rule: str | None = None


E, W = Severity.ERROR, Severity.WARNING

# Template fields: {sheet}, {cell}, {label} (the column's label), {value}, and the extra
# fields each code names.
CATALOGUE: Final[dict[str, Code]] = {
    # The workbook and its sheets
    "no_known_sheet": Code(
        "没有可识别的工作表",
        "工作簿中没有可识别的工作表（应为：{expected}）",
        "The workbook has no sheet chantool knows (expected: {expected})"),
    "duplicate_sheet": Code(
        "重复的工作表",
        "工作表“{sheet}”与“{other}”是同一种表，只校验了“{other}”",
        "Sheet '{sheet}' is the same kind as '{other}'; only '{other}' was checked", W),
    "header_not_found": Code(
        "找不到表头行",
        "工作表“{sheet}”前{rows}行中找不到表头行（至少一半列名应为：{labels}）",
        "No header row in the first {rows} rows of sheet '{sheet}' (expected labels: {labels})"),
    "column_missing": Code(
        "缺少必填列",
        "工作表“{sheet}”缺少必填列“{label}”",
        "Sheet '{sheet}' lacks the required column '{label}'"),
    "duplicate_column": Code(
        "重复的列",
        "工作表“{sheet}”的{cell}列与{other}列都是“{label}”，只读取了{other}列",
        "In sheet '{sheet}', column {cell} repeats '{label}' of column {other}; only {other} "
        "was read", W),
    "merged_cells": Code(
        "合并单元格",
        "{sheet} {cell} 是合并单元格（{range}），数据区不能合并，请取消合并并在每个单元格填写",
        "{sheet} {cell} is part of merged cells ({range}); unmerge and fill every cell"),
    # Cells
    "required_missing": Code(
        "必填项为空",
        "{sheet} {cell}：“{label}”为必填项，不能为空",
        "{sheet} {cell}: '{label}' is required"),
    "cell_error": Code(
        "公式错误值",
        "{sheet} {cell}：“{label}”是公式错误值 {value}",
        "{sheet} {cell}: '{label}' holds the formula error {value}"),
    "not_a_number": Code(
        "不是数字",
        "{sheet} {cell}：“{label}”应为数字，实际为“{value}”",
        "{sheet} {cell}: '{label}' must be a number, not '{value}'"),
    "not_an_integer": Code(
        "不是整数",
        "{sheet} {cell}：“{label}”应为整数，实际为“{value}”",
        "{sheet} {cell}: '{label}' must be a whole number, not '{value}'"),
    "not_a_date": Code(
        "不是日期",
        "{sheet} {cell}：“{label}”应为日期（如 2025-03-01、2025/3/1、2025年3月1日），"
        "实际为“{value}”",
        "{sheet} {cell}: '{label}' must be a date (2025-03-01, 2025/3/1), not '{value}'"),
    "not_a_time": Code(
        "不是时间",
        "{sheet} {cell}：“{label}”应为时间（如 08:30），实际为“{value}”",
        "{sheet} {cell}: '{label}' must be a time of day (08:30), not '{value}'"),
    "not_yes_no": Code(
        "不是“是/否”",
        "{sheet} {cell}：“{label}”应填 是 或 否，实际为“{value}”",
        "{sheet} {cell}: '{label}' must be yes or no, not '{value}'"),
    "not_a_month": Code(
        "不是月份",
        "{sheet} {cell}：“{label}”应为月份（如 2025-06），实际为“{value}”",
        "{sheet} {cell}: '{label}' must be a month (2025-06), not '{value}'"),
    "bad_choice": Code(
        "不在可选范围",
        "{sheet} {cell}：“{label}”的值“{value}”不在可选范围内（{choices}）",
        "{sheet} {cell}: '{value}' is not one of the choices for '{label}' ({choices})"),
    "out_of_range": Code(
        "超出范围",
        "{sheet} {cell}：“{label}”应{bounds}，实际为 {value}",
        "{sheet} {cell}: '{label}' must be {bounds_en}, not {value}"),
    "date_in_future": Code(
        "日期在将来",
        "{sheet} {cell}：“{label}”{value} 晚于今天（{as_of}），不能填写将来的日期",
        "{sheet} {cell}: '{label}' {value} is after today ({as_of})"),
    "not_unique": Code(
        "重复",
        "{sheet} {cell}：“{label}”与第{other}行重复（{value}）",
        "{sheet} {cell}: '{label}' repeats row {other} ({value})"),
    "unknown_channel": Code(
        "渠道编码不存在",
        "{sheet} {cell}：渠道编码“{value}”在渠道档案中不存在",
        "{sheet} {cell}: channel id '{value}' is not in the Channels sheet"),
    "key_contacts_exceed_staff": Code(
        "重点联系人多于销售人员",
        "{sheet} {cell}：重点联系人数 {value} 多于销售人员数 {staff}",
        "{sheet} {cell}: {value} key contacts exceed the {staff} sales staff", rule="R-04"),
    "check_out_before_check_in": Code(
        "签退早于签到",
        "{sheet} {cell}：签退时间 {value} 不晚于签到时间 {check_in}",
        "{sheet} {cell}: check-out {value} is not after check-in {check_in}", rule="R-07"),
    "no_agreement_incomplete": Code(
        "未达成一致缺少跟进信息",
        "{sheet} {cell}：拜访未达成一致，须填写“{label}”",
        "{sheet} {cell}: the visit reached no agreement, so '{label}' is required", rule="R-06"),
    "bands_not_increasing": Code(
        "提成档位未递增",
        "{sheet} {cell}：季度销售额下限 {value} 应大于上一档的 {previous}",
        "{sheet} {cell}: band start {value} must be above the previous band's {previous}",
        rule="R-35"),
    # The policy sheet
    "policy_unknown_key": Code(
        "未知参数",
        "{sheet} {cell}：参数“{value}”不是 chantool 的参数，已忽略",
        "{sheet} {cell}: '{value}' is not a chantool policy key and was ignored", W),
    "policy_duplicate_key": Code(
        "重复参数",
        "{sheet} {cell}：参数“{value}”在第{other}行已设置，以第{other}行为准",
        "{sheet} {cell}: policy key '{value}' was set on row {other}, which wins", W),
    "policy_bad_value": Code(
        "参数值无效",
        "{sheet} {cell}：参数“{key}”的值“{value}”无效：{reason}",
        "{sheet} {cell}: the value '{value}' of policy key '{key}' is not valid: {reason}"),
}

# Reasons a whole file could not be read (its status is "unreadable").
REASONS: Final[dict[str, tuple[str, str]]] = {
    "not_found": ("文件不存在", "the file does not exist"),
    "not_a_file": ("不是文件", "not a file"),
    "cannot_open": ("无法打开文件：{detail}", "the file cannot be opened: {detail}"),
    "not_xlsx": ("不是 Excel 工作簿（.xlsx/.xlsm）：{detail}",
                 "not an Excel workbook (.xlsx/.xlsm): {detail}"),
    "read_failed": ("读取失败：{detail}", "reading failed: {detail}"),
}


def reason_text(code: str, lang: Lang = "zh", **fields: Any) -> str:
    zh, en = REASONS[code]
    return (zh if lang == "zh" else en).format(**fields)


def json_value(value: Any) -> Any:
    """A cell value as JSON can carry it: dates as ISO text, times as HH:MM[:SS]."""
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, time):
        return value.isoformat(timespec="seconds" if value.second else "minutes")
    if isinstance(value, timedelta):
        return value.total_seconds()
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def display(value: Any) -> str:
    """A cell value as a message shows it."""
    shown = json_value(value)
    return "" if shown is None else str(shown)


class Finding(BaseModel):
    """One problem at one place: the fields of the JSON contract plus the code's data."""

    model_config = ConfigDict(frozen=True)

    severity: Severity
    rule: str | None
    code: str
    sheet: str | None
    cell: str | None
    row: int | None
    column: str | None
    value: Any
    message: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "severity": self.severity.value,
            "rule": self.rule,
            "code": self.code,
            "sheet": self.sheet,
            "cell": self.cell,
            "row": self.row,
            "column": self.column,
            "value": json_value(self.value),
            "message": self.message,
        }


def make_finding(
    code: str,
    *,
    lang: Lang = "zh",
    sheet: str | None = None,
    cell: str | None = None,
    row: int | None = None,
    column: str | None = None,
    value: Any = None,
    **fields: Any,
) -> Finding:
    """Build a finding; its message is the code's template filled with these fields."""
    entry = CATALOGUE[code]
    template = entry.zh if lang == "zh" else entry.en
    message = template.format(sheet=sheet or "", cell=cell or "", value=display(value), **fields)
    # Built from the catalogue and the engine's own values: nothing to validate, and
    # large sheets make many findings.
    return Finding.model_construct(
        severity=entry.severity,
        rule=entry.rule,
        code=code,
        sheet=sheet,
        cell=cell,
        row=row,
        column=column,
        value=value,
        message=message,
    )
