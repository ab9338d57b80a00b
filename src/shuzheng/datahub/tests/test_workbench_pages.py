"""The data-hub workbench pages: catalog (browse, search, create/edit with review, Excel import/export,
mount statistics), mounting and row uploads, sharing (request, approve fewer fields, refuse, timeouts,
grants and credentials, indicator 13), access logs (per entry, per provider, per person) and quality.

Each page: permissions and data scope (another department's entry, request, grant or log is a 404 and
changes nothing), bad input (Chinese form errors, nothing changes) and the audit events written."""

from __future__ import annotations

import io
import re
from datetime import datetime, timedelta
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from openpyxl import load_workbook

from shuzheng.datahub import access, quality, tables
from shuzheng.datahub.constants import STEWARD_PERMISSIONS
from shuzheng.datahub.models import (
    AccessLog,
    ApiCredential,
    CatalogEntry,
    EntryStatus,
    Grant,
    QualityRule,
    QualityRun,
    RowChange,
    SharingRequest,
    SharingType,
)
from shuzheng.datahub.services import catalog as catalog_services
from shuzheng.datahub.services import rows as row_services
from shuzheng.datahub.services import sharing as sharing_services
from shuzheng.datahub.tests.conftest import PERSON_ITEMS, Hub, approve, make_entry, people
from shuzheng.identity.models import AuditEvent, DataScopeKind, User
from shuzheng.identity.tests.conftest import grant as grant_role
from shuzheng.identity.tests.factories import UserFactory
from shuzheng.orgs.tests.factories import DepartmentFactory

pytestmark = pytest.mark.django_db

WB = "/workbench/datahub"
HEADER = "公民身份号码,姓名,手机号码,住址,出生日期,月收入,家庭人口"


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def text(response: Any) -> str:
    return response.content.decode()


def audits(action: str) -> int:
    return AuditEvent.objects.filter(action=action).count()


@pytest.fixture
def other_steward(hub: Hub) -> Any:
    """A data steward of a third department: may manage its own entries only."""
    department = DepartmentFactory.create(code="TX01", name="测试自然资源局", division=hub.city)
    user: Any = UserFactory.create(username="other_steward", department=department)
    grant_role(user, list(STEWARD_PERMISSIONS), DataScopeKind.DEPARTMENT)
    return user


def _csv(rows: list[str], header: str = HEADER) -> str:
    return "\n".join([header, *rows]) + "\n"


def _good_rows() -> list[str]:
    return [
        f"{p['id_number']},{p['full_name']},{p['mobile']},{p['address']},{p['birth_date']},{p['income']},"
        f"{p['household_size']}"
        for p in people()
    ]


def _entry_post(department_id: int, **changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "department": department_id,
        "name": "不动产登记信息",
        "classification": "department",
        "class_code": "B0102",
        "abstract": "不动产权属登记",
        "format": "table",
        "sharing_type": "conditional",
        "sharing_conditions": "用于法定职责",
        "sharing_method": "接口",
        "openness": "closed",
        "open_conditions": "",
        "update_cycle": "monthly",
        "grade": "important",
        "items-TOTAL_FORMS": "3",
        "items-INITIAL_FORMS": "0",
        "items-MIN_NUM_FORMS": "0",
        "items-MAX_NUM_FORMS": "1000",
        "items-0-name": "cert_no",
        "items-0-label": "不动产权证号",
        "items-0-data_type": "string",
        "items-0-sensitivity": "L2",
        "items-0-masking": "none",
        "items-0-required": "on",
        "items-1-name": "owner_name",
        "items-1-label": "权利人",
        "items-1-data_type": "string",
        "items-1-is_personal": "on",
        "items-1-sensitivity": "L3",
        "items-1-masking": "name",
        "items-2-name": "",
        "items-2-label": "",
        "items-2-data_type": "string",
        "items-2-sensitivity": "L1",
        "items-2-masking": "none",
    }
    data.update(changes)
    return data


# --- access and navigation -------------------------------------------------------------------------------


def test_nav_lists_the_data_hub_pages_by_permission(hub: Hub) -> None:
    html = text(client_for(hub.steward).get("/workbench/"))
    for label in ("数据资源目录", "数据共享", "数据访问日志"):
        assert label in html
    consumer_html = text(client_for(hub.consumer_user).get("/workbench/"))
    assert "数据资源目录" in consumer_html
    assert "数据访问日志" not in consumer_html  # consumers hold no view_accesslog


def test_pages_need_a_staff_login(hub: Hub) -> None:
    assert client_for(hub.steward).get(f"{WB}/")["Location"] == f"{WB}/catalog/"
    response = Client().get(f"{WB}/catalog/")
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]
    citizen = UserFactory.create(username="citizen1", kind=User.Kind.CITIZEN, department=None)
    response = client_for(citizen).get(f"{WB}/catalog/")
    assert response.status_code == 403
    assert "工作台仅供政务工作人员使用" in text(response)


