"""Mounting: the physical table, CSV (UTF-8, GB18030) and xlsx uploads, JSON rows, row-level audit."""

from __future__ import annotations

import io
import json
from collections.abc import Sequence
from typing import Any

import pytest
from django.test import Client
from openpyxl import Workbook

from shuzheng.core.errors import Conflict, UnsupportedMediaType, ValidationFailed
from shuzheng.datahub import tables
from shuzheng.datahub.models import CatalogEntry, MountKind, RowChange
from shuzheng.datahub.services import mounts as mount_services
from shuzheng.datahub.services import rows as row_services
from shuzheng.datahub.tests.conftest import make_entry, people

pytestmark = pytest.mark.django_db

HEADER = "公民身份号码,姓名,手机号码,住址,出生日期,月收入,家庭人口"


def _csv(rows: list[str], header: str = HEADER) -> str:
    return "\n".join([header, *rows]) + "\n"


def _good_rows() -> list[str]:
    return [
        f"{p['id_number']},{p['full_name']},{p['mobile']},{p['address']},{p['birth_date']},{p['income']},"
        f"{p['household_size']}"
        for p in people()
    ]


def test_mount_creates_a_real_table(hub):
    entry = make_entry(hub)
    assert entry.mount_kind == MountKind.TABLE
    assert entry.mount_table == f"datahub_t_{entry.pk}"
    assert tables.table_exists(entry.mount_table)
    mount_services.entry_mount_table(actor=hub.steward, entry=entry)  # idempotent
    with pytest.raises(Conflict):
        mount_services.entry_mount_api(
            actor=hub.steward, entry=entry, url="https://x.example/api", description="x"
        )


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_csv_upload_in_each_encoding(hub, encoding):
    entry = make_entry(hub)
    content = _csv(_good_rows()).encode(encoding)
    result = row_services.rows_load_file(actor=hub.steward, entry=entry, filename="人口.csv", content=content)
    assert result["inserted"] == 5
    entry.refresh_from_db()
    assert entry.row_count == 5
    model = tables.build_model(entry)
    assert set(model.objects.values_list("full_name", flat=True)) == {p["full_name"] for p in people()}
    assert RowChange.objects.filter(entry=entry, action="insert").count() == 5
    assert all(len(r.row_sm3) == 64 for r in RowChange.objects.filter(entry=entry))


def test_header_by_field_names_and_any_order(hub):
    entry = make_entry(hub)
    p = people()[0]
    content = f"full_name,id_number\n{p['full_name']},{p['id_number']}\n".encode()
    assert (
        row_services.rows_load_file(actor=hub.steward, entry=entry, filename="a.csv", content=content)[
            "inserted"
        ]
        == 1
    )


def test_bad_rows_are_reported_with_row_numbers_and_nothing_is_written(hub):
    entry = make_entry(hub)
    rows = _good_rows()
    rows[1] = rows[1].replace("1981-02-11", "1981-13-45")
    rows[3] = rows[3].replace(people()[3]["full_name"], "")  # required
    rows.append("440785,甲,,,,abc,1.5")
    with pytest.raises(ValidationFailed) as info:
        row_services.rows_load_file(
            actor=hub.steward, entry=entry, filename="a.csv", content=_csv(rows).encode("gb18030")
        )
    found = {(e["row"], e["field"]) for e in info.value.errors}
    assert (3, "出生日期") in found
    assert (5, "姓名") in found
    assert (7, "月收入") in found
    assert (7, "家庭人口") in found
    assert "第3行" in info.value.detail
    assert tables.build_model(entry).objects.count() == 0
    assert not RowChange.objects.exists()


@pytest.mark.parametrize(
    ("content", "code"),
    [
        (b"\xff\xfe\x00\x00garbage\x81\x00", "bad_encoding"),
        ("姓名,不存在的列\n甲,乙\n".encode(), "bad_header"),
        (b"", "empty_file"),
    ],
)
def test_malformed_files(hub, content, code):
    entry = make_entry(hub)
    with pytest.raises(ValidationFailed) as info:
        row_services.rows_load_file(actor=hub.steward, entry=entry, filename="a.csv", content=content)
    assert info.value.code in (code, "bad_header")
    assert tables.build_model(entry).objects.count() == 0


