"""Citizen portal pages of 诉求反映 through Django's test client: filing (with photos), my appeals, the
progress page, photos, and the public lookup by number. Bad input is a Chinese form error and writes
nothing; another person's appeal is a 404."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from PIL import Image

from shuzheng.appeals.constants import AppealStatus, AttachmentKind
from shuzheng.appeals.models import Appeal, AppealAttachment
from shuzheng.appeals.services.dispatch import appeal_dispatch
from shuzheng.appeals.services.intake import appeal_attach
from shuzheng.appeals.services.visits import work_order_visit
from shuzheng.appeals.services.work_orders import work_order_accept, work_order_reply
from shuzheng.appeals.tests.conftest import World, intake
from shuzheng.core.validators import generate_uscc
from shuzheng.identity.models import AuditEvent
from shuzheng.identity.tests.conftest import login_verified
from shuzheng.identity.tests.factories import CitizenFactory


def png_bytes(color: str = "white") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), color).save(out, format="PNG")
    return out.getvalue()


def client_for(user: Any) -> Client:
    client = Client()
    if user.kind == "staff":
        login_verified(client, user)
    else:
        client.force_login(user)
    return client


def form_data(world: World, **overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "appeal_type": "complaint",
        "category_code": world.garbage.code,
        "title": "垃圾无人清运",
        "text": "沙湖镇第1村市场旁的垃圾桶一个星期没人清运，气味很臭，请尽快处理。",
        "division_code": world.village.code,
        "address": "沙湖镇第1村市场东侧",
        "reporter_phone": "13707500001",
    }
    data.update(overrides)
    return data


def _text(response: Any) -> str:
    return response.content.decode()


# --- filing -----------------------------------------------------------------------------------------


def test_visitors_are_asked_to_log_in_and_cannot_post(world: World) -> None:
    response = Client().get(reverse("appeals:new"))
    assert response.status_code == 200  # the portal menu links here: never a dead link
    page = _text(response)
    assert "登录后网上提交" in page
    assert "12345" in page
    assert reverse("appeals:track") in page
    posted = Client().post(reverse("appeals:new"), form_data(world))
    assert posted.status_code == 302
    assert "/accounts/login/" in posted["Location"]
    assert Appeal.objects.count() == 0
    assert Client().get(reverse("appeals:mine")).status_code == 302


def test_staff_are_sent_to_the_workbench(world: World) -> None:
    response = client_for(world.agent).get(reverse("appeals:new"))
    assert response.status_code == 403
    assert "工作台登记诉求" in _text(response)


def test_new_page_offers_types_categories_and_the_citys_places(world: World) -> None:
    response = client_for(world.citizen).get(reverse("appeals:new"))
    assert response.status_code == 200
    page = _text(response)
    assert "诉求反映" in page
    assert world.village.name in page
    assert world.town.name in page
    assert world.outside.name not in page  # 台山市 is not offered
    assert "垃圾清运" in page
    assert 'enctype="multipart/form-data"' in page


def test_a_citizen_files_an_appeal_with_photos_and_follows_it(world: World) -> None:
    client = client_for(world.citizen)
    data = form_data(
        world,
        photos=[
            SimpleUploadedFile("现场1.png", png_bytes(), content_type="image/png"),
            SimpleUploadedFile("现场2.png", png_bytes("red"), content_type="image/png"),
        ],
    )
    response = client.post(reverse("appeals:new"), data)
    assert response.status_code == 302, _text(response)
    appeal = Appeal.objects.get()
    assert response["Location"] == reverse("appeals:portal_appeal", args=[appeal.pk])
    assert appeal.channel == "web"
    assert appeal.reporter_user == world.citizen
    assert appeal.reporter_phone == "13707500001"
    assert appeal.category == world.garbage
    assert appeal.division == world.village
    assert appeal.attachments.filter(kind=AttachmentKind.PHOTO).count() == 2
    assert AuditEvent.objects.filter(action="appeals.appeal.intake").count() == 1

    page = _text(client.get(response["Location"]))
    assert appeal.number in page
    assert "诉求已提交" in page
    assert "诉求已登记（网站）" in page
    assert "待派单" in page
    photo = appeal.attachments.first()
    assert photo is not None
    served = client.get(reverse("appeals:portal_photo", args=[appeal.pk, photo.pk]))
    assert served.status_code == 200
    assert served["Content-Type"] == "image/png"
    assert served["X-Content-Type-Options"] == "nosniff"

    listing = _text(client.get(reverse("appeals:mine")))
    assert appeal.number in listing


def test_anonymous_option_drops_the_contact_from_the_appeal(world: World) -> None:
    response = client_for(world.citizen).post(reverse("appeals:new"), form_data(world, is_anonymous="on"))
    assert response.status_code == 302
    appeal = Appeal.objects.get()
    assert appeal.is_anonymous
    assert appeal.reporter_phone == ""
    assert appeal.reporter_user == world.citizen  # still followed through the account


def test_enterprise_appeal_with_a_valid_uscc(world: World) -> None:
    uscc = generate_uscc("440785", 7)
    response = client_for(world.citizen).post(
        reverse("appeals:new"),
        form_data(world, is_enterprise="on", enterprise_uscc=uscc, enterprise_name="恩平市某某五金厂"),
    )
    assert response.status_code == 302
    appeal = Appeal.objects.get()
    assert appeal.is_enterprise
    assert appeal.enterprise_uscc == uscc


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"text": ""}, "诉求内容不能为空"),
        ({"text": "长" * 20000}, "诉求内容不能超过2000个字"),
        ({"category_code": "NOPE"}, "诉求分类“NOPE”不存在或已停用"),
        ({"division_code": "440781"}, "不在本市范围内"),
        ({"division_code": ""}, "请选择问题发生地所在的镇街或村（社区）"),
        ({"appeal_type": "rumour"}, "请选择列表中的诉求类型"),
        ({"is_enterprise": "on", "enterprise_uscc": "91440785MA4UXXXX1X"}, "统一社会信用代码"),
        ({"reporter_phone": "12345"}, "手机"),
        (
            {"photos": [SimpleUploadedFile("notes.png", b"%PDF-1.4 not a photo", content_type="image/png")]},
            "“notes.png”不是照片",
        ),
        ({"photos": [SimpleUploadedFile("empty.jpg", b"", content_type="image/jpeg")]}, "空文件"),
    ],
)
def test_bad_input_is_a_chinese_form_error_and_changes_nothing(
    world: World, overrides: dict[str, Any], message: str
) -> None:
    events = AuditEvent.objects.count()
    files = AppealAttachment.objects.count()
    response = client_for(world.citizen).post(reverse("appeals:new"), form_data(world, **overrides))
    assert response.status_code == 422
    page = _text(response)
    assert message in page
    assert 'role="alert"' in page
    assert Appeal.objects.count() == 0
    assert AppealAttachment.objects.count() == files
    assert AuditEvent.objects.count() == events


def test_too_big_photo_is_refused(world: World, settings: Any) -> None:
    settings.SHUZHENG_APPEAL_MAX_PHOTO_BYTES = 50
    photo = SimpleUploadedFile("big.png", png_bytes(), content_type="image/png")
    response = client_for(world.citizen).post(reverse("appeals:new"), form_data(world, photos=[photo]))
    assert response.status_code == 422
    assert "超过" in _text(response)
    assert Appeal.objects.count() == 0


# --- following -------------------------------------------------------------------------------------------


def _citizen_appeal(world: World, user: Any = None) -> Appeal:
    return intake(
        world,
        actor=user or world.citizen,
        channel="web",
        reporter_user=user or world.citizen,
        reporter_name="陈建明",
    )


def test_someone_elses_appeal_and_photo_are_404(world: World) -> None:
    appeal = _citizen_appeal(world)
    appeal_attach(actor=world.citizen, appeal=appeal, content=png_bytes(), name="a.png")
    photo = appeal.attachments.get()
    other = client_for(CitizenFactory.create(username="other"))
    assert other.get(reverse("appeals:portal_appeal", args=[appeal.pk])).status_code == 404
    assert other.get(reverse("appeals:portal_photo", args=[appeal.pk, photo.pk])).status_code == 404
    assert appeal.number not in _text(other.get(reverse("appeals:mine")))
    # staff use the workbench; the portal page is the reporter's only
    assert (
        client_for(world.dispatcher).get(reverse("appeals:portal_appeal", args=[appeal.pk])).status_code
        == 404
    )


def test_progress_in_citizen_terms_with_the_reply(world: World) -> None:
    appeal = _citizen_appeal(world)
    work_order = appeal_dispatch(actor=world.dispatcher, appeal=appeal, department=world.cgj)
    work_order_accept(actor=world.cgj_handler, work_order=work_order.pk)
    work_order_reply(
        actor=world.cgj_handler, work_order=work_order.pk, reply_text="已安排环卫车辆清运，并增加清运频次。"
    )
    page = _text(client_for(world.citizen).get(reverse("appeals:portal_appeal", args=[appeal.pk])))
    assert "已转交城管执法局办理" in page
    assert "城管执法局已签收，正在办理" in page
    assert "城管执法局已答复" in page
    assert "已安排环卫车辆清运，并增加清运频次。" in page
    assert "12345热线将在3个工作日内回访" in page
    # no staff names in the citizen's view
    assert world.cgj_handler.full_name not in page
    assert world.dispatcher.full_name not in page


def test_satisfaction_from_the_return_visit_is_shown(world: World) -> None:
    appeal = _citizen_appeal(world)
    work_order = appeal_dispatch(actor=world.dispatcher, appeal=appeal, department=world.cgj)
    work_order_accept(actor=world.cgj_handler, work_order=work_order.pk)
    work_order_reply(actor=world.cgj_handler, work_order=work_order.pk, reply_text="已清运。")
    work_order_visit(actor=world.dispatcher, work_order=work_order.pk, result="satisfied")
    appeal.refresh_from_db()
    assert appeal.status == AppealStatus.CLOSED
    page = _text(client_for(world.citizen).get(reverse("appeals:portal_appeal", args=[appeal.pk])))
    assert "回访评价：</span>满意" in page
    assert "已办结" in page


# --- public lookup ----------------------------------------------------------------------------------------


def test_track_by_number_shows_status_only(world: World) -> None:
    appeal = _citizen_appeal(world)
    response = Client().get(reverse("appeals:track"), {"number": appeal.number.lower()})
    assert response.status_code == 200
    page = _text(response)
    assert appeal.number in page
    assert "已登记，正在分派承办部门" in page
    assert "垃圾桶" not in page  # no text
    assert "13707500001" not in page
    assert "陈建明" not in page


def test_track_does_not_confirm_a_report_exists(world: World) -> None:
    from shuzheng.appeals.tests.conftest import intake

    report = intake(world, appeal_type="report", text="有人在沙湖镇河边非法排污，请派人查处")
    response = Client().get(reverse("appeals:track"), {"number": report.number})
    assert response.status_code == 404  # 举报 stays confidential, as in Open311


def test_track_unknown_number_is_a_404_with_a_chinese_message(world: World) -> None:
    response = Client().get(reverse("appeals:track"), {"number": "SQ000"})
    assert response.status_code == 404
    assert "没有找到编号为" in _text(response)
    assert Client().get(reverse("appeals:track")).status_code == 200


def test_my_appeals_list_has_no_n_plus_one(world: World) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for(world.citizen)
    _citizen_appeal(world)
    client.get(reverse("appeals:mine"))  # warm-up: session, permissions and other per-process caches
    with CaptureQueriesContext(connection) as one:
        assert client.get(reverse("appeals:mine")).status_code == 200
    for _ in range(5):
        _citizen_appeal(world)
    with CaptureQueriesContext(connection) as six:
        page = _text(client.get(reverse("appeals:mine")))
    assert page.count("/appeals/") >= 6
    assert len(six) == len(one)
