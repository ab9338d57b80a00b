"""The public 办事指南 (/guide/...) and the catalog workbench (/workbench/catalog/...), mounted at the site
root before the web catch-all."""

from django.urls import path

from shuzheng.catalog import views_portal, views_workbench

app_name = "catalog"

urlpatterns = [
    # public
    path("guide/", views_portal.guide_list, name="guide_list"),
    path("guide/search/", views_portal.search, name="search"),
    path("guide/<str:code>/", views_portal.guide_detail, name="guide_detail"),
    path("guide/<str:code>/print/", views_portal.guide_print, name="guide_print"),
    # workbench
    path("workbench/catalog/", views_workbench.workbench_items, name="workbench_items"),
    path("workbench/catalog/new/", views_workbench.workbench_item_new, name="workbench_item_new"),
    path("workbench/catalog/import/", views_workbench.workbench_import, name="workbench_import"),
    path("workbench/catalog/export.xlsx", views_workbench.workbench_export, name="workbench_export"),
    path("workbench/catalog/items/<str:code>/", views_workbench.workbench_item, name="workbench_item"),
    path(
        "workbench/catalog/versions/<int:version_id>/",
        views_workbench.workbench_version,
        name="workbench_version",
    ),
    path(
        "workbench/catalog/versions/<int:version_id>/edit/",
        views_workbench.workbench_version_edit,
        name="workbench_version_edit",
    ),
    path(
        "workbench/catalog/versions/<int:version_id>/<slug:action>/",
        views_workbench.workbench_version_action,
        name="workbench_version_action",
    ),
]
