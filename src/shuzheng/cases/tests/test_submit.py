"""Submission from every channel: who applies, where, with what; bad input changes nothing."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.utils import timezone

from shuzheng.cases.constants import ApplicantKind, CaseStatus
from shuzheng.cases.models import Case, CaseMaterial, CaseSequence, MaterialUpload
from shuzheng.cases.services.common import ApplicantData, MaterialData
from shuzheng.cases.tests.conftest import World, citizen_id, new_key, upload
from shuzheng.core.crypto import blind_index
from shuzheng.core.errors import Conflict, PermissionDenied, ValidationFailed
from shuzheng.core.validators import generate_uscc
from shuzheng.identity.models import AuditEvent, User
from shuzheng.identity.tests.conftest import grant, staff
from shuzheng.orgs.models import Kiosk
from shuzheng.orgs.tests.factories import KioskFactory, WindowFactory

NUMBER = re.compile(r"^\d{8}-\d{6,12}-\d{6}$")


def _counts() -> tuple[int, int, int, int]:
    return (
        Case.objects.count(),
        CaseMaterial.objects.count(),
        MaterialUpload.objects.filter(material__isnull=False).count(),
        sum(CaseSequence.objects.values_list("last_value", flat=True)),
    )


def _refused(world: World, error: type[Exception] = ValidationFailed, **overrides: Any) -> Any:
    before = _counts()
    events = AuditEvent.objects.filter(action="cases.case.submit").count()
    with pytest.raises(error) as caught:
        world.submit(**overrides)
    assert _counts() == before
    assert AuditEvent.objects.filter(action="cases.case.submit").count() == events
    return caught.value


def _fields(error: Any) -> set[str]:
    return {e["field"] for e in error.errors}


@pytest.mark.django_db
def test_portal_submission_by_a_citizen(world: World) -> None:
    case = world.submit()
    assert NUMBER.match(case.number)
    assert case.number.startswith(f"{timezone.localdate(case.received_at):%Y%m%d}-440785-")
    assert case.status == CaseStatus.SUBMITTED
    assert (case.applicant, case.applicant_kind, case.applicant_name) == (world.citizen, "person", "张三")
    assert case.applicant_id_index == world.citizen.id_number_index
    assert case.department == world.org.bureau
    assert case.division == world.org.city
    assert case.due_at is not None
    assert case.form_data == {"reason": "申请办理测试事项", "copies": 1}
    materials = {m.name: m for m in case.materials.all()}
    assert set(materials) == {"申请人身份证明", "经营场所证明", "营业执照"}
    assert materials["申请人身份证明"].pages == 1
    assert len(materials["申请人身份证明"].sm3) == 64
    assert materials["经营场所证明"].content_type == "image/png"
    assert materials["营业执照"].licence_reference == "营业执照"  # 四免: the licence type is the reference
    assert MaterialUpload.objects.filter(material__case=case).count() == 2
    event = AuditEvent.objects.filter(action="cases.case.submit").get()
    assert event.after is not None
    assert event.after["applicant"] == "张*"  # no clear personal data in the audit trail
    assert list(case.history.values_list("action", "to_status")) == [("submit", "submitted")]


@pytest.mark.django_db
def test_enterprise_agent_applies_for_the_enterprise(world: World) -> None:
    case = world.submit(world.agent, materials=world.materials(world.agent))
    assert case.applicant_kind == ApplicantKind.ENTERPRISE
    assert case.applicant_name == "恩平市测试有限公司"
    assert case.applicant_uscc == world.agent.enterprise_uscc


@pytest.mark.django_db
def test_window_intake_links_the_citizen_account_by_id_number(world: World) -> None:
    case = world.at_window(
        applicant=ApplicantData(kind="person", name="张三", id_number=world.citizen.id_number.lower())
    )
    assert case.applicant == world.citizen
    assert case.submitted_by == world.acceptor
    assert (case.channel, case.window, case.hall) == ("window", world.window, world.hall)
    assert case.division == world.hall.division
    assert all(m.checked_on_paper for m in case.materials.filter(licence_reference=""))


@pytest.mark.django_db
def test_window_intake_without_an_account_stores_the_details(world: World) -> None:
    number = citizen_id()
    case = world.at_window(
        applicant=ApplicantData(kind="person", name="李四", id_number=number, mobile="137 0750 1234")
    )
    case.refresh_from_db()
    assert case.applicant is None
    assert case.applicant_id_number == number
    assert case.applicant_id_index == blind_index(number)
    assert case.applicant_mobile == "13707501234"


@pytest.mark.django_db
def test_window_intake_for_an_enterprise_by_uscc(world: World) -> None:
    uscc = generate_uscc("440785", 777)
    case = world.at_window(applicant=ApplicantData(kind="enterprise", name="恩平市某公司", uscc=uscc))
    assert (case.applicant_kind, case.applicant_uscc, case.applicant) == ("enterprise", uscc, None)


@pytest.mark.django_db
def test_window_intake_refuses_bad_identifiers(world: World) -> None:
    error = _refused(
        world,
        actor=world.acceptor,
        channel="window",
        window_id=world.window.pk,
        applicant=ApplicantData(kind="person", name="李四", id_number="440785199001011234"),
        materials=[],
    )
    assert "applicant.id_number" in _fields(error)
    assert any("校验位" in e["message"] for e in error.errors)
    error = _refused(
        world,
        actor=world.acceptor,
        channel="window",
        window_id=world.window.pk,
        applicant=ApplicantData(kind="enterprise", name="某公司", uscc="91440785MA00000000"),
        materials=[],
    )
    assert "applicant.uscc" in _fields(error)


@pytest.mark.django_db
def test_kiosk_and_bank_terminal_record_the_terminal_and_its_division(world: World) -> None:
    case = world.submit(channel="kiosk", kiosk_id=world.kiosk.pk)
    assert (case.channel, case.kiosk, case.division) == ("kiosk", world.kiosk, world.org.town)
    assert "-440785103-" in case.number
    bank = KioskFactory.create(kind=Kiosk.Kind.BANK_TERMINAL, division=world.org.city)
    error = _refused(world, channel="bank_terminal", kiosk_id=world.kiosk.pk)
    assert _fields(error) == {"kiosk_id"}
    assert world.submit(channel="bank_terminal", kiosk_id=bank.pk).kiosk == bank
    assert _fields(_refused(world, channel="kiosk")) == {"kiosk_id"}


@pytest.mark.django_db
def test_cross_region_reception(world: World) -> None:
    world.version.cross_region = True
    world.version.save(update_fields=["cross_region"])
    case = world.at_window(channel="cross_region", target_region="510104")
    assert case.channel == "cross_region"
    assert case.target_region == "510104"
    assert case.target_region_name.startswith("四川省")
    error = _refused(
        world,
        actor=world.acceptor,
        channel="cross_region",
        window_id=world.window.pk,
        target_region="990000",
        applicant=ApplicantData(kind="person", name="李四", id_number=citizen_id()),
    )
    assert "target_region" in _fields(error)


@pytest.mark.django_db
def test_cross_region_needs_the_item_flag(world: World) -> None:
    error = _refused(
        world,
        actor=world.acceptor,
        channel="cross_region",
        window_id=world.window.pk,
        target_region="510104",
        applicant=ApplicantData(kind="person", name="李四", id_number=citizen_id()),
    )
    assert "channel" in _fields(error)


@pytest.mark.django_db
def test_channel_and_applicant_type_must_be_allowed_by_the_version(world: World) -> None:
    world.version.channels = ["window"]
    world.version.applicant_types = ["enterprise"]
    world.version.save(update_fields=["channels", "applicant_types"])
    error = _refused(world)
    assert {"channel", "applicant.kind"} <= _fields(error)


@pytest.mark.django_db
def test_who_may_use_which_channel(world: World) -> None:
    with pytest.raises(ValidationFailed):
        world.submit(channel="window", window_id=world.window.pk)  # a citizen at the window channel
    clerk = staff(world.org.bureau)
    with pytest.raises(PermissionDenied):
        world.at_window(actor=clerk)  # no cases.intake_case
    grant(clerk, ["cases.intake_case"])
    clerk = User.objects.get(pk=clerk.pk)  # permissions are cached per user object
    with pytest.raises(ValidationFailed) as caught:
        world.submit(clerk, channel="portal")
    assert _fields(caught.value) == {"channel"}


@pytest.mark.django_db
def test_windows_must_fit_the_item(world: World) -> None:
    other_window = WindowFactory.create(
        hall=world.hall, kind="specialised", department=world.org.other_bureau
    )
    error = _refused(
        world,
        actor=world.acceptor,
        channel="window",
        window_id=other_window.pk,
        applicant=ApplicantData(kind="person", name="李四", id_number=citizen_id()),
    )
    assert _fields(error) == {"window_id"}
    world.version.comprehensive_window = False
    world.version.save(update_fields=["comprehensive_window"])
    error = _refused(
        world,
        actor=world.acceptor,
        channel="window",
        window_id=world.window.pk,
        applicant=ApplicantData(kind="person", name="李四", id_number=citizen_id()),
    )
    assert "综合窗口" in error.errors[0]["message"]


@pytest.mark.django_db
def test_form_errors_are_chinese_and_per_field(world: World) -> None:
    error = _refused(world, form_data={"copies": 99, "colour": "red"})
    by_field = {e["field"]: e for e in error.errors}
    assert by_field["form_data.reason"]["message"] == "必填"
    assert by_field["form_data.reason"]["label"] == "申请事由"
    assert by_field["form_data.copies"]["message"] == "不能大于10"
    assert by_field["form_data.colour"]["message"] == "不允许的字段"
    assert error.detail.startswith("申请未通过校验")


@pytest.mark.django_db
def test_required_materials_must_be_present(world: World) -> None:
    error = _refused(world, materials=[])
    assert {"materials.M001", "materials.M002"} == _fields(error)
    assert "营业执照" not in error.detail  # exempt: issued by the government, referenced by licence type
    assert all(e["message"].startswith("缺少必要材料") for e in error.errors)


@pytest.mark.django_db
def test_only_non_key_materials_may_be_deferred(world: World) -> None:
    first = world.materials()[0]
    case = world.submit(materials=[first, MaterialData(code="M002", deferred=True)])
    assert case.materials.get(requirement=world.household).deferred
    error = _refused(
        world,
        materials=[
            MaterialData(code="M001", deferred=True),
            MaterialData(code="M002", deferred=True),
        ],
    )
    assert "materials[0].deferred" in _fields(error)


@pytest.mark.django_db
def test_uploads_belong_to_their_uploader_and_are_used_once(world: World) -> None:
    theirs = upload(world.agent)
    error = _refused(
        world,
        materials=[
            MaterialData(code="M001", upload_id=theirs.pk),
            MaterialData(code="M002", checked_on_paper=True),
        ],
    )
    assert {"materials[0].upload_id", "materials[1].checked_on_paper"} == _fields(error)
    mine = upload(world.citizen)
    world.submit(
        materials=[
            MaterialData(code="M001", upload_id=mine.pk),
            MaterialData(code="M002", upload_id=upload(world.citizen).pk),
        ]
    )
    error = _refused(
        world,
        materials=[
            MaterialData(code="M001", upload_id=mine.pk),
            MaterialData(code="M002", upload_id=upload(world.citizen).pk),
        ],
    )
    assert _fields(error) == {"materials[0].upload_id"}


@pytest.mark.django_db
def test_licence_reference_only_for_licences_and_unknown_codes(world: World) -> None:
    error = _refused(
        world,
        materials=[
            MaterialData(code="M001", licence_reference="X1"),
            MaterialData(code="M999", upload_id=upload(world.citizen).pk),
        ],
    )
    assert {"materials[0].licence_reference", "materials[1].code"} <= _fields(error)
    case = world.submit(materials=[*world.materials(), MaterialData(code="M003", licence_reference="L-1")])
    assert case.materials.get(requirement=world.licence).licence_reference == "营业执照:L-1"


@pytest.mark.django_db
def test_unknown_item_is_a_field_error(world: World) -> None:
    assert _fields(_refused(world, item_code="NOPE")) == {"item_code"}


@pytest.mark.django_db
def test_a_retried_submission_returns_the_same_case(world: World) -> None:
    key = new_key()
    first = world.submit(idempotency_key=key)
    again = world.submit(idempotency_key=key, materials=[])  # even a retry that lost its body
    assert again.pk == first.pk
    assert Case.objects.count() == 1
    with pytest.raises(Conflict):
        world.submit(idempotency_key=key, item_code="ANOTHER")
    with pytest.raises(ValidationFailed):
        world.submit(idempotency_key="bad key with spaces")


@pytest.mark.django_db
def test_numbers_count_per_day_and_division(world: World) -> None:
    numbers = [world.submit().number for _ in range(3)]
    assert [n[-6:] for n in numbers] == ["000001", "000002", "000003"]
    assert world.submit(channel="kiosk", kiosk_id=world.kiosk.pk).number.endswith("-440785103-000001")
