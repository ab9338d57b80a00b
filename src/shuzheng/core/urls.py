"""Operations endpoints, mounted at the site root where load balancers and Prometheus expect them."""

from django.urls import path

from shuzheng.core import health, metrics

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("metrics", metrics.metrics_view, name="metrics"),
]
