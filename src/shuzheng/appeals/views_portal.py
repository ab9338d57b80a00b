"""Citizen portal pages of 诉求反映: file an appeal (with photos), my appeals, one appeal's progress in
plain words, its photos, and the public status lookup by number.

Rules chosen here: filing needs a logged-in citizen or enterprise account (real-name, so the reporter can
follow the appeal and be called back; anonymity towards the handling department is a checkbox); staff
register appeals in the workbench. Anybody else's appeal is the Chinese 404 page. The public lookup
shows status and dates only — never the text, the place or anybody's personal data. Thin: selectors to
read, one service to write; bad input re-renders the form with the service's Chinese messages and
changes nothing.

Satisfaction: the workflow has the 12345 centre record it at the return visit (回访), so the reporter
sees the recorded result here rather than rating on the page.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.files.storage import default_storage
from django.http import FileResponse, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from shuzheng.appeals.constants import AppealChannel, AttachmentKind
from shuzheng.appeals.forms_portal import AppealForm, TrackForm
from shuzheng.appeals.models import AppealAttachment
from shuzheng.appeals.selectors import appeals as appeal_selectors
from shuzheng.appeals.selectors import public as public_selectors
from shuzheng.appeals.services.intake import IntakeInput, appeal_intake_with_photos
from shuzheng.core import errors
from shuzheng.identity.page_access import person_required, renders_application_errors

MY_APPEALS_PER_PAGE = 20
#: attachment kinds the reporter sees (their own photos and the department's reply attachments)
CITIZEN_ATTACHMENTS = (AttachmentKind.PHOTO, AttachmentKind.REPLY)


def _citizen_only(request: HttpRequest) -> None:
    if getattr(request.user, "kind", "") == "staff":
        raise errors.PermissionDenied("工作人员请在工作台登记诉求；网上诉求反映供群众和企业使用。")


@require_http_methods(["GET", "POST"])
@renders_application_errors
def new(request: HttpRequest) -> HttpResponseBase:
    """诉求反映: type, category, text, place, contact, enterprise, photos; one transaction.

    Visitors who are not logged in get a page explaining how to file (log in, or call 12345) and the
    status lookup; they cannot post."""
    if not request.user.is_authenticated:
        if request.method == "POST":
            return redirect_to_login(request.get_full_path())
        return render(request, "appeals/portal/new_visitor.html")
    _citizen_only(request)
    user = request.user
    initial = {
        "reporter_phone": getattr(user, "mobile", "") or "",
        "enterprise_uscc": getattr(user, "enterprise_uscc", "") or "",
        "enterprise_name": getattr(user, "enterprise_name", "") or "",
        "is_enterprise": getattr(user, "kind", "") == "enterprise_agent",
    }
    form = AppealForm(request.POST or None, request.FILES or None, initial=initial)
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            try:
                data = IntakeInput(
                    channel=AppealChannel.WEB,
                    reporter_name=getattr(user, "full_name", ""),
                    **form.data_for_service(),
                )
                appeal = appeal_intake_with_photos(
                    actor=user, data=data, photos=form.photos_for_service(), reporter_user=user
                )
            except errors.ValidationFailed as error:
                form.add_service_error(error)
            except (errors.PayloadTooLarge, errors.UnsupportedMediaType) as error:
                form.add_error("photos", error.detail)
            else:
                messages.success(request, f"诉求已提交，编号 {appeal.number}。请保存编号以便查询进度。")
                return redirect("appeals:portal_appeal", appeal_id=appeal.pk)
    return render(request, "appeals/portal/new.html", {"form": form}, status=status)


@require_GET
@person_required
def mine(request: HttpRequest) -> HttpResponse:
    page = appeal_selectors.my_appeals(
        user=request.user, cursor=request.GET.get("cursor") or None, limit=MY_APPEALS_PER_PAGE
    )
    return render(
        request, "appeals/portal/mine.html", {"page": page, "paged": bool(request.GET.get("cursor"))}
    )


@require_GET
@person_required
def detail(request: HttpRequest, appeal_id: int) -> HttpResponse:
    """One of my appeals: status, time limit, reply, satisfaction, photos and progress in plain words."""
    appeal = appeal_selectors.my_appeal_get(user=request.user, id=appeal_id)
    photos = [a for a in appeal_selectors.appeal_photos(appeal=appeal) if a.kind in CITIZEN_ATTACHMENTS]
    context = {
        "appeal": appeal,
        "public": appeal_selectors.public_status(appeal),
        "timeline": public_selectors.citizen_timeline(appeal=appeal),
        "photos": photos,
    }
    return render(request, "appeals/portal/detail.html", context)


@require_GET
@person_required
def photo(request: HttpRequest, appeal_id: int, attachment_id: int) -> HttpResponseBase:
    appeal = appeal_selectors.my_appeal_get(user=request.user, id=appeal_id)
    attachment = appeal_selectors.appeal_attachment_get(appeal=appeal, id=attachment_id)
    if attachment.kind not in CITIZEN_ATTACHMENTS:
        raise errors.NotFound("附件不存在")
    return attachment_response(attachment)


def attachment_response(attachment: AppealAttachment) -> FileResponse:
    """An appeal photo inline, with its checked content type (never sniffed by the browser)."""
    name = attachment.file.name
    if not name or not default_storage.exists(name):
        raise errors.NotFound("文件不存在")
    response = FileResponse(default_storage.open(name, "rb"), content_type=attachment.content_type)
    response["Content-Disposition"] = "inline"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_GET
@renders_application_errors
def track(request: HttpRequest) -> HttpResponse:
    """诉求进度查询 by number, for anybody (no login): status and dates only."""
    form = TrackForm(request.GET or None)
    result = None
    searched = False
    if request.GET and form.is_valid():
        searched = True
        result = public_selectors.public_lookup(number=form.cleaned_data["number"])
    status = 404 if searched and result is None else 200
    context = {"form": form, "result": result, "searched": searched}
    return render(request, "appeals/portal/track.html", context, status=status)
