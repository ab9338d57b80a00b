"""一件事 demo data: 27 bundles over the demo catalog's items (life events and enterprise stages), a role
to manage them for the identity demo's ``zwsj_admin``, and one application by ``citizen01``.

Idempotent: bundles are keyed by code, only missing ones are created and published (through the services,
so each is checked like a bundle staff would publish). The shared fields and mappings are derived from the
items' forms: a field several items ask (phone, reason, address …) is asked once.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Final

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction

from shuzheng.bundles import selectors
from shuzheng.bundles.constants import EDIT_PERM, PUBLISH_PERM, VIEW_PERM
from shuzheng.bundles.demo.definitions import SHARED_CANDIDATES, parse
from shuzheng.bundles.models import Bundle, BundleApplication
from shuzheng.bundles.services import applications, versions
from shuzheng.cases.demo.files import blank_pdf
from shuzheng.cases.services.uploads import material_upload
from shuzheng.catalog import selectors as catalog_selectors
from shuzheng.core.actors import SYSTEM
from shuzheng.core.errors import ApplicationError
from shuzheng.identity import selectors as identity_selectors
from shuzheng.identity.constants import DataScopeKind
from shuzheng.identity.services import roles as role_services

Progress = Callable[[str, int, int], None]

#: 免填写 in the demo: the phone number comes from the account. (The demo's base registries mask the
#: fields these forms ask, so no demo field is read from them; the tests read one.)
SOURCES: Final[dict[str, dict[str, str]]] = {"phone": {"kind": "account", "item": "mobile"}}
ROLE: Final = ("bundle_admin", "一件事管理员", "维护“一件事”主题：编辑草稿、发布和废止版本。")
ROLE_USER: Final = "zwsj_admin"
DEMO_APPLICANT: Final = "citizen01"
DEMO_BUNDLE: Final = "tuixiu"


def member_fields(versions_: list[Any]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(shared fields, members) for items whose live versions are `versions_`: a candidate field any item
    asks is shared (required when any item requires it); every other field an item asks is its own."""
    shared: list[dict[str, Any]] = []
    for name, schema in SHARED_CANDIDATES.items():
        users = [v for v in versions_ if name in ((v.form_schema or {}).get("properties") or {})]
        if users:
            required = any(name in ((v.form_schema or {}).get("required") or []) for v in users)
            spec: dict[str, Any] = {"name": name, "schema": dict(schema), "required": required}
            if name in SOURCES:
                spec["source"] = SOURCES[name]
            shared.append(spec)
    names = {f["name"] for f in shared}
    members = []
    for version in versions_:
        props = (version.form_schema or {}).get("properties") or {}
        mapping = {p: p for p in props if p in names}
        own = [p for p, spec in props.items() if p not in names and "x-applicant" not in spec]
        members.append({"item_code": version.code, "mapping": mapping, "own_fields": own})
    return shared, members


def _live_by_name(name: str) -> Any:
    version = catalog_selectors.guide_queryset().filter(name=name).order_by("code").first()
    if version is None:
        raise ApplicationError(f"演示事项“{name}”不存在，请先载入事项演示数据。", code="demo_needs_catalog")
    return version


def ensure_bundle(row: dict[str, Any]) -> bool:
    """Create and publish one demo bundle unless it exists; True when created."""
    if Bundle.objects.filter(code=row["code"]).exists():
        return False
    lives = [_live_by_name(name) for name, _ in row["members"]]
    shared, members = member_fields(lives)
    for member, (_, waits) in zip(members, row["members"], strict=True):
        member["waits_for"] = waits
    draft = versions.bundle_create(
        actor=SYSTEM,
        code=row["code"],
        fields={
            "name": row["name"],
            "audience": row["audience"],
            "theme": row["theme"],
            "refusal_rule": row["refusal_rule"],
            "keywords": row["keywords"],
            "summary": f"{row['name']}：一次申请，{len(lives)}个事项由各部门同步或依次办理，结果统一告知。",
            "lead_department": lives[0].department,
            "shared_fields": shared,
            "members": members,
        },
    )
    versions.version_publish(actor=SYSTEM, version=draft)
    return True


def _ensure_role() -> None:
    code, name, description = ROLE
    role = role_services.role_ensure(
        actor=SYSTEM,
        code=code,
        name=name,
        description=description,
        permissions=[VIEW_PERM, EDIT_PERM, PUBLISH_PERM],
    )
    user = identity_selectors.user_by_username(ROLE_USER)
    if user is not None and all(a.role_id != role.pk for a in identity_selectors.user_assignments(user=user)):
        role_services.role_assign(actor=SYSTEM, user=user, role=role, scope=DataScopeKind.ALL)


def _demo_application() -> int:
    """One application of the retirement bundle by the demo citizen, so the status page has something."""
    user = identity_selectors.user_by_username(DEMO_APPLICANT)
    if user is None:
        return 0
    if BundleApplication.objects.filter(applicant=user, idempotency_key="demo-tuixiu").exists():
        return 1
    guide = selectors.guide(selectors.live_version(DEMO_BUNDLE))
    answers = []
    for entry in guide.materials:
        if entry.exempt or not entry.required:
            continue
        upload = material_upload(actor=user, file=SimpleUploadedFile(f"{entry.name}.pdf", blank_pdf()))
        answers.append({"key": entry.key, "upload_id": upload.pk})
    applications.bundle_apply(
        actor=user,
        code=DEMO_BUNDLE,
        shared={
            "reason": "本人达到退休年龄，一并办理养老待遇和公积金提取",
            "bank_account": "6222020200112233446",
        },
        own={},
        materials=answers,
        idempotency_key="demo-tuixiu",
    )
    return 1


def load(progress: Progress | None = None) -> dict[str, int]:
    """Create the 一件事 demo data; returns counts of what exists."""
    rows = parse()
    created = 0
    with transaction.atomic():
        for done, row in enumerate(rows, 1):
            created += ensure_bundle(row)
            if progress is not None:
                progress("一件事主题", done, len(rows))
        _ensure_role()
        demo_applications = _demo_application()
    return {
        "bundles": Bundle.objects.filter(code__in=[r["code"] for r in rows]).count(),
        "published_bundles": selectors.published_bundle_count(),
        "created": created,
        "applications": demo_applications,
    }
