"""Pages of 秒批 (decision rules per item version, automatic decisions and their review)."""

from django.urls import URLPattern

app_name = "instant_approval"

urlpatterns: list[URLPattern] = []
