"""Two lifecycles of the bundles context.

A bundle version: draft → published → retired, as an item version (publishing a draft supersedes the live
version; a live version may be retired on its own). An application (the parent 一件事 case): in_progress →
concluded once every child case has reached a final status and no child waits any more. A child waits for
an earlier child's approval (waiting → filed) or is dropped when that one fails or the bundle's refusal rule
stops it (waiting → cancelled).
"""

from __future__ import annotations

from typing import Final

from shuzheng.bundles.constants import ApplicationStatus, ChildStatus
from shuzheng.catalog.constants import VersionStatus
from shuzheng.core.transitions import TransitionTable

PUBLISH: Final = "publish"
RETIRE: Final = "retire"
SUPERSEDE: Final = "supersede"
CONCLUDE: Final = "conclude"
RELEASE: Final = "release"
CANCEL: Final = "cancel"

VERSION_TRANSITIONS: Final = TransitionTable(
    {
        (VersionStatus.DRAFT.value, PUBLISH): VersionStatus.PUBLISHED.value,
        (VersionStatus.PUBLISHED.value, RETIRE): VersionStatus.RETIRED.value,
        (VersionStatus.PUBLISHED.value, SUPERSEDE): VersionStatus.RETIRED.value,
    }
)
VERSION_REFUSALS: Final[dict[str, tuple[str, str]]] = {
    PUBLISH: ("not_a_draft", "只有草稿可以发布（该版本{status}）。"),
    RETIRE: ("not_published", "只有已发布的版本可以废止（该版本{status}）。"),
    SUPERSEDE: ("not_published", "只有已发布的版本可以被新版本替换（该版本{status}）。"),
}

APPLICATION_TRANSITIONS: Final = TransitionTable(
    {(ApplicationStatus.IN_PROGRESS.value, CONCLUDE): ApplicationStatus.CONCLUDED.value}
)
CHILD_TRANSITIONS: Final = TransitionTable(
    {
        (ChildStatus.WAITING.value, RELEASE): ChildStatus.FILED.value,
        (ChildStatus.WAITING.value, CANCEL): ChildStatus.CANCELLED.value,
    }
)
