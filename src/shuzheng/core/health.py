"""Liveness, readiness and metrics endpoints (filled in by the operations work)."""

from django.http import HttpRequest, JsonResponse


def healthz(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


def readyz(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


def metrics(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})