def test_list_pages_do_not_query_per_row(hub: Hub) -> None:
    """Catalog, sharing, grants and access-log lists cost the same number of queries for 1 or 4 rows."""

    def counts() -> list[int]:
        client = client_for(hub.steward)
        urls = [f"{WB}/catalog/", f"{WB}/sharing/", f"{WB}/grants/", f"{WB}/access-log/"]
        result = []
        for url in urls:
            with CaptureQueriesContext(connection) as queries:
                assert client.get(url).status_code == 200
            result.append(len(queries))
        return result

    def add(n: int) -> None:
        entry = make_entry(hub, name=f"资源{n}", rows=people()[:1])
        grant = approve(hub, entry, fields=["id_number", "full_name"])
        credential, secret = sharing_services.credential_issue(actor=hub.consumer_user, grant=grant)
        access.data_service_query(
            authorization=f"Bearer {credential.client_id}:{secret}", entry_code=entry.code, params={}
        )

    add(0)
    first = counts()
    for n in range(1, 4):
        add(n)
    assert counts() == first


# --- catalog ---------------------------------------------------------------------------------------------


def test_catalog_browse_search_tree_and_departments(hub: Hub, other_steward: Any) -> None:
    make_entry(hub, name="户籍人口信息", class_code="A0101", mount=False)
    make_entry(hub, name="机动车登记信息", class_code="B0201", mount=False)
    draft = catalog_services.entry_create(
        actor=other_steward,
        department=other_steward.department,
        metadata=catalog_services.EntryMetadata(
            name="土地利用现状草稿", class_code="C01", sharing_type=SharingType.UNCONDITIONAL
        ),
        items=[{"name": "parcel", "label": "地块编号"}],
    )
    client = client_for(hub.steward)
    html = text(client.get(f"{WB}/catalog/"))
    assert "户籍人口信息" in html
    assert "机动车登记信息" in html
    assert draft.name not in html  # another department's draft is out of scope
    assert "未命名类目 A" in html
    assert "未命名类目 B02" in html
    assert "测试公安局" in html
    # Chinese full-text search
    html = text(client.get(f"{WB}/catalog/", {"q": "机动车"}))
    assert "机动车登记信息" in html
    assert "户籍人口信息" not in html
    # the class tree filters by prefix
    html = text(client.get(f"{WB}/catalog/", {"class_code": "A01"}))
    assert "户籍人口信息" in html
    assert "机动车登记信息" not in html
    # the department filter
    html = text(client.get(f"{WB}/catalog/", {"department": hub.provider.code}))
    assert "户籍人口信息" in html
    # a bad filter is a Chinese error, not a 500
    response = client.get(f"{WB}/catalog/", {"class_code": "1x", "status": "nope"})
    assert response.status_code == 400
    assert "类目编码格式不正确" in text(response)
    assert "状态取值无效" in text(response)
    for url in (f"{WB}/catalog/", f"{WB}/sharing/", f"{WB}/grants/", f"{WB}/access-log/"):
        response = client.get(url, {"cursor": "not-a-cursor"})
        assert response.status_code == 400, url
        assert "分页游标无效" in text(response)
    assert client.get(f"{WB}/catalog/999999/").status_code == 404
    assert client.get(f"{WB}/sharing/999999/").status_code == 404
    assert client.get(f"{WB}/grants/999999/").status_code == 404


def test_another_departments_draft_is_a_404(hub: Hub, other_steward: Any) -> None:
    draft = catalog_services.entry_create(
        actor=other_steward,
        department=other_steward.department,
        metadata=catalog_services.EntryMetadata(
            name="土地利用现状", class_code="C01", sharing_type=SharingType.UNCONDITIONAL
        ),
        items=[{"name": "parcel", "label": "地块编号"}],
    )
    client = client_for(hub.steward)
    for url in (
        f"{WB}/catalog/{draft.pk}/",
        f"{WB}/catalog/{draft.pk}/edit/",
        f"{WB}/catalog/{draft.pk}/mount/",
    ):
        response = client.get(url)
        assert response.status_code == 404
        assert "不在您的数据范围内" in text(response)


