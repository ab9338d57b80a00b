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

import operator
from functools import reduce
from typing import Any, TypeGuard, TypeVar

from django.db import connection
from django.db.models import Model, Q, QuerySet

from shuzheng.core.errors import NotFound, PermissionDenied
from shuzheng.core.masking import mask_mobile
from shuzheng.core.pagination import DEFAULT_LIMIT, Page, keyset_page
from shuzheng.core.permissions import missing_permission
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

M = TypeVar("M", bound=Model)


def _id_of(value: Any) -> Any:
    return getattr(value, "pk", value)


def _tree_path(model: type[Division | Department], under: str | None) -> str | None:
    """The tree path `under` names (a path, or a node's code); None when it is empty (no filter).

    An unknown code matches nothing.
    """
    if not under:
        return None
    under = under.strip()
    if under.startswith("/"):
        return under if under.endswith("/") else f"{under}/"
    code = under.upper() if model is Department else under  # department codes are stored upper-case
    found = model._default_manager.filter(code=code).values_list("path", flat=True).first()
    return found or "//"  # no real path starts with "//": matches nothing


def _filter(
    qs: QuerySet[M], *, q: str | None, q_fields: tuple[str, ...], include_inactive: bool, **lookups: Any
) -> QuerySet[M]:
    """The filters every list shares: `lookups` that were given (neither None nor ""), active rows only
    unless `include_inactive`, and `q` matching any of `q_fields`."""
    qs = qs.filter(**{key: value for key, value in lookups.items() if value is not None and value != ""})
    if not include_inactive:
        qs = qs.filter(is_active=True)
    text = (q or "").strip()
    if text:
        qs = qs.filter(reduce(operator.or_, (Q(**{field: text}) for field in q_fields)))
    return qs


def _get(qs: QuerySet[M], not_found: str, **lookup: Any) -> M:
    found = qs.filter(**lookup).first()
    if found is None:
        raise NotFound(not_found)
    return found


def _id_or_code(id: int | None, code: str | None) -> dict[str, Any]:
    return {"pk": id} if id is not None else {"code": (code or "").strip()}


# --- divisions ------------------------------------------------------------------------------------


def division_queryset(
    *,
    parent: Division | int | None = None,
    level: str | None = None,
    under: str | None = None,
    q: str | None = None,
    include_inactive: bool = False,
) -> QuerySet[Division]:
    return _filter(
        Division.objects.select_related("parent"),
        q=q,
        q_fields=("name__icontains", "code__startswith"),
        include_inactive=include_inactive,
        parent_id=_id_of(parent),
        level=level,
        path__startswith=_tree_path(Division, under),
    )


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
    return _get(Division.objects.select_related("parent"), "行政区划不存在", **_id_or_code(id, code))


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
    return _filter(
        Department.objects.select_related("parent", "division"),
        q=q,
        q_fields=("name__icontains", "short_name__icontains", "code__istartswith"),
        include_inactive=include_inactive,
        parent_id=_id_of(parent),
        division_id=_id_of(division),
        path__startswith=_tree_path(Department, under),
        division__path__startswith=_tree_path(Division, division_under),
    )


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
    return _get(
        Department.objects.select_related("parent", "division").prefetch_related("serves"),
        "部门不存在",
        **_id_or_code(id, (code or "").upper()),
    )


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
    qs = _filter(
        Hall.objects.select_related("division"),
        q=q,
        q_fields=("name__icontains", "code__istartswith", "address__icontains"),
        include_inactive=include_inactive,
        level=level,
        division_id=_id_of(division),
        division__path__startswith=_tree_path(Division, under),
    )
    return keyset_page(qs, order=HALL_ORDER, cursor=cursor, limit=limit)


