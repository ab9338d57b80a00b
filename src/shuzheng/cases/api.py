"""/api/v1/cases/...: uploads, submission, queues, case detail and timeline, workflow actions, documents.

Thin: parse, call one service or selector, shape the output. Submitting is two steps: upload each file
(multipart, ``POST /cases/uploads`` → its id), then ``POST /cases`` with JSON referencing the upload ids;
send an ``Idempotency-Key`` header so a retried submission returns the same case (same status, 201).
Another scope's case is a 404; a stale ``expected_version`` or a move the workflow forbids is a 409; bad
form data is a 422 naming each field.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.core.files.storage import default_storage
from django.http import FileResponse, HttpRequest, HttpResponse
from ninja import File, Router, Status, UploadedFile
from ninja.security import django_auth

from shuzheng.cases import access, deadlines, documents, form_privacy, selectors, selectors_timeline
from shuzheng.cases.constants import ApplicantKind, DeadlineState
from shuzheng.cases.models import Case, CaseMaterial
from shuzheng.cases.schemas import (
    CaseDetailOut,
    CaseMaterialIn,
    CaseMaterialOut,
    CasePage,
    CaseSubmitIn,
    CaseTransitionIn,
    CaseVersionIn,
    CorrectionResponseIn,
    MaterialsAddIn,
    RemoteReferenceIn,
    TimelineOut,
    UploadOut,
    WithdrawIn,
)
from shuzheng.cases.services import actions, handling, materials, submission, uploads
from shuzheng.cases.services.acceptance import case_respond_correction
from shuzheng.cases.services.closing import case_withdraw
from shuzheng.cases.services.common import ApplicantData, MaterialData
from shuzheng.core.api import api
from shuzheng.core.errors import NotFound, PermissionDenied
from shuzheng.core.masking import mask_id_number, mask_mobile, mask_name
from shuzheng.core.pagination import DEFAULT_LIMIT
from shuzheng.core.schemas import PageLimit
from shuzheng.identity.constants import UserKind

router = Router(tags=["办件"], auth=django_auth)

CLEARANCE = "identity.view_clear_personal_data"
# Labels by value, looked up per list row (Model.get_FOO_display rebuilds its choices dict on every call).
_CHANNEL_LABELS = dict(Case._meta.get_field("channel").flatchoices)
_STATUS_LABELS = dict(Case._meta.get_field("status").flatchoices)
_DEADLINE_LABELS = dict(DeadlineState.choices)


def _actor(request: HttpRequest) -> Any:
    return request.auth  # type: ignore[attr-defined]


def _material_data(items: list[CaseMaterialIn]) -> list[MaterialData]:
    return [MaterialData(**item.model_dump()) for item in items]


def _allowed_actions(user: Any, case: Case) -> list[str]:
    return access.offered_actions(user, case)


def case_out(case: Case, *, user: Any) -> dict[str, Any]:
    """List fields of a case (as `case_row_out` shows a queue row)."""
    return case_row_out(
        {
            "id": case.pk,
            "number": case.number,
            "item_code": case.version.code,
            "item_name": case.version.name,
            "version_id": case.version_id,
            "department_id": case.department.pk,
            "department_name": case.department.name,
            "division_code": case.division.code,
            "channel": case.channel,
            "status": case.status,
            "deadline_state": getattr(case, "deadline_state", None) or deadlines.deadline_state(case),
            "received_at": case.received_at,
            "accepted_at": case.accepted_at,
            "due_at": case.due_at,
            "concluded_at": case.concluded_at,
            "current_step_name": case.current_step.name
            if case.current_step_id and case.current_step
            else None,
            "acting_user_name": (
                case.acting_user.full_name if case.acting_user_id and case.acting_user else None
            ),
            "applicant_kind": case.applicant_kind,
            "applicant_name": case.applicant_name,
            "applicant_id": case.applicant_id,
            "submitted_by_id": case.submitted_by_id,
            "lock_version": case.lock_version,
        },
        user=user,
    )


def case_row_out(row: dict[str, Any], *, user: Any, cleared: bool | None = None) -> dict[str, Any]:
    """List fields from a row of `selectors_queue.ROW_COLUMNS`; a person's name is masked in lists unless
    the viewer is the applicant or has clearance (`cleared`: the viewer's clearance, when already known).
    """
    state = row["deadline_state"]
    # The applicant first: it needs no authorization snapshot (a citizen's submission or own list).
    clear = selectors.is_applicant_of(
        user, applicant_id=row["applicant_id"], submitted_by_id=row["submitted_by_id"]
    ) or (user.has_perm(CLEARANCE) if cleared is None else cleared)
    name = row["applicant_name"]
    if row["applicant_kind"] == ApplicantKind.PERSON and not clear:
        name = mask_name(name)
    return {
        "id": row["id"],
        "number": row["number"],
        "item_code": row["item_code"],
        "item_name": row["item_name"],
        "version_id": row["version_id"],
        "department": {"id": row["department_id"], "name": row["department_name"]},
        "division_code": row["division_code"],
        "channel": row["channel"],
        "channel_label": _CHANNEL_LABELS.get(row["channel"], row["channel"]),
        "status": row["status"],
        "status_label": _STATUS_LABELS.get(row["status"], row["status"]),
        "deadline_state": state,
        "deadline_state_label": _DEADLINE_LABELS[state],
        "received_at": row["received_at"],
        "accepted_at": row["accepted_at"],
        "due_at": row["due_at"],
        "concluded_at": row["concluded_at"],
        "current_step": row["current_step_name"],
        "acting_user": row["acting_user_name"],
        "applicant_kind": row["applicant_kind"],
        "applicant_name": name,
        "lock_version": row["lock_version"],
    }


def material_out(material: CaseMaterial) -> dict[str, Any]:
    return {
        "id": material.pk,
        "code": material.requirement.code if material.requirement_id and material.requirement else None,
        "name": material.name,
        "content_type": material.content_type,
        "size": material.size,
        "pages": material.pages,
        "sm3": material.sm3,
        "has_file": bool(material.file),
        "licence_reference": material.licence_reference,
        "checked_on_paper": material.checked_on_paper,
        "deferred": material.deferred,
        "deferred_due": material.deferred_due,
        "supplied_at": material.supplied_at,
        "created_at": material.created_at,
    }


def case_detail_out(case: Case, *, user: Any) -> dict[str, Any]:
    """Everything about one case; in the detail the applicant's name is clear for staff in scope, ID
    number and mobile stay masked unless the viewer is the applicant or has clearance."""
    data = case_out(case, user=user)
    clear = selectors.is_applicant(user, case) or user.has_perm(CLEARANCE)
    data["applicant_name"] = case.applicant_name
    window = case.window if case.window_id else None
    data.update(
        {
            "applicant_id_number": (
                case.applicant_id_number if clear else mask_id_number(case.applicant_id_number)
            )
            if case.applicant_id_number
            else "",
            "applicant_uscc": case.applicant_uscc,
            "applicant_mobile": (case.applicant_mobile if clear else mask_mobile(case.applicant_mobile))
            if case.applicant_mobile
            else "",
            "form_data": form_privacy.view(case.version.form_schema, case.form_data, clear=clear),
            "hall": case.hall.name if case.hall_id and case.hall else None,
            "window": f"{window.number}号窗口 {window.name}" if window is not None else None,
            "kiosk": case.kiosk.name if case.kiosk_id and case.kiosk else None,
            "target_region": case.target_region,
            "target_region_name": case.target_region_name,
            "remote_reference": case.remote_reference,
            "clock_start": case.clock_start,
            "paused_working_days": case.paused_working_days,
            "remaining_working_days": deadlines.remaining_working_days(case),
            "promised_limit_days": case.version.promised_limit_days,
            "decision": case.decision,
            "decision_reasons": case.decision_reasons,
            "decision_legal_basis": case.decision_legal_basis,
            "decided_at": case.decided_at,
            "delivery_method": case.delivery_method,
            "delivered_at": case.delivered_at,
            "has_result": bool(case.result_file),
            "actions": _allowed_actions(user, case),
            "materials": [material_out(m) for m in selectors.case_materials(case)],
            "corrections": [
                {
                    "id": c.pk,
                    "items": c.items,
                    "requested_at": c.requested_at,
                    "respond_by": c.respond_by,
                    "responded_at": c.responded_at,
                    "response_note": c.response_note,
                }
                for c in selectors.case_corrections(case)
            ],
            "suspensions": [
                {
                    "id": s.pk,
                    "kind": s.kind,
                    "kind_label": s.get_kind_display(),
                    "reason": s.reason,
                    "started_at": s.started_at,
                    "ended_at": s.ended_at,
                    "working_days": s.working_days,
                }
                for s in selectors.case_suspensions(case)
            ],
        }
    )
    return data


def _detail(request: HttpRequest, case: Case | int) -> dict[str, Any]:
    case_id = case.pk if isinstance(case, Case) else case
    return case_detail_out(selectors.case_get(user=_actor(request), case_id=case_id), user=_actor(request))


def _file_response(name: str, filename: str, content_type: str) -> FileResponse:
    if not name or not default_storage.exists(name):
        raise NotFound("文件不存在。")
    response = FileResponse(
        default_storage.open(name, "rb"), content_type=content_type or "application/octet-stream"
    )
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{filename}"
    response["X-Content-Type-Options"] = "nosniff"
    return response


# --- uploads and submission -------------------------------------------------------------------------


@router.post("/uploads", response={201: UploadOut}, summary="上传申请材料文件（PDF、JPG、PNG、OFD）")
def upload_material(request: HttpRequest, file: UploadedFile = File(...)) -> Status[dict[str, Any]]:  # noqa: B008
    upload = uploads.material_upload(actor=_actor(request), file=file, name=file.name or "")
    return Status(
        201,
        {
            "id": upload.pk,
            "name": upload.original_name,
            "content_type": upload.content_type,
            "size": upload.size,
            "pages": upload.pages,
            "sm3": upload.sm3,
        },
    )


@router.post("", response={201: CaseDetailOut}, summary="提交申请（幂等：请求头 Idempotency-Key）")
def submit_case(request: HttpRequest, payload: CaseSubmitIn) -> Status[dict[str, Any]]:
    key = request.headers.get("Idempotency-Key", "").strip() or uuid.uuid4().hex
    applicant = payload.applicant
    case = submission.case_submit(
        actor=_actor(request),
        channel=payload.channel,
        item_code=payload.item_code,
        form_data=payload.form_data,
        materials=_material_data(payload.materials),
        idempotency_key=key,
        applicant=ApplicantData(**applicant.model_dump()) if applicant is not None else None,
        hall_id=payload.hall_id,
        window_id=payload.window_id,
        kiosk_id=payload.kiosk_id,
        target_region=payload.target_region,
    )
    # The case as written (its version, units and places are loaded) is shown without reading it again
    # (the same output for a fraction of the cost), unless something has changed it since.
    if not selectors.case_is_current(case):
        return Status(201, _detail(request, case))
    user = _actor(request)
    return Status(201, case_detail_out(selectors.case_shown(user=user, case=case), user=user))


# --- lists --------------------------------------------------------------------------------------------


@router.get("/mine", response=CasePage, summary="我的办件（申请人）")
def list_my_cases(
    request: HttpRequest,
    status: str | None = None,
    cursor: str | None = None,
    limit: PageLimit = DEFAULT_LIMIT,
) -> dict[str, Any]:
    user = _actor(request)
    page = selectors.my_cases(applicant=user, status=status or None, cursor=cursor, limit=limit)
    return {"items": [case_out(c, user=user) for c in page.items], "next_cursor": page.next_cursor}


@router.get("/queue", response=CasePage, summary="待办队列（工作人员，按到期时间排序）")
def list_queue(
    request: HttpRequest,
    status: str | None = None,
    item: str | None = None,
    channel: str | None = None,
    state: str | None = None,
    department_id: int | None = None,
    mine: bool = False,
    q: str | None = None,
    cursor: str | None = None,
    limit: PageLimit = DEFAULT_LIMIT,
) -> HttpResponse:
    """``q``: a case number, or the applicant's ID number, credit code or full name (exact)."""
    user = _actor(request)
    if user.kind != UserKind.STAFF:
        raise PermissionDenied("待办队列仅供工作人员使用。")
    statuses = [s for s in (status or "").split(",") if s] or None
    rows, next_cursor = selectors.case_queue_rows(
        user=user,
        status=statuses,
        item=item,
        channel=channel,
        state=state,
        department_id=department_id,
        mine=mine,
        q=q,
        cursor=cursor,
        limit=limit,
    )
    cleared = user.has_perm(CLEARANCE)
    items = [case_row_out(r, user=user, cleared=cleared) for r in rows]
    return _rendered(request, {"items": items, "next_cursor": next_cursor})


def _rendered(request: HttpRequest, data: dict[str, Any]) -> HttpResponse:
    """`data` built field by field in the response schema's shape and types (`case_row_out`,
    `case_detail_out`), rendered as it is: ninja validating it again cost a fifth of the queue's CPU
    (bench/README.md). The schemas still describe the responses; test_query_counts checks the output is
    what validating would give."""
    return api.create_response(request, data, status=200)


# --- one case -----------------------------------------------------------------------------------------


@router.get("/{int:case_id}", response=CaseDetailOut, summary="办件详情")
def get_case(request: HttpRequest, case_id: int) -> HttpResponse:
    return _rendered(request, _detail(request, case_id))


@router.get("/{int:case_id}/timeline", response=list[TimelineOut], summary="办理过程")
def get_timeline(request: HttpRequest, case_id: int) -> list[Any]:
    case = selectors.case_get(user=_actor(request), case_id=case_id)
    return list(selectors_timeline.case_timeline(case))


@router.post(
    "/{int:case_id}/transitions", response=CaseDetailOut, summary="办理操作（受理、审查、决定、送达……）"
)
def transition(request: HttpRequest, case_id: int, payload: CaseTransitionIn) -> dict[str, Any]:
    case = selectors.case_get(user=_actor(request), case_id=case_id)
    data = payload.model_dump(exclude_unset=True, exclude={"action", "expected_version"})
    updated = actions.case_act(
        actor=_actor(request),
        case=case,
        action=payload.action,
        expected_version=payload.expected_version,
        **data,
    )
    return _detail(request, updated)


@router.post("/{int:case_id}/correction-response", response=CaseDetailOut, summary="提交补正（申请人）")
def respond_correction(request: HttpRequest, case_id: int, payload: CorrectionResponseIn) -> dict[str, Any]:
    case = selectors.case_get(user=_actor(request), case_id=case_id)
    updated = case_respond_correction(
        actor=_actor(request),
        case=case,
        expected_version=payload.expected_version,
        note=payload.note,
        materials=_material_data(payload.materials),
    )
    return _detail(request, updated)


@router.post("/{int:case_id}/withdraw", response=CaseDetailOut, summary="撤回申请（申请人）")
def withdraw(request: HttpRequest, case_id: int, payload: WithdrawIn) -> dict[str, Any]:
    case = selectors.case_get(user=_actor(request), case_id=case_id)
    updated = case_withdraw(
        actor=_actor(request),
        case=case,
        expected_version=payload.expected_version,
        reason=payload.reason,
    )
    return _detail(request, updated)


@router.post(
    "/{int:case_id}/materials", response={201: list[CaseMaterialOut]}, summary="补充材料（如容缺材料补交）"
)
def add_materials(
    request: HttpRequest, case_id: int, payload: MaterialsAddIn
) -> Status[list[dict[str, Any]]]:
    case = selectors.case_get(user=_actor(request), case_id=case_id)
    added = materials.case_material_add(
        actor=_actor(request), case=case, materials=_material_data(payload.materials)
    )
    return Status(201, [material_out(m) for m in added])


@router.post("/{int:case_id}/remote-reference", response=CaseDetailOut, summary="登记跨省通办对方受理编号")
def remote_reference(request: HttpRequest, case_id: int, payload: RemoteReferenceIn) -> dict[str, Any]:
    case = selectors.case_get(user=_actor(request), case_id=case_id)
    updated = handling.case_record_remote_reference(
        actor=_actor(request),
        case=case,
        reference=payload.reference,
        expected_version=payload.expected_version,
    )
    return _detail(request, updated)


@router.post("/{int:case_id}/claim", response=CaseDetailOut, summary="认领办件（成为经办人）")
def claim(request: HttpRequest, case_id: int, payload: CaseVersionIn) -> dict[str, Any]:
    case = selectors.case_get(user=_actor(request), case_id=case_id)
    updated = handling.case_claim(actor=_actor(request), case=case, expected_version=payload.expected_version)
    return _detail(request, updated)


# --- files and documents ------------------------------------------------------------------------------


def _pdf(case: Case, kind: str) -> HttpResponse:
    content = documents.render(case, kind)
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f"inline; filename*=UTF-8''{case.number}-{kind}.pdf"
    return response


@router.get("/{int:case_id}/slip.pdf", summary="受理通知书 / 收件回执（PDF）")
def acceptance_slip(request: HttpRequest, case_id: int) -> HttpResponse:
    return _pdf(selectors.case_get(user=_actor(request), case_id=case_id), "acceptance")


@router.get("/{int:case_id}/documents/{kind}.pdf", summary="文书（acceptance、rejection、correction）")
def document(request: HttpRequest, case_id: int, kind: str) -> HttpResponse:
    case = selectors.case_get(user=_actor(request), case_id=case_id)
    if kind not in documents.KINDS:
        raise NotFound("没有这种文书。")
    return _pdf(case, kind)


@router.get("/{int:case_id}/result", summary="下载办理结果（申请人或范围内的工作人员）")
def result(request: HttpRequest, case_id: int) -> FileResponse:
    case = selectors.case_get(user=_actor(request), case_id=case_id)
    if not case.result_file:
        raise NotFound("该办件没有可下载的办理结果。")
    name = case.result_file.name
    suffix = name.rsplit(".", 1)[-1] if "." in name else "bin"
    content_type = {
        "pdf": "application/pdf",
        "ofd": "application/ofd",
        "png": "image/png",
        "jpg": "image/jpeg",
    }
    return _file_response(name, f"{case.number}-result.{suffix}", content_type.get(suffix, ""))


@router.get("/{int:case_id}/materials/{int:material_id}/file", summary="下载申请材料")
def material_file(request: HttpRequest, case_id: int, material_id: int) -> FileResponse:
    case = selectors.case_get(user=_actor(request), case_id=case_id)
    material = case.materials.filter(pk=material_id).first()
    if material is None or not material.file:
        raise NotFound("材料文件不存在。")
    suffix = material.file.name.rsplit(".", 1)[-1] if "." in material.file.name else "bin"
    return _file_response(material.file.name, f"{case.number}-{material.pk}.{suffix}", material.content_type)
