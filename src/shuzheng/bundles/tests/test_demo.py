"""The 一件事 demo: ≥20 published bundles over the demo items (every one passes the publish checks),
idempotent, the demo applicant's application with its children, and generate-bundles."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from shuzheng.bundles import demo, selectors
from shuzheng.bundles.models import BundleApplication
from shuzheng.catalog import demo as catalog_demo
from shuzheng.identity import demo as identity_demo
from shuzheng.orgs import demo as orgs_demo

pytestmark = pytest.mark.django_db


def test_demo_bundles_and_synthetic_ones(db: Any, capsys: Any) -> None:
    orgs_demo.load()
    identity_demo.load()
    catalog_demo.load()
    result = demo.load()
    assert result["bundles"] >= 20
    assert result["published_bundles"] == result["bundles"]
    assert result["applications"] == 1
    themes = {v.theme for v in selectors.live_queryset()}
    assert {"birth", "death", "start", "permits", "build", "exit"} <= themes
    application = BundleApplication.objects.get(idempotency_key="demo-tuixiu")
    views = selectors.children_of(application)
    assert [v.case_status for v in views] == ["submitted"] * 3
    # every demo guide asks fewer fields than its items one by one
    for version in selectors.live_queryset():
        guide = selectors.guide(version)
        assert guide.fields_after < guide.fields_before, version.code
    again = demo.load()
    assert again["created"] == 0
    call_command("generate_bundles", "3")
    assert "已生成并发布3个" in capsys.readouterr().out
    assert selectors.published_bundle_count() == result["bundles"]  # synthetic ones do not count
    with pytest.raises(CommandError):
        call_command("generate_bundles", "0")
