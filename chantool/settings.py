"""Every name users see in their workbooks, and the guards around files.

Sheet and column labels (Chinese, English) with their types and input hints, the names
of the sheets chantool generates, and the limits that protect a batch from hostile
files. The policy (every threshold of the channel rules) lives in ``policy.py``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import StrEnum
from functools import cached_property
from typing import Any, Final


class Kind(StrEnum):
    """How a column's cells are read."""

    TEXT = "text"
    INTEGER = "integer"
    NUMBER = "number"
    RATE = "rate"
    DATE = "date"
    TIME = "time"
    YES_NO = "yes_no"
    CHOICE = "choice"
    MONTH = "month"


@dataclass(frozen=True)
class Column:
    """One known column of a standard sheet."""

    key: str
    label: str
    label_en: str
    kind: Kind
    hint: str
    hint_en: str
    required: bool = False
    # A fixed list of choices, or the name of the policy list that holds them.
    choices: tuple[str, ...] | str | None = None
    minimum: float | None = None
    maximum: float | None = None
    # True when the minimum itself is not allowed (prices must be > 0).
    exclusive_minimum: bool = False
    unique: bool = False
    not_future: bool = False
    # The key of a sheet whose channel_id column this column must be found in.
    refers_to: str | None = None
    # The policy key that holds the maximum instead (``maximum`` is its default).
    maximum_key: str | None = None


@dataclass(frozen=True)
class SheetSpec:
    """One standard sheet: its names and its known columns, in template order."""

    kind: str
    name: str
    name_en: str
    title: str
    columns: tuple[Column, ...]
    # Column keys that together identify a row (checked for repeats).
    unique_together: tuple[str, ...] = ()

    def column(self, key: str) -> Column:
        return self._by_key[key]

    @cached_property
    def _by_key(self) -> dict[str, Column]:
        return {column.key: column for column in self.columns}


def _col(
    key: str, label: str, label_en: str, kind: Kind, hint: str, hint_en: str, **options: Any
) -> Column:
    return Column(key, label, label_en, kind, hint, hint_en, **options)


CARE_LEVELS: Final = ("重点", "一般")
VISITEE_ROLES: Final = ("销售人员", "客服经理", "渠道负责人", "家属", "其他")
VISIT_FORMS: Final = ("现场面谈", "会议", "培训", "辅导", "电话", "邮件", "短信", "聚餐", "活动")
# Only these forms count as on-site visits for R-01..R-04 (CONTRACT.md, Visits).
ON_SITE_FORMS: Final = frozenset({"现场面谈", "会议", "培训", "辅导", "活动"})

_MANAGER = _col("manager", "客户经理", "Manager", Kind.TEXT, "负责的客户经理姓名",
               "Responsible manager's name", required=True)
_CHANNEL_REF = _col("channel_id", "渠道编码", "Channel ID", Kind.TEXT, "渠道档案中已有的渠道编码",
                    "A channel id from the Channels sheet", required=True, refers_to="channels")
_MODEL = _col("model", "型号", "Model", Kind.TEXT, "产品型号", "Product model", required=True)
_CHANNEL_TYPE = _col("channel_type", "渠道类型", "Channel type", Kind.CHOICE,
                     "从下拉列表选择（参数表 channel_types）",
                     "Pick from the list (policy channel_types)",
                     required=True, choices="channel_types")
_EFFECTIVE = _col("effective_from", "生效日期", "Effective from", Kind.DATE,
                  "本行价格/政策开始生效的日期", "Date from which this row applies", required=True)

