"""Where people are served: halls (政务服务大厅), their windows, and self-service and bank terminals."""

from __future__ import annotations

from typing import Any, Final

from django.db import transaction

from shuzheng.core import audit
from shuzheng.core.actors import Actor
from shuzheng.core.field_errors import FieldErrors
from shuzheng.orgs.models import Department, Division, Hall, Kiosk, Window
from shuzheng.orgs.services.common import (
    ACTIVE_FIELDS,
    UNSET,
    Unset,
    check_choice,
    check_code,
    clean_text,
    field_values,
    fresh,
    is_taken,
    locked,
    max_text,
    newly_inactive,
    pick,
    refuse_if_inactive,
    required_text,
    save_with_audit,
    set_active,
)

# Which division levels a hall of each level may sit in.
HALL_DIVISION_LEVELS: Final = {
    Hall.Level.CITY: {Division.Level.PROVINCE, Division.Level.PREFECTURE, Division.Level.CITY},
    Hall.Level.TOWN: {Division.Level.TOWN},
    Hall.Level.VILLAGE: {Division.Level.VILLAGE},
}


def hall_snapshot(hall: Hall) -> dict[str, Any]:
    return field_values(
        hall, "code", "name", "level", "division_id", "address", "opening_hours", "phone", "is_active"
    )


def window_snapshot(window: Window) -> dict[str, Any]:
    return field_values(window, "hall_id", "number", "name", "kind", "department_id", "is_active")