def hall_get(*, id: int | None = None, code: str | None = None) -> Hall:
    """Public."""
    return _get(Hall.objects.select_related("division"), "政务服务大厅不存在", **_id_or_code(id, code))


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
    qs = _filter(
        Window.objects.select_related("hall", "department"),
        q=q,
        q_fields=("name__icontains", "number"),
        include_inactive=include_inactive,
        hall_id=_id_of(hall),
        department_id=_id_of(department),
        kind=kind,
        hall__division__path__startswith=_tree_path(Division, under),
    )
    return keyset_page(qs, order=WINDOW_ORDER, cursor=cursor, limit=limit)


def window_get(*, id: int) -> Window:
    return _get(Window.objects.select_related("hall", "department"), "窗口不存在", pk=id)


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
    qs = _filter(
        Kiosk.objects.select_related("division", "hall"),
        q=q,
        q_fields=("name__icontains", "code__istartswith", "bank_outlet__icontains", "address__icontains"),
        include_inactive=include_inactive,
        kind=kind,
        division_id=_id_of(division),
        hall_id=_id_of(hall),
        division__path__startswith=_tree_path(Division, under),
        bank_name=bank_name,
    )
    return keyset_page(qs, order=KIOSK_ORDER, cursor=cursor, limit=limit)


def kiosk_get(*, id: int | None = None, code: str | None = None) -> Kiosk:
    """Public."""
    return _get(Kiosk.objects.select_related("division", "hall"), "自助终端不存在", **_id_or_code(id, code))


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
    qs = _filter(
        Grid.objects.select_related("division"),
        q=q,
        q_fields=("name__icontains", "code__istartswith"),
        include_inactive=include_inactive,
        division_id=_id_of(division),
        division__path__startswith=_tree_path(Division, under),
    )
    return keyset_page(qs, order=GRID_ORDER, cursor=cursor, limit=limit)


def grid_get(*, id: int | None = None, code: str | None = None) -> Grid:
    return _get(Grid.objects.select_related("division"), "网格不存在", **_id_or_code(id, code))


def grid_for_division(*, division: Division | int) -> Grid | None:
    """The first active grid of a village (community), e.g. to route a grid event; None when it has none."""
    return Grid.objects.filter(division_id=_id_of(division), is_active=True).order_by("code").first()


# --- grid workers (staff with orgs.view_gridworker) -----------------------------------------------


def _require_grid_worker_view(user: Any, perm: str = VIEW_GRID_WORKER_PERM) -> None:
    if user is None or not getattr(user, "is_authenticated", False):
        raise PermissionDenied("需要登录后查看网格员")
    if not user.has_perm(perm):
        raise PermissionDenied(f"没有查看网格员的权限{missing_permission(perm)}")


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
    qs = _filter(
        GridWorker.objects.select_related("grid", "grid__division"),
        q=q,
        q_fields=("name__icontains", "grid__name__icontains"),
        include_inactive=include_inactive,
        grid_id=_id_of(grid),
        grid__division__path__startswith=_tree_path(Division, under),
    )
    return keyset_page(qs, order=GRID_WORKER_ORDER, cursor=cursor, limit=limit)


def grid_worker_get(*, user: Any, id: int, perm: str = VIEW_GRID_WORKER_PERM) -> GridWorker:
    """One grid worker; ``perm`` lets a write path check ``orgs.change_gridworker`` instead of view."""
    _require_grid_worker_view(user, perm)
    return _get(GridWorker.objects.select_related("grid", "grid__division"), "网格员不存在", pk=id)


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


# --- for other contexts ---------------------------------------------------------------------------


def active_hall(id: int) -> Hall | None:
    """An open hall with its division, or None (cases records where an application was filed)."""
    return Hall.objects.select_related("division").filter(pk=id, is_active=True).first()


def active_window(id: int) -> Window | None:
    """An open window with its hall and the hall's division, or None."""
    return Window.objects.select_related("hall__division").filter(pk=id, is_active=True).first()


def active_kiosk(id: int) -> Kiosk | None:
    """A terminal in service with its division, or None."""
    return Kiosk.objects.select_related("division").filter(pk=id, is_active=True).first()


