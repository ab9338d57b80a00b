"""Pages of the appeals context (workbench and portal); each page module appends its own paths here."""

from django.urls import path  # noqa: F401 - used as page modules add their paths

app_name = "appeals"

urlpatterns: list = []
