"""One submission of a 一件事: the shared fields asked once and mapped into each item's form, the
item-specific fields, one de-duplicated materials list; the parent application and one child case per
item, filed through the cases services (a child that waits for an earlier one's approval is kept,
encrypted, until then). And the applicant's one answer to the corrections of several children, and a
clerk's one correction request over several children."""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone

from shuzheng.bundles import rules, selectors
from shuzheng.bundles.constants import ChildStatus
from shuzheng.bundles.models import BundleApplication, BundleChild, BundleStatusChange
from shuzheng.bundles.prefill import Prefill, prefill_for
from shuzheng.cases import selectors as cases_selectors
from shuzheng.cases.access import is_staff, signed_in
from shuzheng.cases.constants import CaseChannel, CaseStatus
from shuzheng.cases.form_schema import validate_form
from shuzheng.cases.services.acceptance import case_request_correction, case_respond_correction
from shuzheng.cases.services.applicant import account_identity, bind_identity
from shuzheng.cases.services.common import MaterialData, refuse_nul
from shuzheng.cases.services.submission import case_submit
from shuzheng.cases.services.uploads import lock_uploads, material_upload, take_upload
from shuzheng.core import audit
from shuzheng.core.errors import Conflict, PermissionDenied, ValidationFailed
from shuzheng.core.field_errors import FieldErrors
from shuzheng.identity.actors import Actor

if TYPE_CHECKING:
    from shuzheng.bundles.models import BundleMember, BundleVersion
    from shuzheng.catalog.models import ServiceItemVersion
    from shuzheng.identity.models import User

IDEMPOTENCY_KEY: Final = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")


@dataclass(frozen=True)
class MaterialAnswer:
    """How the applicant supplies one line of the bundle's materials list."""

    key: str
    upload_id: int | None = None
    licence_reference: str = ""
    deferred: bool = False


def _answers(
    materials: Any, entries: dict[str, rules.MaterialEntry], errs: FieldErrors, *, held: dict[str, Any]
) -> dict[str, MaterialAnswer]:
    """The applicant's answer per materials-list entry; an entry whose licence type the applicant holds is
    answered with that licence (免提交) unless the applicant answered it otherwise."""
    answers: dict[str, MaterialAnswer] = {}
    if materials is not None and not isinstance(materials, list | tuple):
        errs.add("materials", "材料应为列表")
        materials = []
    for index, raw in enumerate(materials or []):
        where = f"materials[{index}]"
        try:
            answer = raw if isinstance(raw, MaterialAnswer) else MaterialAnswer(**raw)
        except TypeError:
            errs.add(where, "材料格式不正确（key 加 upload_id、licence_reference 或 deferred 之一）")
            continue
        entry = entries.get(str(answer.key))
        if entry is None:
            errs.add(f"{where}.key", f"本主题的材料清单中没有“{answer.key}”")
            continue
        if sum([answer.upload_id is not None, bool(answer.licence_reference), bool(answer.deferred)]) != 1:
            errs.add(where, f"{entry.name}：请上传文件、引用电子证照或申请容缺，三选一")
            continue
        if entry.key in answers:
            errs.add(f"{where}.key", f"{entry.name}重复提交")
            continue
        answers[entry.key] = answer
    for entry in entries.values():
        licence = held.get(entry.licence_type) if entry.licence_type else None
        if licence is not None and entry.key not in answers:
            answers[entry.key] = MaterialAnswer(key=entry.key, licence_reference=licence.identifier)
        if entry.required and not entry.exempt and entry.key not in answers:
            errs.add(f"materials.{entry.key}", f"缺少必要材料：{entry.name}", type="required")
    return answers


def _with_prefill(
    version: BundleVersion, shared: dict[str, Any], prefilled: Prefill, errs: FieldErrors
) -> dict[str, Any]:
    """The shared answers with what the government knows filled in; a different value typed over a
    prefilled field is refused unless the field is marked correctable (``x-correctable``)."""
    result = dict(shared)
    schemas = {f["name"]: f["schema"] for f in version.shared_fields}
    for name, filled in prefilled.values.items():
        given = result.get(name)
        if given in (None, ""):
            result[name] = filled.value
        elif not schemas[name].get("x-correctable") and str(given) != str(filled.value):
            errs.add(f"shared.{name}", f"此项取自{filled.source}，不可修改", type="prefilled")
    return result


