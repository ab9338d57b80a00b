"""Writing rule sets: save a draft (checked: operators, labels, and only known fields), activate it (the
previous active revision retires; cases already decided keep theirs), stop automatic decisions, and test a
rule set on example inputs (no writes)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, Final

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from shuzheng.core import audit
from shuzheng.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from shuzheng.core.field_errors import FieldErrors
from shuzheng.identity.actors import Actor, is_user
from shuzheng.instant_approval import facts, rules, selectors
from shuzheng.instant_approval.constants import RuleSetStatus
from shuzheng.instant_approval.models import RuleSet

if TYPE_CHECKING:
    from shuzheng.catalog.models import ServiceItemVersion

TEXT_MAX: Final = 500


def _editor(actor: Actor, version: ServiceItemVersion) -> Any:
    if not is_user(actor):
        return None  # the platform (demo load, commands)
    if not selectors.can_edit(actor, version):
        raise PermissionDenied("没有编辑该事项秒批规则的权限。")
    return actor


def _text(value: Any, field: str, label: str, errors: FieldErrors, *, required: bool = False) -> str:
    text = str(value or "").strip()
    if "\x00" in text:
        errors.add(field, f"{label}含有不可见的空字符")
    elif required and not text:
        errors.add(field, f"请填写{label}")
    elif len(text) > TEXT_MAX:
        errors.add(field, f"{label}不能超过{TEXT_MAX}个字")
    return text


def _registries(actor: Actor, raw: Any, errors: FieldErrors) -> tuple[dict[str, str], dict[str, list[str]]]:
    """The registry entries named per kind, and the fields each offers."""
    codes: dict[str, str] = {}
    items: dict[str, list[str]] = {}
    if raw in (None, ""):
        return codes, items
    if not isinstance(raw, dict):
        errors.add("registries", "基础库设置应为 {类型: 数据资源编码}")
        return codes, items
    for kind, code in raw.items():
        if kind not in facts.REGISTRY_KINDS:
            errors.add(
                f"registries.{kind}", f"不支持的基础库类型“{str(kind)[:20]}”（可用：person、enterprise）"
            )
            continue
        code = str(code or "").strip()[:80]
        if not code:
            continue
        try:
            entry = facts.registry_entry(user=actor, code=code)
        except (NotFound, PermissionDenied):
            entry = None
        if entry is None:
            errors.add(f"registries.{kind}", f"数据资源“{code}”不存在、未发布或不在您的数据范围内")
            continue
        codes[kind] = code
        items[kind] = facts.registry_item_names(entry)
    return codes, items


@transaction.atomic
def rule_set_save(
    *,
    actor: Actor,
    version: ServiceItemVersion,
    conditions: Any,
    reasons: Any,
    legal_basis: Any = "",
    registries: Any = None,
    note: Any = "",
) -> RuleSet:
    """Save the version's draft rule set (a new revision when none is open). Refused, naming every problem:
    malformed JSON, unsupported operators, unlabelled conditions, and fields that are neither in the
    version's form nor in a named registry nor of the held licences."""
    editor = _editor(actor, version)
    errors = FieldErrors()
    codes, items = _registries(actor, registries, errors)
    text = _text(reasons, "reasons", "准予理由", errors, required=True)
    basis = _text(legal_basis, "legal_basis", "依据", errors)
    remark = _text(note, "note", "修订说明", errors)
    known = facts.known_fields(schema=version.form_schema, registries=items)
    try:
        parsed = rules.parse_conditions(conditions, known=known)
    except ValidationFailed as exc:
        errors.extend(exc)
        parsed = []
    errors.raise_if_any("秒批规则未通过校验")
    draft = RuleSet.objects.select_for_update().filter(version=version, status=RuleSetStatus.DRAFT).first()
    before = _snapshot(draft) if draft is not None else None
    if draft is None:
        last = RuleSet.objects.filter(version=version).aggregate(n=Max("revision"))["n"] or 0
        draft = RuleSet(version=version, revision=last + 1, status=RuleSetStatus.DRAFT)
    draft.conditions = [{"code": c.code, "label": c.label, "logic": c.logic} for c in parsed]
    draft.registries = codes
    draft.reasons = text
    draft.legal_basis = basis
    draft.note = remark
    draft.created_by = editor
    draft.save()
    audit.record(
        actor=actor,
        action="instant_approval.ruleset.save",
        subject=draft,
        before=before,
        after=_snapshot(draft),
    )
    return draft


