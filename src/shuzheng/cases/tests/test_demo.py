"""The cases demo: roles for the demo staff, cases in every planned state, idempotent."""

from __future__ import annotations

from collections import Counter

import pytest

from shuzheng.cases import demo
from shuzheng.cases.demo import stories
from shuzheng.cases.models import Case, CaseStatusChange
from shuzheng.catalog.tests.factories import (
    MaterialRequirementFactory,
    ServiceItemVersionFactory,
    WorkflowStepFactory,
)
from shuzheng.identity.models import AuditEvent, Role, RoleAssignment, User
from shuzheng.identity.tests.conftest import Org
from shuzheng.identity.tests.factories import (
    CitizenFactory,
    RoleAssignmentFactory,
    RoleFactory,
    UserFactory,
)
from shuzheng.orgs.tests.factories import HallFactory, WindowFactory

SMALL_PLAN = (
    ("concluded", 2, ""),
    ("concluded_refused", 1, ""),
    ("under_review", 2, "overdue"),
    ("accepted", 1, "warning"),
    ("submitted", 1, "on_time"),
    ("correction_requested", 1, ""),
    ("corrected", 1, "on_time"),
    ("withdrawn", 1, ""),
    ("not_accepted", 1, ""),
    ("suspended", 1, ""),
    ("delivered", 1, ""),
    ("forwarded", 1, ""),
)


@pytest.fixture
def demo_world(org: Org) -> None:
    for username in ("window01", "zwsj_admin"):
        UserFactory.create(username=username, department=org.bureau)
    for n in range(1, 4):
        CitizenFactory.create(username=f"citizen{n:02d}", full_name=f"市民{n}")
    hall = HallFactory.create(code="H440785", division=org.city)
    WindowFactory.create(hall=hall, number="01")
    version = ServiceItemVersionFactory.create(
        item__department=org.bureau, cross_region=True, name="演示事项"
    )
    MaterialRequirementFactory.create(version=version, code="M01", name="申请表")
    for position, (name, role) in enumerate(
        [("受理", "case_acceptor"), ("审查", "case_reviewer"), ("决定", "case_approver")], start=1
    ):
        WorkflowStepFactory.create(version=version, position=position, name=name, role_code=role)
    instant = ServiceItemVersionFactory.create(
        item__department=org.bureau, promised_limit_days=0, name="即办事项"
    )
    WorkflowStepFactory.create(version=instant, position=1, name="受理并办结", role_code="case_acceptor")


@pytest.mark.django_db
def test_demo_loads_every_state_once(demo_world: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(stories, "PLAN", SMALL_PLAN)
    result = demo.load()
    planned = sum(count for _, count, _ in SMALL_PLAN)
    assert result["created"] == planned
    assert result["cases"] == planned
    statuses = Counter(Case.objects.values_list("status", flat=True))
    assert statuses["concluded"] == 3
    assert statuses["under_review"] == 2
    assert statuses["submitted"] == 2
    for status in ("accepted", "correction_requested", "withdrawn", "not_accepted", "suspended", "delivered"):
        assert statuses[status] == 1, status
    assert statuses["forwarded"] == 1
    assert Case.objects.filter(channel="window").exists()
    assert Case.objects.filter(channel="portal").exists()
    assert set(Role.objects.filter(code__startswith="case_").values_list("code", flat=True)) == {
        "case_acceptor",
        "case_reviewer",
        "case_approver",
    }
    window01 = User.objects.get(username="window01")
    assert RoleAssignment.objects.filter(user=window01, role__code="case_acceptor").exists()
    assert window01.has_perm("cases.accept_case")

    events = AuditEvent.objects.count()
    again = demo.load()
    assert again["created"] == 0
    assert Case.objects.count() == planned
    assert AuditEvent.objects.count() == events


@pytest.mark.django_db
def test_each_department_reviews_and_decides_with_its_own_staff(
    demo_world: None, org: Org, monkeypatch: pytest.MonkeyPatch
) -> None:
    own = UserFactory.create(username="bureau01", department=org.bureau)
    role = RoleFactory.create(code="department_staff", perms=[])
    RoleAssignmentFactory.create(user=own, role=role, department=org.bureau)
    monkeypatch.setattr(stories, "PLAN", SMALL_PLAN)
    demo.load()
    decided = Case.objects.exclude(decided_by=None)
    assert decided.exists()
    assert set(decided.values_list("decided_by__username", flat=True)) <= {"bureau01", "window01"}
    admin = User.objects.get(username="zwsj_admin")
    assert not RoleAssignment.objects.filter(user=admin, role__code__startswith="case_").exists()
    assert own.has_perm("cases.decide_case")
    reviewed = CaseStatusChange.objects.filter(action="complete_step")
    assert set(reviewed.values_list("actor__username", flat=True)) == {"bureau01"}
