"""The CKAN Action API (/api/3/action/<name>): envelope, reads, datastore, publishers' writes with an API
key, and CKAN's error shapes for bad input (nothing changed, nothing leaked)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from shuzheng.core.actors import SYSTEM
from shuzheng.datahub.constants import STEWARD_PERMISSIONS
from shuzheng.datahub.models import OpenDataset, Openness, OpenResource, OpenTag
from shuzheng.datahub.services import open_data as open_data_services
from shuzheng.datahub.tests.conftest import Hub, make_entry
from shuzheng.identity.models import AuditEvent, DataScopeKind
from shuzheng.identity.services import api_keys as api_key_services
from shuzheng.identity.tests.conftest import grant as grant_role
from shuzheng.identity.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PARKING_ITEMS: list[dict[str, Any]] = [
    {"name": "name", "label": "停车场名称", "required": True},
    {"name": "town", "label": "镇街"},
    {"name": "capacity", "label": "泊位数", "data_type": "integer"},
]
HOME_ITEMS: list[dict[str, Any]] = [
    {"name": "home", "label": "养老机构名称", "required": True},
    {"name": "manager", "label": "负责人", "is_personal": True, "sensitivity": "L3", "masking": "name"},
    {"name": "phone", "label": "联系电话", "is_personal": True, "sensitivity": "L3", "masking": "mobile"},
    {"name": "beds", "label": "床位数", "data_type": "integer"},
    # personal, but no masking kind chosen: still never shown in clear
    {"name": "contact", "label": "值班联系人", "is_personal": True, "sensitivity": "L3"},
]


def action(
    client: Client, name: str, data: dict[str, Any] | None = None, *, key: str = "", get: bool = False
) -> Any:
    headers: dict[str, Any] = {"HTTP_AUTHORIZATION": key} if key else {}
    if get:
        return client.get(f"/api/3/action/{name}", data or {}, **headers)
    return client.post(
        f"/api/3/action/{name}", json.dumps(data or {}), content_type="application/json", **headers
    )


def ok(response: Any) -> Any:
    body = response.json()
    assert response.status_code == 200, body
    assert body["success"] is True
    assert body["help"].endswith(
        "/api/3/action/help_show?name=" + response.wsgi_request.path.rsplit("/", 1)[-1]
    )
    return body["result"]


def failed(response: Any, status: int, kind: str) -> dict[str, Any]:
    body = response.json()
    assert response.status_code == status, body
    assert body["success"] is False
    assert "result" not in body
    assert body["error"]["__type"] == kind
    return body["error"]


@pytest.fixture
def portal(hub: Hub) -> dict[str, Any]:
    transport = open_data_services.topic_ensure(actor=SYSTEM, name="transport", title="交通出行")
    welfare = open_data_services.topic_ensure(actor=SYSTEM, name="welfare", title="社会保障")
    parking_rows = [
        {"name": f"停车场{n}", "town": "恩城街道" if n % 2 else "沙湖镇", "capacity": n * 10}
        for n in range(1, 8)
    ]
    parking = make_entry(
        hub, name="公共停车场", items=PARKING_ITEMS, openness=Openness.OPEN, rows=parking_rows
    )
    homes_rows = [
        {
            "home": f"敬老院{n}",
            "manager": "张三丰",
            "phone": "13800001234",
            "beds": 20 + n,
            "contact": "李四光",
        }
        for n in range(1, 4)
    ]
    homes = make_entry(
        hub, name="养老机构", items=HOME_ITEMS, openness=Openness.OPEN, rows=homes_rows, class_code="B01"
    )
    spare = make_entry(
        hub,
        name="公共厕所",
        items=PARKING_ITEMS,
        openness=Openness.OPEN,
        rows=parking_rows[:2],
        class_code="C01",
    )
    closed = make_entry(hub, name="内部名册", items=PARKING_ITEMS, rows=parking_rows[:1], class_code="D01")
    ds_parking = open_data_services.dataset_publish(
        actor=SYSTEM, entry=parking, name="enping-parking", tags=["停车", "交通"], topics=[transport]
    )
    ds_homes = open_data_services.dataset_publish(
        actor=SYSTEM, entry=homes, name="enping-homes", tags=["养老"], topics=[welfare]
    )
    link = open_data_services.resource_add(
        actor=SYSTEM,
        dataset=ds_parking,
        name="停车接口说明",
        url="https://example.cn/parking.pdf",
        format="PDF",
    )
    _, key = api_key_services.api_key_issue(actor=SYSTEM, user=hub.steward, name="CKAN 发布")
    return {
        "parking": ds_parking,
        "homes": ds_homes,
        "spare": spare,
        "closed": closed,
        "link": link,
        "key": key,
        "transport": transport,
    }


# --- envelope and reads -------------------------------------------------------------------------------------


def test_status_show_and_the_envelope_on_both_prefixes(client, portal):
    result = ok(action(client, "status_show", get=True))
    assert result["ckan_version"].startswith("2.")
    assert "datastore" in result["extensions"]
    response = client.get("/api/action/status_show")
    assert response.status_code == 200
    assert response.json()["success"] is True
    assert client.get("/api/3").json() == {"version": 3}
    assert "fq" in ok(action(client, "help_show", {"name": "package_search"}))
    failed(action(client, "help_show", {"name": "nope"}), 404, "Not Found Error")


def test_unknown_action_and_write_by_get_are_bad_requests(client, portal):
    error = failed(client.get("/api/3/action/package_explode"), 400, "Bad Request")
    assert "package_explode" in error["message"]
    failed(client.get("/api/3/action/package_create", {"name": "x"}), 400, "Bad Request")
    failed(
        client.post("/api/3/action/package_show", "{not json", content_type="application/json"),
        400,
        "Bad Request",
    )
    failed(
        client.post("/api/3/action/package_show", "[1]", content_type="application/json"), 400, "Bad Request"
    )


def test_package_list_and_show(client, portal):
    assert ok(action(client, "package_list", get=True)) == ["enping-homes", "enping-parking"]
    assert ok(action(client, "package_list", {"limit": 1, "offset": 1})) == ["enping-parking"]
    recent = ok(action(client, "current_package_list_with_resources", {"limit": 1}))
    assert len(recent) == 1
    assert recent[0]["resources"]
    assert "cc-by-4.0" in [lic["id"] for lic in ok(action(client, "license_list"))]
    pkg = ok(action(client, "package_show", {"id": "enping-parking"}, get=True))
    assert pkg["id"] == str(portal["parking"].pk)
    assert pkg["title"] == "公共停车场"
    assert pkg["organization"]["name"] == "tp01"
    assert pkg["owner_org"] == str(portal["parking"].department_id)
    assert sorted(t["name"] for t in pkg["tags"]) == ["交通", "停车"]
    assert [g["name"] for g in pkg["groups"]] == ["transport"]
    formats = {r["format"]: r for r in pkg["resources"]}
    assert set(formats) == {"CSV", "XLSX", "JSON", "PDF"}
    assert formats["CSV"]["url_type"] == "datastore"
    assert formats["CSV"]["datastore_active"] is True
    assert formats["PDF"]["url"] == "https://example.cn/parking.pdf"
    assert pkg["num_resources"] == 4
    extras = {e["key"]: e["value"] for e in pkg["extras"]}
    assert extras["catalog_entry"] == portal["parking"].entry.code
    assert ok(action(client, "package_show", {"id": str(portal["parking"].pk)}))["name"] == "enping-parking"
    error = failed(action(client, "package_show", {"id": "no-such"}), 404, "Not Found Error")
    assert "no-such" in error["message"]
    assert failed(action(client, "package_show", {}), 409, "Validation Error")["id"]
    # a withdrawn dataset is gone for the public
    open_data_services.dataset_unpublish(actor=SYSTEM, dataset=portal["homes"])
    failed(action(client, "package_show", {"id": "enping-homes"}), 404, "Not Found Error")
    assert ok(action(client, "package_list")) == ["enping-parking"]


def test_package_search(client, portal, django_assert_max_num_queries):
    result = ok(action(client, "package_search", {"q": "停车场"}, get=True))
    assert result["count"] == 1
    assert result["results"][0]["name"] == "enping-parking"
    assert ok(action(client, "package_search", {"q": "养老机构"}))["results"][0]["name"] == "enping-homes"
    everything = ok(action(client, "package_search", {"rows": 1, "sort": "name asc"}))
    assert everything["count"] == 2
    assert [r["name"] for r in everything["results"]] == ["enping-homes"]
    second = ok(action(client, "package_search", {"rows": 1, "start": 1, "sort": "name asc"}))
    assert [r["name"] for r in second["results"]] == ["enping-parking"]
    desc = ok(action(client, "package_search", {"sort": "name desc"}))
    assert [r["name"] for r in desc["results"]] == ["enping-parking", "enping-homes"]
    assert ok(action(client, "package_search", {"fq": "organization:tp01"}))["count"] == 2
    for fq in ('tags:"停车"', "groups:transport", "res_format:PDF", "tags:交通 res_format:csv"):
        found = ok(action(client, "package_search", {"fq": fq}))
        assert [r["name"] for r in found["results"]] == ["enping-parking"], fq
    assert ok(action(client, "package_search", {"fq": "-groups:transport"}))["count"] == 1
    assert [r["name"] for r in ok(action(client, "package_search", {"q": "tags:养老"}))["results"]] == [
        "enping-homes"
    ]
    assert ok(action(client, "package_search", {"fq": "organization:nobody"}))["count"] == 0
    assert ok(action(client, "package_search", {"q": "*:*", "fq": "+capacity:public"}))["count"] == 2
    faceted = ok(
        action(
            client,
            "package_search",
            {
                "facet.field": '["organization", "tags", "groups", "res_format"]',
                "facet.limit": "1",
                "rows": "0",
            },
            get=True,
        )
    )
    assert faceted["results"] == []
    assert faceted["facets"]["organization"] == {"tp01": 2}
    assert faceted["search_facets"]["organization"]["items"] == [
        {"name": "tp01", "display_name": "测试公安局", "count": 2}
    ]
    assert len(faceted["search_facets"]["tags"]["items"]) == 1
    assert faceted["facets"]["res_format"] == {"CSV": 2}
    with django_assert_max_num_queries(20):
        ok(action(client, "package_search", {"rows": 100}))


def test_package_search_with_text_filter_and_facets_is_seven_queries(client, portal) -> None:
    """The full-text search ranks once; counts, filters and the four facets read the matches as a subquery
    (no ranked id list sent back) and the facets are one grouped query."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    params = {
        "q": "停车场",
        "fq": "organization:tp01",
        "facet.field": '["organization", "tags", "groups", "res_format"]',
    }
    with CaptureQueriesContext(connection) as captured:
        result = ok(action(client, "package_search", params, get=True))
    assert [r["name"] for r in result["results"]] == ["enping-parking"]
    assert result["facets"]["organization"] == {"tp01": 1}
    assert result["facets"]["tags"] == {"交通": 1, "停车": 1}
    assert result["facets"]["groups"] == {"transport": 1}
    assert result["facets"]["res_format"] == {"CSV": 1, "JSON": 1, "PDF": 1, "XLSX": 1}
    # ranking, the matches within the filter, the page with tags, topics and resources, the facets
    assert len(captured.captured_queries) == 7, [q["sql"][:120] for q in captured.captured_queries]
    assert sum("core_searchentry" in q["sql"] for q in captured.captured_queries) == 3
    assert sum(q["sql"].count("UNION ALL") == 3 for q in captured.captured_queries) == 1


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"rows": "many"}, "rows"),
        ({"rows": 5000}, "rows"),
        ({"start": -1}, "start"),
        ({"sort": "price desc"}, "sort"),
        ({"facet.field": '["colour"]'}, "facet.field"),
        ({"facet.field": "[not json"}, "facet.field"),
        ({"q": ["a", "b"]}, "q"),
    ],
)
def test_package_search_validation_errors(client, portal, params, field):
    error = failed(action(client, "package_search", params), 409, "Validation Error")
    assert error[field]


