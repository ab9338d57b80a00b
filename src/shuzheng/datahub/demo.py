"""Enping's data hub as demo data: the five base registries, ~110 catalog entries of 30+ departments with
real tables behind them, 90+ open datasets, sharing requests in every state with grants and a demo
credential, quality rules on the base registries and one quality run.

Row values are generated (deterministic seeds) and marked 演示 in the entries' abstracts; names of
departments, towns and the kinds of resources are Enping's. ``load()`` is idempotent: entries are keyed by
(department, name) and the rest is created only alongside new entries, so a second run adds nothing.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any, Final

from django.apps import apps
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from shuzheng.datahub import quality, registries, services
from shuzheng.datahub.constants import ROLES
from shuzheng.datahub.models import (
    ApiCredential,
    CatalogEntry,
    Classification,
    DataItem,
    Grade,
    OpenDataset,
    Openness,
    OpenTopic,
    QualityRule,
    QualityRun,
    RuleKind,
    SharingRequest,
    SharingType,
    UpdateCycle,
)
from shuzheng.orgs.demo import TOWNS, village_rows
from shuzheng.orgs.models import Department

Progress = Callable[[str, int, int], None]

DEMO_CLIENT_ID: Final = "dh_demo_minzheng"
DEMO_SECRET: Final = "enping-demo-secret-2026"  # noqa: S105 - the published demo credential
DEFAULT_PERSONS: Final = 3000
DEMO_PASSWORD: Final = "Enping#2026"  # noqa: S105 - same as identity.demo

TOPICS: Final = (
    ("transport", "交通出行"),
    ("environment", "生态环境"),
    ("education", "教育文化"),
    ("health", "医疗卫生"),
    ("social", "社会保障"),
    ("economy", "经济产业"),
    ("urban", "城市建设"),
    ("safety", "公共安全"),
    ("agriculture", "农业农村"),
    ("government", "政务服务"),
    ("tourism", "文化旅游"),
)

Rows = Callable[[random.Random, int], dict[str, Any]]


@dataclass
class Template:
    items: list[dict[str, Any]]
    row: Rows
    rows: tuple[int, int] = (30, 200)


def _town(rng: random.Random) -> Any:
    return rng.choice(TOWNS)


def _village(rng: random.Random) -> tuple[Any, str]:
    town = _town(rng)
    _code, name, _real = rng.choice(village_rows(town))
    return town, name.removesuffix("（演示）")


def _phone(rng: random.Random) -> str:
    return f"0750-7{rng.randint(100000, 999999)}"


def _day(rng: random.Random, start: date = date(2015, 1, 1), span: int = 3900) -> date:
    return start + timedelta(days=rng.randint(0, span))


S = "string"


def _item(name: str, label: str, data_type: str = S, **extra: Any) -> dict[str, Any]:
    return {"name": name, "label": label, "data_type": data_type, **extra}


def facility(noun: str, categories: tuple[str, ...], capacity: tuple[int, int] = (10, 500)) -> Template:
    def row(rng: random.Random, n: int) -> dict[str, Any]:
        town, village = _village(rng)
        return {
            "name": f"{town.name}{village if rng.random() < 0.5 else ''}{noun}{n + 1}",
            "category": rng.choice(categories),
            "town": town.name,
            "address": f"恩平市{town.name}{village}{rng.choice(registries.ROADS)}{rng.randint(1, 200)}号",
            "phone": _phone(rng),
            "capacity": rng.randint(*capacity),
            "longitude": round(112.2 + rng.random() * 0.35, 6),
            "latitude": round(22.0 + rng.random() * 0.35, 6),
            "open_hours": rng.choice(("全天", "08:30-17:30", "09:00-21:00", "06:00-22:00")),
        }

    items = [
        _item("name", "名称", required=True, is_key=True),
        _item("category", "类别"),
        _item("town", "所在镇街"),
        _item("address", "地址"),
        _item("phone", "联系电话"),
        _item("capacity", "规模（容量）", "integer"),
        _item("longitude", "经度", "decimal"),
        _item("latitude", "纬度", "decimal"),
        _item("open_hours", "开放时间"),
    ]
    return Template(items, row)


def directory(noun: str, categories: tuple[str, ...]) -> Template:
    def row(rng: random.Random, n: int) -> dict[str, Any]:
        town, village = _village(rng)
        return {
            "name": f"恩平市{rng.choice(registries.ENTERPRISE_WORDS)}{noun}{n + 1}",
            "category": rng.choice(categories),
            "town": town.name,
            "address": f"恩平市{town.name}{village}{rng.randint(1, 200)}号",
            "phone": _phone(rng),
            "recorded_on": _day(rng),
        }

    items = [
        _item("name", "名称", required=True),
        _item("category", "类别"),
        _item("town", "所在镇街"),
        _item("address", "地址"),
        _item("phone", "联系电话"),
        _item("recorded_on", "登记日期", "date"),
    ]
    return Template(items, row)


def licence(prefix: str, scopes: tuple[str, ...], years: int = 5) -> Template:
    def row(rng: random.Random, n: int) -> dict[str, Any]:
        company = registries.enterprise(rng.randint(0, 600))
        issued = _day(rng, date(2019, 1, 1), 2400)
        return {
            "licence_no": f"{prefix}{issued:%Y}{n + 1:05d}",
            "holder": company["name"],
            "uscc": company["uscc"],
            "address": company["address"],
            "scope": rng.choice(scopes),
            "issued_on": issued,
            "valid_until": issued + timedelta(days=365 * years),
            "status": "有效" if issued + timedelta(days=365 * years) > date(2026, 11, 1) else "已过期",
        }

    items = [
        _item("licence_no", "许可证编号", required=True, is_key=True),
        _item("holder", "持证单位", required=True),
        _item("uscc", "统一社会信用代码"),
        _item("address", "经营地址"),
        _item("scope", "许可范围"),
        _item("issued_on", "发证日期", "date"),
        _item("valid_until", "有效期至", "date"),
        _item("status", "状态"),
    ]
    return Template(items, row)


def monitor(metrics: tuple[tuple[str, str, float, float], ...], stations: tuple[str, ...]) -> Template:
    def row(rng: random.Random, n: int) -> dict[str, Any]:
        values: dict[str, Any] = {
            "station": rng.choice(stations),
            "town": _town(rng).name,
            "measured_on": date(2026, 11, 1) - timedelta(days=n),
        }
        for name, _label, low, high in metrics:
            values[name] = round(low + rng.random() * (high - low), 2)
        return values

    items = [
        _item("station", "监测点", required=True),
        _item("town", "所在镇街"),
        _item("measured_on", "监测日期", "date", required=True),
        *[_item(name, label, "decimal") for name, label, _l, _h in metrics],
    ]
    return Template(items, row, rows=(60, 300))


def stats(indicators: tuple[tuple[str, str, float, float], ...]) -> Template:
    def row(rng: random.Random, n: int) -> dict[str, Any]:
        name, unit, low, high = indicators[n % len(indicators)]
        return {
            "year": 2016 + (n // len(indicators)) % 10,
            "town": TOWNS[(n // (len(indicators) * 10)) % len(TOWNS)].name,
            "indicator": name,
            "value": round(low + rng.random() * (high - low), 2),
            "unit": unit,
        }

    items = [
        _item("year", "年度", "integer", required=True),
        _item("town", "镇街"),
        _item("indicator", "指标", required=True),
        _item("value", "数值", "decimal"),
        _item("unit", "单位"),
    ]
    return Template(items, row, rows=(40, 240))


def bus_lines() -> Template:
    def row(rng: random.Random, n: int) -> dict[str, Any]:
        start, end = rng.sample([t.name for t in TOWNS], 2)
        return {
            "line_no": f"{n + 1}路",
            "name": f"{start}—{end}",
            "start_stop": f"{start}客运站",
            "end_stop": f"{end}公交总站",
            "stops": rng.randint(8, 40),
            "first_bus": rng.choice(("06:00", "06:30", "07:00")),
            "last_bus": rng.choice(("18:30", "19:00", "20:30")),
            "fare": rng.choice((2, 3, 5, 8, 12)),
        }

    items = [
        _item("line_no", "线路编号", required=True, is_key=True),
        _item("name", "线路名称"),
        _item("start_stop", "起点站"),
        _item("end_stop", "终点站"),
        _item("stops", "站点数", "integer"),
        _item("first_bus", "首班时间"),
        _item("last_bus", "末班时间"),
        _item("fare", "票价（元）", "decimal"),
    ]
    return Template(items, row, rows=(20, 60))


def service_items() -> Template:
    kinds = ("行政许可", "行政确认", "行政给付", "公共服务", "其他行政权力")
    nouns = (
        "营业执照办理",
        "居民身份证换领",
        "不动产登记",
        "食品经营许可",
        "社会保障卡申领",
        "生育登记",
        "医保关系转移",
        "公积金提取",
        "道路运输证核发",
        "建设工程施工许可",
        "残疾人证办理",
        "低保申请",
    )

    def row(rng: random.Random, n: int) -> dict[str, Any]:
        return {
            "item_code": f"11440785MB2C{n:05d}",
            "name": f"{nouns[n % len(nouns)]}{'' if n < len(nouns) else f'（{n // len(nouns) + 1}）'}",
            "kind": rng.choice(kinds),
            "statutory_days": rng.choice((5, 10, 15, 20, 30)),
            "promised_days": rng.choice((0, 1, 3, 5)),
            "online": rng.random() < 0.9,
            "max_visits": rng.choice((0, 0, 1)),
        }

    items = [
        _item("item_code", "事项编码", required=True, is_key=True),
        _item("name", "事项名称", required=True),
        _item("kind", "事项类型"),
        _item("statutory_days", "法定时限（工作日）", "integer"),
        _item("promised_days", "承诺时限（工作日）", "integer"),
        _item("online", "可网上办理", "boolean"),
        _item("max_visits", "最多跑动次数", "integer"),
    ]
    return Template(items, row, rows=(60, 150))


def person_records(extra: tuple[tuple[str, str, str, tuple[Any, ...]], ...], offset: int) -> Template:
    """Records about people (restricted; never opened): ID, name, mobile, address plus ``extra`` fields."""

    def row(rng: random.Random, n: int) -> dict[str, Any]:
        who = registries.person(offset + n * 7)
        values = {k: who[k] for k in ("id_number", "full_name", "mobile", "address")}
        for name, _label, data_type, choices in extra:
            if data_type == "date":
                values[name] = _day(rng)
            else:
                values[name] = rng.choice(choices)
        return values

    items = [
        {**registries.PERSON_ITEMS[0]},
        {**registries.PERSON_ITEMS[1]},
        {**registries.PERSON_ITEMS[5]},
        {**registries.PERSON_ITEMS[6]},
        *[_item(name, label, data_type) for name, label, data_type, _c in extra],
    ]
    return Template(items, row, rows=(50, 200))


@dataclass(frozen=True)
class Spec:
    department: str
    name: str
    template: Template
    class_code: str
    topic: str = ""
    tags: tuple[str, ...] = ()
    open: bool = True
    sharing: str = SharingType.UNCONDITIONAL
    cycle: str = UpdateCycle.MONTHLY
    grade: str = Grade.GENERAL
    classification: str = Classification.DEPARTMENT
    rows: int = 0


def _specs() -> list[Spec]:
    f, d, lic, mon, st = facility, directory, licence, monitor, stats
    air = (
        ("aqi", "空气质量指数", 15, 120),
        ("pm25", "PM2.5（μg/m³）", 5, 75),
        ("pm10", "PM10（μg/m³）", 10, 120),
        ("o3", "臭氧（μg/m³）", 20, 180),
    )
    water = (
        ("ph", "pH值", 6.2, 8.6),
        ("dissolved_oxygen", "溶解氧（mg/L）", 3, 9),
        ("ammonia", "氨氮（mg/L）", 0.05, 1.8),
        ("cod", "化学需氧量（mg/L）", 5, 30),
    )
    weather = (
        ("temperature", "气温（℃）", 8, 36),
        ("rainfall", "降雨量（mm）", 0, 80),
        ("humidity", "相对湿度（%）", 40, 98),
        ("wind", "风速（m/s）", 0, 12),
    )
    closed: dict[str, Any] = {"open": False, "sharing": SharingType.CONDITIONAL, "grade": Grade.IMPORTANT}
    return [
        Spec("EP001", "政务服务事项目录", service_items(), "D01", "government", ("政务服务", "事项")),
        Spec(
            "EP001",
            "政务服务大厅名录",
            f("政务服务站", ("市级", "镇级", "村级"), (1, 30)),
            "D02",
            "government",
            ("大厅",),
        ),
        Spec(
            "EP001",
            "侨都之窗自助终端分布",
            f("自助终端", ("侨都之窗", "政银通办")),
            "D03",
            "government",
            ("自助机",),
        ),
        Spec(
            "EP001-01",
            "12345热线诉求统计",
            st((("咨询", "件", 100, 900), ("投诉", "件", 20, 300), ("建议", "件", 5, 80))),
            "D04",
            "government",
            ("12345",),
        ),
        Spec(
            "EP002",
            "重点建设项目",
            d("建设项目", ("交通", "水利", "产业", "民生")),
            "E01",
            "economy",
            ("项目",),
        ),
        Spec(
            "EP002",
            "主要商品价格监测",
            mon(
                (
                    ("pork", "猪肉（元/斤）", 12, 20),
                    ("rice", "大米（元/斤）", 2, 4),
                    ("egg", "鸡蛋（元/斤）", 4, 7),
                ),
                ("城区农贸市场", "圣堂市场", "沙湖市场"),
            ),
            "E02",
            "economy",
            ("价格",),
        ),
        Spec(
            "EP002",
            "企业投资项目备案",
            lic("备案", ("制造业", "服务业", "农业")),
            "E03",
            "economy",
            ("备案",),
        ),
        Spec(
            "EP003",
            "中小学校名录",
            f("学校", ("小学", "初级中学", "完全中学", "九年一贯制")),
            "C01",
            "education",
            ("学校",),
        ),
        Spec(
            "EP003",
            "幼儿园名录",
            f("幼儿园", ("公办", "普惠性民办", "民办")),
            "C02",
            "education",
            ("幼儿园",),
        ),
        Spec(
            "EP003",
            "学位供给统计",
            st((("小学学位", "个", 500, 5000), ("初中学位", "个", 300, 3000))),
            "C03",
            "education",
            ("学位",),
        ),
        Spec(
            "EP003",
            "学生学籍信息",
            person_records(
                (
                    ("school", "学校", "string", ("恩平一中", "恩城小学")),
                    ("grade_level", "年级", "string", ("一年级", "七年级")),
                ),
                40000,
            ),
            "C04",
            **closed,
        ),
        Spec(
            "EP004",
            "户籍人口信息",
            person_records(
                (
                    ("household_type", "户别", "string", ("家庭户", "集体户")),
                    ("registered_on", "登记日期", "date", ()),
                ),
                100,
            ),
            "A01",
            classification=Classification.THEME,
            **closed,
        ),
        Spec(
            "EP004",
            "居住证办理信息",
            person_records((("issued_on", "签发日期", "date", ()),), 60000),
            "A02",
            **closed,
        ),
        Spec(
            "EP004",
            "出入境证件办理点",
            f("出入境办证点", ("受理点", "自助签注")),
            "F01",
            "government",
            ("出入境",),
        ),
        Spec("EP004", "户政服务窗口", d("户政窗口", ("城区", "镇街")), "F02", "government", ("户政",)),
        Spec(
            "EP004-01", "交通违法处理点", f("违法处理点", ("窗口", "自助")), "F03", "transport", ("交通违法",)
        ),
        Spec(
            "EP004-01",
            "机动车保有量统计",
            st((("小型汽车", "辆", 5000, 40000), ("摩托车", "辆", 8000, 60000))),
            "F04",
            "transport",
            ("机动车",),
        ),
        Spec(
            "EP004-01",
            "道路交通事故统计",
            st((("事故起数", "起", 10, 200), ("受伤人数", "人", 5, 150))),
            "F05",
            "safety",
            ("交通事故",),
        ),
        Spec(
            "EP004-01",
            "机动车驾驶人信息",
            person_records((("licence_class", "准驾车型", "string", ("C1", "C2", "B2", "A1")),), 70000),
            "F06",
            **closed,
        ),
        Spec(
            "EP005",
            "婚姻登记信息",
            person_records(
                (
                    ("marriage_type", "登记类型", "string", ("结婚", "离婚", "补领")),
                    ("registered_on", "登记日期", "date", ()),
                ),
                2000,
            ),
            "B01",
            classification=Classification.THEME,
            **closed,
        ),
        Spec(
            "EP005",
            "低保对象信息",
            person_records(
                (
                    ("category", "保障类别", "string", ("城市低保", "农村低保")),
                    ("monthly_amount", "月保障金额", "string", ("650", "780", "920")),
                ),
                5000,
            ),
            "B02",
            **closed,
        ),
        Spec(
            "EP005",
            "特困供养人员信息",
            person_records((("care_mode", "供养方式", "string", ("集中供养", "分散供养")),), 8000),
            "B03",
            **closed,
        ),
        Spec(
            "EP005",
            "养老机构名录",
            f("敬老院", ("公办", "民办", "公建民营"), (20, 300)),
            "B04",
            "social",
            ("养老",),
        ),
        Spec(
            "EP005",
            "社会组织登记信息",
            lic("社证", ("社会团体", "民办非企业单位", "基金会")),
            "B05",
            "social",
            ("社会组织",),
        ),
        Spec(
            "EP005", "殡葬服务机构", d("殡葬服务站", ("殡仪馆", "公墓", "骨灰楼")), "B06", "social", ("殡葬",)
        ),
        Spec(
            "EP006",
            "法律援助工作站",
            d("法律援助站", ("市级", "镇级", "村居")),
            "G01",
            "government",
            ("法律援助",),
        ),
        Spec(
            "EP006",
            "人民调解委员会",
            d("调解委员会", ("村居", "行业性", "专业性")),
            "G02",
            "government",
            ("调解",),
        ),
        Spec(
            "EP006",
            "律师事务所名录",
            d("律师事务所", ("合伙所", "个人所", "国资所")),
            "G03",
            "government",
            ("律师",),
        ),
        Spec(
            "EP007",
            "财政预算收支统计",
            st((("一般公共预算收入", "万元", 10000, 300000), ("一般公共预算支出", "万元", 20000, 500000))),
            "E04",
            "economy",
            ("财政",),
            cycle=UpdateCycle.YEARLY,
        ),
        Spec(
            "EP007", "政府采购项目公告", d("采购项目", ("货物", "工程", "服务")), "E05", "economy", ("采购",)
        ),
        Spec(
            "EP008",
            "社保参保信息",
            person_records(
                (
                    ("insurance", "险种", "string", ("企业职工养老", "城乡居民养老", "失业", "工伤")),
                    ("since", "参保日期", "date", ()),
                ),
                11000,
            ),
            "B07",
            classification=Classification.THEME,
            **closed,
        ),
        Spec(
            "EP008", "公共就业服务机构", f("就业服务站", ("市级", "镇级", "村居")), "B08", "social", ("就业",)
        ),
        Spec(
            "EP008",
            "职业技能培训机构",
            d("职业培训学校", ("电工", "焊工", "育婴员", "电子商务")),
            "B09",
            "social",
            ("培训",),
        ),
        Spec(
            "EP008",
            "招聘岗位信息",
            d("招聘岗位", ("普工", "技术员", "销售", "文员")),
            "B10",
            "social",
            ("招聘",),
        ),
        Spec(
            "EP008",
            "城乡居民养老保险统计",
            st((("参保人数", "人", 5000, 40000), ("待遇领取人数", "人", 2000, 15000))),
            "B11",
            "social",
            ("养老保险",),
        ),
        Spec(
            "EP009",
            "空气质量监测",
            mon(air, ("恩城监测站", "圣堂监测站", "大槐监测站")),
            "H01",
            "environment",
            ("空气质量",),
            cycle=UpdateCycle.DAILY,
        ),
        Spec(
            "EP009",
            "水质监测",
            mon(water, ("锦江水库", "锦江恩城段", "蓝田河", "那吉河")),
            "H02",
            "environment",
            ("水质",),
            cycle=UpdateCycle.DAILY,
        ),
        Spec(
            "EP009",
            "排污许可信息",
            lic("排污", ("重点管理", "简化管理", "登记管理")),
            "H03",
            "environment",
            ("排污许可",),
        ),
        Spec(
            "EP009",
            "声环境质量监测",
            mon(
                (("day_db", "昼间等效声级（dB）", 45, 70), ("night_db", "夜间等效声级（dB）", 35, 60)),
                ("城区功能区", "交通干线"),
            ),
            "H04",
            "environment",
            ("噪声",),
        ),
        Spec(
            "EP009",
            "环境信访统计",
            st((("大气污染", "件", 5, 80), ("噪声污染", "件", 5, 60), ("水污染", "件", 2, 30))),
            "H05",
            "environment",
            ("信访",),
        ),
        Spec(
            "EP010",
            "建筑业企业资质",
            lic("建资", ("施工总承包", "专业承包", "施工劳务")),
            "I01",
            "urban",
            ("资质",),
        ),
        Spec("EP010", "商品房预售许可", lic("预售", ("住宅", "商业", "车位")), "I02", "urban", ("预售",)),
        Spec(
            "EP010",
            "保障性住房项目",
            d("保障房项目", ("公租房", "保障性租赁住房")),
            "I03",
            "urban",
            ("住房",),
        ),
        Spec("EP010", "燃气经营许可", lic("燃气", ("管道燃气", "瓶装燃气")), "I04", "urban", ("燃气",)),
        Spec(
            "EP010",
            "建筑工程施工许可",
            lic("施工", ("房屋建筑", "市政基础设施")),
            "I05",
            "urban",
            ("施工许可",),
        ),
        Spec("EP011", "公交线路", bus_lines(), "J01", "transport", ("公交",)),
        Spec("EP011", "公交站点", f("公交站", ("候车亭", "招呼站")), "J02", "transport", ("公交",)),
        Spec(
            "EP011",
            "道路运输经营许可",
            lic("粤交运", ("普通货运", "客运", "危险货物运输")),
            "J03",
            "transport",
            ("道路运输",),
        ),
        Spec(
            "EP011",
            "出租汽车企业名录",
            d("出租汽车公司", ("巡游车", "网约车")),
            "J04",
            "transport",
            ("出租车",),
        ),
        Spec(
            "EP011",
            "汽车客运站",
            f("客运站", ("一级站", "二级站", "简易站"), (100, 3000)),
            "J05",
            "transport",
            ("客运",),
        ),
        Spec(
            "EP012",
            "水库基本信息",
            f("水库", ("中型", "小（一）型", "小（二）型"), (10, 9000)),
            "K01",
            "environment",
            ("水库",),
        ),
        Spec(
            "EP012",
            "河道水位监测",
            mon(
                (("level", "水位（m）", 2, 12), ("flow", "流量（m³/s）", 5, 600)),
                ("锦江恩城站", "蓝田河站", "莲塘河站"),
            ),
            "K02",
            "environment",
            ("水位",),
            cycle=UpdateCycle.DAILY,
        ),
        Spec("EP012", "取水许可", lic("取水", ("生活", "工业", "农业灌溉")), "K03", "environment", ("取水",)),
        Spec("EP012", "农村集中供水工程", f("供水站", ("千吨万人", "村级")), "K04", "agriculture", ("供水",)),
        Spec(
            "EP013",
            "农民专业合作社名录",
            d("种养专业合作社", ("簕菜", "茶叶", "水稻", "生猪")),
            "L01",
            "agriculture",
            ("合作社",),
        ),
        Spec(
            "EP013",
            "家庭农场名录",
            d("家庭农场", ("种植", "养殖", "种养结合")),
            "L02",
            "agriculture",
            ("农场",),
        ),
        Spec(
            "EP013",
            "农产品质量抽检",
            mon((("pesticide", "农药残留（mg/kg）", 0, 0.5),), ("城区农贸市场", "圣堂基地", "良西基地")),
            "L03",
            "agriculture",
            ("抽检",),
        ),
        Spec(
            "EP013",
            "农机购置补贴发放",
            person_records(
                (
                    ("machine", "机具", "string", ("拖拉机", "插秧机", "收割机")),
                    ("amount", "补贴金额", "string", ("3000", "8000", "15000")),
                ),
                14000,
            ),
            "L04",
            **closed,
        ),
        Spec(
            "EP013",
            "耕地面积统计",
            st((("耕地面积", "亩", 5000, 60000), ("粮食播种面积", "亩", 3000, 50000))),
            "L05",
            "agriculture",
            ("耕地",),
            cycle=UpdateCycle.YEARLY,
        ),
        Spec("EP014", "外贸企业名录", d("进出口公司", ("电声", "食品", "纺织")), "E06", "economy", ("外贸",)),
        Spec(
            "EP014",
            "社会消费品零售总额",
            st((("社会消费品零售总额", "万元", 5000, 90000),)),
            "E07",
            "economy",
            ("消费",),
        ),
        Spec("EP014", "成品油零售经营许可", lic("油零售", ("加油站",)), "E08", "economy", ("成品油",)),
        Spec(
            "EP015",
            "A级旅游景区",
            f("景区", ("AAAA", "AAA", "AA"), (500, 20000)),
            "M01",
            "tourism",
            ("景区", "温泉"),
        ),
        Spec(
            "EP015",
            "文物保护单位",
            d("文物点", ("碉楼", "古村落", "祠堂", "近代建筑")),
            "M02",
            "tourism",
            ("文物",),
        ),
        Spec(
            "EP015",
            "公共体育设施",
            f("体育场馆", ("篮球场", "游泳池", "健身路径", "足球场")),
            "M03",
            "tourism",
            ("体育",),
        ),
        Spec(
            "EP015",
            "公共图书馆及分馆",
            f("图书分馆", ("总馆", "分馆", "农家书屋")),
            "M04",
            "education",
            ("图书馆",),
        ),
        Spec(
            "EP015",
            "旅游接待统计",
            st((("接待游客", "万人次", 5, 80), ("旅游收入", "亿元", 0.5, 12))),
            "M05",
            "tourism",
            ("旅游",),
        ),
        Spec(
            "EP016",
            "医疗机构名录",
            f("卫生院", ("综合医院", "中医院", "卫生院", "村卫生站"), (5, 800)),
            "N01",
            "health",
            ("医疗",),
        ),
        Spec(
            "EP016",
            "预防接种门诊",
            f("接种门诊", ("成人", "儿童", "狂犬病暴露处置")),
            "N02",
            "health",
            ("疫苗",),
        ),
        Spec(
            "EP016",
            "出生医学证明签发信息",
            person_records((("issued_on", "签发日期", "date", ()),), 17000),
            "N03",
            **closed,
        ),
        Spec(
            "EP016",
            "卫生健康统计",
            st((("执业医师数", "人", 50, 900), ("床位数", "张", 100, 2000))),
            "N04",
            "health",
            ("卫生统计",),
            cycle=UpdateCycle.YEARLY,
        ),
        Spec(
            "EP017",
            "退役军人服务站",
            f("退役军人服务站", ("市级", "镇级", "村级")),
            "O01",
            "social",
            ("退役军人",),
        ),
        Spec(
            "EP017",
            "优抚对象信息",
            person_records(
                (("category", "优抚类别", "string", ("伤残军人", "烈属", "在乡复员军人")),), 20000
            ),
            "O02",
            **closed,
        ),
        Spec(
            "EP018",
            "应急避难场所",
            f("避难场所", ("Ⅰ类", "Ⅱ类", "Ⅲ类"), (200, 5000)),
            "P01",
            "safety",
            ("应急",),
        ),
        Spec(
            "EP018", "危险化学品经营许可", lic("危化经", ("带储存", "不带储存")), "P02", "safety", ("危化品",)
        ),
        Spec(
            "EP018",
            "安全生产事故统计",
            st((("事故起数", "起", 0, 30), ("死亡人数", "人", 0, 8))),
            "P03",
            "safety",
            ("安全生产",),
        ),
        Spec(
            "EP019",
            "审计结果公告",
            d("审计项目", ("预算执行", "经济责任", "专项资金")),
            "Q01",
            "government",
            ("审计",),
        ),
        Spec(
            "EP020",
            "企业登记信息",
            licence("营业执照", ("有限责任公司", "个体工商户", "农民专业合作社")),
            "R01",
            "economy",
            ("企业", "营业执照"),
            classification=Classification.THEME,
        ),
        Spec(
            "EP020",
            "食品经营许可信息",
            lic("JY", ("预包装食品销售", "热食类食品制售", "冷食类食品制售")),
            "R02",
            "safety",
            ("食品",),
        ),
        Spec("EP020", "药品经营许可", lic("粤DA", ("药品零售", "药品批发")), "R03", "health", ("药品",)),
        Spec(
            "EP020",
            "特种设备使用登记",
            d("特种设备使用单位", ("电梯", "锅炉", "压力容器", "起重机械")),
            "R04",
            "safety",
            ("特种设备",),
        ),
        Spec(
            "EP020",
            "行政处罚信息公示",
            d("处罚案件", ("食品安全", "价格", "广告", "计量")),
            "R05",
            "safety",
            ("行政处罚",),
        ),
        Spec(
            "EP021", "医保定点医疗机构", f("定点医院", ("一级", "二级", "基层")), "N05", "health", ("医保",)
        ),
        Spec("EP021", "医保定点零售药店", f("定点药店", ("连锁", "单体")), "N06", "health", ("医保", "药店")),
        Spec(
            "EP021",
            "医保参保信息",
            person_records((("scheme", "参保类型", "string", ("职工医保", "城乡居民医保")),), 23000),
            "N07",
            **closed,
        ),
        Spec("EP022", "公共厕所", f("公厕", ("一类", "二类", "三类"), (4, 40)), "S01", "urban", ("公厕",)),
        Spec(
            "EP022",
            "停车场",
            f("停车场", ("公共停车场", "路内泊位", "配建停车场"), (20, 800)),
            "S02",
            "transport",
            ("停车",),
        ),
        Spec("EP022", "垃圾转运站", f("垃圾转运站", ("压缩式", "地埋式")), "S03", "urban", ("环卫",)),
        Spec("EP022", "户外广告设置许可", lic("户外广告", ("招牌", "大型广告牌")), "S04", "urban", ("广告",)),
        Spec(
            "EP023",
            "建设用地规划许可",
            lic("地字", ("住宅用地", "工业用地", "商服用地")),
            "T01",
            "urban",
            ("规划",),
        ),
        Spec(
            "EP023", "地质灾害隐患点", f("隐患点", ("滑坡", "崩塌", "泥石流")), "T02", "safety", ("地质灾害",)
        ),
        Spec(
            "EP023",
            "国有建设用地出让结果",
            d("出让地块", ("住宅", "工业", "商服")),
            "T03",
            "urban",
            ("土地",),
        ),
        Spec(
            "EP023-01",
            "不动产登记信息",
            person_records(
                (
                    (
                        "certificate_no",
                        "不动产权证号",
                        "string",
                        ("粤（2024）恩平市不动产权第0001234号", "粤（2025）恩平市不动产权第0004321号"),
                    ),
                    ("right_type", "权利类型", "string", ("国有建设用地使用权/房屋所有权", "宅基地使用权")),
                ),
                26000,
            ),
            "T04",
            classification=Classification.THEME,
            **closed,
        ),
        Spec(
            "EP024",
            "古树名木",
            f("古树", ("一级", "二级", "三级"), (100, 800)),
            "U01",
            "environment",
            ("古树",),
        ),
        Spec("EP024", "森林防火检查站", f("防火检查站", ("固定", "临时")), "U02", "safety", ("森林防火",)),
        Spec("EP024", "林木采伐许可", lic("采伐", ("商品林", "公益林更新")), "U03", "agriculture", ("林业",)),
        Spec(
            "EP025",
            "地区生产总值",
            st((("地区生产总值", "亿元", 20, 200), ("第一产业增加值", "亿元", 5, 40))),
            "E09",
            "economy",
            ("GDP",),
            cycle=UpdateCycle.QUARTERLY,
        ),
        Spec(
            "EP025",
            "人口抽样调查统计",
            st((("常住人口", "万人", 1, 12), ("城镇化率", "%", 30, 70))),
            "E10",
            "social",
            ("人口",),
            cycle=UpdateCycle.YEARLY,
        ),
        Spec(
            "EP025",
            "规模以上工业增加值",
            st((("规上工业增加值", "亿元", 2, 60),)),
            "E11",
            "economy",
            ("工业",),
        ),
        Spec(
            "EP026", "纳税信用A级纳税人名单", d("纳税人", ("企业", "个体")), "V01", "economy", ("纳税信用",)
        ),
        Spec(
            "EP026",
            "办税服务厅",
            f("办税服务厅", ("主厅", "分厅", "自助办税点")),
            "V02",
            "government",
            ("办税",),
        ),
        Spec(
            "EP027",
            "住房公积金缴存统计",
            st((("缴存人数", "人", 1000, 40000), ("缴存额", "万元", 500, 30000))),
            "B12",
            "social",
            ("公积金",),
        ),
        Spec(
            "EP027",
            "公积金缴存信息",
            person_records((("monthly", "月缴存额", "string", ("600", "900", "1500")),), 29000),
            "B13",
            **closed,
        ),
        Spec(
            "EP028",
            "用电报装统计",
            st((("低压报装", "户", 100, 3000), ("高压报装", "户", 5, 200))),
            "W01",
            "economy",
            ("用电",),
        ),
        Spec(
            "EP028", "电动汽车充电桩", f("充电站", ("快充", "慢充"), (2, 40)), "W02", "transport", ("充电桩",)
        ),
        Spec(
            "EP029",
            "政府信息公开目录",
            d("公开信息", ("规范性文件", "工作动态", "人事信息")),
            "X01",
            "government",
            ("信息公开",),
        ),
        Spec(
            "EP029", "政策文件库", d("政策文件", ("市政府文件", "市府办文件")), "X02", "government", ("政策",)
        ),
        Spec(
            "EP030",
            "残疾人信息",
            person_records(
                (
                    ("disability", "残疾类别", "string", ("肢体", "视力", "听力", "智力")),
                    ("level", "残疾等级", "string", ("一级", "二级", "三级", "四级")),
                ),
                32000,
            ),
            "B14",
            **closed,
        ),
        Spec("EP030", "残疾人康复机构", f("康复站", ("综合", "专项")), "B15", "social", ("康复",)),
        Spec(
            "EP031",
            "气象观测数据",
            mon(weather, ("恩平国家基本站", "大田区域站", "那吉区域站")),
            "H06",
            "environment",
            ("气象",),
            cycle=UpdateCycle.DAILY,
        ),
        Spec(
            "EP031",
            "气象灾害预警信号",
            d("预警信号", ("暴雨", "台风", "高温", "寒冷")),
            "H07",
            "safety",
            ("预警",),
        ),
        Spec("EP032", "消防救援站", f("消防站", ("特勤站", "普通站", "小型站")), "P04", "safety", ("消防",)),
        Spec(
            "EP032",
            "消防安全重点单位",
            d("重点单位", ("商场", "医院", "学校", "厂房")),
            "P05",
            "safety",
            ("消防",),
        ),
    ]


def _credit_row(rng: random.Random, n: int) -> dict[str, Any]:
    company = registries.enterprise(rng.randint(0, 599))
    kind = rng.choice(("行政许可", "行政许可", "行政处罚", "守信激励（红名单）", "失信惩戒（黑名单）"))
    return {
        "record_no": f"XY440785{n + 1:07d}",
        "uscc": company["uscc"],
        "subject_name": company["name"],
        "record_type": kind,
        "decision_no": f"恩{rng.choice(('市监', '环', '交', '住建'))}罚〔{rng.randint(2020, 2026)}〕"
        f"{rng.randint(1, 300)}号",
        "content": rng.choice(("准予许可", "警告并罚款", "列入经营异常名录", "评为A级纳税人")),
        "decided_on": _day(rng, date(2020, 1, 1), 2400),
        "authority": rng.choice(("恩平市市场监督管理局", "江门市生态环境局恩平分局", "恩平市交通运输局")),
    }


LICENCE_TYPES: Final = (
    ("居民身份证", "公安局"),
    ("营业执照", "市场监督管理局"),
    ("不动产权证书", "不动产登记中心"),
    ("食品经营许可证", "市场监督管理局"),
    ("结婚证", "民政局"),
    ("残疾人证", "残疾人联合会"),
    ("机动车驾驶证", "交通警察大队"),
    ("社会保障卡", "人力资源和社会保障局"),
)


def _licence_row(rng: random.Random, n: int) -> dict[str, Any]:
    kind, issuer = LICENCE_TYPES[n % len(LICENCE_TYPES)]
    issued = _day(rng, date(2016, 1, 1), 3600)
    if kind in ("营业执照", "食品经营许可证"):
        company = registries.enterprise(rng.randint(0, 599))
        holder, holder_id = company["name"], company["uscc"]
    else:
        who = registries.person(n * 3 + 11)
        holder, holder_id = who["full_name"], who["id_number"]
    return {
        "licence_id": f"1244078500{n:08d}",
        "licence_type": kind,
        "holder_name": holder,
        "holder_id": holder_id,
        "issued_on": issued,
        "valid_until": issued + timedelta(days=3650) if kind != "营业执照" else None,
        "issuer": f"恩平市{issuer}",
        "status": "有效",
    }


def _address_row(rng: random.Random, n: int) -> dict[str, Any]:
    where, town, village = registries.address(rng)
    return {
        "address_code": f"44078500{n:08d}",
        "address": where,
        "town_code": town,
        "village_code": village,
        "longitude": round(112.2 + rng.random() * 0.35, 6),
        "latitude": round(22.0 + rng.random() * 0.35, 6),
    }


BASE_REGISTRIES: Final = (
    ("人口基础信息库", "A00", "persons"),
    ("法人单位基础信息库", "R00", "enterprises"),
    ("空间地理基础信息库（行政区划）", "T00", "divisions"),
    ("空间地理基础信息库（标准地址）", "T01", "addresses"),
    ("社会信用基础信息库", "V00", "credit"),
    ("电子证照基础信息库", "Z00", "licences"),
)


#: Names of the demo's classes (类); each item (项) is named after its resource.
CLASS_NAMES: Final = {
    "A": "人口与户籍",
    "B": "社会保障与民政",
    "C": "教育",
    "D": "政务服务",
    "E": "经济与财政",
    "F": "公安与交通管理",
    "G": "司法行政",
    "H": "生态环境与气象",
    "I": "住房和城乡建设",
    "J": "交通运输",
    "K": "水利",
    "L": "农业农村",
    "M": "文化旅游体育",
    "N": "卫生健康与医疗保障",
    "O": "退役军人",
    "P": "应急管理与消防",
    "Q": "审计",
    "R": "市场监管与法人",
    "S": "城市管理",
    "T": "自然资源与空间地理",
    "U": "林业",
    "V": "税务与社会信用",
    "W": "能源",
    "X": "政务公开",
    "Z": "电子证照",
}


def _name_classes(names: list[tuple[str, str]]) -> None:
    """The class tree reads in words: the demo's classes, and each item after its (first) resource."""
    for code, name in CLASS_NAMES.items():
        services.catalog_class_name(actor=None, code=code, name=name)
    items: dict[str, str] = {}
    for class_code, name in names:
        items.setdefault(class_code[:3], name.split("（")[0])
    for code, name in items.items():
        services.catalog_class_name(actor=None, code=code, name=name)


