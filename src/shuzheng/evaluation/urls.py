"""Pages of 好差评: portal (evaluate a case, the hall/window QR page) and workbench."""

from django.urls import path

from shuzheng.evaluation import views_portal, views_stats, views_workbench

app_name = "evaluation"

urlpatterns = [
    # citizen portal
    path("evaluation/", views_portal.my_evaluations, name="mine"),
    path("evaluation/case/<int:case_id>/", views_portal.case_evaluate, name="case_evaluate"),
    path("evaluation/thanks/", views_portal.thanks, name="thanks"),
    path("evaluate/hall/<str:code>/", views_portal.hall_evaluate, name="hall_evaluate"),
    # staff workbench
    path("workbench/evaluations/", views_workbench.evaluation_list, name="evaluation_list"),
    path(
        "workbench/evaluations/<int:evaluation_id>/",
        views_workbench.evaluation_detail,
        name="evaluation_detail",
    ),
    path(
        "workbench/evaluations/<int:evaluation_id>/appeal/", views_workbench.dispute_file, name="dispute_file"
    ),
    path("workbench/onsite-evaluation/", views_workbench.onsite_lookup, name="onsite_lookup"),
    path("workbench/onsite-evaluation/<int:case_id>/", views_workbench.onsite, name="onsite"),
    path("workbench/rectifications/", views_workbench.rectification_list, name="rectification_list"),
    path(
        "workbench/rectifications/<int:rectification_id>/",
        views_workbench.rectification_detail,
        name="rectification_detail",
    ),
    path(
        "workbench/rectifications/<int:rectification_id>/return-visit/",
        views_workbench.rectification_return_visit,
        name="rectification_return_visit",
    ),
    path(
        "workbench/rectifications/<int:rectification_id>/result/",
        views_workbench.rectification_result,
        name="rectification_result",
    ),
    path(
        "workbench/rectifications/<int:rectification_id>/check/",
        views_workbench.rectification_check,
        name="rectification_check",
    ),
    path(
        "workbench/rectifications/<int:rectification_id>/assign/",
        views_workbench.rectification_assign,
        name="rectification_assign",
    ),
    path("workbench/evaluation-appeals/", views_workbench.dispute_list, name="dispute_list"),
    path(
        "workbench/evaluation-appeals/<int:dispute_id>/review/",
        views_workbench.dispute_review,
        name="dispute_review",
    ),
    path("workbench/evaluation-stats/", views_stats.dashboard, name="dashboard"),
    path("workbench/evaluation-stats/export.xlsx", views_stats.dashboard_export, name="dashboard_export"),
]
