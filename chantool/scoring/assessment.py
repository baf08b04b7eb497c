"""Scoring: the weekly review (夕会), the monthly ranking and training of managers, the
offices' channel scores and the planned customers per tier (R-20..R-26).

Weekly and monthly figures are per manager: a sale belongs to the manager whom its
channel's profile names (渠道档案), and a channel is active (活动渠道, R-21) in each week
and month it has a sale in — not only in those of its first sale. The review week starts
on the first day of the policy's first review segment (Saturday by default) and its
segments are calendar days: holidays move neither the segments nor the week.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from calendar import monthrange
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from itertools import pairwise
from typing import Final

from chantool.book import Book, TypedSheet, once_per_book, reads
from chantool.coerce import normalize_text
from chantool.findings import Finding, Lang, display
from chantool.listings import STATUS_WORDS, Field, Listing, ResultValues, Row
from chantool.policy import Policy
from chantool.scoring import Scorer, Section
from chantool.settings import CARE_LEVELS, ON_SITE_FORMS

# A target not reached yet while its week or month is still running is pending, not short.
PROGRESS_WORDS: Final = {**STATUS_WORDS, "pending": ("进行中", "pending")}
CARD_WORDS: Final = {"reward": ("奖励", "reward"), "yellow": ("黄牌", "yellow card")}
ACTION_WORDS: Final = {"focus": ("重点改进", "focus"), "reassign": ("调岗", "reassign")}
TRAINING_WORDS: Final = {"pass": ("合格", "pass"), "notice": ("通报", "notice"),
                         "penalty": ("处罚", "penalty")}
BASIS_WORDS: Final = {"tier": ("渠道等级", "tier"), "channel_type": ("渠道类型", "channel type")}

# The three causes of a weekly shortfall, in the order of the policy's
# shortfall_causes, which names them.
CAUSES: Final = ("relationship", "willingness", "skill")

# Seed 000 (渠道经营手册), 周经营诊断原因分析: the sub-causes to look into, by cause.
SUB_CAUSES: Final[dict[str, tuple[str, ...]]] = {
    "relationship": (
        "公司与渠道高层的关系", "客户经理与渠道经办人员关系", "客户经理与渠道市场部主任关系",
        "客户经理与渠道销售人员关系"),
    "willingness": (
        "客户经理对公司的认同度", "客户经理对岗位的认同度", "客户经理对产品的认同度",
        "客户经理自身销售意愿", "渠道对异业联盟业务发展的意愿",
        "渠道销售人员的异业联盟销售意愿"),
    "skill": (
        "客户经理对产品的掌握程度", "客户经理产品培训技能", "客户经理人际沟通技能",
        "渠道销售人员的营销技能", "渠道销售人员对产品的掌握程度", "渠道销售人员的销售习惯"),
}

# Seed 000 (渠道经营手册), 周经营改善方案: the improvement plans of each cause, as
# (plan, its actions).
IMPROVEMENT_PLANS: Final[dict[str, tuple[tuple[str, tuple[str, ...]], ...]]] = {
    "relationship": (
        ("与渠道高层关系改善方案", (
            "收集渠道中低层及描述的渠道高层对公司及异业联盟的态度，并且反馈给区域经理",
            "一周内请区域经理出面拜访该渠道高层领导，了解具体的情况和态度",
            "即时组织客户经理和区域经理研讨针对性解决方案，督促区域经理落实解决方案",
            "一周内从渠道中低层方面了解方案落实后的效果，并反馈给区域经理")),
        ("与具体经办人员关系改善方案", (
            "收集具体经办人员的详细资料，建立人员档案，特别关注近期生活和工作上的困难点",
            "限时将信息反馈给区域经理，督促区域经理组织团队研讨解决方案，"
            "例如邀请其至公司授课",
            "一周内由客户经理落实解决方案，并随时将解决过程反馈给区域经理，"
            "由区域经理进行初步评估",
            "一周内拜访具体经办人员，了解改善效果，拜访的形式可以采用家访等形式")),
    ),
    "willingness": (
        ("客户经理意愿改善方案", (
            "关注公司和岗位信息，包括公司资讯、品牌宣传、荣誉以及发展规划、激励方案",
            "主动与渠道总监或区域经理进行沟通，阐述自身的困惑，寻求了解和帮助",
            "与绩优人员沟通，了解他们的心路历程，帮助自己调整心态",
            "给自己制定激励计划，例如达到饰品金200克，自我奖励一定的物质")),
        ("相关经办人员意愿改善方案", (
            "宣传天一发展与异业联盟发展的关系，同时能满足资源共享的要求",
            "宣传公司品牌、技术平台以及公司和个人能给予的服务，消除具体经办人员的后顾之忧",
            "宣传异业联盟销售可以提升具体经办人员的收入，提高生活品质",
            "宣传异业联盟销售可以提升具体经办人员的营销技能，顺应社会发展对人才的需求",
            "宣传异业联盟销售能丰富渠道的产品线，为客户提供综合服务，提升客户的忠诚度")),
    ),
    "skill": (
        ("客户经理技能改善方案", (
            "请部门专、兼职讲师、区域经理为自己培训和分解产品",
            "主动寻求绩优人员帮助，深入挖掘产品的卖点",
            "主动要求在早夕会上进行产品的演练和培训通关")),
        ("相关经办人员技能改善方案", (
            "利用中午休息或其余非工作时间，邀约具体经办人员一对一产品培训",
            "收集绩优经办人员的销售话术，汇编成册，帮助具体经办人员深入了解产品",
            "观察具体经办人员的销售行为，了解其销售不成功的关键点，"
            "并给予一定的指导和建议，对优点要进行鼓励",
            "蹲点示范销售",
            "针对渠道情况制定简单的方案，鼓励其多开口，养成良好的销售习惯")),
    ),
}
# The same in English, item for item.
SUB_CAUSES_EN: Final[dict[str, tuple[str, ...]]] = {
    "relationship": (
        "the company's relationship with the channel's senior management",
        "the manager's relationship with the channel's staff in charge",
        "the manager's relationship with the channel's marketing director",
        "the manager's relationship with the channel's sales staff"),
    "willingness": (
        "the manager's commitment to the company", "the manager's commitment to the job",
        "the manager's belief in the products", "the manager's own will to sell",
        "the channel's will to grow the cross-industry alliance business",
        "the channel sales staff's will to sell alliance products"),
    "skill": (
        "the manager's product knowledge", "the manager's product training skills",
        "the manager's interpersonal skills", "the channel sales staff's selling skills",
        "the channel sales staff's product knowledge",
        "the channel sales staff's selling habits"),
}
IMPROVEMENT_PLANS_EN: Final[dict[str, tuple[tuple[str, tuple[str, ...]], ...]]] = {
    "relationship": (
        ("Relations with the channel's senior management", (
            "gather what the channel's junior and middle staff say of its senior "
            "management's attitude to the company and the alliance, and report it to the "
            "regional manager",
            "within a week, have the regional manager visit the channel's senior management "
            "to learn the situation and their attitude",
            "at once have the manager and the regional manager work out a solution for it, "
            "and see that the regional manager carries it out",
            "within a week, learn from the channel's junior and middle staff how the solution "
            "worked, and report it to the regional manager")),
        ("Relations with the staff in charge", (
            "collect details of the staff in charge and keep a file on each, minding their "
            "recent difficulties in life and work",
            "report to the regional manager in time and see that the team works out a "
            "solution, such as inviting them to give a class at the company",
            "within a week, the manager carries out the solution, keeping the regional "
            "manager informed, who makes a first assessment",
            "within a week, visit the staff in charge to see the improvement, for instance "
            "at home")),
    ),
    "willingness": (
        ("The manager's willingness", (
            "follow the company's and the job's news: company information, brand promotion, "
            "honours, development plans, incentive schemes",
            "talk to the channel director or the regional manager about your doubts, and "
            "seek understanding and help",
            "talk to top performers about how they got there, to help adjust your attitude",
            "set yourself an incentive plan, e.g. a reward of your own for 200 g of gold "
            "jewellery sold")),
        ("The willingness of the staff in charge", (
            "explain how Tianyi's growth and the alliance's growth go together, with "
            "resources shared",
            "promote the company's brand, technical platform and the service the company and "
            "you can give, to take away the worries of the staff in charge",
            "explain that alliance sales can raise the income and the quality of life of the "
            "staff in charge",
            "explain that alliance sales improve the selling skills of the staff in charge, "
            "as the job market asks",
            "explain that alliance sales widen the channel's range, give customers a fuller "
            "service and make them more loyal")),
    ),
    "skill": (
        ("The manager's skills", (
            "ask the department's trainers and the regional manager to train you and take "
            "the products apart",
            "seek the help of top performers to dig out the products' selling points",
            "ask to rehearse the products and pass the training at the morning and evening "
            "meetings")),
        ("The skills of the staff in charge", (
            "use lunch breaks or other time off for one-to-one product training of the staff "
            "in charge",
            "collect top performers' sales talk into a booklet, to help the staff in charge "
            "know the products",
            "watch the staff in charge sell, find where their sales fail, give guidance and "
            "advice, and praise what they do well",
            "stay on site and show how to sell",
            "make a simple plan for the channel, encourage them to speak up, and build good "
            "selling habits")),
    ),
}
# As a diagnosis row shows them, in either language.
_SUB_CAUSES_TEXT: Final[dict[Lang, dict[str, str]]] = {
    "zh": {cause: "；".join(items) for cause, items in SUB_CAUSES.items()},
    "en": {cause: "; ".join(items) for cause, items in SUB_CAUSES_EN.items()}}
_ACTIONS_TEXT: Final[dict[Lang, dict[str, str]]] = {
    "zh": {cause: "".join(f"{plan}：{'；'.join(actions)}。" for plan, actions in plans)
           for cause, plans in IMPROVEMENT_PLANS.items()},
    "en": {cause: " ".join(f"{plan}: {'; '.join(actions)}." for plan, actions in plans)
           for cause, plans in IMPROVEMENT_PLANS_EN.items()}}


# --- The review week (R-20) -------------------------------------------------------------

_WEEKDAYS: Final = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6}
_SEGMENT: Final = re.compile(
    r"(?:周|星期)([一二三四五六日天])\s*[-~—–至到]\s*(?:周|星期)([一二三四五六日天])")


@dataclass(frozen=True)
class ReviewWeek:
    """The policy's review week: the weekday it starts on, the review segment of each of
    its seven days (by days from its start) and the segments' names."""

    first_weekday: int
    segment_of_day: tuple[int, ...]
    names: tuple[str, ...]

    def start(self, day: date) -> date:
        """The first day of the review week holding ``day``."""
        return day - timedelta(days=(day.weekday() - self.first_weekday) % 7)