@pytest.mark.parametrize("fq", ["colour:red", "organization:", 'tags:"unterminated', "(a OR b)"])
def test_package_search_bad_fq_is_a_search_query_error(client, portal, fq):
    failed(action(client, "package_search", {"fq": fq}), 400, "Search Query Error")


def test_organizations_groups_tags_resources(client, portal, hub):
    assert ok(action(client, "organization_list", get=True)) == ["tp01"]
    orgs = ok(action(client, "organization_list", {"all_fields": True}))
    assert orgs[0]["title"] == "测试公安局"
    assert orgs[0]["package_count"] == 2
    org = ok(action(client, "organization_show", {"id": "tp01", "include_datasets": True}))
    assert org["package_count"] == 2
    assert [p["name"] for p in org["packages"]] == ["enping-homes", "enping-parking"]
    assert ok(action(client, "organization_show", {"id": str(hub.provider.pk)}))["name"] == "tp01"
    failed(action(client, "organization_show", {"id": "nobody"}), 404, "Not Found Error")
    assert ok(action(client, "group_list")) == ["transport", "welfare"]
    groups = ok(action(client, "group_list", {"all_fields": "true", "sort": "name desc"}))
    assert [(g["name"], g["title"], g["package_count"]) for g in groups] == [
        ("welfare", "社会保障", 1),
        ("transport", "交通出行", 1),
    ]
    assert ok(action(client, "group_show", {"id": "transport"}))["package_count"] == 1
    assert ok(action(client, "tag_list")) == sorted(["交通", "停车", "养老"])
    assert ok(action(client, "tag_list", {"query": "停"})) == ["停车"]
    resource = ok(action(client, "resource_show", {"id": str(portal["link"].pk)}))
    assert resource["format"] == "PDF"
    assert resource["package_id"] == str(portal["parking"].pk)
    failed(action(client, "resource_show", {"id": "999999"}), 404, "Not Found Error")
    failed(action(client, "organization_list", {"sort": "colour"}), 409, "Validation Error")


