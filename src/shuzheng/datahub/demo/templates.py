"""Row generators for the data hub demo: each kind of resource (facility, directory, licence, monitor,
statistics, …) is a ``Template`` — its data items and a deterministic row maker — and a ``Spec`` says which
department catalogs which resource with which template."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from shuzheng.datahub.demo import registries
from shuzheng.datahub.models import Classification, Grade, SharingType, UpdateCycle
from shuzheng.orgs.demo import TOWNS, village_rows

Rows = Callable[[random.Random, int], dict[str, Any]]


@dataclass
class Template:
    items: list[dict[str, Any]]
    row: Rows
    rows: tuple[int, int] = (30, 200)


def pick_town(rng: random.Random) -> Any:
    return rng.choice(TOWNS)


def pick_village(rng: random.Random) -> tuple[Any, str]:
    town = pick_town(rng)
    _code, name, _real = rng.choice(village_rows(town))
    return town, name.removesuffix("（演示）")


def phone_number(rng: random.Random) -> str:
    return f"0750-7{rng.randint(100000, 999999)}"


def random_day(rng: random.Random, start: date = date(2015, 1, 1), span: int = 3900) -> date:
    return start + timedelta(days=rng.randint(0, span))


S = "string"


def item(name: str, label: str, data_type: str = S, **extra: Any) -> dict[str, Any]:
    return {"name": name, "label": label, "data_type": data_type, **extra}


def facility(noun: str, categories: tuple[str, ...], capacity: tuple[int, int] = (10, 500)) -> Template:
    def row(rng: random.Random, n: int) -> dict[str, Any]:
        town, village = pick_village(rng)
        return {
            "name": f"{town.name}{village if rng.random() < 0.5 else ''}{noun}{n + 1}",
            "category": rng.choice(categories),
            "town": town.name,
            "address": f"恩平市{town.name}{village}{rng.choice(registries.ROADS)}{rng.randint(1, 200)}号",
            "phone": phone_number(rng),
            "capacity": rng.randint(*capacity),
            "longitude": round(112.2 + rng.random() * 0.35, 6),
            "latitude": round(22.0 + rng.random() * 0.35, 6),
            "open_hours": rng.choice(("全天", "08:30-17:30", "09:00-21:00", "06:00-22:00")),
        }

    items = [
        item("name", "名称", required=True, is_key=True),
        item("category", "类别"),
        item("town", "所在镇街"),
        item("address", "地址"),
        item("phone", "联系电话"),
        item("capacity", "规模（容量）", "integer"),
        item("longitude", "经度", "decimal"),
        item("latitude", "纬度", "decimal"),
        item("open_hours", "开放时间"),
    ]
    return Template(items, row)


def directory(noun: str, categories: tuple[str, ...]) -> Template:
    def row(rng: random.Random, n: int) -> dict[str, Any]:
        town, village = pick_village(rng)
        return {
            "name": f"恩平市{rng.choice(registries.ENTERPRISE_WORDS)}{noun}{n + 1}",
            "category": rng.choice(categories),
            "town": town.name,
            "address": f"恩平市{town.name}{village}{rng.randint(1, 200)}号",
            "phone": phone_number(rng),
            "recorded_on": random_day(rng),
        }

    items = [
        item("name", "名称", required=True),
        item("category", "类别"),
        item("town", "所在镇街"),
        item("address", "地址"),
        item("phone", "联系电话"),
        item("recorded_on", "登记日期", "date"),
    ]
    return Template(items, row)


def licence(prefix: str, scopes: tuple[str, ...], years: int = 5) -> Template:
    def row(rng: random.Random, n: int) -> dict[str, Any]:
        company = registries.enterprise(rng.randint(0, 600))
        issued = random_day(rng, date(2019, 1, 1), 2400)
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
        item("licence_no", "许可证编号", required=True, is_key=True),
        item("holder", "持证单位", required=True),
        item("uscc", "统一社会信用代码"),
        item("address", "经营地址"),
        item("scope", "许可范围"),
        item("issued_on", "发证日期", "date"),
        item("valid_until", "有效期至", "date"),
        item("status", "状态"),
    ]
    return Template(items, row)


def monitor(metrics: tuple[tuple[str, str, float, float], ...], stations: tuple[str, ...]) -> Template:
    def row(rng: random.Random, n: int) -> dict[str, Any]:
        values: dict[str, Any] = {
            "station": rng.choice(stations),
            "town": pick_town(rng).name,
            "measured_on": date(2026, 11, 1) - timedelta(days=n),
        }
        for name, _label, low, high in metrics:
            values[name] = round(low + rng.random() * (high - low), 2)
        return values

    items = [
        item("station", "监测点", required=True),
        item("town", "所在镇街"),
        item("measured_on", "监测日期", "date", required=True),
        *[item(name, label, "decimal") for name, label, _l, _h in metrics],
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
        item("year", "年度", "integer", required=True),
        item("town", "镇街"),
        item("indicator", "指标", required=True),
        item("value", "数值", "decimal"),
        item("unit", "单位"),
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
        item("line_no", "线路编号", required=True, is_key=True),
        item("name", "线路名称"),
        item("start_stop", "起点站"),
        item("end_stop", "终点站"),
        item("stops", "站点数", "integer"),
        item("first_bus", "首班时间"),
        item("last_bus", "末班时间"),
        item("fare", "票价（元）", "decimal"),
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
        item("item_code", "事项编码", required=True, is_key=True),
        item("name", "事项名称", required=True),
        item("kind", "事项类型"),
        item("statutory_days", "法定时限（工作日）", "integer"),
        item("promised_days", "承诺时限（工作日）", "integer"),
        item("online", "可网上办理", "boolean"),
        item("max_visits", "最多跑动次数", "integer"),
    ]
    return Template(items, row, rows=(60, 150))


def person_records(extra: tuple[tuple[str, str, str, tuple[Any, ...]], ...], offset: int) -> Template:
    """Records about people (restricted; never opened): ID, name, mobile, address plus ``extra`` fields."""

    def row(rng: random.Random, n: int) -> dict[str, Any]:
        who = registries.person(offset + n * 7)
        values = {k: who[k] for k in ("id_number", "full_name", "mobile", "address")}
        for name, _label, data_type, choices in extra:
            if data_type == "date":
                values[name] = random_day(rng)
            else:
                values[name] = rng.choice(choices)
        return values

    items = [
        {**registries.PERSON_ITEMS[0]},
        {**registries.PERSON_ITEMS[1]},
        {**registries.PERSON_ITEMS[5]},
        {**registries.PERSON_ITEMS[6]},
        *[item(name, label, data_type) for name, label, data_type, _c in extra],
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
