"""Datahub fixtures: a provider and a consumer department with their staff, an entry with a table."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pytest
from django.core.cache import cache
from django.utils import timezone

from shuzheng.core import calendar
from shuzheng.datahub.constants import ADMIN_PERMISSIONS, CONSUMER_PERMISSIONS, STEWARD_PERMISSIONS
from shuzheng.datahub.models import CatalogEntry, Grant, Openness, SharingType
from shuzheng.datahub.services import catalog as catalog_services
from shuzheng.datahub.services import mounts as mount_services
from shuzheng.datahub.services import rows as row_services
from shuzheng.datahub.services import sharing as sharing_services
from shuzheng.identity.models import DataScopeKind, User
from shuzheng.identity.tests.conftest import grant as grant_role
from shuzheng.identity.tests.factories import UserFactory
from shuzheng.orgs.models import Department, Division
from shuzheng.orgs.tests.factories import DepartmentFactory, DivisionFactory

PERSON_ITEMS: list[dict[str, Any]] = [
    {
        "name": "id_number",
        "label": "公民身份号码",
        "required": True,
        "is_key": True,
        "is_personal": True,
        "sensitivity": "L4",
        "masking": "id_number",
        "max_length": 18,
    },
    {
        "name": "full_name",
        "label": "姓名",
        "required": True,
        "is_personal": True,
        "sensitivity": "L3",
        "masking": "name",
    },
    {"name": "mobile", "label": "手机号码", "is_personal": True, "sensitivity": "L3", "masking": "mobile"},
    {"name": "address", "label": "住址", "is_personal": True, "sensitivity": "L3", "masking": "address"},
    {"name": "birth_date", "label": "出生日期", "data_type": "date"},
    {"name": "income", "label": "月收入", "data_type": "decimal"},
    {"name": "household_size", "label": "家庭人口", "data_type": "integer"},
]

ID_A = "440785199003071234"  # placeholder; real valid numbers are generated in PEOPLE
PEOPLE: list[dict[str, Any]] = []


def people() -> list[dict[str, Any]]:
    from shuzheng.core.validators import generate_id_number

    if not PEOPLE:
        names = ["张三丰", "李四", "王小明", "欧阳娜娜", "陈建明"]
        for n, name in enumerate(names):
            PEOPLE.append(
                {
                    "id_number": generate_id_number(
                        "440785", date(1980 + n, 1 + n, 10 + n), 100 + n, n % 2 == 1
                    ),
                    "full_name": name,
                    "mobile": f"1380000{n:04d}",
                    "address": f"广东省江门市恩平市沙湖镇第{n + 1}村委会{n + 1}号",
                    "birth_date": f"{1980 + n}-{1 + n:02d}-{10 + n:02d}",
                    "income": f"{3000 + n * 500}.50",
                    "household_size": n + 1,
                }
            )
    return [dict(p) for p in PEOPLE]


@dataclass
class Hub:
    city: Division
    provider: Department  # 公安局 (provides the data)
    consumer: Department  # 民政局 (asks for it)
    admin_dept: Department
    steward: User  # provider's data steward (edits, loads, decides)
    reviewer: User  # data administration (reviews, all scope)
    consumer_user: User
    admin: User  # data admin with all scope and clearance of logs


@pytest.fixture(autouse=True)
def _clear_cache() -> None:
    cache.clear()
    calendar.invalidate_cache()


@pytest.fixture
def hub(db: Any) -> Hub:
    city = DivisionFactory.create(code="440785", name="恩平市", level=Division.Level.CITY, parent=None)
    provider = DepartmentFactory.create(code="TP01", name="测试公安局", division=city)
    consumer = DepartmentFactory.create(code="TC01", name="测试民政局", division=city)
    admin_dept = DepartmentFactory.create(code="TA01", name="测试政数局", division=city)
    steward = UserFactory.create(username="steward", department=provider)
    grant_role(steward, list(STEWARD_PERMISSIONS), DataScopeKind.DEPARTMENT)
    reviewer = UserFactory.create(username="reviewer", department=admin_dept)
    grant_role(reviewer, list(ADMIN_PERMISSIONS), DataScopeKind.ALL)
    consumer_user = UserFactory.create(username="consumer", department=consumer)
    grant_role(consumer_user, list(CONSUMER_PERMISSIONS), DataScopeKind.DEPARTMENT)
    admin = UserFactory.create(username="dadmin", department=admin_dept)
    grant_role(admin, list(ADMIN_PERMISSIONS), DataScopeKind.ALL)
    return Hub(city, provider, consumer, admin_dept, steward, reviewer, consumer_user, admin)


def make_entry(
    hub: Hub,
    *,
    items: list[dict[str, Any]] | None = None,
    name: str = "户籍人口信息",
    sharing_type: str = SharingType.CONDITIONAL,
    openness: str = Openness.CLOSED,
    publish: bool = True,
    mount: bool = True,
    rows: list[dict[str, Any]] | None = None,
    class_code: str = "A01",
) -> CatalogEntry:
    entry = catalog_services.entry_create(
        actor=hub.steward,
        department=hub.provider,
        metadata=catalog_services.EntryMetadata(
            name=name,
            class_code=class_code,
            abstract=f"{name}（测试）",
            sharing_type=sharing_type,
            sharing_conditions="用于法定职责" if sharing_type == SharingType.CONDITIONAL else "",
            openness=openness,
            open_conditions="经审批" if openness == Openness.CONDITIONAL else "",
        ),
        items=items if items is not None else PERSON_ITEMS,
    )
    if publish:
        catalog_services.entry_transition(actor=hub.steward, entry=entry, action="submit")
        catalog_services.entry_transition(actor=hub.reviewer, entry=entry, action="approve")
    if mount:
        mount_services.entry_mount_table(actor=hub.steward, entry=entry)
    if rows:
        row_services.rows_insert(actor=hub.steward, entry=entry, rows=rows)
    entry.refresh_from_db()
    return entry


@pytest.fixture
def person_entry(hub: Hub) -> CatalogEntry:
    return make_entry(hub, rows=people())


def approve(
    hub: Hub, entry: CatalogEntry, *, fields: list[str], granted: list[str] | None = None, clear: bool = False
) -> Grant:
    today = timezone.localdate()
    request = sharing_services.sharing_request_create(
        actor=hub.consumer_user,
        entry=entry,
        requester_department=hub.consumer,
        purpose="低保资格核查",
        legal_basis="《社会救助暂行办法》",
        fields=fields,
        period_start=today,
        period_end=today + timedelta(days=90),
    )
    return sharing_services.sharing_request_approve(
        actor=hub.steward, request=request, fields=granted, allow_clear_text=clear
    )
