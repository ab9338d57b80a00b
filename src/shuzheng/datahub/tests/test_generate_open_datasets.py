"""`shuzheng generate-open-datasets N`: synthetic open datasets for the bench — resumable, idempotent,
searchable, deterministic; bad input is a clear error."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from shuzheng.datahub.demo.open_datasets import synthetic
from shuzheng.datahub.models import CatalogEntry, OpenDataset, OpenResource
from shuzheng.datahub.selectors import open_data as open_data_selectors

pytestmark = pytest.mark.django_db


def run(count: int) -> str:
    out = StringIO()
    call_command("generate_open_datasets", count, quiet=True, stdout=out)
    return out.getvalue()


def test_generates_resumes_and_is_searchable(hub):
    assert "新增 12 个" in run(12)
    generated = OpenDataset.objects.filter(name__startswith="gen-")
    assert generated.count() == 12
    assert (
        CatalogEntry.objects.filter(code__startswith="GEN-", openness="open", status="published").count()
        == 12
    )
    first = generated.get(name="gen-000001")
    assert first.state == OpenDataset.State.ACTIVE
    assert first.department_id in {hub.provider.pk, hub.consumer.pk, hub.admin_dept.pk}
    assert first.topics.count() == 1
    assert 2 <= first.tags.count() <= 5
    assert set(OpenResource.objects.filter(dataset=first).values_list("format", flat=True)) <= {
        "CSV",
        "XLSX",
        "JSON",
    }
    # the portal / CKAN search finds it by its Chinese title
    assert first in open_data_selectors.open_dataset_list(q=first.title, limit=100).items
    # rerun: nothing new; a larger target adds only the missing ones, same content for the same number
    assert "无需扩充" in run(12)
    assert "新增 3 个" in run(15)
    assert generated.count() == 15
    again = synthetic(1, [first.department])
    assert again["name"] == "gen-000001"
    assert synthetic(1, [first.department]) == again


@pytest.mark.parametrize("count", [0, -5, 2_000_000])
def test_bad_counts_are_refused(hub, count):
    with pytest.raises(CommandError, match="数量应在"):
        run(count)
    assert not OpenDataset.objects.exists()


def test_needs_departments(db):
    with pytest.raises(CommandError, match="没有部门"):
        run(3)
