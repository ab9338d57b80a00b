"""Dispatch over the full demo (issue 13): the preview API and the model comparison page as every demo
role sees them — the roles with the rule-test permission get an answer, the others a refusal, and bad
text never dispatches automatically."""

from __future__ import annotations

import json

import pytest

from shuzheng.appeals.models import Appeal, DispatchModel
from shuzheng.identity.models import User
from shuzheng.web.tests.demo.conftest import Demo, client_for, one_account_per_role

pytestmark = pytest.mark.django_db

PREVIEW = "/api/v1/appeals/dispatch-preview"
MODELS = "/workbench/appeals/models/"


@pytest.fixture(autouse=True)
def _as_in_the_demo(settings):
    settings.SHUZHENG_STAFF_OTP_REQUIRED = False  # as in the demo: staff log in with a password


def _may_preview(username: str) -> bool:
    user = User.objects.get(username=username)
    return user.has_perm("appeals.view_routingrule") or user.has_perm("appeals.dispatch_appeal")


def test_every_role_gets_the_preview_or_a_refusal(demo: Demo):
    before = Appeal.objects.count()
    allowed = 0
    for username in one_account_per_role():
        client = client_for(username)
        response = client.post(
            PREVIEW,
            data=json.dumps({"text": "我哋成条街由琴日开始冇水，水喉爆咗", "town": "沙湖镇"}),
            content_type="application/json",
        )
        page = client.get(MODELS)
        if _may_preview(username):
            allowed += 1
            assert response.status_code == 200, (username, response.content)
            assert response.json()["top"], username
            assert page.status_code == 200, username
            assert DispatchModel.objects.get(is_active=True).version in page.content.decode()
        else:
            assert response.status_code in (401, 403), (username, response.status_code)
            assert page.status_code in (302, 403), (username, page.status_code)
    assert allowed >= 1
    assert Appeal.objects.count() == before


@pytest.mark.parametrize("text", ["", "水", "🙏🙏🙏", "停电" * 5000, "no water 没水 since yesterday at all"])
def test_bad_text_goes_to_the_manual_queue_over_the_demo(demo: Demo, text: str):
    response = client_for("dispatch01").post(
        PREVIEW, data=json.dumps({"text": text}), content_type="application/json"
    )
    assert response.status_code == 200
    assert response.json()["automatic"] is False
    assert response.json()["reason"]
