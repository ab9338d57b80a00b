"""Catalog entries: creation, edits of draft entries and their data items, the review workflow, class names
and the approval to open conditionally open entries."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING, Any, Final

from django.db import transaction
from django.utils import timezone

from shuzheng.core import audit
from shuzheng.core.errors import Conflict, PermissionDenied, ValidationFailed
from shuzheng.core.field_errors import FieldErrors
from shuzheng.datahub import tables
from shuzheng.datahub.models import (
    CatalogClass,
    CatalogEntry,
    Classification,
    DataItem,
    DataType,
    EntryStatus,
    EntryTransition,
    Grade,
    MaskingKind,
    Openness,
    ResourceFormat,
    Sensitivity,
    SharingType,
    UpdateCycle,
)
from shuzheng.datahub.services import (
    PERM_ADD,
    PERM_EDIT,
    PERM_REVIEW,
    require,
    user_of,
)
from shuzheng.datahub.workflow import ACTION_LABELS, ENTRY_WORKFLOW, REVIEW_ACTIONS
from shuzheng.identity.actors import Actor

if TYPE_CHECKING:
    from shuzheng.orgs.models import Department

CLASS_CODE: Final = re.compile(r"^[A-Z](\d{2}){0,3}$")


def _choice(errs: FieldErrors, field: str, label: str, value: str, choices: Any) -> None:
    if value not in choices.values:
        errs.add(field, f"{label}取值无效（可选：{'、'.join(str(c) for c in choices.labels)}）")


def entry_snapshot(entry: CatalogEntry) -> dict[str, Any]:
    return {
        "code": entry.code,
        "name": entry.name,
        "department": entry.department.code,
        "classification": entry.classification,
        "class_code": entry.class_code,
        "sharing_type": entry.sharing_type,
        "openness": entry.openness,
        "grade": entry.grade,
        "status": entry.status,
        "mount_kind": entry.mount_kind,
        "items": [i.name for i in entry.items.all()],
    }


def _search_text(entry: CatalogEntry) -> str:
    labels = " ".join(i.label for i in entry.items.all())
    return f"{entry.name} {entry.abstract} {entry.department.name} {labels}"


def _reindex(entry: CatalogEntry) -> None:
    from shuzheng.core import fulltext

    fulltext.index("datahub.entry", entry.pk, _search_text(entry))


# --- catalog entries ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class EntryMetadata:
    """An entry's GB/T 21063 metadata as the API, the workbench form, the Excel import and the demo give it;
    `entry_create` trims and checks it."""

    name: str
    class_code: str
    classification: str = Classification.DEPARTMENT
    abstract: str = ""
    format: str = ResourceFormat.TABLE
    sharing_type: str = SharingType.CONDITIONAL
    sharing_conditions: str = ""
    sharing_method: str = "接口"
    openness: str = Openness.CLOSED
    open_conditions: str = ""
    update_cycle: str = UpdateCycle.MONTHLY
    grade: str = Grade.GENERAL


#: The metadata fields `entry_update` may change.
ENTRY_FIELDS: Final = tuple(f.name for f in fields(EntryMetadata))


def _validate_entry(values: dict[str, Any], errs: FieldErrors | None = None) -> None:
    own = errs is None
    errs = FieldErrors() if errs is None else errs
    name = (values.get("name") or "").strip()
    if not name:
        errs.add("name", "资源名称不能为空")
    elif len(name) > 128:
        errs.add("name", "资源名称不能超过128个字")
    _choice(errs, "classification", "资源分类", values["classification"], Classification)
    if not CLASS_CODE.match(values.get("class_code") or ""):
        errs.add("class_code", "类目编码格式不正确：一个大写字母加 0–3 组两位数字（类-项-目-细目），如 B0102")
    _choice(errs, "format", "资源格式", values["format"], ResourceFormat)
    _choice(errs, "sharing_type", "共享类型", values["sharing_type"], SharingType)
    _choice(errs, "openness", "开放属性", values["openness"], Openness)
    _choice(errs, "update_cycle", "更新周期", values["update_cycle"], UpdateCycle)
    _choice(errs, "grade", "数据分级", values["grade"], Grade)
    if (
        values["sharing_type"] == SharingType.CONDITIONAL
        and not (values.get("sharing_conditions") or "").strip()
    ):
        errs.add("sharing_conditions", "有条件共享的资源须填写共享条件")
    if values["openness"] == Openness.CONDITIONAL and not (values.get("open_conditions") or "").strip():
        errs.add("open_conditions", "有条件开放的资源须填写开放条件")
    if values["grade"] == Grade.CORE and values["openness"] != Openness.CLOSED:
        errs.add("openness", "核心数据不得开放")
    if len(values.get("abstract") or "") > 4000:
        errs.add("abstract", "资源摘要不能超过4000个字")
    if own:
        errs.raise_if_any()


def validate_items(
    items: list[dict[str, Any]], *, field: str = "items", errs: FieldErrors | None = None
) -> list[dict[str, Any]]:
    """Normalised data items; a ValidationFailed names each bad one as items[<n>].<field>."""
    own = errs is None
    errs = FieldErrors() if errs is None else errs
    seen: set[str] = set()
    result = []
    if not items:
        errs.add(field, "至少需要一个信息项")
    for n, raw in enumerate(items):
        where = f"{field}[{n}]"
        name = str(raw.get("name") or "").strip()
        label = str(raw.get("label") or "").strip()
        item: dict[str, Any] = {
            "name": name,
            "label": label,
            "data_type": raw.get("data_type") or DataType.STRING,
            "max_length": _int(raw.get("max_length")),
            "description": str(raw.get("description") or "").strip(),
            "required": bool(raw.get("required", False)),
            "is_key": bool(raw.get("is_key", False)),
            "is_personal": bool(raw.get("is_personal", False)),
            "sensitivity": raw.get("sensitivity") or Sensitivity.L1,
            "masking": raw.get("masking") or MaskingKind.NONE,
        }
        if not tables.IDENTIFIER.match(name):
            errs.add(
                f"{where}.name",
                f"字段名“{name[:40]}”格式不正确：小写字母开头，只含小写字母、数字、下划线，最长63位",
            )
        elif name in tables.RESERVED or name.startswith("_"):
            errs.add(f"{where}.name", f"字段名“{name}”为系统保留字")
        elif name in seen:
            errs.add(f"{where}.name", f"字段名“{name}”重复")
        seen.add(name)
        if not label:
            errs.add(f"{where}.label", "中文名称不能为空")
        elif len(label) > 64:
            errs.add(f"{where}.label", "中文名称不能超过64个字")
        _choice(errs, f"{where}.data_type", "数据类型", item["data_type"], DataType)
        _choice(errs, f"{where}.sensitivity", "敏感级别", item["sensitivity"], Sensitivity)
        _choice(errs, f"{where}.masking", "脱敏方式", item["masking"], MaskingKind)
        if (
            item["masking"] not in (MaskingKind.NONE, MaskingKind.FULL)
            and item["data_type"] != DataType.STRING
        ):
            errs.add(f"{where}.masking", "只有字符串类型的信息项可以按姓名、证件号、手机号、地址脱敏")
        if item["is_personal"] and item["sensitivity"] == Sensitivity.L1:
            errs.add(f"{where}.sensitivity", "个人信息的敏感级别不能为 L1 公开")
        if item["max_length"] < 0 or item["max_length"] > 100000:
            errs.add(f"{where}.max_length", "最大长度应在 0 到 100000 之间")
        if len(item["description"]) > 255:
            errs.add(f"{where}.description", "说明不能超过255个字")
        result.append(item)
    if len(items) > 200:
        errs.add(field, "信息项不能超过200个")
    if own:
        errs.raise_if_any()
    return result


def _int(value: Any) -> int:
    try:
        return int(value or 0)
    except (TypeError, ValueError):
        return -1


def _next_code(department: Department, class_code: str) -> str:
    prefix = f"{department.code}/{class_code}-"
    taken = set(CatalogEntry.objects.filter(code__startswith=prefix).values_list("code", flat=True))
    seq = len(taken) + 1
    while f"{prefix}{seq:04d}" in taken:
        seq += 1
    return f"{prefix}{seq:04d}"


@transaction.atomic
def catalog_class_name(*, actor: Actor, code: str, name: str) -> CatalogClass:
    """Name a node of the class tree (类 or 项, …); renaming keeps the code. The data administration's."""
    require(actor, PERM_REVIEW, None)
    code = (code or "").strip().upper()
    name = (name or "").strip()
    errs = FieldErrors()
    if not CLASS_CODE.match(code):
        errs.add("code", "类目编码格式不正确：一个大写字母加 0–3 组两位数字（类-项-目-细目），如 B01")
    if not name or len(name) > 64 or "\x00" in name:
        errs.add("name", "类目名称应为 1–64 个字，且不含控制字符")
    errs.raise_if_any()
    existing = CatalogClass.objects.filter(code=code).first()
    before = {"name": existing.name} if existing is not None else None
    node, _created = CatalogClass.objects.update_or_create(code=code, defaults={"name": name})
    if before != {"name": name}:
        audit.record(
            actor=actor,
            action="datahub.class.name",
            subject=node,
            before=before,
            after={"code": code, "name": name},
        )
    return node


