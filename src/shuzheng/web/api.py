"""The notification centre's JSON API: the caller's own notifications, mark one or all read."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema
from ninja.security import django_auth

from shuzheng.core import notifications
from shuzheng.core.models import Notification
from shuzheng.core.pagination import DEFAULT_LIMIT, MAX_LIMIT

router = Router(tags=["站内通知"], auth=django_auth)


class NotificationOut(Schema):
    id: int
    kind: str
    title: str
    body: str
    link: str
    created_at: datetime
    read_at: datetime | None
    read: bool


class NotificationPage(Schema):
    items: list[NotificationOut]
    next_cursor: str | None
    unread: int


class NotificationsMarkedOut(Schema):
    marked: int
    unread: int


def notification_out(notification: Notification) -> dict[str, Any]:
    return {
        "id": notification.pk,
        "kind": notification.kind,
        "title": notification.title,
        "body": notification.body,
        "link": notification.link,
        "created_at": notification.created_at,
        "read_at": notification.read_at,
        "read": notification.read_at is not None,
    }


@router.get("", response=NotificationPage, summary="我的通知（最新的在前）")
def list_notifications(
    request: HttpRequest,
    unread_only: bool = False,
    cursor: str | None = None,
    limit: int = Query(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT, description=f"每页条数，1 到 {MAX_LIMIT}"),
) -> dict[str, Any]:
    page = notifications.notification_list(
        recipient=request.user, unread_only=unread_only, cursor=cursor, limit=limit
    )
    return {
        "items": [notification_out(n) for n in page.items],
        "next_cursor": page.next_cursor,
        "unread": notifications.unread_count(recipient=request.user),
    }


@router.post("/{int:notification_id}/read", response=NotificationOut, summary="标记一条通知为已读")
def mark_read(request: HttpRequest, notification_id: int) -> dict[str, Any]:
    notification = notifications.notification_get(recipient=request.user, notification_id=notification_id)
    notifications.notification_mark_read(recipient=request.user, notification_id=notification_id)
    notification.refresh_from_db()
    return notification_out(notification)


@router.post("/read-all", response=NotificationsMarkedOut, summary="全部标记为已读")
def mark_all_read(request: HttpRequest) -> dict[str, Any]:
    marked = notifications.notification_mark_all_read(recipient=request.user)
    return {"marked": marked, "unread": notifications.unread_count(recipient=request.user)}
