"""Pages of 规划指标 (workbench)."""

from django.urls import URLPattern, path

from shuzheng.indicators import views_registers as reg
from shuzheng.indicators import views_workbench as wb

app_name = "indicators"

_P = "workbench/indicators/"

urlpatterns: list[URLPattern] = [
    path(_P, wb.dashboard, name="dashboard"),
    path(f"{_P}<int:number>/", wb.detail, name="detail"),
    path(f"{_P}scorecards/", wb.scorecards, name="scorecards"),
    path(f"{_P}scorecards.xlsx", wb.scorecards_export, name="scorecards_export"),
    path(f"{_P}report/", wb.annual_report, name="report"),
    path(f"{_P}report.xlsx", wb.annual_report_export, name="report_export"),
    path(f"{_P}registries/", reg.registries, name="registries"),
    path(f"{_P}registries/lists/<slug:kind>/new/", reg.reference_edit, name="reference_new"),
    path(f"{_P}registries/lists/<slug:kind>/<int:pk>/", reg.reference_edit, name="reference_edit"),
    path(f"{_P}registries/<slug:slug>/", reg.registry, name="registry"),
    path(f"{_P}registries/<slug:slug>/new/", reg.registry_edit, name="registry_new"),
    path(f"{_P}registries/<slug:slug>/<int:pk>/", reg.registry_edit, name="registry_edit"),
    path(f"{_P}projects/", reg.projects, name="projects"),
    path(f"{_P}projects/new/", reg.project_new, name="project_new"),
    path(f"{_P}projects/<str:code>/", reg.project, name="project"),
    path(f"{_P}projects/<str:code>/edit/", reg.project_edit, name="project_edit"),
    path(f"{_P}projects/<str:code>/step/", reg.project_step, name="project_step"),
    path(f"{_P}projects/<str:code>/milestone/", reg.project_milestone, name="project_milestone"),
    path(f"{_P}projects/<str:code>/system/", reg.project_system, name="project_system"),
]
