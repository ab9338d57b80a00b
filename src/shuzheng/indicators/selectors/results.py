"""What computing an indicator yields: the value with its numerator and denominator, a breakdown (per
department or town) and drill-down lists of the records behind the figure."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Final

from shuzheng.indicators.definitions import Definition

HUNDRED: Final = Decimal(100)
CENT: Final = Decimal("0.01")
#: A drill-down list shows at most this many records (and says how many there are).
DRILL_LIMIT: Final = 200


def rate(part: int | Decimal, whole: int | Decimal) -> Decimal | None:
    """part ÷ whole × 100, half up to 2 decimals; None (shown as “—”) when whole is 0."""
    if not whole:
        return None
    return (Decimal(part) * HUNDRED / Decimal(whole)).quantize(CENT, rounding=ROUND_HALF_UP)


def quantize(value: Decimal | int | float) -> Decimal:
    return Decimal(str(value)).quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Record:
    """One record behind a figure; ``url`` leads to it where a page shows it."""

    label: str
    detail: str = ""
    url: str = ""
    #: The department or division the record belongs to (for the viewer's data scope).
    department_id: int | None = None
    division_id: int | None = None


@dataclass
class DrillDown:
    title: str
    records: list[Record]
    total: int

    @classmethod
    def of(cls, title: str, records: list[Record]) -> DrillDown:
        return cls(title, records[:DRILL_LIMIT], len(records))


@dataclass(frozen=True)
class Row:
    """One line of a breakdown: a department, a town, an app, a month…"""

    label: str
    numerator: Decimal | int | None
    denominator: Decimal | int | None
    value: Decimal | None
    key: str = ""
    department_id: int | None = None
    division_id: int | None = None


@dataclass
class Result:
    definition: Definition
    value: Decimal | None
    numerator: Decimal | int | None = None
    denominator: Decimal | int | None = None
    #: False when the data the indicator needs do not exist yet (“暂无数据”, never 0 or 100).
    available: bool = True
    note: str = ""
    numerator_label: str = ""
    denominator_label: str = ""
    breakdown_title: str = ""
    breakdown: list[Row] = field(default_factory=list)
    drilldowns: list[DrillDown] = field(default_factory=list)
    #: Whether the figure can be recomputed for a past day from the records (see docs/indicators.md).
    historical: bool = True

    @property
    def number(self) -> int:
        return self.definition.number

    @property
    def display(self) -> str:
        """The value as the pages show it: “暂无数据”, “—” (denominator 0) or the number with its unit."""
        if not self.available:
            return "暂无数据"
        if self.value is None:
            return "—"
        return f"{self.value.normalize():f}"

    def as_dict(self) -> dict[str, Any]:
        def num(value: Decimal | int | None) -> float | int | None:
            if value is None:
                return None
            return value if isinstance(value, int) else float(value)

        return {
            "number": self.number,
            "value": num(self.value) if self.available else None,
            "display": self.display,
            "available": self.available,
            "numerator": num(self.numerator),
            "denominator": num(self.denominator),
            "numerator_label": self.numerator_label,
            "denominator_label": self.denominator_label,
            "note": self.note,
            "breakdown_title": self.breakdown_title,
            "breakdown": [
                {
                    "key": r.key,
                    "label": r.label,
                    "numerator": num(r.numerator),
                    "denominator": num(r.denominator),
                    "value": num(r.value),
                }
                for r in self.breakdown
            ],
            "drilldowns": [
                {
                    "title": d.title,
                    "total": d.total,
                    "records": [{"label": x.label, "detail": x.detail, "url": x.url} for x in d.records],
                }
                for d in self.drilldowns
            ],
        }


def no_data(definition: Definition, note: str) -> Result:
    return Result(definition, None, available=False, note=note, historical=False)