def _child_form(member: BundleMember, shared: dict[str, Any], own: Any, errs: FieldErrors) -> dict[str, Any]:
    form = {
        child: shared[name] for child, name in member.mapping.items() if shared.get(name) not in (None, "")
    }
    given = own.get(member.item.code) if isinstance(own, dict) else None
    if given is None:
        return form
    if not isinstance(given, dict):
        errs.add(f"own.{member.item.code}", "单独填写的字段应为对象")
        return form
    for name, value in given.items():
        if name not in member.own_fields:
            errs.add(f"own.{member.item.code}.{name}", "本事项无需单独填写该字段")
        elif value not in (None, ""):
            form[name] = value
    return form


def _check_waiting_form(
    user: User, live: ServiceItemVersion, form: dict[str, Any], code: str, errs: FieldErrors
) -> None:
    """A child filed later is checked now, so the applicant corrects it while still at the form."""
    bound = bind_identity(
        user=user, schema=live.form_schema or {}, form_data=form, fields=account_identity(user), errors=errs
    )
    try:
        validate_form(live.form_schema or {}, bound)
    except ValidationFailed as exc:
        for error in exc.errors:
            errs.items.append({**error, "field": f"children.{code}.{error.get('field', '')}"})


def _upload_copies(user: User, answers: dict[str, MaterialAnswer], errs: FieldErrors) -> dict[int, Any]:
    ids = [a.upload_id for a in answers.values() if a.upload_id is not None]
    locked = lock_uploads(ids)
    found: dict[int, Any] = {}
    for key, answer in answers.items():
        if answer.upload_id is None:
            continue
        try:
            found[answer.upload_id] = take_upload(
                user, answer.upload_id, field=f"materials.{key}.upload_id", locked=locked
            )
        except ValidationFailed as exc:
            errs.extend(exc)
    return found


def _copy(user: User, upload: Any) -> int:
    """A second upload of the same file, for a second child case (one upload belongs to one case)."""
    upload.file.open("rb")
    try:
        content = upload.file.read()
    finally:
        upload.file.close()
    return material_upload(actor=user, file=ContentFile(content, name=upload.original_name)).pk


def _materials_for(
    position: int, entries: list[rules.MaterialEntry], answers: dict[str, MaterialAnswer]
) -> list[dict[str, Any]]:
    """The child's materials as answers to its own requirement codes (kind: upload, licence, deferred)."""
    result = []
    for entry in entries:
        answer = answers.get(entry.key)
        if answer is None:
            continue
        for pos, code in entry.uses:
            if pos != position:
                continue
            if answer.upload_id is not None:
                result.append({"code": code, "key": entry.key, "upload_id": answer.upload_id})
            elif answer.licence_reference:
                result.append(
                    {"code": code, "key": entry.key, "licence_reference": str(answer.licence_reference)[:100]}
                )
            else:
                result.append({"code": code, "key": entry.key, "deferred": True})
    return result


def _remap(exc: ValidationFailed, code: str, errs: FieldErrors) -> None:
    for error in exc.errors:
        errs.items.append({**error, "field": f"children.{code}.{error.get('field', '')}"})
    if not exc.errors:
        errs.add(f"children.{code}", str(exc))


def file_child(
    *,
    user: User,
    application: BundleApplication,
    child: BundleChild,
    form: dict[str, Any],
    materials: list[dict[str, Any]],
    uploads_used: set[int],
    copies: dict[int, Any],
) -> None:
    """File one child case through the cases service; an upload already used by a sibling is copied."""
    data: list[MaterialData] = []
    for m in materials:
        upload_id = m.get("upload_id")
        if upload_id is not None and upload_id in uploads_used:
            upload_id = _copy(user, copies[upload_id])
        elif upload_id is not None:
            uploads_used.add(upload_id)
        data.append(
            MaterialData(
                code=m["code"],
                upload_id=upload_id,
                licence_reference=m.get("licence_reference", ""),
                deferred=bool(m.get("deferred")),
            )
        )
    case = case_submit(
        actor=user,
        channel=CaseChannel.PORTAL,
        item_code=child.item_code,
        form_data=form,
        materials=data,
        idempotency_key=f"yjs-{application.pk}-{child.position}",
    )
    child.case_id = case.pk
    child.case_number = case.number
    child.status = ChildStatus.FILED


