"""Sharing between departments: requests and their decision (SHARING_WORKFLOW), grants and the data
service's credentials."""

from __future__ import annotations

import secrets
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from shuzheng.core import audit, calendar
from shuzheng.core.actors import is_system
from shuzheng.core.errors import Conflict, PermissionDenied, ValidationFailed
from shuzheng.core.field_errors import FieldErrors
from shuzheng.datahub.access import hash_secret
from shuzheng.datahub.models import (
    ApiCredential,
    CatalogEntry,
    EntryStatus,
    Grant,
    SharingRequest,
    SharingType,
)
from shuzheng.datahub.services import (
    PERM_CREDENTIAL,
    PERM_DECIDE,
    PERM_REQUEST,
    require,
    user_of,
)
from shuzheng.datahub.workflow import SHARING_WORKFLOW
from shuzheng.identity.actors import Actor

if TYPE_CHECKING:
    from shuzheng.orgs.models import Department


def decision_days() -> int:
    return int(getattr(settings, "SHUZHENG_SHARING_DECISION_DAYS", 5))


def default_rate_limit() -> int:
    return int(getattr(settings, "SHUZHENG_DATA_RATE_LIMIT_PER_MINUTE", 60))


def _grant_for(request: SharingRequest, *, fields: list[str], allow_clear_text: bool) -> Grant:
    return Grant.objects.create(
        request=request,
        entry=request.entry,
        department=request.requester_department,
        fields=fields,
        purpose=request.purpose,
        allow_clear_text=allow_clear_text,
        valid_from=request.period_start,
        valid_until=request.period_end,
    )


def request_snapshot(request: SharingRequest) -> dict[str, Any]:
    return {
        "entry": request.entry.code,
        "requester": request.requester_department.code,
        "provider": request.provider_department.code,
        "fields": request.fields,
        "status": request.status,
        "approved_fields": request.approved_fields,
        "period": [request.period_start.isoformat(), request.period_end.isoformat()],
    }


@transaction.atomic
def sharing_request_create(
    *,
    actor: Actor,
    entry: CatalogEntry,
    requester_department: Department,
    purpose: str,
    legal_basis: str,
    fields: list[str],
    period_start: date,
    period_end: date,
    submitted_at: datetime | None = None,
) -> SharingRequest:
    """Department A asks for entry E of department B. 无条件共享 entries are granted at once; 不予共享
    entries cannot be requested; the decision is due within SHUZHENG_SHARING_DECISION_DAYS working days."""
    require(actor, PERM_REQUEST, requester_department)
    entry = CatalogEntry.objects.select_related("department").get(pk=entry.pk)
    if entry.status != EntryStatus.PUBLISHED:
        raise Conflict("只能申请已发布的数据资源", code="entry_not_published")
    if entry.sharing_type == SharingType.NONE:
        raise Conflict("该资源为“不予共享”，不能申请", code="not_shareable")
    if entry.department_id == requester_department.pk:
        raise ValidationFailed.for_field("requester_department", "不能申请本部门自己的资源")
    errs = FieldErrors()
    purpose = (purpose or "").strip()
    legal_basis = (legal_basis or "").strip()
    if not purpose:
        errs.add("purpose", "请填写用途")
    elif len(purpose) > 500:
        errs.add("purpose", "用途不能超过500个字")
    if not legal_basis:
        errs.add("legal_basis", "请填写依据（法律法规或职责文件）")
    elif len(legal_basis) > 500:
        errs.add("legal_basis", "依据不能超过500个字")
    known = [i.name for i in entry.items.all()]
    wanted = list(dict.fromkeys(str(f) for f in fields or []))
    unknown = [f for f in wanted if f not in known]
    if not wanted:
        errs.add("fields", "请选择申请的字段")
    elif unknown:
        errs.add("fields", f"字段不存在：{'、'.join(unknown[:10])}")
    if period_end < period_start:
        errs.add("period_end", "使用截止日期不能早于开始日期")
    elif period_end < timezone.localdate():
        errs.add("period_end", "使用截止日期已过")
    elif (period_end - period_start).days > 366 * 3:
        errs.add("period_end", "使用期限不能超过3年")
    errs.raise_if_any()
    submitted = submitted_at or timezone.now()
    request = SharingRequest.objects.create(
        entry=entry,
        requester_department=requester_department,
        provider_department=entry.department,
        requester=user_of(actor),
        purpose=purpose,
        legal_basis=legal_basis,
        fields=wanted,
        period_start=period_start,
        period_end=period_end,
        due_on=calendar.add_working_days(timezone.localtime(submitted), decision_days()),
    )
    if submitted_at is not None:
        SharingRequest.objects.filter(pk=request.pk).update(created_at=submitted_at)
        request.created_at = submitted_at
    if entry.sharing_type == SharingType.UNCONDITIONAL:  # the request's own audit row below records it
        _move(
            request,
            "approve",
            actor=actor,
            audit_code=None,
            auto_granted=True,
            decided_at=submitted,
            approved_fields=wanted,
        )
        _grant_for(request, fields=wanted, allow_clear_text=False)
    audit.record(
        actor=actor, action="datahub.sharing.request", subject=request, after=request_snapshot(request)
    )
    return request


