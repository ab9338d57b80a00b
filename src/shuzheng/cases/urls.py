"""Pages of 办件: the staff workbench (/workbench/cases/...) and the citizen portal (/cases/...), mounted at
the site root before the web catch-all."""

from django.urls import path

from shuzheng.cases import views_portal, views_workbench

app_name = "cases"

urlpatterns = [
    # staff workbench
    path("workbench/cases/", views_workbench.queue, name="queue"),
    path("workbench/cases/intake/", views_workbench.intake, name="intake"),
    path("workbench/cases/intake/applicant/", views_workbench.intake_applicant, name="intake_applicant"),
    path("workbench/cases/<int:case_id>/", views_workbench.workbench_case, name="workbench_case"),
    path("workbench/cases/<int:case_id>/act/<slug:action>/", views_workbench.act, name="act"),
    path("workbench/cases/<int:case_id>/claim/", views_workbench.claim, name="claim"),
    path(
        "workbench/cases/<int:case_id>/remote-reference/",
        views_workbench.remote_reference,
        name="remote_reference",
    ),
    path(
        "workbench/cases/<int:case_id>/documents/<slug:kind>.pdf",
        views_workbench.workbench_document,
        name="workbench_document",
    ),
    path(
        "workbench/cases/<int:case_id>/materials/<int:material_id>/",
        views_workbench.workbench_material,
        name="workbench_material",
    ),
    path("workbench/cases/<int:case_id>/result/", views_workbench.workbench_result, name="workbench_result"),
    # citizen portal
    path("cases/apply/<str:code>/", views_portal.apply, name="apply"),
    path("cases/mine/", views_portal.my_cases, name="my_cases"),
    path("cases/<int:case_id>/", views_portal.portal_case, name="portal_case"),
    path("cases/<int:case_id>/submitted/", views_portal.submitted, name="submitted"),
    path("cases/<int:case_id>/withdraw/", views_portal.withdraw, name="withdraw"),
    path("cases/<int:case_id>/correction/", views_portal.respond_correction, name="respond_correction"),
    path("cases/<int:case_id>/result/", views_portal.portal_result, name="portal_result"),
    path(
        "cases/<int:case_id>/documents/<slug:kind>.pdf", views_portal.portal_document, name="portal_document"
    ),
    path(
        "cases/<int:case_id>/materials/<int:material_id>/",
        views_portal.portal_material,
        name="portal_material",
    ),
]
