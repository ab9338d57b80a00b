import pytest

from shuzheng.cases.constants import CaseStatus
from shuzheng.cases.tests.factories import CaseFactory


@pytest.mark.django_db
def test_case_factory_builds_a_consistent_case():
    case = CaseFactory.create(status=CaseStatus.CONCLUDED)
    assert case.item == case.version.item
    assert case.item.live_version == case.version
    assert case.department == case.version.department
