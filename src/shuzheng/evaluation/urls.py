"""Pages of 好差评: portal (evaluate a case, the hall/window QR page) and workbench."""

from django.urls import path

from shuzheng.evaluation import views

app_name = "evaluation"

urlpatterns = [
    # citizen portal
    path("evaluation/", views.my_evaluations, name="mine"),
    path("evaluation/case/<int:case_id>/", views.case_evaluate, name="case_evaluate"),
    path("evaluation/thanks/", views.thanks, name="thanks"),
    path("evaluate/hall/<str:code>/", views.hall_evaluate, name="hall_evaluate"),
    # staff workbench
    path("workbench/evaluations/", views.evaluation_list, name="evaluation_list"),
    path("workbench/evaluations/<int:evaluation_id>/", views.evaluation_detail, name="evaluation_detail"),
    path("workbench/evaluations/<int:evaluation_id>/appeal/", views.appeal_file, name="appeal_file"),
    path("workbench/onsite-evaluation/", views.onsite_lookup, name="onsite_lookup"),
    path("workbench/onsite-evaluation/<int:case_id>/", views.onsite, name="onsite"),
    path("workbench/rectifications/", views.rectification_list, name="rectification_list"),
    path(
        "workbench/rectifications/<int:rectification_id>/",
        views.rectification_detail,
        name="rectification_detail",
    ),
    path(
        "workbench/rectifications/<int:rectification_id>/callback/",
        views.rectification_callback,
        name="rectification_callback",
    ),
    path(
        "workbench/rectifications/<int:rectification_id>/result/",
        views.rectification_result,
        name="rectification_result",
    ),
    path(
        "workbench/rectifications/<int:rectification_id>/check/",
        views.rectification_check,
        name="rectification_check",
    ),
    path(
        "workbench/rectifications/<int:rectification_id>/assign/",
        views.rectification_assign,
        name="rectification_assign",
    ),
    path("workbench/evaluation-appeals/", views.appeal_list, name="appeal_list"),
    path("workbench/evaluation-appeals/<int:appeal_id>/review/", views.appeal_review, name="appeal_review"),
    path("workbench/evaluation-stats/", views.dashboard, name="dashboard"),
    path("workbench/evaluation-stats/export.xlsx", views.dashboard_export, name="dashboard_export"),
]
