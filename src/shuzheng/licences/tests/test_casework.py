# ruff: noqa: F811 - `world` and `org` are the cases test fixtures imported below
"""Licences over a real case's lifecycle (the cases test world): 用证 at acceptance, the sealed decision
document and the licence at approval, the 不予许可决定书 at refusal; indicator 18."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from shuzheng.cases.models import Case
from shuzheng.cases.services.common import MaterialData
from shuzheng.cases.tests.conftest import World, org, world  # noqa: F401 - fixtures
from shuzheng.core.actors import SYSTEM
from shuzheng.core.errors import Conflict
from shuzheng.core.validators import generate_uscc
from shuzheng.licences import selectors, signing
from shuzheng.licences.constants import DecisionKind, HolderKind
from shuzheng.licences.models import (
    DecisionDocument,
    DecisionTemplate,
    Licence,
    LicenceType,
    LicenceUse,
    SealUse,
)
from shuzheng.licences.services import licences, seals
from shuzheng.licences.tests.factories import LicenceTypeFactory

pytestmark = pytest.mark.django_db


def _seal(world: World) -> None:
    seals.seal_issue(
        actor=SYSTEM,
        department=world.org.bureau,
        organisation_code=generate_uscc("440785", 77, authority="1"),
    )


def _produced(world: World) -> LicenceType:
    licence_type = LicenceTypeFactory.create(
        name="食品经营许可证", department=world.org.bureau, fields=[{"key": "reason", "label": "申请事由"}]
    )
    licence_type.items.add(world.version.item)
    return licence_type


def _business_licence(world: World) -> Licence:
    business = LicenceTypeFactory.create(
        name="营业执照", material_label="营业执照", department=world.org.bureau
    )
    return licences.licence_issue(
        actor=SYSTEM,
        licence_type=business,
        holder_name="张三",
        holder_code=world.citizen.id_number,
        holder_user=world.citizen,
    )


def _approved(world: World) -> Case:
    case = world.submit()
    for action in ("accept", "start_review", "complete_step"):
        case = world.move(case, action)
    return world.move(
        case, "approve", reasons="符合法定条件。", legal_basis="《中华人民共和国食品安全法》第三十五条"
    )


def test_approval_issues_the_licence_and_the_sealed_decision(world: World) -> None:
    _seal(world)
    licence_type = _produced(world)
    case = _approved(world)
    licence = Licence.objects.get(case_id=case.pk)
    assert licence.licence_type == licence_type
    assert licence.holder_user == world.citizen
    assert licence.holder_kind == HolderKind.PERSON
    assert licence.data == {"reason": "申请办理测试事项"}
    assert [lic.pk for lic in selectors.licences_held_by(world.citizen)] == [licence.pk]
    document = DecisionDocument.objects.get(case_id=case.pk)
    assert document.kind == DecisionKind.APPROVAL
    assert signing.pades_check(bytes(document.pdf), authority_pem=document.seal.authority.certificate_pem).ok
    assert SealUse.objects.filter(document_kind=DecisionKind.APPROVAL, document_ref=document.number).exists()
    assert [d.pk for d in selectors.decision_documents_for_case(case.pk)] == [document.pk]
    assert [d.pk for d in selectors.decision_documents_of(world.citizen)] == [document.pk]
    client = Client()
    client.force_login(world.citizen)
    assert document.number in client.get(reverse("licences:wallet")).content.decode()
    download = client.get(reverse("licences:decision_pdf", args=[document.pk]))
    assert download.content == bytes(document.pdf)
    outsider = Client()
    outsider.force_login(world.outsider)
    assert outsider.get(reverse("licences:decision_pdf", args=[document.pk])).status_code == 404


def test_the_item_template_is_filled(world: World) -> None:
    _seal(world)
    DecisionTemplate.objects.create(
        item=world.version.item, kind=DecisionKind.APPROVAL, body="{申请人}：准予“{事项名称}”。{未知变量}"
    )
    case = _approved(world)
    from pyhanko.pdf_utils.reader import PdfFileReader

    reader = PdfFileReader(io.BytesIO(bytes(DecisionDocument.objects.get(case_id=case.pk).pdf)))
    assert reader.trailer["/Info"]["/Title"] == "准予行政许可决定书"


def test_without_a_seal_the_approval_stands_and_nothing_is_issued(world: World) -> None:
    _produced(world)
    case = _approved(world)
    assert case.status == "approved"
    assert not Licence.objects.exists()
    assert not DecisionDocument.objects.exists()


def test_refusal_makes_the_refusal_document(world: World) -> None:
    _seal(world)
    _produced(world)
    case = world.submit()
    for action in ("accept", "start_review", "complete_step"):
        case = world.move(case, action)
    world.move(
        case, "refuse", reasons="经营场所不符合要求。", legal_basis="《中华人民共和国行政许可法》第三十八条"
    )
    assert list(DecisionDocument.objects.values_list("kind", flat=True)) == [DecisionKind.REFUSAL]
    assert not Licence.objects.exists()


def test_acceptance_records_the_use_of_a_held_licence(world: World) -> None:
    _seal(world)
    held = _business_licence(world)
    case = world.move(world.submit(), "accept")
    use = LicenceUse.objects.get()
    assert (use.licence, use.case_id, use.item_id, use.used_by) == (
        held,
        case.pk,
        world.version.item_id,
        world.acceptor,
    )
    assert use.material_name == "营业执照"
    client = Client()
    client.force_login(world.citizen)
    detail = client.get(f"/api/v1/licences/{held.pk}").json()
    assert [(u["case_number"], u["item_code"]) for u in detail["uses"]] == [
        (case.number, world.version.item.code)
    ]
    page = client.get(reverse("licences:detail", args=[held.pk])).content.decode()
    assert case.number in page
    today = timezone.localdate()
    assert selectors.licence_use_rate((today, today)) == (1, 1)
    assert selectors.licence_use_rate((today - timedelta(days=9), today - timedelta(days=1))) == (0, 1)


def test_a_revoked_licence_cannot_satisfy_a_material(world: World) -> None:
    _seal(world)
    held = _business_licence(world)
    case = world.submit(
        materials=[
            *world.materials(),
            MaterialData(code=world.licence.code, licence_reference=held.identifier),
        ]
    )
    licences.licence_revoke(actor=SYSTEM, licence=held, reason="申请人申请注销")
    with pytest.raises(Conflict) as caught:
        world.move(case, "accept")
    assert caught.value.code == "licence_not_valid"
    case.refresh_from_db()
    assert case.status == "submitted"
    assert not LicenceUse.objects.exists()


def test_somebody_elses_licence_is_refused(world: World) -> None:
    _seal(world)
    business = LicenceTypeFactory.create(
        name="营业执照", material_label="营业执照", department=world.org.bureau
    )
    theirs = licences.licence_issue(
        actor=SYSTEM, licence_type=business, holder_name="王五", holder_code=world.agent.id_number
    )
    case = world.submit(
        materials=[
            *world.materials(),
            MaterialData(code=world.licence.code, licence_reference=theirs.identifier),
        ]
    )
    with pytest.raises(Conflict) as caught:
        world.move(case, "accept")
    assert caught.value.code == "licence_not_held"
