"""The registries behind indicators 8–12, 15, 17, 22 and the IT project register (21): lists for every
viewer of the indicators; import, edit and project steps for the keepers (``indicators.manage_registry``,
``indicators.manage_project``), each write through a service (audited)."""

from __future__ import annotations

from django.contrib import messages
from django.forms.models import model_to_dict
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from shuzheng.core import errors
from shuzheng.identity.page_access import staff_required
from shuzheng.indicators.constants import PROJECT_PERM, REGISTRY_PERM
from shuzheng.indicators.forms_workbench import (
    REFERENCE_FORMS,
    ImportForm,
    MilestoneForm,
    ProjectForm,
    SystemForm,
    TransitionForm,
    registry_form,
)
from shuzheng.indicators.models import Milestone, ProjectSystem
from shuzheng.indicators.registry_specs import SPECS
from shuzheng.indicators.selectors import lists
from shuzheng.indicators.services import projects as project_services
from shuzheng.indicators.services import registries as registry_services
from shuzheng.indicators.workflow import ProjectState


def _snapshot(obj: object) -> dict[str, object]:
    return {k: str(v) if v is not None else None for k, v in model_to_dict(obj).items()}  # type: ignore[arg-type]


@require_GET
@staff_required
def registries(request: HttpRequest) -> HttpResponse:
    context = {
        "specs": SPECS.values(),
        "sectors": lists.sectors(user=request.user),
        "criteria": lists.criteria(user=request.user),
        "can_edit": request.user.has_perm(REGISTRY_PERM),
    }
    return render(request, "indicators/workbench/registries.html", context)


@require_http_methods(["GET", "POST"])
@staff_required
def registry(request: HttpRequest, slug: str) -> HttpResponse:
    spec = lists.spec_get(slug)
    form = ImportForm(request.POST or None, request.FILES or None)
    report = None
    status = 200
    if request.method == "POST":
        registry_services.require_registry_perm(request.user)
        status = 422
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                if not (upload.name or "").lower().endswith(".xlsx"):
                    raise errors.UnsupportedMediaType("只支持 .xlsx 格式的 Excel 文件。")
                report = registry_services.registry_import(
                    actor=request.user,
                    spec=spec,
                    file=upload,
                    source_document=form.cleaned_data["source_document"],
                )
            except (errors.UnsupportedMediaType, errors.PayloadTooLarge) as error:
                form.add_error("file", error.detail)
            else:
                status = 200 if report.ok else 422
    page = lists.registry_page(user=request.user, spec=spec, cursor=request.GET.get("cursor"))
    rows = [(obj, [_display(obj, c.field) for c in spec.columns]) for obj in page.items]
    context = {
        "spec": spec,
        "page": page,
        "rows": rows,
        "form": form,
        "report": report,
        "can_edit": request.user.has_perm(REGISTRY_PERM),
    }
    return render(request, "indicators/workbench/registry.html", context, status=status)


def _display(obj: object, field: str) -> str:
    value = getattr(obj, field)
    getter = getattr(obj, f"get_{field}_display", None)
    if getter is not None:
        return str(getter())
    if isinstance(value, bool):
        return "是" if value else "否"
    return "" if value is None else str(value)


@require_http_methods(["GET", "POST"])
@staff_required
def registry_edit(request: HttpRequest, slug: str, pk: int | None = None) -> HttpResponse:
    spec = lists.spec_get(slug)
    registry_services.require_registry_perm(request.user)
    obj = lists.registry_row(user=request.user, spec=spec, pk=pk) if pk is not None else None
    before = _snapshot(obj) if obj is not None else None
    form = registry_form(spec)(request.POST or None, instance=obj)
    if request.method == "POST" and "delete" in request.POST and obj is not None:
        registry_services.registry_delete(actor=request.user, spec=spec, obj=obj)
        messages.success(request, "已删除。")
        return redirect("indicators:registry", slug=slug)
    if request.method == "POST" and form.is_valid():
        registry_services.registry_save(
            actor=request.user, spec=spec, obj=form.save(commit=False), created=obj is None, before=before
        )
        messages.success(request, "已保存。")
        return redirect("indicators:registry", slug=slug)
    status = 422 if request.method == "POST" else 200
    context = {"spec": spec, "form": form, "obj": obj}
    return render(request, "indicators/workbench/registry_form.html", context, status=status)


