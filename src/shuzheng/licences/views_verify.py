"""The public verification pages (核验): by identifier (the QR code on every licence links here), by
uploading the PDF, and the holder's one-time share link. No login; rate-limited per address."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET, require_http_methods

from shuzheng.core import errors
from shuzheng.core.middleware import client_ip
from shuzheng.identity.page_access import problem_page, renders_application_errors
from shuzheng.licences import verification
from shuzheng.licences.services import sharing


def _page(
    request: HttpRequest, result: verification.Result | None, *, status: int = 200, **extra: object
) -> HttpResponse:
    context = {"result": result, "max_mb": verification.MAX_PDF_BYTES // (1024 * 1024), **extra}
    return render(request, "licences/verify/verify.html", context, status=status)


@require_http_methods(["GET", "POST"])
@renders_application_errors
def verify_form(request: HttpRequest) -> HttpResponse:
    """The form: an identifier, or a PDF to upload."""
    if request.method == "POST":
        verification.throttle(client_ip(request))
        upload = request.FILES.get("file")
        if upload is None:
            return _page(request, None, status=422, error="请选择要核验的电子证照PDF文件。")
        if (upload.size or 0) > verification.MAX_PDF_BYTES:
            return problem_page(request, errors.PayloadTooLarge("文件不能超过 5 MB。"))
        try:
            result = verification.verify_pdf(upload.read(verification.MAX_PDF_BYTES + 1))
        except errors.ValidationFailed as error:
            return _page(request, None, status=422, error=error.detail)
        return _page(request, result)
    identifier = (request.GET.get("identifier") or "").strip()
    if not identifier:
        return _page(request, None)
    verification.throttle(client_ip(request))
    return _page(request, verification.verify_identifier(identifier[:200]))


@require_GET
@renders_application_errors
def verify(request: HttpRequest, identifier: str) -> HttpResponse:
    verification.throttle(client_ip(request))
    return _page(request, verification.verify_identifier(identifier[:200]))


@require_GET
@renders_application_errors
def shared(request: HttpRequest, token: str) -> HttpResponse:
    """A holder's one-time link: the verification with the holder's name shown in full, once."""
    verification.throttle(client_ip(request))
    licence = sharing.share_open(token=token)
    result = verification.check(licence)
    return _page(request, result, shared_holder=licence.holder_name)
