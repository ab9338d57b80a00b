"""The data-hub demo: the issue's counts, idempotence, the demo credential works, commands and admin."""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client

from shuzheng.core.validators import validate_id_number, validate_uscc
from shuzheng.datahub import demo, tables
from shuzheng.datahub.demo import registries
from shuzheng.datahub.models import (
    AccessLog,
    CatalogEntry,
    Classification,
    OpenDataset,
    QualityResult,
    QualityRun,
    SharingRequest,
)
from shuzheng.identity import demo as identity_demo
from shuzheng.orgs import demo as orgs_demo

pytestmark = pytest.mark.django_db


@pytest.fixture
def loaded(db: Any) -> dict[str, Any]:
    orgs_demo.load()
    identity_demo.load()
    return demo.load(persons=300)


def _counts(loaded):
    assert loaded["data_entries"] >= 100
    assert loaded["data_departments"] >= 20
    assert loaded["open_datasets"] >= 80
    assert loaded["open_departments"] >= 15
    open_entries = CatalogEntry.objects.filter(open_dataset__state="active")
    assert all(e.is_mounted_table and 20 <= e.row_count <= 500 for e in open_entries)
    bases = CatalogEntry.objects.filter(classification=Classification.BASE)
    assert bases.count() == 6  # five registries, the spatial one as divisions + addresses
    statuses = set(SharingRequest.objects.values_list("status", flat=True))
    assert {"pending", "approved", "refused"} <= statuses
    assert SharingRequest.objects.filter(auto_granted=True).exists()
    run = QualityRun.objects.get()
    assert QualityResult.objects.filter(run=run, failed__gt=0).exists()  # planted defects are found
    assert any("dh_demo_minzheng" in note for note in loaded["notes"])


def _idempotent(loaded):
    again = demo.load(persons=300)
    assert again["created"] == 0
    assert again["data_entries"] == loaded["data_entries"]
    assert OpenDataset.objects.count() == loaded["open_datasets"]


def _people_and_enterprises_are_valid(loaded):
    for i in (0, 1, 29199, 29200, 4_999_999):
        validate_id_number(registries.id_number(i))
    assert len({registries.id_number(i) for i in range(0, 60000, 7)}) == len(range(0, 60000, 7))
    # both sexes from the first people on (the 17th digit is odd for men)
    assert {int(registries.id_number(i)[16]) % 2 for i in range(4)} == {0, 1}
    persons = CatalogEntry.objects.get(name="人口基础信息库")
    model = tables.build_model(persons)
    assert model.objects.count() == 300
    validate_uscc(registries.enterprise(5)["uscc"])


def _demo_credential_reads_masked_rows(loaded):
    entry = CatalogEntry.objects.get(name="户籍人口信息")
    response = Client().get(
        f"/api/v1/datahub/data/{entry.code}/rows?limit=3",
        HTTP_AUTHORIZATION=f"Bearer {demo.DEMO_CLIENT_ID}:{demo.DEMO_SECRET}",
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert "mobile" not in body["fields"]  # approved fewer fields than asked
    assert "*" in body["items"][0]["full_name"] or len(body["items"][0]["full_name"]) == 2
    assert AccessLog.objects.count() == 1
    # the access log names the person the demo credential was issued to, and a class by its name
    logged_user = AccessLog.objects.get().user
    assert logged_user is not None
    assert logged_user.username == "mz_user"
    steward = Client()
    steward.force_login(get_user_model().objects.get(username="ga_data"))
    log = steward.get(f"/workbench/datahub/catalog/{entry.pk}/access-log/").content.decode()
    assert "谭家豪" in log
    catalog = steward.get("/workbench/datahub/catalog/").content.decode()
    assert "人口与户籍" in catalog
    assert "未命名类目" not in catalog


def _commands(loaded):
    out = StringIO()
    call_command("run_quality", "--quiet", stdout=out)
    assert "人口基础信息库" in out.getvalue()
    out = StringIO()
    call_command("generate_persons", "--persons", "450", "--batch", "100", "--quiet", stdout=out)
    persons = CatalogEntry.objects.get(name="人口基础信息库")
    assert persons.row_count == 450
    assert "450" in out.getvalue()


def _admin_pages(loaded):
    admin = get_user_model().objects.get(username="admin")
    client = Client()
    client.force_login(admin)
    for model in (
        "catalogentry",
        "sharingrequest",
        "grant",
        "apicredential",
        "accesslog",
        "rowchange",
        "qualityrule",
        "qualityrun",
        "opendataset",
        "opentopic",
    ):
        assert client.get(f"/admin/datahub/{model}/").status_code == 200, model
    entry = CatalogEntry.objects.first()
    assert entry is not None
    assert client.get(f"/admin/datahub/catalogentry/{entry.pk}/change/").status_code == 200
    response = client.post(
        "/admin/datahub/catalogentry/", {"action": "approve", "_selected_action": [entry.pk]}, follow=True
    )
    assert response.status_code == 200  # refused (already published) as a message, not a 500


def test_demo(loaded):
    """One load (it takes a while), every check on it."""
    _counts(loaded)
    _idempotent(loaded)
    _people_and_enterprises_are_valid(loaded)
    _demo_credential_reads_masked_rows(loaded)
    _admin_pages(loaded)
    _commands(loaded)
