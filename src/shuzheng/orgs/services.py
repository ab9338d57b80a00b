"""Every write to the organisation: divisions, departments, halls, windows, kiosks, grids, grid workers.

Each service validates (Chinese messages naming the field, nothing written on failure), computes tree
paths, and writes its audit event in the same transaction. Update services take only the fields to
change; leaving a keyword at `UNSET` keeps the stored value.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any, Final, TypeVar

from django.db import models, transaction
from django.db.models import Value
from django.db.models.functions import Concat, Substr

from shuzheng.core import audit
from shuzheng.core.errors import ValidationFailed
from shuzheng.core.field_errors import FieldErrors
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
# What switching a row on or off saves.
ACTIVE_FIELDS: Final = ("is_active", "updated_at")


def _text(value: str | None) -> str:
    return (value or "").strip()


def _normalised(validate: Callable[..., str], value: str | None, field: str, fallback: str) -> str:
    """`value` as a `core.validators` check normalises it, or `fallback` if invalid (the service's
    validation then names the field)."""
    try:
        return validate(value or "", field=field)
    except ValidationFailed:
        return fallback


def _required_text(errs: FieldErrors, field: str, label: str, value: str, max_length: int) -> None:
    if not value:
        errs.add(field, f"{label}不能为空")
    else:
        _max_text(errs, field, label, value, max_length)


def _max_text(errs: FieldErrors, field: str, label: str, value: str, max_length: int) -> None:
    if len(value) > max_length:
        errs.add(field, f"{label}不能超过{max_length}个字")


def _check_code(errs: FieldErrors, field: str, label: str, code: str) -> None:
    if not code:
        errs.add(field, f"{label}不能为空")
    elif not CODE_RE.match(code):
        errs.add(field, f"{label}“{code}”格式不正确：{CODE_HINT}")


def _check_choice(
    errs: FieldErrors, field: str, label: str, value: str, choices: type[models.TextChoices]
) -> bool:
    if value in choices.values:
        return True
    errs.add(field, f"{label}“{value}”无效，应为：{'、'.join(choices.labels)}")
    return False


def _pk(instance: models.Model | None) -> Any:
    """The instance's pk, or 0 (no row has it) so `.exclude(pk=...)` excludes nothing for a new row."""
    return instance.pk if instance is not None and instance.pk else 0


def _taken(model: type[models.Model], instance: models.Model | None, **lookup: Any) -> bool:
    """Whether another row than `instance` already matches `lookup` (a uniqueness check)."""
    return model._default_manager.filter(**lookup).exclude(pk=_pk(instance)).exists()


def _newly_inactive(target: Any, instance: models.Model | None, field: str) -> bool:
    """Whether `target` is switched off and is not what `instance.<field>` already points at.

    A row may keep pointing at a row deactivated since; it may not be newly pointed at one.
    """
    return not target.is_active and (instance is None or getattr(instance, f"{field}_id") != target.pk)


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


def _locked(obj: M, *related: str) -> M:
    """The row re-read under a row lock; the `related` rows are joined (and so locked too)."""
    rows = type(obj)._default_manager.select_for_update()
    return (rows.select_related(*related) if related else rows).get(pk=obj.pk)


def _pick(new: Any, old: Any) -> Any:
    return old if new is UNSET else new


def _changed(obj: models.Model, values: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in values.items() if getattr(obj, k) != v}


def _node_path(*, code: str, parent: Division | Department | None) -> str:
    return f"{parent.path if parent else '/'}{code}/"


def _move_subtree(model: type[models.Model], *, old_path: str, new_path: str, root_pk: Any) -> int:
    """Rewrite the path prefix of every descendant of the node formerly at `old_path`."""
    if old_path == new_path:
        return 0
    return (
        model._default_manager.filter(path__startswith=old_path)
        .exclude(pk=root_pk)
        .update(path=Concat(Value(new_path), Substr("path", len(old_path) + 1)))
    )


def _save_with_audit(
    obj: M,
    values: dict[str, Any],
    *,
    actor: Any,
    action: str,
    snapshot: Callable[[M], dict[str, Any]],
    update_fields: Iterable[str] | None = None,
) -> M:
    """Set the `values` that differ from the row's, save, and audit before/after; no event if none differ."""
    changes = _changed(obj, values)
    if not changes:
        return obj
    before = snapshot(obj)
    for key, value in changes.items():
        setattr(obj, key, value)
    obj.save(update_fields=update_fields)
    audit.record(actor=actor, action=action, subject=obj, before=before, after=snapshot(obj))
    return obj


