"""Every write of the catalog: service items, their versions (draft → published → retired), guide groups.

A version is edited only while it is a draft; publishing validates it completely (the application form
must be a valid JSON Schema, the promised limit within the statutory one, …), retires the version it
replaces and indexes it for full-text search. Published and retired versions never change again: a
case keeps the version it was filed under.

Each service is keyword-only, runs in one transaction and writes its audit event in it. ``actor=None``
means the system itself (demo loader, management commands) and skips the permission checks. A person
needs ``catalog.change_serviceitemversion`` to create and edit drafts and
``catalog.publish_serviceitemversion`` to publish and retire, in a data scope covering the item's
implementing department; an item outside that scope is reported as not found.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from datetime import date, timedelta
from functools import lru_cache
from typing import Any, Final, TypedDict, Unpack

from django.db import IntegrityError, transaction
from django.db.models import Max, OuterRef, Subquery
from django.utils import timezone
from jsonschema import Draft7Validator, Draft202012Validator
from jsonschema.exceptions import SchemaError

from shuzheng.catalog.constants import (
    EDIT_PERM,
    MORE_VISITS,
    PUBLISH_PERM,
    SEARCH_DOC_TYPE,
    ApplicantType,
    ApplyChannel,
    Exemption,
    GuideGroupKind,
    HandlingMode,
    ItemLevel,
    ItemType,
    MaterialForm,
    MaterialNeed,
    VersionStatus,
)
from shuzheng.catalog.models import (
    GuideGroup,
    MaterialRequirement,
    ServiceItem,
    ServiceItemVersion,
    WorkflowStep,
)
from shuzheng.catalog.workflow import PUBLISH, REFUSALS, RETIRE, SUPERSEDE, VERSION_TRANSITIONS
from shuzheng.core import audit, fulltext
from shuzheng.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from shuzheng.core.field_errors import FieldErrors
from shuzheng.core.models import SearchEntry
from shuzheng.core.permissions import missing_permission
from shuzheng.identity.scopes import data_scope_for
from shuzheng.orgs.models import Department

MAX_LIMIT_DAYS: Final = 3650
MAX_MATERIALS: Final = 60
MAX_STEPS: Final = 20
CODE_MAX: Final = 64
SCHEMA_2020: Final = "https://json-schema.org/draft/2020-12/schema"
SCHEMA_7: Final = "http://json-schema.org/draft-07/schema"


class MaterialIn(TypedDict, total=False):
    code: str
    name: str
    need: str
    condition: str
    form: str
    copies: int
    pages: int | None
    is_key: bool
    issued_by_government: bool
    licence_type: str


class StepIn(TypedDict, total=False):
    name: str
    role_code: str
    department_code: str | None
    time_limit_days: int


class VersionFields(TypedDict, total=False):
    name: str
    item_type: str
    department: Department | str
    level: str
    legal_basis: str
    conditions: str
    applicant_types: Sequence[str]
    statutory_limit_days: int
    promised_limit_days: int
    is_free: bool
    fee_rules: str
    onsite_visits: int
    handling_modes: Sequence[str]
    comprehensive_window: bool
    channels: Sequence[str]
    cross_region: bool
    exemptions: Sequence[str]
    high_frequency: bool
    form_schema: dict[str, Any]
    keywords: str
    materials: Sequence[MaterialIn]
    steps: Sequence[StepIn]
    guide_groups: Sequence[str]


#: Version fields stored on the row itself (the rest are materials, steps and guide groups).
SCALAR_FIELDS: Final = (
    "name",
    "item_type",
    "department",
    "level",
    "legal_basis",
    "conditions",
    "applicant_types",
    "statutory_limit_days",
    "promised_limit_days",
    "is_free",
    "fee_rules",
    "onsite_visits",
    "handling_modes",
    "comprehensive_window",
    "channels",
    "cross_region",
    "exemptions",
    "high_frequency",
    "form_schema",
    "keywords",
)
CHILD_FIELDS: Final = ("materials", "steps", "guide_groups")
ALL_FIELDS: Final = (*SCALAR_FIELDS, *CHILD_FIELDS)
REQUIRED_ON_CREATE: Final = ("name", "item_type", "department", "level")

FIELD_LABELS: Final[dict[str, str]] = {
    "code": "实施编码",
    "name": "事项名称",
    "item_type": "事项类型",
    "department": "实施部门",
    "level": "实施层级",
    "legal_basis": "设定依据",
    "conditions": "受理条件",
    "applicant_types": "服务对象",
    "statutory_limit_days": "法定办结时限",
    "promised_limit_days": "承诺办结时限",
    "is_free": "不收费",
    "fee_rules": "收费标准及依据",
    "onsite_visits": "到现场次数",
    "handling_modes": "四办类型",
    "comprehensive_window": "一窗受理",
    "channels": "可申请渠道",
    "cross_region": "跨省通办",
    "exemptions": "四免",
    "high_frequency": "高频事项",
    "form_schema": "申请表（JSON Schema）",
    "keywords": "搜索关键词",
    "materials": "申请材料",
    "steps": "办理环节",
    "guide_groups": "主题分类",
    "valid_from": "生效日期",
}

_TEXT_LIMITS: Final = {
    "name": 200,
    "keywords": 255,
    "legal_basis": 20000,
    "conditions": 20000,
    "fee_rules": 5000,
}
_BOOL_FIELDS: Final = ("is_free", "comprehensive_window", "cross_region", "high_frequency")
_CHOICE_LISTS: Final[dict[str, Any]] = {
    "applicant_types": ApplicantType,
    "handling_modes": HandlingMode,
    "channels": ApplyChannel,
    "exemptions": Exemption,
}


class Lookups:
    """Departments and guide groups by code (groups also by name), each read once: bulk imports and the
    demo clean thousands of rows with one query per kind instead of one per row."""

    def __init__(self, *, preload: bool = False) -> None:
        self.departments: dict[str, Department | None] = {}
        self.groups: dict[str, GuideGroup | None] = {}
        if preload:
            self.departments = {d.code: d for d in Department.objects.select_related("division")}
            for group in GuideGroup.objects.all():
                self.groups[group.code] = group
                self.groups.setdefault(group.name, group)
        self.preloaded = preload

    def departments_by_code(self, codes: Iterable[str]) -> dict[str, Department]:
        wanted = {c for c in codes if c and c not in self.departments}
        if wanted and not self.preloaded:
            found = {d.code: d for d in Department.objects.filter(code__in=wanted).select_related("division")}
            for code in wanted:
                self.departments[code] = found.get(code)
        return {c: d for c in codes if (d := self.departments.get(c)) is not None}

    def groups_by_key(self, keys: Iterable[str]) -> dict[str, GuideGroup]:
        wanted = {k for k in keys if k and k not in self.groups}
        if wanted and not self.preloaded:
            by_code = {g.code: g for g in GuideGroup.objects.filter(code__in=wanted)}
            by_name = {g.name: g for g in GuideGroup.objects.filter(name__in=wanted - set(by_code))}
            for key in wanted:
                self.groups[key] = by_code.get(key) or by_name.get(key)
        return {k: g for k in keys if (g := self.groups.get(k)) is not None}


# --- permissions ------------------------------------------------------------------------------------


def _require(actor: Any, perm: str, *departments: Department | None, verb: str) -> None:
    """PermissionDenied without the permission; NotFound when a department lies outside its scope."""
    if actor is None:
        return
    if not getattr(actor, "is_authenticated", False):
        raise PermissionDenied("请先登录。")
    if not actor.has_perm(perm):
        raise PermissionDenied(f"没有{verb}的权限{missing_permission(perm)}。")
    scope = data_scope_for(actor, perm)
    for department in departments:
        if department is not None and not scope.covers_department(department):
            raise NotFound("事项不存在或不在您的数据范围内。")


def can_edit(user: Any, item: ServiceItem) -> bool:
    return _allowed(user, EDIT_PERM, item)


def can_publish(user: Any, item: ServiceItem) -> bool:
    return _allowed(user, PUBLISH_PERM, item)


def _allowed(user: Any, perm: str, item: ServiceItem) -> bool:
    try:
        _require(user, perm, item.department, verb="")
    except (PermissionDenied, NotFound):
        return False
    return True


# --- cleaning -----------------------------------------------------------------------------------------


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def _int(
    errs: FieldErrors, field: str, label: str, value: Any, *, minimum: int = 0, maximum: int
) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int):
        errs.add(field, f"{label}应为整数")
        return None
    if not minimum <= value <= maximum:
        errs.add(field, f"{label}应在 {minimum} 到 {maximum} 之间")
        return None
    return value


def _choice(errs: FieldErrors, field: str, label: str, value: Any, choices: Any) -> str | None:
    """A choice by value or by its Chinese label."""
    text = _text(value)
    if text in choices.values:
        return text
    for choice_value, choice_label in choices.choices:
        if text == choice_label:
            return str(choice_value)
    if not text:
        errs.add(field, f"{label}不能为空")
    else:
        allowed = "、".join(str(lab) for _, lab in choices.choices)
        errs.add(field, f"{label}“{text}”无效，应为：{allowed}")
    return None


def _choice_list(errs: FieldErrors, field: str, label: str, value: Any, choices: Any) -> list[str] | None:
    """Values (or labels) of a choices class, deduplicated, in the choices' own order."""
    if isinstance(value, str) or not isinstance(value, Iterable):
        errs.add(field, f"{label}应为列表")
        return None
    picked: set[str] = set()
    ok = True
    for entry in value:
        found = _choice(errs, field, label, entry, choices)
        if found is None:
            ok = False
        else:
            picked.add(found)
    if not ok:
        return None
    return [str(v) for v in choices.values if v in picked]


