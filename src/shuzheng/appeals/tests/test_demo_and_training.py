"""The demo loader (with a small synthetic history), the synthetic generator, training and statistics."""

from __future__ import annotations

import io
from collections import Counter

import pytest
from django.core.management import call_command

from shuzheng.appeals import classifier, demo
from shuzheng.appeals.constants import WorkOrderStatus
from shuzheng.appeals.demo import history, synthetic
from shuzheng.appeals.models import Appeal, Category, DispatchModel, KnowledgeArticle, WorkOrder
from shuzheng.appeals.selectors import stats as stats_selectors
from shuzheng.appeals.selectors import work_orders as work_order_selectors
from shuzheng.core.actors import SYSTEM
from shuzheng.identity import demo as identity_demo
from shuzheng.identity.models import AuditEvent, User
from shuzheng.orgs import demo as orgs_demo


def test_generator_is_synthetic_varied_and_reproducible():
    first = list(synthetic.generate(500, seed=1))
    assert [a.text for a in first] == [a.text for a in synthetic.generate(500, seed=1)]
    assert len({a.text for a in first}) > 450
    assert len({a.category for a in first}) > 40
    assert len({a.department for a in first}) >= 20
    assert Counter(a.channel for a in first).most_common(1)[0][0] == "hotline"
    assert "SYNTHETIC" in synthetic.__doc__
    assert len(synthetic.LEAVES) + len(synthetic.GROUPS) >= 40


@pytest.fixture
def small_demo(db, settings, tmp_path, monkeypatch):
    settings.DATA_DIR = tmp_path
    monkeypatch.setattr(demo, "HISTORICAL_COUNT", 1500)
    monkeypatch.setattr(history, "INDEXED_HISTORICAL", 200)
    classifier.forget()
    orgs_demo.load()
    identity_demo.load()
    result = demo.load()
    yield result
    classifier.forget()


def test_demo_loads_everything_and_twice_changes_nothing(small_demo):
    result = small_demo
    assert result["categories"] >= 40
    assert result["historical_appeals"] == 1500
    assert result["model_accuracy"] > 0.5
    assert result["baseline_accuracy"] is not None
    # reported beside the hold-out: the hand-written set, scored when the model was trained
    assert 0 < result["eval_accuracy"] <= 1
    assert 0 < result["eval_macro_f1"] <= 1
    assert {"dispatched", "return_requested", "handling", "supervised", "replied", "closed"} <= {
        state for state, n in result["states"].items() if n
    }
    assert {a.username for a in result["accounts"]} >= {"hotline01", "dispatch01", "cgj_handler"}
    assert KnowledgeArticle.objects.filter(status="published").count() >= 20
    counts = (
        Appeal.objects.count(),
        WorkOrder.objects.count(),
        AuditEvent.objects.count(),
        DispatchModel.objects.count(),
    )
    again = demo.load()
    assert again["historical_appeals"] == 1500
    assert (
        Appeal.objects.count(),
        WorkOrder.objects.count(),
        AuditEvent.objects.count(),
        DispatchModel.objects.count(),
    ) == counts
    # The demo dispatcher sees the manual queue; the 城管 handler only its own department's work orders.
    dispatcher = User.objects.get(username="dispatch01")
    assert work_order_selectors.dispatch_queue(user=dispatcher).items
    handler = User.objects.get(username="cgj_handler")
    for work_order in work_order_selectors.department_queue(user=handler).items:
        assert work_order.lead_department.path.startswith("/EP022/")
    stats = stats_selectors.appeal_stats(user=dispatcher)
    assert stats["total"] >= 1500
    assert 0.5 < stats["on_time_rate"] <= 1
    assert stats["satisfaction_rate"] > 0.5
    assert len(stats["by_town"]) >= 10
    assert stats["by_category"][0]["count"] > 0
    assert stats_selectors.hot_spots(user=dispatcher)
    assert stats_selectors.appeal_volume(
        user=dispatcher,
        since=Appeal.objects.earliest("received_at").received_at.date(),
        until=Appeal.objects.latest("received_at").received_at.date(),
    )
    # The grid worker of the identity demo got the appeals permissions through the shared role code.
    grid_worker = User.objects.get(username="grid01")
    assert grid_worker.has_perm("appeals.report_grid_event")


def test_fast_probabilities_match_scikit_learn(small_demo):
    import numpy as np

    from shuzheng.appeals.dispatching import duties
    from shuzheng.appeals.routing import active_dispatch_model

    active = active_dispatch_model()
    assert active is not None
    _, bundle = active
    texts = list(Appeal.objects.values_list("text", flat=True)[:50])
    features = bundle.vectorizer.transform(texts)
    assert np.allclose(bundle.department_proba(features), bundle.department_head.predict_proba(features))
    assert np.allclose(bundle.category_proba(features), bundle.category_head.predict_proba(features))
    resolved = {duties.resolve(str(c), None) or str(c) for c in bundle.department_head.classes_}
    assert bundle.predict(texts[0]).department in resolved


def test_train_dispatch_command_reports_model_and_baseline(small_demo):
    out = io.StringIO()
    call_command("train_dispatch", "--quiet", stdout=out)
    text = out.getvalue()
    assert "准确率" in text
    assert "关键词基线" in text
    assert DispatchModel.objects.filter(is_active=True).count() == 1
    active = DispatchModel.objects.get(is_active=True)
    assert active.report  # per-department accuracy on the synthetic hold-out
    assert active.threshold is not None
    assert active.evaluation["holdout"]["count"] == active.test_count
    assert "开发集" in text


def test_training_refuses_too_little_data(db, settings, tmp_path):
    from shuzheng.appeals.services.training import dispatch_model_train
    from shuzheng.core.errors import ValidationFailed

    settings.DATA_DIR = tmp_path
    with pytest.raises(ValidationFailed):
        dispatch_model_train(actor=SYSTEM)
    assert not Category.objects.exists()
    assert WorkOrderStatus.CLOSED == "closed"