def test_create_entry_with_items_and_audit(hub: Hub) -> None:
    client = client_for(hub.steward)
    assert "新建资源" in text(client.get(f"{WB}/catalog/"))
    form = text(client.get(f"{WB}/catalog/new/"))
    assert '<option value="closed" selected>' in form  # a new entry starts closed, conditional, general
    assert '<option value="general" selected>' in form
    assert f'<option value="{hub.provider.pk}" selected>' in form
    response = client.post(f"{WB}/catalog/new/", _entry_post(hub.provider.pk))
    assert response.status_code == 302
    entry = CatalogEntry.objects.get(name="不动产登记信息")
    assert entry.status == EntryStatus.DRAFT
    assert entry.department == hub.provider
    assert [i.name for i in entry.items.all()] == ["cert_no", "owner_name"]
    assert entry.items.get(name="owner_name").is_personal
    assert audits("datahub.entry.create") == 1
    html = text(client.get(response["Location"]))
    assert "不动产权证号" in html
    assert "L3 敏感" in html
    assert "提交审核" in html


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"class_code": "b12x"}, "类目编码格式不正确"),
        ({"name": ""}, "请填写资源名称"),
        ({"sharing_conditions": ""}, "有条件共享的资源须填写共享条件"),
        ({"grade": "core", "openness": "open"}, "核心数据不得开放"),
        ({"items-1-sensitivity": "L1"}, "个人信息的敏感级别不能为 L1 公开"),
        ({"items-1-name": "cert_no"}, "重复"),
        ({"items-0-name": "Bad Name"}, "格式不正确"),
        (
            {"items-0-name": "", "items-0-label": "", "items-1-name": "", "items-1-label": ""},
            "至少需要一个信息项",
        ),
        ({"grade": "secret"}, "数据分级取值无效"),
    ],
)
def test_create_entry_bad_input_changes_nothing(hub: Hub, changes: dict[str, Any], message: str) -> None:
    response = client_for(hub.steward).post(f"{WB}/catalog/new/", _entry_post(hub.provider.pk, **changes))
    assert response.status_code == 422
    assert message in text(response)
    assert not CatalogEntry.objects.exists()
    assert audits("datahub.entry.create") == 0


def test_create_for_another_department_is_refused(hub: Hub, other_steward: Any) -> None:
    response = client_for(hub.steward).post(f"{WB}/catalog/new/", _entry_post(other_steward.department_id))
    assert response.status_code == 422
    assert "提供部门不在您的数据范围内" in text(response)
    assert not CatalogEntry.objects.exists()
    # a consumer may not catalogue at all
    assert client_for(hub.consumer_user).get(f"{WB}/catalog/new/").status_code == 403


def test_edit_review_and_publish(hub: Hub, other_steward: Any) -> None:
    entry = make_entry(hub, publish=False, mount=False)
    steward = client_for(hub.steward)
    page = text(steward.get(f"{WB}/catalog/{entry.pk}/edit/"))
    assert 'value="id_number"' in page
    data = _entry_post(hub.provider.pk, name="户籍人口信息（修订）")
    data.pop("department")
    response = steward.post(f"{WB}/catalog/{entry.pk}/edit/", data)
    assert response.status_code == 302
    entry.refresh_from_db()
    assert entry.name == "户籍人口信息（修订）"
    assert audits("datahub.entry.update") == 1
    # another department's steward cannot edit or submit it (404, nothing changes)
    other = client_for(other_steward)
    assert other.post(f"{WB}/catalog/{entry.pk}/edit/", data).status_code == 404
    assert other.post(f"{WB}/catalog/{entry.pk}/transition/submit/").status_code == 404
    # submit, then the editor cannot approve their own entry
    assert steward.post(f"{WB}/catalog/{entry.pk}/transition/submit/").status_code == 302
    entry.refresh_from_db()
    assert entry.status == EntryStatus.IN_REVIEW
    response = steward.post(f"{WB}/catalog/{entry.pk}/transition/approve/")
    assert response.status_code == 404  # stewards hold no review permission
    # the reviewer must give a reason to reject
    reviewer = client_for(hub.reviewer)
    response = reviewer.post(f"{WB}/catalog/{entry.pk}/transition/reject/", {"comment": ""}, follow=True)
    assert "退回修改须填写审核意见" in text(response)
    entry.refresh_from_db()
    assert entry.status == EntryStatus.IN_REVIEW
    response = reviewer.post(f"{WB}/catalog/{entry.pk}/transition/approve/", {"comment": "同意"}, follow=True)
    assert "已审核通过" in text(response)
    entry.refresh_from_db()
    assert entry.status == EntryStatus.PUBLISHED
    assert audits("datahub.entry.approve") == 1
    # published entries are not edited in place
    response = steward.get(f"{WB}/catalog/{entry.pk}/edit/")
    assert response.status_code == 409
    assert "撤回修订" in text(response)
    assert steward.post(f"{WB}/catalog/{entry.pk}/transition/nonsense/").status_code == 404


