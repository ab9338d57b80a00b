"""Output schemas of /api/v1/indicators."""

from __future__ import annotations

from datetime import date

from ninja import Schema


class PlanIndicatorOut(Schema):
    number: int
    name: str
    category: str
    unit: str
    formula: str
    value: float | None  # None: no data yet (available false) or a denominator of 0
    display: str  # what the pages show: the value, “—” (denominator 0) or “暂无数据”
    available: bool
    target: float
    status: str  # met / on_track / behind / no_data
    status_label: str
    source: str  # computed / registry


class BreakdownRowOut(Schema):
    key: str
    label: str
    numerator: float | None
    denominator: float | None
    value: float | None


class RecordOut(Schema):
    label: str
    detail: str
    url: str


class DrillDownOut(Schema):
    title: str
    total: int
    records: list[RecordOut]


class PointOut(Schema):
    day: date
    value: float | None
    status: str


class PlanIndicatorDetailOut(PlanIndicatorOut):
    numerator: float | None
    denominator: float | None
    numerator_label: str
    denominator_label: str
    note: str
    historical: bool
    breakdown_title: str
    breakdown: list[BreakdownRowOut]
    drilldowns: list[DrillDownOut]
    snapshots: list[PointOut]
