"""/api/v1/orgs: auth (401/403), 404, unknown fields (422), create/patch, keyset pagination, query counts."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from shuzheng.core.actors import SYSTEM
from shuzheng.identity.models import AuditEvent, User
from shuzheng.orgs import demo
from shuzheng.orgs.models import Department, Division, GridWorker, Hall, Kiosk, Window
from shuzheng.orgs.services import divisions, grids, venues
from shuzheng.orgs.tests.conftest import Tree, client_for, grant

pytestmark = pytest.mark.django_db

BASE = "/api/v1/orgs"
PROBLEM = "application/problem+json"


def post(client: Client, url: str, body: dict[str, Any]) -> Any:
    return client.post(url, data=json.dumps(body), content_type="application/json")


def patch(client: Client, url: str, body: dict[str, Any]) -> Any:
    return client.patch(url, data=json.dumps(body), content_type="application/json")


@pytest.fixture
def admin(admin_user: User) -> Client:
    return client_for(admin_user)


# --- authentication and permissions ---------------------------------------------------------------


@pytest.mark.parametrize("path", ["/divisions", "/departments", "/windows", "/grids", "/grid-workers"])
def test_anonymous_gets_401_problem(tree: Tree, path: str) -> None:
    response = Client().get(f"{BASE}{path}")
    assert response.status_code == 401
    assert response["Content-Type"].startswith(PROBLEM)
    assert response.json()["code"] == "authentication_required"


def test_halls_and_kiosks_are_public(tree: Tree) -> None:
    venues.hall_create(
        actor=SYSTEM, code="H440785", name="恩平市政务服务中心", level="city", division=tree.city
    )
    venues.kiosk_create(actor=SYSTEM, code="Q-1", kind="kiosk", name="侨都之窗", division=tree.city)
    anonymous = Client()
    halls = anonymous.get(f"{BASE}/halls")
    assert halls.status_code == 200
    assert [h["name"] for h in halls.json()["items"]] == ["恩平市政务服务中心"]
    hall_id = halls.json()["items"][0]["id"]
    assert anonymous.get(f"{BASE}/halls/{hall_id}").json()["division_name"] == "恩平市"
    assert anonymous.get(f"{BASE}/kiosks").json()["items"][0]["code"] == "Q-1"
    # public to read, not to write
    assert (
        post(
            anonymous, f"{BASE}/halls", {"code": "H2", "name": "x", "level": "city", "division_id": 1}
        ).status_code
        == 401
    )


def test_any_authenticated_user_reads_structure(tree: Tree, staff: User) -> None:
    response = client_for(staff).get(f"{BASE}/divisions", {"under": "440785103"})
    assert response.status_code == 200
    assert [d["code"] for d in response.json()["items"]] == ["440785103", "440785103201", "440785103202"]


def test_write_without_permission_is_403_and_changes_nothing(tree: Tree, staff: User) -> None:
    client = client_for(staff)
    count = Division.objects.count()
    response = post(
        client,
        f"{BASE}/divisions",
        {"code": "440785105", "name": "君堂镇", "level": "town", "parent_id": tree.city.pk},
    )
    assert response.status_code == 403
    assert response["Content-Type"].startswith(PROBLEM)
    body = response.json()
    assert body["code"] == "permission_denied"
    assert "“新增行政区划”" in body["detail"]  # the permission in Chinese, never "orgs.add_division"
    assert Division.objects.count() == count
    assert patch(client, f"{BASE}/departments/{tree.bureau.pk}", {"name": "改名"}).status_code == 403


def test_role_permission_allows_create(tree: Tree, staff: User) -> None:
    user = grant(staff, ["orgs.add_division"])
    response = post(
        client_for(user),
        f"{BASE}/divisions",
        {"code": "440785105", "name": "君堂镇", "level": "town", "parent_id": tree.city.pk},
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["path"] == f"{tree.city.path}440785105/"
    assert body["level_label"] == "镇（街道）"
    event = AuditEvent.objects.get(action="orgs.division.create", subject_id=str(body["id"]))
    assert event.actor_id == user.pk


# --- 404 and 422 ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/divisions/999999",
        "/departments/999999",
        "/halls/999999",
        "/windows/999999",
        "/kiosks/999999",
        "/grids/999999",
        "/grid-workers/999999",
    ],
)
def test_unknown_id_is_404(tree: Tree, admin: Client, path: str) -> None:
    response = admin.get(f"{BASE}{path}")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_patch_unknown_id_is_404(admin: Client, tree: Tree) -> None:
    assert patch(admin, f"{BASE}/divisions/999999", {"name": "x"}).status_code == 404
    assert patch(admin, f"{BASE}/grid-workers/999999", {"name": "x"}).status_code == 404


def test_unknown_fields_are_422(tree: Tree, admin: Client) -> None:
    count = Department.objects.count()
    response = post(
        admin,
        f"{BASE}/departments",
        {"code": "EP050", "name": "新部门", "division_id": tree.city.pk, "is_admin": True},
    )
    assert response.status_code == 422
    errors = response.json()["errors"]
    assert {"field": "is_admin", "message": "不允许的字段", "type": "extra_forbidden"} in errors
    assert Department.objects.count() == count
    assert patch(admin, f"{BASE}/divisions/{tree.town.pk}", {"path": "/x/"}).status_code == 422


def test_service_validation_is_422_with_field(tree: Tree, admin: Client) -> None:
    hall = venues.hall_create(actor=SYSTEM, code="H1", name="大厅", level="city", division=tree.city)
    response = post(
        admin, f"{BASE}/windows", {"hall_id": hall.pk, "number": "11", "name": "户政", "kind": "specialised"}
    )
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"field": "department", "message": "专业窗口必须指定所属部门", "type": "invalid"}
    ]
    assert not Window.objects.exists()
    bad_ref = post(
        admin, f"{BASE}/divisions", {"code": "440785105", "name": "x", "level": "town", "parent_id": 999}
    )
    assert bad_ref.status_code == 422
    assert bad_ref.json()["errors"][0]["field"] == "parent_id"


def test_null_for_required_field_is_422(tree: Tree, admin: Client) -> None:
    response = patch(admin, f"{BASE}/divisions/{tree.town.pk}", {"name": None})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "name"


# --- create and patch -----------------------------------------------------------------------------


def test_department_create_and_move(tree: Tree, admin: Client) -> None:
    created = post(
        admin,
        f"{BASE}/departments",
        {
            "code": "ep050",
            "name": "恩平市测试局",
            "division_id": tree.city.pk,
            "parent_id": tree.other.pk,
            "serves": [tree.town.pk, tree.other_town.pk],
        },
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert (body["code"], body["path"], body["serves"]) == (
        "EP050",
        "/EP004/EP050/",
        ["440785103", "440785104"],
    )
    moved = patch(admin, f"{BASE}/departments/{tree.unit.pk}", {"parent_id": tree.other.pk})
    assert moved.status_code == 200
    assert moved.json()["path"] == "/EP004/EP001-01/"
    assert Department.objects.get(pk=tree.subunit.pk).path == "/EP004/EP001-01/EP001-01-01/"
    to_root = patch(admin, f"{BASE}/departments/{tree.unit.pk}", {"parent_id": None})
    assert to_root.json()["path"] == "/EP001-01/"
    cycle = patch(admin, f"{BASE}/departments/{tree.unit.pk}", {"parent_id": tree.subunit.pk})
    assert cycle.status_code == 422
    assert cycle.json()["errors"][0]["field"] == "parent"


def test_deactivate_and_activate(tree: Tree, admin: Client) -> None:
    response = admin.post(f"{BASE}/departments/{tree.other.pk}/deactivate")
    assert response.status_code == 200
    assert response.json()["is_active"] is False
    listed = admin.get(f"{BASE}/departments").json()["items"]
    assert "EP004" not in [d["code"] for d in listed]
    with_inactive = admin.get(f"{BASE}/departments", {"include_inactive": "true"}).json()["items"]
    assert "EP004" in [d["code"] for d in with_inactive]
    assert admin.post(f"{BASE}/departments/{tree.other.pk}/activate").json()["is_active"] is True


def test_hall_window_kiosk_grid_crud(tree: Tree, admin: Client) -> None:
    hall = post(
        admin,
        f"{BASE}/halls",
        {"code": "H440785103", "name": "沙湖镇政务服务中心", "level": "town", "division_id": tree.town.pk},
    )
    assert hall.status_code == 201, hall.content
    hall_id = hall.json()["id"]
    assert (
        patch(admin, f"{BASE}/halls/{hall_id}", {"opening_hours": "工作日"}).json()["opening_hours"]
        == "工作日"
    )
    window = post(
        admin,
        f"{BASE}/windows",
        {
            "hall_id": hall_id,
            "number": "03",
            "name": "社保窗口",
            "kind": "specialised",
            "department_id": tree.bureau.pk,
        },
    )
    assert window.status_code == 201
    assert window.json()["department_name"] == "恩平市政务服务数据管理局"
    kiosk = post(
        admin,
        f"{BASE}/kiosks",
        {"code": "ZYTB-009", "kind": "bank_terminal", "name": "终端", "division_id": tree.town.pk},
    )
    assert kiosk.status_code == 422
    assert {e["field"] for e in kiosk.json()["errors"]} == {"bank_name", "bank_outlet"}
    kiosk = post(
        admin,
        f"{BASE}/kiosks",
        {
            "code": "ZYTB-009",
            "kind": "bank_terminal",
            "name": "终端",
            "division_id": tree.town.pk,
            "bank_name": "恩平农商银行",
            "bank_outlet": "沙湖网点",
        },
    )
    assert kiosk.status_code == 201
    grid = post(admin, f"{BASE}/grids", {"code": "G-1", "name": "第1网格", "division_id": tree.village.pk})
    assert grid.status_code == 201
    assert patch(admin, f"{BASE}/grids/{grid.json()['id']}", {"name": "一网格"}).json()["name"] == "一网格"
    assert Hall.objects.count() == 1
    assert Window.objects.count() == 1
    assert Kiosk.objects.count() == 1


# --- grid workers: permission and masking ---------------------------------------------------------


@pytest.fixture
def worker(tree: Tree) -> GridWorker:
    grid = grids.grid_create(actor=SYSTEM, code="G-1", name="第1网格", division=tree.village)
    return grids.grid_worker_create(actor=SYSTEM, grid=grid, name="梁志强", phone="13907501234")


def test_grid_workers_need_view_permission(worker: GridWorker, staff: User) -> None:
    response = client_for(staff).get(f"{BASE}/grid-workers")
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"


def test_grid_worker_phone_masked_without_clearance(worker: GridWorker, staff: User) -> None:
    viewer = grant(staff, ["orgs.view_gridworker"])
    items = client_for(viewer).get(f"{BASE}/grid-workers").json()["items"]
    assert [(w["name"], w["phone"]) for w in items] == [("梁志强", "139****1234")]
    detail = client_for(viewer).get(f"{BASE}/grid-workers/{worker.pk}").json()
    assert detail["phone"] == "139****1234"


def test_grid_worker_phone_clear_with_clearance(worker: GridWorker, staff: User) -> None:
    viewer = grant(staff, ["orgs.view_gridworker", "identity.view_clear_personal_data"])
    items = client_for(viewer).get(f"{BASE}/grid-workers").json()["items"]
    assert items[0]["phone"] == "13907501234"


def test_grid_worker_create_and_patch(tree: Tree, worker: GridWorker, staff: User) -> None:
    editor = grant(staff, ["orgs.add_gridworker", "orgs.change_gridworker"])
    client = client_for(editor)
    created = post(
        client, f"{BASE}/grid-workers", {"grid_id": worker.grid_id, "name": "吴丽芳", "phone": "13907505678"}
    )
    assert created.status_code == 201, created.content
    assert created.json()["phone"] == "139****5678"
    bad = patch(client, f"{BASE}/grid-workers/{worker.pk}", {"phone": "0750-123"})
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"] == "phone"
    ok = patch(client, f"{BASE}/grid-workers/{worker.pk}", {"phone": "13907500000"})
    assert ok.status_code == 200
    assert GridWorker.objects.get(pk=worker.pk).phone == "13907500000"


# --- pagination and query counts ------------------------------------------------------------------


def test_keyset_pagination_walks_every_row_once(tree: Tree, admin: Client) -> None:
    for i in range(1, 24):
        divisions.division_create(
            actor=SYSTEM,
            code=f"440785104{i:03d}",
            name=f"牛江镇第{i}村",
            level="village",
            parent=tree.other_town,
        )
    expected = list(Division.objects.order_by("path", "id").values_list("code", flat=True))
    seen: list[str] = []
    cursor = None
    pages = 0
    while True:
        params = {"limit": 5, **({"cursor": cursor} if cursor else {})}
        body = admin.get(f"{BASE}/divisions", params).json()
        seen += [d["code"] for d in body["items"]]
        pages += 1
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert seen == expected
    assert pages == -(-len(expected) // 5)
    bad = admin.get(f"{BASE}/divisions", {"cursor": "not-a-cursor"})
    assert bad.status_code == 400
    assert admin.get(f"{BASE}/divisions", {"limit": 1000}).status_code == 422


def test_list_filters(tree: Tree, admin: Client) -> None:
    towns = admin.get(f"{BASE}/divisions", {"level": "town"}).json()["items"]
    assert [d["code"] for d in towns] == ["440785103", "440785104"]
    children = admin.get(f"{BASE}/divisions", {"parent": tree.town.pk}).json()["items"]
    assert [d["name"] for d in children] == ["沙湖镇第1村", "沙湖镇第2村"]
    found = admin.get(f"{BASE}/divisions", {"q": "牛江"}).json()["items"]
    assert [d["code"] for d in found] == ["440785104"]
    under = admin.get(f"{BASE}/departments", {"under": "EP001"}).json()["items"]
    assert [d["code"] for d in under] == ["EP001", "EP001-01", "EP001-01-01"]
    assert admin.get(f"{BASE}/divisions", {"under": "999999"}).json()["items"] == []


LIST_PATHS = ["/divisions", "/departments", "/halls", "/windows", "/kiosks", "/grids", "/grid-workers"]


def test_list_query_count_does_not_grow_with_rows(admin: Client, django_assert_max_num_queries: Any) -> None:
    demo.load()
    for path in LIST_PATHS:
        admin.get(f"{BASE}{path}")  # warm the session and permission caches
        # session, user, permissions, the page, and prefetched serves: a constant, whatever the page size
        with django_assert_max_num_queries(7):
            response = admin.get(f"{BASE}{path}", {"limit": 100})
        assert response.status_code == 200
        assert len(response.json()["items"]) >= 27, path
