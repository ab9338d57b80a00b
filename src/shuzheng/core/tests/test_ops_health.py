"""/healthz and /readyz against the real database, a real Redis cache and real brokers."""

from __future__ import annotations

import socket

import pytest
from django.db import OperationalError, connections

REDIS_URL = "redis://127.0.0.1:6379/9"
DEAD_REDIS_URL = "redis://127.0.0.1:1/0"


def _listening(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(1)
        return sock.connect_ex(("127.0.0.1", port)) == 0


needs_redis = pytest.mark.skipif(not _listening(6379), reason="no Redis on 127.0.0.1:6379")
needs_rabbitmq = pytest.mark.skipif(not _listening(5672), reason="no RabbitMQ on 127.0.0.1:5672")


def _redis_cache(url: str) -> dict[str, dict[str, str]]:
    return {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": url}}


def test_healthz_answers_without_touching_the_database(client):
    # No django_db mark: any query would raise, so this proves liveness survives a database outage.
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert "no-cache" in response["Cache-Control"]
    assert response["X-Request-ID"]


@pytest.mark.django_db
def test_readyz_checks_database_and_cache(client, settings):
    settings.CELERY_BROKER_URL = ""
    response = client.get("/readyz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert set(body["checks"]) == {"database", "cache"}  # no broker configured, none checked
    for check in body["checks"].values():
        assert check["ok"] is True
        assert isinstance(check["ms"], float)


@pytest.mark.django_db
def test_readyz_fails_when_the_database_is_down(client, settings, monkeypatch):
    settings.CELERY_BROKER_URL = ""

    def refuse(*args, **kwargs):
        raise OperationalError("connection refused")

    monkeypatch.setattr(connections["default"], "cursor", refuse)
    response = client.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "fail"
    assert body["checks"]["database"] == {
        "ok": False,
        "ms": body["checks"]["database"]["ms"],
        "error": "OperationalError",
    }
    assert body["checks"]["cache"]["ok"] is True


@needs_redis
@pytest.mark.django_db
def test_readyz_with_redis_cache(client, settings):
    settings.CELERY_BROKER_URL = ""
    settings.CACHES = _redis_cache(REDIS_URL)
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json()["checks"]["cache"]["ok"] is True


@pytest.mark.django_db
def test_readyz_fails_when_the_cache_is_unreachable(client, settings):
    settings.CELERY_BROKER_URL = ""
    settings.CACHES = _redis_cache(DEAD_REDIS_URL)
    response = client.get("/readyz")
    assert response.status_code == 503
    checks = response.json()["checks"]
    assert checks["cache"]["ok"] is False
    assert checks["cache"]["error"]
    assert checks["database"]["ok"] is True


@needs_redis
@pytest.mark.django_db
def test_readyz_checks_a_redis_broker_when_configured(client, settings):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:6379/0"
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json()["checks"]["broker"]["ok"] is True


@needs_rabbitmq
@pytest.mark.django_db
def test_readyz_checks_a_rabbitmq_broker_when_configured(client, settings):
    settings.CELERY_BROKER_URL = "amqp://guest:guest@127.0.0.1:5672//"
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json()["checks"]["broker"]["ok"] is True


@pytest.mark.django_db
def test_readyz_names_a_broken_broker(client, settings):
    settings.CELERY_BROKER_URL = DEAD_REDIS_URL
    response = client.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "fail"
    assert body["checks"]["broker"]["ok"] is False
    assert body["checks"]["broker"]["error"] == "OperationalError"
    assert body["checks"]["broker"]["ms"] < 3000  # short timeout: a probe must not hang
    assert body["checks"]["database"]["ok"] is True
