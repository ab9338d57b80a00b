"""Back office for the organisation. Every save goes through the orgs services (validation, tree paths,
audit); a refusal is a form error, not a 500. Rows are never deleted here: they are deactivated
(停用) with an action, so history that points at them stays intact. Divisions and departments have
Excel import and export links on their list pages.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Model, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse

from shuzheng.core.errors import ApplicationError, ValidationFailed
from shuzheng.core.imports import ImportReport
from shuzheng.core.spreadsheets import MAX_BYTES, XLSX_CONTENT_TYPE
from shuzheng.orgs import selectors, xlsx
from shuzheng.orgs.models import Department, Division, Grid, GridWorker, Hall, Kiosk, Window
from shuzheng.orgs.services import departments, divisions, grids, venues

Service = Callable[..., Any]


class ServiceForm(forms.ModelForm):
    """Runs the service's validation in clean(), so the admin shows the same Chinese messages."""

    service_admin: ServiceModelAdmin

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        owner = self.service_admin
        for name, normalise in owner.normalisers.items():
            if data.get(name) is not None:
                data[name] = normalise(data[name])
        if self.errors:
            return data
        instance = self.instance if self.instance.pk else None
        original = type(self.instance)._default_manager.get(pk=instance.pk) if instance else None
        kwargs = {name: self._value(name, data, original) for name in owner.validate_fields}
        try:
            owner.validate(instance=original, **kwargs)
        except ValidationFailed as exc:
            for error in exc.errors or [{"field": "", "message": exc.detail}]:
                name = error.get("field", "")
                self.add_error(name if name in self.fields else None, str(error.get("message", "")))
        return data

    def _value(self, name: str, data: dict[str, Any], original: Model | None) -> Any:
        if name in self.fields:
            return data.get(name)
        try:
            return getattr(original, name) if original is not None else ""
        except ObjectDoesNotExist:
            return None