@transaction.atomic
def entry_create(
    *,
    actor: Actor,
    department: Department,
    metadata: EntryMetadata,
    items: list[dict[str, Any]],
    related: Iterable[CatalogEntry] = (),
    code: str = "",
) -> CatalogEntry:
    """A new entry in 编辑中 with its data items; its code is `<department code>/<class code>-<seq>`."""
    require(actor, PERM_ADD, department)
    m = metadata
    values = {
        "name": (m.name or "").strip(),
        "classification": m.classification,
        "class_code": (m.class_code or "").strip().upper(),
        "abstract": (m.abstract or "").strip(),
        "format": m.format,
        "sharing_type": m.sharing_type,
        "sharing_conditions": (m.sharing_conditions or "").strip(),
        "sharing_method": (m.sharing_method or "").strip()[:64],
        "openness": m.openness,
        "open_conditions": (m.open_conditions or "").strip(),
        "update_cycle": m.update_cycle,
        "grade": m.grade,
    }
    errs = FieldErrors()
    _validate_entry(values, errs)
    clean_items = validate_items(items, errs=errs)
    errs.raise_if_any()
    code = code or _next_code(department, values["class_code"])
    if CatalogEntry.objects.filter(code=code).exists():
        raise Conflict(f"资源代码“{code}”已存在", errors=[{"field": "code", "message": "资源代码已存在"}])
    entry = CatalogEntry.objects.create(code=code, department=department, editor=user_of(actor), **values)
    DataItem.objects.bulk_create(
        [DataItem(entry=entry, position=n, **item) for n, item in enumerate(clean_items)]
    )
    if related:
        entry.related.set(list(related))
    _reindex(entry)
    audit.record(actor=actor, action="datahub.entry.create", subject=entry, after=entry_snapshot(entry))
    return entry


