"""Pages of 规划指标."""

from django.urls import URLPattern

app_name = "indicators"

urlpatterns: list[URLPattern] = []
