"""Knowledge-base pages through Django's test client: list and full-text search, drafts, submit, review
(not one's own), retire, version history; bad input is a Chinese error and changes nothing."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from shuzheng.appeals.constants import ArticleStatus
from shuzheng.appeals.models import KnowledgeArticle, KnowledgeArticleVersion
from shuzheng.appeals.services.knowledge import (
    knowledge_article_create,
    knowledge_article_review,
    knowledge_article_submit,
)
from shuzheng.appeals.tests.conftest import World
from shuzheng.appeals.tests.test_views_portal import client_for
from shuzheng.identity.models import AuditEvent


def _text(response: Any) -> str:
    return response.content.decode()


def article_data(world: World, **overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "question": "身份证丢失后如何补办？",
        "answer": "携带户口簿到户籍所在地派出所或政务服务中心公安窗口申请补领，办理时限15个工作日。",
        "keywords": "身份证,补办,挂失",
        "category_code": world.consult.code,
        "department_id": str(world.centre.pk),
        "valid_from": "2026-01-01",
        "valid_to": "",
    }
    data.update(overrides)
    return data


def _draft(world: World) -> KnowledgeArticle:
    return knowledge_article_create(
        actor=world.editor, question="身份证丢失后如何补办？", answer="到派出所补领。", keywords="身份证"
    )


def test_kb_pages_need_the_view_permission(world: World) -> None:
    assert client_for(world.editor).get(reverse("appeals:kb_list")).status_code == 200
    assert client_for(world.grid_worker).get(reverse("appeals:kb_list")).status_code == 403
    assert client_for(world.citizen).get(reverse("appeals:kb_list")).status_code == 403
    assert Client().get(reverse("appeals:kb_list")).status_code == 302
    # the agent may read but not write
    assert client_for(world.agent).get(reverse("appeals:kb_new")).status_code == 403


def test_editor_creates_a_draft_with_its_first_version(world: World) -> None:
    client = client_for(world.editor)
    response = client.post(reverse("appeals:kb_new"), article_data(world))
    assert response.status_code == 302, _text(response)
    article = KnowledgeArticle.objects.get()
    assert article.status == ArticleStatus.DRAFT
    assert article.category == world.consult
    assert article.department == world.centre
    assert str(article.valid_from) == "2026-01-01"
    page = _text(client.get(response["Location"]))
    assert "草稿" in page
    assert "新建" in page  # version history
    assert "提交审核" in page
    assert AuditEvent.objects.filter(action="appeals.kb.create").count() == 1


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"question": ""}, "问题不能为空"),
        ({"answer": "长" * 20000}, "答复口径不能超过10000个字"),
        ({"question": "问" * 300}, "问题不能超过200个字"),
        ({"valid_from": "2026-05-01", "valid_to": "2026-01-01"}, "失效日期不能早于生效日期"),
        ({"valid_from": "明天"}, "生效日期格式应为"),
        ({"category_code": "NOPE"}, "诉求分类“NOPE”不存在或已停用"),
        ({"department_id": "999999"}, "请选择列表中的部门"),
    ],
)
def test_bad_article_is_a_chinese_error_and_writes_nothing(
    world: World, overrides: dict[str, Any], message: str
) -> None:
    events = AuditEvent.objects.count()
    response = client_for(world.editor).post(reverse("appeals:kb_new"), article_data(world, **overrides))
    assert response.status_code == 422
    assert message in _text(response)
    assert KnowledgeArticle.objects.count() == 0
    assert AuditEvent.objects.count() == events


def test_submit_review_publish_search_edit_and_retire(world: World) -> None:
    article = _draft(world)
    editor, reviewer = client_for(world.editor), client_for(world.reviewer)
    detail = reverse("appeals:kb_detail", args=[article.pk])

    assert editor.post(reverse("appeals:kb_submit", args=[article.pk])).status_code == 302
    article.refresh_from_db()
    assert article.status == ArticleStatus.IN_REVIEW
    assert "提交审核结论" not in _text(editor.get(detail))  # the editor cannot review
    assert (
        editor.post(reverse("appeals:kb_review", args=[article.pk]), {"decision": "approve"}).status_code
        == 403
    )

    # sending back needs a note
    refused = reviewer.post(
        reverse("appeals:kb_review", args=[article.pk]), {"decision": "reject", "note": ""}
    )
    assert refused.status_code == 422
    assert "退回修改须填写意见" in _text(refused)
    article.refresh_from_db()
    assert article.status == ArticleStatus.IN_REVIEW

    assert (
        reviewer.post(reverse("appeals:kb_review", args=[article.pk]), {"decision": "approve"}).status_code
        == 302
    )
    article.refresh_from_db()
    assert article.status == ArticleStatus.PUBLISHED

    # Chinese full-text search (jieba) finds the published article
    found = _text(editor.get(reverse("appeals:kb_list"), {"q": "补办身份证"}))
    assert "身份证丢失后如何补办？" in found
    assert "没有找到条目" in _text(editor.get(reverse("appeals:kb_list"), {"q": "营业执照"}))

    # editing a published article makes a new draft version
    response = editor.post(
        reverse("appeals:kb_edit", args=[article.pk]),
        {
            "question": "身份证丢失后怎样补办？",
            "answer": "到派出所或政务服务中心补领。",
            "keywords": "身份证",
        },
    )
    assert response.status_code == 302, _text(response)
    article.refresh_from_db()
    assert (article.status, article.version) == (ArticleStatus.DRAFT, 2)
    page = _text(editor.get(detail))
    assert "v2" in page
    assert "审核发布" in page  # history keeps the publication of v1
    assert "修改" in page

    editor.post(reverse("appeals:kb_submit", args=[article.pk]))
    reviewer.post(reverse("appeals:kb_review", args=[article.pk]), {"decision": "approve"})
    assert (
        reviewer.post(reverse("appeals:kb_retire", args=[article.pk]), {"note": "政策调整"}).status_code
        == 302
    )
    article.refresh_from_db()
    assert article.status == ArticleStatus.RETIRED
    again = reviewer.post(reverse("appeals:kb_retire", args=[article.pk]), {"note": ""})
    assert again.status_code == 409
    assert "只有已发布的条目可以下线" in _text(again)
    assert KnowledgeArticleVersion.objects.filter(article=article, action="retire").count() == 1


def test_a_reviewer_cannot_review_their_own_submission(world: World) -> None:
    article = _draft(world)
    reviewer = client_for(world.reviewer)
    reviewer.post(reverse("appeals:kb_submit", args=[article.pk]))
    assert "提交审核结论" not in _text(reviewer.get(reverse("appeals:kb_detail", args=[article.pk])))
    response = reviewer.post(reverse("appeals:kb_review", args=[article.pk]), {"decision": "approve"})
    assert response.status_code == 403
    assert "不能审核自己提交的条目" in _text(response)
    article.refresh_from_db()
    assert article.status == ArticleStatus.IN_REVIEW


def test_drafts_are_found_by_their_question_and_unknown_article_is_404(world: World) -> None:
    _draft(world)
    client = client_for(world.editor)
    assert "身份证丢失后如何补办？" in _text(client.get(reverse("appeals:kb_list"), {"q": "丢失"}))
    listing = _text(client.get(reverse("appeals:kb_list"), {"status": "published"}))
    assert "身份证丢失后如何补办？" not in listing
    assert client.get(reverse("appeals:kb_detail", args=[999999])).status_code == 404
    assert client.post(reverse("appeals:kb_submit", args=[999999])).status_code == 404


def _published(world: World, question: str, answer: str) -> KnowledgeArticle:
    article = knowledge_article_create(actor=world.editor, question=question, answer=answer)
    knowledge_article_submit(actor=world.editor, article=article)
    return knowledge_article_review(actor=world.reviewer, article=article, approve=True)


def test_search_ranks_the_best_full_text_match_first(world: World) -> None:
    best = _published(world, "身份证丢失后如何补办？", "到派出所补领身份证。")
    _published(world, "低保怎么申请？", "向村（居）委会提出申请。")
    _published(world, "高龄津贴怎么申请？", "年满80周岁可申请。")
    page = _text(client_for(world.editor).get(reverse("appeals:kb_list"), {"q": "身份证怎么补办"}))
    rows = re.findall(r'/workbench/appeals/kb/(\d+)/">', page)
    assert rows[0] == str(best.pk)