def form_schema_problems(schema: Any) -> list[str]:
    """Why `schema` is not a usable application form (JSON Schema draft 2020-12 or 7, type object)."""
    if not isinstance(schema, dict) or not schema:
        return ["申请表 JSON Schema 不能为空"]
    # Checking against the meta-schema costs ~8 ms; forms that differ only in their root title or
    # description (strings, so equally valid) share one cached result.
    key = {k: "" if k in ("title", "description") and isinstance(v, str) else v for k, v in schema.items()}
    try:
        canonical = json.dumps(key, sort_keys=True, ensure_ascii=False)
    except (TypeError, ValueError):
        return ["申请表 JSON Schema 含有无法序列化的值"]
    return list(_schema_problems(canonical))


@lru_cache(maxsize=1024)
def _schema_problems(canonical: str) -> tuple[str, ...]:
    schema = json.loads(canonical)
    declared = schema.get("$schema")
    validator: Any
    if declared is None or str(declared).rstrip("#") == SCHEMA_2020:
        validator = Draft202012Validator
    elif str(declared).rstrip("#") == SCHEMA_7:
        validator = Draft7Validator
    else:
        return (f"申请表只支持 JSON Schema draft 2020-12 或 draft-07（$schema 为“{declared}”）",)
    try:
        validator.check_schema(schema)
    except SchemaError as exc:
        where = "/".join(str(p) for p in exc.absolute_path) or "根"
        return (f"申请表 JSON Schema 无效（位置：{where}）：{exc.message}",)
    problems = []
    if any(not ref.startswith("#") for ref in _refs(schema)):
        problems.append("申请表不能引用外部 Schema（$ref 只能以 # 开头，指向本表内的定义）")
    if schema.get("type") != "object":
        problems.append("申请表 JSON Schema 的 type 必须为 object")
    properties = schema.get("properties") or {}
    for name in schema.get("required") or []:
        if name not in properties:
            problems.append(f"申请表 required 中的字段“{name}”未在 properties 中定义")
    return tuple(problems)