def test_resource_download_urls_serve_the_generated_file(client, portal):
    pkg = ok(action(client, "package_show", {"id": "enping-parking"}))
    csv = next(r for r in pkg["resources"] if r["format"] == "CSV")
    path = csv["url"].split("testserver", 1)[1]
    response = client.get(path)
    if response.status_code == 302:  # through the portal's counted download link
        response = client.get(response["Location"])
    assert response.status_code == 200
    assert "停车场1" in b"".join(
        response.streaming_content if response.streaming else [response.content]
    ).decode("utf-8-sig")
    res = OpenResource.objects.get(dataset=portal["parking"], format="CSV", url="")
    own = client.get(f"/dataset/{portal['parking'].pk}/resource/{res.pk}/download/enping-parking.csv")
    assert own.status_code == 200
    assert client.get(f"/dataset/{portal['parking'].pk}/resource/999999/download/x.csv").status_code == 404


# --- datastore ----------------------------------------------------------------------------------------------


def _csv_id(dataset: OpenDataset) -> str:
    return str(OpenResource.objects.get(dataset=dataset, format="CSV", url="").pk)


def test_datastore_search(client, portal):
    rid = _csv_id(portal["parking"])
    result = ok(action(client, "datastore_search", {"resource_id": rid}, get=True))
    assert result["total"] == 7
    assert [f["id"] for f in result["fields"]] == ["_id", "name", "town", "capacity"]
    assert result["fields"][3]["type"] == "int"
    assert result["records"][0] == {"_id": 1, "name": "停车场1", "town": "恩城街道", "capacity": 10}
    page = ok(
        action(
            client,
            "datastore_search",
            {"resource_id": rid, "limit": 2, "offset": 1, "sort": "capacity desc", "fields": "name,capacity"},
        )
    )
    assert [r["capacity"] for r in page["records"]] == [60, 50]
    assert set(page["records"][0]) == {"_id", "name", "capacity"}
    assert "offset=3" in page["_links"]["next"]
    filtered = ok(action(client, "datastore_search", {"resource_id": rid, "filters": {"town": "沙湖镇"}}))
    assert filtered["total"] == 3
    listed = ok(
        action(
            client,
            "datastore_search",
            {"resource_id": rid, "filters": json.dumps({"capacity": [10, 30]})},
            get=True,
        )
    )
    assert sorted(r["capacity"] for r in listed["records"]) == [10, 30]
    assert ok(action(client, "datastore_search", {"resource_id": rid, "q": "停车场7"}))["total"] == 1
    assert ok(action(client, "datastore_search", {"resource_id": rid, "q": {"town": "恩城"}}))["total"] == 4


