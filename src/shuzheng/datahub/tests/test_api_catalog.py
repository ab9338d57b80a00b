"""Catalog over the JSON API: create, review, mount, list (keyset, query count), bad input, stats."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from shuzheng.datahub.models import CatalogEntry
from shuzheng.datahub.tests.conftest import PERSON_ITEMS, make_entry

pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _post(client: Client, url: str, body: dict[str, Any]) -> Any:
    return client.post(url, data=json.dumps(body), content_type="application/json")


def test_create_review_mount_over_the_api(hub):
    steward = _client(hub.steward)
    response = _post(
        steward,
        "/api/v1/datahub/entries",
        {
            "name": "居民户籍变动信息",
            "class_code": "A0102",
            "sharing_type": "conditional",
            "sharing_conditions": "依法履职",
            "items": PERSON_ITEMS[:3],
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["code"] == "TP01/A0102-0001"
    assert body["department_code"] == "TP01"
    assert [i["name"] for i in body["items"]] == ["id_number", "full_name", "mobile"]
    entry_id = body["id"]
    submit = _post(steward, f"/api/v1/datahub/entries/{entry_id}/transitions", {"action": "submit"})
    assert submit.json()["status"] == "in_review"
    forbidden = _post(steward, f"/api/v1/datahub/entries/{entry_id}/transitions", {"action": "approve"})
    assert forbidden.status_code == 403
    approved = _post(
        _client(hub.reviewer), f"/api/v1/datahub/entries/{entry_id}/transitions", {"action": "approve"}
    )
    assert approved.json()["status"] == "published"
    mounted = _post(steward, f"/api/v1/datahub/entries/{entry_id}/mount", {"kind": "table"})
    assert mounted.json()["mount_kind"] == "table"
    bad_kind = _post(steward, f"/api/v1/datahub/entries/{entry_id}/mount", {"kind": "ftp"})
    assert bad_kind.status_code == 422


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (
            {"name": "x", "class_code": "A01", "items": [{"name": "a", "label": "甲", "bogus": 1}]},
            "items.0.bogus",
        ),
        ({"name": "x", "class_code": "A01", "items": [{"name": "Bad", "label": "甲"}]}, "items[0].name"),
        ({"name": "x", "class_code": "bad", "items": [{"name": "a", "label": "甲"}]}, "class_code"),
        (
            {"name": "x", "class_code": "A01", "items": [{"name": "a", "label": "甲", "data_type": "blob"}]},
            "items.0.data_type",
        ),
    ],
)
def test_bad_input_names_the_field_and_writes_nothing(hub, body, field):
    response = _post(_client(hub.steward), "/api/v1/datahub/entries", {"sharing_conditions": "条件", **body})
    assert response.status_code == 422, response.content
    assert field in [e["field"] for e in response.json()["errors"]]
    assert not CatalogEntry.objects.exists()


def test_list_is_keyset_paged_with_constant_queries(hub):
    for n in range(5):
        make_entry(hub, name=f"资源{n}", mount=False)
    client = _client(hub.consumer_user)
    first = client.get("/api/v1/datahub/entries?limit=2").json()
    second = client.get(f"/api/v1/datahub/entries?limit=2&cursor={first['next_cursor']}").json()
    assert len(first["items"]) == 2
    assert {e["id"] for e in first["items"]}.isdisjoint({e["id"] for e in second["items"]})
    with CaptureQueriesContext(connection) as few:
        client.get("/api/v1/datahub/entries?limit=2")
    with CaptureQueriesContext(connection) as more:
        client.get("/api/v1/datahub/entries?limit=5")
    assert len(few) == len(more)


def test_draft_is_invisible_to_other_departments(hub):
    draft = make_entry(hub, publish=False, mount=False)
    assert _client(hub.consumer_user).get(f"/api/v1/datahub/entries/{draft.pk}").status_code == 404
    assert _client(hub.steward).get(f"/api/v1/datahub/entries/{draft.pk}").status_code == 200
    assert _client(hub.admin).get(f"/api/v1/datahub/entries/{draft.pk}").status_code == 200  # scope "all"
    assert draft.pk in {e["id"] for e in _client(hub.admin).get("/api/v1/datahub/entries").json()["items"]}


def test_anonymous_gets_401(hub):
    assert Client().get("/api/v1/datahub/entries").status_code == 401


def test_stats(hub, person_entry):
    client = _client(hub.admin)
    stats = client.get("/api/v1/datahub/stats/mounts").json()
    assert stats[0]["rows"] == 5
    totals = client.get("/api/v1/datahub/stats/totals").json()
    assert totals["mounted"] == 1


def test_openapi_lists_the_data_service(hub):
    schema = Client().get("/api/v1/openapi.json").json()
    assert "/api/v1/datahub/data/{code}/rows" in schema["paths"]


def test_citizens_do_not_see_the_catalog(hub):
    from shuzheng.identity.tests.factories import CitizenFactory

    make_entry(hub, mount=False)
    assert _client(CitizenFactory.create()).get("/api/v1/datahub/entries").status_code == 403


def test_excel_export_then_import(hub):
    import io

    from openpyxl import load_workbook

    make_entry(hub, name="婚姻登记信息", mount=False)
    client = _client(hub.steward)
    response = client.get("/api/v1/datahub/entries/export.xlsx")
    assert response.status_code == 200
    content = response.content
    workbook = load_workbook(io.BytesIO(content))
    assert workbook["数据目录"]["B2"].value == "婚姻登记信息"
    assert workbook["信息项"].max_row == 1 + len(PERSON_ITEMS)
    # rename the entry in the file: importing creates one new draft; the same file again creates nothing
    workbook["数据目录"]["B2"] = "婚姻登记补领信息"
    for row in workbook["信息项"].iter_rows(min_row=2):
        row[1].value = "婚姻登记补领信息"
    out = io.BytesIO()
    workbook.save(out)
    upload = io.BytesIO(out.getvalue())
    upload.name = "catalog.xlsx"
    first = client.post("/api/v1/datahub/entries/import", {"file": upload})
    assert first.status_code == 200, first.content
    assert first.json() == {"created": 1, "skipped": 0}
    created = CatalogEntry.objects.get(name="婚姻登记补领信息")
    assert created.items.count() == len(PERSON_ITEMS)
    assert created.items.get(name="id_number").masking == "id_number"
    upload.seek(0)
    assert client.post("/api/v1/datahub/entries/import", {"file": upload}).json() == {
        "created": 0,
        "skipped": 1,
    }


def test_excel_import_is_all_or_nothing(hub):
    import io

    from openpyxl import Workbook

    from shuzheng.datahub import xlsx

    workbook = Workbook()
    entries = workbook.active
    assert entries is not None
    entries.title = "数据目录"
    entries.append([label for _f, label, _c in xlsx.ENTRY_COLUMNS if label not in ("资源代码", "状态")])
    good = [
        "好资源",
        "TP01",
        "部门信息资源",
        "A01",
        "库表",
        "无条件共享",
        "",
        "接口",
        "开放",
        "",
        "每月",
        "一般数据",
        "",
    ]
    bad = [
        "坏资源",
        "TP01",
        "部门信息资源",
        "bad",
        "库表",
        "有条件共享",
        "",
        "接口",
        "开放",
        "",
        "每月",
        "一般数据",
        "",
    ]
    entries.append(good)
    entries.append(bad)
    items = workbook.create_sheet("信息项")
    items.append([label for _f, label, _c in xlsx.ITEM_COLUMNS])
    items.append(["TP01", "好资源", "town", "镇街", "字符串", "否", "否", "否", "L1 公开", "不脱敏", ""])
    items.append(["TP01", "坏资源", "Town", "镇街", "字符串", "否", "否", "否", "L1", "不脱敏", ""])
    out = io.BytesIO()
    workbook.save(out)
    upload = io.BytesIO(out.getvalue())
    upload.name = "catalog.xlsx"
    response = _client(hub.steward).post("/api/v1/datahub/entries/import", {"file": upload})
    assert response.status_code == 422
    errors = response.json()["errors"]
    assert {e["row"] for e in errors} == {3}
    assert {"class_code", "sharing_conditions", "items[0].name"} <= {e["field"] for e in errors}
    assert not CatalogEntry.objects.exists()
    not_xlsx = io.BytesIO(b"nope")
    not_xlsx.name = "x.xlsx"
    assert _client(hub.steward).post("/api/v1/datahub/entries/import", {"file": not_xlsx}).status_code == 415


def _workbook_upload(sheets: dict[str, list[list[Any]]], name: str = "catalog.xlsx") -> Any:
    import io

    from openpyxl import Workbook

    workbook = Workbook()
    for default in list(workbook.worksheets):
        workbook.remove(default)
    for title, rows in sheets.items():
        sheet = workbook.create_sheet(title)
        for row in rows:
            sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    upload = io.BytesIO(out.getvalue())
    upload.name = name
    return upload


def test_excel_import_refuses_what_is_not_a_workbook_with_the_shared_wording(hub):
    import io

    not_xlsx = io.BytesIO(b"PK\x03\x04 but not a zip")
    not_xlsx.name = "catalog.xlsx"
    response = _client(hub.steward).post("/api/v1/datahub/entries/import", {"file": not_xlsx})
    assert response.status_code == 415
    assert response.json()["code"] == "not_xlsx"
    assert response.json()["detail"] == "只支持 Excel 2007 及以上格式（.xlsx）的文件，请另存为 .xlsx 后重试。"
    assert not CatalogEntry.objects.exists()


def test_excel_import_refuses_a_file_over_the_size_bound(hub):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from shuzheng.core.actors import SYSTEM
    from shuzheng.core.errors import PayloadTooLarge
    from shuzheng.core.spreadsheets import MAX_BYTES
    from shuzheng.datahub import xlsx

    content = b"PK\x03\x04" + b"\0" * MAX_BYTES
    for file in (content, SimpleUploadedFile("catalog.xlsx", content)):
        with pytest.raises(PayloadTooLarge) as exc:
            xlsx.import_catalog(actor=SYSTEM, file=file)
        assert exc.value.code == "file_too_large"
        assert exc.value.detail == "文件超过 5 MB，请拆分后分批导入。"
    assert not CatalogEntry.objects.exists()


def test_excel_import_names_a_missing_sheet_and_missing_columns(hub):
    from shuzheng.datahub import xlsx

    item_header = [label for _f, label, _c in xlsx.ITEM_COLUMNS]
    client = _client(hub.steward)
    wrong_sheet = _workbook_upload({"Sheet1": [["资源名称"], ["某资源"]], "信息项": [item_header]})
    response = client.post("/api/v1/datahub/entries/import", {"file": wrong_sheet})
    assert response.status_code == 422
    assert response.json()["code"] == "import_empty"
    assert "没有“数据目录”工作表" in response.json()["detail"]
    short_header = _workbook_upload({"数据目录": [["资源名称", "提供部门编码"]], "信息项": [item_header]})
    response = client.post("/api/v1/datahub/entries/import", {"file": short_header})
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "import_header"
    assert body["detail"].startswith("“数据目录”表的表头缺少列：资源分类")
    assert {"sheet": "数据目录", "row": 1, "field": "资源分类", "message": "缺少此列"} in body["errors"]
    assert not CatalogEntry.objects.exists()


def test_workbench_import_shows_a_missing_sheet_on_the_form(hub):
    upload = _workbook_upload({"Sheet1": [["资源名称"], ["某资源"]]})
    response = _client(hub.steward).post("/workbench/datahub/catalog/import/", {"file": upload})
    assert response.status_code == 422
    assert "文件中没有“数据目录”工作表" in response.content.decode()
    assert not CatalogEntry.objects.exists()
