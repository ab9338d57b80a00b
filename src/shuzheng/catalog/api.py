"""/api/v1/catalog/...: public guides (办事指南) and the staff's item versions, import and export.

Thin: parse, call one service or selector, shape the output. Guides, guide groups and the departments
that implement them are public; everything under /items, /versions, /import and /export.xlsx needs a
login and the catalog permissions (checked, with the data scope, by the services and selectors).
"""

from __future__ import annotations

from typing import Any, cast

from django.http import HttpRequest, HttpResponse
from ninja import File, Router, Status, UploadedFile
from ninja.security import django_auth

from shuzheng.catalog import selectors, xlsx
from shuzheng.catalog.constants import ApplicantType, GuideGroupKind, ItemLevel, ItemType
from shuzheng.catalog.models import ServiceItemVersion
from shuzheng.catalog.schemas import (
    DepartmentGuidesOut,
    GuideGroupOut,
    GuideOut,
    GuidePage,
    ItemImportReportOut,
    ItemIn,
    ItemPage,
    PublishIn,
    VersionOut,
    VersionPatch,
    VersionSummaryOut,
)
from shuzheng.catalog.services import versions
from shuzheng.catalog.services.cleaning import VersionFields
from shuzheng.core.errors import UnsupportedMediaType, ValidationFailed
from shuzheng.core.pagination import DEFAULT_LIMIT, page_out
from shuzheng.core.schemas import PageLimit
from shuzheng.core.spreadsheets import XLSX_CONTENT_TYPE

router = Router(tags=["事项与办事指南"])

NOT_NULL = {
    "name",
    "item_type",
    "department_code",
    "level",
    "legal_basis",
    "conditions",
    "applicant_types",
    "statutory_limit_days",
    "promised_limit_days",
    "is_free",
    "fee_rules",
    "onsite_visits",
    "handling_modes",
    "comprehensive_window",
    "channels",
    "cross_region",
    "exemptions",
    "high_frequency",
    "form_schema",
    "keywords",
    "materials",
    "steps",
    "guide_groups",
}


def _fields(payload: VersionPatch) -> VersionFields:
    """The version fields the client sent (the schema's fields are the service's, the department named by
    its code); null is refused (use [] or "" to clear)."""
    data = payload.model_dump(mode="json", exclude_unset=True, exclude={"code"})
    nulls = sorted(name for name in NOT_NULL & data.keys() if data[name] is None)
    if nulls:
        raise ValidationFailed(
            "以下字段不能为 null：" + "、".join(nulls),
            errors=[{"field": name, "message": "不能为空"} for name in nulls],
        )
    if "department_code" in data:
        data["department"] = data.pop("department_code")
    return cast(VersionFields, data)


# --- public: guides -------------------------------------------------------------------------------


@router.get("/guides", response=GuidePage, summary="办事指南列表与全文检索", auth=None)
def list_guides(
    request: HttpRequest,
    q: str | None = None,
    department: str | None = None,
    group: str | None = None,
    level: ItemLevel | None = None,
    audience: ApplicantType | None = None,
    item_type: ItemType | None = None,
    high_frequency: bool | None = None,
    cursor: str | None = None,
    limit: PageLimit = DEFAULT_LIMIT,
) -> dict[str, Any]:
    """Live guides, high-frequency first; with ``q``, full-text matches best first (jieba-segmented)."""
    return page_out(
        selectors.guide_list(
            q=q,
            department=department,
            group=group,
            level=level,
            audience=audience,
            item_type=item_type,
            high_frequency=high_frequency,
            cursor=cursor,
            limit=limit,
        )
    )


@router.get("/guides/{code}", response=GuideOut, summary="办事指南详情（含材料、环节、申请表）", auth=None)
def get_guide(request: HttpRequest, code: str) -> ServiceItemVersion:
    return selectors.guide_get(code)


@router.get("/groups", response=list[GuideGroupOut], summary="人生事件与主题分类", auth=None)
def list_groups(
    request: HttpRequest, kind: GuideGroupKind | None = None, audience: ApplicantType | None = None
) -> list[Any]:
    return selectors.guide_groups(kind=kind, audience=audience)


@router.get("/departments", response=list[DepartmentGuidesOut], summary="实施部门及其事项数", auth=None)
def list_departments(request: HttpRequest) -> list[dict[str, Any]]:
    return [
        {"code": entry.department.code, "name": entry.department.name, "count": entry.count}
        for entry in selectors.guide_departments()
    ]


# --- staff: items and versions --------------------------------------------------------------------


@router.get("/items", response=ItemPage, summary="事项列表（本人数据范围）", auth=django_auth)
def list_items(
    request: HttpRequest,
    status: str | None = None,
    department: str | None = None,
    q: str | None = None,
    cursor: str | None = None,
    limit: PageLimit = DEFAULT_LIMIT,
) -> dict[str, Any]:
    return page_out(
        selectors.item_list(
            user=request.user, status=status, department=department, q=q, cursor=cursor, limit=limit
        )
    )


