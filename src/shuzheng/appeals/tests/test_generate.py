"""`shuzheng generate-appeals N`: synthetic appeals with work orders and events, resumable and idempotent."""

from __future__ import annotations

import io
import itertools

import pytest
from django.core.management import CommandError, call_command

from shuzheng.appeals.constants import AppealStatus, ConclusionKind, WorkOrderStatus
from shuzheng.appeals.demo.generate import STORIES
from shuzheng.appeals.demo.reference import ensure_categories
from shuzheng.appeals.models import Appeal, WorkOrder, WorkOrderEvent
from shuzheng.orgs import demo as orgs_demo


@pytest.fixture
def enping(db, settings, tmp_path):
    settings.DATA_DIR = tmp_path
    orgs_demo.load()
    ensure_categories()


def _generate(*args: object) -> str:
    out = io.StringIO()
    call_command("generate_appeals", *[str(a) for a in args], stdout=out)
    return out.getvalue()


def test_generates_consistent_appeals_work_orders_and_events(enping):
    _generate(300, "--batch", 120, "--open-days", 400)
    appeals = list(Appeal.objects.filter(number__startswith="SG").select_related("work_order"))
    assert len(appeals) == 300
    assert len({a.number for a in appeals}) == 300
    assert len({a.text for a in appeals}) > 250
    assert {a.status for a in appeals} >= {AppealStatus.CLOSED, AppealStatus.DISPATCHED}
    orders = {wo.pk: wo for wo in WorkOrder.objects.all()}
    assert 150 < len(orders) <= 300
    events: dict[int, list[WorkOrderEvent]] = {}
    for event in WorkOrderEvent.objects.order_by("occurred_at", "id"):
        events.setdefault(event.work_order_id, []).append(event)
    for appeal in appeals:
        assert appeal.division.code.startswith("440785")
        assert appeal.category_id is not None
        assert appeal.due_at is not None
        assert appeal.is_anonymous == (appeal.reporter_name == "")  # decrypts: stored as the model does
        if appeal.work_order is None:
            assert appeal.status in (AppealStatus.CONCLUDED, AppealStatus.PENDING_DISPATCH)
            assert appeal.department_id is None
            if appeal.status == AppealStatus.CONCLUDED:
                assert appeal.conclusion == ConclusionKind.DIRECT_ANSWER
            continue
        wo = appeal.work_order
        assert wo.appeal_id == appeal.pk
        assert wo.lead_department_id == appeal.department_id
        history = events[wo.pk]
        assert [e.action for e in history] == [action for action, _, _ in STORIES[wo.status]]
        assert history[-1].to_status == wo.status
        assert all(a.to_status == b.from_status for a, b in itertools.pairwise(history))
        closed = wo.status == WorkOrderStatus.CLOSED
        assert (appeal.status == AppealStatus.CLOSED) == closed
        assert bool(wo.closed_at) == closed
        assert bool(wo.satisfaction) == closed
        assert wo.dispatched_at >= appeal.received_at
        if closed:
            assert wo.replied_at is not None
            assert wo.closed_at is not None
            assert wo.dispatched_at <= wo.replied_at <= wo.closed_at


def test_resumes_and_skips_what_exists(enping):
    _generate(120, "--batch", 50)
    first = list(
        Appeal.objects.filter(number__startswith="SG").order_by("number").values_list("number", "text")
    )
    counts = (WorkOrder.objects.count(), WorkOrderEvent.objects.count())
    assert "跳过" in _generate(120)
    assert (WorkOrder.objects.count(), WorkOrderEvent.objects.count()) == counts
    _generate(200, "--batch", 50)
    assert Appeal.objects.filter(number__startswith="SG").count() == 200
    after = set(Appeal.objects.filter(number__startswith="SG").values_list("number", "text"))
    assert set(first) <= after  # the first 120 are untouched


def test_bad_input_changes_nothing(enping):
    for args in ((0,), (-5,), (10, "--days", 0), (10, "--batch", 0)):
        with pytest.raises(CommandError):
            _generate(*args)
    assert not Appeal.objects.exists()
