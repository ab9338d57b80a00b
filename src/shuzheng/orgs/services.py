"""Every write to the organisation: divisions, departments, halls, windows, kiosks, grids, grid workers.

Each service validates (Chinese messages naming the field, nothing written on failure), computes tree
paths, and writes its audit event in the same transaction. Update services take only the fields to
change; leaving a keyword at `UNSET` keeps the stored value.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any, Final, TypeVar

from django.db import models, transaction
from django.db.models import Value
from django.db.models.functions import Concat, Substr

from shuzheng.core import audit
from shuzheng.core.errors import ValidationFailed
from shuzheng.core.masking import mask_mobile
from shuzheng.core.validators import validate_division_code, validate_mobile, validate_uscc
from shuzheng.orgs.models import Department, Division, Grid, GridWorker, Hall, Kiosk, Window


class _Unset:
    """Marker for "keep the stored value" in update services."""

    _instance: _Unset | None = None

    def __new__(cls) -> _Unset:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "UNSET"

    def __bool__(self) -> bool:
        return False


UNSET: Final = _Unset()

M = TypeVar("M", bound=models.Model)

# Rank of each division level (a child ranks strictly below its parent), the code length each level
# uses (GB/T 2260 six digits, then the statistical 9- and 12-digit codes), and how many leading digits
# of a parent's code its children share.
LEVEL_RANK: Final = {
    Division.Level.PROVINCE: 0,
    Division.Level.PREFECTURE: 1,
    Division.Level.CITY: 2,
    Division.Level.TOWN: 3,
    Division.Level.VILLAGE: 4,
}
CODE_LENGTH: Final = {
    Division.Level.PROVINCE: 6,
    Division.Level.PREFECTURE: 6,
    Division.Level.CITY: 6,
    Division.Level.TOWN: 9,
    Division.Level.VILLAGE: 12,
}
SHARED_PREFIX: Final = {
    Division.Level.PROVINCE: 2,
    Division.Level.PREFECTURE: 4,
    Division.Level.CITY: 6,
    Division.Level.TOWN: 9,
}
# Which division levels a hall of each level may sit in.
HALL_DIVISION_LEVELS: Final = {
    Hall.Level.CITY: {Division.Level.PROVINCE, Division.Level.PREFECTURE, Division.Level.CITY},
    Hall.Level.TOWN: {Division.Level.TOWN},
    Hall.Level.VILLAGE: {Division.Level.VILLAGE},
}
# Department, hall, kiosk and grid codes: letters, digits, "-", "_" and "."; never "/" (paths use it).
CODE_RE: Final = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$")
CODE_HINT: Final = "只能包含字母、数字、“-”“_”“.”，不超过32位"


class _Errors:
    """Collects field errors so one response names every bad field."""

    def __init__(self) -> None:
        self.items: list[dict[str, Any]] = []

    def add(self, field: str, message: str) -> None:
        self.items.append({"field": field, "message": message})

    def extend(self, error: ValidationFailed) -> None:
        self.items.extend(error.errors or [{"field": "", "message": error.detail}])

    def raise_if_any(self) -> None:
        if self.items:
            detail = "；".join(f"{e['message']}" for e in self.items)
            raise ValidationFailed(detail, errors=list(self.items))


def _text(value: str | None) -> str:
    return (value or "").strip()


def _required_text(errs: _Errors, field: str, label: str, value: str, max_length: int) -> None:
    if not value:
        errs.add(field, f"{label}不能为空")
    elif len(value) > max_length:
        errs.add(field, f"{label}不能超过{max_length}个字")


def _max_text(errs: _Errors, field: str, label: str, value: str, max_length: int) -> None:
    if len(value) > max_length:
        errs.add(field, f"{label}不能超过{max_length}个字")


def _check_code(errs: _Errors, field: str, label: str, code: str) -> None:
    if not code:
        errs.add(field, f"{label}不能为空")
    elif not CODE_RE.match(code):
        errs.add(field, f"{label}“{code}”格式不正确：{CODE_HINT}")


def _pk(instance: models.Model | None) -> Any:
    """The instance's pk, or 0 (no row has it) so `.exclude(pk=...)` excludes nothing for a new row."""
    return instance.pk if instance is not None and instance.pk else 0


def _fresh(obj: Any) -> Any:
    """The row as stored now (callers may hold a stale copy whose path or state has since changed)."""
    if obj is None or obj is UNSET:
        return obj
    return type(obj)._default_manager.get(pk=obj.pk)


def _fresh_many(objs: Any) -> Any:
    if objs is UNSET:
        return objs
    objs = list(objs)
    if not objs:
        return objs
    found = {o.pk: o for o in type(objs[0])._default_manager.filter(pk__in=[o.pk for o in objs])}
    return [found[o.pk] for o in objs if o.pk in found]


def _pick(new: Any, old: Any) -> Any:
    return old if new is UNSET else new


def _changed(obj: models.Model, values: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in values.items() if getattr(obj, k) != v}


def _move_subtree(model: type[models.Model], *, old_path: str, new_path: str, root_pk: Any) -> int:
    """Rewrite the path prefix of every descendant of the node formerly at `old_path`."""
    if old_path == new_path:
        return 0
    return (
        model._default_manager.filter(path__startswith=old_path)
        .exclude(pk=root_pk)
        .update(path=Concat(Value(new_path), Substr("path", len(old_path) + 1)))
    )


