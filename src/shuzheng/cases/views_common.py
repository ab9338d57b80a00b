"""What the workbench and portal pages of 办件 share: file and document responses, the material rows of a
submission form (intake and online application) with the services' errors placed on them, and the case's
form data as shown to the viewer."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.core.files.storage import default_storage
from django.http import FileResponse, HttpRequest, HttpResponse
from django.urls import NoReverseMatch, reverse

from shuzheng.cases import api, documents, form_privacy, selectors
from shuzheng.cases.constants import CaseStatus
from shuzheng.cases.form_schema import form_errors
from shuzheng.cases.forms_common import SchemaForm
from shuzheng.cases.models import Case
from shuzheng.cases.services.common import MaterialData
from shuzheng.cases.services.uploads import material_upload
from shuzheng.core import errors

if TYPE_CHECKING:
    from shuzheng.catalog.models import MaterialRequirement, ServiceItemVersion


def url_or_none(name: str, *args: Any) -> str | None:
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return None


def file_response(name: str, filename: str, content_type: str, *, inline: bool = False) -> FileResponse:
    if not name or not default_storage.exists(name):
        raise errors.NotFound("文件不存在。")
    response = FileResponse(
        default_storage.open(name, "rb"), content_type=content_type or "application/octet-stream"
    )
    disposition = "inline" if inline else "attachment"
    response["Content-Disposition"] = f"{disposition}; filename*=UTF-8''{filename}"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def pdf_response(case: Case, kind: str) -> HttpResponse:
    if kind not in documents.KINDS:
        raise errors.NotFound("没有这种文书。")
    response = HttpResponse(documents.render(case, kind), content_type="application/pdf")
    response["Content-Disposition"] = f"inline; filename*=UTF-8''{case.number}-{kind}.pdf"
    return response


_SUFFIX_TYPES = {"pdf": "application/pdf", "ofd": "application/ofd", "png": "image/png", "jpg": "image/jpeg"}


def result_response(case: Case) -> FileResponse:
    if not case.result_file:
        raise errors.NotFound("该办件没有可下载的办理结果。")
    name = case.result_file.name
    suffix = name.rsplit(".", 1)[-1] if "." in name else "bin"
    return file_response(name, f"{case.number}-result.{suffix}", _SUFFIX_TYPES.get(suffix, ""))


def case_documents(case: Case) -> list[tuple[str, str]]:
    """(kind, title) of the documents this case has."""
    found = [("acceptance", "受理通知书" if case.accepted_at else "收件回执")]
    if selectors.latest_correction(case) is not None:
        found.append(("correction", documents.TITLES["correction"]))
    if case.status == CaseStatus.NOT_ACCEPTED:
        found.append(("rejection", documents.TITLES["rejection"]))
    return found


def to_int(value: Any) -> int | None:
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return None


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


def material_rows(version: ServiceItemVersion, *, staff: bool) -> list[MaterialRow]:
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


def read_materials(
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
        kept = to_int(request.POST.get(f"{row.prefix}-upload"))
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


def place_material_errors(error: errors.ApplicationError, rows: list[MaterialRow], codes: list[str]) -> bool:
    """Put the service's ``materials[i]…`` and ``materials.<code>`` errors on their rows."""
    by_code = {row.requirement.code: row for row in rows}
    placed = False
    for item in error.errors:
        name = str(item.get("field") or "")
        row = None
        if name.startswith("materials["):
            index = to_int(name[10:].split("]", 1)[0])
            if index is not None and 0 <= index < len(codes):
                row = by_code.get(codes[index])
        elif name.startswith("materials."):
            row = by_code.get(name.removeprefix("materials."))
        if row is not None:
            row.errors.append(str(item.get("message") or error.detail))
            placed = True
    return placed


def distribute(
    error: errors.ApplicationError,
    *,
    forms_: list[Any],
    rows: list[MaterialRow],
    codes: list[str],
    main: Any,
) -> None:
    """Each field error of `error` on the form (or material row) that names it; the rest on `main`."""
    leftovers = []
    place_material_errors(error, rows, codes)
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


def error_summary(forms_: list[Any], rows: list[MaterialRow]) -> list[tuple[str, str]]:
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


def form_only_errors(version: ServiceItemVersion, schema_form: SchemaForm) -> None:
    """When a file was refused, the application is not submitted; still show what else the schema says."""
    for item in form_errors(version.form_schema or {}, schema_form.form_data()):
        target = schema_form.field_for(str(item["field"]))
        if target is not None:
            schema_form.add_error(target, item["message"])


def form_fields(case: Case, user: Any) -> list[tuple[str, Any]]:
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


def expected_version(request: HttpRequest) -> int | None:
    return to_int(request.POST.get("expected_version"))


def material_response(case: Case, material_id: int) -> FileResponse:
    material = case.materials.filter(pk=material_id).first()
    if material is None or not material.file:
        raise errors.NotFound("材料文件不存在。")
    suffix = material.file.name.rsplit(".", 1)[-1] if "." in material.file.name else "bin"
    return file_response(material.file.name, f"{case.number}-{material.pk}.{suffix}", material.content_type)
