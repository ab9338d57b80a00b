"""The site's URLs plus test-only stand-ins: a catalog app (menus pick up a context's URL by name) and a
page with a chart (the `charts` block and shuzheng.js drawing it with the vendored ECharts)."""

from django.http import HttpRequest, HttpResponse
from django.template import engines
from django.urls import include, path

from shuzheng.config.urls import urlpatterns as site_urlpatterns

CHART_PAGE = engines["django"].from_string(
    '{% extends "web/workbench/base.html" %}'
    "{% block content %}<h1>图表</h1>"
    '{{ option|json_script:"chart-demo" }}'
    '<div class="chart" id="demo-chart" data-chart-option="chart-demo" role="img" aria-label="办件量">'
    "</div>"
    "{% endblock %}"
    '{% block charts %}{% include "web/includes/echarts.html" %}{% endblock %}'
)


def guide_list(request: HttpRequest) -> HttpResponse:
    return HttpResponse("guides")


def chart_page(request: HttpRequest) -> HttpResponse:
    option = {
        "xAxis": {"type": "category", "data": ["一月", "二月", "三月"]},
        "yAxis": {"type": "value"},
        "series": [{"type": "bar", "data": [120, 200, 150]}],
    }
    return HttpResponse(CHART_PAGE.render({"option": option}, request))


catalog_patterns = ([path("", guide_list, name="guide_list")], "catalog")

urlpatterns = [
    path("guides/", include(catalog_patterns)),
    path("test-chart/", chart_page),
    *site_urlpatterns,
]