CHANNELS: Final = SheetSpec(
    "channels", "渠道档案", "Channels", "渠道档案（每行一个渠道）",
    (
        _col("channel_id", "渠道编码", "Channel ID", Kind.TEXT,
             "渠道的唯一编码，例如 CH001，不可重复", "Unique channel id, e.g. CH001",
             required=True, unique=True),
        _col("name", "渠道名称", "Name", Kind.TEXT, "渠道全称", "Full channel name", required=True),
        _CHANNEL_TYPE,
        _col("tier", "渠道等级", "Tier", Kind.CHOICE, "从下拉列表选择（参数表 tiers）",
             "Pick from the list (policy tiers)", required=True, choices="tiers"),
        _col("care_level", "维护级别", "Care level", Kind.CHOICE, "重点 或 一般（R-01）",
             "key (重点) or general (一般), R-01", required=True, choices=CARE_LEVELS),
        _col("region", "所属区域", "Region", Kind.TEXT, "渠道所属的销售区域",
             "Assigned sales area", required=True),
        _MANAGER,
        _col("start_date", "合作开始日期", "Start date", Kind.DATE, "开始合作的日期，如 2025-03-01",
             "Cooperation start date, e.g. 2025-03-01", required=True, not_future=True),
        _col("profile_done_date", "档案完成日期", "Profile done date", Kind.DATE,
             "基础档案完成的日期（R-10：15个工作日内）",
             "Date the base profile was complete (R-10)",
             not_future=True),
        _col("sales_staff", "销售人员数", "Sales staff", Kind.INTEGER, "渠道销售人员人数，整数",
             "Head count of the channel's sales staff", minimum=0),
        _col("key_contacts", "重点联系人数", "Key contacts", Kind.INTEGER,
             "重点联系人数，不超过销售人员数（R-04）",
             "Key contacts, at most the sales staff (R-04)",
             minimum=0),
        _col("downstream_outlets", "下游网点数", "Downstream outlets", Kind.INTEGER,
             "下游分销网点数量", "Number of downstream outlets", minimum=0),
        _col("credit_limit", "信用额度", "Credit limit", Kind.NUMBER, "信用额度（元）",
             "Credit limit in yuan", minimum=0),
        _col("overdue_amount", "逾期金额", "Overdue amount", Kind.NUMBER, "逾期未付金额（元）",
             "Overdue amount in yuan", minimum=0),
        _col("monthly_target", "月度目标", "Monthly target", Kind.NUMBER, "月度销售目标",
             "Monthly sales target", minimum=0),
    ),
)

VISITS: Final = SheetSpec(
    "visits", "拜访日志", "Visits", "拜访日志（每次拜访一行，当天填写）",
    (
        _col("visit_date", "拜访日期", "Visit date", Kind.DATE, "拜访当天的日期，不能是将来日期",
             "Date of the visit, not in the future", required=True, not_future=True),
        _MANAGER,
        _CHANNEL_REF,
        _col("visitee_role", "拜访对象", "Visitee role", Kind.CHOICE, "从下拉列表选择拜访对象",
             "Pick whom you met", required=True, choices=VISITEE_ROLES),
        _col("visit_form", "拜访形式", "Visit form", Kind.CHOICE,
             "从下拉列表选择；现场面谈/会议/培训/辅导/活动计为现场拜访",
             "Pick the form; meeting forms count as on-site", required=True, choices=VISIT_FORMS),
        _col("purposes_met", "达成目的数", "Purposes met", Kind.INTEGER,
             "达成了几个拜访目的：0 到目的总数（默认 5 个，参数 visit_purposes_total；R-05）",
             "Purposes met: 0 to their number (5 unless policy visit_purposes_total; R-05)",
             minimum=0, maximum=5,
             maximum_key="visit_purposes_total"),
        _col("agreed", "是否达成一致", "Agreed", Kind.YES_NO, "是 或 否", "Yes or no"),
        _col("cause", "未达成原因", "Cause", Kind.TEXT, "未达成一致时必填（R-06）",
             "Required when not agreed (R-06)"),
        _col("follow_up", "后续计划", "Follow-up", Kind.TEXT, "未达成一致时必填（R-06）",
             "Required when not agreed (R-06)"),
        _col("follow_up_due", "跟进截止日期", "Follow-up due", Kind.DATE,
             "未达成一致时必填：跟进的截止日期", "Required when not agreed: follow-up due date"),
        _col("follow_up_done", "跟进完成日期", "Follow-up done", Kind.DATE, "跟进完成的日期",
             "Date the follow-up was done", not_future=True),
        _col("check_in", "签到时间", "Check-in", Kind.TIME, "签到时间，如 08:00（R-07）",
             "Check-in time, e.g. 08:00 (R-07)"),
        _col("check_out", "签退时间", "Check-out", Kind.TIME, "签退时间，须晚于签到时间",
             "Check-out time, after check-in"),
        _col("stationed", "驻点销售", "Stationed", Kind.YES_NO, "当天驻点销售填 是（R-03）",
             "Yes on a day stationed in one store (R-03)"),
        _col("notes", "拜访内容", "Notes", Kind.TEXT, "拜访内容与结果", "What was discussed"),
        _col("checklist_failed", "检查不合格项", "Checklist failed", Kind.TEXT,
             "门店检查不合格的项目，如 门头不达标、海报过期（R-08）",
             "Store checklist items that failed (R-08)"),
        _col("fix_by", "整改期限", "Fix by", Kind.DATE, "有不合格项时必填：整改完成的期限（R-08）",
             "Required when an item failed: the date to fix it by (R-08)"),
    ),
)

