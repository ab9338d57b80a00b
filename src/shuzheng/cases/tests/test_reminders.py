"""The reminder task: acting clerks (or the stage's role holders) hear once a day per case and state."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from shuzheng.cases import reminders
from shuzheng.cases.constants import CaseStatus
from shuzheng.cases.tasks import send_case_reminders
from shuzheng.cases.tests.conftest import World
from shuzheng.cases.tests.factories import CaseFactory
from shuzheng.core.models import Notification
from shuzheng.identity.tests.conftest import grant, staff


@pytest.mark.django_db
def test_reminders_go_to_the_acting_clerk_or_the_stage_role(world: World) -> None:
    now = timezone.now()
    overdue = CaseFactory.create(
        version=world.version,
        status=CaseStatus.ACCEPTED,
        due_at=now - timedelta(days=1),
        acting_user=world.acceptor,
    )
    warning = CaseFactory.create(
        version=world.version,
        status=CaseStatus.UNDER_REVIEW,
        due_at=now + timedelta(minutes=30),
        current_step=world.steps[0],
        step_department=world.org.bureau,
    )
    fresh = CaseFactory.create(
        version=world.version, status=CaseStatus.SUBMITTED, due_at=now - timedelta(days=2)
    )
    CaseFactory.create(version=world.version, status=CaseStatus.SUSPENDED, due_at=now - timedelta(days=1))
    CaseFactory.create(version=world.version, status=CaseStatus.CONCLUDED, due_at=now - timedelta(days=1))
    CaseFactory.create(version=world.version, status=CaseStatus.ACCEPTED, due_at=now + timedelta(days=60))
    second_reviewer = staff(world.org.bureau_unit)
    grant(second_reviewer, ["cases.view_case"], code="case_reviewer", department=world.org.bureau)

    result = send_case_reminders.delay().get()

    assert result == {"cases": 3, "notifications": 4}
    sent = {(n.recipient_id, n.kind, n.title) for n in Notification.objects.all()}
    assert (world.acceptor.pk, "case.deadline_overdue", f"办件已超期：{overdue.number}") in sent
    assert (world.reviewer.pk, "case.deadline_warning", f"办件即将到期：{warning.number}") in sent
    assert (second_reviewer.pk, "case.deadline_warning", f"办件即将到期：{warning.number}") in sent
    assert (
        world.acceptor.pk,
        "case.deadline_overdue",
        f"办件已超期：{fresh.number}",
    ) in sent  # the acceptor role
    assert Notification.objects.filter(recipient=world.approver).count() == 0

    assert send_case_reminders.delay().get() == {"cases": 3, "notifications": 0}  # idempotent
    assert Notification.objects.count() == 4


@pytest.mark.django_db
def test_ready_for_decision_goes_to_the_approvers(world: World) -> None:
    CaseFactory.create(
        version=world.version, status=CaseStatus.UNDER_REVIEW, due_at=timezone.now() - timedelta(hours=1)
    )
    run = reminders.send_reminders()
    assert run.notifications == 1
    assert Notification.objects.get().recipient == world.approver


@pytest.mark.django_db
def test_management_command(world: World, capsys) -> None:
    CaseFactory.create(
        version=world.version, status=CaseStatus.SUBMITTED, due_at=timezone.now() - timedelta(days=1)
    )
    call_command("case_reminders")
    assert "需提醒办件 1 件，本次发送通知 1 条" in capsys.readouterr().out


def test_the_beat_schedule_runs_the_task_hourly() -> None:
    from django.conf import settings

    entry = settings.CELERY_BEAT_SCHEDULE["case-reminders"]
    assert entry["task"] == send_case_reminders.name
    assert entry["schedule"] == 3600.0
