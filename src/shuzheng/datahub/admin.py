"""Back office of the data hub. Writes with rules in them go through the services as admin actions
(review, mount, revoke, publish, quality run); a refusal is a message, not a 500. Logs (access, row
changes, quality results) are read-only, and the access log cannot be deleted here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from shuzheng.core.errors import ApplicationError
from shuzheng.datahub import quality
from shuzheng.datahub.models import (
    AccessLog,
    ApiCredential,
    CatalogClass,
    CatalogEntry,
    DataItem,
    EntryTransition,
    Grant,
    OpenDataset,
    OpenResource,
    OpenTopic,
    QualityResult,
    QualityRule,
    QualityRun,
    RowChange,
    SharingRequest,
)
from shuzheng.datahub.services import catalog as catalog_services
from shuzheng.datahub.services import mounts as mount_services
from shuzheng.datahub.services import open_data as open_data_services
from shuzheng.datahub.services import sharing as sharing_services


def _each(
    modeladmin: admin.ModelAdmin,
    request: HttpRequest,
    queryset: QuerySet[Any],
    action: Callable[[Any], Any],
    done: str,
) -> None:
    ok = 0
    for obj in queryset:
        try:
            action(obj)
            ok += 1
        except ApplicationError as exc:
            modeladmin.message_user(request, f"{obj}：{exc.detail}", level=messages.ERROR)
    if ok:
        modeladmin.message_user(request, f"{done} {ok} 项。", level=messages.SUCCESS)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class DataItemInline(admin.TabularInline):
    model = DataItem
    extra = 0
    can_delete = False
    fields = (
        "position",
        "name",
        "label",
        "data_type",
        "required",
        "is_key",
        "is_personal",
        "sensitivity",
        "masking",
        "mounted",
    )
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class TransitionInline(admin.TabularInline):
    model = EntryTransition
    extra = 0
    can_delete = False
    readonly_fields = ("from_status", "to_status", "actor", "comment", "at")
    fields = readonly_fields

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(CatalogClass)
class CatalogClassAdmin(admin.ModelAdmin):
    """Names of the class tree's nodes, saved through the service (checked and audited)."""

    list_display = ("code", "name")
    search_fields = ("code", "name")

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        return ("code",) if obj is not None else ()

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: CatalogClass, form: Any, change: bool) -> None:
        try:
            saved = catalog_services.catalog_class_name(actor=request.user, code=obj.code, name=obj.name)
        except ApplicationError as exc:
            self.message_user(request, exc.detail or exc.title, level=messages.ERROR)
        else:
            obj.pk = saved.pk


@admin.register(CatalogEntry)
class CatalogEntryAdmin(ReadOnlyAdmin):
    list_display = (
        "code",
        "name",
        "department",
        "classification",
        "sharing_type",
        "openness",
        "grade",
        "status",
        "mount_kind",
        "row_count",
    )
    list_filter = (
        "status",
        "classification",
        "sharing_type",
        "openness",
        "grade",
        "mount_kind",
        "update_cycle",
    )
    search_fields = ("code", "name", "department__name")
    list_select_related = ("department",)
    inlines = (DataItemInline, TransitionInline)
    actions = ("submit", "approve", "mount_table", "publish_open")

    @admin.action(description="提交审核")
    def submit(self, request: HttpRequest, queryset: QuerySet[CatalogEntry]) -> None:
        _each(
            self,
            request,
            queryset,
            lambda e: catalog_services.entry_transition(actor=request.user, entry=e, action="submit"),
            "已提交",
        )

    @admin.action(description="审核通过（审核人不能是编目人）")
    def approve(self, request: HttpRequest, queryset: QuerySet[CatalogEntry]) -> None:
        _each(
            self,
            request,
            queryset,
            lambda e: catalog_services.entry_transition(actor=request.user, entry=e, action="approve"),
            "已发布",
        )

    @admin.action(description="挂接库表（按信息项建表）")
    def mount_table(self, request: HttpRequest, queryset: QuerySet[CatalogEntry]) -> None:
        _each(
            self,
            request,
            queryset,
            lambda e: mount_services.entry_mount_table(actor=request.user, entry=e),
            "已建表",
        )

    @admin.action(description="发布为开放数据集")
    def publish_open(self, request: HttpRequest, queryset: QuerySet[CatalogEntry]) -> None:
        _each(
            self,
            request,
            queryset,
            lambda e: open_data_services.dataset_publish(actor=request.user, entry=e),
            "已开放",
        )


