"""/api/v1/catalog: public guides, staff versions (scope, permissions), bad input, query counts."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from shuzheng.catalog.constants import VersionStatus
from shuzheng.catalog.models import ServiceItem, ServiceItemVersion
from shuzheng.catalog.tests.conftest import FORM, client_for, editor, fields, make_live
from shuzheng.identity.tests.conftest import Org, staff

pytestmark = pytest.mark.django_db

BASE = "/api/v1/catalog"
PROBLEM = "application/problem+json"


def post(client: Client, url: str, body: Any) -> Any:
    return client.post(url, data=json.dumps(body), content_type="application/json")


def patch(client: Client, url: str, body: Any) -> Any:
    return client.patch(url, data=json.dumps(body), content_type="application/json")


@pytest.fixture
def live(org: Org, groups: Any) -> ServiceItemVersion:
    return make_live("FOOD-1", org.bureau, guide_groups=["kaiban"])


def item_body(org: Org, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = dict(fields(org.bureau.code, **overrides))
    body["department_code"] = body.pop("department")
    body["code"] = overrides.get("code", "API-1")
    return body


# --- public -----------------------------------------------------------------------------------------


def test_public_guides_list_detail_and_search(live: ServiceItemVersion, org: Org) -> None:
    make_live(
        "SHOP-1", org.bureau, name="个体工商户设立登记", keywords="个体户 营业执照", high_frequency=False
    )
    anonymous = Client()
    listing = anonymous.get(f"{BASE}/guides")
    assert listing.status_code == 200
    items = listing.json()["items"]
    assert [g["code"] for g in items] == ["FOOD-1", "SHOP-1"]
    assert items[0]["at_most_one_visit"] is True
    assert items[0]["exemptions_complete"] is True
    assert items[0]["handling_mode_labels"] == ["网上办", "一次办"]
    assert items[0]["department_name"] == "测试局"
    searched = anonymous.get(f"{BASE}/guides", {"q": "个体户"}).json()
    assert [g["code"] for g in searched["items"]] == ["SHOP-1"]
    detail = anonymous.get(f"{BASE}/guides/FOOD-1").json()
    assert detail["form_schema"]["properties"]["phone"]["title"] == "联系电话"
    assert [m["exempt"] for m in detail["materials"]] == [False, True]
    assert [s["role_label"] for s in detail["steps"]] == ["受理人员", "审查人员", "审批人员"]
    assert detail["guide_groups"][0]["name"] == "开办企业"
    assert detail["channel_labels"] == ["网上办事大厅", "窗口"]
    groups = anonymous.get(f"{BASE}/groups").json()
    assert {g["code"]: g["live_count"] for g in groups} == {"birth": 0, "kaiban": 1}
    assert anonymous.get(f"{BASE}/departments").json() == [{"code": "T001", "name": "测试局", "count": 2}]


def test_public_filters_and_pagination(live: ServiceItemVersion, org: Org) -> None:
    for n in range(4):
        make_live(f"P-{n}", org.town_gov, name=f"镇级事项{n}", level="town", high_frequency=False)
    anonymous = Client()
    first = anonymous.get(f"{BASE}/guides", {"level": "town", "limit": "3"}).json()
    assert [g["code"] for g in first["items"]] == ["P-0", "P-1", "P-2"]
    second = anonymous.get(
        f"{BASE}/guides", {"level": "town", "limit": 3, "cursor": first["next_cursor"]}
    ).json()
    assert [g["code"] for g in second["items"]] == ["P-3"]
    assert second["next_cursor"] is None
    assert anonymous.get(f"{BASE}/guides", {"department": "T100"}).json()["items"][0]["code"] == "P-0"
    assert anonymous.get(f"{BASE}/guides", {"group": "kaiban"}).json()["items"][0]["code"] == "FOOD-1"
    assert anonymous.get(f"{BASE}/guides", {"audience": "person", "high_frequency": "True"}).json()["items"]
    searched = anonymous.get(f"{BASE}/guides", {"q": "镇级事项", "limit": "2"}).json()
    assert len(searched["items"]) == 2
    assert searched["next_cursor"] == "s2"
    rest = anonymous.get(f"{BASE}/guides", {"q": "镇级事项", "limit": "2", "cursor": "s2"}).json()
    assert len(rest["items"]) == 2


def test_public_list_query_count_is_constant(live: ServiceItemVersion, org: Org) -> None:
    for n in range(10):
        make_live(f"Q-{n}", org.bureau, name=f"事项{n}")
    with CaptureQueriesContext(connection) as queries:
        response = Client().get(f"{BASE}/guides", {"limit": 5})
    assert response.status_code == 200
    assert len(queries) <= 3


def test_public_bad_input(live: ServiceItemVersion) -> None:
    anonymous = Client()
    unknown = anonymous.get(f"{BASE}/guides/NOPE")
    assert unknown.status_code == 404
    assert unknown["Content-Type"].startswith(PROBLEM)
    assert "办事指南不存在" in unknown.json()["detail"]
    assert anonymous.get(f"{BASE}/guides", {"level": "galaxy"}).status_code == 422
    assert anonymous.get(f"{BASE}/guides", {"cursor": "!!!"}).json()["code"] == "invalid_cursor"
    assert anonymous.get(f"{BASE}/guides", {"q": "食品", "cursor": "zz"}).json()["code"] == "invalid_cursor"
    assert anonymous.get(f"{BASE}/guides", {"limit": 1000}).json()["errors"][0]["field"] == "limit"


# --- staff ------------------------------------------------------------------------------------------


def test_staff_endpoints_need_login_and_permission(live: ServiceItemVersion, org: Org) -> None:
    anonymous = Client()
    assert anonymous.get(f"{BASE}/items").status_code == 401
    assert post(anonymous, f"{BASE}/items", item_body(org)).status_code == 401
    nobody = client_for(staff(org.bureau))
    denied = post(nobody, f"{BASE}/items", item_body(org))
    assert denied.status_code == 403
    assert denied.json()["code"] == "permission_denied"
    assert nobody.get(f"{BASE}/items").status_code == 403


def test_staff_create_edit_publish_retire(live: ServiceItemVersion, org: Org) -> None:
    client = client_for(editor(org))
    created = post(client, f"{BASE}/items", item_body(org, guide_groups=["birth"]))
    assert created.status_code == 201, created.content
    draft = created.json()
    assert (draft["status"], draft["number"], draft["item_code"]) == ("draft", 1, "API-1")
    assert draft["guide_groups"][0]["code"] == "birth"

    edited = patch(client, f"{BASE}/versions/{draft['id']}", {"name": "接口事项", "promised_limit_days": 6})
    assert edited.status_code == 200
    assert edited.json()["name"] == "接口事项"
    assert client.get(f"{BASE}/guides/API-1").status_code == 404  # not published yet

    published = post(client, f"{BASE}/versions/{draft['id']}/publish", {})
    assert published.status_code == 200, published.content
    assert published.json()["status"] == "published"
    assert Client().get(f"{BASE}/guides/API-1").json()["name"] == "接口事项"
    # a published version is immutable
    refused = patch(client, f"{BASE}/versions/{draft['id']}", {"name": "改名"})
    assert refused.status_code == 409
    assert refused.json()["code"] == "version_immutable"

    second = post(client, f"{BASE}/items/API-1/drafts", {})
    assert second.status_code == 201
    assert second.json()["number"] == 2
    history = client.get(f"{BASE}/items/API-1/versions").json()
    assert [(v["number"], v["status"]) for v in history] == [(2, "draft"), (1, "published")]
    assert client.delete(f"{BASE}/versions/{second.json()['id']}").status_code == 204

    retired = post(client, f"{BASE}/versions/{draft['id']}/retire", {})
    assert retired.json()["status"] == "retired"
    assert Client().get(f"{BASE}/guides/API-1").status_code == 404
    listed = client.get(f"{BASE}/items", {"status": "retired"}).json()["items"]
    assert [i["code"] for i in listed] == ["API-1"]


def test_staff_publish_validation_errors(live: ServiceItemVersion, org: Org) -> None:
    client = client_for(editor(org))
    body = item_body(
        org, channels=[], promised_limit_days=30, form_schema={"type": "object", "required": ["x"]}
    )
    draft = post(client, f"{BASE}/items", body).json()
    response = post(client, f"{BASE}/versions/{draft['id']}/publish", {})
    assert response.status_code == 422
    problem = response.json()
    assert problem["code"] == "publish_invalid"
    fields_in_error = {e["field"] for e in problem["errors"]}
    assert {"channels", "promised_limit_days", "form_schema"} <= fields_in_error
    future = post(client, f"{BASE}/versions/{draft['id']}/publish", {"valid_from": "2999-01-01"})
    assert future.status_code == 422


def test_staff_scope_other_department_is_404(live: ServiceItemVersion, org: Org) -> None:
    foreign = make_live("TOWN-1", org.town_gov, level="town")
    client = client_for(editor(org))
    assert client.get(f"{BASE}/versions/{foreign.pk}").status_code == 404
    assert patch(client, f"{BASE}/versions/{foreign.pk}", {"name": "x"}).status_code == 404
    assert post(client, f"{BASE}/items/TOWN-1/drafts", {}).status_code == 404
    assert (
        post(client, f"{BASE}/items", item_body(org, code="X-2") | {"department_code": "T100"}).status_code
        == 404
    )
    assert [i["code"] for i in client.get(f"{BASE}/items").json()["items"]] == ["FOOD-1"]


def test_staff_bad_input(live: ServiceItemVersion, org: Org) -> None:
    client = client_for(editor(org))
    unknown_field = post(client, f"{BASE}/items", {**item_body(org), "colour": "red"})
    assert unknown_field.status_code == 422
    assert unknown_field.json()["errors"][0]["field"] == "colour"
    bad_material = post(client, f"{BASE}/items", item_body(org, materials=[{"name": "x", "shape": "round"}]))
    assert bad_material.status_code == 422
    malformed = client.post(f"{BASE}/items", data="{not json", content_type="application/json")
    assert malformed.status_code == 400
    assert malformed.json()["code"] == "malformed_request"
    bad_enum = post(client, f"{BASE}/items", item_body(org, handling_modes=["warp"]))
    assert bad_enum.status_code == 422
    nulls = patch(client, f"{BASE}/versions/{live.pk}", {"name": None})
    assert nulls.status_code == 422
    bad_schema_type = post(client, f"{BASE}/items", item_body(org, form_schema=[1, 2]))
    assert bad_schema_type.status_code == 422
    assert not ServiceItem.objects.filter(code="API-1").exists()
    assert ServiceItemVersion.objects.filter(status=VersionStatus.DRAFT).count() == 0
    assert FORM  # the fixture form stays untouched


def test_export_and_import_over_the_api(live: ServiceItemVersion, org: Org) -> None:
    client = client_for(editor(org))
    exported = client.get(f"{BASE}/export.xlsx")
    assert exported.status_code == 200
    assert exported["Content-Type"].startswith("application/vnd.openxmlformats")
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("items.xlsx", exported.content)
    report = client.post(f"{BASE}/import", {"file": upload})
    assert report.status_code == 200, report.content
    assert report.json() == {"created": 0, "updated": 0, "unchanged": 1, "published": 0, "errors": []}
    not_xlsx = client.post(f"{BASE}/import", {"file": SimpleUploadedFile("items.csv", b"a,b\n")})
    assert not_xlsx.status_code == 415
    fake = client.post(f"{BASE}/import", {"file": SimpleUploadedFile("items.xlsx", b"not a zip")})
    assert fake.status_code == 415
    assert fake.json()["code"] == "not_xlsx"
    assert Client().post(f"{BASE}/import", {"file": SimpleUploadedFile("i.xlsx", b"x")}).status_code == 401


def test_an_all_scope_sees_every_item(live: ServiceItemVersion, org: Org, admin_user: Any) -> None:
    make_live("TOWN-1", org.town_gov, level="town")
    client = client_for(admin_user)
    assert [i["code"] for i in client.get(f"{BASE}/items").json()["items"]] == ["FOOD-1", "TOWN-1"]
    assert client.get("/workbench/catalog/items/TOWN-1/").status_code == 200
