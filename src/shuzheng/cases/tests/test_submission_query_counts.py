"""Queries of a submission through the API (issue 14): a fixed budget, the case written and then shown
without being read again, and the response the same as the case's detail read afterwards."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from shuzheng.cases.tests.conftest import World, citizen_id, new_key
from shuzheng.identity.models import User

BASE = "/api/v1/cases"


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _post(client: Client, body: dict[str, Any], key: str) -> Any:
    return client.post(
        BASE, json.dumps(body), content_type="application/json", headers={"Idempotency-Key": key}
    )


def _portal(world: World) -> dict[str, Any]:
    """A portal filing without uploads: both required materials checked on paper is for clerks, so the
    household proof is deferred (容缺) and the ID document given as an electronic licence."""
    world.id_doc.licence_type = "居民身份证"
    world.id_doc.save(update_fields=["licence_type"])
    return {
        "item_code": world.version.code,
        "form_data": {"reason": "开办小餐饮店", "copies": 2},
        "materials": [
            {"code": world.id_doc.code, "licence_reference": "440785198001010011"},
            {"code": world.household.code, "deferred": True},
        ],
    }


def _window(world: World) -> dict[str, Any]:
    return {
        "item_code": world.version.code,
        "channel": "window",
        "window_id": world.window.pk,
        "form_data": {"reason": "窗口代办"},
        "applicant": {"kind": "person", "name": "黄七", "id_number": citizen_id()},
        "materials": [
            {"code": world.id_doc.code, "checked_on_paper": True},
            {"code": world.household.code, "checked_on_paper": True},
        ],
    }


def _detail(client: Client, case_id: int) -> dict[str, Any]:
    response = client.get(f"{BASE}/{case_id}", HTTP_ACCEPT="application/json")
    assert response.status_code == 200, response.content
    data: dict[str, Any] = response.json()
    return data


@pytest.mark.django_db
def test_a_portal_submission_answers_with_the_detail_read_afterwards(world: World) -> None:
    client = _client(world.citizen)
    key = new_key()
    response = _post(client, _portal(world), key)
    assert response.status_code == 201, response.content
    shown = response.json()
    assert shown["status"] == "submitted"
    assert {m["name"] for m in shown["materials"]} == {"申请人身份证明", "经营场所证明", "营业执照"}
    assert shown["actions"] == ["withdraw"]
    assert shown["corrections"] == []
    assert shown["suspensions"] == []
    assert shown == _detail(client, shown["id"])
    retry = _post(client, _portal(world), key)  # the case already filed, read from the database
    assert retry.status_code == 201
    assert retry.json() == shown


@pytest.mark.django_db
def test_a_window_intake_answers_with_the_detail_read_afterwards(world: World) -> None:
    clerk = _client(world.acceptor)
    response = _post(clerk, _window(world), new_key())
    assert response.status_code == 201, response.content
    shown = response.json()
    assert shown["window"]
    assert shown["hall"]
    assert "accept" in shown["actions"]
    assert shown == _detail(clerk, shown["id"])


@pytest.mark.django_db
def test_a_case_moved_on_by_a_receiver_of_the_submission_is_read_back(world: World) -> None:
    from django.db.models import F

    from shuzheng.cases.models import Case
    from shuzheng.cases.signals import case_status_changed

    def move_on(sender: Any, *, case_id: int, **kwargs: Any) -> None:  # as a 秒批 in the same transaction
        Case.objects.filter(pk=case_id).update(remote_reference="R-1", lock_version=F("lock_version") + 1)

    case_status_changed.connect(move_on, dispatch_uid="test.move_on")
    try:
        client = _client(world.citizen)
        response = _post(client, _portal(world), new_key())
    finally:
        case_status_changed.disconnect(dispatch_uid="test.move_on")
    assert response.status_code == 201, response.content
    shown = response.json()
    assert shown["remote_reference"] == "R-1"
    assert shown["lock_version"] == 1
    assert shown == _detail(client, shown["id"])


@pytest.mark.django_db
def test_a_clerk_without_view_scope_gets_no_detail_of_what_they_filed(world: World) -> None:
    from shuzheng.cases.models import Case
    from shuzheng.cases.tests.conftest import grant, staff

    # Intake over another bureau: the application is filed, but the answer shows nothing outside the
    # clerk's scope (as reading the case back did).
    clerk = staff(world.org.other_bureau)
    grant(clerk, ["cases.intake_case", "cases.view_case"])
    response = _post(_client(clerk), _window(world), new_key())
    assert response.status_code == 404, response.content
    assert Case.objects.filter(submitted_by=clerk).count() == 1


@pytest.mark.django_db
def test_a_submission_writes_and_shows_the_case_in_a_fixed_number_of_queries(world: World) -> None:
    client = _client(world.citizen)
    body = _portal(world)
    _post(client, body, new_key())  # the session and the caches warm
    with CaptureQueriesContext(connection) as captured:
        response = _post(client, body, new_key())
    assert response.status_code == 201, response.content
    queries = [q["sql"] for q in captured.captured_queries]
    reads_of_cases = [q for q in queries if q.startswith("SELECT") and 'FROM "cases_case"' in q]
    # The idempotency check, and the lock version after writing (still the one written): the case
    # itself is not read back.
    assert len(reads_of_cases) == 2, reads_of_cases
    assert reads_of_cases[1].startswith('SELECT "lock_version" FROM "cases_case"'), reads_of_cases
    unread = ("cases_casematerial", "cases_correctionrequest", "cases_suspension", "catalog_workflowstep")
    for table in unread:
        assert not [q for q in queries if q.startswith("SELECT") and f'FROM "{table}"' in q], table
    # Session and user, then: the idempotency check, the version with its department, its materials, the
    # calendar's version, the case, its materials, its status change, the day's number, the audit event
    # and its actor's roles, one read by each receiver of the submission's signal (instant_approval,
    # bundles), the lock version, the calendar's version for the answer, savepoints. No authorization
    # snapshot: the applicant sees their own case in clear without one.
    assert len(queries) <= 22, queries