@transaction.atomic
def bundle_apply(
    *, actor: Actor, code: str, shared: Any, own: Any = None, materials: Any = None, idempotency_key: str
) -> BundleApplication:
    """Apply for 一件事 `code` online: one parent, one child case per item (in declared order: a child that
    waits for an earlier one is filed when that one is approved). Every bad field of every child is named in
    one ValidationFailed (``shared.*``, ``own.<item>.*``, ``materials.*``, ``children.<item>.*``); a retry
    with the same key returns the application already filed."""
    user = signed_in(actor)
    if is_staff(user):
        raise PermissionDenied("一件事目前由申请人本人在网上申请。")
    refuse_nul({"shared": shared, "own": own, "materials": materials})
    key = str(idempotency_key or "").strip()
    if not IDEMPOTENCY_KEY.match(key):
        raise ValidationFailed.for_field("idempotency_key", "幂等键应为1至64位字母、数字或 . _ : -")
    existing = (
        BundleApplication.objects.select_related("version")
        .filter(applicant=user, idempotency_key=key)
        .first()
    )
    if existing is not None:
        if existing.version.code != code:
            raise Conflict("该幂等键已用于另一份申请，请使用新的幂等键。", code="idempotency_key_reused")
        return existing
    version = selectors.live_version(code)
    errs = FieldErrors()
    shared = {} if shared is None else shared
    if not isinstance(shared, dict):
        raise ValidationFailed.for_field("shared", "共用字段应为对象")
    prefilled = prefill_for(user=user, version=version)
    shared = _with_prefill(version, shared, prefilled, errs)
    try:
        validate_form(rules.shared_schema(version.shared_fields), shared)
    except ValidationFailed as exc:
        for error in exc.errors:
            name = str(error.get("field", "")).replace("form_data.", "", 1)
            reason = prefilled.problems.get(name) if error.get("type") == "required" else None
            errs.items.append({**error, "field": f"shared.{name}", **({"message": reason} if reason else {})})
    if own is not None and not isinstance(own, dict):
        errs.add("own", "单独填写的字段应为以事项编码为键的对象")
    members, lives = _members(version, errs)
    entries = rules.materials_list([(m.position, lives[m.position]) for m in members if m.position in lives])
    answers = _answers(materials, {e.key: e for e in entries}, errs, held=prefilled.licences)
    copies = _upload_copies(user, answers, errs)
    forms = {m.position: _child_form(m, shared, own, errs) for m in members}
    if isinstance(own, dict):
        for code_given in own:
            if code_given not in {m.item.code for m in members}:
                errs.add(f"own.{code_given}", "本主题不包含该事项")
    for m in members:
        if m.waits_for is not None and m.position in lives:
            _check_waiting_form(user, lives[m.position], forms[m.position], m.item.code, errs)
    errs.raise_if_any("一件事申请未通过校验")

    now = timezone.now()
    application = BundleApplication(version=version, applicant=user, idempotency_key=key, received_at=now)
    application.number = f"P{uuid.uuid4().hex}"
    try:
        with transaction.atomic():
            application.save()
    except IntegrityError:
        again = BundleApplication.objects.filter(applicant=user, idempotency_key=key).first()
        if again is None:
            raise
        return again
    application.number = f"YJS{timezone.localdate(now):%Y%m%d}{application.pk:08d}"
    application.save(update_fields=["number"])
    uploads_used: set[int] = set()
    children: list[BundleChild] = []
    for m in members:
        live = lives[m.position]
        child = BundleChild(
            application=application,
            position=m.position,
            item_code=m.item.code,
            item_name=live.name,
            waits_for=m.waits_for,
            status=ChildStatus.WAITING,
        )
        child_materials = _materials_for(m.position, entries, answers)
        if m.waits_for is None:
            try:
                file_child(
                    user=user,
                    application=application,
                    child=child,
                    form=forms[m.position],
                    materials=child_materials,
                    uploads_used=uploads_used,
                    copies=copies,
                )
            except ValidationFailed as exc:
                _remap(exc, m.item.code, errs)
        else:
            kept = [
                {k: v for k, v in mat.items() if k != "upload_id"}
                | ({"copy": True} if "upload_id" in mat else {})
                for mat in child_materials
            ]
            child.pending = json.dumps({"form": forms[m.position], "materials": kept}, ensure_ascii=False)
            child.note = f"待“{_name_at(members, lives, m.waits_for)}”获批后自动提交"
        children.append(child)
    errs.raise_if_any("一件事申请未通过校验")
    BundleChild.objects.bulk_create(children)
    filed = sum(c.status == ChildStatus.FILED for c in children)
    BundleStatusChange.objects.create(
        application=application,
        action="submit",
        to_status=application.status,
        occurred_at=now,
        note=f"共{len(children)}个事项，{filed}个已提交部门办理",
    )
    audit.record(
        actor=user,
        action="bundles.application.submit",
        subject=application,
        after={
            "bundle": version.code,
            "version": version.number,
            "children": [c.case_number or c.item_code for c in children],
        },
    )
    return application


