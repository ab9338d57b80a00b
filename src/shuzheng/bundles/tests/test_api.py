"""/api/v1/bundles: list, guide, apply (idempotent), the parent with its children's states, one answer to
several corrections; bad input is a problem+json answer naming the fields."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from shuzheng.bundles import selectors
from shuzheng.bundles.tests.conftest import Bench, new_key
from shuzheng.cases.tests.conftest import upload
from shuzheng.identity.models import User

BASE = "/api/v1/bundles"
pytestmark = pytest.mark.django_db


def _client(user: User | None = None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def _post(client: Client, path: str, body: dict[str, Any], **headers: str) -> Any:
    return client.post(path, json.dumps(body), content_type="application/json", headers=headers)


def _body(bench: Bench) -> dict[str, Any]:
    return {
        "shared": {"phone": "13707500001", "reason": "开办小店"},
        "own": {bench.second.code: {"business_scope": "日用百货零售"}},
        "materials": [{"key": "name:经营场所证明", "upload_id": upload(bench.citizen).pk}],
    }


def test_public_list_and_guide(bench: Bench) -> None:
    listed = _client().get(BASE, {"theme": "work"}).json()
    assert [b["code"] for b in listed["items"]] == ["getihu-kaiye"]
    assert listed["items"][0]["item_count"] == 3
    assert _client().get(BASE, {"q": "开店"}).json()["items"][0]["code"] == "getihu-kaiye"
    guide = _client().get(f"{BASE}/getihu-kaiye").json()
    assert [m["waits_for"] for m in guide["members"]] == [None, None, 1]
    assert guide["fields_before"] == 13
    assert guide["fields_after"] == 3
    assert {m["name"]: m["exempt"] for m in guide["materials"]} == {"居民身份证": True, "经营场所证明": False}
    assert _client().get(f"{BASE}/nope").status_code == 404
    assert _client().get(BASE, {"theme": "bad"}).status_code == 422


def test_list_query_count_does_not_grow_with_bundles(bench: Bench) -> None:
    with CaptureQueriesContext(connection) as queries:
        assert _client().get(BASE).status_code == 200
    assert len(queries) <= 4


def test_apply_then_read_the_parent_with_its_children(bench: Bench) -> None:
    client = _client(bench.citizen)
    key = new_key()
    first = _post(client, f"{BASE}/getihu-kaiye/applications", _body(bench), **{"Idempotency-Key": key})
    assert first.status_code == 201, first.content
    data = first.json()
    assert [c["status"] for c in data["children"]] == ["submitted", "submitted", "waiting"]
    assert data["children"][2]["note"].startswith("待“")
    again = _post(client, f"{BASE}/getihu-kaiye/applications", _body(bench), **{"Idempotency-Key": key})
    assert again.json()["number"] == data["number"]
    detail = client.get(f"{BASE}/applications/{data['number']}").json()
    assert detail["children"][0]["case_number"] == data["children"][0]["case_number"]
    assert [a["number"] for a in client.get(f"{BASE}/applications/mine").json()["items"]] == [data["number"]]
    # somebody else's application is not found; anonymous callers must log in
    other = _client(bench.clerk).get(f"{BASE}/applications/{data['number']}")
    assert other.status_code == 404
    assert _client().get(f"{BASE}/applications/{data['number']}").status_code == 401


def test_bad_input_is_named(bench: Bench) -> None:
    client = _client(bench.citizen)
    body = {"shared": {"phone": "x"}, "materials": [{"key": "name:经营场所证明", "deferred": True}]}
    response = _post(client, f"{BASE}/getihu-kaiye/applications", body)
    assert response.status_code == 422
    fields = {e["field"] for e in response.json()["errors"]}
    assert "shared.phone" in fields
    extra = _post(client, f"{BASE}/getihu-kaiye/applications", {"unknown": 1})
    assert extra.status_code == 422
    malformed = client.post(f"{BASE}/getihu-kaiye/applications", "{", content_type="application/json")
    assert malformed.status_code in (400, 422)
    assert _post(_client(), f"{BASE}/getihu-kaiye/applications", _body(bench)).status_code == 401


def test_correction_answer_without_an_open_request_is_a_conflict(bench: Bench) -> None:
    client = _client(bench.citizen)
    number = _post(client, f"{BASE}/getihu-kaiye/applications", _body(bench)).json()["number"]
    response = _post(client, f"{BASE}/applications/{number}/corrections", {"note": "补正"})
    assert response.status_code == 409


def test_one_evaluation_of_a_concluded_bundle(bench: Bench) -> None:
    client = _client(bench.citizen)
    data = _post(client, f"{BASE}/getihu-kaiye/applications", _body(bench)).json()
    path = f"{BASE}/applications/{data['number']}/evaluation"
    assert _post(client, path, {"level": 5}).status_code == 409  # not concluded yet
    application = selectors.application_get(user=bench.citizen, number=data["number"])
    for position in (1, 2, 3):  # the third is filed when the first is approved
        child = application.children.get(position=position)
        assert child.case_id is not None
        bench.conclude(child.case_id)
    page = client.get(f"/bundles/applications/{data['number']}/")
    assert "办事评价" in page.content.decode()
    assert _post(client, path, {"level": 9}).status_code == 422
    response = client.post(f"/bundles/applications/{data['number']}/evaluate/", {"level": "5"})
    assert response.status_code == 302
    assert _post(client, path, {"level": 5}).status_code == 409  # once only
