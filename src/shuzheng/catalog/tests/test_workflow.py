"""The version lifecycle table: every allowed edge walked through the services, every other refused."""

from __future__ import annotations

import itertools

import pytest

from shuzheng.catalog.constants import VersionStatus
from shuzheng.catalog.models import ServiceItemVersion
from shuzheng.catalog.services import versions
from shuzheng.catalog.tests.conftest import fields, make_live
from shuzheng.catalog.workflow import PUBLISH, REFUSALS, RETIRE, SUPERSEDE, VERSION_TRANSITIONS
from shuzheng.core.actors import SYSTEM
from shuzheng.core.errors import Conflict
from shuzheng.identity.tests.conftest import Org

pytestmark = pytest.mark.django_db

WALKED = {
    (VersionStatus.DRAFT, PUBLISH),
    (VersionStatus.PUBLISHED, RETIRE),
    (VersionStatus.PUBLISHED, SUPERSEDE),
}


def test_the_table_names_every_status_and_only_the_walked_edges() -> None:
    assert VERSION_TRANSITIONS.states() == set(VersionStatus.values)
    assert set(VERSION_TRANSITIONS.edges) == WALKED
    assert set(REFUSALS) == VERSION_TRANSITIONS.actions()
    assert VERSION_TRANSITIONS.is_final(VersionStatus.RETIRED)


def test_publish_moves_a_draft_to_published(org: Org) -> None:
    draft = versions.item_create(actor=SYSTEM, code="W-1", fields=fields(org.bureau))
    published = versions.version_publish(actor=SYSTEM, version=draft)
    assert published.status == VersionStatus.PUBLISHED


def test_publishing_a_new_draft_supersedes_the_live_version(org: Org) -> None:
    live = make_live("W-2", org.bureau)
    draft = versions.version_draft_from(actor=SYSTEM, version=live)
    versions.version_publish(actor=SYSTEM, version=draft)
    live.refresh_from_db()
    assert live.status == VersionStatus.RETIRED


def test_retire_moves_a_published_version_to_retired(org: Org) -> None:
    live = make_live("W-3", org.bureau)
    assert versions.version_retire(actor=SYSTEM, version=live).status == VersionStatus.RETIRED


@pytest.mark.parametrize(
    ("status", "action"),
    [
        pair
        for pair in itertools.product(VersionStatus.values, sorted(VERSION_TRANSITIONS.actions()))
        if pair not in WALKED
    ],
)
def test_every_other_move_is_refused(status: str, action: str) -> None:
    version = ServiceItemVersion(status=status)
    with pytest.raises(Conflict) as refused:
        versions.transition(version, action)
    assert refused.value.code == REFUSALS[action][0]
    assert version.status == status


def test_the_services_refuse_what_the_table_refuses(org: Org) -> None:
    live = make_live("W-4", org.bureau)
    with pytest.raises(Conflict, match="只有草稿可以发布"):
        versions.version_publish(actor=SYSTEM, version=live)
    retired = versions.version_retire(actor=SYSTEM, version=live)
    with pytest.raises(Conflict, match="只有已发布的版本可以废止"):
        versions.version_retire(actor=SYSTEM, version=retired)
    with pytest.raises(Conflict, match="只有草稿可以发布"):
        versions.version_publish(actor=SYSTEM, version=retired)
    draft = versions.version_draft_from(actor=SYSTEM, version=retired)
    with pytest.raises(Conflict, match="只有已发布的版本可以废止"):
        versions.version_retire(actor=SYSTEM, version=draft)
