"""Masked fields leak nothing through queries: with a masked-only grant no filter (any lookup) and no sort
on a masked field is accepted, and no cursor carries a value (issue 9, defect 2). The same rule holds in
the CKAN datastore, which reads open data with every personal field masked."""

from __future__ import annotations

import base64
import json
import re
from typing import Any
from urllib.parse import quote

import pytest
from django.test import Client

from shuzheng.core.actors import SYSTEM
from shuzheng.datahub.models import AccessLog, Openness, OpenResource
from shuzheng.datahub.services import open_data as open_data_services
from shuzheng.datahub.services import sharing as sharing_services
from shuzheng.datahub.tests.conftest import PERSON_ITEMS, approve, make_entry, people

pytestmark = pytest.mark.django_db

MASKED = ["id_number", "full_name", "mobile", "address"]
LABELS = {i["name"]: i["label"] for i in PERSON_ITEMS}
LOOKUPS = ["", "__contains", "__in", "__gte", "__lte"]


def _rows(entry: Any, auth: str, query: str = "") -> Any:
    return Client().get(f"/api/v1/datahub/data/{entry.code}/rows{query}", HTTP_AUTHORIZATION=auth)


def _auth(hub: Any, entry: Any, *, clear: bool = False) -> str:
    grant = approve(hub, entry, fields=[*MASKED, "household_size", "birth_date"], clear=clear)
    credential, secret = sharing_services.credential_issue(actor=hub.consumer_user, grant=grant)
    return f"Bearer {credential.client_id}:{secret}"


def _clear_values() -> set[str]:
    values = set()
    for person in people():
        for name in MASKED:
            values.add(str(person[name]))
    return values


def _decoded(cursor: str) -> str:
    """Everything a cursor could reveal: each dot- or colon-separated part base64-decoded where it can be."""
    shown = [cursor]
    for part in re.split(r"[:.]", cursor):
        try:
            shown.append(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)).decode("utf-8", "replace"))
        except ValueError:
            continue
    return " ".join(shown)


@pytest.fixture
def masked(hub: Any, person_entry: Any) -> tuple[Any, str]:
    return person_entry, _auth(hub, person_entry)


@pytest.mark.parametrize("lookup", LOOKUPS)
@pytest.mark.parametrize("field", MASKED)
def test_no_filter_on_a_masked_field(masked, field, lookup):
    entry, auth = masked
    value = str(people()[2][field])[:8]
    response = _rows(entry, auth, f"?{field}{lookup}={quote(value)}")
    assert response.status_code == 403, response.content
    body = response.json()
    assert body["code"] == "field_masked"
    assert LABELS[field] in body["detail"]
    assert value not in json.dumps(body, ensure_ascii=False)


@pytest.mark.parametrize("descending", [False, True])
@pytest.mark.parametrize("field", MASKED)
def test_no_sort_on_a_masked_field(masked, field, descending):
    entry, auth = masked
    response = _rows(entry, auth, f"?sort={'-' if descending else ''}{field}&limit=1")
    assert response.status_code == 403, response.content
    assert response.json()["code"] == "field_masked"
    assert LABELS[field] in response.json()["detail"]


@pytest.mark.parametrize("sort", ["", "household_size", "-household_size", "birth_date", "-_row_id"])
def test_cursors_carry_no_value(masked, sort):
    entry, auth = masked
    clear = _clear_values()
    seen: list[int] = []
    cursor = ""
    while True:
        query = f"?limit=1&sort={sort}" + (f"&cursor={quote(cursor)}" if cursor else "")
        response = _rows(entry, auth, query)
        assert response.status_code == 200, response.content
        body = response.json()
        seen += [row["_row_id"] for row in body["items"]]
        cursor = body["next_cursor"]
        if not cursor:
            break
        revealed = _decoded(cursor)
        assert not [v for v in clear if v in revealed]
        person_dates = {p["birth_date"] for p in people()}
        assert not [d for d in person_dates if d in revealed]
    assert len(set(seen)) == len(seen) == len(people())