@transaction.atomic
def entry_update(
    *,
    actor: Actor,
    entry: CatalogEntry,
    items: list[dict[str, Any]] | None = None,
    related: Iterable[CatalogEntry] | None = None,
    **changes: Any,
) -> CatalogEntry:
    """Change an entry in 编辑中. Items of a mounted table can be added (new columns) but not removed,
    renamed or retyped."""
    entry = CatalogEntry.objects.select_for_update().get(pk=entry.pk)
    require(actor, PERM_EDIT, entry.department)
    if entry.status != EntryStatus.DRAFT:
        raise Conflict("只有“编辑中”的资源可以修改；已发布的资源请先撤回修订", code="entry_not_draft")
    unknown = set(changes) - set(ENTRY_FIELDS)
    if unknown:
        raise ValidationFailed.for_field(sorted(unknown)[0], "不能修改该字段")
    before = entry_snapshot(entry)
    values = {f: getattr(entry, f) for f in ENTRY_FIELDS}
    values.update({k: (v.strip() if isinstance(v, str) else v) for k, v in changes.items()})
    if "class_code" in changes:
        values["class_code"] = str(values["class_code"]).upper()
    _validate_entry(values)
    for key, value in values.items():
        setattr(entry, key, value)
    entry.editor = user_of(actor) or entry.editor
    entry.save()
    if items is not None:
        _replace_items(entry, validate_items(items))
    if related is not None:
        entry.related.set([r for r in related if r.pk != entry.pk])
    _reindex(entry)
    audit.record(
        actor=actor, action="datahub.entry.update", subject=entry, before=before, after=entry_snapshot(entry)
    )
    return entry


