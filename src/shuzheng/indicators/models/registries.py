"""Registries of what the platform cannot observe itself (kept by staff, imported from xlsx, audited):
each row names the document it was taken from and who recorded it."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from shuzheng.core.models import TimestampedModel
from shuzheng.indicators.constants import App, TerminalStatus


class Recorded(TimestampedModel):
    source_document = models.CharField("来源文件", max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="登记人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        abstract = True


class GovernmentSector(Recorded):
    """Indicator 11: a government sector (行业) and the departments that answer for it."""

    code = models.CharField("行业编码", max_length=32, unique=True)
    name = models.CharField("行业名称", max_length=64)
    departments = models.ManyToManyField("orgs.Department", verbose_name="责任部门", related_name="+")
    position = models.PositiveSmallIntegerField("排序", default=0)

    class Meta:
        verbose_name = "政府行业"
        verbose_name_plural = "政府行业"
        ordering = ["position", "code"]

    def __str__(self) -> str:
        return self.name


class BudgetUnit(Recorded):
    """Indicator 17: a 财政预算单位 and whether it is connected to the 政务外网."""

    code = models.CharField("预算单位编码", max_length=32, unique=True)
    name = models.CharField("预算单位名称", max_length=128)
    department = models.ForeignKey(
        "orgs.Department",
        verbose_name="主管部门",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    connected_on = models.DateField("接入政务外网日期", null=True, blank=True, help_text="未接入则留空")

    class Meta:
        verbose_name = "财政预算单位"
        verbose_name_plural = "财政预算单位"
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class VideoTerminal(Recorded):
    """Indicator 12: one video terminal (one 路) connected to the city's video network."""

    code = models.CharField("终端编码", max_length=32, unique=True)
    name = models.CharField("点位名称", max_length=128)
    department = models.ForeignKey(
        "orgs.Department", verbose_name="权属部门", on_delete=models.PROTECT, related_name="+"
    )
    division = models.ForeignKey(
        "orgs.Division",
        verbose_name="所在区划",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    project = models.CharField("所属工程", max_length=64, blank=True, help_text="如：雪亮工程")
    status = models.CharField(
        "状态", max_length=16, choices=TerminalStatus.choices, default=TerminalStatus.ONLINE
    )
    connected_on = models.DateField("接入日期")

    class Meta:
        verbose_name = "视频终端"
        verbose_name_plural = "视频终端"
        ordering = ["code"]
        indexes = [models.Index(fields=["status", "connected_on"], name="terminal_status_day")]

    def __str__(self) -> str:
        return self.code


class Scenario(Recorded):
    """Indicator 15: a 数字化智能化应用场景 in service."""

    name = models.CharField("场景名称", max_length=128, unique=True)
    department = models.ForeignKey(
        "orgs.Department", verbose_name="责任部门", on_delete=models.PROTECT, related_name="+"
    )
    in_service_on = models.DateField("投入使用日期")
    project = models.ForeignKey(
        "indicators.Project",
        verbose_name="所属项目",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="scenarios",
    )
    description = models.TextField("说明", blank=True)

    class Meta:
        verbose_name = "应用场景"
        verbose_name_plural = "应用场景"
        ordering = ["in_service_on", "name"]

    def __str__(self) -> str:
        return self.name


class VillageCriterion(Recorded):
    """Indicator 22: one criterion a village or community must meet to count as a 数字乡村（社区）."""

    code = models.CharField("标准编码", max_length=16, unique=True)
    name = models.CharField("标准", max_length=128)
    description = models.TextField("说明", blank=True)
    position = models.PositiveSmallIntegerField("排序", default=0)
    is_active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = "数字乡村评定标准"
        verbose_name_plural = "数字乡村评定标准"
        ordering = ["position", "code"]

    def __str__(self) -> str:
        return self.name


class VillageAssessment(Recorded):
    """Whether one village/community meets one criterion, from the date it was assessed."""

    division = models.ForeignKey(
        "orgs.Division", verbose_name="村（社区）", on_delete=models.PROTECT, related_name="+"
    )
    criterion = models.ForeignKey(
        VillageCriterion, verbose_name="评定标准", on_delete=models.CASCADE, related_name="assessments"
    )
    met = models.BooleanField("达到", default=False)
    assessed_on = models.DateField("评定日期")

    class Meta:
        verbose_name = "数字乡村评定"
        verbose_name_plural = "数字乡村评定"
        ordering = ["division", "criterion"]
        constraints = [
            models.UniqueConstraint(fields=["division", "criterion"], name="village_assessment_unique"),
        ]


class AppUsage(Recorded):
    """Indicators 8–10: one month of 粤省事 / 粤商通 / 粤政易 use in the city, from the provincial export."""

    app = models.CharField("应用", max_length=8, choices=App.choices)
    month = models.DateField("统计月份", help_text="该月第一天")
    registered = models.PositiveIntegerField("月末本地注册用户数")
    active = models.PositiveIntegerField("当月活跃用户数")

    class Meta:
        verbose_name = "粤系应用使用情况"
        verbose_name_plural = "粤系应用使用情况"
        ordering = ["app", "month"]
        constraints = [models.UniqueConstraint(fields=["app", "month"], name="app_usage_unique_month")]

    def __str__(self) -> str:
        return f"{self.get_app_display()} {self.month:%Y-%m}"
