"""The 22 indicators of the plan's Table 1 as data: name, category, unit, 附件1's formula, the 2025 target,
where the figure comes from. How each is computed is in ``selectors.compute``; the reasons in
docs/indicators.md."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Final

from shuzheng.core.errors import NotFound
from shuzheng.indicators.constants import Category, Source

PERCENT: Final = "%"


@dataclass(frozen=True)
class Definition:
    number: int
    name: str
    category: str
    unit: str
    #: The formula of 附件1 (“数据统计” where the plan gives none) and, after “；”, shuzheng's reading.
    formula: str
    target: Decimal
    source: str
    #: Every indicator of Table 1 is “higher is better”.
    higher_is_better: bool = True

    @property
    def is_rate(self) -> bool:
        return self.unit == PERCENT

    @property
    def category_label(self) -> str:
        return Category(self.category).label

    @property
    def source_label(self) -> str:
        return Source(self.source).label

    @property
    def title(self) -> str:
        return f"{self.name}（{self.unit}）"


_A, _B = Category.PERFORMANCE, Category.DRIVING
_C, _R = Source.COMPUTED, Source.REGISTRY


def _d(
    number: int, name: str, category: str, unit: str, formula: str, target: str, source: str
) -> Definition:
    return Definition(number, name, category, unit, formula, Decimal(target), source)


DEFINITIONS: Final[tuple[Definition, ...]] = (
    _d(
        1,
        "“最多跑一次”事项覆盖率",
        _A,
        PERCENT,
        "到现场办理次数小于等于一次的依申请政务服务事项数 / 依申请政务服务事项总数 × 100%",
        "95",
        _C,
    ),
    _d(
        2,
        "一窗综合受理率",
        _A,
        PERCENT,
        "依申请政务服务事项纳入综合窗口办理的事项数 / 依申请政务服务事项总数 × 100%",
        "100",
        _C,
    ),
    _d(
        3,
        "高频服务事项“四免”比例",
        _A,
        PERCENT,
        "实现“四免”的高频服务事项数 / 高频服务事项总数 × 100%",
        "100",
        _C,
    ),
    _d(4, "“一件事”主题集成服务数量", _A, "件", "数据统计；已发布上线的“一件事”主题集成服务个数", "400", _C),
    _d(
        5,
        "政务服务一体机镇街覆盖率",
        _A,
        PERCENT,
        "已投放政务服务一体机的镇街数量 / 全市镇街总数 × 100%",
        "100",
        _C,
    ),
    _d(
        6,
        "高频服务事项“跨省通办”比例",
        _A,
        PERCENT,
        "纳入高频事项清单里已实现跨省通办事项 / 清单总数 × 100%",
        "100",
        _C,
    ),
    _d(
        7,
        "政务服务“好差评”",
        _A,
        "分",
        "数据统计；有效评价的10分制平均分（非常满意10、满意8、基本满意6、不满意3、非常不满意0）",
        "9.9",
        _C,
    ),
    _d(
        8,
        "粤省事日活跃用户率",
        _A,
        PERCENT,
        "数据统计；最近一个统计月的活跃用户数 / 月末本地注册用户数 × 100%",
        "60",
        _R,
    ),
    _d(
        9,
        "粤商通日活跃用户率",
        _A,
        PERCENT,
        "数据统计；最近一个统计月的活跃用户数 / 月末本地注册用户数 × 100%",
        "50",
        _R,
    ),
    _d(
        10,
        "粤政易日活跃用户率",
        _A,
        PERCENT,
        "数据统计；最近一个统计月的活跃用户数 / 月末本地注册用户数 × 100%",
        "80",
        _R,
    ),
    _d(
        11,
        "“一网统管”行业覆盖率",
        _A,
        PERCENT,
        "“一网统管”覆盖政府行业数 / 政府行业总数 × 100%；覆盖 = 该行业的部门已在派单目录中且接收过工单",
        "100",
        _C,
    ),
    _d(
        12,
        "视频终端接入数量",
        _A,
        "万路",
        "数据统计；已接入（在线或离线、未拆除）的视频终端路数 / 10000",
        "4",
        _R,
    ),
    _d(
        13,
        "数据共享需求满足率",
        _B,
        PERCENT,
        "部门确认的数据共享需求满足情况的数量 / 部门数据共享需求总数量 × 100%",
        "80",
        _C,
    ),
    _d(
        14,
        "政府数字化覆盖率",
        _B,
        PERCENT,
        "数据统计；有在线政务服务事项或在平台处理工单的政府部门数 / 政府部门总数 × 100%",
        "90",
        _C,
    ),
    _d(15, "数字化智能化应用场景", _B, "个", "数据统计；已投入使用的数字化智能化应用场景个数", "20", _R),
    _d(
        16,
        "公共数据资源社会开放数据集",
        _B,
        "个",
        "数据统计；开放数据门户上正在开放的数据集个数（与 CKAN package_search 一致）",
        "600",
        _C,
    ),
    _d(17, "政务外网接入率", _B, PERCENT, "财政预算单位接入数量 / 财政预算单位总数 × 100%", "100", _R),
    _d(18, "电子证照用证率", _B, PERCENT, "使用电子证照行政许可的事项数 / 行政许可事项数 × 100%", "80", _C),
    _d(
        19,
        "政府部门电子印章覆盖率",
        _B,
        PERCENT,
        "已制发电子印章的部门数 / 部门总数 × 100%（成员单位不计）",
        "100",
        _C,
    ),
    _d(
        20,
        "一体化政务服务平台可网办事项单点登录率",
        _B,
        PERCENT,
        "一体化政务服务平台可单点登录的事项数 / 可网办事项总数 × 100%",
        "100",
        _C,
    ),
    _d(
        21,
        "党政机关新建核心系统国产化率",
        _B,
        PERCENT,
        "党政机关新建核心系统国产化数量 / 党政机关新建核心系统总量 × 100%；"
        "国产化 = CPU、操作系统、数据库、中间件均为国产",
        "100",
        _R,
    ),
    _d(
        22,
        "数字乡村（社区）数量",
        _B,
        "个",
        "数据统计；达到全部数字乡村（社区）评定标准的村（社区）个数",
        "30",
        _R,
    ),
)

BY_NUMBER: Final = {d.number: d for d in DEFINITIONS}


def definition(number: int) -> Definition:
    """The definition of indicator ``number``; NotFound (a Chinese 404) outside 1–22."""
    found = BY_NUMBER.get(number)
    if found is None:
        raise NotFound(f"指标序号应为 1 到 {len(DEFINITIONS)}，没有第 {number} 项指标。")
    return found
