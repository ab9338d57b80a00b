"""One function per indicator, by number; ``compute`` and ``compute_all`` call them."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from functools import partial
from typing import Any, Final

from shuzheng.identity.scopes import data_scope_for
from shuzheng.indicators.constants import VIEW_PERM
from shuzheng.indicators.definitions import DEFINITIONS, definition
from shuzheng.indicators.selectors import governance, organisation, registries, service_items
from shuzheng.indicators.selectors.results import DrillDown, Record, Result, Row
from shuzheng.orgs import selectors as orgs_selectors

Computer = Callable[[date | None], Result]

COMPUTERS: Final[dict[int, Computer]] = {
    1: service_items.at_most_one_visit,
    2: service_items.one_window,
    3: service_items.four_exemptions,
    4: governance.bundle_services,
    5: organisation.kiosk_towns,
    6: service_items.cross_province,
    7: governance.good_bad_score,
    8: partial(registries.app_usage, 8),
    9: partial(registries.app_usage, 9),
    10: partial(registries.app_usage, 10),
    11: organisation.sectors,
    12: registries.video_terminals,
    13: governance.sharing,
    14: organisation.digitisation,
    15: registries.scenarios,
    16: governance.open_datasets,
    17: registries.budget_units,
    18: governance.licence_use,
    19: governance.e_seals,
    20: service_items.single_sign_on,
    21: registries.domestic_core_systems,
    22: registries.digital_villages,
}


def compute(number: int, as_of: date | None = None) -> Result:
    """Indicator ``number`` now, or as of the end of day ``as_of`` (see ``Result.historical``)."""
    definition(number)  # NotFound outside 1–22
    return COMPUTERS[number](as_of)


def compute_all(as_of: date | None = None) -> list[Result]:
    return [compute(d.number, as_of) for d in DEFINITIONS]


def scoped(result: Result, user: Any) -> Result:
    """The result with only the breakdown rows and drill-down records in the user's data scope for
    ``indicators.view_indicator`` (rows that belong to no department or division stay)."""
    scope = data_scope_for(user, VIEW_PERM)
    if scope.is_all:
        return result
    owners: list[Row | Record] = [*result.breakdown, *(r for d in result.drilldowns for r in d.records)]
    department_ids = {x.department_id for x in owners if x.department_id is not None}
    division_ids = {x.division_id for x in owners if x.division_id is not None}
    departments = {
        d.pk: scope.covers_department(d)
        for d in orgs_selectors.departments_by_ids(list(department_ids)).select_related("division")
    }
    divisions = {
        pk: scope.covers_division(d) for pk, d in orgs_selectors.divisions_by_id(list(division_ids)).items()
    }

    def visible(department_id: int | None, division_id: int | None) -> bool:
        if department_id is not None:
            return departments.get(department_id, False)
        if division_id is not None:
            return divisions.get(division_id, False)
        return True

    result.breakdown = [r for r in result.breakdown if visible(r.department_id, r.division_id)]
    kept = []
    for d in result.drilldowns:
        shown = [x for x in d.records if visible(x.department_id, x.division_id)]
        kept.append(DrillDown(d.title, shown, len(shown)))
    result.drilldowns = kept
    return result
