"""Bundles and their versions: create, edit a draft, copy the live version into a draft, publish (every
required child field filled, listed per child), retire. As for items, a published version never changes."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from shuzheng.bundles import rules
from shuzheng.bundles.constants import (
    EDIT_PERM,
    ENTERPRISE_STAGES,
    PUBLISH_PERM,
    SEARCH_DOC_TYPE,
    Audience,
    RefusalRule,
    Theme,
)
from shuzheng.bundles.models import Bundle, BundleMember, BundleVersion
from shuzheng.bundles.prefill import registry_item_problem
from shuzheng.bundles.workflow import PUBLISH, RETIRE, SUPERSEDE, VERSION_REFUSALS, VERSION_TRANSITIONS
from shuzheng.catalog import selectors as catalog_selectors
from shuzheng.catalog.constants import VersionStatus
from shuzheng.core import audit, fulltext
from shuzheng.core.actors import SystemActor
from shuzheng.core.errors import Conflict, NotFound, PermissionDenied
from shuzheng.core.field_errors import FieldErrors
from shuzheng.identity.actors import Actor
from shuzheng.identity.scopes import data_scope_for
from shuzheng.orgs import selectors as orgs_selectors

if TYPE_CHECKING:
    from shuzheng.catalog.models import ServiceItemVersion
    from shuzheng.orgs.models import Department

CODE_PATTERN: Final = rules.re.compile(r"^[a-z0-9][a-z0-9-]{1,39}$")
MAX_MEMBERS: Final = 12
SCALARS: Final = ("name", "summary", "audience", "theme", "keywords", "refusal_rule", "shared_fields")


def require(actor: Actor, perm: str, department: Department | None, *, verb: str) -> None:
    """PermissionDenied without the permission; NotFound when the lead department is outside its scope."""
    if isinstance(actor, SystemActor):
        return
    if not getattr(actor, "is_authenticated", False):
        raise PermissionDenied("请先登录。")
    if not actor.has_perm(perm):
        raise PermissionDenied(f"没有{verb}的权限（{perm}）。")
    if department is not None and not data_scope_for(actor, perm).covers_department(department):
        raise NotFound("一件事主题不存在或不在您的数据范围内。")


def snapshot(version: BundleVersion) -> dict[str, Any]:
    return {
        "code": version.code,
        "number": version.number,
        "status": version.status,
        "name": version.name,
        "theme": version.theme,
        "refusal_rule": version.refusal_rule,
        "shared_fields": [f.get("name") for f in version.shared_fields or []],
        "members": [m.item.code for m in version.members.select_related("item").order_by("position")],
    }


def _text(
    errs: FieldErrors, values: dict[str, Any], name: str, label: str, limit: int, required: bool
) -> None:
    if name not in values:
        return
    value = values[name]
    if not isinstance(value, str):
        errs.add(name, f"{label}应为文本")
        return
    value = value.strip()
    if "\x00" in value:
        errs.add(name, f"{label}含有不可见的空字符")
    elif required and not value:
        errs.add(name, f"请填写{label}", type="required")
    elif len(value) > limit:
        errs.add(name, f"{label}不能超过{limit}个字")
    values[name] = value


def _live_item(code: str) -> ServiceItemVersion | None:
    try:
        return catalog_selectors.version_for_application(code)
    except NotFound:
        return None


def clean(fields: dict[str, Any], *, creating: bool) -> dict[str, Any]:
    """Checked values of a bundle version's fields; every bad field named in one ValidationFailed. Mappings
    naming fields the item's form lacks, or shared fields the bundle does not declare, are refused here."""
    values = dict(fields)
    errs = FieldErrors()
    if creating:
        for name, label in (
            ("name", "主题名称"),
            ("audience", "服务对象"),
            ("theme", "人生事件/企业生命周期"),
        ):
            if not values.get(name):
                errs.add(name, f"请填写{label}", type="required")
        if not values.get("lead_department"):
            errs.add("lead_department", "请选择牵头部门", type="required")
    _text(errs, values, "name", "主题名称", 100, True)
    _text(errs, values, "summary", "简介", 2000, False)
    _text(errs, values, "keywords", "搜索关键词", 255, False)
    if "audience" in values and values["audience"] not in Audience.values:
        errs.add("audience", "服务对象应为个人或企业")
    if "theme" in values and values["theme"] not in Theme.values:
        errs.add("theme", "人生事件/企业生命周期无效")
    if "refusal_rule" in values and values["refusal_rule"] not in RefusalRule.values:
        errs.add("refusal_rule", "事项未获批准时的规则无效")
    department = values.get("lead_department")
    if department is not None and not hasattr(department, "pk"):
        found = orgs_selectors.department_by_code_or_id(str(department))
        if found is None:
            errs.add("lead_department", "牵头部门不存在")
        values["lead_department"] = found
    if "shared_fields" in values:
        problems = rules.shared_field_problems(values["shared_fields"])
        errs.items.extend(problems)
        if not problems:
            for index, spec in enumerate(values["shared_fields"]):
                source = spec.get("source") or {}
                missing = registry_item_problem(source) if source.get("kind") == "registry" else None
                if missing:
                    errs.add(f"shared_fields[{index}].source", missing)
    if "members" in values:
        values["members"] = _clean_members(values["members"], values.get("shared_fields"), errs)
    errs.raise_if_any("一件事主题未通过校验")
    return values