PRICES: Final = SheetSpec(
    "prices", "价格表", "Prices", "价格表（每个型号、渠道类型、生效日期一行）",
    (
        _MODEL,
        _CHANNEL_TYPE,
        _col("price_a", "出厂价", "Price A", Kind.NUMBER, "公司给经销商的价格（A价），大于0",
             "Company to dealer (A), > 0", required=True, minimum=0, exclusive_minimum=True),
        _col("price_b", "批发价", "Price B", Kind.NUMBER, "给零售商的价格（B价），大于0",
             "To retailer (B), > 0", minimum=0, exclusive_minimum=True),
        _col("price_c", "零售价", "Price C", Kind.NUMBER, "给消费者的价格（C价），大于0",
             "To consumer (C), > 0", required=True, minimum=0, exclusive_minimum=True),
        _col("floor_price", "最低限价", "Floor price", Kind.NUMBER,
             "低于此价销售视为低价倾销（R-32）",
             "Selling below it is dumping (R-32)", minimum=0, exclusive_minimum=True),
        _EFFECTIVE,
    ),
    unique_together=("model", "channel_type", "effective_from"),
)

REBATES: Final = SheetSpec(
    "rebates", "返利政策", "Rebates", "返利政策（每个型号、渠道类型、生效日期一行）",
    (
        _MODEL,
        _CHANNEL_TYPE,
        _col("pickup_rebate", "提货返利", "Pickup rebate", Kind.NUMBER, "每台提货返利（元）",
             "Pick-up rebate per unit (yuan)", minimum=0),
        _col("volume_threshold", "达量门槛", "Volume threshold", Kind.INTEGER,
             "达到此数量后每台另付达量返利", "Units from which the volume rebate is paid",
             minimum=0),
        _col("volume_rebate", "达量返利", "Volume rebate", Kind.NUMBER,
             "达量后每台返利（元），对本期全部数量", "Per unit once the threshold is reached",
             minimum=0),
        _col("pickup_only", "仅限提货渠道", "Pickup only", Kind.YES_NO, "是：只返给已提货的渠道",
             "Yes: only for channels that picked up stock"),
        _EFFECTIVE,
    ),
    unique_together=("model", "channel_type", "effective_from"),
)

COMMISSION: Final = SheetSpec(
    "commission", "提成档位", "Commission", "提成档位（按季度销售额，R-35）",
    (
        _col("sales_from", "季度销售额下限", "Sales from", Kind.NUMBER,
             "本档起点的季度销售额，逐行递增", "Quarterly sales where the band starts, increasing",
             required=True, minimum=0),
        _col("rate", "提成比例", "Rate", Kind.RATE, "0-1 的小数或百分比，如 12%",
             "A share 0-1 or a percentage like 12%", required=True, minimum=0, maximum=1),
    ),
)

SALES: Final = SheetSpec(
    "sales", "销售记录", "Sales", "销售记录（每次提货或销售一行）",
    (
        _col("sale_date", "销售日期", "Sale date", Kind.DATE, "提货或销售日期，不能是将来日期",
             "Date of the sale, not in the future", required=True, not_future=True),
        _CHANNEL_REF,
        _MODEL,
        _col("qty", "数量", "Quantity", Kind.INTEGER, "数量，正整数", "Units, a whole number > 0",
             required=True, minimum=0, exclusive_minimum=True),
        _col("unit_price", "成交单价", "Unit price", Kind.NUMBER, "实际成交单价（元）",
             "Actual unit price (yuan)", required=True, minimum=0, exclusive_minimum=True),
        _col("sale_region", "销售区域", "Sale region", Kind.TEXT,
             "实际销售的区域；与渠道所属区域不同视为窜货（R-33）",
             "Where it was sold; another region is cross-area selling (R-33)"),
        _col("picked_up", "是否提货", "Picked up", Kind.YES_NO, "是 或 否", "Yes or no"),
        _col("paid_date", "回款日期", "Paid date", Kind.DATE,
             "货款付清的日期；未付留空（R-37：25日结账，次月10日前付款）",
             "Date the sale was paid; blank while unpaid (R-37)", not_future=True),
    ),
)

