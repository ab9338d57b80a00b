"""Pages: the wallet and its share link, public verification, the seal administrator's and issuer's
workbench pages; refusals for those without the permission."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from shuzheng.identity.tests.conftest import staff
from shuzheng.licences.models import Licence, Seal
from shuzheng.licences.services import licences
from shuzheng.licences.tests.conftest import World

pytestmark = pytest.mark.django_db


def as_user(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def issue(world: World) -> Licence:
    return licences.licence_issue(
        actor=world.issuer,
        licence_type=world.licence_type,
        holder_name=world.citizen.full_name,
        holder_code=world.citizen.id_number,
        holder_user=world.citizen,
    )


def test_wallet_detail_share_and_verify(world: World) -> None:
    world.seal()
    world.licence_type.fields = [{"key": "items", "label": "经营项目"}]  # a key that shadows dict.items
    world.licence_type.save()
    licence = licences.licence_issue(
        actor=world.issuer,
        licence_type=world.licence_type,
        holder_name=world.citizen.full_name,
        holder_code=world.citizen.id_number,
        holder_user=world.citizen,
        data={"items": "预包装食品销售"},
    )
    client = as_user(world.citizen)
    assert "预包装食品销售" in client.get(reverse("licences:detail", args=[licence.pk])).content.decode()
    page = client.get(reverse("licences:wallet"))
    assert page.status_code == 200
    assert licence.number in page.content.decode()
    detail = client.post(reverse("licences:detail", args=[licence.pk]), {"hours": "3"})
    assert detail.status_code == 200
    url = detail.context["share_url"]
    assert "/verify/shared/" in url
    bad = client.post(reverse("licences:detail", args=[licence.pk]), {"hours": "abc"})
    assert bad.status_code == 422
    assert as_user(world.other_citizen).get(reverse("licences:detail", args=[licence.pk])).status_code == 404
    shared = Client().get(url)
    assert shared.status_code == 200
    assert world.citizen.full_name in shared.content.decode()
    assert Client().get(url).status_code == 404
    verified = Client().get(reverse("licences:verify", args=[licence.identifier]))
    assert "核验结果：有效" in verified.content.decode()
    assert world.citizen.full_name not in verified.content.decode()  # masked for strangers
    upload = SimpleUploadedFile("l.pdf", bytes(licence.pdf), content_type="application/pdf")
    assert (
        "核验结果：有效" in Client().post(reverse("licences:verify_form"), {"file": upload}).content.decode()
    )
    assert Client().post(reverse("licences:verify_form"), {}).status_code == 422
    assert "查无此证" in Client().get(reverse("licences:verify_form"), {"identifier": "abc"}).content.decode()


def test_seal_pages(world: World) -> None:
    admin = as_user(world.seal_admin)
    assert admin.get(reverse("licences:seal_list")).status_code == 200
    response = admin.post(
        reverse("licences:seal_list"), {"department": world.bureau.pk, "kind": "official", "years": 5}
    )
    assert response.status_code == 302
    seal = Seal.objects.get()
    assert admin.get(reverse("licences:seal_detail", args=[seal.pk])).status_code == 200
    image = admin.get(reverse("licences:seal_image", args=[seal.pk]))
    assert image["Content-Type"] == "image/svg+xml"
    png = admin.get(reverse("licences:seal_png", args=[seal.pk]))
    assert png.status_code in (200, 404)  # 404 with a Chinese message where no CJK font is installed
    no_hall = admin.post(
        reverse("licences:seal_list"),
        {"department": world.bureau.pk, "kind": "acceptance", "hall_code": "NOPE", "years": 5},
    )
    assert no_hall.status_code == 422
    assert "受理大厅" in no_hall.content.decode()
    again = admin.post(
        reverse("licences:seal_list"), {"department": world.bureau.pk, "kind": "official", "years": 5}
    )
    assert again.status_code == 422
    admin.post(reverse("licences:seal_action", args=[seal.pk, "suspend"]), {"reason": "保管人调岗"})
    seal.refresh_from_db()
    assert seal.status == "suspended"
    assert admin.post(reverse("licences:seal_action", args=[seal.pk, "explode"]), {}).status_code == 404
    assert as_user(world.citizen).get(reverse("licences:seal_list")).status_code == 403
    assert as_user(staff(world.bureau)).get(reverse("licences:seal_list")).status_code == 403


def test_issuer_pages(world: World) -> None:
    world.seal()
    client = as_user(world.issuer)
    assert client.get(reverse("licences:workbench_issue")).status_code == 200
    bad = client.post(
        reverse("licences:workbench_issue"),
        {
            "licence_type": world.licence_type.pk,
            "holder_name": "陈建明",
            "holder_code": "123",
            "face": "颜色：红",
        },
    )
    assert bad.status_code == 422
    good = client.post(
        reverse("licences:workbench_issue"),
        {
            "licence_type": world.licence_type.pk,
            "holder_name": world.citizen.full_name,
            "holder_code": world.citizen.id_number,
            "face": "经营场所：恩平市恩城街道新平中路1号\n经营范围：预包装食品销售",
        },
    )
    assert good.status_code == 302
    licence = Licence.objects.get()
    assert licence.data == {"address": "恩平市恩城街道新平中路1号", "scope": "预包装食品销售"}
    assert client.get(reverse("licences:workbench_licences")).status_code == 200
    detail = reverse("licences:workbench_licence", args=[licence.pk])
    assert client.get(detail).status_code == 200
    assert client.post(detail, {"action": "revoke", "reason": ""}).status_code == 422
    assert client.post(detail, {"action": "revoke", "reason": "注销测试"}).status_code == 302
    licence.refresh_from_db()
    assert licence.status == "revoked"
    assert as_user(world.other_issuer).get(detail).status_code == 404
