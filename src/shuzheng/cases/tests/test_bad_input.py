"""Bad input never becomes a 500: unreadable PDFs are 422 ``pdf_unreadable``; a NUL character in form data,
in the applicant's details or in a transition note is a Chinese error naming the field (PostgreSQL refuses
NUL in text and jsonb, so these run there too)."""

from __future__ import annotations

import io
import json

import pytest
from django.test import Client
from pypdf import PdfWriter

from shuzheng.cases.models import Case, CaseStatusChange, MaterialUpload
from shuzheng.cases.services.common import ApplicantData
from shuzheng.cases.tests.conftest import World, citizen_id
from shuzheng.core.errors import ValidationFailed

BASE = "/api/v1/cases"


def _pdf_with_unknown_encryption() -> bytes:
    """A PDF whose trailer has /Encrypt with a handler pypdf does not implement (NotImplementedError)."""
    writer = PdfWriter()
    writer.add_blank_page(10, 10)
    writer.encrypt("", "owner", algorithm="RC4-128")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue().replace(b"/Standard", b"/Unknownx")


@pytest.mark.django_db
def test_a_pdf_pypdf_cannot_parse_is_422_pdf_unreadable(world: World) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = Client()
    client.force_login(world.citizen)
    file = SimpleUploadedFile("加密.pdf", _pdf_with_unknown_encryption())
    response = client.post(f"{BASE}/uploads", {"file": file})
    assert response.status_code == 422, response.content
    problem = response.json()
    assert problem["code"] == "pdf_unreadable"
    assert "PDF" in problem["detail"]
    assert not MaterialUpload.objects.exists()


@pytest.mark.django_db
@pytest.mark.postgres
def test_nul_in_form_data_is_a_field_error(world: World) -> None:
    with pytest.raises(ValidationFailed) as caught:
        world.submit(form_data={"reason": "开办\x00小餐馆"})
    assert {e["field"] for e in caught.value.errors} == {"form_data.reason"}
    assert "空字符" in caught.value.detail
    assert not Case.objects.exists()
    client = Client()
    client.force_login(world.citizen)
    body = {"item_code": world.version.code, "form_data": {"reason": "a\u0000b"}, "materials": []}
    response = client.post(BASE, json.dumps(body), content_type="application/json")
    assert response.status_code in (400, 422), response.content
    assert not Case.objects.exists()


@pytest.mark.django_db
@pytest.mark.postgres
def test_nul_in_the_applicant_name_at_the_window_is_a_field_error(world: World) -> None:
    applicant = ApplicantData(kind="person", name="李\x00四", id_number=citizen_id())
    with pytest.raises(ValidationFailed) as caught:
        world.at_window(applicant=applicant)
    assert "applicant.name" in {e["field"] for e in caught.value.errors}
    assert not Case.objects.exists()


@pytest.mark.django_db
@pytest.mark.postgres
def test_nul_in_a_transition_note_is_a_field_error(world: World) -> None:
    case = world.submit()
    with pytest.raises(ValidationFailed) as caught:
        world.move(case, "accept", note="已核\x00验")
    assert caught.value.errors[0]["field"] == "note"
    assert "空字符" in caught.value.detail
    with pytest.raises(ValidationFailed) as caught:
        world.move(case, "request_correction", items=[{"target": "身份证", "reason": "不\x00清晰"}])
    assert caught.value.errors[0]["field"] == "items[0].reason"
    case.refresh_from_db()
    assert case.status == "submitted"
    assert CaseStatusChange.objects.filter(case=case).count() == 1
    client = Client()
    client.force_login(world.acceptor)
    response = client.post(
        f"{BASE}/{case.pk}/transitions",
        json.dumps({"action": "accept", "expected_version": case.lock_version, "note": "x\u0000y"}),
        content_type="application/json",
    )
    assert response.status_code in (400, 422), response.content
