"""The city is configuration, not code: another city's name reaches the pages without a code change."""

import pytest


@pytest.mark.django_db
def test_the_portal_is_titled_with_the_configured_city(client, settings):
    settings.SHUZHENG_CITY_NAME = "开平市"
    page = client.get("/").content.decode()
    assert "开平市政务服务网" in page
    assert "恩平市政务服务网" not in page
