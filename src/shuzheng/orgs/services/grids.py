"""Grids (网格) inside villages and the grid workers (网格员) who work them."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from shuzheng.core import audit
from shuzheng.core.actors import Actor
from shuzheng.core.field_errors import FieldErrors
from shuzheng.core.masking import mask_mobile
from shuzheng.core.validators import validate_mobile
from shuzheng.orgs.models import Division, Grid, GridWorker
from shuzheng.orgs.services.common import (
    UNSET,
    Unset,
    check_code,
    clean_text,
    field_values,
    fresh,
    is_taken,
    locked,
    newly_inactive,
    normalised,
    pick,
    pk_or_zero,
    refuse_if_any_active,
    refuse_if_inactive,
    required_text,
    save_with_audit,
    set_active,
)


def grid_snapshot(grid: Grid) -> dict[str, Any]:
    return field_values(grid, "code", "name", "division_id", "is_active")


def grid_worker_snapshot(worker: GridWorker) -> dict[str, Any]:
    """The phone masked: audit rows hold no clear-text personal data."""
    return {
        **field_values(worker, "grid_id", "user_id", "name"),
        "phone": mask_mobile(worker.phone) if worker.phone else "",
        "is_active": worker.is_active,
    }


def grid_validate(*, code: str, name: str, division: Division | None, instance: Grid | None = None) -> None:
    errs = FieldErrors()
    check_code(errs, "code", "网格编码", code)
    if code and is_taken(Grid, instance, code=code):
        errs.add("code", f"网格编码“{code}”已存在")
    required_text(errs, "name", "网格名称", name, 64)
    if division is None:
        errs.add("division", "所属村（社区）不能为空")
    else:
        if division.level != Division.Level.VILLAGE:
            errs.add(
                "division", f"网格只能划在村（社区）内，“{division.name}”是{division.get_level_display()}"
            )
        if newly_inactive(division, instance, "division"):
            errs.add("division", f"区划“{division.name}”已停用")
    errs.raise_if_any()


@transaction.atomic
def grid_create(*, actor: Actor, code: str, name: str, division: Division) -> Grid:
    division = fresh(division)
    code, name = clean_text(code), clean_text(name)
    grid_validate(code=code, name=name, division=division)
    grid = Grid.objects.create(code=code, name=name, division=division)
    audit.record(actor=actor, action="orgs.grid.create", subject=grid, after=grid_snapshot(grid))
    return grid


@transaction.atomic
def grid_update(
    *,
    actor: Actor,
    grid: Grid,
    code: str | Unset = UNSET,
    name: str | Unset = UNSET,
    division: Division | Unset = UNSET,
) -> Grid:
    division = fresh(division)
    grid = locked(grid)
    new_division = pick(division, grid.division)
    values = {"code": clean_text(pick(code, grid.code)), "name": clean_text(pick(name, grid.name))}
    grid_validate(division=new_division, instance=grid, **values)
    return save_with_audit(
        grid,
        {**values, "division_id": new_division.pk},
        actor=actor,
        action="orgs.grid.update",
        snapshot=grid_snapshot,
    )


@transaction.atomic
def grid_deactivate(*, actor: Actor, grid: Grid) -> Grid:
    return set_active(
        grid,
        actor=actor,
        active=False,
        snapshot=grid_snapshot,
        action="orgs.grid.deactivate",
        guard=lambda g: refuse_if_any_active(g.workers, f"网格“{g.name}”仍有在岗网格员，请先调整网格员"),
    )


@transaction.atomic
def grid_activate(*, actor: Actor, grid: Grid) -> Grid:
    return set_active(
        grid,
        actor=actor,
        active=True,
        snapshot=grid_snapshot,
        action="orgs.grid.activate",
        guard=lambda g: refuse_if_inactive(g.division, "区划“{name}”已停用"),
        related=("division",),
    )


# --- grid workers ---------------------------------------------------------------------------------


def _clean_mobile(phone: str | None) -> str:
    return normalised(validate_mobile, phone, "phone", clean_text(phone))


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
    elif newly_inactive(grid, instance, "grid"):
        errs.add("grid", f"网格“{grid.name}”已停用")
    required_text(errs, "name", "姓名", name, 32)
    if phone:
        errs.check(validate_mobile, phone, "phone")
    if user is not None:
        taken = GridWorker.objects.filter(user=user).exclude(pk=pk_or_zero(instance)).first()
        if taken is not None:
            errs.add("user", f"该账号已关联网格员“{taken.name}”")
    errs.raise_if_any()


@transaction.atomic
def grid_worker_create(
    *, actor: Actor, grid: Grid, name: str, phone: str = "", user: Any = None
) -> GridWorker:
    grid = fresh(grid)
    name, phone = clean_text(name), _clean_mobile(phone)
    grid_worker_validate(grid=grid, name=name, phone=phone, user=user)
    worker = GridWorker.objects.create(grid=grid, name=name, phone=phone, user=user)
    audit.record(
        actor=actor, action="orgs.grid_worker.create", subject=worker, after=grid_worker_snapshot(worker)
    )
    return worker


@transaction.atomic
def grid_worker_update(
    *,
    actor: Actor,
    worker: GridWorker,
    grid: Grid | Unset = UNSET,
    name: str | Unset = UNSET,
    phone: str | Unset = UNSET,
    user: Any = UNSET,
) -> GridWorker:
    grid = fresh(grid)
    worker = locked(worker)
    new_grid = pick(grid, worker.grid)
    new_user = pick(user, worker.user)
    new_name = clean_text(pick(name, worker.name))
    new_phone = _clean_mobile(pick(phone, worker.phone))
    grid_worker_validate(grid=new_grid, name=new_name, phone=new_phone, user=new_user, instance=worker)
    values = {
        "grid_id": new_grid.pk,
        "name": new_name,
        "phone": new_phone,
        "user_id": new_user.pk if new_user is not None else None,
    }
    return save_with_audit(
        worker, values, actor=actor, action="orgs.grid_worker.update", snapshot=grid_worker_snapshot
    )


@transaction.atomic
def grid_worker_deactivate(*, actor: Actor, worker: GridWorker) -> GridWorker:
    return set_active(
        worker, actor=actor, active=False, snapshot=grid_worker_snapshot, action="orgs.grid_worker.deactivate"
    )


@transaction.atomic
def grid_worker_activate(*, actor: Actor, worker: GridWorker) -> GridWorker:
    return set_active(
        worker,
        actor=actor,
        active=True,
        snapshot=grid_worker_snapshot,
        action="orgs.grid_worker.activate",
        guard=lambda w: refuse_if_inactive(w.grid, "网格“{name}”已停用"),
        related=("grid",),
    )
