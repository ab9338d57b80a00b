"""/api/v1/orgs/...: divisions, departments, halls, windows, kiosks, grids, grid workers.

Thin: parse, check the model permission, call one service or selector, shape the output. Reading the
org structure needs a login; halls and kiosks are public; grid workers need ``orgs.view_gridworker``.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Model
from django.http import HttpRequest, HttpResponse
from ninja import File, Router, Status, UploadedFile
from ninja.security import django_auth

from shuzheng.core.errors import PermissionDenied, UnsupportedMediaType, ValidationFailed
from shuzheng.core.pagination import DEFAULT_LIMIT
from shuzheng.orgs import selectors, services, xlsx
from shuzheng.orgs.models import Department, Division, Grid, GridWorker, Hall
from shuzheng.orgs.schemas import (
    DepartmentIn,
    DepartmentOut,
    DepartmentPage,
    DepartmentPatch,
    DivisionIn,
    DivisionLevel,
    DivisionOut,
    DivisionPage,
    DivisionPatch,
    GridIn,
    GridOut,
    GridPage,
    GridPatch,
    GridWorkerIn,
    GridWorkerOut,
    GridWorkerPage,
    GridWorkerPatch,
    HallIn,
    HallLevel,
    HallOut,
    HallPage,
    HallPatch,
    ImportReportOut,
    KioskIn,
    KioskKind,
    KioskOut,
    KioskPage,
    KioskPatch,
    StrictIn,
    WindowIn,
    WindowKind,
    WindowOut,
    WindowPage,
    WindowPatch,
)

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


def _actor(request: HttpRequest) -> Any:
    return request.user


def _require(request: HttpRequest, *perms: str) -> None:
    for perm in perms:
        if not request.user.has_perm(perm):
            verb, _, model = perm.partition(".")[2].partition("_")
            what = f"{_PERM_LABELS.get(verb, verb)}{_MODEL_LABELS.get(model, model)}"
            raise PermissionDenied(f"没有{what}的权限（{perm}）")


def _ref(model: type[Model], pk: int | None, field: str, label: str) -> Any:
    if pk is None:
        return None
    obj = model._default_manager.filter(pk=pk).first()
    if obj is None:
        raise ValidationFailed.for_field(field, f"{label}不存在（id={pk}）")
    return obj


def _refs(model: type[Model], pks: list[int], field: str, label: str) -> list[Any]:
    found = {obj.pk: obj for obj in model._default_manager.filter(pk__in=pks)}
    missing = [pk for pk in pks if pk not in found]
    if missing:
        raise ValidationFailed.for_field(field, f"{label}不存在（id={'、'.join(map(str, missing))}）")
    return [found[pk] for pk in dict.fromkeys(pks)]


def _changes(payload: StrictIn, *, not_null: set[str]) -> dict[str, Any]:
    """Fields the client sent; null is only allowed where it means "none" (parent, department, hall, user)."""
    data = payload.model_dump(exclude_unset=True)
    for name in sorted(not_null & data.keys()):
        if data[name] is None:
            raise ValidationFailed.for_field(name, "不能为空")
    return data


def _page(page: Any) -> dict[str, Any]:
    return {"items": page.items, "next_cursor": page.next_cursor}


def _xlsx_response(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=xlsx.XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{filename}"
    return response


def _check_upload(file: UploadedFile) -> None:
    if not (file.name or "").lower().endswith(".xlsx"):
        raise UnsupportedMediaType("只支持 .xlsx 格式的 Excel 文件。", code="not_xlsx")


def _import_result(report: xlsx.ImportReport) -> dict[str, Any]:
    if not report.ok:
        raise ValidationFailed(
            report.summary() + " " + "；".join(str(e) for e in report.errors[:5]),
            errors=[{"row": e.row, "field": e.field, "message": e.message} for e in report.errors],
            code="import_failed",
        )
    return report.as_dict()


# --- divisions ------------------------------------------------------------------------------------


@router.get("/divisions", response=DivisionPage, summary="行政区划列表")
def list_divisions(
    request: HttpRequest,
    parent: int | None = None,
    level: DivisionLevel | None = None,
    under: str | None = None,
    q: str | None = None,
    include_inactive: bool = False,
    cursor: str | None = None,
    limit: int = DEFAULT_LIMIT,
) -> dict[str, Any]:
    return _page(
        selectors.division_list(
            parent=parent,
            level=level,
            under=under,
            q=q,
            include_inactive=include_inactive,
            cursor=cursor,
            limit=limit,
        )
    )


@router.get("/divisions/export.xlsx", summary="导出行政区划（Excel）")
def export_divisions(request: HttpRequest) -> HttpResponse:
    return _xlsx_response(xlsx.export_divisions_xlsx(), "divisions.xlsx")


@router.post("/divisions/import", response=ImportReportOut, summary="导入行政区划（Excel，全部成功才生效）")
def import_divisions(request: HttpRequest, file: UploadedFile = File(...)) -> dict[str, Any]:  # noqa: B008
    _require(request, "orgs.add_division", "orgs.change_division")
    _check_upload(file)
    return _import_result(xlsx.import_divisions_xlsx(file, actor=_actor(request)))


@router.get("/divisions/{int:division_id}", response=DivisionOut, summary="行政区划详情")
def get_division(request: HttpRequest, division_id: int) -> Division:
    return selectors.division_get(id=division_id)


@router.post("/divisions", response={201: DivisionOut}, summary="新增行政区划")
def create_division(request: HttpRequest, payload: DivisionIn) -> Status[Division]:
    _require(request, "orgs.add_division")
    data = payload.model_dump()
    data["parent"] = _ref(Division, data.pop("parent_id"), "parent_id", "上级区划")
    return Status(201, services.division_create(actor=_actor(request), **data))


@router.patch("/divisions/{int:division_id}", response=DivisionOut, summary="修改行政区划（可移动）")
def update_division(request: HttpRequest, division_id: int, payload: DivisionPatch) -> Division:
    _require(request, "orgs.change_division")
    division = selectors.division_get(id=division_id)
    data = _changes(payload, not_null={"code", "name", "level", "is_generated"})
    if "parent_id" in data:
        data["parent"] = _ref(Division, data.pop("parent_id"), "parent_id", "上级区划")
    return services.division_update(actor=_actor(request), division=division, **data)


@router.post("/divisions/{int:division_id}/deactivate", response=DivisionOut, summary="停用行政区划")
def deactivate_division(request: HttpRequest, division_id: int) -> Division:
    _require(request, "orgs.change_division")
    return services.division_deactivate(
        actor=_actor(request), division=selectors.division_get(id=division_id)
    )


@router.post("/divisions/{int:division_id}/activate", response=DivisionOut, summary="启用行政区划")
def activate_division(request: HttpRequest, division_id: int) -> Division:
    _require(request, "orgs.change_division")
    return services.division_activate(actor=_actor(request), division=selectors.division_get(id=division_id))


# --- departments ----------------------------------------------------------------------------------


@router.get("/departments", response=DepartmentPage, summary="部门列表")
def list_departments(
    request: HttpRequest,
    parent: int | None = None,
    division: int | None = None,
    under: str | None = None,
    division_under: str | None = None,
    q: str | None = None,
    include_inactive: bool = False,
    cursor: str | None = None,
    limit: int = DEFAULT_LIMIT,
) -> dict[str, Any]:
    return _page(
        selectors.department_list(
            parent=parent,
            division=division,
            under=under,
            division_under=division_under,
            q=q,
            include_inactive=include_inactive,
            cursor=cursor,
            limit=limit,
        )
    )


@router.get("/departments/export.xlsx", summary="导出部门（Excel）")
def export_departments(request: HttpRequest) -> HttpResponse:
    return _xlsx_response(xlsx.export_departments_xlsx(), "departments.xlsx")


@router.post("/departments/import", response=ImportReportOut, summary="导入部门（Excel，全部成功才生效）")
def import_departments(request: HttpRequest, file: UploadedFile = File(...)) -> dict[str, Any]:  # noqa: B008
    _require(request, "orgs.add_department", "orgs.change_department")
    _check_upload(file)
    return _import_result(xlsx.import_departments_xlsx(file, actor=_actor(request)))


@router.get("/departments/{int:department_id}", response=DepartmentOut, summary="部门详情")
def get_department(request: HttpRequest, department_id: int) -> Department:
    return selectors.department_get(id=department_id)


@router.post("/departments", response={201: DepartmentOut}, summary="新增部门")
def create_department(request: HttpRequest, payload: DepartmentIn) -> Status[Department]:
    _require(request, "orgs.add_department")
    data = payload.model_dump()
    data["parent"] = _ref(Department, data.pop("parent_id"), "parent_id", "上级部门")
    data["division"] = _ref(Division, data.pop("division_id"), "division_id", "所在区划")
    data["serves"] = _refs(Division, data["serves"], "serves", "服务区划")
    department = services.department_create(actor=_actor(request), **data)
    return Status(201, selectors.department_get(id=department.pk))


@router.patch("/departments/{int:department_id}", response=DepartmentOut, summary="修改部门（可移动）")
def update_department(request: HttpRequest, department_id: int, payload: DepartmentPatch) -> Department:
    _require(request, "orgs.change_department")
    department = selectors.department_get(id=department_id)
    data = _changes(payload, not_null={"code", "name", "short_name", "uscc", "division_id", "serves"})
    if "parent_id" in data:
        data["parent"] = _ref(Department, data.pop("parent_id"), "parent_id", "上级部门")
    if "division_id" in data:
        data["division"] = _ref(Division, data.pop("division_id"), "division_id", "所在区划")
    if "serves" in data:
        data["serves"] = _refs(Division, data["serves"], "serves", "服务区划")
    services.department_update(actor=_actor(request), department=department, **data)
    return selectors.department_get(id=department_id)


@router.post("/departments/{int:department_id}/deactivate", response=DepartmentOut, summary="停用部门")
def deactivate_department(request: HttpRequest, department_id: int) -> Department:
    _require(request, "orgs.change_department")
    services.department_deactivate(
        actor=_actor(request), department=selectors.department_get(id=department_id)
    )
    return selectors.department_get(id=department_id)


@router.post("/departments/{int:department_id}/activate", response=DepartmentOut, summary="启用部门")
def activate_department(request: HttpRequest, department_id: int) -> Department:
    _require(request, "orgs.change_department")
    services.department_activate(actor=_actor(request), department=selectors.department_get(id=department_id))
    return selectors.department_get(id=department_id)


# --- halls (public reads) -------------------------------------------------------------------------


@router.get("/halls", response=HallPage, auth=None, summary="政务服务大厅列表（公开）")
def list_halls(
    request: HttpRequest,
    level: HallLevel | None = None,
    division: int | None = None,
    under: str | None = None,
    q: str | None = None,
    cursor: str | None = None,
    limit: int = DEFAULT_LIMIT,
) -> dict[str, Any]:
    return _page(
        selectors.hall_list(level=level, division=division, under=under, q=q, cursor=cursor, limit=limit)
    )


@router.get("/halls/{int:hall_id}", response=HallOut, auth=None, summary="政务服务大厅详情（公开）")
def get_hall(request: HttpRequest, hall_id: int) -> Hall:
    return selectors.hall_get(id=hall_id)


@router.post("/halls", response={201: HallOut}, summary="新增政务服务大厅")
def create_hall(request: HttpRequest, payload: HallIn) -> Status[Hall]:
    _require(request, "orgs.add_hall")
    data = payload.model_dump()
    data["division"] = _ref(Division, data.pop("division_id"), "division_id", "所在区划")
    return Status(201, services.hall_create(actor=_actor(request), **data))


@router.patch("/halls/{int:hall_id}", response=HallOut, summary="修改政务服务大厅")
def update_hall(request: HttpRequest, hall_id: int, payload: HallPatch) -> Hall:
    _require(request, "orgs.change_hall")
    hall = selectors.hall_get(id=hall_id)
    data = _changes(
        payload, not_null={"code", "name", "level", "division_id", "address", "opening_hours", "phone"}
    )
    if "division_id" in data:
        data["division"] = _ref(Division, data.pop("division_id"), "division_id", "所在区划")
    return services.hall_update(actor=_actor(request), hall=hall, **data)


@router.post("/halls/{int:hall_id}/deactivate", response=HallOut, summary="停用大厅（其窗口一并停用）")
def deactivate_hall(request: HttpRequest, hall_id: int) -> Hall:
    _require(request, "orgs.change_hall")
    return services.hall_deactivate(actor=_actor(request), hall=selectors.hall_get(id=hall_id))


@router.post("/halls/{int:hall_id}/activate", response=HallOut, summary="启用大厅")
def activate_hall(request: HttpRequest, hall_id: int) -> Hall:
    _require(request, "orgs.change_hall")
    return services.hall_activate(actor=_actor(request), hall=selectors.hall_get(id=hall_id))


# --- windows --------------------------------------------------------------------------------------


@router.get("/windows", response=WindowPage, summary="窗口列表")
def list_windows(
    request: HttpRequest,
    hall: int | None = None,
    department: int | None = None,
    kind: WindowKind | None = None,
    under: str | None = None,
    q: str | None = None,
    include_inactive: bool = False,
    cursor: str | None = None,
    limit: int = DEFAULT_LIMIT,
) -> dict[str, Any]:
    return _page(
        selectors.window_list(
            hall=hall,
            department=department,
            kind=kind,
            under=under,
            q=q,
            include_inactive=include_inactive,
            cursor=cursor,
            limit=limit,
        )
    )


@router.get("/windows/{int:window_id}", response=WindowOut, summary="窗口详情")
def get_window(request: HttpRequest, window_id: int) -> Any:
    return selectors.window_get(id=window_id)


@router.post("/windows", response={201: WindowOut}, summary="新增窗口")
def create_window(request: HttpRequest, payload: WindowIn) -> Status[Any]:
    _require(request, "orgs.add_window")
    data = payload.model_dump()
    data["hall"] = _ref(Hall, data.pop("hall_id"), "hall_id", "所属大厅")
    data["department"] = _ref(Department, data.pop("department_id"), "department_id", "所属部门")
    return Status(201, services.window_create(actor=_actor(request), **data))


@router.patch("/windows/{int:window_id}", response=WindowOut, summary="修改窗口")
def update_window(request: HttpRequest, window_id: int, payload: WindowPatch) -> Any:
    _require(request, "orgs.change_window")
    window = selectors.window_get(id=window_id)
    data = _changes(payload, not_null={"hall_id", "number", "name", "kind"})
    if "hall_id" in data:
        data["hall"] = _ref(Hall, data.pop("hall_id"), "hall_id", "所属大厅")
    if "department_id" in data:
        data["department"] = _ref(Department, data.pop("department_id"), "department_id", "所属部门")
    services.window_update(actor=_actor(request), window=window, **data)
    return selectors.window_get(id=window_id)


@router.post("/windows/{int:window_id}/deactivate", response=WindowOut, summary="停用窗口")
def deactivate_window(request: HttpRequest, window_id: int) -> Any:
    _require(request, "orgs.change_window")
    services.window_deactivate(actor=_actor(request), window=selectors.window_get(id=window_id))
    return selectors.window_get(id=window_id)


@router.post("/windows/{int:window_id}/activate", response=WindowOut, summary="启用窗口")
def activate_window(request: HttpRequest, window_id: int) -> Any:
    _require(request, "orgs.change_window")
    services.window_activate(actor=_actor(request), window=selectors.window_get(id=window_id))
    return selectors.window_get(id=window_id)


# --- kiosks (public reads) ------------------------------------------------------------------------


@router.get("/kiosks", response=KioskPage, auth=None, summary="自助终端列表（公开）")
def list_kiosks(
    request: HttpRequest,
    kind: KioskKind | None = None,
    division: int | None = None,
    hall: int | None = None,
    under: str | None = None,
    bank_name: str | None = None,
    q: str | None = None,
    cursor: str | None = None,
    limit: int = DEFAULT_LIMIT,
) -> dict[str, Any]:
    return _page(
        selectors.kiosk_list(
            kind=kind,
            division=division,
            hall=hall,
            under=under,
            bank_name=bank_name,
            q=q,
            cursor=cursor,
            limit=limit,
        )
    )


@router.get("/kiosks/{int:kiosk_id}", response=KioskOut, auth=None, summary="自助终端详情（公开）")
def get_kiosk(request: HttpRequest, kiosk_id: int) -> Any:
    return selectors.kiosk_get(id=kiosk_id)


@router.post("/kiosks", response={201: KioskOut}, summary="新增自助终端")
def create_kiosk(request: HttpRequest, payload: KioskIn) -> Status[Any]:
    _require(request, "orgs.add_kiosk")
    data = payload.model_dump()
    data["division"] = _ref(Division, data.pop("division_id"), "division_id", "所在区划")
    data["hall"] = _ref(Hall, data.pop("hall_id"), "hall_id", "所在大厅")
    return Status(201, services.kiosk_create(actor=_actor(request), **data))


@router.patch("/kiosks/{int:kiosk_id}", response=KioskOut, summary="修改自助终端")
def update_kiosk(request: HttpRequest, kiosk_id: int, payload: KioskPatch) -> Any:
    _require(request, "orgs.change_kiosk")
    kiosk = selectors.kiosk_get(id=kiosk_id)
    data = _changes(
        payload, not_null={"code", "kind", "name", "division_id", "bank_name", "bank_outlet", "address"}
    )
    if "division_id" in data:
        data["division"] = _ref(Division, data.pop("division_id"), "division_id", "所在区划")
    if "hall_id" in data:
        data["hall"] = _ref(Hall, data.pop("hall_id"), "hall_id", "所在大厅")
    services.kiosk_update(actor=_actor(request), kiosk=kiosk, **data)
    return selectors.kiosk_get(id=kiosk_id)


@router.post("/kiosks/{int:kiosk_id}/deactivate", response=KioskOut, summary="停用自助终端")
def deactivate_kiosk(request: HttpRequest, kiosk_id: int) -> Any:
    _require(request, "orgs.change_kiosk")
    services.kiosk_deactivate(actor=_actor(request), kiosk=selectors.kiosk_get(id=kiosk_id))
    return selectors.kiosk_get(id=kiosk_id)


@router.post("/kiosks/{int:kiosk_id}/activate", response=KioskOut, summary="启用自助终端")
def activate_kiosk(request: HttpRequest, kiosk_id: int) -> Any:
    _require(request, "orgs.change_kiosk")
    services.kiosk_activate(actor=_actor(request), kiosk=selectors.kiosk_get(id=kiosk_id))
    return selectors.kiosk_get(id=kiosk_id)


# --- grids ----------------------------------------------------------------------------------------


@router.get("/grids", response=GridPage, summary="网格列表")
def list_grids(
    request: HttpRequest,
    division: int | None = None,
    under: str | None = None,
    q: str | None = None,
    include_inactive: bool = False,
    cursor: str | None = None,
    limit: int = DEFAULT_LIMIT,
) -> dict[str, Any]:
    return _page(
        selectors.grid_list(
            division=division, under=under, q=q, include_inactive=include_inactive, cursor=cursor, limit=limit
        )
    )


@router.get("/grids/{int:grid_id}", response=GridOut, summary="网格详情")
def get_grid(request: HttpRequest, grid_id: int) -> Grid:
    return selectors.grid_get(id=grid_id)


@router.post("/grids", response={201: GridOut}, summary="新增网格")
def create_grid(request: HttpRequest, payload: GridIn) -> Status[Grid]:
    _require(request, "orgs.add_grid")
    data = payload.model_dump()
    data["division"] = _ref(Division, data.pop("division_id"), "division_id", "所属村（社区）")
    return Status(201, services.grid_create(actor=_actor(request), **data))


@router.patch("/grids/{int:grid_id}", response=GridOut, summary="修改网格")
def update_grid(request: HttpRequest, grid_id: int, payload: GridPatch) -> Grid:
    _require(request, "orgs.change_grid")
    grid = selectors.grid_get(id=grid_id)
    data = _changes(payload, not_null={"code", "name", "division_id"})
    if "division_id" in data:
        data["division"] = _ref(Division, data.pop("division_id"), "division_id", "所属村（社区）")
    return services.grid_update(actor=_actor(request), grid=grid, **data)


@router.post("/grids/{int:grid_id}/deactivate", response=GridOut, summary="停用网格")
def deactivate_grid(request: HttpRequest, grid_id: int) -> Grid:
    _require(request, "orgs.change_grid")
    return services.grid_deactivate(actor=_actor(request), grid=selectors.grid_get(id=grid_id))


@router.post("/grids/{int:grid_id}/activate", response=GridOut, summary="启用网格")
def activate_grid(request: HttpRequest, grid_id: int) -> Grid:
    _require(request, "orgs.change_grid")
    return services.grid_activate(actor=_actor(request), grid=selectors.grid_get(id=grid_id))


# --- grid workers ---------------------------------------------------------------------------------


def _worker_out(worker: GridWorker, *, user: Any, clear: bool) -> dict[str, Any]:
    return {
        "id": worker.pk,
        "grid_id": worker.grid_id,
        "grid_name": worker.grid.name,
        "user_id": worker.user_id,
        "name": worker.name,
        "phone": selectors.grid_worker_phone(worker, user=user, clear=clear),
        "is_active": worker.is_active,
    }


def _one_worker(request: HttpRequest, worker_id: int) -> dict[str, Any]:
    worker = selectors.grid_worker_get(user=request.user, id=worker_id)
    clear = selectors.can_see_clear_personal_data(request.user)
    return _worker_out(worker, user=request.user, clear=clear)


@router.get("/grid-workers", response=GridWorkerPage, summary="网格员列表（需查看网格员权限，电话默认脱敏）")
def list_grid_workers(
    request: HttpRequest,
    grid: int | None = None,
    under: str | None = None,
    q: str | None = None,
    include_inactive: bool = False,
    cursor: str | None = None,
    limit: int = DEFAULT_LIMIT,
) -> dict[str, Any]:
    page = selectors.grid_worker_list(
        user=request.user,
        grid=grid,
        under=under,
        q=q,
        include_inactive=include_inactive,
        cursor=cursor,
        limit=limit,
    )
    clear = selectors.can_see_clear_personal_data(request.user)
    return {
        "items": [_worker_out(w, user=request.user, clear=clear) for w in page.items],
        "next_cursor": page.next_cursor,
    }


@router.get("/grid-workers/{int:worker_id}", response=GridWorkerOut, summary="网格员详情")
def get_grid_worker(request: HttpRequest, worker_id: int) -> dict[str, Any]:
    return _one_worker(request, worker_id)


@router.post("/grid-workers", response={201: GridWorkerOut}, summary="新增网格员")
def create_grid_worker(request: HttpRequest, payload: GridWorkerIn) -> Status[dict[str, Any]]:
    _require(request, "orgs.add_gridworker")
    data = payload.model_dump()
    data["grid"] = _ref(Grid, data.pop("grid_id"), "grid_id", "网格")
    data["user"] = _ref(get_user_model(), data.pop("user_id"), "user_id", "账号")
    worker = services.grid_worker_create(actor=_actor(request), **data)
    clear = selectors.can_see_clear_personal_data(request.user)
    return Status(201, _worker_out(worker, user=request.user, clear=clear))


@router.patch("/grid-workers/{int:worker_id}", response=GridWorkerOut, summary="修改网格员")
def update_grid_worker(request: HttpRequest, worker_id: int, payload: GridWorkerPatch) -> dict[str, Any]:
    _require(request, "orgs.change_gridworker")
    worker = selectors.grid_worker_get(user=request.user, id=worker_id, perm="orgs.change_gridworker")
    data = _changes(payload, not_null={"grid_id", "name", "phone"})
    if "grid_id" in data:
        data["grid"] = _ref(Grid, data.pop("grid_id"), "grid_id", "网格")
    if "user_id" in data:
        data["user"] = _ref(get_user_model(), data.pop("user_id"), "user_id", "账号")
    worker = services.grid_worker_update(actor=_actor(request), worker=worker, **data)
    clear = selectors.can_see_clear_personal_data(request.user)
    return _worker_out(worker, user=request.user, clear=clear)


@router.post("/grid-workers/{int:worker_id}/deactivate", response=GridWorkerOut, summary="网格员离岗")
def deactivate_grid_worker(request: HttpRequest, worker_id: int) -> dict[str, Any]:
    _require(request, "orgs.change_gridworker")
    worker = selectors.grid_worker_get(user=request.user, id=worker_id, perm="orgs.change_gridworker")
    worker = services.grid_worker_deactivate(actor=_actor(request), worker=worker)
    return _worker_out(worker, user=request.user, clear=selectors.can_see_clear_personal_data(request.user))


@router.post("/grid-workers/{int:worker_id}/activate", response=GridWorkerOut, summary="网格员在岗")
def activate_grid_worker(request: HttpRequest, worker_id: int) -> dict[str, Any]:
    _require(request, "orgs.change_gridworker")
    worker = selectors.grid_worker_get(user=request.user, id=worker_id, perm="orgs.change_gridworker")
    worker = services.grid_worker_activate(actor=_actor(request), worker=worker)
    return _worker_out(worker, user=request.user, clear=selectors.can_see_clear_personal_data(request.user))
