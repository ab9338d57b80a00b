"""Registry rows and IT projects for the workbench pages (any holder of ``indicators.view_indicator`` reads
them; they carry no personal data)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from shuzheng.core.errors import NotFound
from shuzheng.core.pagination import Page, keyset_page
from shuzheng.indicators.models import GovernmentSector, Project, VillageCriterion
from shuzheng.indicators.registry_specs import SPECS, Spec
from shuzheng.indicators.selectors.board import require_viewer


def spec_get(slug: str) -> Spec:
    spec = SPECS.get(slug)
    if spec is None:
        raise NotFound("没有这个登记簿。")
    return spec


def registry_page(*, user: Any, spec: Spec, cursor: str | None = None, limit: int = 50) -> Page[Any]:
    require_viewer(user)
    qs: QuerySet[Any] = spec.model._default_manager.all()
    related = [c.field for c in spec.columns if c.kind in ("department", "division", "criterion")]
    return keyset_page(qs.select_related(*related), order=("id",), cursor=cursor, limit=limit)


def registry_row(*, user: Any, spec: Spec, pk: int) -> Any:
    require_viewer(user)
    found = spec.model._default_manager.filter(pk=pk).first()
    if found is None:
        raise NotFound("登记记录不存在。")
    return found


def sectors(*, user: Any) -> list[GovernmentSector]:
    require_viewer(user)
    return list(GovernmentSector.objects.prefetch_related("departments"))


def criteria(*, user: Any) -> list[VillageCriterion]:
    require_viewer(user)
    return list(VillageCriterion.objects.all())


def project_list(*, user: Any) -> list[Project]:
    require_viewer(user)
    return list(Project.objects.select_related("department").prefetch_related("milestones", "systems"))


def project_get(*, user: Any, code: str) -> Project:
    require_viewer(user)
    project = (
        Project.objects.select_related("department")
        .prefetch_related("milestones", "systems", "history__actor", "scenarios")
        .filter(code=code.strip())
        .first()
    )
    if project is None:
        raise NotFound("项目不存在。")
    return project
