"""电子证照与电子印章 demo data for the demo city (idempotent).

- roles 印章管理员 (``seal_admin``, the city's seal administrator, scope all) and 证照管理员 (given to the
  staff of each issuing department, department scope);
- an official seal for every city department and town government (town offices left without one, so
  indicator 19 is not a trivial 100 %), and a 受理专用章 for the city hall;
- 13 licence types tied to the catalog items that produce them, default decision templates;
- licences held by the demo citizens (citizen01–20) and the enterprise agents' enterprises, one revoked
  and one changed (变更); their use (用证) recorded on the demo cases of those holders.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from typing import Any, Final

from django.db import transaction

from shuzheng.cases import selectors as cases_selectors
from shuzheng.catalog import selectors as catalog_selectors
from shuzheng.core.actors import SYSTEM
from shuzheng.core.crypto import blind_index
from shuzheng.core.errors import ApplicationError
from shuzheng.core.validators import generate_uscc
from shuzheng.identity import selectors as identity_selectors
from shuzheng.identity.constants import DataScopeKind
from shuzheng.identity.demo import DEPARTMENTS, ensure_staff_account
from shuzheng.identity.services import roles as role_services
from shuzheng.licences import selectors
from shuzheng.licences.constants import SealKind, SealStatus
from shuzheng.licences.demo.tables import ADDRESSES, TYPES
from shuzheng.licences.models import DecisionTemplate, Licence, LicenceType, LicenceUse, Seal
from shuzheng.licences.services import casework, licences, seals
from shuzheng.licences.services.decisions import DEFAULT_BODIES
from shuzheng.orgs import selectors as orgs_selectors

Progress = Callable[[str, int, int], None]

REGION: Final = "440785"
SEALED: Final = re.compile(r"^EP(\d{3}(-\d{2})?|\d{9})$")  # city departments, their units, town governments
ROLES: Final = (
    (
        "seal_admin",
        "印章管理员",
        "制发、暂停、恢复、吊销电子印章，查看用章记录。",
        ("licences.manage_seal", "licences.view_seal"),
    ),
    (
        "licence_officer",
        "证照管理员",
        "本部门电子证照的颁发、变更、注销和查询。",
        ("licences.issue_licence", "licences.revoke_licence", "licences.view_licence"),
    ),
)
CITIZENS: Final = 20
AGENTS: Final = ("agent01", "agent02", "agent03")


def _organisation_code(department: Any) -> str:
    if department.uscc:
        return str(department.uscc)
    return generate_uscc(
        REGION, int(re.sub(r"\D", "", department.code)) % 100_000_000, authority="1", entity_type="1"
    )


def _roles_and_accounts() -> int:
    made = {
        code: role_services.role_ensure(
            actor=SYSTEM, code=code, name=name, description=text, permissions=list(perms)
        )
        for code, name, text, perms in ROLES
    }
    city = orgs_selectors.department_by_code("EP001")
    if city is None:
        return 0
    ensure_staff_account(
        username="seal_admin",
        full_name="梁印章",
        department=city,
        role=made["seal_admin"],
        scope=DataScopeKind.ALL,
    )
    issuing = {spec[2] for spec in TYPES}
    count = 1
    for prefix, code, _short in DEPARTMENTS:
        department = orgs_selectors.department_by_code(code)
        if code in issuing and department is not None and identity_selectors.user_by_username(f"{prefix}01"):
            ensure_staff_account(
                username=f"{prefix}01",
                full_name="",
                department=department,
                role=made["licence_officer"],
                scope=DataScopeKind.DEPARTMENT,
            )
            count += 1
    return count


def _seals() -> int:
    departments = [d for d in selectors.government_departments().order_by("code") if SEALED.match(d.code)]
    for department in departments:
        if Seal.objects.filter(
            department=department, kind=SealKind.OFFICIAL, status=SealStatus.ACTIVE
        ).exists():
            continue
        seals.seal_issue(
            actor=SYSTEM, department=department, organisation_code=_organisation_code(department)
        )
    city = orgs_selectors.department_by_code("EP001")
    halls = orgs_selectors.hall_list(level="city", limit=1).items
    if (
        city is not None
        and halls
        and not Seal.objects.filter(kind=SealKind.ACCEPTANCE, hall=halls[0]).exists()
    ):
        seals.seal_issue(
            actor=SYSTEM,
            department=city,
            kind=SealKind.ACCEPTANCE,
            hall=halls[0],
            organisation_code=_organisation_code(city),
        )
    return Seal.objects.count()


def _types() -> dict[str, LicenceType]:
    items = {v.name: v.item_id for v in catalog_selectors.guide_queryset()}
    made: dict[str, LicenceType] = {}
    for n, (name, label, department_code, holder, years, fields, item_names) in enumerate(TYPES):
        department = orgs_selectors.department_by_code(department_code)
        if department is None:
            continue
        code = generate_uscc("110000", 1000 + n, authority="1", entity_type="1") + f"{n + 1:03d}"
        licence_type, _ = LicenceType.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "material_label": label,
                "department": department,
                "holder_kind": holder,
                "fields": [{"key": key, "label": text} for key, text in fields],
                "validity_years": years,
            },
        )
        licence_type.items.add(*[items[i] for i in item_names if i in items])
        made[name] = licence_type
    for kind, body in DEFAULT_BODIES.items():
        DecisionTemplate.objects.get_or_create(item=None, kind=kind, defaults={"body": body})
    return made


def _face(licence_type: LicenceType, n: int, holder: str) -> dict[str, str]:
    address = f"恩平市{ADDRESSES[n % len(ADDRESSES)]}{n + 1}号"
    values = {
        "trade_name": f"恩平市{holder}小食店（演示）",
        "address": address,
        "location": address,
        "scope": "预包装食品、散装食品销售",
        "form": "个人经营",
        "operator": holder,
        "subject": "食品销售经营者",
        "items": "预包装食品销售（含冷藏冷冻食品）",
        "unit": f"440785{n:06d}GB00001F0001",
        "use": "住宅",
        "area": f"{80 + n * 3}平方米",
        "right": "市场化商品房",
        "household": holder,
        "relation": "户主",
        "spouse": "（演示）",
        "class": "C1",
        "category": "肢体残疾",
        "grade": "四级",
        "type": "有限责任公司（自然人投资或控股）",
        "representative": holder,
        "capital": f"{(n + 1) * 50}万元人民币",
        "industry": "电声设备制造",
    }
    known = {f["key"] for f in licence_type.fields}
    return {k: v for k, v in values.items() if k in known}


def _hold(licence_type: LicenceType, *, name: str, code: str, user: Any, n: int) -> Licence | None:
    """Issue unless the holder already has one of this type (idempotent)."""
    if Licence.objects.filter(licence_type=licence_type, holder_code_index=blind_index(code)).exists():
        return None
    try:
        return licences.licence_issue(
            actor=SYSTEM,
            licence_type=licence_type,
            holder_name=name,
            holder_code=code,
            holder_user=user,
            data=_face(licence_type, n, name),
        )
    except ApplicationError:
        return None


def _holdings(types: dict[str, LicenceType]) -> None:
    users = identity_selectors.users_by_username(
        {f"citizen{n:02d}" for n in range(1, CITIZENS + 1)} | set(AGENTS)
    )
    personal = (
        ("居民户口簿", lambda n: True),
        ("不动产权证书", lambda n: n % 2 == 0),
        ("结婚证", lambda n: n % 3 == 0),
        ("出生医学证明", lambda n: n % 4 == 1),
        ("机动车驾驶证", lambda n: n % 3 == 1),
        ("残疾人证", lambda n: n in (5, 13)),
        ("营业执照（个体工商户）", lambda n: n in (1, 7, 11)),
    )
    for n in range(1, CITIZENS + 1):
        user = users.get(f"citizen{n:02d}")
        if user is None or not user.id_number:
            continue
        for name, wanted in personal:
            if name in types and wanted(n):
                _hold(types[name], name=user.full_name, code=user.id_number, user=user, n=n)
    enterprise = {
        "agent01": ("营业执照", "食品经营许可证", "公共场所卫生许可证"),
        "agent02": ("营业执照", "食品经营许可证", "排污许可证"),
        "agent03": ("营业执照",),
    }
    for n, username in enumerate(AGENTS):
        user = users.get(username)
        if user is None or not user.enterprise_uscc:
            continue
        for name in enterprise[username]:
            if name in types:
                _hold(types[name], name=user.enterprise_name, code=user.enterprise_uscc, user=user, n=n)


def _ended() -> None:
    """One 残疾人证 revoked (换领新证 elsewhere) and one 营业执照 changed (住所变更), once."""
    disability = Licence.objects.filter(licence_type__name="残疾人证", status="valid").order_by("id").first()
    if disability is not None and not Licence.objects.filter(status="revoked").exists():
        licences.licence_revoke(actor=SYSTEM, licence=disability, reason="持证人已换领第三代残疾人证（演示）")
    business = (
        Licence.objects.filter(licence_type__name="营业执照", status="valid", version=1)
        .order_by("id")
        .first()
    )
    if business is not None and not Licence.objects.filter(version__gt=1).exists():
        licences.licence_change(
            actor=SYSTEM,
            licence=business,
            data={"address": "恩平市恩城街道锦江路88号"},
            reason="住所变更（演示）",
        )


def _uses() -> None:
    """用证 on the demo holders' cases, dated at their acceptance."""
    for username in [f"citizen{n:02d}" for n in range(1, CITIZENS + 1)] + list(AGENTS):
        user = identity_selectors.user_by_username(username)
        if user is None:
            continue
        for case in cases_selectors.concluded_cases_of_applicant(user.pk)[:20]:
            try:
                with transaction.atomic():
                    casework.record_uses(actor=SYSTEM, case_id=case.pk, at=case.accepted_at)
            except ApplicationError:
                continue


def load(progress: Progress | None = None) -> dict[str, int]:
    """Create the 电子证照与电子印章 demo data; returns counts of what exists."""
    accounts = _roles_and_accounts()
    if progress:
        progress("电子印章", 0, 1)
    _seals()
    types = _types()
    if progress:
        progress("电子证照", 0, 1)
    _holdings(types)
    _ended()
    _uses()
    covered, total = selectors.seal_coverage()
    today = date.today()
    used, licensing = selectors.licence_use_rate((date(today.year, 1, 1), today))
    return {
        "seals": Seal.objects.count(),
        "seal_coverage": covered,
        "government_departments": total,
        "licence_types": LicenceType.objects.count(),
        "licences": Licence.objects.count(),
        "licence_uses": LicenceUse.objects.count(),
        "licensing_items_with_use": used,
        "licensing_items": licensing,
        "licence_accounts": accounts,
        "holders": len(set(Licence.objects.values_list("holder_code_index", flat=True))),
    }
