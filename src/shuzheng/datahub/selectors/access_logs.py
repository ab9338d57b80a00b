"""Access logs: "who accessed my data" per entry and per providing department (``datahub.view_accesslog``
over it), and per person (that permission with scope all)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final

from django.db.models import QuerySet, prefetch_related_objects

from shuzheng.core.crypto import blind_index
from shuzheng.core.errors import PermissionDenied
from shuzheng.core.pagination import DEFAULT_LIMIT, Page, keyset_page
from shuzheng.core.validators import validate_id_number
from shuzheng.datahub.models import (
    AccessLog,
    CatalogEntry,
)
from shuzheng.datahub.selectors.scope import require_staff
from shuzheng.identity.scopes import data_scope_for

if TYPE_CHECKING:
    from shuzheng.orgs.models import Department

LOG_ORDER: Final = ("-id",)

PERM_VIEW_LOG: Final = "datahub.view_accesslog"

# --- access logs ---------------------------------------------------------------------------------------


def access_log_for_entry(
    *, user: Any, entry: CatalogEntry, cursor: str | None = None, limit: int = DEFAULT_LIMIT
) -> Page[AccessLog]:
    """Who accessed my data: reads of one entry, newest first (its providing department's view)."""
    require_staff(user)
    if not user.has_perm(PERM_VIEW_LOG) or not data_scope_for(user, PERM_VIEW_LOG).covers_department(
        entry.department
    ):
        raise PermissionDenied("只有提供部门和数据管理员可以查看该资源的访问日志")
    return _log_page(AccessLog.objects.filter(entry=entry), cursor=cursor, limit=limit)


def access_log_for_person(
    *, user: Any, id_number: str, cursor: str | None = None, limit: int = DEFAULT_LIMIT
) -> Page[AccessLog]:
    """Which departments read the record of this ID number (privacy requests), newest first. Looked up by
    the blind index: the log never holds the clear number."""
    require_staff(user)
    if not user.has_perm(PERM_VIEW_LOG) or not data_scope_for(user, PERM_VIEW_LOG).is_all:
        raise PermissionDenied("只有数据管理员（全部数据范围）可以按身份证号查询访问记录")
    number = validate_id_number(id_number, field="id_number")
    key = blind_index(number)
    return _log_page(AccessLog.objects.filter(subjects__key_index=key), cursor=cursor, limit=limit)


def access_log_for_provider(
    *, user: Any, department: Department, cursor: str | None = None, limit: int = DEFAULT_LIMIT
) -> Page[AccessLog]:
    """Who accessed my data, across every entry a providing department owns, newest first."""
    require_staff(user)
    if not user.has_perm(PERM_VIEW_LOG) or not data_scope_for(user, PERM_VIEW_LOG).covers_department(
        department
    ):
        raise PermissionDenied("只有提供部门和数据管理员可以查看访问日志")
    return _log_page(AccessLog.objects.filter(entry__department=department), cursor=cursor, limit=limit)


LOOKUP_LABELS: Final = {"": "＝", "gte": "≥", "lte": "≤", "in": "属于", "contains": "包含"}


def _log_page(qs: QuerySet[AccessLog], *, cursor: str | None, limit: int) -> Page[AccessLog]:
    """A page of the access log as people read it: who was behind a credential, and fields and query
    conditions by their Chinese labels (``field_labels``, ``filter_labels``), never column names."""
    qs = qs.select_related("department", "entry", "credential__created_by", "user")
    page = keyset_page(qs, order=LOG_ORDER, cursor=cursor, limit=limit)
    prefetch_related_objects([log.entry for log in page.items], "items")
    for log in page.items:
        labels = {i.name: i.label for i in log.entry.items.all()}
        log.person = log.user or (log.credential.created_by if log.credential else None)  # type: ignore[attr-defined]
        log.field_labels = [labels.get(f, f) for f in log.fields]  # type: ignore[attr-defined]
        log.filter_labels = [_filter_label(labels, k, v) for k, v in log.filters.items()]  # type: ignore[attr-defined]
    return page


def _filter_label(labels: dict[str, str], param: str, value: Any) -> str:
    if param == "sort":
        text = str(value)
        return (
            f"按{labels.get(text.lstrip('-'), text.lstrip('-'))}{'倒序' if text.startswith('-') else ''}排序"
        )
    name, _, lookup = param.partition("__")
    return f"{labels.get(name, name)} {LOOKUP_LABELS.get(lookup, lookup)} {value}"
