"""Reads of the organisation, keyset-paginated.

Who may read what:
- divisions, departments, windows, grids: any authenticated user (the API enforces login);
- halls and kiosks: public (``hall_list``, ``hall_get``, ``kiosk_list``, ``kiosk_get`` serve the
  citizen portal without login);
- grid workers: only users holding ``orgs.view_gridworker``; phones stay masked unless the user also
  holds ``identity.view_clear_personal_data`` (see ``grid_worker_phone``).

``under`` filters take a tree path ("/440785/440785100/") or a bare code ("440785100"), and select that
node and everything below it. Lists hide inactive rows unless ``include_inactive=True``.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from shuzheng.core.errors import NotFound, PermissionDenied
from shuzheng.core.masking import mask_mobile
from shuzheng.core.pagination import DEFAULT_LIMIT, Page, keyset_page
from shuzheng.orgs.models import Department, Division, Grid, GridWorker, Hall, Kiosk, Window

VIEW_GRID_WORKER_PERM = "orgs.view_gridworker"
CLEAR_PERSONAL_DATA_PERM = "identity.view_clear_personal_data"

DIVISION_ORDER = ("path", "id")
DEPARTMENT_ORDER = ("path", "id")
HALL_ORDER = ("code",)
WINDOW_ORDER = ("hall_id", "number", "id")
KIOSK_ORDER = ("code",)
GRID_ORDER = ("code",)
GRID_WORKER_ORDER = ("grid_id", "id")


def _id_of(value: Any) -> Any:
    return getattr(value, "pk", value)


def _division_path(under: str) -> str:
    """A division path from a path or a code; an unknown code matches nothing."""
    under = under.strip()
    if under.startswith("/"):
        return under if under.endswith("/") else f"{under}/"
    found = Division.objects.filter(code=under).values_list("path", flat=True).first()
    return found or "//"  # no real path starts with "//": matches nothing


def _department_path(under: str) -> str:
    under = under.strip()
    if under.startswith("/"):
        return under if under.endswith("/") else f"{under}/"
    found = Department.objects.filter(code=under.upper()).values_list("path", flat=True).first()
    return found or "//"  # no real path starts with "//": matches nothing


def _search(q: str | None, *fields: str) -> Q:
    condition = Q()
    text = (q or "").strip()
    if text:
        for field in fields:
            condition |= Q(**{field: text})
    return condition


# --- divisions ------------------------------------------------------------------------------------


def division_queryset(
    *,
    parent: Division | int | None = None,
    level: str | None = None,
    under: str | None = None,
    q: str | None = None,
    include_inactive: bool = False,
) -> QuerySet[Division]:
    qs = Division.objects.select_related("parent")
    if parent is not None:
        qs = qs.filter(parent_id=_id_of(parent))
    if level:
        qs = qs.filter(level=level)
    if under:
        qs = qs.filter(path__startswith=_division_path(under))
    if not include_inactive:
        qs = qs.filter(is_active=True)
    return qs.filter(_search(q, "name__icontains", "code__startswith"))


def division_list(
    *,
    parent: Division | int | None = None,
    level: str | None = None,
    under: str | None = None,
    q: str | None = None,
    include_inactive: bool = False,
    cursor: str | None = None,
    limit: int = DEFAULT_LIMIT,
) -> Page[Division]:
    """Divisions in tree order (depth first, by code). Any authenticated user."""
    qs = division_queryset(parent=parent, level=level, under=under, q=q, include_inactive=include_inactive)
    return keyset_page(qs, order=DIVISION_ORDER, cursor=cursor, limit=limit)


def division_get(*, id: int | None = None, code: str | None = None) -> Division:
    """One division by id or code; NotFound otherwise (inactive ones included)."""
    lookup: dict[str, Any] = {"pk": id} if id is not None else {"code": (code or "").strip()}
    division = Division.objects.select_related("parent").filter(**lookup).first()
    if division is None:
        raise NotFound("行政区划不存在")
    return division


# --- departments ----------------------------------------------------------------------------------


def department_queryset(
    *,
    parent: Department | int | None = None,
    division: Division | int | None = None,
    under: str | None = None,
    division_under: str | None = None,
    q: str | None = None,
    include_inactive: bool = False,
) -> QuerySet[Department]:
    qs = Department.objects.select_related("parent", "division")
    if parent is not None:
        qs = qs.filter(parent_id=_id_of(parent))
    if division is not None:
        qs = qs.filter(division_id=_id_of(division))
    if under:
        qs = qs.filter(path__startswith=_department_path(under))
    if division_under:
        qs = qs.filter(division__path__startswith=_division_path(division_under))
    if not include_inactive:
        qs = qs.filter(is_active=True)
    return qs.filter(_search(q, "name__icontains", "short_name__icontains", "code__istartswith"))


def department_list(
    *,
    parent: Department | int | None = None,
    division: Division | int | None = None,
    under: str | None = None,
    division_under: str | None = None,
    q: str | None = None,
    include_inactive: bool = False,
    cursor: str | None = None,
    limit: int = DEFAULT_LIMIT,
) -> Page[Department]:
    """Departments in tree order. ``under`` is a department path or code; ``division_under`` a division's.

    Any authenticated user. ``serves`` is prefetched.
    """
    qs = department_queryset(
        parent=parent,
        division=division,
        under=under,
        division_under=division_under,
        q=q,
        include_inactive=include_inactive,
    ).prefetch_related("serves")
    return keyset_page(qs, order=DEPARTMENT_ORDER, cursor=cursor, limit=limit)


def department_get(*, id: int | None = None, code: str | None = None) -> Department:
    lookup: dict[str, Any] = {"pk": id} if id is not None else {"code": (code or "").strip().upper()}
    department = (
        Department.objects.select_related("parent", "division")
        .prefetch_related("serves")
        .filter(**lookup)
        .first()
    )
    if department is None:
        raise NotFound("部门不存在")
    return department


# --- halls (public) -------------------------------------------------------------------------------


def hall_list(
    *,
    level: str | None = None,
    division: Division | int | None = None,
    under: str | None = None,
    q: str | None = None,
    include_inactive: bool = False,
    cursor: str | None = None,
    limit: int = DEFAULT_LIMIT,
) -> Page[Hall]:
    """Public: service halls, by code; ``under`` selects halls in a division and below."""
    qs = Hall.objects.select_related("division")
    if level:
        qs = qs.filter(level=level)
    if division is not None:
        qs = qs.filter(division_id=_id_of(division))
    if under:
        qs = qs.filter(division__path__startswith=_division_path(under))
    if not include_inactive:
        qs = qs.filter(is_active=True)
    qs = qs.filter(_search(q, "name__icontains", "code__istartswith", "address__icontains"))
    return keyset_page(qs, order=HALL_ORDER, cursor=cursor, limit=limit)


def hall_get(*, id: int | None = None, code: str | None = None) -> Hall:
    """Public."""
    lookup: dict[str, Any] = {"pk": id} if id is not None else {"code": (code or "").strip()}
    hall = Hall.objects.select_related("division").filter(**lookup).first()
    if hall is None:
        raise NotFound("政务服务大厅不存在")
    return hall


# --- windows --------------------------------------------------------------------------------------


def window_list(
    *,
    hall: Hall | int | None = None,
    department: Department | int | None = None,
    kind: str | None = None,
    under: str | None = None,
    q: str | None = None,
    include_inactive: bool = False,
    cursor: str | None = None,
    limit: int = DEFAULT_LIMIT,
) -> Page[Window]:
    """Windows by hall then number; ``under`` is the hall's division path or code. Any authenticated user."""
    qs = Window.objects.select_related("hall", "department")
    if hall is not None:
        qs = qs.filter(hall_id=_id_of(hall))
    if department is not None:
        qs = qs.filter(department_id=_id_of(department))
    if kind:
        qs = qs.filter(kind=kind)
    if under:
        qs = qs.filter(hall__division__path__startswith=_division_path(under))
    if not include_inactive:
        qs = qs.filter(is_active=True)
    qs = qs.filter(_search(q, "name__icontains", "number"))
    return keyset_page(qs, order=WINDOW_ORDER, cursor=cursor, limit=limit)