def _name_at(members: list[BundleMember], lives: dict[int, ServiceItemVersion], position: int) -> str:
    live = lives.get(position)
    return live.name if live is not None else str(position)


def _members(
    version: BundleVersion, errs: FieldErrors
) -> tuple[list[BundleMember], dict[int, ServiceItemVersion]]:
    members = list(version.members.select_related("item").order_by("position"))
    lives: dict[int, ServiceItemVersion] = {}
    for m in members:
        live = selectors.live_item(m.item.code)
        if live is None:
            errs.add(
                f"children.{m.item.code}",
                f"事项“{m.item.code}”已停止办理，本主题暂不能申请，请联系牵头部门",
                type="item_retired",
            )
        else:
            lives[m.position] = live
    return members, lives


def _open_children(application: BundleApplication, status: str) -> list[tuple[BundleChild, Any]]:
    found = []
    for child in application.children.filter(status=ChildStatus.FILED).order_by("position"):
        case = cases_selectors.applicant_case(
            applicant_id=application.applicant_id, case_id=child.case_id or 0
        )
        if case is not None and case.status == status:
            found.append((child, case))
    return found


@transaction.atomic
def bundle_respond_corrections(
    *, actor: Actor, application: BundleApplication, note: str | None = None, materials: Any = None
) -> BundleApplication:
    """The applicant answers every child's open correction request at once (补正 once for the whole bundle);
    ``materials`` maps an item code to that child's corrected materials."""
    user = signed_in(actor)
    if user.pk != application.applicant_id:
        raise PermissionDenied("只有申请人本人可以提交补正。")
    if materials is not None and not isinstance(materials, dict):
        raise ValidationFailed.for_field("materials", "补正材料应为以事项编码为键的对象")
    open_children = _open_children(application, CaseStatus.CORRECTION_REQUESTED)
    if not open_children:
        raise Conflict("本一件事没有待补正的事项。", code="no_open_correction")
    errs = FieldErrors()
    for child, case in open_children:
        try:
            case_respond_correction(
                actor=user,
                case=case.pk,
                expected_version=case.lock_version,
                note=note,
                materials=(materials or {}).get(child.item_code),
            )
        except ValidationFailed as exc:
            _remap(exc, child.item_code, errs)
    errs.raise_if_any("补正未通过校验")
    audit.record(
        actor=user,
        action="bundles.application.respond_corrections",
        subject=application,
        after={"children": [c.case_number for c, _ in open_children]},
    )
    return application


@transaction.atomic
def bundle_request_corrections(
    *, actor: Actor, application: BundleApplication, requests: Any, respond_days: int | None = None
) -> BundleApplication:
    """A clerk's one 补正 request over several children (``requests``: item code → [{target, reason}]), all
    or none; each child is asked through the cases service, which checks the clerk's permission and scope."""
    if not isinstance(requests, dict) or not requests:
        raise ValidationFailed.for_field("requests", "请按事项列出需补正的内容")
    children = {c.item_code: c for c in application.children.filter(status=ChildStatus.FILED)}
    errs = FieldErrors()
    for code, items in requests.items():
        child = children.get(code)
        if child is None:
            errs.add(f"requests.{code}", "该事项不在本一件事的已提交事项中")
            continue
        try:
            case = cases_selectors.case_get(user=actor, case_id=child.case_id or 0)
            case_request_correction(
                actor=actor,
                case=case.pk,
                expected_version=case.lock_version,
                items=items,
                respond_days=respond_days,
            )
        except ValidationFailed as exc:
            _remap(exc, code, errs)
    errs.raise_if_any("补正告知未通过校验")
    audit.record(
        actor=actor,
        action="bundles.application.request_corrections",
        subject=application,
        after={"children": sorted(requests)},
    )
    return application
