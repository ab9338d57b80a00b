"""秒批 over the full demo, as its users see it: the three items' rules, the demo citizens for whom each rule
passes (decided at once) and fails (left with the clerks, the failed condition named on the clerk's case
page), the rule editor's and the reviewer's pages and API, and a clerk without the permissions refused."""

from __future__ import annotations

import pytest

from shuzheng.cases.models import Case
from shuzheng.identity.models import User
from shuzheng.instant_approval.models import AutomaticDecision, RuleSet
from shuzheng.web.tests.demo.conftest import Demo, client_for

pytestmark = pytest.mark.django_db


def _decision(username: str, item: str) -> AutomaticDecision:
    user = User.objects.get(username=username)
    case = Case.objects.get(applicant=user, version__name=item)
    return AutomaticDecision.objects.select_related("case").get(case=case)


def _results(decision: AutomaticDecision) -> dict[str, bool | None]:
    return {r["code"]: r["passed"] for r in decision.results}


def test_instant_approval_as_each_role(demo: Demo, settings) -> None:
    settings.MEDIA_ROOT = demo.media_root
    settings.SHUZHENG_STAFF_OTP_REQUIRED = False
    names = set(RuleSet.objects.filter(status="active").values_list("version__name", flat=True))
    assert names == {"高龄津贴申领", "个体工商户设立登记", "城乡居民养老保险参保登记"}

    elder = _decision("elder01", "高龄津贴申领")
    assert (elder.outcome, elder.case.status) == ("approved", "concluded")
    assert _decision("citizen01", "高龄津贴申领").outcome == "referred"
    assert _results(_decision("citizen01", "高龄津贴申领"))["age_80"] is False
    assert _decision("citizen02", "个体工商户设立登记").outcome == "approved"
    refused_scope = _decision("citizen03", "个体工商户设立登记")
    assert _results(refused_scope) == {"adult": True, "standard_scope": False}
    assert refused_scope.case.status == "submitted"
    assert _decision("citizen04", "城乡居民养老保险参保登记").outcome == "approved"
    assert _results(_decision("elder02", "城乡居民养老保险参保登记"))["under_60"] is False

    editor = client_for("zwsj_admin")
    assert "高龄津贴申领" in editor.get("/workbench/instant-approval/rules/").content.decode()
    version_page = editor.get(f"/workbench/instant-approval/rules/versions/{elder.rule_set.version_id}/")
    assert "registry.person.age" in version_page.content.decode()
    tested = editor.post(
        f"/api/v1/instant-approval/rules/{elder.rule_set_id}/test",
        {"example": {"form": {"bank_account": "6217000000000000000"}, "registry": {"person": {"age": 85}}}},
        content_type="application/json",
    )
    assert tested.json()["all_passed"] is True

    approver = User.objects.filter(
        assignments__role__code="case_approver", department=refused_scope.case.department
    )
    first_approver = approver.order_by("username").first()
    assert first_approver is not None
    reviewer = client_for(first_approver.username)
    listed = reviewer.get("/api/v1/instant-approval/decisions").json()
    assert refused_scope.pk in [d["id"] for d in listed["items"]]
    detail = reviewer.get(f"/workbench/instant-approval/decisions/{refused_scope.pk}/").content.decode()
    assert "经营范围为规范表述目录中的条目" in detail
    assert reviewer.get("/workbench/instant-approval/decisions/review/").status_code == 200
    case_page = reviewer.get(f"/workbench/cases/{refused_scope.case_id}/").content.decode()
    assert "秒批判定" in case_page
    assert "不满足" in case_page

    clerk = client_for("window01")
    assert clerk.get("/workbench/instant-approval/rules/").status_code == 403
    assert clerk.get("/api/v1/instant-approval/decisions").status_code == 403
