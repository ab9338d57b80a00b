"""The knowledge base (知识库): articles go draft → review → published → retired
(``workflow.ARTICLE_TRANSITIONS``); every move and edit is a ``KnowledgeArticleVersion`` row."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from django.db import transaction

from shuzheng.appeals.constants import KB_DOC, ArticleStatus
from shuzheng.appeals.models import Category, KnowledgeArticle, KnowledgeArticleVersion
from shuzheng.appeals.services.common import clean_text, now, require_perm, user_of
from shuzheng.appeals.workflow import ARTICLE_TRANSITIONS, ArticleAction
from shuzheng.core import audit, fulltext
from shuzheng.core.actors import SystemActor
from shuzheng.core.errors import Conflict, PermissionDenied, ValidationFailed
from shuzheng.core.field_errors import FieldErrors
from shuzheng.identity.actors import Actor

if TYPE_CHECKING:
    from shuzheng.orgs.models import Department

#: Why a move is refused, by action (the table decides; these say it in the reviewer's words).
REFUSALS: dict[str, str] = {
    ArticleAction.SUBMIT: "条目当前状态为“{status}”，不能提交审核",
    ArticleAction.PUBLISH: "条目当前状态为“{status}”，不在待审核状态",
    ArticleAction.REJECT: "条目当前状态为“{status}”，不在待审核状态",
    ArticleAction.RETIRE: "只有已发布的条目可以下线",
}


def _article_version(article: KnowledgeArticle, *, actor: Actor, action: str, note: str = "") -> None:
    KnowledgeArticleVersion.objects.create(
        article=article,
        version=article.version,
        question=article.question,
        answer=article.answer,
        status=article.status,
        action=action,
        actor=user_of(actor),
        note=note,
    )


def _article_snapshot(article: KnowledgeArticle) -> dict[str, Any]:
    return {
        "question": article.question,
        "status": article.status,
        "version": article.version,
        "category_id": article.category_id,
        "department_id": article.department_id,
    }


def _article_validate(question: str, answer: str, valid_from: date | None, valid_to: date | None) -> None:
    errs = FieldErrors()
    if not question:
        errs.add("question", "问题不能为空")
    elif len(question) > 200:
        errs.add("question", "问题不能超过200个字")
    if not answer:
        errs.add("answer", "答复口径不能为空")
    elif len(answer) > 10000:
        errs.add("answer", "答复口径不能超过10000个字")
    if valid_from and valid_to and valid_to < valid_from:
        errs.add("valid_to", "失效日期不能早于生效日期")
    errs.raise_if_any()


def _index_article(article: KnowledgeArticle) -> None:
    if article.status == ArticleStatus.PUBLISHED:
        fulltext.index(KB_DOC, article.pk, f"{article.question} {article.keywords} {article.answer}")
    else:
        fulltext.remove(KB_DOC, article.pk)


def _locked(article: KnowledgeArticle, action: str) -> KnowledgeArticle:
    """The article, locked, when the table allows `action` from its status."""
    locked = KnowledgeArticle.objects.select_for_update().get(pk=article.pk)
    if ARTICLE_TRANSITIONS.target(locked.status, action) is None:
        raise Conflict(REFUSALS[action].format(status=locked.get_status_display()))
    return locked


def _move(
    article: KnowledgeArticle,
    *,
    actor: Actor,
    action: str,
    audit_action: str,
    note: str = "",
    changes: dict[str, Any] | None = None,
) -> KnowledgeArticle:
    """The one writer of an article's status: the table's target, ``changes``, the search index, the
    version row and the audit event."""
    before = _article_snapshot(article)
    to_status = ARTICLE_TRANSITIONS.target(article.status, action)
    assert to_status is not None  # _locked checked it
    for name, value in (changes or {}).items():
        setattr(article, name, value)
    article.status = to_status
    article.save()
    _index_article(article)
    _article_version(article, actor=actor, action=action, note=note)
    audit.record(
        actor=actor, action=audit_action, subject=article, before=before, after=_article_snapshot(article)
    )
    return article


@transaction.atomic
def knowledge_article_create(
    *,
    actor: Actor,
    question: str,
    answer: str,
    keywords: str = "",
    category: Category | None = None,
    department: Department | None = None,
    valid_from: date | None = None,
    valid_to: date | None = None,
) -> KnowledgeArticle:
    require_perm(actor, "appeals.add_knowledgearticle", "新增知识库条目")
    question, answer = clean_text(question), clean_text(answer)
    _article_validate(question, answer, valid_from, valid_to)
    article = KnowledgeArticle.objects.create(
        question=question,
        answer=answer,
        keywords=clean_text(keywords)[:255],
        category=category,
        department=department,
        valid_from=valid_from,
        valid_to=valid_to,
        created_by=user_of(actor),
    )
    _article_version(article, actor=actor, action="create")
    audit.record(actor=actor, action="appeals.kb.create", subject=article, after=_article_snapshot(article))
    return article


@transaction.atomic
def knowledge_article_update(
    *,
    actor: Actor,
    article: KnowledgeArticle,
    question: str,
    answer: str,
    keywords: str | None = None,
    valid_from: date | None = None,
    valid_to: date | None = None,
) -> KnowledgeArticle:
    """Editing a published article takes it back to draft (it needs review again); a new version row."""
    require_perm(actor, "appeals.change_knowledgearticle", "修改知识库条目")
    article = _locked(article, ArticleAction.UPDATE)
    question, answer = clean_text(question), clean_text(answer)
    _article_validate(question, answer, valid_from, valid_to)
    changes: dict[str, Any] = {
        "question": question,
        "answer": answer,
        "valid_from": valid_from,
        "valid_to": valid_to,
        "version": article.version + 1,
        "reviewed_by": None,
    }
    if keywords is not None:
        changes["keywords"] = clean_text(keywords)[:255]
    return _move(
        article, actor=actor, action=ArticleAction.UPDATE, audit_action="appeals.kb.update", changes=changes
    )


@transaction.atomic
def knowledge_article_submit(*, actor: Actor, article: KnowledgeArticle) -> KnowledgeArticle:
    require_perm(actor, "appeals.change_knowledgearticle", "提交审核")
    article = _locked(article, ArticleAction.SUBMIT)
    return _move(
        article,
        actor=actor,
        action=ArticleAction.SUBMIT,
        audit_action="appeals.kb.submit",
        changes={"submitted_by": user_of(actor)},
    )


@transaction.atomic
def knowledge_article_review(
    *, actor: Actor, article: KnowledgeArticle, approve: bool, note: str = ""
) -> KnowledgeArticle:
    """Publish (or send back to draft) an article in review; the reviewer must not be who submitted it."""
    require_perm(actor, "appeals.review_knowledgearticle", "审核知识库条目")
    action = ArticleAction.PUBLISH if approve else ArticleAction.REJECT
    article = _locked(article, action)
    if not isinstance(actor, SystemActor) and article.submitted_by_id == actor.pk:
        raise PermissionDenied("不能审核自己提交的条目，请由其他审核人审核")
    note = clean_text(note)
    if not approve and not note:
        raise ValidationFailed.for_field("note", "退回修改须填写意见")
    changes: dict[str, Any] = {"reviewed_by": user_of(actor)}
    if approve:
        changes["published_at"] = now()
    return _move(
        article, actor=actor, action=action, audit_action="appeals.kb.review", note=note, changes=changes
    )


@transaction.atomic
def knowledge_article_retire(*, actor: Actor, article: KnowledgeArticle, note: str = "") -> KnowledgeArticle:
    require_perm(actor, "appeals.review_knowledgearticle", "下线知识库条目")
    article = _locked(article, ArticleAction.RETIRE)
    return _move(
        article,
        actor=actor,
        action=ArticleAction.RETIRE,
        audit_action="appeals.kb.retire",
        note=clean_text(note),
    )
