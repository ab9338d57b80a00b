"""The dispatch router (issue 13): colloquial normalisation, duties as data, town resolution, bad input
never dispatched automatically, the preview API, corrections as labelled examples, activation only
when not worse, and the evaluation command."""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone

from shuzheng.appeals import classifier, routing
from shuzheng.appeals.demo import synthetic
from shuzheng.appeals.dispatching import duties, evaluation, router
from shuzheng.appeals.dispatching.normalise import normalise
from shuzheng.appeals.dispatching.training import DEV_SET
from shuzheng.appeals.models import Appeal, DispatchDecision, DispatchModel
from shuzheng.appeals.services.dispatch import appeal_dispatch
from shuzheng.appeals.services.training import _decide, dispatch_model_train
from shuzheng.appeals.tests.conftest import World, intake
from shuzheng.appeals.tests.factories import AppealFactory
from shuzheng.core.actors import SYSTEM
from shuzheng.orgs.tests.factories import DepartmentFactory

BASE = "/api/v1/appeals"


def test_cantonese_is_normalised_before_features():
    assert (
        normalise("我哋喺沙湖，琴日開始冇水，水喉爆咗，佢哋唔理")
        == "我们在沙湖，昨天开始没有水，水管爆了，他们不理"
    )
    assert normalise("士多门口有泥头车") == "小卖部门口有渣土车"
    # a key mapped to itself protects the longer word: 蚊子 stays, 五十蚊 is money
    assert normalise("好多蚊子，收咗五十蚊") == "很多蚊子，收了五十元"


def test_duties_cover_every_member_unit_and_town_labels_resolve_by_town():
    labels = {t.label for t in duties.targets()}
    assert {"EP033", "EP034", "EP035", "EP036", "EP037", "EP038", "EP039", duties.TOWN} <= labels
    assert "EP022@属地" in labels
    assert duties.town_code("沙湖") == duties.town_code("440785103201") == "440785103"
    assert duties.town_code("台山") is None
    assert duties.resolve("属地", "440785103") == "EP440785103"
    assert duties.resolve("属地", None) is None
    assert duties.resolve("EP022@属地", "440785103") == "EP440785103"
    assert duties.resolve("EP022@属地", duties.area().urban_town) == "EP022"
    assert duties.training_label("EP440785104", "CR01", {"CR01": "EP022"}) == "EP022@属地"
    assert duties.training_label("EP440785104", "LD01", {"CR01": "EP022"}) == duties.TOWN


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", router.REASON_EMPTY),
        ("   ", router.REASON_EMPTY),
        ("水", router.REASON_SHORT),
        ("😡😡😡🔥🔥", router.REASON_SHORT),
        ("停水" * 5000, router.REASON_LONG),
        ("The water pipe 外面水管爆了 outside my house since yesterday please help", router.REASON_SCRIPT),
    ],
)
def test_bad_input_is_never_automatic(text, reason):
    assert router.input_problem(text) == reason


def test_calibration_picks_the_lowest_threshold_with_95_percent_precision():
    probabilities = [0.9, 0.8, 0.7, 0.6, 0.5, 0.4]
    correct = [True, True, True, True, False, False]
    assert evaluation.calibrate(probabilities, correct, [True] * 6) == 0.6
    assert evaluation.calibrate([0.9, 0.8], [False, False], [True, True]) == 1.0


def _fit_small() -> router.Router:
    texts, labels, categories = [], [], []
    local = {"CR01": "EP022"}
    for item in synthetic.generate(800, seed=3):
        if item.category in ("CR01", "LD01"):
            texts.append(item.text)
            labels.append(duties.training_label(item.department, item.category, local))
            categories.append(item.category)
    return router.fit(version="t", texts=texts, labels=labels, categories=categories, know=router.knowledge())


