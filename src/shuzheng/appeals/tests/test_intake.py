"""Intake: validation (nothing written on bad input), encryption and masking, direct answers, grid events."""

from __future__ import annotations

import pytest

from shuzheng.appeals.constants import AppealStatus, AttachmentKind, ConclusionKind
from shuzheng.appeals.models import Appeal
from shuzheng.appeals.selectors import appeals as appeal_selectors
from shuzheng.appeals.services.grid import appeal_self_handle
from shuzheng.appeals.services.intake import appeal_attach
from shuzheng.appeals.tests.conftest import intake
from shuzheng.core.crypto import blind_index
from shuzheng.core.errors import (
    NotFound,
    PayloadTooLarge,
    PermissionDenied,
    UnsupportedMediaType,
    ValidationFailed,
)
from shuzheng.core.validators import generate_uscc
from shuzheng.identity.models import AuditEvent

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def _fields(exc: pytest.ExceptionInfo[ValidationFailed]) -> set[str]:
    return {e["field"] for e in exc.value.errors}


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"text": "   "}, "text"),
        ({"text": "很" * 20000}, "text"),
        ({"category_code": "NOPE"}, "category_code"),
        ({"division_code": "999999"}, "division_code"),
        ({"appeal_type": "rumour"}, "appeal_type"),
        ({"channel": "pigeon"}, "channel"),
        ({"latitude": 23.5, "longitude": 112.3}, "latitude"),
        ({"latitude": 22.2, "longitude": 113.9}, "longitude"),
        ({"latitude": 22.2}, "longitude"),
        ({"reporter_phone": "12345"}, "reporter_phone"),
        ({"is_enterprise": True, "enterprise_uscc": "91440785MA4UXXXX1X"}, "enterprise_uscc"),
        ({"grid_code": "missing"}, "grid_code"),
    ],
)
def test_bad_intake_is_refused_and_writes_nothing(world, overrides, field):
    events = AuditEvent.objects.count()
    with pytest.raises(ValidationFailed) as exc:
        intake(world, **overrides)
    assert field in _fields(exc)
    assert all(e["message"] and not e["message"].isascii() for e in exc.value.errors)  # Chinese messages
    assert Appeal.objects.count() == 0
    assert AuditEvent.objects.count() == events


def test_long_text_error_names_the_limit(world):
    with pytest.raises(ValidationFailed) as exc:
        intake(world, text="长" * 20000)
    assert "2000" in exc.value.detail
    assert "20000" in exc.value.detail


def test_division_outside_the_city_is_refused(world):
    with pytest.raises(ValidationFailed) as exc:
        intake(world, division_code=world.outside.code)
    assert "不在本市范围内" in exc.value.detail


def test_intake_encrypts_reporter_and_masks_by_clearance(world, django_user_model):
    appeal = intake(world, latitude="22.21", longitude="112.30")
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT reporter_phone, reporter_name FROM appeals_appeal WHERE id = %s", [appeal.pk])
        stored_phone, stored_name = cursor.fetchone()
    assert "13707500001" not in stored_phone
    assert "陈建明" not in stored_name
    assert appeal.reporter_phone_index == blind_index("13707500001")
    shown = appeal_selectors.appeal_reporter(appeal, user=world.agent)
    assert shown.masked
    assert shown.phone == "137****0001"
    assert shown.name == "陈*明"
    boss = django_user_model.objects.create_superuser("boss", password="x", full_name="局长")
    assert appeal_selectors.appeal_reporter(appeal, user=boss).phone == "13707500001"
    assert [a.pk for a in appeal_selectors.appeals_by_phone(user=world.agent, phone="137 0750 0001")] == [
        appeal.pk
    ]
    assert appeal.grid == world.grid  # a village appeal is placed in the village's grid


def test_anonymous_keeps_no_contact(world):
    appeal = intake(world, is_anonymous=True)
    assert appeal.reporter_phone == ""
    assert appeal.reporter_name == ""
    assert appeal.reporter_phone_index == ""


def test_enterprise_fast_track_with_valid_uscc(world):
    appeal = intake(
        world, is_enterprise=True, enterprise_uscc=generate_uscc("440785", 42), enterprise_name="某公司"
    )
    assert appeal.is_enterprise
    assert "企业快速响应" in appeal.sla_rule


def test_staff_without_intake_permission_is_refused(world):
    with pytest.raises(PermissionDenied):
        intake(world, actor=world.cgj_handler)


def test_direct_answer_concludes_an_inquiry(world):
    appeal = intake(
        world, appeal_type="consult", text="请问政务服务中心周六上班吗", direct_answer="周六上午有延时服务。"
    )
    assert appeal.status == AppealStatus.CONCLUDED
    assert appeal.conclusion == ConclusionKind.DIRECT_ANSWER
    assert appeal.work_order is None


def test_complaint_cannot_be_answered_directly(world):
    with pytest.raises(ValidationFailed) as exc:
        intake(world, direct_answer="已知悉")
    assert "direct_answer" in _fields(exc)
    assert Appeal.objects.count() == 0


def test_grid_worker_self_handles_with_before_and_after_photos(world):
    event = intake(
        world,
        actor=world.grid_worker,
        channel="grid",
        reporter_name="",
        reporter_phone="",
        text="第1网格村口垃圾乱堆，已组织清理",
    )
    assert event.status == AppealStatus.REPORTED
    assert event.work_order is None
    with pytest.raises(ValidationFailed) as exc:
        appeal_self_handle(actor=world.grid_worker, appeal=event, note="已清理")
    assert {"before", "after"} <= _fields(exc)
    appeal_attach(
        actor=world.grid_worker, appeal=event, content=PNG, name="a.png", kind=AttachmentKind.BEFORE
    )
    appeal_attach(actor=world.grid_worker, appeal=event, content=PNG, name="b.png", kind=AttachmentKind.AFTER)
    done = appeal_self_handle(actor=world.grid_worker, appeal=event, note="已清理")
    assert done.status == AppealStatus.CONCLUDED
    assert done.conclusion == ConclusionKind.SELF_HANDLED
    # Only the grid worker sees it among grid workers (SELF scope).
    assert [a.pk for a in appeal_selectors.appeal_list(user=world.grid_worker).items] == [event.pk]


def test_other_users_cannot_self_handle_a_grid_event(world):
    event = intake(world, actor=world.grid_worker, channel="grid", text="路灯不亮")
    with pytest.raises((NotFound, PermissionDenied)):
        appeal_self_handle(actor=world.agent, appeal=event, note="x")


def test_attachment_type_is_checked_by_content_and_size(world, settings):
    appeal = intake(world)
    with pytest.raises(UnsupportedMediaType):
        appeal_attach(actor=world.agent, appeal=appeal, content=b"%PDF-1.4 fake", name="x.png")
    settings.SHUZHENG_APPEAL_MAX_PHOTO_BYTES = 10
    with pytest.raises(PayloadTooLarge):
        appeal_attach(actor=world.agent, appeal=appeal, content=PNG, name="x.png")
    assert appeal.attachments.count() == 0


def test_grid_worker_reports_in_own_grid(world):
    from shuzheng.orgs.models import GridWorker

    GridWorker.objects.create(grid=world.grid, user=world.grid_worker, name="网格员甲")
    event = intake(
        world, actor=world.grid_worker, channel="grid", division_code=world.town.code, text="路面塌陷"
    )
    assert event.grid == world.grid
