"""Org services against the real DB: paths, moves, cycles, validation that changes nothing, audit rows."""

from __future__ import annotations

import pytest

from shuzheng.core.actors import SYSTEM
from shuzheng.core.errors import ValidationFailed
from shuzheng.core.validators import generate_uscc
from shuzheng.identity.models import AuditEvent, User
from shuzheng.orgs.models import Department, Division, Grid, GridWorker, Hall, Kiosk, Window
from shuzheng.orgs.services import departments, divisions, grids, venues
from shuzheng.orgs.tests.conftest import Tree, audit_actions

pytestmark = pytest.mark.django_db


def fields_of(exc: pytest.ExceptionInfo[ValidationFailed]) -> set[str]:
    return {e["field"] for e in exc.value.errors}


# --- divisions ------------------------------------------------------------------------------------


def test_division_paths_follow_codes(tree: Tree) -> None:
    assert tree.province.path == "/440000/"
    assert tree.city.path == "/440000/440700/440785/"
    assert tree.village.path == "/440000/440700/440785/440785103/440785103201/"


def test_division_create_writes_audit_event(tree: Tree) -> None:
    event = AuditEvent.objects.get(action="orgs.division.create", subject_id=str(tree.town.pk))
    assert event.subject_type == "orgs.division"
    assert event.after is not None
    assert event.after["code"] == "440785103"
    assert event.after["path"] == tree.town.path


def test_moving_a_division_rewrites_its_subtree(tree: Tree) -> None:
    before_events = AuditEvent.objects.count()
    moved = divisions.division_update(actor=SYSTEM, division=tree.city, parent=tree.province)
    assert moved.path == "/440000/440785/"
    assert Division.objects.get(pk=tree.town.pk).path == "/440000/440785/440785103/"
    assert Division.objects.get(pk=tree.village.pk).path == "/440000/440785/440785103/440785103201/"
    assert Division.objects.get(pk=tree.prefecture.pk).path == "/440000/440700/"  # siblings untouched
    event = AuditEvent.objects.get(action="orgs.division.update")
    assert event.before is not None
    assert event.after is not None
    assert (event.before["path"], event.after["path"]) == ("/440000/440700/440785/", "/440000/440785/")
    assert AuditEvent.objects.count() == before_events + 1


def test_division_cannot_move_below_itself(tree: Tree) -> None:
    with pytest.raises(ValidationFailed) as exc:
        divisions.division_update(actor=SYSTEM, division=tree.city, parent=tree.town)
    assert "parent" in fields_of(exc) or "level" in fields_of(exc)
    assert Division.objects.get(pk=tree.city.pk).parent_id == tree.prefecture.pk


@pytest.mark.parametrize(
    ("code", "level", "parent_attr", "field", "fragment"),
    [
        ("12345", "town", "city", "code", "6位、9位或12位"),
        ("440785", "town", "city", "code", "区划代码"),  # duplicate / wrong length for a town
        ("440786100", "town", "city", "code", "前缀“440785”"),
        ("44078510", "town", "city", "code", "6位、9位或12位"),
        ("440785103", "village", "town", "code", "12位"),
        ("440785199", "province", "city", "level", "不能作为"),
        ("990785100", "town", "city", "code", "省级代码"),
    ],
)
def test_bad_division_input_changes_nothing(
    tree: Tree, code: str, level: str, parent_attr: str, field: str, fragment: str
) -> None:
    rows, events = Division.objects.count(), AuditEvent.objects.count()
    with pytest.raises(ValidationFailed) as exc:
        divisions.division_create(
            actor=SYSTEM, code=code, name="测试", level=level, parent=getattr(tree, parent_attr)
        )
    assert field in fields_of(exc)
    assert any(fragment in e["message"] for e in exc.value.errors), exc.value.errors
    assert (Division.objects.count(), AuditEvent.objects.count()) == (rows, events)


