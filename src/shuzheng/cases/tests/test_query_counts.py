"""Queries per request on the hot read paths (issue 14): a fixed budget that does not grow with the page,
so a change that adds a round trip per request or per row fails here rather than in the benchmark."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from shuzheng.cases.constants import CaseStatus
from shuzheng.cases.tests.conftest import World
from shuzheng.cases.tests.factories import CaseFactory
from shuzheng.identity.models import User

BASE = "/api/v1/cases"


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _queries(client: Client, path: str) -> list[str]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path, HTTP_ACCEPT="application/json")
    assert response.status_code == 200, response.content
    return [q["sql"] for q in captured.captured_queries]


# Without a shared cache (the test settings) every request reads the session and the user, checks the
# working calendar's version and builds the authorization snapshot (role assignments, role, user and
# group permissions): 7 queries before the endpoint's own.
BEFORE_THE_VIEW = 7


@pytest.mark.django_db
def test_the_queue_is_one_statement_whatever_the_page(world: World) -> None:
    for i in range(30):
        CaseFactory(
            version=world.version, status=CaseStatus.ACCEPTED, due_at=timezone.now() + timedelta(hours=i)
        )
    client = _client(world.acceptor)
    client.get(f"{BASE}/queue?limit=1")
    for limit in (1, 30):
        queries = _queries(client, f"{BASE}/queue?limit={limit}")
        own = [q for q in queries if '"cases_case"' in q]
        assert len(own) == 1, own  # one statement: the page's keys, then its rows with their related columns
        assert len(queries) <= BEFORE_THE_VIEW + 1, queries  # a scope's trees are selected inside it


@pytest.mark.django_db
def test_the_queue_renders_what_validating_against_its_schema_gives(world: World) -> None:
    from shuzheng.cases.schemas import CasePage
    from shuzheng.core.api import api

    for i in range(3):
        CaseFactory(
            version=world.version, status=CaseStatus.ACCEPTED, due_at=timezone.now() + timedelta(hours=i)
        )
    response = _client(world.acceptor).get(f"{BASE}/queue?limit=2", HTTP_ACCEPT="application/json")
    page = response.json()
    assert len(page["items"]) == 2
    assert page["next_cursor"]
    validated = CasePage.model_validate(page).model_dump()
    rendered = api.renderer.render(None, validated, response_status=200)  # type: ignore[arg-type]
    assert response.content.decode() == rendered


@pytest.mark.django_db
def test_the_detail_renders_what_validating_against_its_schema_gives(world: World) -> None:
    from shuzheng.cases.schemas import CaseDetailOut
    from shuzheng.core.api import api

    case = world.submit()
    response = _client(world.acceptor).get(f"{BASE}/{case.pk}", HTTP_ACCEPT="application/json")
    validated = CaseDetailOut.model_validate(response.json()).model_dump()
    assert validated["materials"]
    assert validated["actions"]
    rendered = api.renderer.render(None, validated, response_status=200)  # type: ignore[arg-type]
    assert response.content.decode() == rendered


@pytest.mark.django_db
def test_case_detail_checks_its_scope_without_a_query_per_permission(world: World) -> None:
    case = world.submit()
    client = _client(world.acceptor)
    client.get(f"{BASE}/{case.pk}")
    queries = _queries(client, f"{BASE}/{case.pk}")
    # The case with its relations, the calendar's version again, materials, corrections, suspensions; no
    # `SELECT 1 … cases_case` per permission the offered actions need (three before).
    assert not [q for q in queries if q.startswith('SELECT 1 AS "a" FROM "cases_case"')], queries
    assert len(queries) <= BEFORE_THE_VIEW + 5, queries


@pytest.mark.django_db
def test_case_timeline_query_budget(world: World) -> None:
    case = world.submit()
    client = _client(world.acceptor)
    client.get(f"{BASE}/{case.pk}/timeline")
    queries = _queries(client, f"{BASE}/{case.pk}/timeline")
    # The case, its status history, corrections, suspensions and materials.
    assert len(queries) <= BEFORE_THE_VIEW + 5, queries
