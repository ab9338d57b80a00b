"""Every file input on the case pages is the Chinese picker (选择文件), not the browser's "Choose File"."""

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from shuzheng.cases.tests.conftest import World
from shuzheng.cases.tests.test_views import _key, apply_data, client_for

INPUT = re.compile(r"<input[^>]*type=\"file\"[^>]*>")
PICKED = re.compile(
    r'<label class="file-picker"><input[^>]*type="file"[^>]*><span class="file-button">选择文件</span>'
)


def _all_pickers(html: str) -> int:
    inputs = INPUT.findall(html)
    assert inputs
    assert len(PICKED.findall(html)) == len(inputs), inputs
    return len(inputs)


@pytest.mark.django_db
def test_apply_page_file_inputs_are_chinese_pickers(world: World) -> None:
    html = client_for(world.citizen).get(reverse("cases:apply", args=[world.version.code])).content.decode()
    assert _all_pickers(html) >= 2
    assert 'id="mat-M001-file"' in html


@pytest.mark.django_db
def test_apply_page_marks_a_bad_file_invalid(world: World) -> None:
    client = client_for(world.citizen)
    url = reverse("cases:apply", args=[world.version.code])
    data = apply_data(world, _key(client.get(url)))
    data["mat-M001-file"] = SimpleUploadedFile("id.pdf", b"just text, not a pdf")
    html = client.post(url, data).content.decode()
    _all_pickers(html)
    assert 'aria-describedby="mat-M001-error" aria-invalid="true"' in html


@pytest.mark.django_db
def test_correction_page_file_inputs_are_chinese_pickers(world: World) -> None:
    case = world.move(
        world.submit(), "request_correction", items=[{"target": "经营场所证明", "reason": "不清晰"}]
    )
    html = client_for(world.citizen).get(reverse("cases:portal_case", args=[case.pk])).content.decode()
    _all_pickers(html)
    assert 'id="extra-file"' in html