def _clean_members(members: Any, shared: Any, errs: FieldErrors) -> list[dict[str, Any]]:
    if not isinstance(members, list) or not members:
        errs.add("members", "请至少选择两个事项")
        return []
    if len(members) > MAX_MEMBERS:
        errs.add("members", f"一个主题最多包含{MAX_MEMBERS}个事项")
        return []
    shared_list = shared if isinstance(shared, list) and not rules.shared_field_problems(shared) else []
    cleaned: list[dict[str, Any]] = []
    seen: set[str] = set()
    for index, member in enumerate(members):
        where = f"members[{index}]"
        if not isinstance(member, dict) or set(member) - {"item_code", "mapping", "own_fields", "waits_for"}:
            errs.add(where, "事项应含 item_code、mapping、own_fields 及可选的 waits_for")
            continue
        code = str(member.get("item_code") or "").strip()
        version = _live_item(code)
        if version is None:
            errs.add(f"{where}.item_code", f"事项“{code}”不存在或未发布")
            continue
        if code in seen:
            errs.add(f"{where}.item_code", f"事项“{version.name}”重复")
            continue
        seen.add(code)
        mapping = member.get("mapping") or {}
        own = member.get("own_fields") or []
        errs.items.extend(
            rules.member_problems(
                index=index,
                mapping=mapping,
                own_fields=own,
                child_schema=version.form_schema,
                shared=shared_list,
            )
        )
        waits = member.get("waits_for")
        if waits is not None and (
            isinstance(waits, bool) or not isinstance(waits, int) or not 1 <= waits <= index
        ):
            errs.add(f"{where}.waits_for", "只能等待排在前面的事项（填其序号）")
            waits = None
        cleaned.append({"item": version.item, "mapping": mapping, "own_fields": own, "waits_for": waits})
    return cleaned


def _write(version: BundleVersion, values: dict[str, Any]) -> None:
    for name in SCALARS:
        if name in values:
            setattr(version, name, values[name])
    if values.get("lead_department") is not None:
        version.lead_department = values["lead_department"]
    version.save()
    if "members" in values:
        version.members.all().delete()
        BundleMember.objects.bulk_create(
            [BundleMember(version=version, position=i, **m) for i, m in enumerate(values["members"], 1)]
        )


def _locked(version: BundleVersion) -> BundleVersion:
    Bundle.objects.select_for_update().filter(pk=version.bundle_id).first()
    found = BundleVersion.objects.select_related("bundle", "lead_department").filter(pk=version.pk).first()
    if found is None:
        raise NotFound("一件事主题版本不存在。")
    return found


