"""/api/v1/bundles/...: 一件事主题服务.

Public: the live bundles and one bundle's guide (members, combined form, materials list, 免填写 count).
Signed-in applicants: apply (``Idempotency-Key`` header), their applications with every child's state, and
one answer to the corrections of several children. Thin: parse, call one service or selector, shape.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.http import HttpRequest
from ninja import Router, Status
from ninja.security import django_auth

from shuzheng.bundles import selectors
from shuzheng.bundles.constants import ApplicationStatus, Audience, Outcome, Theme
from shuzheng.bundles.models import BundleApplication, BundleVersion
from shuzheng.bundles.schemas import (
    ApplicationIn,
    ApplicationOut,
    ApplicationPage,
    BundleEvaluationOut,
    BundleOut,
    BundlePage,
    CorrectionAnswerIn,
    EvaluationIn,
)
from shuzheng.bundles.services import applications, evaluation
from shuzheng.core.errors import ValidationFailed
from shuzheng.core.pagination import DEFAULT_LIMIT
from shuzheng.core.schemas import PageLimit

router = Router(tags=["一件事主题服务"])


def summary_out(version: BundleVersion) -> dict[str, Any]:
    return {
        "code": version.code,
        "name": version.name,
        "number": version.number,
        "audience": version.audience,
        "theme": version.theme,
        "theme_label": Theme(version.theme).label,
        "lead_department": version.lead_department.name,
        "item_count": len(version.members.all()),
    }


def bundle_out(version: BundleVersion) -> dict[str, Any]:
    guide = selectors.guide(version)
    return {
        **summary_out(version),
        "summary": version.summary,
        "refusal_rule": version.refusal_rule,
        "shared_fields": version.shared_fields,
        "members": [
            {
                "position": m.position,
                "item_code": m.item_code,
                "item_name": m.live.name if m.live else "",
                "department": m.live.department.name if m.live else "",
                "waits_for": m.waits_for,
                "mapping": m.mapping,
                "own_fields": m.own_fields,
                "available": m.live is not None,
            }
            for m in guide.members
        ],
        "materials": [
            {
                "key": e.key,
                "name": e.name,
                "exempt": e.exempt,
                "required": e.required,
                "used_by": [p for p, _ in e.uses],
            }
            for e in guide.materials
        ],
        "fields_before": guide.fields_before,
        "fields_after": guide.fields_after,
    }


def application_out(application: BundleApplication) -> dict[str, Any]:
    version = application.version
    return {
        "number": application.number,
        "bundle_code": version.code,
        "bundle_name": version.name,
        "version": version.number,
        "status": application.status,
        "status_label": ApplicationStatus(application.status).label,
        "outcome": application.outcome,
        "outcome_label": Outcome(application.outcome).label if application.outcome else "",
        "received_at": application.received_at,
        "concluded_at": application.concluded_at,
        "children": [
            {
                "position": v.child.position,
                "item_code": v.child.item_code,
                "item_name": v.child.item_name,
                "status": v.case_status,
                "status_label": v.case_status_label,
                "case_number": v.child.case_number,
                "waits_for": v.child.waits_for,
                "note": v.child.note,
                "correction": v.correction.items if v.correction is not None else None,
            }
            for v in selectors.children_of(application)
        ],
    }


def _choice(value: str | None, field: str, choices: list[str]) -> str | None:
    if value and value not in choices:
        raise ValidationFailed.for_field(field, f"{field} 应为以下之一：{'、'.join(choices)}")
    return value or None


@router.get(
    "", response=BundlePage, summary="一件事主题列表（已发布；可按人生事件、企业生命周期、关键词筛选）"
)
def list_bundles(
    request: HttpRequest,
    theme: str | None = None,
    audience: str | None = None,
    q: str | None = None,
    cursor: str | None = None,
    limit: PageLimit = DEFAULT_LIMIT,
) -> dict[str, Any]:
    page = selectors.bundle_list(
        theme=_choice(theme, "theme", list(Theme.values)),
        audience=_choice(audience, "audience", list(Audience.values)),
        q=q,
        cursor=cursor,
        limit=limit,
    )
    return {"items": [summary_out(v) for v in page.items], "next_cursor": page.next_cursor}


@router.get("/applications/mine", response=ApplicationPage, auth=django_auth, summary="我的一件事申请")
def list_my_applications(
    request: HttpRequest, cursor: str | None = None, limit: PageLimit = DEFAULT_LIMIT
) -> dict[str, Any]:
    page = selectors.my_applications(user=request.auth, cursor=cursor, limit=limit)  # type: ignore[attr-defined]
    return {"items": [application_out(a) for a in page.items], "next_cursor": page.next_cursor}


@router.get(
    "/applications/{number}",
    response=ApplicationOut,
    auth=django_auth,
    summary="一件事申请详情（含各事项办理状态）",
)
def get_application(request: HttpRequest, number: str) -> dict[str, Any]:
    return application_out(selectors.application_get(user=request.auth, number=number))  # type: ignore[attr-defined]


@router.post(
    "/applications/{number}/corrections",
    response=ApplicationOut,
    auth=django_auth,
    summary="一次提交多个事项的补正",
)
def respond_corrections(request: HttpRequest, number: str, payload: CorrectionAnswerIn) -> dict[str, Any]:
    user = request.auth  # type: ignore[attr-defined]
    application = selectors.application_get(user=user, number=number)
    applications.bundle_respond_corrections(
        actor=user, application=application, note=payload.note, materials=payload.materials or None
    )
    return application_out(application)


@router.post(
    "/applications/{number}/evaluation",
    response={201: BundleEvaluationOut},
    auth=django_auth,
    summary="对已办结的一件事作一次评价（好差评，计入各事项部门）",
)
def evaluate(request: HttpRequest, number: str, payload: EvaluationIn) -> Status[dict[str, Any]]:
    user = request.auth  # type: ignore[attr-defined]
    application = selectors.application_get(user=user, number=number)
    rated = evaluation.bundle_evaluate(
        actor=user,
        application=application,
        level=payload.level,
        dimensions=payload.dimensions,
        comment=payload.comment,
    )
    return Status(201, {"rated": rated})


@router.get("/{code}", response=BundleOut, summary="一件事主题办事指南（事项、合并表单、材料清单）")
def get_bundle(request: HttpRequest, code: str) -> dict[str, Any]:
    return bundle_out(selectors.live_version(code))


@router.post(
    "/{code}/applications",
    response={201: ApplicationOut},
    auth=django_auth,
    summary="申请一件事（幂等：请求头 Idempotency-Key）",
)
def apply(request: HttpRequest, code: str, payload: ApplicationIn) -> Status[dict[str, Any]]:
    key = request.headers.get("Idempotency-Key", "").strip() or uuid.uuid4().hex
    application = applications.bundle_apply(
        actor=request.auth,  # type: ignore[attr-defined]
        code=code,
        shared=payload.shared,
        own=payload.own,
        materials=[m.model_dump() for m in payload.materials],
        idempotency_key=key,
    )
    return Status(201, application_out(application))