def _set_active(
    obj: M,
    *,
    actor: Any,
    active: bool,
    snapshot: Callable[[M], dict[str, Any]],
    action: str,
    guard: Callable[[M], None] | None = None,
    related: tuple[str, ...] = (),
) -> M:
    """Switch the row on or off (nothing happens if it already is); `guard` may refuse the switch."""
    obj = _locked(obj, *related)
    if obj.is_active == active:  # type: ignore[attr-defined]  # every orgs model has it
        return obj
    if guard is not None:
        guard(obj)
    return _save_with_audit(
        obj, {"is_active": active}, actor=actor, action=action, snapshot=snapshot, update_fields=ACTIVE_FIELDS
    )


def _refuse_if_inactive(container: Any, message: str) -> None:
    """Guard for activating a row inside `container` (if any) while that is off; `{name}` is its name."""
    if container is not None and not container.is_active:
        raise ValidationFailed.for_field("is_active", message.format(name=container.name))


def _refuse_if_any_active(rows: Any, message: str) -> None:
    """Guard for deactivating a row while any of `rows` (those below or in it) is still on."""
    if rows.filter(is_active=True).exists():
        raise ValidationFailed.for_field("is_active", message)


# --- snapshots (JSON, no clear-text personal data) -------------------------------------------------


def _fields(obj: models.Model, *names: str) -> dict[str, Any]:
    return {name: getattr(obj, name) for name in names}


def division_snapshot(division: Division) -> dict[str, Any]:
    return _fields(division, "code", "name", "level", "parent_id", "path", "is_generated", "is_active")


def department_snapshot(department: Department) -> dict[str, Any]:
    data = _fields(
        department, "code", "name", "short_name", "uscc", "parent_id", "path", "division_id", "is_active"
    )
    if department.pk:
        data["serves"] = sorted(department.serves.values_list("code", flat=True))
    return data


def hall_snapshot(hall: Hall) -> dict[str, Any]:
    return _fields(
        hall, "code", "name", "level", "division_id", "address", "opening_hours", "phone", "is_active"
    )


def window_snapshot(window: Window) -> dict[str, Any]:
    return _fields(window, "hall_id", "number", "name", "kind", "department_id", "is_active")


def kiosk_snapshot(kiosk: Kiosk) -> dict[str, Any]:
    return _fields(
        kiosk,
        "code",
        "kind",
        "name",
        "division_id",
        "hall_id",
        "bank_name",
        "bank_outlet",
        "address",
        "is_active",
    )


def grid_snapshot(grid: Grid) -> dict[str, Any]:
    return _fields(grid, "code", "name", "division_id", "is_active")


def grid_worker_snapshot(worker: GridWorker) -> dict[str, Any]:
    """The phone masked: audit rows hold no clear-text personal data."""
    return {
        **_fields(worker, "grid_id", "user_id", "name"),
        "phone": mask_mobile(worker.phone) if worker.phone else "",
        "is_active": worker.is_active,
    }


# --- divisions ------------------------------------------------------------------------------------


def division_validate(
    *,
    code: str,
    name: str,
    level: str,
    parent: Division | None,
    instance: Division | None = None,
) -> None:
    """Raise ValidationFailed naming every bad field; used by the services and the admin form."""
    errs = FieldErrors()
    _required_text(errs, "name", "名称", name, 64)
    level_ok = _check_choice(errs, "level", "层级", level, Division.Level)
    if not code:
        errs.add("code", "区划代码不能为空")
    elif (
        errs.check(validate_division_code, code, "code")
        and level_ok
        and len(code) != CODE_LENGTH[Division.Level(level)]
    ):
        errs.add(
            "code", f"{Division.Level(level).label}级区划代码应为{CODE_LENGTH[Division.Level(level)]}位数字"
        )
    if parent is not None:
        if _newly_inactive(parent, instance, "parent"):
            errs.add("parent", f"上级区划“{parent.name}”已停用")
        if level_ok and LEVEL_RANK[Division.Level(level)] <= LEVEL_RANK[Division.Level(parent.level)]:
            errs.add("level", f"{Division.Level(level).label}不能作为{parent.get_level_display()}的下级")
        elif code:
            prefix = parent.code[: SHARED_PREFIX.get(Division.Level(parent.level), len(parent.code))]
            if not code.startswith(prefix) or code == parent.code:
                errs.add("code", f"区划代码“{code}”应以上级区划代码前缀“{prefix}”开头")
        if instance is not None and instance.pk and parent.path.startswith(instance.path):
            errs.add("parent", "不能把区划移动到它自身或它的下级之下")
    if code and _taken(Division, instance, code=code):
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
    return _normalised(validate_division_code, code, "code", _text(code))


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
        path=_node_path(code=code, parent=parent),
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
    division = _locked(division)
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
        "path": _node_path(code=new_code, parent=new_parent),
        "is_generated": _pick(is_generated, division.is_generated),
    }
    old_path = division.path
    _save_with_audit(division, values, actor=actor, action="orgs.division.update", snapshot=division_snapshot)
    _move_subtree(Division, old_path=old_path, new_path=division.path, root_pk=division.pk)
    return division


