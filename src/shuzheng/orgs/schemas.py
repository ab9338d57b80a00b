"""API shapes of the orgs context. Inputs forbid unknown fields; outputs are built from model rows; list
filters are query strings (each list also takes ``cursor`` and ``limit``)."""

from __future__ import annotations

from ninja import Schema
from pydantic import Field

from shuzheng.core.schemas import StrictIn
from shuzheng.orgs.constants import DivisionLevel, HallLevel, KioskKind, WindowKind
from shuzheng.orgs.models import Department, Division, Grid, Hall, Kiosk, Window

# --- divisions ------------------------------------------------------------------------------------


class DivisionOut(Schema):
    id: int
    code: str
    name: str
    level: str
    level_label: str
    parent_id: int | None
    parent_code: str | None
    path: str
    is_generated: bool
    is_active: bool

    @staticmethod
    def resolve_level_label(obj: Division) -> str:
        return obj.get_level_display()

    @staticmethod
    def resolve_parent_code(obj: Division) -> str | None:
        return obj.parent.code if obj.parent_id and obj.parent else None


class DivisionIn(StrictIn):
    code: str = Field(..., max_length=12, description="区划代码：6位（GB/T 2260）、9位（镇街）或12位（村居）")
    name: str = Field(..., max_length=64)
    level: DivisionLevel
    parent_id: int | None = None
    is_generated: bool = False


class DivisionPatch(StrictIn):
    code: str | None = Field(None, max_length=12)
    name: str | None = Field(None, max_length=64)
    level: DivisionLevel | None = None
    parent_id: int | None = None
    is_generated: bool | None = None


class DivisionPage(Schema):
    items: list[DivisionOut]
    next_cursor: str | None


class DivisionFilters(Schema):
    parent: int | None = None
    level: DivisionLevel | None = None
    under: str | None = None
    q: str | None = None
    include_inactive: bool = False


# --- departments ----------------------------------------------------------------------------------


class DepartmentOut(Schema):
    id: int
    code: str
    name: str
    short_name: str
    uscc: str
    parent_id: int | None
    path: str
    division_id: int
    division_code: str
    serves: list[str]
    is_active: bool

    @staticmethod
    def resolve_division_code(obj: Department) -> str:
        return obj.division.code

    @staticmethod
    def resolve_serves(obj: Department) -> list[str]:
        return sorted(d.code for d in obj.serves.all())


class DepartmentIn(StrictIn):
    code: str = Field(..., max_length=32)
    name: str = Field(..., max_length=128)
    short_name: str = Field("", max_length=32)
    uscc: str = Field("", max_length=18)
    parent_id: int | None = None
    division_id: int
    serves: list[int] = Field(default_factory=list, description="服务区划的 id")


class DepartmentPatch(StrictIn):
    code: str | None = Field(None, max_length=32)
    name: str | None = Field(None, max_length=128)
    short_name: str | None = Field(None, max_length=32)
    uscc: str | None = Field(None, max_length=18)
    parent_id: int | None = None
    division_id: int | None = None
    serves: list[int] | None = None


class DepartmentPage(Schema):
    items: list[DepartmentOut]
    next_cursor: str | None


class DepartmentFilters(Schema):
    parent: int | None = None
    division: int | None = None
    under: str | None = None
    division_under: str | None = None
    q: str | None = None
    include_inactive: bool = False


# --- halls ----------------------------------------------------------------------------------------


class HallOut(Schema):
    id: int
    code: str
    name: str
    level: str
    division_id: int
    division_name: str
    address: str
    opening_hours: str
    phone: str
    is_active: bool

    @staticmethod
    def resolve_division_name(obj: Hall) -> str:
        return obj.division.name


class HallIn(StrictIn):
    code: str = Field(..., max_length=32)
    name: str = Field(..., max_length=128)
    level: HallLevel
    division_id: int
    address: str = Field("", max_length=255)
    opening_hours: str = Field("", max_length=128)
    phone: str = Field("", max_length=32)


class HallPatch(StrictIn):
    code: str | None = Field(None, max_length=32)
    name: str | None = Field(None, max_length=128)
    level: HallLevel | None = None
    division_id: int | None = None
    address: str | None = Field(None, max_length=255)
    opening_hours: str | None = Field(None, max_length=128)
    phone: str | None = Field(None, max_length=32)


class HallPage(Schema):
    items: list[HallOut]
    next_cursor: str | None


class HallFilters(Schema):
    """Public: active halls only."""

    level: HallLevel | None = None
    division: int | None = None
    under: str | None = None
    q: str | None = None


