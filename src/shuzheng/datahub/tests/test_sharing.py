"""Sharing requests: approve fewer fields, refuse, timeouts, unconditional grants, 不予共享; indicator 13."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta

import pytest
from django.test import Client
from django.utils import timezone

from shuzheng.core.errors import Conflict, PermissionDenied, ValidationFailed
from shuzheng.datahub.models import Grant, SharingRequest, SharingType
from shuzheng.datahub.selectors import sharing as sharing_selectors
from shuzheng.datahub.services import sharing as sharing_services
from shuzheng.datahub.tests.conftest import make_entry

pytestmark = pytest.mark.django_db

TZ = timezone.get_current_timezone()


def _request(hub, entry, *, fields=("id_number", "full_name", "mobile"), submitted_at=None):
    today = timezone.localdate()
    return sharing_services.sharing_request_create(
        actor=hub.consumer_user,
        entry=entry,
        requester_department=hub.consumer,
        purpose="低保资格核查",
        legal_basis="《社会救助暂行办法》第十一条",
        fields=list(fields),
        period_start=today,
        period_end=today + timedelta(days=180),
        submitted_at=submitted_at,
    )


def test_approve_fewer_fields(hub, person_entry):
    request = _request(hub, person_entry)
    assert request.status == SharingRequest.Status.PENDING
    grant = sharing_services.sharing_request_approve(
        actor=hub.steward, request=request, fields=["id_number", "full_name"]
    )
    request.refresh_from_db()
    assert request.status == SharingRequest.Status.APPROVED
    assert grant.fields == ["id_number", "full_name"]
    assert grant.allow_clear_text is False
    with pytest.raises(Conflict):
        sharing_services.sharing_request_refuse(actor=hub.steward, request=request, reason="晚了")


def test_approve_cannot_add_fields_or_be_done_by_the_requester(hub, person_entry):
    request = _request(hub, person_entry)
    with pytest.raises(ValidationFailed):
        sharing_services.sharing_request_approve(actor=hub.steward, request=request, fields=["income"])
    with pytest.raises(PermissionDenied):
        sharing_services.sharing_request_approve(actor=hub.consumer_user, request=request)
    assert not Grant.objects.exists()


def test_refuse_needs_a_reason(hub, person_entry):
    request = _request(hub, person_entry)
    with pytest.raises(ValidationFailed):
        sharing_services.sharing_request_refuse(actor=hub.steward, request=request, reason=" ")
    sharing_services.sharing_request_refuse(actor=hub.steward, request=request, reason="用途与职责不符")
    request.refresh_from_db()
    assert request.status == SharingRequest.Status.REFUSED
    assert not Grant.objects.exists()


def test_unconditional_entries_are_granted_at_once(hub):
    entry = make_entry(hub, name="公交线路", sharing_type=SharingType.UNCONDITIONAL)
    request = _request(hub, entry, fields=("full_name",))
    assert request.status == SharingRequest.Status.APPROVED
    assert request.auto_granted
    assert Grant.objects.get(request=request).fields == ["full_name"]


def test_not_shareable_entries_cannot_be_requested(hub):
    entry = make_entry(hub, name="涉密名单", sharing_type=SharingType.NONE)
    with pytest.raises(Conflict) as info:
        _request(hub, entry)
    assert info.value.code == "not_shareable"
    assert not SharingRequest.objects.exists()


def test_bad_requests(hub, person_entry):
    with pytest.raises(ValidationFailed) as info:
        sharing_services.sharing_request_create(
            actor=hub.consumer_user,
            entry=person_entry,
            requester_department=hub.consumer,
            purpose="",
            legal_basis="",
            fields=["nope"],
            period_start=date(2026, 1, 10),
            period_end=date(2026, 1, 1),
        )
    assert {"purpose", "legal_basis", "fields", "period_end"} <= {e["field"] for e in info.value.errors}
    draft = make_entry(hub, name="草稿", publish=False, mount=False)
    with pytest.raises(Conflict):
        _request(hub, draft)


def test_timeout_is_derived_and_counted_against_the_provider(hub, person_entry):
    # Submitted on Monday 2026-11-02: 5 working days later is Monday 2026-11-09.
    monday = datetime(2026, 11, 2, 9, 0, tzinfo=TZ)
    late = _request(hub, person_entry, submitted_at=monday)
    assert late.due_on == date(2026, 11, 9)
    assert sharing_selectors.is_timed_out(late, today=date(2026, 11, 9)) is False
    assert sharing_selectors.is_timed_out(late, today=date(2026, 11, 10)) is True
    decided_late = _request(hub, person_entry, submitted_at=monday)
    sharing_services.sharing_request_approve(
        actor=hub.steward, request=decided_late, decided_at=datetime(2026, 11, 12, 10, 0, tzinfo=TZ)
    )
    on_time = _request(hub, person_entry, submitted_at=monday)
    sharing_services.sharing_request_refuse(
        actor=hub.steward, request=on_time, reason="不符", decided_at=datetime(2026, 11, 5, 10, 0, tzinfo=TZ)
    )
    indicator = sharing_selectors.sharing_indicator(today=date(2026, 11, 20))
    assert indicator.timed_out == 2  # still pending past due + decided after due
    against = sharing_selectors.timeouts_by_provider(today=date(2026, 11, 20))
    assert against == [{"department_code": "TP01", "department_name": "测试公安局", "timed_out": 2}]


def test_indicator_13_on_a_fixed_set(hub, person_entry):
    open_entry = make_entry(hub, name="公交线路", sharing_type=SharingType.UNCONDITIONAL)
    for _ in range(3):
        sharing_services.sharing_request_approve(actor=hub.steward, request=_request(hub, person_entry))
    _request(hub, open_entry, fields=("full_name",))  # granted at once
    sharing_services.sharing_request_refuse(
        actor=hub.steward, request=_request(hub, person_entry), reason="不符"
    )
    _request(hub, person_entry)  # pending
    withdrawn = _request(hub, person_entry)
    SharingRequest.objects.filter(pk=withdrawn.pk).update(status=SharingRequest.Status.WITHDRAWN)
    indicator = sharing_selectors.sharing_indicator()
    assert (indicator.total, indicator.satisfied, indicator.refused, indicator.pending) == (6, 4, 1, 1)
    assert indicator.rate == round(4 / 6, 4)


def test_api_flow(hub, person_entry):
    consumer = Client()
    consumer.force_login(hub.consumer_user)
    today = timezone.localdate()
    response = consumer.post(
        "/api/v1/datahub/sharing-requests",
        data=json.dumps(
            {
                "entry_id": person_entry.pk,
                "purpose": "低保资格核查",
                "legal_basis": "《社会救助暂行办法》",
                "fields": ["id_number", "full_name"],
                "period_start": today.isoformat(),
                "period_end": (today + timedelta(days=30)).isoformat(),
            }
        ),
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    request_id = response.json()["id"]
    assert response.json()["timed_out"] is False
    steward = Client()
    steward.force_login(hub.steward)
    received = steward.get("/api/v1/datahub/sharing-requests?role=received").json()["items"]
    assert [r["id"] for r in received] == [request_id]
    approved = steward.post(
        f"/api/v1/datahub/sharing-requests/{request_id}/approve",
        data=json.dumps({"fields": ["id_number"]}),
        content_type="application/json",
    )
    assert approved.status_code == 200
    grant_id = approved.json()["grant_id"]
    issued = consumer.post(
        f"/api/v1/datahub/grants/{grant_id}/credentials",
        data=json.dumps({"label": "低保系统"}),
        content_type="application/json",
    )
    assert issued.status_code == 201
    body = issued.json()
    assert body["authorization"] == f"Bearer {body['client_id']}:{body['secret']}"
    admin = Client()
    admin.force_login(hub.admin)  # scope "all": sees every request and grant
    assert [r["id"] for r in admin.get("/api/v1/datahub/sharing-requests").json()["items"]] == [request_id]
    assert [g["id"] for g in admin.get("/api/v1/datahub/grants").json()["items"]] == [grant_id]
    indicator = consumer.get("/api/v1/datahub/sharing/indicator").json()
    assert indicator["satisfied"] == 1
    assert indicator["rate"] == 1.0
    extra = consumer.post(
        "/api/v1/datahub/sharing-requests",
        data=json.dumps({"entry_id": person_entry.pk, "unexpected": 1}),
        content_type="application/json",
    )
    assert extra.status_code == 422
