"""HTML pages of 办件: the staff workbench (一窗受理 intake, my queue, case detail and its actions) and the
citizen portal (apply online, my cases, a case with its correction request, withdrawal and result).

Thin: read through selectors, write through services, render. The services decide everything (schema,
materials, permissions, data scope, workflow); their Chinese errors are shown on the form that caused
them, another scope's case is the Chinese 404 page, a stale ``expected_version`` the conflict notice.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from django.contrib import messages
from django.core.files.storage import default_storage
from django.db import transaction
from django.http import FileResponse, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from shuzheng.cases import api, deadlines, documents, form_privacy, selectors
from shuzheng.cases.access import signed_in
from shuzheng.cases.constants import CaseChannel, CaseStatus, DeadlineState, DeliveryMethod
from shuzheng.cases.forms import form_errors
from shuzheng.cases.forms_web import (
    ACTION_FORMS,
    AcceptWithDeferralForm,
    ActionForm,
    ApplyForm,
    CorrectionResponseForm,
    IntakeForm,
    QueueFilterForm,
    RemoteReferenceForm,
    SchemaForm,
    WithdrawForm,
    new_idempotency_key,
)
from shuzheng.cases.models import Case
from shuzheng.cases.services.acceptance import case_respond_correction
from shuzheng.cases.services.actions import case_act
from shuzheng.cases.services.applicant import account_identity
from shuzheng.cases.services.closing import case_withdraw
from shuzheng.cases.services.common import STALE_VERSION, ApplicantData, MaterialData
from shuzheng.cases.services.handling import case_claim, case_record_remote_reference
from shuzheng.cases.services.submission import case_submit
from shuzheng.cases.services.uploads import material_upload
from shuzheng.cases.workflow import TRANSITIONS, CaseAction
from shuzheng.catalog import selectors as catalog_selectors
from shuzheng.catalog.models import MaterialRequirement, ServiceItemVersion
from shuzheng.core import errors
from shuzheng.core.masking import mask_id_number, mask_name
from shuzheng.core.validators import validate_id_number, validate_uscc
from shuzheng.identity import selectors as identity_selectors
from shuzheng.identity.page_access import (
    person_required,
    staff_required,
)
from shuzheng.orgs import selectors as orgs_selectors

QUEUE_PER_PAGE = 30
MY_CASES_PER_PAGE = 20
ITEM_CHOICES = 20
#: Actions the workbench offers as forms (respond_correction is the applicant's, on the portal).
WORKBENCH_ACTIONS = tuple(a for a in ACTION_FORMS)
DOCUMENT_TITLES = documents.TITLES

V = TypeVar("V", bound=Callable[..., HttpResponseBase])


# --- error pages and access -----------------------------------------------------------------------


def _url_or_none(name: str, *args: Any) -> str | None:
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return None


def _file_response(name: str, filename: str, content_type: str, *, inline: bool = False) -> FileResponse:
    if not name or not default_storage.exists(name):
        raise errors.NotFound("文件不存在。")
    response = FileResponse(
        default_storage.open(name, "rb"), content_type=content_type or "application/octet-stream"
    )
    disposition = "inline" if inline else "attachment"
    response["Content-Disposition"] = f"{disposition}; filename*=UTF-8''{filename}"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _pdf(case: Case, kind: str) -> HttpResponse:
    if kind not in documents.KINDS:
        raise errors.NotFound("没有这种文书。")
    response = HttpResponse(documents.render(case, kind), content_type="application/pdf")
    response["Content-Disposition"] = f"inline; filename*=UTF-8''{case.number}-{kind}.pdf"
    return response


_SUFFIX_TYPES = {"pdf": "application/pdf", "ofd": "application/ofd", "png": "image/png", "jpg": "image/jpeg"}


def _result_response(case: Case) -> FileResponse:
    if not case.result_file:
        raise errors.NotFound("该办件没有可下载的办理结果。")
    name = case.result_file.name
    suffix = name.rsplit(".", 1)[-1] if "." in name else "bin"
    return _file_response(name, f"{case.number}-result.{suffix}", _SUFFIX_TYPES.get(suffix, ""))


def _documents(case: Case) -> list[tuple[str, str]]:
    """(kind, title) of the documents this case has."""
    found = [("acceptance", "受理通知书" if case.accepted_at else "收件回执")]
    if selectors.latest_correction(case) is not None:
        found.append(("correction", DOCUMENT_TITLES["correction"]))
    if case.status == CaseStatus.NOT_ACCEPTED:
        found.append(("rejection", DOCUMENT_TITLES["rejection"]))
    return found


def _int(value: Any) -> int | None:
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return None


# --- materials of a submission (shared by intake and online application) ---------------------------


@dataclass
class MaterialRow:
    """One material requirement on the form: how it is provided, the kept upload, its errors."""

    requirement: MaterialRequirement
    way: str
    upload_id: int | None = None
    upload_name: str = ""
    licence_reference: str = ""
    errors: list[str] = field(default_factory=list)

    @property
    def prefix(self) -> str:
        return f"mat-{self.requirement.code}"

    @property
    def required(self) -> bool:
        return self.requirement.need == "required" and not self.requirement.exempt


def _material_rows(version: ServiceItemVersion, *, staff: bool) -> list[MaterialRow]:
    rows = []
    for requirement in version.materials.all():
        if requirement.exempt:
            way = "licence"
        elif not staff:
            way = "upload"
        else:
            way = "paper" if requirement.need == "required" else "none"
        rows.append(MaterialRow(requirement=requirement, way=way))
    return rows


def _read_materials(
    request: HttpRequest, rows: list[MaterialRow], *, staff: bool, upload_files: bool
) -> tuple[list[MaterialData], list[str]]:
    """The MaterialData to submit, and the requirement code of each (to place the service's errors).

    Files are uploaded (checked and stored) as they arrive and kept by id in the re-rendered form, so
    a submission corrected after an error does not ask for the files again.
    """
    ways = {"upload", "paper", "licence", "defer", "none"} if staff else {"upload", "licence", "none"}
    materials: list[MaterialData] = []
    codes: list[str] = []
    for row in rows:
        code = row.requirement.code
        way = request.POST.get(f"{row.prefix}-way") or row.way
        row.way = way if way in ways else row.way
        row.licence_reference = (request.POST.get(f"{row.prefix}-licence") or "").strip()[:128]
        kept = _int(request.POST.get(f"{row.prefix}-upload"))
        row.upload_id = kept
        row.upload_name = (request.POST.get(f"{row.prefix}-upload-name") or "").strip()[:255]
        file = request.FILES.get(f"{row.prefix}-file")
        if file is not None and upload_files:
            try:
                upload = material_upload(actor=request.user, file=file, name=file.name or "")
            except errors.ApplicationError as error:
                row.errors.append(error.detail)
            else:
                row.upload_id, row.upload_name = upload.pk, upload.original_name
                if row.way != "licence":
                    row.way = "upload"  # a chosen file wins over the other ways
        if row.way == "upload":
            if row.upload_id is not None:
                materials.append(MaterialData(code=code, upload_id=row.upload_id))
                codes.append(code)
            elif file is None and not row.required and request.POST.get(f"{row.prefix}-way") == "upload":
                row.errors.append("请选择要上传的文件，或改为“不提交”。")
        elif row.way == "paper":
            materials.append(MaterialData(code=code, checked_on_paper=True))
            codes.append(code)
        elif row.way == "licence":
            if row.licence_reference:
                materials.append(MaterialData(code=code, licence_reference=row.licence_reference))
                codes.append(code)
        elif row.way == "defer":
            materials.append(MaterialData(code=code, deferred=True))
            codes.append(code)
    return materials, codes


def _place_material_errors(error: errors.ApplicationError, rows: list[MaterialRow], codes: list[str]) -> bool:
    """Put the service's ``materials[i]…`` and ``materials.<code>`` errors on their rows."""
    by_code = {row.requirement.code: row for row in rows}
    placed = False
    for item in error.errors:
        name = str(item.get("field") or "")
        row = None
        if name.startswith("materials["):
            index = _int(name[10:].split("]", 1)[0])
            if index is not None and 0 <= index < len(codes):
                row = by_code.get(codes[index])
        elif name.startswith("materials."):
            row = by_code.get(name.removeprefix("materials."))
        if row is not None:
            row.errors.append(str(item.get("message") or error.detail))
            placed = True
    return placed


def _distribute(
    error: errors.ApplicationError,
    *,
    forms_: list[Any],
    rows: list[MaterialRow],
    codes: list[str],
    main: Any,
) -> None:
    """Each field error of `error` on the form (or material row) that names it; the rest on `main`."""
    leftovers = []
    _place_material_errors(error, rows, codes)
    for item in error.errors:
        name = str(item.get("field") or "")
        if name.startswith("materials"):
            continue
        for form in forms_:
            target = form.field_for(name)
            if target is not None:
                form.add_error(target, item.get("message") or error.detail)
                break
        else:
            leftovers.append(item)
    if leftovers or not error.errors:
        main.add_error(None, error.detail if not error.errors else _summary(leftovers, error))


def _summary(items: list[dict[str, Any]], error: errors.ApplicationError) -> str:
    texts = [str(i.get("message") or "") for i in items if i.get("message")]
    return "；".join(texts) or error.detail


def _error_summary(forms_: list[Any], rows: list[MaterialRow]) -> list[tuple[str, str]]:
    """(anchor, message) of every error, for the summary at the top of the page."""
    found: list[tuple[str, str]] = []
    for form in forms_:
        for message in form.non_field_errors():
            found.append(("", str(message)))
        for name, field_errors in form.errors.items():
            if name == "__all__":
                continue
            bound = form[name]
            anchor = bound.id_for_label or bound.auto_id
            for message in field_errors:
                found.append((anchor, f"{bound.label}：{message}"))
    for row in rows:
        for message in row.errors:
            found.append((f"{row.prefix}", f"{row.requirement.name}：{message}"))
    return found


def _form_only_errors(version: ServiceItemVersion, schema_form: SchemaForm) -> None:
    """When a file was refused, the application is not submitted; still show what else the schema says."""
    for item in form_errors(version.form_schema or {}, schema_form.form_data()):
        target = schema_form.field_for(str(item["field"]))
        if target is not None:
            schema_form.add_error(target, item["message"])


# --- workbench: intake at the window (一窗受理) ---------------------------------------------------------


def _intake_places(user: Any) -> tuple[list[Any], list[Any]]:
    """Halls of the clerk's department's division (default first) and their active windows."""
    division = getattr(getattr(user, "department", None), "division_id", None)
    halls = orgs_selectors.hall_list(division=division, limit=50).items if division else []
    windows: list[Any] = []
    for hall in halls:
        windows.extend(orgs_selectors.window_list(hall=hall, limit=50).items)
    return halls, windows


def _intake_items(q: str) -> list[ServiceItemVersion]:
    page = catalog_selectors.guide_list(q=q or None, limit=50)
    return [v for v in page.items if "window" in (v.channels or [])][:ITEM_CHOICES]


@require_http_methods(["GET", "POST"])
@staff_required
def intake(request: HttpRequest) -> HttpResponse:
    """一窗受理: pick an item, identify the applicant, fill the item's form, check the materials, file."""
    user: Any = request.user
    if not user.has_perm("cases.intake_case"):
        raise errors.PermissionDenied("没有代为申请（一窗受理）的权限。")
    code = (request.POST.get("item") or request.GET.get("item") or "").strip()[:64]
    if not code:
        q = (request.GET.get("q") or "").strip()[:100]
        return render(request, "cases/workbench/intake_pick.html", {"q": q, "items": _intake_items(q)})
    version = catalog_selectors.version_for_application(code)
    halls, windows = _intake_places(user)
    window_ok = "window" in (version.channels or [])
    post = request.POST if request.method == "POST" else None
    initial = {"idempotency_key": new_idempotency_key()}
    if halls:
        initial["hall"] = halls[0].pk
        first = next(
            (
                w
                for w in windows
                if w.hall_id == halls[0].pk and w.kind == "comprehensive" and not w.department_id
            ),
            None,
        )
        if first is not None:
            initial["window"] = first.pk
    intake_form = IntakeForm(post, initial=initial, halls=halls, windows=windows)
    schema_form = SchemaForm(version.form_schema, post)
    rows = _material_rows(version, staff=True)
    lookup = None
    status = 200
    if post is not None:
        intake_form.is_valid()
        schema_form.is_valid()
        if "lookup" in request.POST:
            lookup = _applicant_lookup(
                intake_form.cleaned_data.get("applicant_kind") or "person",
                intake_form.cleaned_data.get("id_number") or "",
                intake_form.cleaned_data.get("uscc") or "",
            )
            _read_materials(request, rows, staff=True, upload_files=False)
        else:
            materials, codes = _read_materials(request, rows, staff=True, upload_files=True)
            if intake_form.is_valid() and not any(row.errors for row in rows):
                data = intake_form.cleaned_data
                applicant = ApplicantData(
                    kind=data["applicant_kind"],
                    name=data.get("applicant_name") or "",
                    id_number=data.get("id_number") or "",
                    uscc=data.get("uscc") or "",
                    mobile=data.get("mobile") or "",
                )
                cross_region = bool(data.get("cross_region"))
                try:
                    case = case_submit(
                        actor=user,
                        channel=CaseChannel.CROSS_REGION if cross_region else CaseChannel.WINDOW,
                        target_region=data.get("target_region") or None,
                        item_code=version.code,
                        form_data=schema_form.form_data(),
                        materials=materials,
                        idempotency_key=data.get("idempotency_key") or "",
                        applicant=applicant,
                        hall_id=data.get("hall"),
                        window_id=data.get("window"),
                    )
                except errors.ValidationFailed as error:
                    _distribute(
                        error, forms_=[schema_form, intake_form], rows=rows, codes=codes, main=intake_form
                    )
                except errors.Conflict as error:
                    intake_form.add_error(None, error.detail)
                else:
                    messages.success(
                        request, f"已收件：办件编号 {case.number}。请打印收件回执交申请人，并及时受理。"
                    )
                    return redirect(f"{reverse('cases:workbench_case', args=[case.pk])}?received=1")
            elif not intake_form.errors:
                _form_only_errors(version, schema_form)
            status = 422
    context: dict[str, Any] = {
        "version": version,
        "window_ok": window_ok,
        "intake_form": intake_form,
        "schema_form": schema_form,
        "rows": rows,
        "lookup": lookup,
        "summary": _error_summary([intake_form, schema_form], rows) if status != 200 else [],
        "has_halls": bool(halls),
    }
    return render(request, "cases/workbench/intake.html", context, status=status)


@dataclass(frozen=True)
class Lookup:
    ok: bool
    message: str


def _applicant_lookup(kind: str, id_number: str, uscc: str) -> Lookup:
    """Check the identifier and say (masked) whether the applicant has a real-name account."""
    if kind == "enterprise":
        try:
            validate_uscc(uscc, field="uscc")
        except errors.ValidationFailed as error:
            return Lookup(False, f"统一社会信用代码有误：{error.detail}")
        message = f"统一社会信用代码 {uscc} 校验通过。"
        if id_number:
            person = _person_lookup(id_number)
            message += person.message
            return Lookup(person.ok, message)
        return Lookup(True, message)
    return _person_lookup(id_number)


def _person_lookup(id_number: str) -> Lookup:
    try:
        number = validate_id_number(id_number, field="id_number")
    except errors.ValidationFailed as error:
        return Lookup(False, f"身份证号码有误：{error.detail}")
    account = identity_selectors.citizen_get_by_id_number(number)
    if account is None:
        return Lookup(
            True, f"身份证号码 {mask_id_number(number)} 校验通过；未找到实名账号，将按录入信息登记。"
        )
    return Lookup(
        True,
        f"身份证号码 {mask_id_number(number)} 校验通过；已找到实名账号：{mask_name(account.full_name)}"
        "，办件将同步到其“我的办件”。",
    )


@require_GET
@staff_required
def intake_applicant(request: HttpRequest) -> HttpResponse:
    """htmx: check the applicant's identifier as it is typed (the no-JS form has a 核验 button)."""
    if not request.user.has_perm("cases.intake_case"):
        raise errors.PermissionDenied("没有代为申请（一窗受理）的权限。")
    lookup = _applicant_lookup(
        (request.GET.get("applicant_kind") or "person")[:16],
        (request.GET.get("id_number") or "").strip()[:18],
        (request.GET.get("uscc") or "").strip()[:18],
    )
    return render(request, "cases/includes/lookup.html", {"lookup": lookup})


# --- workbench: the queue --------------------------------------------------------------------------


@require_GET
@staff_required
def queue(request: HttpRequest) -> HttpResponse:
    """My queue: cases in my scope, earliest deadline first, deadline state in colour and text."""
    form = QueueFilterForm(request.GET)
    page = None
    status = 200
    if form.is_valid():
        data = form.cleaned_data
        page = selectors.case_queue(
            user=request.user,
            status=data["status"] or None,
            item=data["item"] or None,
            channel=data["channel"] or None,
            state=data["state"] or None,
            mine=bool(data["mine"]),
            q=data["q"] or None,
            cursor=request.GET.get("cursor") or None,
            limit=QUEUE_PER_PAGE,
        )
        for case in page.items:  # labels for the template: state in text, the name masked as in the API
            case.deadline_label = DeadlineState(case.deadline_state).label  # type: ignore[attr-defined]
            case.display_name = api.case_out(case, user=request.user)["applicant_name"]  # type: ignore[attr-defined]
    else:
        status = 400
    context = {
        "form": form,
        "page": page,
        "paged": bool(request.GET.get("cursor")),
        "can_intake": request.user.has_perm("cases.intake_case"),
    }
    return render(request, "cases/workbench/queue.html", context, status=status)


# --- workbench: one case ---------------------------------------------------------------------------


def _deferral_choices(case: Case) -> list[tuple[str, str]]:
    have = {m.requirement_id for m in selectors.case_materials(case) if not m.deferred}
    return [
        (r.code, r.name)
        for r in case.version.materials.all()
        if not r.is_key and r.pk not in have and not r.exempt
    ]


def _action_form(action: str, case: Case, data: Any = None, files: Any = None) -> ActionForm:
    cls = ACTION_FORMS[action]
    if cls is AcceptWithDeferralForm:
        return AcceptWithDeferralForm(data, files, prefix=action, choices=_deferral_choices(case))
    return cls(data, files, prefix=action)


def _workbench_context(
    request: HttpRequest, case: Case, bound: dict[str, Any] | None = None
) -> dict[str, Any]:
    user: Any = request.user
    detail = api.case_detail_out(case, user=user)
    bound = bound or {}
    # Forwarding is for 跨省通办 cases only, which are never accepted here (the services refuse both).
    hidden = {"accept", "accept_with_deferral"} if case.target_region else {"forward"}
    actions = [a for a in detail["actions"] if a in WORKBENCH_ACTIONS and a not in hidden]
    forms_ = [(a, CaseAction(a).label, bound.get(a) or _action_form(a, case)) for a in actions]
    remote_form = None
    if case.status == CaseStatus.FORWARDED and user.has_perm("cases.accept_case"):
        remote_form = bound.get("remote_reference") or RemoteReferenceForm(prefix="remote")
    return {
        "case": case,
        "detail": detail,
        "state_label": DeadlineState(detail["deadline_state"]).label,
        "form_fields": _form_fields(case, request.user),
        "materials": selectors.case_materials(case),
        "timeline": selectors.case_timeline(case),
        "correction": selectors.open_correction(case),
        "action_forms": forms_,
        "remote_form": remote_form,
        "documents": _documents(case),
        "received": request.GET.get("received") == "1",
    }


def _form_fields(case: Case, user: Any) -> list[tuple[str, Any]]:
    """(title, value) of the form data, in the schema's order, titles from the version's schema; personal
    fields masked unless the viewer is the applicant or has clearance (as in the API)."""
    schema = case.version.form_schema or {}
    properties = schema.get("properties") or {}
    clear = selectors.is_applicant(user, case) or user.has_perm(api.CLEARANCE)
    rows = []
    for name, value in form_privacy.view(schema, case.form_data, clear=clear).items():
        spec = properties.get(name) or {}
        if isinstance(value, bool):
            value = "是" if value else "否"
        rows.append((str(spec.get("title") or name), value))
    order = {str((properties.get(n) or {}).get("title") or n): i for i, n in enumerate(properties)}
    return sorted(rows, key=lambda r: order.get(r[0], len(order)))


@require_GET
@staff_required
def workbench_case(request: HttpRequest, case_id: int) -> HttpResponse:
    case = selectors.case_get(user=request.user, case_id=case_id)
    return render(request, "cases/workbench/case.html", _workbench_context(request, case))


def _rerender(
    request: HttpRequest, case_id: int, *, bound: dict[str, Any] | None = None, error: str = "", status: int
) -> HttpResponse:
    case = selectors.case_get(user=request.user, case_id=case_id)
    context = _workbench_context(request, case, bound)
    context["action_error"] = error
    return render(request, "cases/workbench/case.html", context, status=status)


def _expected_version(request: HttpRequest) -> int | None:
    return _int(request.POST.get("expected_version"))


@require_POST
@staff_required
def act(request: HttpRequest, case_id: int, action: str) -> HttpResponse:
    """One workflow action from the case page; posts ``expected_version`` (optimistic lock)."""
    case = selectors.case_get(user=request.user, case_id=case_id)  # another scope: 404
    if action not in WORKBENCH_ACTIONS:
        raise errors.NotFound("没有这种办理操作。")
    form = _action_form(action, case, request.POST, request.FILES)
    if form.is_valid():
        data = form.data_for_service()
        try:
            with transaction.atomic():
                file = form.cleaned_data.get("result_file")
                if file:
                    upload = material_upload(actor=request.user, file=file, name=file.name or "")
                    data["result_upload_id"] = upload.pk
                case_act(
                    actor=request.user,
                    case=case,
                    action=action,
                    expected_version=_expected_version(request),  # type: ignore[arg-type]
                    **data,
                )
        except errors.ValidationFailed as error:
            if any(str(i.get("field")) == "expected_version" for i in error.errors):
                return _rerender(request, case_id, error=STALE_VERSION, status=409)
            form.add_service_error(error)
        except (errors.PayloadTooLarge, errors.UnsupportedMediaType) as error:
            form.add_error("result_file" if "result_file" in form.fields else None, error.detail)
        except (errors.Conflict, errors.PermissionDenied) as error:
            return _rerender(request, case_id, error=error.detail, status=error.status)
        else:
            messages.success(request, f"已{CaseAction(action).label}。")
            return redirect("cases:workbench_case", case_id=case.pk)
    return _rerender(request, case_id, bound={action: form}, status=422)


@require_POST
@staff_required
def remote_reference(request: HttpRequest, case_id: int) -> HttpResponse:
    case = selectors.case_get(user=request.user, case_id=case_id)
    form = RemoteReferenceForm(request.POST, prefix="remote")
    if form.is_valid():
        try:
            case_record_remote_reference(
                actor=request.user,
                case=case,
                reference=form.cleaned_data["reference"],
                expected_version=_expected_version(request),  # type: ignore[arg-type]
            )
        except errors.ValidationFailed as error:
            form.add_service_error(error)
        except (errors.Conflict, errors.PermissionDenied) as error:
            return _rerender(request, case_id, error=error.detail, status=error.status)
        else:
            messages.success(request, "已登记对方受理编号。")
            return redirect("cases:workbench_case", case_id=case.pk)
    return _rerender(request, case_id, bound={"remote_reference": form}, status=422)


@require_POST
@staff_required
def claim(request: HttpRequest, case_id: int) -> HttpResponse:
    case = selectors.case_get(user=request.user, case_id=case_id)
    try:
        case_claim(
            actor=request.user,
            case=case,
            expected_version=_expected_version(request),  # type: ignore[arg-type]
        )
    except (errors.Conflict, errors.PermissionDenied, errors.ValidationFailed) as error:
        detail = STALE_VERSION if isinstance(error, errors.ValidationFailed) else error.detail
        return _rerender(request, case_id, error=detail, status=409 if error.status == 422 else error.status)
    messages.success(request, "已认领，您现在是该办件的经办人。")
    return redirect("cases:workbench_case", case_id=case.pk)


@require_GET
@staff_required
def workbench_document(request: HttpRequest, case_id: int, kind: str) -> HttpResponse:
    return _pdf(selectors.case_get(user=request.user, case_id=case_id), kind)


@require_GET
@staff_required
def workbench_material(request: HttpRequest, case_id: int, material_id: int) -> HttpResponseBase:
    case = selectors.case_get(user=request.user, case_id=case_id)
    return _material_response(case, material_id)


@require_GET
@staff_required
def workbench_result(request: HttpRequest, case_id: int) -> HttpResponseBase:
    return _result_response(selectors.case_get(user=request.user, case_id=case_id))


def _material_response(case: Case, material_id: int) -> FileResponse:
    material = case.materials.filter(pk=material_id).first()
    if material is None or not material.file:
        raise errors.NotFound("材料文件不存在。")
    suffix = material.file.name.rsplit(".", 1)[-1] if "." in material.file.name else "bin"
    return _file_response(material.file.name, f"{case.number}-{material.pk}.{suffix}", material.content_type)


# --- portal: apply online --------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@person_required
def apply(request: HttpRequest, code: str) -> HttpResponse:
    """网上申请: the item's form from its JSON Schema, the material uploads, an idempotency key."""
    version = catalog_selectors.version_for_application(code)
    if "portal" not in (version.channels or []):
        raise errors.Conflict(
            "本事项暂不支持网上申请，请到政务服务大厅窗口办理。", code="channel_not_allowed"
        )
    post = request.POST if request.method == "POST" else None
    apply_form = ApplyForm(post, initial={"idempotency_key": new_idempotency_key()})
    schema_form = SchemaForm(version.form_schema, post, identity=account_identity(signed_in(request.user)))
    rows = _material_rows(version, staff=False)
    status = 200
    if post is not None:
        apply_form.is_valid()
        schema_form.is_valid()
        materials, codes = _read_materials(request, rows, staff=False, upload_files=True)
        if not any(row.errors for row in rows):
            try:
                case = case_submit(
                    actor=request.user,
                    channel=CaseChannel.PORTAL,
                    item_code=version.code,
                    form_data=schema_form.form_data(),
                    materials=materials,
                    idempotency_key=apply_form.cleaned_data.get("idempotency_key") or "",
                )
            except errors.ValidationFailed as error:
                _distribute(error, forms_=[schema_form, apply_form], rows=rows, codes=codes, main=apply_form)
            except errors.Conflict as error:
                apply_form.add_error(None, error.detail)
            else:
                return redirect("cases:submitted", case_id=case.pk)
        else:
            _form_only_errors(version, schema_form)
        status = 422
    context = {
        "version": version,
        "apply_form": apply_form,
        "schema_form": schema_form,
        "rows": rows,
        "summary": _error_summary([apply_form, schema_form], rows) if status != 200 else [],
    }
    return render(request, "cases/portal/apply.html", context, status=status)


def _my_case(request: HttpRequest, case_id: int) -> Case:
    """The applicant's own case (staff in scope use the workbench); anybody else's case is a 404."""
    case = selectors.case_get(user=request.user, case_id=case_id)
    if not selectors.is_applicant(request.user, case):
        raise errors.NotFound("办件不存在或不在您的数据范围内。")
    return case


@require_GET
@person_required
def submitted(request: HttpRequest, case_id: int) -> HttpResponse:
    case = _my_case(request, case_id)
    return render(request, "cases/portal/submitted.html", {"case": case})


# --- portal: my cases ------------------------------------------------------------------------------


@require_GET
@person_required
def my_cases(request: HttpRequest) -> HttpResponse:
    page = selectors.my_cases(
        applicant=request.user, cursor=request.GET.get("cursor") or None, limit=MY_CASES_PER_PAGE
    )
    context = {"page": page, "paged": bool(request.GET.get("cursor"))}
    return render(request, "cases/portal/my_cases.html", context)


def _portal_context(request: HttpRequest, case: Case, **extra: Any) -> dict[str, Any]:
    allowed = TRANSITIONS.actions_from(case.status)
    concluded = case.status == CaseStatus.CONCLUDED
    correction = selectors.open_correction(case) if case.status == CaseStatus.CORRECTION_REQUESTED else None
    context = {
        "case": case,
        "state_label": DeadlineState(case.deadline_state).label,  # type: ignore[attr-defined]
        "remaining": deadlines.remaining_working_days(case),
        "form_fields": _form_fields(case, request.user),
        "materials": selectors.case_materials(case),
        "timeline": selectors.case_timeline(case),
        "correction": correction,
        "correction_form": extra.pop("correction_form", None) or CorrectionResponseForm(),
        "correction_rows": extra.pop("correction_rows", None) or _material_rows(case.version, staff=False),
        "can_withdraw": CaseAction.WITHDRAW in allowed,
        "result_available": bool(case.result_file) and case.delivery_method == DeliveryMethod.ELECTRONIC,
        "evaluate_url": _url_or_none("evaluation:case_evaluate", case.pk) if concluded else None,
        "documents": _documents(case),
    }
    context.update(extra)
    return context


@require_GET
@person_required
def portal_case(request: HttpRequest, case_id: int) -> HttpResponse:
    case = _my_case(request, case_id)
    return render(request, "cases/portal/case.html", _portal_context(request, case))


@require_POST
@person_required
def respond_correction(request: HttpRequest, case_id: int) -> HttpResponse:
    """补正: the corrected materials (one file per material, or an extra file) and a note."""
    case = _my_case(request, case_id)
    form = CorrectionResponseForm(request.POST)
    rows = _material_rows(case.version, staff=False)
    for row in rows:
        row.way = "upload"
    materials, codes = _read_materials(request, rows, staff=False, upload_files=True)
    extra = request.FILES.get("extra-file")
    status = 422
    if extra is not None:
        try:
            upload = material_upload(actor=request.user, file=extra, name=extra.name or "")
        except errors.ApplicationError as error:
            form.add_error(None, f"其他材料：{error.detail}")
        else:
            materials.append(MaterialData(code="", upload_id=upload.pk))
            codes.append("")
    if form.is_valid() and not form.errors and not any(row.errors for row in rows):
        try:
            case_respond_correction(
                actor=request.user,
                case=case,
                expected_version=_expected_version(request),  # type: ignore[arg-type]
                note=form.cleaned_data.get("note") or "",
                materials=materials,
            )
        except errors.ValidationFailed as error:
            if any(str(i.get("field")) == "expected_version" for i in error.errors):
                form.add_error(None, STALE_VERSION)
                status = 409
            elif not _place_material_errors(error, rows, codes):
                form.add_service_error(error)
        except (errors.Conflict, errors.PermissionDenied) as error:
            form.add_error(None, error.detail)
            status = error.status
        else:
            messages.success(request, "补正材料已提交，我们将尽快重新审核。")
            return redirect("cases:portal_case", case_id=case.pk)
    case = _my_case(request, case_id)
    context = _portal_context(request, case, correction_form=form, correction_rows=rows)
    return render(request, "cases/portal/case.html", context, status=status)


@require_http_methods(["GET", "POST"])
@person_required
def withdraw(request: HttpRequest, case_id: int) -> HttpResponse:
    """撤回申请, before the decision, after a confirmation page."""
    case = _my_case(request, case_id)
    form = WithdrawForm(request.POST or None, prefix="withdraw")
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            try:
                case_withdraw(
                    actor=request.user,
                    case=case,
                    expected_version=_expected_version(request),  # type: ignore[arg-type]
                    **form.data_for_service(),
                )
            except errors.ValidationFailed as error:
                if any(str(i.get("field")) == "expected_version" for i in error.errors):
                    form.add_error(None, STALE_VERSION)
                    status = 409
                else:
                    form.add_service_error(error)
            except (errors.Conflict, errors.PermissionDenied) as error:
                form.add_error(None, error.detail)
                status = error.status
            else:
                messages.success(request, f"已撤回申请（办件编号 {case.number}）。")
                return redirect("cases:portal_case", case_id=case.pk)
    context = {
        "case": case,
        "form": form,
        "can_withdraw": CaseAction.WITHDRAW in TRANSITIONS.actions_from(case.status),
    }
    return render(request, "cases/portal/withdraw.html", context, status=status)


@require_GET
@person_required
def portal_result(request: HttpRequest, case_id: int) -> HttpResponseBase:
    return _result_response(_my_case(request, case_id))


@require_GET
@person_required
def portal_document(request: HttpRequest, case_id: int, kind: str) -> HttpResponse:
    return _pdf(_my_case(request, case_id), kind)


@require_GET
@person_required
def portal_material(request: HttpRequest, case_id: int, material_id: int) -> HttpResponseBase:
    return _material_response(_my_case(request, case_id), material_id)
