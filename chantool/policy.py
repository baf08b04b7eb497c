"""The policy: every threshold and list of the channel rules, and reading the 参数 sheet.

Each key has the seed's default and the rule it tunes beside it (``DOMAIN.md``); every
number is a default that a company may change on the 参数 / Policy sheet of a workbook.
Keys the sheet does not set keep their defaults. An unknown key is a warning; a value
of the wrong type is an error naming the key and its cell, and that key keeps its
default. Pydantic checks the values; ``policy_findings`` is the one place that turns its
errors into findings.
"""

from __future__ import annotations

from datetime import date, time
from typing import Annotated, Any, Final, Literal, NamedTuple

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError

from chantool import coerce
from chantool.coerce import CellError
from chantool.findings import CATALOGUE, Finding, Lang, display, make_finding
from chantool.settings import HEADER_SEARCH_ROWS, POLICY_COLUMNS
from chantool.table import RawSheet, address, find_layout


def _list(value: Any) -> Any:
    return coerce.split_list(value) if not isinstance(value, list) else value


def _rate(value: Any) -> Any:
    return coerce.parse_rate(value) if isinstance(value, str) else value


def _time(value: Any) -> Any:
    return coerce.parse_time(value) if not isinstance(value, time) else value


def _dates(value: Any) -> Any:
    return [coerce.parse_date(item) for item in _list(value)]


def _number(value: Any) -> Any:
    return coerce.parse_number(value) if isinstance(value, str) else value


# The coded values of the choice keys in words: (Chinese, code). The 参数 sheet shows
# the Chinese and accepts either; ``_ALSO_ACCEPTED`` are other words people write.
_PERIODS: Final = (("月", "month"), ("季度", "quarter"), ("年", "year"))
CHOICE_WORDS: Final[dict[str, tuple[tuple[str, str], ...]]] = {
    "visit_scheme": (("维护级别", "care"), ("等级", "tier")),
    "rebate_period": _PERIODS,
    "commission_mode": (("全额累进", "retroactive"), ("超额累进", "incremental")),
    "commission_period": _PERIODS,
    "volume_threshold_sale": (("最后一笔", "last"), ("第一笔", "first")),
    "order_drop_before_data": (("计为零", "zero"), ("不计", "skip")),
}
_ALSO_ACCEPTED: Final = {"按维护级别": "care", "按等级": "tier", "月度": "month", "每月": "month",
                         "季": "quarter", "每季度": "quarter", "年度": "year", "每年": "year",
                         "全额": "retroactive", "分段累进": "incremental", "超额": "incremental"}
_CODES: Final = {**_ALSO_ACCEPTED, **{word: code for words in CHOICE_WORDS.values()
                                      for word, code in words}}


def _choice(value: Any) -> Any:
    if not isinstance(value, str):
        return value
    text = coerce.normalize_text(value)
    return _CODES.get(text, text.lower())


def choice_word(key: str, code: str, lang: Lang) -> str:
    """A choice key's coded value as the 参数 sheet shows it in ``lang``."""
    return next((word for word, known in CHOICE_WORDS[key] if known == code), code) \
        if lang == "zh" else code


TextList = Annotated[list[str], BeforeValidator(_list)]
DateList = Annotated[list[date], BeforeValidator(_dates)]
Rate = Annotated[float, BeforeValidator(_rate), Field(ge=0, le=1)]
Count = Annotated[int, BeforeValidator(_number), Field(ge=0)]
# Spans of days (at most ten years) and days of the month: rules step through the days,
# so a value typed with too many digits must not make a run take forever.
Days = Annotated[int, BeforeValidator(_number), Field(ge=0, le=3660)]
DayOfMonth = Annotated[int, BeforeValidator(_number), Field(ge=1, le=31)]
Amount = Annotated[float, BeforeValidator(_number), Field(ge=0)]
TimeOfDay = Annotated[time, BeforeValidator(_time)]


