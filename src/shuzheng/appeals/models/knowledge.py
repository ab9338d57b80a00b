"""The knowledge base (知识库): articles and their versions."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from shuzheng.appeals.constants import (
    ArticleStatus,
)
from shuzheng.appeals.models.dispatch import Category
from shuzheng.core.models import TimestampedModel

USER = settings.AUTH_USER_MODEL


class KnowledgeArticle(TimestampedModel):
    """知识库条目: the current text; every edit is a ``KnowledgeArticleVersion``; publish needs a reviewer."""

    question = models.CharField("问题", max_length=200)
    answer = models.TextField("答复口径")
    keywords = models.CharField("关键词", max_length=255, blank=True)
    department = models.ForeignKey(
        "orgs.Department",
        verbose_name="责任部门",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    category = models.ForeignKey(
        Category, verbose_name="分类", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    valid_from = models.DateField("生效日期", null=True, blank=True)
    valid_to = models.DateField("失效日期", null=True, blank=True)
    status = models.CharField(
        "状态", max_length=16, choices=ArticleStatus.choices, default=ArticleStatus.DRAFT
    )
    version = models.PositiveIntegerField("版本", default=1)
    created_by = models.ForeignKey(
        USER, verbose_name="编辑", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    submitted_by = models.ForeignKey(
        USER, verbose_name="提交人", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reviewed_by = models.ForeignKey(
        USER, verbose_name="审核人", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    published_at = models.DateTimeField("发布时间", null=True, blank=True)
    use_count = models.PositiveIntegerField("引用次数", default=0)

    class Meta:
        verbose_name = "知识库条目"
        verbose_name_plural = "知识库条目"
        ordering = ["-updated_at", "-id"]
        permissions = [("review_knowledgearticle", "审核发布知识库条目")]
        indexes = [models.Index(fields=["status", "category"], name="appeals_kb_status")]

    def __str__(self) -> str:
        return self.question


class KnowledgeArticleVersion(models.Model):
    article = models.ForeignKey(
        KnowledgeArticle, verbose_name="条目", on_delete=models.CASCADE, related_name="versions"
    )
    version = models.PositiveIntegerField("版本")
    question = models.CharField("问题", max_length=200)
    answer = models.TextField("答复口径")
    status = models.CharField("状态", max_length=16, choices=ArticleStatus.choices)
    action = models.CharField("操作", max_length=32)
    actor = models.ForeignKey(
        USER, verbose_name="操作人", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    note = models.CharField("说明", max_length=255, blank=True)
    created_at = models.DateTimeField("时间", auto_now_add=True)

    class Meta:
        verbose_name = "知识库版本"
        verbose_name_plural = "知识库版本"
        ordering = ["article", "id"]

    def __str__(self) -> str:
        return f"{self.article_id} v{self.version} {self.action}"
