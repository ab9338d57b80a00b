"""What data stewards met in the workbench (issue 9): the class tree reads in names, refused data-service
calls are logged too, and the access log names the person behind a credential and shows fields and
query conditions by their Chinese labels, never column names."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from shuzheng.core.actors import SYSTEM
from shuzheng.core.errors import PermissionDenied, ValidationFailed
from shuzheng.datahub.models import AccessLog, CatalogClass
from shuzheng.datahub.services import catalog as catalog_services
from shuzheng.datahub.services import sharing as sharing_services
from shuzheng.datahub.tests.conftest import approve, make_entry, people
from shuzheng.identity.models import AuditEvent

pytestmark = pytest.mark.django_db

WB = "/workbench/datahub"
COLUMNS = ["id_number", "full_name", "mobile", "address", "household_size", "birth_date"]


def _page(user: Any, url: str) -> str:
    client = Client()
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def test_the_class_tree_shows_names(hub):
    make_entry(hub, name="婚姻登记信息", class_code="B01", rows=people()[:1])
    make_entry(hub, name="低保对象信息", class_code="B02", rows=people()[:1])
    catalog_services.catalog_class_name(actor=hub.admin, code="b", name="社会保障与民政")
    catalog_services.catalog_class_name(actor=hub.admin, code="B01", name="婚姻登记")
    html = _page(hub.steward, f"{WB}/catalog/")
    tree = html[html.index('id="tree-title"') : html.index('id="dept-title"')]
    assert "社会保障与民政" in tree
    assert "婚姻登记" in tree
    assert "未命名类目 B02" in tree  # a code nobody named yet says so
    assert "B 类" not in tree
    assert "B01 项" not in tree
    assert AuditEvent.objects.filter(action="datahub.class.name").count() == 2


def test_naming_a_class_is_checked_and_for_the_data_administration(hub):
    with pytest.raises(PermissionDenied):
        catalog_services.catalog_class_name(actor=hub.steward, code="B", name="社会保障")
    for code, name in (("b1", "社会保障"), ("B", ""), ("B", "x" * 65), ("B", "社会\x00保障")):
        with pytest.raises(ValidationFailed):
            catalog_services.catalog_class_name(actor=hub.admin, code=code, name=name)
    assert not CatalogClass.objects.exists()
    catalog_services.catalog_class_name(actor=hub.admin, code="B", name="社会保障")
    catalog_services.catalog_class_name(actor=hub.admin, code="B", name="社会保障与民政")
    assert CatalogClass.objects.get(code="B").name == "社会保障与民政"


def _credential(hub: Any, entry: Any, **kwargs: Any) -> str:
    grant = approve(hub, entry, fields=["full_name", "household_size"], **kwargs)
    credential, secret = sharing_services.credential_issue(actor=hub.consumer_user, grant=grant)
    return f"Bearer {credential.client_id}:{secret}"


def _rows(entry: Any, auth: str, query: str = "") -> Any:
    return Client().get(f"/api/v1/datahub/data/{entry.code}/rows{query}", HTTP_AUTHORIZATION=auth)


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ("?fields=income", "field_not_granted"),
        ("?income__gte=1", "field_not_granted"),
        ("?sort=-income", "field_not_granted"),
        ("?full_name__contains=%E5%BC%A0", "field_masked"),
        ("?sort=full_name", "field_masked"),
    ],
)
def test_refused_calls_are_logged(hub, person_entry, query, code):
    auth = _credential(hub, person_entry)
    response = _rows(person_entry, auth, query)
    assert response.status_code == 403
    assert response.json()["code"] == code
    log = AccessLog.objects.get()
    assert log.refusal == response.json()["detail"]
    assert log.rows_returned == 0
    assert log.entry == person_entry
    assert log.user == hub.consumer_user  # the person the credential was issued to
    assert "张" not in str(log.filters)  # a refused value is not kept
    steward = Client()
    steward.force_login(hub.steward)
    item = steward.get(f"/api/v1/datahub/entries/{person_entry.pk}/access-log").json()["items"][0]
    assert item["refusal"] == log.refusal
    assert item["person"] == (hub.consumer_user.full_name or hub.consumer_user.username)
    html = _page(hub.steward, f"{WB}/catalog/{person_entry.pk}/access-log/")
    assert "已拒绝" in html
    assert "income" not in html
    assert "full_name" not in html


def test_refusals_of_a_revoked_credential_and_another_entry_are_logged(hub, person_entry):
    other = make_entry(hub, name="婚姻登记信息", class_code="B01", rows=people()[:1])
    auth = _credential(hub, person_entry)
    assert _rows(other, auth).status_code == 403
    logged = AccessLog.objects.get()
    assert logged.entry == other  # the provider of the entry asked for sees the attempt
    assert logged.refusal == "该凭证未获此资源的授权"
    grant = AccessLog.objects.get().grant
    assert grant is not None
    sharing_services.grant_revoke(actor=hub.steward, grant=grant)
    assert _rows(person_entry, auth).status_code == 403
    assert AccessLog.objects.count() == 2
    assert _rows(person_entry, "Bearer nobody:nothing").status_code == 401  # nobody to name: not logged
    assert AccessLog.objects.count() == 2


def test_only_the_system_issues_a_credential_for_somebody_else(hub, person_entry):
    grant = approve(hub, person_entry, fields=["full_name"])
    with pytest.raises(PermissionDenied):
        sharing_services.credential_issue(actor=hub.steward, grant=grant, holder=hub.consumer_user)
    credential, _secret = sharing_services.credential_issue(
        actor=SYSTEM, grant=grant, holder=hub.consumer_user
    )
    assert credential.created_by == hub.consumer_user


def test_the_log_names_the_person_and_shows_labels(hub, person_entry):
    hub.consumer_user.full_name = "周数据"
    hub.consumer_user.save()
    auth = _credential(hub, person_entry)
    ok = _rows(person_entry, auth, "?household_size__gte=2&sort=-household_size")
    assert ok.status_code == 200
    for url in (f"{WB}/catalog/{person_entry.pk}/access-log/", f"{WB}/access-log/"):
        html = _page(hub.steward, url)
        table = html[html.index('id="access-log"') :]
        assert "周数据" in table
        assert "姓名、家庭人口" in table
        assert "家庭人口 ≥ 2" in table
        assert "按家庭人口倒序排序" in table
        assert "返回 4 行" in table
        for column in COLUMNS:
            assert column not in table


def test_quality_and_sharing_pages_show_no_column_names(hub, person_entry):
    from shuzheng.datahub import quality

    assert set(quality.TYPE_LABELS) == set(quality.TYPE_PATTERNS)
    item = person_entry.items.get(name="id_number")
    quality.rule_create(
        actor=hub.steward, entry=person_entry, kind="type", item=item, params={"type": "id_number"}
    )
    html = _page(hub.steward, f"{WB}/catalog/{person_entry.pk}/quality/")
    assert "类型：公民身份号码" in html
    request = sharing_services.sharing_request_create(
        actor=hub.consumer_user,
        entry=person_entry,
        requester_department=hub.consumer,
        purpose="低保资格核查",
        legal_basis="《社会救助暂行办法》",
        fields=["id_number", "full_name"],
        period_start=timezone.localdate(),
        period_end=timezone.localdate() + timedelta(days=30),
    )
    shown = html + _page(hub.steward, f"{WB}/sharing/{request.pk}/")
    text = re.sub(r"<[^>]+>", " ", shown)
    for column in COLUMNS:
        assert column not in text
