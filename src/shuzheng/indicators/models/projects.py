"""The IT project register (政务信息化项目): projects with a life cycle, milestones, and the systems
they deliver with their stack (indicator 21 and the 上云 goal of 附件2 #14)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from shuzheng.core.models import TimestampedModel
from shuzheng.indicators.constants import FundingSource
from shuzheng.indicators.workflow import ProjectState


class Project(TimestampedModel):
    code = models.CharField("项目编号", max_length=32, unique=True)
    name = models.CharField("项目名称", max_length=128)
    department = models.ForeignKey(
        "orgs.Department", verbose_name="建设单位", on_delete=models.PROTECT, related_name="+"
    )
    budget = models.DecimalField("预算（万元）", max_digits=12, decimal_places=2)
    funding_source = models.CharField("资金来源", max_length=16, choices=FundingSource.choices)
    plan_task = models.CharField("对应规划任务", max_length=200, blank=True)
    key_project_number = models.PositiveSmallIntegerField("附件2重点项目序号", null=True, blank=True)
    state = models.CharField(
        "状态", max_length=16, choices=ProjectState.choices, default=ProjectState.RESERVE
    )
    documents = models.TextField("相关文件", blank=True, help_text="每行一个文件名或文号")

    class Meta:
        verbose_name = "政务信息化项目"
        verbose_name_plural = "政务信息化项目"
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name

    @property
    def overdue_milestones(self) -> list[Milestone]:
        """Milestones past their planned date and not reached (逾期)."""
        today = timezone.localdate()
        return [m for m in self.milestones.all() if m.actual_on is None and m.planned_on < today]


class ProjectStateChange(models.Model):
    """One step of a project's life cycle (written only by ``services.projects.project_transition``)."""

    project = models.ForeignKey(
        Project, verbose_name="项目", on_delete=models.CASCADE, related_name="history"
    )
    from_state = models.CharField("原状态", max_length=16, choices=ProjectState.choices)
    to_state = models.CharField("新状态", max_length=16, choices=ProjectState.choices)
    action = models.CharField("操作", max_length=16)
    note = models.CharField("说明", max_length=200, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="操作人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    at = models.DateTimeField("时间")

    class Meta:
        verbose_name = "项目状态变更"
        verbose_name_plural = "项目状态变更"
        ordering = ["project", "at", "id"]

    def __str__(self) -> str:
        return f"{self.get_from_state_display()} → {self.get_to_state_display()}"


class Milestone(models.Model):
    project = models.ForeignKey(
        Project, verbose_name="项目", on_delete=models.CASCADE, related_name="milestones"
    )
    name = models.CharField("里程碑", max_length=64)
    planned_on = models.DateField("计划日期")
    actual_on = models.DateField("实际日期", null=True, blank=True)

    class Meta:
        verbose_name = "项目里程碑"
        verbose_name_plural = "项目里程碑"
        ordering = ["project", "planned_on", "id"]

    def __str__(self) -> str:
        return self.name


class ProjectSystem(TimestampedModel):
    """A system a project delivers (or an existing one it changes): core or not, on the government cloud
    or not, and whether each part of its stack is domestic (国产)."""

    name = models.CharField("系统名称", max_length=128, unique=True)
    project = models.ForeignKey(
        Project,
        verbose_name="所属项目",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="systems",
    )
    department = models.ForeignKey(
        "orgs.Department", verbose_name="使用单位", on_delete=models.PROTECT, related_name="+"
    )
    is_core = models.BooleanField("核心系统", default=False)
    is_new = models.BooleanField("新建系统", default=True)
    on_gov_cloud = models.BooleanField("部署在政务云", default=False)
    cpu = models.CharField("CPU", max_length=64, blank=True)
    cpu_domestic = models.BooleanField("CPU国产", default=False)
    os = models.CharField("操作系统", max_length=64, blank=True)
    os_domestic = models.BooleanField("操作系统国产", default=False)
    database = models.CharField("数据库", max_length=64, blank=True)
    database_domestic = models.BooleanField("数据库国产", default=False)
    middleware = models.CharField("中间件", max_length=64, blank=True)
    middleware_domestic = models.BooleanField("中间件国产", default=False)
    in_service_on = models.DateField("上线日期", null=True, blank=True)

    class Meta:
        verbose_name = "信息系统"
        verbose_name_plural = "信息系统"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def domestic(self) -> bool:
        """国产化: all four parts of the stack are domestic."""
        return self.cpu_domestic and self.os_domestic and self.database_domestic and self.middleware_domestic