def review_week(segments: Sequence[str]) -> ReviewWeek | None:
    """The review week made of the policy's segments (``周六-周二``), or ``None`` when one
    cannot be read or they do not make up one week, each starting the day after the one
    before it ends."""
    spans = []
    for segment in segments:
        match = _SEGMENT.fullmatch(normalize_text(segment))
        if match is None:
            return None
        spans.append((_WEEKDAYS[match[1]], _WEEKDAYS[match[2]]))
    lengths = [(last - first) % 7 + 1 for first, last in spans]
    joined = all(first == (last + 1) % 7 for (_, last), (first, _) in pairwise(spans))
    if not spans or not joined or sum(lengths) != 7:
        return None
    days = tuple(position for position, length in enumerate(lengths) for _ in range(length))
    return ReviewWeek(spans[0][0], days, tuple(segments))


@dataclass(frozen=True)
class ReviewWindow:
    """The review weeks that overlap the as-of month, up to the as-of date: their first
    day, how many there are and how many segments each has, and for each of their days
    up to the as-of date its week number and its segment's place among all the window's
    segments (rows of other days find neither, at the cost of one look-up)."""

    start: date
    weeks: int
    segments: int
    week_of: dict[date, int]
    slot_of: dict[date, int]

    @classmethod
    def of(cls, week: ReviewWeek, as_of: date) -> ReviewWindow:
        start = week.start(as_of.replace(day=1))
        days = [start + timedelta(days=offset) for offset in range((as_of - start).days + 1)]
        segments = len(week.names)
        return cls(start, (len(days) - 1) // 7 + 1, segments,
                   {day: offset // 7 for offset, day in enumerate(days)},
                   {day: offset // 7 * segments + week.segment_of_day[offset % 7]
                    for offset, day in enumerate(days)})


# --- Who looks after which channel, and first sales -------------------------------------

@dataclass
class Profiles:
    """The channel profiles as the assessment reads them."""

    manager_of: dict[str, str] = field(default_factory=dict)  # channel id -> manager
    # Per manager, in the order they first appear: the channels they look after and the
    # on-site visits a week R-01 asks for them (by care level).
    channels: dict[str, int] = field(default_factory=dict)
    visit_norm: dict[str, int] = field(default_factory=dict)


@once_per_book
def profiles(book: Book) -> Profiles:
    """Each channel's manager, and each manager's channels and weekly visit norm (R-01)."""
    found = Profiles()
    sheet = book.sheets.get("channels")
    if sheet is None:
        return found
    key, general = book.policy.visits_per_week_key, book.policy.visits_per_week_general
    for channel, manager, care in zip(sheet.column("channel_id"), sheet.column("manager"),
                                      sheet.column("care_level"), strict=True):
        if channel is None or manager is None:
            continue
        found.manager_of[channel] = manager
        found.channels[manager] = found.channels.get(manager, 0) + 1
        found.visit_norm[manager] = found.visit_norm.get(manager, 0) + (
            key if care == CARE_LEVELS[0] else general)
    return found


def active_months(book: Book) -> Counter[tuple[str, str]]:
    """Per manager and month (YYYY-MM), the channels with a sale in it up to the as-of
    date: the month's active channels (R-21)."""
    sheet, owners = book.sheets.get("sales"), profiles(book)
    if sheet is None:
        return Counter()
    dates = sheet.column("sale_date")
    month_of = {day: f"{day.year:04d}-{day.month:02d}" for day in set(dates)
                if day is not None and day <= book.as_of}
    # The distinct (channel, month) pairs at C speed (a hot loop of bench_score's):
    # sales lines by the hundred thousand, pairs by the ten thousand.
    active: Counter[tuple[str, str]] = Counter()
    for channel, month in set(zip(sheet.column("channel_id"), map(month_of.get, dates),
                                  strict=True)):
        manager = owners.manager_of.get(channel)
        if manager is not None and month is not None:
            active[manager, month] += 1
    return active


def _status(met: bool, over: bool) -> str:
    return "met" if met else "short" if over else "pending"


# --- The weekly review (R-20, R-21, R-22) ------------------------------------------------

@dataclass(slots=True)
class ManagerWeek:
    """One manager's visits in one review week, as the shortfall diagnosis reads them."""

    on_site: int = 0
    agreed: int = 0
    agreed_known: int = 0  # visits whose agreement cell is filled in
    successful: int = 0  # visits that met enough purposes
    purposes_known: int = 0

    def willingness(self) -> float | None:
        return self.agreed / self.agreed_known if self.agreed_known else None

    def skill(self) -> float | None:
        return self.successful / self.purposes_known if self.purposes_known else None


@dataclass
class Review:
    """The review weeks of the as-of month and each manager's row for each of them; the
    rows whose week is over and short of a target are what the diagnosis looks into."""

    week: ReviewWeek
    window: ReviewWindow | None = None  # None without profiles or sales
    rows: list[Row] = field(default_factory=list)
    # (manager, week number, row) of the rows short of a target in a week that is over.
    short: list[tuple[str, int, Row]] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)


