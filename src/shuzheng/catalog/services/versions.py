"""Items and their versions: create, edit a draft, copy the live version into a new draft, publish, retire,
discard. A version is edited only while it is a draft; publishing validates it completely, supersedes the
version it replaces and indexes it for full-text search. Each service is keyword-only, runs in one
transaction and writes its audit event in it."""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from shuzheng.catalog.constants import EDIT_PERM, PUBLISH_PERM, SEARCH_DOC_TYPE, VersionStatus
from shuzheng.catalog.models import MaterialRequirement, ServiceItem, ServiceItemVersion, WorkflowStep
from shuzheng.catalog.rules import publish_problems, require
from shuzheng.catalog.services.cleaning import SCALAR_FIELDS, VersionFields, clean_code, clean_fields
from shuzheng.catalog.services.content import matches, version_snapshot
from shuzheng.catalog.services.search import index_guide
from shuzheng.catalog.workflow import PUBLISH, REFUSALS, RETIRE, SUPERSEDE, VERSION_TRANSITIONS
from shuzheng.core import audit, fulltext
from shuzheng.core.errors import Conflict, NotFound
from shuzheng.core.field_errors import FieldErrors
from shuzheng.identity.actors import Actor, is_user

if TYPE_CHECKING:
    from shuzheng.orgs.models import Department


def _write(version: ServiceItemVersion, cleaned: dict[str, Any]) -> None:
    """Store cleaned fields on a draft: scalar fields, then child lists (replace-all)."""
    for name in SCALAR_FIELDS:
        if name in cleaned:
            setattr(version, name, cleaned[name])
    version.save()
    if "materials" in cleaned:
        version.materials.all().delete()
        MaterialRequirement.objects.bulk_create(
            [
                MaterialRequirement(version=version, position=i, **m)
                for i, m in enumerate(cleaned["materials"], 1)
            ]
        )
    if "steps" in cleaned:
        version.steps.all().delete()
        WorkflowStep.objects.bulk_create(
            [WorkflowStep(version=version, position=i, **s) for i, s in enumerate(cleaned["steps"], 1)]
        )
    if "guide_groups" in cleaned:
        version.guide_groups.set(cleaned["guide_groups"])


def _locked_item(item_id: int) -> ServiceItem:
    item = (
        ServiceItem.objects.select_for_update()
        .select_related("department__division")
        .filter(pk=item_id)
        .first()
    )
    if item is None:
        raise NotFound("事项不存在。")
    return item


def _fresh_version(version: ServiceItemVersion) -> ServiceItemVersion:
    """Lock the item, then re-read the version (another request may have published it meanwhile)."""
    _locked_item(version.item_id)
    fresh = ServiceItemVersion.objects.select_related(
        "item__department__division", "department__division"
    ).filter(pk=version.pk)
    found = fresh.first()
    if found is None:
        raise NotFound("事项版本不存在。")
    return found


def transition(version: ServiceItemVersion, action: str) -> None:
    """Set the version's status as `action` leads from it (see `catalog.workflow`); the caller saves.
    Conflict when the table does not allow `action` from the version's status."""
    target = VERSION_TRANSITIONS.target(version.status, action)
    if target is None:
        code, message = REFUSALS[action]
        raise Conflict(message.format(status=version.get_status_display()), code=code)
    version.status = target


def _immutable(version: ServiceItemVersion) -> Conflict:
    return Conflict(
        f"{version.get_status_display()}的版本不可修改，请先基于现行版本创建草稿。", code="version_immutable"
    )


@transaction.atomic
def item_create(*, actor: Actor, code: str, fields: VersionFields) -> ServiceItemVersion:
    """A new service item with its first version, a draft. Returns the draft.

    ``name``, ``item_type``, ``department`` (a Department or its code), ``level`` and both time limits
    are required; the rest default to empty."""
    code = clean_code(code)
    cleaned = clean_fields(dict(fields), creating=True)
    owner: Department = cleaned["department"]
    require(actor, EDIT_PERM, owner, verb="编辑事项")
    if ServiceItem.objects.filter(code=code).exists():
        raise Conflict(f"实施编码“{code}”已存在。", errors=[{"field": "code", "message": "实施编码已存在"}])
    defaults = {"statutory_limit_days": 0, "promised_limit_days": 0}
    try:
        with transaction.atomic():
            item = ServiceItem.objects.create(code=code, department=owner)
    except IntegrityError as exc:
        raise Conflict(f"实施编码“{code}”已存在。") from exc
    version = ServiceItemVersion(item=item, number=1, code=code, **defaults)
    _write(version, cleaned)
    audit.record(actor=actor, action="catalog.item.create", subject=version, after=version_snapshot(version))
    return version


@transaction.atomic
def version_update(*, actor: Actor, version: ServiceItemVersion, fields: VersionFields) -> ServiceItemVersion:
    """Edit a draft: only the fields given change; materials, steps and guide groups are replaced whole."""
    version = _fresh_version(version)
    cleaned = clean_fields(dict(fields))
    new_department = cleaned.get("department")
    require(actor, EDIT_PERM, version.item.department, version.department, new_department, verb="编辑事项")
    if version.status != VersionStatus.DRAFT:
        raise _immutable(version)
    if matches(version, cleaned):
        return version
    before = version_snapshot(version)
    _write(version, cleaned)
    audit.record(
        actor=actor,
        action="catalog.version.update",
        subject=version,
        before=before,
        after=version_snapshot(version),
    )
    return version