ASSESSMENTS: Final = SheetSpec(
    "assessments", "考核记录", "Assessments", "考核记录（每位客户经理每月一行）",
    (
        _col("month", "月份", "Month", Kind.MONTH, "格式 YYYY-MM，如 2025-06",
             "YYYY-MM, e.g. 2025-06", required=True),
        _MANAGER,
        _col("office", "办事处", "Office", Kind.TEXT, "所属办事处", "Office"),
        _col("kpi_score", "考核得分", "KPI score", Kind.NUMBER, "月度考核得分 0-100（R-24）",
             "Monthly KPI score 0-100 (R-24)", minimum=0, maximum=100),
        _col("training_score", "培训考试成绩", "Training score", Kind.NUMBER,
             "培训考试成绩 0-100（R-25）", "Training test score 0-100 (R-25)",
             minimum=0, maximum=100),
        _col("training_date", "培训日期", "Training date", Kind.DATE,
             "本月培训的日期（R-25：每月8日前）",
             "Date of this month's training (R-25: by the 8th)"),
        _col("effect_check_date", "效果检查日期", "Effect check date", Kind.DATE,
             "检查培训效果的日期（R-25：培训后2天内）",
             "Date the training effect was checked (R-25: within 2 days)"),
    ),
    unique_together=("month", "manager"),
)

PLANNED: Final = SheetSpec(
    "planned", "计划客户", "Planned customers", "计划客户达成（R-23）",
    (
        _col("month", "月份", "Month", Kind.MONTH, "格式 YYYY-MM", "YYYY-MM", required=True),
        _col("office", "办事处", "Office", Kind.TEXT, "办事处名称", "Office", required=True),
        replace(_CHANNEL_REF, hint="计划客户的渠道编码",
                hint_en="Channel id of the planned customer", refers_to=None),
        _col("achievement", "达成得分", "Achievement", Kind.NUMBER, "本月达成得分 0-100",
             "Achievement score 0-100", required=True, minimum=0, maximum=100),
    ),
    unique_together=("month", "office", "channel_id"),
)

COMMISSION_PAID: Final = SheetSpec(
    "commission_paid", "已付提成", "Commission paid", "期中已付提成（期末结算时扣除，R-35）",
    (
        replace(_CHANNEL_REF, hint="已付提成的渠道编码", hint_en="Channel paid"),
        _col("period", "期间", "Period", Kind.TEXT,
             "提成期间，如 2025Q2（季度）、2025-06（月）、2025（年）",
             "Commission period, e.g. 2025Q2, 2025-06 or 2025", required=True),
        _col("amount", "已付金额", "Amount paid", Kind.NUMBER, "本期已预付的提成（元）",
             "Commission already paid for the period (yuan)", required=True, minimum=0),
    ),
)

CONTEST_TYPES: Final = ("达标", "排名", "普惠", "团队")
CONTESTS: Final = SheetSpec(
    "contests", "竞赛方案", "Contests", "销售竞赛方案（每个档位或名次一行，R-36）",
    (
        _col("contest", "竞赛名称", "Contest", Kind.TEXT, "竞赛名称，同一竞赛的各档写同一名称",
             "Contest name; one row per level", required=True),
        _col("contest_type", "竞赛类型", "Contest type", Kind.CHOICE,
             "达标（按数量档位，获奖不限人数）/ 排名（前N名）/ 普惠（每台奖励）/ 团队（区域对抗）",
             "threshold / ranking (top N) / universal (per unit) / team",
             required=True, choices=CONTEST_TYPES),
        _col("date_from", "开始日期", "From", Kind.DATE, "竞赛开始日期", "First day",
             required=True),
        _col("date_to", "结束日期", "To", Kind.DATE, "竞赛结束日期（含）", "Last day (included)",
             required=True),
        _col("model", "型号", "Model", Kind.TEXT, "参赛型号；留空为全部型号",
             "Model counted; blank for every model"),
        _col("level", "档位", "Level", Kind.NUMBER,
             "达标：数量门槛；排名：名次；普惠、团队留空",
             "threshold: units; ranking: place; blank otherwise", minimum=0),
        _col("reward", "奖励", "Reward", Kind.NUMBER, "奖励金额（元）；普惠为每台金额",
             "Reward in yuan; per unit for universal", required=True, minimum=0),
    ),
)