# --- snapshots (JSON, no clear-text personal data) -------------------------------------------------


def division_snapshot(division: Division) -> dict[str, Any]:
    return {
        "code": division.code,
        "name": division.name,
        "level": division.level,
        "parent_id": division.parent_id,
        "path": division.path,
        "is_generated": division.is_generated,
        "is_active": division.is_active,
    }


def department_snapshot(department: Department) -> dict[str, Any]:
    data: dict[str, Any] = {
        "code": department.code,
        "name": department.name,
        "short_name": department.short_name,
        "uscc": department.uscc,
        "parent_id": department.parent_id,
        "path": department.path,
        "division_id": department.division_id,
        "is_active": department.is_active,
    }
    if department.pk:
        data["serves"] = sorted(department.serves.values_list("code", flat=True))
    return data


def hall_snapshot(hall: Hall) -> dict[str, Any]:
    return {
        "code": hall.code,
        "name": hall.name,
        "level": hall.level,
        "division_id": hall.division_id,
        "address": hall.address,
        "opening_hours": hall.opening_hours,
        "phone": hall.phone,
        "is_active": hall.is_active,
    }


def window_snapshot(window: Window) -> dict[str, Any]:
    return {
        "hall_id": window.hall_id,
        "number": window.number,
        "name": window.name,
        "kind": window.kind,
        "department_id": window.department_id,
        "is_active": window.is_active,
    }


def kiosk_snapshot(kiosk: Kiosk) -> dict[str, Any]:
    return {
        "code": kiosk.code,
        "kind": kiosk.kind,
        "name": kiosk.name,
        "division_id": kiosk.division_id,
        "hall_id": kiosk.hall_id,
        "bank_name": kiosk.bank_name,
        "bank_outlet": kiosk.bank_outlet,
        "address": kiosk.address,
        "is_active": kiosk.is_active,
    }


def grid_snapshot(grid: Grid) -> dict[str, Any]:
    return {
        "code": grid.code,
        "name": grid.name,
        "division_id": grid.division_id,
        "is_active": grid.is_active,
    }


def grid_worker_snapshot(worker: GridWorker) -> dict[str, Any]:
    return {
        "grid_id": worker.grid_id,
        "user_id": worker.user_id,
        "name": worker.name,
        "phone": mask_mobile(worker.phone) if worker.phone else "",
        "is_active": worker.is_active,
    }


# --- divisions ------------------------------------------------------------------------------------


def division_path(*, code: str, parent: Division | None) -> str:
    return f"{parent.path if parent else '/'}{code}/"


def division_validate(
    *,
    code: str,
    name: str,
    level: str,
    parent: Division | None,
    instance: Division | None = None,
) -> None:
    """Raise ValidationFailed naming every bad field; used by the services and the admin form."""
    errs = _Errors()
    _required_text(errs, "name", "名称", name, 64)
    level_ok = level in Division.Level.values
    if not level_ok:
        errs.add("level", f"层级“{level}”无效，应为：{'、'.join(Division.Level.labels)}")
    if not code:
        errs.add("code", "区划代码不能为空")
    else:
        try:
            validate_division_code(code, field="code")
        except ValidationFailed as exc:
            errs.extend(exc)
        else:
            if level_ok and len(code) != CODE_LENGTH[Division.Level(level)]:
                errs.add(
                    "code",
                    f"{Division.Level(level).label}级区划代码应为{CODE_LENGTH[Division.Level(level)]}位数字",
                )
    if parent is not None:
        if not parent.is_active and (instance is None or instance.parent_id != parent.pk):
            errs.add("parent", f"上级区划“{parent.name}”已停用")
        if level_ok and LEVEL_RANK[Division.Level(level)] <= LEVEL_RANK[Division.Level(parent.level)]:
            errs.add("level", f"{Division.Level(level).label}不能作为{parent.get_level_display()}的下级")
        elif code:
            prefix = parent.code[: SHARED_PREFIX.get(Division.Level(parent.level), len(parent.code))]
            if not code.startswith(prefix) or code == parent.code:
                errs.add("code", f"区划代码“{code}”应以上级区划代码前缀“{prefix}”开头")
        if instance is not None and instance.pk and parent.path.startswith(instance.path):
            errs.add("parent", "不能把区划移动到它自身或它的下级之下")
    if code and Division.objects.filter(code=code).exclude(pk=_pk(instance)).exists():
        errs.add("code", f"区划代码“{code}”已存在")
    if instance is not None and instance.pk and level_ok and code:
        for child in instance.children.all():
            child_prefix = code[: SHARED_PREFIX.get(Division.Level(level), len(code))]
            if LEVEL_RANK[Division.Level(child.level)] <= LEVEL_RANK[Division.Level(level)]:
                errs.add("level", f"下级区划“{child.name}”的层级与新层级冲突")
                break
            if not child.code.startswith(child_prefix):
                errs.add("code", f"下级区划“{child.name}”的代码与新代码前缀不一致，请先调整下级")
                break
    errs.raise_if_any()


def clean_division_code(code: str | None) -> str:
    """Normalised code (full-width digits, spaces removed) when valid, else the stripped input."""
    try:
        return validate_division_code(code or "", field="code")
    except ValidationFailed:
        return _text(code)


