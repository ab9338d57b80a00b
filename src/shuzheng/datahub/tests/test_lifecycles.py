"""The two lifecycle tables, edge by edge: every move they allow is walked through its service (which writes
the history or audit row), every other (state, action) pair is refused and leaves the record as it was."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from shuzheng.core.actors import SYSTEM
from shuzheng.core.errors import Conflict
from shuzheng.datahub.models import EntryStatus, EntryTransition, SharingRequest, SharingType
from shuzheng.datahub.services import catalog as catalog_services
from shuzheng.datahub.services import sharing as sharing_services
from shuzheng.datahub.tests.factories import CatalogEntryFactory, DataItemFactory, SharingRequestFactory
from shuzheng.datahub.workflow import ENTRY_WORKFLOW, SHARING_WORKFLOW
from shuzheng.identity.models import AuditEvent
from shuzheng.orgs.tests.factories import DepartmentFactory

pytestmark = pytest.mark.django_db

S = SharingRequest.Status


def _decide(request: SharingRequest, action: str) -> None:
    if action == "approve":
        sharing_services.sharing_request_approve(actor=SYSTEM, request=request)
    else:
        sharing_services.sharing_request_refuse(actor=SYSTEM, request=request, reason="不符合共享条件")


def _entry_with_item(**kwargs):
    entry = CatalogEntryFactory.create(**kwargs)
    DataItemFactory.create(entry=entry, name="id_number", label="公民身份号码")
    return entry


@pytest.mark.parametrize(("edge", "target"), sorted(SHARING_WORKFLOW.edges.items()))
def test_every_sharing_edge_is_walked(edge, target):
    source, action = edge
    request = SharingRequestFactory.create(entry=_entry_with_item(), status=source)
    _decide(request, action)
    request.refresh_from_db()
    assert request.status == target
    assert request.decided_at is not None
    assert AuditEvent.objects.filter(action=f"datahub.sharing.{action}", subject_id=str(request.pk)).exists()


@pytest.mark.parametrize(
    ("source", "action"),
    [
        (s, a)
        for s in S.values
        for a in sorted(SHARING_WORKFLOW.actions())
        if SHARING_WORKFLOW.target(s, a) is None
    ],
)
def test_every_other_sharing_move_is_refused(source, action):
    request = SharingRequestFactory.create(entry=_entry_with_item(), status=source)
    with pytest.raises(Conflict):
        _decide(request, action)
    request.refresh_from_db()
    assert request.status == source
    assert not AuditEvent.objects.filter(
        subject_id=str(request.pk), action__startswith="datahub.sharing"
    ).exists()


def test_an_unconditional_request_takes_the_approve_edge_at_once():
    entry = _entry_with_item(sharing_type=SharingType.UNCONDITIONAL)
    today = timezone.localdate()
    request = sharing_services.sharing_request_create(
        actor=SYSTEM,
        entry=entry,
        requester_department=DepartmentFactory.create(),
        purpose="低保资格核查",
        legal_basis="《社会救助暂行办法》",
        fields=["id_number"],
        period_start=today,
        period_end=today + timedelta(days=90),
    )
    assert request.status == SHARING_WORKFLOW.target(S.PENDING, "approve")
    assert request.auto_granted
    assert (
        AuditEvent.objects.filter(subject_id=str(request.pk), action="datahub.sharing.request").count() == 1
    )


@pytest.mark.parametrize(("edge", "target"), sorted(ENTRY_WORKFLOW.edges.items()))
def test_every_entry_edge_is_walked(edge, target):
    source, action = edge
    entry = _entry_with_item(status=source)
    catalog_services.entry_transition(actor=SYSTEM, entry=entry, action=action, comment="审核意见")
    entry.refresh_from_db()
    assert entry.status == target
    assert EntryTransition.objects.filter(entry=entry, from_status=source, to_status=target).count() == 1


@pytest.mark.parametrize(
    ("source", "action"),
    [
        (s, a)
        for s in EntryStatus.values
        for a in sorted(ENTRY_WORKFLOW.actions())
        if ENTRY_WORKFLOW.target(s, a) is None
    ],
)
def test_every_other_entry_move_is_refused(source, action):
    entry = _entry_with_item(status=source)
    with pytest.raises(Conflict):
        catalog_services.entry_transition(actor=SYSTEM, entry=entry, action=action, comment="审核意见")
    entry.refresh_from_db()
    assert entry.status == source
    assert not EntryTransition.objects.filter(entry=entry).exists()