def test_export_and_import_excel(hub: Hub) -> None:
    make_entry(hub, name="户籍人口信息", mount=False)
    client = client_for(hub.steward)
    response = client.get(f"{WB}/catalog/export.xlsx")
    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(response.content))
    assert workbook["数据目录"].max_row == 2
    # rename the entry and break one item row: nothing is imported, the bad row is reported
    sheet = workbook["数据目录"]
    header = [c.value for c in sheet[1]]
    sheet.cell(row=2, column=header.index("资源名称") + 1, value="新的人口信息")
    items = workbook["信息项"]
    item_header = [c.value for c in items[1]]
    for row in range(2, items.max_row + 1):
        items.cell(row=row, column=item_header.index("资源名称") + 1, value="新的人口信息")
    items.cell(row=3, column=item_header.index("字段名") + 1, value="Bad Name")
    buffer = io.BytesIO()
    workbook.save(buffer)
    upload = io.BytesIO(buffer.getvalue())
    upload.name = "catalog.xlsx"
    response = client.post(f"{WB}/catalog/import/", {"file": upload})
    assert response.status_code == 422
    html = text(response)
    assert "导入失败，未写入任何数据" in html
    assert 'id="row-errors"' in html
    assert "第2行" in html
    assert CatalogEntry.objects.count() == 1
    # fixed, it imports as a new draft
    items.cell(row=3, column=item_header.index("字段名") + 1, value="full_name")
    buffer = io.BytesIO()
    workbook.save(buffer)
    upload = io.BytesIO(buffer.getvalue())
    upload.name = "catalog.xlsx"
    response = client.post(f"{WB}/catalog/import/", {"file": upload})
    assert response.status_code == 200
    assert "新建 1 条" in text(response)
    assert CatalogEntry.objects.get(name="新的人口信息").status == EntryStatus.DRAFT
    # not an xlsx
    bad = io.BytesIO(b"not a workbook")
    bad.name = "catalog.csv"
    response = client.post(f"{WB}/catalog/import/", {"file": bad})
    assert response.status_code == 422
    assert "只支持 .xlsx" in text(response)
    # consumers cannot import
    assert client_for(hub.consumer_user).get(f"{WB}/catalog/import/").status_code == 403


def test_stats_page_counts_mounted_resources_and_rows(hub: Hub) -> None:
    make_entry(hub, rows=people())
    make_entry(hub, name="未挂接资源", mount=False)
    html = text(client_for(hub.consumer_user).get(f"{WB}/catalog/stats/"))
    assert "测试公安局" in html
    assert re.search(r"<td>2</td><td>2</td><td>1</td><td>1</td><td>0</td><td>0</td><td>5</td>", html)


# --- mounting --------------------------------------------------------------------------------------------


def _upload(client: Client, entry: CatalogEntry, content: bytes, name: str = "rows.csv", **extra: Any) -> Any:
    file = io.BytesIO(content)
    file.name = name
    return client.post(f"{WB}/catalog/{entry.pk}/upload/", {"file": file, **extra})


def test_mount_table_and_upload_utf8_and_gb18030(hub: Hub) -> None:
    entry = make_entry(hub, mount=False)
    client = client_for(hub.steward)
    assert "建表挂接" in text(client.get(f"{WB}/catalog/{entry.pk}/mount/"))
    assert client.post(f"{WB}/catalog/{entry.pk}/mount/table/").status_code == 302
    entry.refresh_from_db()
    assert entry.is_mounted_table
    assert audits("datahub.entry.mount") == 1
    response = _upload(client, entry, _csv(_good_rows()).encode("utf-8"))
    assert response.status_code == 302
    entry.refresh_from_db()
    assert entry.row_count == 5
    response = _upload(client, entry, _csv(_good_rows()).encode("gb18030"), replace="on")
    assert response.status_code == 302
    html = text(client.get(response["Location"]))
    assert "已写入 5 行（先删除 5 行），现有 5 行" in html
    entry.refresh_from_db()
    assert entry.row_count == 5
    assert audits("datahub.rows.load") == 2
    assert RowChange.objects.filter(entry=entry, action="insert").count() == 10


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (_csv(["1,2"], header="编号,名称").encode(), "rows.csv", "不是本资源的信息项"),
        (b"\xff\xfe\x00\x00garbage\x81\x00", "rows.csv", "无法识别文件编码"),
        (b"a,b\n", "rows.txt", "只支持 .csv 和 .xlsx 文件"),
        (b"not really", "rows.xlsx", "不是有效的 Excel"),
        (b"", "rows.csv", "文件为空"),
    ],
)
def test_bad_uploads_give_chinese_errors_and_change_nothing(
    hub: Hub, content: bytes, name: str, message: str
) -> None:
    entry = make_entry(hub, rows=people()[:2])
    response = _upload(client_for(hub.steward), entry, content, name)
    assert response.status_code == 422
    assert message in text(response)
    entry.refresh_from_db()
    assert entry.row_count == 2
    assert tables.build_model(entry).objects.count() == 2
    assert audits("datahub.rows.load") == 1  # the fixture's load only