class ServiceModelAdmin(admin.ModelAdmin):
    """A ModelAdmin whose add, change, activate and deactivate call the context's services."""

    service_fields: tuple[str, ...] = ()
    validate_fields: tuple[str, ...] = ()
    normalisers: dict[str, Callable[[Any], Any]] = {}
    instance_kw = ""
    # The entity's services, set by each subclass (as staticmethods).
    validate: Callable[..., None]
    create: Service
    update: Service
    deactivate: Service
    activate: Service
    form = ServiceForm
    actions = ("deactivate_selected", "activate_selected")

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any) -> Any:
        form: Any = super().get_form(request, obj, change=change, **kwargs)
        form.service_admin = self
        return form

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        data = {name: form.cleaned_data[name] for name in self.service_fields if name in form.cleaned_data}
        for name, value in data.items():
            if isinstance(value, QuerySet):
                data[name] = list(value)
        if change:
            original = type(obj)._default_manager.get(pk=obj.pk)
            saved = self.update(actor=request.user, **{self.instance_kw: original}, **data)
        else:
            saved = self.create(actor=request.user, **data)
        for field in obj._meta.concrete_fields:
            setattr(obj, field.attname, getattr(saved, field.attname))
        obj._state.adding = False

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        """Many-to-many fields were set by the service (and audited); nothing else to save here."""

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def _bulk(self, request: HttpRequest, queryset: QuerySet[Any], service: Service, verb: str) -> None:
        done, failed = 0, []
        for obj in queryset:
            try:
                service(actor=request.user, **{self.instance_kw: obj})
                done += 1
            except ApplicationError as exc:
                failed.append(f"{obj}：{exc.detail}")
        if done:
            self.message_user(request, f"已{verb}{done}条。", messages.SUCCESS)
        for message in failed:
            self.message_user(request, f"未能{verb}{message}", messages.ERROR)

    @admin.action(description="停用所选", permissions=["change"])
    def deactivate_selected(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        self._bulk(request, queryset, self.deactivate, "停用")

    @admin.action(description="启用所选", permissions=["change"])
    def activate_selected(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        self._bulk(request, queryset, self.activate, "启用")


class XlsxAdminMixin(ServiceModelAdmin):
    """Adds 导入Excel / 导出Excel links to the list page."""

    change_list_template = "admin/orgs/xlsx_change_list.html"
    export_xlsx: Callable[[], bytes]
    import_xlsx: Callable[..., ImportReport]
    xlsx_name = ""
    xlsx_headers: tuple[str, ...] = ()

    def get_urls(self) -> list[URLPattern]:
        info = self.opts.app_label, self.opts.model_name
        return [
            path("import/", self.admin_site.admin_view(self.import_view), name="{}_{}_import".format(*info)),
            path("export/", self.admin_site.admin_view(self.export_view), name="{}_{}_export".format(*info)),
            *super().get_urls(),
        ]

    def _can_import(self, request: HttpRequest) -> bool:
        return self.has_add_permission(request) and self.has_change_permission(request)

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        extra = {"can_import_xlsx": self._can_import(request), **(extra_context or {})}
        return super().changelist_view(request, extra_context=extra)

    def export_view(self, request: HttpRequest) -> HttpResponse:
        if not self.has_view_permission(request):
            return HttpResponse("没有权限", status=403)
        response = HttpResponse(type(self).export_xlsx(), content_type=XLSX_CONTENT_TYPE)
        response["Content-Disposition"] = f"attachment; filename={self.xlsx_name}.xlsx"
        return response

    def import_view(self, request: HttpRequest) -> HttpResponse:
        if not self._can_import(request):
            return HttpResponse("没有权限", status=403)
        report = None
        error = ""
        if request.method == "POST":
            upload = request.FILES.get("file")
            try:
                if upload is None:
                    raise ValidationFailed.for_field("file", "请选择要导入的 .xlsx 文件")
                if not (upload.name or "").lower().endswith(".xlsx"):
                    raise ValidationFailed.for_field("file", "只支持 .xlsx 格式的 Excel 文件")
                report = type(self).import_xlsx(upload, actor=request.user)
            except ApplicationError as exc:
                error = exc.detail
            if report is not None and report.ok:
                self.message_user(request, report.summary(), messages.SUCCESS)
                info = self.opts.app_label, self.opts.model_name
                return HttpResponseRedirect(reverse("admin:{}_{}_changelist".format(*info)))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": f"导入{self.opts.verbose_name}",
            "headers": self.xlsx_headers,
            "report": report,
            "error": error,
            "max_mb": MAX_BYTES // (1024 * 1024),
        }
        return TemplateResponse(request, "admin/orgs/xlsx_import.html", context)


# --- divisions ------------------------------------------------------------------------------------


@admin.register(Division)
class DivisionAdmin(XlsxAdminMixin):
    list_display = ("code", "name", "level", "parent", "is_generated", "is_active")
    list_filter = ("level", "is_active", "is_generated")
    list_select_related = ("parent",)
    search_fields = ("code", "name")
    autocomplete_fields = ("parent",)
    ordering = ("path",)
    fields = (
        "code",
        "name",
        "level",
        "parent",
        "is_generated",
        "path",
        "is_active",
        "created_at",
        "updated_at",
    )
    readonly_fields = ("path", "is_active", "created_at", "updated_at")
    service_fields = ("code", "name", "level", "parent", "is_generated")
    validate_fields = ("code", "name", "level", "parent")
    normalisers = {"code": divisions.clean_division_code}
    instance_kw = "division"
    validate = staticmethod(divisions.division_validate)
    create = staticmethod(divisions.division_create)
    update = staticmethod(divisions.division_update)
    deactivate = staticmethod(divisions.division_deactivate)
    activate = staticmethod(divisions.division_activate)
    xlsx_name = "divisions"
    xlsx_headers = (*xlsx.DIVISION_HEADERS, *xlsx.DIVISION_OPTIONAL_HEADERS)
    export_xlsx = staticmethod(xlsx.export_divisions_xlsx)
    import_xlsx = staticmethod(xlsx.import_divisions_xlsx)


# --- departments ----------------------------------------------------------------------------------


@admin.register(Department)
class DepartmentAdmin(XlsxAdminMixin):
    list_display = ("code", "name", "short_name", "parent", "division", "is_active")
    list_filter = ("is_active", "division__level")
    list_select_related = ("parent", "division")
    search_fields = ("code", "name", "short_name", "uscc")
    autocomplete_fields = ("parent", "division", "serves")
    ordering = ("path",)
    fields = (
        "code",
        "name",
        "short_name",
        "uscc",
        "parent",
        "division",
        "serves",
        "path",
        "is_active",
        "created_at",
        "updated_at",
    )
    readonly_fields = ("path", "is_active", "created_at", "updated_at")
    service_fields = ("code", "name", "short_name", "uscc", "parent", "division", "serves")
    validate_fields = ("code", "name", "short_name", "uscc", "parent", "division")
    normalisers = {"code": departments.normalise_department_code}
    instance_kw = "department"
    validate = staticmethod(departments.department_validate)
    create = staticmethod(departments.department_create)
    update = staticmethod(departments.department_update)
    deactivate = staticmethod(departments.department_deactivate)
    activate = staticmethod(departments.department_activate)
    xlsx_name = "departments"
    xlsx_headers = xlsx.DEPARTMENT_HEADERS
    export_xlsx = staticmethod(xlsx.export_departments_xlsx)
    import_xlsx = staticmethod(xlsx.import_departments_xlsx)


# --- halls and windows ----------------------------------------------------------------------------


class WindowInline(admin.TabularInline):
    """Read-only list; windows are added and changed on their own page (through the services)."""

    model = Window
    fields = ("number", "name", "kind", "department", "is_active")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Hall)