def test_phrasing_never_in_history_lands_by_duty_and_local_matters_by_town():
    model = _fit_small()  # history knows only garbage and unpaid wages
    water = model.route("我哋成条街由今朝开始冇水，水喉爆咗都冇人理", "沙湖镇")
    assert water.department == "EP033"
    village = model.route("村干部私分集体土地补偿款，村务从来不公开", "440785104")
    assert village.department == "EP440785104"
    nowhere = model.route("村干部私分集体土地补偿款，村务从来不公开", None)
    assert nowhere.department is None
    assert not nowhere.automatic
    assert nowhere.reason == router.REASON_TOWN
    garbage = "村口垃圾池好几天没有清理，臭气熏天"
    assert model.route(garbage, "沙湖镇").department == "EP440785103"
    assert model.route(garbage, "恩城街道").department == "EP022"
    model.threshold = 0.0
    for text in ("", "水", "😡😡😡", "停水" * 5000, "My water pipe 爆了 since yesterday please help now"):
        route = model.route(text, "沙湖镇")
        assert not route.automatic
        assert route.reason


@pytest.fixture
def trained(world: World, settings: Any, tmp_path: Path) -> Any:
    settings.DATA_DIR = tmp_path
    classifier.forget()
    DepartmentFactory.create(code="EP033", name="恩平市供水有限公司", division=world.city)
    now = timezone.now()
    rows = []
    for item in synthetic.generate(1500, seed=5):
        if item.category == "CR01" and item.town == synthetic.URBAN_TOWN:
            rows.append((item.text, world.cgj, world.garbage))
        elif item.category == "LD01":
            rows.append((item.text, world.rsj, world.wages))
    Appeal.objects.bulk_create(
        AppealFactory.build(text=t, division=world.city, category=c, department=d, received_at=now)
        for t, d, c in rows
    )
    model = dispatch_model_train(actor=SYSTEM)
    yield model
    classifier.forget()


def _preview(user: Any, payload: Any, raw: str | None = None) -> Any:
    client = Client()
    client.force_login(user)
    body = raw if raw is not None else json.dumps(payload)
    return client.post(f"{BASE}/dispatch-preview", data=body, content_type="application/json")


def test_training_stores_threshold_and_comparison(trained: DispatchModel):
    assert trained.is_active
    assert trained.threshold is not None
    assert 0 < trained.threshold <= 1
    assert trained.evaluation["decision"]
    assert trained.evaluation["dev"]["count"] >= 150


def test_dispatch_preview_answers_without_writing(world: World, trained: DispatchModel):
    before = (Appeal.objects.count(), DispatchDecision.objects.count())
    response = _preview(world.dispatcher, {"text": "水喉爆咗，成条街冇水，已经一日", "town": "沙湖镇"})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["department_code"] == "EP033"
    assert body["department"] == "恩平市供水有限公司"
    assert body["model_version"] == trained.version
    assert body["top"][0]["department_code"] == "EP033"
    assert body["automatic"] == (body["probability"] >= trained.threshold)
    assert (Appeal.objects.count(), DispatchDecision.objects.count()) == before


@pytest.mark.parametrize(
    "text",
    [
        "",
        "水",
        "😡😡😡🔥🔥🙏",
        "停水" * 5000,
        "The water pipe outside 我家 burst yesterday, нет воды, please fix ASAP",
    ],
)
def test_dispatch_preview_bad_text_goes_to_the_manual_queue(world: World, trained: DispatchModel, text: str):
    response = _preview(world.dispatcher, {"text": text, "town": "440785103"})
    assert response.status_code == 200
    body = response.json()
    assert body["automatic"] is False
    assert body["reason"]


@pytest.mark.parametrize(
    ("payload", "raw", "status"),
    [
        (None, '{"text": ', 400),
        ({"text": "停水", "colour": "red"}, None, 422),
        ({"text": "停水了", "town": "台山"}, None, 422),
        ({"text": "停水了", "appeal_type": "gossip"}, None, 422),
        ({"text": "字" * 20001}, None, 422),
    ],
)
def test_dispatch_preview_malformed_requests_are_refused(
    world: World, trained: DispatchModel, payload: Any, raw: str | None, status: int
):
    response = _preview(world.dispatcher, payload, raw)
    assert response.status_code == status
    assert response["Content-Type"].startswith("application/problem+json")


