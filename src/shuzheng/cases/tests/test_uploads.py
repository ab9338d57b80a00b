"""Uploads: type by content, size limit, PDF pages, SM3; refused files leave nothing behind."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile

from shuzheng.cases.models import MaterialUpload
from shuzheng.cases.services.uploads import material_upload, purge_stale_uploads
from shuzheng.cases.tests.conftest import World, jpeg_bytes, pdf_bytes, png_bytes
from shuzheng.cases.uploads import detect_type
from shuzheng.core.crypto import sm3_hex
from shuzheng.core.errors import (
    ApplicationError,
    PayloadTooLarge,
    PermissionDenied,
    UnsupportedMediaType,
    ValidationFailed,
)
from shuzheng.identity.tests.conftest import staff


def _ofd(with_manifest: bool = True) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        if with_manifest:
            archive.writestr("OFD.xml", "<ofd:OFD xmlns:ofd='http://www.ofdspec.org/2016'/>")
        archive.writestr("Doc_0/Document.xml", "<x/>")
    return out.getvalue()


def _up(world: World, content: bytes, name: str) -> MaterialUpload:
    return material_upload(actor=world.citizen, file=SimpleUploadedFile(name, content))


@pytest.mark.django_db
def test_pdf_png_jpeg_and_ofd_are_accepted(world: World) -> None:
    pdf = pdf_bytes(3)
    upload = _up(world, pdf, "证明.pdf")
    assert (upload.content_type, upload.pages, upload.size) == ("application/pdf", 3, len(pdf))
    assert upload.sm3 == sm3_hex(pdf)
    assert upload.original_name == "证明.pdf"
    with default_storage.open(upload.file.name, "rb") as stored:
        assert stored.read() == pdf
    assert _up(world, png_bytes(), "a.png").content_type == "image/png"
    assert _up(world, jpeg_bytes(), "a.jpeg").content_type == "image/jpeg"
    assert _up(world, _ofd(), "a.ofd").content_type == "application/ofd"
    assert _up(world, png_bytes(), "no-extension").pages is None


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("content", "name", "error", "code"),
    [
        (b"just some text pretending", "fake.pdf", UnsupportedMediaType, "file_type_not_allowed"),
        (b"MZ\x90\x00" + b"\x00" * 200, "virus.pdf", UnsupportedMediaType, "file_type_not_allowed"),
        (_ofd(with_manifest=False), "a.zip", UnsupportedMediaType, "file_type_not_allowed"),
        (png_bytes(), "photo.pdf", UnsupportedMediaType, "file_type_mismatch"),
        (b"%PDF-1.7\n garbage that is not a pdf at all", "broken.pdf", ValidationFailed, "pdf_unreadable"),
        (b"", "empty.pdf", ValidationFailed, "file_empty"),
    ],
)
def test_bad_files_are_refused(
    world: World, content: bytes, name: str, error: type[ApplicationError], code: str
) -> None:
    with pytest.raises(error) as caught:
        _up(world, content, name)
    assert caught.value.code == code
    assert caught.value.detail
    assert not MaterialUpload.objects.exists()


@pytest.mark.django_db
def test_size_limit(world: World, settings) -> None:
    settings.SHUZHENG_MAX_UPLOAD_BYTES = 1024
    with pytest.raises(PayloadTooLarge) as caught:
        _up(world, pdf_bytes() + b"\n%" + b"x" * 2048, "big.pdf")
    assert "1 KB" in caught.value.detail
    assert not MaterialUpload.objects.exists()


@pytest.mark.django_db
def test_staff_need_a_cases_permission_to_upload(world: World) -> None:
    with pytest.raises(PermissionDenied):
        material_upload(actor=staff(world.org.bureau), file=SimpleUploadedFile("a.png", png_bytes()))
    assert material_upload(actor=world.acceptor, file=SimpleUploadedFile("a.png", png_bytes()))


def test_detect_type_needs_real_content() -> None:
    assert detect_type(pdf_bytes()) == "application/pdf"
    assert detect_type(b"<html></html>") is None


@pytest.mark.django_db
def test_stale_uploads_are_purged(world: World, django_capture_on_commit_callbacks) -> None:
    used = world.submit().materials.exclude(file="").first()
    assert used is not None
    stale = _up(world, png_bytes(), "old.png")
    MaterialUpload.objects.filter(pk=stale.pk).update(created_at=stale.created_at.replace(year=2020))
    with django_capture_on_commit_callbacks(execute=True):
        assert purge_stale_uploads() == 1
    assert not default_storage.exists(stale.file.name)
    assert default_storage.exists(used.file.name)
    assert MaterialUpload.objects.filter(material__isnull=False).count() == 2
