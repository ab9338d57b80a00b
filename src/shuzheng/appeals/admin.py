"""Back office of the appeals hub.

Configuration is edited here — categories (with their time limits), the dispatch catalogue, routing
rules (ordered; test an example with ``POST /api/v1/appeals/rules/test``), dispatch models (activate a
version). Every save is audited in the same transaction. Appeals, work orders and the knowledge base
are read-only here: their changes have rules (workflow, review before publish) and go through the
services behind the workbench and the API.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db import transaction
from django.db.models import QuerySet
from django.forms.models import model_to_dict
from django.http import HttpRequest

from shuzheng.appeals.models import (
    Appeal,
    Category,
    DispatchCatalogueEntry,
    DispatchModel,
    KnowledgeArticle,
    RoutingRule,
    WorkOrder,
    WorkOrderEvent,
)
from shuzheng.appeals.services.training import dispatch_model_activate
from shuzheng.core import audit
from shuzheng.core.errors import ApplicationError


def _snapshot(obj: Any) -> dict[str, Any]:
    return {
        k: (v if isinstance(v, str | int | float | bool) or v is None else str(v))
        for k, v in model_to_dict(obj).items()
    }


class AuditedAdmin(admin.ModelAdmin):
    """Saves and deletes write an audit event in the same transaction."""

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        with transaction.atomic():
            before = _snapshot(type(obj)._default_manager.get(pk=obj.pk)) if change else None
            super().save_model(request, obj, form, change)
            verb = "update" if change else "create"
            audit.record(
                actor=request.user,
                action=f"appeals.{obj._meta.model_name}.{verb}",
                subject=obj,
                before=before,
                after=_snapshot(obj),
            )

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        with transaction.atomic():
            audit.record(
                actor=request.user,
                action=f"appeals.{obj._meta.model_name}.delete",
                subject=obj,
                before=_snapshot(obj),
            )
            super().delete_model(request, obj)


class CategoryForm(forms.ModelForm):
    class Meta:
        model = Category
        fields = ("code", "name", "parent", "description", "keywords", "sla_days", "position", "is_active")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        code, parent = data.get("code") or "", data.get("parent")
        if "/" in code:
            self.add_error("code", "分类编码不能包含“/”")
        if self.instance.pk and parent != self.instance.parent and self.instance.children.exists():
            self.add_error("parent", "有下级分类的分类不能移动，请先移动其下级分类")
        if self.instance.pk and parent is not None and parent.path.startswith(self.instance.path):
            self.add_error("parent", "不能把分类移到自己或下级之下")
        return data


@admin.register(Category)
class CategoryAdmin(AuditedAdmin):
    form = CategoryForm
    list_display = ("code", "name", "parent", "sla_days", "is_active")
    list_filter = ("is_active",)
    search_fields = ("code", "name", "keywords")
    ordering = ("path",)

    def save_model(self, request: HttpRequest, obj: Category, form: Any, change: bool) -> None:
        obj.path = f"{obj.parent.path if obj.parent else '/'}{obj.code}/"
        super().save_model(request, obj, form, change)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # deactivate instead: appeals keep pointing at their category


@admin.register(DispatchCatalogueEntry)
class DispatchCatalogueAdmin(AuditedAdmin):
    list_display = ("category", "division", "department", "is_active")
    list_filter = ("is_active",)
    search_fields = ("category__name", "category__code", "department__name", "division__name")
    autocomplete_fields = ("category",)
    raw_id_fields = ("division", "department")


@admin.register(RoutingRule)
class RoutingRuleAdmin(AuditedAdmin):
    list_display = (
        "position",
        "name",
        "keywords",
        "category",
        "division",
        "channel",
        "enterprise",
        "lead_department",
        "is_active",
    )
    list_display_links = ("name",)
    list_editable = ("position", "is_active")
    list_filter = ("is_active", "channel")
    search_fields = ("name", "keywords")
    ordering = ("position", "id")
    raw_id_fields = ("division", "lead_department", "assist_departments")
    autocomplete_fields = ("category", "set_category")


@admin.register(DispatchModel)
class DispatchModelAdmin(admin.ModelAdmin):
    list_display = (
        "version",
        "trained_at",
        "sample_count",
        "accuracy",
        "macro_f1",
        "baseline_accuracy",
        "baseline_macro_f1",
        "is_active",
    )
    readonly_fields = [f.name for f in DispatchModel._meta.fields]
    actions = ("activate_selected",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # trained with `shuzheng train-dispatch`

    @admin.action(description="启用所选模型（仅选一个）", permissions=["change"])
    def activate_selected(self, request: HttpRequest, queryset: QuerySet[DispatchModel]) -> None:
        if queryset.count() != 1:
            self.message_user(request, "请只选择一个模型。", messages.ERROR)
            return
        try:
            model = dispatch_model_activate(actor=request.user, model=queryset.get())
        except ApplicationError as exc:
            self.message_user(request, exc.detail, messages.ERROR)
            return
        self.message_user(request, f"已启用模型 {model.version}。", messages.SUCCESS)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Appeal)
class AppealAdmin(ReadOnlyAdmin):
    list_display = (
        "number",
        "channel",
        "appeal_type",
        "category",
        "division",
        "status",
        "department",
        "received_at",
    )
    list_filter = ("status", "channel", "appeal_type", "is_historical")
    search_fields = ("number",)
    exclude = ("reporter_name", "reporter_phone", "reporter_phone_index")  # personal data: via the workbench
    show_full_result_count = False


class EventInline(admin.TabularInline):
    model = WorkOrderEvent
    extra = 0
    can_delete = False
    fields = ("occurred_at", "action", "from_status", "to_status", "department", "actor", "note")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(WorkOrder)
class WorkOrderAdmin(ReadOnlyAdmin):
    list_display = ("number", "lead_department", "status", "dispatch_kind", "due_at", "is_supervised")
    list_filter = ("status", "dispatch_kind", "is_supervised")
    search_fields = ("number",)
    inlines = (EventInline,)
    show_full_result_count = False


@admin.register(KnowledgeArticle)
class KnowledgeArticleAdmin(ReadOnlyAdmin):
    list_display = ("question", "category", "department", "status", "version", "valid_to", "use_count")
    list_filter = ("status",)
    search_fields = ("question", "keywords")
