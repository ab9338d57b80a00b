"""Data-quality rules (GB/T 36344 dimensions), runs and their results."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from shuzheng.core.models import TimestampedModel
from shuzheng.datahub.models.catalog import CatalogEntry, DataItem


class Dimension(models.TextChoices):
    """GB/T 36344 data-quality dimensions."""

    CONFORMITY = "conformity", "规范性"
    COMPLETENESS = "completeness", "完整性"
    ACCURACY = "accuracy", "准确性"
    CONSISTENCY = "consistency", "一致性"
    TIMELINESS = "timeliness", "时效性"
    ACCESSIBILITY = "accessibility", "可访问性"


class RuleKind(models.TextChoices):
    PATTERN = "pattern", "格式（正则）"
    ENUM = "enum", "枚举值"
    TYPE = "type", "类型"
    NOT_NULL = "not_null", "非空"
    RANGE = "range", "取值范围"
    REFERENCE = "reference", "引用存在"
    UNIQUE = "unique", "唯一"
    CROSS_MATCH = "cross_match", "跨表一致"
    FRESHNESS = "freshness", "更新及时"
    ACCESSIBLE = "accessible", "可访问"


class QualityRule(TimestampedModel):
    entry = models.ForeignKey(
        CatalogEntry, verbose_name="资源", on_delete=models.CASCADE, related_name="quality_rules"
    )
    item = models.ForeignKey(
        DataItem,
        verbose_name="信息项",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="quality_rules",
    )
    name = models.CharField("规则名称", max_length=128)
    dimension = models.CharField("质量维度", max_length=16, choices=Dimension.choices)
    kind = models.CharField("规则类型", max_length=16, choices=RuleKind.choices)
    params = models.JSONField("参数", default=dict, blank=True)
    is_active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = "质量规则"
        verbose_name_plural = "质量规则"
        ordering = ["entry", "id"]

    def __str__(self) -> str:
        return self.name


class QualityRun(models.Model):
    started_at = models.DateTimeField("开始时间", auto_now_add=True)
    finished_at = models.DateTimeField("结束时间", null=True, blank=True)
    triggered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    rule_count = models.PositiveIntegerField("规则数", default=0)
    scores = models.JSONField("评分", default=dict, blank=True)

    class Meta:
        verbose_name = "质量检测"
        verbose_name_plural = "质量检测"
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"质量检测#{self.pk}"


class QualityResult(models.Model):
    run = models.ForeignKey(QualityRun, on_delete=models.CASCADE, related_name="results")
    rule = models.ForeignKey(QualityRule, on_delete=models.SET_NULL, null=True, related_name="results")
    entry = models.ForeignKey(CatalogEntry, on_delete=models.CASCADE, related_name="quality_results")
    dimension = models.CharField("质量维度", max_length=16, choices=Dimension.choices)
    checked = models.BigIntegerField("检查数", default=0)
    failed = models.BigIntegerField("不合格数", default=0)
    sample = models.JSONField("不合格行样例", default=list, blank=True)
    error = models.CharField("执行错误", max_length=500, blank=True)
    duration_ms = models.PositiveIntegerField("耗时（毫秒）", default=0)

    class Meta:
        verbose_name = "质量检测结果"
        verbose_name_plural = "质量检测结果"
        ordering = ["run", "id"]

    def __str__(self) -> str:
        return f"{self.rule_id}: {self.failed}/{self.checked}"

    @property
    def pass_rate(self) -> float:
        if self.error:
            return 0.0
        return 1.0 if self.checked == 0 else (self.checked - self.failed) / self.checked