def _target(request: SharingRequest, action: str) -> str:
    target = SHARING_WORKFLOW.target(request.status, action)
    if target is None:
        raise Conflict(f"该申请已{request.get_status_display()}，不能重复审批", code="already_decided")
    return target


def _move(
    request: SharingRequest,
    action: str,
    *,
    actor: Actor,
    audit_code: str | None,
    audit_extra: dict[str, Any] | None = None,
    **changes: Any,
) -> None:
    """The one writer of a request's status: the move must be in SHARING_WORKFLOW; the decision's other
    fields are saved with it, then the audit row `audit_code` (None: the caller's own row records it)."""
    request.status = _target(request, action)
    for field, value in changes.items():
        setattr(request, field, value)
    request.save()
    if audit_code:
        audit.record(
            actor=actor,
            action=audit_code,
            subject=request,
            after={**request_snapshot(request), **(audit_extra or {})},
        )


def _decidable(request: SharingRequest, actor: Actor, action: str) -> SharingRequest:
    request = (
        SharingRequest.objects.select_for_update()
        .select_related("entry", "provider_department", "requester_department")
        .get(pk=request.pk)
    )
    require(actor, PERM_DECIDE, request.provider_department)
    _target(request, action)
    return request


@transaction.atomic
def sharing_request_approve(
    *,
    actor: Actor,
    request: SharingRequest,
    fields: list[str] | None = None,
    allow_clear_text: bool = False,
    period_end: date | None = None,
    decided_at: datetime | None = None,
) -> Grant:
    """B approves, possibly fewer fields (a subset of those asked for) and a shorter period. Clear text is
    only granted explicitly, and only matters for personal fields."""
    request = _decidable(request, actor, "approve")
    granted = list(dict.fromkeys(fields if fields is not None else request.fields))
    extra = [f for f in granted if f not in request.fields]
    errs = FieldErrors()
    if not granted:
        errs.add("fields", "至少同意一个字段；不同意请拒绝申请")
    elif extra:
        errs.add("fields", f"不能同意未申请的字段：{'、'.join(extra[:10])}")
    end = period_end or request.period_end
    if end > request.period_end or end < request.period_start:
        errs.add("period_end", "截止日期应在申请的使用期限之内")
    errs.raise_if_any()
    _move(
        request,
        "approve",
        actor=actor,
        audit_code="datahub.sharing.approve",
        audit_extra={"allow_clear_text": allow_clear_text},
        approved_fields=granted,
        decided_at=decided_at or timezone.now(),
        decided_by=user_of(actor),
        period_end=end,
    )
    return _grant_for(request, fields=granted, allow_clear_text=allow_clear_text)


