"""Every permission refusal names the permission in Chinese (its name), never "app_label.codename"."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from shuzheng.appeals.selectors import common as common_selectors
from shuzheng.appeals.selectors import stats as stats_selectors
from shuzheng.appeals.services.common import require_perm as appeals_require_perm
from shuzheng.catalog import rules as catalog_rules
from shuzheng.catalog.constants import EDIT_PERM as CATALOG_EDIT_PERM
from shuzheng.core.errors import PermissionDenied
from shuzheng.core.permissions import permission_label
from shuzheng.evaluation import selectors as evaluation_selectors
from shuzheng.evaluation.services.common import require_perm_in_scope as evaluation_require_perm
from shuzheng.identity.models import User
from shuzheng.orgs import selectors as orgs_selectors
from shuzheng.orgs.tests.factories import DepartmentFactory
from shuzheng.web.tests.conftest import verified_client

CODE = re.compile(r"\b[a-z_]+\.[a-z_]+\b")

REFUSALS: dict[str, tuple[str, Callable[[User], Any]]] = {
    "catalog": (
        CATALOG_EDIT_PERM,
        lambda user: catalog_rules.require(user, CATALOG_EDIT_PERM, verb="编辑事项"),
    ),
    "evaluation.services": (
        evaluation_selectors.CHANGE_RECTIFICATION,
        lambda user: evaluation_require_perm(
            user, evaluation_selectors.CHANGE_RECTIFICATION, DepartmentFactory.build(), "处理差评整改"
        ),
    ),
    "evaluation.onsite": (
        evaluation_selectors.ADD_EVALUATION,
        lambda user: evaluation_selectors.case_for_onsite_by_number(
            user=user, number="20260101-441781-000001"
        ),
    ),
    "appeals.services": (
        "appeals.intake_appeal",
        lambda user: appeals_require_perm(user, "appeals.intake_appeal", "登记诉求"),
    ),
    "appeals.stats": (common_selectors.STATS_PERM, lambda user: stats_selectors.stats_scope(user)),
    "orgs.grid_workers": (
        orgs_selectors.VIEW_GRID_WORKER_PERM,
        lambda user: orgs_selectors.grid_worker_get(user=user, id=1),
    ),
}


@pytest.mark.parametrize("source", sorted(REFUSALS))
def test_service_refusals_name_the_permission_in_chinese(staff_user: User, source: str) -> None:
    perm, call = REFUSALS[source]
    with pytest.raises(PermissionDenied) as caught:
        call(staff_user)
    message = caught.value.detail
    assert not CODE.search(message), message
    assert f"“{permission_label(perm)}”" in message
    assert "Can " not in message


def test_permission_labels_are_chinese_for_django_default_permissions(db: None) -> None:
    assert permission_label("orgs.add_division") == "新增行政区划"
    assert permission_label("orgs.view_grid") == "查看网格"
    assert permission_label("nothing.known") == "相应"


@pytest.mark.parametrize(
    ("url", "perm"),
    [
        ("/workbench/appeals/stats/", common_selectors.STATS_PERM),
        ("/workbench/appeals/intake/", "appeals.intake_appeal"),
    ],
)
def test_refusal_pages_name_the_permission_in_chinese(staff_client: Client, url: str, perm: str) -> None:
    response = staff_client.get(url)
    assert response.status_code == 403
    page = response.content.decode()
    assert f"需要“{permission_label(perm)}”权限" in page
    assert "appeals." not in page


def test_the_orgs_api_refusal_names_the_permission_in_chinese(staff_user: User) -> None:
    client: Client = verified_client(staff_user)
    response = client.post("/api/v1/orgs/divisions/1/deactivate")
    assert response.status_code == 403, response.content
    detail = response.json()["detail"]
    assert not CODE.search(detail), detail
    assert "“修改行政区划”" in detail