def test_dispatch_preview_needs_the_rule_test_permission(world: World, trained: DispatchModel):
    assert _preview(world.citizen, {"text": "停水了一整天"}).status_code == 403
    assert _preview(world.rsj_handler, {"text": "停水了一整天"}).status_code == 403
    assert Client().post(
        f"{BASE}/dispatch-preview", data="{}", content_type="application/json"
    ).status_code in (
        401,
        403,
    )


def test_dispatch_preview_without_a_model_is_manual(world: World):
    response = _preview(world.dispatcher, {"text": "家里停水一整天了没人管"})
    assert response.status_code == 200
    assert response.json()["automatic"] is False
    assert response.json()["reason"] == "暂无启用中的派单模型"


def test_manual_dispatch_becomes_a_labelled_example(world: World):
    appeal = intake(world, text="门口的路灯坏了好几个晚上", division_code=world.village.code)
    appeal_dispatch(actor=world.dispatcher, appeal=appeal, department=world.town_gov)
    examples = routing.dispatch_corrections()
    assert [(d, town) for _t, d, town, _at in examples] == [("EP440785103", "440785103")]
    assert "路灯" in examples[0][0]


def test_a_new_version_is_activated_only_when_not_worse():
    def score(accuracy: float) -> evaluation.Score:
        return evaluation.Score("x", 10, accuracy, accuracy, accuracy, None, 0.5, 0.5)

    assert _decide({"eval": score(0.8)}, None)[0]
    assert _decide(
        {"eval": score(0.8), "corrections": score(0.7)}, {"eval": score(0.8), "corrections": score(0.7)}
    )[0]
    refused, note = _decide(
        {"eval": score(0.79), "corrections": score(0.9)}, {"eval": score(0.8), "corrections": score(0.7)}
    )
    assert not refused
    assert "独立评估集" in note


def test_evaluate_dispatch_command_reports_every_component(trained: DispatchModel, tmp_path: Path):
    out = StringIO()
    call_command("evaluate_dispatch", "--set", str(DEV_SET), "--user", "dispatcher", stdout=out)
    text = out.getvalue()
    for label in (
        "关键词基线",
        "文本分类器",
        "职责检索",
        "组合路由",
        "分部门准确率",
        "单条派单耗时",
        "precision@3",
    ):
        assert label in text
    out = StringIO()
    call_command("evaluate_dispatch", "--set", str(DEV_SET), "--json", "--user", "", stdout=out)
    result = json.loads(out.getvalue())
    assert set(result["components"]) == {"keywords", "classifier", "retrieval", "combined"}
    assert result["latency_ms"]["p50"] > 0
    with pytest.raises(CommandError, match="评估集不存在"):
        call_command("evaluate_dispatch", "--set", str(tmp_path / "none.jsonl"))
    broken = tmp_path / "broken.jsonl"
    broken.write_text('{"text": "停水"}\n', encoding="utf-8")
    with pytest.raises(CommandError, match="第 1 行"):
        call_command("evaluate_dispatch", "--set", str(broken))


def test_models_page_compares_versions(world: World, trained: DispatchModel):
    client = Client()
    client.force_login(world.dispatcher)
    page = client.get("/workbench/appeals/models/")
    assert page.status_code == 200
    html = page.content.decode()
    assert trained.version in html
    assert "开发集" in html
    assert "当前使用" in html
    assert trained.evaluation["decision"] in html
    refused = Client()
    refused.force_login(world.rsj_handler)
    assert refused.get("/workbench/appeals/models/").status_code == 403


def test_manual_queue_shows_the_reason(world: World, trained: DispatchModel):
    appeal = intake(world, text="水管坏", division_code=world.village.code)
    assert appeal.work_order is None
    assert appeal.dispatch_suggestions[0]["reason"] == router.REASON_SHORT
    client = Client()
    client.force_login(world.dispatcher)
    page = client.get(f"/workbench/appeals/{appeal.pk}/").content.decode()
    assert f"转人工原因：{router.REASON_SHORT}" in page
    queue = client.get("/workbench/appeals/dispatch/").content.decode()
    assert f"转人工原因：{router.REASON_SHORT}" in queue