def _key(default: Any, rule: str, note: str) -> Any:
    """A policy key: its default as given in the seed, the rule it tunes and a Chinese note."""
    return Field(default=default, json_schema_extra={"rule": rule, "note": note})


class Policy(BaseModel):
    """The policy in force for one workbook: defaults overridden by its 参数 sheet."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    channel_types: TextList = _key(
        ["直供", "分销", "大客户", "终端", "业务", "村级"], "R-01", "渠道类型列表（逗号分隔）")
    tiers: TextList = _key(["VKA", "V1", "V2", "V3", "V4"], "R-26", "渠道等级列表（逗号分隔）")
    holidays: DateList = _key([], "R-03", "在法定节假日之外另加的休息日（逗号分隔的日期）")
    workdays: DateList = _key([], "R-03", "在调休之外另加的工作日（逗号分隔的日期）")

    visit_scheme: Annotated[Literal["care", "tier"], BeforeValidator(_choice)] = _key(
        "care", "R-02", "拜访频次方案：维护级别（care，R-01）或 等级（tier，按等级/类型，R-02）")
    visits_per_week_key: Count = _key(3, "R-01", "重点维护渠道每周最少现场拜访次数")
    visits_per_week_general: Count = _key(2, "R-01", "一般维护渠道每周最少现场拜访次数")
    tier_visit_targets: TextList = _key(
        ["终端:3/周", "四星:2/周", "三星:1/月", "二星:1/月", "一星:1/月", "业务:2/周", "村级:1/周"],
        "R-02", "按等级或渠道类型的拜访频次，格式 名称:次数/周 或 名称:次数/月")
    manager_daily_visits: Count = _key(4, "R-03", "客户经理每个工作日最少拜访渠道数（驻点日除外）")
    key_contact_ratio: Rate = _key(0.4, "R-04", "重点联系人占渠道销售人员的最低比例")
    key_contact_visits_per_week: Count = _key(2, "R-04", "每位重点联系人每周最少拜访次数")
    visit_purposes_total: Count = _key(5, "R-05", "拜访目的总数")
    visit_success_purposes: Count = _key(3, "R-05", "达成几个目的算成功拜访")
    check_in_by: TimeOfDay = _key(time(8, 0), "R-07", "最晚签到时间")
    check_out_at: TimeOfDay = _key(time(17, 0), "R-07", "最早签退时间")
    max_visits_per_day: Count = _key(12, "R-03", "一天内拜访次数的合理上限（超过视为可疑）")
    min_visit_minutes: Count = _key(10, "R-07", "一次拜访的最短合理时长（分钟）")

    profile_workdays: Days = _key(15, "R-10", "新渠道基础档案须在合作开始后几个工作日内完成")

    weekly_sales_target: Amount = _key(30, "R-21", "客户经理每周销售目标（如黄金克数）")
    weekly_active_min: Count = _key(
        1, "R-21", "客户经理每周活动渠道（本周有销售的渠道）最少数")
    weekly_active_max: Count = _key(2, "R-21", "客户经理每周活动渠道目标上限")
    monthly_active_min: Count = _key(3, "R-21", "客户经理月底前活动渠道（本月有销售的渠道）最少数")
    review_segments: TextList = _key(
        ["周六-周二", "周三-周五"], "R-20", "每周两个夕会回顾时段（逗号分隔）")
    shortfall_causes: TextList = _key(["关系", "意愿", "技能"], "R-22", "未达标诊断的三类原因")

    rank_card_count: Count = _key(3, "R-24", "月度排名前N名奖励、后N名黄牌")
    yellow_cards_focus: Count = _key(2, "R-24", "一个季度内几张黄牌列为重点改进")
    training_day: DayOfMonth = _key(8, "R-25", "每月培训的最晚日期（几号）")
    training_pass_score: Amount = _key(80, "R-25", "培训考试合格分数")
    training_penalty_months: Count = _key(2, "R-25", "连续几个月不合格处罚")
    training_penalty: Amount = _key(200, "R-25", "连续不合格的处罚金额（元）")
    training_check_days: Days = _key(2, "R-25", "培训后几天内检查培训效果")
    tier_targets: TextList = _key(
        ["VKA:9", "V1:19", "V2:25", "V3:30", "V4:91", "分销:2"], "R-26",
        "各等级计划客户目标数，格式 等级:数量")

    rebate_period: Annotated[Literal["month", "quarter", "year"], BeforeValidator(_choice)] = _key(
        "quarter", "R-34", "返利累计周期：月、季度 或 年（month / quarter / year）")
    volume_threshold_sale: Annotated[Literal["last", "first"], BeforeValidator(_choice)] = _key(
        "last", "R-34", "本期达量门槛取哪笔销售时有效的返利政策：最后一笔（last）或 "
        "第一笔（first）；规则原文未规定，这是一种解读")
    commission_mode: Annotated[
        Literal["retroactive", "incremental"], BeforeValidator(_choice)] = _key(
        "retroactive", "R-35",
        "提成方式：全额累进（retroactive，全部销售额按达到的档位）或 超额累进（incremental，"
        "各档按各自比例）")
    commission_period: Annotated[
        Literal["month", "quarter", "year"], BeforeValidator(_choice)] = _key(
        "quarter", "R-35",
        "提成结算周期：月、季度 或 年（month / quarter / year；已付提成的期间按此填写）")
    commission_target_bonus: Rate = _key(0.0, "R-35", "超额完成目标部分的额外奖金比例")
    first_order_multiplier: Amount = _key(2, "R-35", "新品首单奖励倍数")
    new_models: TextList = _key([], "R-35", "新品型号（首单按奖励倍数计提成，逗号分隔）")
    band_watch_pct: Rate = _key(0.1, "R-35", "距下一档位在此比例内的渠道列入关注名单")
    statement_close_day: DayOfMonth = _key(25, "R-37", "每月结账日")
    payment_due_day: DayOfMonth = _key(10, "R-37", "次月现金付款截止日")
    early_payment_discount: Rate = _key(0.0, "R-37", "提前付款折扣比例")

    pareto_customer_share: Rate = _key(0.2, "R-40", "头部客户比例（二八法则）")
    pareto_revenue_share: Rate = _key(0.8, "R-40", "头部客户应占的收入比例")
    value_months: Days = _key(
        12, "R-40", "二八分析和贡献得分统计截至评分日期的几个月销售额（0 为全部销售记录）")
    grade_a_min: Amount = _key(80, "R-41", "A级渠道最低贡献得分（分级只看贡献）")
    grade_b_min: Amount = _key(60, "R-41", "B级渠道最低贡献得分（分级只看贡献）")
    assessment_weights: TextList = _key(
        ["积极性:20", "能力:20", "信用:20"], "R-41",
        "渠道评估得分各部分的权重，格式 部分:权重（积极性、能力、信用；加上 贡献 则计入评估得分，"
        "不影响分级）")
    willingness_days: Days = _key(
        90, "R-41", "积极性得分统计截至评分日期的最近几天拜访（达成一致的比例）")
    credit_medium_ratio: Rate = _key(0.1, "R-42", "逾期金额/信用额度达到此比例为中风险")
    credit_high_ratio: Rate = _key(0.3, "R-42", "逾期金额/信用额度达到此比例为高风险")
    order_drop_ratio: Rate = _key(0.3, "R-43", "订单较近期平均下降达到此比例时预警")
    order_drop_periods: Days = _key(3, "R-43", "比较的近期周期数")
    order_drop_window_days: Days = _key(30, "R-43", "订单比较周期的天数")
    order_drop_before_data: Annotated[Literal["zero", "skip"], BeforeValidator(_choice)] = _key(
        "zero", "R-43", "销售记录最早日期之前的比较周期：计为零（zero）或 不计（skip，"
        "只平均其后的周期）；规则原文未规定，这是一种解读")
    complaint_onsite_hours: Amount = _key(1, "R-44", "投诉到达现场的时限（小时）")
    complaint_report_workdays: Days = _key(1, "R-44", "书面投诉报渠道总监的时限（工作日）")
    after_sales_escalate_days: Days = _key(7, "R-44", "售后问题无答复升级的天数")


POLICY_KEYS: Final = tuple(Policy.model_fields)
# Keys holding a share (0-1), shown as percentages on the policy sheet.
RATE_KEYS: Final = frozenset(
    key for key, field in Policy.model_fields.items()
    if any(getattr(item, "func", None) is _rate for item in field.metadata))


def policy_rule(key: str) -> str:
    extra = Policy.model_fields[key].json_schema_extra
    assert isinstance(extra, dict)
    return str(extra["rule"])


def policy_note(key: str) -> str:
    extra = Policy.model_fields[key].json_schema_extra
    assert isinstance(extra, dict)
    return str(extra["note"])


# Names keys had before, still read: R-21 counted only newly won channels then, and
# R-41 graded by the weighted score of every part.
_OLD_NAMES: Final = {"grade_weights": "assessment_weights",
                     "weekly_new_active_min": "weekly_active_min",
                     "weekly_new_active_max": "weekly_active_max",
                     "monthly_new_active_min": "monthly_active_min"}
_KEYS: Final = {coerce.fold_key(key): key for key in POLICY_KEYS} | {
    coerce.fold_key(old): key for old, key in _OLD_NAMES.items()}

# Pydantic error types in words: (Chinese, English); {ctx fields} are filled in.
_REASONS: Final[dict[str, tuple[str, str]]] = {
    "int_parsing": ("应为整数", "must be a whole number"),
    "int_from_float": ("应为整数", "must be a whole number"),
    "int_type": ("应为整数", "must be a whole number"),
    "float_parsing": ("应为数字", "must be a number"),
    "float_type": ("应为数字", "must be a number"),
    "greater_than_equal": ("不能小于 {ge}", "must be at least {ge}"),
    "less_than_equal": ("不能大于 {le}", "must be at most {le}"),
    "literal_error": ("应为 {expected} 之一", "must be one of {expected}"),
    "time_parsing": ("应为时间，如 08:00", "must be a time such as 08:00"),
    "time_type": ("应为时间，如 08:00", "must be a time such as 08:00"),
}


def _reason(error: Any, lang: Lang) -> str:
    cause = (error.get("ctx") or {}).get("error")
    if isinstance(cause, CellError):
        return CATALOGUE[cause.code].title if lang == "zh" else cause.code.replace("_", " ")
    zh, en = _REASONS.get(error["type"], ("格式不正确", "has the wrong form"))
    context = dict(error.get("ctx") or {})
    key = str(error["loc"][0])
    if "expected" in context and key in CHOICE_WORDS:  # pydantic writes "'care' or 'tier'"
        words = CHOICE_WORDS[key]
        context["expected"] = "、".join(word for word, _ in words) if lang == "zh" else \
            " or ".join(code for _, code in words)
    return (zh if lang == "zh" else en).format(**context)


class PolicyCell(NamedTuple):
    """Where the policy sheet sets a key: the cell of its value."""

    sheet: str
    cell: str
    row: int


PolicyCells = dict[str, PolicyCell]


def _key_named(name: Any) -> str | None:
    """The policy key a key cell names; None for anything else (an error value too)."""
    try:
        return _KEYS.get(coerce.fold_key(coerce.parse_text(name)))
    except CellError:
        return None


def entry_text(name: Any, value: Any) -> str:
    """A 参数 value as text that the 参数 sheet reads back as the same value of its key (the
    store keeps the entries as text): a cell that is not text as the time, date or number
    its key reads it as (a duration cell of a time key as that time, a date with a time of
    a date key as that date, TRUE of a number key as 1); any other as a message shows it."""
    key = _key_named(name)
    if key is not None and not isinstance(value, str):
        try:
            read = getattr(Policy.model_validate({key: value}), key)
        except ValidationError:  # shown as it is, it reads back as wrong as it was
            read = None
        if isinstance(read, time | date | int | float):
            return display(read)
    return display(value)


def read_policy(
    sheet: RawSheet | None, lang: Lang = "zh"
) -> tuple[Policy, list[Finding], PolicyCells]:
    """The policy of a workbook, the findings about its policy sheet, and the cell of
    each key's value that the sheet sets (so later findings can point at it)."""
    if sheet is None:
        return Policy(), [], {}
    layout = find_layout(sheet.rows, POLICY_COLUMNS)
    if layout is None or "key" not in layout.positions or "value" not in layout.positions:
        labels = "、".join(label for label, _ in POLICY_COLUMNS.values())
        finding = make_finding("header_not_found", lang=lang, sheet=sheet.name,
                               rows=HEADER_SEARCH_ROWS, labels=labels)
        return Policy(), [finding], {}
    key_col, value_col = layout.positions["key"], layout.positions["value"]
    findings: list[Finding] = []
    values: dict[str, Any] = {}
    places: dict[str, tuple[int, Any]] = {}
    for row_number in range(layout.header_row + 1, len(sheet.rows) + 1):
        row = sheet.rows[row_number - 1]
        name = row[key_col] if key_col < len(row) else None
        if coerce.is_blank(name):
            continue
        value = row[value_col] if value_col < len(row) else None
        cell = address(row_number, key_col + 1)
        key = _key_named(name)
        if key is None:
            findings.append(make_finding("policy_unknown_key", lang=lang, sheet=sheet.name,
                                         cell=cell, row=row_number, column="key", value=name))
        elif key in places:
            findings.append(make_finding("policy_duplicate_key", lang=lang, sheet=sheet.name,
                                         cell=cell, row=row_number, column="key", value=name,
                                         other=places[key][0]))
        elif not coerce.is_blank(value):
            places[key] = (row_number, value)
            values[key] = value
    cells = {key: PolicyCell(sheet.name, address(row, value_col + 1), row)
             for key, (row, _) in places.items()}
    try:
        policy = Policy.model_validate(values)
    except ValidationError as error:
        findings.extend(policy_findings(error, places, sheet.name, value_col, lang))
        bad = {str(item["loc"][0]) for item in error.errors()}
        policy = Policy.model_validate(
            {key: value for key, value in values.items() if key not in bad})
    findings.extend(_inconsistent(policy, places, sheet.name, value_col, lang))
    return policy, findings, cells


