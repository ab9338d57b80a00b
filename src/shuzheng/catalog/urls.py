"""The public 办事指南 (/guide/...) and the catalog workbench (/workbench/catalog/...), mounted at the site
root before the web catch-all."""

from django.urls import path

from shuzheng.catalog import views

app_name = "catalog"

urlpatterns = [
    # public
    path("guide/", views.guide_list, name="guide_list"),
    path("guide/search/", views.search, name="search"),
    path("guide/<str:code>/", views.guide_detail, name="guide_detail"),
    path("guide/<str:code>/print/", views.guide_print, name="guide_print"),
    # workbench
    path("workbench/catalog/", views.workbench_items, name="workbench_items"),
    path("workbench/catalog/new/", views.workbench_item_new, name="workbench_item_new"),
    path("workbench/catalog/import/", views.workbench_import, name="workbench_import"),
    path("workbench/catalog/export.xlsx", views.workbench_export, name="workbench_export"),
    path("workbench/catalog/items/<str:code>/", views.workbench_item, name="workbench_item"),
    path("workbench/catalog/versions/<int:version_id>/", views.workbench_version, name="workbench_version"),
    path(
        "workbench/catalog/versions/<int:version_id>/edit/",
        views.workbench_version_edit,
        name="workbench_version_edit",
    ),
    path(
        "workbench/catalog/versions/<int:version_id>/<slug:action>/",
        views.workbench_version_action,
        name="workbench_version_action",
    ),
]
