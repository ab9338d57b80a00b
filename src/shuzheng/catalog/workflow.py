"""The lifecycle of a service item version: draft → published → retired.

A draft is edited freely and may be discarded (deleted, which is no state). Publishing a draft makes it
the live version and supersedes (retires) the version it replaces; a live version may also be retired on
its own, leaving the item without a guide. Published and retired versions never change again: a case
keeps the version it was filed under. A version is created as a draft (or, by the bulk publication of
new items, as published); from then on the one writer of `ServiceItemVersion.status` is
`catalog.services.versions.transition`, which asks this table.
"""

from __future__ import annotations

from typing import Final

from shuzheng.catalog.constants import VersionStatus
from shuzheng.core.transitions import TransitionTable

PUBLISH: Final = "publish"
RETIRE: Final = "retire"
#: A newer version of the item was published.
SUPERSEDE: Final = "supersede"

VERSION_TRANSITIONS: Final = TransitionTable(
    {
        (VersionStatus.DRAFT.value, PUBLISH): VersionStatus.PUBLISHED.value,
        (VersionStatus.PUBLISHED.value, RETIRE): VersionStatus.RETIRED.value,
        (VersionStatus.PUBLISHED.value, SUPERSEDE): VersionStatus.RETIRED.value,
    }
)

#: What a refused action answers: (problem code, message with the version's current status label).
REFUSALS: Final[dict[str, tuple[str, str]]] = {
    PUBLISH: ("not_a_draft", "只有草稿可以发布（该版本{status}）。"),
    RETIRE: ("not_published", "只有已发布的版本可以废止（该版本{status}）。"),
    SUPERSEDE: ("not_published", "只有已发布的版本可以被新版本替换（该版本{status}）。"),
}