@transaction.atomic
def division_deactivate(*, actor: Any, division: Division) -> Division:
    return _set_active(
        division,
        actor=actor,
        active=False,
        snapshot=division_snapshot,
        action="orgs.division.deactivate",
        guard=lambda d: _refuse_if_any_active(d.children, f"“{d.name}”仍有启用的下级区划，请先停用下级区划"),
    )


@transaction.atomic
def division_activate(*, actor: Any, division: Division) -> Division:
    return _set_active(
        division,
        actor=actor,
        active=True,
        snapshot=division_snapshot,
        action="orgs.division.activate",
        guard=lambda d: _refuse_if_inactive(d.parent, "上级区划“{name}”已停用，请先启用上级区划"),
    )


# --- departments ----------------------------------------------------------------------------------


def normalise_department_code(code: str | None) -> str:
    return _text(code).upper()


def _clean_uscc(uscc: str | None) -> str:
    if not _text(uscc):
        return ""
    return _normalised(validate_uscc, uscc, "uscc", _text(uscc).upper())


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
    errs = FieldErrors()
    _check_code(errs, "code", "部门编码", code)
    if code and _taken(Department, instance, code=code):
        errs.add("code", f"部门编码“{code}”已存在")
    _required_text(errs, "name", "部门名称", name, 128)
    if name and _taken(Department, instance, name=name):
        errs.add("name", f"部门名称“{name}”已存在")
    _max_text(errs, "short_name", "简称", short_name, 32)
    if uscc:
        errs.check(validate_uscc, uscc, "uscc")
    if division is None:
        errs.add("division", "所在区划不能为空")
    elif _newly_inactive(division, instance, "division"):
        errs.add("division", f"区划“{division.name}”已停用")
    if parent is not None:
        if instance is not None and instance.pk and parent.path.startswith(instance.path):
            errs.add("parent", "不能把部门移动到它自身或它的下级之下")
        elif _newly_inactive(parent, instance, "parent"):
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
        path=_node_path(code=code, parent=parent),
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
    department = _locked(department)
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
        "path": _node_path(code=new_code, parent=new_parent),
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
    # One event for the fields and the served divisions together, so not _save_with_audit.
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
    return _set_active(
        department,
        actor=actor,
        active=False,
        snapshot=department_snapshot,
        action="orgs.department.deactivate",
        guard=lambda d: _refuse_if_any_active(d.children, f"“{d.name}”仍有启用的下级部门，请先停用下级部门"),
    )


@transaction.atomic
def department_activate(*, actor: Any, department: Department) -> Department:
    return _set_active(
        department,
        actor=actor,
        active=True,
        snapshot=department_snapshot,
        action="orgs.department.activate",
        guard=lambda d: _refuse_if_inactive(d.parent, "上级部门“{name}”已停用，请先启用上级部门"),
    )


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
    errs = FieldErrors()
    _check_code(errs, "code", "大厅编码", code)
    if code and _taken(Hall, instance, code=code):
        errs.add("code", f"大厅编码“{code}”已存在")
    _required_text(errs, "name", "名称", name, 128)
    level_ok = _check_choice(errs, "level", "层级", level, Hall.Level)
    if division is None:
        errs.add("division", "所在区划不能为空")
    else:
        if level_ok and division.level not in HALL_DIVISION_LEVELS[Hall.Level(level)]:
            errs.add(
                "division",
                f"{Hall.Level(level).label}大厅不能设在{division.get_level_display()}“{division.name}”",
            )
        if _newly_inactive(division, instance, "division"):
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
    hall = _locked(hall)
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
    return _save_with_audit(
        hall,
        {**values, "division_id": new_division.pk},
        actor=actor,
        action="orgs.hall.update",
        snapshot=hall_snapshot,
    )