@transaction.atomic
def division_create(
    *,
    actor: Any,
    code: str,
    name: str,
    level: str,
    parent: Division | None = None,
    is_generated: bool = False,
) -> Division:
    parent = _fresh(parent)
    code, name = clean_division_code(code), _text(name)
    division_validate(code=code, name=name, level=level, parent=parent)
    division = Division.objects.create(
        code=code,
        name=name,
        level=level,
        parent=parent,
        path=division_path(code=code, parent=parent),
        is_generated=is_generated,
    )
    audit.record(
        actor=actor, action="orgs.division.create", subject=division, after=division_snapshot(division)
    )
    return division


@transaction.atomic
def division_update(
    *,
    actor: Any,
    division: Division,
    code: str | _Unset = UNSET,
    name: str | _Unset = UNSET,
    level: str | _Unset = UNSET,
    parent: Division | _Unset | None = UNSET,
    is_generated: bool | _Unset = UNSET,
) -> Division:
    """Change fields; changing code or parent moves the node and rewrites its subtree's paths."""
    parent = _fresh(parent)
    division = Division.objects.select_for_update().get(pk=division.pk)
    new_code = clean_division_code(_pick(code, division.code))
    new_name = _text(_pick(name, division.name))
    new_level = _pick(level, division.level)
    new_parent = _pick(parent, division.parent)
    division_validate(code=new_code, name=new_name, level=new_level, parent=new_parent, instance=division)
    values = {
        "code": new_code,
        "name": new_name,
        "level": new_level,
        "parent_id": new_parent.pk if new_parent else None,
        "path": division_path(code=new_code, parent=new_parent),
        "is_generated": _pick(is_generated, division.is_generated),
    }
    changes = _changed(division, values)
    if not changes:
        return division
    before = division_snapshot(division)
    old_path = division.path
    for key, value in changes.items():
        setattr(division, key, value)
    division.save()
    _move_subtree(Division, old_path=old_path, new_path=division.path, root_pk=division.pk)
    audit.record(
        actor=actor,
        action="orgs.division.update",
        subject=division,
        before=before,
        after=division_snapshot(division),
    )
    return division


@transaction.atomic
def division_deactivate(*, actor: Any, division: Division) -> Division:
    division = Division.objects.select_for_update().get(pk=division.pk)
    if not division.is_active:
        return division
    if division.children.filter(is_active=True).exists():
        raise ValidationFailed.for_field(
            "is_active", f"“{division.name}”仍有启用的下级区划，请先停用下级区划"
        )
    before = division_snapshot(division)
    division.is_active = False
    division.save(update_fields=["is_active", "updated_at"])
    audit.record(
        actor=actor,
        action="orgs.division.deactivate",
        subject=division,
        before=before,
        after=division_snapshot(division),
    )
    return division


@transaction.atomic
def division_activate(*, actor: Any, division: Division) -> Division:
    division = Division.objects.select_for_update().get(pk=division.pk)
    if division.is_active:
        return division
    if division.parent is not None and not division.parent.is_active:
        raise ValidationFailed.for_field(
            "is_active", f"上级区划“{division.parent.name}”已停用，请先启用上级区划"
        )
    before = division_snapshot(division)
    division.is_active = True
    division.save(update_fields=["is_active", "updated_at"])
    audit.record(
        actor=actor,
        action="orgs.division.activate",
        subject=division,
        before=before,
        after=division_snapshot(division),
    )
    return division


# --- departments ----------------------------------------------------------------------------------


def department_path(*, code: str, parent: Department | None) -> str:
    return f"{parent.path if parent else '/'}{code}/"


def normalise_department_code(code: str | None) -> str:
    return _text(code).upper()


def _clean_uscc(uscc: str | None) -> str:
    if not _text(uscc):
        return ""
    try:
        return validate_uscc(uscc or "", field="uscc")
    except ValidationFailed:
        return _text(uscc).upper()


def department_validate(
    *,
    code: str,
    name: str,
    short_name: str,
    uscc: str,
    parent: Department | None,
    division: Division | None,
    instance: Department | None = None,
) -> None:
    errs = _Errors()
    pk = _pk(instance)
    _check_code(errs, "code", "部门编码", code)
    if code and Department.objects.filter(code=code).exclude(pk=pk).exists():
        errs.add("code", f"部门编码“{code}”已存在")
    _required_text(errs, "name", "部门名称", name, 128)
    if name and Department.objects.filter(name=name).exclude(pk=pk).exists():
        errs.add("name", f"部门名称“{name}”已存在")
    _max_text(errs, "short_name", "简称", short_name, 32)
    if uscc:
        try:
            validate_uscc(uscc, field="uscc")
        except ValidationFailed as exc:
            errs.extend(exc)
    if division is None:
        errs.add("division", "所在区划不能为空")
    elif not division.is_active and (instance is None or instance.division_id != division.pk):
        errs.add("division", f"区划“{division.name}”已停用")
    if parent is not None:
        if instance is not None and pk and parent.path.startswith(instance.path):
            errs.add("parent", "不能把部门移动到它自身或它的下级之下")
        elif not parent.is_active and (instance is None or instance.parent_id != parent.pk):
            errs.add("parent", f"上级部门“{parent.name}”已停用")
    errs.raise_if_any()


