"""Grid workers' pages (report with photos, self-handle with before/after photos, escalate, own list) and
the routing-rule test page, through Django's test client."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from shuzheng.appeals.constants import AppealStatus, AttachmentKind, ConclusionKind
from shuzheng.appeals.models import Appeal, AppealAttachment, RoutingRule
from shuzheng.appeals.tests.conftest import World, intake, staff_with_role
from shuzheng.appeals.tests.factories import RoutingRuleFactory
from shuzheng.appeals.tests.test_views_portal import client_for, png_bytes
from shuzheng.identity.models import AuditEvent, DataScopeKind
from shuzheng.orgs.models import GridWorker


@pytest.fixture
def worker(world: World) -> Any:
    GridWorker.objects.create(grid=world.grid, user=world.grid_worker, name="黄网格")
    return world.grid_worker


def photo(name: str = "现场.png", color: str = "white") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, png_bytes(color), content_type="image/png")


def report_data(world: World, **overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "appeal_type": "help",
        "category_code": world.garbage.code,
        "text": "第1网格村口垃圾堆放，约两车，影响通行",
        "division_code": world.village.code,
        "address": "村口榕树旁",
        "latitude": "22.18",
        "longitude": "112.30",
        "urgency": "normal",
        "photos": [photo()],
    }
    data.update(overrides)
    return data


def _text(response: Any) -> str:
    return response.content.decode()


def _report(world: World, client: Client, **overrides: Any) -> Appeal:
    response = client.post(reverse("appeals:grid_new"), report_data(world, **overrides))
    assert response.status_code == 302, _text(response)
    return Appeal.objects.latest("id")


# --- access ------------------------------------------------------------------------------------------


def test_grid_pages_need_the_grid_permission(world: World, worker: Any) -> None:
    assert client_for(worker).get(reverse("appeals:grid_list")).status_code == 200
    assert client_for(worker).get(reverse("appeals:grid_new")).status_code == 200
    denied = client_for(world.cgj_handler).get(reverse("appeals:grid_list"))
    assert denied.status_code == 403
    assert "没有上报网格事件的权限" in _text(denied)
    assert client_for(world.citizen).get(reverse("appeals:grid_list")).status_code == 403
    assert Client().get(reverse("appeals:grid_list")).status_code == 302


# --- report --------------------------------------------------------------------------------------------


def test_a_worker_reports_an_event_with_photos_in_their_grid(world: World, worker: Any) -> None:
    client = client_for(worker)
    appeal = _report(world, client, photos=[photo(), photo("b.png", "red")])
    assert appeal.channel == "grid"
    assert appeal.created_by == worker
    assert appeal.grid == world.grid
    assert appeal.status == AppealStatus.REPORTED  # grid events wait: self-handle or escalate
    assert str(appeal.latitude) == "22.180000"
    assert appeal.attachments.filter(kind=AttachmentKind.PHOTO).count() == 2
    page = _text(client.get(reverse("appeals:grid_event", args=[appeal.pk])))
    assert "事件已上报" in page
    assert "自行处置" in page
    assert "上报派单" in page
    listing = _text(client.get(reverse("appeals:grid_list")))
    assert appeal.number in listing
    served = client.get(
        reverse("appeals:grid_photo", args=[appeal.pk, appeal.attachments.order_by("id")[0].pk])
    )
    assert served.status_code == 200
    assert served["Content-Type"] == "image/png"


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"photos": []}, "请上传现场照片"),
        (
            {"photos": [SimpleUploadedFile("x.jpg", b"%PDF-1.4 not a photo", content_type="image/jpeg")]},
            "不是照片",
        ),
        ({"text": ""}, "诉求内容不能为空"),
        ({"text": "长" * 20000}, "诉求内容不能超过2000个字"),
        ({"category_code": "NOPE"}, "诉求分类“NOPE”不存在或已停用"),
        ({"division_code": "440781"}, "不在本市范围内"),
        ({"latitude": "30.1"}, "不在本市范围内"),
        ({"grid_code": "nowhere"}, "网格“nowhere”不存在或已停用"),
    ],
)
def test_bad_report_is_a_chinese_form_error_and_writes_nothing(
    world: World, worker: Any, overrides: dict[str, Any], message: str
) -> None:
    events = AuditEvent.objects.count()
    response = client_for(worker).post(reverse("appeals:grid_new"), report_data(world, **overrides))
    assert response.status_code == 422
    assert message in _text(response)
    assert Appeal.objects.count() == 0
    assert AppealAttachment.objects.count() == 0
    assert AuditEvent.objects.count() == events


# --- self-handle and escalate -------------------------------------------------------------------------------


def test_self_handle_with_before_and_after_photos_concludes(world: World, worker: Any) -> None:
    client = client_for(worker)
    appeal = _report(world, client)
    response = client.post(
        reverse("appeals:grid_self_handle", args=[appeal.pk]),
        {"note": "已组织保洁员清理完毕", "before": [photo("前.png")], "after": [photo("后.png", "green")]},
    )
    assert response.status_code == 302, _text(response)
    appeal.refresh_from_db()
    assert appeal.status == AppealStatus.CONCLUDED
    assert appeal.conclusion == ConclusionKind.SELF_HANDLED
    assert appeal.answer_text == "已组织保洁员清理完毕"
    kinds = sorted(appeal.attachments.values_list("kind", flat=True))
    assert kinds == ["after", "before", "photo"]
    page = _text(client.get(reverse("appeals:grid_event", args=[appeal.pk])))
    assert "网格员自行处置" in page
    assert "处置前" in page
    assert "提交处置结果" not in page  # no more actions


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"note": "已清理", "before": "keep"}, "请上传处置后照片"),
        ({"note": "已清理", "after": "keep"}, "请上传处置前照片"),
        ({"note": "", "before": "keep", "after": "keep"}, "请填写处置情况"),
    ],
)
def test_incomplete_self_handling_changes_nothing(
    world: World, worker: Any, data: dict[str, Any], message: str
) -> None:
    client = client_for(worker)
    appeal = _report(world, client)
    post = {k: ([photo(f"{k}.png")] if v == "keep" else v) for k, v in data.items()}
    response = client.post(reverse("appeals:grid_self_handle", args=[appeal.pk]), post)
    assert response.status_code == 422
    assert message in _text(response)
    appeal.refresh_from_db()
    assert appeal.status == AppealStatus.REPORTED
    assert list(appeal.attachments.values_list("kind", flat=True)) == ["photo"]  # rolled back


def test_escalate_dispatches_through_the_rules(world: World, worker: Any) -> None:
    RoutingRuleFactory.create(
        name="垃圾归城管", position=1, category=world.garbage, lead_department=world.cgj
    )
    client = client_for(worker)
    appeal = _report(world, client)
    response = client.post(reverse("appeals:grid_escalate", args=[appeal.pk]))
    assert response.status_code == 302
    appeal.refresh_from_db()
    assert appeal.status == AppealStatus.DISPATCHED
    assert appeal.department == world.cgj
    page = _text(client.get(reverse("appeals:grid_event", args=[appeal.pk])))
    assert "事件已派单至城管执法局办理" in page
    assert "已转交城管执法局办理" in page
    # handled already: neither self-handling nor a second escalation
    again = client.post(
        reverse("appeals:grid_self_handle", args=[appeal.pk]),
        {"note": "x", "before": [photo()], "after": [photo()]},
    )
    assert again.status_code == 409
    assert "不能再处置" in _text(again)


def test_another_workers_event_is_404(world: World, worker: Any) -> None:
    appeal = _report(world, client_for(worker))
    other = staff_with_role("grid_worker2", world.town_gov, "grid_worker", DataScopeKind.SELF)
    client = client_for(other)
    assert client.get(reverse("appeals:grid_event", args=[appeal.pk])).status_code == 404
    assert client.post(reverse("appeals:grid_escalate", args=[appeal.pk])).status_code == 404
    photo_id = appeal.attachments.get().pk
    assert client.get(reverse("appeals:grid_photo", args=[appeal.pk, photo_id])).status_code == 404
    assert appeal.number not in _text(client.get(reverse("appeals:grid_list")))
    # a hotline appeal is not a grid event, even for its own creator
    hotline = intake(world)
    assert client_for(world.agent).get(reverse("appeals:grid_event", args=[hotline.pk])).status_code == 403


# --- rule test -------------------------------------------------------------------------------------------


@pytest.fixture
def rules(world: World) -> list[RoutingRule]:
    wages = RoutingRuleFactory.create(
        name="欠薪归人社",
        position=1,
        keywords="欠薪,工资",
        lead_department=world.rsj,
        assists=[world.town_gov],
    )
    garbage = RoutingRuleFactory.create(
        name="沙湖垃圾归镇",
        position=2,
        category=world.garbage,
        division=world.town,
        lead_department=world.town_gov,
    )
    return [wages, garbage]


def test_rule_test_needs_the_dispatch_or_rule_permission(world: World, rules: Any) -> None:
    assert client_for(world.dispatcher).get(reverse("appeals:rule_test")).status_code == 200
    assert client_for(world.cgj_handler).get(reverse("appeals:rule_test")).status_code == 403
    assert client_for(world.grid_worker).get(reverse("appeals:rule_test")).status_code == 403


def test_rule_test_shows_the_first_matching_rule(world: World, rules: Any) -> None:
    client = client_for(world.dispatcher)
    page = _text(
        client.get(
            reverse("appeals:rule_test"),
            {
                "text": "村口垃圾没人清运，工资也被拖欠",
                "category_code": "CR01",
                "division_code": world.village.code,
            },
        )
    )
    assert "第1位 “欠薪归人社” → 人社局" in page  # first match wins, though rule 2 matches too
    assert "协办：沙湖镇人民政府" in page
    assert "沙湖镇人民政府" in page  # catalogue entry of the town
    assert "按规则自动派单" in page
    page = _text(
        client.get(
            reverse("appeals:rule_test"),
            {"text": "村口垃圾没人清运", "category_code": "CR01", "division_code": world.village.code},
        )
    )
    assert "第2位 “沙湖垃圾归镇”" in page
    page = _text(client.get(reverse("appeals:rule_test"), {"text": "路灯不亮"}))
    assert "无（没有规则命中）" in page
    assert "进入人工派单队列" in page
    assert "未启用" in page  # no model trained


def test_rule_test_htmx_returns_the_panel_only(world: World, rules: Any) -> None:
    response = client_for(world.dispatcher).get(
        reverse("appeals:rule_test"), {"text": "欠薪"}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    page = _text(response)
    assert "欠薪归人社" in page
    assert "<html" not in page


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"text": ""}, "请输入示例诉求内容"),
        ({"text": "长" * 20000}, "示例内容不能超过2000个字"),
        ({"text": "垃圾", "category_code": "NOPE"}, "诉求分类“NOPE”不存在或已停用"),
        ({"text": "垃圾", "division_code": "999"}, "行政区划“999”不存在"),
        ({"text": "垃圾", "channel": "pigeon"}, "渠道“pigeon”无效"),
    ],
)
def test_rule_test_bad_input_is_a_chinese_error(
    world: World, rules: Any, params: dict[str, str], message: str
) -> None:
    response = client_for(world.dispatcher).get(reverse("appeals:rule_test"), params)
    assert response.status_code == 422
    assert message in _text(response)


def test_grid_list_has_no_n_plus_one(world: World, worker: Any) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for(worker)
    _report(world, client)
    client.get(reverse("appeals:grid_list"))  # warm-up: session, permissions and other per-process caches
    with CaptureQueriesContext(connection) as one:
        assert client.get(reverse("appeals:grid_list")).status_code == 200
    for _ in range(4):
        _report(world, client)
    with CaptureQueriesContext(connection) as five:
        assert client.get(reverse("appeals:grid_list")).status_code == 200
    assert len(five) == len(one)
