"""Read-only back office for the audit log: nobody, superusers included, can add, change or delete here."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from shuzheng.identity.audit_selectors import audit_event_queryset
from shuzheng.identity.models import AuditArchive, AuditEvent


class ReadOnlyAdmin(admin.ModelAdmin):
    # The paginator's filtered count is enough; no second COUNT(*) over the whole table.
    show_full_result_count = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [f.name for f in self.model._meta.fields]


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = (
        "seq",
        "occurred_at",
        "actor_label",
        "role",
        "channel",
        "action",
        "subject_type",
        "subject_id",
        "sealed_as",
    )
    list_display_links = ("seq",)
    list_filter = ("action", "channel", ("occurred_at", admin.DateFieldListFilter))
    search_fields = ("=subject_id", "^actor_label")
    search_help_text = "按对象标识（精确）或操作人账号（前缀）搜索"
    ordering = ("-seq",)

    def get_queryset(self, request: HttpRequest) -> QuerySet[AuditEvent]:
        """Only the events in the viewer's data scope, exactly as the API shows them."""
        return audit_event_queryset(user=request.user).select_related("leaf")

    @admin.display(description="封存")
    def sealed_as(self, obj: AuditEvent) -> str:
        leaf = getattr(obj, "leaf", None)
        return f"叶子 #{leaf.index}" if leaf is not None else "待封存"


@admin.register(AuditArchive)
class AuditArchiveAdmin(ReadOnlyAdmin):
    list_display = ("tree_size", "first_leaf", "event_count", "created_at", "file_name", "file_sm3")
    ordering = ("-tree_size",)
