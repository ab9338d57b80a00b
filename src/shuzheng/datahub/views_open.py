"""The public open-data portal (开放数据): search and browse datasets, a dataset with a masked preview,
downloads as CSV / xlsx / JSON (each counted), and the department and topic listings.

Public pages, no login. Thin: reads through the datahub selectors (which only ever return active
datasets and masked rows), downloads built by ``export`` and counted by ``resource_download_record``.
Bad parameters give the Chinese 400 page (or the filter form with its errors), unknown or unpublished
datasets the Chinese 404 page.
"""

from __future__ import annotations

from typing import Any, Final

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, QueryDict
from django.shortcuts import render
from django.urls import path
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET

from shuzheng.core import errors
from shuzheng.datahub import export
from shuzheng.datahub.forms_open import (
    DATASETS_PER_PAGE,
    SORT_CHOICES,
    OpenDataFilterForm,
    dataset_count,
)
from shuzheng.datahub.models import DataType, OpenDataset, OpenResource
from shuzheng.datahub.selectors import open_data as open_data_selectors
from shuzheng.datahub.services import open_data as open_data_services
from shuzheng.identity.page_access import renders_application_errors

PREVIEW_ROWS: Final = 10
FACET_SHOWN: Final = 8  # facet values shown before "更多"

#: Display names of the licences the platform publishes under (CKAN licence ids).
LICENCES: Final = {
    "cc-by-4.0": "知识共享署名 4.0 国际许可协议（CC BY 4.0）",
    "cc-by-sa-4.0": "知识共享署名-相同方式共享 4.0 国际许可协议（CC BY-SA 4.0）",
    "cc-zero": "CC0 公共领域贡献",
    "cc0-1.0": "CC0 公共领域贡献",
    "odc-by": "开放数据共享署名许可（ODC-By）",
    "odc-pddl": "开放数据共享公共领域许可（ODC-PDDL）",
    "other-open": "其他开放许可",
}

FACET_TITLES: Final = (
    ("organization", "department", "提供部门"),
    ("groups", "topic", "主题"),
    ("res_format", "format", "格式"),
    ("tags", "tag", "标签"),
)


def _facet_groups(
    result: open_data_selectors.OpenSearchResult, params: dict[str, Any], query: QueryDict
) -> list[dict[str, Any]]:
    """Facets as the template shows them: each value with its count and the link that applies it (or,
    for the active filter, removes it); paging restarts."""
    groups = []
    for key, param, title in FACET_TITLES:
        values = []
        for value, label, count in result.facets.get(key, []):
            active = params.get(param) == value
            changed = query.copy()
            for name in ("cursor", "page"):
                changed.pop(name, None)
            if active:
                changed.pop(param, None)
            else:
                changed[param] = value
            encoded = changed.urlencode()
            values.append(
                {
                    "value": value,
                    "label": label,
                    "count": count,
                    "active": active,
                    "url": f"?{encoded}" if encoded else "?",
                }
            )
        if values:
            shown = values[:FACET_SHOWN] + [v for v in values[FACET_SHOWN:] if v["active"]]
            more = [v for v in values[FACET_SHOWN:] if not v["active"]]
            groups.append({"param": param, "title": title, "values": values, "shown": shown, "more": more})
    return groups


@require_GET
@renders_application_errors
def open_data(request: HttpRequest) -> HttpResponse:
    """Public: the open-data portal — search (Chinese full text), filters with counts, sort, paging."""
    organizations = open_data_selectors.open_organizations()
    form = OpenDataFilterForm(request.GET, organizations=organizations)
    valid = form.is_valid()
    params: dict[str, Any] = form.cleaned_data if valid else {}
    q = params.get("q") or ""
    sort = params.get("sort") or ("relevance" if q else "newest")
    if sort == "relevance" and not q:
        sort = "newest"
    result = open_data_selectors.open_dataset_search(
        q=q or None,
        department=params.get("department") or None,
        topic=params.get("topic") or None,
        tag=params.get("tag") or None,
        format=params.get("format") or None,
        sort=sort,
        cursor=(request.GET.get("cursor") or None) if valid and sort != "relevance" else None,
        page=(params.get("page") or 1) if valid else 1,
        limit=DATASETS_PER_PAGE,
    )
    filtered = any(params.get(k) for k in ("department", "topic", "format", "tag"))
    context = {
        "form": form,
        "result": result,
        "q": q,
        "sort": sort,
        "sorts": [(value, label) for value, label in SORT_CHOICES if value != "relevance" or q],
        "filtered": filtered,
        "paged": bool(request.GET.get("cursor")) or (params.get("page") or 1) > 1,
        "facet_groups": _facet_groups(result, params, request.GET),
        "totals": open_data_selectors.open_portal_totals(),
        "topics": [t for t in open_data_selectors.open_topics() if dataset_count(t)]
        if not (q or filtered)
        else [],
    }
    return render(request, "datahub/open/list.html", context, status=200 if valid else 400)


