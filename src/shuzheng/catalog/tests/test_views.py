"""办事指南 pages (public) and the catalog workbench (staff)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client
from django.urls import NoReverseMatch, reverse

from shuzheng.catalog.constants import VersionStatus
from shuzheng.catalog.models import ServiceItem, ServiceItemVersion
from shuzheng.catalog.services import versions
from shuzheng.catalog.tests.conftest import client_for, editor, fields, make_live
from shuzheng.core.actors import SYSTEM
from shuzheng.identity.tests.conftest import Org, staff
from shuzheng.orgs.models import Hall

pytestmark = pytest.mark.django_db


@pytest.fixture
def guides(org: Org, groups: Any) -> dict[str, ServiceItemVersion]:
    Hall.objects.create(code="H440785", name="恩平市政务服务中心", level=Hall.Level.CITY, division=org.city)
    food = make_live("FOOD-1", org.bureau, guide_groups=["kaiban"])
    shop = make_live(
        "SHOP-1",
        org.bureau,
        name="个体工商户设立登记",
        keywords="个体户 营业执照 开店",
        high_frequency=False,
        exemptions=["no_seal"],
        applicant_types=["person"],
        is_free=False,
        fee_rules="工本费10元",
        conditions="有经营能力的公民均可申请登记为个体工商户。",
        materials=[
            {"code": "M01", "name": "居民身份证", "issued_by_government": True, "licence_type": "居民身份证"}
        ],
    )
    town = make_live(
        "TOWN-1",
        org.town_gov,
        name="农村宅基地审批",
        level="town",
        keywords="宅基地 建房",
        conditions="本村集体经济组织成员，一户一宅。",
        materials=[{"code": "M01", "name": "建房申请书"}, {"code": "M02", "name": "营业执照"}],
    )
    return {"food": food, "shop": shop, "town": town}


def test_nav_and_home_search_point_to_the_catalog(client: Client, guides: Any) -> None:
    html = client.get("/").content.decode()
    assert 'href="/guide/"' in html
    assert 'action="/guide/search/"' in html


def test_guide_list_browses_by_group_department_and_level(client: Client, guides: Any) -> None:
    response = client.get("/guide/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "办事指南" in html
    assert "开办企业" in html  # a topic to browse
    assert "测试局" in html  # a department to browse
    assert "食品经营许可" in html
    assert "个体工商户设立登记" in html
    # high-frequency first
    assert html.index("食品经营许可") < html.index("个体工商户设立登记")
    grouped = client.get("/guide/", {"group": "kaiban"}).content.decode()
    assert "食品经营许可" in grouped
    assert "个体工商户设立登记" not in grouped
    town = client.get("/guide/", {"level": "town"}).content.decode()
    assert "农村宅基地审批" in town
    assert "食品经营许可" not in town
    by_department = client.get("/guide/", {"department": "T100"}).content.decode()
    assert "农村宅基地审批" in by_department
    assert "食品经营许可" not in by_department
    people = client.get("/guide/", {"audience": "enterprise"}).content.decode()
    assert "个体工商户设立登记" not in people


def test_guide_list_bad_filter_is_a_chinese_400(client: Client, guides: Any) -> None:
    response = client.get("/guide/", {"level": "galaxy", "cursor": "garbage"})
    assert response.status_code == 400
    assert "层级只能是" in response.content.decode()
    bad_cursor = client.get("/guide/", {"cursor": "@@@"})
    assert bad_cursor.status_code == 400
    assert "分页游标无效" in bad_cursor.content.decode()


def test_guide_list_paginates(client: Client, org: Org) -> None:
    for n in range(25):
        make_live(f"P-{n:02d}", org.bureau, name=f"分页测试事项{n:02d}", high_frequency=False)
    first = client.get("/guide/").content.decode()
    assert first.count('class="guide-item"') == 20
    next_href = re.search(r'href="(\?cursor=[^"]+)">下一页', first)
    assert next_href is not None
    second = client.get("/guide/" + next_href.group(1).replace("&amp;", "&")).content.decode()
    assert second.count('class="guide-item"') == 5
    assert "回到第一页" in second


@pytest.mark.parametrize(
    ("query", "first", "absent"),
    [
        ("营业执照", "个体工商户设立登记", "火星"),  # named in its keywords, ranked above mere materials
        ("个体户", "个体工商户设立登记", "农村宅基地审批"),
        ("食品经营", "食品经营许可", "个体工商户设立登记"),
        ("宅基地", "农村宅基地审批", "食品经营许可"),
    ],
)
def test_search_page(client: Client, guides: Any, query: str, first: str, absent: str) -> None:
    response = client.get("/guide/search/", {"q": query})
    html = response.content.decode()
    assert response.status_code == 200
    assert f"与“{query}”相关的事项" in html
    titles = re.findall(r'<h3><a href="/guide/[^"]+/">([^<]+)</a></h3>', html)
    assert titles[0] == first
    assert absent not in titles


def test_search_page_without_query_and_without_hits(client: Client, guides: Any) -> None:
    assert "请输入要搜索的事项" in client.get("/guide/search/").content.decode()
    assert "没有找到符合条件的事项" in client.get("/guide/search/", {"q": "火星移民"}).content.decode()


def test_guide_detail_shows_everything_in_chinese(client: Client, guides: Any) -> None:
    response = client.get("/guide/FOOD-1/")
    html = response.content.decode()
    assert response.status_code == 200
    for text in (
        "食品经营许可",
        "受理条件",
        "申请材料",
        "免提交",  # 营业执照 is government-issued with a known licence type
        "电子证照：营业执照",
        "办理流程",
        "3 个工作日",
        "承诺办结时限",
        "5 个工作日",
        "最多跑一次",
        "零跑动",
        "网上办",
        "一次办",
        "四免",
        "设定依据",
        "《中华人民共和国食品安全法》",
        "恩平市政务服务中心",
        "打印办事指南",
        "高频事项",
        "本事项不收费",
    ):
        assert text in html, text
    try:
        apply_url = reverse("cases:apply", args=["FOOD-1"])
    except NoReverseMatch:  # the cases context does not serve applications (yet)
        apply_url = None
    assert ("在线申请" in html) == (apply_url is not None)
    if apply_url:
        assert f'href="{apply_url}"' in html
    shop = client.get("/guide/SHOP-1/").content.decode()
    assert "工本费10元" in shop
    assert "免实物印章" in shop
    assert "免填写（暂未实现）" in shop


def test_print_page(client: Client, guides: Any) -> None:
    response = client.get("/guide/FOOD-1/print/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "办事指南（打印版）" in html
    assert "catalog/catalog.css" in html
    assert "主导航" not in html
    assert "申请材料" in html


def test_unknown_or_retired_guide_is_a_chinese_404(client: Client, guides: Any) -> None:
    response = client.get("/guide/NOPE/")
    assert response.status_code == 404
    assert "办事指南不存在" in response.content.decode()
    versions.version_retire(actor=SYSTEM, version=guides["shop"])
    assert client.get("/guide/SHOP-1/").status_code == 404
    assert client.get("/guide/SHOP-1/print/").status_code == 404
    json_response = client.get("/guide/NOPE/", HTTP_ACCEPT="application/json")
    assert json_response.json()["code"] == "not_found"


# --- workbench ------------------------------------------------------------------------------------


def test_workbench_needs_login_staff_and_permission(client: Client, guides: Any, org: Org) -> None:
    assert client.get("/workbench/catalog/").status_code == 302
    nobody = client_for(staff(org.bureau))
    response = nobody.get("/workbench/catalog/")
    assert response.status_code == 403
    assert "没有查看事项管理的权限" in response.content.decode()


def test_workbench_lists_my_scope_only(guides: Any, org: Org) -> None:
    user = editor(org)
    client = client_for(user)
    html = client.get("/workbench/catalog/").content.decode()
    assert "FOOD-1" in html
    assert "SHOP-1" in html
    assert "TOWN-1" not in html  # another department's item
    assert "事项管理" in html  # the nav entry lights up
    assert client.get("/workbench/catalog/items/TOWN-1/").status_code == 404
    assert client.get(f"/workbench/catalog/versions/{guides['town'].pk}/").status_code == 404
    assert client.get("/workbench/catalog/", {"status": "draft"}).status_code == 200
    assert client.get("/workbench/catalog/", {"status": "bogus"}).status_code == 400


def test_workbench_draft_edit_publish_cycle(guides: Any, org: Org) -> None:
    user = editor(org)
    client = client_for(user)
    live = guides["food"]
    response = client.post(f"/workbench/catalog/versions/{live.pk}/draft/")
    draft = ServiceItemVersion.objects.get(item=live.item, status=VersionStatus.DRAFT)
    assert response.status_code == 302
    assert response["Location"] == f"/workbench/catalog/versions/{draft.pk}/edit/"

    form = client.get(f"/workbench/catalog/versions/{draft.pk}/edit/")
    assert form.status_code == 200
    assert "申请材料（JSON 数组）" in form.content.decode()
    data = {
        "name": "食品经营许可（告知承诺）",
        "item_type": "licensing",
        "department_code": org.bureau.code,
        "level": "city",
        "applicant_types": ["person", "enterprise"],
        "statutory_limit_days": "20",
        "promised_limit_days": "3",
        "onsite_visits": "0",
        "handling_modes": ["online"],
        "channels": ["portal", "window"],
        "exemptions": ["no_seal"],
        "comprehensive_window": "on",
        "keywords": "食品 告知承诺",
        "guide_groups": ["kaiban"],
        "materials": '[{"code": "M01", "name": "申请书"}]',
        "steps": '[{"name": "审批", "role_code": "审批人员", "time_limit_days": 3}]',
        "form_schema": '{"type": "object", "properties": {"x": {"type": "string"}}}',
    }
    assert "case_" not in form.content.decode()  # roles by their Chinese names, in the help and the steps
    bad = client.post(f"/workbench/catalog/versions/{draft.pk}/edit/", {**data, "materials": "[{oops"})
    assert bad.status_code == 422
    assert "不是有效的 JSON" in bad.content.decode()
    bad_rule = client.post(
        f"/workbench/catalog/versions/{draft.pk}/edit/",
        {**data, "materials": '[{"code": "A", "name": "x"}, {"code": "A", "name": "y"}]'},
    )
    assert bad_rule.status_code == 422
    assert "材料编码“A”重复" in bad_rule.content.decode()
    saved = client.post(f"/workbench/catalog/versions/{draft.pk}/edit/", data)
    assert saved.status_code == 302
    draft.refresh_from_db()
    assert draft.name == "食品经营许可（告知承诺）"
    assert [s.role_code for s in draft.steps.all()] == ["case_approver"]
    assert client.get("/guide/FOOD-1/").content.decode().count("食品经营许可（告知承诺）") == 0

    preview = client.get(f"/workbench/catalog/versions/{draft.pk}/").content.decode()
    assert "草稿已满足发布条件" in preview
    published = client.post(f"/workbench/catalog/versions/{draft.pk}/publish/")
    assert published.status_code == 302
    assert "食品经营许可（告知承诺）" in client.get("/guide/FOOD-1/").content.decode()
    history = client.get("/workbench/catalog/items/FOOD-1/").content.decode()
    assert "已废止" in history
    assert "已发布" in history
    # published versions refuse edits
    assert client.get(f"/workbench/catalog/versions/{draft.pk}/edit/").status_code == 409


def test_workbench_create_item_and_publish_errors(guides: Any, org: Org) -> None:
    client = client_for(editor(org))
    assert client.get("/workbench/catalog/new/").status_code == 200
    response = client.post(
        "/workbench/catalog/new/",
        {
            "code": "NEW-1",
            "name": "新事项",
            "item_type": "public_service",
            "department_code": org.bureau.code,
            "level": "city",
            "statutory_limit_days": "10",
            "promised_limit_days": "5",
        },
    )
    draft = ServiceItemVersion.objects.get(code="NEW-1")
    assert response["Location"] == f"/workbench/catalog/versions/{draft.pk}/edit/"
    duplicate = client.post(
        "/workbench/catalog/new/",
        {
            "code": "NEW-1",
            "name": "新事项",
            "item_type": "public_service",
            "department_code": org.bureau.code,
            "level": "city",
            "statutory_limit_days": "10",
            "promised_limit_days": "5",
        },
    )
    assert duplicate.status_code == 422
    assert "已存在" in duplicate.content.decode()
    # publishing an incomplete draft reports the rules in Chinese and changes nothing
    preview = client.get(f"/workbench/catalog/versions/{draft.pk}/").content.decode()
    assert "发布前需修改" in preview
    assert "请至少选择一个可申请渠道" in preview
    client.post(f"/workbench/catalog/versions/{draft.pk}/publish/")
    draft.refresh_from_db()
    assert draft.status == VersionStatus.DRAFT
    page = client.get("/workbench/catalog/items/NEW-1/").content.decode()
    assert "发布前校验未通过" in page
    # discarding the only draft removes the item
    client.post(f"/workbench/catalog/versions/{draft.pk}/discard/")
    assert not ServiceItem.objects.filter(code="NEW-1").exists()


def test_workbench_editor_without_publish_permission_cannot_publish(guides: Any, org: Org) -> None:
    client = client_for(editor(org, publish=False))
    live = guides["food"]
    page = client.get("/workbench/catalog/items/FOOD-1/").content.decode()
    assert "废止" not in page.split("版本历史")[1]
    response = client.post(f"/workbench/catalog/versions/{live.pk}/retire/")
    assert response.status_code == 403
    live.refresh_from_db()
    assert live.status == VersionStatus.PUBLISHED
    assert client.post(f"/workbench/catalog/versions/{live.pk}/explode/").status_code == 404
    versions.item_create(  # the editor may still create drafts
        actor=SYSTEM, code="X-1", fields=fields(org.bureau)
    )


def test_workbench_import_page(guides: Any, org: Org) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = client_for(editor(org))
    assert client.get("/workbench/catalog/import/").status_code == 200
    exported = client.get("/workbench/catalog/export.xlsx")
    assert exported.status_code == 200
    upload = SimpleUploadedFile("items.xlsx", exported.content)
    ok = client.post("/workbench/catalog/import/", {"file": upload})
    assert ok.status_code == 200
    assert "未变2项" in ok.content.decode()
    wrong = client.post("/workbench/catalog/import/", {"file": SimpleUploadedFile("items.txt", b"hello")})
    assert wrong.status_code == 422
    assert "只支持 .xlsx" in wrong.content.decode()