def _registry_template(kind: str) -> tuple[list[dict[str, Any]], int]:
    if kind == "persons":
        return [dict(i) for i in registries.PERSON_ITEMS], 0
    if kind == "enterprises":
        return [dict(i) for i in registries.ENTERPRISE_ITEMS], 600
    if kind == "divisions":
        return [
            _item("code", "区划代码", required=True, is_key=True, max_length=12),
            _item("name", "名称", required=True),
            _item("level", "层级"),
            _item("parent_code", "上级区划代码"),
        ], 0
    if kind == "addresses":
        return [
            _item("address_code", "地址编码", required=True, is_key=True),
            _item("address", "标准地址", required=True),
            _item("town_code", "镇街代码"),
            _item("village_code", "村居代码"),
            _item("longitude", "经度", "decimal"),
            _item("latitude", "纬度", "decimal"),
        ], 1000
    if kind == "credit":
        return [
            _item("record_no", "信用记录编号", required=True, is_key=True),
            _item("uscc", "统一社会信用代码", required=True),
            _item("subject_name", "主体名称"),
            _item("record_type", "记录类型"),
            _item("decision_no", "决定文书号"),
            _item("content", "内容"),
            _item("decided_on", "决定日期", "date"),
            _item("authority", "决定机关"),
        ], 400
    return [
        _item("licence_id", "证照标识", required=True, is_key=True),
        _item("licence_type", "证照类型", required=True),
        {
            "name": "holder_name",
            "label": "持证主体",
            "is_personal": True,
            "sensitivity": "L3",
            "masking": "name",
        },
        {
            "name": "holder_id",
            "label": "持证主体代码",
            "is_personal": True,
            "sensitivity": "L4",
            "masking": "id_number",
        },
        _item("issued_on", "签发日期", "date"),
        _item("valid_until", "有效期至", "date"),
        _item("issuer", "签发机构"),
        _item("status", "状态"),
    ], 800


