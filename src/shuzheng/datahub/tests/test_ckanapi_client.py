"""The real ``ckanapi`` client against a live server: ``ckanapi action``, ``search datasets``,
``dump datasets --all`` and ``load datasets`` on the command line, and ``RemoteCKAN(...).action``."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from ckanapi import NotAuthorized, NotFound, RemoteCKAN, ValidationError

from shuzheng.core.actors import SYSTEM
from shuzheng.datahub.models import OpenDataset, Openness, OpenResource
from shuzheng.datahub.services import open_data as open_data_services
from shuzheng.datahub.tests.conftest import Hub, make_entry
from shuzheng.identity.models import AuditEvent
from shuzheng.identity.services import api_keys as api_key_services

ITEMS: list[dict[str, Any]] = [
    {"name": "name", "label": "名称", "required": True},
    {"name": "town", "label": "镇街"},
    {"name": "capacity", "label": "泊位数", "data_type": "integer"},
]
CKANAPI = str(Path(sys.executable).parent / "ckanapi")


@pytest.fixture
def site(live_server: Any, hub: Hub, drop_mounted_tables: None) -> dict[str, Any]:
    topic = open_data_services.topic_ensure(actor=SYSTEM, name="transport", title="交通出行")
    rows = [{"name": f"停车场{n}", "town": "恩城街道", "capacity": n} for n in range(1, 6)]
    parking = make_entry(hub, name="公共停车场", items=ITEMS, openness=Openness.OPEN, rows=rows)
    buses = make_entry(hub, name="公交站点", items=ITEMS, openness=Openness.OPEN, rows=rows, class_code="B01")
    spare = make_entry(
        hub, name="公共厕所", items=ITEMS, openness=Openness.OPEN, rows=rows[:2], class_code="C01"
    )
    open_data_services.dataset_publish(
        actor=SYSTEM, entry=parking, name="enping-parking", tags=["停车"], topics=[topic]
    )
    open_data_services.dataset_publish(
        actor=SYSTEM, entry=buses, name="enping-bus-stops", tags=["公交"], topics=[topic]
    )
    _, key = api_key_services.api_key_issue(actor=SYSTEM, user=hub.steward, name="ckanapi")
    return {"url": live_server.url, "key": key, "spare": spare}


def ckanapi(*args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    return subprocess.run(  # noqa: S603 - our own venv's ckanapi with fixed arguments
        [CKANAPI, *args], input=stdin, capture_output=True, env=env, timeout=120, check=False
    )


def test_action_and_search_commands(site):
    done = ckanapi("action", "package_search", "q=停车场", "-r", site["url"])
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["count"] == 1
    assert result["results"][0]["name"] == "enping-parking"
    shown = ckanapi("action", "package_show", "id=enping-bus-stops", "-r", site["url"], "-g")
    assert json.loads(shown.stdout)["title"] == "公交站点"
    facets = ckanapi("action", "package_search", 'facet.field:["groups"]', "rows:0", "-r", site["url"])
    assert json.loads(facets.stdout)["facets"]["groups"] == {"transport": 2}
    found = ckanapi("search", "datasets", "q=公交", "-r", site["url"])
    assert found.returncode == 0, found.stderr
    lines = [json.loads(line) for line in found.stdout.splitlines() if line.strip()]
    assert [d["name"] for d in lines] == ["enping-bus-stops"]
    everything = ckanapi("search", "datasets", "fq=groups:transport", "-r", site["url"])
    assert len(everything.stdout.splitlines()) == 2
    missing = ckanapi("action", "package_show", "id=nope", "-r", site["url"])
    assert missing.returncode != 0
    assert b"NotFound" in missing.stderr


def test_dump_and_load_datasets_with_an_api_key(site, tmp_path):
    dump = tmp_path / "datasets.jsonl"
    done = ckanapi("dump", "datasets", "--all", "--datastore-fields", "-O", str(dump), "-r", site["url"])
    assert done.returncode == 0, done.stderr
    records = [json.loads(line) for line in dump.read_text().splitlines()]
    assert sorted(r["name"] for r in records) == ["enping-bus-stops", "enping-parking"]
    assert all(len(r["resources"]) == 3 for r in records)
    fields = records[0]["resources"][0]["datastore_fields"]
    assert [f["id"] for f in fields] == ["_id", "name", "town", "capacity"]
    # edit one dataset and add a new one opened from another catalog entry
    for record in records:
        if record["name"] == "enping-parking":
            record["title"] = "公共停车场（由 ckanapi 更新）"
            record["tags"].append({"name": "智慧交通"})
    records.append(
        {
            "name": "enping-toilets",
            "title": "公共厕所",
            "notes": "由 ckanapi load 新建",
            "owner_org": "tp01",
            "groups": [{"name": "transport"}],
            "extras": [{"key": "catalog_entry", "value": site["spare"].code}],
            "resources": [{"name": "服务说明", "url": "https://example.cn/toilets.html", "format": "HTML"}],
        }
    )
    dump.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in records) + "\n")
    # without a key, or with a wrong one, nothing is written
    refused = ckanapi("load", "datasets", "-I", str(dump), "-r", site["url"], "-a", site["key"] + "x")
    assert b"NotAuthorized" in refused.stderr
    assert not OpenDataset.objects.filter(name="enping-toilets").exists()
    assert OpenDataset.objects.get(name="enping-parking").title == "公共停车场"
    loaded = ckanapi("load", "datasets", "-I", str(dump), "-r", site["url"], "-a", site["key"])
    assert loaded.returncode == 0, loaded.stderr
    assert b"Error" not in loaded.stderr, loaded.stderr
    parking = OpenDataset.objects.get(name="enping-parking")
    assert parking.title == "公共停车场（由 ckanapi 更新）"
    assert sorted(t.name for t in parking.tags.all()) == ["停车", "智慧交通"]
    assert OpenResource.objects.filter(dataset=parking).count() == 3  # generated resources untouched
    toilets = OpenDataset.objects.get(name="enping-toilets")
    assert toilets.entry == site["spare"]
    assert sorted(r.format for r in toilets.resources.all()) == ["CSV", "HTML", "JSON", "XLSX"]
    assert AuditEvent.objects.filter(action="datahub.open.update", subject_id=str(parking.pk)).exists()
    assert AuditEvent.objects.filter(action="datahub.open.publish", subject_id=str(toilets.pk)).exists()
    # loading the same file again changes nothing but succeeds (idempotent)
    again = ckanapi("load", "datasets", "-I", str(dump), "-r", site["url"], "-a", site["key"])
    assert again.returncode == 0, again.stderr
    assert OpenDataset.objects.count() == 3
    assert toilets.resources.count() == 4


def test_remote_ckan_python_calls(site):
    anonymous = RemoteCKAN(site["url"])
    assert anonymous.action.status_show()["ckan_version"].startswith("2.")
    assert sorted(anonymous.action.package_list()) == ["enping-bus-stops", "enping-parking"]
    pkg = anonymous.action.package_show(id="enping-parking")
    csv = next(r for r in pkg["resources"] if r["format"] == "CSV")
    rows = anonymous.action.datastore_search(resource_id=csv["id"], limit=2, sort="capacity desc")
    assert [r["capacity"] for r in rows["records"]] == [5, 4]
    assert rows["total"] == 5
    assert anonymous.action.organization_list(all_fields=True)[0]["name"] == "tp01"
    assert anonymous.action.group_list() == ["transport"]
    assert sorted(anonymous.action.tag_list()) == ["停车", "公交"]
    with pytest.raises(NotFound):
        anonymous.action.package_show(id="nope")
    with pytest.raises(NotAuthorized):
        anonymous.action.package_delete(id="enping-parking")
    publisher = RemoteCKAN(site["url"], apikey=site["key"])
    with pytest.raises(ValidationError) as duplicate:
        publisher.action.package_create(
            name="enping-parking", extras=[{"key": "catalog_entry", "value": site["spare"].code}]
        )
    assert "name" in duplicate.value.error_dict
    created = publisher.action.package_create(
        name="enping-toilets", title="公共厕所", catalog_entry=site["spare"].code, tags=[{"name": "市政"}]
    )
    assert created["organization"]["title"] == "测试公安局"
    upload = publisher.action.resource_create(
        package_id="enping-toilets", name="分布图", upload=("map.pdf", io.BytesIO(b"%PDF-1.7 toilets"))
    )
    assert upload["url_type"] == "upload"
    assert upload["format"] == "PDF"
    patched = publisher.action.package_patch(id="enping-toilets", notes="全市公共厕所")
    assert patched["notes"] == "全市公共厕所"
    assert patched["num_resources"] == 4
    assert publisher.action.package_delete(id="enping-toilets") is None
    assert "enping-toilets" not in anonymous.action.package_list()
    with pytest.raises(NotAuthorized):
        RemoteCKAN(site["url"], apikey="abc.def").action.package_list()