def _copy_children(source: ServiceItemVersion, target: ServiceItemVersion) -> None:
    MaterialRequirement.objects.bulk_create(
        [
            MaterialRequirement(
                version=target,
                **{
                    f.name: getattr(m, f.name)
                    for f in MaterialRequirement._meta.concrete_fields
                    if f.name not in ("id", "version")
                },
            )
            for m in source.materials.all()
        ]
    )
    WorkflowStep.objects.bulk_create(
        [
            WorkflowStep(
                version=target,
                **{
                    f.attname: getattr(s, f.attname)
                    for f in WorkflowStep._meta.concrete_fields
                    if f.name not in ("id", "version")
                },
            )
            for s in source.steps.all()
        ]
    )
    target.guide_groups.set(source.guide_groups.all())


@transaction.atomic
def version_draft_from(*, actor: Actor, version: ServiceItemVersion) -> ServiceItemVersion:
    """A new draft copied from `version` (usually the live one, which stays live until the draft is
    published)."""
    version = _fresh_version(version)
    item = version.item
    require(actor, EDIT_PERM, item.department, verb="编辑事项")
    if version.status == VersionStatus.DRAFT:
        raise Conflict("该版本本身就是草稿，可直接修改。", code="already_draft")
    if item.versions.filter(status=VersionStatus.DRAFT).exists():
        raise Conflict("该事项已有一份草稿，请先修改或删除现有草稿。", code="draft_exists")
    number = (item.versions.aggregate(n=Max("number"))["n"] or 0) + 1
    draft = ServiceItemVersion(item=item, number=number, status=VersionStatus.DRAFT, code=item.code)
    for name in SCALAR_FIELDS:
        setattr(draft, name, getattr(version, name))
    try:
        with transaction.atomic():
            draft.save()
    except IntegrityError as exc:
        raise Conflict("该事项已有一份草稿，请刷新后重试。", code="draft_exists") from exc
    _copy_children(version, draft)
    audit.record(
        actor=actor,
        action="catalog.version.draft",
        subject=draft,
        after={**version_snapshot(draft), "copied_from": version.number},
    )
    return draft


@transaction.atomic
def version_publish(
    *, actor: Actor, version: ServiceItemVersion, valid_from: date | None = None
) -> ServiceItemVersion:
    """Validate a draft and make it the live version from `valid_from` (default today); the version it
    replaces is retired the day before."""
    version = _fresh_version(version)
    item = version.item
    require(actor, PUBLISH_PERM, item.department, version.department, verb="发布事项")
    transition(version, PUBLISH)
    errs = FieldErrors()
    errs.items.extend(publish_problems(version))
    today = timezone.localdate()
    start = valid_from or today
    if start > today:
        errs.add("valid_from", "生效日期不能晚于今天（暂不支持预约生效）")
    previous = item.live_version
    if previous is not None and previous.valid_from and start < previous.valid_from:
        errs.add("valid_from", f"生效日期不能早于现行版本的生效日期（{previous.valid_from}）")
    errs.raise_if_any("发布前校验未通过", code="publish_invalid")
    before = version_snapshot(previous) if previous is not None else None
    if previous is not None:
        transition(previous, SUPERSEDE)
        previous.valid_to = max(previous.valid_from or start, start - timedelta(days=1))
        previous.save(update_fields=["status", "valid_to", "updated_at"])
    version.valid_from = start
    version.valid_to = None
    version.published_at = timezone.now()
    version.published_by = actor if is_user(actor) else None
    version.save()
    item.live_version = version
    item.department = version.department
    item.save(update_fields=["live_version", "department", "updated_at"])
    index_guide(version)
    audit.record(
        actor=actor,
        action="catalog.version.publish",
        subject=version,
        before=before,
        after=version_snapshot(version),
    )
    return version


@transaction.atomic
def version_retire(*, actor: Actor, version: ServiceItemVersion) -> ServiceItemVersion:
    """Stop the live version today: the item has no live version (and no guide) until a draft is published."""
    version = _fresh_version(version)
    item = version.item
    require(actor, PUBLISH_PERM, item.department, verb="废止事项")
    before = version_snapshot(version)
    transition(version, RETIRE)
    version.valid_to = max(version.valid_from or timezone.localdate(), timezone.localdate())
    version.save(update_fields=["status", "valid_to", "updated_at"])
    if item.live_version_id == version.pk:
        item.live_version = None
        item.save(update_fields=["live_version", "updated_at"])
    fulltext.remove(SEARCH_DOC_TYPE, item.code)
    audit.record(
        actor=actor,
        action="catalog.version.retire",
        subject=version,
        before=before,
        after=version_snapshot(version),
    )
    return version


@transaction.atomic
def version_discard(*, actor: Actor, version: ServiceItemVersion) -> None:
    """Delete a draft; an item that had nothing but this draft is deleted with it."""
    version = _fresh_version(version)
    item = version.item
    require(actor, EDIT_PERM, item.department, verb="编辑事项")
    if version.status != VersionStatus.DRAFT:
        raise _immutable(version)
    before = version_snapshot(version)
    subject_id = version.pk
    version.delete()
    item_deleted = not item.versions.exists()
    if item_deleted:
        item.delete()
    audit.record(
        actor=actor,
        action="catalog.version.discard",
        subject_type="catalog.serviceitemversion",
        subject_id=subject_id,
        before=before,
        after={"item_deleted": item_deleted},
    )