def test_datastore_masks_personal_fields_and_refuses_to_filter_on_them(client, portal):
    rid = _csv_id(portal["homes"])
    result = ok(action(client, "datastore_search", {"resource_id": rid}))
    record = result["records"][0]
    assert record["manager"] == "张*丰"
    assert record["phone"] == "138****1234"
    assert record["contact"] == "******"
    assert "张三丰" not in json.dumps(result, ensure_ascii=False)
    assert "李四光" not in json.dumps(result, ensure_ascii=False)
    for params, field in (
        ({"filters": {"contact": "李四光"}}, "filters"),
        ({"filters": {"manager": "张三丰"}}, "filters"),
        ({"q": {"phone": "1380000"}}, "q"),
        ({"sort": "phone asc"}, "sort"),
    ):
        error = failed(
            action(client, "datastore_search", {"resource_id": rid, **params}), 409, "Validation Error"
        )
        assert error[field]
    # q over all text fields skips the masked ones: a clear name finds nothing
    assert ok(action(client, "datastore_search", {"resource_id": rid, "q": "张三丰"}))["total"] == 0


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"limit": 100000}, "limit"),
        ({"offset": "x"}, "offset"),
        ({"fields": "name,colour"}, "fields"),
        ({"filters": {"colour": "red"}}, "filters"),
        ({"filters": {"capacity": "many"}}, "filters"),
        ({"filters": "{bad"}, "filters"),
        ({"sort": "colour desc"}, "sort"),
    ],
)
def test_datastore_search_validation_errors(client, portal, params, field):
    rid = _csv_id(portal["parking"])
    error = failed(
        action(client, "datastore_search", {"resource_id": rid, **params}), 409, "Validation Error"
    )
    assert error[field]


