"""The public open-data portal pages: search in Chinese, filters with counts, sorting and paging, the
dataset page with its masked preview, downloads (CSV / xlsx / JSON, counted for anonymous visitors),
the department and topic listings, and clear Chinese errors for bad parameters."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from shuzheng.datahub.models import CatalogEntry, OpenDataset, Openness, OpenResource, OpenTopic
from shuzheng.datahub.selectors import open_data as open_data_selectors
from shuzheng.datahub.services import catalog as catalog_services
from shuzheng.datahub.services import mounts as mount_services
from shuzheng.datahub.services import open_data as open_data_services
from shuzheng.datahub.services import rows as row_services
from shuzheng.datahub.tests.conftest import Hub

pytestmark = pytest.mark.django_db

POPULATION_ITEMS: list[dict[str, Any]] = [
    {"name": "year", "label": "年份", "data_type": "integer", "required": True},
    {"name": "town", "label": "镇街"},
    {"name": "population", "label": "常住人口", "data_type": "integer", "description": "年末常住人口"},
    {"name": "contact", "label": "填报人", "is_personal": True, "sensitivity": "L2", "masking": "name"},
]
PARKING_ITEMS: list[dict[str, Any]] = [
    {"name": "name", "label": "停车场名称", "required": True},
    {"name": "town", "label": "镇街"},
    {"name": "capacity", "label": "泊位数", "data_type": "integer"},
]
AIR_ITEMS: list[dict[str, Any]] = [
    {"name": "station", "label": "监测站", "required": True},
    {"name": "aqi", "label": "空气质量指数", "data_type": "integer"},
]
TOWNS = ("恩城街道", "沙湖镇", "君堂镇", "圣堂镇")


def _open_entry(
    hub: Hub, department: Any, name: str, items: list[dict[str, Any]], rows: list[dict[str, Any]]
) -> CatalogEntry:
    """A published, open entry of ``department`` with a table holding ``rows`` (the data admin catalogs
    it: its scope is every department)."""
    entry = catalog_services.entry_create(
        actor=hub.admin,
        department=department,
        metadata=catalog_services.EntryMetadata(
            name=name,
            class_code="C01",
            abstract=f"{name}（测试）",
            sharing_type="unconditional",
            openness=Openness.OPEN,
        ),
        items=items,
    )
    catalog_services.entry_transition(actor=hub.admin, entry=entry, action="submit")
    catalog_services.entry_transition(actor=hub.reviewer, entry=entry, action="approve")
    mount_services.entry_mount_table(actor=hub.admin, entry=entry)
    row_services.rows_insert(actor=hub.admin, entry=entry, rows=rows)
    entry.refresh_from_db()
    return entry


@dataclass
class Portal:
    hub: Hub
    population: OpenDataset
    parking: OpenDataset
    air: OpenDataset
    social: OpenTopic
    transport: OpenTopic


@pytest.fixture
def portal(hub: Hub) -> Portal:
    social = open_data_services.topic_ensure(actor=hub.admin, name="social", title="社会保障")
    transport = open_data_services.topic_ensure(actor=hub.admin, name="transport", title="交通出行")
    open_data_services.topic_ensure(actor=hub.admin, name="tourism", title="文化旅游")  # no datasets yet
    population_rows = [
        {"year": 2020 + n // 4, "town": TOWNS[n % 4], "population": 10000 + n * 37, "contact": "欧阳娜娜"}
        for n in range(12)
    ]
    population = open_data_services.dataset_publish(
        actor=hub.admin,
        entry=_open_entry(hub, hub.provider, "恩平市常住人口统计", POPULATION_ITEMS, population_rows),
        name="enping-population",
        notes="各镇街年末常住人口统计（测试数据）。",
        tags=["人口", "统计"],
        topics=[social],
    )
    parking_rows = [{"name": f"停车场{n}", "town": TOWNS[n % 4], "capacity": n * 10} for n in range(1, 8)]
    parking = open_data_services.dataset_publish(
        actor=hub.admin,
        entry=_open_entry(hub, hub.consumer, "公共停车场信息", PARKING_ITEMS, parking_rows),
        name="enping-parking",
        tags=["停车", "交通"],
        topics=[transport],
    )
    air_rows = [{"station": f"监测站{n}", "aqi": 30 + n} for n in range(5)]
    air = open_data_services.dataset_publish(
        actor=hub.admin,
        entry=_open_entry(hub, hub.consumer, "空气质量监测数据", AIR_ITEMS, air_rows),
        name="enping-air",
        tags=["环境"],
    )
    return Portal(hub, population, parking, air, social, transport)


def _names(response: Any) -> list[str]:
    return [d.name for d in response.context["result"].items]


def _facet_counts(response: Any) -> dict[str, dict[str, int]]:
    return {
        g["param"]: {v["value"]: v["count"] for v in g["values"]} for g in response.context["facet_groups"]
    }


# --- the list: search, filters, facets, sorting, paging ------------------------------------------------


def test_portal_lists_every_active_dataset_with_totals(portal: Portal) -> None:
    response = Client().get("/open-data/")
    assert response.status_code == 200
    assert reverse("datahub:open_data") == "/open-data/"
    assert sorted(_names(response)) == ["enping-air", "enping-parking", "enping-population"]
    assert response.context["totals"] == {"datasets": 3, "departments": 2, "downloads": 0, "topics": 2}
    html = response.content.decode()
    assert "恩平市常住人口统计" in html
    assert "公共停车场信息" in html
    assert '<strong id="total-departments">2</strong>' in html
    # the portal navigation's 开放数据 entry points here and is marked current
    assert '<a href="/open-data/" aria-current="page">开放数据</a>' in html


def test_chinese_search_finds_the_right_dataset(portal: Portal) -> None:
    client = Client()
    response = client.get("/open-data/", {"q": "人口"})
    assert response.status_code == 200
    assert _names(response) == ["enping-population"]
    assert response.context["sort"] == "relevance"
    assert "与“人口”相关的数据集" in response.content.decode()
    assert _names(client.get("/open-data/", {"q": "停车场"})) == ["enping-parking"]
    assert _names(client.get("/open-data/", {"q": "空气质量"})) == ["enping-air"]
    nothing = client.get("/open-data/", {"q": "不存在的东西"})
    assert nothing.status_code == 200
    assert _names(nothing) == []
    assert "没有找到符合条件的开放数据集" in nothing.content.decode()


def test_filters_and_facet_counts(portal: Portal) -> None:
    client = Client()
    response = client.get("/open-data/")
    groups = _facet_counts(response)
    assert groups["department"] == {"TC01": 2, "TP01": 1}
    assert groups["topic"] == {"social": 1, "transport": 1}
    assert groups["format"] == {"CSV": 3, "JSON": 3, "XLSX": 3}
    assert groups["tag"]["人口"] == 1
    assert groups["tag"]["交通"] == 1
    # a facet link applies its filter and restarts paging
    link = next(
        v["url"]
        for g in response.context["facet_groups"]
        if g["param"] == "department"
        for v in g["values"]
        if v["value"] == "TC01"
    )
    assert link == "?department=TC01"

    by_department = client.get("/open-data/", {"department": "TC01"})
    assert sorted(_names(by_department)) == ["enping-air", "enping-parking"]
    assert by_department.context["result"].total == 2
    active = [v for g in by_department.context["facet_groups"] for v in g["values"] if v["active"]]
    assert [(v["value"], v["url"]) for v in active] == [("TC01", "?")]  # the active one removes itself
    assert _names(client.get("/open-data/", {"topic": "transport"})) == ["enping-parking"]
    assert _names(client.get("/open-data/", {"tag": "人口"})) == ["enping-population"]
    assert len(_names(client.get("/open-data/", {"format": "XLSX"}))) == 3
    combined = client.get("/open-data/", {"q": "停车", "department": "TC01", "topic": "transport"})
    assert _names(combined) == ["enping-parking"]
    assert _names(client.get("/open-data/", {"q": "人口", "department": "TC01"})) == []
    # facets count the matches only
    searched = client.get("/open-data/", {"q": "人口"})
    counts = _facet_counts(searched)
    assert counts["department"] == {"TP01": 1}


def test_sorting_and_paging(portal: Portal, monkeypatch: pytest.MonkeyPatch) -> None:
    client = Client()
    parking_csv = portal.parking.resources.get(format="CSV")
    for _ in range(3):
        open_data_services.resource_download_record(resource=parking_csv)
    open_data_services.resource_download_record(resource=portal.air.resources.get(format="JSON"))
    assert _names(client.get("/open-data/", {"sort": "downloads"})) == [
        "enping-parking",
        "enping-air",
        "enping-population",
    ]
    assert _names(client.get("/open-data/", {"sort": "name"})) == [
        "enping-air",
        "enping-parking",
        "enping-population",
    ]
    OpenDataset.objects.filter(pk=portal.population.pk).update(
        updated_at=portal.air.updated_at.replace(year=2099)
    )
    assert _names(client.get("/open-data/", {"sort": "newest"}))[0] == "enping-population"
    assert client.get("/open-data/").context["sort"] == "newest"  # no query: no relevance order

    # two per page: keyset cursor for the sorted list, page numbers for relevance
    monkeypatch.setattr("shuzheng.datahub.views_open.DATASETS_PER_PAGE", 2)
    first = client.get("/open-data/", {"sort": "name"})
    assert _names(first) == ["enping-air", "enping-parking"]
    cursor = first.context["result"].next_cursor
    assert cursor
    assert f"cursor={cursor}" in first.content.decode()
    second = client.get("/open-data/", {"sort": "name", "cursor": cursor})
    assert _names(second) == ["enping-population"]
    assert second.context["result"].next_cursor is None
    ranked = client.get("/open-data/", {"q": "恩平 数据 信息 统计 停车 空气"})
    assert ranked.status_code == 200


def test_relevance_pages_by_number(portal: Portal, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("shuzheng.datahub.views_open.DATASETS_PER_PAGE", 1)
    client = Client()
    first = client.get("/open-data/", {"q": "测试"})
    # notes mention 测试 only for population; the department names (测试公安局/测试民政局) match every one
    assert first.context["result"].total == 3
    assert len(_names(first)) == 1
    assert first.context["result"].next_page == 2
    seen = set(_names(first))
    for page in (2, 3):
        response = client.get("/open-data/", {"q": "测试", "page": str(page)})
        seen |= set(_names(response))
    assert seen == {"enping-air", "enping-parking", "enping-population"}
    assert client.get("/open-data/", {"q": "测试", "page": "4"}).context["result"].items == []


def test_unpublished_datasets_are_gone_everywhere(portal: Portal) -> None:
    open_data_services.dataset_unpublish(actor=portal.hub.admin, dataset=portal.population)
    client = Client()
    assert "enping-population" not in _names(client.get("/open-data/"))
    assert _names(client.get("/open-data/", {"q": "人口"})) == []
    page = client.get("/open-data/enping-population/")
    assert page.status_code == 404
    assert "开放数据集不存在" in page.content.decode()
    assert client.get(f"/open-data/{portal.population.pk}/").status_code == 404
    assert client.get("/open-data/enping-population/download/csv/").status_code == 404
    resource = OpenResource.objects.get(dataset=portal.population, format="CSV")
    assert client.get(f"/open-data/resources/{resource.pk}/download/").status_code == 404
    resource.refresh_from_db()
    assert resource.download_count == 0
    assert client.get("/open-data/").context["totals"]["datasets"] == 2


# --- the dataset page ----------------------------------------------------------------------------------


def test_dataset_page_shows_metadata_resources_and_masked_preview(portal: Portal) -> None:
    client = Client()
    response = client.get("/open-data/enping-population/")
    assert response.status_code == 200
    html = response.content.decode()
    facts = ("恩平市常住人口统计", "测试公安局", "社会保障", "每月", "CC BY 4.0", "下载次数", "年末常住人口")
    for text in facts:
        assert text in html, text
    for fmt in ("csv", "xlsx", "json"):
        assert f'href="/open-data/enping-population/download/{fmt}/"' in html
    assert [c["id"] for c in response.context["columns"]] == ["year", "town", "population", "contact"]
    preview = response.context["preview"]
    assert len(preview) == 10  # the first rows only
    assert preview[0] == [2020, "恩城街道", 10000, "欧**娜"]
    assert "欧阳娜娜" not in html  # personal data never in clear on the portal
    assert "已脱敏" in html
    # by number as well as by name
    assert client.get(f"/open-data/{portal.population.pk}/").context["dataset"] == portal.population


def test_unknown_dataset_is_a_chinese_404(portal: Portal) -> None:
    client = Client()
    for path in ("/open-data/no-such-thing/", "/open-data/99999/", "/open-data/%E4%BA%BA%E5%8F%A3/"):
        response = client.get(path)
        assert response.status_code == 404, path
        assert "开放数据集不存在" in response.content.decode()
    assert client.get("/open-data/resources/99999/download/").status_code == 404
    # problem+json for JSON clients
    api = client.get("/open-data/no-such-thing/", HTTP_ACCEPT="application/json")
    assert api.status_code == 404
    assert api.json()["code"] == "not_found"


# --- downloads -----------------------------------------------------------------------------------------


def test_downloads_are_valid_files_with_the_masked_rows(portal: Portal) -> None:
    client = Client()  # anonymous
    csv_response = client.get("/open-data/enping-population/download/csv/")
    assert csv_response.status_code == 200
    assert csv_response["Content-Type"].startswith("text/csv")
    assert csv_response["Content-Disposition"] == 'attachment; filename="enping-population.csv"'
    assert csv_response.content.startswith(b"\xef\xbb\xbf")  # UTF-8 with BOM
    rows = list(csv.reader(io.StringIO(csv_response.content.decode("utf-8-sig"))))
    assert rows[0] == ["年份", "镇街", "常住人口", "填报人"]
    assert len(rows) == 13
    assert rows[1] == ["2020", "恩城街道", "10000", "欧**娜"]

    xlsx_response = client.get("/open-data/enping-population/download/XLSX/")
    assert xlsx_response.status_code == 200
    sheet = load_workbook(io.BytesIO(xlsx_response.content)).active
    assert sheet is not None
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert values[0] == ["年份", "镇街", "常住人口", "填报人"]
    assert len(values) == 13
    assert values[12] == [2022, "圣堂镇", 10000 + 11 * 37, "欧**娜"]

    json_response = client.get("/open-data/enping-parking/download/json/")
    assert json_response.status_code == 200
    body = json.loads(json_response.content)
    assert body["dataset"] == "enping-parking"
    assert [f["id"] for f in body["fields"]] == ["name", "town", "capacity"]
    assert body["records"][0] == {"name": "停车场1", "town": "沙湖镇", "capacity": 10}
    assert len(body["records"]) == 7


def test_each_download_is_counted(portal: Portal) -> None:
    client = Client()
    for _ in range(2):
        assert client.get("/open-data/enping-air/download/csv/").status_code == 200
    json_resource = portal.air.resources.get(format="JSON")
    by_resource = client.get(f"/open-data/resources/{json_resource.pk}/download/")
    assert by_resource.status_code == 200
    assert json.loads(by_resource.content)["dataset"] == "enping-air"
    portal.air.refresh_from_db()
    assert portal.air.download_count == 3
    counts = dict(portal.air.resources.values_list("format", "download_count"))
    assert counts == {"CSV": 2, "XLSX": 0, "JSON": 1}
    # only GET downloads (and counts)
    assert client.head("/open-data/enping-air/download/csv/").status_code == 405
    portal.air.refresh_from_db()
    assert portal.air.download_count == 3
    page = client.get("/open-data/enping-air/")
    assert '<dd id="download-count">3</dd>' in page.content.decode()
    assert client.get("/open-data/").context["totals"]["downloads"] == 3
    assert open_data_selectors.open_dataset_search(sort="downloads").items[0] == portal.air


def test_external_resource_is_counted_and_redirected(portal: Portal) -> None:
    resource = open_data_services.resource_add(
        actor=portal.hub.admin,
        dataset=portal.parking,
        name="停车场实时泊位接口",
        url="https://data.example.cn/parking/api",
        format="api",
    )
    client = Client()
    page = client.get("/open-data/enping-parking/").content.decode()
    assert "停车场实时泊位接口" in page
    assert f"/open-data/resources/{resource.pk}/download/" in page
    response = client.get(f"/open-data/resources/{resource.pk}/download/")
    assert response.status_code == 302
    assert response["Location"] == "https://data.example.cn/parking/api"
    resource.refresh_from_db()
    assert resource.download_count == 1
    # the external resource does not make "API" a download format of the dataset
    assert client.get("/open-data/enping-parking/download/api/").status_code == 400


# --- listings ------------------------------------------------------------------------------------------


def test_department_and_topic_listings(portal: Portal) -> None:
    client = Client()
    open_data_services.resource_download_record(resource=portal.parking.resources.get(format="CSV"))
    departments = client.get("/open-data/departments/")
    assert departments.status_code == 200
    stats = departments.context["departments"]
    assert [(d["code"], d["dataset_count"], d["rows"], d["downloads"]) for d in stats] == [
        ("TC01", 2, 12, 1),
        ("TP01", 1, 12, 0),
    ]
    assert 'href="/open-data/?department=TC01"' in departments.content.decode()
    topics = client.get("/open-data/topics/")
    assert topics.status_code == 200
    assert {t.name: t.dataset_count for t in topics.context["topics"]} == {
        "social": 1,
        "tourism": 0,
        "transport": 1,
    }
    html = topics.content.decode()
    assert 'href="/open-data/?topic=transport"' in html
    assert "文化旅游" in html


# --- bad input ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"department": "NOPE"}, "没有这个提供部门"),
        ({"topic": "nope"}, "没有这个主题"),
        ({"format": "PDF"}, "没有这个格式"),
        ({"sort": "popularity"}, "没有这个排序"),
        ({"page": "0"}, "页码应为正整数"),
        ({"page": "abc"}, "页码应为正整数"),
        ({"page": "9999"}, "最多显示前"),
        ({"q": "人" * 101}, "搜索开放数据"),
    ],
)
def test_bad_list_parameters_are_clear_400s(portal: Portal, params: dict[str, str], message: str) -> None:
    response = Client().get("/open-data/", params)
    assert response.status_code == 400
    html = response.content.decode()
    assert "参数有误" in html
    assert message in html
    assert response.context["result"].total == 3  # the unfiltered list is still shown


def test_bad_cursor_and_format_are_clear_errors(portal: Portal) -> None:
    client = Client()
    response = client.get("/open-data/", {"sort": "name", "cursor": "not-a-cursor"})
    assert response.status_code == 400
    assert "分页游标无效" in response.content.decode()
    bad_format = client.get("/open-data/enping-air/download/pdf/")
    assert bad_format.status_code == 400
    assert "不支持的下载格式“pdf”" in bad_format.content.decode()
    assert client.get("/open-data/no-such/download/csv/").status_code == 404
    portal.air.refresh_from_db()
    assert portal.air.download_count == 0  # nothing counted on errors
    assert client.post("/open-data/enping-air/download/csv/").status_code == 405
    assert client.get("/open-data/", {"q": "'; DROP TABLE datahub_opendataset; --"}).status_code == 200
    assert OpenDataset.objects.count() == 3


def test_query_counts_do_not_grow_with_the_list(portal: Portal, django_assert_max_num_queries: Any) -> None:
    client = Client()
    client.get("/open-data/")  # warm caches (site, jieba)
    with django_assert_max_num_queries(20):
        assert client.get("/open-data/", {"q": "数据"}).status_code == 200
    with django_assert_max_num_queries(20):
        assert client.get("/open-data/enping-population/").status_code == 200