@transaction.atomic
def hall_deactivate(*, actor: Any, hall: Hall) -> Hall:
    """Close a hall; its windows close with it (recorded in the event, so not _set_active)."""
    hall = _locked(hall)
    if not hall.is_active:
        return hall
    before = hall_snapshot(hall)
    closed = list(hall.windows.filter(is_active=True).values_list("number", flat=True))
    hall.windows.filter(is_active=True).update(is_active=False)
    hall.is_active = False
    hall.save(update_fields=ACTIVE_FIELDS)
    after = {**hall_snapshot(hall), "windows_closed": closed}
    audit.record(actor=actor, action="orgs.hall.deactivate", subject=hall, before=before, after=after)
    return hall


@transaction.atomic
def hall_activate(*, actor: Any, hall: Hall) -> Hall:
    """Reopen a hall; its windows stay closed until reopened one by one."""
    return _set_active(hall, actor=actor, active=True, snapshot=hall_snapshot, action="orgs.hall.activate")


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
    errs = FieldErrors()
    if hall is None:
        errs.add("hall", "所属大厅不能为空")
    elif _newly_inactive(hall, instance, "hall"):
        errs.add("hall", f"大厅“{hall.name}”已停用")
    _required_text(errs, "number", "窗口号", number, 16)
    if hall is not None and number and _taken(Window, instance, hall=hall, number=number):
        errs.add("number", f"大厅“{hall.name}”已有{number}号窗口")
    _required_text(errs, "name", "窗口名称", name, 64)
    _check_choice(errs, "kind", "窗口类型", kind, Window.Kind)
    if kind == Window.Kind.SPECIALISED and department is None:
        errs.add("department", "专业窗口必须指定所属部门")
    if department is not None and _newly_inactive(department, instance, "department"):
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
    window = _locked(window)
    new_hall = _pick(hall, window.hall)
    new_department = _pick(department, window.department)
    values = {
        "number": _text(_pick(number, window.number)),
        "name": _text(_pick(name, window.name)),
        "kind": _pick(kind, window.kind),
    }
    window_validate(hall=new_hall, department=new_department, instance=window, **values)
    return _save_with_audit(
        window,
        {**values, "hall_id": new_hall.pk, "department_id": new_department.pk if new_department else None},
        actor=actor,
        action="orgs.window.update",
        snapshot=window_snapshot,
    )


@transaction.atomic
def window_deactivate(*, actor: Any, window: Window) -> Window:
    return _set_active(
        window, actor=actor, active=False, snapshot=window_snapshot, action="orgs.window.deactivate"
    )


@transaction.atomic
def window_activate(*, actor: Any, window: Window) -> Window:
    return _set_active(
        window,
        actor=actor,
        active=True,
        snapshot=window_snapshot,
        action="orgs.window.activate",
        guard=lambda w: _refuse_if_inactive(w.hall, "大厅“{name}”已停用，请先启用大厅"),
        related=("hall",),
    )


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
    errs = FieldErrors()
    _check_code(errs, "code", "设备编号", code)
    if code and _taken(Kiosk, instance, code=code):
        errs.add("code", f"设备编号“{code}”已存在")
    _check_choice(errs, "kind", "终端类型", kind, Kiosk.Kind)
    _required_text(errs, "name", "名称", name, 128)
    if division is None:
        errs.add("division", "所在区划不能为空")
    elif _newly_inactive(division, instance, "division"):
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
    kiosk = _locked(kiosk)
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
    return _save_with_audit(
        kiosk,
        {**values, "division_id": new_division.pk, "hall_id": new_hall.pk if new_hall else None},
        actor=actor,
        action="orgs.kiosk.update",
        snapshot=kiosk_snapshot,
    )