def _xlsx(rows: Sequence[list[Any]]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def test_xlsx_upload_good_and_bad(hub):
    entry = make_entry(hub)
    header = HEADER.split(",")
    p = people()
    good = [header] + [
        [
            x["id_number"],
            x["full_name"],
            x["mobile"],
            x["address"],
            x["birth_date"],
            float(x["income"]),
            x["household_size"],
        ]
        for x in p
    ]
    result = row_services.rows_load_file(
        actor=hub.steward, entry=entry, filename="a.xlsx", content=_xlsx(good)
    )
    assert result["inserted"] == 5
    bad = [header, [p[0]["id_number"], None, "", "", "not a date", 1, 1]]
    with pytest.raises(ValidationFailed) as info:
        row_services.rows_load_file(
            actor=hub.steward, entry=entry, filename="b.xlsx", content=_xlsx(bad), replace=True
        )
    assert {e["row"] for e in info.value.errors} == {2}
    assert tables.build_model(entry).objects.count() == 5  # the replace did not happen
    with pytest.raises(UnsupportedMediaType) as not_xlsx:
        row_services.rows_load_file(actor=hub.steward, entry=entry, filename="c.xlsx", content=b"not a zip")
    assert getattr(not_xlsx.value, "code", "") == "not_xlsx"


def test_replace_logs_deletes(hub, person_entry):
    row_services.rows_insert(actor=hub.steward, entry=person_entry, rows=people()[:2], replace=True)
    person_entry.refresh_from_db()
    assert person_entry.row_count == 2
    assert RowChange.objects.filter(entry=person_entry, action="delete").count() == 5


def test_row_update_and_delete(hub, person_entry):
    model = tables.build_model(person_entry)
    row_id = model.objects.order_by("_row_id").values_list("_row_id", flat=True).first()
    row_services.row_update(
        actor=hub.steward, entry=person_entry, row_id=row_id, values={"household_size": "9"}
    )
    assert model.objects.get(_row_id=row_id).household_size == 9
    with pytest.raises(ValidationFailed):
        row_services.row_update(actor=hub.steward, entry=person_entry, row_id=row_id, values={"nope": 1})
    row_services.row_delete(actor=hub.steward, entry=person_entry, row_id=row_id)
    actions = list(
        RowChange.objects.filter(entry=person_entry, row_id=row_id).values_list("action", flat=True)
    )
    assert sorted(actions) == ["delete", "insert", "update"]


def test_api_upload_and_rows(hub):
    entry = make_entry(hub)
    client = Client()
    client.force_login(hub.steward)
    upload = io.BytesIO(_csv(_good_rows()).encode("gb18030"))
    upload.name = "人口.csv"
    response = client.post(f"/api/v1/datahub/entries/{entry.pk}/upload", {"file": upload})
    assert response.status_code == 200, response.content
    assert response.json()["inserted"] == 5
    bad = client.post(
        f"/api/v1/datahub/entries/{entry.pk}/rows",
        data=json.dumps(
            {"rows": [{"id_number": "1", "full_name": "甲", "household_size": "x"}, {"bogus": 1}]}
        ),
        content_type="application/json",
    )
    assert bad.status_code == 422
    body = bad.json()
    assert body["code"] == "rows_invalid"
    assert {e["row"] for e in body["errors"]} == {1, 2}
    ok = client.post(
        f"/api/v1/datahub/entries/{entry.pk}/rows",
        data=json.dumps({"rows": [{"id_number": "1", "full_name": "甲"}]}),
        content_type="application/json",
    )
    assert ok.status_code == 201
    assert ok.json()["row_count"] == 6
    other = Client()
    other.force_login(hub.consumer_user)
    denied = other.post(
        f"/api/v1/datahub/entries/{entry.pk}/rows",
        data=json.dumps({"rows": [{"id_number": "2", "full_name": "乙"}]}),
        content_type="application/json",
    )
    assert denied.status_code == 403
    assert CatalogEntry.objects.get(pk=entry.pk).row_count == 6


def test_file_and_api_mounts(hub):
    entry = make_entry(hub, mount=False, name="规划图件")
    mount_services.entry_mount_file(
        actor=hub.steward, entry=entry, filename="../../etc/passwd", content=b"pdf"
    )
    entry.refresh_from_db()
    assert entry.mount_kind == MountKind.FILE
    assert (
        ".." not in entry.mount_file.name.split("/")[-1]
        or "/" not in entry.mount_file.name.split("datahub/files/")[-1]
    )
    other = make_entry(hub, mount=False, name="公交实时到站")
    with pytest.raises(ValidationFailed):
        mount_services.entry_mount_api(actor=hub.steward, entry=other, url="ftp://x", description="")
    mount_services.entry_mount_api(
        actor=hub.steward, entry=other, url="https://bus.example.cn/api", description="GET 线路"
    )
