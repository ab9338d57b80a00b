"""Fixtures of the web tests: a small org (halls, windows, kiosks) and logged-in staff clients."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from shuzheng.identity.models import User
from shuzheng.identity.tests.factories import UserFactory
from shuzheng.orgs.models import Department, Division, Hall, Kiosk, Window
from shuzheng.orgs.tests.factories import DepartmentFactory, DivisionFactory

BACKEND = "shuzheng.identity.backends.RoleBackend"


@dataclass
class Org:
    city: Division
    town: Division
    department: Department
    city_hall: Hall
    town_hall: Hall
    village_hall: Hall


@pytest.fixture(autouse=True)
def _staff_second_factor_on(settings):
    """As in production (the test settings switch it off): staff must pass the TOTP step."""
    settings.SHUZHENG_STAFF_OTP_REQUIRED = True


@pytest.fixture
def org(db: None) -> Org:
    city = DivisionFactory.create(code="440785", name="恩平市", level=Division.Level.CITY)
    town = DivisionFactory.create(code="440785100", name="恩城街道", level=Division.Level.TOWN, parent=city)
    village = DivisionFactory.create(
        code="440785100001", name="西门社区", level=Division.Level.VILLAGE, parent=town
    )
    department = DepartmentFactory.create(code="D-GA", name="恩平市公安局", division=city)
    city_hall = Hall.objects.create(
        code="H440785001",
        name="恩平市政务服务中心",
        level=Hall.Level.CITY,
        division=city,
        address="恩平市恩城街道新平北路 1 号",
        opening_hours="周一至周五 08:30-12:00，14:30-17:30",
        phone="0750-7788123",
    )
    town_hall = Hall.objects.create(
        code="H440785100",
        name="恩城街道政务服务中心",
        level=Hall.Level.TOWN,
        division=town,
        address="恩城街道中山路 8 号",
        opening_hours="周一至周五 08:30-17:30",
    )
    village_hall = Hall.objects.create(
        code="H440785100001",
        name="西门社区党群服务中心",
        level=Hall.Level.VILLAGE,
        division=village,
        address="西门社区文化楼一楼",
    )
    Window.objects.create(hall=city_hall, number="01", name="综合受理窗口")
    Window.objects.create(
        hall=city_hall, number="12", name="户政窗口", kind=Window.Kind.SPECIALISED, department=department
    )
    Kiosk.objects.create(
        code="K0001", kind=Kiosk.Kind.KIOSK, name="侨都之窗自助机（一楼大堂）", division=city, hall=city_hall
    )
    return Org(city, town, department, city_hall, town_hall, village_hall)


def verified_client(user: User) -> Client:
    """A client logged in as `user` who has passed the TOTP step (django-otp's session key)."""
    device = TOTPDevice.objects.create(user=user, name="测试口令", confirmed=True)
    client = Client()
    client.force_login(user, backend=BACKEND)
    session = client.session
    session["otp_device_id"] = device.persistent_id
    session.save()
    return client


@pytest.fixture
def staff_user(org: Org) -> User:
    return UserFactory.create(username="zhangsan", full_name="张三", department=org.department)


@pytest.fixture
def staff_client(staff_user: User) -> Client:
    return verified_client(staff_user)
