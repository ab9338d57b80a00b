"""Deciding a submitted case by its item version's active rules, and reviewing automatic approvals.

`decide_submitted_case` runs after the submission commits (see `receivers`): it reads what the conditions
need (form, base registries through the data service, held licences), evaluates them, and — when every
condition holds — has the cases context accept, approve, deliver and conclude the case in the same
transaction as the `AutomaticDecision` that explains it. Anything else (a condition failed, data missing, a
registry unreadable, the case no longer as submitted) leaves the case in the normal workflow, with the
failed and missing conditions recorded for the clerk. A configurable share of automatic approvals is drawn
for a reviewer (`settings.INSTANT_APPROVAL_REVIEW_SHARE`), who confirms one or revokes it with reasons.
"""

from __future__ import annotations

import hashlib
import logging
import time
from typing import TYPE_CHECKING, Any, Final

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from shuzheng.cases import form_privacy
from shuzheng.cases import selectors as cases_selectors
from shuzheng.cases.constants import CaseStatus
from shuzheng.cases.services.automatic import case_decide_automatically
from shuzheng.cases.services.closing import case_revoke_decision
from shuzheng.core import audit
from shuzheng.core.actors import SYSTEM
from shuzheng.core.errors import ApplicationError, Conflict, PermissionDenied, ValidationFailed
from shuzheng.identity.actors import Actor, is_user
from shuzheng.identity.constants import DataScopeKind
from shuzheng.identity.scopes import DataScope, Grant
from shuzheng.instant_approval import facts, rules, selectors
from shuzheng.instant_approval.constants import FORM, REVIEW_PERM, Outcome, ReviewState
from shuzheng.instant_approval.models import AutomaticDecision, RuleSet

if TYPE_CHECKING:
    from shuzheng.cases.models import Case

logger = logging.getLogger(__name__)

#: The platform reads the case it decides, whatever anyone's scope.
PLATFORM_SCOPE: Final = DataScope(user_id=None, grants=(Grant(kind=DataScopeKind.ALL),))
HIDDEN: Final = "（个人信息，已隐去）"
NOTE_MAX: Final = 2000


def sampled(number: str, share: float | None = None) -> bool:
    """Whether an automatic approval is drawn for review: a fixed draw from the case number (the same case
    always draws the same), below the configured share."""
    share = settings.INSTANT_APPROVAL_REVIEW_SHARE if share is None else share
    draw = int.from_bytes(hashlib.sha256(number.encode()).digest()[:4], "big") / 2**32
    return draw < share


def _inputs(case: Case, conditions: list[rules.Condition], data: dict[str, Any]) -> dict[str, Any]:
    """The values the conditions read, by name; personal form fields are recorded as given, not in clear."""
    personal = {f"{FORM}.{name}" for name in form_privacy.personal_fields(case.version.form_schema)}
    names = sorted({n for c in conditions for n in rules.variables(c.logic)})
    shown: dict[str, Any] = {}
    for name in names:
        value = rules.lookup(data, name)
        shown[name] = HIDDEN if name in personal and value not in (None, "") else value
    return shown


def _decide(case: Case, rule_set: RuleSet) -> AutomaticDecision:
    started = time.perf_counter()
    conditions = rules.as_conditions(rule_set.conditions)
    gathered = facts.gather(case, conditions=conditions, registries=rule_set.registries)
    results = rules.evaluate(conditions, gathered.data)
    problems = list(gathered.problems)
    outcome = Outcome.REFERRED
    with transaction.atomic():
        if rules.all_passed(results):
            basis = {
                "rule_set": rule_set.pk,
                "revision": rule_set.revision,
                "results": [{"code": r.code, "label": r.label, "passed": r.passed} for r in results],
            }
            try:
                with transaction.atomic():
                    case_decide_automatically(
                        actor=SYSTEM,
                        case=case.pk,
                        expected_version=case.lock_version,
                        reasons=rule_set.reasons,
                        legal_basis=rule_set.legal_basis,
                        basis=basis,
                    )
                outcome = Outcome.APPROVED
            except ApplicationError as exc:
                problems.append(f"自动审批未完成：{exc.detail or exc.title}")
        approved = outcome == Outcome.APPROVED
        decision = AutomaticDecision.objects.create(
            case_id=case.pk,
            rule_set=rule_set,
            department_id=case.department_id,
            outcome=outcome,
            inputs=_inputs(case, conditions, gathered.data),
            results=[r.as_dict() for r in results],
            problems=problems,
            decided_at=timezone.now(),
            elapsed_ms=round((time.perf_counter() - started) * 1000),
            review=ReviewState.PENDING if approved and sampled(case.number) else ReviewState.NOT_SAMPLED,
        )
        audit.record(
            actor=SYSTEM,
            action=f"instant_approval.decision.{'approve' if approved else 'refer'}",
            subject=decision,
            after={
                "case": case.number,
                "rule_set": rule_set.pk,
                "revision": rule_set.revision,
                "outcome": outcome,
                "failed": [r.code for r in results if r.passed is not True],
                "problems": problems,
            },
        )
    return decision