def _check_serves(serves: Iterable[Division]) -> list[Division]:
    result = list(dict.fromkeys(serves))
    inactive = [d.name for d in result if not d.is_active]
    if inactive:
        raise ValidationFailed.for_field("serves", f"服务区划已停用：{'、'.join(inactive)}")
    return result


@transaction.atomic
def department_create(
    *,
    actor: Any,
    code: str,
    name: str,
    division: Division,
    short_name: str = "",
    uscc: str = "",
    parent: Department | None = None,
    serves: Iterable[Division] = (),
) -> Department:
    parent = _fresh(parent)
    division = _fresh(division)
    serves = _fresh_many(serves)
    code, name, short_name = normalise_department_code(code), _text(name), _text(short_name)
    uscc = _clean_uscc(uscc)
    department_validate(
        code=code, name=name, short_name=short_name, uscc=uscc, parent=parent, division=division
    )
    serve_list = _check_serves(serves)
    department = Department.objects.create(
        code=code,
        name=name,
        short_name=short_name,
        uscc=uscc,
        parent=parent,
        division=division,
        path=department_path(code=code, parent=parent),
    )
    if serve_list:
        department.serves.set(serve_list)
    audit.record(
        actor=actor,
        action="orgs.department.create",
        subject=department,
        after=department_snapshot(department),
    )
    return department


@transaction.atomic
def department_update(
    *,
    actor: Any,
    department: Department,
    code: str | _Unset = UNSET,
    name: str | _Unset = UNSET,
    short_name: str | _Unset = UNSET,
    uscc: str | _Unset = UNSET,
    parent: Department | _Unset | None = UNSET,
    division: Division | _Unset = UNSET,
    serves: Iterable[Division] | _Unset = UNSET,
) -> Department:
    parent = _fresh(parent)
    division = _fresh(division)
    serves = _fresh_many(serves)
    department = Department.objects.select_for_update().get(pk=department.pk)
    new_code = normalise_department_code(_pick(code, department.code))
    new_name = _text(_pick(name, department.name))
    new_short = _text(_pick(short_name, department.short_name))
    new_uscc = _clean_uscc(_pick(uscc, department.uscc))
    new_parent = _pick(parent, department.parent)
    new_division = _pick(division, department.division)
    department_validate(
        code=new_code,
        name=new_name,
        short_name=new_short,
        uscc=new_uscc,
        parent=new_parent,
        division=new_division,
        instance=department,
    )
    values = {
        "code": new_code,
        "name": new_name,
        "short_name": new_short,
        "uscc": new_uscc,
        "parent_id": new_parent.pk if new_parent else None,
        "division_id": new_division.pk,
        "path": department_path(code=new_code, parent=new_parent),
    }
    changes = _changed(department, values)
    serve_change = False
    serve_list: list[Division] = []
    if not isinstance(serves, _Unset):
        current = set(department.serves.values_list("pk", flat=True))
        serve_list = list(dict.fromkeys(serves))
        serve_change = current != {d.pk for d in serve_list}
        if serve_change:
            added = [d for d in serve_list if d.pk not in current]
            _check_serves(added)
    if not changes and not serve_change:
        return department
    before = department_snapshot(department)
    old_path = department.path
    if changes:
        for key, value in changes.items():
            setattr(department, key, value)
        department.save()
        _move_subtree(Department, old_path=old_path, new_path=department.path, root_pk=department.pk)
    if serve_change:
        department.serves.set(serve_list)
    audit.record(
        actor=actor,
        action="orgs.department.update",
        subject=department,
        before=before,
        after=department_snapshot(department),
    )
    return department


@transaction.atomic
def department_deactivate(*, actor: Any, department: Department) -> Department:
    department = Department.objects.select_for_update().get(pk=department.pk)
    if not department.is_active:
        return department
    if department.children.filter(is_active=True).exists():
        raise ValidationFailed.for_field(
            "is_active", f"“{department.name}”仍有启用的下级部门，请先停用下级部门"
        )
    before = department_snapshot(department)
    department.is_active = False
    department.save(update_fields=["is_active", "updated_at"])
    audit.record(
        actor=actor,
        action="orgs.department.deactivate",
        subject=department,
        before=before,
        after=department_snapshot(department),
    )
    return department


@transaction.atomic
def department_activate(*, actor: Any, department: Department) -> Department:
    department = Department.objects.select_for_update().get(pk=department.pk)
    if department.is_active:
        return department
    if department.parent is not None and not department.parent.is_active:
        raise ValidationFailed.for_field(
            "is_active", f"上级部门“{department.parent.name}”已停用，请先启用上级部门"
        )
    before = department_snapshot(department)
    department.is_active = True
    department.save(update_fields=["is_active", "updated_at"])
    audit.record(
        actor=actor,
        action="orgs.department.activate",
        subject=department,
        before=before,
        after=department_snapshot(department),
    )
    return department


# --- halls ----------------------------------------------------------------------------------------


