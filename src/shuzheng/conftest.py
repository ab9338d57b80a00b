"""Fixtures shared by every context's tests."""

import pytest
from django.db import connection

from shuzheng.web.tests.browser import browser, open_as, page, screenshot_dir  # noqa: F401 - fixtures


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.AUDIT_ARCHIVE_DIR = tmp_path / "audit-archive"


@pytest.fixture
def drop_mounted_tables(transactional_db):
    """Transactional tests that load the data hub create physical tables that flush does not remove."""

    def drop() -> None:
        with connection.cursor() as cursor:
            for name in connection.introspection.table_names(cursor):
                if name.startswith("datahub_t_"):
                    cursor.execute(f"DROP TABLE {connection.ops.quote_name(name)}")

    drop()
    yield
    drop()