def test_datastore_search_unknown_and_external_resources(client, portal):
    failed(action(client, "datastore_search", {"resource_id": "424242"}), 404, "Not Found Error")
    failed(
        action(client, "datastore_search", {"resource_id": str(portal["link"].pk)}), 404, "Not Found Error"
    )
    failed(action(client, "datastore_search", {}), 409, "Validation Error")


# --- writes -------------------------------------------------------------------------------------------------


def _new_package(portal: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {
        "name": "enping-toilets",
        "title": "公共厕所分布",
        "notes": "全市公共厕所位置与开放时间",
        "owner_org": "tp01",
        "license_id": "cc-by-4.0",
        "tags": [{"name": "厕所"}, {"name": "市政"}],
        "groups": [{"name": "transport"}],
        "extras": [{"key": "catalog_entry", "value": portal["spare"].code}],
        "resources": [{"name": "地图服务", "url": "https://example.cn/toilets/api", "format": "API"}],
        **extra,
    }


def test_package_create_update_patch_delete(client, portal):
    key = portal["key"]
    created = ok(action(client, "package_create", _new_package(portal), key=key))
    assert created["name"] == "enping-toilets"
    assert created["organization"]["name"] == "tp01"
    assert sorted(r["format"] for r in created["resources"]) == ["API", "CSV", "JSON", "XLSX"]
    dataset = OpenDataset.objects.get(name="enping-toilets")
    assert AuditEvent.objects.filter(action="datahub.open.publish", subject_id=str(dataset.pk)).exists()
    assert ok(action(client, "package_search", {"q": "公共厕所"}))["results"][0]["name"] == "enping-toilets"
    # update replaces: tags cleared, resources synced (the link renamed), title changed
    pkg = ok(action(client, "package_show", {"id": "enping-toilets"}))
    link = next(r for r in pkg["resources"] if r["format"] == "API")
    pkg.update(title="公共厕所（更新）", tags=[{"name": "公厕"}])
    link["name"] = "地图服务接口"
    updated = ok(action(client, "package_update", pkg, key=key))
    assert updated["title"] == "公共厕所（更新）"
    assert [t["name"] for t in updated["tags"]] == ["公厕"]
    assert any(r["name"] == "地图服务接口" for r in updated["resources"])
    assert AuditEvent.objects.filter(action="datahub.open.update", subject_id=str(dataset.pk)).exists()
    patched = ok(action(client, "package_patch", {"id": "enping-toilets", "notes": "只改描述"}, key=key))
    assert patched["notes"] == "只改描述"
    assert patched["title"] == "公共厕所（更新）"
    assert [t["name"] for t in patched["tags"]] == ["公厕"]
    assert patched["num_resources"] == 4
    # removing the link from the resource list deletes it; generated resources stay
    patched["resources"] = [r for r in patched["resources"] if r["format"] != "API"]
    assert ok(action(client, "package_update", patched, key=key))["num_resources"] == 3
    assert ok(action(client, "package_delete", {"id": "enping-toilets"}, key=key)) is None
    failed(action(client, "package_show", {"id": "enping-toilets"}), 404, "Not Found Error")
    # the publisher still sees it (state deleted) and may re-open it by an update
    hidden = ok(action(client, "package_show", {"id": "enping-toilets"}, key=key))
    assert hidden["state"] == "deleted"
    hidden["state"] = "active"
    assert ok(action(client, "package_update", hidden, key=key))["state"] == "active"
    assert "enping-toilets" in ok(action(client, "package_list"))


def _unchanged(before: dict[str, Any]) -> None:
    assert OpenDataset.objects.count() == before["datasets"]
    assert OpenResource.objects.count() == before["resources"]
    assert OpenTag.objects.count() == before["tags"]
    assert AuditEvent.objects.filter(action__startswith="datahub.open").count() == before["events"]


def _counts() -> dict[str, int]:
    return {
        "datasets": OpenDataset.objects.count(),
        "resources": OpenResource.objects.count(),
        "tags": OpenTag.objects.count(),
        "events": AuditEvent.objects.filter(action__startswith="datahub.open").count(),
    }


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"name": "enping-parking"}, "name"),  # duplicate dataset name
        ({"name": "Bad Name!"}, "name"),
        ({"extras": []}, "catalog_entry"),
        ({"extras": [{"key": "catalog_entry", "value": "NO-SUCH"}]}, "catalog_entry"),
        ({"owner_org": "tc01"}, "owner_org"),
        ({"license_id": "all-rights-reserved"}, "license_id"),
        ({"groups": [{"name": "nope"}]}, "groups"),
        ({"tags": "not-a-list-of-dicts-but-ok"}, None),
        ({"private": True}, "private"),
        ({"resources": [{"name": "坏链接", "url": "ftp://x", "format": "API"}]}, "url"),
    ],
)
def test_package_create_bad_input_changes_nothing(client, portal, change, field):
    before = _counts()
    response = action(client, "package_create", _new_package(portal, **change), key=portal["key"])
    if field is None:  # a tag string is accepted as one tag
        ok(response)
        return
    error = failed(response, 409, "Validation Error")
    assert error[field], error
    _unchanged(before)
    assert not OpenDataset.objects.filter(name="enping-toilets").exists()


