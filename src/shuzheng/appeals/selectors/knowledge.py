"""The knowledge base (知识库): search for agents, the staff list, versions and what a user may do."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from shuzheng.appeals.constants import KB_DOC, ArticleStatus
from shuzheng.appeals.models import KnowledgeArticle
from shuzheng.appeals.selectors.common import authenticated, loose_search
from shuzheng.core.errors import NotFound, PermissionDenied
from shuzheng.core.pagination import DEFAULT_LIMIT, Page, keyset_page


def _valid_articles(today: date) -> QuerySet[KnowledgeArticle]:
    return KnowledgeArticle.objects.filter(status=ArticleStatus.PUBLISHED).filter(
        Q(valid_from__isnull=True) | Q(valid_from__lte=today),
        Q(valid_to__isnull=True) | Q(valid_to__gte=today),
    )


def kb_search(*, q: str, limit: int = 5, today: date | None = None) -> list[KnowledgeArticle]:
    """Published articles valid today matching ``q`` (jieba full-text, see ``loose_search``), best first."""
    q = (q or "").strip()[:200]
    if not q:
        return []
    ids = loose_search(KB_DOC, q, limit=limit * 4)
    found = {
        a.pk: a
        for a in _valid_articles(today or timezone.localdate())
        .filter(pk__in=ids)
        .select_related("category", "department")
    }
    return [found[i] for i in ids if i in found][:limit]


def kb_for_departments(*, codes: list[str], limit: int = 3) -> list[KnowledgeArticle]:
    """Published articles valid today of these departments (in the order given), most used first."""
    found = list(
        _valid_articles(timezone.localdate())
        .filter(department__code__in=codes)
        .select_related("category", "department")
        .order_by("-use_count", "-id")[: limit * 3]
    )
    rank = {code: i for i, code in enumerate(codes)}
    found.sort(key=lambda a: rank.get(a.department.code if a.department else "", len(rank)))
    return found[:limit]


def article_list(
    *, user: Any, status: str | None = None, cursor: str | None = None, limit: int = DEFAULT_LIMIT
) -> Page[KnowledgeArticle]:
    """Staff list of KB articles (any status) for editors and reviewers."""
    authenticated(user)
    if not user.has_perm("appeals.view_knowledgearticle"):
        raise PermissionDenied("没有查看知识库的权限（appeals.view_knowledgearticle）")
    qs = KnowledgeArticle.objects.select_related("category", "department")
    if status:
        qs = qs.filter(status=status)
    return keyset_page(qs, order=("-id",), cursor=cursor, limit=limit)


def article_get(*, id: int, published_only: bool = False) -> KnowledgeArticle:
    qs = KnowledgeArticle.objects.select_related("category", "department").filter(pk=id)
    if published_only:
        qs = qs.filter(status=ArticleStatus.PUBLISHED)
    article = qs.first()
    if article is None:
        raise NotFound("知识库条目不存在")
    return article


def article_search(
    *,
    user: Any,
    q: str = "",
    status: str | None = None,
    cursor: str | None = None,
    limit: int = DEFAULT_LIMIT,
) -> Page[KnowledgeArticle]:
    """The staff list of KB articles. Without ``q``: newest first, keyset-paginated. With ``q``: one page
    of the best matches — published articles ranked by jieba full text (``loose_search``), then any
    article (drafts too) whose question or keywords contain ``q``. ``status`` narrows to one status."""
    authenticated(user)
    if not user.has_perm("appeals.view_knowledgearticle"):
        raise PermissionDenied("没有查看知识库的权限（appeals.view_knowledgearticle）")
    qs = KnowledgeArticle.objects.select_related("category", "department")
    if status:
        qs = qs.filter(status=status)
    q = (q or "").strip()[:200]
    if not q:
        return keyset_page(qs, order=("-id",), cursor=cursor, limit=limit)
    ranked = loose_search(KB_DOC, q, limit=limit)
    found = {a.pk: a for a in qs.filter(pk__in=ranked)}
    items = [found[pk] for pk in ranked if pk in found]
    contains = qs.filter(Q(question__icontains=q) | Q(keywords__icontains=q)).exclude(pk__in=ranked)
    items += list(contains.order_by("-id")[: max(limit - len(items), 0)])
    return Page(items=items[:limit], next_cursor=None)


def article_versions(*, article: KnowledgeArticle) -> list[Any]:
    """The version history of an article, newest first."""
    return list(article.versions.select_related("actor").order_by("-id"))


def article_actions(*, user: Any, article: KnowledgeArticle) -> list[str]:
    """What this user may do with the article now: edit, submit, review, retire."""
    found: list[str] = []
    if user.has_perm("appeals.change_knowledgearticle") and article.status != ArticleStatus.IN_REVIEW:
        found.append("edit")
    if user.has_perm("appeals.change_knowledgearticle") and article.status == ArticleStatus.DRAFT:
        found.append("submit")
    if (
        user.has_perm("appeals.review_knowledgearticle")
        and article.status == ArticleStatus.IN_REVIEW
        and article.submitted_by_id != user.pk
    ):
        found.append("review")
    if user.has_perm("appeals.review_knowledgearticle") and article.status == ArticleStatus.PUBLISHED:
        found.append("retire")
    return found