@dataclass
class _State:
    created: int = 0
    entries: dict[str, CatalogEntry] = field(default_factory=dict)


def _ensure_entry(
    state: _State,
    departments: dict[str, Department],
    spec: Spec,
    *,
    rows: list[dict[str, Any]] | None = None,
) -> CatalogEntry | None:
    department = departments.get(spec.department)
    if department is None:
        return None
    existing = CatalogEntry.objects.filter(department=department, name=spec.name).first()
    if existing is not None:
        state.entries[spec.name] = existing
        return existing
    openness = Openness.OPEN if spec.open else Openness.CLOSED
    entry = services.entry_create(
        actor=None,
        department=department,
        name=spec.name,
        class_code=spec.class_code,
        classification=spec.classification,
        items=spec.template.items,
        abstract=f"{department.name}提供的{spec.name}（演示数据）。",
        sharing_type=spec.sharing,
        sharing_conditions="用于依法履职，需说明用途和依据"
        if spec.sharing == SharingType.CONDITIONAL
        else "",
        sharing_method="接口",
        openness=openness,
        update_cycle=spec.cycle,
        grade=spec.grade,
    )
    services.entry_transition(actor=None, entry=entry, action="submit")
    services.entry_transition(actor=None, entry=entry, action="approve")
    services.entry_mount_table(actor=None, entry=entry)
    if rows is None:
        rng = random.Random(f"{spec.department}/{spec.name}")  # noqa: S311 - demo data, not secrets
        count = spec.rows or rng.randint(*spec.template.rows)
        rows = [spec.template.row(rng, n) for n in range(count)]
    if rows:
        services.rows_insert(actor=None, entry=entry, rows=rows, source="demo")
    entry.refresh_from_db()
    state.created += 1
    state.entries[spec.name] = entry
    return entry


