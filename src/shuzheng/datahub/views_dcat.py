"""DCAT-AP 3 export at the site root: ``/catalog.ttl``, ``/catalog.jsonld`` (paged: ``?page=N``, 100
datasets a page, Hydra links between pages), ``/dataset/<id>.ttl`` and ``/dataset/<id>.jsonld`` (``<id>``
is the dataset's 标识 or its number).

Anonymous and read-only; only active (published) datasets; an unknown or withdrawn dataset is the
Chinese 404 page. IRIs are built from ``SHUZHENG_PUBLIC_URL`` when set, else from the request's host.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.urls import re_path
from django.views.decorators.http import require_GET

from shuzheng.core import errors
from shuzheng.datahub import dcat
from shuzheng.datahub.models import OpenDataset
from shuzheng.datahub.selectors import open_data as open_data_selectors
from shuzheng.identity.page_access import renders_application_errors

#: Datasets per catalog page: rdflib needs about 0.7 s for 100 (graph and Turtle), minutes for 10,000.
PAGE_SIZE = 100


def _base(request: HttpRequest) -> str:
    return str(getattr(settings, "PUBLIC_URL", "") or request.build_absolute_uri("/")).rstrip("/")


def _dataset(ident: str) -> OpenDataset:
    if ident.isascii() and ident.isdigit() and len(ident) <= 12:
        try:
            return open_data_selectors.open_dataset_get(id=int(ident))
        except errors.NotFound:
            pass
    return open_data_selectors.open_dataset_get(name=ident)


def _response(body: bytes, content_type: str) -> HttpResponse:
    response = HttpResponse(body, content_type=content_type)
    response["Access-Control-Allow-Origin"] = "*"
    response["Cache-Control"] = "public, max-age=300"
    return response


def _page(request: HttpRequest) -> int:
    raw = request.GET.get("page", "1").strip()
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 6 or int(raw) < 1:
        raise errors.MalformedRequest("参数 page 应为正整数（从 1 开始）。", code="invalid_page")
    return int(raw)


@require_GET
@renders_application_errors
def catalog(request: HttpRequest, fmt: str) -> HttpResponse:
    """The open-data catalog in DCAT-AP 3 (Turtle or JSON-LD), PAGE_SIZE datasets a page (``?page=N``)."""
    base = _base(request)
    page = dcat.catalog_page(
        base=base, page=_page(request), page_size=PAGE_SIZE, view_url=f"{base}/catalog.{fmt}"
    )
    response = _response(*dcat.serialize(page.graph, fmt))
    response["X-Total-Count"] = str(page.total)
    return response


@require_GET
@renders_application_errors
def dataset(request: HttpRequest, ident: str, fmt: str) -> HttpResponse:
    """One open dataset in DCAT-AP 3 (Turtle or JSON-LD)."""
    found = _dataset(ident)
    return _response(*dcat.serialize(dcat.dataset_graph(base=_base(request), dataset=found), fmt))


urlpatterns = [
    re_path(r"^catalog\.(?P<fmt>ttl|jsonld)$", catalog, name="dcat_catalog"),
    re_path(r"^dataset/(?P<ident>[A-Za-z0-9_-]{1,100})\.(?P<fmt>ttl|jsonld)$", dataset, name="dcat_dataset"),
]