def active_division_by_code(code: str) -> Division | None:
    """A division in use, by its GB/T 2260 code, or None (appeals places an appeal with it)."""
    return Division.objects.filter(code=code, is_active=True).first()


def active_grid_by_code(code: str) -> Grid | None:
    """A grid in use with its division, by code, or None."""
    return Grid.objects.select_related("division").filter(code=code, is_active=True).first()


def active_departments_by_code(codes: list[str]) -> dict[str, Department]:
    """The departments in use among `codes`, by code (one query; unknown or inactive codes are left out)."""
    return {d.code: d for d in Department.objects.filter(code__in=codes, is_active=True)}


def division_tree_path(under: str) -> str | None:
    """The tree path `under` names (a division path or code; "//", matching nothing, for an unknown code;
    None when empty), for filtering another context's rows by ``division__path__startswith``."""
    return _tree_path(Division, under)


def divisions_by_id(ids: list[int]) -> dict[int, Division]:
    """Divisions by id, inactive ones too (one query)."""
    return Division.objects.in_bulk(ids)


def divisions_by_code(codes: list[str]) -> dict[str, Division]:
    """Divisions by code, inactive ones too (one query)."""
    return {d.code: d for d in Division.objects.filter(code__in=codes)}


def department_names(codes: list[str]) -> dict[str, str]:
    """Department code -> name, inactive ones too (appeals shows the classifier's suggestions by name)."""
    return dict(Department.objects.filter(code__in=codes).values_list("code", "name"))


def active_department(id: int) -> Department | None:
    """A department in use, or None."""
    return Department.objects.filter(pk=id, is_active=True).first()


def active_grids_under(under: str, *, limit: int) -> list[Grid]:
    """Grids in use under a division path or code, by code, with their division; at most `limit`."""
    qs = Grid.objects.filter(is_active=True, division__path__startswith=_tree_path(Division, under) or "//")
    return list(qs.select_related("division").order_by("code")[:limit])


def department_by_code_or_id(ident: str) -> Department | None:
    """A department (in use or not) by code in any case, else by numeric id; None when there is none
    (the data hub's CKAN API names organisations this way)."""
    ident = ident.strip()
    department = Department.objects.filter(code__iexact=ident).first()
    if department is None and ident.isascii() and ident.isdigit() and len(ident) <= 18:
        department = Department.objects.filter(pk=int(ident)).first()
    return department


def departments_by_ids(ids: list[int]) -> QuerySet[Department]:
    """The departments (in use or not) among `ids`, in code order."""
    return Department.objects.filter(pk__in=ids).order_by("code")


def department_by_id(id: int) -> Department | None:
    """A department (in use or not) by id, or None (the data hub's API names a providing department so)."""
    return Department.objects.filter(pk=id).first()


def department_by_code(code: str) -> Department | None:
    """A department (in use or not) by its exact code, or None."""
    return Department.objects.filter(code=code).first()


def departments_by_code(codes: list[str]) -> dict[str, Department]:
    """Departments (in use or not) among `codes`, by code (one query; unknown codes are left out)."""
    return {d.code: d for d in Department.objects.filter(code__in=codes)}


def department_path(code: str) -> str | None:
    """The tree path of the department with this code (any case; inactive ones too), or None."""
    return Department.objects.filter(code=code.strip().upper()).values_list("path", flat=True).first()


def active_window_by_number(*, hall: Hall, number: str) -> Window | None:
    """A hall's open window by the number on its sign (a window QR code), with its department and hall."""
    return (
        Window.objects.select_related("department__division", "hall")
        .filter(hall=hall, number=number, is_active=True)
        .first()
    )


def top_active_department(division: Division) -> Department | None:
    """Among the active departments of `division` whose parent is not in it (the top of its tree), the one
    with the smallest code, or None."""
    return (
        Department.objects.select_related("division")
        .filter(division=division, is_active=True)
        .exclude(parent__division=division)
        .order_by("code")
        .first()
    )


