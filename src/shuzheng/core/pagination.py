"""Keyset pagination: an opaque cursor holds the sort values of the last row; no OFFSET, no COUNT."""

from __future__ import annotations

import base64
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from django.db.models import Field, Model, Q, QuerySet

from shuzheng.core.errors import MalformedRequest

T = TypeVar("T", bound=Model)

DEFAULT_LIMIT = 20
MAX_LIMIT = 100


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    next_cursor: str | None

    @property
    def has_more(self) -> bool:
        return self.next_cursor is not None


def page_out(page: Page[Any]) -> dict[str, Any]:
    """A page as every list endpoint answers it (the `{items, next_cursor}` schema)."""
    return {"items": page.items, "next_cursor": page.next_cursor}


def _encode(values: list[Any]) -> str:
    raw = json.dumps(values, separators=(",", ":"), default=str).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode(cursor: str, width: int) -> list[Any]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, UnicodeDecodeError) as exc:
        raise MalformedRequest("分页游标无效，请从第一页重新开始。", code="invalid_cursor") from exc
    if not isinstance(values, list) or len(values) != width:
        raise MalformedRequest("分页游标无效，请从第一页重新开始。", code="invalid_cursor")
    return values


def _field(model: type[Model], path: str) -> Field[Any, Any]:
    """The concrete field at the end of a lookup path such as "pk", "day" or "department__name"."""
    field: Any = None
    for part in path.split("__"):
        field = model._meta.pk if part == "pk" else model._meta.get_field(part)
        if field.is_relation and field.related_model is not None:
            model = field.related_model
    if field.is_relation:  # a foreign key compares on the target's primary key
        field = field.target_field
    return field


def _typed(model: type[Model], order: Sequence[str], values: list[Any]) -> list[Any]:
    typed = []
    for spec, raw in zip(order, values, strict=True):
        try:
            value = None if raw is None else _field(model, spec.lstrip("-")).to_python(raw)
        except Exception as exc:
            raise MalformedRequest("分页游标无效，请从第一页重新开始。", code="invalid_cursor") from exc
        if value is None:  # sort fields are non-null, so a null can only come from a forged cursor
            raise MalformedRequest("分页游标无效，请从第一页重新开始。", code="invalid_cursor")
        typed.append(value)
    return typed


def _after(order: Sequence[str], values: list[Any], model: type[Model]) -> Q:
    """Rows strictly after `values` in the lexicographic order `order` (each field may be descending)."""
    typed = _typed(model, order, values)
    condition = Q()
    for i, spec in enumerate(order):
        name = spec.lstrip("-")
        step = Q(**{f"{name}__lt" if spec.startswith("-") else f"{name}__gt": typed[i]})
        for prior_spec, prior_value in zip(order[:i], typed[:i], strict=True):
            step &= Q(**{prior_spec.lstrip("-"): prior_value})
        condition |= step
    # The same rows, plus a bound on the leading sort field that an index can seek to (PostgreSQL uses
    # only the AND-ed range as an index condition; the OR alone makes it scan from the start).
    first = order[0]
    lead = Q(**{f"{first.lstrip('-')}__lte" if first.startswith("-") else f"{first}__gte": typed[0]})
    return lead & condition


def check_limit(limit: int) -> None:
    """A page size `keyset_page` accepts, or MalformedRequest."""
    if not 1 <= limit <= MAX_LIMIT:
        raise MalformedRequest(f"每页条数应在 1 到 {MAX_LIMIT} 之间。", code="invalid_limit")


def cursor_values(model: type[Model], order: Sequence[str], cursor: str) -> list[Any]:
    """The typed sort values a `keyset_page` cursor holds, or MalformedRequest (for a selector that pages
    with its own SQL and must accept and give the same cursors)."""
    return _typed(model, order, _decode(cursor, len(order)))


def cursor_after(values: list[Any]) -> str:
    """The cursor `keyset_page` gives after a row whose sort values are `values` (datetimes as ISO text)."""
    return _encode([value.isoformat() if hasattr(value, "isoformat") else value for value in values])


def keyset_page(
    queryset: QuerySet[T],
    *,
    order: Sequence[str],
    cursor: str | None = None,
    limit: int = DEFAULT_LIMIT,
) -> Page[T]:
    """`order` must end in a unique field (usually "-id") so the cursor is unambiguous; sort fields must be
    non-null (NULLs have no place in a keyset order)."""
    check_limit(limit)
    queryset = queryset.order_by(*order)
    if cursor:
        queryset = queryset.filter(_after(order, _decode(cursor, len(order)), queryset.model))
    rows = list(queryset[: limit + 1])
    items = rows[:limit]
    next_cursor = None
    if len(rows) > limit:
        last = items[-1]
        next_cursor = _encode([_value(last, spec.lstrip("-")) for spec in order])
    return Page(items=items, next_cursor=next_cursor)


def _value(obj: Model, path: str) -> Any:
    value: Any = obj
    for part in path.split("__"):
        value = getattr(value, part)
    if isinstance(value, Model):  # a foreign key at the end of the path sorts by the target's key
        value = value.pk
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value