@transaction.atomic
def bundle_create(*, actor: Actor, code: str, fields: dict[str, Any]) -> BundleVersion:
    """A new bundle with its first version, a draft."""
    code = str(code or "").strip().lower()
    if not CODE_PATTERN.match(code):
        errs = FieldErrors()
        errs.add("code", "主题编码应为2至40位小写字母、数字或连字符")
        errs.raise_if_any("一件事主题未通过校验")
    values = clean(fields, creating=True)
    require(actor, EDIT_PERM, values["lead_department"], verb="编辑一件事主题")
    try:
        with transaction.atomic():
            bundle = Bundle.objects.create(code=code)
    except IntegrityError as exc:
        raise Conflict(f"主题编码“{code}”已存在。", code="bundle_exists") from exc
    version = BundleVersion(bundle=bundle, number=1, code=code, lead_department=values["lead_department"])
    _write(version, values)
    audit.record(actor=actor, action="bundles.bundle.create", subject=version, after=snapshot(version))
    return version


@transaction.atomic
def version_update(*, actor: Actor, version: BundleVersion, fields: dict[str, Any]) -> BundleVersion:
    """Edit a draft: the fields given change; members are replaced whole."""
    version = _locked(version)
    require(actor, EDIT_PERM, version.lead_department, verb="编辑一件事主题")
    if version.status != VersionStatus.DRAFT:
        raise Conflict("已发布或已废止的版本不可修改，请先创建草稿。", code="version_immutable")
    values = dict(fields)
    if "members" in values and "shared_fields" not in values:
        values["shared_fields"] = version.shared_fields
    values = clean(values, creating=False)
    if values.get("lead_department") is not None:
        require(actor, EDIT_PERM, values["lead_department"], verb="编辑一件事主题")
    before = snapshot(version)
    _write(version, values)
    audit.record(
        actor=actor, action="bundles.version.update", subject=version, before=before, after=snapshot(version)
    )
    return version


@transaction.atomic
def version_draft_from(*, actor: Actor, version: BundleVersion) -> BundleVersion:
    """A new draft copied from a published or retired version."""
    version = _locked(version)
    require(actor, EDIT_PERM, version.lead_department, verb="编辑一件事主题")
    if version.status == VersionStatus.DRAFT:
        raise Conflict("该版本本身就是草稿，可直接修改。", code="already_draft")
    bundle = version.bundle
    if bundle.versions.filter(status=VersionStatus.DRAFT).exists():
        raise Conflict("该主题已有一份草稿。", code="draft_exists")
    number = (bundle.versions.aggregate(n=Max("number"))["n"] or 0) + 1
    draft = BundleVersion(
        bundle=bundle, number=number, code=bundle.code, lead_department=version.lead_department
    )
    for name in SCALARS:
        setattr(draft, name, getattr(version, name))
    draft.save()
    BundleMember.objects.bulk_create(
        [
            BundleMember(
                version=draft,
                position=m.position,
                item_id=m.item_id,
                mapping=m.mapping,
                own_fields=m.own_fields,
                waits_for=m.waits_for,
            )
            for m in version.members.all()
        ]
    )
    audit.record(actor=actor, action="bundles.version.draft", subject=draft, after=snapshot(draft))
    return draft


def _transition(version: BundleVersion, action: str) -> None:
    target = VERSION_TRANSITIONS.target(version.status, action)
    if target is None:
        code, message = VERSION_REFUSALS[action]
        raise Conflict(message.format(status=version.get_status_display()), code=code)
    version.status = target


