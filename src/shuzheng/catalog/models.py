"""Service items (政务服务事项) and their immutable versions (实施清单)."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from shuzheng.catalog.constants import (
    ApplicantType,
    Exemption,
    GuideGroupKind,
    ItemLevel,
    ItemType,
    MaterialForm,
    MaterialNeed,
    VersionStatus,
)
from shuzheng.core.models import TimestampedModel


class GuideGroup(TimestampedModel):
    """A life event (出生, 开办企业…) or topic under which the portal groups guides."""

    code = models.CharField("编码", max_length=32, unique=True)
    name = models.CharField("名称", max_length=64)
    kind = models.CharField("类型", max_length=16, choices=GuideGroupKind.choices)
    audience = models.CharField("服务对象", max_length=16, choices=ApplicantType.choices)
    position = models.PositiveSmallIntegerField("排序", default=0)

    class Meta:
        verbose_name = "主题分类"
        verbose_name_plural = "主题分类"
        ordering = ["kind", "position", "code"]

    def __str__(self) -> str:
        return self.name


class ServiceItem(TimestampedModel):
    code = models.CharField("实施编码", max_length=64, unique=True)
    department = models.ForeignKey(
        "orgs.Department", verbose_name="实施部门", on_delete=models.PROTECT, related_name="service_items"
    )
    # Maintained by the publish/retire services so the portal reads the live version in one join.
    live_version = models.OneToOneField(
        "ServiceItemVersion",
        verbose_name="现行版本",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = "政务服务事项"
        verbose_name_plural = "政务服务事项"
        ordering = ["code"]

    def __str__(self) -> str:
        return self.code


class ServiceItemVersion(TimestampedModel):
    """Immutable once published: a case keeps the version it was filed under."""

    item = models.ForeignKey(
        ServiceItem, verbose_name="事项", on_delete=models.PROTECT, related_name="versions"
    )
    number = models.PositiveIntegerField("版本号")
    status = models.CharField(
        "状态", max_length=16, choices=VersionStatus.choices, default=VersionStatus.DRAFT, db_index=True
    )
    valid_from = models.DateField("生效日期", null=True, blank=True)
    valid_to = models.DateField("失效日期", null=True, blank=True)
    published_at = models.DateTimeField("发布时间", null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="发布人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    code = models.CharField("实施编码", max_length=64)
    name = models.CharField("事项名称", max_length=200)
    item_type = models.CharField("事项类型", max_length=20, choices=ItemType.choices)
    department = models.ForeignKey(
        "orgs.Department", verbose_name="实施部门", on_delete=models.PROTECT, related_name="+"
    )
    level = models.CharField("实施层级", max_length=16, choices=ItemLevel.choices)
    legal_basis = models.TextField("设定依据", blank=True)
    conditions = models.TextField("受理条件", blank=True)
    applicant_types = models.JSONField("服务对象", default=list)
    statutory_limit_days = models.PositiveSmallIntegerField("法定办结时限（工作日）")
    promised_limit_days = models.PositiveSmallIntegerField("承诺办结时限（工作日）")
    is_free = models.BooleanField("不收费", default=True)
    fee_rules = models.TextField("收费标准及依据", blank=True)
    onsite_visits = models.PositiveSmallIntegerField("到现场次数", default=1, help_text="0、1，或 2 表示多次")
    handling_modes = models.JSONField("四办类型", default=list)
    comprehensive_window = models.BooleanField("纳入综合窗口（一窗受理）", default=True)
    channels = models.JSONField("可申请渠道", default=list)
    cross_region = models.BooleanField("跨省通办", default=False)
    exemptions = models.JSONField("四免", default=list)
    high_frequency = models.BooleanField("高频事项", default=False)
    form_schema = models.JSONField("申请表（JSON Schema）", default=dict)
    keywords = models.CharField("搜索关键词", max_length=255, blank=True)
    guide_groups = models.ManyToManyField(
        GuideGroup, verbose_name="主题分类", blank=True, related_name="versions"
    )

    class Meta:
        verbose_name = "事项版本（实施清单）"
        verbose_name_plural = "事项版本（实施清单）"
        permissions = [("publish_serviceitemversion", "发布或废止事项版本")]
        ordering = ["item", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["item", "number"], name="itemversion_unique_number"),
            models.UniqueConstraint(
                fields=["item"], condition=models.Q(status="draft"), name="itemversion_one_draft"
            ),
        ]
        indexes = [
            models.Index(fields=["department", "status"], name="itemversion_dept_status"),
            # The public guide list: live (published) versions in code order.
            models.Index(fields=["status", "code"], name="itemversion_status_code"),
        ]

    def __str__(self) -> str:
        return f"{self.name}（v{self.number}）"

    @property
    def at_most_one_visit(self) -> bool:
        """最多跑一次."""
        return self.onsite_visits <= 1

    @property
    def exemptions_complete(self) -> bool:
        """四免 complete: all four exemptions apply."""
        return set(Exemption.values) <= set(self.exemptions or [])


class MaterialRequirement(models.Model):
    version = models.ForeignKey(
        ServiceItemVersion, verbose_name="事项版本", on_delete=models.CASCADE, related_name="materials"
    )
    position = models.PositiveSmallIntegerField("序号")
    code = models.CharField("材料编码", max_length=32)
    name = models.CharField("材料名称", max_length=200)
    need = models.CharField(
        "必要性", max_length=16, choices=MaterialNeed.choices, default=MaterialNeed.REQUIRED
    )
    condition = models.CharField("提交情形", max_length=255, blank=True)
    form = models.CharField(
        "材料形式", max_length=20, choices=MaterialForm.choices, default=MaterialForm.ORIGINAL
    )
    copies = models.PositiveSmallIntegerField("份数", default=1)
    pages = models.PositiveSmallIntegerField("页数", null=True, blank=True)
    is_key = models.BooleanField("核心材料", default=True, help_text="非核心材料可容缺受理")
    issued_by_government = models.BooleanField("政府部门核发", default=False)
    licence_type = models.CharField(
        "电子证照类型", max_length=64, blank=True, help_text="已知证照类型时，该材料免提交（四免）"
    )

    class Meta:
        verbose_name = "申请材料"
        verbose_name_plural = "申请材料"
        ordering = ["version", "position"]
        constraints = [models.UniqueConstraint(fields=["version", "code"], name="material_unique_code")]

    def __str__(self) -> str:
        return self.name

    @property
    def exempt(self) -> bool:
        """免提交: the government issues it and its electronic licence type is known."""
        return self.issued_by_government and bool(self.licence_type)


class WorkflowStep(models.Model):
    version = models.ForeignKey(
        ServiceItemVersion, verbose_name="事项版本", on_delete=models.CASCADE, related_name="steps"
    )
    position = models.PositiveSmallIntegerField("序号")
    name = models.CharField("环节名称", max_length=64)
    role_code = models.CharField("办理角色编码", max_length=64)
    department = models.ForeignKey(
        "orgs.Department",
        verbose_name="办理部门",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="为空时由实施部门办理",
    )
    time_limit_days = models.PositiveSmallIntegerField("环节时限（工作日）")

    class Meta:
        verbose_name = "办理环节"
        verbose_name_plural = "办理环节"
        ordering = ["version", "position"]
        constraints = [models.UniqueConstraint(fields=["version", "position"], name="step_unique_position")]

    def __str__(self) -> str:
        return self.name
