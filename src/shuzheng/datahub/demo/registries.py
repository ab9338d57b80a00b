"""The five base registries (五大基础库) as catalog entries, and generators for their demo rows.

Natural persons get valid ID numbers (GB 11643) in the demo city's region with realistic Chinese names,
mobiles and addresses in its towns and villages (`orgs.demo`); legal entities valid USCC codes (GB 32100).
Generation is deterministic: person ``i`` is always the same person, so ``generate_persons`` can add
millions of rows for the bench in batches (COPY on PostgreSQL) and the demo stays reproducible.
"""

from __future__ import annotations

import io
import random
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from typing import Any, Final

from django.db import connection, transaction
from django.utils import timezone
from stdnum.cn import ric

from shuzheng.core import audit
from shuzheng.core.actors import SYSTEM
from shuzheng.core.validators import generate_uscc
from shuzheng.datahub import tables
from shuzheng.datahub.models import CatalogEntry
from shuzheng.orgs.demo import CITY, PREFECTURE, PROVINCE, TOWNS, Town, village_rows

REGION: Final = CITY[0]
#: Where every demo address starts (省市县).
ADDRESS_PREFIX: Final = f"{PROVINCE[1]}{PREFECTURE[1]}{CITY[1]}"
SURNAMES: Final = (
    "梁", "吴", "郑", "冯", "岑", "黄", "李", "陈", "何", "司徒", "张", "刘", "林", "关", "谭", "余", "甄",
    "胡", "区", "麦", "邓", "杨", "周", "钟", "唐", "冼", "苏", "叶", "卢", "欧阳",
)  # fmt: skip
GIVEN_FIRST: Final = "志建国伟嘉丽秀美家锦俊惠海文少玉永子晓婉淑锐浩振雪敏明"
GIVEN_SECOND: Final = "强华明芳英荣玲杰燕琳仪豪婷怡宁辉鹏娟彬欣萍涛斌凤霞军平东坤"
NATIONS: Final = ("汉族",) * 47 + ("壮族", "瑶族", "回族")
MOBILE_PREFIXES: Final = (
    "135",
    "136",
    "137",
    "138",
    "139",
    "150",
    "151",
    "158",
    "159",
    "182",
    "187",
    "188",
    "133",
    "189",
    "199",
)
ROADS: Final = (
    "新平路",
    "锦江大道",
    "江南路",
    "东堤路",
    "沿江路",
    "恩州路",
    "新安路",
    "河南路",
    "解放路",
    "大岗路",
)
BASE_DAY: Final = date(1940, 1, 1)
DAYS: Final = 29200  # 80 years of birthdays

PERSON_ITEMS: Final[list[dict[str, Any]]] = [
    {
        "name": "id_number",
        "label": "公民身份号码",
        "required": True,
        "is_key": True,
        "is_personal": True,
        "sensitivity": "L4",
        "masking": "id_number",
        "max_length": 18,
    },
    {
        "name": "full_name",
        "label": "姓名",
        "required": True,
        "is_personal": True,
        "sensitivity": "L3",
        "masking": "name",
        "max_length": 32,
    },
    {"name": "gender", "label": "性别", "max_length": 2},
    {"name": "birth_date", "label": "出生日期", "data_type": "date"},
    {"name": "nation", "label": "民族", "max_length": 16},
    {
        "name": "mobile",
        "label": "手机号码",
        "is_personal": True,
        "sensitivity": "L3",
        "masking": "mobile",
        "max_length": 11,
    },
    {"name": "address", "label": "户籍地址", "is_personal": True, "sensitivity": "L3", "masking": "address"},
    {"name": "town_code", "label": "所属镇街代码", "max_length": 9},
    {"name": "village_code", "label": "所属村居代码", "max_length": 12},
]


def _villages() -> list[tuple[Town, str, str]]:
    return [(t, code, name.removesuffix("（演示）")) for t in TOWNS for code, name, _real in village_rows(t)]


