"""Every write of the data hub: catalog entries and their review, mounts and rows, sharing requests,
grants and credentials, open datasets.

Services are keyword-only and atomic, validate with Chinese messages naming the field (nothing is
written on failure) and audit in the same transaction. ``actor=None`` is the system (demo loader,
commands) and skips the permission checks that apply to people.
"""

from __future__ import annotations

import json
import re
import secrets
from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from typing import Any, Final

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from shuzheng.core import audit, calendar
from shuzheng.core.crypto import blind_index, sm3_hex
from shuzheng.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from shuzheng.datahub import loading, tables
from shuzheng.datahub.models import (
    ApiCredential,
    CatalogClass,
    CatalogEntry,
    Classification,
    DataItem,
    DataType,
    EntryStatus,
    EntryTransition,
    Grade,
    Grant,
    MaskingKind,
    MountKind,
    OpenDataset,
    Openness,
    OpenResource,
    OpenTag,
    OpenTopic,
    ResourceFormat,
    RowChange,
    Sensitivity,
    SharingRequest,
    SharingType,
    UpdateCycle,
)
from shuzheng.datahub.workflow import ACTION_LABELS, ACTION_TARGET, ALLOWED_TRANSITIONS, REVIEW_ACTIONS
from shuzheng.identity.scopes import data_scope_for
from shuzheng.orgs.models import Department

CLASS_CODE: Final = re.compile(r"^[A-Z](\d{2}){0,3}$")
DATASET_NAME: Final = re.compile(r"^[a-z0-9][a-z0-9_-]{1,99}$")
BATCH: Final = 1000

PERM_EDIT: Final = "datahub.change_catalogentry"
PERM_ADD: Final = "datahub.add_catalogentry"
PERM_REVIEW: Final = "datahub.review_catalogentry"
PERM_LOAD: Final = "datahub.load_data"
PERM_REQUEST: Final = "datahub.add_sharingrequest"
PERM_DECIDE: Final = "datahub.decide_sharingrequest"
PERM_CREDENTIAL: Final = "datahub.add_apicredential"
PERM_PUBLISH: Final = "datahub.publish_opendataset"


def decision_days() -> int:
    return int(getattr(settings, "SHUZHENG_SHARING_DECISION_DAYS", 5))


def default_rate_limit() -> int:
    return int(getattr(settings, "SHUZHENG_DATA_RATE_LIMIT_PER_MINUTE", 60))


# --- helpers -----------------------------------------------------------------------------------------


class _Errors:
    def __init__(self) -> None:
        self.items: list[dict[str, Any]] = []

    def add(self, field: str, message: str) -> None:
        self.items.append({"field": field, "message": message})

    def raise_if_any(self) -> None:
        if self.items:
            raise ValidationFailed("；".join(e["message"] for e in self.items), errors=list(self.items))


def require(actor: Any, permission: str, department: Department | None) -> None:
    """People need `permission` over a data scope covering `department`; the system (None) passes."""
    if actor is None:
        return
    if not getattr(actor, "is_authenticated", False):
        raise PermissionDenied("请先登录")
    if not actor.has_perm(permission):
        raise PermissionDenied("没有执行此操作的权限")
    if department is not None and not data_scope_for(actor, permission).covers_department(department):
        raise PermissionDenied(f"“{department.name}”不在您的数据范围内")


def _choice(errs: _Errors, field: str, label: str, value: str, choices: Any) -> None:
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

ENTRY_FIELDS: Final = (
    "name",
    "classification",
    "class_code",
    "abstract",
    "format",
    "sharing_type",
    "sharing_conditions",
    "sharing_method",
    "openness",
    "open_conditions",
    "update_cycle",
    "grade",
)


