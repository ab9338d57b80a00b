"""Enping's service catalog as demo data: about 220 items of 28 city departments and the 12 towns, on
three levels, in the style of Guangdong's implementation lists (实施清单).

Generated from compact tables, not hand-written blocks: one line per city item (department, name, type,
audience, statutory and promised limits, on-site visits, 四办 modes, flags, life events / topics,
keywords, materials, legal basis, fees); town-level and village-level items are repeated for each
town's 公共服务办 / 农业办. From each line come the conditions (by item type, or a written text for the
high-frequency items), the application form (a JSON Schema with Chinese titles), the materials
(government-issued ones with a known electronic licence type are exempt, 四免), 1–3 workflow steps
acted on by the roles ``case_acceptor`` / ``case_reviewer`` / ``case_approver`` (created by the cases
demo), channels and exemptions (every high-frequency item has all four — plan indicator 3).

``load()`` is idempotent: items are keyed by 实施编码 and only missing ones are created (through the
services, so every item is validated, published, indexed for search and audited). It needs the orgs
demo (departments by code) and gives the identity demo's ``zwsj_admin`` the 事项管理员 role.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Final

from django.db import transaction

from shuzheng.catalog.constants import EDIT_PERM, PUBLISH_PERM, VIEW_PERM, VersionStatus
from shuzheng.catalog.demo.items import ItemSpec, fields_for, item_specs
from shuzheng.catalog.demo.tables import GROUPS
from shuzheng.catalog.models import ServiceItem
from shuzheng.catalog.services import bulk, guide_groups, versions
from shuzheng.core.actors import SYSTEM
from shuzheng.core.errors import ApplicationError
from shuzheng.identity import selectors as identity_selectors
from shuzheng.identity.constants import DataScopeKind
from shuzheng.identity.services import roles as role_services
from shuzheng.orgs import selectors as orgs_selectors

Progress = Callable[[str, int, int], None]

CATALOG_ROLE: Final = ("catalog_admin", "事项管理员", "维护政务服务事项实施清单：编辑草稿、发布和废止版本。")
CATALOG_ROLE_USER: Final = "zwsj_admin"


def ensure_groups() -> int:
    for position, (code, name, kind, audience) in enumerate(GROUPS):
        guide_groups.guide_group_save(
            actor=SYSTEM, code=code, name=name, kind=kind, audience=audience, position=position
        )
    return len(GROUPS)


def _ensure_role() -> None:
    code, name, description = CATALOG_ROLE
    role = role_services.role_ensure(
        actor=SYSTEM,
        code=code,
        name=name,
        description=description,
        permissions=[
            VIEW_PERM,
            EDIT_PERM,
            PUBLISH_PERM,
            "catalog.view_serviceitem",
            "catalog.view_guidegroup",
            "catalog.change_guidegroup",
        ],
    )
    user = identity_selectors.user_by_username(CATALOG_ROLE_USER)
    if user is not None and all(a.role_id != role.pk for a in identity_selectors.user_assignments(user=user)):
        role_services.role_assign(actor=SYSTEM, user=user, role=role, scope=DataScopeKind.ALL)


def load(progress: Progress | None = None) -> dict[str, int]:
    """Load Enping's demo catalog; idempotent. Returns ``items`` (demo items that exist), ``live_items``,
    ``item_departments``, ``guide_groups`` and ``created`` (items this run added).

    Missing items are validated and published in bulk (one audit event for the batch).
    ``progress(label, done, total)`` is called after every 500 items.
    """
    specs = item_specs()
    with transaction.atomic():
        groups = ensure_groups()
        departments = set(orgs_selectors.departments_by_code(list({s.department for s in specs})))
        missing = sorted({s.department for s in specs} - departments)
        if missing:
            raise ApplicationError(
                f"缺少演示部门（{'、'.join(missing[:5])}…），请先载入组织机构演示数据。",
                code="demo_needs_orgs",
            )
        existing = set(
            ServiceItem.objects.filter(code__in=[s.code for s in specs]).values_list("code", flat=True)
        )
        missing_specs = [s for s in specs if s.code not in existing]
        total = len(missing_specs)

        def step(done: int, _total: int) -> None:
            if progress is not None:
                progress("政务服务事项", done, total)

        created = len(
            bulk.items_bulk_publish(
                actor=SYSTEM, items=[(s.code, fields_for(s)) for s in missing_specs], progress=step
            )
        )
        _pending_draft(specs)
        _ensure_role()
    items = ServiceItem.objects.filter(code__in=[s.code for s in specs])
    return {
        "items": items.count(),
        "live_items": items.filter(live_version__isnull=False).count(),
        "item_departments": items.values("department").distinct().count(),
        "guide_groups": groups,
        "created": created,
    }


def _pending_draft(specs: list[ItemSpec]) -> None:
    """One item with a draft under review, to show that a draft does not disturb the live version."""
    spec = next(s for s in specs if s.name == "食品经营许可")
    item = ServiceItem.objects.select_related("live_version").get(code=spec.code)
    if item.live_version is None or item.versions.filter(status=VersionStatus.DRAFT).exists():
        return
    if item.versions.count() > 1:
        return  # the demo draft was published or discarded by someone: leave it so
    draft = versions.version_draft_from(actor=SYSTEM, version=item.live_version)
    versions.version_update(
        actor=SYSTEM,
        version=draft,
        fields={
            "promised_limit_days": 3,
            "steps": [
                {"name": "受理", "role_code": "case_acceptor", "time_limit_days": 1},
                {"name": "审查决定", "role_code": "case_approver", "time_limit_days": 2},
            ],
            "keywords": f"{spec.keywords} 告知承诺",
        },
    )
