"""Template context shared by the portal and the workbench: names, and the navigation menus.

A menu entry names the URL it will use once its context exists (e.g. "catalog:guide_list"); until that
URL resolves, the entry falls back to an anchor on the portal home page or is hidden, so no page ever
links to a dead URL. Contexts light up their entry simply by registering a URL with that name.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse
from django.utils.functional import SimpleLazyObject

from shuzheng.core.notifications import unread_count

PLATFORM_NAME = "数政"


@dataclass(frozen=True)
class NavEntry:
    key: str
    label: str
    url_names: tuple[str, ...]
    # Until a URL resolves: "#anchor" (a section of the portal home page); None hides the entry.
    fallback: str | None = None
    needs_login: bool = False
    needs_staff: bool = False  # user.is_staff: may use the Django admin
    needs_perm: str | None = None


@dataclass(frozen=True)
class NavLink:
    key: str
    label: str
    url: str
    current: bool


PORTAL_NAV: tuple[NavEntry, ...] = (
    NavEntry("home", "首页", ("web:portal",)),
    NavEntry("guides", "办事指南", ("catalog:guide_list",), fallback="#services"),
    NavEntry("bundles", "一件事", ("bundles:list",)),
    NavEntry("my_cases", "我的办件", ("cases:my_cases",), needs_login=True),
    NavEntry("evaluations", "办事评价", ("evaluation:mine",), needs_login=True),
    NavEntry("licences", "我的证照", ("licences:wallet",), needs_login=True),
    NavEntry("appeals", "诉求反映", ("appeals:new",), fallback="#appeals"),
    NavEntry("my_appeals", "我的诉求", ("appeals:mine",), needs_login=True),
    NavEntry("open_data", "开放数据", ("datahub:open_data",)),
)

_EVALUATION_VIEW = "evaluation.view_evaluation"
_EVALUATION_ADD = "evaluation.add_evaluation"
_RECTIFY_VIEW = "evaluation.view_rectification"
_DISPUTE_VIEW = "evaluation.view_evaluationappeal"

WORKBENCH_NAV: tuple[NavEntry, ...] = (
    NavEntry("home", "工作台首页", ("web:workbench",)),
    # 办件 (cases context)
    NavEntry("case_queue", "我的待办", ("cases:queue",), needs_perm="cases.view_case"),
    NavEntry("case_intake", "一窗受理", ("cases:intake",), needs_perm="cases.intake_case"),
    NavEntry("bundle_cases", "一件事申请", ("bundles:workbench_application",), needs_perm="cases.view_case"),
    NavEntry("orgs", "组织机构", ("web:workbench_orgs",)),
    NavEntry(
        "catalog", "事项管理", ("catalog:workbench_items",), needs_perm="catalog.view_serviceitemversion"
    ),
    NavEntry("bundles", "一件事管理", ("bundles:workbench_list",), needs_perm="bundles.view_bundleversion"),
    # 秒批 (instant_approval context): decision rules per item version, automatic decisions and their review
    NavEntry(
        "instant_rules", "秒批规则", ("instant_approval:rules",), needs_perm="instant_approval.view_ruleset"
    ),
    NavEntry(
        "instant_decisions",
        "秒批复核",
        ("instant_approval:decisions",),
        needs_perm="instant_approval.view_automaticdecision",
    ),
    # 好差评 (evaluation context)
    NavEntry("evaluations", "好差评", ("evaluation:evaluation_list",), needs_perm=_EVALUATION_VIEW),
    NavEntry("onsite_evaluation", "现场评价录入", ("evaluation:onsite_lookup",), needs_perm=_EVALUATION_ADD),
    NavEntry("rectifications", "差评整改", ("evaluation:rectification_list",), needs_perm=_RECTIFY_VIEW),
    NavEntry("evaluation_appeals", "评价申诉", ("evaluation:dispute_list",), needs_perm=_DISPUTE_VIEW),
    NavEntry("evaluation_stats", "好差评统计", ("evaluation:dashboard",), needs_perm=_EVALUATION_VIEW),
    # 电子证照与电子印章 (licences context)
    NavEntry("licences", "电子证照", ("licences:workbench_licences",), needs_perm="licences.view_licence"),
    NavEntry("seals", "电子印章", ("licences:seal_list",), needs_perm="licences.view_seal"),
    # 一网统管 诉求 (appeals context): hotline intake, dispatch centre, department work orders
    NavEntry("appeal_list", "诉求列表", ("appeals:workbench_appeals",), needs_perm="appeals.view_appeal"),
    NavEntry("appeal_intake", "诉求登记", ("appeals:workbench_intake",), needs_perm="appeals.intake_appeal"),
    NavEntry(
        "appeal_dispatch", "派单调度", ("appeals:workbench_dispatch",), needs_perm="appeals.dispatch_appeal"
    ),
    NavEntry(
        "appeal_orders", "部门工单", ("appeals:workbench_orders",), needs_perm="appeals.handle_workorder"
    ),
    NavEntry("appeal_stats", "诉求统计", ("appeals:stats",), needs_perm="appeals.view_appeal_stats"),
    # grid workers' events, the routing-rule test and the knowledge base
    NavEntry("appeal_grid", "网格事件", ("appeals:grid_list",), needs_perm="appeals.report_grid_event"),
    NavEntry("appeal_rules", "派单规则测试", ("appeals:rule_test",), needs_perm="appeals.dispatch_appeal"),
    NavEntry("appeal_kb", "知识库", ("appeals:kb_list",), needs_perm="appeals.view_knowledgearticle"),
    # 数据中台 (datahub context)
    NavEntry(
        "datahub_catalog", "数据资源目录", ("datahub:wb_catalog",), needs_perm="datahub.view_catalogentry"
    ),
    NavEntry(
        "datahub_sharing", "数据共享", ("datahub:wb_sharing",), needs_perm="datahub.view_sharingrequest"
    ),
    NavEntry(
        "datahub_access_log", "数据访问日志", ("datahub:wb_access_log",), needs_perm="datahub.view_accesslog"
    ),
    # 规划指标 (indicators context): the leaders' dashboard of the plan's 22 indicators
    NavEntry("indicators", "指标驾驶舱", ("indicators:dashboard",), needs_perm="indicators.view_indicator"),
    NavEntry("audit", "审计日志", ("web:workbench_audit",), needs_perm="identity.view_auditevent"),
    NavEntry("profile", "我的资料", ("web:profile",)),
    NavEntry("admin", "管理后台", ("admin:index",), needs_staff=True),
)


def resolve_first(*names: str) -> str | None:
    """The URL of the first name that resolves, or None while none of those contexts exists."""
    for name in names:
        try:
            return reverse(name)
        except NoReverseMatch:
            continue
    return None


def build_nav(request: HttpRequest, entries: tuple[NavEntry, ...]) -> list[NavLink]:
    user = getattr(request, "user", None)
    authenticated = bool(user is not None and user.is_authenticated)
    is_staff = authenticated and bool(getattr(user, "is_staff", False))
    home_url = reverse("web:portal")
    links: list[NavLink] = []
    for entry in entries:
        if (entry.needs_login and not authenticated) or (entry.needs_staff and not is_staff):
            continue
        if entry.needs_perm and not (authenticated and user.has_perm(entry.needs_perm)):  # type: ignore[union-attr]
            continue
        url = resolve_first(*entry.url_names)
        if url is None and entry.fallback:
            url = home_url + entry.fallback
        if url is None:
            continue
        current = request.path == url or (
            url not in (home_url, reverse("web:workbench"))
            and "#" not in url
            and request.path.startswith(url)
        )
        links.append(NavLink(entry.key, entry.label, url, current))
    # One current entry: the longest URL that matches (/workbench/cases/intake/ over /workbench/cases/).
    current_links = [link for link in links if link.current]
    if len(current_links) > 1:
        best = max(current_links, key=lambda link: len(link.url))
        links = [NavLink(lk.key, lk.label, lk.url, lk is best) for lk in links]
    return links


def _unread(request: HttpRequest) -> Any:
    """The caller's unread notifications, counted once and only when a page shows the bell."""
    user = getattr(request, "user", None)
    authenticated = bool(user is not None and user.is_authenticated)
    return cache(lambda: unread_count(recipient=user) if authenticated else 0)


def platform(request: HttpRequest) -> dict[str, Any]:
    city_name = settings.SHUZHENG_CITY_NAME
    portal_name = f"{city_name}政务服务网"
    return {
        "platform_name": PLATFORM_NAME,
        "city_name": city_name,
        "portal_name": portal_name,
        "site_name": f"{portal_name} · {PLATFORM_NAME}",
        "workbench_name": f"{PLATFORM_NAME}工作台",
        # Built on first use only: pages without a menu (API, admin) pay nothing.
        "portal_nav": SimpleLazyObject(lambda: build_nav(request, PORTAL_NAV)),
        "workbench_nav": SimpleLazyObject(lambda: build_nav(request, WORKBENCH_NAV)),
        "unread_notifications": _unread(request),
    }
