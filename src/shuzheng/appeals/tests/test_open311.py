"""Open311 GeoReport v2 (/open311/v2/): every endpoint in JSON and XML, filters, errors in Open311's format,
API keys, nothing created on error, Chinese intact, time zones present, no reporter data in reads."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from shuzheng.appeals.models import Appeal
from shuzheng.appeals.tests.conftest import World, intake, staff_with_role
from shuzheng.core.actors import SYSTEM
from shuzheng.identity.models import AuditEvent, DataScopeKind
from shuzheng.identity.services import api_keys as api_key_services

BASE = "/open311/v2"
ISO_WITH_ZONE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(Z|[+-]\d\d:\d\d)$")


@pytest.fixture
def api_key(world: World) -> str:
    _, raw = api_key_services.api_key_issue(actor=SYSTEM, user=world.agent, name="网格平台对接")
    return raw


def _xml(response: Any) -> ET.Element:
    assert response["Content-Type"].startswith("text/xml")
    assert response.content.startswith(b"<?xml")
    assert b"encoding='UTF-8'" in response.content[:60] or b'encoding="UTF-8"' in response.content[:60]
    return ET.fromstring(response.content)  # noqa: S314 - our own server's answer in a test


def _json(response: Any) -> Any:
    assert response["Content-Type"].startswith("application/json")
    return json.loads(response.content.decode("utf-8"))


def _post(client: Client, fmt: str = "json", **data: Any) -> Any:
    return client.post(f"{BASE}/requests.{fmt}", data)


def _valid(world: World, key: str, **overrides: Any) -> dict[str, Any]:
    data = {
        "api_key": key,
        "service_code": world.roads.code,
        "description": "沙湖镇圩镇主街路面有一个大坑洼，电动车经过很危险",
        "address_string": "恩平市沙湖镇沙湖镇第1村主街",
        "first_name": "建明",
        "last_name": "陈",
        "phone": "13707500099",
        "email": "chen@example.cn",
    }
    data.update(overrides)
    return data


# --- discovery and services ---------------------------------------------------------------------------------


def test_discovery_json_and_xml(client: Client, world: World) -> None:
    data = _json(client.get(f"{BASE}/discovery.json"))
    endpoint = data["endpoints"][0]
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint["url"].endswith("/open311/v2")
    assert set(endpoint["formats"]) == {"text/xml", "application/json"}
    assert ISO_WITH_ZONE.match(data["changeset"])
    root = _xml(client.get(f"{BASE}/discovery.xml"))
    assert root.tag == "discovery"
    assert [f.text for f in root.findall("endpoints/endpoint/formats/format")] == [
        "text/xml",
        "application/json",
    ]


def test_discovery_contact_names_the_configured_city(client: Client, world: World, settings: Any) -> None:
    settings.SHUZHENG_CITY_NAME = "开平市"
    assert _json(client.get(f"{BASE}/discovery.json"))["contact"].startswith("开平市12345")


def test_services_are_active_categories_chinese_intact(client: Client, world: World) -> None:
    world.wages.is_active = False
    world.wages.save()
    response = client.get(f"{BASE}/services.json")
    assert response.status_code == 200
    assert "道路破损".encode() in response.content  # UTF-8, not \\u escapes
    services = {s["service_code"]: s for s in _json(response)}
    assert "LD01" not in services
    assert services["DL01"]["service_name"] == "道路破损"
    assert services["DL01"]["group"] == "道路交通"
    assert services["DL01"]["metadata"] is True
    assert services["DL01"]["type"] == "realtime"
    xml_response = client.get(f"{BASE}/services.xml")
    assert "垃圾清运".encode() in xml_response.content  # raw UTF-8, not character references
    root = _xml(xml_response)
    assert root.tag == "services"
    codes = {s.findtext("service_code"): s for s in root.findall("service")}
    assert codes["CR01"].findtext("service_name") == "垃圾清运"
    assert codes["CR01"].findtext("metadata") == "true"


def test_service_definition_json_and_xml(client: Client, world: World) -> None:
    data = _json(client.get(f"{BASE}/services/DL01.json"))
    assert data["service_code"] == "DL01"
    attrs = {a["code"]: a for a in data["attributes"]}
    assert attrs["appeal_type"]["datatype"] == "singlevaluelist"
    assert {"key": "complaint", "name": "投诉"} in attrs["appeal_type"]["values"]
    assert {"key": world.village.code, "name": "沙湖镇第1村"} in attrs["division_code"]["values"]
    assert all(v["key"] != world.outside.code for v in attrs["division_code"]["values"])
    root = _xml(client.get(f"{BASE}/services/DL01.xml"))
    assert root.tag == "service_definition"
    attribute = root.find("attributes/attribute")
    assert attribute is not None
    assert attribute.findtext("code") == "appeal_type"
    assert attribute.findtext("required") == "false"
    assert [v.findtext("name") for v in attribute.findall("values/value")][:2] == ["咨询", "求助"]


def test_unknown_service_is_open311_404(client: Client, world: World) -> None:
    response = client.get(f"{BASE}/services/NOPE.json")
    assert response.status_code == 404
    errors = _json(response)
    assert errors[0]["code"] == 404
    assert "NOPE" in errors[0]["description"]
    root = _xml(client.get(f"{BASE}/services/NOPE.xml"))
    assert root.tag == "errors"
    assert root.findtext("error/code") == "404"


def test_unknown_resource_and_format(client: Client, world: World) -> None:
    response = client.get(f"{BASE}/services.csv")
    assert response.status_code == 404
    assert _json(response)[0]["code"] == 404
    root = _xml(client.get(f"{BASE}/nothing.xml"))
    assert root.findtext("error/code") == "404"


def test_wrong_method_is_405(client: Client, world: World) -> None:
    response = client.post(f"{BASE}/services.json", {})
    assert response.status_code == 405
    assert response["Allow"] == "GET"
    assert _json(response)[0]["code"] == 405
    assert client.delete(f"{BASE}/requests.json").status_code == 405
    assert client.head(f"{BASE}/services.json").status_code == 200


def test_wrong_jurisdiction(client: Client, world: World) -> None:
    response = client.get(f"{BASE}/services.json", {"jurisdiction_id": "440781"})
    assert response.status_code == 404
    assert client.get(f"{BASE}/services.json", {"jurisdiction_id": "440785"}).status_code == 200


# --- POST requests ---------------------------------------------------------------------------------------


def test_post_creates_appeal_through_intake(client: Client, world: World, api_key: str) -> None:
    response = _post(client, **_valid(world, api_key))
    assert response.status_code == 201, response.content
    [created] = _json(response)
    appeal = Appeal.objects.get(number=created["service_request_id"])
    assert appeal.channel == "open311"
    assert appeal.category == world.roads
    assert appeal.division == world.village  # the village named in address_string
    assert appeal.appeal_type == "help"
    assert appeal.text == "沙湖镇圩镇主街路面有一个大坑洼，电动车经过很危险"
    assert appeal.created_by == world.agent
    assert appeal.reporter_name == "陈建明"
    assert appeal.reporter_phone == "13707500099"
    assert appeal.due_at is not None
    assert created["token"]
    assert appeal.number in created["service_notice"]
    # encrypted at rest: the clear phone is not in the table
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT reporter_phone FROM appeals_appeal WHERE id = %s", [appeal.pk])
        assert "13707500099" not in str(cursor.fetchone()[0])
    assert AuditEvent.objects.filter(action="appeals.appeal.intake", subject_id=str(appeal.pk)).exists()


def test_post_xml_with_attributes_and_coordinates(client: Client, world: World, api_key: str) -> None:
    data = _valid(world, api_key, **{"attribute[appeal_type]": "complaint"})
    data.pop("address_string")
    data.update({"lat": "22.331", "long": "112.421"})
    response = _post(client, "xml", **data)
    assert response.status_code == 201, response.content
    root = _xml(response)
    number = root.findtext("request/service_request_id")
    appeal = Appeal.objects.get(number=number)
    assert appeal.appeal_type == "complaint"
    assert appeal.division == world.town  # nearest town centre to the coordinates: 沙湖镇
    assert float(appeal.latitude or 0) == pytest.approx(22.331)


def test_post_with_division_attribute(client: Client, world: World, api_key: str) -> None:
    data = _valid(world, api_key, **{"attribute[division_code]": world.other_town.code})
    response = _post(client, **data)
    assert response.status_code == 201
    assert Appeal.objects.get(number=_json(response)[0]["service_request_id"]).division == world.other_town


def _nothing_created(before: int) -> None:
    assert Appeal.objects.count() == before


@pytest.mark.parametrize(
    ("change", "status", "text"),
    [
        ({"api_key": ""}, 403, "api_key"),
        ({"api_key": "abc.def"}, 403, "api_key"),
        ({"service_code": ""}, 400, "service_code"),
        ({"description": ""}, 400, "description"),
        ({"address_string": ""}, 400, "lat/long"),
        ({"service_code": "NOPE"}, 404, "NOPE"),
        ({"description": "很" * 20000}, 400, "description"),
        ({"phone": "12345"}, 400, "phone"),
        ({"attribute[appeal_type]": "bogus"}, 400, "attribute[appeal_type]"),
        ({"attribute[colour]": "red"}, 400, "attribute[colour]"),
        ({"attribute[division_code]": "440781"}, 400, "不在本市"),
        ({"lat": "30.1", "long": "120.2", "address_string": ""}, 400, "lat"),
        ({"lat": "abc", "long": "112.3", "address_string": ""}, 400, "lat"),
        ({"media_url": "javascript:alert(1)"}, 400, "media_url"),
        ({"jurisdiction_id": "110000"}, 404, "jurisdiction_id"),
    ],
)
def test_post_errors_create_nothing(
    client: Client, world: World, api_key: str, change: dict[str, str], status: int, text: str
) -> None:
    before = Appeal.objects.count()
    for fmt in ("json", "xml"):
        response = _post(client, fmt, **_valid(world, api_key, **change))
        assert response.status_code == status, response.content.decode()
        if fmt == "json":
            errors = _json(response)
            assert all(e["code"] == status for e in errors)
            assert any(text in e["description"] for e in errors), errors
        else:
            root = _xml(response)
            assert root.tag == "errors"
            assert root.findtext("error/code") == str(status)
    _nothing_created(before)


def test_missing_fields_are_all_named(client: Client, world: World, api_key: str) -> None:
    response = _post(client, api_key=api_key)
    assert response.status_code == 400
    descriptions = " ".join(e["description"] for e in _json(response))
    assert "service_code" in descriptions
    assert "description" in descriptions
    assert "lat/long" in descriptions


def test_revoked_key_and_key_without_permission(client: Client, world: World) -> None:
    key, raw = api_key_services.api_key_issue(actor=SYSTEM, user=world.agent, name="k")
    api_key_services.api_key_revoke(actor=SYSTEM, key=key)
    before = Appeal.objects.count()
    assert _post(client, **_valid(world, raw)).status_code == 403
    handler = world.cgj_handler  # may handle work orders but not register appeals
    _, raw2 = api_key_services.api_key_issue(actor=SYSTEM, user=handler, name="k2")
    response = _post(client, **_valid(world, raw2))
    assert response.status_code == 403
    description = _json(response)[0]["description"]
    assert "登记诉求（话务员）" in description  # the permission by its Chinese name, never its code
    assert "appeals.intake_appeal" not in description
    citizen_key = api_key_services.api_key_issue(actor=SYSTEM, user=world.citizen, name="k3")[1]
    assert _post(client, **_valid(world, citizen_key)).status_code == 403
    _nothing_created(before)


def test_post_needs_no_csrf_token(world: World, api_key: str) -> None:
    strict = Client(enforce_csrf_checks=True)
    assert _post(strict, **_valid(world, api_key)).status_code == 201


# --- GET requests ------------------------------------------------------------------------------------------


def test_get_requests_hides_reporter_data(client: Client, world: World, api_key: str) -> None:
    number = _json(_post(client, **_valid(world, api_key)))[0]["service_request_id"]
    response = client.get(f"{BASE}/requests.json")
    body = response.content.decode("utf-8")
    assert "13707500099" not in body
    assert "陈建明" not in body
    assert "建明" not in body
    assert "chen@example.cn" not in body
    [item] = [r for r in _json(response) if r["service_request_id"] == number]
    assert item["status"] == "open"
    assert item["service_code"] == "DL01"
    assert item["service_name"] == "道路破损"
    assert item["description"] is None  # no consent to publish the text (see test_publication)
    assert ISO_WITH_ZONE.match(item["requested_datetime"])
    assert item["requested_datetime"].endswith("+08:00")
    assert ISO_WITH_ZONE.match(item["updated_datetime"])
    assert ISO_WITH_ZONE.match(item["expected_datetime"])
    for key in ("first_name", "last_name", "phone", "email", "account_id"):
        assert key not in item


def test_description_phone_numbers_masked(client: Client, world: World) -> None:
    appeal = intake(
        world, text="请联系我13800138000，身份证440785199003071234的人在路边乱丢垃圾", publish_consent=True
    )
    item = _json(client.get(f"{BASE}/requests/{appeal.number}.json"))[0]
    assert "13800138000" not in item["description"]
    assert "138****8000" in item["description"]
    assert "199003071234" not in item["description"]


def test_get_requests_filters(client: Client, world: World) -> None:
    roads = intake(world, category_code="DL01", text="沙湖镇主街路面坑洼，需要修补")
    garbage = intake(world, category_code="CR01")
    closed = intake(
        world,
        appeal_type="consult",
        category_code="ZW01",
        text="办理身份证需要带什么材料",
        direct_answer="请携带户口簿到派出所办理",
    )
    old = intake(
        world,
        category_code="DL01",
        text="很久以前的路面坑洼",
        received_at=timezone.now() - timedelta(days=200),
    )
    report = intake(world, appeal_type="report", category_code="DL01", text="举报有人私挖路面")

    def ids(params: dict[str, str], fmt: str = "json") -> set[str]:
        response = client.get(f"{BASE}/requests.{fmt}", params)
        assert response.status_code == 200, response.content
        if fmt == "xml":
            return {r.findtext("service_request_id") or "" for r in _xml(response).findall("request")}
        return {r["service_request_id"] for r in _json(response)}

    default = ids({})
    assert {roads.number, garbage.number, closed.number} <= default
    assert old.number not in default  # default window: the last 90 days
    assert report.number not in default  # 举报 are never public
    assert ids({"service_code": "DL01"}) == {roads.number}
    assert ids({"service_code": "DL01,CR01"}) == {roads.number, garbage.number}
    assert ids({"service_code": "DL"}) == {roads.number}  # a parent code includes its children
    assert ids({"status": "closed"}) == {closed.number}
    assert closed.number not in ids({"status": "open"})
    assert ids({"status": "open,closed"}) == default
    start = (timezone.now() - timedelta(days=210)).strftime("%Y-%m-%dT%H:%M:%SZ")
    end = (timezone.now() - timedelta(days=150)).strftime("%Y-%m-%dT%H:%M:%S+08:00")
    assert ids({"start_date": start, "end_date": end}) == {old.number}
    assert ids({"start_date": start, "end_date": end}, "xml") == {old.number}
    assert ids({"service_request_id": f"{old.number},{roads.number},{report.number}"}) == {
        old.number,
        roads.number,
    }
    assert ids({"status": "closed"}, "xml") == {closed.number}


@pytest.mark.parametrize(
    ("params", "status"),
    [
        ({"start_date": "yesterday"}, 400),
        ({"end_date": "2026-13-45T00:00:00Z"}, 400),
        ({"start_date": "2026-01-01T00:00:00Z", "end_date": "2026-06-01T00:00:00Z"}, 400),
        ({"start_date": "2026-06-01T00:00:00Z", "end_date": "2026-01-01T00:00:00Z"}, 400),
        ({"status": "pending"}, 400),
        ({"service_code": "NOPE"}, 404),
        ({"start_date": "9999-12-31T23:59:59Z"}, 400),
        ({"end_date": "0001-01-01T00:00:00+08:00"}, 400),
        ({"service_request_id": ",".join(f"SQ{i}" for i in range(201))}, 400),
    ],
)
def test_get_requests_bad_filters(client: Client, world: World, params: dict[str, str], status: int) -> None:
    response = client.get(f"{BASE}/requests.json", params)
    assert response.status_code == status
    assert _json(response)[0]["code"] == status
    assert _xml(client.get(f"{BASE}/requests.xml", params)).findtext("error/code") == str(status)


def test_get_one_request_json_xml_and_missing(client: Client, world: World) -> None:
    appeal = intake(world, category_code="CR01")
    [item] = _json(client.get(f"{BASE}/requests/{appeal.number}.json"))
    assert item["service_request_id"] == appeal.number
    assert item["address_id"] == world.town.code  # no consent: the town, not the village
    assert "agency_responsible" in item  # the lead department once dispatched, else null
    root = _xml(client.get(f"{BASE}/requests/{appeal.number}.xml"))
    assert root.tag == "service_requests"
    assert root.findtext("request/service_request_id") == appeal.number
    assert root.findtext("request/service_name") == "垃圾清运"
    assert ISO_WITH_ZONE.match(root.findtext("request/requested_datetime") or "")
    missing = client.get(f"{BASE}/requests/SQ000.json")
    assert missing.status_code == 404
    assert _json(missing)[0]["code"] == 404
    report = intake(world, appeal_type="report", text="举报有人私挖路面")
    assert client.get(f"{BASE}/requests/{report.number}.json").status_code == 404


def test_tokens(client: Client, world: World, api_key: str) -> None:
    created = _json(_post(client, **_valid(world, api_key)))[0]
    token = created["token"]
    [found] = _json(client.get(f"{BASE}/tokens/{token}.json"))
    assert found == {"service_request_id": created["service_request_id"], "token": token}
    root = _xml(client.get(f"{BASE}/tokens/{token}.xml"))
    assert root.findtext("request/service_request_id") == created["service_request_id"]
    forged = token[:-3] + "abc"
    response = client.get(f"{BASE}/tokens/{forged}.json")
    assert response.status_code == 404
    assert _json(response)[0]["code"] == 404


def test_status_closed_after_conclusion(client: Client, world: World) -> None:
    appeal = intake(world, appeal_type="consult", category_code="ZW01", direct_answer="可以网上办理")
    assert _json(client.get(f"{BASE}/requests/{appeal.number}.json"))[0]["status"] == "closed"


def test_staff_user_without_scope_cannot_use_other_users_key(world: World) -> None:
    """A key only ever acts as its own user: another user's prefix with a wrong secret is refused."""
    other = staff_with_role("agent2", world.centre, "hotline_agent", DataScopeKind.ALL)
    key, _ = api_key_services.api_key_issue(actor=SYSTEM, user=other, name="k")
    response = Client().post(f"{BASE}/requests.json", _valid(world, f"{key.prefix}.wrong-secret"))
    assert response.status_code == 403