def is_department(value: object) -> TypeGuard[Department]:
    """Whether `value` is a department (forms and imports take one or its code), without the model."""
    return isinstance(value, Department)


def department_ids_under(path: str) -> list[int]:
    """Ids of the departments (in use or not) at or below the department tree path `path`."""
    return list(Department.objects.filter(path__startswith=path).values_list("pk", flat=True))


def division_tree_unit_ids(path: str) -> tuple[list[int], list[int]]:
    """(ids of the divisions at or below the division tree path `path`, ids of the departments located in
    them), in one round trip: another context's data scope selects its rows by these ids on every staff
    request, and building the ORM union cost more than running it, so the SQL is written once."""
    with connection.cursor() as cursor:
        cursor.execute(_DIVISION_TREE_SQL, [tree_pattern(path)] * 2)
        rows = cursor.fetchall()
    return [int(pk) for pk, kind in rows if kind == 0], [int(pk) for pk, kind in rows if kind == 1]


# Names from the models' meta; the path is a parameter (LIKE with a backslash escape, as Django's).
_DIVISION, _DEPARTMENT = Division._meta, Department._meta
_DIVISION_TREE_SQL = (
    f'SELECT "{_DIVISION.pk.column}", 0 FROM "{_DIVISION.db_table}" '  # noqa: S608
    f"""WHERE "path" LIKE %s ESCAPE '\\' """
    f'UNION ALL SELECT d."{_DEPARTMENT.pk.column}", 1 FROM "{_DEPARTMENT.db_table}" d '
    f'JOIN "{_DIVISION.db_table}" v ON v."{_DIVISION.pk.column}" = '
    f'd."{_DEPARTMENT.get_field("division").column}" '
    f"""WHERE v."path" LIKE %s ESCAPE '\\'"""
)


def tree_pattern(path: str) -> str:
    """The LIKE pattern the statements of `tree_unit_sql` take for a tree path (node and everything below)."""
    return connection.ops.prep_for_like_query(path) + "%"


def tree_unit_sql() -> dict[str, str]:
    """Statements selecting, for one `tree_pattern` parameter each: ``departments_under`` — the ids of the
    departments in a department tree; ``divisions_under`` — of the divisions in a division tree;
    ``departments_in_divisions_under`` — of the departments located in a division tree. Another context
    puts them in its own statement as ``column IN (…)``, to filter by a scope without a round trip."""
    return {
        "departments_under": _DEPARTMENTS_UNDER_SQL,
        "divisions_under": _DIVISIONS_UNDER_SQL,
        "departments_in_divisions_under": _DEPARTMENTS_IN_DIVISIONS_UNDER_SQL,
    }


_DEPARTMENTS_UNDER_SQL = (
    f'SELECT "{_DEPARTMENT.pk.column}" FROM "{_DEPARTMENT.db_table}" '  # noqa: S608
    f"""WHERE "path" LIKE %s ESCAPE '\\'"""
)
_DIVISIONS_UNDER_SQL = (
    f'SELECT "{_DIVISION.pk.column}" FROM "{_DIVISION.db_table}" '  # noqa: S608
    f"""WHERE "path" LIKE %s ESCAPE '\\'"""
)
_DEPARTMENTS_IN_DIVISIONS_UNDER_SQL = (
    f'SELECT d."{_DEPARTMENT.pk.column}" FROM "{_DEPARTMENT.db_table}" d '  # noqa: S608
    f'JOIN "{_DIVISION.db_table}" v ON v."{_DIVISION.pk.column}" = '
    f'd."{_DEPARTMENT.get_field("division").column}" '
    f"""WHERE v."path" LIKE %s ESCAPE '\\'"""
)


def division_is_loaded(department: Department) -> bool:
    """Whether `department.division` is already loaded (reading it costs no query)."""
    return Department._meta.get_field("division").is_cached(department)