@admin.register(SharingRequest)
class SharingRequestAdmin(ReadOnlyAdmin):
    list_display = (
        "id",
        "entry",
        "requester_department",
        "provider_department",
        "status",
        "auto_granted",
        "due_on",
        "decided_at",
    )
    list_filter = ("status", "auto_granted")
    search_fields = ("entry__name", "entry__code", "requester_department__name", "purpose")
    list_select_related = ("entry", "requester_department", "provider_department")


@admin.register(Grant)
class GrantAdmin(ReadOnlyAdmin):
    list_display = (
        "id",
        "entry",
        "department",
        "allow_clear_text",
        "valid_from",
        "valid_until",
        "revoked_at",
    )
    list_filter = ("allow_clear_text",)
    search_fields = ("entry__name", "department__name")
    list_select_related = ("entry", "department")
    actions = ("revoke",)

    @admin.action(description="撤销授权（凭证随之失效）")
    def revoke(self, request: HttpRequest, queryset: QuerySet[Grant]) -> None:
        _each(
            self,
            request,
            queryset,
            lambda g: sharing_services.grant_revoke(actor=request.user, grant=g),
            "已撤销",
        )


@admin.register(ApiCredential)
class ApiCredentialAdmin(ReadOnlyAdmin):
    list_display = (
        "client_id",
        "label",
        "grant",
        "rate_limit_per_minute",
        "expires_at",
        "revoked_at",
        "last_used_at",
    )
    search_fields = ("client_id", "label")
    exclude = ("secret_hash",)
    actions = ("revoke",)

    @admin.action(description="撤销凭证")
    def revoke(self, request: HttpRequest, queryset: QuerySet[ApiCredential]) -> None:
        _each(
            self,
            request,
            queryset,
            lambda c: sharing_services.credential_revoke(actor=request.user, credential=c),
            "已撤销",
        )


@admin.register(AccessLog)
class AccessLogAdmin(ReadOnlyAdmin):
    list_display = ("id", "at", "entry", "department", "credential", "channel", "rows_returned", "masked")
    list_filter = ("channel", "masked")
    search_fields = ("entry__code", "entry__name", "department__name", "credential__client_id")
    list_select_related = ("entry", "department", "credential")

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(RowChange)
class RowChangeAdmin(ReadOnlyAdmin):
    list_display = ("id", "entry", "row_id", "action", "actor", "source", "at")
    list_filter = ("action", "source")
    search_fields = ("entry__code",)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(QualityRule)
class QualityRuleAdmin(ReadOnlyAdmin):
    list_display = ("name", "entry", "dimension", "kind", "is_active")
    list_filter = ("dimension", "kind", "is_active")
    search_fields = ("name", "entry__name")
    actions = ("run_selected",)

    @admin.action(description="立即检测所选规则所属资源")
    def run_selected(self, request: HttpRequest, queryset: QuerySet[QualityRule]) -> None:
        entries = CatalogEntry.objects.filter(pk__in=queryset.values("entry_id"))
        try:
            run = quality.run(actor=request.user, entries=entries)
        except ApplicationError as exc:
            self.message_user(request, exc.detail, level=messages.ERROR)
            return
        self.message_user(
            request, f"质量检测 #{run.pk} 完成，共 {run.rule_count} 条规则。", level=messages.SUCCESS
        )


class QualityResultInline(admin.TabularInline):
    model = QualityResult
    extra = 0
    can_delete = False
    readonly_fields = ("rule", "entry", "dimension", "checked", "failed", "sample", "error", "duration_ms")
    fields = readonly_fields

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(QualityRun)
class QualityRunAdmin(ReadOnlyAdmin):
    list_display = ("id", "started_at", "finished_at", "rule_count", "triggered_by")
    inlines = (QualityResultInline,)


class OpenResourceInline(admin.TabularInline):
    model = OpenResource
    extra = 0
    can_delete = False
    readonly_fields = ("name", "format", "download_count")
    fields = readonly_fields

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(OpenDataset)
class OpenDatasetAdmin(ReadOnlyAdmin):
    list_display = ("name", "title", "department", "state", "download_count", "published_at")
    list_filter = ("state", "topics")
    search_fields = ("name", "title", "department__name")
    list_select_related = ("department",)
    inlines = (OpenResourceInline,)
    actions = ("unpublish",)

    @admin.action(description="下架")
    def unpublish(self, request: HttpRequest, queryset: QuerySet[OpenDataset]) -> None:
        _each(
            self,
            request,
            queryset,
            lambda d: open_data_services.dataset_unpublish(actor=request.user, dataset=d),
            "已下架",
        )


@admin.register(OpenTopic)
class OpenTopicAdmin(admin.ModelAdmin):
    list_display = ("name", "title")
    search_fields = ("name", "title")
