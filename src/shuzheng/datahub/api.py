"""/api/v1/datahub/...: catalog, mounts and rows, sharing, grants and credentials, the data service,
access logs, quality, open-data publishing.

Thin: parse, call one service or selector, shape the output. Staff endpoints use the session; the data
service (``GET /data/<entry code>/rows``) uses a credential instead:
``Authorization: Bearer <client_id>:<secret>``.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import File, Form, Router, Status, UploadedFile
from ninja.security import django_auth

from shuzheng.core.errors import PermissionDenied, UnsupportedMediaType, ValidationFailed
from shuzheng.core.lookup import resolve_many_or_422
from shuzheng.core.pagination import DEFAULT_LIMIT, page_out
from shuzheng.core.schemas import PageLimit
from shuzheng.core.spreadsheets import XLSX_CONTENT_TYPE
from shuzheng.datahub import access, quality, xlsx
from shuzheng.datahub.models import CatalogEntry, DataItem, OpenTopic, SharingRequest
from shuzheng.datahub.schemas import (
    AccessLogPage,
    ApproveIn,
    CredentialIn,
    CredentialOut,
    DataPageOut,
    EntryIn,
    EntryOut,
    EntryPage,
    EntryPatch,
    EntryTransitionIn,
    GrantOut,
    GrantPage,
    IndicatorOut,
    IssuedCredentialOut,
    LoadOut,
    MountIn,
    MountStatOut,
    OpenDatasetOut,
    OpenDatasetPublishIn,
    PersonLookupIn,
    QualityRuleIn,
    QualityRuleOut,
    QualityRunIn,
    QualityRunOut,
    RefuseIn,
    RowPatch,
    RowsIn,
    SharingRequestIn,
    SharingRequestOut,
    SharingRequestPage,
)
from shuzheng.datahub.selectors import access_logs as access_log_selectors
from shuzheng.datahub.selectors import catalog as catalog_selectors
from shuzheng.datahub.selectors import open_data as open_data_selectors
from shuzheng.datahub.selectors import quality as quality_selectors
from shuzheng.datahub.selectors import sharing as sharing_selectors
from shuzheng.datahub.services import catalog as catalog_services
from shuzheng.datahub.services import mounts as mount_services
from shuzheng.datahub.services import open_data as open_data_services
from shuzheng.datahub.services import rows as row_services
from shuzheng.datahub.services import sharing as sharing_services
from shuzheng.orgs import selectors as orgs_selectors

router = Router(tags=["数据中台"], auth=django_auth)

MAX_UPLOAD_NAME = 200


def _entry_for_write(request: HttpRequest, entry_id: int) -> CatalogEntry:
    return catalog_selectors.entry_get(user=request.user, id=entry_id)


def _related(ids: list[int]) -> list[CatalogEntry]:
    return resolve_many_or_422(CatalogEntry.objects.all(), ids, field="related_ids", label="关联资源")


def _read_upload(file: UploadedFile) -> bytes:
    return b"".join(file.chunks())


# --- catalog -------------------------------------------------------------------------------------------


@router.get("/entries", response=EntryPage, summary="数据资源目录")
def list_entries(
    request: HttpRequest,
    q: str | None = None,
    department: str | None = None,
    classification: str | None = None,
    status: str | None = None,
    sharing_type: str | None = None,
    openness: str | None = None,
    mounted: bool | None = None,
    cursor: str | None = None,
    limit: PageLimit = DEFAULT_LIMIT,
) -> dict[str, Any]:
    return page_out(
        catalog_selectors.entry_list(
            user=request.user,
            q=q,
            department=department,
            classification=classification,
            status=status,
            sharing_type=sharing_type,
            openness=openness,
            mounted=mounted,
            cursor=cursor,
            limit=limit,
        )
    )


@router.get("/entries/export.xlsx", summary="导出数据资源目录（Excel，含信息项）")
def export_entries(request: HttpRequest, department: str | None = None) -> HttpResponse:
    qs = catalog_selectors.entry_queryset(user=request.user).prefetch_related("items").order_by("code")
    if department:
        qs = qs.filter(department__code=department.strip().upper())
    response = HttpResponse(xlsx.export_catalog(list(qs[:10000])), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = "attachment; filename*=UTF-8''data-catalog.xlsx"
    return response


@router.post("/entries/import", response=dict[str, int], summary="导入数据资源目录（Excel，全部成功才生效）")
def import_entries(request: HttpRequest, file: UploadedFile = File(...)) -> dict[str, int]:  # noqa: B008
    if not (file.name or "").lower().endswith(".xlsx"):
        raise UnsupportedMediaType("只支持 .xlsx 格式的 Excel 文件。", code="not_xlsx")
    return xlsx.import_catalog(actor=request.user, file=file)


@router.post("/entries", response={201: EntryOut}, summary="新增数据资源（编辑中）")
def create_entry(request: HttpRequest, payload: EntryIn) -> Status[CatalogEntry]:
    department_id = payload.department_id or getattr(request.user, "department_id", None)
    department = orgs_selectors.department_by_id(department_id) if department_id else None
    if department is None:
        raise ValidationFailed.for_field("department_id", "提供部门不存在")
    entry = catalog_services.entry_create(
        actor=request.user,
        department=department,
        metadata=catalog_services.EntryMetadata(
            **payload.model_dump(include=set(catalog_services.ENTRY_FIELDS))
        ),
        items=[item.model_dump() for item in payload.items],
        related=_related(payload.related_ids),
    )
    return Status(201, catalog_selectors.entry_get(user=request.user, id=entry.pk))


@router.get("/entries/{int:entry_id}", response=EntryOut, summary="数据资源详情")
def get_entry(request: HttpRequest, entry_id: int) -> CatalogEntry:
    return catalog_selectors.entry_get(user=request.user, id=entry_id)


@router.patch("/entries/{int:entry_id}", response=EntryOut, summary="修改数据资源（仅编辑中）")
def update_entry(request: HttpRequest, entry_id: int, payload: EntryPatch) -> CatalogEntry:
    entry = _entry_for_write(request, entry_id)
    data = payload.model_dump(exclude_unset=True)
    nulls = sorted(k for k, v in data.items() if v is None)
    if nulls:
        raise ValidationFailed.for_field(nulls[0], "不能为空")
    related = _related(data.pop("related_ids")) if "related_ids" in data else None
    items = data.pop("items", None)
    catalog_services.entry_update(actor=request.user, entry=entry, items=items, related=related, **data)
    return catalog_selectors.entry_get(user=request.user, id=entry_id)


@router.post(
    "/entries/{int:entry_id}/transitions", response=EntryOut, summary="提交审核、审核通过、退回或撤回修订"
)
def transition_entry(request: HttpRequest, entry_id: int, payload: EntryTransitionIn) -> CatalogEntry:
    entry = _entry_for_write(request, entry_id)
    catalog_services.entry_transition(
        actor=request.user, entry=entry, action=payload.action, comment=payload.comment
    )
    return catalog_selectors.entry_get(user=request.user, id=entry_id)


@router.post("/entries/{int:entry_id}/mount", response=EntryOut, summary="挂接：建表或登记外部接口")
def mount_entry(request: HttpRequest, entry_id: int, payload: MountIn) -> CatalogEntry:
    entry = _entry_for_write(request, entry_id)
    if payload.kind == "table":
        mount_services.entry_mount_table(actor=request.user, entry=entry)
    elif payload.kind == "api":
        mount_services.entry_mount_api(
            actor=request.user, entry=entry, url=payload.url, description=payload.description
        )
    else:
        raise ValidationFailed.for_field("kind", "挂接方式应为 table 或 api（文件请用 mount-file 上传）")
    return catalog_selectors.entry_get(user=request.user, id=entry_id)


@router.post("/entries/{int:entry_id}/mount-file", response=EntryOut, summary="挂接：上传文件")
def mount_file(request: HttpRequest, entry_id: int, file: UploadedFile = File(...)) -> CatalogEntry:  # noqa: B008
    entry = _entry_for_write(request, entry_id)
    mount_services.entry_mount_file(
        actor=request.user,
        entry=entry,
        filename=(file.name or "")[:MAX_UPLOAD_NAME],
        content=_read_upload(file),
    )
    return catalog_selectors.entry_get(user=request.user, id=entry_id)


@router.post(
    "/entries/{int:entry_id}/upload", response=LoadOut, summary="装载数据（CSV/xlsx，全部成功才生效）"
)
def upload_rows(
    request: HttpRequest,
    entry_id: int,
    file: UploadedFile = File(...),  # noqa: B008
    replace: bool = Form(False),
) -> dict[str, Any]:
    entry = _entry_for_write(request, entry_id)
    return row_services.rows_load_file(
        actor=request.user,
        entry=entry,
        filename=(file.name or "")[:MAX_UPLOAD_NAME],
        content=_read_upload(file),
        replace=replace,
    )


@router.post(
    "/entries/{int:entry_id}/rows", response={201: LoadOut}, summary="写入数据行（JSON，全部成功才生效）"
)
def insert_rows(request: HttpRequest, entry_id: int, payload: RowsIn) -> Status[dict[str, Any]]:
    entry = _entry_for_write(request, entry_id)
    return Status(
        201,
        row_services.rows_insert(actor=request.user, entry=entry, rows=payload.rows, replace=payload.replace),
    )


@router.patch("/entries/{int:entry_id}/rows/{int:row_id}", response=dict[str, Any], summary="修改一行数据")
def update_row(request: HttpRequest, entry_id: int, row_id: int, payload: RowPatch) -> dict[str, Any]:
    entry = _entry_for_write(request, entry_id)
    return row_services.row_update(actor=request.user, entry=entry, row_id=row_id, values=payload.values)


@router.delete("/entries/{int:entry_id}/rows/{int:row_id}", response={204: None}, summary="删除一行数据")
def delete_row(request: HttpRequest, entry_id: int, row_id: int) -> Status[None]:
    entry = _entry_for_write(request, entry_id)
    row_services.row_delete(actor=request.user, entry=entry, row_id=row_id)
    return Status(204, None)


@router.get("/entries/{int:entry_id}/access-log", response=AccessLogPage, summary="谁访问了我的数据")
def entry_access_log(
    request: HttpRequest, entry_id: int, cursor: str | None = None, limit: PageLimit = DEFAULT_LIMIT
) -> dict[str, Any]:
    entry = catalog_selectors.entry_get(user=request.user, id=entry_id)
    return page_out(
        access_log_selectors.access_log_for_entry(user=request.user, entry=entry, cursor=cursor, limit=limit)
    )


@router.get("/access-log", response=AccessLogPage, summary="谁访问了本部门的数据（全部资源）")
def provider_access_log(
    request: HttpRequest,
    department: str | None = None,
    cursor: str | None = None,
    limit: PageLimit = DEFAULT_LIMIT,
) -> dict[str, Any]:
    code = (department or "").strip().upper()
    found = orgs_selectors.department_by_code(code) if code else getattr(request.user, "department", None)
    if found is None:
        raise ValidationFailed.for_field("department", "部门不存在")
    return page_out(
        access_log_selectors.access_log_for_provider(
            user=request.user, department=found, cursor=cursor, limit=limit
        )
    )


@router.post(
    "/access-log/person", response=AccessLogPage, summary="按身份证号查询谁读取了其记录（个人信息查询）"
)
def person_access_log(request: HttpRequest, payload: PersonLookupIn) -> dict[str, Any]:
    return page_out(
        access_log_selectors.access_log_for_person(
            user=request.user, id_number=payload.id_number, cursor=payload.cursor
        )
    )


@router.get("/stats/mounts", response=list[MountStatOut], summary="各部门目录、挂接资源与数据量")
def mount_stats(request: HttpRequest) -> list[dict[str, Any]]:
    return catalog_selectors.mount_stats()


@router.get("/stats/totals", response=dict[str, int], summary="全市数据资源总量")
def totals(request: HttpRequest) -> dict[str, int]:
    return catalog_selectors.catalog_totals()


# --- sharing -------------------------------------------------------------------------------------------


@router.get("/sharing-requests", response=SharingRequestPage, summary="共享申请")
def list_requests(
    request: HttpRequest,
    role: str | None = None,
    status: str | None = None,
    timed_out: bool | None = None,
    cursor: str | None = None,
    limit: PageLimit = DEFAULT_LIMIT,
) -> dict[str, Any]:
    return page_out(
        sharing_selectors.request_list(
            user=request.user, role=role, status=status, timed_out=timed_out, cursor=cursor, limit=limit
        )
    )


@router.post("/sharing-requests", response={201: SharingRequestOut}, summary="申请共享（本部门）")
def create_request(request: HttpRequest, payload: SharingRequestIn) -> Status[SharingRequest]:
    department = getattr(request.user, "department", None)
    if department is None:
        raise PermissionDenied("只有部门工作人员可以申请共享")
    entry = catalog_selectors.entry_get(user=request.user, id=payload.entry_id)
    created = sharing_services.sharing_request_create(
        actor=request.user,
        entry=entry,
        requester_department=department,
        purpose=payload.purpose,
        legal_basis=payload.legal_basis,
        fields=payload.fields,
        period_start=payload.period_start,
        period_end=payload.period_end,
    )
    return Status(201, sharing_selectors.request_get(user=request.user, id=created.pk))


@router.get("/sharing-requests/{int:request_id}", response=SharingRequestOut, summary="共享申请详情")
def get_request(request: HttpRequest, request_id: int) -> SharingRequest:
    return sharing_selectors.request_get(user=request.user, id=request_id)


@router.post(
    "/sharing-requests/{int:request_id}/approve", response=SharingRequestOut, summary="同意（可少于申请字段）"
)
def approve_request(request: HttpRequest, request_id: int, payload: ApproveIn) -> SharingRequest:
    found = sharing_selectors.request_get(user=request.user, id=request_id)
    sharing_services.sharing_request_approve(
        actor=request.user,
        request=found,
        fields=payload.fields,
        allow_clear_text=payload.allow_clear_text,
        period_end=payload.period_end,
    )
    return sharing_selectors.request_get(user=request.user, id=request_id)


@router.post(
    "/sharing-requests/{int:request_id}/refuse", response=SharingRequestOut, summary="拒绝（须说明理由）"
)
def refuse_request(request: HttpRequest, request_id: int, payload: RefuseIn) -> SharingRequest:
    found = sharing_selectors.request_get(user=request.user, id=request_id)
    sharing_services.sharing_request_refuse(actor=request.user, request=found, reason=payload.reason)
    return sharing_selectors.request_get(user=request.user, id=request_id)


@router.get("/sharing/indicator", response=IndicatorOut, summary="指标13：数据共享需求满足率")
def sharing_indicator(request: HttpRequest) -> dict[str, Any]:
    return sharing_selectors.sharing_indicator().as_dict()


@router.get("/grants", response=GrantPage, summary="共享授权（本部门持有或授予的）")
def list_grants(
    request: HttpRequest, cursor: str | None = None, limit: PageLimit = DEFAULT_LIMIT
) -> dict[str, Any]:
    return page_out(sharing_selectors.grant_list(user=request.user, cursor=cursor, limit=limit))


@router.post("/grants/{int:grant_id}/revoke", response=GrantOut, summary="撤销授权（凭证随之失效）")
def revoke_grant(request: HttpRequest, grant_id: int) -> Any:
    grant = sharing_selectors.grant_get(user=request.user, id=grant_id)
    return sharing_services.grant_revoke(actor=request.user, grant=grant)


@router.post(
    "/grants/{int:grant_id}/credentials",
    response={201: IssuedCredentialOut},
    summary="签发接口凭证（密钥只显示一次）",
)
def issue_credential(request: HttpRequest, grant_id: int, payload: CredentialIn) -> Status[dict[str, Any]]:
    grant = sharing_selectors.grant_get(user=request.user, id=grant_id)
    credential, secret = sharing_services.credential_issue(
        actor=request.user,
        grant=grant,
        label=payload.label,
        rate_limit_per_minute=payload.rate_limit_per_minute,
    )
    body = CredentialOut.from_orm(credential).model_dump()
    body.update(secret=secret, authorization=f"Bearer {credential.client_id}:{secret}")
    return Status(201, body)


@router.post("/credentials/{int:credential_id}/revoke", response=CredentialOut, summary="撤销接口凭证")
def revoke_credential(request: HttpRequest, credential_id: int) -> Any:
    credential = sharing_selectors.credential_get(user=request.user, id=credential_id)
    return sharing_services.credential_revoke(actor=request.user, credential=credential)


# --- data service (credential, not session) -------------------------------------------------------------


@router.get(
    "/data/{path:code}/rows",
    auth=None,
    response=DataPageOut,
    summary="数据服务：按授权查询数据（Authorization: Bearer <client_id>:<secret>）",
    description=(
        "过滤：`字段=值`、`字段__gte`、`字段__lte`、`字段__in`（逗号分隔）、`字段__contains`；"
        "`fields` 选择字段，`sort` 排序（`-字段` 为倒序），`cursor`/`limit` 分页。只返回已授权字段，"
        "按字段脱敏（授权允许明文的除外），每次访问均记录日志。"
    ),
)
def data_rows(request: HttpRequest, code: str) -> dict[str, Any]:
    params = {key: request.GET.get(key, "") for key in request.GET}
    result = access.data_service_query(
        authorization=request.headers.get("Authorization", ""), entry_code=code, params=params
    )
    return {
        "entry": result.entry.code,
        "fields": result.fields,
        "masked_fields": result.masked_fields,
        "items": result.rows,
        "next_cursor": result.next_cursor,
    }


# --- quality -------------------------------------------------------------------------------------------


@router.post("/quality/rules", response={201: QualityRuleOut}, summary="新增质量规则")
def create_rule(request: HttpRequest, payload: QualityRuleIn) -> Status[Any]:
    entry = catalog_selectors.entry_get(user=request.user, id=payload.entry_id)
    item = None
    if payload.item:
        item = DataItem.objects.filter(entry=entry, name=payload.item).first()
        if item is None:
            raise ValidationFailed.for_field("item", f"信息项“{payload.item}”不存在")
    rule = quality.rule_create(
        actor=request.user,
        entry=entry,
        kind=payload.kind,
        item=item,
        params=payload.params,
        name=payload.name,
    )
    return Status(201, rule)


@router.post("/quality/runs", response={201: QualityRunOut}, summary="执行质量检测")
def run_quality(request: HttpRequest, payload: QualityRunIn) -> Status[Any]:
    entries = None
    if payload.entry_ids is not None:
        entries = list(CatalogEntry.objects.filter(pk__in=payload.entry_ids))
    run = quality.run(actor=request.user, entries=entries)
    return Status(201, run)


@router.get("/quality/runs/{int:run_id}", response=QualityRunOut, summary="质量检测结果")
def get_quality_run(request: HttpRequest, run_id: int) -> Any:
    if not request.user.has_perm("datahub.view_qualityrun") and not request.user.has_perm(
        "datahub.add_qualityrule"
    ):
        raise PermissionDenied("没有查看质量检测结果的权限")
    return quality_selectors.quality_run_get(id=run_id)


# --- open data publishing ------------------------------------------------------------------------------


@router.post(
    "/entries/{int:entry_id}/open-dataset", response={201: OpenDatasetOut}, summary="发布为开放数据集"
)
def publish_dataset(request: HttpRequest, entry_id: int, payload: OpenDatasetPublishIn) -> Status[Any]:
    entry = catalog_selectors.entry_get(user=request.user, id=entry_id)
    topics = list(OpenTopic.objects.filter(name__in=payload.topics))
    missing = set(payload.topics) - {t.name for t in topics}
    if missing:
        raise ValidationFailed.for_field("topics", f"主题不存在：{'、'.join(sorted(missing))}")
    dataset = open_data_services.dataset_publish(
        actor=request.user,
        entry=entry,
        name=payload.name,
        title=payload.title,
        notes=payload.notes,
        tags=payload.tags,
        topics=topics,
        license_id=payload.license_id,
    )
    return Status(201, open_data_selectors.open_dataset_get(id=dataset.pk))


@router.post("/open-datasets/{name}/unpublish", response=OpenDatasetOut, summary="下架开放数据集")
def unpublish_dataset(request: HttpRequest, name: str) -> Any:
    dataset = open_data_selectors.open_dataset_get(name=name)
    open_data_services.dataset_unpublish(actor=request.user, dataset=dataset)
    return open_data_selectors.open_dataset_get(id=dataset.pk, include_deleted=True)
