"""Writes on a case that do not change its status: the acting clerk claims it; a forwarded case records
the number the target region gave it."""

from __future__ import annotations

from django.db import transaction

from shuzheng.cases.access import authorise, require_step_role
from shuzheng.cases.constants import CaseStatus
from shuzheng.cases.models import Case
from shuzheng.cases.services.common import check_version, lock_case, text
from shuzheng.cases.workflow import CaseAction
from shuzheng.core import audit
from shuzheng.core.errors import Conflict
from shuzheng.identity.actors import Actor


@transaction.atomic
def case_record_remote_reference(
    *, actor: Actor, case: Case | int, reference: str, expected_version: int
) -> Case:
    """Record the number the target region gave a forwarded (跨省通办) case."""
    locked = lock_case(case)
    user = authorise(actor, locked, CaseAction.FORWARD)
    check_version(locked, expected_version)
    if locked.status != CaseStatus.FORWARDED:
        raise Conflict("只有已转办的跨省通办件可以登记对方受理编号。", code="not_forwarded")
    reference = text(reference, field="reference", label="对方受理编号", max_length=64, required=True)
    before = {"remote_reference": locked.remote_reference, "lock_version": locked.lock_version}
    locked.remote_reference = reference
    locked.lock_version += 1
    locked.save(update_fields=["remote_reference", "lock_version", "updated_at"])
    audit.record(
        actor=user,
        action="cases.case.remote_reference",
        subject=locked,
        before=before,
        after={"remote_reference": reference, "lock_version": locked.lock_version},
    )
    return locked


@transaction.atomic
def case_claim(*, actor: Actor, case: Case | int, expected_version: int) -> Case:
    """Take a case as its acting clerk: at the acceptance stage with ``cases.accept_case``, in review
    when holding the current step's role."""
    locked = lock_case(case)
    if locked.status in (CaseStatus.SUBMITTED, CaseStatus.CORRECTION_REQUESTED, CaseStatus.ACCEPTED):
        action = CaseAction.ACCEPT if locked.status != CaseStatus.ACCEPTED else CaseAction.START_REVIEW
    elif locked.status in (CaseStatus.UNDER_REVIEW, CaseStatus.SUSPENDED):
        action = CaseAction.COMPLETE_STEP
    elif locked.status in (CaseStatus.APPROVED, CaseStatus.REFUSED, CaseStatus.DELIVERED):
        action = CaseAction.DELIVER
    else:
        authorise(actor, locked, CaseAction.CONCLUDE)
        raise Conflict("该办件无需认领。", code="nothing_to_claim")
    user = authorise(actor, locked, action)
    check_version(locked, expected_version)
    if locked.status in (CaseStatus.UNDER_REVIEW, CaseStatus.SUSPENDED) and locked.current_step is not None:
        require_step_role(user, locked, locked.current_step)
    before = {"acting_user_id": locked.acting_user_id, "lock_version": locked.lock_version}
    locked.acting_user = user
    locked.lock_version += 1
    locked.save(update_fields=["acting_user", "lock_version", "updated_at"])
    audit.record(
        actor=user,
        action="cases.case.claim",
        subject=locked,
        after={"acting_user_id": user.pk, "lock_version": locked.lock_version},
        before=before,
    )
    return locked
