"""The baseline views: what a minimal Django view costs per request, to set the app's cost beside."""

import json

from django.http import HttpRequest, JsonResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from bench.bare.models import BareRow


@require_GET
def bare_json(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok", "items": [{"id": i, "name": f"row {i}"} for i in range(3)]})


@csrf_exempt
@require_POST
def bare_insert(request: HttpRequest) -> JsonResponse:
    note = str(json.loads(request.body or b"{}").get("note", ""))[:100]
    row = BareRow._default_manager.create(note=note)
    return JsonResponse({"id": row.pk, "note": row.note}, status=201)


urlpatterns = [
    path("healthz", bare_json),
    path("bare/json", bare_json),
    path("bare/insert", bare_insert),
]
