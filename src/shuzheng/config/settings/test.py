"""Test settings: fast hashing, eager tasks; DATABASE_URL chooses PostgreSQL when set."""

import os

from .base import *  # noqa: F403
from .base import CACHES, DATABASES

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # speed only in tests
CELERY_TASK_ALWAYS_EAGER = True
# Tests seal explicitly (identity.audit_seal.seal); no background sealing threads.
AUDIT_SEAL_AFTER_COMMIT = False
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    DATABASES["default"]["TEST"] = {
        "NAME": str(DATABASES["default"]["NAME"]).replace(".sqlite3", "-test.sqlite3")
    }
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
if DATABASES["default"]["ENGINE"].endswith("postgresql"):
    # Teardown of transactional tests flushes with TRUNCATE, which the audit-chain trigger
    # (identity 0003) refuses unless the connection opts in; UPDATE/DELETE stay refused.
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c shuzheng.audit_truncate=on"
# Tests log staff in with force_login; identity's own tests switch the TOTP second factor back on.
SHUZHENG_STAFF_OTP_REQUIRED = False
# Parallel test workers may share one Redis (REDIS_URL set): each keeps to its own keys.
CACHES["default"]["KEY_PREFIX"] = f"test-{os.environ.get('PYTEST_XDIST_WORKER', 'main')}"
