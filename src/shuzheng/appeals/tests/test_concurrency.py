"""Two departments' clerks racing on one work order: one wins, the other gets a Conflict (PostgreSQL)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections

from shuzheng.appeals.constants import WorkOrderStatus
from shuzheng.appeals.models import WorkOrderEvent
from shuzheng.appeals.services.dispatch import appeal_dispatch
from shuzheng.appeals.services.work_orders import work_order_accept
from shuzheng.appeals.tests.conftest import intake
from shuzheng.core.errors import Conflict


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_accept_has_one_winner(world):
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL")
    appeal = intake(world)
    wo = appeal_dispatch(actor=world.dispatcher, appeal=appeal, department=world.cgj)
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def accept() -> None:
        try:
            barrier.wait()
            work_order_accept(actor=world.cgj_handler, work_order=wo.pk, expected_version=0)
            outcomes.append("ok")
        except Conflict:
            outcomes.append("conflict")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=accept) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["conflict", "ok"]
    wo.refresh_from_db()
    assert wo.status == WorkOrderStatus.HANDLING
    assert WorkOrderEvent.objects.filter(work_order=wo, action="accept").count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_intakes_dispatched_and_queued_neither_deadlock_nor_share_numbers(world):
    """Intakes that a rule dispatches (work order number, audit) race intakes that wait for manual
    dispatch: every one takes the day's counter row before the audit chain head, so none deadlocks."""
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL")
    from shuzheng.appeals.models import Appeal, RoutingRule

    RoutingRule.objects.create(position=1, name="欠薪归人社", keywords="欠薪", lead_department=world.rsj)
    texts = ["公司拖欠三个月工资，老板欠薪不还", "沙湖镇市场旁边的垃圾桶一个星期没人清运"] * 4
    barrier = threading.Barrier(len(texts))
    errors: list[BaseException] = []

    def file(text: str) -> None:
        try:
            barrier.wait()
            intake(world, text=text)
        except BaseException as exc:  # any failure (a detected deadlock, an error) fails the test
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=file, args=(text,)) for text in texts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    numbers = list(Appeal.objects.values_list("number", flat=True))
    assert len(numbers) == len(texts) == len(set(numbers))
    assert all(number.startswith("SQ") for number in numbers)
    assert Appeal.objects.filter(work_order__isnull=False).count() == 4