@transaction.atomic
def kiosk_deactivate(*, actor: Any, kiosk: Kiosk) -> Kiosk:
    return _set_active(
        kiosk, actor=actor, active=False, snapshot=kiosk_snapshot, action="orgs.kiosk.deactivate"
    )


@transaction.atomic
def kiosk_activate(*, actor: Any, kiosk: Kiosk) -> Kiosk:
    return _set_active(kiosk, actor=actor, active=True, snapshot=kiosk_snapshot, action="orgs.kiosk.activate")


# --- grids ----------------------------------------------------------------------------------------


def grid_validate(*, code: str, name: str, division: Division | None, instance: Grid | None = None) -> None:
    errs = FieldErrors()
    _check_code(errs, "code", "网格编码", code)
    if code and _taken(Grid, instance, code=code):
        errs.add("code", f"网格编码“{code}”已存在")
    _required_text(errs, "name", "网格名称", name, 64)
    if division is None:
        errs.add("division", "所属村（社区）不能为空")
    else:
        if division.level != Division.Level.VILLAGE:
            errs.add(
                "division", f"网格只能划在村（社区）内，“{division.name}”是{division.get_level_display()}"
            )
        if _newly_inactive(division, instance, "division"):
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
    grid = _locked(grid)
    new_division = _pick(division, grid.division)
    values = {"code": _text(_pick(code, grid.code)), "name": _text(_pick(name, grid.name))}
    grid_validate(division=new_division, instance=grid, **values)
    return _save_with_audit(
        grid,
        {**values, "division_id": new_division.pk},
        actor=actor,
        action="orgs.grid.update",
        snapshot=grid_snapshot,
    )


@transaction.atomic
def grid_deactivate(*, actor: Any, grid: Grid) -> Grid:
    return _set_active(
        grid,
        actor=actor,
        active=False,
        snapshot=grid_snapshot,
        action="orgs.grid.deactivate",
        guard=lambda g: _refuse_if_any_active(g.workers, f"网格“{g.name}”仍有在岗网格员，请先调整网格员"),
    )


@transaction.atomic
def grid_activate(*, actor: Any, grid: Grid) -> Grid:
    return _set_active(
        grid,
        actor=actor,
        active=True,
        snapshot=grid_snapshot,
        action="orgs.grid.activate",
        guard=lambda g: _refuse_if_inactive(g.division, "区划“{name}”已停用"),
        related=("division",),
    )


# --- grid workers ---------------------------------------------------------------------------------


def _clean_mobile(phone: str | None) -> str:
    return _normalised(validate_mobile, phone, "phone", _text(phone))


def grid_worker_validate(
    *,
    grid: Grid | None,
    name: str,
    phone: str,
    user: Any,
    instance: GridWorker | None = None,
) -> None:
    errs = FieldErrors()
    if grid is None:
        errs.add("grid", "网格不能为空")
    elif _newly_inactive(grid, instance, "grid"):
        errs.add("grid", f"网格“{grid.name}”已停用")
    _required_text(errs, "name", "姓名", name, 32)
    if phone:
        errs.check(validate_mobile, phone, "phone")
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
    worker = _locked(worker)
    new_grid = _pick(grid, worker.grid)
    new_user = _pick(user, worker.user)
    new_name = _text(_pick(name, worker.name))
    new_phone = _clean_mobile(_pick(phone, worker.phone))
    grid_worker_validate(grid=new_grid, name=new_name, phone=new_phone, user=new_user, instance=worker)
    values = {
        "grid_id": new_grid.pk,
        "name": new_name,
        "phone": new_phone,
        "user_id": new_user.pk if new_user is not None else None,
    }
    return _save_with_audit(
        worker, values, actor=actor, action="orgs.grid_worker.update", snapshot=grid_worker_snapshot
    )


@transaction.atomic
def grid_worker_deactivate(*, actor: Any, worker: GridWorker) -> GridWorker:
    return _set_active(
        worker, actor=actor, active=False, snapshot=grid_worker_snapshot, action="orgs.grid_worker.deactivate"
    )


@transaction.atomic
def grid_worker_activate(*, actor: Any, worker: GridWorker) -> GridWorker:
    return _set_active(
        worker,
        actor=actor,
        active=True,
        snapshot=grid_worker_snapshot,
        action="orgs.grid_worker.activate",
        guard=lambda w: _refuse_if_inactive(w.grid, "网格“{name}”已停用"),
        related=("grid",),
    )
