"""Helpers shared by the appeals pages (portal, grid, rule test, knowledge base, workbench).

- page plumbing: application errors as Chinese pages (``renders_application_errors``), the staff-only
  and logged-in decorators;
- ``ServiceErrorsForm``: a form that shows a service's ValidationFailed next to the fields it names;
- ``PhotosField``: several photos in one input, each checked by its content (JPEG, PNG, WebP, GIF) and
  size before anything is written;
- choices for the location (towns and villages of the city) and the category pickers.

Only parsing and presentation here: the rules stay in the services.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import filetype
from django import forms
from django.conf import settings

from shuzheng.appeals.constants import AppealChannel, AppealType, Urgency
from shuzheng.appeals.selectors import appeals as appeal_selectors
from shuzheng.appeals.selectors import dispatch as dispatch_selectors

V = TypeVar("V", bound=Callable[..., Any])

#: the content types a photo may have (by its first bytes, not its name)
PHOTO_TYPES = frozenset({"image/jpeg", "image/png", "image/webp", "image/gif"})
MAX_PHOTOS = 6


# --- page plumbing -----------------------------------------------------------------------------------


# --- forms ---------------------------------------------------------------------------------------------


def publish_consent_field(label: str = "同意公开诉求内容") -> forms.BooleanField:
    """The reporter's consent to publishing the text on public surfaces (Open311); default no."""
    return forms.BooleanField(
        label=label,
        required=False,
        initial=False,
        help_text="勾选后，诉求内容（姓名、电话、证件号自动隐去）和大致地点可在公开接口查询；"
        "不勾选则只公开分类、所在镇街和办理状态",
    )


@dataclass(frozen=True)
class Photo:
    name: str
    content: bytes
    content_type: str


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class PhotosField(forms.FileField):
    """Zero or more photos from one ``<input type=file multiple>``; cleaned to a list of ``Photo``.

    Each file is read (at most the size limit + 1 byte) and its type decided by its content; a file that
    is not a photo, too big or empty is refused with a Chinese message naming it.
    """

    widget = MultipleFileInput(attrs={"accept": "image/jpeg,image/png,image/webp,image/gif"})

    def __init__(self, *args: Any, max_count: int = MAX_PHOTOS, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        self.max_count = max_count
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[Photo]:
        files = [f for f in (data if isinstance(data, list | tuple) else [data]) if f]
        if not files:
            if self.required:
                raise forms.ValidationError(f"请上传{self.label}")
            return []
        if len(files) > self.max_count:
            raise forms.ValidationError(f"{self.label}最多{self.max_count}张（当前{len(files)}张）")
        limit = settings.SHUZHENG_APPEAL_MAX_PHOTO_BYTES
        photos: list[Photo] = []
        problems: list[str] = []
        for upload in files:
            name = str(getattr(upload, "name", "") or "照片")[:255]
            content = _read(upload, limit)
            kind = filetype.guess(content[:8192]) if content else None
            if not content:
                problems.append(f"“{name}”是空文件")
            elif len(content) > limit:
                problems.append(f"“{name}”超过{limit // 1024}KB")
            elif kind is None or kind.mime not in PHOTO_TYPES:
                problems.append(f"“{name}”不是照片（只接受 JPEG、PNG、WebP、GIF，按文件内容判断）")
            else:
                photos.append(Photo(name=name, content=content, content_type=kind.mime))
        if problems:
            raise forms.ValidationError("；".join(problems))
        return photos


def _read(upload: Any, limit: int) -> bytes:
    if hasattr(upload, "seek"):
        upload.seek(0)
    buffer = bytearray()
    for chunk in upload.chunks():
        buffer += chunk
        if len(buffer) > limit:
            break
    return bytes(buffer)


def photos_payload(photos: list[Photo]) -> list[tuple[str, bytes]]:
    """(name, content) pairs as the services take them."""
    return [(p.name, p.content) for p in photos]


# --- choices -------------------------------------------------------------------------------------------


def division_choices(*, blank: str = "请选择镇街或村（社区）") -> list[Any]:
    """The city's towns and villages, grouped by town (values are division codes)."""
    groups: list[Any] = [("", blank)]
    for town, villages in appeal_selectors.intake_divisions():
        options = [(town.code, f"{town.name}（全镇/街道）")]
        options += [(v.code, v.name) for v in villages]
        groups.append((town.name, options))
    return groups


def category_choices(*, blank: str = "不清楚（由系统或工作人员判断）") -> list[Any]:
    """Active categories grouped under their top level (values are category codes)."""
    groups: list[Any] = [("", blank)]
    categories = dispatch_selectors.category_list()
    top = [c for c in categories if c.parent_id is None]
    children: dict[int, list[Any]] = {}
    for c in categories:
        if c.parent_id is not None:
            children.setdefault(c.parent_id, []).append(c)
    for parent in top:
        kids = children.get(parent.pk, [])
        if kids:
            groups.append((parent.name, [(c.code, c.name) for c in kids]))
        else:
            groups.append((parent.code, parent.name))
    return groups


def appeal_type_choices(*, exclude: tuple[str, ...] = ()) -> list[tuple[str, str]]:
    return [(value, label) for value, label in AppealType.choices if value not in exclude]


def channel_choices(*, blank: str | None = None) -> list[tuple[str, str]]:
    head = [("", blank)] if blank is not None else []
    return head + list(AppealChannel.choices)


def urgency_choices() -> list[tuple[str, str]]:
    return list(Urgency.choices)
