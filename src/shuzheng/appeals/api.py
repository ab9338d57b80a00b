"""/api/v1/appeals/...: intake, queues, work-order actions, rule test, statistics; the knowledge base is
``api_kb`` (mounted here).

Thin: parse (pydantic, unknown fields refused), resolve ids, call one service or selector, shape the
output. Who may do what is decided in the services and selectors (permissions + data scopes); a
work order outside the caller's scope is 404.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from django.http import HttpRequest
from ninja import File, Form, Router, Status, UploadedFile
from ninja.security import django_auth

from shuzheng.appeals.api_dispatch import router as dispatch_router
from shuzheng.appeals.api_kb import router as kb_router
from shuzheng.appeals.models import Appeal, Category, WorkOrder
from shuzheng.appeals.schemas import (
    AppealDetailOut,
    AppealIn,
    AppealOut,
    AppealPage,
    AssistPage,
    AssistReplyIn,
    AttachmentOut,
    CategoryOut,
    CitizenAppealIn,
    CloseIn,
    ConcludeIn,
    DispatchIn,
    ExtensionIn,
    ExtensionOut,
    ExtensionPage,
    ForwardIn,
    IntakeAssistOut,
    MergeIn,
    ModelOut,
    NoteIn,
    ReassignIn,
    ReplyIn,
    ReturnIn,
    ReturnRequestOut,
    ReturnRequestPage,
    ReviewIn,
    RuleTestIn,
    RuleTestOut,
    VisitIn,
    WorkOrderDetailOut,
    WorkOrderOut,
    WorkOrderPage,
    WorkOrderVersionIn,
)
from shuzheng.appeals.selectors import appeals as appeal_selectors
from shuzheng.appeals.selectors import common as common_selectors
from shuzheng.appeals.selectors import dispatch as dispatch_selectors
from shuzheng.appeals.selectors import stats as stats_selectors
from shuzheng.appeals.selectors import work_orders as work_order_selectors
from shuzheng.appeals.services.dispatch import appeal_dispatch
from shuzheng.appeals.services.grid import appeal_escalate, appeal_self_handle
from shuzheng.appeals.services.intake import (
    IntakeInput,
    appeal_attach,
    appeal_conclude_directly,
    appeal_intake,
)
from shuzheng.appeals.services.merging import appeal_merge
from shuzheng.appeals.services.requests import (
    extension_request_create,
    extension_request_review,
    work_order_assist_accept,
    work_order_assist_reply,
)
from shuzheng.appeals.services.visits import work_order_close, work_order_visit
from shuzheng.appeals.services.work_orders import (
    return_request_review,
    work_order_accept,
    work_order_forward,
    work_order_reassign,
    work_order_remind,
    work_order_reply,
    work_order_request_return,
    work_order_supervise,
)
from shuzheng.core.errors import PermissionDenied, ValidationFailed
from shuzheng.core.lookup import resolve_many_or_422, resolve_or_422
from shuzheng.core.pagination import DEFAULT_LIMIT, page_out
from shuzheng.core.schemas import PageLimit
from shuzheng.orgs import selectors as orgs_selectors

if TYPE_CHECKING:
    from shuzheng.orgs.models import Department

router = Router(tags=["诉求（一网统管）"], auth=django_auth)
router.add_router("", kb_router)
router.add_router("", dispatch_router)

MAX_UPLOAD_READ = 16 * 1024 * 1024


def _department(pk: int | None, field: str = "department_id") -> Department:
    return resolve_or_422(
        orgs_selectors.department_queryset(include_inactive=True), pk, field=field, label="部门"
    )


def _departments(pks: list[int], field: str) -> list[Department]:
    queryset = orgs_selectors.department_queryset(include_inactive=True)
    return resolve_many_or_422(queryset, pks, field=field, label="部门")


def _detail(request: HttpRequest, appeal: Appeal) -> Appeal:
    """The appeal with the detail-only attributes the schema reads (masked reporter, SLA, history)."""
    appeal.reporter = appeal_selectors.appeal_reporter(appeal, user=request.user)  # type: ignore[attr-defined]
    appeal.sla = common_selectors.sla_info(appeal.due_at, done_at=appeal.concluded_at)  # type: ignore[attr-defined]
    appeal.history = appeal_selectors.appeal_history(appeal=appeal)  # type: ignore[attr-defined]
    return appeal


# --- appeals -------------------------------------------------------------------------------------------


@router.post("/appeals", response={201: AppealDetailOut}, summary="登记诉求（话务员、网格员等）")
def create_appeal(request: HttpRequest, payload: AppealIn) -> Status[Appeal]:
    appeal = appeal_intake(actor=request.user, data=IntakeInput(**payload.model_dump()))
    # Answered with the appeal as written (not read back; same output), when in the agent's scope.
    return Status(201, _detail(request, appeal_selectors.appeal_shown(user=request.user, appeal=appeal)))


@router.get("/appeals", response=AppealPage, summary="诉求列表（数据范围内，按登记时间倒序）")
def list_appeals(
    request: HttpRequest,
    status: str | None = None,
    channel: str | None = None,
    appeal_type: str | None = None,
    category: str | None = None,
    division_under: str | None = None,
    department: int | None = None,
    received_from: date | None = None,
    received_to: date | None = None,
    cursor: str | None = None,
    limit: PageLimit = DEFAULT_LIMIT,
) -> dict[str, Any]:
    return page_out(
        appeal_selectors.appeal_list(
            user=request.user,
            status=status,
            channel=channel,
            appeal_type=appeal_type,
            category=category,
            division_under=division_under,
            department=department,
            received_from=received_from,
            received_to=received_to,
            cursor=cursor,
            limit=limit,
        )
    )


@router.get("/appeals/by-phone", response=list[AppealOut], summary="来电人历史诉求（按电话盲索引查询）")
def appeals_by_phone(request: HttpRequest, phone: str) -> list[Appeal]:
    return appeal_selectors.appeals_by_phone(user=request.user, phone=phone)


@router.get("/appeals/{int:appeal_id}", response=AppealDetailOut, summary="诉求详情")
def get_appeal(request: HttpRequest, appeal_id: int) -> Appeal:
    return _detail(request, appeal_selectors.appeal_get(user=request.user, id=appeal_id))


@router.post("/appeals/{int:appeal_id}/attachments", response={201: AttachmentOut}, summary="上传照片")
def attach(
    request: HttpRequest,
    appeal_id: int,
    file: UploadedFile = File(...),  # noqa: B008
    kind: str = Form("photo"),
) -> Status[Any]:
    appeal = appeal_selectors.appeal_get(user=request.user, id=appeal_id)
    content = file.read(MAX_UPLOAD_READ)
    attachment = appeal_attach(
        actor=request.user, appeal=appeal, content=content, name=file.name or "", kind=kind
    )
    return Status(201, attachment)


@router.post("/appeals/{int:appeal_id}/conclude", response=AppealDetailOut, summary="直接答复办结")
def conclude(request: HttpRequest, appeal_id: int, payload: ConcludeIn) -> Appeal:
    appeal = appeal_selectors.appeal_get(user=request.user, id=appeal_id)
    appeal_conclude_directly(actor=request.user, appeal=appeal, **payload.model_dump())
    return _detail(request, appeal_selectors.appeal_get(user=request.user, id=appeal_id))


@router.post("/appeals/{int:appeal_id}/dispatch", response={201: WorkOrderOut}, summary="人工派单")
def dispatch(request: HttpRequest, appeal_id: int, payload: DispatchIn) -> Status[WorkOrder]:
    appeal = appeal_selectors.appeal_get(user=request.user, id=appeal_id, perm="appeals.dispatch_appeal")
    work_order = appeal_dispatch(
        actor=request.user,
        appeal=appeal,
        department=_department(payload.department_id),
        assist_departments=_departments(payload.assist_department_ids, "assist_department_ids"),
        category_code=payload.category_code,
        expected_version=payload.version,
    )
    return Status(201, work_order_selectors.work_order_get(user=request.user, id=work_order.pk))


@router.post("/appeals/{int:appeal_id}/merge", response=AppealOut, summary="并单")
def merge(request: HttpRequest, appeal_id: int, payload: MergeIn) -> Appeal:
    appeal = appeal_selectors.appeal_get(user=request.user, id=appeal_id, perm="appeals.dispatch_appeal")
    into = appeal_selectors.appeal_get(user=request.user, id=payload.into_id, perm="appeals.dispatch_appeal")
    appeal_merge(actor=request.user, appeal=appeal, into=into)
    return appeal_selectors.appeal_get(user=request.user, id=appeal_id)


@router.post("/appeals/{int:appeal_id}/self-handle", response=AppealOut, summary="网格员自行处置")
def self_handle(request: HttpRequest, appeal_id: int, payload: NoteIn) -> Appeal:
    appeal = appeal_selectors.appeal_get(user=request.user, id=appeal_id)
    appeal_self_handle(actor=request.user, appeal=appeal, note=payload.note)
    return appeal_selectors.appeal_get(user=request.user, id=appeal_id)


@router.post("/appeals/{int:appeal_id}/escalate", response=AppealOut, summary="网格事件上报派单")
def escalate(request: HttpRequest, appeal_id: int) -> Appeal:
    appeal = appeal_selectors.appeal_get(user=request.user, id=appeal_id)
    appeal_escalate(actor=request.user, appeal=appeal)
    return appeal_selectors.appeal_get(user=request.user, id=appeal_id)


@router.get("/mine", response=AppealPage, summary="我的诉求（群众）")
def my_appeals(
    request: HttpRequest, cursor: str | None = None, limit: PageLimit = DEFAULT_LIMIT
) -> dict[str, Any]:
    return page_out(appeal_selectors.my_appeals(user=request.user, cursor=cursor, limit=limit))


@router.get("/mine/{int:appeal_id}", response=AppealOut, summary="我的诉求详情（群众）")
def my_appeal(request: HttpRequest, appeal_id: int) -> Appeal:
    return appeal_selectors.my_appeal_get(user=request.user, id=appeal_id)


@router.post("/mine", response={201: AppealOut}, summary="群众网上提交诉求")
def file_appeal(request: HttpRequest, payload: CitizenAppealIn) -> Status[Appeal]:
    user = request.user
    if getattr(user, "kind", "") == "staff":
        raise PermissionDenied("工作人员请通过登记诉求接口代为登记")
    data = IntakeInput(channel="web", reporter_name=getattr(user, "full_name", ""), **payload.model_dump())
    appeal = appeal_intake(actor=user, data=data, reporter_user=user)
    return Status(201, appeal_selectors.my_appeal_get(user=user, id=appeal.pk))


@router.get("/intake-assist", response=IntakeAssistOut, summary="受理辅助：知识库答案与相似诉求")
def intake_assist(request: HttpRequest, text: str = "") -> dict[str, Any]:
    result = appeal_selectors.intake_assist(user=request.user, text=text)
    return {
        "articles": result.articles,
        "similar": result.similar,
        "rule_name": result.rule.name if result.rule else None,
        "model_top": result.model_top,
    }


# --- queues --------------------------------------------------------------------------------------------


@router.get("/queues/dispatch", response=AppealPage, summary="待派单（调度中心）")
def dispatch_queue(
    request: HttpRequest, sla: str | None = None, cursor: str | None = None, limit: PageLimit = DEFAULT_LIMIT
) -> dict[str, Any]:
    return page_out(
        work_order_selectors.dispatch_queue(user=request.user, sla_state=sla, cursor=cursor, limit=limit)
    )


@router.get("/queues/department", response=WorkOrderPage, summary="本部门待办工单")
def department_queue(
    request: HttpRequest,
    status: str | None = None,
    sla: str | None = None,
    supervised: bool | None = None,
    cursor: str | None = None,
    limit: PageLimit = DEFAULT_LIMIT,
) -> dict[str, Any]:
    return page_out(
        work_order_selectors.department_queue(
            user=request.user, status=status, sla_state=sla, supervised=supervised, cursor=cursor, limit=limit
        )
    )


@router.get("/queues/assists", response=AssistPage, summary="本部门协办任务")
def assist_queue(
    request: HttpRequest, cursor: str | None = None, limit: PageLimit = DEFAULT_LIMIT
) -> dict[str, Any]:
    return page_out(work_order_selectors.assist_queue(user=request.user, cursor=cursor, limit=limit))


@router.get("/queues/returns", response=ReturnRequestPage, summary="待审核退单")
def return_queue(
    request: HttpRequest, cursor: str | None = None, limit: PageLimit = DEFAULT_LIMIT
) -> dict[str, Any]:
    return page_out(work_order_selectors.return_request_queue(user=request.user, cursor=cursor, limit=limit))


@router.get("/queues/extensions", response=ExtensionPage, summary="待审核延期")
def extension_queue(
    request: HttpRequest, cursor: str | None = None, limit: PageLimit = DEFAULT_LIMIT
) -> dict[str, Any]:
    return page_out(
        work_order_selectors.extension_request_queue(user=request.user, cursor=cursor, limit=limit)
    )


@router.get("/queues/visits", response=WorkOrderPage, summary="待回访")
def visit_queue(
    request: HttpRequest, cursor: str | None = None, limit: PageLimit = DEFAULT_LIMIT
) -> dict[str, Any]:
    return page_out(work_order_selectors.visit_queue(user=request.user, cursor=cursor, limit=limit))


# --- work orders ----------------------------------------------------------------------------------------


@router.get("/work-orders", response=WorkOrderPage, summary="工单列表（调度中心）")
def list_work_orders(
    request: HttpRequest,
    status: str | None = None,
    department: int | None = None,
    sla: str | None = None,
    cursor: str | None = None,
    limit: PageLimit = DEFAULT_LIMIT,
) -> dict[str, Any]:
    return page_out(
        work_order_selectors.work_order_list(
            user=request.user, status=status, department=department, sla_state=sla, cursor=cursor, limit=limit
        )
    )


def _work_order_detail(request: HttpRequest, work_order_id: int) -> WorkOrder:
    work_order = work_order_selectors.work_order_get(user=request.user, id=work_order_id)
    work_order.events_list = work_order_selectors.work_order_events(work_order=work_order)  # type: ignore[attr-defined]
    work_order.appeal_ids = [a.pk for a in work_order_selectors.work_order_appeals(work_order=work_order)]  # type: ignore[attr-defined]
    work_order.assist_list = [  # type: ignore[attr-defined]
        {"id": a.pk, "department_id": a.department_id, "status": a.status, "reply_text": a.reply_text}
        for a in work_order.assists.all()
    ]
    return work_order


@router.get("/work-orders/{int:work_order_id}", response=WorkOrderDetailOut, summary="工单详情与记录")
def get_work_order(request: HttpRequest, work_order_id: int) -> WorkOrder:
    return _work_order_detail(request, work_order_id)


@router.post("/work-orders/{int:work_order_id}/accept", response=WorkOrderDetailOut, summary="签收")
def accept(request: HttpRequest, work_order_id: int, payload: WorkOrderVersionIn) -> WorkOrder:
    work_order_accept(actor=request.user, work_order=work_order_id, expected_version=payload.version)
    return _work_order_detail(request, work_order_id)


@router.post(
    "/work-orders/{int:work_order_id}/forward", response=WorkOrderDetailOut, summary="下转本部门下级单位"
)
def forward(request: HttpRequest, work_order_id: int, payload: ForwardIn) -> WorkOrder:
    work_order_forward(
        actor=request.user,
        work_order=work_order_id,
        department=_department(payload.department_id),
        note=payload.note,
        expected_version=payload.version,
    )
    return _work_order_detail(request, work_order_id)


@router.post("/work-orders/{int:work_order_id}/return", response={201: ReturnRequestOut}, summary="申请退单")
def request_return(request: HttpRequest, work_order_id: int, payload: ReturnIn) -> Status[Any]:
    suggested = (
        _department(payload.suggested_department_id, "suggested_department_id")
        if payload.suggested_department_id is not None
        else None
    )
    result = work_order_request_return(
        actor=request.user,
        work_order=work_order_id,
        reason=payload.reason,
        suggested_department=suggested,
        expected_version=payload.version,
    )
    return Status(201, result)


@router.post("/work-orders/{int:work_order_id}/reply", response=WorkOrderDetailOut, summary="答复")
def reply(request: HttpRequest, work_order_id: int, payload: ReplyIn) -> WorkOrder:
    work_order_reply(
        actor=request.user,
        work_order=work_order_id,
        reply_text=payload.reply_text,
        expected_version=payload.version,
    )
    return _work_order_detail(request, work_order_id)


@router.post(
    "/work-orders/{int:work_order_id}/reassign", response=WorkOrderDetailOut, summary="改派（调度中心）"
)
def reassign(request: HttpRequest, work_order_id: int, payload: ReassignIn) -> WorkOrder:
    work_order_reassign(
        actor=request.user,
        work_order=work_order_id,
        department=_department(payload.department_id),
        note=payload.note,
        expected_version=payload.version,
    )
    return _work_order_detail(request, work_order_id)


@router.post("/work-orders/{int:work_order_id}/remind", response=WorkOrderDetailOut, summary="催办")
def remind(request: HttpRequest, work_order_id: int, payload: NoteIn) -> WorkOrder:
    work_order_remind(actor=request.user, work_order=work_order_id, note=payload.note)
    return _work_order_detail(request, work_order_id)


@router.post("/work-orders/{int:work_order_id}/supervise", response=WorkOrderDetailOut, summary="督办")
def supervise(request: HttpRequest, work_order_id: int, payload: NoteIn) -> WorkOrder:
    work_order_supervise(actor=request.user, work_order=work_order_id, note=payload.note)
    return _work_order_detail(request, work_order_id)


@router.post("/work-orders/{int:work_order_id}/visit", response=WorkOrderDetailOut, summary="回访")
def visit(request: HttpRequest, work_order_id: int, payload: VisitIn) -> WorkOrder:
    work_order_visit(
        actor=request.user,
        work_order=work_order_id,
        result=payload.result,
        note=payload.note,
        expected_version=payload.version,
    )
    return _work_order_detail(request, work_order_id)


@router.post(
    "/work-orders/{int:work_order_id}/close", response=WorkOrderDetailOut, summary="办结（免回访类型）"
)
def close(request: HttpRequest, work_order_id: int, payload: CloseIn) -> WorkOrder:
    work_order_close(
        actor=request.user, work_order=work_order_id, note=payload.note, expected_version=payload.version
    )
    return _work_order_detail(request, work_order_id)


@router.post("/work-orders/{int:work_order_id}/extensions", response={201: ExtensionOut}, summary="申请延期")
def request_extension(request: HttpRequest, work_order_id: int, payload: ExtensionIn) -> Status[Any]:
    result = extension_request_create(
        actor=request.user, work_order=work_order_id, working_days=payload.working_days, reason=payload.reason
    )
    return Status(201, result)


@router.post("/returns/{int:request_id}/review", response=ReturnRequestOut, summary="审核退单（同意即改派）")
def review_return(request: HttpRequest, request_id: int, payload: ReviewIn) -> Any:
    department = _department(payload.department_id) if payload.department_id is not None else None
    return return_request_review(
        actor=request.user,
        return_request=request_id,
        approve=payload.approve,
        department=department,
        note=payload.note,
    )


@router.post("/extensions/{int:request_id}/review", response=ExtensionOut, summary="审核延期")
def review_extension(request: HttpRequest, request_id: int, payload: ReviewIn) -> Any:
    if payload.department_id is not None:
        raise ValidationFailed.for_field("department_id", "审核延期不需要部门")
    return extension_request_review(
        actor=request.user, extension_request=request_id, approve=payload.approve, note=payload.note
    )


@router.post("/assists/{int:assist_id}/accept", response=dict, summary="签收协办")
def accept_assist(request: HttpRequest, assist_id: int) -> dict[str, Any]:
    item = work_order_assist_accept(actor=request.user, assist=assist_id)
    return {"id": item.pk, "status": item.status}


@router.post("/assists/{int:assist_id}/reply", response=dict, summary="反馈协办意见")
def reply_assist(request: HttpRequest, assist_id: int, payload: AssistReplyIn) -> dict[str, Any]:
    item = work_order_assist_reply(actor=request.user, assist=assist_id, reply_text=payload.reply_text)
    return {"id": item.pk, "status": item.status}


# --- configuration, rule test, model -----------------------------------------------------------------


@router.get("/categories", response=list[CategoryOut], summary="诉求分类")
def categories(request: HttpRequest) -> list[Category]:
    return dispatch_selectors.category_list()


@router.post("/rules/test", response=RuleTestOut, summary="规则测试：示例会命中哪条规则")
def test_rule(request: HttpRequest, payload: RuleTestIn) -> dict[str, Any]:
    if not request.user.has_perm("appeals.view_routingrule") and not request.user.has_perm(
        "appeals.dispatch_appeal"
    ):
        raise PermissionDenied("没有查看派单规则的权限")
    category = dispatch_selectors.category_get(code=payload.category_code) if payload.category_code else None
    division = None
    if payload.division_code:
        division = orgs_selectors.divisions_by_code([payload.division_code]).get(payload.division_code)
        if division is None:
            raise ValidationFailed.for_field("division_code", f"行政区划“{payload.division_code}”不存在")
    result = dispatch_selectors.rule_test(
        text=payload.text,
        category=category,
        division=division,
        channel=payload.channel,
        appeal_type=payload.appeal_type,
        is_enterprise=payload.is_enterprise,
    )
    return {
        "rule_id": result.rule.pk if result.rule else None,
        "rule_name": result.rule.name if result.rule else None,
        "department": result.department.name if result.department else None,
        "catalogue_department": result.catalogue_department.name if result.catalogue_department else None,
        "model_version": result.model_version,
        "model_department": result.model_department,
        "model_probability": result.model_probability,
        "model_top": result.model_top,
        "model_category": result.model_category,
        "would_auto_dispatch": result.would_auto_dispatch,
    }


@router.get("/models", response=list[ModelOut], summary="派单模型（版本与评估指标）")
def models(request: HttpRequest) -> list[Any]:
    if not request.user.has_perm("appeals.view_dispatchmodel") and not request.user.has_perm(
        "appeals.dispatch_appeal"
    ):
        raise PermissionDenied("没有查看派单模型的权限")
    return dispatch_selectors.dispatch_model_list()


@router.get("/stats", response=dict, summary="诉求统计（办结率、按时办结率、满意率等）")
def stats(
    request: HttpRequest,
    since: date | None = None,
    until: date | None = None,
    division_under: str | None = None,
) -> dict[str, Any]:
    return stats_selectors.appeal_stats(
        user=request.user, since=since, until=until, division_under=division_under
    )