@once_per_book
def weekly_rows(book: Book) -> Review:
    """Per manager and review week overlapping the as-of month, up to the as-of date:
    sales in each review segment and in the week against the weekly target, and active
    channels (those with a sale in the week) against theirs (R-20, R-21)."""
    policy = book.policy
    findings = []
    week = review_week(policy.review_segments)
    if week is None:
        findings.append(book.bad_policy_entry(
            "review_segments", ",".join(policy.review_segments), (
                "应为首尾相接、合起来正好一周的时段，如 周六-周二,周三-周五；已按默认时段计算",
                "write segments that follow one another and make up one week, e.g. "
                "周六-周二,周三-周五; the default segments were used")))
        week = review_week(Policy.model_fields["review_segments"].default)
        assert week is not None  # the default segments make up a week
    review = Review(week, findings=findings)
    owners = profiles(book)
    if not owners.channels or "sales" not in book.sheets:
        return review
    review.window = window = ReviewWindow.of(week, book.as_of)
    sales_of, active_of = _tally_sales(book, owners, window)
    target, low, high = (policy.weekly_sales_target, policy.weekly_active_min,
                         policy.weekly_active_max)
    active_target = f"{low}-{high}"
    segment_keys = [f"segment_{position}_sales" for position in range(1, len(week.names) + 1)]
    for number in reversed(range(window.weeks)):
        first = window.start + timedelta(days=7 * number)
        last = first + timedelta(days=6)
        first_text, last_text = first.isoformat(), last.isoformat()
        over = book.as_of >= last
        unmet = _status(False, over)
        slots = slice(number * window.segments, (number + 1) * window.segments)
        for manager in owners.channels:
            segments = sales_of[manager][slots]
            sold, active = sum(segments), active_of[manager][number]
            row: Row = {
                "manager": manager, "week_start": first_text, "week_end": last_text,
                **dict(zip(segment_keys, segments, strict=True)),
                "sales_week": sold, "sales_target": target,
                "sales_status": "met" if sold >= target else unmet, "active_week": active,
                "active_target": active_target,
                "active_status": "met" if active >= low else unmet}
            review.rows.append(row)
            if over and (sold < target or active < low):
                review.short.append((manager, number, row))
    return review


