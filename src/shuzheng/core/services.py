"""Writes of the shared kernel: holiday overrides (audited; the calendar cache is refreshed)."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from shuzheng.core import audit, calendar
from shuzheng.core.actors import Actor
from shuzheng.core.models import HolidayOverride


def _snapshot(override: HolidayOverride) -> dict[str, Any]:
    return {"day": override.day.isoformat(), "kind": override.kind, "name": override.name}


@transaction.atomic
def holiday_override_save(*, actor: Actor, override: HolidayOverride) -> HolidayOverride:
    before = None
    if override.pk:
        before = _snapshot(HolidayOverride.objects.get(pk=override.pk))
    override.save()
    audit.record(
        actor=actor,
        action="core.holiday_override.update" if before else "core.holiday_override.create",
        subject=override,
        before=before,
        after=_snapshot(override),
    )
    transaction.on_commit(calendar.invalidate_cache)
    return override


@transaction.atomic
def holiday_override_delete(*, actor: Actor, override: HolidayOverride) -> None:
    before = _snapshot(override)
    subject_id = override.pk
    override.delete()
    audit.record(
        actor=actor,
        action="core.holiday_override.delete",
        subject_type="core.holidayoverride",
        subject_id=subject_id,
        before=before,
    )
    transaction.on_commit(calendar.invalidate_cache)