COMPLAINT_KINDS: Final = ("投诉", "售后")
COMPLAINTS: Final = SheetSpec(
    "complaints", "投诉记录", "Complaints", "投诉与售后记录（R-44）",
    (
        _CHANNEL_REF,
        _col("complaint_kind", "类型", "Kind", Kind.CHOICE, "投诉 或 售后",
             "complaint or after-sales",
             required=True, choices=COMPLAINT_KINDS),
        _col("received_date", "受理日期", "Received", Kind.DATE, "受理投诉或售后问题的日期",
             "Date received", required=True, not_future=True),
        _col("received_time", "受理时间", "Received at", Kind.TIME, "受理时间，如 09:30",
             "Time received, e.g. 09:30"),
        _col("onsite_date", "到场日期", "On site", Kind.DATE, "到达现场的日期；当天到场可留空",
             "Date on site; blank for the same day", not_future=True),
        _col("onsite_time", "到场时间", "On site at", Kind.TIME, "到达现场的时间（R-44：1小时内）",
             "Time on site (R-44: within 1 hour)"),
        _col("written", "书面投诉", "Written", Kind.YES_NO, "是否书面投诉", "A written complaint?"),
        _col("reported_date", "上报总监日期", "Reported", Kind.DATE,
             "书面投诉报渠道总监的日期（R-44：1个工作日内）",
             "Date reported to the channel director (R-44: within 1 working day)",
             not_future=True),
        _col("answered_date", "答复日期", "Answered", Kind.DATE, "给出答复的日期；未答复留空",
             "Date answered; blank while open", not_future=True),
    ),
)

SHEETS: Final = (CHANNELS, VISITS, PRICES, REBATES, COMMISSION, SALES, ASSESSMENTS, PLANNED,
                 COMMISSION_PAID, CONTESTS, COMPLAINTS)
# What `chantool new` makes: the whole book, or one sheet kind with the policy and notes.
TEMPLATE_KINDS: Final = ("book", "channels", "visits", "prices", "rebates", "sales")
# What `chantool report` makes (chantool/reports): 夕会周报, 月度考核, 对账单, 管理层看板.
REPORT_KINDS: Final = ("weekly", "monthly", "statements", "dashboard")
SHEETS_BY_KIND: Final = {sheet.kind: sheet for sheet in SHEETS}

POLICY_SHEET: Final = ("参数", "Policy")
POLICY_COLUMNS: Final = {"key": ("参数", "key"), "value": ("值", "value"), "note": ("说明", "note")}
ISSUES_SHEET: Final = ("校验结果", "Issues")
SCORES_SHEET: Final = ("评分", "Scores")
README_SHEET: Final = ("说明", "Readme")
LISTS_SHEET: Final = "_lists"

# How far down a sheet the header row is looked for (title and instruction rows above it).
HEADER_SEARCH_ROWS: Final = 30


# --- Files from outside -----------------------------------------------------------------

@dataclass(frozen=True)
class Limits:
    """Guards against files that could exhaust or crash a reader (preflight and isolation)."""

    max_unpacked_bytes: int = 1 << 30  # all parts together, unpacked
    max_part_bytes: int = 512 << 20  # one part, unpacked
    max_ratio: float = 200  # unpacked : packed, for parts above ratio_from_bytes
    ratio_from_bytes: int = 10_000_000
    # Cells of one sheet's used range from A1 (rows x columns) the reader may hold.
    max_cells: int = 20_000_000
    memory_bytes: int = 2 << 30  # per file, in its own process
    seconds: float = 60  # per file, in its own process