@transaction.atomic
def sharing_request_refuse(
    *, actor: Actor, request: SharingRequest, reason: str, decided_at: datetime | None = None
) -> SharingRequest:
    request = _decidable(request, actor, "refuse")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed.for_field("reason", "拒绝须说明理由")
    if len(reason) > 500:
        raise ValidationFailed.for_field("reason", "理由不能超过500个字")
    _move(
        request,
        "refuse",
        actor=actor,
        audit_code="datahub.sharing.refuse",
        refusal_reason=reason,
        decided_at=decided_at or timezone.now(),
        decided_by=user_of(actor),
    )
    return request


@transaction.atomic
def grant_revoke(*, actor: Actor, grant: Grant) -> Grant:
    grant = Grant.objects.select_for_update().select_related("entry__department").get(pk=grant.pk)
    require(actor, PERM_DECIDE, grant.entry.department)
    if grant.revoked_at is None:
        grant.revoked_at = timezone.now()
        grant.revoked_by = user_of(actor)
        grant.save(update_fields=["revoked_at", "revoked_by", "updated_at"])
        ApiCredential.objects.filter(grant=grant, revoked_at__isnull=True).update(revoked_at=grant.revoked_at)
        audit.record(actor=actor, action="datahub.grant.revoke", subject=grant, after={"revoked": True})
    return grant


@transaction.atomic
def credential_issue(
    *,
    actor: Actor,
    grant: Grant,
    label: str = "",
    rate_limit_per_minute: int | None = None,
    client_id: str | None = None,
    secret: str | None = None,
    holder: Any = None,
) -> tuple[ApiCredential, str]:
    """A client id + secret for the grant; returns the secret in clear (shown once, stored hashed).

    ``client_id``, ``secret`` and ``holder`` (the person the access log names for it) are for the
    system only (demo and bench credentials that must be reproducible); people always get random ones
    and hold what they issue.
    """
    if not is_system(actor) and (client_id or secret or holder is not None):
        raise PermissionDenied("只有系统可以指定凭证")
    grant = Grant.objects.select_related("department", "entry").get(pk=grant.pk)
    require(actor, PERM_CREDENTIAL, grant.department)
    if grant.revoked_at is not None:
        raise Conflict("授权已撤销，不能签发凭证", code="grant_revoked")
    if grant.valid_until < timezone.localdate():
        raise Conflict("授权已过期，不能签发凭证", code="grant_expired")
    limit = rate_limit_per_minute if rate_limit_per_minute is not None else default_rate_limit()
    if not 1 <= limit <= 100000:
        raise ValidationFailed.for_field("rate_limit_per_minute", "每分钟调用上限应在 1 到 100000 之间")
    client_id = client_id or f"dh_{secrets.token_hex(8)}"
    secret = secret or secrets.token_urlsafe(32)
    if ApiCredential.objects.filter(client_id=client_id).exists():
        raise Conflict("客户端标识已存在", code="client_id_taken")
    expires = timezone.make_aware(datetime.combine(grant.valid_until + timedelta(days=1), time.min))
    credential = ApiCredential.objects.create(
        grant=grant,
        client_id=client_id,
        secret_hash=hash_secret(secret),
        label=(label or "").strip()[:64],
        rate_limit_per_minute=limit,
        expires_at=expires,
        created_by=holder if is_system(actor) else user_of(actor),
    )
    audit.record(
        actor=actor,
        action="datahub.credential.issue",
        subject=credential,
        after={"client_id": client_id, "grant": grant.pk, "rate_limit": limit},
    )
    return credential, secret


@transaction.atomic
def credential_revoke(*, actor: Actor, credential: ApiCredential) -> ApiCredential:
    credential = (
        ApiCredential.objects.select_for_update()
        .select_related("grant__department", "grant__entry__department")
        .get(pk=credential.pk)
    )
    if not is_system(actor):
        try:
            require(actor, PERM_CREDENTIAL, credential.grant.department)
        except PermissionDenied:
            require(actor, PERM_DECIDE, credential.grant.entry.department)
    if credential.revoked_at is None:
        credential.revoked_at = timezone.now()
        credential.save(update_fields=["revoked_at", "updated_at"])
        audit.record(
            actor=actor, action="datahub.credential.revoke", subject=credential, after={"revoked": True}
        )
    return credential
