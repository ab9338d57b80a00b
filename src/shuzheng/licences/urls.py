"""Pages of 电子证照与电子印章."""

from django.urls import URLPattern

app_name = "licences"

urlpatterns: list[URLPattern] = []
