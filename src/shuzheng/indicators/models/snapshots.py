"""One stored value per indicator and day, so trends can be drawn and a past report reproduced."""

from __future__ import annotations

from django.db import models

from shuzheng.indicators.constants import Status


class IndicatorSnapshot(models.Model):
    number = models.PositiveSmallIntegerField("指标序号")
    day = models.DateField("统计日期")
    value = models.DecimalField("指标值", max_digits=14, decimal_places=4, null=True, blank=True)
    numerator = models.DecimalField("分子", max_digits=14, decimal_places=4, null=True, blank=True)
    denominator = models.DecimalField("分母", max_digits=14, decimal_places=4, null=True, blank=True)
    status = models.CharField("状态", max_length=16, choices=Status.choices)
    computed_at = models.DateTimeField("计算时间", auto_now=True)

    class Meta:
        verbose_name = "指标快照"
        verbose_name_plural = "指标快照"
        ordering = ["number", "day"]
        permissions = [
            ("view_indicator", "查看规划指标驾驶舱、部门考评和年度报告"),
            ("manage_registry", "维护指标登记数据（预算单位、视频终端、应用场景、数字乡村、粤系应用）"),
            ("manage_project", "管理政务信息化项目和系统"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["number", "day"], name="indicator_snapshot_unique_day")
        ]

    def __str__(self) -> str:
        return f"指标{self.number} @ {self.day}"
