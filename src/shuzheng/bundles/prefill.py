"""四免 for a bundle's form: what the government already knows is filled in, not asked.

- shared fields with ``source: account`` come from the signed-in account;
- shared fields with ``source: registry`` come from a base registry of the data hub, read through its data
  service (`datahub.access.base_registry_lookup`: the bundle's lead department's sharing grant, masking,
  the access log) keyed by the applicant's ID number or USCC — never from the tables;
- materials whose electronic licence type the applicant holds (`licences.selectors.licences_held_by`) are
  not asked for: the child cases link the licence.

A source that cannot be read (no grant, no record, a masked value, the hub down) is reported by field, and
the form asks for it instead. Identity fields of the items' forms (``x-applicant``) are bound by cases.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final

from django.db import DatabaseError

from shuzheng.bundles.rules import ACCOUNT_ITEMS, REGISTRY_KEYS
from shuzheng.core.errors import ApplicationError
from shuzheng.datahub import access
from shuzheng.datahub.selectors import catalog as datahub_catalog
from shuzheng.identity.actors import is_user
from shuzheng.identity.constants import UserKind
from shuzheng.licences import selectors as licences_selectors

if TYPE_CHECKING:
    from shuzheng.bundles.models import BundleVersion

logger = logging.getLogger(__name__)
MASK: Final = "*"


@dataclass(frozen=True)
class Filled:
    value: Any
    source: str  # what the page shows: 取自…


@dataclass
class Prefill:
    values: dict[str, Filled] = field(default_factory=dict)
    problems: dict[str, str] = field(default_factory=dict)  # shared field name -> why it is asked
    licences: dict[str, Any] = field(default_factory=dict)  # licence type name -> a held licence


def registry_item_problem(source: dict[str, Any]) -> str | None:
    """On save: the registry names a published entry of the data hub that has the item."""
    entry = datahub_catalog.published_entry(str(source.get("entry") or ""))
    if entry is None:
        return f"数据资源“{source.get('entry')}”不存在或未发布"
    if not any(i.name == source.get("item") and i.mounted for i in entry.items.all()):
        return f"数据资源“{entry.name}”没有已挂接的数据项“{source.get('item')}”"
    return None


def _typed(value: Any, schema: dict[str, Any]) -> Any:
    kind = schema.get("type")
    if kind == "integer":
        return int(value)
    if kind == "number":
        return float(value)
    if kind == "boolean":
        return bool(value)
    return str(value)


def _registry_key(user: Any, key: str) -> str:
    if key == "enterprise":
        return (
            str(getattr(user, "enterprise_uscc", "") or "") if user.kind == UserKind.ENTERPRISE_AGENT else ""
        )
    return str(user.id_number or "")


def prefill_for(*, user: Any, version: BundleVersion) -> Prefill:
    """The prefilled shared fields of `version` for `user`, the fields that could not be prefilled and why,
    and the licences the user holds by type. Each registry is read once (one access-log entry)."""
    result = Prefill()
    if not is_user(user) or not user.is_authenticated:
        return result
    rows: dict[tuple[str, str], tuple[dict[str, Any] | None, str]] = {}
    for spec in version.shared_fields or []:
        source = spec.get("source")
        if not source:
            continue
        name, title = spec["name"], str(spec["schema"].get("title") or spec["name"])
        if source["kind"] == "account":
            value = getattr(user, source["item"], "") or ""
            if value:
                result.values[name] = Filled(value, ACCOUNT_ITEMS[source["item"]])
            else:
                result.problems[name] = f"{title}：登录账号中没有此信息"
            continue
        lookup = (source["entry"], source["key"])
        if lookup not in rows:
            rows[lookup] = _read(user, version, source)
        row, problem = rows[lookup]
        value = row.get(source["item"]) if row is not None else None
        if problem or row is None:
            result.problems[name] = f"{title}：{problem}"
        elif value in (None, "") or MASK in str(value):  # a masked value is of no use in a form
            result.problems[name] = f"{title}：基础库中没有可用的值"
        else:
            try:
                result.values[name] = Filled(
                    _typed(value, spec["schema"]), f"{row.get('_entry_name', '基础库')}（数据共享）"
                )
            except (TypeError, ValueError):
                result.problems[name] = f"{title}：基础库中的值格式不符"
    for licence in licences_selectors.licences_held_by(user):
        result.licences.setdefault(licence.licence_type.name, licence)
    return result


def _read(user: Any, version: BundleVersion, source: dict[str, Any]) -> tuple[dict[str, Any] | None, str]:
    key = _registry_key(user, source["key"])
    if not key:
        return None, f"账号中没有{REGISTRY_KEYS[source['key']]}，无法查询基础库"
    try:
        row = access.base_registry_lookup(
            caller_department=version.lead_department,
            entry_code=source["entry"],
            key=key,
            purpose=f"一件事表单预填（免填写）：{version.name}"[:200],
            user=user,
        )
    except ApplicationError as exc:
        return None, f"暂时无法从基础库获取（{exc.detail or exc.title}），请填写"
    except DatabaseError:
        logger.exception("bundles.prefill.registry_unavailable", extra={"entry": source["entry"]})
        return None, "数据服务暂不可用，请填写"
    if row is None:
        return None, "基础库中没有您的记录，请填写"
    entry = datahub_catalog.published_entry(source["entry"])
    return {**row, "_entry_name": entry.name if entry else "基础库"}, ""
