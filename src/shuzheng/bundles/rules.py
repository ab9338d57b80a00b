"""The rules of a bundle's combined form and materials, on plain data: shared fields, each member's mapping
into its item's JSON Schema, what publishing needs (every required child field filled), and the one
de-duplicated materials list. Used by the services (on save and on publish) and the selectors (guides)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final

from shuzheng.cases import form_privacy

if TYPE_CHECKING:
    from shuzheng.catalog.models import MaterialRequirement, ServiceItemVersion

FIELD_NAME: Final = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
SHARED_TYPES: Final = frozenset({"string", "integer", "number", "boolean"})
MAX_SHARED: Final = 30
SHARED_SCHEMA_KEYS: Final = frozenset(
    {
        "type",
        "title",
        "format",
        "enum",
        "minLength",
        "maxLength",
        "minimum",
        "maximum",
        "pattern",
        "x-correctable",
        "x-personal",
    }
)

Problem = dict[str, str]


def shared_field_problems(shared: Any) -> list[Problem]:
    """Each shared field: a name, a small JSON Schema of a scalar type with a Chinese title."""
    if not isinstance(shared, list):
        return [{"field": "shared_fields", "message": "共用字段应为列表"}]
    problems: list[Problem] = []
    if len(shared) > MAX_SHARED:
        problems.append({"field": "shared_fields", "message": f"共用字段不能超过{MAX_SHARED}个"})
    seen: set[str] = set()
    for index, entry in enumerate(shared):
        where = f"shared_fields[{index}]"
        if not isinstance(entry, dict) or set(entry) - {"name", "schema", "required", "source"}:
            problems.append(
                {"field": where, "message": "共用字段应含 name、schema（及可选的 required、source）"}
            )
            continue
        if "source" in entry:
            problems.extend(source_problems(entry["source"], f"{where}.source"))
        name = entry.get("name")
        schema = entry.get("schema")
        if not isinstance(name, str) or not FIELD_NAME.match(name):
            problems.append(
                {"field": f"{where}.name", "message": "字段名应为小写字母开头的字母、数字或下划线"}
            )
            continue
        if name in seen:
            problems.append({"field": f"{where}.name", "message": f"共用字段“{name}”重复"})
        seen.add(name)
        if not isinstance(schema, dict) or schema.get("type") not in SHARED_TYPES:
            problems.append({"field": f"{where}.schema", "message": "字段类型应为文本、整数、数字或是否"})
            continue
        if not isinstance(schema.get("title"), str) or not schema["title"].strip():
            problems.append({"field": f"{where}.schema.title", "message": "请填写字段的中文名称（title）"})
        unknown = sorted(set(schema) - SHARED_SCHEMA_KEYS)
        if unknown:
            problems.append(
                {"field": f"{where}.schema", "message": f"不支持的字段属性：{'、'.join(unknown)}"}
            )
    return problems


#: Where a shared field may be prefilled from (免填写): the account, or one item of a base registry read
#: through the data hub's data service, keyed by the applicant's ID number (person) or USCC (enterprise).
ACCOUNT_ITEMS: Final = {"mobile": "登录账号的手机号码"}
REGISTRY_KEYS: Final = {"person": "公民身份号码", "enterprise": "统一社会信用代码"}


def source_problems(source: Any, where: str) -> list[Problem]:
    """``{"kind": "account", "item": "mobile"}`` or ``{"kind": "registry", "entry": "<资源编码>", "item":
    "<数据项>", "key": "person" | "enterprise"}``; whether the registry item exists is checked on save."""
    if not isinstance(source, dict):
        return [{"field": where, "message": "数据来源应为对象"}]
    kind = source.get("kind")
    if kind == "account":
        if set(source) != {"kind", "item"} or source.get("item") not in ACCOUNT_ITEMS:
            return [{"field": where, "message": "账号来源只支持 mobile（手机号码）"}]
        return []
    if kind == "registry":
        if set(source) != {"kind", "entry", "item", "key"} or source.get("key") not in REGISTRY_KEYS:
            return [{"field": where, "message": "基础库来源应含 entry、item 和 key（person 或 enterprise）"}]
        if not all(isinstance(source.get(k), str) and source[k].strip() for k in ("entry", "item")):
            return [{"field": where, "message": "请填写数据资源编码和数据项"}]
        return []
    return [{"field": where, "message": "数据来源应为 account（登录账号）或 registry（基础库）"}]


def source_label(source: dict[str, Any]) -> str:
    if source.get("kind") == "account":
        return ACCOUNT_ITEMS.get(str(source.get("item")), "登录账号")
    return "基础库（经数据共享服务调取，留有调用记录）"


def prefilled_names(shared: list[dict[str, Any]]) -> list[str]:
    return [f["name"] for f in shared if isinstance(f, dict) and f.get("source")]


def shared_schema(shared: list[dict[str, Any]]) -> dict[str, Any]:
    """The JSON Schema of the shared part of the combined form."""
    return {
        "type": "object",
        "properties": {f["name"]: f["schema"] for f in shared},
        "required": [f["name"] for f in shared if f.get("required")],
        "additionalProperties": False,
    }


def _properties(schema: Any) -> dict[str, Any]:
    props = schema.get("properties") if isinstance(schema, dict) else None
    return props if isinstance(props, dict) else {}


def member_problems(
    *, index: int, mapping: Any, own_fields: Any, child_schema: Any, shared: list[dict[str, Any]]
) -> list[Problem]:
    """On save: the mapping names fields the item's form has and shared fields the bundle declares, of the
    same type; the item-specific fields are fields of the item's form, not mapped as well."""
    where = f"members[{index}]"
    problems: list[Problem] = []
    props = _properties(child_schema)
    shared_types = {
        f["name"]: f["schema"].get("type") for f in shared if isinstance(f, dict) and "schema" in f
    }
    if not isinstance(mapping, dict):
        return [{"field": f"{where}.mapping", "message": "字段映射应为“事项字段: 共用字段”的对象"}]
    if not isinstance(own_fields, list) or not all(isinstance(f, str) for f in own_fields):
        return [{"field": f"{where}.own_fields", "message": "单独填写的字段应为字段名列表"}]
    for child_field, shared_name in mapping.items():
        if child_field not in props:
            problems.append({"field": f"{where}.mapping", "message": f"事项表单没有字段“{child_field}”"})
        elif not isinstance(shared_name, str) or shared_name not in shared_types:
            problems.append({"field": f"{where}.mapping", "message": f"未声明的共用字段“{shared_name}”"})
        else:
            child_type = props[child_field].get("type") if isinstance(props[child_field], dict) else None
            if child_type and child_type != shared_types[shared_name]:
                problems.append(
                    {
                        "field": f"{where}.mapping",
                        "message": f"共用字段“{shared_name}”的类型与事项字段“{child_field}”不一致",
                    }
                )
    for name in own_fields:
        if name not in props:
            problems.append({"field": f"{where}.own_fields", "message": f"事项表单没有字段“{name}”"})
        elif name in mapping:
            problems.append({"field": f"{where}.own_fields", "message": f"字段“{name}”已由共用字段填入"})
    return problems


