from django.urls import path

from shuzheng.web import views

app_name = "web"

urlpatterns = [
    path("", views.portal_home, name="portal"),
    path("workbench/", views.workbench_home, name="workbench"),
]
