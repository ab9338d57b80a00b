"""Issue 9, defect 3: an appeal's text is public only when its reporter agreed.

Every intake form asks (hotline 诉求登记, portal 诉求反映, grid report, Open311 POST, JSON API), default no.
Open311 reads (list and detail, JSON and XML) show without consent only category, town and status; with
consent the text with names, phone and ID numbers masked."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from shuzheng.appeals.models import Appeal
from shuzheng.appeals.tests.conftest import World, intake
from shuzheng.appeals.tests.test_views_grid import report_data
from shuzheng.appeals.tests.test_views_portal import client_for, form_data
from shuzheng.appeals.tests.test_views_workbench import INTAKE
from shuzheng.core.actors import SYSTEM
from shuzheng.core.masking import mask_free_text
from shuzheng.identity.services import api_keys as api_key_services

BASE = "/open311/v2"
STORY = (
    "我叫陈建明，住在沙湖镇第1村新村路8号，邻居王先生和李女士都知道。楼下饭店油烟直排，"
    "请打13707500001或0750-7123456联系我，身份证440785199003071234。"
)
PRIVATE = ("陈建明", "建明", "新村路8号", "13707500001", "7123456", "199003071234", "王先生", "李女士")


def _json_items(client: Client, path: str) -> list[dict[str, Any]]:
    return json.loads(client.get(f"{BASE}/{path}.json").content)


def _xml_items(client: Client, path: str) -> list[ET.Element]:
    root = ET.fromstring(client.get(f"{BASE}/{path}.xml").content)  # noqa: S314 - our own answer
    return root.findall("request")


def _surfaces(client: Client, appeal: Appeal) -> list[dict[str, Any]]:
    """The request as each public read shows it: list and detail, JSON and XML (as dicts)."""
    found: list[dict[str, Any]] = []
    for path in ("requests", f"requests/{appeal.number}"):
        found += [i for i in _json_items(client, path) if i["service_request_id"] == appeal.number]
        for element in _xml_items(client, path):
            if element.findtext("service_request_id") == appeal.number:
                found.append({child.tag: child.text for child in element})
    assert len(found) == 4
    return found


@pytest.mark.django_db
def test_without_consent_only_category_town_and_status_are_public(client: Client, world: World) -> None:
    appeal = intake(
        world,
        text=STORY,
        category_code=world.garbage.code,
        address="新村路8号",
        latitude=22.18,
        longitude=112.3,
    )
    assert appeal.publish_consent is False
    for item in _surfaces(client, appeal):
        body = json.dumps(item, ensure_ascii=False)
        assert item["description"] in (None, "")
        assert item["service_name"] == "垃圾清运"
        assert item["status"] == "open"
        assert item["address"] == world.town.name
        assert item["address_id"] == world.town.code
        assert item["lat"] in (None, "")
        assert item["long"] in (None, "")
        assert item["media_url"] in (None, "")
        for secret in (*PRIVATE, "油烟", world.village.name):
            assert secret not in body


@pytest.mark.django_db
def test_with_consent_the_text_is_public_with_personal_data_masked(client: Client, world: World) -> None:
    appeal = intake(world, text=STORY, address="新村路8号", publish_consent=True)
    for item in _surfaces(client, appeal):
        description = item["description"]
        assert "楼下饭店油烟直排" in description
        for secret in PRIVATE:
            assert secret not in description, secret
        assert "陈*明" in description
        assert "137****0001" in description
        assert "440785********1234" in description
        assert item["address_id"] == world.village.code
        assert "新村路8号" not in (item["address"] or "")


def test_free_text_masking_of_names() -> None:
    assert mask_free_text("联系人：张三丰，找刘先生", names=()) == "联系人：张*丰，找*先生"
    assert mask_free_text("姓名欧阳娜", names=()) == "姓名欧*娜"
    assert mask_free_text("周某反映，请周建国回电", names=["周建国"]) == "周某反映，请周*国回电"
    assert mask_free_text("路灯不亮", names=[""]) == "路灯不亮"


# --- every intake form asks, default no -----------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("consent", [None, "on"])
def test_hotline_intake_asks(world: World, consent: str | None) -> None:
    page = client_for(world.agent).get(reverse("appeals:workbench_intake")).content.decode()
    assert 'name="publish_consent"' in page
    data = {**INTAKE, **({"publish_consent": consent} if consent else {}), "submit": "dispatch"}
    response = client_for(world.agent).post(reverse("appeals:workbench_intake"), data)
    assert response.status_code == 302, response.content.decode()
    assert Appeal.objects.latest("id").publish_consent is bool(consent)
    page = client_for(world.agent).get(response["Location"]).content.decode()
    assert ("诉求人同意公开诉求内容" if consent else "不公开内容") in page


@pytest.mark.django_db
@pytest.mark.parametrize("consent", [None, "on"])
def test_portal_form_asks(world: World, consent: str | None) -> None:
    client = client_for(world.citizen)
    assert 'name="publish_consent"' in client.get(reverse("appeals:new")).content.decode()
    data = form_data(world, **({"publish_consent": consent} if consent else {}))
    assert client.post(reverse("appeals:new"), data).status_code == 302
    assert Appeal.objects.latest("id").publish_consent is bool(consent)


@pytest.mark.django_db
@pytest.mark.parametrize("consent", [None, "on"])
def test_grid_report_asks(world: World, consent: str | None) -> None:
    client = client_for(world.grid_worker)
    assert 'name="publish_consent"' in client.get(reverse("appeals:grid_new")).content.decode()
    data = report_data(world, **({"publish_consent": consent} if consent else {}))
    assert client.post(reverse("appeals:grid_new"), data).status_code == 302
    assert Appeal.objects.latest("id").publish_consent is bool(consent)


def _open311_post(client: Client, world: World, **extra: str) -> Any:
    _, key = api_key_services.api_key_issue(actor=SYSTEM, user=world.agent, name="对接")
    data = {
        "api_key": key,
        "service_code": world.roads.code,
        "description": "主街路面坑洼",
        "address_string": "恩平市沙湖镇沙湖镇第1村主街",
        **extra,
    }
    return client.post(f"{BASE}/requests.json", data)


@pytest.mark.django_db
@pytest.mark.parametrize(("value", "expected"), [(None, False), ("true", True), ("false", False)])
def test_open311_post_asks(client: Client, world: World, value: str | None, expected: bool) -> None:
    extra = {} if value is None else {"attribute[publish_consent]": value}
    response = _open311_post(client, world, **extra)
    assert response.status_code == 201, response.content.decode()
    assert Appeal.objects.latest("id").publish_consent is expected
    definition = json.loads(client.get(f"{BASE}/services/{world.roads.code}.json").content)
    assert "publish_consent" in [a["code"] for a in definition["attributes"]]


@pytest.mark.django_db
def test_open311_post_refuses_an_unknown_consent_value(client: Client, world: World) -> None:
    before = Appeal.objects.count()
    response = _open311_post(client, world, **{"attribute[publish_consent]": "maybe"})
    assert response.status_code == 400
    assert "publish_consent" in json.loads(response.content)[0]["description"]
    assert Appeal.objects.count() == before


@pytest.mark.django_db
@pytest.mark.parametrize("consent", [None, True])
def test_json_api_asks(world: World, consent: bool | None) -> None:
    payload: dict[str, object] = {
        "appeal_type": "help",
        "text": "路灯不亮",
        "division_code": world.village.code,
    }
    if consent is not None:
        payload["publish_consent"] = consent
    staff = client_for(world.agent).post("/api/v1/appeals/appeals", payload, content_type="application/json")
    assert staff.status_code == 201, staff.content
    assert staff.json()["publish_consent"] is bool(consent)
    mine = client_for(world.citizen).post("/api/v1/appeals/mine", payload, content_type="application/json")
    assert mine.status_code == 201, mine.content
    assert Appeal.objects.get(pk=mine.json()["id"]).publish_consent is bool(consent)
