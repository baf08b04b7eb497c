"""The one Finding type and the closed catalogue of finding codes.

Every problem chantool reports is a Finding whose message comes from the template of
its code. The catalogue is the complete list: a code not in it cannot be reported.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from typing import Any, Final, Literal

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
    # Made by ``score`` only (chantool.scoring), not by ``validate``.
    scored: bool = False


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
        "工作表“{sheet}”{cell}：列名“{label}”与 {other} 列重复，只读取了 {other} 列",
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
        "{sheet} {cell}：“{label}”{value} 晚于校验日期（{as_of}），不能填写将来的日期",
        "{sheet} {cell}: '{label}' {value} is after the check date ({as_of})"),
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
    "key_contacts_below_ratio": Code(
        "重点联系人不足",
        "{sheet} {cell}：重点联系人数 {value} 少于销售人员数 {staff} 的 {ratio}"
        "（至少 {needed} 人）",
        "{sheet} {cell}: {value} key contacts are below {ratio} of the {staff} sales staff "
        "(at least {needed})", W, rule="R-04"),
    "profile_late": Code(
        "档案超期完成",
        "{sheet} {cell}：档案完成日期 {value} 晚于期限 {deadline}（合作开始后 {days} 个工作日）",
        "{sheet} {cell}: the profile was completed on {value}, after its deadline {deadline} "
        "({days} working days after the start)", W, rule="R-10"),
    "profile_missing": Code(
        "档案逾期未完成",
        "{sheet} {cell}：合作开始后 {days} 个工作日的期限 {deadline} 已过，档案仍未完成",
        "{sheet} {cell}: the profile is still not complete; its deadline was {deadline} "
        "({days} working days after the start)", W, rule="R-10"),
    "calendar_year_unknown": Code(
        "节假日数据缺失",
        "{years} 年的法定节假日尚未收录，按周一至周五计算工作日；"
        "可在参数表 holidays、workdays 中补充",
        "The statutory holidays of {years} are not known yet; Monday to Friday count as "
        "working days (add days on the Policy sheet: holidays, workdays)", W),
    "follow_up_overdue": Code(
        "跟进逾期",
        "{sheet} {cell}：跟进截止日期 {value} 已过，尚未填写跟进完成日期",
        "{sheet} {cell}: the follow-up was due on {value} and is not marked done",
        W, rule="R-06"),
    "follow_up_done_late": Code(
        "跟进晚于截止日期",
        "{sheet} {cell}：跟进完成日期 {value} 晚于截止日期 {due}",
        "{sheet} {cell}: the follow-up was done on {value}, after its due date {due}",
        W, rule="R-06"),
    "price_ladder_broken": Code(
        "价格倒挂",
        "{sheet} {cell}：“{label}”{value} 低于“{lower}”{lower_price}，"
        "应为 出厂价 ≤ 批发价 ≤ 零售价",
        "{sheet} {cell}: '{label}' {value} is below '{lower}' {lower_price}; prices must "
        "climb from company to wholesale to retail", rule="R-30"),
    "below_floor_price": Code(
        "低价倾销",
        "{sheet} {cell}：成交单价 {value} 低于最低限价 {floor}"
        "（{price_file}价格表第{price_row}行），属低价倾销",
        "{sheet} {cell}: unit price {value} is below the floor price {floor} (price row "
        "{price_row}{price_file}): dumping", W, rule="R-32"),
    "cross_area_sale": Code(
        "窜货",
        "{sheet} {cell}：在“{value}”销售，而渠道所属区域是“{own}”，属窜货",
        "{sheet} {cell}: sold in '{value}' but the channel belongs to '{own}': cross-area "
        "selling", W, rule="R-33"),
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
    "fix_by_missing": Code(
        "缺少整改期限",
        "{sheet} {cell}：门店检查有不合格项（{failed}），须填写整改期限",
        "{sheet} {cell}: the store checklist failed ({failed}), so a fix-by date is required",
        rule="R-08"),
    # Scoring: visits (R-01..R-08), made by score only
    "effect_missing": Code(
        "缺少拜访效果评估",
        "{sheet} {cell}：拜访没有效果评估，请填写达成目的数或是否达成一致",
        "{sheet} {cell}: the visit has no assessment of its effect: fill in the purposes met "
        "or whether agreement was reached", W, rule="R-06", scored=True),
    "policy_bad_entry": Code(
        "参数列表项无法识别",
        "{place}参数 {key} 中的“{value}”无法识别：{form}",
        "{place}'{value}' in policy key {key} cannot be read: {form}", scored=True),
    "visit_target_unknown": Code(
        "没有拜访频次目标",
        "{sheet} {cell}：拜访频次按等级方案计算，但参数 tier_visit_targets 中没有等级“{value}”"
        "或渠道类型“{channel_type}”",
        "{sheet} {cell}: visits follow the tier scheme, but tier_visit_targets names neither "
        "tier '{value}' nor channel type '{channel_type}'", W, rule="R-02", scored=True),
    "daily_visits_short": Code(
        "当日拜访渠道数不足",
        "{sheet} {cell}：{value} 在 {day} 只现场拜访了 {visited} 个渠道"
        "（每个工作日至少 {needed} 个）",
        "{sheet} {cell}: {value} visited {visited} channels on site on {day} (at least "
        "{needed} a working day)", W, rule="R-03", scored=True),
    "late_check_in": Code(
        "签到迟到",
        "{sheet} {cell}：当天最早签到时间 {value} 晚于 {limit}",
        "{sheet} {cell}: the day's first check-in {value} is after {limit}", W, rule="R-07",
        scored=True),
    "early_check_out": Code(
        "签退过早",
        "{sheet} {cell}：当天最晚签退时间 {value} 早于 {limit}",
        "{sheet} {cell}: the day's last check-out {value} is before {limit}", W, rule="R-07",
        scored=True),
    "visits_overlap": Code(
        "拜访时间重叠",
        "{sheet} {cell}：签到时间 {value} 早于同一客户经理当天{other_file}第{other}行拜访的"
        "签退时间 {other_out}",
        "{sheet} {cell}: check-in {value} is before check-out {other_out} of the same "
        "manager's visit on row {other}{other_file} that day", W, scored=True),
    "too_many_visits": Code(
        "当日拜访次数过多",
        "{sheet} {cell}：{value} 当天登记了 {count} 次拜访，超过合理上限 {most} 次",
        "{sheet} {cell}: {value} logged {count} visits that day, more than the plausible "
        "{most}", W, scored=True),
    "visit_too_short": Code(
        "拜访时间过短",
        "{sheet} {cell}：签到 {check_in} 到签退 {value} 不足 {minutes} 分钟",
        "{sheet} {cell}: from check-in {check_in} to check-out {value} is under {minutes} "
        "minutes", W, scored=True),
    # Scoring: assessment (R-20..R-26), made by score only
    "training_below_pass": Code(
        "培训考试不合格",
        "{sheet} {cell}：培训考试成绩 {value} 低于合格分 {pass_score}，予以通报",
        "{sheet} {cell}: the training score {value} is below the pass mark {pass_score}: "
        "a notice", W, rule="R-25", scored=True),
    "training_penalty": Code(
        "培训考试连续不合格",
        "{sheet} {cell}：培训考试成绩 {value} 低于合格分 {pass_score}，已连续 {months} 个月"
        "不合格，处罚 {penalty} 元",
        "{sheet} {cell}: the training score {value} is below the pass mark {pass_score} for "
        "{months} months in a row: a penalty of {penalty} yuan", W, rule="R-25",
        scored=True),
    "training_late": Code(
        "培训晚于规定日期",
        "{sheet} {cell}：{month} 的培训日期 {value} 晚于规定的 {deadline}",
        "{sheet} {cell}: the training of {month} was held on {value}, after {deadline}",
        W, rule="R-25", scored=True),
    "effect_check_late": Code(
        "培训效果检查超期",
        "{sheet} {cell}：培训效果检查日期 {value} 晚于培训（{training}）后 {days} 天的期限 "
        "{deadline}",
        "{sheet} {cell}: the training effect was checked on {value}, after the deadline "
        "{deadline} ({days} days after the training on {training})", W, rule="R-25",
        scored=True),
    "effect_check_missing": Code(
        "培训效果未检查",
        "{sheet} {cell}：培训（{training}）后 {days} 天的效果检查期限 {deadline} 已过，"
        "尚未填写效果检查日期",
        "{sheet} {cell}: the training effect was due to be checked by {deadline} ({days} days "
        "after the training on {training}) and is not marked checked", W, rule="R-25",
        scored=True),

    # Scoring: money (R-31..R-37), made by score only
    "bad_commission_period": Code(
        "已付提成期间无效",
        "{sheet} {cell}：期间“{value}”不是{kind}提成期间，应写作如 {example}"
        "（参数 commission_period = {period}），本行未计入已付提成",
        "{sheet} {cell}: '{value}' is not a {kind_en} commission period; write it like "
        "{example} (policy commission_period = {period}); the row was not counted",
        rule="R-35", scored=True),
    "contest_dates_reversed": Code(
        "竞赛日期颠倒",
        "{sheet} {cell}：结束日期 {value} 早于开始日期 {start}，本行未计奖",
        "{sheet} {cell}: the last day {value} is before the first day {start}; the row "
        "was not awarded", rule="R-36", scored=True),
    "contest_level_missing": Code(
        "竞赛缺少档位",
        "{sheet} {cell}：{kind}竞赛须填写“{label}”（{meaning}），本行未计奖",
        "{sheet} {cell}: a {kind_en} contest needs '{label}' ({meaning_en}); the row was "
        "not awarded", rule="R-36", scored=True),
    "payment_overdue": Code(
        "货款逾期未付",
        "{sheet} {cell}：{month} 账单的货款应于 {due} 前付清，至今（{as_of}）未付",
        "{sheet} {cell}: the {month} statement was due by {due} and is still unpaid "
        "({as_of})", W, rule="R-37", scored=True),
    "payment_late": Code(
        "货款逾期支付",
        "{sheet} {cell}：回款日期 {value} 晚于 {month} 账单的付款截止日 {due}",
        "{sheet} {cell}: paid on {value}, after the {month} statement's due date {due}",
        W, rule="R-37", scored=True),

    # Scoring: value and risk (R-40..R-44), made by score only
    "credit_risk_high": Code(
        "信用高风险",
        "{sheet} {cell}：逾期金额 {value} 占信用额度 {limit} 的 {ratio}，达到高风险线 {high}",
        "{sheet} {cell}: the overdue amount {value} is {ratio} of the credit limit {limit}, "
        "at or above the high-risk line {high}", W, rule="R-42", scored=True),
    "overdue_without_credit": Code(
        "无信用额度却有逾期",
        "{sheet} {cell}：逾期金额 {value}，但渠道没有信用额度，信用风险为高",
        "{sheet} {cell}: {value} is overdue although the channel has no credit limit: "
        "high credit risk", W, rule="R-42", scored=True),
    "order_drop": Code(
        "订单骤降",
        "{sheet} {cell}：渠道 {value} 最近 {days} 天订单额 {current}，比之前 {periods} 个周期"
        "（每期 {days} 天）的平均 {average} 下降 {drop}，达到预警线 {ratio}",
        "{sheet} {cell}: channel {value} ordered {current} in the last {days} days, {drop} "
        "below the average {average} of the {periods} periods of {days} days before "
        "(alert at {ratio})", W, rule="R-43", scored=True),
    "complaint_onsite_late": Code(
        "投诉到场超时",
        "{sheet} {cell}：投诉 {received} 受理，{arrived} 到场，晚于 {hours} 小时的时限 {deadline}",
        "{sheet} {cell}: the complaint received at {received} was reached on site at "
        "{arrived}, after the {hours}-hour limit {deadline}", W, rule="R-44", scored=True),
    "complaint_onsite_missing": Code(
        "投诉未记录到场",
        "{sheet} {cell}：投诉 {received} 受理，{hours} 小时的到场时限 {deadline} 已过，"
        "未填写到场时间",
        "{sheet} {cell}: the complaint received at {received} has no on-site time and its "
        "{hours}-hour limit {deadline} has passed", W, rule="R-44", scored=True),
    "complaint_report_late": Code(
        "书面投诉上报超时",
        "{sheet} {cell}：书面投诉 {received} 受理，{value} 才报渠道总监，"
        "晚于 {days} 个工作日的期限 {deadline}",
        "{sheet} {cell}: the written complaint received on {received} reached the channel "
        "director on {value}, after its deadline {deadline} ({days}-working-day limit)",
        W, rule="R-44", scored=True),
    "complaint_report_missing": Code(
        "书面投诉逾期未上报",
        "{sheet} {cell}：书面投诉 {received} 受理，{days} 个工作日的期限 {deadline} 已过，"
        "尚未报渠道总监",
        "{sheet} {cell}: the written complaint received on {received} has not reached the "
        "channel director and its deadline {deadline} ({days}-working-day limit) has passed",
        W, rule="R-44", scored=True),
    "after_sales_escalate": Code(
        "售后超期未答复",
        "{sheet} {cell}：售后问题 {received} 受理，已 {open_days} 天未答复（超过 {days} 天），"
        "应升级处理",
        "{sheet} {cell}: the after-sales case received on {received} has had no answer for "
        "{open_days} days (over {days}): escalate it", W, rule="R-44", scored=True),

    # Writing results
    "not_written": Code(
        "未写入",
        "结果未写入文件：{reason}",
        "The results were not written to the file: {reason}"),
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
    # Workbooks scored as one book (score --combine, score --db): what two of them say
    # differently. {other} names the other file, {other_place} its sheet and row.
    "combine_policy_differs": Code(
        "参数表不一致",
        "“{file}”的参数表与“{other}”不同（{keys}），按“{other}”的参数计算；"
        "请统一参数表，或用 --policy 指定以哪个文件的参数为准",
        "The policy sheet of '{file}' differs from that of '{other}' ({keys}); '{other}''s "
        "policy was used: make them agree, or name the one to use with --policy",
        scored=True),
    "combine_channel_differs": Code(
        "渠道档案不一致",
        "{sheet} {cell}：渠道“{value}”的档案与“{other}”{other_place}不同（{labels}），"
        "按“{other}”的档案计算",
        "{sheet} {cell}: the profile of channel '{value}' differs from '{other}' "
        "{other_place} ({labels}); the profile in '{other}' was used", scored=True),
    "combine_same_row": Code(
        "重复的行",
        "{sheet} {cell}：这一行与“{other}”{other_place}完全相同，只计算一次",
        "{sheet} {cell}: this row is the same as '{other}' {other_place}; it counts once",
        W, scored=True),
    "combine_assessed_twice": Code(
        "重复考核",
        "{sheet} {cell}：客户经理“{value}”{month} 的考核在“{other}”{other_place}已有，"
        "按“{other}”的一行计算",
        "{sheet} {cell}: manager '{value}' was assessed for {month} in '{other}' "
        "{other_place} already; that row was used", scored=True),
}

# What to do about each finding, as the Issues sheet suggests it: (Chinese, English).
SUGGESTIONS: Final[dict[str, tuple[str, str]]] = {
    "no_known_sheet": ("用 chantool new 生成模板，或把工作表改名为标准名称",
                       "Start from a chantool template or rename the sheets to the standard names"),
    "duplicate_sheet": ("合并两张表或删除其中一张", "Merge the two sheets or delete one"),
    "header_not_found": ("检查表头行的列名是否与模板一致",
                         "Make the header labels match the template"),
    "column_missing": ("在表头行加上这一列", "Add this column to the header row"),
    "duplicate_column": ("删除或改名重复的列", "Delete or rename the repeated column"),
    "merged_cells": ("取消合并，并在每个单元格填写数值", "Unmerge and fill every cell"),
    "required_missing": ("填写此单元格", "Fill in this cell"),
    "cell_error": ("修正引起错误的公式", "Fix the formula that gives the error"),
    "not_a_number": ("只填写数字，不要带文字", "Type a number only"),
    "not_an_integer": ("填写整数", "Type a whole number"),
    "not_a_date": ("按 2025-03-01 的格式填写日期", "Type the date as 2025-03-01"),
    "not_a_time": ("按 08:30 的格式填写时间", "Type the time as 08:30"),
    "not_yes_no": ("填写 是 或 否", "Type yes or no"),
    "not_a_month": ("按 2025-06 的格式填写月份", "Type the month as 2025-06"),
    "bad_choice": ("从下拉列表中选择", "Pick a value from the drop-down list"),
    "out_of_range": ("填写允许范围内的数值", "Type a value within the allowed range"),
    "date_in_future": ("检查日期是否填错", "Check the date"),
    "not_unique": ("删除重复行或改正编码", "Remove the repeated row or correct the id"),
    "unknown_channel": ("先在渠道档案中建档，或改正渠道编码",
                        "Add the channel to the Channels sheet or correct the id"),
    "key_contacts_exceed_staff": ("核对销售人员数和重点联系人数",
                                  "Check the sales staff and key contact counts"),
    "key_contacts_below_ratio": ("增加重点联系人，覆盖足够比例的渠道销售人员",
                                 "Add key contacts among the channel's sales staff"),
    "profile_late": ("及时完成新渠道的基础档案；如完成日期填错请改正",
                     "Complete new profiles in time, or correct the date"),
    "profile_missing": ("尽快完成基础档案并填写档案完成日期",
                        "Complete the profile and enter the date it was done"),
    "calendar_year_unknown": ("升级 chantool（节假日数据随 chinesecalendar 每年更新），"
                              "或在参数表中填写该年的节假日和调休日",
                              "Upgrade chantool, or list that year's days on the Policy sheet"),
    "follow_up_overdue": ("尽快完成跟进并填写跟进完成日期",
                          "Follow up and enter the date it was done"),
    "follow_up_done_late": ("按截止日期完成跟进", "Follow up by the due date"),
    "price_ladder_broken": ("核对三个价格，使出厂价 ≤ 批发价 ≤ 零售价",
                            "Check the three prices: company <= wholesale <= retail"),
    "below_floor_price": ("核实成交价；确属低价销售的，按价格管理制度处理",
                          "Check the price; if sold below the floor, follow the pricing rules"),
    "cross_area_sale": ("核实销售区域；确属窜货的，按窜货管理制度处理",
                        "Check the region; if it was sold outside the area, follow the rules"),
    "check_out_before_check_in": ("核对签到、签退时间", "Check the check-in and check-out times"),
    "no_agreement_incomplete": ("补充未达成原因、后续计划和跟进截止日期",
                                "Add the cause, the follow-up plan and its due date"),
    "bands_not_increasing": ("按销售额从低到高排列提成档位",
                             "List the bands from low to high sales"),
    "fix_by_missing": ("填写整改期限，并按期整改", "Type the fix-by date and fix it by then"),
    # Scoring: visits
    "effect_missing": ("当天填写拜访效果：达成了几个目的、是否达成一致",
                       "Assess each visit the same day: purposes met, agreement"),
    "policy_bad_entry": ("按说明列的格式填写该参数的每一项",
                         "Write each item as the note column shows"),
    "visit_target_unknown": ("在参数 tier_visit_targets 中加上该等级或渠道类型的拜访频次",
                             "Add the tier or channel type to tier_visit_targets"),
    "daily_visits_short": ("每个工作日至少拜访规定数量的渠道；驻点销售请在驻点销售列填 是",
                           "Visit enough channels every working day; mark stationed days"),
    "late_check_in": ("按时签到", "Check in on time"),
    "early_check_out": ("按时签退", "Check out on time"),
    "visits_overlap": ("核对两次拜访的签到、签退时间", "Check the times of both visits"),
    "too_many_visits": ("核对当天的拜访记录是否重复或虚报", "Check the day's visits for repeats"),
    "visit_too_short": ("核对签到、签退时间；拜访应有足够时长",
                        "Check the times; a visit needs enough time"),
    # Scoring: assessment
    "training_below_pass": ("组织补考或针对性辅导，下月成绩达到合格分",
                            "Arrange a retake or coaching so next month's score passes"),
    "training_penalty": ("按制度执行处罚，并安排重点辅导",
                         "Apply the penalty and arrange focused coaching"),
    "training_late": ("每月按规定日期前完成统一培训", "Hold the monthly training in time"),
    "effect_check_late": ("培训后按期检查培训效果", "Check the training effect in time"),
    "effect_check_missing": ("检查培训效果并填写效果检查日期",
                             "Check the training effect and enter the date"),

    # Scoring: money
    "bad_commission_period": ("按参数 commission_period 的周期填写期间，如 2025Q2、2025-06 或 2025",
                              "Write the period as the policy's commission_period says"),
    "contest_dates_reversed": ("改正开始日期或结束日期", "Correct the first or the last day"),
    "contest_level_missing": ("达标竞赛填写数量门槛，排名竞赛填写名次",
                              "Give the threshold in units, or the place for a ranking"),
    "payment_overdue": ("催收货款；已付款的请填写回款日期",
                        "Collect the payment, or enter the date it was paid"),
    "payment_late": ("提醒渠道按期付款；回款日期填错的请改正",
                     "Remind the channel of the due date, or correct the date"),

    # Scoring: value and risk
    "credit_risk_high": ("改为预付款（先款后货）或缩短账期，并催收逾期货款",
                         "Move the channel to prepayment or shorter payment terms, and "
                         "collect what is overdue"),
    "overdue_without_credit": ("改为预付款或缩短账期，并催收逾期货款；如有信用额度请填写",
                               "Move the channel to prepayment or shorter terms and collect "
                               "what is overdue; fill in the credit limit if there is one"),
    "order_drop": ("尽快拜访渠道，了解订单下降的原因（库存、竞品、关系、资金）并商定对策",
                   "Visit the channel soon, find out why its orders dropped and agree on "
                   "actions"),
    "complaint_onsite_late": ("接到投诉后在时限内赶到现场受理；如时间填错请改正",
                              "Reach the site within the limit; correct the time if it is wrong"),
    "complaint_onsite_missing": ("填写到场日期和时间；尚未到场的请立即处理",
                                 "Enter the on-site date and time, or go on site now"),
    "complaint_report_late": ("书面投诉材料在规定工作日内转交渠道总监",
                              "Pass written complaints to the channel director in time"),
    "complaint_report_missing": ("立即把书面投诉材料转交渠道总监，并填写上报总监日期",
                                 "Pass the written complaint to the channel director now and "
                                 "enter the date"),
    "after_sales_escalate": ("升级处理：拍照报终端主管核查，跟进售后答复并填写答复日期",
                             "Escalate: report it to the terminal supervisor with photos, chase "
                             "the answer and enter its date"),

    "not_written": ("关闭在 Excel 中打开的文件，或检查磁盘空间和权限后重试",
                    "Close the file in Excel, or check disk space and permissions, and retry"),
    "policy_unknown_key": ("检查参数名拼写，或删除这一行",
                           "Check the key's spelling or delete the row"),
    "policy_duplicate_key": ("删除重复的参数行", "Delete the repeated key"),
    "policy_bad_value": ("按说明列的要求填写参数值", "Type a value as the note column says"),
    "combine_policy_differs": ("统一各文件的参数表，或用 --policy 指定参数文件",
                               "Make the policy sheets agree, or name one with --policy"),
    "combine_channel_differs": ("核对两个文件中该渠道的档案，改成一致",
                                "Check the channel's profile in both files and make them agree"),
    "combine_same_row": ("删除重复提交的一行", "Delete the row submitted twice"),
    "combine_assessed_twice": ("每位客户经理每月只在一个文件中考核",
                               "Assess each manager-month in one file only"),
}


def suggestion(code: str, lang: Lang = "zh") -> str:
    zh, en = SUGGESTIONS[code]
    return zh if lang == "zh" else en


# Reasons a whole file could not be read (its status is "unreadable").
REASONS: Final[dict[str, tuple[str, str]]] = {
    "not_found": ("文件不存在", "the file does not exist"),
    "not_a_file": ("不是文件", "not a file"),
    "cannot_open": ("无法打开文件：{detail}", "the file cannot be opened: {detail}"),
    "read_failed": ("读取失败：{detail}", "reading failed: {detail}"),
    "empty": ("文件是空的（0 字节）", "the file is empty (0 bytes)"),
    "text_file": ("这是文本/CSV 文件，只是扩展名为 Excel；请在 Excel 中打开后另存为 .xlsx",
                  "this is a text/CSV file with an Excel name; open it in Excel and save as .xlsx"),
    "plain_text": ("这是文本文件（.txt），不是 Excel 工作簿；请把数据粘贴到 Excel 中另存为 .xlsx",
                   "this is a text file (.txt), not an Excel workbook; paste its data into "
                   "Excel and save as .xlsx"),
    "csv_file": ("这是 CSV 文件，不是 Excel 工作簿；请在 Excel 中打开后另存为 .xlsx",
                 "this is a CSV file, not an Excel workbook; open it in Excel and save as .xlsx"),
    "not_xlsx_binary": ("不是 Excel 工作簿（.xlsx/.xlsm）", "not an Excel workbook (.xlsx/.xlsm)"),
    "legacy_xls": ("这是旧版 Excel 97-2003 (.xls) 文件；请在 Excel 中另存为 .xlsx",
                   "this is a legacy Excel 97-2003 (.xls) file; save it as .xlsx in Excel"),
    "encrypted": ("工作簿设置了打开密码（已加密），无法读取；请取消密码后再试",
                  "the workbook is password-protected (encrypted); remove the password first"),
    "other_office_binary": ("这是 Office 二进制文件，不是 Excel 工作簿",
                            "an Office binary file that is not an Excel workbook"),
    "broken_ole": ("Office 二进制文件已损坏：{detail}", "a damaged Office binary file: {detail}"),
    "xlsb": ("这是 Excel 二进制工作簿 (.xlsb)，不受支持；请另存为 .xlsx",
             "an Excel binary workbook (.xlsb) is not supported; save it as .xlsx"),
    "broken_zip": ("文件已损坏（不是完整的 zip 包）：{detail}",
                   "the file is damaged (not a complete zip package): {detail}"),
    "not_a_workbook": ("这是 zip 包，但不是 Excel 工作簿（找不到工作簿部件）",
                       "a zip package, but not an Excel workbook (no workbook part)"),
    "dtd": ("部件 {part} 含有 DTD/实体声明，可能是恶意文件，已拒绝读取",
            "part {part} declares a DTD or entities and may be hostile; refused"),
    "bomb_total": ("解压后总大小 {size} 超过上限 {limit}，疑似 zip 炸弹，已拒绝读取",
                   "unpacks to {size}, over the {limit} limit: a suspected zip bomb; refused"),
    "bomb_part": ("部件 {part} 解压后 {size}，超过上限 {limit}，疑似 zip 炸弹，已拒绝读取",
                  "part {part} unpacks to {size}, over the {limit} limit: a suspected zip bomb"),
    "bomb_ratio": ("部件 {part} 的压缩比 {ratio}:1 超过上限 {limit}:1，疑似 zip 炸弹，已拒绝读取",
                   "part {part} is packed {ratio}:1, over the {limit}:1 limit: "
                   "a suspected zip bomb"),
    "shared_strings": ("共享字符串表声称有 {count} 个字符串，但只有 {size}，不可能成立，已拒绝读取",
                       "the shared-string table claims {count} strings in only {size}; refused"),
    "out_of_grid": ("工作表“{sheet}”有单元格 {cell} 超出 Excel 的范围（最大 XFD1048576）",
                    "sheet '{sheet}' has a cell {cell} outside Excel's grid (XFD1048576 at most)"),
    "too_many_cells": ("工作表“{sheet}”的范围到 {cell}，共 {cells} 个单元格，超过上限 {limit}",
                       "sheet '{sheet}' reaches {cell}: {cells} cells, over the {limit} limit"),
    "timeout": ("读取超过 {seconds} 秒仍未完成，已中止", "not read within {seconds} s; stopped"),
    "out_of_memory": ("读取所需内存超过上限 {limit}，已中止",
                      "reading needed more than the {limit} memory limit; stopped"),
    "crashed": ("读取时解析程序异常退出（{detail}）", "the reader stopped abnormally ({detail})"),
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
    if type(value) is str:  # most shown values, as they are
        return value
    shown = json_value(value)
    return "" if shown is None else str(shown)


@dataclass(slots=True, unsafe_hash=True)
class Finding:
    """One problem at one place: the fields of the JSON contract. A plain dataclass, as
    large sheets make findings by the ten thousand and every value comes from the engine
    itself (pydantic checks user input: the policy). Not frozen, as a frozen dataclass is
    several times slower to make (a large sheet's findings are made in the child and again
    in the parent); nothing changes a finding once made, and it hashes as before."""

    severity: Severity
    rule: str | None
    code: str
    sheet: str | None
    cell: str | None
    row: int | None
    column: str | None
    value: Any
    message: str
    # The file (or archived file) of ``sheet`` when a book gathers several (``score
    # --combine``, ``score --db``); None for a book of one workbook.
    source: str | None = None

    def to_dict(self) -> dict[str, Any]:
        found = {
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
        if self.source is not None:  # a key of its own: one workbook's JSON stays as it was
            found["file"] = self.source
        return found


def make_finding(
    code: str,
    *,
    lang: Lang = "zh",
    sheet: str | None = None,
    cell: str | None = None,
    row: int | None = None,
    column: str | None = None,
    value: Any = None,
    rule: str | None = None,
    source: str | None = None,
    **fields: Any,
) -> Finding:
    """Build a finding; its message is the code's template filled with these fields. A
    code about any policy key takes the ``rule`` of the key it is about."""
    entry = CATALOGUE[code]
    template = entry.zh if lang == "zh" else entry.en
    message = template.format(sheet=sheet or "", cell=cell or "", value=display(value), **fields)
    return Finding(entry.severity, rule or entry.rule, code, sheet, cell, row, column, value,
                   message, source)


# Where a message places a row whose column letters are not known (a row from the store).
ROW_PLACE: Final = {"zh": "第{row}行", "en": "row {row}"}


class CellFindings:
    """Makes the findings of one code in one column of a sheet that share every field
    but the cell, the row and the value: each is what ``make_finding`` makes, with what
    they share looked up once (sheets make findings by the ten thousand)."""

    def __init__(
        self, code: str, lang: Lang, sheet: str, column: str, fields: Mapping[str, Any],
        source: str | None = None,
    ) -> None:
        entry = CATALOGUE[code]
        self._head = (entry.severity, entry.rule, code, sheet)
        self._column = column
        self._format = (entry.zh if lang == "zh" else entry.en).format
        self._fields = {"sheet": sheet, **fields}
        self._source = source
        self._row = ROW_PLACE[lang]

    def __call__(self, cell: str | None, row: int, value: Any) -> Finding:
        message = self._format(cell=cell or self._row.format(row=row), value=display(value),
                               **self._fields)
        return Finding(*self._head, cell, row, self._column, value, message, self._source)