def _refs(node: Any) -> list[str]:
    """Every $ref / $dynamicRef string in a schema (validating must never fetch another document)."""
    found: list[str] = []
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("$ref", "$dynamicRef") and isinstance(value, str):
                found.append(value)
            else:
                found.extend(_refs(value))
    elif isinstance(node, list):
        for value in node:
            found.extend(_refs(value))
    return found


def _department(errs: FieldErrors, field: str, value: Any, lookups: Lookups) -> Department | None:
    if isinstance(value, Department):
        return value
    code = _text(value).upper()
    if not code:
        errs.add(field, "实施部门不能为空")
        return None
    department = lookups.departments_by_code([code]).get(code)
    if department is None:
        errs.add(field, f"部门编码“{code}”不存在")
    return department


def _clean_materials(errs: FieldErrors, value: Any) -> list[dict[str, Any]] | None:
    if isinstance(value, str | dict) or not isinstance(value, Iterable):
        errs.add("materials", "申请材料应为列表")
        return None
    rows: list[dict[str, Any]] = []
    seen: set[str] = set()
    entries = list(value)
    if len(entries) > MAX_MATERIALS:
        errs.add("materials", f"申请材料不能超过{MAX_MATERIALS}项")
        return None
    for i, raw in enumerate(entries):
        where = f"materials[{i}]"
        label = f"第{i + 1}项材料"
        if not isinstance(raw, dict):
            errs.add(where, f"{label}格式不正确")
            continue
        unknown = sorted(set(raw) - set(MaterialIn.__annotations__))
        if unknown:
            errs.add(where, f"{label}含有不认识的字段：{'、'.join(unknown)}")
        code = _text(raw.get("code")) or f"M{i + 1:02d}"
        name = _text(raw.get("name"))
        if not name:
            errs.add(f"{where}.name", f"{label}的名称不能为空")
        elif len(name) > 200:
            errs.add(f"{where}.name", f"{label}的名称不能超过200个字")
        if len(code) > 32:
            errs.add(f"{where}.code", f"{label}的材料编码不能超过32位")
        elif code in seen:
            errs.add(f"{where}.code", f"材料编码“{code}”重复")
        seen.add(code)
        condition = _text(raw.get("condition"))
        if len(condition) > 255:
            errs.add(f"{where}.condition", f"{label}的提交情形不能超过255个字")
        licence_type = _text(raw.get("licence_type"))
        if len(licence_type) > 64:
            errs.add(f"{where}.licence_type", f"{label}的电子证照类型不能超过64个字")
        pages = raw.get("pages")
        if pages is not None:
            pages = _int(errs, f"{where}.pages", f"{label}的页数", pages, maximum=32767)
        rows.append(
            {
                "code": code,
                "name": name,
                "need": _choice(
                    errs,
                    f"{where}.need",
                    f"{label}的必要性",
                    raw.get("need") or MaterialNeed.REQUIRED,
                    MaterialNeed,
                ),
                "condition": condition,
                "form": _choice(
                    errs,
                    f"{where}.form",
                    f"{label}的材料形式",
                    raw.get("form") or MaterialForm.ORIGINAL,
                    MaterialForm,
                ),
                "copies": _int(
                    errs, f"{where}.copies", f"{label}的份数", raw.get("copies", 1), minimum=1, maximum=99
                ),
                "pages": pages,
                "is_key": bool(raw.get("is_key", True)),
                "issued_by_government": bool(raw.get("issued_by_government", False)),
                "licence_type": licence_type,
            }
        )
    return rows


def _clean_steps(errs: FieldErrors, value: Any, lookups: Lookups) -> list[dict[str, Any]] | None:
    if isinstance(value, str | dict) or not isinstance(value, Iterable):
        errs.add("steps", "办理环节应为列表")
        return None
    entries = list(value)
    if len(entries) > MAX_STEPS:
        errs.add("steps", f"办理环节不能超过{MAX_STEPS}个")
        return None
    codes = {_text(e.get("department_code")).upper() for e in entries if isinstance(e, dict)} - {""}
    departments = lookups.departments_by_code(codes)
    rows: list[dict[str, Any]] = []
    for i, raw in enumerate(entries):
        where = f"steps[{i}]"
        label = f"第{i + 1}个环节"
        if not isinstance(raw, dict):
            errs.add(where, f"{label}格式不正确")
            continue
        unknown = sorted(set(raw) - set(StepIn.__annotations__))
        if unknown:
            errs.add(where, f"{label}含有不认识的字段：{'、'.join(unknown)}")
        name = _text(raw.get("name"))
        if not name:
            errs.add(f"{where}.name", f"{label}的名称不能为空")
        elif len(name) > 64:
            errs.add(f"{where}.name", f"{label}的名称不能超过64个字")
        role_code = _text(raw.get("role_code"))
        if len(role_code) > 64:
            errs.add(f"{where}.role_code", f"{label}的办理角色编码不能超过64位")
        department_code = _text(raw.get("department_code")).upper()
        department = departments.get(department_code) if department_code else None
        if department_code and department is None:
            errs.add(f"{where}.department_code", f"{label}的办理部门编码“{department_code}”不存在")
        rows.append(
            {
                "name": name,
                "role_code": role_code,
                "department": department,
                "time_limit_days": _int(
                    errs,
                    f"{where}.time_limit_days",
                    f"{label}的环节时限",
                    raw.get("time_limit_days"),
                    maximum=MAX_LIMIT_DAYS,
                ),
            }
        )
    return rows