@router.post("/items", response={201: VersionOut}, summary="新建事项（生成第一版草稿）", auth=django_auth)
def create_item(request: HttpRequest, payload: ItemIn) -> Status[ServiceItemVersion]:
    draft = versions.item_create(actor=request.user, code=payload.code, fields=_fields(payload))
    return Status(201, selectors.version_get(user=request.user, id=draft.pk))


@router.get(
    "/items/{code}/versions", response=list[VersionSummaryOut], summary="事项的版本历史", auth=django_auth
)
def list_versions(request: HttpRequest, code: str) -> list[ServiceItemVersion]:
    item = selectors.item_get(user=request.user, code=code)
    return selectors.version_history(user=request.user, item=item)


@router.post(
    "/items/{code}/drafts",
    response={201: VersionOut},
    summary="基于现行版本创建草稿（现行版本继续有效）",
    auth=django_auth,
)
def create_draft(request: HttpRequest, code: str) -> Status[ServiceItemVersion]:
    item = selectors.item_get(user=request.user, code=code)
    source = selectors.draft_source(item)
    if source is None:
        raise ValidationFailed("该事项没有可复制的版本。")
    draft = versions.version_draft_from(actor=request.user, version=source)
    return Status(201, selectors.version_get(user=request.user, id=draft.pk))


@router.get(
    "/versions/{int:version_id}", response=VersionOut, summary="事项版本详情（任意状态）", auth=django_auth
)
def get_version(request: HttpRequest, version_id: int) -> ServiceItemVersion:
    return selectors.version_get(user=request.user, id=version_id)


@router.patch("/versions/{int:version_id}", response=VersionOut, summary="修改草稿", auth=django_auth)
def update_version(request: HttpRequest, version_id: int, payload: VersionPatch) -> ServiceItemVersion:
    version = selectors.version_get(user=request.user, id=version_id)
    versions.version_update(actor=request.user, version=version, fields=_fields(payload))
    return selectors.version_get(user=request.user, id=version_id)


@router.delete("/versions/{int:version_id}", response={204: None}, summary="删除草稿", auth=django_auth)
def discard_version(request: HttpRequest, version_id: int) -> Status[None]:
    version = selectors.version_get(user=request.user, id=version_id)
    versions.version_discard(actor=request.user, version=version)
    return Status(204, None)


@router.post(
    "/versions/{int:version_id}/publish",
    response=VersionOut,
    summary="发布草稿（校验后生效，替换现行版本）",
    auth=django_auth,
)
def publish_version(
    request: HttpRequest, version_id: int, payload: PublishIn | None = None
) -> ServiceItemVersion:
    version = selectors.version_get(user=request.user, id=version_id)
    valid_from = payload.valid_from if payload is not None else None
    versions.version_publish(actor=request.user, version=version, valid_from=valid_from)
    return selectors.version_get(user=request.user, id=version_id)


@router.post(
    "/versions/{int:version_id}/retire", response=VersionOut, summary="废止现行版本", auth=django_auth
)
def retire_version(request: HttpRequest, version_id: int) -> ServiceItemVersion:
    version = selectors.version_get(user=request.user, id=version_id)
    versions.version_retire(actor=request.user, version=version)
    return selectors.version_get(user=request.user, id=version_id)


# --- staff: Excel ---------------------------------------------------------------------------------


@router.get("/export.xlsx", summary="导出实施清单（Excel：事项、材料、环节）", auth=django_auth)
def export_items(request: HttpRequest) -> HttpResponse:
    content = xlsx.export_items_xlsx(user=request.user)
    response = HttpResponse(content, content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = "attachment; filename*=UTF-8''items.xlsx"
    return response


@router.post(
    "/import", response=ItemImportReportOut, summary="导入实施清单（Excel，全部成功才生效）", auth=django_auth
)
def import_items(
    request: HttpRequest,
    file: UploadedFile = File(...),  # noqa: B008
    publish: bool = False,
) -> dict[str, Any]:
    if not (file.name or "").lower().endswith(".xlsx"):
        raise UnsupportedMediaType("只支持 .xlsx 格式的 Excel 文件。", code="not_xlsx")
    selectors.item_list(user=request.user, limit=1)  # a login with catalog permissions, else 403
    report = xlsx.import_items_xlsx(file, actor=request.user, publish=publish)
    if not report.ok:
        raise ValidationFailed(
            report.summary() + " " + "；".join(str(e) for e in report.errors[:5]),
            errors=report.as_dict()["errors"],
            code="import_failed",
        )
    return report.as_dict()
