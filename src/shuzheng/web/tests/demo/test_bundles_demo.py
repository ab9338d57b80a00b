"""一件事 over the full demo, as its users see it: anonymous visitors browse and read the bundles, the demo
citizen follows its application's children, the bundle administrator edits and a clerk without the
permission is refused."""

from __future__ import annotations

import pytest

from shuzheng.web.tests.demo.conftest import Demo, client_for

pytestmark = pytest.mark.django_db


def test_bundles_as_each_role(demo: Demo, settings) -> None:
    settings.MEDIA_ROOT = demo.media_root
    settings.SHUZHENG_STAFF_OTP_REQUIRED = False  # as in the demo: staff log in with a password
    anonymous = client_for(None)
    listed = anonymous.get("/bundles/")
    assert listed.status_code == 200
    assert listed.content.decode().count('href="/bundles/') >= 20
    assert "开办餐饮店一件事" in anonymous.get("/bundles/?theme=permits").content.decode()
    guide = anonymous.get("/bundles/canyin/").content.decode()
    assert "需填写" in guide
    assert anonymous.get("/api/v1/bundles/canyin").json()["fields_after"] > 0
    citizen = client_for("citizen01")
    mine = citizen.get("/api/v1/bundles/applications/mine").json()["items"]
    assert [a["bundle_code"] for a in mine] == ["tuixiu"]
    page = citizen.get(f"/bundles/applications/{mine[0]['number']}/")
    assert page.status_code == 200
    assert all(c["case_number"] in page.content.decode() for c in mine[0]["children"])
    assert citizen.get("/bundles/tuixiu/apply/").status_code == 200
    admin = client_for("zwsj_admin")
    assert "开办餐饮店一件事" in admin.get("/workbench/bundles/").content.decode()
    assert admin.get("/workbench/bundles/canyin/").status_code == 200
    assert client_for("window01").get("/workbench/bundles/").status_code == 403