def _clean_groups(errs: FieldErrors, value: Any, lookups: Lookups) -> list[GuideGroup] | None:
    if isinstance(value, str) or not isinstance(value, Iterable):
        errs.add("guide_groups", "主题分类应为列表")
        return None
    wanted = [w for w in dict.fromkeys(_text(getattr(v, "code", v)) for v in value) if w]
    found = lookups.groups_by_key(
        wanted
    )  # a group may be given by code or, as the spreadsheet shows, by name
    missing = [w for w in wanted if w not in found]
    if missing:
        errs.add("guide_groups", f"主题分类“{'、'.join(missing)}”不存在")
        return None
    return sorted({g.pk: g for g in found.values()}.values(), key=lambda g: g.code)


def clean_fields(
    fields: dict[str, Any], *, creating: bool = False, lookups: Lookups | None = None
) -> dict[str, Any]:
    """Validated, normalised version fields; ValidationFailed naming every bad field (nothing written)."""
    lookups = lookups or Lookups()
    errs = FieldErrors()
    unknown = sorted(set(fields) - set(ALL_FIELDS))
    for name in unknown:
        errs.add(name, f"不允许的字段“{name}”")
    if creating:
        for name in REQUIRED_ON_CREATE:
            if fields.get(name) in (None, ""):
                errs.add(name, f"{FIELD_LABELS[name]}不能为空")
        for name in ("statutory_limit_days", "promised_limit_days"):
            if fields.get(name) is None:
                errs.add(name, f"{FIELD_LABELS[name]}不能为空")
    cleaned: dict[str, Any] = {}
    for name, value in fields.items():
        if name in unknown or (creating and value in (None, "") and name in REQUIRED_ON_CREATE):
            continue
        label = FIELD_LABELS.get(name, name)
        result: Any = None
        if name in _TEXT_LIMITS:
            result = _text(value)
            if name == "name" and not result:
                errs.add(name, "事项名称不能为空")
            elif len(result) > _TEXT_LIMITS[name]:
                errs.add(name, f"{label}不能超过{_TEXT_LIMITS[name]}个字")
        elif name == "item_type":
            result = _choice(errs, name, label, value, ItemType)
        elif name == "level":
            result = _choice(errs, name, label, value, ItemLevel)
        elif name == "department":
            result = _department(errs, name, value, lookups)
        elif name in _CHOICE_LISTS:
            result = _choice_list(errs, name, label, value or [], _CHOICE_LISTS[name])
        elif name in ("statutory_limit_days", "promised_limit_days"):
            if value is None:
                errs.add(name, f"{label}不能为空")
            else:
                result = _int(errs, name, label, value, maximum=MAX_LIMIT_DAYS)
        elif name == "onsite_visits":
            result = _int(errs, name, label, value, maximum=MORE_VISITS)
        elif name in _BOOL_FIELDS:
            if not isinstance(value, bool):
                errs.add(name, f"{label}应为是或否")
            result = bool(value)
        elif name == "form_schema":
            if value is None:
                value = {}
            if not isinstance(value, dict):
                errs.add(name, "申请表应为 JSON 对象")
            result = value
        elif name == "materials":
            result = _clean_materials(errs, value or [])
        elif name == "steps":
            result = _clean_steps(errs, value or [], lookups)
        elif name == "guide_groups":
            result = _clean_groups(errs, value or [], lookups)
        cleaned[name] = result
    errs.raise_if_any()
    return cleaned


# --- publication rules ----------------------------------------------------------------------------


def publish_problems(version: ServiceItemVersion) -> list[dict[str, Any]]:
    """Field errors that keep a draft from being published (empty when it may be published)."""
    values = {name: getattr(version, name) for name in SCALAR_FIELDS if name != "department"}
    values["steps"] = [
        {"name": s.name, "role_code": s.role_code, "time_limit_days": s.time_limit_days}
        for s in version.steps.all()
    ]
    values["materials"] = [{"code": m.code} for m in version.materials.all()]
    return _rule_problems(values)


