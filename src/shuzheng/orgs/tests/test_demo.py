"""Enping demo data: the plan's counts, a consistent tree, idempotent loading."""

from __future__ import annotations

import re
import time
from collections import Counter
from typing import Any

import pytest

from shuzheng.core.actors import SYSTEM
from shuzheng.identity.models import AuditEvent
from shuzheng.orgs import demo, selectors
from shuzheng.orgs.models import Department, Division, Grid, GridWorker, Hall, Kiosk, Window
from shuzheng.orgs.services import departments

pytestmark = pytest.mark.django_db


@pytest.fixture
def loaded(db: Any) -> dict[str, int]:
    return demo.load()


def test_counts_match_the_plan(loaded: dict[str, int]) -> None:
    assert Hall.objects.count() == 189
    assert Kiosk.objects.filter(kind=Kiosk.Kind.KIOSK).count() == 27
    terminals = Kiosk.objects.filter(kind=Kiosk.Kind.BANK_TERMINAL)
    assert terminals.count() == 14
    assert len({t.bank_name for t in terminals}) == 6
    assert len(demo.bank_outlets()) == 27
    assert len({o.bank for o in demo.bank_outlets()}) == 6
    assert Department.objects.count() >= 30 + 12
    assert 170 <= Division.objects.filter(level=Division.Level.VILLAGE).count() <= 190
    assert loaded["halls"] == 189
    assert loaded["kiosks"] == 27
    assert loaded["bank_terminals"] == 14
    assert loaded["created"] > 0


def test_tree_is_consistent(loaded: dict[str, int]) -> None:
    towns = Division.objects.filter(level=Division.Level.TOWN)
    assert sorted(t.name for t in towns) == sorted(
        [
            "恩城街道",
            "横陂镇",
            "圣堂镇",
            "良西镇",
            "沙湖镇",
            "牛江镇",
            "君堂镇",
            "大槐镇",
            "东成镇",
            "大田镇",
            "那吉镇",
            "朗底镇",
        ]
    )
    for division in Division.objects.select_related("parent"):
        parent_path = division.parent.path if division.parent else "/"
        assert division.path == f"{parent_path}{division.code}/"
    assert Division.objects.get(code="440785").path == "/440000/440700/440785/"
    villages = Division.objects.filter(level=Division.Level.VILLAGE)
    assert all(v.is_generated for v in villages)
    assert all(
        len(v.code) == 12 and v.parent is not None and v.code.startswith(v.parent.code)
        for v in villages.select_related("parent")
    )
    for department in Department.objects.select_related("parent"):
        assert department.path == f"{department.parent.path if department.parent else '/'}{department.code}/"
    assert Department.objects.filter(name="沙湖镇综合治理办公室", parent__name="沙湖镇人民政府").exists()


def test_halls_windows_and_kiosks_sit_where_they_should(loaded: dict[str, int]) -> None:
    levels = Counter(Hall.objects.values_list("level", flat=True))
    assert levels == {"city": 1, "town": 12, "village": 176}
    for hall in Hall.objects.select_related("division"):
        assert hall.division.level == hall.level, hall
    city_hall = Hall.objects.get(level="city")
    assert city_hall.name == "恩平市政务服务中心"
    assert 35 <= Window.objects.filter(hall=city_hall).count() <= 45
    assert Window.objects.filter(hall=city_hall, kind="comprehensive").exists()
    assert not Window.objects.filter(kind="specialised", department__isnull=True).exists()
    for hall in Hall.objects.filter(level="town"):
        assert 3 <= hall.windows.count() <= 5
    # every street and town has a 侨都之窗 kiosk (the plan's 镇街覆盖率 100%)
    covered = {
        k.division.path.split("/")[4]
        for k in Kiosk.objects.filter(kind="kiosk").select_related("division")
        if k.division.level != "city"
    }
    assert len(covered) == 12
    for terminal in Kiosk.objects.filter(kind="bank_terminal"):
        assert terminal.bank_name
        assert terminal.bank_outlet


def test_grids_have_one_worker_each_with_valid_mobiles(loaded: dict[str, int]) -> None:
    per_village = Counter(Grid.objects.values_list("division_id", flat=True))
    assert set(per_village.values()) <= {2, 3, 4}
    assert len(per_village) == Division.objects.filter(level="village").count()
    assert GridWorker.objects.count() == Grid.objects.count()
    assert all(re.fullmatch(r"1[3-9]\d{9}", w.phone) for w in GridWorker.objects.all())


def test_load_is_idempotent_and_audited_once(loaded: dict[str, int]) -> None:
    before = {
        m.__name__: m.objects.count() for m in (Division, Department, Hall, Window, Kiosk, Grid, GridWorker)
    }
    again = demo.load()
    after = {
        m.__name__: m.objects.count() for m in (Division, Department, Hall, Window, Kiosk, Grid, GridWorker)
    }
    assert after == before
    assert again["created"] == 0
    assert {k: v for k, v in again.items() if k != "created"} == {
        k: v for k, v in loaded.items() if k != "created"
    }
    assert AuditEvent.objects.filter(action="orgs.demo.load").count() == 1


def test_progress_and_speed(db: Any) -> None:
    calls: list[tuple[str, int, int]] = []
    started = time.monotonic()
    demo.load(progress=lambda label, done, total: calls.append((label, done, total)))
    assert time.monotonic() - started < 30
    assert calls[0] == ("行政区划", 1, 6)
    assert calls[-1][1:] == (6, 6)


def test_demo_data_works_with_services_and_selectors(loaded: dict[str, int]) -> None:
    shahu = Department.objects.get(name="沙湖镇人民政府")
    departments.department_update(actor=SYSTEM, department=shahu, name="恩平市沙湖镇人民政府")
    town = Division.objects.get(name="沙湖镇")
    halls = selectors.hall_list(under=town.code, limit=100).items
    assert len(halls) == 1 + Division.objects.filter(parent=town).count()
    assert selectors.kiosk_list(kind="bank_terminal", limit=100).items
