"""Demo items from the tables: each line parsed into an `ItemSpec` with its 实施编码, and the fields the
services take derived from it (conditions, application form, materials, steps, channels, 四免)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Final

from shuzheng.catalog.constants import ApplyChannel, Exemption, HandlingMode, ItemLevel, ItemType
from shuzheng.catalog.demo.tables import (
    AUDIENCE,
    CITY_ITEMS,
    CONDITION_TEMPLATES,
    CONDITIONS,
    MATERIALS,
    MODES,
    TOWN_ITEMS,
    TYPES,
    VILLAGE_ITEMS,
)

_TYPE_CODES: Final = {v: k for k, v in TYPES.items()}
_SPLIT = re.compile(r"[,，]")


@dataclass
class ItemSpec:
    code: str
    department: str
    name: str
    item_type: str
    applicant_types: list[str]
    statutory: int
    promised: int
    visits: int
    modes: list[str]
    flags: str
    groups: list[str]
    keywords: str
    materials: list[str]
    basis: str
    fee: str
    level: str = ItemLevel.CITY
    extra: dict[str, Any] = field(default_factory=dict)


def _parse(line: str, department: str, level: str) -> ItemSpec:
    cells = line.split("|")
    if len(cells) != 14:
        raise ValueError(f"bad demo line ({len(cells)} cells): {line}")
    (
        _,
        name,
        kind,
        audience,
        statutory,
        promised,
        visits,
        modes,
        flags,
        groups,
        keywords,
        materials,
        basis,
        fee,
    ) = cells
    return ItemSpec(
        code="",
        department=department,
        name=name,
        item_type=TYPES[kind],
        applicant_types=AUDIENCE[audience],
        statutory=int(statutory),
        promised=int(promised),
        visits=int(visits),
        modes=[MODES[m] for m in modes],
        flags=flags,
        groups=groups.split(),
        keywords=keywords,
        materials=[m for m in _SPLIT.split(materials) if m],
        basis=basis,
        fee=fee,
        level=level,
    )


def _lines(table: str) -> list[str]:
    return [line for line in table.strip().splitlines() if line.strip()]


def _department_key(code: str) -> str:
    """EP020 -> "020", EP023-01 -> "02301", EP440785103-03 -> "Z10303"."""
    if code.startswith("EP440785"):
        town, _, unit = code.removeprefix("EP440785").partition("-")
        return f"Z{town}{unit}"
    return code.removeprefix("EP").replace("-", "")


#: The street and 11 towns of the orgs demo; each has a government "EP<code>" with units "-01"…"-04".
TOWN_CODES: Final = (
    "440785001",
    "440785100",
    "440785101",
    "440785102",
    "440785103",
    "440785104",
    "440785105",
    "440785106",
    "440785107",
    "440785108",
    "440785109",
    "440785110",
)


def item_specs() -> list[ItemSpec]:
    """Every demo item, with its 实施编码."""
    specs = [_parse(line, line.split("|")[0], ItemLevel.CITY) for line in _lines(CITY_ITEMS)]
    for town in TOWN_CODES:
        for line in _lines(TOWN_ITEMS):
            specs.append(_parse(line, f"EP{town}-{line.split('|')[0]}", ItemLevel.TOWN))
        for line in _lines(VILLAGE_ITEMS):
            specs.append(_parse(line, f"EP{town}-{line.split('|')[0]}", ItemLevel.VILLAGE))
    counters: dict[tuple[str, str], int] = {}
    for spec in specs:
        key = (_department_key(spec.department), _TYPE_CODES[ItemType(spec.item_type)])
        counters[key] = counters.get(key, 0) + 1
        spec.code = f"11440785{key[0]}{key[1]}{counters[key]:03d}"
    return specs


# --- derived fields -------------------------------------------------------------------------------


def _short(name: str) -> str:
    return re.sub(r"（.*?）", "", name)


def form_schema_for(spec: ItemSpec) -> dict[str, Any]:
    """A small application form with Chinese titles, fitting the item's audience and type. Identifiers are
    checked by their ``format``, personal fields are encrypted at rest (``x-personal``) and the applicant's
    own name and numbers are filled from the account (``x-applicant``; see cases.form_privacy)."""
    properties: dict[str, Any] = {}
    required: list[str] = []
    if spec.applicant_types == ["enterprise"]:
        properties["company_name"] = {
            "type": "string",
            "title": "单位名称",
            "minLength": 2,
            "maxLength": 100,
            "x-applicant": "name",
        }
        properties["uscc"] = {
            "type": "string",
            "title": "统一社会信用代码",
            "format": "uscc",
            "x-applicant": "uscc",
        }
        properties["legal_representative"] = {"type": "string", "title": "法定代表人", "maxLength": 30}
        required += ["company_name", "uscc"]
    else:
        properties["applicant_name"] = {
            "type": "string",
            "title": "申请人姓名",
            "minLength": 2,
            "maxLength": 30,
            "x-applicant": "name",
        }
        properties["id_number"] = {
            "type": "string",
            "title": "公民身份号码",
            "format": "id-number",
            "x-personal": True,
            "x-applicant": "id_number",
        }
        required += ["applicant_name", "id_number"]
        if "enterprise" in spec.applicant_types:
            properties["applicant_kind"] = {
                "type": "string",
                "title": "申请人类型",
                "enum": ["自然人", "法人或其他组织"],
                "default": "自然人",
            }
    properties["phone"] = {"type": "string", "title": "联系电话", "format": "mobile", "x-personal": True}
    required.append("phone")
    if spec.item_type == ItemType.LICENSING and "enterprise" in spec.applicant_types:
        properties["business_address"] = {"type": "string", "title": "经营场所地址", "maxLength": 200}
        required.append("business_address")
    if spec.name == "个体工商户设立登记":  # 秒批 checks it against the standard wording
        properties["business_scope"] = {
            "type": "string",
            "title": "经营范围",
            "maxLength": 200,
            "description": "按《经营范围登记规范表述目录》的条目填写，如“日用百货零售”。",
        }
        required.append("business_scope")
    if spec.item_type == ItemType.BENEFIT:
        properties["household_size"] = {"type": "integer", "title": "家庭人口数", "minimum": 1, "maximum": 20}
        properties["bank_account"] = {
            "type": "string",
            "title": "收款银行卡号",
            "format": "bank-card",
            "x-personal": True,
        }
    properties["reason"] = {"type": "string", "title": "申请事由", "maxLength": 500}
    if spec.visits:
        properties["appointment_date"] = {"type": "string", "title": "预约到场日期", "format": "date"}
    properties["delivery"] = {
        "type": "string",
        "title": "办理结果领取方式",
        "enum": ["窗口领取", "邮寄送达", "电子证照"]
        if spec.item_type != ItemType.BENEFIT
        else ["发放至银行账户"],
    }
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": f"{spec.name}申请表",
        "type": "object",
        "required": required,
        "properties": properties,
        "additionalProperties": False,
    }


def materials_for(spec: ItemSpec) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    four_free = "H" in spec.flags
    if not four_free:  # 免填写: the high-frequency items fill the form from shared data
        rows.append({"name": f"《{_short(spec.name)}申请表》", "form": "original", "pages": 1})
    for key in spec.materials:
        conditional = key.startswith("?")
        key = key.lstrip("?")
        name, form, government, licence = MATERIALS.get(key, (key, "original", False, ""))
        row: dict[str, Any] = {
            "name": name,
            "form": form,
            "issued_by_government": government,
            "licence_type": licence,
        }
        if conditional:
            row.update(need="conditional", is_key=False, condition="符合相应情形时提交")
        if key == "agent":
            row.update(need="conditional", is_key=False, condition="委托他人办理时提交")
        rows.append(row)
    rows.append(dict(zip(("name", "form"), MATERIALS["agent"][:2], strict=True)))
    rows[-1].update(need="conditional", is_key=False, condition="委托他人办理时提交")
    for i, row in enumerate(rows, 1):
        row["code"] = f"M{i:02d}"
    return rows[:6]


def steps_for(spec: ItemSpec) -> list[dict[str, Any]]:
    if spec.promised == 0:
        return [{"name": "受理并办结", "role_code": "case_acceptor", "time_limit_days": 0}]
    if spec.promised <= 2:
        return [
            {"name": "受理", "role_code": "case_acceptor", "time_limit_days": 0},
            {"name": "审核决定", "role_code": "case_approver", "time_limit_days": spec.promised},
        ]
    return [
        {"name": "受理", "role_code": "case_acceptor", "time_limit_days": 1},
        {"name": "审查", "role_code": "case_reviewer", "time_limit_days": spec.promised - 2},
        {"name": "决定", "role_code": "case_approver", "time_limit_days": 1},
    ]


def channels_for(spec: ItemSpec) -> list[str]:
    channels = [ApplyChannel.WINDOW]
    if HandlingMode.ONLINE in spec.modes:
        channels.append(ApplyChannel.PORTAL)
    if "H" in spec.flags and "person" in spec.applicant_types:
        channels.append(ApplyChannel.KIOSK)
    if spec.department in ("EP008", "EP021", "EP026", "EP027") or (
        "H" in spec.flags and spec.level != "city"
    ):
        channels.append(ApplyChannel.BANK_TERMINAL)
    return [str(c) for c in channels]


def exemptions_for(spec: ItemSpec, materials: list[dict[str, Any]]) -> list[str]:
    if "H" in spec.flags:
        return [str(v) for v in Exemption.values]
    found = []
    if any(m.get("licence_type") for m in materials):
        found.append(Exemption.NO_COPIES)
    if HandlingMode.ONLINE in spec.modes:
        found += [Exemption.NO_SEAL, Exemption.NO_SIGNATURE]
    return [str(v) for v in found]


def fields_for(spec: ItemSpec) -> dict[str, Any]:
    materials = materials_for(spec)
    conditions = CONDITIONS.get(spec.name) or CONDITION_TEMPLATES[ItemType(spec.item_type)].format(
        short=_short(spec.name)
    )
    return {
        "name": spec.name,
        "item_type": spec.item_type,
        "department": spec.department,
        "level": spec.level,
        "legal_basis": spec.basis,
        "conditions": conditions,
        "applicant_types": spec.applicant_types,
        "statutory_limit_days": spec.statutory,
        "promised_limit_days": spec.promised,
        "is_free": not spec.fee,
        "fee_rules": spec.fee,
        "onsite_visits": spec.visits,
        "handling_modes": [str(m) for m in spec.modes],
        "comprehensive_window": "W" not in spec.flags,
        "channels": channels_for(spec),
        "cross_region": "X" in spec.flags,
        "exemptions": exemptions_for(spec, materials),
        "high_frequency": "H" in spec.flags,
        "form_schema": form_schema_for(spec),
        "keywords": spec.keywords,
        "materials": materials,
        "steps": steps_for(spec),
        "guide_groups": spec.groups,
    }
