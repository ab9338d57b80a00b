"""The back office saves through the services: audit rows, form errors instead of 500s, no deletes."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from shuzheng.core.actors import SYSTEM
from shuzheng.core.spreadsheets import XLSX_CONTENT_TYPE
from shuzheng.identity.models import AuditEvent, User
from shuzheng.orgs.models import Department, Division, GridWorker
from shuzheng.orgs.services import grids
from shuzheng.orgs.tests.conftest import Tree, client_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(admin_user: User) -> Client:
    return client_for(admin_user)


def test_changelists_render(tree: Tree, admin: Client) -> None:
    for model in ("division", "department", "hall", "window", "kiosk", "grid", "gridworker"):
        response = admin.get(f"/admin/orgs/{model}/")
        assert response.status_code == 200, model
        assert admin.get(f"/admin/orgs/{model}/add/").status_code == 200, model
    page = admin.get("/admin/orgs/division/").content.decode()
    assert "导出Excel" in page
    assert "导入Excel" in page


def test_admin_add_goes_through_service(tree: Tree, admin: Client, admin_user: User) -> None:
    response = admin.post(
        "/admin/orgs/division/add/",
        {"code": "440785105", "name": "君堂镇", "level": "town", "parent": tree.city.pk},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    town = Division.objects.get(code="440785105")
    assert town.path == f"{tree.city.path}440785105/"
    event = AuditEvent.objects.get(action="orgs.division.create", subject_id=str(town.pk))
    assert event.actor_id == admin_user.pk


def test_admin_change_moves_subtree(tree: Tree, admin: Client) -> None:
    response = admin.post(
        f"/admin/orgs/department/{tree.unit.pk}/change/",
        {
            "code": "EP001-01",
            "name": tree.unit.name,
            "short_name": "",
            "uscc": "",
            "parent": tree.other.pk,
            "division": tree.city.pk,
            "serves": [tree.town.pk],
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Department.objects.get(pk=tree.subunit.pk).path == "/EP004/EP001-01/EP001-01-01/"
    assert list(Department.objects.get(pk=tree.unit.pk).serves.values_list("code", flat=True)) == [
        "440785103"
    ]
    assert (
        AuditEvent.objects.filter(action="orgs.department.update", subject_id=str(tree.unit.pk)).count() == 1
    )


def test_admin_shows_service_errors_on_the_form(tree: Tree, admin: Client) -> None:
    count = Division.objects.count()
    response = admin.post(
        "/admin/orgs/division/add/",
        {"code": "440786100", "name": "外市镇", "level": "town", "parent": tree.city.pk},
    )
    assert response.status_code == 200
    assert "应以上级区划代码前缀“440785”开头" in response.content.decode()
    assert Division.objects.count() == count
    cycle = admin.post(
        f"/admin/orgs/department/{tree.bureau.pk}/change/",
        {"code": "EP001", "name": tree.bureau.name, "parent": tree.subunit.pk, "division": tree.city.pk},
    )
    assert cycle.status_code == 200
    assert "不能把部门移动到它自身或它的下级之下" in cycle.content.decode()


def test_admin_actions_deactivate_and_no_delete(tree: Tree, admin: Client) -> None:
    response = admin.post(
        "/admin/orgs/department/",
        {"action": "deactivate_selected", "_selected_action": [tree.subunit.pk, tree.bureau.pk]},
        follow=True,
    )
    assert response.status_code == 200
    assert not Department.objects.get(pk=tree.subunit.pk).is_active
    assert Department.objects.get(pk=tree.bureau.pk).is_active  # still has an active child: refused
    assert "未能停用" in response.content.decode()
    assert admin.get(f"/admin/orgs/department/{tree.other.pk}/delete/").status_code == 403


def test_admin_xlsx_links(tree: Tree, admin: Client) -> None:
    exported = admin.get("/admin/orgs/department/export/")
    assert exported["Content-Type"] == XLSX_CONTENT_TYPE
    page = admin.get("/admin/orgs/department/import/")
    assert page.status_code == 200
    html = page.content.decode()  # the Chinese file picker, not the browser's "Choose File"
    assert '<label class="file-picker"><input type="file" name="file"' in html
    assert '<span class="file-button">选择文件</span>' in html
    assert "web/shuzheng.js" in html
    upload = SimpleUploadedFile("departments.xlsx", exported.content)
    response = admin.post("/admin/orgs/department/import/", {"file": upload})
    assert response.status_code == 302
    bad = admin.post("/admin/orgs/division/import/", {"file": SimpleUploadedFile("x.txt", b"hello")})
    assert "只支持 .xlsx" in bad.content.decode()


def test_admin_masks_grid_worker_phone_without_clearance(tree: Tree, admin_user: User) -> None:
    grid = grids.grid_create(actor=SYSTEM, code="G-1", name="第1网格", division=tree.village)
    worker = grids.grid_worker_create(actor=SYSTEM, grid=grid, name="梁志强", phone="13907501234")
    clerk = User.objects.create_user("clerk", password="Shuzheng#2026clerk", full_name="职员", is_staff=True)
    clerk.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_gridworker", "change_gridworker"])
    )
    page = client_for(clerk).get("/admin/orgs/gridworker/").content.decode()
    assert "139****1234" in page
    assert "13907501234" not in page
    detail = client_for(clerk).get(f"/admin/orgs/gridworker/{worker.pk}/change/").content.decode()
    assert "13907501234" not in detail
    assert "13907501234" in client_for(admin_user).get("/admin/orgs/gridworker/").content.decode()
    assert GridWorker.objects.get(pk=worker.pk).phone == "13907501234"