def test_division_code_is_normalised(tree: Tree) -> None:
    town = divisions.division_create(
        actor=SYSTEM, code="４４０７８５１０５", name="君堂镇", level="town", parent=tree.city
    )
    assert town.code == "440785105"


def test_division_errors_name_every_bad_field(tree: Tree) -> None:
    with pytest.raises(ValidationFailed) as exc:
        divisions.division_create(actor=SYSTEM, code="x", name="", level="planet", parent=tree.city)
    assert fields_of(exc) >= {"code", "name", "level"}
    assert all(e["message"] for e in exc.value.errors)


def test_division_code_change_blocked_when_children_disagree(tree: Tree) -> None:
    with pytest.raises(ValidationFailed) as exc:
        divisions.division_update(actor=SYSTEM, division=tree.town, code="440785109")
    assert "code" in fields_of(exc)
    assert Division.objects.get(pk=tree.town.pk).code == "440785103"


def test_division_deactivate_needs_children_deactivated_first(tree: Tree) -> None:
    with pytest.raises(ValidationFailed):
        divisions.division_deactivate(actor=SYSTEM, division=tree.town)
    divisions.division_deactivate(actor=SYSTEM, division=tree.village)
    divisions.division_deactivate(actor=SYSTEM, division=tree.village2)
    town = divisions.division_deactivate(actor=SYSTEM, division=tree.town)
    assert not town.is_active
    with pytest.raises(ValidationFailed):
        divisions.division_activate(actor=SYSTEM, division=tree.village)
    divisions.division_activate(actor=SYSTEM, division=tree.town)
    assert audit_actions(action__startswith="orgs.division.").count("orgs.division.deactivate") == 3


def test_noop_update_writes_nothing(tree: Tree) -> None:
    events = AuditEvent.objects.count()
    divisions.division_update(actor=SYSTEM, division=tree.town, name="沙湖镇")
    departments.department_update(actor=SYSTEM, department=tree.bureau, serves=[tree.city])
    assert AuditEvent.objects.count() == events


# --- departments ----------------------------------------------------------------------------------


def test_department_paths_and_move(tree: Tree) -> None:
    assert tree.subunit.path == "/EP001/EP001-01/EP001-01-01/"
    departments.department_update(actor=SYSTEM, department=tree.unit, parent=tree.other)
    assert Department.objects.get(pk=tree.unit.pk).path == "/EP004/EP001-01/"
    assert Department.objects.get(pk=tree.subunit.pk).path == "/EP004/EP001-01/EP001-01-01/"
    assert Department.objects.get(pk=tree.bureau.pk).path == "/EP001/"
    departments.department_update(actor=SYSTEM, department=tree.unit, parent=None)
    assert Department.objects.get(pk=tree.subunit.pk).path == "/EP001-01/EP001-01-01/"


def test_department_code_change_moves_subtree(tree: Tree) -> None:
    departments.department_update(actor=SYSTEM, department=tree.bureau, code="ep100")
    assert Department.objects.get(pk=tree.bureau.pk).code == "EP100"
    assert Department.objects.get(pk=tree.subunit.pk).path == "/EP100/EP001-01/EP001-01-01/"


def test_department_cycle_is_refused_and_changes_nothing(tree: Tree) -> None:
    events = AuditEvent.objects.count()
    with pytest.raises(ValidationFailed) as exc:
        departments.department_update(actor=SYSTEM, department=tree.bureau, parent=tree.subunit)
    assert fields_of(exc) == {"parent"}
    assert "下级" in exc.value.errors[0]["message"]
    with pytest.raises(ValidationFailed):
        departments.department_update(actor=SYSTEM, department=tree.bureau, parent=tree.bureau)
    bureau = Department.objects.get(pk=tree.bureau.pk)
    assert (bureau.parent_id, bureau.path) == (None, "/EP001/")
    assert AuditEvent.objects.count() == events