@reads("channels", "sales")
def weekly_review(book: Book) -> Section:
    """The weekly review (R-20, R-21): each manager's weeks of the as-of month."""
    review = weekly_rows(book)
    weeks = Listing("weeks", ("周经营（夕会）", "Weekly review"), _week_fields(review.week),
                    review.rows, brief=("manager", "week_start", "sales_week", "sales_status",
                                        "active_week", "active_status"))
    return Section(listings=[weeks], findings=review.findings)


@reads("channels", "sales", "visits")
def weekly_diagnosis(book: Book) -> Section:
    """For each week over and short of a target, the diagnosis of its cause from the
    manager's visits that week (R-22)."""
    policy, review = book.policy, weekly_rows(book)
    diagnosed: list[Row] = []
    diagnosis = Listing("diagnosis", ("周经营诊断", "Shortfall diagnosis"),
                        _diagnosis_fields(policy), diagnosed, brief=(
        "manager", "week_start", "sales_gap", "active_gap", "relationship",
        "willingness", "skill", "cause"))
    if review.window is not None:
        owners = profiles(book)
        visits_of = {manager: [ManagerWeek() for _ in range(review.window.weeks)]
                     for manager in owners.channels}
        logged = _tally_visits(book, review.window, visits_of)
        diagnosed.extend(_diagnosis(policy, book.lang, row, owners,
                                    visits_of[manager][number] if logged else None)
                         for manager, number, row in review.short)
    return Section(listings=[diagnosis])


def _week_fields(week: ReviewWeek) -> tuple[Field, ...]:
    segments = tuple(Field(f"segment_{position}_sales", f"段{position}（{name}）销售",
                           f"Segment {position} ({name}) sales", unit="count")
                     for position, name in enumerate(week.names, 1))
    return (
        Field("manager", "客户经理", "Manager"),
        Field("week_start", "周开始", "Week start", unit="date"),
        Field("week_end", "周结束", "Week end", unit="date"),
        *segments,
        Field("sales_week", "本周销售", "Sales this week", unit="count"),
        Field("sales_target", "周销售目标", "Weekly sales target", unit="number"),
        Field("sales_status", "销售达标", "Sales status", PROGRESS_WORDS),
        Field("active_week", "本周活动渠道", "Active channels", unit="count"),
        Field("active_target", "活动渠道目标", "Active channels target"),
        Field("active_status", "活动渠道达标", "Active channels status", PROGRESS_WORDS),
    )


