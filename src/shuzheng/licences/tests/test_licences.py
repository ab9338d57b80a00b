from __future__ import annotations

import io
import shutil
import subprocess
from datetime import date, timedelta

import pytest
from django.core.cache import cache

from shuzheng.core.actors import SYSTEM
from shuzheng.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from shuzheng.licences import identifiers, selectors, signing, verification
from shuzheng.licences.constants import LicenceAction, LicenceStatus, Verdict
from shuzheng.licences.models import Licence, SealUse
from shuzheng.licences.services import licences, seals, sharing
from shuzheng.licences.tests.conftest import World
from shuzheng.licences.workflow import LICENCE_TRANSITIONS

pytestmark = pytest.mark.django_db

EXAMPLE = "1.2.156.3005.2.11100000000013338W011.11430000006122244L.20230000403.001.U"


def issue(world: World) -> Licence:
    return licences.licence_issue(
        actor=world.issuer,
        licence_type=world.licence_type,
        holder_name=world.citizen.full_name,
        holder_code=world.citizen.id_number,
        holder_user=world.citizen,
        data={"address": "恩平市恩城街道新平中路1号", "scope": "预包装食品销售"},
    )


def test_the_issue_example_identifier_is_valid() -> None:
    parsed = identifiers.parse(EXAMPLE)
    assert parsed is not None
    assert str(parsed) == EXAMPLE
    assert parsed.serial == "20230000403"
    assert identifiers.parse(EXAMPLE[:-1] + "V") is None
    assert identifiers.parse("1.2.156.3005.2.garbage") is None


def test_issue_signs_and_identifies(world: World) -> None:
    world.seal()
    licence = issue(world)
    parsed = identifiers.parse(licence.identifier)
    assert parsed is not None
    assert (parsed.type_code, parsed.issuer_code, parsed.version) == (
        world.licence_type.code,
        world.bureau.uscc,
        1,
    )
    assert licence.serial.startswith(str(date.today().year))
    assert licence.valid_until is not None
    assert licence.valid_until.year == licence.issued_on.year + 5
    assert bytes(licence.pdf).startswith(b"%PDF-")
    assert signing.sm2_check(licences.metadata(licence), licence.sm2_signature, licence.seal.sm2_public_key)
    pades = signing.pades_check(bytes(licence.pdf), authority_pem=licence.seal.authority.certificate_pem)
    assert pades.ok
    assert pades.certificate_serial == licence.seal.certificate_serial
    assert SealUse.objects.filter(seal=licence.seal, document_ref=licence.identifier).count() == 1
    second = issue(world)
    assert int(second.serial) == int(licence.serial) + 1


def _one_byte_changed(pdf: bytes) -> bytes:
    """Change one byte of the signed page content (inside the first revision, outside /Contents)."""
    data = bytearray(pdf)
    position = data.index(b"stream\n") + 20
    data[position] = (data[position] + 1) % 256
    return bytes(data)


def test_pyhanko_rejects_a_one_byte_change(world: World) -> None:
    world.seal()
    licence = issue(world)
    authority = licence.seal.authority.certificate_pem
    cache.clear()
    assert not signing.pades_check(_one_byte_changed(bytes(licence.pdf)), authority_pem=authority).intact
    assert signing.pades_check(b"%PDF-1.4 not really", authority_pem=authority) == signing.BROKEN


@pytest.mark.skipif(
    shutil.which("pdfsig") is None, reason="poppler's pdfsig is not installed (make chromium installs it)"
)
def test_pdfsig_reports_valid_and_a_one_byte_change_invalid(world: World, tmp_path: object) -> None:
    world.seal()
    pdf = bytes(issue(world).pdf)
    good, bad = tmp_path / "good.pdf", tmp_path / "bad.pdf"  # type: ignore[operator]
    good.write_bytes(pdf)
    bad.write_bytes(_one_byte_changed(pdf))
    ok = subprocess.run(["pdfsig", str(good)], capture_output=True, text=True, check=False)  # noqa: S603, S607
    assert "Signature is Valid" in ok.stdout
    broken = subprocess.run(["pdfsig", str(bad)], capture_output=True, text=True, check=False)  # noqa: S603, S607
    assert "Signature is Valid" not in broken.stdout
    assert "Digest Mismatch" in broken.stdout or "Invalid" in broken.stdout


