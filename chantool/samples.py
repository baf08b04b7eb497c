"""Sample data: realistic filled workbooks for ``chantool new --sample`` and ``examples/``.

One province's channel business in the second quarter of 2025: six managers in three
offices, two channels each, a month of visits, prices and rebates (one changing in
mid-quarter), commission bands, sales, monthly assessments and planned customers. The
clean data validates without a single finding (as of 2025-06-29, a Sunday: the week of
the as-of date holds a full week of visits, so every weekly figure shows). The examples take
parts of it and plant deliberate problems, each listed in ``DEFECTS`` with the finding
it must produce, so a test proves every one is reported.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, time, timedelta
from typing import Any, Final

Row = dict[str, Any]
Rows = dict[str, list[Row]]

AS_OF: Final = date(2025, 6, 29)

# manager: (office, region)
MANAGERS: Final = {
    "张伟": ("杭州办事处", "杭州西区"),
    "李娜": ("杭州办事处", "杭州东区"),
    "陈静": ("杭州办事处", "杭州北区"),
    "王强": ("宁波办事处", "宁波"),
    "赵磊": ("宁波办事处", "慈溪"),
    "刘洋": ("温州办事处", "温州"),
}
# channel id, name, type, tier, care level, manager, start date
_CHANNELS: Final = (
    ("CH001", "杭州西湖数码专营店", "直供", "VKA", "重点", "张伟", date(2023, 3, 1)),
    ("CH002", "杭州留下通讯服务站", "村级", "V4", "一般", "张伟", date(2024, 9, 2)),
    ("CH003", "杭州滨江通信城", "分销", "V1", "重点", "李娜", date(2022, 11, 15)),
    ("CH004", "杭州下沙大学城手机店", "终端", "V3", "一般", "李娜", date(2025, 4, 7)),
    ("CH005", "杭州拱墅联华超市", "大客户", "V1", "重点", "陈静", date(2023, 6, 19)),
    ("CH006", "余杭临平通讯广场", "业务", "V2", "一般", "陈静", date(2024, 2, 26)),
    ("CH007", "宁波海曙华联通讯", "直供", "VKA", "重点", "王强", date(2021, 8, 9)),
    ("CH008", "宁波鄞州万达专卖店", "终端", "V2", "一般", "王强", date(2024, 5, 6)),
    ("CH009", "慈溪家电广场", "分销", "V1", "重点", "赵磊", date(2022, 4, 18)),
    ("CH010", "余姚阳明通讯", "终端", "V3", "一般", "赵磊", date(2025, 3, 3)),
    ("CH011", "温州鹿城信和通讯", "直供", "V1", "重点", "刘洋", date(2023, 1, 9)),
    ("CH012", "乐清柳市村级服务站", "村级", "V4", "一般", "刘洋", date(2024, 10, 14)),
    ("CH013", "杭州古荡手机专卖店", "终端", "V3", "一般", "张伟", date(2023, 8, 21)),
    ("CH014", "杭州三墩通讯服务站", "村级", "V4", "一般", "张伟", date(2024, 3, 11)),
    ("CH015", "杭州蒋村数码店", "终端", "V2", "重点", "张伟", date(2022, 9, 5)),
    ("CH016", "杭州四季青通讯城", "分销", "V1", "重点", "李娜", date(2022, 5, 16)),
    ("CH017", "杭州笕桥手机店", "终端", "V3", "一般", "李娜", date(2024, 6, 3)),
    ("CH018", "杭州九堡村级服务站", "村级", "V4", "一般", "李娜", date(2024, 11, 4)),
    ("CH019", "杭州大关通讯店", "终端", "V2", "一般", "陈静", date(2023, 2, 13)),
    ("CH020", "杭州半山联通营业厅", "业务", "V2", "重点", "陈静", date(2022, 12, 5)),
    ("CH021", "余杭塘栖通讯服务站", "村级", "V4", "一般", "陈静", date(2024, 7, 22)),
    ("CH022", "宁波江北数码广场", "分销", "V1", "重点", "王强", date(2022, 3, 7)),
    ("CH023", "宁波镇海手机店", "终端", "V3", "一般", "王强", date(2024, 1, 15)),
    ("CH024", "宁波北仑村级服务站", "村级", "V4", "一般", "王强", date(2024, 8, 19)),
    ("CH025", "慈溪浒山通讯城", "直供", "VKA", "重点", "赵磊", date(2021, 11, 1)),
    ("CH026", "慈溪周巷手机店", "终端", "V3", "一般", "赵磊", date(2023, 10, 9)),
    ("CH027", "余姚梁弄村级服务站", "村级", "V4", "一般", "赵磊", date(2024, 12, 2)),
    ("CH028", "温州瓯海数码城", "分销", "V2", "重点", "刘洋", date(2022, 7, 18)),
    ("CH029", "瑞安安阳手机广场", "终端", "V3", "一般", "刘洋", date(2023, 4, 24)),
    ("CH030", "永嘉上塘通讯服务站", "村级", "V4", "一般", "刘洋", date(2024, 5, 27)),
)
# model: price A (company to dealer) for 直供; other channel types add a margin.
_MODELS: Final = {"X100 手机": 1899.0, "X200 手机": 2899.0, "P300 平板": 2299.0}
_TYPE_MARKUP: Final = {"直供": 1.0, "分销": 1.03, "终端": 1.05, "大客户": 1.0, "业务": 1.04,
                       "村级": 1.06}
_ROLES: Final = ("渠道负责人", "销售人员", "销售人员", "客服经理")
_FORMS: Final = ("现场面谈", "现场面谈", "现场面谈", "培训", "辅导", "活动", "会议")
_TOPICS: Final = ("新品 X200 铺货与陈列", "二季度返利政策讲解", "库存盘点与补货计划",
                  "店员销售技巧培训", "竞品价格调研", "端午促销活动方案", "回款与对账")
_CAUSES: Final = (("店长外出，未能确认订货量", "下周二再访，带上订货方案"),
                  ("对返利门槛有异议", "请区域经理电话沟通返利政策"),
                  ("资金紧张，暂缓提货", "月底前跟进回款后再谈提货"))
# Working days of four weeks in June 2025 (2 June is the Dragon Boat Festival holiday).
_JUNE_WORKDAYS: Final = tuple(
    day for day in (date(2025, 6, 3) + timedelta(days=n) for n in range(25))
    if day.weekday() < 5)


def _channels() -> list[Row]:
    rows = []
    for number, (channel_id, name, kind, tier, care, manager, start) in enumerate(_CHANNELS):
        staff = 4 + (number * 7) % 15
        rows.append({
            "channel_id": channel_id, "name": name, "channel_type": kind, "tier": tier,
            "care_level": care, "region": MANAGERS[manager][1], "manager": manager,
            "start_date": start, "profile_done_date": start + timedelta(days=12),
            # Key contacts: 40 % of the sales staff, rounded up.
            "sales_staff": staff, "key_contacts": -(-staff * 2 // 5),
            "downstream_outlets": 3 + (number * 5) % 20,
            "credit_limit": 100_000.0 * (3 if care == "重点" else 1),
            "overdue_amount": 0.0 if number % 4 else 8_000.0 * (number % 3 + 1),
            "monthly_target": 200_000.0 if care == "重点" else 60_000.0,
        })
    return rows


def _visits(rng: random.Random) -> list[Row]:
    """Each working day every manager visits four of their five channels on site, one
    after the other from before 08:00 to after 17:00 (R-01, R-03, R-07)."""
    rows = []
    mine: dict[str, list[str]] = {}
    for channel_id, *_, manager, _ in _CHANNELS:
        mine.setdefault(manager, []).append(channel_id)
    for number, day in enumerate(_JUNE_WORKDAYS):
        for manager, channels in mine.items():
            skipped = (number + len(manager)) % len(channels)
            start = 7 * 60 + 40 + rng.randrange(16)
            for slot, channel_id in enumerate(
                    channel for position, channel in enumerate(channels) if position != skipped):
                check_in = start + slot * 140
                check_out = check_in + (95 + rng.randrange(4) * 5 if slot < 3 else 170)
                agreed = rng.random() > 0.12
                cause, plan = rng.choice(_CAUSES)
                rows.append({
                    "visit_date": day, "manager": manager, "channel_id": channel_id,
                    "visitee_role": rng.choice(_ROLES), "visit_form": rng.choice(_FORMS),
                    "purposes_met": 3 + rng.randrange(3) if agreed else 1 + rng.randrange(2),
                    "agreed": "是" if agreed else "否",
                    "cause": None if agreed else cause,
                    "follow_up": None if agreed else plan,
                    "follow_up_due": None if agreed else day + timedelta(days=7),
                    "follow_up_done": None if agreed else min(day + timedelta(days=5), AS_OF),
                    "check_in": time(check_in // 60, check_in % 60),
                    "check_out": time(check_out // 60, check_out % 60), "stationed": "否",
                    "notes": rng.choice(_TOPICS),
                    # A store check of the last week that failed, to be fixed within a week
                    # the weekly review lists it.
                    **({"checklist_failed": "实名登记海报过期", "fix_by": day + timedelta(days=7)}
                       if number == len(_JUNE_WORKDAYS) - 2 and slot == 0 else {}),
                })
    rows.sort(key=lambda row: (row["visit_date"], row["check_in"], row["manager"]))
    return rows


def _prices() -> list[Row]:
    rows = []
    for model, base in _MODELS.items():
        for kind in ("直供", "分销", "终端", "村级"):
            price_a = round(base * _TYPE_MARKUP[kind])
            rows.append({"model": model, "channel_type": kind, "price_a": price_a,
                         "price_b": round(price_a * 1.06), "price_c": round(base * 1.18),
                         "floor_price": round(base * 1.08), "effective_from": date(2025, 4, 1)})
    # The X100 price drops in mid-quarter for 直供 channels.
    rows.append({"model": "X100 手机", "channel_type": "直供", "price_a": 1799,
                 "price_b": 1899, "price_c": 2099, "floor_price": 1949,
                 "effective_from": date(2025, 5, 16)})
    return rows


def _rebates() -> list[Row]:
    rows = [{"model": model, "channel_type": kind, "pickup_rebate": 20.0 if kind == "直供" else 15,
             "volume_threshold": 100 if kind == "直供" else 50,
             "volume_rebate": 10.0, "pickup_only": "是" if kind == "村级" else "否",
             "effective_from": date(2025, 4, 1)}
            for model in _MODELS for kind in ("直供", "分销", "终端", "村级")]
    # The X200 volume rebate rises from 16 May, in the middle of the quarter.
    rows.append({"model": "X200 手机", "channel_type": "直供", "pickup_rebate": 20.0,
                 "volume_threshold": 80, "volume_rebate": 15.0, "pickup_only": "否",
                 "effective_from": date(2025, 5, 16)})
    return rows


def _commission() -> list[Row]:
    return [{"sales_from": start, "rate": rate} for start, rate in
            ((0, 0.02), (5_000, 0.04), (200_000, 0.06), (500_000, 0.08))]


def _sales(rng: random.Random) -> list[Row]:
    prices = {(row["model"], row["channel_type"]): row for row in _prices()
              if row["effective_from"] == date(2025, 4, 1)}
    rows = []
    for channel_id, _, kind, _, care, manager, start in _CHANNELS:
        price_type = kind if kind in ("直供", "分销", "终端", "村级") else "终端"
        for month in (4, 5, 6):
            for model in _MODELS:
                day = date(2025, month, 5 + rng.randrange(20))
                if day < start:
                    continue
                price = prices[(model, price_type)]
                rows.append({
                    "sale_date": day, "channel_id": channel_id, "model": model,
                    "qty": (20 if care == "重点" else 6) + rng.randrange(15),
                    "unit_price": float(price["price_c"] - rng.randrange(3) * 20),
                    "sale_region": MANAGERS[manager][1], "picked_up": "是",
                    # Paid within the statement cycle; the last sales still open.
                    "paid_date": min(day + timedelta(days=8 + rng.randrange(8)), AS_OF)
                    if day <= date(2025, 6, 15) else None,
                })
    rows.sort(key=lambda row: (row["sale_date"], row["channel_id"]))
    return rows


def _assessments(rng: random.Random) -> list[Row]:
    rows = []
    for manager, (office, _) in MANAGERS.items():
        for month in (4, 5, 6):
            trained = date(2025, month, 3 + rng.randrange(5))  # by the 8th
            rows.append({"month": f"2025-{month:02d}", "manager": manager, "office": office,
                         "kpi_score": float(70 + rng.randrange(28)),
                         "training_score": float(78 + rng.randrange(21)),
                         "training_date": trained,
                         "effect_check_date": trained + timedelta(days=1 + month % 2)})
    return rows


def _planned(rng: random.Random) -> list[Row]:
    return [{"month": "2025-06", "office": MANAGERS[manager][0], "channel_id": channel_id,
             "achievement": float(60 + rng.randrange(40))}
            for channel_id, _, _, _, _, manager, _ in _CHANNELS]


def _commission_paid() -> list[Row]:
    """Interim commission paid during the quarter for the key channels (R-35)."""
    return [{"channel_id": channel_id, "period": "2025Q2", "amount": 5_000.0}
            for channel_id, _, _, _, care, _, _ in _CHANNELS if care == "重点"]


def _contests() -> list[Row]:
    """A June volume contest with two levels and a quarterly ranking contest (R-36)."""
    june, quarter = (date(2025, 6, 1), date(2025, 6, 30)), (date(2025, 4, 1), date(2025, 6, 30))
    rows = [{"contest": "六月X200冲量赛", "contest_type": "达标", "date_from": june[0],
             "date_to": june[1], "model": "X200 手机", "level": level, "reward": reward}
            for level, reward in ((30, 500.0), (60, 1_200.0))]
    rows += [{"contest": "二季度销量排名赛", "contest_type": "排名", "date_from": quarter[0],
              "date_to": quarter[1], "model": None, "level": place, "reward": reward}
             for place, reward in ((1, 3_000.0), (2, 2_000.0), (3, 1_000.0))]
    return rows


def _complaints() -> list[Row]:
    """Complaints and after-sales cases, each handled in time (R-44); the last two are
    still open on the as-of date, within their limits."""
    return [
        {"channel_id": "CH001", "complaint_kind": "投诉", "received_date": date(2025, 6, 10),
         "received_time": time(9, 30), "onsite_date": None, "onsite_time": time(10, 15),
         "written": "是", "reported_date": date(2025, 6, 11), "answered_date": date(2025, 6, 12)},
        {"channel_id": "CH004", "complaint_kind": "售后", "received_date": date(2025, 6, 16),
         "received_time": time(14, 0), "onsite_date": None, "onsite_time": time(14, 50),
         "written": "否", "reported_date": None, "answered_date": date(2025, 6, 20)},
        {"channel_id": "CH008", "complaint_kind": "投诉", "received_date": date(2025, 6, 20),
         "received_time": time(16, 20), "onsite_date": None, "onsite_time": time(17, 5),
         "written": "否", "reported_date": None, "answered_date": date(2025, 6, 21)},
        {"channel_id": "CH015", "complaint_kind": "售后", "received_date": date(2025, 6, 25),
         "received_time": time(10, 0), "onsite_date": None, "onsite_time": time(10, 40),
         "written": "否", "reported_date": None, "answered_date": None},
        {"channel_id": "CH020", "complaint_kind": "投诉", "received_date": date(2025, 6, 27),
         "received_time": time(15, 10), "onsite_date": None, "onsite_time": time(15, 55),
         "written": "是", "reported_date": None, "answered_date": None},
    ]


def clean_rows() -> Rows:
    """The whole clean data set, by sheet kind; it validates without findings."""
    rng = random.Random(2025)
    return {
        "channels": _channels(), "visits": _visits(rng), "prices": _prices(),
        "rebates": _rebates(), "commission": _commission(), "sales": _sales(rng),
        "assessments": _assessments(rng), "planned": _planned(rng),
        "commission_paid": _commission_paid(), "contests": _contests(),
        "complaints": _complaints(),
    }


def _for_managers(rows: Rows, managers: set[str]) -> Rows:
    """The data of some managers only (shared tables such as prices are kept whole)."""
    channels = {row["channel_id"] for row in rows["channels"] if row["manager"] in managers}
    kept: Rows = {}
    for kind, table in rows.items():
        if kind in ("channels", "visits", "assessments"):
            kept[kind] = [dict(row) for row in table if row["manager"] in managers]
        elif kind in ("sales", "planned", "commission_paid", "complaints"):
            kept[kind] = [dict(row) for row in table if row["channel_id"] in channels]
        else:
            kept[kind] = [dict(row) for row in table]
    return kept


@dataclass(frozen=True)
class Defect:
    """A deliberate problem: the values put into one row, and the finding they cause."""

    file: str
    kind: str
    row: int  # 0-based among the sheet's data rows
    values: Mapping[str, Any]
    code: str
    column: str  # the column key of the cell the finding names


@dataclass(frozen=True)
class Example:
    file: str
    kinds: tuple[str, ...]
    rows: Rows
    merged: Mapping[str, Sequence[str]] = field(default_factory=dict)
    policy: Mapping[str, Any] = field(default_factory=dict)


_CLEAN: Final = "浙江省_渠道台账_2025Q2.xlsx"
_NINGBO: Final = "宁波办事处_渠道台账_2025年6月.xlsx"
_WENZHOU: Final = "温州办事处_拜访日志_2025年6月.xlsx"
# A second month for two offices, so that ``score examples/ --combine`` shows their
# managers' visits over May and June, ranked across offices.
_NINGBO_MAY: Final = "宁波办事处_拜访日志_2025年5月.xlsx"
_WENZHOU_MAY: Final = "温州办事处_拜访日志_2025年5月.xlsx"
_ALL_KINDS: Final = ("channels", "visits", "prices", "rebates", "commission", "sales",
                     "assessments", "planned", "commission_paid", "contests", "complaints")

DEFECTS: Final = (
    Defect(_NINGBO, "channels", 0, {"key_contacts": 25}, "key_contacts_exceed_staff",
           "key_contacts"),
    Defect(_NINGBO, "channels", 1, {"care_level": "重要"}, "bad_choice", "care_level"),
    Defect(_NINGBO, "visits", 3, {"visit_date": date(2052, 6, 18)}, "date_in_future",
           "visit_date"),
    Defect(_NINGBO, "visits", 5, {"channel_id": "CH099"}, "unknown_channel", "channel_id"),
    Defect(_NINGBO, "visits", 7, {"check_in": time(15, 30), "check_out": time(11, 0)},
           "check_out_before_check_in", "check_out"),
    Defect(_NINGBO, "visits", 9, {"agreed": "否", "cause": "店长外出，未能确认订货量",
                                  "follow_up": None, "follow_up_due": None},
           "no_agreement_incomplete", "follow_up"),
    Defect(_NINGBO, "prices", 2, {"price_c": None}, "required_missing", "price_c"),
    Defect(_NINGBO, "sales", 4, {"unit_price": "约2200"}, "not_a_number", "unit_price"),
    Defect(_NINGBO, "sales", 6, {"sale_date": "2025/6/31"}, "not_a_date", "sale_date"),
    Defect(_NINGBO, "sales", 8, {"unit_price": 1000.0}, "below_floor_price", "unit_price"),
    Defect(_NINGBO, "sales", 10, {"sale_region": "温州"}, "cross_area_sale", "sale_region"),
    Defect(_NINGBO, "commission", 2, {"sales_from": 4_000}, "bands_not_increasing",
           "sales_from"),
    Defect(_NINGBO, "assessments", 1, {"month": "2025-04"}, "not_unique", "manager"),
)
# The province's own numbers: one reward and one yellow card a month among its six
# managers, planned customers per tier for a province of thirty channels,
# and a watchlist of the channels within 30 % of their next commission band.
_CLEAN_POLICY: Final = {"rank_card_count": 1,
                        "tier_targets": "VKA:3,V1:6,V2:6,V3:6,V4:8,分销:4",
                        "band_watch_pct": 0.3}
# The 温州 example: a merged date cell, policy values, and text forms that are accepted.
_WENZHOU_MERGED: Final = {"visits": ("A5:A6",)}
_WENZHOU_POLICY: Final = {"channel_types": "直供,分销,大客户,终端,业务,村级,电商",
                          "key_contact_ratio": "四成", "visit_per_week_key": 3}
WENZHOU_FINDINGS: Final = (("merged_cells", "拜访日志"), ("policy_bad_value", "参数"),
                           ("policy_unknown_key", "参数"))


def _ningbo() -> Rows:
    rows = _for_managers(clean_rows(), {"王强", "赵磊"})
    for defect in DEFECTS:
        if defect.file == _NINGBO:
            rows[defect.kind][defect.row].update(defect.values)
    return rows


def _wenzhou() -> Rows:
    full = _for_managers(clean_rows(), {"刘洋"})
    rows = {"channels": full["channels"], "visits": full["visits"]}
    # A new online channel: valid only because the policy sheet adds its type.
    rows["channels"].append({**rows["channels"][0], "channel_id": "CH013",
                             "name": "温州网上商城旗舰店", "channel_type": "电商",
                             "credit_limit": "1,200", "sales_staff": "１２", "key_contacts": 5})
    # Dates and times typed as text in the forms the contract accepts.
    rows["visits"][0]["visit_date"] = "2025/6/3"
    rows["visits"][1]["visit_date"] = "2025年6月4日"
    rows["visits"][1]["check_in"] = "10:15"
    return rows


def _may(managers: set[str]) -> Rows:
    """An office's May: its channels, and its managers' visits four weeks before June's
    (6-30 May: working days all, after the Labour Day holiday), without a finding."""
    full = _for_managers(clean_rows(), managers)
    earlier = timedelta(days=28)
    visits = [{**row, **{key: row[key] - earlier for key in
                         ("visit_date", "follow_up_due", "follow_up_done") if row[key]}}
              for row in full["visits"]]
    return {"channels": full["channels"], "visits": visits}


def examples() -> tuple[Example, ...]:
    """The workbooks of ``examples/``, built when asked for (not on import)."""
    return (
        Example(_CLEAN, _ALL_KINDS, clean_rows(), policy=_CLEAN_POLICY),
        Example(_NINGBO, _ALL_KINDS, _ningbo()),
        Example(_WENZHOU, ("channels", "visits"), _wenzhou(), _WENZHOU_MERGED, _WENZHOU_POLICY),
        Example(_NINGBO_MAY, ("channels", "visits"), _may({"王强", "赵磊"})),
        Example(_WENZHOU_MAY, ("channels", "visits"), _may({"刘洋"})),
    )
