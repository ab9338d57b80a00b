"""Pages of 秒批 (decision rules per item version, automatic decisions and their review), mounted at the site
root: /workbench/instant-approval/..."""

from django.urls import path

from shuzheng.instant_approval import views_workbench as views

app_name = "instant_approval"

_BASE = "workbench/instant-approval"

urlpatterns = [
    path(f"{_BASE}/rules/", views.rules_overview, name="rules"),
    path(f"{_BASE}/rules/versions/<int:version_id>/", views.version_rules, name="version"),
    path(f"{_BASE}/rules/versions/<int:version_id>/save/", views.rules_save, name="rules_save"),
    path(f"{_BASE}/rules/<int:rule_set_id>/activate/", views.rules_activate, name="rules_activate"),
    path(f"{_BASE}/rules/<int:rule_set_id>/retire/", views.rules_retire, name="rules_retire"),
    path(f"{_BASE}/rules/<int:rule_set_id>/test/", views.rules_test, name="rules_test"),
    path(f"{_BASE}/decisions/", views.decision_list, name="decisions"),
    path(f"{_BASE}/decisions/review/", views.review_queue, name="review_queue"),
    path(f"{_BASE}/decisions/<int:decision_id>/", views.decision_detail, name="decision"),
    path(f"{_BASE}/decisions/<int:decision_id>/confirm/", views.decision_confirm, name="decision_confirm"),
    path(f"{_BASE}/decisions/<int:decision_id>/revoke/", views.decision_revoke, name="decision_revoke"),
]