def _rule_problems(values: dict[str, Any]) -> list[dict[str, Any]]:
    """The publication rules over cleaned version fields (see `publish_problems`)."""
    errs = FieldErrors()
    statutory, promised = values["statutory_limit_days"], values["promised_limit_days"]
    if not str(values["name"]).strip():
        errs.add("name", "事项名称不能为空")
    if not values.get("applicant_types"):
        errs.add("applicant_types", "请至少选择一类服务对象（自然人或法人）")
    if not values.get("channels"):
        errs.add("channels", "请至少选择一个可申请渠道")
    if promised > statutory:
        errs.add(
            "promised_limit_days",
            f"承诺办结时限（{promised}个工作日）不能超过法定办结时限（{statutory}个工作日）",
        )
    for problem in form_schema_problems(values.get("form_schema")):
        errs.add("form_schema", problem)
    steps = values.get("steps") or []
    if not steps:
        errs.add("steps", "请至少设置一个办理环节")
    for i, step in enumerate(steps):
        if not str(step["role_code"]).strip():
            errs.add(f"steps[{i}].role_code", f"第{i + 1}个环节“{step['name']}”未指定办理角色")
    total = sum(step["time_limit_days"] for step in steps)
    if steps and total > promised:
        errs.add("steps", f"各环节时限之和（{total}个工作日）超过承诺办结时限（{promised}个工作日）")
    codes = [m["code"] for m in values.get("materials") or []]
    if len(codes) != len(set(codes)):
        errs.add("materials", "材料编码重复")
    return errs.items


# --- snapshots ------------------------------------------------------------------------------------


def version_snapshot(version: ServiceItemVersion) -> dict[str, Any]:
    """JSON for the audit log: the row's fields and the codes/names of its children."""
    data: dict[str, Any] = {
        "code": version.code,
        "number": version.number,
        "status": version.status,
        "valid_from": version.valid_from.isoformat() if version.valid_from else None,
        "valid_to": version.valid_to.isoformat() if version.valid_to else None,
    }
    for name in SCALAR_FIELDS:
        value = getattr(version, "department_id" if name == "department" else name)
        data[name] = value
    if version.pk:
        data["materials"] = list(version.materials.values_list("code", flat=True))
        data["steps"] = list(version.steps.values_list("name", flat=True))
        data["guide_groups"] = sorted(version.guide_groups.values_list("code", flat=True))
    return data


def version_content(version: ServiceItemVersion) -> dict[str, Any]:
    """Everything an editor can change, in the normalised shape `clean_fields` returns (for comparisons)."""
    data: dict[str, Any] = {name: getattr(version, name) for name in SCALAR_FIELDS if name != "department"}
    data["department"] = version.department_id
    data["materials"] = [
        {
            "code": m.code,
            "name": m.name,
            "need": m.need,
            "condition": m.condition,
            "form": m.form,
            "copies": m.copies,
            "pages": m.pages,
            "is_key": m.is_key,
            "issued_by_government": m.issued_by_government,
            "licence_type": m.licence_type,
        }
        for m in version.materials.all()
    ]
    data["steps"] = [
        {
            "name": s.name,
            "role_code": s.role_code,
            "department": s.department_id,
            "time_limit_days": s.time_limit_days,
        }
        for s in version.steps.all()
    ]
    data["guide_groups"] = sorted(g.code for g in version.guide_groups.all())
    return data


def content_of(cleaned: dict[str, Any]) -> dict[str, Any]:
    """The output of `clean_fields` in the shape of `version_content`."""
    data = dict(cleaned)
    if "department" in data:
        data["department"] = data["department"].pk
    if "steps" in data:
        data["steps"] = [
            {**s, "department": s["department"].pk if s["department"] else None} for s in data["steps"]
        ]
    if "guide_groups" in data:
        data["guide_groups"] = sorted(g.code for g in data["guide_groups"])
    return data


def matches(version: ServiceItemVersion, cleaned: dict[str, Any]) -> bool:
    """Whether writing `cleaned` (from `clean_fields`) into `version` would change nothing."""
    current = version_content(version)
    return all(current.get(k) == v for k, v in content_of(cleaned).items())


# --- writes ---------------------------------------------------------------------------------------


def _write(version: ServiceItemVersion, cleaned: dict[str, Any]) -> None:
    """Store cleaned fields on a draft: scalar fields, then child lists (replace-all)."""
    for name in SCALAR_FIELDS:
        if name in cleaned:
            setattr(version, name, cleaned[name])
    version.save()
    if "materials" in cleaned:
        version.materials.all().delete()
        MaterialRequirement.objects.bulk_create(
            [
                MaterialRequirement(version=version, position=i, **m)
                for i, m in enumerate(cleaned["materials"], 1)
            ]
        )
    if "steps" in cleaned:
        version.steps.all().delete()
        WorkflowStep.objects.bulk_create(
            [WorkflowStep(version=version, position=i, **s) for i, s in enumerate(cleaned["steps"], 1)]
        )
    if "guide_groups" in cleaned:
        version.guide_groups.set(cleaned["guide_groups"])


def _clean_code(code: str) -> str:
    code = _text(code)
    if not code:
        raise ValidationFailed.for_field("code", "实施编码不能为空")
    if len(code) > CODE_MAX or not all(ch.isascii() and (ch.isalnum() or ch in "-_.") for ch in code):
        raise ValidationFailed.for_field(
            "code", f"实施编码“{code}”格式不正确：只能包含字母、数字和 - _ .，不超过64位"
        )
    return code


def _locked_item(item_id: int) -> ServiceItem:
    item = (
        ServiceItem.objects.select_for_update()
        .select_related("department__division")
        .filter(pk=item_id)
        .first()
    )
    if item is None:
        raise NotFound("事项不存在。")
    return item


def _fresh_version(version: ServiceItemVersion) -> ServiceItemVersion:
    """Lock the item, then re-read the version (another request may have published it meanwhile)."""
    _locked_item(version.item_id)
    fresh = ServiceItemVersion.objects.select_related(
        "item__department__division", "department__division"
    ).filter(pk=version.pk)
    found = fresh.first()
    if found is None:
        raise NotFound("事项版本不存在。")
    return found


