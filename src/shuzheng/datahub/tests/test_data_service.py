"""The data service over HTTP: credentials, granted fields only, masking, filters, paging, rate limits,
the access log and its per-entry and per-person views, and the base-registry lookup."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any
from urllib.parse import quote

import pytest
from django.test import Client
from django.utils import timezone

from shuzheng.core.errors import PermissionDenied
from shuzheng.datahub import access, tables
from shuzheng.datahub.models import AccessLog, AccessSubject, ApiCredential, Grant
from shuzheng.datahub.selectors import access_logs as access_log_selectors
from shuzheng.datahub.services import rows as row_services
from shuzheng.datahub.services import sharing as sharing_services
from shuzheng.datahub.tests.conftest import approve, make_entry, people

pytestmark = pytest.mark.django_db


def _credential(hub, grant: Grant, **kwargs):
    credential, secret = sharing_services.credential_issue(actor=hub.consumer_user, grant=grant, **kwargs)
    return credential, f"Bearer {credential.client_id}:{secret}"


def _get(entry, auth: str | None, query: str = ""):
    headers: dict[str, Any] = {"HTTP_AUTHORIZATION": auth} if auth is not None else {}
    return Client().get(f"/api/v1/datahub/data/{entry.code}/rows{query}", **headers)


@pytest.fixture
def served(hub, person_entry):
    grant = approve(
        hub,
        person_entry,
        fields=["id_number", "full_name", "mobile", "address"],
        granted=["id_number", "full_name", "mobile", "household_size"][:3],
    )
    credential, auth = _credential(hub, grant)
    return person_entry, grant, credential, auth


def test_returns_only_granted_fields_masked(hub, served):
    entry, _grant, _cred, auth = served
    response = _get(entry, auth)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["fields"] == ["id_number", "full_name", "mobile"]
    assert set(body["masked_fields"]) == {"id_number", "full_name", "mobile"}
    first = body["items"][0]
    assert set(first) == {"_row_id", "id_number", "full_name", "mobile"}
    person = people()[0]
    assert first["full_name"] == "张*丰"
    assert first["id_number"] == person["id_number"][:6] + "*" * 8 + person["id_number"][-4:]
    assert first["mobile"] == "138****0000"


def test_clear_text_grant(hub, person_entry):
    grant = approve(hub, person_entry, fields=["full_name", "address"], clear=True)
    _c, auth = _credential(hub, grant)
    body = _get(person_entry, auth).json()
    assert body["masked_fields"] == []
    assert body["items"][0]["full_name"] == "张三丰"


def test_address_masked_to_the_village(hub, person_entry):
    grant = approve(hub, person_entry, fields=["address"])
    _c, auth = _credential(hub, grant)
    assert _get(person_entry, auth).json()["items"][0]["address"] == "广东省江门市恩平市沙湖镇第1村****"


@pytest.mark.parametrize(
    ("query", "status", "code"),
    [
        ("?fields=income", 403, "field_not_granted"),
        ("?income__gte=1", 403, "field_not_granted"),
        ("?sort=income", 403, "field_not_granted"),
        ("?fields=nope", 422, "unknown_field"),
        ("?nope=1", 422, "unknown_field"),
        ("?full_name__regex=.*", 422, "validation_failed"),
        ("?limit=1000", 422, "validation_failed"),
        ("?cursor=%%%", 400, "invalid_cursor"),
    ],
)
def test_bad_queries(served, query, status, code):
    entry, _g, _c, auth = served
    response = _get(entry, auth, query)
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/problem+json")
    assert response.json()["code"] == code


def test_sql_looking_values_are_just_values(hub, person_entry):
    entry = person_entry
    _c, auth = _credential(hub, approve(hub, entry, fields=["full_name"], clear=True))
    for value in ["' OR 1=1 --", "张三丰'; DROP TABLE datahub_catalogentry; --", "%", "_"]:
        response = _get(entry, auth, f"?full_name={quote(value)}")
        assert response.status_code == 200
        assert response.json()["items"] == []
    assert tables.build_model(entry).objects.count() == 5


def test_filters(hub, person_entry):
    entry = person_entry
    _c, auth = _credential(hub, approve(hub, entry, fields=["id_number", "full_name"], clear=True))
    person = people()[2]
    exact = _get(entry, auth, f"?id_number={person['id_number']}").json()["items"]
    assert [r["full_name"] for r in exact] == ["王小明"]
    contains = _get(entry, auth, f"?full_name__contains={quote('李')}").json()["items"]
    assert [r["full_name"] for r in contains] == ["李四"]
    ids = ",".join(p["id_number"] for p in people()[:2])
    assert len(_get(entry, auth, f"?id_number__in={ids}").json()["items"]) == 2


def test_typed_filters_on_granted_numbers(hub, person_entry):
    grant = approve(hub, person_entry, fields=["full_name", "household_size", "birth_date"])
    _c, auth = _credential(hub, grant)
    body = _get(person_entry, auth, "?household_size__gte=3&household_size__lte=4").json()
    assert sorted(r["household_size"] for r in body["items"]) == [3, 4]
    assert _get(person_entry, auth, "?household_size__gte=abc").status_code == 422
    assert len(_get(person_entry, auth, "?birth_date__gte=1983-01-01").json()["items"]) == 2


def test_keyset_paging_and_sort(hub, person_entry):
    grant = approve(hub, person_entry, fields=["full_name", "household_size"])
    _c, auth = _credential(hub, grant)
    row_services.rows_insert(
        actor=hub.steward, entry=person_entry, rows=[{"id_number": "x", "full_name": "无人口"}]
    )
    seen = []
    cursor = ""
    while True:
        body = _get(
            person_entry, auth, f"?sort=-household_size&limit=2{'&cursor=' + cursor if cursor else ''}"
        ).json()
        seen += [r["household_size"] for r in body["items"]]
        cursor = body["next_cursor"]
        if not cursor:
            break
    assert seen == [5, 4, 3, 2, 1, None]
    ascending = []
    cursor = ""
    while True:
        body = _get(
            person_entry, auth, f"?sort=household_size&limit=4{'&cursor=' + cursor if cursor else ''}"
        ).json()
        ascending += [r["household_size"] for r in body["items"]]
        cursor = body["next_cursor"]
        if not cursor:
            break
    assert ascending == [1, 2, 3, 4, 5, None]


def test_credentials_missing_wrong_expired_revoked(hub, served):
    entry, grant, credential, auth = served
    assert _get(entry, None).status_code == 401
    assert _get(entry, "Bearer nonsense").status_code == 401
    wrong = _get(entry, f"Bearer {credential.client_id}:wrong-secret")
    assert wrong.status_code == 401
    assert wrong.json()["code"] == "credential_invalid"
    ApiCredential.objects.filter(pk=credential.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert _get(entry, auth).json()["code"] == "credential_expired"
    ApiCredential.objects.filter(pk=credential.pk).update(expires_at=timezone.now() + timedelta(days=1))
    assert _get(entry, auth).status_code == 200
    sharing_services.credential_revoke(actor=hub.consumer_user, credential=credential)
    revoked = _get(entry, auth)
    assert revoked.status_code == 403
    assert revoked.json()["code"] == "credential_revoked"
    _c2, auth2 = _credential(hub, grant)
    assert _get(entry, auth2).status_code == 200
    sharing_services.grant_revoke(actor=hub.steward, grant=grant)
    assert _get(entry, auth2).status_code == 403


def test_unknown_entry_and_other_entry(hub, served):
    _entry, _g, _c, auth = served
    response = Client().get("/api/v1/datahub/data/NOPE/A01-9999/rows", HTTP_AUTHORIZATION=auth)
    assert response.status_code == 404
    other = make_entry(hub, name="婚姻登记信息", rows=people()[:1])
    assert _get(other, auth).status_code == 403


def test_rate_limit(hub, person_entry, monkeypatch):
    # The window is the clock's minute: hold the clock mid-minute so the four calls share one window.
    mid_minute = timezone.now().replace(second=30)
    monkeypatch.setattr(timezone, "now", lambda: mid_minute)
    grant = approve(hub, person_entry, fields=["full_name"])
    _c, auth = _credential(hub, grant, rate_limit_per_minute=3)
    statuses = [_get(person_entry, auth).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    limited = _get(person_entry, auth)
    assert limited.json()["code"] == "rate_limited"
    assert AccessLog.objects.count() == 3


def test_every_access_is_logged_with_subjects(hub, served):
    entry, grant, credential, auth = served
    _get(entry, auth, "?limit=2")
    _c, clear_auth = _credential(hub, approve(hub, entry, fields=["id_number"], clear=True))
    _get(entry, clear_auth, f"?id_number={people()[4]['id_number']}")
    logs = list(AccessLog.objects.order_by("id"))
    assert [log.rows_returned for log in logs] == [2, 1]
    assert logs[0].department_id == hub.consumer.pk
    assert logs[0].credential_id == credential.pk
    assert logs[0].purpose == grant.purpose
    assert logs[0].fields == ["id_number", "full_name", "mobile"]
    assert logs[1].filters["id_number"].startswith("440785")
    assert "*" in logs[1].filters["id_number"]
    assert AccessSubject.objects.filter(log=logs[0]).count() == 2
    assert people()[4]["id_number"] not in json.dumps(logs[1].filters)
    # who accessed my data (provider) and which departments read person X (data admin)
    page = access_log_selectors.access_log_for_entry(user=hub.steward, entry=entry)
    assert len(page.items) == 2
    with pytest.raises(PermissionDenied):
        access_log_selectors.access_log_for_entry(user=hub.consumer_user, entry=entry)
    person = access_log_selectors.access_log_for_person(user=hub.admin, id_number=people()[4]["id_number"])
    assert [log.pk for log in person.items] == [logs[1].pk]
    assert person.items[0].department is not None
    assert person.items[0].department.name == "测试民政局"
    nobody = access_log_selectors.access_log_for_person(user=hub.admin, id_number=people()[3]["id_number"])
    assert nobody.items == []
    with pytest.raises(PermissionDenied):
        access_log_selectors.access_log_for_person(user=hub.steward, id_number=people()[4]["id_number"])


def test_person_access_log_api(hub, served):
    entry, _g, _c, auth = served
    _get(entry, auth)
    client = Client()
    client.force_login(hub.admin)
    response = client.post(
        "/api/v1/datahub/access-log/person",
        data=json.dumps({"id_number": people()[0]["id_number"]}),
        content_type="application/json",
    )
    assert response.status_code == 200
    assert len(response.json()["items"]) == 1
    bad = client.post(
        "/api/v1/datahub/access-log/person",
        data=json.dumps({"id_number": "123"}),
        content_type="application/json",
    )
    assert bad.status_code == 422
    steward = Client()
    steward.force_login(hub.steward)
    log = steward.get(f"/api/v1/datahub/entries/{entry.pk}/access-log").json()
    assert log["items"][0]["department"] == "测试民政局"


def test_base_registry_lookup_requires_a_grant_and_logs(hub, person_entry):
    person = people()[1]
    with pytest.raises(PermissionDenied):
        access.base_registry_lookup(
            caller_department=hub.consumer,
            entry_code=person_entry.code,
            key=person["id_number"],
            purpose="免填写",
        )
    approve(hub, person_entry, fields=["id_number", "full_name", "mobile"])
    record = access.base_registry_lookup(
        caller_department=hub.consumer,
        entry_code=person_entry.code,
        key=person["id_number"],
        purpose="表单预填",
    )
    assert record is not None
    assert record["full_name"] == "李*"
    assert "income" not in record
    log = AccessLog.objects.get()
    assert log.channel == AccessLog.Channel.REGISTRY
    assert "表单预填" in log.purpose
    assert log.subjects.count() == 1
    assert (
        access.base_registry_lookup(
            caller_department=hub.consumer,
            entry_code=person_entry.code,
            key="440785000000000000",
            purpose="x",
        )
        is None
    )


def test_access_log_is_append_only_on_postgresql(served):
    from django.db import DatabaseError, connection, transaction

    if connection.vendor != "postgresql":
        pytest.skip("the append-only trigger exists on PostgreSQL only")
    entry, _g, _c, auth = served
    _get(entry, auth)
    with pytest.raises(DatabaseError), transaction.atomic():
        AccessLog.objects.update(rows_returned=0)
    with pytest.raises(DatabaseError), transaction.atomic():
        AccessSubject.objects.all().delete()


def test_provider_access_log_api(hub, served):
    entry, _g, _c, auth = served
    _get(entry, auth)
    steward = Client()
    steward.force_login(hub.steward)
    body = steward.get("/api/v1/datahub/access-log").json()
    assert [item["entry_code"] for item in body["items"]] == [entry.code]
    consumer = Client()
    consumer.force_login(hub.consumer_user)
    assert consumer.get("/api/v1/datahub/access-log?department=TP01").status_code == 403


def test_query_count_does_not_grow_with_the_page(hub, served):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    entry, _g, _c, auth = served
    _get(entry, auth, "?limit=1")  # warm: last_used_at written once
    with CaptureQueriesContext(connection) as one:
        _get(entry, auth, "?limit=1")
    with CaptureQueriesContext(connection) as five:
        _get(entry, auth, "?limit=5")
    assert len(one) == len(five) <= 10


@pytest.fixture
def shared_cache(settings):
    from django.core.cache import cache

    cache.clear()
    settings.SHUZHENG_AUTHZ_CACHE_SECONDS = 300
    yield
    cache.clear()


def _credential_queries(captured: Any) -> list[str]:
    return [q["sql"] for q in captured.captured_queries if 'FROM "datahub_apicredential"' in q["sql"]]


def _a_minute_later() -> None:
    """The tombstones a change leaves (credentials.TOMBSTONE_SECONDS) have expired."""
    from django.core.cache import cache

    cache.clear()


@pytest.mark.usefixtures("shared_cache")
def test_a_cached_credential_is_revoked_at_once(hub, served):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    entry, grant, credential, auth = served
    _a_minute_later()
    assert _get(entry, auth).status_code == 200  # caches the credential
    with CaptureQueriesContext(connection) as captured:
        assert _get(entry, auth).status_code == 200
    assert not _credential_queries(captured)  # neither the credential nor the entry's items were read
    assert not [q for q in captured.captured_queries if '"datahub_dataitem"' in q["sql"]]
    wrong = _get(entry, f"Bearer {credential.client_id}:wrong-secret")  # the secret is still checked
    assert wrong.json()["code"] == "credential_invalid"
    sharing_services.credential_revoke(actor=hub.consumer_user, credential=credential)
    revoked = _get(entry, auth)
    assert revoked.status_code == 403
    assert revoked.json()["code"] == "credential_revoked"
    _c2, auth2 = _credential(hub, grant)
    _a_minute_later()
    assert _get(entry, auth2).status_code == 200
    with CaptureQueriesContext(connection) as captured:
        assert _get(entry, auth2).status_code == 200
    assert not _credential_queries(captured)
    sharing_services.grant_revoke(actor=hub.steward, grant=grant)  # the grant's credentials with it
    assert _get(entry, auth2).json()["code"] == "credential_revoked"


@pytest.mark.usefixtures("shared_cache")
def test_a_changed_credential_is_not_cached_again_from_a_read_before_the_change(hub, served):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from shuzheng.datahub import credentials

    _entry, _grant, credential, _auth = served
    credentials.forget([credential.client_id])  # what a save does, now and at commit
    for _ in range(2):  # behind the tombstone every call reads the row, and caches nothing
        with CaptureQueriesContext(connection) as captured:
            assert credentials.credential_by_client_id(credential.client_id) is not None
        assert _credential_queries(captured)


@pytest.mark.usefixtures("shared_cache")
def test_changed_items_reach_the_cached_credential(hub, served):
    entry, _grant, _credential_, auth = served
    _a_minute_later()
    assert "full_name" in _get(entry, auth).json()["fields"]
    item = entry.items.get(name="full_name")
    item.label = "姓名（新）"
    item.save()  # the cached entry's items are dropped with the credential
    response = _get(entry, auth, "?fields=mobile")
    assert response.status_code == 200
    from shuzheng.datahub import credentials

    cached = credentials.credential_by_client_id(_credential_.client_id)
    assert cached is not None
    assert {i.name: i.label for i in cached.grant.entry.items.all()}["full_name"] == "姓名（新）"
