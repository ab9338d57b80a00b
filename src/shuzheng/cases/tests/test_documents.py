"""PDF documents: they parse, carry the case number and the Chinese text, and exist only when due."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.utils import timezone
from pypdf import PdfReader

from shuzheng.cases import documents
from shuzheng.cases.tests.conftest import World
from shuzheng.core.errors import NotFound


def _text(content: bytes) -> str:
    reader = PdfReader(io.BytesIO(content))
    return "".join(page.extract_text() for page in reader.pages)


@pytest.mark.django_db
def test_receipt_then_acceptance_slip(world: World, settings) -> None:
    case = world.submit()
    text = _text(documents.acceptance_slip_pdf(case))
    assert case.number in text
    assert "收件回执" in text
    case = world.move(case, "accept")
    content = documents.acceptance_slip_pdf(case)
    assert content.startswith(b"%PDF")
    text = _text(content)
    assert "受理通知书" in text
    assert case.number in text
    assert "申请人身份证明" in text
    assert world.citizen.id_number not in text
    assert world.citizen.id_number[:6] in text  # masked: region and last four digits only
    settings.PUBLIC_URL = "https://zwfw.example.cn"
    assert "https://zwfw.example.cn" in _text(documents.acceptance_slip_pdf(case))


@pytest.mark.django_db
def test_deferred_materials_are_listed(world: World) -> None:
    from shuzheng.cases.services.common import MaterialData

    case = world.submit(materials=[world.materials()[0], MaterialData(code="M002", deferred=True)])
    case = world.move(
        case, "accept_with_deferral", deferred=["M002"], deferred_due=timezone.localdate() + timedelta(days=7)
    )
    assert "容缺" in _text(documents.acceptance_slip_pdf(case))


@pytest.mark.django_db
def test_rejection_and_correction_notices(world: World) -> None:
    case = world.submit()
    with pytest.raises(NotFound):
        documents.rejection_notice_pdf(case)
    with pytest.raises(NotFound):
        documents.correction_notice_pdf(case)
    case = world.move(case, "request_correction", items=[{"target": "经营场所证明", "reason": "复印件模糊"}])
    text = _text(documents.correction_notice_pdf(case))
    assert case.number in text
    assert "复印件模糊" in text
    case = world.move(case, "reject", reasons="逾期未补正", at=timezone.now() + timedelta(days=30))
    text = _text(documents.rejection_notice_pdf(case))
    assert "不予受理决定书" in text
    assert "逾期未补正" in text
    assert case.number in text
    with pytest.raises(NotFound):
        documents.render(case, "poem")