def transition(version: ServiceItemVersion, action: str) -> None:
    """Set the version's status as `action` leads from it (see `catalog.workflow`); the caller saves.
    Conflict when the table does not allow `action` from the version's status."""
    target = VERSION_TRANSITIONS.target(version.status, action)
    if target is None:
        code, message = REFUSALS[action]
        raise Conflict(message.format(status=version.get_status_display()), code=code)
    version.status = target


def _immutable(version: ServiceItemVersion) -> Conflict:
    return Conflict(
        f"{version.get_status_display()}的版本不可修改，请先基于现行版本创建草稿。", code="version_immutable"
    )


@transaction.atomic
def item_create(*, actor: Any, code: str, **fields: Unpack[VersionFields]) -> ServiceItemVersion:
    """A new service item with its first version, a draft. Returns the draft.

    ``name``, ``item_type``, ``department`` (a Department or its code), ``level`` and both time limits
    are required; the rest default to empty."""
    code = _clean_code(code)
    cleaned = clean_fields(dict(fields), creating=True)
    owner: Department = cleaned["department"]
    _require(actor, EDIT_PERM, owner, verb="编辑事项")
    if ServiceItem.objects.filter(code=code).exists():
        raise Conflict(f"实施编码“{code}”已存在。", errors=[{"field": "code", "message": "实施编码已存在"}])
    defaults = {"statutory_limit_days": 0, "promised_limit_days": 0}
    try:
        with transaction.atomic():
            item = ServiceItem.objects.create(code=code, department=owner)
    except IntegrityError as exc:
        raise Conflict(f"实施编码“{code}”已存在。") from exc
    version = ServiceItemVersion(item=item, number=1, code=code, **defaults)
    _write(version, cleaned)
    audit.record(actor=actor, action="catalog.item.create", subject=version, after=version_snapshot(version))
    return version


@transaction.atomic
def version_update(
    *, actor: Any, version: ServiceItemVersion, **fields: Unpack[VersionFields]
) -> ServiceItemVersion:
    """Edit a draft: only the fields given change; materials, steps and guide groups are replaced whole."""
    version = _fresh_version(version)
    cleaned = clean_fields(dict(fields))
    new_department = cleaned.get("department")
    _require(actor, EDIT_PERM, version.item.department, version.department, new_department, verb="编辑事项")
    if version.status != VersionStatus.DRAFT:
        raise _immutable(version)
    if matches(version, cleaned):
        return version
    before = version_snapshot(version)
    _write(version, cleaned)
    audit.record(
        actor=actor,
        action="catalog.version.update",
        subject=version,
        before=before,
        after=version_snapshot(version),
    )
    return version


def _copy_children(source: ServiceItemVersion, target: ServiceItemVersion) -> None:
    MaterialRequirement.objects.bulk_create(
        [
            MaterialRequirement(
                version=target,
                **{
                    f.name: getattr(m, f.name)
                    for f in MaterialRequirement._meta.concrete_fields
                    if f.name not in ("id", "version")
                },
            )
            for m in source.materials.all()
        ]
    )
    WorkflowStep.objects.bulk_create(
        [
            WorkflowStep(
                version=target,
                **{
                    f.attname: getattr(s, f.attname)
                    for f in WorkflowStep._meta.concrete_fields
                    if f.name not in ("id", "version")
                },
            )
            for s in source.steps.all()
        ]
    )
    target.guide_groups.set(source.guide_groups.all())


@transaction.atomic
def version_draft_from(*, actor: Any, version: ServiceItemVersion) -> ServiceItemVersion:
    """A new draft copied from `version` (usually the live one, which stays live until the draft is
    published)."""
    version = _fresh_version(version)
    item = version.item
    _require(actor, EDIT_PERM, item.department, verb="编辑事项")
    if version.status == VersionStatus.DRAFT:
        raise Conflict("该版本本身就是草稿，可直接修改。", code="already_draft")
    if item.versions.filter(status=VersionStatus.DRAFT).exists():
        raise Conflict("该事项已有一份草稿，请先修改或删除现有草稿。", code="draft_exists")
    number = (item.versions.aggregate(n=Max("number"))["n"] or 0) + 1
    draft = ServiceItemVersion(item=item, number=number, status=VersionStatus.DRAFT, code=item.code)
    for name in SCALAR_FIELDS:
        setattr(draft, name, getattr(version, name))
    try:
        with transaction.atomic():
            draft.save()
    except IntegrityError as exc:
        raise Conflict("该事项已有一份草稿，请刷新后重试。", code="draft_exists") from exc
    _copy_children(version, draft)
    audit.record(
        actor=actor,
        action="catalog.version.draft",
        subject=draft,
        after={**version_snapshot(draft), "copied_from": version.number},
    )
    return draft


def _search_text(version: ServiceItemVersion) -> str:
    return search_text(
        {
            "name": version.name,
            "keywords": version.keywords,
            "department": version.department,
            "item_type": version.item_type,
            "guide_groups": list(version.guide_groups.all()),
            "conditions": version.conditions,
            "materials": [{"name": m.name} for m in version.materials.all()],
        }
    )


def _summary(text: str, limit: int = 80) -> str:
    """The first sentence of a text, at most `limit` characters."""
    first = text.strip().split("。")[0]
    return first[:limit]