def test_row_errors_are_reported_row_by_row(hub: Hub) -> None:
    entry = make_entry(hub)
    rows = _good_rows()
    rows[1] = rows[1].replace(people()[1]["birth_date"], "1990-13-45")
    rows[3] = ",无证件,13800000000,地址,1990-01-01,1,1"
    response = _upload(client_for(hub.steward), entry, _csv(rows).encode())
    assert response.status_code == 422
    html = text(response)
    assert 'id="row-errors"' in html
    assert "第3行" in html  # header is row 1
    assert "出生日期" in html
    assert "第5行" in html
    assert "必填项不能为空" in html
    assert tables.build_model(entry).objects.count() == 0


def test_oversize_upload_is_refused_before_anything_happens(hub: Hub, settings: Any) -> None:
    settings.SHUZHENG_MAX_UPLOAD_BYTES = 10_000  # the upload page takes files up to this (+ envelope)
    entry = make_entry(hub)
    big = _csv(_good_rows() * 200).encode()
    response = _upload(client_for(hub.steward), entry, big)
    assert response.status_code == 413
    assert "请求内容过大" in text(response)
    assert tables.build_model(entry).objects.count() == 0


def test_mount_pages_of_another_department_are_404(hub: Hub, other_steward: Any) -> None:
    entry = make_entry(hub, mount=False)
    client = client_for(other_steward)
    assert client.get(f"{WB}/catalog/{entry.pk}/mount/").status_code == 404
    assert client.post(f"{WB}/catalog/{entry.pk}/mount/table/").status_code == 404
    entry.refresh_from_db()
    assert not entry.mount_kind


def test_mount_api_needs_a_url_and_a_description(hub: Hub) -> None:
    entry = make_entry(hub, mount=False)
    client = client_for(hub.steward)
    response = client.post(f"{WB}/catalog/{entry.pk}/mount/api/", {"url": "ftp://x", "description": ""})
    assert response.status_code == 422
    assert "请填写接口说明" in text(response)
    response = client.post(f"{WB}/catalog/{entry.pk}/mount/api/", {"url": "ftp://x", "description": "说明"})
    assert response.status_code == 422
    assert "接口地址应为 http(s):// 开头的网址" in text(response)
    entry.refresh_from_db()
    assert not entry.mount_kind
    response = client.post(
        f"{WB}/catalog/{entry.pk}/mount/api/",
        {"url": "https://api.example.gov.cn/x", "description": "GET ?id="},
    )
    assert response.status_code == 302
    entry.refresh_from_db()
    assert entry.mount_kind == "api"


# --- sharing ---------------------------------------------------------------------------------------------


def _request_post(**changes: Any) -> dict[str, Any]:
    today = timezone.localdate()
    data: dict[str, Any] = {
        "purpose": "低保资格核查",
        "legal_basis": "《社会救助暂行办法》第十一条",
        "wanted": ["id_number", "full_name", "mobile"],
        "period_start": today.isoformat(),
        "period_end": (today + timedelta(days=180)).isoformat(),
    }
    data.update(changes)
    return data


def test_request_approve_fewer_fields_and_issue_a_credential(hub: Hub, person_entry: CatalogEntry) -> None:
    consumer = client_for(hub.consumer_user)
    assert "申请共享" in text(consumer.get(f"{WB}/catalog/{person_entry.pk}/"))
    response = consumer.post(f"{WB}/catalog/{person_entry.pk}/request/", _request_post())
    assert response.status_code == 302
    request = SharingRequest.objects.get()
    assert request.requester_department == hub.consumer
    assert request.status == SharingRequest.Status.PENDING
    assert audits("datahub.sharing.request") == 1
    # the provider's inbox
    steward = client_for(hub.steward)
    inbox = text(steward.get(f"{WB}/sharing/", {"role": "received"}))
    assert f"#{request.pk}" in inbox
    assert "待我审批" in inbox
    page = text(steward.get(f"{WB}/sharing/{request.pk}/"))
    assert "同意的字段" in page
    # the requester cannot decide its own request
    assert consumer.post(f"{WB}/sharing/{request.pk}/approve/", {"granted": ["id_number"]}).status_code == 404
    # approving a field that was not asked for is refused
    response = steward.post(f"{WB}/sharing/{request.pk}/approve/", {"granted": ["income"]})
    assert response.status_code == 422
    assert "不能同意未申请的字段" in text(response)
    assert not Grant.objects.exists()
    response = steward.post(f"{WB}/sharing/{request.pk}/approve/", {"granted": []})
    assert response.status_code == 422
    assert "至少同意一个字段" in text(response)
    # fewer fields
    response = steward.post(f"{WB}/sharing/{request.pk}/approve/", {"granted": ["id_number", "full_name"]})
    assert response.status_code == 302
    grant = Grant.objects.get()
    assert grant.fields == ["id_number", "full_name"]
    assert audits("datahub.sharing.approve") == 1
    # the requester issues a credential: the secret is shown once, stored hashed
    response = consumer.post(
        f"{WB}/grants/{grant.pk}/credentials/", {"label": "低保系统", "rate_limit_per_minute": 30}
    )
    assert response.status_code == 302
    response = consumer.get(response["Location"])
    assert response["Cache-Control"] == "no-store"
    html = text(response)
    secret = re.search(r'id="client-secret">([^<]+)<', html).group(1)  # type: ignore[union-attr]
    credential = ApiCredential.objects.get()
    assert credential.secret_hash == access.hash_secret(secret)
    assert secret not in text(consumer.get(f"{WB}/grants/{grant.pk}/"))
    assert audits("datahub.credential.issue") == 1
    # bad rate limit: Chinese error, nothing issued
    response = consumer.post(f"{WB}/grants/{grant.pk}/credentials/", {"rate_limit_per_minute": 0})
    assert response.status_code == 422
    assert "每分钟调用上限应在 1 到 100000 之间" in text(response)
    assert ApiCredential.objects.count() == 1
    # the provider does not issue credentials for the consumer's grant
    assert (
        steward.post(f"{WB}/grants/{grant.pk}/credentials/", {"rate_limit_per_minute": 5}).status_code == 404
    )
    # revoke the credential
    response = consumer.post(f"{WB}/credentials/{credential.pk}/revoke/")
    assert response.status_code == 302
    credential.refresh_from_db()
    assert credential.revoked_at is not None
    assert audits("datahub.credential.revoke") == 1


