"""What a rule may read, and reading it for a case.

- ``form.<field>``: the case's form data (opened: personal fields are sealed at rest), one name per
  property of the item version's JSON Schema;
- ``registry.person.*`` / ``registry.enterprise.*``: the applicant's record in the base registry the rule
  set names (keyed by the applicant's ID number or USCC), read through the data hub's data service under
  the implementing department's sharing grant and written to its access log — never the tables directly.
  Fields the grant masks are not offered (their values would be asterisks); a ``birth_date`` brings a
  derived ``age`` in whole years;
- ``licences.types`` (the names of the licence types the applicant's account validly holds) and
  ``licences.count``.

A registry that cannot be read (no grant, no record, the hub down) is a problem listed for the clerk; the
conditions reading it are then not decided, and the case goes to the normal workflow.
"""

from __future__ import annotations

import contextlib
import logging
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any, Final

from django.db import DatabaseError
from django.utils import timezone

from shuzheng.cases import form_privacy
from shuzheng.cases.constants import ApplicantKind
from shuzheng.core.actors import is_system
from shuzheng.core.errors import ApplicationError
from shuzheng.datahub import access
from shuzheng.datahub.selectors import catalog as datahub_catalog
from shuzheng.instant_approval import rules
from shuzheng.instant_approval.constants import FORM, LICENCES, REGISTRY
from shuzheng.licences import selectors as licences_selectors

if TYPE_CHECKING:
    from shuzheng.cases.models import Case
    from shuzheng.catalog.models import ServiceItemVersion

logger = logging.getLogger(__name__)

#: Registry kinds a rule set may read, the applicant they are keyed by, and their label.
REGISTRY_KINDS: Final = {"person": "自然人（人口基础信息）", "enterprise": "法人（法人单位基础信息）"}
LICENCE_FIELDS: Final = (f"{LICENCES}.types", f"{LICENCES}.count")
DERIVED_AGE: Final = "age"


@dataclass
class Facts:
    data: dict[str, Any]
    problems: list[str] = field(default_factory=list)


# --- known fields -----------------------------------------------------------------------------------


def form_fields(schema: Any) -> list[str]:
    properties = (schema or {}).get("properties") if isinstance(schema, dict) else None
    return [f"{FORM}.{name}" for name in (properties or {})]


def registry_item_names(entry: Any) -> list[str]:
    """The readable (unmasked, mounted) items of a registry entry, plus ``age`` beside a birth date."""
    names = [i.name for i in entry.items.all() if i.mounted and not access.is_masked(i)]
    if "birth_date" in names:
        names.append(DERIVED_AGE)
    return names


def registry_entry(*, user: Any, code: str) -> Any:
    """A published entry as the editor sees it (NotFound otherwise); the platform sees every one (None
    when there is no such published entry)."""
    if is_system(user):
        return datahub_catalog.published_entry(code)
    entry = datahub_catalog.entry_get(user=user, code=code)
    return entry if entry.status == "published" else None


def registry_choices(*, user: Any, limit: int = 200) -> list[tuple[str, str]]:
    """Entries an editor may name as a registry: published, with a key item, in their view."""
    entries = (
        datahub_catalog.entry_queryset(user=user)
        .filter(status="published", items__is_key=True, items__mounted=True)
        .distinct()
        .order_by("code")[:limit]
    )
    return [(e.code, f"{e.name}（{e.code}）") for e in entries]


def known_fields(*, schema: Any, registries: dict[str, list[str]]) -> list[str]:
    """Every name a condition may read: the form's, each named registry's, and the held licences'."""
    names = form_fields(schema)
    for kind, items in registries.items():
        names += [f"{REGISTRY}.{kind}.{item}" for item in items]
    return names + list(LICENCE_FIELDS)


# --- reading for a case -----------------------------------------------------------------------------


def _namespaces(conditions: list[rules.Condition]) -> set[str]:
    """The namespaces the conditions read ("form", "registry.person", "licences"…): nothing else is read."""
    found = set()
    for condition in conditions:
        for name in rules.variables(condition.logic):
            head, _, rest = name.partition(".")
            found.add(f"{head}.{rest.partition('.')[0]}" if head == REGISTRY else head)
    return found


def _with_age(row: dict[str, Any], today: date) -> dict[str, Any]:
    born = row.get("birth_date")
    if born:
        with contextlib.suppress(ValueError):
            row[DERIVED_AGE] = rules.years_since(date.fromisoformat(str(born)[:10]), today)
    return row


def _registry(case: Case, kind: str, code: str, today: date) -> tuple[dict[str, Any] | None, str]:
    key = case.applicant_uscc if kind == "enterprise" else case.applicant_id_number
    label = REGISTRY_KINDS[kind]
    if not key:
        return None, f"申请人没有可用于查询{label}的证件号码"
    try:
        row = access.base_registry_lookup(
            caller_department=case.department,
            entry_code=code,
            key=key,
            purpose=f"秒批自动审批：{case.version.name}（{case.number}）"[:200],
        )
    except ApplicationError as exc:
        return None, f"无法读取{label}：{exc.detail or exc.title}"
    except DatabaseError:
        logger.exception("instant_approval.registry_unavailable", extra={"case": case.pk, "entry": code})
        return None, f"无法读取{label}：数据服务暂不可用"
    if row is None:
        return None, f"{label}中没有申请人的记录"
    return _with_age(dict(row), today), ""


def gather(case: Case, *, conditions: list[rules.Condition], registries: dict[str, str]) -> Facts:
    """The facts the conditions need about `case`, and what could not be read."""
    wanted = _namespaces(conditions)
    facts = Facts(data={})
    version: ServiceItemVersion = case.version
    if FORM in wanted:
        facts.data[FORM] = form_privacy.unseal(version.form_schema, case.form_data)
    today = timezone.localdate()
    for kind in REGISTRY_KINDS:
        if f"{REGISTRY}.{kind}" not in wanted:
            continue
        code = registries.get(kind)
        if not code:
            facts.problems.append(f"规则未指定{REGISTRY_KINDS[kind]}的数据资源")
            continue
        if kind == "enterprise" and case.applicant_kind != ApplicantKind.ENTERPRISE:
            facts.problems.append("申请人不是法人，无法查询法人单位基础信息")
            continue
        row, problem = _registry(case, kind, code, today)
        if problem:
            facts.problems.append(problem)
        else:
            facts.data.setdefault(REGISTRY, {})[kind] = row
    if LICENCES in wanted:
        held = licences_selectors.licences_held_by(case.applicant) if case.applicant_id else []
        facts.data[LICENCES] = {
            "types": sorted({licence.licence_type.name for licence in held}),
            "count": len(held),
        }
    return facts
