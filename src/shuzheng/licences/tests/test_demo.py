"""The licences demo over the orgs, accounts and catalog demo: seals, ≥10 licence types tied to items,
licences held by the demo citizens and enterprises, one revoked and one changed; idempotent."""

from __future__ import annotations

import pytest

from shuzheng.catalog import demo as catalog_demo
from shuzheng.identity import demo as identity_demo
from shuzheng.identity.models import User
from shuzheng.licences import demo, selectors, verification
from shuzheng.licences.constants import LicenceStatus, SealKind, Verdict
from shuzheng.licences.models import Licence, LicenceType, Seal
from shuzheng.orgs import demo as orgs_demo

pytestmark = pytest.mark.django_db


@pytest.fixture
def base() -> None:
    orgs_demo.load()
    identity_demo.load()
    catalog_demo.load()


def test_load_then_again(base: None) -> None:
    first = demo.load()
    assert first["licence_types"] >= 10
    assert LicenceType.objects.filter(items__isnull=False).distinct().count() >= 10
    covered, total = selectors.seal_coverage()
    assert 0 < covered < total  # town offices have no seal yet
    assert Seal.objects.filter(kind=SealKind.ACCEPTANCE).count() == 1
    assert not Seal.objects.filter(department__code="EP033").exists()  # a member unit, not a department
    citizen = User.objects.get(username="citizen06")
    held = selectors.licences_held_by(citizen)
    assert {lic.licence_type.name for lic in held} >= {"居民户口簿", "不动产权证书", "结婚证"}
    agent = User.objects.get(username="agent01")
    assert {lic.licence_type.name for lic in selectors.licences_held_by(agent)} >= {
        "营业执照",
        "食品经营许可证",
    }
    assert Licence.objects.filter(status=LicenceStatus.REVOKED).count() == 1
    assert Licence.objects.filter(status=LicenceStatus.SUPERSEDED).count() == 1
    assert verification.verify_identifier(held[0].identifier).verdict == Verdict.VALID
    officer = User.objects.get(username="scjg01")
    assert selectors.licence_list(user=officer).items
    again = demo.load()
    assert again["licences"] == first["licences"]
    assert again["seals"] == first["seals"]