def test_package_create_for_an_entry_already_open_or_not_openable(client, portal):
    before = _counts()
    again = _new_package(portal, extras=[{"key": "catalog_entry", "value": portal["parking"].entry.code}])
    assert failed(action(client, "package_create", again, key=portal["key"]), 409, "Validation Error")[
        "catalog_entry"
    ]
    closed = _new_package(portal, extras=[{"key": "catalog_entry", "value": portal["closed"].code}])
    assert failed(action(client, "package_create", closed, key=portal["key"]), 409, "Validation Error")[
        "catalog_entry"
    ]
    _unchanged(before)


def test_writes_need_a_valid_key_within_the_publishers_scope(client, portal, hub):
    before = _counts()
    body = _new_package(portal)
    error = failed(action(client, "package_create", body), 403, "Authorization Error")
    assert "API 密钥" in error["message"]
    failed(action(client, "package_create", body, key=portal["key"] + "x"), 403, "Authorization Error")
    failed(
        action(client, "package_show", {"id": "enping-parking"}, key="garbage"), 403, "Authorization Error"
    )
    # another department's steward may not publish the provider's entry
    other = UserFactory.create(username="other_steward", department=hub.consumer)
    grant_role(other, list(STEWARD_PERMISSIONS), DataScopeKind.DEPARTMENT)
    _, other_key = api_key_services.api_key_issue(actor=SYSTEM, user=other, name="k")
    failed(action(client, "package_create", body, key=other_key), 403, "Authorization Error")
    failed(
        action(client, "package_delete", {"id": "enping-parking"}, key=other_key), 403, "Authorization Error"
    )
    # staff without the publish permission
    plain = UserFactory.create(username="plain", department=hub.provider)
    _, plain_key = api_key_services.api_key_issue(actor=SYSTEM, user=plain, name="k")
    failed(
        action(client, "package_patch", {"id": "enping-parking", "title": "x"}, key=plain_key),
        403,
        "Authorization Error",
    )
    # a revoked key
    key_row, revoked = api_key_services.api_key_issue(actor=SYSTEM, user=hub.steward, name="old")
    api_key_services.api_key_revoke(actor=SYSTEM, key=key_row)
    before = _counts()
    failed(action(client, "package_create", body, key=revoked), 403, "Authorization Error")
    _unchanged(before)
    assert OpenDataset.objects.get(name="enping-parking").title == "公共停车场"
    # X-CKAN-API-Key works too
    response = client.post(
        "/api/3/action/package_patch",
        json.dumps({"id": "enping-parking", "title": "停车场（新）"}),
        content_type="application/json",
        HTTP_X_CKAN_API_KEY=portal["key"],
    )
    assert ok(response)["title"] == "停车场（新）"


