"""The cell functions registered with xlwings: the names users type in Excel.

Each ``CT_*`` function hands its arguments to ``chantool.xl.formulas`` unchanged. Each
is registered the xlwings way, through ``cell_function``: ``@xw.arg(name, ndim=2,
doc=...)`` for each argument (ranges as 2-D lists, with the help Excel's function wizard
shows under the argument), ``@xw.func(category=CATEGORY)``, and the docstring as the
function's description. On Windows xlwings records all this in the function's
``__xlfunc__`` and its ``import_udfs`` hands it to Excel's ``MacroOptions``; elsewhere
its decorators leave the function as it is, so ``HELP`` keeps the same text for
``chantool addin build``, which writes one VBA wrapper per function of ``UDFS``
(``chantool.addin.udf_module``) and the same ``MacroOptions`` registration
(``chantool.addin.registration``). The Lite edition's main.py imports the same
functions, so xlwings Lite registers them with the same help.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final, TypeVar

import xlwings as xw

from chantool.xl import formulas

# The function wizard's category of the six functions (xlwings' default is "xlwings").
CATEGORY: Final = "渠道工具"

_F = TypeVar("_F", bound=Callable[..., Any])


@dataclass(frozen=True)
class Help:
    """What Excel's function wizard shows of a function: its description, category and
    the help of each argument, in order."""

    description: str
    category: str
    arguments: tuple[str, ...]


HELP: Final[dict[str, Help]] = {}


def cell_function(**arguments: str) -> Callable[[_F], _F]:
    """Register a function with xlwings, each keyword the help of the argument of that
    name (every argument, in order)."""

    def register(function: _F) -> _F:
        names = list(inspect.signature(function).parameters)
        if names != list(arguments):
            raise TypeError(f"{function.__name__}: help for {names}, got {list(arguments)}")
        for name, text in arguments.items():
            function = xw.arg(name, ndim=2, doc=text)(function)
        function = xw.func(category=CATEGORY)(function)
        HELP[function.__name__] = Help(function.__doc__ or "", CATEGORY,
                                       tuple(arguments.values()))
        return function

    return register


_MODEL: Final = "型号，如 X100"
_CHANNEL_TYPE: Final = "渠道类型，如 直供"
_DAY: Final = "可选：按哪一天生效的政策，默认今天"
_POLICY: Final = "可选：参数表区域（含表头），不填则用默认参数"


@cell_function(qty="数量", table="返利政策表区域（含表头）", model=_MODEL,
               channel_type=_CHANNEL_TYPE, day=_DAY)
def CT_REBATE(qty: Any, table: Any, model: Any, channel_type: Any, day: Any = None) -> Any:
    """返利：数量按返利政策表（含表头）中该型号、渠道类型在日期当天生效的一行计算。"""
    return formulas.rebate(qty, table, model, channel_type, day)


@cell_function(care_level="维护级别，如 重点", tier="可选：渠道等级 A/B/C（参数表选等级方案时用）",
               channel_type="可选：" + _CHANNEL_TYPE + "（参数表选等级方案时用）",
               policy=_POLICY)
def CT_VISIT_TARGET(care_level: Any, tier: Any = None, channel_type: Any = None,
                    policy: Any = None) -> Any:
    """拜访目标：按维护级别（或参数表选定的等级方案）每期应有的现场拜访次数。"""
    return formulas.visit_target(care_level, tier, channel_type, policy)


@cell_function(sales="销售额（元）", bands="提成档位表区域（含表头）")
def CT_BAND_GAP(sales: Any, bands: Any) -> Any:
    """距下一提成档位还差的销售额；已到最高档时显示“已达最高档”。"""
    return formulas.band_gap(sales, bands)


@cell_function(start_date="开始日期（不计入）", end_date="结束日期（计入）", policy=_POLICY)
def CT_WORKDAYS(start_date: Any, end_date: Any, policy: Any = None) -> Any:
    """两个日期之间的工作日数（按中国法定节假日与调休，不含开始日，含结束日）。"""
    return formulas.workdays(start_date, end_date, policy)


@cell_function(score="综合得分（可为一列）", policy=_POLICY)
def CT_GRADE(score: Any, policy: Any = None) -> Any:
    """渠道等级 A/B/C：按贡献得分与参数表中的等级分数线。"""
    return formulas.grade(score, policy)


@cell_function(price="成交价（元）", table="价格表区域（含表头）", model=_MODEL,
               channel_type=_CHANNEL_TYPE, day=_DAY)
def CT_PRICE_CHECK(price: Any, table: Any, model: Any, channel_type: Any,
                   day: Any = None) -> Any:
    """价格检查：成交价与价格表（含表头）中当天生效的最低限价比较。"""
    return formulas.price_check(price, table, model, channel_type, day)


UDFS: Final[tuple[Callable[..., Any], ...]] = (
    CT_REBATE, CT_VISIT_TARGET, CT_BAND_GAP, CT_WORKDAYS, CT_GRADE, CT_PRICE_CHECK)
