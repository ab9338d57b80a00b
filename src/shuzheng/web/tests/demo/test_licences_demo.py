"""电子证照与电子印章 over the full demo, as its users see it: a citizen's and an enterprise agent's wallet,
anyone verifying by the QR code's link, the seal administrator's seals and coverage, a licence officer's
issued licences, and refusals for those without the permission."""

from __future__ import annotations

import pytest

from shuzheng.web.tests.demo.conftest import Demo, client_for

pytestmark = pytest.mark.django_db


def test_licences_as_each_role(demo: Demo, settings) -> None:
    settings.SHUZHENG_STAFF_OTP_REQUIRED = False  # as in the demo: staff log in with a password
    citizen = client_for("citizen06")
    mine = citizen.get("/api/v1/licences").json()["items"]
    assert {"居民户口簿", "不动产权证书", "结婚证"} <= {item["name"] for item in mine}
    assert "居民户口簿" in citizen.get("/licences/").content.decode()
    first = mine[0]
    assert citizen.get(f"/licences/{first['id']}/").status_code == 200
    assert citizen.get(first["pdf_url"]).content.startswith(b"%PDF-")
    agent = client_for("agent01").get("/api/v1/licences").json()["items"]
    assert {"营业执照", "食品经营许可证"} <= {item["name"] for item in agent}
    assert client_for("citizen01").get(f"/licences/{first['id']}/").status_code == 404
    anonymous = client_for(None)
    verified = anonymous.get(first["verify_url"])
    assert "核验结果：有效" in verified.content.decode()
    assert anonymous.get(f"/api/v1/licences/verify/{first['identifier']}").json()["verdict"] == "valid"
    seals = client_for("seal_admin")
    page = seals.get("/workbench/seals/").content.decode()
    assert "政府部门电子印章覆盖" in page
    coverage = seals.get("/api/v1/licences/seals/coverage").json()
    assert 0 < coverage["departments_with_valid_seal"] < coverage["government_departments"]
    officer = client_for("scjg01")
    issued = officer.get("/api/v1/licences/issued").json()["items"]
    assert issued
    assert all(item["issuer"] == "恩平市市场监督管理局" for item in issued)
    assert officer.get("/workbench/licences/issue/").status_code == 200
    assert client_for("window01").get("/workbench/seals/").status_code == 403
    assert client_for("window01").get("/workbench/licences/").status_code == 403
