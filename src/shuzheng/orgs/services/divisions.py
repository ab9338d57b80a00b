"""Administrative divisions (行政区划): a tree keyed by GB/T 2260 and statistical codes."""

from __future__ import annotations

from typing import Any, Final

from django.db import transaction

from shuzheng.core import audit
from shuzheng.core.actors import Actor
from shuzheng.core.field_errors import FieldErrors
from shuzheng.core.validators import validate_division_code
from shuzheng.orgs.models import Division
from shuzheng.orgs.services.common import (
    UNSET,
    Unset,
    check_choice,
    clean_text,
    field_values,
    fresh,
    is_taken,
    locked,
    move_subtree,
    newly_inactive,
    node_path,
    normalised,
    pick,
    refuse_if_any_active,
    refuse_if_inactive,
    required_text,
    save_with_audit,
    set_active,
)

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


def division_snapshot(division: Division) -> dict[str, Any]:
    return field_values(division, "code", "name", "level", "parent_id", "path", "is_generated", "is_active")


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
    required_text(errs, "name", "名称", name, 64)
    level_ok = check_choice(errs, "level", "层级", level, Division.Level)
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
        if newly_inactive(parent, instance, "parent"):
            errs.add("parent", f"上级区划“{parent.name}”已停用")
        if level_ok and LEVEL_RANK[Division.Level(level)] <= LEVEL_RANK[Division.Level(parent.level)]:
            errs.add("level", f"{Division.Level(level).label}不能作为{parent.get_level_display()}的下级")
        elif code:
            prefix = parent.code[: SHARED_PREFIX.get(Division.Level(parent.level), len(parent.code))]
            if not code.startswith(prefix) or code == parent.code:
                errs.add("code", f"区划代码“{code}”应以上级区划代码前缀“{prefix}”开头")
        if instance is not None and instance.pk and parent.path.startswith(instance.path):
            errs.add("parent", "不能把区划移动到它自身或它的下级之下")
    if code and is_taken(Division, instance, code=code):
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
    return normalised(validate_division_code, code, "code", clean_text(code))


@transaction.atomic
def division_create(
    *,
    actor: Actor,
    code: str,
    name: str,
    level: str,
    parent: Division | None = None,
    is_generated: bool = False,
) -> Division:
    parent = fresh(parent)
    code, name = clean_division_code(code), clean_text(name)
    division_validate(code=code, name=name, level=level, parent=parent)
    division = Division.objects.create(
        code=code,
        name=name,
        level=level,
        parent=parent,
        path=node_path(code=code, parent=parent),
        is_generated=is_generated,
    )
    audit.record(
        actor=actor, action="orgs.division.create", subject=division, after=division_snapshot(division)
    )
    return division


@transaction.atomic
def division_update(
    *,
    actor: Actor,
    division: Division,
    code: str | Unset = UNSET,
    name: str | Unset = UNSET,
    level: str | Unset = UNSET,
    parent: Division | Unset | None = UNSET,
    is_generated: bool | Unset = UNSET,
) -> Division:
    """Change fields; changing code or parent moves the node and rewrites its subtree's paths."""
    parent = fresh(parent)
    division = locked(division)
    new_code = clean_division_code(pick(code, division.code))
    new_name = clean_text(pick(name, division.name))
    new_level = pick(level, division.level)
    new_parent = pick(parent, division.parent)
    division_validate(code=new_code, name=new_name, level=new_level, parent=new_parent, instance=division)
    values = {
        "code": new_code,
        "name": new_name,
        "level": new_level,
        "parent_id": new_parent.pk if new_parent else None,
        "path": node_path(code=new_code, parent=new_parent),
        "is_generated": pick(is_generated, division.is_generated),
    }
    old_path = division.path
    save_with_audit(division, values, actor=actor, action="orgs.division.update", snapshot=division_snapshot)
    move_subtree(Division, old_path=old_path, new_path=division.path, root_pk=division.pk)
    return division


@transaction.atomic
def division_deactivate(*, actor: Actor, division: Division) -> Division:
    return set_active(
        division,
        actor=actor,
        active=False,
        snapshot=division_snapshot,
        action="orgs.division.deactivate",
        guard=lambda d: refuse_if_any_active(d.children, f"“{d.name}”仍有启用的下级区划，请先停用下级区划"),
    )


@transaction.atomic
def division_activate(*, actor: Actor, division: Division) -> Division:
    return set_active(
        division,
        actor=actor,
        active=True,
        snapshot=division_snapshot,
        action="orgs.division.activate",
        guard=lambda d: refuse_if_inactive(d.parent, "上级区划“{name}”已停用，请先启用上级区划"),
    )
