"""Lifecycles of the data hub, as (from state, action) → to state tables.

A catalog entry: edit → review → published; a reviewer other than the editor approves. A sharing request:
pending until the providing department approves or refuses it (无条件共享 requests are approved at once).
Each record's status has one writer (`services.catalog.entry_transition`, `services.sharing._move`) that
asks its table.
"""

from __future__ import annotations

from typing import Final

from shuzheng.core.transitions import TransitionTable
from shuzheng.datahub.models import EntryStatus, SharingRequest

ENTRY_WORKFLOW: Final = TransitionTable(
    {
        (EntryStatus.DRAFT, "submit"): EntryStatus.IN_REVIEW,
        (EntryStatus.IN_REVIEW, "approve"): EntryStatus.PUBLISHED,
        (EntryStatus.IN_REVIEW, "reject"): EntryStatus.DRAFT,
        (EntryStatus.PUBLISHED, "revise"): EntryStatus.DRAFT,
    }
)
#: Actions that need the review permission (the others need the edit permission).
REVIEW_ACTIONS: Final = frozenset({"approve", "reject"})
ACTION_LABELS: Final = {
    "submit": "提交审核",
    "approve": "审核通过",
    "reject": "退回修改",
    "revise": "撤回修订",
}

SHARING_WORKFLOW: Final = TransitionTable(
    {
        (SharingRequest.Status.PENDING, "approve"): SharingRequest.Status.APPROVED,
        (SharingRequest.Status.PENDING, "refuse"): SharingRequest.Status.REFUSED,
    }
)
