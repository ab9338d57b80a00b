"""Queries of an intake through the API (issue 14): a fixed budget, the appeal written and then shown
without being read back, and the answer the same as the appeal's detail read afterwards."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from shuzheng.appeals.tests.conftest import World
from shuzheng.appeals.tests.factories import RoutingRuleFactory
from shuzheng.identity.models import User

BASE = "/api/v1/appeals"
BODY = {
    "channel": "hotline",
    "appeal_type": "complaint",
    "text": "沙湖镇市场旁边的垃圾桶已经一个星期没人清运，气味很臭",
    "division_code": "440785103201",
    "reporter_name": "陈建明",
    "reporter_phone": "13707500001",
}


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _intake(client: Client, **changes: Any) -> Any:
    return client.post(f"{BASE}/appeals", json.dumps({**BODY, **changes}), content_type="application/json")


def _detail(client: Client, appeal_id: int) -> dict[str, Any]:
    response = client.get(f"{BASE}/appeals/{appeal_id}", HTTP_ACCEPT="application/json")
    assert response.status_code == 200, response.content
    data: dict[str, Any] = response.json()
    return data


@pytest.mark.django_db
def test_an_intake_dispatched_by_rule_answers_with_the_detail_read_afterwards(world: World) -> None:
    RoutingRuleFactory.create(name="沙湖镇垃圾", lead_department=world.town_gov, keywords="垃圾")
    client = _client(world.agent)
    response = _intake(client, category_code=world.garbage.code)
    assert response.status_code == 201, response.content
    shown = response.json()
    assert shown["status"] == "dispatched"
    assert shown["department_name"] == world.town_gov.name
    assert shown["history"]
    assert shown == _detail(client, shown["id"])


@pytest.mark.django_db
def test_an_intake_left_for_the_dispatch_centre_answers_with_the_detail_read_afterwards(world: World) -> None:
    client = _client(world.agent)
    response = _intake(client, latitude=22.18, longitude=112.3)
    assert response.status_code == 201, response.content
    shown = response.json()
    assert shown["status"] == "pending_dispatch"
    assert shown["due_at"].endswith("Z")
    assert shown == _detail(client, shown["id"])


@pytest.mark.django_db
def test_an_intake_writes_and_shows_the_appeal_in_a_fixed_number_of_queries(world: World) -> None:
    RoutingRuleFactory.create(name="沙湖镇垃圾", lead_department=world.town_gov, keywords="垃圾")
    client = _client(world.agent)
    _intake(client)  # the session and the caches warm
    with CaptureQueriesContext(connection) as captured:
        response = _intake(client, category_code=world.garbage.code)
    assert response.status_code == 201, response.content
    queries = [q["sql"] for q in captured.captured_queries]
    whole_row = 'SELECT "appeals_appeal"."id", "appeals_appeal"."created_at"'
    read_back = [q for q in queries if q.startswith(whole_row)]
    assert not read_back, read_back  # neither after the dispatch nor for the answer
    # Session, user and authorization, then validation (division, category, grid), the appeal, its
    # search entry, the rules, the merge check, the day's numbers, the decision, the work order and the
    # moves, history, audit events (the agent's role codes from the authorization snapshot), the
    # handlers' notices, savepoints, COMMIT and the scope check.
    assert len(queries) <= 39, queries
