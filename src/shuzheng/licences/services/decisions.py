"""准予/不予许可决定书: generated when a case is approved or refused, from the item's template (or the
default one), with the case's variables, sealed PAdES with the department's official seal."""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING, Final

from django.db import transaction
from django.utils import timezone

from shuzheng.core import audit
from shuzheng.core.actors import SYSTEM
from shuzheng.core.crypto.sm3 import sm3_hex
from shuzheng.core.errors import ApplicationError
from shuzheng.licences import rendering, signing
from shuzheng.licences.constants import DecisionKind
from shuzheng.licences.models import DecisionDocument, DecisionTemplate
from shuzheng.licences.services.casework import case_for
from shuzheng.licences.services.seals import record_use, signing_seal

if TYPE_CHECKING:
    from shuzheng.cases.models import Case

logger = logging.getLogger(__name__)

DEFAULT_BODIES: Final = {
    DecisionKind.APPROVAL: (
        "你（单位）于{收件日期}提出的“{事项名称}”申请（办件编号：{办件编号}），本机关已依法受理并审查。"
        "经审查，申请符合法定条件、标准。依据{法律依据}，本机关决定准予行政许可。{决定理由}\n"
        "许可结果（电子证照）已同步发放至你（单位）的“我的证照”，可在线查验。"
    ),
    DecisionKind.REFUSAL: (
        "你（单位）于{收件日期}提出的“{事项名称}”申请（办件编号：{办件编号}），本机关已依法受理并审查。"
        "经审查，{决定理由}依据{法律依据}，本机关决定不予行政许可。\n"
        "如不服本决定，可以自收到本决定书之日起六十日内依法申请行政复议，或者在六个月内依法向人民法院提起行政诉讼。"
    ),
}
_VARIABLE: Final = re.compile(r"\{([^{}\s]{1,16})\}")


def variables(case: Case) -> dict[str, str]:
    decided = timezone.localtime(case.decided_at) if case.decided_at else timezone.localtime()
    return {
        "申请人": case.applicant_name,
        "事项名称": case.version.name,
        "办件编号": case.number,
        "收件日期": f"{timezone.localtime(case.received_at):%Y年%m月%d日}",
        "决定日期": f"{decided:%Y年%m月%d日}",
        "决定理由": case.decision_reasons or "",
        "法律依据": case.decision_legal_basis or case.version.legal_basis or "有关法律法规",
        "部门": case.department.name,
    }


def fill(body: str, values: dict[str, str]) -> str:
    """Known {变量} replaced; anything else in braces stays as written (a typo shows, never fails)."""
    return _VARIABLE.sub(lambda m: values.get(m.group(1), m.group(0)), body)


def template_body(case: Case, kind: str) -> str:
    own = DecisionTemplate.objects.filter(item_id=case.item_id, kind=kind).first()
    default = own or DecisionTemplate.objects.filter(item__isnull=True, kind=kind).first()
    return default.body if default is not None else DEFAULT_BODIES[DecisionKind(kind)]


def _number(case: Case, kind: str) -> str:
    year = timezone.localdate().year
    count = DecisionDocument.objects.filter(
        case__department_id=case.department_id, created_at__year=year
    ).count()
    short = case.department.short_name or case.department.name
    word = "许" if kind == DecisionKind.APPROVAL else "不许"
    return f"{short}{word}字〔{year}〕{count + 1}号"


def decision_issue(*, case_id: int, kind: str) -> DecisionDocument | None:
    """The sealed decision document of an approved / refused case, in a savepoint: without a valid seal
    none is made (logged) and the decision itself stands."""
    case = case_for(case_id)
    if case is None:
        return None
    existing = DecisionDocument.objects.filter(case_id=case.pk, kind=kind).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            return _issue(case, kind)
    except ApplicationError as exc:
        logger.debug("licences.decision_failed", extra={"case": case.pk, "reason": exc.detail})
        return None


def _issue(case: Case, kind: str) -> DecisionDocument:
    seal = signing_seal(case.department)
    values = variables(case)
    number = _number(case, kind)
    page = rendering.DecisionPage(
        title=DecisionKind(kind).label,
        number=number,
        addressee=case.applicant_name,
        body=fill(template_body(case, kind), values),
        issuer=case.department.name,
        dated=values["决定日期"],
        seal=rendering.SealMark(seal.name),
    )
    pdf = signing.pades_sign(
        rendering.decision_pdf(page),
        certificate_pem=seal.certificate_pem,
        private_key_pem=seal.ec_private_key,
        authority_pem=seal.authority.certificate_pem,
        reason=f"{DecisionKind(kind).label} {number}",
        location=case.department.name,
    )
    document = DecisionDocument.objects.create(
        case_id=case.pk, kind=kind, number=number, seal=seal, pdf=pdf, pdf_sm3=sm3_hex(pdf)
    )
    record_use(
        seal=seal, actor=SYSTEM, document_kind=kind, document_ref=number, document_sm3=document.pdf_sm3
    )
    audit.record(
        actor=SYSTEM,
        action="licences.decision.issue",
        subject=document,
        after={"case_id": case.pk, "kind": kind, "number": number, "sm3": document.pdf_sm3},
    )
    return document
