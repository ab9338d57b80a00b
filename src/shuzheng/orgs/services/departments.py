"""Departments (部门): a tree, each in a division and serving divisions."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import transaction

from shuzheng.core import audit
from shuzheng.core.actors import Actor
from shuzheng.core.errors import ValidationFailed
from shuzheng.core.field_errors import FieldErrors
from shuzheng.core.validators import validate_uscc
from shuzheng.orgs.models import Department, Division
from shuzheng.orgs.services.common import (
    UNSET,
    Unset,
    changed,
    check_code,
    clean_text,
    field_values,
    fresh,
    fresh_many,
    is_taken,
    locked,
    max_text,
    move_subtree,
    newly_inactive,
    node_path,
    normalised,
    pick,
    refuse_if_any_active,
    refuse_if_inactive,
    required_text,
    set_active,
)


def department_snapshot(department: Department) -> dict[str, Any]:
    data = field_values(
        department, "code", "name", "short_name", "uscc", "parent_id", "path", "division_id", "is_active"
    )
    if department.pk:
        data["serves"] = sorted(department.serves.values_list("code", flat=True))
    return data


def normalise_department_code(code: str | None) -> str:
    return clean_text(code).upper()


def _clean_uscc(uscc: str | None) -> str:
    if not clean_text(uscc):
        return ""
    return normalised(validate_uscc, uscc, "uscc", clean_text(uscc).upper())


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
    check_code(errs, "code", "部门编码", code)
    if code and is_taken(Department, instance, code=code):
        errs.add("code", f"部门编码“{code}”已存在")
    required_text(errs, "name", "部门名称", name, 128)
    if name and is_taken(Department, instance, name=name):
        errs.add("name", f"部门名称“{name}”已存在")
    max_text(errs, "short_name", "简称", short_name, 32)
    if uscc:
        errs.check(validate_uscc, uscc, "uscc")
    if division is None:
        errs.add("division", "所在区划不能为空")
    elif newly_inactive(division, instance, "division"):
        errs.add("division", f"区划“{division.name}”已停用")
    if parent is not None:
        if instance is not None and instance.pk and parent.path.startswith(instance.path):
            errs.add("parent", "不能把部门移动到它自身或它的下级之下")
        elif newly_inactive(parent, instance, "parent"):
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
    actor: Actor,
    code: str,
    name: str,
    division: Division,
    short_name: str = "",
    uscc: str = "",
    parent: Department | None = None,
    serves: Iterable[Division] = (),
) -> Department:
    parent = fresh(parent)
    division = fresh(division)
    serves = fresh_many(serves)
    code, name, short_name = normalise_department_code(code), clean_text(name), clean_text(short_name)
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
        path=node_path(code=code, parent=parent),
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
    actor: Actor,
    department: Department,
    code: str | Unset = UNSET,
    name: str | Unset = UNSET,
    short_name: str | Unset = UNSET,
    uscc: str | Unset = UNSET,
    parent: Department | Unset | None = UNSET,
    division: Division | Unset = UNSET,
    serves: Iterable[Division] | Unset = UNSET,
) -> Department:
    parent = fresh(parent)
    division = fresh(division)
    serves = fresh_many(serves)
    department = locked(department)
    new_code = normalise_department_code(pick(code, department.code))
    new_name = clean_text(pick(name, department.name))
    new_short = clean_text(pick(short_name, department.short_name))
    new_uscc = _clean_uscc(pick(uscc, department.uscc))
    new_parent = pick(parent, department.parent)
    new_division = pick(division, department.division)
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
        "path": node_path(code=new_code, parent=new_parent),
    }
    changes = changed(department, values)
    serve_change = False
    serve_list: list[Division] = []
    if not isinstance(serves, Unset):
        current = set(department.serves.values_list("pk", flat=True))
        serve_list = list(dict.fromkeys(serves))
        serve_change = current != {d.pk for d in serve_list}
        if serve_change:
            added = [d for d in serve_list if d.pk not in current]
            _check_serves(added)
    if not changes and not serve_change:
        return department
    # One event for the fields and the served divisions together, so not save_with_audit.
    before = department_snapshot(department)
    old_path = department.path
    if changes:
        for key, value in changes.items():
            setattr(department, key, value)
        department.save()
        move_subtree(Department, old_path=old_path, new_path=department.path, root_pk=department.pk)
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
def department_deactivate(*, actor: Actor, department: Department) -> Department:
    return set_active(
        department,
        actor=actor,
        active=False,
        snapshot=department_snapshot,
        action="orgs.department.deactivate",
        guard=lambda d: refuse_if_any_active(d.children, f"“{d.name}”仍有启用的下级部门，请先停用下级部门"),
    )


@transaction.atomic
def department_activate(*, actor: Actor, department: Department) -> Department:
    return set_active(
        department,
        actor=actor,
        active=True,
        snapshot=department_snapshot,
        action="orgs.department.activate",
        guard=lambda d: refuse_if_inactive(d.parent, "上级部门“{name}”已停用，请先启用上级部门"),
    )