def hall_validate(
    *,
    code: str,
    name: str,
    level: str,
    division: Division | None,
    address: str,
    opening_hours: str,
    phone: str,
    instance: Hall | None = None,
) -> None:
    errs = _Errors()
    _check_code(errs, "code", "大厅编码", code)
    if code and Hall.objects.filter(code=code).exclude(pk=_pk(instance)).exists():
        errs.add("code", f"大厅编码“{code}”已存在")
    _required_text(errs, "name", "名称", name, 128)
    level_ok = level in Hall.Level.values
    if not level_ok:
        errs.add("level", f"层级“{level}”无效，应为：{'、'.join(Hall.Level.labels)}")
    if division is None:
        errs.add("division", "所在区划不能为空")
    else:
        if level_ok and division.level not in HALL_DIVISION_LEVELS[Hall.Level(level)]:
            errs.add(
                "division",
                f"{Hall.Level(level).label}大厅不能设在{division.get_level_display()}“{division.name}”",
            )
        if not division.is_active and (instance is None or instance.division_id != division.pk):
            errs.add("division", f"区划“{division.name}”已停用")
    _max_text(errs, "address", "地址", address, 255)
    _max_text(errs, "opening_hours", "办公时间", opening_hours, 128)
    _max_text(errs, "phone", "咨询电话", phone, 32)
    errs.raise_if_any()


@transaction.atomic
def hall_create(
    *,
    actor: Any,
    code: str,
    name: str,
    level: str,
    division: Division,
    address: str = "",
    opening_hours: str = "",
    phone: str = "",
) -> Hall:
    division = _fresh(division)
    values: dict[str, Any] = {
        "code": _text(code),
        "name": _text(name),
        "level": level,
        "address": _text(address),
        "opening_hours": _text(opening_hours),
        "phone": _text(phone),
    }
    hall_validate(division=division, **values)
    hall = Hall.objects.create(division=division, **values)
    audit.record(actor=actor, action="orgs.hall.create", subject=hall, after=hall_snapshot(hall))
    return hall


@transaction.atomic
def hall_update(
    *,
    actor: Any,
    hall: Hall,
    code: str | _Unset = UNSET,
    name: str | _Unset = UNSET,
    level: str | _Unset = UNSET,
    division: Division | _Unset = UNSET,
    address: str | _Unset = UNSET,
    opening_hours: str | _Unset = UNSET,
    phone: str | _Unset = UNSET,
) -> Hall:
    division = _fresh(division)
    hall = Hall.objects.select_for_update().get(pk=hall.pk)
    new_division = _pick(division, hall.division)
    values = {
        "code": _text(_pick(code, hall.code)),
        "name": _text(_pick(name, hall.name)),
        "level": _pick(level, hall.level),
        "address": _text(_pick(address, hall.address)),
        "opening_hours": _text(_pick(opening_hours, hall.opening_hours)),
        "phone": _text(_pick(phone, hall.phone)),
    }
    hall_validate(division=new_division, instance=hall, **values)
    changes = _changed(hall, {**values, "division_id": new_division.pk})
    if not changes:
        return hall
    before = hall_snapshot(hall)
    for key, value in changes.items():
        setattr(hall, key, value)
    hall.save()
    audit.record(
        actor=actor, action="orgs.hall.update", subject=hall, before=before, after=hall_snapshot(hall)
    )
    return hall


@transaction.atomic
def hall_deactivate(*, actor: Any, hall: Hall) -> Hall:
    """Close a hall; its windows close with it (recorded in the event)."""
    hall = Hall.objects.select_for_update().get(pk=hall.pk)
    if not hall.is_active:
        return hall
    before = hall_snapshot(hall)
    closed = list(hall.windows.filter(is_active=True).values_list("number", flat=True))
    hall.windows.filter(is_active=True).update(is_active=False)
    hall.is_active = False
    hall.save(update_fields=["is_active", "updated_at"])
    after = {**hall_snapshot(hall), "windows_closed": closed}
    audit.record(actor=actor, action="orgs.hall.deactivate", subject=hall, before=before, after=after)
    return hall


@transaction.atomic
def hall_activate(*, actor: Any, hall: Hall) -> Hall:
    """Reopen a hall; its windows stay closed until reopened one by one."""
    hall = Hall.objects.select_for_update().get(pk=hall.pk)
    if hall.is_active:
        return hall
    before = hall_snapshot(hall)
    hall.is_active = True
    hall.save(update_fields=["is_active", "updated_at"])
    audit.record(
        actor=actor, action="orgs.hall.activate", subject=hall, before=before, after=hall_snapshot(hall)
    )
    return hall


# --- windows --------------------------------------------------------------------------------------


def window_validate(
    *,
    hall: Hall | None,
    number: str,
    name: str,
    kind: str,
    department: Department | None,
    instance: Window | None = None,
) -> None:
    errs = _Errors()
    if hall is None:
        errs.add("hall", "所属大厅不能为空")
    elif not hall.is_active and (instance is None or instance.hall_id != hall.pk):
        errs.add("hall", f"大厅“{hall.name}”已停用")
    _required_text(errs, "number", "窗口号", number, 16)
    if (
        hall is not None
        and number
        and Window.objects.filter(hall=hall, number=number).exclude(pk=_pk(instance)).exists()
    ):
        errs.add("number", f"大厅“{hall.name}”已有{number}号窗口")
    _required_text(errs, "name", "窗口名称", name, 64)
    if kind not in Window.Kind.values:
        errs.add("kind", f"窗口类型“{kind}”无效，应为：{'、'.join(Window.Kind.labels)}")
    if kind == Window.Kind.SPECIALISED and department is None:
        errs.add("department", "专业窗口必须指定所属部门")
    if (
        department is not None
        and not department.is_active
        and (instance is None or instance.department_id != department.pk)
    ):
        errs.add("department", f"部门“{department.name}”已停用")
    errs.raise_if_any()


