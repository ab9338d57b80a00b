"""Enping demo catalog: counts, three levels, ≥20 departments, consistent items, idempotent loading."""

from __future__ import annotations

import time
from collections import Counter
from typing import Any

import pytest

from shuzheng.catalog import demo, rules, selectors
from shuzheng.catalog.constants import SEARCH_DOC_TYPE, VersionStatus
from shuzheng.catalog.models import ServiceItem, ServiceItemVersion
from shuzheng.core import fulltext
from shuzheng.orgs import demo as orgs_demo

pytestmark = pytest.mark.django_db


def test_demo_catalog(db: Any) -> None:
    orgs_demo.load()
    started = time.perf_counter()
    result = demo.load()
    elapsed = time.perf_counter() - started
    assert elapsed < 30  # bulk inserts: about 1.5 s on SQLite
    assert result["items"] >= 150
    assert result["created"] == result["items"]
    assert result["item_departments"] >= 20
    live = ServiceItemVersion.objects.filter(status=VersionStatus.PUBLISHED)
    assert set(live.values_list("level", flat=True)) == {"city", "town", "village"}
    assert live.count() == result["items"] == result["live_items"]
    for version in live.prefetch_related("materials", "steps"):
        assert version.statutory_limit_days >= version.promised_limit_days
        assert 2 <= version.materials.count() <= 6, version.name
        assert 1 <= version.steps.count() <= 3
        assert rules.publish_problems(version) == []
        if version.high_frequency:
            assert version.exemptions_complete, version.name
    assert Counter(live.values_list("onsite_visits", flat=True))[2] < 5
    # a draft under review leaves its live version public
    food = live.get(name="食品经营许可")
    assert food.item.versions.filter(status=VersionStatus.DRAFT).exists()
    assert selectors.guide_get(food.code).pk == food.pk
    # search
    individual = live.get(name="个体工商户设立登记").code
    assert fulltext.search(SEARCH_DOC_TYPE, "营业执照")[0] == individual
    assert fulltext.search(SEARCH_DOC_TYPE, "个体户")[0] == individual
    assert fulltext.search(SEARCH_DOC_TYPE, "食品经营")[0] == food.code
    names = dict(live.values_list("code", "name"))
    assert names[fulltext.search(SEARCH_DOC_TYPE, "身份证")[0]] == "居民身份证换领"
    assert names[fulltext.search(SEARCH_DOC_TYPE, "低保")[0]] == "最低生活保障申请（低保申请）"

    again = demo.load()
    assert again["created"] == 0
    assert again["items"] == result["items"]
    assert ServiceItem.objects.count() == result["items"]


def test_generate_items_is_bulk_synthetic_and_continues_numbering(db: Any, capsys: Any) -> None:
    from django.core.management import CommandError, call_command

    with pytest.raises(CommandError, match="load-demo"):
        call_command("generate_items", "5", "--quiet")
    orgs_demo.load()
    call_command("generate_items", "30", "--quiet")
    call_command("generate_items", "10", "--quiet")
    assert "已生成 10 个合成事项" in capsys.readouterr().out
    synthetic = ServiceItemVersion.objects.filter(code__startswith="SYN")
    assert synthetic.count() == 40
    assert synthetic.filter(status=VersionStatus.PUBLISHED).count() == 40
    assert all(name.endswith("（压测）") for name in synthetic.values_list("name", flat=True))
    assert ServiceItem.objects.filter(code="SYN0000040", live_version__isnull=False).exists()
    assert fulltext.search(SEARCH_DOC_TYPE, "压测", limit=100).__len__() == 40
    assert selectors.guide_get("SYN0000001").materials.exists()
    with pytest.raises(CommandError):
        call_command("generate_items", "0", "--quiet")
