"""Uploaded files go to the filesystem by default and to S3-compatible storage when a bucket is set."""

from __future__ import annotations

import runpy
from typing import Any

import pytest
from django.conf import settings

BASE = settings.SRC_DIR / "config" / "settings" / "base.py"


def _load(monkeypatch: pytest.MonkeyPatch, **env: str) -> dict[str, Any]:
    for name in ("SHUZHENG_S3_BUCKET", "SHUZHENG_S3_ENDPOINT_URL", "SHUZHENG_S3_ACCESS_KEY_ID"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(BASE))


def test_filesystem_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    loaded = _load(monkeypatch)
    assert loaded["STORAGES"]["default"]["BACKEND"] == "django.core.files.storage.FileSystemStorage"


def test_s3_when_a_bucket_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    loaded = _load(
        monkeypatch,
        SHUZHENG_S3_BUCKET="shuzheng-files",
        SHUZHENG_S3_ENDPOINT_URL="http://minio.internal:9000",
        SHUZHENG_S3_ACCESS_KEY_ID="AKEXAMPLE",
        SHUZHENG_S3_SECRET_ACCESS_KEY="secret-example",
    )
    storage = loaded["STORAGES"]["default"]
    assert storage["BACKEND"] == "storages.backends.s3.S3Storage"
    assert storage["OPTIONS"]["bucket_name"] == "shuzheng-files"
    assert storage["OPTIONS"]["endpoint_url"] == "http://minio.internal:9000"
    assert storage["OPTIONS"]["access_key"] == "AKEXAMPLE"
    from storages.backends.s3 import S3Storage

    backend = S3Storage(**storage["OPTIONS"])
    assert backend.bucket_name == "shuzheng-files"
    assert loaded["SHUZHENG_MAX_UPLOAD_BYTES"] == 20 * 1024 * 1024
