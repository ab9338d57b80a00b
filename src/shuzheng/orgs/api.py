"""/api/v1/orgs/...: divisions, departments, halls, windows, kiosks, grids, grid workers.

Thin: parse, check the model permission, call one service or selector, shape the output. Reading the
org structure needs a login; halls and kiosks are public; grid workers need ``orgs.view_gridworker``.
Writes answer with the row the service returns.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Model
from django.http import HttpRequest, HttpResponse
from ninja import File, Query, Router, Status, UploadedFile
from ninja.security import django_auth

from shuzheng.core.actors import Actor
from shuzheng.core.errors import PermissionDenied, UnsupportedMediaType, ValidationFailed
from shuzheng.core.imports import ImportReport
from shuzheng.core.lookup import resolve_many_or_422, resolve_or_422
from shuzheng.core.pagination import DEFAULT_LIMIT, page_out
from shuzheng.core.permissions import missing_permission
from shuzheng.core.schemas import PageLimit
from shuzheng.core.spreadsheets import XLSX_CONTENT_TYPE
from shuzheng.orgs import selectors, xlsx
from shuzheng.orgs.models import Department, Division, Grid, GridWorker, Hall, Kiosk, Window
from shuzheng.orgs.schemas import (
    DepartmentFilters,
    DepartmentIn,
    DepartmentOut,
    DepartmentPage,
    DepartmentPatch,
    DivisionFilters,
    DivisionIn,
    DivisionOut,
    DivisionPage,
    DivisionPatch,
    GridFilters,
    GridIn,
    GridOut,
    GridPage,
    GridPatch,
    GridWorkerFilters,
    GridWorkerIn,
    GridWorkerOut,
    GridWorkerPage,
    GridWorkerPatch,
    HallFilters,
    HallIn,
    HallOut,
    HallPage,
    HallPatch,
    ImportReportOut,
    KioskFilters,
    KioskIn,
    KioskOut,
    KioskPage,
    KioskPatch,
    StrictIn,
    WindowFilters,
    WindowIn,
    WindowOut,
    WindowPage,
    WindowPatch,
)
from shuzheng.orgs.services import departments, divisions, grids, venues

router = Router(tags=["组织机构"], auth=django_auth)

_PERM_LABELS = {"add": "新增", "change": "修改", "view": "查看"}
_MODEL_LABELS = {
    "division": "行政区划",
    "department": "部门",
    "hall": "政务服务大厅",
    "window": "窗口",
    "kiosk": "自助终端",
    "grid": "网格",
    "gridworker": "网格员",
}

# The rows an input may name, per entity: `<name>_id` in the payload becomes `<name>` for the service.
_Refs = dict[str, tuple[type[Model], str]]
_DIVISION_REFS: _Refs = {"parent": (Division, "上级区划")}
_DEPARTMENT_REFS: _Refs = {"parent": (Department, "上级部门"), "division": (Division, "所在区划")}
_HALL_REFS: _Refs = {"division": (Division, "所在区划")}
_WINDOW_REFS: _Refs = {"hall": (Hall, "所属大厅"), "department": (Department, "所属部门")}
_KIOSK_REFS: _Refs = {"division": (Division, "所在区划"), "hall": (Hall, "所在大厅")}
_GRID_REFS: _Refs = {"division": (Division, "所属村（社区）")}
_GRID_WORKER_REFS: _Refs = {"grid": (Grid, "网格"), "user": (get_user_model(), "账号")}


def _actor(request: HttpRequest) -> Actor:
    return request.user


def _require(request: HttpRequest, *perms: str) -> None:
    for perm in perms:
        if not request.user.has_perm(perm):
            verb, _, model = perm.partition(".")[2].partition("_")
            what = f"{_PERM_LABELS.get(verb, verb)}{_MODEL_LABELS.get(model, model)}"
            raise PermissionDenied(f"没有{what}的权限{missing_permission(perm)}")


def _with_refs(data: dict[str, Any], refs: _Refs) -> dict[str, Any]:
    """`data` with each `<name>_id` it holds replaced by `<name>`, the row it names (null stays None)."""
    for name, (model, label) in refs.items():
        field = f"{name}_id"
        if field in data:
            pk = data.pop(field)
            data[name] = (
                None
                if pk is None
                else resolve_or_422(model._default_manager.all(), pk, field=field, label=label)
            )
    return data


def _department_refs(data: dict[str, Any]) -> dict[str, Any]:
    """`_with_refs`, and `serves` (a list of division ids) replaced by those divisions."""
    data = _with_refs(data, _DEPARTMENT_REFS)
    if "serves" in data:
        data["serves"] = resolve_many_or_422(
            Division.objects.all(), data["serves"], field="serves", label="服务区划"
        )
    return data


def _changes(payload: StrictIn, *, not_null: set[str]) -> dict[str, Any]:
    """Fields the client sent; null is only allowed where it means "none" (parent, department, hall, user)."""
    data = payload.model_dump(exclude_unset=True)
    for name in sorted(not_null & data.keys()):
        if data[name] is None:
            raise ValidationFailed.for_field(name, "不能为空")
    return data


def _xlsx_response(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{filename}"
    return response


def _import(
    request: HttpRequest, file: UploadedFile, importer: Callable[..., ImportReport], *perms: str
) -> dict[str, Any]:
    _require(request, *perms)
    if not (file.name or "").lower().endswith(".xlsx"):
        raise UnsupportedMediaType("只支持 .xlsx 格式的 Excel 文件。", code="not_xlsx")
    report = importer(file, actor=_actor(request))
    if not report.ok:
        raise ValidationFailed(
            report.summary() + " " + "；".join(str(e) for e in report.errors[:5]),
            errors=report.as_dict()["errors"],
            code="import_failed",
        )
    return report.as_dict()


# --- divisions ------------------------------------------------------------------------------------


@router.get("/divisions", response=DivisionPage, summary="行政区划列表")
def list_divisions(
    request: HttpRequest,
    filters: Query[DivisionFilters],
    cursor: str | None = None,
    limit: PageLimit = DEFAULT_LIMIT,
) -> dict[str, Any]:
    return page_out(selectors.division_list(**filters.model_dump(), cursor=cursor, limit=limit))


@router.get("/divisions/export.xlsx", summary="导出行政区划（Excel）")
def export_divisions(request: HttpRequest) -> HttpResponse:
    return _xlsx_response(xlsx.export_divisions_xlsx(), "divisions.xlsx")


@router.post("/divisions/import", response=ImportReportOut, summary="导入行政区划（Excel，全部成功才生效）")
def import_divisions(request: HttpRequest, file: UploadedFile = File(...)) -> dict[str, Any]:  # noqa: B008
    return _import(request, file, xlsx.import_divisions_xlsx, "orgs.add_division", "orgs.change_division")


@router.get("/divisions/{int:division_id}", response=DivisionOut, summary="行政区划详情")
def get_division(request: HttpRequest, division_id: int) -> Division:
    return selectors.division_get(id=division_id)


@router.post("/divisions", response={201: DivisionOut}, summary="新增行政区划")
def create_division(request: HttpRequest, payload: DivisionIn) -> Status[Division]:
    _require(request, "orgs.add_division")
    data = _with_refs(payload.model_dump(), _DIVISION_REFS)
    return Status(201, divisions.division_create(actor=_actor(request), **data))


@router.patch("/divisions/{int:division_id}", response=DivisionOut, summary="修改行政区划（可移动）")
def update_division(request: HttpRequest, division_id: int, payload: DivisionPatch) -> Division:
    _require(request, "orgs.change_division")
    division = selectors.division_get(id=division_id)
    data = _with_refs(_changes(payload, not_null={"code", "name", "level", "is_generated"}), _DIVISION_REFS)
    return divisions.division_update(actor=_actor(request), division=division, **data)


@router.post("/divisions/{int:division_id}/deactivate", response=DivisionOut, summary="停用行政区划")
def deactivate_division(request: HttpRequest, division_id: int) -> Division:
    _require(request, "orgs.change_division")
    return divisions.division_deactivate(
        actor=_actor(request), division=selectors.division_get(id=division_id)
    )


@router.post("/divisions/{int:division_id}/activate", response=DivisionOut, summary="启用行政区划")
def activate_division(request: HttpRequest, division_id: int) -> Division:
    _require(request, "orgs.change_division")
    return divisions.division_activate(actor=_actor(request), division=selectors.division_get(id=division_id))


# --- departments ----------------------------------------------------------------------------------


@router.get("/departments", response=DepartmentPage, summary="部门列表")
def list_departments(
    request: HttpRequest,
    filters: Query[DepartmentFilters],
    cursor: str | None = None,
    limit: PageLimit = DEFAULT_LIMIT,
) -> dict[str, Any]:
    return page_out(selectors.department_list(**filters.model_dump(), cursor=cursor, limit=limit))


@router.get("/departments/export.xlsx", summary="导出部门（Excel）")
def export_departments(request: HttpRequest) -> HttpResponse:
    return _xlsx_response(xlsx.export_departments_xlsx(), "departments.xlsx")


@router.post("/departments/import", response=ImportReportOut, summary="导入部门（Excel，全部成功才生效）")
def import_departments(request: HttpRequest, file: UploadedFile = File(...)) -> dict[str, Any]:  # noqa: B008
    return _import(
        request, file, xlsx.import_departments_xlsx, "orgs.add_department", "orgs.change_department"
    )


@router.get("/departments/{int:department_id}", response=DepartmentOut, summary="部门详情")
def get_department(request: HttpRequest, department_id: int) -> Department:
    return selectors.department_get(id=department_id)


@router.post("/departments", response={201: DepartmentOut}, summary="新增部门")
def create_department(request: HttpRequest, payload: DepartmentIn) -> Status[Department]:
    _require(request, "orgs.add_department")
    data = _department_refs(payload.model_dump())
    return Status(201, departments.department_create(actor=_actor(request), **data))


@router.patch("/departments/{int:department_id}", response=DepartmentOut, summary="修改部门（可移动）")
def update_department(request: HttpRequest, department_id: int, payload: DepartmentPatch) -> Department:
    _require(request, "orgs.change_department")
    department = selectors.department_get(id=department_id)
    data = _department_refs(
        _changes(payload, not_null={"code", "name", "short_name", "uscc", "division_id", "serves"})
    )
    return departments.department_update(actor=_actor(request), department=department, **data)


@router.post("/departments/{int:department_id}/deactivate", response=DepartmentOut, summary="停用部门")
def deactivate_department(request: HttpRequest, department_id: int) -> Department:
    _require(request, "orgs.change_department")
    department = selectors.department_get(id=department_id)
    return departments.department_deactivate(actor=_actor(request), department=department)


@router.post("/departments/{int:department_id}/activate", response=DepartmentOut, summary="启用部门")
def activate_department(request: HttpRequest, department_id: int) -> Department:
    _require(request, "orgs.change_department")
    department = selectors.department_get(id=department_id)
    return departments.department_activate(actor=_actor(request), department=department)


# --- halls (public reads) -------------------------------------------------------------------------


@router.get("/halls", response=HallPage, auth=None, summary="政务服务大厅列表（公开）")
def list_halls(
    request: HttpRequest,
    filters: Query[HallFilters],
    cursor: str | None = None,
    limit: PageLimit = DEFAULT_LIMIT,
) -> dict[str, Any]:
    return page_out(selectors.hall_list(**filters.model_dump(), cursor=cursor, limit=limit))


@router.get("/halls/{int:hall_id}", response=HallOut, auth=None, summary="政务服务大厅详情（公开）")
def get_hall(request: HttpRequest, hall_id: int) -> Hall:
    return selectors.hall_get(id=hall_id)


@router.post("/halls", response={201: HallOut}, summary="新增政务服务大厅")
def create_hall(request: HttpRequest, payload: HallIn) -> Status[Hall]:
    _require(request, "orgs.add_hall")
    data = _with_refs(payload.model_dump(), _HALL_REFS)
    return Status(201, venues.hall_create(actor=_actor(request), **data))


@router.patch("/halls/{int:hall_id}", response=HallOut, summary="修改政务服务大厅")
def update_hall(request: HttpRequest, hall_id: int, payload: HallPatch) -> Hall:
    _require(request, "orgs.change_hall")
    hall = selectors.hall_get(id=hall_id)
    data = _with_refs(
        _changes(
            payload, not_null={"code", "name", "level", "division_id", "address", "opening_hours", "phone"}
        ),
        _HALL_REFS,
    )
    return venues.hall_update(actor=_actor(request), hall=hall, **data)


@router.post("/halls/{int:hall_id}/deactivate", response=HallOut, summary="停用大厅（其窗口一并停用）")
def deactivate_hall(request: HttpRequest, hall_id: int) -> Hall:
    _require(request, "orgs.change_hall")
    return venues.hall_deactivate(actor=_actor(request), hall=selectors.hall_get(id=hall_id))


@router.post("/halls/{int:hall_id}/activate", response=HallOut, summary="启用大厅")
def activate_hall(request: HttpRequest, hall_id: int) -> Hall:
    _require(request, "orgs.change_hall")
    return venues.hall_activate(actor=_actor(request), hall=selectors.hall_get(id=hall_id))


# --- windows --------------------------------------------------------------------------------------


@router.get("/windows", response=WindowPage, summary="窗口列表")
def list_windows(
    request: HttpRequest,
    filters: Query[WindowFilters],
    cursor: str | None = None,
    limit: PageLimit = DEFAULT_LIMIT,
) -> dict[str, Any]:
    return page_out(selectors.window_list(**filters.model_dump(), cursor=cursor, limit=limit))


@router.get("/windows/{int:window_id}", response=WindowOut, summary="窗口详情")
def get_window(request: HttpRequest, window_id: int) -> Window:
    return selectors.window_get(id=window_id)


@router.post("/windows", response={201: WindowOut}, summary="新增窗口")
def create_window(request: HttpRequest, payload: WindowIn) -> Status[Window]:
    _require(request, "orgs.add_window")
    data = _with_refs(payload.model_dump(), _WINDOW_REFS)
    return Status(201, venues.window_create(actor=_actor(request), **data))


@router.patch("/windows/{int:window_id}", response=WindowOut, summary="修改窗口")
def update_window(request: HttpRequest, window_id: int, payload: WindowPatch) -> Window:
    _require(request, "orgs.change_window")
    window = selectors.window_get(id=window_id)
    data = _with_refs(_changes(payload, not_null={"hall_id", "number", "name", "kind"}), _WINDOW_REFS)
    return venues.window_update(actor=_actor(request), window=window, **data)


@router.post("/windows/{int:window_id}/deactivate", response=WindowOut, summary="停用窗口")
def deactivate_window(request: HttpRequest, window_id: int) -> Window:
    _require(request, "orgs.change_window")
    return venues.window_deactivate(actor=_actor(request), window=selectors.window_get(id=window_id))


@router.post("/windows/{int:window_id}/activate", response=WindowOut, summary="启用窗口")
def activate_window(request: HttpRequest, window_id: int) -> Window:
    _require(request, "orgs.change_window")
    return venues.window_activate(actor=_actor(request), window=selectors.window_get(id=window_id))


# --- kiosks (public reads) ------------------------------------------------------------------------


@router.get("/kiosks", response=KioskPage, auth=None, summary="自助终端列表（公开）")
def list_kiosks(
    request: HttpRequest,
    filters: Query[KioskFilters],
    cursor: str | None = None,
    limit: PageLimit = DEFAULT_LIMIT,
) -> dict[str, Any]:
    return page_out(selectors.kiosk_list(**filters.model_dump(), cursor=cursor, limit=limit))


@router.get("/kiosks/{int:kiosk_id}", response=KioskOut, auth=None, summary="自助终端详情（公开）")
def get_kiosk(request: HttpRequest, kiosk_id: int) -> Kiosk:
    return selectors.kiosk_get(id=kiosk_id)


@router.post("/kiosks", response={201: KioskOut}, summary="新增自助终端")
def create_kiosk(request: HttpRequest, payload: KioskIn) -> Status[Kiosk]:
    _require(request, "orgs.add_kiosk")
    data = _with_refs(payload.model_dump(), _KIOSK_REFS)
    return Status(201, venues.kiosk_create(actor=_actor(request), **data))


@router.patch("/kiosks/{int:kiosk_id}", response=KioskOut, summary="修改自助终端")
def update_kiosk(request: HttpRequest, kiosk_id: int, payload: KioskPatch) -> Kiosk:
    _require(request, "orgs.change_kiosk")
    kiosk = selectors.kiosk_get(id=kiosk_id)
    data = _with_refs(
        _changes(
            payload, not_null={"code", "kind", "name", "division_id", "bank_name", "bank_outlet", "address"}
        ),
        _KIOSK_REFS,
    )
    return venues.kiosk_update(actor=_actor(request), kiosk=kiosk, **data)


@router.post("/kiosks/{int:kiosk_id}/deactivate", response=KioskOut, summary="停用自助终端")
def deactivate_kiosk(request: HttpRequest, kiosk_id: int) -> Kiosk:
    _require(request, "orgs.change_kiosk")
    return venues.kiosk_deactivate(actor=_actor(request), kiosk=selectors.kiosk_get(id=kiosk_id))


@router.post("/kiosks/{int:kiosk_id}/activate", response=KioskOut, summary="启用自助终端")
def activate_kiosk(request: HttpRequest, kiosk_id: int) -> Kiosk:
    _require(request, "orgs.change_kiosk")
    return venues.kiosk_activate(actor=_actor(request), kiosk=selectors.kiosk_get(id=kiosk_id))


# --- grids ----------------------------------------------------------------------------------------


@router.get("/grids", response=GridPage, summary="网格列表")
def list_grids(
    request: HttpRequest,
    filters: Query[GridFilters],
    cursor: str | None = None,
    limit: PageLimit = DEFAULT_LIMIT,
) -> dict[str, Any]:
    return page_out(selectors.grid_list(**filters.model_dump(), cursor=cursor, limit=limit))


@router.get("/grids/{int:grid_id}", response=GridOut, summary="网格详情")
def get_grid(request: HttpRequest, grid_id: int) -> Grid:
    return selectors.grid_get(id=grid_id)


@router.post("/grids", response={201: GridOut}, summary="新增网格")
def create_grid(request: HttpRequest, payload: GridIn) -> Status[Grid]:
    _require(request, "orgs.add_grid")
    data = _with_refs(payload.model_dump(), _GRID_REFS)
    return Status(201, grids.grid_create(actor=_actor(request), **data))


@router.patch("/grids/{int:grid_id}", response=GridOut, summary="修改网格")
def update_grid(request: HttpRequest, grid_id: int, payload: GridPatch) -> Grid:
    _require(request, "orgs.change_grid")
    grid = selectors.grid_get(id=grid_id)
    data = _with_refs(_changes(payload, not_null={"code", "name", "division_id"}), _GRID_REFS)
    return grids.grid_update(actor=_actor(request), grid=grid, **data)


@router.post("/grids/{int:grid_id}/deactivate", response=GridOut, summary="停用网格")
def deactivate_grid(request: HttpRequest, grid_id: int) -> Grid:
    _require(request, "orgs.change_grid")
    return grids.grid_deactivate(actor=_actor(request), grid=selectors.grid_get(id=grid_id))


@router.post("/grids/{int:grid_id}/activate", response=GridOut, summary="启用网格")
def activate_grid(request: HttpRequest, grid_id: int) -> Grid:
    _require(request, "orgs.change_grid")
    return grids.grid_activate(actor=_actor(request), grid=selectors.grid_get(id=grid_id))


# --- grid workers: output shaped here, the phone masked unless the user may see it in clear ----------


def _workers_out(request: HttpRequest, workers: Iterable[GridWorker]) -> list[dict[str, Any]]:
    clear = selectors.can_see_clear_personal_data(request.user)
    return [
        {
            "id": worker.pk,
            "grid_id": worker.grid_id,
            "grid_name": worker.grid.name,
            "user_id": worker.user_id,
            "name": worker.name,
            "phone": selectors.grid_worker_phone(worker, user=request.user, clear=clear),
            "is_active": worker.is_active,
        }
        for worker in workers
    ]


def _worker_out(request: HttpRequest, worker: GridWorker) -> dict[str, Any]:
    return _workers_out(request, [worker])[0]


def _worker_to_change(request: HttpRequest, worker_id: int) -> GridWorker:
    _require(request, "orgs.change_gridworker")
    return selectors.grid_worker_get(user=request.user, id=worker_id, perm="orgs.change_gridworker")


@router.get("/grid-workers", response=GridWorkerPage, summary="网格员列表（需查看网格员权限，电话默认脱敏）")
def list_grid_workers(
    request: HttpRequest,
    filters: Query[GridWorkerFilters],
    cursor: str | None = None,
    limit: PageLimit = DEFAULT_LIMIT,
) -> dict[str, Any]:
    page = selectors.grid_worker_list(user=request.user, **filters.model_dump(), cursor=cursor, limit=limit)
    return {"items": _workers_out(request, page.items), "next_cursor": page.next_cursor}


@router.get("/grid-workers/{int:worker_id}", response=GridWorkerOut, summary="网格员详情")
def get_grid_worker(request: HttpRequest, worker_id: int) -> dict[str, Any]:
    return _worker_out(request, selectors.grid_worker_get(user=request.user, id=worker_id))


@router.post("/grid-workers", response={201: GridWorkerOut}, summary="新增网格员")
def create_grid_worker(request: HttpRequest, payload: GridWorkerIn) -> Status[dict[str, Any]]:
    _require(request, "orgs.add_gridworker")
    data = _with_refs(payload.model_dump(), _GRID_WORKER_REFS)
    return Status(201, _worker_out(request, grids.grid_worker_create(actor=_actor(request), **data)))


@router.patch("/grid-workers/{int:worker_id}", response=GridWorkerOut, summary="修改网格员")
def update_grid_worker(request: HttpRequest, worker_id: int, payload: GridWorkerPatch) -> dict[str, Any]:
    worker = _worker_to_change(request, worker_id)
    data = _with_refs(_changes(payload, not_null={"grid_id", "name", "phone"}), _GRID_WORKER_REFS)
    return _worker_out(request, grids.grid_worker_update(actor=_actor(request), worker=worker, **data))


@router.post("/grid-workers/{int:worker_id}/deactivate", response=GridWorkerOut, summary="网格员离岗")
def deactivate_grid_worker(request: HttpRequest, worker_id: int) -> dict[str, Any]:
    worker = _worker_to_change(request, worker_id)
    return _worker_out(request, grids.grid_worker_deactivate(actor=_actor(request), worker=worker))


@router.post("/grid-workers/{int:worker_id}/activate", response=GridWorkerOut, summary="网格员在岗")
def activate_grid_worker(request: HttpRequest, worker_id: int) -> dict[str, Any]:
    worker = _worker_to_change(request, worker_id)
    return _worker_out(request, grids.grid_worker_activate(actor=_actor(request), worker=worker))