def publish_problems(version: BundleVersion) -> list[rules.Problem]:
    """Why `version` cannot be published: too few members, an item without a live version or not for the
    bundle's audience, and — per child — each required form field that nothing fills."""
    problems: list[rules.Problem] = []
    members = list(version.members.select_related("item").order_by("position"))
    if len(members) < 2:
        problems.append({"field": "members", "message": "一件事主题至少包含两个事项"})
    if rules.shared_field_problems(version.shared_fields):
        problems.append({"field": "shared_fields", "message": "共用字段有误，请先修改"})
    for index, member in enumerate(members):
        live = _live_item(member.item.code)
        where = f"members[{index}]"
        if live is None:
            problems.append({"field": where, "message": f"事项“{member.item.code}”已停止办理"})
            continue
        if version.audience not in (live.applicant_types or []):
            problems.append(
                {"field": where, "message": f"{live.name}：不受理{Audience(version.audience).label}申请"}
            )
        if "portal" not in (live.channels or []):
            problems.append({"field": where, "message": f"{live.name}：不能网上申请"})
        problems.extend(
            rules.member_problems(
                index=index,
                mapping=member.mapping,
                own_fields=member.own_fields,
                child_schema=live.form_schema,
                shared=version.shared_fields,
            )
        )
        missing = rules.unfilled_required(
            mapping=member.mapping, own_fields=member.own_fields, child_schema=live.form_schema
        )
        if missing:
            props = (live.form_schema or {}).get("properties") or {}
            names = "、".join(str((props.get(n) or {}).get("title") or n) for n in missing)
            problems.append({"field": where, "message": f"{live.name}：必填字段无人填写：{names}"})
    if version.audience == Audience.ENTERPRISE and version.theme not in ENTERPRISE_STAGES:
        problems.append({"field": "theme", "message": "企业主题应归入企业生命周期的某一阶段"})
    if version.audience == Audience.PERSON and version.theme in ENTERPRISE_STAGES:
        problems.append({"field": "theme", "message": "个人主题应归入某一人生事件"})
    return problems


def search_text(version: BundleVersion) -> str:
    members = " ".join(m.item.code for m in version.members.select_related("item"))
    return " ".join(
        [
            version.name,
            version.name,
            version.keywords,
            version.keywords,
            version.summary,
            Theme(version.theme).label,
            members,
        ]
    )


@transaction.atomic
def version_publish(*, actor: Actor, version: BundleVersion) -> BundleVersion:
    """Make a draft the live version; refused (listed per child) while any mapping leaves a required child
    field unfilled. The version it replaces is retired."""
    version = _locked(version)
    require(actor, PUBLISH_PERM, version.lead_department, verb="发布一件事主题")
    _transition(version, PUBLISH)
    errs = FieldErrors()
    errs.items.extend(publish_problems(version))
    errs.raise_if_any("发布前校验未通过", code="publish_invalid")
    bundle = version.bundle
    previous = bundle.live_version
    if previous is not None:
        _transition(previous, SUPERSEDE)
        previous.save(update_fields=["status", "updated_at"])
    version.published_at = timezone.now()
    version.save()
    bundle.live_version = version
    bundle.save(update_fields=["live_version", "updated_at"])
    fulltext.index(SEARCH_DOC_TYPE, version.code, search_text(version))
    audit.record(actor=actor, action="bundles.version.publish", subject=version, after=snapshot(version))
    return version


@transaction.atomic
def version_retire(*, actor: Actor, version: BundleVersion) -> BundleVersion:
    """Stop the live version: the bundle has no guide until a draft is published."""
    version = _locked(version)
    require(actor, PUBLISH_PERM, version.lead_department, verb="废止一件事主题")
    before = snapshot(version)
    _transition(version, RETIRE)
    version.save(update_fields=["status", "updated_at"])
    bundle = version.bundle
    if bundle.live_version_id == version.pk:
        bundle.live_version = None
        bundle.save(update_fields=["live_version", "updated_at"])
    fulltext.remove(SEARCH_DOC_TYPE, version.code)
    audit.record(
        actor=actor, action="bundles.version.retire", subject=version, before=before, after=snapshot(version)
    )
    return version
