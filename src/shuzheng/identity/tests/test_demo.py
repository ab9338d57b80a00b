"""Demo accounts: idempotent, valid identifiers, working passwords and TOTP secrets, scoped roles."""

from __future__ import annotations

import base64

import pytest
from django.test import Client
from django_otp.oath import TOTP

from shuzheng.core.validators import validate_id_number, validate_uscc
from shuzheng.identity import demo
from shuzheng.identity.models import DataScopeKind, Role, RoleAssignment, User
from shuzheng.identity.scopes import data_scope_for
from shuzheng.orgs import demo as orgs_demo

pytestmark = pytest.mark.django_db


@pytest.fixture
def accounts() -> list[demo.DemoAccount]:
    orgs_demo.load()
    return demo.load()


def test_needs_the_orgs_demo_first() -> None:
    with pytest.raises(RuntimeError, match="组织机构"):
        demo.load()


def test_load_creates_roles_staff_citizens_and_agents(accounts: list[demo.DemoAccount]) -> None:
    by_kind: dict[str, list[demo.DemoAccount]] = {}
    for account in accounts:
        by_kind.setdefault(account.kind, []).append(account)
    assert len(by_kind[User.Kind.STAFF]) == len(demo.STAFF)
    assert len(by_kind[User.Kind.CITIZEN]) == 20
    assert len(by_kind[User.Kind.ENTERPRISE_AGENT]) == 3
    assert {r.name for r in Role.objects.all()} >= {
        "系统管理员", "部门管理员", "窗口工作人员", "镇街工作人员", "审计员", "网格员", "数据管理员",
    }  # fmt: skip
    assert all(a.password == demo.DEMO_PASSWORD for a in accounts)
    assert all(a.otp_secret for a in by_kind[User.Kind.STAFF])
    assert not any(a.otp_secret for a in by_kind[User.Kind.CITIZEN])
    for user in User.objects.filter(kind=User.Kind.CITIZEN):
        assert validate_id_number(user.id_number).startswith("440785")
    for user in User.objects.filter(kind=User.Kind.ENTERPRISE_AGENT):
        assert validate_uscc(user.enterprise_uscc) == user.enterprise_uscc
    assert User.objects.get(username="admin").is_superuser


def test_load_is_idempotent(accounts: list[demo.DemoAccount]) -> None:
    counts = (User.objects.count(), Role.objects.count(), RoleAssignment.objects.count())
    again = demo.load()
    assert (User.objects.count(), Role.objects.count(), RoleAssignment.objects.count()) == counts
    assert [a.otp_secret for a in again] == [a.otp_secret for a in accounts]


def test_scopes_of_the_demo_staff(accounts: list[demo.DemoAccount]) -> None:
    def scope(username: str) -> set[str]:
        return {
            g.kind for g in data_scope_for(User.objects.get(username=username), "identity.view_user").grants
        }

    assert scope("zwsj_admin") == {DataScopeKind.DEPARTMENT_TREE}
    assert scope("window01") == {DataScopeKind.DEPARTMENT}
    assert scope("shahu_clerk") == {DataScopeKind.DIVISION_TREE}
    assert scope("grid01") == {DataScopeKind.SELF}
    assert scope("auditor") == {DataScopeKind.ALL}
    auditor = User.objects.get(username="auditor")
    assert auditor.has_perm("identity.view_auditevent")
    assert not auditor.has_perm("identity.view_clear_personal_data")
    shahu = data_scope_for(User.objects.get(username="shahu_clerk"), "identity.view_user").grants[0]
    assert shahu.division_path.endswith("/440785103/")


def test_a_demo_staff_member_logs_in_under_the_real_settings(
    otp_required, accounts: list[demo.DemoAccount], client: Client
) -> None:
    clerk = next(a for a in accounts if a.username == "window01")
    response = client.post("/accounts/login/", {"username": clerk.username, "password": clerk.password})
    assert response["Location"] == "/accounts/otp/"
    token = TOTP(base64.b32decode(clerk.otp_secret)).token()
    response = client.post("/accounts/otp/", {"otp_token": f"{token:06d}"})
    assert response.status_code == 302
    assert client.get("/api/v1/identity/me").json()["username"] == "window01"


def test_demo_citizen_logs_in(accounts: list[demo.DemoAccount], client: Client) -> None:
    citizen = next(a for a in accounts if a.kind == User.Kind.CITIZEN)
    response = client.post("/accounts/login/", {"username": citizen.username, "password": citizen.password})
    assert response.status_code == 302