def test_control_characters_do_not_break_xml(client: Client, world: World) -> None:
    appeal = intake(world, text="路灯\x0b不亮\x1f，请尽快维修", publish_consent=True)
    root = _xml(client.get(f"{BASE}/requests/{appeal.number}.xml"))
    assert root.findtext("request/description") == "路灯不亮，请尽快维修"


def test_post_goes_through_routing_rules(client: Client, world: World, api_key: str) -> None:
    from shuzheng.appeals.models import RoutingRule

    rule = RoutingRule.objects.create(name="道路坑洼", position=1, keywords="坑洼", lead_department=world.cgj)
    response = _post(client, **_valid(world, api_key))
    appeal = Appeal.objects.get(number=_json(response)[0]["service_request_id"])
    assert appeal.department == world.cgj
    assert appeal.work_order is not None
    assert appeal.dispatch_decisions.filter(rule=rule).exists()
    item = _json(client.get(f"{BASE}/requests/{appeal.number}.json"))[0]
    assert item["agency_responsible"] == "城管执法局"
    assert item["status"] == "open"


def test_address_village_name_counts_inside_the_named_town(
    client: Client, world: World, api_key: str
) -> None:
    from shuzheng.orgs.tests.factories import DivisionFactory

    DivisionFactory.create(
        code="440785104201",
        name="新村",
        level="village",
        parent=world.other_town,
        path=f"{world.other_town.path}440785104201/",
    )
    twin = DivisionFactory.create(
        code="440785103209",
        name="新村",
        level="village",
        parent=world.town,
        path=f"{world.town.path}440785103209/",
    )
    response = _post(client, **_valid(world, api_key, address_string="沙湖镇新村路口"))
    assert Appeal.objects.get(number=_json(response)[0]["service_request_id"]).division == twin
