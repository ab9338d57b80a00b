"""The 好差评 demo: roles and grants, every rectification state, disputes, and idempotence."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from shuzheng.cases.constants import CaseChannel, CaseStatus
from shuzheng.cases.tests.factories import CaseFactory
from shuzheng.catalog.tests.factories import ServiceItemVersionFactory
from shuzheng.evaluation import demo, selectors, stats
from shuzheng.evaluation.constants import DisputeStatus, EvaluationChannel, RectificationStatus
from shuzheng.evaluation.models import Evaluation, RatingDispute, Rectification
from shuzheng.identity import demo as identity_demo
from shuzheng.identity.models import AuditEvent, Role, User
from shuzheng.orgs import demo as orgs_demo
from shuzheng.orgs.models import Department, Hall

pytestmark = pytest.mark.django_db


@pytest.fixture
def base() -> None:
    orgs_demo.load()
    identity_demo.load()


def test_needs_the_accounts_first() -> None:
    with pytest.raises(RuntimeError, match="账号"):
        demo.load()


def test_load_without_cases_then_again(base) -> None:
    first = demo.load()
    assert first["created"] > 0
    assert first["evaluations"] == len(demo.BAD) + 96
    assert {r.code for r in Role.objects.filter(code__startswith="evaluation_")} == {
        "evaluation_handler",
        "evaluation_supervisor",
        "evaluation_recorder",
    }
    statuses = set(Rectification.objects.values_list("status", flat=True))
    assert statuses == set(RectificationStatus.values)  # every state, closed by the upheld dispute
    supervisor = User.objects.get(username="zwsj_admin")
    overdue = selectors.rectification_list(
        user=supervisor, filters=selectors.RectificationFilters(overdue=True)
    )
    assert overdue.items
    disputes = dict(RatingDispute.objects.values_list("status", "evaluation__voided"))
    assert disputes == {DisputeStatus.UPHELD: True, DisputeStatus.PENDING: False}
    handler = User.objects.get(username="window01")
    assert selectors.rectification_list(user=handler).items
    city_owners = set(
        Rectification.objects.filter(department__code="EP001").values_list("owner__username", flat=True)
    )
    assert city_owners <= {"window01", "zwsj01"}  # never the superuser, who holds every permission
    for rectification in Rectification.objects.select_related("department", "owner"):
        # every rectification has an account of its own department that can act on it
        assert selectors.rectification_handlers(department=rectification.department).exists()
        assert rectification.owner is not None, rectification.department
    history = Rectification.objects.get(evaluation__comment__startswith="告知的办理时限").history.first()
    assert history is not None
    assert history.occurred_at < timezone.now() - timedelta(days=30)  # backdated with its review
    town = Rectification.objects.get(department__code="EP440785103")
    assert town.owner is not None
    assert town.owner.username == "shahu_clerk"
    table = stats.evaluation_stats(user=supervisor, group_by="period", period="month")
    assert len(table.rows) >= 10  # a year of history
    assert table.total.total == first["evaluations"] - 1  # the voided one is left out

    events = AuditEvent.objects.count()
    again = demo.load()
    assert again["created"] == 0
    assert again["evaluations"] == first["evaluations"]
    assert AuditEvent.objects.count() == events


def test_concluded_cases_get_evaluated(base) -> None:
    department = Department.objects.get(code="EP020")
    version = ServiceItemVersionFactory.create(
        item__department=department, department=department, name="食品经营许可"
    )
    hall = Hall.objects.get(code=demo.CITY_HALL)
    citizen = User.objects.get(username="citizen01")
    cases = [
        CaseFactory.create(
            version=version,
            applicant=citizen,
            status=CaseStatus.CONCLUDED,
            channel=CaseChannel.WINDOW if n % 2 else CaseChannel.PORTAL,
            hall=hall if n % 2 else None,
            concluded_at=timezone.now(),
            idempotency_key=f"{demo.CASES_DEMO_KEY}{n:04d}",
        )
        for n in range(6)
    ]
    CaseFactory.create(version=version, applicant=citizen, status=CaseStatus.UNDER_REVIEW)
    # a case a later demo step (秒批) concludes is not the cases demo's: not evaluated
    CaseFactory.create(
        version=version,
        applicant=citizen,
        status=CaseStatus.CONCLUDED,
        concluded_at=timezone.now(),
        idempotency_key="miaopi-1-1",
    )
    demo.load()
    online = Evaluation.objects.filter(channel=EvaluationChannel.ONLINE)
    onsite = Evaluation.objects.filter(channel=EvaluationChannel.ONSITE)
    assert online.count() == 6
    assert onsite.count() == 3
    assert set(online.values_list("case_id", flat=True)) == {c.pk for c in cases}
    assert demo.load()["created"] == 0