def search_text(values: dict[str, Any]) -> str:
    """What the full-text index holds for a guide: name, keywords, department, type, groups, the start of
    the conditions and the material names. The name and keywords count twice, so a guide named after the
    query ranks above guides that only list it among their materials."""
    department = values["department"]
    return " ".join(
        [
            values["name"],
            values["name"],
            values.get("keywords") or "",
            values.get("keywords") or "",
            department.name,
            department.short_name,
            str(ItemType(values["item_type"]).label),
            " ".join(g.name for g in values.get("guide_groups") or []),
            _summary(values.get("conditions") or ""),
            " ".join(m["name"] for m in values.get("materials") or []),
        ]
    )


def index_guide(version: ServiceItemVersion) -> None:
    fulltext.index(SEARCH_DOC_TYPE, version.code, _search_text(version))


@transaction.atomic
def version_publish(
    *, actor: Any, version: ServiceItemVersion, valid_from: date | None = None
) -> ServiceItemVersion:
    """Validate a draft and make it the live version from `valid_from` (default today); the version it
    replaces is retired the day before."""
    version = _fresh_version(version)
    item = version.item
    _require(actor, PUBLISH_PERM, item.department, version.department, verb="发布事项")
    transition(version, PUBLISH)
    errs = FieldErrors()
    errs.items.extend(publish_problems(version))
    today = timezone.localdate()
    start = valid_from or today
    if start > today:
        errs.add("valid_from", "生效日期不能晚于今天（暂不支持预约生效）")
    previous = item.live_version
    if previous is not None and previous.valid_from and start < previous.valid_from:
        errs.add("valid_from", f"生效日期不能早于现行版本的生效日期（{previous.valid_from}）")
    errs.raise_if_any("发布前校验未通过", code="publish_invalid")
    before = version_snapshot(previous) if previous is not None else None
    if previous is not None:
        transition(previous, SUPERSEDE)
        previous.valid_to = max(previous.valid_from or start, start - timedelta(days=1))
        previous.save(update_fields=["status", "valid_to", "updated_at"])
    version.valid_from = start
    version.valid_to = None
    version.published_at = timezone.now()
    version.published_by = actor if actor is not None and getattr(actor, "pk", None) else None
    version.save()
    item.live_version = version
    item.department = version.department
    item.save(update_fields=["live_version", "department", "updated_at"])
    index_guide(version)
    audit.record(
        actor=actor,
        action="catalog.version.publish",
        subject=version,
        before=before,
        after=version_snapshot(version),
    )
    return version


@transaction.atomic
def version_retire(*, actor: Any, version: ServiceItemVersion) -> ServiceItemVersion:
    """Stop the live version today: the item has no live version (and no guide) until a draft is published."""
    version = _fresh_version(version)
    item = version.item
    _require(actor, PUBLISH_PERM, item.department, verb="废止事项")
    before = version_snapshot(version)
    transition(version, RETIRE)
    version.valid_to = max(version.valid_from or timezone.localdate(), timezone.localdate())
    version.save(update_fields=["status", "valid_to", "updated_at"])
    if item.live_version_id == version.pk:
        item.live_version = None
        item.save(update_fields=["live_version", "updated_at"])
    fulltext.remove(SEARCH_DOC_TYPE, item.code)
    audit.record(
        actor=actor,
        action="catalog.version.retire",
        subject=version,
        before=before,
        after=version_snapshot(version),
    )
    return version


@transaction.atomic
def version_discard(*, actor: Any, version: ServiceItemVersion) -> None:
    """Delete a draft; an item that had nothing but this draft is deleted with it."""
    version = _fresh_version(version)
    item = version.item
    _require(actor, EDIT_PERM, item.department, verb="编辑事项")
    if version.status != VersionStatus.DRAFT:
        raise _immutable(version)
    before = version_snapshot(version)
    subject_id = version.pk
    version.delete()
    item_deleted = not item.versions.exists()
    if item_deleted:
        item.delete()
    audit.record(
        actor=actor,
        action="catalog.version.discard",
        subject_type="catalog.serviceitemversion",
        subject_id=subject_id,
        before=before,
        after={"item_deleted": item_deleted},
    )


# --- bulk publication (demo data, scale tests) -------------------------------------------------------


BULK_CHUNK: Final = 500


