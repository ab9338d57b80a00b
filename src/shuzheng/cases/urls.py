"""Pages of 办件: the staff workbench (/workbench/cases/...) and the citizen portal (/cases/...), mounted at
the site root before the web catch-all."""

from django.urls import path

from shuzheng.cases import views

app_name = "cases"

urlpatterns = [
    # staff workbench
    path("workbench/cases/", views.queue, name="queue"),
    path("workbench/cases/intake/", views.intake, name="intake"),
    path("workbench/cases/intake/applicant/", views.intake_applicant, name="intake_applicant"),
    path("workbench/cases/<int:case_id>/", views.workbench_case, name="workbench_case"),
    path("workbench/cases/<int:case_id>/act/<slug:action>/", views.act, name="act"),
    path("workbench/cases/<int:case_id>/claim/", views.claim, name="claim"),
    path("workbench/cases/<int:case_id>/remote-reference/", views.remote_reference, name="remote_reference"),
    path(
        "workbench/cases/<int:case_id>/documents/<slug:kind>.pdf",
        views.workbench_document,
        name="workbench_document",
    ),
    path(
        "workbench/cases/<int:case_id>/materials/<int:material_id>/",
        views.workbench_material,
        name="workbench_material",
    ),
    path("workbench/cases/<int:case_id>/result/", views.workbench_result, name="workbench_result"),
    # citizen portal
    path("cases/apply/<str:code>/", views.apply, name="apply"),
    path("cases/mine/", views.my_cases, name="my_cases"),
    path("cases/<int:case_id>/", views.portal_case, name="portal_case"),
    path("cases/<int:case_id>/submitted/", views.submitted, name="submitted"),
    path("cases/<int:case_id>/withdraw/", views.withdraw, name="withdraw"),
    path("cases/<int:case_id>/correction/", views.respond_correction, name="respond_correction"),
    path("cases/<int:case_id>/result/", views.portal_result, name="portal_result"),
    path("cases/<int:case_id>/documents/<slug:kind>.pdf", views.portal_document, name="portal_document"),
    path("cases/<int:case_id>/materials/<int:material_id>/", views.portal_material, name="portal_material"),
]