def window_get(*, id: int) -> Window:
    window = Window.objects.select_related("hall", "department").filter(pk=id).first()
    if window is None:
        raise NotFound("窗口不存在")
    return window


# --- kiosks (public) ------------------------------------------------------------------------------


def kiosk_list(
    *,
    kind: str | None = None,
    division: Division | int | None = None,
    hall: Hall | int | None = None,
    under: str | None = None,
    bank_name: str | None = None,
    q: str | None = None,
    include_inactive: bool = False,
    cursor: str | None = None,
    limit: int = DEFAULT_LIMIT,
) -> Page[Kiosk]:
    """Public: 侨都之窗 kiosks and 政银通办 bank terminals, by code."""
    qs = Kiosk.objects.select_related("division", "hall")
    if kind:
        qs = qs.filter(kind=kind)
    if division is not None:
        qs = qs.filter(division_id=_id_of(division))
    if hall is not None:
        qs = qs.filter(hall_id=_id_of(hall))
    if under:
        qs = qs.filter(division__path__startswith=_division_path(under))
    if bank_name:
        qs = qs.filter(bank_name=bank_name)
    if not include_inactive:
        qs = qs.filter(is_active=True)
    qs = qs.filter(
        _search(q, "name__icontains", "code__istartswith", "bank_outlet__icontains", "address__icontains")
    )
    return keyset_page(qs, order=KIOSK_ORDER, cursor=cursor, limit=limit)