@require_http_methods(["GET", "POST"])
@staff_required
def reference_edit(request: HttpRequest, kind: str, pk: int | None = None) -> HttpResponse:
    """Add or edit a government sector (indicator 11's list) or a digital-village criterion (22)."""
    if kind not in REFERENCE_FORMS:
        raise errors.NotFound("没有这个清单。")
    registry_services.require_registry_perm(request.user)
    label, form_class = REFERENCE_FORMS[kind]
    model = form_class._meta.model
    obj = model._default_manager.filter(pk=pk).first() if pk is not None else None
    if pk is not None and obj is None:
        raise errors.NotFound(f"{label}不存在。")
    before = _snapshot(obj) if obj is not None else None
    form = form_class(request.POST or None, instance=obj)
    if request.method == "POST" and form.is_valid():
        registry_services.reference_save(actor=request.user, form=form, created=obj is None, before=before)
        messages.success(request, f"{label}已保存。")
        return redirect("indicators:registries")
    status = 422 if request.method == "POST" else 200
    context = {"label": label, "form": form, "obj": obj}
    return render(request, "indicators/workbench/reference_form.html", context, status=status)


# --- IT projects ------------------------------------------------------------------------------------


@require_GET
@staff_required
def projects(request: HttpRequest) -> HttpResponse:
    context = {
        "projects": lists.project_list(user=request.user),
        "can_edit": request.user.has_perm(PROJECT_PERM),
    }
    return render(request, "indicators/workbench/projects.html", context)


@require_http_methods(["GET", "POST"])
@staff_required
def project_new(request: HttpRequest) -> HttpResponse:
    project_services.require_project_perm(request.user)
    form = ProjectForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        project = project_services.project_save(
            actor=request.user, project=form.save(commit=False), created=True
        )
        messages.success(request, "项目已登记为“储备”。")
        return redirect("indicators:project", code=project.code)
    status = 422 if request.method == "POST" else 200
    return render(
        request, "indicators/workbench/project_form.html", {"form": form, "title": "登记项目"}, status=status
    )


@require_http_methods(["GET", "POST"])
@staff_required
def project_edit(request: HttpRequest, code: str) -> HttpResponse:
    """Edit a project's particulars (its state moves only through the steps)."""
    found = lists.project_get(user=request.user, code=code)
    project_services.require_project_perm(request.user, found.department)
    before = _snapshot(found)
    form = ProjectForm(request.POST or None, instance=found)
    if request.method == "POST" and form.is_valid():
        project_services.project_save(
            actor=request.user, project=form.save(commit=False), created=False, before=before
        )
        messages.success(request, "项目信息已保存。")
        return redirect("indicators:project", code=found.code)
    status = 422 if request.method == "POST" else 200
    context = {"form": form, "title": f"修改项目：{found.name}"}
    return render(request, "indicators/workbench/project_form.html", context, status=status)


@require_GET
@staff_required
def project(request: HttpRequest, code: str) -> HttpResponse:
    found = lists.project_get(user=request.user, code=code)
    can_edit = request.user.has_perm(PROJECT_PERM)
    context = {
        "project": found,
        "state_label": ProjectState(found.state).label,
        "transition_form": TransitionForm(project=found) if can_edit else None,
        "milestone_form": MilestoneForm() if can_edit else None,
        "system_form": SystemForm(initial={"department": found.department_id}) if can_edit else None,
        "can_edit": can_edit,
    }
    return render(request, "indicators/workbench/project.html", context)


@require_POST
@staff_required
def project_step(request: HttpRequest, code: str) -> HttpResponse:
    found = lists.project_get(user=request.user, code=code)
    form = TransitionForm(request.POST, project=found)
    if not form.is_valid():
        raise errors.ValidationFailed("请选择当前状态下可执行的操作。")
    project_services.project_transition(
        actor=request.user, project=found, action=form.cleaned_data["action"], note=form.cleaned_data["note"]
    )
    messages.success(request, "项目状态已更新。")
    return redirect("indicators:project", code=found.code)


@require_POST
@staff_required
def project_milestone(request: HttpRequest, code: str) -> HttpResponse:
    found = lists.project_get(user=request.user, code=code)
    milestone_id = request.POST.get("milestone")
    existing = (
        found.milestones.filter(pk=int(milestone_id)).first()
        if milestone_id and milestone_id.isdigit()
        else None
    )
    before = _snapshot(existing) if existing is not None else None
    form = MilestoneForm(request.POST, instance=existing or Milestone(project=found))
    if not form.is_valid():
        raise errors.ValidationFailed("里程碑填写有误：" + "；".join(str(e[0]) for e in form.errors.values()))
    project_services.milestone_save(
        actor=request.user, milestone=form.save(commit=False), created=existing is None, before=before
    )
    messages.success(request, "里程碑已保存。")
    return redirect("indicators:project", code=found.code)


@require_POST
@staff_required
def project_system(request: HttpRequest, code: str) -> HttpResponse:
    found = lists.project_get(user=request.user, code=code)
    form = SystemForm(request.POST, instance=ProjectSystem(project=found))
    if not form.is_valid():
        raise errors.ValidationFailed(
            "系统信息填写有误：" + "；".join(str(e[0]) for e in form.errors.values())
        )
    project_services.system_save(actor=request.user, system=form.save(commit=False), created=True)
    messages.success(request, "系统已登记。")
    return redirect("indicators:project", code=found.code)
