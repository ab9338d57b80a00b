"""Following the child cases (on cases' `case_status_changed`, in the transaction of the move): a child that
waits for an approved one is filed; a child that fails drops the children waiting for it and, under the
"stop" rule, withdraws the others not yet decided; the parent concludes when every child has concluded."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from shuzheng.bundles import rules, selectors
from shuzheng.bundles.constants import ApplicationStatus, ChildStatus, Outcome, RefusalRule
from shuzheng.bundles.models import BundleApplication, BundleChild, BundleStatusChange
from shuzheng.bundles.services.applications import file_child
from shuzheng.bundles.workflow import APPLICATION_TRANSITIONS, CANCEL, CHILD_TRANSITIONS, CONCLUDE, RELEASE
from shuzheng.cases import selectors as cases_selectors
from shuzheng.cases.constants import CaseStatus, Decision
from shuzheng.cases.services.closing import case_withdraw
from shuzheng.cases.services.uploads import material_upload
from shuzheng.cases.workflow import DECIDED_STATUSES, FINAL_STATUSES
from shuzheng.core import audit
from shuzheng.core.actors import SYSTEM
from shuzheng.core.errors import ApplicationError
from shuzheng.licences import selectors as licences_selectors

if TYPE_CHECKING:
    from shuzheng.identity.models import User

FAILED = frozenset({CaseStatus.REFUSED, CaseStatus.NOT_ACCEPTED, CaseStatus.WITHDRAWN})


def on_case_status_changed(sender: Any, *, case_id: int, to_status: str, **kwargs: Any) -> None:
    """Receiver of cases' signal: only cases that are children of a bundle matter."""
    application_id = (
        BundleChild.objects.filter(case_id=case_id).values_list("application_id", flat=True).first()
    )
    if application_id is not None:
        child_case_moved(application_id=application_id, case_id=case_id, to_status=to_status)


def _dependents(children: list[BundleChild], position: int) -> list[BundleChild]:
    """Children waiting (directly or through others) for the child at `position`."""
    found: list[BundleChild] = []
    frontier = {position}
    while frontier:
        step = [
            c
            for c in children
            if c.waits_for in frontier and c.status == ChildStatus.WAITING and c not in found
        ]
        found.extend(step)
        frontier = {c.position for c in step}
    return found


def _move(child: BundleChild, action: str) -> None:
    target = CHILD_TRANSITIONS.target(child.status, action)
    if target is None:
        raise ApplicationError(
            f"子事项状态为“{ChildStatus(child.status).label}”，不能执行此操作。", code="child_state"
        )
    child.status = target


@transaction.atomic
def child_case_moved(*, application_id: int, case_id: int, to_status: str) -> None:
    application = (
        BundleApplication.objects.select_for_update()
        .select_related("version", "applicant")
        .get(pk=application_id)
    )
    if application.status != ApplicationStatus.IN_PROGRESS:
        return
    children = list(application.children.order_by("position"))
    me = next(c for c in children if c.case_id == case_id)
    if to_status == CaseStatus.APPROVED:
        for child in [c for c in children if c.waits_for == me.position and c.status == ChildStatus.WAITING]:
            _release(application, child, children)
    elif to_status in FAILED:
        for child in _dependents(children, me.position):
            _cancel(application, child, f"前序事项“{me.item_name}”未获批准，不再办理")
        if application.version.refusal_rule == RefusalRule.STOP:
            _stop_others(application, children, me)
    _conclude_if_done(application, children)


def _release(application: BundleApplication, child: BundleChild, children: list[BundleChild]) -> None:
    """File a waiting child now that the child it waits for is approved; its uploaded materials are copied
    from the sibling case that holds the same document."""
    if CHILD_TRANSITIONS.target(child.status, RELEASE) is None:
        return
    payload = json.loads(child.pending or "{}")
    user = application.applicant
    materials = []
    for m in payload.get("materials", []):
        if m.get("copy"):
            upload_id = _copy_from_sibling(user, application, children, m["key"])
            if upload_id is None:
                continue
            materials.append({"code": m["code"], "upload_id": upload_id})
        else:
            materials.append(m)
    materials += _held_licences(user, child.item_code, {m["code"] for m in materials})
    try:
        with transaction.atomic():
            file_child(
                user=user,
                application=application,
                child=child,
                form=payload.get("form", {}),
                materials=materials,
                uploads_used=set(),
                copies={},
            )
    except ApplicationError as exc:
        child.note = f"自动提交未成功：{exc}"[:200]
        child.save(update_fields=["note"])
        return
    child.pending = ""
    child.note = ""
    child.save(update_fields=["status", "case", "case_number", "pending", "note"])
    audit.record(
        actor=SYSTEM,
        action="bundles.child.release",
        subject=application,
        after={"item": child.item_code, "case": child.case_number},
    )


