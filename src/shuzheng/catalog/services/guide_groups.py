"""Life events and topics (人生事件、主题服务) that group guides."""

from __future__ import annotations

from django.db import transaction

from shuzheng.catalog.constants import ApplicantType, GuideGroupKind
from shuzheng.catalog.models import GuideGroup
from shuzheng.catalog.services.cleaning import clean_choice, clean_text
from shuzheng.core import audit
from shuzheng.core.actors import SystemActor
from shuzheng.core.errors import PermissionDenied
from shuzheng.core.field_errors import FieldErrors
from shuzheng.identity.actors import Actor


@transaction.atomic
def guide_group_save(
    *, actor: Actor, code: str, name: str, kind: str, audience: str, position: int = 0
) -> GuideGroup:
    """Create or update a life event / topic by code; audited when something changed."""
    if not isinstance(actor, SystemActor) and not actor.has_perm("catalog.change_guidegroup"):
        raise PermissionDenied("没有维护主题分类的权限（catalog.change_guidegroup）。")
    errs = FieldErrors()
    code = clean_text(code)
    name = clean_text(name)
    if not code or len(code) > 32:
        errs.add("code", "编码不能为空且不超过32位")
    if not name or len(name) > 64:
        errs.add("name", "名称不能为空且不超过64个字")
    kind_value = clean_choice(errs, "kind", "类型", kind, GuideGroupKind)
    audience_value = clean_choice(errs, "audience", "服务对象", audience, ApplicantType)
    errs.raise_if_any()
    values = {"name": name, "kind": kind_value, "audience": audience_value, "position": position}
    group = GuideGroup.objects.filter(code=code).first()
    if group is not None and all(getattr(group, k) == v for k, v in values.items()):
        return group
    before = None if group is None else {"name": group.name, "kind": group.kind, "audience": group.audience}
    if group is None:
        group = GuideGroup.objects.create(code=code, **values)
    else:
        for k, v in values.items():
            setattr(group, k, v)
        group.save()
    audit.record(actor=actor, action="catalog.guide_group.save", subject=group, before=before, after=values)
    return group
