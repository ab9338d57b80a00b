"""/open311/v2/ against an independently written GeoReport v2 client, over real HTTP (live_server).

Reads go through ``georeport`` (PyPI, a GeoReport v2 wrapper written by others against the public
specification), in both of its formats, JSON and XML (parsed by its ``xmltodict``). That library
cannot create requests, so the POST is made with plain ``requests`` exactly as the specification
describes it (form-encoded fields, ``api_key`` in the body, the answer a list with
``service_request_id``), not from our code.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any

import pytest
import requests
from georeport import GeoReport

from shuzheng.appeals.models import Appeal
from shuzheng.appeals.tests.conftest import World
from shuzheng.core.actors import SYSTEM
from shuzheng.identity.services import api_keys as api_key_services

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def root(live_server: Any) -> str:
    return f"{live_server.url}/open311/v2"


@pytest.fixture
def key(world: World) -> str:
    return api_key_services.api_key_issue(actor=SYSTEM, user=world.agent, name="第三方客户端")[1]


def _create(root: str, key: str, world: World, fmt: str = "json", **extra: str) -> requests.Response:
    data = {
        "api_key": key,
        "service_code": world.garbage.code,
        "lat": "22.3312",
        "long": "112.4187",
        "address_string": "沙湖镇第2村文化室旁",
        "description": "文化室旁边的垃圾堆了三天没人清理，苍蝇很多",
        "first_name": "小红",
        "last_name": "李",
        "phone": "13707508888",
        "email": "lixh@example.cn",
        **extra,
    }
    return requests.post(f"{root}/requests.{fmt}", data=data, timeout=30)


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_georeport_client_reads_everything(root: str, key: str, world: World, fmt: str) -> None:
    created = _create(root, key, world, **{"attribute[publish_consent]": "true"})
    assert created.status_code == 201, created.text
    assert created.headers["Content-Type"].startswith("application/json")
    number = created.json()[0]["service_request_id"]

    client = GeoReport(root, output_format=fmt)
    services = client.get_service_list()
    by_code = {s["service_code"]: s for s in services}
    assert by_code[world.garbage.code]["service_name"] == "垃圾清运"

    definition = client.get_service_definition(world.garbage.code)
    assert definition["service_code"] == world.garbage.code
    attributes = definition["attributes"]
    if fmt == "xml":
        attributes = attributes["attribute"]
    assert {a["code"] for a in attributes} == {"appeal_type", "division_code", "publish_consent"}

    listed = client.get_service_requests(service_code=world.garbage.code, status="open")
    if fmt == "xml" and isinstance(listed, dict):  # xmltodict: one <request> is a dict, not a list
        listed = [listed]
    assert [r["service_request_id"] for r in listed] == [number]
    request = client.get_service_request(number)
    assert request["service_request_id"] == number
    assert request["status"] == "open"
    assert request["description"] == "文化室旁边的垃圾堆了三天没人清理，苍蝇很多"
    assert request["requested_datetime"].endswith("+08:00")
    assert "13707508888" not in str(request)
    assert "李小红" not in str(request)

    by_id = client.get_service_requests(service_request_id=number)
    if isinstance(by_id, dict):
        by_id = [by_id]
    assert by_id[0]["service_request_id"] == number


def test_post_per_specification_and_token(root: str, key: str, world: World) -> None:
    response = _create(root, key, world, fmt="xml")
    assert response.status_code == 201
    assert response.headers["Content-Type"].startswith("text/xml")
    assert response.content.startswith(b"<?xml")
    request = ET.fromstring(response.content).find("request")  # noqa: S314 - our own server in a test
    assert request is not None
    number, token = request.findtext("service_request_id"), request.findtext("token")
    appeal = Appeal.objects.get(number=number)
    assert appeal.channel == "open311"
    assert appeal.division == world.village2  # named in address_string
    resolved = requests.get(f"{root}/tokens/{token}.json", timeout=30).json()
    assert resolved[0]["service_request_id"] == number


def test_client_sees_errors_in_open311_format(root: str, key: str, world: World) -> None:
    before = Appeal.objects.count()
    wrong_key = _create(root, "nope.nope", world)
    assert wrong_key.status_code == 403
    assert wrong_key.json()[0]["code"] == 403
    missing = requests.post(f"{root}/requests.json", data={"api_key": key}, timeout=30)
    assert missing.status_code == 400
    assert {e["code"] for e in missing.json()} == {400}
    assert Appeal.objects.count() == before
    client = GeoReport(root)
    with pytest.raises(requests.HTTPError):
        client.get_service_definition("NOPE")