def kiosk_get(*, id: int | None = None, code: str | None = None) -> Kiosk:
    """Public."""
    lookup: dict[str, Any] = {"pk": id} if id is not None else {"code": (code or "").strip()}
    kiosk = Kiosk.objects.select_related("division", "hall").filter(**lookup).first()
    if kiosk is None:
        raise NotFound("自助终端不存在")
    return kiosk


# --- grids ----------------------------------------------------------------------------------------


def grid_list(
    *,
    division: Division | int | None = None,
    under: str | None = None,
    q: str | None = None,
    include_inactive: bool = False,
    cursor: str | None = None,
    limit: int = DEFAULT_LIMIT,
) -> Page[Grid]:
    """Grids by code; ``under`` is a division path or code. Any authenticated user."""
    qs = Grid.objects.select_related("division")
    if division is not None:
        qs = qs.filter(division_id=_id_of(division))
    if under:
        qs = qs.filter(division__path__startswith=_division_path(under))
    if not include_inactive:
        qs = qs.filter(is_active=True)
    qs = qs.filter(_search(q, "name__icontains", "code__istartswith"))
    return keyset_page(qs, order=GRID_ORDER, cursor=cursor, limit=limit)


def grid_get(*, id: int | None = None, code: str | None = None) -> Grid:
    lookup: dict[str, Any] = {"pk": id} if id is not None else {"code": (code or "").strip()}
    grid = Grid.objects.select_related("division").filter(**lookup).first()
    if grid is None:
        raise NotFound("网格不存在")
    return grid


def grid_for_division(*, division: Division | int) -> Grid | None:
    """The first active grid of a village (community), e.g. to route a grid event; None when it has none."""
    return Grid.objects.filter(division_id=_id_of(division), is_active=True).order_by("code").first()


# --- grid workers (staff with orgs.view_gridworker) -----------------------------------------------


def _require_grid_worker_view(user: Any, perm: str = VIEW_GRID_WORKER_PERM) -> None:
    if user is None or not getattr(user, "is_authenticated", False):
        raise PermissionDenied("需要登录后查看网格员")
    if not user.has_perm(perm):
        raise PermissionDenied(f"没有查看网格员的权限（{perm}）")


def grid_worker_list(
    *,
    user: Any,
    grid: Grid | int | None = None,
    under: str | None = None,
    q: str | None = None,
    include_inactive: bool = False,
    cursor: str | None = None,
    limit: int = DEFAULT_LIMIT,
) -> Page[GridWorker]:
    """Grid workers by grid; PermissionDenied without ``orgs.view_gridworker``.

    Rows carry the phone in clear as stored; show it through ``grid_worker_phone`` so it is masked for
    users without clearance.
    """
    _require_grid_worker_view(user)
    qs = GridWorker.objects.select_related("grid", "grid__division")
    if grid is not None:
        qs = qs.filter(grid_id=_id_of(grid))
    if under:
        qs = qs.filter(grid__division__path__startswith=_division_path(under))
    if not include_inactive:
        qs = qs.filter(is_active=True)
    qs = qs.filter(_search(q, "name__icontains", "grid__name__icontains"))
    return keyset_page(qs, order=GRID_WORKER_ORDER, cursor=cursor, limit=limit)


def grid_worker_get(*, user: Any, id: int, perm: str = VIEW_GRID_WORKER_PERM) -> GridWorker:
    """One grid worker; ``perm`` lets a write path check ``orgs.change_gridworker`` instead of view."""
    _require_grid_worker_view(user, perm)
    worker = GridWorker.objects.select_related("grid", "grid__division").filter(pk=id).first()
    if worker is None:
        raise NotFound("网格员不存在")
    return worker


def can_see_clear_personal_data(user: Any) -> bool:
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    return bool(user.has_perm(CLEAR_PERSONAL_DATA_PERM))


def grid_worker_phone(worker: GridWorker, *, user: Any, clear: bool | None = None) -> str:
    """The phone as this user may see it: clear with ``identity.view_clear_personal_data``, else masked.

    Pass ``clear`` (from ``can_see_clear_personal_data``) when rendering many rows to check once.
    """
    if not worker.phone:
        return ""
    if clear is None:
        clear = can_see_clear_personal_data(user)
    return worker.phone if clear else mask_mobile(worker.phone)