def _dataset(ident: str) -> OpenDataset:
    """An active dataset by its number or its name (标识); a name may also be all digits."""
    ident = ident.strip()
    if ident.isascii() and ident.isdigit() and len(ident) <= 12:
        try:
            return open_data_selectors.open_dataset_get(id=int(ident))
        except errors.NotFound:
            pass
    return open_data_selectors.open_dataset_get(name=ident[:100])


@require_GET
@renders_application_errors
def open_dataset(request: HttpRequest, ident: str) -> HttpResponse:
    """Public: one dataset — metadata, resources, columns and a masked preview of its first rows."""
    dataset = _dataset(ident)
    fields = open_data_selectors.open_fields(dataset=dataset)
    preview: list[list[Any]] = []
    masked: list[str] = []
    preview_error = ""
    try:
        fetched = open_data_selectors.open_rows(dataset=dataset, params={"limit": str(PREVIEW_ROWS)})
    except errors.ApplicationError as error:
        preview_error = error.detail or error.title
    else:
        preview = [[row.get(name) for name in fetched.fields] for row in fetched.rows]
        masked = fetched.masked_fields
    types = dict(DataType.choices)
    columns = [
        {**f, "masked": f["id"] in masked, "type_label": types.get(f["type"], f["type"])} for f in fields
    ]
    resources = list(dataset.resources.all())
    context = {
        "dataset": dataset,
        "entry": dataset.entry,
        "columns": columns,
        "preview": preview,
        "preview_error": preview_error,
        "masked": bool(masked),
        "resources": resources,
        "generated": [r for r in resources if not r.url],
        "licence": LICENCES.get(dataset.license_id, dataset.license_id),
        "last_updated": dataset.entry.last_loaded_at or dataset.updated_at,
        "topics": list(dataset.topics.all()),
        "tags": list(dataset.tags.all()),
    }
    return render(request, "datahub/open/detail.html", context)


def _download(resource: OpenResource) -> HttpResponse:
    """The generated file of a resource, counted; an external resource is counted and redirected to."""
    if resource.url:
        open_data_services.resource_download_record(resource=resource)
        return HttpResponseRedirect(resource.url)
    try:
        content, content_type, filename = export.resource_export(resource)
    except ValueError as exc:
        raise errors.NotFound("该资源暂不提供下载") from exc
    open_data_services.resource_download_record(resource=resource)
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=filename) or ""
    response["Content-Length"] = str(len(content))
    response["Cache-Control"] = "no-store"
    return response


@require_GET
@renders_application_errors
def open_download(request: HttpRequest, ident: str, fmt: str) -> HttpResponse:
    """Public: the dataset as CSV, XLSX or JSON (/open-data/<标识>/download/csv/)."""
    wanted = fmt.strip().upper()
    if wanted not in OpenResource.GENERATED:
        shown = fmt[:20]
        raise errors.MalformedRequest(
            f"不支持的下载格式“{shown}”，可选：CSV、XLSX、JSON。", code="unsupported_format"
        )
    dataset = _dataset(ident)
    resource = next((r for r in dataset.resources.all() if r.format == wanted and not r.url), None)
    if resource is None:
        raise errors.NotFound(f"该数据集没有 {wanted} 格式的下载")
    resource.dataset = dataset
    return _download(resource)


@require_GET
@renders_application_errors
def open_resource_download(request: HttpRequest, resource_id: int) -> HttpResponse:
    """Public: one resource of an active dataset, by its number (generated file or external link)."""
    return _download(open_data_selectors.open_resource_get(id=resource_id))


@require_GET
@renders_application_errors
def open_departments(request: HttpRequest) -> HttpResponse:
    """Public: departments that publish open data, with their datasets, rows and downloads."""
    context = {
        "departments": open_data_selectors.open_department_stats(),
        "totals": open_data_selectors.open_portal_totals(),
    }
    return render(request, "datahub/open/departments.html", context)


@require_GET
@renders_application_errors
def open_topics(request: HttpRequest) -> HttpResponse:
    """Public: the topics (主题) of the open datasets with their counts."""
    context = {
        "topics": list(open_data_selectors.open_topics()),
        "totals": open_data_selectors.open_portal_totals(),
    }
    return render(request, "datahub/open/topics.html", context)


#: Added to datahub/urls.py; the listings come before the dataset page so their names win.
urlpatterns: Final = [
    path("open-data/", open_data, name="open_data"),
    path("open-data/departments/", open_departments, name="open_departments"),
    path("open-data/topics/", open_topics, name="open_topics"),
    path("open-data/resources/<int:resource_id>/download/", open_resource_download, name="open_resource"),
    path("open-data/<str:ident>/", open_dataset, name="open_dataset"),
    path("open-data/<str:ident>/download/<str:fmt>/", open_download, name="open_download"),
]
