"""Workbench pages of the knowledge base (知识库): list and Chinese full-text search, new draft, edit
(a published article goes back to draft and needs review again), submit for review, review (publish or
send back with a note; never one's own submission), retire, and the version history.

Thin: selectors to read, one ``knowledge_article_*`` service per write; a refused action re-renders the
article page with the service's Chinese message and changes nothing.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from shuzheng.appeals.forms_kb import ArticleForm, RetireForm, ReviewForm, SearchForm
from shuzheng.appeals.models import KnowledgeArticle
from shuzheng.appeals.selectors import knowledge as kb_selectors
from shuzheng.appeals.services.knowledge import (
    knowledge_article_create,
    knowledge_article_retire,
    knowledge_article_review,
    knowledge_article_submit,
    knowledge_article_update,
)
from shuzheng.core import errors
from shuzheng.identity.page_access import perm_required

VIEW_PERM = "appeals.view_knowledgearticle"
ADD_PERM = "appeals.add_knowledgearticle"
CHANGE_PERM = "appeals.change_knowledgearticle"
REVIEW_PERM = "appeals.review_knowledgearticle"
ARTICLES_PER_PAGE = 30


@require_GET
@perm_required(VIEW_PERM, "查看知识库")
def kb_list(request: HttpRequest) -> HttpResponse:
    form = SearchForm(request.GET or None)
    q, status = "", None
    if form.is_valid():
        q, status = form.cleaned_data.get("q") or "", form.cleaned_data.get("status") or None
    page = kb_selectors.article_search(
        user=request.user,
        q=q,
        status=status,
        cursor=request.GET.get("cursor") or None,
        limit=ARTICLES_PER_PAGE,
    )
    context = {
        "form": form,
        "page": page,
        "q": q,
        "paged": bool(request.GET.get("cursor")),
        "can_add": request.user.has_perm(ADD_PERM),
    }
    return render(request, "appeals/kb/list.html", context)


def _article_context(request: HttpRequest, article: KnowledgeArticle, **extra: Any) -> dict[str, Any]:
    context = {
        "article": article,
        "versions": kb_selectors.article_versions(article=article),
        "actions": kb_selectors.article_actions(user=request.user, article=article),
        "review_form": extra.pop("review_form", None) or ReviewForm(),
        "retire_form": extra.pop("retire_form", None) or RetireForm(),
        "action_error": extra.pop("action_error", ""),
    }
    context.update(extra)
    return context


@require_GET
@perm_required(VIEW_PERM, "查看知识库")
def kb_detail(request: HttpRequest, article_id: int) -> HttpResponse:
    article = kb_selectors.article_get(id=article_id)
    return render(request, "appeals/kb/detail.html", _article_context(request, article))


@require_http_methods(["GET", "POST"])
@perm_required(ADD_PERM, "新增知识库条目")
def kb_new(request: HttpRequest) -> HttpResponse:
    form = ArticleForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            try:
                article = knowledge_article_create(actor=request.user, **form.for_service())
            except errors.ValidationFailed as error:
                form.add_service_error(error)
            else:
                messages.success(request, "知识库条目草稿已保存，提交审核通过后发布。")
                return redirect("appeals:kb_detail", article_id=article.pk)
    return render(request, "appeals/kb/edit.html", {"form": form, "article": None}, status=status)


@require_http_methods(["GET", "POST"])
@perm_required(CHANGE_PERM, "修改知识库条目")
def kb_edit(request: HttpRequest, article_id: int) -> HttpResponse:
    article = kb_selectors.article_get(id=article_id)
    initial = {
        "question": article.question,
        "answer": article.answer,
        "keywords": article.keywords,
        "valid_from": article.valid_from,
        "valid_to": article.valid_to,
    }
    form = ArticleForm(request.POST or None, initial=initial, editing=True)
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            try:
                knowledge_article_update(actor=request.user, article=article, **form.for_service())
            except errors.ValidationFailed as error:
                form.add_service_error(error)
            else:
                messages.success(request, f"已保存为第{article.version + 1}版草稿，需重新提交审核。")
                return redirect("appeals:kb_detail", article_id=article.pk)
    return render(request, "appeals/kb/edit.html", {"form": form, "article": article}, status=status)


def _refused(
    request: HttpRequest, article_id: int, error: errors.ApplicationError, **forms: Any
) -> HttpResponse:
    article = kb_selectors.article_get(id=article_id)
    context = _article_context(request, article, action_error=error.detail, **forms)
    return render(request, "appeals/kb/detail.html", context, status=error.status)


@require_POST
@perm_required(CHANGE_PERM, "提交审核")
def kb_submit(request: HttpRequest, article_id: int) -> HttpResponse:
    article = kb_selectors.article_get(id=article_id)
    try:
        knowledge_article_submit(actor=request.user, article=article)
    except (errors.Conflict, errors.PermissionDenied) as error:
        return _refused(request, article_id, error)
    messages.success(request, "已提交审核。")
    return redirect("appeals:kb_detail", article_id=article.pk)


@require_POST
@perm_required(REVIEW_PERM, "审核知识库条目")
def kb_review(request: HttpRequest, article_id: int) -> HttpResponse:
    article = kb_selectors.article_get(id=article_id)
    form = ReviewForm(request.POST)
    if not form.is_valid():
        return _refused(request, article_id, errors.ValidationFailed("请选择审核结论"), review_form=form)
    approve = form.cleaned_data["decision"] == "approve"
    try:
        knowledge_article_review(
            actor=request.user, article=article, approve=approve, note=form.cleaned_data.get("note") or ""
        )
    except errors.ValidationFailed as error:
        form.add_service_error(error)
        return _refused(request, article_id, error, review_form=form)
    except (errors.Conflict, errors.PermissionDenied) as error:
        return _refused(request, article_id, error, review_form=form)
    messages.success(request, "已审核通过并发布。" if approve else "已退回修改。")
    return redirect("appeals:kb_detail", article_id=article.pk)


@require_POST
@perm_required(REVIEW_PERM, "下线知识库条目")
def kb_retire(request: HttpRequest, article_id: int) -> HttpResponse:
    article = kb_selectors.article_get(id=article_id)
    form = RetireForm(request.POST)
    form.is_valid()
    try:
        knowledge_article_retire(
            actor=request.user, article=article, note=form.cleaned_data.get("note") or ""
        )
    except (errors.Conflict, errors.PermissionDenied, errors.ValidationFailed) as error:
        return _refused(request, article_id, error, retire_form=form)
    messages.success(request, "条目已下线，不再出现在检索和受理辅助中。")
    return redirect("appeals:kb_detail", article_id=article.pk)