def test_request_bad_input_changes_nothing(hub: Hub, person_entry: CatalogEntry) -> None:
    consumer = client_for(hub.consumer_user)
    url = f"{WB}/catalog/{person_entry.pk}/request/"
    yesterday = (timezone.localdate() - timedelta(days=1)).isoformat()
    cases = [
        (_request_post(wanted=[]), "请选择申请的字段"),
        (_request_post(wanted=["nope"]), "不是该资源的信息项"),
        (_request_post(purpose=""), "请填写用途"),
        (_request_post(period_start=yesterday, period_end=yesterday), "使用截止日期已过"),
        (_request_post(period_end="2026-02-30"), "使用截止日期格式应为 YYYY-MM-DD"),
    ]
    for data, message in cases:
        response = consumer.post(url, data)
        assert response.status_code == 422, message
        assert message in text(response)
    assert not SharingRequest.objects.exists()
    # one's own department's entry cannot be requested
    response = client_for(hub.steward).post(url, _request_post())
    assert response.status_code in (403, 409)
    assert not SharingRequest.objects.exists()


def test_refuse_needs_a_reason_and_other_departments_see_nothing(
    hub: Hub, person_entry: CatalogEntry, other_steward: Any
) -> None:
    consumer = client_for(hub.consumer_user)
    consumer.post(f"{WB}/catalog/{person_entry.pk}/request/", _request_post())
    request = SharingRequest.objects.get()
    # a third department sees neither the request nor the grant list entry
    other = client_for(other_steward)
    assert other.get(f"{WB}/sharing/{request.pk}/").status_code == 404
    assert other.post(f"{WB}/sharing/{request.pk}/refuse/", {"reason": "不同意"}).status_code == 404
    assert f"#{request.pk}" not in text(other.get(f"{WB}/sharing/"))
    steward = client_for(hub.steward)
    response = steward.post(f"{WB}/sharing/{request.pk}/refuse/", {"reason": "  "})
    assert response.status_code == 422
    assert "拒绝须说明理由" in text(response)
    request.refresh_from_db()
    assert request.status == SharingRequest.Status.PENDING
    response = steward.post(f"{WB}/sharing/{request.pk}/refuse/", {"reason": "超出法定职责范围"}, follow=True)
    assert "已拒绝该申请" in text(response)
    request.refresh_from_db()
    assert request.status == SharingRequest.Status.REFUSED
    assert audits("datahub.sharing.refuse") == 1
    # deciding twice is refused
    response = steward.post(f"{WB}/sharing/{request.pk}/approve/", {"granted": ["id_number"]})
    assert response.status_code == 409
    assert "不能重复审批" in text(response)
    assert not Grant.objects.exists()


def test_timeouts_are_flagged_and_indicator_13_is_shown(hub: Hub, person_entry: CatalogEntry) -> None:
    today = timezone.localdate()
    old = timezone.make_aware(datetime.combine(today - timedelta(days=30), datetime.min.time()))
    sharing_services.sharing_request_create(
        actor=hub.consumer_user,
        entry=person_entry,
        requester_department=hub.consumer,
        purpose="核查",
        legal_basis="职责",
        fields=["id_number"],
        period_start=today,
        period_end=today + timedelta(days=30),
        submitted_at=old,
    )
    approve(hub, person_entry, fields=["full_name"])
    html = text(client_for(hub.steward).get(f"{WB}/sharing/"))
    assert "已超时" in html
    assert re.search(r'id="indicator-13">50%<', html)
    assert "满足 1 / 全部 2" in html
    timed_out = text(client_for(hub.steward).get(f"{WB}/sharing/", {"timed_out": "1"}))
    assert timed_out.count("已超时</span>") == 1
    response = client_for(hub.steward).get(f"{WB}/sharing/", {"status": "bogus"})
    assert response.status_code == 400