# --- windows --------------------------------------------------------------------------------------


class WindowOut(Schema):
    id: int
    hall_id: int
    hall_name: str
    number: str
    name: str
    kind: str
    department_id: int | None
    department_name: str | None
    is_active: bool

    @staticmethod
    def resolve_hall_name(obj: Window) -> str:
        return obj.hall.name

    @staticmethod
    def resolve_department_name(obj: Window) -> str | None:
        return obj.department.name if obj.department else None


class WindowIn(StrictIn):
    hall_id: int
    number: str = Field(..., max_length=16)
    name: str = Field(..., max_length=64)
    kind: WindowKind = WindowKind.COMPREHENSIVE
    department_id: int | None = None


class WindowPatch(StrictIn):
    hall_id: int | None = None
    number: str | None = Field(None, max_length=16)
    name: str | None = Field(None, max_length=64)
    kind: WindowKind | None = None
    department_id: int | None = None


class WindowPage(Schema):
    items: list[WindowOut]
    next_cursor: str | None


class WindowFilters(Schema):
    hall: int | None = None
    department: int | None = None
    kind: WindowKind | None = None
    under: str | None = None
    q: str | None = None
    include_inactive: bool = False


# --- kiosks ---------------------------------------------------------------------------------------


class KioskOut(Schema):
    id: int
    code: str
    kind: str
    name: str
    division_id: int
    division_name: str
    hall_id: int | None
    bank_name: str
    bank_outlet: str
    address: str
    is_active: bool

    @staticmethod
    def resolve_division_name(obj: Kiosk) -> str:
        return obj.division.name


class KioskIn(StrictIn):
    code: str = Field(..., max_length=32)
    kind: KioskKind
    name: str = Field(..., max_length=128)
    division_id: int
    hall_id: int | None = None
    bank_name: str = Field("", max_length=64)
    bank_outlet: str = Field("", max_length=128)
    address: str = Field("", max_length=255)


class KioskPatch(StrictIn):
    code: str | None = Field(None, max_length=32)
    kind: KioskKind | None = None
    name: str | None = Field(None, max_length=128)
    division_id: int | None = None
    hall_id: int | None = None
    bank_name: str | None = Field(None, max_length=64)
    bank_outlet: str | None = Field(None, max_length=128)
    address: str | None = Field(None, max_length=255)


class KioskPage(Schema):
    items: list[KioskOut]
    next_cursor: str | None


class KioskFilters(Schema):
    """Public: active kiosks only."""

    kind: KioskKind | None = None
    division: int | None = None
    hall: int | None = None
    under: str | None = None
    bank_name: str | None = None
    q: str | None = None


# --- grids ----------------------------------------------------------------------------------------


class GridOut(Schema):
    id: int
    code: str
    name: str
    division_id: int
    division_name: str
    is_active: bool

    @staticmethod
    def resolve_division_name(obj: Grid) -> str:
        return obj.division.name


class GridIn(StrictIn):
    code: str = Field(..., max_length=32)
    name: str = Field(..., max_length=64)
    division_id: int


class GridPatch(StrictIn):
    code: str | None = Field(None, max_length=32)
    name: str | None = Field(None, max_length=64)
    division_id: int | None = None


class GridPage(Schema):
    items: list[GridOut]
    next_cursor: str | None


class GridFilters(Schema):
    division: int | None = None
    under: str | None = None
    q: str | None = None
    include_inactive: bool = False


# --- grid workers ---------------------------------------------------------------------------------


class GridWorkerOut(Schema):
    id: int
    grid_id: int
    grid_name: str
    user_id: int | None
    name: str
    phone: str = Field(description="无明文权限时脱敏显示")
    is_active: bool


class GridWorkerIn(StrictIn):
    grid_id: int
    name: str = Field(..., max_length=32)
    phone: str = Field("", max_length=20)
    user_id: int | None = None


class GridWorkerPatch(StrictIn):
    grid_id: int | None = None
    name: str | None = Field(None, max_length=32)
    phone: str | None = Field(None, max_length=20)
    user_id: int | None = None


class GridWorkerPage(Schema):
    items: list[GridWorkerOut]
    next_cursor: str | None


class GridWorkerFilters(Schema):
    grid: int | None = None
    under: str | None = None
    q: str | None = None
    include_inactive: bool = False


# --- imports --------------------------------------------------------------------------------------


class ImportRowErrorOut(Schema):
    row: int
    field: str
    message: str


class ImportReportOut(Schema):
    created: int
    updated: int
    unchanged: int
    errors: list[ImportRowErrorOut]