def _diagnosis_fields(policy: Policy) -> tuple[Field, ...]:
    # The policy names the causes (in CAUSES order); a shorter list keeps the defaults.
    default = Policy.model_fields["shortfall_causes"].default
    names = [*policy.shortfall_causes[:3], *default[len(policy.shortfall_causes):]]
    words = {cause: (name, cause) for cause, name in zip(CAUSES, names, strict=True)}
    return (
        Field("manager", "客户经理", "Manager"),
        Field("week_start", "周开始", "Week start", unit="date"),
        Field("week_end", "周结束", "Week end", unit="date"),
        Field("sales_week", "本周销售", "Sales this week", unit="count"),
        Field("sales_gap", "销售缺口", "Sales short by", unit="number"),
        Field("active_week", "本周活动渠道", "Active channels", unit="count"),
        Field("active_gap", "活动渠道缺口", "Active channels short by", unit="count"),
        Field("visits_on_site", "本周现场拜访", "On-site visits", unit="count"),
        Field("channels", "负责渠道数", "Channels looked after", unit="count"),
        Field("visits_per_channel", "每渠道现场拜访", "On-site visits per channel", unit="number"),
        Field("relationship", f"{names[0]}（拜访达标率）", "relationship (visits against the norm)",
              unit="rate"),
        Field("willingness", f"{names[1]}（达成一致率）", "willingness (agreement rate)",
              unit="rate"),
        Field("skill", f"{names[2]}（成功拜访率）", "skill (successful visit rate)", unit="rate"),
        Field("cause", "疑似原因", "Suspected cause", words),
        Field("sub_causes", "排查要点", "Sub-causes to check"),
        Field("actions", "改善方案", "Improvement actions"),
    )


def _tally_sales(book: Book, owners: Profiles, window: ReviewWindow
                 ) -> tuple[dict[str, list[int]], dict[str, list[int]]]:
    """Each manager's sales in the window by week and segment (one list, segment after
    segment), and how many channels are active in each week: those with a sale in it
    (R-21)."""
    sheet = book.sheets["sales"]
    sales_of = {manager: [0] * (window.weeks * window.segments) for manager in owners.channels}
    active_of = {manager: [0] * window.weeks for manager in owners.channels}
    # Each channel's manager's sales: with map() the look-ups of a row run at C speed.
    of_channel = {channel: sales_of[manager] for channel, manager in owners.manager_of.items()}
    for found, slot, qty in zip(map(of_channel.get, sheet.column("channel_id")),
                                map(window.slot_of.get, sheet.column("sale_date")),
                                sheet.column("qty"), strict=True):
        if found is not None and slot is not None and qty is not None:
            found[slot] += qty
    # The distinct (channel, week) pairs at C speed, as for the sales above.
    for channel, number in set(zip(sheet.column("channel_id"),
                                   map(window.week_of.get, sheet.column("sale_date")),
                                   strict=True)):
        manager = owners.manager_of.get(channel)
        if manager is not None and number is not None:
            active_of[manager][number] += 1
    return sales_of, active_of


def _tally_visits(book: Book, window: ReviewWindow,
                  weeks_of: dict[str, list[ManagerWeek]]) -> bool:
    """Add each visit in the window to its manager's week; ``False`` without a visit log."""
    sheet = book.sheets.get("visits")
    if sheet is None:
        return False
    success = book.policy.visit_success_purposes
    for found, number, form, agreed, purposes in zip(
            map(weeks_of.get, sheet.column("manager")),
            map(window.week_of.get, sheet.column("visit_date")), sheet.column("visit_form"),
            sheet.column("agreed"), sheet.column("purposes_met"), strict=True):
        if found is None or number is None:
            continue
        tally = found[number]
        tally.on_site += form in ON_SITE_FORMS
        if agreed is not None:
            tally.agreed_known += 1
            tally.agreed += agreed
        if purposes is not None:
            tally.purposes_known += 1
            tally.successful += purposes >= success
    return True


def _diagnosis(policy: Policy, lang: Lang, week: Row, owners: Profiles,
               tally: ManagerWeek | None) -> Row:
    """What a short week lacks, the three indicators and the suspected cause (R-22);
    without a visit log (``tally`` is ``None``) there is nothing to find the cause from."""
    manager, sold, active = week["manager"], week["sales_week"], week["active_week"]
    channels, norm = owners.channels[manager], owners.visit_norm[manager]
    row: Row = {
        "manager": manager, "week_start": week["week_start"], "week_end": week["week_end"],
        "sales_week": sold, "sales_gap": round(max(policy.weekly_sales_target - sold, 0), 2),
        "active_week": active,
        "active_gap": max(policy.weekly_active_min - active, 0),
        "visits_on_site": None, "channels": channels, "visits_per_channel": None,
        "relationship": None, "willingness": None, "skill": None, "cause": None,
        "sub_causes": None, "actions": None}
    if tally is None:
        return row
    # Relationship: on-site visits against what R-01 asks for the manager's channels.
    relationship = min(tally.on_site / norm, 1.0) if norm else 1.0
    willingness, skill = tally.willingness(), tally.skill()
    # The weakest indicator is the suspected cause; on a tie the one named first, as the
    # seed orders them (without contact, willingness and skill cannot show).
    cause, weakest = "relationship", relationship
    if willingness is not None and willingness < weakest:
        cause, weakest = "willingness", willingness
    if skill is not None and skill < weakest:
        cause = "skill"
    row.update(visits_on_site=tally.on_site,
               visits_per_channel=round(tally.on_site / channels, 2),
               relationship=round(relationship, 4),
               willingness=None if willingness is None else round(willingness, 4),
               skill=None if skill is None else round(skill, 4), cause=cause,
               sub_causes=_SUB_CAUSES_TEXT[lang][cause], actions=_ACTIONS_TEXT[lang][cause])
    return row


