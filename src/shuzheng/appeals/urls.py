"""Pages of the appeals context (workbench and portal); each page module appends its own paths here."""

from django.urls import path

app_name = "appeals"

urlpatterns: list = []

# --- workbench: hotline intake, dispatch centre (views_workbench), department work orders (views_orders) --
from shuzheng.appeals import views_orders as orders  # noqa: E402
from shuzheng.appeals import views_workbench as wb  # noqa: E402

urlpatterns += [
    path("workbench/appeals/", wb.appeal_list, name="workbench_appeals"),
    path("workbench/appeals/intake/", wb.intake, name="workbench_intake"),
    path("workbench/appeals/intake/history/", wb.intake_history, name="workbench_intake_history"),
    path("workbench/appeals/intake/assist/", wb.intake_assist, name="workbench_intake_assist"),
    path("workbench/appeals/dispatch/", wb.dispatch_centre, name="workbench_dispatch"),
    path(
        "workbench/appeals/returns/<int:request_id>/review/", wb.return_review, name="workbench_return_review"
    ),
    path(
        "workbench/appeals/extensions/<int:request_id>/review/",
        wb.extension_review,
        name="workbench_extension_review",
    ),
    path("workbench/appeals/orders/", orders.orders, name="workbench_orders"),
    path("workbench/appeals/orders/<int:work_order_id>/", orders.order_detail, name="workbench_order"),
    path(
        "workbench/appeals/orders/<int:work_order_id>/act/<slug:action>/",
        orders.order_act,
        name="workbench_order_act",
    ),
    path(
        "workbench/appeals/orders/<int:work_order_id>/assists/<int:assist_id>/<slug:action>/",
        orders.assist_act,
        name="workbench_assist_act",
    ),
    path(
        "workbench/appeals/orders/<int:work_order_id>/files/<int:attachment_id>/",
        orders.order_attachment,
        name="workbench_order_file",
    ),
    path("workbench/appeals/<int:appeal_id>/", wb.appeal_detail, name="workbench_appeal"),
    path("workbench/appeals/<int:appeal_id>/dispatch/", wb.appeal_dispatch, name="workbench_appeal_dispatch"),
    path("workbench/appeals/<int:appeal_id>/merge/", wb.appeal_merge, name="workbench_appeal_merge"),
    path(
        "workbench/appeals/<int:appeal_id>/files/<int:attachment_id>/",
        wb.appeal_attachment,
        name="workbench_appeal_file",
    ),
]

# --- citizen portal: file, follow and look up appeals (views_portal) ---------------------------------------
from shuzheng.appeals import views_portal as portal  # noqa: E402

urlpatterns += [
    path("appeals/new/", portal.new, name="new"),
    path("appeals/mine/", portal.mine, name="mine"),
    path("appeals/track/", portal.track, name="track"),
    path("appeals/<int:appeal_id>/", portal.detail, name="portal_appeal"),
    path("appeals/<int:appeal_id>/photos/<int:attachment_id>/", portal.photo, name="portal_photo"),
]

# --- grid workers' events and the routing-rule test (views_grid) --------------------------------------------
from shuzheng.appeals import views_grid as grid  # noqa: E402

urlpatterns += [
    path("workbench/appeals/grid/", grid.grid_list, name="grid_list"),
    path("workbench/appeals/grid/new/", grid.grid_new, name="grid_new"),
    path("workbench/appeals/grid/<int:appeal_id>/", grid.grid_event, name="grid_event"),
    path(
        "workbench/appeals/grid/<int:appeal_id>/self-handle/", grid.grid_self_handle, name="grid_self_handle"
    ),
    path("workbench/appeals/grid/<int:appeal_id>/escalate/", grid.grid_escalate, name="grid_escalate"),
    path(
        "workbench/appeals/grid/<int:appeal_id>/photos/<int:attachment_id>/",
        grid.grid_photo,
        name="grid_photo",
    ),
    path("workbench/appeals/rules/test/", grid.rule_test, name="rule_test"),
]

# --- dispatch model versions (views_models) ----------------------------------------------------------------
from shuzheng.appeals import views_models as dispatch_models  # noqa: E402

urlpatterns += [
    path("workbench/appeals/models/", dispatch_models.dispatch_models, name="dispatch_models"),
]

# --- knowledge base (views_kb) ---------------------------------------------------------------------------
from shuzheng.appeals import views_kb as kb  # noqa: E402

urlpatterns += [
    path("workbench/appeals/kb/", kb.kb_list, name="kb_list"),
    path("workbench/appeals/kb/new/", kb.kb_new, name="kb_new"),
    path("workbench/appeals/kb/<int:article_id>/", kb.kb_detail, name="kb_detail"),
    path("workbench/appeals/kb/<int:article_id>/edit/", kb.kb_edit, name="kb_edit"),
    path("workbench/appeals/kb/<int:article_id>/submit/", kb.kb_submit, name="kb_submit"),
    path("workbench/appeals/kb/<int:article_id>/review/", kb.kb_review, name="kb_review"),
    path("workbench/appeals/kb/<int:article_id>/retire/", kb.kb_retire, name="kb_retire"),
]

# --- statistics dashboard and its Excel export (views_stats) ------------------------------------------------
from shuzheng.appeals import views_stats as stats_views  # noqa: E402

urlpatterns += [
    path("workbench/appeals/stats/", stats_views.stats_dashboard, name="stats"),
    path("workbench/appeals/stats/export.xlsx", stats_views.stats_export, name="stats_export"),
]
