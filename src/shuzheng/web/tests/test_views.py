"""The portal and workbench pages, the error pages and the admin, through the test client."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.hashers import check_password
from django.http import StreamingHttpResponse
from django.template import engines
from django.test import Client, RequestFactory

from shuzheng.identity.models import AuditEvent, DataScopeKind, PasswordHistory, User
from shuzheng.identity.services import logins as login_services
from shuzheng.identity.tests.factories import (
    DEFAULT_PASSWORD,
    CitizenFactory,
    RoleAssignmentFactory,
    RoleFactory,
    UserFactory,
)
from shuzheng.orgs.models import Hall
from shuzheng.web.tests.conftest import Org, verified_client

pytestmark = pytest.mark.django_db

HREF = re.compile(r'href="([^"]+)"')


def nav_hrefs(html: str, label: str) -> list[str]:
    """The hrefs inside the <nav aria-label="{label}"> element."""
    start = html.index(f'aria-label="{label}"')
    return HREF.findall(html[start : html.index("</nav>", start)])


# --- base layout ----------------------------------------------------------------------------------


def test_pages_are_chinese_accessible_and_load_assets_locally(client: Client, org: Org) -> None:
    html = client.get("/").content.decode()
    assert '<html lang="zh-Hans">' in html
    assert 'class="skip-link" href="#main"' in html
    assert 'id="main"' in html
    assert 'role="banner"' in html
    assert 'role="contentinfo"' in html
    assert "/static/vendor/htmx/htmx.min.js" in html
    assert "/static/web/shuzheng.css" in html
    assert "echarts" not in html  # only workbench pages that declare charts load it
    assert not re.search(r'(src|href)="(https?:)?//', html), "no CDN or external asset"
    csrf = re.search(r"hx-headers='\{\"X-CSRFToken\": \"([A-Za-z0-9]+)\"\}'", html)
    assert csrf
    assert len(csrf.group(1)) >= 32


def test_static_assets_are_served(client: Client) -> None:
    for path in ("/static/web/shuzheng.css", "/static/web/shuzheng.js", "/static/vendor/htmx/htmx.min.js"):
        response = client.get(path)
        assert response.status_code == 200, path


# --- portal --------------------------------------------------------------------------------------


def test_portal_home_lists_halls_grouped_by_level(client: Client, org: Org) -> None:
    response = client.get("/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "恩平市政务服务网 · 数政" in html
    positions = [html.index(h) for h in ("市级政务服务大厅", "镇级政务服务大厅", "村级政务服务大厅")]
    assert positions == sorted(positions)
    assert (
        html.index("恩平市政务服务中心")
        < html.index("恩城街道政务服务中心")
        < html.index("西门社区党群服务中心")
    )
    assert "恩平市恩城街道新平北路 1 号" in html
    assert "周一至周五 08:30-12:00，14:30-17:30" in html
    assert 'href="/halls/H440785001/"' in html
    assert 'id="services"' in html
    assert "搜索办事事项" in html


def test_portal_nav_has_no_dead_links(client: Client, org: Org) -> None:
    html = client.get("/").content.decode()
    hrefs = nav_hrefs(html, "主导航")
    assert hrefs[0] == "/"
    labels = re.findall(r"<li><a [^>]*>([^<]+)</a></li>", html[html.index('aria-label="主导航"') :])[
        : len(hrefs)
    ]
    assert "我的办件" not in labels  # needs login and the cases context
    for href in hrefs:
        path, _, anchor = href.partition("#")
        assert client.get(path).status_code == 200, href
        if anchor:
            assert f'id="{anchor}"' in html, href


def test_portal_nav_lights_up_when_a_context_registers_its_url(client: Client, org: Org, settings) -> None:
    settings.ROOT_URLCONF = "shuzheng.web.tests.urls_for_tests"
    html = client.get("/").content.decode()
    hrefs = nav_hrefs(html, "主导航")
    assert "/guides/" in hrefs
    assert "/#services" not in hrefs
    assert 'action="/guides/"' in html  # the service search box now searches the catalog
    assert "办事指南检索即将开放" not in html


def test_portal_home_shows_login_state(client: Client, org: Org, staff_user: User) -> None:
    anonymous = client.get("/").content.decode()
    assert 'href="/accounts/login/?next=/"' in anonymous
    logged_in = verified_client(staff_user).get("/").content.decode()
    assert "您好，张三" in logged_in
    assert 'action="/accounts/logout/"' in logged_in
    assert "退出登录" in logged_in
    assert 'href="/workbench/"' in logged_in


def test_portal_home_filters_one_level_and_paginates(client: Client, org: Org) -> None:
    for n in range(25):
        Hall.objects.create(
            code=f"HT{n:03d}", name=f"测试镇{n:02d}号大厅", level=Hall.Level.TOWN, division=org.town
        )
    overview = client.get("/").content.decode()
    assert overview.count("测试镇") == 5  # 6 per level on the overview; H440785100 sorts after the HT codes
    assert "查看全部镇级大厅" in overview

    first = client.get("/", {"level": "town"}).content.decode()
    assert "市级政务服务大厅" not in first
    assert "西门社区" not in first
    assert first.count('class="hall-item"') == 20
    next_href = re.search(r'href="(/\?level=town&amp;cursor=[^"#]+)#halls">下一页', first)
    assert next_href
    second = client.get(next_href.group(1).replace("&amp;", "&")).content.decode()
    assert second.count('class="hall-item"') == 6  # 26 town halls in all
    assert "回到第一页" in second
    assert "下一页" not in second
    first_names = set(re.findall(r"测试镇\d\d号大厅", first))
    second_names = set(re.findall(r"测试镇\d\d号大厅", second))
    assert not first_names & second_names
    assert len(first_names | second_names) == 25


def test_portal_home_searches_halls(client: Client, org: Org) -> None:
    html = client.get("/", {"q": "西门"}).content.decode()
    assert "西门社区党群服务中心" in html
    assert "恩平市政务服务中心" not in html
    none = client.get("/", {"q": "不存在的大厅"}).content.decode()
    assert "没有找到与“不存在的大厅”相关的政务服务大厅" in none


def test_portal_home_query_count_is_bounded(client: Client, org: Org, django_assert_max_num_queries) -> None:
    for n in range(30):
        Hall.objects.create(
            code=f"HV{n:03d}", name=f"村级大厅{n}", level=Hall.Level.VILLAGE, division=org.town
        )
    with django_assert_max_num_queries(3):  # one keyset page per level, division joined
        assert client.get("/").status_code == 200


def test_portal_home_bad_filter_gets_chinese_error(client: Client, org: Org) -> None:
    response = client.get("/", {"level": "galaxy"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "层级：层级只能是市级、镇级或村级。" in html
    assert "恩平市政务服务中心" in html  # the page still works, unfiltered


def test_portal_home_bad_cursor_is_a_chinese_400_page(client: Client, org: Org) -> None:
    response = client.get("/", {"level": "town", "cursor": "%%%not-a-cursor"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "分页游标无效" in html
    assert '<html lang="zh-Hans">' in html


def test_hall_page_lists_windows_and_kiosks(client: Client, org: Org) -> None:
    response = client.get("/halls/H440785001/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1>恩平市政务服务中心</h1>" in html
    assert "01号" in html
    assert "综合受理窗口" in html
    assert "综合受理（一窗通办）" in html
    assert "户政窗口" in html
    assert "恩平市公安局" in html
    assert "专业窗口" in html
    assert "侨都之窗自助机（一楼大堂）" in html
    assert "侨都之窗自助机</span>" in html
    assert 'aria-current="page">恩平市政务服务中心' in html


def test_hall_page_without_windows_says_so(client: Client, org: Org) -> None:
    html = client.get("/halls/H440785100001/").content.decode()
    assert "该大厅暂未登记办事窗口" in html
    assert "该大厅暂未设置自助终端" in html


def test_unknown_hall_is_a_chinese_404_page(client: Client, org: Org) -> None:
    response = client.get("/halls/NOPE/")
    assert response.status_code == 404
    html = response.content.decode()
    assert response["Content-Type"].startswith("text/html")
    assert "政务服务大厅不存在" in html
    assert "返回首页" in html
    assert f'请求编号：<span class="mono">{response["X-Request-ID"]}</span>' in html


def test_unknown_hall_as_json_is_problem_json(client: Client, org: Org) -> None:
    response = client.get("/halls/NOPE/", HTTP_ACCEPT="application/json")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/problem+json")
    assert response.json()["code"] == "not_found"


# --- error pages ---------------------------------------------------------------------------------


def test_unknown_page_is_a_chinese_404_page(client: Client) -> None:
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")
    html = response.content.decode()
    assert '<html lang="zh-Hans">' in html
    assert "页面不存在" in html
    assert response["X-Request-ID"] in html
    assert 'href="/"' in html


def test_unknown_page_as_json_is_problem_json(client: Client) -> None:
    response = client.get("/no-such-page/", HTTP_ACCEPT="application/json")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/problem+json")
    body = response.json()
    assert body["code"] == "not_found"
    assert body["status"] == 404
    assert re.search(r"[\u4e00-\u9fff]", body["detail"])


# --- workbench -----------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/workbench/", "/workbench/profile/", "/workbench/orgs/"])
def test_workbench_requires_login(client: Client, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next={path}"


def test_workbench_requires_the_staff_second_factor(client: Client, staff_user: User) -> None:
    client.force_login(staff_user, backend="shuzheng.identity.backends.RoleBackend")
    response = client.get("/workbench/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/otp/")


def test_workbench_is_for_staff_only(org: Org) -> None:
    citizen = CitizenFactory.create(username="citizen1", full_name="李四")
    client = Client()
    client.force_login(citizen, backend="shuzheng.identity.backends.RoleBackend")
    response = client.get("/workbench/")
    assert response.status_code == 403
    assert "工作台仅供政务工作人员使用" in response.content.decode()


def test_workbench_home_greets_and_shows_my_todo(staff_client: Client, staff_user: User) -> None:
    role = RoleFactory.create(code="acceptor", name="窗口受理员")
    RoleAssignmentFactory.create(user=staff_user, role=role, scope=DataScopeKind.DEPARTMENT_TREE)
    response = staff_client.get("/workbench/")
    assert response.status_code == 200
    html = response.content.decode()
    assert re.search(r"<h1>(上午好|中午好|下午好|晚上好)，张三</h1>", html)
    assert "恩平市公安局" in html  # department in the user menu and the heading
    assert "我的待办" in html
    assert "未读通知" in html
    assert "acceptor" not in html
    profile = staff_client.get("/workbench/profile/").content.decode()  # roles and scopes live here
    assert "窗口受理员" in profile
    assert "本部门及下级" in profile
    assert 'action="/accounts/logout/"' in html
    nav = nav_hrefs(html, "工作台导航")
    assert nav[0] == "/workbench/"
    assert "/workbench/profile/" in nav
    assert "/workbench/orgs/" in nav
    assert "/admin/" not in nav  # not is_staff
    assert "/workbench/audit/" not in nav  # no audit permission
    assert "echarts" not in html


def test_workbench_nav_shows_admin_and_audit_to_admins(org: Org) -> None:
    admin = UserFactory.create(
        username="admin1", full_name="管理员", is_staff=True, is_superuser=True, department=org.department
    )
    html = verified_client(admin).get("/workbench/").content.decode()
    nav = nav_hrefs(html, "工作台导航")
    assert "/admin/" in nav
    assert any("audit" in href for href in nav)
    for href in nav:
        assert verified_client_get(admin, href) == 200, href


def verified_client_get(user: User, path: str) -> int:
    return verified_client(user).get(path).status_code


def test_workbench_orgs_lists_departments(staff_client: Client) -> None:
    html = staff_client.get("/workbench/orgs/", {"q": "公安"}).content.decode()
    assert "恩平市公安局" in html
    assert "D-GA" in html


def test_charts_block_loads_echarts_only_when_declared(staff_user: User) -> None:
    request = RequestFactory().get("/workbench/")
    request.user = staff_user
    template = engines["django"].from_string(
        '{% extends "web/workbench/base.html" %}'
        '{% block charts %}{% include "web/includes/echarts.html" %}{% endblock %}'
    )
    html = template.render({}, request)
    assert "/static/vendor/echarts/echarts.min.js" in html


# --- profile -------------------------------------------------------------------------------------


def test_profile_shows_masked_personal_data(org: Org) -> None:
    user = UserFactory.create(
        username="wangwu",
        full_name="王五",
        department=org.department,
        mobile="13812345678",
        id_number="440785199003071234",
    )
    role = RoleFactory.create(code="auditor", name="审计员")
    RoleAssignmentFactory.create(user=user, role=role, scope=DataScopeKind.ALL, department=None)
    html = verified_client(user).get("/workbench/profile/").content.decode()
    assert "138****5678" in html
    assert "13812345678" not in html
    assert "440785********1234" in html
    assert "440785199003071234" not in html
    assert "wangwu" in html
    assert "恩平市公安局" in html
    assert "审计员" in html
    assert "全部" in html
    assert "已绑定" in html  # the verified client has a confirmed TOTP device


def test_profile_links_totp_setup_when_no_device(org: Org, settings) -> None:
    settings.SHUZHENG_STAFF_OTP_REQUIRED = False  # as in the demo: staff may work before enrolling
    user = UserFactory.create(username="zhaoliu", full_name="赵六", department=org.department)
    client = Client()
    client.force_login(user, backend="shuzheng.identity.backends.RoleBackend")
    html = client.get("/workbench/profile/").content.decode()
    assert 'href="/accounts/otp/setup/"' in html
    assert "未绑定" in html


def test_password_change_policy_violation_shows_chinese_error_and_changes_nothing(
    staff_client: Client, staff_user: User
) -> None:
    before_hash = User.objects.get(pk=staff_user.pk).password
    history = PasswordHistory.objects.count()
    events = AuditEvent.objects.filter(action="identity.user.set_password").count()
    response = staff_client.post(
        "/workbench/profile/",
        {"old_password": DEFAULT_PASSWORD, "new_password": "onlylowercase", "new_password2": "onlylowercase"},
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert "请按下方提示修改后重新提交" in html
    errors = new_password_errors(html)
    assert errors == ["密码须至少包含小写字母、大写字母、数字、特殊符号中的 3 类。"]
    assert User.objects.get(pk=staff_user.pk).password == before_hash
    assert PasswordHistory.objects.count() == history
    assert AuditEvent.objects.filter(action="identity.user.set_password").count() == events


def test_password_too_short_error_is_chinese(staff_client: Client) -> None:
    html = staff_client.post(
        "/workbench/profile/",
        {"old_password": DEFAULT_PASSWORD, "new_password": "Ab1#", "new_password2": "Ab1#"},
    ).content.decode()
    errors = new_password_errors(html)
    assert errors
    assert all(re.search(r"[\u4e00-\u9fff]", e) for e in errors), errors


def new_password_errors(html: str) -> list[str]:
    block = re.search(r'<ul class="errorlist" id="id_new_password_error" role="alert">(.*?)</ul>', html, re.S)
    return re.findall(r"<li>(.*?)</li>", block.group(1)) if block else []


def test_password_change_needs_the_old_password(staff_client: Client, staff_user: User) -> None:
    response = staff_client.post(
        "/workbench/profile/",
        {"old_password": "wrong", "new_password": "Better#Pass2027", "new_password2": "Better#Pass2027"},
    )
    assert response.status_code == 422
    assert "原密码不正确" in response.content.decode()
    assert check_password(DEFAULT_PASSWORD, User.objects.get(pk=staff_user.pk).password)


def test_password_change_mismatch(staff_client: Client) -> None:
    response = staff_client.post(
        "/workbench/profile/",
        {
            "old_password": DEFAULT_PASSWORD,
            "new_password": "Better#Pass2027",
            "new_password2": "Better#Pass2028",
        },
    )
    assert "两次输入的新密码不一致" in response.content.decode()


def test_password_change_succeeds_and_keeps_the_session(staff_client: Client, staff_user: User) -> None:
    response = staff_client.post(
        "/workbench/profile/",
        {
            "old_password": DEFAULT_PASSWORD,
            "new_password": "Better#Pass2027",
            "new_password2": "Better#Pass2027",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == "/workbench/profile/"
    user = User.objects.get(pk=staff_user.pk)
    assert check_password("Better#Pass2027", user.password)
    assert user.password_changed_at is not None
    page = staff_client.get("/workbench/profile/")
    assert page.status_code == 200  # still logged in and still second-factor verified
    assert "密码已修改" in page.content.decode()


# --- admin ---------------------------------------------------------------------------------------


def test_admin_is_in_chinese(client: Client, org: Org) -> None:
    login = client.get("/admin/login/", follow=True)
    assert login.status_code == 200
    assert "登录" in login.content.decode()
    admin = UserFactory.create(username="root1", full_name="超级管理员", is_staff=True, is_superuser=True)
    html = verified_client(admin).get("/admin/").content.decode()
    assert '<html lang="zh-hans"' in html
    assert "数政 · 管理后台" in html
    assert "最近动作" in html or "我的动作" in html


# --- audit log -----------------------------------------------------------------------------------


@pytest.fixture
def auditor(org: Org) -> User:
    user = UserFactory.create(username="auditor1", full_name="审计员甲", department=org.department)
    role = RoleFactory.create(code="auditor", name="审计员", perms=["identity.view_auditevent"])
    RoleAssignmentFactory.create(user=user, role=role, scope=DataScopeKind.ALL, department=None)
    return user


def test_audit_log_lists_events_in_scope(auditor: User, staff_user: User) -> None:
    login_services.login_succeeded(user=staff_user)
    login_services.logged_out(user=staff_user)
    client = verified_client(auditor)
    html = client.get("/workbench/").content.decode()
    assert "/workbench/audit/" in nav_hrefs(html, "工作台导航")
    response = client.get("/workbench/audit/", {"action": "identity.", "actor": "zhangsan"})
    assert response.status_code == 200
    html = response.content.decode()
    actions = re.findall(r"<td>(登录|退出登录)</td>", html)
    assert actions == ["退出登录", "登录"]  # newest first, filtered by context and actor
    assert not re.search(r">[^<]*identity\.[^<]*<", html)  # names on screen, never the operation codes
    assert 'value="identity.login"' in html  # the filter offers names for codes
    refused = client.get("/workbench/audit/", {"action": "identity.bogus"})
    assert refused.status_code == 400
    assert "请从列表中选择操作" in refused.content.decode()


def test_audit_log_bad_filters_get_chinese_errors(auditor: User) -> None:
    client = verified_client(auditor)
    bad_date = client.get("/workbench/audit/", {"date_from": "2026-13-40"})
    assert bad_date.status_code == 400
    assert "日期格式应为 年-月-日" in bad_date.content.decode()
    reversed_range = client.get("/workbench/audit/", {"date_from": "2026-02-01", "date_to": "2026-01-01"})
    assert reversed_range.status_code == 400
    assert "结束日期不能早于开始日期" in reversed_range.content.decode()


def test_audit_log_needs_the_permission(staff_client: Client) -> None:
    response = staff_client.get("/workbench/audit/", {"date_from": "bad"})
    assert response.status_code == 403
    assert "没有查看审计事件的权限" in response.content.decode()


def test_favicon_is_served(client: Client) -> None:
    response = client.get("/favicon.ico")
    assert response.status_code == 302
    icon = client.get(response["Location"])
    assert icon.status_code == 200
    assert icon["Content-Type"] in ("image/x-icon", "image/vnd.microsoft.icon")
    body = b"".join(icon.streaming_content) if isinstance(icon, StreamingHttpResponse) else icon.content
    assert body[:4] == b"\x00\x00\x01\x00"
    assert f'rel="icon" href="{response["Location"]}"' in client.get("/").content.decode()


def test_file_inputs_render_as_a_chinese_picker_in_every_form() -> None:
    from django import forms

    from shuzheng.appeals.forms_common import MultipleFileInput

    class Upload(forms.Form):
        one = forms.FileField(label="附件")
        many = forms.FileField(label="照片", required=False, widget=MultipleFileInput())

    html = str(Upload())
    assert html.count('class="file-picker"') == 2
    assert html.count('<span class="file-button">选择文件</span>') == 2
    assert 'type="file" name="one" required id="id_one"' in html
    assert "未选择文件（可选多个）" in html
    assert "<script" not in html
    assert not re.search(r"\son[a-z]+=", html)


def test_pages_name_roles_and_leave_out_permission_codes(staff_client: Client) -> None:
    from shuzheng.web.plain_words import plain_words

    RoleFactory.create(code="case_approver", name="审批人员")
    assert plain_words("您不是“审批”环节的办理人员（需要角色 case_approver）。") == (
        "您不是“审批”环节的办理人员（需要角色 “审批人员”）。"
    )
    assert plain_words("没有查看知识库的权限（appeals.view_knowledgearticle）") == "没有查看知识库的权限"
    assert (
        plain_words("您没有派单的权限（appeals.dispatch_appeal、appeals.view_appeal）。")
        == "您没有派单的权限。"
    )
    assert plain_words("文件 report_2026.pdf 无法读取") == "文件 report_2026.pdf 无法读取"
    kept = "材料（scan.pdf）无法读取（cases.upload）"
    assert plain_words(kept) == kept
    page = staff_client.get("/workbench/appeals/kb/")  # a 403 page: its message without the permission code
    assert page.status_code == 403
    assert "没有查看知识库的权限" in page.content.decode()
    assert "appeals.view_knowledgearticle" not in page.content.decode()