# --- Managers: ranking, cards and training (R-21, R-24, R-25) ---------------------------

_MANAGER_FIELDS: Final = (
    Field("manager", "客户经理", "Manager"),
    Field("month", "月份", "Month", unit="month"),
    Field("office", "办事处", "Office"),
    Field("kpi_score", "考核得分", "KPI score", unit="number"),
    Field("rank", "排名", "Rank", unit="count"),
    Field("card", "奖惩", "Card", CARD_WORDS),
    Field("quarter_yellow_cards", "本季度黄牌数", "Yellow cards this quarter", unit="count"),
    Field("action", "季度评定", "Action", ACTION_WORDS),
    Field("active_month", "本月活动渠道", "Active channels this month", unit="count"),
    Field("active_min", "月度活动渠道目标", "Monthly active channels target", unit="count"),
    Field("active_status", "活动渠道达标", "Active channels status", PROGRESS_WORDS),
    Field("training_score", "培训考试成绩", "Training score", unit="number"),
    Field("training_status", "培训考试结果", "Training result", TRAINING_WORDS),
    Field("penalty", "处罚金额", "Penalty", unit="money"),
)


def _quarter(month: str) -> tuple[int, int]:
    return int(month[:4]), (int(month[5:7]) - 1) // 3 + 1


def _previous_quarter(month: str) -> tuple[int, int]:
    year, quarter = _quarter(month)
    return (year, quarter - 1) if quarter > 1 else (year - 1, 4)


def _previous_month(month: str) -> str:
    year, number = int(month[:4]), int(month[5:7])
    return f"{year:04d}-{number - 1:02d}" if number > 1 else f"{year - 1:04d}-12"


def _month_end(month: str) -> date:
    year, number = int(month[:4]), int(month[5:7])
    return date(year, number, monthrange(year, number)[1])


def rank_months(indices: Sequence[int], months: Sequence[str], scores: Sequence[float | None],
                count: int) -> tuple[dict[int, int], dict[int, str]]:
    """The rank in its month and the card (R-24) of each row of ``indices`` with a score.

    Ranks are shared on a tie (1, 2, 2, 4). The top ``count`` get a reward and the bottom
    ``count`` a yellow card, by rank from the top and from the bottom, so everyone tied at
    a boundary shares its card. With fewer than twice ``count`` managers the two overlap:
    the reward wins, as a yellow card is not given to someone who ranks among the best.
    """
    by_month: dict[str, list[tuple[float, int]]] = {}
    for index in indices:
        score = scores[index]
        if score is not None:
            by_month.setdefault(months[index], []).append((score, index))
    ranks: dict[int, int] = {}
    cards: dict[int, str] = {}
    for scored in by_month.values():
        ordered = sorted(score for score, _ in scored)
        for score, index in scored:
            rank = len(ordered) - bisect_right(ordered, score) + 1
            ranks[index] = rank
            if rank <= count:
                cards[index] = "reward"
            elif bisect_left(ordered, score) + 1 <= count:
                cards[index] = "yellow"
    return ranks, cards


