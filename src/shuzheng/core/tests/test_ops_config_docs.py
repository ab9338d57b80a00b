"""docs/configuration.md lists exactly the environment variables config/settings reads."""

from __future__ import annotations

import re

from django.conf import settings

SETTINGS_DIR = settings.SRC_DIR / "config" / "settings"
DOC = settings.BASE_DIR / "docs" / "configuration.md"
# env("X"), env.str("X"), env.bool("X", ...), env.db("X"), …
_READ = re.compile(r"""\benv(?:\.\w+)?\(\s*["']([A-Z][A-Z0-9_]*)["']""")
_DOCUMENTED = re.compile(r"^\|\s*`([A-Z][A-Z0-9_]*)`", re.MULTILINE)


def _read_in_settings() -> set[str]:
    return {name for path in SETTINGS_DIR.glob("*.py") for name in _READ.findall(path.read_text())}


def _documented() -> set[str]:
    text = DOC.read_text()
    settings_part = text.split("## Read outside", 1)[0]
    return set(_DOCUMENTED.findall(settings_part))


def test_the_scan_finds_variables():
    assert {"DATABASE_URL", "SHUZHENG_SECRET_KEY", "CELERY_BROKER_URL"} <= _read_in_settings()


def test_every_variable_read_is_documented():
    assert _read_in_settings() - _documented() == set()


def test_every_documented_variable_is_read():
    assert _documented() - _read_in_settings() == set()
