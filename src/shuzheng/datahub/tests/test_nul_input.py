"""A NUL character (\\x00) in any data-hub text input is a clear Chinese error naming the field and
changes nothing — never a 500 (PostgreSQL text and jsonb cannot hold it; SQLite would store it)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from shuzheng.core.actors import SYSTEM
from shuzheng.datahub.models import CatalogEntry, Openness, OpenResource, SharingRequest
from shuzheng.datahub.services import open_data as open_data_services
from shuzheng.datahub.services import sharing as sharing_services
from shuzheng.datahub.tests.conftest import approve, make_entry, people
from shuzheng.datahub.tests.test_workbench_pages import _entry_post, client_for

pytestmark = pytest.mark.django_db

NUL = "户籍\x00人口"
WB = "/workbench/datahub"


def _refused(response: Any) -> str:
    assert 400 <= response.status_code < 500, (response.status_code, response.content[:300])
    body = response.content.decode()
    assert "Traceback" not in body
    return body


@pytest.mark.parametrize(
    "changes",
    [
        {"name": NUL},
        {"abstract": NUL},
        {"sharing_conditions": NUL},
        {"sharing_method": NUL},
        {"class_code": "B\x0001"},
        {"items-0-name": "cert\x00no"},
        {"items-0-label": NUL},
    ],
)
def test_entry_form(hub, changes):
    response = client_for(hub.steward).post(f"{WB}/catalog/new/", _entry_post(hub.provider.pk, **changes))
    body = _refused(response)
    assert "空字符" in body or "null" not in body.lower()
    assert not CatalogEntry.objects.exists()


def test_entry_api(hub):
    payload = {
        "name": NUL,
        "class_code": "B01",
        "items": [{"name": "a", "label": "甲"}],
        "sharing_type": "unconditional",
    }
    response = client_for(hub.steward).post(
        "/api/v1/datahub/entries", json.dumps(payload), content_type="application/json"
    )
    _refused(response)
    assert not CatalogEntry.objects.exists()


def test_sharing_request_form_and_api(hub, person_entry):
    client = client_for(hub.consumer_user)
    response = client.post(
        f"{WB}/catalog/{person_entry.pk}/request/",
        {
            "purpose": NUL,
            "legal_basis": "《社会救助暂行办法》",
            "wanted": ["full_name"],
            "period_start": "2026-01-01",
            "period_end": "2026-12-31",
        },
    )
    _refused(response)
    response = client.post(
        "/api/v1/datahub/sharing-requests",
        json.dumps(
            {
                "entry_id": person_entry.pk,
                "purpose": "低保核查",
                "legal_basis": NUL,
                "fields": ["full_name"],
                "period_start": "2026-01-01",
                "period_end": "2026-12-31",
            }
        ),
        content_type="application/json",
    )
    _refused(response)
    assert not SharingRequest.objects.exists()


def test_workbench_comments_and_refusals(hub, person_entry):
    grant = approve(hub, person_entry, fields=["full_name"])
    response = client_for(hub.consumer_user).post(f"{WB}/grants/{grant.pk}/credentials/", {"label": NUL})
    _refused(response)
    assert not grant.credentials.exists()
    draft = make_entry(hub, name="草稿资源", publish=False, mount=False, class_code="C01")
    response = client_for(hub.steward).post(
        f"{WB}/catalog/{draft.pk}/transition/submit/", {"comment": NUL}, follow=True
    )
    assert response.status_code == 200
    assert "空字符" in response.content.decode()
    draft.refresh_from_db()
    assert draft.status == "draft"


@pytest.mark.parametrize(
    "query",
    ["?q=%00", "?class_code=B%0001", "?department=TP%0001"],
)
def test_workbench_catalog_filters(hub, person_entry, query):
    _refused(client_for(hub.steward).get(f"{WB}/catalog/{query}"))


def test_rows_through_the_api_and_an_upload(hub, person_entry):
    client = client_for(hub.steward)
    row = {**people()[0], "full_name": NUL}
    response = client.post(
        f"/api/v1/datahub/entries/{person_entry.pk}/rows",
        json.dumps({"rows": [row]}),
        content_type="application/json",
    )
    _refused(response)
    header = "公民身份号码,姓名,手机号码,住址,出生日期,月收入,家庭人口"
    line = f"{people()[1]['id_number']},{NUL},13800000000,某地,1990-01-01,1,1"
    upload = SimpleUploadedFile("rows.csv", f"{header}\n{line}\n".encode(), content_type="text/csv")
    response = client.post(f"{WB}/catalog/{person_entry.pk}/upload/", {"file": upload})
    assert response.status_code < 500
    assert NUL not in response.content.decode()
    person_entry.refresh_from_db()
    assert person_entry.row_count == len(people())


def test_the_data_service(hub, person_entry):
    grant = approve(hub, person_entry, fields=["full_name", "household_size"], clear=True)
    credential, secret = sharing_services.credential_issue(actor=hub.consumer_user, grant=grant)
    auth = f"Bearer {credential.client_id}:{secret}"
    for query in ("?full_name=%00", "?full_name__contains=a%00", "?sort=%00", "?cursor=%00", "?fields=%00"):
        response = Client().get(
            f"/api/v1/datahub/data/{person_entry.code}/rows{query}", HTTP_AUTHORIZATION=auth
        )
        _refused(response)
    response = Client().get(
        f"/api/v1/datahub/data/{person_entry.code}/rows",
        HTTP_AUTHORIZATION=f"Bearer {credential.client_id}:\x00",
    )
    _refused(response)


@pytest.fixture
def datastore(hub: Any) -> str:
    entry = make_entry(hub, name="公开名录", openness=Openness.OPEN, rows=people())
    dataset = open_data_services.dataset_publish(actor=SYSTEM, entry=entry, name="enping-people")
    return str(OpenResource.objects.get(dataset=dataset, format="CSV", url="").pk)


@pytest.mark.parametrize(
    ("action", "data"),
    [
        ("package_search", {"q": NUL}),
        ("package_search", {"fq": f"tags:{NUL}"}),
        ("package_show", {"id": NUL}),
        ("datastore_search", {"q": NUL}),
        ("datastore_search", {"q": json.dumps({"birth_date": NUL})}),
        ("datastore_search", {"q": {"birth_date": NUL}}),
        ("datastore_search", {"filters": {"household_size": NUL}}),
        ("datastore_search", {"filters": {"birth_date": [NUL]}}),
        ("datastore_search", {"sort": NUL}),
        ("datastore_search", {"fields": [NUL]}),
        ("tag_list", {"query": NUL}),
        ("organization_show", {"id": NUL}),
        ("group_show", {"id": NUL}),
    ],
)
def test_ckan_actions(datastore, action, data):
    if action == "datastore_search":
        data = {"resource_id": datastore, **data}
    response = Client().post(f"/api/3/action/{action}", json.dumps(data), content_type="application/json")
    assert 400 <= response.status_code < 500, response.content[:300]
    assert response.json()["success"] is False


@pytest.mark.parametrize(
    "url",
    [
        "/open-data/?q=%00",
        "/open-data/?tags=%00",
        "/open-data/?organization=%00",
        "/open-data/%00/",
        "/open-data/a%00b/download/csv/",
    ],
)
def test_open_data_pages(datastore, url):
    assert Client().get(url).status_code < 500
