"""Demo cases for Enping: the three case roles for the demo staff, and about 200 applications over the
demo catalog in every state — some overdue, some in warning, some concluded.

Needs the orgs, identity and catalog demos. Roles (through ``identity.services.role_ensure``):

- ``case_acceptor`` 受理人员 — intake at the window, accept / reject / correction / 容缺 / forward,
  hand the case over to review, decide 即办件 (whose only step is the acceptance), deliver results;
- ``case_reviewer`` 审查人员 — act on review steps, start special procedures;
- ``case_approver`` 审批人员 — the decision step, special procedures, delivery.

Assignments: ``window01`` (the city hall's comprehensive window) accepts for every city department
with demo items; each department's own staff (identity.demo's ``department_staff`` accounts, e.g.
``scjg01`` of 市场监管局) reviews and decides its cases — ``zwsj_admin`` only for a department without
one; ``shahu_clerk`` does all three for 沙湖镇.

Every case goes through the services (submission, transitions with past ``at`` times), so numbers,
history, audit events and clocks are real. ``load()`` is idempotent: case ``n`` carries the
idempotency key ``demo-<n>`` and is skipped when it exists.
"""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone

from shuzheng.cases.constants import CaseStatus
from shuzheng.cases.demo.roles import assign_roles, ensure_roles
from shuzheng.cases.demo.stories import Loader, Progress
from shuzheng.cases.models import Case


def load(progress: Progress | None = None, *, now: datetime | None = None) -> dict[str, int]:
    """Create the case roles, assign them, and file the demo cases; idempotent."""
    roles = ensure_roles()
    departments = assign_roles(roles)
    loader = Loader(now or timezone.now())
    created, skipped = loader.run(progress)
    demo = Case.objects.filter(idempotency_key__startswith="demo-")
    by_status = {status: demo.filter(status=status).count() for status in CaseStatus.values}
    return {
        "cases": demo.count(),
        "case_departments": departments,
        "created": created,
        "skipped": skipped,
        **{f"status_{k}": v for k, v in by_status.items() if v},
    }
