"""/api/v1/licences/...: 电子证照与电子印章.

Holders: their licences, PDFs and one-time share links. Anyone: verification by identifier or by PDF
(rate-limited per address). Staff: issuance, change and revocation of licences; seals.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone
from ninja import File, Router, Status, UploadedFile
from ninja.security import django_auth

from shuzheng.core.errors import NotFound, PayloadTooLarge
from shuzheng.core.middleware import client_ip
from shuzheng.core.pagination import DEFAULT_LIMIT, page_out
from shuzheng.core.schemas import PageLimit
from shuzheng.licences import selectors, verification
from shuzheng.licences.constants import LicenceStatus, SealKind, SealStatus
from shuzheng.licences.models import Licence, Seal
from shuzheng.licences.schemas import (
    ChangeIn,
    CoverageOut,
    IssueIn,
    LicenceDetailOut,
    LicenceOut,
    LicencePage,
    ReasonIn,
    SealIn,
    SealOut,
    SealPage,
    ShareIn,
    ShareOut,
    VerificationOut,
)
from shuzheng.licences.services import licences, seals, sharing
from shuzheng.orgs import selectors as orgs_selectors

router = Router(tags=["电子证照与电子印章"], auth=django_auth)


def _actor(request: HttpRequest) -> Any:
    return request.auth  # type: ignore[attr-defined]


def licence_out(licence: Licence) -> dict[str, Any]:
    return {
        "id": licence.pk,
        "identifier": licence.identifier,
        "number": licence.number,
        "name": licence.licence_type.name,
        "type_code": licence.licence_type.code,
        "status": licence.status,
        "status_label": LicenceStatus(licence.status).label,
        "version": licence.version,
        "holder_name": licence.holder_name,
        "issuer": licence.department.name,
        "issued_on": licence.issued_on,
        "valid_from": licence.valid_from,
        "valid_until": licence.valid_until,
        "data": licence.data,
        "pdf_url": reverse("api-v1:licence_pdf", kwargs={"licence_id": licence.pk}),
        "verify_url": licences.verify_path(licence.identifier),
    }


def verification_out(result: verification.Result) -> dict[str, Any]:
    return {
        "identifier": result.identifier,
        "verdict": result.verdict,
        "verdict_label": result.label,
        "message": result.message,
        "sm2_signature_valid": result.sm2_valid,
        "pdf_signature_valid": result.pades_valid,
        "licence": result.details or None,
        "checked_at": timezone.now(),
    }


def seal_out(seal: Seal) -> dict[str, Any]:
    return {
        "id": seal.pk,
        "code": seal.code,
        "name": seal.name,
        "kind": seal.kind,
        "kind_label": SealKind(seal.kind).label,
        "department_id": seal.department_id,
        "department_name": seal.department.name,
        "status": seal.status,
        "status_label": SealStatus(seal.status).label,
        "valid_from": seal.valid_from,
        "valid_until": seal.valid_until,
        "certificate_serial": seal.certificate_serial,
        "lock_version": seal.lock_version,
    }


# --- verification (public) ------------------------------------------------------------------------------


@router.get(
    "/verify/{identifier}", response=VerificationOut, auth=None, summary="核验电子证照（公开，按标识）"
)
def verify(request: HttpRequest, identifier: str) -> dict[str, Any]:
    verification.throttle(client_ip(request))
    return verification_out(verification.verify_identifier(identifier))


@router.post("/verify", response=VerificationOut, auth=None, summary="核验电子证照文件（公开，上传PDF）")
def verify_file(request: HttpRequest, file: UploadedFile = File(...)) -> dict[str, Any]:  # noqa: B008
    verification.throttle(client_ip(request))
    if (file.size or 0) > verification.MAX_PDF_BYTES:
        raise PayloadTooLarge("文件不能超过 5 MB。")
    return verification_out(verification.verify_pdf(file.read(verification.MAX_PDF_BYTES + 1)))


# --- holders ----------------------------------------------------------------------------------------------


@router.get("", response=LicencePage, summary="我的证照")
def my_licences(
    request: HttpRequest, cursor: str | None = None, limit: PageLimit = DEFAULT_LIMIT
) -> dict[str, Any]:
    page = selectors.my_licences(user=_actor(request), cursor=cursor, limit=limit)
    return {"items": [licence_out(lic) for lic in page.items], "next_cursor": page_out(page)["next_cursor"]}


@router.get("/{int:licence_id}", response=LicenceDetailOut, summary="证照详情与用证记录")
def licence_detail(request: HttpRequest, licence_id: int) -> dict[str, Any]:
    licence = selectors.licence_get(user=_actor(request), licence_id=licence_id)
    uses = [
        {
            "case_number": u.case.number,
            "item_code": u.item.code,
            "material_name": u.material_name,
            "used_at": u.used_at,
        }
        for u in selectors.licence_uses(licence)
    ]
    return {**licence_out(licence), "uses": uses}


@router.get("/{int:licence_id}/pdf", url_name="licence_pdf", summary="下载证照版式文件（PDF，含电子签章）")
def licence_pdf(request: HttpRequest, licence_id: int) -> HttpResponse:
    licence = selectors.licence_get(user=_actor(request), licence_id=licence_id)
    response = HttpResponse(bytes(licence.pdf), content_type="application/pdf")
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{licence.number}.pdf"
    return response


@router.post("/{int:licence_id}/share", response={201: ShareOut}, summary="生成一次性核验分享链接")
def share(request: HttpRequest, licence_id: int, payload: ShareIn) -> Status[dict[str, Any]]:
    user = _actor(request)
    licence = selectors.licence_get(user=user, licence_id=licence_id)
    link, token = sharing.share_create(actor=user, licence=licence, hours=payload.hours)
    return Status(
        201, {"url": reverse("licences:shared", kwargs={"token": token}), "expires_at": link.expires_at}
    )


# --- staff ------------------------------------------------------------------------------------------------


@router.get("/issued", response=LicencePage, summary="本部门颁发的证照（工作人员）")
def issued(
    request: HttpRequest,
    status: str | None = None,
    cursor: str | None = None,
    limit: PageLimit = DEFAULT_LIMIT,
) -> dict[str, Any]:
    page = selectors.licence_list(user=_actor(request), status=status, cursor=cursor, limit=limit)
    return {"items": [licence_out(lic) for lic in page.items], "next_cursor": page_out(page)["next_cursor"]}


@router.post("/issue", response={201: LicenceOut}, summary="颁发电子证照（工作人员）")
def issue(request: HttpRequest, payload: IssueIn) -> Status[dict[str, Any]]:
    licence_type = selectors.licence_type_get(payload.licence_type_id)
    licence = licences.licence_issue(
        actor=_actor(request),
        licence_type=licence_type,
        holder_name=payload.holder_name,
        holder_code=payload.holder_code,
        data=payload.data,
    )
    return Status(201, licence_out(licence))


def _staff_licence(request: HttpRequest, licence_id: int) -> Licence:
    user = _actor(request)
    licence = selectors.licence_get(user=user, licence_id=licence_id)
    if selectors.is_holder(user, licence) and getattr(user, "kind", "") != "staff":
        raise NotFound("电子证照不存在。")
    return licence


@router.post("/{int:licence_id}/revoke", response=LicenceOut, summary="注销电子证照（工作人员）")
def revoke(request: HttpRequest, licence_id: int, payload: ReasonIn) -> dict[str, Any]:
    licence = licences.licence_revoke(
        actor=_actor(request),
        licence=_staff_licence(request, licence_id),
        reason=payload.reason,
        expected_version=payload.expected_version,
    )
    return licence_out(licence)


@router.post("/{int:licence_id}/change", response={201: LicenceOut}, summary="变更电子证照（生成新版本）")
def change(request: HttpRequest, licence_id: int, payload: ChangeIn) -> Status[dict[str, Any]]:
    licence = licences.licence_change(
        actor=_actor(request),
        licence=_staff_licence(request, licence_id),
        data=payload.data,
        reason=payload.reason,
        holder_name=payload.holder_name,
        expected_version=payload.expected_version,
    )
    return Status(201, licence_out(licence))


@router.get("/seals", response=SealPage, summary="电子印章列表（工作人员）")
def seal_list(
    request: HttpRequest,
    status: str | None = None,
    cursor: str | None = None,
    limit: PageLimit = DEFAULT_LIMIT,
) -> dict[str, Any]:
    page = selectors.seal_list(user=_actor(request), status=status, cursor=cursor, limit=limit)
    return {"items": [seal_out(s) for s in page.items], "next_cursor": page_out(page)["next_cursor"]}


@router.post("/seals", response={201: SealOut}, summary="制发电子印章")
def seal_issue(request: HttpRequest, payload: SealIn) -> Status[dict[str, Any]]:
    department = orgs_selectors.department_by_id(payload.department_id)
    if department is None:
        raise NotFound("部门不存在。")
    hall = orgs_selectors.active_hall(payload.hall_id) if payload.hall_id is not None else None
    if payload.hall_id is not None and hall is None:
        raise NotFound("受理大厅不存在。")
    seal = seals.seal_issue(
        actor=_actor(request),
        department=department,
        kind=payload.kind,
        hall=hall,
        organisation_code=payload.organisation_code,
        years=payload.years,
    )
    return Status(201, seal_out(seal))


@router.post("/seals/{int:seal_id}/suspend", response=SealOut, summary="暂停电子印章")
def seal_suspend(request: HttpRequest, seal_id: int, payload: ReasonIn) -> dict[str, Any]:
    user = _actor(request)
    seal = selectors.seal_get(user=user, seal_id=seal_id)
    return seal_out(
        seals.seal_suspend(
            actor=user, seal=seal, reason=payload.reason, expected_version=payload.expected_version
        )
    )


@router.post("/seals/{int:seal_id}/resume", response=SealOut, summary="恢复电子印章")
def seal_resume(request: HttpRequest, seal_id: int, payload: ReasonIn) -> dict[str, Any]:
    user = _actor(request)
    seal = selectors.seal_get(user=user, seal_id=seal_id)
    return seal_out(
        seals.seal_resume(
            actor=user, seal=seal, reason=payload.reason, expected_version=payload.expected_version
        )
    )


@router.post("/seals/{int:seal_id}/revoke", response=SealOut, summary="吊销电子印章")
def seal_revoke(request: HttpRequest, seal_id: int, payload: ReasonIn) -> dict[str, Any]:
    user = _actor(request)
    seal = selectors.seal_get(user=user, seal_id=seal_id)
    return seal_out(
        seals.seal_revoke(
            actor=user, seal=seal, reason=payload.reason, expected_version=payload.expected_version
        )
    )


@router.get("/seals/coverage", response=CoverageOut, summary="政府部门电子印章覆盖情况（指标19）")
def coverage(request: HttpRequest) -> dict[str, int]:
    selectors.seal_list(user=_actor(request), limit=1)  # the same permission as the seal list
    covered, total = selectors.seal_coverage()
    return {"departments_with_valid_seal": covered, "government_departments": total}
