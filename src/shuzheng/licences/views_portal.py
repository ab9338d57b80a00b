"""我的证照 (the holder's wallet): licences held, details with the usage log, PDF download, one-time
share links; and the sealed decision documents of the applicant's cases."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from shuzheng.core import errors
from shuzheng.identity.page_access import person_required
from shuzheng.licences import selectors
from shuzheng.licences.services import sharing


@require_GET
@person_required
def wallet(request: HttpRequest) -> HttpResponse:
    page = selectors.my_licences(user=request.user, cursor=request.GET.get("cursor") or None, limit=50)
    decisions = selectors.decision_documents_of(request.user)
    return render(request, "licences/portal/wallet.html", {"page": page, "decisions": decisions})


@require_http_methods(["GET", "POST"])
@person_required
def licence_detail(request: HttpRequest, licence_id: int) -> HttpResponse:
    licence = selectors.licence_get(user=request.user, licence_id=licence_id)
    if not selectors.is_holder(request.user, licence):
        raise errors.NotFound("电子证照不存在或不属于您。")
    face = [
        (f["label"], licence.data[f["key"]]) for f in licence.licence_type.fields if f["key"] in licence.data
    ]
    context: dict[str, object] = {"licence": licence, "face": face, "uses": selectors.licence_uses(licence)}
    status = 200
    if request.method == "POST":
        try:
            hours = int(request.POST.get("hours") or 24)
        except ValueError:
            hours = 0
        try:
            link, token = sharing.share_create(actor=request.user, licence=licence, hours=hours)
        except (errors.ValidationFailed, errors.Conflict) as error:
            context["share_error"] = error.detail
            status = 422
        else:
            context["share_url"] = request.build_absolute_uri(
                reverse("licences:shared", kwargs={"token": token})
            )
            context["share_expires"] = link.expires_at
    context["history"] = selectors.licence_history(licence)
    return render(request, "licences/portal/detail.html", context, status=status)


@require_GET
@person_required
def licence_pdf(request: HttpRequest, licence_id: int) -> HttpResponse:
    licence = selectors.licence_get(user=request.user, licence_id=licence_id)
    response = HttpResponse(bytes(licence.pdf), content_type="application/pdf")
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{licence.number}.pdf"
    return response


@require_GET
@person_required
def decision_pdf(request: HttpRequest, document_id: int) -> HttpResponse:
    document = selectors.decision_document_get(user=request.user, document_id=document_id)
    response = HttpResponse(bytes(document.pdf), content_type="application/pdf")
    response["Content-Disposition"] = f"inline; filename*=UTF-8''decision-{document.pk}.pdf"
    return response