def test_department_validation(tree: Tree) -> None:
    count = Department.objects.count()
    with pytest.raises(ValidationFailed) as exc:
        departments.department_create(
            actor=SYSTEM, code="a/b", name="恩平市公安局", division=tree.city, uscc="91440785MA00000000"
        )
    assert fields_of(exc) == {"code", "name", "uscc"}
    assert Department.objects.count() == count


def test_department_uscc_and_serves(tree: Tree) -> None:
    uscc = generate_uscc("440785", 123, authority="1", entity_type="1")
    department = departments.department_create(
        actor=SYSTEM,
        code="EP020",
        name="恩平市市场监督管理局",
        division=tree.city,
        uscc=uscc.lower(),
        serves=[tree.town, tree.other_town],
    )
    assert department.uscc == uscc
    assert set(department.serves.values_list("code", flat=True)) == {"440785103", "440785104"}
    event = AuditEvent.objects.get(action="orgs.department.create", subject_id=str(department.pk))
    assert event.after is not None
    assert event.after["serves"] == ["440785103", "440785104"]
    departments.department_update(actor=SYSTEM, department=department, serves=[tree.town])
    assert list(department.serves.values_list("code", flat=True)) == ["440785103"]
    assert audit_actions(subject_id=str(department.pk), subject_type="orgs.department") == [
        "orgs.department.create",
        "orgs.department.update",
    ]


def test_department_deactivate(tree: Tree) -> None:
    with pytest.raises(ValidationFailed):
        departments.department_deactivate(actor=SYSTEM, department=tree.unit)
    departments.department_deactivate(actor=SYSTEM, department=tree.subunit)
    assert not departments.department_deactivate(actor=SYSTEM, department=tree.unit).is_active
    with pytest.raises(ValidationFailed) as exc:
        departments.department_create(
            actor=SYSTEM, code="X1", name="新科室", division=tree.city, parent=tree.unit
        )
    assert fields_of(exc) == {"parent"}


# --- halls, windows, kiosks -----------------------------------------------------------------------


@pytest.fixture
def hall(tree: Tree) -> Hall:
    return venues.hall_create(
        actor=SYSTEM, code="H440785", name="恩平市政务服务中心", level="city", division=tree.city
    )


def test_hall_level_must_match_division(tree: Tree) -> None:
    with pytest.raises(ValidationFailed) as exc:
        venues.hall_create(actor=SYSTEM, code="HX", name="错层大厅", level="village", division=tree.town)
    assert fields_of(exc) == {"division"}
    assert not Hall.objects.exists()


def test_specialised_window_requires_department(hall: Hall, tree: Tree) -> None:
    with pytest.raises(ValidationFailed) as exc:
        venues.window_create(actor=SYSTEM, hall=hall, number="11", name="户政窗口", kind="specialised")
    assert fields_of(exc) == {"department"}
    assert exc.value.errors[0]["message"] == "专业窗口必须指定所属部门"
    window = venues.window_create(
        actor=SYSTEM, hall=hall, number="11", name="户政窗口", kind="specialised", department=tree.other
    )
    with pytest.raises(ValidationFailed) as dup:
        venues.window_create(actor=SYSTEM, hall=hall, number="11", name="另一个")
    assert fields_of(dup) == {"number"}
    with pytest.raises(ValidationFailed):
        venues.window_update(actor=SYSTEM, window=window, department=None)
    assert audit_actions(subject_type="orgs.window") == ["orgs.window.create"]


def test_hall_deactivate_closes_windows(hall: Hall) -> None:
    venues.window_create(actor=SYSTEM, hall=hall, number="01", name="综合受理窗口")
    venues.window_create(actor=SYSTEM, hall=hall, number="02", name="综合受理窗口")
    venues.hall_deactivate(actor=SYSTEM, hall=hall)
    assert not Window.objects.filter(is_active=True).exists()
    event = AuditEvent.objects.get(action="orgs.hall.deactivate")
    assert event.after is not None
    assert event.after["windows_closed"] == ["01", "02"]
    with pytest.raises(ValidationFailed):
        venues.window_activate(actor=SYSTEM, window=Window.objects.get(number="01"))


