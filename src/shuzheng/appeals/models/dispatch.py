"""Dispatch configuration: the category tree, the dispatch catalogue (目录), routing rules and the trained
classifier models."""

from __future__ import annotations

from django.db import models

from shuzheng.appeals.constants import (
    AppealChannel,
    AppealType,
)
from shuzheng.core.models import TimestampedModel


class Category(TimestampedModel):
    """诉求分类: a code tree ("/CG/CG01/"); Open311 services are the active categories."""

    code = models.CharField("分类编码", max_length=32, unique=True)
    name = models.CharField("分类名称", max_length=64)
    parent = models.ForeignKey(
        "self",
        verbose_name="上级分类",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    path = models.CharField("路径", max_length=255, db_index=True, editable=False)
    description = models.TextField("说明", blank=True)
    keywords = models.CharField(
        "关键词", max_length=255, blank=True, help_text="逗号分隔，用于关键词基线与规则提示"
    )
    sla_days = models.PositiveSmallIntegerField(
        "办理时限（工作日）", null=True, blank=True, help_text="留空则按诉求类型的默认时限"
    )
    position = models.PositiveIntegerField("排序", default=0)
    is_active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = "诉求分类"
        verbose_name_plural = "诉求分类"
        ordering = ["path"]

    def __str__(self) -> str:
        return f"{self.name}（{self.code}）"


class DispatchCatalogueEntry(TimestampedModel):
    """派单目录: which department answers a category in a division; lookups fall back up the division tree."""

    category = models.ForeignKey(
        Category, verbose_name="分类", on_delete=models.CASCADE, related_name="catalogue"
    )
    division = models.ForeignKey(
        "orgs.Division", verbose_name="区划", on_delete=models.PROTECT, related_name="+"
    )
    department = models.ForeignKey(
        "orgs.Department", verbose_name="责任部门", on_delete=models.PROTECT, related_name="+"
    )
    is_active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = "派单目录"
        verbose_name_plural = "派单目录"
        ordering = ["category", "division"]
        constraints = [
            models.UniqueConstraint(fields=["category", "division"], name="appeals_catalogue_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.category.name} · {self.division.name} → {self.department.name}"


class RoutingRule(TimestampedModel):
    """派单规则: checked in ``position`` order before the classifier; the first matching active rule wins.

    Empty conditions match anything; ``keywords`` match when any of them (comma-separated) is in the text;
    ``division`` matches the division and everything below it.
    """

    name = models.CharField("规则名称", max_length=64)
    position = models.PositiveIntegerField("顺序", default=100, db_index=True)
    is_active = models.BooleanField("启用", default=True)
    category = models.ForeignKey(
        Category,
        verbose_name="分类（含下级）",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    division = models.ForeignKey(
        "orgs.Division",
        verbose_name="区划（含下级）",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    keywords = models.CharField("关键词（任一）", max_length=500, blank=True, help_text="逗号分隔")
    channel = models.CharField("渠道", max_length=16, choices=AppealChannel.choices, blank=True)
    appeal_type = models.CharField("诉求类型", max_length=16, choices=AppealType.choices, blank=True)
    enterprise = models.BooleanField(
        "企业诉求", null=True, blank=True, help_text="是：仅企业诉求；否：仅非企业诉求；空：不限"
    )
    lead_department = models.ForeignKey(
        "orgs.Department", verbose_name="主办部门", on_delete=models.PROTECT, related_name="+"
    )
    assist_departments = models.ManyToManyField(
        "orgs.Department", verbose_name="协办部门", blank=True, related_name="+"
    )
    set_category = models.ForeignKey(
        Category,
        verbose_name="同时设定分类",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="诉求未选分类时采用",
    )
    note = models.CharField("说明", max_length=255, blank=True)

    class Meta:
        verbose_name = "派单规则"
        verbose_name_plural = "派单规则"
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return f"{self.position}. {self.name}"


class DispatchModel(models.Model):
    """A trained dispatch classifier: its file, metrics, and whether it is the active one."""

    version = models.CharField("版本", max_length=32, unique=True)
    trained_at = models.DateTimeField("训练时间")
    sample_count = models.PositiveIntegerField("训练样本数")
    test_count = models.PositiveIntegerField("测试样本数")
    accuracy = models.FloatField("部门准确率")
    macro_f1 = models.FloatField("部门宏平均F1")
    category_accuracy = models.FloatField("分类准确率", null=True, blank=True)
    category_macro_f1 = models.FloatField("分类宏平均F1", null=True, blank=True)
    baseline_accuracy = models.FloatField("关键词基线准确率", null=True, blank=True)
    baseline_macro_f1 = models.FloatField("关键词基线宏平均F1", null=True, blank=True)
    training_seconds = models.FloatField("训练耗时（秒）", default=0)
    report = models.JSONField("分部门评估", default=dict, blank=True)
    threshold = models.FloatField(
        "自动派单阈值", null=True, blank=True, help_text="按开发集自动派单准确率≥95%校准；空则用系统默认"
    )
    evaluation = models.JSONField(
        "评估对比", default=dict, blank=True, help_text="独立评估集、开发集与近期人工纠正上的指标及启用决定"
    )
    file_path = models.CharField("模型文件", max_length=500)
    is_active = models.BooleanField("当前使用", default=False)

    class Meta:
        verbose_name = "派单模型"
        verbose_name_plural = "派单模型"
        ordering = ["-trained_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_active"], condition=models.Q(is_active=True), name="appeals_one_active_model"
            )
        ]

    def __str__(self) -> str:
        return f"{self.version}（准确率 {self.accuracy:.1%}）"
