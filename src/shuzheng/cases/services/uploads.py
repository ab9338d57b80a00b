"""Uploads: a checked file stored before the submission, correction answer or delivery that uses it."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Final

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction

from shuzheng.cases.access import is_staff, signed_in
from shuzheng.cases.models import Case, CaseMaterial, MaterialUpload
from shuzheng.cases.services.common import now_or
from shuzheng.cases.uploads import check_file
from shuzheng.core import audit
from shuzheng.core.errors import Conflict, PermissionDenied, ValidationFailed
from shuzheng.identity.actors import Actor

if TYPE_CHECKING:
    from shuzheng.catalog.models import MaterialRequirement
    from shuzheng.identity.models import User

MAX_PENDING_UPLOADS: Final = 200
STALE_UPLOAD_HOURS: Final = 24
#: Staff permissions that may upload files (intake scans, correction on behalf, result documents).
UPLOAD_PERMISSIONS: Final = ("cases.intake_case", "cases.accept_case", "cases.deliver_case")


def _may_upload(user: User) -> bool:
    if not is_staff(user):
        return True
    return any(user.has_perm(p) for p in UPLOAD_PERMISSIONS)


@transaction.atomic
def material_upload(*, actor: Actor, file: Any, name: str = "") -> MaterialUpload:
    """Check one file (type by content, size, PDF pages), store it with its SM3 digest, return its id
    for a later submission, correction answer or delivery."""
    user = signed_in(actor)
    if not _may_upload(user):
        raise PermissionDenied("没有上传办件材料的权限。")
    pending = MaterialUpload.objects.filter(uploaded_by=user, material__isnull=True).count()
    if pending >= MAX_PENDING_UPLOADS:
        raise Conflict("未使用的上传文件过多，请先提交申请或稍后再试。", code="too_many_uploads")
    checked = check_file(file, name=name)
    upload = MaterialUpload(
        uploaded_by=user,
        original_name=checked.name,
        content_type=checked.content_type,
        size=checked.size,
        pages=checked.pages,
        sm3=checked.sm3,
    )
    extension = {"application/pdf": "pdf", "image/jpeg": "jpg", "image/png": "png", "application/ofd": "ofd"}
    upload.file.save(
        f"{uuid.uuid4().hex}.{extension[checked.content_type]}", ContentFile(checked.content), save=False
    )
    upload.save()
    audit.record(
        actor=user,
        action="cases.upload.create",
        subject=upload,
        after={
            "content_type": upload.content_type,
            "size": upload.size,
            "pages": upload.pages,
            "sm3": upload.sm3,
        },
    )
    return upload


def take_upload(
    user: User, upload_id: Any, *, field: str, locked: dict[int, MaterialUpload]
) -> MaterialUpload:
    """The user's own unused upload among the `locked` ones; anything else is a field error."""
    upload = locked.get(upload_id) if isinstance(upload_id, int) else None
    if upload is None or upload.uploaded_by_id != user.pk or upload.material_id is not None:
        raise ValidationFailed.for_field(field, "上传的文件不存在或已被使用，请重新上传")
    return upload


def lock_uploads(ids: Sequence[Any]) -> dict[int, MaterialUpload]:
    wanted = [i for i in ids if isinstance(i, int)]
    if not wanted:
        return {}
    return {u.pk: u for u in MaterialUpload.objects.select_for_update().filter(pk__in=wanted)}


def material_from_upload(
    case: Case, requirement: MaterialRequirement | None, upload: MaterialUpload, user: User
) -> CaseMaterial:
    return CaseMaterial(
        case=case,
        requirement=requirement,
        name=requirement.name if requirement is not None else upload.original_name,
        file=upload.file.name,
        content_type=upload.content_type,
        size=upload.size,
        pages=upload.pages,
        sm3=upload.sm3,
        uploaded_by=user,
    )


@transaction.atomic
def purge_stale_uploads(*, older_than_hours: int = STALE_UPLOAD_HOURS, now: datetime | None = None) -> int:
    """Delete uploads never attached to a case after `older_than_hours`, files included."""
    cutoff = now_or(now) - timedelta(hours=older_than_hours)
    stale = list(MaterialUpload.objects.filter(material__isnull=True, created_at__lt=cutoff))
    names = [upload.file.name for upload in stale if upload.file.name]
    MaterialUpload.objects.filter(pk__in=[upload.pk for upload in stale]).delete()

    def delete_files() -> None:
        for name in names:
            default_storage.delete(name)

    transaction.on_commit(delete_files)
    return len(stale)