def test_bank_terminal_requires_bank_and_outlet(tree: Tree, hall: Hall) -> None:
    with pytest.raises(ValidationFailed) as exc:
        venues.kiosk_create(
            actor=SYSTEM, code="ZYTB-1", kind="bank_terminal", name="终端", division=tree.town
        )
    assert fields_of(exc) == {"bank_name", "bank_outlet"}
    with pytest.raises(ValidationFailed) as wrong_hall:
        venues.kiosk_create(
            actor=SYSTEM, code="Q-1", kind="kiosk", name="自助机", division=tree.town, hall=hall
        )
    assert fields_of(wrong_hall) == {"hall"}
    assert not Kiosk.objects.exists()
    kiosk = venues.kiosk_create(
        actor=SYSTEM,
        code="ZYTB-1",
        kind="bank_terminal",
        name="政银通办终端",
        division=tree.town,
        bank_name="恩平农商银行",
        bank_outlet="沙湖网点",
    )
    venues.kiosk_update(actor=SYSTEM, kiosk=kiosk, address="沙湖镇某路1号")
    venues.kiosk_deactivate(actor=SYSTEM, kiosk=kiosk)
    assert audit_actions(subject_type="orgs.kiosk") == [
        "orgs.kiosk.create",
        "orgs.kiosk.update",
        "orgs.kiosk.deactivate",
    ]


# --- grids and workers ----------------------------------------------------------------------------


def test_grid_must_be_in_a_village(tree: Tree) -> None:
    with pytest.raises(ValidationFailed) as exc:
        grids.grid_create(actor=SYSTEM, code="G1", name="网格", division=tree.town)
    assert fields_of(exc) == {"division"}


def test_grid_worker_phone_is_validated_encrypted_and_masked_in_audit(tree: Tree) -> None:
    grid = grids.grid_create(actor=SYSTEM, code="440785103201-01", name="第1网格", division=tree.village)
    with pytest.raises(ValidationFailed) as exc:
        grids.grid_worker_create(actor=SYSTEM, grid=grid, name="梁志强", phone="12345")
    assert fields_of(exc) == {"phone"}
    worker = grids.grid_worker_create(actor=SYSTEM, grid=grid, name="梁志强", phone="139 0750 1234")
    assert GridWorker.objects.get(pk=worker.pk).phone == "13907501234"
    event = AuditEvent.objects.get(action="orgs.grid_worker.create")
    assert event.after is not None
    assert event.after["phone"] == "139****1234"
    with pytest.raises(ValidationFailed):
        grids.grid_deactivate(actor=SYSTEM, grid=grid)
    grids.grid_worker_deactivate(actor=SYSTEM, worker=worker)
    assert not grids.grid_deactivate(actor=SYSTEM, grid=grid).is_active
    assert Grid.objects.filter(is_active=False).count() == 1


def test_grid_worker_phone_is_stored_encrypted(tree: Tree) -> None:
    from django.db import connection

    grid = grids.grid_create(actor=SYSTEM, code="G-ENC", name="加密网格", division=tree.village)
    worker = grids.grid_worker_create(actor=SYSTEM, grid=grid, name="吴丽芳", phone="13907505678")
    with connection.cursor() as cursor:
        cursor.execute("SELECT phone FROM orgs_gridworker WHERE id = %s", [worker.pk])
        stored = cursor.fetchone()[0]
    assert "13907505678" not in stored


def test_audit_actor_is_recorded(tree: Tree, admin_user: User) -> None:
    divisions.division_update(actor=admin_user, division=tree.town, name="沙湖镇（改）")
    event = AuditEvent.objects.get(action="orgs.division.update")
    assert event.actor_id == admin_user.pk