@transaction.atomic
def rule_set_activate(*, actor: Actor, rule_set: RuleSet) -> RuleSet:
    """A draft becomes the version's active rules; the previous active revision retires."""
    locked = RuleSet.objects.select_for_update().select_related("version__department").get(pk=rule_set.pk)
    editor = _editor(actor, locked.version)
    if locked.status != RuleSetStatus.DRAFT:
        raise Conflict(
            f"规则状态为“{RuleSetStatus(locked.status).label}”，只有草稿可以启用。", code="not_draft"
        )
    RuleSet.objects.filter(version=locked.version, status=RuleSetStatus.ACTIVE).update(
        status=RuleSetStatus.RETIRED, updated_at=timezone.now()
    )
    locked.status = RuleSetStatus.ACTIVE
    locked.activated_at = timezone.now()
    locked.activated_by = editor
    locked.save(update_fields=["status", "activated_at", "activated_by", "updated_at"])
    audit.record(
        actor=actor, action="instant_approval.ruleset.activate", subject=locked, after=_snapshot(locked)
    )
    return locked


@transaction.atomic
def rule_set_retire(*, actor: Actor, rule_set: RuleSet) -> RuleSet:
    """Stop deciding this version's cases automatically (the active rules retire)."""
    locked = RuleSet.objects.select_for_update().select_related("version__department").get(pk=rule_set.pk)
    _editor(actor, locked.version)
    if locked.status != RuleSetStatus.ACTIVE:
        raise Conflict("只有生效中的规则可以停用。", code="not_active")
    locked.status = RuleSetStatus.RETIRED
    locked.save(update_fields=["status", "updated_at"])
    audit.record(
        actor=actor, action="instant_approval.ruleset.retire", subject=locked, after=_snapshot(locked)
    )
    return locked


def rule_set_test(*, rule_set: RuleSet, example: Any) -> list[rules.ConditionResult]:
    """Each condition's result on example inputs ({"form": …, "registry": {"person": …}, "licences": …},
    as JSON text or an object); reads and writes nothing. ``age`` is derived from a registry birth date
    when the example gives none."""
    if isinstance(example, str):
        try:
            example = json.loads(example or "{}")
        except json.JSONDecodeError as exc:
            raise ValidationFailed.for_field(
                "example", f"示例数据不是有效的 JSON：第{exc.lineno}行第{exc.colno}列附近有误"
            ) from exc
    if not isinstance(example, dict):
        raise ValidationFailed.for_field("example", '示例数据应为对象，如 {"form": {…}, "registry": {…}}')
    if len(json.dumps(example, ensure_ascii=False, default=str)) > rules.MAX_JSON:
        raise ValidationFailed.for_field("example", f"示例数据过长（不超过{rules.MAX_JSON}个字符）")
    registry = example.get("registry")
    if isinstance(registry, dict):
        today = timezone.localdate()
        for kind, row in registry.items():
            if isinstance(row, dict) and "age" not in row:
                registry[kind] = facts._with_age(dict(row), today)
    return rules.evaluate(rules.as_conditions(rule_set.conditions), example)


def _snapshot(rule_set: RuleSet) -> dict[str, Any]:
    return {
        "version_id": rule_set.version_id,
        "revision": rule_set.revision,
        "status": rule_set.status,
        "conditions": rule_set.conditions,
        "registries": rule_set.registries,
        "reasons": rule_set.reasons,
        "legal_basis": rule_set.legal_basis,
    }