def test_a_failing_part_of_an_update_rolls_back_the_whole_call(client, portal):
    pkg = ok(action(client, "package_show", {"id": "enping-parking"}))
    pkg["title"] = "改了标题"
    pkg["resources"].append({"name": "坏", "url": "not a url", "format": "API"})
    before = _counts()
    failed(action(client, "package_update", pkg, key=portal["key"]), 409, "Validation Error")
    _unchanged(before)
    assert OpenDataset.objects.get(name="enping-parking").title == "公共停车场"
    # renaming onto another dataset's name
    pkg = ok(action(client, "package_show", {"id": "enping-parking"}))
    pkg["name"] = "enping-homes"
    assert failed(action(client, "package_update", pkg, key=portal["key"]), 409, "Validation Error")["name"]
    failed(
        action(client, "package_update", {"id": "nope", "name": "x1"}, key=portal["key"]),
        404,
        "Not Found Error",
    )


def test_resource_create_with_a_url_and_with_an_upload(client, portal):
    key = portal["key"]
    dataset = portal["parking"]
    linked = ok(
        action(
            client,
            "resource_create",
            {"package_id": "enping-parking", "url": "https://example.cn/a.xml"},
            key=key,
        )
    )
    assert linked["format"] == "XML"
    assert linked["url"] == "https://example.cn/a.xml"
    response = client.post(
        "/api/3/action/resource_create",
        {
            "package_id": str(dataset.pk),
            "name": "停车场分布图",
            "upload": SimpleUploadedFile("停车 分布.pdf", b"%PDF-1.7 map", content_type="application/pdf"),
        },
        HTTP_AUTHORIZATION=key,
    )
    uploaded = ok(response)
    assert uploaded["url_type"] == "upload"
    assert uploaded["format"] == "PDF"
    assert uploaded["name"] == "停车场分布图"
    resource = OpenResource.objects.get(pk=int(uploaded["id"]))
    assert resource.file.read() == b"%PDF-1.7 map"
    assert AuditEvent.objects.filter(action="datahub.open.resource", subject_id=str(resource.pk)).exists()
    path = resource.url.split("testserver", 1)[1]
    got = client.get(path)
    assert got.status_code == 200
    assert b"".join(got.streaming_content) == b"%PDF-1.7 map"
    assert got["Content-Type"] == "application/octet-stream"
    # bad uploads and bad urls change nothing
    before = _counts()
    bad = client.post(
        "/api/3/action/resource_create",
        {"package_id": str(dataset.pk), "upload": SimpleUploadedFile("run.exe", b"MZ")},
        HTTP_AUTHORIZATION=key,
    )
    assert failed(bad, 409, "Validation Error")["upload"]
    empty = client.post(
        "/api/3/action/resource_create",
        {"package_id": str(dataset.pk), "upload": SimpleUploadedFile("a.csv", b"")},
        HTTP_AUTHORIZATION=key,
    )
    assert failed(empty, 409, "Validation Error")["upload"]
    assert failed(
        action(client, "resource_create", {"package_id": "enping-parking"}, key=key), 409, "Validation Error"
    )["url"]
    failed(
        action(client, "resource_create", {"package_id": "nope", "url": "https://x.cn/a"}, key=key),
        404,
        "Not Found Error",
    )
    _unchanged(before)
    # generated resources can be neither edited nor deleted; attached ones can
    failed(action(client, "resource_delete", {"id": _csv_id(dataset)}, key=key), 409, "Validation Error")
    assert (
        ok(action(client, "resource_patch", {"id": linked["id"], "name": "XML 说明"}, key=key))["name"]
        == "XML 说明"
    )
    assert ok(action(client, "resource_delete", {"id": linked["id"]}, key=key)) is None
    assert not OpenResource.objects.filter(pk=int(linked["id"])).exists()


