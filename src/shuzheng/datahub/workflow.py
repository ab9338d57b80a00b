"""Lifecycle of a catalog entry: edit → review → published; a reviewer other than the editor approves."""

from __future__ import annotations

from typing import Final

from shuzheng.datahub.models import EntryStatus

#: (from, to) → the action's name as the API and audit know it.
ALLOWED_TRANSITIONS: Final[dict[tuple[str, str], str]] = {
    (EntryStatus.DRAFT, EntryStatus.IN_REVIEW): "submit",
    (EntryStatus.IN_REVIEW, EntryStatus.PUBLISHED): "approve",
    (EntryStatus.IN_REVIEW, EntryStatus.DRAFT): "reject",
    (EntryStatus.PUBLISHED, EntryStatus.DRAFT): "revise",
}
ACTION_TARGET: Final[dict[str, tuple[str, str]]] = {
    action: edge for edge, action in ALLOWED_TRANSITIONS.items()
}
#: Actions that need the review permission (the others need the edit permission).
REVIEW_ACTIONS: Final = frozenset({"approve", "reject"})
ACTION_LABELS: Final = {
    "submit": "提交审核",
    "approve": "审核通过",
    "reject": "退回修改",
    "revise": "撤回修订",
}
