"""Identity test fixtures: a small organisation tree and helpers to grant roles and log in."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from shuzheng.core.crypto import sm2
from shuzheng.identity.models import DataScopeKind, RoleAssignment, User
from shuzheng.identity.tests.factories import RoleAssignmentFactory, RoleFactory, UserFactory
from shuzheng.orgs.models import Department, Division
from shuzheng.orgs.tests.factories import DepartmentFactory, DivisionFactory

# One audit signing key per test session (generated, never the demo file shared by parallel workers).
AUDIT_KEY = sm2.generate_keypair()[0]


@pytest.fixture(autouse=True)
def _audit_log_outside_the_database(settings, tmp_path):
    """Each test gets its own exported-head log, so heads of earlier test databases never count."""
    settings.AUDIT_SIGNING_KEY = AUDIT_KEY
    settings.AUDIT_SIGNING_KEY_FILE = ""
    settings.AUDIT_VERIFY_KEYS = []
    settings.AUDIT_HEAD_LOG = tmp_path / "audit-heads.jsonl"
    settings.AUDIT_HEAD_MIRROR_URL = ""


@dataclass
class Org:
    city: Division
    town: Division  # 沙湖镇
    village: Division  # a village of 沙湖镇
    other_town: Division
    bureau: Department  # a city bureau
    bureau_unit: Department  # a unit under the bureau
    other_bureau: Department
    town_gov: Department  # 沙湖镇人民政府 (in the town division)
    village_station: Department  # in the village, under the town government
    other_town_gov: Department


def _division(code: str, name: str, level: str, parent: Division | None) -> Division:
    return DivisionFactory.create(
        code=code, name=name, level=level, parent=parent, path=f"{parent.path if parent else '/'}{code}/"
    )


def _department(code: str, name: str, division: Division, parent: Department | None = None) -> Department:
    return DepartmentFactory.create(
        code=code,
        name=name,
        division=division,
        parent=parent,
        path=f"{parent.path if parent else '/'}{code}/",
    )


@pytest.fixture
def org(db: Any) -> Org:
    city = _division("440785", "恩平市", Division.Level.CITY, None)
    town = _division("440785103", "沙湖镇", Division.Level.TOWN, city)
    village = _division("440785103201", "沙湖镇第1村", Division.Level.VILLAGE, town)
    other_town = _division("440785104", "牛江镇", Division.Level.TOWN, city)
    bureau = _department("T001", "测试局", city)
    town_gov = _department("T100", "沙湖镇人民政府", town)
    return Org(
        city=city,
        town=town,
        village=village,
        other_town=other_town,
        bureau=bureau,
        bureau_unit=_department("T001-01", "测试局下属中心", city, bureau),
        other_bureau=_department("T002", "另一局", city),
        town_gov=town_gov,
        village_station=_department("T100-01", "沙湖镇第1村服务站", village, town_gov),
        other_town_gov=_department("T200", "牛江镇人民政府", other_town),
    )


def grant(
    user: User,
    perms: list[str],
    scope: str = DataScopeKind.DEPARTMENT,
    *,
    department: Department | None = None,
    division: Division | None = None,
    code: str | None = None,
) -> RoleAssignment:
    """Give `user` a fresh role holding `perms` over `scope`."""
    role = RoleFactory.create(perms=perms, **({"code": code} if code else {}))
    return RoleAssignmentFactory.create(
        user=user,
        role=role,
        scope=scope,
        department=department if department is not None else user.department,
        division=division,
    )


def staff(department: Department | None, **kwargs: Any) -> User:
    return UserFactory.create(department=department, **kwargs)


def add_totp(user: User) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="test", confirmed=True)


def current_token(device: TOTPDevice, offset: int = 0) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = totp.time + offset * device.step
    return f"{totp.token():0{device.digits}d}"


def login_verified(client: Client, user: User) -> None:
    """force_login plus a verified second factor (for tests that run with the OTP requirement on)."""
    client.force_login(user)
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first() or add_totp(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()


@pytest.fixture
def otp_required(settings: Any) -> None:
    settings.SHUZHENG_STAFF_OTP_REQUIRED = True