def test_issue_needs_a_valid_seal_and_scope(world: World) -> None:
    with pytest.raises(Conflict):
        issue(world)
    world.seal()
    with pytest.raises(NotFound):
        licences.licence_issue(
            actor=world.other_issuer,
            licence_type=world.licence_type,
            holder_name="某人",
            holder_code=world.citizen.id_number,
        )
    with pytest.raises(PermissionDenied):
        licences.licence_issue(
            actor=world.seal_admin, licence_type=world.licence_type, holder_name="某人", holder_code="x"
        )


def test_bad_holder_and_data_are_named(world: World) -> None:
    world.seal()
    with pytest.raises(ValidationFailed) as caught:
        licences.licence_issue(
            actor=world.issuer,
            licence_type=world.licence_type,
            holder_name="",
            holder_code="440785198503020000",
            data={"colour": "红", "address": "x" * 300},
        )
    fields = {e["field"] for e in caught.value.errors}
    assert {"holder_name", "holder_code"} <= fields
    with pytest.raises(ValidationFailed) as caught:
        licences.licence_issue(
            actor=world.issuer,
            licence_type=world.licence_type,
            holder_name="陈建明",
            holder_code=world.citizen.id_number,
            data={"colour": "红", "address": "x" * 300},
        )
    assert {e["field"] for e in caught.value.errors} == {"data.colour", "data.address"}
    assert not Licence.objects.exists()


def test_verify_valid_unknown_revoked(world: World) -> None:
    world.seal()
    licence = issue(world)
    result = verification.verify_identifier(licence.identifier)
    assert result.verdict == Verdict.VALID
    assert result.sm2_valid
    assert result.pades_valid
    assert result.details["holder"] != world.citizen.full_name  # masked
    assert verification.verify_identifier("not an identifier").verdict == Verdict.UNKNOWN
    unknown = str(identifiers.Identifier(world.licence_type.code, world.bureau.uscc, "20990000001", 1))
    assert verification.verify_identifier(unknown).verdict == Verdict.UNKNOWN
    licences.licence_revoke(actor=world.issuer, licence=licence, reason="申请人申请注销")
    assert verification.verify_identifier(licence.identifier).verdict == Verdict.REVOKED


def test_altered_data_or_pdf_is_tampered(world: World) -> None:
    world.seal()
    licence = issue(world)
    Licence.objects.filter(pk=licence.pk).update(holder_name="王五")
    assert verification.verify_identifier(licence.identifier).verdict == Verdict.TAMPERED
    Licence.objects.filter(pk=licence.pk).update(
        holder_name=licence.holder_name, pdf=_one_byte_changed(bytes(licence.pdf))
    )
    result = verification.verify_identifier(licence.identifier)
    assert result.verdict == Verdict.TAMPERED
    assert result.sm2_valid
    assert not result.pades_valid


def test_uploaded_pdf_must_be_the_issued_one(world: World) -> None:
    world.seal()
    licence = issue(world)
    assert verification.verify_pdf(bytes(licence.pdf)).verdict == Verdict.VALID
    assert verification.verify_pdf(_one_byte_changed(bytes(licence.pdf))).verdict == Verdict.TAMPERED
    with pytest.raises(ValidationFailed):
        verification.verify_pdf(b"GIF89a")


def test_a_revoked_seal_makes_its_licences_untrusted(world: World) -> None:
    seal = world.seal()
    licence = issue(world)
    seals.seal_revoke(actor=world.seal_admin, seal=seal, reason="印章泄露")
    assert verification.verify_identifier(licence.identifier).verdict == Verdict.SEAL_REVOKED
    with pytest.raises(Conflict):
        issue(world)