@reads("channels", "sales", "assessments")
def manager_ranking(book: Book) -> Section:
    """Per manager and month of the 考核记录 sheet: rank, card and quarterly action (R-24),
    channels active in the month (R-21: with a sale in it) and the training result
    (R-25)."""
    listing = Listing("managers", ("客户经理考核", "Managers"), _MANAGER_FIELDS, brief=(
        "manager", "month", "kpi_score", "rank", "card", "quarter_yellow_cards", "action",
        "training_status", "penalty"))
    section = Section(listings=[listing])
    sheet = book.sheets.get("assessments")
    if sheet is None:
        return section
    policy = book.policy
    months, managers, scores = (sheet.column(key) for key in ("month", "manager", "kpi_score"))
    indices = [index for index in range(len(sheet))
               if months[index] is not None and managers[index] is not None]
    # A manager's month entered twice (an error of validation's) is ranked once, by its
    # first row: a repeat must not take a card, or a place, from another manager.
    first_rows = list({(months[index], managers[index]): index
                       for index in reversed(indices)}.values())
    ranks, cards = rank_months(first_rows, months, scores, policy.rank_card_count)
    # Per manager and quarter, the months with a yellow card, in order (a month entered
    # twice, reported by validation, counts once).
    carded: dict[tuple[str, tuple[int, int]], set[str]] = {}
    for index, card in cards.items():
        if card == "yellow":
            carded.setdefault((managers[index], _quarter(months[index])), set()).add(
                months[index])
    yellow = {key: sorted(seen) for key, seen in carded.items()}
    training, section.findings = training_results(book, sheet, indices)
    section.findings.extend(training_dates(book, sheet, indices))
    active = active_months(book)
    # Each month's quarter, the quarter before it, and whether it is over.
    calendar = {month: (_quarter(month), _previous_quarter(month),
                        book.as_of >= _month_end(month)) for month in set(months) - {None}}
    offices, training_scores = sheet.column("office"), sheet.column("training_score")
    active_min, focus = policy.monthly_active_min, policy.yellow_cards_focus
    actions: dict[int, str] = {}
    rows: dict[int, Row] = {}
    for index in indices:
        month, manager = months[index], managers[index]
        quarter, before, over = calendar[month]
        # The cards of the row's quarter up to and including its month.
        so_far = bisect_right(yellow.get((manager, quarter), ()), month)
        # Yellow cards in two consecutive quarters mean reassignment, which wins over focus.
        action = None if not so_far else "reassign" if (manager, before) in yellow \
            else "focus" if so_far >= focus else None
        if action is not None:
            actions[index] = action
        count, result = active[manager, month], training.get(index)
        rows[index] = {
            "manager": manager, "month": month, "office": offices[index],
            "kpi_score": scores[index], "rank": ranks.get(index), "card": cards.get(index),
            "quarter_yellow_cards": so_far, "action": action,
            "active_month": count, "active_min": active_min,
            "active_status": _status(count >= active_min, over),
            "training_score": training_scores[index], "training_status": result,
            "penalty": policy.training_penalty if result == "penalty" else 0.0}
    # Newest month first, then by rank (unranked last), then in sheet order: sorts keep
    # the order of equal keys.
    unranked = len(sheet) + 1
    indices.sort(key=lambda index: ranks.get(index, unranked))
    indices.sort(key=months.__getitem__, reverse=True)
    listing.rows = [rows[index] for index in indices]
    by_key = {f.key: f for f in _MANAGER_FIELDS}
    section.columns = [ResultValues("assessments", by_key[key], values) for key, values in
                       (("rank", ranks), ("card", cards), ("action", actions))]
    return section


def training_results(book: Book, sheet: TypedSheet, indices: Sequence[int]
                     ) -> tuple[dict[int, str], list[Finding]]:
    """Each test score's result (R-25): pass, a notice under the pass mark, or a penalty
    from the policy's number of months in a row under it; findings at the score cells."""
    policy = book.policy
    months, managers = sheet.column("month"), sheet.column("manager")
    scores = sheet.column("training_score")
    passing, months_needed = policy.training_pass_score, policy.training_penalty_months
    below = sorted({(months[index], managers[index]) for index in indices
                    if scores[index] is not None and scores[index] < passing})
    previous = {month: _previous_month(month) for month, _ in below}
    run: dict[tuple[str, str], int] = {}
    for month, manager in below:  # in month order: the month before is counted first
        run[month, manager] = run.get((previous[month], manager), 0) + 1
    results: dict[int, str] = {}
    findings: list[Finding] = []
    # One maker per code and run length: a large sheet may have thousands of these.
    makers: dict[int, Callable[[int], Finding]] = {}
    fields = {"pass_score": display(passing)}
    for index in indices:
        score = scores[index]
        if score is None:
            continue
        if score >= passing:
            results[index] = "pass"
            continue
        months_below = run[months[index], managers[index]]
        # A policy of 0 months never penalises.
        penalised = bool(months_needed) and months_below >= months_needed
        results[index] = "penalty" if penalised else "notice"
        key = months_below if penalised else 0
        make = makers.get(key)
        if make is None and penalised:
            make = makers[key] = sheet.cell_findings(
                "training_penalty", "training_score",
                {**fields, "months": months_below, "penalty": display(policy.training_penalty)})
        elif make is None:
            make = makers[key] = sheet.cell_findings("training_below_pass", "training_score",
                                                     fields)
        findings.append(make(index))
    return results, findings


def training_dates(book: Book, sheet: TypedSheet, indices: Sequence[int]) -> Iterator[Finding]:
    """Training is held by the policy's day of its month, and its effect is checked within
    the policy's days after it (R-25); a check still missing once that window has passed
    (as of the as-of date) is a warning too."""
    if not sheet.has("training_date"):
        return
    policy = book.policy
    months, held = sheet.column("month"), sheet.column("training_date")
    checked = sheet.column("effect_check_date")
    for index in indices:
        day = held[index]
        if day is None:
            continue
        month = months[index]
        end = _month_end(month)
        deadline = end.replace(day=min(max(policy.training_day, 1), end.day))
        if day > deadline:
            yield sheet.finding("training_late", "training_date", index, month=month,
                                deadline=display(deadline))
        if not sheet.has("effect_check_date") or sheet.lacks("effect_check_date", index):
            continue
        check_by = day + timedelta(days=policy.training_check_days)
        if checked[index] is None and book.as_of > check_by:
            yield sheet.finding("effect_check_missing", "effect_check_date", index,
                                training=display(day), deadline=display(check_by),
                                days=policy.training_check_days)
        elif checked[index] is not None and checked[index] > check_by:
            yield sheet.finding("effect_check_late", "effect_check_date", index,
                                training=display(day), deadline=display(check_by),
                                days=policy.training_check_days)