def test_unconditional_entry_is_granted_at_once(hub: Hub) -> None:
    entry = make_entry(hub, name="公开的机构名录", sharing_type=SharingType.UNCONDITIONAL)
    response = client_for(hub.consumer_user).post(
        f"{WB}/catalog/{entry.pk}/request/", _request_post(wanted=["full_name"]), follow=True
    )
    assert "已自动授权" in text(response)
    assert Grant.objects.get().fields == ["full_name"]


def test_grant_revoke_by_the_provider_only(hub: Hub, person_entry: CatalogEntry, other_steward: Any) -> None:
    grant = approve(hub, person_entry, fields=["id_number"])
    sharing_services.credential_issue(actor=hub.consumer_user, grant=grant)
    assert client_for(other_steward).get(f"{WB}/grants/{grant.pk}/").status_code == 404
    assert client_for(hub.consumer_user).post(f"{WB}/grants/{grant.pk}/revoke/").status_code == 404
    grant.refresh_from_db()
    assert grant.revoked_at is None
    response = client_for(hub.steward).post(f"{WB}/grants/{grant.pk}/revoke/")
    assert response.status_code == 302
    grant.refresh_from_db()
    assert grant.revoked_at is not None
    assert not ApiCredential.objects.filter(revoked_at__isnull=True).exists()
    assert audits("datahub.grant.revoke") == 1


# --- access logs -----------------------------------------------------------------------------------------


def _read_through_the_api(hub: Hub, entry: CatalogEntry) -> str:
    grant = approve(hub, entry, fields=["id_number", "full_name"])
    credential, secret = sharing_services.credential_issue(actor=hub.consumer_user, grant=grant)
    access.data_service_query(
        authorization=f"Bearer {credential.client_id}:{secret}", entry_code=entry.code, params={}
    )
    return credential.client_id


def test_entry_access_log_for_the_provider_only(
    hub: Hub, person_entry: CatalogEntry, other_steward: Any
) -> None:
    client_id = _read_through_the_api(hub, person_entry)
    html = text(client_for(hub.steward).get(f"{WB}/catalog/{person_entry.pk}/access-log/"))
    assert "谁访问了这份数据" in html
    assert "测试民政局" in html
    assert client_id in html
    assert "低保资格核查" in html
    assert "返回 5 行" in html
    provider_html = text(client_for(hub.steward).get(f"{WB}/access-log/"))
    assert client_id in provider_html
    # the consumer and other departments see no log (404), the consumer no nav entry either
    assert client_for(hub.consumer_user).get(f"{WB}/catalog/{person_entry.pk}/access-log/").status_code == 404
    assert client_for(other_steward).get(f"{WB}/catalog/{person_entry.pk}/access-log/").status_code == 404
    assert client_id not in text(client_for(other_steward).get(f"{WB}/access-log/"))
    assert client_for(hub.consumer_user).get(f"{WB}/access-log/").status_code == 403


def test_person_view_validates_the_id_number(hub: Hub, person_entry: CatalogEntry) -> None:
    _read_through_the_api(hub, person_entry)
    admin = client_for(hub.admin)
    number = people()[0]["id_number"]
    response = admin.post(f"{WB}/access-log/person/", {"id_number": number})
    assert response.status_code == 200
    html = text(response)
    assert "测试民政局" in html
    assert person_entry.name in html
    table = html[html.index('id="access-log"') :]
    assert number not in table  # the result table never shows the clear number
    bad = number[:-1] + ("0" if number[-1] != "0" else "1")
    response = admin.post(f"{WB}/access-log/person/", {"id_number": bad})
    assert response.status_code == 422
    assert "校验码" in text(response) or "身份证" in text(response)
    assert 'id="access-log"' not in text(response)
    response = admin.post(f"{WB}/access-log/person/", {"id_number": ""})
    assert response.status_code == 422
    assert "请输入公民身份号码" in text(response)
    # department-scoped stewards may not look people up
    assert client_for(hub.steward).get(f"{WB}/access-log/person/").status_code == 403
    assert AccessLog.objects.count() == 1  # lookups read, they do not log data access


# --- quality ---------------------------------------------------------------------------------------------


