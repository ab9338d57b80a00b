"""What a version must satisfy to be published, and who may change which items: reads shared by the
services, views and the demo.

A person needs ``catalog.change_serviceitemversion`` to create and edit drafts and
``catalog.publish_serviceitemversion`` to publish and retire, in a data scope covering the item's
implementing department; an item outside that scope is reported as not found. The platform acting on its
own (a `SystemActor`: demo loader, commands) is not checked."""

from __future__ import annotations

import json
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Final

from jsonschema import Draft7Validator, Draft202012Validator
from jsonschema.exceptions import SchemaError

from shuzheng.catalog.constants import EDIT_PERM, PUBLISH_PERM
from shuzheng.catalog.models import ServiceItem, ServiceItemVersion
from shuzheng.core.actors import SystemActor
from shuzheng.core.errors import NotFound, PermissionDenied
from shuzheng.core.field_errors import FieldErrors
from shuzheng.core.permissions import missing_permission
from shuzheng.identity.actors import Actor
from shuzheng.identity.scopes import data_scope_for

if TYPE_CHECKING:
    from shuzheng.orgs.models import Department

SCHEMA_2020: Final = "https://json-schema.org/draft/2020-12/schema"
SCHEMA_7: Final = "http://json-schema.org/draft-07/schema"

#: The version's own fields the publication rules look at (besides its steps and materials).
RULE_FIELDS: Final = (
    "name",
    "applicant_types",
    "channels",
    "statutory_limit_days",
    "promised_limit_days",
    "form_schema",
)


def require(actor: Actor, perm: str, *departments: Department | None, verb: str) -> None:
    """PermissionDenied without the permission; NotFound when a department lies outside its scope."""
    if isinstance(actor, SystemActor):
        return
    if not getattr(actor, "is_authenticated", False):
        raise PermissionDenied("请先登录。")
    if not actor.has_perm(perm):
        raise PermissionDenied(f"没有{verb}的权限{missing_permission(perm)}。")
    scope = data_scope_for(actor, perm)
    for department in departments:
        if department is not None and not scope.covers_department(department):
            raise NotFound("事项不存在或不在您的数据范围内。")


def can_edit(user: Actor, item: ServiceItem) -> bool:
    return _allowed(user, EDIT_PERM, item)


def can_publish(user: Actor, item: ServiceItem) -> bool:
    return _allowed(user, PUBLISH_PERM, item)


def _allowed(user: Actor, perm: str, item: ServiceItem) -> bool:
    try:
        require(user, perm, item.department, verb="")
    except (PermissionDenied, NotFound):
        return False
    return True


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


def publish_problems(version: ServiceItemVersion) -> list[dict[str, Any]]:
    """Field errors that keep a draft from being published (empty when it may be published)."""
    values = {name: getattr(version, name) for name in RULE_FIELDS}
    values["steps"] = [
        {"name": s.name, "role_code": s.role_code, "time_limit_days": s.time_limit_days}
        for s in version.steps.all()
    ]
    values["materials"] = [{"code": m.code} for m in version.materials.all()]
    return rule_problems(values)


def rule_problems(values: dict[str, Any]) -> list[dict[str, Any]]:
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
