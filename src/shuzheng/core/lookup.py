"""Ids in a request body → objects, or one 422 naming the field and the ids that do not exist."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TypeVar

from django.db.models import Model, QuerySet

from shuzheng.core.errors import ValidationFailed

M = TypeVar("M", bound=Model)


def resolve_or_422(queryset: QuerySet[M], pk: int | None, *, field: str, label: str) -> M:
    found = queryset.filter(pk=pk).first() if pk is not None else None
    if found is None:
        raise ValidationFailed.for_field(field, f"{label}不存在（id={pk}）")
    return found


def resolve_many_or_422(queryset: QuerySet[M], pks: Iterable[int], *, field: str, label: str) -> list[M]:
    """In the order asked; duplicates collapse."""
    wanted = list(dict.fromkeys(pks))
    found = {obj.pk: obj for obj in queryset.filter(pk__in=wanted)}
    missing = [pk for pk in wanted if pk not in found]
    if missing:
        raise ValidationFailed.for_field(field, f"{label}不存在（id={'、'.join(map(str, missing))}）")
    return [found[pk] for pk in wanted]
