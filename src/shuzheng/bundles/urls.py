"""Pages of 一件事主题服务: the portal (/bundles/...) and the workbench (/workbench/bundles/...)."""

from django.urls import path

from shuzheng.bundles import views_portal, views_workbench

app_name = "bundles"

urlpatterns = [
    path("bundles/", views_portal.bundle_list, name="list"),
    path("bundles/applications/", views_portal.my_applications, name="mine"),
    path("bundles/applications/<str:number>/", views_portal.application_detail, name="application"),
    path("bundles/applications/<str:number>/correct/", views_portal.application_correct, name="correct"),
    path("bundles/applications/<str:number>/evaluate/", views_portal.application_evaluate, name="evaluate"),
    path("bundles/<slug:code>/", views_portal.bundle_detail, name="detail"),
    path("bundles/<slug:code>/print/", views_portal.bundle_print, name="print"),
    path("bundles/<slug:code>/apply/", views_portal.bundle_apply, name="apply"),
    path("workbench/bundles/", views_workbench.workbench_list, name="workbench_list"),
    path("workbench/bundles/new/", views_workbench.workbench_new, name="workbench_new"),
    path(
        "workbench/bundles/applications/", views_workbench.workbench_application, name="workbench_application"
    ),
    path("workbench/bundles/<slug:code>/", views_workbench.workbench_bundle, name="workbench_bundle"),
    path(
        "workbench/bundles/versions/<int:version_id>/edit/",
        views_workbench.workbench_edit,
        name="workbench_edit",
    ),
    path(
        "workbench/bundles/versions/<int:version_id>/<slug:action>/",
        views_workbench.workbench_action,
        name="workbench_action",
    ),
]
