"""The 一件事 pages: browse and search (bundles and items), guide and print, the combined application form
(success and named errors), the applicant's status view with one correction answer, and the workbench
(publish refused per child, publish, retire, new draft, edit with bad JSON)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from shuzheng.bundles import selectors
from shuzheng.bundles.services.applications import bundle_request_corrections
from shuzheng.bundles.tests.conftest import Bench
from shuzheng.cases.tests.conftest import pdf_bytes
from shuzheng.identity.constants import DataScopeKind
from shuzheng.identity.models import User
from shuzheng.identity.tests.conftest import grant, staff

pytestmark = pytest.mark.django_db


def _client(user: User | None = None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def _text(response: Any) -> str:
    return str(response.content.decode())


def test_browse_search_guide_and_print(bench: Bench) -> None:
    page = _client().get("/bundles/")
    assert page.status_code == 200
    assert "个体户开业一件事" in _text(page)
    assert "企业开办" in _text(page)  # the enterprise life-cycle stages are listed
    assert "个体户开业一件事" in _text(_client().get("/bundles/?theme=work"))
    assert "个体户开业一件事" not in _text(_client().get("/bundles/?theme=birth"))
    search = _text(_client().get("/bundles/?q=个体户"))
    assert "个体户开业一件事" in search
    assert _client().get("/bundles/?theme=nope").status_code == 400
    guide = _text(_client().get("/bundles/getihu-kaiye/"))
    assert "需填写 3 项" in guide
    assert "免提交" in guide
    assert "待第1项获批后自动提交" in guide
    assert _client().get("/bundles/getihu-kaiye/print/").status_code == 200
    assert _client().get("/bundles/nope/").status_code == 404


def test_apply_page_files_the_bundle(bench: Bench) -> None:
    client = _client(bench.citizen)
    form = client.get("/bundles/getihu-kaiye/apply/")
    assert form.status_code == 200
    key = form.context["form"].apply["idempotency_key"].value()
    data = {
        "idempotency_key": key,
        "shared-phone": "13707500001",
        "shared-reason": "开办小店",
        "own2-business_scope": "日用百货",
        "material-1": SimpleUploadedFile("场所.pdf", pdf_bytes()),
    }
    response = client.post("/bundles/getihu-kaiye/apply/", data)
    assert response.status_code == 302, _text(response)
    number = response["Location"].rstrip("/").split("/")[-1]
    status = _text(client.get(response["Location"]))
    assert number in status
    assert "等待前序事项结果" in status
    assert number in _text(client.get("/bundles/applications/"))


def test_apply_page_names_bad_fields(bench: Bench) -> None:
    client = _client(bench.citizen)
    response = client.post("/bundles/getihu-kaiye/apply/", {"idempotency_key": "k-1", "shared-phone": "12"})
    assert response.status_code == 422
    text = _text(response)
    assert "缺少必要材料：经营场所证明" in text
    assert selectors.my_applications(user=bench.citizen).items == []
    assert _client().get("/bundles/getihu-kaiye/apply/").status_code == 302  # to the login page


def test_status_view_answers_several_corrections_at_once(bench: Bench) -> None:
    application = bench.apply()
    requests = {
        code: [{"target": "经营场所证明", "reason": "不清晰"}]
        for code in (bench.first.code, bench.second.code)
    }
    bundle_request_corrections(actor=bench.clerk, application=application, requests=requests)
    client = _client(bench.citizen)
    page = _text(client.get(f"/bundles/applications/{application.number}/"))
    assert "需要补正（2个事项" in page
    response = client.post(f"/bundles/applications/{application.number}/correct/", {"note": "已重新上传"})
    assert response.status_code == 302
    assert [v.case_status for v in selectors.children_of(application)][:2] == ["submitted", "submitted"]
    assert _client(bench.clerk).get(f"/bundles/applications/{application.number}/").status_code == 404


def test_workbench_edit_publish_retire(bench: Bench) -> None:
    admin = staff(bench.org.bureau, full_name="一件事管理员")
    grant(
        admin,
        ["bundles.view_bundleversion", "bundles.change_bundleversion", "bundles.publish_bundleversion"],
        DataScopeKind.ALL,
    )
    client = _client(admin)
    assert "个体户开业一件事" in _text(client.get("/workbench/bundles/"))
    live_id = selectors.live_version("getihu-kaiye").pk
    assert client.post(f"/workbench/bundles/versions/{live_id}/draft/").status_code == 302
    page = client.get("/workbench/bundles/getihu-kaiye/")
    draft = page.context["draft"]
    assert draft is not None
    bad = client.post(f"/workbench/bundles/versions/{draft.pk}/edit/", {"members": "[", "name": "x"})
    assert "不是有效的 JSON" in _text(bad)
    edit = client.get(f"/workbench/bundles/versions/{draft.pk}/edit/")
    data = {k: v for k, v in edit.context["form"].initial.items()}
    members = bench.members()
    members[0]["mapping"] = {"copies": "reason"}
    data["members"] = json.dumps(members)
    saved = client.post(f"/workbench/bundles/versions/{draft.pk}/edit/", data)
    assert "没有字段" in _text(saved)  # the item's form has no field "copies": refused on save
    members = bench.members()
    members[1]["own_fields"] = []  # business_scope is required and now nobody fills it
    data["members"] = json.dumps(members)
    assert client.post(f"/workbench/bundles/versions/{draft.pk}/edit/", data).status_code == 302
    problems = _text(client.get("/workbench/bundles/getihu-kaiye/"))
    assert "经营范围" in problems
    published = client.post(f"/workbench/bundles/versions/{draft.pk}/publish/", follow=True)
    assert "必填字段无人填写" in _text(published)
    assert selectors.live_version("getihu-kaiye").pk == live_id
    retired = client.post(f"/workbench/bundles/versions/{live_id}/retire/", follow=True)
    assert "已废止" in _text(retired)
    assert selectors.published_bundle_count() == 0
    assert client.post(f"/workbench/bundles/versions/{live_id}/nope/").status_code == 404


def test_workbench_needs_the_permission(bench: Bench) -> None:
    assert _client(bench.clerk).get("/workbench/bundles/").status_code == 403
    assert _client(bench.citizen).get("/workbench/bundles/").status_code == 403


def test_clerk_finds_the_bundle_and_asks_one_correction(bench: Bench) -> None:
    application = bench.apply()
    client = _client(bench.clerk)
    assert client.get("/workbench/bundles/applications/").status_code == 200
    first = application.children.get(position=1)
    page = client.get("/workbench/bundles/applications/", {"q": first.case_number})
    assert page.status_code == 200
    assert application.number in _text(page)
    empty = client.post(f"/workbench/bundles/applications/?q={application.number}", {})
    assert "请至少为一个事项填写" in _text(empty)
    data = {
        f"items_{bench.first.code}": "经营场所证明：不清晰",
        f"items_{bench.second.code}": "经营场所证明：缺页",
    }
    done = client.post(f"/workbench/bundles/applications/?q={application.number}", data)
    assert done.status_code == 302
    assert [v.case_status for v in selectors.children_of(application)][:2] == ["correction_requested"] * 2
    outsider = staff(bench.org.other_town_gov, full_name="外镇人员")
    grant(outsider, ["cases.view_case", "cases.accept_case"], DataScopeKind.DEPARTMENT)
    hidden = _client(outsider).get("/workbench/bundles/applications/", {"q": application.number})
    assert hidden.status_code == 404
    assert _client(bench.citizen).get("/workbench/bundles/applications/").status_code == 403
