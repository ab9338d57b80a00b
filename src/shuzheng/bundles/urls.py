"""Pages of 一件事主题服务."""

from django.urls import URLPattern

app_name = "bundles"

urlpatterns: list[URLPattern] = []
