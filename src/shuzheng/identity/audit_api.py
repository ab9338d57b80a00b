"""/api/v1/audit/...: read-only access to the audit log for auditors. There is no write endpoint."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.security import django_auth

from shuzheng.core.pagination import DEFAULT_LIMIT
from shuzheng.core.schemas import PageLimit
from shuzheng.identity.audit_selectors import AuditEventFilters, audit_event_get, audit_event_list
from shuzheng.identity.models import AuditEvent, AuditLeaf

router = Router(tags=["审计"], auth=django_auth)


class AuditEventOut(Schema):
    seq: int
    occurred_at: datetime
    actor_id: int | None
    actor_label: str = Field(description="操作人账号；system 为系统，anonymous 为未登录")
    actor_department_id: int | None
    role: str
    channel: str
    action: str
    subject_type: str
    subject_id: str
    before: Any = Field(None, description="变更前快照，按原样存储")
    after: Any = Field(None, description="变更后快照，按原样存储")
    ip: str | None
    request_id: str


class AuditEventDetailOut(AuditEventOut):
    leaf_index: int | None = Field(None, description="封存后在审计 Merkle 树中的叶子序号；未封存为空")
    leaf_hash: str | None = Field(None, description="叶子哈希 SM3(0x00 || 规范字节)，十六进制")


class AuditEventPage(Schema):
    items: list[AuditEventOut]
    next_cursor: str | None


class AuditEventQuery(Schema):
    action: str | None = Field(None, max_length=64, description="操作前缀，如 cases.case")
    actor: str | None = Field(None, max_length=128, description="操作人账号")
    subject_type: str | None = Field(None, max_length=64)
    subject_id: str | None = Field(None, max_length=64)
    date_from: date | None = Field(None, description="起始日期（含），YYYY-MM-DD")
    date_to: date | None = Field(None, description="结束日期（含），YYYY-MM-DD")

    def to_filters(self) -> AuditEventFilters:
        return AuditEventFilters(
            action=self.action or "",
            actor=self.actor or "",
            subject_type=self.subject_type or "",
            subject_id=self.subject_id or "",
            date_from=self.date_from,
            date_to=self.date_to,
        )


def _caller(request: HttpRequest) -> Any:
    return getattr(request, "auth", None)


def event_out(event: AuditEvent) -> dict[str, Any]:
    return {
        "seq": event.seq,
        "occurred_at": event.occurred_at,
        "actor_id": event.actor_id,
        "actor_label": event.actor_label,
        "actor_department_id": event.actor_department_id,
        "role": event.role,
        "channel": event.channel,
        "action": event.action,
        "subject_type": event.subject_type,
        "subject_id": event.subject_id,
        "before": event.before,
        "after": event.after,
        "ip": event.ip,
        "request_id": event.request_id,
    }


@router.get("/events", response=AuditEventPage, summary="审计事件列表（按数据范围，新的在前）")
def events_list(
    request: HttpRequest,
    query: Query[AuditEventQuery],
    cursor: str | None = None,
    limit: PageLimit = DEFAULT_LIMIT,
) -> dict[str, Any]:
    page = audit_event_list(user=_caller(request), filters=query.to_filters(), cursor=cursor, limit=limit)
    return {"items": [event_out(e) for e in page.items], "next_cursor": page.next_cursor}


@router.get("/events/{seq}", response=AuditEventDetailOut, summary="审计事件详情（含封存的叶子）")
def event_detail(request: HttpRequest, seq: int) -> dict[str, Any]:
    event = audit_event_get(user=_caller(request), seq=seq)
    leaf = AuditLeaf.objects.filter(event_id=event.seq).values_list("index", "hash").first()
    return {
        **event_out(event),
        "leaf_index": leaf[0] if leaf else None,
        "leaf_hash": leaf[1] if leaf else None,
    }