def test_quality_rules_run_history_and_masked_samples(
    hub: Hub, person_entry: CatalogEntry, other_steward: Any
) -> None:
    row_services.rows_insert(
        actor=hub.steward,
        entry=person_entry,
        rows=[{"id_number": "440785199001011234", "full_name": "赵六", "mobile": "123", "address": "某地"}],
    )
    steward = client_for(hub.steward)
    page = text(steward.get(f"{WB}/catalog/{person_entry.pk}/quality/"))
    assert "新增规则" in page
    assert "立即检测" in page  # the steward who keeps the rules may run them
    url = f"{WB}/catalog/{person_entry.pk}/quality/rules/"
    response = steward.post(url, {"kind": "pattern", "item": "mobile", "pattern": "(?=x)"})
    assert response.status_code == 422
    assert "正则表达式不能使用" in text(response)
    response = steward.post(url, {"kind": "range", "item": "household_size", "min": "abc"})
    assert response.status_code == 422
    assert "不是整数" in text(response)
    response = steward.post(url, {"kind": "not_null", "item": ""})
    assert response.status_code == 422
    assert "该类规则需要指定信息项" in text(response)
    assert not QualityRule.objects.exists()
    assert steward.post(url, {"kind": "type", "item": "mobile", "type": "mobile"}).status_code == 302
    assert steward.post(url, {"kind": "not_null", "item": "birth_date"}).status_code == 302
    assert audits("datahub.quality.rule") == 2
    # another department's steward: 404, no rule
    assert client_for(other_steward).get(f"{WB}/catalog/{person_entry.pk}/quality/").status_code == 404
    assert client_for(other_steward).post(url, {"kind": "not_null", "item": "mobile"}).status_code == 404
    assert QualityRule.objects.count() == 2
    # the data administration runs it now
    admin = client_for(hub.admin)
    response = admin.post(f"{WB}/catalog/{person_entry.pk}/quality/run/", follow=True)
    assert "质量检测完成" in text(response)
    assert QualityRun.objects.count() == 1
    assert audits("datahub.quality.run") == 1
    html = text(admin.get(f"{WB}/catalog/{person_entry.pk}/quality/"))
    assert 'id="dimension-scores"' in html
    assert "规范性" in html
    assert "完整性" in html
    assert 'id="quality-history"' in html
    assert "不合格行样例" in html
    assert "赵*" in html  # the sampled row, masked
    assert "赵六" not in html
    # the entry page shows the latest score
    assert 'id="quality-score"' in text(steward.get(f"{WB}/catalog/{person_entry.pk}/"))
    # the steward runs their own entry's rules; another department's steward cannot see the entry
    assert steward.post(f"{WB}/catalog/{person_entry.pk}/quality/run/").status_code == 302
    assert QualityRun.objects.count() == 2
    assert client_for(other_steward).post(f"{WB}/catalog/{person_entry.pk}/quality/run/").status_code == 404
    assert QualityRun.objects.count() == 2


def test_quality_needs_rules_before_running(hub: Hub, person_entry: CatalogEntry) -> None:
    response = client_for(hub.admin).post(f"{WB}/catalog/{person_entry.pk}/quality/run/", follow=True)
    assert "没有启用的质量规则" in text(response)
    assert not QualityRun.objects.exists()


def test_quality_run_uses_the_quality_module(hub: Hub, person_entry: CatalogEntry) -> None:
    """The page's scores are the quality module's: one rule failing for every row scores that dimension 0."""
    item = person_entry.items.get(name="mobile")
    quality.rule_create(
        actor=hub.steward, entry=person_entry, kind="enum", item=item, params={"values": ["x"]}
    )
    client_for(hub.admin).post(f"{WB}/catalog/{person_entry.pk}/quality/run/")
    html = text(client_for(hub.steward).get(f"{WB}/catalog/{person_entry.pk}/quality/"))
    assert re.search(r'id="latest-score">0(\.0)?<', html)
    assert PERSON_ITEMS[2]["label"] in html


def test_mount_a_file(hub: Hub) -> None:
    entry = make_entry(hub, mount=False)
    client = client_for(hub.steward)
    empty = io.BytesIO(b"")
    empty.name = "说明.pdf"
    response = client.post(f"{WB}/catalog/{entry.pk}/mount/file/", {"file": empty})
    assert response.status_code == 422
    assert "文件为空" in text(response)
    entry.refresh_from_db()
    assert not entry.mount_kind
    upload = io.BytesIO(b"%PDF-1.4 test")
    upload.name = "resource.pdf"
    response = client.post(f"{WB}/catalog/{entry.pk}/mount/file/", {"file": upload})
    assert response.status_code == 302
    entry.refresh_from_db()
    assert entry.mount_kind == "file"
    assert audits("datahub.entry.mount") == 1
    # once a file, it cannot also become a table
    response = client.post(f"{WB}/catalog/{entry.pk}/mount/table/", follow=True)
    assert "该资源已挂接为其他方式" in text(response)
    entry.refresh_from_db()
    assert entry.mount_kind == "file"