def _validate_entry(values: dict[str, Any], errs: _Errors | None = None) -> None:
    own = errs is None
    errs = errs or _Errors()
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
    items: list[dict[str, Any]], *, field: str = "items", errs: _Errors | None = None
) -> list[dict[str, Any]]:
    """Normalised data items; a ValidationFailed names each bad one as items[<n>].<field>."""
    own = errs is None
    errs = errs or _Errors()
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
def catalog_class_name(*, actor: Any, code: str, name: str) -> CatalogClass:
    """Name a node of the class tree (类 or 项, …); renaming keeps the code. The data administration's."""
    require(actor, PERM_REVIEW, None)
    code = (code or "").strip().upper()
    name = (name or "").strip()
    errs = _Errors()
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
    actor: Any,
    department: Department,
    name: str,
    class_code: str,
    items: list[dict[str, Any]],
    classification: str = Classification.DEPARTMENT,
    abstract: str = "",
    format: str = ResourceFormat.TABLE,
    sharing_type: str = SharingType.CONDITIONAL,
    sharing_conditions: str = "",
    sharing_method: str = "接口",
    openness: str = Openness.CLOSED,
    open_conditions: str = "",
    update_cycle: str = UpdateCycle.MONTHLY,
    grade: str = Grade.GENERAL,
    related: Iterable[CatalogEntry] = (),
    code: str = "",
) -> CatalogEntry:
    """A new entry in 编辑中 with its data items; its code is `<department code>/<class code>-<seq>`."""
    require(actor, PERM_ADD, department)
    values = {
        "name": (name or "").strip(),
        "classification": classification,
        "class_code": (class_code or "").strip().upper(),
        "abstract": (abstract or "").strip(),
        "format": format,
        "sharing_type": sharing_type,
        "sharing_conditions": (sharing_conditions or "").strip(),
        "sharing_method": (sharing_method or "").strip()[:64],
        "openness": openness,
        "open_conditions": (open_conditions or "").strip(),
        "update_cycle": update_cycle,
        "grade": grade,
    }
    errs = _Errors()
    _validate_entry(values, errs)
    clean_items = validate_items(items, errs=errs)
    errs.raise_if_any()
    code = code or _next_code(department, values["class_code"])
    if CatalogEntry.objects.filter(code=code).exists():
        raise Conflict(f"资源代码“{code}”已存在", errors=[{"field": "code", "message": "资源代码已存在"}])
    entry = CatalogEntry.objects.create(
        code=code, department=department, editor=actor if actor is not None else None, **values
    )
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
    actor: Any,
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
    entry.editor = actor if actor is not None else entry.editor
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
        errs = _Errors()
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
def entry_transition(*, actor: Any, entry: CatalogEntry, action: str, comment: str = "") -> CatalogEntry:
    """submit / approve / reject / revise, checked against ALLOWED_TRANSITIONS; writes the history row.

    Approval needs the review permission and a reviewer other than the entry's last editor.
    """
    entry = CatalogEntry.objects.select_for_update().select_related("department").get(pk=entry.pk)
    if action not in ACTION_TARGET:
        raise ValidationFailed.for_field("action", f"未知操作“{action}”")
    source, target = ACTION_TARGET[action]
    require(actor, PERM_REVIEW if action in REVIEW_ACTIONS else PERM_EDIT, entry.department)
    if (entry.status, target) not in ALLOWED_TRANSITIONS or entry.status != source:
        raise Conflict(
            f"资源当前为“{entry.get_status_display()}”，不能{ACTION_LABELS[action]}",
            code="invalid_transition",
        )
    comment = (comment or "").strip()[:500]
    if action == "reject" and not comment:
        raise ValidationFailed.for_field("comment", "退回修改须填写审核意见")
    if action == "approve" and actor is not None and entry.editor_id == actor.pk:
        raise PermissionDenied("编目人不能审核自己编辑的资源，请由其他审核人审核", code="reviewer_is_editor")
    if action == "submit" and entry.format == ResourceFormat.TABLE and not entry.items.exists():
        raise ValidationFailed.for_field("items", "库表资源至少需要一个信息项")
    before = entry.status
    entry.status = target
    if action in REVIEW_ACTIONS:
        entry.reviewer = actor
        entry.review_comment = comment
    if action == "approve":
        entry.published_on = entry.published_on or timezone.localdate()
    entry.save()
    EntryTransition.objects.create(
        entry=entry, from_status=before, to_status=target, actor=actor, comment=comment
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
def entry_set_open_approval(*, actor: Any, entry: CatalogEntry, approved: bool) -> CatalogEntry:
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


# --- mounts --------------------------------------------------------------------------------------------


@transaction.atomic
def entry_mount_table(*, actor: Any, entry: CatalogEntry) -> CatalogEntry:
    """Create the platform-managed table from the entry's data items (idempotent once mounted)."""
    entry = CatalogEntry.objects.select_for_update().select_related("department").get(pk=entry.pk)
    require(actor, PERM_LOAD, entry.department)
    if entry.is_mounted_table:
        return entry
    if entry.mount_kind:
        raise Conflict("该资源已挂接为其他方式", code="already_mounted")
    if entry.format != ResourceFormat.TABLE:
        raise ValidationFailed.for_field("format", "只有“库表”格式的资源可以挂接库表")
    items = list(entry.items.all())
    if not items:
        raise ValidationFailed.for_field("items", "没有信息项，不能建表")
    name = tables.table_name(entry)
    if tables.table_exists(name):
        raise Conflict(f"数据表 {name} 已存在", code="table_exists")
    tables.create_table(entry, items)
    DataItem.objects.filter(entry=entry).update(mounted=True)
    entry.mount_kind = MountKind.TABLE
    entry.mount_table = name
    entry.mounted_at = timezone.now()
    entry.save(update_fields=["mount_kind", "mount_table", "mounted_at", "updated_at"])
    audit.record(
        actor=actor, action="datahub.entry.mount", subject=entry, after={"kind": "table", "table": name}
    )
    return entry


@transaction.atomic
def entry_mount_file(*, actor: Any, entry: CatalogEntry, filename: str, content: bytes) -> CatalogEntry:
    entry = CatalogEntry.objects.select_for_update().select_related("department").get(pk=entry.pk)
    require(actor, PERM_LOAD, entry.department)
    if entry.mount_kind not in ("", MountKind.FILE):
        raise Conflict("该资源已挂接为其他方式", code="already_mounted")
    if not content:
        raise ValidationFailed.for_field("file", "文件为空")
    safe = re.sub(r"[^\w.\-]+", "_", filename or "file")[-80:]
    entry.mount_file.save(safe, ContentFile(content), save=False)
    entry.mount_kind = MountKind.FILE
    entry.mounted_at = timezone.now()
    entry.last_loaded_at = entry.mounted_at
    entry.save()
    audit.record(
        actor=actor,
        action="datahub.entry.mount",
        subject=entry,
        after={"kind": "file", "name": safe, "sm3": sm3_hex(content)},
    )
    return entry


@transaction.atomic
def entry_mount_api(*, actor: Any, entry: CatalogEntry, url: str, description: str) -> CatalogEntry:
    entry = CatalogEntry.objects.select_for_update().select_related("department").get(pk=entry.pk)
    require(actor, PERM_LOAD, entry.department)
    if entry.mount_kind not in ("", MountKind.API):
        raise Conflict("该资源已挂接为其他方式", code="already_mounted")
    errs = _Errors()
    url = (url or "").strip()
    if not re.match(r"^https?://[^\s]{3,190}$", url):
        errs.add("url", "接口地址应为 http(s):// 开头的网址")
    if not (description or "").strip():
        errs.add("description", "请填写接口说明（调用方式、参数、返回字段）")
    errs.raise_if_any()
    entry.mount_kind = MountKind.API
    entry.api_url = url
    entry.api_description = description.strip()
    entry.mounted_at = timezone.now()
    entry.save()
    audit.record(actor=actor, action="datahub.entry.mount", subject=entry, after={"kind": "api", "url": url})
    return entry


# --- rows -----------------------------------------------------------------------------------------------


def _row_digest(values: dict[str, Any]) -> str:
    canonical = json.dumps(
        {k: tables.json_value(v) for k, v in sorted(values.items())},
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return sm3_hex(canonical.encode())


def _mounted(entry: CatalogEntry) -> CatalogEntry:
    entry = CatalogEntry.objects.select_for_update().select_related("department").get(pk=entry.pk)
    if not entry.is_mounted_table:
        raise Conflict("该资源尚未挂接库表", code="not_mounted")
    return entry


def _refresh_count(entry: CatalogEntry, *, loaded: bool) -> None:
    entry.row_count = tables.count_rows(entry)
    fields = ["row_count", "updated_at"]
    if loaded:
        entry.last_loaded_at = timezone.now()
        fields.append("last_loaded_at")
    entry.save(update_fields=fields)


def _insert(
    entry: CatalogEntry, model: Any, rows: list[dict[str, Any]], *, actor: Any, source: str, audit_rows: bool
) -> int:
    now = timezone.now()
    written = 0
    for start in range(0, len(rows), BATCH):
        chunk = rows[start : start + BATCH]
        objs = model.objects.bulk_create([model(_loaded_at=now, **row) for row in chunk])
        if audit_rows:
            ids = [o.pk for o in objs]
            if any(i is None for i in ids):  # backends without RETURNING on bulk insert
                ids = list(
                    model.objects.filter(_loaded_at=now)
                    .order_by("-_row_id")
                    .values_list("_row_id", flat=True)[: len(chunk)]
                )[::-1]
            RowChange.objects.bulk_create(
                [
                    RowChange(
                        entry=entry,
                        row_id=row_id,
                        action=RowChange.Action.INSERT,
                        actor=actor,
                        source=source,
                        row_sm3=_row_digest(row),
                    )
                    for row_id, row in zip(ids, chunk, strict=True)
                ]
            )
        written += len(chunk)
    return written


def _load_errors(errors: list[loading.RowError], total_label: str) -> ValidationFailed:
    shown = "；".join(str(e) for e in errors[:5])
    more = f"等 {len(errors)} 处" if len(errors) > 5 else ""
    return ValidationFailed(
        f"{total_label}有错误{more}，未写入任何数据：{shown}",
        errors=[e.as_dict() for e in errors],
        code="rows_invalid",
    )


@transaction.atomic
def rows_load_file(
    *, actor: Any, entry: CatalogEntry, filename: str, content: bytes, replace: bool = False
) -> dict[str, Any]:
    """Load a CSV (UTF-8/GB18030) or xlsx upload into the mounted table: all rows or none.

    ``replace`` deletes the current rows first (each logged as a delete). Returns counts.
    """
    entry = _mounted(entry)
    require(actor, PERM_LOAD, entry.department)
    lower = (filename or "").lower()
    if lower.endswith(".csv"):
        headers, raw_rows = loading.read_csv(content)
    elif lower.endswith(".xlsx"):
        headers, raw_rows = loading.read_xlsx(content)
    else:
        raise ValidationFailed.for_field("file", "只支持 .csv 和 .xlsx 文件", code="bad_file_type")
    max_rows = int(getattr(settings, "SHUZHENG_DATA_UPLOAD_MAX_ROWS", 200000))
    if len(raw_rows) > max_rows:
        raise ValidationFailed.for_field("file", f"单次最多装载 {max_rows} 行（本文件 {len(raw_rows)} 行）")
    items = [i for i in entry.items.all() if i.mounted]
    columns = loading.match_headers(headers, items)
    rows, errors = loading.convert_rows(columns, raw_rows)
    if errors:
        raise _load_errors(errors, "文件")
    return _write_rows(entry, rows, actor=actor, source="file", replace=replace, label=filename)


@transaction.atomic
def rows_insert(
    *,
    actor: Any,
    entry: CatalogEntry,
    rows: list[Any],
    replace: bool = False,
    audit_rows: bool = True,
    source: str = "api",
) -> dict[str, Any]:
    """Insert JSON rows (objects keyed by field name): all or none."""
    entry = _mounted(entry)
    require(actor, PERM_LOAD, entry.department)
    if not isinstance(rows, list) or not rows:
        raise ValidationFailed.for_field("rows", "rows 应为非空数组")
    items = [i for i in entry.items.all() if i.mounted]
    typed, errors = loading.convert_json_rows(items, rows)
    if errors:
        raise _load_errors(errors, "数据")
    return _write_rows(
        entry, typed, actor=actor, source=source, replace=replace, label="", audit_rows=audit_rows
    )


def _write_rows(
    entry: CatalogEntry,
    rows: list[dict[str, Any]],
    *,
    actor: Any,
    source: str,
    replace: bool,
    label: str,
    audit_rows: bool = True,
) -> dict[str, Any]:
    model = tables.build_model(entry)
    deleted = 0
    if replace:
        if audit_rows:
            ids = list(model.objects.values_list("_row_id", flat=True))
            RowChange.objects.bulk_create(
                [
                    RowChange(
                        entry=entry, row_id=i, action=RowChange.Action.DELETE, actor=actor, source=source
                    )
                    for i in ids
                ],
                batch_size=BATCH,
            )
        deleted = model.objects.all().delete()[0]
    inserted = _insert(entry, model, rows, actor=actor, source=source, audit_rows=audit_rows)
    _refresh_count(entry, loaded=True)
    result = {"inserted": inserted, "deleted": deleted, "row_count": entry.row_count}
    audit.record(
        actor=actor,
        action="datahub.rows.load",
        subject=entry,
        after={**result, "source": source, "file": label[:100]},
    )
    return result


@transaction.atomic
def row_update(*, actor: Any, entry: CatalogEntry, row_id: int, values: dict[str, Any]) -> dict[str, Any]:
    entry = _mounted(entry)
    require(actor, PERM_LOAD, entry.department)
    items = {i.name: i for i in entry.items.all() if i.mounted}
    model = tables.build_model(entry)
    obj = model.objects.filter(_row_id=row_id).first()
    if obj is None:
        raise NotFound("数据行不存在")
    errs = _Errors()
    for key, raw in values.items():
        item = items.get(key)
        if item is None:
            errs.add(key, f"“{key}”不是本资源的信息项")
            continue
        try:
            setattr(obj, key, loading.convert(item, raw))
        except ValueError as exc:
            errs.add(key, f"{item.label}：{exc}")
    errs.raise_if_any()
    obj._loaded_at = timezone.now()
    obj.save()
    row = {name: getattr(obj, name) for name in items}
    RowChange.objects.create(
        entry=entry,
        row_id=row_id,
        action=RowChange.Action.UPDATE,
        actor=actor,
        source="api",
        row_sm3=_row_digest(row),
    )
    entry.last_loaded_at = timezone.now()
    entry.save(update_fields=["last_loaded_at", "updated_at"])
    audit.record(
        actor=actor,
        action="datahub.rows.update",
        subject=entry,
        after={"row_id": row_id, "fields": sorted(values)},
    )
    return {"_row_id": row_id, **{k: tables.json_value(v) for k, v in row.items()}}


@transaction.atomic
def row_delete(*, actor: Any, entry: CatalogEntry, row_id: int) -> None:
    entry = _mounted(entry)
    require(actor, PERM_LOAD, entry.department)
    model = tables.build_model(entry)
    deleted = model.objects.filter(_row_id=row_id).delete()[0]
    if not deleted:
        raise NotFound("数据行不存在")
    RowChange.objects.create(
        entry=entry, row_id=row_id, action=RowChange.Action.DELETE, actor=actor, source="api"
    )
    _refresh_count(entry, loaded=False)
    audit.record(actor=actor, action="datahub.rows.delete", subject=entry, after={"row_id": row_id})


# --- sharing --------------------------------------------------------------------------------------------


def _grant_for(request: SharingRequest, *, fields: list[str], allow_clear_text: bool, actor: Any) -> Grant:
    return Grant.objects.create(
        request=request,
        entry=request.entry,
        department=request.requester_department,
        fields=fields,
        purpose=request.purpose,
        allow_clear_text=allow_clear_text,
        valid_from=request.period_start,
        valid_until=request.period_end,
    )


def request_snapshot(request: SharingRequest) -> dict[str, Any]:
    return {
        "entry": request.entry.code,
        "requester": request.requester_department.code,
        "provider": request.provider_department.code,
        "fields": request.fields,
        "status": request.status,
        "approved_fields": request.approved_fields,
        "period": [request.period_start.isoformat(), request.period_end.isoformat()],
    }


@transaction.atomic
def sharing_request_create(
    *,
    actor: Any,
    entry: CatalogEntry,
    requester_department: Department,
    purpose: str,
    legal_basis: str,
    fields: list[str],
    period_start: date,
    period_end: date,
    submitted_at: datetime | None = None,
) -> SharingRequest:
    """Department A asks for entry E of department B. 无条件共享 entries are granted at once; 不予共享
    entries cannot be requested; the decision is due within SHUZHENG_SHARING_DECISION_DAYS working days."""
    require(actor, PERM_REQUEST, requester_department)
    entry = CatalogEntry.objects.select_related("department").get(pk=entry.pk)
    if entry.status != EntryStatus.PUBLISHED:
        raise Conflict("只能申请已发布的数据资源", code="entry_not_published")
    if entry.sharing_type == SharingType.NONE:
        raise Conflict("该资源为“不予共享”，不能申请", code="not_shareable")
    if entry.department_id == requester_department.pk:
        raise ValidationFailed.for_field("requester_department", "不能申请本部门自己的资源")
    errs = _Errors()
    purpose = (purpose or "").strip()
    legal_basis = (legal_basis or "").strip()
    if not purpose:
        errs.add("purpose", "请填写用途")
    elif len(purpose) > 500:
        errs.add("purpose", "用途不能超过500个字")
    if not legal_basis:
        errs.add("legal_basis", "请填写依据（法律法规或职责文件）")
    elif len(legal_basis) > 500:
        errs.add("legal_basis", "依据不能超过500个字")
    known = [i.name for i in entry.items.all()]
    wanted = list(dict.fromkeys(str(f) for f in fields or []))
    unknown = [f for f in wanted if f not in known]
    if not wanted:
        errs.add("fields", "请选择申请的字段")
    elif unknown:
        errs.add("fields", f"字段不存在：{'、'.join(unknown[:10])}")
    if period_end < period_start:
        errs.add("period_end", "使用截止日期不能早于开始日期")
    elif period_end < timezone.localdate():
        errs.add("period_end", "使用截止日期已过")
    elif (period_end - period_start).days > 366 * 3:
        errs.add("period_end", "使用期限不能超过3年")
    errs.raise_if_any()
    submitted = submitted_at or timezone.now()
    request = SharingRequest.objects.create(
        entry=entry,
        requester_department=requester_department,
        provider_department=entry.department,
        requester=actor,
        purpose=purpose,
        legal_basis=legal_basis,
        fields=wanted,
        period_start=period_start,
        period_end=period_end,
        due_on=calendar.add_working_days(timezone.localtime(submitted), decision_days()),
    )
    if submitted_at is not None:
        SharingRequest.objects.filter(pk=request.pk).update(created_at=submitted_at)
        request.created_at = submitted_at
    if entry.sharing_type == SharingType.UNCONDITIONAL:
        request.status = SharingRequest.Status.APPROVED
        request.auto_granted = True
        request.decided_at = submitted
        request.approved_fields = wanted
        request.save()
        _grant_for(request, fields=wanted, allow_clear_text=False, actor=actor)
    audit.record(
        actor=actor, action="datahub.sharing.request", subject=request, after=request_snapshot(request)
    )
    return request


def _decidable(request: SharingRequest, actor: Any) -> SharingRequest:
    request = (
        SharingRequest.objects.select_for_update()
        .select_related("entry", "provider_department", "requester_department")
        .get(pk=request.pk)
    )
    require(actor, PERM_DECIDE, request.provider_department)
    if request.status != SharingRequest.Status.PENDING:
        raise Conflict(f"该申请已{request.get_status_display()}，不能重复审批", code="already_decided")
    return request


@transaction.atomic
def sharing_request_approve(
    *,
    actor: Any,
    request: SharingRequest,
    fields: list[str] | None = None,
    allow_clear_text: bool = False,
    period_end: date | None = None,
    decided_at: datetime | None = None,
) -> Grant:
    """B approves, possibly fewer fields (a subset of those asked for) and a shorter period. Clear text is
    only granted explicitly, and only matters for personal fields."""
    request = _decidable(request, actor)
    granted = list(dict.fromkeys(fields if fields is not None else request.fields))
    extra = [f for f in granted if f not in request.fields]
    errs = _Errors()
    if not granted:
        errs.add("fields", "至少同意一个字段；不同意请拒绝申请")
    elif extra:
        errs.add("fields", f"不能同意未申请的字段：{'、'.join(extra[:10])}")
    end = period_end or request.period_end
    if end > request.period_end or end < request.period_start:
        errs.add("period_end", "截止日期应在申请的使用期限之内")
    errs.raise_if_any()
    request.status = SharingRequest.Status.APPROVED
    request.approved_fields = granted
    request.decided_at = decided_at or timezone.now()
    request.decided_by = actor
    request.period_end = end
    request.save()
    grant = _grant_for(request, fields=granted, allow_clear_text=allow_clear_text, actor=actor)
    audit.record(
        actor=actor,
        action="datahub.sharing.approve",
        subject=request,
        after={**request_snapshot(request), "allow_clear_text": allow_clear_text},
    )
    return grant


@transaction.atomic
def sharing_request_refuse(
    *, actor: Any, request: SharingRequest, reason: str, decided_at: datetime | None = None
) -> SharingRequest:
    request = _decidable(request, actor)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed.for_field("reason", "拒绝须说明理由")
    if len(reason) > 500:
        raise ValidationFailed.for_field("reason", "理由不能超过500个字")
    request.status = SharingRequest.Status.REFUSED
    request.refusal_reason = reason
    request.decided_at = decided_at or timezone.now()
    request.decided_by = actor
    request.save()
    audit.record(
        actor=actor, action="datahub.sharing.refuse", subject=request, after=request_snapshot(request)
    )
    return request


@transaction.atomic
def grant_revoke(*, actor: Any, grant: Grant) -> Grant:
    grant = Grant.objects.select_for_update().select_related("entry__department").get(pk=grant.pk)
    require(actor, PERM_DECIDE, grant.entry.department)
    if grant.revoked_at is None:
        grant.revoked_at = timezone.now()
        grant.revoked_by = actor
        grant.save(update_fields=["revoked_at", "revoked_by", "updated_at"])
        ApiCredential.objects.filter(grant=grant, revoked_at__isnull=True).update(revoked_at=grant.revoked_at)
        audit.record(actor=actor, action="datahub.grant.revoke", subject=grant, after={"revoked": True})
    return grant


def hash_secret(secret: str) -> str:
    """Keyed SM3 (HMAC with the platform's index key) of a client secret."""
    return blind_index(secret)


@transaction.atomic
def credential_issue(
    *,
    actor: Any,
    grant: Grant,
    label: str = "",
    rate_limit_per_minute: int | None = None,
    client_id: str | None = None,
    secret: str | None = None,
    holder: Any = None,
) -> tuple[ApiCredential, str]:
    """A client id + secret for the grant; returns the secret in clear (shown once, stored hashed).

    ``client_id``, ``secret`` and ``holder`` (the person the access log names for it) are for the
    system only (demo and bench credentials that must be reproducible); people always get random ones
    and hold what they issue.
    """
    if actor is not None and (client_id or secret or holder is not None):
        raise PermissionDenied("只有系统可以指定凭证")
    grant = Grant.objects.select_related("department", "entry").get(pk=grant.pk)
    require(actor, PERM_CREDENTIAL, grant.department)
    if grant.revoked_at is not None:
        raise Conflict("授权已撤销，不能签发凭证", code="grant_revoked")
    if grant.valid_until < timezone.localdate():
        raise Conflict("授权已过期，不能签发凭证", code="grant_expired")
    limit = rate_limit_per_minute if rate_limit_per_minute is not None else default_rate_limit()
    if not 1 <= limit <= 100000:
        raise ValidationFailed.for_field("rate_limit_per_minute", "每分钟调用上限应在 1 到 100000 之间")
    client_id = client_id or f"dh_{secrets.token_hex(8)}"
    secret = secret or secrets.token_urlsafe(32)
    if ApiCredential.objects.filter(client_id=client_id).exists():
        raise Conflict("客户端标识已存在", code="client_id_taken")
    expires = timezone.make_aware(datetime.combine(grant.valid_until + timedelta(days=1), time.min))
    credential = ApiCredential.objects.create(
        grant=grant,
        client_id=client_id,
        secret_hash=hash_secret(secret),
        label=(label or "").strip()[:64],
        rate_limit_per_minute=limit,
        expires_at=expires,
        created_by=actor if actor is not None else holder,
    )
    audit.record(
        actor=actor,
        action="datahub.credential.issue",
        subject=credential,
        after={"client_id": client_id, "grant": grant.pk, "rate_limit": limit},
    )
    return credential, secret


@transaction.atomic
def credential_revoke(*, actor: Any, credential: ApiCredential) -> ApiCredential:
    credential = (
        ApiCredential.objects.select_for_update()
        .select_related("grant__department", "grant__entry__department")
        .get(pk=credential.pk)
    )
    if actor is not None:
        try:
            require(actor, PERM_CREDENTIAL, credential.grant.department)
        except PermissionDenied:
            require(actor, PERM_DECIDE, credential.grant.entry.department)
    if credential.revoked_at is None:
        credential.revoked_at = timezone.now()
        credential.save(update_fields=["revoked_at", "updated_at"])
        audit.record(
            actor=actor, action="datahub.credential.revoke", subject=credential, after={"revoked": True}
        )
    return credential


# --- open data ------------------------------------------------------------------------------------------


def can_open(entry: CatalogEntry) -> bool:
    if entry.status != EntryStatus.PUBLISHED or not entry.is_mounted_table:
        return False
    return entry.openness == Openness.OPEN or (entry.openness == Openness.CONDITIONAL and entry.open_approved)


@transaction.atomic
def dataset_publish(
    *,
    actor: Any,
    entry: CatalogEntry,
    name: str = "",
    title: str = "",
    notes: str = "",
    tags: Iterable[str] = (),
    topics: Iterable[OpenTopic] = (),
    license_id: str = "cc-by-4.0",
) -> OpenDataset:
    """Publish (or re-publish) an open entry as an open dataset with CSV, XLSX and JSON resources.

    Only 开放 entries, or 有条件开放 ones whose opening was approved, with a mounted table qualify.
    """
    entry = CatalogEntry.objects.select_related("department").get(pk=entry.pk)
    require(actor, PERM_PUBLISH, entry.department)
    if not can_open(entry):
        raise Conflict(
            "只有已发布、已挂接库表且属性为“开放”（或已批准的“有条件开放”）的资源可以开放",
            code="not_openable",
        )
    name = (name or f"ep-{entry.pk}").strip().lower()
    errs = _Errors()
    if not DATASET_NAME.match(name):
        errs.add("name", "数据集标识应为 2–100 位小写字母、数字、- 或 _")
    elif OpenDataset.objects.filter(name=name).exclude(entry=entry).exists():
        errs.add("name", f"数据集标识“{name}”已被使用")
    clean_tags = [t.strip()[:100] for t in tags if t and t.strip()]
    if len(clean_tags) > 30:
        errs.add("tags", "标签不能超过30个")
    if len(title or "") > 200:
        errs.add("title", "标题不能超过200个字")
    errs.raise_if_any()
    dataset, created = OpenDataset.objects.get_or_create(
        entry=entry,
        defaults={"name": name, "title": title or entry.name, "department": entry.department},
    )
    dataset.name = name
    dataset.title = (title or entry.name).strip()
    dataset.notes = (notes or entry.abstract).strip()
    dataset.license_id = license_id
    dataset.department = entry.department
    dataset.state = OpenDataset.State.ACTIVE
    dataset.published_at = timezone.now()
    dataset.published_by = actor
    dataset.save()
    tag_objs = [OpenTag.objects.get_or_create(name=t)[0] for t in dict.fromkeys(clean_tags)]
    dataset.tags.set(tag_objs)
    dataset.topics.set(list(topics))
    for fmt in OpenResource.GENERATED:
        OpenResource.objects.get_or_create(
            dataset=dataset, format=fmt, url="", defaults={"name": f"{dataset.title}（{fmt}）"}
        )
    from shuzheng.core import fulltext

    text = f"{dataset.title} {dataset.notes} {' '.join(clean_tags)} {entry.department.name}"
    fulltext.index("datahub.open", dataset.pk, text)
    audit.record(
        actor=actor,
        action="datahub.open.publish",
        subject=dataset,
        after={"name": dataset.name, "entry": entry.code, "created": created},
    )
    return dataset


@transaction.atomic
def dataset_unpublish(*, actor: Any, dataset: OpenDataset) -> OpenDataset:
    dataset = OpenDataset.objects.select_related("department").get(pk=dataset.pk)
    require(actor, PERM_PUBLISH, dataset.department)
    if dataset.state != OpenDataset.State.DELETED:
        dataset.state = OpenDataset.State.DELETED
        dataset.save(update_fields=["state", "updated_at"])
        from shuzheng.core import fulltext

        fulltext.remove("datahub.open", dataset.pk)
        audit.record(
            actor=actor, action="datahub.open.unpublish", subject=dataset, after={"name": dataset.name}
        )
    return dataset


@transaction.atomic
def resource_add(
    *,
    actor: Any,
    dataset: OpenDataset,
    name: str,
    url: str,
    format: str,
    description: str = "",
) -> OpenResource:
    """An external resource (a link: API documentation, a PDF…) of an open dataset (CKAN resource_create)."""
    dataset = OpenDataset.objects.select_related("department").get(pk=dataset.pk)
    require(actor, PERM_PUBLISH, dataset.department)
    errs = _Errors()
    name = (name or "").strip()
    fmt = (format or "").strip().upper()
    if not name or len(name) > 200:
        errs.add("name", "资源名称不能为空且不超过200个字")
    if not re.match(r"^https?://[^\s]{3,490}$", url or ""):
        errs.add("url", "外部地址应为 http(s):// 开头的网址")
    if not re.match(r"^[A-Z0-9]{1,16}$", fmt):
        errs.add("format", "格式应为 1–16 位字母或数字，如 API、PDF")
    errs.raise_if_any()
    resource = OpenResource.objects.create(
        dataset=dataset, name=name, url=url, format=fmt, description=(description or "").strip()
    )
    audit.record(
        actor=actor, action="datahub.open.resource", subject=resource, after={"url": url, "format": fmt}
    )
    return resource


def resource_download_record(*, resource: OpenResource) -> None:
    """Count a download of an open resource (and of its dataset); no audit: the public reads it."""
    from django.db.models import F

    OpenResource.objects.filter(pk=resource.pk).update(download_count=F("download_count") + 1)
    OpenDataset.objects.filter(pk=resource.dataset_id).update(download_count=F("download_count") + 1)


@transaction.atomic
def topic_ensure(*, actor: Any, name: str, title: str, description: str = "") -> OpenTopic:
    require(actor, PERM_PUBLISH, None)
    if not DATASET_NAME.match(name or ""):
        raise ValidationFailed.for_field("name", "主题标识应为 2–100 位小写字母、数字、- 或 _")
    topic, created = OpenTopic.objects.get_or_create(
        name=name, defaults={"title": title, "description": description}
    )
    if created:
        audit.record(
            actor=actor, action="datahub.open.topic", subject=topic, after={"name": name, "title": title}
        )
    return topic


# --- open data: edits through the CKAN Action API ----------------------------------------------------

#: File types a publisher may attach to an open dataset (resource_create with an upload).
RESOURCE_FILE_TYPES: Final = frozenset(
    {"csv", "xlsx", "xls", "json", "pdf", "zip", "txt", "xml", "geojson", "docx", "doc", "ofd", "png", "jpg"}
)


def dataset_snapshot(dataset: OpenDataset) -> dict[str, Any]:
    return {
        "name": dataset.name,
        "title": dataset.title,
        "notes": dataset.notes[:500],
        "license_id": dataset.license_id,
        "state": dataset.state,
        "tags": sorted(t.name for t in dataset.tags.all()),
        "topics": sorted(t.name for t in dataset.topics.all()),
    }


@transaction.atomic
def dataset_update(
    *,
    actor: Any,
    dataset: OpenDataset,
    name: str,
    title: str,
    notes: str = "",
    tags: Iterable[str] = (),
    topics: Iterable[OpenTopic] = (),
    license_id: str = "cc-by-4.0",
    active: bool = True,
) -> OpenDataset:
    """Replace a dataset's metadata (CKAN package_update): name, title, description, licence, tags and
    topics; ``active=False`` takes it off the portal, ``active=True`` re-opens a withdrawn one (only while
    its catalog entry may still be opened). Its providing department follows the catalog entry."""
    dataset = OpenDataset.objects.select_for_update().select_related("department", "entry").get(pk=dataset.pk)
    require(actor, PERM_PUBLISH, dataset.department)
    before = dataset_snapshot(dataset)
    errs = _Errors()
    name = (name or "").strip().lower()
    title = (title or "").strip() or dataset.entry.name
    if not DATASET_NAME.match(name):
        errs.add("name", "数据集标识应为 2–100 位小写字母、数字、- 或 _")
    elif OpenDataset.objects.filter(name=name).exclude(pk=dataset.pk).exists():
        errs.add("name", f"数据集标识“{name}”已被使用")
    if len(title) > 200:
        errs.add("title", "标题不能超过200个字")
    clean_tags = list(dict.fromkeys(t.strip() for t in tags if t and t.strip()))
    if len(clean_tags) > 30:
        errs.add("tags", "标签不能超过30个")
    if any(len(t) > 100 for t in clean_tags):
        errs.add("tags", "每个标签不能超过100个字")
    if not re.match(r"^[A-Za-z0-9._-]{1,64}$", license_id or ""):
        errs.add("license_id", "许可协议标识应为 1–64 位字母、数字、点、- 或 _")
    errs.raise_if_any()
    if active and dataset.state == OpenDataset.State.DELETED and not can_open(dataset.entry):
        raise Conflict(
            "该数据集对应的数据目录已不满足开放条件（已发布、已挂接库表且属性为“开放”），不能重新开放",
            code="not_openable",
        )
    dataset.name = name
    dataset.title = title
    dataset.notes = (notes or "").strip()
    dataset.license_id = license_id
    if active and dataset.state == OpenDataset.State.DELETED:
        dataset.published_at = timezone.now()
        dataset.published_by = actor
    dataset.state = OpenDataset.State.ACTIVE if active else OpenDataset.State.DELETED
    dataset.save()
    dataset.tags.set([OpenTag.objects.get_or_create(name=t)[0] for t in clean_tags])
    dataset.topics.set(list(topics))
    from shuzheng.core import fulltext

    if active:
        text = f"{dataset.title} {dataset.notes} {' '.join(clean_tags)} {dataset.department.name}"
        fulltext.index("datahub.open", dataset.pk, text)
    else:
        fulltext.remove("datahub.open", dataset.pk)
    audit.record(
        actor=actor,
        action="datahub.open.update",
        subject=dataset,
        before=before,
        after=dataset_snapshot(dataset),
    )
    return dataset


def _resource_fields(errs: _Errors, name: str, format: str) -> tuple[str, str]:
    name = (name or "").strip()
    fmt = (format or "").strip().upper()
    if not name or len(name) > 200:
        errs.add("name", "资源名称不能为空且不超过200个字")
    if not re.match(r"^[A-Z0-9]{1,16}$", fmt):
        errs.add("format", "格式应为 1–16 位字母或数字，如 API、PDF")
    return name, fmt


@transaction.atomic
def resource_upload(
    *,
    actor: Any,
    dataset: OpenDataset,
    name: str,
    filename: str,
    content: bytes,
    format: str = "",
    description: str = "",
    url_for: Any,
) -> OpenResource:
    """A file attached to an open dataset (CKAN resource_create with ``upload``). ``url_for(resource)``
    gives the address the file is served at, stored as the resource's ``url``."""
    dataset = OpenDataset.objects.select_related("department").get(pk=dataset.pk)
    require(actor, PERM_PUBLISH, dataset.department)
    errs = _Errors()
    base = re.sub(r"[^\w.\-]+", "_", (filename or "").replace("\\", "/").rsplit("/", 1)[-1]).strip("._")
    extension = base.rsplit(".", 1)[-1].lower() if "." in base else ""
    if not base or extension not in RESOURCE_FILE_TYPES:
        errs.add("upload", f"上传文件的类型不受支持（可用：{'、'.join(sorted(RESOURCE_FILE_TYPES))}）")
    if not content:
        errs.add("upload", "上传的文件是空的")
    name, fmt = _resource_fields(errs, name or base, format or extension)
    errs.raise_if_any()
    resource = OpenResource(
        dataset=dataset, name=name, format=fmt, description=(description or "").strip(), url="https://pending"
    )
    resource.save()
    resource.file.save(base[-120:], ContentFile(content), save=False)
    resource.url = url_for(resource)
    resource.save(update_fields=["file", "url", "updated_at"])
    audit.record(
        actor=actor,
        action="datahub.open.resource",
        subject=resource,
        after={"file": resource.file.name, "format": fmt, "bytes": len(content), "sm3": sm3_hex(content)},
    )
    return resource


@transaction.atomic
def resource_update(
    *,
    actor: Any,
    resource: OpenResource,
    name: str,
    format: str,
    url: str | None = None,
    description: str = "",
) -> OpenResource:
    """Edit an attached resource (link or uploaded file); the generated CSV/XLSX/JSON follow the table."""
    resource = OpenResource.objects.select_related("dataset__department").get(pk=resource.pk)
    require(actor, PERM_PUBLISH, resource.dataset.department)
    if not resource.url:
        raise Conflict("由库表生成的资源不能修改", code="generated_resource")
    before = {"name": resource.name, "format": resource.format, "url": resource.url}
    errs = _Errors()
    name, fmt = _resource_fields(errs, name, format)
    if url is not None and not resource.file and not re.match(r"^https?://[^\s]{3,490}$", url):
        errs.add("url", "外部地址应为 http(s):// 开头的网址")
    errs.raise_if_any()
    resource.name, resource.format = name, fmt
    resource.description = (description or "").strip()
    if url is not None and not resource.file:
        resource.url = url
    resource.save()
    audit.record(
        actor=actor,
        action="datahub.open.resource_update",
        subject=resource,
        before=before,
        after={"name": resource.name, "format": resource.format, "url": resource.url},
    )
    return resource


@transaction.atomic
def resource_delete(*, actor: Any, resource: OpenResource) -> None:
    """Remove an attached resource (link or uploaded file) from its dataset."""
    resource = OpenResource.objects.select_related("dataset__department").get(pk=resource.pk)
    require(actor, PERM_PUBLISH, resource.dataset.department)
    if not resource.url:
        raise Conflict("由库表生成的资源不能删除", code="generated_resource")
    audit.record(
        actor=actor,
        action="datahub.open.resource_delete",
        subject=resource,
        before={"name": resource.name, "format": resource.format, "url": resource.url},
    )
    stored = resource.file.name if resource.file else ""
    resource.delete()
    if stored:
        storage = OpenResource._meta.get_field("file").storage
        transaction.on_commit(lambda: storage.delete(stored))
