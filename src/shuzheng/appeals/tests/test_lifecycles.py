"""The appeal and knowledge-article lifecycles: every edge of their tables walked, every other move refused
with nothing changed, and the services leaving one history row per move (AppealEvent, article version)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.db import transaction

from shuzheng.appeals import workflow as wf
from shuzheng.appeals.constants import AppealStatus, ArticleStatus, VisitResult
from shuzheng.appeals.models import Appeal, AppealEvent, KnowledgeArticle, KnowledgeArticleVersion
from shuzheng.appeals.services.appeal_status import appeal_transition, appeals_transition
from shuzheng.appeals.services.dispatch import appeal_dispatch
from shuzheng.appeals.services.intake import appeal_conclude_directly
from shuzheng.appeals.services.knowledge import (
    knowledge_article_create,
    knowledge_article_retire,
    knowledge_article_review,
    knowledge_article_submit,
    knowledge_article_update,
)
from shuzheng.appeals.services.merging import appeal_merge
from shuzheng.appeals.services.visits import work_order_visit
from shuzheng.appeals.services.work_orders import work_order_accept, work_order_reply
from shuzheng.appeals.tests.conftest import intake
from shuzheng.core.actors import SYSTEM
from shuzheng.core.errors import Conflict

APPEAL_EDGES = sorted(wf.APPEAL_TRANSITIONS.edges.items())
ARTICLE_EDGES = sorted(wf.ARTICLE_TRANSITIONS.edges.items())


def _moves(appeal: Appeal) -> list[tuple[str, str, str]]:
    return [(e.from_status, e.action, e.to_status) for e in AppealEvent.objects.filter(appeal=appeal)]


# --- appeals ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("edge", "target"), APPEAL_EDGES)
def test_every_allowed_appeal_edge(world, edge, target):
    source, action = edge
    appeal = intake(world)
    Appeal.objects.filter(pk=appeal.pk).update(status=source)
    appeal.refresh_from_db()
    version = appeal.version
    with transaction.atomic():
        appeal_transition(actor=world.agent, appeal=appeal, action=action, note="测试")
    appeal.refresh_from_db()
    assert (appeal.status, appeal.version) == (target, version + 1)
    [event] = AppealEvent.objects.filter(appeal=appeal)
    assert (event.from_status, event.action, event.to_status, event.actor) == (
        source,
        action,
        target,
        world.agent,
    )


@pytest.mark.parametrize("source", AppealStatus.values)
def test_forbidden_appeal_moves_change_nothing(world, source):
    appeal = intake(world)
    Appeal.objects.filter(pk=appeal.pk).update(status=source)
    appeal.refresh_from_db()
    version = appeal.version
    for action in wf.AppealAction.values:
        if wf.APPEAL_TRANSITIONS.target(source, action) is not None:
            continue
        with pytest.raises(Conflict), transaction.atomic():
            appeal_transition(actor=SYSTEM, appeal=appeal, action=action)
        with pytest.raises(Conflict), transaction.atomic():
            appeals_transition(actor=SYSTEM, appeals=Appeal.objects.filter(pk=appeal.pk), action=action)
        appeal.refresh_from_db()
    assert (appeal.status, appeal.version) == (source, version)
    assert not AppealEvent.objects.filter(appeal=appeal).exists()


def test_a_group_moves_together_or_not_at_all(world):
    first, second = intake(world), intake(world, text="沙湖镇市场旁边垃圾桶一个星期没人清运")
    Appeal.objects.filter(pk=second.pk).update(status=AppealStatus.CLOSED)
    group = Appeal.objects.filter(pk__in=[first.pk, second.pk])
    with pytest.raises(Conflict), transaction.atomic():
        appeals_transition(actor=SYSTEM, appeals=group, action=wf.AppealAction.DISPATCH)
    first.refresh_from_db()
    assert first.status == AppealStatus.PENDING_DISPATCH
    assert not AppealEvent.objects.exists()


def test_dispatch_merge_and_closing_leave_the_appeals_history(world):
    first = intake(world, category_code=world.garbage.code)
    follower = intake(world, category_code=world.garbage.code, text="沙湖镇市场旁边垃圾桶一个星期没人清运")
    appeal_merge(actor=world.dispatcher, appeal=follower, into=first)
    assert _moves(follower) == []  # merged before dispatch: it waits for the primary
    wo = appeal_dispatch(actor=world.dispatcher, appeal=first, department=world.cgj)
    late = intake(world, category_code=world.garbage.code, text="沙湖镇市场旁边的垃圾桶很久没人清运了")
    appeal_merge(actor=world.dispatcher, appeal=late, into=first)
    work_order_accept(actor=world.cgj_handler, work_order=wo.pk)
    work_order_reply(actor=world.cgj_handler, work_order=wo.pk, reply_text="已清运。")
    work_order_visit(actor=world.dispatcher, work_order=wo.pk, result=VisitResult.SATISFIED)
    dispatched = ("pending_dispatch", "dispatch", "dispatched")
    closed = ("dispatched", "close", "closed")
    assert _moves(first) == [dispatched, closed]
    assert _moves(follower) == [dispatched, closed]
    assert _moves(late) == [("pending_dispatch", "merge", "dispatched"), closed]
    assert {a.status for a in Appeal.objects.filter(pk__in=[first.pk, follower.pk, late.pk])} == {"closed"}


def test_a_direct_answer_is_a_move_too(world):
    appeal = intake(world, appeal_type="consult", text="请问社保卡在哪里补办")
    concluded = appeal_conclude_directly(actor=world.agent, appeal=appeal, answer_text="到市民服务中心补办。")
    assert concluded.status == AppealStatus.CONCLUDED
    assert _moves(appeal) == [("pending_dispatch", "conclude_directly", "concluded")]
    with pytest.raises(Conflict):
        appeal_conclude_directly(actor=world.agent, appeal=appeal, answer_text="再答一次")


# --- knowledge-base articles --------------------------------------------------------------------------------

ARTICLE_SERVICES: dict[str, Callable[[KnowledgeArticle], Any]] = {
    wf.ArticleAction.UPDATE: lambda a: knowledge_article_update(
        actor=SYSTEM, article=a, question="社保卡怎么补办？", answer="到市民服务中心补办。"
    ),
    wf.ArticleAction.SUBMIT: lambda a: knowledge_article_submit(actor=SYSTEM, article=a),
    wf.ArticleAction.PUBLISH: lambda a: knowledge_article_review(actor=SYSTEM, article=a, approve=True),
    wf.ArticleAction.REJECT: lambda a: knowledge_article_review(
        actor=SYSTEM, article=a, approve=False, note="改"
    ),
    wf.ArticleAction.RETIRE: lambda a: knowledge_article_retire(actor=SYSTEM, article=a),
}


def _article() -> KnowledgeArticle:
    return knowledge_article_create(actor=SYSTEM, question="社保卡怎么补办", answer="到市民服务中心补办。")


def test_every_article_action_has_a_service():
    assert set(ARTICLE_SERVICES) == set(wf.ArticleAction.values) == wf.ARTICLE_TRANSITIONS.actions()


@pytest.mark.parametrize(("edge", "target"), ARTICLE_EDGES)
def test_every_allowed_article_edge(db, edge, target):
    source, action = edge
    article = _article()
    KnowledgeArticle.objects.filter(pk=article.pk).update(status=source)
    article.refresh_from_db()
    ARTICLE_SERVICES[action](article)
    article.refresh_from_db()
    assert article.status == target
    latest = KnowledgeArticleVersion.objects.filter(article=article).latest("id")
    assert (latest.action, latest.status) == (action, target)


@pytest.mark.parametrize("source", ArticleStatus.values)
def test_forbidden_article_moves_change_nothing(db, source):
    article = _article()
    KnowledgeArticle.objects.filter(pk=article.pk).update(status=source)
    article.refresh_from_db()
    for action, call in ARTICLE_SERVICES.items():
        if wf.ARTICLE_TRANSITIONS.target(source, action) is not None:
            continue
        with pytest.raises(Conflict):
            call(article)
    article.refresh_from_db()
    assert article.status == source
    assert KnowledgeArticleVersion.objects.filter(article=article).count() == 1  # the create row only