@transaction.atomic
def items_bulk_publish(
    *,
    actor: Any,
    items: Sequence[tuple[str, dict[str, Any]]],
    progress: Callable[[int, int], None] | None = None,
) -> list[str]:
    """Create many new items, each published at once as version 1, with bulk inserts.

    ``items`` are (实施编码, fields as for `item_create`). Every item is cleaned and checked against the
    publication rules first; if any fails, nothing is written and ValidationFailed lists the errors as
    "<code>: <message>". One audit event covers the batch. Returns the codes created, in order.
    """
    lookups = Lookups(preload=True)
    errs = FieldErrors()
    rows: list[tuple[str, dict[str, Any]]] = []
    seen: set[str] = set()
    for code, fields in items:
        try:
            code = _clean_code(code)
            cleaned = clean_fields(dict(fields), creating=True, lookups=lookups)
        except ValidationFailed as exc:
            for error in exc.errors or [{"field": "", "message": exc.detail}]:
                errs.add(f"{code}.{error['field']}", f"{code}：{error['message']}")
            continue
        if code in seen:
            errs.add(f"{code}.code", f"{code}：实施编码重复")
        seen.add(code)
        values = {**cleaned, "materials": cleaned.get("materials") or [], "steps": cleaned.get("steps") or []}
        for problem in _rule_problems(values):
            errs.add(f"{code}.{problem['field']}", f"{code}：{problem['message']}")
        rows.append((code, cleaned))
    taken = ServiceItem.objects.filter(code__in=[code for code, _ in rows]).values_list("code", flat=True)
    for code in taken:
        errs.add(f"{code}.code", f"{code}：实施编码已存在")
    if actor is not None:
        for department in {cleaned["department"].pk: cleaned["department"] for _, cleaned in rows}.values():
            _require(actor, EDIT_PERM, department, verb="编辑事项")
            _require(actor, PUBLISH_PERM, department, verb="发布事项")
    errs.raise_if_any("批量发布未执行", code="bulk_invalid")

    today = timezone.localdate()
    now = timezone.now()
    publisher = actor if actor is not None and getattr(actor, "pk", None) else None
    total = len(rows)
    segmented: dict[str, str] = {}
    for start in range(0, total, BULK_CHUNK):
        chunk = rows[start : start + BULK_CHUNK]
        ServiceItem.objects.bulk_create(
            [ServiceItem(code=code, department=cleaned["department"]) for code, cleaned in chunk]
        )
        item_ids = dict(
            ServiceItem.objects.filter(code__in=[code for code, _ in chunk]).values_list("code", "pk")
        )
        ServiceItemVersion.objects.bulk_create(
            [
                ServiceItemVersion(
                    item_id=item_ids[code],
                    number=1,
                    code=code,
                    status=VersionStatus.PUBLISHED,
                    valid_from=today,
                    published_at=now,
                    published_by=publisher,
                    **{name: cleaned[name] for name in SCALAR_FIELDS if name in cleaned},
                )
                for code, cleaned in chunk
            ]
        )
        version_ids = dict(
            ServiceItemVersion.objects.filter(item_id__in=item_ids.values()).values_list("code", "pk")
        )
        MaterialRequirement.objects.bulk_create(
            [
                MaterialRequirement(version_id=version_ids[code], position=i, **material)
                for code, cleaned in chunk
                for i, material in enumerate(cleaned.get("materials") or [], 1)
            ]
        )
        WorkflowStep.objects.bulk_create(
            [
                WorkflowStep(version_id=version_ids[code], position=i, **step)
                for code, cleaned in chunk
                for i, step in enumerate(cleaned.get("steps") or [], 1)
            ]
        )
        through = ServiceItemVersion.guide_groups.through
        through.objects.bulk_create(
            [
                through(serviceitemversion_id=version_ids[code], guidegroup_id=group.pk)
                for code, cleaned in chunk
                for group in cleaned.get("guide_groups") or []
            ]
        )
        # each new item has exactly one version: link it in one UPDATE … SET live_version_id = (subquery)
        only_version = ServiceItemVersion.objects.filter(item_id=OuterRef("pk")).values("pk")[:1]
        ServiceItem.objects.filter(pk__in=item_ids.values()).update(live_version_id=Subquery(only_version))
        _index_many([(code, search_text(cleaned)) for code, cleaned in chunk], segmented)
        if progress is not None:
            progress(start + len(chunk), total)
    codes = [code for code, _ in rows]
    if codes:
        audit.record(
            actor=actor,
            action="catalog.item.bulk_publish",
            subject_type="catalog.serviceitem",
            subject_id=codes[0],
            after={
                "count": len(codes),
                "first": codes[0],
                "last": codes[-1],
                "valid_from": today.isoformat(),
            },
        )
    return codes


def _index_many(documents: list[tuple[str, str]], segmented: dict[str, str]) -> None:
    """Add new live versions to the full-text index in one insert (their codes are not indexed yet).
    `segmented` caches the segmentation of texts seen before (synthetic items repeat a few shapes)."""
    entries = []
    for code, text in documents:
        if text not in segmented:
            segmented[text] = fulltext.segment(text)
        entries.append(SearchEntry(doc_type=SEARCH_DOC_TYPE, doc_id=code, tokens=segmented[text]))
    SearchEntry.objects.bulk_create(entries, batch_size=BULK_CHUNK)


# --- guide groups ---------------------------------------------------------------------------------


@transaction.atomic
def guide_group_save(
    *, actor: Any, code: str, name: str, kind: str, audience: str, position: int = 0
) -> GuideGroup:
    """Create or update a life event / topic by code; audited when something changed."""
    if actor is not None and not actor.has_perm("catalog.change_guidegroup"):
        raise PermissionDenied("没有维护主题分类的权限（catalog.change_guidegroup）。")
    errs = FieldErrors()
    code = _text(code)
    name = _text(name)
    if not code or len(code) > 32:
        errs.add("code", "编码不能为空且不超过32位")
    if not name or len(name) > 64:
        errs.add("name", "名称不能为空且不超过64个字")
    kind_value = _choice(errs, "kind", "类型", kind, GuideGroupKind)
    audience_value = _choice(errs, "audience", "服务对象", audience, ApplicantType)
    errs.raise_if_any()
    values = {"name": name, "kind": kind_value, "audience": audience_value, "position": position}
    group = GuideGroup.objects.filter(code=code).first()
    if group is not None and all(getattr(group, k) == v for k, v in values.items()):
        return group
    before = None if group is None else {"name": group.name, "kind": group.kind, "audience": group.audience}
    if group is None:
        group = GuideGroup.objects.create(code=code, **values)
    else:
        for k, v in values.items():
            setattr(group, k, v)
        group.save()
    audit.record(actor=actor, action="catalog.guide_group.save", subject=group, before=before, after=values)
    return group
