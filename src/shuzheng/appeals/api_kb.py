"""/api/v1/appeals/kb/...: the knowledge base (知识库) — search for agents, and the editors' and reviewers'
draft → review → published lifecycle. Mounted on the appeals router (``api.py``)."""

from __future__ import annotations

from typing import Annotated, Any

from django.http import HttpRequest
from ninja import Router, Status
from pydantic import Field

from shuzheng.appeals.models import Category
from shuzheng.appeals.schemas import (
    ArticleIn,
    ArticleOut,
    ArticlePage,
    ArticleReviewIn,
    ArticleUpdateIn,
    NoteIn,
)
from shuzheng.appeals.selectors import knowledge as kb_selectors
from shuzheng.appeals.services.knowledge import (
    knowledge_article_create,
    knowledge_article_retire,
    knowledge_article_review,
    knowledge_article_submit,
    knowledge_article_update,
)
from shuzheng.core.errors import ValidationFailed
from shuzheng.core.lookup import resolve_or_422
from shuzheng.core.pagination import DEFAULT_LIMIT, page_out
from shuzheng.core.schemas import PageLimit
from shuzheng.orgs import selectors as orgs_selectors

router = Router()


@router.get("/kb/search", response=list[ArticleOut], summary="知识库检索（已发布、有效期内）")
def kb_search(request: HttpRequest, q: str = "", limit: Annotated[int, Field(ge=1, le=20)] = 5) -> list[Any]:
    return kb_selectors.kb_search(q=q, limit=limit)


@router.get("/kb", response=ArticlePage, summary="知识库条目（编辑、审核）")
def kb_list(
    request: HttpRequest,
    status: str | None = None,
    cursor: str | None = None,
    limit: PageLimit = DEFAULT_LIMIT,
) -> dict[str, Any]:
    return page_out(kb_selectors.article_list(user=request.user, status=status, cursor=cursor, limit=limit))


@router.get("/kb/{int:article_id}", response=ArticleOut, summary="知识库条目详情")
def kb_get(request: HttpRequest, article_id: int) -> Any:
    published_only = not request.user.has_perm("appeals.view_knowledgearticle")
    return kb_selectors.article_get(id=article_id, published_only=published_only)


@router.post("/kb", response={201: ArticleOut}, summary="新增知识库条目（草稿）")
def kb_create(request: HttpRequest, payload: ArticleIn) -> Status[Any]:
    data = payload.model_dump()
    code = data.pop("category_code")
    category = None
    if code:
        category = Category.objects.filter(code=code).first()
        if category is None:
            raise ValidationFailed.for_field("category_code", f"诉求分类“{code}”不存在")
    department_id = data.pop("department_id")
    department = None
    if department_id is not None:
        departments = orgs_selectors.department_queryset(include_inactive=True)
        department = resolve_or_422(departments, department_id, field="department_id", label="部门")
    article = knowledge_article_create(actor=request.user, category=category, department=department, **data)
    return Status(201, article)


@router.put("/kb/{int:article_id}", response=ArticleOut, summary="修改知识库条目（回到草稿，需重新审核）")
def kb_update(request: HttpRequest, article_id: int, payload: ArticleUpdateIn) -> Any:
    article = kb_selectors.article_get(id=article_id)
    return knowledge_article_update(actor=request.user, article=article, **payload.model_dump())


@router.post("/kb/{int:article_id}/submit", response=ArticleOut, summary="提交审核")
def kb_submit(request: HttpRequest, article_id: int) -> Any:
    return knowledge_article_submit(actor=request.user, article=kb_selectors.article_get(id=article_id))


@router.post("/kb/{int:article_id}/review", response=ArticleOut, summary="审核（通过即发布）")
def kb_review(request: HttpRequest, article_id: int, payload: ArticleReviewIn) -> Any:
    return knowledge_article_review(
        actor=request.user,
        article=kb_selectors.article_get(id=article_id),
        approve=payload.approve,
        note=payload.note,
    )


@router.post("/kb/{int:article_id}/retire", response=ArticleOut, summary="下线")
def kb_retire(request: HttpRequest, article_id: int, payload: NoteIn) -> Any:
    return knowledge_article_retire(
        actor=request.user, article=kb_selectors.article_get(id=article_id), note=payload.note
    )