def unfilled_required(*, mapping: dict[str, str], own_fields: list[str], child_schema: Any) -> list[str]:
    """Required fields of the item's form that neither the account (免填写 identity fields), a shared field
    nor the member's own questions fill: publishing is refused while any remain."""
    required = child_schema.get("required") if isinstance(child_schema, dict) else None
    bound = form_privacy.applicant_fields(child_schema) if isinstance(child_schema, dict) else {}
    return [
        name
        for name in (required if isinstance(required, list) else [])
        if name not in mapping and name not in own_fields and name not in bound
    ]


def typed_fields(*, mapping: dict[str, str], own_fields: list[str], child_schema: Any) -> tuple[int, int]:
    """(fields the applicant would type for this item alone, fields left after the account and the bundle's
    shared fields fill the rest): the 免填写 count of one member."""
    props = _properties(child_schema)
    bound = form_privacy.applicant_fields(child_schema) if isinstance(child_schema, dict) else {}
    return len(props), len([p for p in props if p not in bound and p not in mapping])


@dataclass
class MaterialEntry:
    """One line of the bundle's materials list: the same document once, whichever items ask for it."""

    key: str
    name: str
    licence_type: str
    exempt: bool
    required: bool
    is_key: bool
    uses: list[tuple[int, str]] = field(default_factory=list)  # (member position, requirement code)

    @property
    def count(self) -> int:
        return len(self.uses)


def material_key(requirement: MaterialRequirement) -> str:
    return f"licence:{requirement.licence_type}" if requirement.licence_type else f"name:{requirement.name}"


def materials_list(members: list[tuple[int, ServiceItemVersion]]) -> list[MaterialEntry]:
    """The de-duplicated materials of the members' live versions, in first-asked order: a document asked by
    several items (the same licence type or the same name) is one entry; 免提交 when the government issues
    it as an electronic licence; required when any item requires it."""
    entries: dict[str, MaterialEntry] = {}
    for position, version in members:
        for requirement in version.materials.all():
            key = material_key(requirement)
            entry = entries.get(key)
            if entry is None:
                entry = entries[key] = MaterialEntry(
                    key=key,
                    name=requirement.name,
                    licence_type=requirement.licence_type,
                    exempt=requirement.exempt,
                    required=False,
                    is_key=False,
                )
            entry.required = entry.required or requirement.need == "required"
            entry.is_key = entry.is_key or requirement.is_key
            entry.exempt = entry.exempt and requirement.exempt
            entry.uses.append((position, requirement.code))
    return list(entries.values())