_VILLAGES = _villages()


def id_number(i: int) -> str:
    """The ID number of demo person ``i`` (unique for i < 29.2 million): odd people are women."""
    female = i % 2 == 1
    birth = BASE_DAY + timedelta(days=(i // 2) % DAYS)
    seq = (i // (2 * DAYS)) % 500
    body = f"{REGION}{birth:%Y%m%d}{2 * seq + (0 if female else 1):03d}"
    return body + ric.calc_check_digit(body + "0")


def person_name(rng: random.Random) -> str:
    given = rng.choice(GIVEN_FIRST) + (rng.choice(GIVEN_SECOND) if rng.random() < 0.85 else "")
    return rng.choice(SURNAMES) + given


def address(rng: random.Random) -> tuple[str, str, str]:
    town, code, village = rng.choice(_VILLAGES)
    if village.endswith("社区"):
        where = f"{village}{rng.choice(ROADS)}{rng.randint(1, 300)}号"
    else:
        where = f"{village}{rng.choice('东西南北中新')}队{rng.randint(1, 80)}号"
    return f"{ADDRESS_PREFIX}{town.name}{where}", town.code, code


def mobile(rng: random.Random) -> str:
    return rng.choice(MOBILE_PREFIXES) + f"{rng.randint(0, 99_999_999):08d}"


def person(i: int) -> dict[str, Any]:
    rng = random.Random(i * 7919 + 17)  # noqa: S311 - demo data, not secrets
    number = id_number(i)
    where, town_code, village_code = address(rng)
    return {
        "id_number": number,
        "full_name": person_name(rng),
        "gender": "女" if int(number[16]) % 2 == 0 else "男",
        "birth_date": date(int(number[6:10]), int(number[10:12]), int(number[12:14])),
        "nation": rng.choice(NATIONS),
        "mobile": mobile(rng),
        "address": where,
        "town_code": town_code,
        "village_code": village_code,
    }


def persons(start: int, count: int) -> Iterator[dict[str, Any]]:
    for i in range(start, start + count):
        yield person(i)


ENTERPRISE_WORDS: Final = (
    "侨乡", "锦江", "温泉", "电声", "簕菜", "鳌峰", "君堂", "沙湖", "金山", "七星",
    "翠竹", "泰华", "华南", "宏达", "恩州", "鸿运", "富丽", "新兴", "鑫源", "嘉和",
)  # fmt: skip
ENTERPRISE_TRADES: Final = (
    ("电声科技", "电子设备制造"), ("温泉旅游", "旅游服务"), ("农业", "农业种植"), ("建材", "建材批发"),
    ("食品", "食品加工"), ("物流", "道路货物运输"), ("五金制品", "金属制品制造"), ("餐饮管理", "餐饮服务"),
    ("贸易", "批发零售"), ("陶瓷", "陶瓷制造"), ("纺织", "纺织服装"), ("医药连锁", "药品零售"),
)  # fmt: skip
ENTERPRISE_TYPES: Final = ("有限责任公司", "个体工商户", "农民专业合作社", "股份有限公司", "个人独资企业")
ENTERPRISE_SUFFIX: Final = {
    "有限责任公司": "有限公司",
    "股份有限公司": "股份有限公司",
    "个体工商户": "店",
    "农民专业合作社": "专业合作社",
    "个人独资企业": "经营部",
}


def enterprise(i: int) -> dict[str, Any]:
    rng = random.Random(i * 104729 + 3)  # noqa: S311 - demo data, not secrets
    word = ENTERPRISE_WORDS[i % len(ENTERPRISE_WORDS)]
    trade, industry = ENTERPRISE_TRADES[(i // len(ENTERPRISE_WORDS)) % len(ENTERPRISE_TRADES)]
    kind = rng.choice(ENTERPRISE_TYPES)
    name = f"{CITY[1]}{word}{trade}{ENTERPRISE_SUFFIX[kind]}"
    if i >= len(ENTERPRISE_WORDS) * len(ENTERPRISE_TRADES):
        name = f"{name}（{i // (len(ENTERPRISE_WORDS) * len(ENTERPRISE_TRADES)) + 1}）"
    where, town_code, _village = address(rng)
    return {
        "uscc": generate_uscc(REGION, 20000 + i, entity_type="1" if kind != "个体工商户" else "2"),
        "name": name,
        "legal_representative": person_name(rng),
        "entity_type": kind,
        "industry": industry,
        "registered_capital": round(rng.choice((3, 5, 10, 30, 50, 100, 200, 500, 1000)) * 10000 * 1.0, 2),
        "established_on": date(1995, 1, 1) + timedelta(days=rng.randint(0, 11000)),
        "address": where,
        "town_code": town_code,
        "status": "存续" if rng.random() < 0.9 else rng.choice(("注销", "吊销")),
    }


ENTERPRISE_ITEMS: Final[list[dict[str, Any]]] = [
    {"name": "uscc", "label": "统一社会信用代码", "required": True, "is_key": True, "max_length": 18},
    {"name": "name", "label": "单位名称", "required": True},
    {
        "name": "legal_representative",
        "label": "法定代表人",
        "is_personal": True,
        "sensitivity": "L2",
        "masking": "name",
    },
    {"name": "entity_type", "label": "市场主体类型"},
    {"name": "industry", "label": "行业"},
    {"name": "registered_capital", "label": "注册资本（元）", "data_type": "decimal"},
    {"name": "established_on", "label": "成立日期", "data_type": "date"},
    {"name": "address", "label": "住所"},
    {"name": "town_code", "label": "所属镇街代码"},
    {"name": "status", "label": "登记状态"},
]


# --- bulk loading (bench) -------------------------------------------------------------------------------


def _copy_rows(table: str, columns: list[str], rows: list[dict[str, Any]]) -> None:
    """PostgreSQL COPY of rows (values tab-separated, \\N for null) into a mounted table."""
    buffer = io.StringIO()
    now = timezone.now().isoformat()
    for row in rows:
        values = [now] + ["\\N" if row[c] is None else str(row[c]).replace("\t", " ") for c in columns]
        buffer.write("\t".join(values) + "\n")
    buffer.seek(0)
    quoted = ", ".join(tables.quote(c) for c in [tables.LOADED_AT, *columns])
    with connection.cursor() as cursor:
        raw = cursor.cursor if hasattr(cursor, "cursor") else cursor
        with raw.copy(f"COPY {tables.quote(table)} ({quoted}) FROM STDIN") as copy:
            copy.write(buffer.getvalue())


def bulk_load_persons(
    entry: CatalogEntry,
    *,
    start: int,
    count: int,
    batch: int = 20000,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Append demo persons ``start``…``start+count-1`` to the person registry's table without row-level
    audit (one audit event for the whole load): COPY on PostgreSQL, batched INSERTs on SQLite."""
    columns = [i["name"] for i in PERSON_ITEMS]
    model = tables.build_model(entry)
    written = 0
    for offset in range(start, start + count, batch):
        size = min(batch, start + count - offset)
        rows = list(persons(offset, size))
        with transaction.atomic():
            if connection.vendor == "postgresql":
                _copy_rows(entry.mount_table, columns, rows)
            else:
                now = timezone.now()
                model.objects.bulk_create([model(_loaded_at=now, **r) for r in rows], batch_size=2000)
        written += size
        if progress is not None:
            progress(size)
    with transaction.atomic():
        entry.row_count = model.objects.count()
        entry.last_loaded_at = timezone.now()
        entry.save(update_fields=["row_count", "last_loaded_at", "updated_at"])
        audit.record(
            actor=SYSTEM,
            action="datahub.rows.bulk_load",
            subject=entry,
            after={"start": start, "count": count, "row_count": entry.row_count},
        )
    return written
