"""Version fields as services take them, cleaned and normalised: every bad field named in one answer, nothing
written. Departments and guide groups are looked up by code (groups also by name)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any, Final, TypedDict

from shuzheng.catalog.constants import (
    MORE_VISITS,
    ApplicantType,
    ApplyChannel,
    Exemption,
    HandlingMode,
    ItemLevel,
    ItemType,
    MaterialForm,
    MaterialNeed,
)
from shuzheng.catalog.models import GuideGroup
from shuzheng.core.errors import ValidationFailed
from shuzheng.core.field_errors import FieldErrors
from shuzheng.orgs import selectors as orgs_selectors

if TYPE_CHECKING:
    from shuzheng.orgs.models import Department

MAX_LIMIT_DAYS: Final = 3650
MAX_MATERIALS: Final = 60
MAX_STEPS: Final = 20
CODE_MAX: Final = 64


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
            self.departments = {d.code: d for d in orgs_selectors.department_queryset(include_inactive=True)}
            for group in GuideGroup.objects.all():
                self.groups[group.code] = group
                self.groups.setdefault(group.name, group)
        self.preloaded = preload

    def departments_by_code(self, codes: Iterable[str]) -> dict[str, Department]:
        wanted = {c for c in codes if c and c not in self.departments}
        if wanted and not self.preloaded:
            departments = orgs_selectors.department_queryset(include_inactive=True).filter(code__in=wanted)
            found = {d.code: d for d in departments}
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


def clean_text(value: Any) -> str:
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


def clean_choice(errs: FieldErrors, field: str, label: str, value: Any, choices: Any) -> str | None:
    """A choice by value or by its Chinese label."""
    text = clean_text(value)
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
        found = clean_choice(errs, field, label, entry, choices)
        if found is None:
            ok = False
        else:
            picked.add(found)
    if not ok:
        return None
    return [str(v) for v in choices.values if v in picked]


def _department(errs: FieldErrors, field: str, value: Any, lookups: Lookups) -> Department | None:
    if orgs_selectors.is_department(value):
        return value
    code = clean_text(value).upper()
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
        code = clean_text(raw.get("code")) or f"M{i + 1:02d}"
        name = clean_text(raw.get("name"))
        if not name:
            errs.add(f"{where}.name", f"{label}的名称不能为空")
        elif len(name) > 200:
            errs.add(f"{where}.name", f"{label}的名称不能超过200个字")
        if len(code) > 32:
            errs.add(f"{where}.code", f"{label}的材料编码不能超过32位")
        elif code in seen:
            errs.add(f"{where}.code", f"材料编码“{code}”重复")
        seen.add(code)
        condition = clean_text(raw.get("condition"))
        if len(condition) > 255:
            errs.add(f"{where}.condition", f"{label}的提交情形不能超过255个字")
        licence_type = clean_text(raw.get("licence_type"))
        if len(licence_type) > 64:
            errs.add(f"{where}.licence_type", f"{label}的电子证照类型不能超过64个字")
        pages = raw.get("pages")
        if pages is not None:
            pages = _int(errs, f"{where}.pages", f"{label}的页数", pages, maximum=32767)
        rows.append(
            {
                "code": code,
                "name": name,
                "need": clean_choice(
                    errs,
                    f"{where}.need",
                    f"{label}的必要性",
                    raw.get("need") or MaterialNeed.REQUIRED,
                    MaterialNeed,
                ),
                "condition": condition,
                "form": clean_choice(
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
    codes = {clean_text(e.get("department_code")).upper() for e in entries if isinstance(e, dict)} - {""}
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
        name = clean_text(raw.get("name"))
        if not name:
            errs.add(f"{where}.name", f"{label}的名称不能为空")
        elif len(name) > 64:
            errs.add(f"{where}.name", f"{label}的名称不能超过64个字")
        role_code = clean_text(raw.get("role_code"))
        if len(role_code) > 64:
            errs.add(f"{where}.role_code", f"{label}的办理角色编码不能超过64位")
        department_code = clean_text(raw.get("department_code")).upper()
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
    wanted = [w for w in dict.fromkeys(clean_text(getattr(v, "code", v)) for v in value) if w]
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
            result = clean_text(value)
            if name == "name" and not result:
                errs.add(name, "事项名称不能为空")
            elif len(result) > _TEXT_LIMITS[name]:
                errs.add(name, f"{label}不能超过{_TEXT_LIMITS[name]}个字")
        elif name == "item_type":
            result = clean_choice(errs, name, label, value, ItemType)
        elif name == "level":
            result = clean_choice(errs, name, label, value, ItemLevel)
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


def clean_code(code: str) -> str:
    code = clean_text(code)
    if not code:
        raise ValidationFailed.for_field("code", "实施编码不能为空")
    if len(code) > CODE_MAX or not all(ch.isascii() and (ch.isalnum() or ch in "-_.") for ch in code):
        raise ValidationFailed.for_field(
            "code", f"实施编码“{code}”格式不正确：只能包含字母、数字和 - _ .，不超过64位"
        )
    return code