@transaction.atomic
def window_create(
    *,
    actor: Any,
    hall: Hall,
    number: str,
    name: str,
    kind: str = Window.Kind.COMPREHENSIVE,
    department: Department | None = None,
) -> Window:
    hall = _fresh(hall)
    department = _fresh(department)
    number, name = _text(number), _text(name)
    window_validate(hall=hall, number=number, name=name, kind=kind, department=department)
    window = Window.objects.create(hall=hall, number=number, name=name, kind=kind, department=department)
    audit.record(actor=actor, action="orgs.window.create", subject=window, after=window_snapshot(window))
    return window


@transaction.atomic
def window_update(
    *,
    actor: Any,
    window: Window,
    hall: Hall | _Unset = UNSET,
    number: str | _Unset = UNSET,
    name: str | _Unset = UNSET,
    kind: str | _Unset = UNSET,
    department: Department | _Unset | None = UNSET,
) -> Window:
    hall = _fresh(hall)
    department = _fresh(department)
    window = Window.objects.select_for_update().get(pk=window.pk)
    new_hall = _pick(hall, window.hall)
    new_department = _pick(department, window.department)
    values = {
        "number": _text(_pick(number, window.number)),
        "name": _text(_pick(name, window.name)),
        "kind": _pick(kind, window.kind),
    }
    window_validate(hall=new_hall, department=new_department, instance=window, **values)
    changes = _changed(
        window,
        {**values, "hall_id": new_hall.pk, "department_id": new_department.pk if new_department else None},
    )
    if not changes:
        return window
    before = window_snapshot(window)
    for key, value in changes.items():
        setattr(window, key, value)
    window.save()
    audit.record(
        actor=actor, action="orgs.window.update", subject=window, before=before, after=window_snapshot(window)
    )
    return window


@transaction.atomic
def window_deactivate(*, actor: Any, window: Window) -> Window:
    window = Window.objects.select_for_update().get(pk=window.pk)
    if not window.is_active:
        return window
    before = window_snapshot(window)
    window.is_active = False
    window.save(update_fields=["is_active", "updated_at"])
    audit.record(
        actor=actor,
        action="orgs.window.deactivate",
        subject=window,
        before=before,
        after=window_snapshot(window),
    )
    return window


@transaction.atomic
def window_activate(*, actor: Any, window: Window) -> Window:
    window = Window.objects.select_for_update().select_related("hall").get(pk=window.pk)
    if window.is_active:
        return window
    if not window.hall.is_active:
        raise ValidationFailed.for_field("is_active", f"大厅“{window.hall.name}”已停用，请先启用大厅")
    before = window_snapshot(window)
    window.is_active = True
    window.save(update_fields=["is_active", "updated_at"])
    audit.record(
        actor=actor,
        action="orgs.window.activate",
        subject=window,
        before=before,
        after=window_snapshot(window),
    )
    return window


# --- kiosks ---------------------------------------------------------------------------------------


def kiosk_validate(
    *,
    code: str,
    kind: str,
    name: str,
    division: Division | None,
    hall: Hall | None,
    bank_name: str,
    bank_outlet: str,
    address: str,
    instance: Kiosk | None = None,
) -> None:
    errs = _Errors()
    _check_code(errs, "code", "设备编号", code)
    if code and Kiosk.objects.filter(code=code).exclude(pk=_pk(instance)).exists():
        errs.add("code", f"设备编号“{code}”已存在")
    if kind not in Kiosk.Kind.values:
        errs.add("kind", f"终端类型“{kind}”无效，应为：{'、'.join(Kiosk.Kind.labels)}")
    _required_text(errs, "name", "名称", name, 128)
    if division is None:
        errs.add("division", "所在区划不能为空")
    elif not division.is_active and (instance is None or instance.division_id != division.pk):
        errs.add("division", f"区划“{division.name}”已停用")
    if hall is not None and division is not None and hall.division_id != division.pk:
        errs.add("hall", f"大厅“{hall.name}”不在所选区划“{division.name}”内")
    if kind == Kiosk.Kind.BANK_TERMINAL:
        if not bank_name:
            errs.add("bank_name", "政银通办终端必须填写银行")
        if not bank_outlet:
            errs.add("bank_outlet", "政银通办终端必须填写银行网点")
    _max_text(errs, "bank_name", "银行", bank_name, 64)
    _max_text(errs, "bank_outlet", "银行网点", bank_outlet, 128)
    _max_text(errs, "address", "地址", address, 255)
    errs.raise_if_any()


@transaction.atomic
def kiosk_create(
    *,
    actor: Any,
    code: str,
    kind: str,
    name: str,
    division: Division,
    hall: Hall | None = None,
    bank_name: str = "",
    bank_outlet: str = "",
    address: str = "",
) -> Kiosk:
    division = _fresh(division)
    hall = _fresh(hall)
    values: dict[str, Any] = {
        "code": _text(code),
        "kind": kind,
        "name": _text(name),
        "bank_name": _text(bank_name),
        "bank_outlet": _text(bank_outlet),
        "address": _text(address),
    }
    kiosk_validate(division=division, hall=hall, **values)
    kiosk = Kiosk.objects.create(division=division, hall=hall, **values)
    audit.record(actor=actor, action="orgs.kiosk.create", subject=kiosk, after=kiosk_snapshot(kiosk))
    return kiosk


