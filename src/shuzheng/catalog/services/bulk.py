"""Many new items published at once with bulk inserts (demo data, scale tests)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Final

from django.db import transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone

from shuzheng.catalog.constants import EDIT_PERM, PUBLISH_PERM, VersionStatus
from shuzheng.catalog.models import MaterialRequirement, ServiceItem, ServiceItemVersion, WorkflowStep
from shuzheng.catalog.rules import require, rule_problems
from shuzheng.catalog.services.cleaning import SCALAR_FIELDS, Lookups, clean_code, clean_fields
from shuzheng.catalog.services.search import index_many, search_text
from shuzheng.core import audit
from shuzheng.core.actors import is_system
from shuzheng.core.errors import ValidationFailed
from shuzheng.core.field_errors import FieldErrors
from shuzheng.identity.actors import Actor, is_user

BULK_CHUNK: Final = 500


@transaction.atomic
def items_bulk_publish(
    *,
    actor: Actor,
    items: Sequence[tuple[str, dict[str, Any]]],
    progress: Callable[[int, int], None] | None = None,
) -> list[str]:
    """Create many new items, each published at once as version 1, with bulk inserts.

    ``items`` are (实施编码, fields as for `item_create`). Every item is cleaned and checked against the
    publication rules first; if any fails, nothing is written and ValidationFailed lists the errors as
    "<code>: <message>". One audit event covers the batch. Returns the codes created, in order.
    """
    lookups = Lookups(preload=True)
    errs = FieldErrors()
    rows: list[tuple[str, dict[str, Any]]] = []
    seen: set[str] = set()
    for code, fields in items:
        try:
            code = clean_code(code)
            cleaned = clean_fields(dict(fields), creating=True, lookups=lookups)
        except ValidationFailed as exc:
            for error in exc.errors or [{"field": "", "message": exc.detail}]:
                errs.add(f"{code}.{error['field']}", f"{code}：{error['message']}")
            continue
        if code in seen:
            errs.add(f"{code}.code", f"{code}：实施编码重复")
        seen.add(code)
        values = {**cleaned, "materials": cleaned.get("materials") or [], "steps": cleaned.get("steps") or []}
        for problem in rule_problems(values):
            errs.add(f"{code}.{problem['field']}", f"{code}：{problem['message']}")
        rows.append((code, cleaned))
    taken = ServiceItem.objects.filter(code__in=[code for code, _ in rows]).values_list("code", flat=True)
    for code in taken:
        errs.add(f"{code}.code", f"{code}：实施编码已存在")
    if not is_system(actor):
        for department in {cleaned["department"].pk: cleaned["department"] for _, cleaned in rows}.values():
            require(actor, EDIT_PERM, department, verb="编辑事项")
            require(actor, PUBLISH_PERM, department, verb="发布事项")
    errs.raise_if_any("批量发布未执行", code="bulk_invalid")

    today = timezone.localdate()
    now = timezone.now()
    publisher = actor if is_user(actor) else None
    total = len(rows)
    segmented: dict[str, str] = {}
    for start in range(0, total, BULK_CHUNK):
        chunk = rows[start : start + BULK_CHUNK]
        ServiceItem.objects.bulk_create(
            [ServiceItem(code=code, department=cleaned["department"]) for code, cleaned in chunk]
        )
        item_ids = dict(
            ServiceItem.objects.filter(code__in=[code for code, _ in chunk]).values_list("code", "pk")
        )
        ServiceItemVersion.objects.bulk_create(
            [
                ServiceItemVersion(
                    item_id=item_ids[code],
                    number=1,
                    code=code,
                    status=VersionStatus.PUBLISHED,
                    valid_from=today,
                    published_at=now,
                    published_by=publisher,
                    **{name: cleaned[name] for name in SCALAR_FIELDS if name in cleaned},
                )
                for code, cleaned in chunk
            ]
        )
        version_ids = dict(
            ServiceItemVersion.objects.filter(item_id__in=item_ids.values()).values_list("code", "pk")
        )
        MaterialRequirement.objects.bulk_create(
            [
                MaterialRequirement(version_id=version_ids[code], position=i, **material)
                for code, cleaned in chunk
                for i, material in enumerate(cleaned.get("materials") or [], 1)
            ]
        )
        WorkflowStep.objects.bulk_create(
            [
                WorkflowStep(version_id=version_ids[code], position=i, **step)
                for code, cleaned in chunk
                for i, step in enumerate(cleaned.get("steps") or [], 1)
            ]
        )
        through = ServiceItemVersion.guide_groups.through
        through.objects.bulk_create(
            [
                through(serviceitemversion_id=version_ids[code], guidegroup_id=group.pk)
                for code, cleaned in chunk
                for group in cleaned.get("guide_groups") or []
            ]
        )
        # each new item has exactly one version: link it in one UPDATE … SET live_version_id = (subquery)
        only_version = ServiceItemVersion.objects.filter(item_id=OuterRef("pk")).values("pk")[:1]
        ServiceItem.objects.filter(pk__in=item_ids.values()).update(live_version_id=Subquery(only_version))
        index_many([(code, search_text(cleaned)) for code, cleaned in chunk], segmented)
        if progress is not None:
            progress(start + len(chunk), total)
    codes = [code for code, _ in rows]
    if codes:
        audit.record(
            actor=actor,
            action="catalog.item.bulk_publish",
            subject_type="catalog.serviceitem",
            subject_id=codes[0],
            after={
                "count": len(codes),
                "first": codes[0],
                "last": codes[-1],
                "valid_from": today.isoformat(),
            },
        )
    return codes
