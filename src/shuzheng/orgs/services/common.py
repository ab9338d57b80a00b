"""What the orgs services share: the UNSET marker, field checks, row locking, saving with an audit event,
switching rows on and off."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any, Final, TypeVar

from django.db import models
from django.db.models import Value
from django.db.models.functions import Concat, Substr

from shuzheng.core import audit
from shuzheng.core.actors import Actor
from shuzheng.core.errors import ValidationFailed
from shuzheng.core.field_errors import FieldErrors
from shuzheng.orgs.models import Department, Division


class Unset:
    """Marker for "keep the stored value" in update services."""

    _instance: Unset | None = None

    def __new__(cls) -> Unset:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "UNSET"

    def __bool__(self) -> bool:
        return False


UNSET: Final = Unset()

M = TypeVar("M", bound=models.Model)

# Department, hall, kiosk and grid codes: letters, digits, "-", "_" and "."; never "/" (paths use it).
CODE_RE: Final = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$")
CODE_HINT: Final = "只能包含字母、数字、“-”“_”“.”，不超过32位"
# What switching a row on or off saves.
ACTIVE_FIELDS: Final = ("is_active", "updated_at")


def clean_text(value: str | None) -> str:
    return (value or "").strip()


def normalised(validate: Callable[..., str], value: str | None, field: str, fallback: str) -> str:
    """`value` as a `core.validators` check normalises it, or `fallback` if invalid (the service's
    validation then names the field)."""
    try:
        return validate(value or "", field=field)
    except ValidationFailed:
        return fallback


def required_text(errs: FieldErrors, field: str, label: str, value: str, max_length: int) -> None:
    if not value:
        errs.add(field, f"{label}不能为空")
    else:
        max_text(errs, field, label, value, max_length)


def max_text(errs: FieldErrors, field: str, label: str, value: str, max_length: int) -> None:
    if len(value) > max_length:
        errs.add(field, f"{label}不能超过{max_length}个字")


def check_code(errs: FieldErrors, field: str, label: str, code: str) -> None:
    if not code:
        errs.add(field, f"{label}不能为空")
    elif not CODE_RE.match(code):
        errs.add(field, f"{label}“{code}”格式不正确：{CODE_HINT}")


def check_choice(
    errs: FieldErrors, field: str, label: str, value: str, choices: type[models.TextChoices]
) -> bool:
    if value in choices.values:
        return True
    errs.add(field, f"{label}“{value}”无效，应为：{'、'.join(choices.labels)}")
    return False


def pk_or_zero(instance: models.Model | None) -> Any:
    """The instance's pk, or 0 (no row has it) so `.exclude(pk=...)` excludes nothing for a new row."""
    return instance.pk if instance is not None and instance.pk else 0


def is_taken(model: type[models.Model], instance: models.Model | None, **lookup: Any) -> bool:
    """Whether another row than `instance` already matches `lookup` (a uniqueness check)."""
    return model._default_manager.filter(**lookup).exclude(pk=pk_or_zero(instance)).exists()


def newly_inactive(target: Any, instance: models.Model | None, field: str) -> bool:
    """Whether `target` is switched off and is not what `instance.<field>` already points at.

    A row may keep pointing at a row deactivated since; it may not be newly pointed at one.
    """
    return not target.is_active and (instance is None or getattr(instance, f"{field}_id") != target.pk)


def fresh(obj: Any) -> Any:
    """The row as stored now (callers may hold a stale copy whose path or state has since changed)."""
    if obj is None or obj is UNSET:
        return obj
    return type(obj)._default_manager.get(pk=obj.pk)


def fresh_many(objs: Any) -> Any:
    if objs is UNSET:
        return objs
    objs = list(objs)
    if not objs:
        return objs
    found = {o.pk: o for o in type(objs[0])._default_manager.filter(pk__in=[o.pk for o in objs])}
    return [found[o.pk] for o in objs if o.pk in found]


def locked(obj: M, *related: str) -> M:
    """The row re-read under a row lock; the `related` rows are joined (and so locked too)."""
    rows = type(obj)._default_manager.select_for_update()
    return (rows.select_related(*related) if related else rows).get(pk=obj.pk)


def pick(new: Any, old: Any) -> Any:
    return old if new is UNSET else new


def changed(obj: models.Model, values: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in values.items() if getattr(obj, k) != v}


def node_path(*, code: str, parent: Division | Department | None) -> str:
    return f"{parent.path if parent else '/'}{code}/"


def move_subtree(model: type[models.Model], *, old_path: str, new_path: str, root_pk: Any) -> int:
    """Rewrite the path prefix of every descendant of the node formerly at `old_path`."""
    if old_path == new_path:
        return 0
    return (
        model._default_manager.filter(path__startswith=old_path)
        .exclude(pk=root_pk)
        .update(path=Concat(Value(new_path), Substr("path", len(old_path) + 1)))
    )


def save_with_audit(
    obj: M,
    values: dict[str, Any],
    *,
    actor: Actor,
    action: str,
    snapshot: Callable[[M], dict[str, Any]],
    update_fields: Iterable[str] | None = None,
) -> M:
    """Set the `values` that differ from the row's, save, and audit before/after; no event if none differ."""
    changes = changed(obj, values)
    if not changes:
        return obj
    before = snapshot(obj)
    for key, value in changes.items():
        setattr(obj, key, value)
    obj.save(update_fields=update_fields)
    audit.record(actor=actor, action=action, subject=obj, before=before, after=snapshot(obj))
    return obj


def set_active(
    obj: M,
    *,
    actor: Actor,
    active: bool,
    snapshot: Callable[[M], dict[str, Any]],
    action: str,
    guard: Callable[[M], None] | None = None,
    related: tuple[str, ...] = (),
) -> M:
    """Switch the row on or off (nothing happens if it already is); `guard` may refuse the switch."""
    obj = locked(obj, *related)
    if obj.is_active == active:  # type: ignore[attr-defined]  # every orgs model has it
        return obj
    if guard is not None:
        guard(obj)
    return save_with_audit(
        obj, {"is_active": active}, actor=actor, action=action, snapshot=snapshot, update_fields=ACTIVE_FIELDS
    )


def refuse_if_inactive(container: Any, message: str) -> None:
    """Guard for activating a row inside `container` (if any) while that is off; `{name}` is its name."""
    if container is not None and not container.is_active:
        raise ValidationFailed.for_field("is_active", message.format(name=container.name))


def refuse_if_any_active(rows: Any, message: str) -> None:
    """Guard for deactivating a row while any of `rows` (those below or in it) is still on."""
    if rows.filter(is_active=True).exists():
        raise ValidationFailed.for_field("is_active", message)


def field_values(obj: models.Model, *names: str) -> dict[str, Any]:
    return {name: getattr(obj, name) for name in names}