# --- Offices (R-23) ---------------------------------------------------------------------

_OFFICE_FIELDS: Final = (
    Field("office", "办事处", "Office"),
    Field("month", "月份", "Month", unit="month"),
    Field("planned", "规划客户数", "Planned customers", unit="count"),
    Field("achievement_total", "达成得分之和", "Sum of achievements", unit="number"),
    Field("score", "渠道考核得分", "Channel score", unit="number"),
)


@reads("planned")
def office_scores(book: Book) -> Section:
    """Each office's monthly channel score (R-23): the sum of its planned customers'
    achievement scores over their number. Achievements are scores of 0-100, so the
    seed's "x 100%" gives their mean on the same scale."""
    rows: list[Row] = []
    listing = Listing("offices", ("办事处渠道考核", "Offices"), _OFFICE_FIELDS, rows)
    sheet = book.sheets.get("planned")
    if sheet is None:
        return Section(listings=[listing])
    # Per (month, office): the planned customers and the sum of their achievements.
    planned: Counter[tuple[str, str]] = Counter()
    totals: dict[tuple[str, str], float] = {}
    for month, office, channel, achievement in zip(
            sheet.column("month"), sheet.column("office"), sheet.column("channel_id"),
            sheet.column("achievement"), strict=True):
        if None in (month, office, channel, achievement):
            continue
        planned[month, office] += 1
        totals[month, office] = totals.get((month, office), 0.0) + achievement
    # Newest month first; offices in the order they first appear (the sort is stable).
    for (month, office), total in sorted(totals.items(), key=lambda item: item[0][0],
                                         reverse=True):
        count = planned[month, office]
        rows.append({"office": office, "month": month, "planned": count,
                     "achievement_total": round(total, 2), "score": round(total / count, 2)})
    return Section(listings=[listing])


# --- Planned customers per tier (R-26) --------------------------------------------------

_TIER_FIELDS: Final = (
    Field("tier", "等级/类型", "Tier or type"),
    Field("basis", "计数依据", "Counted by", BASIS_WORDS),
    Field("target", "目标客户数", "Target", unit="count"),
    Field("actual", "实际客户数", "Actual", unit="count"),
    Field("gap", "缺口", "Short by", unit="count"),
    Field("status", "达标", "Status", STATUS_WORDS),
)
_TIER_TARGET: Final = re.compile(r"(.+?)\s*:\s*(\d+)")


@reads("channels")
def tier_targets(book: Book) -> Section:
    """Channels of the profiles per tier (or channel type) against the policy's planned
    targets (R-26); an entry that cannot be read is a finding and is skipped, and so is
    (without a finding) a default entry naming a tier the workbook's policy does not have."""
    rows: list[Row] = []
    listing = Listing("tiers", ("分级客户目标", "Tier targets"), _TIER_FIELDS, rows)
    section = Section(listings=[listing])
    policy = book.policy
    sheet = book.sheets.get("channels")
    counts: dict[str, Counter[str]] = {}  # basis -> channels per value; empty without profiles
    if sheet is not None:
        ids = sheet.column("channel_id")
        counts = {basis: Counter(value for channel, value in zip(
            ids, sheet.column(basis), strict=True) if channel is not None)
            for basis in ("tier", "channel_type")}
    for entry in policy.tier_targets:
        match = _TIER_TARGET.fullmatch(normalize_text(entry))
        name = match[1] if match else ""
        basis = "tier" if name in policy.tiers else \
            "channel_type" if name in policy.channel_types else None
        if basis is None and match is not None and "tier_targets" not in book.policy_cells:
            # An untouched default naming the seed's tiers (VKA...V4) is no mistake of a
            # workbook whose tiers are others (一星...五星): it is left out, unreported.
            continue
        if match is None or basis is None:
            section.findings.append(book.bad_policy_entry("tier_targets", entry, (
                "应为参数 tiers 中的等级或 channel_types 中的渠道类型加数量，如 VKA:9、分销:2；"
                "已跳过", "write a tier (policy tiers) or a channel type (policy "
                "channel_types) and a count, e.g. VKA:9; skipped")))
            continue
        if not counts:  # without the profiles there is nothing to count
            continue
        target, actual = int(match[2]), counts[basis][name]
        rows.append({"tier": name, "basis": basis, "target": target, "actual": actual,
                     "gap": max(target - actual, 0),
                     "status": "met" if actual >= target else "short"})
    return section


SCORERS: Final[tuple[Scorer, ...]] = (weekly_review, weekly_diagnosis, manager_ranking,
                                       office_scores, tier_targets)