def test_flood_is_rate_limited(world: World, settings: object) -> None:
    settings.SHUZHENG_LICENCE_VERIFICATIONS_PER_MINUTE = 3  # type: ignore[attr-defined]
    for _ in range(3):
        verification.throttle("203.0.113.9")
    from shuzheng.core.errors import RateLimited

    with pytest.raises(RateLimited):
        verification.throttle("203.0.113.9")
    verification.throttle("203.0.113.10")


def test_change_makes_a_new_version_and_supersedes(world: World) -> None:
    world.seal()
    licence = issue(world)
    changed = licences.licence_change(
        actor=world.issuer,
        licence=licence,
        data={"address": "恩平市恩城街道锦江路8号"},
        reason="经营场所变更",
    )
    licence.refresh_from_db()
    assert licence.status == LicenceStatus.SUPERSEDED
    assert (changed.serial, changed.version) == (licence.serial, 2)
    assert changed.data["address"] == "恩平市恩城街道锦江路8号"
    assert changed.data["scope"] == "预包装食品销售"
    assert changed.identifier.split(".")[-2] == "002"
    result = verification.verify_identifier(licence.identifier)
    assert result.verdict == Verdict.SUPERSEDED
    assert changed.identifier in result.message
    with pytest.raises(Conflict):
        licences.licence_revoke(actor=world.issuer, licence=licence, reason="重复")


def test_every_licence_edge(world: World) -> None:
    world.seal()
    for (source, action), target in LICENCE_TRANSITIONS.edges.items():
        licence = issue(world)
        assert licence.status == source
        licences._end(
            licences._lock(licence), actor=SYSTEM, action=LicenceAction(action), reason="测试", at=None
        )
        licence.refresh_from_db()
        assert licence.status == target
        assert licence.history.filter(action=action).exists()


def test_expiry_sweep(world: World) -> None:
    world.seal()
    licence = issue(world)
    assert licences.licences_expire() == 0
    assert licence.valid_until is not None
    assert licences.licences_expire(today=licence.valid_until + timedelta(days=1)) == 1
    licence.refresh_from_db()
    assert licence.status == LicenceStatus.EXPIRED


def test_wallet_and_held_by(world: World) -> None:
    world.seal()
    licence = issue(world)
    other = licences.licence_issue(
        actor=world.issuer,
        licence_type=world.licence_type,
        holder_name=world.other_citizen.full_name,
        holder_code=world.other_citizen.id_number,
    )
    assert [lic.pk for lic in selectors.my_licences(user=world.citizen).items] == [licence.pk]
    assert [lic.pk for lic in selectors.licences_held_by(world.other_citizen)] == [other.pk]  # by ID number
    with pytest.raises(NotFound):
        selectors.licence_get(user=world.citizen, licence_id=other.pk)
    assert selectors.licence_get(user=world.issuer, licence_id=other.pk) == other
    licences.licence_revoke(actor=world.issuer, licence=licence, reason="注销测试")
    assert selectors.licences_held_by(world.citizen) == []


def test_one_time_share_link(world: World) -> None:
    world.seal()
    licence = issue(world)
    with pytest.raises(NotFound):
        sharing.share_create(actor=world.other_citizen, licence=licence)
    with pytest.raises(ValidationFailed):
        sharing.share_create(actor=world.citizen, licence=licence, hours=1000)
    _, token = sharing.share_create(actor=world.citizen, licence=licence, hours=2)
    assert sharing.share_open(token=token) == licence
    with pytest.raises(NotFound):
        sharing.share_open(token=token)
    with pytest.raises(NotFound):
        sharing.share_open(token="x" * 30)


def test_pdf_is_readable_by_pyhanko(world: World) -> None:
    from pyhanko.pdf_utils.reader import PdfFileReader

    world.seal()
    reader = PdfFileReader(io.BytesIO(bytes(issue(world).pdf)))
    assert len(reader.embedded_signatures) == 1
