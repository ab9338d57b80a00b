"""Quality rules per dimension on a table with planted bad rows: counts, samples, scores (both databases)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from shuzheng.core.errors import PermissionDenied, ValidationFailed
from shuzheng.datahub import quality, tables
from shuzheng.datahub.models import DataItem, Dimension, QualityResult, QualityRun, RuleKind
from shuzheng.datahub.tests.conftest import make_entry

pytestmark = pytest.mark.django_db

ITEMS: list[dict[str, Any]] = [
    {"name": "code", "label": "编码", "is_key": True},
    {"name": "status", "label": "状态"},
    {"name": "mobile", "label": "电话"},
    {"name": "age", "label": "年龄", "data_type": "integer"},
    {"name": "town", "label": "镇街编码"},
    {"name": "town_name", "label": "镇街名称"},
]
TOWNS = [{"code": "440785103", "name": "沙湖镇"}, {"code": "440785104", "name": "牛江镇"}]


@pytest.fixture
def tables_with_bad_rows(hub):
    towns = make_entry(
        hub,
        name="镇街",
        items=[{"name": "code", "label": "编码", "is_key": True}, {"name": "name", "label": "名称"}],
        rows=TOWNS,
    )
    rows = []
    for n in range(20):
        rows.append(
            {
                "code": f"C{n:03d}",
                "status": "有效",
                "mobile": f"138{n:08d}",
                "age": 30 + n,
                "town": "440785103",
                "town_name": "沙湖镇",
            }
        )
    rows[3]["code"] = None  # completeness
    rows[4]["status"] = "未知"  # enum
    rows[5]["mobile"] = "12345"  # pattern
    rows[6]["age"] = 200  # range
    rows[7]["town"] = "440785999"  # reference
    rows[8]["town_name"] = "牛江镇"  # cross-table mismatch
    rows[9]["code"] = "C010"  # duplicate of row 10
    main = make_entry(hub, name="主表", items=ITEMS, rows=rows)
    return main, towns


def _rule(hub, entry, kind, item=None, **params):
    item_obj = DataItem.objects.get(entry=entry, name=item) if item else None
    return quality.rule_create(actor=hub.admin, entry=entry, kind=kind, item=item_obj, params=params)


def _row_ids(entry, **where):
    model = tables.build_model(entry)
    return list(model.objects.filter(**where).values_list("_row_id", flat=True))


def test_each_dimension(hub, tables_with_bad_rows):
    main, towns = tables_with_bad_rows
    rules = {
        "not_null": _rule(hub, main, RuleKind.NOT_NULL, "code"),
        "enum": _rule(hub, main, RuleKind.ENUM, "status", values=["有效", "注销"]),
        "pattern": _rule(hub, main, RuleKind.PATTERN, "mobile", pattern=r"^1[3-9][0-9]{9}$"),
        "type": _rule(hub, main, RuleKind.TYPE, "mobile", type="mobile"),
        "range": _rule(hub, main, RuleKind.RANGE, "age", min=0, max=150),
        "reference": _rule(hub, main, RuleKind.REFERENCE, "town", ref_entry=towns.code, ref_field="code"),
        "unique": _rule(hub, main, RuleKind.UNIQUE, "code"),
        "cross": _rule(
            hub,
            main,
            RuleKind.CROSS_MATCH,
            "town_name",
            ref_entry=towns.code,
            ref_field="name",
            key="town",
            ref_key="code",
        ),
        "fresh": _rule(hub, main, RuleKind.FRESHNESS),
        "accessible": _rule(hub, main, RuleKind.ACCESSIBLE),
    }
    run = quality.run(actor=hub.admin, entries=[main])
    results = {r.rule_id: r for r in QualityResult.objects.filter(run=run)}
    got = {name: (results[rule.pk].checked, results[rule.pk].failed) for name, rule in rules.items()}
    assert got == {
        "not_null": (20, 1),
        "enum": (20, 1),
        "pattern": (20, 1),
        "type": (20, 1),
        "range": (20, 1),
        "reference": (20, 1),
        "unique": (20, 2),
        "cross": (20, 1),
        "fresh": (1, 0),
        "accessible": (1, 0),
    }
    assert results[rules["not_null"].pk].sample == _row_ids(main, code__isnull=True)
    assert results[rules["unique"].pk].sample == sorted(_row_ids(main, code="C010"))
    assert results[rules["reference"].pk].sample == _row_ids(main, town="440785999")
    assert all(not r.error for r in results.values())
    score = run.scores[str(main.pk)]
    assert score["dimensions"][Dimension.COMPLETENESS] == 95.0
    assert score["dimensions"][Dimension.TIMELINESS] == 100.0
    assert score["dimensions"][Dimension.CONSISTENCY] == pytest.approx((90 + 95) / 2)
    conformity = (95 + 95 + 95) / 3
    accuracy = 95.0
    expected = (0.2 * conformity + 0.2 * 95 + 0.2 * accuracy + 0.2 * 92.5 + 0.1 * 100 + 0.1 * 100) / 1.0
    assert score["score"] == pytest.approx(expected, abs=0.01)


def test_rules_run_as_few_sql_statements(hub, tables_with_bad_rows):
    main, _towns = tables_with_bad_rows
    _rule(hub, main, RuleKind.NOT_NULL, "code")
    with CaptureQueriesContext(connection) as captured:
        quality.run(actor=hub.admin, entries=[main])
    selects = [q["sql"] for q in captured.captured_queries if f"datahub_t_{main.pk}" in q["sql"]]
    assert len(selects) == 3  # COUNT(*), COUNT failing, sample
    assert all("COUNT" in s or "LIMIT 10" in s for s in selects)


def test_stale_data_fails_freshness(hub, tables_with_bad_rows):
    main, _towns = tables_with_bad_rows
    rule = _rule(hub, main, RuleKind.FRESHNESS, max_age_days=1)
    tables.build_model(main).objects.update(_loaded_at=timezone.now() - timedelta(days=5))
    run = quality.run(actor=hub.admin, entries=[main])
    assert QualityResult.objects.get(run=run, rule=rule).failed == 1


@pytest.mark.parametrize(
    ("kind", "item", "params", "field"),
    [
        (RuleKind.PATTERN, "mobile", {"pattern": "(?=x)"}, "params.pattern"),
        (RuleKind.PATTERN, "mobile", {"pattern": "(a"}, "params.pattern"),
        (RuleKind.PATTERN, "mobile", {"pattern": "x" * 300}, "params.pattern"),
        (RuleKind.ENUM, "status", {"values": []}, "params.values"),
        (RuleKind.RANGE, "age", {}, "params.min"),
        (RuleKind.REFERENCE, "town", {"ref_entry": "NOPE", "ref_field": "code"}, "params.ref_entry"),
        (RuleKind.NOT_NULL, None, {}, "item"),
        (RuleKind.TYPE, "age", {"type": "integer"}, "item"),
    ],
)
def test_bad_rules_refused(hub, tables_with_bad_rows, kind, item, params, field):
    main, _towns = tables_with_bad_rows
    with pytest.raises(ValidationFailed) as info:
        _rule(hub, main, kind, item, **params)
    assert info.value.errors[0]["field"] == field


def test_a_broken_rule_is_recorded_not_fatal(hub, tables_with_bad_rows):
    main, _towns = tables_with_bad_rows
    rule = _rule(hub, main, RuleKind.NOT_NULL, "code")
    ok = _rule(hub, main, RuleKind.ACCESSIBLE)
    with connection.cursor() as cursor:
        cursor.execute(f"ALTER TABLE {tables.quote(main.mount_table)} RENAME TO datahub_t_999999")
    run = quality.run(actor=hub.admin, entries=[main])
    assert QualityResult.objects.get(run=run, rule=rule).error
    assert QualityResult.objects.get(run=run, rule=ok).error
    assert run.scores[str(main.pk)]["score"] == 0.0


def test_stewards_run_their_own_entries_rules_only(hub, tables_with_bad_rows):
    """A run over everything is the data administration's; the provider's steward may run an entry."""
    main, _towns = tables_with_bad_rows
    _rule(hub, main, RuleKind.NOT_NULL, "code")
    run = quality.run(actor=hub.steward, entries=[main])
    assert run.rule_count == 1
    with pytest.raises(PermissionDenied):
        quality.run(actor=hub.steward)
    with pytest.raises(PermissionDenied):
        quality.run(actor=hub.consumer_user, entries=[main])
    assert QualityRun.objects.count() == 1


def test_range_bounds_must_fit_the_column(hub, tables_with_bad_rows):
    """Checked by the service, so the API refuses what the workbench form refuses."""
    main, _towns = tables_with_bad_rows
    with pytest.raises(ValidationFailed) as caught:
        _rule(hub, main, RuleKind.RANGE, "age", min="abc")
    assert caught.value.errors[0]["field"] == "params.min"
    assert not main.quality_rules.exists()