def _inconsistent(policy: Policy, places: dict[str, tuple[int, Any]], sheet: str,
                  value_col: int, lang: Lang) -> list[Finding]:
    """Values each fine alone that cannot hold together: a visit cannot meet more purposes
    than there are (R-05)."""
    success, total = policy.visit_success_purposes, policy.visit_purposes_total
    if success <= total:
        return []
    key = "visit_success_purposes" if "visit_success_purposes" in places \
        else "visit_purposes_total"
    row_number, value = places[key]
    reason = (f"达成目的数 {success} 不能多于目的总数 {total}" if lang == "zh" else
              f"{success} purposes cannot be more than the {total} there are")
    return [make_finding("policy_bad_value", lang=lang, sheet=sheet,
                         cell=address(row_number, value_col + 1), row=row_number,
                         column="value", value=value, key=key, reason=reason)]


def policy_findings(
    error: ValidationError,
    places: dict[str, tuple[int, Any]],
    sheet: str,
    value_col: int,
    lang: Lang,
) -> list[Finding]:
    """Pydantic's errors about policy values as findings on the value cells."""
    findings = []
    seen: set[str] = set()
    for item in error.errors():
        key = str(item["loc"][0])
        if key in seen:
            continue
        seen.add(key)
        row_number, value = places[key]
        findings.append(make_finding(
            "policy_bad_value", lang=lang, sheet=sheet, cell=address(row_number, value_col + 1),
            row=row_number, column="value", value=value, key=key, reason=_reason(item, lang)))
    return findings
