"""The JSON API: bad input is problem+json and writes nothing; scopes hold; the main flows work."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from shuzheng.appeals.models import Appeal, KnowledgeArticle
from shuzheng.appeals.routing import routing_rule_match
from shuzheng.appeals.services.dispatch import appeal_dispatch
from shuzheng.appeals.services.knowledge import (
    knowledge_article_create,
    knowledge_article_review,
    knowledge_article_submit,
)
from shuzheng.appeals.tests.conftest import intake
from shuzheng.appeals.tests.factories import KnowledgeArticleFactory, RoutingRuleFactory
from shuzheng.identity.models import AuditEvent

BASE = "/api/v1/appeals"


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def post(client: Client, path: str, data=None, raw: str | None = None):
    body = raw if raw is not None else json.dumps(data or {})
    return client.post(f"{BASE}{path}", data=body, content_type="application/json")


GOOD = {
    "appeal_type": "complaint",
    "text": "沙湖镇村口垃圾没人清运",
    "division_code": "440785103201",
    "reporter_phone": "13707500009",
    "reporter_name": "黄伟强",
}


@pytest.mark.parametrize(
    ("raw", "status"),
    [
        ('{"appeal_type": "complaint", "text": ', 400),
        (json.dumps({**GOOD, "colour": "red"}), 422),
        (json.dumps({**GOOD, "text": "字" * 20000}), 422),
        (json.dumps({**GOOD, "division_code": "440781"}), 422),
        (json.dumps({**GOOD, "category_code": "NOPE"}), 422),
        (json.dumps({**GOOD, "latitude": 40.0, "longitude": 116.4}), 422),
        (json.dumps({**GOOD, "appeal_type": "gossip"}), 422),
    ],
)
def test_bad_input_is_problem_json_and_writes_nothing(world, raw, status):
    events = AuditEvent.objects.count()
    response = post(client_for(world.agent), "/appeals", raw=raw)
    assert response.status_code == status
    assert response["Content-Type"].startswith("application/problem+json")
    body = response.json()
    assert body["detail"]
    assert not body["detail"].isascii()
    assert Appeal.objects.count() == 0
    assert AuditEvent.objects.count() == events


def test_create_and_read_masks_the_reporter(world):
    client = client_for(world.agent)
    response = post(client, "/appeals", GOOD)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["reporter"] == {"name": "黄*强", "phone": "137****0009", "masked": True}
    assert body["status"] == "pending_dispatch"
    assert body["sla"]["state"] in {"normal", "warning"}
    assert client.get(f"{BASE}/appeals/{body['id']}").status_code == 200
    listing = client.get(f"{BASE}/appeals").json()
    assert [a["id"] for a in listing["items"]] == [body["id"]]


def test_anonymous_request_is_refused(world):
    response = Client().get(f"{BASE}/appeals")
    assert response.status_code == 401


def test_dispatch_then_department_actions_and_boundaries(world, django_assert_max_num_queries):
    appeal = intake(world)
    centre = client_for(world.dispatcher)
    response = post(centre, f"/appeals/{appeal.pk}/dispatch", {"department_id": world.cgj.pk})
    assert response.status_code == 201, response.content
    wo_id = response.json()["id"]
    other = client_for(world.rsj_handler)
    assert other.get(f"{BASE}/work-orders/{wo_id}").status_code == 404
    assert post(other, f"/work-orders/{wo_id}/accept", {}).status_code == 404
    handler = client_for(world.cgj_handler)
    refused = post(handler, f"/work-orders/{wo_id}/return", {"reason": ""})
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "reason"
    accepted = post(handler, f"/work-orders/{wo_id}/accept", {"version": 0})
    assert accepted.status_code == 200
    assert accepted.json()["status"] == "handling"
    stale = post(handler, f"/work-orders/{wo_id}/reply", {"reply_text": "已处理", "version": 0})
    assert stale.status_code == 409
    replied = post(handler, f"/work-orders/{wo_id}/reply", {"reply_text": "已处理", "version": 1})
    assert replied.json()["status"] == "replied"
    close = post(centre, f"/work-orders/{wo_id}/close", {})
    assert close.status_code == 422
    assert close.json()["code"] == "visit_required"
    visited = post(centre, f"/work-orders/{wo_id}/visit", {"result": "satisfied"})
    assert visited.json()["status"] == "closed"
    assert [e["action"] for e in visited.json()["events"]] == [
        "dispatch",
        "accept",
        "reply",
        "visit_satisfied",
    ]
    for _ in range(3):
        appeal_dispatch(actor=world.dispatcher, appeal=intake(world), department=world.cgj)
    with django_assert_max_num_queries(12):
        queue = handler.get(f"{BASE}/queues/department")
    assert queue.status_code == 200
    assert len(queue.json()["items"]) == 3


def test_queue_endpoints_answer(world):
    centre = client_for(world.dispatcher)
    for path in (
        "/queues/dispatch",
        "/queues/returns",
        "/queues/extensions",
        "/queues/visits",
        "/work-orders",
        "/stats",
        "/categories",
    ):
        assert centre.get(f"{BASE}{path}").status_code == 200, path
    assert client_for(world.cgj_handler).get(f"{BASE}/queues/dispatch").json()["items"] == []
    assert client_for(world.cgj_handler).get(f"{BASE}/stats").status_code == 403
    assert centre.get(f"{BASE}/queues/dispatch?cursor=%%%bad").status_code == 400


def test_rule_test_endpoint(world):
    routing_rule_match  # noqa: B018 - the endpoint calls it

    RoutingRuleFactory.create(position=1, name="欠薪", keywords="欠薪", lead_department=world.rsj)
    response = post(
        client_for(world.dispatcher), "/rules/test", {"text": "公司欠薪", "division_code": "440785103"}
    )
    assert response.status_code == 200
    assert response.json()["rule_name"] == "欠薪"
    assert response.json()["would_auto_dispatch"]
    assert post(client_for(world.dispatcher), "/rules/test", {"text": "x", "bogus": 1}).status_code == 422


def test_kb_review_before_publish_and_search(world):
    editor, reviewer = client_for(world.editor), client_for(world.reviewer)
    created = post(
        editor,
        "/kb",
        {
            "question": "身份证丢了怎么补办？",
            "answer": "到派出所户籍窗口补领，可办临时身份证。",
            "keywords": "身份证,补办",
            "category_code": world.consult.code,
        },
    )
    assert created.status_code == 201, created.content
    article_id = created.json()["id"]
    assert client_for(world.agent).get(f"{BASE}/kb/search", {"q": "身份证补办"}).json() == []
    assert (
        post(editor, f"/kb/{article_id}/review", {"approve": True}).status_code == 403
    )  # no review permission
    assert post(editor, f"/kb/{article_id}/submit").json()["status"] == "in_review"
    published = post(reviewer, f"/kb/{article_id}/review", {"approve": True})
    assert published.json()["status"] == "published"
    found = client_for(world.agent).get(f"{BASE}/kb/search", {"q": "身份证补办"}).json()
    assert [a["id"] for a in found] == [article_id]
    assist = client_for(world.agent).get(f"{BASE}/intake-assist", {"text": "我的身份证丢了"}).json()
    assert [a["id"] for a in assist["articles"]] == [article_id]
    # A KB answer concludes an inquiry and counts as KB-answered.
    answered = post(
        client_for(world.agent),
        "/appeals",
        {**GOOD, "appeal_type": "consult", "text": "身份证丢了怎么办", "knowledge_article_id": article_id},
    )
    assert answered.json()["conclusion"] == "knowledge_base"
    assert KnowledgeArticle.objects.get(pk=article_id).use_count == 1
    stats = client_for(world.dispatcher).get(f"{BASE}/stats").json()
    assert stats["kb_answered_rate"] == 1.0
    # Editing a published article takes it out of search until reviewed again; versions are kept.
    updated = client_for(world.reviewer).put(
        f"{BASE}/kb/{article_id}",
        data=json.dumps({"question": "身份证丢失补办", "answer": "新口径"}),
        content_type="application/json",
    )
    assert updated.json()["status"] == "draft"
    assert updated.json()["version"] == 2
    assert client_for(world.agent).get(f"{BASE}/kb/search", {"q": "身份证"}).json() == []
    assert KnowledgeArticle.objects.get(pk=article_id).versions.count() == 4


def test_reviewer_cannot_publish_own_submission(world):
    from shuzheng.core.errors import PermissionDenied

    article = knowledge_article_create(actor=world.reviewer, question="问", answer="答") if False else None
    del article
    article = KnowledgeArticleFactory.create(question="问题", answer="答复")
    knowledge_article_submit(actor=world.reviewer, article=article)
    with pytest.raises(PermissionDenied):
        knowledge_article_review(actor=world.reviewer, article=article, approve=True)


def test_citizen_files_and_follows_own_appeal(world):
    citizen = client_for(world.citizen)
    response = post(
        citizen,
        "/mine",
        {"appeal_type": "suggestion", "text": "建议村口增设路灯", "division_code": "440785103201"},
    )
    assert response.status_code == 201, response.content
    appeal_id = response.json()["id"]
    assert [a["id"] for a in citizen.get(f"{BASE}/mine").json()["items"]] == [appeal_id]
    assert citizen.get(f"{BASE}/appeals/{appeal_id}").status_code in (403, 404)
    staff_filing = {"appeal_type": "suggestion", "text": "建议", "division_code": "440785103201"}
    assert post(client_for(world.agent), "/mine", staff_filing).status_code == 403


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("post", "/appeals", {**GOOD, "text": "含有\x00空字符的诉求"}),
        ("post", "/appeals", {**GOOD, "latitude": "NaN", "longitude": 112.3}),
        ("post", "/appeals", {**GOOD, "division_code": "4" * 50}),
        ("post", "/appeals/999999/dispatch", {"department_id": 1}),
        ("post", "/appeals/1/merge", {"into_id": "x"}),
        ("post", "/work-orders/999999/accept", {}),
        ("post", "/work-orders/1/visit", {"result": "delighted"}),
        ("post", "/work-orders/1/extensions", {"working_days": 10**12, "reason": "x"}),
        ("post", "/returns/999/review", {"approve": True}),
        ("post", "/extensions/999/review", {"approve": False, "note": "x"}),
        ("post", "/assists/999/reply", {"reply_text": "x"}),
        ("post", "/kb", {"question": "", "answer": ""}),
        ("post", "/kb/999/review", {"approve": True}),
        ("post", "/rules/test", {"text": "x", "category_code": "NOPE"}),
        ("get", "/appeals?limit=0", None),
        ("get", "/appeals?received_from=yesterday", None),
        ("get", "/queues/department?cursor=abc", None),
        ("get", "/kb/search?q=" + "%E5%95%8A" * 300, None),
        ("get", "/intake-assist?text=%27%22%3B--", None),
        ("get", "/stats?since=2026-13-01", None),
    ],
)
def test_odd_input_never_crashes(world, method, path, body):
    client = client_for(world.dispatcher)
    response = post(client, path, body) if method == "post" else client.get(f"{BASE}{path}")
    assert response.status_code < 500, response.content
    if response.status_code >= 400:
        assert response["Content-Type"].startswith("application/problem+json")


def test_nul_characters_are_refused_naming_the_field(world):
    response = post(client_for(world.agent), "/appeals", {**GOOD, "text": "路灯\x00不亮"})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "text"


def test_photo_upload_through_the_api(world):
    from django.core.files.uploadedfile import SimpleUploadedFile

    appeal = intake(world)
    client = client_for(world.agent)
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
    ok = client.post(
        f"{BASE}/appeals/{appeal.pk}/attachments",
        {"file": SimpleUploadedFile("scene.png", png, content_type="image/png"), "kind": "photo"},
    )
    assert ok.status_code == 201, ok.content
    assert ok.json()["content_type"] == "image/png"
    fake = client.post(
        f"{BASE}/appeals/{appeal.pk}/attachments",
        {"file": SimpleUploadedFile("scene.png", b"MZ\x90\x00 not an image", content_type="image/png")},
    )
    assert fake.status_code == 415
    assert appeal.attachments.count() == 1


def test_repeat_caller_lookup(world):
    intake(world)
    client = client_for(world.agent)
    found = client.get(f"{BASE}/appeals/by-phone", {"phone": "13707500001"}).json()
    assert len(found) == 1
    assert client.get(f"{BASE}/appeals/by-phone", {"phone": "13900000000"}).json() == []


def test_list_endpoints_use_a_fixed_number_of_queries(world, django_assert_max_num_queries):
    for _ in range(5):
        intake(world)
    centre = client_for(world.dispatcher)
    with django_assert_max_num_queries(12):
        assert len(centre.get(f"{BASE}/appeals").json()["items"]) == 5
    with django_assert_max_num_queries(12):
        assert len(centre.get(f"{BASE}/queues/dispatch").json()["items"]) == 5
    with django_assert_max_num_queries(12):
        first = centre.get(f"{BASE}/appeals", {"limit": 2}).json()
    assert len(first["items"]) == 2
    second = centre.get(f"{BASE}/appeals", {"limit": 2, "cursor": first["next_cursor"]}).json()
    assert {a["id"] for a in first["items"]}.isdisjoint({a["id"] for a in second["items"]})
