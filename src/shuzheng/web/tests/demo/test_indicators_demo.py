"""The plan's indicators over the full demo, as the demo's leader sees them: the workbench links the
dashboard, at least 20 of the 22 show a value, and the drill-down links lead to real records."""

from __future__ import annotations

import re

import pytest

from shuzheng.web.tests.demo.conftest import Demo, client_for

pytestmark = pytest.mark.django_db


def test_the_leader_reaches_the_dashboard_and_most_indicators_have_a_value(demo: Demo, settings):
    settings.SHUZHENG_STAFF_OTP_REQUIRED = False
    client = client_for("leader")
    assert 'href="/workbench/indicators/"' in client.get("/workbench/").content.decode()
    items = client.get("/api/v1/indicators").json()
    with_value = [i["number"] for i in items if i["available"]]
    assert len(items) == 22
    assert len(with_value) >= 20, f"only {with_value} have a value"
    for number in (1, 13, 17, 21, 22):
        page = client.get(f"/workbench/indicators/{number}/")
        assert page.status_code == 200
        links = re.findall(r'<li><a href="(/[^"]+)"', page.content.decode())
        for url in links[:3]:
            assert client.get(url).status_code == 200, url


def test_a_clerk_without_the_role_is_refused(demo: Demo, settings):
    settings.SHUZHENG_STAFF_OTP_REQUIRED = False
    assert client_for("window01").get("/workbench/indicators/").status_code == 403
