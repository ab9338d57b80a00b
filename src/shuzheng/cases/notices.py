"""What the applicant is told when their case moves: 补正, 不予受理, 准予许可, 不予许可, 办结.

Recipients: the applicant's account (the citizen, or the enterprise agent who applies as the
enterprise) and a non-staff account that filed the case, if different. The link is the case page on
the portal; one notification per recipient and status change (``dedupe_key``).
"""

from __future__ import annotations

from datetime import date
from typing import Any, Final

from django.urls import NoReverseMatch, reverse

from shuzheng.cases.models import Case, CaseStatusChange
from shuzheng.cases.workflow import CaseAction
from shuzheng.core.notifications import notify
from shuzheng.identity.constants import UserKind

#: action -> (notification kind, title prefix, body template over the case's item name).
NOTICES: Final[dict[str, tuple[str, str, str]]] = {
    CaseAction.REQUEST_CORRECTION: (
        "case.correction_requested",
        "办件需要补正",
        "您申请的“{name}”需要补正材料，请在{respond_by}前查看补正清单并提交补正材料。",
    ),
    CaseAction.REJECT: (
        "case.not_accepted",
        "办件不予受理",
        "您申请的“{name}”不予受理，理由和依据请查看办件详情。",
    ),
    CaseAction.APPROVE: (
        "case.approved",
        "办件准予许可",
        "您申请的“{name}”已准予许可，请留意结果送达。",
    ),
    CaseAction.REFUSE: (
        "case.refused",
        "办件不予许可",
        "您申请的“{name}”不予许可，理由和依据请查看办件详情。",
    ),
    CaseAction.CONCLUDE: (
        "case.concluded",
        "办件已办结",
        "您申请的“{name}”已办结。",
    ),
    CaseAction.REVOKE_DECISION: (
        "case.decision_revoked",
        "办件自动审批决定已撤销",
        "您申请的“{name}”的自动审批决定经复核已撤销，转由工作人员重新审查，结果将另行通知。",
    ),
}


def portal_link(case: Case) -> str:
    try:
        return reverse("cases:portal_case", kwargs={"case_id": case.pk})
    except NoReverseMatch:
        return f"/cases/{case.pk}/"


def applicant_accounts(case: Case) -> list[Any]:
    """The active accounts that see the case on the portal as theirs."""
    accounts: dict[int, Any] = {}
    for user in (case.applicant, case.submitted_by):
        if user is not None and user.is_active and user.kind != UserKind.STAFF:
            accounts.setdefault(user.pk, user)
    return list(accounts.values())


def notify_applicant(case: Case, change: CaseStatusChange) -> None:
    """Tell the applicant about `change` when its action is one they must hear about."""
    notice = NOTICES.get(change.action)
    if notice is None:
        return
    kind, title, body = notice
    respond_by = change.data.get("respond_by")
    due = f"{date.fromisoformat(respond_by):%Y年%m月%d日}" if respond_by else "规定期限"
    for user in applicant_accounts(case):
        notify(
            recipient=user,
            kind=kind,
            title=f"{title}：{case.number}",
            body=body.format(name=case.version.name, respond_by=due),
            link=portal_link(case),
            dedupe_key=f"case:{case.pk}:{change.action}:{change.pk}",
        )
