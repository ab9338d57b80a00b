"""The six base registries of the data hub demo (people, legal entities, divisions, addresses, credit,
licences): their data items and deterministic rows, and the names of the demo's catalog classes."""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any, Final

from shuzheng.datahub.demo import registries
from shuzheng.datahub.demo.templates import item, random_day


def credit_row(rng: random.Random, n: int) -> dict[str, Any]:
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
        "decided_on": random_day(rng, date(2020, 1, 1), 2400),
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


def licence_row(rng: random.Random, n: int) -> dict[str, Any]:
    kind, issuer = LICENCE_TYPES[n % len(LICENCE_TYPES)]
    issued = random_day(rng, date(2016, 1, 1), 3600)
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


def address_row(rng: random.Random, n: int) -> dict[str, Any]:
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


def registry_template(kind: str) -> tuple[list[dict[str, Any]], int]:
    if kind == "persons":
        return [dict(i) for i in registries.PERSON_ITEMS], 0
    if kind == "enterprises":
        return [dict(i) for i in registries.ENTERPRISE_ITEMS], 600
    if kind == "divisions":
        return [
            item("code", "区划代码", required=True, is_key=True, max_length=12),
            item("name", "名称", required=True),
            item("level", "层级"),
            item("parent_code", "上级区划代码"),
        ], 0
    if kind == "addresses":
        return [
            item("address_code", "地址编码", required=True, is_key=True),
            item("address", "标准地址", required=True),
            item("town_code", "镇街代码"),
            item("village_code", "村居代码"),
            item("longitude", "经度", "decimal"),
            item("latitude", "纬度", "decimal"),
        ], 1000
    if kind == "credit":
        return [
            item("record_no", "信用记录编号", required=True, is_key=True),
            item("uscc", "统一社会信用代码", required=True),
            item("subject_name", "主体名称"),
            item("record_type", "记录类型"),
            item("decision_no", "决定文书号"),
            item("content", "内容"),
            item("decided_on", "决定日期", "date"),
            item("authority", "决定机关"),
        ], 400
    return [
        item("licence_id", "证照标识", required=True, is_key=True),
        item("licence_type", "证照类型", required=True),
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
        item("issued_on", "签发日期", "date"),
        item("valid_until", "有效期至", "date"),
        item("issuer", "签发机构"),
        item("status", "状态"),
    ], 800