class HallAdmin(ServiceModelAdmin):
    list_display = ("code", "name", "level", "division", "opening_hours", "is_active")
    list_filter = ("level", "is_active")
    list_select_related = ("division",)
    search_fields = ("code", "name", "address", "division__name")
    autocomplete_fields = ("division",)
    fields = ("code", "name", "level", "division", "address", "opening_hours", "phone", "is_active")
    readonly_fields = ("is_active",)
    inlines = (WindowInline,)
    service_fields = ("code", "name", "level", "division", "address", "opening_hours", "phone")
    validate_fields = service_fields
    instance_kw = "hall"
    validate = staticmethod(venues.hall_validate)
    create = staticmethod(venues.hall_create)
    update = staticmethod(venues.hall_update)
    deactivate = staticmethod(venues.hall_deactivate)
    activate = staticmethod(venues.hall_activate)


@admin.register(Window)
class WindowAdmin(ServiceModelAdmin):
    list_display = ("hall", "number", "name", "kind", "department", "is_active")
    list_filter = ("kind", "is_active", "hall__level")
    list_select_related = ("hall", "department")
    search_fields = ("name", "number", "hall__name", "department__name")
    autocomplete_fields = ("hall", "department")
    fields = ("hall", "number", "name", "kind", "department", "is_active")
    readonly_fields = ("is_active",)
    service_fields = ("hall", "number", "name", "kind", "department")
    validate_fields = service_fields
    instance_kw = "window"
    validate = staticmethod(venues.window_validate)
    create = staticmethod(venues.window_create)
    update = staticmethod(venues.window_update)
    deactivate = staticmethod(venues.window_deactivate)
    activate = staticmethod(venues.window_activate)


# --- kiosks ---------------------------------------------------------------------------------------


@admin.register(Kiosk)
class KioskAdmin(ServiceModelAdmin):
    list_display = ("code", "name", "kind", "division", "hall", "bank_name", "is_active")
    list_filter = ("kind", "is_active", "bank_name")
    list_select_related = ("division", "hall")
    search_fields = ("code", "name", "bank_name", "bank_outlet", "address")
    autocomplete_fields = ("division", "hall")
    fields = ("code", "kind", "name", "division", "hall", "bank_name", "bank_outlet", "address", "is_active")
    readonly_fields = ("is_active",)
    service_fields = ("code", "kind", "name", "division", "hall", "bank_name", "bank_outlet", "address")
    validate_fields = service_fields
    instance_kw = "kiosk"
    validate = staticmethod(venues.kiosk_validate)
    create = staticmethod(venues.kiosk_create)
    update = staticmethod(venues.kiosk_update)
    deactivate = staticmethod(venues.kiosk_deactivate)
    activate = staticmethod(venues.kiosk_activate)


# --- grids ----------------------------------------------------------------------------------------


@admin.register(Grid)
class GridAdmin(ServiceModelAdmin):
    list_display = ("code", "name", "division", "is_active")
    list_filter = ("is_active",)
    list_select_related = ("division",)
    search_fields = ("code", "name", "division__name")
    autocomplete_fields = ("division",)
    fields = ("code", "name", "division", "is_active")
    readonly_fields = ("is_active",)
    service_fields = ("code", "name", "division")
    validate_fields = service_fields
    instance_kw = "grid"
    validate = staticmethod(grids.grid_validate)
    create = staticmethod(grids.grid_create)
    update = staticmethod(grids.grid_update)
    deactivate = staticmethod(grids.grid_deactivate)
    activate = staticmethod(grids.grid_activate)


@admin.register(GridWorker)
class GridWorkerAdmin(ServiceModelAdmin):
    """Phones are shown masked, and cannot be changed, without 查看明文个人信息 clearance."""

    list_display = ("name", "grid", "user", "is_active")
    list_filter = ("is_active",)
    list_select_related = ("grid", "user")
    search_fields = ("name", "grid__name", "grid__code")
    autocomplete_fields = ("grid",)
    raw_id_fields = ("user",)
    service_fields = ("grid", "name", "phone", "user")
    validate_fields = service_fields
    instance_kw = "worker"
    validate = staticmethod(grids.grid_worker_validate)
    create = staticmethod(grids.grid_worker_create)
    update = staticmethod(grids.grid_worker_update)
    deactivate = staticmethod(grids.grid_worker_deactivate)
    activate = staticmethod(grids.grid_worker_activate)

    def get_list_display(self, request: HttpRequest) -> tuple[Any, ...]:
        clear = selectors.can_see_clear_personal_data(request.user)

        @admin.display(description="联系电话")
        def phone(obj: GridWorker) -> str:
            return selectors.grid_worker_phone(obj, user=request.user, clear=clear) or "—"

        return ("name", "grid", phone, "user", "is_active")

    @admin.display(description="联系电话")
    def masked_phone(self, obj: GridWorker) -> str:
        return selectors.grid_worker_phone(obj, user=None, clear=False) or "—"

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is not None and not selectors.can_see_clear_personal_data(request.user):
            return ["grid", "name", "masked_phone", "user", "is_active"]
        return ["grid", "name", "phone", "user", "is_active"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        return ("masked_phone", "is_active")