@transaction.atomic
def kiosk_update(
    *,
    actor: Any,
    kiosk: Kiosk,
    code: str | _Unset = UNSET,
    kind: str | _Unset = UNSET,
    name: str | _Unset = UNSET,
    division: Division | _Unset = UNSET,
    hall: Hall | _Unset | None = UNSET,
    bank_name: str | _Unset = UNSET,
    bank_outlet: str | _Unset = UNSET,
    address: str | _Unset = UNSET,
) -> Kiosk:
    division = _fresh(division)
    hall = _fresh(hall)
    kiosk = Kiosk.objects.select_for_update().get(pk=kiosk.pk)
    new_division = _pick(division, kiosk.division)
    new_hall = _pick(hall, kiosk.hall)
    values = {
        "code": _text(_pick(code, kiosk.code)),
        "kind": _pick(kind, kiosk.kind),
        "name": _text(_pick(name, kiosk.name)),
        "bank_name": _text(_pick(bank_name, kiosk.bank_name)),
        "bank_outlet": _text(_pick(bank_outlet, kiosk.bank_outlet)),
        "address": _text(_pick(address, kiosk.address)),
    }
    kiosk_validate(division=new_division, hall=new_hall, instance=kiosk, **values)
    changes = _changed(
        kiosk, {**values, "division_id": new_division.pk, "hall_id": new_hall.pk if new_hall else None}
    )
    if not changes:
        return kiosk
    before = kiosk_snapshot(kiosk)
    for key, value in changes.items():
        setattr(kiosk, key, value)
    kiosk.save()
    audit.record(
        actor=actor, action="orgs.kiosk.update", subject=kiosk, before=before, after=kiosk_snapshot(kiosk)
    )
    return kiosk


@transaction.atomic
def kiosk_deactivate(*, actor: Any, kiosk: Kiosk) -> Kiosk:
    kiosk = Kiosk.objects.select_for_update().get(pk=kiosk.pk)
    if not kiosk.is_active:
        return kiosk
    before = kiosk_snapshot(kiosk)
    kiosk.is_active = False
    kiosk.save(update_fields=["is_active", "updated_at"])
    audit.record(
        actor=actor, action="orgs.kiosk.deactivate", subject=kiosk, before=before, after=kiosk_snapshot(kiosk)
    )
    return kiosk


@transaction.atomic
def kiosk_activate(*, actor: Any, kiosk: Kiosk) -> Kiosk:
    kiosk = Kiosk.objects.select_for_update().get(pk=kiosk.pk)
    if kiosk.is_active:
        return kiosk
    before = kiosk_snapshot(kiosk)
    kiosk.is_active = True
    kiosk.save(update_fields=["is_active", "updated_at"])
    audit.record(
        actor=actor, action="orgs.kiosk.activate", subject=kiosk, before=before, after=kiosk_snapshot(kiosk)
    )
    return kiosk


# --- grids ----------------------------------------------------------------------------------------


def grid_validate(*, code: str, name: str, division: Division | None, instance: Grid | None = None) -> None:
    errs = _Errors()
    _check_code(errs, "code", "网格编码", code)
    if code and Grid.objects.filter(code=code).exclude(pk=_pk(instance)).exists():
        errs.add("code", f"网格编码“{code}”已存在")
    _required_text(errs, "name", "网格名称", name, 64)
    if division is None:
        errs.add("division", "所属村（社区）不能为空")
    else:
        if division.level != Division.Level.VILLAGE:
            errs.add(
                "division", f"网格只能划在村（社区）内，“{division.name}”是{division.get_level_display()}"
            )
        if not division.is_active and (instance is None or instance.division_id != division.pk):
            errs.add("division", f"区划“{division.name}”已停用")
    errs.raise_if_any()


@transaction.atomic
def grid_create(*, actor: Any, code: str, name: str, division: Division) -> Grid:
    division = _fresh(division)
    code, name = _text(code), _text(name)
    grid_validate(code=code, name=name, division=division)
    grid = Grid.objects.create(code=code, name=name, division=division)
    audit.record(actor=actor, action="orgs.grid.create", subject=grid, after=grid_snapshot(grid))
    return grid


@transaction.atomic
def grid_update(
    *,
    actor: Any,
    grid: Grid,
    code: str | _Unset = UNSET,
    name: str | _Unset = UNSET,
    division: Division | _Unset = UNSET,
) -> Grid:
    division = _fresh(division)
    grid = Grid.objects.select_for_update().get(pk=grid.pk)
    new_division = _pick(division, grid.division)
    values = {"code": _text(_pick(code, grid.code)), "name": _text(_pick(name, grid.name))}
    grid_validate(division=new_division, instance=grid, **values)
    changes = _changed(grid, {**values, "division_id": new_division.pk})
    if not changes:
        return grid
    before = grid_snapshot(grid)
    for key, value in changes.items():
        setattr(grid, key, value)
    grid.save()
    audit.record(
        actor=actor, action="orgs.grid.update", subject=grid, before=before, after=grid_snapshot(grid)
    )
    return grid