# --- the request guard lets CKAN's own media types through --------------------------------------------------


def test_form_posts_and_query_strings_reach_the_ckan_api(client, portal):
    form = client.post("/api/3/action/package_show", {"id": "enping-parking"})  # multipart form
    assert ok(form)["name"] == "enping-parking"
    urlencoded = client.post(
        "/api/3/action/package_show", "id=enping-parking", content_type="application/x-www-form-urlencoded"
    )
    assert ok(urlencoded)["name"] == "enping-parking"
    as_query = client.post("/api/3/action/package_show?id=enping-parking")
    assert ok(as_query)["name"] == "enping-parking"
    broken = client.post(
        "/api/3/action/package_show", b"--xx\r\nnonsense", content_type="multipart/form-data; boundary=xx"
    )
    assert broken.status_code in {200, 400, 409}
    assert broken.json()["success"] is False
    plain = client.post("/api/3/action/package_show", "id=x", content_type="text/plain")
    assert failed(plain, 415, "Bad Request")["message"].startswith("不支持的内容类型")
    # everywhere else under /api/ the guard still answers 415 as a problem document
    other = client.post("/api/v1/datahub/entries", "x", content_type="text/plain")
    assert other.status_code == 415
    assert other["Content-Type"].startswith("application/problem+json")


# --- fuzzing: whatever the parameters, a CKAN answer and never a 500 -------------------------------------

_values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.from_regex(r"\A-?[0-9]{1,30}\Z"),
    st.text(max_size=30),
    st.lists(st.text(max_size=10), max_size=3),
    st.dictionaries(
        st.sampled_from(["name", "town", "capacity", "x"]),
        st.one_of(st.text(max_size=8), st.integers(min_value=-(10**30), max_value=10**30)),
        max_size=2,
    ),
)
_keys = st.sampled_from(
    [
        "id",
        "q",
        "fq",
        "rows",
        "start",
        "sort",
        "facet.field",
        "facet.limit",
        "limit",
        "offset",
        "filters",
        "fields",
        "resource_id",
        "all_fields",
        "query",
        "include_datasets",
        "name",
    ]
)


@hypothesis_settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    name=st.sampled_from(
        [
            "package_search",
            "package_show",
            "datastore_search",
            "organization_list",
            "organization_show",
            "group_list",
            "tag_list",
            "resource_show",
            "package_list",
        ]
    ),
    data=st.dictionaries(_keys, _values, max_size=4),
)
def test_reads_never_fail_with_a_server_error(client, portal, name, data):
    response = action(client, name, data)
    assert response.status_code in {200, 400, 404, 409}, response.content
    assert response.json()["success"] is (response.status_code == 200)


@hypothesis_settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    data=st.dictionaries(
        st.sampled_from(["q", "filters", "fields", "sort", "limit", "offset", "include_total"]),
        _values,
        max_size=4,
    )
)
def test_datastore_search_never_fails_with_a_server_error(client, portal, data):
    response = action(client, "datastore_search", {**data, "resource_id": _csv_id(portal["parking"])})
    assert response.status_code in {200, 400, 404, 409}, response.content
    assert response.json()["success"] is (response.status_code == 200)


@pytest.mark.parametrize("ident", ["²", "①", "１２"])
def test_non_ascii_digits_are_unknown_ids_not_errors(client, portal, ident):
    for name, params in (
        ("package_show", {"id": ident}),
        ("resource_show", {"id": ident}),
        ("group_show", {"id": ident}),
        ("organization_show", {"id": ident}),
    ):
        failed(action(client, name, params), 404, "Not Found Error")
    assert client.get(f"/open-data/{ident}/").status_code == 404
    assert client.get(f"/dataset/{ident}.ttl").status_code == 404
    assert client.get("/catalog.ttl", {"page": ident}).status_code == 400
