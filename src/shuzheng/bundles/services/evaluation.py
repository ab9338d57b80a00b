"""One 好差评 for a whole 一件事: the applicant rates the concluded bundle once, and the rating is recorded,
through the evaluation context's own service, for every child case that concluded — each department is
rated for its part (the 好差评 statistics stay per department and item), in one transaction: all or none."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import transaction

from shuzheng.bundles.constants import ApplicationStatus
from shuzheng.bundles.models import BundleApplication
from shuzheng.cases import selectors as cases_selectors
from shuzheng.cases.access import signed_in
from shuzheng.cases.constants import CaseStatus
from shuzheng.core import audit
from shuzheng.core.errors import Conflict, NotFound
from shuzheng.evaluation.services.ratings import evaluation_submit_online
from shuzheng.identity.actors import Actor


@transaction.atomic
def bundle_evaluate(
    *,
    actor: Actor,
    application: BundleApplication,
    level: int | None = None,
    dimensions: Mapping[str, Any] | None = None,
    comment: str = "",
) -> int:
    """Rate the concluded bundle once; returns the number of child cases rated."""
    user = signed_in(actor)
    if application.applicant_id != user.pk:
        raise NotFound("一件事申请不存在。")
    if application.status != ApplicationStatus.CONCLUDED:
        raise Conflict("一件事尚未办结，办结后才能评价。", code="bundle_not_concluded")
    rated = 0
    for child in application.children.exclude(case__isnull=True).order_by("position"):
        case = cases_selectors.applicant_case(applicant_id=user.pk, case_id=child.case_id or 0)
        if case is None or case.status != CaseStatus.CONCLUDED:
            continue
        evaluation_submit_online(actor=user, case=case, level=level, dimensions=dimensions, comment=comment)
        rated += 1
    if not rated:
        raise Conflict("本一件事没有可评价的已办结事项。", code="nothing_to_evaluate")
    audit.record(
        actor=user, action="bundles.application.evaluate", subject=application, after={"rated": rated}
    )
    return rated