def _ensure_roles() -> None:
    from shuzheng.identity import services as identity_services

    for code, name, description, permissions in ROLES:
        identity_services.role_ensure(
            actor=None, code=code, name=name, description=description, permissions=list(permissions)
        )


def _ensure_users(departments: dict[str, Department]) -> list[str]:
    from shuzheng.identity.demo import ensure_staff_account
    from shuzheng.identity.models import DataScopeKind, Role

    wanted = (
        ("ga_data", "林志华", "EP004", "data_steward"),
        ("mz_data", "关婉婷", "EP005", "data_steward"),
        ("mz_user", "谭家豪", "EP005", "data_consumer"),
    )
    lines = []
    for username, full_name, dept_code, role_code in wanted:
        department = departments.get(dept_code)
        if department is None:
            continue
        role = Role.objects.get(code=role_code)
        ensure_staff_account(
            username=username,
            full_name=full_name,
            department=department,
            role=role,
            scope=DataScopeKind.DEPARTMENT,
        )
        lines.append(
            f"{username} / {DEMO_PASSWORD}（{department.short_name or department.name}，{role.name}）"
        )
    return lines


def _aware(day: date, hour: int = 10) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour)))


def _ensure_sharing(state: _State, departments: dict[str, Department]) -> str:
    """Requests in every state; returns the demo credential's Authorization header value."""
    from shuzheng.identity.models import User

    if SharingRequest.objects.exists():
        return (
            f"Bearer {DEMO_CLIENT_ID}:{DEMO_SECRET}"
            if ApiCredential.objects.filter(client_id=DEMO_CLIENT_ID).exists()
            else ""
        )
    today = timezone.localdate()
    persons = state.entries["人口基础信息库"]
    hukou = state.entries["户籍人口信息"]
    marriage = state.entries["婚姻登记信息"]
    dibao = state.entries["低保对象信息"]
    property_ = state.entries["不动产登记信息"]
    enterprises = state.entries["法人单位基础信息库"]
    licences = state.entries["电子证照基础信息库"]
    bus = state.entries["公交线路"]

    def request(
        entry: CatalogEntry, dept: str, fields: list[str], purpose: str, days_ago: int = 1
    ) -> SharingRequest:
        return services.sharing_request_create(
            actor=None,
            entry=entry,
            requester_department=departments[dept],
            purpose=purpose,
            legal_basis="《广东省政务数据资源共享管理办法（试行）》及本部门法定职责",
            fields=fields,
            period_start=today - timedelta(days=days_ago),
            period_end=today + timedelta(days=365),
            submitted_at=_aware(today - timedelta(days=days_ago)),
        )

    base_fields = ["id_number", "full_name", "gender", "birth_date", "mobile", "address"]
    # Base registry grants for form prefill (免填写) to the departments that run the most cases.
    for dept in ("EP001-01", "EP005", "EP008", "EP020", "EP021", "EP023-01", "EP027"):
        granted = request(persons, dept, base_fields, "办事表单预填（免填写）与身份核验", days_ago=20)
        services.sharing_request_approve(
            actor=None, request=granted, decided_at=_aware(today - timedelta(days=18))
        )
    for dept in ("EP002", "EP011", "EP014", "EP026"):
        granted = request(
            enterprises, dept, ["uscc", "name", "entity_type", "status", "address"], "企业办事表单预填", 15
        )
        services.sharing_request_approve(
            actor=None, request=granted, decided_at=_aware(today - timedelta(days=14))
        )
    for dept in ("EP029", "EP020"):
        granted = request(
            licences,
            dept,
            ["licence_id", "licence_type", "holder_name", "holder_id", "status"],
            "办事材料免提交（电子证照调用）",
            12,
        )
        services.sharing_request_approve(
            actor=None, request=granted, decided_at=_aware(today - timedelta(days=11))
        )
    # 民政局 asks 公安局 for household data: approved with fewer fields; the demo credential hangs on it.
    mz = request(
        hukou, "EP005", ["id_number", "full_name", "mobile", "address", "household_type"], "低保资格核查", 10
    )
    grant = services.sharing_request_approve(
        actor=None,
        request=mz,
        fields=["id_number", "full_name", "address", "household_type"],
        decided_at=_aware(today - timedelta(days=8)),
    )
    services.credential_issue(
        actor=None,
        grant=grant,
        label="民政低保核查系统（演示）",
        client_id=DEMO_CLIENT_ID,
        secret=DEMO_SECRET,
        holder=User.objects.filter(username="mz_user").first(),
    )
    # 人社局 asks 民政局 for marriage records: refused with a reason.
    refused = request(marriage, "EP008", ["id_number", "full_name", "marriage_type"], "就业补贴审核", 9)
    services.sharing_request_refuse(
        actor=None,
        request=refused,
        reason="用途不在婚姻登记信息的共享范围内，请通过人口基础信息库核验",
        decided_at=_aware(today - timedelta(days=7)),
    )
    # 残联 asks 民政局 for 低保 data: decided late (timed out, still satisfied).
    late = request(dibao, "EP030", ["id_number", "full_name", "category"], "残疾人两项补贴核对", 30)
    services.sharing_request_approve(actor=None, request=late, decided_at=_aware(today - timedelta(days=5)))
    # Pending: one fresh, one past its due date (timed out against 不动产登记中心).
    request(property_, "EP010", ["id_number", "full_name", "certificate_no"], "保障性住房资格审核", 1)
    request(property_, "EP003", ["id_number", "full_name", "right_type"], "义务教育入学住房核验", 25)
    request(hukou, "EP016", ["id_number", "full_name"], "出生医学证明核验", 2)
    # Unconditional: granted at once.
    request(bus, "EP015", ["line_no", "name", "start_stop", "end_stop"], "旅游线路规划", 3)
    request(bus, "EP001-01", ["line_no", "name", "first_bus", "last_bus"], "12345热线答复公交咨询", 4)
    return f"Bearer {DEMO_CLIENT_ID}:{DEMO_SECRET}"


