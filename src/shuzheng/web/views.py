from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def portal_home(request: HttpRequest) -> HttpResponse:
    return render(request, "web/portal/home.html")


@login_required
def workbench_home(request: HttpRequest) -> HttpResponse:
    return render(request, "web/workbench/home.html")
