"""The 秒批 pages and API over a small world: who reaches what, bad input, no writes on test, the clerk's
panel on the case page."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from shuzheng.cases.constants import CaseStatus
from shuzheng.cases.models import Case
from shuzheng.identity.models import AuditEvent
from shuzheng.identity.tests.conftest import grant, login_verified, staff
from shuzheng.instant_approval.constants import Outcome
from shuzheng.instant_approval.models import AutomaticDecision, RuleSet
from shuzheng.instant_approval.tests.conftest import AGE_80, REASON, REVIEW, Setup

pytestmark = pytest.mark.django_db
API = "/api/v1/instant-approval"
BASE = "/workbench/instant-approval"


def staff_client(user: Any) -> Client:
    client = Client()
    login_verified(client, user)
    return client


def _decided(setup: Setup, commit: Any, conditions: list[dict[str, Any]] | None = None) -> AutomaticDecision:
    setup.rules(conditions)
    with commit(execute=True):
        case = setup.world.submit()
    return AutomaticDecision.objects.get(case=case)


def test_rule_test_endpoint_answers_each_condition_and_writes_nothing(setup: Setup) -> None:
    rule_set = setup.rules(activate=False)
    client = staff_client(setup.editor)
    events = AuditEvent.objects.count()
    body = {"example": {"form": {"reason": "申请"}, "registry": {"person": {"birth_date": "1960-01-01"}}}}
    response = client.post(f"{API}/rules/{rule_set.pk}/test", body, content_type="application/json")
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["all_passed"] is False
    assert [(r["code"], r["passed"]) for r in data["results"]] == [("age", False), ("reason", True)]
    assert AuditEvent.objects.count() == events
    bad = client.post(f"{API}/rules/{rule_set.pk}/test", {"example": [1]}, content_type="application/json")
    assert bad.status_code == 422
    assert client.post(f"{API}/rules/999999/test", {}, content_type="application/json").status_code == 404
    assert client.get(f"{API}/rules?version_id={setup.world.version.pk}").json()[0]["revision"] == 1


def test_rule_endpoints_need_the_permission(setup: Setup) -> None:
    rule_set = setup.rules(activate=False)
    response = staff_client(setup.world.acceptor).post(
        f"{API}/rules/{rule_set.pk}/test", {"example": {}}, content_type="application/json"
    )
    assert response.status_code == 403
    assert Client().get(f"{API}/decisions").status_code == 401


def test_decisions_api_lists_and_explains_in_scope(setup: Setup, commit: Any) -> None:
    decision = _decided(setup, commit)
    client = staff_client(setup.reviewer)
    page = client.get(f"{API}/decisions?outcome=approved").json()
    assert [d["id"] for d in page["items"]] == [decision.pk]
    detail = client.get(f"{API}/decisions/{decision.pk}").json()
    assert detail["outcome"] == Outcome.APPROVED
    assert [r["passed"] for r in detail["results"]] == [True, True]
    assert client.get(f"{API}/decisions?outcome=bogus").status_code == 422
    other = staff(setup.world.org.other_bureau)
    grant(other, REVIEW)
    outsider = staff_client(other)
    assert outsider.get(f"{API}/decisions").json()["items"] == []
    assert outsider.get(f"{API}/decisions/{decision.pk}").status_code == 404


def test_the_editor_saves_tests_and_activates_on_the_workbench(setup: Setup) -> None:
    client = staff_client(setup.editor)
    version = setup.world.version
    page = client.get(f"{BASE}/rules/versions/{version.pk}/")
    assert page.status_code == 200
    assert "<code>registry.person.age</code>" not in page.content.decode()  # no registry chosen yet
    form = {
        "conditions": json.dumps([AGE_80, REASON], ensure_ascii=False),
        "person_registry": setup.registry.code,
        "reasons": "符合条件",
    }
    bad = client.post(f"{BASE}/rules/versions/{version.pk}/save/", {**form, "conditions": '[{"label": 1'})
    assert bad.status_code == 422
    assert "不是有效的 JSON" in bad.content.decode()
    unknown = [{"label": "甲", "logic": {"!!": {"var": "form.nope"}}}]
    bad = client.post(
        f"{BASE}/rules/versions/{version.pk}/save/", {**form, "conditions": json.dumps(unknown)}
    )
    assert "未知字段：form.nope" in bad.content.decode()
    assert not RuleSet.objects.exists()
    saved = client.post(f"{BASE}/rules/versions/{version.pk}/save/", form)
    assert saved.status_code == 302
    rule_set = RuleSet.objects.get()
    tested = client.post(f"{BASE}/rules/{rule_set.pk}/test/", {"example": '{"form": {"reason": "x"}}'})
    assert tested.status_code == 200
    assert "缺少数据：registry.person.age" in tested.content.decode()
    assert client.post(f"{BASE}/rules/{rule_set.pk}/test/", {"example": "{"}).status_code == 422
    assert client.post(f"{BASE}/rules/{rule_set.pk}/activate/").status_code == 302
    rule_set.refresh_from_db()
    assert rule_set.status == "active"
    assert "已设定规则" in client.get(f"{BASE}/rules/").content.decode()


def test_a_clerk_cannot_edit_rules(setup: Setup) -> None:
    client = staff_client(setup.world.acceptor)
    assert client.get(f"{BASE}/rules/").status_code == 403
    response = client.post(
        f"{BASE}/rules/versions/{setup.world.version.pk}/save/", {"conditions": "[]", "reasons": "x"}
    )
    assert response.status_code == 403
    assert not RuleSet.objects.exists()


def test_the_reviewer_revokes_on_the_workbench(setup: Setup, commit: Any) -> None:
    decision = _decided(setup, commit)
    client = staff_client(setup.reviewer)
    assert client.get(f"{BASE}/decisions/").status_code == 200
    assert client.get(f"{BASE}/decisions/review/").status_code == 200
    detail = client.get(f"{BASE}/decisions/{decision.pk}/")
    assert "年满80周岁" in detail.content.decode()
    refused = client.post(f"{BASE}/decisions/{decision.pk}/revoke/", {"note": ""})
    assert refused.status_code == 422
    assert "请填写撤销理由" in refused.content.decode()
    done = client.post(f"{BASE}/decisions/{decision.pk}/revoke/", {"note": "复核发现年龄有误"})
    assert done.status_code == 302
    assert Case.objects.get(pk=decision.case_id).status == CaseStatus.UNDER_REVIEW
    again = client.post(f"{BASE}/decisions/{decision.pk}/confirm/", {"note": ""})
    assert again.status_code == 422


def test_the_clerk_sees_the_failed_conditions_on_the_case_page(setup: Setup, commit: Any) -> None:
    decision = _decided(setup, commit, [{**AGE_80, "logic": {">=": [{"var": "registry.person.age"}, 99]}}])
    assert decision.outcome == Outcome.REFERRED
    page = staff_client(setup.world.acceptor).get(f"/workbench/cases/{decision.case_id}/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "秒批判定" in text
    assert "年满80周岁" in text
    assert "不满足" in text


def test_a_reviewer_without_catalog_rights_reads_the_rules(setup: Setup) -> None:
    rule_set = setup.rules()
    reader = staff(setup.world.org.bureau)
    grant(reader, ["instant_approval.view_ruleset", *REVIEW])
    client = staff_client(reader)
    page = client.get(f"{BASE}/rules/versions/{setup.world.version.pk}/")
    assert page.status_code == 200
    assert "保存草稿" not in page.content.decode()  # reads, does not edit
    assert client.get(f"{API}/rules/{rule_set.pk}").json()["revision"] == 1
    other = staff(setup.world.org.other_bureau)
    grant(other, ["instant_approval.view_ruleset"])
    assert staff_client(other).get(f"{API}/rules/{rule_set.pk}").status_code == 404