def _ensure_quality(state: _State) -> None:
    if QualityRule.objects.exists():
        return
    persons = state.entries["人口基础信息库"]
    divisions = state.entries["空间地理基础信息库（行政区划）"]
    enterprises = state.entries["法人单位基础信息库"]
    credit = state.entries["社会信用基础信息库"]

    def rule(entry: CatalogEntry, kind: str, item: str | None = None, **params: Any) -> None:
        item_obj = DataItem.objects.get(entry=entry, name=item) if item else None
        quality.rule_create(actor=None, entry=entry, kind=kind, item=item_obj, params=params)

    rule(persons, RuleKind.NOT_NULL, "id_number")
    rule(persons, RuleKind.TYPE, "id_number", type="id_number")
    rule(persons, RuleKind.UNIQUE, "id_number")
    rule(persons, RuleKind.PATTERN, "mobile", pattern=r"^1[3-9][0-9]{9}$")
    rule(persons, RuleKind.ENUM, "gender", values=["男", "女"])
    rule(persons, RuleKind.RANGE, "birth_date", min="1900-01-01", max="2026-12-31")
    rule(persons, RuleKind.NOT_NULL, "town_code")
    rule(persons, RuleKind.REFERENCE, "town_code", ref_entry=divisions.code, ref_field="code")
    rule(persons, RuleKind.FRESHNESS)
    rule(persons, RuleKind.ACCESSIBLE)
    rule(enterprises, RuleKind.TYPE, "uscc", type="uscc")
    rule(enterprises, RuleKind.UNIQUE, "uscc")
    rule(enterprises, RuleKind.NOT_NULL, "legal_representative")
    rule(enterprises, RuleKind.RANGE, "registered_capital", min=0)
    rule(credit, RuleKind.REFERENCE, "uscc", ref_entry=enterprises.code, ref_field="uscc")
    rule(
        credit,
        RuleKind.CROSS_MATCH,
        "subject_name",
        ref_entry=enterprises.code,
        ref_field="name",
        key="uscc",
        ref_key="uscc",
    )
    rule(divisions, RuleKind.UNIQUE, "code")
    rule(divisions, RuleKind.PATTERN, "code", pattern=r"^[0-9]{6}([0-9]{3}([0-9]{3})?)?$")
    quality.run(actor=None)


