"""SYNTHETIC appeals for the demo and for tests — generated text, not real citizens' appeals.

The demo needs a few tens of thousands of closed appeals in Chinese so the dispatch classifier works
out of the box. None exist in the open, so this module writes them: templates per category (several
phrasings each, with the appeal type they usually carry) × places (Enping's real town and street
names, made-up village names, real landmarks such as 锦江温泉, 恩城, 沙湖) × details (times, amounts,
durations, plate numbers, shop and company names), wrapped in varied openings and closings.

To keep the classifier's metrics honest the generator adds noise on purpose: about 8 % of texts get an
unrelated sentence from another category, about 5 % are vague ("反映的问题一直没人管"), about 30 % do
not name the town, and a few categories are sometimes handled by another department (``alternatives``,
as happens in real hotline history). Seeded, so a run is reproducible.

The category tree and the dispatch catalogue (category → department, with town governments taking
some local matters) live here too (the leaves in ``data/categories.json``), because the labels of the
generated appeals follow from them.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from shuzheng.appeals.constants import AppealChannel, AppealType

T = AppealType


@dataclass(frozen=True)
class CategorySpec:
    code: str
    name: str
    parent: str  # "" for a group
    description: str = ""  # what the category covers (shown to dispatchers, read by the router)
    department: str = ""  # responsible department code (leaves)
    town_local: bool = False  # outside 恩城街道 the town government answers
    keywords: str = ""
    templates: tuple[
        str, ...
    ] = ()  # "<type letter>|text"; C consult, H help, P complaint, R report, S suggestion
    alternatives: tuple[str, ...] = ()  # departments that sometimes handled it in "history"
    sla_days: int | None = None


GROUPS: Final[tuple[tuple[str, str], ...]] = (
    ("CR", "市容环卫"),
    ("DL", "道路交通"),
    ("ZY", "噪音扰民"),
    ("WJ", "违章建筑"),
    ("GS", "供水"),
    ("GD", "供电"),
    ("RQ", "燃气"),
    ("WY", "物业管理"),
    ("LD", "劳动保障"),
    ("XF", "消费维权"),
    ("SP", "食品安全"),
    ("YL", "医疗卫生"),
    ("JY", "教育"),
    ("SB", "社保医保"),
    ("HJ", "户籍"),
    ("ST", "生态环境"),
    ("NY", "农业农村"),
    ("LY", "林业"),
    ("SL", "水利三防"),
    ("JT", "交通运输"),
    ("ZF", "住房公积金"),
    ("SC", "市场监管"),
    ("AQ", "安全生产"),
    ("MZ", "民政救助"),
    ("TY", "退役军人"),
    ("WL", "文化旅游"),
    ("QY", "企业诉求（中小微企业）"),
    ("SW", "税务"),
    ("CJ", "残疾人服务"),
    ("ZW", "政务服务"),
)


def _spec_fields(row: dict[str, Any]) -> dict[str, Any]:
    return {key: tuple(value) if isinstance(value, list) else value for key, value in row.items()}


#: The leaf categories: department, keywords, text templates ("<type letter>|text") and the departments that
#: sometimes handled them, kept as data in ``data/categories.json``.
LEAVES: Final[tuple[CategorySpec, ...]] = tuple(
    CategorySpec(**_spec_fields(row))
    for row in json.loads((Path(__file__).parent / "data" / "categories.json").read_text(encoding="utf-8"))
)

VILLAGES: Final = (
    "歇马村",
    "大塘村",
    "龙塘村",
    "新龙村",
    "北安村",
    "石头村",
    "锦岗村",
    "平石村",
    "松柏村",
    "塘龙村",
    "莲塘村",
    "东安村",
    "横江村",
    "三山村",
    "白石村",
    "河东村",
)
STREETS: Final = (
    "新平路",
    "锦江大道",
    "恩城大道",
    "西门路",
    "北门路",
    "南堤路",
    "中山路",
    "东安路",
    "平石路",
    "沿江路",
    "牛江路",
    "新城路",
    "环城路",
    "兴平路",
)
LANDMARKS: Final = (
    "锦江温泉",
    "沙湖",
    "恩平体育馆",
    "冯如纪念馆",
    "鳌峰山",
    "七星坑",
    "帝都温泉",
    "恩平站",
    "汽车客运站",
    "锦江河",
    "恩平市人民医院",
    "恩城中学",
    "人民公园",
    "市民广场",
)
SPOTS: Final = (
    "市场旁边",
    "小区门口",
    "学校附近",
    "村口",
    "公园里",
    "大排档一条街",
    "桥底",
    "卫生院对面",
    "祠堂前",
    "十字路口",
)
SHOPS: Final = (
    "好又多超市",
    "鸿运茶餐厅",
    "福满楼酒家",
    "阿强烧腊店",
    "美美发廊",
    "金牌KTV",
    "新潮手机店",
    "康健药店",
    "乐购便利店",
    "百味粥粉面",
    "星光健身房",
    "佳美家电",
)
COMPANIES: Final = (
    "恩平市某电声科技有限公司",
    "某五金制品厂",
    "某建筑工程公司",
    "某陶瓷有限公司",
    "某塑料厂",
    "某物流公司",
    "某食品加工厂",
    "某家具厂",
    "某石材厂",
    "某纺织有限公司",
)
SCHOOLS: Final = ("某小学", "某中学", "某幼儿园", "某实验学校")
OPENINGS: Final = (
    "",
    "",
    "",
    "您好，",
    "市民来电反映：",
    "来电人称：",
    "网友留言：",
    "诉求人反映，",
    "你好，我想反映一个问题，",
    "群众来电：",
)
CLOSINGS: Final = (
    "",
    "",
    "希望有关部门尽快处理。",
    "请尽快核实处理。",
    "要求给予答复。",
    "多次反映未解决。",
    "希望尽快解决，谢谢。",
    "请相关部门跟进。",
)
VAGUE: Final = (
    "反映的问题一直没人管，要求有关部门处理。",
    "之前反映过的事情到现在还没有解决。",
    "对处理结果不满意，要求重新处理。",
    "有事情想咨询一下相关部门。",
)
TYPE_LETTERS: Final = {"C": T.CONSULT, "H": T.HELP, "P": T.COMPLAINT, "R": T.REPORT, "S": T.SUGGESTION}

#: Town code, name (from orgs.demo.TOWNS, repeated so this module needs no database).
TOWNS: Final = (
    ("440785001", "恩城街道"),
    ("440785100", "横陂镇"),
    ("440785101", "圣堂镇"),
    ("440785102", "良西镇"),
    ("440785103", "沙湖镇"),
    ("440785104", "牛江镇"),
    ("440785105", "君堂镇"),
    ("440785106", "大槐镇"),
    ("440785107", "东成镇"),
    ("440785108", "大田镇"),
    ("440785109", "那吉镇"),
    ("440785110", "朗底镇"),
)
URBAN_TOWN: Final = "440785001"


def department_for(spec: CategorySpec, town_code: str) -> str:
    """The responsible department of a category in a town (the dispatch catalogue's rule)."""
    if spec.town_local and town_code != URBAN_TOWN:
        return f"EP{town_code}"
    return spec.department


@dataclass
class SyntheticAppeal:
    text: str
    category: str
    department: str
    town: str
    appeal_type: str
    channel: str
    is_enterprise: bool = False
    extra: dict[str, str] = field(default_factory=dict)


_CHANNELS: Final = (
    (AppealChannel.HOTLINE, 55),
    (AppealChannel.WECHAT, 15),
    (AppealChannel.WEB, 10),
    (AppealChannel.APP, 6),
    (AppealChannel.GRID, 8),
    (AppealChannel.MAILBOX, 3),
    (AppealChannel.PATROL, 3),
)


def _fill(template: str, rng: random.Random, town_name: str, name_town: bool) -> str:
    place = town_name if name_town else rng.choice(("", "我们这里", "本地", "附近"))
    values = {
        "place": place,
        "spot": rng.choice(SPOTS),
        "street": rng.choice(STREETS),
        "street2": rng.choice(STREETS),
        "village": rng.choice(VILLAGES),
        "landmark": rng.choice(LANDMARKS),
        "shop": rng.choice(SHOPS),
        "company": rng.choice(COMPANIES),
        "school": rng.choice(SCHOOLS),
        "duration": rng.choice(
            ("三天", "一个星期", "半个月", "一个多月", "两天", "好几天", "两个小时", "大半年")
        ),
        "time": rng.choice(("早上六点", "中午", "下午三点", "晚上八点", "昨天", "今天上午", "前天")),
        "late": rng.choice(("十一点", "十二点", "十点", "十一点半")),
        "amount": str(rng.choice((80, 150, 300, 500, 1200, 2680, 5000, 18000, 36000))),
        "small": str(rng.randint(1, 8)),
        "count": str(rng.randint(2, 30)),
        "months": str(rng.randint(2, 8)),
        "years": str(rng.randint(2, 15)),
        "days": str(rng.randint(2, 20)),
        "age": str(rng.randint(80, 99)),
        "floors": str(rng.randint(2, 5)),
        "meters": str(rng.choice((50, 100, 200))),
        "seconds": str(rng.choice((8, 10, 12, 15))),
        "window": str(rng.randint(1, 30)),
        "route": str(rng.randint(1, 12)),
        "plate": f"粤J{rng.choice('ABCDEFGH')}{rng.randint(10000, 99999)}",
    }
    return template.format(**values)


def generate(count: int, *, seed: int = 2026) -> Iterator[SyntheticAppeal]:
    """``count`` synthetic appeals (see the module docstring); deterministic for a seed."""
    rng = random.Random(seed)  # noqa: S311 - synthetic demo data, not security
    channels = [c for c, _ in _CHANNELS]
    weights = [w for _, w in _CHANNELS]
    for _ in range(count):
        spec = rng.choice(LEAVES)
        town_code, town_name = rng.choice(TOWNS) if rng.random() > 0.3 else TOWNS[0]
        letter, template = rng.choice(spec.templates).split("|", 1)
        name_town = rng.random() > 0.3
        body = _fill(template, rng, town_name, name_town)
        roll = rng.random()
        if roll < 0.05:
            body = rng.choice(VAGUE) + (body[: len(body) // 3] if rng.random() < 0.5 else "")
        elif roll < 0.13:
            other = rng.choice(LEAVES)
            body = (
                body + "，另外" + _fill(rng.choice(other.templates).split("|", 1)[1], rng, town_name, False)
            )
        text = f"{rng.choice(OPENINGS)}{body}。{rng.choice(CLOSINGS)}".replace("。。", "。")
        department = department_for(spec, town_code)
        if spec.alternatives and rng.random() < 0.08:
            department = rng.choice(spec.alternatives)
        yield SyntheticAppeal(
            text=text,
            category=spec.code,
            department=department,
            town=town_code,
            appeal_type=TYPE_LETTERS[letter],
            channel=rng.choices(channels, weights)[0],
            is_enterprise=spec.parent == "QY" or (letter == "P" and "公司" in text and rng.random() < 0.3),
        )