@transaction.atomic
def grid_deactivate(*, actor: Any, grid: Grid) -> Grid:
    grid = Grid.objects.select_for_update().get(pk=grid.pk)
    if not grid.is_active:
        return grid
    if grid.workers.filter(is_active=True).exists():
        raise ValidationFailed.for_field("is_active", f"网格“{grid.name}”仍有在岗网格员，请先调整网格员")
    before = grid_snapshot(grid)
    grid.is_active = False
    grid.save(update_fields=["is_active", "updated_at"])
    audit.record(
        actor=actor, action="orgs.grid.deactivate", subject=grid, before=before, after=grid_snapshot(grid)
    )
    return grid


@transaction.atomic
def grid_activate(*, actor: Any, grid: Grid) -> Grid:
    grid = Grid.objects.select_for_update().select_related("division").get(pk=grid.pk)
    if grid.is_active:
        return grid
    if not grid.division.is_active:
        raise ValidationFailed.for_field("is_active", f"区划“{grid.division.name}”已停用")
    before = grid_snapshot(grid)
    grid.is_active = True
    grid.save(update_fields=["is_active", "updated_at"])
    audit.record(
        actor=actor, action="orgs.grid.activate", subject=grid, before=before, after=grid_snapshot(grid)
    )
    return grid


# --- grid workers ---------------------------------------------------------------------------------


def _clean_mobile(phone: str | None) -> str:
    try:
        return validate_mobile(phone or "", field="phone")
    except ValidationFailed:
        return _text(phone)


def grid_worker_validate(
    *,
    grid: Grid | None,
    name: str,
    phone: str,
    user: Any,
    instance: GridWorker | None = None,
) -> None:
    errs = _Errors()
    if grid is None:
        errs.add("grid", "网格不能为空")
    elif not grid.is_active and (instance is None or instance.grid_id != grid.pk):
        errs.add("grid", f"网格“{grid.name}”已停用")
    _required_text(errs, "name", "姓名", name, 32)
    if phone:
        try:
            validate_mobile(phone, field="phone")
        except ValidationFailed as exc:
            errs.extend(exc)
    if user is not None:
        taken = GridWorker.objects.filter(user=user).exclude(pk=_pk(instance)).first()
        if taken is not None:
            errs.add("user", f"该账号已关联网格员“{taken.name}”")
    errs.raise_if_any()


@transaction.atomic
def grid_worker_create(*, actor: Any, grid: Grid, name: str, phone: str = "", user: Any = None) -> GridWorker:
    grid = _fresh(grid)
    name, phone = _text(name), _clean_mobile(phone)
    grid_worker_validate(grid=grid, name=name, phone=phone, user=user)
    worker = GridWorker.objects.create(grid=grid, name=name, phone=phone, user=user)
    audit.record(
        actor=actor, action="orgs.grid_worker.create", subject=worker, after=grid_worker_snapshot(worker)
    )
    return worker


@transaction.atomic
def grid_worker_update(
    *,
    actor: Any,
    worker: GridWorker,
    grid: Grid | _Unset = UNSET,
    name: str | _Unset = UNSET,
    phone: str | _Unset = UNSET,
    user: Any = UNSET,
) -> GridWorker:
    grid = _fresh(grid)
    worker = GridWorker.objects.select_for_update().get(pk=worker.pk)
    new_grid = _pick(grid, worker.grid)
    new_user = _pick(user, worker.user)
    new_name = _text(_pick(name, worker.name))
    new_phone = _clean_mobile(_pick(phone, worker.phone))
    grid_worker_validate(grid=new_grid, name=new_name, phone=new_phone, user=new_user, instance=worker)
    changes = _changed(
        worker,
        {
            "grid_id": new_grid.pk,
            "name": new_name,
            "phone": new_phone,
            "user_id": new_user.pk if new_user is not None else None,
        },
    )
    if not changes:
        return worker
    before = grid_worker_snapshot(worker)
    for key, value in changes.items():
        setattr(worker, key, value)
    worker.save()
    audit.record(
        actor=actor,
        action="orgs.grid_worker.update",
        subject=worker,
        before=before,
        after=grid_worker_snapshot(worker),
    )
    return worker


@transaction.atomic
def grid_worker_deactivate(*, actor: Any, worker: GridWorker) -> GridWorker:
    worker = GridWorker.objects.select_for_update().get(pk=worker.pk)
    if not worker.is_active:
        return worker
    before = grid_worker_snapshot(worker)
    worker.is_active = False
    worker.save(update_fields=["is_active", "updated_at"])
    audit.record(
        actor=actor,
        action="orgs.grid_worker.deactivate",
        subject=worker,
        before=before,
        after=grid_worker_snapshot(worker),
    )
    return worker


@transaction.atomic
def grid_worker_activate(*, actor: Any, worker: GridWorker) -> GridWorker:
    worker = GridWorker.objects.select_for_update().select_related("grid").get(pk=worker.pk)
    if worker.is_active:
        return worker
    if not worker.grid.is_active:
        raise ValidationFailed.for_field("is_active", f"网格“{worker.grid.name}”已停用")
    before = grid_worker_snapshot(worker)
    worker.is_active = True
    worker.save(update_fields=["is_active", "updated_at"])
    audit.record(
        actor=actor,
        action="orgs.grid_worker.activate",
        subject=worker,
        before=before,
        after=grid_worker_snapshot(worker),
    )
    return worker
