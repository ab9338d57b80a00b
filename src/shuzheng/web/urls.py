from django.urls import path

from shuzheng.web import views

app_name = "web"

urlpatterns = [
    # citizen portal (public)
    path("", views.portal_home, name="portal"),
    path("halls/<str:code>/", views.hall_detail, name="hall_detail"),
    # staff workbench (login + staff second factor)
    path("workbench/", views.workbench_home, name="workbench"),
    path("workbench/profile/", views.profile, name="profile"),
    path("workbench/orgs/", views.workbench_orgs, name="workbench_orgs"),
    path("workbench/audit/", views.workbench_audit, name="workbench_audit"),
]