def _replace_items(entry: CatalogEntry, items: list[dict[str, Any]]) -> None:
    existing = {i.name: i for i in entry.items.all()}
    if entry.is_mounted_table:
        errs = FieldErrors()
        wanted = {i["name"]: i for i in items}
        for name, old in existing.items():
            if not old.mounted:
                continue
            new = wanted.get(name)
            if new is None:
                errs.add("items", f"信息项“{old.label}”已建列，不能删除")
            elif new["data_type"] != old.data_type:
                errs.add("items", f"信息项“{old.label}”已建列，不能修改数据类型")
            elif new["is_key"] != old.is_key:
                errs.add("items", f"信息项“{old.label}”已建列，不能修改检索键")
        errs.raise_if_any()
    added: list[DataItem] = []
    for n, item in enumerate(items):
        found = existing.get(item["name"])
        if found is None:
            added.append(DataItem.objects.create(entry=entry, position=n, **item))
            continue
        del existing[item["name"]]
        for key, value in item.items():
            setattr(found, key, value)
        found.position = n
        found.save()
    DataItem.objects.filter(pk__in=[i.pk for i in existing.values()]).delete()
    if entry.is_mounted_table and added:
        tables.add_columns(entry, added)
        DataItem.objects.filter(pk__in=[i.pk for i in added]).update(mounted=True)


@transaction.atomic
def entry_transition(*, actor: Actor, entry: CatalogEntry, action: str, comment: str = "") -> CatalogEntry:
    """submit / approve / reject / revise, checked against ENTRY_WORKFLOW; writes the history row.

    Approval needs the review permission and a reviewer other than the entry's last editor.
    """
    entry = CatalogEntry.objects.select_for_update().select_related("department").get(pk=entry.pk)
    if action not in ENTRY_WORKFLOW.actions():
        raise ValidationFailed.for_field("action", f"未知操作“{action}”")
    require(actor, PERM_REVIEW if action in REVIEW_ACTIONS else PERM_EDIT, entry.department)
    target = ENTRY_WORKFLOW.target(entry.status, action)
    if target is None:
        raise Conflict(
            f"资源当前为“{entry.get_status_display()}”，不能{ACTION_LABELS[action]}",
            code="invalid_transition",
        )
    comment = (comment or "").strip()[:500]
    if action == "reject" and not comment:
        raise ValidationFailed.for_field("comment", "退回修改须填写审核意见")
    reviewer = user_of(actor)
    if action == "approve" and reviewer is not None and entry.editor_id == reviewer.pk:
        raise PermissionDenied("编目人不能审核自己编辑的资源，请由其他审核人审核", code="reviewer_is_editor")
    if action == "submit" and entry.format == ResourceFormat.TABLE and not entry.items.exists():
        raise ValidationFailed.for_field("items", "库表资源至少需要一个信息项")
    before = entry.status
    entry.status = target
    if action in REVIEW_ACTIONS:
        entry.reviewer = user_of(actor)
        entry.review_comment = comment
    if action == "approve":
        entry.published_on = entry.published_on or timezone.localdate()
    entry.save()
    EntryTransition.objects.create(
        entry=entry, from_status=before, to_status=target, actor=user_of(actor), comment=comment
    )
    audit.record(
        actor=actor,
        action=f"datahub.entry.{action}",
        subject=entry,
        before={"status": before},
        after={"status": target, "comment": comment},
    )
    return entry


@transaction.atomic
def entry_set_open_approval(*, actor: Actor, entry: CatalogEntry, approved: bool) -> CatalogEntry:
    """The data administration's approval for a 有条件开放 entry to be published as open data."""
    require(actor, PERM_REVIEW, entry.department)
    if entry.openness != Openness.CONDITIONAL:
        raise Conflict("只有“有条件开放”的资源需要开放审批", code="not_conditional_open")
    entry.open_approved = approved
    entry.save(update_fields=["open_approved", "updated_at"])
    audit.record(
        actor=actor, action="datahub.entry.open_approval", subject=entry, after={"approved": approved}
    )
    return entry