def _ensure_open(state: _State, specs: list[Spec]) -> None:
    topics = {
        name: OpenTopic.objects.get_or_create(name=name, defaults={"title": title})[0]
        for name, title in TOPICS
    }
    published = set(OpenDataset.objects.values_list("entry_id", flat=True))
    for spec in specs:
        entry = state.entries.get(spec.name)
        if entry is None or not spec.open or entry.pk in published:
            continue
        services.dataset_publish(
            actor=None,
            entry=entry,
            name=f"enping-{entry.code.lower().replace('/', '-')}",
            title=spec.name,
            notes=f"{entry.department.name}发布的{spec.name}（演示数据），按{entry.get_update_cycle_display()}更新。",
            tags=list(spec.tags),
            topics=[topics[spec.topic]] if spec.topic in topics else [],
        )


def _with_flaws(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A few realistic defects for the quality run to find: typos in mobiles, missing and unknown towns."""
    for n, row in enumerate(rows):
        if n % 97 == 13:
            row["mobile"] = row["mobile"][:-1]
        if n % 211 == 7:
            row["town_code"] = None
        if n % 331 == 5:
            row["town_code"] = "440785999"
    return rows


def _division_rows() -> list[dict[str, Any]]:
    division = apps.get_model("orgs", "Division")
    return [
        {"code": code, "name": name, "level": level, "parent_code": parent or ""}
        for code, name, level, parent in division.objects.order_by("code").values_list(
            "code", "name", "level", "parent__code"
        )
    ]


def load(progress: Progress | None = None, *, persons: int | None = None) -> dict[str, Any]:
    """Load the data hub demo (idempotent). Returns counts, ``created`` and ``notes`` (lines to print:
    the demo credential and the data-hub demo accounts)."""
    persons = (
        persons if persons is not None else int(getattr(settings, "SHUZHENG_DEMO_PERSONS", DEFAULT_PERSONS))
    )
    codes = {"EP001"} | {s.department for s in _specs()}
    departments = {d.code: d for d in Department.objects.filter(code__in=codes)}
    if "EP001" not in departments:
        raise RuntimeError("请先加载组织机构演示数据（缺少部门 EP001）")
    specs = _specs()
    steps = ("角色与账号", "基础库", "部门数据资源", "开放数据集", "共享申请与凭证", "质量检测")
    total = len(steps)

    def step(n: int) -> None:
        if progress is not None:
            progress(steps[n - 1], n, total)

    state = _State()
    with transaction.atomic():
        _ensure_roles()
        accounts = _ensure_users(departments)
        step(1)
        for name, class_code, kind in BASE_REGISTRIES:
            items, count = _registry_template(kind)
            if kind == "persons":
                rows = _with_flaws(list(registries.persons(0, persons)))
            elif kind == "divisions":
                rows = _division_rows()
            else:
                maker = {
                    "enterprises": lambda r, n: registries.enterprise(n),
                    "addresses": _address_row,
                    "credit": _credit_row,
                    "licences": _licence_row,
                }[kind]
                rng = random.Random(kind)  # noqa: S311 - demo data, not secrets
                rows = [maker(rng, n) for n in range(count)]
            spec = Spec(
                "EP001",
                name,
                Template(items, lambda r, n: {}),
                class_code,
                open=False,
                sharing=SharingType.CONDITIONAL,
                grade=Grade.IMPORTANT,
                classification=Classification.BASE,
                cycle=UpdateCycle.DAILY if kind == "persons" else UpdateCycle.MONTHLY,
            )
            _ensure_entry(state, departments, spec, rows=rows)
        step(2)
        for spec in specs:
            _ensure_entry(state, departments, spec)
        _name_classes([(c, n) for n, c, _k in BASE_REGISTRIES] + [(s.class_code, s.name) for s in specs])
        step(3)
        _ensure_open(state, specs)
        step(4)
        credential = _ensure_sharing(state, departments)
        step(5)
        _ensure_quality(state)
        step(6)
    from shuzheng.datahub.selectors import catalog_totals, sharing_indicator

    totals = catalog_totals()
    indicator = sharing_indicator()
    notes = [
        f"数据服务演示凭证：Authorization: {credential}" if credential else "",
        f"  例：curl -H 'Authorization: {credential}' "
        f"'http://127.0.0.1:8000/api/v1/datahub/data/{state.entries['户籍人口信息'].code}/rows?limit=5'"
        if credential
        else "",
        f"共享需求满足率（指标13）：{indicator.satisfied}/{indicator.total}",
        *[f"数据中台演示账号：{line}" for line in accounts],
    ]
    latest = QualityRun.objects.order_by("-id").first()
    return {
        "data_entries": totals["entries"],
        "data_departments": totals["departments"],
        "mounted_resources": totals["mounted"],
        "data_rows": totals["rows"],
        "open_datasets": totals["open_datasets"],
        "open_departments": totals["open_departments"],
        "sharing_requests": SharingRequest.objects.count(),
        "quality_rules": QualityRule.objects.count(),
        "quality_run": latest.pk if latest else 0,
        "created": state.created,
        "notes": [n for n in notes if n],
    }
