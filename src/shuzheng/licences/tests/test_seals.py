from __future__ import annotations

import io

import pytest
from cryptography import x509
from django.db import connection
from django.utils import timezone
from PIL import Image

from shuzheng.core.actors import SYSTEM
from shuzheng.core.crypto import sm2
from shuzheng.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from shuzheng.identity.tests.conftest import staff
from shuzheng.licences import pki, seal_image, selectors
from shuzheng.licences.constants import SealAction, SealKind, SealStatus
from shuzheng.licences.models import Seal, SealStatusChange
from shuzheng.licences.services import seals
from shuzheng.licences.tests.conftest import World
from shuzheng.licences.workflow import SEAL_TRANSITIONS
from shuzheng.orgs.constants import DepartmentKind
from shuzheng.orgs.tests.factories import DepartmentFactory, HallFactory

pytestmark = pytest.mark.django_db


def test_issue_makes_certified_keys_stored_encrypted(world: World) -> None:
    seal = world.seal()
    assert seal.status == SealStatus.ACTIVE
    assert seal.code.startswith("44078501")
    certificate = pki.load_certificate(seal.certificate_pem)
    ca = pki.load_certificate(seal.authority.certificate_pem)
    certificate.verify_directly_issued_by(ca)
    assert (
        certificate.subject.get_attributes_for_oid(x509.oid.NameOID.COMMON_NAME)[0].value == world.bureau.name
    )
    assert sm2.public_key_of(seal.sm2_private_key) == seal.sm2_public_key
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT ec_private_key, sm2_private_key FROM {Seal._meta.db_table} WHERE id = %s", [seal.pk]
        )
        raw = cursor.fetchone()
    assert all(value.startswith("sm4gcm$") for value in raw)
    assert "PRIVATE KEY" not in raw[0]
    assert "<svg" in seal.image_svg
    assert "polygon" in seal.image_svg


def test_second_valid_seal_of_a_kind_is_refused(world: World) -> None:
    world.seal()
    with pytest.raises(Conflict):
        world.seal()


def test_acceptance_seal_needs_a_hall(world: World) -> None:
    with pytest.raises(ValidationFailed):
        seals.seal_issue(actor=world.seal_admin, department=world.bureau, kind=SealKind.ACCEPTANCE)
    hall = HallFactory.create()
    seal = seals.seal_issue(
        actor=world.seal_admin, department=world.bureau, kind=SealKind.ACCEPTANCE, hall=hall
    )
    assert "受理专用章" in seal.name
    assert seal.hall == hall


def test_department_without_uscc_needs_one_given(world: World) -> None:
    with pytest.raises(ValidationFailed) as caught:
        seals.seal_issue(actor=SYSTEM, department=world.other_bureau)
    assert caught.value.errors[0]["field"] == "organisation_code"
    with pytest.raises(ValidationFailed):
        seals.seal_issue(actor=SYSTEM, department=world.other_bureau, organisation_code="12345")


def test_permission_and_scope(world: World) -> None:
    with pytest.raises(PermissionDenied):
        seals.seal_issue(actor=world.issuer, department=world.bureau)
    with pytest.raises(NotFound):
        seals.seal_issue(
            actor=world.seal_admin, department=world.other_bureau, organisation_code=world.bureau.uscc
        )


def test_every_edge_of_the_table_and_forbidden_ones(world: World) -> None:
    for (source, action), target in SEAL_TRANSITIONS.edges.items():
        Seal.objects.filter(department=world.bureau).update(status=SealStatus.REVOKED)
        seal = world.seal()
        Seal.objects.filter(pk=seal.pk).update(status=source)
        moved = seals._move(
            actor=world.seal_admin,
            seal=seal.pk,
            action=SealAction(action),
            reason="测试",
            expected_version=None,
            at=None,
        )
        assert moved.status == target
        assert SealStatusChange.objects.filter(seal=seal, action=action, to_status=target).exists()
    revoked = Seal.objects.filter(status=SealStatus.REVOKED).first()
    assert revoked is not None
    with pytest.raises(Conflict):
        seals.seal_resume(actor=world.seal_admin, seal=revoked)


def test_suspend_needs_a_reason_and_blocks_signing(world: World) -> None:
    seal = world.seal()
    with pytest.raises(ValidationFailed):
        seals.seal_suspend(actor=world.seal_admin, seal=seal, reason="  ")
    seals.seal_suspend(actor=world.seal_admin, seal=seal, reason="印章保管人调岗")
    with pytest.raises(Conflict):
        seals.signing_seal(world.bureau)
    seals.seal_resume(actor=world.seal_admin, seal=seal)
    assert seals.signing_seal(world.bureau).pk == seal.pk


def test_stale_version_is_refused(world: World) -> None:
    seal = world.seal()
    with pytest.raises(Conflict):
        seals.seal_suspend(
            actor=world.seal_admin, seal=seal, reason="测试", expected_version=seal.lock_version + 1
        )


def test_expiry_sweep(world: World) -> None:
    seal = world.seal()
    assert seals.seals_expire(at=timezone.now()) == 0
    assert seals.seals_expire(at=seal.valid_until) == 1
    seal.refresh_from_db()
    assert seal.status == SealStatus.EXPIRED


def test_coverage_counts_government_departments_only(world: World) -> None:
    DepartmentFactory.create(code="EP033", name="恩平市供水有限公司", kind=DepartmentKind.MEMBER_UNIT)
    assert selectors.seal_coverage() == (0, 2)
    seal = world.seal()
    assert selectors.seal_coverage() == (1, 2)
    seals.seal_suspend(actor=world.seal_admin, seal=seal, reason="暂停使用")
    assert selectors.seal_coverage() == (0, 2)


def test_seal_list_is_scoped(world: World) -> None:
    world.seal()
    seals.seal_issue(actor=SYSTEM, department=world.other_bureau, organisation_code=world.bureau.uscc)
    assert [s.department_id for s in selectors.seal_list(user=world.seal_admin).items] == [world.bureau.pk]
    with pytest.raises(PermissionDenied):
        selectors.seal_list(user=staff(world.bureau))


@pytest.mark.skipif(
    seal_image.cjk_font_path() is None, reason="no CJK TrueType font (make chromium installs one)"
)
def test_png_impression() -> None:
    content = seal_image.png("恩平市市场监督管理局", purpose="受理专用章", size=200)
    assert content is not None
    image = Image.open(io.BytesIO(content))
    assert image.size == (200, 200)
    raw = image.convert("RGBA").tobytes()
    red = sum(1 for i in range(0, len(raw), 4) if raw[i + 3] > 128 and raw[i] > 150 and raw[i + 1] < 80)
    assert red > 2000  # ring, star and characters
