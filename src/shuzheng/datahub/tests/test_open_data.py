"""Open datasets: who may be published, resources, tags/topics, selectors for the portal and CKAN,
masked rows and exports, download counts."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import pytest
from django.test import Client
from openpyxl import load_workbook

from shuzheng.core.actors import SYSTEM
from shuzheng.core.errors import Conflict, ValidationFailed
from shuzheng.datahub import export
from shuzheng.datahub.models import OpenDataset, Openness, OpenResource
from shuzheng.datahub.selectors import catalog as catalog_selectors
from shuzheng.datahub.selectors import open_data as open_data_selectors
from shuzheng.datahub.services import catalog as catalog_services
from shuzheng.datahub.services import open_data as open_data_services
from shuzheng.datahub.tests.conftest import make_entry, people

pytestmark = pytest.mark.django_db

STOP_ITEMS: list[dict[str, Any]] = [
    {"name": "name", "label": "站点名称", "required": True},
    {"name": "town", "label": "镇街"},
    {"name": "capacity", "label": "泊位数", "data_type": "integer"},
]


@pytest.fixture
def open_entry(hub):
    rows = [
        {"name": f"停车场{n}", "town": "恩城街道" if n % 2 else "沙湖镇", "capacity": n * 10}
        for n in range(1, 8)
    ]
    return make_entry(hub, name="停车场", items=STOP_ITEMS, openness=Openness.OPEN, rows=rows)


@pytest.fixture
def topic(hub):
    return open_data_services.topic_ensure(actor=SYSTEM, name="transport", title="交通出行")


def test_publish_and_select(hub, open_entry, topic):
    dataset = open_data_services.dataset_publish(
        actor=hub.steward, entry=open_entry, name="enping-parking", tags=["停车", "交通"], topics=[topic]
    )
    assert dataset.department == hub.provider
    assert sorted(OpenResource.objects.filter(dataset=dataset).values_list("format", flat=True)) == [
        "CSV",
        "JSON",
        "XLSX",
    ]
    assert [d.name for d in open_data_selectors.open_dataset_list(q="停车场").items] == ["enping-parking"]
    assert [
        d.name for d in open_data_selectors.open_dataset_list(department="TP01", topic="transport").items
    ] == ["enping-parking"]
    assert open_data_selectors.open_dataset_list(tag="停车").items
    assert open_data_selectors.open_dataset_list(format="xlsx").items
    assert open_data_selectors.open_organizations() == [
        {"id": hub.provider.pk, "code": "TP01", "name": "测试公安局", "dataset_count": 1}
    ]
    assert [t.dataset_count for t in open_data_selectors.open_topics()] == [1]  # type: ignore[attr-defined]
    assert catalog_selectors.catalog_totals()["open_datasets"] == 1
    fetched = open_data_selectors.open_rows(
        dataset=dataset, params={"town": "沙湖镇", "sort": "-capacity", "limit": "2"}
    )
    assert [r["capacity"] for r in fetched.rows] == [60, 40]
    assert fetched.next_cursor
    assert [f["id"] for f in open_data_selectors.open_fields(dataset=dataset)] == ["name", "town", "capacity"]
    # re-publishing keeps one dataset; unpublishing hides it
    open_data_services.dataset_publish(actor=hub.steward, entry=open_entry, name="enping-parking")
    assert OpenDataset.objects.count() == 1
    open_data_services.dataset_unpublish(actor=hub.steward, dataset=dataset)
    assert not open_data_selectors.open_dataset_list().items
    assert not open_data_selectors.open_dataset_list(q="停车场").items


def test_only_open_entries_can_be_published(hub, open_entry):
    closed = make_entry(hub, name="户籍", rows=people())
    with pytest.raises(Conflict):
        open_data_services.dataset_publish(actor=hub.steward, entry=closed)
    conditional = make_entry(
        hub, name="有条件开放资源", items=STOP_ITEMS, openness=Openness.CONDITIONAL, rows=[{"name": "甲"}]
    )
    with pytest.raises(Conflict):
        open_data_services.dataset_publish(actor=hub.steward, entry=conditional)
    catalog_services.entry_set_open_approval(actor=hub.reviewer, entry=conditional, approved=True)
    assert (
        open_data_services.dataset_publish(actor=hub.steward, entry=conditional, name="cond-ok").state
        == "active"
    )
    open_data_services.dataset_publish(actor=hub.steward, entry=open_entry, name="taken")
    other = make_entry(hub, name="另一个", items=STOP_ITEMS, openness=Openness.OPEN, rows=[{"name": "乙"}])
    with pytest.raises(ValidationFailed):
        open_data_services.dataset_publish(actor=hub.steward, entry=other, name="taken")
    with pytest.raises(ValidationFailed):
        open_data_services.dataset_publish(actor=hub.steward, entry=other, name="Bad Name!")


def test_exports_mask_personal_columns(hub):
    items: list[dict[str, Any]] = [
        {"name": "full_name", "label": "联系人", "is_personal": True, "sensitivity": "L2", "masking": "name"},
        {"name": "town", "label": "镇街"},
    ]
    entry = make_entry(
        hub,
        name="志愿服务站",
        items=items,
        openness=Openness.OPEN,
        rows=[{"full_name": "张三丰", "town": "沙湖镇"}],
    )
    dataset = open_data_services.dataset_publish(actor=hub.steward, entry=entry)
    content, kind, filename = export.export(dataset, "CSV")
    assert kind.startswith("text/csv")
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    assert rows == [["联系人", "镇街"], ["张*丰", "沙湖镇"]]
    body = json.loads(export.export(dataset, "JSON")[0])
    assert body["records"] == [{"full_name": "张*丰", "town": "沙湖镇"}]
    sheet = load_workbook(io.BytesIO(export.export(dataset, "XLSX")[0])).active
    assert sheet is not None
    assert [c.value for c in sheet[2]] == ["张*丰", "沙湖镇"]
    assert filename.endswith(".csv")
    resource = dataset.resources.get(format="CSV")
    open_data_services.resource_download_record(resource=resource)
    dataset.refresh_from_db()
    resource.refresh_from_db()
    assert (dataset.download_count, resource.download_count) == (1, 1)


def test_publish_over_the_api(hub, open_entry, topic):
    client = Client()
    client.force_login(hub.steward)
    response = client.post(
        f"/api/v1/datahub/entries/{open_entry.pk}/open-dataset",
        data=json.dumps({"name": "parking", "tags": ["停车"], "topics": ["transport"]}),
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["formats"] == ["CSV", "XLSX", "JSON"]
    missing = client.post(
        f"/api/v1/datahub/entries/{open_entry.pk}/open-dataset",
        data=json.dumps({"topics": ["nope"]}),
        content_type="application/json",
    )
    assert missing.status_code == 422
    gone = client.post("/api/v1/datahub/open-datasets/parking/unpublish")
    assert gone.json()["state"] == "deleted"


def test_external_resource(hub, open_entry):
    dataset = open_data_services.dataset_publish(actor=hub.steward, entry=open_entry, name="parking")
    resource = open_data_services.resource_add(
        actor=hub.steward, dataset=dataset, name="接口说明", url="https://data.example.cn/api", format="api"
    )
    assert resource.format == "API"
    with pytest.raises(ValidationFailed) as info:
        open_data_services.resource_add(
            actor=hub.steward, dataset=dataset, name="", url="javascript:x", format="a b"
        )
    assert {e["field"] for e in info.value.errors} == {"name", "url", "format"}
    with pytest.raises(ValueError, match="external"):
        export.resource_export(resource)


def test_facets_and_indicator(hub, open_entry, topic):
    open_data_services.dataset_publish(
        actor=hub.steward, entry=open_entry, name="parking", tags=["停车"], topics=[topic]
    )
    facets = open_data_selectors.open_facets(open_data_selectors.open_dataset_queryset())
    assert facets["organization"] == [("TP01", "测试公安局", 1)]
    assert facets["groups"] == [("transport", "交通出行", 1)]
    assert facets["tags"] == [("停车", "停车", 1)]
    assert sorted(f[0] for f in facets["res_format"]) == ["CSV", "JSON", "XLSX"]
    assert open_data_selectors.open_data_indicator() == {
        "open_datasets": 1,
        "target": 600,
        "rate": round(1 / 600, 4),
    }