def decide_submitted_case(case_id: int) -> AutomaticDecision | None:
    """Decide a just-submitted case by its version's active rules (idempotent: once per case). None when
    there are no active rules or the case has moved on."""
    case = cases_selectors.case_in_scope_of(scope=PLATFORM_SCOPE, case_id=case_id)
    if case is None or case.status != CaseStatus.SUBMITTED:
        return None
    existing = selectors.decision_for_case(case_id)
    if existing is not None:
        return existing
    rule_set = selectors.active_rule_set(case.version_id)
    if rule_set is None:
        return None
    try:
        return _decide(case, rule_set)
    except IntegrityError:  # decided concurrently (a retried task): the other run's decision stands
        return selectors.decision_for_case(case_id)


# --- review -----------------------------------------------------------------------------------------


def _reviewer(actor: Actor) -> Any:
    if not is_user(actor) or not actor.is_authenticated:
        raise PermissionDenied("请先登录。")
    if not actor.has_perm(REVIEW_PERM):
        raise PermissionDenied("没有复核自动审批决定的权限。")
    return actor


def _locked(actor: Actor, decision: AutomaticDecision) -> AutomaticDecision:
    selectors.decision_get(user=actor, decision_id=decision.pk)  # scope: NotFound outside it
    locked = AutomaticDecision.objects.select_for_update().select_related("case").get(pk=decision.pk)
    if locked.outcome != Outcome.APPROVED:
        raise Conflict("这是转人工办理的判定，没有自动审批决定可复核。", code="not_approved")
    if locked.review in (ReviewState.CONFIRMED, ReviewState.REVOKED):
        raise Conflict(f"该决定已{ReviewState(locked.review).label}。", code="already_reviewed")
    return locked


def _note(value: Any, *, required: bool, label: str) -> str:
    text = str(value or "").strip()
    if "\x00" in text:
        raise ValidationFailed.for_field("note", f"{label}含有不可见的空字符")
    if required and not text:
        raise ValidationFailed.for_field("note", f"请填写{label}")
    if len(text) > NOTE_MAX:
        raise ValidationFailed.for_field("note", f"{label}不能超过{NOTE_MAX}个字")
    return text


@transaction.atomic
def decision_confirm(*, actor: Actor, decision: AutomaticDecision, note: Any = "") -> AutomaticDecision:
    """The reviewer finds the automatic approval right."""
    user = _reviewer(actor)
    text = _note(note, required=False, label="复核意见")
    locked = _locked(actor, decision)
    before = {"review": locked.review}
    locked.review = ReviewState.CONFIRMED
    locked.reviewed_at = timezone.now()
    locked.reviewed_by = user
    locked.review_note = text
    locked.save(update_fields=["review", "reviewed_at", "reviewed_by", "review_note"])
    audit.record(
        actor=actor,
        action="instant_approval.decision.confirm",
        subject=locked,
        before=before,
        after={"review": locked.review, "note": text},
    )
    return locked


@transaction.atomic
def decision_revoke(*, actor: Actor, decision: AutomaticDecision, note: Any) -> AutomaticDecision:
    """Revoke an automatic approval with reasons: the case goes back to review at its decision step
    (cases' ``revoke_decision``, which needs the decision permission over the case) and the applicant is
    told."""
    user = _reviewer(actor)
    text = _note(note, required=True, label="撤销理由")
    locked = _locked(actor, decision)
    before = {"review": locked.review}
    case_revoke_decision(
        actor=actor, case=locked.case_id, expected_version=locked.case.lock_version, reason=text
    )
    locked.review = ReviewState.REVOKED
    locked.reviewed_at = timezone.now()
    locked.reviewed_by = user
    locked.review_note = text
    locked.save(update_fields=["review", "reviewed_at", "reviewed_by", "review_note"])
    audit.record(
        actor=actor,
        action="instant_approval.decision.revoke",
        subject=locked,
        before=before,
        after={"review": locked.review, "note": text, "case": locked.case.number},
    )
    return locked