def _held_licences(user: User, item_code: str, answered: set[str]) -> list[dict[str, Any]]:
    """Materials of the item that a licence the applicant holds now covers — typically the licence the
    child it waited for has just produced — linked instead of asked for."""
    live = selectors.live_item(item_code)
    if live is None:
        return []
    held = {licence.licence_type.name: licence for licence in licences_selectors.licences_held_by(user)}
    return [
        {"code": r.code, "licence_reference": held[r.licence_type].identifier}
        for r in live.materials.all()
        if r.licence_type in held and r.code not in answered
    ]


def _copy_from_sibling(
    user: User, application: BundleApplication, children: list[BundleChild], key: str
) -> int | None:
    for sibling in children:
        if sibling.case_id is None:
            continue
        case = cases_selectors.applicant_case(applicant_id=application.applicant_id, case_id=sibling.case_id)
        if case is None:
            continue
        for material in cases_selectors.case_materials(case):
            if (
                material.file
                and material.requirement is not None
                and rules.material_key(material.requirement) == key
            ):
                material.file.open("rb")
                try:
                    content = material.file.read()
                finally:
                    material.file.close()
                return material_upload(
                    actor=user, file=ContentFile(content, name=material.name[:60] + ".pdf")
                ).pk
    return None


def _cancel(application: BundleApplication, child: BundleChild, note: str) -> None:
    _move(child, CANCEL)
    child.pending = ""
    child.note = note[:200]
    child.save(update_fields=["status", "pending", "note"])
    audit.record(
        actor=SYSTEM,
        action="bundles.child.cancel",
        subject=application,
        after={"item": child.item_code, "note": note},
    )


def _stop_others(application: BundleApplication, children: list[BundleChild], failed: BundleChild) -> None:
    """The "stop" rule: drop every waiting child and withdraw the filed ones not yet decided."""
    reason = f"一件事中“{failed.item_name}”未获批准，按本主题规则其余未决事项一并终止"
    for child in children:
        if child.status == ChildStatus.WAITING:
            _cancel(application, child, reason)
        elif (
            child.status == ChildStatus.FILED
            and child.case_id != failed.case_id
            and child.case_id is not None
        ):
            case = cases_selectors.applicant_case(
                applicant_id=application.applicant_id, case_id=child.case_id
            )
            if case is None or case.status in DECIDED_STATUSES or case.status in FINAL_STATUSES:
                continue
            case_withdraw(
                actor=application.applicant, case=case.pk, expected_version=case.lock_version, reason=reason
            )


def _conclude_if_done(application: BundleApplication, children: list[BundleChild]) -> None:
    approved = 0
    for child in children:
        if child.status == ChildStatus.WAITING:
            return
        if child.status == ChildStatus.CANCELLED or child.case_id is None:
            continue
        case = cases_selectors.applicant_case(applicant_id=application.applicant_id, case_id=child.case_id)
        if case is None or case.status not in FINAL_STATUSES:
            return
        approved += case.status == CaseStatus.CONCLUDED and case.decision == Decision.APPROVED
    target = APPLICATION_TRANSITIONS.target(application.status, CONCLUDE)
    if target is None:
        return
    before = application.status
    application.status = target
    application.outcome = (
        Outcome.ALL_APPROVED
        if approved == len(children)
        else Outcome.PARTLY_APPROVED
        if approved
        else Outcome.NONE_APPROVED
    )
    application.concluded_at = timezone.now()
    application.save(update_fields=["status", "outcome", "concluded_at", "updated_at"])
    BundleStatusChange.objects.create(
        application=application,
        action=CONCLUDE,
        from_status=before,
        to_status=target,
        occurred_at=application.concluded_at,
        note=Outcome(application.outcome).label,
    )
    audit.record(
        actor=SYSTEM,
        action="bundles.application.conclude",
        subject=application,
        before={"status": before},
        after={"status": target, "outcome": application.outcome},
    )
