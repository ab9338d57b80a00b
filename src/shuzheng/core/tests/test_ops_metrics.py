"""/metrics serves Prometheus exposition to allowed addresses or bearers of the token, and 403 otherwise."""

from __future__ import annotations

import pytest

OUTSIDER = "203.0.113.7"


@pytest.fixture(autouse=True)
def _metrics_settings(settings):
    settings.METRICS_ALLOWED_IPS = ["127.0.0.1", "::1"]
    settings.METRICS_TOKEN = ""


def _assert_exposition(response):
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    text = response.content.decode()
    assert "# TYPE " in text
    assert "django_http_requests_before_middlewares_total" in text  # django-prometheus' middleware counts


def _assert_forbidden(response):
    assert response.status_code == 403
    assert response["Content-Type"].startswith("application/problem+json")
    body = response.json()
    assert body["code"] == "permission_denied"
    assert body["detail"] == "无权访问监控指标。"
    assert "# TYPE" not in response.content.decode()


def test_allowed_address_gets_metrics(client):
    _assert_exposition(client.get("/metrics", REMOTE_ADDR="127.0.0.1"))


def test_other_address_is_refused(client):
    _assert_forbidden(client.get("/metrics", REMOTE_ADDR=OUTSIDER))


def test_allowed_networks_may_be_cidr(client, settings):
    settings.METRICS_ALLOWED_IPS = ["10.20.0.0/16"]
    _assert_exposition(client.get("/metrics", REMOTE_ADDR="10.20.3.4"))
    _assert_forbidden(client.get("/metrics", REMOTE_ADDR="10.21.3.4"))


def test_proxied_request_is_not_trusted_by_address(client):
    # nginx on the same host makes every visitor look like 127.0.0.1; a forwarded request needs the token.
    _assert_forbidden(client.get("/metrics", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR=OUTSIDER))


def test_bearer_token_opens_metrics_from_anywhere(client, settings):
    settings.METRICS_TOKEN = "scrape-secret-42"
    headers = {"Authorization": "Bearer scrape-secret-42"}
    _assert_exposition(client.get("/metrics", REMOTE_ADDR=OUTSIDER, headers=headers))
    _assert_exposition(
        client.get("/metrics", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR=OUTSIDER, headers=headers)
    )


def test_wrong_token_is_refused(client, settings):
    settings.METRICS_TOKEN = "scrape-secret-42"
    _assert_forbidden(client.get("/metrics", REMOTE_ADDR=OUTSIDER, headers={"Authorization": "Bearer nope"}))
    _assert_forbidden(
        client.get("/metrics", REMOTE_ADDR=OUTSIDER, headers={"Authorization": "scrape-secret-42"})
    )


def test_unset_token_opens_nothing(client):
    # An empty configured token must not match an empty presented one.
    _assert_forbidden(client.get("/metrics", REMOTE_ADDR=OUTSIDER, headers={"Authorization": "Bearer "}))
    _assert_forbidden(client.get("/metrics", REMOTE_ADDR=OUTSIDER, headers={"Authorization": "Bearer"}))
