"""The cell functions registered with xlwings: the names users type in Excel.

Each ``CT_*`` function hands its arguments to ``chantool.xl.formulas`` unchanged. On
Windows and in xlwings Lite, xlwings' decorators record how Excel passes each argument
(ranges as 2-D lists) and its Chinese description (the docstring is the function's);
elsewhere they leave the function as it is. The Lite edition's main.py imports them.
``chantool addin build`` writes one VBA wrapper per function of ``UDFS``
(``chantool.addin.udf_module``), which calls xlwings' ``CallUDF`` with this module's name.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Final

import xlwings as xw

from chantool.xl import formulas


@xw.func
@xw.arg("qty", ndim=2, doc="数量：单元格或区域")
@xw.arg("table", ndim=2, doc="返利政策表区域，含表头行")
@xw.arg("model", ndim=2, doc="型号")
@xw.arg("channel_type", ndim=2, doc="渠道类型")
@xw.arg("day", ndim=2, doc="日期，省略为今天")
def CT_REBATE(qty: Any, table: Any, model: Any, channel_type: Any, day: Any = None) -> Any:
    """返利：数量按返利政策表（含表头）中该型号、渠道类型在日期当天生效的一行计算。"""
    return formulas.rebate(qty, table, model, channel_type, day)


@xw.func
@xw.arg("care_level", ndim=2, doc="维护级别：重点或一般")
@xw.arg("tier", ndim=2, doc="渠道等级，可省略")
@xw.arg("channel_type", ndim=2, doc="渠道类型，可省略")
@xw.arg("policy", ndim=2, doc="参数表区域（参数、值两列），可省略")
def CT_VISIT_TARGET(care_level: Any, tier: Any = None, channel_type: Any = None,
                    policy: Any = None) -> Any:
    """拜访目标：按维护级别（或参数表选定的等级方案）每期应有的现场拜访次数。"""
    return formulas.visit_target(care_level, tier, channel_type, policy)


@xw.func
@xw.arg("sales", ndim=2, doc="季度销售额")
@xw.arg("bands", ndim=2, doc="提成档位表区域，含表头行")
def CT_BAND_GAP(sales: Any, bands: Any) -> Any:
    """距下一提成档位还差的销售额；已到最高档时显示“已达最高档”。"""
    return formulas.band_gap(sales, bands)


@xw.func
@xw.arg("start_date", ndim=2, doc="开始日期（不计入）")
@xw.arg("end_date", ndim=2, doc="结束日期（计入）")
@xw.arg("policy", ndim=2, doc="参数表区域（参数、值两列），可省略")
def CT_WORKDAYS(start_date: Any, end_date: Any, policy: Any = None) -> Any:
    """两个日期之间的工作日数（按中国法定节假日与调休，不含开始日，含结束日）。"""
    return formulas.workdays(start_date, end_date, policy)


@xw.func
@xw.arg("score", ndim=2, doc="综合得分：单元格或区域")
@xw.arg("policy", ndim=2, doc="参数表区域（参数、值两列），可省略")
def CT_GRADE(score: Any, policy: Any = None) -> Any:
    """渠道等级 A/B/C：按综合得分与参数表中的等级分数线。"""
    return formulas.grade(score, policy)


@xw.func
@xw.arg("price", ndim=2, doc="成交价：单元格或区域")
@xw.arg("table", ndim=2, doc="价格表区域，含表头行")
@xw.arg("model", ndim=2, doc="型号")
@xw.arg("channel_type", ndim=2, doc="渠道类型")
@xw.arg("day", ndim=2, doc="日期，省略为今天")
def CT_PRICE_CHECK(price: Any, table: Any, model: Any, channel_type: Any,
                   day: Any = None) -> Any:
    """价格检查：成交价与价格表（含表头）中当天生效的最低限价比较。"""
    return formulas.price_check(price, table, model, channel_type, day)


UDFS: Final[tuple[Callable[..., Any], ...]] = (
    CT_REBATE, CT_VISIT_TARGET, CT_BAND_GAP, CT_WORKDAYS, CT_GRADE, CT_PRICE_CHECK)