@pytest.mark.parametrize(
    "tamper",
    [
        lambda c: c[:-2] + ("AA" if not c.endswith("AA") else "BB"),
        lambda c: base64.urlsafe_b64encode(json.dumps([None, 1]).encode()).decode(),
        lambda c: "x" + c,
        lambda c: "%%%",
        lambda c: c.split(":")[0],
    ],
)
def test_a_tampered_cursor_is_a_400(masked, tamper):
    entry, auth = masked
    cursor = _rows(entry, auth, "?limit=1").json()["next_cursor"]
    response = _rows(entry, auth, f"?limit=1&cursor={quote(tamper(cursor))}")
    assert response.status_code == 400, response.content
    assert response.json()["code"] == "invalid_cursor"


def test_a_cursor_is_bound_to_its_order(masked):
    entry, auth = masked
    cursor = _rows(entry, auth, "?limit=1&sort=household_size").json()["next_cursor"]
    other = _rows(entry, auth, f"?limit=1&sort=-household_size&cursor={quote(cursor)}")
    assert other.status_code == 400
    assert other.json()["code"] == "invalid_cursor"


def test_a_clear_text_grant_may_filter_and_sort(hub, person_entry):
    auth = _auth(hub, person_entry, clear=True)
    person = people()[2]
    found = _rows(person_entry, auth, f"?id_number={person['id_number']}").json()["items"]
    assert [r["full_name"] for r in found] == [person["full_name"]]
    names, cursor = [], ""
    while True:
        body = _rows(
            person_entry, auth, "?sort=-full_name&limit=2" + (f"&cursor={quote(cursor)}" if cursor else "")
        ).json()
        names += [r["full_name"] for r in body["items"]]
        cursor = body["next_cursor"]
        if not cursor:
            break
        assert not [n for n in names if n in _decoded(cursor)]
    assert names == sorted((p["full_name"] for p in people()), reverse=True)


def test_the_base_registry_lookup_still_finds_by_its_key(hub, person_entry):
    from shuzheng.datahub import access

    approve(hub, person_entry, fields=["id_number", "full_name"])
    record = access.base_registry_lookup(
        caller_department=hub.consumer,
        entry_code=person_entry.code,
        key=people()[1]["id_number"],
        purpose="表单预填",
    )
    assert record is not None
    assert record["full_name"] == "李*"
    assert AccessLog.objects.get().channel == AccessLog.Channel.REGISTRY


# --- the CKAN datastore over open data (every personal field masked) ---------------------------------------


@pytest.fixture
def datastore(hub: Any) -> str:
    entry = make_entry(hub, name="公开名录", openness=Openness.OPEN, rows=people())
    dataset = open_data_services.dataset_publish(actor=SYSTEM, entry=entry, name="enping-people")
    return str(OpenResource.objects.get(dataset=dataset, format="CSV", url="").pk)


def _search(data: dict[str, Any]) -> Any:
    return Client().post("/api/3/action/datastore_search", json.dumps(data), content_type="application/json")


@pytest.mark.parametrize(
    "params",
    [
        *[{"filters": {f: str(people()[0][f])}} for f in MASKED],
        *[{"filters": {f: [str(p[f]) for p in people()[:2]]}} for f in MASKED],
        *[{"q": {f: str(people()[0][f])[:4]}} for f in MASKED],
        *[{"sort": f"{f} {d}"} for f in MASKED for d in ("asc", "desc")],
    ],
)
def test_datastore_refuses_masked_fields(datastore, params):
    response = _search({"resource_id": datastore, **params})
    assert response.status_code == 409, response.content
    assert response.json()["success"] is False


def test_datastore_paging_carries_no_value(datastore):
    body = _search({"resource_id": datastore, "limit": 1, "sort": "household_size desc"}).json()["result"]
    assert "offset=1" in body["_links"]["next"]
    revealed = json.dumps(body["_links"], ensure_ascii=False)
    assert not [v for v in _clear_values() if v in revealed]
    # a clear text matched in every text field finds nothing when it is only in masked fields
    assert _search({"resource_id": datastore, "q": people()[0]["full_name"]}).json()["result"]["total"] == 0
