"""Indicators computed from platform records (1, 2, 3, 5, 6, 7, 11, 13, 14, 16, 20; 4, 18, 19 without data)
over small worlds built for each test."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import Client

from shuzheng.appeals.tests.factories import DispatchCatalogueEntryFactory, WorkOrderFactory
from shuzheng.catalog.constants import Exemption
from shuzheng.catalog.tests.factories import ServiceItemVersionFactory
from shuzheng.datahub.models import OpenDataset, SharingRequest
from shuzheng.datahub.tests.factories import OpenDatasetFactory, SharingRequestFactory
from shuzheng.evaluation.constants import Level
from shuzheng.evaluation.tests.factories import EvaluationFactory
from shuzheng.indicators.models import GovernmentSector
from shuzheng.indicators.selectors.compute import compute
from shuzheng.orgs.constants import DepartmentKind, DivisionLevel, KioskKind
from shuzheng.orgs.tests.factories import DepartmentFactory, DivisionFactory, KioskFactory

pytestmark = pytest.mark.django_db

FOUR = [e.value for e in Exemption]


def test_item_shares_count_live_items_and_list_the_ones_that_miss():
    dept = DepartmentFactory.create(name="测试局")
    ServiceItemVersionFactory.create(
        item__department=dept, onsite_visits=0, high_frequency=True, exemptions=FOUR, cross_region=True
    )
    ServiceItemVersionFactory.create(
        item__department=dept,
        onsite_visits=1,
        comprehensive_window=False,
        high_frequency=True,
        exemptions=FOUR[:3],
    )
    ServiceItemVersionFactory.create(item__department=dept, onsite_visits=2, name="多次跑事项")
    ServiceItemVersionFactory.create(
        item__department=dept, onsite_visits=2, status="draft", live=False
    )  # not live

    one_visit = compute(1)
    assert (one_visit.numerator, one_visit.denominator, one_visit.value) == (2, 3, Decimal("66.67"))
    assert [r.label.split("（")[0] for r in one_visit.drilldowns[0].records] == ["多次跑事项"]
    assert one_visit.drilldowns[0].records[0].url.startswith("/guide/")
    assert one_visit.breakdown[0].label == "测试局"
    assert compute(2).value == Decimal("66.67")
    four = compute(3)
    assert (four.numerator, four.denominator, four.value) == (1, 2, Decimal("50.00"))
    assert compute(6).value == Decimal("50.00")
    assert compute(20).value == Decimal("100.00")  # all online items have a form on the platform


def test_a_rate_with_no_denominator_is_a_dash_not_zero():
    result = compute(3)  # no high-frequency items at all
    assert result.available
    assert result.value is None
    assert result.display == "—"


def test_kiosk_coverage_counts_towns_with_a_kiosk_in_the_town_or_its_villages():
    city = DivisionFactory.create(code="440785", name="恩平市", level=DivisionLevel.CITY)
    town_a = DivisionFactory.create(code="440785100", name="甲镇", level=DivisionLevel.TOWN, parent=city)
    town_b = DivisionFactory.create(code="440785101", name="乙镇", level=DivisionLevel.TOWN, parent=city)
    DivisionFactory.create(code="440785102", name="丙镇", level=DivisionLevel.TOWN, parent=city)
    village = DivisionFactory.create(
        code="440785101001", name="乙村", level=DivisionLevel.VILLAGE, parent=town_b
    )
    KioskFactory.create(division=town_a)
    KioskFactory.create(division=village)
    KioskFactory.create(division=village, kind=KioskKind.BANK_TERMINAL)  # a bank terminal is not a kiosk
    result = compute(5)
    assert (result.numerator, result.denominator, result.value) == (2, 3, Decimal("66.67"))
    assert [r.label for r in result.drilldowns[0].records] == ["丙镇"]


def test_sector_is_covered_when_its_department_is_in_the_catalogue_and_got_work_orders():
    configured_and_used = DepartmentFactory.create()
    configured_only = DepartmentFactory.create()
    DispatchCatalogueEntryFactory.create(department=configured_and_used)
    DispatchCatalogueEntryFactory.create(department=configured_only)
    WorkOrderFactory.create(lead_department=configured_and_used)
    for code, name, department in (("S1", "城管", configured_and_used), ("S2", "水利", configured_only)):
        GovernmentSector.objects.create(code=code, name=name).departments.set([department])
    GovernmentSector.objects.create(code="S3", name="林业")
    result = compute(11)
    assert (result.numerator, result.denominator) == (1, 3)
    details = {r.label: r.detail for r in result.drilldowns[0].records}
    assert "尚未接收工单" in details["水利"]
    assert "派单目录中没有" in details["林业"]


def test_digitisation_counts_government_departments_only_with_sub_units_under_their_parent():
    parent = DepartmentFactory.create(code="EP100", name="有事项的局")
    sub = DepartmentFactory.create(code="EP100-01", name="下属中心", parent=parent)
    idle = DepartmentFactory.create(code="EP101", name="没有业务的局")
    utility = DepartmentFactory.create(code="EP102", name="供水公司", kind=DepartmentKind.MEMBER_UNIT)
    ServiceItemVersionFactory.create(item__department=sub)
    WorkOrderFactory.create(lead_department=utility)
    result = compute(14)
    assert (result.numerator, result.denominator) == (1, 2)
    assert [r.label for r in result.drilldowns[0].records] == [idle.name]


def test_good_bad_score_is_the_ten_point_mean_of_valid_evaluations():
    dept = DepartmentFactory.create()
    for level in (Level.VERY_SATISFIED, Level.VERY_SATISFIED, Level.SATISFIED, Level.DISSATISFIED):
        EvaluationFactory.create(department=dept, level=level)
    EvaluationFactory.create(department=dept, level=Level.VERY_DISSATISFIED, voided=True)
    result = compute(7)
    assert result.value == Decimal("7.75")  # (10 + 10 + 8 + 3) / 4
    assert result.denominator == 4


def test_sharing_rate_lists_the_unsatisfied_requests():
    SharingRequestFactory.create(status=SharingRequest.Status.APPROVED)
    SharingRequestFactory.create(status=SharingRequest.Status.APPROVED)
    pending = SharingRequestFactory.create(status=SharingRequest.Status.PENDING)
    SharingRequestFactory.create(status=SharingRequest.Status.WITHDRAWN)
    result = compute(13)
    assert (result.numerator, result.denominator, result.value) == (2, 3, Decimal("66.67"))
    assert [r.url for r in result.drilldowns[0].records] == [f"/workbench/datahub/sharing/{pending.pk}/"]


def test_open_datasets_equal_what_ckan_package_search_reports():
    OpenDatasetFactory.create()
    OpenDatasetFactory.create()
    OpenDatasetFactory.create(state=OpenDataset.State.DELETED)
    body = Client().get("/api/3/action/package_search", {"rows": 0}).json()
    assert compute(16).value == Decimal(body["result"]["count"]) == Decimal(2)


def test_bundles_count_is_real_and_rates_without_a_denominator_are_dashes():
    assert compute(4).display == "0"  # the bundles context exists: no published bundle is a real 0
    licence_use = compute(18)  # no live 行政许可 item: nothing to divide by
    assert licence_use.available
    assert licence_use.display == "—"


def test_seal_coverage_counts_government_departments_only_and_lists_those_without_a_seal():
    bureau = DepartmentFactory.create(name="无印章的局")
    DepartmentFactory.create(name="燃气公司", kind=DepartmentKind.MEMBER_UNIT)
    result = compute(19)
    assert (result.numerator, result.denominator, result.value) == (0, 1, Decimal("0.00"))
    assert [r.label for r in result.drilldowns[0].records] == [bureau.name]