def kiosk_snapshot(kiosk: Kiosk) -> dict[str, Any]:
    return field_values(
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
    check_code(errs, "code", "大厅编码", code)
    if code and is_taken(Hall, instance, code=code):
        errs.add("code", f"大厅编码“{code}”已存在")
    required_text(errs, "name", "名称", name, 128)
    level_ok = check_choice(errs, "level", "层级", level, Hall.Level)
    if division is None:
        errs.add("division", "所在区划不能为空")
    else:
        if level_ok and division.level not in HALL_DIVISION_LEVELS[Hall.Level(level)]:
            errs.add(
                "division",
                f"{Hall.Level(level).label}大厅不能设在{division.get_level_display()}“{division.name}”",
            )
        if newly_inactive(division, instance, "division"):
            errs.add("division", f"区划“{division.name}”已停用")
    max_text(errs, "address", "地址", address, 255)
    max_text(errs, "opening_hours", "办公时间", opening_hours, 128)
    max_text(errs, "phone", "咨询电话", phone, 32)
    errs.raise_if_any()


@transaction.atomic
def hall_create(
    *,
    actor: Actor,
    code: str,
    name: str,
    level: str,
    division: Division,
    address: str = "",
    opening_hours: str = "",
    phone: str = "",
) -> Hall:
    division = fresh(division)
    values: dict[str, Any] = {
        "code": clean_text(code),
        "name": clean_text(name),
        "level": level,
        "address": clean_text(address),
        "opening_hours": clean_text(opening_hours),
        "phone": clean_text(phone),
    }
    hall_validate(division=division, **values)
    hall = Hall.objects.create(division=division, **values)
    audit.record(actor=actor, action="orgs.hall.create", subject=hall, after=hall_snapshot(hall))
    return hall


@transaction.atomic
def hall_update(
    *,
    actor: Actor,
    hall: Hall,
    code: str | Unset = UNSET,
    name: str | Unset = UNSET,
    level: str | Unset = UNSET,
    division: Division | Unset = UNSET,
    address: str | Unset = UNSET,
    opening_hours: str | Unset = UNSET,
    phone: str | Unset = UNSET,
) -> Hall:
    division = fresh(division)
    hall = locked(hall)
    new_division = pick(division, hall.division)
    values = {
        "code": clean_text(pick(code, hall.code)),
        "name": clean_text(pick(name, hall.name)),
        "level": pick(level, hall.level),
        "address": clean_text(pick(address, hall.address)),
        "opening_hours": clean_text(pick(opening_hours, hall.opening_hours)),
        "phone": clean_text(pick(phone, hall.phone)),
    }
    hall_validate(division=new_division, instance=hall, **values)
    return save_with_audit(
        hall,
        {**values, "division_id": new_division.pk},
        actor=actor,
        action="orgs.hall.update",
        snapshot=hall_snapshot,
    )


@transaction.atomic
def hall_deactivate(*, actor: Actor, hall: Hall) -> Hall:
    """Close a hall; its windows close with it (recorded in the event, so not set_active)."""
    hall = locked(hall)
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
def hall_activate(*, actor: Actor, hall: Hall) -> Hall:
    """Reopen a hall; its windows stay closed until reopened one by one."""
    return set_active(hall, actor=actor, active=True, snapshot=hall_snapshot, action="orgs.hall.activate")


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
    elif newly_inactive(hall, instance, "hall"):
        errs.add("hall", f"大厅“{hall.name}”已停用")
    required_text(errs, "number", "窗口号", number, 16)
    if hall is not None and number and is_taken(Window, instance, hall=hall, number=number):
        errs.add("number", f"大厅“{hall.name}”已有{number}号窗口")
    required_text(errs, "name", "窗口名称", name, 64)
    check_choice(errs, "kind", "窗口类型", kind, Window.Kind)
    if kind == Window.Kind.SPECIALISED and department is None:
        errs.add("department", "专业窗口必须指定所属部门")
    if department is not None and newly_inactive(department, instance, "department"):
        errs.add("department", f"部门“{department.name}”已停用")
    errs.raise_if_any()


@transaction.atomic
def window_create(
    *,
    actor: Actor,
    hall: Hall,
    number: str,
    name: str,
    kind: str = Window.Kind.COMPREHENSIVE,
    department: Department | None = None,
) -> Window:
    hall = fresh(hall)
    department = fresh(department)
    number, name = clean_text(number), clean_text(name)
    window_validate(hall=hall, number=number, name=name, kind=kind, department=department)
    window = Window.objects.create(hall=hall, number=number, name=name, kind=kind, department=department)
    audit.record(actor=actor, action="orgs.window.create", subject=window, after=window_snapshot(window))
    return window


@transaction.atomic
def window_update(
    *,
    actor: Actor,
    window: Window,
    hall: Hall | Unset = UNSET,
    number: str | Unset = UNSET,
    name: str | Unset = UNSET,
    kind: str | Unset = UNSET,
    department: Department | Unset | None = UNSET,
) -> Window:
    hall = fresh(hall)
    department = fresh(department)
    window = locked(window)
    new_hall = pick(hall, window.hall)
    new_department = pick(department, window.department)
    values = {
        "number": clean_text(pick(number, window.number)),
        "name": clean_text(pick(name, window.name)),
        "kind": pick(kind, window.kind),
    }
    window_validate(hall=new_hall, department=new_department, instance=window, **values)
    return save_with_audit(
        window,
        {**values, "hall_id": new_hall.pk, "department_id": new_department.pk if new_department else None},
        actor=actor,
        action="orgs.window.update",
        snapshot=window_snapshot,
    )


@transaction.atomic
def window_deactivate(*, actor: Actor, window: Window) -> Window:
    return set_active(
        window, actor=actor, active=False, snapshot=window_snapshot, action="orgs.window.deactivate"
    )


@transaction.atomic
def window_activate(*, actor: Actor, window: Window) -> Window:
    return set_active(
        window,
        actor=actor,
        active=True,
        snapshot=window_snapshot,
        action="orgs.window.activate",
        guard=lambda w: refuse_if_inactive(w.hall, "大厅“{name}”已停用，请先启用大厅"),
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
    check_code(errs, "code", "设备编号", code)
    if code and is_taken(Kiosk, instance, code=code):
        errs.add("code", f"设备编号“{code}”已存在")
    check_choice(errs, "kind", "终端类型", kind, Kiosk.Kind)
    required_text(errs, "name", "名称", name, 128)
    if division is None:
        errs.add("division", "所在区划不能为空")
    elif newly_inactive(division, instance, "division"):
        errs.add("division", f"区划“{division.name}”已停用")
    if hall is not None and division is not None and hall.division_id != division.pk:
        errs.add("hall", f"大厅“{hall.name}”不在所选区划“{division.name}”内")
    if kind == Kiosk.Kind.BANK_TERMINAL:
        if not bank_name:
            errs.add("bank_name", "政银通办终端必须填写银行")
        if not bank_outlet:
            errs.add("bank_outlet", "政银通办终端必须填写银行网点")
    max_text(errs, "bank_name", "银行", bank_name, 64)
    max_text(errs, "bank_outlet", "银行网点", bank_outlet, 128)
    max_text(errs, "address", "地址", address, 255)
    errs.raise_if_any()


@transaction.atomic
def kiosk_create(
    *,
    actor: Actor,
    code: str,
    kind: str,
    name: str,
    division: Division,
    hall: Hall | None = None,
    bank_name: str = "",
    bank_outlet: str = "",
    address: str = "",
) -> Kiosk:
    division = fresh(division)
    hall = fresh(hall)
    values: dict[str, Any] = {
        "code": clean_text(code),
        "kind": kind,
        "name": clean_text(name),
        "bank_name": clean_text(bank_name),
        "bank_outlet": clean_text(bank_outlet),
        "address": clean_text(address),
    }
    kiosk_validate(division=division, hall=hall, **values)
    kiosk = Kiosk.objects.create(division=division, hall=hall, **values)
    audit.record(actor=actor, action="orgs.kiosk.create", subject=kiosk, after=kiosk_snapshot(kiosk))
    return kiosk


@transaction.atomic
def kiosk_update(
    *,
    actor: Actor,
    kiosk: Kiosk,
    code: str | Unset = UNSET,
    kind: str | Unset = UNSET,
    name: str | Unset = UNSET,
    division: Division | Unset = UNSET,
    hall: Hall | Unset | None = UNSET,
    bank_name: str | Unset = UNSET,
    bank_outlet: str | Unset = UNSET,
    address: str | Unset = UNSET,
) -> Kiosk:
    division = fresh(division)
    hall = fresh(hall)
    kiosk = locked(kiosk)
    new_division = pick(division, kiosk.division)
    new_hall = pick(hall, kiosk.hall)
    values = {
        "code": clean_text(pick(code, kiosk.code)),
        "kind": pick(kind, kiosk.kind),
        "name": clean_text(pick(name, kiosk.name)),
        "bank_name": clean_text(pick(bank_name, kiosk.bank_name)),
        "bank_outlet": clean_text(pick(bank_outlet, kiosk.bank_outlet)),
        "address": clean_text(pick(address, kiosk.address)),
    }
    kiosk_validate(division=new_division, hall=new_hall, instance=kiosk, **values)
    return save_with_audit(
        kiosk,
        {**values, "division_id": new_division.pk, "hall_id": new_hall.pk if new_hall else None},
        actor=actor,
        action="orgs.kiosk.update",
        snapshot=kiosk_snapshot,
    )


@transaction.atomic
def kiosk_deactivate(*, actor: Actor, kiosk: Kiosk) -> Kiosk:
    return set_active(
        kiosk, actor=actor, active=False, snapshot=kiosk_snapshot, action="orgs.kiosk.deactivate"
    )


@transaction.atomic
def kiosk_activate(*, actor: Actor, kiosk: Kiosk) -> Kiosk:
    return set_active(kiosk, actor=actor, active=True, snapshot=kiosk_snapshot, action="orgs.kiosk.activate")
