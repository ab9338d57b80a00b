"""Two departments' clerks racing on one work order: one wins, the other gets a Conflict (PostgreSQL)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections

from shuzheng.appeals import services
from shuzheng.appeals.constants import WorkOrderStatus
from shuzheng.appeals.models import WorkOrderEvent
from shuzheng.appeals.tests.conftest import intake
from shuzheng.core.errors import Conflict


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_accept_has_one_winner(world):
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL")
    appeal = intake(world)
    wo = services.appeal_dispatch(actor=world.dispatcher, appeal=appeal, department=world.cgj)
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def accept() -> None:
        try:
            barrier.wait()
            services.work_order_accept(actor=world.cgj_handler, work_order=wo.pk, expected_version=0)
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
